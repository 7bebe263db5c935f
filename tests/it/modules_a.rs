//! Education, tourism, relocation and microfinance: each moves its target
//! outcome the expected way against the baseline under common random numbers
//! (same seed, module off vs on), budgets hold, the loan identity holds, and
//! a disabled module changes nothing.
//!
//! Scenarios are small (20 villages, 3,000 households, 6 years) and differ
//! from their baseline only in the module under test; every comparison is
//! against that baseline, never against hard-coded numbers.

use povsim::engine::Simulation;
use povsim::model::state::{Households, flag};
use povsim::recorder::YearRecord;
use povsim::scenario::{Scenario, load_str};
use proptest::prelude::*;
use std::path::Path;

/// The baseline: a small county with identification (so there is a register).
const BASE: &str = r#"
[simulation]
name = "modules_a"
start_year = 2014
years = 6
seed = 7
replicates = 1
villages = 20
households = 3000

[interventions.targeting]
method = "income"
measurement_error = 0.35
"#;

fn scenario_from(base: &str, extra: &str) -> Scenario {
    let text = format!("{base}\n{extra}");
    load_str(Path::new("test.toml"), &text, &[]).unwrap_or_else(|e| panic!("scenario: {e}"))
}

/// The baseline with `extra` appended (tests/it/credit.rs uses it too).
pub(super) fn scenario(extra: &str) -> Scenario {
    scenario_from(BASE, extra)
}

/// Run replicate 0, calling `f` after every year with the simulation's state.
fn run(sc: &Scenario, mut f: impl FnMut(&Simulation, &YearRecord)) -> Vec<YearRecord> {
    let mut sim = Simulation::new(sc, 0).unwrap();
    let mut out = Vec::new();
    for _ in 0..sc.years {
        let r = sim.step();
        f(&sim, &r);
        out.push(r);
    }
    out
}

/// Run and keep a copy of the household state after every year.
fn run_states(sc: &Scenario) -> (Vec<YearRecord>, Vec<Households>, Simulation<'_>) {
    let mut sim = Simulation::new(sc, 0).unwrap();
    let (mut recs, mut states) = (Vec::new(), Vec::new());
    for _ in 0..sc.years {
        recs.push(sim.step());
        states.push(sim.hh.clone());
    }
    (recs, states, sim)
}

/// Every module's spending stays within its budget, every year.
fn assert_budgets_hold(records: &[YearRecord]) {
    for r in records {
        for row in &r.ledger.spending {
            assert!(
                row.spent >= 0.0,
                "{} {}: spent {}",
                r.year,
                row.module,
                row.spent
            );
            if let Some(b) = row.budget {
                assert!(
                    row.spent <= b * (1.0 + 1e-9) + 1e-6,
                    "{} {}: spent {} > budget {b}",
                    r.year,
                    row.module,
                    row.spent
                );
            }
        }
    }
}

pub(super) fn spend<'a>(r: &'a YearRecord, module: &str) -> &'a povsim::interventions::SpendRow {
    r.ledger
        .spending
        .iter()
        .find(|s| s.module == module)
        .unwrap_or_else(|| panic!("no {module} row in {}", r.year))
}

/// Sum over the years and over the households in `set` of `x(state, i)`.
fn sum_over(states: &[Households], set: &[bool], x: impl Fn(&Households, usize) -> f32) -> f64 {
    states
        .iter()
        .map(|h| {
            (0..h.len())
                .filter(|&i| set[i] && h.members(i) > 0)
                .map(|i| x(h, i) as f64)
                .sum::<f64>()
        })
        .sum()
}

// --- Education ---------------------------------------------------------------

