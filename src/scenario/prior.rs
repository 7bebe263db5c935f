//! Priors: the distribution of one uncertain scalar key, given as an inline
//! TOML table such as `{ dist = "normal", mean = 0.25, sd = 0.05, min = 0.1,
//! max = 0.4 }`.
//!
//! | `dist` | fields | support |
//! | --- | --- | --- |
//! | `uniform` | `min`, `max` | [min, max] |
//! | `normal` | `mean`, `sd`; optional `min`, `max` (truncation) | (−∞, ∞) or the bounds |
//! | `truncated_normal` | as `normal`, with at least one bound | the bounds |
//! | `lognormal` | `mu`, `sigma` (of ln X) or `mean`, `sd` (of X); optional `min`, `max` | (0, ∞) or the bounds |
//! | `beta` | `alpha`, `beta`; optional `min`, `max` (default 0, 1) | [min, max] |
//! | `triangular` | `min`, `mode`, `max` | [min, max] |
//!
//! A design in the unit hypercube becomes parameter values through each
//! prior's quantile function (inverse CDF), as SALib's `scale_samples` does.
//! A truncated normal (or lognormal) is sampled as Φ⁻¹(Φ(a) + u·(Φ(b) − Φ(a)))
//! on the standardised bounds a, b, reflected when both lie above the mean so
//! that the upper tail keeps its precision. The normal CDF and quantile and
//! the regularised incomplete beta function and its inverse come from
//! `statrs` (erfc and its inverse; AS 63 / AS 109); uniform and triangular
//! quantiles are closed forms.

use statrs::function::{beta as beta_fn, erf};
use std::fmt;

/// Where a Morris grid level of exactly 0 or 1 meets an open tail (an
/// untruncated normal or lognormal end) it takes this quantile (or one minus
/// it) instead of an infinite (or zero) value. An assumption: the grid's
/// extreme levels stand for the 0.5% and 99.5% quantiles of such a prior.
pub const OPEN_TAIL: f64 = 0.005;

/// The family of a prior and its shape parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dist {
    Uniform,
    /// Normal, truncated to the prior's bounds if it has any.
    Normal {
        mean: f64,
        sd: f64,
    },
    /// ln X is normal(mu, sigma), truncated to the prior's bounds if any.
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    /// Beta(alpha, beta) stretched onto the prior's bounds.
    Beta {
        alpha: f64,
        beta: f64,
    },
    Triangular {
        mode: f64,
    },
}

/// The interval a prior's values lie in (ends may be infinite).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Support {
    pub lo: f64,
    pub hi: f64,
}

impl Support {
    /// Whether every value of the prior lies in `[lo, hi]` (a key's valid range).
    pub fn within(&self, lo: f64, hi: f64) -> bool {
        lo <= self.lo && self.hi <= hi
    }
}

impl fmt::Display for Support {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {}]", self.lo, self.hi)
    }
}

/// A validated prior: a family and the bounds of its support. Build one with
/// a constructor or [`Prior::parse`]; each checks its parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prior {
    dist: Dist,
    /// Support (for normal and lognormal: the truncation, or the open ends).
    lo: f64,
    hi: f64,
}

/// The standard normal CDF.
fn phi(z: f64) -> f64 {
    0.5 * erf::erfc(-z / std::f64::consts::SQRT_2)
}

/// The standard normal quantile.
pub(crate) fn phi_inv(p: f64) -> f64 {
    -std::f64::consts::SQRT_2 * erf::erfc_inv(2.0 * p)
}

/// The quantile of a standard normal truncated to [a, b].
fn truncated_phi_inv(u: f64, a: f64, b: f64) -> f64 {
    if a > 0.0 {
        // Both bounds above the mean: Φ near 1 loses digits; reflect.
        return -truncated_phi_inv(1.0 - u, -b, -a);
    }
    let (pa, pb) = (phi(a), phi(b));
    phi_inv(pa + u * (pb - pa)).clamp(a, b)
}

