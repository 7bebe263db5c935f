//! `povsim merge OUT PART...`: combine the parts of a sharded sweep.

use povsim::experiment::sweep;
use povsim::output::outdir::Start;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Output directory of the merged sweep.
    pub out: PathBuf,
    /// The part directories written by `povsim sweep ... --shard K/N --out DIR`.
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// Write the table only (no charts).
    #[arg(long)]
    pub no_charts: bool,
    /// Print nothing but errors.
    #[arg(long)]
    pub quiet: bool,
}

pub fn execute(a: MergeArgs) -> anyhow::Result<()> {
    // The parts are read and checked in the closure; nothing is swapped in unless all is well.
    let (files, ()) = super::run::staged(&a.out, "merge", Start::Fresh, |dir| {
        Ok((sweep::merge(dir, &a.parts, a.no_charts)?, ()))
    })?;
    if !a.quiet {
        println!(
            "merged {} parts: wrote {} files to {}",
            a.parts.len(),
            files.len(),
            a.out.display()
        );
    }
    Ok(())
}
