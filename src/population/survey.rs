//! A population built from a household survey ([`crate::scenario::survey`]).
//!
//! **Villages**: one per village id; attributes the village file gives are
//! kept, the others drawn from `[villages]` as for a drawn county.
//!
//! **Households**: each survey row becomes as many households as the
//! apportionment of its (raked) weight says, laid out village by village in
//! file order. Observed attributes are kept; the others are imputed by the
//! rules a drawn county uses (docs/DATA.md, "Imputation"): schooling, skill,
//! health, assets, savings, debt, awareness and motivation drawn from
//! `[households]` (schooling lowered and assets and savings scaled down with
//! remoteness), land from the village's land per person, a household of
//! `members` split into elderly and children by draws capped so that one
//! adult remains. Each copy of a row draws its own (keyed) values.
//!
//! **The observed year** is the scenario's first: the survey recorded its
//! members and incomes, so that year has no births, deaths or ageing, and no
//! module acts in it (the help households got is in their incomes). Its
//! shocks, jobs, migration and enterprise returns are drawn as in any year,
//! from the same keyed streams the run uses; market income is then affine in
//! earning ability, `A·ability + B` (labour incomes scale with it; farm,
//! enterprise and pensions do not), and ability is backed out so that
//! per-capita income equals the observed one: `ability = (y·n − B − P) / A`.
//! Where that says nothing (no labour income drawn this year, `A = 0`) or
//! nothing plausible (an ability below 0 or above [`ABILITY_MAX`]: the
//! year's farm, enterprise or migration luck, or the survey's measurement
//! error, explains the income better than a permanent ability), ability keeps
//! its draw and the gap is booked as the year's enterprise income, the
//! residual source. So first-year incomes equal the observed ones in every
//! household (to f32 rounding), and [`ImportReport`] says how many needed
//! the residual.

use super::{Initial, Samplers, villages_with};
use crate::model::draw::YearDraws;
use crate::model::household::{self, YearParams};
use crate::model::kept::KeptFactors;
use crate::model::state::{Households, Villages, flag};
use crate::rng::{Purpose, Streams};
use crate::scenario::Scenario;
use crate::scenario::survey::Survey;
use rayon::prelude::*;
use serde::Serialize;

/// Highest earning ability backed out of an income: ten times the median
/// (assumption; above it a household's income is taken as a transitory gain).
pub const ABILITY_MAX: f32 = 10.0;

/// Households per parallel chunk (any size gives the same households).
const CHUNK: usize = 4096;

/// How closely the model's first-year incomes reproduce the survey's.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ImportReport {
    pub households: u64,
    /// Households whose income ability alone reproduces.
    pub by_ability: u64,
    /// Households with a residual: no labour income this year (`A = 0`) …
    pub no_labour_income: u64,
    /// … or a backed-out ability below 0 or above [`ABILITY_MAX`].
    pub out_of_range: u64,
    /// Mean absolute residual per person among those, yuan.
    pub mean_residual_pc: f64,
    /// Largest gap between a first-year and an observed per-capita income,
    /// yuan (f32 rounding).
    pub max_gap_pc: f64,
}

/// Build replicate `streams.replicate`'s population from the survey.
pub fn build(sc: &Scenario, s: &Survey, streams: &Streams) -> Initial {
    let year = sc.start_year;
    let mut villages = villages_with(sc, streams, s.village_ids.len(), &|k, key| {
        s.village_get(key).map(|v| v[k] as f32)
    })
    .0;
    let rows = layout(s);
    let mut hh = households(sc, s, streams, &villages, &rows);
    let target: Vec<f64> = (0..hh.len())
        .map(|i| s.columns["income"][rows[i]] * hh.members(i) as f64)
        .collect();

    // The observed year's phase one, at abilities 0 and 1, then at the backed-out ones.
    let price = household::covariate_shocks(sc, streams, &mut villages, year);
    let mut p = YearParams::new(sc, year, price, 0.0);
    p.demography = false;
    let draws = YearDraws::new(&p, streams);
    let phase_one = |h: &mut Households| {
        let mut kept = KeptFactors::of(&h.schooling, &p, &draws);
        h.chunks_mut(CHUNK)
            .into_par_iter()
            .zip(kept.chunks(CHUNK))
            .for_each(|(mut c, k)| {
                household::phase_one(&mut c, k, &p, &villages, &draws);
            });
    };
    let observed_ability = s.get("ability").is_some();
    // 0: observed ability or no labour income; 1: backed out; 2: out of range.
    let mut solved = vec![0u8; hh.len()];
    if !observed_ability {
        let at = |a: f32| {
            let mut h = hh.clone();
            h.ability.fill(a);
            phase_one(&mut h);
            h
        };
        let (h0, h1) = (at(0.0), at(1.0));
        for i in 0..hh.len() {
            let b = h0.market_income(i) as f64;
            let a = h1.market_income(i) as f64 - b;
            let pension = h0.transfers[i] as f64;
            if a > 0.0 {
                let ability = (target[i] - b - pension) / a;
                if (0.0..=ABILITY_MAX as f64).contains(&ability) {
                    hh.ability[i] = ability as f32;
                    solved[i] = 1;
                } else {
                    solved[i] = 2;
                }
            }
        }
    }
    phase_one(&mut hh);

    // The gap left is this year's enterprise income (the residual source).
    let mut report = ImportReport {
        households: hh.len() as u64,
        ..Default::default()
    };
    let mut residual_sum = 0.0;
    for i in 0..hh.len() {
        let n = hh.members(i) as f32;
        // Summed in phase two's order (market income, then transfers).
        let gap = target[i] as f32 - (hh.market_income(i) + hh.transfers[i]);
        hh.enterprise[i] += gap;
        hh.pre_pc[i] = (hh.market_income(i) + hh.transfers[i]) / n;
        let observed = s.columns["income"][rows[i]];
        report.max_gap_pc = report
            .max_gap_pc
            .max((hh.pre_pc[i] as f64 - observed).abs());
        match solved[i] {
            1 => report.by_ability += 1,
            2 => report.out_of_range += 1,
            _ => report.no_labour_income += 1,
        }
        if solved[i] != 1 {
            residual_sum += (gap / n).abs() as f64;
        }
    }
    let with_residual = report.no_labour_income + report.out_of_range;
    if with_residual > 0 {
        report.mean_residual_pc = residual_sum / with_residual as f64;
    }
    Initial {
        villages,
        hh,
        first_state: Vec::new(),
        phase_one_done: true,
        import: Some(report),
    }
}

