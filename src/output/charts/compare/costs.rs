//! Person-years of poverty averted and the extra spending, reform by reform,
//! with the cost per person-year averted.

use super::*;

impl CompareChart {
    pub(super) fn costs<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let d = &self.d;
        let (div, unit) = money_scale(
            d.reforms
                .iter()
                .map(|r| r.extra.abs())
                .fold(d.base_spending.abs(), f64::max),
        );
        let sub = format!(
            "Over {}, reform against base · whiskers: 90% interval over {} · base spends {} {unit}",
            d.period(),
            d.reps(),
            thousands(d.base_spending / div, if div > 1.0 { 1 } else { 0 })
        );
        let area = header_fit(root, &self.title(), &sub)?;
        let (_, area) = area.split_vertically(12);
        if d.reforms.is_empty() {
            return empty_note(&area, "no reform to show");
        }
        let (w, _) = area.dim_in_pixel();
        let (left, right) = area.split_horizontally(w / 2);
        let left = panel_title(&left, "Person-years of poverty averted")?;
        let right = panel_title(&right, "Extra spending, reform − base")?;
        // Left: person-years averted, bars with interval whiskers.
        let (lo, hi) = d
            .reforms
            .iter()
            .flat_map(|r| [r.averted.mean, r.averted.lo, r.averted.hi])
            .filter(|v| v.is_finite())
            .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
        let (cdiv, cunit) = count_scale(lo.abs().max(hi.abs()));
        let (xmin, xmax) = bar_span(lo / cdiv, hi / cdiv);
        let names: Vec<String> = d.reforms.iter().map(|r| r.name.clone()).collect();
        let values: Vec<(f64, Option<(f64, f64)>)> = d
            .reforms
            .iter()
            .map(|r| {
                (
                    r.averted.mean / cdiv,
                    (d.replicates > 1).then(|| (r.averted.lo / cdiv, r.averted.hi / cdiv)),
                )
            })
            .collect();
        let labels: Vec<String> = d
            .reforms
            .iter()
            .map(|r| thousands(r.averted.mean / cdiv, if cdiv > 1.0 { 1 } else { 0 }))
            .collect();
        bar_panel(
            root,
            &left,
            (xmin, xmax),
            &format!("{cunit}person-years averted"),
            &names,
            &values,
            &labels,
        )?;

        // Right: extra spending, labelled with the cost-effectiveness.
        let (lo, hi) = d
            .reforms
            .iter()
            .map(|r| r.extra / div)
            .filter(|v| v.is_finite())
            .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
        let (xmin, xmax) = bar_span(lo, hi);
        let costs: Vec<String> = d.reforms.iter().map(|r| r.cost.clone()).collect();
        let values: Vec<(f64, Option<(f64, f64)>)> =
            d.reforms.iter().map(|r| (r.extra / div, None)).collect();
        let labels: Vec<String> = d
            .reforms
            .iter()
            .map(|r| signed(r.extra / div, tick_decimals(xmax.max(-xmin))))
            .collect();
        bar_panel(
            root,
            &right,
            (xmin, xmax),
            &format!("{unit} more than the base"),
            &costs,
            &values,
            &labels,
        )
    }
}

/// Horizontal bars, one row per reform (top to bottom), each with a bold
/// label above it, optional interval whiskers and its value beside the bar.
fn bar_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    (xmin, xmax): (f64, f64),
    x_desc: &str,
    row_labels: &[String],
    values: &[(f64, Option<(f64, f64)>)],
    value_labels: &[String],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let n = values.len();
    let mut chart = ChartBuilder::on(area)
        .margin_left(PAD as u32 + if xmin < 0.0 { 70 } else { 0 })
        .margin_right(PAD as u32 + 70)
        .margin_top(4)
        .margin_bottom(20)
        .x_label_area_size(96)
        .y_label_area_size(0)
        .build_cartesian_2d(xmin..xmax, 0.0..n as f64)?;
    let dec = tick_decimals(xmax.abs().max(xmin.abs()));
    let xfmt = |v: &f64| thousands(*v, dec);
    mesh!(chart)
        .disable_y_mesh()
        .disable_y_axis()
        .x_labels(6)
        .x_label_formatter(&xfmt)
        .x_desc(x_desc)
        .draw()?;
    let px = |x: f64, y: f64| chart.backend_coord(&(x, y));
    let (x0, x1) = (px(xmin, 0.0).0, px(xmax, 0.0).0);
    // Row labels may run into the right margin (kept for value labels).
    let label_max = x1 - x0 + 90;
    for (i, ((v, ci), (label, vlabel))) in values
        .iter()
        .zip(row_labels.iter().zip(value_labels))
        .enumerate()
    {
        let (top, bottom) = (px(0.0, (n - i) as f64).1, px(0.0, (n - i - 1) as f64).1);
        let rh = bottom - top;
        let (b0, b1) = (top + rh * 42 / 100, top + rh * 84 / 100);
        let t = fit(root, label, LEGEND_SIZE, true, label_max)?;
        text(
            root,
            &t,
            (x0, top + rh * 10 / 100),
            LEGEND_SIZE,
            INK,
            HPos::Left,
            VPos::Top,
            true,
        )?;
        if !v.is_finite() {
            continue;
        }
        let color = look(i + 1).color;
        let (z, e) = (px(0.0, 0.0).0, px(*v, 0.0).0);
        root.draw(&PathElement::new(
            vec![(z, b0 - 12), (z, b1 + 12)],
            INK.stroke_width(3),
        ))?;
        root.draw(&Rectangle::new(
            [(z.min(e), b0), (z.max(e), b1)],
            color.filled(),
        ))?;
        let mid = (b0 + b1) / 2;
        let mut reach = (z.min(e), z.max(e));
        if let Some((lo, hi)) = ci.filter(|(a, b)| a.is_finite() && b.is_finite()) {
            let (a, b) = (px(lo, 0.0).0, px(hi, 0.0).0);
            let cap = (b1 - b0) * 30 / 100;
            for seg in [
                vec![(a, mid), (b, mid)],
                vec![(a, mid - cap), (a, mid + cap)],
                vec![(b, mid - cap), (b, mid + cap)],
            ] {
                root.draw(&PathElement::new(seg, INK.stroke_width(3)))?;
            }
            reach = (reach.0.min(a), reach.1.max(b));
        }
        if *v >= 0.0 {
            text(
                root,
                vlabel,
                (reach.1 + 10, mid),
                TICK_SIZE,
                INK,
                HPos::Left,
                VPos::Center,
                true,
            )?;
        } else {
            text(
                root,
                vlabel,
                (reach.0 - 10, mid),
                TICK_SIZE,
                INK,
                HPos::Right,
                VPos::Center,
                true,
            )?;
        }
    }
    Ok(())
}
