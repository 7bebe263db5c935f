//! Factors of each household that phase one would otherwise recompute every
//! household-year, kept between years so that it takes an `exp` only where
//! an input changed.
//!
//! - The schooling wage factor, [`schooling_factor`] of the household's
//!   schooling at the year's returns to schooling. Schooling changes only
//!   when children grow up into adults (demography, which recomputes that
//!   household's factor) and when a population is built or read (the
//!   engine starts with no factors).
//! - The return factor on productive assets, [`return_factor`]: drawn once
//!   per household from its talent stream, so it depends only on the
//!   stream and `income.return_sigma`.
//!
//! Each is the same `f32` function of the same inputs, so every value is
//! the one phase one would compute afresh. Their inputs from the scenario
//! (the returns to schooling, `return_sigma`, the talent streams) are
//! checked each year and, if they differ from those the factors were
//! computed at, the factors are recomputed.

use super::draw::YearDraws;
use super::household::{YearParams, return_factor, schooling_factor};
use crate::rng::YearStreams;
use rayon::prelude::*;

/// The kept factors of every household (8 bytes a household).
#[derive(Clone, Debug, Default)]
pub struct KeptFactors {
    schooling: Vec<f32>,
    /// The returns to schooling (low, high), as bits, that `schooling` was
    /// computed at; `None`: not computed yet.
    schooling_at: Option<(u32, u32)>,
    returns: Vec<f32>,
    /// The talent streams and `return_sigma`, as bits, that `returns` was
    /// computed at; `None`: not computed yet.
    returns_at: Option<(YearStreams, u32)>,
}

/// A chunk's kept factors, as phase one reads and updates them.
pub struct KeptChunk<'a> {
    /// Schooling wage factors: phase one recomputes one where demography
    /// changes the household's schooling.
    pub schooling: &'a mut [f32],
    /// Return factors on productive assets (read only).
    pub returns: &'a [f32],
}

impl KeptFactors {
    /// Every household's factors for the year, from its schooling and
    /// `d`'s talent streams: recomputed only if the scenario's inputs or
    /// the number of households differ from the last call's.
    pub fn refresh(&mut self, schooling: &[f32], p: &YearParams, d: &YearDraws) {
        let n = schooling.len();
        let school_at = (
            p.return_schooling_low.to_bits(),
            p.return_schooling_high.to_bits(),
        );
        if self.schooling_at != Some(school_at) || self.schooling.len() != n {
            let (low, high) = (p.return_schooling_low, p.return_schooling_high);
            self.schooling = schooling
                .par_iter()
                .map(|&s| schooling_factor(s, low, high))
                .collect();
            self.schooling_at = Some(school_at);
        }
        let returns_at = (d.talent, p.return_sigma.to_bits());
        if self.returns_at != Some(returns_at) || self.returns.len() != n {
            self.returns = (0..n as u64)
                .into_par_iter()
                .map(|i| return_factor(&d.talent, d.normal, i, p.return_sigma))
                .collect();
            self.returns_at = Some(returns_at);
        }
    }

    /// Every household's factors computed afresh.
    pub fn of(schooling: &[f32], p: &YearParams, d: &YearDraws) -> Self {
        let mut k = KeptFactors::default();
        k.refresh(schooling, p, d);
        k
    }

    /// The schooling wage factors, household by household.
    pub fn schooling(&self) -> &[f32] {
        &self.schooling
    }

    /// The return factors, household by household.
    pub fn returns(&self) -> &[f32] {
        &self.returns
    }

    /// The factors in chunks of `size` households, in household order.
    pub fn chunks(&mut self, size: usize) -> Vec<KeptChunk<'_>> {
        self.schooling
            .chunks_mut(size)
            .zip(self.returns.chunks(size))
            .map(|(schooling, returns)| KeptChunk { schooling, returns })
            .collect()
    }
}
