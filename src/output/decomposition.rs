//! A decomposition by module as decompose.csv, the console and the
//! comparison report show it ([`crate::experiment::compare::decompose`]
//! computes it), and its chart: a bar per module with its interval, one
//! panel per reform, for person-years of poverty averted.

use super::atomic;
use super::charts::draw::DrawResult;
use super::charts::draw::*;
use super::charts::{PlainChart, plain_svg, write_plain};
use super::comparison::Estimate;
use super::report::escape;
use crate::error::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The measures decomposed, as decompose.csv names them.
pub const MEASURES: [&str; 6] = [
    "headcount_ratio",
    "person_years_averted",
    "poverty_gap",
    "poverty_severity",
    "watts",
    "spending",
];

/// Whether a measure's "total" over the compared years is their sum (a
/// count: person-years, yuan) rather than their mean (a rate).
pub fn summed(measure: &str) -> bool {
    matches!(measure, "person_years_averted" | "spending")
}

/// How contributions are attributed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    Shapley,
    OneAtATime,
}

/// One module's (or the total's) contribution to one measure in one year
/// (`None`: over all compared years), across replicates.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub module: String,
    pub measure: &'static str,
    pub year: Option<i32>,
    pub contribution: f64,
    /// The 90% interval (NaN: no interval, fewer than 2 replicates).
    pub lo: f64,
    pub hi: f64,
}

impl Row {
    /// The mean of the per-replicate contributions `xs` and its interval.
    pub fn of(module: &str, measure: &'static str, year: Option<i32>, xs: &[f64]) -> Row {
        let e = Estimate::of(xs);
        let (lo, hi) = if xs.len() < 2 {
            (f64::NAN, f64::NAN)
        } else {
            (e.lo, e.hi)
        };
        Row {
            module: module.to_string(),
            measure,
            year,
            contribution: e.mean,
            lo,
            hi,
        }
    }
}

/// One reform's decomposition.
#[derive(Clone, Debug, Serialize)]
pub struct ReformDecomposition {
    pub reform: String,
    /// The modules that differ from the base, in the order they act.
    pub players: Vec<String>,
    pub runs_per_replicate: usize,
    /// Random orders behind a sampled Shapley estimate (`None`: exact).
    pub sampled: Option<usize>,
    /// Per measure, per module then "total", per year then the whole run.
    pub rows: Vec<Row>,
}

impl ReformDecomposition {
    /// The rows' names: the modules, "budget" (where `[budget]` alone
    /// changed something), "total".
    pub fn names(&self) -> Vec<&str> {
        let budget = self.rows.iter().any(|r| r.module == "budget");
        self.players
            .iter()
            .map(|s| s.as_str())
            .chain(budget.then_some("budget"))
            .chain(["total"])
            .collect()
    }

    /// The row of `module`, `measure`, `year` (`None`: the whole run).
    pub fn row(&self, module: &str, measure: &str, year: Option<i32>) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.module == module && r.measure == measure && r.year == year)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Decomposition {
    pub method: Method,
    pub base: String,
    pub replicates: u32,
    pub from_year: i32,
    pub reforms: Vec<ReformDecomposition>,
}

impl Decomposition {
    /// What the contributions are, in one sentence (console, report).
    pub fn meaning(&self) -> String {
        let mut s = match self.method {
            Method::Shapley => "Shapley values: a module's contribution is its average effect when switched from the base's settings to the reform's, over every order in which the reform's modules could be switched on; the contributions add up to the reform's total difference from the base".to_string(),
            Method::OneAtATime => "one module at a time: a module's contribution is the effect of switching it alone from the base's settings to the reform's; these contributions need not add up to the total (modules that help or hinder each other are counted in none or in several)".to_string(),
        };
        for r in &self.reforms {
            if let Some(p) = r.sampled {
                s.push_str(&format!(
                    "; for {} ({} modules) an estimate from {p} random orders, not the exact value",
                    r.reform,
                    r.players.len()
                ));
            }
        }
        if self.replicates < 2 {
            s.push_str("; no interval (fewer than 2 replicates)");
        } else {
            s.push_str(&format!(
                "; 90% intervals across {} replicates (common random numbers)",
                self.replicates
            ));
        }
        s
    }

