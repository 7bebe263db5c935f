//! The scenario file as written: serde structs that mirror the TOML one to
//! one. Unknown keys are rejected (`deny_unknown_fields`); every key is
//! declared on one line with its default, range, unit and doc
//! ([`section!`](super::keys)), so a file names only what it changes. Whole
//! numbers are read as `i64` so that `years = -3` reaches the range check
//! (and its clear message) instead of failing as a type error.

use super::dated::Dated;
pub use super::dist::{Dist, DistKind};
use super::keys::{
    Visit, choice, dated, dated_positive, dist, flag, name, num, prob, section, seed, unit_dist,
    whole, words,
};
use super::seed::Seed;
use super::validate::MAX_HOUSEHOLDS;
use crate::error::Result;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Path of a scenario this one changes (relative to this file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    pub simulation: Simulation,
    #[serde(default)]
    pub poverty_lines: PovertyLines,
    #[serde(default)]
    pub villages: VillageDists,
    #[serde(default)]
    pub households: HouseholdDists,
    /// Where the households come from: drawn (no table), a saved state or a
    /// survey file ([`super::population`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<super::population::PopulationTable>,
    #[serde(default)]
    pub income: Income,
    #[serde(default)]
    pub shocks: Shocks,
    #[serde(default)]
    pub demography: Demography,
    #[serde(default)]
    pub behaviour: Behaviour,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<Budget>,
    #[serde(default)]
    pub interventions: super::modules::Interventions,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<Target>,
    /// What `povsim run` writes besides the tables (never changes a result).
    #[serde(default, skip_serializing_if = "Output::is_default")]
    pub output: Output,
    /// What `povsim sweep` varies when no `--vary` is given (`povsim run`
    /// ignores it). Not part of the effective scenario: never written out, so
    /// a sweep defined here and the same sweep given by `--vary` on the file
    /// it extends describe the same scenario (same digest in sweep.json).
    #[serde(default, skip_serializing)]
    pub sweep: Option<SweepTable>,
    /// What `povsim calibrate` fits, and to what (`povsim run` ignores it).
    /// Not part of the effective scenario, like `sweep`.
    #[serde(default, skip_serializing)]
    pub calibration: Option<super::calibration::CalibrationTable>,
    /// Priors of the uncertain keys, for `povsim sensitivity` and `compare
    /// --param-draws` (`povsim run` ignores it). Not part of the effective
    /// scenario, like `sweep`.
    #[serde(default, skip_serializing)]
    pub uncertainty: Option<toml::Table>,
}

/// Every section of parameters, in file order, handed to `v` (with the
/// file's section, when there is a file and it holds the section). The one
/// list of sections: range checks, `--list-keys` and `--set` all walk it.
pub fn sections(file: Option<&ScenarioFile>, v: &mut impl Visit) -> Result<()> {
    v.section("simulation", file.map(|f| &f.simulation))?;
    v.section("poverty_lines", file.map(|f| &f.poverty_lines))?;
    v.section("villages", file.map(|f| &f.villages))?;
    v.section("households", file.map(|f| &f.households))?;
    super::population::sections(file.and_then(|f| f.population.as_ref()), v)?;
    v.section("income", file.map(|f| &f.income))?;
    v.section("shocks", file.map(|f| &f.shocks))?;
    v.section("demography", file.map(|f| &f.demography))?;
    v.section("behaviour", file.map(|f| &f.behaviour))?;
    v.section("budget", file.and_then(|f| f.budget.as_ref()))?;
    super::modules::sections(file.map(|f| &f.interventions), v)?;
    v.section("output", file.map(|f| &f.output))
}

