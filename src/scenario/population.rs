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

use super::keys::{
    AsValue, Check, Decl, Section, Value, Visit, column, num, path, section, table, totals,
};
use super::load::{Origin, Origins};
use super::raw::ScenarioFile;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

section! {
    /// `[population]`: where the households come from, when not drawn.
    #[serde(deny_unknown_fields)]
    pub struct PopulationTable {
        /// A saved state to continue (the directory `povsim run --save-state YEAR` wrote: `OUT/state/YEAR`).
        from: Option<String> = None, path(), "" [serde(default, skip_serializing_if = "Option::is_none")];
        /// A household survey file (CSV), its columns named in `[population.columns]`.
        households: Option<String> = None, path(), "" [serde(default, skip_serializing_if = "Option::is_none")];
        /// A village file (CSV), its columns named in `[population.village_columns]`; without it, villages are grouped from the household file's village column.
        villages: Option<String> = None, path(), "" [serde(default, skip_serializing_if = "Option::is_none")];
        /// Which column of the household file gives each household attribute.
        columns: HouseholdColumns = HouseholdColumns::default(), table(), ""
            [serde(default, skip_serializing_if = "HouseholdColumns::is_empty")];
        /// Which column of the village file gives each village attribute.
        village_columns: VillageColumns = VillageColumns::default(), table(), ""
            [serde(default, skip_serializing_if = "VillageColumns::is_empty")];
        /// Known totals the survey weights are raked to.
        margins: Option<Margins> = None, table(), "" [serde(default, skip_serializing_if = "Option::is_none")];
    }
}

/// A column's cells: text (an id).
const TEXT: Check = Check::Name;
/// A column's cells: a share or an index from 0 to 1.
const UNIT: Check = Check::Number(0.0, 1.0);
/// A column's cells: an amount of yuan, at least 0.
const YUAN: Check = Check::Number(0.0, 1e9);
/// A column's cells: people in an age group.
const PEOPLE: Check = Check::Whole(0, 20);

section! {
    /// `[population.columns]`: household attribute → column of the household
    /// file (`village` and `income` required; `members`, or `adults`,
    /// `children` and `elderly`). An attribute not given is drawn from
    /// `[households]` (earning ability is backed out of the income).
    #[serde(deny_unknown_fields, default)]
    pub struct HouseholdColumns {
        /// Village id (any text; joins the village file's id).
        village: Option<String> = None, column(&TEXT), "" [serde(skip_serializing_if = "Option::is_none")];
        /// Net income per person and year.
        income: Option<String> = None, column(&Check::Number(-1e9, 1e9)), "yuan per person-year" [serde(skip_serializing_if = "Option::is_none")];
        /// Households the row stands for (default 1).
        weight: Option<String> = None, column(&Check::Number(0.0, 1e12)), "households" [serde(skip_serializing_if = "Option::is_none")];
        /// Household size (or give adults, children and elderly).
        members: Option<String> = None, column(&Check::Whole(1, 60)), "people" [serde(skip_serializing_if = "Option::is_none")];
        /// Working-age adults (16–59).
        adults: Option<String> = None, column(&PEOPLE), "people" [serde(skip_serializing_if = "Option::is_none")];
        /// Children (0–15).
        children: Option<String> = None, column(&PEOPLE), "people" [serde(skip_serializing_if = "Option::is_none")];
        /// Elderly (60+).
        elderly: Option<String> = None, column(&PEOPLE), "people" [serde(skip_serializing_if = "Option::is_none")];
        /// On the poverty register: 1, else 0.
        registered: Option<String> = None, column(&Check::Whole(0, 1)), "" [serde(skip_serializing_if = "Option::is_none")];
        /// Adults' mean years of schooling.
        schooling: Option<String> = None, column(&Check::Number(0.0, 25.0)), "years" [serde(skip_serializing_if = "Option::is_none")];
        /// Vocational skill, 0 to 1.
        skill: Option<String> = None, column(&UNIT), "index" [serde(skip_serializing_if = "Option::is_none")];
        /// Health, 0 (chronically ill) to 1 (healthy).
        health: Option<String> = None, column(&UNIT), "index" [serde(skip_serializing_if = "Option::is_none")];
        /// Arable land.
        land: Option<String> = None, column(&Check::Number(0.0, 1e6)), "mu" [serde(skip_serializing_if = "Option::is_none")];
        /// Productive assets (livestock, tools).
        assets: Option<String> = None, column(&YUAN), "yuan" [serde(skip_serializing_if = "Option::is_none")];
        /// Savings.
        savings: Option<String> = None, column(&YUAN), "yuan" [serde(skip_serializing_if = "Option::is_none")];
        /// Debt.
        debt: Option<String> = None, column(&YUAN), "yuan" [serde(skip_serializing_if = "Option::is_none")];
        /// Awareness of the policies, 0 to 1.
        awareness: Option<String> = None, column(&UNIT), "index" [serde(skip_serializing_if = "Option::is_none")];
        /// Motivation, 0 to 1.
        motivation: Option<String> = None, column(&UNIT), "index" [serde(skip_serializing_if = "Option::is_none")];
        /// Earning ability (a multiplier on labour income; backed out of the income when not given).
        ability: Option<String> = None, column(&Check::Number(0.0, 100.0)), "× labour income" [serde(skip_serializing_if = "Option::is_none")];
    }
}

