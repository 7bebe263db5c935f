//! `compare --param-draws N`: chance against ignorance for a policy effect.
//!
//! N parameter sets are drawn from the reform's `[uncertainty]` priors: draw
//! i takes one uniform number per key from its own keyed stream (seed, i;
//! [`crate::rng::Purpose::ParamDraws`]) through the prior's quantile
//! function, so the draws are the same whatever the thread count or order.
//! Base and reform both run at each set (the base with the reform's priors:
//! one parameter set, two policies), every replicate with the base's seed
//! (common random numbers), giving paired differences d[i][r]; the
//! library's within/between split ([`crate::experiment::sensitivity::draws`])
//! turns them into two intervals: replicate noise alone, and parameters plus
//! replicates, and says which dominates.

use crate::error::{Error, Result};
use crate::experiment::history::{self, SharedHistory, Start};
use crate::experiment::interrupted;
use crate::experiment::sensitivity::draws::{DrawIntervals, decompose};
use crate::rng::Purpose;
use crate::scenario::calibration::float_text;
use crate::scenario::{Base, Scenario};
use rand::RngExt;
use rayon::prelude::*;
use serde::Serialize;
use std::path::Path;

/// The intervals of one measure of the effect.
#[derive(Clone, Debug, Serialize)]
pub struct MeasureDraws {
    /// What is measured, reform against base.
    pub measure: String,
    pub intervals: DrawIntervals,
}

/// What `--param-draws` found for one reform.
#[derive(Clone, Debug, Serialize)]
pub struct ParamDraws {
    pub base: String,
    pub reform: String,
    pub draws: usize,
    pub replicates: u32,
    pub seed: u64,
    pub keys: Vec<String>,
    /// The parameter values of each draw, in key order.
    pub values: Vec<Vec<f64>>,
    pub measures: Vec<MeasureDraws>,
}

/// Person-years of poverty over the run and the last year's headcount ratio,
/// forked from `history` when `sc` shares it (the same values).
fn outcome(
    history: Option<&SharedHistory<'_>>,
    sc: &Scenario,
    rep: u32,
) -> Result<Option<(f64, f64)>> {
    let col = crate::recorder::trajectory_column;
    let (poor, head) = (col("poor"), col("headcount_ratio"));
    let Start { rows, mut sim, .. } = history::start(history, sc, rep)?;
    let (mut total, mut last) = (0.0, 0.0);
    for v in &rows {
        total += v[poor];
        last = v[head];
    }
    while sim.year <= sc.end_year() {
        if interrupted() {
            return Ok(None);
        }
        let v = sim.step().trajectory_values();
        total += v[poor];
        last = v[head];
    }
    Ok(Some((total, last)))
}

/// Draw `n` parameter sets from `reform`'s priors and run each pair.
/// `sets` are the fixed overrides of both (seed and replicates: the
/// comparison's).
pub fn param_draws(base: &Path, reform: &Path, n: usize, sets: &[String]) -> Result<ParamDraws> {
    prepare(base, reform, n, sets)?.run()
}

/// The draws of one reform, checked and loaded but not yet run: a bad
/// `[uncertainty]` table or a draw that is not a valid scenario fails here,
/// before anything else runs.
pub struct Prepared {
    base: String,
    reform: String,
    n: usize,
    replicates: u32,
    seed: u64,
    end_year: i32,
    keys: Vec<String>,
    values: Vec<Vec<f64>>,
    /// (base, reform) at each draw.
    scs: Vec<(Scenario, Scenario)>,
    /// The reform without the draws' values: whose history every draw's
    /// runs fork from when they share it.
    reference: Scenario,
}

