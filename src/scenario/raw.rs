//! The scenario file as written: serde structs that mirror the TOML one to
//! one. Unknown keys are rejected (`deny_unknown_fields`); every field has a
//! documented default so a file names only what it changes. Whole numbers are
//! read as `i64` so that `years = -3` reaches the range check (and its clear
//! message) instead of failing as a type error.

use super::dated::Dated;
use serde::{Deserialize, Serialize};

/// A distribution to draw an attribute from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dist {
    /// `constant`, `uniform`, `normal`, `lognormal`, `beta` or `poisson`.
    pub dist: DistKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigma: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DistKind {
    Constant,
    Uniform,
    Normal,
    Lognormal,
    Beta,
    Poisson,
}

impl Dist {
    pub fn constant(v: f64) -> Self {
        Dist {
            dist: DistKind::Constant,
            value: Some(v),
            mean: None,
            sd: None,
            median: None,
            sigma: None,
            min: None,
            max: None,
        }
    }
    pub fn beta(mean: f64, sd: f64) -> Self {
        Dist {
            dist: DistKind::Beta,
            mean: Some(mean),
            sd: Some(sd),
            ..Dist::constant(0.0)
        }
        .no_value()
    }
    pub fn normal(mean: f64, sd: f64, min: f64, max: f64) -> Self {
        Dist {
            dist: DistKind::Normal,
            mean: Some(mean),
            sd: Some(sd),
            min: Some(min),
            max: Some(max),
            ..Dist::constant(0.0)
        }
        .no_value()
    }
    pub fn lognormal(median: f64, sigma: f64) -> Self {
        Dist {
            dist: DistKind::Lognormal,
            median: Some(median),
            sigma: Some(sigma),
            ..Dist::constant(0.0)
        }
        .no_value()
    }
    pub fn poisson(mean: f64, min: f64, max: f64) -> Self {
        Dist {
            dist: DistKind::Poisson,
            mean: Some(mean),
            min: Some(min),
            max: Some(max),
            ..Dist::constant(0.0)
        }
        .no_value()
    }
    fn no_value(mut self) -> Self {
        self.value = None;
        self
    }
}

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
    pub interventions: crate::interventions::config::Interventions,
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Simulation {
    /// Name of the scenario; the output directory is `out/<name>/`.
    pub name: String,
    #[serde(default = "d_start_year")]
    pub start_year: i64,
    #[serde(default = "d_years")]
    pub years: i64,
    /// Any whole number from 0 to 2^64 − 1 (see [`super::seed`]).
    #[serde(default = "d_seed")]
    pub seed: super::seed::Seed,
    #[serde(default = "d_replicates")]
    pub replicates: i64,
    /// Number of villages.
    pub villages: i64,
    /// Number of households (give this or `population`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub households: Option<i64>,
    /// Number of people (households are drawn until it is reached).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<i64>,
}
fn d_start_year() -> i64 {
    2008
}
fn d_years() -> i64 {
    7
}
fn d_seed() -> super::seed::Seed {
    super::seed::Seed(1)
}
fn d_replicates() -> i64 {
    5
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PovertyLines {
    /// The (low-income) poverty line, yuan per person-year.
    pub low_income: Dated,
    /// The extreme line ("food and clothing not solved"), yuan per person-year.
    pub extreme: Dated,
    /// Near-poor: per-capita income below this multiple of the line.
    #[serde(default = "d_near_poor")]
    pub near_poor_factor: f64,
}
fn d_near_poor() -> f64 {
    1.5
}
impl Default for PovertyLines {
    fn default() -> Self {
        // 2,300 yuan at 2010 prices, indexed by about 4.5% a year (NBS).
        PovertyLines {
            low_income: Dated::schedule(&[(2010, 2300.0)], 0.045),
            extreme: Dated::schedule(&[(2008, 1196.0)], 0.045),
            near_poor_factor: 1.5,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VillageDists {
    /// Distance to market, 0 (county seat) to 1 (remote mountain).
    pub remoteness: Dist,
    /// Road access, 0 (none) to 1 (paved all-weather road).
    pub road: Dist,
    /// Share of households with safe drinking water.
    pub water: Dist,
    /// Share of land irrigated.
    pub irrigation: Dist,
    /// School quality, 0 to 1.
    pub school_quality: Dist,
    /// Probability that a village has a clinic.
    pub clinic: Dist,
    /// Tourism potential, 0 to 1.
    pub tourism_potential: Dist,
    /// Arable land per person, mu.
    pub land_per_person: Dist,
    /// Annual probability of a drought.
    pub drought_risk: Dist,
    /// Quality of the village cadres, 0 to 1.
    pub cadre_quality: Dist,
}
impl Default for VillageDists {
    fn default() -> Self {
        VillageDists {
            remoteness: Dist::beta(0.45, 0.22),
            road: Dist::beta(0.5, 0.2),
            water: Dist::beta(0.6, 0.2),
            irrigation: Dist::beta(0.3, 0.15),
            school_quality: Dist::beta(0.5, 0.15),
            clinic: Dist::constant(0.5),
            tourism_potential: Dist::beta(0.2, 0.15),
            land_per_person: Dist::lognormal(1.6, 0.35),
            drought_risk: Dist::beta(0.12, 0.05),
            cadre_quality: Dist::beta(0.5, 0.15),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HouseholdDists {
    /// Working-age adults (16–59).
    pub adults: Dist,
    /// Children (0–15).
    pub children: Dist,
    /// Elderly (60+).
    pub elderly: Dist,
    /// Adults' mean years of schooling.
    pub schooling: Dist,
    /// Vocational skill, 0 to 1.
    pub skill: Dist,
    /// Health, 0 (chronically ill) to 1 (healthy).
    pub health: Dist,
    /// Multiplier on the village's land per person.
    pub land_factor: Dist,
    /// Productive assets (livestock, tools), yuan.
    pub assets: Dist,
    /// Savings, yuan.
    pub savings: Dist,
    /// Debt, yuan.
    pub debt: Dist,
    /// Awareness of the policies, 0 to 1.
    pub awareness: Dist,
    /// Motivation ("self-development power"), 0 to 1.
    pub motivation: Dist,
    /// Unobserved earning ability, a multiplier on labour income.
    pub ability: Dist,
    /// How much worse off remote villages' households start: schooling falls
    /// by this many years, assets by this share, at remoteness 1.
    pub remoteness_penalty: f64,
}
impl Default for HouseholdDists {
    fn default() -> Self {
        HouseholdDists {
            adults: Dist::poisson(2.3, 1.0, 6.0),
            children: Dist::poisson(0.9, 0.0, 5.0),
            elderly: Dist::poisson(0.6, 0.0, 3.0),
            schooling: Dist::normal(7.0, 2.5, 0.0, 16.0),
            skill: Dist::beta(0.2, 0.15),
            health: Dist::beta(0.85, 0.12),
            land_factor: Dist::lognormal(1.0, 0.4),
            assets: Dist::lognormal(5000.0, 1.0),
            savings: Dist::lognormal(2000.0, 1.0),
            debt: Dist::constant(0.0),
            awareness: Dist::beta(0.4, 0.2),
            motivation: Dist::beta(0.6, 0.2),
            ability: Dist::lognormal(1.0, 0.35),
            remoteness_penalty: 2.0,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Income {
    /// Net farm return per mu at normal prices and full labour, yuan.
    pub farm_return_per_mu: Dated,
    /// Adult-years of work one mu needs for full yield.
    pub farm_labour_per_mu: f64,
    /// Yield gain on irrigated land (share).
    pub irrigation_gain: f64,
    /// Farm-gate price gain from market access (road × closeness), share.
    pub market_access_gain: f64,
    /// Local wage for a full year of off-farm work, yuan.
    pub local_wage: Dated,
    /// Chance an adult who looks finds local off-farm work, at the best access
    /// (dated: rural labour markets grew with urbanisation).
    pub local_job_rate: Dated,
    /// Migrant earnings net of living costs away, yuan per migrant-year.
    pub migrant_wage: Dated,
    /// Share of adults who migrate at the base propensity (dated).
    pub migration_propensity: Dated,
    /// Added migration propensity per year of schooling above 6.
    pub migration_schooling: f64,
    /// Return to a year of schooling below junior high (9 years).
    pub return_schooling_low: f64,
    /// Return to a year of schooling above junior high.
    pub return_schooling_high: f64,
    /// Wage premium of full vocational skill (skill = 1).
    pub skill_premium: f64,
    /// Asset threshold of the poverty trap, yuan: below it assets earn the low return.
    pub trap_threshold: f64,
    /// Annual return of productive assets below the threshold.
    pub return_low: f64,
    /// Annual return of productive assets above the threshold.
    pub return_high: f64,
    /// Standard deviation of the enterprise return.
    pub return_sd: f64,
    /// Pension per elderly person, yuan per year (New Rural Pension).
    pub pension: Dated,
}
impl Default for Income {
    fn default() -> Self {
        Income {
            farm_return_per_mu: Dated::schedule(&[(2008, 900.0)], 0.05),
            farm_labour_per_mu: 0.2,
            irrigation_gain: 0.4,
            market_access_gain: 0.3,
            local_wage: Dated::schedule(&[(2008, 9000.0)], 0.10),
            local_job_rate: Dated::schedule(&[(2008, 0.6)], 0.03),
            migrant_wage: Dated::schedule(&[(2008, 11000.0)], 0.10),
            migration_propensity: Dated::schedule(&[(2008, 0.2)], 0.03),
            migration_schooling: 0.03,
            return_schooling_low: 0.032,
            return_schooling_high: 0.118,
            skill_premium: 0.4,
            trap_threshold: 8000.0,
            return_low: 0.04,
            return_high: 0.25,
            return_sd: 0.15,
            pension: Dated::schedule(&[(2008, 0.0), (2010, 660.0)], 0.0),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Shocks {
    /// Annual probability that a healthy household has a serious illness.
    pub illness: f64,
    /// Extra illness probability at health 0 (chronic illness).
    pub illness_chronic: f64,
    /// Share of a year's work lost to an illness.
    pub illness_lost_work: f64,
    /// Medical cost of an illness, yuan (before insurance).
    pub medical_cost: Dated,
    /// Share of medical cost reimbursed by rural medical insurance.
    pub insurance_share: Dated,
    /// Health lost after an illness (share of health).
    pub illness_health_loss: f64,
    /// Health recovered each year toward 1.
    pub health_recovery: f64,
    /// Annual probability of a household crop loss (pests, hail).
    pub crop_loss: f64,
    /// Share of the harvest lost in a crop loss.
    pub crop_loss_severity: f64,
    /// Annual probability that a migrant loses the job (half a year's earnings lost).
    pub job_loss: f64,
    /// Share of the harvest lost in a drought (before irrigation protects).
    pub drought_severity: f64,
    /// Standard deviation of the county-wide log farm price swing.
    pub price_sd: f64,
}
impl Default for Shocks {
    fn default() -> Self {
        Shocks {
            illness: 0.06,
            illness_chronic: 0.25,
            illness_lost_work: 0.35,
            medical_cost: Dated::schedule(&[(2008, 6000.0)], 0.06),
            insurance_share: Dated::schedule(&[(2008, 0.3), (2012, 0.5)], 0.0),
            illness_health_loss: 0.2,
            health_recovery: 0.1,
            crop_loss: 0.08,
            crop_loss_severity: 0.5,
            job_loss: 0.08,
            drought_severity: 0.4,
            price_sd: 0.04,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Demography {
    /// Annual probability of a birth in a household with two or more adults.
    pub birth_rate: f64,
    /// Annual probability that a child becomes a working-age adult (1/16).
    pub child_to_adult: f64,
    /// Annual probability that an adult ages out of work (1/44).
    pub adult_to_elderly: f64,
    pub death_child: f64,
    pub death_adult: f64,
    pub death_elderly: f64,
    /// Annual probability that an adult leaves permanently (out-migration).
    pub out_migration: f64,
    /// Added out-migration probability per year of schooling above 9.
    pub out_migration_schooling: f64,
    /// Compulsory schooling years every child completes at full enrolment.
    pub child_schooling_max: f64,
    /// Enrolment at school quality 0.5 and an income at the poverty line.
    pub enrolment_base: f64,
    /// Enrolment gain per unit of school quality above 0.5.
    pub enrolment_school: f64,
    /// Enrolment gain per unit of log(income / line).
    pub enrolment_income: f64,
}
impl Default for Demography {
    fn default() -> Self {
        Demography {
            birth_rate: 0.05,
            child_to_adult: 1.0 / 16.0,
            adult_to_elderly: 1.0 / 44.0,
            death_child: 0.002,
            death_adult: 0.003,
            death_elderly: 0.05,
            out_migration: 0.02,
            out_migration_schooling: 0.01,
            child_schooling_max: 12.0,
            enrolment_base: 0.7,
            enrolment_school: 0.4,
            enrolment_income: 0.15,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Behaviour {
    /// Subsistence consumption as a share of the poverty line, per person.
    pub subsistence_share: f64,
    /// Marginal propensity to consume above subsistence.
    pub mpc: f64,
    /// Share of savings above a buffer invested in productive assets (times motivation).
    pub invest_share: f64,
    /// Savings buffer, in years of subsistence, kept before investing.
    pub buffer_years: f64,
    /// Annual depreciation of productive assets.
    pub depreciation: f64,
    /// Price of assets sold in distress, as a share of their value.
    pub fire_sale: f64,
    /// Interest rate on informal debt.
    pub debt_interest: f64,
    /// Share of outstanding debt repaid each year when cash allows.
    pub debt_repay_share: f64,
}
impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            subsistence_share: 0.8,
            mpc: 0.75,
            invest_share: 0.5,
            buffer_years: 0.5,
            depreciation: 0.1,
            fire_sale: 0.6,
            debt_interest: 0.08,
            debt_repay_share: 0.3,
        }
    }
}

/// A scenario-wide annual budget; modules may take a share of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Total annual budget, yuan.
    pub total: Dated,
}

/// `[output]`: what `povsim run` writes besides the tables.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    /// Write each chart as PNG as well as SVG (the report inlines the SVGs).
    /// Rasterising costs most of a small run's time: a classroom scenario
    /// turns it off so that a run answers at once (docs/PERFORMANCE.md).
    #[serde(default = "yes")]
    pub png: bool,
}

fn yes() -> bool {
    true
}

impl Default for Output {
    fn default() -> Self {
        Output { png: true }
    }
}

impl Output {
    pub fn is_default(&self) -> bool {
        *self == Output::default()
    }
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
