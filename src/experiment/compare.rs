//! Comparing scenarios: every scenario runs with the same seed and
//! replicates, so each household meets the same shocks in each (common random
//! numbers), and the differences from the base are taken replicate by
//! replicate (paired) before they are summarised.

pub mod param_draws;

use crate::engine::Simulation;
use crate::error::{Error, Result};
pub use crate::output::comparison::*;
use crate::recorder::TRAJECTORY_COLUMNS;
use crate::scenario::Scenario;
use std::collections::BTreeMap;

/// The measures compared, as columns of trajectory.csv.
pub const COMPARED: [&str; 5] = [
    "headcount_ratio",
    "poverty_gap",
    "poor",
    "mean_income",
    "gini",
];

/// What one scenario's run leaves for the comparison.
struct Outcome {
    /// [replicate][year][column]
    values: Vec<Vec<[f64; TRAJECTORY_COLUMNS.len()]>>,
    spending: BTreeMap<String, f64>,
    /// Per replicate: per-household per-capita income, first and last year.
    first: Vec<Vec<f32>>,
    last: Vec<Vec<f32>>,
}

fn outcome(sc: &Scenario) -> Result<Outcome> {
    let mut o = Outcome {
        values: Vec::new(),
        spending: BTreeMap::new(),
        first: Vec::new(),
        last: Vec::new(),
    };
    for rep in 0..sc.replicates {
        let mut sim = Simulation::new(sc, rep)?;
        let mut rows = Vec::with_capacity(sc.years as usize);
        for t in 0..sc.years {
            let r = sim.step();
            rows.push(r.trajectory_values());
            for s in &r.ledger.spending {
                *o.spending.entry(s.module.to_string()).or_default() +=
                    s.spent / sc.replicates as f64;
            }
            if t == 0 {
                o.first.push(sim.hh.income_pc.clone());
            }
        }
        o.last.push(sim.hh.income_pc.clone());
        o.values.push(rows);
    }
    Ok(o)
}

fn col(name: &str) -> usize {
    TRAJECTORY_COLUMNS
        .iter()
        .position(|c| *c == name)
        .expect("known column")
}

/// Compare `reforms` against `base`. All scenarios must share the seed,
/// replicates, years and population size (checked).
pub fn compare(base: &Scenario, reforms: &[Scenario]) -> Result<Comparison> {
    for r in reforms {
        if r.seed != base.seed || r.replicates != base.replicates {
            return Err(Error::Input(format!(
                "{}: expected the same seed and replicates as the base (give --seed/--replicates to set both)",
                r.name
            )));
        }
        if r.start_year != base.start_year
            || r.years != base.years
            || r.households() != base.households()
            || r.villages != base.villages
        {
            return Err(Error::Input(format!(
                "{}: expected the same years, villages and households as the base {} to pair households (got {}–{}, {} villages, {} households)",
                r.name,
                base.name,
                r.start_year,
                r.end_year(),
                r.villages,
                r.households()
            )));
        }
    }
    let b = outcome(base)?;
    let poor = col("poor");
    let mut trajectories = BTreeMap::new();
    trajectories.insert(
        base.name.clone(),
        crate::experiment::bands(base, &b.values)
            .remove("headcount_ratio")
            .unwrap_or_default(),
    );
    let mut out = Vec::new();
    for sc in reforms {
        let r = outcome(sc)?;
        trajectories.insert(
            sc.name.clone(),
            crate::experiment::bands(sc, &r.values)
                .remove("headcount_ratio")
                .unwrap_or_default(),
        );
        let reps = base.replicates as usize;
        let mut by_year = BTreeMap::new();
        for m in COMPARED {
            let k = col(m);
            let rows = (0..base.years as usize)
                .map(|t| {
                    let d: Vec<f64> = (0..reps)
                        .map(|i| r.values[i][t][k] - b.values[i][t][k])
                        .collect();
                    YearDiff {
                        year: base.start_year + t as i32,
                        base: (0..reps).map(|i| b.values[i][t][k]).sum::<f64>() / reps as f64,
                        reform: (0..reps).map(|i| r.values[i][t][k]).sum::<f64>() / reps as f64,
                        difference: Estimate::of(&d),
                    }
                })
                .collect();
            by_year.insert(m.to_string(), rows);
        }
        let averted: Vec<f64> = (0..reps)
            .map(|i| {
                (0..base.years as usize)
                    .map(|t| b.values[i][t][poor] - r.values[i][t][poor])
                    .sum()
            })
            .collect();
        let last = base.years as usize - 1;
        let lifted: Vec<f64> = (0..reps)
            .map(|i| b.values[i][last][poor] - r.values[i][last][poor])
            .collect();
        let total: f64 = r.spending.values().sum();
        let extra = total - b.spending.values().sum::<f64>();
        let averted = Estimate::of(&averted);
        let lifted = Estimate::of(&lifted);
        out.push(ReformResult {
            scenario: sc.name.clone(),
            by_year,
            cost_per_person_year_averted: if averted.mean > 0.0 {
                extra / averted.mean
            } else {
                f64::NAN
            },
            cost_per_person_lifted: if lifted.mean > 0.0 {
                extra / lifted.mean
            } else {
                f64::NAN
            },
            person_years_averted: averted,
            lifted_final_year: lifted,
            spending_total: total,
            spending_by_module: r.spending.clone(),
            deciles: deciles(&b, &r),
        });
    }
    Ok(Comparison {
        base: base.name.clone(),
        seed: base.seed,
        replicates: base.replicates,
        base_spending_total: b.spending.values().sum(),
        base_spending_by_module: b.spending.clone(),
        reforms: out,
        trajectories,
    })
}

/// Winners and losers by decile of the base's first-year income (households,
/// paired by index: common random numbers give both runs the same households).
fn deciles(b: &Outcome, r: &Outcome) -> Vec<Decile> {
    let mut acc = vec![(0u64, 0u64, 0u64, 0.0f64); 10];
    for rep in 0..b.first.len() {
        let first = &b.first[rep];
        let mut order: Vec<usize> = (0..first.len())
            .filter(|&i| b.last[rep][i] != 0.0 || r.last[rep][i] != 0.0)
            .collect();
        order.sort_by(|&x, &y| first[x].total_cmp(&first[y]).then(x.cmp(&y)));
        let n = order.len().max(1);
        for (rank, &i) in order.iter().enumerate() {
            let d = (rank * 10 / n).min(9);
            let change = (r.last[rep][i] - b.last[rep][i]) as f64;
            let a = &mut acc[d];
            a.0 += 1;
            a.1 += (change > 0.5) as u64;
            a.2 += (change < -0.5) as u64;
            a.3 += change;
        }
    }
    acc.iter()
        .enumerate()
        .map(|(d, a)| {
            let n = a.0.max(1) as f64;
            Decile {
                decile: d as u32 + 1,
                better_off: a.1 as f64 / n,
                worse_off: a.2 as f64 / n,
                mean_change: a.3 / n,
            }
        })
        .collect()
}
