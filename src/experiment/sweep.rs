//! Parameter sweeps: a grid (or a Latin-hypercube sample) of `--set`
//! overrides, each point run for every replicate under common random numbers
//! (every point uses the scenario's seed, so replicate r of every point meets
//! the same households and shocks).
//!
//! Rows stream to `sweep.csv` as batches of (point, replicate) pairs finish,
//! always in (point, replicate) order, appended and synced batch by batch: a
//! crash leaves at most a partial last line, which a rerun drops before it
//! skips the pairs already written and appends the rest. `sweep.json`
//! describes the sweep; a rerun into the same directory must describe the
//! same one. `--shard K/N` runs the pairs whose index (point × replicates +
//! replicate) is K modulo N; [`merge`] sorts the parts into the file one
//! process would have written.
//!
//! Every year of every pair also goes to `sweep_years.csv` ([`years`]).
//!
//! Why over 600 lines: running, resuming, sharding and merging share the
//! row order and the file format, which must agree exactly.

mod charts;
pub mod report;
pub mod years;

use crate::error::{Error, Result};
use crate::experiment::history::{self, SharedHistory, Start};
use crate::experiment::{interrupted, progress_bar};
use crate::output::atomic;
use crate::output::tables::num;
pub use crate::scenario::sweep::{
    Axis, MAX_POINTS, check_key, list_axis, parse_range, parse_vary, points,
};
use crate::scenario::{self, Scenario};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The measures of one row, after the varied values and the replicate.
pub const MEASURES: [&str; 7] = [
    "headcount_ratio",
    "poverty_gap",
    "poor",
    "mean_income",
    "gini",
    "person_years",
    "spending",
];

/// A shard: this process runs the items whose index is `index` modulo `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// The digest of a scenario as written in sweep.json.
pub fn digest(sc: &Scenario) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in sc.to_toml().bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Parse `K/N`.
pub fn parse_shard(s: &str) -> Result<Shard> {
    let bad = || {
        Error::Input(format!(
            "--shard {s}: expected K/N with 0 ≤ K < N, e.g. 3/16"
        ))
    };
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (index, count): (usize, usize) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if count == 0 || index >= count {
        return Err(bad());
    }
    Ok(Shard { index, count })
}

/// sweep.json: what a sweep is (a resumed sweep must match it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepSpec {
    pub scenario: String,
    /// FNV-1a digest of the effective scenario (after `extends` and the fixed
    /// overrides): a resumed sweep must run the same scenario.
    pub scenario_digest: String,
    pub method: String,
    pub keys: Vec<String>,
    pub points: Vec<Vec<String>>,
    pub replicates: u32,
    pub seed: u64,
    /// Fixed `--set` overrides applied to every point.
    pub sets: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
}

impl SweepSpec {
    /// The `--set` overrides of one point (fixed ones first, then the varied values).
    pub fn point_sets(&self, point: usize) -> Vec<String> {
        // As `povsim run` orders them: overrides, then seed and replicates, then the point.
        let mut s = self.sets.clone();
        s.push(format!("simulation.seed={}", self.seed));
        s.push(format!("simulation.replicates={}", self.replicates));
        for (k, v) in self.keys.iter().zip(&self.points[point]) {
            s.push(format!("{k}={v}"));
        }
        s
    }

    pub fn header(&self) -> String {
        let mut h = vec!["point".to_string()];
        h.extend(self.keys.iter().cloned());
        h.push("replicate".into());
        h.extend(MEASURES.iter().map(|m| m.to_string()));
        // Every row names the scenario it ran (seed, replicates and --set
        // included), so a resume checks its rows with or without sweep.json.
        h.push("scenario_digest".into());
        h.join(",")
    }

    pub fn items(&self) -> usize {
        self.points.len() * self.replicates as usize
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).expect("sweep spec serializes") + "\n"
    }

    fn mine(&self, item: usize) -> bool {
        self.shard.is_none_or(|s| item % s.count == s.index)
    }
}

