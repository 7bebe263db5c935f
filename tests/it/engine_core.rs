//! The core engine: reproducibility across thread counts, common random
//! numbers, conservation of people, the L County calibration.

use povsim::engine::Simulation;
use povsim::model::draw::YearDraws;
use povsim::model::household::{YearParams, return_factor, schooling_factor};
use povsim::model::state::flag;
use povsim::scenario::{Scenario, load_str};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A small scenario with the guarantee on (so the modules' streams are exercised).
pub const SMALL: &str = r#"
[simulation]
name = "small"
start_year = 2010
years = 5
seed = 7
replicates = 2
villages = 12
households = 3000

[interventions.targeting]
method = "income"

[interventions.transfers]
guarantee_line = 1500
budget = 1500000
"#;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("povsim-core-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn povsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_povsim"))
        .args(args)
        .output()
        .expect("povsim runs")
}

#[test]
fn outputs_are_byte_identical_across_thread_counts() {
    let dir = tmp("threads");
    let scen = dir.join("small.toml");
    std::fs::write(&scen, SMALL).unwrap();
    let mut runs = Vec::new();
    for threads in ["1", "2", "4"] {
        let out = dir.join(format!("t{threads}"));
        let o = povsim(&[
            "run",
            scen.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--threads",
            threads,
            "--quiet",
            "--no-charts",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        runs.push(out);
    }
    for file in [
        "trajectory.csv",
        "villages.csv",
        "income_sources.csv",
        "distribution.csv",
        "transitions.csv",
        "spending.csv",
        "targeting.csv",
    ] {
        let a = std::fs::read(runs[0].join(file)).unwrap();
        assert!(a.len() > 100, "{file} is nearly empty");
        for r in &runs[1..] {
            assert!(
                a == std::fs::read(r.join(file)).unwrap(),
                "{file} differs between 1 thread and {}",
                r.display()
            );
        }
    }
    // summary.json too, but for the timing fields.
    let strip = |p: &Path| -> serde_json::Value {
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(p.join("summary.json")).unwrap()).unwrap();
        for k in ["wall_time_s", "household_years_per_second", "threads"] {
            v.as_object_mut().unwrap().remove(k);
        }
        v
    };
    assert_eq!(strip(&runs[0]), strip(&runs[1]));
    assert_eq!(strip(&runs[0]), strip(&runs[2]));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_scenarios_with_one_seed_meet_the_same_shocks() {
    // The reform adds community verification, which draws extra numbers:
    // household shocks must not move.
    let base = load_str(Path::new("base.toml"), SMALL, &[]).unwrap();
    let reform_text = SMALL.replace(
        "method = \"income\"",
        "method = \"income\"\nverification = true\nmeasurement_error = 0.2",
    );
    let reform = load_str(Path::new("reform.toml"), &reform_text, &[]).unwrap();
    let (mut a, mut b) = (
        Simulation::new(&base, 1).unwrap(),
        Simulation::new(&reform, 1).unwrap(),
    );
    let shocks = flag::ILL | flag::CROP_LOSS;
    let mut differ_income = false;
    for _ in 0..base.years {
        let (ra, rb) = (a.step(), b.step());
        let same =
            a.hh.flags
                .iter()
                .zip(&b.hh.flags)
                .all(|(x, y)| x & shocks == y & shocks);
        assert!(same, "illness or crop-loss draws differ in {}", ra.year);
        differ_income |= ra.measures.mean_income != rb.measures.mean_income;
    }
    assert!(
        differ_income,
        "the reform changed nothing: the test would not see a broken stream design"
    );
}

#[test]
fn people_are_conserved_year_to_year() {
    let sc = load_str(Path::new("small.toml"), SMALL, &[]).unwrap();
    let mut sim = Simulation::new(&sc, 0).unwrap();
    let start: u64 = (0..sim.hh.len()).map(|i| sim.hh.members(i) as u64).sum();
    let mut prev = start as f64;
    for _ in 0..sc.years {
        let r = sim.step();
        assert_eq!(
            r.measures.population,
            prev + r.births as f64 - r.deaths as f64 - r.out_migrants as f64,
            "year {}",
            r.year
        );
        prev = r.measures.population;
    }
}

#[test]
fn a_disabled_module_changes_nothing() {
    let without = SMALL
        .split("[interventions.transfers]")
        .next()
        .unwrap()
        .to_string();
    let disabled = SMALL.replace(
        "[interventions.transfers]",
        "[interventions.transfers]\nenabled = false",
    );
    let run = |text: &str| {
        let sc = load_str(Path::new("t.toml"), text, &[]).unwrap();
        let mut rows = Vec::new();
        povsim::experiment::run_records(&sc, |r| {
            rows.push(r.trajectory_values());
            Ok(())
        })
        .unwrap();
        rows
    };
    let (a, b) = (run(&without), run(&disabled));
    assert!(
        a.iter()
            .zip(&b)
            .all(|(x, y)| x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits()))
    );
}

#[test]
fn the_guarantee_lowers_extreme_poverty() {
    let none = SMALL.replace("budget = 1500000", "budget = 0");
    let run = |text: &str| {
        let sc = load_str(Path::new("t.toml"), text, &[]).unwrap();
        let mut ext = 0.0;
        povsim::experiment::run_records(&sc, |r| {
            ext += r.measures.extreme_poor;
            Ok(())
        })
        .unwrap();
        ext
    };
    let (with, without) = (run(SMALL), run(&none));
    assert!(
        with < without,
        "extreme poor person-years with the guarantee {with}, without {without}"
    );
}

/// The calibration targets of scenarios/l_county.toml (the case study's
/// figures) hold for a run with the default seed and replicates.
#[test]
fn l_county_meets_its_calibration_targets() {
    let sc = povsim::scenario::load(
        Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/l_county.toml"
        )),
        &[],
    )
    .unwrap();
    let out = tmp("calibration");
    let res = povsim::experiment::run(
        &sc,
        &out,
        &povsim::experiment::RunOptions {
            progress: false,
            no_charts: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(res.summary.targets.len(), 7);
    let missed: Vec<String> = res
        .summary
        .targets
        .iter()
        .filter(|t| !t.met)
        .map(|t| {
            format!(
                "{} {}: target {} simulated {}",
                t.year, t.measure, t.value, t.simulated
            )
        })
        .collect();
    assert!(missed.is_empty(), "missed: {missed:#?}");
    let _ = std::fs::remove_dir_all(&out);
}

/// Checks that every household's kept factors are, bit for bit, those of
/// its schooling now at `sc`'s returns to schooling, and of its talent
/// stream at `sc`'s `return_sigma`.
fn assert_kept_factors_are_fresh(sim: &Simulation, sc: &Scenario) {
    let p = YearParams::new(sc, sc.start_year, 1.0, 0.0);
    let d = YearDraws::new(&p, &sim.streams);
    let kept = sim.kept_factors();
    assert_eq!(kept.schooling().len(), sim.hh.len());
    assert_eq!(kept.returns().len(), sim.hh.len());
    for (i, (&f, &s)) in kept.schooling().iter().zip(&sim.hh.schooling).enumerate() {
        let fresh = schooling_factor(s, p.return_schooling_low, p.return_schooling_high);
        assert_eq!(
            f.to_bits(),
            fresh.to_bits(),
            "household {i}, year {}",
            sim.year
        );
    }
    for (i, &f) in kept.returns().iter().enumerate() {
        let fresh = return_factor(&d.talent, d.normal, i as u64, p.return_sigma);
        assert_eq!(
            f.to_bits(),
            fresh.to_bits(),
            "household {i}, year {}",
            sim.year
        );
    }
}

/// Phase one keeps each household's schooling wage factor and return
/// factor between years (model/kept.rs) instead of taking two `exp`s every
/// household-year: after every year each is the one of the household's
/// schooling now, though children grow up and change their adults'
/// schooling; a fork with other returns to schooling and another
/// `return_sigma` recomputes every factor.
#[test]
fn kept_factors_are_those_of_the_household_now() {
    let sc = load_str(Path::new("small.toml"), SMALL, &[]).unwrap();
    let mut sim = Simulation::new(&sc, 0).unwrap();
    let schooling0 = sim.hh.schooling.clone();
    for _ in 0..sc.years - 1 {
        sim.step();
        assert_kept_factors_are_fresh(&sim, &sc);
    }
    let changed = (sim.hh.schooling.iter().zip(&schooling0)).filter(|(a, b)| a != b);
    assert!(changed.count() > 0, "no household's schooling changed");

    let other = format!(
        "{SMALL}\n[income]\nreturn_schooling_low = 0.05\nreturn_schooling_high = 0.2\nreturn_sigma = 0.9\n"
    );
    let other = load_str(Path::new("other.toml"), &other, &[]).unwrap();
    let mut forked = sim.fork(&other);
    let before = forked.kept_factors().clone();
    forked.step();
    assert_kept_factors_are_fresh(&forked, &other);
    let after = forked.kept_factors();
    let pairs = [
        ("schooling", after.schooling(), before.schooling()),
        ("return", after.returns(), before.returns()),
    ];
    for (name, after, before) in pairs {
        let moved = after.iter().zip(before).filter(|(a, b)| a != b).count();
        assert!(
            moved > sim.hh.len() / 2,
            "the {name} factors were not recomputed"
        );
    }
}
