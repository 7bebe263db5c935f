//! The page: the form and a run's results, filled into the templates of
//! `assets/serve/` (HTML, CSS and the page's few lines of script, included at
//! compile time). Every value filled in is escaped here; charts are the SVG
//! of the run's renderers; nothing is fetched from elsewhere.

use super::charts::Drawn;
use super::sliders::{Field, Kind, fmt_num};
use povsim::experiment::trace::{self, Story};
use povsim::scenario::Scenario;
use std::collections::BTreeMap;
use std::fmt::Write as _;

const PAGE: &str = include_str!("../../../assets/serve/page.html");
const READY: &str = include_str!("../../../assets/serve/ready.html");
const RESULT: &str = include_str!("../../../assets/serve/result.html");
const ERROR: &str = include_str!("../../../assets/serve/error.html");
const STYLE: &str = include_str!("../../../assets/serve/style.css");
const SCRIPT: &str = include_str!("../../../assets/serve/page.js");

/// A run to show.
pub struct Shown<'a> {
    /// What this run changed ("as in the scenario" when nothing).
    pub label: &'a str,
    /// The previous run's label, when it is drawn behind.
    pub previous: Option<&'a str>,
    /// The previous run's headcount ratio by year, in %.
    pub previous_headcount: &'a [(i32, f64)],
    pub drawn: &'a Drawn,
    pub stories: &'a [Story],
}

/// The page for scenario `sc`: the form (showing `values` where given, the
/// scenario's values elsewhere), then an error, a run's results, or "Ready".
pub fn page(
    sc: &Scenario,
    fields: &[Field],
    values: &BTreeMap<String, String>,
    shown: Option<&Shown>,
    error: Option<&str>,
) -> String {
    let about = format!(
        "{} villages · {} households · {}–{} · {} replicates.",
        sc.villages,
        sc.households(),
        sc.start_year,
        sc.end_year(),
        sc.replicates
    );
    let error = error
        .map(|e| format!("<div class=\"error\" id=\"error\">{}</div>\n", esc(e)))
        .unwrap_or_default();
    let (results, year_rules) = match shown {
        Some(s) => (result(s), year_rules(s.drawn.maps.len())),
        None if error.is_empty() => (READY.to_string(), String::new()),
        None => (String::new(), String::new()),
    };
    fill(
        PAGE,
        &[
            ("name", &esc(&sc.name)),
            ("style", STYLE),
            ("year_rules", &year_rules),
            ("about", &esc(&about)),
            ("fields", &form(fields, values)),
            ("error", &error),
            ("results", &results),
            ("script", SCRIPT),
        ],
    )
}

/// A page with only a one-line message (answers the form cannot show).
pub fn error_page(msg: &str) -> String {
    fill(ERROR, &[("style", STYLE), ("message", &esc(msg))])
}

fn form(fields: &[Field], values: &BTreeMap<String, String>) -> String {
    let mut h = String::new();
    for f in fields {
        let v = values.get(&f.key).unwrap_or(&f.value);
        let id = f.key.replace('.', "-");
        let unit = if f.unit.is_empty() {
            String::new()
        } else {
            format!(" <span class=\"unit\">({})</span>", f.unit)
        };
        let _ = writeln!(h, "<label for=\"{id}\">{}{unit}</label>", esc(&f.label));
        match &f.kind {
            Kind::Range { min, max, step } => {
                // A value above the range (typed into the address) widens it.
                let max = v.parse::<f64>().map_or(*max, |x| max.max(x));
                let _ = writeln!(
                    h,
                    "<input type=\"range\" id=\"{id}\" name=\"{}\" min=\"{}\" max=\"{}\" step=\"{}\" value=\"{}\"><output>{}</output>",
                    esc(&f.key),
                    fmt_num(*min),
                    fmt_num(max),
                    fmt_num(*step),
                    esc(v),
                    esc(v)
                );
            }
            Kind::Choice(words) => {
                let _ = write!(h, "<select id=\"{id}\" name=\"{}\">", esc(&f.key));
                for w in *words {
                    let _ = write!(
                        h,
                        "<option value=\"{w}\"{}>{}</option>",
                        if w == v { " selected" } else { "" },
                        w.replace('_', " ")
                    );
                }
                h.push_str("</select>\n");
            }
            Kind::Whole => {
                let _ = writeln!(
                    h,
                    "<input type=\"number\" id=\"{id}\" name=\"{}\" min=\"0\" step=\"1\" value=\"{}\">",
                    esc(&f.key),
                    esc(v)
                );
            }
        }
    }
    h
}

/// The style rules that show year `k`'s map when its button is checked.
fn year_rules(years: usize) -> String {
    (0..years)
        .map(|k| format!("#yr{k}:checked ~ .maps .m{k} {{ display: block; }}\n"))
        .collect()
}

fn result(s: &Shown) -> String {
    let d = s.drawn;
    let previous = s
        .previous
        .map(|p| format!(" Faint grey: the previous run ({}).", esc(p)))
        .unwrap_or_default();
    let mut numbers = String::new();
    for (year, b) in &d.headcount {
        let prev = s
            .previous_headcount
            .iter()
            .find(|(y, _)| y == year)
            .map_or("–".to_string(), |(_, v)| format!("{v:.1}%"));
        let _ = writeln!(
            numbers,
            "<tr><td>{year}</td><td class=\"now\">{:.1}%</td><td>{:.1}–{:.1}%</td><td class=\"prev\">{prev}</td></tr>",
            b.mean, b.lo, b.hi
        );
    }
    let mut steps = String::new();
    let mut maps = String::new();
    for (k, (year, svg)) in d.maps.iter().enumerate() {
        let _ = write!(
            steps,
            "<input type=\"radio\" name=\"step\" id=\"yr{k}\"{}><label for=\"yr{k}\">{year}</label>",
            if k == 0 { " checked" } else { "" }
        );
        let _ = writeln!(maps, "<div class=\"map m{k}\">{svg}</div>");
    }
    let spending = d
        .spending
        .clone()
        .unwrap_or_else(|| "<p>No module spends money in this scenario.</p>".into());
    fill(
        RESULT,
        &[
            ("incidence", &d.incidence),
            ("label", &esc(s.label)),
            ("previous", &previous),
            ("numbers", &numbers),
            ("steps", &steps),
            ("maps", &maps),
            ("spending", &spending),
            ("stories", &trace::stories_html(s.stories)),
        ],
    )
}

/// `template` with each `{{name}}` replaced by its value, in one pass (so a
/// value is never read as a template). A name without a value is a bug.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|v| v.1.len()).sum::<usize>());
    let mut rest = template;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after.find("}}").expect("a template's {{ is closed");
        let name = &after[..end];
        let value = values
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("template placeholder {{{{{name}}}}} has no value"));
        out.push_str(value.1);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

fn esc(s: &str) -> String {
    povsim::output::report::escape(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_in_one_pass() {
        assert_eq!(
            fill("a{{x}}b{{y}}", &[("x", "{{y}}"), ("y", "<>")]),
            "a{{y}}b<>"
        );
        let e = error_page("shocks.illness: expected <1, got 2");
        assert!(e.contains("id=\"error\">shocks.illness: expected &lt;1, got 2</div>"));
        assert!(!e.contains("{{"));
    }
}
