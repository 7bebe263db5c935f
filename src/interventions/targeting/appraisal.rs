//! How the register was really made: a county quota passed down to the
//! villages ("scale control"), a village appraisal that ranks households and
//! may favour connected ones (capture), exits recorded on paper under an exit
//! target, and the register's errors split by their cause.
//!
//! Each household's last appraisal is kept in the targeting module's own
//! column ([`bit`]), so that the causes of its errors can be told apart in
//! the years between identifications.

use super::{PMT_K, assessed_pc, error_sd, md_deprivations, md_score, pmt_fit, pmt_x};
use crate::interventions::select::{ByVillage, ScanLeaves, pre_transfer_pc};
use crate::interventions::{PlanCtx, TargetingRow};
use crate::model::state::flag;
use crate::rng::{Purpose, sub};
use crate::scenario::modules::{Method, QuotaRule, Targeting};
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

/// Bits of the targeting module's own `appraisal` column.
pub mod bit {
    /// At the last appraisal the assessment alone (no capture) put the
    /// household under the line (the line rule would register it).
    pub const BELOW: u8 = 1;
    /// With the capture shift, the assessment was under the line.
    pub const CAPTURED_BELOW: u8 = 2;
    /// Recorded as exited on paper: off the register for good.
    pub const EXITED: u8 = 4;
}

/// A household's place in the appraisal ranking: smaller is poorer
/// (registered first, exited last), ties by household index. The ranking is
/// by (−deprivation score, assessed income after capture, at least 1e-30),
/// the score 0 for the income methods; packed as integers for a compact
/// scratch and cheap comparisons: the rank of −score among the 32 possible
/// scores ([`MdScores`]) in the high 32 bits, [`income_rank`] in the low 32.
/// (The income itself, not its log: the same order without an `ln` per
/// household; a loss ranks as poorest.)
pub type RankKey = u64;

/// An assessed amount as it ranks: anything at most 1e-30 (a loss, NaN)
/// as 0, else the f32's bits, which order positive f32s as their values.
/// So the same order, ties included, as `(y as f64).max(1e-30)` by
/// `total_cmp`.
#[inline]
pub fn income_rank(y: f32) -> u32 {
    if y as f64 > 1e-30 { y.to_bits() } else { 0 }
}

/// The multidimensional method's score of each set of deprivations (bit `k`:
/// deprived in dimension `k`), and the place of each in the ranking (the
/// rank of −score by `total_cmp` among the distinct scores: highest first).
pub struct MdScores {
    pub score: [f64; 32],
    pub rank: [u8; 32],
}

impl MdScores {
    pub fn new(cfg: &Targeting) -> MdScores {
        let score: [f64; 32] = std::array::from_fn(|m| md_score(cfg, m));
        let mut neg: Vec<f64> = score.iter().map(|s| -s).collect();
        neg.sort_by(f64::total_cmp);
        neg.dedup_by(|a, b| a.total_cmp(b).is_eq());
        let rank =
            std::array::from_fn(|m| neg.partition_point(|x| x.total_cmp(&-score[m]).is_lt()) as u8);
        MdScores { score, rank }
    }
}

/// Village quotas: `total` registrations shared in proportion to `weights`
/// by the largest remainder (ties to the lower village index), each capped
/// at `room` (a village cannot register more households than it has; what a
/// cap cuts is not passed on). Zero weights everywhere: no quota.
pub fn village_quotas(total: u64, weights: &[f64], room: &[u64]) -> Vec<u64> {
    let w: f64 = weights.iter().map(|w| w.max(0.0)).sum();
    if w <= 0.0 || total == 0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights
        .iter()
        .map(|x| total as f64 * x.max(0.0) / w)
        .collect();
    let mut q: Vec<u64> = exact.iter().map(|x| x.floor() as u64).collect();
    let given: u64 = q.iter().sum();
    let mut rest: Vec<(f64, usize)> = exact
        .iter()
        .enumerate()
        .map(|(v, x)| (x - x.floor(), v))
        .collect();
    rest.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, v) in rest.iter().take(total.saturating_sub(given) as usize) {
        q[v] += 1;
    }
    for (q, r) in q.iter_mut().zip(room) {
        *q = (*q).min(*r);
    }
    q
}

