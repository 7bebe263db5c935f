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

use super::targeting::pre_transfer_pc;
use super::{Ledger, Module, PlanCtx, SpendRow};
use crate::model::household::{YearParams, clinic_relief, village_illness};
use crate::model::state::{Households, Villages, flag};
use crate::rng::{Purpose, Streams};
use crate::scenario::modules::{Common, Eligible, Infrastructure, ModuleConfig, Priority, Project};
use rayon::prelude::*;

/// Sub-key of the infrastructure module's tie-breaking draws.
const SUB_TIES: u64 = 0x101;

/// What the village-level modules know of one village this year (after
/// phase one: this year's market incomes, the register as it stands).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VillageStats {
    pub households: u64,
    pub people: u64,
    /// Households and people on the poor register.
    pub registered_households: u64,
    pub registered_people: u64,
    /// People whose pre-transfer per-capita income is below the line.
    pub poor_people: u64,
    /// Registered households that are poor (pre-transfer income below the line).
    pub registered_poor: u64,
    pub adults: u64,
    /// This year's farm and local wage income, yuan.
    pub farm: f64,
    pub wage: f64,
    /// Farmland, mu.
    pub land: f64,
    /// Σ (1 − health) over households.
    pub health_gap: f64,
    /// Σ (1 − awareness) over all households, and over registered ones.
    pub unaware: f64,
    pub unaware_registered: f64,
}

impl VillageStats {
    fn add(&mut self, o: &VillageStats) {
        self.households += o.households;
        self.people += o.people;
        self.registered_households += o.registered_households;
        self.registered_people += o.registered_people;
        self.poor_people += o.poor_people;
        self.registered_poor += o.registered_poor;
        self.adults += o.adults;
        self.farm += o.farm;
        self.wage += o.wage;
        self.land += o.land;
        self.health_gap += o.health_gap;
        self.unaware += o.unaware;
        self.unaware_registered += o.unaware_registered;
    }
}

/// Per-village statistics, summed in fixed chunks added in chunk order (so
/// the result does not depend on the number of threads).
pub fn village_stats(hh: &Households, villages: usize, line: f32) -> Vec<VillageStats> {
    const C: usize = 4096;
    let n = hh.len();
    // Households are laid out village by village: each chunk yields a few runs.
    let runs: Vec<Vec<(u32, VillageStats)>> = (0..n.div_ceil(C))
        .into_par_iter()
        .map(|c| {
            let mut out: Vec<(u32, VillageStats)> = Vec::new();
            for i in c * C..((c + 1) * C).min(n) {
                let m = hh.members(i) as u64;
                if m == 0 {
                    continue;
                }
                let v = hh.village[i];
                if out.last().is_none_or(|r| r.0 != v) {
                    out.push((v, VillageStats::default()));
                }
                let s = &mut out.last_mut().expect("pushed above").1;
                let reg = hh.flags[i] & flag::REGISTERED != 0;
                let poor = pre_transfer_pc(hh, i) < line;
                s.households += 1;
                s.people += m;
                s.registered_households += reg as u64;
                s.registered_people += if reg { m } else { 0 };
                s.poor_people += if poor { m } else { 0 };
                s.registered_poor += (reg && poor) as u64;
                s.adults += hh.adults[i] as u64;
                s.farm += hh.farm[i] as f64;
                s.wage += hh.wage[i] as f64;
                s.land += hh.land[i] as f64;
                s.health_gap += (1.0 - hh.health[i]) as f64;
                let gap = (1.0 - hh.awareness[i]).max(0.0) as f64;
                s.unaware += gap;
                if reg {
                    s.unaware_registered += gap;
                }
            }
            out
        })
        .collect();
    let mut stats = vec![VillageStats::default(); villages];
    for chunk in &runs {
        for (v, s) in chunk {
            if let Some(t) = stats.get_mut(*v as usize) {
                t.add(s);
            }
        }
    }
    stats
}

/// Poor people per village as the county knows them: people on the register
/// when anyone is registered, else (no identification) the poverty statistics.
pub fn known_poor(stats: &[VillageStats]) -> Vec<f64> {
    let registered: u64 = stats.iter().map(|s| s.registered_people).sum();
    stats.iter().map(|s| if registered > 0 { s.registered_people } else { s.poor_people } as f64).collect()
}

/// The priority key of a village (larger first), given its expected gain per yuan.
#[inline]
pub fn priority_key(
    priority: Priority,
    s: &VillageStats,
    known_poor: f64,
    gain_per_yuan: f64,
) -> f64 {
    match priority {
        Priority::PoorestFirst => {
            if s.people > 0 {
                known_poor / s.people as f64
            } else {
                0.0
            }
        }
        Priority::MostPoorFirst => known_poor,
        Priority::BestGainPerYuan => gain_per_yuan,
    }
}

/// Indices `0..keys.len()` by descending key; ties broken by a keyed draw of
/// the village (`sub` tells the modules' draws apart), then by index.
pub fn order_desc(keys: &[(usize, f64)], streams: &Streams, year: i32, sub: u64) -> Vec<usize> {
    let mut idx: Vec<(f64, f64, usize, usize)> = keys
        .iter()
        .enumerate()
        .map(|(k, &(v, key))| {
            (
                key,
                streams.uniform(v as u64, year, Purpose::TieBreak, sub),
                v,
                k,
            )
        })
        .collect();
    idx.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(a.1.total_cmp(&b.1))
            .then(a.2.cmp(&b.2))
            .then(a.3.cmp(&b.3))
    });
    idx.into_iter().map(|t| t.3).collect()
}

/// Which households a village module reached: counts for the spending table.
pub fn village_row(
    module: &'static str,
    budget: Option<f64>,
    spent: f64,
    treated: &[bool],
    stats: &[VillageStats],
) -> SpendRow {
    let mut row = SpendRow {
        module,
        budget,
        spent,
        ..Default::default()
    };
    for (t, s) in treated.iter().zip(stats) {
        if *t {
            row.beneficiary_households += s.households;
            row.beneficiary_people += s.people;
            row.registered_poor_beneficiaries += s.registered_poor;
        }
    }
    row
}

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

    fn plan(&self, ctx: &mut PlanCtx, budget: Option<f64>, _ledger: &mut Ledger) -> SpendRow {
        let nv = ctx.villages.len();
        let stats = village_stats(ctx.hh, nv, ctx.params.line);
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
                for k in order_desc(&keys, ctx.streams, ctx.year, SUB_TIES) {
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