/// The survey row of every household: rows in village order (file order
/// within a village), each repeated as many times as its copies.
fn layout(s: &Survey) -> Vec<usize> {
    let mut order: Vec<usize> = (0..s.rows()).collect();
    order.sort_by_key(|&r| s.village[r]);
    order
        .into_iter()
        .flat_map(|r| std::iter::repeat_n(r, s.copies[r] as usize))
        .collect()
}

/// Households with their observed attributes and the imputed ones.
fn households(
    sc: &Scenario,
    s: &Survey,
    streams: &Streams,
    villages: &Villages,
    rows: &[usize],
) -> Households {
    let mut h = Households::with_len(rows.len());
    let d = Samplers::new(sc);
    let penalty = sc.file.households.remoteness_penalty as f32;
    let child_max = sc.file.demography.child_schooling_max as f32;
    let year = sc.start_year;
    let get = |key: &str| s.get(key);
    let (adults, children, elderly) = (get("adults"), get("children"), get("elderly"));
    let columns = [
        get("schooling"),
        get("skill"),
        get("health"),
        get("land"),
        get("assets"),
        get("savings"),
        get("debt"),
        get("awareness"),
        get("motivation"),
        get("ability"),
        get("registered"),
    ];
    h.chunks_mut(CHUNK).into_par_iter().for_each(|c| {
        for j in 0..c.village.len() {
            let i = c.offset + j;
            let row = rows[i];
            let mut r = streams.stream(i as u64, year, Purpose::Population);
            // Every attribute is drawn, in one order, then the observed ones kept.
            let draw: [f32; 13] = [
                &d.adults,
                &d.children,
                &d.elderly,
                &d.schooling,
                &d.skill,
                &d.health,
                &d.land,
                &d.assets,
                &d.savings,
                &d.debt,
                &d.awareness,
                &d.motivation,
                &d.ability,
            ]
            .map(|x| x.sample(&mut r) as f32);
            let obs = |k: usize| columns[k].map(|v| v[row] as f32);
            let v = s.village[row] as usize;
            c.village[j] = v as u32;
            let rem = villages.remoteness[v];
            match (adults, children, elderly) {
                (Some(a), Some(ch), Some(e)) => {
                    c.adults[j] = a[row] as u8;
                    c.children[j] = ch[row] as u8;
                    c.elderly[j] = e[row] as u8;
                }
                _ => {
                    // Only the size is known: elderly and children drawn, one adult kept.
                    let m = s.members[row] as u8;
                    let e = (draw[2].round().clamp(0.0, 20.0) as u8).min(m - 1);
                    let ch = (draw[1].round().clamp(0.0, 20.0) as u8).min(m - 1 - e);
                    c.elderly[j] = e;
                    c.children[j] = ch;
                    c.adults[j] = m - e - ch;
                }
            }
            let members = (c.adults[j] + c.children[j] + c.elderly[j]) as f32;
            c.schooling[j] = obs(0).unwrap_or((draw[3] - penalty * rem).max(0.0));
            c.child_schooling[j] = (c.schooling[j] + 2.0).min(child_max);
            c.skill[j] = obs(1).unwrap_or(draw[4]);
            c.health[j] = obs(2).unwrap_or(draw[5]);
            c.land[j] = obs(3).unwrap_or(villages.land_per_person[v] * members * draw[6]);
            // Remote households start with fewer assets: e^(−remoteness).
            c.assets[j] = obs(4).unwrap_or(draw[7] * (-rem).exp());
            c.savings[j] = obs(5).unwrap_or(draw[8] * (-rem).exp());
            c.debt[j] = obs(6).unwrap_or(draw[9]);
            c.credit[j] = 0.5;
            c.awareness[j] = obs(7).unwrap_or(draw[10]);
            c.motivation[j] = obs(8).unwrap_or(draw[11]);
            c.ability[j] = obs(9).unwrap_or(draw[12]);
            if obs(10) == Some(1.0) {
                c.flags[j] |= flag::REGISTERED;
            }
        }
    });
    h
}
