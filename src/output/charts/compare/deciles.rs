//! Winners and losers by decile of the base's first-year income: the
//! shares better and worse off, and the mean change.

use super::*;

impl CompareChart {
    pub(super) fn deciles<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let d = &self.d;
        let sub = format!(
            "Deciles of the base's first-year income (1 = poorest) · final-year income, reform − base · {} pooled",
            d.reps()
        );
        let area = header_fit(root, &self.title(), &sub)?;
        let entries = vec![
            ("better off / mean gain".to_string(), Swatch::Fill(GAIN)),
            ("worse off / mean loss".to_string(), Swatch::Fill(LOSS)),
        ];
        let body = legend_strip(&area, &entries)?;
        if d.reforms.is_empty() {
            return empty_note(&body, "no reform to show");
        }
        let n = d.reforms.len();
        let rows = body.split_evenly((n, 1));
        for (r, row) in d.reforms.iter().zip(rows.iter()) {
            let row = if n > 1 {
                let max = row.dim_in_pixel().0 as i32 - 2 * PAD;
                let t = fit(
                    row,
                    &format!("Reform {}", r.name),
                    PANEL_TITLE_SIZE,
                    true,
                    max,
                )?;
                let (strip, rest) = row.split_vertically(60);
                text(
                    &strip,
                    &t,
                    (PAD, 14),
                    PANEL_TITLE_SIZE,
                    INK,
                    HPos::Left,
                    VPos::Top,
                    true,
                )?;
                rest
            } else {
                row.clone()
            };
            let (w, _) = row.dim_in_pixel();
            let (left, right) = row.split_horizontally(w / 2);
            self.decile_shares(root, &left, &r.deciles)?;
            self.decile_change(root, &right, &r.deciles)?;
        }
        Ok(())
    }

    fn decile_shares<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
        deciles: &[Decile],
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = panel_title(area, "Households better off and worse off")?;
        let most = |f: fn(&Decile) -> f64| {
            deciles
                .iter()
                .map(f)
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max)
                * 100.0
        };
        let (ymin, ymax) = span(-most(|x| x.worse_off), most(|x| x.better_off));
        let (ymin, ymax) = (ymin.max(-100.0), ymax.min(100.0));
        let mut chart = ChartBuilder::on(&area)
            .margin_left(PAD as u32 / 2)
            .margin_right(30)
            .margin_top(10)
            .margin_bottom(10)
            .x_label_area_size(96)
            .y_label_area_size(128)
            .build_cartesian_2d(0.4..10.6, ymin..ymax)?;
        let dec = if ymax - ymin < 8.0 { 1 } else { 0 };
        let yfmt = |v: &f64| format!("{:.*}%", dec, v.abs());
        mesh!(chart)
            .disable_x_mesh()
            .x_labels(10)
            .y_labels(9)
            .x_label_formatter(&decile_label)
            .y_label_formatter(&yfmt)
            .x_desc("decile of base first-year income")
            .y_desc("% of households (down: worse off)")
            .draw()?;
        let px = |x: f64, y: f64| chart.backend_coord(&(x, y));
        for x in deciles {
            let c = x.decile as f64;
            let up = 100.0 * x.better_off;
            let down = 100.0 * x.worse_off;
            if up > 0.0 {
                root.draw(&Rectangle::new(
                    [px(c - 0.34, up), px(c + 0.34, 0.0)],
                    GAIN.filled(),
                ))?;
            }
            if down > 0.0 {
                root.draw(&Rectangle::new(
                    [px(c - 0.34, 0.0), px(c + 0.34, -down)],
                    LOSS.filled(),
                ))?;
            }
        }
        hline(root, (px(0.4, 0.0).0, px(10.6, 0.0).0), px(0.4, 0.0).1, 2)
    }

    fn decile_change<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &DrawingArea<DB, Shift>,
        deciles: &[Decile],
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = panel_title(area, "Mean change in income")?;
        let (lo, hi) = deciles
            .iter()
            .map(|x| x.mean_change)
            .filter(|v| v.is_finite())
            .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
        // Room for the value labels beyond the bars.
        let (ymin, ymax) = span(lo * 1.25, hi * 1.25);
        let dec = tick_decimals(ymax.abs().max(ymin.abs()));
        let mut chart = ChartBuilder::on(&area)
            .margin_left(PAD as u32 / 2)
            .margin_right(30)
            .margin_top(10)
            .margin_bottom(10)
            .x_label_area_size(96)
            .y_label_area_size(140)
            .build_cartesian_2d(0.4..10.6, ymin..ymax)?;
        let yfmt = |v: &f64| signed(*v, dec);
        mesh!(chart)
            .disable_x_mesh()
            .x_labels(10)
            .y_labels(8)
            .x_label_formatter(&decile_label)
            .y_label_formatter(&yfmt)
            .x_desc("decile of base first-year income")
            .y_desc("yuan per person, final year")
            .draw()?;
        let px = |x: f64, y: f64| chart.backend_coord(&(x, y));
        for x in deciles {
            let (c, v) = (x.decile as f64, x.mean_change);
            if !v.is_finite() {
                continue;
            }
            let col = if v >= 0.0 { GAIN } else { LOSS };
            root.draw(&Rectangle::new(
                [px(c - 0.34, v.max(0.0)), px(c + 0.34, v.min(0.0))],
                col.filled(),
            ))?;
            let p = px(c, v);
            text(
                root,
                &signed(v, 0),
                (p.0, if v >= 0.0 { p.1 - 6 } else { p.1 + 6 }),
                TICK_SIZE * 0.8,
                INK,
                HPos::Center,
                if v >= 0.0 { VPos::Bottom } else { VPos::Top },
                false,
            )?;
        }
        hline(root, (px(0.4, 0.0).0, px(10.6, 0.0).0), px(0.4, 0.0).1, 2)
    }
}

fn decile_label(x: &f64) -> String {
    if (x - x.round()).abs() < 1e-6 && (1.0..=10.0).contains(x) {
        format!("{:.0}", x)
    } else {
        String::new()
    }
}
