//! `povsim run`: run a scenario, write its tables, charts and report, print the trajectory.

use povsim::experiment::{self, RunOptions};
use povsim::output::charts::draw::thousands;
use povsim::output::outdir::{Staged, Start};
use povsim::scenario::{self, Scenario};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (TOML), or `classroom` / `l_county` for an embedded one.
    /// Without one, the embedded L County baseline runs.
    pub scenario: Option<PathBuf>,
    /// Output directory (default: out/<scenario name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override the number of replicates.
    #[arg(long)]
    pub replicates: Option<u32>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Override any scalar key: --set simulation.years=20 (same checks as the file); repeat for more keys.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Print nothing but errors.
    #[arg(long)]
    pub quiet: bool,
    /// Write tables only (no charts, no report).
    #[arg(long)]
    pub no_charts: bool,
    /// Save every household's and village's state at the end of YEAR to
    /// OUT/state/YEAR/ (repeat for several years); a scenario continues it
    /// with `[population] from = "OUT/state/YEAR"` (docs/DATA.md).
    #[arg(
        long = "save-state",
        value_name = "YEAR",
        allow_negative_numbers = true
    )]
    pub save_state: Vec<i32>,
}

/// Load the scenario named on the command line (or the embedded default), with overrides.
pub fn load(
    path: Option<&Path>,
    sets: &[String],
    seed: Option<u64>,
    replicates: Option<u32>,
) -> anyhow::Result<Scenario> {
    let mut sets = sets.to_vec();
    if let Some(s) = seed {
        sets.push(format!("simulation.seed={s}"));
    }
    if let Some(r) = replicates {
        sets.push(format!("simulation.replicates={r}"));
    }
    Ok(match path {
        Some(p) => scenario::load(p, &sets)?,
        None => scenario::load_str(
            Path::new("<embedded l_county.toml>"),
            scenario::DEFAULT_SCENARIO,
            &sets,
        )?,
    })
}

/// One line when `--set simulation.households=...` resizes the county: its
/// budgets (yuan) and count targets (persons) stay as written, so help per
/// household and those targets no longer fit its size.
pub fn warn_households(sets: &[String], quiet: bool) {
    if !quiet
        && sets
            .iter()
            .any(|s| s.trim_start().starts_with("simulation.households"))
    {
        eprintln!(
            "note: --set simulation.households changes the number of households, not the budgets (yuan) \
             nor the count targets (poor, extreme_poor): help per household and those targets no longer \
             fit the county's size; scale them with --set too, or read shares and ratios"
        );
    }
}

/// Write an output directory as one unit ([`povsim::output::outdir`]): lock
/// `out`, let `write` fill a staging directory (returning the files it wrote
/// and its result), and swap it in, unless it failed or Ctrl-C came meanwhile.
pub fn staged<T>(
    out: &Path,
    command: &str,
    start: Start,
    write: impl FnOnce(&Path) -> povsim::Result<(Vec<PathBuf>, T)>,
) -> povsim::Result<(Vec<PathBuf>, T)> {
    let stage = Staged::begin(out, command, start)?;
    let (written, res) = write(stage.path()).map_err(|e| stage.name_target(e))?;
    if experiment::interrupted() {
        return Err(povsim::Error::Interrupted("no outputs written".into()));
    }
    let files = written.iter().map(|f| stage.target_path(f)).collect();
    stage.commit(&written)?;
    Ok((files, res))
}

/// Run `f` on a pool of `threads` workers (or the default pool).
pub fn with_threads<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> T + Send,
) -> anyhow::Result<T> {
    match threads {
        Some(0) => Err(povsim::Error::Input(
            "--threads: expected a whole number of at least 1, got 0".into(),
        )
        .into()),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(n).build()?;
            Ok(pool.install(f))
        }
        None => Ok(f()),
    }
}

/// Ctrl-C for every command that runs the model: the first asks the run to
/// stop at its next safe point (each command says what it keeps); a second
/// exits at once with code 130.
pub fn stop_on_ctrl_c() {
    let _ = ctrlc::set_handler(|| {
        if experiment::interrupt() {
            std::process::exit(130);
        }
    });
}

pub fn execute(a: RunArgs) -> anyhow::Result<()> {
    // Ctrl-C: the first stops the run between replicate-years and removes its
    // staging directory (exit code 130); a second exits at once. The output
    // directory is swapped in whole at the end, so neither touches it.
    stop_on_ctrl_c();
    let sc = load(a.scenario.as_deref(), &a.sets, a.seed, a.replicates)?;
    for w in sc.warnings() {
        eprintln!("{w}");
    }
    warn_households(&a.sets, a.quiet);
    if sc.file.sweep.is_some() && !a.quiet {
        eprintln!(
            "note: the [sweep] table is for `povsim sweep`; `povsim run` runs the scenario once as written"
        );
    }
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(&sc.name));
    let opts = RunOptions {
        progress: !a.quiet,
        no_charts: a.no_charts,
        save_state: a.save_state.clone(),
    };
    let (files, res) = with_threads(a.threads, || {
        staged(&out, "run", Start::Fresh, |dir| {
            experiment::run(&sc, dir, &opts).map(|r| (r.files.clone(), r))
        })
    })??;
    if a.quiet {
        return Ok(());
    }
    print_trajectory(&res.summary);
    print_population(&res.summary);
    println!();
    println!(
        "{} households × {} years × {} replicate{} in {:.2} s: {:.2} million household-years per second on {} threads",
        thousands(res.summary.households as f64, 0),
        res.summary.years,
        res.summary.replicates,
        if res.summary.replicates == 1 { "" } else { "s" },
        res.summary.wall_time_s,
        res.summary.household_years_per_second / 1e6,
        res.summary.threads
    );
    println!("wrote {} files to {}", files.len(), out.display());
    Ok(())
}

