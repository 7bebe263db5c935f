//! `report.html`: one self-contained page per run, drawn only from the files
//! of the output directory. It works offline and can be mailed as is: charts
//! are inline SVG, the style is inline CSS, there are no scripts and no
//! external fonts or images.
//!
//! Contents: the scenario and its key parameters, a summary table (each main
//! measure in the first and the last year, the change, and 90% intervals
//! across replicates), spending totals, and every chart with a caption.
//!
//! Why one long file: the page is one document; its sections share the
//! table and caption helpers below.

use crate::error::Result;
use crate::output::atomic;
use crate::output::charts::data::{Band, OutputData, TrajRow};
use crate::output::charts::{self, draw::thousands};
use crate::output::comparison::Comparison;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Write `out_dir/report.html` from the files of `out_dir`; returns its path.
pub fn write_report(out_dir: &Path) -> Result<PathBuf> {
    let data = OutputData::load(out_dir)?;
    let html = render(&data)?;
    let path = out_dir.join("report.html");
    atomic::write_file(&path, html.as_bytes())?;
    Ok(path)
}

/// The start of a short report page (calibration, sensitivity): the head
/// with the style, then a header of `title` and a `meta` line; the caller
/// adds sections and closes `</main></body></html>`.
pub fn page_start(title: &str, meta: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>povsim — {t}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n\
         <header>\n<h1>{t}</h1>\n<p class=\"meta\">{}</p>\n</header>\n",
        escape(meta),
        t = escape(title)
    )
}

/// Escape text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// How a measure is shown in the summary table.
struct Row {
    label: &'static str,
    unit: &'static str,
    get: fn(&TrajRow) -> f64,
    scale: f64,
    decimals: usize,
    /// Unit of the change column ("pp" for percentage points).
    change_unit: &'static str,
}

const ROWS: &[Row] = &[
    Row {
        label: "Headcount ratio",
        unit: "% of population",
        get: |r| r.headcount_ratio,
        scale: 100.0,
        decimals: 1,
        change_unit: " pp",
    },
    Row {
        label: "Extreme-poverty ratio",
        unit: "% of population",
        get: |r| r.extreme_ratio,
        scale: 100.0,
        decimals: 1,
        change_unit: " pp",
    },
    Row {
        label: "Poor people",
        unit: "people",
        get: |r| r.poor,
        scale: 1.0,
        decimals: 0,
        change_unit: "",
    },
    Row {
        label: "Poverty gap index",
        unit: "% of line × population",
        get: |r| r.poverty_gap,
        scale: 100.0,
        decimals: 2,
        change_unit: " pp",
    },
    Row {
        label: "Poverty severity index",
        unit: "× 100",
        get: |r| r.poverty_severity,
        scale: 100.0,
        decimals: 2,
        change_unit: "",
    },
    Row {
        label: "Watts index",
        unit: "index",
        get: |r| r.watts,
        scale: 1.0,
        decimals: 3,
        change_unit: "",
    },
    Row {
        label: "Sen index",
        unit: "index",
        get: |r| r.sen,
        scale: 1.0,
        decimals: 3,
        change_unit: "",
    },
    Row {
        label: "Mean income",
        unit: "yuan per person-year",
        get: |r| r.mean_income,
        scale: 1.0,
        decimals: 0,
        change_unit: "",
    },
    Row {
        label: "Median income",
        unit: "yuan per person-year",
        get: |r| r.median_income,
        scale: 1.0,
        decimals: 0,
        change_unit: "",
    },
    Row {
        label: "Gini coefficient",
        unit: "0–1",
        get: |r| r.gini,
        scale: 1.0,
        decimals: 3,
        change_unit: "",
    },
    Row {
        label: "Theil index",
        unit: "index",
        get: |r| r.theil,
        scale: 1.0,
        decimals: 3,
        change_unit: "",
    },
    Row {
        label: "Income share of the bottom 40%",
        unit: "% of income",
        get: |r| r.bottom40_share,
        scale: 100.0,
        decimals: 1,
        change_unit: " pp",
    },
    Row {
        label: "Population",
        unit: "people",
        get: |r| r.population,
        scale: 1.0,
        decimals: 0,
        change_unit: "",
    },
    Row {
        label: "Poverty line",
        unit: "yuan per person-year",
        get: |r| r.poverty_line,
        scale: 1.0,
        decimals: 0,
        change_unit: "",
    },
];

