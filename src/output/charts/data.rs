//! Readers for the files of an output directory, and the across-replicate
//! statistics that the charts and the report share.
//!
//! Only `trajectory.csv` is required; every other file is optional and the
//! charts that need it are skipped when it is absent. A file that is present
//! but malformed is an [`Error::Input`] naming the file, the line and the column.
//!
//! Why one long file: the readers and the across-replicate statistics are
//! the charts' and the report's one view of an output directory.

use crate::error::{Error, Result};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Everything the charts and the report read from an output directory.
pub struct OutputData {
    /// The output directory.
    pub dir: PathBuf,
    /// `summary.json` (defaults when the file is absent).
    pub summary: Summary,
    /// `trajectory.csv`: one row per replicate and year.
    pub trajectory: Vec<TrajRow>,
    /// `income_sources.csv`.
    pub income_sources: Option<Vec<SourceRow>>,
    /// `villages.csv`.
    pub villages: Option<Vec<VillageRow>>,
    /// `distribution.csv`.
    pub distribution: Option<Vec<DistRow>>,
    /// `transitions.csv`.
    pub transitions: Option<Vec<TransitionRow>>,
    /// `spending.csv`.
    pub spending: Option<Vec<SpendingRow>>,
    /// `targeting.csv`.
    pub targeting: Option<Vec<TargetingRow>>,
}

/// `summary.json`. Fields the charts do not need are left out; missing optional
/// fields take defaults so that an older or partial summary still draws.
#[derive(Debug, Default, Deserialize)]
pub struct Summary {
    #[serde(default)]
    pub scenario: String,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub replicates: Option<u64>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub start_year: Option<i64>,
    #[serde(default)]
    pub years: Option<u64>,
    #[serde(default)]
    pub households: Option<u64>,
    #[serde(default)]
    pub wall_time_s: Option<f64>,
    #[serde(default)]
    pub targets: Vec<Target>,
    /// Key scenario parameters as `[key, value]` pairs (values shown as text).
    #[serde(default)]
    pub parameters: Vec<(String, serde_json::Value)>,
    #[serde(default)]
    pub spending: Option<SpendingSummary>,
}

/// A calibration target from `summary.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct Target {
    pub year: i32,
    pub measure: String,
    pub value: f64,
}

/// Total spending from `summary.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct SpendingSummary {
    pub total: f64,
    #[serde(default)]
    pub by_module: BTreeMap<String, f64>,
}

/// One row of `trajectory.csv` (the columns the charts and the report use).
#[derive(Debug, Clone, Deserialize)]
pub struct TrajRow {
    #[serde(deserialize_with = "int")]
    pub replicate: i64,
    #[serde(deserialize_with = "year")]
    pub year: i32,
    #[serde(deserialize_with = "num")]
    pub population: f64,
    #[serde(deserialize_with = "num")]
    pub poor: f64,
    #[serde(deserialize_with = "num")]
    pub headcount_ratio: f64,
    #[serde(deserialize_with = "num")]
    pub poverty_gap: f64,
    #[serde(deserialize_with = "num")]
    pub poverty_severity: f64,
    #[serde(deserialize_with = "num")]
    pub watts: f64,
    #[serde(deserialize_with = "num")]
    pub sen: f64,
    #[serde(deserialize_with = "num")]
    pub extreme_poor: f64,
    #[serde(deserialize_with = "num")]
    pub extreme_ratio: f64,
    #[serde(deserialize_with = "num")]
    pub mean_income: f64,
    #[serde(deserialize_with = "num")]
    pub median_income: f64,
    #[serde(deserialize_with = "num")]
    pub gini: f64,
    #[serde(deserialize_with = "num")]
    pub theil: f64,
    #[serde(deserialize_with = "num")]
    pub bottom40_share: f64,
    #[serde(deserialize_with = "num")]
    pub entries: f64,
    #[serde(deserialize_with = "num")]
    pub exits: f64,
    #[serde(deserialize_with = "num")]
    pub poverty_line: f64,
    #[serde(deserialize_with = "num")]
    pub extreme_line: f64,
}

