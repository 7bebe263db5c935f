//! Configuration of the intervention modules: `[interventions.NAME]`.
//!
//! Every module shares the same frame (`enabled`, `start_year`, `end_year`,
//! an annual `budget` in yuan or a `budget_share` of the scenario-wide
//! `[budget]`, and who is `eligible`) plus its own mechanism parameters, each
//! declared on one line (see [`super::keys`]). The frame is written by
//! [`module_config!`] because serde's `flatten` cannot be combined with
//! `deny_unknown_fields`. A module's rules that relate several of its keys
//! are its [`ModuleConfig::rules`]; [`register!`] lists the modules once.
//!
//! Why over 600 lines: one configuration per module, each a page of key
//! declarations; splitting them would scatter the one register.

use super::check::Checker;
use super::dated::Dated;
use super::keys::{Check, Visit, choice, dated, flag, list, num, prob, section, whole, words};
use super::raw::ScenarioFile;
use crate::error::Result;
use serde::{Deserialize, Serialize};

words! {
    /// Who a module may reach.
    pub enum Eligible {
        /// Households on the poor register ("precise drip irrigation").
        Registered = "registered",
        /// Everyone, spread evenly ("flood irrigation").
        All = "all",
    }
}

/// The frame shared by every module, after defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct Common {
    pub enabled: bool,
    pub start_year: Option<i64>,
    pub end_year: Option<i64>,
    pub budget: Option<Dated>,
    pub budget_share: Option<f64>,
    pub standing_budget: Option<Dated>,
    pub eligible: Eligible,
}

/// Access to the shared frame of any module's configuration, and the
/// module's rules that relate several keys.
pub trait ModuleConfig {
    fn common(&self) -> Common;

    /// Rules beyond the single keys' ranges (`path`: `interventions.NAME`).
    fn rules(&self, _path: &str, _file: &ScenarioFile, _c: &Checker) -> Result<()> {
        Ok(())
    }
}

