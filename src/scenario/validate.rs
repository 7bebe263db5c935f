//! Range checks: a [`ScenarioFile`] becomes a [`Scenario`] only if every value
//! is in range. The first problem found is reported as one line.

use super::dated::Dated;
use super::load::{Origin, Origins};
use super::population::Start;
use super::raw::{Dist, DistKind, ScenarioFile, SweepTable};
use crate::error::Result;
use crate::experiment::sweep::{self as sweeping, Axis, MAX_POINTS};
use crate::interventions::config::ModuleConfig;

/// Largest population povsim accepts (households); beyond it, memory is the limit.
pub const MAX_HOUSEHOLDS: i64 = 50_000_000;

/// A scenario whose every value has been checked.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The effective scenario (after `extends` and `--set`).
    pub file: ScenarioFile,
    pub origins: Origins,
    pub name: String,
    pub start_year: i32,
    pub years: u32,
    pub seed: u64,
    pub replicates: u32,
    pub villages: u32,
    /// The file's `[sweep]` table, checked (for `povsim sweep`).
    pub sweep: Option<SweepPlan>,
    /// Where the households come from (`[population]`).
    pub start: super::population::Start,
    /// First year of the history: when the population was drawn or observed
    /// (a saved state's own origin when continuing one).
    pub origin_year: i32,
    /// First year in which the modules may act: the start year, or the year
    /// after a survey's (the survey year is observed, its help already in the
    /// incomes); a saved state's own when continuing one.
    pub first_policy_year: i32,
    /// The file's `[calibration]` table, its shape checked (for `povsim calibrate`).
    pub calibration: Option<super::calibration::CalibrationPlan>,
}

/// A checked `[sweep]` table.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPlan {
    pub design: SweepDesign,
    /// A Latin-hypercube sample of this many points from the axes.
    pub lhs: Option<usize>,
    /// Replicates of every point (else the scenario's).
    pub replicates: Option<u32>,
}

/// What a `[sweep]` table varies.
#[derive(Clone, Debug, PartialEq)]
pub enum SweepDesign {
    /// Neither `vary` nor `points` (only `replicates`: `--vary` must say what to vary).
    Nothing,
    /// `vary`: the axes in the order written (the grid's first key slowest).
    Axes(Vec<Axis>),
    /// `points`: the keys (in the order of the first point) and every point's values.
    Points {
        keys: Vec<String>,
        points: Vec<Vec<String>>,
    },
}

impl Scenario {
    pub fn end_year(&self) -> i32 {
        self.start_year + self.years as i32 - 1
    }

