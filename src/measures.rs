//! Poverty and inequality measures over weighted per-capita incomes.
//!
//! Why one file of over 600 lines: every measure is computed in one pass
//! over the sorted incomes (`Measures::of_sorted`), and its definitions and
//! their tests sit beside that pass.
//!
//! Every measure is population-weighted: an observation is a per-capita
//! income `y` and a weight `w`, the number of persons it stands for (a
//! household of five with per-capita income 3,000 is `Obs { income: 3000.0,
//! weight: 5.0 }`). `N = Σ w` is the population, `μ = Σ w y / N` the mean,
//! `z` the poverty line. A row of weight `k` gives exactly the same results
//! (up to rounding) as `k` rows of weight 1.
//!
//! # The measures
//!
//! - **population** `N = Σ w`.
//! - **poor**: the number of poor persons, `Σ_{y<z} w`. *Poor means `y < z`
//!   strictly*: a person exactly at the line is not poor.
//! - **headcount_ratio** `H = FGT(0) = poor / N`.
//! - **poverty_gap** `PG = FGT(1) = (1/N) Σ_{y<z} w (1 − y/z)`: the mean
//!   shortfall as a share of the line, the non-poor counting as zero.
//! - **poverty_severity** `FGT(2) = (1/N) Σ_{y<z} w (1 − y/z)²`: squares the
//!   gaps, so it weighs the poorest most (Foster, Greer & Thorbecke 1984).
//!   Always `0 ≤ FGT(2) ≤ FGT(1) ≤ FGT(0) ≤ 1`.
//! - **watts** `W = (1/N) Σ_{y<z} w ln(z/y)`: distribution-sensitive, and
//!   unbounded as an income approaches 0 (hence the floor below).
//! - **sen** `S = H·G_p + PG·(1 − G_p)`, with `G_p` the Gini among the poor
//!   (Sen 1976, in its usual large-population form, without the
//!   `n/(n+1)` small-sample factor). `PG ≤ S ≤ H`.
//! - **extreme_poor**: the number of persons (not a ratio) with
//!   `y < extreme_line`, strictly. An `extreme_line ≤ 0` (or NaN) means "no
//!   extreme line" and gives 0.
//! - **mean_income** `μ`, on the raw incomes.
//! - **median_income**: the weighted median, with the convention of
//!   [`weighted_quantile`]: the income of the first observation (in sorted
//!   order) at which the cumulative weight reaches half the population. No
//!   interpolation, so for `[1, 2, 3, 4]` with equal weights it is `2` (the
//!   lower median), and it is always an income somebody has.
//! - **gini** `G = 1 − Σ_i w_i (2 S_{i−1} + w_i y_i) / (N · N μ)`, with the
//!   observations in ascending order and `S_{i−1}` the income mass
//!   `Σ_{j<i} w_j y_j` before `i`. This is twice the area between the
//!   equality line and the piecewise-linear Lorenz curve; it equals
//!   `Σ_i Σ_j w_i w_j |y_i − y_j| / (2 N² μ)`, exactly for any weights.
//! - **theil** `T = (1/N) Σ w (y/μ) ln(y/μ)` (Theil's T, GE(1)); 0 for
//!   perfect equality, `ln N` at most.
//! - **atkinson1** `A(1) = 1 − exp((1/N) Σ w ln y) / μ`: one minus the
//!   geometric over the arithmetic mean (inequality aversion ε = 1).
//! - **bottom40_share**: the share of total income held by the poorest 40% of
//!   persons. The observation that straddles the 40% mark counts with the
//!   fraction of its weight that falls below it (so `[1, 2, 3, 4]` gives
//!   `(1 + 0.6·2) / 10 = 0.22`).
//!
//! # Zero and negative incomes
//!
//! Survey incomes can be zero or negative (a failed harvest, medical debts).
//! The rules:
//!
//! - **FGT, poor, Sen**: `y ≤ 0` is poor with a gap of 1: `y` is clamped to 0
//!   in `1 − y/z`, so gaps stay in `[0, 1]`. The Gini among the poor in Sen's
//!   index uses the same clamped incomes (so `0 ≤ G_p ≤ 1`; if all the poor
//!   are at or below 0, `G_p = 0` and `S = H = PG`).
//! - **Watts, Theil, Atkinson**: these take `ln y`, undefined for `y ≤ 0`
//!   and huge near 0, so they use `max(y, LOG_INCOME_FLOOR)`, a floor of one
//!   yuan per person-year ([`LOG_INCOME_FLOOR`]). Theil and Atkinson use the
//!   floored incomes throughout, their mean included, which keeps `T ≥ 0`
//!   and `0 ≤ A(1) < 1`. A Watts term is never negative (it matters only for
//!   a line below the floor).
//! - **Gini, mean, median, bottom-40 share**: the raw values. With negative
//!   incomes the Gini can exceed 1 and the share can leave `[0, 1]`; when the
//!   total income is `≤ 0` the Gini and the bottom-40 share are 0.
//!
//! # Edge cases and determinism
//!
//! Observations of weight 0 are ignored. An empty input, or one whose total
//! weight is 0, gives all-zero [`Measures`] (population 0). Incomes and
//! weights must be finite and weights `≥ 0` (checked in debug builds; the
//! `measure` command rejects anything else with a clear message). The line
//! must be finite and `> 0` (a panic otherwise: it is a programming error).
//!
//! Incomes and weights of any finite size are measured: when the largest
//! income, or the largest weight times the count, is beyond 2^±200 (so that a
//! sum of products could overflow or vanish), they are scaled by a power of
//! two first (exact) and counts and money scaled back at the end; a
//! population whose weights add up beyond the largest f64 comes out as
//! `inf`, which callers refuse. Ordinary data is never scaled.
//!
//! Sums are f64, accumulated in the sorted order within fixed blocks of
//! [`BLOCK`] observations (in parallel) and then across blocks in order, so
//! the result depends only on that order, not on the number of threads.
//! [`Measures::compute`] sorts by a total order on (income, weight), so its
//! result does not depend on the input order at all, to the bit. One pass
//! over the data, and a second over the blocks that hold the median and the
//! 40% mark.
//!
//! Why one long file: each measure is a few lines next to its definition;
//! their shared pass over sorted observations is what keeps them consistent.

