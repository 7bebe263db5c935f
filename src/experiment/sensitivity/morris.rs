//! Morris screening: r random one-at-a-time trajectories through a p-level
//! grid of the unit hypercube, and the elementary effects they measure.
//!
//! The design is SALib 1.6.0's `SALib.sample.morris.sample(problem, N=r,
//! num_levels=p)` with `optimal_trajectories=None` and no groups
//! (`SALib/sample/morris/morris.py`, Morris 1991): the grid levels are
//! i/(p − 1), i = 0..p − 1, and the step is Δ = p / (2(p − 1)). Each
//! trajectory draws a base point x* whose coordinates are levels of the lower
//! half (i < p/2), a direction ±1 per factor and an order of the factors; it
//! starts at x* (factor going up) or x* + Δ (going down) and moves the factors
//! one at a time, in that order, by Δ in their direction: k + 1 points for k
//! factors, r(k + 1) runs in all, in trajectory order (SALib's row order).
//! SALib draws from numpy; here trajectory t draws from its own keyed stream.
//!
//! The elementary effect of factor i on trajectory t is
//! EEᵢ = (f(x + Δeᵢ) − f(x)) / Δ, always taken upward, in output units per Δ
//! of the unit hypercube (SALib's `scaled=False`). The statistics are SALib's
//! `SALib/analyze/morris.py`: μ = mean EE, μ* = mean |EE| (Campolongo et al.
//! 2007), σ = sd of EE (ddof 1), and a bootstrap interval on μ* (r effects
//! resampled with replacement, μ* ± z·sd of the resampled μ*, SALib's
//! `mu_star_conf`; here the lower end is cut at 0, where μ* cannot go).
//!
//! Reading them: μ* ranks the factors by overall influence; a factor with μ*
//! near 0 can be fixed anywhere in its prior; σ large against μ* means the
//! effect depends on where the other factors are (interactions or a curved
//! response); μ far below μ* means effects of both signs.

use super::bootstrap;
use super::{Bootstrap, Estimate, purpose, stream};
use rand::RngExt;
use rand::seq::SliceRandom;

/// One step of a trajectory: the factor that moves and whether it goes up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Move {
    pub factor: usize,
    pub up: bool,
}

/// One trajectory: k + 1 points in the unit hypercube and the k moves
/// between them.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    pub points: Vec<Vec<f64>>,
    pub moves: Vec<Move>,
}

/// A Morris design in the unit hypercube.
#[derive(Clone, Debug, PartialEq)]
pub struct MorrisDesign {
    /// Grid levels p (even).
    pub levels: u32,
    /// The step Δ = p / (2(p − 1)).
    pub delta: f64,
    pub factors: usize,
    pub trajectories: Vec<Trajectory>,
}

/// The Morris statistics of one factor.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct MorrisIndex {
    /// Mean elementary effect.
    pub mu: f64,
    /// Mean absolute elementary effect, with its bootstrap interval.
    pub mu_star: Estimate,
    /// Standard deviation of the elementary effects (ddof 1).
    pub sigma: f64,
}

/// SALib's default number of levels.
pub const DEFAULT_LEVELS: u32 = 4;

