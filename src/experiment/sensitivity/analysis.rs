//! `povsim sensitivity`: the library's designs run on the model.
//!
//! The scenario's `[uncertainty]` table gives the priors; a Morris or a
//! Saltelli design in the unit hypercube becomes points of parameter values
//! through them; each point is the scenario with those keys set (as `--set`
//! sets them, through [`crate::scenario::Base`]), run for every replicate with
//! the scenario's seed (common random numbers: replicate r of every point
//! meets the same households and shocks), and its output is the mean of the
//! measure over the replicates (with `--compare BASE`, of the paired
//! difference reform − base, the base run at the same point).
//!
//! Every point is checked (both scenarios load with its values) before
//! anything is written. Outputs stream to `points.csv` as batches of points
//! finish, in point order, appended and synced: a rerun into the same
//! directory checks `sensitivity.json` (the same analysis), drops a partial
//! last line, skips the points on disk and runs the rest. `--shard K/N` runs
//! the points whose index is K modulo N; [`merge`] combines the parts. Once
//! every point is in, the indices are computed from the file's values (so a
//! resumed, a sharded and a one-go analysis write the same bytes) and written
//! by [`super::outputs`].
//!
//! Why over 600 lines: the design, its runs, resuming, shards and merge
//! share the point order and the file format, which must agree exactly.

use super::{Factor, Problem, morris, sobol};
use crate::error::{Error, Result};
use crate::experiment::history::{self, SharedHistory, Start};
use crate::experiment::sweep::{Shard, digest};
use crate::experiment::{interrupted, progress_bar};
use crate::output::atomic;
use crate::recorder::TRAJECTORY_COLUMNS;
use crate::scenario::calibration::float_text;
use crate::scenario::{Base, Scenario};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The two methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Morris,
    Sobol,
}

/// Trajectories of a Morris design when `--samples` is not given.
pub const DEFAULT_TRAJECTORIES: u32 = 10;
/// Base samples of a Sobol' design when `--samples` is not given.
pub const DEFAULT_BASE_SAMPLES: u32 = 64;

/// What one run yields: a column of trajectory.csv in a year, or (no year)
/// the person-years in poverty over the run (the `poor` column summed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measure {
    pub column: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
}

impl Measure {
    /// Person-years in poverty over the run.
    pub fn total() -> Measure {
        Measure {
            column: "poor".into(),
            year: None,
        }
    }

    /// In words: `headcount_ratio in 2020`, `person-years in poverty`.
    pub fn label(&self) -> String {
        match self.year {
            Some(y) => format!("{} in {y}", self.column),
            None => "person-years in poverty over the run".into(),
        }
    }

    /// The measure of replicate `rep` of `sc` (`None` if interrupted),
    /// forked from `history` when `sc` shares it (the same value).
    pub fn of(
        &self,
        history: Option<&SharedHistory<'_>>,
        sc: &Scenario,
        rep: u32,
    ) -> Result<Option<f64>> {
        let k = TRAJECTORY_COLUMNS
            .iter()
            .position(|c| *c == self.column)
            .expect("checked column");
        let Start { rows, mut sim, .. } = history::start(history, sc, rep)?;
        let mut total = 0.0;
        for (t, row) in rows.iter().enumerate() {
            match self.year {
                Some(y) if y == sc.start_year + t as i32 => return Ok(Some(row[k])),
                Some(_) => {}
                None => total += row[k],
            }
        }
        while sim.year <= sc.end_year() {
            if interrupted() {
                return Ok(None);
            }
            let year = sim.year;
            let v = sim.step().trajectory_values()[k];
            match self.year {
                Some(y) if y == year => return Ok(Some(v)),
                Some(_) => {}
                None => total += v,
            }
        }
        Ok(self.year.is_none().then_some(total))
    }
}

