//! Experiments wrap the engine without reaching inside it: a run is a set of
//! replicates whose yearly records stream to the tables; the summary gives,
//! per year, the mean and the 5th and 95th percentiles across replicates.

pub mod calibrate;
pub mod compare;
pub mod history;
pub mod optimize;
pub mod sensitivity;
pub mod sweep;
pub mod trace;

use crate::engine;
use crate::error::Result;
use crate::measures::percentile;
use crate::output::charts::data::{self, OutputData};
pub use crate::output::summary::{Band, PopulationSummary, SpendingSummary, Summary, TargetOut};
use crate::output::{
    atomic, state,
    tables::{Optional, RunTables},
};
use crate::population::survey::ImportReport;
use crate::recorder::{TRAJECTORY_COLUMNS, YearRecord};
use crate::scenario::{Scenario, Start};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Set by Ctrl-C ([`interrupt`]); runs check it between replicate-years.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Ask running experiments to stop at the next replicate-year, leaving no
/// output behind (for the Ctrl-C handler). Returns whether one was already asked.
pub fn interrupt() -> bool {
    INTERRUPTED.swap(true, Ordering::SeqCst)
}

/// Whether an interrupt has been asked for.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

fn interrupted_error() -> crate::error::Error {
    crate::error::Error::Interrupted("no outputs written".into())
}

/// Options of a run.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Show a progress bar (on a terminal).
    pub progress: bool,
    /// Skip charts and report (tables only).
    pub no_charts: bool,
    /// Save the complete state at the end of these years (`--save-state`).
    pub save_state: Vec<i32>,
}

/// States saved at the end of some years, under `OUT/state/YEAR/`.
pub struct SaveStates {
    out: PathBuf,
    years: Vec<i32>,
    files: Mutex<Vec<PathBuf>>,
    /// The modules' own columns (the same in every replicate), for the manifests.
    own: Mutex<state::OwnSpecs>,
}

impl SaveStates {
    /// Save at the end of each of `years` (each a year `sc` runs) under `out`.
    pub fn new(sc: &Scenario, out: &Path, years: &[i32]) -> Result<Self> {
        for &y in years {
            if y < sc.start_year || y > sc.end_year() {
                return Err(crate::error::Error::Input(format!(
                    "--save-state {y}: expected a year the run simulates, {} to {}",
                    sc.start_year,
                    sc.end_year()
                )));
            }
        }
        let mut years = years.to_vec();
        years.sort_unstable();
        years.dedup();
        Ok(SaveStates {
            out: out.to_path_buf(),
            years,
            files: Mutex::new(Vec::new()),
            own: Mutex::new(Default::default()),
        })
    }

    /// Save `sim`'s state if the year it has just run is one to save.
    fn after_step(&self, sim: &mut engine::Simulation) -> Result<()> {
        let year = sim.year - 1;
        if self.years.contains(&year) {
            let (files, own) = state::write_replicate(&state::dir(&self.out, year), sim)?;
            self.files.lock().expect("no panic holds it").extend(files);
            *self.own.lock().expect("no panic holds it") = own;
        }
        Ok(())
    }

    /// Write the manifests; every file written, in order.
    fn finish(self, sc: &Scenario) -> Result<Vec<PathBuf>> {
        let mut files = self.files.into_inner().expect("no panic holds it");
        let own = self.own.into_inner().expect("no panic holds it");
        files.sort();
        for &y in &self.years {
            files.push(state::write_manifest(
                &state::dir(&self.out, y),
                sc,
                y,
                &own,
            )?);
        }
        Ok(files)
    }
}

/// The result of a run.
pub struct RunResult {
    pub summary: Summary,
    pub files: Vec<PathBuf>,
}

/// Per replicate and year, the trajectory values (kept for the summary: small).
type Values = Vec<Vec<[f64; TRAJECTORY_COLUMNS.len()]>>;

/// Run every replicate of `sc`, streaming records to `sink` in replicate order.
/// Small populations run several replicates at once (parallel over replicates);
/// large ones one at a time (parallel over households).
pub fn run_records(sc: &Scenario, sink: impl FnMut(YearRecord) -> Result<()>) -> Result<()> {
    run_records_until(sc, &interrupted, sink).map_err(|e| match e {
        Stopped::Error(e) => e,
        Stopped::Asked => interrupted_error(),
    })
}

