//! What the data say about the fitted keys, at the best point of the search.
//!
//! **Standard errors.** With `e(θ)` the fitted targets' misses in standard
//! errors and `J = ∂e/∂θ` (central differences, ±2% of each key's range
//! around the best point), the loss `L = eᵀe` has the Gauss–Newton curvature
//! `H = 2 JᵀJ`, and the method of simulated moments gives
//! `Var(θ̂) = (1 + 1/R) (JᵀJ)⁻¹`: the figures' own noise (their standard
//! errors, one each) plus the noise of a replicate mean over `R` replicates
//! (each replicate as noisy as the figure, `1/R` of it in the mean). A key
//! whose slopes are all zero has no finite standard error.
//!
//! **Diagnostics.** A key is *unidentified* when its loss profile (the loss
//! along the key over its bounds, the others at the best values) changes by
//! less than 1% of max(best loss, 1); *at a bound* when its best value lies
//! within 1% of the range from one; *weakly identified* when its plausible
//! range covers more than half its bounds: the 90% interval θ̂ ± 1.645 se,
//! or the range of the key over the near-best evaluations (loss within
//! (1 + 1/R)·2.71 of the best: the 90% point of χ² with one degree of
//! freedom, noise included). Two keys are *strongly correlated* when
//! |ρ| ≥ 0.9: the targets pin a combination of them, not each.
//!
//! Why over 600 lines: the standard errors and the diagnostics read the
//! same Jacobian and loss profiles.

use super::{Evaluation, Evaluator, PROFILE_POINTS, Problem, SLOPE_STEP, Stage, unit};
use crate::error::Result;
use crate::experiment::Band;
use crate::scenario::calibration::Bound;
use serde::Serialize;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// z of a two-sided 90% interval.
const Z90: f64 = 1.644_853_626_951_472_2;
/// The 90% point of χ² with one degree of freedom.
const CHI2_1_90: f64 = 2.705_543_454_095_404;
/// |ρ| from which two keys count as strongly correlated.
pub const STRONG_CORRELATION: f64 = 0.9;

/// One fitted key's result.
#[derive(Clone, Debug, Serialize)]
pub struct KeyResult {
    pub key: String,
    pub value: f64,
    /// The value as set (`--set KEY=VALUE`, and in calibrated.toml).
    pub value_text: String,
    pub bounds: [f64; 2],
    pub transform: &'static str,
    /// Approximate standard error (none if the targets do not move with the key).
    pub se: Option<f64>,
    /// value ± 1.645 se, within the bounds (the bounds without an se).
    pub interval_90: [f64; 2],
    /// The key's range over the near-best evaluations.
    pub near_best: [f64; 2],
    /// Largest minus smallest loss along the key's profile.
    pub loss_change: f64,
    pub unidentified: bool,
    /// `lower` or `upper`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_bound: Option<&'static str>,
    pub weakly_identified: bool,
    /// (value, loss) along the key, the others at the best values.
    pub profile: Vec<[f64; 2]>,
}

/// One target at the best values.
#[derive(Clone, Debug, Serialize)]
pub struct TargetResult {
    pub measure: String,
    pub year: i32,
    pub value: f64,
    pub se: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bound: Option<Bound>,
    pub held_out: bool,
    /// Replicate mean at the best values, and its 90% band across replicates.
    pub simulated: f64,
    pub p5: f64,
    pub p95: f64,
    /// The miss in standard errors (zero on the right side of a bound).
    pub error_se: f64,
}

