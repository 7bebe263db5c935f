//! A household survey read for `[population] households = "FILE.csv"`:
//! the mapped columns of every row, checked against their ranges, the
//! villages (from a village file or grouped from the village column), the
//! weights raked to the margins and turned into whole numbers of the
//! scenario's households ([`super::margins`]).
//!
//! Every bad row is one line: file, line, column, the attribute it gives and
//! what was expected.

use super::load::Origins;
use super::margins::{self, MarginReport};
use super::population::{
    Attribute, HOUSEHOLD_ATTRIBUTES, PopulationTable, VILLAGE_ATTRIBUTES, path_of,
};
use super::raw::ScenarioFile;
use crate::error::{Error, Result};
use crate::input::table::{Row, Table};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Most rows read from a survey or village file.
pub const MAX_ROWS: usize = 10_000_000;

/// A survey, read and checked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Survey {
    /// The household file.
    pub file: PathBuf,
    /// The village file, if any.
    pub village_file: Option<PathBuf>,
    /// Village ids, in the order of the village file (or of first appearance).
    pub village_ids: Vec<String>,
    /// Each row's village (an index into `village_ids`).
    pub village: Vec<u32>,
    /// Each row's household size (given, or the sum of adults, children and elderly).
    pub members: Vec<f64>,
    /// The mapped numeric household attributes, one value per row.
    pub columns: BTreeMap<&'static str, Vec<f64>>,
    /// The mapped village attributes, one value per village.
    pub village_columns: BTreeMap<&'static str, Vec<f64>>,
    /// The weights as given (1 without a weight column).
    pub design_weights: Vec<f64>,
    /// The weights after raking (the design weights without margins).
    pub weights: Vec<f64>,
    /// Households of the model each row becomes.
    pub copies: Vec<u64>,
    /// How far each margin was from its total, before and after raking.
    pub margins: Vec<MarginReport>,
    /// Sweeps raking took.
    pub sweeps: usize,
}

impl Survey {
    /// The mapped values of a household attribute, if it was mapped.
    pub fn get(&self, key: &str) -> Option<&[f64]> {
        self.columns.get(key).map(Vec::as_slice)
    }

    /// The mapped values of a village attribute, if it was mapped.
    pub fn village_get(&self, key: &str) -> Option<&[f64]> {
        self.village_columns.get(key).map(Vec::as_slice)
    }

    pub fn rows(&self) -> usize {
        self.village.len()
    }

    /// Households in the model.
    pub fn households(&self) -> u64 {
        self.copies.iter().sum()
    }
}

/// The column a mapped attribute names, located at the header line.
fn column_of(table: &Table, key: &str, name: &str, mapping: &str) -> Result<usize> {
    let found: Vec<usize> = table
        .header()
        .iter()
        .enumerate()
        .filter(|(_, h)| *h == name)
        .map(|(i, _)| i)
        .collect();
    match found.as_slice() {
        [i] => Ok(*i),
        [] => Err(Error::at(
            table.path(),
            table.header_line(),
            1,
            name,
            format!(
                "no such column ({mapping}.{key} names it); columns are {}",
                table.header().join(", ")
            ),
        )),
        [i, j, ..] => Err(Error::at(
            table.path(),
            table.header_line(),
            j + 1,
            name,
            format!("column named twice (columns {} and {})", i + 1, j + 1),
        )),
    }
}

/// The value of attribute `a` in column `idx`, in range.
fn value(row: &Row, idx: usize, name: &str, a: &Attribute) -> Result<f64> {
    let x = row.number(idx, name).map_err(|_| {
        row.error(
            idx,
            name,
            format!(
                "expected {} ({}), got {:?}",
                range_text(a),
                a.key,
                row.text(idx)
            ),
        )
    })?;
    if x < a.min || x > a.max || (a.whole && x.fract() != 0.0) {
        return Err(row.error(
            idx,
            name,
            format!(
                "expected {} ({}), got {}",
                range_text(a),
                a.key,
                row.text(idx)
            ),
        ));
    }
    Ok(x)
}

fn range_text(a: &Attribute) -> String {
    if a.whole {
        format!("a whole number from {} to {}", a.min, a.max)
    } else if a.min <= -1e9 {
        "a number".into()
    } else {
        format!("a number from {} to {}", a.min, a.max)
    }
}