/// The CDF of a standard normal truncated to [a, b].
fn truncated_phi(z: f64, a: f64, b: f64) -> f64 {
    if z <= a {
        return 0.0;
    }
    if z >= b {
        return 1.0;
    }
    if a > 0.0 {
        return 1.0 - truncated_phi(-z, -b, -a);
    }
    let (pa, pb) = (phi(a), phi(b));
    ((phi(z) - pa) / (pb - pa)).clamp(0.0, 1.0)
}

fn finite(name: &str, x: f64) -> Result<f64, String> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(format!("`{name}` must be a finite number, got {x}"))
    }
}

fn positive(name: &str, x: f64) -> Result<f64, String> {
    if finite(name, x)? > 0.0 {
        Ok(x)
    } else {
        Err(format!("`{name}` must be positive, got {x}"))
    }
}

fn ordered(lo: f64, hi: f64) -> Result<(), String> {
    if lo < hi {
        Ok(())
    } else {
        Err(format!("`min` ({lo}) must be below `max` ({hi})"))
    }
}

/// Below this probability between its bounds a truncated prior is taken for
/// a typing slip (and its quantiles would lose all precision).
const MIN_TRUNCATED_MASS: f64 = 1e-9;

impl Prior {
    /// Uniform on [min, max].
    pub fn uniform(min: f64, max: f64) -> Result<Prior, String> {
        finite("min", min)?;
        finite("max", max)?;
        ordered(min, max)?;
        Ok(Prior {
            dist: Dist::Uniform,
            lo: min,
            hi: max,
        })
    }

    /// Normal(mean, sd), truncated to whichever of `min`, `max` is given.
    pub fn normal(mean: f64, sd: f64, min: Option<f64>, max: Option<f64>) -> Result<Prior, String> {
        finite("mean", mean)?;
        positive("sd", sd)?;
        Self::cut(Dist::Normal { mean, sd }, min, max, f64::NEG_INFINITY)
    }

    /// Lognormal: ln X is normal(mu, sigma); truncated to `min`, `max` if given.
    pub fn lognormal(
        mu: f64,
        sigma: f64,
        min: Option<f64>,
        max: Option<f64>,
    ) -> Result<Prior, String> {
        finite("mu", mu)?;
        positive("sigma", sigma)?;
        if let Some(m) = min.filter(|&m| m < 0.0) {
            return Err(format!(
                "`min` of a lognormal prior must be 0 or more, got {m}"
            ));
        }
        if let Some(m) = max.filter(|&m| m <= 0.0) {
            return Err(format!(
                "`max` of a lognormal prior must be positive, got {m}"
            ));
        }
        Self::cut(Dist::LogNormal { mu, sigma }, min, max, 0.0)
    }

    /// Lognormal with the given mean and sd of X itself (not of ln X):
    /// sigma² = ln(1 + sd²/mean²), mu = ln mean − sigma²/2.
    pub fn lognormal_from_moments(
        mean: f64,
        sd: f64,
        min: Option<f64>,
        max: Option<f64>,
    ) -> Result<Prior, String> {
        positive("mean", mean)?;
        positive("sd", sd)?;
        let s2 = (1.0 + (sd / mean).powi(2)).ln();
        Self::lognormal(mean.ln() - s2 / 2.0, s2.sqrt(), min, max)
    }

    /// Beta(alpha, beta) stretched onto [min, max].
    pub fn beta(alpha: f64, beta: f64, min: f64, max: f64) -> Result<Prior, String> {
        positive("alpha", alpha)?;
        positive("beta", beta)?;
        finite("min", min)?;
        finite("max", max)?;
        ordered(min, max)?;
        Ok(Prior {
            dist: Dist::Beta { alpha, beta },
            lo: min,
            hi: max,
        })
    }

