//! Chance against ignorance: the two intervals of `compare --param-draws`.
//!
//! The input is a matrix of paired differences (reform − base) `d[i][j]`: M
//! parameter sets drawn from the priors (rows) × R replicates (columns), each
//! pair run under common random numbers. A one-way random-effects model,
//! dᵢⱼ = μ + bᵢ + eᵢⱼ, splits its variance (one-way ANOVA, e.g. Searle,
//! Casella & McCulloch 1992, ch. 3):
//!
//! - within draws, σ²_w = MSW = Σᵢⱼ (dᵢⱼ − d̄ᵢ)² / (M(R − 1)): replicate noise
//!   (the households' luck), per replicate;
//! - between draws, σ²_b = max(0, (MSB − MSW) / R), MSB = R Σᵢ (d̄ᵢ − d̄)² /
//!   (M − 1): how much the true effect moves with the parameters.
//!
//! The 90% intervals, both around the grand mean d̄:
//!
//! - **replicate noise alone**: d̄ ± t₀.₉₅(M(R − 1)) √(σ²_w / R), the interval a
//!   run at one parameter set with R replicates reports (as `compare` does);
//! - **parameters and replicates**: d̄ ± t₀.₉₅(M − 1) s √(1 + 1/M), with s² the
//!   variance of the draw means d̄ᵢ (an unbiased estimate of σ²_b + σ²_w / R):
//!   the normal-theory prediction interval of the effect a run with R
//!   replicates would report at a parameter set drawn from the priors.
//!
//! Which dominates compares σ²_b with σ²_w / R, the two parts of the variance
//! of one such run's result. The 5th and 95th percentiles of the draw means
//! are also given, a check on the normal theory when the effect's spread over
//! the priors is skewed.

use crate::experiment::compare::t95;
use crate::measures::percentile;
use serde::Serialize;

/// A 90% interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
}

impl Interval {
    pub fn width(&self) -> f64 {
        self.hi - self.lo
    }
}

/// The larger source of uncertainty in one run's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Parameters,
    Replicates,
}

/// The variance split and the two intervals.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DrawIntervals {
    pub draws: usize,
    pub replicates: usize,
    /// The grand mean of the paired differences.
    pub mean: f64,
    /// σ²_w: replicate noise, per replicate.
    pub within_variance: f64,
    /// σ²_b: the variance of the true effect across parameter draws.
    pub between_variance: f64,
    /// Replicate noise alone.
    pub replicate: Interval,
    /// Parameter plus replicate uncertainty.
    pub total: Interval,
    /// The 5th and 95th percentiles of the draw means.
    pub draw_range: Interval,
    /// σ²_b / (σ²_b + σ²_w / R).
    pub parameter_share: f64,
    pub dominant: Source,
}

impl DrawIntervals {
    /// One sentence saying which source dominates, for the report.
    pub fn sentence(&self) -> String {
        let pct = |x: f64| format!("{:.0}%", 100.0 * x);
        match self.dominant {
            Source::Parameters => format!(
                "Parameter uncertainty dominates: {} of the variance of a {}-replicate result comes from the parameters, {} from replicate noise.",
                pct(self.parameter_share),
                self.replicates,
                pct(1.0 - self.parameter_share)
            ),
            Source::Replicates => format!(
                "Replicate noise dominates: {} of the variance of a {}-replicate result comes from replicate noise, {} from the parameters.",
                pct(1.0 - self.parameter_share),
                self.replicates,
                pct(self.parameter_share)
            ),
        }
    }
}

/// Split the paired differences `diffs[draw][replicate]` (every row the same
/// length; at least 2 draws and 2 replicates) and give both intervals.
pub fn decompose(diffs: &[Vec<f64>]) -> Result<DrawIntervals, String> {
    let m = diffs.len();
    let r = diffs.first().map_or(0, Vec::len);
    if m < 2 || r < 2 {
        return Err(format!(
            "the split needs at least 2 parameter draws and 2 replicates, got {m} × {r}"
        ));
    }
    if let Some(i) = diffs.iter().position(|row| row.len() != r) {
        return Err(format!(
            "draw {i} has {} replicates, draw 0 has {r}",
            diffs[i].len()
        ));
    }
    if diffs.iter().flatten().any(|x| !x.is_finite()) {
        return Err("a paired difference is not a finite number".into());
    }
    let (mf, rf) = (m as f64, r as f64);
    let means: Vec<f64> = diffs
        .iter()
        .map(|row| row.iter().sum::<f64>() / rf)
        .collect();
    let mean = means.iter().sum::<f64>() / mf;
    let within = diffs
        .iter()
        .zip(&means)
        .map(|(row, mi)| row.iter().map(|x| (x - mi).powi(2)).sum::<f64>())
        .sum::<f64>()
        / (mf * (rf - 1.0));
    // s² of the draw means = MSB / R.
    let s2 = means.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (mf - 1.0);
    let between = (s2 - within / rf).max(0.0);
    let around = |half: f64| Interval {
        lo: mean - half,
        hi: mean + half,
    };
    let noise = within / rf;
    let share = if between + noise > 0.0 {
        between / (between + noise)
    } else {
        0.0
    };
    let mut sorted = means.clone();
    Ok(DrawIntervals {
        draws: m,
        replicates: r,
        mean,
        within_variance: within,
        between_variance: between,
        replicate: around(t95(m * (r - 1)) * noise.sqrt()),
        total: around(t95(m - 1) * (s2 * (1.0 + 1.0 / mf)).sqrt()),
        draw_range: Interval {
            lo: percentile(&mut sorted, 0.05),
            hi: percentile(&mut sorted, 0.95),
        },
        parameter_share: share,
        dominant: if between > noise {
            Source::Parameters
        } else {
            Source::Replicates
        },
    })
}
