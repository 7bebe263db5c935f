//! Comparing scenarios: every scenario runs with the same seed and
//! replicates, so each household meets the same shocks in each (common random
//! numbers), and the differences from the base are taken replicate by
//! replicate (paired) before they are summarised.
//!
//! Branched scenarios (`simulation.branch_year`) must share their history:
//! before the earliest branch year every scenario runs the same settings
//! (checked: else one line names the year and key), so their rows there are
//! identical and the comparison reports from the branch year on. Spending is
//! what the modules really spent (spending.csv's `spent`), shown beside the
//! budgets; cost-effectiveness is on realised spending.

pub mod decompose;
pub mod param_draws;

use crate::error::{Error, Result};
use crate::experiment::history::{self, SharedHistory, Start};
pub use crate::output::comparison::*;
use crate::recorder::{TRAJECTORY_COLUMNS, trajectory_column as col};
use crate::scenario::Scenario;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// The measures compared, as columns of trajectory.csv.
pub const COMPARED: [&str; 7] = [
    "headcount_ratio",
    "poverty_gap",
    "poverty_severity",
    "watts",
    "poor",
    "mean_income",
    "gini",
];

/// What one scenario's run leaves for the comparison.
struct Outcome {
    /// [replicate][year][column]
    values: Vec<Vec<[f64; TRAJECTORY_COLUMNS.len()]>>,
    spending: BTreeMap<String, f64>,
    /// Budgets (capped modules), yuan per replicate, over the compared years.
    budget: f64,
    /// Per replicate: per-household per-capita income, before the compared
    /// years (the first year, unbranched) and in the last year.
    first: Vec<Vec<f32>>,
    last: Vec<Vec<f32>>,
}

/// One replicate's run for the comparison: its rows, the incomes before the
/// compared years and at the end, and each compared year's ledger (each
/// module's spent money and budget, and the money moved between modules).
struct Replicate {
    rows: Vec<[f64; TRAJECTORY_COLUMNS.len()]>,
    first: Option<Vec<f32>>,
    last: Vec<f32>,
    ledgers: Vec<YearLedger>,
}

/// A compared year's ledger: each module's (name, spent, budget), and the
/// money moved between modules.
type YearLedger = (Vec<(String, f64, Option<f64>)>, f64);

/// Replicate `rep` of `sc`, forked from `history` when `sc` shares it.
fn replicate(
    history: Option<&SharedHistory<'_>>,
    sc: &Scenario,
    from: i32,
    rep: u32,
) -> Result<Replicate> {
    // Incomes are taken before the compared years: at the end of the shared history.
    let before = (from - sc.start_year - 1).max(0) as usize;
    let Start {
        mut rows, mut sim, ..
    } = history::start(history, sc, rep)?;
    // Forked after the last year of the history.
    let mut first = (rows.len() == before + 1).then(|| sim.hh.income_pc.clone());
    let mut ledgers = Vec::new();
    for t in rows.len()..sc.years as usize {
        let r = sim.step();
        rows.push(r.trajectory_values());
        if r.year >= from {
            let spent = r.ledger.spending.iter();
            ledgers.push((
                spent
                    .map(|s| (s.module.to_string(), s.spent, s.budget))
                    .collect(),
                r.ledger.moved,
            ));
        }
        if t == before {
            first = Some(sim.hh.income_pc.clone());
        }
    }
    Ok(Replicate {
        rows,
        first,
        last: sim.hh.income_pc.clone(),
        ledgers,
    })
}

/// Run `sc`, counting spending from `from` (the first compared year), each
/// replicate forked from `history` when `sc` shares it, as many side by
/// side as [`super::replicates_at_once`] allows; the sums run in replicate
/// order, so the result does not depend on it. `tick` is called after each
/// replicate.
fn outcome(
    history: Option<&SharedHistory<'_>>,
    sc: &Scenario,
    from: i32,
    tick: &mut dyn FnMut(),
) -> Result<Outcome> {
    let mut o = Outcome {
        values: Vec::new(),
        spending: BTreeMap::new(),
        budget: 0.0,
        first: Vec::new(),
        last: Vec::new(),
    };
    let reps = sc.replicates as f64;
    let at_once = super::replicates_at_once(sc);
    let all: Vec<u32> = (0..sc.replicates).collect();
    for batch in all.chunks(at_once as usize) {
        let runs: Vec<Result<Replicate>> = batch
            .par_iter()
            .map(|&rep| replicate(history, sc, from, rep))
            .collect();
        for run in runs {
            let run = run?;
            for (spending, moved) in &run.ledgers {
                for (module, spent, budget) in spending {
                    *o.spending.entry(module.clone()).or_default() += spent / reps;
                    o.budget += budget.unwrap_or(0.0) / reps;
                }
                o.budget -= moved / reps;
            }
            o.first.extend(run.first);
            o.last.push(run.last);
            o.values.push(run.rows);
            tick();
        }
    }
    Ok(o)
}

