//! Infrastructure, publicity, cadres and the identification methods: each
//! moves its target outcome the expected way against the baseline under
//! common random numbers (same seed, module off vs on), budgets hold, and a
//! disabled module changes nothing.
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

/// The baseline: a small county with identification and the guarantee.
pub(crate) const BASE: &str = r#"
[simulation]
name = "modules_b"
start_year = 2008
years = 6
seed = 11
replicates = 1
villages = 20
households = 3000

[interventions.targeting]
method = "income"
measurement_error = 0.35

[interventions.transfers]
eligible = "registered"
guarantee_line = { values = { 2008 = 800 }, index = 0.18 }
"#;

fn scenario(extra: &str) -> Scenario {
    let text = format!("{BASE}\n{extra}");
    load_str(Path::new("test.toml"), &text, &[]).unwrap_or_else(|e| panic!("scenario: {e}"))
}

/// Run replicate 0, calling `f` after every year with the simulation's state.
pub(crate) fn run(sc: &Scenario, mut f: impl FnMut(&Simulation, &YearRecord)) -> Vec<YearRecord> {
    let mut sim = Simulation::new(sc, 0).unwrap();
    let mut out = Vec::new();
    for _ in 0..sc.years {
        let r = sim.step();
        f(&sim, &r);
        out.push(r);
    }
    out
}

/// Sum of `x(hh, i)` over the living households of each village.
fn by_village(sim: &Simulation, x: impl Fn(&Households, usize) -> f64) -> Vec<f64> {
    let mut s = vec![0.0; sim.villages.len()];
    for i in 0..sim.hh.len() {
        if sim.hh.members(i) > 0 {
            s[sim.hh.village[i] as usize] += x(&sim.hh, i);
        }
    }
    s
}

fn total(v: &[f64], treated: &[bool]) -> f64 {
    v.iter()
        .zip(treated)
        .filter(|(_, t)| **t)
        .map(|(x, _)| x)
        .sum()
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

fn row<'a>(r: &'a YearRecord, module: &str) -> &'a povsim::interventions::SpendRow {
    r.ledger
        .spending
        .iter()
        .find(|s| s.module == module)
        .unwrap_or_else(|| panic!("no {module} row in {}", r.year))
}

/// Per-village yearly outcomes of one run, summed over the years after the first.
#[derive(Default)]
struct Outcomes {
    access: Vec<f64>,
    farm: Vec<f64>,
    wage: Vec<f64>,
    medical: Vec<f64>,
    ill: Vec<f64>,
    final_road: Vec<f32>,
    final_water: Vec<f32>,
    final_irrigation: Vec<f32>,
    final_clinic: Vec<f32>,
}

fn outcomes(sc: &Scenario) -> (Outcomes, Vec<YearRecord>) {
    let mut o = Outcomes::default();
    let records = run(sc, |sim, r| {
        let nv = sim.villages.len();
        if o.farm.is_empty() {
            o.access = vec![0.0; nv];
            o.farm = vec![0.0; nv];
            o.wage = vec![0.0; nv];
            o.medical = vec![0.0; nv];
            o.ill = vec![0.0; nv];
        }
        // Projects paid for in a year act from the next year on: skip the first year.
        if r.year > sc.start_year {
            let add =
                |acc: &mut Vec<f64>, x: Vec<f64>| acc.iter_mut().zip(x).for_each(|(a, x)| *a += x);
            add(&mut o.farm, by_village(sim, |h, i| h.farm[i] as f64));
            add(&mut o.wage, by_village(sim, |h, i| h.wage[i] as f64));
            add(&mut o.medical, by_village(sim, |h, i| h.medical[i] as f64));
            add(
                &mut o.ill,
                by_village(sim, |h, i| (h.flags[i] & flag::ILL != 0) as u8 as f64),
            );
        }
        for v in 0..nv {
            o.access[v] = sim.villages.access(v) as f64;
        }
        o.final_road = sim.villages.road.clone();
        o.final_water = sim.villages.water.clone();
        o.final_irrigation = sim.villages.irrigation.clone();
        o.final_clinic = sim.villages.clinic.clone();
    });
    (o, records)
}

