//! `incidence`: headcount and extreme-poverty ratios over time, replicate mean
//! with a 90% band, calibration targets as points; on the teaching page, the
//! previous run's lines faintly behind.

use super::data::{Band, OutputData};
use super::draw::DrawResult;
use super::draw::*;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

pub struct Incidence {
    scenario: String,
    replicates: usize,
    years: Vec<i32>,
    /// Headcount ratio in %, by year.
    head: Vec<(i32, Band)>,
    /// Extreme-poverty ratio in %, by year.
    extreme: Vec<(i32, Band)>,
    /// Calibration targets in %: (year, value).
    targets_head: Vec<(i32, f64)>,
    targets_extreme: Vec<(i32, f64)>,
    /// An earlier run, drawn faintly behind (the teaching page).
    previous: Option<Previous>,
}

/// A run's incidence lines (replicate means, in %), kept to be drawn faintly
/// behind a later run: the teaching page's "previous run".
#[derive(Clone, Debug, PartialEq)]
pub struct Previous {
    head: Vec<(i32, f64)>,
    extreme: Vec<(i32, f64)>,
}

impl Previous {
    pub fn of(d: &OutputData) -> Previous {
        let c = Incidence::prepare(d);
        let means = |v: &[(i32, Band)]| v.iter().map(|(y, b)| (*y, b.mean)).collect();
        Previous {
            head: means(&c.head),
            extreme: means(&c.extreme),
        }
    }

    /// The headcount ratio by year, in %.
    pub fn headcount(&self) -> &[(i32, f64)] {
        &self.head
    }
}

const HEAD: Look = Look::new(OI_BLUE, Dash::Solid, Marker::Circle);
const EXTREME: Look = Look::new(OI_VERMILLION, Dash::Dashed, Marker::Triangle);
const PREVIOUS_GREY: RGBColor = RGBColor(119, 119, 119);
const PREVIOUS_HEAD: Look = Look::new(PREVIOUS_GREY, Dash::Solid, Marker::None);
const PREVIOUS_EXTREME: Look = Look::new(PREVIOUS_GREY, Dash::Dashed, Marker::None);

impl Incidence {
    pub fn prepare(d: &OutputData) -> Self {
        let pct = |v: Vec<(i32, Band)>| {
            v.into_iter()
                .map(|(y, b)| (y, b.scaled(100.0)))
                .collect::<Vec<_>>()
        };
        let years = d.years();
        let (first, last) = (
            years.first().copied().unwrap_or(0),
            years.last().copied().unwrap_or(0),
        );
        // Targets outside the simulated years have no place on the chart.
        let targets = |m: &str| {
            d.summary
                .targets
                .iter()
                .filter(|t| {
                    t.measure == m && t.value.is_finite() && (first..=last).contains(&t.year)
                })
                .map(|t| (t.year, t.value * 100.0))
                .collect::<Vec<_>>()
        };
        Incidence {
            scenario: d.scenario(),
            replicates: d.replicates(),
            years,
            head: pct(d.by_year(|r| r.headcount_ratio)),
            extreme: pct(d.by_year(|r| r.extreme_ratio)),
            targets_head: targets("headcount_ratio"),
            targets_extreme: targets("extreme_ratio"),
            previous: None,
        }
    }

    /// The same chart with `previous` drawn faintly behind.
    pub fn behind(self, previous: Option<&Previous>) -> Self {
        Incidence {
            previous: previous.cloned(),
            ..self
        }
    }

    pub fn size(&self) -> (u32, u32) {
        (WIDTH, 1000)
    }

    pub fn title(&self) -> String {
        format!("Poverty incidence — {}", self.scenario)
    }

    fn subtitle(&self) -> String {
        if self.replicates > 1 {
            format!(
                "Share of the population below each line · mean of {} replicates, shaded: 5th–95th percentile",
                self.replicates
            )
        } else {
            "Share of the population below each line · one replicate".to_string()
        }
    }

