//! Calibration by the simulated method of moments: find the values of the
//! fitted keys that bring the simulated targets closest to the published
//! figures, under common random numbers (every evaluation runs the same seed
//! and replicates, so the loss changes only because the values do).
//!
//! The loss is `L(θ) = Σ_j e_j(θ)²` over the fitted (not held-out) targets,
//! with `e_j = (m̄_j(θ) − v_j) / se_j` the miss of the replicate mean in
//! standard errors (zero on the right side of a one-sided target): a
//! diagonal weighting by the inverse variance of each figure.
//!
//! The search runs in the unit cube (each key mapped linearly, or on the log
//! scale, onto its bounds): the scenario's own values and a Latin-hypercube
//! sample, then Nelder–Mead (argmin)
//! from the best start point, until the evaluation budget is spent or the
//! simplex's losses agree to 10⁻³. Then the diagnostics
//! ([`identify`]): central differences of the misses at the best point give
//! the standard errors and correlations of the fitted keys, and a loss
//! profile along each key (others at the best values) shows what moves the
//! loss.
//!
//! Every evaluation is appended (and synced) to calibration.csv as it
//! finishes. The search is deterministic, so a rerun into the same directory
//! replays it, reading the evaluations on disk instead of running them again
//! ([`log`]): an interrupted calibration resumes and ends exactly as an
//! uninterrupted one.

mod identify;
/// A number to three significant figures or so, as the reports print it.
pub(crate) use identify::sig;
mod log;
mod outputs;

pub use identify::{Calibration, KeyResult, TargetResult, sig as identify_sig};
pub use outputs::write;

use crate::error::{Error, Result};
use crate::experiment::{Band, bands, interrupted, run_records, sweep};
use crate::recorder::TRAJECTORY_COLUMNS;
use crate::scenario::Scenario;
use crate::scenario::calibration::{FitSpec, TargetSpec, float_text, key_value};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Every trajectory column by year: mean and 90% band across replicates.
pub type Bands = BTreeMap<String, Vec<Band>>;

/// Evaluations of the search when neither the command nor the table says.
pub const DEFAULT_EVALUATIONS: usize = 100;
/// Latin-hypercube points per fitted key when the table does not say.
pub const LHS_PER_KEY: usize = 8;
/// Points of the loss profile along each key.
pub const PROFILE_POINTS: usize = 9;
/// Half-step of the central differences, as a share of each key's range.
pub const SLOPE_STEP: f64 = 0.02;
/// Size of the first simplex of the local search, as a share of each range.
const SIMPLEX_STEP: f64 = 0.15;
/// The search stops when the losses of the simplex agree to this (in squared
/// standard errors: a difference far below what the data can tell apart).
const LOSS_TOLERANCE: f64 = 1e-3;
/// The loss given to an evaluation whose targets are not numbers.
const NO_LOSS: f64 = 1e30;

/// calibration-spec.json: what a calibration is. A rerun into the same
/// directory must describe the same one (its evaluations on disk are reused);
/// the budget and the size of the start may change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalibrationSpec {
    pub scenario: String,
    /// Digest of the effective scenario (after `extends` and `--set`).
    pub scenario_digest: String,
    pub seed: u64,
    pub replicates: u32,
    /// The command's `--set` overrides.
    pub sets: Vec<String>,
    pub keys: Vec<FitSpec>,
    pub targets: Vec<TargetSpec>,
}

/// A calibration to run.
#[derive(Clone, Debug)]
pub struct Problem {
    /// The scenario file.
    pub file: PathBuf,
    /// The file read once: each evaluation is a variant of it.
    pub source: crate::scenario::Base,
    /// The scenario with the command's overrides, seed and replicates.
    pub base: Scenario,
    pub spec: CalibrationSpec,
    /// Per key: holds a whole number (values rounded).
    pub integer: Vec<bool>,
    /// Per key: its value in the scenario (the first point evaluated).
    pub start: Vec<f64>,
    pub evaluations: usize,
    pub lhs: usize,
}

