//! What happens to one household in one year.
//!
//! Phase one (before the policies plan): demography, shocks, labour
//! allocation and market incomes. Phase two (after): help received,
//! consumption and saving, assets and debt, children's schooling, poverty
//! status. Each phase reads only its own household and its village, and draws
//! only from the household's keyed streams, so households can be updated in
//! any order on any thread. Equations: docs/MODEL.md, section "Households".
//!
//! Why over 600 lines: the household update's phases share the year's
//! parameters and draws; splitting them would spread one equation set.

use super::draw::{HouseholdYear, NormalTable, YearDraws, bernoulli_count, threshold};
use super::kept::KeptChunk;
use super::state::{Chunk, Villages, flag};
use crate::rng::YearStreams;
use crate::rng::{HouseholdSlot, Purpose, Stream, Streams};
use crate::scenario::Scenario;
use crate::scenario::raw::IncomeMeasure;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

/// Every scenario value the household update needs in one year, resolved
/// from the dated schedules once per year (out of the hot loop). A field
/// named as a key (`return_schooling_low`: `income.return_schooling_low`;
/// a module's key with the module's name first: `tourism_job_rate`) holds
/// that key's value this year; any other field is derived, and says from what.
#[derive(Clone, Debug)]
pub struct YearParams {
    pub year: i32,
    /// The poverty line this year (`poverty_lines.low_income`).
    pub line: f32,
    /// The extreme line this year (`poverty_lines.extreme`).
    pub extreme_line: f32,
    /// The line times `poverty_lines.near_poor_factor`.
    pub near_poor_line: f32,
    /// County-wide farm price multiplier this year.
    pub price: f32,
    pub farm_return_per_mu: f32,
    pub farm_labour_per_mu: f32,
    pub irrigation_gain: f32,
    pub market_access_gain: f32,
    pub local_wage: f32,
    /// At most 1.
    pub local_job_rate: f32,
    pub work_health: f32,
    pub job_share_min: f32,
    pub casual_days: f32,
    pub casual_rate: f32,
    pub elderly_casual_rate: f32,
    pub casual_wage: f32,
    pub migrant_wage: f32,
    /// At most 1.
    pub migration_propensity: f32,
    pub migration_schooling: f32,
    pub return_schooling_low: f32,
    pub return_schooling_high: f32,
    pub skill_premium: f32,
    pub trap_threshold: f32,
    /// Return of productive assets below the threshold (`income.return_low`).
    pub return_low: f32,
    pub return_high: f32,
    pub return_sd: f32,
    pub return_sigma: f32,
    /// What the measures read as per-capita income (`poverty_lines.income_measure`).
    pub income_measure: IncomeMeasure,
    pub pension: f32,
    pub illness: f32,
    pub illness_chronic: f32,
    pub illness_lost_work: f32,
    pub medical_cost: f32,
    pub insurance_share: f32,
    pub illness_health_loss: f32,
    pub health_recovery: f32,
    pub crop_loss: f32,
    pub crop_loss_severity: f32,
    pub job_loss: f32,
    pub drought_severity: f32,
    pub birth_rate: f32,
    pub child_to_adult: f32,
    pub adult_to_elderly: f32,
    pub death_child: f32,
    pub death_adult: f32,
    pub death_elderly: f32,
    pub out_migration: f32,
    pub out_migration_schooling: f32,
    pub child_schooling_max: f32,
    pub enrolment_base: f32,
    pub enrolment_school: f32,
    pub enrolment_income: f32,
    /// Subsistence consumption per person: `behaviour.subsistence_share` × the line.
    pub subsistence: f32,
    pub mpc: f32,
    pub invest_share: f32,
    pub buffer_years: f32,
    pub depreciation: f32,
    pub fire_sale: f32,
    pub debt_interest: f32,
    pub debt_repay_share: f32,
    /// "Rely and wait": share of own local labour income given up while on
    /// the guarantee (the largest `work_disincentive` of the active modules).
    pub work_disincentive: f32,
    /// Relocation: share of farm income a relocated household loses (land left behind).
    pub relocation_farm_loss: f32,
    /// Relocation: market access for wage jobs at the resettlement site.
    pub relocation_site_access: f32,
    /// Tourism: chance of tourism work per skilled idle local adult at full activity.
    pub tourism_job_rate: f32,
    /// Tourism: pay of a tourism job (before productivity), yuan:
    /// `tourism.wage_share` × the local wage.
    pub tourism_wage: f32,
    /// Tourism: skill needed for tourism work.
    pub tourism_skill_threshold: f32,
    /// Tourism: dividend per yuan of shares at full activity.
    pub tourism_dividend_rate: f32,
    /// Tourism: weight of road access in a village's visitors.
    pub tourism_road_weight: f32,
    /// Education: enrolment gain of a child at the full student subsidy.
    pub education_subsidy_enrolment: f32,
    /// Whether births, deaths, ageing and out-migration happen this year
    /// (not in a survey's observed year: the survey recorded its members).
    pub demography: bool,
}