/// The result of a calibration (calibration.json).
#[derive(Clone, Debug, Serialize)]
pub struct Calibration {
    pub scenario: String,
    pub seed: u64,
    pub replicates: u32,
    /// Evaluations in all (search and diagnostics).
    pub evaluations: usize,
    /// Index (in calibration.csv) of the best evaluation.
    pub best_evaluation: usize,
    /// Loss at the best values: the sum of the fitted targets' squared misses in standard errors.
    pub loss: f64,
    /// The same sum over the held-out targets.
    pub held_out_loss: f64,
    /// (1 + 1/R): how much replicate noise adds to the figures' variance.
    pub noise_factor: f64,
    pub keys: Vec<KeyResult>,
    /// Correlations of the fitted keys' estimates (none where undefined).
    pub correlations: Vec<Vec<Option<f64>>>,
    pub targets: Vec<TargetResult>,
    /// The identification diagnostics, as sentences.
    pub diagnostics: Vec<String>,
    /// Every target measure by year at the best values: mean and 90% band.
    pub fit: BTreeMap<String, Vec<Band>>,
    /// Every evaluation, in order (calibration.csv).
    #[serde(skip)]
    pub trace: Vec<Evaluation>,
    /// Evaluations run by this process (the rest were read from the log).
    #[serde(skip)]
    pub ran: usize,
}

fn must(ev: &RefCell<Evaluator>, u: &[f64], stage: Stage) -> Result<usize> {
    Ok(ev.borrow_mut().at(u, stage)?.unwrap_or(0))
}

