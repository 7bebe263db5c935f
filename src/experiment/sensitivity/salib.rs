//! The raw design and outputs as files SALib re-analyses: `problem.json`
//! (SALib's problem dictionary), `design.csv` (one row per run, one column per
//! key, the parameter values run) and `outputs.csv` (one output per run, in
//! the design's order). Numbers are written in their shortest round-trip form,
//! so numpy reads back the very values used.
//!
//! Re-analysis with SALib 1.6 (`pip install SALib`), in the output directory:
//!
//! ```python
//! import json, numpy as np
//! from SALib.analyze import morris, sobol
//! problem = json.load(open("problem.json"))
//! X = np.loadtxt("design.csv", delimiter=",", skiprows=1, ndmin=2)
//! Y = np.loadtxt("outputs.csv", delimiter=",", skiprows=1)
//! p = problem["povsim"]
//! if p["method"] == "morris":
//!     Si = morris.analyze(problem, X, Y, num_levels=p["num_levels"], conf_level=0.9)
//! else:
//!     Si = sobol.analyze(problem, Y, calc_second_order=False, conf_level=0.9)
//! print(Si.to_df())
//! ```
//!
//! μ, μ*, σ, S1 and ST agree with povsim's to rounding; the `*_conf`
//! half-widths agree to bootstrap noise (SALib resamples from numpy, and
//! draws 100 resamples by default). SALib's analyze functions read only
//! `num_vars`, `names` and `groups` of the problem; `bounds` and `dists` use
//! SALib's conventions where SALib has the distribution (`unif` [min, max],
//! `triang` [min, max, peak as a share of the width], `norm` [mean, sd],
//! `truncnorm` [min, max, mean, sd], `lognorm` [mu, sigma] of ln X) and
//! povsim's names otherwise (`beta` [min, max, alpha, beta], `trunclognorm`
//! [min, max, mu, sigma]); an infinite bound is written `null`. The `povsim`
//! entry records the method, its sizes and the seed.

use super::Problem;
use super::prior::Dist;
use serde::Serialize;
use std::io::{self, Write};

/// The method and sizes, for the `povsim` entry of `problem.json`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "lowercase")]
pub enum Method {
    Morris {
        num_levels: u32,
        trajectories: usize,
    },
    Sobol {
        base_samples: u32,
    },
}

#[derive(Serialize)]
struct ProblemFile<'a> {
    num_vars: usize,
    names: Vec<&'a str>,
    bounds: Vec<Vec<f64>>,
    dists: Vec<&'static str>,
    povsim: PovsimEntry,
}

#[derive(Serialize)]
struct PovsimEntry {
    #[serde(flatten)]
    method: Method,
    calc_second_order: bool,
    seed: u64,
    priors: Vec<String>,
}

/// SALib's name and bounds for a prior (see the module doc).
pub fn salib_dist(p: &super::Prior) -> (&'static str, Vec<f64>) {
    let s = p.support();
    match p.dist() {
        Dist::Uniform => ("unif", vec![s.lo, s.hi]),
        Dist::Triangular { mode } => ("triang", vec![s.lo, s.hi, (mode - s.lo) / (s.hi - s.lo)]),
        Dist::Beta { alpha, beta } => ("beta", vec![s.lo, s.hi, alpha, beta]),
        Dist::Normal { mean, sd } if !p.is_truncated() => ("norm", vec![mean, sd]),
        Dist::Normal { mean, sd } => ("truncnorm", vec![s.lo, s.hi, mean, sd]),
        Dist::LogNormal { mu, sigma } if !p.is_truncated() => ("lognorm", vec![mu, sigma]),
        Dist::LogNormal { mu, sigma } => ("trunclognorm", vec![s.lo, s.hi, mu, sigma]),
    }
}

/// Write `problem.json`: SALib's problem dictionary and the `povsim` entry.
pub fn write_problem(
    mut w: impl Write,
    problem: &Problem,
    method: Method,
    seed: u64,
) -> io::Result<()> {
    let (dists, bounds) = problem.factors.iter().map(|f| salib_dist(&f.prior)).unzip();
    let file = ProblemFile {
        num_vars: problem.len(),
        names: problem.names(),
        bounds,
        dists,
        povsim: PovsimEntry {
            method,
            calc_second_order: false,
            seed,
            priors: problem
                .factors
                .iter()
                .map(|f| f.prior.to_string())
                .collect(),
        },
    };
    serde_json::to_writer_pretty(&mut w, &file)?;
    w.write_all(b"\n")
}

/// Write `design.csv`: a header of the factor names, then one row of
/// parameter values per run (as [`Problem::values_of`] gives them).
pub fn write_design(w: impl Write, problem: &Problem, values: &[Vec<f64>]) -> io::Result<()> {
    let mut c = csv::Writer::from_writer(w);
    c.write_record(problem.names())?;
    for row in values {
        if row.len() != problem.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a design row has {} values for {} factors",
                    row.len(),
                    problem.len()
                ),
            ));
        }
        c.serialize(row)?;
    }
    c.flush()
}

/// Write `outputs.csv`: a header `name`, then one output per run.
pub fn write_outputs(w: impl Write, name: &str, outputs: &[f64]) -> io::Result<()> {
    let mut c = csv::Writer::from_writer(w);
    c.write_record([name])?;
    for y in outputs {
        c.serialize([y])?;
    }
    c.flush()
}
