//! `povsim optimize SCENARIO --budget TOTAL`: search how to split a total
//! annual budget across modules, under common random numbers.

use super::run::with_threads;
use povsim::experiment::{self, optimize};
use povsim::output::outdir::Start;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct OptimizeArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Total annual budget to split across the chosen modules, yuan.
    #[arg(long)]
    pub budget: f64,
    /// Modules that share the budget (default: every enabled module but targeting).
    #[arg(long, value_delimiter = ',')]
    pub modules: Vec<String>,
    /// What to minimise: person_years, final_headcount or poverty_gap.
    #[arg(long, default_value = "person_years")]
    pub objective: String,
    /// Allocations to evaluate (at least the equal split and each single module).
    #[arg(long, default_value_t = 40)]
    pub evaluations: usize,
    /// Replicates per allocation (default: the scenario's).
    #[arg(long)]
    pub replicates: Option<u32>,
    /// Seed of every allocation (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Smallest share of any chosen module.
    #[arg(long, default_value_t = 0.0)]
    pub min_share: f64,
    /// Largest share of any chosen module.
    #[arg(long, default_value_t = 1.0)]
    pub max_share: f64,
    /// Fixed overrides: --set simulation.years=5.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Output directory (default: out/optimize-<scenario name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print nothing but errors.
    #[arg(long)]
    pub quiet: bool,
    /// Write the tables only (no chart).
    #[arg(long)]
    pub no_charts: bool,
}

fn shares_text(modules: &[String], shares: &[f64]) -> String {
    modules
        .iter()
        .zip(shares)
        .map(|(m, s)| format!("{m} {:.1}%", 100.0 * s))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn execute(a: OptimizeArgs) -> anyhow::Result<()> {
    let _ = ctrlc::set_handler(|| {
        if experiment::interrupt() {
            std::process::exit(130);
        }
    });
    let sc = super::run::load(Some(&a.scenario), &a.sets, a.seed, a.replicates)?;
    let modules = if a.modules.is_empty() {
        povsim::interventions::build(&sc)
            .iter()
            .map(|m| m.name().to_string())
            .filter(|m| m != "targeting")
            .collect()
    } else {
        a.modules.iter().map(|m| m.trim().to_string()).collect()
    };
    let mut sets = a.sets.clone();
    sets.push(format!("simulation.seed={}", sc.seed));
    sets.push(format!("simulation.replicates={}", sc.replicates));
    let p = optimize::Problem {
        file: a.scenario.clone(),
        sets,
        total: a.budget,
        modules,
        objective: optimize::Objective::parse(&a.objective)?,
        evaluations: a.evaluations,
        min_share: a.min_share,
        max_share: a.max_share,
    };
    let bar = povsim::experiment::progress_bar(
        !a.quiet,
        a.evaluations.max(p.modules.len() + 1) as u64,
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} allocations (eta {eta})",
    );
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(format!("optimize-{}", sc.name)));
    // The output directory is locked from the start (a second writer fails at once).
    let (files, o) = with_threads(a.threads, || {
        super::run::staged(&out, "optimize", Start::Fresh, |dir| {
            let o = optimize::optimize(&p, |_| {
                if let Some(b) = &bar {
                    b.inc(1);
                }
            })?;
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            Ok((optimize::write(&o, dir, a.no_charts)?, o))
        })
    })??;
    if a.quiet {
        return Ok(());
    }
    let unit = match o.objective {
        optimize::Objective::PersonYears => 1.0,
        _ => 100.0,
    };
    let f = |x: f64| {
        if unit == 1.0 {
            format!("{x:.0}")
        } else {
            format!("{:.3}%", unit * x)
        }
    };
    println!(
        "{} (seed {}, {} replicates): {} yuan a year across {}; objective {} (lower is better; 90% intervals; differences paired with the equal split by replicate)",
        o.scenario,
        o.seed,
        o.replicates,
        o.total,
        o.modules.join(", "),
        o.objective.name()
    );
    let show = |label: &str, e: &optimize::Evaluation| {
        println!(
            "{label:<22} {} [{}, {}]  vs equal {} [{}, {}]  {}",
            f(e.objective.mean),
            f(e.objective.lo),
            f(e.objective.hi),
            f(e.vs_equal.mean),
            f(e.vs_equal.lo),
            f(e.vs_equal.hi),
            shares_text(&o.modules, &e.shares)
        );
    };
    show("best", o.best());
    for (k, e) in o.ranked().iter().skip(1).take(4).enumerate() {
        show(&format!("runner-up {}", k + 1), e);
    }
    show("equal split", o.equal());
    for e in o.trace.iter().filter(|e| e.kind.starts_with("single:")) {
        show(&e.kind, e);
    }
    let b = o.best();
    if b.index == 0 {
        println!("no allocation tried beats the equal split.");
    } else if b.vs_equal.hi < 0.0 {
        println!(
            "the best allocation is better than the equal split (the 90% interval of the difference is below 0)."
        );
    } else {
        println!(
            "the best allocation's gain over the equal split is within the noise (its 90% interval includes 0); more replicates would tell."
        );
    }
    println!("wrote {} files to {}", files.len(), out.display());
    Ok(())
}
