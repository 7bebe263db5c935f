//! The chart of a budget search: the objective of every evaluation with its
//! 90% interval, the best so far and the equal split.

use super::{Objective, Optimum};
use crate::error::Result;
use crate::output::charts::draw::DrawResult;
use crate::output::charts::draw::*;
use crate::output::charts::{PlainChart, write_plain};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::path::{Path, PathBuf};

/// The search's trace, as a chart.
struct Trace<'a>(&'a Optimum);

impl PlainChart for Trace<'_> {
    fn name(&self) -> &'static str {
        "optimize"
    }

    fn size(&self) -> (u32, u32) {
        (WIDTH, 1000)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let o = self.0;
        let (scale, unit) = match o.objective {
            Objective::PersonYears => (1.0, "person-years of poverty"),
            Objective::FinalHeadcount => (100.0, "final-year headcount, %"),
            Objective::PovertyGap => (100.0, "final-year poverty gap, %"),
        };
        let area = header(
            root,
            &format!("Budget search: {}", o.objective.name()),
            &format!(
                "{}: {} allocations of {} yuan a year, {} replicates each; mean and 90% interval; lower is better",
                o.scenario,
                o.trace.len(),
                thousands(o.total, 0),
                o.replicates
            ),
        )?;
        let eval = Look::new(OI_BLUE, Dash::Solid, Marker::Circle);
        let best_look = Look::new(OI_VERMILLION, Dash::Dashed, Marker::None);
        let equal_look = Look::new(MUTED, Dash::Dotted, Marker::None);
        let plot = legend_strip(
            &area,
            &[
                (
                    "allocation".to_string(),
                    Swatch::Line(Look {
                        dash: Dash::Solid,
                        ..eval
                    }),
                ),
                ("best so far".to_string(), Swatch::Line(best_look)),
                ("equal split".to_string(), Swatch::Line(equal_look)),
            ],
        )?;
        let n = o.trace.len();
        let hi = o
            .trace
            .iter()
            .map(|e| scale * e.objective.hi.max(e.objective.mean))
            .fold(0.0, f64::max);
        let lo = o
            .trace
            .iter()
            .map(|e| scale * e.objective.lo.min(e.objective.mean))
            .fold(f64::INFINITY, f64::min);
        let span = (hi - lo).max(hi.abs() * 1e-3).max(1e-9);
        // Headroom for the box of the winning split (a line per module and two more).
        let room = 0.1 + 0.1 * (o.modules.len() + 2) as f64;
        let (y0, y1) = ((lo - 0.08 * span).max(0.0), hi + room * span);
        let dec = tick_decimals(y1 - y0);
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(PAD as u32 / 2)
            .margin_right(PAD as u32 * 2)
            .margin_top(18)
            .margin_bottom(20)
            .x_label_area_size(96)
            .y_label_area_size(150)
            .build_cartesian_2d(-0.5..n as f64 - 0.5, y0..y1)?;
        let yfmt = |v: &f64| thousands(*v, dec);
        let xfmt = |v: &f64| {
            if (v - v.round()).abs() < 1e-6 {
                format!("{:.0}", v)
            } else {
                String::new()
            }
        };
        mesh!(chart)
            .disable_x_mesh()
            .x_labels(n.clamp(2, 12))
            .y_labels(7)
            .x_label_formatter(&xfmt)
            .y_label_formatter(&yfmt)
            .x_desc("evaluation")
            .y_desc(unit)
            .draw()?;
        let px = |x: f64, y: f64| chart.backend_coord(&(x, scale * y));
        let eq = o.equal().objective.mean;
        polyline(root, &[px(-0.5, eq), px(n as f64 - 0.5, eq)], &equal_look)?;
        let mut best = f64::INFINITY;
        let mut steps = Vec::new();
        for e in &o.trace {
            let x = e.index as f64;
            root.draw(&PathElement::new(
                vec![px(x, e.objective.lo), px(x, e.objective.hi)],
                eval.color.mix(0.6).stroke_width(3),
            ))?;
            marker(
                root,
                px(x, e.objective.mean),
                Marker::Circle,
                eval.color,
                MARKER_R,
            )?;
            // "Best so far" is a step: flat until an evaluation improves on it.
            if best.is_finite() {
                steps.push(px(x, best));
            }
            best = best.min(e.objective.mean);
            steps.push(px(x, best));
        }
        steps.push(px(n as f64 - 0.5, best));
        polyline(root, &steps, &best_look)?;
        let b = o.best();
        hollow_marker(
            root,
            px(b.index as f64, b.objective.mean),
            Marker::Diamond,
            OI_VERMILLION,
            MARKER_R + 5,
        )?;
        // The winning split, in a box at the top right of the plot.
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let mut lines = vec![format!(
            "{} (evaluation {}, {}):",
            if o.replicates < 2 {
                "lowest, one draw"
            } else {
                "best split"
            },
            b.index,
            b.kind
        )];
        for (m, s) in o.modules.iter().zip(&b.shares) {
            lines.push(format!(
                "{m} {:.1}% ({} yuan)",
                100.0 * s,
                thousands(s * o.total, 0)
            ));
        }
        let (div, money) = money_scale(b.spending);
        lines.push(format!(
            "spent {} {money} over the run",
            thousands(b.spending / div, if div > 1.0 { 1 } else { 0 })
        ));
        let line_h = (LEGEND_SIZE * 1.3) as i32;
        let w = lines
            .iter()
            .enumerate()
            .map(|(i, l)| text_width(root, l, LEGEND_SIZE, i == 0).unwrap_or(400))
            .max()
            .unwrap_or(400)
            + 24;
        let (x1, y0) = (xr.end - 12, yr.start + 12);
        let h = line_h * lines.len() as i32 + 16;
        root.draw(&Rectangle::new(
            [(x1 - w, y0), (x1, y0 + h)],
            WHITE.mix(0.9).filled(),
        ))?;
        root.draw(&Rectangle::new(
            [(x1 - w, y0), (x1, y0 + h)],
            MUTED.stroke_width(1),
        ))?;
        for (i, l) in lines.iter().enumerate() {
            text(
                root,
                l,
                (x1 - w + 12, y0 + 8 + line_h * i as i32),
                LEGEND_SIZE,
                if i == 0 { OI_VERMILLION } else { INK },
                HPos::Left,
                VPos::Top,
                i == 0,
            )?;
        }
        Ok(())
    }
}

/// Draw the trace of a budget search into `out/charts/optimize.{svg,png}`.
pub fn draw(o: &Optimum, out: &Path) -> Result<Vec<PathBuf>> {
    write_plain(&Trace(o), out)
}
