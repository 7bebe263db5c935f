//! Invariants of every run, as property tests over randomly generated small
//! valid scenarios (2–10 villages, 50–600 households, 1–6 years, 1–2
//! replicates, random seeds, shock probabilities, poverty lines and, in part
//! of the cases, intervention modules with budgets, shares of a scenario-wide
//! budget, or no cap).
//!
//! Each replicate is stepped with [`povsim::engine::Simulation`], so a test
//! sees the households as well as each year's [`YearRecord`]:
//!
//! - every recorded number is finite;
//! - the measures stay in their bounds: `0 ≤ FGT2 ≤ FGT1 ≤ FGT0 ≤ 1`,
//!   `PG ≤ Sen ≤ H`, Watts, Theil ≥ 0, Atkinson in [0, 1), the Gini in
//!   [0, 1). Per-capita incomes can be negative in povsim (about 4 years in
//!   10 have some, at most 2% of people, down to about −16,000 yuan), and
//!   with negative incomes a Gini may exceed 1 by definition (see
//!   `povsim::measures`); a county run never comes near (below 0.5 in every
//!   case seen), so a Gini ≥ 1 is treated as a fault. The bottom-40 share is
//!   checked against [0, 0.4] only when no income is negative;
//! - the recorded measures are those of the households' incomes;
//! - the headcount never falls when the poverty line rises. The line is not a
//!   pure measuring stick in povsim: subsistence consumption is a share of it,
//!   and targeting and transfers use it, so two runs at two lines have
//!   different incomes and comparing them would test behaviour, not the
//!   measure. The honest property is on one run: the same year's incomes,
//!   measured at the line and at 0.8, 1.2, 1.5 and 2 times it;
//! - people are conserved: population(t) = population(t−1) + births − deaths
//!   − out-migrants, from the population drawn before the first year, and the
//!   villages' populations add up to the total (relocation moves people, it
//!   does not lose them);
//! - money: every module spends between 0 and its budget, every year, and
//!   the cash households received from transfers is at most what the ledger
//!   says was spent and at most the budget; loans
//!   are conserved (outstanding at the end = at the start + disbursed −
//!   repaid − defaulted, carried to the next year; defaults = guarantee fund
//!   + bank loss).

use std::path::Path;

use povsim::engine::Simulation;
use povsim::measures::{Measures, Obs};
use povsim::recorder::YearRecord;
use povsim::scenario::{Scenario, load_str};
use proptest::prelude::*;
use proptest::test_runner::Config;

/// How a module is funded.
#[derive(Clone, Debug)]
enum Funding {
    Uncapped,
    Budget(f64),
    Indexed(f64, f64),
    Share,
}

