//! Parameter uncertainty and global sensitivity analysis, as a library of
//! pure functions (issue 15): priors, designs, estimators, the files SALib
//! re-analyses, and the two intervals of `compare --param-draws`. Nothing
//! here runs the model: the caller maps a design's rows to scenarios, runs
//! them, and hands back one output per row.
//!
//! - [`prior`]: distributions of an uncertain key (uniform, normal, truncated
//!   normal, lognormal, beta, triangular), their quantile functions and
//!   supports, parsed from an inline TOML table.
//! - [`morris`]: Morris trajectories and elementary effects (μ, μ*, σ, with a
//!   bootstrap interval on μ*).
//! - [`sobol`]: Saltelli's design on a scrambled Sobol' sequence and the
//!   first-order (Saltelli 2010) and total (Jansen 1999) indices, with
//!   bootstrap intervals.
//! - [`salib`]: the design, the outputs and the problem as files that
//!   SALib's `analyze` functions read.
//! - [`analysis`], [`outputs`], [`chart`], [`report`]: `povsim
//!   sensitivity`, the designs run on the model (resumable, shardable) and
//!   the files of a finished analysis.
//! - [`draws`]: replicate noise against parameter uncertainty, from paired
//!   differences under parameter draws (a within/between variance split).
//!
//! The estimators match SALib 1.6.0 (`SALib/sample/morris/morris.py`,
//! `SALib/analyze/morris.py`, `SALib/sample/sobol.py`,
//! `SALib/analyze/sobol.py`); each module says what it matches and where it
//! departs. The methods are explained in docs/SENSITIVITY.md.
//!
//! Randomness (Morris trajectories, the Sobol' scramble, bootstrap resamples)
//! comes from keyed streams of [`crate::rng`] under purposes of this module's
//! own, far above those of [`crate::rng::Purpose`], so an analysis is the same
//! for the same seed whatever the order of the calls.

pub mod analysis;
pub mod chart;
pub mod draws;
pub mod morris;
pub mod outputs;
pub mod report;
pub mod salib;
pub mod sobol;

mod bootstrap;

/// Priors live with the scenario (its `[uncertainty]` table declares them).
pub use crate::scenario::prior;
pub use prior::{Prior, Support};

/// One uncertain input: its name (a scenario key, for the caller) and prior.
#[derive(Clone, Debug, PartialEq)]
pub struct Factor {
    pub name: String,
    pub prior: Prior,
}

/// The uncertain inputs of an analysis, in column order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Problem {
    pub factors: Vec<Factor>,
}

impl Problem {
    pub fn new(factors: Vec<Factor>) -> Problem {
        Problem { factors }
    }

    /// The number of inputs (SALib's `num_vars`).
    pub fn len(&self) -> usize {
        self.factors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.factors.is_empty()
    }

    /// The names, in column order.
    pub fn names(&self) -> Vec<&str> {
        self.factors.iter().map(|f| f.name.as_str()).collect()
    }

    /// Map one design row in the unit hypercube to parameter values, each
    /// through its prior's [`Prior::value_at`].
    ///
    /// # Panics
    /// If the row's length is not the number of factors.
    pub fn values(&self, unit_row: &[f64]) -> Vec<f64> {
        assert_eq!(unit_row.len(), self.len(), "design row of the wrong width");
        self.factors
            .iter()
            .zip(unit_row)
            .map(|(f, &u)| f.prior.value_at(u))
            .collect()
    }

    /// Map every row of a unit-hypercube design (see [`Problem::values`]).
    pub fn values_of(&self, unit_rows: &[Vec<f64>]) -> Vec<Vec<f64>> {
        unit_rows.iter().map(|r| self.values(r)).collect()
    }
}

/// An estimate and its bootstrap interval, SALib's way: `conf` is the
/// half-width z·sd of the bootstrap estimates (SALib's `*_conf`), and
/// `[lo, hi]` is `value ± conf` (for Morris μ*, `lo` is cut at 0).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Estimate {
    pub value: f64,
    pub conf: f64,
    pub lo: f64,
    pub hi: f64,
}

impl Estimate {
    pub fn new(value: f64, conf: f64) -> Estimate {
        Estimate {
            value,
            conf,
            lo: value - conf,
            hi: value + conf,
        }
    }

    /// Whether `x` lies in `[lo, hi]`.
    pub fn contains(&self, x: f64) -> bool {
        self.lo <= x && x <= self.hi
    }
}

/// Options of the bootstrap behind every interval here.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bootstrap {
    /// Resamples drawn (SALib's `num_resamples`; SALib's default is 100).
    pub resamples: u32,
    /// Confidence level of the intervals (SALib's `conf_level`).
    pub level: f64,
    /// Seed of the keyed resampling streams.
    pub seed: u64,
}

impl Default for Bootstrap {
    /// 1,000 resamples (the sd of a bootstrap sd from 100 is ~7% of it; from
    /// 1,000, ~2%; the cost is nothing next to one model run), 90% intervals
    /// (issue 15), seed 0.
    fn default() -> Bootstrap {
        Bootstrap {
            resamples: 1000,
            level: 0.90,
            seed: 0,
        }
    }
}

/// The keyed-stream purposes of this module, registered in
/// [`crate::rng::Purpose`]: far above the simulation's (and their
/// `purpose << 16 | sub` keys, all below 2^24), so no stream of a simulation
/// is ever one of these.
pub(crate) mod purpose {
    use crate::rng::Purpose;
    pub const MORRIS: u64 = Purpose::SensitivityMorris as u64;
    pub const SOBOL_SCRAMBLE: u64 = Purpose::SensitivityScramble as u64;
    pub const BOOTSTRAP: u64 = Purpose::SensitivityBootstrap as u64;
}

/// A fresh keyed stream of this module: `entity` numbers the trajectory or
/// the resample.
pub(crate) fn stream(seed: u64, entity: u64, purpose: u64) -> crate::rng::Stream {
    crate::rng::Stream::from_key(crate::rng::key(seed, 0, entity, 0, purpose))
}
