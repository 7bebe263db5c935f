//! Publicity: cadres explain the policies village by village, so households
//! know them and take help up (the case study's problem A, weak publicity).
//!
//! A household reached this year gains `awareness += awareness_gain · (1 −
//! awareness)`; awareness raises take-up of every module ([`super::take_up`])
//! from the next decision on. A village's campaign costs `cost_per_village`
//! plus `cost_per_household` per household reached when it reaches all its
//! target households; a partial campaign (fewer meetings) reaching `k` of
//! `T` costs `k·(cost_per_village/T + cost_per_household)`. `eligible = "registered"`
//! ("drip"): registered households only, villages in `priority` order until
//! the budget runs out (the last one in part); `eligible = "all"` ("flood"):
//! every household, the budget spread evenly over the villages. Where a
//! village's money reaches only some of its households, a keyed draw picks
//! them. Without a budget every village is covered.

use super::select::{ByVillage, known_poor, order_desc, priority_key};
use super::{Ledger, Module, PlanCtx, SpendRow, Touches};
use crate::model::state::flag;
use crate::rng::sub;
use crate::scenario::modules::{Common, Eligible, ModuleConfig, Priority, Publicity};
use rayon::prelude::*;

pub struct PublicityModule {
    cfg: Publicity,
    common: Common,
}

impl PublicityModule {
    pub fn new(cfg: Publicity) -> Self {
        let common = cfg.common();
        PublicityModule { cfg, common }
    }

    /// Cost of reaching `k` of a village's `targets` households: the village's
    /// fixed cost is shared by its target households.
    fn cost(&self, k: u64, targets: u64) -> f64 {
        if k == 0 || targets == 0 {
            return 0.0;
        }
        k as f64 * (self.cfg.cost_per_village / targets as f64 + self.cfg.cost_per_household)
    }

    /// Households `money` reaches in a village of `targets` target households.
    fn reach(&self, money: f64, targets: u64) -> u64 {
        if targets == 0 || money <= 0.0 {
            return 0;
        }
        if money >= self.cost(targets, targets) {
            return targets;
        }
        let each = self.cfg.cost_per_village / targets as f64 + self.cfg.cost_per_household;
        if each <= 0.0 {
            return targets;
        }
        ((money * (1.0 - 1e-12) / each).floor() as u64).min(targets)
    }
}

impl Module for PublicityModule {
    fn name(&self) -> &'static str {
        "publicity"
    }

    fn common(&self) -> &Common {
        &self.common
    }

    fn touches(&self) -> Touches {
        Touches::Awareness
    }

    fn plan(&mut self, ctx: &mut PlanCtx, budget: Option<f64>, _ledger: &mut Ledger) -> SpendRow {
        let nv = ctx.villages.len();
        let stats = ctx.village_stats();
        let drip = self.common.eligible == Eligible::Registered;
        let targets: Vec<u64> = stats
            .iter()
            .map(|s| {
                if drip {
                    s.registered_households
                } else {
                    s.households
                }
            })
            .collect();
        let cost = |v: usize| self.cost(targets[v], targets[v]);
        // Households to reach in each village.
        let mut quota = vec![0u64; nv];
        match budget {
            None => quota.clone_from(&targets),
            Some(b) if drip => {
                let poor = known_poor(&stats);
                let keys: Vec<(usize, f64)> = (0..nv)
                    .filter(|&v| targets[v] > 0)
                    .map(|v| {
                        let gpy = if self.cfg.priority == Priority::BestGainPerYuan {
                            stats[v].unaware_registered / cost(v).max(1e-9)
                        } else {
                            0.0
                        };
                        (v, priority_key(self.cfg.priority, &stats[v], poor[v], gpy))
                    })
                    .collect();
                let mut planned = 0.0f64;
                for k in order_desc(&keys, ctx.streams, ctx.year, sub::PUBLICITY_TIES) {
                    let v = keys[k].0;
                    let q = self.reach(b - planned, targets[v]);
                    if q > 0 {
                        quota[v] = q;
                        planned += self.cost(q, targets[v]);
                    }
                }
            }
            Some(b) => {
                let served = targets.iter().filter(|t| **t > 0).count();
                if served > 0 {
                    let share = b / served as f64;
                    for v in 0..nv {
                        quota[v] = self.reach(share, targets[v]);
                    }
                }
            }
        }
        // Reach households: everyone when the quota covers the village, else a
        // keyed draw with a little slack, capped at the quota (so never over budget).
        let chance: Vec<f64> = (0..nv)
            .map(|v| {
                let (q, t) = (quota[v] as f64, targets[v] as f64);
                if t > 0.0 {
                    ((q + 2.0 * q.sqrt() + 1.0) / t).min(1.0)
                } else {
                    0.0
                }
            })
            .collect();
        // Who is reached: in each village (villages in parallel) its first
        // `quota` target households, in household order, that the draw lets
        // through; then the reached gain awareness (each only its own).
        let by = ByVillage::new(&ctx.hh.village, nv);
        let (hh, streams, year) = (&*ctx.hh, ctx.streams, ctx.year);
        let chosen: Vec<Vec<usize>> = (0..nv)
            .into_par_iter()
            .with_max_len(1)
            .map(|v| {
                if quota[v] == 0 {
                    return Vec::new();
                }
                let drawn = quota[v] < targets[v];
                by.members(v)
                    .filter(|&i| {
                        hh.members(i) > 0
                            && (!drip || hh.flags[i] & flag::REGISTERED != 0)
                            && !(drawn
                                && streams.uniform(i as u64, year, sub::PUBLICITY_REACH)
                                    >= chance[v])
                    })
                    .take(quota[v] as usize)
                    .collect()
            })
            .collect();
        let reached: Vec<u64> = chosen.iter().map(|c| c.len() as u64).collect();
        let mut row = SpendRow {
            module: "publicity",
            budget,
            ..Default::default()
        };
        let gain = self.cfg.awareness_gain as f32;
        let line = ctx.params.line;
        let hh = &mut *ctx.hh;
        for i in chosen.into_iter().flatten() {
            let m = hh.members(i);
            let reg = hh.flags[i] & flag::REGISTERED != 0;
            hh.awareness[i] += gain * (1.0 - hh.awareness[i]);
            row.beneficiary_households += 1;
            row.beneficiary_people += m as u64;
            if reg && super::select::pre_transfer_pc(hh, i) < line {
                row.registered_poor_beneficiaries += 1;
            }
        }
        let spent: f64 = reached
            .iter()
            .zip(&targets)
            .fold(0.0f64, |acc, (&r, &t)| acc + self.cost(r, t));
        row.spent = spent;
        row
    }
}