/// Check `reform`'s priors and load every draw of both scenarios.
pub fn prepare(base: &Path, reform: &Path, n: usize, sets: &[String]) -> Result<Prepared> {
    let rb = Base::load(reform, sets)?;
    let bb = Base::load(base, sets)?;
    let (r0, b0) = (rb.scenario()?, bb.scenario()?);
    let Some(plan) = &r0.uncertainty else {
        return Err(r0.origins.error(
            "uncertainty",
            "--param-draws: expected an [uncertainty] table with the priors of the reform, got none",
        ));
    };
    if !(2..=100_000).contains(&n) {
        return Err(Error::Input(format!(
            "--param-draws {n}: expected 2 to 100000 parameter draws"
        )));
    }
    if r0.replicates < 2 {
        return Err(Error::Input(format!(
            "--param-draws: expected at least 2 replicates to measure replicate noise, got {} (give --replicates)",
            r0.replicates
        )));
    }
    let values: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            let mut s = crate::rng::Stream::from_key(crate::rng::key(
                r0.seed,
                0,
                i as u64,
                0,
                Purpose::ParamDraws as u64,
            ));
            plan.keys
                .iter()
                .map(|k| k.prior.value_at(s.random::<f64>()))
                .collect()
        })
        .collect();
    let sets_of = |i: usize| -> Vec<String> {
        plan.keys
            .iter()
            .zip(&values[i])
            .map(|(k, v)| format!("{}={}", k.key, float_text(*v)))
            .collect()
    };
    // Every draw must load in both scenarios before anything runs.
    let pairs: Vec<Result<(Scenario, Scenario)>> = (0..n)
        .into_par_iter()
        .map(|i| Ok((bb.with_sets(&sets_of(i))?, rb.with_sets(&sets_of(i))?)))
        .collect();
    let mut scs = Vec::with_capacity(n);
    for (i, p) in pairs.into_iter().enumerate() {
        scs.push(p.map_err(|e| {
            r0.origins.error(
                "uncertainty",
                format!(
                    "expected priors whose every draw is a valid scenario, but draw {i} ({}) is not: {e}",
                    sets_of(i).join(", ")
                ),
            )
        })?);
    }
    Ok(Prepared {
        base: b0.name.clone(),
        reform: r0.name.clone(),
        n,
        replicates: r0.replicates,
        seed: r0.seed,
        end_year: r0.end_year(),
        keys: plan.keys.iter().map(|k| k.key.clone()).collect(),
        values,
        scs,
        reference: r0,
    })
}

impl Prepared {
    /// Run base and reform at every draw, every replicate.
    pub fn run(self) -> Result<ParamDraws> {
        let (n, scs) = (self.n, &self.scs);
        let reps = self.replicates as usize;
        let history = SharedHistory::run(&self.reference)?;
        let history = history.as_ref();
        let results: Vec<Option<(f64, f64)>> = (0..n * reps)
            .into_par_iter()
            .map(|item| -> Result<Option<(f64, f64)>> {
                let (b, r) = &scs[item / reps];
                let rep = (item % reps) as u32;
                let (Some((bt, bh)), Some((rt, rh))) =
                    (outcome(history, b, rep)?, outcome(history, r, rep)?)
                else {
                    return Ok(None);
                };
                Ok(Some((bt - rt, rh - bh)))
            })
            .collect::<Result<_>>()?;
        if results.iter().any(Option::is_none) {
            return Err(Error::Interrupted("no outputs written".into()));
        }
        let grid = |f: fn(&(f64, f64)) -> f64| -> Vec<Vec<f64>> {
            results
                .chunks(reps)
                .map(|c| c.iter().flatten().map(f).collect())
                .collect()
        };
        let split = |d: Vec<Vec<f64>>| decompose(&d).map_err(Error::Input);
        Ok(ParamDraws {
            base: self.base,
            reform: self.reform,
            draws: n,
            replicates: self.replicates,
            seed: self.seed,
            keys: self.keys,
            values: self.values,
            measures: vec![
                MeasureDraws {
                    measure: "person-years of poverty averted over the run".into(),
                    intervals: split(grid(|x| x.0))?,
                },
                MeasureDraws {
                    measure: format!("headcount ratio in {}, reform − base", self.end_year),
                    intervals: split(grid(|x| x.1))?,
                },
            ],
        })
    }
}

impl ParamDraws {
    /// The two intervals side by side and which dominates, as lines of text.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!(
            "parameter uncertainty ({} draws from the priors of {} over {} keys, {} replicates each; 90% intervals):",
            self.draws,
            self.reform,
            self.keys.len(),
            self.replicates
        )];
        for m in &self.measures {
            let i = &m.intervals;
            let scale = if m.measure.starts_with("headcount") {
                100.0
            } else {
                1.0
            };
            let unit = if scale == 100.0 { " points" } else { "" };
            out.push(format!(
                "  {}: mean {:.2}{unit}; replicate noise alone [{:.2}, {:.2}]; parameters and replicates [{:.2}, {:.2}] (draw means 5–95%: {:.2} to {:.2})",
                m.measure,
                scale * i.mean,
                scale * i.replicate.lo,
                scale * i.replicate.hi,
                scale * i.total.lo,
                scale * i.total.hi,
                scale * i.draw_range.lo,
                scale * i.draw_range.hi
            ));
            out.push(format!("    {}", i.sentence()));
        }
        out
    }

    /// Write `param_draws.json` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<std::path::PathBuf> {
        let p = dir.join(format!("param_draws_{}.json", self.reform));
        let json = serde_json::to_string_pretty(self).expect("draws serialize") + "\n";
        crate::output::atomic::write_file(&p, json.as_bytes())?;
        Ok(p)
    }
}