impl Problem {
    /// A problem from a scenario whose `[calibration]` table was checked
    /// ([`Scenario::check_calibration`]); `sets` are the command's overrides.
    pub fn new(
        file: &Path,
        base: Scenario,
        sets: &[String],
        evaluations: Option<usize>,
        lhs: Option<usize>,
    ) -> Result<Problem> {
        let plan = base.check_calibration(sets)?;
        let (start, integer): (Vec<f64>, Vec<bool>) = plan
            .keys
            .iter()
            .map(|k| key_value(&base, &k.key).map_err(Error::Input))
            .collect::<Result<Vec<(f64, bool)>>>()?
            .into_iter()
            .unzip();
        let k = plan.keys.len();
        let evaluations = evaluations
            .or(plan.evaluations)
            .unwrap_or(DEFAULT_EVALUATIONS)
            .max(k + 2);
        // Room for the scenario's own values and the first simplex.
        let lhs = lhs
            .or(plan.lhs)
            .unwrap_or(LHS_PER_KEY * k)
            .clamp(1, evaluations - k - 1);
        let spec = CalibrationSpec {
            scenario: base.name.clone(),
            scenario_digest: sweep::digest(&base),
            seed: base.seed,
            replicates: base.replicates,
            sets: sets.to_vec(),
            keys: plan.keys,
            targets: plan.targets,
        };
        Ok(Problem {
            file: file.to_path_buf(),
            source: crate::scenario::Base::load(file, &[])?,
            base,
            spec,
            integer,
            start,
            evaluations,
            lhs,
        })
    }

    /// The overrides every evaluation starts from: the command's, then the seed and replicates.
    fn sets(&self) -> Vec<String> {
        let mut s = self.spec.sets.clone();
        s.push(format!("simulation.seed={}", self.spec.seed));
        s.push(format!("simulation.replicates={}", self.spec.replicates));
        s
    }

    /// The value of key `i` at unit coordinate `u` (clamped to [0, 1]), as set.
    pub fn value(&self, i: usize, u: f64) -> String {
        let k = &self.spec.keys[i];
        let u = if u.is_finite() {
            u.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let x = if k.log {
            (k.lo.ln() + u * (k.hi.ln() - k.lo.ln())).exp()
        } else {
            k.lo + u * (k.hi - k.lo)
        }
        .clamp(k.lo, k.hi);
        if self.integer[i] {
            return format!("{}", x.round() as i64);
        }
        // Six significant digits: readable in calibration.csv and
        // calibrated.toml, and far finer than any step of the search.
        let digits = (5 - x.abs().log10().floor() as i32).clamp(0, 17) as usize;
        let t = format!("{x:.digits$}");
        match t.parse::<f64>() {
            Ok(r) if r >= k.lo && r <= k.hi => float_text(r),
            _ => float_text(x),
        }
    }

    /// The `--set` overrides of one point.
    pub fn point_sets(&self, values: &[String]) -> Vec<String> {
        let mut s = self.sets();
        for (k, v) in self.spec.keys.iter().zip(values) {
            s.push(format!("{}={v}", k.key));
        }
        s
    }

    /// Run the scenario at `values`: the mean and 90% band of every
    /// trajectory column by year, across the replicates.
    pub fn run(&self, values: &[String]) -> Result<Bands> {
        Ok(self.run_replicates(values)?.0)
    }

    /// [`Problem::run`], and every target's value in each replicate.
    pub fn run_replicates(&self, values: &[String]) -> Result<(Bands, Vec<Vec<f64>>)> {
        let pairs: Vec<(&str, &str)> = self
            .spec
            .keys
            .iter()
            .zip(values)
            .map(|(k, v)| (k.key.as_str(), v.as_str()))
            .collect();
        let mut sets = self.sets();
        sets.extend(pairs.iter().map(|(k, v)| format!("{k}={v}")));
        let sc = self.source.with_sets(&sets)?;
        let mut rows: Vec<Vec<[f64; TRAJECTORY_COLUMNS.len()]>> =
            vec![Vec::with_capacity(sc.years as usize); sc.replicates as usize];
        run_records(&sc, |r| {
            rows[r.replicate as usize].push(r.trajectory_values());
            Ok(())
        })?;
        let per_replicate = rows
            .iter()
            .map(|rep| {
                self.spec
                    .targets
                    .iter()
                    .map(|t| {
                        let col = TRAJECTORY_COLUMNS.iter().position(|c| *c == t.measure);
                        let row = (t.year - sc.start_year) as usize;
                        col.and_then(|c| rep.get(row).map(|r| r[c]))
                            .unwrap_or(f64::NAN)
                    })
                    .collect()
            })
            .collect();
        Ok((bands(&sc, &rows), per_replicate))
    }

    /// The simulated value of every target (replicate means), in target order.
    pub fn simulated(&self, bands: &Bands) -> Vec<f64> {
        self.spec
            .targets
            .iter()
            .map(|t| {
                bands
                    .get(&t.measure)
                    .and_then(|b| b.iter().find(|b| b.year == t.year))
                    .map_or(f64::NAN, |b| b.mean)
            })
            .collect()
    }

    /// The loss of simulated target values: the sum of squared misses of the
    /// fitted targets, in standard errors.
    pub fn loss(&self, simulated: &[f64]) -> f64 {
        let l: f64 = self
            .spec
            .targets
            .iter()
            .zip(simulated)
            .filter(|(t, _)| !t.held_out)
            .map(|(t, m)| t.error(*m).powi(2))
            .sum();
        if l.is_finite() { l } else { NO_LOSS }
    }
}

/// Why an evaluation was run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// The scenario's own values (clamped into the bounds).
    Start,
    /// The Latin-hypercube start.
    Lhs,
    /// The local search.
    Search,
    /// A central difference at the best point.
    Slope,
    /// The loss profile along a key.
    Profile,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Start => "start",
            Stage::Lhs => "lhs",
            Stage::Search => "search",
            Stage::Slope => "slope",
            Stage::Profile => "profile",
        }
    }
    fn parse(s: &str) -> Option<Stage> {
        [
            Stage::Start,
            Stage::Lhs,
            Stage::Search,
            Stage::Slope,
            Stage::Profile,
        ]
        .into_iter()
        .find(|x| x.name() == s)
    }
}

