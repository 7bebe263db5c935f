//! Saved states: `povsim run --save-state YEAR` writes, per replicate, every
//! household and village column at the end of that year to
//! `OUT/state/YEAR/` (docs/DATA.md, "Saved states"):
//!
//! - `manifest.json`: the format and its version, the povsim, scenario, seed
//!   and years, the counts, every column with its type and meaning, the bits
//!   of `flags`;
//! - `households_R.csv`: `household` (0, 1, …), the declared household
//!   columns, `first_state`;
//! - `villages_R.csv`: `village` (0, 1, …), the declared village columns.
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
use crate::population::saved::{FIRST_STATE, flag_bits, household_columns, village_columns};
use crate::scenario::Scenario;
use crate::scenario::population::{
    MANIFEST, STATE_FORMAT, STATE_VERSION, StateManifest, households_file, villages_file,
};
use std::path::{Path, PathBuf};

/// Directory of the state saved at the end of `year` under an output directory.
pub fn dir(out: &Path, year: i32) -> PathBuf {
    out.join("state").join(year.to_string())
}

/// Write one replicate's state (the year `sim` has just run) into `dir`.
pub fn write_replicate(dir: &Path, sim: &Simulation) -> Result<Vec<PathBuf>> {
    super::atomic::create_dir(dir)?;
    let r = sim.streams.replicate;
    let first_state = sim.first_state().to_vec();
    let mut hh = sim.hh.columns();
    hh.push((FIRST_STATE.0, &first_state as &dyn Column));
    let households = write_table(&dir.join(households_file(r)), "household", &hh)?;
    let villages = write_table(
        &dir.join(villages_file(r)),
        "village",
        &sim.villages.columns(),
    )?;
    Ok(vec![households, villages])
}

/// Write the manifest of the states of `sc` saved at the end of `year`.
pub fn write_manifest(dir: &Path, sc: &Scenario, year: i32) -> Result<PathBuf> {
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
        household_columns: household_columns(),
        village_columns: village_columns(),
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
