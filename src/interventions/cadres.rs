//! Cadre training: better village cadres (the case study's problem D, "the
//! quality of the cadres in the village is uneven").
//!
//! Training `k` of a village's `cadres_per_village` cadres in a year raises
//! its cadre quality by `quality_gain · (k / cadres_per_village) · (1 −
//! quality)`, at `cost_per_cadre` each. Cadre quality lowers the targeting
//! module's measurement error (`error_sd`) and the transfers' leakage, from
//! the next identification and payment on. `eligible = "registered"`
//! ("drip"): villages in `priority` order until the budget runs out (the last
//! one in part); `eligible = "all"` ("flood"): the budget spread evenly over
//! the inhabited villages. Without a budget every cadre is trained.

use super::select::{known_poor, order_desc, priority_key, village_row};
use super::{Ledger, Module, PlanCtx, SpendRow, Touches};
use crate::rng::sub;
use crate::scenario::modules::{Cadres, Common, Eligible, ModuleConfig, Priority};

pub struct CadresModule {
    cfg: Cadres,
    common: Common,
}

impl CadresModule {
    pub fn new(cfg: Cadres) -> Self {
        let common = cfg.common();
        CadresModule { cfg, common }
    }

    /// Cadres `money` trains in one village.
    fn trainable(&self, money: f64) -> u64 {
        let per = self.cfg.cadres_per_village.max(0) as u64;
        if money >= per as f64 * self.cfg.cost_per_cadre {
            return per;
        }
        ((money.max(0.0) * (1.0 - 1e-12) / self.cfg.cost_per_cadre).floor() as u64).min(per)
    }
}

impl Module for CadresModule {
    fn name(&self) -> &'static str {
        "cadres"
    }

    fn common(&self) -> &Common {
        &self.common
    }

    fn touches(&self) -> Touches {
        Touches::Villages
    }

    fn plan(&mut self, ctx: &mut PlanCtx, budget: Option<f64>, _ledger: &mut Ledger) -> SpendRow {
        let nv = ctx.villages.len();
        // Cadres read no awareness sum: publicity's changes leave theirs standing.
        let stats = ctx.stats.any_awareness(ctx.hh, nv, ctx.params.line);
        let per = self.cfg.cadres_per_village.max(1) as u64;
        let village_cost = per as f64 * self.cfg.cost_per_cadre;
        let inhabited: Vec<usize> = (0..nv).filter(|&v| stats[v].people > 0).collect();
        let mut trained = vec![0u64; nv];
        match budget {
            None => inhabited.iter().for_each(|&v| trained[v] = per),
            Some(b) => match self.common.eligible {
                Eligible::Registered => {
                    let poor = known_poor(&stats);
                    let keys: Vec<(usize, f64)> = inhabited
                        .iter()
                        .map(|&v| {
                            let s = &stats[v];
                            // Gain per yuan: the quality gap times the households it touches.
                            let gpy = if self.cfg.priority == Priority::BestGainPerYuan {
                                (1.0 - ctx.villages.cadre_quality[v] as f64) * s.households as f64
                                    / village_cost
                            } else {
                                0.0
                            };
                            (v, priority_key(self.cfg.priority, s, poor[v], gpy))
                        })
                        .collect();
                    let mut spent = 0.0f64;
                    for k in order_desc(&keys, ctx.streams, ctx.year, sub::CADRES_TIES) {
                        let v = keys[k].0;
                        let t = self.trainable(b - spent);
                        if t == 0 {
                            break;
                        }
                        trained[v] = t;
                        spent += t as f64 * self.cfg.cost_per_cadre;
                    }
                }
                Eligible::All => {
                    if !inhabited.is_empty() {
                        let t = self.trainable(b / inhabited.len() as f64);
                        inhabited.iter().for_each(|&v| trained[v] = t);
                    }
                }
            },
        }
        let gain = self.cfg.quality_gain as f32;
        let mut spent = 0.0f64;
        for (q, &t) in ctx.villages.cadre_quality.iter_mut().zip(&trained) {
            if t > 0 {
                *q = (*q + gain * (t as f32 / per as f32) * (1.0 - *q)).clamp(0.0, 1.0);
                spent += t as f64 * self.cfg.cost_per_cadre;
            }
        }
        let treated: Vec<bool> = trained.iter().map(|t| *t > 0).collect();
        village_row("cadres", budget, spent, &treated, &stats)
    }
}
