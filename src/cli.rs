//! One file per command; this file only lists them.

use clap::{Parser, Subcommand};

pub mod batch;
pub mod calibrate;
pub mod compare;
pub mod init;
pub mod measure;
pub mod merge;
pub mod optimize;
pub mod plot;
pub mod run;
pub mod sensitivity;
pub mod serve;
pub mod sweep;
pub mod trace;
pub mod validate;

/// povsim: an agent-based simulator of rural poverty and of the policies that fight it.
#[derive(Debug, Parser)]
#[command(
    name = "povsim",
    version,
    about,
    propagate_version = true,
    after_help = "Start with `povsim run` (the embedded L County baseline) or `povsim init` (a small \
commented classroom scenario). A scenario is a TOML file, or `classroom` / `l_county` for an \
embedded one. `povsim COMMAND --help` shows examples.\n\
Documentation: README.md (commands, outputs, set-up), docs/MODEL.md (every mechanism and \
parameter), docs/TEACHING.md, docs/SWEEP.md, docs/CALIBRATION.md, docs/SENSITIVITY.md, \
docs/PERFORMANCE.md; `povsim validate --list-keys` lists every key with its default and unit."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario and write trajectory.csv, villages.csv, summary.json, charts and a report.
    #[command(
        after_long_help = "Examples:\n  povsim run                                       # the embedded L County baseline, 2008–2014
  povsim run classroom --out out/class             # the embedded classroom county
  povsim run scenarios/l_county_targeted.toml --replicates 8 --seed 7
  povsim run classroom --set simulation.years=20 --set shocks.illness=0.08 --no-charts"
    )]
    Run(run::RunArgs),
    /// Compare reforms with a base under common random numbers: paired intervals, costs, winners and losers.
    #[command(
        after_long_help = "Examples:\n  povsim compare scenarios/l_county_flood.toml scenarios/l_county_targeted.toml
  povsim compare scenarios/l_county_flood.toml scenarios/l_county_targeted.toml --replicates 8 --out out/flood_vs_drip"
    )]
    Compare(compare::CompareArgs),
    /// Check a scenario file and print the effective scenario.
    #[command(
        after_long_help = "Examples:\n  povsim validate scenarios/l_county_targeted.toml
  povsim validate scenarios/l_county_targeted.toml --diff
  povsim validate classroom --set simulation.years=20
  povsim validate --list-keys | grep transfers"
    )]
    Validate(validate::ValidateArgs),
    /// Poverty and inequality measures for survey microdata in a CSV file.
    #[command(
        after_long_help = "Examples:\n  povsim measure survey.csv --line 2300 --income-col income_pc --weight-col weight
  povsim measure survey.csv --line 2300 --extreme-line 1500 --json"
    )]
    Measure(measure::MeasureArgs),
    /// Redraw the charts and the report of an output directory from its CSV files.
    #[command(after_long_help = "Examples:\n  povsim plot out/l_county")]
    Plot(plot::PlotArgs),
    /// Write a small, fully commented scenario to start from (the classroom county).
    #[command(
        after_long_help = "Examples:\n  povsim init                 # writes classroom.toml
  povsim init lesson.toml     # the same scenario under another name"
    )]
    Init(init::InitArgs),
    /// Tell a household's story year by year: members, income, shocks, help, register, poverty.
    #[command(after_long_help = "Examples:\n  povsim trace classroom --sample 3
  povsim trace classroom --sample 2 --poor-at 2012
  povsim trace scenarios/l_county.toml --household 17,404 --replicate 1 --json")]
    Trace(trace::TraceArgs),
    /// Serve a one-page teaching interface on this machine: sliders, a Run button, charts and stories.
    #[command(
        after_long_help = "Examples:\n  povsim serve                            # the classroom county on http://127.0.0.1:8080/
  povsim serve lesson.toml --port 9000"
    )]
    Serve(serve::ServeArgs),
    /// Sweep parameters: a grid or Latin-hypercube sample × replicates under common random numbers, resumable, shardable.
    #[command(
        after_long_help = "Examples:\n  povsim sweep scenarios/l_county_targeted.toml --replicates 8 \\
      --vary interventions.transfers.budget_share=0.05:0.25:0.1 \\
      --vary interventions.targeting.measurement_error=0.2,0.35,0.5 --out out/sweep
  povsim sweep scenarios/l_county_targeted.toml --lhs 40 \\
      --vary interventions.transfers.budget_share=0:0.27:0.01 \\
      --vary interventions.tourism.dividend_rate=0.05:0.3:0.01 --out out/lhs
  povsim sweep scenarios/sweep_l_county.toml      # the file's [sweep] table
  povsim sweep classroom --vary shocks.illness=0.02,0.05,0.08 --shard 0/2 --out parts/0"
    )]
    Sweep(sweep::SweepArgs),
    /// Search how to split a total budget across modules, under common random numbers.
    #[command(
        after_long_help = "Examples:\n  povsim optimize scenarios/l_county_targeted.toml --budget 120000000 \\
      --modules transfers,education,tourism --objective person_years \\
      --evaluations 40 --replicates 8 --out out/optimize"
    )]
    Optimize(optimize::OptimizeArgs),
    /// Global sensitivity analysis over the [uncertainty] priors: Morris screening or Sobol' indices, resumable, shardable.
    #[command(
        after_long_help = "Examples:\n  povsim sensitivity scenarios/l_county.toml --method morris --out out/morris
  povsim sensitivity scenarios/l_county_targeted.toml --compare scenarios/l_county_flood.toml --method sobol"
    )]
    Sensitivity(sensitivity::SensitivityArgs),
    /// Combine the parts of a sharded sweep (or sensitivity analysis) into one.
    #[command(
        after_long_help = "Examples:\n  povsim merge out/sweep parts/0 parts/1 parts/2 parts/3"
    )]
    Merge(merge::MergeArgs),
    /// Fit the keys of the [calibration] table to its targets (simulated method of moments), with diagnostics.
    #[command(
        after_long_help = "Examples:\n  povsim calibrate scenarios/l_county.toml --replicates 4 --evaluations 60 --out out/calibrate"
    )]
    Calibrate(calibrate::CalibrateArgs),
}

pub fn execute(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Run(a) => run::execute(a),
        Command::Compare(a) => compare::execute(a),
        Command::Validate(a) => validate::execute(a),
        Command::Measure(a) => measure::execute(a),
        Command::Plot(a) => plot::execute(a),
        Command::Init(a) => init::execute(a),
        Command::Trace(a) => trace::execute(a),
        Command::Serve(a) => serve::execute(a),
        Command::Sweep(a) => sweep::execute(a),
        Command::Optimize(a) => optimize::execute(a),
        Command::Sensitivity(a) => sensitivity::execute(a),
        Command::Merge(a) => merge::execute(a),
        Command::Calibrate(a) => calibrate::execute(a),
    }
}
