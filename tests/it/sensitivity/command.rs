//! `povsim sensitivity`, `merge` of its shards, `compare --param-draws` and
//! the `[uncertainty]` table, end to end on a classroom-sized county: a key
//! of a module that is switched off gets indices of exactly zero while the
//! illness rate does not; a resumed, a sharded-and-merged and a one-thread
//! analysis write the same bytes as one run; bad priors and arguments are one
//! located line, exit 2, nothing written.

use crate::fixtures::temp_dir;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A tiny county, three years; microfinance is off, so its interest rate
/// cannot move any outcome.
const TINY: &str = r#"
[simulation]
name = "tiny"
start_year = 2010
years = 3
seed = 11
replicates = 2
villages = 4
households = 150

[interventions.targeting]
method = "income"

[interventions.transfers]
guarantee_line = 1800
budget = 100000

[uncertainty]
"shocks.illness" = { dist = "uniform", min = 0.02, max = 0.3 }
"behaviour.mpc" = { dist = "triangular", min = 0.6, mode = 0.75, max = 0.9 }
interventions.microfinance.interest_rate = { dist = "beta", alpha = 2, beta = 5, min = 0.01, max = 0.1 }
"#;

/// The same county without targeting: the base of a paired analysis.
const FLOOD: &str = r#"
extends = "tiny.toml"
[simulation]
name = "tiny_flood"
[interventions.transfers]
eligible = "all"
"#;

const FILES: [&str; 9] = [
    "sensitivity.csv",
    "sensitivity.json",
    "points.csv",
    "design.csv",
    "outputs.csv",
    "problem.json",
    "report.html",
    "charts/sensitivity.svg",
    "charts/sensitivity.png",
];

fn setup(tag: &str) -> (PathBuf, PathBuf) {
    let dir = temp_dir(tag);
    let file = dir.join("tiny.toml");
    std::fs::write(&file, TINY).unwrap();
    std::fs::write(dir.join("flood.toml"), FLOOD).unwrap();
    (dir, file)
}

fn povsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_povsim"))
        .args(args)
        .output()
        .expect("run povsim")
}

