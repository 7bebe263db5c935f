//! Sweeps, budget search and shards: grid order, common random numbers,
//! resume after a crash, shards merged byte for byte, a search that never
//! loses to the equal split.

use crate::fixtures::temp_dir;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A few hundred households, three years: runs in a fraction of a second.
pub const SMALL: &str = r#"
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
        "point,interventions.transfers.budget,interventions.targeting.measurement_error,replicate,headcount_ratio,poverty_gap,poor,mean_income,gini,person_years,spending,scenario_digest"
    );
    assert_eq!(lines.len(), 1 + 3 * 2 * 2);
    // sweep_years.csv: every year of every pair, in order; its last year is
    // sweep.csv's final-year row, and its spending and poor add up to
    // sweep.csv's totals.
    let years = read(&out.join("sweep_years.csv"));
    let ylines: Vec<&str> = years.lines().collect();
    assert_eq!(
        ylines[0],
        "point,interventions.transfers.budget,interventions.targeting.measurement_error,replicate,year,headcount_ratio,poverty_gap,poor,mean_income,gini,spending"
    );
    assert_eq!((ylines.len() - 1) % 12, 0);
    let n_years = (ylines.len() - 1) / 12;
    assert!(n_years >= 2, "{n_years}");
    for (k, l) in lines[1..].iter().enumerate() {
        let f: Vec<&str> = l.split(',').collect();
        let block: Vec<Vec<&str>> = ylines[1 + k * n_years..1 + (k + 1) * n_years]
            .iter()
            .map(|y| y.split(',').collect())
            .collect();
        let last = block.last().unwrap();
        assert_eq!(&last[..4], &[f[0], f[1], f[2], f[3]][..], "{l}");
        assert_eq!(&last[5..10], &f[4..9], "{l}");
        let sum = |c: usize| {
            block
                .iter()
                .map(|y| y[c].parse::<f64>().unwrap())
                .sum::<f64>()
        };
        let (py, sp): (f64, f64) = (f[9].parse().unwrap(), f[10].parse().unwrap());
        assert!((sum(7) - py).abs() <= 1e-9 * py.abs().max(1.0), "{l}");
        assert!((sum(10) - sp).abs() <= 1e-6 * sp.abs().max(1.0), "{l}");
        let yrs: Vec<i32> = block.iter().map(|y| y[4].parse().unwrap()).collect();
        assert!(yrs.windows(2).all(|w| w[1] == w[0] + 1), "{yrs:?}");
    }
    let json: serde_json::Value = serde_json::from_str(&read(&out.join("sweep.json"))).unwrap();
    let digest = json["scenario_digest"].as_str().unwrap();
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
        assert_eq!(f.len(), 12, "{l}");
        assert_eq!(f[11], digest, "{l}");
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
    // A one-key sweep draws its line chart; this two-key sweep its heatmap
    // and lines along the first key, one per value of the second.
    assert!(out.join("charts/sweep_heatmap.png").exists());
    assert!(out.join("charts/sweep_heatmap.svg").exists());
    let svg = read(&out.join("charts/sweep_line.svg"));
    assert!(svg.contains("measurement_error = 0.2"), "legend");
    assert!(svg.contains("measurement_error = 0.5"), "legend");
    assert!(out.join("charts/sweep_line.png").exists());
    // The axes say what the keys mean (their declarations' docs), not the dotted key.
    let heat = read(&out.join("charts/sweep_heatmap.svg"));
    assert!(heat.contains("Annual budget, yuan"), "x axis label");
    assert!(heat.contains("% poor"), "colour bar");
    let report = read(&out.join("report.html"));
    assert!(report.contains("What was varied") && report.contains("chart-sweep_heatmap"));
}