/// Register by quota: in each village the `quotas[v]` candidates with the
/// smallest keys (`key(i)` is `None` for a household that cannot be
/// registered: dissolved or exited), village by village in parallel.
/// Returns who is registered among households `0..n`. (The keys are read
/// where they are, one village at a time: at 10 M households a column of
/// them was 240 MB, per-village lists of every candidate 340 MB.)
pub fn register_by_quota(
    key: impl Fn(usize) -> Option<RankKey> + Sync,
    by: &ByVillage,
    quotas: &[u64],
    n: usize,
) -> Vec<bool> {
    let chosen: Vec<Vec<usize>> = (0..by.villages())
        .into_par_iter()
        .map(|v| {
            let q = quotas.get(v).map_or(0, |&q| q as usize);
            if q == 0 {
                return Vec::new();
            }
            let mut list: Vec<(RankKey, usize)> = by
                .members(v)
                .filter_map(|i| key(i).map(|k| (k, i)))
                .collect();
            let q = q.min(list.len());
            if q > 0 && q < list.len() {
                list.select_nth_unstable(q - 1);
            }
            // A new vector of the chosen (collecting from the list itself
            // would keep the list's whole allocation for every village).
            list[..q].iter().map(|&(_, i)| i).collect()
        })
        .collect();
    let mut reg = vec![false; n];
    for i in chosen.into_iter().flatten() {
        reg[i] = true;
    }
    reg
}

/// The `e` households to exit on paper among `candidates` (the registered,
/// with their keys): those the appraisal ranks least poor, whatever their
/// true income.
pub fn paper_exits(mut candidates: Vec<(RankKey, usize)>, e: usize) -> Vec<usize> {
    let e = e.min(candidates.len());
    if e == 0 {
        return Vec::new();
    }
    let k = candidates.len() - e;
    if k > 0 {
        candidates.select_nth_unstable(k - 1);
    }
    candidates[k..].iter().map(|c| c.1).collect()
}

/// One household's appraisal this year, in 8 bytes (at 10 M households a
/// year's appraisals are 80 MB); a dissolved household's is the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Look {
    /// [`income_rank`] of the assessment after capture.
    income: u32,
    /// [`MdScores`]' rank of the score after capture (0 for the income methods).
    score: u8,
    /// `LIVE | BELOW | CAPTURED_BELOW | VERIFIED`.
    bits: u8,
}

impl Look {
    const LIVE: u8 = 1;
    const BELOW: u8 = 2;
    const CAPTURED_BELOW: u8 = 4;
    const VERIFIED: u8 = 8;

    /// A living household's appraisal: whether the assessment alone puts it
    /// under the line (the line rule), whether it does after the capture
    /// shift, its place in the ranking after capture, and whether it was verified.
    pub fn new(below: bool, captured_below: bool, score: u8, income: u32, verified: bool) -> Look {
        let bit = |b: bool, v: u8| if b { v } else { 0 };
        Look {
            income,
            score,
            bits: Look::LIVE
                | bit(below, Look::BELOW)
                | bit(captured_below, Look::CAPTURED_BELOW)
                | bit(verified, Look::VERIFIED),
        }
    }

    pub fn below(&self) -> bool {
        self.bits & Look::BELOW != 0
    }

    pub fn captured_below(&self) -> bool {
        self.bits & Look::CAPTURED_BELOW != 0
    }

    pub fn verified(&self) -> bool {
        self.bits & Look::VERIFIED != 0
    }

    /// Its place in the ranking; `None` for a dissolved household.
    pub fn key(&self) -> Option<RankKey> {
        (self.bits & Look::LIVE != 0).then_some((self.score as u64) << 32 | self.income as u64)
    }
}

