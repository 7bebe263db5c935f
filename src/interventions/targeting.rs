//! Targeted identification: who is on the poor register.
//!
//! In an identification year (every `reidentify_every` years from the
//! module's start) every household is assessed and the register is rebuilt:
//! households that escaped leave it, missed and relapsed poor enter it. The
//! assessment depends on the method:
//!
//! - `income`: per-capita income observed with log-normal measurement error
//!   `ln ŷ = ln y + σ ε`, with `σ = measurement_error · (1 − cadre_effect ·
//!   (2·cadre_quality − 1)) · (1 − verification_gain if verified)`;
//!   registered if `ŷ < line · line_factor`.
//! - `proxy_means`: in each identification year, the coefficients `β` of an
//!   OLS regression of ln pre-transfer per-capita income on observables
//!   `x = (1, ln(1 + land/n), ln(1 + assets/n), schooling, n, dependency
//!   ratio)` are estimated over the whole population (normal equations, sums
//!   in a fixed chunk order, so the fit is the same on every thread count);
//!   the score `exp(x·β)` is observed with error `σ · proxy_error_share` (the
//!   same draw `ε` as the income method) and compared with the line.
//! - `multidimensional`: Alkire–Foster counting over five deprivations with
//!   weights `md_weights` (adding up to 1): food and clothing (assessed income
//!   below the extreme line), compulsory schooling (children present whose
//!   schooling track is below `md_schooling_years`), health / basic medical
//!   care (health below `md_health`), safe housing (assets below
//!   `md_housing_assets`) and safe drinking water (the household is among the
//!   `1 − water` share of its village without it: a keyed draw fixed for the
//!   run, so coverage gains reach the same households first). Registered if
//!   the weighted score is at least `md_cutoff` (k).
//!
//! Community verification (`verification = true`) checks as many households
//! as the budget pays for (`verification_cost` each, a keyed draw) and
//! removes `verification_gain` of their error, whatever the method.
//!
//! Errors are measured against the truth every year: inclusion error =
//! non-poor registered / registered; exclusion error = poor not registered /
//! poor, where "poor" is per-capita income before the guarantee below the line.

use super::SCAN;
use super::select::{ByVillage, ScanLeaves, pre_transfer_pc, scan_chunks};
use super::{Ledger, Module, PlanCtx, SpendRow, module_columns};
use crate::model::columns::OwnColumns;
use crate::model::state::{Households, flag};
use crate::rng::{YearStreams, sub};
use crate::scenario::modules::{Common, Method, ModuleConfig, Targeting};
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

pub mod appraisal;

use appraisal::{
    Look, RankKey, Tally, bit, cause, exits_required, look_all, paper_exits, register_by_quota,
};

module_columns! {
    /// The module's own state: how each household's last appraisal went
    /// (kept only when a quota, capture or an exit target is on).
    pub struct Appraisals {
        /// Bits of `appraisal::bit`: assessed under the line without and
        /// with capture; exited on paper.
        appraisal: u8,
    }
}

pub struct TargetingModule {
    cfg: Targeting,
    common: Common,
    own: Appraisals,
    /// Whether a quota, capture or an exit target is on (the own column is kept).
    appraises: bool,
}

impl TargetingModule {
    pub fn new(cfg: Targeting) -> Self {
        let common = cfg.common();
        let appraises = cfg.quota > 0.0 || cfg.capture > 0.0 || cfg.exit_target.is_some();
        TargetingModule {
            cfg,
            common,
            own: Appraisals::default(),
            appraises,
        }
    }
}

/// Number of proxy-means regressors.
pub const PMT_K: usize = 6;

/// Observables of household `i` for the proxy-means score: 1, ln(1 + land per
/// person), ln(1 + assets per person), adults' schooling, members, dependency
/// ratio ((children + elderly) / members).
#[inline]
pub fn pmt_x(hh: &Households, i: usize) -> [f64; PMT_K] {
    let m = hh.members(i).max(1) as f64;
    let dep = (hh.children[i] as f64 + hh.elderly[i] as f64) / m;
    [
        1.0,
        (1.0 + hh.land[i].max(0.0) as f64 / m).ln(),
        (1.0 + hh.assets[i].max(0.0) as f64 / m).ln(),
        hh.schooling[i] as f64,
        m,
        dep,
    ]
}

