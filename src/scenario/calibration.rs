//! The `[calibration]` table: which keys `povsim calibrate` fits (with their
//! bounds), to which targets, and which targets are held out (fitted never,
//! reported always).
//!
//! ```toml
//! [calibration]
//! replicates = 3      # per evaluation (default: simulation.replicates)
//! evaluations = 120   # Latin hypercube + local search (default 100)
//!
//! [[calibration.fit]]
//! key = "income.local_wage.index"
//! bounds = [0.02, 0.12]
//! # transform = "log"   (search on the log scale; bounds > 0)
//!
//! [[calibration.targets]]
//! measure = "headcount_ratio"   # a column of trajectory.csv
//! year = 2008
//! value = 0.13
//! se = 0.005                    # or relative_se = 0.05
//! # bound = "above" | "below"   (one-sided: no loss while on the right side)
//! # held_out = true             (never fitted, always reported)
//! ```
//!
//! The calibration targets are their own list, not the run's `[[targets]]`:
//! a run's target says when a value is close enough (a tolerance, met or
//! missed), a calibration target says how much a miss weighs (a standard
//! error) and whether it is fitted or held out.
//!
//! Like `[sweep]`, the table is not part of the effective scenario (never
//! serialized, so it changes no digest), and a file's table replaces an
//! inherited one whole. Its shape is checked with every load ([`plan`]);
//! what depends on the run (years inside the simulated ones, keys that exist
//! and bounds the validator accepts) only when a calibration starts
//! ([`Scenario::check_calibration`]).

use super::check::Checker;
use super::columns::TRAJECTORY_COLUMNS;
use super::load::Origins;
use super::validate::Scenario;
use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The table as written.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationTable {
    /// The keys to fit.
    #[serde(default)]
    pub fit: Vec<FitKey>,
    /// The figures to fit (and to hold out).
    #[serde(default)]
    pub targets: Vec<CalibrationTarget>,
    /// Replicates of every evaluation (default: `simulation.replicates`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicates: Option<i64>,
    /// Evaluations of the search: Latin hypercube plus local search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluations: Option<i64>,
    /// Points of the Latin-hypercube start (default: 8 per key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lhs: Option<i64>,
}

/// One fitted key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FitKey {
    /// A dotted scalar key, as `--set` takes it.
    pub key: String,
    /// `[low, high]`.
    pub bounds: Vec<f64>,
    /// `"log"`: search on the log scale (for scale parameters); default `"none"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transform: Option<String>,
}

/// One calibration target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationTarget {
    /// A column of trajectory.csv.
    pub measure: String,
    pub year: i64,
    pub value: f64,
    /// Standard error of the figure (absolute) …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se: Option<f64>,
    /// … or relative to `value` (0.05 = 5%).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative_se: Option<f64>,
    /// `"above"` or `"below"`: `value` is a bound, a miss counts only on the wrong side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound: Option<String>,
    /// Never fitted, always reported.
    #[serde(default)]
    pub held_out: bool,
}

/// A checked fitted key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitSpec {
    pub key: String,
    pub lo: f64,
    pub hi: f64,
    /// Searched on the log scale.
    pub log: bool,
}

/// A one-sided target's side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bound {
    Above,
    Below,
}

/// A checked calibration target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetSpec {
    pub measure: String,
    pub year: i32,
    pub value: f64,
    /// Standard error, absolute (a `relative_se` times the value).
    pub se: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound: Option<Bound>,
    pub held_out: bool,
}

impl TargetSpec {
    /// The miss in standard errors: (simulated − value) / se, zero on the
    /// right side of a bound.
    pub fn error(&self, simulated: f64) -> f64 {
        let d = (simulated - self.value) / self.se;
        match self.bound {
            Some(Bound::Above) => d.min(0.0),
            Some(Bound::Below) => d.max(0.0),
            None => d,
        }
    }

    /// The column name of this target in calibration.csv (`poor_2008`).
    pub fn column(&self) -> String {
        format!("{}_{}", self.measure, self.year)
    }
}

/// A checked `[calibration]` table.
#[derive(Clone, Debug, PartialEq)]
pub struct CalibrationPlan {
    pub keys: Vec<FitSpec>,
    pub targets: Vec<TargetSpec>,
    pub replicates: Option<u32>,
    pub evaluations: Option<usize>,
    pub lhs: Option<usize>,
}

/// Most keys, targets, evaluations or replicates a table may ask for.
pub const MAX_ITEMS: i64 = 100_000;