/// One row of sweep.csv.
#[derive(Clone, Debug)]
pub struct Row {
    pub point: usize,
    pub replicate: u32,
    pub values: [f64; 7],
    /// Every year's measures, for sweep_years.csv.
    pub years: Vec<years::Year>,
}

fn row_line(spec: &SweepSpec, r: &Row) -> String {
    let mut s = format!("{}", r.point);
    for v in &spec.points[r.point] {
        s.push(',');
        s.push_str(v);
    }
    s.push_str(&format!(",{}", r.replicate));
    for v in r.values {
        s.push(',');
        s.push_str(&num(v));
    }
    s.push(',');
    s.push_str(&spec.scenario_digest);
    s
}

/// Run one replicate of one point (`None`: interrupted), forked from
/// `history` when the point shares it (the same row).
pub fn run_item(
    history: Option<&SharedHistory<'_>>,
    sc: &Scenario,
    point: usize,
    replicate: u32,
) -> Result<Option<Row>> {
    let Start {
        rows,
        spent,
        mut sim,
    } = history::start(history, sc, replicate)?;
    let mut person_years = 0.0;
    let mut spending = 0.0;
    let mut last = None;
    let mut by_year = Vec::with_capacity(sc.years as usize);
    let col = crate::recorder::trajectory_column;
    let shown = [
        "headcount_ratio",
        "poverty_gap",
        "poor",
        "mean_income",
        "gini",
    ]
    .map(col);
    for (t, (row, spent)) in rows.iter().zip(spent).enumerate() {
        person_years += row[shown[2]];
        spending += spent;
        let [a, b, c, d, e] = shown.map(|k| row[k]);
        by_year.push((sc.start_year + t as i32, [a, b, c, d, e, spent]));
    }
    while sim.year <= sc.end_year() {
        if interrupted() {
            return Ok(None);
        }
        let r = sim.step();
        let spent = r.ledger.spending.iter().map(|s| s.spent).sum::<f64>();
        person_years += r.measures.poor;
        spending += spent;
        let m = &r.measures;
        by_year.push((
            r.year,
            [
                m.headcount_ratio,
                m.poverty_gap,
                m.poor,
                m.mean_income,
                m.gini,
                spent,
            ],
        ));
        last = Some(r);
    }
    let Some(last) = last else { return Ok(None) };
    let m = &last.measures;
    Ok(Some(Row {
        point,
        replicate,
        values: [
            m.headcount_ratio,
            m.poverty_gap,
            m.poor,
            m.mean_income,
            m.gini,
            person_years,
            spending,
        ],
        years: by_year,
    }))
}

/// Options of a sweep run.
#[derive(Clone, Debug, Default)]
pub struct SweepOptions {
    pub progress: bool,
    pub no_charts: bool,
}

/// What a sweep did.
#[derive(Clone, Debug, Serialize)]
pub struct SweepSummary {
    pub points: usize,
    pub replicates: u32,
    /// Rows this shard (or the whole sweep) holds.
    pub rows_total: usize,
    /// Rows found on disk from an earlier run.
    pub rows_kept: usize,
    /// Rows computed now.
    pub rows_run: usize,
    pub wall_time_s: f64,
    pub household_years_per_second: f64,
    pub threads: usize,
    pub files: Vec<PathBuf>,
}

/// Read the rows of an existing sweep.csv: checks the header, drops a
/// truncated last line (and truncates the file to its complete lines).
/// Returns the (point, replicate) pairs present and whether they are in order.
fn read_existing(path: &Path, spec: &SweepSpec) -> Result<(HashSet<(usize, u32)>, bool)> {
    let bytes = std::fs::read(path).map_err(|e| Error::file(path, format!("cannot read: {e}")))?;
    let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    if complete < bytes.len() {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| Error::file(path, format!("cannot write: {e}")))?;
        f.set_len(complete as u64)
            .and_then(|_| f.sync_all())
            .map_err(|e| Error::file(path, format!("cannot write: {e}")))?;
    }
    let text = String::from_utf8_lossy(&bytes[..complete]);
    let mut lines = text.lines();
    let header = spec.header();
    match lines.next() {
        None => {
            // Not even a header: start over.
            std::fs::write(path, format!("{header}\n"))
                .map_err(|e| Error::file(path, format!("cannot write: {e}")))?;
            return Ok((HashSet::new(), true));
        }
        Some(h) if h != header => {
            return Err(Error::file(
                path,
                format!("expected the header `{header}` of this sweep, got `{h}`"),
            ));
        }
        Some(_) => {}
    }
    let (done, ordered) = parse_rows(path, lines.enumerate().map(|(i, l)| (i + 2, l)), spec)?
        .into_iter()
        .fold(
            (HashSet::new(), (true, None)),
            |(mut set, (ord, prev)), (key, _)| {
                let ord = ord && prev.is_none_or(|p| p < key) && !set.contains(&key);
                set.insert(key);
                (set, (ord, Some(key)))
            },
        );
    Ok((done, ordered.0))
}