#[derive(Clone, Debug)]
struct Params {
    villages: u32,
    households: u32,
    years: u32,
    replicates: u32,
    seed: u64,
    start_year: i32,
    illness: f64,
    crop_loss: f64,
    job_loss: f64,
    price_sd: f64,
    line: f64,
    line_index: f64,
    extreme_share: f64,
    subsistence_share: f64,
    /// (module name, funding) for each enabled module.
    modules: Vec<(&'static str, Funding)>,
    total_budget: f64,
    method: &'static str,
    eligible_all: bool,
}

impl Params {
    fn toml(&self) -> String {
        let mut s = format!(
            "[simulation]\nname = \"prop\"\nstart_year = {}\nyears = {}\nseed = {}\nreplicates = {}\nvillages = {}\nhouseholds = {}\n\n\
             [poverty_lines]\nlow_income = {{ values = {{ {} = {} }}, index = {} }}\nextreme = {{ values = {{ {} = {} }}, index = {} }}\n\n\
             [shocks]\nillness = {}\ncrop_loss = {}\njob_loss = {}\nprice_sd = {}\n\n\
             [behaviour]\nsubsistence_share = {}\n",
            self.start_year,
            self.years,
            self.seed,
            self.replicates,
            self.villages,
            self.households,
            self.start_year,
            self.line,
            self.line_index,
            // The same index: the extreme line stays a share of the line in
            // every year (a higher one is refused).
            self.start_year,
            self.line * self.extreme_share,
            self.line_index,
            self.illness,
            self.crop_loss,
            self.job_loss,
            self.price_sd,
            self.subsistence_share,
        );
        let shares = self
            .modules
            .iter()
            .filter(|(_, f)| matches!(f, Funding::Share))
            .count();
        if shares > 0 {
            s += &format!("\n[budget]\ntotal = {}\n", self.total_budget);
        }
        for (name, funding) in &self.modules {
            s += &format!("\n[interventions.{name}]\n");
            match funding {
                Funding::Uncapped => {}
                Funding::Budget(b) => s += &format!("budget = {b}\n"),
                Funding::Indexed(b, i) => {
                    s += &format!(
                        "budget = {{ values = {{ {} = {b} }}, index = {i} }}\n",
                        self.start_year
                    )
                }
                Funding::Share => s += &format!("budget_share = {}\n", 1.0 / shares as f64),
            }
            if *name == "targeting" {
                s += &format!("method = \"{}\"\n", self.method);
            }
            if *name == "transfers" && self.eligible_all {
                s += "eligible = \"all\"\n";
            }
        }
        s
    }
}

fn funding() -> impl Strategy<Value = Funding> {
    prop_oneof![
        Just(Funding::Uncapped),
        Just(Funding::Budget(0.0)),
        (0.0f64..2e6).prop_map(Funding::Budget),
        (1e3f64..2e6, -0.2f64..0.5).prop_map(|(b, i)| Funding::Indexed(b, i)),
        Just(Funding::Share),
    ]
}

fn params(all_modules: bool) -> impl Strategy<Value = Params> {
    let names: Vec<&'static str> = if all_modules {
        povsim::interventions::ORDER.to_vec()
    } else {
        vec!["targeting", "transfers"]
    };
    let n = names.len();
    let modules = proptest::collection::vec((any::<bool>(), funding()), n).prop_map(move |v| {
        names
            .iter()
            .zip(v)
            .filter(|(_, (on, _))| *on)
            // Only targeting and transfers work without a budget.
            .map(|(name, (_, f))| match f {
                Funding::Uncapped if !["targeting", "transfers"].contains(name) => {
                    (*name, Funding::Budget(5e4))
                }
                f => (*name, f),
            })
            .collect::<Vec<_>>()
    });
    (
        (
            2u32..=10,
            50u32..=600,
            1u32..=6,
            1u32..=2,
            any::<u64>(),
            2000i32..2030,
        ),
        (0.0f64..0.5, 0.0f64..0.5, 0.0f64..0.5, 0.0f64..0.3),
        (300.0f64..8000.0, -0.05f64..0.2, 0.1f64..0.9, 0.0f64..2.0),
        (modules, 1e4f64..5e6),
        (
            prop_oneof![
                Just("income"),
                Just("proxy_means"),
                Just("multidimensional")
            ],
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (villages, households, years, replicates, seed, start_year),
                (illness, crop_loss, job_loss, price_sd),
                (line, line_index, extreme_share, subsistence_share),
                (modules, total_budget),
                (method, eligible_all),
            )| {
                // eligible = "all" needs a budget to spread.
                let eligible_all = eligible_all
                    && modules
                        .iter()
                        .any(|(n, f)| *n == "transfers" && !matches!(f, Funding::Uncapped));
                Params {
                    villages,
                    households,
                    years,
                    replicates,
                    seed: seed >> 1,
                    start_year,
                    illness,
                    crop_loss,
                    job_loss,
                    price_sd,
                    line: line.round(),
                    line_index,
                    extreme_share,
                    subsistence_share,
                    modules,
                    total_budget,
                    method,
                    eligible_all,
                }
            },
        )
}

