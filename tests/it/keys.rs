//! The key declarations: every key parses back with its default, its range
//! is what validation enforces, `--set` reaches a distribution's and a
//! schedule's parameters, `validate --list-keys` lists them all, and a
//! [`Base`] makes the same scenarios as loading the file again.

use povsim::scenario::keys::{self, Check};
use povsim::scenario::{Base, Scenario, load_str};
use std::path::Path;
use std::process::Command;

/// A scenario holding every section, every module with a budget, and a
/// scenario-wide budget, so that any key can be set alone.
fn everything() -> String {
    let mut s = String::from(
        "[simulation]\nname = \"keys\"\nstart_year = 2010\nyears = 2\nreplicates = 1\nvillages = 2\nhouseholds = 40\n\
         [poverty_lines]\nlow_income = 2300\nextreme = 100\n\
         [budget]\ntotal = 1000000\n",
    );
    for m in povsim::interventions::ORDER {
        s.push_str(&format!("[interventions.{m}]\nbudget = 1000\n"));
    }
    s
}

fn base() -> Base {
    Base::from_text(Path::new("keys.toml"), &everything(), &[]).expect("a valid base")
}

fn as_f64(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Float(x) => Some(*x),
        toml::Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

#[test]
fn every_listed_key_parses_back_with_its_default() {
    let base = base();
    let mut n = 0;
    for k in keys::all() {
        let Some(d) = &k.default else {
            continue;
        };
        let sc = base
            .with(&[(k.path.as_str(), &d.to_string())])
            .unwrap_or_else(|e| panic!("{} = {d}: {e}", k.path));
        let got = sc
            .value(&k.path)
            .unwrap_or_else(|| panic!("{}: no effective value", k.path));
        match (as_f64(&got), as_f64(d)) {
            (Some(a), Some(b)) => assert_eq!(a, b, "{}", k.path),
            _ => assert_eq!(&got, d, "{}", k.path),
        }
        n += 1;
    }
    assert!(n > 250, "only {n} keys with a default");
}

/// The declared range is the range validation enforces: a value just
/// outside fails with an error naming the key, the bounds themselves pass.
#[test]
fn validation_enforces_every_declared_range() {
    let base = base();
    let mut checked = 0;
    for k in keys::all() {
        let Some(r) = k.range else {
            continue;
        };
        if matches!(
            k.check,
            Check::Dist(..) | Check::Dated(..) | Check::DatedPositive
        ) || k.path.ends_with(".min")
            || k.path.ends_with(".max")
            || k.path.starts_with("simulation.")
            || k.path.starts_with("population.")
            || matches!(k.check, Check::List(_))
        {
            // Distributions and schedules are checked through their
            // parameters; a draw's bounds only against each other; the
            // simulation's sizes against each other and memory too; the
            // population's keys need its data files (tests/it/data.rs).
            continue;
        }
        let whole = matches!(k.check, Check::Whole(..));
        let fmt = |x: f64| {
            if whole {
                format!("{}", x as i64)
            } else {
                format!("{x:?}")
            }
        };
        let step = if whole {
            1.0
        } else {
            1e-6 * r.max.abs().max(1.0)
        };
        let outside = [
            if r.min_open { r.min } else { r.min - step },
            if r.max_open { r.max } else { r.max + step },
        ];
        for x in outside {
            if !x.is_finite() {
                continue;
            }
            let v = fmt(x);
            let err = base
                .with(&[(k.path.as_str(), &v)])
                .err()
                .unwrap_or_else(|| panic!("{} = {v} outside {r} was accepted", k.path))
                .to_string();
            assert!(
                err.contains(&format!(": {}: ", k.path)),
                "{} = {v}: {err}",
                k.path
            );
        }
        // A bound inside the range passes (a beta's sd also has its own rule).
        let inside = if r.min_open { r.max } else { r.min };
        if inside.is_finite() && !k.path.ends_with(".sd") && !r.max_open {
            let v = fmt(inside);
            base.with(&[(k.path.as_str(), &v)])
                .unwrap_or_else(|e| panic!("{} = {v} inside {r}: {e}", k.path));
        }
        checked += 1;
    }
    assert!(checked > 150, "only {checked} ranges checked");
}

#[test]
fn set_reaches_a_distributions_parameter_the_file_does_not_state() {
    // classroom.toml does not state households.ability: the default lognormal is filled.
    let text = include_str!("../../scenarios/classroom.toml");
    let sets = ["households.ability.sigma=0.4".to_string()];
    let sc = load_str(Path::new("classroom.toml"), text, &sets).expect("sigma alone");
    let a = &sc.file.households.ability;
    assert_eq!((a.median, a.sigma), (Some(1.0), Some(0.4)));
    // A parameter the kind does not take is refused, naming it.
    let sets = ["households.ability.mean=3".to_string()];
    let err = load_str(Path::new("classroom.toml"), text, &sets).unwrap_err();
    assert_eq!(
        err.to_string(),
        "--set households.ability.mean=3: households.ability.mean: expected only median, sigma, min, max for dist = \"lognormal\", got mean = 3"
    );
    // A distribution the file states may be replaced whole.
    let sets = [r#"villages.remoteness={ dist = "constant", value = 0.2 }"#.to_string()];
    let sc = load_str(Path::new("classroom.toml"), text, &sets).expect("a whole distribution");
    assert_eq!(sc.file.villages.remoteness.value, Some(0.2));
}

#[test]
fn set_reaches_a_schedules_parameters() {
    let text = include_str!("../../scenarios/classroom.toml");
    let load = |s: &str| {
        load_str(Path::new("classroom.toml"), text, &[s.to_string()])
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    };
    // A schedule the file states: the index changes, the values stay.
    let sc = load("income.local_wage.index=0.05");
    let w = &sc.file.income.local_wage;
    assert_eq!(w.at(2014), 11000.0);
    assert!((w.at(2016) - 11000.0 * 1.05f64.powi(2)).abs() < 1e-6);
    // A plain number becomes a schedule from the first year, the same value every year until set.
    let sc = load("shocks.medical_cost.index=0.1");
    let m = &sc.file.shocks.medical_cost;
    assert_eq!(m.at(2014), 8000.0);
    assert!((m.at(2015) - 8800.0).abs() < 1e-6);
    let sc = load("interventions.transfers.guarantee_line.values.2020=3000");
    let g = &sc
        .file
        .interventions
        .transfers
        .as_ref()
        .unwrap()
        .guarantee_line;
    assert_eq!(
        (g.at(2019), g.at(2020), g.at(2028)),
        (2500.0, 3000.0, 3000.0)
    );
    // A schedule the file does not state: the default is filled, one year changed.
    let sc = load("income.pension.values.2016=900");
    let p = &sc.file.income.pension;
    assert_eq!((p.at(2015), p.at(2016)), (660.0, 900.0));
    // A dated value may be replaced whole by a number.
    let sc = load("income.local_wage=12000");
    assert_eq!(sc.file.income.local_wage.at(2020), 12000.0);
}

#[test]
fn a_base_makes_the_scenarios_loading_would() {
    let text = include_str!("../../scenarios/classroom.toml");
    let name = Path::new("classroom.toml");
    let base = Base::from_text(name, text, &["simulation.years=4".into()]).unwrap();
    for sets in [
        vec!["shocks.illness=0.1"],
        vec![
            "households.ability.sigma=0.5",
            "interventions.transfers.budget=1",
        ],
        vec!["income.local_wage.values.2016=12000"],
    ] {
        let mut all = vec!["simulation.years=4".to_string()];
        all.extend(sets.iter().map(|s| s.to_string()));
        let loaded = load_str(name, text, &all).unwrap();
        let pairs: Vec<(&str, &str)> = sets.iter().filter_map(|s| s.split_once('=')).collect();
        let made: Scenario = base.with(&pairs).unwrap();
        assert_eq!(made.to_toml(), loaded.to_toml(), "{sets:?}");
    }
    // Errors are located as for --set.
    let err = base.with(&[("shocks.illness", "1.7")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "--set shocks.illness=1.7: shocks.illness: expected a probability from 0 to 1, got 1.7"
    );
    assert_eq!(base.scenario().unwrap().years, 4);
}

#[test]
fn a_sweep_table_may_vary_a_distributions_parameter() {
    let text = format!(
        "{}\n[sweep]\nvary = {{ \"households.ability.sigma\" = [0.3, 0.5] }}\n",
        include_str!("../../scenarios/classroom.toml")
    );
    let sc = load_str(Path::new("classroom.toml"), &text, &[]).unwrap();
    sc.check_sweep().expect("each value loads");
}

fn povsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_povsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run povsim")
}

#[test]
fn list_keys_prints_every_key_as_text_and_valid_json() {
    let o = povsim(&["validate", "--list-keys", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let listed: Vec<&str> = v
        .as_array()
        .expect("an array")
        .iter()
        .map(|k| k["path"].as_str().expect("a path"))
        .collect();
    let declared: Vec<&str> = keys::all().iter().map(|k| k.path.as_str()).collect();
    assert_eq!(listed, declared);
    let illness = &v[declared
        .iter()
        .position(|p| *p == "shocks.illness")
        .unwrap()];
    assert_eq!(illness["type"], "probability");
    assert_eq!(illness["default"], 0.06);
    assert_eq!(
        (illness["min"].as_f64(), illness["max"].as_f64()),
        (Some(0.0), Some(1.0))
    );
    assert_eq!(illness["unit"], "per year");
    assert!(illness["doc"].as_str().unwrap().contains("serious illness"));

    // With a scenario, the effective values too.
    let o = povsim(&[
        "validate",
        "scenarios/classroom.toml",
        "--list-keys",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let at = |p: &str| &v[declared.iter().position(|q| *q == p).unwrap()];
    assert_eq!(at("simulation.years")["value"], 15);
    assert_eq!(at("shocks.medical_cost")["value"], 8000.0);

    let o = povsim(&["validate", "--list-keys"]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(
        text.lines().count(),
        declared.len() + 1,
        "a header and a line per key"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("households.ability.sigma ") && l.contains("0.35")),
        "{text}"
    );
}

/// The problems of docs/MODEL.md's parameter tables (`| \`key\` | default |
/// source |`) against the declarations: a documented key that is not
/// declared, a default whose numbers (or words) the prose does not state, a
/// cell that starts with another number, and a declared parameter no table
/// documents. In a module's section (`### Name (src/interventions/name.rs)`)
/// keys are relative to `interventions.name`; `a` / `b` rows give one
/// default per key, separated the same way.
fn model_table_problems(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut prefix = String::new();
    let mut documented = std::collections::HashSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("### ")
            && let Some((_, file)) = rest.split_once("(src/interventions/")
        {
            prefix = format!("interventions.{}.", file.trim_end_matches(".rs)"));
            continue;
        }
        if line.starts_with("## ") {
            prefix.clear();
            continue;
        }
        if !line.starts_with("| `") {
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        let names: Vec<&str> = cells[0].split('`').skip(1).step_by(2).collect();
        let defaults: Vec<&str> = if names.len() > 1 {
            cells[1].split(" / ").collect()
        } else {
            vec![cells[1]]
        };
        if defaults.len() != names.len() {
            problems.push(format!("{line}: one default per key"));
            continue;
        }
        for (name, cell) in names.iter().zip(defaults) {
            let path = if name.contains('.') {
                name.to_string()
            } else {
                format!("{prefix}{name}")
            };
            let Some(key) = keys::find(&path) else {
                problems.push(format!("{path}: documented but not a key"));
                continue;
            };
            documented.insert(path.clone());
            let (want, words) = default_tokens(key.default.as_ref());
            let have = numbers(cell);
            let near = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(1.0);
            for x in &want {
                if !have.iter().any(|y| near(*x, *y)) {
                    problems.push(format!("{path}: the default {x} is not in \"{cell}\""));
                }
            }
            if let Some(first) = have.first()
                && !want.is_empty()
                && !want.iter().any(|x| near(*x, *first))
            {
                problems.push(format!(
                    "{path}: \"{cell}\" starts with {first}, not a default"
                ));
            }
            for alternatives in words {
                if !alternatives.iter().any(|w| cell.to_lowercase().contains(w)) {
                    problems.push(format!("{path}: \"{cell}\" does not say {alternatives:?}"));
                }
            }
        }
    }
    // Every parameter of the model is documented (the simulation's size, the
    // output's formats, the scenario-wide budget and the modules' shared
    // frame are described in prose; the data a population starts from, in
    // docs/DATA.md).
    const FRAME: [&str; 7] = [
        "enabled",
        "start_year",
        "end_year",
        "budget",
        "budget_share",
        "standing_budget",
        "eligible",
    ];
    for k in keys::all() {
        let parts: Vec<&str> = k.path.split('.').collect();
        let parameter = match parts[0] {
            "simulation" | "budget" | "output" | "population" => false,
            "interventions" => parts.len() == 3 && !FRAME.contains(&parts[2]),
            _ => parts.len() == 2,
        };
        if parameter && !documented.contains(&k.path) {
            problems.push(format!(
                "{}: declared but in no table of docs/MODEL.md",
                k.path
            ));
        }
    }
    problems
}

/// The numbers and words a default's prose must state: a number; each
/// parameter of a distribution; each value and the index of a schedule; a
/// word; `on`/`off` for a flag.
fn default_tokens(d: Option<&toml::Value>) -> (Vec<f64>, Vec<Vec<&'static str>>) {
    let mut nums = Vec::new();
    let mut words: Vec<Vec<&'static str>> = Vec::new();
    let Some(d) = d else {
        return (nums, words);
    };
    match d {
        toml::Value::Float(_) | toml::Value::Integer(_) => nums.extend(as_f64(d)),
        toml::Value::Boolean(true) => words.push(vec!["on", "true", "yes"]),
        toml::Value::Boolean(false) => words.push(vec!["off", "false", "no"]),
        toml::Value::String(s) => words.push(vec![s.clone().leak()]),
        toml::Value::Array(a) => {
            for e in a {
                let (n, w) = default_tokens(Some(e));
                nums.extend(n);
                words.extend(w);
            }
        }
        toml::Value::Table(t) => match t.get("values") {
            Some(toml::Value::Table(v)) => {
                nums.extend(v.values().filter_map(as_f64));
                nums.extend(t.get("index").and_then(as_f64).filter(|i| *i != 0.0));
            }
            _ => nums.extend(
                t.iter()
                    .filter(|(k, _)| *k != "dist")
                    .filter_map(|(_, v)| as_f64(v)),
            ),
        },
        _ => {}
    }
    (nums, words)
}

/// The numbers written in prose: `5,000` (thousands), `4.5%` (0.045), `1/16`.
fn numbers(cell: &str) -> Vec<f64> {
    let b: Vec<char> = cell.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let digits = |i: usize| i < b.len() && b[i].is_ascii_digit();
    while i < b.len() {
        if !digits(i) || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == '.')) {
            i += 1;
            continue;
        }
        let mut s = String::new();
        while digits(i)
            || (i < b.len() && b[i] == ',' && (1..=3).all(|k| digits(i + k)) && !digits(i + 4))
        {
            if b[i] != ',' {
                s.push(b[i]);
            }
            i += 1;
        }
        if i + 1 < b.len() && b[i] == '.' && digits(i + 1) {
            s.push('.');
            i += 1;
            while digits(i) {
                s.push(b[i]);
                i += 1;
            }
        }
        let mut x: f64 = s.parse().unwrap_or(f64::NAN);
        if i + 1 < b.len() && b[i] == '/' && digits(i + 1) {
            let mut d = String::new();
            i += 1;
            while digits(i) {
                d.push(b[i]);
                i += 1;
            }
            x /= d.parse::<f64>().unwrap_or(f64::NAN);
        } else if i < b.len() && b[i] == '%' {
            x /= 100.0;
        }
        out.push(x);
    }
    out
}

#[test]
fn docs_model_tables_agree_with_the_declarations() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/MODEL.md"))
        .expect("docs/MODEL.md");
    let problems = model_table_problems(&text);
    assert!(
        problems.is_empty(),
        "docs/MODEL.md:\n{}",
        problems.join("\n")
    );

    // The check fails where prose and code disagree.
    assert_eq!(
        numbers("5,000 yuan, +4.5% a year, 1/16, (0.3, 1–6)"),
        [5000.0, 0.045, 0.0625, 0.3, 1.0, 6.0]
    );
    let stale = text
        .replace(
            "| `shocks.job_loss` | 0.08 |",
            "| `shocks.job_loss` | 0.09 |",
        )
        .replace("| `md_health` | 0.6 |", "| `md_health` | 0.6 (was 0.7) |")
        .replace("| `behaviour.mpc` | 0.75 | assumption |\n", "")
        .replace("| `line_factor` | 1 |", "| `line_factr` | 1 |");
    let problems = model_table_problems(&stale);
    for p in [
        "shocks.job_loss: the default 0.08 is not in \"0.09\"",
        "shocks.job_loss: \"0.09\" starts with 0.09, not a default",
        "behaviour.mpc: declared but in no table of docs/MODEL.md",
        "interventions.targeting.line_factr: documented but not a key",
    ] {
        assert!(
            problems.iter().any(|q| q == p),
            "{p} not found in {problems:#?}"
        );
    }
    assert!(
        !problems
            .iter()
            .any(|q| q.starts_with("interventions.targeting.md_health"))
    );
}

/// A calibration may fit a parameter of a distribution the file leaves at
/// its default (it used to need the distribution written out in full).
#[test]
fn a_calibration_may_fit_a_parameter_the_file_does_not_state() {
    let text = "[simulation]\nname = \"cal\"\nstart_year = 2008\nyears = 3\nseed = 1\nreplicates = 1\nvillages = 2\nhouseholds = 100\n\
        [calibration]\nevaluations = 5\n\
        [[calibration.fit]]\nkey = \"households.ability.sigma\"\nbounds = [0.1, 0.8]\n\
        [[calibration.targets]]\nmeasure = \"mean_income\"\nyear = 2010\nvalue = 6000\nrelative_se = 0.05\n";
    let dir = std::env::temp_dir().join(format!("povsim-keys-cal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cal.toml");
    std::fs::write(&file, text).unwrap();
    let sc = povsim::scenario::load(&file, &[]).unwrap();
    let plan = sc.check_calibration(&[]).expect("both bounds load");
    assert_eq!(plan.keys[0].key, "households.ability.sigma");
    let _ = std::fs::remove_dir_all(&dir);
}
