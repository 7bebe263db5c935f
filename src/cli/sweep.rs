//! `povsim sweep SCENARIO --vary KEY=...`: a grid (or Latin-hypercube sample)
//! of overrides × replicates under common random numbers, streamed to
//! sweep.csv, resumable, splittable into shards.

use super::run::{load, with_threads};
use povsim::experiment::{self, sweep};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// A varied key: KEY=START:STOP:STEP (inclusive) or KEY=V1,V2,V3. Repeat for a grid.
    #[arg(long = "vary", value_name = "KEY=VALUES", required = true)]
    pub vary: Vec<String>,
    /// A Latin-hypercube sample of N points from the ranges instead of the full grid (keyed by the seed).
    #[arg(long, value_name = "N")]
    pub lhs: Option<usize>,
    /// Replicates per point (default: the scenario's).
    #[arg(long)]
    pub replicates: Option<u32>,
    /// Seed of every point (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Fixed overrides for every point: --set simulation.years=5.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Output directory (default: out/sweep-<scenario name>). A rerun into it resumes.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Run only the (point, replicate) pairs whose index is K modulo N (merge the parts with `povsim merge`).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Print nothing but errors.
    #[arg(long)]
    pub quiet: bool,
    /// Write the table only (no charts).
    #[arg(long)]
    pub no_charts: bool,
}

pub fn execute(a: SweepArgs) -> anyhow::Result<()> {
    // Ctrl-C: the first stops after the running batch (rows already written
    // stay; a rerun resumes); a second exits at once (a partial last line at
    // worst, which the rerun drops).
    let _ = ctrlc::set_handler(|| {
        if experiment::interrupt() {
            std::process::exit(130);
        }
    });
    let sc = load(Some(&a.scenario), &a.sets, a.seed, a.replicates)?;
    let axes = a
        .vary
        .iter()
        .map(|v| sweep::parse_vary(v))
        .collect::<povsim::Result<Vec<_>>>()?;
    for (k, ax) in axes.iter().enumerate() {
        if axes[..k].iter().any(|b| b.key == ax.key) {
            return Err(povsim::Error::Input(format!("--vary: {} given twice", ax.key)).into());
        }
    }
    let shard = a.shard.as_deref().map(sweep::parse_shard).transpose()?;
    let spec = sweep::SweepSpec {
        scenario: sc.name.clone(),
        scenario_digest: sweep::digest(&sc),
        method: if a.lhs.is_some() { "lhs" } else { "grid" }.into(),
        keys: axes.iter().map(|x| x.key.clone()).collect(),
        points: sweep::points(&axes, a.lhs, sc.seed)?,
        replicates: sc.replicates,
        seed: sc.seed,
        sets: a.sets.clone(),
        shard,
    };
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(format!("sweep-{}", sc.name)));
    let opts = sweep::SweepOptions {
        progress: !a.quiet,
        no_charts: a.no_charts,
    };
    let s = with_threads(a.threads, || sweep::sweep(&a.scenario, &spec, &out, &opts))??;
    if a.quiet {
        return Ok(());
    }
    let hy = sc.households() as f64 * sc.years as f64;
    println!(
        "{} points × {} replicates{}: {} rows ({} kept from an earlier run, {} run now) in {:.2} s",
        s.points,
        s.replicates,
        match shard {
            Some(sh) => format!(" (shard {}/{})", sh.index, sh.count),
            None => String::new(),
        },
        s.rows_total,
        s.rows_kept,
        s.rows_run,
        s.wall_time_s
    );
    println!(
        "{:.2} million household-years per second on {} threads (about {:.0} household-years per run)",
        s.household_years_per_second / 1e6,
        s.threads,
        hy
    );
    println!("wrote {} files to {}", s.files.len(), out.display());
    Ok(())
}
