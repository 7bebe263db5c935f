//! Sweeps as a scenario describes them: the axes of `--vary` and of a
//! `[sweep]` table, their points (a grid or a Latin-hypercube sample), and
//! the check of a `[sweep]` table against the scenario. Running a sweep is
//! [`crate::experiment::sweep`]'s.

use super::check::Checker;
use super::origins::Origin;
use super::raw::SweepTable;
use super::validate::Scenario;
use crate::error::{Error, Result};
use crate::rng::SplitMix;

/// Most points a sweep may have.
pub const MAX_POINTS: usize = 1_000_000;

/// One varied key: its values (grid) and, for a range, the range (for LHS).
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub key: String,
    pub values: Vec<String>,
    /// (start, stop, step, integers) for `KEY=START:STOP:STEP`.
    pub range: Option<(f64, f64, f64, bool)>,
}

/// Parse `KEY=START:STOP:STEP` or `KEY=V1,V2,...`.
pub fn parse_vary(arg: &str) -> Result<Axis> {
    let bad = |msg: &str| Error::Input(format!("--vary {arg}: {msg}"));
    let Some((key, spec)) = arg.split_once('=') else {
        return Err(bad(
            "expected KEY=START:STOP:STEP or KEY=V1,V2,..., e.g. interventions.transfers.budget=0:2000000:500000",
        ));
    };
    let key = key.trim();
    check_key(key).map_err(|m| bad(&m))?;
    let spec = spec.trim();
    if spec.contains(':') {
        return parse_range(key, spec).map_err(|m| bad(&m));
    }
    list_axis(key, spec.split(',').map(|v| v.trim().to_string()).collect()).map_err(|m| bad(&m))
}

/// A key that can be varied: dotted, and neither the replicates (given
/// apart), `extends` nor a key of the `[sweep]` table itself.
pub fn check_key(key: &str) -> std::result::Result<(), String> {
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err("expected a dotted key such as simulation.years".into());
    }
    if key == "simulation.replicates" {
        return Err("expected a key other than simulation.replicates (give --replicates)".into());
    }
    let first = key.split('.').next().unwrap_or("");
    if first == "sweep" || first == "extends" {
        return Err(format!(
            "expected a key of the scenario (such as simulation.years), got {key}"
        ));
    }
    Ok(())
}

