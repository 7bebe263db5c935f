//! The draws of phase one of the household update, made cheap.
//!
//! - One keyed stream per household-year ([`HouseholdYear`]): the key is
//!   mixed once. Draws whose number is fixed (illness, crop loss, job loss,
//!   the enterprise return, a birth, deaths, ageing) are the 32-bit halves of
//!   its first five outputs, each at its own place ([`HouseholdSlot::Fixed`]);
//!   each purpose whose number of draws varies with the household
//!   (out-migration, labour, tourism) draws from its own slot of the stream
//!   ([`Stream::slot`], 2³² outputs apart), so drawing more in one never
//!   shifts another's numbers.
//! - A binomial with a probability fixed for the year (deaths, ageing) is
//!   one 32-bit uniform inverted through its table of cumulative
//!   probabilities, built once a year ([`BinomialTable`]): most draws are
//!   one comparison.
//! - A binomial whose probability differs by household (out-migration,
//!   migration, local and tourism jobs) is a count of Bernoulli trials, one
//!   32-bit half of an output each ([`bernoulli_count`]): exact, and no
//!   branch to mispredict.
//! - A standard normal is one 32-bit uniform through the tabulated quantile
//!   function ([`NormalTable`]): a lookup instead of the ziggurat's
//!   rejection, and monotone in its uniform.

use super::household::YearParams;
use super::sample::normal_quantile;
use crate::rng::{HouseholdSlot, Purpose, Stream, Streams, YearStreams, sub};
use rand::Rng;
use std::sync::OnceLock;

/// 2³², the scale of a 32-bit uniform.
const SCALE: f64 = 4_294_967_296.0;

/// The stream of one household in one year, every purpose at its slot.
#[derive(Clone, Copy, Debug)]
pub struct HouseholdYear {
    key: u64,
}

impl HouseholdYear {
    /// Household `i`'s stream this year (`streams`: this year's household streams).
    #[inline]
    pub fn new(streams: &YearStreams, i: u64) -> Self {
        HouseholdYear {
            key: streams.key(i),
        }
    }

    /// The draws of one purpose.
    #[inline]
    pub fn slot(&self, s: HouseholdSlot) -> Stream {
        Stream::from_key(self.key).slot(s as u64)
    }

    /// The fixed-place draws (slot [`HouseholdSlot::Fixed`]).
    #[inline]
    pub fn fixed(&self) -> Stream {
        Stream::from_key(self.key)
    }
}

/// The draws of phase one that are the same for every household in a year:
/// the household streams and the binomial tables of the probabilities fixed
/// for the year.
#[derive(Clone, Debug)]
pub struct YearDraws {
    pub streams: YearStreams,
    /// The streams of each household's return factor (a fixed year: drawn once).
    pub talent: YearStreams,
    pub death_elderly: BinomialTable,
    pub death_adult: BinomialTable,
    pub death_child: BinomialTable,
    pub retire: BinomialTable,
    pub grown: BinomialTable,
    pub birth: u64,
    pub crop_loss: u64,
    pub job_loss: u64,
    pub normal: &'static NormalTable,
}

impl YearDraws {
    pub fn new(p: &YearParams, st: &Streams) -> Self {
        YearDraws {
            streams: st.year_purpose(p.year, Purpose::Household),
            talent: st.year_purpose_sub(0, sub::HOUSEHOLD_RETURN),
            death_elderly: BinomialTable::new(p.death_elderly),
            death_adult: BinomialTable::new(p.death_adult),
            death_child: BinomialTable::new(p.death_child),
            retire: BinomialTable::new(p.adult_to_elderly),
            grown: BinomialTable::new(p.child_to_adult),
            birth: threshold(p.birth_rate),
            crop_loss: threshold(p.crop_loss),
            job_loss: threshold(p.job_loss),
            normal: NormalTable::standard(),
        }
    }
}

/// Steps of the normal quantile table.
const NORMAL_STEPS: usize = 1024;

/// The standard normal's quantile function `Φ⁻¹` at 1,024 equal steps of
/// probability, for 32-bit uniforms: linearly interpolated inside, exact
/// (statrs' `erfc⁻¹`) in the first and last step, where it is unbounded
/// and curved. A draw is monotone in its uniform.
#[derive(Clone, Debug)]
pub struct NormalTable {
    knots: Vec<f32>,
}

impl NormalTable {
    fn new() -> Self {
        let knots = (0..=NORMAL_STEPS)
            .map(|k| normal_quantile(k as f64 / NORMAL_STEPS as f64) as f32)
            .collect();
        NormalTable { knots }
    }

