//! `targeting`: inclusion and exclusion errors of the poverty register and the
//! register's size over time, by targeting method (replicate means).

use super::data::{OutputData, count_replicates};
use super::draw::DrawResult;
use super::draw::*;
use super::incidence::end_labels;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

pub struct Targeting {
    scenario: String,
    replicates: usize,
    years: Vec<i32>,
    methods: Vec<Method>,
}

/// Per-replicate values of one year: inclusion errors, exclusion errors, register sizes.
type Columns = (Vec<f64>, Vec<f64>, Vec<f64>);

struct Method {
    name: String,
    /// By year: (inclusion error %, exclusion error %, registered).
    series: Vec<(i32, f64, f64, f64)>,
}

impl Targeting {
    pub fn prepare(d: &OutputData) -> Option<Self> {
        let rows = d.targeting.as_ref()?;
        if rows.is_empty() {
            return None;
        }
        let n = count_replicates(rows.iter().map(|r| r.replicate));
        let mut names: Vec<String> = Vec::new();
        for r in rows {
            if !names.contains(&r.method) {
                names.push(r.method.clone());
            }
        }
        let mean = |v: &[f64]| {
            let f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
            if f.is_empty() {
                f64::NAN
            } else {
                f.iter().sum::<f64>() / f.len() as f64
            }
        };
        let methods = names
            .into_iter()
            .map(|name| {
                let mut per: BTreeMap<i32, Columns> = BTreeMap::new();
                for r in rows.iter().filter(|r| r.method == name) {
                    let e = per.entry(r.year).or_default();
                    e.0.push(100.0 * r.inclusion_error);
                    e.1.push(100.0 * r.exclusion_error);
                    e.2.push(r.registered);
                }
                let series = per
                    .into_iter()
                    .map(|(y, (a, b, c))| (y, mean(&a), mean(&b), mean(&c)))
                    .collect();
                Method { name, series }
            })
            .collect::<Vec<_>>();
        let years = rows
            .iter()
            .map(|r| r.year)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        Some(Targeting {
            scenario: d.scenario(),
            replicates: n,
            years,
            methods,
        })
    }

    pub fn size(&self) -> (u32, u32) {
        (WIDTH, 950)
    }

    pub fn title(&self) -> String {
        format!("Targeting — {}", self.scenario)
    }

    pub fn caption(&self) -> String {
        format!(
            "Inclusion error (share of registered households that are not poor, solid) and exclusion error \
             (share of poor households left off the register, dashed) of the poverty register by year (left), \
             and the number of registered households (right){}.",
            if self.replicates > 1 {
                format!("; means of {} replicates", self.replicates)
            } else {
                String::new()
            }
        )
    }

