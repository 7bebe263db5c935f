//! Charts of `povsim compare`, drawn from the [`Comparison`] value with the
//! look of the run charts (see `draw`): the headcount of every scenario with
//! its band, each reform's difference from the base with its interval, the
//! cost-effectiveness bars, and winners and losers by decile.
//!
//! Colours follow the scenarios through every chart: the base takes the first
//! categorical colour, reform *i* the (*i* + 2)-th.

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

    fn trajectories<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let d = &self.d;
        let bands = d.replicates > 1;
        let sub = if bands {
            format!(
                "Share of the population below the poverty line · mean of {}, shaded: 5th–95th percentile",
                d.reps()
            )
        } else {
            "Share of the population below the poverty line · one replicate".to_string()
        };
        let area = header_fit(root, &self.title(), &sub)?;
        let entries: Vec<(String, Swatch)> = d
            .trajectories
            .iter()
            .enumerate()
            .map(|(i, (n, _))| {
                let label = if i == 0 && !n.contains("base") {
                    format!("{n} (base)")
                } else {
                    n.clone()
                };
                let l = look(i);
                (
                    label,
                    if bands {
                        Swatch::Band(l)
                    } else {
                        Swatch::Line(l)
                    },
                )
            })
            .collect();
        let plot = legend_strip(&area, &entries)?;
        if d.years.is_empty() {
            return empty_note(&plot, "no years to show");
        }
        let top = d
            .trajectories
            .iter()
            .flat_map(|(_, v)| v.iter().map(|r| r.1.max(r.3)))
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let chart = percent_by_year(
            &plot,
            &d.years,
            top,
            "% of population below the poverty line",
        )?;
        let px = |x: f64, y: f64| chart.backend_coord(&(x, y));
        if bands {
            for (i, (_, v)) in d.trajectories.iter().enumerate() {
                if v.len() >= 2 {
                    let mut poly: Vec<(i32, i32)> = v.iter().map(|r| px(r.0 as f64, r.3)).collect();
                    poly.extend(v.iter().rev().map(|r| px(r.0 as f64, r.2)));
                    let alpha = if d.trajectories.len() > 2 { 0.12 } else { 0.18 };
                    let c = look(i).color;
                    root.draw(&Polygon::new(poly, c.mix(alpha).filled()))?;
                    // Thin edges keep overlapping bands apart.
                    for edge in [
                        v.iter().map(|r| px(r.0 as f64, r.2)).collect::<Vec<_>>(),
                        v.iter().map(|r| px(r.0 as f64, r.3)).collect(),
                    ] {
                        root.draw(&PathElement::new(edge, c.mix(0.55).stroke_width(2)))?;
                    }
                }
            }
        }
        let mut ends = Vec::new();
        for (i, (_, v)) in d.trajectories.iter().enumerate() {
            let pts: Vec<(i32, i32)> = v.iter().map(|r| px(r.0 as f64, r.1)).collect();
            polyline(root, &pts, &look(i))?;
            if let (Some(p), Some(r)) = (pts.last(), v.last()) {
                ends.push((p.1, format!("{:.1}%", r.1), look(i).color));
            }
        }
        let x_end = px(*d.years.last().unwrap_or(&0) as f64 + 0.3, 0.0).0 + 14;
        end_labels(root, x_end, ends)
    }

    fn difference<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let d = &self.d;
        let bands = d.replicates > 1;
        let sub = format!(
            "Reform − base, percentage points (below 0: fewer poor) · {} paired{}",
            d.reps(),
            if bands { ", shaded: 90% interval" } else { "" }
        );
        let area = header_fit(root, &self.title(), &sub)?;
        let mut entries: Vec<(String, Swatch)> = d
            .reforms
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let l = look(i + 1);
                (
                    format!("{} − {}", r.name, d.base),
                    if bands {
                        Swatch::Band(l)
                    } else {
                        Swatch::Line(l)
                    },
                )
            })
            .collect();
        entries.push((
            "no difference".to_string(),
            Swatch::Line(Look {
                width: 3,
                ..Look::new(INK, Dash::Solid, Marker::None)
            }),
        ));
        let plot = legend_strip(&area, &entries)?;
        if d.years.is_empty() || d.reforms.is_empty() {
            return empty_note(&plot, "no reform to show");
        }
        let vals = d
            .reforms
            .iter()
            .flat_map(|r| r.headcount.iter())
            .flat_map(|(_, e)| [e.mean, e.lo, e.hi])
            .filter(|v| v.is_finite());
        let (lo, hi) = vals.fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
        let (ymin, ymax) = span(lo, hi);
        let dec = tick_decimals(ymax.abs().max(ymin.abs()))
            .saturating_sub(1)
            .max(if ymax - ymin < 10.0 { 1 } else { 0 });
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(PAD as u32 / 2)
            .margin_right(170)
            .margin_top(18)
            .margin_bottom(20)
            .x_label_area_size(96)
            .y_label_area_size(128)
            .build_cartesian_2d(year_range(&d.years, 0.3), ymin..ymax)?;
        let yfmt = |v: &f64| signed(*v, dec);
        mesh!(chart)
            .disable_x_mesh()
            .x_labels(year_ticks(&d.years, 12))
            .y_labels(8)
            .x_label_formatter(&year_label)
            .y_label_formatter(&yfmt)
            .x_desc("year")
            .y_desc("difference in headcount (percentage points)")
            .draw()?;
        let px = |x: f64, y: f64| chart.backend_coord(&(x, y));
        let xr = year_range(&d.years, 0.3);
        if bands {
            for (i, r) in d.reforms.iter().enumerate() {
                if r.headcount.len() >= 2 {
                    let mut poly: Vec<(i32, i32)> = r
                        .headcount
                        .iter()
                        .map(|(y, e)| px(*y as f64, e.hi))
                        .collect();
                    poly.extend(r.headcount.iter().rev().map(|(y, e)| px(*y as f64, e.lo)));
                    root.draw(&Polygon::new(poly, look(i + 1).color.mix(0.2).filled()))?;
                }
            }
        }
        hline(
            root,
            (px(xr.start, 0.0).0, px(xr.end, 0.0).0),
            px(xr.start, 0.0).1,
            3,
        )?;
        let mut ends = Vec::new();
        for (i, r) in d.reforms.iter().enumerate() {
            let pts: Vec<(i32, i32)> = r
                .headcount
                .iter()
                .map(|(y, e)| px(*y as f64, e.mean))
                .collect();
            polyline(root, &pts, &look(i + 1))?;
            if let (Some(p), Some((_, e))) = (pts.last(), r.headcount.last()) {
                ends.push((p.1, format!("{} pp", signed(e.mean, 1)), look(i + 1).color));
            }
        }
        end_labels(root, px(xr.end, 0.0).0 + 14, ends)
    }

    fn costs<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let d = &self.d;
        let (div, unit) = money_scale(
            d.reforms
                .iter()
                .map(|r| r.extra.abs())
                .fold(d.base_spending.abs(), f64::max),
        );
        let sub = format!(
            "Over {}, reform against base · whiskers: 90% interval over {} · base spends {} {unit}",
            d.period(),
            d.reps(),
            thousands(d.base_spending / div, if div > 1.0 { 1 } else { 0 })
        );
        let area = header_fit(root, &self.title(), &sub)?;
        let (_, area) = area.split_vertically(12);
        if d.reforms.is_empty() {
            return empty_note(&area, "no reform to show");
        }
        let (w, _) = area.dim_in_pixel();
        let (left, right) = area.split_horizontally(w / 2);
        let left = panel_title(&left, "Person-years of poverty averted")?;
        let right = panel_title(&right, "Extra spending, reform − base")?;
        // Left: person-years averted, bars with interval whiskers.
        let (lo, hi) = d
            .reforms
            .iter()
            .flat_map(|r| [r.averted.mean, r.averted.lo, r.averted.hi])
            .filter(|v| v.is_finite())
            .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
        let (cdiv, cunit) = count_scale(lo.abs().max(hi.abs()));
        let (xmin, xmax) = bar_span(lo / cdiv, hi / cdiv);
        let names: Vec<String> = d.reforms.iter().map(|r| r.name.clone()).collect();
        let values: Vec<(f64, Option<(f64, f64)>)> = d
            .reforms
            .iter()
            .map(|r| {
                (
                    r.averted.mean / cdiv,
                    (d.replicates > 1).then(|| (r.averted.lo / cdiv, r.averted.hi / cdiv)),
                )
            })
            .collect();
        let labels: Vec<String> = d
            .reforms
            .iter()
            .map(|r| thousands(r.averted.mean / cdiv, if cdiv > 1.0 { 1 } else { 0 }))
            .collect();
        bar_panel(
            root,
            &left,
            (xmin, xmax),
            &format!("{cunit}person-years averted"),
            &names,
            &values,
            &labels,
        )?;

        // Right: extra spending, labelled with the cost-effectiveness.
        let (lo, hi) = d
            .reforms
            .iter()
            .map(|r| r.extra / div)
            .filter(|v| v.is_finite())
            .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
        let (xmin, xmax) = bar_span(lo, hi);
        let costs: Vec<String> = d.reforms.iter().map(|r| r.cost.clone()).collect();
        let values: Vec<(f64, Option<(f64, f64)>)> =
            d.reforms.iter().map(|r| (r.extra / div, None)).collect();
        let labels: Vec<String> = d
            .reforms
            .iter()
            .map(|r| signed(r.extra / div, tick_decimals(xmax.max(-xmin))))
            .collect();
        bar_panel(
            root,
            &right,
            (xmin, xmax),
            &format!("{unit} more than the base"),
            &costs,
            &values,
            &labels,
        )
    }

    fn deciles<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let d = &self.d;
        let sub = format!(
            "Deciles of the base's first-year income (1 = poorest) · final-year income, reform − base · {} pooled",
            d.reps()
        );
        let area = header_fit(root, &self.title(), &sub)?;
        let entries = vec![
            ("better off / mean gain".to_string(), Swatch::Fill(GAIN)),
            ("worse off / mean loss".to_string(), Swatch::Fill(LOSS)),
        ];
        let body = legend_strip(&area, &entries)?;
        if d.reforms.is_empty() {
            return empty_note(&body, "no reform to show");
        }
        let n = d.reforms.len();
        let rows = body.split_evenly((n, 1));
        for (r, row) in d.reforms.iter().zip(rows.iter()) {
            let row = if n > 1 {
                let max = row.dim_in_pixel().0 as i32 - 2 * PAD;
                let t = fit(
                    row,
                    &format!("Reform {}", r.name),
                    PANEL_TITLE_SIZE,
                    true,
                    max,
                )?;
                let (strip, rest) = row.split_vertically(60);
                text(
                    &strip,
                    &t,
                    (PAD, 14),
                    PANEL_TITLE_SIZE,
                    INK,
                    HPos::Left,
                    VPos::Top,
                    true,
                )?;
                rest
            } else {
                row.clone()
            };
            let (w, _) = row.dim_in_pixel();
            let (left, right) = row.split_horizontally(w / 2);
            self.decile_shares(root, &left, &r.deciles)?;
            self.decile_change(root, &right, &r.deciles)?;
        }
        Ok(())
    }

    fn decile_shares<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
        deciles: &[Decile],
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = panel_title(area, "Households better off and worse off")?;
        let most = |f: fn(&Decile) -> f64| {
            deciles
                .iter()
                .map(f)
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max)
                * 100.0
        };
        let (ymin, ymax) = span(-most(|x| x.worse_off), most(|x| x.better_off));
        let (ymin, ymax) = (ymin.max(-100.0), ymax.min(100.0));
        let mut chart = ChartBuilder::on(&area)
            .margin_left(PAD as u32 / 2)
            .margin_right(30)
            .margin_top(10)
            .margin_bottom(10)
            .x_label_area_size(96)
            .y_label_area_size(128)
            .build_cartesian_2d(0.4..10.6, ymin..ymax)?;
        let dec = if ymax - ymin < 8.0 { 1 } else { 0 };
        let yfmt = |v: &f64| format!("{:.*}%", dec, v.abs());
        mesh!(chart)
            .disable_x_mesh()
            .x_labels(10)
            .y_labels(9)
            .x_label_formatter(&decile_label)
            .y_label_formatter(&yfmt)
            .x_desc("decile of base first-year income")
            .y_desc("% of households (down: worse off)")
            .draw()?;
        let px = |x: f64, y: f64| chart.backend_coord(&(x, y));
        for x in deciles {
            let c = x.decile as f64;
            let up = 100.0 * x.better_off;
            let down = 100.0 * x.worse_off;
            if up > 0.0 {
                root.draw(&Rectangle::new(
                    [px(c - 0.34, up), px(c + 0.34, 0.0)],
                    GAIN.filled(),
                ))?;
            }
            if down > 0.0 {
                root.draw(&Rectangle::new(
                    [px(c - 0.34, 0.0), px(c + 0.34, -down)],
                    LOSS.filled(),
                ))?;
            }
        }
        hline(root, (px(0.4, 0.0).0, px(10.6, 0.0).0), px(0.4, 0.0).1, 2)
    }

    fn decile_change<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
        deciles: &[Decile],
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = panel_title(area, "Mean change in income")?;
        let (lo, hi) = deciles
            .iter()
            .map(|x| x.mean_change)
            .filter(|v| v.is_finite())
            .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
        // Room for the value labels beyond the bars.
        let (ymin, ymax) = span(lo * 1.25, hi * 1.25);
        let dec = tick_decimals(ymax.abs().max(ymin.abs()));
        let mut chart = ChartBuilder::on(&area)
            .margin_left(PAD as u32 / 2)
            .margin_right(30)
            .margin_top(10)
            .margin_bottom(10)
            .x_label_area_size(96)
            .y_label_area_size(140)
            .build_cartesian_2d(0.4..10.6, ymin..ymax)?;
        let yfmt = |v: &f64| signed(*v, dec);
        mesh!(chart)
            .disable_x_mesh()
            .x_labels(10)
            .y_labels(8)
            .x_label_formatter(&decile_label)
            .y_label_formatter(&yfmt)
            .x_desc("decile of base first-year income")
            .y_desc("yuan per person, final year")
            .draw()?;
        let px = |x: f64, y: f64| chart.backend_coord(&(x, y));
        for x in deciles {
            let (c, v) = (x.decile as f64, x.mean_change);
            if !v.is_finite() {
                continue;
            }
            let col = if v >= 0.0 { GAIN } else { LOSS };
            root.draw(&Rectangle::new(
                [px(c - 0.34, v.max(0.0)), px(c + 0.34, v.min(0.0))],
                col.filled(),
            ))?;
            let p = px(c, v);
            text(
                root,
                &signed(v, 0),
                (p.0, if v >= 0.0 { p.1 - 6 } else { p.1 + 6 }),
                TICK_SIZE * 0.8,
                INK,
                HPos::Center,
                if v >= 0.0 { VPos::Bottom } else { VPos::Top },
                false,
            )?;
        }
        hline(root, (px(0.4, 0.0).0, px(10.6, 0.0).0), px(0.4, 0.0).1, 2)
    }
}