#[test]
fn training_raises_wage_income_of_trainees() {
    let off = scenario("");
    let on = scenario(
        r#"
[interventions.education]
budget = 1500000
schools_share = 0
subsidy_share = 0
remote_share = 0
training_share = 1
training_capacity = 400
"#,
    );
    let (_, s_off, _) = run_states(&off);
    let (r_on, s_on, _) = run_states(&on);
    assert_budgets_hold(&r_on);
    let last = s_on.len() - 1;
    // Skill changes only through training: the trainees are the households whose skill rose.
    let trainee: Vec<bool> = (0..s_on[last].len())
        .map(|i| s_on[last].skill[i] > s_off[last].skill[i] + 1e-6)
        .collect();
    let n = trainee.iter().filter(|t| **t).count();
    assert!(n > 50, "only {n} trainee households");
    let trained: u64 = r_on
        .iter()
        .map(|r| spend(r, "education").beneficiary_households)
        .sum();
    assert!(
        trained as usize >= n,
        "{trained} beneficiaries for {n} trainees"
    );
    for r in &r_on {
        let row = spend(r, "education");
        // at most the capacity a year (households of up to 6 adults)
        assert!(
            row.beneficiary_households <= 400,
            "{}: {}",
            r.year,
            row.beneficiary_households
        );
    }
    let w_off = sum_over(&s_off, &trainee, |h, i| h.wage[i]);
    let w_on = sum_over(&s_on, &trainee, |h, i| h.wage[i]);
    let m_off = sum_over(&s_off, &trainee, |h, i| h.migrant[i]);
    let m_on = sum_over(&s_on, &trainee, |h, i| h.migrant[i]);
    eprintln!(
        "training: {n} households; trainees' wage income {w_off:.0} → {w_on:.0} (+{:.1}%), migrant {m_off:.0} → {m_on:.0}",
        100.0 * (w_on / w_off - 1.0)
    );
    assert!(
        w_on > w_off * 1.02,
        "wage income of trainees {w_off} → {w_on}"
    );
    assert!(
        m_on >= m_off,
        "migrant earnings of trainees {m_off} → {m_on}"
    );
    // Households never trained keep their skill.
    for (i, &t) in trainee.iter().enumerate() {
        if !t {
            assert_eq!(s_on[last].skill[i], s_off[last].skill[i]);
        }
    }
}

#[test]
fn student_subsidies_raise_childrens_schooling() {
    let off = scenario("");
    let on = scenario(
        r#"
[interventions.education]
budget = 2000000
schools_share = 0
subsidy_share = 1
remote_share = 0
training_share = 0
"#,
    );
    let (_, s_off, _) = run_states(&off);
    let (r_on, s_on, _) = run_states(&on);
    assert_budgets_hold(&r_on);
    let reached: u64 = r_on
        .iter()
        .map(|r| spend(r, "education").beneficiary_households)
        .sum();
    assert!(reached > 0);
    // Households registered at some point (the only ones offered the subsidy).
    let n = s_on[0].len();
    let reg: Vec<bool> = (0..n)
        .map(|i| s_on.iter().any(|h| h.flags[i] & flag::REGISTERED != 0))
        .collect();
    let last = s_on.len() - 1;
    let mean = |h: &Households| {
        let (mut s, mut k) = (0.0f64, 0usize);
        for (i, &r) in reg.iter().enumerate() {
            if r && h.children[i] > 0 {
                s += h.child_schooling[i] as f64;
                k += 1;
            }
        }
        s / k.max(1) as f64
    };
    let (a, b) = (mean(&s_off[last]), mean(&s_on[last]));
    eprintln!(
        "student subsidies: children's schooling track of registered households {a:.3} → {b:.3} years"
    );
    assert!(b > a + 0.05, "schooling track {a} → {b}");
    // No child anywhere has a lower track than in the baseline in the first year (only additions).
    for i in 0..n {
        assert!(
            s_on[0].child_schooling[i] >= s_off[0].child_schooling[i] - 1e-5,
            "household {i}"
        );
    }
}

