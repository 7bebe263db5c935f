//! The page's inputs: which scenario keys it offers, with a classroom label
//! and a slider's span. Everything else comes from the key's declaration
//! (`scenario::keys::find`): the unit, the words of a choice, and the valid
//! range, which clips every slider (a slider never offers a value the
//! validator would refuse). An input's value is the key's value in the
//! effective scenario; a dated value shows its first year's.

use povsim::scenario::Scenario;
use povsim::scenario::dated::Dated;
use povsim::scenario::keys::{self, Check};

/// One row of the list. A `*` in `key` stands for each enabled module; a key
/// under `interventions.NAME.` is offered when module NAME is enabled and the
/// key is in the scenario (so a module shows its budget or its budget share,
/// whichever it has).
pub struct Slider {
    pub key: &'static str,
    /// `{module}` stands for the module's name.
    pub label: &'static str,
    pub range: Range,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Range {
    /// From `min` to `max` by `step` (clipped to the declared range).
    Fixed { min: f64, max: f64, step: f64 },
    /// The declared range, by `step`.
    Declared { step: f64 },
    /// From `min` to `times` the value, by `step`.
    Times { min: f64, times: f64, step: f64 },
    /// Money: from 0 to three times the value (at least 100,000), by a round step.
    Money,
    /// One of the declared words.
    Choice,
    /// A whole number (typed, not slid).
    Whole,
}

const PROBABILITY: Range = Range::Declared { step: 0.01 };

/// The inputs, in the page's order.
pub const SLIDERS: &[Slider] = &[
    Slider {
        key: "interventions.*.budget",
        label: "{module} budget",
        range: Range::Money,
    },
    Slider {
        key: "interventions.*.budget_share",
        label: "{module} share of the budget",
        range: PROBABILITY,
    },
    Slider {
        key: "poverty_lines.low_income",
        label: "poverty line (when moved: the same every year)",
        range: Range::Times {
            min: 500.0,
            times: 3.0,
            step: 50.0,
        },
    },
    Slider {
        key: "shocks.illness",
        label: "chance of a serious illness a year",
        range: PROBABILITY,
    },
    Slider {
        key: "shocks.crop_loss",
        label: "chance of a crop loss a year",
        range: PROBABILITY,
    },
    Slider {
        key: "shocks.job_loss",
        label: "chance a migrant loses the job a year",
        range: PROBABILITY,
    },
    Slider {
        key: "shocks.drought_severity",
        label: "harvest lost in a drought",
        range: PROBABILITY,
    },
    Slider {
        key: "interventions.targeting.method",
        label: "how the poor are identified",
        range: Range::Choice,
    },
    Slider {
        key: "interventions.targeting.measurement_error",
        label: "error of the income assessment",
        range: Range::Fixed {
            min: 0.0,
            max: 1.5,
            step: 0.05,
        },
    },
    Slider {
        key: "simulation.seed",
        label: "random seed",
        range: Range::Whole,
    },
];

/// One input of the form, for one scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub key: String,
    pub label: String,
    pub unit: &'static str,
    pub kind: Kind,
    /// The value in the scenario, as the input shows it.
    pub value: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Range { min: f64, max: f64, step: f64 },
    Choice(&'static [&'static str]),
    Whole,
}

/// The form's fields for scenario `sc`, in the order of [`SLIDERS`].
pub fn fields(sc: &Scenario) -> Vec<Field> {
    let effective: toml::Table = sc.to_toml().parse().unwrap_or_default();
    let modules: Vec<&'static str> = povsim::interventions::build(sc)
        .iter()
        .map(|m| m.name())
        .collect();
    let mut out: Vec<Field> = Vec::new();
    let mut budgeted: Vec<&str> = Vec::new();
    for s in SLIDERS {
        let keys: Vec<(String, &str)> = match s.key.split_once(".*.") {
            Some((head, tail)) => modules
                .iter()
                .filter(|m| !budgeted.contains(m))
                .map(|m| (format!("{head}.{m}.{tail}"), *m))
                .collect(),
            None => vec![(s.key.to_string(), "")],
        };
        for (key, module) in keys {
            let offered = match key.strip_prefix("interventions.") {
                Some(rest) => modules.iter().any(|m| rest.split('.').next() == Some(m)),
                None => true,
            };
            let Some(value) = offered.then(|| value_of(&effective, &key, sc.start_year)) else {
                continue;
            };
            let Some(value) = value else { continue };
            if !module.is_empty() {
                budgeted.push(module);
            }
            // Every offered key is declared (a test holds the list to it).
            let Some(decl) = keys::find(&key) else {
                continue;
            };
            out.push(Field {
                label: s.label.replace("{module}", &module.replace('_', " ")),
                unit: decl.unit,
                kind: kind(s.range, &decl, &value),
                value: value.text(),
                key,
            });
        }
    }
    // The budget rows are one per module: keep the modules' order.
    out.sort_by_key(|f| {
        modules
            .iter()
            .position(|m| f.key.starts_with(&format!("interventions.{m}.budget")))
            .unwrap_or(usize::MAX)
    });
    out
}

/// A key's value in the effective scenario.
enum Value {
    Number(f64),
    Word(String),
}

impl Value {
    fn text(&self) -> String {
        match self {
            Value::Number(v) => fmt_num(*v),
            Value::Word(w) => w.clone(),
        }
    }
}

fn value_of(effective: &toml::Table, key: &str, year: i32) -> Option<Value> {
    let mut parts = key.split('.');
    let mut v = effective.get(parts.next()?)?;
    for p in parts {
        v = v.as_table()?.get(p)?;
    }
    Some(match v {
        toml::Value::Integer(i) => Value::Number(*i as f64),
        toml::Value::Float(x) => Value::Number(*x),
        toml::Value::String(s) => Value::Word(s.clone()),
        other => Value::Number(other.clone().try_into::<Dated>().ok()?.at(year)),
    })
}

