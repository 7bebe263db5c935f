//! Charts of `povsim calibrate`, in the look of the run charts (see `draw`):
//!
//! - `calibration_fit`: a panel per target measure, the fit by year (mean and
//!   5th–95th percentile band across replicates) with the targets and their
//!   standard errors; held-out targets hollow diamonds, fitted ones circles.
//! - `calibration_profile`: a panel per fitted key, the loss along the key
//!   over its bounds with the other keys at their best values.
//!
//! The charts are drawn from plain numbers ([`CalibrationCharts`]) that the
//! calibration hands down.

use super::Chart;
use super::draw::DrawResult;
use super::draw::*;
use crate::error::Result;
use crate::output::atomic;
use crate::scenario::calibration::Bound;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The names of the calibration charts (`charts/NAME.svg|png`).
pub const CALIBRATION_CHART_NAMES: [&str; 2] = ["calibration_fit", "calibration_profile"];

/// One target on a fit panel.
#[derive(Clone, Debug)]
pub struct FitTarget {
    pub year: i32,
    pub value: f64,
    pub se: f64,
    pub bound: Option<Bound>,
    pub held_out: bool,
}

/// One measure by year at the best values.
#[derive(Clone, Debug)]
pub struct FitPanel {
    pub measure: String,
    pub years: Vec<i32>,
    pub mean: Vec<f64>,
    pub p5: Vec<f64>,
    pub p95: Vec<f64>,
    pub targets: Vec<FitTarget>,
}

/// The loss along one key.
#[derive(Clone, Debug)]
pub struct ProfilePanel {
    pub key: String,
    /// (value, loss), by value.
    pub points: Vec<(f64, f64)>,
    pub best: f64,
    pub bounds: (f64, f64),
    pub log: bool,
}

/// What the calibration charts show.
#[derive(Clone, Debug)]
pub struct CalibrationCharts {
    pub scenario: String,
    pub replicates: u32,
    pub loss: f64,
    pub fit: Vec<FitPanel>,
    pub profile: Vec<ProfilePanel>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Fit,
    Profile,
}

/// One calibration chart.
pub(crate) struct CalibrationChart {
    kind: Kind,
    d: Arc<CalibrationCharts>,
}

const PANEL_H: u32 = 520;
const FIT: RGBColor = OI_BLUE;
const TARGET: RGBColor = OI_VERMILLION;
const HELD_OUT: RGBColor = OI_BLACK;

/// Measures shown in percent.
fn is_share(m: &str) -> bool {
    m.ends_with("_ratio")
        || matches!(
            m,
            "poverty_gap" | "poverty_severity" | "watts" | "sen" | "bottom40_share"
        )
}