#[test]
fn roads_raise_market_access_farm_and_wage_income_in_treated_villages() {
    let off = scenario("");
    let on = scenario(
        r#"
[interventions.infrastructure]
projects = ["roads"]
budget = 2000000  # leaves roads to build every year, so every year spends
priority = "poorest_first"
"#,
    );
    let (a, _) = outcomes(&off);
    let (b, records) = outcomes(&on);
    assert_budgets_hold(&records);
    let treated: Vec<bool> = a
        .final_road
        .iter()
        .zip(&b.final_road)
        .map(|(x, y)| y > x)
        .collect();
    let n = treated.iter().filter(|t| **t).count();
    assert!(n > 0, "no village got a road");
    let acc = (total(&a.access, &treated), total(&b.access, &treated));
    let farm = (total(&a.farm, &treated), total(&b.farm, &treated));
    let wage = (total(&a.wage, &treated), total(&b.wage, &treated));
    eprintln!(
        "roads: {n} villages treated; access {:.3} → {:.3} (per village), farm {:+.2}%, wage {:+.2}%",
        acc.0 / n as f64,
        acc.1 / n as f64,
        100.0 * (farm.1 / farm.0 - 1.0),
        100.0 * (wage.1 / wage.0 - 1.0)
    );
    assert!(acc.1 > acc.0, "market access {acc:?}");
    assert!(farm.1 > farm.0, "farm income {farm:?}");
    assert!(wage.1 > wage.0, "local wage income {wage:?}");
    // Spending shows up in the ledger with the people of the treated villages.
    assert!(records.iter().all(|r| row(r, "infrastructure").spent > 0.0));
    assert!(
        records
            .iter()
            .all(|r| row(r, "infrastructure").beneficiary_households > 0)
    );
}

/// Farm income lost to droughts: the same run without droughts, minus the run.
/// Farm income does not depend on a household's past income, so under common
/// random numbers the difference is exactly what droughts took.
fn drought_loss(extra: &str) -> (f64, Outcomes) {
    let with = scenario(&format!(
        "[villages]\ndrought_risk = {{ dist = \"beta\", mean = 0.3, sd = 0.1 }}\n{extra}"
    ));
    let without = scenario(&format!(
        "[villages]\ndrought_risk = {{ dist = \"beta\", mean = 0.3, sd = 0.1 }}\n[shocks]\ndrought_severity = 0.0\n{extra}"
    ));
    let (a, records) = outcomes(&with);
    assert_budgets_hold(&records);
    let (b, _) = outcomes(&without);
    let all = vec![true; a.farm.len()];
    (total(&b.farm, &all) - total(&a.farm, &all), a)
}

#[test]
fn water_and_irrigation_lower_drought_losses_and_illness() {
    let works = r#"
[interventions.infrastructure]
projects = ["water", "irrigation"]
budget = 4000000
priority = "best_gain_per_yuan"
"#;
    let (loss_off, off) = drought_loss("");
    let (loss_on, on) = drought_loss(works);
    eprintln!(
        "water+irrigation: drought losses {loss_off:.0} → {loss_on:.0} yuan ({:+.1}%)",
        100.0 * (loss_on / loss_off - 1.0)
    );
    assert!(loss_off > 0.0, "no drought in the test: {loss_off}");
    assert!(loss_on < loss_off, "drought losses {loss_off} → {loss_on}");
    let treated: Vec<bool> = off
        .final_water
        .iter()
        .zip(&on.final_water)
        .map(|(x, y)| y > x)
        .collect();
    assert!(treated.iter().any(|t| *t), "no water works built");
    let ill = (total(&off.ill, &treated), total(&on.ill, &treated));
    eprintln!(
        "water: illness in treated villages {} → {} household-years",
        ill.0, ill.1
    );
    assert!(ill.1 < ill.0, "illness {ill:?}");
    assert!(
        on.final_irrigation
            .iter()
            .zip(&off.final_irrigation)
            .any(|(y, x)| y > x)
    );
}

#[test]
fn clinics_lower_medical_costs() {
    let off = scenario("[villages]\nclinic = { dist = \"constant\", value = 0.3 }");
    let on = scenario(
        r#"
[villages]
clinic = { dist = "constant", value = 0.3 }

[interventions.infrastructure]
projects = ["clinics"]
budget = 600000
priority = "most_poor_first"
"#,
    );
    let (a, _) = outcomes(&off);
    let (b, records) = outcomes(&on);
    assert_budgets_hold(&records);
    let treated: Vec<bool> = a
        .final_clinic
        .iter()
        .zip(&b.final_clinic)
        .map(|(x, y)| y > x)
        .collect();
    let n = treated.iter().filter(|t| **t).count();
    assert!(n > 0, "no clinic built");
    let med = (total(&a.medical, &treated), total(&b.medical, &treated));
    let ill = (total(&a.ill, &treated), total(&b.ill, &treated));
    eprintln!(
        "clinics: {n} built; medical cost in their villages {:.0} → {:.0} ({:+.1}%), illness {} → {}",
        med.0,
        med.1,
        100.0 * (med.1 / med.0 - 1.0),
        ill.0,
        ill.1
    );
    assert!(med.1 < med.0, "medical cost {med:?}");
    assert!(ill.1 <= ill.0, "illness {ill:?}");
}