    fn looks(&self, m: usize) -> (Look, Look) {
        if self.methods.len() == 1 {
            (
                Look::new(OI_BLUE, Dash::Solid, Marker::Circle),
                Look::new(OI_VERMILLION, Dash::Dashed, Marker::Triangle),
            )
        } else {
            let c = CATEGORICAL[m % CATEGORICAL.len()];
            (
                Look::new(c, Dash::Solid, Marker::Circle),
                Look::new(c, Dash::Dashed, Marker::Triangle),
            )
        }
    }

    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let names = self
            .methods
            .iter()
            .map(|m| m.name.replace('_', " "))
            .collect::<Vec<_>>()
            .join(", ");
        let sub = format!(
            "Poverty register by targeting method ({names}){}",
            if self.replicates > 1 {
                format!(" · mean of {} replicates", self.replicates)
            } else {
                String::new()
            }
        );
        let area = header(root, &self.title(), &sub)?;
        let mut entries = Vec::new();
        if self.methods.len() == 1 {
            let (a, b) = self.looks(0);
            entries.push((
                "inclusion error (non-poor registered)".to_string(),
                Swatch::Line(a),
            ));
            entries.push((
                "exclusion error (poor not registered)".to_string(),
                Swatch::Line(b),
            ));
            entries.push((
                "register size".to_string(),
                Swatch::Line(Look::new(INK, Dash::Solid, Marker::Square)),
            ));
        } else {
            for (i, m) in self.methods.iter().enumerate() {
                entries.push((
                    m.name.replace('_', " "),
                    Swatch::Fill(self.looks(i).0.color),
                ));
            }
            entries.push((
                "inclusion error".to_string(),
                Swatch::Line(Look::new(INK, Dash::Solid, Marker::Circle)),
            ));
            entries.push((
                "exclusion error".to_string(),
                Swatch::Line(Look::new(INK, Dash::Dashed, Marker::Triangle)),
            ));
        }
        let body = legend_strip(&area, &entries)?;
        let (w, _) = body.dim_in_pixel();
        let (left, right) = body.split_horizontally(w / 2);
        self.errors(root, &left)?;
        self.register(root, &right)
    }

    fn errors<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = panel_title(area, "Targeting errors")?;
        let top = self
            .methods
            .iter()
            .flat_map(|m| m.series.iter().flat_map(|s| [s.1, s.2]))
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let ymax = nice_max(top, 1.1).min(100.0);
        let dec = tick_decimals(ymax).saturating_sub(1);
        let yfmt = |v: &f64| format!("{:.*}", dec, v);
        let mut chart = ChartBuilder::on(&area)
            .margin_left(PAD as u32 / 2)
            .margin_right(110)
            .margin_top(10)
            .margin_bottom(20)
            .x_label_area_size(96)
            .y_label_area_size(128)
            .build_cartesian_2d(year_range(&self.years, 0.3), 0.0..ymax)?;
        mesh!(chart)
            .disable_x_mesh()
            .x_labels(year_ticks(&self.years, 8))
            .y_labels(7)
            .x_label_formatter(&year_label)
            .y_label_formatter(&yfmt)
            .x_desc("year")
            .y_desc("error (%)")
            .draw()?;
        let px = |x: f64, y: f64| chart.backend_coord(&(x, y));
        let mut ends = Vec::new();
        for (i, m) in self.methods.iter().enumerate() {
            let (a, b) = self.looks(i);
            let inc: Vec<(i32, i32)> = m
                .series
                .iter()
                .filter(|s| s.1.is_finite())
                .map(|s| px(s.0 as f64, s.1))
                .collect();
            let exc: Vec<(i32, i32)> = m
                .series
                .iter()
                .filter(|s| s.2.is_finite())
                .map(|s| px(s.0 as f64, s.2))
                .collect();
            polyline(root, &inc, &a)?;
            polyline(root, &exc, &b)?;
            if let Some(s) = m.series.iter().rev().find(|s| s.1.is_finite()) {
                ends.push((px(0.0, s.1).1, format!("{:.0}%", s.1), a.color));
            }
            if let Some(s) = m.series.iter().rev().find(|s| s.2.is_finite()) {
                ends.push((px(0.0, s.2).1, format!("{:.0}%", s.2), b.color));
            }
        }
        let x_end = px(*self.years.last().unwrap_or(&0) as f64 + 0.3, 0.0).0 + 12;
        end_labels(root, x_end, ends)
    }

    fn register<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = panel_title(area, "Register size")?;
        let top = self
            .methods
            .iter()
            .flat_map(|m| m.series.iter().map(|s| s.3))
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let (div, prefix) = count_scale(top);
        let ymax = nice_max(top / div, 1.12);
        let dec = tick_decimals(ymax).saturating_sub(1);
        let yfmt = |v: &f64| thousands(*v, dec);
        let mut chart = ChartBuilder::on(&area)
            .margin_left(PAD as u32 / 2)
            .margin_right(110)
            .margin_top(10)
            .margin_bottom(20)
            .x_label_area_size(96)
            .y_label_area_size(140)
            .build_cartesian_2d(year_range(&self.years, 0.3), 0.0..ymax)?;
        mesh!(chart)
            .disable_x_mesh()
            .x_labels(year_ticks(&self.years, 8))
            .y_labels(7)
            .x_label_formatter(&year_label)
            .y_label_formatter(&yfmt)
            .x_desc("year")
            .y_desc(format!("{prefix}registered households"))
            .draw()?;
        let px = |x: f64, y: f64| chart.backend_coord(&(x, y));
        let mut ends = Vec::new();
        for (i, m) in self.methods.iter().enumerate() {
            let look = if self.methods.len() == 1 {
                Look::new(INK, Dash::Solid, Marker::Square)
            } else {
                Look::new(
                    self.looks(i).0.color,
                    DASHES[i % DASHES.len()],
                    Marker::Square,
                )
            };
            let pts: Vec<(i32, i32)> = m
                .series
                .iter()
                .filter(|s| s.3.is_finite())
                .map(|s| px(s.0 as f64, s.3 / div))
                .collect();
            polyline(root, &pts, &look)?;
            if let Some(s) = m.series.iter().rev().find(|s| s.3.is_finite()) {
                ends.push((
                    px(0.0, s.3 / div).1,
                    thousands(s.3 / div, dec.max(if div > 1.0 { 1 } else { 0 })),
                    look.color,
                ));
            }
        }
        let x_end = px(*self.years.last().unwrap_or(&0) as f64 + 0.3, 0.0).0 + 12;
        end_labels(root, x_end, ends)
    }
}
