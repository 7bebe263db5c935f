//! Issue 21, part C: the income composition of the poor. Casual day labour
//! (`income.casual_days`, `income.casual_rate`, docs/MODEL.md "Casual day
//! labour"), work in old age (`income.elderly_casual_rate`, "Work in old
//! age") and part-year jobs (`income.job_share_min`, "Part-year jobs")
//! against the same county without them (same seed: common random
//! numbers): off they are the model before, byte for byte; on, each
//! household earns what the equations allow, the draws agree with their
//! probabilities, and the poor's wage share rises while their farm share
//! falls. The small county is tests/it/modules_a.rs's baseline.

use super::modules_a::scenario;
use povsim::engine::Simulation;
use povsim::model::state::{Households, Villages, flag};
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

/// The casual workers of one household: its wage over one worker's pay
/// (days x day wage) must be a whole number k, at most `n` (the people who
/// could look); returns k and adds its binomial(n, p) expectation and
/// variance to `tally`, with p = rate x (0.4 + 0.6 access) x health.
fn count_casual_workers(
    hh: &Households,
    v: &Villages,
    i: usize,
    n: u8,
    (days, wage, rate): (f32, f32, f64),
    tally: &mut BinomialTally,
) {
    let k = hh.wage[i] / (days * wage);
    assert!(
        (k - k.round()).abs() < 1e-4 && k.round() <= n as f32,
        "household {i}: wage {} is not a whole number (at most {n}) of casual workers",
        hh.wage[i]
    );
    let access = v.access(hh.village[i] as usize) as f64;
    let p = rate * (0.4 + 0.6 * access) * hh.health[i] as f64;
    tally.workers += k.round() as f64;
    tally.expected += n as f64 * p;
    tally.variance += n as f64 * p * (1.0 - p);
    tally.households += 1;
}

/// Workers counted against their binomial expectation over the county.
#[derive(Default)]
struct BinomialTally {
    workers: f64,
    expected: f64,
    variance: f64,
    households: usize,
}

impl BinomialTally {
    /// The count is within 4 standard deviations of its expectation, over
    /// at least `min` households.
    fn check(&self, min: usize) {
        assert!(
            self.households > min,
            "only {} households checked",
            self.households
        );
        let z = (self.workers - self.expected) / self.variance.sqrt();
        assert!(
            z.abs() < 4.0,
            "{} casual workers, expected {:.0} (z = {z:.2})",
            self.workers,
            self.expected
        );
    }
}