impl YearParams {
    pub fn new(sc: &Scenario, year: i32, price: f32, work_disincentive: f32) -> Self {
        let f = &sc.file;
        let (i, s, d, b) = (&f.income, &f.shocks, &f.demography, &f.behaviour);
        let line = f.poverty_lines.low_income.at(year) as f32;
        let iv = &f.interventions;
        let (rl, tr, ed) = (
            iv.relocation.clone().unwrap_or_default(),
            iv.tourism.clone().unwrap_or_default(),
            iv.education.clone().unwrap_or_default(),
        );
        YearParams {
            year,
            line,
            extreme_line: f.poverty_lines.extreme.at(year) as f32,
            near_poor_line: line * f.poverty_lines.near_poor_factor as f32,
            price,
            farm_return_per_mu: i.farm_return_per_mu.at(year) as f32,
            farm_labour_per_mu: i.farm_labour_per_mu as f32,
            irrigation_gain: i.irrigation_gain as f32,
            market_access_gain: i.market_access_gain as f32,
            local_wage: i.local_wage.at(year) as f32,
            local_job_rate: i.local_job_rate.at(year).min(1.0) as f32,
            work_health: i.work_health as f32,
            job_share_min: i.job_share_min as f32,
            casual_days: i.casual_days as f32,
            casual_rate: i.casual_rate as f32,
            elderly_casual_rate: i.elderly_casual_rate as f32,
            casual_wage: i.casual_wage.at(year) as f32,
            migrant_wage: i.migrant_wage.at(year) as f32,
            migration_propensity: i.migration_propensity.at(year).min(1.0) as f32,
            migration_schooling: i.migration_schooling as f32,
            return_schooling_low: i.return_schooling_low as f32,
            return_schooling_high: i.return_schooling_high as f32,
            skill_premium: i.skill_premium as f32,
            trap_threshold: i.trap_threshold as f32,
            return_low: i.return_low as f32,
            return_high: i.return_high as f32,
            return_sd: i.return_sd as f32,
            return_sigma: i.return_sigma as f32,
            income_measure: f.poverty_lines.income_measure,
            pension: i.pension.at(year) as f32,
            illness: s.illness as f32,
            illness_chronic: s.illness_chronic as f32,
            illness_lost_work: s.illness_lost_work as f32,
            medical_cost: s.medical_cost.at(year) as f32,
            insurance_share: s.insurance_share.at(year) as f32,
            illness_health_loss: s.illness_health_loss as f32,
            health_recovery: s.health_recovery as f32,
            crop_loss: s.crop_loss as f32,
            crop_loss_severity: s.crop_loss_severity as f32,
            job_loss: s.job_loss as f32,
            drought_severity: s.drought_severity as f32,
            birth_rate: d.birth_rate as f32,
            child_to_adult: d.child_to_adult as f32,
            adult_to_elderly: d.adult_to_elderly as f32,
            death_child: d.death_child as f32,
            death_adult: d.death_adult as f32,
            death_elderly: d.death_elderly as f32,
            out_migration: d.out_migration as f32,
            out_migration_schooling: d.out_migration_schooling as f32,
            child_schooling_max: d.child_schooling_max as f32,
            enrolment_base: d.enrolment_base as f32,
            enrolment_school: d.enrolment_school as f32,
            enrolment_income: d.enrolment_income as f32,
            subsistence: b.subsistence_share as f32 * line,
            mpc: b.mpc as f32,
            invest_share: b.invest_share as f32,
            buffer_years: b.buffer_years as f32,
            depreciation: b.depreciation as f32,
            fire_sale: b.fire_sale as f32,
            debt_interest: b.debt_interest as f32,
            debt_repay_share: b.debt_repay_share as f32,
            work_disincentive,
            relocation_farm_loss: rl.farm_loss as f32,
            relocation_site_access: rl.site_access as f32,
            tourism_job_rate: tr.job_rate as f32,
            tourism_wage: (tr.wage_share * i.local_wage.at(year)) as f32,
            tourism_skill_threshold: tr.skill_threshold as f32,
            tourism_dividend_rate: tr.dividend_rate as f32,
            tourism_road_weight: tr.road_weight as f32,
            education_subsidy_enrolment: ed.subsidy_enrolment as f32,
            demography: true,
        }
    }
}

