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
    File {
        file: PathBuf,
        line: usize,
        col: usize,
    },
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
            Some(Origin::Set(arg)) => Error::Input(crate::error::one_line(&format!(
                "--set {arg}: {path}: {msg}"
            ))),
            None => Error::at(&self.file, 1, 1, path, msg),
        }
    }
}

/// Byte offset → 1-based (line, column).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|s| s.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

fn record(
    origins: &mut HashMap<String, Origin>,
    file: &Path,
    text: &str,
    prefix: &str,
    table: &DeTable,
) {
    for (k, v) in table.iter() {
        let path = if prefix.is_empty() {
            k.get_ref().to_string()
        } else {
            format!("{prefix}.{}", k.get_ref())
        };
        let (line, col) = line_col(text, v.span().start);
        origins.insert(
            path.clone(),
            Origin::File {
                file: file.to_path_buf(),
                line,
                col,
            },
        );
        record_value(origins, file, text, &path, v.get_ref());
    }
}

fn record_value(
    origins: &mut HashMap<String, Origin>,
    file: &Path,
    text: &str,
    path: &str,
    v: &DeValue,
) {
    match v {
        DeValue::Table(t) => record(origins, file, text, path, t),
        DeValue::Array(a) => {
            for (i, e) in a.iter().enumerate() {
                let p = format!("{path}[{i}]");
                let (line, col) = line_col(text, e.span().start);
                origins.insert(
                    p.clone(),
                    Origin::File {
                        file: file.to_path_buf(),
                        line,
                        col,
                    },
                );
                record_value(origins, file, text, &p, e.get_ref());
            }
        }
        _ => {}
    }
}

/// Parse TOML text into a table, remembering where each key was written.
fn parse(file: &Path, text: &str, origins: &mut HashMap<String, Origin>) -> Result<toml::Table> {
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let (line, col) = line_col(text, span.start);
        let key = key_near(text, line);
        let msg = e
            .message()
            .lines()
            .next()
            .unwrap_or("invalid TOML")
            .trim()
            .to_string();
        let msg = if key == "seed" && (msg.contains("as i128") || msg.contains("too large")) {
            // TOML integers stop at 2^63 − 1; seeds go on to 2^64 − 1 (super::seed).
            "expected a whole number from 0 to 18446744073709551615 (write one of 2^63 or more in quotes: seed = \"...\")".to_string()
        } else if msg.contains("as i128") {
            "expected a whole number from -9223372036854775808 to 9223372036854775807".to_string()
        } else if msg == "duplicate key" {
            "expected each key once per table".to_string()
        } else if msg.starts_with("string values must be quoted")
            && text[span.start.min(text.len())..]
                .lines()
                .next()
                .is_none_or(|l| l.trim().is_empty())
        {
            "expected a value (a number, true or false, a \"string\", an array or a table)"
                .to_string()
        } else {
            msg
        };
        Error::at(
            file,
            line,
            col,
            &key,
            format!("invalid TOML: {msg}, got {}", found_at(text, span)),
        )
    })?;
    if let Ok(de) = DeTable::parse(text) {
        record(origins, file, text, "", de.get_ref());
    }
    Ok(table)
}

/// The key a syntax error on `line` (1-based) is about: the line's own key or
/// table header, else the table the line is in; empty at the top level.
fn key_near(text: &str, line: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let tidy = |k: &str| {
        let k: String = k
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(60)
            .collect();
        k.replace(['"', '\'', ' '], "")
    };
    let header = |l: &str| -> Option<String> {
        let l = l.trim_start();
        let inner = l.strip_prefix('[')?;
        let inner = inner.strip_prefix('[').unwrap_or(inner);
        let end = inner.find(']').unwrap_or(inner.len());
        let k = tidy(&inner[..end]);
        (!k.is_empty()).then_some(k)
    };
    if let Some(l) = lines.get(line.saturating_sub(1)) {
        if let Some(h) = header(l) {
            return h;
        }
        if let Some((k, _)) = l.split_once('=') {
            let k = tidy(k);
            if !k.is_empty() && !k.starts_with('#') {
                return k;
            }
        }
    }
    lines
        .iter()
        .take(line.saturating_sub(1))
        .rev()
        .find_map(|l| header(l))
        .unwrap_or_default()
}

