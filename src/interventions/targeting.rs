//! Targeted identification: who is on the poor register.
//!
//! In an identification year (every `reidentify_every` years from the
//! module's start) every household is assessed and the register is rebuilt:
//! households that escaped leave it, missed and relapsed poor enter it. The
//! assessment depends on the method:
//!
//! - `income`: per-capita income observed with log-normal measurement error
//!   `ln ŷ = ln y + σ ε`, with `σ = measurement_error · (1 − cadre_effect ·
//!   (2·cadre_quality − 1)) · (1 − verification_gain if verified)`.
//!
//! Errors are measured against the truth every year: inclusion error =
//! non-poor registered / registered; exclusion error = poor not registered /
//! poor, where "poor" is per-capita income before the guarantee below the line.

use super::config::{Common, Method, ModuleConfig, Targeting};
use super::{Ledger, Module, PlanCtx, SpendRow, TargetingRow};
use crate::error::Result;
use crate::model::state::flag;
use crate::rng::{Purpose, Streams};
use crate::scenario::raw::ScenarioFile;
use crate::scenario::validate::Checker;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

pub struct TargetingModule {
    cfg: Targeting,
    common: Common,
}

impl TargetingModule {
    pub fn new(cfg: Targeting) -> Self {
        let common = cfg.common();
        TargetingModule { cfg, common }
    }
}

pub fn validate(t: &Targeting, file: &ScenarioFile, c: &Checker) -> Result<()> {
    let p = "interventions.targeting";
    c.module(p, t, file)?;
    c.range(&format!("{p}.measurement_error"), t.measurement_error, 0.0, 5.0)?;
    c.prob(&format!("{p}.cadre_effect"), t.cadre_effect)?;
    c.prob(&format!("{p}.verification_gain"), t.verification_gain)?;
    c.range(&format!("{p}.verification_cost"), t.verification_cost, 0.0, 1e6)?;
    c.int(&format!("{p}.reidentify_every"), t.reidentify_every, 1, 100)?;
    c.range(&format!("{p}.line_factor"), t.line_factor, 0.0, 10.0)?;
    Ok(())
}

/// Per-capita income before the guarantee (market income plus pensions).
#[inline]
pub fn pre_transfer_pc(hh: &crate::model::Households, i: usize) -> f32 {
    let m = hh.members(i);
    if m == 0 { 0.0 } else { (hh.market_income(i) + hh.transfers[i]) / m as f32 }
}

/// Standard deviation of the log measurement error in a village.
#[inline]
pub fn error_sd(cfg: &Targeting, cadre_quality: f32, verified: bool) -> f32 {
    let mut s = cfg.measurement_error as f32 * (1.0 - cfg.cadre_effect as f32 * (2.0 * cadre_quality - 1.0));
    if verified {
        s *= 1.0 - cfg.verification_gain as f32;
    }
    s.max(0.0)
}

/// The assessed per-capita income of household `i` this year (the same draw
/// for every module that means-tests, from the targeting stream).
#[inline]
pub fn assessed_pc(streams: &Streams, year: i32, i: usize, true_pc: f32, sd: f32) -> f32 {
    let mut r = streams.stream(i as u64, year, Purpose::Targeting);
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

    fn plan(&self, ctx: &mut PlanCtx, budget: Option<f64>, ledger: &mut Ledger) -> SpendRow {
        let start = self.common.start_year.map(|y| y as i32).unwrap_or(ctx.sc.start_year).max(ctx.sc.start_year);
        let every = self.cfg.reidentify_every.max(1) as i32;
        let identify = (ctx.year - start) % every == 0;
        let n = ctx.hh.len();
        let live = (0..n).filter(|&i| ctx.hh.members(i) > 0).count() as f64;
        // Verification reaches as many households as the budget pays for, chosen by a keyed draw.
        let verify_share = if self.cfg.verification && identify {
            let full = live * self.cfg.verification_cost;
            match budget {
                Some(b) if full > 0.0 => (b / full).min(1.0),
                _ => 1.0,
            }
        } else {
            0.0
        };
        let line = ctx.params.line * self.cfg.line_factor as f32;
        let (streams, year) = (ctx.streams, ctx.year);
        let villages = &*ctx.villages;
        let cfg = &self.cfg;
        let method = cfg.method;
        let mut verified = 0u64;
        if identify {
            let hh = &mut *ctx.hh;
            let decisions: Vec<(bool, bool)> = (0..n)
                .into_par_iter()
                .with_min_len(4096)
                .map(|i| {
                    if hh.members(i) == 0 {
                        return (false, false);
                    }
                    let v = hh.village[i] as usize;
                    let ver = verify_share > 0.0 && streams.uniform(i as u64, year, Purpose::Targeting, 1) < verify_share as f64;
                    let sd = error_sd(cfg, villages.cadre_quality[v], ver);
                    let assessed = match method {
                        Method::Income | Method::ProxyMeans | Method::Multidimensional => {
                            assessed_pc(streams, year, i, pre_transfer_pc(hh, i), sd)
                        }
                    };
                    (assessed < line, ver)
                })
                .collect();
            for (i, (reg, ver)) in decisions.into_iter().enumerate() {
                if reg {
                    hh.flags[i] |= flag::REGISTERED;
                } else {
                    hh.flags[i] &= !flag::REGISTERED;
                }
                verified += ver as u64;
            }
        }
        // Errors against the truth, every year.
        let (mut registered, mut reg_nonpoor, mut poor, mut poor_missed) = (0u64, 0u64, 0u64, 0u64);
        for i in 0..n {
            if ctx.hh.members(i) == 0 {
                continue;
            }
            let is_poor = pre_transfer_pc(ctx.hh, i) < ctx.params.line;
            let reg = ctx.hh.flags[i] & flag::REGISTERED != 0;
            registered += reg as u64;
            reg_nonpoor += (reg && !is_poor) as u64;
            poor += is_poor as u64;
            poor_missed += (is_poor && !reg) as u64;
        }
        ledger.targeting = Some(TargetingRow {
            method: match method {
                Method::Income => "income",
                Method::ProxyMeans => "proxy_means",
                Method::Multidimensional => "multidimensional",
            },
            registered,
            inclusion_error: if registered > 0 { reg_nonpoor as f64 / registered as f64 } else { 0.0 },
            exclusion_error: if poor > 0 { poor_missed as f64 / poor as f64 } else { 0.0 },
        });
        let spent = verified as f64 * self.cfg.verification_cost;
        SpendRow {
            module: "targeting",
            budget,
            spent: budget.map_or(spent, |b| spent.min(b)),
            beneficiary_households: verified,
            beneficiary_people: 0,
            registered_poor_beneficiaries: 0,
        }
    }
}
