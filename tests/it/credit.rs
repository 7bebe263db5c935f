//! Issue 21, part B: heterogeneous returns, the learning period, pooled
//! loans and rescheduling in microfinance; the income measure; and the
//! programmes added (health poverty alleviation, public-welfare jobs,
//! labour export). Each mechanism is compared with the same scenario
//! without it (same seed: common random numbers), and each goes the way the
//! evidence says; the loan book's default rate and the borrowers' return
//! are checked against the ranges docs/MODEL.md cites. The small county is
//! tests/it/modules_a.rs's baseline (2014–2019, a register).

use super::modules_a::{scenario, spend};
use povsim::engine::Simulation;
use povsim::interventions::microfinance::LoanRow;
use povsim::model::draw::NormalTable;
use povsim::model::household::return_factor;
use povsim::model::state::{Households, flag};
use povsim::recorder::YearRecord;
use povsim::rng::{Streams, sub};
use povsim::scenario::{Scenario, load};
use std::path::Path;

/// Run replicate 0: every year's record and the households after it.
fn run(sc: &Scenario) -> (Vec<YearRecord>, Vec<Households>) {
    let mut sim = Simulation::new(sc, 0).unwrap();
    let (mut recs, mut states) = (Vec::new(), Vec::new());
    for _ in 0..sc.years {
        recs.push(sim.step());
        states.push(sim.hh.clone());
    }
    (recs, states)
}

fn loans(recs: &[YearRecord]) -> Vec<LoanRow> {
    recs.iter()
        .map(|r| r.ledger.loans.expect("a loan row"))
        .collect()
}

/// The loan identity, every year: end = start + disbursed − repaid − defaulted.
fn assert_balanced(rows: &[LoanRow]) {
    let mut prev = 0.0;
    for l in rows {
        let tol = 1e-6 * (1.0 + l.outstanding_start + l.disbursed);
        assert!((l.outstanding_start - prev).abs() < tol, "{l:?}");
        assert!(
            (l.outstanding_end - (l.outstanding_start + l.disbursed - l.repaid - l.defaulted))
                .abs()
                < tol,
            "{l:?}"
        );
        prev = l.outstanding_end;
    }
}

const LOANS: &str = "[interventions.microfinance]\nbudget = 300000\n";

/// A `[poverty_lines]` table (which states both lines) with an income measure.
fn measure(m: &str) -> String {
    format!(
        "[poverty_lines]\nlow_income = {{ values = {{ 2010 = 2300 }}, index = 0.045 }}\n\
         extreme = {{ values = {{ 2008 = 1196 }}, index = 0.045 }}\nincome_measure = \"{m}\"\n"
    )
}

// --- Heterogeneous returns -------------------------------------------------------

#[test]
fn return_factors_are_lognormal_with_mean_one_and_fixed_over_the_years() {
    let normal = NormalTable::standard();
    let streams = Streams::new(123, 0);
    let talent = streams.year_purpose_sub(0, sub::HOUSEHOLD_RETURN);
    for sigma in [0.4f32, 1.0] {
        let n = 200_000;
        let f: Vec<f64> = (0..n)
            .map(|i| return_factor(&talent, normal, i, sigma) as f64)
            .collect();
        let mean = f.iter().sum::<f64>() / n as f64;
        let logs: Vec<f64> = f.iter().map(|x| x.ln()).collect();
        let lm = logs.iter().sum::<f64>() / n as f64;
        let lsd = (logs.iter().map(|l| (l - lm).powi(2)).sum::<f64>() / n as f64).sqrt();
        // Known parameters recovered: E[φ] = 1, sd(ln φ) = σ, median e^(−σ²/2).
        assert!((mean - 1.0).abs() < 0.02, "σ {sigma}: mean {mean}");
        assert!(
            (lsd - sigma as f64).abs() < 0.01,
            "σ {sigma}: sd of log {lsd}"
        );
        assert!(
            (lm + 0.5 * (sigma * sigma) as f64).abs() < 0.01,
            "σ {sigma}: mean log {lm}"
        );
    }
    // σ = 0 is the model without heterogeneity, exactly.
    assert_eq!(return_factor(&talent, normal, 5, 0.0), 1.0);
    // One draw per household: the streams of another year give the same factors.
    let again = Streams::new(123, 0).year_purpose_sub(0, sub::HOUSEHOLD_RETURN);
    for i in 0..100 {
        assert_eq!(
            return_factor(&talent, normal, i, 1.0),
            return_factor(&again, normal, i, 1.0)
        );
    }
}

