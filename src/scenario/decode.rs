//! The merged table → [`ScenarioFile`], with serde's errors turned into one
//! located line in the project's "expected ..., got ..." style.

use super::origins::Origins;
use super::raw::ScenarioFile;
use crate::error::{Error, Result};

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
