//! Dated parameters: a value that may change by year (poverty lines, budgets,
//! guarantee lines).
//!
//! In a file, a dated value is either a plain number (the same every year) or
//! a table `{ values = { 2008 = 1196, 2011 = 2300 }, index = 0.045 }`: each
//! listed value holds from its year on, grown by `index` a year until the next
//! listed year. So a reform can change a value from a given year on by adding
//! one entry, without restating earlier years.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Valid growth rates of a schedule (`index`): from −50% to +100% a year.
pub const INDEX_RANGE: (f64, f64) = (-0.5, 1.0);

/// Valid years of a schedule's `values`.
pub const YEARS: (i32, i32) = (1900, 2200);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Dated {
    Constant(f64),
    Schedule(Schedule),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Year (as a key) → value from that year on.
    pub values: BTreeMap<String, f64>,
    /// Annual growth rate applied after each listed year (0.045 = 4.5% a year).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub index: f64,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl Dated {
    pub fn constant(v: f64) -> Self {
        Dated::Constant(v)
    }

    /// A schedule from (year, value) pairs and an annual index.
    pub fn schedule(points: &[(i32, f64)], index: f64) -> Self {
        Dated::Schedule(Schedule {
            values: points.iter().map(|(y, v)| (y.to_string(), *v)).collect(),
            index,
        })
    }

    /// The parsed (year, value) points, in year order; errors name the bad entry.
    pub fn points(&self) -> Result<Vec<(i32, f64)>, String> {
        match self {
            Dated::Constant(v) => Ok(vec![(i32::MIN, *v)]),
            Dated::Schedule(s) => {
                if s.values.is_empty() {
                    return Err(
                        "expected at least one YEAR = VALUE entry in `values`, got none".into(),
                    );
                }
                let mut pts = Vec::with_capacity(s.values.len());
                for (k, v) in &s.values {
                    let y: i32 = k.trim().parse().map_err(|_| {
                        format!("expected a year (a whole number) as key in `values`, got \"{k}\"")
                    })?;
                    pts.push((y, *v));
                }
                pts.sort_by_key(|p| p.0);
                Ok(pts)
            }
        }
    }

    pub fn index(&self) -> f64 {
        match self {
            Dated::Constant(_) => 0.0,
            Dated::Schedule(s) => s.index,
        }
    }

    /// The value in `year`. Before the first listed year, the first value
    /// holds (deflated by the index, so an indexed line is consistent backwards).
    pub fn at(&self, year: i32) -> f64 {
        let pts = match self.points() {
            Ok(p) => p,
            Err(_) => return f64::NAN,
        };
        let idx = self.index();
        let k = pts.iter().rposition(|p| p.0 <= year);
        let (y0, v0) = match k {
            Some(k) => pts[k],
            None => pts[0],
        };
        if y0 == i32::MIN {
            return v0;
        }
        v0 * (1.0 + idx).powi(year - y0)
    }

    /// Values for `years` consecutive years from `start`.
    pub fn resolve(&self, start: i32, years: u32) -> Vec<f64> {
        (0..years as i32).map(|t| self.at(start + t)).collect()
    }

    /// Every literal number in the value (for range checks).
    pub fn literals(&self) -> Vec<f64> {
        match self {
            Dated::Constant(v) => vec![*v],
            Dated::Schedule(s) => s
                .values
                .values()
                .copied()
                .chain(std::iter::once(s.index))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_is_flat() {
        let d = Dated::constant(2300.0);
        assert_eq!(d.at(1990), 2300.0);
        assert_eq!(d.at(2030), 2300.0);
    }

    #[test]
    fn schedule_steps_and_indexes() {
        let d = Dated::schedule(&[(2008, 1000.0), (2011, 2000.0)], 0.10);
        assert_eq!(d.at(2008), 1000.0);
        assert!((d.at(2010) - 1210.0).abs() < 1e-9);
        assert_eq!(d.at(2011), 2000.0);
        assert!((d.at(2013) - 2420.0).abs() < 1e-9);
        // Before the first year: the index runs backwards.
        assert!((d.at(2007) - 1000.0 / 1.1).abs() < 1e-9);
    }
}
