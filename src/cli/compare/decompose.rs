//! `compare --decompose [shapley|one-at-a-time]`: each reform's difference
//! from the base attributed to its modules, written beside the comparison
//! (decompose.csv, charts/decompose.*, a section of the report) and printed
//! after it.

use povsim::experiment;
use povsim::experiment::compare::decompose::{
    Decomposition, Method, Options, decompose_all_with_progress, runs,
};
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
    quiet: bool,
) -> povsim::Result<Option<Decomposition>> {
    let Some(how) = how else {
        return Ok(None);
    };
    let method = match how {
        DecomposeArg::Shapley => Method::Shapley,
        DecomposeArg::OneAtATime => Method::OneAtATime,
    };
    let o = Options::new(method);
    // Its own bar: the coalitions are most of a decomposition's time.
    let bar = experiment::progress_bar(
        !quiet,
        runs(base, reforms, &o)?,
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} decomposition runs (eta {eta})",
    );
    let d = decompose_all_with_progress(base, reforms, &o, &|| {
        if let Some(b) = &bar {
            b.inc(1);
        }
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    d.map(Some)
}

pub fn print(d: Option<&Decomposition>) {
    for l in d.iter().flat_map(|d| d.lines()) {
        println!("{l}");
    }
}
