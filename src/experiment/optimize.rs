//! Budget-allocation search: how to split a total annual budget across chosen
//! modules (shares on the simplex, within per-module bounds) to minimise an
//! objective, every allocation run with the same seed and replicates (common
//! random numbers), so that allocations are compared on the same households.
//!
//! How a split becomes a scenario (all through `--set`, with the file's
//! checks): the scenario-wide `[budget] total` becomes TOTAL plus what the
//! modules not chosen were getting from it; those keep their yuan (their
//! `budget_share` is rescaled to the new total, taken at the first year when
//! the file's total is dated). A chosen module with its own `budget` in the
//! file gets `budget = share × TOTAL`; any other chosen module gets
//! `budget_share = share × TOTAL / new total` (so `budget` and `budget_share`
//! are never both set). Chosen modules are switched on.
//!
//! The search is deterministic (keyed by the seed): the equal split, each
//! single-module allocation (as far as the bounds allow), then a mix of
//! random points of the simplex and moves of share between two modules from
//! the best so far, with a step that shrinks as the search goes on.

mod chart;
mod report;

use super::compare::Estimate;
use crate::error::{Error, Result};
use crate::output::atomic;
use crate::output::tables::num;
use crate::rng::SplitMix;
use crate::scenario::{self, Scenario};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What is minimised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Person-years of poverty over the whole run (sum of `poor` over years).
    PersonYears,
    /// Final-year headcount ratio.
    FinalHeadcount,
    /// Final-year poverty gap (FGT1).
    PovertyGap,
}

impl Objective {
    pub fn parse(s: &str) -> Result<Objective> {
        match s {
            "person_years" => Ok(Objective::PersonYears),
            "final_headcount" => Ok(Objective::FinalHeadcount),
            "poverty_gap" => Ok(Objective::PovertyGap),
            _ => Err(Error::Input(format!(
                "--objective: expected person_years, final_headcount or poverty_gap, got \"{s}\""
            ))),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Objective::PersonYears => "person_years",
            Objective::FinalHeadcount => "final_headcount",
            Objective::PovertyGap => "poverty_gap",
        }
    }
}

/// A search problem.
#[derive(Clone, Debug)]
pub struct Problem {
    pub file: PathBuf,
    /// Fixed `--set` overrides (seed, replicates, ...).
    pub sets: Vec<String>,
    pub total: f64,
    pub modules: Vec<String>,
    pub objective: Objective,
    /// Allocations evaluated, exactly (the equal split first, then each
    /// single module while there is room, then the search).
    pub evaluations: usize,
    pub min_share: f64,
    pub max_share: f64,
}

/// One evaluated allocation.
#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    pub index: usize,
    /// `equal`, `single:NAME`, `random` or `move`.
    pub kind: String,
    pub shares: Vec<f64>,
    pub objective: Estimate,
    /// Paired difference from the equal split, replicate by replicate.
    pub vs_equal: Estimate,
    /// Mean total spending per replicate over the run.
    pub spending: f64,
    #[serde(skip)]
    per_replicate: Vec<f64>,
}

/// The result of a search.
#[derive(Clone, Debug, Serialize)]
pub struct Optimum {
    pub scenario: String,
    pub seed: u64,
    pub replicates: u32,
    pub total: f64,
    pub modules: Vec<String>,
    pub objective: Objective,
    /// Every evaluation in the order made (the trace).
    pub trace: Vec<Evaluation>,
    /// Index into the trace of the best allocation.
    pub best: usize,
}

impl Optimum {
    pub fn best(&self) -> &Evaluation {
        &self.trace[self.best]
    }
    pub fn equal(&self) -> &Evaluation {
        &self.trace[0]
    }
    /// The `n` evaluations after the best, by objective (each once).
    pub fn runners_up(&self, n: usize) -> Vec<&Evaluation> {
        self.ranked().into_iter().skip(1).take(n).collect()
    }

    /// Whether the best allocation's 90% interval overlaps the first
    /// runner-up's (then the search has not told them apart).
    pub fn best_overlaps_runner_up(&self) -> Option<&Evaluation> {
        let b = &self.best().objective;
        let r = self.runners_up(1).into_iter().next()?;
        (self.replicates >= 2 && r.objective.lo <= b.hi && b.lo <= r.objective.hi).then_some(r)
    }