/// This year's covariate shocks: each village's drought (set in `villages`)
/// and the county-wide farm price multiplier (returned), mean one.
pub fn covariate_shocks(
    sc: &Scenario,
    streams: &Streams,
    villages: &mut Villages,
    year: i32,
) -> f32 {
    let sd = sc.file.shocks.price_sd as f32;
    let z: f32 = StandardNormal.sample(&mut streams.stream(0, year, Purpose::Price));
    let price = (sd * z - sd * sd / 2.0).exp();
    for v in 0..villages.len() {
        let u: f32 = streams
            .stream(v as u64, year, Purpose::VillageShock)
            .random();
        villages.drought[v] = u < villages.drought_risk[v];
    }
    price
}

/// A household's return factor on productive assets (heterogeneous
/// returns): lognormal with mean 1, `exp(σz − σ²/2)`, `z` drawn once per
/// household from its own stream (`talent`: the streams of
/// `rng::sub::HOUSEHOLD_RETURN` in a fixed year, so the draw never changes
/// over the years, like an attribute drawn at population synthesis).
/// Exactly 1 when `σ = 0`.
#[inline]
pub fn return_factor(talent: &YearStreams, normal: &NormalTable, i: u64, sigma: f32) -> f32 {
    if sigma <= 0.0 {
        return 1.0;
    }
    let z = normal.at((talent.key(i) >> 32) as u32);
    (sigma * z - 0.5 * sigma * sigma).exp()
}

/// The expected return rate of a household's productive assets: the trap's
/// low or high rate by its assets, times its return factor.
#[inline]
pub fn asset_return(p: &YearParams, assets: f32, factor: f32) -> f32 {
    let r = if assets >= p.trap_threshold {
        p.return_high
    } else {
        p.return_low
    };
    r * factor
}

/// The per-capita income the measures read (`poverty_lines.income_measure`),
/// from the household's net income, its medical costs and its members.
#[inline]
pub fn measured_pc(m: IncomeMeasure, income: f32, medical: f32, n: f32) -> f32 {
    match m {
        IncomeMeasure::Net => income / n,
        IncomeMeasure::Floored => (income / n).max(0.0),
        IncomeMeasure::NetOfMedical => ((income - medical) / n).max(0.0),
    }
}

/// Wage multiplier of schooling: piecewise log-linear around junior high (9 years).
#[inline]
pub fn schooling_factor(years: f32, low: f32, high: f32) -> f32 {
    let d = years - 9.0;
    if d < 0.0 {
        (low * d).exp()
    } else {
        (high * d).exp()
    }
}

