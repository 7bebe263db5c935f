//! Comparing scenarios: every scenario runs with the same seed and
//! replicates, so each household meets the same shocks in each (common random
//! numbers), and the differences from the base are taken replicate by
//! replicate (paired) before they are summarised.

use crate::engine::Simulation;
use crate::error::{Error, Result};
use crate::output::atomic;
use crate::recorder::TRAJECTORY_COLUMNS;
use crate::scenario::Scenario;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The measures compared, as columns of trajectory.csv.
pub const COMPARED: [&str; 5] = [
    "headcount_ratio",
    "poverty_gap",
    "poor",
    "mean_income",
    "gini",
];

/// A mean across replicates and its 90% interval (Student t on the replicates).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
}

impl Estimate {
    /// Mean and 90% confidence interval of the mean of `xs`.
    pub fn of(xs: &[f64]) -> Estimate {
        let n = xs.len();
        if n == 0 {
            return Estimate {
                mean: f64::NAN,
                lo: f64::NAN,
                hi: f64::NAN,
            };
        }
        let mean = xs.iter().sum::<f64>() / n as f64;
        if n == 1 {
            return Estimate {
                mean,
                lo: mean,
                hi: mean,
            };
        }
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let half = t95(n - 1) * (var / n as f64).sqrt();
        Estimate {
            mean,
            lo: mean - half,
            hi: mean + half,
        }
    }

    pub fn width(&self) -> f64 {
        self.hi - self.lo
    }
}

/// The 95th percentile of Student's t with `df` degrees of freedom (a
/// two-sided 90% interval).
pub fn t95(df: usize) -> f64 {
    const T: [f64; 30] = [
        6.314, 2.920, 2.353, 2.132, 2.015, 1.943, 1.895, 1.860, 1.833, 1.812, 1.796, 1.782, 1.771,
        1.761, 1.753, 1.746, 1.740, 1.734, 1.729, 1.725, 1.721, 1.717, 1.714, 1.711, 1.708, 1.706,
        1.703, 1.701, 1.699, 1.697,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => T[df - 1],
        31..=60 => 1.684 + (1.697 - 1.684) * (60 - df) as f64 / 30.0,
        61..=120 => 1.658 + (1.671 - 1.658) * (120 - df) as f64 / 60.0,
        _ => 1.645,
    }
}

/// One year of one measure: base and reform means, and the paired difference.
#[derive(Clone, Debug, Serialize)]
pub struct YearDiff {
    pub year: i32,
    pub base: f64,
    pub reform: f64,
    pub difference: Estimate,
}

/// Winners and losers in one decile of the base's first-year income.
#[derive(Clone, Debug, Serialize)]
pub struct Decile {
    pub decile: u32,
    pub better_off: f64,
    pub worse_off: f64,
    pub mean_change: f64,
}

/// One reform against the base.
#[derive(Clone, Debug, Serialize)]
pub struct ReformResult {
    pub scenario: String,
    /// Measure → per-year paired differences.
    pub by_year: BTreeMap<String, Vec<YearDiff>>,
    /// Person-years of poverty averted over the whole run (base − reform).
    pub person_years_averted: Estimate,
    /// Persons lifted out of poverty by the last year (base − reform poor).
    pub lifted_final_year: Estimate,
    pub spending_total: f64,
    pub spending_by_module: BTreeMap<String, f64>,
    /// Extra spending (reform − base) per person-year of poverty averted.
    pub cost_per_person_year_averted: f64,
    /// Extra spending per person lifted out of poverty in the last year.
    pub cost_per_person_lifted: f64,
    pub deciles: Vec<Decile>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub base: String,
    pub seed: u64,
    pub replicates: u32,
    pub base_spending_total: f64,
    pub base_spending_by_module: BTreeMap<String, f64>,
    pub reforms: Vec<ReformResult>,
    /// Per scenario, per year: the mean and 5th–95th percentile of the headcount ratio.
    pub trajectories: BTreeMap<String, Vec<crate::experiment::Band>>,
}

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

/// Write compare.csv and compare.json into `out`.
pub fn write(c: &Comparison, out: &Path) -> Result<Vec<PathBuf>> {
    atomic::create_dir(out)?;
    let num = crate::output::tables::num;
    let mut csv = String::from(
        "reform,year,measure,base,reform_value,difference,difference_lo,difference_hi\n",
    );
    for r in &c.reforms {
        for (m, rows) in &r.by_year {
            for y in rows {
                csv.push_str(&format!(
                    "{},{},{m},{},{},{},{},{}\n",
                    r.scenario,
                    y.year,
                    num(y.base),
                    num(y.reform),
                    num(y.difference.mean),
                    num(y.difference.lo),
                    num(y.difference.hi)
                ));
            }
        }
        let e = &r.person_years_averted;
        csv.push_str(&format!(
            "{},cumulative,person_years_averted,,,{},{},{}\n",
            r.scenario,
            num(e.mean),
            num(e.lo),
            num(e.hi)
        ));
        let e = &r.lifted_final_year;
        csv.push_str(&format!(
            "{},final,persons_lifted,,,{},{},{}\n",
            r.scenario,
            num(e.mean),
            num(e.lo),
            num(e.hi)
        ));
        csv.push_str(&format!(
            "{},cumulative,spending_total,{},{},{},,\n",
            r.scenario,
            num(c.base_spending_total),
            num(r.spending_total),
            num(r.spending_total - c.base_spending_total)
        ));
        csv.push_str(&format!(
            "{},cumulative,cost_per_person_year_averted,,,{},,\n",
            r.scenario,
            num(r.cost_per_person_year_averted)
        ));
        csv.push_str(&format!(
            "{},final,cost_per_person_lifted,,,{},,\n",
            r.scenario,
            num(r.cost_per_person_lifted)
        ));
    }
    let a = out.join("compare.csv");
    atomic::write_file(&a, csv.as_bytes())?;
    let b = out.join("compare.json");
    let json = serde_json::to_string_pretty(c).expect("comparison serializes");
    atomic::write_file(&b, json.as_bytes())?;
    Ok(vec![a, b])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_of_a_hand_computed_sample() {
        // mean 2, sd 1, n 3: half-width t(2)·1/√3 = 2.920/1.732
        let e = Estimate::of(&[1.0, 2.0, 3.0]);
        assert_eq!(e.mean, 2.0);
        assert!((e.hi - 2.0 - 2.920 / 3f64.sqrt()).abs() < 1e-9);
        assert!((e.lo - 2.0 + 2.920 / 3f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn t_quantiles_fall_toward_the_normal() {
        assert!(t95(1) > t95(5) && t95(5) > t95(30) && t95(30) > t95(1000));
        assert_eq!(t95(1000), 1.645);
    }
}