    /// The effective scenario as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string(&self.file).unwrap_or_default()
    }

    /// Number of households: a saved state's or a survey's, or given, or the
    /// population divided by the expected household size.
    pub fn households(&self) -> u64 {
        use super::population::Start;
        match &self.start {
            Start::Saved(s) => return s.manifest.households,
            Start::Survey(s) => return s.households(),
            Start::Drawn => {}
        }
        let s = &self.file.simulation;
        match (s.households, s.population) {
            (Some(h), _) => h as u64,
            (None, Some(p)) => {
                let size = expected_size(&self.file);
                ((p as f64 / size).round() as u64).max(1)
            }
            (None, None) => 0,
        }
    }

    pub fn validate(file: ScenarioFile, origins: Origins) -> Result<Scenario> {
        let c = Checker { o: &origins };
        let s = &file.simulation;
        if s.name.trim().is_empty()
            || s.name.len() > 80
            || !s
                .name
                .chars()
                .all(|ch| ch.is_alphanumeric() || "_-.".contains(ch))
            || s.name.starts_with('.')
        {
            return Err(c.o.error("simulation.name", format!("expected a name of letters, digits, '_', '-' or '.' (not starting with '.'), at most 80 characters, got \"{}\"", s.name)));
        }
        c.int("simulation.start_year", s.start_year, 1900, 2200)?;
        c.int("simulation.years", s.years, 1, 200)?;
        c.int("simulation.replicates", s.replicates, 1, 100_000)?;
        c.int("simulation.villages", s.villages, 1, 1_000_000)?;
        match (s.households, s.population) {
            (Some(_), Some(_)) => {
                return Err(c.o.error(
                    "simulation.population",
                    "expected either `households` or `population`, got both",
                ));
            }
            // A saved state brings its own households.
            (None, None) if file.population.as_ref().is_some_and(|p| p.from.is_some()) => {}
            (None, None) => {
                return Err(c.o.error(
                    "simulation",
                    "expected `households` or `population`, got neither",
                ));
            }
            (Some(h), None) => c.int("simulation.households", h, 1, MAX_HOUSEHOLDS)?,
            (None, Some(p)) => c.int("simulation.population", p, 1, MAX_HOUSEHOLDS * 4)?,
        }

        let pl = &file.poverty_lines;
        c.dated_positive("poverty_lines.low_income", &pl.low_income)?;
        c.dated_positive("poverty_lines.extreme", &pl.extreme)?;
        extreme_below_poverty_line(&c, s.start_year as i32, s.years as i32, pl)?;
        c.range(
            "poverty_lines.near_poor_factor",
            pl.near_poor_factor,
            1.0,
            10.0,
        )?;

        let v = &file.villages;
        c.unit_dist("villages.remoteness", &v.remoteness)?;
        c.unit_dist("villages.road", &v.road)?;
        c.unit_dist("villages.water", &v.water)?;
        c.unit_dist("villages.irrigation", &v.irrigation)?;
        c.unit_dist("villages.school_quality", &v.school_quality)?;
        c.unit_dist("villages.clinic", &v.clinic)?;
        c.unit_dist("villages.tourism_potential", &v.tourism_potential)?;
        c.dist("villages.land_per_person", &v.land_per_person, 0.0, 100.0)?;
        c.unit_dist("villages.drought_risk", &v.drought_risk)?;
        c.unit_dist("villages.cadre_quality", &v.cadre_quality)?;

        let h = &file.households;
        c.dist("households.adults", &h.adults, 0.0, 20.0)?;
        c.dist("households.children", &h.children, 0.0, 20.0)?;
        c.dist("households.elderly", &h.elderly, 0.0, 20.0)?;
        c.dist("households.schooling", &h.schooling, 0.0, 25.0)?;
        c.unit_dist("households.skill", &h.skill)?;
        c.unit_dist("households.health", &h.health)?;
        c.dist("households.land_factor", &h.land_factor, 0.0, 100.0)?;
        c.dist("households.assets", &h.assets, 0.0, 1e9)?;
        c.dist("households.savings", &h.savings, 0.0, 1e9)?;
        c.dist("households.debt", &h.debt, 0.0, 1e9)?;
        c.unit_dist("households.awareness", &h.awareness)?;
        c.unit_dist("households.motivation", &h.motivation)?;
        c.dist("households.ability", &h.ability, 0.0, 100.0)?;
        c.range(
            "households.remoteness_penalty",
            h.remoteness_penalty,
            0.0,
            16.0,
        )?;

        let i = &file.income;
        c.dated_range("income.farm_return_per_mu", &i.farm_return_per_mu, 0.0, 1e6)?;
        c.range("income.farm_labour_per_mu", i.farm_labour_per_mu, 0.0, 10.0)?;
        c.range("income.irrigation_gain", i.irrigation_gain, 0.0, 10.0)?;
        c.range("income.market_access_gain", i.market_access_gain, 0.0, 10.0)?;
        c.dated_range("income.local_wage", &i.local_wage, 0.0, 1e7)?;
        c.dated_range("income.local_job_rate", &i.local_job_rate, 0.0, 1.0)?;
        c.dated_range("income.migrant_wage", &i.migrant_wage, 0.0, 1e7)?;
        c.dated_range(
            "income.migration_propensity",
            &i.migration_propensity,
            0.0,
            1.0,
        )?;
        c.range(
            "income.migration_schooling",
            i.migration_schooling,
            0.0,
            1.0,
        )?;
        c.range(
            "income.return_schooling_low",
            i.return_schooling_low,
            0.0,
            1.0,
        )?;
        c.range(
            "income.return_schooling_high",
            i.return_schooling_high,
            0.0,
            1.0,
        )?;
        c.range("income.skill_premium", i.skill_premium, 0.0, 10.0)?;
        c.range("income.trap_threshold", i.trap_threshold, 0.0, 1e9)?;
        c.range("income.return_low", i.return_low, -1.0, 10.0)?;
        c.range("income.return_high", i.return_high, -1.0, 10.0)?;
        c.range("income.return_sd", i.return_sd, 0.0, 10.0)?;
        c.dated_range("income.pension", &i.pension, 0.0, 1e7)?;

        let sh = &file.shocks;
        c.prob("shocks.illness", sh.illness)?;
        c.prob("shocks.illness_chronic", sh.illness_chronic)?;
        c.prob("shocks.illness_lost_work", sh.illness_lost_work)?;
        c.dated_range("shocks.medical_cost", &sh.medical_cost, 0.0, 1e8)?;
        c.dated_range("shocks.insurance_share", &sh.insurance_share, 0.0, 1.0)?;
        c.prob("shocks.illness_health_loss", sh.illness_health_loss)?;
        c.prob("shocks.health_recovery", sh.health_recovery)?;
        c.prob("shocks.crop_loss", sh.crop_loss)?;
        c.prob("shocks.crop_loss_severity", sh.crop_loss_severity)?;
        c.prob("shocks.job_loss", sh.job_loss)?;
        c.prob("shocks.drought_severity", sh.drought_severity)?;
        c.range("shocks.price_sd", sh.price_sd, 0.0, 2.0)?;

        let d = &file.demography;
        for (k, p) in [
            ("birth_rate", d.birth_rate),
            ("child_to_adult", d.child_to_adult),
            ("adult_to_elderly", d.adult_to_elderly),
            ("death_child", d.death_child),
            ("death_adult", d.death_adult),
            ("death_elderly", d.death_elderly),
            ("out_migration", d.out_migration),
            ("out_migration_schooling", d.out_migration_schooling),
            ("enrolment_base", d.enrolment_base),
        ] {
            c.prob(&format!("demography.{k}"), p)?;
        }
        c.range(
            "demography.child_schooling_max",
            d.child_schooling_max,
            0.0,
            25.0,
        )?;
        c.range("demography.enrolment_school", d.enrolment_school, 0.0, 10.0)?;
        c.range("demography.enrolment_income", d.enrolment_income, 0.0, 10.0)?;

        let b = &file.behaviour;
        c.range(
            "behaviour.subsistence_share",
            b.subsistence_share,
            0.0,
            10.0,
        )?;
        c.prob("behaviour.mpc", b.mpc)?;
        c.prob("behaviour.invest_share", b.invest_share)?;
        c.range("behaviour.buffer_years", b.buffer_years, 0.0, 100.0)?;
        c.prob("behaviour.depreciation", b.depreciation)?;
        c.prob("behaviour.fire_sale", b.fire_sale)?;
        c.range("behaviour.debt_interest", b.debt_interest, 0.0, 1.0)?;
        c.prob("behaviour.debt_repay_share", b.debt_repay_share)?;

        if let Some(budget) = &file.budget {
            c.dated_range("budget.total", &budget.total, 0.0, 1e13)?;
        }
        crate::interventions::validate(&file, &c)?;

        for (k, t) in file.targets.iter().enumerate() {
            let p = format!("targets[{k}]");
            // A target outside the simulated years is kept but not checked (a shortened run).
            c.int(&format!("{p}.year"), t.year, 1900, 2200)?;
            if !crate::recorder::TRAJECTORY_COLUMNS.contains(&t.measure.as_str()) {
                return Err(c.o.error(&format!("{p}.measure"), format!("expected a column of trajectory.csv (e.g. headcount_ratio, mean_income, poor), got \"{}\"", t.measure)));
            }
            c.finite(&format!("{p}.value"), t.value)?;
            for (k, tol) in [
                ("tolerance", t.tolerance),
                ("relative_tolerance", t.relative_tolerance),
            ] {
                if let Some(tol) = tol
                    && !(tol >= 0.0 && tol.is_finite())
                {
                    return Err(c.o.error(
                        &format!("{p}.{k}"),
                        format!("expected a finite number ≥ 0, got {tol}"),
                    ));
                }
            }
            if let Some(b) = &t.bound
                && b != "below"
                && b != "above"
            {
                return Err(c.o.error(
                    &format!("{p}.bound"),
                    format!("expected \"below\" or \"above\", got \"{b}\""),
                ));
            }
        }

        let sweep = match &file.sweep {
            Some(t) => Some(sweep_plan(t, &c)?),
            None => None,
        };
        let start = super::population::resolve(&file, &origins)?;
        let (mut start_year, mut years) = (s.start_year as i32, s.years as u32);
        let (mut origin_year, mut first_policy_year) = (start_year, start_year);
        let mut villages = s.villages as u32;
        match &start {
            Start::Drawn => {}
            Start::Survey(sv) => {
                villages = sv.village_ids.len() as u32;
                first_policy_year = start_year + 1;
            }
            Start::Saved(st) => {
                let m = &st.manifest;
                // The calendar goes on from the year after the state; the scenario's end stays.
                let end = start_year + years as i32 - 1;
                start_year = m.year + 1;
                if end < start_year {
                    return Err(c.o.error(
                        "simulation.years",
                        format!(
                            "expected the scenario to end after the saved state's year {}, got an end in {end}",
                            m.year
                        ),
                    ));
                }
                years = (end - start_year + 1) as u32;
                origin_year = m.origin_year;
                first_policy_year = m.first_policy_year;
                villages = m.villages as u32;
                if s.replicates as u32 > m.replicates {
                    return Err(c.o.error(
                        "simulation.replicates",
                        format!(
                            "expected at most the saved state's {} replicates, got {}",
                            m.replicates, s.replicates
                        ),
                    ));
                }
            }
        }
        let drawn = matches!(start, Start::Drawn);
        let calibration = match &file.calibration {
            Some(t) => Some(super::calibration::plan(t, &c)?),
            None => None,
        };
        let sc = Scenario {
            sweep,
            calibration,
            name: s.name.clone(),
            start_year,
            years,
            seed: s.seed.0,
            replicates: s.replicates as u32,
            villages,
            start,
            origin_year,
            first_policy_year,
            file,
            origins,
        };
        let hh = sc.households();
        if drawn && sc.file.simulation.households.is_none() && hh > MAX_HOUSEHOLDS as u64 {
            let size = expected_size(&sc.file);
            return Err(sc.origins.error(
                "simulation.population",
                format!("expected at most {MAX_HOUSEHOLDS} households (population / expected household size {size:.2}), got {hh}"),
            ));
        }
        if !drawn && hh > MAX_HOUSEHOLDS as u64 {
            return Err(sc.origins.error(
                "population",
                format!("expected at most {MAX_HOUSEHOLDS} households, got {hh}"),
            ));
        }
        if drawn && hh < sc.villages as u64 {
            return Err(sc.origins.error(
                "simulation.villages",
                format!(
                    "expected at most one village per household ({hh} households), got {}",
                    sc.villages
                ),
            ));
        }
        crate::limits::check_memory(&sc)?;
        Ok(sc)
    }
}

