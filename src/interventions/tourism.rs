//! Tourism: village tourism development through a mixed-ownership company
//! (the case study's "poverty alleviation by tourism").
//!
//! Each year the module acts it
//!
//! 1. **builds capacity**: villages whose tourism potential is at least
//!    `potential_threshold` and whose capacity is below 1 receive up to
//!    `investment` yuan each, and capacity rises by `investment /
//!    capacity_cost` (so a village is built up over `capacity_cost /
//!    investment` years). At most `investment_share` of the budget goes to
//!    building. `registered` ("drip"): highest potential first, each village
//!    fully funded in turn; `all` ("flood"): the building money is spread
//!    evenly over every candidate village;
//! 2. **brings households in**: in villages with some capacity, households
//!    (`registered`: on the register, poorest first; `all`: everyone, in keyed
//!    random order) that take it up receive `share_grant` yuan of company
//!    shares (once), and, if their skill is below `skill_threshold`, service
//!    training for every adult (`training_cost` each), which raises skill by
//!    `training_gain` of the gap to 1. This uses the rest of the budget.
//!
//! The companies then run inside phase one of the household update, every
//! year, also after the module's `end_year` (src/model/household.rs): a
//! village's activity (visitors) is `a = capacity · potential · (1 −
//! road_weight + road_weight · road)`; each local adult without a local wage
//! job in a household whose skill is at least `skill_threshold` finds
//! tourism work with probability `job_rate · a` (a keyed draw, purpose
//! Tourism), paid `wage_share · local_wage · productivity`; shares pay
//! `dividend_rate · a` a year. Both go to the `tourism` income column.
//! Relocated households keep their dividends but take no tourism jobs.

use super::select::{ScanLeaves, pre_transfer_pc, registered_poor};
use super::{Ledger, Module, PlanCtx, SpendRow, take_up};
use crate::model::state::flag;
use crate::rng::sub;
use crate::scenario::modules::{Common, Eligible, ModuleConfig, Tourism};
use rayon::prelude::*;

pub struct TourismModule {
    cfg: Tourism,
    common: Common,
}

impl TourismModule {
    pub fn new(cfg: Tourism) -> Self {
        let common = cfg.common();
        TourismModule { cfg, common }
    }
}

impl Module for TourismModule {
    fn name(&self) -> &'static str {
        "tourism"
    }

    fn common(&self) -> &Common {
        &self.common
    }

    fn plan(&mut self, ctx: &mut PlanCtx, budget: Option<f64>, _ledger: &mut Ledger) -> SpendRow {
        let cfg = &self.cfg;
        let elig = self.common.eligible;
        let (year, streams) = (ctx.year, ctx.streams);
        let nv = ctx.villages.len();
        let total = budget.unwrap_or(f64::INFINITY);
        let mut spent = 0.0f64;

        // 1. Build capacity.
        let build_money = budget.map_or(f64::INFINITY, |b| b * cfg.investment_share);
        let mut cand: Vec<(usize, f64)> = (0..nv)
            .filter(|&v| {
                ctx.villages.tourism_potential[v] as f64 >= cfg.potential_threshold
                    && ctx.villages.tourism_capacity[v] < 1.0
            })
            .map(|v| {
                let tie = streams.uniform(v as u64, year, sub::TOURISM_ORDER_VILLAGES);
                (v, -(ctx.villages.tourism_potential[v] as f64) + 1e-9 * tie)
            })
            .collect();
        cand.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let per_village = match elig {
            Eligible::Registered => cfg.investment,
            Eligible::All if !cand.is_empty() => {
                cfg.investment.min(build_money / cand.len() as f64)
            }
            Eligible::All => 0.0,
        };
        let mut build_left = build_money;
        for &(v, _) in &cand {
            let need = (1.0 - ctx.villages.tourism_capacity[v] as f64) * cfg.capacity_cost;
            let x = per_village.min(need).min(build_left);
            if x <= 0.0 {
                break;
            }
            build_left -= x;
            spent += x;
            let cap = ctx.villages.tourism_capacity[v] as f64 + x / cfg.capacity_cost;
            ctx.villages.tourism_capacity[v] = cap.min(1.0) as f32;
        }

        // 2. Shares and service training in villages with some capacity.
        let rw = cfg.road_weight as f32;
        let act: Vec<f32> = (0..nv)
            .map(|v| ctx.villages.tourism_activity(v, rw))
            .collect();
        let mut money = total - spent;
        let line = ctx.params.line;
        let local_wage = ctx.params.local_wage;
        let threshold = cfg.skill_threshold as f32;
        let n = ctx.hh.len();
        let hh = &*ctx.hh;
        // Who asks: a parallel scan in household order; (key, index) is a
        // total order, so the parallel sort has one answer.
        let mut order: Vec<(usize, f64)> = (0..n)
            .into_par_iter()
            .scan_leaves()
            .filter(|&i| {
                hh.members(i) > 0
                    && act[hh.village[i] as usize] > 0.0
                    && hh.flags[i] & flag::RELOCATED == 0
                    && (elig == Eligible::All || hh.flags[i] & flag::REGISTERED != 0)
                    && (hh.shares[i] <= 0.0 || (hh.skill[i] < threshold && hh.adults[i] > 0))
            })
            .map(|i| {
                let tie = streams.uniform(i as u64, year, sub::TOURISM_ORDER_HOUSEHOLDS);
                let key = match elig {
                    Eligible::Registered => pre_transfer_pc(hh, i) as f64 + 1e-6 * tie,
                    Eligible::All => tie,
                };
                (i, key)
            })
            .collect();
        order.par_sort_unstable_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let mut row = SpendRow {
            module: "tourism",
            budget,
            ..Default::default()
        };
        for (i, _) in order {
            if money <= 0.0 {
                break;
            }
            let hh = &mut *ctx.hh;
            let a = act[hh.village[i] as usize];
            let wants_shares = hh.shares[i] <= 0.0 && cfg.share_grant > 0.0;
            let wants_training = hh.skill[i] < threshold && hh.adults[i] > 0;
            let cost = if wants_shares { cfg.share_grant } else { 0.0 }
                + if wants_training {
                    cfg.training_cost * hh.adults[i] as f64
                } else {
                    0.0
                };
            if cost > money || !(wants_shares || wants_training) {
                continue;
            }
            // Expected gain: the dividend, and for the trained a chance of seasonal tourism work.
            let gain = if wants_shares {
                cfg.share_grant as f32 * cfg.dividend_rate as f32 * a
            } else {
                0.0
            } + if wants_training {
                hh.adults[i] as f32 * cfg.job_rate as f32 * a * cfg.wage_share as f32 * local_wage
            } else {
                0.0
            };
            let own = hh.market_income(i).max(line * hh.members(i) as f32);
            let p = take_up(hh.awareness[i], hh.motivation[i], gain / own);
            if streams.uniform(i as u64, year, sub::TOURISM_TAKE_UP) >= p as f64 {
                continue;
            }
            if wants_shares {
                hh.shares[i] += cfg.share_grant as f32;
            }
            if wants_training {
                hh.skill[i] =
                    (hh.skill[i] + cfg.training_gain as f32 * (1.0 - hh.skill[i])).min(1.0);
            }
            money -= cost;
            spent += cost;
            row.beneficiary_households += 1;
            row.beneficiary_people += hh.members(i) as u64;
            row.registered_poor_beneficiaries += registered_poor(hh, i, line) as u64;
        }
        row.spent = spent;
        row
    }
}
