//! `[population]`: where a run's households come from.
//!
//! - No table: drawn from the `[villages]` and `[households]` distributions.
//! - `from = "DIR"`: a state saved by `povsim run --save-state YEAR`
//!   (docs/DATA.md); the run continues its calendar from the year after.
//! - `households = "FILE.csv"`: a household survey, its columns named in
//!   `[population.columns]`, villages from `villages = "FILE.csv"` (columns
//!   in `[population.village_columns]`) or grouped from the village column,
//!   weights raked to `[population.margins]` ([`super::survey`], [`super::margins`]).
//!
//! Paths are relative to the scenario file that names them. Everything the
//! user gave is read and checked when the scenario is loaded, so a bad row
//! stops the run before anything is written.

use super::load::{Origin, Origins};
use super::raw::ScenarioFile;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The `[population]` table as written.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationTable {
    /// A saved state's directory (`OUT/state/YEAR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// A household survey file (CSV).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub households: Option<String>,
    /// A village file (CSV); without it, villages are grouped from the household file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub villages: Option<String>,
    /// Household attribute → column of the household file.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, String>,
    /// Village attribute → column of the village file (`id` joins the household file's `village`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub village_columns: BTreeMap<String, String>,
    /// Known totals the survey weights are raked to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margins: Option<Margins>,
}

/// `[population.margins]`: known totals.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Margins {
    /// Persons by village: village id → persons.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub persons_by_village: BTreeMap<String, f64>,
    /// Persons by age group: `children`, `adults`, `elderly` → persons.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub persons_by_age: BTreeMap<String, f64>,
    /// Households by size: `"1"`, `"2"`, …, and an open last class `"6+"` → households.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub households_by_size: BTreeMap<String, f64>,
    /// Persons on the poverty register.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_persons: Option<f64>,
    /// Households on the poverty register.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_households: Option<f64>,
}

/// An attribute a survey column can give: its key in `[population.columns]`
/// (or `[population.village_columns]`), its valid range and its meaning.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Attribute {
    pub key: &'static str,
    pub min: f64,
    pub max: f64,
    /// Whole numbers only.
    pub whole: bool,
    pub doc: &'static str,
}

const fn attr(key: &'static str, min: f64, max: f64, whole: bool, doc: &'static str) -> Attribute {
    Attribute {
        key,
        min,
        max,
        whole,
        doc,
    }
}

/// Household attributes a survey can give (the `[households]` attributes, and
/// what only data has: income, weight, village, register). `village` is a text
/// id; the others are numbers in their range.
pub const HOUSEHOLD_ATTRIBUTES: &[Attribute] = &[
    attr(
        "village",
        0.0,
        0.0,
        false,
        "village id (any text; joins the village file's id)",
    ),
    attr(
        "income",
        -1e9,
        1e9,
        false,
        "net income per person and year, yuan",
    ),
    attr(
        "weight",
        0.0,
        1e12,
        false,
        "households the row stands for (default 1)",
    ),
    attr(
        "members",
        1.0,
        60.0,
        true,
        "household size (or give adults, children and elderly)",
    ),
    attr("adults", 0.0, 20.0, true, "working-age adults (16–59)"),
    attr("children", 0.0, 20.0, true, "children (0–15)"),
    attr("elderly", 0.0, 20.0, true, "elderly (60+)"),
    attr(
        "registered",
        0.0,
        1.0,
        true,
        "on the poverty register: 1, else 0",
    ),
    attr(
        "schooling",
        0.0,
        25.0,
        false,
        "adults' mean years of schooling",
    ),
    attr("skill", 0.0, 1.0, false, "vocational skill, 0 to 1"),
    attr(
        "health",
        0.0,
        1.0,
        false,
        "health, 0 (chronically ill) to 1 (healthy)",
    ),
    attr("land", 0.0, 1e6, false, "arable land, mu"),
    attr(
        "assets",
        0.0,
        1e9,
        false,
        "productive assets (livestock, tools), yuan",
    ),
    attr("savings", 0.0, 1e9, false, "savings, yuan"),
    attr("debt", 0.0, 1e9, false, "debt, yuan"),
    attr(
        "awareness",
        0.0,
        1.0,
        false,
        "awareness of the policies, 0 to 1",
    ),
    attr("motivation", 0.0, 1.0, false, "motivation, 0 to 1"),
    attr(
        "ability",
        0.0,
        100.0,
        false,
        "earning ability (a multiplier on labour income)",
    ),
];

