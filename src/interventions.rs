//! Intervention modules: the policies of targeted poverty reduction.
//!
//! Each year, after phase one of the household update (shocks, labour,
//! market incomes), the modules act in a fixed order ([`ORDER`]): targeting
//! first updates the poor register, then each other module chooses its
//! beneficiaries within its budget, serially and deterministically (ties are
//! broken by keyed random streams), writes their help into the household
//! columns (`received` for money paid this year; skill, assets, debt or
//! village attributes for lasting effects) and charges its costs to the
//! [`Ledger`]. Phase two of the household update then turns that help into
//! income, consumption and saving, in parallel.
//!
//! A module is a value behind the small [`Module`] trait, called once a year,
//! never per household; the hot loop sees only columns.

pub mod cadres;
pub mod education;
pub mod health;
pub mod infrastructure;
pub mod labour_export;
pub mod microfinance;
pub mod publicity;
pub mod relocation;
pub mod select;
pub mod targeting;
pub mod tourism;
pub mod transfers;
pub mod welfare_jobs;

use crate::model::columns::OwnColumns;
use crate::model::household::YearParams;
use crate::model::state::{Households, Villages};
use crate::rng::Streams;
use crate::scenario::Scenario;
use crate::scenario::modules::{self as config, Common};

/// Households per chunk of the modules' parallel scans. Fixed, and partial
/// results are combined in chunk order, so that plans do not depend on the
/// number of threads. A scan's leaf is one chunk
/// ([`select::ScanLeaves`], [`select::scan_chunks`]).
pub const SCAN: usize = 4096;

/// One module's spending and reach in one year (a row of spending.csv).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpendRow {
    pub module: &'static str,
    /// Annual budget, yuan (`None`: not capped).
    pub budget: Option<f64>,
    pub spent: f64,
    pub beneficiary_households: u64,
    pub beneficiary_people: u64,
    pub registered_poor_beneficiaries: u64,
    /// Standing money the module could not use and returns whatever
    /// `[budget] unspent` says (not written to spending.csv): by default the
    /// standing part of a budget is taken to be spent first.
    pub returned: f64,
}

/// How one list's identification did this year (a row of targeting.csv).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TargetingRow {
    /// `register` (the poor register) or `dibao` (the guarantee's own list).
    pub list: &'static str,
    pub method: &'static str,
    pub registered: u64,
    /// Non-poor registered households / registered households.
    pub inclusion_error: f64,
    /// Poor households not registered / poor households.
    pub exclusion_error: f64,
    /// The inclusion error by cause (adding up to it): the quota, capture,
    /// measurement (see `targeting::appraisal::Cause`).
    pub inclusion_quota: f64,
    pub inclusion_capture: f64,
    pub inclusion_measurement: f64,
    /// The exclusion error by cause (adding up to it): the quota,
    /// measurement, exits on paper.
    pub exclusion_quota: f64,
    pub exclusion_measurement: f64,
    pub exclusion_paper_exit: f64,
}

/// Everything the modules did in one year.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    pub spending: Vec<SpendRow>,
    /// One row per list identified this year (the register, the dibao list).
    pub targeting: Vec<TargetingRow>,
    /// Microfinance loans this year (`None` without the module).
    pub loans: Option<microfinance::LoanRow>,
    /// Money moved into this year's budgets from other modules or earlier
    /// years (`[budget] unspent`), yuan: counted in two rows' budgets, once here.
    pub moved: f64,
    /// People moved to resettlement sites this year: (origin village, people), one entry per household.
    pub relocations: Vec<(u32, u64)>,
}

impl Ledger {
    /// This year's row of the poor register, if targeting ran.
    pub fn register_row(&self) -> Option<&TargetingRow> {
        self.targeting.iter().find(|t| t.list == "register")
    }

    /// This year's row of the dibao list, if the guarantee keeps its own.
    pub fn dibao_row(&self) -> Option<&TargetingRow> {
        self.targeting.iter().find(|t| t.list == "dibao")
    }
}

/// What a module may read and change when it plans a year.
pub struct PlanCtx<'a> {
    pub sc: &'a Scenario,
    pub year: i32,
    pub params: &'a YearParams,
    pub streams: &'a Streams,
    pub hh: &'a mut Households,
    pub villages: &'a mut Villages,
    /// This year's village statistics, shared by the village modules while
    /// no plan changes what they sum ([`PlanCtx::village_stats`]).
    pub stats: select::StatsCache,
}

