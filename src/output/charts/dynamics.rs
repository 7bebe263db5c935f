//! `dynamics`: entries into and exits from poverty per year (bars), and the
//! transition matrix between welfare states from the first to the last year.

use super::data::{Band, OutputData, STATES, count_replicates, replicate_mean};
use super::draw::DrawResult;
use super::draw::*;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

pub struct Dynamics {
    scenario: String,
    replicates: usize,
    /// By year: entries and exits (people).
    flows: Vec<(i32, Band, Band)>,
    /// Mean people by [from][to] state, if transitions.csv is present.
    matrix: Option<[[f64; 3]; 3]>,
    first_year: i32,
    last_year: i32,
}

const ENTRIES: RGBColor = OI_VERMILLION;
const EXITS: RGBColor = OI_SKY;
const EXITS_EDGE: RGBColor = OI_BLUE;
const STATE_LABELS: [&str; 3] = ["poor", "near poor", "non-poor"];

impl Dynamics {
    pub fn prepare(d: &OutputData) -> Self {
        let entries = d.by_year(|r| r.entries);
        let exits = d.by_year(|r| r.exits);
        let mut flows: Vec<(i32, Band, Band)> = entries
            .iter()
            .filter_map(|(y, a)| {
                exits
                    .iter()
                    .find(|(y2, _)| y2 == y)
                    .map(|(_, b)| (*y, *a, *b))
            })
            .collect();
        // The first year has no previous year to enter from or exit to.
        if flows
            .first()
            .is_some_and(|f| f.1.hi == 0.0 && f.2.hi == 0.0)
        {
            flows.remove(0);
        }
        let matrix = d
            .transitions
            .as_ref()
            .filter(|t| !t.is_empty())
            .map(|rows| {
                let n = count_replicates(rows.iter().map(|r| r.replicate));
                let means = replicate_mean(
                    rows.iter()
                        .map(|r| (r.replicate, (r.from.clone(), r.to.clone()), r.people)),
                    n,
                );
                let mut m = [[0.0; 3]; 3];
                for ((from, to), v) in means {
                    if let (Some(i), Some(j)) = (
                        STATES.iter().position(|s| *s == from),
                        STATES.iter().position(|s| *s == to),
                    ) {
                        m[i][j] = v.max(0.0);
                    }
                }
                m
            });
        let years = d.years();
        Dynamics {
            scenario: d.scenario(),
            replicates: d.replicates(),
            first_year: years.first().copied().unwrap_or(0),
            last_year: years.last().copied().unwrap_or(0),
            flows,
            matrix,
        }
    }

    pub fn size(&self) -> (u32, u32) {
        (WIDTH, 950)
    }

    pub fn title(&self) -> String {
        format!("Poverty dynamics — {}", self.scenario)
    }