/// Check the shape of a `[calibration]` table (with every load).
pub fn plan(t: &CalibrationTable, c: &Checker) -> Result<CalibrationPlan> {
    let o = c.o;
    let opt = |k: &str, v: Option<i64>| -> Result<Option<i64>> {
        if let Some(n) = v {
            c.int(&format!("calibration.{k}"), n, 1, MAX_ITEMS)?;
        }
        Ok(v)
    };
    let replicates = opt("replicates", t.replicates)?.map(|n| n as u32);
    let evaluations = opt("evaluations", t.evaluations)?.map(|n| n as usize);
    let lhs = opt("lhs", t.lhs)?.map(|n| n as usize);
    if t.fit.is_empty() {
        return Err(o.error(
            "calibration",
            "expected at least one key to fit ([[calibration.fit]] with key and bounds), got none",
        ));
    }
    let mut keys: Vec<FitSpec> = Vec::new();
    for (i, f) in t.fit.iter().enumerate() {
        let at = format!("calibration.fit[{i}]");
        super::sweep::check_key(&f.key).map_err(|m| o.error(&format!("{at}.key"), m))?;
        if f.key.starts_with("simulation.") {
            return Err(o.error(
                &format!("{at}.key"),
                format!(
                    "expected a model key (the [simulation] table says what is run, not how the county works), got {}",
                    f.key
                ),
            ));
        }
        if keys.iter().any(|k| k.key == f.key) {
            return Err(o.error(
                &format!("{at}.key"),
                format!("expected each key once, got {} twice", f.key),
            ));
        }
        let b = format!("{at}.bounds");
        let [lo, hi] = f.bounds[..] else {
            return Err(o.error(
                &b,
                format!(
                    "expected [low, high] (two numbers), got {} numbers",
                    f.bounds.len()
                ),
            ));
        };
        if !(lo.is_finite() && hi.is_finite()) {
            return Err(o.error(&b, format!("expected finite numbers, got [{lo}, {hi}]")));
        }
        if lo >= hi {
            return Err(o.error(
                &b,
                format!("expected low < high, got [{lo}, {hi}] (in the wrong order or equal)"),
            ));
        }
        let log = match f.transform.as_deref() {
            None | Some("none") => false,
            Some("log") => true,
            Some(other) => {
                return Err(o.error(
                    &format!("{at}.transform"),
                    format!("expected \"log\" or \"none\", got \"{other}\""),
                ));
            }
        };
        if log && lo <= 0.0 {
            return Err(o.error(
                &b,
                format!("expected bounds above 0 for transform = \"log\", got [{lo}, {hi}]"),
            ));
        }
        keys.push(FitSpec {
            key: f.key.clone(),
            lo,
            hi,
            log,
        });
    }
    let mut targets: Vec<TargetSpec> = Vec::new();
    for (i, t) in t.targets.iter().enumerate() {
        let at = format!("calibration.targets[{i}]");
        if !TRAJECTORY_COLUMNS.contains(&t.measure.as_str()) {
            return Err(o.error(
                &format!("{at}.measure"),
                format!(
                    "expected a column of trajectory.csv ({}), got \"{}\"",
                    TRAJECTORY_COLUMNS.join(", "),
                    t.measure
                ),
            ));
        }
        c.int(&format!("{at}.year"), t.year, 1900, 2200)?;
        c.finite(&format!("{at}.value"), t.value)?;
        let se = match (t.se, t.relative_se) {
            (Some(_), Some(_)) => {
                return Err(o.error(
                    &format!("{at}.relative_se"),
                    "expected either `se` or `relative_se`, got both",
                ));
            }
            (None, None) => {
                return Err(o.error(
                    &at,
                    "expected a standard error: `se` (absolute) or `relative_se` (share of value), got neither",
                ));
            }
            (Some(s), None) => {
                c.positive(&format!("{at}.se"), s)?;
                s
            }
            (None, Some(r)) => {
                c.positive(&format!("{at}.relative_se"), r)?;
                if t.value == 0.0 {
                    return Err(o.error(
                        &format!("{at}.relative_se"),
                        "expected an absolute `se` for a value of 0 (a share of 0 is 0)",
                    ));
                }
                r * t.value.abs()
            }
        };
        let bound = match t.bound.as_deref() {
            None => None,
            Some("above") => Some(Bound::Above),
            Some("below") => Some(Bound::Below),
            Some(b) => {
                return Err(o.error(
                    &format!("{at}.bound"),
                    format!("expected \"above\" or \"below\", got \"{b}\""),
                ));
            }
        };
        if targets
            .iter()
            .any(|x| x.measure == t.measure && x.year as i64 == t.year)
        {
            return Err(o.error(
                &format!("{at}.measure"),
                format!(
                    "expected each measure and year once, got {} in {} twice",
                    t.measure, t.year
                ),
            ));
        }
        targets.push(TargetSpec {
            measure: t.measure.clone(),
            year: t.year as i32,
            value: t.value,
            se,
            bound,
            held_out: t.held_out,
        });
    }
    if targets.iter().all(|t| t.held_out) {
        return Err(o.error(
            "calibration",
            "expected at least one fitted target ([[calibration.targets]] without held_out = true), got none",
        ));
    }
    Ok(CalibrationPlan {
        keys,
        targets,
        replicates,
        evaluations,
        lhs,
    })
}