section! {
    /// `[simulation]`: what is simulated, for how long, how often.
    #[serde(deny_unknown_fields)]
    pub struct Simulation {
        /// Name of the scenario; the output directory is `out/<name>/`.
        name: String = String::new(), name(), "" @required;
        /// First simulated year.
        start_year: i64 = d_start_year(), whole(1900, 2200), "year" [serde(default = "d_start_year")];
        /// Number of simulated years.
        years: i64 = d_years(), whole(1, 200), "years" [serde(default = "d_years")];
        /// Random seed: the same seed gives the same run (0 to 2^64 − 1;
        /// from 2^63 on, written as a string of digits: see [`super::seed`]).
        seed: Seed = d_seed(), seed(), "" [serde(default = "d_seed")];
        /// Independent runs of the scenario (replicates), averaged in the summary.
        replicates: i64 = d_replicates(), whole(1, 100_000), "runs" [serde(default = "d_replicates")];
        /// Number of villages.
        villages: i64 = 0, whole(1, 1_000_000), "villages" @required;
        /// Number of households (give this or `population`).
        households: Option<i64> = None, whole(1, MAX_HOUSEHOLDS), "households"
            [serde(default, skip_serializing_if = "Option::is_none")];
        /// Number of people (households are drawn until it is reached).
        population: Option<i64> = None, whole(1, MAX_HOUSEHOLDS * 4), "people"
            [serde(default, skip_serializing_if = "Option::is_none")];
        /// Branch year: before it the scenario runs exactly as the file it
        /// `extends` (the shared history), from it on with its own settings;
        /// every household, village and module column carries across.
        branch_year: Option<i64> = None, whole(1900, 2200), "year"
            [serde(default, skip_serializing_if = "Option::is_none")];
    }
}
fn d_start_year() -> i64 {
    2008
}
fn d_years() -> i64 {
    7
}
fn d_seed() -> Seed {
    Seed(1)
}
fn d_replicates() -> i64 {
    5
}

section! {
    /// `[poverty_lines]`: 2,300 yuan at 2010 prices, indexed by about 4.5% a
    /// year (NBS); a file that gives the table gives both lines.
    #[serde(deny_unknown_fields)]
    pub struct PovertyLines {
        /// The (low-income) poverty line, yuan per person-year.
        low_income: Dated = Dated::schedule(&[(2010, 2300.0)], 0.045), dated_positive(), "yuan per person-year";
        /// The extreme line ("food and clothing not solved"), yuan per person-year.
        extreme: Dated = Dated::schedule(&[(2008, 1196.0)], 0.045), dated_positive(), "yuan per person-year";
        /// Near-poor: per-capita income below this multiple of the line.
        near_poor_factor: f64 = d_near_poor(), num(1.0, 10.0), "× poverty line"
            [serde(default = "d_near_poor")];
        /// The per-capita income every measure and table uses: `net` (NBS net income,
        /// enterprise losses counted in full), `floored` (the same, below zero read as
        /// zero) or `net_of_medical` (less out-of-pocket medical costs, floored).
        income_measure: IncomeMeasure = IncomeMeasure::Floored, choice(IncomeMeasure::NAMES), ""
            [serde(default = "d_income_measure", skip_serializing_if = "is_floored")];
    }
}
fn d_near_poor() -> f64 {
    1.5
}
fn d_income_measure() -> IncomeMeasure {
    IncomeMeasure::Floored
}
fn is_floored(m: &IncomeMeasure) -> bool {
    *m == IncomeMeasure::Floored
}

words! {
    /// The per-capita income the poverty measures read (docs/MODEL.md, "The income measure").
    pub enum IncomeMeasure {
        /// NBS rural per-capita net income: business losses count in full (may be negative).
        Net = "net",
        /// The same, with a negative per-capita income read as zero (the gap is at most the line).
        Floored = "floored",
        /// Net income less out-of-pocket medical costs, floored at zero.
        NetOfMedical = "net_of_medical",
    }
}

