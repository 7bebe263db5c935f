//! Raking: survey weights adjusted to known totals, and weights turned into
//! whole numbers of households.
//!
//! **Raking** is iterative proportional fitting (Deming & Stephan 1940)
//! generalised to counts: each known total is a constraint
//! `Σ_i w_i x_ik = T_k`, where `x_ik > 0` is what household `i` contributes to
//! cell `k` (1 for a count of households, its members for a count of persons,
//! its children for the persons aged 0–15). The constraints are met one after
//! another, in sweeps, each exactly, by the smallest change in the sense of
//! the Kullback–Leibler divergence: `w_i ← w_i · exp(λ x_ik)` with `λ` solved
//! in one dimension. When every `x` of a cell is the same this is the
//! classical IPF step `w_i ← w_i · T_k / t_k`. The fixed point is the raking
//! ratio estimator of Deville & Särndal (1992): the weights closest to the
//! design weights that meet every total, when such weights exist; cyclic
//! projections converge to it (Csiszár 1975). When the totals contradict each
//! other (two margins that count the same persons to different sums), the
//! sweeps never settle, and the cell left furthest from its total is named.
//!
//! **Apportionment** gives each survey household a whole number of copies in
//! proportion to its weight (Hamilton's largest-remainder method); with known
//! totals, copies are then moved one at a time between households
//! ([`integerize`]) while that brings the whole copies closer to the totals.

/// One known total: `Σ_i w_i x_i = target` over the terms.
#[derive(Clone, Debug, PartialEq)]
pub struct Constraint {
    /// The cell as written in the scenario (`population.margins.persons_by_village.V01`).
    pub name: String,
    pub target: f64,
    /// `(row, x)` for every row that counts in the cell, `x > 0`.
    pub terms: Vec<(usize, f64)>,
}

impl Constraint {
    /// The cell's total under `weights`.
    pub fn total(&self, weights: &[f64]) -> f64 {
        self.terms.iter().map(|&(i, x)| weights[i] * x).sum()
    }

    /// Relative distance of the cell's total under `weights` from its target.
    pub fn distance(&self, weights: &[f64]) -> f64 {
        (self.total(weights) - self.target).abs() / self.target
    }
}

/// The weights that meet the totals, and how far each total was before and after.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    pub weights: Vec<f64>,
    /// Sweeps over every constraint until all were met.
    pub sweeps: usize,
    /// Each cell's total under the design weights.
    pub before: Vec<f64>,
    /// Each cell's total under the raked weights.
    pub after: Vec<f64>,
}

/// Why raking failed.
#[derive(Clone, Debug, PartialEq)]
pub enum RakeError {
    /// No row with a positive weight counts in the cell: no weights can reach its total.
    Empty { cell: usize },
    /// After `sweeps` sweeps, `cell` was still `distance` (relative) from its total.
    NotConverged {
        cell: usize,
        sweeps: usize,
        distance: f64,
    },
}

/// Sweeps over which raking that gains less than 0.1% on its worst cell is
/// taken to have stalled (contradictory totals).
const STALL: usize = 100;

/// Rake `weights` to the constraints, until every cell is within `tolerance`
/// (relative) of its target, in at most `max_sweeps` sweeps (fewer when the
/// worst cell stops coming closer: see [`STALL`]). Targets must be positive
/// and finite, every `x > 0`.
pub fn rake(
    weights: &[f64],
    constraints: &[Constraint],
    tolerance: f64,
    max_sweeps: usize,
) -> Result<Fit, RakeError> {
    let mut w = weights.to_vec();
    let before: Vec<f64> = constraints.iter().map(|c| c.total(&w)).collect();
    for (k, c) in constraints.iter().enumerate() {
        if !c.terms.iter().any(|&(i, x)| w[i] > 0.0 && x > 0.0) {
            return Err(RakeError::Empty { cell: k });
        }
    }
    let worst = |w: &[f64]| {
        constraints
            .iter()
            .enumerate()
            .map(|(k, c)| (k, c.distance(w)))
            .fold(
                (0, 0.0f64),
                |a, b| if b.1 > a.1 || b.1.is_nan() { b } else { a },
            )
    };
    let mut sweeps = 0;
    // The worst distance STALL sweeps ago: totals that contradict each other
    // leave it where it is, while slow convergence still shrinks it.
    let mut history: std::collections::VecDeque<f64> = std::collections::VecDeque::new();
    loop {
        let (cell, distance) = worst(&w);
        if distance <= tolerance {
            break;
        }
        let stalled = history.len() == STALL && distance > 0.999 * history[0];
        if sweeps == max_sweeps || stalled || !distance.is_finite() {
            return Err(RakeError::NotConverged {
                cell,
                sweeps,
                distance,
            });
        }
        history.push_back(distance);
        if history.len() > STALL {
            history.pop_front();
        }
        for c in constraints {
            let lambda = solve(&w, c);
            for &(i, x) in &c.terms {
                w[i] *= (lambda * x).exp();
            }
        }
        sweeps += 1;
    }
    let after = constraints.iter().map(|c| c.total(&w)).collect();
    Ok(Fit {
        weights: w,
        sweeps,
        before,
        after,
    })
}

