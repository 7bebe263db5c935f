//! `povsim calibrate SCENARIO`: fit the keys of the file's `[calibration]`
//! table to its targets (simulated method of moments under common random
//! numbers), resumable from its log, with identification diagnostics.

use super::run::with_threads;
use povsim::experiment::calibrate::identify_sig as sig;
use povsim::experiment::{self, calibrate};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// Scenario file (TOML) with a [calibration] table.
    pub scenario: PathBuf,
    #[command(flatten)]
    pub common: super::batch::BatchArgs,
    /// Evaluations of the search: Latin hypercube and local search (default: the table's, else 100).
    /// The diagnostics add 11 per fitted key.
    #[arg(long)]
    pub evaluations: Option<usize>,
    /// Points of the Latin-hypercube start (default: the table's, else 8 per key).
    #[arg(long)]
    pub lhs: Option<usize>,
    /// Write no charts and no report.
    #[arg(long)]
    pub no_charts: bool,
}

pub fn execute(a: CalibrateArgs) -> anyhow::Result<()> {
    // Ctrl-C: the first stops after the running evaluation (the log keeps
    // every finished one; a rerun resumes); a second exits at once.
    super::run::stop_on_ctrl_c();
    let t0 = std::time::Instant::now();
    let sc = a.common.load(&a.scenario, |sc| {
        sc.calibration.as_ref().and_then(|c| c.replicates)
    })?;
    // Every check (the table, its keys at both bounds) before anything is written.
    let p = calibrate::Problem::new(&a.scenario, sc, &a.common.sets, a.evaluations, a.lhs)?;
    let out = a
        .common
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(format!("calibrate-{}", p.spec.scenario)));
    let k = p.spec.keys.len();
    let bar = experiment::progress_bar(
        !a.common.quiet,
        (p.evaluations + k * (2 + calibrate::PROFILE_POINTS)) as u64,
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} evaluations, best loss {msg} (eta {eta})",
    );
    let mut tick = |pr: calibrate::Progress| {
        if let Some(b) = &bar {
            b.set_message(sig(pr.best));
            b.set_position(pr.done as u64);
        }
    };
    // The log is appended in place, under the lock of the output directory.
    let _lock = povsim::output::outdir::lock_calibration(&out)?;
    let res = with_threads(a.common.threads, || {
        calibrate::calibrate(&p, &out, &mut tick)
    })?;
    if let Some(b) = &bar {
        if res.is_ok() {
            b.finish_and_clear();
        } else {
            b.abandon();
        }
    }
    let c = res?;
    let files = with_threads(a.common.threads, || {
        calibrate::write(&c, &p, &out, a.no_charts)
    })??;
    povsim::output::outdir::mark_calibration(&out)?;
    if a.common.quiet {
        return Ok(());
    }
    let held = c.targets.iter().filter(|t| t.held_out).count();
    println!(
        "{}: {} keys fitted to {} targets ({} held out), {} evaluations × {} replicates (seed {}; {} run now, {} read from calibration.csv) in {:.1} s",
        c.scenario,
        k,
        c.targets.len() - held,
        held,
        c.evaluations,
        c.replicates,
        c.seed,
        c.ran,
        c.evaluations - c.ran,
        t0.elapsed().as_secs_f64()
    );
    println!(
        "loss {} at evaluation {} (fitted targets' squared misses in standard errors){}",
        sig(c.loss),
        c.best_evaluation,
        if held > 0 {
            format!("; held-out targets {}", sig(c.held_out_loss))
        } else {
            String::new()
        }
    );
    println!();
    println!("fitted values (± approximate standard error; 90% interval; bounds):");
    let w = c.keys.iter().map(|k| k.key.len()).max().unwrap_or(0);
    for kr in &c.keys {
        println!(
            "  {:<w$}  {:>12} ± {:<10} [{}, {}]  bounds {}–{}",
            kr.key,
            kr.value_text,
            kr.se.map_or("?".to_string(), sig),
            sig(kr.interval_90[0]),
            sig(kr.interval_90[1]),
            kr.bounds[0],
            kr.bounds[1]
        );
    }
    println!();
    println!("targets (simulated mean [5%–95%] at the best values; miss in standard errors):");
    for t in &c.targets {
        let want = match t.bound {
            Some(povsim::scenario::calibration::Bound::Above) => format!("> {}", sig(t.value)),
            Some(povsim::scenario::calibration::Bound::Below) => format!("< {}", sig(t.value)),
            None => format!("{} ± {}", sig(t.value), sig(t.se)),
        };
        println!(
            "  {} {:<16} target {:<20} simulated {} [{}–{}]  miss {:+.2}  {}",
            t.year,
            t.measure,
            want,
            sig(t.simulated),
            sig(t.p5),
            sig(t.p95),
            t.error_se,
            if t.held_out { "held out" } else { "fitted" }
        );
    }
    println!();
    if c.diagnostics.is_empty() {
        println!(
            "identification: every key moves the loss, none at a bound, none weakly identified, no strongly correlated pair"
        );
    } else {
        println!("identification:");
        for d in &c.diagnostics {
            println!("  - {d}");
        }
    }
    println!();
    println!("wrote {} files to {}", files.len(), out.display());
    Ok(())
}
