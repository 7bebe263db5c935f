//! `povsim sweep SCENARIO [--vary KEY=...]`: a grid (or Latin-hypercube
//! sample, or explicit list of points) of overrides × replicates under common
//! random numbers, streamed to sweep.csv, resumable, splittable into shards.
//! Without `--vary`, the scenario file's `[sweep]` table says what to vary.

use super::run::with_threads;
use povsim::experiment::sweep;
use povsim::output::charts::draw::thousands;
use povsim::scenario::validate::SweepDesign;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Scenario file (TOML), or `classroom` / `l_county` for an embedded one.
    pub scenario: PathBuf,
    /// A varied key: KEY=START:STOP:STEP (inclusive) or KEY=V1,V2,V3. Repeat for a grid.
    /// Replaces the `vary`, `points` and `lhs` of the file's [sweep] table (default: the table's).
    #[arg(long = "vary", value_name = "KEY=VALUES")]
    pub vary: Vec<String>,
    /// A Latin-hypercube sample of N points from the ranges instead of the full grid (keyed by the seed).
    #[arg(long, value_name = "N")]
    pub lhs: Option<usize>,
    #[command(flatten)]
    pub common: super::batch::BatchArgs,
    /// Run only the (point, replicate) pairs whose index is K modulo N (merge the parts with `povsim merge`).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Write the table only (no charts).
    #[arg(long)]
    pub no_charts: bool,
}

pub fn execute(a: SweepArgs) -> anyhow::Result<()> {
    // Ctrl-C: the first stops after the running batch (rows already written
    // stay; a rerun resumes); a second exits at once (a partial last line at
    // worst, which the rerun drops).
    super::run::stop_on_ctrl_c();
    let sc = a.common.load(&a.scenario, |sc| {
        sc.sweep.as_ref().and_then(|t| t.replicates)
    })?;
    let table = sc.sweep.clone();
    let (method, keys, points) = if !a.vary.is_empty() {
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
        design(axes, a.lhs, sc.seed)?
    } else {
        // The [sweep] table: its values are checked against the scenario
        // first, so a bad key or value names its place in the file.
        sc.check_sweep()?;
        match table.map(|t| (t.design, t.lhs)) {
            Some((SweepDesign::Axes(axes), lhs)) => design(axes, a.lhs.or(lhs), sc.seed)?,
            Some((SweepDesign::Points { keys, points }, _)) => {
                if a.lhs.is_some() {
                    return Err(povsim::Error::Input(format!(
                        "--lhs: expected ranges to sample, but the [sweep] table of {} lists explicit points (give --vary to sample)",
                        a.scenario.display()
                    ))
                    .into());
                }
                ("points".to_string(), keys, points)
            }
            _ => {
                return Err(povsim::Error::Input(format!(
                    "sweep: expected --vary KEY=START:STOP:STEP | KEY=V1,V2,... or a [sweep] table with `vary` or `points` in {}",
                    a.scenario.display()
                ))
                .into());
            }
        }
    };
    let shard = a.shard.as_deref().map(sweep::parse_shard).transpose()?;
    let spec = sweep::SweepSpec {
        scenario: sc.name.clone(),
        scenario_digest: sweep::digest(&sc),
        method,
        keys,
        points,
        replicates: sc.replicates,
        seed: sc.seed,
        sets: a.common.sets.clone(),
        shard,
    };
    let out = a
        .common
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(format!("sweep-{}", sc.name)));
    let opts = sweep::SweepOptions {
        progress: !a.common.quiet,
        no_charts: a.no_charts,
    };
    // Rows are appended in place, under the lock of the output directory.
    let _lock = povsim::output::outdir::lock_sweep(&out)?;
    let s = with_threads(a.common.threads, || {
        sweep::sweep(&a.scenario, &spec, &out, &opts)
    })??;
    povsim::output::outdir::mark_sweep(&out)?;
    if a.common.quiet {
        return Ok(());
    }
    let hy = sc.households() as f64 * sc.years as f64;
    if shard.is_none() {
        print_results(&out)?;
    }
    if s.rows_run == 0 {
        println!(
            "already complete: all {} rows were in {} from an earlier run; nothing was run \
             (remove the directory, or use another --out, to run it again)",
            s.rows_total,
            out.join("sweep.csv").display()
        );
        println!("wrote {} files to {}", s.files.len(), out.display());
        return Ok(());
    }
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
        "{:.2} million household-years per second on {} threads (about {} household-years per run)",
        s.household_years_per_second / 1e6,
        s.threads,
        thousands(hy, 0)
    );
    println!("wrote {} files to {}", s.files.len(), out.display());
    Ok(())
}

/// The short console summary of a finished sweep: per point (the 5 lowest
/// and 5 highest final-year headcounts when there are more than 12 points),
/// its values and the means over replicates of the final-year headcount,
/// the person-years in poverty and the spending.
pub fn print_results(out: &Path) -> anyhow::Result<()> {
    let (spec, means) = sweep::point_means(out)?;
    let col = |m: &str| sweep::MEASURES.iter().position(|x| *x == m).unwrap_or(0);
    let (hc, py, sp) = (col("headcount_ratio"), col("person_years"), col("spending"));
    let mut order: Vec<usize> = (0..means.len()).filter(|&p| means[p].1 > 0).collect();
    order.sort_by(|&a, &b| means[a].0[hc].total_cmp(&means[b].0[hc]).then(a.cmp(&b)));
    let shown: Vec<usize> = if order.len() > 12 {
        let mut v = order[..5].to_vec();
        v.extend_from_slice(&order[order.len() - 5..]);
        v
    } else {
        order.clone()
    };
    println!(
        "results, lowest final-year headcount first (means over {} replicate{}; one row per replicate in sweep.csv):",
        spec.replicates,
        if spec.replicates == 1 { "" } else { "s" }
    );
    let widths: Vec<usize> = spec.keys.iter().map(|k| k.len().max(8)).collect();
    let mut head = format!("{:>6}", "point");
    for (k, w) in spec.keys.iter().zip(&widths) {
        head.push_str(&format!("  {k:>w$}"));
    }
    println!(
        "{head}  {:>11}  {:>17}  {:>15}",
        "headcount %", "person-years poor", "spending, yuan"
    );
    for (n, &p) in shown.iter().enumerate() {
        if order.len() > 12 && n == 5 {
            println!("{:>6}  … {} more points …", "", order.len() - 10);
        }
        let mut line = format!("{p:>6}");
        for (v, w) in spec.points[p].iter().zip(&widths) {
            line.push_str(&format!("  {v:>w$}"));
        }
        let m = &means[p].0;
        println!(
            "{line}  {:>11.2}  {:>17}  {:>15}",
            100.0 * m[hc],
            thousands(m[py], 0),
            thousands(m[sp], 0)
        );
    }
    Ok(())
}

/// A grid (or with `lhs` a Latin-hypercube sample) of axes: (method, keys, points).
fn design(
    axes: Vec<sweep::Axis>,
    lhs: Option<usize>,
    seed: u64,
) -> povsim::Result<(String, Vec<String>, Vec<Vec<String>>)> {
    Ok((
        if lhs.is_some() { "lhs" } else { "grid" }.to_string(),
        axes.iter().map(|x| x.key.clone()).collect(),
        sweep::points(&axes, lhs, seed)?,
    ))
}
