//! The page's inputs: which scenario keys it offers, with their labels and
//! ranges. This list is the one place to change them (when the scenario
//! declares each key's range and doc, the ranges and labels can come from
//! there). An input's value is the key's value in the effective scenario; a
//! dated value shows its first year's.

use povsim::scenario::Scenario;
use povsim::scenario::dated::Dated;

/// One row of the list. A `*` in `key` stands for each enabled module; a key
/// under `interventions.NAME.` is offered when module NAME is enabled and the
/// key is in the scenario (so a module shows its budget or its budget share,
/// whichever it has).
pub struct Slider {
    pub key: &'static str,
    /// `{module}` stands for the module's name.
    pub label: &'static str,
    pub unit: &'static str,
    pub range: Range,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Range {
    /// From `min` to `max` by `step`.
    Fixed { min: f64, max: f64, step: f64 },
    /// From `min` to `times` the value, by `step`.
    Times { min: f64, times: f64, step: f64 },
    /// Money: from 0 to three times the value (at least 100,000), by a round step.
    Money,
    /// One of these words.
    Choice(&'static [&'static str]),
    /// A whole number (typed, not slid).
    Whole,
}

const PROBABILITY: Range = Range::Fixed {
    min: 0.0,
    max: 1.0,
    step: 0.01,
};

/// The inputs, in the page's order.
pub const SLIDERS: &[Slider] = &[
    Slider {
        key: "interventions.*.budget",
        label: "{module} budget",
        unit: "yuan a year",
        range: Range::Money,
    },
    Slider {
        key: "interventions.*.budget_share",
        label: "{module} share of the budget",
        unit: "0 to 1",
        range: PROBABILITY,
    },
    Slider {
        key: "poverty_lines.low_income",
        label: "poverty line (when moved: the same every year)",
        unit: "yuan per person-year",
        range: Range::Times {
            min: 500.0,
            times: 3.0,
            step: 50.0,
        },
    },
    Slider {
        key: "shocks.illness",
        label: "chance of a serious illness a year",
        unit: "0 to 1",
        range: PROBABILITY,
    },
    Slider {
        key: "shocks.crop_loss",
        label: "chance of a crop loss a year",
        unit: "0 to 1",
        range: PROBABILITY,
    },
    Slider {
        key: "shocks.job_loss",
        label: "chance a migrant loses the job a year",
        unit: "0 to 1",
        range: PROBABILITY,
    },
    Slider {
        key: "shocks.drought_severity",
        label: "harvest lost in a drought",
        unit: "0 to 1",
        range: PROBABILITY,
    },
    Slider {
        key: "interventions.targeting.method",
        label: "how the poor are identified",
        unit: "",
        range: Range::Choice(&["income", "proxy_means", "multidimensional"]),
    },
    Slider {
        key: "interventions.targeting.measurement_error",
        label: "error of the income assessment",
        unit: "sd of log income",
        range: Range::Fixed {
            min: 0.0,
            max: 1.5,
            step: 0.05,
        },
    },
    Slider {
        key: "simulation.seed",
        label: "random seed",
        unit: "",
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
            out.push(Field {
                label: s.label.replace("{module}", &module.replace('_', " ")),
                unit: s.unit,
                kind: kind(s.range, &value),
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

fn kind(range: Range, value: &Value) -> Kind {
    let now = match value {
        Value::Number(v) => *v,
        Value::Word(_) => 0.0,
    };
    match range {
        Range::Fixed { min, max, step } => Kind::Range { min, max, step },
        Range::Times { min, times, step } => Kind::Range {
            min,
            max: (now * times / step).ceil() * step,
            step,
        },
        Range::Money => {
            let (max, step) = money_range(now);
            Kind::Range {
                min: 0.0,
                max,
                step,
            }
        }
        Range::Choice(words) => Kind::Choice(words),
        Range::Whole => Kind::Whole,
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

    #[test]
    fn numbers_show_plainly() {
        assert_eq!(fmt_num(300000.0), "300000");
        assert_eq!(fmt_num(0.35), "0.35");
        assert_eq!(fmt_num(1.0 / 3.0), "0.3333");
        assert_eq!(money_range(300_000.0), (900_000.0, 1_000.0));
        assert_eq!(money_range(0.0), (100_000.0, 1_000.0));
    }
}
