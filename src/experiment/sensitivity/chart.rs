//! The chart of an analysis, `charts/sensitivity.{svg,png}`: for Sobol', the
//! keys ranked by total index, each with its first-order and total index and
//! their 90% intervals as bars with whiskers; for Morris, μ* against σ, one
//! labelled point per key with its μ* interval (keys near the origin do not
//! matter; along the diagonal σ ≈ μ*, the effect bends or interacts).

use super::analysis::SensitivitySpec;
use super::outputs::{Finished, KeyIndices};
use crate::error::Result;
use crate::output::charts::draw::DrawResult;
use crate::output::charts::draw::*;
use crate::output::charts::{PlainChart, write_plain};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::path::{Path, PathBuf};

struct Chart<'a> {
    spec: &'a SensitivitySpec,
    f: &'a Finished,
}

/// Height of one key's row of the Sobol' bars.
const ROW_H: u32 = 78;

impl Chart<'_> {
    fn subtitle(&self) -> String {
        let what = match &self.spec.compare {
            Some(b) => format!("{} − {b}", self.spec.scenario),
            None => self.spec.scenario.clone(),
        };
        format!(
            "{what}: {}; {} design points × {} replicates; 90% bootstrap intervals",
            self.f.measure, self.spec.points, self.spec.replicates
        )
    }

    fn sobol<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = header(
            root,
            "Sobol' indices: share of the variance each key explains",
            &self.subtitle(),
        )?;
        let first = Look::new(OI_SKY, Dash::Solid, Marker::None);
        let total = Look::new(OI_BLUE, Dash::Solid, Marker::None);
        let plot = legend_strip(
            &area,
            &[
                ("first order S1 (alone)".into(), Swatch::Fill(first.color)),
                (
                    "total ST (with interactions)".into(),
                    Swatch::Fill(total.color),
                ),
            ],
        )?;
        let n = self.f.ranked.len();
        let hi = self
            .f
            .ranked
            .iter()
            .filter_map(|(_, k)| match k {
                KeyIndices::Sobol(s) => Some(s.total.hi.max(s.first.hi)),
                KeyIndices::Morris(_) => None,
            })
            .fold(0.1, f64::max)
            .min(1.5);
        let lo = self
            .f
            .ranked
            .iter()
            .filter_map(|(_, k)| match k {
                KeyIndices::Sobol(s) => Some(s.first.lo.min(s.total.lo)),
                KeyIndices::Morris(_) => None,
            })
            .fold(0.0, f64::min)
            .max(-0.5);
        let label_w = self
            .f
            .ranked
            .iter()
            .map(|(k, _)| text_width(root, k, TICK_SIZE, false))
            .collect::<DrawResult<Vec<i32>>>()?
            .into_iter()
            .max()
            .unwrap_or(100);
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(PAD as u32 / 2)
            .margin_right(PAD as u32 * 2)
            .margin_top(10)
            .margin_bottom(20)
            .x_label_area_size(96)
            .y_label_area_size(label_w as u32 + 30)
            .build_cartesian_2d(lo..hi * 1.05, -0.5..n as f64 - 0.5)?;
        let names: Vec<&str> = self.f.ranked.iter().map(|(k, _)| k.as_str()).collect();
        let yfmt = |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
                names[n - 1 - i as usize].to_string()
            } else {
                String::new()
            }
        };
        mesh!(chart)
            .disable_y_mesh()
            .y_labels(n.max(2) * 2 + 1)
            .x_labels(8)
            .y_label_formatter(&yfmt)
            .x_label_formatter(&|v| format!("{v:.2}"))
            .x_desc("index (share of variance)")
            .draw()?;
        for (i, (_, k)) in self.f.ranked.iter().enumerate() {
            let KeyIndices::Sobol(s) = k else { continue };
            let y = (n - 1 - i) as f64;
            for (e, look, dy) in [(&s.total, total, 0.17), (&s.first, first, -0.17)] {
                let (a, b) = (y + dy - 0.15, y + dy + 0.15);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(0.0, a), (e.value, b)],
                    look.color.filled(),
                )))?;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(e.lo.max(lo), y + dy), (e.hi.min(hi * 1.05), y + dy)],
                    INK.stroke_width(3),
                )))?;
            }
        }
        let x0 = chart.backend_coord(&(0.05, 0.0)).0;
        let (top, bottom) = (
            chart.backend_coord(&(0.0, n as f64 - 0.5)).1,
            chart.backend_coord(&(0.0, -0.5)).1,
        );
        polyline(
            root,
            &[(x0, top), (x0, bottom)],
            &Look::new(MUTED, Dash::Dotted, Marker::None),
        )?;
        text(
            root,
            "0.05",
            (x0 + 6, top + 4),
            TICK_SIZE * 0.8,
            MUTED,
            HPos::Left,
            VPos::Top,
            false,
        )
    }

    fn morris<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = header(
            root,
            "Morris screening: mean |elementary effect| μ* against its spread σ",
            &self.subtitle(),
        )?;
        let pts: Vec<(&str, f64, f64, f64, f64)> = self
            .f
            .ranked
            .iter()
            .filter_map(|(k, ix)| match ix {
                KeyIndices::Morris(m) => Some((
                    k.as_str(),
                    m.mu_star.value,
                    m.sigma,
                    m.mu_star.lo,
                    m.mu_star.hi,
                )),
                KeyIndices::Sobol(_) => None,
            })
            .collect();
        let xmax = pts.iter().map(|p| p.4).fold(0.0, f64::max);
        let ymax = pts.iter().map(|p| p.2).fold(0.0, f64::max);
        let top = xmax.max(ymax).max(1e-12) * 1.15;
        let dec = tick_decimals(top);
        let mut chart = ChartBuilder::on(&area)
            .margin_left(PAD as u32 / 2)
            .margin_right(PAD as u32 * 2)
            .margin_top(18)
            .margin_bottom(20)
            .x_label_area_size(96)
            .y_label_area_size(150)
            .build_cartesian_2d(0.0..top, 0.0..top)?;
        let fmt = |v: &f64| thousands(*v, dec);
        mesh!(chart)
            .x_labels(8)
            .y_labels(8)
            .x_label_formatter(&fmt)
            .y_label_formatter(&fmt)
            .x_desc("μ* (overall influence, output units per Δ)")
            .y_desc("σ (non-linearity or interaction)")
            .draw()?;
        let px = |x: f64, y: f64| chart.backend_coord(&(x, y));
        polyline(
            root,
            &[px(0.0, 0.0), px(top, top)],
            &Look::new(MUTED, Dash::Dotted, Marker::None),
        )?;
        for (i, (name, x, y, lo, hi)) in pts.iter().enumerate() {
            let c = CATEGORICAL[i % CATEGORICAL.len()];
            root.draw(&PathElement::new(
                vec![px(*lo, *y), px(*hi, *y)],
                c.mix(0.7).stroke_width(3),
            ))?;
            marker(root, px(*x, *y), Marker::Circle, c, MARKER_R)?;
            let (sx, sy) = px(*x, *y);
            text(
                root,
                name,
                (sx + 14, sy - 12),
                TICK_SIZE * 0.85,
                INK,
                HPos::Left,
                VPos::Bottom,
                false,
            )?;
        }
        Ok(())
    }
}

impl PlainChart for Chart<'_> {
    fn name(&self) -> &'static str {
        "sensitivity"
    }

    fn size(&self) -> (u32, u32) {
        match self.spec.method {
            super::analysis::Method::Sobol => (
                WIDTH,
                HEADER_H + 260 + ROW_H * self.f.ranked.len().max(2) as u32,
            ),
            super::analysis::Method::Morris => (WIDTH, 1200),
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        match self.spec.method {
            super::analysis::Method::Sobol => self.sobol(root),
            super::analysis::Method::Morris => self.morris(root),
        }
    }
}

/// Draw the chart of a finished analysis into `out/charts/`.
pub fn draw(spec: &SensitivitySpec, f: &Finished, out: &Path) -> Result<Vec<PathBuf>> {
    write_plain(&Chart { spec, f }, out)
}