    pub fn caption(&self) -> String {
        let (y0, y1) = (
            self.years.first().copied().unwrap_or(0),
            self.years.last().copied().unwrap_or(0),
        );
        let mut s = format!(
            "Share of the population below the poverty line (blue, solid) and below the extreme-poverty line (vermillion, dashed), {y0}–{y1}"
        );
        if self.replicates > 1 {
            s.push_str(&format!(
                ": means over {} replicates with shaded 5th–95th percentile bands",
                self.replicates
            ));
        }
        if !self.targets_head.is_empty() || !self.targets_extreme.is_empty() {
            s.push_str("; open diamonds and squares are the calibration targets");
        }
        if self.previous.is_some() {
            s.push_str("; faint grey lines are the previous run");
        }
        s.push('.');
        s
    }

    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = header(root, &self.title(), &self.subtitle())?;
        let bands = self.replicates > 1;
        let sw = |l: Look| {
            if bands {
                Swatch::Band(l)
            } else {
                Swatch::Line(l)
            }
        };
        let mut entries = vec![
            ("headcount ratio".to_string(), sw(HEAD)),
            ("extreme-poverty ratio".to_string(), sw(EXTREME)),
        ];
        if !self.targets_head.is_empty() {
            entries.push((
                "target (headcount)".to_string(),
                Swatch::Hollow(Marker::Diamond, INK),
            ));
        }
        if !self.targets_extreme.is_empty() {
            entries.push((
                "target (extreme)".to_string(),
                Swatch::Hollow(Marker::Square, INK),
            ));
        }
        let previous = self
            .previous
            .iter()
            .flat_map(|p| [(&p.head, PREVIOUS_HEAD), (&p.extreme, PREVIOUS_EXTREME)]);
        if self.previous.is_some() {
            entries.push(("previous run".to_string(), Swatch::Faint(PREVIOUS_HEAD)));
        }
        let plot = legend_strip(&area, &entries)?;

        let top = self
            .head
            .iter()
            .chain(&self.extreme)
            .map(|(_, b)| b.hi.max(b.mean))
            .chain(
                self.targets_head
                    .iter()
                    .chain(&self.targets_extreme)
                    .map(|t| t.1),
            )
            .chain(previous.clone().flat_map(|(s, _)| s.iter().map(|p| p.1)))
            .fold(0.0, f64::max);
        let mut years = self.years.clone();
        if let Some(p) = &self.previous {
            years.extend(p.head.iter().map(|(y, _)| *y));
            years.sort_unstable();
            years.dedup();
        }
        let chart = percent_by_year(&plot, &years, top, "% of population")?;
        let px = |x: f64, y: f64| chart.backend_coord(&(x, y));
        for (series, look) in previous {
            let pts: Vec<(i32, i32)> = series.iter().map(|(y, v)| px(*y as f64, *v)).collect();
            faint_polyline(root, &pts, &look)?;
        }

        let mut ends = Vec::new();
        for (series, look) in [(&self.head, HEAD), (&self.extreme, EXTREME)] {
            if bands && series.len() >= 2 {
                let mut poly: Vec<(i32, i32)> =
                    series.iter().map(|(y, b)| px(*y as f64, b.hi)).collect();
                poly.extend(series.iter().rev().map(|(y, b)| px(*y as f64, b.lo)));
                root.draw(&Polygon::new(poly, look.color.mix(0.2).filled()))?;
            }
        }
        for (series, look) in [(&self.head, HEAD), (&self.extreme, EXTREME)] {
            let pts: Vec<(i32, i32)> = series.iter().map(|(y, b)| px(*y as f64, b.mean)).collect();
            polyline(root, &pts, &look)?;
            if let (Some(p), Some((_, b))) = (pts.last(), series.last()) {
                ends.push((p.1, format!("{:.1}%", b.mean), look.color));
            }
        }
        for (y, v) in &self.targets_head {
            hollow_marker(root, px(*y as f64, *v), Marker::Diamond, INK, MARKER_R + 3)?;
        }
        for (y, v) in &self.targets_extreme {
            hollow_marker(root, px(*y as f64, *v), Marker::Square, INK, MARKER_R + 3)?;
        }
        let x_end = px(*years.last().unwrap_or(&0) as f64 + 0.3, 0.0).0 + 14;
        end_labels(root, x_end, ends)?;
        Ok(())
    }
}

/// Values written beside the ends of lines, pushed apart so they never overlap.
pub fn end_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    x: i32,
    mut labels: Vec<(i32, String, RGBColor)>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let gap = (TICK_SIZE * 1.15) as i32;
    labels.sort_by_key(|l| l.0);
    for i in 1..labels.len() {
        if labels[i].0 - labels[i - 1].0 < gap {
            labels[i].0 = labels[i - 1].0 + gap;
        }
    }
    for (y, s, c) in labels {
        let c = if luminance(c) > 0.35 { INK } else { c };
        text(
            root,
            &s,
            (x, y),
            TICK_SIZE,
            c,
            HPos::Left,
            VPos::Center,
            true,
        )?;
    }
    Ok(())
}