/// The diagnostics at the best point found: slopes, profiles, the final run.
pub(super) fn diagnose(p: &Problem, ev: &RefCell<Evaluator>) -> Result<Calibration> {
    ev.borrow_mut().limit = None;
    let k = p.spec.keys.len();
    let best = ev
        .borrow()
        .best()
        .cloned()
        .expect("the search evaluated a point");
    let u: Vec<f64> = (0..k).map(|i| unit(p, i, best.x[i])).collect();
    let fitted: Vec<usize> = (0..p.spec.targets.len())
        .filter(|&j| !p.spec.targets[j].held_out)
        .collect();
    // Slopes of the misses by central differences.
    let mut jac = vec![vec![0.0; k]; fitted.len()];
    for i in 0..k {
        let key = &p.spec.keys[i];
        let mut h = SLOPE_STEP;
        if p.integer[i] && !key.log {
            h = h.max(1.0 / (key.hi - key.lo));
        }
        let (mut a, mut b) = (u.clone(), u.clone());
        a[i] = (u[i] - h).max(0.0);
        b[i] = (u[i] + h).min(1.0);
        let ia = must(ev, &a, Stage::Slope)?;
        let ib = must(ev, &b, Stage::Slope)?;
        let e = ev.borrow();
        let (ea, eb) = (&e.path[ia], &e.path[ib]);
        let dx = eb.x[i] - ea.x[i];
        for (r, &j) in fitted.iter().enumerate() {
            let t = &p.spec.targets[j];
            let d = t.error(eb.simulated[j]) - t.error(ea.simulated[j]);
            jac[r][i] = if dx != 0.0 && d.is_finite() {
                d / dx
            } else {
                0.0
            };
        }
    }
    let factor = 1.0 + 1.0 / p.spec.replicates as f64;
    let (bands, per_replicate) = p.run_replicates(&best.values)?;
    let targets_fitted: Vec<&crate::scenario::calibration::TargetSpec> =
        fitted.iter().map(|&j| &p.spec.targets[j]).collect();
    let reps: Vec<Vec<f64>> = per_replicate
        .iter()
        .map(|r| fitted.iter().map(|&j| r[j]).collect())
        .collect();
    let cov = covariance(&jac, k, &noise(&targets_fitted, &reps));
    // Profiles.
    for i in 0..k {
        for q in 0..PROFILE_POINTS {
            let mut v = u.clone();
            v[i] = q as f64 / (PROFILE_POINTS - 1) as f64;
            must(ev, &v, Stage::Profile)?;
        }
    }
    let e = ev.borrow();
    let trace = e.path.clone();
    let ran = e.ran;
    drop(e);
    let near = best.loss + factor * CHI2_1_90;
    let mut keys = Vec::with_capacity(k);
    for i in 0..k {
        let key = &p.spec.keys[i];
        let mut profile: Vec<[f64; 2]> = trace
            .iter()
            .filter(|t| (0..k).all(|j| j == i || t.values[j] == best.values[j]))
            .map(|t| [t.x[i], t.loss])
            .collect();
        profile.sort_by(|a, b| a[0].total_cmp(&b[0]));
        profile.dedup_by(|a, b| a[0] == b[0]);
        let (lo_l, hi_l) = profile
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
                (a.min(p[1]), b.max(p[1]))
            });
        let loss_change = hi_l - lo_l;
        let se = cov[i][i].filter(|v| *v >= 0.0).map(f64::sqrt);
        let x = best.x[i];
        let interval_90 = match se {
            Some(s) => [(x - Z90 * s).max(key.lo), (x + Z90 * s).min(key.hi)],
            None => [key.lo, key.hi],
        };
        let near_best = trace
            .iter()
            .filter(|t| t.loss <= near)
            .fold([x, x], |r, t| [r[0].min(t.x[i]), r[1].max(t.x[i])]);
        let half = 0.5 * (key.hi - key.lo);
        let at_bound = if u[i] <= 0.01 {
            Some("lower")
        } else if u[i] >= 0.99 {
            Some("upper")
        } else {
            None
        };
        keys.push(KeyResult {
            key: key.key.clone(),
            value: x,
            value_text: best.values[i].clone(),
            bounds: [key.lo, key.hi],
            transform: if key.log { "log" } else { "none" },
            se,
            interval_90,
            near_best,
            loss_change,
            unidentified: loss_change < 0.01 * best.loss.max(1.0),
            at_bound,
            weakly_identified: interval_90[1] - interval_90[0] > half
                || near_best[1] - near_best[0] > half,
            profile,
        });
    }
    let correlations: Vec<Vec<Option<f64>>> = (0..k)
        .map(|i| {
            (0..k)
                .map(|j| match (cov[i][j], cov[i][i], cov[j][j]) {
                    (Some(c), Some(a), Some(b)) if a > 0.0 && b > 0.0 => Some(c / (a * b).sqrt()),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let targets: Vec<TargetResult> = p
        .spec
        .targets
        .iter()
        .map(|t| {
            let b = bands
                .get(&t.measure)
                .and_then(|v| v.iter().find(|b| b.year == t.year));
            let (m, p5, p95) = b.map_or((f64::NAN, f64::NAN, f64::NAN), |b| (b.mean, b.p5, b.p95));
            TargetResult {
                measure: t.measure.clone(),
                year: t.year,
                value: t.value,
                se: t.se,
                bound: t.bound,
                held_out: t.held_out,
                simulated: m,
                p5,
                p95,
                error_se: t.error(m),
            }
        })
        .collect();
    let held_out_loss = targets
        .iter()
        .filter(|t| t.held_out)
        .map(|t| t.error_se.powi(2))
        .sum();
    let fit = bands
        .into_iter()
        .filter(|(m, _)| p.spec.targets.iter().any(|t| &t.measure == m))
        .collect();
    let diagnostics = sentences(&keys, &correlations);
    Ok(Calibration {
        scenario: p.spec.scenario.clone(),
        seed: p.spec.seed,
        replicates: p.spec.replicates,
        evaluations: trace.len(),
        best_evaluation: best.index,
        loss: best.loss,
        held_out_loss,
        noise_factor: factor,
        keys,
        correlations,
        targets,
        diagnostics,
        fit,
        trace,
        ran,
    })
}

/// The diagnostics in words (also printed by the command).
fn sentences(keys: &[KeyResult], corr: &[Vec<Option<f64>>]) -> Vec<String> {
    let mut out = Vec::new();
    for k in keys {
        if k.unidentified {
            out.push(format!(
                "unidentified: changing {} over its bounds changes the loss by less than 1% (by {:.3}); the targets do not pin it down",
                k.key, k.loss_change
            ));
        }
        if let Some(side) = k.at_bound {
            let b = if side == "lower" {
                k.bounds[0]
            } else {
                k.bounds[1]
            };
            out.push(format!(
                "at a bound: {} = {} is at its {side} bound ({b}); the best value may lie beyond it",
                k.key, k.value_text
            ));
        }
        if k.weakly_identified && !k.unidentified {
            out.push(format!(
                "weakly identified: {} is plausible from {} to {} (90% interval {}–{}), more than half its bounds {}–{}",
                k.key,
                sig(k.interval_90[0].min(k.near_best[0])),
                sig(k.interval_90[1].max(k.near_best[1])),
                sig(k.interval_90[0]),
                sig(k.interval_90[1]),
                k.bounds[0],
                k.bounds[1]
            ));
        }
    }
    for i in 0..keys.len() {
        for j in i + 1..keys.len() {
            if let Some(r) = corr[i][j]
                && r.abs() >= STRONG_CORRELATION
            {
                out.push(format!(
                    "strongly correlated: {} and {} (ρ = {r:.2}); the targets pin a combination of them, not each",
                    keys[i].key, keys[j].key
                ));
            }
        }
    }
    out
}

/// Four significant digits, for sentences.
pub fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let d = (3 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
    format!("{x:.d$}")
}

/// The covariance of the misses `e` at the truth, in squared standard
/// errors: the figures' own noise (each its standard error, correlated as the
/// measures are across replicates) plus the noise of the replicate means
/// (the replicates' covariance over R). `reps[r][j]`: fitted target j in
/// replicate r. With one replicate, `2·I` (a replicate as noisy as a figure).
pub fn noise(
    targets: &[&crate::scenario::calibration::TargetSpec],
    reps: &[Vec<f64>],
) -> Vec<Vec<f64>> {
    let n = targets.len();
    let r = reps.len();
    if r < 2 {
        return (0..n)
            .map(|i| (0..n).map(|j| if i == j { 2.0 } else { 0.0 }).collect())
            .collect();
    }
    let mean: Vec<f64> = (0..n)
        .map(|j| reps.iter().map(|x| x[j]).sum::<f64>() / r as f64)
        .collect();
    let cov = |a: usize, b: usize| {
        reps.iter()
            .map(|x| (x[a] - mean[a]) * (x[b] - mean[b]))
            .sum::<f64>()
            / (r - 1) as f64
    };
    (0..n)
        .map(|a| {
            (0..n)
                .map(|b| {
                    let (va, vb) = (cov(a, a), cov(b, b));
                    let rho = if a == b {
                        1.0
                    } else if va > 0.0 && vb > 0.0 {
                        cov(a, b) / (va * vb).sqrt()
                    } else {
                        0.0
                    };
                    let c = rho + cov(a, b) / (r as f64 * targets[a].se * targets[b].se);
                    if c.is_finite() { c } else { 0.0 }
                })
                .collect()
        })
        .collect()
}

/// The sandwich `(JᵀJ)⁺ Jᵀ C J (JᵀJ)⁺` (k × k), with `C` the covariance of
/// the misses ([`noise`]) and `(JᵀJ)⁺` the inverse of the slopes' cross
/// product on the directions the targets pin down (its eigenvalues above
/// 10⁻⁸ of the largest). A key with a share of more than 5% in a direction
/// they do not pin down, or whose slopes are all zero, gets `None` in its row
/// and column: no finite standard error. With `C = (1 + 1/R)·I` (independent
/// figures) this is `(1 + 1/R)(JᵀJ)⁻¹`.
pub fn covariance(jac: &[Vec<f64>], k: usize, c: &[Vec<f64>]) -> Vec<Vec<Option<f64>>> {
    let norm: Vec<f64> = (0..k)
        .map(|i| jac.iter().map(|r| r[i] * r[i]).sum::<f64>().sqrt())
        .collect();
    let top = norm.iter().copied().fold(0.0, f64::max);
    let live: Vec<usize> = (0..k)
        .filter(|&i| norm[i] > 0.0 && norm[i] > 1e-9 * top)
        .collect();
    let mut out = vec![vec![None; k]; k];
    // Columns scaled to unit length, for a well-conditioned decomposition.
    let a: Vec<Vec<f64>> = live
        .iter()
        .map(|&r| {
            live.iter()
                .map(|&c| jac.iter().map(|row| row[r] * row[c]).sum::<f64>() / (norm[r] * norm[c]))
                .collect()
        })
        .collect();
    let (values, vectors) = eigen(a);
    let biggest = values.iter().copied().fold(0.0, f64::max);
    let pinned = |l: f64| l > 1e-8 * biggest && l > 0.0;
    let m = live.len();
    // Keys in a direction the targets do not pin down.
    let loose: Vec<bool> = (0..m)
        .map(|x| (0..m).any(|e| !pinned(values[e]) && vectors[x][e].abs() > 0.05))
        .collect();
    // The pseudo-inverse in the original scale, then B = J·P.
    let pinv: Vec<Vec<f64>> = (0..m)
        .map(|x| {
            (0..m)
                .map(|y| {
                    (0..m)
                        .filter(|&e| pinned(values[e]))
                        .map(|e| vectors[x][e] * vectors[y][e] / values[e])
                        .sum::<f64>()
                        / (norm[live[x]] * norm[live[y]])
                })
                .collect()
        })
        .collect();
    let b: Vec<Vec<f64>> = jac
        .iter()
        .map(|row| {
            (0..m)
                .map(|y| (0..m).map(|z| row[live[z]] * pinv[z][y]).sum())
                .collect()
        })
        .collect();
    let n = jac.len();
    for x in 0..m {
        for y in 0..m {
            if loose[x] || loose[y] {
                continue;
            }
            let v: f64 = (0..n)
                .map(|i| (0..n).map(|j| b[i][x] * c[i][j] * b[j][y]).sum::<f64>())
                .sum();
            out[live[x]][live[y]] = Some(v);
        }
    }
    out
}

/// Eigenvalues and eigenvectors (as columns) of a small symmetric matrix,
/// by cyclic Jacobi rotations.
fn eigen(mut a: Vec<Vec<f64>>) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = a.len();
    let mut v: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for _ in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        let scale: f64 = (0..n).map(|i| a[i][i] * a[i][i]).sum();
        if off <= 1e-30 * scale.max(1e-300) {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if a[p][q] == 0.0 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for row in a.iter_mut() {
                    let (arp, arq) = (row[p], row[q]);
                    row[p] = c * arp - s * arq;
                    row[q] = s * arp + c * arq;
                }
                let (rp, rq) = (a[p].clone(), a[q].clone());
                for (r, (apr, aqr)) in rp.into_iter().zip(rq).enumerate() {
                    a[p][r] = c * apr - s * aqr;
                    a[q][r] = s * apr + c * aqr;
                }
                for row in v.iter_mut() {
                    let (vp, vq) = (row[p], row[q]);
                    row[p] = c * vp - s * vq;
                    row[q] = s * vp + c * vq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i][i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scaled_identity(n: usize, f: f64) -> Vec<Vec<f64>> {
        (0..n)
            .map(|i| (0..n).map(|j| if i == j { f } else { 0.0 }).collect())
            .collect()
    }

    #[test]
    fn correlated_figures_widen_the_standard_errors() {
        // One key, two figures that move together (ρ = 1 across replicates):
        // they carry the information of one, so the variance doubles.
        let j = vec![vec![1.0], vec![1.0]];
        let t = crate::scenario::calibration::TargetSpec {
            measure: "poor".into(),
            year: 2008,
            value: 0.0,
            se: 1.0,
            bound: None,
            held_out: false,
        };
        let reps = vec![vec![1.0, 2.0], vec![3.0, 4.0], vec![2.0, 3.0]];
        let c = noise(&[&t, &t], &reps);
        // ρ = 1; replicate variance 1, over 3 replicates: 1/3 on every entry.
        for row in &c {
            for v in row {
                assert!((v - (1.0 + 1.0 / 3.0)).abs() < 1e-12, "{c:?}");
            }
        }
        let v = covariance(&j, 1, &c)[0][0].unwrap();
        assert!((v - (1.0 + 1.0 / 3.0)).abs() < 1e-12, "{v}");
        let independent = covariance(&j, 1, &scaled_identity(2, 1.0 + 1.0 / 3.0))[0][0].unwrap();
        assert!((v - 2.0 * independent).abs() < 1e-12);
    }

    #[test]
    fn covariance_is_the_inverse_of_the_slopes_cross_product() {
        // J = [[1, 0], [1, 1], [0, 2]]: JᵀJ = [[2, 1], [1, 5]], inverse [[5, −1], [−1, 2]] / 9.
        let j = vec![vec![1.0, 0.0], vec![1.0, 1.0], vec![0.0, 2.0]];
        let c = covariance(&j, 2, &scaled_identity(3, 1.5));
        let want = [[5.0, -1.0], [-1.0, 2.0]];
        for r in 0..2 {
            for s in 0..2 {
                let got = c[r][s].expect("defined");
                assert!((got - 1.5 * want[r][s] / 9.0).abs() < 1e-12, "{c:?}");
            }
        }
    }

    #[test]
    fn a_key_that_moves_nothing_has_no_standard_error() {
        // Key 1 moves no miss; key 0 alone: variance factor / Σ J².
        let j = vec![vec![2.0, 0.0], vec![1.0, 0.0]];
        let c = covariance(&j, 2, &scaled_identity(2, 1.0));
        assert!((c[0][0].unwrap() - 1.0 / 5.0).abs() < 1e-12);
        assert_eq!(c[1][1], None);
        assert_eq!(c[0][1], None);
        // Two keys with proportional slopes: neither can be told apart.
        let j = vec![vec![1.0, 2.0], vec![2.0, 4.0]];
        let c = covariance(&j, 2, &scaled_identity(2, 1.0));
        assert!(c.iter().flatten().all(Option::is_none), "{c:?}");
        // Keys 1 and 2 enter only as their sum; key 0 alone is still pinned
        // down: r = (θ0, θ1 + θ2, 2θ0 + θ1 + θ2) gives Var(θ0) = 1/2.
        let j = vec![
            vec![1.0, 0.0, 0.0],
            vec![0.0, 1.0, 1.0],
            vec![2.0, 1.0, 1.0],
        ];
        let c = covariance(&j, 3, &scaled_identity(3, 1.0));
        let want = {
            // (JᵀJ restricted to θ0 and s = θ1 + θ2): [[5, 2], [2, 2]], inverse [[2, −2], [−2, 5]] / 6.
            2.0 / 6.0
        };
        assert!((c[0][0].unwrap() - want).abs() < 1e-9, "{c:?}");
        assert_eq!(c[1][1], None);
        assert_eq!(c[2][2], None);
    }

    #[test]
    fn jacobi_finds_the_eigenvalues() {
        let (l, v) = eigen(vec![vec![2.0, 1.0], vec![1.0, 2.0]]);
        let mut l2 = l.clone();
        l2.sort_by(f64::total_cmp);
        assert!(
            (l2[0] - 1.0).abs() < 1e-12 && (l2[1] - 3.0).abs() < 1e-12,
            "{l:?}"
        );
        for e in 0..2 {
            let x = [v[0][e], v[1][e]];
            let ax = [2.0 * x[0] + x[1], x[0] + 2.0 * x[1]];
            assert!((ax[0] - l[e] * x[0]).abs() < 1e-12 && (ax[1] - l[e] * x[1]).abs() < 1e-12);
        }
    }

    #[test]
    fn four_significant_digits() {
        assert_eq!(sig(0.0712345), "0.07123");
        assert_eq!(sig(8123.4), "8123");
        assert_eq!(sig(1.5), "1.500");
    }
}