/// The scenario `file` with `sets` and then each `(key, value)` as `--set
/// key=value`, loaded and checked as `povsim run --set` would.
///
/// The one place a calibration turns values into a scenario: it re-reads the
/// file (a few milliseconds), so that a fitted value means exactly what the
/// same `--set` or a line of calibrated.toml means.
pub fn scenario_at(file: &Path, sets: &[String], values: &[(&str, &str)]) -> Result<Scenario> {
    let mut all = sets.to_vec();
    all.extend(values.iter().map(|(k, v)| format!("{k}={v}")));
    super::load(file, &all)
}

/// The key's value in the effective scenario and whether it is a whole
/// number (then fitted values are rounded); `Err` with the reason if it holds
/// no number.
pub fn key_value(sc: &Scenario, key: &str) -> std::result::Result<(f64, bool), String> {
    let root = toml::Value::try_from(&sc.file).map_err(|e| e.to_string())?;
    let mut v = &root;
    for part in key.split('.') {
        v = v.as_table().and_then(|t| t.get(part)).ok_or_else(|| {
            format!("expected a key of the scenario, got {key} (no such key; a key left at its default can be fitted, see `povsim validate` for the effective scenario)")
        })?;
    }
    match v {
        toml::Value::Integer(i) => Ok((*i as f64, true)),
        toml::Value::Float(x) => Ok((*x, false)),
        other => Err(format!(
            "expected a key holding a number, got {key} = {}",
            super::decode::describe(other)
        )),
    }
}

impl Scenario {
    /// The checks of the `[calibration]` table that need the run: every
    /// target year simulated, every fitted key a number of the scenario, and
    /// both bounds accepted by the validator (the scenario is loaded with the
    /// key at each bound). Errors point at the table. `sets` are the command's
    /// `--set` overrides (loaded with each bound).
    pub fn check_calibration(&self, sets: &[String]) -> Result<CalibrationPlan> {
        let o: &Origins = &self.origins;
        let Some(plan) = &self.calibration else {
            return Err(o.error(
                "calibration",
                "expected a [calibration] table with the keys to fit ([[calibration.fit]]) and the targets ([[calibration.targets]]), got none",
            ));
        };
        for (i, t) in plan.targets.iter().enumerate() {
            if t.year < self.start_year || t.year > self.end_year() {
                return Err(o.error(
                    &format!("calibration.targets[{i}].year"),
                    format!(
                        "expected a simulated year, {} to {}, got {}",
                        self.start_year,
                        self.end_year(),
                        t.year
                    ),
                ));
            }
        }
        for (i, k) in plan.keys.iter().enumerate() {
            let at = format!("calibration.fit[{i}]");
            let (_, integer) =
                key_value(self, &k.key).map_err(|m| o.error(&format!("{at}.key"), m))?;
            for x in [k.lo, k.hi] {
                let v = if integer {
                    format!("{}", x.round() as i64)
                } else {
                    float_text(x)
                };
                scenario_at(&o.file, sets, &[(&k.key, &v)]).map_err(|e| {
                    let msg = e.to_string();
                    let arg = format!("--set {}={v}: ", k.key);
                    let msg = msg.strip_prefix(&arg).unwrap_or(&msg);
                    o.error(
                        &format!("{at}.bounds"),
                        format!(
                            "expected bounds the scenario accepts, but with {} = {v}: {msg}",
                            k.key
                        ),
                    )
                })?;
            }
        }
        Ok(plan.clone())
    }
}

/// A number as TOML reads it back exactly as a float (shortest round trip,
/// always with a decimal point or an exponent).
pub fn float_text(x: f64) -> String {
    let s = format!("{x:?}");
    if s.contains(['.', 'e', 'E', 'n', 'N']) {
        s
    } else {
        format!("{s}.0")
    }
}