/// Parse data lines into ((point, replicate), line), checking they belong to `spec`.
fn parse_rows<'a>(
    path: &Path,
    lines: impl Iterator<Item = (usize, &'a str)>,
    spec: &SweepSpec,
) -> Result<Vec<((usize, u32), &'a str)>> {
    let k = spec.keys.len();
    let want = 3 + k + MEASURES.len();
    let mut out = Vec::new();
    for (n, l) in lines {
        let f: Vec<&str> = l.split(',').collect();
        let bad = |what: &str| {
            Error::file(
                path,
                format!("line {n}: expected a row of this sweep, got {what}"),
            )
        };
        if f.len() != want {
            return Err(bad(&format!("{} fields instead of {want}", f.len())));
        }
        let point: usize = f[0].parse().map_err(|_| bad("a bad point index"))?;
        let rep: u32 = f[1 + k].parse().map_err(|_| bad("a bad replicate"))?;
        if point >= spec.points.len() || rep >= spec.replicates {
            return Err(bad(&format!(
                "point {point}, replicate {rep} (out of range)"
            )));
        }
        if f[want - 1] != spec.scenario_digest {
            return Err(bad(&format!(
                "a row of another scenario, seed, replicates or --set (digest {}, this sweep's {}); use another --out or remove the directory to start over",
                f[want - 1],
                spec.scenario_digest
            )));
        }
        if !spec.mine(point * spec.replicates as usize + rep as usize) {
            return Err(bad(&format!(
                "a row of another shard (point {point}, replicate {rep}); use another --out for each shard"
            )));
        }
        if f[1..=k]
            != spec.points[point]
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()[..]
        {
            return Err(bad(&format!("other values for point {point}")));
        }
        out.push(((point, rep), l));
    }
    Ok(out)
}

/// Write sweep.json, or check that the one in `out` describes the same sweep.
fn claim(out: &Path, spec: &SweepSpec) -> Result<()> {
    crate::output::outdir::claim(
        &out.join("sweep.json"),
        spec,
        "a sweep description",
        |old, spec| {
            let what = if old.keys != spec.keys {
                "varied keys"
            } else if old.points != spec.points {
                "points"
            } else if old.replicates != spec.replicates {
                "replicates"
            } else if old.seed != spec.seed {
                "seed"
            } else if old.shard != spec.shard {
                "shard"
            } else if old.sets != spec.sets {
                "--set overrides"
            } else {
                "scenario contents"
            };
            format!("a different sweep (other {what})")
        },
    )
}

/// Rewrite sweep.csv sorted by (point, replicate) without duplicates.
fn sort_file(path: &Path, spec: &SweepSpec) -> Result<()> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::file(path, format!("cannot read: {e}")))?;
    let mut rows = parse_rows(
        path,
        text.lines().enumerate().skip(1).map(|(i, l)| (i + 1, l)),
        spec,
    )?;
    rows.sort_by_key(|r| r.0);
    rows.dedup_by_key(|r| r.0);
    let mut s = spec.header() + "\n";
    for (_, l) in rows {
        s.push_str(l);
        s.push('\n');
    }
    atomic::write_file(path, s.as_bytes())
}