section! {
    /// `[population.village_columns]`: village attribute → column of the
    /// village file (`id` required). An attribute not given is drawn from
    /// `[villages]`.
    #[serde(deny_unknown_fields, default)]
    pub struct VillageColumns {
        /// Village id (joins the household file's village column).
        id: Option<String> = None, column(&TEXT), "" [serde(skip_serializing_if = "Option::is_none")];
        /// Distance to market, 0 (county seat) to 1 (remote mountain).
        remoteness: Option<String> = None, column(&UNIT), "index" [serde(skip_serializing_if = "Option::is_none")];
        /// Road access, 0 (none) to 1 (paved all-weather road).
        road: Option<String> = None, column(&UNIT), "index" [serde(skip_serializing_if = "Option::is_none")];
        /// Share of households with safe drinking water.
        water: Option<String> = None, column(&UNIT), "share" [serde(skip_serializing_if = "Option::is_none")];
        /// Share of land irrigated.
        irrigation: Option<String> = None, column(&UNIT), "share" [serde(skip_serializing_if = "Option::is_none")];
        /// School quality, 0 to 1.
        school_quality: Option<String> = None, column(&UNIT), "index" [serde(skip_serializing_if = "Option::is_none")];
        /// 1 if the village has a clinic, else 0.
        clinic: Option<String> = None, column(&Check::Whole(0, 1)), "" [serde(skip_serializing_if = "Option::is_none")];
        /// Tourism potential, 0 to 1.
        tourism_potential: Option<String> = None, column(&UNIT), "index" [serde(skip_serializing_if = "Option::is_none")];
        /// Arable land per person.
        land_per_person: Option<String> = None, column(&Check::Number(0.0, 100.0)), "mu per person" [serde(skip_serializing_if = "Option::is_none")];
        /// Annual probability of a drought.
        drought_risk: Option<String> = None, column(&UNIT), "per year" [serde(skip_serializing_if = "Option::is_none")];
        /// Quality of the village cadres, 0 to 1.
        cadre_quality: Option<String> = None, column(&UNIT), "index" [serde(skip_serializing_if = "Option::is_none")];
    }
}

/// A total, at least 0.
const TOTAL: Check = Check::Number(0.0, f64::INFINITY);