    /// What the search found, in words: which allocation wins and how sure
    /// that is. From fewer than 2 replicates no winner is declared: the
    /// ranking is one draw of the shocks.
    pub fn verdict(&self) -> Vec<String> {
        if self.replicates < 2 {
            return vec![format!(
                "no winner declared: with {} replicate the ranking above is one draw of the shocks, and which \
                 allocation comes first can change with the seed; give --replicates 2 or more (10 or more to \
                 tell close allocations apart) for 90% intervals",
                self.replicates
            )];
        }
        let b = self.best();
        let mut out = vec![if b.index == 0 {
            "no allocation tried beats the equal split.".to_string()
        } else if b.vs_equal.hi < 0.0 {
            "the best allocation is better than the equal split (the 90% interval of the difference is below 0).".to_string()
        } else {
            "the best allocation's gain over the equal split is within the noise (its 90% interval includes 0); more replicates would tell.".to_string()
        }];
        if let Some(r) = self.best_overlaps_runner_up() {
            out.push(format!(
                "note: the best and runner-up 1 ({}) have overlapping 90% intervals: at {} replicates they are not told apart.",
                r.kind, self.replicates
            ));
        }
        out
    }

    /// The evaluations by objective, best first.
    pub fn ranked(&self) -> Vec<&Evaluation> {
        let mut v: Vec<&Evaluation> = self.trace.iter().collect();
        v.sort_by(|a, b| {
            a.objective
                .mean
                .total_cmp(&b.objective.mean)
                .then(a.index.cmp(&b.index))
        });
        v
    }
}

/// The `--set` overrides that give `shares` of the total to the chosen modules.
pub fn allocation_sets(p: &Problem, base: &Scenario, shares: &[f64]) -> Vec<String> {
    let f = &base.file;
    let file_total = f
        .budget
        .as_ref()
        .map(|b| b.total.at(base.start_year))
        .unwrap_or(0.0);
    let i = serde_json::to_value(&f.interventions).unwrap_or_default();
    let field = |m: &str, k: &str| i.get(m).and_then(|t| t.get(k)).cloned();
    let enabled = |m: &str| {
        i.get(m).is_some()
            && field(m, "enabled")
                .and_then(|v| v.as_bool())
                .unwrap_or(true)
    };
    // Modules not chosen keep their yuan.
    let mut kept = Vec::new();
    for m in crate::interventions::ORDER {
        if p.modules.iter().any(|c| c == m) || !enabled(m) {
            continue;
        }
        if let Some(s) = field(m, "budget_share").and_then(|v| v.as_f64()) {
            kept.push((m, s * file_total));
        }
    }
    let new_total = p.total + kept.iter().map(|(_, b)| b).sum::<f64>();
    let mut sets = p.sets.clone();
    sets.push(format!("budget.total={}", float(new_total)));
    for (m, b) in kept {
        let s = if new_total > 0.0 { b / new_total } else { 0.0 };
        sets.push(format!("interventions.{m}.budget_share={}", float(s)));
    }
    for (m, s) in p.modules.iter().zip(shares) {
        sets.push(format!("interventions.{m}.enabled=true"));
        if field(m, "budget").is_some() {
            sets.push(format!("interventions.{m}.budget={}", float(s * p.total)));
        } else {
            let share = if new_total > 0.0 {
                s * p.total / new_total
            } else {
                0.0
            };
            sets.push(format!("interventions.{m}.budget_share={}", float(share)));
        }
    }
    sets
}

/// A number as TOML accepts it (always with a decimal point or exponent).
fn float(x: f64) -> String {
    crate::scenario::calibration::float_text(x)
}

/// Project `y` onto {min ≤ x ≤ max, Σx = 1} (bisection on a common shift).
pub fn project(y: &[f64], min: f64, max: f64) -> Vec<f64> {
    let at = |l: f64| -> Vec<f64> { y.iter().map(|v| (v + l).clamp(min, max)).collect() };
    let (mut lo, mut hi) = (-2.0 - max, 2.0 + max);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if at(mid).iter().sum::<f64>() < 1.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mut x = at(0.5 * (lo + hi));
    // Round to 1e-6 so that allocations print and compare cleanly.
    for v in &mut x {
        *v = (*v * 1e6).round() / 1e6;
    }
    // The rounding residue goes to the largest share, so the shares add up to 1.
    let units: i64 = x.iter().map(|v| (v * 1e6).round() as i64).sum();
    if let Some(k) = (0..x.len()).max_by(|&a, &b| x[a].total_cmp(&x[b]).then(b.cmp(&a))) {
        x[k] = ((x[k] * 1e6).round() as i64 + 1_000_000 - units) as f64 / 1e6;
    }
    x
}