    /// The console's table: person-years averted over the run by module,
    /// and the headcount, gap and spending in the last year.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!(
            "decomposition by module from {} ({}):",
            self.from_year,
            match self.method {
                Method::Shapley => "Shapley",
                Method::OneAtATime => "one at a time",
            }
        )];
        out.push(self.meaning());
        // With thousands separators and a true minus, as compare's own lines.
        let ci = |r: &Row, scale: f64, p: usize| {
            let f = |v: f64| thousands(scale * v, p);
            if r.lo.is_nan() {
                format!("{:>10} (no interval)", f(r.contribution))
            } else {
                format!("{:>10} [{}, {}]", f(r.contribution), f(r.lo), f(r.hi))
            }
        };
        for r in &self.reforms {
            let last = r.rows.iter().filter_map(|x| x.year).max();
            out.push(format!(
                "reform {} − base {} ({} runs per replicate):",
                r.reform, self.base, r.runs_per_replicate
            ));
            out.push(format!(
                "  {:<16} {:>34} {:>34} {:>34}",
                "module",
                "person-years averted",
                format!("headcount Δ {} (points)", last.unwrap_or(0)),
                "spending Δ (million yuan)"
            ));
            for m in r.names() {
                let (Some(a), Some(h), Some(s)) = (
                    r.row(m, "person_years_averted", None),
                    r.row(m, "headcount_ratio", last),
                    r.row(m, "spending", None),
                ) else {
                    continue;
                };
                out.push(format!(
                    "  {:<16} {:>34} {:>34} {:>34}",
                    m,
                    ci(a, 1.0, 0),
                    ci(h, 100.0, 2),
                    ci(s, 1e-6, 1)
                ));
            }
        }
        if self.method == Method::OneAtATime {
            out.push("one at a time: the module rows need not add up to the total".to_string());
        }
        out
    }

    /// Write decompose.csv into `out`: reform, module, measure, year (or
    /// "total"), contribution, lo, hi (empty: no interval).
    pub fn write(&self, out: &Path) -> Result<PathBuf> {
        atomic::create_dir(out)?;
        let num = crate::output::tables::num;
        let mut csv = String::from("reform,module,measure,year,contribution,lo,hi\n");
        if self.method == Method::OneAtATime {
            csv = String::from(
                "# one at a time: each module switched alone; the module rows need not add up to the total\n",
            ) + &csv;
        }
        for r in &self.reforms {
            for row in &r.rows {
                let year = row.year.map_or("total".to_string(), |y| y.to_string());
                csv.push_str(&format!(
                    "{},{},{},{year},{},{},{}\n",
                    r.reform,
                    row.module,
                    row.measure,
                    num(row.contribution),
                    num(row.lo),
                    num(row.hi)
                ));
            }
        }
        let path = out.join("decompose.csv");
        atomic::write_file(&path, csv.as_bytes())?;
        Ok(path)
    }

    /// Draw charts/decompose.{svg,png} under `out`.
    pub fn draw(&self, out: &Path) -> Result<Vec<PathBuf>> {
        write_plain(&Chart(self), out)
    }

    /// The comparison report's section: the chart, the table of person-years
    /// averted by module and what the numbers mean.
    pub fn html(&self) -> Result<String> {
        let svg = plain_svg(&Chart(self))?;
        let svg = svg.find("<svg").map_or(&svg[..], |k| &svg[k..]);
        let mut h = String::from("<section>\n<h2>Which module did what</h2>\n");
        h.push_str(&format!(
            "<p>{}. The headcount counts only who crosses the line, so it rewards a module that lifts people just over it; the person-years below count the same crossings, year by year, and decompose.csv gives the gap, severity (FGT2) and Watts index beside them.</p>\n",
            escape(&self.meaning())
        ));
        h.push_str(&format!(
            "<figure id=\"chart-decompose\">\n{}\n<figcaption><strong>Person-years of poverty averted, {} on, by module.</strong> Bars: the mean contribution; whiskers: the 90% interval across replicates.</figcaption>\n</figure>\n",
            svg.trim_end(),
            self.from_year
        ));
        h.push_str("<table>\n<thead><tr><th>Reform</th><th>Module</th><th class=\"num\">Person-years averted</th><th class=\"num\">90% interval</th></tr></thead>\n<tbody>\n");
        for r in &self.reforms {
            for m in r.names() {
                let Some(row) = r.row(m, "person_years_averted", None) else {
                    continue;
                };
                let ci = if row.lo.is_nan() {
                    "no interval".to_string()
                } else {
                    format!("{} to {}", thousands(row.lo, 0), thousands(row.hi, 0))
                };
                h.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                    escape(&r.reform),
                    escape(m),
                    thousands(row.contribution, 0),
                    escape(&ci)
                ));
            }
        }
        h.push_str("</tbody>\n</table>\n</section>\n");
        Ok(h)
    }
}