#[test]
fn flood_spreads_infrastructure_over_every_village() {
    let sc = scenario(
        r#"
[interventions.infrastructure]
eligible = "all"
budget = 2000000  # leaves roads to build every year, so every year spends
"#,
    );
    let records = run(&sc, |_, _| {});
    assert_budgets_hold(&records);
    let first = &records[0];
    assert_eq!(
        row(first, "infrastructure").beneficiary_households,
        first.households,
        "every village gets its share"
    );
}

/// Mean awareness and the guarantee's take-up (recipient households) per year.
fn awareness_and_take_up(sc: &Scenario) -> (Vec<f64>, Vec<u64>, Vec<YearRecord>) {
    let mut aw = Vec::new();
    let records = run(sc, |sim, _| {
        let (mut s, mut n) = (0.0f64, 0.0f64);
        for i in 0..sim.hh.len() {
            if sim.hh.members(i) > 0 && sim.hh.flags[i] & flag::REGISTERED != 0 {
                s += sim.hh.awareness[i] as f64;
                n += 1.0;
            }
        }
        aw.push(s / n.max(1.0));
    });
    let take: Vec<u64> = records
        .iter()
        .map(|r| row(r, "transfers").beneficiary_households)
        .collect();
    (aw, take, records)
}

#[test]
fn publicity_raises_awareness_and_take_up() {
    let low = "[households]\nawareness = { dist = \"beta\", mean = 0.15, sd = 0.1 }\n";
    let off = scenario(low);
    let on = scenario(&format!(
        "{low}\n[interventions.publicity]\nbudget = 200000\n"
    ));
    let (aw0, take0, _) = awareness_and_take_up(&off);
    let (aw1, take1, records) = awareness_and_take_up(&on);
    assert_budgets_hold(&records);
    eprintln!(
        "publicity: awareness of the registered {aw0:.3?} → {aw1:.3?}; guarantee take-up {take0:?} → {take1:?}"
    );
    assert!(aw1.last() > aw0.last(), "awareness {aw0:?} → {aw1:?}");
    // Publicity acts after the guarantee in a year: take-up responds from the second year on.
    let (t0, t1): (u64, u64) = (take0[1..].iter().sum(), take1[1..].iter().sum());
    assert!(t1 > t0, "take-up {take0:?} → {take1:?}");
    assert_eq!(
        take0[0], take1[0],
        "the first year's take-up is decided before any publicity"
    );
}

/// Mean inclusion and exclusion error over the years after the first, and the
/// leakage share of the guarantee over the same years.
fn targeting_errors(sc: &Scenario) -> (f64, f64, f64, Vec<YearRecord>) {
    let mut received = Vec::new();
    let records = run(sc, |sim, _| {
        received.push(sim.hh.received.iter().map(|x| *x as f64).sum::<f64>())
    });
    let later = &records[1..];
    let n = later.len() as f64;
    let inc = later
        .iter()
        .map(|r| {
            r.ledger
                .register_row()
                .expect("targeting row")
                .inclusion_error
        })
        .sum::<f64>()
        / n;
    let exc = later
        .iter()
        .map(|r| {
            r.ledger
                .register_row()
                .expect("targeting row")
                .exclusion_error
        })
        .sum::<f64>()
        / n;
    let admin = sc
        .file
        .interventions
        .transfers
        .as_ref()
        .map_or(0.0, |t| t.admin_cost);
    let (mut paid, mut got) = (0.0, 0.0);
    for (r, g) in records.iter().zip(&received).skip(1) {
        let t = row(r, "transfers");
        paid += t.spent - admin * t.beneficiary_households as f64;
        got += g;
    }
    (inc, exc, 1.0 - got / paid, records)
}

#[test]
fn cadre_training_lowers_targeting_errors_and_leakage() {
    // `[interventions.transfers]` is in the baseline: switch leakage on with --set.
    let set = ["interventions.transfers.leakage=0.3".to_string()];
    let text0 = BASE.to_string();
    let text1 = format!("{BASE}\n[interventions.cadres]\nbudget = 300000\n");
    let off = load_str(Path::new("test.toml"), &text0, &set).expect("off");
    let on = load_str(Path::new("test.toml"), &text1, &set).expect("on");
    let (inc0, exc0, leak0, _) = targeting_errors(&off);
    let (inc1, exc1, leak1, records) = targeting_errors(&on);
    assert_budgets_hold(&records);
    eprintln!(
        "cadres: inclusion error {inc0:.4} → {inc1:.4}, exclusion error {exc0:.4} → {exc1:.4}, leakage {leak0:.4} → {leak1:.4}"
    );
    assert!(exc1 < exc0, "exclusion error {exc0} → {exc1}");
    assert!(
        inc1 + exc1 < inc0 + exc0,
        "errors {inc0}+{exc0} → {inc1}+{exc1}"
    );
    assert!(leak1 < leak0, "leakage {leak0} → {leak1}");
}