fn scenario(p: &Params) -> Result<Scenario, TestCaseError> {
    load_str(Path::new("prop.toml"), &p.toml(), &[]).map_err(|e| {
        TestCaseError::fail(format!(
            "a generated valid scenario was refused: {e}\n{}",
            p.toml()
        ))
    })
}

/// The living households' (per-capita income, members).
fn incomes(sim: &Simulation) -> Vec<Obs> {
    (0..sim.hh.len())
        .filter(|&i| sim.hh.members(i) > 0)
        .map(|i| Obs {
            income: sim.hh.income_pc[i] as f64,
            weight: sim.hh.members(i) as f64,
        })
        .collect()
}

fn people(sim: &Simulation) -> u64 {
    (0..sim.hh.len()).map(|i| sim.hh.members(i) as u64).sum()
}

const EPS: f64 = 1e-12;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn check_bounds(what: &str, m: &Measures, any_negative: bool) -> Result<(), TestCaseError> {
    let (h, pg, sev) = (m.headcount_ratio, m.poverty_gap, m.poverty_severity);
    prop_assert!(
        -EPS <= sev && sev <= pg + EPS && pg <= h + EPS && h <= 1.0 + EPS,
        "{what}: expected 0 ≤ FGT2 ≤ FGT1 ≤ FGT0 ≤ 1, got {sev}, {pg}, {h}"
    );
    prop_assert!(
        pg - EPS <= m.sen && m.sen <= h + EPS,
        "{what}: expected PG ≤ Sen ≤ H, got {pg} ≤ {} ≤ {h}",
        m.sen
    );
    prop_assert!(m.watts >= 0.0, "{what}: Watts {} < 0", m.watts);
    prop_assert!(m.theil >= -EPS, "{what}: Theil {} < 0", m.theil);
    prop_assert!(
        (-EPS..1.0).contains(&m.atkinson1),
        "{what}: Atkinson {} outside [0, 1)",
        m.atkinson1
    );
    prop_assert!(
        m.gini >= -EPS && m.gini < 1.0,
        "{what}: Gini {} outside [0, 1)",
        m.gini
    );
    if !any_negative {
        prop_assert!(
            (-EPS..=0.4 + EPS).contains(&m.bottom40_share),
            "{what}: bottom-40 share {} outside [0, 0.4]",
            m.bottom40_share
        );
    }
    prop_assert!(
        m.poor <= m.population && m.extreme_poor <= m.population,
        "{what}: more poor than people"
    );
    Ok(())
}

fn check_finite(what: &str, r: &YearRecord) -> Result<(), TestCaseError> {
    for v in r.trajectory_values() {
        prop_assert!(v.is_finite(), "{what}: trajectory value {v}");
    }
    let m = &r.measures;
    for v in [m.atkinson1, m.bottom40_share, m.theil, m.median_income] {
        prop_assert!(v.is_finite(), "{what}: measure {v}");
    }
    for v in r.sources_all.iter().chain(&r.sources_poor) {
        prop_assert!(v.is_finite(), "{what}: income source {v}");
    }
    for (k, v) in r.villages.iter().enumerate() {
        prop_assert!(
            v.income.is_finite() && v.remoteness.is_finite(),
            "{what}: village {k}: {v:?}"
        );
    }
    for (lo, hi, people) in r.distribution.iter().flatten() {
        prop_assert!(
            lo.is_finite() && hi.is_finite() && people.is_finite(),
            "{what}: histogram bin"
        );
    }
    for t in &r.ledger.targeting {
        prop_assert!(
            t.inclusion_error.is_finite() && t.exclusion_error.is_finite(),
            "{what}: {t:?}"
        );
        prop_assert!(
            (0.0..=1.0).contains(&t.inclusion_error) && (0.0..=1.0).contains(&t.exclusion_error),
            "{what}: targeting errors outside [0, 1]: {t:?}"
        );
    }
    Ok(())
}

