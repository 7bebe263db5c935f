//! One file per command; this file only lists them.

use clap::{Parser, Subcommand};

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
#[command(name = "povsim", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario and write trajectory.csv, villages.csv, summary.json, charts and a report.
    Run(run::RunArgs),
    /// Compare reforms with a base under common random numbers: paired intervals, costs, winners and losers.
    Compare(compare::CompareArgs),
    /// Check a scenario file and print the effective scenario.
    Validate(validate::ValidateArgs),
    /// Poverty and inequality measures for survey microdata in a CSV file.
    Measure(measure::MeasureArgs),
    /// Redraw the charts and the report of an output directory from its CSV files.
    Plot(plot::PlotArgs),
    /// Write a small, fully commented scenario to start from (the classroom county).
    Init(init::InitArgs),
    /// Tell a household's story year by year: members, income, shocks, help, register, poverty.
    Trace(trace::TraceArgs),
    /// Serve a one-page teaching interface on this machine: sliders, a Run button, charts and stories.
    Serve(serve::ServeArgs),
    /// Sweep parameters: a grid or Latin-hypercube sample × replicates under common random numbers, resumable, shardable.
    Sweep(sweep::SweepArgs),
    /// Search how to split a total budget across modules, under common random numbers.
    Optimize(optimize::OptimizeArgs),
    /// Global sensitivity analysis over the [uncertainty] priors: Morris screening or Sobol' indices, resumable, shardable.
    Sensitivity(sensitivity::SensitivityArgs),
    /// Combine the parts of a sharded sweep (or sensitivity analysis) into one.
    Merge(merge::MergeArgs),
    /// Fit the keys of the [calibration] table to its targets (simulated method of moments), with diagnostics.
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
