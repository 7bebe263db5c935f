//! Microfinance: poverty-alleviation microcredit with interest discounts and
//! a guarantee fund (the case study's "poverty alleviation by finance").
//!
//! **New loans** (years from `start_year` to `end_year`). A household
//! (`registered`: on the register; `all`: anyone) with at least one adult, no
//! loan and a credit rating of at least `min_credit` is offered a loan of
//! `min(max_loan, income_multiple × income)` (the bank's repayment-capacity
//! rule; loans under 1,000 yuan are not made), served best credit first. It
//! borrows if the expected return of the investment beats the interest it
//! pays itself, with the probability [`super::take_up`] gives. The loan is
//! invested in productive assets (enterprise, livestock): the enterprise
//! return of phase one then applies to it, so a loan can lift a household
//! over the trap threshold and into the high return. Banks lend up to
//! `leverage` times the year's budget in all (the budget stands for the
//! county's risk-compensation fund).
//!
//! **Servicing** (every year after a loan is made, also after `end_year`, so
//! loans run to term; the module's frame is therefore open-ended). A loan
//! with `y` years left owes `principal / y` and a year's interest
//! `interest_rate × principal`. The budget pays the interest discount,
//! `interest_subsidy × interest_rate × min(principal, discount_max_loan)`
//! when `term ≤ discount_max_term` (the case study: full discount under
//! 40,000 yuan and 2 years; national policy 2014–2020: 50,000 yuan, 3
//! years); the household pays the rest of the instalment from its cash on
//! hand (savings and this year's income, less medical costs, interest on
//! informal debt and subsistence), and if that falls short, by selling
//! productive assets at the distress price (`behaviour.fire_sale`). If even
//! that cannot pay the instalment, the household defaults with probability
//! `default_when_short` (a keyed draw, purpose Loan); otherwise it borrows
//! the shortfall informally and pays. A household that repays from its own
//! means (cash and assets) gains `credit_gain` of the gap to a perfect rating
//! ("credit users"); a default writes off the whole outstanding
//! principal, cuts the rating by `credit_penalty` and is paid by the
//! guarantee fund up to `guarantee_share` (charged to the budget; the rest is
//! the bank's loss). A dissolved household's loan is written off the same way.
//!
//! **Heterogeneous returns and learning.** A loan used by the household
//! earns the household's own return, `asset_return × return factor`
//! (`income.return_sigma`, [`crate::model::household::return_factor`]); a
//! household decides on that rate, so low-return households borrow less.
//! For the first `learning_years` years of a loan (while it is held), the
//! loan-financed assets `min(principal lent, assets)` earn only
//! `learning_share` of that rate: phase one's enterprise income is cut by
//! `min(lent, assets) × rate × (1 − learning_share)` before the instalment
//! is paid from it.
//!
//! **Pooled loans** ("household loans, enterprise use"; `pooled`, up to
//! `pool_end_year`, after which it was restricted). The principal goes to a
//! cooperative or enterprise, not the household's assets; the enterprise
//! services the loan and pays the household `pool_dividend × principal` a
//! year (enterprise income), until, with chance `pool_failure` a year
//! (purpose Loan), it fails: then the loan defaults as below.
//!
//! **Rescheduling** (`reschedule` > 0): a borrower that cannot pay an
//! instalment from cash and assets pays the interest only (borrowing it if
//! need be) and the principal's instalment moves a year later, at most
//! `reschedule` times a loan, before it can default.
//!
//! The [`LoanRow`] also reports reschedulings, dividends and the own-use
//! borrowers' assets and enterprise income (their return), written to
//! loans.csv with the default rate (defaulted / outstanding at the start).
//!
//! Charges (interest discounts, then guarantee payouts, household by
//! household) stop when the budget is spent: later households pay their full
//! interest, and uncovered defaults fall on the bank. Every year the
//! [`LoanRow`] satisfies `outstanding_end = outstanding_start + disbursed −
//! repaid − defaulted`, so over a run loans out = repaid + defaulted +
//! outstanding.