fn check_money(
    what: &str,
    r: &YearRecord,
    loans_before: &mut Option<f64>,
) -> Result<(), TestCaseError> {
    for s in &r.ledger.spending {
        prop_assert!(
            s.spent.is_finite() && s.spent >= 0.0,
            "{what}: {} spent {}",
            s.module,
            s.spent
        );
        if let Some(b) = s.budget {
            prop_assert!(b.is_finite() && b >= 0.0, "{what}: {} budget {b}", s.module);
            prop_assert!(
                s.spent <= b * (1.0 + 1e-9) + 1e-6,
                "{what}: {} spent {} of a budget of {b}",
                s.module,
                s.spent
            );
        }
        prop_assert!(
            s.beneficiary_people >= s.beneficiary_households,
            "{what}: {}: fewer beneficiary people than households",
            s.module
        );
    }
    if let Some(l) = &r.ledger.loans {
        let vals = [
            l.outstanding_start,
            l.disbursed,
            l.repaid,
            l.defaulted,
            l.outstanding_end,
            l.guarantee_paid,
            l.bank_loss,
            l.interest_subsidy,
        ];
        prop_assert!(
            vals.iter().all(|v| v.is_finite() && *v >= -1e-6),
            "{what}: loans {l:?}"
        );
        let tol = 1e-6 * (l.outstanding_start + l.disbursed).max(1.0) + 0.01;
        prop_assert!(
            (l.outstanding_start + l.disbursed - l.repaid - l.defaulted - l.outstanding_end).abs()
                <= tol,
            "{what}: loans not conserved: {l:?}"
        );
        prop_assert!(
            (l.defaulted - l.guarantee_paid - l.bank_loss).abs() <= tol,
            "{what}: defaults ≠ guarantee fund + bank loss: {l:?}"
        );
        if let Some(before) = *loans_before {
            prop_assert!(
                (l.outstanding_start - before).abs() <= tol,
                "{what}: outstanding at the start {} ≠ at the end of last year {before}",
                l.outstanding_start
            );
        }
        *loans_before = Some(l.outstanding_end);
    }
    Ok(())
}

