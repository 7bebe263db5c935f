//! `income_sources`: mean per-capita income by source over time as stacked
//! areas, for everyone and for the poor (replicate means).

use super::data::OutputData;
use super::draw::DrawResult;
use super::draw::*;
use super::incidence::end_labels;
use crate::model::state::SOURCE_LABELS as LABELS;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::collections::{BTreeMap, BTreeSet};

pub struct Sources {
    scenario: String,
    replicates: usize,
    years: Vec<i32>,
    /// For "all" and "poor": by year, the mean of each source (yuan per person-year).
    groups: [Vec<(i32, [f64; 6])>; 2],
    /// Mean poverty line by year.
    poverty_line: Vec<(i32, f64)>,
}

/// Colours of the sources, bottom of the stack first: neighbours differ in
/// lightness too, so the stack still reads in greyscale.
const COLORS: [RGBColor; 6] = [
    OI_GREEN,
    OI_SKY,
    OI_BLUE,
    OI_YELLOW,
    OI_PURPLE,
    OI_VERMILLION,
];
const POVERTY_LINE: Look = Look {
    width: 4,
    ..Look::new(INK, Dash::Dashed, Marker::None)
};

impl Sources {
    pub fn prepare(d: &OutputData) -> Option<Self> {
        let rows = d.income_sources.as_ref()?;
        let mut groups: [Vec<(i32, [f64; 6])>; 2] = [vec![], vec![]];
        for (g, name) in ["all", "poor"].iter().enumerate() {
            let mut per: BTreeMap<i32, Vec<[f64; 6]>> = BTreeMap::new();
            for r in rows.iter().filter(|r| r.group.trim() == *name) {
                let v = r.values();
                if v.iter().all(|x| x.is_finite()) {
                    per.entry(r.year).or_default().push(v);
                }
            }
            groups[g] = per
                .into_iter()
                .map(|(y, vs)| {
                    let mut m = [0.0; 6];
                    for v in &vs {
                        for k in 0..6 {
                            m[k] += v[k].max(0.0) / vs.len() as f64;
                        }
                    }
                    (y, m)
                })
                .collect();
        }
        if groups[0].is_empty() && groups[1].is_empty() {
            return None;
        }
        let years: Vec<i32> = groups
            .iter()
            .flatten()
            .map(|(y, _)| *y)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let poverty_line = d
            .by_year(|r| r.poverty_line)
            .into_iter()
            .map(|(y, b)| (y, b.mean))
            .collect();
        Some(Sources {
            scenario: d.scenario(),
            replicates: d.replicates(),
            years,
            groups,
            poverty_line,
        })
    }

    pub fn size(&self) -> (u32, u32) {
        (WIDTH, 950)
    }

    pub fn title(&self) -> String {
        format!("Income sources — {}", self.scenario)
    }