/// Evaluate one allocation: the objective per replicate and the mean spending.
fn evaluate(
    p: &Problem,
    file: &scenario::Base,
    base: &Scenario,
    shares: &[f64],
) -> Result<(Vec<f64>, f64)> {
    let sc = file.with_sets(&allocation_sets(p, base, shares))?;
    let reps = sc.replicates as usize;
    let mut obj = vec![0.0; reps];
    let mut spending = 0.0;
    super::run_records(&sc, |r| {
        let rep = r.replicate as usize;
        spending += r.ledger.spending.iter().map(|s| s.spent).sum::<f64>() / reps as f64;
        match p.objective {
            Objective::PersonYears => obj[rep] += r.measures.poor,
            Objective::FinalHeadcount if r.year == sc.end_year() => {
                obj[rep] = r.measures.headcount_ratio
            }
            Objective::PovertyGap if r.year == sc.end_year() => obj[rep] = r.measures.poverty_gap,
            _ => {}
        }
        Ok(())
    })?;
    Ok((obj, spending))
}

/// Search for the best split. `progress` is called after each evaluation.
pub fn optimize(p: &Problem, mut progress: impl FnMut(&Evaluation)) -> Result<Optimum> {
    // The file is read once; each allocation is a variant of it.
    let file = scenario::Base::load(&p.file, &[])?;
    let base = file.with_sets(&p.sets)?;
    let m = p.modules.len();
    if m == 0 {
        return Err(Error::Input(
            "--modules: expected at least one module".into(),
        ));
    }
    for (k, name) in p.modules.iter().enumerate() {
        if !crate::interventions::ORDER.contains(&name.as_str()) {
            return Err(Error::Input(format!(
                "--modules: expected module names among {}, got \"{name}\"",
                crate::interventions::ORDER.join(", ")
            )));
        }
        if p.modules[..k].contains(name) {
            return Err(Error::Input(format!("--modules: \"{name}\" given twice")));
        }
    }
    if !(p.total.is_finite() && p.total >= 0.0) {
        return Err(Error::Input(format!(
            "--budget: expected a total in yuan ≥ 0, got {}",
            p.total
        )));
    }
    let (lo, hi) = (p.min_share, p.max_share);
    if !(0.0..=1.0).contains(&lo) || !(0.0..=1.0).contains(&hi) || lo > hi {
        return Err(Error::Input(format!(
            "--min-share/--max-share: expected 0 ≤ min ≤ max ≤ 1, got {lo} and {hi}"
        )));
    }
    if lo * m as f64 > 1.0 + 1e-9 || hi * (m as f64) < 1.0 - 1e-9 {
        return Err(Error::Input(format!(
            "--min-share/--max-share: no split of {m} modules has every share in [{lo}, {hi}] adding up to 1"
        )));
    }
    if p.evaluations == 0 {
        return Err(Error::Input(
            "--evaluations: expected at least 1 allocation, got 0".into(),
        ));
    }
    let mut trace: Vec<Evaluation> = Vec::new();
    let mut rng = SplitMix(base.seed ^ 0x4F50_5449_4D49_5A45);
    let budget = p.evaluations;
    let mut push = |trace: &mut Vec<Evaluation>, kind: String, shares: Vec<f64>| -> Result<()> {
        if trace.iter().any(|e| e.shares == shares) {
            return Ok(());
        }
        let (obj, spending) = evaluate(p, &file, &base, &shares)?;
        let vs_equal = match trace.first() {
            Some(eq) => Estimate::of(
                &obj.iter()
                    .zip(&eq.per_replicate)
                    .map(|(a, b)| a - b)
                    .collect::<Vec<_>>(),
            ),
            None => Estimate::of(&vec![0.0; obj.len()]),
        };
        let e = Evaluation {
            index: trace.len(),
            kind,
            shares,
            objective: Estimate::of(&obj),
            vs_equal,
            spending,
            per_replicate: obj,
        };
        progress(&e);
        trace.push(e);
        Ok(())
    };
    push(
        &mut trace,
        "equal".into(),
        project(&vec![1.0 / m as f64; m], lo, hi),
    )?;
    for k in 0..m {
        if trace.len() >= budget {
            break;
        }
        let mut y = vec![-1.0; m];
        y[k] = 1.0;
        push(
            &mut trace,
            format!("single:{}", p.modules[k]),
            project(&y, lo, hi),
        )?;
    }
    let mut tries = 0;
    while trace.len() < budget && tries < budget * 20 {
        if super::interrupted() {
            return Err(Error::Interrupted("no outputs written".into()));
        }
        tries += 1;
        let progress_frac = trace.len() as f64 / budget as f64;
        let best = trace
            .iter()
            .min_by(|a, b| a.objective.mean.total_cmp(&b.objective.mean))
            .expect("evaluated")
            .shares
            .clone();
        let (kind, y) = if m == 1 {
            break;
        } else if rng.unit() < 0.3 {
            // A uniform point of the simplex (Dirichlet(1)).
            let g: Vec<f64> = (0..m).map(|_| -(1.0 - rng.unit()).ln()).collect();
            let s: f64 = g.iter().sum();
            ("random", g.iter().map(|v| v / s).collect::<Vec<_>>())
        } else {
            // Move a step of share from one module to another.
            let step = 0.25 * (1.0 - progress_frac).max(0.1) * (0.5 + rng.unit());
            let from = rng.below(m);
            let mut to = rng.below(m - 1);
            if to >= from {
                to += 1;
            }
            let mut y = best.clone();
            let d = step.min(y[from]);
            y[from] -= d;
            y[to] += d;
            ("move", y)
        };
        push(&mut trace, kind.into(), project(&y, lo, hi))?;
    }
    let best = trace
        .iter()
        .min_by(|a, b| {
            a.objective
                .mean
                .total_cmp(&b.objective.mean)
                .then(a.index.cmp(&b.index))
        })
        .expect("evaluated")
        .index;
    Ok(Optimum {
        scenario: base.name.clone(),
        seed: base.seed,
        replicates: base.replicates,
        total: p.total,
        modules: p.modules.clone(),
        objective: p.objective,
        trace,
        best,
    })
}