    /// The one table (built on first use).
    pub fn standard() -> &'static NormalTable {
        static TABLE: OnceLock<NormalTable> = OnceLock::new();
        TABLE.get_or_init(NormalTable::new)
    }

    /// The standard normal at the 32-bit uniform `u` (read as `(u + ½) / 2³²`).
    #[inline]
    pub fn at(&self, u: u32) -> f32 {
        let k = (u >> 22) as usize;
        if k == 0 || k == NORMAL_STEPS - 1 {
            return normal_quantile((u as f64 + 0.5) * (1.0 / SCALE)) as f32;
        }
        let f = ((u & 0x3f_ffff) as f32 + 0.5) * (1.0 / 4_194_304.0);
        let (a, b) = (self.knots[k], self.knots[k + 1]);
        a + f * (b - a)
    }
}

/// The threshold of a Bernoulli trial with probability `p`: a 32-bit
/// uniform below it succeeds (`p` to 2⁻³²; 0 and 1 exactly).
#[inline]
pub fn threshold(p: f32) -> u64 {
    // Scaling by a power of two is exact in f32; through i64, one
    // instruction to convert on x86-64 where u64 takes several.
    (p.clamp(0.0, 1.0) * 4_294_967_296.0f32) as i64 as u64
}

/// Successes in `n` Bernoulli trials of threshold `t` ([`threshold`]): two
/// trials per 64-bit output of `r` (its low and high halves).
#[inline]
pub fn bernoulli_count(r: &mut Stream, n: u8, t: u64) -> u8 {
    if n == 0 || t == 0 {
        return 0;
    }
    let mut k = 0;
    for _ in 0..n / 2 {
        let w = r.next_u64();
        k += ((w & 0xffff_ffff) < t) as u8 + ((w >> 32) < t) as u8;
    }
    if n & 1 == 1 {
        k += ((r.next_u64() & 0xffff_ffff) < t) as u8;
    }
    k
}

/// Counts up to this many trials are tabulated; larger ones (never in the
/// shipped scenarios) count Bernoulli trials.
const TABLE_N: usize = 24;

/// The binomial distributions B(n, p), n = 0..=[`TABLE_N`], of one
/// probability, as cumulative probabilities in units of 2⁻³²: a draw is the
/// number of thresholds at or below one 32-bit uniform.
#[derive(Clone, Debug)]
pub struct BinomialTable {
    p: f32,
    /// For n, `P(X ≤ k)` for k = 0..n (P(X ≤ n) = 1 is not stored), at `start(n)`.
    thresholds: Vec<u64>,
}

impl BinomialTable {
    pub fn new(p: f32) -> Self {
        let pf = (p as f64).clamp(0.0, 1.0);
        let mut thresholds = Vec::with_capacity(TABLE_N * (TABLE_N + 1) / 2);
        for n in 0..=TABLE_N {
            // The pmf by the recurrence from k = 0 (or, for p = 1, all mass at n).
            let mut pmf = (1.0 - pf).powi(n as i32);
            let mut cdf = 0.0;
            for k in 0..n {
                if pf >= 1.0 {
                    pmf = 0.0;
                } else if k > 0 {
                    pmf *= (n - k + 1) as f64 / k as f64 * pf / (1.0 - pf);
                }
                cdf += pmf;
                thresholds.push(((cdf.min(1.0) * SCALE).round()) as u64);
            }
        }
        BinomialTable { p, thresholds }
    }

    /// B(n, p) for `n` beyond the table: trials on a stream keyed by `u`.
    #[cold]
    fn counted(&self, n: u8, u: u32) -> u8 {
        bernoulli_count(&mut Stream::from_key(u as u64), n, threshold(self.p))
    }

    #[inline]
    fn start(n: usize) -> usize {
        n * (n - 1) / 2
    }