fn ok(args: &[&str]) -> String {
    let o = povsim(args);
    assert!(
        o.status.success(),
        "povsim {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A row of sensitivity.csv: key, index, value, lo, hi.
type Row = (String, String, f64, Option<f64>, Option<f64>);

/// The rows of sensitivity.csv.
fn indices(dir: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(dir.join("sensitivity.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("key,index,value,lo,hi"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let opt = |x: &str| (!x.is_empty()).then(|| x.parse::<f64>().unwrap());
            (
                f[0].to_string(),
                f[1].to_string(),
                f[2].parse().unwrap(),
                opt(f[3]),
                opt(f[4]),
            )
        })
        .collect()
}

fn value(rows: &[Row], key: &str, index: &str) -> f64 {
    rows.iter()
        .find(|r| r.0 == key && r.1 == index)
        .unwrap_or_else(|| panic!("no {index} of {key}"))
        .2
}

fn same_files(a: &Path, b: &Path) {
    for f in FILES {
        let (x, y) = (std::fs::read(a.join(f)), std::fs::read(b.join(f)));
        assert!(
            x.as_ref().ok() == y.as_ref().ok() && x.is_ok(),
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

const INERT: &str = "interventions.microfinance.interest_rate";

#[test]
fn morris_finds_the_inert_key_and_the_illness_rate() {
    let (dir, file) = setup("sens-morris");
    let out = dir.join("m");
    let text = ok(&[
        "sensitivity",
        s(&file),
        "--method",
        "morris",
        "--samples",
        "6",
        "--total",
        "--out",
        s(&out),
        "--quiet",
    ]);
    assert!(text.is_empty(), "--quiet printed {text}");
    let rows = indices(&out);
    // 3 keys × (mu_star, mu, sigma).
    assert_eq!(rows.len(), 9);
    // Microfinance is off: its key changes no run, so every effect is 0 exactly.
    for ix in ["mu_star", "mu", "sigma"] {
        assert_eq!(value(&rows, INERT, ix), 0.0, "{ix} of the inert key");
    }
    // More illness, more person-years in poverty: every effect is upward.
    assert!(value(&rows, "shocks.illness", "mu_star") > 0.0);
    assert!(value(&rows, "shocks.illness", "mu") > 0.0);
    // Ranked: the inert key comes last.
    assert_eq!(rows.last().unwrap().0, INERT);
    // r(k + 1) points, and the SALib files agree with them.
    let points = std::fs::read_to_string(out.join("points.csv")).unwrap();
    assert_eq!(points.lines().count(), 1 + 6 * 4);
    let design = std::fs::read_to_string(out.join("design.csv")).unwrap();
    assert_eq!(design.lines().count(), 1 + 6 * 4);
    let outputs = std::fs::read_to_string(out.join("outputs.csv")).unwrap();
    let from_points: Vec<&str> = points
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    let listed: Vec<f64> = outputs
        .lines()
        .skip(1)
        .map(|l| l.parse().unwrap())
        .collect();
    let read_back: Vec<f64> = from_points.iter().map(|x| x.parse().unwrap()).collect();
    assert_eq!(listed, read_back);
    // Every design value lies in its prior's support.
    let header: Vec<&str> = design.lines().next().unwrap().split(',').collect();
    let col = |k: &str| header.iter().position(|h| *h == k).unwrap();
    let (mpc, rate) = (col("behaviour.mpc"), col(INERT));
    for l in design.lines().skip(1) {
        let v: Vec<f64> = l.split(',').map(|x| x.parse().unwrap()).collect();
        assert!(
            (0.6..=0.9).contains(&v[mpc]) && (0.01..=0.1).contains(&v[rate]),
            "{l}"
        );
    }
}

#[test]
fn sobol_resumed_sharded_and_one_thread_write_the_same_bytes() {
    let (dir, file) = setup("sens-sobol");
    let args = |out: &Path| -> Vec<String> {
        [
            "sensitivity",
            s(&file),
            "--method",
            "sobol",
            "--samples",
            "8",
            "--compare",
            s(&dir.join("flood.toml")),
            "--quiet",
            "--out",
            s(out),
        ]
        .iter()
        .map(|x| x.to_string())
        .collect()
    };
    let run = |out: &Path, extra: &[&str]| {
        let mut a = args(out);
        a.extend(extra.iter().map(|x| x.to_string()));
        ok(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let one = dir.join("one");
    run(&one, &[]);
    let rows = indices(&one);
    // The inert key: S1 and ST exactly 0 (under the 0.05 of a negligible key).
    assert_eq!(value(&rows, INERT, "ST"), 0.0);
    assert_eq!(value(&rows, INERT, "S1"), 0.0);
    // N(k + 2) = 8 × 5 points.
    let points = std::fs::read_to_string(one.join("points.csv")).unwrap();
    assert_eq!(points.lines().count(), 1 + 40);

    // One thread.
    let single = dir.join("single");
    run(&single, &["--threads", "1"]);
    same_files(&one, &single);

    // Killed after 13 points, with half a line written: the rerun resumes.
    let resumed = dir.join("resumed");
    std::fs::create_dir_all(&resumed).unwrap();
    std::fs::copy(
        one.join("sensitivity.json"),
        resumed.join("sensitivity.json"),
    )
    .unwrap();
    let head: Vec<&str> = points.lines().take(14).collect();
    std::fs::write(
        resumed.join("points.csv"),
        format!("{}\n13,0.12", head.join("\n")),
    )
    .unwrap();
    run(&resumed, &[]);
    same_files(&one, &resumed);

    // Three shards, merged.
    let parts: Vec<PathBuf> = (0..3).map(|k| dir.join(format!("part{k}"))).collect();
    for (k, p) in parts.iter().enumerate() {
        run(p, &["--shard", &format!("{k}/3")]);
        assert!(
            !p.join("sensitivity.csv").exists(),
            "a shard computed indices"
        );
    }
    // A missing shard is refused.
    let o = povsim(&["merge", s(&dir.join("bad")), s(&parts[0]), s(&parts[1])]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.join("bad").exists());
    let merged = dir.join("merged");
    ok(&[
        "merge",
        s(&merged),
        s(&parts[0]),
        s(&parts[1]),
        s(&parts[2]),
        "--quiet",
    ]);
    same_files(&one, &merged);
    // --no-charts: the same tables, no chart and no report.
    let bare = dir.join("merged-bare");
    ok(&[
        "merge",
        s(&bare),
        s(&parts[0]),
        s(&parts[1]),
        s(&parts[2]),
        "--quiet",
        "--no-charts",
    ]);
    for f in &FILES[..6] {
        assert_eq!(
            std::fs::read(one.join(f)).unwrap(),
            std::fs::read(bare.join(f)).unwrap(),
            "{f}"
        );
    }
    assert!(merged.join("report.html").exists());
    assert!(!bare.join("report.html").exists() && !bare.join("charts").exists());

    // Another analysis into the same directory is refused, and changes nothing.
    let before = std::fs::read(one.join("points.csv")).unwrap();
    let o = povsim(&[
        "sensitivity",
        s(&file),
        "--method",
        "sobol",
        "--samples",
        "16",
        "--out",
        s(&one),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(one.join("points.csv")).unwrap(), before);
}

#[test]
fn bad_priors_and_arguments_are_one_located_line() {
    let (dir, file) = setup("sens-bad");
    let table = |name: &str, prior: &str| -> PathBuf {
        let p = dir.join(format!("{name}.toml"));
        std::fs::write(
            &p,
            format!("extends = \"tiny.toml\"\n[uncertainty]\n{prior}\n"),
        )
        .unwrap();
        p
    };
    let cases: Vec<(PathBuf, &str)> = vec![
        (
            table(
                "nokey",
                r#""shocks.ilness" = { dist = "uniform", min = 0.1, max = 0.2 }"#,
            ),
            "expected a declared key",
        ),
        (
            table(
                "choice",
                r#""interventions.targeting.method" = { dist = "uniform", min = 0.1, max = 0.2 }"#,
            ),
            "expected a key holding a real number",
        ),
        (
            table(
                "whole",
                r#""interventions.microfinance.term" = { dist = "uniform", min = 1, max = 5 }"#,
            ),
            "whole number",
        ),
        (
            table(
                "range",
                r#""shocks.illness" = { dist = "uniform", min = 0.5, max = 1.5 }"#,
            ),
            "valid range [0, 1]",
        ),
        (
            table(
                "open",
                r#""shocks.illness" = { dist = "normal", mean = 0.1, sd = 0.02 }"#,
            ),
            "truncate it",
        ),
        (
            table(
                "dist",
                r#""shocks.illness" = { dist = "gamma", min = 0.1, max = 0.2 }"#,
            ),
            "`dist` must be one of",
        ),
        (
            table(
                "sim",
                r#""simulation.years" = { dist = "uniform", min = 1, max = 5 }"#,
            ),
            "expected a model key",
        ),
        (table("empty", ""), "expected at least one prior"),
    ];
    for (path, want) in &cases {
        for cmd in [
            vec!["validate", s(path)],
            vec![
                "sensitivity",
                s(path),
                "--method",
                "morris",
                "--out",
                s(&dir.join("never")),
            ],
        ] {
            let o = povsim(&cmd);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{cmd:?}: {err}");
            assert_eq!(err.trim().lines().count(), 1, "{err}");
            assert!(err.contains(want), "{cmd:?}: expected {want:?} in {err}");
            if *want != "expected at least one prior" {
                // file:line:col of the prior (line 3 of the file).
                assert!(err.contains(&format!("{}:3:", path.display())), "{err}");
            }
        }
    }
    let never = dir.join("never");
    for args in [
        vec!["--method", "morris", "--measure", "happiness"],
        vec!["--method", "morris", "--year", "2030"],
        vec!["--method", "sobol", "--samples", "0"],
        vec!["--method", "morris", "--total", "--measure", "gini"],
        vec!["--method", "morris", "--shard", "3/3"],
    ] {
        let mut a = vec!["sensitivity", s(&file), "--out", s(&never)];
        a.extend(args.iter());
        let o = povsim(&a);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
    assert!(!never.exists(), "a refused analysis wrote its directory");
    // No [uncertainty] table: located at the file.
    let bare = dir.join("bare.toml");
    std::fs::write(&bare, TINY.split("[uncertainty]").next().unwrap()).unwrap();
    let o = povsim(&[
        "sensitivity",
        s(&bare),
        "--method",
        "morris",
        "--out",
        s(&never),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("expected an [uncertainty] table"));
    // A Sobol' size that is not a power of two is rounded, and said so.
    let o = povsim(&[
        "sensitivity",
        s(&file),
        "--method",
        "sobol",
        "--samples",
        "5",
        "--out",
        s(&dir.join("r")),
    ]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("rounded up to 8"));
}

#[test]
fn an_uncertainty_table_replaces_the_inherited_one_whole() {
    let (dir, _) = setup("sens-extends");
    let child = dir.join("child.toml");
    std::fs::write(
        &child,
        "extends = \"tiny.toml\"\n[uncertainty]\n\"shocks.crop_loss\" = { dist = \"uniform\", min = 0.04, max = 0.12 }\n",
    )
    .unwrap();
    let out = dir.join("c");
    ok(&[
        "sensitivity",
        s(&child),
        "--method",
        "morris",
        "--samples",
        "2",
        "--out",
        s(&out),
        "--quiet",
    ]);
    let spec = std::fs::read_to_string(out.join("sensitivity.json")).unwrap();
    assert!(
        spec.contains("shocks.crop_loss") && !spec.contains("shocks.illness"),
        "{spec}"
    );
    // The table is not part of the effective scenario: the same digest with or without it.
    let plain = ok(&["validate", s(&dir.join("flood.toml"))]);
    assert!(!plain.contains("uncertainty"));
}

#[test]
fn param_draws_give_both_intervals() {
    let (dir, file) = setup("sens-draws");
    let flood = dir.join("flood.toml");
    let run = |out: &str, extra: &[&str]| {
        let mut a = vec![
            "compare",
            s(&flood),
            s(&file),
            "--param-draws",
            "6",
            "--out",
        ];
        let o = dir.join(out);
        let o = o.to_str().unwrap().to_string();
        a.push(&o);
        a.extend(extra);
        (
            ok(&a),
            std::fs::read(dir.join(out).join("param_draws_tiny.json")).unwrap(),
        )
    };
    let (text, json) = run("a", &[]);
    assert!(
        text.contains("replicate noise alone") && text.contains("parameters and replicates"),
        "{text}"
    );
    assert!(text.contains("dominates"), "{text}");
    let (_, again) = run("b", &["--threads", "1"]);
    assert_eq!(json, again, "param draws depend on the thread count");
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["draws"], 6);
    // The draws lie in the priors' supports.
    let keys = v["keys"].as_array().unwrap();
    let ill = keys.iter().position(|k| k == "shocks.illness").unwrap();
    for row in v["values"].as_array().unwrap() {
        let ill = row[ill].as_f64().unwrap();
        assert!((0.02..=0.3).contains(&ill), "{row}");
    }
    // One replicate cannot measure replicate noise: refused, nothing written.
    let o = povsim(&[
        "compare",
        s(&dir.join("flood.toml")),
        s(&file),
        "--param-draws",
        "6",
        "--replicates",
        "1",
        "--out",
        s(&dir.join("c")),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.join("c").exists());
}