impl PlanCtx<'_> {
    /// Per-village statistics of the households as they stand
    /// ([`select::village_stats`]; computed once while unchanged).
    pub fn village_stats(&mut self) -> std::sync::Arc<Vec<select::VillageStats>> {
        self.stats
            .get(self.hh, self.villages.len(), self.params.line)
    }
}

/// Which household columns a module's plan may change, as far as
/// [`select::village_stats`] reads them: after a plan the engine keeps the
/// statistics it has ([`select::StatsCache::after`]) only when the plan
/// changed none of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Touches {
    /// Any household column (the safe default).
    Households,
    /// Only `awareness` (publicity): every sum but the awareness sums stands.
    Awareness,
    /// Only village columns: every household sum stands.
    Villages,
}

/// A policy module.
pub trait Module: Send + Sync {
    /// Name as in `[interventions.NAME]` and in spending.csv.
    fn name(&self) -> &'static str;
    /// The shared frame (years, budget, eligibility).
    fn common(&self) -> &Common;
    /// Choose beneficiaries within `budget` (None: uncapped), apply the help, report spending.
    fn plan(&mut self, ctx: &mut PlanCtx, budget: Option<f64>, ledger: &mut Ledger) -> SpendRow;
    /// What the plan may change of the household columns that
    /// [`select::village_stats`] reads (default: anything).
    fn touches(&self) -> Touches {
        Touches::Households
    }
    /// Share of own local labour income given up by households on this module's help.
    fn work_disincentive(&self) -> f32 {
        0.0
    }
    /// The module's own per-household columns ([`module_columns!`]), by
    /// name: state no other part of the model reads (a watched household's
    /// snapshot holds them too).
    fn columns(&self) -> &'static [&'static str] {
        &[]
    }
    /// Household `i`'s value in own column `k` of [`Module::columns`] (0
    /// before the module first acts).
    fn column(&self, _k: usize, _i: usize) -> f32 {
        0.0
    }
    /// The module's own state, per household and per village, as columns
    /// sized to `households` and `villages` (zeros before the module first
    /// acts, as it would start): what a saved state keeps of the module and
    /// gives back to it.
    fn state(&mut self, _households: usize, _villages: usize) -> OwnColumns<'_> {
        OwnColumns::default()
    }
}