/// Where the households came from, when not drawn: the margins before and
/// after raking, and how closely the survey's incomes were reproduced.
pub fn print_population(s: &experiment::Summary) {
    let Some(p) = &s.population else { return };
    println!();
    println!(
        "population: {} {} ({} households)",
        p.source, p.file, p.households
    );
    if !p.margins.is_empty() {
        println!(
            "margins raked in {} sweeps (distance from each total: before raking, after, in the households drawn):",
            p.raking_sweeps.unwrap_or(0)
        );
        for m in &p.margins {
            let [b, a, d] = m.distances();
            println!(
                "  {:<48} {:>12} {:>8.3}% {:>8.4}% {:>8.3}%",
                m.cell,
                m.total,
                100.0 * b,
                100.0 * a,
                100.0 * d
            );
        }
    }
    if let Some(r) = &p.incomes {
        println!(
            "first-year incomes equal the survey's (largest gap {:.3} yuan per person): {} of {} households by earning ability alone; a residual (mean {:.0} yuan per person) where no labour income was drawn ({}) or the ability backed out was below 0 or above {} ({})",
            r.max_gap_pc,
            r.by_ability,
            r.households,
            r.mean_residual_pc,
            r.no_labour_income,
            povsim::population::survey::ABILITY_MAX,
            r.out_of_range
        );
    }
}

/// The short trajectory table: replicate means, and the headcount's 5–95%
/// range across replicates when there are at least 2.
pub fn print_trajectory(s: &experiment::Summary) {
    let get = |k: &str| s.measures.get(k).cloned().unwrap_or_default();
    let (pop, poor, hr, ext, mean, gini) = (
        get("population"),
        get("poor"),
        get("headcount_ratio"),
        get("extreme_ratio"),
        get("mean_income"),
        get("gini"),
    );
    let band = s.replicates >= 2;
    if band {
        println!(
            "{} (seed {}, {} replicates): means across replicates; [5%–95%] is the headcount's range across replicates",
            s.scenario, s.seed, s.replicates
        );
    } else {
        println!(
            "{} (seed {}, 1 replicate: no interval; run --replicates 2 or more for one)",
            s.scenario, s.seed
        );
    }
    let hw = if band { 22 } else { 11 };
    println!(
        "{:>6} {:>11} {:>9} {:>hw$} {:>9} {:>12} {:>6}",
        "year", "population", "poor", "headcount %", "extreme %", "mean income", "gini"
    );
    println!(
        "{:>6} {:>11} {:>9} {:>hw$} {:>9} {:>12} {:>6}",
        "", "persons", "persons", "", "", "yuan/person", ""
    );
    for (k, b) in hr.iter().enumerate() {
        let head = if band {
            format!(
                "{:>8.2} [{:>5.2}–{:>5.2}]",
                100.0 * b.mean,
                100.0 * b.p5,
                100.0 * b.p95
            )
        } else {
            format!("{:>11.2}", 100.0 * b.mean)
        };
        println!(
            "{:>6} {:>11} {:>9} {head:>hw$} {:>9.2} {:>12} {:>6.3}",
            b.year,
            thousands(pop[k].mean, 0),
            thousands(poor[k].mean, 0),
            100.0 * ext[k].mean,
            thousands(mean[k].mean, 0),
            gini[k].mean
        );
    }
    if !s.targets.is_empty() {
        println!();
        println!("calibration targets (replicate means):");
        for t in &s.targets {
            let want = match t.bound.as_deref() {
                Some(b) => format!("{b} {}", measure_value(&t.measure, t.value)),
                None => measure_value(&t.measure, t.value),
            };
            println!(
                "  {} {:<16} target {:<16} simulated {:<14} {}",
                t.year,
                t.measure,
                want,
                measure_value(&t.measure, t.simulated),
                if t.met { "met" } else { "MISSED" }
            );
        }
    }
}

/// A value of a trajectory.csv column as the console shows it: shares and
/// ratios in %, persons and households as whole numbers, incomes and lines in
/// yuan, indices (Gini, Theil, Sen, Watts, severity) as they are.
pub fn measure_value(measure: &str, v: f64) -> String {
    match measure {
        "headcount_ratio" | "extreme_ratio" | "poverty_gap" | "bottom40_share" => {
            format!("{:.2}%", 100.0 * v)
        }
        "mean_income" | "median_income" | "poverty_line" | "extreme_line" => {
            format!("{} yuan", thousands(v, 0))
        }
        "gini" | "theil" | "sen" | "watts" | "poverty_severity" => format!("{v:.4}"),
        _ => thousands(v, 0),
    }
}
