//! `povsim validate`: check a scenario file and print the effective scenario
//! (or, with `--diff`, only what differs from the file it extends; with
//! `--list-keys`, every key's declaration).

use povsim::scenario::keys::{self, Key};
use povsim::scenario::validate::SweepDesign;
use povsim::scenario::{Scenario, load};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Scenario file (TOML), or `classroom` / `l_county`. Optional with --list-keys (given, its effective values are listed too).
    #[arg(required_unless_present = "list_keys")]
    pub scenario: Option<PathBuf>,
    /// List every key a scenario may set: path, type, default, valid range, unit and doc.
    #[arg(long)]
    pub list_keys: bool,
    /// With --list-keys: print a JSON array of objects instead of a table.
    #[arg(long, requires = "list_keys")]
    pub json: bool,
    /// Override any scalar key: --set simulation.years=20; repeat for more keys.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Print only the keys whose effective value differs from the scenario this one extends.
    #[arg(long)]
    pub diff: bool,
}

pub fn execute(a: ValidateArgs) -> anyhow::Result<()> {
    let sc = match &a.scenario {
        Some(path) => Some(load(path, &a.sets)?),
        None => None,
    };
    if a.list_keys {
        list_keys(sc.as_ref(), a.json);
        return Ok(());
    }
    let (Some(sc), Some(scenario)) = (sc, a.scenario) else {
        return Err(povsim::Error::Input("expected a scenario file".into()).into());
    };
    for w in sc.warnings() {
        eprintln!("{w}");
    }
    let scenario = &scenario;
    if a.diff {
        let text = String::from_utf8_lossy(&povsim::input::read(scenario)?).into_owned();
        let own: toml::Table = toml::from_str(&text)
            .map_err(|e| povsim::Error::file(scenario, format!("invalid TOML: {}", e.message())))?;
        let Some(toml::Value::String(parent)) = own.get("extends") else {
            return Err(povsim::Error::file(
                scenario,
                "--diff: expected a scenario with `extends = \"...\"`",
            )
            .into());
        };
        let parent_path = scenario
            .parent()
            .unwrap_or(std::path::Path::new("."))
            .join(parent);
        let base = load(&parent_path, &[])?;
        let (x, y) = (
            toml::Value::try_from(&base.file)?,
            toml::Value::try_from(&sc.file)?,
        );
        let mut lines = Vec::new();
        diff("", &x, &y, &mut lines);
        println!("# {} against {}", scenario.display(), parent_path.display());
        for l in lines {
            println!("{l}");
        }
        if let (Some(t), Some(p)) = (&sc.file.sweep, &sc.sweep) {
            sc.check_sweep()?;
            println!("# and a [sweep] table (for povsim sweep; not part of the scenario):");
            print!("{}", sweep_toml(p, t));
        }
        return Ok(());
    }
    sc.check_sweep()?;
    print!("{}", sc.to_toml());
    let mut sweep = String::new();
    if let Some(t) = &sc.file.sweep {
        // The [sweep] table is not part of the effective scenario: printed
        // after it, keys in the order of the grid.
        println!();
        if let Some(p) = &sc.sweep {
            print!("{}", sweep_toml(p, t));
        }
        sweep = match sc.sweep.as_ref().map(|p| (&p.design, p.lhs)) {
            Some((SweepDesign::Axes(axes), Some(n))) => format!(
                "; [sweep]: a Latin-hypercube sample of {n} points over {} keys",
                axes.len()
            ),
            Some((SweepDesign::Axes(axes), None)) => format!(
                "; [sweep]: a grid of {} points over {} keys",
                axes.iter().map(|a| a.values.len()).product::<usize>(),
                axes.len()
            ),
            Some((SweepDesign::Points { keys, points }, _)) => format!(
                "; [sweep]: {} points over {} keys",
                points.len(),
                keys.len()
            ),
            _ => "; [sweep]: nothing varied (give --vary)".to_string(),
        };
    }
    eprintln!(
        "{}: valid ({} villages, {} households, {}–{}){sweep}",
        scenario.display(),
        sc.villages,
        sc.households(),
        sc.start_year,
        sc.end_year()
    );
    Ok(())
}