    pub fn caption(&self) -> String {
        format!(
            "Mean per-capita income by source (farming, wages, remittances, enterprise, tourism, transfers) stacked by year, \
             for everyone (left) and for the poor (right, with the poverty line dashed){}.",
            if self.replicates > 1 {
                format!(", averaged over {} replicates", self.replicates)
            } else {
                String::new()
            }
        )
    }

    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let sub = format!(
            "Mean per-capita income by source, stacked{}",
            if self.replicates > 1 {
                format!(" · mean of {} replicates", self.replicates)
            } else {
                String::new()
            }
        );
        let area = header(root, &self.title(), &sub)?;
        let entries: Vec<(String, Swatch)> = LABELS
            .iter()
            .zip(COLORS)
            .rev()
            .map(|(l, c)| (l.to_string(), Swatch::Fill(c)))
            .collect();
        let body = legend_strip(&area, &entries)?;
        let (w, _) = body.dim_in_pixel();
        let (left, right) = body.split_horizontally(w / 2);
        self.panel(root, &left, 0, "Everyone")?;
        self.panel(root, &right, 1, "The poor")?;
        Ok(())
    }

    fn panel<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
        g: usize,
        name: &str,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        if g == 1 {
            // The poverty line's key sits beside this panel's title.
            let (w, _) = area.dim_in_pixel();
            let label = "poverty line";
            let tw = text_width(area, label, LEGEND_SIZE, false)?;
            let x = w as i32 - 118 - tw - 64 - 14;
            swatch(
                area,
                (x, 8 + (PANEL_TITLE_SIZE * 0.45) as i32),
                64,
                Swatch::Line(POVERTY_LINE),
            )?;
            text(
                area,
                label,
                (x + 78, 8 + (PANEL_TITLE_SIZE * 0.45) as i32),
                LEGEND_SIZE,
                INK,
                HPos::Left,
                VPos::Center,
                false,
            )?;
        }
        let area = panel_title(area, name)?;
        let series = &self.groups[g];
        if series.is_empty() {
            return empty_note(&area, "no data for this group");
        }
        let mut top = series
            .iter()
            .map(|(_, v)| v.iter().sum::<f64>())
            .fold(0.0, f64::max);
        if g == 1 {
            top = self
                .poverty_line
                .iter()
                .map(|p| p.1)
                .filter(|v| v.is_finite())
                .fold(top, f64::max);
        }
        let ymax = nice_max(top, 1.08);
        let yfmt = |v: &f64| thousands(*v, if ymax < 20.0 { 1 } else { 0 });
        let mut chart = ChartBuilder::on(&area)
            .margin_left(PAD as u32 / 2)
            .margin_right(118)
            .margin_top(10)
            .margin_bottom(20)
            .x_label_area_size(96)
            .y_label_area_size(140)
            .build_cartesian_2d(
                year_range(&self.years, if self.years.len() == 1 { 0.6 } else { 0.0 }),
                0.0..ymax,
            )?;
        mesh!(chart)
            .disable_x_mesh()
            .x_labels(year_ticks(&self.years, 7))
            .y_labels(7)
            .x_label_formatter(&year_label)
            .y_label_formatter(&yfmt)
            .x_desc("year")
            .y_desc("yuan per person-year")
            .draw()?;
        let px = |x: f64, y: f64| chart.backend_coord(&(x, y));
        let single = series.len() == 1;
        // A single year is drawn as a band ±0.5 years wide.
        let xs = |y: i32| {
            if single {
                vec![y as f64 - 0.5, y as f64 + 0.5]
            } else {
                vec![y as f64]
            }
        };
        let mut lower: Vec<(f64, f64)> = series
            .iter()
            .flat_map(|(y, _)| xs(*y).into_iter().map(|x| (x, 0.0)))
            .collect();
        for k in 0..6 {
            let upper: Vec<(f64, f64)> = series
                .iter()
                .flat_map(|(y, v)| {
                    let s: f64 = v[..=k].iter().sum();
                    xs(*y).into_iter().map(move |x| (x, s))
                })
                .collect();
            let mut poly: Vec<(i32, i32)> = upper.iter().map(|p| px(p.0, p.1)).collect();
            poly.extend(lower.iter().rev().map(|p| px(p.0, p.1)));
            root.draw(&Polygon::new(poly, COLORS[k].filled()))?;
            root.draw(&PathElement::new(
                upper.iter().map(|p| px(p.0, p.1)).collect::<Vec<_>>(),
                WHITE.stroke_width(2),
            ))?;
            lower = upper;
        }
        if g == 1 {
            let pts: Vec<(i32, i32)> = self
                .poverty_line
                .iter()
                .filter(|(y, v)| v.is_finite() && series.iter().any(|s| s.0 == *y))
                .map(|(y, v)| px(*y as f64, *v))
                .collect();
            polyline(root, &pts, &POVERTY_LINE)?;
        }
        if let Some((y, v)) = series.last() {
            let total: f64 = v.iter().sum();
            let x_end = px(self.years.last().copied().unwrap_or(*y) as f64, 0.0).0 + 12;
            end_labels(
                root,
                x_end,
                vec![(px(*y as f64, total).1, thousands(total, 0), INK)],
            )?;
        }
        Ok(())
    }
}