/// The median borrower's return on its assets in the year after it borrowed.
fn median_borrower_return(sc: &Scenario) -> f64 {
    let mut sim = Simulation::new(sc, 0).unwrap();
    sim.step();
    let lent = sim.module_column("microfinance", "loan").unwrap();
    sim.step();
    let mut r: Vec<f64> = (0..sim.hh.len())
        .filter(|&i| lent[i] > 0.0 && sim.hh.members(i) > 0 && sim.hh.assets[i] > 0.0)
        .map(|i| sim.hh.enterprise[i] as f64 / sim.hh.assets[i] as f64)
        .collect();
    assert!(r.len() > 20, "{} borrowers", r.len());
    r.sort_by(f64::total_cmp);
    r[r.len() / 2]
}

#[test]
fn heterogeneous_returns_leave_the_median_borrower_earning_less() {
    // Mean-one factors (above): the county's mean rate is unchanged, but the
    // median borrower's return falls, the "modest, not transformative" effect
    // of the typical loan (Banerjee, Karlan & Zinman 2015).
    let flat = median_borrower_return(&scenario(LOANS));
    let spread =
        median_borrower_return(&scenario(&format!("[income]\nreturn_sigma = 1.0\n{LOANS}")));
    eprintln!("median borrower's return on assets: σ 0 {flat:.3}, σ 1 {spread:.3}");
    assert!(spread < flat, "{spread} vs {flat}");
}

// --- Learning, rescheduling, pooling ------------------------------------------

#[test]
fn a_learning_period_lowers_borrowers_enterprise_income_at_first() {
    let (a, _) = run(&scenario(LOANS));
    let (b, _) = run(&scenario(&format!("{LOANS}learning_years = 2\n")));
    let (la, lb) = (loans(&a), loans(&b));
    assert_balanced(&lb);
    // The first year's loans are the same (the decision does not foresee the learning).
    assert_eq!(la[0].disbursed, lb[0].disbursed);
    assert_eq!(la[1].borrower_assets, lb[1].borrower_assets);
    // In their first year of use, loan-financed assets earn half the return.
    assert!(
        lb[1].borrower_enterprise < la[1].borrower_enterprise,
        "{} vs {}",
        lb[1].borrower_enterprise,
        la[1].borrower_enterprise
    );
    eprintln!(
        "learning: borrowers' return in the loans' first year {:.3} → {:.3}",
        la[1].return_on_assets(),
        lb[1].return_on_assets()
    );
}

#[test]
fn rescheduling_comes_before_default_and_lowers_defaults() {
    // Short-term, large loans so that instalments bind.
    let terms = "income_multiple = 4.0\nterm = 1\n";
    let (a, _) = run(&scenario(&format!("{LOANS}{terms}")));
    let (b, _) = run(&scenario(&format!("{LOANS}{terms}reschedule = 1\n")));
    let (la, lb) = (loans(&a), loans(&b));
    assert_balanced(&la);
    assert_balanced(&lb);
    let sum = |rows: &[LoanRow], f: fn(&LoanRow) -> f64| rows.iter().map(f).sum::<f64>();
    let (da, db) = (sum(&la, |l| l.defaulted), sum(&lb, |l| l.defaulted));
    let resched = sum(&lb, |l| l.rescheduled as f64);
    eprintln!("rescheduling: defaulted {da:.0} → {db:.0}, {resched} instalments rescheduled");
    assert_eq!(sum(&la, |l| l.rescheduled as f64), 0.0);
    assert!(resched > 0.0);
    // The first year's defaults, before any loan could be rescheduled twice.
    assert!(
        lb[1].defaulted < la[1].defaulted,
        "{} vs {}",
        lb[1].defaulted,
        la[1].defaulted
    );
}