/// OLS coefficients of ln pre-transfer per-capita income on [`pmt_x`], over
/// every living household with a positive income. Sums run in chunks of a
/// fixed size added in chunk order, so the fit does not depend on threads.
pub fn pmt_fit(hh: &Households) -> [f64; PMT_K] {
    const C: usize = 4096;
    const K: usize = PMT_K;
    let n = hh.len();
    let parts: Vec<([f64; K * K], [f64; K])> = (0..n.div_ceil(C))
        .into_par_iter()
        .map(|c| {
            let (mut xtx, mut xty) = ([0.0f64; K * K], [0.0f64; K]);
            for i in c * C..((c + 1) * C).min(n) {
                if hh.members(i) == 0 {
                    continue;
                }
                let y = pre_transfer_pc(hh, i);
                if y <= 0.0 || !y.is_finite() {
                    continue;
                }
                let x = pmt_x(hh, i);
                let ly = (y as f64).ln();
                for a in 0..K {
                    xty[a] += x[a] * ly;
                    for b in a..K {
                        xtx[a * K + b] += x[a] * x[b];
                    }
                }
            }
            (xtx, xty)
        })
        .collect();
    let (mut xtx, mut xty) = ([0.0f64; K * K], [0.0f64; K]);
    for (a, b) in &parts {
        for k in 0..K * K {
            xtx[k] += a[k];
        }
        for k in 0..K {
            xty[k] += b[k];
        }
    }
    for a in 0..K {
        for b in 0..a {
            xtx[a * K + b] = xtx[b * K + a];
        }
    }
    solve(xtx, xty)
}

/// Solve `A β = b` for a symmetric positive semi-definite `A` by Gaussian
/// elimination with partial pivoting. A tiny ridge on the diagonal keeps the
/// system solvable when a regressor does not vary (its coefficient is then ≈ 0).
pub fn solve(mut a: [f64; PMT_K * PMT_K], mut b: [f64; PMT_K]) -> [f64; PMT_K] {
    const K: usize = PMT_K;
    for j in 0..K {
        a[j * K + j] += 1e-9 * a[j * K + j].abs() + 1e-12;
    }
    for col in 0..K {
        let piv = (col..K)
            .max_by(|&r, &s| a[r * K + col].abs().total_cmp(&a[s * K + col].abs()))
            .unwrap_or(col);
        if piv != col {
            for k in 0..K {
                a.swap(col * K + k, piv * K + k);
            }
            b.swap(col, piv);
        }
        let p = a[col * K + col];
        if p.abs() < 1e-300 {
            continue;
        }
        for r in col + 1..K {
            let f = a[r * K + col] / p;
            if f != 0.0 {
                for k in col..K {
                    a[r * K + k] -= f * a[col * K + k];
                }
                b[r] -= f * b[col];
            }
        }
    }
    let mut x = [0.0f64; K];
    for col in (0..K).rev() {
        let p = a[col * K + col];
        if p.abs() < 1e-300 {
            continue;
        }
        let mut s = b[col];
        for k in col + 1..K {
            s -= a[col * K + k] * x[k];
        }
        x[col] = s / p;
    }
    x
}

/// The Alkire–Foster deprivations of household `i`, bit `k` for dimension
/// `k` of `md_weights`: food and clothing, compulsory schooling, health,
/// housing and drinking water.
#[inline]
pub fn md_deprivations(
    cfg: &Targeting,
    hh: &Households,
    i: usize,
    assessed_pc: f32,
    extreme_line: f32,
    safe_water: bool,
) -> usize {
    let deprived = [
        assessed_pc < extreme_line,
        hh.children[i] > 0 && (hh.child_schooling[i] as f64) < cfg.md_schooling_years,
        (hh.health[i] as f64) < cfg.md_health,
        (hh.assets[i] as f64) < cfg.md_housing_assets,
        !safe_water,
    ];
    deprived
        .iter()
        .enumerate()
        .map(|(k, &d)| (d as usize) << k)
        .sum()
}

/// The Alkire–Foster score of a set of deprivations ([`md_deprivations`]):
/// their weighted count (0 to 1), summed in dimension order.
#[inline]
pub fn md_score(cfg: &Targeting, deprived: usize) -> f64 {
    cfg.md_weights
        .iter()
        .enumerate()
        .map(|(k, w)| if deprived >> k & 1 != 0 { *w } else { 0.0 })
        .sum()
}

