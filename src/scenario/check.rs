//! Single-key checks: every key's value against its declaration
//! ([`super::keys`]), each failure one line naming the key and its place.

use super::dated::{Dated, INDEX_RANGE, YEARS};
use super::dist::{Dist, DistKind};
use super::keys::{Check, Range, Section, Value, Visit, bound};
use super::origins::Origins;
use crate::error::Result;

/// Range checks that name the key and its place.
pub struct Checker<'a> {
    pub o: &'a Origins,
}

/// Checks every key of every section the file holds, in file order.
pub struct Ranges<'a, 'c>(pub &'a Checker<'c>);

impl Visit for Ranges<'_, '_> {
    fn section<S: Section>(&mut self, prefix: &str, section: Option<&S>) -> Result<()> {
        let Some(s) = section else {
            return Ok(());
        };
        for (d, v) in S::KEYS.iter().zip(s.values()) {
            self.0.key(&format!("{prefix}.{}", d.name), d.check, v)?;
        }
        Ok(())
    }
}

impl Checker<'_> {
    /// A value against its declared check.
    pub fn key(&self, path: &str, check: Check, v: Value) -> Result<()> {
        match (check, v) {
            (Check::Number(lo, hi), Value::Number(x)) => self.range(path, x, lo, hi),
            (Check::Whole(lo, hi), Value::Whole(x)) => self.int(path, x, lo, hi),
            (Check::Probability, Value::Number(x)) => self.prob(path, x),
            (Check::Positive, Value::Number(x)) => self.positive(path, x),
            (Check::Dated(lo, hi), Value::Dated(d)) => self.dated_range(path, d, lo, hi),
            (Check::DatedPositive, Value::Dated(d)) => self.dated_positive(path, d),
            (Check::Dist(lo, hi), Value::Dist(d)) => self.dist(path, d, lo, hi),
            (Check::Name, Value::Text(s)) => self.name(path, s),
            (Check::Path, Value::Text(s)) if s.trim().is_empty() => {
                Err(self.o.error(path, "expected a path, got an empty string"))
            }
            (Check::Column(_), Value::Text(s)) if s.trim().is_empty() => Err(self.o.error(
                path,
                "expected the name of a column of the file, got an empty string",
            )),
            (Check::List(item), Value::Numbers(xs)) => {
                for (k, x) in xs.iter().enumerate() {
                    self.key(&format!("{path}[{k}]"), *item, Value::Number(*x))?;
                }
                Ok(())
            }
            // Absent optional keys; choices and flags serde has read.
            _ => Ok(()),
        }
    }

    /// A name that is safe as a directory name.
    pub fn name(&self, path: &str, s: &str) -> Result<()> {
        if s.trim().is_empty()
            || s.len() > 80
            || !s
                .chars()
                .all(|ch| ch.is_alphanumeric() || "_-.".contains(ch))
            || s.starts_with('.')
        {
            return Err(self.o.error(path, format!("expected a name of letters, digits, '_', '-' or '.' (not starting with '.'), at most 80 characters, got \"{s}\"")));
        }
        Ok(())
    }

    pub fn int(&self, path: &str, v: i64, lo: i64, hi: i64) -> Result<()> {
        if v < lo || v > hi {
            return Err(self.o.error(
                path,
                format!("expected a whole number from {lo} to {hi}, got {v}"),
            ));
        }
        Ok(())
    }

    pub fn finite(&self, path: &str, v: f64) -> Result<()> {
        if !v.is_finite() {
            return Err(self
                .o
                .error(path, format!("expected a finite number, got {v}")));
        }
        Ok(())
    }

    pub fn range(&self, path: &str, v: f64, lo: f64, hi: f64) -> Result<()> {
        if !(v >= lo && v <= hi) {
            return Err(self.o.error(
                path,
                format!(
                    "expected a number from {} to {}, got {v}",
                    bound(lo),
                    bound(hi)
                ),
            ));
        }
        Ok(())
    }

    pub fn prob(&self, path: &str, v: f64) -> Result<()> {
        if !(0.0..=1.0).contains(&v) {
            return Err(self
                .o
                .error(path, format!("expected a probability from 0 to 1, got {v}")));
        }
        Ok(())
    }

    pub fn positive(&self, path: &str, v: f64) -> Result<()> {
        if !(v > 0.0 && v.is_finite()) {
            return Err(self
                .o
                .error(path, format!("expected a number greater than 0, got {v}")));
        }
        Ok(())
    }

    fn dated_points(&self, path: &str, d: &Dated) -> Result<Vec<(i32, f64)>> {
        let pts = d
            .points()
            .map_err(|m| self.o.error(&format!("{path}.values"), m))?;
        if let Dated::Schedule(s) = d {
            self.range(
                &format!("{path}.index"),
                s.index,
                INDEX_RANGE.0,
                INDEX_RANGE.1,
            )?;
            for (y, _) in &pts {
                if !(YEARS.0..=YEARS.1).contains(y) {
                    return Err(self.o.error(
                        &format!("{path}.values"),
                        format!("expected years from {} to {}, got {y}", YEARS.0, YEARS.1),
                    ));
                }
            }
            // "2010" and "+2010" are different keys but the same year: which would win is arbitrary.
            if let Some(w) = pts.windows(2).find(|w| w[0].0 == w[1].0) {
                let keys: Vec<&str> = s
                    .values
                    .keys()
                    .filter(|k| k.trim().parse::<i32>() == Ok(w[0].0))
                    .map(String::as_str)
                    .collect();
                return Err(self.o.error(
                    &format!("{path}.values"),
                    format!(
                        "expected each year once, got {} {} times (as \"{}\")",
                        w[0].0,
                        keys.len(),
                        keys.join("\", \"")
                    ),
                ));
            }
        }
        Ok(pts)
    }

    pub fn dated_range(&self, path: &str, d: &Dated, lo: f64, hi: f64) -> Result<()> {
        for (y, v) in self.dated_points(path, d)? {
            self.range(&year_path(path, y), v, lo, hi)?;
        }
        Ok(())
    }

    pub fn dated_positive(&self, path: &str, d: &Dated) -> Result<()> {
        for (y, v) in self.dated_points(path, d)? {
            self.positive(&year_path(path, y), v)?;
        }
        Ok(())
    }

    /// A distribution whose draws are clamped to [lo, hi]; its parameters
    /// must suit its kind, each in its range ([`DistKind::param_range`]).
    pub fn dist(&self, path: &str, d: &Dist, lo: f64, hi: f64) -> Result<()> {
        let kind = d.dist.word();
        let need = |name: &str, v: Option<f64>| -> Result<f64> {
            v.ok_or_else(|| {
                self.o.error(
                    path,
                    format!("expected `{name}` for dist = \"{kind}\", got none"),
                )
            })
        };
        let fields = d.params();
        for (name, v) in fields {
            if let Some(v) = v {
                self.finite(&format!("{path}.{name}"), v)?;
            }
        }
        let allowed = d.dist.allowed_params();
        for (name, v) in fields {
            if let Some(v) = v
                && !allowed.contains(&name)
            {
                return Err(self.o.error(
                    &format!("{path}.{name}"),
                    format!(
                        "expected only {} for dist = \"{kind}\", got {name} = {v}",
                        allowed.join(", "),
                    ),
                ));
            }
        }
        // One parameter in its declared range (a closed range as messages write it).
        let param = |name: &str, v: Option<f64>| -> Result<()> {
            let v = need(name, v)?;
            let (r, _) = d
                .dist
                .param_range(name, lo, hi)
                .unwrap_or((Range::closed(f64::NEG_INFINITY, f64::INFINITY), None));
            let min = if r.min_open && r.min == 0.0 {
                f64::MIN_POSITIVE
            } else {
                r.min
            };
            self.range(&format!("{path}.{name}"), v, min, r.max)
        };
        match d.dist {
            DistKind::Constant => param("value", d.value)?,
            DistKind::Uniform => {
                let (a, b) = (need("min", d.min)?, need("max", d.max)?);
                param("min", Some(a))?;
                self.range(&format!("{path}.max"), b, a, hi)?;
            }
            DistKind::Normal => {
                param("mean", d.mean)?;
                param("sd", d.sd)?;
            }
            DistKind::Lognormal => {
                param("median", d.median)?;
                param("sigma", d.sigma)?;
            }
            DistKind::Beta => {
                let m = need("mean", d.mean)?;
                let sd = need("sd", d.sd)?;
                if !(m > 0.0 && m < 1.0) {
                    return Err(self.o.error(&format!("{path}.mean"), format!("expected a number strictly between 0 and 1 for a beta distribution, got {m}")));
                }
                let max_sd = (m * (1.0 - m)).sqrt();
                if !(sd > 0.0 && sd < max_sd) {
                    return Err(self.o.error(&format!("{path}.sd"), format!("expected a number between 0 and {max_sd:.4} (sqrt(mean·(1−mean))) for a beta distribution, got {sd}")));
                }
            }
            DistKind::Poisson => param("mean", d.mean)?,
        }
        if let (Some(a), Some(b)) = (d.min, d.max)
            && a > b
        {
            return Err(self.o.error(
                &format!("{path}.max"),
                format!("expected max ≥ min ({a}), got {b}"),
            ));
        }
        Ok(())
    }
}

/// The path of one year's value of a dated key (the key itself for a plain number).
fn year_path(path: &str, year: i32) -> String {
    if year == i32::MIN {
        path.to_string()
    } else {
        format!("{path}.values.{year}")
    }
}