/// Village attributes a village file can give: `id`, and the `[villages]` attributes.
pub const VILLAGE_ATTRIBUTES: &[Attribute] = &[
    attr(
        "id",
        0.0,
        0.0,
        false,
        "village id (joins the household file's village column)",
    ),
    attr(
        "remoteness",
        0.0,
        1.0,
        false,
        "distance to market, 0 (county seat) to 1",
    ),
    attr(
        "road",
        0.0,
        1.0,
        false,
        "road access, 0 (none) to 1 (paved)",
    ),
    attr(
        "water",
        0.0,
        1.0,
        false,
        "share of households with safe drinking water",
    ),
    attr("irrigation", 0.0, 1.0, false, "share of land irrigated"),
    attr("school_quality", 0.0, 1.0, false, "school quality, 0 to 1"),
    attr(
        "clinic",
        0.0,
        1.0,
        true,
        "1 if the village has a clinic, else 0",
    ),
    attr(
        "tourism_potential",
        0.0,
        1.0,
        false,
        "tourism potential, 0 to 1",
    ),
    attr(
        "land_per_person",
        0.0,
        100.0,
        false,
        "arable land per person, mu",
    ),
    attr(
        "drought_risk",
        0.0,
        1.0,
        false,
        "annual probability of a drought",
    ),
    attr(
        "cadre_quality",
        0.0,
        1.0,
        false,
        "quality of the village cadres, 0 to 1",
    ),
];

/// Where the population of a checked scenario comes from.
#[derive(Clone, Debug, Default)]
pub enum Start {
    /// Drawn from the distributions.
    #[default]
    Drawn,
    /// Imported from a survey (read, checked and raked).
    Survey(Arc<super::survey::Survey>),
    /// Restored from a saved state.
    Saved(Arc<SavedStart>),
}

/// A saved state to continue from: its directory and its manifest.
#[derive(Clone, Debug, PartialEq)]
pub struct SavedStart {
    pub dir: PathBuf,
    pub manifest: StateManifest,
}

impl SavedStart {
    /// The household file of `replicate`.
    pub fn households_file(&self, replicate: u32) -> PathBuf {
        self.dir.join(households_file(replicate))
    }

    /// The village file of `replicate`.
    pub fn villages_file(&self, replicate: u32) -> PathBuf {
        self.dir.join(villages_file(replicate))
    }
}

/// Name of the manifest in a state directory.
pub const MANIFEST: &str = "manifest.json";
/// `format` of a state manifest.
pub const STATE_FORMAT: &str = "povsim-state";
/// Version of the state format; a state of another version is refused.
/// Raise it whenever a column is added, removed, renamed or changes meaning.
pub const STATE_VERSION: u32 = 1;

/// File name of a replicate's households in a state directory.
pub fn households_file(replicate: u32) -> String {
    format!("households_{replicate}.csv")
}

/// File name of a replicate's villages in a state directory.
pub fn villages_file(replicate: u32) -> String {
    format!("villages_{replicate}.csv")
}

/// `manifest.json` of a saved state (docs/DATA.md, "Saved states").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateManifest {
    /// Always [`STATE_FORMAT`].
    pub format: String,
    /// [`STATE_VERSION`] of the povsim that wrote it.
    pub version: u32,
    /// The povsim that wrote it.
    pub povsim: String,
    /// The scenario that was run.
    pub scenario: String,
    pub seed: u64,
    /// The state is the one at the end of this year.
    pub year: i32,
    /// First year of the history (when the population was drawn or observed).
    pub origin_year: i32,
    /// First year in which the modules could act.
    pub first_policy_year: i32,
    pub replicates: u32,
    pub households: u64,
    pub villages: u64,
    /// Columns of `households_R.csv` after `household`, in order.
    pub household_columns: Vec<ColumnSpec>,
    /// Columns of `villages_R.csv` after `village`, in order.
    pub village_columns: Vec<ColumnSpec>,
    /// Bits of the `flags` column.
    pub flags: BTreeMap<String, u8>,
}