    /// One draw of B(n, p) from the 32-bit uniform `u` (larger `n`, never
    /// in the shipped scenarios, count trials on a stream keyed by `u`).
    #[inline(always)]
    pub fn at(&self, n: u8, u: u32) -> u8 {
        if n == 0 {
            return 0;
        }
        if n as usize > TABLE_N {
            return self.counted(n, u);
        }
        let u = u as u64;
        let t = &self.thresholds[Self::start(n as usize)..Self::start(n as usize + 1)];
        // Most households lose no one: the walk stops at the first threshold.
        let mut k = 0;
        while k < t.len() && u >= t[k] {
            k += 1;
        }
        k as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chi-square of `draws` against B(n, p) over the cells with at least 5 expected.
    fn chi2(draws: &[u8], n: u8, p: f64) -> (f64, usize) {
        let mut seen = vec![0.0; n as usize + 1];
        for &k in draws {
            seen[k as usize] += 1.0;
        }
        let (mut chi2, mut cells) = (0.0, 0);
        let mut pmf = (1.0 - p).powi(n as i32);
        for (k, &o) in seen.iter().enumerate() {
            if k > 0 {
                pmf *= (n as usize - k + 1) as f64 / k as f64 * p / (1.0 - p);
            }
            let e = pmf * draws.len() as f64;
            if e >= 5.0 {
                chi2 += (o - e) * (o - e) / e;
                cells += 1;
            }
        }
        (chi2, cells)
    }

    #[test]
    fn tabulated_and_counted_binomials_match_the_exact_pmf() {
        // 99.9% points of chi-square: 1 df 10.8, 2 df 13.8, 3 df 16.3, 4 df 18.5, 5 df 20.5, 6 df 22.5.
        let crit = [0.0, 10.8, 13.8, 16.3, 18.5, 20.5, 22.5, 24.3];
        for &(n, p) in &[
            (1u8, 0.3f32),
            (4, 0.05),
            (6, 0.5),
            (3, 0.9),
            (5, 0.012),
            (2, 0.0667),
        ] {
            let table = BinomialTable::new(p);
            let mut r = Stream::from_key(n as u64 * 1000 + 7);
            let by_table: Vec<u8> = (0..300_000)
                .map(|_| table.at(n, r.next_u64() as u32))
                .collect();
            let by_count: Vec<u8> = (0..300_000)
                .map(|_| bernoulli_count(&mut r, n, threshold(p)))
                .collect();
            for (how, d) in [("table", &by_table), ("count", &by_count)] {
                assert!(d.iter().all(|&k| k <= n));
                let (c, cells) = chi2(d, n, p as f64);
                assert!(cells >= 2, "n={n} p={p}: too few cells");
                assert!(
                    c < crit[cells - 1],
                    "{how} n={n} p={p}: chi2 {c} over {cells} cells"
                );
            }
        }
    }

    #[test]
    fn binomials_at_the_edges() {
        let mut r = Stream::from_key(1);
        let (zero, one) = (BinomialTable::new(0.0), BinomialTable::new(1.0));
        for n in 0..=30u8 {
            for u in [0, 1, u32::MAX - 1, u32::MAX, r.next_u64() as u32] {
                assert_eq!(zero.at(n, u), 0);
                assert_eq!(one.at(n, u), n);
            }
            assert_eq!(bernoulli_count(&mut r, n, threshold(0.0)), 0);
            assert_eq!(bernoulli_count(&mut r, n, threshold(1.0)), n);
        }
        assert_eq!(threshold(0.5), 1 << 31);
        assert_eq!(threshold(2.0), 1 << 32);
    }

    #[test]
    fn a_purpose_that_draws_more_leaves_the_others_alone() {
        let ys = crate::rng::Streams::new(3, 1).year_purpose(2012, Purpose::Household);
        let hy = HouseholdYear::new(&ys, 42);
        let others = |extra: usize| {
            let mut d = hy.slot(HouseholdSlot::Demography);
            for _ in 0..extra {
                d.next_u64();
            }
            let mut f = hy.fixed();
            let mut l = hy.slot(HouseholdSlot::Labour);
            (f.next_u64(), f.next_u64(), l.next_u64(), l.next_u64())
        };
        assert_eq!(others(0), others(1000));
        assert_ne!(others(0).2, hy.slot(HouseholdSlot::Tourism).next_u64());
        assert_ne!(
            hy.fixed().next_u64(),
            hy.slot(HouseholdSlot::Demography).next_u64()
        );
    }

    #[test]
    fn tabulated_normal_has_the_moments_and_quantiles_of_the_standard_normal() {
        let t = NormalTable::standard();
        // Every 32-bit uniform on an even grid of 2^20 points: a quadrature of the moments.
        let n = 1u64 << 20;
        let (mut s1, mut s2, mut s3, mut s4) = (0.0f64, 0.0, 0.0, 0.0);
        for k in 0..n {
            let z = t.at(((k << 12) + 2048) as u32) as f64;
            s1 += z;
            s2 += z * z;
            s3 += z * z * z;
            s4 += z * z * z * z;
        }
        let (m1, m2, m3, m4) = (s1 / n as f64, s2 / n as f64, s3 / n as f64, s4 / n as f64);
        assert!(m1.abs() < 1e-4, "mean {m1}");
        assert!((m2 - 1.0).abs() < 2e-3, "variance {m2}");
        assert!(m3.abs() < 1e-3, "third moment {m3}");
        assert!((m4 - 3.0).abs() < 0.02, "fourth moment {m4}");
        // Known quantiles: Φ⁻¹(0.975) = 1.959964, Φ⁻¹(0.5) = 0, Φ⁻¹(1e-4) = −3.719016.
        let at = |u: f64| t.at((u * SCALE) as u32) as f64;
        assert!((at(0.975) - 1.959964).abs() < 1e-4);
        assert!(at(0.5).abs() < 1e-5);
        assert!((at(1e-4) + 3.719016).abs() < 1e-3);
        // Monotone in its uniform.
        let mut last = f32::NEG_INFINITY;
        for k in 0..(1u64 << 16) {
            let z = t.at((k << 16) as u32);
            assert!(z >= last);
            last = z;
        }
    }
}