/// What the parser found at `span`, quoted, for "got ...".
fn found_at(text: &str, span: std::ops::Range<usize>) -> String {
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let (start, end) = (floor(span.start), floor(span.end.max(span.start)));
    let piece = if end > start {
        &text[start..end]
    } else {
        &text[start..]
    };
    let piece = piece.lines().next().unwrap_or("").trim();
    if piece.is_empty() {
        return if text[start..].trim().is_empty() {
            "the end of the file".into()
        } else {
            "the end of the line".into()
        };
    }
    let short: String = piece
        .chars()
        .take(30)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    let more = if piece.chars().count() > 30 {
        "…"
    } else {
        ""
    };
    format!("`{short}{more}`")
}

/// Keys that are alternatives to each other within one table: a layer (a
/// file that `extends` another, or a `--set`) that gives one replaces the
/// other it inherits. A reform can move a module onto the shared budget; a
/// run can be scaled to a number of households in a file that gives people.
const ALTERNATIVES: [(&str, &str); 4] = [
    ("budget", "budget_share"),
    ("budget_share", "budget"),
    ("households", "population"),
    ("population", "households"),
];

/// Deep merge: values of `top` replace those of `base`; tables merge key by
/// key, and a key of [`ALTERNATIVES`] in `top` removes its alternative.
pub fn merge(base: &mut toml::Table, top: toml::Table) {
    for (key, other) in ALTERNATIVES {
        if top.contains_key(key) && !top.contains_key(other) {
            base.remove(other);
        }
    }
    for (k, v) in top {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(t)) => merge(b, t),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Most files in an `extends` chain (the file itself included).
pub const MAX_EXTENDS_DEPTH: usize = 64;

/// A scenario file's text: a regular file within the input size limit
/// ([`crate::input`]), in UTF-8.
fn read(file: &Path) -> Result<String> {
    let bytes = match crate::input::check(file)? {
        Some(why) => return Err(Error::file(file, why)),
        None => crate::input::read(file).map_err(|e| match e {
            // "cannot read scenario" says which kind of file could not be read.
            Error::Input(m) => {
                Error::Input(m.replacen(": cannot read:", ": cannot read scenario:", 1))
            }
            e => e,
        })?,
    };
    String::from_utf8(bytes).map_err(|e| {
        let ok = e.utf8_error().valid_up_to();
        let bad = e.as_bytes()[ok];
        let text = String::from_utf8_lossy(&e.as_bytes()[..ok]);
        let (line, col) = line_col(&text, ok);
        Error::at(
            file,
            line,
            col,
            &key_near(&text, line),
            format!("expected UTF-8 text, got the byte 0x{bad:02X}"),
        )
    })
}

/// Read a file and every file it `extends`, merged (the file's own keys win).
/// `chain` holds the files being read (canonical path, path as shown).
fn read_chain(
    file: &Path,
    chain: &mut Vec<(PathBuf, PathBuf)>,
    origins: &mut HashMap<String, Origin>,
) -> Result<toml::Table> {
    let canon = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
    chain.push((canon, file.to_path_buf()));
    let text = read(file)?;
    let mut own = HashMap::new();
    let table = parse(file, &text, &mut own)?;
    let merged = match table.get("extends") {
        Some(toml::Value::String(parent)) => {
            let parent_path = file.parent().unwrap_or(Path::new(".")).join(parent);
            let (line, col) = match own.get("extends") {
                Some(Origin::File { line, col, .. }) => (*line, *col),
                _ => (1, 1),
            };
            let refuse = |msg: String| Error::at(file, line, col, "extends", msg);
            if parent_path.is_dir() {
                return Err(refuse(format!(
                    "expected a scenario file, got \"{parent}\" (a directory: {})",
                    parent_path.display()
                )));
            }
            if let Some(r) = crate::input::check(&parent_path)? {
                return Err(refuse(format!(
                    "expected {}, got \"{parent}\" ({})",
                    r.expected, r.got
                )));
            }
            if chain.len() >= MAX_EXTENDS_DEPTH {
                return Err(refuse(format!(
                    "expected a chain of at most {MAX_EXTENDS_DEPTH} scenario files, got a longer one (from {})",
                    chain[0].1.display()
                )));
            }
            if !parent_path.exists() {
                return Err(refuse(format!(
                    "expected an existing scenario file, got \"{parent}\" (no such file: {})",
                    parent_path.display()
                )));
            }
            let parent_canon = parent_path
                .canonicalize()
                .unwrap_or_else(|_| parent_path.clone());
            if let Some(k) = chain.iter().position(|(c, _)| *c == parent_canon) {
                let names: Vec<String> = chain[k..]
                    .iter()
                    .map(|(_, shown)| shown.display().to_string())
                    .chain(std::iter::once(parent_path.display().to_string()))
                    .collect();
                return Err(refuse(format!(
                    "expected a chain of scenario files without a cycle, got {}",
                    names.join(" -> ")
                )));
            }
            let mut base = read_chain(&parent_path, chain, origins)?;
            let mut table = table;
            table.remove("extends");
            // A file's [sweep] table replaces the inherited one whole (its
            // axes are not merged key by key with the parent's), and so does
            // its [calibration] table (keys and targets are one fit).
            for whole in ["sweep", "calibration"] {
                if table.contains_key(whole) {
                    base.remove(whole);
                }
            }
            merge(&mut base, table);
            base
        }
        Some(v) => {
            let o = Origins {
                map: own,
                file: file.to_path_buf(),
            };
            return Err(o.error(
                "extends",
                format!(
                    "expected a path to a scenario file (a string), got {}",
                    describe(v)
                ),
            ));
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

/// Load a scenario file (following `extends`), apply `--set` overrides, validate.
pub fn load(file: &Path, sets: &[String]) -> Result<Scenario> {
    load_file(file, sets).map_err(one_line)
}

fn load_file(file: &Path, sets: &[String]) -> Result<Scenario> {
    let mut map = HashMap::new();
    let table = read_chain(file, &mut Vec::new(), &mut map)?;
    let origins = Origins {
        map,
        file: file.to_path_buf(),
    };
    finish(table, origins, sets)
}

/// Load a scenario from text (`name` stands for the file in messages).
pub fn load_str(name: &Path, text: &str, sets: &[String]) -> Result<Scenario> {
    load_text(name, text, sets).map_err(one_line)
}

fn load_text(name: &Path, text: &str, sets: &[String]) -> Result<Scenario> {
    let mut map = HashMap::new();
    let table = parse(name, text, &mut map)?;
    if table.contains_key("extends") {
        let origins = Origins {
            map,
            file: name.to_path_buf(),
        };
        return Err(origins.error(
            "extends",
            "expected no `extends` in a scenario that is not a file",
        ));
    }
    finish(
        table,
        Origins {
            map,
            file: name.to_path_buf(),
        },
        sets,
    )
}

/// The merged table, before validation (for `validate --diff`).
pub fn load_table(file: &Path) -> Result<toml::Table> {
    read_chain(file, &mut Vec::new(), &mut HashMap::new()).map_err(one_line)
}

/// Keep a message on one line: control characters that a file, a key or an
/// argument brought in (a `\n` in a string) are shown escaped.
fn one_line(e: Error) -> Error {
    match e {
        Error::Input(s) if s.chars().any(char::is_control) => Error::Input(
            s.chars()
                .map(|c| {
                    if c.is_control() {
                        c.escape_default().to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect(),
        ),
        e => e,
    }
}

fn finish(mut table: toml::Table, mut origins: Origins, sets: &[String]) -> Result<Scenario> {
    for s in sets {
        apply_set(&mut table, &mut origins, s)?;
    }
    let raw = deserialize(table, &origins)?;
    Scenario::validate(raw, origins)
}

/// Deserialize the merged table; a failure names the key path and its place.
pub(crate) fn deserialize(table: toml::Table, origins: &Origins) -> Result<ScenarioFile> {
    let value = toml::Value::Table(table);
    serde_path_to_error::deserialize::<_, ScenarioFile>(value.clone()).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        let inner = e.inner().to_string();
        if let Some(rest) = inner.strip_prefix("unknown field `") {
            // unknown field `foo`, expected one of `a`, `b`
            // (the key itself may hold a line break or a backquote)
            let (field, expected) = match rest.rsplit_once("`, expected ") {
                Some((f, e)) => (f, format!("expected {e}")),
                None => match rest.split_once("`, ") {
                    Some((f, e)) => (f, e.to_string()),
                    None => (rest.trim_end().trim_end_matches('`'), String::new()),
                },
            };
            let expected = expected
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .replace('`', "");
            // serde_path_to_error's path may or may not already end with the unknown key.
            let parent = if path == field {
                ""
            } else {
                path.strip_suffix(field)
                    .and_then(|p| p.strip_suffix('.'))
                    .unwrap_or(&path)
            };
            let full = if parent.is_empty() {
                field.to_string()
            } else {
                format!("{parent}.{field}")
            };
            let names = expected
                .trim_start_matches("expected one of ")
                .trim_start_matches("expected ");
            let hint = match names
                .split(", ")
                .filter(|n| close(field, n))
                .min_by_key(|n| edit_distance(field, n))
            {
                Some(n) => format!(" (did you mean `{n}`?)"),
                None => String::new(),
            };
            let msg = format!("{expected}, got unknown key `{field}`{hint}");
            // serde stops at the unknown key; its own place is the best place to point at.
            let shown = if origins.map.contains_key(&full) {
                full.clone()
            } else {
                parent.to_string()
            };
            let err = origins.error(&shown, &msg);
            return if shown == full {
                err
            } else {
                rename_key(err, &shown, &full)
            };
        }
        if inner.contains("did not match any variant of untagged enum Dated")
            && let Some(v) = lookup(&value, &path)
        {
            let (at, msg) = explain_dated(&path, v);
            return origins.error(&at, msg);
        }
        let mut msg = humanize(&inner);
        if path.is_empty()
            && let Some(field) = inner
                .strip_prefix("missing field `")
                .and_then(|r| r.split('`').next())
        {
            // A required top-level table: name it as the key.
            return origins.error(
                field,
                format!("expected a [{field}] table (required), got none"),
            );
        }
        if path == "targets" && msg.starts_with("expected an array") {
            msg = msg.replacen(
                "expected an array",
                "expected an array of tables ([[targets]])",
                1,
            );
        }
        origins.error(&path, msg)
    })
}

/// The value at a serde path such as `targets[0].year` (a key holding a dot
/// or a bracket is not found, and the caller falls back to serde's message).
fn lookup<'v>(root: &'v toml::Value, path: &str) -> Option<&'v toml::Value> {
    let mut v = root;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut idx) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            v = v.as_table()?.get(key)?;
        }
        while let Some(rest) = idx.strip_prefix('[') {
            let (n, tail) = rest.split_once(']')?;
            v = v.as_array()?.get(n.parse::<usize>().ok()?)?;
            idx = tail;
        }
    }
    Some(v)
}

