//! How the register was really made: a county quota passed down to the
//! villages ("scale control"), a village appraisal that ranks households and
//! may favour connected ones (capture), exits recorded on paper under an exit
//! target, and the register's errors split by their cause.
//!
//! Each household's last appraisal is kept in the targeting module's own
//! column ([`bit`]), so that the causes of its errors can be told apart in
//! the years between identifications.

use super::{PMT_K, assessed_pc, error_sd, md_score, pmt_fit, pmt_x};
use crate::interventions::select::pre_transfer_pc;
use crate::interventions::{PlanCtx, SCAN, TargetingRow};
use crate::model::state::flag;
use crate::rng::{Purpose, sub};
use crate::scenario::modules::{Method, QuotaRule, Targeting};
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use std::cmp::Ordering;

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
/// (registered first, exited last). `(−deprivation score, assessed income
/// after capture, at least 1e-30)`; the score is 0 for the income methods.
/// (The income itself, not its log: the same order without an `ln` per
/// household; a loss ranks as poorest.)
pub type RankKey = (f64, f64);

/// Compare two households' keys, ties by household index (a total order:
/// the same ranking on every thread count).
#[inline]
pub fn rank_cmp(a: &(RankKey, usize), b: &(RankKey, usize)) -> Ordering {
    a.0.0
        .total_cmp(&b.0.0)
        .then(a.0.1.total_cmp(&b.0.1))
        .then(a.1.cmp(&b.1))
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
/// registered: dissolved or exited; households `0..village.len()`).
/// Returns who is registered. (The keys are read where they are, not
/// gathered into a column first: at 10 M households that column was 240 MB.)
pub fn register_by_quota(
    key: impl Fn(usize) -> Option<RankKey>,
    village: &[u32],
    quotas: &[u64],
) -> Vec<bool> {
    let mut by_village: Vec<Vec<(RankKey, usize)>> = vec![Vec::new(); quotas.len()];
    for (i, v) in village.iter().enumerate() {
        if let (Some(k), Some(list)) = (key(i), by_village.get_mut(*v as usize)) {
            list.push((k, i));
        }
    }
    let chosen: Vec<Vec<usize>> = by_village
        .into_par_iter()
        .zip(quotas.par_iter())
        .map(|(mut list, &q)| {
            let q = (q as usize).min(list.len());
            if q > 0 && q < list.len() {
                list.select_nth_unstable_by(q - 1, rank_cmp);
            }
            list.truncate(q);
            list.into_iter().map(|(_, i)| i).collect()
        })
        .collect();
    let mut reg = vec![false; village.len()];
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
        candidates.select_nth_unstable_by(k - 1, rank_cmp);
    }
    candidates[k..].iter().map(|c| c.1).collect()
}

/// One household's appraisal this year.
#[derive(Clone, Copy, Debug)]
pub struct Look {
    /// The assessment alone puts it under the line (the line rule).
    pub below: bool,
    /// The assessment after the capture shift does.
    pub captured_below: bool,
    /// Its place in the ranking (after capture).
    pub key: RankKey,
    pub verified: bool,
}

/// Every living household's appraisal this year (`None` for a dissolved
/// one), in household order. Verified if its draw is below `verify_below`.
pub fn look_all(cfg: &Targeting, ctx: &PlanCtx, verify_below: f64) -> Vec<Option<Look>> {
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
    (0..hh.len())
        .into_par_iter()
        .with_min_len(SCAN)
        .map(|i| {
            if hh.members(i) == 0 {
                return None;
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
            let (below, captured_below, key) = match method {
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
                    (y < line, c < line, (0.0, rank_income(c)))
                }
                Method::Multidimensional => {
                    let food = assessed_pc(&assess, i, pre_transfer_pc(hh, i), sd);
                    let safe_water = water_draw.uniform(i as u64) < villages.water[v] as f64;
                    let c = captured(food);
                    let s0 = md_score(cfg, hh, i, food, extreme, safe_water);
                    let s1 = md_score(cfg, hh, i, c, extreme, safe_water);
                    (
                        s0 + 1e-9 >= cfg.md_cutoff,
                        s1 + 1e-9 >= cfg.md_cutoff,
                        (-s1, rank_income(c)),
                    )
                }
            };
            Some(Look {
                below,
                captured_below,
                key,
                verified,
            })
        })
        .collect()
}

/// An assessed amount as it ranks (a loss ranks as poorest, with 0).
#[inline]
fn rank_income(y: f32) -> f64 {
    (y as f64).max(1e-30)
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
    key: impl Fn(usize) -> Option<RankKey>,
) -> Vec<u64> {
    let hh = &*ctx.hh;
    let nv = ctx.villages.len();
    let line = ctx.params.line;
    let (mut households, mut poor, mut exited) = (vec![0u64; nv], vec![0u64; nv], vec![0u64; nv]);
    for i in 0..hh.len() {
        let v = hh.village[i] as usize;
        if hh.members(i) == 0 || v >= nv {
            continue;
        }
        households[v] += 1;
        poor[v] += (pre_transfer_pc(hh, i) < line) as u64;
        exited[v] += key(i).is_none() as u64;
    }
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

    #[test]
    fn quota_registers_the_lowest_keys_in_each_village() {
        let keys = [
            Some((0.0, 3.0)),
            Some((0.0, 1.0)),
            None,
            Some((0.0, 2.0)),
            Some((0.0, 9.0)),
            Some((0.0, 0.5)),
        ];
        let village = [0, 0, 0, 0, 1, 1];
        let reg = register_by_quota(|i| keys[i], &village, &[2, 1]);
        assert_eq!(reg, vec![false, true, false, true, false, true]);
    }

    #[test]
    fn paper_exits_take_the_least_poor_on_paper() {
        let c = vec![
            ((0.0, 5.0), 0),
            ((0.0, 7.0), 1),
            ((0.0, 1.0), 2),
            ((0.0, 7.0), 3),
        ];
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
