//! A saved state read back: every household and village column of one
//! replicate, as `povsim run --save-state` wrote it ([`crate::output::state`]),
//! checked against the columns this povsim declares. A state written by
//! another format version, or with other columns, is refused in one located
//! line (docs/DATA.md, "Saved states").

use super::Initial;
use crate::error::{Error, Result};
use crate::input::table::Table;
use crate::model::columns::{self, Column, Declared, Named, OwnColumns};
use crate::model::state::{Households, Villages, flag};
use crate::scenario::population::{ColumnSpec, MANIFEST, SavedStart, StateManifest};
use std::path::Path;

/// The engine's own column after the declared household columns: each
/// household's state in the history's first year, for the transition matrix.
pub const FIRST_STATE: (&str, &str) = (
    "first_state",
    "State in the first year of the history: 0 poor, 1 near poor, 2 non-poor (transitions.csv)",
);

/// The declared household columns of a state file, in order, after
/// `household`, then `first_state` (the modules' own columns follow).
pub fn household_columns() -> Vec<ColumnSpec> {
    let mut out = declared(Households::default().columns(), Households::COLUMNS);
    out.push(spec(FIRST_STATE.0, "uint8", FIRST_STATE.1));
    out
}

/// The declared village columns of a state file, in order, after `village`
/// (the modules' own columns follow).
pub fn village_columns() -> Vec<ColumnSpec> {
    declared(Villages::default().columns(), Villages::COLUMNS)
}

/// Declared columns with their types and docs.
fn declared(cols: Vec<(&str, &dyn Column)>, decls: &[Declared]) -> Vec<ColumnSpec> {
    cols.into_iter()
        .zip(decls)
        .map(|((name, col), d)| spec(name, col.dtype(), d.doc))
        .collect()
}

/// A module's own column as a state file names it: `module.column`.
pub fn module_column(module: &str, column: &str) -> String {
    format!("{module}.{column}")
}

/// The modules' own columns of a state file, per household and per
/// village, named `module.column`, in the order of `own`.
pub fn module_columns(own: &[(&str, OwnColumns)]) -> (Vec<ColumnSpec>, Vec<ColumnSpec>) {
    let specs = |m: &str, cols: &[Named]| -> Vec<ColumnSpec> {
        cols.iter()
            .map(|c| spec(&module_column(m, c.name), c.col.dtype(), c.doc))
            .collect()
    };
    own.iter()
        .map(|(m, o)| (specs(m, &o.households), specs(m, &o.villages)))
        .fold((Vec::new(), Vec::new()), |(mut h, mut v), (a, b)| {
            h.extend(a);
            v.extend(b);
            (h, v)
        })
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
        ("connected", flag::CONNECTED),
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
    // The modules' own columns (`module.column`) are matched to the modules when read.
    let declared: Vec<ColumnSpec> = got
        .iter()
        .filter(|c| !c.name.contains('.'))
        .cloned()
        .collect();
    let (g, w) = (names(&declared), names(want));
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

/// Read replicate `replicate` of a saved state, giving each module in `own`
/// its columns back (a module this scenario does not run is not continued;
/// one the state does not hold starts as if it had never acted).
pub fn read(
    st: &SavedStart,
    replicate: u32,
    own: Vec<(&'static str, OwnColumns)>,
) -> Result<Initial> {
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
    let (own_hh, own_v): (Vec<_>, Vec<_>) = own
        .into_iter()
        .map(|(name, o)| ((name, o.households), (name, o.villages)))
        .unzip();
    let mut own_hh = own_targets(&manifest, "household_columns", &m.household_columns, own_hh)?;
    let mut own_v = own_targets(&manifest, "village_columns", &m.village_columns, own_v)?;

    let mut villages = Villages::default();
    let path = st.villages_file(replicate);
    read_table(
        &path,
        "village",
        m.villages,
        villages.columns_mut(),
        &mut own_v,
    )?;

    let mut hh = Households::default();
    let mut first_state: Vec<u8> = Vec::new();
    let path = st.households_file(replicate);
    {
        let mut cols = hh.columns_mut();
        cols.push((FIRST_STATE.0, &mut first_state as &mut dyn Column));
        read_table(&path, "household", m.households, cols, &mut own_hh)?;
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

/// Where each module column a manifest lists is read into: the running
/// module's own column, or nowhere (`None`: a module this scenario does not
/// run). A column the running module does not have, or of another type, is
/// refused: the state was saved by another povsim.
fn own_targets<'a>(
    manifest: &Path,
    what: &str,
    listed: &[ColumnSpec],
    own: Vec<(&'static str, Vec<Named<'a>>)>,
) -> Result<Vec<(String, Option<&'a mut dyn Column>)>> {
    let runs: Vec<&str> = own.iter().map(|(m, _)| *m).collect();
    let mut slots: Vec<(&str, Named<'a>)> = own
        .into_iter()
        .flat_map(|(m, cols)| cols.into_iter().map(move |c| (m, c)))
        .collect();
    let refuse = |msg: String| {
        Err(Error::file(
            manifest,
            format!("{what}: {msg}: save the state again with this povsim"),
        ))
    };
    let mut out = Vec::new();
    for c in listed.iter().filter(|c| c.name.contains('.')) {
        let (module, column) = c.name.split_once('.').unwrap_or_default();
        match slots
            .iter()
            .position(|(m, n)| *m == module && n.name == column)
        {
            Some(k) => {
                let (_, named) = slots.swap_remove(k);
                if named.col.dtype() != c.dtype {
                    return refuse(format!(
                        "{}: expected type {} (this povsim's), got {}",
                        c.name,
                        named.col.dtype(),
                        c.dtype
                    ));
                }
                out.push((c.name.clone(), Some(named.col)));
            }
            None if runs.contains(&module) => {
                return refuse(format!(
                    "{}: expected a column the {module} module keeps, got one it does not",
                    c.name
                ));
            }
            None => out.push((c.name.clone(), None)),
        }
    }
    Ok(out)
}

/// Read a state table: an index column `index` (0, 1, 2, … in order), then
/// the `declared` columns in order, then the modules' `own` (a column read
/// into nothing is skipped), `rows` rows.
fn read_table(
    path: &Path,
    index: &str,
    rows: u64,
    declared: Vec<(&'static str, &mut dyn Column)>,
    own: &mut [(String, Option<&mut dyn Column>)],
) -> Result<()> {
    let mut cols: Vec<(&str, Option<&mut dyn Column>)> = Vec::new();
    for (n, c) in declared {
        cols.push((n, Some(c)));
    }
    for (n, c) in own.iter_mut() {
        cols.push((n.as_str(), c.as_deref_mut().map(|c| c as &mut dyn Column)));
    }
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
    for c in cols.iter_mut().filter_map(|(_, c)| c.as_mut()) {
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
            let Some(c) = c else { continue };
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
