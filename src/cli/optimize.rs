//! `povsim optimize SCENARIO --budget TOTAL`: search how to split a total
//! annual budget across modules, under common random numbers.

use super::run::with_threads;
use povsim::experiment::optimize;
use povsim::output::charts::draw::{money_scale, thousands};
use povsim::output::outdir::Start;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct OptimizeArgs {
    /// Scenario file (TOML), or `classroom` / `l_county` for an embedded one.
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
    /// Allocations to evaluate, exactly: the equal split, each single module while there is room, then the search.
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
    /// Fixed overrides: --set simulation.years=5; repeat for more keys.
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

/// Each module's share in % and in yuan a year.
fn shares_text(modules: &[String], shares: &[f64], total: f64) -> String {
    modules
        .iter()
        .zip(shares)
        .map(|(m, s)| format!("{m} {:.1}% ({} yuan)", 100.0 * s, thousands(s * total, 0)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn execute(a: OptimizeArgs) -> anyhow::Result<()> {
    super::run::stop_on_ctrl_c();
    let sc = super::run::load(Some(&a.scenario), &a.sets, a.seed, a.replicates)?;
    super::run::warn_households(&a.sets, a.quiet);
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
        a.evaluations as u64,
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
    let reps = o.replicates;
    println!(
        "{} (seed {}, {reps} replicate{}): {} yuan a year across {}; objective {} (lower is better; {}; differences paired with the equal split by replicate; spent = realised spending of all modules over the run)",
        o.scenario,
        o.seed,
        if reps == 1 { "" } else { "s" },
        thousands(o.total, 0),
        o.modules.join(", "),
        o.objective.name(),
        if reps < 2 {
            povsim::experiment::compare::no_interval(reps)
        } else {
            "90% intervals".to_string()
        }
    );
    let (div, money) = money_scale(o.trace.iter().map(|e| e.spending).fold(0.0, f64::max));
    let show = |label: &str, e: &optimize::Evaluation| {
        println!(
            "{label:<22} {}  vs equal {}  spent {} {money}  {}  [{}]",
            e.objective.text(reps, f),
            e.vs_equal.text(reps, f),
            thousands(e.spending / div, if div > 1.0 { 1 } else { 0 }),
            shares_text(&o.modules, &e.shares, o.total),
            e.kind
        );
    };
    // Each allocation once: the best, the runners-up, then the equal split
    // and the single-module runs not already listed.
    let best = o.best();
    show(
        if reps < 2 {
            "lowest (one draw)"
        } else {
            "best"
        },
        best,
    );
    let mut shown = vec![best.index];
    for (k, e) in o.runners_up(4).into_iter().enumerate() {
        show(&format!("runner-up {}", k + 1), e);
        shown.push(e.index);
    }
    for e in o
        .trace
        .iter()
        .filter(|e| e.index == 0 || e.kind.starts_with("single:"))
    {
        if !shown.contains(&e.index) {
            show(if e.index == 0 { "equal split" } else { &e.kind }, e);
        }
    }
    for line in o.verdict() {
        println!("{line}");
    }
    println!("wrote {} files to {}", files.len(), out.display());
    Ok(())
}