/// One evaluated point.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub index: usize,
    pub stage: Stage,
    /// The values as set (`--set KEY=VALUE`).
    pub values: Vec<String>,
    /// The same, as numbers.
    pub x: Vec<f64>,
    /// Each target's simulated value (replicate mean), in target order.
    pub simulated: Vec<f64>,
    pub loss: f64,
}

/// What the progress callback is told after each evaluation.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// Evaluations so far (run now or read from the log).
    pub done: usize,
    /// Best loss so far.
    pub best: f64,
    /// Whether this one was read from the log rather than run.
    pub from_log: bool,
}

/// The evaluations of one calibration, in the order asked, each run once:
/// read from the log if it is there, else run and appended to it.
struct Evaluator<'a> {
    p: &'a Problem,
    log: log::Log,
    path: Vec<Evaluation>,
    seen: HashMap<Vec<String>, usize>,
    /// While searching: no new point past this many evaluations.
    limit: Option<usize>,
    /// The error that stopped the search (argmin only carries its own).
    failure: Option<Error>,
    ran: usize,
    progress: &'a mut dyn FnMut(Progress),
}

/// The search's budget is spent (not an error: the search ends).
#[derive(Debug)]
struct Spent;

impl Evaluator<'_> {
    /// The evaluation at unit coordinates `u` (its index); `Ok(Err(Spent))`
    /// if it is new and the search's budget is spent.
    fn at(&mut self, u: &[f64], stage: Stage) -> Result<std::result::Result<usize, Spent>> {
        let values: Vec<String> = (0..u.len()).map(|i| self.p.value(i, u[i])).collect();
        if let Some(&i) = self.seen.get(&values) {
            return Ok(Ok(i));
        }
        if self.limit.is_some_and(|n| self.path.len() >= n) {
            return Ok(Err(Spent));
        }
        if interrupted() {
            return Err(Error::Interrupted(String::new()));
        }
        let (simulated, from_log) = match self.log.cached(&values) {
            Some(s) => (s, true),
            None => {
                let s = self.p.simulated(&self.p.run(&values)?);
                (s, false)
            }
        };
        let e = Evaluation {
            index: self.path.len(),
            stage,
            x: values
                .iter()
                .map(|v| v.parse().unwrap_or(f64::NAN))
                .collect(),
            loss: self.p.loss(&simulated),
            values: values.clone(),
            simulated,
        };
        if !from_log {
            self.log.append(&e)?;
            self.ran += 1;
        }
        self.seen.insert(values, e.index);
        self.path.push(e);
        let best = self.best().map_or(f64::NAN, |b| b.loss);
        (self.progress)(Progress {
            done: self.path.len(),
            best,
            from_log,
        });
        Ok(Ok(self.path.len() - 1))
    }

    /// The best evaluation so far (the first of equal losses).
    fn best(&self) -> Option<&Evaluation> {
        self.path
            .iter()
            .fold(None, |b: Option<&Evaluation>, e| match b {
                Some(b) if b.loss <= e.loss => Some(b),
                _ => Some(e),
            })
    }
}

