//! Priors: each quantile function against its CDF (properties over random
//! parameters), known quantiles in closed form, supports, the tails of the
//! Morris grid, and parse errors that name the field.

use povsim::experiment::sensitivity::prior::{DISTS, OPEN_TAIL};
use povsim::experiment::sensitivity::{Prior, Support};
use proptest::prelude::*;
use std::f64::consts::PI;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

fn parse(s: &str) -> Result<Prior, String> {
    let v: toml::Value = toml::from_str(&format!("p = {s}")).unwrap();
    Prior::parse(&v["p"])
}

#[test]
fn known_quantiles() {
    let z975 = 1.959_963_984_540_054;
    let cases: Vec<(Prior, f64, f64)> = vec![
        (Prior::uniform(2.0, 4.0).unwrap(), 0.25, 2.5),
        (
            Prior::normal(0.25, 0.05, None, None).unwrap(),
            0.975,
            0.25 + 0.05 * z975,
        ),
        (Prior::normal(0.25, 0.05, None, None).unwrap(), 0.5, 0.25),
        // Half-normal: the standard normal cut at 0; q(u) = Φ⁻¹((1 + u)/2).
        (
            Prior::normal(0.0, 1.0, Some(0.0), None).unwrap(),
            0.95,
            z975,
        ),
        // Symmetric truncation keeps the median.
        (
            Prior::normal(3.0, 2.0, Some(1.0), Some(5.0)).unwrap(),
            0.5,
            3.0,
        ),
        // Lognormal: median e^mu; the 97.5% point e^(mu + 1.96 sigma).
        (
            Prior::lognormal(0.5, 0.3, None, None).unwrap(),
            0.5,
            0.5f64.exp(),
        ),
        (
            Prior::lognormal(0.5, 0.3, None, None).unwrap(),
            0.975,
            (0.5 + 0.3 * z975).exp(),
        ),
        // Beta(2, 1): F(x) = x² on [0, 1], so q(u) = √u; stretched onto [1, 3].
        (
            Prior::beta(2.0, 1.0, 1.0, 3.0).unwrap(),
            0.49,
            1.0 + 2.0 * 0.7,
        ),
        // Beta(½, ½) is the arcsine law: q(u) = sin²(πu/2).
        (
            Prior::beta(0.5, 0.5, 0.0, 1.0).unwrap(),
            0.3,
            (PI * 0.15).sin().powi(2),
        ),
        (Prior::beta(2.0, 2.0, 0.0, 1.0).unwrap(), 0.5, 0.5),
        (Prior::beta(1.0, 1.0, 2.0, 6.0).unwrap(), 0.3, 3.2),
        // Triangular(0, 0.5, 1): F(x) = 2x² below the mode.
        (Prior::triangular(0.0, 0.5, 1.0).unwrap(), 0.125, 0.25),
        (Prior::triangular(0.0, 0.5, 1.0).unwrap(), 0.875, 0.75),
        (Prior::triangular(1.0, 1.0, 3.0).unwrap(), 0.75, 2.0),
    ];
    for (p, u, want) in cases {
        let got = p.quantile(u);
        assert!(close(got, want, 1e-9), "{p}: q({u}) = {got}, want {want}");
        assert!(
            close(p.cdf(want), u, 1e-9),
            "{p}: F({want}) = {}, want {u}",
            p.cdf(want)
        );
    }
}

#[test]
fn lognormal_from_moments_has_those_moments() {
    let p = Prior::lognormal_from_moments(2.0, 0.5, None, None).unwrap();
    let povsim::experiment::sensitivity::prior::Dist::LogNormal { mu, sigma } = p.dist() else {
        panic!("not a lognormal: {p}");
    };
    let mean = (mu + sigma * sigma / 2.0).exp();
    let var = (sigma * sigma).exp_m1() * (2.0 * mu + sigma * sigma).exp();
    assert!(close(mean, 2.0, 1e-12) && close(var.sqrt(), 0.5, 1e-12));
}

#[test]
fn supports_and_valid_ranges() {
    let s = |p: Prior| p.support();
    assert_eq!(
        s(Prior::normal(0.0, 1.0, None, None).unwrap()),
        Support {
            lo: f64::NEG_INFINITY,
            hi: f64::INFINITY
        }
    );
    assert_eq!(
        s(Prior::lognormal(0.0, 1.0, None, None).unwrap()),
        Support {
            lo: 0.0,
            hi: f64::INFINITY
        }
    );
    assert_eq!(
        s(Prior::beta(2.0, 3.0, 0.1, 0.4).unwrap()),
        Support { lo: 0.1, hi: 0.4 }
    );
    let trunc = Prior::normal(0.25, 0.05, Some(0.1), Some(0.4)).unwrap();
    assert!(trunc.support().within(0.0, 1.0));
    assert!(!trunc.support().within(0.2, 1.0));
    // An untruncated normal leaves any finite range; a lognormal fits [0, ∞).
    assert!(
        !Prior::normal(0.5, 0.1, None, None)
            .unwrap()
            .support()
            .within(0.0, 1.0)
    );
    assert!(
        Prior::lognormal(0.0, 1.0, None, None)
            .unwrap()
            .support()
            .within(0.0, f64::INFINITY)
    );
}