section! {
    /// `[villages]`: the distributions village attributes are drawn from.
    #[serde(deny_unknown_fields, default)]
    pub struct VillageDists {
        /// Distance to market, 0 (county seat) to 1 (remote mountain).
        remoteness: Dist = Dist::beta(0.45, 0.22), unit_dist(), "index";
        /// Road access, 0 (none) to 1 (paved all-weather road).
        road: Dist = Dist::beta(0.5, 0.2), unit_dist(), "index";
        /// Share of households with safe drinking water.
        water: Dist = Dist::beta(0.6, 0.2), unit_dist(), "share";
        /// Share of land irrigated.
        irrigation: Dist = Dist::beta(0.3, 0.15), unit_dist(), "share";
        /// School quality, 0 to 1.
        school_quality: Dist = Dist::beta(0.5, 0.15), unit_dist(), "index";
        /// Probability that a village has a clinic.
        clinic: Dist = Dist::constant(0.5), unit_dist(), "probability";
        /// Tourism potential, 0 to 1.
        tourism_potential: Dist = Dist::beta(0.2, 0.15), unit_dist(), "index";
        /// Arable land per person, mu.
        land_per_person: Dist = Dist::lognormal(1.6, 0.35), dist(0.0, 100.0), "mu per person";
        /// Annual probability of a drought.
        drought_risk: Dist = Dist::beta(0.12, 0.05), unit_dist(), "per year";
        /// Quality of the village cadres, 0 to 1.
        cadre_quality: Dist = Dist::beta(0.5, 0.15), unit_dist(), "index";
    }
}

section! {
    /// `[households]`: the distributions household attributes are drawn from.
    #[serde(deny_unknown_fields, default)]
    pub struct HouseholdDists {
        /// Working-age adults (16–59).
        adults: Dist = Dist::poisson(2.3, 1.0, 6.0), dist(0.0, 20.0), "people";
        /// Children (0–15).
        children: Dist = Dist::poisson(0.9, 0.0, 5.0), dist(0.0, 20.0), "people";
        /// Elderly (60+).
        elderly: Dist = Dist::poisson(0.6, 0.0, 3.0), dist(0.0, 20.0), "people";
        /// Adults' mean years of schooling.
        schooling: Dist = Dist::normal(7.0, 2.5, 0.0, 16.0), dist(0.0, 25.0), "years";
        /// Vocational skill, 0 to 1.
        skill: Dist = Dist::beta(0.2, 0.15), unit_dist(), "index";
        /// Health, 0 (chronically ill) to 1 (healthy).
        health: Dist = Dist::beta(0.85, 0.12), unit_dist(), "index";
        /// Multiplier on the village's land per person.
        land_factor: Dist = Dist::lognormal(1.0, 0.4), dist(0.0, 100.0), "× village land per person";
        /// Productive assets (livestock, tools), yuan.
        assets: Dist = Dist::lognormal(5000.0, 1.0), dist(0.0, 1e9), "yuan";
        /// Savings, yuan.
        savings: Dist = Dist::lognormal(2000.0, 1.0), dist(0.0, 1e9), "yuan";
        /// Debt, yuan.
        debt: Dist = Dist::constant(0.0), dist(0.0, 1e9), "yuan";
        /// Awareness of the policies, 0 to 1.
        awareness: Dist = Dist::beta(0.4, 0.2), unit_dist(), "index";
        /// Motivation ("self-development power"), 0 to 1.
        motivation: Dist = Dist::beta(0.6, 0.2), unit_dist(), "index";
        /// Unobserved earning ability, a multiplier on labour income.
        ability: Dist = Dist::lognormal(1.0, 0.35), dist(0.0, 100.0), "× labour income";
        /// How much worse off remote villages' households start: schooling falls
        /// by this many years at remoteness 1 (assets and savings by the factor
        /// e^(−remoteness)).
        remoteness_penalty: f64 = 2.0, num(0.0, 16.0), "years";
        /// Share of households connected to the village cadres (related or visible), whom
        /// a captured appraisal favours (0 = none).
        connected_share: f64 = 0.0, prob(), "share";
        /// How much connection rises with wealth: a household's chance is connected_share ×
        /// (1 + connected_tilt × (2 × its assets-per-person rank − 1)); 0 = unrelated to wealth.
        connected_tilt: f64 = 0.0, num(-1.0, 1.0), "share";
    }
}

