//! The options the batch commands share (`calibrate`, `sweep`,
//! `sensitivity`): one flattened clap struct, so their names, checks and help
//! stay alike. (`compare` keeps its own: its defaults come from the base
//! scenario and it does not resume.)

use povsim::scenario::Scenario;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, clap::Args)]
pub struct BatchArgs {
    /// Replicates of every run (default: the command's [sweep] or [calibration] table's, else the scenario's).
    #[arg(long)]
    pub replicates: Option<u32>,
    /// Seed of every run (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Fixed overrides for every run (and sensitivity's base): --set simulation.years=5; repeat for more keys.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Output directory (default: out/COMMAND-<scenario name>, with -METHOD for sensitivity). A rerun into it resumes.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print nothing but errors.
    #[arg(long)]
    pub quiet: bool,
}

impl BatchArgs {
    /// The scenario with these options (and the one-line household warning);
    /// without `--replicates`, the replicates of the command's own table
    /// (`table` reads them from the scenario), as `--replicates` would set
    /// them: same scenario, same digest.
    pub fn load(
        &self,
        scenario: &Path,
        table: impl FnOnce(&Scenario) -> Option<u32>,
    ) -> anyhow::Result<Scenario> {
        let sc = super::run::load(Some(scenario), &self.sets, self.seed, self.replicates)?;
        super::run::warn_households(&self.sets, self.quiet);
        match (self.replicates, table(&sc)) {
            (None, Some(r)) => super::run::load(Some(scenario), &self.sets, self.seed, Some(r)),
            _ => Ok(sc),
        }
    }
}