/// Run (or resume) a sweep of `file` into `out`.
pub fn sweep(
    file: &Path,
    spec: &SweepSpec,
    out: &Path,
    opts: &SweepOptions,
) -> Result<SweepSummary> {
    // Every point must load (with the file's checks) before anything runs;
    // the file is read once.
    let base = scenario::Base::load(file, &[])?;
    let mut households = Vec::with_capacity(spec.points.len());
    let mut n_years = Vec::with_capacity(spec.points.len());
    for p in 0..spec.points.len() {
        let sc = base.with_sets(&spec.point_sets(p))?;
        households.push(sc.households());
        n_years.push(sc.years);
    }
    atomic::create_dir(out)?;
    // sweep.json is checked first if there is one, and written only once the
    // rows on disk are known to be this sweep's (each names its scenario).
    let described = out.join("sweep.json").exists();
    if described {
        claim(out, spec)?;
    }
    let csv = out.join("sweep.csv");
    let (done, ordered) = if csv.exists() {
        read_existing(&csv, spec)?
    } else {
        atomic::write_file(&csv, format!("{}\n", spec.header()).as_bytes())?;
        (HashSet::new(), true)
    };
    if !described {
        claim(out, spec)?;
    }
    crate::output::outdir::mark_sweep(out)?;
    let years_csv = years::prepare(out, spec, &done)?;
    let reps = spec.replicates as usize;
    // The pairs left to run, in order, generated as needed (memory stays flat).
    let is_pending = |i: &usize| spec.mine(*i) && !done.contains(&(i / reps, (i % reps) as u32));
    let pending = (0..spec.items()).filter(is_pending).count();
    let mut todo = (0..spec.items()).filter(is_pending).peekable();
    let rows_total = (0..spec.items()).filter(|&i| spec.mine(i)).count();
    let t0 = Instant::now();
    let threads = rayon::current_num_threads().max(1);
    let bar = progress_bar(
        opts.progress,
        pending as u64,
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} point-replicates (eta {eta})",
    );
    let mut file_out = std::fs::OpenOptions::new()
        .append(true)
        .open(&csv)
        .map_err(|e| Error::file(&csv, format!("cannot write: {e}")))?;
    let mut years_out = std::fs::OpenOptions::new()
        .append(true)
        .open(&years_csv)
        .map_err(|e| Error::file(&years_csv, format!("cannot write: {e}")))?;
    let mut hy = 0.0;
    let mut at = 0;
    let mut cache: Option<(usize, Scenario)> = None;
    // Every point's replicates fork from one run of the history (a package's
    // keys act from its branch year only).
    let reference = base.scenario()?;
    let history = match pending {
        0 => None,
        _ => SharedHistory::run(&reference)?,
    };
    let history = history.as_ref();
    while let Some(&first) = todo.peek() {
        let small = households[first / reps] <= 50_000;
        let batch = if small { threads * 4 } else { 1 };
        let items: Vec<usize> = todo.by_ref().take(batch).collect();
        let items = &items[..];
        // The scenarios of the batch's points (consecutive items share points).
        let mut scs: Vec<(usize, Scenario)> = Vec::new();
        for &i in items {
            let p = i / reps;
            if scs.last().is_some_and(|(q, _)| *q == p) {
                continue;
            }
            let sc = match cache.take() {
                Some((q, sc)) if q == p => sc,
                _ => base.with_sets(&spec.point_sets(p))?,
            };
            scs.push((p, sc));
        }
        let find = |p: usize| &scs.iter().find(|(q, _)| *q == p).expect("loaded").1;
        let rows: Vec<Option<Row>> = items
            .par_iter()
            .map(|&i| run_item(history, find(i / reps), i / reps, (i % reps) as u32))
            .collect::<Result<_>>()?;
        if interrupted() || rows.iter().any(Option::is_none) {
            if let Some(b) = &bar {
                b.abandon();
            }
            return Err(Error::Interrupted(format!(
                "{} of {rows_total} rows are in {}; rerun the same command to resume",
                done.len() + at,
                csv.display()
            )));
        }
        let mut buf = String::new();
        let mut ybuf = String::new();
        for r in rows.iter().flatten() {
            buf.push_str(&row_line(spec, r));
            buf.push('\n');
            ybuf.push_str(&years::lines(spec, r.point, r.replicate, &r.years));
            hy += (households[r.point] * n_years[r.point] as u64) as f64;
        }
        // The year rows first: a pair is done once its sweep.csv row is there.
        years_out
            .write_all(ybuf.as_bytes())
            .and_then(|_| years_out.sync_data())
            .map_err(|e| Error::file(&years_csv, format!("cannot write: {e}")))?;
        file_out
            .write_all(buf.as_bytes())
            .and_then(|_| file_out.sync_data())
            .map_err(|e| Error::file(&csv, format!("cannot write: {e}")))?;
        cache = scs.pop();
        if let Some(b) = &bar {
            b.inc(items.len() as u64);
        }
        at += items.len();
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    drop(file_out);
    drop(years_out);
    if !ordered {
        sort_file(&csv, spec)?;
        years::sort(out, spec)?;
    }
    let wall = t0.elapsed().as_secs_f64();
    let mut files = vec![
        csv,
        years_csv,
        out.join("sweep.json"),
        out.join("summary.json"),
    ];
    if !opts.no_charts && spec.shard.is_none() {
        files.extend(charts(out)?);
    }
    let summary = SweepSummary {
        points: spec.points.len(),
        replicates: spec.replicates,
        rows_total,
        rows_kept: rows_total - pending,
        rows_run: pending,
        wall_time_s: wall,
        household_years_per_second: hy / wall.max(1e-9),
        threads,
        files,
    };
    let path = out.join("summary.json");
    let json = serde_json::to_string_pretty(&summary).expect("summary serializes");
    atomic::write_file(&path, json.as_bytes())?;
    Ok(summary)
}