section! {
    /// `[income]`: market incomes (farm, wages, migration, enterprise) and pensions.
    #[serde(deny_unknown_fields, default)]
    pub struct Income {
        /// Net farm return per mu at normal prices and full labour, yuan.
        farm_return_per_mu: Dated = Dated::schedule(&[(2008, 900.0)], 0.05), dated(0.0, 1e6), "yuan per mu";
        /// Adult-years of work one mu needs for full yield.
        farm_labour_per_mu: f64 = 0.2, num(0.0, 10.0), "adult-years per mu";
        /// Yield gain on irrigated land (share).
        irrigation_gain: f64 = 0.4, num(0.0, 10.0), "share";
        /// Farm-gate price gain from market access (road × closeness), share.
        market_access_gain: f64 = 0.3, num(0.0, 10.0), "share";
        /// Local wage for a full year of off-farm work, yuan.
        local_wage: Dated = Dated::schedule(&[(2008, 9000.0)], 0.10), dated(0.0, 1e7), "yuan a year";
        /// Chance an adult who looks finds local off-farm work, at the best access
        /// (dated: rural labour markets grew with urbanisation).
        local_job_rate: Dated = Dated::schedule(&[(2008, 0.6)], 0.03), dated(0.0, 1.0), "probability";
        /// Health below which a household's adults work off the farm less (issue 21):
        /// every chance of off-farm work (migration, a local job, casual work) is
        /// multiplied by `min(1, health / work_health)²`, and so is the adults' farm
        /// labour; 0 = health does not gate work (the model before).
        work_health: f64 = 0.0, num(0.0, 1.0), "health";
        /// Shortest share of the year that a regular local job lasts (issue 21): each
        /// year a household's jobs last a share uniform between this and 1 (seasonal
        /// and part-year work); 1 = every job lasts the whole year (the model before).
        job_share_min: f64 = 1.0, num(0.0, 1.0), "share of a year";
        /// Casual day labour (issue 21): days of casual work in the slack season that an
        /// adult at home without a regular local job finds in a year, at the best access
        /// and full health; 0 = none (the model before issue 21).
        casual_days: f64 = 0.0, num(0.0, 365.0), "days a year";
        /// Chance that an adult at home without a regular local job finds casual work in
        /// a year, at the best access and full health (issue 21); who finds none earns
        /// nothing from it, so casual work leaves a tail of households without wages.
        casual_rate: f64 = 1.0, num(0.0, 1.0), "probability";
        /// Chance that an elderly member finds casual work in a year, at the best access
        /// and full health (issue 21): rural people work into old age, mostly in
        /// non-regular work; who finds it works `casual_days` days at the casual day
        /// wage; 0 = the elderly do no wage work (the model before).
        elderly_casual_rate: f64 = 0.0, num(0.0, 1.0), "probability";
        /// Day wage of casual work, yuan.
        casual_wage: Dated = Dated::schedule(&[(2008, 50.0)], 0.10), dated(0.0, 1e5), "yuan a day";
        /// Migrant earnings net of living costs away, yuan per migrant-year.
        migrant_wage: Dated = Dated::schedule(&[(2008, 11000.0)], 0.10), dated(0.0, 1e7), "yuan a year";
        /// Share of adults who migrate at the base propensity (dated).
        migration_propensity: Dated = Dated::schedule(&[(2008, 0.2)], 0.03), dated(0.0, 1.0), "share";
        /// Added migration propensity per year of schooling above 6.
        migration_schooling: f64 = 0.03, num(0.0, 1.0), "per year of schooling";
        /// Return to a year of schooling below junior high (9 years).
        return_schooling_low: f64 = 0.032, num(0.0, 1.0), "log wage per year";
        /// Return to a year of schooling above junior high.
        return_schooling_high: f64 = 0.118, num(0.0, 1.0), "log wage per year";
        /// Wage premium of full vocational skill (skill = 1).
        skill_premium: f64 = 0.4, num(0.0, 10.0), "share";
        /// Asset threshold of the poverty trap, yuan: below it assets earn the low return.
        trap_threshold: f64 = 8000.0, num(0.0, 1e9), "yuan";
        /// Annual return of productive assets below the threshold.
        return_low: f64 = 0.04, num(-1.0, 10.0), "rate a year";
        /// Annual return of productive assets above the threshold.
        return_high: f64 = 0.25, num(-1.0, 10.0), "rate a year";
        /// Standard deviation of the enterprise return.
        return_sd: f64 = 0.15, num(0.0, 10.0), "rate a year";
        /// Heterogeneous returns: sd of the log of a household's return factor (lognormal,
        /// mean 1, drawn once per household); 0 = every household earns the same rate.
        return_sigma: f64 = 0.0, num(0.0, 3.0), "sd of log factor";
        /// Pension per elderly person, yuan per year (New Rural Pension).
        pension: Dated = Dated::schedule(&[(2008, 0.0), (2010, 660.0)], 0.0), dated(0.0, 1e7), "yuan a year";
    }
}