/// Every household's appraisal this year (the default for a dissolved one),
/// in household order. Verified if its draw is below `verify_below`.
pub fn look_all(cfg: &Targeting, ctx: &PlanCtx, verify_below: f64) -> Vec<Look> {
    let (streams, year, hh, villages) = (ctx.streams, ctx.year, &*ctx.hh, &*ctx.villages);
    let method = cfg.method;
    let line = ctx.params.line * cfg.line_factor as f32;
    let beta = if method == Method::ProxyMeans {
        pmt_fit(hh)
    } else {
        [0.0; PMT_K]
    };
    let extreme = ctx.params.extreme_line;
    let assess = streams.year_purpose(year, Purpose::Targeting);
    let verify_draw = streams.year_purpose_sub(year, sub::TARGETING_VERIFY);
    // Fixed for the run: coverage gains reach the same households first.
    let water_draw = streams.year_purpose_sub(ctx.sc.origin_year, sub::TARGETING_WATER);
    let shift = (-cfg.capture as f32).exp();
    let md = MdScores::new(cfg);
    (0..hh.len())
        .into_par_iter()
        .scan_leaves()
        .map(|i| {
            if hh.members(i) == 0 {
                return Look::default();
            }
            let v = hh.village[i] as usize;
            let verified = verify_below > 0.0 && verify_draw.uniform(i as u64) < verify_below;
            let sd = error_sd(cfg, villages.cadre_quality[v], verified);
            let captured = |y: f32| {
                if cfg.capture > 0.0 && hh.flags[i] & flag::CONNECTED != 0 {
                    y * shift
                } else {
                    y
                }
            };
            let (below, captured_below, score, income) = match method {
                Method::Income | Method::ProxyMeans => {
                    let y = if method == Method::Income {
                        assessed_pc(&assess, i, pre_transfer_pc(hh, i), sd)
                    } else {
                        let x = pmt_x(hh, i);
                        let score =
                            x.iter().zip(&beta).map(|(x, b)| x * b).sum::<f64>().exp() as f32;
                        assessed_pc(&assess, i, score, sd * cfg.proxy_error_share as f32)
                    };
                    let c = captured(y);
                    (y < line, c < line, 0, income_rank(c))
                }
                Method::Multidimensional => {
                    let food = assessed_pc(&assess, i, pre_transfer_pc(hh, i), sd);
                    let safe_water = water_draw.uniform(i as u64) < villages.water[v] as f64;
                    let c = captured(food);
                    let d0 = md_deprivations(cfg, hh, i, food, extreme, safe_water);
                    let d1 = md_deprivations(cfg, hh, i, c, extreme, safe_water);
                    (
                        md.score[d0] + 1e-9 >= cfg.md_cutoff,
                        md.score[d1] + 1e-9 >= cfg.md_cutoff,
                        md.rank[d1],
                        income_rank(c),
                    )
                }
            };
            Look::new(below, captured_below, score, income, verified)
        })
        .collect()
}

/// Each village's new registrations this year: `quota ×` the county's poor
/// households (the statistics' estimate, taken to be right for the county)
/// shared by `quota_rule` over the living households, less the village's
/// households exited on paper (they stay in the files and count toward the
/// quota, so a quota never refills the places of paper exits). `key(i)` is
/// `None` for a household that cannot be registered (dissolved, exited).
pub fn quotas_this_year(
    cfg: &Targeting,
    ctx: &PlanCtx,
    by: &ByVillage,
    key: impl Fn(usize) -> Option<RankKey> + Sync,
) -> Vec<u64> {
    let hh = &*ctx.hh;
    let line = ctx.params.line;
    // (households, poor, exited) of each village: integer counts, village by
    // village in parallel.
    let (households, (poor, exited)): (Vec<u64>, (Vec<u64>, Vec<u64>)) = (0..by.villages())
        .into_par_iter()
        .map(|v| {
            let (mut h, mut p, mut e) = (0u64, 0u64, 0u64);
            for i in by.members(v).filter(|&i| hh.members(i) > 0) {
                h += 1;
                p += (pre_transfer_pc(hh, i) < line) as u64;
                e += key(i).is_none() as u64;
            }
            (h, (p, e))
        })
        .unzip();
    let total = (cfg.quota * poor.iter().sum::<u64>() as f64).round() as u64;
    let noise = ctx.streams.year_purpose_sub(ctx.year, sub::TARGETING_QUOTA);
    let weights: Vec<f64> = match cfg.quota_rule {
        QuotaRule::Population => households.iter().map(|&h| h as f64).collect(),
        QuotaRule::Estimate => poor
            .iter()
            .enumerate()
            .map(|(v, &p)| {
                let z: f64 = StandardNormal.sample(&mut noise.of(v as u64));
                p as f64 * (cfg.quota_noise * z).exp()
            })
            .collect(),
    };
    village_quotas(total, &weights, &households)
        .into_iter()
        .zip(exited)
        .map(|(q, e)| q.saturating_sub(e))
        .collect()
}

/// Exits the target asks for: the register must shrink to `(1 − target)` of
/// last year's size; what the re-assessment did not remove is exited on paper.
pub fn exits_required(before: u64, now: u64, target: f64) -> u64 {
    let allowed = ((1.0 - target.clamp(0.0, 1.0)) * before as f64).round() as u64;
    now.saturating_sub(allowed)
}

/// Why a household is on the wrong side of a list: the cause of an inclusion
/// error (registered, not poor) or an exclusion error (poor, not registered).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// The quota: registered though the line rule would not have it, or left
    /// out though the line rule would register it (its village's quota was
    /// filled by households appraised poorer or favoured).
    Quota,
    /// Capture: registered only thanks to the connected household's shift.
    Capture,
    /// Measurement: the assessment itself (and the register's age between
    /// identifications) put it on the wrong side.
    Measurement,
    /// Exited on paper while poor.
    PaperExit,
}

