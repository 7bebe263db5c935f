//! `povsim sensitivity SCENARIO --method morris|sobol`: global sensitivity
//! analysis over the priors of the scenario's `[uncertainty]` table, under
//! common random numbers, resumable and splittable into shards (merged by
//! `povsim merge`).

use super::run::with_threads;
use povsim::experiment::sensitivity::analysis::{self, Method, Request};
use povsim::experiment::sweep;
use povsim::output::outdir;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum MethodArg {
    /// Morris screening (elementary effects): μ*, σ; r(k + 1) runs.
    Morris,
    /// Sobol' first-order and total indices (Saltelli design): N(k + 2) runs.
    Sobol,
}

#[derive(Debug, clap::Args)]
pub struct SensitivityArgs {
    /// Scenario file (TOML) with an [uncertainty] table of priors.
    pub scenario: PathBuf,
    /// The method.
    #[arg(long, value_enum)]
    pub method: MethodArg,
    /// Morris: trajectories (default 10); Sobol': base samples N, rounded up to a power of two (default 64).
    #[arg(long, value_name = "N")]
    pub samples: Option<u64>,
    /// The output: a column of trajectory.csv (default headcount_ratio).
    #[arg(long, value_name = "COLUMN")]
    pub measure: Option<String>,
    /// The year of the measure (default: the last simulated year).
    #[arg(long, conflicts_with = "total")]
    pub year: Option<i32>,
    /// The output is the person-years in poverty over the run.
    #[arg(long)]
    pub total: bool,
    /// The output is the paired difference SCENARIO − BASE (the policy effect); the priors are SCENARIO's.
    #[arg(long, value_name = "BASE")]
    pub compare: Option<PathBuf>,
    #[command(flatten)]
    pub common: super::batch::BatchArgs,
    /// Run only the points whose index is K modulo N (merge the parts with `povsim merge`).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
}

pub fn execute(a: SensitivityArgs) -> anyhow::Result<()> {
    // Ctrl-C: the first stops after the running batch (points written stay;
    // a rerun resumes); a second exits at once.
    super::run::stop_on_ctrl_c();
    let method = match a.method {
        MethodArg::Morris => Method::Morris,
        MethodArg::Sobol => Method::Sobol,
    };
    let req = Request {
        method,
        samples: a.samples,
        measure: a.measure.clone(),
        year: a.year,
        total: a.total,
        replicates: a.common.replicates,
        seed: a.common.seed,
        sets: a.common.sets.clone(),
        shard: a.shard.as_deref().map(sweep::parse_shard).transpose()?,
    };
    // Everything is checked (every point of the design loads) before anything is written.
    let (an, notes) = with_threads(a.common.threads, || {
        analysis::prepare(&a.scenario, a.compare.as_deref(), &req)
    })??;
    if !a.common.quiet {
        for n in &notes {
            eprintln!("{n}");
        }
    }
    let spec = &an.spec;
    let out = a.common.out.clone().unwrap_or_else(|| {
        Path::new("out").join(format!(
            "sensitivity-{}-{}",
            spec.scenario,
            match method {
                Method::Morris => "morris",
                Method::Sobol => "sobol",
            }
        ))
    });
    let _lock = outdir::lock_sensitivity(&out)?;
    let s = with_threads(a.common.threads, || {
        analysis::run(&an, &out, !a.common.quiet)
    })??;
    outdir::mark_sensitivity(&out)?;
    if a.common.quiet {
        return Ok(());
    }
    println!(
        "{} keys, {} design points × {} replicates{}: {} points ({} kept from an earlier run, {} run now) in {:.1} s on {} threads ({:.0} household-years per run)",
        spec.factors.len(),
        spec.points,
        spec.replicates,
        match spec.shard {
            Some(sh) => format!(" (shard {}/{})", sh.index, sh.count),
            None => String::new(),
        },
        s.points_total,
        s.points_kept,
        s.points_run,
        s.wall_time_s,
        s.threads,
        an.household_years
    );
    let Some(f) = &s.result else {
        println!(
            "wrote {}; merge the shards with `povsim merge OUT PART...`",
            out.display()
        );
        return Ok(());
    };
    print_result(spec, f);
    println!("wrote {} files to {}", f.files.len(), out.display());
    Ok(())
}

/// The ranked indices, one key a line.
pub fn print_result(
    spec: &analysis::SensitivitySpec,
    f: &povsim::experiment::sensitivity::outputs::Finished,
) {
    use povsim::experiment::sensitivity::outputs::KeyIndices;
    let what = match &spec.compare {
        Some(b) => format!("{} − {b}", spec.scenario),
        None => spec.scenario.clone(),
    };
    println!(
        "output: {what}, {} (mean {:.4}, sd {:.4} across the design); 90% bootstrap intervals",
        f.measure, f.output_mean, f.output_sd
    );
    let w = f.ranked.iter().map(|(k, _)| k.len()).max().unwrap_or(3);
    match spec.method {
        Method::Morris => println!(
            "{:<w$}  {:>28}  {:>11}  {:>11}",
            "key", "mu* [lo, hi]", "mu", "sigma"
        ),
        Method::Sobol => println!(
            "{:<w$}  {:>25}  {:>25}",
            "key", "S1 [lo, hi]", "ST [lo, hi]"
        ),
    }
    for (k, ix) in &f.ranked {
        match ix {
            KeyIndices::Morris(m) => println!(
                "{k:<w$}  {:>10.4} [{:>7.4}, {:>7.4}]  {:>11.4}  {:>11.4}",
                m.mu_star.value, m.mu_star.lo, m.mu_star.hi, m.mu, m.sigma
            ),
            KeyIndices::Sobol(s) => println!(
                "{k:<w$}  {:>7.3} [{:>6.3}, {:>6.3}]  {:>7.3} [{:>6.3}, {:>6.3}]",
                s.first.value, s.first.lo, s.first.hi, s.total.value, s.total.lo, s.total.hi
            ),
        }
    }
    println!("{}", povsim::experiment::sensitivity::report::reading(f));
}
