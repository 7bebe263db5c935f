//! `income_distribution`: the per-capita income histogram of the first and the
//! last year on a log income axis, with the poverty lines of those years.

use super::data::OutputData;
use super::draw::DrawResult;
use super::draw::*;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::collections::BTreeSet;

pub struct Distribution {
    scenario: String,
    replicate: i64,
    /// First year, then the last year (if different).
    years: Vec<YearHist>,
}

struct YearHist {
    year: i32,
    /// (lower, upper, % of population per bin), positive incomes only.
    bins: Vec<(f64, f64, f64)>,
    poverty_line: f64,
    extreme_line: f64,
    /// Headcount ratio in % (from trajectory.csv, same replicate and year).
    headcount: f64,
}

const FIRST: RGBColor = OI_BLUE;
const LAST: RGBColor = OI_VERMILLION;

impl Distribution {
    pub fn prepare(d: &OutputData) -> Option<Self> {
        let rows = d.distribution.as_ref()?;
        let replicate = rows.iter().map(|r| r.replicate).min()?;
        let years: BTreeSet<i32> = rows
            .iter()
            .filter(|r| r.replicate == replicate)
            .map(|r| r.year)
            .collect();
        let (first, last) = (*years.first()?, *years.last()?);
        let mut out = Vec::new();
        for year in if first == last {
            vec![first]
        } else {
            vec![first, last]
        } {
            let mut bins: Vec<(f64, f64, f64)> = rows
                .iter()
                .filter(|r| r.replicate == replicate && r.year == year)
                .filter(|r| r.upper.is_finite() && r.lower.is_finite() && r.people.is_finite())
                .map(|r| (r.lower, r.upper, r.people.max(0.0)))
                .collect();
            bins.sort_by(|a, b| a.0.total_cmp(&b.0));
            let total: f64 = bins.iter().map(|b| b.2).sum();
            if total <= 0.0 {
                continue;
            }
            // Bins at or below zero income cannot be drawn on a log axis; a first bin
            // starting at zero is drawn as wide (in log terms) as its neighbour.
            let ratio = bins
                .iter()
                .find(|b| b.0 > 0.0 && b.1 > b.0)
                .map(|b| b.1 / b.0)
                .unwrap_or(2.0);
            let bins: Vec<(f64, f64, f64)> = bins
                .into_iter()
                .filter(|b| b.1 > 0.0)
                .map(|(lo, hi, p)| (if lo > 0.0 { lo } else { hi / ratio }, hi, p))
                .collect();
            // Normalise to the typical (median) log width, so unequal bins stay comparable.
            let mut widths: Vec<f64> = bins
                .iter()
                .map(|b| (b.1 / b.0).log10())
                .filter(|w| *w > 0.0)
                .collect();
            widths.sort_by(f64::total_cmp);
            let typical = widths.get(widths.len() / 2).copied().unwrap_or(1.0);
            let mut bins: Vec<(f64, f64, f64)> = bins
                .into_iter()
                .filter(|b| b.1 > b.0)
                .map(|(lo, hi, p)| (lo, hi, 100.0 * p / total * typical / (hi / lo).log10()))
                .collect();
            // Drop empty bins at both ends.
            let first_full = bins.iter().position(|b| b.2 > 0.0).unwrap_or(bins.len());
            let last_full = bins
                .iter()
                .rposition(|b| b.2 > 0.0)
                .map(|i| i + 1)
                .unwrap_or(0);
            bins = if first_full < last_full {
                bins[first_full..last_full].to_vec()
            } else {
                Vec::new()
            };
            let traj = d
                .trajectory
                .iter()
                .find(|r| r.replicate == replicate && r.year == year);
            let mean_of = |f: fn(&super::data::TrajRow) -> f64| {
                d.by_year(f)
                    .into_iter()
                    .find(|(y, _)| *y == year)
                    .map(|(_, b)| b.mean)
                    .unwrap_or(f64::NAN)
            };
            out.push(YearHist {
                year,
                bins,
                poverty_line: traj
                    .map(|r| r.poverty_line)
                    .unwrap_or_else(|| mean_of(|r| r.poverty_line)),
                extreme_line: traj
                    .map(|r| r.extreme_line)
                    .unwrap_or_else(|| mean_of(|r| r.extreme_line)),
                headcount: 100.0
                    * traj
                        .map(|r| r.headcount_ratio)
                        .unwrap_or_else(|| mean_of(|r| r.headcount_ratio)),
            });
        }
        if out.is_empty() {
            return None;
        }
        Some(Distribution {
            scenario: d.scenario(),
            replicate,
            years: out,
        })
    }