#[test]
fn pooled_loans_pay_the_dividend_and_leave_household_assets_alone() {
    let pooled = scenario(&format!("{LOANS}pooled = true\npool_end_year = 2016\n"));
    let (r, s) = run(&pooled);
    let (r0, s0) = run(&scenario(""));
    let l = loans(&r);
    assert_balanced(&l);
    // Loans made to 2016 are all pooled; from 2017 they are the household's own.
    for (y, row) in (2014..).zip(&l) {
        if y <= 2016 {
            assert_eq!(row.pooled_outstanding, row.outstanding_end, "{y}");
        }
    }
    assert!(l[5].pooled_outstanding < l[5].outstanding_end);
    // The first year's loans (3-year terms, no failures) pay 6% of the principal
    // the next year (f32 amounts; a dissolved household's loan pays nothing).
    let expect = 0.06 * l[0].disbursed;
    assert!(
        (l[1].dividends - expect).abs() < 0.01 * expect,
        "dividends {} vs {expect}",
        l[1].dividends
    );
    // The principal went to the enterprise: the first year's borrowers hold
    // the assets they would have held without the module.
    let assets = |h: &Households| (0..h.len()).map(|i| h.assets[i] as f64).sum::<f64>();
    assert!(
        (assets(&s[0]) - assets(&s0[0])).abs() < 1e-6 * assets(&s0[0]),
        "{} vs {}",
        assets(&s[0]),
        assets(&s0[0])
    );
    assert!(r0.iter().all(|x| x.ledger.loans.is_none()));
    // The dividend raised enterprise income of the year after.
    let ent = |h: &Households| (0..h.len()).map(|i| h.enterprise[i] as f64).sum::<f64>();
    assert!(ent(&s[1]) > ent(&s0[1]));
}

#[test]
fn pooled_enterprises_that_fail_default_their_loans() {
    let (r, _) = run(&scenario(&format!(
        "{LOANS}pooled = true\npool_failure = 0.2\n"
    )));
    let l = loans(&r);
    assert_balanced(&l);
    // About a fifth of the pooled book defaults each year it is serviced.
    for row in &l[1..] {
        let rate = row.default_rate();
        assert!(
            rate > 0.1 && rate < 0.3,
            "{}: default rate {rate}",
            row.outstanding_start
        );
    }
}

/// Defaults and returns of the module's example (scenarios/modules/
/// microfinance.toml: L County with a learning period and one
/// rescheduling), scaled to a fifth of the county with a fifth of the
/// budget: the yearly default rate stays between the 0.26% overdue rate
/// reported for Chongqing and the 1–2.5% of issue 21, and the borrowers'
/// return on assets stays modest (Banerjee, Karlan & Zinman 2015): below
/// the trap's high return of 25%.
#[test]
fn defaults_and_returns_are_inside_the_evidence_ranges() {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/modules/microfinance.toml"
    ));
    let sets: Vec<String> = [
        "simulation.population=123000",
        "simulation.villages=126",
        "simulation.replicates=1",
        "interventions.microfinance.budget=1000000",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let sc = load(path, &sets).unwrap();
    let (r, _) = run(&sc);
    let l = loans(&r);
    assert_balanced(&l);
    // Years with a loan book in steady state (every loan term has turned over).
    let steady = &l[3..];
    let rate = steady.iter().map(|x| x.defaulted).sum::<f64>()
        / steady.iter().map(|x| x.outstanding_start).sum::<f64>();
    let roa = steady.iter().map(|x| x.borrower_enterprise).sum::<f64>()
        / steady.iter().map(|x| x.borrower_assets).sum::<f64>();
    eprintln!(
        "microfinance example: default rate {rate:.4} a year, borrowers' return on assets {roa:.3}"
    );
    assert!((0.0026..=0.025).contains(&rate), "default rate {rate}");
    assert!(roa > 0.0 && roa < 0.25, "return on assets {roa}");
}

// --- The income measure ---------------------------------------------------------

