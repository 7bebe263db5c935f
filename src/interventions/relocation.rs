//! Relocation: moving households out of remote mountain villages to a
//! resettlement site (the case study's "poverty alleviation by relocation").
//!
//! Households in villages whose remoteness is above `remoteness_threshold`
//! (`registered`: on the register; `all`: everyone) are offered the move.
//! The move is voluntary: a household considers its expected yearly gain,
//! the wage work that the site's better access (`site_access` instead of its
//! village's road × closeness) brings its local adults, minus the farm income
//! it gives up (`farm_loss` of its harvest: the land is left behind) and the
//! interest on the part of the cost it must borrow. Households that expect to
//! lose stay; the others move with the probability [`super::take_up`] gives.
//! Movers are served poorest first (`all`: in keyed random order), at most
//! `max_households` a year, while the budget lasts.
//!
//! A move costs `cost_per_person` for every member. The budget pays the
//! subsidy share (`subsidy` for registered households, `subsidy_other` for
//! the others); the rest becomes household debt. The default `subsidy = 1`
//! follows the case study ("not to allow the relocated households to increase
//! their liabilities"). Nobody is lost in a move: the household keeps its
//! members, its village index (so village rows stay comparable: relocated
//! households are still counted in their origin village) and gets the
//! RELOCATED flag, which phase one reads every later year (also after the
//! module's `end_year`): wage jobs at `site_access`, farm income cut by
//! `farm_loss`. The people moved are reported as `relocated_out` of the
//! origin village (`relocated_in` stays 0: the sites are not villages of the
//! table).

use super::select::{ScanLeaves, pre_transfer_pc};
use super::{Ledger, Module, PlanCtx, SpendRow, take_up};
use crate::model::state::flag;
use crate::rng::sub;
use crate::scenario::modules::{Common, Eligible, ModuleConfig, Relocation};
use rayon::prelude::*;

pub struct RelocationModule {
    cfg: Relocation,
    common: Common,
}

impl RelocationModule {
    pub fn new(cfg: Relocation) -> Self {
        let common = cfg.common();
        RelocationModule { cfg, common }
    }
}

impl Module for RelocationModule {
    fn name(&self) -> &'static str {
        "relocation"
    }

    fn common(&self) -> &Common {
        &self.common
    }

    fn plan(&mut self, ctx: &mut PlanCtx, budget: Option<f64>, ledger: &mut Ledger) -> SpendRow {
        let cfg = &self.cfg;
        let elig = self.common.eligible;
        let (year, streams, p) = (ctx.year, ctx.streams, ctx.params);
        let n = ctx.hh.len();
        let mut row = SpendRow {
            module: "relocation",
            budget,
            ..Default::default()
        };
        // Who asks: a parallel scan in household order.
        let mut cand: Vec<(usize, f64)> = {
            let (hh, vs) = (&*ctx.hh, &*ctx.villages);
            (0..n)
                .into_par_iter()
                .scan_leaves()
                .filter_map(|i| {
                    let m = hh.members(i);
                    let v = hh.village[i] as usize;
                    if m == 0
                        || hh.flags[i] & flag::RELOCATED != 0
                        || (vs.remoteness[v] as f64) <= cfg.remoteness_threshold
                        || (elig == Eligible::Registered && hh.flags[i] & flag::REGISTERED == 0)
                    {
                        return None;
                    }
                    let s = if hh.flags[i] & flag::REGISTERED != 0 {
                        cfg.subsidy
                    } else {
                        cfg.subsidy_other
                    };
                    // Expected yearly gain: more local jobs at the site, less farming, interest on the own share.
                    let local = hh.adults[i].saturating_sub(hh.migrants[i]) as f32;
                    let more_jobs = (cfg.site_access as f32 - vs.access(v)).max(0.0)
                        * 0.6
                        * p.local_job_rate
                        * (0.5 + hh.motivation[i])
                        * local;
                    let wage_gain = more_jobs * p.local_wage * hh.ability[i];
                    let farm_lost = hh.farm[i] * cfg.farm_loss as f32;
                    let interest =
                        ((1.0 - s) * cfg.cost_per_person * m as f64) as f32 * p.debt_interest;
                    let gain = wage_gain - farm_lost - interest;
                    if gain <= 0.0 {
                        return None;
                    }
                    let own = hh.market_income(i).max(p.line * m as f32);
                    let pr = take_up(hh.awareness[i], hh.motivation[i], gain / own);
                    if streams.uniform(i as u64, year, sub::RELOCATION_TAKE_UP) >= pr as f64 {
                        return None;
                    }
                    let tie = streams.uniform(i as u64, year, sub::RELOCATION_ORDER);
                    let key = match elig {
                        Eligible::Registered => pre_transfer_pc(hh, i) as f64 + 1e-6 * tie,
                        Eligible::All => tie,
                    };
                    Some((i, key))
                })
                .collect()
        };
        // (key, index) is a total order: the parallel sort has one answer.
        cand.par_sort_unstable_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let mut left = budget.unwrap_or(f64::INFINITY);
        let mut spent = 0.0f64;
        let cap = cfg.max_households.max(0) as u64;
        let line = p.line;
        for (i, _) in cand {
            if row.beneficiary_households >= cap {
                break;
            }
            let hh = &mut *ctx.hh;
            let m = hh.members(i);
            let registered = hh.flags[i] & flag::REGISTERED != 0;
            let s = if registered {
                cfg.subsidy
            } else {
                cfg.subsidy_other
            };
            let full = cfg.cost_per_person * m as f64;
            let cost = s * full;
            if cost > left {
                continue;
            }
            left -= cost;
            spent += cost;
            hh.debt[i] += ((1.0 - s) * full) as f32;
            hh.flags[i] |= flag::RELOCATED;
            ledger.relocations.push((hh.village[i], m as u64));
            row.beneficiary_households += 1;
            row.beneficiary_people += m as u64;
            row.registered_poor_beneficiaries +=
                (registered && pre_transfer_pc(hh, i) < line) as u64;
        }
        row.spent = spent;
        row
    }
}