/// argmin's view of the loss: the unit cube, points outside it evaluated at
/// their projection and penalised by their distance (so the simplex comes back).
struct Cost<'e, 'a> {
    ev: &'e RefCell<Evaluator<'a>>,
}

impl argmin::core::CostFunction for Cost<'_, '_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, u: &Self::Param) -> std::result::Result<f64, argmin::core::Error> {
        let inside: Vec<f64> = u.iter().map(|v| v.clamp(0.0, 1.0)).collect();
        let out: f64 = u
            .iter()
            .zip(&inside)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt();
        let mut ev = self.ev.borrow_mut();
        match ev.at(&inside, Stage::Search) {
            Ok(Ok(i)) => Ok(ev.path[i].loss * (1.0 + out) + out),
            Ok(Err(Spent)) => Err(argmin::core::Error::msg("evaluation budget spent")),
            Err(e) => {
                ev.failure = Some(e);
                Err(argmin::core::Error::msg("evaluation failed"))
            }
        }
    }
}

/// Run (or resume) a calibration into `out`: calibration.csv as it goes, and
/// the result. `progress` hears of every evaluation.
pub fn calibrate(
    p: &Problem,
    out: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<Calibration> {
    let log = log::Log::open(out, p)?;
    let ev = RefCell::new(Evaluator {
        p,
        log,
        path: Vec::new(),
        seen: HashMap::new(),
        limit: Some(p.evaluations),
        failure: None,
        ran: 0,
        progress,
    });
    let stopped = |ev: &RefCell<Evaluator>, e: Error| match e {
        Error::Interrupted(_) => Error::Interrupted(format!(
            "{} evaluations are in {}; rerun the same command to resume",
            ev.borrow().log.rows(),
            ev.borrow().log.path().display()
        )),
        e => e,
    };
    search(p, &ev).map_err(|e| stopped(&ev, e))?;
    let res = identify::diagnose(p, &ev).map_err(|e| stopped(&ev, e))?;
    Ok(res)
}

/// The Latin-hypercube start and the local search.
fn search(p: &Problem, ev: &RefCell<Evaluator>) -> Result<()> {
    let k = p.spec.keys.len();
    let axes: Vec<sweep::Axis> = p
        .spec
        .keys
        .iter()
        .map(|key| sweep::Axis {
            key: key.key.clone(),
            values: Vec::new(),
            range: Some((0.0, 1.0, 1e-6, false)),
        })
        .collect();
    let own: Vec<f64> = (0..k).map(|i| unit(p, i, p.start[i])).collect();
    if ev.borrow_mut().at(&own, Stage::Start)?.is_err() {
        return Ok(());
    }
    let start = sweep::points(&axes, Some(p.lhs), p.spec.seed)?;
    for point in &start {
        let u: Vec<f64> = point.iter().map(|v| v.parse().unwrap_or(0.5)).collect();
        if ev.borrow_mut().at(&u, Stage::Lhs)?.is_err() {
            return Ok(());
        }
    }
    let u0 = {
        let e = ev.borrow();
        let best = e.best().expect("the start evaluated a point");
        (0..k).map(|i| unit(p, i, best.x[i])).collect::<Vec<f64>>()
    };
    let mut simplex = vec![u0.clone()];
    for i in 0..k {
        let mut v = u0.clone();
        v[i] += if v[i] + SIMPLEX_STEP <= 1.0 {
            SIMPLEX_STEP
        } else {
            -SIMPLEX_STEP
        };
        simplex.push(v);
    }
    let solver = argmin::solver::neldermead::NelderMead::new(simplex)
        .with_sd_tolerance(LOSS_TOLERANCE)
        .map_err(|e| Error::Input(format!("calibrate: {e}")))?;
    let res = argmin::core::Executor::new(Cost { ev }, solver)
        .configure(|s| s.max_iters(u64::MAX))
        .run();
    if let Some(e) = ev.borrow_mut().failure.take() {
        return Err(e);
    }
    // Otherwise the search converged or spent its budget: both end it.
    drop(res);
    Ok(())
}

/// The unit coordinate of value `x` of key `i`.
pub fn unit(p: &Problem, i: usize, x: f64) -> f64 {
    let k = &p.spec.keys[i];
    let u = if k.log {
        (x.ln() - k.lo.ln()) / (k.hi.ln() - k.lo.ln())
    } else {
        (x - k.lo) / (k.hi - k.lo)
    };
    if u.is_finite() {
        u.clamp(0.0, 1.0)
    } else {
        0.5
    }
}