impl Scenario {
    /// Check the values of the `[sweep]` table the way a sweep will use them:
    /// the scenario is loaded with each value of an axis alone (only the two
    /// ends of a range of more than 64 values), and with each explicit point whole, with the
    /// file's checks. An error points at the value in the table. (A
    /// combination of grid values that fails only together is found when the
    /// sweep loads its points, before anything runs.)
    pub fn check_sweep(&self) -> Result<()> {
        let Some(plan) = &self.sweep else {
            return Ok(());
        };
        // The effective scenario without its [sweep] table (never serialized).
        let Ok(toml::Value::Table(base)) = toml::Value::try_from(&self.file) else {
            return Err(self
                .origins
                .error("sweep", "expected a scenario that can be written as TOML"));
        };
        let mut trials: Vec<Vec<(String, String, String)>> = Vec::new();
        match &plan.design {
            SweepDesign::Nothing => {}
            SweepDesign::Axes(axes) => {
                for a in axes {
                    let path = format!("sweep.vary.{}", a.key);
                    // A short range is checked value by value (a whole-number
                    // key with a fractional step fails inside it); a long one at
                    // its two ends (range checks are monotone).
                    let picks: Vec<(usize, &String)> = match a.range {
                        Some(_) if a.values.len() > 64 => {
                            let last = a.values.len() - 1;
                            let mut v = vec![(0, &a.values[0])];
                            if last > 0 {
                                v.push((last, &a.values[last]));
                            }
                            v
                        }
                        _ => a.values.iter().enumerate().collect(),
                    };
                    for (i, v) in picks {
                        let at = if a.range.is_some() {
                            path.clone()
                        } else {
                            format!("{path}[{i}]")
                        };
                        trials.push(vec![(a.key.clone(), v.clone(), at)]);
                    }
                }
            }
            SweepDesign::Points { keys, points } => {
                for (i, p) in points.iter().enumerate() {
                    trials.push(
                        keys.iter()
                            .zip(p)
                            .map(|(k, v)| (k.clone(), v.clone(), format!("sweep.points[{i}].{k}")))
                            .collect(),
                    );
                }
            }
        }
        for trial in trials {
            let mut table = base.clone();
            let mut origins = self.origins.clone();
            for (key, value, at) in &trial {
                let origin = self.origins.find(at).cloned().unwrap_or(Origin::File {
                    file: self.origins.file.clone(),
                    line: 1,
                    col: 1,
                });
                super::load::set_value(&mut table, &mut origins, key, value, &origin)
                    .map_err(|m| self.origins.error(at, format!("{key}: {m}")))?;
            }
            let raw = super::load::deserialize(table, &origins)?;
            Scenario::validate(raw, origins)?;
        }
        Ok(())
    }
}

