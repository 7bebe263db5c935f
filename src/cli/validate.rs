//! `povsim validate`: check a scenario file and print the effective scenario
//! (or, with `--diff`, only what differs from the file it extends).

use povsim::scenario::validate::SweepDesign;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Override any scalar key: --set simulation.years=20.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Print only the keys whose effective value differs from the scenario this one extends.
    #[arg(long)]
    pub diff: bool,
}

pub fn execute(a: ValidateArgs) -> anyhow::Result<()> {
    let sc = povsim::scenario::load(&a.scenario, &a.sets)?;
    if a.diff {
        let text = String::from_utf8_lossy(&povsim::input::read(&a.scenario)?).into_owned();
        let own: toml::Table = toml::from_str(&text).map_err(|e| {
            povsim::Error::file(&a.scenario, format!("invalid TOML: {}", e.message()))
        })?;
        let Some(toml::Value::String(parent)) = own.get("extends") else {
            return Err(povsim::Error::file(
                &a.scenario,
                "--diff: expected a scenario with `extends = \"...\"`",
            )
            .into());
        };
        let parent_path = a
            .scenario
            .parent()
            .unwrap_or(std::path::Path::new("."))
            .join(parent);
        let base = povsim::scenario::load(&parent_path, &[])?;
        let (x, y) = (
            toml::Value::try_from(&base.file)?,
            toml::Value::try_from(&sc.file)?,
        );
        let mut lines = Vec::new();
        diff("", &x, &y, &mut lines);
        println!(
            "# {} against {}",
            a.scenario.display(),
            parent_path.display()
        );
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
        a.scenario.display(),
        sc.villages,
        sc.households(),
        sc.start_year,
        sc.end_year()
    );
    Ok(())
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