/// sensitivity.json: what an analysis is (a resumed one must match it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SensitivitySpec {
    pub scenario: String,
    /// Digest of the effective scenario (after `--set`, seed and replicates).
    pub scenario_digest: String,
    /// With `--compare`: the base's name and digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare_digest: Option<String>,
    pub method: Method,
    /// Morris: trajectories; Sobol': base samples N (a power of two).
    pub samples: u32,
    /// Morris: grid levels (0 for Sobol').
    pub levels: u32,
    pub measure: Measure,
    pub replicates: u32,
    pub seed: u64,
    /// `--set` overrides applied to every point (and to the base).
    pub sets: Vec<String>,
    /// The uncertain keys and their priors, in column order.
    pub factors: Vec<FactorSpec>,
    /// Points of the design (runs of the model, each with every replicate).
    pub points: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
}

/// One uncertain key of an analysis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FactorSpec {
    pub key: String,
    /// The prior as the `[uncertainty]` table wrote it (re-read by `merge`).
    pub prior: toml::Value,
    /// The prior in words.
    pub reads: String,
}

/// The design of a spec.
pub enum Design {
    Morris(morris::MorrisDesign),
    Sobol(sobol::SaltelliDesign),
}

impl Design {
    /// The rows in the unit hypercube, in run order.
    pub fn rows(&self) -> Vec<Vec<f64>> {
        match self {
            Design::Morris(d) => d.rows(),
            Design::Sobol(d) => d.rows.clone(),
        }
    }
}

impl SensitivitySpec {
    /// The design (regenerated from the method, sizes and seed).
    pub fn design(&self) -> std::result::Result<Design, String> {
        let k = self.factors.len();
        Ok(match self.method {
            Method::Morris => Design::Morris(morris::MorrisDesign::new(
                k,
                self.samples as usize,
                self.levels,
                self.seed,
            )?),
            Method::Sobol => Design::Sobol(sobol::SaltelliDesign::new(k, self.samples, self.seed)?),
        })
    }

    /// The uncertain keys, in column order.
    pub fn keys(&self) -> Vec<&str> {
        self.factors.iter().map(|f| f.key.as_str()).collect()
    }

    /// The priors, re-read from their tables.
    pub fn problem(&self) -> std::result::Result<Problem, String> {
        self.factors
            .iter()
            .map(|f| {
                Ok(Factor {
                    name: f.key.clone(),
                    prior: super::Prior::parse(&f.prior).map_err(|e| format!("{}: {e}", f.key))?,
                })
            })
            .collect::<std::result::Result<Vec<_>, String>>()
            .map(Problem::new)
    }

    fn mine(&self, point: usize) -> bool {
        self.shard.is_none_or(|s| point % s.count == s.index)
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).expect("spec serializes") + "\n"
    }
}

/// What the command asks for.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: Method,
    pub samples: Option<u64>,
    /// A column of trajectory.csv (default `headcount_ratio`) …
    pub measure: Option<String>,
    /// … in this year (default: the last simulated one);
    pub year: Option<i32>,
    /// or the person-years in poverty over the run.
    pub total: bool,
    pub replicates: Option<u32>,
    pub seed: Option<u64>,
    pub sets: Vec<String>,
    pub shard: Option<Shard>,
}

/// An analysis ready to run: every point checked.
pub struct Analysis {
    pub spec: SensitivitySpec,
    pub problem: Problem,
    /// Parameter values of every point, as `--set` writes them.
    pub points: Vec<Vec<String>>,
    reform: Base,
    base: Option<Base>,
    /// Households × years of one replicate (for the speed figure).
    pub household_years: f64,
}

