//! Each household's schooling wage factor kept between years, so that phase
//! one takes an `exp` only where schooling changed, not once per
//! household-year.
//!
//! The factor is [`schooling_factor`] of the household's schooling at the
//! year's returns to schooling, the same `f32` function of the same inputs,
//! so every value is the one phase one would compute afresh. Schooling
//! changes only when children grow up into adults (demography, which
//! recomputes that household's factor) and when a population is built or
//! read (the engine starts with no factors); the returns are checked each
//! year and, if they differ from those the factors were computed at, every
//! factor is recomputed.

use super::household::{YearParams, schooling_factor};
use rayon::prelude::*;

/// The schooling wage factors of every household (4 bytes a household).
#[derive(Clone, Debug, Default)]
pub struct WageFactors {
    factor: Vec<f32>,
    /// The returns to schooling (low, high), as bits, that `factor` was
    /// computed at; `None`: not computed yet.
    returns: Option<(u32, u32)>,
}

impl WageFactors {
    /// Every household's factor at the year's returns, from its schooling:
    /// recomputed only if the returns or the number of households differ
    /// from the last call's.
    pub fn refresh(&mut self, schooling: &[f32], p: &YearParams) -> &mut [f32] {
        let returns = (
            p.return_schooling_low.to_bits(),
            p.return_schooling_high.to_bits(),
        );
        if self.returns != Some(returns) || self.factor.len() != schooling.len() {
            *self = Self::of(schooling, p);
        }
        &mut self.factor
    }

    /// Every household's factor computed afresh.
    pub fn of(schooling: &[f32], p: &YearParams) -> Self {
        let (low, high) = (p.return_schooling_low, p.return_schooling_high);
        WageFactors {
            factor: schooling
                .par_iter()
                .map(|&s| schooling_factor(s, low, high))
                .collect(),
            returns: Some((low.to_bits(), high.to_bits())),
        }
    }

    /// The factors, household by household.
    pub fn factors(&self) -> &[f32] {
        &self.factor
    }

    /// The factors, to be split into the chunks phase one updates.
    pub fn factors_mut(&mut self) -> &mut [f32] {
        &mut self.factor
    }
}
