//! `compare --decompose`: Shapley values over the modules that differ add up
//! to the total; a hand-computed two-module case from four runs of scenario
//! files; a module that is not changed is not a player and one without
//! effect gets zero; coalitions branched from one run of the shared history
//! are, byte for byte, the coalitions run from scratch; bad inputs.

use super::fixtures::temp_dir;
use povsim::engine::{Simulation, run_replicate};
use povsim::experiment::compare::{self, decompose};
use povsim::recorder::TRAJECTORY_COLUMNS;
use povsim::scenario::{self, Scenario};
use std::path::{Path, PathBuf};

/// The history and branch of tests/it/branch.rs, both 2008–2012: three
/// modules differ (transfers, microfinance, infrastructure), and the
/// package money.
fn base_text() -> String {
    super::branch::BASE.replace("years = 4", "years = 5")
}

fn reform_text() -> String {
    super::branch::BRANCH
        .replace("years = 6", "years = 5")
        .replace("name = \"branch\"", "name = \"reform\"")
}

fn files(tag: &str, extra: &[(&str, &str)]) -> PathBuf {
    let dir = temp_dir(tag);
    std::fs::write(dir.join("base.toml"), base_text()).unwrap();
    std::fs::write(dir.join("reform.toml"), reform_text()).unwrap();
    for (name, text) in extra {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

fn load(dir: &Path, name: &str) -> Scenario {
    scenario::load(&dir.join(name), &[]).unwrap()
}

fn shapley() -> decompose::Options {
    decompose::Options::new(decompose::Method::Shapley)
}

/// |a − b| within rounding of their size.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

#[test]
fn shapley_values_add_up_to_the_total_for_every_measure_and_year() {
    let dir = files("decompose-identity", &[]);
    let (base, reform) = (load(&dir, "base.toml"), load(&dir, "reform.toml"));
    let d = decompose::decompose_all(&base, std::slice::from_ref(&reform), &shapley()).unwrap();
    let r = &d.reforms[0];
    assert_eq!(r.players, ["transfers", "microfinance", "infrastructure"]);
    // The base's modules take shares of its budget: the budget is its own row.
    assert_eq!(r.names().len(), 5);
    assert_eq!(r.runs_per_replicate, 8 + 1);
    let years: Vec<Option<i32>> = (2010..=2012).map(Some).chain([None]).collect();
    for m in decompose::MEASURES {
        for &y in &years {
            let parts: f64 = r.names()[..4]
                .iter()
                .map(|p| r.row(p, m, y).unwrap().contribution)
                .sum();
            let total = r.row("total", m, y).unwrap().contribution;
            assert!(close(parts, total), "{m} {y:?}: {parts} vs {total}");
        }
    }
    // The total is the comparison's reform − base difference.
    let c = compare::compare(&base, std::slice::from_ref(&reform)).unwrap();
    for y in &c.reforms[0].by_year["headcount_ratio"] {
        let t = r.row("total", "headcount_ratio", Some(y.year)).unwrap();
        assert!(close(t.contribution, y.difference.mean), "{}", y.year);
        assert!(close(t.lo, y.difference.lo) && close(t.hi, y.difference.hi));
    }
    let a = r.row("total", "person_years_averted", None).unwrap();
    assert!(close(
        a.contribution,
        c.reforms[0].person_years_averted.mean
    ));
    // The effect is not nothing (the test can fail), and intervals bracket the mean.
    assert!(a.contribution.abs() > 1.0, "{a:?}");
    for row in &r.rows {
        assert!(
            row.lo <= row.contribution && row.contribution <= row.hi,
            "{row:?}"
        );
    }
    // The console's rows read back to the rows' values, person-years and the
    // last year's headcount in points: separators every three digits and a
    // true minus sign ("−1,234"), as compare's own lines.
    let lines = d.lines();
    let read = |shown: &str| -> f64 {
        assert!(!shown.contains('-'), "{shown}: an ASCII minus");
        let digits = shown.trim_start_matches('−');
        let int = digits.split('.').next().unwrap();
        assert!(int.split(',').skip(1).all(|g| g.len() == 3), "{shown}");
        let sign = if shown.starts_with('−') { -1.0 } else { 1.0 };
        sign * digits.replace(',', "").parse::<f64>().unwrap()
    };
    let mut negative = 0;
    for m in r.names() {
        let line = lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(m))
            .unwrap_or_else(|| panic!("no console row for {m}: {lines:?}"));
        let words: Vec<&str> = line.split_whitespace().collect();
        let py = r.row(m, "person_years_averted", None).unwrap().contribution;
        let hc = 100.0
            * r.row(m, "headcount_ratio", Some(2012))
                .unwrap()
                .contribution;
        assert!((read(words[1]) - py).abs() <= 0.5, "{m}: {line}");
        assert!((read(words[4]) - hc).abs() <= 0.005, "{m}: {line}");
        negative += (hc < -0.005) as usize;
    }
    assert!(
        negative > 0,
        "no negative figure to check the sign on: {lines:?}"
    );
}

/// Per replicate, per compared year: the headcount ratio and persons poor of
/// a scenario file run from scratch with the run machinery.
fn run_values(sc: &Scenario, from: i32) -> Vec<Vec<(f64, f64)>> {
    let col = |c: &str| TRAJECTORY_COLUMNS.iter().position(|x| *x == c).unwrap();
    let (h, p) = (col("headcount_ratio"), col("poor"));
    (0..sc.replicates)
        .map(|rep| {
            let mut out = Vec::new();
            run_replicate(sc, rep, |r| {
                if r.year >= from {
                    let t = r.trajectory_values();
                    out.push((t[h], t[p]));
                }
            })
            .unwrap();
            out
        })
        .collect()
}

#[test]
fn two_modules_by_hand_from_four_scenario_files() {
    // The reform changes transfers (a) and microfinance (b) and funds them
    // from its own budget, as does each one-module file.
    let budget = "[budget]\ntotal = 900000\n";
    let a = "[interventions.transfers]\neligible = \"all\"\nbudget_share = 0.3\n";
    let b = "[interventions.microfinance]\nbudget_share = 0.3\n";
    let head = |name: &str| {
        format!(
            "extends = \"base.toml\"\n[simulation]\nname = \"{name}\"\nbranch_year = 2010\n{budget}"
        )
    };
    let (fa, fb, fab) = (head("a") + a, head("b") + b, head("ab") + a + b);
    // No module changed, the reform's budget: the base's modules take shares of it.
    let f0 = head("none");
    let dir = files(
        "decompose-by-hand",
        &[
            ("a.toml", &fa),
            ("b.toml", &fb),
            ("ab.toml", &fab),
            ("none.toml", &f0),
        ],
    );
    let base = load(&dir, "base.toml");
    let reform = load(&dir, "ab.toml");
    let d = decompose::decompose_all(&base, std::slice::from_ref(&reform), &shapley()).unwrap();
    let r = &d.reforms[0];
    assert_eq!(r.players, ["transfers", "microfinance"]);
    let v: Vec<Vec<Vec<(f64, f64)>>> = ["base.toml", "none.toml", "a.toml", "b.toml", "ab.toml"]
        .iter()
        .map(|f| run_values(&load(&dir, f), 2010))
        .collect();
    let (vb, v0, va, vbb, vab) = (&v[0], &v[1], &v[2], &v[3], &v[4]);
    let reps = base.replicates as usize;
    let mean = |f: &dyn Fn(usize, usize) -> f64, t: usize| {
        (0..reps).map(|i| f(i, t)).sum::<f64>() / reps as f64
    };
    for t in 0..3 {
        let year = Some(2010 + t as i32);
        let h = |x: &Vec<Vec<(f64, f64)>>, i: usize, t: usize| x[i][t].0;
        let phi_a = |i: usize, t: usize| {
            ((h(va, i, t) - h(v0, i, t)) + (h(vab, i, t) - h(vbb, i, t))) / 2.0
        };
        let phi_b = |i: usize, t: usize| {
            ((h(vbb, i, t) - h(v0, i, t)) + (h(vab, i, t) - h(va, i, t))) / 2.0
        };
        let budget_row = |i: usize, t: usize| h(v0, i, t) - h(vb, i, t);
        let got = |m: &str| r.row(m, "headcount_ratio", year).unwrap().contribution;
        assert!(close(got("transfers"), mean(&phi_a, t)), "{t}");
        assert!(close(got("microfinance"), mean(&phi_b, t)), "{t}");
        assert!(close(got("budget"), mean(&budget_row, t)), "{t}");
        // Person-years averted: the base's poor minus the coalition's.
        let p = |x: &Vec<Vec<(f64, f64)>>, i: usize, t: usize| x[i][t].1;
        let averted_a = |i: usize, t: usize| {
            ((p(v0, i, t) - p(va, i, t)) + (p(vbb, i, t) - p(vab, i, t))) / 2.0
        };
        let got = r.row("transfers", "person_years_averted", year).unwrap();
        assert!(close(got.contribution, mean(&averted_a, t)), "{t}");
    }
    // The modules did something, separately (the test can fail).
    assert!(
        r.row("transfers", "headcount_ratio", None)
            .unwrap()
            .contribution
            != 0.0
    );
    // One at a time: v({m}) − v(∅), which here does not add up.
    let o = decompose::Options::new(decompose::Method::OneAtATime);
    let d = decompose::decompose_all(&base, std::slice::from_ref(&reform), &o).unwrap();
    let r = &d.reforms[0];
    assert_eq!(r.runs_per_replicate, 4 + 1);
    let got = r
        .row("transfers", "headcount_ratio", Some(2012))
        .unwrap()
        .contribution;
    let want = mean(&|i, t| va[i][t].0 - v0[i][t].0, 2);
    assert!(close(got, want), "{got} vs {want}");
}

#[test]
fn an_unchanged_module_is_no_player_and_one_without_effect_gets_zero() {
    // Microfinance written out as the base has it; publicity present but off;
    // the same budget as the base.
    let text = r#"
extends = "base.toml"

[simulation]
name = "null"
branch_year = 2010

[interventions.transfers]
eligible = "all"

[interventions.microfinance]
budget_share = 0.4

[interventions.publicity]
enabled = false
"#;
    let dir = files("decompose-null", &[("null.toml", text)]);
    let (base, reform) = (load(&dir, "base.toml"), load(&dir, "null.toml"));
    let d = decompose::decompose_all(&base, std::slice::from_ref(&reform), &shapley()).unwrap();
    let r = &d.reforms[0];
    assert_eq!(r.players, ["transfers", "publicity"]);
    assert_eq!(r.names(), ["transfers", "publicity", "total"]);
    for row in r.rows.iter().filter(|x| x.module == "publicity") {
        assert_eq!(row.contribution, 0.0, "{row:?}");
    }
    // Transfers then carries the whole difference, which is not zero.
    let t = r.row("transfers", "headcount_ratio", None).unwrap();
    let total = r.row("total", "headcount_ratio", None).unwrap();
    assert!(close(t.contribution, total.contribution) && t.contribution != 0.0);
}

#[test]
fn shapley_weights_on_games_with_known_values() {
    // Additive game: each player's value is its own worth; a symmetric
    // game (a function of the coalition's size): equal shares. Sampled
    // orders give the additive worths exactly too, and add up.
    let worth = [3.0, -1.0, 0.5, 7.0];
    let additive = |s: u64| {
        (0..4)
            .filter(|k| s & (1 << k) != 0)
            .map(|k| worth[k])
            .sum::<f64>()
    };
    let symmetric = |s: u64| (s.count_ones() as f64).powi(3);
    let exact = shapley();
    let sampled = decompose::Options {
        exact_up_to: 2,
        permutations: 40,
        ..shapley()
    };
    for o in [exact, sampled] {
        let p = decompose::Plan::new(4, &o, 5);
        assert_eq!(p.sampled.is_some(), o.exact_up_to < 4);
        let phi = p.attribute(additive);
        for k in 0..4 {
            assert!(close(phi[k], worth[k]), "{phi:?}");
        }
        let phi = p.attribute(symmetric);
        assert!(close(phi.iter().sum::<f64>(), 64.0), "{phi:?}");
        if p.sampled.is_none() {
            assert!(phi.iter().all(|x| close(*x, 16.0)), "{phi:?}");
        }
    }
    // The exact plan visits all 16 coalitions; a 3-player interaction game
    // v = 1 only for the full coalition splits it in thirds.
    let p = decompose::Plan::new(3, &exact, 5);
    assert_eq!(p.masks.len(), 8);
    let phi = p.attribute(|s| (s == 7) as u8 as f64);
    assert!(phi.iter().all(|x| close(*x, 1.0 / 3.0)), "{phi:?}");
}

#[test]
fn coalitions_branched_from_the_shared_history_are_the_runs_from_scratch() {
    let dir = files("decompose-fork", &[]);
    let (base, reform) = (load(&dir, "base.toml"), load(&dir, "reform.toml"));
    let players = decompose::players(&base, &reform, 2010).unwrap();
    for mask in 0..(1u64 << players.len()) {
        let sc = decompose::coalition(&base, &reform, &players, mask);
        for rep in 0..2 {
            let mut history = Simulation::new(&base, rep).unwrap();
            while history.year < 2010 {
                history.step();
            }
            let mut forked = history.fork(&sc);
            let mut scratch = Simulation::new(&sc, rep).unwrap();
            for _ in 2008..2010 {
                scratch.step();
            }
            for year in 2010..=2012 {
                let (a, b) = (forked.step(), scratch.step());
                assert_eq!(
                    format!("{a:?}"),
                    format!("{b:?}"),
                    "coalition {mask}, replicate {rep}, {year}"
                );
            }
            assert_eq!(
                forked
                    .module_column("microfinance", "loan")
                    .map(|v| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>()),
                scratch
                    .module_column("microfinance", "loan")
                    .map(|v| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>())
            );
        }
    }
    // And what the decomposition runs is the same: its values are the
    // from-scratch ones.
    let coalitions: Vec<Scenario> = (0..8)
        .map(|m| decompose::coalition(&base, &reform, &players, m))
        .collect();
    let forked = decompose::values(&base, &coalitions, 2010, 1).unwrap();
    for (sc, f) in coalitions.iter().zip(&forked) {
        let s = run_values(sc, 2010);
        for (t, &(h, p)) in s[1].iter().enumerate() {
            assert_eq!(f[t][0].to_bits(), h.to_bits());
            assert_eq!(f[t][1].to_bits(), (-p).to_bits());
        }
    }
}

#[test]
fn bad_decompositions_are_one_located_line_with_exit_2_and_nothing_written() {
    let outside = reform_text().replace("[budget]", "[shocks]\nillness = 0.2\n\n[budget]");
    let other_history =
        reform_text().replace("extends = \"base.toml\"", "extends = \"base2.toml\"");
    let base2 = base_text().replace("measurement_error = 0.3", "measurement_error = 0.5");
    let later = reform_text().replace("branch_year = 2010", "branch_year = 2011");
    let dir = files(
        "decompose-bad",
        &[
            ("outside.toml", &outside),
            ("other.toml", &other_history),
            ("base2.toml", &base2),
            ("later.toml", &later),
            (
                "late.toml",
                &reform_text().replace("branch_year = 2010", "branch_year = 2030"),
            ),
        ],
    );
    let p = |f: &str| dir.join(f).to_string_lossy().into_owned();
    for (args, expect) in [
        (vec![p("base.toml"), p("outside.toml")], "shocks.illness"),
        (
            vec![p("base.toml"), p("other.toml")],
            "interventions.targeting.measurement_error",
        ),
        (
            vec![p("reform.toml"), p("later.toml")],
            "simulation.branch_year",
        ),
        (
            vec![p("base.toml"), p("late.toml")],
            "simulation.branch_year",
        ),
        // One scenario: nothing to decompose (the usage error).
        (vec![p("base.toml")], ""),
    ] {
        let out_dir = dir.join("out");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_povsim"))
            .arg("compare")
            .args(&args)
            .arg("--decompose")
            .arg("--out")
            .arg(&out_dir)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(expect), "{args:?}: {err}");
        assert!(!out_dir.exists(), "{args:?}: wrote {}", out_dir.display());
        if !expect.is_empty() {
            assert_eq!(err.trim_end().lines().count(), 1, "{err}");
            // Located: file:line:col.
            assert!(err.contains(".toml:"), "{err}");
        }
    }
}

#[test]
fn the_progress_ticks_once_per_coalition_run() {
    // Three modules differ and so does the budget: the exact Shapley value
    // needs the 2^3 coalitions and the base, 9 runs a replicate, so the
    // bar's length and its ticks are 9 x replicates.
    use std::sync::atomic::{AtomicU64, Ordering};
    let dir = files("decompose-progress", &[]);
    let (base, reform) = (load(&dir, "base.toml"), load(&dir, "reform.toml"));
    let reforms = std::slice::from_ref(&reform);
    let o = shapley();
    let n = decompose::runs(&base, reforms, &o).unwrap();
    assert_eq!(n, 9 * base.replicates as u64);
    let ticks = AtomicU64::new(0);
    let d = decompose::decompose_all_with_progress(&base, reforms, &o, &|| {
        ticks.fetch_add(1, Ordering::Relaxed);
    })
    .unwrap();
    assert_eq!(ticks.load(Ordering::Relaxed), n);
    assert_eq!(
        d.reforms[0].runs_per_replicate as u64 * base.replicates as u64,
        n
    );
}
