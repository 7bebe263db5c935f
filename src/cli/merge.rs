//! `povsim merge OUT PART...`: combine the parts of a sharded sweep or
//! sensitivity analysis (told apart by the first part's files).

use povsim::experiment::sweep;
use povsim::output::outdir::Start;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Output directory of the merged sweep.
    pub out: PathBuf,
    /// The part directories written by `povsim sweep|sensitivity ... --shard K/N --out DIR`.
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// Write the tables only (no charts, no report), for sweeps and sensitivity analyses alike.
    #[arg(long)]
    pub no_charts: bool,
    /// Print nothing but errors.
    #[arg(long)]
    pub quiet: bool,
}

pub fn execute(a: MergeArgs) -> anyhow::Result<()> {
    if a.parts[0].join("sensitivity.json").exists() {
        return merge_sensitivity(a);
    }
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

/// The parts of a sharded `povsim sensitivity`.
fn merge_sensitivity(a: MergeArgs) -> anyhow::Result<()> {
    use povsim::experiment::sensitivity::analysis;
    let (files, f) = super::run::staged(&a.out, "merge", Start::Fresh, |dir| {
        let f = analysis::merge(dir, &a.parts, !a.no_charts)?;
        Ok((f.files.clone(), f))
    })?;
    if !a.quiet {
        println!(
            "merged {} parts: {} keys ranked; wrote {} files to {}",
            a.parts.len(),
            f.ranked.len(),
            files.len(),
            a.out.display()
        );
    }
    Ok(())
}