/// Read `file` (and `compare`), check the request and every point of the
/// design. Returns the analysis and notes for the user (a rounded sample
/// size, a base's priors left unused). Writes nothing.
pub fn prepare(
    file: &Path,
    compare: Option<&Path>,
    req: &Request,
) -> Result<(Analysis, Vec<String>)> {
    let mut notes = Vec::new();
    let mut fixed = req.sets.clone();
    if let Some(s) = req.seed {
        fixed.push(format!("simulation.seed={s}"));
    }
    if let Some(r) = req.replicates {
        fixed.push(format!("simulation.replicates={r}"));
    }
    let reform = Base::load(file, &fixed)?;
    let sc = reform.scenario()?;
    let Some(plan) = &sc.uncertainty else {
        return Err(sc.origins.error(
            "uncertainty",
            "expected an [uncertainty] table with a prior for each uncertain key, such as \"shocks.illness\" = { dist = \"uniform\", min = 0.04, max = 0.08 }, got none",
        ));
    };
    let m = &if req.total {
        if let Some(c) = &req.measure {
            return Err(Error::Input(format!(
                "--measure {c}: --total counts person-years in poverty; give --measure with --year (or neither) instead"
            )));
        }
        Measure::total()
    } else {
        Measure {
            column: req
                .measure
                .clone()
                .unwrap_or_else(|| "headcount_ratio".into()),
            year: Some(req.year.unwrap_or(sc.end_year())),
        }
    };
    if !TRAJECTORY_COLUMNS.contains(&m.column.as_str()) {
        return Err(Error::Input(format!(
            "--measure {}: expected a column of trajectory.csv ({})",
            m.column,
            TRAJECTORY_COLUMNS.join(", ")
        )));
    }
    if let Some(y) = m.year
        && (y < sc.start_year || y > sc.end_year())
    {
        return Err(Error::Input(format!(
            "--year {y}: expected a simulated year of {}, {} to {}",
            sc.name,
            sc.start_year,
            sc.end_year()
        )));
    }
    let base = match compare {
        None => None,
        Some(p) => {
            // The base runs with the reform's seed and replicates, so the pairs share their draws.
            let mut sets = req.sets.clone();
            sets.push(format!("simulation.seed={}", sc.seed));
            sets.push(format!("simulation.replicates={}", sc.replicates));
            let b = Base::load(p, &sets)?;
            let bs = b.scenario()?;
            if bs.start_year != sc.start_year
                || bs.years != sc.years
                || bs.households() != sc.households()
                || bs.villages != sc.villages
            {
                return Err(Error::Input(format!(
                    "--compare {}: expected the same years, villages and households as {} to pair households (got {}–{}, {} villages, {} households against {}–{}, {}, {})",
                    p.display(),
                    sc.name,
                    bs.start_year,
                    bs.end_year(),
                    bs.villages,
                    bs.households(),
                    sc.start_year,
                    sc.end_year(),
                    sc.villages,
                    sc.households()
                )));
            }
            if bs.uncertainty.as_ref().is_some_and(|u| u != plan) {
                notes.push(format!(
                    "note: the [uncertainty] table of {} is not used: both scenarios take the priors of {} (one parameter set, two policies)",
                    p.display(),
                    file.display()
                ));
            }
            Some((b, digest(&bs), bs.name))
        }
    };
    let (samples, levels) = match req.method {
        Method::Morris => {
            let r = req.samples.unwrap_or(DEFAULT_TRAJECTORIES as u64);
            if !(2..=100_000).contains(&r) {
                return Err(Error::Input(format!(
                    "--samples {r}: expected 2 to 100000 Morris trajectories"
                )));
            }
            (r as u32, morris::DEFAULT_LEVELS)
        }
        Method::Sobol => {
            let want = req.samples.unwrap_or(DEFAULT_BASE_SAMPLES as u64);
            let n = sobol::round_base_samples(want)
                .map_err(|e| Error::Input(format!("--samples {want}: {e}")))?;
            if u64::from(n) != want {
                notes.push(format!(
                    "note: Sobol' needs a power of two base samples: --samples {want} rounded up to {n}"
                ));
            }
            (n, 0)
        }
    };
    let problem = Problem::new(
        plan.keys
            .iter()
            .map(|u| Factor {
                name: u.key.clone(),
                prior: u.prior,
            })
            .collect(),
    );
    let mut spec = SensitivitySpec {
        scenario: sc.name.clone(),
        scenario_digest: digest(&sc),
        compare: base.as_ref().map(|b| b.2.clone()),
        compare_digest: base.as_ref().map(|b| b.1.clone()),
        method: req.method,
        samples,
        levels,
        measure: m.clone(),
        replicates: sc.replicates,
        seed: sc.seed,
        sets: req.sets.clone(),
        factors: plan
            .keys
            .iter()
            .map(|u| FactorSpec {
                key: u.key.clone(),
                prior: u.table.clone(),
                reads: u.prior.to_string(),
            })
            .collect(),
        points: 0,
        shard: req.shard,
    };
    let design = spec
        .design()
        .map_err(|e| sc.origins.error("uncertainty", e))?;
    let points: Vec<Vec<String>> = problem
        .values_of(&design.rows())
        .iter()
        .map(|row| row.iter().map(|&x| float_text(x)).collect())
        .collect();
    spec.points = points.len();
    let base = base.map(|b| b.0);
    let a = Analysis {
        spec,
        problem,
        points,
        reform,
        base,
        household_years: sc.households() as f64 * sc.years as f64,
    };
    // Every point must load, in both scenarios, before anything runs.
    let checked: Vec<Result<()>> = (0..a.points.len())
        .into_par_iter()
        .map(|p| a.scenarios(p).map(|_| ()))
        .collect();
    if let Some((p, Err(e))) = checked.into_iter().enumerate().find(|(_, r)| r.is_err()) {
        return Err(sc.origins.error(
            "uncertainty",
            format!(
                "expected priors whose every design point is a valid scenario, but point {p} ({}) is not: {e}",
                a.overrides(p).join(", ")
            ),
        ));
    }
    Ok((a, notes))
}

