//! Minimum living guarantee (dibao): tops households up to a guarantee line.
//!
//! `eligible = "registered"`: a registered household that takes the help up
//! (see [`super::take_up`]) receives `max(0, g·n − ŷ·n)`, its gap below the
//! guarantee line `g` at its assessed income `ŷ` (the targeting module's
//! draw). If the gaps and the administrative cost exceed the budget, every
//! payment is scaled down by the same factor. The guarantee line `g` is
//! `guarantee_line`, or `guarantee_line_share × poverty line` (the published
//! standards' rule). `eligible = "all"` spreads the budget evenly per person
//! ("flood irrigation"), except a `standing_budget`: the guarantee in force
//! keeps paying the guarantee first, so a flood reform adds to it rather
//! than abolishing it. Recipients may give up a
//! share of their own local labour income next year (`work_disincentive`,
//! the case study's "rely and wait"). A share `leakage·(1 − cadre_quality)`
//! of each payment is lost on the way (charged to the budget, never received).

use super::select::{ChunkLists, pre_transfer_pc, scan_chunks};
use super::targeting::appraisal::{Tally, bit, cause};
use super::targeting::{assessed_pc, error_sd};
use super::{Ledger, Module, PlanCtx, SCAN, SpendRow, take_up};
use crate::model::state::flag;
use crate::rng::{Purpose, sub};
use crate::scenario::modules::{Common, Eligible, List, ModuleConfig, Targeting, Transfers};
use rayon::prelude::*;

pub struct TransfersModule {
    cfg: Transfers,
    common: Common,
    targeting: Targeting,
}

impl TransfersModule {
    pub fn new(cfg: Transfers, targeting: Option<Targeting>) -> Self {
        let common = cfg.common();
        TransfersModule {
            cfg,
            common,
            targeting: targeting.unwrap_or_default(),
        }
    }

    /// Share of a payment that reaches a household in a village of cadre quality `q`:
    /// `1 − leakage·(1 − q)` (the rest is spent but lost on the way).
    #[inline]
    fn kept(&self, q: f32) -> f32 {
        1.0 - self.cfg.leakage as f32 * (1.0 - q).clamp(0.0, 1.0)
    }
}

impl Module for TransfersModule {
    fn name(&self) -> &'static str {
        "transfers"
    }

    fn common(&self) -> &Common {
        &self.common
    }

    fn work_disincentive(&self) -> f32 {
        self.cfg.work_disincentive as f32
    }

    fn plan(&mut self, ctx: &mut PlanCtx, budget: Option<f64>, ledger: &mut Ledger) -> SpendRow {
        let mut row = SpendRow {
            module: "transfers",
            budget,
            ..Default::default()
        };
        match self.common.eligible {
            Eligible::All => {
                // The standing money (the guarantee in force) keeps paying the
                // guarantee; the rest is spread evenly.
                let standing = self
                    .common
                    .standing_budget
                    .as_ref()
                    .map_or(0.0, |b| b.at(ctx.year));
                let b = budget.unwrap_or(0.0);
                let guarantee = standing.min(b);
                if guarantee > 0.0 {
                    self.guarantee(ctx, Some(guarantee), &mut row, ledger);
                    row.returned = guarantee - row.spent;
                }
                // Standing money the guarantee leaves is not spread: it is returned.
                self.spread(ctx, b - guarantee, &mut row);
            }
            Eligible::Registered => self.guarantee(ctx, budget, &mut row, ledger),
        }
        row
    }
}

