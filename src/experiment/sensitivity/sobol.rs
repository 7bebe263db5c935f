//! Sobol' indices: Saltelli's design on a scrambled Sobol' sequence, and the
//! first-order and total indices with bootstrap intervals.
//!
//! **Design** (SALib 1.6.0 `SALib.sample.sobol.sample(problem, N,
//! calc_second_order=False)`, `SALib/sample/sobol.py`; Saltelli 2002,
//! Saltelli et al. 2010): N points of a 2D-dimensional Sobol' sequence give
//! two N × D matrices, A (dimensions 0..D) and B (dimensions D..2D); AB⁽ⁱ⁾ is
//! A with column i taken from B. The runs are, for each row j in turn,
//! Aⱼ, AB⁽¹⁾ⱼ, …, AB⁽ᴰ⁾ⱼ, Bⱼ: N(D + 2) runs, SALib's row order.
//!
//! **Sequence.** SALib draws scipy's `qmc.Sobol(d=2D, scramble=True)`: Joe–Kuo
//! direction numbers with a linear matrix scramble and digital shift, no
//! points skipped (SALib's `skip_values=0`; Owen 2020, "On dropping the first
//! Sobol' point", shows that skipping harms and scrambling is the remedy for
//! the unscrambled sequence's first point at the origin). Here the sequence is
//! the `sobol_burley` crate's: Joe–Kuo direction numbers with hash-based Owen
//! (nested uniform) scrambling (Burley 2020), also without skipping; its seed
//! comes from the analysis seed's keyed stream. Either scramble keeps the
//! sequence's stratification, so a run of N = 2^m points is balanced;
//! N must therefore be a power of two ([`round_base_samples`] gives the one to
//! use). The crate's limits, 2^16 points and 256 dimensions, bound N to
//! [`MAX_BASE_SAMPLES`] and D to [`MAX_FACTORS`]. Its coordinates have 23
//! bits; each is moved to the middle of its 2⁻²³ cell, so no coordinate is 0
//! or 1 and every prior's quantile is finite.
//!
//! **Estimators** (SALib 1.6.0 `SALib/analyze/sobol.py`, `calc_second_order
//! =False`): the outputs are first standardised, y ← (y − ȳ)/sd(y) over all
//! N(D + 2) runs (as SALib does: the first-order estimator is not invariant to
//! the mean). With V = Var([f(A); f(B)]) (2N values, ddof 0),
//!
//! - first order (Saltelli et al. 2010):
//!   Sᵢ = (1/N) Σⱼ f(B)ⱼ (f(AB⁽ⁱ⁾)ⱼ − f(A)ⱼ) / V;
//! - total (Jansen 1999): Sₜᵢ = (1/2N) Σⱼ (f(A)ⱼ − f(AB⁽ⁱ⁾)ⱼ)² / V.
//!
//! **Intervals**: the N rows (Aⱼ, AB⁽ⁱ⁾ⱼ, Bⱼ together) are resampled with
//! replacement, both indices recomputed on each resample (the same resampled
//! rows for every factor, as SALib), and the half-width is z·sd of the
//! resampled indices: SALib's `S1_conf`, `ST_conf`. With a scrambled Sobol'
//! design the true error is usually smaller than this iid bootstrap says.
//!
//! Reading them: Sᵢ is the share of the output's variance that input i
//! explains alone; Sₜᵢ adds every interaction it takes part in, so Sₜᵢ ≥ Sᵢ
//! up to sampling error, and Sₜᵢ ≈ 0 means the input can be fixed anywhere in
//! its prior. Σ Sᵢ ≤ 1; 1 − Σ Sᵢ is the share due to interactions.

use super::bootstrap;
use super::{Bootstrap, Estimate, purpose, stream};
use rand::RngExt;

/// The most base samples N (the `sobol_burley` sequence's length).
pub const MAX_BASE_SAMPLES: u32 = 1 << 16;

/// The most factors (2D dimensions of the `sobol_burley` sequence).
pub const MAX_FACTORS: usize = sobol_burley::NUM_DIMENSIONS as usize / 2;

/// The base sample size to use for a requested one: the next power of two at
/// or above it (at least 2). The caller says when this differs from what was
/// asked ("Sobol' needs a power of two: 1000 rounded up to 1024").
pub fn round_base_samples(requested: u64) -> Result<u32, String> {
    if requested == 0 {
        return Err("the Sobol' sample size must be positive".into());
    }
    let n = requested.max(2).next_power_of_two();
    if n > u64::from(MAX_BASE_SAMPLES) {
        return Err(format!(
            "the Sobol' sample size must be at most {MAX_BASE_SAMPLES} (2^16), got {requested}"
        ));
    }
    Ok(n as u32)
}

/// Points `0..n` of the scrambled Sobol' sequence in `dims` dimensions,
/// every coordinate strictly inside (0, 1).
pub fn sobol_points(n: u32, dims: usize, seed: u64) -> Result<Vec<Vec<f64>>, String> {
    if n > MAX_BASE_SAMPLES {
        return Err(format!(
            "at most {MAX_BASE_SAMPLES} Sobol' points, asked for {n}"
        ));
    }
    if dims > sobol_burley::NUM_DIMENSIONS as usize {
        return Err(format!(
            "at most {} Sobol' dimensions, asked for {dims}",
            sobol_burley::NUM_DIMENSIONS
        ));
    }
    let scramble: u32 = stream(seed, 0, purpose::SOBOL_SCRAMBLE).random();
    // The crate's coordinates are k / 2^23; the middle of the cell is (k + ½) / 2^23.
    let half_cell = 0.5 / f64::from(1u32 << 23);
    Ok((0..n)
        .map(|i| {
            (0..dims as u32)
                .map(|d| f64::from(sobol_burley::sample(i, d, scramble)) + half_cell)
                .collect()
        })
        .collect())
}