impl Analysis {
    fn overrides(&self, p: usize) -> Vec<String> {
        self.spec
            .factors
            .iter()
            .zip(&self.points[p])
            .map(|(f, v)| format!("{}={v}", f.key))
            .collect()
    }

    /// The reform (or only) scenario at point `p`, and the base there.
    fn scenarios(&self, p: usize) -> Result<(Scenario, Option<Scenario>)> {
        let sets = self.overrides(p);
        let r = self.reform.with_sets(&sets)?;
        let b = match &self.base {
            Some(b) => Some(b.with_sets(&sets)?),
            None => None,
        };
        Ok((r, b))
    }

    /// The output of point `p`: the mean over replicates of the measure (or
    /// of the paired difference), each run forked from `history` when it
    /// shares it. `None` if interrupted.
    fn output(&self, p: usize, history: Option<&SharedHistory<'_>>) -> Result<Option<f64>> {
        let (r, b) = self.scenarios(p)?;
        let m = &self.spec.measure;
        let reps = r.replicates;
        // Points run side by side start at different replicates, so that
        // they seldom wait for the same history's lock; the sum is in
        // replicate order whatever the order of the runs.
        let mut d = vec![0.0; reps as usize];
        for k in 0..reps {
            let rep = (k + (p % reps as usize) as u32) % reps;
            let Some(y) = m.of(history, &r, rep)? else {
                return Ok(None);
            };
            d[rep as usize] = match &b {
                Some(b) => match m.of(history, b, rep)? {
                    Some(x) => y - x,
                    None => return Ok(None),
                },
                None => y,
            };
        }
        Ok(Some(d.iter().fold(0.0, |s, x| s + x) / reps as f64))
    }
}

const HEADER: &str = "point,output";

/// What a run did.
#[derive(Clone, Debug)]
pub struct RunSummary {
    pub points_total: usize,
    pub points_kept: usize,
    pub points_run: usize,
    pub wall_time_s: f64,
    pub threads: usize,
    /// The indices, once every point is in (not for a shard).
    pub result: Option<super::outputs::Finished>,
}

