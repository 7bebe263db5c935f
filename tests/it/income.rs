//! Issue 21, part C: the income composition of the poor. Casual day labour
//! (`income.casual_days`, docs/MODEL.md "Casual day labour") against the
//! same county without it (same seed: common random numbers): off it is the
//! model before, byte for byte; on, each household earns the hand-computed
//! amount, and the poor's wage share rises while their farm share falls.
//! The small county is tests/it/modules_a.rs's baseline.

use super::modules_a::scenario;
use povsim::engine::Simulation;
use povsim::model::state::{Households, flag};
use povsim::recorder::YearRecord;
use povsim::scenario::Scenario;

/// Replicate 0: every year's record and trajectory, and the households
/// after the first year.
fn run(sc: &Scenario) -> (Vec<YearRecord>, Households) {
    let mut sim = Simulation::new(sc, 0).unwrap();
    let mut recs = vec![sim.step()];
    let first = sim.hh.clone();
    for _ in 1..sc.years {
        recs.push(sim.step());
    }
    (recs, first)
}

/// Share of source `k` (0 farm, 1 local wages, 2 migrant) in the poor's income.
fn poor_share(r: &YearRecord, k: usize) -> f64 {
    r.sources_poor[k] / r.sources_poor.iter().sum::<f64>()
}

#[test]
fn no_casual_days_is_the_model_before_byte_for_byte() {
    let (before, hh_before) = run(&scenario(""));
    let (off, hh_off) = run(&scenario(
        "[income]\ncasual_days = 0\ncasual_wage = { values = { 2008 = 70 }, index = 0.2 }\n",
    ));
    for (a, b) in before.iter().zip(&off) {
        let (va, vb) = (a.trajectory_values(), b.trajectory_values());
        assert!(
            va.iter().zip(&vb).all(|(x, y)| x.to_bits() == y.to_bits()),
            "{}: {va:?} != {vb:?}",
            a.year
        );
        assert_eq!(a.sources_all, b.sources_all);
        assert_eq!(a.sources_poor, b.sources_poor);
    }
    assert_eq!(hh_before.wage, hh_off.wage);
    assert_eq!(hh_before.income_pc, hh_off.income_pc);
}

#[test]
fn casual_days_pay_the_idle_adults_what_the_equation_says() {
    // No regular local jobs and no migration: every adult at home is idle,
    // so a household's wage is its casual labour alone.
    let base = "[income]\nlocal_job_rate = 0\nmigration_propensity = 0\nmigration_schooling = 0\n";
    let (days, wage) = (40.0f32, 60.0f32);
    let sc = scenario(&format!(
        "{base}casual_days = {days}\ncasual_wage = {{ values = {{ 2014 = {wage} }}, index = 0.0 }}\n"
    ));
    let mut sim = Simulation::new(&sc, 0).unwrap();
    sim.step();
    let (hh, v) = (&sim.hh, &sim.villages);
    let mut checked = 0;
    for i in 0..hh.len() {
        if hh.members(i) == 0 || hh.flags[i] & (flag::ILL | flag::RELOCATED) != 0 {
            continue; // illness takes a share of the work: checked by the direction test
        }
        assert_eq!(hh.migrants[i], 0);
        let access = v.access(hh.village[i] as usize);
        let expect = hh.adults[i] as f32 * days * (0.4 + 0.6 * access) * hh.health[i] * wage;
        let got = hh.wage[i];
        assert!(
            (got - expect).abs() <= 1e-4 * expect.max(1.0),
            "household {i}: wage {got}, expected {expect}"
        );
        checked += 1;
    }
    assert!(checked > 1000, "only {checked} households checked");
}

#[test]
fn casual_labour_raises_the_poors_wage_share_and_lowers_their_farm_share() {
    let (off, hh_off) = run(&scenario(""));
    let (on, hh_on) = run(&scenario("[income]\ncasual_days = 60\n"));
    for (a, b) in off.iter().zip(&on) {
        let (ws_a, ws_b) = (
            a.value("poor_wage_share").unwrap(),
            b.value("poor_wage_share").unwrap(),
        );
        eprintln!(
            "{}: poor's wage share {ws_a:.3} -> {ws_b:.3}, farm share {:.3} -> {:.3}; headcount {:.4} -> {:.4}",
            a.year,
            poor_share(a, 0),
            poor_share(b, 0),
            a.value("headcount_ratio").unwrap(),
            b.value("headcount_ratio").unwrap()
        );
        assert!(ws_b > ws_a + 0.05, "{}: {ws_a} -> {ws_b}", a.year);
        assert!(poor_share(b, 0) < poor_share(a, 0), "{}", a.year);
        assert!(b.value("headcount_ratio") < a.value("headcount_ratio"));
    }
    // The first year, before any policy has reacted: casual work adds to
    // wages and leaves farming and migration alone; a household with no
    // adult at home (no one to do it) earns exactly what it did.
    let (mut more, mut alone) = (0, 0);
    for i in 0..hh_off.len() {
        if hh_off.members(i) == 0 {
            continue;
        }
        assert_eq!(hh_on.farm[i], hh_off.farm[i], "household {i}");
        assert_eq!(hh_on.migrant[i], hh_off.migrant[i], "household {i}");
        assert!(hh_on.wage[i] >= hh_off.wage[i], "household {i}");
        if hh_off.adults[i] == hh_off.migrants[i] {
            assert_eq!(hh_on.wage[i], hh_off.wage[i], "household {i}");
            alone += 1;
        } else if hh_on.wage[i] > hh_off.wage[i] {
            more += 1;
        }
    }
    assert!(
        alone > 0 && more > 1000,
        "{alone} without adults at home, {more} earning more"
    );
}