/// Why [`run_records_until`] stopped early.
#[derive(Debug)]
pub enum Stopped {
    /// `stop()` said so (between replicate-years).
    Asked,
    /// An error (from the sink).
    Error(crate::error::Error),
}

impl From<crate::error::Error> for Stopped {
    fn from(e: crate::error::Error) -> Self {
        Stopped::Error(e)
    }
}

/// [`run_records`] that stops between replicate-years as soon as `stop()` is
/// true (Ctrl-C for `run`; a newer request for the teaching page).
pub fn run_records_until(
    sc: &Scenario,
    stop: &(dyn Fn() -> bool + Sync),
    sink: impl FnMut(YearRecord) -> Result<()>,
) -> std::result::Result<(), Stopped> {
    run_records_saving(sc, stop, None, sink)
}

/// How many replicates [`run_records_saving`] runs side by side: small
/// populations four per thread (each replicate's own parallelism has too
/// little to split); a county of up to a quarter of a million households
/// one per thread, as far as a quarter of the memory available holds them
/// (at 160,000 households two threads get ~1.5 × from one replicate's
/// parallel scans, ~1.9 × from two replicates side by side); larger ones
/// one at a time, parallel within. The records reach the sink in replicate
/// order whatever the batch, so the outputs do not depend on it.
pub(crate) fn replicates_at_once(sc: &Scenario) -> u32 {
    let threads = rayon::current_num_threads().max(1) as u64;
    let batch = match sc.households() {
        0..=50_000 => threads * 4,
        50_001..=250_000 => threads,
        _ => 1,
    };
    batch
        .min(crate::scenario::limits::replicates_held(sc))
        .max(1) as u32
}

/// [`run_records_until`], saving states as `save` asks after each year.
pub fn run_records_saving(
    sc: &Scenario,
    stop: &(dyn Fn() -> bool + Sync),
    save: Option<&SaveStates>,
    mut sink: impl FnMut(YearRecord) -> Result<()>,
) -> std::result::Result<(), Stopped> {
    let saved = |sim: &mut engine::Simulation| save.map_or(Ok(()), |s| s.after_step(sim));
    let batch = replicates_at_once(sc);
    let mut rep = 0;
    while rep < sc.replicates {
        let end = (rep + batch).min(sc.replicates);
        if end - rep == 1 {
            // engine::run_replicate, stepping by hand to stop between years.
            let mut sim = engine::Simulation::new(sc, rep)?;
            for _ in 0..sc.years {
                if stop() {
                    return Err(Stopped::Asked);
                }
                let record = sim.step();
                saved(&mut sim)?;
                sink(record)?;
            }
        } else {
            let batches: Vec<Result<Vec<YearRecord>>> = (rep..end)
                .into_par_iter()
                .map(|r| {
                    let mut v = Vec::with_capacity(sc.years as usize);
                    let mut sim = engine::Simulation::new(sc, r)?;
                    for _ in 0..sc.years {
                        if stop() {
                            break;
                        }
                        v.push(sim.step());
                        saved(&mut sim)?;
                    }
                    Ok(v)
                })
                .collect();
            if stop() {
                return Err(Stopped::Asked);
            }
            for b in batches {
                for r in b? {
                    sink(r)?;
                }
            }
        }
        rep = end;
    }
    Ok(())
}

/// Which optional tables a run of `sc` writes: (spending, targeting).
fn tables_of(sc: &Scenario) -> Optional {
    let modules = crate::interventions::build(sc);
    Optional {
        spending: !modules.is_empty(),
        targeting: modules.iter().any(|m| m.name() == "targeting"),
        loans: modules.iter().any(|m| m.name() == "microfinance"),
    }
}

/// Run `sc` with its tables kept in memory, read back as `povsim plot` reads
/// a run's files (the teaching page draws its charts from them); stops as
/// [`run_records_until`] does.
pub fn run_in_memory(
    sc: &Scenario,
    stop: &(dyn Fn() -> bool + Sync),
) -> std::result::Result<OutputData, Stopped> {
    let mut tables = RunTables::in_memory(tables_of(sc));
    run_records_until(sc, stop, |r| tables.record(&r))?;
    let summary = data::Summary {
        scenario: sc.name.clone(),
        seed: Some(sc.seed),
        replicates: Some(u64::from(sc.replicates)),
        start_year: Some(i64::from(sc.start_year)),
        years: Some(u64::from(sc.years)),
        households: Some(sc.households()),
        targets: sc
            .file
            .targets
            .iter()
            .filter_map(|t| {
                Some(data::Target {
                    year: i32::try_from(t.year).ok()?,
                    measure: t.measure.clone(),
                    value: t.value,
                })
            })
            .collect(),
        ..Default::default()
    };
    Ok(OutputData::from_memory(&tables.into_memory(), summary)?)
}