/// The `k`-th smallest (from 0) of the values `value(i)` that are `Some`,
/// for households `i` in `0..n` (values in [0, 1)); `None` when there are
/// no more than `k` of them. The values are counted into 4,096 equal bins
/// in parallel (integer counts: the same on every thread count), then the
/// `k`-th is selected among the few in its bin, found by a second parallel
/// pass. The same value as a full selection; nothing but that bin is
/// gathered, so no serial pass (not even a collection's) touches every
/// household.
pub fn kth_smallest_unit(
    n: usize,
    value: impl Fn(usize) -> Option<f64> + Sync + Send,
    k: usize,
) -> Option<f64> {
    const BINS: usize = 4096;
    let bin = |x: f64| ((x * BINS as f64) as usize).min(BINS - 1);
    let counts = (0..n.div_ceil(SCAN))
        .into_par_iter()
        .fold(
            || vec![0usize; BINS],
            |mut h, c| {
                for i in c * SCAN..((c + 1) * SCAN).min(n) {
                    if let Some(x) = value(i) {
                        h[bin(x)] += 1;
                    }
                }
                h
            },
        )
        .reduce(
            || vec![0usize; BINS],
            |mut a, b| {
                for (a, b) in a.iter_mut().zip(b) {
                    *a += b;
                }
                a
            },
        );
    if counts.iter().sum::<usize>() <= k {
        return None;
    }
    let (mut b, mut below) = (0, 0);
    while below + counts[b] <= k {
        below += counts[b];
        b += 1;
    }
    let mut inside: Vec<f64> = (0..n)
        .into_par_iter()
        .scan_leaves()
        .filter_map(|i| value(i).filter(|&x| bin(x) == b))
        .collect();
    let (_, kth, _) = inside.select_nth_unstable_by(k - below, f64::total_cmp);
    Some(*kth)
}

/// Standard deviation of the log measurement error in a village.
#[inline]
pub fn error_sd(cfg: &Targeting, cadre_quality: f32, verified: bool) -> f32 {
    let mut s = cfg.measurement_error as f32
        * (1.0 - cfg.cadre_effect as f32 * (2.0 * cadre_quality - 1.0));
    if verified {
        s *= 1.0 - cfg.verification_gain as f32;
    }
    s.max(0.0)
}

/// The assessed per-capita income of household `i` this year (the same draw
/// for every module that means-tests, from the targeting stream);
/// `assess` is `streams.year_purpose(year, Purpose::Targeting)`.
/// Always inlined: the normal's ziggurat makes it too big for the hint, and
/// the call (register saves and restores) cost ~15 of its ~105
/// instructions, twice a household-year.
#[inline(always)]
pub fn assessed_pc(assess: &YearStreams, i: usize, true_pc: f32, sd: f32) -> f32 {
    let mut r = assess.of(i as u64);
    let z: f32 = StandardNormal.sample(&mut r);
    true_pc * (sd * z).exp()
}