/// One row of `income_sources.csv` (mean per-capita yuan per person-year).
#[derive(Debug, Clone, Deserialize)]
pub struct SourceRow {
    #[serde(deserialize_with = "int")]
    pub replicate: i64,
    #[serde(deserialize_with = "year")]
    pub year: i32,
    pub group: String,
    #[serde(deserialize_with = "num")]
    pub farm: f64,
    #[serde(deserialize_with = "num")]
    pub wage: f64,
    #[serde(deserialize_with = "num")]
    pub migrant: f64,
    #[serde(deserialize_with = "num")]
    pub enterprise: f64,
    #[serde(deserialize_with = "num")]
    pub tourism: f64,
    #[serde(deserialize_with = "num")]
    pub transfers: f64,
}

impl SourceRow {
    /// The values in the order of [`crate::model::state::SOURCES`] (the
    /// stacking order, bottom first).
    pub fn values(&self) -> [f64; 6] {
        [
            self.farm,
            self.wage,
            self.migrant,
            self.enterprise,
            self.tourism,
            self.transfers,
        ]
    }
}

/// One row of `villages.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct VillageRow {
    #[serde(deserialize_with = "int")]
    pub replicate: i64,
    #[serde(deserialize_with = "year")]
    pub year: i32,
    pub village: String,
    #[serde(deserialize_with = "num")]
    pub population: f64,
    #[serde(deserialize_with = "num")]
    pub poor: f64,
    #[serde(deserialize_with = "num")]
    pub headcount_ratio: f64,
    #[serde(deserialize_with = "num")]
    pub mean_income: f64,
    #[serde(deserialize_with = "num")]
    pub remoteness: f64,
    #[serde(deserialize_with = "num")]
    pub relocated_in: f64,
    #[serde(deserialize_with = "num")]
    pub relocated_out: f64,
}

/// One bin of `distribution.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct DistRow {
    #[serde(deserialize_with = "int")]
    pub replicate: i64,
    #[serde(deserialize_with = "year")]
    pub year: i32,
    #[serde(deserialize_with = "num")]
    pub lower: f64,
    #[serde(deserialize_with = "num")]
    pub upper: f64,
    #[serde(deserialize_with = "num")]
    pub people: f64,
}

/// One cell of `transitions.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct TransitionRow {
    #[serde(deserialize_with = "int")]
    pub replicate: i64,
    #[serde(deserialize_with = "state")]
    pub from: String,
    #[serde(deserialize_with = "state")]
    pub to: String,
    #[serde(deserialize_with = "num")]
    pub people: f64,
}

/// The welfare states of `transitions.csv`, poorest first.
pub const STATES: [&str; 3] = ["poor", "near_poor", "non_poor"];

/// One row of `spending.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct SpendingRow {
    #[serde(deserialize_with = "int")]
    pub replicate: i64,
    #[serde(deserialize_with = "year")]
    pub year: i32,
    pub module: String,
    #[serde(deserialize_with = "num")]
    pub budget: f64,
    #[serde(deserialize_with = "num")]
    pub spent: f64,
    #[serde(deserialize_with = "num")]
    pub beneficiary_households: f64,
    #[serde(deserialize_with = "num")]
    pub beneficiary_people: f64,
    #[serde(deserialize_with = "num")]
    pub registered_poor_beneficiaries: f64,
}

/// One row of `targeting.csv` (errors as shares in [0, 1]).
#[derive(Debug, Clone, Deserialize)]
pub struct TargetingRow {
    #[serde(deserialize_with = "int")]
    pub replicate: i64,
    #[serde(deserialize_with = "year")]
    pub year: i32,
    pub method: String,
    #[serde(deserialize_with = "num")]
    pub registered: f64,
    #[serde(deserialize_with = "num")]
    pub inclusion_error: f64,
    #[serde(deserialize_with = "num")]
    pub exclusion_error: f64,
    /// `register` or `dibao` (empty in outputs written before the two lists).
    #[serde(default)]
    pub list: String,
}

/// A number; an empty cell, `NA` or `NaN` reads as NaN (an undefined value).
fn num<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<f64, D::Error> {
    let s = String::deserialize(d)?;
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("na") || t.eq_ignore_ascii_case("nan") {
        return Ok(f64::NAN);
    }
    t.parse::<f64>()
        .map_err(|_| D::Error::custom(format!("expected a number, got {t:?}")))
}

