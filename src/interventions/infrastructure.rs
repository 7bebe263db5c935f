//! Infrastructure: village projects that change the village attributes the
//! household update reads (docs/MODEL.md, "Infrastructure").
//!
//! Four project types, each with a cost per unit:
//!
//! - `roads` (km): `road += km / road_km_per_village` (at most 1) and
//!   `remoteness −= road_remoteness_cut · km / road_km_per_village` (at least
//!   0), so market access `road · (1 − 0.6·remoteness)` rises: better farm
//!   prices and more local jobs;
//! - `water` (drinking-water works, whole units): `water += units ·
//!   water_people_per_unit / people` (at most 1): less illness;
//! - `irrigation` (mu): `irrigation += mu / village land` (up to
//!   `irrigation_max`): higher yields and smaller drought losses;
//! - `clinics` (one per village): `clinic = 1`: less and shorter illness and a
//!   lower medical bill.
//!
//! A project is finished in the year it is paid for and acts from the next
//! year's household update on. With `eligible = "registered"` ("drip
//! irrigation") every unfinished (village, project) pair is ranked by
//! `priority` and funded in that order until the budget runs out (the last one
//! in part); with `eligible = "all"` ("flood irrigation") every inhabited
//! village gets the same share of the budget and spends it on all its projects
//! alike. Every draw is keyed; spending never exceeds the budget.

use super::select::{VillageStats, known_poor, order_desc, priority_key, village_row};
use super::{Ledger, Module, PlanCtx, SpendRow, Touches};
use crate::model::household::{YearParams, clinic_relief, village_illness};
use crate::model::state::Villages;
use crate::rng::sub;
use crate::scenario::modules::{Common, Eligible, Infrastructure, ModuleConfig, Priority, Project};

pub struct InfrastructureModule {
    cfg: Infrastructure,
    common: Common,
}

impl InfrastructureModule {
    pub fn new(cfg: Infrastructure) -> Self {
        let common = cfg.common();
        InfrastructureModule { cfg, common }
    }
}

/// One unfinished project in one village.
#[derive(Clone, Copy, Debug)]
struct Item {
    v: usize,
    kind: Project,
    /// Units needed to finish it (km, works, mu, clinics).
    units: f64,
    unit_cost: f64,
    /// Bought in whole units (water works, clinics) or in hundredths (km, mu).
    whole: bool,
}

impl Item {
    fn cost(&self) -> f64 {
        self.units * self.unit_cost
    }

    /// Units that `money` buys (all of them if it suffices).
    fn affordable(&self, money: f64) -> f64 {
        if money >= self.cost() {
            return self.units;
        }
        let x = (money * (1.0 - 1e-12)).max(0.0) / self.unit_cost;
        let u = if self.whole {
            x.floor()
        } else {
            (x * 100.0).floor() / 100.0
        };
        u.min(self.units)
    }
}

/// Expected yearly cost of illness per household at clinic `c` and water `w`
/// (mirrors phase one: probability × (medical bill + lost work)).
fn illness_cost(p: &YearParams, s: &VillageStats, c: f32, w: f32) -> f64 {
    let hh = s.households.max(1) as f64;
    let per_adult = (s.farm + s.wage) / s.adults.max(1) as f64;
    let prob = (village_illness(p.illness, c, w) as f64
        + p.illness_chronic as f64 * s.health_gap / hh)
        .min(1.0);
    let gain = clinic_relief(c) as f64;
    prob * gain
        * (p.medical_cost as f64 * (1.0 - p.insurance_share as f64)
            + p.illness_lost_work as f64 * per_adult)
}

impl InfrastructureModule {
    /// The unfinished projects of village `v`.
    fn items(&self, v: usize, vil: &Villages, s: &VillageStats) -> Vec<Item> {
        let cfg = &self.cfg;
        let mut out = Vec::new();
        if s.people == 0 {
            return out; // nobody lives there (any more)
        }
        for &kind in &cfg.projects {
            let (units, unit_cost, whole) = match kind {
                Project::Roads => (
                    (1.0 - vil.road[v] as f64).max(0.0) * cfg.road_km_per_village,
                    cfg.road_cost_per_km,
                    false,
                ),
                Project::Water => {
                    let short = (1.0 - vil.water[v] as f64).max(0.0) * s.people as f64;
                    (
                        (short / cfg.water_people_per_unit - 1e-9).ceil().max(0.0),
                        cfg.water_cost_per_unit,
                        true,
                    )
                }
                Project::Irrigation => (
                    (cfg.irrigation_max - vil.irrigation[v] as f64).max(0.0) * s.land,
                    cfg.irrigation_cost_per_mu,
                    false,
                ),
                Project::Clinics => (
                    if vil.clinic[v] < 0.5 { 1.0 } else { 0.0 },
                    cfg.clinic_cost,
                    true,
                ),
            };
            // Less than a hundredth of a unit left: finished.
            if units >= 0.01 {
                out.push(Item {
                    v,
                    kind,
                    units,
                    unit_cost,
                    whole,
                });
            }
        }
        out
    }

