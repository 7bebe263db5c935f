//! `povsim trace`: a household's story, year by year.

use super::init::Named;
use povsim::experiment::trace;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("who").required(true).args(["household", "sample"])))]
pub struct TraceArgs {
    /// Scenario file (TOML), or `classroom` / `l_county` for an embedded one.
    pub scenario: PathBuf,
    /// Household number(s), from 0 (repeat or separate with commas).
    #[arg(long, value_delimiter = ',')]
    pub household: Vec<usize>,
    /// Follow N households picked deterministically from the seed.
    #[arg(long, value_name = "N")]
    pub sample: Option<usize>,
    /// With --sample: pick only among households poor in this year.
    #[arg(long, value_name = "YEAR", requires = "sample")]
    pub poor_at: Option<i32>,
    /// Which replicate to follow.
    #[arg(long, default_value_t = 0)]
    pub replicate: u32,
    /// Override any scalar key: --set simulation.years=20 (same checks as the file); repeat for more keys.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Print the stories as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn execute(a: TraceArgs) -> anyhow::Result<()> {
    let sc = Named::of(Some(&a.scenario)).load(&a.sets)?;
    if a.replicate >= sc.replicates {
        return Err(povsim::Error::Input(format!(
            "--replicate {r}: expected a replicate from 0 to {}, got {r}",
            sc.replicates - 1,
            r = a.replicate
        ))
        .into());
    }
    let ids = match a.sample {
        Some(0) => {
            return Err(povsim::Error::Input(
                "--sample: expected a whole number of at least 1, got 0".into(),
            )
            .into());
        }
        Some(n) => {
            let ids = trace::sample(&sc, a.replicate, n, a.poor_at)?;
            if ids.is_empty() {
                return Err(povsim::Error::Input(format!(
                    "--poor-at {}: no household is poor in that year; try another year",
                    a.poor_at.unwrap_or(sc.start_year)
                ))
                .into());
            }
            ids
        }
        None => a.household.clone(),
    };
    let stories = trace::trace(&sc, a.replicate, &ids)?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&stories).expect("stories serialize")
        );
        return Ok(());
    }
    for (k, s) in stories.iter().enumerate() {
        if k > 0 {
            println!();
        }
        print!("{}", trace::story_text(s));
        println!("in short: {}", trace::story_summary(s));
    }
    Ok(())
}