/// The `λ` with `Σ w_i x_i exp(λ x_i) = target` over the cell's terms.
///
/// With `s = ln(target / t)`, `t` the current total, `λ` lies between
/// `s / x_max` and `s / x_min` (every term grows by at least `exp(λ x_min)`
/// and at most `exp(λ x_max)`); the total is increasing and log-convex in
/// `λ`, so Newton's method on its logarithm, kept inside the bracket by
/// bisection, finds it to the last bits.
fn solve(w: &[f64], c: &Constraint) -> f64 {
    let t0 = c.total(w);
    let s = (c.target / t0).ln();
    let (mut xmin, mut xmax) = (f64::INFINITY, 0.0f64);
    for &(i, x) in &c.terms {
        if w[i] > 0.0 {
            xmin = xmin.min(x);
            xmax = xmax.max(x);
        }
    }
    if s == 0.0 {
        return 0.0;
    }
    if xmin == xmax {
        return s / xmin; // the classical IPF step
    }
    let (mut lo, mut hi) = if s > 0.0 {
        (s / xmax, s / xmin)
    } else {
        (s / xmin, s / xmax)
    };
    let mut lambda = s / xmax.max(xmin);
    for _ in 0..200 {
        // ln total(λ) − ln target and its derivative (the x-mean under the tilted weights).
        let (mut t, mut dt) = (0.0, 0.0);
        for &(i, x) in &c.terms {
            let a = w[i] * x * (lambda * x).exp();
            t += a;
            dt += a * x;
        }
        let g = t.ln() - c.target.ln();
        if g == 0.0 || !g.is_finite() {
            break;
        }
        if g > 0.0 {
            hi = lambda;
        } else {
            lo = lambda;
        }
        let newton = lambda - g / (dt / t);
        let next = if newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if next == lambda || hi - lo <= f64::EPSILON * lambda.abs().max(1e-300) {
            break;
        }
        lambda = next;
    }
    lambda
}

/// Whole numbers of copies, `n` in all, in proportion to `weights`
/// (Hamilton's largest-remainder method): each row gets the whole part of its
/// quota `n · w_i / Σw`, and the copies left over go to the largest
/// remainders, ties to the earlier row. Every row gets its quota rounded down
/// or up; a row whose quota is whole gets exactly that.
pub fn apportion(weights: &[f64], n: u64) -> Vec<u64> {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 || n == 0 {
        return vec![0; weights.len()];
    }
    let quota: Vec<f64> = weights.iter().map(|w| n as f64 * w / total).collect();
    let mut copies: Vec<u64> = quota.iter().map(|q| q.floor() as u64).collect();
    let given: u64 = copies.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    // Largest remainder first; ties to the earlier row (a stable sort).
    order.sort_by(|&a, &b| {
        let (ra, rb) = (quota[a] - quota[a].floor(), quota[b] - quota[b].floor());
        rb.total_cmp(&ra)
    });
    let left = n.saturating_sub(given) as usize;
    for &i in order.iter().take(left) {
        copies[i] += 1;
    }
    // Rounding can leave the floors a copy above n (quotas just under whole numbers).
    let mut over = copies.iter().sum::<u64>().saturating_sub(n);
    for &i in order.iter().rev() {
        if over == 0 {
            break;
        }
        if copies[i] > 0 {
            copies[i] -= 1;
            over -= 1;
        }
    }
    copies
}

/// Candidates of each kind tried together in one move of [`integerize`].
const CANDIDATES: usize = 96;