/// Check the shape of a `[sweep]` table (its values are checked against the
/// scenario by [`Scenario::check_sweep`]).
fn sweep_plan(t: &SweepTable, c: &Checker) -> Result<SweepPlan> {
    let lhs = match t.lhs {
        Some(n) => {
            c.int("sweep.lhs", n, 1, MAX_POINTS as i64)?;
            Some(n as usize)
        }
        None => None,
    };
    let replicates = match t.replicates {
        Some(n) => {
            c.int("sweep.replicates", n, 1, 100_000)?;
            Some(n as u32)
        }
        None => None,
    };
    let o = c.o;
    // Keys in the order they are written (a TOML table forgets it).
    let place = |path: &str| match o.map.get(path) {
        Some(Origin::File { line, col, .. }) => (0, *line, *col),
        Some(Origin::Set(_)) => (1, 0, 0),
        None => (2, 0, 0),
    };
    let design = match (&t.vary, &t.points) {
        (Some(_), Some(_)) => {
            return Err(o.error(
                "sweep.points",
                "expected either `vary` (a grid, or with `lhs` a sample) or `points` (an explicit list), got both",
            ));
        }
        (None, None) => {
            if lhs.is_some() {
                return Err(o.error(
                    "sweep.lhs",
                    "expected `vary` with the ranges or lists to sample from, got none",
                ));
            }
            SweepDesign::Nothing
        }
        (Some(vary), None) => {
            let mut leaves = Vec::new();
            flatten("sweep.vary", "", vary, &mut leaves, c)?;
            if leaves.is_empty() {
                return Err(o.error(
                    "sweep.vary",
                    "expected at least one \"KEY\" = \"START:STOP:STEP\" or \"KEY\" = [V1, V2, ...], got an empty table",
                ));
            }
            leaves.sort_by_key(|(k, _)| place(&format!("sweep.vary.{k}")));
            let mut axes = Vec::new();
            for (key, v) in leaves {
                let path = format!("sweep.vary.{key}");
                sweeping::check_key(&key).map_err(|m| o.error(&path, m))?;
                let axis = match v {
                    toml::Value::String(s) if s.contains(':') => sweeping::parse_range(&key, s),
                    toml::Value::Array(a) => {
                        let mut values = Vec::new();
                        for (i, x) in a.iter().enumerate() {
                            values
                                .push(scalar(x).map_err(|m| o.error(&format!("{path}[{i}]"), m))?);
                        }
                        sweeping::list_axis(&key, values)
                    }
                    other => Err(format!(
                        "expected \"START:STOP:STEP\" (a string) or an array of values, got {}",
                        super::load::describe(other)
                    )),
                }
                .map_err(|m| o.error(&path, m))?;
                axes.push(axis);
            }
            if lhs.is_none()
                && axes
                    .iter()
                    .try_fold(1usize, |n, a| n.checked_mul(a.values.len()))
                    .is_none_or(|n| n > MAX_POINTS)
            {
                return Err(o.error(
                    "sweep.vary",
                    format!(
                        "expected a grid of at most {MAX_POINTS} points (set lhs = N for a sample), got more"
                    ),
                ));
            }
            SweepDesign::Axes(axes)
        }
        (None, Some(pts)) => {
            if lhs.is_some() {
                return Err(o.error(
                    "sweep.lhs",
                    "expected no `lhs` with explicit `points` (lhs samples the ranges of `vary`)",
                ));
            }
            if pts.is_empty() || pts.len() > MAX_POINTS {
                return Err(o.error(
                    "sweep.points",
                    format!(
                        "expected from 1 to {MAX_POINTS} points {{ \"KEY\" = VALUE, ... }}, got {}",
                        pts.len()
                    ),
                ));
            }
            let mut keys: Vec<String> = Vec::new();
            let mut points = Vec::with_capacity(pts.len());
            for (i, p) in pts.iter().enumerate() {
                let at = format!("sweep.points[{i}]");
                let mut leaves = Vec::new();
                flatten(&at, "", p, &mut leaves, c)?;
                if i == 0 {
                    if leaves.is_empty() {
                        return Err(o.error(
                            &at,
                            "expected a point { \"KEY\" = VALUE, ... }, got an empty table",
                        ));
                    }
                    leaves.sort_by_key(|(k, _)| place(&format!("{at}.{k}")));
                    keys = leaves.iter().map(|(k, _)| k.clone()).collect();
                    for k in &keys {
                        sweeping::check_key(k).map_err(|m| o.error(&format!("{at}.{k}"), m))?;
                    }
                }
                let mut values = Vec::with_capacity(keys.len());
                for k in &keys {
                    let Some((_, v)) = leaves.iter().find(|(l, _)| l == k) else {
                        return Err(o.error(
                            &at,
                            format!(
                                "expected the keys of the first point ({}), got no {k}",
                                keys.join(", ")
                            ),
                        ));
                    };
                    let path = format!("{at}.{k}");
                    let v = scalar(v).map_err(|m| o.error(&path, m))?;
                    sweeping::list_axis(k, vec![v.clone()]).map_err(|m| o.error(&path, m))?;
                    values.push(v);
                }
                if let Some((extra, _)) = leaves.iter().find(|(l, _)| !keys.contains(l)) {
                    return Err(o.error(
                        &format!("{at}.{extra}"),
                        format!(
                            "expected only the keys of the first point ({}), got {extra}",
                            keys.join(", ")
                        ),
                    ));
                }
                points.push(values);
            }
            SweepDesign::Points { keys, points }
        }
    };
    Ok(SweepPlan {
        design,
        lhs,
        replicates,
    })
}