/// Casual day labour (docs/MODEL.md, "Casual day labour"), in yuan
/// before lost work: each of `workers` people finds casual work with
/// probability `rate · (0.4 + 0.6·access) · health · capacity` ([`work_capacity`])
/// and then works `casual_days` days at the casual day wage; the count is drawn
/// from the household-year's labour stream after the draws before it, so those
/// do not move. Slack-season work: it takes no farm labour. Exactly 0, and no
/// draw, when `casual_days` or `rate` is 0 (the model before issue 21). The
/// adults at home without a regular job draw at `casual_rate`; the elderly,
/// after the job share, at `elderly_casual_rate` ("Work in old age").
#[inline]
pub fn casual_labour(
    p: &YearParams,
    r: &mut Stream,
    rate: f32,
    workers: u8,
    access: f32,
    health: f32,
    capacity: f32,
) -> f32 {
    if p.casual_days <= 0.0 || rate <= 0.0 {
        return 0.0;
    }
    let chance = rate * (0.4 + 0.6 * access) * health.clamp(0.0, 1.0) * capacity;
    let found = bernoulli_count(r, workers, threshold(chance));
    found as f32 * p.casual_days * p.casual_wage
}

/// Work capacity (docs/MODEL.md, "Health and work"): the factor on every
/// chance of off-farm work, `min(1, health / work_health)²`, falling steeply
/// in poor health (chronic illness, disability); exactly 1 when
/// `work_health` is 0 (the model before issue 21).
#[inline]
pub fn work_capacity(p: &YearParams, health: f32) -> f32 {
    if p.work_health <= 0.0 {
        return 1.0;
    }
    let h = (health / p.work_health).clamp(0.0, 1.0);
    h * h
}

/// Share of the year that a household's regular local jobs last (docs/MODEL.md,
/// "Part-year jobs"): uniform between `job_share_min` and 1, one draw of the
/// labour stream after casual work; exactly 1, and no draw, when the minimum
/// is 1 or the household has no job (the model before issue 21).
#[inline]
pub fn job_share(p: &YearParams, r: &mut Stream, jobs: f32) -> f32 {
    if p.job_share_min >= 1.0 || jobs <= 0.0 {
        return 1.0;
    }
    let u = (r.next_u64() >> 40) as f32 * (1.0 / 16_777_216.0);
    p.job_share_min + (1.0 - p.job_share_min) * u
}

/// Illness probability of a healthy household in a village: clinics
/// (1 or 0) cut it by 0.3/1.3, safe water (a coverage share) by up to a third.
#[inline]
pub fn village_illness(base: f32, clinic: f32, water: f32) -> f32 {
    base * (1.3 - 0.3 * clinic) * (1.2 - 0.4 * water)
}

/// Share of an illness's lost work and medical bill left where there is a clinic.
#[inline]
pub fn clinic_relief(clinic: f32) -> f32 {
    1.0 - 0.3 * clinic
}

/// People counted in phase one (demography), added up per chunk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DemographyCounts {
    pub births: u64,
    pub deaths: u64,
    pub out_migrants: u64,
}

impl std::ops::AddAssign for DemographyCounts {
    fn add_assign(&mut self, o: Self) {
        self.births += o.births;
        self.deaths += o.deaths;
        self.out_migrants += o.out_migrants;
    }
}

/// What demography did to one household in one year, in persons.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Demography {
    pub died_elderly: u8,
    pub died_adults: u8,
    pub died_children: u8,
    /// Adults who reached old age.
    pub retired: u8,
    /// Children who grew up into adults.
    pub grown: u8,
    /// Adults who left the county for good.
    pub left: u8,
    pub born: u8,
}

/// Members of one household as demography changes them.
pub struct Members<'a> {
    pub elderly: &'a mut u8,
    pub adults: &'a mut u8,
    pub children: &'a mut u8,
    pub schooling: &'a mut f32,
    pub child_schooling: f32,
}

