//! A comparison as compare.json and compare.csv hold it: per reform, the
//! paired differences from the base year by year with their 90% intervals,
//! person-years of poverty averted, spending and cost-effectiveness, winners
//! and losers by decile. [`crate::experiment::compare`] computes it.

use super::atomic;
use super::summary::Band;
use crate::error::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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

    /// `mean [lo, hi]` in the units `f` gives, or, from fewer than 2
    /// replicates (where the interval has no width and means nothing),
    /// `mean (no interval (1 replicate))`.
    pub fn text(&self, replicates: u32, f: impl Fn(f64) -> String) -> String {
        if replicates < 2 {
            format!("{} ({})", f(self.mean), no_interval(replicates))
        } else {
            format!("{} [{}, {}]", f(self.mean), f(self.lo), f(self.hi))
        }
    }
}

/// What is printed instead of a 90% interval from fewer than 2 replicates.
pub fn no_interval(replicates: u32) -> String {
    format!(
        "no interval ({replicates} replicate{})",
        if replicates == 1 { "" } else { "s" }
    )
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
    /// What the modules really spent, yuan, over the compared years (a replicate's mean).
    pub spending_total: f64,
    /// What they were given (capped modules), yuan, over the compared years.
    pub budget_total: f64,
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
    /// The first compared year: the branch year of branched scenarios
    /// (their shared history before it is not compared), else the first year.
    pub from_year: i32,
    /// One-line warnings (spending off its budget, or unequal between reforms).
    pub warnings: Vec<String>,
    pub base_budget_total: f64,
    pub base_spending_total: f64,
    pub base_spending_by_module: BTreeMap<String, f64>,
    pub reforms: Vec<ReformResult>,
    /// Per scenario, per year: the mean and 5th–95th percentile of the headcount ratio.
    pub trajectories: BTreeMap<String, Vec<Band>>,
    /// `--decompose`: each reform's difference by module (decompose.csv).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decomposition: Option<super::decomposition::Decomposition>,
}

/// Write compare.csv and compare.json into `out`.
pub fn write(c: &Comparison, out: &Path) -> Result<Vec<PathBuf>> {
    atomic::create_dir(out)?;
    let num = crate::output::tables::num;
    // No interval from a single replicate: its bounds are left empty.
    let ci = |v: f64| {
        if c.replicates < 2 {
            String::new()
        } else {
            num(v)
        }
    };
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
                    ci(y.difference.lo),
                    ci(y.difference.hi)
                ));
            }
        }
        let e = &r.person_years_averted;
        csv.push_str(&format!(
            "{},cumulative,person_years_averted,,,{},{},{}\n",
            r.scenario,
            num(e.mean),
            ci(e.lo),
            ci(e.hi)
        ));
        let e = &r.lifted_final_year;
        csv.push_str(&format!(
            "{},final,persons_lifted,,,{},{},{}\n",
            r.scenario,
            num(e.mean),
            ci(e.lo),
            ci(e.hi)
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
    let mut files = vec![a, b];
    if let Some(d) = &c.decomposition {
        files.push(d.write(out)?);
    }
    Ok(files)
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