    /// Triangular on [min, max] with its peak at `mode`.
    pub fn triangular(min: f64, mode: f64, max: f64) -> Result<Prior, String> {
        finite("min", min)?;
        finite("mode", mode)?;
        finite("max", max)?;
        ordered(min, max)?;
        if !(min..=max).contains(&mode) {
            return Err(format!(
                "`mode` ({mode}) must lie in [min, max] = [{min}, {max}]"
            ));
        }
        Ok(Prior {
            dist: Dist::Triangular { mode },
            lo: min,
            hi: max,
        })
    }

    /// A normal-family prior cut to whichever bounds are given (`open_lo`
    /// is the family's own lower end), refused if they hold almost nothing.
    fn cut(dist: Dist, min: Option<f64>, max: Option<f64>, open_lo: f64) -> Result<Prior, String> {
        let lo = match min {
            Some(m) => finite("min", m)?,
            None => open_lo,
        };
        let hi = match max {
            Some(m) => finite("max", m)?,
            None => f64::INFINITY,
        };
        ordered(lo, hi)?;
        let p = Prior { dist, lo, hi };
        p.check_mass()?;
        Ok(p)
    }

    fn check_mass(&self) -> Result<(), String> {
        let family = match self.dist {
            Dist::LogNormal { .. } => "lognormal",
            _ => "normal",
        };
        if let Some((_, a, b)) = self.standardised() {
            let mass = if a > 0.0 {
                phi(-a) - phi(-b)
            } else {
                phi(b) - phi(a)
            };
            if mass.is_nan() || mass < MIN_TRUNCATED_MASS {
                return Err(format!(
                    "the bounds [{}, {}] hold almost none of the {family} distribution's probability ({mass:.1e}); expected bounds near its bulk",
                    self.lo, self.hi
                ));
            }
        }
        Ok(())
    }

    /// For the normal family: (location-scale map, standardised bounds) in
    /// the space where the variable is standard normal (ln X for lognormal).
    fn standardised(&self) -> Option<((f64, f64), f64, f64)> {
        let (m, s, lo, hi) = match self.dist {
            Dist::Normal { mean, sd } => (mean, sd, self.lo, self.hi),
            Dist::LogNormal { mu, sigma } => (mu, sigma, self.lo.ln(), self.hi.ln()),
            _ => return None,
        };
        Some(((m, s), (lo - m) / s, (hi - m) / s))
    }

    /// The family and shape.
    pub fn dist(&self) -> Dist {
        self.dist
    }

    /// Whether the prior has been cut to bounds narrower than its family's
    /// natural support (normal and lognormal only).
    pub fn is_truncated(&self) -> bool {
        match self.dist {
            Dist::Normal { .. } => self.lo.is_finite() || self.hi.is_finite(),
            Dist::LogNormal { .. } => self.lo > 0.0 || self.hi.is_finite(),
            _ => false,
        }
    }

    /// The interval the prior's values lie in; check it against the key's
    /// valid range with [`Support::within`].
    pub fn support(&self) -> Support {
        Support {
            lo: self.lo,
            hi: self.hi,
        }
    }

    /// The quantile function (inverse CDF): the value below which a share
    /// `u` of the prior lies. At `u` = 0 or 1 it is the support's end, which
    /// may be infinite (or 0 for an untruncated lognormal).
    ///
    /// # Panics
    /// If `u` is NaN or outside [0, 1].
    pub fn quantile(&self, u: f64) -> f64 {
        assert!(
            (0.0..=1.0).contains(&u),
            "quantile of u = {u}, outside [0, 1]"
        );
        let (lo, hi) = (self.lo, self.hi);
        // The ends exactly, whatever rounding inside the formulas would give.
        if u == 0.0 {
            return lo;
        }
        if u == 1.0 {
            return hi;
        }
        match self.dist {
            Dist::Uniform => (lo + u * (hi - lo)).min(hi),
            Dist::Triangular { mode } => {
                let w = hi - lo;
                if u * w < mode - lo {
                    lo + (u * w * (mode - lo)).sqrt()
                } else {
                    hi - ((1.0 - u) * w * (hi - mode)).sqrt()
                }
            }
            Dist::Beta { alpha, beta } => lo + (hi - lo) * beta_fn::inv_beta_reg(alpha, beta, u),
            Dist::Normal { .. } | Dist::LogNormal { .. } => {
                let ((m, s), a, b) = self.standardised().expect("normal family");
                let z = m + s * truncated_phi_inv(u, a, b);
                let x = if matches!(self.dist, Dist::LogNormal { .. }) {
                    z.exp()
                } else {
                    z
                };
                x.clamp(lo, hi)
            }
        }
    }