impl Module for TargetingModule {
    fn name(&self) -> &'static str {
        "targeting"
    }

    fn common(&self) -> &Common {
        &self.common
    }

    fn columns(&self) -> &'static [&'static str] {
        if self.appraises {
            Appraisals::NAMES
        } else {
            &[]
        }
    }

    fn column(&self, k: usize, i: usize) -> f32 {
        self.own.value(k, i)
    }

    fn state(&mut self, households: usize, _villages: usize) -> OwnColumns<'_> {
        let households = if self.appraises {
            self.own.ensure(households);
            self.own.named()
        } else {
            Vec::new()
        };
        OwnColumns {
            households,
            villages: Vec::new(),
        }
    }

    fn plan(&mut self, ctx: &mut PlanCtx, budget: Option<f64>, ledger: &mut Ledger) -> SpendRow {
        // Counted from the history's first policy year, so that a run
        // continuing a saved state identifies in the years the whole run would.
        let first = ctx.sc.first_policy_year;
        let start = self
            .common
            .start_year
            .map(|y| y as i32)
            .unwrap_or(first)
            .max(first);
        let every = self.cfg.reidentify_every.max(1) as i32;
        let identify = (ctx.year - start) % every == 0;
        let n = ctx.hh.len();
        let (streams, year) = (ctx.streams, ctx.year);
        // Every scan below runs in parallel over households; per-household
        // results are collected in household order and counts are integers,
        // so nothing depends on the number of threads.
        let verify_draw = streams.year_purpose_sub(year, sub::TARGETING_VERIFY);
        // Verification reaches as many households as the budget pays for: those
        // with the smallest keyed draws, so exactly that many and never more.
        let verify_below = if self.cfg.verification && identify {
            let hh = &*ctx.hh;
            let draw = |i: usize| (hh.members(i) > 0).then(|| verify_draw.uniform(i as u64));
            let affordable = match budget {
                Some(b) if self.cfg.verification_cost > 0.0 => {
                    (b / self.cfg.verification_cost).floor() as usize
                }
                _ => usize::MAX,
            };
            // Every draw is below 2: verify everyone when the budget reaches them all.
            if affordable == usize::MAX {
                2.0
            } else {
                kth_smallest_unit(n, draw, affordable).unwrap_or(2.0)
            }
        } else {
            0.0
        };
        if self.appraises {
            self.own.ensure(n);
        }
        // None before the target's first listed year.
        let exit_target = self
            .cfg
            .exit_target
            .as_ref()
            .map_or(0.0, |d| match d.points() {
                Ok(p) if p.first().is_some_and(|p| p.0 > year) => 0.0,
                _ => d.at(year),
            });
        let registered_before = if exit_target > 0.0 {
            count(ctx.hh, |i| ctx.hh.flags[i] & flag::REGISTERED != 0)
        } else {
            0
        };
        let cfg = &self.cfg;
        let quota = cfg.quota > 0.0;
        let mut verified = 0u64;
        let mut looks: Option<Vec<Look>> = None;
        if identify {
            let l = look_all(cfg, ctx, verify_below);
            verified = l.par_iter().filter(|l| l.verified()).count() as u64;
            let bits = &mut self.own.appraisal;
            let exited = |i: usize| bits.get(i).is_some_and(|b| b & bit::EXITED != 0);
            let reg: Vec<bool> = if quota {
                let key = |i: usize| l[i].key().filter(|_| !exited(i));
                let by = ByVillage::new(&ctx.hh.village, ctx.villages.len());
                let quotas = appraisal::quotas_this_year(cfg, ctx, &by, key);
                register_by_quota(key, &by, &quotas, n)
            } else {
                l.par_iter()
                    .scan_leaves()
                    .enumerate()
                    .map(|(i, l)| l.captured_below() && !exited(i))
                    .collect()
            };
            ctx.hh
                .flags
                .par_iter_mut()
                .zip(reg.par_iter())
                .scan_leaves()
                .for_each(|(f, &r)| {
                    if r {
                        *f |= flag::REGISTERED;
                    } else {
                        *f &= !flag::REGISTERED;
                    }
                });
            if self.appraises {
                bits.par_iter_mut()
                    .zip(l.par_iter())
                    .scan_leaves()
                    .for_each(|(b, l)| {
                        let (below, captured) = (l.below(), l.captured_below());
                        *b = (*b & bit::EXITED)
                            | if below { bit::BELOW } else { 0 }
                            | if captured { bit::CAPTURED_BELOW } else { 0 };
                    });
            }
            looks = Some(l);
        }
        // Paper exits: the register shrinks at the target rate whatever the incomes.
        if exit_target > 0.0 && registered_before > 0 {
            let now = count(ctx.hh, |i| ctx.hh.flags[i] & flag::REGISTERED != 0);
            let e = exits_required(registered_before, now, exit_target);
            if e > 0 {
                let l = match looks.take() {
                    Some(l) => l,
                    None => look_all(cfg, ctx, 0.0),
                };
                let flags = &ctx.hh.flags;
                let candidates: Vec<(RankKey, usize)> = l
                    .par_iter()
                    .enumerate()
                    .scan_leaves()
                    .filter(|(i, _)| flags[*i] & flag::REGISTERED != 0)
                    .filter_map(|(i, l)| l.key().map(|k| (k, i)))
                    .collect();
                for i in paper_exits(candidates, e as usize) {
                    ctx.hh.flags[i] &= !flag::REGISTERED;
                    self.own.appraisal[i] |= bit::EXITED;
                }
            }
        }
        // Errors against the truth, every year, by cause.
        let hh = &*ctx.hh;
        let line = ctx.params.line;
        let bits = &self.own.appraisal;
        let tally = scan_chunks(n)
            .map(|hs| {
                let mut t = Tally::default();
                for i in hs {
                    if hh.members(i) == 0 {
                        continue;
                    }
                    let is_poor = pre_transfer_pc(hh, i) < line;
                    let reg = hh.flags[i] & flag::REGISTERED != 0;
                    let b = bits.get(i).copied().unwrap_or(0);
                    t.add(reg, is_poor, cause(b, reg, is_poor, quota));
                }
                t
            })
            .reduce(Tally::default, Tally::plus);
        ledger.targeting.push(tally.row(
            "register",
            match cfg.method {
                Method::Income => "income",
                Method::ProxyMeans => "proxy_means",
                Method::Multidimensional => "multidimensional",
            },
        ));
        let spent = verified as f64 * self.cfg.verification_cost;
        SpendRow {
            module: "targeting",
            budget,
            spent,
            beneficiary_households: verified,
            beneficiary_people: 0,
            registered_poor_beneficiaries: 0,
            returned: 0.0,
        }
    }
}