/// A module's configuration: the frame, then the module's own keys (each as
/// in [`section!`]).
macro_rules! module_config {
    (
        $(#[$meta:meta])*
        $name:ident, eligible = $elig:expr, { $($fields:tt)* }
    ) => {
        section! {
            $(#[$meta])*
            #[serde(deny_unknown_fields, default)]
            pub struct $name {
                /// Whether the module runs (a disabled module changes nothing).
                enabled: bool = true, flag(), "";
                /// First year the module acts (default: the first simulated year).
                start_year: Option<i64> = None, whole(1900, 2200), "year"
                    [serde(skip_serializing_if = "Option::is_none")];
                /// Last year the module acts (default: the last simulated year).
                end_year: Option<i64> = None, whole(1900, 2200), "year"
                    [serde(skip_serializing_if = "Option::is_none")];
                /// Annual budget, yuan (dated). Without a budget or a share, the module is not funded.
                budget: Option<Dated> = None, dated(0.0, 1e13), "yuan a year"
                    [serde(skip_serializing_if = "Option::is_none")];
                /// Money of the programme in force (the status quo a reform carries on),
                /// yuan a year (dated); a reform's `budget` or `budget_share` comes on top.
                standing_budget: Option<Dated> = None, dated(0.0, 1e13), "yuan a year"
                    [serde(skip_serializing_if = "Option::is_none")];
                /// Share of the scenario-wide `[budget] total`.
                budget_share: Option<f64> = None, prob(), "share of [budget] total"
                    [serde(skip_serializing_if = "Option::is_none")];
                /// Who may benefit: `registered` (the poor register) or `all`.
                eligible: Eligible = $elig, choice(Eligible::NAMES), "";
                $($fields)*
            }
        }
        impl $name {
            /// The shared frame.
            pub fn frame(&self) -> Common {
                Common {
                    enabled: self.enabled,
                    start_year: self.start_year,
                    end_year: self.end_year,
                    budget: self.budget.clone(),
                    budget_share: self.budget_share,
                    standing_budget: self.standing_budget.clone(),
                    eligible: self.eligible,
                }
            }
        }
    };
}

/// The rules of the frame: years in order, a share of a total that exists,
/// not both a budget and a share.
fn frame_rules(path: &str, c: &Common, file: &ScenarioFile, k: &Checker) -> Result<()> {
    if let (Some(s0), Some(y)) = (c.start_year, c.end_year)
        && y < s0
    {
        return Err(k.o.error(
            &format!("{path}.end_year"),
            format!("expected a year ≥ start_year ({s0}), got {y}"),
        ));
    }
    if c.budget_share.is_some() {
        if file.budget.is_none() {
            return Err(k.o.error(
                &format!("{path}.budget_share"),
                "expected a scenario-wide [budget] total for a budget_share, got none",
            ));
        }
        if c.budget.is_some() {
            return Err(k.o.error(
                &format!("{path}.budget_share"),
                "expected either `budget` or `budget_share`, got both",
            ));
        }
    }
    Ok(())
}

/// Every module once, in the order they act: the `[interventions]` table,
/// [`ORDER`], the sections of [`super::raw::sections`] and the rules all
/// come from this one list.
macro_rules! register {
    ($( $field:ident: $ty:ident, )*) => {
        /// All modules. Absent sections are disabled.
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Interventions {
            $(
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
        }

        /// The order in which modules act each year.
        pub const ORDER: [&str; [$(stringify!($field)),*].len()] = [$(stringify!($field)),*];

        /// Every module's section, in [`ORDER`].
        pub fn sections(i: Option<&Interventions>, v: &mut impl Visit) -> Result<()> {
            $(
                v.section(
                    concat!("interventions.", stringify!($field)),
                    i.and_then(|i| i.$field.as_ref()),
                )?;
            )*
            Ok(())
        }

        impl Interventions {
            /// Module `name`'s section set to `from`'s (absent there: absent
            /// here, the module off); false for a name that is no module.
            pub fn take_section(&mut self, name: &str, from: &Interventions) -> bool {
                match name {
                    $( stringify!($field) => self.$field = from.$field.clone(), )*
                    _ => return false,
                }
                true
            }

            /// The rules of every module the file holds, then the shares of
            /// the scenario-wide budget, which may not add up past the whole.
            pub fn rules(&self, file: &ScenarioFile, c: &Checker) -> Result<()> {
                $(
                    if let Some(m) = &self.$field {
                        let path = concat!("interventions.", stringify!($field));
                        frame_rules(path, &m.common(), file, c)?;
                        m.rules(path, file, c)?;
                    }
                )*
                let shares: f64 = [$( self.$field.as_ref().map(|m| m.common()) ),*]
                    .into_iter()
                    .flatten()
                    .filter(|m| m.enabled)
                    .filter_map(|m| m.budget_share)
                    .sum();
                if shares > 1.0 + 1e-9 {
                    return Err(c.o.error(
                        "budget.total",
                        format!("expected the modules' budget_share values to add up to at most 1, got {shares}"),
                    ));
                }
                Ok(())
            }
        }
    };
}

register! {
    targeting: Targeting,
    transfers: Transfers,
    education: Education,
    tourism: Tourism,
    relocation: Relocation,
    health: Health,
    welfare_jobs: WelfareJobs,
    labour_export: LabourExport,
    microfinance: Microfinance,
    infrastructure: Infrastructure,
    publicity: Publicity,
    cadres: Cadres,
}

words! {
    /// Identification method.
    pub enum Method {
        /// Observed income with measurement error.
        Income = "income",
        /// A score from observable land, assets, housing, schooling and members.
        ProxyMeans = "proxy_means",
        /// Deprivations in food and clothing, schooling, medical insurance, housing, water.
        Multidimensional = "multidimensional",
    }
}

words! {
    /// How a county's registration quota is passed down to its villages.
    pub enum QuotaRule {
        /// In proportion to each village's estimated poor households (true count × lognormal error).
        Estimate = "estimate",
        /// In proportion to each village's households.
        Population = "population",
    }
}

module_config! {
    /// Targeted identification: who is on the poor register.
    Targeting, eligible = Eligible::All, {
        /// `income`, `proxy_means` or `multidimensional`.
        method: Method = Method::Income, choice(Method::NAMES), "";
        /// Standard deviation of the log measurement error of observed income (at cadre quality 0.5).
        measurement_error: f64 = 0.5, num(0.0, 5.0), "sd of log income";
        /// How much cadre quality lowers the error: error × (1 − cadre_effect × (quality − 0.5) × 2).
        cadre_effect: f64 = 0.5, prob(), "share";
        /// Community verification: villagers check the list (less error, a cost per household).
        verification: bool = false, flag(), "";
        /// Share of the measurement error removed by verification.
        verification_gain: f64 = 0.5, prob(), "share";
        /// Cost of verifying one household, yuan.
        verification_cost: f64 = 30.0, num(0.0, 1e6), "yuan per household";
        /// Re-identify every N years (households that escaped leave, missed and relapsed poor enter).
        reidentify_every: i64 = 1, whole(1, 100), "years";
        /// Register households whose assessed per-capita income is below line × this factor.
        line_factor: f64 = 1.0, num(0.0, 10.0), "× poverty line";
        /// `proxy_means`: error of the observed score, as a share of the income method's
        /// measurement error (land, assets, schooling and members are easier to check than income).
        proxy_error_share: f64 = 0.5, num(0.0, 2.0), "× measurement_error";
        /// `multidimensional`: weights of the deprivations in food and clothing, compulsory
        /// schooling, health (basic medical care), safe housing and safe drinking water (adding up to 1).
        md_weights: [f64; 5] = [0.4, 0.15, 0.15, 0.15, 0.15], list(&Check::Probability), "weights";
        /// `multidimensional`: the Alkire–Foster cutoff k: registered if the weighted deprivation score is at least k.
        md_cutoff: f64 = 0.4, num(1e-6, 1.0), "weighted score";
        /// `multidimensional`: children's schooling track below this many years is deprived (compulsory: 9).
        md_schooling_years: f64 = 9.0, num(0.0, 25.0), "years";
        /// `multidimensional`: health below this is deprived (no basic medical security).
        md_health: f64 = 0.6, prob(), "index";
        /// `multidimensional`: productive and housing assets below this (yuan per household) are deprived (unsafe housing).
        md_housing_assets: f64 = 2_000.0, num(0.0, 1e9), "yuan";
        /// Registration quota ("scale control"): the county registers this many times its
        /// estimated poor households, passed down to villages by `quota_rule`; each village
        /// registers its quota, poorest-appraised first (0 = no quota: the line decides).
        quota: f64 = 0.0, num(0.0, 10.0), "× estimated poor households";
        /// How the quota is passed down: `estimate` (estimated poor households) or `population`.
        quota_rule: QuotaRule = QuotaRule::Estimate, choice(QuotaRule::NAMES), "";
        /// `estimate`: standard deviation of the log error of a village's estimated poor households.
        quota_noise: f64 = 0.5, num(0.0, 5.0), "sd of log count";
        /// Capture of the village appraisal: a connected household's assessed income is
        /// divided by e^capture before it is compared or ranked (0 = none).
        capture: f64 = 0.0, num(0.0, 5.0), "log points";
        /// Paper exits: the share of last year's register that must be recorded as exited each
        /// year (dated); households the re-assessment does not remove are exited on paper,
        /// nearest the line first, and stay off the register (none = no exit target).
        exit_target: Option<Dated> = None, dated(0.0, 1.0), "share of the register a year"
            [serde(skip_serializing_if = "Option::is_none")];
    }
}

impl ModuleConfig for Targeting {
    fn common(&self) -> Common {
        self.frame()
    }
    fn rules(&self, p: &str, _: &ScenarioFile, c: &Checker) -> Result<()> {
        let total: f64 = self.md_weights.iter().sum();
        if (total - 1.0).abs() > 1e-6 {
            return Err(c.o.error(
                &format!("{p}.md_weights"),
                format!("expected weights that add up to 1, got {total}"),
            ));
        }
        Ok(())
    }
}

words! {
    /// The list a module reaches.
    pub enum List {
        /// The poor register (targeting: identification, quota, appraisal, exits).
        Register = "register",
        /// The dibao list (the guarantee's own means test).
        Dibao = "dibao",
    }
}

module_config! {
    /// Minimum living guarantee (dibao): tops households up to a guarantee line.
    Transfers, eligible = Eligible::Registered, {
        /// Guarantee line, yuan per person-year (unless `guarantee_line_share` sets it).
        guarantee_line: Dated = Dated::schedule(&[(2008, 900.0)], 0.15), dated(0.0, 1e7), "yuan per person-year";
        /// The guarantee line as a share of the poverty line (dated): the rule of the
        /// published standards; when given, it replaces `guarantee_line`.
        guarantee_line_share: Option<Dated> = None, dated(0.0, 10.0), "× poverty line"
            [serde(skip_serializing_if = "Option::is_none")];
        /// "Rely and wait": share of a recipient's own local labour income given up (0 = none).
        work_disincentive: f64 = 0.0, prob(), "share";
        /// Administrative cost per recipient household, yuan.
        admin_cost: f64 = 20.0, num(0.0, 1e6), "yuan per household";
        /// Leakage: share of a payment lost on its way (diverted, "favour" payments) in a village
        /// whose cadre quality is 0; the loss falls linearly to 0 at quality 1. 0 = none.
        leakage: f64 = 0.0, prob(), "share";
        /// Which list the guarantee reaches: the poor `register` (targeting's) or its own
        /// `dibao` list (a yearly means test against the guarantee line).
        list: List = List::Register, choice(List::NAMES), "";
        /// `dibao`: standard deviation of the log error of the dibao means test.
        dibao_error: f64 = 0.5, num(0.0, 5.0), "sd of log income";
        /// `dibao`: capture of the dibao appraisal: a connected household's assessed income is
        /// divided by e^dibao_capture (0 = none).
        dibao_capture: f64 = 0.0, num(0.0, 5.0), "log points";
    }
}

impl Transfers {
    /// The guarantee line in `year`, where the poverty line is `line`:
    /// `guarantee_line_share × line` when the share is given, else `guarantee_line`.
    pub fn guarantee(&self, year: i32, line: f64) -> f64 {
        match &self.guarantee_line_share {
            Some(s) => s.at(year) * line,
            None => self.guarantee_line.at(year),
        }
    }
}

impl ModuleConfig for Transfers {
    fn common(&self) -> Common {
        self.frame()
    }
    fn rules(&self, p: &str, _: &ScenarioFile, c: &Checker) -> Result<()> {
        if self.eligible == Eligible::All && self.budget.is_none() && self.budget_share.is_none() {
            return Err(c.o.error(&format!("{p}.eligible"), "expected a budget (or budget_share) when eligible = \"all\": the budget is what gets spread"));
        }
        Ok(())
    }
}

words! {
    /// Which villages a village-level module (infrastructure, publicity, cadres)
    /// serves first when its budget cannot reach them all.
    pub enum Priority {
        /// Highest headcount ratio (poor people / people) first.
        PoorestFirst = "poorest_first",
        /// Most poor people first.
        MostPoorFirst = "most_poor_first",
        /// Largest expected gain per yuan first.
        BestGainPerYuan = "best_gain_per_yuan",
    }
}

words! {
    /// An infrastructure project type.
    pub enum Project {
        /// Paved village roads (km): raise road access, lower remoteness.
        Roads = "roads",
        /// Drinking-water works (dry pools, dry wells): raise safe-water coverage.
        Water = "water",
        /// Farmland irrigation (mu): raise the irrigated share of land.
        Irrigation = "irrigation",
        /// A village clinic (health centre).
        Clinics = "clinics",
    }
}

module_config! {
    /// Infrastructure: roads, drinking water, irrigation and clinics, village by village.
    Infrastructure, eligible = Eligible::Registered, {
        /// Which villages go first (`eligible = "registered"`): `poorest_first`, `most_poor_first`, `best_gain_per_yuan`.
        priority: Priority = Priority::PoorestFirst, choice(Priority::NAMES), "";
        /// Project types built (within a village, in this order).
        projects: Vec<Project> = vec![Project::Roads, Project::Water, Project::Irrigation, Project::Clinics],
            list(&choice(Project::NAMES)), "";
        /// Cost of one km of paved village road, yuan.
        road_cost_per_km: f64 = 400_000.0, num(1.0, 1e9), "yuan per km";
        /// Km of road that take a village from no road access (0) to a paved all-weather road (1).
        road_km_per_village: f64 = 3.0, num(0.01, 1000.0), "km";
        /// Fall in remoteness when a village's road goes from 0 to 1 (a shorter trip to market).
        road_remoteness_cut: f64 = 0.2, prob(), "index";
        /// Cost of one drinking-water work (a dry pool or a dry well), yuan.
        water_cost_per_unit: f64 = 140_000.0, num(1.0, 1e9), "yuan";
        /// People one drinking-water work supplies.
        water_people_per_unit: f64 = 284.0, num(1.0, 1e7), "people";
        /// Cost of bringing one mu of farmland under irrigation, yuan.
        irrigation_cost_per_mu: f64 = 1_500.0, num(1.0, 1e7), "yuan per mu";
        /// Highest share of a village's land that irrigation can reach.
        irrigation_max: f64 = 0.8, prob(), "share";
        /// Cost of one village clinic (building and equipment), yuan.
        clinic_cost: f64 = 120_000.0, num(1.0, 1e9), "yuan";
    }
}

impl ModuleConfig for Infrastructure {
    fn common(&self) -> Common {
        self.frame()
    }
    fn rules(&self, p: &str, _: &ScenarioFile, c: &Checker) -> Result<()> {
        if self.enabled && self.budget.is_none() && self.budget_share.is_none() {
            return Err(c.o.error(
                p,
                "expected a `budget` (or `budget_share`): projects are built as far as the budget goes",
            ));
        }
        if self.projects.is_empty() {
            return Err(c.o.error(
                &format!("{p}.projects"),
                "expected at least one of \"roads\", \"water\", \"irrigation\", \"clinics\"",
            ));
        }
        for (k, x) in self.projects.iter().enumerate() {
            if self.projects[..k].contains(x) {
                return Err(c.o.error(
                    &format!("{p}.projects"),
                    format!("expected each project once, got {x:?} twice"),
                ));
            }
        }
        Ok(())
    }
}

module_config! {
    /// Publicity: cadres explain the policies in a village, so awareness and take-up rise.
    Publicity, eligible = Eligible::Registered, {
        /// Which villages go first when the budget is short.
        priority: Priority = Priority::PoorestFirst, choice(Priority::NAMES), "";
        /// Fixed cost of a year's publicity in one village (meetings, notice boards), yuan.
        cost_per_village: f64 = 5_000.0, num(0.0, 1e9), "yuan a year";
        /// Cost per household reached (a visit, leaflets), yuan.
        cost_per_household: f64 = 20.0, num(0.0, 1e7), "yuan";
        /// Share of a reached household's remaining unawareness (1 − awareness) removed per year.
        awareness_gain: f64 = 0.3, prob(), "share a year";
    }
}

impl ModuleConfig for Publicity {
    fn common(&self) -> Common {
        self.frame()
    }
}

module_config! {
    /// Cadre training: raises village cadre quality (fewer targeting errors, less leakage).
    Cadres, eligible = Eligible::Registered, {
        /// Which villages go first when the budget is short.
        priority: Priority = Priority::PoorestFirst, choice(Priority::NAMES), "";
        /// Cadres per village who assess households and pay out help.
        cadres_per_village: i64 = 5, whole(1, 1000), "cadres";
        /// Cost of training one cadre for a year, yuan.
        cost_per_cadre: f64 = 2_000.0, num(1.0, 1e7), "yuan";
        /// Share of the gap to full quality (1 − quality) closed when all of a village's cadres are trained.
        quality_gain: f64 = 0.2, prob(), "share";
    }
}

impl ModuleConfig for Cadres {
    fn common(&self) -> Common {
        self.frame()
    }
}

module_config! {
    /// Education: school rebuilding, student subsidies, vocational training, remote teaching.
    Education, eligible = Eligible::Registered, {
        /// Share of the budget for rebuilding schools (0 = off).
        schools_share: f64 = 0.4, prob(), "share";
        /// Cost of rebuilding one school, yuan.
        school_cost: f64 = 2_000_000.0, num(0.0, 1e10), "yuan";
        /// Villages one school serves (L County: 631 villages, 98 schools).
        villages_per_school: f64 = 6.44, num(0.01, 1e4), "villages";
        /// Most schools rebuilt in a year (L County: 86 in 2010–2017, about 11 a year).
        schools_per_year: i64 = 11, whole(0, 1_000_000), "schools a year";
        /// School quality (0 to 1) of a rebuilt school.
        rebuilt_quality: f64 = 0.8, prob(), "index";
        /// Share of the budget for student subsidies (0 = off).
        subsidy_share: f64 = 0.2, prob(), "share";
        /// Subsidy per student and year, yuan.
        subsidy_per_student: f64 = 1_000.0, num(0.0, 1e6), "yuan a year";
        /// Enrolment gain of a child whose household receives the full subsidy.
        subsidy_enrolment: f64 = 0.15, prob(), "share";
        /// Share of the budget for vocational training of adults (0 = off).
        training_share: f64 = 0.3, prob(), "share";
        /// Cost of training one adult, yuan.
        training_cost: f64 = 1_500.0, num(0.0, 1e7), "yuan per trainee";
        /// Most adults trained in a year.
        training_capacity: i64 = 3_000, whole(0, 1_000_000_000), "trainees a year";
        /// Share of the gap to full skill (1 − skill) closed by training.
        training_gain: f64 = 0.3, prob(), "share";
        /// Share of the budget for remote (network) teaching (0 = off).
        remote_share: f64 = 0.1, prob(), "share";
        /// Villages with remoteness above this get remote teaching.
        remote_threshold: f64 = 0.6, prob(), "index";
        /// Cost of setting up remote teaching in one village, yuan (once).
        remote_cost: f64 = 100_000.0, num(0.0, 1e10), "yuan per village";
        /// Gain in the village's school quality from remote teaching.
        remote_gain: f64 = 0.1, prob(), "index";
    }
}

impl ModuleConfig for Education {
    fn common(&self) -> Common {
        self.frame()
    }
    fn rules(&self, p: &str, _: &ScenarioFile, c: &Checker) -> Result<()> {
        let total =
            self.schools_share + self.subsidy_share + self.training_share + self.remote_share;
        if total > 1.0 + 1e-9 {
            return Err(c.o.error(
                &format!("{p}.schools_share"),
                format!("expected schools_share + subsidy_share + training_share + remote_share to add up to at most 1, got {total}"),
            ));
        }
        Ok(())
    }
}

module_config! {
    /// Tourism: village tourism companies in which the poor hold shares, work and train.
    Tourism, eligible = Eligible::Registered, {
        /// Villages with tourism potential at least this are developed.
        potential_threshold: f64 = 0.35, prob(), "index";
        /// Investment per village and year, yuan.
        investment: f64 = 1_000_000.0, num(0.0, 1e10), "yuan per village-year";
        /// Investment that takes a village from no capacity (0) to full capacity (1), yuan.
        capacity_cost: f64 = 5_000_000.0, num(1.0, 1e11), "yuan";
        /// Most of the budget spent on building capacity; the rest goes to shares and training.
        investment_share: f64 = 0.7, prob(), "share";
        /// Company shares given to a participating household, yuan (once).
        share_grant: f64 = 5_000.0, num(0.0, 1e7), "yuan";
        /// Yearly dividend per yuan of shares at full activity (capacity × potential × road = 1).
        dividend_rate: f64 = 0.2, num(0.0, 1.0), "rate a year";
        /// Chance that a skilled local adult without another local job finds tourism work, at full activity.
        job_rate: f64 = 1.0, prob(), "probability";
        /// A (seasonal) tourism job's pay as a share of the local wage.
        wage_share: f64 = 0.6, num(0.0, 5.0), "× local wage";
        /// Skill needed for tourism service work (human-capital threshold).
        skill_threshold: f64 = 0.3, prob(), "index";
        /// Cost of service training for one adult, yuan.
        training_cost: f64 = 1_000.0, num(0.0, 1e7), "yuan per trainee";
        /// Share of the gap to full skill (1 − skill) closed by service training.
        training_gain: f64 = 0.3, prob(), "share";
        /// Weight of road access in visitors: a = capacity × potential × (1 − w + w × road).
        road_weight: f64 = 0.7, prob(), "weight";
    }
}

impl ModuleConfig for Tourism {
    fn common(&self) -> Common {
        self.frame()
    }
}

module_config! {
    /// Relocation: households in remote villages may move to a resettlement site.
    Relocation, eligible = Eligible::Registered, {
        /// Households in villages with remoteness above this are offered the move.
        remoteness_threshold: f64 = 0.7, prob(), "index";
        /// Cost of moving one person (housing and site), yuan.
        cost_per_person: f64 = 62_500.0, num(0.0, 1e8), "yuan";
        /// Share of the cost paid by the budget for registered households (the rest becomes their debt).
        subsidy: f64 = 1.0, prob(), "share";
        /// Share of the cost paid by the budget for households not on the register (`eligible = "all"`).
        subsidy_other: f64 = 0.5, prob(), "share";
        /// Most households moved in a year.
        max_households: i64 = 1_000, whole(0, 1_000_000_000), "households a year";
        /// Share of farm income lost by a moved household (land left behind).
        farm_loss: f64 = 0.8, prob(), "share";
        /// Market access (for local wage jobs) at the resettlement site, 0 to 1.
        site_access: f64 = 0.8, prob(), "index";
    }
}

impl ModuleConfig for Relocation {
    fn common(&self) -> Common {
        self.frame()
    }
}

module_config! {
    /// Microfinance: poverty-alleviation microcredit with interest discounts and a guarantee fund.
    Microfinance, eligible = Eligible::Registered, {
        /// Largest loan, yuan.
        max_loan: f64 = 50_000.0, num(0.0, 1e8), "yuan";
        /// Term of a loan, years (repaid in equal instalments of principal).
        term: i64 = 3, whole(1, 30), "years";
        /// Interest rate a year (the benchmark rate).
        interest_rate: f64 = 0.0475, num(0.0, 1.0), "rate a year";
        /// Share of the interest paid by the budget (the interest discount) on qualifying loans.
        interest_subsidy: f64 = 1.0, prob(), "share";
        /// The discount covers interest on at most this much principal, yuan.
        discount_max_loan: f64 = 50_000.0, num(0.0, 1e8), "yuan";
        /// Loans qualify for the discount only if their term is at most this many years.
        discount_max_term: i64 = 3, whole(0, 100), "years";
        /// A loan is at most this multiple of the household's yearly income (repayment capacity).
        income_multiple: f64 = 2.0, num(0.0, 100.0), "× yearly income";
        /// Smallest credit rating (0 to 1) that gets a loan.
        min_credit: f64 = 0.4, prob(), "index";
        /// Chance that a household short of cash for an instalment defaults (otherwise it borrows informally).
        default_when_short: f64 = 0.5, prob(), "probability";
        /// Share of the gap to a perfect rating gained by repaying an instalment from own cash.
        credit_gain: f64 = 0.1, prob(), "share";
        /// Share of the credit rating lost in a default.
        credit_penalty: f64 = 0.5, prob(), "share";
        /// Share of defaulted principal paid by the guarantee fund (charged to the budget).
        guarantee_share: f64 = 1.0, prob(), "share";
        /// Banks lend up to this multiple of the year's budget in all (outstanding principal).
        leverage: f64 = 10.0, num(0.0, 1e4), "× budget";
        /// Learning period: years a loan-financed investment earns only `learning_share`
        /// of the household's return (0 = none: it earns the full return at once).
        learning_years: i64 = 0, whole(0, 30), "years";
        /// Share of the household's return a loan-financed investment earns while learning.
        learning_share: f64 = 0.5, prob(), "share";
        /// "Household loans, enterprise use": new loans are pooled into a cooperative or
        /// enterprise that services them and pays the household a fixed dividend.
        pooled: bool = false, flag(), "";
        /// Last year new loans may be pooled (later restricted); later loans go to the household's own use.
        pool_end_year: Option<i64> = None, whole(1900, 2200), "year"
            [serde(skip_serializing_if = "Option::is_none")];
        /// Dividend a pooled loan pays the household a year, per yuan of principal.
        pool_dividend: f64 = 0.06, num(0.0, 1.0), "rate a year";
        /// Annual chance that the enterprise holding a pooled loan fails (the loan defaults).
        pool_failure: f64 = 0.0, prob(), "probability a year";
        /// Reschedulings before default: a borrower short of an instalment pays the interest,
        /// and the principal's instalment moves one year later, up to this many times (0 = none).
        reschedule: i64 = 0, whole(0, 10), "times per loan";
    }
}

impl ModuleConfig for Microfinance {
    fn common(&self) -> Common {
        self.frame()
    }
}

module_config! {
    /// Health poverty alleviation: registered households' out-of-pocket medical costs
    /// capped and their insurance premiums subsidised.
    Health, eligible = Eligible::Registered, {
        /// Largest share of its gross medical bill a registered household pays out of pocket.
        oop_share: f64 = 0.1, prob(), "share of the bill";
        /// Insurance premium paid for each member of a registered household, yuan a year.
        premium_subsidy: f64 = 150.0, num(0.0, 1e6), "yuan per person-year";
    }
}

impl ModuleConfig for Health {
    fn common(&self) -> Common {
        self.frame()
    }
}

module_config! {
    /// Public-welfare jobs: village posts (cleaners, forest rangers, road keepers) paid to the registered poor.
    WelfareJobs, eligible = Eligible::Registered, {
        /// Posts per village.
        posts_per_village: i64 = 10, whole(0, 100_000), "posts";
        /// Pay of a post, yuan a year.
        wage: f64 = 5_000.0, num(0.0, 1e7), "yuan a year";
    }
}

impl ModuleConfig for WelfareJobs {
    fn common(&self) -> Common {
        self.frame()
    }
}

module_config! {
    /// Organised labour export: placements in migrant jobs for adults of registered households.
    LabourExport, eligible = Eligible::Registered, {
        /// Chance a registered household with an adult at home is offered a placement, a year.
        offer_rate: f64 = 0.1, prob(), "probability a year";
        /// Cost of a placement (transport, training, employer subsidy), yuan.
        cost_per_placement: f64 = 1_500.0, num(0.0, 1e7), "yuan";
        /// Pay of a placed job as a share of the migrant wage.
        wage_share: f64 = 0.8, num(0.0, 5.0), "× migrant wage";
    }
}

impl ModuleConfig for LabourExport {
    fn common(&self) -> Common {
        self.frame()
    }
}
