//! Public-welfare jobs: village posts (cleaners, forest rangers, road
//! keepers) paid to registered households.
//!
//! Each village has `posts_per_village` posts. They go to registered
//! households with at least one adult, poorest first by pre-transfer
//! per-capita income (ties by a keyed draw), one post per household, as far
//! as the budget pays `wage` a post. A post's pay is wage income (NBS:
//! wages and salaries), added to the household's local wages this year;
//! the post holder's other work is unchanged (the posts are part-time:
//! assumption).

use super::select::{ScanLeaves, pre_transfer_pc};
use super::{Ledger, Module, PlanCtx, SpendRow};
use crate::model::state::flag;
use crate::rng::sub;
use crate::scenario::modules::{Common, ModuleConfig, WelfareJobs};
use rayon::prelude::*;

pub struct WelfareJobsModule {
    cfg: WelfareJobs,
    common: Common,
}

impl WelfareJobsModule {
    pub fn new(cfg: WelfareJobs) -> Self {
        let common = cfg.common();
        WelfareJobsModule { cfg, common }
    }
}

impl Module for WelfareJobsModule {
    fn name(&self) -> &'static str {
        "welfare_jobs"
    }

    fn common(&self) -> &Common {
        &self.common
    }

    fn plan(&mut self, ctx: &mut PlanCtx, budget: Option<f64>, _ledger: &mut Ledger) -> SpendRow {
        let mut row = SpendRow {
            module: "welfare_jobs",
            budget,
            ..Default::default()
        };
        let wage = self.cfg.wage as f32;
        let posts = self.cfg.posts_per_village.max(0) as usize;
        let hh = &*ctx.hh;
        let line = ctx.params.line;
        let tie = ctx
            .streams
            .year_purpose_sub(ctx.year, sub::WELFARE_JOBS_ORDER);
        let mut cand: Vec<(u32, f32, f64, usize)> = (0..hh.len())
            .into_par_iter()
            .scan_leaves()
            .filter(|&i| {
                hh.members(i) > 0 && hh.adults[i] > 0 && hh.flags[i] & flag::REGISTERED != 0
            })
            .map(|i| {
                (
                    hh.village[i],
                    pre_transfer_pc(hh, i),
                    tie.uniform(i as u64),
                    i,
                )
            })
            .collect();
        // (village, income, draw, index) is a total order: one answer.
        cand.par_sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then(a.1.total_cmp(&b.1))
                .then(a.2.total_cmp(&b.2))
                .then(a.3.cmp(&b.3))
        });
        let hh = &mut *ctx.hh;
        let mut left = budget.unwrap_or(f64::INFINITY);
        let (mut spent, mut village, mut filled) = (0.0f64, u32::MAX, 0usize);
        for (v, _, _, i) in cand {
            if v != village {
                village = v;
                filled = 0;
            }
            if filled >= posts || (wage as f64) > left || wage <= 0.0 {
                continue;
            }
            filled += 1;
            left -= wage as f64;
            spent += wage as f64;
            let m = hh.members(i);
            let poor = pre_transfer_pc(hh, i) < line;
            hh.wage[i] += wage;
            hh.pre_pc[i] += wage / m as f32;
            row.beneficiary_households += 1;
            row.beneficiary_people += m as u64;
            row.registered_poor_beneficiaries += poor as u64;
        }
        row.spent = spent;
        row
    }
}