/// Saltelli's design for first and total indices, in the unit hypercube.
#[derive(Clone, Debug, PartialEq)]
pub struct SaltelliDesign {
    /// Base samples N (a power of two).
    pub n: u32,
    pub factors: usize,
    /// N(D + 2) rows: per base sample, A, AB⁽¹⁾ … AB⁽ᴰ⁾, B.
    pub rows: Vec<Vec<f64>>,
}

impl SaltelliDesign {
    /// The design for `factors` inputs on `n` base samples (a power of two:
    /// see [`round_base_samples`]), scrambled by `seed`.
    pub fn new(factors: usize, n: u32, seed: u64) -> Result<SaltelliDesign, String> {
        if factors == 0 {
            return Err("a Sobol' design needs at least one factor".into());
        }
        if factors > MAX_FACTORS {
            return Err(format!(
                "a Sobol' design takes at most {MAX_FACTORS} factors, got {factors}"
            ));
        }
        if n < 2 || !n.is_power_of_two() || n > MAX_BASE_SAMPLES {
            return Err(format!(
                "the Sobol' sample size must be a power of two from 2 to {MAX_BASE_SAMPLES}, got {n}"
            ));
        }
        let base = sobol_points(n, 2 * factors, seed)?;
        let mut rows = Vec::with_capacity(n as usize * (factors + 2));
        for p in &base {
            let (a, b) = p.split_at(factors);
            rows.push(a.to_vec());
            for i in 0..factors {
                let mut ab = a.to_vec();
                ab[i] = b[i];
                rows.push(ab);
            }
            rows.push(b.to_vec());
        }
        Ok(SaltelliDesign { n, factors, rows })
    }

    /// Model runs: N(D + 2).
    pub fn runs(&self) -> usize {
        self.rows.len()
    }
}

/// The first-order and total index of one factor.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct SobolIndex {
    pub first: Estimate,
    pub total: Estimate,
}

/// The outputs split SALib's way: A, B and the AB⁽ⁱ⁾ columns.
struct Split {
    a: Vec<f64>,
    b: Vec<f64>,
    /// `ab[i][j]`: factor i, base sample j.
    ab: Vec<Vec<f64>>,
}

/// Below this the outputs are taken as constant (SALib: `np.finfo(float).eps`).
const EPS: f64 = f64::EPSILON;

/// (first, total) for every factor on the base samples `rows` (indices into
/// the split; a bootstrap resample or all of them).
fn indices_on(s: &Split, rows: &[usize]) -> Vec<(f64, f64)> {
    let n = rows.len() as f64;
    let (mut sum, mut sum2) = (0.0, 0.0);
    for &j in rows {
        sum += s.a[j] + s.b[j];
        sum2 += s.a[j] * s.a[j] + s.b[j] * s.b[j];
    }
    let mean = sum / (2.0 * n);
    let var = sum2 / (2.0 * n) - mean * mean;
    s.ab.iter()
        .map(|ab| {
            if var <= EPS {
                return (0.0, 0.0);
            }
            let (mut first, mut total) = (0.0, 0.0);
            for &j in rows {
                first += s.b[j] * (ab[j] - s.a[j]);
                total += (s.a[j] - ab[j]).powi(2);
            }
            (first / n / var, 0.5 * total / n / var)
        })
        .collect()
}

/// First-order and total indices of every factor, with bootstrap intervals,
/// from the outputs of [`SaltelliDesign::rows`] in order (N(D + 2) of them).
pub fn analyze(
    factors: usize,
    outputs: &[f64],
    boot: &Bootstrap,
) -> Result<Vec<SobolIndex>, String> {
    bootstrap::check(boot)?;
    let step = factors + 2;
    if factors == 0 || outputs.is_empty() || !outputs.len().is_multiple_of(step) {
        return Err(format!(
            "expected N({factors} + 2) outputs for {factors} factors (one per design row), got {}",
            outputs.len()
        ));
    }
    if let Some(i) = outputs.iter().position(|y| !y.is_finite()) {
        return Err(format!(
            "output {i} is not a finite number ({})",
            outputs[i]
        ));
    }
    let n = outputs.len() / step;
    let mean = outputs.iter().sum::<f64>() / outputs.len() as f64;
    let sd =
        (outputs.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / outputs.len() as f64).sqrt();
    let y = |k: usize| {
        if sd > 0.0 {
            (outputs[k] - mean) / sd
        } else {
            0.0
        }
    };
    let split = Split {
        a: (0..n).map(|j| y(j * step)).collect(),
        b: (0..n).map(|j| y(j * step + factors + 1)).collect(),
        ab: (0..factors)
            .map(|i| (0..n).map(|j| y(j * step + 1 + i)).collect())
            .collect(),
    };
    let all: Vec<usize> = (0..n).collect();
    let point = indices_on(&split, &all);
    let mut firsts = vec![Vec::with_capacity(boot.resamples as usize); factors];
    let mut totals = firsts.clone();
    let mut rows = Vec::with_capacity(n);
    for b in 0..boot.resamples {
        bootstrap::indices(boot.seed, u64::from(b), n, &mut rows);
        for (i, (f, t)) in indices_on(&split, &rows).into_iter().enumerate() {
            firsts[i].push(f);
            totals[i].push(t);
        }
    }
    let z = bootstrap::z(boot.level);
    Ok(point
        .into_iter()
        .enumerate()
        .map(|(i, (f, t))| SobolIndex {
            first: Estimate::new(f, z * bootstrap::sd(&firsts[i])),
            total: Estimate::new(t, z * bootstrap::sd(&totals[i])),
        })
        .collect())
}