use serde::{Deserialize, Serialize};

/// Floor, in yuan per person-year, put under incomes before taking logs
/// (Watts, Theil, Atkinson): `ln y` is undefined for `y ≤ 0`.
pub const LOG_INCOME_FLOOR: f64 = 1.0;

/// One observation: a per-capita income and a weight (number of persons it stands for).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Obs {
    pub income: f64,
    pub weight: f64,
}

/// Poverty and inequality measures of one income distribution (see the
/// module documentation for the definitions and the conventions).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Measures {
    /// Number of persons, `Σ w`.
    pub population: f64,
    /// Number of poor persons (income strictly below the line).
    pub poor: f64,
    /// Share of persons who are poor, FGT(0).
    pub headcount_ratio: f64,
    /// Mean normalised shortfall from the line, FGT(1).
    pub poverty_gap: f64,
    /// Mean squared normalised shortfall, FGT(2).
    pub poverty_severity: f64,
    /// Watts index, `(1/N) Σ_{y<z} ln(z/y)`.
    pub watts: f64,
    /// Sen index, `H·G_p + PG·(1 − G_p)`.
    pub sen: f64,
    /// Number of persons (not a ratio) strictly below the extreme line.
    pub extreme_poor: f64,
    /// Mean income.
    pub mean_income: f64,
    /// Weighted (lower) median income.
    pub median_income: f64,
    /// Gini coefficient.
    pub gini: f64,
    /// Theil's T index, GE(1).
    pub theil: f64,
    /// Atkinson index with inequality aversion ε = 1.
    pub atkinson1: f64,
    /// Share of total income held by the poorest 40% of persons.
    pub bottom40_share: f64,
}

impl Measures {
    /// Sorts `obs` by income in place (total order; deterministic) and computes everything.
    ///
    /// Ties in income are broken by weight, so the sorted order, and hence the
    /// result, is the same bit for bit whatever the input order.
    ///
    /// # Panics
    /// If `line` is not finite and `> 0`.
    pub fn compute(obs: &mut [Obs], line: f64, extreme_line: f64) -> Measures {
        obs.sort_unstable_by(|a, b| {
            a.income
                .total_cmp(&b.income)
                .then(a.weight.total_cmp(&b.weight))
        });
        Self::from_sorted(obs, line, extreme_line)
    }

    /// Same, for observations already sorted by income ascending.
    ///
    /// # Panics
    /// If `line` is not finite and `> 0`; in debug builds also if `obs` is not
    /// sorted or holds a non-finite income or weight or a negative weight.
    pub fn from_sorted(obs: &[Obs], line: f64, extreme_line: f64) -> Measures {
        Self::of_sorted(obs, line, extreme_line)
    }

