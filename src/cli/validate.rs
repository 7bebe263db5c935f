//! `povsim validate`: check a scenario file and print the effective scenario.

use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Override any scalar key: --set simulation.years=20.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
}

pub fn execute(a: ValidateArgs) -> anyhow::Result<()> {
    let sc = povsim::scenario::load(&a.scenario, &a.sets)?;
    print!("{}", sc.to_toml());
    eprintln!("{}: valid ({} villages, {} households, {}–{})", a.scenario.display(), sc.villages, sc.households(), sc.start_year, sc.end_year());
    Ok(())
}