#[test]
fn the_floored_measure_keeps_the_headcount_and_gaps_and_reads_losses_as_zero() {
    // Risky enterprises: many households lose money in a year.
    let risky = "[income]\nreturn_sd = 1.5\n";
    let first = |m: &str| {
        let sc = scenario(&format!("{}{risky}", measure(m)));
        let mut sim = Simulation::new(&sc, 0).unwrap();
        let r = sim.step();
        let negative = (0..sim.hh.len())
            .filter(|&i| sim.hh.members(i) > 0 && sim.hh.income_pc[i] < 0.0)
            .count();
        (r, negative)
    };
    let (net, neg_net) = first("net");
    let (floored, neg_floored) = first("floored");
    let (medical, _) = first("net_of_medical");
    let v = |r: &YearRecord, c: &str| r.value(c).unwrap();
    eprintln!(
        "income measure: {neg_net} households with negative income; gap net {:.4}, floored {:.4}; headcount {:.4}, net of medical {:.4}",
        v(&net, "poverty_gap"),
        v(&floored, "poverty_gap"),
        v(&floored, "headcount_ratio"),
        v(&medical, "headcount_ratio")
    );
    assert!(neg_net > 0, "no negative incomes to floor");
    assert_eq!(neg_floored, 0);
    // A negative and a zero income are both poor: the headcount does not move.
    assert_eq!(v(&net, "poor"), v(&floored, "poor"));
    // The gaps already counted a loss as the whole line (FGT1 ≤ FGT0):
    // they do not move; the mean and inequality now read the floored incomes.
    assert_eq!(v(&net, "poverty_gap"), v(&floored, "poverty_gap"));
    assert!(v(&floored, "poverty_gap") <= v(&floored, "headcount_ratio"));
    assert!(v(&floored, "mean_income") > v(&net, "mean_income"));
    assert!(v(&floored, "gini") < v(&net, "gini"));
    // Medical costs taken off: more people under the line.
    assert!(v(&medical, "poor") > v(&floored, "poor"));
}

// --- Programmes ---------------------------------------------------------------

#[test]
fn health_poverty_alleviation_caps_the_registered_medical_costs() {
    let off = scenario(&measure("net_of_medical"));
    let on = scenario(&format!(
        "{}[interventions.health]\nbudget = 1000000\n",
        measure("net_of_medical")
    ));
    let (ra, sa) = run(&off);
    let (rb, sb) = run(&on);
    let (h0, h1) = (&sa[0], &sb[0]);
    let registered = |h: &Households, i: usize| h.flags[i] & flag::REGISTERED != 0;
    let (mut cut, mut others) = (0.0f64, 0usize);
    for i in 0..h0.len() {
        if h0.members(i) == 0 {
            continue;
        }
        if registered(h1, i) {
            // Nobody pays more; the cap holds: at most 10% of the bill (insurance 50% in 2014).
            assert!(h1.medical[i] <= h0.medical[i]);
            assert!(h1.medical[i] <= 0.1 * h0.medical[i] / 0.5 + 1e-3);
            cut += (h0.medical[i] - h1.medical[i]) as f64;
        } else {
            assert_eq!(
                h1.medical[i], h0.medical[i],
                "household {i} is not registered"
            );
            others += 1;
        }
    }
    assert!(cut > 0.0 && others > 0);
    let row = spend(&rb[0], "health");
    assert!(row.spent <= 1_000_000.0 * (1.0 + 1e-9));
    let v = |r: &YearRecord| r.value("poor").unwrap();
    eprintln!(
        "health: registered medical costs −{cut:.0} yuan; poor net of medical {} → {}",
        v(&ra[0]),
        v(&rb[0])
    );
    assert!(v(&rb[0]) < v(&ra[0]));
}