/// Living households for which `pred` holds.
fn count(hh: &Households, pred: impl Fn(usize) -> bool + Sync) -> u64 {
    (0..hh.len())
        .into_par_iter()
        .scan_leaves()
        .filter(|&i| hh.members(i) > 0 && pred(i))
        .count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kth_smallest_unit_matches_a_full_selection() {
        use crate::rng::Stream;
        use rand::RngExt;
        let mut r = Stream::from_key(9);
        // Clumped values (many in one bin), ties, and both ends.
        let mut u: Vec<f64> = (0..50_000)
            .map(|i| match i % 4 {
                0 => 0.5 + 1e-6 * r.random::<f64>(),
                1 => 0.25,
                _ => r.random::<f64>(),
            })
            .collect();
        u.extend([0.0, 0.999_999_999]);
        // Every household's value, and only the odd households' (the others give none).
        let odd: Vec<f64> = u.iter().skip(1).step_by(2).copied().collect();
        let every = |i: usize| Some(u[i]);
        let odd_only = |i: usize| (i % 2 == 1).then(|| u[i]);
        type Values<'a> = &'a (dyn Fn(usize) -> Option<f64> + Sync);
        let cases: [(&[f64], Values); 2] = [(&u, &every), (&odd, &odd_only)];
        for (given, value) in cases {
            let m = given.len();
            for k in [0, 1, 12_345, m / 2, m * 3 / 4, m - 1] {
                let mut all = given.to_vec();
                let (_, expect, _) = all.select_nth_unstable_by(k, f64::total_cmp);
                assert_eq!(
                    kth_smallest_unit(u.len(), value, k),
                    Some(*expect),
                    "k = {k}"
                );
            }
            // None past their number.
            assert_eq!(kth_smallest_unit(u.len(), value, m), None);
        }
    }

    #[test]
    fn solve_recovers_known_coefficients() {
        // Exact data y = x·β for a full-rank design: the normal equations give β back.
        let beta = [7.5, 0.3, -0.2, 0.05, -0.1, 0.8];
        let (mut a, mut b) = ([0.0f64; PMT_K * PMT_K], [0.0f64; PMT_K]);
        for k in 0..200 {
            let t = k as f64;
            let x = [
                1.0,
                (t * 0.37).sin(),
                (t * 0.11).cos(),
                t % 7.0,
                (t * 0.5).sqrt(),
                (t % 3.0) / 3.0,
            ];
            let y: f64 = x.iter().zip(&beta).map(|(x, b)| x * b).sum();
            for i in 0..PMT_K {
                b[i] += x[i] * y;
                for j in 0..PMT_K {
                    a[i * PMT_K + j] += x[i] * x[j];
                }
            }
        }
        let got = solve(a, b);
        for (g, e) in got.iter().zip(&beta) {
            assert!((g - e).abs() < 1e-5, "{got:?} vs {beta:?}");
        }
    }

    #[test]
    fn solve_survives_a_constant_regressor() {
        // Column 4 equals the intercept: singular without the ridge.
        let (mut a, mut b) = ([0.0f64; PMT_K * PMT_K], [0.0f64; PMT_K]);
        for k in 0..50 {
            let t = k as f64;
            let x = [1.0, t, t * t / 50.0, (t * 0.3).sin(), 1.0, (t * 0.7).cos()];
            let y = 2.0 + 0.1 * t;
            for i in 0..PMT_K {
                b[i] += x[i] * y;
                for j in 0..PMT_K {
                    a[i * PMT_K + j] += x[i] * x[j];
                }
            }
        }
        let got = solve(a, b);
        assert!(got.iter().all(|g| g.is_finite()), "{got:?}");
        // The fit is still right: intercept and its copy share 2.
        assert!(
            (got[0] + got[4] - 2.0).abs() < 1e-3 && (got[1] - 0.1).abs() < 1e-3,
            "{got:?}"
        );
    }
}