/// Run a scenario into `out`: tables, summary.json, and (unless disabled) charts and report.
pub fn run(sc: &Scenario, out: &Path, opts: &RunOptions) -> Result<RunResult> {
    atomic::create_dir(out)?;
    let t0 = Instant::now();
    let mut tables = RunTables::create(out, tables_of(sc))?;
    let mut values: Values = vec![Vec::with_capacity(sc.years as usize); sc.replicates as usize];
    let mut spending: BTreeMap<String, f64> = BTreeMap::new();
    let bar = progress_bar(
        opts.progress,
        sc.replicates as u64 * sc.years as u64,
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} replicate-years (eta {eta})",
    );
    let save = SaveStates::new(sc, out, &opts.save_state)?;
    let mut import = None;
    let res = run_records_until_saving(sc, &save, |r| {
        values[r.replicate as usize].push(r.trajectory_values());
        for s in &r.ledger.spending {
            *spending.entry(s.module.to_string()).or_default() += s.spent;
        }
        if let Some(b) = &bar {
            b.inc(1);
        }
        tables.record(&r)
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Err(e) = res {
        tables.abandon();
        return Err(e);
    }
    if interrupted() {
        tables.abandon();
        return Err(interrupted_error());
    }
    let mut files = tables.commit()?;
    files.extend(save.finish(sc)?);
    if let Start::Survey(_) = sc.start {
        // Replicate 0's import, again (cheap beside the run): how closely incomes were reproduced.
        import = engine::Simulation::new(sc, 0)?.import;
    }
    let wall = t0.elapsed().as_secs_f64();
    let hy = sc.households() as f64 * sc.years as f64 * sc.replicates as f64;
    let mut summary = summarize(sc, &values, spending, wall, hy / wall.max(1e-9));
    summary.population = population_summary(sc, import);
    let json = serde_json::to_string_pretty(&summary).expect("summary serializes");
    let path = out.join("summary.json");
    atomic::write_file(&path, json.as_bytes())?;
    files.push(path);
    if !opts.no_charts {
        files.push(trace::write_stories(sc, out)?);
        files.extend(crate::output::charts::draw_all_as(out, sc.file.output.png)?);
        files.push(crate::output::report::write_report(out)?);
    }
    Ok(RunResult { summary, files })
}

/// [`run_records`] (stopping on Ctrl-C), saving states as `save` asks.
fn run_records_until_saving(
    sc: &Scenario,
    save: &SaveStates,
    sink: impl FnMut(YearRecord) -> Result<()>,
) -> Result<()> {
    run_records_saving(sc, &interrupted, Some(save), sink).map_err(|e| match e {
        Stopped::Error(e) => e,
        Stopped::Asked => interrupted_error(),
    })
}

/// summary.json's `population` for a scenario that starts from data.
pub fn population_summary(
    sc: &Scenario,
    incomes: Option<ImportReport>,
) -> Option<PopulationSummary> {
    match &sc.start {
        Start::Drawn => None,
        Start::Survey(s) => Some(PopulationSummary {
            source: "survey".into(),
            file: s.file.display().to_string(),
            rows: Some(s.rows()),
            households: s.households(),
            margins: s.margins.clone(),
            raking_sweeps: (!s.margins.is_empty()).then_some(s.sweeps),
            incomes,
        }),
        Start::Saved(st) => Some(PopulationSummary {
            source: "saved state".into(),
            file: st.dir.display().to_string(),
            rows: None,
            households: st.manifest.households,
            margins: Vec::new(),
            raking_sweeps: None,
            incomes: None,
        }),
    }
}

/// A progress bar on standard error, only on a terminal; `template` names
/// what is counted (indicatif's template: `{pos}/{len} replicate-years`).
pub fn progress_bar(show: bool, len: u64, template: &str) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !show || !std::io::stderr().is_terminal() {
        return None;
    }
    let b = indicatif::ProgressBar::new(len);
    b.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(b)
}