/// Runs every replicate of `p` and checks every invariant; returns the
/// number of replicate-years checked.
fn check_run(p: &Params) -> Result<u64, TestCaseError> {
    let sc = scenario(p)?;
    let mut checked = 0;
    for rep in 0..sc.replicates {
        let mut sim = Simulation::new(&sc, rep).unwrap();
        let mut population = people(&sim) as f64;
        let mut loans_before = None;
        for _ in 0..sc.years {
            let r = sim.step();
            let what = format!("replicate {rep}, year {}", r.year);
            check_finite(&what, &r)?;

            let mut obs = incomes(&sim);
            let any_negative = obs.iter().any(|o| o.income < 0.0);
            let m = &r.measures;
            check_bounds(&what, m, any_negative)?;

            // The record measures the households' incomes.
            let again = Measures::compute(&mut obs, r.line, r.extreme_line);
            for (name, a, b) in [
                ("population", m.population, again.population),
                ("poor", m.poor, again.poor),
                ("headcount", m.headcount_ratio, again.headcount_ratio),
                ("gap", m.poverty_gap, again.poverty_gap),
                ("severity", m.poverty_severity, again.poverty_severity),
                ("gini", m.gini, again.gini),
                ("mean", m.mean_income, again.mean_income),
                ("extreme poor", m.extreme_poor, again.extreme_poor),
            ] {
                prop_assert!(close(a, b), "{what}: recorded {name} {a}, recomputed {b}");
            }

            // A higher line never means fewer poor (the same incomes).
            let mut prev = Measures::compute(&mut obs, r.line * 0.8, 0.0);
            for f in [1.0, 1.2, 1.5, 2.0] {
                let at = Measures::compute(&mut obs, r.line * f, 0.0);
                check_bounds(&format!("{what}, line × {f}"), &at, any_negative)?;
                prop_assert!(
                    at.headcount_ratio >= prev.headcount_ratio && at.poor >= prev.poor,
                    "{what}: headcount fell from {} to {} as the line rose to × {f}",
                    prev.headcount_ratio,
                    at.headcount_ratio
                );
                prop_assert!(
                    at.poverty_gap >= prev.poverty_gap - EPS
                        && at.poverty_severity >= prev.poverty_severity - EPS
                        && at.watts >= prev.watts - EPS,
                    "{what}: a poverty measure fell as the line rose to × {f}"
                );
                prev = at;
            }
            prop_assert!(
                r.extreme_line > r.line || m.extreme_poor <= m.poor,
                "{what}: more extreme poor ({}) than poor ({}) under a lower line",
                m.extreme_poor,
                m.poor
            );

            // People are conserved.
            let expected = population + r.births as f64 - r.deaths as f64 - r.out_migrants as f64;
            prop_assert_eq!(
                m.population,
                expected,
                "{}: population {} ≠ {} + {} births − {} deaths − {} out-migrants",
                what,
                m.population,
                population,
                r.births,
                r.deaths,
                r.out_migrants
            );
            prop_assert_eq!(m.population, people(&sim) as f64);
            let in_villages: u64 = r.villages.iter().map(|v| v.population).sum();
            prop_assert_eq!(
                in_villages as f64,
                m.population,
                "{}: the villages hold {} people, the county {}",
                what,
                in_villages,
                m.population
            );
            let living = (0..sim.hh.len()).filter(|&i| sim.hh.members(i) > 0).count();
            prop_assert_eq!(r.households, living as u64);
            population = m.population;

            check_money(&what, &r, &mut loans_before)?;
            // Modules report `spent.min(budget)`, so the ledger cannot show an
            // overspend; the money households actually received (only
            // transfers pay cash, into `received`) is an independent check.
            let paid: f64 = (0..sim.hh.len())
                .filter(|&i| sim.hh.members(i) > 0)
                .map(|i| sim.hh.received[i] as f64)
                .sum();
            match r.ledger.spending.iter().find(|s| s.module == "transfers") {
                Some(t) => {
                    let slack = 1e-5 * paid + 1.0;
                    prop_assert!(
                        paid <= t.spent + slack,
                        "{}: households received {} in transfers, the ledger says {} was spent",
                        what,
                        paid,
                        t.spent
                    );
                    if let Some(b) = t.budget {
                        prop_assert!(
                            paid <= b + slack,
                            "{}: households received {} in transfers on a budget of {}",
                            what,
                            paid,
                            b
                        );
                    }
                }
                None => prop_assert_eq!(paid, 0.0, "{}: cash paid without transfers", what),
            }
            checked += 1;
        }
    }
    Ok(checked)
}

/// Cases per property (the whole file runs in well under 90 s in release mode).
const CASES: u32 = 1000;

proptest! {
    #![proptest_config(Config { cases: CASES, failure_persistence: None, ..Config::default() })]

    /// Baseline model, with targeting and transfers in about half the cases.
    #[test]
    fn invariants_hold_with_targeting_and_transfers(p in params(false)) {
        check_run(&p)?;
    }

    /// Any subset of every module povsim has, each funded at random.
    #[test]
    fn invariants_hold_with_any_modules(p in params(true)) {
        check_run(&p)?;
    }
}

/// The generator makes what it promises (and a run is checked at all).
#[test]
fn generated_scenarios_load_and_run() {
    let p = Params {
        villages: 3,
        households: 120,
        years: 3,
        replicates: 2,
        seed: 7,
        start_year: 2008,
        illness: 0.1,
        crop_loss: 0.1,
        job_loss: 0.1,
        price_sd: 0.1,
        line: 2300.0,
        line_index: 0.045,
        extreme_share: 0.5,
        subsistence_share: 0.8,
        modules: vec![
            ("targeting", Funding::Uncapped),
            ("transfers", Funding::Share),
        ],
        total_budget: 1e5,
        method: "income",
        eligible_all: false,
    };
    let checked = check_run(&p).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(checked, 6);
}
