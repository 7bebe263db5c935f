//! A shared history (`experiment::history`): a run forked from it gives
//! every year's row and the final state of a run from scratch, bit for bit,
//! for any scenario that shares the history; a scenario that does not share
//! it starts from scratch.

use super::branch::{BASE, BRANCH};
use super::fixtures::temp_dir;
use povsim::engine::Simulation;
use povsim::experiment::history::{self, Row, SharedHistory, Start};
use povsim::scenario::{self, Scenario};
use std::path::{Path, PathBuf};

fn files(tag: &str) -> PathBuf {
    let dir = temp_dir(tag);
    std::fs::write(dir.join("base.toml"), BASE).unwrap();
    std::fs::write(dir.join("branch.toml"), BRANCH).unwrap();
    dir
}

/// The fixture's files in a fresh directory, and its branched scenario.
fn branched(tag: &str) -> (PathBuf, Scenario) {
    let dir = files(tag);
    let branch = load(&dir, "branch.toml", &[]);
    (dir, branch)
}

fn load(dir: &Path, name: &str, sets: &[&str]) -> Scenario {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    scenario::load(&dir.join(name), &sets).unwrap()
}

/// Every year's row and spending and the last year's incomes, as bits.
type Run = (Vec<Vec<u64>>, Vec<u64>, Vec<u32>);

fn bits(rows: &[Row]) -> Vec<Vec<u64>> {
    rows.iter()
        .map(|r| r.iter().map(|v| v.to_bits()).collect())
        .collect()
}

fn finish(
    Start {
        mut rows,
        mut spent,
        mut sim,
    }: Start<'_>,
    sc: &Scenario,
) -> Run {
    while sim.year <= sc.end_year() {
        let r = sim.step();
        rows.push(r.trajectory_values());
        spent.push(r.ledger.spending.iter().map(|m| m.spent).sum());
    }
    let incomes = sim.hh.income_pc.iter().map(|v| v.to_bits()).collect();
    let spent = spent.iter().map(|v: &f64| v.to_bits()).collect();
    (bits(&rows), spent, incomes)
}

fn from_scratch(sc: &Scenario, rep: u32) -> Run {
    let sim = Simulation::new(sc, rep).unwrap();
    finish(
        Start {
            rows: Vec::new(),
            spent: Vec::new(),
            sim,
        },
        sc,
    )
}

#[test]
fn a_fork_of_the_shared_history_is_a_run_from_scratch_bit_for_bit() {
    let (dir, branch) = branched("history-fork");
    // The package's own keys only: the history is the same.
    let variant = load(
        &dir,
        "branch.toml",
        &[
            "budget.total=1500000",
            "interventions.transfers.budget_share=0.6",
            "interventions.infrastructure.budget_share=0.1",
        ],
    );
    let h = SharedHistory::run(&branch)
        .unwrap()
        .expect("a shared history");
    assert_eq!(h.year(), 2010);
    for rep in 0..branch.replicates {
        for sc in [&branch, &variant] {
            assert!(h.shared_by(sc, rep), "{} shares the history", sc.name);
            let start = history::start(Some(&h), sc, rep).unwrap();
            assert_eq!(start.rows.len(), 2, "forked after 2008 and 2009");
            assert_eq!(start.sim.year, 2010);
            assert_eq!(
                finish(start, sc),
                from_scratch(sc, rep),
                "{} {rep}",
                sc.name
            );
        }
        // The variant's own settings act in the fork: its rows differ from
        // the branch's after the branch year, not before.
        let (a, b) = (from_scratch(&branch, rep).0, from_scratch(&variant, rep).0);
        assert_eq!(a[..2], b[..2]);
        assert_ne!(a[2..], b[2..]);
    }
}

#[test]
fn a_scenario_with_another_history_starts_from_scratch() {
    let (dir, branch) = branched("history-other");
    let h = SharedHistory::run(&branch)
        .unwrap()
        .expect("a shared history");
    // The unbranched base runs the history's settings every year: it shares it.
    let base = scenario::load(&dir.join("base.toml"), &[]).unwrap();
    let others = [
        load(&dir, "branch.toml", &["simulation.seed=8"]),
        load(
            &dir,
            "base.toml",
            &["interventions.targeting.measurement_error=0.5"],
        ),
        load(&dir, "base.toml", &["simulation.households=500"]),
    ];
    for rep in 0..2 {
        assert!(h.shared_by(&base, rep));
        let start = history::start(Some(&h), &base, rep).unwrap();
        assert_eq!(start.rows.len(), 2);
        assert_eq!(finish(start, &base), from_scratch(&base, rep));
        for sc in &others {
            assert!(!h.shared_by(sc, rep), "{}", sc.name);
            let start = history::start(Some(&h), sc, rep).unwrap();
            assert!(start.rows.is_empty());
            assert_eq!(finish(start, sc), from_scratch(sc, rep));
        }
    }
    // A replicate the history did not run.
    assert!(!h.shared_by(&branch, branch.replicates));
    // An unbranched scenario has no history to share.
    assert!(SharedHistory::run(&base).unwrap().is_none());
}