/// Parse the complete lines of points.csv into point → output.
fn parse_points(path: &Path, text: &str, spec: &SensitivitySpec) -> Result<BTreeMap<usize, f64>> {
    let mut lines = text.lines();
    match lines.next() {
        Some(HEADER) | None => {}
        Some(h) => {
            return Err(Error::file(
                path,
                format!("expected the header `{HEADER}`, got `{h}`"),
            ));
        }
    }
    let mut out = BTreeMap::new();
    for (i, l) in lines.enumerate() {
        let bad = |what: String| {
            Error::file(
                path,
                format!(
                    "line {}: expected a point of this analysis, got {what}",
                    i + 2
                ),
            )
        };
        let (p, y) = l.split_once(',').ok_or_else(|| bad(format!("`{l}`")))?;
        let p: usize = p.parse().map_err(|_| bad(format!("point `{p}`")))?;
        let y: f64 = y.parse().map_err(|_| bad(format!("output `{y}`")))?;
        if p >= spec.points || !spec.mine(p) {
            return Err(bad(format!("point {p}, not one of this run's")));
        }
        out.insert(p, y);
    }
    Ok(out)
}

/// The canonical text of points.csv.
fn points_text(rows: &BTreeMap<usize, f64>) -> String {
    let mut s = format!("{HEADER}\n");
    for (p, y) in rows {
        s.push_str(&format!("{p},{y}\n"));
    }
    s
}

/// Write sensitivity.json, or check that the one in `out` is the same analysis.
fn claim(out: &Path, spec: &SensitivitySpec) -> Result<()> {
    let path = out.join("sensitivity.json");
    if !path.exists() && out.join("points.csv").exists() {
        return Err(Error::file(
            &out.join("points.csv"),
            "expected sensitivity.json beside it (the analysis these points belong to); remove the directory to start over",
        ));
    }
    crate::output::outdir::claim(&path, spec, "an analysis description", |_, _| {
        "a different analysis (other scenario, priors, method, sizes, measure, seed, replicates, --set or shard)".into()
    })
}