section! {
    /// `[population.margins]`: known totals the survey's weights are raked to.
    #[serde(deny_unknown_fields, default)]
    pub struct Margins {
        /// Persons by village: village id → persons.
        persons_by_village: BTreeMap<String, f64> = BTreeMap::new(), totals(&TOTAL), "people"
            [serde(skip_serializing_if = "BTreeMap::is_empty")];
        /// Persons by age group: `children`, `adults`, `elderly` → persons.
        persons_by_age: BTreeMap<String, f64> = BTreeMap::new(), totals(&TOTAL), "people"
            [serde(skip_serializing_if = "BTreeMap::is_empty")];
        /// Households by size: `"1"`, `"2"`, …, and an open last class `"6+"` → households.
        households_by_size: BTreeMap<String, f64> = BTreeMap::new(), totals(&TOTAL), "households"
            [serde(skip_serializing_if = "BTreeMap::is_empty")];
        /// Persons on the poverty register.
        registered_persons: Option<f64> = None, num(0.0, f64::INFINITY), "people"
            [serde(skip_serializing_if = "Option::is_none")];
        /// Households on the poverty register.
        registered_households: Option<f64> = None, num(0.0, f64::INFINITY), "households"
            [serde(skip_serializing_if = "Option::is_none")];
    }
}

/// A column mapping's attribute → column name, as given.
fn given<S: Section>(s: &S) -> BTreeMap<String, String> {
    S::KEYS
        .iter()
        .zip(s.values())
        .filter_map(|(d, v)| match v {
            Value::Text(t) => Some((d.name.to_string(), t.to_string())),
            _ => None,
        })
        .collect()
}

impl HouseholdColumns {
    /// Attribute → column name, for the attributes given.
    pub fn mapping(&self) -> BTreeMap<String, String> {
        given(self)
    }
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl VillageColumns {
    /// Attribute → column name, for the attributes given.
    pub fn mapping(&self) -> BTreeMap<String, String> {
        given(self)
    }
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

macro_rules! table_value {
    ($($t:ty),*) => {$(
        impl AsValue for $t {
            fn as_value(&self) -> Value<'_> {
                Value::Other
            }
        }
    )*};
}
table_value!(HouseholdColumns, VillageColumns, Margins);

/// The sections of `[population]`, in file order, handed to `v` (see
/// [`super::raw::sections`]).
pub fn sections(p: Option<&PopulationTable>, v: &mut impl Visit) -> Result<()> {
    v.section("population", p)?;
    v.section("population.columns", p.map(|p| &p.columns))?;
    v.section("population.village_columns", p.map(|p| &p.village_columns))?;
    v.section("population.margins", p.and_then(|p| p.margins.as_ref()))
}

/// An attribute a survey column can give: its key in `[population.columns]`
/// (or `[population.village_columns]`), the valid range of its cells and its
/// meaning, from its declaration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Attribute {
    pub key: &'static str,
    pub min: f64,
    pub max: f64,
    /// Whole numbers only.
    pub whole: bool,
    pub doc: &'static str,
}

/// The attributes a mapping's declarations name.
fn attributes(keys: &'static [Decl]) -> Vec<Attribute> {
    keys.iter()
        .map(|d| {
            let cells = match d.check {
                Check::Column(c) => *c,
                c => c,
            };
            let r = cells.range();
            Attribute {
                key: d.name,
                min: r.map_or(0.0, |r| r.min),
                max: r.map_or(0.0, |r| r.max),
                whole: matches!(cells, Check::Whole(..)),
                doc: d.doc,
            }
        })
        .collect()
}

/// Household attributes a survey can give (the declarations of
/// [`HouseholdColumns`]). `village` is a text id; the others are numbers in
/// their range.
pub static HOUSEHOLD_ATTRIBUTES: LazyLock<Vec<Attribute>> =
    LazyLock::new(|| attributes(HouseholdColumns::KEYS));

/// Village attributes a village file can give (the declarations of
/// [`VillageColumns`]): `id`, and the `[villages]` attributes.
pub static VILLAGE_ATTRIBUTES: LazyLock<Vec<Attribute>> =
    LazyLock::new(|| attributes(VillageColumns::KEYS));

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
