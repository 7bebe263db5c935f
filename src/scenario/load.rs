//! Reading scenario files with the place of every key, `extends` chains and
//! `--set` overrides.

use super::raw::ScenarioFile;
use super::validate::Scenario;
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};

/// Where a key's value came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    File { file: PathBuf, line: usize, col: usize },
    Set(String),
}

/// Dotted key path (`simulation.years`, `targets[0].year`) → where it was written.
#[derive(Clone, Debug, Default)]
pub struct Origins {
    pub map: HashMap<String, Origin>,
    /// The file the scenario was loaded from (for errors without a place).
    pub file: PathBuf,
}

impl Origins {
    /// The origin of `path`, or of its nearest ancestor that has one.
    pub fn find(&self, path: &str) -> Option<&Origin> {
        let mut p = path.to_string();
        loop {
            if let Some(o) = self.map.get(&p) {
                return Some(o);
            }
            let cut = p.rfind(['.', '['])?;
            p.truncate(cut);
        }
    }

    /// A one-line error about the value at `path`.
    pub fn error(&self, path: &str, msg: impl std::fmt::Display) -> Error {
        match self.find(path) {
            Some(Origin::File { file, line, col }) => Error::at(file, *line, *col, path, msg),
            Some(Origin::Set(arg)) => Error::Input(format!("--set {arg}: {path}: {msg}")),
            None => Error::at(&self.file, 1, 1, path, msg),
        }
    }
}

/// Byte offset → 1-based (line, column).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|s| s.chars().count()).unwrap_or(0) + 1;
    (line, col)
}

fn record(origins: &mut HashMap<String, Origin>, file: &Path, text: &str, prefix: &str, table: &DeTable) {
    for (k, v) in table.iter() {
        let path = if prefix.is_empty() { k.get_ref().to_string() } else { format!("{prefix}.{}", k.get_ref()) };
        let (line, col) = line_col(text, v.span().start);
        origins.insert(path.clone(), Origin::File { file: file.to_path_buf(), line, col });
        record_value(origins, file, text, &path, v.get_ref());
    }
}

fn record_value(origins: &mut HashMap<String, Origin>, file: &Path, text: &str, path: &str, v: &DeValue) {
    match v {
        DeValue::Table(t) => record(origins, file, text, path, t),
        DeValue::Array(a) => {
            for (i, e) in a.iter().enumerate() {
                let p = format!("{path}[{i}]");
                let (line, col) = line_col(text, e.span().start);
                origins.insert(p.clone(), Origin::File { file: file.to_path_buf(), line, col });
                record_value(origins, file, text, &p, e.get_ref());
            }
        }
        _ => {}
    }
}

/// Parse TOML text into a table, remembering where each key was written.
fn parse(file: &Path, text: &str, origins: &mut HashMap<String, Origin>) -> Result<toml::Table> {
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        let key = text
            .lines()
            .nth(line - 1)
            .and_then(|l| l.split_once('='))
            .map(|(k, _)| k.trim().to_string())
            .filter(|k| !k.is_empty() && k.len() < 60)
            .unwrap_or_default();
        let msg = e.message().lines().next().unwrap_or("invalid TOML").trim().to_string();
        Error::at(file, line, col, &key, format!("invalid TOML: {msg}"))
    })?;
    if let Ok(de) = DeTable::parse(text) {
        record(origins, file, text, "", de.get_ref());
    }
    Ok(table)
}