fn kind(range: Range, decl: &keys::Key, value: &Value) -> Kind {
    let now = match value {
        Value::Number(v) => *v,
        Value::Word(_) => 0.0,
    };
    let valid = decl
        .range
        .unwrap_or(keys::Range::closed(f64::MIN, f64::MAX));
    let (min, max, step) = match range {
        Range::Fixed { min, max, step } => (min, max, step),
        Range::Declared { step } => (valid.min, valid.max, step),
        Range::Times { min, times, step } => (min, (now * times / step).ceil() * step, step),
        Range::Money => {
            let (max, step) = money_range(now);
            (0.0, max, step)
        }
        Range::Choice => {
            return match decl.check {
                Check::Choice(words) => Kind::Choice(words),
                _ => Kind::Whole,
            };
        }
        Range::Whole => return Kind::Whole,
    };
    // An open bound is not offered: step inside it.
    let lo = if valid.min_open {
        valid.min + step
    } else {
        valid.min
    };
    let hi = if valid.max_open {
        valid.max - step
    } else {
        valid.max
    };
    Kind::Range {
        min: min.max(lo),
        max: max.min(hi),
        step,
    }
}

/// A round slider maximum and step for a money amount `v`.
fn money_range(v: f64) -> (f64, f64) {
    let max = (v * 3.0).max(100_000.0);
    let mag = 10f64.powf((max / 100.0).log10().floor());
    let max = (max / (mag * 10.0)).ceil() * mag * 10.0;
    (max, mag)
}

/// A number as the form shows it: whole numbers without decimals, others with at most four.
pub fn fmt_num(v: f64) -> String {
    if v == v.round() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_classroom_form() {
        let sc = povsim::scenario::load_str(
            std::path::Path::new("classroom.toml"),
            super::super::super::init::CLASSROOM,
            &[],
        )
        .unwrap();
        let f = fields(&sc);
        let keys: Vec<&str> = f.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "interventions.targeting.budget",
                "interventions.transfers.budget",
                "interventions.education.budget",
                "interventions.relocation.budget",
                "poverty_lines.low_income",
                "shocks.illness",
                "shocks.crop_loss",
                "shocks.job_loss",
                "shocks.drought_severity",
                "interventions.targeting.method",
                "interventions.targeting.measurement_error",
                "simulation.seed",
            ]
        );
        let by = |k: &str| f.iter().find(|f| f.key == k).unwrap();
        // Values as in classroom.toml; ranges as the list says.
        let t = by("interventions.transfers.budget");
        assert_eq!(
            (t.value.as_str(), t.label.as_str()),
            ("300000", "transfers budget")
        );
        assert_eq!(
            t.kind,
            Kind::Range {
                min: 0.0,
                max: 900_000.0,
                step: 1_000.0
            }
        );
        let line = by("poverty_lines.low_income");
        assert_eq!(line.value, "2800");
        assert_eq!(
            line.kind,
            Kind::Range {
                min: 500.0,
                max: 8400.0,
                step: 50.0
            }
        );
        assert_eq!(by("interventions.targeting.method").value, "income");
        assert_eq!(
            by("interventions.targeting.measurement_error").value,
            "0.35"
        );
        assert_eq!(by("simulation.seed").value, "2014");
        // Without targeting: no targeting inputs, the other modules' as before.
        let sc = povsim::scenario::load_str(
            std::path::Path::new("classroom.toml"),
            super::super::super::init::CLASSROOM,
            &["interventions.targeting.enabled=false".into()],
        )
        .unwrap();
        let without: Vec<String> = fields(&sc).into_iter().map(|f| f.key).collect();
        let expected: Vec<&str> = keys
            .into_iter()
            .filter(|k| !k.contains("targeting"))
            .collect();
        assert_eq!(without, expected);
    }

    /// The list names declared keys only, with the kind of control their
    /// declaration allows, and no slider reaches outside the valid range.
    #[test]
    fn every_slider_is_a_declared_key_within_its_range() {
        for s in SLIDERS {
            let key = s.key.replace(".*.", ".transfers.");
            let decl = keys::find(&key).unwrap_or_else(|| panic!("{key} is not declared"));
            let value = Value::Number(1_000.0);
            match kind(s.range, &decl, &value) {
                Kind::Range { min, max, .. } => {
                    let valid = decl.range.expect("a numeric key has a range");
                    assert!(
                        valid.contains(min) && valid.contains(max),
                        "{key}: {min}..{max}"
                    );
                    assert!(min < max, "{key}");
                }
                Kind::Choice(w) => assert_eq!(decl.check, Check::Choice(w), "{key}"),
                Kind::Whole => assert!(
                    matches!(decl.check, Check::Whole(..) | Check::Seed),
                    "{key}"
                ),
            }
        }
        // A span wider than the declaration is clipped to it.
        let decl = keys::find("shocks.illness").unwrap();
        let wide = Range::Fixed {
            min: -1.0,
            max: 2.0,
            step: 0.1,
        };
        assert_eq!(
            kind(wide, &decl, &Value::Number(0.1)),
            Kind::Range {
                min: 0.0,
                max: 1.0,
                step: 0.1
            }
        );
    }

    #[test]
    fn numbers_show_plainly() {
        assert_eq!(fmt_num(300000.0), "300000");
        assert_eq!(fmt_num(0.35), "0.35");
        assert_eq!(fmt_num(1.0 / 3.0), "0.3333");
        assert_eq!(money_range(300_000.0), (900_000.0, 1_000.0));
        assert_eq!(money_range(0.0), (100_000.0, 1_000.0));
    }
}
