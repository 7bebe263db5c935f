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

pub mod prior;

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
