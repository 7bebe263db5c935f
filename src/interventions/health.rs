//! Health poverty alleviation (from 2016): registered households' basic and
//! critical-illness insurance premiums are paid, and their out-of-pocket
//! medical costs capped at a share of the bill.
//!
//! Phase one charged an ill household `m = bill × (1 − insurance_share)`
//! (the bill already cut by a village clinic). For a registered household,
//! the module pays the part above `oop_share × bill`:
//! `relief = max(0, m − oop_share · m / (1 − insurance_share))` (all of `m`
//! when the scheme's cover is already complete), and the premium,
//! `premium_subsidy × members`. The model charges no household a premium
//! (`insurance_share` is the scheme's cover), so the premium is a cost that
//! buys the enrolment the cap rests on, with no separate effect. When
//! premiums and relief exceed the budget, both are scaled by one factor (as
//! the guarantee does). Medical costs are consumption, not a deduction from
//! income (NBS), so the relief shows in savings, assets and debt, and in
//! the poverty measures only with `poverty_lines.income_measure =
//! "net_of_medical"`.

use super::select::{ScanLeaves, pre_transfer_pc};
use super::{Ledger, Module, PlanCtx, SpendRow};
use crate::model::state::flag;
use crate::scenario::modules::{Common, Health, ModuleConfig};
use rayon::prelude::*;

pub struct HealthModule {
    cfg: Health,
    common: Common,
}

impl HealthModule {
    pub fn new(cfg: Health) -> Self {
        let common = cfg.common();
        HealthModule { cfg, common }
    }
}

impl Module for HealthModule {
    fn name(&self) -> &'static str {
        "health"
    }

    fn common(&self) -> &Common {
        &self.common
    }

    fn plan(&mut self, ctx: &mut PlanCtx, budget: Option<f64>, _ledger: &mut Ledger) -> SpendRow {
        let mut row = SpendRow {
            module: "health",
            budget,
            ..Default::default()
        };
        let line = ctx.params.line;
        let cover = ctx.params.insurance_share;
        let cap = self.cfg.oop_share as f32;
        // (household, premium, relief) of every registered household, in
        // household order: who asks, a parallel scan (rayon keeps the order).
        let due: Vec<(usize, f64, f32)> = {
            let hh = &*ctx.hh;
            (0..hh.len())
                .into_par_iter()
                .scan_leaves()
                .filter_map(|i| {
                    let m = hh.members(i);
                    if m == 0 || hh.flags[i] & flag::REGISTERED == 0 {
                        return None;
                    }
                    let paid = hh.medical[i];
                    let relief = if cover < 1.0 {
                        (paid - cap * paid / (1.0 - cover)).max(0.0)
                    } else {
                        paid
                    };
                    Some((i, self.cfg.premium_subsidy * m as f64, relief))
                })
                .collect()
        };
        let hh = &mut *ctx.hh;
        let demand: f64 = due.iter().map(|d| d.1 + d.2 as f64).sum();
        let scale = match budget {
            // a hair under the exact share, so f32 rounding never pays past the budget
            Some(b) if demand > b => (b / demand.max(1e-9) * (1.0 - 1e-6)).clamp(0.0, 1.0),
            _ => 1.0,
        };
        if scale <= 0.0 {
            return row;
        }
        let mut spent = 0.0f64;
        for (i, premium, relief) in due {
            let r = relief * scale as f32;
            hh.medical[i] -= r;
            spent += premium * scale + r as f64;
            let m = hh.members(i) as u64;
            row.beneficiary_households += 1;
            row.beneficiary_people += m;
            row.registered_poor_beneficiaries += (pre_transfer_pc(hh, i) < line) as u64;
        }
        row.spent = spent;
        row
    }
}