    /// Same, for any sorted source (the engine's packed observations,
    /// [`Packed`]). The sums run over fixed blocks of [`BLOCK`] observations
    /// in parallel, combined in block order, so the result does not depend
    /// on the number of threads.
    pub fn of_sorted<S: SortedObs + ?Sized>(obs: &S, line: f64, extreme_line: f64) -> Measures {
        assert!(
            line.is_finite() && line > 0.0,
            "poverty line must be finite and > 0, got {line}"
        );
        debug_assert!(
            (1..obs.len()).all(|i| obs.at(i - 1).income <= obs.at(i).income),
            "Measures::of_sorted: observations are not sorted by income"
        );
        // One pass of block sums. Incomes and weights far from 1 (near 1e308,
        // or 1e-300) are then scaled by powers of two, exactly, and the sums
        // taken again, so no sum can overflow; ordinary data is not scaled at
        // all, so its results stay bit for bit.
        let mut blocks = Sums::blocks(obs, 1.0, 1.0, line, extreme_line);
        let t = Sums::total(&blocks);
        let (sy, sw) = (scale_for(t.max_income, 1), scale_for(t.max_weight, t.n));
        if sy != 1.0 || sw != 1.0 {
            blocks = Sums::blocks(obs, sy, sw, line * sy, extreme_line * sy);
        }
        let t = Sums::total(&blocks);
        let pop = t.pop;
        if pop.is_nan() || pop <= 0.0 {
            return Measures::default();
        }
        let total = t.total;
        let mean = total / pop;
        let mean_floored = t.total_floored / pop;
        let (half, forty) = (0.5 * pop, 0.4 * pop);

        // The median and the bottom 40%: whole blocks below the marks, then
        // the observations of the blocks that hold them.
        let mut median = None;
        let mut bottom40 = 0.0;
        let mut cum_w = 0.0;
        for (k, b) in blocks.iter().enumerate() {
            if median.is_some() && cum_w >= forty {
                break;
            }
            if cum_w + b.pop < forty {
                bottom40 += b.total;
                cum_w += b.pop;
                continue;
            }
            if cum_w >= forty && cum_w + b.pop < half {
                cum_w += b.pop;
                continue;
            }
            for i in k * BLOCK..((k + 1) * BLOCK).min(obs.len()) {
                let o = obs.at(i);
                if !counts(&o) {
                    continue;
                }
                let (y, w) = (o.income * sy, o.weight * sw);
                // The part of this observation's weight below the 40% mark.
                if cum_w < forty {
                    bottom40 += (forty - cum_w).min(w) * y;
                }
                cum_w += w;
                if median.is_none() && cum_w >= half {
                    median = Some(y);
                }
            }
        }

        let headcount_ratio = t.poor / pop;
        let poverty_gap = t.gap1 / pop;
        let poor_gini = if t.poor_mass > 0.0 {
            (1.0 - t.poor_gini / (t.poor * t.poor_mass)).max(0.0)
        } else {
            0.0
        };
        // max(0) below: exact equality can round to a tiny negative value.
        let (gini, bottom40_share) = if total > 0.0 {
            ((1.0 - t.gini / (pop * total)).max(0.0), bottom40 / total)
        } else {
            (0.0, 0.0)
        };
        // Theil and Atkinson on the floored incomes y': with μ' their mean,
        // T = Σ w y' ln y' / Σ w y' − ln μ' and A = 1 − exp(Σ w ln y' / N) / μ'.
        let ln_mean = mean_floored.ln();
        Measures {
            // Counts and money back in their units (a population whose
            // weights add up beyond 1.8e308 becomes inf: the caller refuses it).
            population: pop / sw,
            poor: t.poor / sw,
            headcount_ratio,
            poverty_gap,
            poverty_severity: t.gap2 / pop,
            watts: t.watts / pop,
            sen: headcount_ratio * poor_gini + poverty_gap * (1.0 - poor_gini),
            extreme_poor: t.extreme / sw,
            mean_income: mean / sy,
            median_income: median.unwrap_or(mean) / sy,
            gini,
            theil: (t.ylny / t.total_floored - ln_mean).max(0.0),
            atkinson1: (1.0 - (t.lny / pop - ln_mean).exp()).max(0.0),
            bottom40_share,
        }
    }
}

/// Observations per block of [`Measures::of_sorted`] (fixed: the result
/// must not depend on how the blocks are spread over threads).
pub const BLOCK: usize = 16_384;