/// A household-year's fixed-place draws (rng::HouseholdSlot::Fixed), two
/// per output: `fixed_half(&w, k)` is the k-th 32-bit half.
#[inline]
pub fn fixed_draws(hy: &HouseholdYear) -> [u64; 5] {
    let mut fixed = hy.fixed();
    std::array::from_fn(|_| fixed.next_u64())
}

#[inline]
pub fn fixed_half(w: &[u64; 5], k: usize) -> u32 {
    (w[k / 2] >> (32 * (k % 2))) as u32
}

/// One household's year of demography (docs/MODEL.md): deaths, adults
/// reaching old age, children growing up with the schooling their household
/// could give them, adults leaving for good, a birth. `phase_one` applies it
/// to every household; the engine replays it on a copy for a traced one, so
/// `povsim trace` can say who died, aged or left (same draws). Always
/// inlined: with two callers, whether `#[inline]` alone inlined it into
/// phase one depended on how rustc split the crate into codegen units (±5%
/// of a run's instructions, docs/PERFORMANCE.md, round three).
#[inline(always)]
pub fn demography(
    p: &YearParams,
    d: &YearDraws,
    hy: &HouseholdYear,
    w: &[u64; 5],
    m: Members,
) -> Demography {
    let half = |k: usize| fixed_half(w, k);
    let dead_e = d.death_elderly.at(*m.elderly, half(5));
    let dead_a = d.death_adult.at(*m.adults, half(6));
    let dead_c = d.death_child.at(*m.children, half(7));
    *m.elderly -= dead_e;
    *m.adults -= dead_a;
    *m.children -= dead_c;
    let retire = d.retire.at(*m.adults, half(8));
    *m.adults -= retire;
    *m.elderly = m.elderly.saturating_add(retire);
    let grown = d.grown.at(*m.children, half(9));
    if grown > 0 {
        // Children grow into workers with the schooling their household could give them.
        let a = *m.adults as f32;
        let g = grown as f32;
        *m.schooling = (*m.schooling * a + m.child_schooling * g) / (a + g);
        *m.children -= grown;
        *m.adults = m.adults.saturating_add(grown);
    }
    let p_out = p.out_migration + p.out_migration_schooling * (*m.schooling - 9.0).max(0.0);
    let left = bernoulli_count(
        &mut hy.slot(HouseholdSlot::Demography),
        *m.adults,
        threshold(p_out),
    );
    *m.adults -= left;
    let mut born = 0;
    if *m.adults >= 2 && *m.children < 4 && (half(4) as u64) < d.birth {
        *m.children += 1;
        born = 1;
    }
    Demography {
        died_elderly: dead_e,
        died_adults: dead_a,
        died_children: dead_c,
        retired: retire,
        grown,
        left,
        born,
    }
}

