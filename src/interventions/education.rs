//! Education: school rebuilding, student subsidies, vocational training and
//! remote teaching (the case study's "poverty alleviation by education").
//!
//! The budget is split between four components by `schools_share`,
//! `subsidy_share`, `training_share` and `remote_share` (adding up to at most
//! 1; a component with share 0 is off; without a budget every component with
//! a positive share is uncapped). Each year:
//!
//! - **Schools.** Rebuilding the school that serves a village costs
//!   `school_cost / villages_per_school` and raises its quality to
//!   `rebuilt_quality` (plus the remote-teaching gain where installed); at
//!   most `schools_per_year · villages_per_school` villages a year.
//!   `registered`: lowest quality first; `all` ("flood irrigation"): the
//!   money is spread evenly over every village below `rebuilt_quality`, each
//!   closing the same fraction of its gap.
//! - **Remote teaching.** Villages with remoteness above `remote_threshold`
//!   get a network classroom once (`remote_cost`), which raises their school
//!   quality by `remote_gain` for good; most remote first (`all`: keyed
//!   random order).
//! - **Student subsidies.** Households with children (`registered`: on the
//!   register) that take the subsidy up receive `subsidy_per_student` per
//!   child and year, scaled down evenly if the money is short. Phase two adds
//!   `subsidy_enrolment × (paid / full)` to the children's enrolment (the
//!   `student_aid` column, in 255ths of the full subsidy, read once and
//!   cleared), so the schooling track, and years later the adults' schooling
//!   and wages, rise.
//! - **Vocational training.** Households (`registered`: on the register,
//!   lowest skill first; `all`: keyed random order) that take training up
//!   have every adult trained (`training_cost` per trainee, at most
//!   `training_capacity` trainees a year): skill rises by `training_gain` of
//!   the gap to 1, and with it wage and migrant earnings (`skill_premium`).
//!
//! Take-up uses [`super::take_up`] with the expected gain relative to the
//! household's income. Beneficiaries are households reached by any component
//! (for schools and remote teaching: households with children in a treated
//! village), counted once.

use super::select::{ScanLeaves, registered_poor};
use super::{Ledger, Module, PlanCtx, SCAN, SpendRow, module_columns, take_up};
use crate::model::columns::OwnColumns;
use crate::model::state::{Households, flag};
use crate::rng::sub;
use crate::scenario::modules::{Common, Education, Eligible, ModuleConfig};
use rayon::prelude::*;

module_columns! {
    /// The module's own state, per village.
    pub struct Remote {
        /// Whether remote (network) teaching is set up in the village.
        remote_teaching: bool,
    }
}

pub struct EducationModule {
    cfg: Education,
    common: Common,
    remote: Remote,
}

impl EducationModule {
    pub fn new(cfg: Education) -> Self {
        let common = cfg.common();
        EducationModule {
            cfg,
            common,
            remote: Remote::default(),
        }
    }
}

/// Whether household `i` may be reached under `eligible`.
#[inline]
fn eligible(e: Eligible, hh: &Households, i: usize) -> bool {
    hh.members(i) > 0 && (e == Eligible::All || hh.flags[i] & flag::REGISTERED != 0)
}