#[test]
fn grid_ends_on_open_tails_take_the_tail_quantile() {
    let n = Prior::normal(1.0, 2.0, None, None).unwrap();
    assert_eq!(n.value_at(0.0), n.quantile(OPEN_TAIL));
    assert_eq!(n.value_at(1.0), n.quantile(1.0 - OPEN_TAIL));
    assert!(n.quantile(0.0).is_infinite() && n.value_at(0.0).is_finite());
    let ln = Prior::lognormal(0.0, 1.0, None, None).unwrap();
    assert!(ln.value_at(0.0) > 0.0 && ln.value_at(1.0).is_finite());
    // Closed ends keep their bounds; inside the interval nothing changes.
    let half = Prior::normal(0.0, 1.0, Some(-1.0), None).unwrap();
    assert_eq!(half.value_at(0.0), -1.0);
    assert_eq!(half.value_at(1.0), half.quantile(1.0 - OPEN_TAIL));
    assert_eq!(Prior::uniform(2.0, 4.0).unwrap().value_at(1.0), 4.0);
    assert_eq!(n.value_at(0.3), n.quantile(0.3));
}

#[test]
fn far_tail_truncation_keeps_its_precision() {
    // Both bounds far above the mean: Φ there is 1 − 3e-7, so the naive
    // formula would lose half the digits; the reflection keeps them.
    let p = Prior::normal(0.0, 1.0, Some(5.0), Some(6.0)).unwrap();
    for u in [1e-6, 0.1, 0.5, 0.9, 1.0 - 1e-6] {
        let x = p.quantile(u);
        assert!((5.0..=6.0).contains(&x));
        assert!((p.cdf(x) - u).abs() < 1e-9, "u {u}: F(q(u)) = {}", p.cdf(x));
    }
    let low = Prior::normal(0.0, 1.0, Some(-6.0), Some(-5.0)).unwrap();
    assert!(
        (low.quantile(0.5) + p.quantile(0.5)).abs() < 1e-9,
        "mirror images"
    );
}