/// The first year's and the last year's incomes of a run from scratch, and
/// its persons poor each year.
fn incomes(sc: &Scenario, rep: u32, first_after: i32) -> (Vec<f32>, Vec<f32>, Vec<f64>) {
    let poor = povsim::recorder::TRAJECTORY_COLUMNS
        .iter()
        .position(|c| *c == "poor")
        .unwrap();
    let mut sim = Simulation::new(sc, rep).unwrap();
    let (mut first, mut persons) = (Vec::new(), Vec::new());
    while sim.year <= sc.end_year() {
        let year = sim.year;
        persons.push(sim.step().trajectory_values()[poor]);
        if year == first_after {
            first = sim.hh.income_pc.clone();
        }
    }
    (first, sim.hh.income_pc.clone(), persons)
}

#[test]
fn a_comparison_forked_from_the_history_is_the_comparison_run_from_scratch() {
    let (dir, branch) = branched("history-compare");
    let variant = load(
        &dir,
        "branch.toml",
        &["interventions.transfers.eligible=\"registered\""],
    );
    let c = povsim::experiment::compare::compare(&branch, std::slice::from_ref(&variant)).unwrap();
    assert_eq!(c.from_year, 2010);
    let r = &c.reforms[0];
    // By hand from runs from scratch: person-years averted from 2010 on, and
    // the deciles of the incomes before 2010 (households alive at the end
    // in either run), with who is better off or worse off by half a yuan.
    let (mut averted, mut acc) = (0.0, [(0u64, 0u64, 0u64, 0.0f64); 10]);
    for rep in 0..branch.replicates {
        let (first, last_b, poor_b) = incomes(&branch, rep, 2009);
        let (_, last_r, poor_r) = incomes(&variant, rep, 2009);
        averted += (2..poor_b.len())
            .map(|t| poor_b[t] - poor_r[t])
            .sum::<f64>();
        let mut order: Vec<usize> = (0..first.len())
            .filter(|&i| last_b[i] != 0.0 || last_r[i] != 0.0)
            .collect();
        order.sort_by(|&x, &y| first[x].total_cmp(&first[y]).then(x.cmp(&y)));
        for (rank, &i) in order.iter().enumerate() {
            let change = (last_r[i] - last_b[i]) as f64;
            let a = &mut acc[(rank * 10 / order.len()).min(9)];
            a.0 += 1;
            a.1 += (change > 0.5) as u64;
            a.2 += (change < -0.5) as u64;
            a.3 += change;
        }
    }
    let averted = averted / branch.replicates as f64;
    assert!((r.person_years_averted.mean - averted).abs() <= 1e-9 * averted.abs().max(1.0));
    for (d, a) in r.deciles.iter().zip(acc) {
        let n = a.0 as f64;
        assert_eq!(d.better_off, a.1 as f64 / n, "decile {}", d.decile);
        assert_eq!(d.worse_off, a.2 as f64 / n, "decile {}", d.decile);
        assert!((d.mean_change - a.3 / n).abs() <= 1e-6 * (a.3 / n).abs().max(1.0));
    }
    // The reform moves someone: the deciles are not all zero.
    assert!(r.deciles.iter().any(|d| d.better_off + d.worse_off > 0.0));
}

#[test]
fn a_sweep_point_forked_from_the_history_is_its_row_from_scratch() {
    use povsim::experiment::sweep::run_item;
    let (dir, branch) = branched("history-sweep");
    let h = SharedHistory::run(&branch)
        .unwrap()
        .expect("a shared history");
    let point = load(
        &dir,
        "branch.toml",
        &["interventions.transfers.budget_share=0.2"],
    );
    for rep in 0..branch.replicates {
        assert!(h.shared_by(&point, rep));
        let forked = run_item(Some(&h), &point, 3, rep).unwrap().unwrap();
        let scratch = run_item(None, &point, 3, rep).unwrap().unwrap();
        // Debug prints every f64 exactly (shortest round trip).
        assert_eq!(format!("{forked:?}"), format!("{scratch:?}"));
        assert_eq!(forked.years.len(), 6);
        // The history spent money: its years' spending is carried over.
        assert!(forked.values[6] > 0.0 && forked.years[0].1[5] > 0.0);
    }
}
