//! `povsim measure` end to end: the built binary on small CSV files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh directory for one test (unique per process and test name),
/// removed when the test ends.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("povsim-measure-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// Runs `povsim measure FILE ARGS...` from inside `dir`, so messages name the
/// file as given (relative).
fn measure(dir: &Path, file: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_povsim"))
        .current_dir(dir)
        .arg("measure")
        .arg(file)
        .args(args)
        .output()
        .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn assert_close(v: &serde_json::Value, key: &str, want: f64) {
    let got = v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} missing in {v}"));
    assert!((got - want).abs() < 1e-12, "{key}: {got}, expected {want}");
}

#[test]
fn hand_computed_file_gives_expected_json() {
    let dir = Scratch::new("hand");
    // Incomes 1..4 out of order, one person each; a weight-0 row is ignored.
    write(
        &dir,
        "data.csv",
        "id,income,persons\n1,4,1\n2,1,1\n3,3,1\n4,2,1\n5,100,0\n",
    );
    let out = measure(
        &dir,
        "data.csv",
        &[
            "--line",
            "3",
            "--extreme-line",
            "1.5",
            "--weight-col",
            "persons",
            "--json",
        ],
    );
    let v = json(&out);
    assert_close(&v, "population", 4.0);
    assert_close(&v, "poor", 2.0);
    assert_close(&v, "headcount_ratio", 0.5);
    assert_close(&v, "poverty_gap", 0.25);
    assert_close(
        &v,
        "poverty_severity",
        ((2.0f64 / 3.0).powi(2) + (1.0f64 / 3.0).powi(2)) / 4.0,
    );
    assert_close(&v, "watts", (3f64.ln() + 1.5f64.ln()) / 4.0);
    // Gini among the poor {1, 2} is 1/6.
    assert_close(&v, "sen", 0.5 / 6.0 + 0.25 * 5.0 / 6.0);
    assert_close(&v, "extreme_poor", 1.0);
    assert_close(&v, "mean_income", 2.5);
    assert_close(&v, "median_income", 2.0);
    assert_close(&v, "gini", 0.25);
    assert_close(&v, "atkinson1", 1.0 - 24f64.powf(0.25) / 2.5);
    assert_close(&v, "bottom40_share", 0.22);
}

#[test]
fn weight_column_equals_repeated_rows() {
    let dir = Scratch::new("weights");
    write(&dir, "w.csv", "income,w\n5,3\n1,2\n8,1\n");
    write(&dir, "r.csv", "income\n5\n5\n5\n1\n1\n8\n");
    let a = json(&measure(
        &dir,
        "w.csv",
        &["--line", "4", "--weight-col", "w", "--json"],
    ));
    let b = json(&measure(&dir, "r.csv", &["--line", "4", "--json"]));
    for key in [
        "population",
        "poverty_gap",
        "gini",
        "theil",
        "median_income",
        "bottom40_share",
    ] {
        assert_close(&a, key, b[key].as_f64().unwrap());
    }
}

