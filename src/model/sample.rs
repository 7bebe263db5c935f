//! Drawing attribute values from the scenario's [`Dist`]s.

use crate::scenario::raw::{Dist, DistKind};
use rand::RngExt;
use rand_distr::{Beta, Distribution, LogNormal, Normal, Poisson};

/// A distribution ready to sample (parameters checked by validation).
#[derive(Clone, Debug)]
pub enum Sampler {
    Constant(f64),
    Uniform(f64, f64),
    Normal(Normal<f64>, f64, f64),
    LogNormal(LogNormal<f64>, f64, f64),
    Beta(Beta<f64>),
    Poisson(Poisson<f64>, f64, f64),
}

impl Sampler {
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
                let med = d.median.unwrap_or(1.0).max(f64::MIN_POSITIVE);
                match LogNormal::new(med.ln(), d.sigma.unwrap_or(0.0)) {
                    Ok(n) => Sampler::LogNormal(n, lo, hi),
                    Err(_) => Sampler::Constant(med),
                }
            }
            DistKind::Beta => {
                // Method of moments: mean m, variance v → a = m·k, b = (1−m)·k, k = m(1−m)/v − 1.
                let m = d.mean.unwrap_or(0.5);
                let v = d.sd.unwrap_or(0.1).powi(2);
                let k = (m * (1.0 - m) / v - 1.0).max(1e-3);
                match Beta::new(m * k, (1.0 - m) * k) {
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

    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Sampler::Constant(v) => *v,
            Sampler::Uniform(a, b) => a + (b - a) * rng.random::<f64>(),
            Sampler::Normal(n, lo, hi) => n.sample(rng).clamp(*lo, *hi),
            Sampler::LogNormal(n, lo, hi) => n.sample(rng).clamp(lo.max(0.0), *hi),
            Sampler::Beta(b) => b.sample(rng),
            Sampler::Poisson(p, shift, hi) => (shift + p.sample(rng)).min(*hi),
        }
    }
}