#[test]
fn school_rebuilding_raises_the_worst_schools_first() {
    let off = scenario("");
    let on = scenario(
        r#"
[interventions.education]
budget = 3000000
schools_share = 1
subsidy_share = 0
remote_share = 0
training_share = 0
school_cost = 1000000
villages_per_school = 1
schools_per_year = 2
rebuilt_quality = 0.8
"#,
    );
    let mut q0 = Vec::new();
    run(&off, |sim, _| {
        if q0.is_empty() {
            q0 = sim.villages.school_quality.clone();
        }
    });
    let (r_on, s_on, sim_on) = run_states(&on);
    assert_budgets_hold(&r_on);
    let q1 = &sim_on.villages.school_quality;
    let rebuilt: Vec<usize> = (0..q0.len()).filter(|&v| q1[v] > q0[v] + 1e-6).collect();
    // Two schools a year (budget for three), six years: twelve villages, the worst first.
    assert_eq!(
        rebuilt.len(),
        12.min(q0.iter().filter(|q| **q < 0.8).count())
    );
    let worst_kept = (0..q0.len())
        .filter(|v| !rebuilt.contains(v))
        .map(|v| q0[v])
        .fold(f32::INFINITY, f32::min);
    for &v in &rebuilt {
        assert!(
            q0[v] <= worst_kept,
            "village {v} ({}) rebuilt before one at {worst_kept}",
            q0[v]
        );
        assert!((q1[v] - 0.8).abs() < 1e-6);
    }
    for r in &r_on {
        assert!(spend(r, "education").spent <= 2_000_000.0 + 1e-6);
    }
    // Children in rebuilt villages are on a higher schooling track.
    let (_, s_off, _) = run_states(&off);
    let last = s_on.len() - 1;
    let in_rebuilt: Vec<bool> = (0..s_on[last].len())
        .map(|i| rebuilt.contains(&(s_on[last].village[i] as usize)) && s_on[last].children[i] > 0)
        .collect();
    let a = sum_over(&s_off[last..], &in_rebuilt, |h, i| h.child_schooling[i]);
    let b = sum_over(&s_on[last..], &in_rebuilt, |h, i| h.child_schooling[i]);
    eprintln!(
        "schools: {} villages rebuilt; children's track there {a:.0} → {b:.0} (sum of years)",
        rebuilt.len()
    );
    assert!(b > a, "{a} → {b}");
}

#[test]
fn flood_irrigation_spreads_school_money_evenly() {
    let on = scenario(
        r#"
[interventions.education]
eligible = "all"
budget = 1000000
schools_share = 1
subsidy_share = 0
remote_share = 0
training_share = 0
school_cost = 1000000
villages_per_school = 1
"#,
    );
    let mut sim = Simulation::new(&on, 0).unwrap();
    let q0 = sim.villages.school_quality.clone();
    let r = sim.step();
    assert_budgets_hold(std::slice::from_ref(&r));
    let q1 = &sim.villages.school_quality;
    let fr: Vec<f32> = (0..q0.len())
        .filter(|&v| q0[v] < 0.8)
        .map(|v| (q1[v] - q0[v]) / (0.8 - q0[v]))
        .collect();
    assert!(fr.len() > 3);
    for f in &fr {
        assert!((f - fr[0]).abs() < 1e-4 && *f > 0.0 && *f < 1.0, "{fr:?}");
    }
}

// --- Tourism -----------------------------------------------------------------

const TOURISM: &str = r#"
[interventions.tourism]
budget = 4000000
potential_threshold = 0.25
"#;