#[test]
fn no_casual_days_is_the_model_before_byte_for_byte() {
    let (before, hh_before) = run(&scenario(""));
    let (off, hh_off) = run(&scenario(
        "[income]\ncasual_days = 0\ncasual_rate = 0.3\nelderly_casual_rate = 0\njob_share_min = 1\nwork_health = 0\n\
         casual_wage = { values = { 2008 = 70 }, index = 0.2 }\n",
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
    // so a household's wage is its casual labour alone: a whole number k of
    // casual workers, 0 <= k <= adults, each paid days x day wage; and k is
    // binomial(adults, rate x (0.4 + 0.6 access) x health), so its sum over
    // households is within a few standard deviations of its expectation.
    let base = "[income]\nlocal_job_rate = 0\nmigration_propensity = 0\nmigration_schooling = 0\n";
    let (days, wage, rate) = (40.0f32, 60.0f32, 0.7f64);
    let sc = scenario(&format!(
        "{base}casual_days = {days}\ncasual_rate = {rate}\n\
         casual_wage = {{ values = {{ 2014 = {wage} }}, index = 0.0 }}\n"
    ));
    let mut sim = Simulation::new(&sc, 0).unwrap();
    sim.step();
    let (hh, v) = (&sim.hh, &sim.villages);
    let mut tally = BinomialTally::default();
    for i in 0..hh.len() {
        if hh.members(i) == 0 || hh.flags[i] & (flag::ILL | flag::RELOCATED) != 0 {
            continue; // illness takes a share of the work: checked by the direction test
        }
        assert_eq!(hh.migrants[i], 0);
        count_casual_workers(hh, v, i, hh.adults[i], (days, wage, rate), &mut tally);
    }
    tally.check(1000);
}

#[test]
fn part_year_jobs_pay_a_share_of_the_year_between_the_minimum_and_one() {
    // The same households with full-year and part-year jobs (common random
    // numbers: the jobs are drawn before the share): in the first year each
    // household's wage is the full-year wage times a share in [min, 1],
    // uniform, so the mean share is (1 + min) / 2; a part-year worker gives
    // the farm less time, so farm income never falls.
    let min = 0.2f32;
    let (_, full) = run(&scenario("[income]\nmigration_propensity = 0\n"));
    let (_, part) = run(&scenario(&format!(
        "[income]\nmigration_propensity = 0\njob_share_min = {min}\n"
    )));
    let (mut sum, mut n) = (0.0f64, 0usize);
    for i in 0..full.len() {
        if full.members(i) == 0 || full.wage[i] <= 0.0 {
            assert_eq!(part.wage[i], full.wage[i], "household {i}");
            continue;
        }
        let share = part.wage[i] / full.wage[i];
        assert!(
            share >= min - 1e-5 && share <= 1.0 + 1e-5,
            "household {i}: share {share}"
        );
        assert!(part.farm[i] >= full.farm[i] - 1e-3, "household {i}");
        sum += share as f64;
        n += 1;
    }
    assert!(n > 1000, "only {n} households with a job");
    // A uniform on [0.2, 1] has mean 0.6 and sd 0.23: 4 standard errors.
    let mean = sum / n as f64;
    let se = (0.8f64 * 0.8 / 12.0).sqrt() / (n as f64).sqrt();
    assert!(
        (mean - 0.6).abs() < 4.0 * se,
        "mean share {mean:.4} over {n} households"
    );
}

#[test]
fn part_year_jobs_raise_the_poors_wage_share() {
    // Working households with short jobs fall below the line with their
    // wages: the poor's wage share rises, the headcount too.
    let (full, _) = run(&scenario(""));
    let (part, _) = run(&scenario("[income]\njob_share_min = 0.2\n"));
    for (a, b) in full.iter().zip(&part) {
        let (ws_a, ws_b) = (
            a.value("poor_wage_share").unwrap(),
            b.value("poor_wage_share").unwrap(),
        );
        assert!(ws_b > ws_a, "{}: {ws_a} -> {ws_b}", a.year);
        assert!(b.value("headcount_ratio") > a.value("headcount_ratio"));
    }
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
        // Clearly in the first year (before the policies react), and every year.
        let margin = if a.year == off[0].year { 0.05 } else { 0.0 };
        assert!(ws_b > ws_a + margin, "{}: {ws_a} -> {ws_b}", a.year);
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

#[test]
fn the_poors_income_shares_are_their_sources_over_their_income() {
    // trajectory.csv's shares against the means by source, computed here:
    // wages and salaries (local wages + migrant earnings), net business
    // (farm + enterprise), and the rest (tourism, transfers) add up to 1.
    let (recs, _) = run(&scenario("[income]\ncasual_days = 30\n"));
    for r in &recs {
        let s = r.sources_poor;
        let total: f64 = s.iter().sum();
        assert!(total > 0.0, "{}: the poor have no income", r.year);
        let wages = (s[1] + s[2]) / total;
        let business = (s[0] + s[3]) / total;
        let rest = (s[4] + s[5]) / total;
        let got_w = r.value("poor_wage_share").unwrap();
        let got_b = r.value("poor_business_share").unwrap();
        assert!(
            (got_w - wages).abs() < 1e-12,
            "{}: {got_w} vs {wages}",
            r.year
        );
        assert!(
            (got_b - business).abs() < 1e-12,
            "{}: {got_b} vs {business}",
            r.year
        );
        assert!((got_w + got_b + rest - 1.0).abs() < 1e-12);
    }
}

#[test]
fn poor_health_keeps_people_from_work_and_only_them() {
    // Work capacity min(1, health / work_health)^2 (docs/MODEL.md, "Health
    // and work"): in the first year a household at or above work_health
    // works exactly as without it; below it, migration (drawn first, from
    // the same uniforms at a lower threshold) can only fall, and the group's
    // earnings from work fall, so more of its people are poor.
    let wh = 0.8f32;
    let (_, off) = run(&scenario(""));
    let (_, on) = run(&scenario(&format!("[income]\nwork_health = {wh}\n")));
    let (mut same, mut low) = (0, 0);
    let (mut earn_off, mut earn_on) = (0.0f64, 0.0f64);
    let (mut poor_off, mut poor_on) = (0u32, 0u32);
    for i in 0..off.len() {
        if off.members(i) == 0 {
            continue;
        }
        assert_eq!(off.health[i], on.health[i], "household {i}");
        if off.health[i] >= wh {
            assert_eq!(on.wage[i], off.wage[i], "household {i}");
            assert_eq!(on.migrant[i], off.migrant[i], "household {i}");
            assert_eq!(on.farm[i], off.farm[i], "household {i}");
            same += 1;
        } else {
            assert!(on.migrants[i] <= off.migrants[i], "household {i}");
            earn_off += (off.wage[i] + off.migrant[i] + off.farm[i]) as f64;
            earn_on += (on.wage[i] + on.migrant[i] + on.farm[i]) as f64;
            poor_off += (off.flags[i] & flag::POOR != 0) as u32;
            poor_on += (on.flags[i] & flag::POOR != 0) as u32;
            low += 1;
        }
    }
    assert!(same > 500 && low > 300, "{same} at or above, {low} below");
    assert!(
        earn_on < 0.95 * earn_off,
        "earnings {earn_off:.0} -> {earn_on:.0}"
    );
    assert!(
        poor_on > poor_off,
        "poor households {poor_off} -> {poor_on}"
    );
}

#[test]
fn work_in_old_age_pays_the_elderly_what_the_equation_says() {
    // "Work in old age": with no regular jobs, no migration and no casual
    // work for the adults, a household's wage is its elderly's casual work
    // alone: a whole number k of elderly workers, 0 <= k <= elderly, each
    // paid days x day wage, with k binomial(elderly, rate x (0.4 + 0.6
    // access) x health); a household without elderly earns no wage. The
    // draw comes last, so farming is what it was without it (common random
    // numbers; slack-season work takes no farm labour).
    let base = "[income]\nlocal_job_rate = 0\nmigration_propensity = 0\nmigration_schooling = 0\n\
                casual_rate = 0\n";
    let (days, wage, rate) = (50.0f32, 60.0f32, 0.6f64);
    let casual = format!(
        "casual_days = {days}\ncasual_wage = {{ values = {{ 2014 = {wage} }}, index = 0.0 }}\n"
    );
    let (_, off) = run(&scenario(&format!("{base}{casual}")));
    let sc = scenario(&format!("{base}{casual}elderly_casual_rate = {rate}\n"));
    let mut sim = Simulation::new(&sc, 0).unwrap();
    sim.step();
    let (hh, v) = (&sim.hh, &sim.villages);
    let mut tally = BinomialTally::default();
    for i in 0..hh.len() {
        if hh.members(i) == 0 {
            continue;
        }
        assert_eq!(off.wage[i], 0.0, "household {i}");
        assert_eq!(hh.farm[i], off.farm[i], "household {i}");
        if hh.elderly[i] == 0 {
            assert_eq!(hh.wage[i], 0.0, "household {i}");
            continue;
        }
        if hh.flags[i] & (flag::ILL | flag::RELOCATED) != 0 {
            continue; // illness takes a share of the work
        }
        count_casual_workers(hh, v, i, hh.elderly[i], (days, wage, rate), &mut tally);
    }
    tally.check(300);
}

#[test]
fn work_in_old_age_raises_the_poors_wage_share_and_lowers_the_elderly_poor() {
    // On, households with elderly members earn a wage the model did not pay
    // them before (the elderly-only ones none at all), so in the first year
    // no household earns less and fewer of them are poor; the poor's wage
    // share rises every year.
    let casual = "[income]\ncasual_days = 40\n";
    let (off, hh_off) = run(&scenario(casual));
    let (on, hh_on) = run(&scenario(&format!("{casual}elderly_casual_rate = 0.5\n")));
    for (a, b) in off.iter().zip(&on) {
        let (ws_a, ws_b) = (
            a.value("poor_wage_share").unwrap(),
            b.value("poor_wage_share").unwrap(),
        );
        assert!(ws_b > ws_a, "{}: {ws_a} -> {ws_b}", a.year);
    }
    let (mut poor_off, mut poor_on, mut with_elderly) = (0u32, 0u32, 0u32);
    for i in 0..hh_off.len() {
        if hh_off.members(i) == 0 {
            continue;
        }
        assert!(hh_on.wage[i] >= hh_off.wage[i], "household {i}");
        if hh_off.elderly[i] > 0 {
            with_elderly += 1;
            poor_off += (hh_off.flags[i] & flag::POOR != 0) as u32;
            poor_on += (hh_on.flags[i] & flag::POOR != 0) as u32;
        }
    }
    assert!(
        with_elderly > 300,
        "only {with_elderly} households with elderly"
    );
    assert!(
        poor_on < poor_off,
        "poor households with elderly {poor_off} -> {poor_on}"
    );
}
