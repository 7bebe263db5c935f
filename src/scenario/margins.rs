//! `[population.margins]`: known totals a survey's weights are raked to
//! ([`crate::raking`]) before the households are drawn, and the report of how
//! far each total was before and after (summary.json, the run's console).
//!
//! Each margin becomes one cell per key, `Σ_i w_i x_i = total`:
//!
//! | margin | cells | `x_i` of a household |
//! |---|---|---|
//! | `persons_by_village` | one per village id | its members, in its village |
//! | `persons_by_age` | `children`, `adults`, `elderly` | its persons of that age |
//! | `households_by_size` | `"1"`, `"2"`, …, `"6+"` | 1, in its size class |
//! | `registered_persons` | one | its members, if on the register |
//! | `registered_households` | one | 1, if on the register |

use super::load::Origins;
use super::population::Margins;
use super::survey::Survey;
use crate::error::Result;
use crate::raking::{self, Constraint, RakeError};
use serde::Serialize;

/// Relative distance at which raking stops: every total met within 0.001%.
pub const TOLERANCE: f64 = 1e-5;
/// Sweeps after which raking that has not met every total gives up.
pub const MAX_SWEEPS: usize = 10_000;

/// How far one margin cell is from its total.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MarginReport {
    /// The cell's key (`population.margins.persons_by_village.V01`).
    pub cell: String,
    pub total: f64,
    /// Under the design weights.
    pub before: f64,
    /// Under the raked weights.
    pub after: f64,
    /// In the model's households (whole copies of the survey's).
    pub population: f64,
}

impl MarginReport {
    /// Relative distance from the total: before raking, after it, in the population.
    pub fn distances(&self) -> [f64; 3] {
        [self.before, self.after, self.population].map(|v| (v - self.total).abs() / self.total)
    }
}

const PREFIX: &str = "population.margins";

/// The cells of the margins, one constraint each.
fn cells(m: &Margins, s: &Survey, origins: &Origins) -> Result<Vec<Constraint>> {
    let mut out = Vec::new();
    let total = |key: &str, t: f64| -> Result<f64> {
        if t.is_finite() && t > 0.0 {
            Ok(t)
        } else {
            Err(origins.error(key, format!("expected a total > 0, got {t}")))
        }
    };
    for (id, &t) in &m.persons_by_village {
        let key = format!("{PREFIX}.persons_by_village.{id}");
        let t = total(&key, t)?;
        let Some(v) = s.village_ids.iter().position(|x| x == id) else {
            return Err(origins.error(
                &key,
                format!(
                    "expected a village of {}, got \"{id}\"",
                    s.village_file.as_ref().unwrap_or(&s.file).display()
                ),
            ));
        };
        let terms = (0..s.rows())
            .filter(|&i| s.village[i] as usize == v)
            .map(|i| (i, s.members[i]))
            .collect();
        out.push(Constraint {
            name: key,
            target: t,
            terms,
        });
    }
    for (group, &t) in &m.persons_by_age {
        let key = format!("{PREFIX}.persons_by_age.{group}");
        if !["children", "adults", "elderly"].contains(&group.as_str()) {
            return Err(origins.error(
                &key,
                format!("expected children, adults or elderly, got \"{group}\""),
            ));
        }
        let t = total(&key, t)?;
        let Some(x) = s.get(group) else {
            return Err(origins.error(
                &key,
                "expected [population.columns] to name adults, children and elderly, got household sizes only",
            ));
        };
        let terms = x
            .iter()
            .enumerate()
            .filter(|(_, x)| **x > 0.0)
            .map(|(i, x)| (i, *x))
            .collect();
        out.push(Constraint {
            name: key,
            target: t,
            terms,
        });
    }
    let mut classes: Vec<(String, u64, u64)> = Vec::new();
    for (class, &t) in &m.households_by_size {
        let key = format!("{PREFIX}.households_by_size.{class}");
        let t = total(&key, t)?;
        let (lo, hi) = size_class(class).ok_or_else(|| {
            origins.error(
                &key,
                format!(
                    "expected a household size (\"3\") or an open class (\"6+\"), got \"{class}\""
                ),
            )
        })?;
        if let Some((other, _, _)) = classes.iter().find(|(_, a, b)| lo <= *b && *a <= hi) {
            return Err(origins.error(
                &key,
                format!(
                    "expected size classes that do not overlap, got \"{class}\" and \"{other}\""
                ),
            ));
        }
        classes.push((class.clone(), lo, hi));
        let terms = (0..s.rows())
            .filter(|&i| (lo..=hi).contains(&(s.members[i] as u64)))
            .map(|i| (i, 1.0))
            .collect();
        out.push(Constraint {
            name: key,
            target: t,
            terms,
        });
    }
    for (name, t, persons) in [
        ("registered_persons", m.registered_persons, true),
        ("registered_households", m.registered_households, false),
    ] {
        let Some(t) = t else { continue };
        let key = format!("{PREFIX}.{name}");
        let t = total(&key, t)?;
        let Some(reg) = s.get("registered") else {
            return Err(origins.error(
                &key,
                "expected [population.columns] to name the `registered` column, got none",
            ));
        };
        let terms = (0..s.rows())
            .filter(|&i| reg[i] == 1.0)
            .map(|i| (i, if persons { s.members[i] } else { 1.0 }))
            .collect();
        out.push(Constraint {
            name: key,
            target: t,
            terms,
        });
    }
    Ok(out)
}