/// The leaves of a `[sweep]` table as dotted keys: `"a.b" = x` and
/// `a = { b = x }` are the same key (given twice, an error).
fn flatten<'t>(
    at: &str,
    prefix: &str,
    t: &'t toml::Table,
    out: &mut Vec<(String, &'t toml::Value)>,
    c: &Checker,
) -> Result<()> {
    for (k, v) in t {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(inner) => flatten(at, &key, inner, out, c)?,
            _ => {
                if out.iter().any(|(o, _)| *o == key) {
                    return Err(c.o.error(
                        &format!("{at}.{key}"),
                        format!("expected each key once, got {key} twice"),
                    ));
                }
                out.push((key, v));
            }
        }
    }
    Ok(())
}

/// A value of a sweep as `--set` and sweep.csv write it.
fn scalar(v: &toml::Value) -> std::result::Result<String, String> {
    match v {
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Float(f) if !f.is_finite() => {
            Err(format!("expected a finite number, got {f}"))
        }
        // Shortest form that reads back the same; large values in exponent
        // form so they stay numbers (a whole number past i64 would not).
        toml::Value::Float(f) if f.abs() >= 1e15 => Ok(format!("{f:e}")),
        toml::Value::Float(f) => Ok(format!("{f}")),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        toml::Value::String(s) => Ok(s.clone()),
        other => Err(format!(
            "expected a number, true or false, or a string, got {}",
            super::load::describe(other)
        )),
    }
}