/// An axis `START:STOP:STEP` (inclusive) of `key` (message without the key).
pub fn parse_range(key: &str, spec: &str) -> std::result::Result<Axis, String> {
    let parts: Vec<&str> = spec.split(':').map(str::trim).collect();
    if parts.len() != 3 {
        return Err("expected START:STOP:STEP (three numbers)".into());
    }
    let ints = parts.iter().all(|p| p.parse::<i64>().is_ok());
    let nums: Vec<f64> = parts
        .iter()
        .map(|p| p.parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect::<Option<_>>()
        .ok_or("expected numbers in START:STOP:STEP")?;
    let (start, stop, step) = (nums[0], nums[1], nums[2]);
    if step <= 0.0 || stop < start {
        return Err("expected START ≤ STOP and a STEP > 0".into());
    }
    // Counted in floating point: (STOP − START) / STEP may overflow any integer.
    let count = ((stop - start) / step + 1e-9).floor() + 1.0;
    if !count.is_finite() || count > MAX_POINTS as f64 {
        return Err(format!(
            "expected at most {MAX_POINTS} values, got {count:e}"
        ));
    }
    let n = count as usize;
    let values = (0..n)
        .map(|i| fmt_value(start + i as f64 * step, ints))
        .collect();
    Ok(Axis {
        key: key.to_string(),
        values,
        range: Some((start, stop, step, ints)),
    })
}

/// An axis of listed values (each a field of sweep.csv and a `--set` value).
pub fn list_axis(key: &str, values: Vec<String>) -> std::result::Result<Axis, String> {
    if values.is_empty() {
        return Err("expected at least one value".into());
    }
    if values.iter().any(|v| v.trim().is_empty()) {
        return Err("expected a value between every two commas".into());
    }
    if let Some(v) = values.iter().find(|v| v.contains(['"', ',', '\n', '\r'])) {
        return Err(format!(
            "expected values without quotes, commas or line breaks, got {v:?}"
        ));
    }
    if values.len() > MAX_POINTS {
        return Err(format!(
            "expected at most {MAX_POINTS} values, got {}",
            values.len()
        ));
    }
    Ok(Axis {
        key: key.to_string(),
        values,
        range: None,
    })
}

fn fmt_value(x: f64, ints: bool) -> String {
    if ints {
        format!("{}", x.round() as i64)
    } else {
        let r = (x * 1e10).round() / 1e10;
        format!("{}", if r == 0.0 { 0.0 } else { r })
    }
}

/// The points of a sweep: the full grid (first key slowest), or `lhs` points
/// of a Latin-hypercube sample keyed by `seed` (ranges snapped to their step,
/// lists by stratum).
pub fn points(axes: &[Axis], lhs: Option<usize>, seed: u64) -> Result<Vec<Vec<String>>> {
    if let Some(n) = lhs {
        if n == 0 || n > MAX_POINTS {
            return Err(Error::Input(format!(
                "--lhs: expected a number of points from 1 to {MAX_POINTS}, got {n}"
            )));
        }
        let mut rng = SplitMix(seed ^ 0x4C48_535F_5357_4550);
        let mut cols: Vec<Vec<String>> = Vec::new();
        for a in axes {
            let mut strata: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                let j = rng.below(i + 1);
                strata.swap(i, j);
            }
            let col = strata
                .iter()
                .map(|&s| {
                    let u = (s as f64 + rng.unit()) / n as f64;
                    match a.range {
                        Some((start, stop, step, ints)) => {
                            let k = ((u * (stop - start)) / step).round();
                            let x = (start + k * step).min(stop);
                            fmt_value(x, ints)
                        }
                        None => a.values
                            [((u * a.values.len() as f64) as usize).min(a.values.len() - 1)]
                        .clone(),
                    }
                })
                .collect();
            cols.push(col);
        }
        return Ok((0..n)
            .map(|i| cols.iter().map(|c| c[i].clone()).collect())
            .collect());
    }
    let total = axes
        .iter()
        .try_fold(1usize, |acc, a| acc.checked_mul(a.values.len()))
        .filter(|n| *n <= MAX_POINTS)
        .ok_or_else(|| {
            Error::Input(format!(
                "--vary: expected a grid of at most {MAX_POINTS} points (use --lhs N for a sample)"
            ))
        })?;
    let mut out = Vec::with_capacity(total);
    for mut i in 0..total {
        let mut p = vec![String::new(); axes.len()];
        for (k, a) in axes.iter().enumerate().rev() {
            p[k] = a.values[i % a.values.len()].clone();
            i /= a.values.len();
        }
        out.push(p);
    }
    Ok(out)
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
pub(crate) fn sweep_plan(t: &SweepTable, c: &Checker) -> Result<SweepPlan> {
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
                check_key(&key).map_err(|m| o.error(&path, m))?;
                let axis = match v {
                    toml::Value::String(s) if s.contains(':') => parse_range(&key, s),
                    toml::Value::Array(a) => {
                        let mut values = Vec::new();
                        for (i, x) in a.iter().enumerate() {
                            values
                                .push(scalar(x).map_err(|m| o.error(&format!("{path}[{i}]"), m))?);
                        }
                        list_axis(&key, values)
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
                        check_key(k).map_err(|m| o.error(&format!("{at}.{k}"), m))?;
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
                    list_axis(k, vec![v.clone()]).map_err(|m| o.error(&path, m))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_lists() {
        let a = parse_vary("x.y=0.1:0.3:0.1").unwrap();
        assert_eq!(a.values, ["0.1", "0.2", "0.3"]);
        let b = parse_vary("x.z=0:10:5").unwrap();
        assert_eq!(b.values, ["0", "5", "10"]);
        let c = parse_vary("x.w=a,b").unwrap();
        assert_eq!(c.values, ["a", "b"]);
        assert!(parse_vary("x=3:1:1").is_err());
        // Too many values to count in an integer: refused, not wrapped to none.
        assert!(parse_vary("x=0:1e308:1e-308").is_err());
        assert!(parse_vary("x=0:2000000:1").is_err());
        assert!(parse_vary("simulation.replicates=1,2").is_err());
        let g = points(&[b, c], None, 1).unwrap();
        assert_eq!(g.len(), 6);
        assert_eq!(g[1], ["0", "b"]);
        assert_eq!(g[2], ["5", "a"]);
    }

    #[test]
    fn latin_hypercube_hits_every_stratum_once() {
        let a = parse_vary("x=0:99:1").unwrap();
        let p = points(std::slice::from_ref(&a), Some(10), 7).unwrap();
        let mut v: Vec<f64> = p.iter().map(|v| v[0].parse().unwrap()).collect();
        v.sort_by(f64::total_cmp);
        // Point i falls in stratum i: [9.9 i, 9.9 (i + 1)], give or take the snap to the step.
        for (i, x) in v.iter().enumerate() {
            assert!((x - 9.9 * i as f64 - 4.95).abs() <= 5.5, "{v:?}");
        }
        assert_eq!(p, points(&[a], Some(10), 7).unwrap(), "deterministic");
    }
}
