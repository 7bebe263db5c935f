//! Drawing attribute values from the scenario's [`Dist`]s.
//!
//! Two kinds of sampler, the same distributions:
//!
//! - [`Sampler::new`] (villages: a few hundred draws) samples directly with
//!   rand_distr's samplers.
//! - [`Sampler::tabulated`] (households: a dozen attributes for each of
//!   millions) inverts one uniform through a table built once per run: a
//!   Poisson count through its cumulative table (exact to 2⁻³²); a normal or
//!   lognormal through its quantile function at 1,024 equal steps of
//!   probability, linearly interpolated, and computed exactly in the first
//!   and last steps (the unbounded tails); a beta with both shapes at least
//!   1 through its distribution function at 1,024 equal steps of the value
//!   (`statrs`' regularized incomplete beta), linearly interpolated (a
//!   density constant within each 1/1,024 of the range). A draw is one
//!   uniform and a table lookup instead of a normal and a logarithm or
//!   exponential (rejection for the beta), and each attribute is a monotone
//!   function of its own uniform, so a change of a distribution's parameter
//!   moves every household's value smoothly (common random numbers).
//!   Betas with a shape below 1 (an unbounded density) keep rand_distr's
//!   exact sampler.

use crate::rng::Stream;
use crate::scenario::raw::{Dist, DistKind};
use rand::{Rng, RngExt};
use rand_distr::{Beta, Distribution, LogNormal, Normal, Poisson};
use statrs::function::{beta::beta_reg, erf::erfc_inv};

/// Largest Poisson mean drawn through a table (beyond it `e^(−λ)` underflows
/// and the table would be long): rand_distr's sampler takes over.
const POISSON_TABLE_MAX_MEAN: f64 = 500.0;

/// Steps of a quantile or distribution table.
const STEPS: usize = 1024;

/// A distribution ready to sample (parameters checked by validation).
#[derive(Clone, Debug)]
pub enum Sampler {
    Constant(f64),
    Uniform(f64, f64),
    Normal(Normal<f64>, f64, f64),
    LogNormal(LogNormal<f64>, f64, f64),
    Beta(Beta<f64>),
    Poisson(Poisson<f64>, f64, f64),
    /// A shifted Poisson capped at its maximum, by inversion of its cumulative table.
    PoissonTable(PoissonTable),
    /// A normal or lognormal by inversion of its tabulated quantile function, clamped to (lo, hi).
    Quantiles(Quantiles, f64, f64),
    /// A beta by inversion of its tabulated distribution function.
    BetaTable(BetaTable),
}

impl Sampler {
    /// A sampler that draws directly (cheap to make: for a few draws).
    pub fn new(d: &Dist) -> Sampler {
        let lo = d.min.unwrap_or(f64::NEG_INFINITY);
        let hi = d.max.unwrap_or(f64::INFINITY);
        match d.dist {
            DistKind::Constant => Sampler::Constant(d.value.unwrap_or(0.0)),
            DistKind::Uniform => Sampler::Uniform(d.min.unwrap_or(0.0), d.max.unwrap_or(0.0)),
            DistKind::Normal => {
                let sd = d.sd.unwrap_or(0.0);
                match Normal::new(d.mean.unwrap_or(0.0), sd) {
                    Ok(n) => Sampler::Normal(n, lo, hi),
                    Err(_) => Sampler::Constant(d.mean.unwrap_or(0.0)),
                }
            }
            DistKind::Lognormal => {
                let med = median(d);
                match LogNormal::new(med.ln(), d.sigma.unwrap_or(0.0)) {
                    Ok(n) => Sampler::LogNormal(n, lo, hi),
                    Err(_) => Sampler::Constant(med),
                }
            }
            DistKind::Beta => {
                let (m, a, b) = beta_shapes(d);
                match Beta::new(a, b) {
                    Ok(b) => Sampler::Beta(b),
                    Err(_) => Sampler::Constant(m),
                }
            }
            DistKind::Poisson => {
                // Shifted so that the minimum is kept and the mean is as given.
                let m = d.mean.unwrap_or(0.0);
                let shift = d.min.unwrap_or(0.0).max(0.0);
                let lambda = (m - shift).max(0.0);
                if lambda <= 0.0 {
                    Sampler::Constant(shift.max(m))
                } else {
                    match Poisson::new(lambda) {
                        Ok(p) => Sampler::Poisson(p, shift, hi),
                        Err(_) => Sampler::Constant(m),
                    }
                }
            }
        }
    }