impl CalibrationChart {
    pub fn name(&self) -> &'static str {
        match self.kind {
            Kind::Fit => CALIBRATION_CHART_NAMES[0],
            Kind::Profile => CALIBRATION_CHART_NAMES[1],
        }
    }

    fn panels(&self) -> usize {
        match self.kind {
            Kind::Fit => self.d.fit.len(),
            Kind::Profile => self.d.profile.len(),
        }
        .max(1)
    }

    fn cols(&self) -> usize {
        if self.panels() == 1 { 1 } else { 2 }
    }

    pub fn size(&self) -> (u32, u32) {
        let rows = self.panels().div_ceil(self.cols()) as u32;
        (WIDTH, HEADER_H + 80 + rows * PANEL_H)
    }

    pub fn title(&self) -> String {
        match self.kind {
            Kind::Fit => format!("Targets against the fit — {}", self.d.scenario),
            Kind::Profile => format!("Loss along each fitted key — {}", self.d.scenario),
        }
    }

    pub fn caption(&self) -> String {
        match self.kind {
            Kind::Fit => format!(
                "Each target measure by year at the best values: mean and 5th–95th percentile band across {} replicates, with the targets ± one standard error (held-out targets hollow diamonds).",
                self.d.replicates
            ),
            Kind::Profile => "The loss along each fitted key over its bounds, the other keys at their best values; the dashed line marks the best value.".into(),
        }
    }

    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let d = &self.d;
        let (subtitle, entries) = match self.kind {
            Kind::Fit => (
                format!(
                    "mean and 90% band across {} replicates at the best values; loss {:.3}",
                    d.replicates, d.loss
                ),
                vec![
                    (
                        "fit (mean, 90% band)".to_string(),
                        Swatch::Band(Look::new(FIT, Dash::Solid, Marker::None)),
                    ),
                    (
                        "fitted target ± se".to_string(),
                        Swatch::Hollow(Marker::Circle, TARGET),
                    ),
                    (
                        "held-out target ± se".to_string(),
                        Swatch::Hollow(Marker::Diamond, HELD_OUT),
                    ),
                ],
            ),
            Kind::Profile => (
                "the other keys at their best values; squared misses in standard errors".into(),
                vec![
                    (
                        "loss".to_string(),
                        Swatch::Line(Look::new(FIT, Dash::Solid, Marker::Circle)),
                    ),
                    (
                        "best value".to_string(),
                        Swatch::Line(Look::new(TARGET, Dash::Dashed, Marker::None)),
                    ),
                ],
            ),
        };
        let area = header(root, &self.title(), &subtitle)?;
        let plot = legend_strip(&area, &entries)?;
        let (cols, n) = (self.cols(), self.panels());
        let rows = n.div_ceil(cols);
        let cells = plot.split_evenly((rows, cols));
        for (i, cell) in cells.iter().enumerate().take(n) {
            match self.kind {
                Kind::Fit => match d.fit.get(i) {
                    Some(p) => fit_panel(root, cell, p)?,
                    None => empty_note(cell, "no targets")?,
                },
                Kind::Profile => match d.profile.get(i) {
                    Some(p) => profile_panel(root, cell, p)?,
                    None => empty_note(cell, "no keys")?,
                },
            }
        }
        Ok(())
    }
}

fn fit_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cell: &DrawingArea<DB, Shift>,
    p: &FitPanel,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let share = is_share(&p.measure);
    let k = if share { 100.0 } else { 1.0 };
    let area = panel_title(
        cell,
        &format!("{}{}", p.measure, if share { ", %" } else { "" }),
    )?;
    let top = p
        .p95
        .iter()
        .chain(&p.mean)
        .copied()
        .chain(p.targets.iter().map(|t| t.value + t.se))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        * k;
    let ymax = nice_max(top, 1.08);
    let mut years = p.years.clone();
    years.extend(p.targets.iter().map(|t| t.year));
    years.sort_unstable();
    years.dedup();
    let dec = tick_decimals(ymax);
    let mut chart = ChartBuilder::on(&area)
        .margin_left(10)
        .margin_right(PAD as u32)
        .margin_bottom(10)
        .x_label_area_size(70)
        .y_label_area_size(120)
        .build_cartesian_2d(year_range(&years, 0.4), 0.0..ymax)?;
    let yfmt = |v: &f64| thousands(*v, dec);
    mesh!(chart)
        .disable_x_mesh()
        .x_labels(year_ticks(&years, 8))
        .y_labels(6)
        .x_label_formatter(&year_label)
        .y_label_formatter(&yfmt)
        .draw()?;
    let px = |x: f64, y: f64| chart.backend_coord(&(x, k * y));
    if p.years.len() >= 2 {
        let mut band: Vec<(i32, i32)> = p
            .years
            .iter()
            .zip(&p.p95)
            .map(|(y, v)| px(*y as f64, *v))
            .collect();
        band.extend(
            p.years
                .iter()
                .zip(&p.p5)
                .rev()
                .map(|(y, v)| px(*y as f64, *v)),
        );
        root.draw(&Polygon::new(band, FIT.mix(0.2).filled()))?;
    }
    let line: Vec<(i32, i32)> = p
        .years
        .iter()
        .zip(&p.mean)
        .map(|(y, v)| px(*y as f64, *v))
        .collect();
    polyline(root, &line, &Look::new(FIT, Dash::Solid, Marker::None))?;
    for t in &p.targets {
        let c = if t.held_out { HELD_OUT } else { TARGET };
        let x = t.year as f64;
        let (lo, hi) = match t.bound {
            Some(Bound::Above) => (t.value, t.value + t.se),
            Some(Bound::Below) => ((t.value - t.se).max(0.0), t.value),
            None => ((t.value - t.se).max(0.0), t.value + t.se),
        };
        root.draw(&PathElement::new(
            vec![px(x, lo), px(x, hi)],
            c.stroke_width(4),
        ))?;
        let m = if t.held_out {
            Marker::Diamond
        } else {
            Marker::Circle
        };
        hollow_marker(root, px(x, t.value), m, c, MARKER_R + 3)?;
    }
    Ok(())
}

