//! Starting from data (issue 20), end to end with the built binary: a saved
//! state continued is the run that was saved, with every module on; a survey
//! start's first year is what `povsim measure` computes on the survey; raking
//! meets its margins; bad files are refused in one located line, nothing written.

use crate::fixtures::temp_dir;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn povsim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_povsim"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The rows of a table whose year (second column) is in `years`.
fn rows(path: &Path, years: std::ops::RangeInclusive<i32>) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| {
            l.split(',')
                .nth(1)
                .and_then(|y| y.parse::<i32>().ok())
                .is_some_and(|y| years.contains(&y))
        })
        .map(str::to_string)
        .collect()
}

/// Every module on, on a small L County, with budgets that bind.
fn every_module(dir: &Path) -> PathBuf {
    let text = format!(
        r#"extends = "{}"
[simulation]
name = "every_module"
villages = 16
households = 1500
replicates = 2
[budget]
total = {{ values = {{ 2008 = 80000 }}, index = 0.3 }}
[interventions.targeting]
method = "multidimensional"
verification = true
verification_cost = 30
reidentify_every = 3
budget = 15000
[interventions.education]
budget = 250000
schools_share = 0.55
remote_share = 0.05
subsidy_share = 0.15
training_share = 0.25
[interventions.infrastructure]
budget = 150000
[interventions.tourism]
eligible = "registered"
budget = 120000
[interventions.relocation]
eligible = "registered"
budget = 250000
[interventions.microfinance]
eligible = "registered"
budget = 40000
max_loan = 40000
term = 3
learning_years = 2
reschedule = 1
[interventions.health]
budget = 20000
[interventions.welfare_jobs]
budget = 20000
posts_per_village = 2
[interventions.labour_export]
budget = 6000
[interventions.publicity]
eligible = "registered"
budget = 15000
[interventions.cadres]
eligible = "registered"
budget = 15000
"#,
        repo("scenarios/l_county.toml").display()
    );
    let path = dir.join("every_module.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_saved_state_continued_is_the_run_that_was_saved_with_every_module_on() {
    let dir = temp_dir("save-restore");
    every_module(&dir);
    let tables = [
        "trajectory.csv",
        "villages.csv",
        "spending.csv",
        "targeting.csv",
        "income_sources.csv",
    ];
    // 2008–2014 in one go; 2008–2011 saving 2009 and 2011; 2012–2014 from 2011.
    let whole = ["run", "every_module.toml", "--no-charts", "--quiet"];
    ok(povsim(&dir, &[&whole[..], &["--out", "whole"]].concat()));
    ok(povsim(
        &dir,
        &[
            &whole[..],
            &["--set", "simulation.years=4", "--out", "first"],
            &["--save-state", "2011", "--save-state", "2009"],
        ]
        .concat(),
    ));
    std::fs::write(
        dir.join("rest.toml"),
        "extends = \"every_module.toml\"\n[simulation]\nname = \"rest\"\n[population]\nfrom = \"first/state/2011\"\n",
    )
    .unwrap();
    // Another thread count, too: the continuation may not depend on it.
    ok(povsim(
        &dir,
        &[
            "run",
            "rest.toml",
            "--no-charts",
            "--quiet",
            "--threads",
            "1",
            "--out",
            "rest",
        ],
    ));

    let spending = std::fs::read_to_string(dir.join("rest/spending.csv")).unwrap();
    for m in povsim::interventions::ORDER {
        assert!(spending.contains(&format!(",{m},")), "{m} is not on");
    }
    for t in tables {
        let (w, f, r) = (
            dir.join("whole").join(t),
            dir.join("first").join(t),
            dir.join("rest").join(t),
        );
        assert_eq!(
            rows(&f, 2008..=2011),
            rows(&w, 2008..=2011),
            "{t}: saving changed the run"
        );
        let (a, b) = (rows(&w, 2012..=2014), rows(&r, 2012..=2014));
        assert!(!a.is_empty(), "{t}: no rows");
        assert_eq!(a, b, "{t}: the continued run differs from the whole run");
        assert!(
            rows(&r, 2008..=2011).is_empty(),
            "{t}: the continuation starts in 2012"
        );
    }
    // The transition matrix runs from the history's first year in both.
    assert_eq!(
        std::fs::read(dir.join("whole/transitions.csv")).unwrap(),
        std::fs::read(dir.join("rest/transitions.csv")).unwrap()
    );

    // The state: a manifest naming every column and its type, a row per household.
    let state = dir.join("first/state/2009");
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["format"], "povsim-state");
    assert_eq!(m["year"], 2009);
    assert_eq!(m["replicates"], 2);
    let cols: Vec<String> = m["household_columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    for d in povsim::model::Households::COLUMNS {
        assert!(cols.iter().any(|c| c == d.name), "{} is not saved", d.name);
    }
    // The modules' own columns too, named module.column.
    for c in ["microfinance.loan", "microfinance.loan_years"] {
        assert!(cols.iter().any(|x| x == c), "{c} is not saved");
    }
    let village_cols: Vec<&str> = m["village_columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for d in povsim::model::Villages::COLUMNS {
        assert!(village_cols.contains(&d.name), "{} is not saved", d.name);
    }
    assert!(village_cols.contains(&"education.remote_teaching"));
    let households = std::fs::read_to_string(state.join("households_1.csv")).unwrap();
    assert_eq!(households.lines().count(), 1 + 1500);
    assert_eq!(
        households.lines().next().unwrap(),
        format!("household,{}", cols.join(","))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn trajectory_year(out: &Path, year: i32) -> Vec<std::collections::HashMap<String, f64>> {
    let text = std::fs::read_to_string(out.join("trajectory.csv")).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            head.iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), v.parse::<f64>().unwrap_or(f64::NAN)))
                .collect::<std::collections::HashMap<_, _>>()
        })
        .filter(|r| r["year"] == year as f64)
        .collect()
}