/// Phase one for a chunk: demography, shocks, labour, market incomes.
/// `k` is the chunk's kept factors ([`super::kept`]): read for each
/// household's wages and asset returns, the schooling wage factor
/// recomputed where demography changes the household's schooling.
pub fn phase_one(
    c: &mut Chunk,
    k: KeptChunk,
    p: &YearParams,
    v: &Villages,
    d: &YearDraws,
) -> DemographyCounts {
    let mut counts = DemographyCounts::default();
    let sf = &mut k.schooling[..c.len()];
    let returns = &k.returns[..c.len()];
    for j in 0..c.len() {
        let members0 = c.adults[j] as u32 + c.children[j] as u32 + c.elderly[j] as u32;
        if members0 == 0 {
            continue; // dissolved household
        }
        let i = (c.offset + j) as u64;
        let vi = c.village[j] as usize;
        let hy = HouseholdYear::new(&d.streams, i);
        // The fixed-place draws (rng::HouseholdSlot::Fixed), two per output.
        let w = fixed_draws(&hy);
        let half = |k: usize| fixed_half(&w, k);

        // --- Demography ---------------------------------------------------
        // A survey's observed year keeps the members it observed (population::survey).
        if p.demography {
            let m = demography(
                p,
                d,
                &hy,
                &w,
                Members {
                    elderly: &mut c.elderly[j],
                    adults: &mut c.adults[j],
                    children: &mut c.children[j],
                    schooling: &mut c.schooling[j],
                    child_schooling: c.child_schooling[j],
                },
            );
            counts.deaths += (m.died_elderly + m.died_adults + m.died_children) as u64;
            counts.out_migrants += m.left as u64;
            counts.births += m.born as u64;
            if m.grown > 0 {
                // Children grown up: the adults' schooling changed.
                sf[j] = schooling_factor(
                    c.schooling[j],
                    p.return_schooling_low,
                    p.return_schooling_high,
                );
            }
        }
        if c.adults[j] + c.children[j] + c.elderly[j] == 0 {
            c.income_pc[j] = 0.0;
            c.farm[j] = 0.0;
            c.wage[j] = 0.0;
            c.migrant[j] = 0.0;
            c.enterprise[j] = 0.0;
            c.tourism[j] = 0.0;
            c.transfers[j] = 0.0;
            c.pre_pc[j] = 0.0;
            continue;
        }

        // --- Shocks ---------------------------------------------------------
        let (u_ill, u_crop, u_job, u_ent) =
            (half(0) as u64, half(1) as u64, half(2) as u64, half(3));
        let clinic = v.clinic[vi];
        let water = v.water[vi];
        // Clinics shorten illness and cut its cost; unsafe water adds illness.
        let p_ill = (village_illness(p.illness, clinic, water)
            + p.illness_chronic * (1.0 - c.health[j]))
            .min(1.0);
        let ill = u_ill < threshold(p_ill) && c.adults[j] + c.elderly[j] > 0;
        let crop = u_crop < d.crop_loss;
        let mut flags = c.flags[j]
            & (flag::REGISTERED
                | flag::POOR
                | flag::RELOCATED
                | flag::ON_GUARANTEE
                | flag::CONNECTED);
        let mut lost_work = 0.0;
        if ill {
            flags |= flag::ILL;
            let clinic_gain = clinic_relief(clinic);
            lost_work = p.illness_lost_work * clinic_gain;
            c.medical[j] = p.medical_cost * clinic_gain * (1.0 - p.insurance_share);
            c.health[j] *= 1.0 - p.illness_health_loss;
        } else {
            c.medical[j] = 0.0;
            c.health[j] += (1.0 - c.health[j]) * p.health_recovery;
        }
        if crop {
            flags |= flag::CROP_LOSS;
        }

        // --- Labour ---------------------------------------------------------
        let mut r = hy.slot(HouseholdSlot::Labour);
        let adults = c.adults[j];
        let productivity = c.ability[j] * sf[j] * (1.0 + p.skill_premium * c.skill[j]);
        let capacity = work_capacity(p, c.health[j]);
        let p_mig = (p.migration_propensity + p.migration_schooling * (c.schooling[j] - 6.0)).clamp(0.0, 0.9)
            * (0.5 + c.motivation[j])
            // someone stays home to care for the young and the old
            * if c.children[j] + c.elderly[j] > 0 && adults == 1 { 0.3 } else { 1.0 }
            * capacity;
        let migrants = bernoulli_count(&mut r, adults, threshold(p_mig));
        let local = (adults - migrants) as f32;
        let access = v.access(vi);
        // Relocated households look for work at the resettlement site (src/interventions/relocation.rs).
        let relocated = flags & flag::RELOCATED != 0;
        let job_access = if relocated {
            p.relocation_site_access
        } else {
            access
        };
        // Some local work exists everywhere; roads and closeness to market add more.
        let p_job =
            p.local_job_rate * (0.4 + 0.6 * job_access) * (0.5 + c.motivation[j]) * capacity;
        let jobs = bernoulli_count(&mut r, adults - migrants, threshold(p_job)) as f32;
        let work = 1.0 - lost_work / (adults.max(1) as f32);
        let disincentive = if flags & flag::ON_GUARANTEE != 0 {
            1.0 - p.work_disincentive
        } else {
            1.0
        };
        // Casual day labour for the adults at home without a regular job.
        let idle = adults - migrants - jobs as u8;
        let casual = casual_labour(
            p,
            &mut r,
            p.casual_rate,
            idle,
            job_access,
            c.health[j],
            capacity,
        );
        let share = job_share(p, &mut r, jobs);
        // Work in old age: the elderly find casual work too, drawn last.
        let old_age = casual_labour(
            p,
            &mut r,
            p.elderly_casual_rate,
            c.elderly[j],
            job_access,
            c.health[j],
            capacity,
        );
        let wage =
            (jobs * share * p.local_wage * productivity + casual + old_age) * work * disincentive;
        // Farm: land needs labour; a local job takes 70% of its share of the year from it.
        // Poor health (work capacity) takes the adults' farm work too.
        let farm_labour =
            (local - 0.7 * jobs * share) * work * capacity + 0.3 * c.elderly[j] as f32;
        let need = c.land[j] * p.farm_labour_per_mu;
        let labour_factor = if need > 0.0 {
            (farm_labour / need).min(1.0)
        } else {
            0.0
        };
        let irrigation = v.irrigation[vi];
        let drought_loss = if v.drought[vi] {
            p.drought_severity * (1.0 - irrigation)
        } else {
            0.0
        };
        let crop_loss = if crop { p.crop_loss_severity } else { 0.0 };
        let farm = c.land[j]
            * p.farm_return_per_mu
            * p.price
            * (1.0 + p.irrigation_gain * irrigation)
            * (1.0 + p.market_access_gain * (access - 0.5))
            * labour_factor
            * (1.0 - crop_loss)
            * (1.0 - drought_loss)
            // land left behind by relocated households
            * if relocated { 1.0 - p.relocation_farm_loss } else { 1.0 };
        let job_lost = migrants > 0 && u_job < d.job_loss;
        if job_lost {
            flags |= flag::JOB_LOSS;
        }
        let migrant =
            migrants as f32 * p.migrant_wage * productivity * if job_lost { 0.5 } else { 1.0 };
        // Enterprise and livestock: below the trap threshold assets earn little.
        let z = d.normal.at(u_ent);
        let factor = if c.assets[j] > 0.0 { returns[j] } else { 1.0 };
        let ret = asset_return(p, c.assets[j], factor);
        let enterprise = c.assets[j] * (ret + p.return_sd * z).max(-0.5);

        c.migrants[j] = migrants;
        c.farm[j] = farm.max(0.0);
        c.wage[j] = wage;
        c.migrant[j] = migrant;
        c.enterprise[j] = enterprise;
        // Tourism (src/interventions/tourism.rs): seasonal work for skilled local adults
        // without another local job, and dividends on company shares.
        let tourism = if v.tourism_capacity[vi] > 0.0 {
            let a = v.tourism_activity(vi, p.tourism_road_weight);
            let idle = if relocated || c.skill[j] < p.tourism_skill_threshold {
                0
            } else {
                (adults - migrants).saturating_sub(jobs as u8)
            };
            let mut r = hy.slot(HouseholdSlot::Tourism);
            let t_jobs = bernoulli_count(&mut r, idle, threshold(p.tourism_job_rate * a)) as f32;
            t_jobs * p.tourism_wage * productivity * work
                + c.shares[j] * p.tourism_dividend_rate * a
        } else {
            0.0
        };
        c.tourism[j] = tourism;
        c.transfers[j] = c.elderly[j] as f32 * p.pension;
        // Summed in the order of `Households::market_income` + transfers.
        let members = c.adults[j] as u32 + c.children[j] as u32 + c.elderly[j] as u32;
        c.pre_pc[j] = (c.farm[j]
            + c.wage[j]
            + c.migrant[j]
            + c.enterprise[j]
            + c.tourism[j]
            + c.transfers[j])
            / members as f32;
        c.received[j] = 0.0;
        c.flags[j] = flags;
    }
    counts
}