    pub fn caption(&self) -> String {
        let mut s = format!(
            "People entering poverty (vermillion) and leaving it (light blue) each year{}",
            if self.replicates > 1 {
                format!(
                    ", means of {} replicates with 5th–95th percentile whiskers (up to 15 years)",
                    self.replicates
                )
            } else {
                String::new()
            }
        );
        if self.matrix.is_some() {
            s.push_str(&format!(
                ", and where the people who were poor, near poor (below 1.5 × the line) or non-poor in {} stood in {}, as shares of each row",
                self.first_year, self.last_year
            ));
        }
        s.push('.');
        s
    }

    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let sub = format!(
            "Flows into and out of poverty{}{}",
            if self.matrix.is_some() {
                format!(
                    ", and movement between states {}→{}",
                    self.first_year, self.last_year
                )
            } else {
                String::new()
            },
            if self.replicates > 1 {
                format!(" · mean of {} replicates", self.replicates)
            } else {
                String::new()
            }
        );
        let area = header(root, &self.title(), &sub)?;
        match &self.matrix {
            Some(m) => {
                let (w, _) = area.dim_in_pixel();
                let (left, right) = area.split_horizontally(w * 52 / 100);
                self.bars(root, &left)?;
                self.table(&right, m)
            }
            None => self.bars(root, &area),
        }
    }

    fn bars<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = panel_title(area, "Entries and exits per year")?;
        let area = legend_strip(
            &area,
            &[
                ("entered poverty".to_string(), Swatch::Fill(ENTRIES)),
                (
                    "left poverty".to_string(),
                    Swatch::Outline(EXITS.to_rgba(), EXITS_EDGE),
                ),
            ],
        )?;
        if self.flows.is_empty() {
            return empty_note(&area, "only one year: no entries or exits");
        }
        let top = self
            .flows
            .iter()
            .flat_map(|f| [f.1.hi, f.2.hi, f.1.mean, f.2.mean])
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let (div, prefix) = count_scale(top);
        let ymax = nice_max(top / div, 1.1);
        // Counts are never negative; should a file say otherwise, show it rather than clip it.
        let bottom = self
            .flows
            .iter()
            .flat_map(|f| [f.1.lo, f.2.lo, f.1.mean, f.2.mean])
            .filter(|v| v.is_finite())
            .fold(0.0, f64::min);
        let ymin = if bottom < 0.0 {
            -nice_max(-bottom / div, 1.1)
        } else {
            0.0
        };
        let dec = tick_decimals(ymax).saturating_sub(1);
        let yfmt = |v: &f64| thousands(*v, dec);
        let years: Vec<i32> = self.flows.iter().map(|f| f.0).collect();
        let mut chart = ChartBuilder::on(&area)
            .margin_left(PAD as u32 / 2)
            .margin_right(30)
            .margin_top(10)
            .margin_bottom(20)
            .x_label_area_size(96)
            .y_label_area_size(140)
            .build_cartesian_2d(year_range(&years, 0.6), ymin..ymax)?;
        mesh!(chart)
            .disable_x_mesh()
            .x_labels(year_ticks(&years, 8))
            .y_labels(7)
            .x_label_formatter(&year_label)
            .y_label_formatter(&yfmt)
            .x_desc("year")
            .y_desc(format!("{prefix}people per year"))
            .draw()?;
        let px = |x: f64, y: f64| chart.backend_coord(&(x, y));
        for (y, e, x) in &self.flows {
            let yr = *y as f64;
            for (band, x0, x1, fill, edge) in [
                (e, yr - 0.38, yr, ENTRIES, ENTRIES),
                (x, yr, yr + 0.38, EXITS, EXITS_EDGE),
            ] {
                let (a, b) = (px(x0 + 0.02, 0.0), px(x1 - 0.02, band.mean / div));
                root.draw(&Rectangle::new([a, b], fill.filled()))?;
                root.draw(&Rectangle::new([a, b], edge.stroke_width(2)))?;
                if self.replicates > 1 && self.flows.len() <= 15 {
                    let xm = (a.0 + b.0) / 2;
                    let (lo, hi) = (px(0.0, band.lo / div).1, px(0.0, band.hi / div).1);
                    root.draw(&PathElement::new(
                        vec![(xm, lo), (xm, hi)],
                        INK.stroke_width(2),
                    ))?;
                    for yy in [lo, hi] {
                        root.draw(&PathElement::new(
                            vec![(xm - 7, yy), (xm + 7, yy)],
                            INK.stroke_width(2),
                        ))?;
                    }
                }
            }
        }
        Ok(())
    }

    fn table<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        m: &[[f64; 3]; 3],
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = panel_title(area, &format!("Where people stood in {}", self.last_year))?;
        let (w, h) = area.dim_in_pixel();
        let (label_w, head_h) = (190, 110);
        let cell = ((w as i32 - label_w - 80) / 3)
            .min((h as i32 - head_h - 70) / 3)
            .max(40);
        let x0 = label_w + 10;
        let y0 = head_h;
        let small = TICK_SIZE * 0.85;
        text(
            &area,
            &format!("state in {} →", self.last_year),
            (x0 + cell * 3 / 2, 14),
            small,
            MUTED,
            HPos::Center,
            VPos::Top,
            false,
        )?;
        text(
            &area,
            &format!("state in {} ↓", self.first_year),
            (x0 - 14, y0 - 14),
            small,
            MUTED,
            HPos::Right,
            VPos::Bottom,
            false,
        )?;
        for (j, s) in STATE_LABELS.iter().enumerate() {
            text(
                &area,
                s,
                (x0 + cell * j as i32 + cell / 2, y0 - 14),
                TICK_SIZE,
                INK,
                HPos::Center,
                VPos::Bottom,
                true,
            )?;
        }
        for (i, row) in m.iter().enumerate() {
            let total: f64 = row.iter().sum();
            let y = y0 + cell * i as i32;
            text(
                &area,
                STATE_LABELS[i],
                (x0 - 14, y + cell / 2 - 14),
                TICK_SIZE,
                INK,
                HPos::Right,
                VPos::Center,
                true,
            )?;
            text(
                &area,
                &format!("{} people", thousands(total, 0)),
                (x0 - 14, y + cell / 2 + 18),
                small * 0.9,
                MUTED,
                HPos::Right,
                VPos::Center,
                false,
            )?;
            for (j, v) in row.iter().enumerate() {
                let share = if total > 0.0 { v / total } else { f64::NAN };
                let x = x0 + cell * j as i32;
                let fill = if share.is_finite() {
                    blues(share)
                } else {
                    RGBColor(240, 240, 240)
                };
                area.draw(&Rectangle::new(
                    [(x, y), (x + cell, y + cell)],
                    fill.filled(),
                ))?;
                area.draw(&Rectangle::new(
                    [(x, y), (x + cell, y + cell)],
                    WHITE.stroke_width(3),
                ))?;
                let ink = if luminance(fill) < 0.3 { WHITE } else { INK };
                let big = if share.is_finite() {
                    format!("{:.0}%", 100.0 * share)
                } else {
                    "–".to_string()
                };
                text(
                    &area,
                    &big,
                    (x + cell / 2, y + cell / 2 - 12),
                    TICK_SIZE * 1.25,
                    ink,
                    HPos::Center,
                    VPos::Center,
                    true,
                )?;
                text(
                    &area,
                    &thousands(*v, 0),
                    (x + cell / 2, y + cell / 2 + 26),
                    small * 0.9,
                    ink,
                    HPos::Center,
                    VPos::Center,
                    false,
                )?;
            }
        }
        let note_y = y0 + cell * 3 + 16;
        text(
            &area,
            "shares of each row · near poor: line ≤ income < 1.5 × line",
            (x0 - label_w + 20, note_y),
            small * 0.9,
            MUTED,
            HPos::Left,
            VPos::Top,
            false,
        )?;
        Ok(())
    }
}

/// A sequential blue scale from near-white (0) to dark blue (1).
fn blues(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 5] = [
        (239, 243, 255),
        (189, 215, 231),
        (107, 174, 214),
        (33, 113, 181),
        (8, 48, 107),
    ];
    let t = t.clamp(0.0, 1.0) * 4.0;
    let i = (t.floor() as usize).min(3);
    let f = t - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    RGBColor(
        mix(STOPS[i].0, STOPS[i + 1].0),
        mix(STOPS[i].1, STOPS[i + 1].1),
        mix(STOPS[i].2, STOPS[i + 1].2),
    )
}