    /// A sampler that inverts one uniform through a table (costs a
    /// millisecond or so to make, then a few nanoseconds a draw: for
    /// populations). Falls back to [`Sampler::new`] where no table applies.
    pub fn tabulated(d: &Dist) -> Sampler {
        let lo = d.min.unwrap_or(f64::NEG_INFINITY);
        let hi = d.max.unwrap_or(f64::INFINITY);
        let direct = Sampler::new(d);
        match (&direct, d.dist) {
            (Sampler::Normal(..), _) => Sampler::Quantiles(
                Quantiles::new(Shape::Normal {
                    mean: d.mean.unwrap_or(0.0),
                    sd: d.sd.unwrap_or(0.0),
                }),
                lo,
                hi,
            ),
            (Sampler::LogNormal(..), _) => Sampler::Quantiles(
                Quantiles::new(Shape::LogNormal {
                    mu: median(d).ln(),
                    sigma: d.sigma.unwrap_or(0.0),
                }),
                lo.max(0.0),
                hi,
            ),
            (Sampler::Beta(_), _) => {
                let (_, a, b) = beta_shapes(d);
                if a >= 1.0 && b >= 1.0 {
                    Sampler::BetaTable(BetaTable::new(a, b))
                } else {
                    direct
                }
            }
            (Sampler::Poisson(_, shift, hi), DistKind::Poisson) => {
                let lambda = (d.mean.unwrap_or(0.0) - shift).max(0.0);
                if lambda <= POISSON_TABLE_MAX_MEAN {
                    Sampler::PoissonTable(PoissonTable::new(lambda, *shift, *hi))
                } else {
                    direct
                }
            }
            _ => direct,
        }
    }

    /// One draw for each key, from slot `slot` of the key's stream
    /// ([`Stream::slot`]), handed to `put` with the key's index. The
    /// distribution is matched once, not per draw, and a chunk of households
    /// draws one attribute at a time, so its table stays in the L1 cache.
    pub fn sample_each(&self, keys: &[u64], slot: u64, mut put: impl FnMut(usize, f64)) {
        macro_rules! each {
            ($r:ident => $e:expr) => {
                for (j, &k) in keys.iter().enumerate() {
                    let $r = &mut Stream::from_key(k).slot(slot);
                    put(j, $e);
                }
            };
        }
        match self {
            Sampler::Constant(v) => keys.iter().enumerate().for_each(|(j, _)| put(j, *v)),
            Sampler::PoissonTable(t) => each!(r => t.sample(r)),
            Sampler::Quantiles(q, lo, hi) => each!(r => q.sample(r).clamp(*lo, *hi)),
            Sampler::BetaTable(t) => each!(r => t.sample(r)),
            _ => each!(r => self.sample(r)),
        }
    }

    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Sampler::Constant(v) => *v,
            Sampler::Uniform(a, b) => a + (b - a) * rng.random::<f64>(),
            Sampler::Normal(n, lo, hi) => n.sample(rng).clamp(*lo, *hi),
            Sampler::LogNormal(n, lo, hi) => n.sample(rng).clamp(lo.max(0.0), *hi),
            Sampler::Beta(b) => b.sample(rng),
            Sampler::Poisson(p, shift, hi) => (shift + p.sample(rng)).min(*hi),
            Sampler::PoissonTable(t) => t.sample(rng),
            Sampler::Quantiles(q, lo, hi) => q.sample(rng).clamp(*lo, *hi),
            Sampler::BetaTable(t) => t.sample(rng),
        }
    }
}

/// The median of a lognormal (kept positive).
fn median(d: &Dist) -> f64 {
    d.median.unwrap_or(1.0).max(f64::MIN_POSITIVE)
}

/// A beta's mean and shapes by the method of moments: mean m, variance v →
/// a = m·k, b = (1−m)·k, k = m(1−m)/v − 1.
fn beta_shapes(d: &Dist) -> (f64, f64, f64) {
    let m = d.mean.unwrap_or(0.5);
    let v = d.sd.unwrap_or(0.1).powi(2);
    let k = (m * (1.0 - m) / v - 1.0).max(1e-3);
    (m, m * k, (1.0 - m) * k)
}

