//! The submitted form: decoding, the checks the scenario loader cannot make
//! (field names, non-finite numbers, the size of a run the page accepts), and
//! the `--set KEY=VALUE` overrides it amounts to. Every other check is the
//! scenario loader's, as for a file.

use super::sliders::Field;
use povsim::scenario::Scenario;
use std::collections::BTreeMap;

/// Largest scenario the page runs.
pub const MAX_HOUSEHOLDS: u64 = 20_000;
pub const MAX_YEARS: u32 = 30;
pub const MAX_REPLICATES: u32 = 20;

/// Refuse a scenario larger than the page runs.
pub fn check_caps(sc: &Scenario) -> povsim::Result<()> {
    let err = |what: String| Err(povsim::Error::Input(what));
    if sc.households() > MAX_HOUSEHOLDS {
        return err(format!(
            "simulation.households: expected at most {MAX_HOUSEHOLDS} households for the page, got {}",
            sc.households()
        ));
    }
    if sc.years > MAX_YEARS {
        return err(format!(
            "simulation.years: expected at most {MAX_YEARS} years for the page, got {}",
            sc.years
        ));
    }
    if sc.replicates > MAX_REPLICATES {
        return err(format!(
            "simulation.replicates: expected at most {MAX_REPLICATES} replicates for the page, got {}",
            sc.replicates
        ));
    }
    Ok(())
}

/// Decode `application/x-www-form-urlencoded` text.
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
                {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The form's fields as key → value (empty values left out). Keys must look
/// like scenario keys; a value that reads as a number must be finite (`nan`,
/// `inf` and `-inf` are refused like out-of-range numbers, not taken as "no change").
pub fn parse(form: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for pair in form.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (decode(k), decode(v));
        if k.is_empty()
            || k.len() > 100
            || !k
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            let shown: String = k.chars().take(40).filter(|c| !c.is_control()).collect();
            return Err(format!(
                "form: expected field names like interventions.transfers.budget, got \"{shown}\""
            ));
        }
        let v = v.trim().to_string();
        if v.parse::<f64>().is_ok_and(|x| !x.is_finite()) {
            let shown: String = v.chars().take(40).filter(|c| !c.is_control()).collect();
            return Err(format!("{k}: expected a finite number, got \"{shown}\""));
        }
        if !v.is_empty() {
            out.insert(k, v);
        }
    }
    Ok(out)
}

/// The `--set KEY=VALUE` overrides of the submitted `values`: every value
/// that differs from its field's (and every key that is not a field).
pub fn overrides(fields: &[Field], values: &BTreeMap<String, String>) -> Vec<String> {
    values
        .iter()
        .filter(|(k, v)| {
            fields
                .iter()
                .find(|f| &f.key == *k)
                .is_none_or(|f| differs(v, &f.value))
        })
        .map(|(k, v)| format!("{k}={v}"))
        .collect()
}

/// Whether a submitted value differs from the field's (numbers compared as numbers).
fn differs(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() > 1e-9 * x.abs().max(y.abs()).max(1.0),
        _ => a != b,
    }
}

#[cfg(test)]
mod tests {
    use super::super::sliders::Kind;
    use super::*;

    #[test]
    fn non_finite_numbers_are_refused() {
        for v in ["nan", "NaN", "inf", "-inf", "+Infinity", "%2Dinf"] {
            let e = parse(&format!("shocks.illness={v}")).unwrap_err();
            assert!(
                e.starts_with("shocks.illness: expected a finite number"),
                "{v}: {e}"
            );
        }
        let ok = parse("shocks.illness=0.2&interventions.targeting.method=income&x=").unwrap();
        assert_eq!(ok.len(), 2);
        assert!(parse("a%20b=1").is_err());
    }

    #[test]
    fn only_changed_values_become_overrides() {
        let field = |key: &str, value: &str| Field {
            key: key.into(),
            label: String::new(),
            unit: "",
            kind: Kind::Whole,
            value: value.into(),
        };
        let fields = [field("a.b", "0.5"), field("c.d", "income")];
        let values = parse("a.b=0.50&c.d=income&e.f=3").unwrap();
        assert_eq!(overrides(&fields, &values), ["e.f=3"]);
        let values = parse("a.b=0.6&c.d=proxy_means").unwrap();
        assert_eq!(overrides(&fields, &values), ["a.b=0.6", "c.d=proxy_means"]);
        assert_eq!(decode("a+b%2Cc%zz"), "a b,c%zz");
    }
}
