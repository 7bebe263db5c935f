//! Charts of `povsim compare`, drawn from the [`Comparison`] value with the
//! look of the run charts (see `draw`): the headcount of every scenario with
//! its band, each reform's difference from the base with its interval, the
//! cost-effectiveness bars, and winners and losers by decile.
//!
//! Colours follow the scenarios through every chart: the base takes the first
//! categorical colour, reform *i* the (*i* + 2)-th.

mod costs;
mod deciles;
mod difference;
mod trajectories;

use super::Chart;
use super::draw::DrawResult;
use super::draw::*;
use super::incidence::end_labels;
use crate::error::Result;
use crate::output::atomic;
use crate::output::comparison::{Comparison, Decile, Estimate};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// The names of the comparison charts, in report order (`charts/NAME.svg|png`).
pub const COMPARE_CHART_NAMES: [&str; 4] = [
    "compare_trajectories",
    "compare_difference",
    "compare_costs",
    "compare_deciles",
];

/// Below this many yuan, a difference in spending counts as none.
const NO_EXTRA: f64 = 0.5;

const MARKERS: [Marker; 4] = [
    Marker::Circle,
    Marker::Triangle,
    Marker::Square,
    Marker::Diamond,
];
const GAIN: RGBColor = OI_BLUE;
const LOSS: RGBColor = OI_ORANGE;

/// How scenario `i` is drawn (0 = the base, 1.. = the reforms).
fn look(i: usize) -> Look {
    Look::new(
        CATEGORICAL[i % CATEGORICAL.len()],
        DASHES[i % DASHES.len()],
        MARKERS[i % MARKERS.len()],
    )
}

/// One year of a headcount trajectory: (year, mean %, p5 %, p95 %).
type Point = (i32, f64, f64, f64);

/// The comparison's numbers, as the charts use them.
#[derive(Clone)]
struct Data {
    base: String,
    replicates: u32,
    years: Vec<i32>,
    /// Base first: (scenario, its headcount by year).
    trajectories: Vec<(String, Vec<Point>)>,
    base_spending: f64,
    reforms: Vec<Reform>,
}

#[derive(Clone)]
struct Reform {
    name: String,
    /// (year, difference in headcount, percentage points).
    headcount: Vec<(i32, Estimate)>,
    averted: Estimate,
    extra: f64,
    cost: String,
    deciles: Vec<Decile>,
}

/// The cost-effectiveness of a reform in words: the extra cost per
/// person-year of poverty averted, or "dominates" when it spends no more and
/// averts poverty (a negative cost would mislead).
pub fn cost_label(extra: f64, averted: f64) -> String {
    if averted > 0.0 {
        if extra < -NO_EXTRA {
            "dominates: spends less and averts poverty".to_string()
        } else if extra <= NO_EXTRA {
            "dominates: averts poverty at no extra cost".to_string()
        } else {
            format!(
                "costs {} yuan per person-year averted",
                thousands(extra / averted, 0)
            )
        }
    } else if extra > NO_EXTRA {
        "dominated: spends more and averts no poverty".to_string()
    } else if extra < -NO_EXTRA && averted < 0.0 {
        format!(
            "saves {} yuan per added poor person-year",
            thousands(-extra / -averted, 0)
        )
    } else {
        "averts no poverty".to_string()
    }
}

/// "the base NAME", or just NAME when it already says "base".
pub fn base_phrase(name: &str) -> String {
    if name.to_lowercase().contains("base") {
        name.to_string()
    } else {
        format!("the base {name}")
    }
}

