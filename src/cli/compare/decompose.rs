//! `compare --decompose [shapley|one-at-a-time]`: each reform's difference
//! from the base attributed to its modules, written beside the comparison
//! (decompose.csv, charts/decompose.*, a section of the report) and printed
//! after it.

use povsim::experiment::compare::decompose::{Decomposition, Method, Options, decompose_all};
use povsim::scenario::Scenario;

/// How `--decompose` attributes the difference.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum DecomposeArg {
    /// Shapley values over the modules that differ (exact up to 9 modules).
    Shapley,
    /// Each module switched alone (cheaper; need not add up).
    OneAtATime,
}

/// Decompose every reform (if asked).
pub fn run(
    how: Option<DecomposeArg>,
    base: &Scenario,
    reforms: &[Scenario],
) -> povsim::Result<Option<Decomposition>> {
    let Some(how) = how else {
        return Ok(None);
    };
    let method = match how {
        DecomposeArg::Shapley => Method::Shapley,
        DecomposeArg::OneAtATime => Method::OneAtATime,
    };
    decompose_all(base, reforms, &Options::new(method)).map(Some)
}

pub fn print(d: Option<&Decomposition>) {
    for l in d.iter().flat_map(|d| d.lines()) {
        println!("{l}");
    }
}