/// Expected household size under the household distributions.
pub fn expected_size(f: &ScenarioFile) -> f64 {
    let h = &f.households;
    (dist_mean(&h.adults) + dist_mean(&h.children) + dist_mean(&h.elderly)).max(1.0)
}

fn dist_mean(d: &Dist) -> f64 {
    match d.dist {
        DistKind::Constant => d.value.unwrap_or(0.0),
        DistKind::Uniform => (d.min.unwrap_or(0.0) + d.max.unwrap_or(0.0)) / 2.0,
        DistKind::Normal | DistKind::Beta | DistKind::Poisson => {
            d.mean.unwrap_or(0.0).max(d.min.unwrap_or(0.0))
        }
        DistKind::Lognormal => {
            d.median.unwrap_or(0.0) * (d.sigma.unwrap_or(0.0).powi(2) / 2.0).exp()
        }
    }
}

/// The extreme line is the lower of the two in every simulated year: the
/// extreme poor are a part of the poor (a rule across two keys).
fn extreme_below_poverty_line(
    c: &Checker,
    start: i32,
    years: i32,
    pl: &super::raw::PovertyLines,
) -> Result<()> {
    for year in start..start + years {
        let (line, extreme) = (pl.low_income.at(year), pl.extreme.at(year));
        if extreme > line {
            return Err(c.o.error(
                "poverty_lines.extreme",
                format!(
                    "expected an extreme line at or below the poverty line in every simulated year, got {extreme} above {line} in {year}"
                ),
            ));
        }
    }
    Ok(())
}

/// Range checks that name the key and its place.
pub struct Checker<'a> {
    pub o: &'a Origins,
}