#[test]
fn a_survey_start_gives_the_first_year_povsim_measure_computes_on_the_survey() {
    let dir = temp_dir("survey-first-year");
    let scenario = repo("scenarios/from_survey.toml");
    let survey = repo("scenarios/data/survey_households.csv");
    let out = dir.join("out");
    ok(povsim(
        &dir,
        &[
            "run",
            scenario.to_str().unwrap(),
            "--replicates",
            "3",
            "--set",
            "simulation.years=2",
            "--no-charts",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    let first = trajectory_year(&out, 2010);
    assert_eq!(first.len(), 3);
    let line = first[0]["poverty_line"];
    let measured = ok(povsim(
        &dir,
        &[
            "measure",
            survey.to_str().unwrap(),
            "--line",
            &line.to_string(),
            "--income-col",
            "net_income_pc",
            "--weight-col",
            "person_weight",
            "--json",
        ],
    ));
    let m: serde_json::Value = serde_json::from_slice(&measured.stdout).unwrap();
    let f = |k: &str| m[k].as_f64().unwrap();
    for r in &first {
        // Every replicate: the survey's people, and its incomes (kept in f32 by the model).
        assert_eq!(r["population"], f("population"));
        assert_eq!(r["poor"], f("poor"));
        assert!((r["headcount_ratio"] - f("headcount_ratio")).abs() < 1e-12);
        assert!((r["mean_income"] / f("mean_income") - 1.0).abs() < 1e-6);
        assert!((r["poverty_gap"] - f("poverty_gap")).abs() < 1e-6);
        assert!((r["gini"] - f("gini")).abs() < 1e-5);
    }
    // The summary says how closely and how.
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let inc = &s["population"]["incomes"];
    assert!(inc["max_gap_pc"].as_f64().unwrap() < 0.01, "{inc}");
    let parts = ["by_ability", "no_labour_income", "out_of_range"]
        .map(|k| inc[k].as_u64().unwrap())
        .iter()
        .sum::<u64>();
    assert_eq!(parts, inc["households"].as_u64().unwrap());
    // Policies wait for the year after the survey's.
    let spent: f64 = rows(&out.join("spending.csv"), 2010..=2010)
        .iter()
        .map(|l| l.split(',').nth(4).unwrap().parse::<f64>().unwrap())
        .sum();
    assert_eq!(spent, 0.0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn raking_meets_the_margins_and_the_households_drawn_carry_them() {
    let dir = temp_dir("raking");
    let out = dir.join("out");
    ok(povsim(
        &dir,
        &[
            "run",
            repo("scenarios/from_survey_raked.toml").to_str().unwrap(),
            "--replicates",
            "1",
            "--set",
            "simulation.years=1",
            "--no-charts",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let margins = s["population"]["margins"].as_array().unwrap();
    assert_eq!(margins.len(), 24 + 6 + 1);
    let mut off_before = 0;
    for m in margins {
        let (t, before, after, drawn) = (
            m["total"].as_f64().unwrap(),
            m["before"].as_f64().unwrap(),
            m["after"].as_f64().unwrap(),
            m["population"].as_f64().unwrap(),
        );
        assert!((after - t).abs() / t <= 1e-3, "{m}");
        // Whole households: a person or two off in the smallest villages at most.
        assert!((drawn - t).abs() / t <= 5e-3, "{m}");
        off_before += usize::from((before - t).abs() / t > 1e-3);
    }
    assert!(
        off_before > 10,
        "the design weights already met the margins"
    );
    // The model's villages hold the persons the report says were drawn.
    let villages = rows(&out.join("villages.csv"), 2010..=2010);
    for m in margins.iter().take(24) {
        let cell = m["cell"].as_str().unwrap();
        let id: usize = cell.rsplit('V').next().unwrap().parse().unwrap();
        let row = &villages[id - 1];
        let population: f64 = row.split(',').nth(3).unwrap().parse().unwrap();
        assert_eq!(population, m["population"].as_f64().unwrap(), "{cell}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A small survey scenario in `dir` (files as given), run into `dir/out`.
fn survey_case(dir: &Path, survey: &str, villages: &str, extra: &str) -> Output {
    std::fs::write(dir.join("hh.csv"), survey).unwrap();
    std::fs::write(dir.join("villages.csv"), villages).unwrap();
    std::fs::write(
        dir.join("s.toml"),
        format!(
            r#"[simulation]
name = "small"
villages = 2
households = 40
years = 2
replicates = 1
[population]
households = "hh.csv"
villages = "villages.csv"
[population.columns]
village = "vid"
income = "inc"
weight = "w"
members = "size"
[population.village_columns]
id = "vid"
remoteness = "rem"
{extra}"#
        ),
    )
    .unwrap();
    let _ = std::fs::remove_dir_all(dir.join("out"));
    povsim(
        dir,
        &["run", "s.toml", "--no-charts", "--quiet", "--out", "out"],
    )
}

const SURVEY: &str =
    "# a survey\nvid,size,inc,w\nA,3,2500,10\nA,2,1800,10\nB,4,4000,10\nB,1,900,10\n";
const VILLAGES: &str = "vid,rem\nA,0.2\nB,0.8\n";

/// Exit 2, one line that contains `want`, and no output directory.
fn refused(dir: &Path, out: Output, want: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains(want), "expected «{want}» in {err}");
    assert!(!dir.join("out").exists(), "something was written");
}

#[test]
fn bad_surveys_are_refused_in_one_located_line() {
    let dir = temp_dir("bad-survey");
    ok(survey_case(&dir, SURVEY, VILLAGES, ""));
    // One cell changed in the household file.
    for (from, to, want) in [
        (
            "inc,w",
            "income,w",
            "hh.csv:2:1: inc: no such column (population.columns.income names it)",
        ),
        (
            "1800",
            "1.8k",
            "hh.csv:4:3: inc: expected a number (income), got \"1.8k\"",
        ),
        (
            "4000,10",
            "4000,-1",
            "hh.csv:5:4: w: expected a number from 0 to",
        ),
        (
            "B,1,",
            "B,-1,",
            "hh.csv:6:2: size: expected a whole number from 1 to 60 (members), got -1",
        ),
        (
            "B,4",
            "C,4",
            "hh.csv:5:1: vid: expected a village of villages.csv, got \"C\"",
        ),
    ] {
        refused(
            &dir,
            survey_case(&dir, &SURVEY.replace(from, to), VILLAGES, ""),
            want,
        );
    }
    let bad_village = "vid,rem\nA,0.2\nB,1.8\n";
    refused(
        &dir,
        survey_case(&dir, SURVEY, bad_village, ""),
        "villages.csv:3:2: rem: expected a number from 0 to 1 (remoteness), got 1.8",
    );
    let unknown = "[population.margins]\npersons_by_village = { Z = 5 }\n";
    refused(
        &dir,
        survey_case(&dir, SURVEY, VILLAGES, unknown),
        "population.margins.persons_by_village.Z: expected a village of",
    );
    // Contradictory margins name the cell raking cannot meet: each size class
    // has one surveyed household, so 10 households per size fix village A at
    // 3·10 + 2·10 = 50 persons, not 30.
    let out = survey_case(
        &dir,
        SURVEY,
        VILLAGES,
        "[population.margins]\npersons_by_village = { A = 30, B = 60 }\nhouseholds_by_size = { \"1\" = 10, \"2\" = 10, \"3\" = 10, \"4\" = 10 }\n",
    );
    refused(&dir, out, "expected totals the weights can meet together");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_state_of_another_version_or_with_other_columns_is_refused() {
    let dir = temp_dir("bad-state");
    std::fs::write(
        dir.join("s.toml"),
        "[simulation]\nname = \"s\"\nvillages = 3\nhouseholds = 30\nyears = 3\nreplicates = 1\n",
    )
    .unwrap();
    ok(povsim(
        &dir,
        &[
            "run",
            "s.toml",
            "--no-charts",
            "--quiet",
            "--out",
            "a",
            "--save-state",
            "2009",
        ],
    ));
    std::fs::write(
        dir.join("r.toml"),
        "extends = \"s.toml\"\n[population]\nfrom = \"state\"\n",
    )
    .unwrap();
    let state = dir.join("state");
    let reset = || {
        let _ = std::fs::remove_dir_all(&state);
        std::fs::create_dir_all(&state).unwrap();
        for f in std::fs::read_dir(dir.join("a/state/2009")).unwrap() {
            let f = f.unwrap();
            std::fs::copy(f.path(), state.join(f.file_name())).unwrap();
        }
    };
    let run = || {
        povsim(
            &dir,
            &["run", "r.toml", "--no-charts", "--quiet", "--out", "out"],
        )
    };
    reset();
    ok(run());
    let _ = std::fs::remove_dir_all(dir.join("out"));
    let edit = |file: &str, from: &str, to: &str| {
        let p = state.join(file);
        let t = std::fs::read_to_string(&p).unwrap();
        assert!(t.contains(from), "{file}: {from}");
        std::fs::write(&p, t.replacen(from, to, 1)).unwrap();
    };
    let cases: [(&str, &str, &str, &str); 5] = [
        (
            "manifest.json",
            "\"version\": 1",
            "\"version\": 2",
            "manifest.json:3:1: version: expected state format version 1",
        ),
        (
            "manifest.json",
            "\"name\": \"skill\"",
            "\"name\": \"skills\"",
            "household_columns: expected the columns this povsim saves and reads, got other columns (missing [skill:float32], unknown [skills:float32])",
        ),
        (
            "households_0.csv",
            ",skill,",
            ",skills,",
            "households_0.csv:1:9: skill: expected column \"skill\"",
        ),
        (
            "households_0.csv",
            "\n3,",
            "\n4,",
            "households_0.csv:5:1: household: expected household 3 (rows in order), got \"4\"",
        ),
        (
            "villages_0.csv",
            "\n1,",
            "\n1,x",
            "villages_0.csv:3:2: remoteness: expected a number, got",
        ),
    ];
    for (file, from, to, want) in cases {
        reset();
        edit(file, from, to);
        refused(&dir, run(), want);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_a_village_file_villages_are_grouped_from_the_village_column() {
    let dir = temp_dir("grouped");
    // B comes first: villages are numbered in order of first appearance.
    let survey = "vid,size,inc,w\nB,3,2500,10\nA,2,1800,5\nB,4,4000,10\nA,1,900,15\n";
    std::fs::write(dir.join("hh.csv"), survey).unwrap();
    std::fs::write(
        dir.join("s.toml"),
        "[simulation]\nname = \"g\"\nvillages = 9\nhouseholds = 40\nyears = 1\nreplicates = 1\n\
         [population]\nhouseholds = \"hh.csv\"\n\
         [population.columns]\nvillage = \"vid\"\nincome = \"inc\"\nweight = \"w\"\nmembers = \"size\"\n",
    )
    .unwrap();
    ok(povsim(
        &dir,
        &["run", "s.toml", "--no-charts", "--quiet", "--out", "out"],
    ));
    let villages = rows(&dir.join("out/villages.csv"), 2008..=2008);
    let population = |v: usize| -> f64 { villages[v].split(',').nth(3).unwrap().parse().unwrap() };
    assert_eq!(villages.len(), 2, "{villages:?}");
    assert_eq!(population(0), 10.0 * 3.0 + 10.0 * 4.0, "village B");
    assert_eq!(population(1), 5.0 * 2.0 + 15.0 * 1.0, "village A");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_saved_state_reads_back_bit_for_bit() {
    use povsim::model::columns::Column;
    let dir = temp_dir("bit-for-bit");
    let sc = povsim::scenario::load(&every_module(&dir), &[]).unwrap();
    let mut sim = povsim::engine::Simulation::new(&sc, 1).unwrap();
    for _ in 0..3 {
        sim.step();
    }
    let state = dir.join("state");
    let (_, own) = povsim::output::state::write_replicate(&state, &mut sim).unwrap();
    povsim::output::state::write_manifest(&state, &sc, sim.year - 1, &own).unwrap();
    std::fs::write(
        dir.join("from_state.toml"),
        "extends = \"every_module.toml\"\n[population]\nfrom = \"state\"\n",
    )
    .unwrap();
    let sc_back = povsim::scenario::load(&dir.join("from_state.toml"), &[]).unwrap();
    let mut back = povsim::engine::Simulation::new(&sc_back, 1).unwrap();
    // Every cell's text is its bits (columns::tests); compare the texts of all.
    let text = |c: &dyn Column| -> Vec<String> {
        (0..c.len())
            .map(|i| {
                let mut s = String::new();
                c.write_cell(i, &mut s);
                s
            })
            .collect()
    };
    let (a, b) = (sim.state(), back.state());
    let (ha, hb) = (a.hh.columns(), b.hh.columns());
    assert_eq!(ha.len(), hb.len());
    for ((name, x), (_, y)) in ha.iter().zip(&hb) {
        assert_eq!(text(*x), text(*y), "households.{name}");
    }
    for ((name, x), (_, y)) in a.villages.columns().iter().zip(&b.villages.columns()) {
        assert_eq!(text(*x), text(*y), "villages.{name}");
    }
    assert_eq!(a.first_state, b.first_state);
    // Every module's own columns, and some state to compare in them.
    assert_eq!(a.modules.len(), povsim::interventions::ORDER.len());
    let mut held = 0;
    for ((m, x), (_, y)) in a.modules.iter().zip(&b.modules) {
        for (p, q) in x
            .households
            .iter()
            .zip(&y.households)
            .chain(x.villages.iter().zip(&y.villages))
        {
            let (tp, tq) = (text(&*p.col), text(&*q.col));
            held += tp.iter().filter(|t| *t != "0").count();
            assert_eq!(tp, tq, "{m}.{}", p.name);
        }
    }
    assert!(held > 0, "no module held any state to restore");
    // And the floats bit for bit, not only as text.
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a.hh.income_pc), bits(&b.hh.income_pc));
    assert_eq!(
        bits(&a.villages.tourism_capacity),
        bits(&b.villages.tourism_capacity)
    );
    drop((a, b));
    let loans = |s: &povsim::engine::Simulation| s.module_column("microfinance", "loan").unwrap();
    assert_eq!(bits(&loans(&sim)), bits(&loans(&back)));
    assert!(loans(&sim).iter().any(|l| *l > 0.0), "no loan outstanding");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_population_keys_are_declared_listed_and_reached_by_set() {
    use povsim::scenario::keys::{self, Check};
    // Declared once: the registry lists each attribute with the range of its cells.
    let k = keys::find("population.columns.members").expect("declared");
    assert!(matches!(k.check, Check::Column(Check::Whole(1, 60))));
    assert!(keys::find("population.village_columns.remoteness").is_some());
    assert!(keys::find("population.margins.registered_persons").is_some());
    assert_eq!(keys::find("population.from").unwrap().check, Check::Path);
    assert!(keys::find("population.columns.wealth").is_none());
    let list = ok(povsim(&repo("."), &["validate", "--list-keys"]));
    let list = String::from_utf8_lossy(&list.stdout);
    for path in ["population.households", "population.columns.income"] {
        assert!(
            list.lines().any(|l| l.starts_with(path)),
            "{path} not listed"
        );
    }
    // --set reaches a mapping: a column the file does not have is refused, located.
    let dir = temp_dir("population-set");
    let scenario = repo("scenarios/from_survey.toml");
    let scenario = scenario.to_str().unwrap();
    ok(povsim(&dir, &["validate", scenario]));
    let out = povsim(
        &dir,
        &[
            "run",
            scenario,
            "--out",
            "out",
            "--set",
            "population.columns.income=no_such_column",
        ],
    );
    refused(&dir, out, "no_such_column");
    let out = povsim(
        &dir,
        &[
            "validate",
            scenario,
            "--set",
            "population.columns.wealth=assets_yuan",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("population.columns.wealth"));
    let _ = std::fs::remove_dir_all(&dir);
}