/// One column of a state file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    pub name: String,
    /// numpy/pandas type: `uint8`, `uint32`, `float32`, `bool` (written 0/1).
    pub dtype: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub doc: String,
}

/// A path as written under `key`: relative to the scenario file that wrote it
/// (or to the working directory when it came from `--set`).
pub fn path_of(origins: &Origins, key: &str, value: &str) -> PathBuf {
    match origins.find(key) {
        Some(Origin::File { file, .. }) => file
            .parent()
            .map_or_else(|| PathBuf::from(value), |d| d.join(value)),
        _ => PathBuf::from(value),
    }
}

/// Read a saved state's manifest, refusing another format or version.
pub fn read_manifest(dir: &Path, origins: &Origins) -> Result<StateManifest> {
    let path = dir.join(MANIFEST);
    if !dir.is_dir() {
        return Err(origins.error(
            "population.from",
            format!(
                "expected a directory written by povsim run --save-state, got {}",
                if dir.exists() {
                    "something else"
                } else {
                    "no such directory"
                }
            ),
        ));
    }
    let bytes = crate::input::read(&path)?;
    let text = String::from_utf8_lossy(&bytes);
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::at(
            &path,
            e.line(),
            e.column(),
            "",
            format!("expected a povsim state manifest (JSON), got invalid JSON: {e}"),
        )
    })?;
    let at = |key: &str| json_key_line(&text, key);
    let format = value.get("format").and_then(|v| v.as_str()).unwrap_or("");
    if format != STATE_FORMAT {
        return Err(Error::at(
            &path,
            at("format"),
            1,
            "format",
            format!(
                "expected \"{STATE_FORMAT}\" (a state saved by povsim run --save-state), got {}",
                value
                    .get("format")
                    .map_or_else(|| "none".to_string(), |v| v.to_string())
            ),
        ));
    }
    let version = value.get("version").and_then(|v| v.as_u64());
    if version != Some(u64::from(STATE_VERSION)) {
        let by = value
            .get("povsim")
            .and_then(|v| v.as_str())
            .unwrap_or("an unknown version");
        return Err(Error::at(
            &path,
            at("version"),
            1,
            "version",
            format!(
                "expected state format version {STATE_VERSION} (povsim {}), got {} (saved by povsim {by}): run the scenario that saved it again with this povsim",
                env!("CARGO_PKG_VERSION"),
                version.map_or_else(|| "none".to_string(), |v| v.to_string())
            ),
        ));
    }
    serde_json::from_value(value).map_err(|e| {
        Error::file(
            &path,
            format!("expected a povsim state manifest of version {STATE_VERSION}, got one that does not parse: {e}"),
        )
    })
}

/// Line of the first `"key":` in a JSON text (1 if absent).
fn json_key_line(text: &str, key: &str) -> usize {
    let needle = format!("\"{key}\"");
    text.lines()
        .position(|l| l.contains(&needle))
        .map_or(1, |k| k + 1)
}

/// The start of a scenario whose other values are checked: read the saved
/// state's manifest or the survey (with its margins), or draw.
pub fn resolve(file: &ScenarioFile, origins: &Origins) -> Result<Start> {
    let Some(p) = &file.population else {
        return Ok(Start::Drawn);
    };
    match (&p.from, &p.households) {
        (Some(_), Some(_)) => Err(origins.error(
            "population.households",
            "expected either `from` (a saved state) or `households` (a survey file), got both",
        )),
        (Some(dir), None) => {
            for (key, given) in [
                ("population.villages", p.villages.is_some()),
                ("population.columns", !p.columns.is_empty()),
                ("population.village_columns", !p.village_columns.is_empty()),
                ("population.margins", p.margins.is_some()),
            ] {
                if given {
                    return Err(origins.error(
                        key,
                        "expected nothing besides `from` when continuing a saved state, got this key",
                    ));
                }
            }
            let dir = path_of(origins, "population.from", dir);
            let manifest = read_manifest(&dir, origins)?;
            Ok(Start::Saved(Arc::new(SavedStart { dir, manifest })))
        }
        (None, Some(_)) => Ok(Start::Survey(Arc::new(super::survey::read(file, origins)?))),
        (None, None) => Err(origins.error(
            "population",
            "expected `from` (a saved state) or `households` (a survey file), got neither",
        )),
    }
}