/// A TOML value as "got ..." text.
pub(crate) fn describe(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => {
            let short: String = s.chars().take(40).collect();
            format!(
                "string \"{short}{}\"",
                if s.chars().count() > 40 { "…" } else { "" }
            )
        }
        toml::Value::Integer(i) => format!("integer `{i}`"),
        toml::Value::Float(f) => format!("floating point `{f}`"),
        toml::Value::Boolean(b) => format!("boolean `{b}`"),
        toml::Value::Datetime(d) => format!("date-time `{d}`"),
        toml::Value::Array(_) => "an array".into(),
        toml::Value::Table(_) => "a table".into(),
    }
}

/// Why the value at `path` is not a dated value: (the key at fault, the message).
fn explain_dated(path: &str, v: &toml::Value) -> (String, String) {
    const SHAPE: &str = "a number or a table { values = { YEAR = VALUE, ... }, index = RATE }";
    let number = |v: &toml::Value| matches!(v, toml::Value::Integer(_) | toml::Value::Float(_));
    let toml::Value::Table(t) = v else {
        return (
            path.to_string(),
            format!("expected {SHAPE}, got {}", describe(v)),
        );
    };
    if let Some(k) = t.keys().find(|k| *k != "values" && *k != "index") {
        let hint = ["values", "index"]
            .into_iter()
            .find(|n| close(k, n))
            .map(|n| format!(" (did you mean `{n}`?)"))
            .unwrap_or_default();
        return (
            format!("{path}.{k}"),
            format!("expected values or index, got unknown key `{k}`{hint}"),
        );
    }
    match t.get("values") {
        None => {
            return (
                path.to_string(),
                format!("expected {SHAPE}, got a table without `values`"),
            );
        }
        Some(toml::Value::Table(vals)) => {
            if let Some((k, x)) = vals.iter().find(|(_, x)| !number(x)) {
                return (
                    format!("{path}.values.{k}"),
                    format!("expected a number, got {}", describe(x)),
                );
            }
        }
        Some(other) => {
            return (
                format!("{path}.values"),
                format!(
                    "expected a table {{ YEAR = VALUE, ... }}, got {}",
                    describe(other)
                ),
            );
        }
    }
    if let Some(i) = t.get("index")
        && !number(i)
    {
        return (
            format!("{path}.index"),
            format!("expected a number, got {}", describe(i)),
        );
    }
    (path.to_string(), format!("expected {SHAPE}"))
}

