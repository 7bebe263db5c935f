//! `povsim calibrate`: known-parameter recovery, held-out targets, resume,
//! the scenario it writes, and bad calibration tables.
//!
//! The "data" of the recovery test come from povsim itself: one replicate of
//! a small county run with known values of three keys (and another seed than
//! the calibration's), each figure with the spread of that measure across
//! replicates as its standard error, as a published figure's sampling error
//! would be. The calibration starts from other values and must land within
//! its own reported standard errors of the truth.

use crate::fixtures::temp_dir;
use povsim::recorder::TRAJECTORY_COLUMNS;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_povsim");

/// Known values of the recovery test: (key, true value, bounds).
const TRUTH: [(&str, f64, [f64; 2]); 3] = [
    ("income.local_wage.values.2008", 9000.0, [5000.0, 14000.0]),
    ("income.local_wage.index", 0.08, [0.0, 0.2]),
    ("households.ability.sigma", 0.5, [0.15, 1.0]),
];

/// A small county (4,000 households in 40 villages, 5 years) with the three keys at `values`.
fn county(name: &str, seed: u64, replicates: u32, values: [f64; 3]) -> String {
    format!(
        "[simulation]\nname = \"{name}\"\nstart_year = 2008\nyears = 5\nseed = {seed}\nreplicates = {replicates}\nvillages = 40\nhouseholds = 4000\n\n\
         [households]\nability = {{ dist = \"lognormal\", median = 1.0, sigma = {} }}\n\n\
         [income]\nlocal_wage = {{ values = {{ 2008 = {} }}, index = {} }}\n",
        values[2], values[0], values[1]
    )
}

fn povsim(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("run povsim")
}