/// The first year compared: the earliest branch year of the scenarios (each
/// must share the base's history before it), else the first simulated year.
pub fn first_compared_year(base: &Scenario, reforms: &[Scenario]) -> Result<i32> {
    let from = std::iter::once(base)
        .chain(reforms)
        .filter_map(|s| s.branch_year())
        .min();
    let Some(from) = from else {
        return Ok(base.start_year);
    };
    for r in reforms {
        if let Err((year, key)) = base.shares_history(r, from) {
            return Err(r.origins.error(
                &key,
                format!(
                    "{}: expected the history of the base {} before the branch year {from}, got a different value in {year}",
                    r.name, base.name
                ),
            ));
        }
    }
    Ok(from)
}

/// Compare `reforms` against `base`. All scenarios must share the seed,
/// replicates, years and population size (checked).
pub fn compare(base: &Scenario, reforms: &[Scenario]) -> Result<Comparison> {
    compare_with_progress(base, reforms, &mut || {})
}

/// [`compare`], calling `tick` after each scenario's replicate (there are
/// `(1 + reforms) × replicates` of them).
pub fn compare_with_progress(
    base: &Scenario,
    reforms: &[Scenario],
    tick: &mut dyn FnMut(),
) -> Result<Comparison> {
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
    let from = first_compared_year(base, reforms)?;
    let t0 = (from - base.start_year) as usize;
    // Every scenario's replicates fork from one run of the history.
    let reference = std::iter::once(base)
        .chain(reforms)
        .find(|s| s.branch_year() == Some(from));
    let history = match reference {
        Some(r) => SharedHistory::run(r)?,
        None => None,
    };
    let history = history.as_ref();
    let b = outcome(history, base, from, tick)?;
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
        let r = outcome(history, sc, from, tick)?;
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
            let rows = (t0..base.years as usize)
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
                (t0..base.years as usize)
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
            budget_total: r.budget,
            spending_by_module: r.spending.clone(),
            deciles: deciles(&b, &r),
        });
    }
    let base_total: f64 = b.spending.values().sum();
    let warnings = spending_warnings(base, base_total, b.budget, &out);
    Ok(Comparison {
        base: base.name.clone(),
        seed: base.seed,
        replicates: base.replicates,
        from_year: from,
        warnings,
        base_budget_total: b.budget,
        base_spending_total: base_total,
        base_spending_by_module: b.spending.clone(),
        reforms: out,
        trajectories,
        decomposition: None,
    })
}

/// One line for each scenario whose realised spending falls more than 2%
/// short of (or beyond) its budget, and one if the reforms' realised extra
/// spending over the base differs by more than 2% between them.
fn spending_warnings(
    base: &Scenario,
    base_total: f64,
    base_budget: f64,
    reforms: &[ReformResult],
) -> Vec<String> {
    let mut out = Vec::new();
    let off = |spent: f64, budget: f64| budget > 0.0 && (spent - budget).abs() > 0.02 * budget;
    let m = |x: f64| x / 1e6;
    if off(base_total, base_budget) {
        out.push(format!(
            "warning: {} spends {:.1} million yuan of a budget of {:.1} million ({:+.1}%)",
            base.name,
            m(base_total),
            m(base_budget),
            100.0 * (base_total / base_budget - 1.0)
        ));
    }
    for r in reforms {
        if off(r.spending_total, r.budget_total) {
            out.push(format!(
                "warning: {} spends {:.1} million yuan of a budget of {:.1} million ({:+.1}%)",
                r.scenario,
                m(r.spending_total),
                m(r.budget_total),
                100.0 * (r.spending_total / r.budget_total - 1.0)
            ));
        }
    }
    let extra: Vec<f64> = reforms
        .iter()
        .map(|r| r.spending_total - base_total)
        .collect();
    if let (Some(lo), Some(hi)) = (
        extra.iter().copied().reduce(f64::min),
        extra.iter().copied().reduce(f64::max),
    ) && reforms.len() > 1
        && hi > 0.0
        && hi - lo > 0.02 * hi
    {
        out.push(format!(
            "warning: the reforms do not spend the same money: realised extra spending over the base ranges from {:.1} to {:.1} million yuan ({:.1}% apart)",
            m(lo),
            m(hi),
            100.0 * (hi - lo) / hi
        ));
    }
    out
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
