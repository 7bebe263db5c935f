//! Distributions to draw an attribute from, as a file writes them:
//! `{ dist = "beta", mean = 0.45, sd = 0.22 }`. The valid range of each
//! parameter ([`DistKind::param_range`]) is declared here once, for the
//! range checks and for `--list-keys`.

use super::keys::{Range, words};
use serde::{Deserialize, Serialize};

words! {
    /// The kind of a distribution.
    pub enum DistKind {
        Constant = "constant",
        Uniform = "uniform",
        Normal = "normal",
        Lognormal = "lognormal",
        Beta = "beta",
        Poisson = "poisson",
    }
}

/// A distribution to draw an attribute from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dist {
    /// `constant`, `uniform`, `normal`, `lognormal`, `beta` or `poisson`.
    pub dist: DistKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigma: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

impl Dist {
    pub fn constant(v: f64) -> Self {
        Dist {
            dist: DistKind::Constant,
            value: Some(v),
            mean: None,
            sd: None,
            median: None,
            sigma: None,
            min: None,
            max: None,
        }
    }
    pub fn beta(mean: f64, sd: f64) -> Self {
        Dist {
            dist: DistKind::Beta,
            mean: Some(mean),
            sd: Some(sd),
            ..Dist::constant(0.0)
        }
        .no_value()
    }
    pub fn normal(mean: f64, sd: f64, min: f64, max: f64) -> Self {
        Dist {
            dist: DistKind::Normal,
            mean: Some(mean),
            sd: Some(sd),
            min: Some(min),
            max: Some(max),
            ..Dist::constant(0.0)
        }
        .no_value()
    }
    pub fn lognormal(median: f64, sigma: f64) -> Self {
        Dist {
            dist: DistKind::Lognormal,
            median: Some(median),
            sigma: Some(sigma),
            ..Dist::constant(0.0)
        }
        .no_value()
    }
    pub fn poisson(mean: f64, min: f64, max: f64) -> Self {
        Dist {
            dist: DistKind::Poisson,
            mean: Some(mean),
            min: Some(min),
            max: Some(max),
            ..Dist::constant(0.0)
        }
        .no_value()
    }
    fn no_value(mut self) -> Self {
        self.value = None;
        self
    }

    /// Every parameter by name, in the order of the fields.
    pub fn params(&self) -> [(&'static str, Option<f64>); 7] {
        [
            ("value", self.value),
            ("mean", self.mean),
            ("sd", self.sd),
            ("median", self.median),
            ("sigma", self.sigma),
            ("min", self.min),
            ("max", self.max),
        ]
    }

    /// The expected value of a draw (the lower bound when it is above the mean).
    pub fn mean_value(&self) -> f64 {
        match self.dist {
            DistKind::Constant => self.value.unwrap_or(0.0),
            DistKind::Uniform => (self.min.unwrap_or(0.0) + self.max.unwrap_or(0.0)) / 2.0,
            DistKind::Normal | DistKind::Beta | DistKind::Poisson => {
                self.mean.unwrap_or(0.0).max(self.min.unwrap_or(0.0))
            }
            DistKind::Lognormal => {
                self.median.unwrap_or(0.0) * (self.sigma.unwrap_or(0.0).powi(2) / 2.0).exp()
            }
        }
    }
}

/// Any finite number.
const FINITE: Range = Range::closed(f64::NEG_INFINITY, f64::INFINITY);

impl DistKind {
    /// The parameters a distribution of this kind takes.
    pub fn allowed_params(self) -> &'static [&'static str] {
        match self {
            DistKind::Constant => &["value"],
            DistKind::Uniform => &["min", "max"],
            DistKind::Normal => &["mean", "sd", "min", "max"],
            DistKind::Lognormal => &["median", "sigma", "min", "max"],
            DistKind::Beta => &["mean", "sd"],
            DistKind::Poisson => &["mean", "min", "max"],
        }
    }

    /// The parameters it must be given.
    pub fn required_params(self) -> &'static [&'static str] {
        match self {
            DistKind::Constant => &["value"],
            DistKind::Uniform => &["min", "max"],
            DistKind::Normal => &["mean", "sd"],
            DistKind::Lognormal => &["median", "sigma"],
            DistKind::Beta => &["mean", "sd"],
            DistKind::Poisson => &["mean"],
        }
    }

    /// The valid range of parameter `name` of a distribution of this kind
    /// whose draws are kept in [lo, hi], and a rule beyond the range (None:
    /// not a parameter of this kind). `min` and `max` bound the draws.
    pub fn param_range(
        self,
        name: &str,
        lo: f64,
        hi: f64,
    ) -> Option<(Range, Option<&'static str>)> {
        if !self.allowed_params().contains(&name) {
            return None;
        }
        let r = match (self, name) {
            (DistKind::Constant, _) | (DistKind::Uniform, "min") => Range::closed(lo, hi),
            (DistKind::Uniform, _) => return Some((Range::closed(lo, hi), Some("≥ min"))),
            (DistKind::Normal, "mean") => Range::closed(lo, hi),
            (DistKind::Normal, "sd") => Range::closed(0.0, hi - lo),
            (DistKind::Lognormal, "median") => Range {
                min_open: lo <= 0.0,
                ..Range::closed(lo.max(0.0), hi)
            },
            (DistKind::Lognormal, "sigma") => Range::closed(0.0, 5.0),
            (DistKind::Beta, "mean") => Range {
                min_open: true,
                max_open: true,
                ..Range::closed(0.0, 1.0)
            },
            (DistKind::Beta, _) => {
                let r = Range {
                    min_open: true,
                    max_open: true,
                    ..Range::closed(0.0, 0.5)
                };
                return Some((r, Some("below sqrt(mean·(1−mean))")));
            }
            (DistKind::Poisson, "mean") => Range::closed(0.0, hi),
            // The bounds of the draws of a normal, lognormal or Poisson.
            _ => return Some((FINITE, Some("max ≥ min"))),
        };
        Some((r, None))
    }
}