/// `"3"` → (3, 3); `"6+"` → (6, ∞).
fn size_class(class: &str) -> Option<(u64, u64)> {
    let (num, open) = match class.strip_suffix('+') {
        Some(n) => (n, true),
        None => (class, false),
    };
    let k: u64 = num.trim().parse().ok().filter(|k| *k >= 1)?;
    Some((k, if open { u64::MAX } else { k }))
}

/// Rake the survey's weights to the margins (the design weights without
/// them); the margins' cells, for [`copies`].
pub fn fit(s: &mut Survey, m: Option<&Margins>, origins: &Origins) -> Result<Vec<Constraint>> {
    s.weights = s.design_weights.clone();
    let Some(m) = m else {
        return Ok(Vec::new());
    };
    let cells = cells(m, s, origins)?;
    if cells.is_empty() {
        return Ok(cells);
    }
    match raking::rake(&s.design_weights, &cells, TOLERANCE, MAX_SWEEPS) {
        Ok(fit) => {
            s.weights = fit.weights;
            s.sweeps = fit.sweeps;
            s.margins = cells
                .iter()
                .zip(fit.before.iter().zip(&fit.after))
                .map(|(c, (b, a))| MarginReport {
                    cell: c.name.clone(),
                    total: c.target,
                    before: *b,
                    after: *a,
                    population: f64::NAN,
                })
                .collect();
            Ok(cells)
        }
        Err(RakeError::Empty { cell }) => Err(origins.error(
            &cells[cell].name,
            format!(
                "expected surveyed households (with a weight above 0) in this cell, got none in {}",
                s.file.display()
            ),
        )),
        Err(RakeError::NotConverged {
            cell,
            sweeps,
            distance,
        }) => Err(origins.error(
            &cells[cell].name,
            format!(
                "expected totals the weights can meet together, got a cell raking leaves {:.3}% from its total {} after {sweeps} sweeps ({})",
                100.0 * distance,
                cells[cell].target,
                sums(m)
            ),
        )),
    }
}

/// What each margin adds up to (margins that count the same people must agree).
fn sums(m: &Margins) -> String {
    let mut parts = Vec::new();
    let mut add =
        |name: &str, v: f64, what: &str| parts.push(format!("{name} adds up to {v} {what}"));
    if !m.persons_by_village.is_empty() {
        add(
            "persons_by_village",
            m.persons_by_village.values().sum(),
            "persons",
        );
    }
    if !m.persons_by_age.is_empty() {
        add("persons_by_age", m.persons_by_age.values().sum(), "persons");
    }
    if !m.households_by_size.is_empty() {
        add(
            "households_by_size",
            m.households_by_size.values().sum(),
            "households",
        );
    }
    if let Some(v) = m.registered_persons {
        add("registered_persons", v, "persons");
    }
    if let Some(v) = m.registered_households {
        add("registered_households", v, "households");
    }
    parts.join(", ")
}

/// The survey's copies: `n` households apportioned to the raked weights
/// ([`raking::apportion`]), then moved between rows while that brings the
/// whole households closer to the margins ([`raking::integerize`], the
/// totals scaled to `n` households when the scenario asks for another
/// number than the weights stand for); each cell's total in them is reported.
pub fn copies(s: &mut Survey, cells: &[Constraint], n: u64) {
    s.copies = raking::apportion(&s.weights, n);
    if cells.is_empty() {
        return;
    }
    let total: f64 = s.weights.iter().sum();
    let scale = n as f64 / total;
    let quota: Vec<f64> = s.weights.iter().map(|w| w * scale).collect();
    let scaled: Vec<Constraint> = cells
        .iter()
        .map(|c| Constraint {
            target: c.target * scale,
            ..c.clone()
        })
        .collect();
    raking::integerize(&mut s.copies, &quota, &scaled);
    let copies: Vec<f64> = s.copies.iter().map(|c| *c as f64).collect();
    for (r, c) in s.margins.iter_mut().zip(cells) {
        r.population = c.total(&copies);
    }
}