/// Every key's declaration, as a table or as JSON; with a scenario, its
/// effective value too.
fn list_keys(sc: Option<&Scenario>, json: bool) {
    let value = |k: &Key| sc.map(|sc| sc.value(&k.path));
    if json {
        let all: Vec<serde_json::Value> = keys::all()
            .iter()
            .map(|k| {
                let mut j = k.to_json();
                if let (Some(v), Some(m)) = (value(k), j.as_object_mut()) {
                    let v = v.map_or(serde_json::Value::Null, |v| {
                        serde_json::to_value(v).unwrap_or_default()
                    });
                    m.insert("value".into(), v);
                }
                j
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
        return;
    }
    let shown = |v: &Option<toml::Value>| v.as_ref().map_or("-".to_string(), |v| v.to_string());
    let mut rows = vec![vec![
        "KEY".to_string(),
        "TYPE".into(),
        "DEFAULT".into(),
        "RANGE".into(),
        "UNIT".into(),
    ]];
    if sc.is_some() {
        rows[0].push("VALUE".into());
    }
    rows[0].push("DOC".into());
    for k in keys::all() {
        let default = match (&k.default, k.required) {
            (None, true) => "required".to_string(),
            (d, _) => shown(d),
        };
        let mut row = vec![
            k.path.clone(),
            k.type_name().to_string(),
            default,
            k.range_text(),
            k.unit.to_string(),
        ];
        if let Some(v) = value(k) {
            row.push(shown(&v));
        }
        row.push(k.doc.clone());
        rows.push(row);
    }
    // Columns padded to their widest cell (at most 44 characters; the doc is last).
    let n = rows[0].len();
    let widths: Vec<usize> = (0..n - 1)
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
                .min(44)
        })
        .collect();
    for r in rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            let cell = if cell.is_empty() { "-" } else { cell };
            if c + 1 < n {
                line.push_str(&format!("{cell:<w$}  ", w = widths[c]));
            } else {
                line.push_str(cell);
            }
        }
        println!("{}", line.trim_end());
    }
}

/// Dotted keys whose values differ, as `key = new value  # was old value`.
fn diff(prefix: &str, a: &toml::Value, b: &toml::Value, out: &mut Vec<String>) {
    match (a, b) {
        (toml::Value::Table(x), toml::Value::Table(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => diff(&p, u, v, out),
                    (None, Some(v)) => out.push(format!("{p} = {v}  # added")),
                    (Some(u), None) => out.push(format!("# {p} removed (was {u})")),
                    (None, None) => {}
                }
            }
        }
        _ if a != b => out.push(format!("{prefix} = {b}  # was {a}")),
        _ => {}
    }
}

/// A checked `[sweep]` table as TOML, its keys in their order (inline tables keep it).
fn sweep_toml(
    p: &povsim::scenario::validate::SweepPlan,
    t: &povsim::scenario::raw::SweepTable,
) -> String {
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    // A value as `--set` reads it: a number or boolean bare, anything else quoted.
    let value = |v: &str| match toml::from_str::<toml::Table>(&format!("v = {v}")) {
        Ok(t)
            if !matches!(
                t.get("v"),
                Some(toml::Value::Table(_) | toml::Value::Array(_))
            ) =>
        {
            v.to_string()
        }
        _ => quote(v),
    };
    let mut s = String::from("[sweep]\n");
    if let Some(r) = t.replicates {
        s.push_str(&format!("replicates = {r}\n"));
    }
    if let Some(n) = t.lhs {
        s.push_str(&format!("lhs = {n}\n"));
    }
    match &p.design {
        SweepDesign::Nothing => {}
        SweepDesign::Axes(axes) => {
            s.push_str("vary = { ");
            let items: Vec<String> = axes
                .iter()
                .map(|a| {
                    let v = match a.range {
                        Some((start, stop, step, _)) => quote(&format!("{start}:{stop}:{step}")),
                        None => format!(
                            "[{}]",
                            a.values
                                .iter()
                                .map(|v| value(v))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    format!("{} = {v}", quote(&a.key))
                })
                .collect();
            s.push_str(&items.join(", "));
            s.push_str(" }\n");
        }
        SweepDesign::Points { keys, points } => {
            s.push_str("points = [\n");
            for pt in points {
                let items: Vec<String> = keys
                    .iter()
                    .zip(pt)
                    .map(|(k, v)| format!("{} = {}", quote(k), value(v)))
                    .collect();
                s.push_str(&format!("  {{ {} }},\n", items.join(", ")));
            }
            s.push_str("]\n");
        }
    }
    s
}
