//! `povsim validate`: check a scenario file and print the effective scenario
//! (or, with `--diff`, only what differs from the file it extends).

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
        let text = std::fs::read_to_string(&a.scenario)
            .map_err(|e| povsim::Error::file(&a.scenario, format!("cannot read: {e}")))?;
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
        return Ok(());
    }
    print!("{}", sc.to_toml());
    eprintln!(
        "{}: valid ({} villages, {} households, {}–{})",
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