fn any_prior() -> impl Strategy<Value = Prior> {
    let bounds = (-5.0..5.0f64, 0.01..5.0f64);
    prop_oneof![
        bounds.prop_map(|(lo, w)| Prior::uniform(lo, lo + w).unwrap()),
        (
            -3.0..3.0f64,
            0.01..2.0f64,
            proptest::option::of(-2.0..0.5f64),
            proptest::option::of(0.5..2.0f64)
        )
            .prop_map(|(m, s, a, b)| {
                // Bounds in sds around the mean, so the mass is never negligible.
                Prior::normal(m, s, a.map(|a| m + a * s), b.map(|b| m + b * s)).unwrap()
            }),
        (
            -2.0..2.0f64,
            0.05..1.5f64,
            proptest::option::of(-1.5..0.0f64),
            proptest::option::of(0.0..1.5f64)
        )
            .prop_map(|(mu, s, a, b)| {
                Prior::lognormal(
                    mu,
                    s,
                    a.map(|a| (mu + a * s).exp()),
                    b.map(|b| (mu + (b + 0.01) * s).exp()),
                )
                .unwrap()
            }),
        (0.3..8.0f64, 0.3..8.0f64, -2.0..2.0f64, 0.1..3.0f64)
            .prop_map(|(a, b, lo, w)| Prior::beta(a, b, lo, lo + w).unwrap()),
        (-2.0..2.0f64, 0.0..1.0f64, 0.1..3.0f64).prop_map(|(lo, m, w)| Prior::triangular(
            lo,
            lo + m * w,
            lo + w
        )
        .unwrap()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    /// F(q(u)) = u, and q is increasing and stays in the support.
    #[test]
    fn quantile_inverts_the_cdf(p in any_prior(), u in 0.0005..0.9995f64, du in 1e-6..0.3f64) {
        let x = p.quantile(u);
        let s = p.support();
        prop_assert!(s.lo <= x && x <= s.hi, "{} outside {}", x, s);
        prop_assert!((p.cdf(x) - u).abs() < 1e-8, "{}: F(q({})) = {}", p, u, p.cdf(x));
        let v = (u + du).min(0.9995);
        prop_assert!(p.quantile(v) >= x, "{}: q not increasing at {}", p, u);
    }
}

#[test]
fn the_brief_example_parses_to_a_truncated_normal() {
    let p = parse("{ dist = \"normal\", mean = 0.25, sd = 0.05, min = 0.1, max = 0.4 }").unwrap();
    assert_eq!(p, Prior::normal(0.25, 0.05, Some(0.1), Some(0.4)).unwrap());
    assert_eq!(p.support(), Support { lo: 0.1, hi: 0.4 });
    assert_eq!(
        p.to_string(),
        "normal(mean 0.25, sd 0.05) truncated to [0.1, 0.4]"
    );
    // Integers are numbers; every family parses.
    assert_eq!(
        parse("{ dist = \"uniform\", min = 1, max = 3 }").unwrap(),
        Prior::uniform(1.0, 3.0).unwrap()
    );
    assert_eq!(
        parse("{ dist = \"beta\", alpha = 2, beta = 5 }").unwrap(),
        Prior::beta(2.0, 5.0, 0.0, 1.0).unwrap()
    );
    assert_eq!(
        parse("{ dist = \"triangular\", min = 0, mode = 0.2, max = 1 }").unwrap(),
        Prior::triangular(0.0, 0.2, 1.0).unwrap()
    );
    assert_eq!(
        parse("{ dist = \"lognormal\", mu = 0, sigma = 0.5, max = 3 }").unwrap(),
        Prior::lognormal(0.0, 0.5, None, Some(3.0)).unwrap()
    );
    assert_eq!(
        parse("{ dist = \"lognormal\", mean = 2, sd = 0.5 }").unwrap(),
        Prior::lognormal_from_moments(2.0, 0.5, None, None).unwrap()
    );
    assert_eq!(
        parse("{ dist = \"truncated_normal\", mean = 0, sd = 1, min = 0 }").unwrap(),
        Prior::normal(0.0, 1.0, Some(0.0), None).unwrap()
    );
}

#[test]
fn parse_errors_name_the_field_and_what_was_expected() {
    let cases = [
        ("0.3", "inline table"),
        ("{ mean = 0.25, sd = 0.05 }", "missing `dist`"),
        ("{ dist = 3 }", "`dist` must be a string"),
        (
            "{ dist = \"gamma\" }",
            "`dist` must be one of uniform, normal, truncated_normal, lognormal, beta, triangular; got \"gamma\"",
        ),
        (
            "{ dist = \"normal\", mean = 0.25 }",
            "missing `sd` (a number)",
        ),
        (
            "{ dist = \"normal\", mean = 0.25, sd = \"wide\" }",
            "`sd` must be a number, got a string",
        ),
        (
            "{ dist = \"normal\", mean = 0.25, sd = -0.1 }",
            "`sd` must be positive, got -0.1",
        ),
        (
            "{ dist = \"normal\", mean = 0.25, sd = 0.05, sigma = 1 }",
            "unknown field `sigma` for a normal prior (expected mean, sd, min, max)",
        ),
        (
            "{ dist = \"normal\", mean = 0.25, sd = 0.05, min = 0.4, max = 0.1 }",
            "`min` (0.4) must be below `max` (0.1)",
        ),
        (
            "{ dist = \"normal\", mean = 0, sd = 1, min = 40, max = 41 }",
            "hold almost none",
        ),
        (
            "{ dist = \"normal\", mean = nan, sd = 1 }",
            "`mean` must be a finite number",
        ),
        (
            "{ dist = \"truncated_normal\", mean = 0, sd = 1 }",
            "needs `min`, `max` or both",
        ),
        (
            "{ dist = \"triangular\", min = 0, mode = 2, max = 1 }",
            "`mode` (2) must lie in [min, max]",
        ),
        (
            "{ dist = \"uniform\", min = 1, max = 1 }",
            "`min` (1) must be below `max` (1)",
        ),
        (
            "{ dist = \"beta\", alpha = 0, beta = 1 }",
            "`alpha` must be positive",
        ),
        (
            "{ dist = \"lognormal\", mu = 0, sd = 1 }",
            "either `mu` and `sigma`",
        ),
        (
            "{ dist = \"lognormal\", mu = 0, sigma = 1, min = -1 }",
            "`min` of a lognormal prior must be 0 or more",
        ),
    ];
    for (text, want) in cases {
        let err = parse(text).expect_err(text);
        assert!(
            err.contains(want),
            "{text}: got {err:?}, want it to contain {want:?}"
        );
        assert!(!err.contains('\n'), "one line: {err:?}");
    }
    assert_eq!(DISTS.len(), 6);
}