/// Whether `a` looks like a misspelling of `b`.
fn close(a: &str, b: &str) -> bool {
    let d = edit_distance(a, b);
    d > 0 && d <= (b.chars().count() / 4).clamp(1, 3)
}

/// Levenshtein distance (between short key names).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn rename_key(err: Error, from: &str, to: &str) -> Error {
    match err {
        Error::Input(s) => {
            Error::Input(s.replacen(&format!(": {from}: "), &format!(": {to}: "), 1))
        }
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
        return format!("unknown key `{name}`; {}", exp.replace('`', ""));
    }
    if let Some(rest) = msg.strip_prefix("missing field ") {
        return format!("expected key {rest} (required), got none");
    }
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        // invalid type: string "abc", expected f64
        if let Some((got, exp)) = rest.split_once(", expected ") {
            let got = match got {
                "sequence" => "an array",
                "map" => "a table",
                g => g,
            };
            return format!("expected {}, got {got}", type_name(exp));
        }
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        // unknown variant `x`, expected one of `a`, `b`
        let (name, exp) = rest.split_once(", ").unwrap_or((rest, ""));
        return format!("{}, got {name}", exp.replace('`', ""));
    }
    if msg.contains("did not match any variant of untagged enum Dated") {
        return "expected a number or a table { values = { YEAR = VALUE, ... }, index = RATE }"
            .into();
    }
    msg.to_string()
}

fn type_name(serde_name: &str) -> String {
    match serde_name {
        "f64" | "f32" => "a number".into(),
        "i64" | "u64" | "i32" | "u32" | "usize" => "a whole number".into(),
        "a boolean" | "bool" => "true or false".into(),
        "a string" => "a string".into(),
        "a sequence" => "an array".into(),
        "a map" => "a table".into(),
        other if other.starts_with("struct ") => "a table".into(),
        other => other.replace('`', ""),
    }
}