/// A point's means of [`MEASURES`] and the replicates they average.
pub type PointMean = ([f64; 7], usize);

/// The mean over replicates of each of [`MEASURES`], per point, of a sweep
/// directory's sweep.csv, with the number of replicates found (0: the point
/// has no rows yet); and the sweep's description.
pub fn point_means(out: &Path) -> Result<(SweepSpec, Vec<PointMean>)> {
    let jpath = out.join("sweep.json");
    let text = std::fs::read_to_string(&jpath)
        .map_err(|e| Error::file(&jpath, format!("cannot read: {e}")))?;
    let spec: SweepSpec = serde_json::from_str(&text)
        .map_err(|e| Error::file(&jpath, format!("expected a sweep description, got {e}")))?;
    let cpath = out.join("sweep.csv");
    let text = std::fs::read_to_string(&cpath)
        .map_err(|e| Error::file(&cpath, format!("cannot read: {e}")))?;
    let k = spec.keys.len();
    let mut acc = vec![([0.0; 7], 0usize); spec.points.len()];
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let Some(p) = f.first().and_then(|p| p.parse::<usize>().ok()) else {
            continue;
        };
        if p >= acc.len() || f.len() < 2 + k + MEASURES.len() {
            continue;
        }
        for (m, v) in f[2 + k..2 + k + MEASURES.len()].iter().enumerate() {
            acc[p].0[m] += v.parse::<f64>().unwrap_or(f64::NAN);
        }
        acc[p].1 += 1;
    }
    for (sums, n) in &mut acc {
        for v in sums.iter_mut() {
            *v /= (*n).max(1) as f64;
        }
    }
    Ok((spec, acc))
}