/// Phase two for one household: help received, consumption and saving, assets,
/// debt, children's schooling. Returns the per-capita net income.
#[inline]
pub fn phase_two_household(c: &mut Chunk, j: usize, p: &YearParams, v: &Villages) -> f32 {
    let members = c.adults[j] as u32 + c.children[j] as u32 + c.elderly[j] as u32;
    if members == 0 {
        return 0.0;
    }
    let n = members as f32;
    c.transfers[j] += c.received[j];
    let income =
        c.farm[j] + c.wage[j] + c.migrant[j] + c.enterprise[j] + c.tourism[j] + c.transfers[j];
    // Net income as NBS counts it (medical costs are consumption); the
    // measure floors it or takes medical costs off as the scenario says.
    let income_pc = measured_pc(p.income_measure, income, c.medical[j], n);
    c.income_pc[j] = income_pc;

    // Cash on hand pays medical costs and debt service first.
    let interest = c.debt[j] * p.debt_interest;
    let mut cash = c.savings[j] + income - c.medical[j] - interest;
    let subsistence = p.subsistence * n;
    let consumption = if cash <= subsistence {
        cash.max(0.0)
    } else {
        subsistence + p.mpc * (cash - subsistence)
    };
    cash -= consumption;
    // Distress: sell assets at a discount, then borrow.
    if cash < 0.0 {
        let sale = (-cash / p.fire_sale).min(c.assets[j]);
        c.assets[j] -= sale;
        cash += sale * p.fire_sale;
        if cash < 0.0 {
            c.debt[j] += -cash;
            cash = 0.0;
        }
    }
    // Repay debt from what is left.
    let repay = (c.debt[j] * p.debt_repay_share).min(cash);
    c.debt[j] -= repay;
    cash -= repay;
    // Invest beyond a buffer, more when motivated.
    let buffer = p.buffer_years * subsistence;
    let invest = if cash > buffer {
        (cash - buffer) * p.invest_share * c.motivation[j]
    } else {
        0.0
    };
    c.assets[j] = c.assets[j] * (1.0 - p.depreciation) + invest;
    c.savings[j] = cash - invest;

    // Children's schooling: enrolment rises with school quality and the household's means.
    if c.children[j] > 0 {
        // The household's means: its net income, whatever the measure reads.
        let rel = ((income / n).max(1.0) / p.line).ln();
        // A student subsidy (src/interventions/education.rs) adds enrolment in proportion to the share paid.
        let aid = c.student_aid[j] as f32 * (p.education_subsidy_enrolment / 255.0);
        c.student_aid[j] = 0;
        let e = (p.enrolment_base
            + p.enrolment_school * (v.school_quality[c.village[j] as usize] - 0.5)
            + p.enrolment_income * rel
            + aid)
            .clamp(0.0, 1.0);
        let target = p.child_schooling_max * e;
        // The track moves a sixth of the way each year (about a school career).
        c.child_schooling[j] += (target - c.child_schooling[j]) / 6.0;
    }

    let mut flags = c.flags[j];
    if c.received[j] > 0.0 && flags & flag::REGISTERED != 0 {
        flags |= flag::ON_GUARANTEE;
    } else {
        flags &= !flag::ON_GUARANTEE;
    }
    c.flags[j] = flags;
    income_pc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schooling_pays_more_above_junior_high() {
        assert_eq!(schooling_factor(9.0, 0.032, 0.118), 1.0);
        let below = schooling_factor(8.0, 0.032, 0.118);
        let above = schooling_factor(10.0, 0.032, 0.118);
        assert!((below - (-0.032f32).exp()).abs() < 1e-6);
        assert!((above - 0.118f32.exp()).abs() < 1e-6);
    }
}