    /// The cumulative distribution function: the share of the prior at or
    /// below `x`.
    pub fn cdf(&self, x: f64) -> f64 {
        let (lo, hi) = (self.lo, self.hi);
        if x <= lo {
            return 0.0;
        }
        if x >= hi {
            return 1.0;
        }
        match self.dist {
            Dist::Uniform => (x - lo) / (hi - lo),
            Dist::Triangular { mode } => {
                let w = hi - lo;
                if x <= mode {
                    (x - lo).powi(2) / (w * (mode - lo))
                } else {
                    1.0 - (hi - x).powi(2) / (w * (hi - mode))
                }
            }
            Dist::Beta { alpha, beta } => beta_fn::beta_reg(alpha, beta, (x - lo) / (hi - lo)),
            Dist::Normal { .. } | Dist::LogNormal { .. } => {
                let ((m, s), a, b) = self.standardised().expect("normal family");
                let t = if matches!(self.dist, Dist::LogNormal { .. }) {
                    x.ln()
                } else {
                    x
                };
                truncated_phi((t - m) / s, a, b)
            }
        }
    }

    /// Map a design coordinate `u` in [0, 1] to a value: the quantile,
    /// except that `u` = 0 or 1 on an open tail takes [`OPEN_TAIL`] or
    /// 1 − [`OPEN_TAIL`] (the ends of a Morris grid; Sobol' points never
    /// reach them).
    pub fn value_at(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        let open = |end: f64| match self.dist {
            Dist::Normal { .. } => end.is_infinite(),
            Dist::LogNormal { .. } => end.is_infinite() || end == 0.0,
            _ => false,
        };
        if u == 0.0 && open(self.lo) {
            self.quantile(OPEN_TAIL)
        } else if u == 1.0 && open(self.hi) {
            self.quantile(1.0 - OPEN_TAIL)
        } else {
            self.quantile(u)
        }
    }