/// Run (or resume) an analysis into `out`; with every point in, write the indices.
pub fn run(a: &Analysis, out: &Path, progress: bool) -> Result<RunSummary> {
    let spec = &a.spec;
    atomic::create_dir(out)?;
    claim(out, spec)?;
    let csv = out.join("points.csv");
    let mut done = if csv.exists() {
        let bytes =
            std::fs::read(&csv).map_err(|e| Error::file(&csv, format!("cannot read: {e}")))?;
        // A killed run may leave a partial last line: only complete lines count.
        let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        parse_points(&csv, &String::from_utf8_lossy(&bytes[..complete]), spec)?
    } else {
        BTreeMap::new()
    };
    // The file as its complete rows, in order, before anything is appended.
    atomic::write_file(&csv, points_text(&done).as_bytes())?;
    let todo: Vec<usize> = (0..spec.points)
        .filter(|p| spec.mine(*p) && !done.contains_key(p))
        .collect();
    let total = (0..spec.points).filter(|p| spec.mine(*p)).count();
    let kept = total - todo.len();
    let threads = rayon::current_num_threads().max(1);
    let bar = progress_bar(
        progress,
        todo.len() as u64,
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} design points (eta {eta})",
    );
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&csv)
        .map_err(|e| Error::file(&csv, format!("cannot write: {e}")))?;
    let t0 = std::time::Instant::now();
    // Every point's runs fork from one run of the history per replicate.
    let reference = a.reform.scenario()?;
    let history = if todo.is_empty() {
        None
    } else {
        SharedHistory::run(&reference)?
    };
    for batch in todo.chunks(threads * 2) {
        let ys: Vec<Result<Option<f64>>> = batch
            .par_iter()
            .map(|&p| a.output(p, history.as_ref()))
            .collect();
        let mut buf = String::new();
        for (&p, y) in batch.iter().zip(ys) {
            match y? {
                Some(y) => {
                    buf.push_str(&format!("{p},{y}\n"));
                    done.insert(p, y);
                }
                None => {
                    if let Some(b) = &bar {
                        b.abandon();
                    }
                    return Err(Error::Interrupted(format!(
                        "{} of {total} points are in {}; rerun the same command to resume",
                        done.len(),
                        csv.display()
                    )));
                }
            }
        }
        file.write_all(buf.as_bytes())
            .and_then(|_| file.sync_data())
            .map_err(|e| Error::file(&csv, format!("cannot write: {e}")))?;
        if let Some(b) = &bar {
            b.inc(batch.len() as u64);
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let wall = t0.elapsed().as_secs_f64();
    // In point order whatever the order the rows came in.
    atomic::write_file(&csv, points_text(&done).as_bytes())?;
    let result = if spec.shard.is_none() {
        Some(super::outputs::finish(out, spec, &a.problem, &done, true)?)
    } else {
        None
    };
    Ok(RunSummary {
        points_total: total,
        points_kept: kept,
        points_run: todo.len(),
        wall_time_s: wall,
        threads,
        result,
    })
}

/// Combine the parts written by `--shard K/N` runs into `out`: the points
/// and indices one process would have written, byte for byte. Every shard
/// must be present once and complete.
pub fn merge(out: &Path, parts: &[PathBuf], charts: bool) -> Result<super::outputs::Finished> {
    let mut spec: Option<SensitivitySpec> = None;
    let mut rows = BTreeMap::new();
    let mut seen: Vec<bool> = Vec::new();
    for d in parts {
        let path = d.join("sensitivity.json");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::file(&path, format!("cannot read an analysis part: {e}")))?;
        let mut s: SensitivitySpec = serde_json::from_str(&text).map_err(|e| {
            Error::file(&path, format!("expected an analysis description, got {e}"))
        })?;
        let shard = s.shard.take().unwrap_or(Shard { index: 0, count: 1 });
        match &spec {
            None => {
                seen = vec![false; shard.count];
                spec = Some(s.clone());
            }
            Some(first) if *first != s => {
                return Err(Error::file(
                    &path,
                    format!(
                        "describes another analysis than {}",
                        parts[0].join("sensitivity.json").display()
                    ),
                ));
            }
            Some(_) => {}
        }
        if shard.count != seen.len() || std::mem::replace(&mut seen[shard.index], true) {
            return Err(Error::file(
                d,
                format!(
                    "expected each shard of {} once, got shard {}/{} again or of another split",
                    seen.len(),
                    shard.index,
                    shard.count
                ),
            ));
        }
        let csv = d.join("points.csv");
        let t = std::fs::read_to_string(&csv)
            .map_err(|e| Error::file(&csv, format!("cannot read: {e}")))?;
        s.shard = Some(shard);
        rows.extend(parse_points(
            &csv,
            &t[..t.rfind('\n').map_or(0, |i| i + 1)],
            &s,
        )?);
    }
    let Some(spec) = spec else {
        return Err(Error::Input(
            "merge: expected at least one part directory".into(),
        ));
    };
    if let Some(k) = seen.iter().position(|s| !s) {
        return Err(Error::Input(format!(
            "merge: expected all {} shards, shard {k}/{} is missing",
            seen.len(),
            seen.len()
        )));
    }
    if rows.len() != spec.points {
        let first = (0..spec.points)
            .find(|p| !rows.contains_key(p))
            .unwrap_or(0);
        return Err(Error::Input(format!(
            "merge: expected {} points, got {} (first missing: point {first}); finish the shards first",
            spec.points,
            rows.len()
        )));
    }
    let problem = spec
        .problem()
        .map_err(|e| Error::file(&parts[0].join("sensitivity.json"), e))?;
    atomic::create_dir(out)?;
    atomic::write_file(&out.join("sensitivity.json"), spec.json().as_bytes())?;
    atomic::write_file(&out.join("points.csv"), points_text(&rows).as_bytes())?;
    super::outputs::finish(out, &spec, &problem, &rows, charts)
}