/// Bring whole `copies` (from [`apportion`]) closer to the constraints'
/// totals, keeping their sum: move one copy at a time from one row to
/// another, the move that lowers `Σ_k ((t_k − T_k) / T_k)²` most among the
/// most promising removals and additions, until no move lowers it. Every row
/// stays within one copy of its quota rounded down or up (`quota`: the
/// copies its weight stands for), so the copies stay close to the weights.
/// Returns the number of moves.
pub fn integerize(copies: &mut [u64], quota: &[f64], constraints: &[Constraint]) -> usize {
    let n = copies.len();
    // Each row's cells: (cell, x, 1 / T²).
    let mut cells: Vec<Vec<(usize, f64, f64)>> = vec![Vec::new(); n];
    for (k, c) in constraints.iter().enumerate() {
        for &(i, x) in &c.terms {
            cells[i].push((k, x, 1.0 / (c.target * c.target)));
        }
    }
    let counts: Vec<f64> = copies.iter().map(|&c| c as f64).collect();
    let mut gap: Vec<f64> = constraints
        .iter()
        .map(|c| c.total(&counts) - c.target)
        .collect();
    let lo: Vec<u64> = quota
        .iter()
        .map(|q| (q.floor() as u64).saturating_sub(1))
        .collect();
    let hi: Vec<u64> = quota
        .iter()
        .map(|q| if *q > 0.0 { q.ceil() as u64 + 1 } else { 0 })
        .collect();
    // Change of the loss when a row gains (+1) or loses (−1) a copy.
    let delta = |gap: &[f64], i: usize, sign: f64| -> f64 {
        cells[i]
            .iter()
            .map(|&(k, x, inv)| (2.0 * sign * x * gap[k] + x * x) * inv)
            .sum()
    };
    let mut moves = 0;
    for _ in 0..4 * n + 1000 {
        let best = |sign: f64, ok: &dyn Fn(usize) -> bool| {
            let mut v: Vec<(f64, usize)> = (0..n)
                .filter(|&i| ok(i) && !cells[i].is_empty())
                .map(|i| (delta(&gap, i, sign), i))
                .collect();
            let m = CANDIDATES.min(v.len());
            if m > 0 {
                v.select_nth_unstable_by(m - 1, |a, b| a.0.total_cmp(&b.0));
                v.truncate(m);
            }
            v
        };
        let adds = best(1.0, &|i| copies[i] < hi[i]);
        let removes = best(-1.0, &|i| copies[i] > lo[i] && copies[i] > 0);
        let mut pick: Option<(f64, usize, usize)> = None;
        for &(da, j) in &adds {
            for &(dr, i) in &removes {
                if i == j {
                    continue;
                }
                // Cells both rows count in: the two changes partly cancel.
                let shared: f64 = cells[i]
                    .iter()
                    .flat_map(|&(k, xi, inv)| {
                        cells[j]
                            .iter()
                            .filter(move |c| c.0 == k)
                            .map(move |&(_, xj, _)| 2.0 * xi * xj * inv)
                    })
                    .sum();
                let d = da + dr - shared;
                if pick.is_none_or(|p| d < p.0) {
                    pick = Some((d, i, j));
                }
            }
        }
        match pick {
            Some((d, i, j)) if d < -1e-15 => {
                copies[i] -= 1;
                copies[j] += 1;
                for &(k, x, _) in &cells[i] {
                    gap[k] -= x;
                }
                for &(k, x, _) in &cells[j] {
                    gap[k] += x;
                }
                moves += 1;
            }
            _ => break,
        }
    }
    moves
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(name: &str, target: f64, terms: &[(usize, f64)]) -> Constraint {
        Constraint {
            name: name.into(),
            target,
            terms: terms.to_vec(),
        }
    }

    /// A 2×2 table, rows and columns as cells of households (x = 1).
    fn two_by_two(rows: [f64; 2], cols: [f64; 2]) -> Vec<Constraint> {
        vec![
            cell("row1", rows[0], &[(0, 1.0), (1, 1.0)]),
            cell("row2", rows[1], &[(2, 1.0), (3, 1.0)]),
            cell("col1", cols[0], &[(0, 1.0), (2, 1.0)]),
            cell("col2", cols[1], &[(1, 1.0), (3, 1.0)]),
        ]
    }

    #[test]
    fn a_uniform_table_becomes_the_product_of_its_margins_in_one_sweep() {
        let fit = rake(
            &[1.0; 4],
            &two_by_two([30.0, 70.0], [40.0, 60.0]),
            1e-12,
            100,
        )
        .unwrap();
        // Independence: cell = row total × column total / grand total.
        let want = [12.0, 18.0, 28.0, 42.0];
        for (g, w) in fit.weights.iter().zip(want) {
            assert!((g - w).abs() < 1e-9, "{:?}", fit.weights);
        }
        assert_eq!(fit.sweeps, 1);
        assert_eq!(fit.before, vec![2.0, 2.0, 2.0, 2.0]);
    }

    #[test]
    fn ipf_keeps_the_seed_odds_ratio_as_the_closed_form_says() {
        // Seed [[1,2],[3,4]] (odds ratio 2/3), rows (10, 20), columns (12, 18).
        // With a = w11: a(8 + a) / ((10 − a)(12 − a)) = 2/3, so a² + 68a − 240 = 0.
        let a = (-68.0 + (68.0f64 * 68.0 + 960.0).sqrt()) / 2.0;
        let want = [a, 10.0 - a, 12.0 - a, 8.0 + a];
        let fit = rake(
            &[1.0, 2.0, 3.0, 4.0],
            &two_by_two([10.0, 20.0], [12.0, 18.0]),
            1e-13,
            1000,
        )
        .unwrap();
        for (g, w) in fit.weights.iter().zip(want) {
            assert!((g - w).abs() < 1e-9, "{:?} vs {want:?}", fit.weights);
        }
        assert!(
            fit.sweeps > 1,
            "a seed off independence takes several sweeps"
        );
    }

    #[test]
    fn person_counts_are_met_by_an_exponential_tilt() {
        // Households of 1, 2 and 4 persons, one household each; 14 persons in all.
        let c = [cell("persons", 14.0, &[(0, 1.0), (1, 2.0), (2, 4.0)])];
        let fit = rake(&[1.0, 1.0, 1.0], &c, 1e-14, 10).unwrap();
        let w = &fit.weights;
        assert!(
            (w[0] + 2.0 * w[1] + 4.0 * w[2] - 14.0).abs() < 1e-10,
            "{w:?}"
        );
        // The KKT conditions of the divergence: w_i = d_i · u^{x_i} for one u.
        let u = w[0];
        assert!((w[1] - u * u).abs() < 1e-10 && (w[2] - u.powi(4)).abs() < 1e-10);
        // u solves u + 2u² + 4u⁴ = 14 (u between 1 and 14^{1/4}).
        assert!(u > 1.0 && u < 14f64.powf(0.25));
    }

    #[test]
    fn contradictory_totals_name_the_cell_left_furthest() {
        // Two margins count the same two households: 10 by one, 12 by the other.
        let c = [
            cell("a", 10.0, &[(0, 1.0), (1, 1.0)]),
            cell("b", 12.0, &[(0, 1.0), (1, 1.0)]),
        ];
        match rake(&[1.0, 1.0], &c, 1e-6, 10_000) {
            // Each sweep ends on b's total, leaving a 20% over: no gain over
            // STALL sweeps after the first.
            Err(RakeError::NotConverged {
                cell,
                sweeps,
                distance,
            }) => {
                assert_eq!((cell, sweeps), (0, STALL + 1));
                assert!((distance - 0.2).abs() < 1e-12, "{distance}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_cell_no_household_counts_in_cannot_be_met() {
        let c = [cell("v", 5.0, &[(1, 1.0)])];
        assert_eq!(
            rake(&[1.0, 0.0], &c, 1e-6, 10),
            Err(RakeError::Empty { cell: 0 })
        );
    }

    #[test]
    fn moving_copies_meets_person_totals_that_rounding_misses() {
        // Households of 1, 2 and 3 persons in two villages; 10 households,
        // village a with 6 households and 12 persons, village b with 10 persons.
        // Hamilton's copies (2,2,2 | 2,1,1) give b 7 persons; (2,2,2 | 0,2,2)
        // meets every total, each count within one of its quota.
        let size = |i: usize| [1.0, 2.0, 3.0][i % 3];
        let cells = vec![
            cell("a", 12.0, &(0..3).map(|i| (i, size(i))).collect::<Vec<_>>()),
            cell("b", 10.0, &(3..6).map(|i| (i, size(i))).collect::<Vec<_>>()),
            cell("hh_a", 6.0, &(0..3).map(|i| (i, 1.0)).collect::<Vec<_>>()),
        ];
        let w = [2.0, 2.0, 2.0, 4.0 / 3.0, 4.0 / 3.0, 4.0 / 3.0];
        let mut copies = apportion(&w, 10);
        assert_eq!(copies, vec![2, 2, 2, 2, 1, 1]);
        let moves = integerize(&mut copies, &w, &cells);
        assert_eq!(copies, vec![2, 2, 2, 0, 2, 2], "after {moves} moves");
        let f: Vec<f64> = copies.iter().map(|&c| c as f64).collect();
        for c in &cells {
            assert_eq!(c.total(&f), c.target, "{}", c.name);
        }
    }

    #[test]
    fn apportionment_is_exact_for_whole_weights_and_within_one_otherwise() {
        assert_eq!(apportion(&[3.0, 5.0, 2.0], 10), vec![3, 5, 2]);
        assert_eq!(apportion(&[3.0, 5.0, 2.0], 20), vec![6, 10, 4]);
        // Quotas 3.5, 3.5, 3: the tie goes to the earlier row.
        assert_eq!(apportion(&[3.5, 3.5, 3.0], 10), vec![4, 3, 3]);
        let w: Vec<f64> = (1..200).map(|k| ((k * 37) % 101) as f64 + 0.3).collect();
        for n in [1u64, 7, 199, 1000, 12345] {
            let c = apportion(&w, n);
            assert_eq!(c.iter().sum::<u64>(), n);
            let total: f64 = w.iter().sum();
            for (ci, wi) in c.iter().zip(&w) {
                let q = n as f64 * wi / total;
                assert!((*ci as f64 - q).abs() < 1.0, "{ci} vs quota {q}");
            }
        }
    }
}