section! {
    /// `[shocks]`: illness, crop loss, job loss, drought and prices.
    #[serde(deny_unknown_fields, default)]
    pub struct Shocks {
        /// Annual probability that a healthy household has a serious illness.
        illness: f64 = 0.06, prob(), "per year";
        /// Extra illness probability at health 0 (chronic illness).
        illness_chronic: f64 = 0.25, prob(), "per year";
        /// Share of a year's work lost to an illness.
        illness_lost_work: f64 = 0.35, prob(), "share";
        /// Medical cost of an illness, yuan (before insurance).
        medical_cost: Dated = Dated::schedule(&[(2008, 6000.0)], 0.06), dated(0.0, 1e8), "yuan";
        /// Share of medical cost reimbursed by rural medical insurance.
        insurance_share: Dated = Dated::schedule(&[(2008, 0.3), (2012, 0.5)], 0.0), dated(0.0, 1.0), "share";
        /// Health lost after an illness (share of health).
        illness_health_loss: f64 = 0.2, prob(), "share";
        /// Health recovered each year toward 1.
        health_recovery: f64 = 0.1, prob(), "share a year";
        /// Annual probability of a household crop loss (pests, hail).
        crop_loss: f64 = 0.08, prob(), "per year";
        /// Share of the harvest lost in a crop loss.
        crop_loss_severity: f64 = 0.5, prob(), "share";
        /// Annual probability that a migrant loses the job (half a year's earnings lost).
        job_loss: f64 = 0.08, prob(), "per year";
        /// Share of the harvest lost in a drought (before irrigation protects).
        drought_severity: f64 = 0.4, prob(), "share";
        /// Standard deviation of the county-wide log farm price swing.
        price_sd: f64 = 0.04, num(0.0, 2.0), "log units";
    }
}

section! {
    /// `[demography]`: births, ageing, deaths, out-migration and children's schooling.
    #[serde(deny_unknown_fields, default)]
    pub struct Demography {
        /// Annual probability of a birth in a household with two or more adults.
        birth_rate: f64 = 0.05, prob(), "per year";
        /// Annual probability that a child becomes a working-age adult (1/16).
        child_to_adult: f64 = 1.0 / 16.0, prob(), "per year";
        /// Annual probability that an adult ages out of work (1/44).
        adult_to_elderly: f64 = 1.0 / 44.0, prob(), "per year";
        /// Annual probability that a child dies.
        death_child: f64 = 0.002, prob(), "per year";
        /// Annual probability that an adult dies.
        death_adult: f64 = 0.003, prob(), "per year";
        /// Annual probability that an elderly person dies.
        death_elderly: f64 = 0.05, prob(), "per year";
        /// Annual probability that an adult leaves permanently (out-migration).
        out_migration: f64 = 0.02, prob(), "per year";
        /// Added out-migration probability per year of schooling above 9.
        out_migration_schooling: f64 = 0.01, prob(), "per year of schooling";
        /// Compulsory schooling years every child completes at full enrolment.
        child_schooling_max: f64 = 12.0, num(0.0, 25.0), "years";
        /// Enrolment at school quality 0.5 and an income at the poverty line.
        enrolment_base: f64 = 0.7, prob(), "share";
        /// Enrolment gain per unit of school quality above 0.5.
        enrolment_school: f64 = 0.4, num(0.0, 10.0), "per unit of quality";
        /// Enrolment gain per unit of log(income / line).
        enrolment_income: f64 = 0.15, num(0.0, 10.0), "per log point of income";
    }
}

