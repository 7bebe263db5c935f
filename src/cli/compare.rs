//! `povsim compare BASE REFORM...`: every reform against the base, under
//! common random numbers, with paired 90% intervals and cost-effectiveness.

use super::run::{load, with_threads};
use povsim::experiment::{self, compare};
use povsim::output::charts::draw::thousands;
use povsim::output::outdir::Start;
use std::path::{Path, PathBuf};

mod decompose;
mod param_draws;

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The base scenario, then one or more reforms (files, or `classroom` /
    /// `l_county` for an embedded one).
    #[arg(required = true, num_args = 2.., value_names = ["BASE", "REFORM"])]
    pub scenarios: Vec<PathBuf>,
    /// Replicates for every scenario (default: the base's).
    #[arg(long)]
    pub replicates: Option<u32>,
    /// Seed for every scenario (default: the base's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory (default: out/compare).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Also draw N parameter sets from each reform's [uncertainty] priors and give both intervals (replicate noise; parameters and replicates).
    #[arg(long, value_name = "N")]
    pub param_draws: Option<usize>,
    /// Override any scalar key in every scenario: --set simulation.years=20 (same checks as the file); repeat for more keys.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Attribute each reform's difference to its modules (Shapley values, or one at a time): decompose.csv.
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "shapley", value_name = "HOW")]
    pub decompose: Option<decompose::DecomposeArg>,
    /// Print nothing but errors.
    #[arg(long)]
    pub quiet: bool,
    /// Write tables only (no charts, no report).
    #[arg(long)]
    pub no_charts: bool,
}

/// Why the headcount is not enough (printed with every comparison).
const HEADCOUNT_NOTE: &str = "the headcount counts only who crosses the line, so it rewards lifting people just over it; the gap, severity (FGT2) and Watts index also weigh how far below the line the poor are";