#[test]
fn tourism_raises_tourism_income_in_developed_villages() {
    let off = scenario("");
    let on = scenario(TOURISM);
    let (_, s_off, _) = run_states(&off);
    let (r_on, s_on, sim_on) = run_states(&on);
    assert_budgets_hold(&r_on);
    let developed: Vec<bool> = sim_on
        .villages
        .tourism_capacity
        .iter()
        .map(|c| *c > 0.0)
        .collect();
    let nd = developed.iter().filter(|d| **d).count();
    assert!(nd > 0, "no village developed");
    let last = s_on.len() - 1;
    let n = s_on[last].len();
    let in_dev: Vec<bool> = (0..n)
        .map(|i| developed[s_on[last].village[i] as usize])
        .collect();
    let t_off = sum_over(&s_off[last..], &in_dev, |h, i| h.tourism[i]);
    let t_on = sum_over(&s_on[last..], &in_dev, |h, i| h.tourism[i]);
    // Registered households that hold shares earn from tourism.
    let holders: Vec<bool> = (0..n).map(|i| s_on[last].shares[i] > 0.0).collect();
    let nh = holders.iter().filter(|h| **h).count();
    let h_on = sum_over(&s_on[last..], &holders, |h, i| h.tourism[i]);
    let inc_off = sum_over(&s_off[last..], &holders, |h, i| {
        h.income_pc[i] * h.members(i) as f32
    });
    let inc_on = sum_over(&s_on[last..], &holders, |h, i| {
        h.income_pc[i] * h.members(i) as f32
    });
    eprintln!(
        "tourism: {nd} villages developed; their tourism income {t_off:.0} → {t_on:.0} yuan in the last year; \
         {nh} shareholding households earn {h_on:.0}, their income {inc_off:.0} → {inc_on:.0}"
    );
    assert!(t_on > t_off, "{t_off} → {t_on}");
    assert!(nh > 0 && h_on > 0.0);
    assert!(inc_on > inc_off, "{inc_off} → {inc_on}");
    // Nobody outside the developed villages earns from tourism.
    for (i, &d) in in_dev.iter().enumerate() {
        if !d {
            assert_eq!(s_on[last].tourism[i], 0.0);
        }
    }
    assert!(
        r_on.iter()
            .any(|r| spend(r, "tourism").registered_poor_beneficiaries > 0)
    );
}

#[test]
fn tourism_benefits_depend_on_skills() {
    // The same programme with and without a human-capital effect of service training.
    let with = scenario(TOURISM);
    let without = scenario(&format!("{TOURISM}training_gain = 0\n"));
    let (_, s_with, sim_with) = run_states(&with);
    let (_, s_without, _) = run_states(&without);
    let last = s_with.len() - 1;
    let n = s_with[last].len();
    let dev: Vec<bool> = (0..n)
        .map(|i| sim_with.villages.tourism_capacity[s_with[last].village[i] as usize] > 0.0)
        .collect();
    // Tourism work goes only to households at or above the skill threshold.
    for i in 0..n {
        let h = &s_without[last];
        if h.skill[i] < 0.3 && h.shares[i] == 0.0 {
            assert_eq!(
                h.tourism[i], 0.0,
                "household {i} below the threshold earns from tourism"
            );
        }
    }
    let a = sum_over(&s_without, &dev, |h, i| h.tourism[i]);
    let b = sum_over(&s_with, &dev, |h, i| h.tourism[i]);
    eprintln!(
        "tourism: service training raises tourism income in developed villages {a:.0} → {b:.0}"
    );
    assert!(b > a, "{a} → {b}");
}

// --- Relocation --------------------------------------------------------------