/// Mapped numeric attributes of a file: (key, column name, index, attribute).
fn mapped<'a>(
    table: &Table,
    map: &'a BTreeMap<String, String>,
    attributes: &'static [Attribute],
    text_key: &str,
    mapping: &str,
) -> Result<Vec<(&'static Attribute, &'a str, usize)>> {
    let mut out = Vec::new();
    for a in attributes.iter().filter(|a| a.key != text_key) {
        if let Some(name) = map.get(a.key) {
            out.push((a, name.as_str(), column_of(table, a.key, name, mapping)?));
        }
    }
    Ok(out)
}

/// Mapped attributes: key → one value per row.
type Values = BTreeMap<&'static str, Vec<f64>>;

/// The village file: ids in file order and the mapped attributes.
fn read_villages(path: &Path, map: &BTreeMap<String, String>) -> Result<(Vec<String>, Values)> {
    let mapping = "population.village_columns";
    let mut table = Table::open(path)?;
    let id_name = &map["id"];
    let id_idx = column_of(&table, "id", id_name, mapping)?;
    let cols = mapped(&table, map, &VILLAGE_ATTRIBUTES, "id", mapping)?;
    let mut ids: Vec<String> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut values: BTreeMap<&'static str, Vec<f64>> =
        cols.iter().map(|(a, _, _)| (a.key, Vec::new())).collect();
    while let Some(row) = table.next_row()? {
        if ids.len() == MAX_ROWS {
            return Err(row.error(0, "", format!("expected at most {MAX_ROWS} rows")));
        }
        let id = row.text(id_idx);
        if id.is_empty() {
            return Err(row.error(id_idx, id_name, "expected a village id, got an empty cell"));
        }
        if let Some(first) = seen.insert(id.clone(), row.line()) {
            return Err(row.error(
                id_idx,
                id_name,
                format!("expected each village once, got \"{id}\" again (first on line {first})"),
            ));
        }
        for (a, name, idx) in &cols {
            let x = value(&row, *idx, name, a)?;
            values.get_mut(a.key).expect("mapped").push(x);
        }
        ids.push(id);
    }
    if ids.is_empty() {
        return Err(Error::file(path, "no data rows after the header line"));
    }
    Ok((ids, values))
}

