//! The bootstrap behind the intervals of [`super::morris`] and
//! [`super::sobol`], done SALib's way: resample the N rows (or the r
//! elementary effects) with replacement, recompute the estimate on each
//! resample, and report z·sd of the resampled estimates (sd with ddof 1, z the
//! normal quantile of the level) as the half-width. Resample `b` draws its
//! indices from its own keyed stream, so intervals are deterministic and do
//! not depend on the order the resamples are computed in.

use super::{Bootstrap, purpose, stream};
use rand::RngExt;

/// The two-sided normal quantile of a confidence level (1.645 for 0.90):
/// SALib's `norm.ppf(0.5 + conf_level / 2)`.
pub(super) fn z(level: f64) -> f64 {
    super::prior::phi_inv(0.5 + level / 2.0)
}

/// Check the options once, before any work.
pub(super) fn check(b: &Bootstrap) -> Result<(), String> {
    if !(b.level > 0.0 && b.level < 1.0) {
        return Err(format!(
            "the confidence level must lie strictly between 0 and 1, got {}",
            b.level
        ));
    }
    if b.resamples < 2 {
        return Err(format!(
            "the bootstrap needs at least 2 resamples, got {}",
            b.resamples
        ));
    }
    Ok(())
}

/// The indices of resample `b` of `n` items, keyed by (seed, `entity`).
pub(super) fn indices(seed: u64, entity: u64, n: usize, out: &mut Vec<usize>) {
    let mut s = stream(seed, entity, purpose::BOOTSTRAP);
    out.clear();
    out.extend((0..n).map(|_| s.random_range(0..n)));
}

/// The sample standard deviation (ddof 1); 0 for fewer than two values.
pub(super) fn sd(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let m = xs.iter().sum::<f64>() / xs.len() as f64;
    (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64).sqrt()
}