#[test]
fn relocation_moves_income_from_farm_to_wages_and_conserves_people() {
    let off = scenario("");
    let on = scenario(
        r#"
[interventions.relocation]
budget = 20000000
remoteness_threshold = 0.5
max_households = 60
"#,
    );
    let (r_off, s_off, _) = run_states(&off);
    let (r_on, s_on, _) = run_states(&on);
    assert_budgets_hold(&r_on);
    let n = s_on[0].len();
    let last = s_on.len() - 1;
    let mover: Vec<bool> = (0..n)
        .map(|i| s_on[last].flags[i] & flag::RELOCATED != 0)
        .collect();
    let nm = mover.iter().filter(|m| **m).count();
    assert!(nm > 20, "only {nm} movers");
    // Compare the movers in the last year: moved since at least a year by then for most.
    let f_off = sum_over(&s_off[last..], &mover, |h, i| h.farm[i]);
    let f_on = sum_over(&s_on[last..], &mover, |h, i| h.farm[i]);
    let w_off = sum_over(&s_off[last..], &mover, |h, i| h.wage[i]);
    let w_on = sum_over(&s_on[last..], &mover, |h, i| h.wage[i]);
    eprintln!(
        "relocation: {nm} households moved; their farm income {f_off:.0} → {f_on:.0} ({:.0}%), wage income {w_off:.0} → {w_on:.0} (+{:.0}%)",
        100.0 * (f_on / f_off - 1.0),
        100.0 * (w_on / w_off - 1.0)
    );
    assert!(f_on < f_off * 0.5, "farm income of movers {f_off} → {f_on}");
    assert!(w_on > w_off, "wage income of movers {w_off} → {w_on}");
    // At most max_households a year; a move never loses a member.
    let mut prev: Option<&Households> = None;
    for (r, h) in r_on.iter().zip(&s_on) {
        let row = spend(r, "relocation");
        assert!(row.beneficiary_households <= 60);
        let newly: u64 = (0..n)
            .filter(|&i| {
                h.flags[i] & flag::RELOCATED != 0
                    && prev.is_none_or(|p| p.flags[i] & flag::RELOCATED == 0)
            })
            .map(|i| h.members(i) as u64)
            .sum();
        let out: u64 = r.villages.iter().map(|v| v.relocated_out).sum();
        assert_eq!(
            out, newly,
            "{}: relocated_out vs members of the households moved",
            r.year
        );
        assert_eq!(out, row.beneficiary_people, "{}", r.year);
        assert!(r.villages.iter().all(|v| v.relocated_in == 0));
        prev = Some(h);
    }
    // The first year's population is the baseline's (moves conserve people), and the
    // demographic accounting holds every year.
    assert_eq!(r_on[0].measures.population, r_off[0].measures.population);
    for w in r_on.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        assert_eq!(
            b.measures.population,
            a.measures.population + b.births as f64 - b.deaths as f64 - b.out_migrants as f64,
            "{}",
            b.year
        );
    }
    // Full subsidy for the registered: moves add no debt.
    let d_off = sum_over(&s_off[..1], &mover, |h, i| h.debt[i]);
    let d_on = sum_over(&s_on[..1], &mover, |h, i| h.debt[i]);
    assert!(
        d_on <= d_off + 1e-3 * (1.0 + d_off),
        "debt {d_off} → {d_on}"
    );
}

#[test]
fn unsubsidised_relocation_becomes_household_debt() {
    let text = r#"
[interventions.relocation]
budget = 20000000
remoteness_threshold = 0.5
subsidy = 0.6
"#;
    let on = scenario(text);
    let off = scenario("");
    let (mut a, mut b) = (
        Simulation::new(&off, 0).unwrap(),
        Simulation::new(&on, 0).unwrap(),
    );
    a.step();
    let r = b.step();
    let row = spend(&r, "relocation");
    assert!(row.beneficiary_households > 0);
    assert!(
        (row.spent - 0.6 * 62_500.0 * row.beneficiary_people as f64).abs() < 1.0,
        "{}",
        row.spent
    );
    let added: f64 = (0..b.hh.len())
        .filter(|&i| b.hh.flags[i] & flag::RELOCATED != 0)
        .map(|i| (b.hh.debt[i] - a.hh.debt[i]) as f64)
        .sum();
    // The unsubsidised cost becomes debt (phase two repays some of it the same year).
    let own = 0.4 * 62_500.0 * row.beneficiary_people as f64;
    eprintln!("relocation with subsidy 0.6: movers' debt +{added:.0} for an own share of {own:.0}");
    assert!(added > 0.5 * own && added <= 1.05 * own, "{added} vs {own}");
}

// --- Microfinance ------------------------------------------------------------

const LOANS: &str = r#"
[interventions.microfinance]
budget = 300000
"#;

