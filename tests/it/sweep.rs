//! Sweeps, budget search and shards: grid order, common random numbers,
//! resume after a crash, shards merged byte for byte, a search that never
//! loses to the equal split.

use crate::fixtures::temp_dir;
use std::path::{Path, PathBuf};
use std::process::Command;

const SMALL: &str = r#"
[simulation]
name = "tiny"
start_year = 2010
years = 3
seed = 5
replicates = 2
villages = 6
households = 400

[interventions.targeting]
method = "income"

[interventions.transfers]
guarantee_line = 1800
budget = 200000

[interventions.tourism]
enabled = false
"#;

fn scenario(tag: &str) -> (PathBuf, PathBuf) {
    let dir = temp_dir(tag);
    let file = dir.join("tiny.toml");
    std::fs::write(&file, SMALL).unwrap();
    (dir, file)
}

fn povsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_povsim"))
        .args(args)
        .output()
        .expect("run povsim")
}

fn ok(args: &[&str]) {
    let o = povsim(args);
    assert!(
        o.status.success(),
        "povsim {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

const GRID: [&str; 4] = [
    "--vary",
    "interventions.transfers.budget=0:400000:200000",
    "--vary",
    "interventions.targeting.measurement_error=0.2,0.5",
];

#[test]
fn the_grid_has_every_point_and_replicate_in_order() {
    let (dir, file) = scenario("sweep-grid");
    let out = dir.join("out");
    let mut args = vec!["sweep", s(&file), "--out", s(&out), "--quiet"];
    args.extend(GRID);
    ok(&args);
    let csv = read(&out.join("sweep.csv"));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "point,interventions.transfers.budget,interventions.targeting.measurement_error,replicate,headcount_ratio,poverty_gap,poor,mean_income,gini,person_years,spending"
    );
    assert_eq!(lines.len(), 1 + 3 * 2 * 2);
    let want = [
        ("0", "0.2"),
        ("0", "0.5"),
        ("200000", "0.2"),
        ("200000", "0.5"),
        ("400000", "0.2"),
        ("400000", "0.5"),
    ];
    for (k, l) in lines[1..].iter().enumerate() {
        let f: Vec<&str> = l.split(',').collect();
        assert_eq!(f.len(), 11, "{l}");
        assert_eq!(f[0], (k / 2).to_string());
        assert_eq!((f[1], f[2]), want[k / 2]);
        assert_eq!(f[3], (k % 2).to_string());
    }
    // More money for transfers is spent: spending rises with the budget.
    let spend = |k: usize| -> f64 { lines[1 + k].split(',').nth(10).unwrap().parse().unwrap() };
    assert!(spend(0) < spend(8), "{} vs {}", spend(0), spend(8));
    let json = read(&out.join("sweep.json"));
    assert!(json.contains("\"seed\": 5"), "{json}");
    // Threads do not change the bytes.
    let out1 = dir.join("one-thread");
    let mut args = vec![
        "sweep",
        s(&file),
        "--out",
        s(&out1),
        "--quiet",
        "--threads",
        "1",
    ];
    args.extend(GRID);
    ok(&args);
    assert_eq!(csv, read(&out1.join("sweep.csv")));
    // A one-key sweep draws its line chart; this two-key sweep its heatmap.
    assert!(out.join("charts/sweep_heatmap.png").exists());
    assert!(out.join("charts/sweep_heatmap.svg").exists());
}

#[test]
fn every_point_uses_the_same_seed() {
    let (dir, file) = scenario("sweep-crn");
    let out = dir.join("out");
    ok(&[
        "sweep",
        s(&file),
        "--out",
        s(&out),
        "--quiet",
        "--replicates",
        "3",
        "--vary",
        "interventions.tourism.investment=100000,500000,900000",
    ]);
    let csv = read(&out.join("sweep.csv"));
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 9);
    for r in &rows {
        let first = &rows[r[2].parse::<usize>().unwrap()];
        assert_eq!(
            r[3..],
            first[3..],
            "a disabled module's parameter changed the results"
        );
    }
    // Replicates differ from each other (the check above is not vacuous).
    assert_ne!(rows[0][3..], rows[1][3..]);
    assert!(out.join("charts/sweep_line.png").exists());
}

