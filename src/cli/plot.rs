//! `povsim plot OUTDIR`: redraw the charts and the report of an output
//! directory from its CSV and JSON files, without rerunning the simulation.

use std::io::Write as _;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// Output directory written by `povsim run` (it must hold trajectory.csv).
    #[arg(value_name = "OUTDIR")]
    pub out_dir: PathBuf,
}

pub fn execute(args: PlotArgs) -> anyhow::Result<()> {
    let mut files = povsim::output::charts::draw_all(&args.out_dir)?;
    files.push(povsim::output::report::write_report(&args.out_dir)?);
    let mut out = std::io::stdout().lock();
    for f in files {
        // A closed pipe (e.g. `| head`) is not an error worth reporting.
        if writeln!(out, "{}", f.display()).is_err() {
            break;
        }
    }
    Ok(())
}