#[test]
fn a_latin_hypercube_sample_draws_each_key_against_the_outcome() {
    let (dir, file) = scenario("sweep-lhs-chart");
    let out = dir.join("out");
    ok(&[
        "sweep",
        s(&file),
        "--out",
        s(&out),
        "--quiet",
        "--lhs",
        "6",
        "--vary",
        "interventions.transfers.budget=0:400000:1000",
        "--vary",
        "shocks.illness=0.02:0.1:0.005",
    ]);
    let svg = read(&out.join("charts/sweep_sample.svg"));
    assert!(svg.contains("transfers.budget") && svg.contains("shocks.illness"));
    assert!(
        svg.contains("Annual budget, yuan"),
        "x label from the declaration"
    );
    assert!(out.join("charts/sweep_sample.png").exists());
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
    let full_years = read(&out.join("sweep_years.csv"));
    // A crash: the last rows lost and the one before cut mid-line; the year
    // table holds one more pair than sweep.csv (killed between the two
    // writes) and a partial line.
    let lines: Vec<&str> = full.lines().collect();
    let mut cut = lines[..8].join("\n");
    cut.push('\n');
    cut.push_str(&lines[8][..lines[8].len() / 2]);
    std::fs::write(out.join("sweep.csv"), &cut).unwrap();
    let ylines: Vec<&str> = full_years.lines().collect();
    let per_pair = (ylines.len() - 1) / 12;
    let mut ycut = ylines[..1 + 8 * per_pair].join("\n");
    ycut.push('\n');
    ycut.push_str(&ylines[1 + 8 * per_pair][..10]);
    std::fs::write(out.join("sweep_years.csv"), &ycut).unwrap();
    ok(&args);
    assert_eq!(read(&out.join("sweep.csv")), full);
    assert_eq!(read(&out.join("sweep_years.csv")), full_years);
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
    assert_eq!(
        read(&merged.join("sweep_years.csv")),
        read(&one.join("sweep_years.csv"))
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
    let report = read(&out.join("report.html"));
    assert!(report.contains("Allocations, best first") && report.contains("<svg"));
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

/// The two-key grid of `GRID` written as a `[sweep]` table in a file that
/// extends the tiny scenario, keys in the order of `GRID` (not alphabetical).
const TABLE: &str = r#"extends = "tiny.toml"

[sweep]
replicates = 3
vary = { "interventions.transfers.budget" = "0:400000:200000", "interventions.targeting.measurement_error" = [0.2, 0.5] }
"#;

fn with_table(tag: &str, name: &str, text: &str) -> (PathBuf, PathBuf, PathBuf) {
    let (dir, base) = scenario(tag);
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    (dir, base, file)
}

#[test]
fn a_sweep_table_is_the_same_sweep_as_its_vary_command() {
    let (dir, base, file) = with_table("sweep-table", "table.toml", TABLE);
    let by_table = dir.join("by-table");
    ok(&["sweep", s(&file), "--out", s(&by_table), "--quiet"]);
    let by_flags = dir.join("by-flags");
    let mut args = vec![
        "sweep",
        s(&base),
        "--out",
        s(&by_flags),
        "--quiet",
        "--replicates",
        "3",
    ];
    args.extend(GRID);
    ok(&args);
    let csv = read(&by_table.join("sweep.csv"));
    assert_eq!(csv.lines().count(), 1 + 3 * 2 * 3, "{csv}");
    assert!(csv.starts_with(
        "point,interventions.transfers.budget,interventions.targeting.measurement_error,replicate,"
    ));
    assert_eq!(csv, read(&by_flags.join("sweep.csv")));
    // Same scenario digest, keys, points, replicates: the same sweep, so one
    // resumes the other.
    assert_eq!(
        read(&by_table.join("sweep.json")),
        read(&by_flags.join("sweep.json"))
    );
    assert!(by_table.join("charts/sweep_heatmap.png").exists());
    ok(&["sweep", s(&file), "--out", s(&by_flags), "--quiet"]);
    assert_eq!(csv, read(&by_flags.join("sweep.csv")));

    // The nested form of the same keys is the same table.
    let nested = dir.join("nested.toml");
    std::fs::write(
        &nested,
        "extends = \"tiny.toml\"\n[sweep]\nreplicates = 3\n\
         [sweep.vary.interventions.transfers]\nbudget = \"0:400000:200000\"\n\
         [sweep.vary.interventions.targeting]\nmeasurement_error = [0.2, 0.5]\n",
    )
    .unwrap();
    let by_nested = dir.join("by-nested");
    ok(&["sweep", s(&nested), "--out", s(&by_nested), "--quiet"]);
    assert_eq!(csv, read(&by_nested.join("sweep.csv")));

    // `validate` accepts the table and prints it after the effective
    // scenario; that text, as a file of its own, is the same sweep again.
    let o = povsim(&["validate", s(&file)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let printed = String::from_utf8(o.stdout).unwrap();
    assert!(printed.contains("\n[sweep]\nreplicates = 3\n"), "{printed}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("[sweep]: a grid of 6 points over 2 keys"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let copy = dir.join("printed.toml");
    std::fs::write(&copy, &printed).unwrap();
    let by_copy = dir.join("by-copy");
    ok(&["sweep", s(&copy), "--out", s(&by_copy), "--quiet"]);
    assert_eq!(csv, read(&by_copy.join("sweep.csv")));
    assert_eq!(
        read(&by_copy.join("sweep.json")),
        read(&by_flags.join("sweep.json"))
    );

    // `--vary` replaces the table's axes; its replicates still apply.
    let one_key = dir.join("one-key");
    ok(&[
        "sweep",
        s(&file),
        "--out",
        s(&one_key),
        "--quiet",
        "--vary",
        "interventions.transfers.budget=0,400000",
    ]);
    let rows = read(&one_key.join("sweep.csv"));
    assert!(rows.starts_with("point,interventions.transfers.budget,replicate,"));
    assert_eq!(rows.lines().count(), 1 + 2 * 3, "{rows}");

    // `run` runs the scenario once as written and says the table is not for it.
    let o = povsim(&["run", s(&file), "--out", s(&dir.join("run")), "--no-charts"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("[sweep] table is for `povsim sweep`"));
    let traj = read(&dir.join("run/trajectory.csv"));
    assert_eq!(
        traj.lines().count(),
        1 + 2 * 3,
        "2 replicates × 3 years: {traj}"
    );
}

#[test]
fn explicit_points_run_as_listed_under_common_random_numbers() {
    let text = r#"extends = "tiny.toml"
[sweep]
points = [
  { "interventions.transfers.budget" = 4e5, "interventions.targeting.measurement_error" = 0.5 },
  { "interventions.targeting.measurement_error" = 0.2, "interventions.transfers.budget" = 0 },
  { interventions.transfers.budget = 200000, interventions.targeting.measurement_error = 0.2 },
]
"#;
    let (dir, base, file) = with_table("sweep-points", "points.toml", text);
    let out = dir.join("points");
    ok(&["sweep", s(&file), "--out", s(&out), "--quiet"]);
    let json = read(&out.join("sweep.json"));
    assert!(json.contains("\"method\": \"points\""), "{json}");
    let csv = read(&out.join("sweep.csv"));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 3 * 2, "{csv}");
    // The keys in the order of the first point; values in the order listed.
    assert!(lines[0].starts_with(
        "point,interventions.transfers.budget,interventions.targeting.measurement_error,replicate,"
    ));
    let listed = [("400000", "0.5"), ("0", "0.2"), ("200000", "0.2")];
    // Independent truth: the grid sweep of the same file runs the same
    // overrides with the same seed, so each point's rows equal the grid's
    // rows at the same values, measures and all.
    let grid = dir.join("grid");
    let mut args = vec![
        "sweep",
        s(&base),
        "--out",
        s(&grid),
        "--quiet",
        "--no-charts",
    ];
    args.extend(GRID);
    ok(&args);
    let grid_csv = read(&grid.join("sweep.csv"));
    for (k, l) in lines[1..].iter().enumerate() {
        let f: Vec<&str> = l.split(',').collect();
        assert_eq!(f[0], (k / 2).to_string());
        assert_eq!((f[1], f[2]), listed[k / 2], "{l}");
        assert_eq!(f[3], (k % 2).to_string());
        let twin = grid_csv
            .lines()
            .map(|g| g.split(',').collect::<Vec<_>>())
            .find(|g| g[1..4] == f[1..4])
            .unwrap_or_else(|| panic!("no grid row for {l}"));
        assert_eq!(twin[4..], f[4..], "{l}");
    }
    // A second run resumes: nothing changes.
    ok(&["sweep", s(&file), "--out", s(&out), "--quiet"]);
    assert_eq!(read(&out.join("sweep.csv")), csv);
    // --lhs has nothing to sample in a list of points.
    let o = povsim(&["sweep", s(&file), "--out", s(&dir.join("x")), "--lhs", "4"]);
    assert_eq!(o.status.code(), Some(2));
    // A table with only replicates needs --vary.
    let only = dir.join("only.toml");
    std::fs::write(&only, "extends = \"tiny.toml\"\n[sweep]\nreplicates = 2\n").unwrap();
    let o = povsim(&["sweep", s(&only), "--out", s(&dir.join("y"))]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("expected --vary"));
}

/// A bad `[sweep]` table: one line naming the file, the line and column of
/// the value, the key and what was expected; exit code 2; nothing written.
#[test]
fn a_bad_sweep_table_names_its_place() {
    let cases: [(&str, &str, &str); 7] = [
        (
            // Line 4: an unknown scenario key.
            "extends = \"tiny.toml\"\n\n[sweep]\nvary = { \"interventions.transfers.budgt\" = [1, 2] }\n",
            ":4:45: interventions.transfers.budgt: ",
            "did you mean `budget`?",
        ),
        (
            // Line 5: the second value is not a probability.
            "extends = \"tiny.toml\"\n[sweep]\n[sweep.vary]\n\"shocks.illness\" = [\n  0.1,\n  1.5,\n]\n",
            ":6:3: shocks.illness: ",
            "expected a probability from 0 to 1, got 1.5",
        ),
        (
            "extends = \"tiny.toml\"\n[sweep]\nvary = { \"simulation.years\" = \"5:1:1\" }\n",
            ":3:31: sweep.vary.simulation.years: ",
            "expected START ≤ STOP and a STEP > 0",
        ),
        (
            "extends = \"tiny.toml\"\n[sweep]\nreplicate = 3\n",
            ":3:",
            "got unknown key `replicate` (did you mean `replicates`?)",
        ),
        (
            "extends = \"tiny.toml\"\n[sweep]\npoints = [\n  { \"shocks.illness\" = 0.1 },\n  { \"shocks.ilness\" = 0.1 },\n]\n",
            ":5:3: sweep.points[1]: ",
            "expected the keys of the first point (shocks.illness), got no shocks.illness",
        ),
        (
            "extends = \"tiny.toml\"\n[sweep]\nvary = { \"simulation.replicates\" = [1, 2] }\n",
            ":3:36: sweep.vary.simulation.replicates: ",
            "expected a key other than simulation.replicates",
        ),
        (
            // The middle value of the range, 1.5 years, is not a whole number.
            "extends = \"tiny.toml\"\n[sweep]\nvary = { \"simulation.years\" = \"1:2:0.5\" }\n",
            ":3:31: simulation.years: ",
            "expected a whole number, got floating point `1.5`",
        ),
    ];
    for (k, (text, place, want)) in cases.iter().enumerate() {
        let (dir, _base, file) = with_table(&format!("sweep-bad-table-{k}"), "bad.toml", text);
        let out = dir.join("out");
        for cmd in ["sweep", "validate"] {
            let o = if cmd == "sweep" {
                povsim(&["sweep", s(&file), "--out", s(&out), "--quiet"])
            } else {
                povsim(&["validate", s(&file)])
            };
            assert_eq!(o.status.code(), Some(2), "{cmd} case {k}");
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(err.trim().lines().count(), 1, "{err}");
            let line = err.trim();
            assert!(
                line.starts_with(&format!("error: {}{place}", file.display())),
                "{cmd} case {k}: expected {place} in {line}"
            );
            assert!(line.contains(want), "{cmd} case {k}: {line}");
        }
        assert!(
            !out.exists(),
            "case {k}: a refused sweep wrote {}",
            out.display()
        );
    }
}

/// The example table (full-size L County: only validated here; docs/SWEEP.md
/// records its run) is a valid 3 × 3 grid whose effective scenario is
/// l_county_targeted.toml unchanged.
#[test]
fn the_example_sweep_table_is_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let o = povsim(&["validate", s(&root.join("sweep_l_county.toml"))]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("[sweep]: a grid of 9 points over 2 keys"),
        "{err}"
    );
    let table = String::from_utf8(o.stdout).unwrap();
    let base = povsim(&["validate", s(&root.join("l_county_targeted.toml"))]);
    let base = String::from_utf8(base.stdout).unwrap();
    let (scenario, sweep) = table.split_once("\n[sweep]\n").expect("a [sweep] section");
    assert_eq!(scenario, base);
    assert!(sweep.contains("\"interventions.transfers.budget_share\" = \"0.07:0.27:0.1\""));
    // `validate --diff`: no key of the scenario differs, then the table.
    let o = povsim(&["validate", "--diff", s(&root.join("sweep_l_county.toml"))]);
    assert!(o.status.success());
    let diff = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = diff.lines().collect();
    assert!(lines[0].starts_with("# "), "{diff}");
    assert!(lines[1].starts_with("# and a [sweep] table"), "{diff}");
    assert_eq!(lines[2], "[sweep]", "{diff}");
}

/// A real Ctrl-C (SIGINT) in the middle of a table sweep: exit code 130,
/// the finished rows kept; the rerun adds exactly the missing ones and the
/// file equals an uninterrupted sweep's, byte for byte.
#[test]
fn a_sweep_stopped_by_ctrl_c_resumes_to_the_same_file() {
    // 60,000 households (one point-replicate per batch): a few seconds in all.
    let text = "[simulation]\nname = \"ctrlc\"\nstart_year = 2010\nyears = 4\nseed = 9\n\
                villages = 40\nhouseholds = 60000\n\
                [interventions.targeting]\nmethod = \"income\"\n\
                [interventions.transfers]\nbudget = 3000000\n\
                [sweep]\nreplicates = 4\n\
                vary = { \"interventions.transfers.budget\" = \"1000000:3000000:2000000\", \"shocks.illness\" = [0.04, 0.08] }\n";
    let dir = temp_dir("sweep-ctrlc");
    let file = dir.join("ctrlc.toml");
    std::fs::write(&file, text).unwrap();
    let out = dir.join("stopped");
    let csv = out.join("sweep.csv");
    let child = Command::new(env!("CARGO_BIN_EXE_povsim"))
        .args([
            "sweep",
            s(&file),
            "--out",
            s(&out),
            "--quiet",
            "--no-charts",
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    let rows =
        |p: &Path| std::fs::read_to_string(p).map_or(0, |t| t.lines().count().saturating_sub(1));
    while rows(&csv) < 1 {
        assert!(t0.elapsed().as_secs() < 60, "no row after a minute");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(sent, "kill -INT");
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(err.contains("rerun the same command to resume"), "{err}");
    let kept = rows(&csv);
    assert!((1..16).contains(&kept), "stopped with {kept} of 16 rows");
    ok(&[
        "sweep",
        s(&file),
        "--out",
        s(&out),
        "--quiet",
        "--no-charts",
    ]);
    let resumed = read(&csv);
    let keys: std::collections::BTreeSet<(String, String)> = resumed
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[3].to_string())
        })
        .collect();
    assert_eq!(resumed.lines().count(), 1 + 16, "{resumed}");
    assert_eq!(keys.len(), 16, "a duplicated (point, replicate): {resumed}");
    let whole = dir.join("whole");
    ok(&[
        "sweep",
        s(&file),
        "--out",
        s(&whole),
        "--quiet",
        "--no-charts",
    ]);
    assert_eq!(resumed, read(&whole.join("sweep.csv")));
}

/// A resume checks that the rows on disk are this sweep's, with or without
/// sweep.json: every row names its scenario (seed, replicates and --set
/// included), and a shard's rows are its own.
#[test]
fn a_resume_with_another_seed_or_shard_is_refused_even_without_sweep_json() {
    let (dir, file) = scenario("sweep-reseed");
    let out = dir.join("out");
    let args = |extra: &[&'static str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "sweep",
            s(&file),
            "--out",
            s(&out),
            "--quiet",
            "--no-charts",
        ]
        .map(String::from)
        .to_vec();
        a.extend(GRID.map(String::from));
        a.extend(extra.iter().map(|x| x.to_string()));
        a
    };
    let strs = |v: &[String]| v.iter().map(String::as_str).collect::<Vec<_>>().join(" ");
    ok(&args(&["--seed", "1"])
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>());
    let csv = read(&out.join("sweep.csv"));
    for (extra, what) in [
        (&["--seed", "2"][..], "another scenario, seed"),
        (
            &["--seed", "1", "--set", "simulation.years=2"][..],
            "another scenario, seed",
        ),
    ] {
        for with_json in [true, false] {
            if !with_json {
                let _ = std::fs::remove_file(out.join("sweep.json"));
            }
            let a = args(extra);
            let o = povsim(&a.iter().map(String::as_str).collect::<Vec<_>>());
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{}: {err}", strs(&a));
            assert_eq!(err.trim().lines().count(), 1, "{err}");
            if !with_json {
                assert!(err.contains(what), "{}: {err}", strs(&a));
            }
            assert_eq!(read(&out.join("sweep.csv")), csv, "the rows changed");
        }
    }
    // A shard's part resumed as another shard, without its sweep.json.
    let part = dir.join("part");
    let shard = |k: &str| -> Vec<String> {
        let mut a: Vec<String> = ["sweep", s(&file), "--out", s(&part), "--quiet", "--shard"]
            .map(String::from)
            .to_vec();
        a.push(k.into());
        a.extend(GRID.map(String::from));
        a
    };
    ok(&shard("0/2").iter().map(String::as_str).collect::<Vec<_>>());
    std::fs::remove_file(part.join("sweep.json")).unwrap();
    let o = povsim(&shard("1/2").iter().map(String::as_str).collect::<Vec<_>>());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("a row of another shard"), "{err}");
    // The same seed again resumes (nothing to run) to the same file.
    ok(&args(&["--seed", "1"])
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>());
    assert_eq!(read(&out.join("sweep.csv")), csv);
}

/// The console summary gives each point's mean final-year headcount (in %)
/// as sweep.csv's rows average it, lowest first; a rerun of a finished sweep
/// says it was already complete instead of a throughput.
#[test]
fn the_console_summarises_the_points_and_a_rerun_says_already_complete() {
    let (dir, file) = scenario("sweep-summary");
    let out = dir.join("out");
    let mut args = vec!["sweep", s(&file), "--out", s(&out)];
    args.extend(GRID);
    let first = povsim(&args);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let printed = String::from_utf8(first.stdout).unwrap();
    assert!(!printed.contains("already complete"), "{printed}");
    let csv = read(&out.join("sweep.csv"));
    let mut sums = [(0.0, 0usize); 6];
    for l in csv.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        let p: usize = f[0].parse().unwrap();
        sums[p].0 += f[4].parse::<f64>().unwrap();
        sums[p].1 += 1;
    }
    let mut shown = Vec::new();
    for l in printed.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() == 6
            && let Ok(p) = f[0].parse::<usize>()
        {
            let want = 100.0 * sums[p].0 / sums[p].1 as f64;
            assert_eq!(f[3], format!("{want:.2}"), "point {p}: {l}");
            shown.push(want);
        }
    }
    assert_eq!(shown.len(), 6, "{printed}");
    assert!(shown.windows(2).all(|w| w[0] <= w[1]), "{printed}");
    let again = povsim(&args);
    assert!(again.status.success());
    let printed = String::from_utf8(again.stdout).unwrap();
    assert!(
        printed.contains("already complete: all 12 rows"),
        "{printed}"
    );
    assert!(!printed.contains("per second"), "{printed}");
    assert_eq!(read(&out.join("sweep.csv")), csv);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Rows of optimize.csv after the header, and the console text.
fn optimize_run(tag: &str, extra: &[&str]) -> (Vec<String>, String) {
    let (dir, file) = scenario(tag);
    let out = dir.join("out");
    let mut args = vec!["optimize", s(&file), "--budget", "400000", "--out", s(&out)];
    args.extend_from_slice(extra);
    let o = povsim(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = read(&out.join("optimize.csv"));
    let rows = csv.lines().skip(1).map(str::to_string).collect();
    (rows, String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
fn optimize_runs_exactly_the_evaluations_asked_and_lists_each_once() {
    // Three modules: the equal split and three single-module runs are 4 of
    // the 8; with 2 asked, only the equal split and the first single run.
    let modules = ["--modules", "transfers,education,microfinance"];
    for (n, want_kinds) in [(8, None), (2, Some(vec!["equal", "single:transfers"]))] {
        let tag = format!("optimize-count-{n}");
        let (rows, text) = optimize_run(
            &tag,
            &[modules[0], modules[1], "--evaluations", &n.to_string()],
        );
        assert_eq!(rows.len(), n, "{rows:?}");
        if let Some(k) = want_kinds {
            let kinds: Vec<&str> = rows.iter().map(|r| r.split(',').nth(1).unwrap()).collect();
            assert_eq!(kinds, k);
        }
        // Every allocation listed in the console appears once: the kinds
        // closing each line ("[equal]", "[single:...]") never repeat.
        let listed: Vec<&str> = text
            .lines()
            .filter_map(|l| l.rsplit_once("  [").map(|(_, k)| k))
            .collect();
        let mut uniq = listed.clone();
        uniq.sort();
        uniq.dedup();
        let singles_and_equal = listed
            .iter()
            .filter(|k| k.starts_with("equal") || k.starts_with("single:"))
            .count();
        assert_eq!(
            singles_and_equal,
            uniq.iter()
                .filter(|k| k.starts_with("equal") || k.starts_with("single:"))
                .count(),
            "{text}"
        );
        assert!(listed.len() >= n.min(5), "{text}");
        // Shares in % and in yuan, and the realised spending of each split.
        assert!(text.contains("% (") && text.contains(" yuan)"), "{text}");
        assert!(text.contains("spent "), "{text}");
    }
    let o = povsim(&["optimize", "x.toml", "--budget", "1", "--evaluations", "0"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn one_replicate_gives_no_interval_and_no_winner() {
    let (rows, text) = optimize_run(
        "optimize-one",
        &[
            "--modules",
            "transfers,education",
            "--evaluations",
            "4",
            "--replicates",
            "1",
        ],
    );
    assert_eq!(rows.len(), 4);
    assert!(text.contains("no interval (1 replicate)"), "{text}");
    assert!(text.contains("no winner declared"), "{text}");
    assert!(!text.contains("better than the equal split"), "{text}");
    // The interval bounds are left empty in the table (never a zero-width interval).
    assert!(rows.iter().all(|r| r.contains(",,")), "{rows:?}");

    // compare: the same refusal.
    let (dir, file) = scenario("compare-one");
    let reform = dir.join("reform.toml");
    std::fs::write(
        &reform,
        SMALL
            .replace("budget = 200000", "budget = 600000")
            .replace("\"tiny\"", "\"reform\""),
    )
    .unwrap();
    let out = dir.join("out");
    let o = povsim(&[
        "compare",
        s(&file),
        s(&reform),
        "--replicates",
        "1",
        "--no-charts",
        "--set",
        "simulation.years=2",
        "--out",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("no interval (1 replicate)"), "{text}");
    assert!(!text.contains("90% interval"), "{text}");
    // --set reached both scenarios (2 years compared), --no-charts drew nothing.
    let csv = read(&out.join("compare.csv"));
    assert!(
        csv.contains(",2011,headcount_ratio,") && !csv.contains(",2012,"),
        "{csv}"
    );
    assert!(!out.join("charts").exists() && !out.join("report.html").exists());
}

#[test]
fn compare_checks_its_priors_before_it_runs() {
    // A reform without an [uncertainty] table: exit 2 with one line, before
    // the comparison starts (its output directory is never even locked).
    let (dir, file) = scenario("compare-priors");
    let out = dir.join("out");
    let o = povsim(&[
        "compare",
        s(&file),
        s(&file),
        "--param-draws",
        "3",
        "--quiet",
        "--out",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("[uncertainty]"), "{err}");
    assert!(!out.exists());
}