#[test]
fn proxy_means_and_multidimensional_produce_a_register_with_reported_errors() {
    for method in ["income", "proxy_means", "multidimensional"] {
        let set = [format!("interventions.targeting.method=\"{method}\"")];
        let sc = load_str(Path::new("test.toml"), BASE, &set).expect("scenario");
        let records = run(&sc, |_, _| {});
        let rows: Vec<_> = records
            .iter()
            .map(|r| r.ledger.register_row().cloned().expect("targeting row"))
            .collect();
        eprintln!(
            "{method}: registered {:?}; inclusion {:.3?}; exclusion {:.3?}",
            rows.iter().map(|r| r.registered).collect::<Vec<_>>(),
            rows.iter().map(|r| r.inclusion_error).collect::<Vec<_>>(),
            rows.iter().map(|r| r.exclusion_error).collect::<Vec<_>>()
        );
        for r in &rows {
            assert_eq!(r.method, method);
            assert!(
                r.registered > 0 && r.registered < 3000,
                "{method}: register of {}",
                r.registered
            );
            assert!(
                (0.0..=1.0).contains(&r.inclusion_error)
                    && (0.0..=1.0).contains(&r.exclusion_error)
            );
        }
        // The register is what the flags say.
        let mut sim = Simulation::new(&sc, 0).unwrap();
        let r = sim.step();
        let flagged = (0..sim.hh.len())
            .filter(|&i| sim.hh.members(i) > 0 && sim.hh.flags[i] & flag::REGISTERED != 0)
            .count() as u64;
        assert_eq!(r.ledger.register_row().expect("row").registered, flagged);
    }
}

#[test]
fn better_identification_lowers_exclusion_error() {
    let noisy = ["interventions.targeting.measurement_error=0.6".to_string()];
    let verified = [
        "interventions.targeting.measurement_error=0.6".to_string(),
        "interventions.targeting.verification=true".to_string(),
    ];
    let precise = ["interventions.targeting.measurement_error=0.2".to_string()];
    let errors = |set: &[String]| {
        let sc = load_str(Path::new("test.toml"), BASE, set).expect("scenario");
        targeting_errors(&sc)
    };
    let (inc0, exc0, _, _) = errors(&noisy);
    let (inc1, exc1, _, records) = errors(&verified);
    let (inc2, exc2, _, _) = errors(&precise);
    assert_budgets_hold(&records);
    eprintln!(
        "identification: exclusion error {exc0:.4} (σ 0.6) → {exc1:.4} (verified) / {exc2:.4} (σ 0.2); inclusion {inc0:.4} → {inc1:.4} / {inc2:.4}"
    );
    assert!(exc1 < exc0, "verification: {exc0} → {exc1}");
    assert!(exc2 < exc0, "lower measurement error: {exc0} → {exc2}");
    // Verification is paid per household verified.
    let t = row(&records[0], "targeting");
    assert!(t.spent > 0.0 && t.beneficiary_households > 0);
}

#[test]
fn disabled_modules_change_nothing() {
    let plain = scenario("");
    let disabled = scenario(
        r#"
[interventions.infrastructure]
enabled = false
budget = 5000000

[interventions.publicity]
enabled = false

[interventions.cadres]
enabled = false
"#,
    );
    let mut finals = Vec::new();
    for sc in [&plain, &disabled] {
        let mut state = String::new();
        let records = run(sc, |sim, _| {
            state = format!("{:?}{:?}", sim.villages, sim.hh)
        });
        finals.push((format!("{records:?}"), state));
    }
    assert!(
        finals[0] == finals[1],
        "a disabled module changed the output"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Whatever the budget, rule and eligibility, no village module spends past its budget.
    #[test]
    fn village_modules_stay_within_budget(
        infra in 0.0f64..2e7,
        publicity in 0.0f64..3e5,
        cadres in 0.0f64..1e5,
        priority in prop::sample::select(vec!["poorest_first", "most_poor_first", "best_gain_per_yuan"]),
        flood in any::<bool>(),
    ) {
        let eligible = if flood { "all" } else { "registered" };
        let sc = scenario(&format!(
            r#"
[interventions.infrastructure]
budget = {infra}
priority = "{priority}"
eligible = "{eligible}"

[interventions.publicity]
budget = {publicity}
priority = "{priority}"
eligible = "{eligible}"

[interventions.cadres]
budget = {cadres}
priority = "{priority}"
eligible = "{eligible}"
"#
        ));
        let records = run(&sc, |_, _| {});
        assert_budgets_hold(&records);
    }
}