fn assert_loan_identity(records: &[YearRecord]) -> (f64, f64, f64, f64) {
    let (mut out, mut rep, mut def) = (0.0, 0.0, 0.0);
    let mut prev_end = 0.0;
    for r in records {
        let l = r
            .ledger
            .loans
            .unwrap_or_else(|| panic!("{}: no loan row", r.year));
        let tol = 1e-6 * (1.0 + l.outstanding_start + l.disbursed);
        assert!(
            (l.outstanding_start - prev_end).abs() < tol,
            "{}: start {} vs last end {prev_end}",
            r.year,
            l.outstanding_start
        );
        assert!(
            (l.outstanding_end - (l.outstanding_start + l.disbursed - l.repaid - l.defaulted))
                .abs()
                < tol,
            "{}: {l:?}",
            r.year
        );
        let row = spend(r, "microfinance");
        assert!(
            (row.spent - (l.interest_subsidy + l.guarantee_paid)).abs() < 1e-6 * (1.0 + row.spent),
            "{}: {l:?} {row:?}",
            r.year
        );
        out += l.disbursed;
        rep += l.repaid;
        def += l.defaulted;
        prev_end = l.outstanding_end;
    }
    assert!(
        (out - (rep + def + prev_end)).abs() < 1e-6 * (1.0 + out),
        "loans out {out} vs repaid {rep} + defaulted {def} + outstanding {prev_end}"
    );
    (out, rep, def, prev_end)
}

#[test]
fn loans_raise_enterprise_income_default_sometimes_and_balance() {
    let off = scenario("");
    let on = scenario(LOANS);
    let (_, s_off, _) = run_states(&off);
    // The loans are the module's own column: read it after every year.
    let (mut r_on, mut s_on, mut loans) = (Vec::new(), Vec::new(), Vec::new());
    let mut sim = Simulation::new(&on, 0).unwrap();
    for _ in 0..on.years {
        r_on.push(sim.step());
        s_on.push(sim.hh.clone());
        loans.push(
            sim.module_column("microfinance", "loan")
                .expect("the loan column"),
        );
    }
    assert_budgets_hold(&r_on);
    let (out, rep, def, end) = assert_loan_identity(&r_on);
    let outstanding: f64 = loans[loans.len() - 1].iter().map(|l| *l as f64).sum();
    assert!((outstanding - end).abs() < 1e-3 * (1.0 + end));
    let n = s_on[0].len();
    // Borrowers: households holding a loan at the end of some year.
    let borrower: Vec<bool> = (0..n).map(|i| loans.iter().any(|l| l[i] > 0.0)).collect();
    let nb = borrower.iter().filter(|b| **b).count();
    let defaults: u64 = r_on
        .iter()
        .map(|r| r.ledger.loans.map_or(0, |l| l.defaults))
        .sum();
    let e_off = sum_over(&s_off, &borrower, |h, i| h.enterprise[i]);
    let e_on = sum_over(&s_on, &borrower, |h, i| h.enterprise[i]);
    let spent: f64 = r_on.iter().map(|r| spend(r, "microfinance").spent).sum();
    eprintln!(
        "microfinance: {nb} borrowers, loans out {out:.0} = repaid {rep:.0} + defaulted {def:.0} ({defaults} defaults) + outstanding {end:.0}; \
         borrowers' enterprise income {e_off:.0} → {e_on:.0} (+{:.0}%); budget spent {spent:.0}",
        100.0 * (e_on / e_off - 1.0)
    );
    assert!(nb > 50, "only {nb} borrowers");
    assert!(defaults > 0 && def > 0.0, "no defaults");
    assert!(def < 0.5 * out, "defaults {def} of {out}");
    assert!(rep > 0.0);
    assert!(
        e_on > e_off * 1.1,
        "enterprise income of borrowers {e_off} → {e_on}"
    );
    // Lending stays within the leverage ceiling.
    for r in &r_on {
        let l = r.ledger.loans.unwrap();
        assert!(
            l.outstanding_end <= 10.0 * 300_000.0 + 1.0,
            "{}: {}",
            r.year,
            l.outstanding_end
        );
    }
}

#[test]
fn loans_are_serviced_to_term_after_lending_ends() {
    let on = scenario(&format!("{LOANS}end_year = 2015\n"));
    let recs = run(&on, |_, _| {});
    assert_loan_identity(&recs);
    for r in &recs {
        let l = r.ledger.loans.unwrap();
        if r.year > 2015 {
            assert_eq!(l.disbursed, 0.0, "{}: lending after end_year", r.year);
        }
    }
    let later: f64 = recs
        .iter()
        .filter(|r| r.year > 2015)
        .map(|r| r.ledger.loans.unwrap().repaid)
        .sum();
    assert!(later > 0.0, "no repayments after lending ended");
    // Three-year loans made by 2015 are all settled by the end of 2018.
    let l2018 = recs
        .iter()
        .find(|r| r.year == 2018)
        .unwrap()
        .ledger
        .loans
        .unwrap();
    assert_eq!(l2018.outstanding_end, 0.0);
}

