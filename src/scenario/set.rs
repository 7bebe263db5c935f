//! `--set KEY=VALUE` overrides on the merged table.

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
    set_value(table, origins, key, value, &Origin::Set(arg.to_string()))
        .map_err(|m| Error::Input(format!("--set {arg}: {key}: {m}")))
}

/// Set the dotted `key` (non-empty parts) to `value` read as `--set` reads
/// it: as TOML (numbers, booleans, strings in quotes), a bare word as a
/// string. The key (and any table it creates) is recorded as coming from
/// `origin`, so later errors about it point there. Errs with the message only.
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
    let mut cur = table;
    for (k, p) in parts[..parts.len() - 1].iter().enumerate() {
        if !cur.contains_key(*p) {
            // A table made by this --set: errors about it (a required key missing) point here.
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
    let last = parts[parts.len() - 1];
    if let Some(toml::Value::Table(_)) = cur.get(last) {
        return Err("expected a scalar key, but it is a table".into());
    }
    cur.insert(last.to_string(), parsed);
    for (k, other) in ALTERNATIVES {
        if k == last {
            cur.remove(other);
        }
    }
    origins.map.insert(key.to_string(), origin.clone());
    Ok(())
}
