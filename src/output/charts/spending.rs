//! `spending`: programme spending by module per year (stacked bars). No cost
//! per person lifted out: one run's fall in poverty is not the programmes'
//! doing alone (wages grow too); `povsim compare` gives cost-effectiveness
//! against a counterfactual under common random numbers.

use super::data::{OutputData, count_replicates, replicate_mean};
use super::draw::DrawResult;
use super::draw::*;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::collections::BTreeMap;

pub struct Spending {
    scenario: String,
    replicates: usize,
    years: Vec<i32>,
    modules: Vec<String>,
    /// Modules that spent nothing in any year (left out of the legend; they
    /// keep their index, so every other module keeps its colour).
    idle: Vec<String>,
    /// By year: spent per module (yuan, replicate mean), in `modules` order.
    spent: Vec<(i32, Vec<f64>)>,
}

impl Spending {
    pub fn prepare(d: &OutputData) -> Option<Self> {
        let rows = d.spending.as_ref()?;
        if rows.is_empty() {
            return None;
        }
        let n = count_replicates(rows.iter().map(|r| r.replicate));
        let mut modules: Vec<String> = Vec::new();
        for r in rows {
            if !modules.contains(&r.module) {
                modules.push(r.module.clone());
            }
        }
        let means = replicate_mean(
            rows.iter()
                .map(|r| (r.replicate, (r.year, r.module.clone()), r.spent)),
            n,
        );
        let mut by_year: BTreeMap<i32, Vec<f64>> = BTreeMap::new();
        for ((y, m), v) in means {
            let i = modules.iter().position(|x| *x == m).unwrap_or(0);
            by_year.entry(y).or_insert_with(|| vec![0.0; modules.len()])[i] = v.max(0.0);
        }
        let spent: Vec<(i32, Vec<f64>)> = by_year.into_iter().collect();
        let years = spent.iter().map(|(y, _)| *y).collect();
        let idle = modules
            .iter()
            .enumerate()
            .filter(|(i, _)| spent.iter().all(|(_, v)| v[*i] <= 0.0))
            .map(|(_, m)| m.clone())
            .collect();
        Some(Spending {
            scenario: d.scenario(),
            replicates: n,
            years,
            modules,
            idle,
            spent,
        })
    }

    pub fn size(&self) -> (u32, u32) {
        (WIDTH, 820)
    }

    pub fn title(&self) -> String {
        format!("Programme spending — {}", self.scenario)
    }

    pub fn caption(&self) -> String {
        format!(
            "Spending per year by programme module as stacked bars{}{}. What the money bought needs a counterfactual: \
             `povsim compare` gives the cost per person-year of poverty averted against a base scenario.",
            if self.replicates > 1 {
                format!("; means of {} replicates", self.replicates)
            } else {
                String::new()
            },
            self.idle_note()
        )
    }

    /// "; nothing spent by targeting" (empty when every module spent).
    fn idle_note(&self) -> String {
        if self.idle.is_empty() {
            String::new()
        } else {
            format!(
                "; nothing spent by {}",
                self.idle
                    .iter()
                    .map(|m| m.replace('_', " "))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }

    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let sub = format!(
            "Money spent by module, per year{}{}",
            if self.replicates > 1 {
                format!(" · mean of {} replicates", self.replicates)
            } else {
                String::new()
            },
            self.idle_note().replacen(';', " ·", 1)
        );
        let area = header(root, &self.title(), &sub)?;
        let entries: Vec<(String, Swatch)> = self
            .modules
            .iter()
            .enumerate()
            .filter(|(_, m)| !self.idle.contains(m))
            .map(|(i, m)| (m.replace('_', " "), Swatch::Fill(module_color(i))))
            .collect();
        let body = legend_strip(&area, &entries)?;
        self.bars(root, &body)
    }

    fn bars<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = panel_title(area, "Spending by module")?;
        let top = self
            .spent
            .iter()
            .map(|(_, v)| v.iter().sum::<f64>())
            .fold(0.0, f64::max);
        let (div, unit) = money_scale(top);
        let ymax = nice_max(top / div, 1.12);
        let dec = tick_decimals(ymax);
        let yfmt = |v: &f64| thousands(*v, dec);
        let mut chart = ChartBuilder::on(&area)
            .margin_left(PAD as u32 / 2)
            .margin_right(30)
            .margin_top(10)
            .margin_bottom(20)
            .x_label_area_size(96)
            .y_label_area_size(140)
            .build_cartesian_2d(year_range(&self.years, 0.6), 0.0..ymax)?;
        mesh!(chart)
            .disable_x_mesh()
            .x_labels(year_ticks(&self.years, 8))
            .y_labels(7)
            .x_label_formatter(&year_label)
            .y_label_formatter(&yfmt)
            .x_desc("year")
            .y_desc(format!("{unit} per year"))
            .draw()?;
        let px = |x: f64, y: f64| chart.backend_coord(&(x, y));
        for (y, v) in &self.spent {
            let x = *y as f64;
            let mut base = 0.0;
            for (i, s) in v.iter().enumerate() {
                if *s <= 0.0 {
                    continue;
                }
                let (a, b) = (px(x - 0.36, base / div), px(x + 0.36, (base + s) / div));
                root.draw(&Rectangle::new([a, b], module_color(i).filled()))?;
                root.draw(&Rectangle::new([a, b], WHITE.stroke_width(2)))?;
                base += s;
            }
            if self.years.len() <= 10 {
                let p = px(x, base / div);
                text(
                    root,
                    &thousands(base / div, dec.clamp(1, 2)),
                    (p.0, p.1 - 6),
                    TICK_SIZE * 0.8,
                    INK,
                    HPos::Center,
                    VPos::Bottom,
                    false,
                )?;
            }
        }
        Ok(())
    }
}

fn module_color(i: usize) -> RGBColor {
    FILLS[i % FILLS.len()]
}