// --- Every module ------------------------------------------------------------

#[test]
fn disabled_modules_change_nothing() {
    let plain = scenario("");
    let disabled = scenario(
        r#"
[interventions.education]
enabled = false
budget = 1000000
[interventions.tourism]
enabled = false
budget = 1000000
potential_threshold = 0.1
[interventions.relocation]
enabled = false
budget = 1000000
remoteness_threshold = 0.2
[interventions.microfinance]
enabled = false
budget = 1000000
"#,
    );
    let a = run(&plain, |_, _| {});
    let b = run(&disabled, |_, _| {});
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            x.trajectory_values().map(f64::to_bits),
            y.trajectory_values().map(f64::to_bits),
            "{}",
            x.year
        );
        assert_eq!(x.sources_all, y.sources_all);
        assert_eq!(x.sources_poor, y.sources_poor);
        assert_eq!(x.villages, y.villages);
        assert_eq!(x.ledger.spending, y.ledger.spending);
        assert_eq!(x.ledger.targeting, y.ledger.targeting);
        assert!(y.ledger.loans.is_none() && y.ledger.relocations.is_empty());
    }
}

#[test]
fn bad_values_are_rejected_with_their_key() {
    for (extra, key) in [
        (
            "[interventions.education]\nschools_share = 0.8\n",
            "interventions.education.schools_share",
        ),
        (
            "[interventions.education]\ntraining_gain = 1.5\n",
            "interventions.education.training_gain",
        ),
        (
            "[interventions.tourism]\ncapacity_cost = 0\n",
            "interventions.tourism.capacity_cost",
        ),
        (
            "[interventions.relocation]\nsubsidy = 1.2\n",
            "interventions.relocation.subsidy",
        ),
        (
            "[interventions.relocation]\nmax_households = -1\n",
            "interventions.relocation.max_households",
        ),
        (
            "[interventions.microfinance]\nterm = 0\n",
            "interventions.microfinance.term",
        ),
        (
            "[interventions.microfinance]\nbudget = -5\n",
            "interventions.microfinance.budget",
        ),
    ] {
        let text = format!("{BASE}\n{extra}");
        let err = load_str(Path::new("test.toml"), &text, &[])
            .expect_err(extra)
            .to_string();
        assert!(err.contains(key), "{extra}: {err}");
    }
}

/// A tiny county for the property tests.
const TINY: &str = r#"
[simulation]
name = "modules_a_tiny"
start_year = 2014
years = 4
seed = 3
replicates = 1
villages = 6
households = 600

[interventions.targeting]
method = "income"
"#;

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever the module, budget and eligibility, spending never exceeds the budget.
    #[test]
    fn budgets_hold_for_every_module(module in 0usize..4, budget in 0.0f64..3e6, all in any::<bool>(), seed in 0u64..1000) {
        let elig = if all { "all" } else { "registered" };
        let section = match module {
            0 => format!("[interventions.education]\nbudget = {budget}\neligible = \"{elig}\"\nschool_cost = 300000\n"),
            1 => format!("[interventions.tourism]\nbudget = {budget}\neligible = \"{elig}\"\npotential_threshold = 0.2\n"),
            2 => format!("[interventions.relocation]\nbudget = {budget}\neligible = \"{elig}\"\nremoteness_threshold = 0.4\nsubsidy_other = 0.7\n"),
            _ => format!("[interventions.microfinance]\nbudget = {budget}\neligible = \"{elig}\"\n"),
        };
        let base = TINY.replace("seed = 3", &format!("seed = {seed}"));
        let sc = scenario_from(&base, &section);
        let recs = run(&sc, |_, _| {});
        assert_budgets_hold(&recs);
        if module == 3 {
            assert_loan_identity(&recs);
        }
    }
}