impl TransfersModule {
    /// Spread `b` evenly per person over every living household (flood irrigation).
    fn spread(&self, ctx: &mut PlanCtx, b: f64, row: &mut SpendRow) {
        let n = ctx.hh.len();
        let line = ctx.params.line;
        let people: u64 = (0..n).map(|i| ctx.hh.members(i) as u64).sum();
        let live = (0..n).filter(|&i| ctx.hh.members(i) > 0).count() as f64;
        // Nothing to spread once administering every household would eat the budget.
        if people == 0 || b <= self.cfg.admin_cost * live {
            return;
        }
        let per_person = ((b - self.cfg.admin_cost * live) / people as f64 * (1.0 - 1e-6)) as f32;
        let mut spent = 0.0f64;
        let (mut households, mut persons, mut poor) = (0, 0, 0);
        for i in 0..n {
            let m = ctx.hh.members(i);
            if m == 0 {
                continue;
            }
            let pay = per_person * m as f32;
            ctx.hh.received[i] +=
                pay * self.kept(ctx.villages.cadre_quality[ctx.hh.village[i] as usize]);
            spent += pay as f64 + self.cfg.admin_cost;
            households += 1;
            persons += m as u64;
            if ctx.hh.flags[i] & flag::REGISTERED != 0 && pre_transfer_pc(ctx.hh, i) < line {
                poor += 1;
            }
        }
        // Everyone is reached, the guarantee's recipients among them.
        row.beneficiary_households = households;
        row.beneficiary_people = persons;
        row.registered_poor_beneficiaries = poor;
        row.spent += spent;
    }

