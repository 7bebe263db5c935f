//! One timeline, branched (`simulation.branch_year`): the shared history is
//! the file extended, byte for byte; the guarantee line's warning; equal
//! money (`[budget] unspent`); bad branches and different histories.

use super::fixtures::temp_dir;
use povsim::experiment::{self, RunOptions, compare};
use povsim::scenario;
use std::path::{Path, PathBuf};

pub const BASE: &str = r#"
[simulation]
name = "history"
start_year = 2008
years = 4
seed = 7
replicates = 2
villages = 6
households = 600

[budget]
total = 400000

[interventions.targeting]
measurement_error = 0.3

[interventions.transfers]
guarantee_line = { values = { 2008 = 1200 }, index = 0.05 }
budget_share = 0.6

[interventions.microfinance]
budget_share = 0.4
"#;

/// The branch: from 2010 on, a different package (flood transfers, more
/// money, a module the history does not have), two years longer.
pub const BRANCH: &str = r#"
extends = "base.toml"

[simulation]
name = "branch"
years = 6
branch_year = 2010

[budget]
total = 900000

[interventions.transfers]
eligible = "all"
budget_share = 0.4

[interventions.microfinance]
budget_share = 0.3

[interventions.infrastructure]
budget_share = 0.3
"#;

fn files(tag: &str, extra: &[(&str, &str)]) -> PathBuf {
    let dir = temp_dir(tag);
    std::fs::write(dir.join("base.toml"), BASE).unwrap();
    std::fs::write(dir.join("branch.toml"), BRANCH).unwrap();
    for (name, text) in extra {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

fn run(file: &Path, out: &Path) {
    run_with(file, &[], out);
}

/// [`run`] with `--set` overrides, no charts, no progress bar.
fn run_with(file: &Path, sets: &[String], out: &Path) {
    let sc = scenario::load(file, sets).unwrap();
    let opts = RunOptions {
        progress: false,
        no_charts: true,
        save_state: Vec::new(),
    };
    experiment::run(&sc, out, &opts).unwrap();
}

/// The rows of a table whose year (second column) is in `years`.
fn rows(dir: &Path, table: &str, years: std::ops::Range<i32>) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join(table)).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| {
            let y: i32 = l.split(',').nth(1).unwrap().parse().unwrap();
            years.contains(&y)
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn rows_before_the_branch_are_the_history_byte_for_byte() {
    let dir = files("branch-history", &[]);
    run(&dir.join("base.toml"), &dir.join("out-base"));
    run(&dir.join("branch.toml"), &dir.join("out-branch"));
    for table in [
        "trajectory.csv",
        "villages.csv",
        "spending.csv",
        "targeting.csv",
    ] {
        let a = rows(&dir.join("out-base"), table, 2008..2010);
        let b = rows(&dir.join("out-branch"), table, 2008..2010);
        assert!(!a.is_empty(), "{table}: no rows before the branch");
        assert_eq!(a, b, "{table}: rows before the branch year differ");
    }
    // From the branch year on the branch's own settings act (the test can fail).
    let a = rows(&dir.join("out-base"), "trajectory.csv", 2010..2012);
    let b = rows(&dir.join("out-branch"), "trajectory.csv", 2010..2012);
    assert_eq!(a.len(), b.len());
    assert_ne!(a, b, "the branch changed nothing from its branch year");
    let b = rows(&dir.join("out-branch"), "trajectory.csv", 2012..2014);
    assert_eq!(b.len(), 2 * 2, "the branch runs to 2013");
}

/// The shipped packages branch from the calibrated county: for the same
/// seed, l_county_flood.toml and l_county_targeted.toml give
/// l_county.toml's rows for 2008–2013 byte for byte (the whole county, whose
/// size a branch cannot change, with one replicate and 2008–2015 for all
/// three), and their own rows from 2014.
#[test]
fn the_l_county_packages_carry_the_calibrated_history() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let dir = temp_dir("branch-l-county");
    let sets: Vec<String> = ["simulation.replicates=1", "simulation.years=8"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let go = |name: &str| {
        let out = dir.join(name.trim_end_matches(".toml"));
        run_with(&root.join(name), &sets, &out);
        out
    };
    let history = go("l_county.toml");
    for package in ["l_county_flood.toml", "l_county_targeted.toml"] {
        let out = go(package);
        for table in ["trajectory.csv", "villages.csv"] {
            let a = rows(&history, table, 2008..2014);
            let b = rows(&out, table, 2008..2014);
            assert!(!a.is_empty(), "{table}: no rows before 2014");
            assert_eq!(a, b, "{package} {table}: rows before 2014 differ");
        }
        let a = rows(&history, "trajectory.csv", 2014..2016);
        let b = rows(&out, "trajectory.csv", 2014..2016);
        assert_eq!((a.len(), b.len()), (2, 2), "{package}: 2014 and 2015");
        assert_ne!(a, b, "{package} changed nothing from 2014");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// A branch that changes nothing is the history, every year: the modules
/// rebuilt at the branch year take over their predecessors' own state
/// (microfinance's loans outstanding, education's remote teaching) and
/// carried money, so nothing restarts.
#[test]
fn a_branch_that_changes_nothing_is_the_history_every_year() {
    let same = "extends = \"base.toml\"\n\n[simulation]\nbranch_year = 2010\n";
    let modules =
        "\n[interventions.education]\nbudget = 300000\nschools_share = 0.2\nremote_share = 0.3\n";
    let dir = files("branch-same", &[]);
    let base = format!("{BASE}{modules}")
        .replace("budget_share = 0.4", "budget_share = 0.4\nleverage = 50");
    std::fs::write(dir.join("base.toml"), &base).unwrap();
    std::fs::write(dir.join("same.toml"), same).unwrap();
    run(&dir.join("base.toml"), &dir.join("out-base"));
    run(&dir.join("same.toml"), &dir.join("out-same"));
    let sc = scenario::load(&dir.join("base.toml"), &[]).unwrap();
    let mut sim = povsim::engine::Simulation::new(&sc, 0).unwrap();
    for _ in 0..2 {
        sim.step();
    }
    let loans = sim.module_column("microfinance", "loan").unwrap();
    assert!(
        loans.iter().any(|l| *l > 0.0),
        "no loans outstanding at the branch year: the test would not see them dropped"
    );
    for table in [
        "trajectory.csv",
        "villages.csv",
        "spending.csv",
        "targeting.csv",
        "income_sources.csv",
    ] {
        let a = rows(&dir.join("out-base"), table, 2008..2012);
        let b = rows(&dir.join("out-same"), table, 2008..2012);
        assert_eq!(a, b, "{table}: an empty branch differs from its history");
    }
}

#[test]
fn a_branch_compares_from_its_branch_year_and_refuses_another_history() {
    let other = BRANCH
        .replace("name = \"branch\"", "name = \"other\"")
        .replace("extends = \"base.toml\"", "extends = \"base2.toml\"");
    let base2 = BASE.replace("measurement_error = 0.3", "measurement_error = 0.5");
    let dir = files(
        "branch-compare",
        &[("other.toml", &other), ("base2.toml", &base2)],
    );
    let a = scenario::load(&dir.join("branch.toml"), &[]).unwrap();
    let same = scenario::load(
        &dir.join("branch.toml"),
        &["simulation.name=\"same\"".into()],
    )
    .unwrap();
    let c = compare::compare(&a, std::slice::from_ref(&same)).unwrap();
    assert_eq!(c.from_year, 2010);
    let rows = &c.reforms[0].by_year["headcount_ratio"];
    assert_eq!(rows.first().map(|r| r.year), Some(2010));
    assert_eq!(rows.len(), 4);
    let b = scenario::load(&dir.join("other.toml"), &[]).unwrap();
    let e = compare::compare(&a, &[b]).unwrap_err().to_string();
    assert!(
        e.contains("history") && e.contains("interventions.targeting.measurement_error"),
        "{e}"
    );
    assert_eq!(e.lines().count(), 1, "{e}");
}

#[test]
fn a_branch_year_outside_the_years_or_without_a_history_is_one_located_line() {
    let dir = files("branch-bad", &[]);
    for (sets, expect) in [
        (
            vec!["simulation.branch_year=2008"],
            "simulation.branch_year",
        ),
        (
            vec!["simulation.branch_year=2030"],
            "simulation.branch_year",
        ),
        (vec!["simulation.villages=7"], "simulation.villages"),
    ] {
        let sets: Vec<String> = sets.into_iter().map(String::from).collect();
        let e = scenario::load(&dir.join("branch.toml"), &sets)
            .unwrap_err()
            .to_string();
        // Located: at the override that set it.
        assert!(e.contains(expect) && e.starts_with("--set "), "{e}");
        assert_eq!(e.lines().count(), 1, "{e}");
    }
    let e = scenario::load(
        &dir.join("base.toml"),
        &["simulation.branch_year=2009".into()],
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("simulation.branch_year") && e.contains("extends"),
        "{e}"
    );
}

#[test]
fn a_guarantee_above_the_poverty_line_is_warned_of_with_its_year() {
    let dir = files("branch-warn", &[]);
    let path = dir.join("base.toml");
    // The default poverty line: 2,300 yuan in 2010, +4.5% a year.
    let sc = scenario::load(
        &path,
        &[
            "interventions.transfers.guarantee_line_share={ values = { 2008 = 0.9, 2010 = 1.1 } }"
                .into(),
        ],
    )
    .unwrap();
    let w = sc.warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("from 2010") && w[0].contains("interventions.transfers"),
        "{w:?}"
    );
    // At the line or below it: no warning.
    let sc = scenario::load(
        &path,
        &["interventions.transfers.guarantee_line_share=1.0".into()],
    )
    .unwrap();
    assert!(sc.warnings().is_empty());
    // In yuan: 1,200 +5% a year never reaches the line in 2008–2011.
    assert!(scenario::load(&path, &[]).unwrap().warnings().is_empty());
    // The binary prints it on validate.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_povsim"))
        .args(["validate", path.to_str().unwrap(), "--set"])
        .arg("interventions.transfers.guarantee_line_share=1.2")
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning:") && err.contains("from 2008"),
        "{err}"
    );
}

/// Realised spending of a run, and its budget, yuan (all replicates and years).
fn spent_and_budget(file: &Path, sets: &[String]) -> (f64, f64) {
    let sc = scenario::load(file, sets).unwrap();
    let total: f64 = (sc.start_year..=sc.end_year())
        .map(|y| sc.file.budget.as_ref().unwrap().total.at(y))
        .sum::<f64>()
        * sc.replicates as f64;
    let mut spent = 0.0;
    experiment::run_records(&sc, |r| {
        spent += r.ledger.spending.iter().map(|s| s.spent).sum::<f64>();
        Ok(())
    })
    .unwrap();
    (spent, total)
}

#[test]
fn reallocation_spends_the_budget_where_a_module_can_use_the_money() {
    // Verification costs 30 yuan a household: identification cannot use
    // half of 1 million yuan; flood transfers (after it) can use any money.
    let text = r#"
[simulation]
name = "money"
start_year = 2008
years = 3
seed = 3
replicates = 2
villages = 4
households = 500

[budget]
total = 1000000
unspent = "reallocate"

[interventions.targeting]
verification = true
budget_share = 0.5

[interventions.transfers]
eligible = "all"
budget_share = 0.5
"#;
    let dir = temp_dir("branch-money");
    let file = dir.join("money.toml");
    std::fs::write(&file, text).unwrap();
    let (spent, budget) = spent_and_budget(&file, &[]);
    assert!(
        (spent - budget).abs() <= 0.01 * budget,
        "reallocate: spent {spent} of {budget}"
    );
    // Returned, the identification's half is mostly lost (the test can fail).
    let (spent, budget) = spent_and_budget(&file, &["budget.unspent=\"return\"".into()]);
    assert!(spent < 0.6 * budget, "return: spent {spent} of {budget}");
    // Carried over, only the last year's leftover is lost.
    let (spent, _) = spent_and_budget(&file, &["budget.unspent=\"carry_over\"".into()]);
    assert!(
        spent < 0.6 * budget,
        "carry_over: identification keeps its money: {spent}"
    );
}
