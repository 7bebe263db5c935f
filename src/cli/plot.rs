//! `povsim plot OUTDIR`: redraw the charts and the report of an output
//! directory from its CSV and JSON files, without rerunning the simulation.

use povsim::output::outdir::Start;
use std::io::Write as _;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// Output directory written by `povsim run` (it must hold trajectory.csv).
    #[arg(value_name = "OUTDIR")]
    pub out_dir: PathBuf,
}

pub fn execute(args: PlotArgs) -> anyhow::Result<()> {
    if !args.out_dir.is_dir() {
        return Err(povsim::Error::file(
            &args.out_dir,
            "expected an output directory written by `povsim run`, got no such directory",
        )
        .into());
    }
    // Redrawn in a copy (hard links) of the directory, swapped in whole.
    let (files, ()) = super::run::staged(&args.out_dir, "plot", Start::FromTarget, |dir| {
        let mut files = povsim::output::charts::draw_all(dir)?;
        files.push(povsim::output::report::write_report(dir)?);
        Ok((files, ()))
    })?;
    let mut out = std::io::stdout().lock();
    for f in files {
        // A closed pipe (e.g. `| head`) is not an error worth reporting.
        if writeln!(out, "{}", f.display()).is_err() {
            break;
        }
    }
    Ok(())
}