#[test]
fn table_names_and_explains_the_measures() {
    let dir = Scratch::new("table");
    write(&dir, "data.csv", "income\n1\n2\n3\n4\n");
    let out = measure(&dir, "data.csv", &["--line", "3"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("data.csv: 4 rows, line 3\n"), "{text}");
    assert!(
        text.contains("headcount_ratio   0.500000  FGT(0)"),
        "{text}"
    );
    assert!(text.contains("gini              0.250000"), "{text}");
    // No extreme line given: no extreme_poor row.
    assert!(!text.contains("extreme_poor"), "{text}");
}

/// Zero and negative incomes: poor with a gap of 1 in the FGT measures;
/// floored at 1 yuan in Watts (ln of 0 or less is undefined).
#[test]
fn zero_and_negative_incomes_are_floored_in_watts() {
    let dir = Scratch::new("zero");
    write(&dir, "data.csv", "income\n-5\n0\n10\n10\n");
    let v = json(&measure(&dir, "data.csv", &["--line", "10", "--json"]));
    assert_close(&v, "headcount_ratio", 0.5);
    assert_close(&v, "poverty_gap", 0.5);
    assert_close(&v, "poverty_severity", 0.5);
    // Two poor at the 1-yuan floor: 2 · ln(10/1) / 4.
    assert_close(&v, "watts", 2.0 * 10f64.ln() / 4.0);
    assert_close(&v, "sen", 0.5);
    assert_close(&v, "mean_income", 3.75);
}

/// A bad input: file name, contents (None: no such file), extra arguments,
/// pieces the error message must contain.
type Case<'a> = (&'a str, Option<&'a str>, &'a [&'a str], &'a [&'a str]);

/// Each bad input: exit code 2, and one line on stderr naming the place.
#[test]
fn bad_inputs_give_exit_code_2_and_one_line() {
    let dir = Scratch::new("bad");
    let cases: &[Case] = &[
        ("missing.csv", None, &[], &["missing.csv: cannot read: "]),
        ("empty.csv", Some(""), &[], &["empty.csv: empty file"]),
        (
            "header.csv",
            Some("income,w\n"),
            &[],
            &["header.csv: no data rows"],
        ),
        (
            "cols.csv",
            Some("a,b,c\n1,2,3\n"),
            &[],
            &["cols.csv:1:1: income: no such column; columns are a, b, c"],
        ),
        (
            "text.csv",
            Some("id,income\n1,10\n2,20\n3,30\n4,40\n5,50\n6,abc\n"),
            &[],
            &["text.csv:7:2: income: expected a number, got \"abc\""],
        ),
        (
            "blank.csv",
            Some("id,income\n1,\n"),
            &[],
            &["blank.csv:2:2: income: expected a number, got \"\""],
        ),
        (
            "nan.csv",
            Some("income\n3\nNaN\n"),
            &[],
            &["nan.csv:3:1: income: expected a finite number, got NaN"],
        ),
        (
            "inf.csv",
            Some("id,income\n1,inf\n"),
            &[],
            &["inf.csv:2:2: income: expected a finite number, got inf"],
        ),
        (
            "negw.csv",
            Some("income,weight\n5,1\n6,-1\n"),
            &["--weight-col", "weight"],
            &["negw.csv:3:2: weight: expected a number ≥ 0, got -1"],
        ),
        (
            "nowcol.csv",
            Some("income\n5\n"),
            &["--weight-col", "hh_size"],
            &["nowcol.csv:1:1: hh_size: no such column; columns are income"],
        ),
        (
            "short.csv",
            Some("income,w\n1,1\n2\n"),
            &[],
            &["short.csv:3:1: expected 2 fields"],
        ),
        (
            "zerow.csv",
            Some("income,w\n1,0\n2,0\n"),
            &["--weight-col", "w"],
            &["zerow.csv: the weights add up to 0"],
        ),
        (
            "ok.csv",
            Some("income\n1\n"),
            &["--line", "0"],
            &["--line: expected a finite number > 0, got 0"],
        ),
        (
            "ok.csv",
            Some("income\n1\n"),
            &["--line", "-5"],
            &["--line: expected a finite number > 0, got -5"],
        ),
        (
            "ok.csv",
            Some("income\n1\n"),
            &["--line", "inf"],
            &["--line: ", "got inf"],
        ),
        (
            "ok.csv",
            Some("income\n1\n"),
            &["--extreme-line", "NaN"],
            &["--extreme-line: expected a finite number > 0, got NaN"],
        ),
    ];
    for (name, contents, args, pieces) in cases {
        if let Some(c) = contents {
            write(&dir, name, c);
        }
        let mut all = args.to_vec();
        if !all.contains(&"--line") {
            all.extend(["--line", "2300"]);
        }
        let out = measure(&dir, name, &all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name} {args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: not one line: {err}");
        assert!(err.starts_with("error: "), "{name}: {err}");
        for piece in *pieces {
            assert!(
                err.contains(piece),
                "{name} {args:?}: {err:?} lacks {piece:?}"
            );
        }
        assert!(out.stdout.is_empty(), "{name}: printed {:?}", out.stdout);
    }
}