fn int<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<i64, D::Error> {
    let s = String::deserialize(d)?;
    let t = s.trim();
    t.parse::<i64>()
        .map_err(|_| D::Error::custom(format!("expected an integer, got {t:?}")))
}

fn year<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<i32, D::Error> {
    let s = String::deserialize(d)?;
    let t = s.trim();
    match t.parse::<i32>() {
        Ok(y) if (-9999..=99999).contains(&y) => Ok(y),
        _ => Err(D::Error::custom(format!("expected a year, got {t:?}"))),
    }
}

fn state<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    let s = String::deserialize(d)?;
    let t = s.trim();
    if STATES.contains(&t) {
        Ok(t.to_string())
    } else {
        Err(D::Error::custom(format!(
            "expected one of poor, near_poor, non_poor, got {t:?}"
        )))
    }
}

/// Columns each file must have (checked against the header before reading rows).
const TRAJECTORY_COLUMNS: &[&str] = &[
    "replicate",
    "year",
    "population",
    "poor",
    "headcount_ratio",
    "poverty_gap",
    "poverty_severity",
    "watts",
    "sen",
    "extreme_poor",
    "extreme_ratio",
    "mean_income",
    "median_income",
    "gini",
    "theil",
    "bottom40_share",
    "entries",
    "exits",
    "poverty_line",
    "extreme_line",
];
const SOURCE_COLUMNS: &[&str] = &[
    "replicate",
    "year",
    "group",
    "farm",
    "wage",
    "migrant",
    "enterprise",
    "tourism",
    "transfers",
];
const VILLAGE_COLUMNS: &[&str] = &[
    "replicate",
    "year",
    "village",
    "population",
    "poor",
    "headcount_ratio",
    "mean_income",
    "remoteness",
    "relocated_in",
    "relocated_out",
];
const DIST_COLUMNS: &[&str] = &["replicate", "year", "lower", "upper", "people"];
const TRANSITION_COLUMNS: &[&str] = &["replicate", "from", "to", "people"];
const SPENDING_COLUMNS: &[&str] = &[
    "replicate",
    "year",
    "module",
    "budget",
    "spent",
    "beneficiary_households",
    "beneficiary_people",
    "registered_poor_beneficiaries",
];
const TARGETING_COLUMNS: &[&str] = &[
    "replicate",
    "year",
    "method",
    "registered",
    "inclusion_error",
    "exclusion_error",
];

