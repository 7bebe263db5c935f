//! A saved state read back: every household and village column of one
//! replicate, as `povsim run --save-state` wrote it ([`crate::output::state`]),
//! checked against the columns this povsim declares. A state written by
//! another format version, or with other columns, is refused in one located
//! line (docs/DATA.md, "Saved states").

use super::Initial;
use crate::error::{Error, Result};
use crate::input::table::Table;
use crate::model::columns::{self, Column};
use crate::model::state::{Households, Villages, flag};
use crate::scenario::population::{ColumnSpec, MANIFEST, SavedStart, StateManifest};
use std::path::Path;

/// The engine's own column after the declared household columns: each
/// household's state in the history's first year, for the transition matrix.
pub const FIRST_STATE: (&str, &str) = (
    "first_state",
    "State in the first year of the history: 0 poor, 1 near poor, 2 non-poor (transitions.csv)",
);

/// The household columns of a state file, in order, after `household`.
pub fn household_columns() -> Vec<ColumnSpec> {
    let hh = Households::default();
    let docs = Households::COLUMNS;
    hh.columns()
        .into_iter()
        .zip(docs)
        .map(|((name, col), (_, doc))| spec(name, col.dtype(), doc))
        .chain(std::iter::once(spec(FIRST_STATE.0, "uint8", FIRST_STATE.1)))
        .collect()
}

/// The village columns of a state file, in order, after `village`.
pub fn village_columns() -> Vec<ColumnSpec> {
    let v = Villages::default();
    v.columns()
        .into_iter()
        .zip(Villages::COLUMNS)
        .map(|((name, col), (_, doc))| spec(name, col.dtype(), doc))
        .collect()
}

/// The bits of the `flags` column, by name.
pub fn flag_bits() -> std::collections::BTreeMap<String, u8> {
    [
        ("registered", flag::REGISTERED),
        ("poor", flag::POOR),
        ("ill", flag::ILL),
        ("relocated", flag::RELOCATED),
        ("on_guarantee", flag::ON_GUARANTEE),
        ("crop_loss", flag::CROP_LOSS),
        ("job_loss", flag::JOB_LOSS),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn spec(name: &str, dtype: &str, doc: &str) -> ColumnSpec {
    ColumnSpec {
        name: name.into(),
        dtype: dtype.into(),
        doc: doc.trim().to_string(),
    }
}

/// Refuse a manifest whose columns are not this povsim's.
fn check_columns(path: &Path, what: &str, got: &[ColumnSpec], want: &[ColumnSpec]) -> Result<()> {
    let names = |c: &[ColumnSpec]| -> Vec<String> {
        c.iter()
            .map(|c| format!("{}:{}", c.name, c.dtype))
            .collect()
    };
    let (g, w) = (names(got), names(want));
    if g == w {
        return Ok(());
    }
    let missing: Vec<&String> = w.iter().filter(|c| !g.contains(c)).collect();
    let extra: Vec<&String> = g.iter().filter(|c| !w.contains(c)).collect();
    let detail = if missing.is_empty() && extra.is_empty() {
        "the same columns in another order".to_string()
    } else {
        let list = |v: &[&String]| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
        format!("missing [{}], unknown [{}]", list(&missing), list(&extra))
    };
    Err(Error::file(
        path,
        format!(
            "{what}: expected the columns this povsim saves and reads, got other columns ({detail}): save the state again with this povsim"
        ),
    ))
}

/// Read replicate `replicate` of a saved state.
pub fn read(st: &SavedStart, replicate: u32) -> Result<Initial> {
    let m: &StateManifest = &st.manifest;
    let manifest = st.dir.join(MANIFEST);
    check_columns(
        &manifest,
        "household_columns",
        &m.household_columns,
        &household_columns(),
    )?;
    check_columns(
        &manifest,
        "village_columns",
        &m.village_columns,
        &village_columns(),
    )?;

    let mut villages = Villages::default();
    let path = st.villages_file(replicate);
    read_table(&path, "village", m.villages, villages.columns_mut())?;

    let mut hh = Households::default();
    let mut first_state: Vec<u8> = Vec::new();
    let path = st.households_file(replicate);
    {
        let mut cols = hh.columns_mut();
        cols.push((FIRST_STATE.0, &mut first_state as &mut dyn Column));
        read_table(&path, "household", m.households, cols)?;
    }
    // Values the engine indexes with: refused here rather than met as a crash.
    for (i, first) in first_state.iter().enumerate() {
        let bad = if hh.village[i] as usize >= villages.len() {
            Some(("village", format!("a village below {}", villages.len())))
        } else if *first > 2 {
            Some((FIRST_STATE.0, "0, 1 or 2".to_string()))
        } else if hh.adults[i] as u32 + hh.children[i] as u32 + hh.elderly[i] as u32 > 255 {
            Some(("adults", "at most 255 members".to_string()))
        } else {
            None
        };
        if let Some((col, want)) = bad {
            return Err(Error::file(
                &path,
                format!("household {i}: {col}: expected {want}"),
            ));
        }
    }
    Ok(Initial {
        villages,
        hh,
        first_state,
        phase_one_done: false,
        import: None,
    })
}

/// Read a state table: an index column `index` (0, 1, 2, … in order), then
/// `cols` in order, `rows` rows.
fn read_table(
    path: &Path,
    index: &str,
    rows: u64,
    mut cols: Vec<(&'static str, &mut dyn Column)>,
) -> Result<()> {
    let mut t = Table::open(path)?;
    let want: Vec<&str> = std::iter::once(index)
        .chain(cols.iter().map(|(n, _)| *n))
        .collect();
    let line = t.header_line();
    for (k, w) in want.iter().enumerate() {
        match t.header().get(k) {
            Some(g) if g == w => {}
            got => {
                return Err(Error::at(
                    path,
                    line,
                    k + 1,
                    w,
                    format!(
                        "expected column \"{w}\" (the columns of this povsim's state), got {}",
                        got.map_or_else(
                            || "the end of the line".to_string(),
                            |g| format!("\"{g}\"")
                        )
                    ),
                ));
            }
        }
    }
    if t.header().len() > want.len() {
        return Err(Error::at(
            path,
            line,
            want.len() + 1,
            &t.header()[want.len()],
            "expected the end of the line (the columns of this povsim's state), got another column",
        ));
    }
    for (_, c) in cols.iter_mut() {
        c.reset(rows as usize);
    }
    let mut n = 0u64;
    while let Some(row) = t.next_row()? {
        let idx = row.text(0);
        if idx != n.to_string() {
            return Err(row.error(
                0,
                index,
                format!("expected {index} {n} (rows in order), got {idx:?}"),
            ));
        }
        for (k, (name, c)) in cols.iter_mut().enumerate() {
            let text = row.text(k + 1);
            if !c.push_text(&text) {
                return Err(row.error(
                    k + 1,
                    name,
                    format!("expected {}, got {text:?}", columns::expected(c.dtype())),
                ));
            }
        }
        n += 1;
    }
    if n != rows {
        return Err(Error::file(
            path,
            format!("expected {rows} rows (the manifest's count), got {n}"),
        ));
    }
    Ok(())
}