section! {
    /// `[behaviour]`: consumption, saving, investment and debt.
    #[serde(deny_unknown_fields, default)]
    pub struct Behaviour {
        /// Subsistence consumption as a share of the poverty line, per person.
        subsistence_share: f64 = 0.8, num(0.0, 10.0), "× poverty line";
        /// Marginal propensity to consume above subsistence.
        mpc: f64 = 0.75, prob(), "share";
        /// Share of savings above a buffer invested in productive assets (times motivation).
        invest_share: f64 = 0.5, prob(), "share";
        /// Savings buffer, in years of subsistence, kept before investing.
        buffer_years: f64 = 0.5, num(0.0, 100.0), "years";
        /// Annual depreciation of productive assets.
        depreciation: f64 = 0.1, prob(), "rate a year";
        /// Price of assets sold in distress, as a share of their value.
        fire_sale: f64 = 0.6, prob(), "share";
        /// Interest rate on informal debt.
        debt_interest: f64 = 0.08, num(0.0, 1.0), "rate a year";
        /// Share of outstanding debt repaid each year when cash allows.
        debt_repay_share: f64 = 0.3, prob(), "share a year";
    }
}

section! {
    /// `[budget]`: a scenario-wide annual budget; modules may take a share of it.
    #[serde(deny_unknown_fields)]
    pub struct Budget {
        /// Total annual budget, yuan.
        total: Dated = Dated::constant(0.0), dated(0.0, 1e13), "yuan a year" @required;
        /// What becomes of a module's unspent share of the total: `return`ed
        /// (lost to the programme), `carry_over` (to the module's next year) or
        /// `reallocate`d (to the modules acting after it that year, by share).
        unspent: Unspent = Unspent::Return, choice(Unspent::NAMES), ""
            [serde(default = "d_unspent", skip_serializing_if = "is_return")];
    }
}

fn d_unspent() -> Unspent {
    Unspent::Return
}
fn is_return(u: &Unspent) -> bool {
    *u == Unspent::Return
}

words! {
    /// What becomes of a module's unspent share of the scenario-wide budget.
    pub enum Unspent {
        /// Returned to the treasury: money a module cannot use is not spent.
        Return = "return",
        /// Kept by the module for its next year.
        CarryOver = "carry_over",
        /// Moved, the same year, to the modules acting after it, in proportion to their shares.
        Reallocate = "reallocate",
    }
}

section! {
    /// `[output]`: what `povsim run` writes besides the tables (never changes a result).
    #[serde(deny_unknown_fields)]
    pub struct Output {
        /// Write each chart as PNG as well as SVG (the report inlines the SVGs).
        /// Rasterising costs most of a small run's time: a classroom scenario
        /// turns it off so that a run answers at once (docs/PERFORMANCE.md).
        png: bool = yes(), flag(), "" [serde(default = "yes")];
    }
}

fn yes() -> bool {
    true
}

impl Output {
    pub fn is_default(&self) -> bool {
        *self == Output::default()
    }
}

/// The `[sweep]` table: a grid (or a Latin-hypercube sample) of varied keys,
/// or an explicit list of points, and the replicates of each point.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepTable {
    /// Varied keys: `"KEY" = "START:STOP:STEP"` (a string, inclusive) or
    /// `"KEY" = [V1, V2, ...]`; the full grid, first key slowest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vary: Option<toml::Table>,
    /// Explicit points instead of `vary`: `[{ "KEY" = V, ... }, ...]`, every
    /// point with the same keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<Vec<toml::Table>>,
    /// A Latin-hypercube sample of this many points from `vary` instead of the grid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lhs: Option<i64>,
    /// Replicates of every point (default: `simulation.replicates`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicates: Option<i64>,
}

/// A calibration target, drawn on the incidence chart and checked by tests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub year: i64,
    /// A column of trajectory.csv (e.g. `headcount_ratio`, `mean_income`, `poor`).
    pub measure: String,
    pub value: f64,
    /// Allowed deviation: absolute (`tolerance`) …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// … or relative (`relative_tolerance`, 0.05 = ±5%).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative_tolerance: Option<f64>,
    /// `below` or `above`: a one-sided target (`value` is a bound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound: Option<String>,
}
