//! The files of a finished analysis, all computed from points.csv's values:
//! `sensitivity.csv` (key, index, value, lo, hi; keys ranked by influence),
//! SALib's `problem.json`, `design.csv` and `outputs.csv`, the chart
//! (`charts/sensitivity.{svg,png}`) and `report.html`. Each is written whole
//! (temp + rename), and each is the same bytes however the points were run
//! (in one go, resumed, sharded and merged, on any number of threads).

use super::analysis::{Design, Method, SensitivitySpec};
use super::{Bootstrap, Estimate, Problem, morris, salib, sobol};
use crate::error::{Error, Result};
use crate::output::atomic;
use crate::output::tables::num;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One row of sensitivity.csv.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndexRow {
    pub key: String,
    /// `mu_star`, `mu`, `sigma` (Morris) or `S1`, `ST` (Sobol').
    pub index: &'static str,
    pub value: f64,
    /// The 90% bootstrap interval (μ*, S1, ST only).
    pub lo: Option<f64>,
    pub hi: Option<f64>,
}

/// The indices of one key, for the chart and the report.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyIndices {
    Morris(morris::MorrisIndex),
    Sobol(sobol::SobolIndex),
}

impl KeyIndices {
    /// The figure keys are ranked by: μ* or Sₜ.
    pub fn rank_value(&self) -> f64 {
        match self {
            KeyIndices::Morris(m) => m.mu_star.value,
            KeyIndices::Sobol(s) => s.total.value,
        }
    }
}

/// A finished analysis.
#[derive(Clone, Debug)]
pub struct Finished {
    pub method: Method,
    pub measure: String,
    /// (key, its indices), most influential first.
    pub ranked: Vec<(String, KeyIndices)>,
    /// Mean and sd (ddof 1) of the outputs over the design's points.
    pub output_mean: f64,
    pub output_sd: f64,
    pub files: Vec<PathBuf>,
}

impl Finished {
    /// The rows of sensitivity.csv, in rank order.
    pub fn rows(&self) -> Vec<IndexRow> {
        let mut out = Vec::new();
        for (key, ix) in &self.ranked {
            let with = |index, e: &Estimate| IndexRow {
                key: key.clone(),
                index,
                value: e.value,
                lo: Some(e.lo),
                hi: Some(e.hi),
            };
            let plain = |index, value| IndexRow {
                key: key.clone(),
                index,
                value,
                lo: None,
                hi: None,
            };
            match ix {
                KeyIndices::Morris(m) => {
                    out.push(with("mu_star", &m.mu_star));
                    out.push(plain("mu", m.mu));
                    out.push(plain("sigma", m.sigma));
                }
                KeyIndices::Sobol(s) => {
                    out.push(with("S1", &s.first));
                    out.push(with("ST", &s.total));
                }
            }
        }
        out
    }
}

/// Compute the indices from `rows` (point → output, every point present)
/// and write every file into `out` (the chart and report only with `charts`).
pub fn finish(
    out: &Path,
    spec: &SensitivitySpec,
    problem: &Problem,
    rows: &BTreeMap<usize, f64>,
    charts: bool,
) -> Result<Finished> {
    let outputs: Vec<f64> = rows.values().copied().collect();
    let fail = |e: String| {
        Error::Input(format!(
            "sensitivity of {} ({}): {e}",
            spec.scenario,
            spec.measure.label()
        ))
    };
    let design = spec.design().map_err(fail)?;
    let boot = Bootstrap {
        seed: spec.seed,
        ..Bootstrap::default()
    };
    let keys = spec.keys();
    let indices: Vec<KeyIndices> = match &design {
        Design::Morris(d) => morris::analyze(d, &outputs, &boot)
            .map_err(fail)?
            .into_iter()
            .map(KeyIndices::Morris)
            .collect(),
        Design::Sobol(_) => sobol::analyze(keys.len(), &outputs, &boot)
            .map_err(fail)?
            .into_iter()
            .map(KeyIndices::Sobol)
            .collect(),
    };
    let mut ranked: Vec<(String, KeyIndices)> =
        keys.iter().map(|k| k.to_string()).zip(indices).collect();
    // Most influential first; ties keep the table's order (a stable sort).
    ranked.sort_by(|a, b| b.1.rank_value().total_cmp(&a.1.rank_value()));
    let n = outputs.len() as f64;
    let mean = outputs.iter().sum::<f64>() / n;
    let sd = (outputs.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
    let mut f = Finished {
        method: spec.method,
        measure: spec.measure.label(),
        ranked,
        output_mean: mean,
        output_sd: sd,
        files: Vec::new(),
    };
    let mut files = Vec::new();
    let mut write = |name: &str, bytes: Vec<u8>| -> Result<()> {
        let p = out.join(name);
        atomic::write_file(&p, &bytes)?;
        files.push(p);
        Ok(())
    };
    let io = |e: std::io::Error| Error::Input(format!("sensitivity: cannot format a file: {e}"));
    let method = match &design {
        Design::Morris(d) => salib::Method::Morris {
            num_levels: d.levels,
            trajectories: d.trajectories.len(),
        },
        Design::Sobol(d) => salib::Method::Sobol { base_samples: d.n },
    };
    let mut buf = Vec::new();
    salib::write_problem(&mut buf, problem, method, spec.seed).map_err(io)?;
    write("problem.json", std::mem::take(&mut buf))?;
    salib::write_design(&mut buf, problem, &problem.values_of(&design.rows())).map_err(io)?;
    write("design.csv", std::mem::take(&mut buf))?;
    salib::write_outputs(&mut buf, "output", &outputs).map_err(io)?;
    write("outputs.csv", std::mem::take(&mut buf))?;
    let mut csv = String::from("key,index,value,lo,hi\n");
    let opt = |x: Option<f64>| x.map(num).unwrap_or_default();
    for r in f.rows() {
        csv.push_str(&format!(
            "{},{},{},{},{}\n",
            r.key,
            r.index,
            num(r.value),
            opt(r.lo),
            opt(r.hi)
        ));
    }
    write("sensitivity.csv", csv.into_bytes())?;
    if charts {
        files.extend(super::chart::draw(spec, &f, out)?);
        files.push(super::report::write(out, spec, &f)?);
    }
    files.push(out.join("points.csv"));
    files.push(out.join("sensitivity.json"));
    f.files = files;
    Ok(f)
}