/// The report's style (shared by the comparison and calibration reports).
pub const CSS: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f4f1; color: #1e1e1e;
  font-family: 'DejaVu Sans', Verdana, 'Bitstream Vera Sans', Arial, sans-serif; font-size: 16px; line-height: 1.5; }
main { max-width: 1120px; margin: 0 auto; padding: 32px 28px 48px; background: #fff; }
h1 { font-size: 30px; margin: 0 0 6px; }
h2 { font-size: 22px; margin: 36px 0 12px; padding-bottom: 4px; border-bottom: 2px solid #0072b2; }
.meta { color: #555; margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: 15px; }
th, td { padding: 6px 10px; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #999; background: #f7f7f7; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.ci { display: block; color: #666; font-size: 13px; }
.unit { color: #666; font-size: 13px; }
.params { columns: 2; column-gap: 32px; }
.params div { break-inside: avoid; display: flex; justify-content: space-between; gap: 16px; border-bottom: 1px solid #eee; padding: 3px 0; }
.params .k { color: #444; }
.params .v { font-weight: bold; text-align: right; overflow-wrap: anywhere; }
figure { margin: 28px 0 36px; break-inside: avoid; page-break-inside: avoid; }
figure svg { display: block; width: 100%; height: auto; border: 1px solid #e4e4e4; }
figcaption { margin-top: 8px; color: #333; }
.note { color: #555; font-size: 14px; }
footer { margin-top: 40px; color: #666; font-size: 13px; }
table.story { font-size: 13px; margin: 6px 0 18px; } table.story tr.poor td { background: #fff3e0; } details.story summary { cursor: pointer; margin-top: 8px; }
@media print { body { background: #fff; } main { padding: 0; max-width: none; } h2 { break-after: avoid; } }
"#;

fn render(d: &OutputData) -> Result<String> {
    let s = &d.summary;
    let scenario = d.scenario();
    let years = d.years();
    let (first, last) = (
        years.first().copied().unwrap_or(0),
        years.last().copied().unwrap_or(0),
    );
    let reps = d.replicates();
    let mut h = String::with_capacity(1 << 20);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>povsim report — {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        escape(&scenario)
    );
    let _ = writeln!(h, "<header>\n<h1>Scenario {}</h1>", escape(&scenario));
    let mut meta = vec![format!("{first}–{last} ({} years)", years.len())];
    meta.push(format!(
        "{reps} replicate{}",
        if reps == 1 { "" } else { "s" }
    ));
    if let Some(n) = s.households {
        meta.push(format!("{} households", thousands(n as f64, 0)));
    }
    if let Some(seed) = s.seed {
        meta.push(format!("seed {seed}"));
    }
    if let Some(v) = &s.version {
        meta.push(format!("povsim {v}"));
    }
    if let Some(t) = s.wall_time_s {
        meta.push(format!("run time {t:.1} s"));
    }
    let _ = writeln!(
        h,
        "<p class=\"meta\">{}</p>\n</header>",
        escape(&meta.join(" · "))
    );

    if !s.parameters.is_empty() {
        h.push_str("<section>\n<h2>Key parameters</h2>\n<div class=\"params\">\n");
        for (k, v) in &s.parameters {
            let v = match v {
                serde_json::Value::String(x) => x.clone(),
                other => other.to_string(),
            };
            let _ = writeln!(
                h,
                "<div><span class=\"k\">{}</span><span class=\"v\">{}</span></div>",
                escape(k),
                escape(&v)
            );
        }
        h.push_str("</div>\n</section>\n");
    }

    // Summary table.
    h.push_str("<section>\n<h2>Summary</h2>\n<table>\n<thead><tr><th>Measure</th>");
    let _ = write!(
        h,
        "<th class=\"num\">{first}</th><th class=\"num\">{last}</th><th class=\"num\">Change</th></tr></thead>\n<tbody>\n"
    );
    let show_ci = reps > 1;
    for row in ROWS {
        let at = |y: i32| {
            d.by_year(row.get)
                .into_iter()
                .find(|(yy, _)| *yy == y)
                .map(|(_, b)| b.scaled(row.scale))
        };
        let change = d.change(row.get).map(|b| b.scaled(row.scale));
        let cell = |b: Option<Band>, unit: &str, signed: bool| -> String {
            match b {
                None => "<td class=\"num\">–</td>".to_string(),
                Some(b) => {
                    let f = |v: f64| {
                        let t = thousands(v, row.decimals);
                        if signed && v > 0.0 && t.chars().any(|c| c.is_ascii_digit() && c != '0') {
                            format!("+{t}")
                        } else {
                            t
                        }
                    };
                    let ci = if show_ci {
                        format!("<span class=\"ci\">{} to {}</span>", f(b.lo), f(b.hi))
                    } else {
                        String::new()
                    };
                    format!("<td class=\"num\">{}{}{}</td>", f(b.mean), escape(unit), ci)
                }
            }
        };
        let _ = writeln!(
            h,
            "<tr><th>{} <span class=\"unit\">({})</span></th>{}{}{}</tr>",
            escape(row.label),
            escape(row.unit),
            cell(at(first), "", false),
            cell(at(last), "", false),
            cell(change, row.change_unit, true)
        );
    }
    h.push_str("</tbody>\n</table>\n");
    let _ = writeln!(
        h,
        "<p class=\"note\">{}</p>\n</section>",
        escape(&if show_ci {
            format!(
                "Values are means over {reps} replicates; the small figures below them are 90% intervals \
                 (5th to 95th percentile across replicates). Changes are taken within each replicate, {first} to {last}; pp = percentage points."
            )
        } else {
            format!(
                "Values of a single replicate; changes are {first} to {last}; pp = percentage points."
            )
        })
    );

    if let Some(sp) = &s.spending {
        h.push_str("<section>\n<h2>Spending</h2>\n<table>\n<thead><tr><th>Module</th><th class=\"num\">Spent (yuan)</th><th class=\"num\">Share</th></tr></thead>\n<tbody>\n");
        let mut modules: Vec<(&String, &f64)> = sp.by_module.iter().collect();
        modules.sort_by(|a, b| b.1.total_cmp(a.1));
        for (m, v) in modules {
            let share = if sp.total > 0.0 {
                format!("{:.1}%", 100.0 * v / sp.total)
            } else {
                "–".to_string()
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(&m.replace('_', " ")),
                thousands(*v, 0),
                share
            );
        }
        let _ = writeln!(
            h,
            "<tr><th>Total</th><th class=\"num\">{}</th><th class=\"num\"></th></tr>",
            thousands(sp.total, 0)
        );
        h.push_str("</tbody>\n</table>\n</section>\n");
    }

    h.push_str("<section>\n<h2>Charts</h2>\n");
    let list = charts::prepare_all(d);
    for (i, c) in list.iter().enumerate() {
        let svg = c.svg()?;
        let svg = match svg.find("<svg") {
            Some(k) => &svg[k..],
            None => &svg[..],
        };
        let _ = write!(
            h,
            "<figure id=\"chart-{}\">\n{}\n<figcaption><strong>Figure {}. {}.</strong> {}</figcaption>\n</figure>\n",
            c.name(),
            svg.trim_end(),
            i + 1,
            escape(&c.title()),
            escape(&c.caption())
        );
    }
    h.push_str("</section>\n");
    // Household stories (stories.json, written by `povsim run` for replicate 0).
    h.push_str(&super::stories::stories_section(&d.dir));
    // `[output] png = false` writes SVG only.
    let formats = if d.dir.join("charts").join("incidence.png").exists() {
        "SVG and PNG"
    } else {
        "SVG"
    };
    let _ = writeln!(
        h,
        "<footer>Drawn by povsim from the files in this output directory (trajectory.csv, summary.json and the other CSV files); \
         the same charts are in charts/ as {formats}. Redraw with <code>povsim plot {}</code>.</footer>",
        escape(&d.dir.display().to_string())
    );
    h.push_str("</main>\n</body>\n</html>\n");
    Ok(h)
}

/// Write `out_dir/report.html` for a comparison of scenarios (`povsim
/// compare`): the base and reforms, the key numbers of each reform against the
/// base with their 90% intervals, spending by module, and the comparison
/// charts inline with captions. Self-contained, like the run report.
pub fn write_compare_report(out_dir: &Path, c: &Comparison) -> Result<PathBuf> {
    atomic::create_dir(out_dir)?;
    let html = render_compare(c)?;
    let path = out_dir.join("report.html");
    atomic::write_file(&path, html.as_bytes())?;
    Ok(path)
}

/// Added to [`CSS`] for the comparison report: the key-number headers wrap.
const COMPARE_CSS: &str = r#"
table.key thead th { white-space: normal; vertical-align: bottom; }
table.key td.num { white-space: normal; }
"#;

fn render_compare(c: &Comparison) -> Result<String> {
    let reforms: Vec<&str> = c.reforms.iter().map(|r| r.scenario.as_str()).collect();
    let years: Vec<i32> = c
        .trajectories
        .get(&c.base)
        .map(|v| v.iter().map(|b| b.year).collect())
        .unwrap_or_default();
    let (first, last) = (
        years.first().copied().unwrap_or(0),
        years.last().copied().unwrap_or(0),
    );
    let period = if first == last {
        first.to_string()
    } else {
        format!("{first}–{last}")
    };
    let reps = c.replicates;
    let show_ci = reps > 1;
    let base = charts::compare::base_phrase(&c.base);
    let title = format!(
        "{} {} against {base}",
        if reforms.len() == 1 {
            "Reform"
        } else {
            "Reforms"
        },
        reforms.join(", "),
    );
    let mut h = String::with_capacity(1 << 20);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>povsim comparison — {}</title>\n<style>{CSS}{COMPARE_CSS}</style>\n</head>\n<body>\n<main>\n",
        escape(&title)
    );
    let _ = writeln!(h, "<header>\n<h1>{}</h1>", escape(&title));
    let meta = [
        format!("{period} ({} years)", years.len()),
        format!("{reps} replicate{}", if reps == 1 { "" } else { "s" }),
        format!("seed {}", c.seed),
        "common random numbers: every scenario meets the same shocks".to_string(),
    ];
    let _ = writeln!(
        h,
        "<p class=\"meta\">{}</p>\n</header>",
        escape(&meta.join(" · "))
    );

    // Key numbers.
    let all_spending = c
        .reforms
        .iter()
        .map(|r| r.spending_total)
        .fold(c.base_spending_total, f64::max);
    let (div, unit) = charts::draw::money_scale(all_spending);
    let mdec = if div > 1.0 { 1 } else { 0 };
    let signed = |v: f64, dec: usize| {
        let t = thousands(v, dec);
        if v > 0.0 && t.chars().any(|ch| ch.is_ascii_digit() && ch != '0') {
            format!("+{t}")
        } else {
            t
        }
    };
    let est = |mean: f64, lo: f64, hi: f64, dec: usize, sign: bool, unit: &str| {
        let f = |v: f64| {
            if sign {
                signed(v, dec)
            } else {
                thousands(v, dec)
            }
        };
        let ci = if show_ci {
            format!("<span class=\"ci\">{} to {}</span>", f(lo), f(hi))
        } else {
            String::new()
        };
        format!("<td class=\"num\">{}{}{ci}</td>", f(mean), escape(unit))
    };
    h.push_str(
        "<section>\n<h2>Key numbers</h2>\n<table class=\"key\">\n<thead><tr><th>Reform</th>",
    );
    let _ = write!(
        h,
        "<th class=\"num\">Headcount ratio, {last}<span class=\"ci\">pp, reform − base</span></th>\
         <th class=\"num\">Person-years of poverty averted<span class=\"ci\">{period}</span></th>\
         <th class=\"num\">Persons lifted out of poverty<span class=\"ci\">in {last}</span></th>\
         <th class=\"num\">Spending<span class=\"ci\">{}, base → reform</span></th>\
         <th class=\"num\">Extra cost<span class=\"ci\">per person-year averted</span></th></tr></thead>\n<tbody>\n",
        escape(unit)
    );
    for r in &c.reforms {
        let head = r
            .by_year
            .get("headcount_ratio")
            .and_then(|v| v.last())
            .map(|y| {
                let d = &y.difference;
                est(100.0 * d.mean, 100.0 * d.lo, 100.0 * d.hi, 2, true, " pp")
            })
            .unwrap_or_else(|| "<td class=\"num\">–</td>".to_string());
        let a = &r.person_years_averted;
        let l = &r.lifted_final_year;
        let extra = r.spending_total - c.base_spending_total;
        let cost = charts::compare::cost_label(extra, a.mean);
        let cost = match cost
            .strip_prefix("costs ")
            .and_then(|c| c.strip_suffix(" per person-year averted"))
        {
            Some(n) => n.to_string(),
            None => cost,
        };
        let _ = writeln!(
            h,
            "<tr><th>{}</th>{head}{}{}<td class=\"num\">{} → {}<span class=\"ci\">{} extra</span></td><td class=\"num\">{}</td></tr>",
            escape(&r.scenario),
            est(a.mean, a.lo, a.hi, 0, false, ""),
            est(l.mean, l.lo, l.hi, 0, false, ""),
            thousands(c.base_spending_total / div, mdec),
            thousands(r.spending_total / div, mdec),
            signed(extra / div, mdec),
            escape(&cost)
        );
    }
    h.push_str("</tbody>\n</table>\n");
    let _ = writeln!(
        h,
        "<p class=\"note\">{}</p>\n</section>",
        escape(&format!(
            "Differences are reform − base, taken replicate by replicate (paired) and averaged over {reps} replicate{}{}; \
             pp = percentage points. Person-years averted add up, over {period}, the base's poor minus the reform's. \
             The extra cost is the reform's spending beyond the base's divided by the person-years averted; \
             a reform that averts poverty for no more money dominates the base, and no cost is given.",
            if reps == 1 { "" } else { "s" },
            if show_ci {
                "; the small figures are 90% intervals of the mean difference"
            } else {
                ""
            }
        ))
    );

    // Spending by module.
    let mut modules: Vec<&String> = c.base_spending_by_module.keys().collect();
    for r in &c.reforms {
        for m in r.spending_by_module.keys() {
            if !modules.contains(&m) {
                modules.push(m);
            }
        }
    }
    modules.sort();
    if !modules.is_empty() {
        let _ = write!(
            h,
            "<section>\n<h2>Spending by module, {period}</h2>\n<table>\n<thead><tr><th>Module <span class=\"unit\">({})</span></th><th class=\"num\">{}</th>",
            escape(unit),
            escape(&if c.base.to_lowercase().contains("base") {
                c.base.clone()
            } else {
                format!("{} (base)", c.base)
            })
        );
        for r in &c.reforms {
            let _ = write!(h, "<th class=\"num\">{}</th>", escape(&r.scenario));
        }
        h.push_str("</tr></thead>\n<tbody>\n");
        let cell = |v: Option<&f64>| match v {
            Some(v) => format!("<td class=\"num\">{}</td>", thousands(v / div, mdec)),
            None => "<td class=\"num\">–</td>".to_string(),
        };
        for m in &modules {
            let _ = write!(
                h,
                "<tr><td>{}</td>{}",
                escape(&m.replace('_', " ")),
                cell(c.base_spending_by_module.get(*m))
            );
            for r in &c.reforms {
                h.push_str(&cell(r.spending_by_module.get(*m)));
            }
            h.push_str("</tr>\n");
        }
        let _ = write!(
            h,
            "<tr><th>Total</th><th class=\"num\">{}</th>",
            thousands(c.base_spending_total / div, mdec)
        );
        for r in &c.reforms {
            let _ = write!(
                h,
                "<th class=\"num\">{}</th>",
                thousands(r.spending_total / div, mdec)
            );
        }
        h.push_str("</tr>\n</tbody>\n</table>\n");
        let _ = writeln!(
            h,
            "<p class=\"note\">Means over {reps} replicate{}.</p>\n</section>",
            if reps == 1 { "" } else { "s" }
        );
    }

    h.push_str("<section>\n<h2>Charts</h2>\n");
    for (i, ch) in charts::compare::prepare(c).iter().enumerate() {
        let svg = ch.svg()?;
        let svg = match svg.find("<svg") {
            Some(k) => &svg[k..],
            None => &svg[..],
        };
        let _ = write!(
            h,
            "<figure id=\"chart-{}\">\n{}\n<figcaption><strong>Figure {}. {}.</strong> {}</figcaption>\n</figure>\n",
            ch.name(),
            svg.trim_end(),
            i + 1,
            escape(&ch.title()),
            escape(&ch.caption())
        );
    }
    h.push_str("</section>\n");
    if let Some(d) = &c.decomposition {
        h.push_str(&d.html()?);
    }
    h.push_str(
        "<footer>Drawn by <code>povsim compare</code>; the numbers are in compare.csv and compare.json, \
         the same charts in charts/ as SVG and PNG.</footer>\n",
    );
    h.push_str("</main>\n</body>\n</html>\n");
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>"),
            "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;"
        );
    }
}