/// A uniform in (0, 1) from 53 bits (never 0 or 1: quantile functions are
/// infinite there).
#[inline]
fn open01<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    // Through i64: one instruction to convert on x86-64, where u64 takes several.
    (((rng.next_u64() >> 11) as i64) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// The cumulative table of a shifted, capped Poisson.
#[derive(Clone, Debug)]
pub struct PoissonTable {
    /// `P(X ≤ k)` in units of 2⁻³²; the last entry is 2³² (the cap gathers the tail).
    thresholds: Vec<u64>,
    shift: f64,
    hi: f64,
}

impl PoissonTable {
    /// `shift + X` capped at `hi`, `X ~ Poisson(lambda)`, `0 < lambda ≤ 500`.
    fn new(lambda: f64, shift: f64, hi: f64) -> PoissonTable {
        // Counts above the cap come out as the cap: fold their mass into it.
        let last = if hi.is_finite() {
            (hi - shift).floor().max(0.0)
        } else {
            f64::INFINITY
        };
        let scale = 4_294_967_296.0; // 2^32
        let (mut pmf, mut cdf, mut k) = ((-lambda).exp(), 0.0f64, 0.0f64);
        let mut thresholds = Vec::new();
        loop {
            cdf += pmf;
            // Past here the tail is below the uniform's resolution (or capped).
            if k >= last || ((1.0 - cdf) * scale < 0.5 && k >= lambda) {
                thresholds.push(1u64 << 32);
                break;
            }
            thresholds.push(((cdf * scale).round() as u64).min(1 << 32));
            k += 1.0;
            pmf *= lambda / k;
        }
        PoissonTable {
            thresholds,
            shift,
            hi,
        }
    }

    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let u = rng.next_u64() >> 32;
        // Counts are small: a linear walk stops after a step or two.
        let k = self.thresholds.iter().take_while(|&&t| t <= u).count();
        (self.shift + k as f64).min(self.hi)
    }
}

/// A distribution given by its quantile function.
#[derive(Clone, Copy, Debug)]
enum Shape {
    Normal { mean: f64, sd: f64 },
    LogNormal { mu: f64, sigma: f64 },
}

/// The standard normal's quantile at `u` in (0, 1): `Φ⁻¹(u) = −√2 · erfc⁻¹(2u)`.
pub fn normal_quantile(u: f64) -> f64 {
    -std::f64::consts::SQRT_2 * erfc_inv(2.0 * u)
}

/// A quantile table of `STEPS + 1` knots read at `u` in (0, 1): linear
/// between the knots, `ends(u)` in the first and last step.
#[inline]
fn interpolate(knots: &[f64], u: f64, ends: impl FnOnce(f64) -> f64) -> f64 {
    let t = u * STEPS as f64;
    let k = t as usize;
    if k == 0 || k >= STEPS - 1 {
        return ends(u);
    }
    let (a, b) = (knots[k], knots[k + 1]);
    a + (t - k as f64) * (b - a)
}

impl Shape {
    /// The exact quantile at `u` in (0, 1).
    fn quantile(&self, u: f64) -> f64 {
        let z = normal_quantile(u);
        match *self {
            Shape::Normal { mean, sd } => mean + sd * z,
            Shape::LogNormal { mu, sigma } => (mu + sigma * z).exp(),
        }
    }
}

/// The quantile function at `STEPS` equal steps of probability.
#[derive(Clone, Debug)]
pub struct Quantiles {
    shape: Shape,
    /// `Q(k / STEPS)` for k = 0..=STEPS (the ends, infinite, are never read).
    knots: Vec<f64>,
}

impl Quantiles {
    fn new(shape: Shape) -> Quantiles {
        let knots = (0..=STEPS)
            .map(|k| shape.quantile(k as f64 / STEPS as f64))
            .collect();
        Quantiles { shape, knots }
    }

    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        // The tails (unbounded, and curved): exact.
        interpolate(&self.knots, open01(rng), |u| self.shape.quantile(u))
    }
}

/// A beta's distribution function at `STEPS` equal steps of the value, and
/// its quantile function at `STEPS` equal steps of probability read off it.
#[derive(Clone, Debug)]
pub struct BetaTable {
    /// `F(k / STEPS)` for k = 0..=STEPS (0 and 1 at the ends).
    cdf: Vec<f64>,
    /// `guide[j]`: the first step k with `F((k + 1) / STEPS) > j / STEPS`
    /// (where to start looking for a uniform in `[j, j + 1) / STEPS`).
    guide: Vec<u32>,
    /// `Q(k / STEPS)` for k = 0..=STEPS, from `cdf`.
    knots: Vec<f64>,
}