/// Observations sorted by income ascending, read by index.
pub trait SortedObs: Sync {
    fn len(&self) -> usize;
    fn at(&self, i: usize) -> Obs;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl SortedObs for [Obs] {
    fn len(&self) -> usize {
        <[Obs]>::len(self)
    }
    #[inline]
    fn at(&self, i: usize) -> Obs {
        self[i]
    }
}

/// Observations packed one to a `u64` ([`pack`]): sorted as integers,
/// they are sorted by income.
pub struct Packed<'a>(pub &'a [u64]);

impl SortedObs for Packed<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }
    #[inline]
    fn at(&self, i: usize) -> Obs {
        unpack(self.0[i])
    }
}

/// An observation with an `f32` income and a whole weight, packed so that
/// the order of the `u64`s is the order of the incomes: the income's bits
/// above (sign flipped, negative values inverted), the weight below.
#[inline]
pub fn pack(income: f32, weight: u32) -> u64 {
    let b = income.to_bits();
    let key = if b & 0x8000_0000 != 0 {
        !b
    } else {
        b | 0x8000_0000
    };
    ((key as u64) << 32) | weight as u64
}

/// The observation of [`pack`].
#[inline]
pub fn unpack(k: u64) -> Obs {
    let b = (k >> 32) as u32;
    let bits = if b & 0x8000_0000 != 0 {
        b & 0x7fff_ffff
    } else {
        !b
    };
    Obs {
        income: f32::from_bits(bits) as f64,
        weight: (k & 0xffff_ffff) as f64,
    }
}

/// The sums of one block of sorted observations, on incomes scaled by `sy`
/// and weights by `sw`; the Gini sums are relative to the block's start.
#[derive(Clone, Debug, Default)]
struct Sums {
    pop: f64,
    total: f64,
    total_floored: f64,
    poor: f64,
    gap1: f64,
    gap2: f64,
    watts: f64,
    extreme: f64,
    /// Σ w (2 S_{i−1} + w y), S the income mass before i in the block.
    gini: f64,
    /// The same among the poor, on incomes clamped at 0, and their mass.
    poor_gini: f64,
    poor_mass: f64,
    /// Σ w y' ln y' and Σ w ln y' on floored incomes y'.
    ylny: f64,
    lny: f64,
    /// Largest |income| and weight (unscaled), and how many observations count.
    max_income: f64,
    max_weight: f64,
    n: usize,
}

impl Sums {
    /// The sums of every block of `obs`, in parallel, in block order.
    fn blocks<S: SortedObs + ?Sized>(
        obs: &S,
        sy: f64,
        sw: f64,
        line: f64,
        extreme_line: f64,
    ) -> Vec<Sums> {
        use rayon::prelude::*;
        let n = obs.len();
        (0..n.div_ceil(BLOCK))
            .into_par_iter()
            .with_max_len(1)
            .map(|k| {
                Sums::of(
                    (k * BLOCK..((k + 1) * BLOCK).min(n)).map(|i| obs.at(i)),
                    sy,
                    sw,
                    line,
                    extreme_line,
                )
            })
            .collect()
    }

    fn of(obs: impl Iterator<Item = Obs>, sy: f64, sw: f64, line: f64, extreme: f64) -> Sums {
        let floor = LOG_INCOME_FLOOR * sy;
        let mut t = Sums::default();
        for o in obs {
            debug_assert!(
                o.income.is_finite() && o.weight.is_finite() && o.weight >= 0.0,
                "Measures: bad observation {o:?}"
            );
            if !counts(&o) {
                continue;
            }
            t.max_income = t.max_income.max(o.income.abs());
            t.max_weight = t.max_weight.max(o.weight);
            t.n += 1;
            let (y, w) = (o.income * sy, o.weight * sw);
            if y < line {
                let y0 = y.max(0.0);
                let g = 1.0 - y0 / line;
                t.poor += w;
                t.gap1 += w * g;
                t.gap2 += w * g * g;
                // max(0): a term is never negative, even for a line below the floor.
                t.watts += w * (line / y.max(floor)).ln().max(0.0);
                t.poor_gini += w * (2.0 * t.poor_mass + w * y0);
                t.poor_mass += w * y0;
            }
            if extreme > 0.0 && y < extreme {
                t.extreme += w;
            }
            let yf = y.max(floor);
            let ln = yf.ln();
            t.ylny += w * yf * ln;
            t.lny += w * ln;
            t.gini += w * (2.0 * t.total + w * y);
            t.total += w * y;
            t.total_floored += w * yf;
            t.pop += w;
        }
        t
    }