/// Combine the parts written by `--shard K/N` runs into `out`: one sweep.csv
/// sorted by (point, replicate), byte-identical to a one-process sweep, and
/// its sweep.json. Every shard 0..N must be present once and complete.
pub fn merge(out: &Path, parts: &[PathBuf], no_charts: bool) -> Result<Vec<PathBuf>> {
    if parts.is_empty() {
        return Err(Error::Input(
            "merge: expected at least one part directory".into(),
        ));
    }
    let mut spec: Option<SweepSpec> = None;
    let mut shards = Vec::new();
    for d in parts {
        let path = d.join("sweep.json");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::file(&path, format!("cannot read a sweep part: {e}")))?;
        let mut s: SweepSpec = serde_json::from_str(&text)
            .map_err(|e| Error::file(&path, format!("expected a sweep description, got {e}")))?;
        shards.push((s.shard.take(), d));
        match &spec {
            None => spec = Some(s),
            Some(first) if *first != s => {
                return Err(Error::file(
                    &path,
                    format!(
                        "describes another sweep than {}",
                        parts[0].join("sweep.json").display()
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    let spec = spec.expect("one part");
    let count = match shards[0].0 {
        Some(s) => s.count,
        None => 1,
    };
    let mut seen = vec![false; count];
    for (s, d) in &shards {
        let s = s.unwrap_or(Shard { index: 0, count: 1 });
        if s.count != count {
            return Err(Error::file(
                d,
                format!(
                    "expected a shard of {count}, got shard {}/{}",
                    s.index, s.count
                ),
            ));
        }
        if std::mem::replace(&mut seen[s.index], true) {
            return Err(Error::file(
                d,
                format!("shard {}/{count} given twice", s.index),
            ));
        }
    }
    if let Some(k) = seen.iter().position(|s| !s) {
        return Err(Error::Input(format!(
            "merge: expected all {count} shards, shard {k}/{count} is missing"
        )));
    }
    let texts: Vec<(PathBuf, String)> = parts
        .iter()
        .map(|d| {
            let p = d.join("sweep.csv");
            std::fs::read_to_string(&p)
                .map(|t| (p.clone(), t))
                .map_err(|e| Error::file(&p, format!("cannot read: {e}")))
        })
        .collect::<Result<_>>()?;
    let header = spec.header();
    let mut rows = Vec::with_capacity(spec.items());
    for (p, t) in &texts {
        // Only complete lines count (a killed shard may leave a partial last line).
        let complete = &t[..t.rfind('\n').map_or(0, |i| i + 1)];
        let mut lines = complete.lines();
        if lines.next() != Some(header.as_str()) {
            return Err(Error::file(p, format!("expected the header `{header}`")));
        }
        rows.extend(parse_rows(
            p,
            lines.enumerate().map(|(i, l)| (i + 2, l)),
            &spec,
        )?);
    }
    rows.sort_by_key(|r| r.0);
    rows.dedup_by_key(|r| r.0);
    if rows.len() != spec.items() {
        let reps = spec.replicates as usize;
        let have: HashSet<(usize, u32)> = rows.iter().map(|r| r.0).collect();
        let first = (0..spec.items())
            .map(|i| (i / reps, (i % reps) as u32))
            .find(|k| !have.contains(k))
            .unwrap_or_default();
        return Err(Error::Input(format!(
            "merge: expected {} rows, got {} (first missing: point {}, replicate {}); finish the shards first",
            spec.items(),
            rows.len(),
            first.0,
            first.1
        )));
    }
    atomic::create_dir(out)?;
    let mut s = header + "\n";
    for (_, l) in rows {
        s.push_str(l);
        s.push('\n');
    }
    let csv = out.join("sweep.csv");
    atomic::write_file(&csv, s.as_bytes())?;
    let json = out.join("sweep.json");
    atomic::write_file(&json, spec.json().as_bytes())?;
    let years_csv = years::merge(out, parts, &spec)?;
    let mut files = vec![csv, years_csv, json];
    if !no_charts {
        files.extend(charts(out)?);
    }
    Ok(files)
}

/// The charts of a finished sweep directory (a line with a 5–95% band for
/// one varied key, a heatmap for a two-key grid, small multiples for a
/// sample) and its report.html.
pub fn charts(out: &Path) -> Result<Vec<PathBuf>> {
    let mut files = charts::draw(out)?;
    files.push(report::write(out)?);
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse() {
        assert_eq!(
            parse_shard("3/16").unwrap(),
            Shard {
                index: 3,
                count: 16
            }
        );
        assert!(parse_shard("16/16").is_err());
        assert!(parse_shard("1").is_err());
    }
}