impl BetaTable {
    /// Beta(a, b) with a, b ≥ 1 (a bounded density).
    fn new(a: f64, b: f64) -> BetaTable {
        let mut cdf: Vec<f64> = (0..=STEPS)
            .map(|k| beta_reg(a, b, k as f64 / STEPS as f64))
            .collect();
        cdf[0] = 0.0;
        cdf[STEPS] = 1.0;
        // Monotone whatever the incomplete beta's rounding.
        for k in 1..=STEPS {
            cdf[k] = cdf[k].max(cdf[k - 1]);
        }
        let mut guide = Vec::with_capacity(STEPS);
        let mut k = 0;
        for j in 0..STEPS {
            let u = j as f64 / STEPS as f64;
            while k < STEPS - 1 && cdf[k + 1] <= u {
                k += 1;
            }
            guide.push(k as u32);
        }
        let mut t = BetaTable {
            cdf,
            guide,
            knots: Vec::new(),
        };
        t.knots = (0..=STEPS)
            .map(|k| t.invert(k as f64 / STEPS as f64))
            .collect();
        t.knots[STEPS] = 1.0;
        t
    }

    /// The value whose tabulated distribution function is `u` (a search in
    /// the table and a linear interpolation: exact for the piecewise-linear
    /// distribution function).
    fn invert(&self, u: f64) -> f64 {
        let mut k = self.guide[((u * STEPS as f64) as usize).min(STEPS - 1)] as usize;
        while k < STEPS - 1 && self.cdf[k + 1] <= u {
            k += 1;
        }
        let (a, b) = (self.cdf[k], self.cdf[k + 1]);
        (k as f64 + (u - a) / (b - a)) / STEPS as f64
    }

    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        // The ends, where the quantile function may be steep: the search.
        interpolate(&self.knots, open01(rng), |u| self.invert(u))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mean and variance of `n` draws.
    fn moments(s: &Sampler, n: usize, key: u64) -> (f64, f64) {
        let mut r = Stream::from_key(key);
        let (mut s1, mut s2) = (0.0, 0.0);
        for _ in 0..n {
            let x = s.sample(&mut r);
            s1 += x;
            s2 += x * x;
        }
        let m = s1 / n as f64;
        (m, s2 / n as f64 - m * m)
    }

    #[test]
    fn tabulated_betas_have_the_stated_moments() {
        // Shapes ≥ 1 (tables) and below 1 (Cheng), at the package's defaults and beyond.
        for (mean, sd) in [
            (0.2, 0.15),
            (0.85, 0.12),
            (0.4, 0.2),
            (0.6, 0.2),
            (0.5, 0.4),
            (0.05, 0.1),
        ] {
            let s = Sampler::tabulated(&Dist::beta(mean, sd));
            let (m, v) = moments(&s, 400_000, 3);
            // Standard errors: sd/√n ≤ 6e-4 for the mean; about 1% for the sd.
            assert!((m - mean).abs() < 2.5e-3, "beta({mean}, {sd}): mean {m}");
            let rel = v.sqrt() / sd - 1.0;
            assert!(rel.abs() < 0.02, "beta({mean}, {sd}): sd {}", v.sqrt());
            for x in (0..1000).map(|k| s.sample(&mut Stream::from_key(k))) {
                assert!((0.0..=1.0).contains(&x), "{x}");
            }
        }
        assert!(matches!(
            Sampler::tabulated(&Dist::beta(0.4, 0.2)),
            Sampler::BetaTable(..)
        ));
        assert!(matches!(
            Sampler::tabulated(&Dist::beta(0.5, 0.4)),
            Sampler::Beta(..)
        ));
    }

    #[test]
    fn tabulated_beta_matches_the_incomplete_beta_in_deciles() {
        // Chi-square of 200,000 draws in the ten deciles of Beta(1.22, 4.9)
        // (skill's default): the deciles found by bisection on statrs' function.
        let (a, b) = (1.22, 4.9);
        let t = BetaTable::new(a, b);
        let decile = |q: f64| {
            let (mut lo, mut hi) = (0.0, 1.0);
            for _ in 0..60 {
                let mid = 0.5 * (lo + hi);
                if beta_reg(a, b, mid) < q {
                    lo = mid
                } else {
                    hi = mid
                }
            }
            lo
        };
        let edges: Vec<f64> = (1..10).map(|k| decile(k as f64 / 10.0)).collect();
        let n = 200_000;
        let mut seen = [0.0f64; 10];
        let mut r = Stream::from_key(5);
        for _ in 0..n {
            let x = t.sample(&mut r);
            seen[edges.partition_point(|e| *e <= x)] += 1.0;
        }
        let e = n as f64 / 10.0;
        let chi2: f64 = seen.iter().map(|o| (o - e) * (o - e) / e).sum();
        // 99.9% point of chi-square with 9 degrees of freedom: 27.9.
        assert!(chi2 < 27.9, "chi2 {chi2}: {seen:?}");
    }