    /// The sums of consecutive blocks, in order: a block's Gini terms gain
    /// twice its weight times the income mass before it.
    fn total(blocks: &[Sums]) -> Sums {
        let mut t = Sums::default();
        for b in blocks {
            t.gini += b.gini + 2.0 * b.pop * t.total;
            t.poor_gini += b.poor_gini + 2.0 * b.poor * t.poor_mass;
            t.pop += b.pop;
            t.total += b.total;
            t.total_floored += b.total_floored;
            t.poor += b.poor;
            t.gap1 += b.gap1;
            t.gap2 += b.gap2;
            t.watts += b.watts;
            t.extreme += b.extreme;
            t.poor_mass += b.poor_mass;
            t.ylny += b.ylny;
            t.lny += b.lny;
            t.max_income = t.max_income.max(b.max_income);
            t.max_weight = t.max_weight.max(b.max_weight);
            t.n += b.n;
        }
        t
    }
}

/// A power of two that brings `n · m` near 1 when it is outside
/// [2^-200, 2^200] (1 otherwise, and for 0): multiplying by it is exact, and
/// sums of products of numbers near 1 over any count of observations stay
/// finite. (The product is taken in logs: it may itself overflow.)
fn scale_for(m: f64, n: usize) -> f64 {
    const FAR: i32 = 200;
    if !(m > 0.0 && m.is_finite()) {
        return 1.0;
    }
    let e = (m.log2() + (n.max(1) as f64).log2()).floor() as i32;
    if e.abs() <= FAR {
        return 1.0;
    }
    // 2^-e, kept to the normal range (the result need only be near 1).
    let k = (-e).clamp(-1000, 1000);
    f64::from_bits(((1023 + k) as u64) << 52)
}

/// Whether an observation takes part (weight > 0; NaN weights are out too).
fn counts(o: &Obs) -> bool {
    o.weight > 0.0
}

/// Weighted quantile of observations sorted by income ascending: the income
/// of the first observation at which the cumulative weight reaches `q` times
/// the total weight (no interpolation; `q = 0.5` is the lower weighted
/// median, `q = 0` the smallest income). Weight-0 observations are skipped.
/// NaN if there is no positive weight.
///
/// # Panics
/// If `q` is not in `[0, 1]`.
pub fn weighted_quantile(sorted: &[Obs], q: f64) -> f64 {
    assert!(
        (0.0..=1.0).contains(&q),
        "quantile must be in [0, 1], got {q}"
    );
    debug_assert!(sorted.is_sorted_by(|a, b| a.income <= b.income));
    let total: f64 = sorted.iter().filter(|o| counts(o)).map(|o| o.weight).sum();
    if total.is_nan() || total <= 0.0 {
        return f64::NAN;
    }
    let target = q * total;
    let mut cum = 0.0;
    let mut last = f64::NAN;
    for o in sorted.iter().filter(|o| counts(o)) {
        cum += o.weight;
        last = o.income;
        if cum >= target {
            return o.income;
        }
    }
    // Unreachable in exact arithmetic (cum ends at total ≥ q·total); kept for safety.
    last
}