/// The cause of household's error, from its appraisal bits, given that it is
/// registered (`reg`) or not and poor or not; `None` when it is not an error.
#[inline]
pub fn cause(bits: u8, reg: bool, poor: bool, quota: bool) -> Option<Cause> {
    match (reg, poor) {
        (true, false) => Some(if bits & bit::BELOW != 0 {
            Cause::Measurement
        } else if bits & bit::CAPTURED_BELOW != 0 {
            Cause::Capture
        } else if quota {
            Cause::Quota
        } else {
            // Registered before any appraisal (a survey's register).
            Cause::Measurement
        }),
        (false, true) => Some(if bits & bit::EXITED != 0 {
            Cause::PaperExit
        } else if quota && bits & (bit::BELOW | bit::CAPTURED_BELOW) != 0 {
            Cause::Quota
        } else {
            Cause::Measurement
        }),
        _ => None,
    }
}

/// Counts behind a list's row of targeting.csv.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    pub registered: u64,
    pub poor: u64,
    /// Inclusion errors by cause: quota, capture, measurement.
    pub included: [u64; 3],
    /// Exclusion errors by cause: quota, measurement, paper exit.
    pub excluded: [u64; 3],
}

impl Tally {
    /// Count one household.
    #[inline]
    pub fn add(&mut self, reg: bool, poor: bool, cause: Option<Cause>) {
        self.registered += reg as u64;
        self.poor += poor as u64;
        match (reg, cause) {
            (true, Some(Cause::Quota)) => self.included[0] += 1,
            (true, Some(Cause::Capture)) => self.included[1] += 1,
            (true, Some(_)) => self.included[2] += 1,
            (false, Some(Cause::Quota)) => self.excluded[0] += 1,
            (false, Some(Cause::PaperExit)) => self.excluded[2] += 1,
            (false, Some(_)) => self.excluded[1] += 1,
            (_, None) => {}
        }
    }

    /// The sum of two tallies.
    pub fn plus(mut self, o: Tally) -> Tally {
        self.registered += o.registered;
        self.poor += o.poor;
        for k in 0..3 {
            self.included[k] += o.included[k];
            self.excluded[k] += o.excluded[k];
        }
        self
    }

    /// The row of targeting.csv: errors as shares of the registered
    /// (inclusion) and of the poor (exclusion), and each cause's part.
    pub fn row(&self, list: &'static str, method: &'static str) -> TargetingRow {
        let inc = |x: u64| share(x, self.registered);
        let exc = |x: u64| share(x, self.poor);
        TargetingRow {
            list,
            method,
            registered: self.registered,
            inclusion_error: inc(self.included.iter().sum()),
            exclusion_error: exc(self.excluded.iter().sum()),
            inclusion_quota: inc(self.included[0]),
            inclusion_capture: inc(self.included[1]),
            inclusion_measurement: inc(self.included[2]),
            exclusion_quota: exc(self.excluded[0]),
            exclusion_measurement: exc(self.excluded[1]),
            exclusion_paper_exit: exc(self.excluded[2]),
        }
    }
}