#[test]
fn a_resumed_sweep_equals_an_uninterrupted_one() {
    let (dir, file) = scenario("sweep-resume");
    let out = dir.join("out");
    let mut args = vec![
        "sweep",
        s(&file),
        "--out",
        s(&out),
        "--quiet",
        "--no-charts",
    ];
    args.extend(GRID);
    ok(&args);
    let full = read(&out.join("sweep.csv"));
    // A crash: the last rows lost and the one before cut mid-line.
    let lines: Vec<&str> = full.lines().collect();
    let mut cut = lines[..8].join("\n");
    cut.push('\n');
    cut.push_str(&lines[8][..lines[8].len() / 2]);
    std::fs::write(out.join("sweep.csv"), &cut).unwrap();
    ok(&args);
    assert_eq!(read(&out.join("sweep.csv")), full);
    // Nothing left to do: a third run changes nothing.
    ok(&args);
    assert_eq!(read(&out.join("sweep.csv")), full);
    // A different sweep into the same directory is refused with one line, exit 2.
    let o = povsim(&[
        "sweep",
        s(&file),
        "--out",
        s(&out),
        "--quiet",
        "--vary",
        "interventions.transfers.budget=0,1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("different sweep"), "{err}");
    // So is the same sweep of a changed scenario file.
    std::fs::write(&file, SMALL.replace("households = 400", "households = 420")).unwrap();
    let o = povsim(&args);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("scenario contents"), "{err}");
}

#[test]
fn four_shards_merge_into_the_one_process_file() {
    let (dir, file) = scenario("sweep-shards");
    let one = dir.join("one");
    let mut args = vec![
        "sweep",
        s(&file),
        "--out",
        s(&one),
        "--quiet",
        "--no-charts",
    ];
    args.extend(GRID);
    ok(&args);
    let parts: Vec<PathBuf> = (0..4).map(|k| dir.join(format!("parts/{k}"))).collect();
    let children: Vec<_> = (0..4)
        .map(|k| {
            let shard = format!("{k}/4");
            let mut args = vec![
                "sweep",
                s(&file),
                "--quiet",
                "--shard",
                &shard,
                "--out",
                s(&parts[k]),
            ];
            args.extend(GRID);
            Command::new(env!("CARGO_BIN_EXE_povsim"))
                .args(&args)
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let merged = dir.join("merged");
    let mut args = vec!["merge", s(&merged), "--quiet", "--no-charts"];
    args.extend(parts.iter().map(|p| s(p)));
    ok(&args);
    assert_eq!(
        std::fs::read(merged.join("sweep.csv")).unwrap(),
        std::fs::read(one.join("sweep.csv")).unwrap()
    );
    assert_eq!(
        std::fs::read(merged.join("sweep.json")).unwrap(),
        std::fs::read(one.join("sweep.json")).unwrap()
    );
    // A missing shard is an input error.
    let o = povsim(&["merge", s(&dir.join("m2")), s(&parts[0]), s(&parts[1])]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_search_is_never_worse_than_the_equal_split() {
    let (dir, file) = scenario("optimize");
    let out = dir.join("out");
    ok(&[
        "optimize",
        s(&file),
        "--budget",
        "400000",
        "--modules",
        "transfers,education",
        "--evaluations",
        "6",
        "--quiet",
        "--out",
        s(&out),
    ]);
    let csv = read(&out.join("optimize.csv"));
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("evaluation,kind,share_transfers,share_education,objective"));
    assert_eq!(lines.len(), 1 + 6, "{csv}");
    assert!(lines[1].starts_with("0,equal,0.5,0.5,"), "{csv}");
    let obj = |l: &str| -> f64 { l.split(',').nth(4).unwrap().parse().unwrap() };
    let best = lines[1..]
        .iter()
        .find(|l| l.ends_with(",1"))
        .expect("a best row");
    assert!(obj(best) <= obj(lines[1]));
    assert!(lines[1..].iter().all(|l| obj(best) <= obj(l)));
    assert!(csv.contains(",single:transfers,1,0,"), "{csv}");
    assert!(out.join("optimize.json").exists());
    assert!(out.join("charts/optimize.png").exists());
}

#[test]
fn bad_sweep_arguments_are_one_line_errors() {
    let (_dir, file) = scenario("sweep-bad");
    for vary in [
        "interventions.transfers.budget=5:1:1",
        "nokey",
        "simulation.years=1,500",
    ] {
        let o = povsim(&[
            "sweep",
            s(&file),
            "--quiet",
            "--vary",
            vary,
            "--out",
            "/tmp/povsim-never",
        ]);
        assert_eq!(o.status.code(), Some(2), "{vary}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}