/// Plain (unweighted) percentile, linear interpolation between order
/// statistics: R's type 7, numpy's default. `q` is a fraction in `[0, 1]`
/// (0.05 for the 5th percentile). Sorts `values` in place (total order).
/// NaN for an empty slice. Meant for summaries across replicates.
///
/// # Panics
/// If `q` is not in `[0, 1]` (so a `5.0` meant as "5th" is caught).
pub fn percentile(values: &mut [f64], q: f64) -> f64 {
    assert!(
        (0.0..=1.0).contains(&q),
        "percentile: q must be a fraction in [0, 1], got {q}"
    );
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_unstable_by(f64::total_cmp);
    let h = (values.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(values.len() - 1);
    values[lo] + (h - lo as f64) * (values[hi] - values[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(v: &[(f64, f64)]) -> Vec<Obs> {
        v.iter()
            .map(|&(income, weight)| Obs { income, weight })
            .collect()
    }

    fn unit(v: &[f64]) -> Vec<Obs> {
        v.iter()
            .map(|&income| Obs {
                income,
                weight: 1.0,
            })
            .collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * (1.0 + a.abs().max(b.abs()))
    }

    macro_rules! assert_close {
        ($a:expr, $b:expr) => {{
            let (a, b) = ($a, $b);
            assert!(close(a, b), "{} = {a}, expected {b}", stringify!($a));
        }};
    }

    /// Incomes near 1e308 and weights near 1e308 (or 1e-300) give what the
    /// same data at ordinary scale gives, scaled: the ratios equal, counts and
    /// money multiplied back (powers of two, so exactly).
    #[test]
    fn extreme_magnitudes_do_not_overflow() {
        let base = obs(&[(1.0, 1.0), (1.5, 2.0), (3.0, 1.0), (6.0, 0.5)]);
        let want = Measures::compute(&mut base.clone(), 2.0, 1.2);
        let (ky, kw) = (2f64.powi(1020), 2f64.powi(1021));
        for (sy, sw) in [(ky, 1.0), (1.0, kw), (ky, kw), (1.0, 2f64.powi(-1000))] {
            let mut big: Vec<Obs> = base
                .iter()
                .map(|o| Obs {
                    income: o.income * sy,
                    weight: o.weight * sw,
                })
                .collect();
            let m = Measures::compute(&mut big, 2.0 * sy, 1.2 * sy);
            assert!(m.gini > 0.2, "{sy} {sw}: gini {}", m.gini);
            assert_close!(m.gini, want.gini);
            assert_close!(m.theil, want.theil);
            assert_close!(m.atkinson1, want.atkinson1);
            assert_close!(m.headcount_ratio, want.headcount_ratio);
            assert_close!(m.poverty_gap, want.poverty_gap);
            assert_close!(m.watts, want.watts);
            assert_close!(m.sen, want.sen);
            assert_close!(m.bottom40_share, want.bottom40_share);
            assert_close!(m.mean_income / sy, want.mean_income);
            assert_close!(m.median_income / sy, want.median_income);
            assert_close!(m.population / sw, want.population);
            assert_close!(m.poor / sw, want.poor);
            assert_close!(m.extreme_poor / sw, want.extreme_poor);
        }
        // Weights that add up beyond the largest number: an infinite
        // population the caller can see (and refuse), not a silent 0 Gini.
        let mut over = obs(&[(1.0, 1.5e308), (2.0, 1.5e308)]);
        let m = Measures::compute(&mut over, 1.5, 0.0);
        assert!(m.population.is_infinite(), "{m:?}");
        assert_close!(m.headcount_ratio, 0.5);
    }

    #[test]
    fn packed_observations_keep_the_order_of_incomes() {
        let ys = [-500.0f32, -1.0, -0.0, 0.0, 1e-3, 1.0, 2299.9, 2300.0, 1e9];
        for w in ys.windows(2) {
            assert!(pack(w[0], 7) < pack(w[1], 0), "{} {}", w[0], w[1]);
        }
        for y in ys {
            let o = unpack(pack(y, 5));
            assert!(o.income.to_bits() == (y as f64).to_bits() && o.weight == 5.0);
        }
    }

    #[test]
    fn blocks_give_what_one_pass_gives() {
        // Many blocks (and a weight-0 row in each): the same measures as the
        // sums of a single pass in sorted order, to rounding.
        let n = 5 * BLOCK + 123;
        let v: Vec<Obs> = (0..n)
            .map(|i| Obs {
                income: -200.0 + (i as f64).powf(1.3) * 0.01,
                weight: if i % 1000 == 0 {
                    0.0
                } else {
                    (i % 7) as f64 + 1.0
                },
            })
            .collect();
        let m = Measures::from_sorted(&v, 3000.0, 800.0);
        let (mut pop, mut total, mut acc, mut cum, mut poor, mut ext) =
            (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        for o in v.iter().filter(|o| o.weight > 0.0) {
            pop += o.weight;
            total += o.weight * o.income;
            acc += o.weight * (2.0 * cum + o.weight * o.income);
            cum += o.weight * o.income;
            poor += if o.income < 3000.0 { o.weight } else { 0.0 };
            ext += if o.income < 800.0 { o.weight } else { 0.0 };
        }
        assert_eq!(m.population, pop);
        assert_eq!(m.poor, poor);
        assert_eq!(m.extreme_poor, ext);
        assert_close!(m.mean_income, total / pop);
        assert_close!(m.gini, 1.0 - acc / (pop * total));
        assert_eq!(m.median_income, weighted_quantile(&v, 0.5));
    }

    #[test]
    fn one_to_four_line_three() {
        let m = Measures::compute(&mut unit(&[4.0, 2.0, 3.0, 1.0]), 3.0, 1.5);
        assert_eq!(m.population, 4.0);
        assert_eq!(m.poor, 2.0);
        assert_close!(m.headcount_ratio, 0.5);
        assert_close!(m.poverty_gap, ((1.0 - 1.0 / 3.0) + (1.0 - 2.0 / 3.0)) / 4.0);
        assert_close!(m.poverty_gap, 0.25);
        let sev = ((2.0f64 / 3.0).powi(2) + (1.0f64 / 3.0).powi(2)) / 4.0;
        assert_close!(m.poverty_severity, sev);
        assert_close!(m.watts, (3.0f64.ln() + 1.5f64.ln()) / 4.0);
        assert_close!(m.gini, 0.25);
        // Gini among the poor {1, 2}: |1-2|·2 / (2·2²·1.5) = 1/6.
        assert_close!(m.sen, 0.5 / 6.0 + 0.25 * 5.0 / 6.0);
        assert_eq!(m.extreme_poor, 1.0);
        assert_close!(m.mean_income, 2.5);
        assert_eq!(m.median_income, 2.0);
        let theil = [1.0f64, 2.0, 3.0, 4.0]
            .iter()
            .map(|y| y / 2.5 * (y / 2.5).ln())
            .sum::<f64>()
            / 4.0;
        assert_close!(m.theil, theil);
        let geo = (24.0f64).powf(0.25);
        assert_close!(m.atkinson1, 1.0 - geo / 2.5);
        assert_close!(m.bottom40_share, 0.22);
    }

    #[test]
    fn gini_matches_pairwise_definition() {
        let v = obs(&[(3.0, 2.0), (7.0, 0.5), (1.0, 1.5), (10.0, 3.0), (4.0, 1.0)]);
        let (n, mu) = {
            let n: f64 = v.iter().map(|o| o.weight).sum();
            (n, v.iter().map(|o| o.weight * o.income).sum::<f64>() / n)
        };
        let mut pair = 0.0;
        for a in &v {
            for b in &v {
                pair += a.weight * b.weight * (a.income - b.income).abs();
            }
        }
        let m = Measures::compute(&mut v.clone(), 5.0, 0.0);
        assert_close!(m.gini, pair / (2.0 * n * n * mu));
    }

    #[test]
    fn weights_equal_repeated_rows() {
        let mut weighted = obs(&[(5.0, 3.0), (1.0, 2.0), (8.0, 1.0), (2.5, 4.0)]);
        let mut repeated = Vec::new();
        for o in &weighted {
            for _ in 0..o.weight as usize {
                repeated.push(Obs {
                    income: o.income,
                    weight: 1.0,
                });
            }
        }
        let a = Measures::compute(&mut weighted, 4.0, 2.0);
        let b = Measures::compute(&mut repeated, 4.0, 2.0);
        for (x, y) in fields(&a).into_iter().zip(fields(&b)) {
            assert!(close(x, y), "{a:?}\n{b:?}");
        }
        assert_eq!(a.median_income, b.median_income);
    }

    fn fields(m: &Measures) -> [f64; 14] {
        [
            m.population,
            m.poor,
            m.headcount_ratio,
            m.poverty_gap,
            m.poverty_severity,
            m.watts,
            m.sen,
            m.extreme_poor,
            m.mean_income,
            m.median_income,
            m.gini,
            m.theil,
            m.atkinson1,
            m.bottom40_share,
        ]
    }

    #[test]
    fn income_at_the_line_is_not_poor() {
        let m = Measures::compute(&mut unit(&[3.0, 3.0, 5.0]), 3.0, 3.0);
        assert_eq!(m.poor, 0.0);
        assert_eq!(m.headcount_ratio, 0.0);
        assert_eq!(m.poverty_gap, 0.0);
        assert_eq!(m.watts, 0.0);
        assert_eq!(m.extreme_poor, 0.0);
    }

    #[test]
    fn severity_gap_headcount_ordered() {
        let mut v = unit(&[0.0, 0.5, 1.0, 2.9, 3.5, -2.0, 100.0]);
        let m = Measures::compute(&mut v, 3.0, 0.0);
        assert!(0.0 <= m.poverty_severity);
        assert!(m.poverty_severity <= m.poverty_gap);
        assert!(m.poverty_gap <= m.headcount_ratio);
        assert!(m.headcount_ratio <= 1.0);
        assert!(m.poverty_gap <= m.sen && m.sen <= m.headcount_ratio);
    }

    #[test]
    fn zero_and_negative_incomes() {
        let m = Measures::compute(&mut unit(&[-5.0, 0.0, 10.0, 10.0]), 10.0, 0.0);
        // Both at or below 0 have a gap of 1.
        assert_close!(m.poverty_gap, 0.5);
        assert_close!(m.poverty_severity, 0.5);
        // Watts floors them at 1 yuan: ln(10/1) each.
        assert_close!(m.watts, 2.0 * 10f64.ln() / 4.0);
        // All poor at 0 after clamping: G_p = 0, Sen = PG = H.
        assert_close!(m.sen, 0.5);
        // Gini on raw values (total 15 > 0): Σ|yi − yj| = 110 over 2·4²·3.75.
        assert_close!(m.gini, 110.0 / 120.0);
        // It can exceed 1 when some incomes are negative.
        assert_close!(
            Measures::compute(&mut unit(&[-5.0, 6.0]), 1.0, 0.0).gini,
            5.5
        );
        // Theil and Atkinson on floored incomes [1, 1, 10, 10].
        let mu: f64 = 5.5;
        let t = (2.0 * (1.0 / mu) * (1.0 / mu).ln() + 2.0 * (10.0 / mu) * (10.0 / mu).ln()) / 4.0;
        assert_close!(m.theil, t);
        assert_close!(m.atkinson1, 1.0 - 10f64.sqrt() / mu);
        // Extreme line 0 means none.
        assert_eq!(m.extreme_poor, 0.0);
    }

    #[test]
    fn nonpositive_total_income() {
        let m = Measures::compute(&mut unit(&[-5.0, 0.0, 2.0]), 1.0, 0.0);
        assert_eq!(m.gini, 0.0);
        assert_eq!(m.bottom40_share, 0.0);
        assert_close!(m.mean_income, -1.0);
    }

    #[test]
    fn empty_and_zero_weight() {
        assert_eq!(Measures::compute(&mut [], 1.0, 0.5), Measures::default());
        let mut v = obs(&[(1.0, 0.0), (2.0, 0.0)]);
        assert_eq!(Measures::compute(&mut v, 1.0, 0.5), Measures::default());
        // A weight-0 row changes nothing.
        let a = Measures::compute(&mut obs(&[(1.0, 1.0), (5.0, 2.0)]), 3.0, 0.0);
        let b = Measures::compute(&mut obs(&[(1.0, 1.0), (0.5, 0.0), (5.0, 2.0)]), 3.0, 0.0);
        assert_eq!(a, b);
    }

    #[test]
    fn equality_gives_zero_inequality() {
        let m = Measures::compute(&mut obs(&[(7.0, 0.3), (7.0, 1.7), (7.0, 2.0)]), 5.0, 0.0);
        assert_eq!(m.gini, 0.0);
        assert!(m.theil.abs() < 1e-15);
        assert!(m.atkinson1.abs() < 1e-15);
        assert_close!(m.bottom40_share, 0.4);
        assert_eq!(m.median_income, 7.0);
    }

    #[test]
    fn weighted_quantiles() {
        let v = obs(&[(1.0, 1.0), (2.0, 3.0), (5.0, 0.0), (9.0, 1.0)]);
        assert_eq!(weighted_quantile(&v, 0.0), 1.0);
        assert_eq!(weighted_quantile(&v, 0.2), 1.0);
        assert_eq!(weighted_quantile(&v, 0.21), 2.0);
        assert_eq!(weighted_quantile(&v, 0.5), 2.0);
        assert_eq!(weighted_quantile(&v, 0.8), 2.0);
        assert_eq!(weighted_quantile(&v, 0.81), 9.0);
        assert_eq!(weighted_quantile(&v, 1.0), 9.0);
        assert!(weighted_quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn percentile_type7() {
        // numpy.percentile([1, 2, 3, 4, 10], [0, 5, 50, 95, 100]).
        let mut v = vec![10.0, 3.0, 1.0, 4.0, 2.0];
        assert_eq!(percentile(&mut v, 0.0), 1.0);
        assert_close!(percentile(&mut v, 0.05), 1.2);
        assert_eq!(percentile(&mut v, 0.5), 3.0);
        assert_close!(percentile(&mut v, 0.95), 8.8);
        assert_eq!(percentile(&mut v, 1.0), 10.0);
        assert_eq!(percentile(&mut [4.0], 0.3), 4.0);
        assert!(percentile(&mut [], 0.5).is_nan());
    }

    #[test]
    #[should_panic(expected = "fraction")]
    fn percentile_rejects_percent_scale() {
        percentile(&mut [1.0, 2.0], 5.0);
    }

    #[test]
    #[should_panic(expected = "poverty line")]
    fn rejects_nonpositive_line() {
        Measures::compute(&mut unit(&[1.0]), 0.0, 0.0);
    }
}