/// A module's own columns, declared in the module's file: `name: type`
/// each; the struct holds one `Vec` per column, sized to the households (or
/// the villages) when the module first acts.
macro_rules! module_columns {
    (
        $(#[$meta:meta])*
        pub struct $name:ident { $( $(#[doc = $doc:literal])* $col:ident : $ty:ty, )* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default)]
        pub struct $name {
            $( $(#[doc = $doc])* pub $col: Vec<$ty>, )*
        }

        impl $name {
            /// The columns' names, in order.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($col)),*];
            /// Bytes per household.
            pub const BYTES: usize = 0 $( + std::mem::size_of::<$ty>() )*;

            /// Zeroed columns for `n` households, unless they have them.
            pub fn ensure(&mut self, n: usize) {
                $(
                    if self.$col.len() != n {
                        self.$col = vec![<$ty>::default(); n];
                    }
                )*
            }

            /// Household `i`'s value in column `k` of [`Self::NAMES`].
            pub fn value(&self, k: usize, i: usize) -> f32 {
                let mut j = 0;
                $(
                    if j == k {
                        return self.$col.get(i).map_or(0.0, |v| $crate::model::columns::Cell::as_f32(*v));
                    }
                    j += 1;
                )*
                let _ = j;
                0.0
            }

            /// Every column with its name and doc, to save or restore.
            pub fn named(&mut self) -> Vec<$crate::model::columns::Named<'_>> {
                vec![$( $crate::model::columns::Named {
                    name: stringify!($col),
                    doc: concat!($($doc,)* ""),
                    col: &mut self.$col,
                }, )*]
            }
        }
    };
}
pub(crate) use module_columns;

/// Bytes per household of every module's own columns (a module with
/// columns adds its struct here; the memory guard's budget is checked
/// against the household columns plus these).
pub const MODULE_COLUMN_BYTES: usize = microfinance::Loans::BYTES + targeting::Appraisals::BYTES;

/// Whether a module acts in `year` (never before the scenario's first
/// policy year: a survey's observed year has its help in the incomes).
pub fn active(c: &Common, sc: &Scenario, year: i32) -> bool {
    c.enabled
        && year as i64 >= c.start_year.unwrap_or(i64::MIN)
        && year as i64 <= c.end_year.unwrap_or(i64::MAX)
        && year >= sc.start_year
        && year >= sc.first_policy_year
}

/// A module's money in `year`: its standing budget (the programme in
/// force) plus its own dated budget or its share of the scenario-wide total;
/// uncapped (`None`) when none of them is given.
pub fn budget(c: &Common, sc: &Scenario, year: i32) -> Option<f64> {
    let standing = c.standing_budget.as_ref().map(|b| b.at(year));
    match (standing, package(c, sc, year)) {
        (None, None) => None,
        (s, p) => Some(s.unwrap_or(0.0) + p.unwrap_or(0.0)),
    }
}

/// The part of a module's money that is not standing: its own dated budget,
/// or its share of the scenario-wide total. This part, when unspent, follows
/// `[budget] unspent`; standing money a module does not use is returned.
pub fn package(c: &Common, sc: &Scenario, year: i32) -> Option<f64> {
    if let Some(b) = &c.budget {
        return Some(b.at(year));
    }
    match (c.budget_share, &sc.file.budget) {
        (Some(s), Some(total)) => Some(s * total.total.at(year)),
        _ => None,
    }
}

/// Build a module from its section (the helper fixes the closure's argument types).
fn make<C>(
    cfg: &C,
    all: &config::Interventions,
    f: impl Fn(&C, &config::Interventions) -> Box<dyn Module>,
) -> Box<dyn Module> {
    f(cfg, all)
}

/// Every module once, in the order they act: `ORDER`, `build` and `validate`
/// all come from this one list.
macro_rules! modules {
    ($( $field:ident => $ctor:expr ),* $(,)?) => {
        /// The order in which modules act each year.
        pub const ORDER: [&str; [$(stringify!($field)),*].len()] = [$(stringify!($field)),*];

        /// The enabled modules of a scenario, in [`ORDER`].
        pub fn build(sc: &Scenario) -> Vec<Box<dyn Module>> {
            let i = &sc.file.interventions;
            let mut out: Vec<Box<dyn Module>> = Vec::new();
            $(
                if let Some(t) = &i.$field
                    && t.enabled
                {
                    out.push(make(t, i, $ctor));
                }
            )*
            out
        }
    };
}

modules! {
    targeting => |t, _| Box::new(targeting::TargetingModule::new(t.clone())),
    // The guarantee means-tests with the identification's measurement error.
    transfers => |t, i| Box::new(transfers::TransfersModule::new(t.clone(), i.targeting.clone())),
    education => |t, _| Box::new(education::EducationModule::new(t.clone())),
    tourism => |t, _| Box::new(tourism::TourismModule::new(t.clone())),
    relocation => |t, _| Box::new(relocation::RelocationModule::new(t.clone())),
    health => |t, _| Box::new(health::HealthModule::new(t.clone())),
    welfare_jobs => |t, _| Box::new(welfare_jobs::WelfareJobsModule::new(t.clone())),
    labour_export => |t, _| Box::new(labour_export::LabourExportModule::new(t.clone())),
    microfinance => |t, _| Box::new(microfinance::MicrofinanceModule::new(t.clone())),
    infrastructure => |t, _| Box::new(infrastructure::InfrastructureModule::new(t.clone())),
    publicity => |t, _| Box::new(publicity::PublicityModule::new(t.clone())),
    cadres => |t, _| Box::new(cadres::CadresModule::new(t.clone())),
}

/// Take-up: the chance a household that is offered help takes it. It rises
/// with awareness of the policy (publicity), motivation, and the expected gain
/// relative to the household's income (docs/MODEL.md, "Take-up").
#[inline]
pub fn take_up(awareness: f32, motivation: f32, gain_ratio: f32) -> f32 {
    let x = -2.0 + 3.0 * awareness + 1.5 * motivation + 2.0 * gain_ratio.clamp(0.0, 2.0);
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    #[test]
    fn modules_act_in_the_order_the_scenario_registers_them() {
        assert_eq!(super::ORDER, crate::scenario::modules::ORDER);
    }
}
