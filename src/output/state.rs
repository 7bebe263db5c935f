//! Saved states: `povsim run --save-state YEAR` writes, per replicate, every
//! household and village column at the end of that year to
//! `OUT/state/YEAR/` (docs/DATA.md, "Saved states"):
//!
//! - `manifest.json`: the format and its version, the povsim, scenario, seed
//!   and years, the counts, every column with its type and meaning, the bits
//!   of `flags`;
//! - `households_R.csv`: `household` (0, 1, …), the declared household
//!   columns, `first_state`, then each running module's own household
//!   columns as `module.column` (`microfinance.loan`);
//! - `villages_R.csv`: `village` (0, 1, …), the declared village columns,
//!   then the modules' own village columns (`education.remote_teaching`).
//!
//! CSV, not Parquet: pandas (`pd.read_csv`) and R (`read.csv`) read it with
//! no extra library, and writing it needs none (the parquet and arrow crates
//! would about double povsim's build time for files a run writes rarely).
//! Floats are written in the shortest form that reads back to the same bits
//! ([`crate::model::columns`]), so a run continued from a state
//! ([`crate::population::saved`]) is the run that was saved.

use super::tables::TableFile;
use crate::engine::Simulation;
use crate::error::Result;
use crate::model::columns::Column;
use crate::population::saved::{
    FIRST_STATE, flag_bits, household_columns, module_columns, village_columns,
};
use crate::scenario::Scenario;
use crate::scenario::population::{
    ColumnSpec, MANIFEST, STATE_FORMAT, STATE_VERSION, StateManifest, households_file,
    villages_file,
};
use std::path::{Path, PathBuf};

/// Directory of the state saved at the end of `year` under an output directory.
pub fn dir(out: &Path, year: i32) -> PathBuf {
    out.join("state").join(year.to_string())
}

/// Write one replicate's state (the year `sim` has just run) into `dir`:
/// the declared columns, `first_state`, then each module's own columns
/// named `module.column`. Returns the files and the modules' columns (for
/// the manifest).
pub fn write_replicate(dir: &Path, sim: &mut Simulation) -> Result<(Vec<PathBuf>, OwnSpecs)> {
    super::atomic::create_dir(dir)?;
    let r = sim.streams.replicate;
    let view = sim.state();
    let specs = module_columns(&view.modules);
    let mut hh = view.hh.columns();
    hh.push((FIRST_STATE.0, view.first_state as &dyn Column));
    let mut v = view.villages.columns();
    let mut names: Vec<String> = Vec::new();
    let mut own_v: Vec<&dyn Column> = Vec::new();
    let mut own_h: Vec<&dyn Column> = Vec::new();
    for (_, o) in &view.modules {
        own_h.extend(o.households.iter().map(|c| &*c.col as &dyn Column));
        own_v.extend(o.villages.iter().map(|c| &*c.col as &dyn Column));
    }
    names.extend(specs.0.iter().map(|c| c.name.clone()));
    let split = names.len();
    names.extend(specs.1.iter().map(|c| c.name.clone()));
    hh.extend(names[..split].iter().map(String::as_str).zip(own_h));
    v.extend(names[split..].iter().map(String::as_str).zip(own_v));
    let households = write_table(&dir.join(households_file(r)), "household", &hh)?;
    let villages = write_table(&dir.join(villages_file(r)), "village", &v)?;
    Ok((vec![households, villages], specs))
}

/// The modules' own columns of a state file, per household and per village.
pub type OwnSpecs = (Vec<ColumnSpec>, Vec<ColumnSpec>);

/// Write the manifest of the states of `sc` saved at the end of `year`,
/// whose modules kept the columns `own`.
pub fn write_manifest(dir: &Path, sc: &Scenario, year: i32, own: &OwnSpecs) -> Result<PathBuf> {
    let m = StateManifest {
        format: STATE_FORMAT.into(),
        version: STATE_VERSION,
        povsim: env!("CARGO_PKG_VERSION").into(),
        scenario: sc.name.clone(),
        seed: sc.seed,
        year,
        origin_year: sc.origin_year,
        first_policy_year: sc.first_policy_year,
        replicates: sc.replicates,
        households: sc.households(),
        villages: u64::from(sc.villages),
        household_columns: household_columns()
            .into_iter()
            .chain(own.0.clone())
            .collect(),
        village_columns: village_columns().into_iter().chain(own.1.clone()).collect(),
        flags: flag_bits(),
    };
    let path = dir.join(MANIFEST);
    let json = serde_json::to_string_pretty(&m).expect("a manifest serializes");
    super::atomic::write_file(&path, json.as_bytes())?;
    Ok(path)
}

/// One CSV: the index column, then `cols`, one row per index.
fn write_table(path: &Path, index: &str, cols: &[(&str, &dyn Column)]) -> Result<PathBuf> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let header: Vec<&str> = std::iter::once(index)
        .chain(cols.iter().map(|(n, _)| *n))
        .collect();
    let mut t = TableFile::create(dir, &name, &header.join(","))?;
    let rows = cols.first().map_or(0, |(_, c)| c.len());
    let mut line = String::new();
    for i in 0..rows {
        line.clear();
        line.push_str(&i.to_string());
        for (_, c) in cols {
            line.push(',');
            c.write_cell(i, &mut line);
        }
        if let Err(e) = t.line(&line) {
            t.abandon();
            return Err(e);
        }
    }
    t.commit()
}