/// Mean and 90% band across replicates of every trajectory column, per year.
pub fn bands(sc: &Scenario, values: &Values) -> BTreeMap<String, Vec<Band>> {
    let mut out = BTreeMap::new();
    for (k, col) in TRAJECTORY_COLUMNS.iter().enumerate() {
        let mut rows = Vec::with_capacity(sc.years as usize);
        for t in 0..sc.years as usize {
            let mut xs: Vec<f64> = values
                .iter()
                .filter_map(|rep| rep.get(t).map(|v| v[k]))
                .collect();
            if xs.is_empty() {
                continue;
            }
            let mean = xs.iter().sum::<f64>() / xs.len() as f64;
            rows.push(Band {
                year: sc.start_year + t as i32,
                mean,
                p5: percentile(&mut xs, 0.05),
                p95: percentile(&mut xs, 0.95),
            });
        }
        out.insert(col.to_string(), rows);
    }
    out
}

fn summarize(
    sc: &Scenario,
    values: &Values,
    spending: BTreeMap<String, f64>,
    wall: f64,
    hy_per_s: f64,
) -> Summary {
    let measures = bands(sc, values);
    let targets = sc
        .file
        .targets
        .iter()
        .filter(|t| t.year >= sc.start_year as i64 && t.year <= sc.end_year() as i64)
        .map(|t| {
            let simulated = measures
                .get(&t.measure)
                .and_then(|rows| rows.iter().find(|b| b.year as i64 == t.year))
                .map(|b| b.mean)
                .unwrap_or(f64::NAN);
            TargetOut {
                year: t.year,
                measure: t.measure.clone(),
                value: t.value,
                tolerance: t.tolerance,
                relative_tolerance: t.relative_tolerance,
                bound: t.bound.clone(),
                simulated,
                met: target_met(t, simulated),
            }
        })
        .collect();
    let f = &sc.file;
    let parameters = vec![
        ("villages".into(), sc.villages.to_string()),
        ("households".into(), sc.households().to_string()),
        (
            "years".into(),
            format!("{}–{}", sc.start_year, sc.end_year()),
        ),
        ("replicates".into(), sc.replicates.to_string()),
        ("seed".into(), sc.seed.to_string()),
        (
            "poverty line (first year)".into(),
            format!("{:.0} yuan", f.poverty_lines.low_income.at(sc.start_year)),
        ),
        (
            "poverty line (last year)".into(),
            format!("{:.0} yuan", f.poverty_lines.low_income.at(sc.end_year())),
        ),
        (
            "extreme line (first year)".into(),
            format!("{:.0} yuan", f.poverty_lines.extreme.at(sc.start_year)),
        ),
        ("modules".into(), {
            let m: Vec<&str> = crate::interventions::build(sc)
                .iter()
                .map(|m| m.name())
                .collect();
            if m.is_empty() {
                "none".into()
            } else {
                m.join(", ")
            }
        }),
    ];
    let spending = (!spending.is_empty()).then(|| {
        let per_rep: BTreeMap<String, f64> = spending
            .into_iter()
            .map(|(k, v)| (k, v / sc.replicates as f64))
            .collect();
        SpendingSummary {
            total: per_rep.values().sum(),
            by_module: per_rep,
        }
    });
    Summary {
        scenario: sc.name.clone(),
        seed: sc.seed,
        replicates: sc.replicates,
        version: env!("CARGO_PKG_VERSION").to_string(),
        start_year: sc.start_year,
        years: sc.years,
        households: sc.households(),
        wall_time_s: wall,
        household_years_per_second: hy_per_s,
        threads: rayon::current_num_threads(),
        targets,
        measures,
        parameters,
        spending,
        population: None,
    }
}

/// Whether a simulated value meets a calibration target.
pub fn target_met(t: &crate::scenario::raw::Target, simulated: f64) -> bool {
    match t.bound.as_deref() {
        Some("below") => simulated < t.value,
        Some("above") => simulated > t.value,
        _ => {
            let tol = t
                .tolerance
                .unwrap_or(0.0)
                .max(t.relative_tolerance.unwrap_or(0.0) * t.value.abs());
            (simulated - t.value).abs() <= tol
        }
    }
}