/// Write optimize.csv (the trace), optimize.json, the chart and report.html into `out`.
pub fn write(o: &Optimum, out: &Path, no_charts: bool) -> Result<Vec<PathBuf>> {
    atomic::create_dir(out)?;
    // No interval from a single replicate: its bounds are left empty.
    let ci = |v: f64| {
        if o.replicates < 2 {
            String::new()
        } else {
            num(v)
        }
    };
    let mut csv = String::from("evaluation,kind");
    for m in &o.modules {
        csv.push_str(&format!(",share_{m}"));
    }
    csv.push_str(
        ",objective,objective_lo,objective_hi,vs_equal,vs_equal_lo,vs_equal_hi,spending,best\n",
    );
    for e in &o.trace {
        csv.push_str(&format!("{},{}", e.index, e.kind));
        for s in &e.shares {
            csv.push_str(&format!(",{}", num(*s)));
        }
        csv.push_str(&format!(
            ",{},{},{},{},{},{},{},{}\n",
            num(e.objective.mean),
            ci(e.objective.lo),
            ci(e.objective.hi),
            num(e.vs_equal.mean),
            ci(e.vs_equal.lo),
            ci(e.vs_equal.hi),
            num(e.spending),
            (e.index == o.best) as u8
        ));
    }
    let a = out.join("optimize.csv");
    atomic::write_file(&a, csv.as_bytes())?;
    let b = out.join("optimize.json");
    let json = serde_json::to_string_pretty(o).expect("optimum serializes");
    atomic::write_file(&b, json.as_bytes())?;
    let mut files = vec![a, b];
    if !no_charts {
        files.extend(chart::draw(o, out)?);
        files.push(report::write(o, out)?);
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_stays_on_the_bounded_simplex() {
        for y in [
            vec![1.0, -1.0, -1.0],
            vec![0.2, 0.9, 0.4],
            vec![1.0 / 3.0; 3],
        ] {
            let x = project(&y, 0.1, 0.7);
            assert!((x.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{x:?}");
            assert!(
                x.iter().all(|v| (0.1 - 1e-9..=0.7 + 1e-9).contains(v)),
                "{x:?}"
            );
        }
        assert_eq!(project(&[1.0, -1.0], 0.0, 1.0), [1.0, 0.0]);
    }
}