/// Deep merge: values of `top` replace those of `base`; tables merge key by key.
pub fn merge(base: &mut toml::Table, top: toml::Table) {
    for (k, v) in top {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(t)) => merge(b, t),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

fn read(file: &Path) -> Result<String> {
    std::fs::read_to_string(file).map_err(|e| Error::file(file, format!("cannot read scenario: {e}")))
}

/// Read a file and every file it `extends`, merged (the file's own keys win).
fn read_chain(file: &Path, chain: &mut Vec<PathBuf>, origins: &mut HashMap<String, Origin>) -> Result<toml::Table> {
    let canon = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
    if chain.contains(&canon) {
        let names: Vec<String> = chain.iter().chain(std::iter::once(&canon)).map(|p| p.display().to_string()).collect();
        return Err(Error::file(file, format!("extends: cycle: {}", names.join(" -> "))));
    }
    chain.push(canon);
    let text = read(file)?;
    let mut own = HashMap::new();
    let table = parse(file, &text, &mut own)?;
    let merged = match table.get("extends") {
        Some(toml::Value::String(parent)) => {
            let parent_path = file.parent().unwrap_or(Path::new(".")).join(parent);
            if !parent_path.exists() {
                let o = own.get("extends").cloned();
                let (line, col) = match o {
                    Some(Origin::File { line, col, .. }) => (line, col),
                    _ => (1, 1),
                };
                return Err(Error::at(file, line, col, "extends", format!("expected an existing scenario file, got \"{parent}\" (no such file: {})", parent_path.display())));
            }
            let mut base = read_chain(&parent_path, chain, origins)?;
            let mut table = table;
            table.remove("extends");
            merge(&mut base, table);
            base
        }
        Some(_) => {
            let o = Origins { map: own, file: file.to_path_buf() };
            return Err(o.error("extends", "expected a path to a scenario file (a string)"));
        }
        None => table,
    };
    origins.extend(own);
    chain.pop();
    Ok(merged)
}

/// Apply one `--set KEY=VALUE` to the table.
pub fn apply_set(table: &mut toml::Table, origins: &mut Origins, arg: &str) -> Result<()> {
    let Some((key, value)) = arg.split_once('=') else {
        return Err(Error::Input(format!("--set {arg}: expected KEY=VALUE, e.g. simulation.years=20")));
    };
    let key = key.trim();
    let parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(Error::Input(format!("--set {arg}: expected a dotted key such as simulation.years, got \"{key}\"")));
    }
    // A value is read as TOML (numbers, booleans, strings in quotes); bare words become strings.
    let parsed: toml::Value = match toml::from_str::<toml::Table>(&format!("v = {}", value.trim())) {
        Ok(mut t) => t.remove("v").unwrap_or(toml::Value::String(value.to_string())),
        Err(_) => toml::Value::String(value.trim().to_string()),
    };
    let mut cur = table;
    for p in &parts[..parts.len() - 1] {
        let entry = cur.entry(p.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        match entry {
            toml::Value::Table(t) => cur = t,
            _ => return Err(Error::Input(format!("--set {arg}: {key}: expected a key inside a table, but {p} is a value"))),
        }
    }
    let last = parts[parts.len() - 1];
    if let Some(toml::Value::Table(_)) = cur.get(last) {
        return Err(Error::Input(format!("--set {arg}: {key}: expected a scalar key, but it is a table")));
    }
    cur.insert(last.to_string(), parsed);
    origins.map.insert(key.to_string(), Origin::Set(arg.to_string()));
    Ok(())
}

/// Load a scenario file (following `extends`), apply `--set` overrides, validate.
pub fn load(file: &Path, sets: &[String]) -> Result<Scenario> {
    let mut map = HashMap::new();
    let table = read_chain(file, &mut Vec::new(), &mut map)?;
    let origins = Origins { map, file: file.to_path_buf() };
    finish(table, origins, sets)
}

/// Load a scenario from text (`name` stands for the file in messages).
pub fn load_str(name: &Path, text: &str, sets: &[String]) -> Result<Scenario> {
    let mut map = HashMap::new();
    let table = parse(name, text, &mut map)?;
    if table.contains_key("extends") {
        let origins = Origins { map, file: name.to_path_buf() };
        return Err(origins.error("extends", "expected no `extends` in a scenario that is not a file"));
    }
    finish(table, Origins { map, file: name.to_path_buf() }, sets)
}

/// The merged table, before validation (for `validate --diff`).
pub fn load_table(file: &Path) -> Result<toml::Table> {
    read_chain(file, &mut Vec::new(), &mut HashMap::new())
}

fn finish(mut table: toml::Table, mut origins: Origins, sets: &[String]) -> Result<Scenario> {
    for s in sets {
        apply_set(&mut table, &mut origins, s)?;
    }
    let raw = deserialize(table, &origins)?;
    Scenario::validate(raw, origins)
}

/// Deserialize the merged table; a failure names the key path and its place.
fn deserialize(table: toml::Table, origins: &Origins) -> Result<ScenarioFile> {
    serde_path_to_error::deserialize::<_, ScenarioFile>(toml::Value::Table(table)).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        let msg = humanize(&e.inner().to_string());
        if let Some(field) = msg.strip_prefix("unknown key `").and_then(|r| r.split('`').next()) {
            let full = if path.is_empty() { field.to_string() } else { format!("{path}.{field}") };
            // serde stops at the unknown key; its own place is the best place to point at.
            let shown = if origins.map.contains_key(&full) { full.clone() } else { path.clone() };
            let err = origins.error(&shown, &msg);
            return if shown == full { err } else { rename_key(err, &shown, &full) };
        }
        origins.error(&path, msg)
    })
}

fn rename_key(err: Error, from: &str, to: &str) -> Error {
    match err {
        Error::Input(s) => Error::Input(s.replacen(&format!(": {from}: "), &format!(": {to}: "), 1)),
        e => e,
    }
}

/// Turn serde's messages into the project's "expected ..., got ..." style.
fn humanize(msg: &str) -> String {
    let msg = msg.lines().next().unwrap_or(msg).trim();
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        // unknown field `foo`, expected one of `a`, `b`
        let (name, exp) = rest.split_once(", ").unwrap_or((rest, ""));
        let name = name.trim_matches('`');
        return format!("unknown key `{name}`; {}", exp.replace("expected", "expected").replace('`', ""));
    }
    if let Some(rest) = msg.strip_prefix("missing field ") {
        return format!("expected key {rest}, which is required here");
    }
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        // invalid type: string "abc", expected f64
        if let Some((got, exp)) = rest.split_once(", expected ") {
            return format!("expected {}, got {got}", type_name(exp));
        }
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        // unknown variant `x`, expected one of `a`, `b`
        let (name, exp) = rest.split_once(", ").unwrap_or((rest, ""));
        return format!("{}, got {name}", exp.replace('`', ""));
    }
    if msg.contains("did not match any variant of untagged enum Dated") {
        return "expected a number or a table { values = { YEAR = VALUE, ... }, index = RATE }".into();
    }
    msg.to_string()
}

fn type_name(serde_name: &str) -> String {
    match serde_name {
        "f64" | "f32" => "a number".into(),
        "i64" | "u64" | "i32" | "u32" | "usize" => "a whole number".into(),
        "a boolean" | "bool" => "true or false".into(),
        "a string" => "a string".into(),
        other => other.replace("struct ", "a table ").replace('`', ""),
    }
}