#[inline]
fn share(x: u64, of: u64) -> f64 {
    if of > 0 { x as f64 / of as f64 } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_add_up_by_the_largest_remainder() {
        // 10 shared 1 : 2 : 3 → 1.67, 3.33, 5 → 2, 3, 5.
        assert_eq!(
            village_quotas(10, &[1.0, 2.0, 3.0], &[100; 3]),
            vec![2, 3, 5]
        );
        // Equal remainders go to the lower index.
        assert_eq!(
            village_quotas(2, &[1.0, 1.0, 1.0], &[100; 3]),
            vec![1, 1, 0]
        );
        // A cap holds; nothing is passed on.
        assert_eq!(village_quotas(10, &[1.0, 1.0], &[2, 100]), vec![2, 5]);
        assert_eq!(village_quotas(5, &[0.0, 0.0], &[9, 9]), vec![0, 0]);
    }

    /// The key of an income-method appraisal of `y`.
    fn income(y: f32) -> Option<RankKey> {
        Look::new(false, false, 0, income_rank(y), false).key()
    }

    #[test]
    fn quota_registers_the_lowest_keys_in_each_village() {
        let keys = [
            income(3.0),
            income(1.0),
            None,
            income(2.0),
            income(9.0),
            income(0.5),
        ];
        let village = [0, 0, 0, 0, 1, 1];
        let reg = register_by_quota(|i| keys[i], &ByVillage::new(&village, 2), &[2, 1], 6);
        assert_eq!(reg, vec![false, true, false, true, false, true]);
        // The same households in an interleaved layout; a tie at the quota
        // goes to the lower household index.
        let keys = [
            income(9.0),
            income(3.0),
            income(0.5),
            None,
            income(1.0),
            income(2.0),
            income(2.0),
        ];
        let village = [1, 0, 1, 0, 0, 0, 0];
        let reg = register_by_quota(|i| keys[i], &ByVillage::new(&village, 2), &[2, 1], 7);
        assert_eq!(reg, vec![false, false, true, false, true, true, false]);
    }

    #[test]
    fn packed_keys_rank_as_the_scores_and_incomes_they_pack() {
        // The ranking by definition: (−score, max(income, 1e-30)) by total_cmp.
        let by_value = |a: (f64, f32), b: (f64, f32)| {
            (-a.0)
                .total_cmp(&-b.0)
                .then((a.1 as f64).max(1e-30).total_cmp(&(b.1 as f64).max(1e-30)))
        };
        let cfg = Targeting {
            md_weights: [0.4, 0.15, 0.15, 0.2, 0.1],
            ..Default::default()
        };
        let md = MdScores::new(&cfg);
        // Nothing deprived scores 0 and ranks last; all five first.
        assert_eq!(md.score[0], 0.0);
        assert_eq!(md.rank[31], 0);
        assert!(md.rank.iter().all(|&r| r <= md.rank[0]));
        let incomes = [
            f32::NEG_INFINITY,
            -5.0,
            -0.0,
            0.0,
            1e-38,
            1e-31,
            1.1e-30,
            0.5,
            0.5,
            2300.0,
            f32::INFINITY,
            f32::NAN,
        ];
        let looks: Vec<(f64, f32, RankKey)> = (0..32)
            .step_by(3)
            .flat_map(|m| incomes.iter().map(move |&y| (m, y)))
            .map(|(m, y)| {
                let k = Look::new(true, true, md.rank[m], income_rank(y), true).key();
                (md.score[m], y, k.expect("a living household has a key"))
            })
            .collect();
        for a in &looks {
            for b in &looks {
                assert_eq!(
                    a.2.cmp(&b.2),
                    by_value((a.0, a.1), (b.0, b.1)),
                    "{a:?} {b:?}"
                );
            }
        }
        // Eight bytes a household, and a dissolved household has no key.
        assert_eq!(std::mem::size_of::<Look>(), 8);
        assert_eq!(Look::default().key(), None);
        let l = Look::new(true, false, 0, 0, true);
        assert!(l.below() && !l.captured_below() && l.verified());
    }

    #[test]
    fn paper_exits_take_the_least_poor_on_paper() {
        let key = |y: f32| income(y).expect("living");
        let c = vec![(key(5.0), 0), (key(7.0), 1), (key(1.0), 2), (key(7.0), 3)];
        let mut e = paper_exits(c, 2);
        e.sort();
        assert_eq!(e, vec![1, 3]);
        assert_eq!(exits_required(100, 95, 0.2), 15);
        assert_eq!(exits_required(100, 70, 0.2), 0);
    }

    #[test]
    fn causes_partition_the_errors() {
        use bit::*;
        // Without a quota every error is measurement unless captured or exited.
        assert_eq!(cause(0, true, false, false), Some(Cause::Measurement));
        assert_eq!(
            cause(CAPTURED_BELOW, true, false, false),
            Some(Cause::Capture)
        );
        assert_eq!(
            cause(BELOW | CAPTURED_BELOW, true, false, false),
            Some(Cause::Measurement)
        );
        assert_eq!(cause(EXITED, false, true, false), Some(Cause::PaperExit));
        assert_eq!(cause(BELOW, false, true, true), Some(Cause::Quota));
        assert_eq!(cause(0, false, true, true), Some(Cause::Measurement));
        assert_eq!(cause(0, true, false, true), Some(Cause::Quota));
        assert_eq!(cause(BELOW, true, true, true), None);
        let mut t = Tally::default();
        for bits in 0..8u8 {
            for (reg, poor, q) in [
                (true, false, true),
                (false, true, true),
                (true, true, false),
            ] {
                t.add(reg, poor, cause(bits, reg, poor, q));
            }
        }
        let r = t.row("register", "income");
        let inc = r.inclusion_quota + r.inclusion_capture + r.inclusion_measurement;
        let exc = r.exclusion_quota + r.exclusion_measurement + r.exclusion_paper_exit;
        assert!((inc - r.inclusion_error).abs() < 1e-12 && r.inclusion_error > 0.0);
        assert!((exc - r.exclusion_error).abs() < 1e-12 && r.exclusion_error > 0.0);
    }
}