    pub fn size(&self) -> (u32, u32) {
        (WIDTH, 1000)
    }

    pub fn title(&self) -> String {
        format!("Income distribution — {}", self.scenario)
    }

    fn year_span(&self) -> String {
        match (self.years.first(), self.years.last()) {
            (Some(a), Some(b)) if a.year != b.year => format!("{} and {}", a.year, b.year),
            (Some(a), _) => a.year.to_string(),
            _ => String::new(),
        }
    }

    pub fn caption(&self) -> String {
        format!(
            "Distribution of per-capita income in {} (replicate {}) on a logarithmic income axis, \
             the first year as a shaded blue histogram and the last as a vermillion outline, \
             with the poverty line (solid) and extreme-poverty line (dashed) of each year. One replicate's people only: \
             its share poor (in the legend) can differ from the summary table's, which averages every replicate.",
            self.year_span(),
            self.replicate
        )
    }

    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let sub = format!(
            "Per-capita income of all people, {} · replicate {} only (the tables average all) · poverty lines as vertical lines",
            self.year_span(),
            self.replicate
        );
        let area = header(root, &self.title(), &sub)?;
        let mut entries = Vec::new();
        for (i, h) in self.years.iter().enumerate() {
            let label = format!("{} ({:.1}% poor)", h.year, h.headcount);
            entries.push((
                label,
                if i == 0 {
                    Swatch::Outline(FIRST.mix(0.35), FIRST)
                } else {
                    Swatch::Line(Look::new(LAST, Dash::Solid, Marker::None))
                },
            ));
        }
        entries.push((
            "poverty line".to_string(),
            Swatch::Line(Look {
                width: 3,
                ..Look::new(INK, Dash::Solid, Marker::None)
            }),
        ));
        entries.push((
            "extreme-poverty line".to_string(),
            Swatch::Line(Look {
                width: 3,
                ..Look::new(INK, Dash::Dashed, Marker::None)
            }),
        ));
        let plot = legend_strip(&area, &entries)?;

        // Axis range: occupied bins and the lines, in log10 units.
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        let mut top: f64 = 0.0;
        for h in &self.years {
            for &(a, b, p) in &h.bins {
                if p > 0.0 {
                    lo = lo.min(a);
                    hi = hi.max(b);
                    top = top.max(p);
                }
            }
            for l in [h.poverty_line, h.extreme_line] {
                if l.is_finite() && l > 0.0 {
                    lo = lo.min(l);
                    hi = hi.max(l);
                }
            }
        }
        if !(lo.is_finite() && hi.is_finite() && hi > lo) {
            return empty_note(&plot, "no people with positive income");
        }
        let (x0, x1) = (lo.log10() - 0.05, hi.log10() + 0.05);
        let ymax = nice_max(top, 1.25);
        let dec = tick_decimals(ymax).saturating_sub(1);
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(PAD as u32 / 2)
            .margin_right(60)
            .margin_top(18)
            .margin_bottom(20)
            .x_label_area_size(96)
            .y_label_area_size(128)
            .build_cartesian_2d(x0..x1, 0.0..ymax)?;
        let none = |_: &f64| String::new();
        let yfmt = |v: &f64| format!("{:.*}", dec, v);
        mesh!(chart)
            .disable_x_mesh()
            .x_labels(2)
            .x_label_formatter(&none)
            .y_labels(7)
            .y_label_formatter(&yfmt)
            .x_desc("per-capita income (yuan per person-year, log scale)")
            .y_desc("% of population per bin")
            .draw()?;
        let px = |x: f64, y: f64| chart.backend_coord(&(x.log10(), y));

