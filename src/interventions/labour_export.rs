//! Organised labour export: the county finds migrant jobs for adults of
//! registered households and pays the move (transport, training, employer
//! subsidies).
//!
//! Each year a registered household with an adult at home (adults not
//! already away) is offered a placement with chance `offer_rate` and takes
//! it with the take-up chance of [`super::take_up`] (the gain is the
//! placed job's pay against the household's income). One adult leaves for
//! a job paying `wage_share × migrant wage` this year, while the budget pays
//! `cost_per_placement`. The adult's farm work and any local job are left to
//! the rest of the household (assumption: placements go to adults the farm
//! can spare).

use super::select::{ScanLeaves, pre_transfer_pc};
use super::{Ledger, Module, PlanCtx, SpendRow, take_up};
use crate::model::state::flag;
use crate::rng::sub;
use crate::scenario::modules::{Common, LabourExport, ModuleConfig};
use rayon::prelude::*;

pub struct LabourExportModule {
    cfg: LabourExport,
    common: Common,
}

impl LabourExportModule {
    pub fn new(cfg: LabourExport) -> Self {
        let common = cfg.common();
        LabourExportModule { cfg, common }
    }
}

impl Module for LabourExportModule {
    fn name(&self) -> &'static str {
        "labour_export"
    }

    fn common(&self) -> &Common {
        &self.common
    }

    fn plan(&mut self, ctx: &mut PlanCtx, budget: Option<f64>, _ledger: &mut Ledger) -> SpendRow {
        let mut row = SpendRow {
            module: "labour_export",
            budget,
            ..Default::default()
        };
        let p = ctx.params;
        let pay = (self.cfg.wage_share * p.migrant_wage as f64) as f32;
        let cost = self.cfg.cost_per_placement;
        let take = ctx
            .streams
            .year_purpose_sub(ctx.year, sub::LABOUR_EXPORT_TAKE_UP);
        // Who asks (a parallel scan, in household order): a placement
        // changes only its own household, so asking does not depend on
        // who got one before; who gets: the first askers the money pays for.
        let askers: Vec<usize> = {
            let hh = &*ctx.hh;
            (0..hh.len())
                .into_par_iter()
                .scan_leaves()
                .filter(|&i| {
                    let m = hh.members(i);
                    if m == 0
                        || hh.flags[i] & flag::REGISTERED == 0
                        || hh.adults[i] <= hh.migrants[i]
                    {
                        return false;
                    }
                    // One draw decides both the offer and its take-up: u < offer × take-up.
                    let own = hh.market_income(i).max(p.line * m as f32);
                    let pr = self.cfg.offer_rate as f32
                        * take_up(hh.awareness[i], hh.motivation[i], pay / own);
                    take.uniform(i as u64) < pr as f64
                })
                .collect()
        };
        let hh = &mut *ctx.hh;
        let mut left = budget.unwrap_or(f64::INFINITY);
        let mut spent = 0.0f64;
        for i in askers {
            if cost > left {
                break; // the money only shrinks
            }
            let m = hh.members(i);
            let poor = pre_transfer_pc(hh, i) < p.line;
            hh.migrants[i] += 1;
            hh.migrant[i] += pay;
            hh.pre_pc[i] += pay / m as f32;
            left -= cost;
            spent += cost;
            row.beneficiary_households += 1;
            row.beneficiary_people += m as u64;
            row.registered_poor_beneficiaries += poor as u64;
        }
        row.spent = spent;
        row
    }
}