/// Panel height of one reform, pixels.
const PANEL_H: u32 = 560;

struct Chart<'a>(&'a Decomposition);

impl PlainChart for Chart<'_> {
    fn name(&self) -> &'static str {
        "decompose"
    }

    fn size(&self) -> (u32, u32) {
        (WIDTH, 200 + PANEL_H * self.0.reforms.len().max(1) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let d = self.0;
        let area = header(
            root,
            "Person-years of poverty averted, by module",
            &format!(
                "reform − {} from {}; {}; whiskers: 90% interval, {} replicates",
                d.base,
                d.from_year,
                match d.method {
                    Method::Shapley => "Shapley values (add up to the total)",
                    Method::OneAtATime => "one at a time (need not add up)",
                },
                d.replicates
            ),
        )?;
        let panels = area.split_evenly((d.reforms.len().max(1), 1));
        for (r, panel) in d.reforms.iter().zip(&panels) {
            let names = r.names();
            let rows: Vec<&Row> = names
                .iter()
                .filter_map(|m| r.row(m, "person_years_averted", None))
                .collect();
            let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
            let hi = rows
                .iter()
                .map(|x| finite(x.hi).max(x.contribution))
                .fold(0.0, f64::max);
            let lo = rows
                .iter()
                .map(|x| finite(x.lo).min(x.contribution))
                .fold(0.0, f64::min);
            let span = (hi - lo).max(1.0);
            let (y0, y1) = (lo - 0.08 * span, hi + 0.08 * span);
            let dec = tick_decimals(y1 - y0);
            let n = rows.len();
            let mut chart = ChartBuilder::on(panel)
                .caption(&r.reform, font(DESC_SIZE, true).color(&INK))
                .margin_left(PAD as u32 / 2)
                .margin_right(PAD as u32)
                .margin_top(10)
                .margin_bottom(10)
                .x_label_area_size(80)
                .y_label_area_size(150)
                .build_cartesian_2d(-0.5..n as f64 - 0.5, y0..y1)?;
            let yfmt = |v: &f64| thousands(*v, dec);
            let xfmt = |_: &f64| String::new();
            mesh!(chart)
                .disable_x_mesh()
                .x_labels(0)
                .y_labels(6)
                .x_label_formatter(&xfmt)
                .y_label_formatter(&yfmt)
                .y_desc("person-years averted")
                .draw()?;
            let px = |x: f64, y: f64| chart.backend_coord(&(x, y));
            for (i, row) in rows.iter().enumerate() {
                let x = i as f64;
                let color = if row.module == "total" {
                    MUTED
                } else {
                    OI_BLUE
                };
                root.draw(&Rectangle::new(
                    [px(x - 0.35, 0.0), px(x + 0.35, row.contribution)],
                    color.mix(0.8).filled(),
                ))?;
                if row.lo.is_finite() {
                    let (a, b) = (px(x, row.lo), px(x, row.hi));
                    root.draw(&PathElement::new(vec![a, b], INK.stroke_width(3)))?;
                    for p in [a, b] {
                        root.draw(&PathElement::new(
                            vec![(p.0 - 10, p.1), (p.0 + 10, p.1)],
                            INK.stroke_width(3),
                        ))?;
                    }
                }
                // Alternate rows of labels, so that long names do not overlap.
                let (bx, by) = px(x, y0);
                text(
                    root,
                    &row.module,
                    (bx, by + 12 + 30 * (i as i32 % 2)),
                    TICK_SIZE * 0.85,
                    INK,
                    HPos::Center,
                    VPos::Top,
                    row.module == "total",
                )?;
            }
            let zero = [px(-0.5, 0.0), px(n as f64 - 0.5, 0.0)];
            root.draw(&PathElement::new(zero.to_vec(), AXIS.stroke_width(2)))?;
        }
        Ok(())
    }
}
