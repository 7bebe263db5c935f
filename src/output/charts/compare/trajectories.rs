//! The comparison's headcount trajectories: base and reforms, with their
//! 5th–95th percentile bands, year by year.

use super::*;

impl CompareChart {
    pub(super) fn trajectories<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let d = &self.d;
        let bands = d.replicates > 1;
        let sub = if bands {
            format!(
                "Share of the population below the poverty line · mean of {}, shaded: 5th–95th percentile",
                d.reps()
            )
        } else {
            "Share of the population below the poverty line · one replicate".to_string()
        };
        let area = header_fit(root, &self.title(), &sub)?;
        let entries: Vec<(String, Swatch)> = d
            .trajectories
            .iter()
            .enumerate()
            .map(|(i, (n, _))| {
                let label = if i == 0 && !n.contains("base") {
                    format!("{n} (base)")
                } else {
                    n.clone()
                };
                let l = look(i);
                (
                    label,
                    if bands {
                        Swatch::Band(l)
                    } else {
                        Swatch::Line(l)
                    },
                )
            })
            .collect();
        let plot = legend_strip(&area, &entries)?;
        if d.years.is_empty() {
            return empty_note(&plot, "no years to show");
        }
        let top = d
            .trajectories
            .iter()
            .flat_map(|(_, v)| v.iter().map(|r| r.1.max(r.3)))
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let chart = percent_by_year(
            &plot,
            &d.years,
            top,
            "% of population below the poverty line",
        )?;
        let px = |x: f64, y: f64| chart.backend_coord(&(x, y));
        if bands {
            for (i, (_, v)) in d.trajectories.iter().enumerate() {
                if v.len() >= 2 {
                    let mut poly: Vec<(i32, i32)> = v.iter().map(|r| px(r.0 as f64, r.3)).collect();
                    poly.extend(v.iter().rev().map(|r| px(r.0 as f64, r.2)));
                    let alpha = if d.trajectories.len() > 2 { 0.12 } else { 0.18 };
                    let c = look(i).color;
                    root.draw(&Polygon::new(poly, c.mix(alpha).filled()))?;
                    // Thin edges keep overlapping bands apart.
                    for edge in [
                        v.iter().map(|r| px(r.0 as f64, r.2)).collect::<Vec<_>>(),
                        v.iter().map(|r| px(r.0 as f64, r.3)).collect(),
                    ] {
                        root.draw(&PathElement::new(edge, c.mix(0.55).stroke_width(2)))?;
                    }
                }
            }
        }
        let mut ends = Vec::new();
        for (i, (_, v)) in d.trajectories.iter().enumerate() {
            let pts: Vec<(i32, i32)> = v.iter().map(|r| px(r.0 as f64, r.1)).collect();
            polyline(root, &pts, &look(i))?;
            if let (Some(p), Some(r)) = (pts.last(), v.last()) {
                ends.push((p.1, format!("{:.1}%", r.1), look(i).color));
            }
        }
        let x_end = px(*d.years.last().unwrap_or(&0) as f64 + 0.3, 0.0).0 + 14;
        end_labels(root, x_end, ends)
    }
}