fn profile_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cell: &DrawingArea<DB, Shift>,
    p: &ProfilePanel,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let area = panel_title(cell, &p.key)?;
    // log10(1 + loss): the minimum and the walls in one picture.
    let f = |l: f64| (1.0 + l.max(0.0)).log10();
    let top = p
        .points
        .iter()
        .map(|q| f(q.1))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let ymax = top.max(1.0).ceil();
    let (x0, x1) = p.bounds;
    let pad = (x1 - x0) * 0.03;
    // Decimals of a tick step of about a quarter of the range.
    let xdec = (-((x1 - x0) / 4.0).log10().floor()).clamp(0.0, 8.0) as usize;
    let mut chart = ChartBuilder::on(&area)
        .margin_left(10)
        .margin_right(PAD as u32)
        .margin_bottom(10)
        .x_label_area_size(70)
        .y_label_area_size(120)
        .build_cartesian_2d((x0 - pad)..(x1 + pad), 0.0..ymax)?;
    let xfmt = |v: &f64| thousands(*v, xdec);
    let yfmt = |v: &f64| {
        if (v - v.round()).abs() < 1e-9 {
            thousands(10f64.powf(*v), 0)
        } else {
            String::new()
        }
    };
    mesh!(chart)
        .x_labels(5)
        .y_labels(ymax as usize + 1)
        .x_label_formatter(&xfmt)
        .y_label_formatter(&yfmt)
        .y_desc("1 + loss (log)")
        .draw()?;
    let px = |x: f64, l: f64| chart.backend_coord(&(x, f(l)));
    let pts: Vec<(i32, i32)> = p.points.iter().map(|q| px(q.0, q.1)).collect();
    let b0 = chart.backend_coord(&(p.best, 0.0));
    let b1 = chart.backend_coord(&(p.best, ymax));
    polyline(
        root,
        &[b0, b1],
        &Look {
            width: 3,
            ..Look::new(TARGET, Dash::Dashed, Marker::None)
        },
    )?;
    polyline(root, &pts, &Look::new(FIT, Dash::Solid, Marker::Circle))?;
    if p.log {
        text(
            cell,
            "searched on the log scale",
            (cell.dim_in_pixel().0 as i32 - PAD, 14),
            TICK_SIZE,
            MUTED,
            HPos::Right,
            VPos::Top,
            false,
        )?;
    }
    Ok(())
}

/// Draw both calibration charts into `out/charts/` (PNG too if `png`).
pub fn draw(d: &CalibrationCharts, out: &Path, png: bool) -> Result<Vec<PathBuf>> {
    let d = Arc::new(d.clone());
    let charts = [Kind::Fit, Kind::Profile].map(|kind| {
        Chart::Calibration(CalibrationChart {
            kind,
            d: Arc::clone(&d),
        })
    });
    let dir = out.join("charts");
    atomic::create_dir(&dir)?;
    let mut written = Vec::new();
    for c in &charts {
        let svg_path = dir.join(format!("{}.svg", c.name()));
        atomic::write_file(&svg_path, c.svg()?.as_bytes())?;
        written.push(svg_path);
        if png {
            let png_path = dir.join(format!("{}.png", c.name()));
            atomic::write_file(&png_path, &c.png()?)?;
            written.push(png_path);
        }
    }
    Ok(written)
}