impl Checker<'_> {
    pub fn int(&self, path: &str, v: i64, lo: i64, hi: i64) -> Result<()> {
        if v < lo || v > hi {
            return Err(self.o.error(
                path,
                format!("expected a whole number from {lo} to {hi}, got {v}"),
            ));
        }
        Ok(())
    }

    pub fn finite(&self, path: &str, v: f64) -> Result<()> {
        if !v.is_finite() {
            return Err(self
                .o
                .error(path, format!("expected a finite number, got {v}")));
        }
        Ok(())
    }

    pub fn range(&self, path: &str, v: f64, lo: f64, hi: f64) -> Result<()> {
        if !(v >= lo && v <= hi) {
            return Err(self.o.error(
                path,
                format!(
                    "expected a number from {} to {}, got {v}",
                    bound(lo),
                    bound(hi)
                ),
            ));
        }
        Ok(())
    }

    pub fn prob(&self, path: &str, v: f64) -> Result<()> {
        if !(0.0..=1.0).contains(&v) {
            return Err(self
                .o
                .error(path, format!("expected a probability from 0 to 1, got {v}")));
        }
        Ok(())
    }

    pub fn positive(&self, path: &str, v: f64) -> Result<()> {
        if !(v > 0.0 && v.is_finite()) {
            return Err(self
                .o
                .error(path, format!("expected a number greater than 0, got {v}")));
        }
        Ok(())
    }

    fn dated_points(&self, path: &str, d: &Dated) -> Result<Vec<(i32, f64)>> {
        let pts = d
            .points()
            .map_err(|m| self.o.error(&format!("{path}.values"), m))?;
        if let Dated::Schedule(s) = d {
            self.range(&format!("{path}.index"), s.index, -0.5, 1.0)?;
            for (y, _) in &pts {
                if !(1900..=2200).contains(y) {
                    return Err(self.o.error(
                        &format!("{path}.values"),
                        format!("expected years from 1900 to 2200, got {y}"),
                    ));
                }
            }
            // "2010" and "+2010" are different keys but the same year: which would win is arbitrary.
            if let Some(w) = pts.windows(2).find(|w| w[0].0 == w[1].0) {
                let keys: Vec<&str> = s
                    .values
                    .keys()
                    .filter(|k| k.trim().parse::<i32>() == Ok(w[0].0))
                    .map(String::as_str)
                    .collect();
                return Err(self.o.error(
                    &format!("{path}.values"),
                    format!(
                        "expected each year once, got {} {} times (as \"{}\")",
                        w[0].0,
                        keys.len(),
                        keys.join("\", \"")
                    ),
                ));
            }
        }
        Ok(pts)
    }

    pub fn dated_range(&self, path: &str, d: &Dated, lo: f64, hi: f64) -> Result<()> {
        for (y, v) in self.dated_points(path, d)? {
            let p = if y == i32::MIN {
                path.to_string()
            } else {
                format!("{path}.values.{y}")
            };
            self.range(&p, v, lo, hi)?;
        }
        Ok(())
    }

    pub fn dated_positive(&self, path: &str, d: &Dated) -> Result<()> {
        for (y, v) in self.dated_points(path, d)? {
            let p = if y == i32::MIN {
                path.to_string()
            } else {
                format!("{path}.values.{y}")
            };
            self.positive(&p, v)?;
        }
        Ok(())
    }

    /// A distribution whose draws are clamped to [lo, hi]; its parameters must suit its kind.
    pub fn dist(&self, path: &str, d: &Dist, lo: f64, hi: f64) -> Result<()> {
        let need = |name: &str, v: Option<f64>| -> Result<f64> {
            v.ok_or_else(|| {
                self.o.error(
                    path,
                    format!(
                        "expected `{name}` for dist = \"{}\", got none",
                        kind_name(d.dist)
                    ),
                )
            })
        };
        let fields = [
            ("value", d.value),
            ("mean", d.mean),
            ("sd", d.sd),
            ("median", d.median),
            ("sigma", d.sigma),
            ("min", d.min),
            ("max", d.max),
        ];
        for (name, v) in fields {
            if let Some(v) = v {
                self.finite(&format!("{path}.{name}"), v)?;
            }
        }
        let allowed: &[&str] = match d.dist {
            DistKind::Constant => &["value"],
            DistKind::Uniform => &["min", "max"],
            DistKind::Normal => &["mean", "sd", "min", "max"],
            DistKind::Lognormal => &["median", "sigma", "min", "max"],
            DistKind::Beta => &["mean", "sd"],
            DistKind::Poisson => &["mean", "min", "max"],
        };
        for (name, v) in fields {
            if let Some(v) = v
                && !allowed.contains(&name)
            {
                return Err(self.o.error(
                    &format!("{path}.{name}"),
                    format!(
                        "expected only {} for dist = \"{}\", got {name} = {v}",
                        allowed.join(", "),
                        kind_name(d.dist)
                    ),
                ));
            }
        }
        match d.dist {
            DistKind::Constant => {
                self.range(&format!("{path}.value"), need("value", d.value)?, lo, hi)?
            }
            DistKind::Uniform => {
                let (a, b) = (need("min", d.min)?, need("max", d.max)?);
                self.range(&format!("{path}.min"), a, lo, hi)?;
                self.range(&format!("{path}.max"), b, a, hi)?;
            }
            DistKind::Normal => {
                self.range(&format!("{path}.mean"), need("mean", d.mean)?, lo, hi)?;
                self.range(&format!("{path}.sd"), need("sd", d.sd)?, 0.0, hi - lo)?;
            }
            DistKind::Lognormal => {
                self.range(
                    &format!("{path}.median"),
                    need("median", d.median)?,
                    lo.max(f64::MIN_POSITIVE),
                    hi,
                )?;
                self.range(&format!("{path}.sigma"), need("sigma", d.sigma)?, 0.0, 5.0)?;
            }
            DistKind::Beta => {
                let m = need("mean", d.mean)?;
                let sd = need("sd", d.sd)?;
                if !(m > 0.0 && m < 1.0) {
                    return Err(self.o.error(&format!("{path}.mean"), format!("expected a number strictly between 0 and 1 for a beta distribution, got {m}")));
                }
                let max_sd = (m * (1.0 - m)).sqrt();
                if !(sd > 0.0 && sd < max_sd) {
                    return Err(self.o.error(&format!("{path}.sd"), format!("expected a number between 0 and {max_sd:.4} (sqrt(mean·(1−mean))) for a beta distribution, got {sd}")));
                }
            }
            DistKind::Poisson => {
                self.range(&format!("{path}.mean"), need("mean", d.mean)?, 0.0, hi)?
            }
        }
        if let (Some(a), Some(b)) = (d.min, d.max)
            && a > b
        {
            return Err(self.o.error(
                &format!("{path}.max"),
                format!("expected max ≥ min ({a}), got {b}"),
            ));
        }
        Ok(())
    }

    pub fn unit_dist(&self, path: &str, d: &Dist) -> Result<()> {
        self.dist(path, d, 0.0, 1.0)
    }

    /// The shared frame of a module: years in order, a budget that is a number ≥ 0.
    pub fn module(&self, path: &str, m: &dyn ModuleConfig, file: &ScenarioFile) -> Result<()> {
        let c = m.common();
        let s = &file.simulation;
        let (first, last) = (s.start_year, s.start_year + s.years - 1);
        if let Some(y) = c.start_year {
            self.int(&format!("{path}.start_year"), y, 1900, 2200)?;
        }
        if let Some(y) = c.end_year {
            self.int(&format!("{path}.end_year"), y, 1900, 2200)?;
            if let Some(s0) = c.start_year
                && y < s0
            {
                return Err(self.o.error(
                    &format!("{path}.end_year"),
                    format!("expected a year ≥ start_year ({s0}), got {y}"),
                ));
            }
        }
        let _ = (first, last);
        if let Some(b) = &c.budget {
            self.dated_range(&format!("{path}.budget"), b, 0.0, 1e13)?;
        }
        if let Some(sh) = c.budget_share {
            self.prob(&format!("{path}.budget_share"), sh)?;
            if file.budget.is_none() {
                return Err(self.o.error(
                    &format!("{path}.budget_share"),
                    "expected a scenario-wide [budget] total for a budget_share, got none",
                ));
            }
            if c.budget.is_some() {
                return Err(self.o.error(
                    &format!("{path}.budget_share"),
                    "expected either `budget` or `budget_share`, got both",
                ));
            }
        }
        Ok(())
    }
}

/// A range bound as written in messages: 1e13 rather than 10000000000000.
fn bound(x: f64) -> String {
    if x.abs() >= 1e9 && x.is_finite() {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

fn kind_name(k: DistKind) -> &'static str {
    match k {
        DistKind::Constant => "constant",
        DistKind::Uniform => "uniform",
        DistKind::Normal => "normal",
        DistKind::Lognormal => "lognormal",
        DistKind::Beta => "beta",
        DistKind::Poisson => "poisson",
    }
}
