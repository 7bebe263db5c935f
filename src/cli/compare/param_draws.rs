//! `compare --param-draws N`: each reform's parameter draws, written beside
//! the comparison and printed after it.

use super::CompareArgs;
use povsim::experiment::compare::param_draws::{ParamDraws, param_draws};
use povsim::scenario::Scenario;
use std::path::{Path, PathBuf};

/// Run the draws of every reform (if asked) and write their files into `dir`.
pub fn run(
    a: &CompareArgs,
    base: &Scenario,
    dir: &Path,
    files: &mut Vec<PathBuf>,
) -> povsim::Result<Vec<ParamDraws>> {
    let Some(n) = a.param_draws else {
        return Ok(Vec::new());
    };
    let sets = [
        format!("simulation.seed={}", base.seed),
        format!("simulation.replicates={}", base.replicates),
    ];
    let mut out = Vec::new();
    for reform in &a.scenarios[1..] {
        let d = param_draws(&a.scenarios[0], reform, n, &sets)?;
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