    /// Expected yearly income gain (yuan) of finishing `it`: a first-order
    /// estimate with the household update's own elasticities.
    fn gain(&self, it: &Item, vil: &Villages, s: &VillageStats, p: &YearParams) -> f64 {
        let v = it.v;
        match it.kind {
            Project::Roads => {
                let (r, rem) = (vil.road[v] as f64, vil.remoteness[v] as f64);
                let d = 1.0 - r;
                let rem1 = (rem - self.cfg.road_remoteness_cut * d).max(0.0);
                let a0 = r * (1.0 - 0.6 * rem);
                let da = (1.0 - 0.6 * rem1) - a0;
                let mag = p.market_access_gain as f64;
                s.farm * mag * da / (1.0 + mag * (a0 - 0.5)).max(0.1)
                    + s.wage * 0.6 * da / (0.4 + 0.6 * a0)
            }
            Project::Water => {
                let c = vil.clinic[v];
                s.households as f64
                    * (illness_cost(p, s, c, vil.water[v]) - illness_cost(p, s, c, 1.0))
            }
            Project::Irrigation => {
                let (i0, d) = (vil.irrigation[v] as f64, it.units / s.land.max(1e-9));
                let ig = p.irrigation_gain as f64;
                s.farm
                    * (ig * d / (1.0 + ig * i0)
                        + vil.drought_risk[v] as f64 * p.drought_severity as f64 * d)
            }
            Project::Clinics => {
                let w = vil.water[v];
                s.households as f64 * (illness_cost(p, s, 0.0, w) - illness_cost(p, s, 1.0, w))
            }
        }
    }

    /// Build `units` of `it`: change the village's attributes.
    fn build(&self, it: &Item, units: f64, vil: &mut Villages, s: &VillageStats) {
        let v = it.v;
        let cfg = &self.cfg;
        match it.kind {
            Project::Roads => {
                let d = units / cfg.road_km_per_village;
                vil.road[v] = (vil.road[v] as f64 + d).min(1.0) as f32;
                vil.remoteness[v] =
                    (vil.remoteness[v] as f64 - cfg.road_remoteness_cut * d).max(0.0) as f32;
            }
            Project::Water => {
                let d = units * cfg.water_people_per_unit / s.people.max(1) as f64;
                vil.water[v] = (vil.water[v] as f64 + d).min(1.0) as f32;
            }
            Project::Irrigation => {
                let top = cfg.irrigation_max.max(vil.irrigation[v] as f64);
                vil.irrigation[v] =
                    (vil.irrigation[v] as f64 + units / s.land.max(1e-9)).min(top) as f32;
            }
            Project::Clinics => vil.clinic[v] = 1.0,
        }
    }
}

impl Module for InfrastructureModule {
    fn name(&self) -> &'static str {
        "infrastructure"
    }

    fn common(&self) -> &Common {
        &self.common
    }

    fn touches(&self) -> Touches {
        Touches::Villages
    }

    fn plan(&mut self, ctx: &mut PlanCtx, budget: Option<f64>, _ledger: &mut Ledger) -> SpendRow {
        let nv = ctx.villages.len();
        let stats = ctx.village_stats();
        let b = budget.unwrap_or(f64::INFINITY);
        let mut treated = vec![false; nv];
        let mut spent = 0.0f64;
        let items: Vec<Item> = (0..nv)
            .flat_map(|v| self.items(v, ctx.villages, &stats[v]))
            .collect();
        match self.common.eligible {
            Eligible::Registered => {
                // Drip irrigation: every unfinished project ranked by the priority rule.
                let poor = known_poor(&stats);
                let keys: Vec<(usize, f64)> = items
                    .iter()
                    .map(|it| {
                        let s = &stats[it.v];
                        let gpy = if self.cfg.priority == Priority::BestGainPerYuan {
                            self.gain(it, ctx.villages, s, ctx.params) / it.cost().max(1e-9)
                        } else {
                            0.0
                        };
                        (it.v, priority_key(self.cfg.priority, s, poor[it.v], gpy))
                    })
                    .collect();
                for k in order_desc(&keys, ctx.streams, ctx.year, sub::INFRASTRUCTURE_TIES) {
                    let money = b - spent;
                    if money <= 0.0 {
                        break;
                    }
                    let it = &items[k];
                    let u = it.affordable(money);
                    if u <= 0.0 {
                        continue;
                    }
                    self.build(it, u, ctx.villages, &stats[it.v]);
                    spent += u * it.unit_cost;
                    treated[it.v] = true;
                }
            }
            Eligible::All => {
                // Flood irrigation: the same share for every inhabited village, spread over its projects alike.
                let inhabited = stats.iter().filter(|s| s.people > 0).count();
                if inhabited == 0 {
                    return village_row("infrastructure", budget, 0.0, &treated, &stats);
                }
                let share = b / inhabited as f64;
                let mut k = 0;
                while k < items.len() {
                    let v = items[k].v;
                    let end = items[k..]
                        .iter()
                        .position(|it| it.v != v)
                        .map_or(items.len(), |e| k + e);
                    let total: f64 = items[k..end].iter().map(|it| it.cost()).sum();
                    let f = if total <= share { 1.0 } else { share / total };
                    for it in &items[k..end] {
                        let u = if f >= 1.0 {
                            it.units
                        } else {
                            it.affordable(f * it.cost())
                        };
                        if u > 0.0 {
                            self.build(it, u, ctx.villages, &stats[v]);
                            spent += u * it.unit_cost;
                            treated[v] = true;
                        }
                    }
                    k = end;
                }
            }
        }
        village_row("infrastructure", budget, spent, &treated, &stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affordable_never_costs_more_than_the_money() {
        let it = Item {
            v: 0,
            kind: Project::Roads,
            units: 2.5,
            unit_cost: 400_000.0,
            whole: false,
        };
        for money in [
            0.0, 1.0, 399_999.0, 400_000.0, 733_333.3, 999_999.99, 1e6, 5e6,
        ] {
            let u = it.affordable(money);
            assert!(u * it.unit_cost <= money + 1e-6, "{money}: {u}");
            assert!(u <= it.units);
        }
        let w = Item {
            v: 0,
            kind: Project::Water,
            units: 3.0,
            unit_cost: 140_000.0,
            whole: true,
        };
        assert_eq!(w.affordable(300_000.0), 2.0);
        assert_eq!(w.affordable(1e9), 3.0);
    }
}