    /// Parse an inline table such as `{ dist = "normal", mean = 0.25,
    /// sd = 0.05, min = 0.1, max = 0.4 }`. The error names the field and what
    /// was expected; the caller adds the file, line, column and key.
    pub fn parse(v: &toml::Value) -> Result<Prior, String> {
        let Some(t) = v.as_table() else {
            return Err(format!(
                "expected a prior as an inline table such as {{ dist = \"normal\", mean = 0.25, sd = 0.05 }}, got {}",
                kind(v)
            ));
        };
        let dist = match t.get("dist") {
            None => return Err(format!("missing `dist` (one of {})", DISTS.join(", "))),
            Some(toml::Value::String(s)) => s.as_str(),
            Some(other) => {
                return Err(format!(
                    "`dist` must be a string, one of {}; got {}",
                    DISTS.join(", "),
                    kind(other)
                ));
            }
        };
        let allowed: &[&str] = match dist {
            "uniform" => &["min", "max"],
            "normal" | "truncated_normal" => &["mean", "sd", "min", "max"],
            "lognormal" => &["mu", "sigma", "mean", "sd", "min", "max"],
            "beta" => &["alpha", "beta", "min", "max"],
            "triangular" => &["min", "mode", "max"],
            other => {
                return Err(format!(
                    "`dist` must be one of {}; got \"{other}\"",
                    DISTS.join(", ")
                ));
            }
        };
        if let Some(k) = t
            .keys()
            .find(|k| *k != "dist" && !allowed.contains(&k.as_str()))
        {
            return Err(format!(
                "unknown field `{k}` for a {dist} prior (expected {})",
                allowed.join(", ")
            ));
        }
        let need = |k: &str| -> Result<f64, String> {
            number(t, k)?.ok_or_else(|| {
                format!(
                    "missing `{k}` (a number): a {dist} prior takes {}",
                    allowed.join(", ")
                )
            })
        };
        let opt = |k: &str| number(t, k);
        match dist {
            "uniform" => Prior::uniform(need("min")?, need("max")?),
            "normal" => Prior::normal(need("mean")?, need("sd")?, opt("min")?, opt("max")?),
            "truncated_normal" => {
                let (min, max) = (opt("min")?, opt("max")?);
                if min.is_none() && max.is_none() {
                    return Err("a truncated_normal prior needs `min`, `max` or both".into());
                }
                Prior::normal(need("mean")?, need("sd")?, min, max)
            }
            "lognormal" => {
                let log_space = t.contains_key("mu") || t.contains_key("sigma");
                let natural = t.contains_key("mean") || t.contains_key("sd");
                match (log_space, natural) {
                    (true, true) => Err(
                        "a lognormal prior takes either `mu` and `sigma` (of ln X) or `mean` and `sd` (of X), not both"
                            .into(),
                    ),
                    (true, false) => {
                        Prior::lognormal(need("mu")?, need("sigma")?, opt("min")?, opt("max")?)
                    }
                    _ => Prior::lognormal_from_moments(
                        need("mean")?,
                        need("sd")?,
                        opt("min")?,
                        opt("max")?,
                    ),
                }
            }
            "beta" => Prior::beta(
                need("alpha")?,
                need("beta")?,
                opt("min")?.unwrap_or(0.0),
                opt("max")?.unwrap_or(1.0),
            ),
            _ => Prior::triangular(need("min")?, need("mode")?, need("max")?),
        }
    }
}

/// The names `dist` accepts.
pub const DISTS: [&str; 6] = [
    "uniform",
    "normal",
    "truncated_normal",
    "lognormal",
    "beta",
    "triangular",
];

fn kind(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a number",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

/// A field as a number (integers accepted), or None if absent.
fn number(t: &toml::Table, k: &str) -> Result<Option<f64>, String> {
    match t.get(k) {
        None => Ok(None),
        Some(toml::Value::Float(x)) => finite(k, *x).map(Some),
        Some(toml::Value::Integer(i)) => Ok(Some(*i as f64)),
        Some(other) => Err(format!("`{k}` must be a number, got {}", kind(other))),
    }
}

impl fmt::Display for Prior {
    /// The prior in the words of its table, e.g. `normal(mean 0.25, sd 0.05) on [0.1, 0.4]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.dist {
            Dist::Uniform => write!(f, "uniform on [{}, {}]", self.lo, self.hi),
            Dist::Triangular { mode } => {
                write!(f, "triangular(mode {mode}) on [{}, {}]", self.lo, self.hi)
            }
            Dist::Beta { alpha, beta } => {
                write!(
                    f,
                    "beta(alpha {alpha}, beta {beta}) on [{}, {}]",
                    self.lo, self.hi
                )
            }
            Dist::Normal { mean, sd } => {
                write!(f, "normal(mean {mean}, sd {sd})")?;
                if self.is_truncated() {
                    write!(f, " truncated to [{}, {}]", self.lo, self.hi)?;
                }
                Ok(())
            }
            Dist::LogNormal { mu, sigma } => {
                write!(f, "lognormal(mu {mu}, sigma {sigma} of ln X)")?;
                if self.is_truncated() {
                    write!(f, " truncated to [{}, {}]", self.lo, self.hi)?;
                }
                Ok(())
            }
        }
    }
}