fn decile_label(x: &f64) -> String {
    if (x - x.round()).abs() < 1e-6 && (1.0..=10.0).contains(x) {
        format!("{:.0}", x)
    } else {
        String::new()
    }
}

/// Horizontal bars, one row per reform (top to bottom), each with a bold
/// label above it, optional interval whiskers and its value beside the bar.
fn bar_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    (xmin, xmax): (f64, f64),
    x_desc: &str,
    row_labels: &[String],
    values: &[(f64, Option<(f64, f64)>)],
    value_labels: &[String],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let n = values.len();
    let mut chart = ChartBuilder::on(area)
        .margin_left(PAD as u32 + if xmin < 0.0 { 70 } else { 0 })
        .margin_right(PAD as u32 + 70)
        .margin_top(4)
        .margin_bottom(20)
        .x_label_area_size(96)
        .y_label_area_size(0)
        .build_cartesian_2d(xmin..xmax, 0.0..n as f64)?;
    let dec = tick_decimals(xmax.abs().max(xmin.abs()));
    let xfmt = |v: &f64| thousands(*v, dec);
    mesh!(chart)
        .disable_y_mesh()
        .disable_y_axis()
        .x_labels(6)
        .x_label_formatter(&xfmt)
        .x_desc(x_desc)
        .draw()?;
    let px = |x: f64, y: f64| chart.backend_coord(&(x, y));
    let (x0, x1) = (px(xmin, 0.0).0, px(xmax, 0.0).0);
    // Row labels may run into the right margin (kept for value labels).
    let label_max = x1 - x0 + 90;
    for (i, ((v, ci), (label, vlabel))) in values
        .iter()
        .zip(row_labels.iter().zip(value_labels))
        .enumerate()
    {
        let (top, bottom) = (px(0.0, (n - i) as f64).1, px(0.0, (n - i - 1) as f64).1);
        let rh = bottom - top;
        let (b0, b1) = (top + rh * 42 / 100, top + rh * 84 / 100);
        let t = fit(root, label, LEGEND_SIZE, true, label_max)?;
        text(
            root,
            &t,
            (x0, top + rh * 10 / 100),
            LEGEND_SIZE,
            INK,
            HPos::Left,
            VPos::Top,
            true,
        )?;
        if !v.is_finite() {
            continue;
        }
        let color = look(i + 1).color;
        let (z, e) = (px(0.0, 0.0).0, px(*v, 0.0).0);
        root.draw(&PathElement::new(
            vec![(z, b0 - 12), (z, b1 + 12)],
            INK.stroke_width(3),
        ))?;
        root.draw(&Rectangle::new(
            [(z.min(e), b0), (z.max(e), b1)],
            color.filled(),
        ))?;
        let mid = (b0 + b1) / 2;
        let mut reach = (z.min(e), z.max(e));
        if let Some((lo, hi)) = ci.filter(|(a, b)| a.is_finite() && b.is_finite()) {
            let (a, b) = (px(lo, 0.0).0, px(hi, 0.0).0);
            let cap = (b1 - b0) * 30 / 100;
            for seg in [
                vec![(a, mid), (b, mid)],
                vec![(a, mid - cap), (a, mid + cap)],
                vec![(b, mid - cap), (b, mid + cap)],
            ] {
                root.draw(&PathElement::new(seg, INK.stroke_width(3)))?;
            }
            reach = (reach.0.min(a), reach.1.max(b));
        }
        if *v >= 0.0 {
            text(
                root,
                vlabel,
                (reach.1 + 10, mid),
                TICK_SIZE,
                INK,
                HPos::Left,
                VPos::Center,
                true,
            )?;
        } else {
            text(
                root,
                vlabel,
                (reach.0 - 10, mid),
                TICK_SIZE,
                INK,
                HPos::Right,
                VPos::Center,
                true,
            )?;
        }
    }
    Ok(())
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