pub fn execute(a: CompareArgs) -> anyhow::Result<()> {
    let base = load(Some(&a.scenarios[0]), &a.sets, a.seed, a.replicates)?;
    super::run::warn_households(&a.sets, a.quiet);
    // Every reform runs with the base's seed and replicates: common random numbers.
    let reforms = a.scenarios[1..]
        .iter()
        .map(|p| load(Some(p), &a.sets, Some(base.seed), Some(base.replicates)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    // A bad priors table fails now, not after the comparison.
    let prepared = with_threads(a.threads, || param_draws::check(&a, &base))??;
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join("compare"));
    // The output directory is locked from the start (a second writer fails at once).
    let (files, (c, draws)) = with_threads(a.threads, || {
        super::run::staged(&out, "compare", Start::Fresh, |dir| {
            let d = decompose::run(a.decompose, &base, &reforms, a.quiet)?;
            // Drawn after the decomposition's own bar has gone.
            let bar = experiment::progress_bar(
                !a.quiet,
                (1 + reforms.len() as u64) * base.replicates as u64,
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} scenario replicates (eta {eta})",
            );
            let mut c = compare::compare_with_progress(&base, &reforms, &mut || {
                if let Some(b) = &bar {
                    b.inc(1);
                }
            })?;
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            c.decomposition = d;
            let mut files = compare::write(&c, dir)?;
            if !a.no_charts {
                files.extend(povsim::output::charts::draw_compare(&c, dir)?);
                files.push(povsim::output::report::write_compare_report(dir, &c)?);
            }
            let draws = param_draws::run(prepared, dir, &mut files)?;
            Ok((files, (c, draws)))
        })
    })??;
    if a.quiet {
        return Ok(());
    }
    let reps = c.replicates;
    println!(
        "base: {} (seed {}, {reps} replicate{}; differences are reform − base from {}, paired by replicate, {})",
        c.base,
        c.seed,
        if reps == 1 { "" } else { "s" },
        c.from_year,
        if reps < 2 {
            compare::no_interval(reps)
        } else {
            "with 90% intervals".to_string()
        }
    );
    println!("{HEADCOUNT_NOTE}");
    for r in &c.reforms {
        println!();
        println!("reform: {}", r.scenario);
        println!(
            "{:>6} {:>22} {:>22} {:>22} {:>22} {:>22}",
            "year",
            "headcount Δ (points)",
            "gap Δ (points)",
            "severity Δ (×100)",
            "Watts Δ (×100)",
            "poor Δ (persons)"
        );
        let cols = [
            ("headcount_ratio", 100.0),
            ("poverty_gap", 100.0),
            ("poverty_severity", 100.0),
            ("watts", 100.0),
            ("poor", 1.0),
        ];
        let n = r.by_year["headcount_ratio"].len();
        for k in 0..n {
            let mut line = format!("{:>6}", r.by_year["headcount_ratio"][k].year);
            for (m, scale) in cols {
                let d = &r.by_year[m][k].difference;
                // Counts with thousands separators, the rest with 2 decimals.
                let p = if scale == 1.0 { 0 } else { 2 };
                let f = |v: f64| thousands(scale * v, p);
                if reps < 2 {
                    // No interval from one replicate: the mean alone.
                    line.push_str(&format!(" {:>22}", f(d.mean)));
                } else {
                    line.push_str(&format!(
                        " {:>8} [{:>5}, {:>5}]",
                        f(d.mean),
                        f(d.lo),
                        f(d.hi)
                    ));
                }
            }
            println!("{line}");
        }
        // The levels the differences are taken between, at the start and the end.
        let level = |m: &str, k: usize, f: &dyn Fn(f64) -> String| {
            let y = &r.by_year[m][k];
            format!("{} → {}", f(y.base), f(y.reform))
        };
        let pct = |v: f64| format!("{:.2}%", 100.0 * v);
        let count = |v: f64| thousands(v, 0);
        if n > 0 {
            println!(
                "levels, base → reform (replicate means): headcount {} in {}, {} in {}; poor {} persons in {}",
                level("headcount_ratio", 0, &pct),
                r.by_year["headcount_ratio"][0].year,
                level("headcount_ratio", n - 1, &pct),
                r.by_year["headcount_ratio"][n - 1].year,
                level("poor", n - 1, &count),
                r.by_year["poor"][n - 1].year
            );
        }
        println!(
            "person-years of poverty averted: {}",
            r.person_years_averted.text(reps, count)
        );
        println!(
            "realised spending from {}: {:.1} million yuan of a budget of {:.1} million (base {:.1} of {:.1} million); costs below are on realised spending",
            c.from_year,
            r.spending_total / 1e6,
            r.budget_total / 1e6,
            c.base_spending_total / 1e6,
            c.base_budget_total / 1e6
        );
        if r.spending_total < c.base_spending_total && r.person_years_averted.mean > 0.0 {
            println!(
                "the reform spends less and averts poverty: it dominates the base (no cost per person-year to report)"
            );
        } else if r.cost_per_person_year_averted.is_finite() && r.person_years_averted.mean > 0.0 {
            let per_lifted = if r.cost_per_person_lifted.is_finite() {
                format!("{} yuan", thousands(r.cost_per_person_lifted, 0))
            } else {
                "none (nobody lifted out by the last year)".to_string()
            };
            println!(
                "extra cost per person-year averted: {} yuan; per person lifted out of poverty by the last year: {per_lifted}",
                thousands(r.cost_per_person_year_averted, 0)
            );
        } else {
            println!("no person-year of poverty averted: no cost per person-year to report");
        }
        println!(
            "winners and losers by decile of base first-year income (better off / worse off / mean change, yuan per person):"
        );
        for d in &r.deciles {
            println!(
                "  decile {:>2}: {:>5.1}% / {:>5.1}% / {:>8.1}",
                d.decile,
                100.0 * d.better_off,
                100.0 * d.worse_off,
                d.mean_change
            );
        }
    }
    param_draws::print(&draws);
    println!();
    decompose::print(c.decomposition.as_ref());
    for w in &c.warnings {
        println!("{w}");
    }
    println!("wrote:");
    for f in &files {
        println!("  {}", f.display());
    }
    Ok(())
}
