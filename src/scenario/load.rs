//! Reading scenario files with the place of every key, `extends` chains and
//! `--set` overrides.

use super::base::Base;
use super::decode::describe;
pub use super::origins::{Origin, Origins};
use super::validate::Scenario;
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};

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

/// A file's line starts, found once, so that the place of each of its keys
/// is a binary search rather than a count of the lines before it.
struct Lines<'a> {
    text: &'a str,
    /// Byte offset where each line after the first starts.
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        let starts = text.match_indices('\n').map(|(k, _)| k + 1).collect();
        Lines { text, starts }
    }

    /// The same as [`line_col`].
    fn at(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = self.starts.partition_point(|&s| s <= offset);
        let start = if before == 0 {
            0
        } else {
            self.starts[before - 1]
        };
        (before + 1, self.text[start..offset].chars().count() + 1)
    }
}

fn record(
    origins: &mut HashMap<String, Origin>,
    file: &Path,
    text: &Lines,
    prefix: &str,
    table: &DeTable,
) {
    for (k, v) in table.iter() {
        let path = if prefix.is_empty() {
            k.get_ref().to_string()
        } else {
            format!("{prefix}.{}", k.get_ref())
        };
        let (line, col) = text.at(v.span().start);
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
    text: &Lines,
    path: &str,
    v: &DeValue,
) {
    match v {
        DeValue::Table(t) => record(origins, file, text, path, t),
        DeValue::Array(a) => {
            for (i, e) in a.iter().enumerate() {
                let p = format!("{path}[{i}]");
                let (line, col) = text.at(e.span().start);
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
        record(origins, file, &Lines::new(text), "", de.get_ref());
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
/// other it inherits. A reform can move a module onto the shared budget or
/// set a guarantee line in yuan over one inherited as a share; a run can be scaled to a number of households in a file that gives people.
pub(crate) const ALTERNATIVES: [(&str, &str); 6] = [
    ("budget", "budget_share"),
    ("budget_share", "budget"),
    ("guarantee_line", "guarantee_line_share"),
    ("guarantee_line_share", "guarantee_line"),
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
            // its [calibration] table (keys and targets are one fit), and
            // its [uncertainty] table (the priors are one judgement).
            for whole in ["sweep", "calibration", "uncertainty"] {
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

/// Load a scenario file (following `extends`), apply `--set` overrides, validate.
pub fn load(file: &Path, sets: &[String]) -> Result<Scenario> {
    Base::load(file, sets)?.scenario()
}

/// Load a scenario from text (`name` stands for the file in messages).
pub fn load_str(name: &Path, text: &str, sets: &[String]) -> Result<Scenario> {
    Base::from_text(name, text, sets)?.scenario()
}

/// A file and every file it `extends`, merged, with the place of every key.
pub(crate) fn read_file(file: &Path) -> Result<(toml::Table, Origins)> {
    let mut map = HashMap::new();
    let table = read_chain(file, &mut Vec::new(), &mut map)?;
    let origins = Origins {
        map,
        file: file.to_path_buf(),
    };
    Ok((table, origins))
}

/// Scenario text that is not a file (no `extends`), with the place of every key.
pub(crate) fn read_text(name: &Path, text: &str) -> Result<(toml::Table, Origins)> {
    let mut map = HashMap::new();
    let table = parse(name, text, &mut map)?;
    let origins = Origins {
        map,
        file: name.to_path_buf(),
    };
    if table.contains_key("extends") {
        return Err(origins.error(
            "extends",
            "expected no `extends` in a scenario that is not a file",
        ));
    }
    Ok((table, origins))
}

/// The merged table, before validation (for `validate --diff`).
pub fn load_table(file: &Path) -> Result<toml::Table> {
    read_chain(file, &mut Vec::new(), &mut HashMap::new()).map_err(one_line)
}

/// Keep a message on one line: control characters that a file, a key or an
/// argument brought in (a `\n` in a string) are shown escaped.
pub(crate) fn one_line(e: Error) -> Error {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_places_every_offset_as_line_col() {
        // Multi-byte characters (offsets inside them), CRLF, empty lines, no final newline.
        let text = "a = 1\n\n[b]\r\nc = \"ü€x\"\n  d = [1,\n 2]\nlast";
        let lines = Lines::new(text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(lines.at(offset), line_col(text, offset), "offset {offset}");
        }
        assert_eq!(lines.at(text.find("c =").unwrap()), (4, 1));
        assert_eq!(lines.at(text.find('x').unwrap()), (4, 8));
    }
}
