//! Range checks: a [`ScenarioFile`] becomes a [`Scenario`] only if every value
//! is in range. The first problem found is reported as one line.

use super::check::{Checker, Ranges};
use super::load::{Origin, Origins};
use super::raw::{ScenarioFile, SweepTable};
use crate::error::Result;
use crate::experiment::sweep::{self as sweeping, Axis, MAX_POINTS};

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

    /// The effective value at a dotted key path (`shocks.illness`,
    /// `households.ability.sigma`, `income.local_wage.values.2008`): the
    /// file's or the default; `None` for a key the scenario does not hold.
    pub fn value(&self, path: &str) -> Option<toml::Value> {
        let root = toml::Value::try_from(&self.file).ok()?;
        let mut v = &root;
        for (i, part) in path.split('.').enumerate() {
            let t = v.as_table()?;
            v = match t.get(part) {
                Some(x) => x,
                // A schedule written without its index grows by 0.
                None if part == "index" && t.contains_key("values") => {
                    return Some(toml::Value::Float(0.0));
                }
                // A module the scenario does not hold has no values.
                None if path.starts_with("interventions.") && i <= 1 => return None,
                // Not written out because it has its default (`[output]`).
                None => return super::keys::find(path)?.default,
            };
        }
        Some(v.clone())
    }

    /// Number of households: given, or the population divided by the expected household size.
    pub fn households(&self) -> u64 {
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
        // Every key against its declaration, then the rules that relate several keys.
        super::raw::sections(Some(&file), &mut Ranges(&c))?;
        let s = &file.simulation;
        match (s.households, s.population) {
            (Some(_), Some(_)) => {
                return Err(c.o.error(
                    "simulation.population",
                    "expected either `households` or `population`, got both",
                ));
            }
            (None, None) => {
                return Err(c.o.error(
                    "simulation",
                    "expected `households` or `population`, got neither",
                ));
            }
            _ => {}
        }
        file.interventions.rules(&file, &c)?;

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
        let sc = Scenario {
            sweep,
            name: s.name.clone(),
            start_year: s.start_year as i32,
            years: s.years as u32,
            seed: s.seed as u64,
            replicates: s.replicates as u32,
            villages: s.villages as u32,
            file,
            origins,
        };
        let hh = sc.households();
        if sc.file.simulation.households.is_none() && hh > MAX_HOUSEHOLDS as u64 {
            let size = expected_size(&sc.file);
            return Err(sc.origins.error(
                "simulation.population",
                format!("expected at most {MAX_HOUSEHOLDS} households (population / expected household size {size:.2}), got {hh}"),
            ));
        }
        if hh < sc.villages as u64 {
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
                super::set::set_value(&mut table, &mut origins, key, value, &origin)
                    .map_err(|m| self.origins.error(at, format!("{key}: {m}")))?;
            }
            let raw = super::decode::deserialize(table, &origins)?;
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
                        super::decode::describe(other)
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
            super::decode::describe(other)
        )),
    }
}

/// Expected household size under the household distributions.
pub fn expected_size(f: &ScenarioFile) -> f64 {
    let h = &f.households;
    (h.adults.mean_value() + h.children.mean_value() + h.elderly.mean_value()).max(1.0)
}