/// Where the files of an output come from.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// An output directory on disk.
    Dir(&'a Path),
    /// Tables kept in memory, as (file name, text).
    Memory(&'a [(PathBuf, Vec<u8>)]),
}

impl<'a> Source<'a> {
    /// The file `name` (its path, for messages, and a reader), `None` if absent.
    fn open(self, name: &str) -> Result<Option<(PathBuf, Box<dyn std::io::Read + 'a>)>> {
        match self {
            Source::Dir(dir) => {
                let path = dir.join(name);
                if !path.exists() {
                    return Ok(None);
                }
                let f = std::fs::File::open(&path)
                    .map_err(|e| Error::file(&path, format!("cannot read: {e}")))?;
                Ok(Some((path, Box::new(f))))
            }
            Source::Memory(files) => Ok(files
                .iter()
                .find(|(p, _)| p.as_os_str() == name)
                .map(|(p, text)| (p.clone(), Box::new(&text[..]) as Box<dyn std::io::Read>))),
        }
    }
}

/// Read a CSV file into rows. `Ok(None)` when the file is absent and optional.
fn read_csv<T: DeserializeOwned>(
    src: Source,
    name: &str,
    columns: &[&str],
    required: bool,
) -> Result<Option<Vec<T>>> {
    let Some((path, reader)) = src.open(name)? else {
        if required {
            let path = match src {
                Source::Dir(dir) => dir.join(name),
                Source::Memory(_) => PathBuf::from(name),
            };
            return Err(Error::file(
                &path,
                "missing (expected the output directory of `povsim run`, which always writes this file)",
            ));
        }
        return Ok(None);
    };
    let path = path.as_path();
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers = rdr
        .headers()
        .map_err(|e| csv_error(path, &csv::StringRecord::new(), e))?
        .clone();
    for c in columns {
        if !headers.iter().any(|h| h == *c) {
            return Err(Error::at(
                path,
                1,
                1,
                "",
                format!(
                    "missing column `{c}` (header is: {})",
                    headers.iter().collect::<Vec<_>>().join(",")
                ),
            ));
        }
    }
    let mut rows = Vec::new();
    for rec in rdr.deserialize::<T>() {
        rows.push(rec.map_err(|e| csv_error(path, &headers, e))?);
    }
    Ok(Some(rows))
}

/// A one-line error for a CSV problem: `file:line:col: column: message`.
fn csv_error(path: &Path, headers: &csv::StringRecord, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => {
            let field = err.field().map(|f| f as usize);
            let col = field.map(|f| f + 1).unwrap_or(1);
            let key = field.and_then(|f| headers.get(f)).unwrap_or("");
            let msg = match err.kind() {
                csv::DeserializeErrorKind::Message(m) => m.clone(),
                other => other.to_string(),
            };
            Error::at(path, line, col, key, msg)
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => Error::at(
            path,
            line,
            1,
            "",
            format!("expected {expected_len} fields, got {len}"),
        ),
        csv::ErrorKind::Io(io) => Error::file(path, format!("cannot read: {io}")),
        _ => Error::at(path, line, 1, "", e.to_string()),
    }
}

impl OutputData {
    /// Read an output directory: `trajectory.csv` is required, the rest optional.
    pub fn load(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(Error::file(dir, "no such output directory"));
        }
        Self::read(Source::Dir(dir), dir.to_path_buf(), || {
            read_summary(&dir.join("summary.json"))
        })
    }

    /// The same from tables kept in memory ([`crate::output::tables::RunTables::in_memory`]),
    /// read exactly as from their files, with `summary` in place of `summary.json`.
    pub fn from_memory(files: &[(PathBuf, Vec<u8>)], summary: Summary) -> Result<Self> {
        Self::read(Source::Memory(files), PathBuf::new(), || Ok(summary))
    }

    fn read(src: Source, dir: PathBuf, summary: impl FnOnce() -> Result<Summary>) -> Result<Self> {
        let trajectory: Vec<TrajRow> =
            read_csv(src, "trajectory.csv", TRAJECTORY_COLUMNS, true)?.unwrap_or_default();
        if trajectory.is_empty() {
            return Err(Error::file(
                &dir.join("trajectory.csv"),
                "has a header but no rows",
            ));
        }
        let summary = summary()?;
        let transitions = read_csv(src, "transitions.csv", TRANSITION_COLUMNS, false)?;
        Ok(OutputData {
            dir,
            summary,
            trajectory,
            income_sources: read_csv(src, "income_sources.csv", SOURCE_COLUMNS, false)?,
            villages: read_csv(src, "villages.csv", VILLAGE_COLUMNS, false)?,
            distribution: read_csv(src, "distribution.csv", DIST_COLUMNS, false)?,
            transitions,
            spending: read_csv(src, "spending.csv", SPENDING_COLUMNS, false)?,
            // The charts show the poor register; the dibao list's rows stay in the file.
            targeting: read_csv::<TargetingRow>(src, "targeting.csv", TARGETING_COLUMNS, false)?
                .map(|rows| rows.into_iter().filter(|r| r.list != "dibao").collect()),
        })
    }

    /// The scenario name: from `summary.json`, else the directory's name.
    pub fn scenario(&self) -> String {
        if !self.summary.scenario.trim().is_empty() {
            return self.summary.scenario.trim().to_string();
        }
        self.dir
            .canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "scenario".to_string())
    }

    /// The years of `trajectory.csv`, ascending.
    pub fn years(&self) -> Vec<i32> {
        self.trajectory
            .iter()
            .map(|r| r.year)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// The number of replicates in `trajectory.csv`.
    pub fn replicates(&self) -> usize {
        self.trajectory
            .iter()
            .map(|r| r.replicate)
            .collect::<BTreeSet<_>>()
            .len()
    }

    /// Mean and 90% band across replicates of `f` for each year.
    pub fn by_year(&self, f: impl Fn(&TrajRow) -> f64) -> Vec<(i32, Band)> {
        let mut per: BTreeMap<i32, Vec<f64>> = BTreeMap::new();
        for r in &self.trajectory {
            per.entry(r.year).or_default().push(f(r));
        }
        per.into_iter()
            .filter_map(|(y, v)| Band::of(v).map(|b| (y, b)))
            .collect()
    }

    /// Mean and 90% band across replicates of `f(last) - f(first)`, pairing the
    /// rows of the same replicate in the first and the last year.
    pub fn change(&self, f: impl Fn(&TrajRow) -> f64) -> Option<Band> {
        let years = self.years();
        let (first, last) = (*years.first()?, *years.last()?);
        let mut at_first = BTreeMap::new();
        for r in self.trajectory.iter().filter(|r| r.year == first) {
            at_first.insert(r.replicate, f(r));
        }
        let diffs: Vec<f64> = self
            .trajectory
            .iter()
            .filter(|r| r.year == last)
            .filter_map(|r| at_first.get(&r.replicate).map(|a| f(r) - a))
            .collect();
        Band::of(diffs)
    }
}