impl MorrisDesign {
    /// `r` trajectories over `factors` inputs on a `levels`-level grid,
    /// trajectory t drawn from the keyed stream (seed, t).
    pub fn new(factors: usize, r: usize, levels: u32, seed: u64) -> Result<MorrisDesign, String> {
        if factors == 0 {
            return Err("a Morris design needs at least one factor".into());
        }
        if r < 2 {
            return Err(format!(
                "a Morris design needs at least 2 trajectories (σ is a standard deviation across them), got {r}"
            ));
        }
        if levels < 2 || !levels.is_multiple_of(2) {
            return Err(format!(
                "the number of Morris levels must be even and at least 2 (4 is usual), got {levels}"
            ));
        }
        let half = levels / 2;
        let step = f64::from(levels - 1);
        let trajectories = (0..r)
            .map(|t| {
                let mut s = stream(seed, t as u64, purpose::MORRIS);
                // Level indices: the base point in the lower half of the grid.
                let base: Vec<u32> = (0..factors).map(|_| s.random_range(0..half)).collect();
                let up: Vec<bool> = (0..factors).map(|_| s.random::<bool>()).collect();
                let mut order: Vec<usize> = (0..factors).collect();
                order.shuffle(&mut s);
                let mut at: Vec<u32> = base
                    .iter()
                    .zip(&up)
                    .map(|(&b, &u)| if u { b } else { b + half })
                    .collect();
                let point = |at: &[u32]| at.iter().map(|&i| f64::from(i) / step).collect();
                let mut points = Vec::with_capacity(factors + 1);
                points.push(point(&at));
                let mut moves = Vec::with_capacity(factors);
                for &f in &order {
                    at[f] = if up[f] { at[f] + half } else { at[f] - half };
                    points.push(point(&at));
                    moves.push(Move {
                        factor: f,
                        up: up[f],
                    });
                }
                Trajectory { points, moves }
            })
            .collect();
        Ok(MorrisDesign {
            levels,
            delta: f64::from(half) / step,
            factors,
            trajectories,
        })
    }

    /// Model runs: r(k + 1).
    pub fn runs(&self) -> usize {
        self.trajectories.len() * (self.factors + 1)
    }

    /// Every point, trajectory after trajectory (SALib's row order): the
    /// rows to run, and the order of the outputs [`analyze`] expects.
    pub fn rows(&self) -> Vec<Vec<f64>> {
        self.trajectories
            .iter()
            .flat_map(|t| t.points.iter().cloned())
            .collect()
    }

    /// The elementary effects, `[factor][trajectory]`, from the outputs of
    /// [`MorrisDesign::rows`] in order.
    pub fn elementary_effects(&self, outputs: &[f64]) -> Result<Vec<Vec<f64>>, String> {
        if outputs.len() != self.runs() {
            return Err(format!(
                "expected {} outputs (one per design row), got {}",
                self.runs(),
                outputs.len()
            ));
        }
        let r = self.trajectories.len();
        let mut ee = vec![vec![0.0; r]; self.factors];
        for (t, traj) in self.trajectories.iter().enumerate() {
            let y = &outputs[t * (self.factors + 1)..(t + 1) * (self.factors + 1)];
            for (m, mv) in traj.moves.iter().enumerate() {
                let d = (y[m + 1] - y[m]) / self.delta;
                ee[mv.factor][t] = if mv.up { d } else { -d };
            }
        }
        Ok(ee)
    }
}

/// μ, μ* (with its bootstrap interval) and σ of every factor, from the
/// outputs of [`MorrisDesign::rows`] in order.
pub fn analyze(
    design: &MorrisDesign,
    outputs: &[f64],
    boot: &Bootstrap,
) -> Result<Vec<MorrisIndex>, String> {
    bootstrap::check(boot)?;
    if let Some(i) = outputs.iter().position(|y| !y.is_finite()) {
        return Err(format!(
            "output {i} is not a finite number ({})",
            outputs[i]
        ));
    }
    let ee = design.elementary_effects(outputs)?;
    let z = bootstrap::z(boot.level);
    let mut idx = Vec::new();
    let mut resampled = Vec::with_capacity(boot.resamples as usize);
    Ok(ee
        .iter()
        .enumerate()
        .map(|(f, e)| {
            let r = e.len() as f64;
            let mu_star = e.iter().map(|x| x.abs()).sum::<f64>() / r;
            resampled.clear();
            for b in 0..boot.resamples {
                bootstrap::indices(
                    boot.seed,
                    ((f as u64) << 32) | u64::from(b),
                    e.len(),
                    &mut idx,
                );
                resampled.push(idx.iter().map(|&i| e[i].abs()).sum::<f64>() / r);
            }
            let conf = z * bootstrap::sd(&resampled);
            MorrisIndex {
                mu: e.iter().sum::<f64>() / r,
                mu_star: Estimate {
                    lo: (mu_star - conf).max(0.0),
                    ..Estimate::new(mu_star, conf)
                },
                sigma: bootstrap::sd(e),
            }
        })
        .collect())
}