impl Data {
    fn of(c: &Comparison) -> Data {
        let mut names = vec![c.base.clone()];
        names.extend(c.reforms.iter().map(|r| r.scenario.clone()));
        let trajectories: Vec<_> = names
            .iter()
            .map(|n| {
                let rows: Vec<Point> = c
                    .trajectories
                    .get(n)
                    .map(|v| {
                        v.iter()
                            .map(|b| (b.year, 100.0 * b.mean, 100.0 * b.p5, 100.0 * b.p95))
                            .collect()
                    })
                    .unwrap_or_default();
                (n.clone(), rows)
            })
            .collect();
        let mut years: Vec<i32> = trajectories
            .iter()
            .flat_map(|(_, v)| v.iter().map(|r| r.0))
            .collect();
        years.sort_unstable();
        years.dedup();
        let reforms = c
            .reforms
            .iter()
            .map(|r| {
                let extra = r.spending_total - c.base_spending_total;
                let headcount: Vec<(i32, Estimate)> = r
                    .by_year
                    .get("headcount_ratio")
                    .map(|v| {
                        v.iter()
                            .map(|y| {
                                let d = &y.difference;
                                (
                                    y.year,
                                    Estimate {
                                        mean: 100.0 * d.mean,
                                        lo: 100.0 * d.lo,
                                        hi: 100.0 * d.hi,
                                    },
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Reform {
                    name: r.scenario.clone(),
                    headcount,
                    averted: r.person_years_averted.clone(),
                    extra,
                    cost: cost_label(extra, r.person_years_averted.mean),
                    deciles: r.deciles.clone(),
                }
            })
            .collect();
        Data {
            base: c.base.clone(),
            replicates: c.replicates,
            years,
            trajectories,
            base_spending: c.base_spending_total,
            reforms,
        }
    }

    /// "base vs reform" or "base vs r1, r2".
    fn versus(&self) -> String {
        let r: Vec<&str> = self.reforms.iter().map(|r| r.name.as_str()).collect();
        format!("{} vs {}", self.base, r.join(", "))
    }

    fn period(&self) -> String {
        match (self.years.first(), self.years.last()) {
            (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
            (Some(a), _) => a.to_string(),
            _ => String::new(),
        }
    }

    fn reps(&self) -> String {
        format!(
            "{} replicate{}",
            self.replicates,
            if self.replicates == 1 { "" } else { "s" }
        )
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Trajectories,
    Difference,
    Costs,
    Deciles,
}

/// One comparison chart.
pub struct CompareChart {
    kind: Kind,
    d: Data,
}

/// The comparison charts of `c`, in report order.
pub(crate) fn prepare(c: &Comparison) -> Vec<Chart> {
    let d = Data::of(c);
    [
        Kind::Trajectories,
        Kind::Difference,
        Kind::Costs,
        Kind::Deciles,
    ]
    .into_iter()
    .map(|kind| Chart::Compare(CompareChart { kind, d: d.clone() }))
    .collect()
}

/// Draw the comparison charts of `c` into `out_dir/charts/` as `NAME.png` and
/// `NAME.svg`; returns the files written.
pub fn draw_compare(c: &Comparison, out_dir: &Path) -> Result<Vec<PathBuf>> {
    let charts = prepare(c);
    let dir = out_dir.join("charts");
    atomic::create_dir(&dir)?;
    let rendered: Vec<Result<(String, Vec<u8>)>> = charts
        .par_iter()
        .map(|c| Ok((c.svg()?, c.png()?)))
        .collect();
    let mut written = Vec::new();
    for (c, r) in charts.iter().zip(rendered) {
        let (svg, png) = r?;
        let png_path = dir.join(format!("{}.png", c.name()));
        let svg_path = dir.join(format!("{}.svg", c.name()));
        atomic::write_file(&png_path, &png)?;
        atomic::write_file(&svg_path, svg.as_bytes())?;
        written.push(png_path);
        written.push(svg_path);
    }
    if let Some(d) = &c.decomposition {
        written.extend(d.draw(out_dir)?);
    }
    Ok(written)
}

/// `s` cut with an ellipsis to fit `max` pixels at `size`.
fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    size: f64,
    bold: bool,
    max: i32,
) -> DrawResult<String>
where
    DB::ErrorType: 'static,
{
    if text_width(area, s, size, bold)? <= max {
        return Ok(s.to_string());
    }
    let mut chars: Vec<char> = s.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let t: String = chars.iter().collect::<String>().trim_end().to_string() + "…";
        if text_width(area, &t, size, bold)? <= max {
            return Ok(t);
        }
    }
    Ok("…".to_string())
}

/// The common header (as `draw::header`), the title set smaller when it is
/// long (scenario names can be) and cut with an ellipsis only if still too
/// long; the subtitle cut to the canvas width.
fn header_fit<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> DrawResult<DrawingArea<DB, Shift>>
where
    DB::ErrorType: 'static,
{
    let max = root.dim_in_pixel().0 as i32 - 2 * PAD;
    let mut size = TITLE_SIZE;
    while size > 36.0 && text_width(root, title, size, true)? > max {
        size -= 2.0;
    }
    let t = fit(root, title, size, true, max)?;
    let s = fit(root, subtitle, SUBTITLE_SIZE, false, max)?;
    header_sized(root, &t, size, &s)
}

/// An axis range holding `lo`, `hi` and zero, with "nice" ends and headroom;
/// a side that only touches zero gets a little room too.
fn span(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = (lo.min(0.0), hi.max(0.0));
    let (lo, hi) = (
        if lo.is_finite() { lo } else { 0.0 },
        if hi.is_finite() { hi } else { 0.0 },
    );
    if lo == 0.0 && hi == 0.0 {
        return (-1.0, 1.0);
    }
    let top = if hi > 0.0 { nice_max(hi, 1.1) } else { 0.0 };
    let bottom = if lo < 0.0 { -nice_max(-lo, 1.1) } else { 0.0 };
    let room = 0.06 * (top - bottom);
    (
        if bottom == 0.0 { -room } else { bottom },
        if top == 0.0 { room } else { top },
    )
}

/// Like [`span`], but bars all on one side of zero start at the axis edge.
fn bar_span(lo: f64, hi: f64) -> (f64, f64) {
    let (a, b) = span(lo, hi);
    (
        if lo >= 0.0 { 0.0 } else { a },
        if hi <= 0.0 && lo < 0.0 { 0.0 } else { b },
    )
}

/// A number with an explicit sign ("+1.2", "−0.4", "0.0").
fn signed(v: f64, decimals: usize) -> String {
    let t = thousands(v, decimals);
    if v > 0.0 && t.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("+{t}")
    } else {
        t
    }
}

/// A horizontal line across the plot at `y` (data), e.g. the zero line.
fn hline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    x: (i32, i32),
    y: i32,
    width: u32,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.draw(&PathElement::new(
        vec![(x.0, y), (x.1, y)],
        INK.stroke_width(width),
    ))?;
    Ok(())
}

impl CompareChart {
    pub fn name(&self) -> &'static str {
        match self.kind {
            Kind::Trajectories => "compare_trajectories",
            Kind::Difference => "compare_difference",
            Kind::Costs => "compare_costs",
            Kind::Deciles => "compare_deciles",
        }
    }

    pub fn size(&self) -> (u32, u32) {
        let n = self.d.reforms.len().max(1) as u32;
        match self.kind {
            Kind::Trajectories | Kind::Difference => (WIDTH, 1000),
            Kind::Costs => (WIDTH, 560 + 170 * n),
            Kind::Deciles => (
                WIDTH,
                HEADER_H + 80 + n * 620 + if n > 1 { n * 60 } else { 0 },
            ),
        }
    }

    pub fn title(&self) -> String {
        let v = self.d.versus();
        match self.kind {
            Kind::Trajectories => format!("Headcount ratio by scenario — {v}"),
            Kind::Difference => format!("Headcount difference from the base — {v}"),
            Kind::Costs => format!("Cost-effectiveness — {v}"),
            Kind::Deciles => format!("Winners and losers by decile — {v}"),
        }
    }

    pub fn caption(&self) -> String {
        let d = &self.d;
        let (p, reps) = (d.period(), d.reps());
        match self.kind {
            Kind::Trajectories => format!(
                "Share of the population below the poverty line in {} and every reform, {p}: means over {reps} with shaded 5th–95th percentile bands; all scenarios meet the same shocks (common random numbers).",
                base_phrase(&d.base)
            ),
            Kind::Difference => format!(
                "Each reform's headcount ratio minus the base's, in percentage points, {p}: the mean of the differences paired by replicate with a shaded 90% interval over {reps}; below the zero line the reform leaves fewer people poor."
            ),
            Kind::Costs => format!(
                "Person-years of poverty averted over {p} with 90% intervals (left) and spending beyond the base's (right), per reform; the label gives the extra cost per person-year averted, or says the reform dominates when it averts poverty for no more money."
            ),
            Kind::Deciles => format!(
                "Households by decile of the base's first-year income: the share whose final-year per-capita income is higher (up) or lower (down) under the reform than under the base (left), and the mean change in yuan per person (right), pooled over {reps}."
            ),
        }
    }

    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        match self.kind {
            Kind::Trajectories => self.trajectories(root),
            Kind::Difference => self.difference(root),
            Kind::Costs => self.costs(root),
            Kind::Deciles => self.deciles(root),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dominance_is_said_not_plotted() {
        assert!(cost_label(-1e6, 100.0).starts_with("dominates"));
        assert!(cost_label(0.0, 100.0).starts_with("dominates"));
        assert_eq!(
            cost_label(1e6, 100.0),
            "costs 10,000 yuan per person-year averted"
        );
        assert!(cost_label(1e6, 0.0).starts_with("dominated"));
    }

    #[test]
    fn spans_hold_zero() {
        let (a, b) = span(-3.2, 0.0);
        assert!(a <= -3.2 && b > 0.0);
        let (a, b) = span(0.0, 12.0);
        assert!(a < 0.0 && b >= 12.0);
        assert_eq!(span(0.0, 0.0), (-1.0, 1.0));
    }
}