        // Log ticks at 1-2-5 steps (thinned to 1 per decade when crowded).
        let mut ticks = Vec::new();
        for e in (lo.log10().floor() as i32 - 1)..=(hi.log10().ceil() as i32 + 1) {
            for m in [1.0, 2.0, 5.0] {
                let v = m * 10f64.powi(e);
                if v.log10() >= x0 && v.log10() <= x1 {
                    ticks.push((v, m == 1.0));
                }
            }
        }
        if ticks.len() > 10 {
            ticks.retain(|t| t.1);
        }
        let (_, y_bottom) = px(10f64.powf(x0), 0.0);
        let (_, y_top) = px(10f64.powf(x0), ymax);
        for (v, _) in &ticks {
            let (x, _) = px(*v, 0.0);
            root.draw(&PathElement::new(
                vec![(x, y_top), (x, y_bottom)],
                GRID.stroke_width(1),
            ))?;
            root.draw(&PathElement::new(
                vec![(x, y_bottom), (x, y_bottom + 8)],
                AXIS.stroke_width(2),
            ))?;
            text(
                root,
                &thousands(*v, 0),
                (x, y_bottom + 14),
                TICK_SIZE,
                INK,
                HPos::Center,
                VPos::Top,
                false,
            )?;
        }

        // Histograms: first year filled, last year as a thick outline.
        for (i, h) in self.years.iter().enumerate() {
            let mut pts = Vec::new();
            if let Some(b) = h.bins.first() {
                pts.push(px(b.0, 0.0));
            }
            for &(a, b, p) in &h.bins {
                pts.push(px(a, p));
                pts.push(px(b, p));
            }
            if let Some(b) = h.bins.last() {
                pts.push(px(b.1, 0.0));
            }
            if i == 0 {
                root.draw(&Polygon::new(pts.clone(), FIRST.mix(0.35).filled()))?;
                root.draw(&PathElement::new(pts, FIRST.stroke_width(3)))?;
            } else {
                root.draw(&PathElement::new(pts, LAST.stroke_width(LINE_W)))?;
            }
        }

        // Poverty lines, labelled at the top in as many rows as needed to avoid overlaps.
        let same_lines = self.years.len() == 2
            && (self.years[0].poverty_line - self.years[1].poverty_line).abs() < 0.5
            && (self.years[0].extreme_line - self.years[1].extreme_line).abs() < 0.5;
        let mut lines = Vec::new();
        for (i, h) in self.years.iter().enumerate() {
            if same_lines && i > 0 {
                break;
            }
            let color = if same_lines {
                INK
            } else if i == 0 {
                FIRST
            } else {
                LAST
            };
            let tag = if same_lines {
                String::new()
            } else {
                format!(" {}", h.year)
            };
            for (v, dash, name) in [
                (h.poverty_line, Dash::Solid, "poverty line"),
                (h.extreme_line, Dash::Dashed, "extreme"),
            ] {
                if v.is_finite() && v > 0.0 {
                    lines.push((v, dash, color, format!("{name}{tag}: {}", thousands(v, 0))));
                }
            }
        }
        lines.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (v, dash, color, _) in &lines {
            let (x, _) = px(*v, 0.0);
            polyline(
                root,
                &[(x, y_bottom), (x, y_top)],
                &Look {
                    width: 3,
                    ..Look::new(*color, *dash, Marker::None)
                },
            )?;
        }
        // Labels after all lines, on a white box, in as many rows as needed.
        let size = TICK_SIZE * 0.85;
        let row_h = (size * 1.35) as i32;
        let mut row_ends: Vec<i32> = Vec::new();
        for (v, _, color, label) in lines {
            let (x, _) = px(v, 0.0);
            let w = text_width(root, &label, size, false)?;
            let row = match row_ends.iter().position(|&end| end < x) {
                Some(r) => r,
                None => {
                    row_ends.push(i32::MIN);
                    row_ends.len() - 1
                }
            };
            row_ends[row] = x + 8 + w + 10;
            let y = y_top + 8 + row as i32 * row_h;
            root.draw(&Rectangle::new(
                [(x + 3, y - 3), (x + 10 + w, y + row_h - 6)],
                WHITE.mix(0.9).filled(),
            ))?;
            text(
                root,
                &label,
                (x + 7, y),
                size,
                if luminance(color) > 0.3 { INK } else { color },
                HPos::Left,
                VPos::Top,
                false,
            )?;
        }
        Ok(())
    }
}
