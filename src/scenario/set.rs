//! `--set KEY=VALUE` overrides on the merged table.

use super::keys::{self, Check, Key};
use super::load::ALTERNATIVES;
use super::origins::{Origin, Origins};
use crate::error::{Error, Result};

/// Apply one `--set KEY=VALUE` to the table.
pub fn apply_set(table: &mut toml::Table, origins: &mut Origins, arg: &str) -> Result<()> {
    let Some((key, value)) = arg.split_once('=') else {
        return Err(Error::Input(format!(
            "--set {arg}: expected KEY=VALUE, e.g. simulation.years=20"
        )));
    };
    let key = key.trim();
    if key.split('.').any(|p| p.is_empty()) {
        return Err(Error::Input(format!(
            "--set {arg}: expected a dotted key such as simulation.years, got \"{key}\""
        )));
    }
    if key.split('.').next() == Some("extends") {
        // `extends` is read while the files are; a --set comes after (and
        // `validate` would print a parent that was never read).
        return Err(Error::Input(crate::error::one_line(&format!(
            "--set {arg}: expected a key of the scenario; `extends` is read from the file only (write a file that extends the other)"
        ))));
    }
    set_value(table, origins, key, value, &Origin::Set(arg.to_string()))
        .map_err(|m| Error::Input(format!("--set {arg}: {key}: {m}")))
}

/// Set the dotted `key` (non-empty parts) to `value` read as `--set` reads
/// it: as TOML (numbers, booleans, strings in quotes), a bare word as a
/// string. The key (and any table it creates) is recorded as coming from
/// `origin`, so later errors about it point there. A parameter of a
/// distribution or a dated value (`households.ability.sigma`,
/// `income.local_wage.index`) is set on the effective value ([`fill`]); a
/// distribution or a dated value may be replaced whole, a section may not.
/// Errs with the message only.
pub(crate) fn set_value(
    table: &mut toml::Table,
    origins: &mut Origins,
    key: &str,
    value: &str,
    origin: &Origin,
) -> std::result::Result<(), String> {
    let parts: Vec<&str> = key.split('.').collect();
    let parsed: toml::Value = match toml::from_str::<toml::Table>(&format!("v = {}", value.trim()))
    {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or(toml::Value::String(value.to_string())),
        Err(_) => toml::Value::String(value.trim().to_string()),
    };
    if let Some(parent) = keys::parent_of_parameter(key) {
        fill(table, origins, &parent, origin)?;
    }
    let (last, holders) = parts.split_last().expect("split yields one part");
    let cur = walk(table, origins, holders, origin)?;
    if let Some(toml::Value::Table(_)) = cur.get(*last)
        && !keys::find(key).is_some_and(|k| k.check.is_value_table())
    {
        return Err("expected a scalar key, but it is a table".into());
    }
    cur.insert(last.to_string(), parsed);
    for (k, other) in ALTERNATIVES {
        if k == *last {
            cur.remove(other);
        }
    }
    origins.map.insert(key.to_string(), origin.clone());
    Ok(())
}

/// The table at the dotted path `parts`, made (and recorded as coming from
/// `origin`: errors about a required key missing point there) where missing.
fn walk<'t>(
    table: &'t mut toml::Table,
    origins: &mut Origins,
    parts: &[&str],
    origin: &Origin,
) -> std::result::Result<&'t mut toml::Table, String> {
    let mut cur = table;
    for (k, p) in parts.iter().enumerate() {
        if !cur.contains_key(*p) {
            origins.map.insert(parts[..=k].join("."), origin.clone());
        }
        let entry = cur
            .entry(p.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        match entry {
            toml::Value::Table(t) => cur = t,
            _ => {
                return Err(format!("expected a key inside a table, but {p} is a value"));
            }
        }
    }
    Ok(cur)
}

/// Write out the effective value of a distribution or a dated value as a
/// table, so that one of its parameters can be set: the default when the
/// file does not give it; a plain number `x` as the schedule
/// `{ values = { FIRST_YEAR = x } }` (the same value every year).
fn fill(
    table: &mut toml::Table,
    origins: &mut Origins,
    parent: &Key,
    origin: &Origin,
) -> std::result::Result<(), String> {
    let first_year = match table.get("simulation").and_then(|s| s.get("start_year")) {
        Some(toml::Value::Integer(y)) => *y,
        _ => keys::find("simulation.start_year")
            .and_then(|k| k.default?.as_integer())
            .unwrap_or_default(),
    };
    let dated = matches!(parent.check, Check::Dated(..) | Check::DatedPositive);
    let schedule = |x: toml::Value| {
        let mut values = toml::Table::new();
        values.insert(first_year.to_string(), x);
        let mut t = toml::Table::new();
        t.insert("values".into(), toml::Value::Table(values));
        toml::Value::Table(t)
    };
    let parts: Vec<&str> = parent.path.split('.').collect();
    let (name, holders) = parts.split_last().expect("split yields one part");
    let holder = walk(table, origins, holders, origin)?;
    let filled = match holder.get(*name) {
        Some(x @ (toml::Value::Integer(_) | toml::Value::Float(_))) if dated => {
            Some(schedule(x.clone()))
        }
        Some(_) => None,
        None => {
            let v = parent.default.clone().map(|d| match d {
                toml::Value::Table(_) => d,
                d if dated => schedule(d),
                d => d,
            });
            if v.is_some() {
                origins.map.insert(parent.path.clone(), origin.clone());
            }
            v
        }
    };
    if let Some(v) = filled {
        holder.insert(name.to_string(), v);
    }
    Ok(())
}