#[test]
fn welfare_jobs_pay_registered_households_within_posts_and_budget() {
    let (ra, sa) = run(&scenario(""));
    let (rb, sb) = run(&scenario(
        "[interventions.welfare_jobs]\nbudget = 400000\nposts_per_village = 3\nwage = 5000\n",
    ));
    for (r, (h0, h1)) in rb.iter().zip(sa.iter().zip(&sb)).take(1) {
        let row = spend(r, "welfare_jobs");
        // 20 villages × 3 posts, or the budget's 80 posts.
        assert_eq!(row.beneficiary_households, 60);
        assert_eq!(row.spent, 60.0 * 5000.0);
        let gained: Vec<usize> = (0..h0.len()).filter(|&i| h1.wage[i] > h0.wage[i]).collect();
        assert_eq!(gained.len(), 60);
        for &i in &gained {
            assert!(h1.flags[i] & flag::REGISTERED != 0);
            assert!((h1.wage[i] - h0.wage[i] - 5000.0).abs() < 1.0);
        }
    }
    let w = |r: &YearRecord| r.value("poor_wage_share").unwrap();
    eprintln!(
        "welfare jobs: poor's wage share {:.3} → {:.3}",
        w(&ra[0]),
        w(&rb[0])
    );
    assert!(rb[0].value("poor").unwrap() < ra[0].value("poor").unwrap());
}

#[test]
fn labour_export_sends_registered_adults_to_migrant_work() {
    let (ra, sa) = run(&scenario(""));
    let (rb, sb) = run(&scenario(
        "[interventions.labour_export]\nbudget = 200000\noffer_rate = 0.5\n",
    ));
    let (h0, h1) = (&sa[0], &sb[0]);
    let row = spend(&rb[0], "labour_export");
    let placed: Vec<usize> = (0..h0.len())
        .filter(|&i| h1.migrants[i] > h0.migrants[i])
        .collect();
    assert!(!placed.is_empty());
    assert_eq!(placed.len() as u64, row.beneficiary_households);
    assert!((row.spent - 1500.0 * placed.len() as f64).abs() < 1e-6);
    assert!(row.spent <= 200_000.0);
    for &i in &placed {
        assert!(h1.flags[i] & flag::REGISTERED != 0);
        assert_eq!(h1.migrants[i], h0.migrants[i] + 1);
        assert!(h1.migrant[i] > h0.migrant[i]);
    }
    let w = |r: &YearRecord| r.value("poor_wage_share").unwrap();
    eprintln!(
        "labour export: {} placed; poor's wage share {:.3} → {:.3}",
        placed.len(),
        w(&ra[0]),
        w(&rb[0])
    );
    assert!(rb[0].value("poor").unwrap() < ra[0].value("poor").unwrap());
}

/// The New Rural Pension's dated path in L County's files is the national
/// minimum (55 yuan a month from 2009–2010, 70 from July 2014, 88 from 2018,
/// 93 from 2020), and the elderly's transfers follow it.
#[test]
fn l_county_pays_the_pension_path_of_the_national_minimum() {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/l_county_status_quo.toml"
    ));
    let sc = load(path, &[]).unwrap();
    let pension = &sc.file.income.pension;
    for (year, monthly) in [
        (2009, 0.0),
        (2010, 55.0),
        (2015, 70.0),
        (2018, 88.0),
        (2020, 93.0),
    ] {
        assert_eq!(pension.at(year), 12.0 * monthly, "{year}");
    }
    // 2014: six months at 55 and six at 70.
    assert_eq!(pension.at(2014), 6.0 * 55.0 + 6.0 * 70.0);
    // A small run of l_county.toml (which states the path) to 2020: an
    // elderly-only household's transfers are its pensions.
    let small: Vec<String> = [
        "simulation.households=2000",
        "simulation.villages=10",
        "simulation.replicates=1",
        "simulation.years=13",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let base = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/l_county.toml"
    ));
    let sc = load(base, &small).unwrap();
    let mut sim = Simulation::new(&sc, 0).unwrap();
    let mut checked = 0;
    for _ in 0..sc.years {
        let r = sim.step();
        let h = &sim.hh;
        let alone = (0..h.len()).find(|&i| {
            h.elderly[i] > 0 && h.adults[i] == 0 && h.children[i] == 0 && h.received[i] == 0.0
        });
        if let Some(i) = alone {
            let want = h.elderly[i] as f32 * pension.at(r.year) as f32;
            assert_eq!(h.transfers[i], want, "{}: household {i}", r.year);
            checked += 1;
        }
    }
    assert_eq!(
        checked, sc.years,
        "a year without an elderly-only household"
    );
}