fn ok(what: &str, o: &Output) {
    assert!(
        o.status.success(),
        "{what}: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Per replicate, per trajectory column, the values by year of a scenario file.
fn run_values(file: &Path) -> Vec<BTreeMap<(String, i32), f64>> {
    let sc = povsim::scenario::load(file, &[]).expect("valid");
    let mut reps = vec![BTreeMap::new(); sc.replicates as usize];
    povsim::experiment::run_records(&sc, |r| {
        for (k, v) in TRAJECTORY_COLUMNS.iter().zip(r.trajectory_values()) {
            reps[r.replicate as usize].insert((k.to_string(), r.year), v);
        }
        Ok(())
    })
    .unwrap();
    reps
}

/// The targets of the recovery test: replicate 0 of the truth (seed 11) as
/// the figure, the standard deviation over 8 replicates as its error.
/// `held_out` marks (measure, year) pairs held out.
fn targets_from_truth(dir: &Path, held_out: &[(&str, i32)]) -> String {
    let truth = dir.join("truth.toml");
    std::fs::write(
        &truth,
        county("truth", 11, 8, [TRUTH[0].1, TRUTH[1].1, TRUTH[2].1]),
    )
    .unwrap();
    let reps = run_values(&truth);
    let mut t = String::new();
    for measure in ["mean_income", "headcount_ratio", "gini"] {
        for year in 2008..=2012 {
            let xs: Vec<f64> = reps
                .iter()
                .map(|r| r[&(measure.to_string(), year)])
                .collect();
            let m = xs.iter().sum::<f64>() / xs.len() as f64;
            let sd =
                (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64).sqrt();
            t.push_str(&format!(
                "\n[[calibration.targets]]\nmeasure = \"{measure}\"\nyear = {year}\nvalue = {:?}\nse = {:?}\n{}",
                xs[0],
                sd,
                if held_out.contains(&(measure, year)) {
                    "held_out = true\n"
                } else {
                    ""
                }
            ));
        }
    }
    t
}

/// The calibration scenario: the county at other values (the start), seed
/// 22, 4 replicates, the three keys fitted to `targets`.
fn fit_file(dir: &Path, name: &str, targets: &str) -> PathBuf {
    let mut text = county(name, 22, 4, [12000.0, 0.03, 0.8]);
    text.push_str("\n[calibration]\nevaluations = 70\n");
    for (key, _, b) in TRUTH {
        text.push_str(&format!(
            "\n[[calibration.fit]]\nkey = \"{key}\"\nbounds = [{:?}, {:?}]\n",
            b[0], b[1]
        ));
    }
    text.push_str(targets);
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn recovers_known_values_within_their_standard_errors() {
    let dir = temp_dir("calibrate-recovery");
    let file = fit_file(&dir, "recover", &targets_from_truth(&dir, &[]));
    let out = dir.join("out");
    ok(
        "calibrate",
        &povsim(&["calibrate", s(&file), "--out", s(&out), "--quiet"]),
    );
    let c = json(&out.join("calibration.json"));
    let keys = c["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 3);
    for ((key, truth, b), k) in TRUTH.iter().zip(keys) {
        assert_eq!(k["key"], *key);
        let v = k["value"].as_f64().unwrap();
        let se = k["se"].as_f64().unwrap_or(f64::INFINITY);
        // A standard error small enough to mean something (so the test can
        // fail): not weakly identified, its 90% interval within half the bounds ...
        assert!(
            2.0 * 1.645 * se < 0.5 * (b[1] - b[0]) && k["weakly_identified"] == false,
            "{key}: se {se} is no test within bounds {b:?}: {k}"
        );
        // ... and the truth within about two of them of the estimate.
        assert!(
            (v - truth).abs() <= 2.5 * se,
            "{key}: estimate {v} ± {se}, truth {truth}"
        );
        assert_eq!(k["unidentified"], false, "{key}");
    }
    // The start was elsewhere: the first evaluation is the file's own values.
    let csv = std::fs::read_to_string(out.join("calibration.csv")).unwrap();
    let first = csv.lines().nth(1).unwrap();
    assert!(first.starts_with("0,start,12000.0,0.03,0.8,"), "{first}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn held_out_targets_are_reported_and_never_fitted() {
    let dir = temp_dir("calibrate-held-out");
    let held = [("mean_income", 2012), ("headcount_ratio", 2012)];
    let targets = targets_from_truth(&dir, &held);
    let a = fit_file(&dir, "held", &targets);
    // The same calibration with the held-out figures moved far away.
    let moved: String = {
        let mut out = String::new();
        for block in targets.split("\n[[calibration.targets]]\n").skip(1) {
            let mut b = block.to_string();
            if b.contains("held_out = true") {
                let v: f64 = b
                    .lines()
                    .find_map(|l| l.strip_prefix("value = "))
                    .unwrap()
                    .parse()
                    .unwrap();
                b = b.replacen(
                    &format!("value = {v:?}"),
                    &format!("value = {:?}", 3.0 * v),
                    1,
                );
            }
            out.push_str("\n[[calibration.targets]]\n");
            out.push_str(&b);
        }
        out
    };
    let b = fit_file(&dir, "held_moved", &moved);
    let (oa, ob) = (dir.join("a"), dir.join("b"));
    for (f, o) in [(&a, &oa), (&b, &ob)] {
        ok(
            "calibrate",
            &povsim(&["calibrate", s(f), "--out", s(o), "--quiet", "--no-charts"]),
        );
    }
    let (ca, cb) = (
        json(&oa.join("calibration.json")),
        json(&ob.join("calibration.json")),
    );
    // Fitted never: the same search, the same values, the same fitted loss.
    assert_eq!(ca["keys"], cb["keys"]);
    assert_eq!(ca["loss"], cb["loss"]);
    // Reported always: the miss of each held-out target in its standard errors.
    let mut seen = 0;
    for (ta, tb) in ca["targets"]
        .as_array()
        .unwrap()
        .iter()
        .zip(cb["targets"].as_array().unwrap())
    {
        let held_out = ta["held_out"].as_bool().unwrap();
        let key = (
            ta["measure"].as_str().unwrap(),
            ta["year"].as_i64().unwrap() as i32,
        );
        assert_eq!(held_out, held.contains(&key), "{key:?}");
        for t in [ta, tb] {
            let (sim, v, se) = (
                t["simulated"].as_f64().unwrap(),
                t["value"].as_f64().unwrap(),
                t["se"].as_f64().unwrap(),
            );
            let err = t["error_se"].as_f64().unwrap();
            assert!(((sim - v) / se - err).abs() < 1e-9, "{t}");
            assert!(t["p5"].as_f64().unwrap() <= sim && sim <= t["p95"].as_f64().unwrap());
        }
        if held_out {
            seen += 1;
            assert_eq!(ta["simulated"], tb["simulated"]);
            assert_ne!(ta["error_se"], tb["error_se"]);
        }
    }
    assert_eq!(seen, 2);
    let hl = |c: &serde_json::Value| c["held_out_loss"].as_f64().unwrap();
    assert!(
        hl(&cb) > 10.0 * hl(&ca).max(1.0),
        "{} vs {}",
        hl(&ca),
        hl(&cb)
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The files of an output directory, by name (charts included).
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut m = BTreeMap::new();
    for sub in ["", "charts"] {
        for e in std::fs::read_dir(dir.join(sub)).unwrap().flatten() {
            if e.file_type().unwrap().is_file() {
                let name = format!("{sub}/{}", e.file_name().to_string_lossy());
                m.insert(name, std::fs::read(e.path()).unwrap());
            }
        }
    }
    m
}

#[test]
fn an_interrupted_calibration_resumes_to_the_same_result() {
    let dir = temp_dir("calibrate-resume");
    let file = dir.join("resume.toml");
    let mut text = county("resume", 5, 3, [9000.0, 0.08, 0.5]);
    text = text.replace("households = 4000", "households = 800");
    text.push_str(
        "\n[calibration]\nevaluations = 30\n\n\
         [[calibration.fit]]\nkey = \"income.local_wage.index\"\nbounds = [0.0, 0.2]\n\n\
         [[calibration.fit]]\nkey = \"households.ability.sigma\"\nbounds = [0.1, 0.9]\ntransform = \"log\"\n\n\
         [[calibration.targets]]\nmeasure = \"mean_income\"\nyear = 2012\nvalue = 7000\nrelative_se = 0.03\n\n\
         [[calibration.targets]]\nmeasure = \"headcount_ratio\"\nyear = 2008\nvalue = 0.15\nse = 0.01\n\n\
         [[calibration.targets]]\nmeasure = \"gini\"\nyear = 2012\nvalue = 0.35\nse = 0.01\nheld_out = true\n",
    );
    std::fs::write(&file, text).unwrap();
    let whole = dir.join("whole");
    ok(
        "calibrate",
        &povsim(&["calibrate", s(&file), "--out", s(&whole), "--quiet"]),
    );
    let reference = files(&whole);
    let csv = String::from_utf8(reference["/calibration.csv"].clone()).unwrap();
    let rows = csv.lines().count() - 1;
    assert!(rows >= 20, "{rows} evaluations");
    // Cut the log after k whole rows and half of the next (a kill mid-write),
    // keep only calibration-spec.json beside it, and rerun.
    for k in [0, 1, rows / 2, rows - 3] {
        let part = dir.join(format!("part{k}"));
        std::fs::create_dir_all(&part).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        let mut cut = lines[..=k].join("\n") + "\n";
        cut.push_str(&lines[k + 1][..lines[k + 1].len() / 2]);
        std::fs::write(part.join("calibration.csv"), cut).unwrap();
        std::fs::write(
            part.join("calibration-spec.json"),
            &reference["/calibration-spec.json"],
        )
        .unwrap();
        let o = povsim(&["calibrate", s(&file), "--out", s(&part)]);
        ok("resume", &o);
        let said = String::from_utf8_lossy(&o.stdout);
        assert!(
            said.contains(&format!(
                "{} run now, {k} read from calibration.csv",
                rows - k
            )),
            "{said}"
        );
        let got = files(&part);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            reference.keys().collect::<Vec<_>>()
        );
        for (name, bytes) in &reference {
            assert!(got[name] == *bytes, "after {k} rows: {name} differs");
        }
    }
    // A rerun of another calibration into the same directory is refused.
    let o = povsim(&["calibrate", s(&file), "--out", s(&whole), "--seed", "6"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("holds a different calibration (other seed)"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_calibrated_scenario_reproduces_the_fit() {
    let dir = temp_dir("calibrate-run");
    let file = dir.join("scen").join("repro.toml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let mut text = county("repro", 3, 2, [9000.0, 0.08, 0.5]);
    text = text.replace("households = 4000", "households = 600");
    text.push_str(
        "\n[calibration]\nevaluations = 12\n\n\
         [[calibration.fit]]\nkey = \"income.local_wage.index\"\nbounds = [0.0, 0.2]\n\n\
         [[calibration.targets]]\nmeasure = \"mean_income\"\nyear = 2011\nvalue = 6000\nrelative_se = 0.03\n\n\
         [[calibration.targets]]\nmeasure = \"headcount_ratio\"\nyear = 2012\nvalue = 0.1\nse = 0.01\nheld_out = true\n",
    );
    std::fs::write(&file, text).unwrap();
    // Fixed overrides and another replicate count carry over into calibrated.toml.
    let out = dir.join("out").join("cal");
    ok(
        "calibrate",
        &povsim(&[
            "calibrate",
            s(&file),
            "--out",
            s(&out),
            "--quiet",
            "--no-charts",
            "--replicates",
            "3",
            "--set",
            "shocks.illness=0.1",
        ]),
    );
    let toml = std::fs::read_to_string(out.join("calibrated.toml")).unwrap();
    assert!(
        toml.contains("extends = \"../../scen/repro.toml\""),
        "{toml}"
    );
    assert!(toml.contains("shocks.illness = 0.1"), "{toml}");
    assert!(toml.contains("simulation.replicates = 3"), "{toml}");
    let run = dir.join("run");
    ok(
        "run",
        &povsim(&[
            "run",
            s(&out.join("calibrated.toml")),
            "--out",
            s(&run),
            "--quiet",
            "--no-charts",
        ]),
    );
    let c = json(&out.join("calibration.json"));
    let summary = json(&run.join("summary.json"));
    for t in c["targets"].as_array().unwrap() {
        let m = t["measure"].as_str().unwrap();
        let y = t["year"].as_i64().unwrap();
        let band = summary["measures"][m]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["year"].as_i64() == Some(y))
            .unwrap();
        assert_eq!(band["mean"], t["simulated"], "{m} {y}");
        assert_eq!(band["p5"], t["p5"], "{m} {y}");
    }
    let _ = std::fs::remove_dir_all(dir);
}