/// Read and check the survey of `file.population`, rake its weights and
/// apportion them to the scenario's households.
pub fn read(file: &ScenarioFile, origins: &Origins) -> Result<Survey> {
    let p: &PopulationTable = file.population.as_ref().expect("a survey start");
    // The attributes are the declared keys (serde refused any other).
    let columns = p.columns.mapping();
    let village_map = p.village_columns.mapping();
    for key in ["village", "income"] {
        if !columns.contains_key(key) {
            return Err(origins.error(
                "population.columns",
                format!("expected `{key}` to name a column of the household file, got no `{key}`"),
            ));
        }
    }
    let parts = ["adults", "children", "elderly"];
    let given = parts.iter().filter(|k| columns.contains_key(**k)).count();
    if given != 0 && given != 3 {
        return Err(origins.error(
            "population.columns",
            "expected all of adults, children and elderly (or none of them and `members`), got some",
        ));
    }
    if given == 0 && !columns.contains_key("members") {
        return Err(origins.error(
            "population.columns",
            "expected `members` (or adults, children and elderly) to name columns of the household file, got neither",
        ));
    }

    let village_file = match &p.villages {
        Some(v) => {
            if !village_map.contains_key("id") {
                return Err(origins.error(
                    "population.village_columns",
                    "expected `id` to name the village file's id column, got no `id`",
                ));
            }
            Some(path_of(origins, "population.villages", v))
        }
        None => {
            if !village_map.is_empty() {
                return Err(origins.error(
                    "population.village_columns",
                    "expected `population.villages` (a village file) for these columns, got none",
                ));
            }
            None
        }
    };
    let (mut village_ids, village_columns) = match &village_file {
        Some(path) => read_villages(path, &village_map)?,
        None => (Vec::new(), BTreeMap::new()),
    };
    let mut village_index: HashMap<String, u32> = village_ids
        .iter()
        .enumerate()
        .map(|(k, id)| (id.clone(), k as u32))
        .collect();

    let path = path_of(
        origins,
        "population.households",
        p.households.as_deref().unwrap_or_default(),
    );
    let mapping = "population.columns";
    let mut table = Table::open(&path)?;
    let village_name = &columns["village"];
    let village_idx = column_of(&table, "village", village_name, mapping)?;
    let cols = mapped(&table, &columns, &HOUSEHOLD_ATTRIBUTES, "village", mapping)?;
    let adults_col = cols
        .iter()
        .find(|(a, _, _)| a.key == "adults")
        .map(|(_, name, idx)| (*name, *idx));
    let mut s = Survey {
        file: path.clone(),
        village_file: village_file.clone(),
        ..Default::default()
    };
    for (a, _, _) in &cols {
        s.columns.insert(a.key, Vec::new());
    }
    while let Some(row) = table.next_row()? {
        if s.village.len() == MAX_ROWS {
            return Err(row.error(0, "", format!("expected at most {MAX_ROWS} rows")));
        }
        let id = row.text(village_idx);
        if id.is_empty() {
            return Err(row.error(
                village_idx,
                village_name,
                "expected a village id, got an empty cell",
            ));
        }
        let v = match village_index.get(&id) {
            Some(v) => *v,
            None => match &village_file {
                Some(vf) => {
                    return Err(row.error(
                        village_idx,
                        village_name,
                        format!("expected a village of {}, got \"{id}\"", vf.display()),
                    ));
                }
                None => {
                    let v = village_ids.len() as u32;
                    village_ids.push(id.clone());
                    village_index.insert(id, v);
                    v
                }
            },
        };
        s.village.push(v);
        let mut parts_sum = 0.0;
        let mut members = None;
        for (a, name, idx) in &cols {
            let x = value(&row, *idx, name, a)?;
            if parts.contains(&a.key) {
                parts_sum += x;
            }
            if a.key == "members" {
                members = Some((x, *idx, *name));
            }
            s.columns.get_mut(a.key).expect("mapped").push(x);
        }
        let size = match (given, members) {
            (3, Some((m, idx, name))) if m != parts_sum => {
                return Err(row.error(
                    idx,
                    name,
                    format!("expected the household size to be adults + children + elderly = {parts_sum}, got {m}"),
                ));
            }
            (3, _) if parts_sum < 1.0 => {
                let (name, idx) = adults_col.expect("the three parts are mapped");
                return Err(row.error(
                    idx,
                    name,
                    "expected a household of at least one person (adults + children + elderly ≥ 1), got 0",
                ));
            }
            (3, _) => parts_sum,
            (_, Some((m, _, _))) => m,
            _ => unreachable!("members or the three parts are mapped"),
        };
        s.members.push(size);
    }
    if s.village.is_empty() {
        return Err(Error::file(&path, "no data rows after the header line"));
    }
    s.village_ids = village_ids;
    s.village_columns = village_columns;
    s.design_weights = s
        .get("weight")
        .map_or_else(|| vec![1.0; s.rows()], <[f64]>::to_vec);
    if s.design_weights.iter().sum::<f64>() <= 0.0 {
        return Err(Error::file(
            &path,
            format!(
                "expected weights ({}) that add up to more than 0, got 0",
                columns.get("weight").map_or("weight", String::as_str)
            ),
        ));
    }
    let cells = margins::fit(&mut s, p.margins.as_ref(), origins)?;
    let n = households_wanted(file, &s);
    margins::copies(&mut s, &cells, n);
    Ok(s)
}

/// The scenario's number of households: `simulation.households`, or
/// `simulation.population` divided by the survey's weighted mean household size.
fn households_wanted(file: &ScenarioFile, s: &Survey) -> u64 {
    let sim = &file.simulation;
    match (sim.households, sim.population) {
        (Some(h), _) => h.max(1) as u64,
        (None, Some(people)) => {
            let w: f64 = s.weights.iter().sum();
            let wm: f64 = s.weights.iter().zip(&s.members).map(|(w, m)| w * m).sum();
            ((people as f64 * w / wm).round() as u64).max(1)
        }
        (None, None) => 1,
    }
}