impl Module for EducationModule {
    fn name(&self) -> &'static str {
        "education"
    }

    fn common(&self) -> &Common {
        &self.common
    }

    fn state(&mut self, _households: usize, villages: usize) -> OwnColumns<'_> {
        self.remote.ensure(villages);
        OwnColumns {
            households: Vec::new(),
            villages: self.remote.named(),
        }
    }

    fn plan(&mut self, ctx: &mut PlanCtx, budget: Option<f64>, _ledger: &mut Ledger) -> SpendRow {
        let EducationModule {
            cfg,
            common,
            remote,
        } = self;
        let (cfg, elig) = (&*cfg, common.eligible);
        let (year, streams) = (ctx.year, ctx.streams);
        let n = ctx.hh.len();
        let nv = ctx.villages.len();
        remote.ensure(nv);
        let remote_teaching = &mut remote.remote_teaching;
        // Each component's money: its share of the budget, or uncapped (share > 0) without one.
        let limit = |share: f64| match budget {
            Some(b) => b * share,
            None if share > 0.0 => f64::INFINITY,
            None => 0.0,
        };
        let mut left = budget.unwrap_or(f64::INFINITY);
        let mut spent = 0.0f64;
        let mut reached = vec![false; n];
        let mut treated_village = vec![false; nv];

        // --- Remote teaching (first, so rebuilt schools keep its gain) -----
        let mut money = limit(cfg.remote_share).min(left);
        let mut cand: Vec<(usize, f64)> = (0..nv)
            .filter(|&v| {
                ctx.villages.remoteness[v] as f64 > cfg.remote_threshold && !remote_teaching[v]
            })
            .map(|v| {
                let key = match elig {
                    Eligible::Registered => -(ctx.villages.remoteness[v] as f64),
                    Eligible::All => streams.uniform(v as u64, year, sub::EDUCATION_ORDER_REMOTE),
                };
                (v, key)
            })
            .collect();
        cand.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        for (v, _) in cand {
            if cfg.remote_cost > money {
                break;
            }
            money -= cfg.remote_cost;
            left -= cfg.remote_cost;
            spent += cfg.remote_cost;
            remote_teaching[v] = true;
            ctx.villages.school_quality[v] =
                (ctx.villages.school_quality[v] + cfg.remote_gain as f32).min(1.0);
            treated_village[v] = true;
        }

        // --- School rebuilding ----------------------------------------------
        let remote_teaching = &*remote_teaching;
        let bonus = |v: usize| {
            if remote_teaching[v] {
                cfg.remote_gain as f32
            } else {
                0.0
            }
        };
        let target = cfg.rebuilt_quality as f32;
        let per_village = cfg.school_cost / cfg.villages_per_school;
        let max_villages = cfg.schools_per_year as f64 * cfg.villages_per_school;
        let money = limit(cfg.schools_share).min(left);
        let below: Vec<usize> = (0..nv)
            .filter(|&v| ctx.villages.school_quality[v] - bonus(v) < target - 1e-6)
            .collect();
        match elig {
            Eligible::Registered => {
                let mut order: Vec<(usize, f64)> = below
                    .iter()
                    .map(|&v| {
                        let q = (ctx.villages.school_quality[v] - bonus(v)) as f64;
                        (
                            v,
                            q + 1e-9
                                * streams.uniform(v as u64, year, sub::EDUCATION_ORDER_SCHOOLS),
                        )
                    })
                    .collect();
                order.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
                let (mut used, mut done) = (0.0f64, 0usize);
                for (v, _) in order {
                    if done as f64 + 1.0 > max_villages + 1e-9 || used + per_village > money {
                        break;
                    }
                    used += per_village;
                    done += 1;
                    ctx.villages.school_quality[v] = (target + bonus(v)).min(1.0);
                    treated_village[v] = true;
                }
                left -= used;
                spent += used;
            }
            Eligible::All => {
                let k = below.len() as f64;
                if k > 0.0 && per_village > 0.0 && money > 0.0 {
                    // The same fraction of every village's gap, as far as money and the yearly cap reach.
                    let f =
                        (money / (k * per_village)).min(max_villages / k).min(1.0) * (1.0 - 1e-9);
                    if f > 0.0 {
                        for &v in &below {
                            let b = bonus(v);
                            let q = ctx.villages.school_quality[v] - b;
                            ctx.villages.school_quality[v] =
                                (q + f as f32 * (target - q) + b).min(1.0);
                            treated_village[v] = true;
                        }
                        let used = f * k * per_village;
                        left -= used;
                        spent += used;
                    }
                }
            }
        }
        {
            let hh = &*ctx.hh;
            reached
                .par_chunks_mut(SCAN)
                .enumerate()
                .for_each(|(c, chunk)| {
                    for (j, r) in chunk.iter_mut().enumerate() {
                        let i = c * SCAN + j;
                        if treated_village[hh.village[i] as usize]
                            && hh.children[i] > 0
                            && hh.members(i) > 0
                        {
                            *r = true;
                        }
                    }
                });
        }

        // --- Student subsidies ------------------------------------------------
        let money = limit(cfg.subsidy_share).min(left);
        if money > 0.0 && cfg.subsidy_per_student > 0.0 {
            let line = ctx.params.line;
            let hh = &*ctx.hh;
            let draw = streams.year_purpose_sub(year, sub::EDUCATION_SUBSIDY);
            let takers: Vec<usize> = (0..n)
                .into_par_iter()
                .scan_leaves()
                .filter(|&i| hh.children[i] > 0 && eligible(elig, hh, i))
                .filter(|&i| {
                    let gain = cfg.subsidy_per_student as f32 * hh.children[i] as f32;
                    let own = hh.market_income(i).max(line * hh.members(i) as f32);
                    let p = take_up(hh.awareness[i], hh.motivation[i], gain / own);
                    draw.uniform(i as u64) < p as f64
                })
                .collect();
            let demand: f64 = takers
                .iter()
                .map(|&i| cfg.subsidy_per_student * ctx.hh.children[i] as f64)
                .sum();
            if demand > 0.0 {
                let scale = (money / demand).min(1.0);
                // In 255ths of the full subsidy, rounded down so the money never overruns.
                let aid = (255.0 * scale).floor().clamp(0.0, 255.0) as u8;
                if aid > 0 {
                    let used = demand * aid as f64 / 255.0;
                    for &i in &takers {
                        ctx.hh.student_aid[i] = aid;
                        reached[i] = true;
                    }
                    left -= used;
                    spent += used;
                }
            }
        }

        // --- Vocational training ----------------------------------------------
        let mut money = limit(cfg.training_share).min(left);
        if money > 0.0 && cfg.training_capacity > 0 {
            let p = ctx.params;
            let hh = &*ctx.hh;
            let tie = streams.year_purpose_sub(year, sub::EDUCATION_ORDER_TRAINING);
            let take = streams.year_purpose_sub(year, sub::EDUCATION_TRAINING);
            // The skill a household's adults would gain.
            let gain_skill =
                |hh: &Households, i: usize| cfg.training_gain as f32 * (1.0 - hh.skill[i]);
            // Who would take a place up, decided in the parallel scan: the
            // draw and the gain read only the household's own columns, which
            // the walk below changes for no other household. A household that
            // would decline changes nothing in the walk, so leaving it out
            // leaves the walk's places and money as they were.
            let mut cand: Vec<(usize, f64)> = (0..n)
                .into_par_iter()
                .scan_leaves()
                .filter(|&i| hh.adults[i] > 0 && hh.skill[i] < 0.99 && eligible(elig, hh, i))
                .filter(|&i| {
                    // Expected gain: the wage premium of the added skill on the adults' likely local work.
                    let gain = hh.adults[i] as f32
                        * p.local_wage
                        * p.local_job_rate
                        * p.skill_premium
                        * gain_skill(hh, i)
                        * hh.ability[i];
                    let own = hh.market_income(i).max(p.line * hh.members(i) as f32);
                    let pr = take_up(hh.awareness[i], hh.motivation[i], gain / own);
                    take.uniform(i as u64) < pr as f64
                })
                .map(|i| {
                    let tie = tie.uniform(i as u64);
                    let key = match elig {
                        Eligible::Registered => hh.skill[i] as f64 + 1e-9 * tie,
                        Eligible::All => tie,
                    };
                    (i, key)
                })
                .collect();
            // (key, index) is a total order: the unstable parallel sort gives the one result.
            cand.par_sort_unstable_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            let capacity = cfg.training_capacity as u64;
            let mut trainees = 0u64;
            for (i, _) in cand {
                if trainees >= capacity || money < cfg.training_cost {
                    break;
                }
                let hh = &mut *ctx.hh;
                let adults = hh.adults[i] as u64;
                let cost = cfg.training_cost * adults as f64;
                if trainees + adults > capacity || cost > money {
                    continue;
                }
                let gain_skill = gain_skill(hh, i);
                hh.skill[i] = (hh.skill[i] + gain_skill).min(1.0);
                trainees += adults;
                money -= cost; // the last component: `left` is not needed any more
                spent += cost;
                reached[i] = true;
            }
        }

        let line = ctx.params.line;
        let mut row = SpendRow {
            module: "education",
            budget,
            ..Default::default()
        };
        let hh = &*ctx.hh;
        (
            row.beneficiary_households,
            row.beneficiary_people,
            row.registered_poor_beneficiaries,
        ) = reached
            .par_chunks(SCAN)
            .enumerate()
            .map(|(c, chunk)| {
                let mut t = (0u64, 0u64, 0u64);
                for (j, r) in chunk.iter().enumerate() {
                    let i = c * SCAN + j;
                    if *r {
                        t.0 += 1;
                        t.1 += hh.members(i) as u64;
                        t.2 += registered_poor(hh, i, line) as u64;
                    }
                }
                t
            })
            .reduce(|| (0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
        row.spent = spent;
        row
    }
}
