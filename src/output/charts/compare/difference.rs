//! The paired difference of each reform from the base, year by year, with
//! its 90% interval.

use super::*;

impl CompareChart {
    pub(super) fn difference<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
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
}