    /// Top the households on the guarantee's list (the register, or the
    /// dibao list) that take the help up to the guarantee line, within
    /// `budget` (scaled down together when it binds).
    fn guarantee(
        &self,
        ctx: &mut PlanCtx,
        budget: Option<f64>,
        row: &mut SpendRow,
        ledger: &mut Ledger,
    ) {
        let n = ctx.hh.len();
        let line = ctx.params.line;
        let g = self.cfg.guarantee(ctx.year, line as f64) as f32;
        let (hh, villages) = (&*ctx.hh, &*ctx.villages);
        let take = ctx
            .streams
            .year_purpose_sub(ctx.year, sub::TRANSFERS_TAKE_UP);
        // The gap of a household on the list whose recorded income is
        // `assessed`, if it takes the help up.
        let offer = |i: usize, assessed: f32| {
            let m = hh.members(i);
            let gap = (g - assessed).max(0.0) * m as f32;
            if gap <= 0.0 {
                return None;
            }
            let own = (hh.market_income(i) / m as f32).max(1.0);
            let p = take_up(hh.awareness[i], hh.motivation[i], (gap / m as f32) / own).max(0.5);
            (take.uniform(i as u64) < p as f64).then_some((i, gap))
        };
        // Gaps of the listed households that take the help up, chunk by
        // chunk in household order (parallel scans).
        let gaps = match self.dibao_list(ctx, g, &offer) {
            Some((gaps, tally)) => {
                ledger.targeting.push(tally.row("dibao", "income"));
                gaps
            }
            None => {
                let assess = ctx.streams.year_purpose(ctx.year, Purpose::Targeting);
                let targeting = &self.targeting;
                ChunkLists::scan(n, |i| {
                    if hh.members(i) == 0 || hh.flags[i] & flag::REGISTERED == 0 {
                        return None;
                    }
                    let v = hh.village[i] as usize;
                    let sd = error_sd(targeting, villages.cadre_quality[v], false);
                    offer(i, assessed_pc(&assess, i, pre_transfer_pc(hh, i), sd))
                })
            }
        };
        let demand: f64 = gaps.iter().map(|g| g.1 as f64).sum();
        let admin = self.cfg.admin_cost * gaps.len() as f64;
        let scale = match budget {
            // a hair under the exact share, so f32 rounding never pays past the budget
            Some(b) if demand + admin > b => {
                ((b - admin).max(0.0) / demand.max(1e-9) * (1.0 - 1e-6)).clamp(0.0, 1.0)
            }
            _ => 1.0,
        };
        if scale <= 0.0 {
            return;
        }
        let pay = |gap: f32| gap * scale as f32;
        // What is spent, summed in household order (the only serial part).
        let spent: f64 = gaps.iter().fold(0.0, |s, &(_, gap)| {
            s + (pay(gap) as f64 + self.cfg.admin_cost)
        });
        // The payments, chunk by chunk in parallel: each chunk's recipients
        // are its own households; the counts are integers.
        let mut received = std::mem::take(&mut ctx.hh.received);
        let (hh, villages) = (&*ctx.hh, &*ctx.villages);
        let (households, people, poor) = received
            .par_chunks_mut(SCAN)
            .zip(gaps.lists())
            .enumerate()
            .map(|(c, (out, list))| {
                let mut counts = (0u64, 0u64, 0u64);
                for &(i, gap) in list {
                    let q = villages.cadre_quality[hh.village[i] as usize];
                    out[i - c * SCAN] += pay(gap) * self.kept(q);
                    counts.0 += 1;
                    counts.1 += hh.members(i) as u64;
                    counts.2 += (pre_transfer_pc(hh, i) < line) as u64;
                }
                counts
            })
            .reduce(|| (0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
        ctx.hh.received = received;
        row.beneficiary_households += households;
        row.beneficiary_people += people;
        row.registered_poor_beneficiaries += poor;
        row.spent += spent;
    }

    /// The dibao list this year (`list = "dibao"`; `None` for the register):
    /// each living household's recorded income when it is on the list: the
    /// means-tested `ŷ = y·e^{σ_d ε}` (its own draw, `σ_d = dibao_error`),
    /// `ŷ·e^{−dibao_capture}` for a connected household, under the guarantee
    /// line `g`; and the list's errors against the truth `y < g`, by cause.
    /// Returns what `offer(i, recorded income)` gives for the households on
    /// the list, chunk `c`'s (households `c·SCAN..(c + 1)·SCAN`) at `c` in
    /// household order, and the errors. (The offers are made in the same
    /// pass: a list of every household's recorded income, 8 bytes each,
    /// and a second scan of it cost ~90 instructions a household-year.)
    fn dibao_list<T: Send>(
        &self,
        ctx: &PlanCtx,
        g: f32,
        offer: &(impl Fn(usize, f32) -> Option<T> + Sync),
    ) -> Option<(ChunkLists<T>, Tally)> {
        if self.cfg.list != List::Dibao {
            return None;
        }
        let hh = &*ctx.hh;
        let draw = ctx.streams.year_purpose_sub(ctx.year, sub::TRANSFERS_DIBAO);
        let (sd, shift) = (
            self.cfg.dibao_error as f32,
            (-self.cfg.dibao_capture as f32).exp(),
        );
        // One parallel pass: the offers chunk by chunk (no serial pass fills
        // a list of every household) and the errors, counted per chunk
        // (integer counts: any order gives the same sums).
        let n = hh.len();
        let parts: Vec<(Vec<T>, Tally)> = scan_chunks(n)
            .map(|hs| {
                let mut tally = Tally::default();
                let mut out = Vec::new();
                for i in hs {
                    if hh.members(i) == 0 {
                        continue;
                    }
                    let y = pre_transfer_pc(hh, i);
                    let assessed = assessed_pc(&draw, i, y, sd);
                    let connected =
                        self.cfg.dibao_capture > 0.0 && hh.flags[i] & flag::CONNECTED != 0;
                    let shown = if connected {
                        assessed * shift
                    } else {
                        assessed
                    };
                    let (on, poor) = (shown < g, y < g);
                    let bits = if assessed < g { bit::BELOW } else { 0 }
                        | if on { bit::CAPTURED_BELOW } else { 0 };
                    tally.add(on, poor, cause(bits, on, poor, false));
                    // The favour is the income the test records: the offer is
                    // the gap to the line from it, or capture would list a
                    // household and pay it nothing.
                    if on {
                        out.extend(offer(i, shown));
                    }
                }
                (out, tally)
            })
            .collect();
        let tally = parts.iter().fold(Tally::default(), |t, p| t.plus(p.1));
        let offers = ChunkLists::from_chunks(parts.into_iter().map(|p| p.0).collect());
        Some((offers, tally))
    }
}