use super::select::{ScanLeaves, households_where, pre_transfer_pc};
use super::{Ledger, Module, PlanCtx, SpendRow, module_columns, take_up};
use crate::model::columns::OwnColumns;
use crate::model::draw::NormalTable;
use crate::model::household::{asset_return, return_factor};
use crate::model::state::flag;
use crate::rng::sub;
use crate::scenario::modules::{Common, Eligible, Microfinance, ModuleConfig};
use rayon::prelude::*;

/// Smallest loan worth making, yuan.
const MIN_LOAN: f32 = 1_000.0;

/// The loans of one year, yuan of principal (and counts).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LoanRow {
    /// Principal outstanding before this year's servicing.
    pub outstanding_start: f64,
    /// New loans made this year.
    pub disbursed: f64,
    /// Principal repaid this year.
    pub repaid: f64,
    /// Principal written off in defaults this year.
    pub defaulted: f64,
    /// Principal outstanding at the end of the year.
    pub outstanding_end: f64,
    /// Number of new loans.
    pub new_loans: u64,
    /// Number of defaults.
    pub defaults: u64,
    /// Households holding a loan at the end of the year.
    pub borrowers: u64,
    /// Interest discounts paid by the budget.
    pub interest_subsidy: f64,
    /// Defaulted principal paid by the guarantee fund (the budget).
    pub guarantee_paid: f64,
    /// Defaulted principal not covered by the fund (the bank's loss).
    pub bank_loss: f64,
    /// Instalments rescheduled (the principal's instalment moved a year later).
    pub rescheduled: u64,
    /// Dividends paid to households on pooled loans.
    pub dividends: f64,
    /// Principal of pooled loans outstanding at the end of the year.
    pub pooled_outstanding: f64,
    /// Productive assets of households holding an own-use loan at the start of the year.
    pub borrower_assets: f64,
    /// Their enterprise income this year (after the learning period's cut).
    pub borrower_enterprise: f64,
}

impl LoanRow {
    /// Principal written off this year / principal outstanding at its start (0 without loans).
    pub fn default_rate(&self) -> f64 {
        if self.outstanding_start > 0.0 {
            self.defaulted / self.outstanding_start
        } else {
            0.0
        }
    }

    /// Own-use borrowers' enterprise income / their productive assets (0 without them).
    pub fn return_on_assets(&self) -> f64 {
        if self.borrower_assets > 0.0 {
            self.borrower_enterprise / self.borrower_assets
        } else {
            0.0
        }
    }
}

module_columns! {
    /// The module's own state: each household's loan.
    pub struct Loans {
        /// Principal outstanding (yuan).
        loan: f32,
        /// Years left of the loan's term.
        loan_years: u8,
        /// Principal first lent (yuan): the learning period's and a pooled loan's base.
        loan_lent: f32,
        /// Years the loan has been held.
        loan_age: u8,
        /// 1 if the loan is pooled into an enterprise.
        loan_pooled: u8,
        /// Times the loan was rescheduled.
        loan_rescheduled: u8,
    }
}

impl Loans {
    /// Household `i` holds no loan.
    fn clear(&mut self, i: usize) {
        self.loan[i] = 0.0;
        self.loan_years[i] = 0;
        self.loan_lent[i] = 0.0;
        self.loan_age[i] = 0;
        self.loan_pooled[i] = 0;
        self.loan_rescheduled[i] = 0;
    }
}

pub struct MicrofinanceModule {
    cfg: Microfinance,
    /// The frame with an open end: loans made before `end_year` are serviced to term.
    common: Common,
    loans: Loans,
}

impl MicrofinanceModule {
    pub fn new(cfg: Microfinance) -> Self {
        let mut common = cfg.common();
        common.end_year = None;
        MicrofinanceModule {
            cfg,
            common,
            loans: Loans::default(),
        }
    }
}

