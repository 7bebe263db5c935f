//! The `[uncertainty]` table: a prior for each uncertain scalar key, for
//! `povsim sensitivity` and `povsim compare --param-draws`.
//!
//! ```toml
//! [uncertainty]
//! # Why this range: ... (a comment beside each prior)
//! "income.return_sd" = { dist = "uniform", min = 0.1, max = 0.2 }
//! "shocks.illness" = { dist = "normal", mean = 0.06, sd = 0.015, min = 0.02, max = 0.12 }
//! ```
//!
//! A key is written quoted (`"shocks.illness"`) or as TOML dotted keys
//! (`shocks.illness = {...}`): both name the same key. The prior is an inline
//! table read by [`super::prior::Prior::parse`] (uniform, normal, truncated
//! normal, lognormal, beta, triangular).
//!
//! Checked with every load ([`plan`]), each error one located line: the key
//! must be declared (`povsim validate --list-keys`), hold a real number (a
//! probability, a share, a rate, a distribution's or a schedule's parameter;
//! not a whole number, a choice or a whole distribution), not be a
//! `simulation.` key (those say what is run, not how the county works), and
//! the prior's support, and the values its quantile function gives at 0 and
//! 1 (a Morris grid's extreme levels), must lie in the key's valid range.
//! Rules relating several keys are checked when an analysis starts, on every
//! point of its design, before anything runs.
//!
//! Like `[sweep]` and `[calibration]`, the table is not part of the effective
//! scenario (never serialized, so it changes no digest), and a file's table
//! replaces an inherited one whole: a file that extends another states its own
//! uncertainty, or inherits the parent's as it stands.

use super::check::Checker;
use super::keys::{self, Check};
use super::prior::Prior;
use crate::error::Result;

/// One uncertain key and its prior.
#[derive(Clone, Debug, PartialEq)]
pub struct UncertainKey {
    /// A dotted scalar key, as `--set` takes it.
    pub key: String,
    pub prior: Prior,
    /// The prior's inline table as written (to record and re-read it).
    pub table: toml::Value,
}

/// A checked `[uncertainty]` table: the keys in the table's order, which is
/// the column order of every design.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct UncertaintyPlan {
    pub keys: Vec<UncertainKey>,
}

/// Most priors a table may declare (the Sobol' sequence's limit).
pub const MAX_PRIORS: usize = 128;

/// The (key, inline table) pairs of the table: a table holding `dist` is a
/// prior; any other table is a level of a dotted key.
fn leaves<'a>(prefix: &str, t: &'a toml::Table, out: &mut Vec<(String, &'a toml::Value)>) {
    for (k, v) in t {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v.as_table() {
            Some(inner) if !inner.contains_key("dist") => leaves(&path, inner, out),
            _ => out.push((path, v)),
        }
    }
}

/// Check the `[uncertainty]` table (with every load).
pub fn plan(t: &toml::Table, c: &Checker) -> Result<UncertaintyPlan> {
    let o = c.o;
    let mut found = Vec::new();
    leaves("", t, &mut found);
    if found.is_empty() {
        return Err(o.error(
            "uncertainty",
            "expected at least one prior, such as \"shocks.illness\" = { dist = \"uniform\", min = 0.04, max = 0.08 }, got none",
        ));
    }
    if found.len() > MAX_PRIORS {
        return Err(o.error(
            "uncertainty",
            format!("expected at most {MAX_PRIORS} priors, got {}", found.len()),
        ));
    }
    let mut keys: Vec<UncertainKey> = Vec::new();
    for (key, v) in found {
        let at = format!("uncertainty.{key}");
        let err = |m: String| o.error(&at, m);
        if keys.iter().any(|k| k.key == key) {
            return Err(err(format!("expected each key once, got {key} twice")));
        }
        super::sweep::check_key(&key).map_err(err)?;
        if key.starts_with("simulation.") {
            return Err(err(format!(
                "expected a model key (the [simulation] table says what is run, not how the county works), got {key}"
            )));
        }
        let Some(decl) = keys::find(&key) else {
            return Err(err(format!(
                "expected a declared key (see `povsim validate --list-keys`), got {key}"
            )));
        };
        let range = match (decl.check, decl.range) {
            (Check::Number(..) | Check::Probability | Check::Positive, Some(r)) => r,
            (check, _) => {
                let hint = match check {
                    Check::Dist(..) => {
                        ": give a prior to one of its parameters, such as .mean or .sigma"
                    }
                    Check::Dated(..) | Check::DatedPositive => {
                        ": give a prior to its .index or to one of its .values.YEAR"
                    }
                    Check::Whole(..) => " (a whole number cannot take a continuous prior)",
                    _ => "",
                };
                return Err(err(format!(
                    "expected a key holding a real number, got {key}, a {}{hint}",
                    decl.type_name()
                )));
            }
        };
        let prior = Prior::parse(v).map_err(err)?;
        let s = prior.support();
        let (v0, v1) = (prior.value_at(0.0), prior.value_at(1.0));
        if !(s.lo >= range.min && s.hi <= range.max && range.contains(v0) && range.contains(v1)) {
            return Err(err(format!(
                "expected a prior inside the key's valid range {range}, got {prior} (support {s}){}",
                if s.lo.is_infinite() || s.hi.is_infinite() {
                    "; truncate it with min and max"
                } else {
                    ""
                }
            )));
        }
        keys.push(UncertainKey {
            key,
            prior,
            table: v.clone(),
        });
    }
    Ok(UncertaintyPlan { keys })
}