    #[test]
    fn tabulated_normals_and_lognormals_have_the_stated_moments_and_tails() {
        let normal = Sampler::tabulated(&Dist::normal(7.0, 2.5, f64::MIN, f64::MAX));
        let (m, v) = moments(&normal, 400_000, 8);
        assert!(
            (m - 7.0).abs() < 0.015 && (v.sqrt() - 2.5).abs() < 0.015,
            "{m} {v}"
        );
        // A lognormal with σ = 1: mean e^(σ²/2)·median, variance (e^σ² − 1)·mean².
        let ln = Sampler::tabulated(&Dist::lognormal(2000.0, 1.0));
        let (m, v) = moments(&ln, 1_000_000, 9);
        let (m0, sd0) = (
            2000.0 * 0.5f64.exp(),
            2000.0 * 0.5f64.exp() * (1f64.exp() - 1.0).sqrt(),
        );
        assert!((m / m0 - 1.0).abs() < 0.01, "mean {m} vs {m0}");
        assert!(
            (v.sqrt() / sd0 - 1.0).abs() < 0.04,
            "sd {} vs {sd0}",
            v.sqrt()
        );
        // The tails are exact: beyond the last knot (2.9 sd), at the frequency of a normal.
        let mut r = Stream::from_key(10);
        let far = (0..1_000_000)
            .filter(|_| normal.sample(&mut r) > 7.0 + 2.5 * 3.0)
            .count() as f64;
        // P(Z > 3) = 0.00135: 1,350 expected, sd 37.
        assert!((far - 1350.0).abs() < 150.0, "{far} beyond 3 sd");
    }

    #[test]
    fn a_tabulated_draw_is_monotone_in_its_uniform() {
        // The same uniform gives a larger value under a distribution shifted
        // up: common random numbers across a change of parameter.
        for (lo, hi) in [
            (Dist::lognormal(1.0, 0.4), Dist::lognormal(1.0, 0.5)),
            (Dist::beta(0.4, 0.2), Dist::beta(0.45, 0.2)),
            (
                Dist::normal(7.0, 2.5, 0.0, 16.0),
                Dist::normal(7.5, 2.5, 0.0, 16.0),
            ),
        ] {
            let (a, b) = (Sampler::tabulated(&lo), Sampler::tabulated(&hi));
            for k in 0..2000u64 {
                let x = a.sample(&mut Stream::from_key(k));
                let y = b.sample(&mut Stream::from_key(k));
                // The lognormal's sigma rises: above the median only.
                if x > 1.0 || !matches!(lo.dist, DistKind::Lognormal) {
                    assert!(y >= x, "{lo:?}: {x} then {y}");
                }
            }
        }
    }

    #[test]
    fn poisson_table_matches_the_capped_pmf() {
        // Chi-square of 400,000 draws against the exact shifted, capped pmf.
        for (mean, lo, hi) in [
            (2.3, 1.0, 6.0),
            (0.9, 0.0, 5.0),
            (0.6, 0.0, 3.0),
            (4.0, 0.0, f64::INFINITY),
        ] {
            let s = Sampler::tabulated(&Dist::poisson(mean, lo, hi));
            assert!(matches!(s, Sampler::PoissonTable(..)));
            let lambda: f64 = mean - lo;
            let top = if hi.is_finite() {
                (hi - lo) as usize
            } else {
                20
            };
            let mut expect = vec![0.0; top + 1];
            let mut pmf = (-lambda).exp();
            for (k, e) in expect.iter_mut().enumerate() {
                if k > 0 {
                    pmf *= lambda / k as f64;
                }
                *e = pmf;
            }
            // The cap gathers the tail.
            let head: f64 = expect[..top].iter().sum();
            expect[top] = 1.0 - head;
            let n = 400_000;
            let mut seen = vec![0.0; top + 1];
            let mut r = Stream::from_key(17);
            for _ in 0..n {
                let x = s.sample(&mut r);
                assert!(x >= lo && x <= hi && x.fract() == 0.0, "{x}");
                seen[((x - lo) as usize).min(top)] += 1.0;
            }
            let (mut chi2, mut cells) = (0.0, 0);
            for (o, p) in seen.iter().zip(&expect) {
                let e = p * n as f64;
                if e >= 5.0 {
                    chi2 += (o - e) * (o - e) / e;
                    cells += 1;
                }
            }
            // 99.9% point of chi-square with up to 20 degrees of freedom: 45.3.
            assert!(
                cells >= 3 && chi2 < 45.3,
                "poisson({mean}, {lo}, {hi}): chi2 {chi2} over {cells} cells"
            );
        }
    }
}
