//! Comparing scenarios: common random numbers narrow the interval of a
//! difference; reforms share the base's history before they start; the
//! compare command writes its tables.

use povsim::experiment::compare::{Estimate, compare};
use povsim::scenario::load_str;
use std::path::Path;

const BASE: &str = r#"
[simulation]
name = "base"
start_year = 2010
years = 6
seed = 11
replicates = 12
villages = 10
households = 2000

[interventions.targeting]
method = "income"

[interventions.transfers]
guarantee_line = 1800
budget = 400000
"#;

fn reform(text: &str) -> String {
    text.replace("name = \"base\"", "name = \"reform\"")
        .replace("budget = 400000", "budget = 1600000")
}

/// Final-year headcount of every replicate.
fn final_headcounts(text: &str, sets: &[String]) -> Vec<f64> {
    let sc = load_str(Path::new("t.toml"), text, sets).unwrap();
    let mut out = vec![0.0; sc.replicates as usize];
    povsim::experiment::run_records(&sc, |r| {
        if r.year == sc.end_year() {
            out[r.replicate as usize] = r.measures.headcount_ratio;
        }
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn common_random_numbers_narrow_the_interval_at_least_threefold() {
    let base = final_headcounts(BASE, &[]);
    let crn = final_headcounts(&reform(BASE), &[]);
    let independent = final_headcounts(&reform(BASE), &["simulation.seed=12".into()]);
    let diff = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| y - x).collect::<Vec<_>>();
    let (w_crn, w_ind) = (
        Estimate::of(&diff(&base, &crn)).width(),
        Estimate::of(&diff(&base, &independent)).width(),
    );
    println!(
        "90% interval width of the final-year headcount difference: CRN {w_crn:.5}, independent seeds {w_ind:.5}, ratio {:.1}",
        w_ind / w_crn
    );
    assert!(w_crn > 0.0, "the reform changed nothing");
    assert!(w_ind >= 3.0 * w_crn, "CRN {w_crn} vs independent {w_ind}");
}

#[test]
fn a_reform_shares_the_base_history_before_it_starts() {
    let base = load_str(Path::new("b.toml"), BASE, &[]).unwrap();
    // The extra money only from 2013: years 2010–2012 must be identical.
    let late = BASE.replace(
        "budget = 400000",
        "budget = { values = { 2010 = 400000, 2013 = 1600000 } }",
    );
    let reform = load_str(Path::new("r.toml"), &late, &[]).unwrap();
    let rows = |sc: &povsim::scenario::Scenario| {
        let mut v = Vec::new();
        povsim::experiment::run_records(sc, |r| {
            v.push((r.replicate, r.year, r.trajectory_values()));
            Ok(())
        })
        .unwrap();
        v
    };
    let (a, b) = (rows(&base), rows(&reform));
    let mut later_differs = false;
    for (x, y) in a.iter().zip(&b) {
        assert_eq!((x.0, x.1), (y.0, y.1));
        let same =
            x.2.iter()
                .zip(&y.2)
                .all(|(p, q)| p.to_bits() == q.to_bits());
        if x.1 < 2013 {
            assert!(
                same,
                "replicate {} year {} differs before the reform starts",
                x.0, x.1
            );
        } else {
            later_differs |= !same;
        }
    }
    assert!(later_differs, "the reform never changed anything");
}

#[test]
fn compare_pairs_replicates_and_reports_costs() {
    // A guarantee line near the poverty line, so that topping incomes up
    // lifts households over it: more money then means fewer poor directly
    // (below the line it lowers the gap but moves the headcount only by
    // chance, through saving and schooling).
    let small = BASE
        .replace("replicates = 12", "replicates = 4")
        .replace("guarantee_line = 1800", "guarantee_line = 2400");
    let base = load_str(Path::new("b.toml"), &small, &[]).unwrap();
    let reform_sc = load_str(Path::new("r.toml"), &reform(&small), &[]).unwrap();
    let c = compare(&base, std::slice::from_ref(&reform_sc)).unwrap();
    let r = &c.reforms[0];
    let h = &r.by_year["headcount_ratio"];
    assert_eq!(h.len(), 6);
    // More money for the guarantee: fewer poor, and the costs add up.
    assert!(h.last().unwrap().difference.mean < 0.0);
    assert!(r.person_years_averted.mean > 0.0);
    assert!(r.spending_total > c.base_spending_total);
    let extra = r.spending_total - c.base_spending_total;
    assert!(
        (r.cost_per_person_year_averted - extra / r.person_years_averted.mean).abs() < 1e-6 * extra
    );
    // Paired: the difference of means equals the mean of differences.
    for y in h {
        assert!((y.difference.mean - (y.reform - y.base)).abs() < 1e-12);
    }
    assert_eq!(r.deciles.len(), 10);
    // A different seed is refused: households would not pair.
    let other = load_str(
        Path::new("o.toml"),
        &reform(BASE),
        &["simulation.seed=3".into()],
    )
    .unwrap();
    assert!(compare(&base, &[other]).is_err());
}

#[test]
fn compare_command_writes_its_tables() {
    let dir = std::env::temp_dir().join(format!("povsim-compare-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (b, r) = (dir.join("base.toml"), dir.join("reform.toml"));
    std::fs::write(&b, BASE.replace("replicates = 12", "replicates = 3")).unwrap();
    std::fs::write(
        &r,
        reform(&BASE.replace("replicates = 12", "replicates = 3")),
    )
    .unwrap();
    let out = dir.join("out");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_povsim"))
        .args([
            "compare",
            b.to_str().unwrap(),
            r.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("person-years of poverty averted"), "{text}");
    let csv = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    assert!(csv.lines().count() > 30);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("compare.json")).unwrap()).unwrap();
    assert_eq!(json["reforms"][0]["scenario"], "reform");
    let _ = std::fs::remove_dir_all(&dir);
}