impl Module for MicrofinanceModule {
    fn name(&self) -> &'static str {
        "microfinance"
    }

    fn common(&self) -> &Common {
        &self.common
    }

    fn columns(&self) -> &'static [&'static str] {
        Loans::NAMES
    }

    fn column(&self, k: usize, i: usize) -> f32 {
        self.loans.value(k, i)
    }

    fn state(&mut self, households: usize, _villages: usize) -> OwnColumns<'_> {
        self.loans.ensure(households);
        OwnColumns {
            households: self.loans.named(),
            villages: Vec::new(),
        }
    }

    fn plan(&mut self, ctx: &mut PlanCtx, budget: Option<f64>, ledger: &mut Ledger) -> SpendRow {
        let MicrofinanceModule { cfg, common, loans } = self;
        let (cfg, elig) = (&*cfg, common.eligible);
        let (year, streams, p) = (ctx.year, ctx.streams, ctx.params);
        let lending = cfg.end_year.is_none_or(|e| year as i64 <= e);
        let n = ctx.hh.len();
        let rate = cfg.interest_rate as f32;
        let discounted = cfg.term <= cfg.discount_max_term;
        let mut left = budget.unwrap_or(f64::INFINITY);
        let mut spent = 0.0f64;
        let mut lr = LoanRow::default();
        let mut reached = vec![false; n];
        let hh = &mut *ctx.hh;
        loans.ensure(n);
        let talent = streams.year_purpose_sub(0, sub::HOUSEHOLD_RETURN);
        let normal = NormalTable::standard();
        let learning = cfg.learning_years.max(0) as u8;
        let keep = 1.0 - cfg.learning_share as f32;

        // --- Servicing ------------------------------------------------------
        // The borrowers found in parallel, in household order; the walk
        // below (its budget and sums in that order) visits only them.
        let held = &loans.loan;
        let borrowers = households_where(n, |i| held[i] > 0.0 || held[i].is_nan());
        for i in borrowers {
            let principal = loans.loan[i];
            lr.outstanding_start += principal as f64;
            reached[i] = true;
            let m = hh.members(i);
            let pooled = loans.loan_pooled[i] != 0;
            let age = loans.loan_age[i];
            loans.loan_age[i] = age.saturating_add(1);
            let mut failed = false;
            if pooled {
                // The enterprise pays the dividend, unless it fails this year.
                failed = m == 0
                    || streams.uniform(i as u64, year, sub::MICROFINANCE_POOL_FAILURE)
                        < cfg.pool_failure;
                if !failed {
                    let d = cfg.pool_dividend as f32 * loans.loan_lent[i];
                    hh.enterprise[i] += d;
                    hh.pre_pc[i] += d / m as f32;
                    lr.dividends += d as f64;
                }
            } else if m > 0 {
                if age < learning {
                    // Loan-financed assets earn a share of the return while the household learns.
                    let factor = return_factor(&talent, normal, i as u64, p.return_sigma);
                    let base = loans.loan_lent[i].min(hh.assets[i]).max(0.0);
                    let cut = base * asset_return(p, hh.assets[i], factor) * keep;
                    hh.enterprise[i] -= cut;
                    hh.pre_pc[i] -= cut / m as f32;
                }
                lr.borrower_assets += hh.assets[i] as f64;
                lr.borrower_enterprise += hh.enterprise[i] as f64;
            }
            let years = loans.loan_years[i].max(1);
            let due_principal = if years == 1 {
                principal
            } else {
                principal / years as f32
            };
            let discount = if discounted {
                ((cfg.interest_subsidy
                    * cfg.interest_rate
                    * principal.min(cfg.discount_max_loan as f32) as f64)
                    .min(left))
                .max(0.0)
            } else {
                0.0
            };
            let interest = (principal * rate - discount as f32).max(0.0);
            let due = due_principal + interest;
            let cash = hh.savings[i] + hh.market_income(i) + hh.transfers[i] + hh.received[i]
                - hh.medical[i]
                - hh.debt[i] * p.debt_interest
                - p.subsistence * m as f32;
            let own_cash = cash.max(0.0);
            // Productive assets (the livestock the loan bought) can be sold at the distress price.
            let sellable = hh.assets[i] * p.fire_sale;
            // The enterprise services a pooled loan; the household, its own.
            let cannot = !pooled && own_cash + sellable < due;
            if m > 0 && cannot && !failed && (loans.loan_rescheduled[i] as i64) < cfg.reschedule {
                // Rescheduled: the interest is paid (borrowed if need be), the principal waits a year.
                let from_cash = own_cash.min(interest);
                hh.savings[i] -= from_cash;
                hh.debt[i] += interest - from_cash;
                loans.loan_rescheduled[i] += 1;
                loans.loan_years[i] = years.saturating_add(1);
                lr.rescheduled += 1;
                left -= discount;
                spent += discount;
                lr.interest_subsidy += discount;
                continue;
            }
            let short = m == 0
                || failed
                || (cannot
                    && streams.uniform(i as u64, year, sub::MICROFINANCE_DEFAULT)
                        < cfg.default_when_short);
            if short {
                // Default: the outstanding principal is written off; the fund pays its share.
                lr.defaulted += principal as f64;
                lr.defaults += 1;
                let g = (cfg.guarantee_share * principal as f64).min(left).max(0.0);
                left -= g;
                spent += g;
                lr.guarantee_paid += g;
                lr.bank_loss += principal as f64 - g;
                loans.clear(i);
                hh.credit[i] *= 1.0 - cfg.credit_penalty as f32;
                continue;
            }
            if pooled {
                // The enterprise pays; the loan is on the household's record.
                hh.credit[i] += cfg.credit_gain as f32 * (1.0 - hh.credit[i]);
            } else if cash >= due {
                hh.savings[i] -= due;
                hh.credit[i] += cfg.credit_gain as f32 * (1.0 - hh.credit[i]);
            } else {
                // Cash first, then selling assets, then borrowing from relatives and moneylenders.
                let gap = due - own_cash;
                let sold = if p.fire_sale > 0.0 {
                    (gap / p.fire_sale).min(hh.assets[i])
                } else {
                    0.0
                };
                hh.assets[i] -= sold;
                hh.savings[i] -= own_cash;
                let rest = gap - sold * p.fire_sale;
                if rest > 0.0 {
                    hh.debt[i] += rest;
                } else {
                    hh.credit[i] += cfg.credit_gain as f32 * (1.0 - hh.credit[i]);
                }
            }
            left -= discount;
            spent += discount;
            lr.interest_subsidy += discount;
            let rest = if years == 1 {
                0.0
            } else {
                principal - due_principal
            };
            // Both are f32 values: their difference is exact in f64, so the identity holds.
            lr.repaid += principal as f64 - rest as f64;
            if rest > 0.0 {
                loans.loan[i] = rest;
                loans.loan_years[i] = years - 1;
            } else {
                loans.clear(i);
            }
        }

        // --- New loans ------------------------------------------------------
        if lending && cfg.max_loan >= MIN_LOAN as f64 {
            let ceiling = budget.map_or(f64::INFINITY, |b| cfg.leverage * b);
            // In household order over the nonzero loans found in parallel:
            // adding a zero changes no sum that is then compared or added to.
            let held = &loans.loan;
            let nonzero = households_where(n, |i| held[i] != 0.0);
            let mut outstanding: f64 = nonzero.iter().map(|&i| held[i] as f64).sum();
            let tie = streams.year_purpose_sub(year, sub::MICROFINANCE_ORDER);
            let take = streams.year_purpose_sub(year, sub::MICROFINANCE_TAKE_UP);
            let pooling = cfg.pooled && cfg.pool_end_year.is_none_or(|e| year as i64 <= e);
            // Who would borrow if the banks had room, decided in the parallel
            // scan: the offer, its gain and the take-up draw read only the
            // household's own columns, which the walk below changes for no
            // other household. Only the ceiling (outstanding loans, summed in
            // order) is left to the walk.
            let (shared, serviced, held) = (&*hh, &reached, &loans.loan);
            let mut cand: Vec<(usize, f64, f32)> = (0..n)
                .into_par_iter()
                .scan_leaves()
                .filter(|&i| {
                    let hh = shared;
                    hh.members(i) > 0
                        && hh.adults[i] > 0
                        && held[i] <= 0.0
                        && !serviced[i]
                        && hh.credit[i] as f64 >= cfg.min_credit
                        && (elig == Eligible::All || hh.flags[i] & flag::REGISTERED != 0)
                })
                .filter_map(|i| {
                    let hh = shared;
                    let income = (hh.market_income(i) + hh.transfers[i]).max(0.0);
                    let amount = (cfg.income_multiple as f32 * income).min(cfg.max_loan as f32);
                    if amount < MIN_LOAN {
                        return None;
                    }
                    let gain = if pooling {
                        // The enterprise pays the interest; the household gets the dividend.
                        amount * cfg.pool_dividend as f32
                    } else {
                        // The household knows its own return (not the learning to come: assumption).
                        let factor = return_factor(&talent, normal, i as u64, p.return_sigma);
                        let ret = asset_return(p, hh.assets[i] + amount, factor);
                        let covered = if discounted {
                            cfg.interest_subsidy as f32 * amount.min(cfg.discount_max_loan as f32)
                                / amount
                        } else {
                            0.0
                        };
                        amount * (ret - rate * (1.0 - covered))
                    };
                    if gain <= 0.0 {
                        return None;
                    }
                    let own = hh.market_income(i).max(p.line * hh.members(i) as f32);
                    let pr = take_up(hh.awareness[i], hh.motivation[i], gain / own);
                    (take.uniform(i as u64) < pr as f64).then(|| {
                        let key = -(hh.credit[i] as f64) + 1e-6 * tie.uniform(i as u64);
                        (i, key, amount)
                    })
                })
                .collect();
            // (key, index) is a total order: the unstable parallel sort gives the one result.
            cand.par_sort_unstable_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            for (i, _, amount) in cand {
                if outstanding + amount as f64 > ceiling {
                    continue;
                }
                loans.loan[i] = amount;
                loans.loan_years[i] = cfg.term as u8;
                loans.loan_lent[i] = amount;
                loans.loan_age[i] = 0;
                loans.loan_rescheduled[i] = 0;
                loans.loan_pooled[i] = pooling as u8;
                if !pooling {
                    hh.assets[i] += amount;
                }
                outstanding += amount as f64;
                lr.disbursed += amount as f64;
                lr.new_loans += 1;
                reached[i] = true;
            }
        }

        let line = p.line;
        let mut row = SpendRow {
            module: "microfinance",
            budget,
            ..Default::default()
        };
        // The households with a loan or reached, found in parallel, in order.
        let (held, seen) = (&loans.loan, &reached);
        let books = households_where(n, |i| held[i] > 0.0 || seen[i]);
        for i in books {
            let reached_i = reached[i];
            if loans.loan[i] > 0.0 {
                lr.outstanding_end += loans.loan[i] as f64;
                lr.borrowers += 1;
                if loans.loan_pooled[i] != 0 {
                    lr.pooled_outstanding += loans.loan[i] as f64;
                }
            }
            // A household that has died out or left keeps its loan on the books but is no beneficiary.
            if reached_i && hh.members(i) > 0 {
                row.beneficiary_households += 1;
                row.beneficiary_people += hh.members(i) as u64;
                row.registered_poor_beneficiaries +=
                    (hh.flags[i] & flag::REGISTERED != 0 && pre_transfer_pc(hh, i) < line) as u64;
            }
        }
        ledger.loans = Some(lr);
        row.spent = spent;
        row
    }
}
