//! `compare --param-draws N`: each reform's parameter draws, checked before
//! the comparison runs, written beside it and printed after it.

use super::CompareArgs;
use povsim::experiment::compare::param_draws::{ParamDraws, Prepared, prepare};
use povsim::scenario::Scenario;
use std::path::{Path, PathBuf};

/// Check every reform's priors and load its draws (if asked), before the
/// main comparison runs: a bad `[uncertainty]` table fails at once.
pub fn check(a: &CompareArgs, base: &Scenario) -> povsim::Result<Vec<Prepared>> {
    let Some(n) = a.param_draws else {
        return Ok(Vec::new());
    };
    let mut sets = a.sets.clone();
    sets.push(format!("simulation.seed={}", base.seed));
    sets.push(format!("simulation.replicates={}", base.replicates));
    a.scenarios[1..]
        .iter()
        .map(|reform| prepare(&a.scenarios[0], reform, n, &sets))
        .collect()
}

/// Run the checked draws of every reform and write their files into `dir`.
pub fn run(
    prepared: Vec<Prepared>,
    dir: &Path,
    files: &mut Vec<PathBuf>,
) -> povsim::Result<Vec<ParamDraws>> {
    let mut out = Vec::new();
    for p in prepared {
        let d = p.run()?;
        files.push(d.write(dir)?);
        out.push(d);
    }
    Ok(out)
}

pub fn print(draws: &[ParamDraws]) {
    for d in draws {
        println!();
        println!("reform: {}", d.reform);
        for l in d.lines() {
            println!("{l}");
        }
    }
}