fn read_summary(path: &Path) -> Result<Summary> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Summary::default()),
        Err(e) => return Err(Error::file(path, format!("cannot read: {e}"))),
    };
    serde_json::from_str(&text).map_err(|e| Error::at(path, e.line(), e.column(), "", e))
}

/// Mean and the 5th–95th percentile band of a set of replicate values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
}

impl Band {
    /// The band of the finite values among `values`; `None` if there are none.
    pub fn of(mut values: Vec<f64>) -> Option<Band> {
        values.retain(|v| v.is_finite());
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        Some(Band {
            mean,
            lo: percentile(&values, 0.05),
            hi: percentile(&values, 0.95),
        })
    }

    /// The band scaled by `k` (for percentages).
    pub fn scaled(self, k: f64) -> Band {
        let (a, b) = (self.lo * k, self.hi * k);
        Band {
            mean: self.mean * k,
            lo: a.min(b),
            hi: a.max(b),
        }
    }
}

/// Percentile `p` in [0, 1] of sorted values, linear between order statistics
/// (the usual "type 7" definition).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
            let i = h.floor() as usize;
            let frac = h - i as f64;
            if i + 1 < n {
                sorted[i] + (sorted[i + 1] - sorted[i]) * frac
            } else {
                sorted[n - 1]
            }
        }
    }
}

/// Mean over replicates of a per-(replicate, key) quantity given as rows of
/// `(replicate, key, value)`: values of one replicate and key are summed first,
/// then averaged over `n_replicates` (a replicate without rows counts as zero).
pub fn replicate_mean<K: Ord + Clone>(
    rows: impl Iterator<Item = (i64, K, f64)>,
    n_replicates: usize,
) -> BTreeMap<K, f64> {
    let mut sums: BTreeMap<K, f64> = BTreeMap::new();
    for (_, k, v) in rows {
        if v.is_finite() {
            *sums.entry(k).or_default() += v;
        }
    }
    let n = n_replicates.max(1) as f64;
    sums.into_iter().map(|(k, v)| (k, v / n)).collect()
}

/// The number of distinct replicates among some rows.
pub fn count_replicates(reps: impl Iterator<Item = i64>) -> usize {
    reps.collect::<BTreeSet<_>>().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_type7() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&v, 0.5), 3.0);
        assert!((percentile(&v, 0.05) - 1.2).abs() < 1e-12);
        assert!((percentile(&v, 0.95) - 4.8).abs() < 1e-12);
        assert_eq!(percentile(&[7.0], 0.95), 7.0);
    }

    #[test]
    fn band_ignores_undefined_values() {
        let b = Band::of(vec![f64::NAN, 2.0, 4.0]).unwrap();
        assert_eq!(b.mean, 3.0);
        assert!(Band::of(vec![f64::NAN]).is_none());
    }
}
