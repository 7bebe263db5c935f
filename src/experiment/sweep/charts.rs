//! Charts of a sweep (drawn from sweep.csv and sweep.json, so a merged sweep
//! draws the same charts) and of a budget search, in the look of the run
//! charts (`output::charts::draw`): a line with its 5–95% band for a one-key
//! sweep, a heatmap for a two-key grid, the search trace.
//!
//! Why one file of over 600 lines: the four charts share their layout,
//! labels and the sweep's table reading; split, each would repeat them.

use super::{MEASURES, SweepSpec};
use crate::error::{Error, Result};
use crate::measures::percentile;
use crate::output::charts::draw::DrawResult;
use crate::output::charts::draw::*;
use crate::output::charts::{PlainChart, write_plain};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::path::{Path, PathBuf};

/// Panels per row of a sample's small multiples.
const SAMPLE_COLS: usize = 3;

/// Final-year headcount across replicates at one point.
struct Cell {
    mean: f64,
    p5: f64,
    p95: f64,
}

enum SweepChart {
    /// key, x labels, numeric x (if every value is a number), and one
    /// series (legend label, a cell per x, `None` where a point is missing)
    /// per value of the second key of a two-key grid (one series for one key).
    Line {
        scenario: String,
        key: String,
        /// The second key of a two-key grid (one line per value).
        by: Option<String>,
        labels: Vec<String>,
        xs: Option<Vec<f64>>,
        series: Vec<(String, Vec<Option<Cell>>)>,
        replicates: u32,
        /// The final year (from sweep_years.csv), if known.
        year: Option<i32>,
    },
    Heat {
        scenario: String,
        keys: [String; 2],
        labels: [Vec<String>; 2],
        /// [i][j]: key 1 value i, key 2 value j.
        cells: Vec<Vec<Option<f64>>>,
        replicates: u32,
        year: Option<i32>,
    },
    /// A sample (Latin hypercube) of 2+ keys: one small panel per key, each
    /// point's mean headcount against that key's value.
    Sample {
        scenario: String,
        keys: Vec<String>,
        /// [point][key] values and the point's mean headcount.
        points: Vec<(Vec<f64>, f64)>,
        replicates: u32,
        year: Option<i32>,
    },
}

impl PlainChart for SweepChart {
    fn name(&self) -> &'static str {
        match self {
            SweepChart::Line { .. } => "sweep_line",
            SweepChart::Heat { .. } => "sweep_heatmap",
            SweepChart::Sample { .. } => "sweep_sample",
        }
    }

    fn size(&self) -> (u32, u32) {
        match self {
            SweepChart::Sample { keys, .. } => {
                let rows = keys.len().div_ceil(SAMPLE_COLS.min(keys.len())) as u32;
                (WIDTH, 160 + 560 * rows)
            }
            _ => (WIDTH, 1000),
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        match self {
            SweepChart::Sample {
                scenario,
                keys,
                points,
                replicates,
                year,
            } => {
                let area = header(
                    root,
                    &format!("Headcount ratio {} against each varied key", in_year(*year)),
                    &format!(
                        "{scenario}: {} points of a Latin-hypercube sample, each the mean of {replicates} replicates; one panel per key, the others varying at once",
                        points.len()
                    ),
                )?;
                let cols = SAMPLE_COLS.min(keys.len());
                let rows = keys.len().div_ceil(cols);
                let top = points.iter().map(|p| 100.0 * p.1).fold(0.0, f64::max);
                let ymax = nice_max(top, 1.08);
                let dec = tick_decimals(ymax);
                let look = Look::new(OI_BLUE, Dash::Solid, Marker::Circle);
                for (k, panel) in area.split_evenly((rows, cols)).iter().enumerate() {
                    let Some(key) = keys.get(k) else { break };
                    let plot = panel_title(panel, short_key(key))?;
                    let xs: Vec<f64> = points.iter().map(|p| p.0[k]).collect();
                    let x0 = xs.iter().copied().fold(f64::INFINITY, f64::min);
                    let x1 = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let pad = if x1 > x0 { (x1 - x0) * 0.05 } else { 0.5 };
                    let mut chart = ChartBuilder::on(&plot)
                        .margin_left(PAD as u32 / 2)
                        .margin_right(PAD as u32)
                        .margin_top(10)
                        .margin_bottom(10)
                        .x_label_area_size(100)
                        .y_label_area_size(if k % cols == 0 { 110 } else { 80 })
                        .build_cartesian_2d((x0 - pad)..(x1 + pad), 0.0..ymax)?;
                    let m = x1.abs().max(x0.abs());
                    let xfmt = |v: &f64| {
                        let (div, unit) = count_scale(m);
                        format!(
                            "{}{}",
                            thousands(v / div, tick_decimals((x1 - x0).max(m * 1e-3) / div)),
                            match unit {
                                "million " => "M",
                                "thousand " => "k",
                                _ => "",
                            }
                        )
                    };
                    let yfmt = |v: &f64| format!("{:.*}", dec, v);
                    mesh!(chart)
                        .x_labels(4)
                        .y_labels(5)
                        .x_label_formatter(&xfmt)
                        .y_label_formatter(&yfmt)
                        .x_desc(key_label(key, 34))
                        .y_desc(if k % cols == 0 { "% poor" } else { "" })
                        .draw()?;
                    for p in points {
                        let c = chart.backend_coord(&(p.0[k], 100.0 * p.1));
                        marker(root, c, look.marker, look.color, 6)?;
                    }
                }
                Ok(())
            }
            SweepChart::Line {
                scenario,
                key,
                by,
                labels,
                xs,
                series,
                replicates,
                year,
            } => {
                let area = header(
                    root,
                    &format!(
                        "Headcount ratio {} by {}",
                        in_year(*year),
                        key_label(key, 60)
                    ),
                    &match by {
                        Some(b) => format!(
                            "{scenario}: x {}, a line per {}; mean and 5th–95th percentile across {replicates} replicates",
                            short_key(key),
                            short_key(b)
                        ),
                        None => format!(
                            "{scenario}: x {}; mean and 5th–95th percentile across {replicates} replicates (common random numbers)",
                            short_key(key)
                        ),
                    },
                )?;
                const COLORS: [RGBColor; 7] = [
                    OI_BLUE,
                    OI_VERMILLION,
                    OI_GREEN,
                    OI_ORANGE,
                    OI_SKY,
                    OI_PURPLE,
                    OI_BLACK,
                ];
                const MARKERS: [Marker; 4] = [
                    Marker::Circle,
                    Marker::Triangle,
                    Marker::Square,
                    Marker::Diamond,
                ];
                const DASHES: [Dash; 4] =
                    [Dash::Solid, Dash::Dashed, Dash::Dotted, Dash::LongShort];
                let looks: Vec<Look> = (0..series.len())
                    .map(|i| {
                        Look::new(
                            COLORS[i % COLORS.len()],
                            DASHES[(i / COLORS.len()) % DASHES.len()],
                            MARKERS[i % MARKERS.len()],
                        )
                    })
                    .collect();
                let entries: Vec<(String, Swatch)> = series
                    .iter()
                    .zip(&looks)
                    .map(|((l, _), look)| (l.clone(), Swatch::Band(*look)))
                    .collect();
                let plot = legend_strip(&area, &entries)?;
                let n = labels.len();
                let x: Vec<f64> = match xs {
                    Some(v) => v.clone(),
                    None => (0..n).map(|i| i as f64).collect(),
                };
                let (x0, x1) = (
                    x.iter().copied().fold(f64::INFINITY, f64::min),
                    x.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                );
                let pad = if x1 > x0 { (x1 - x0) * 0.04 } else { 0.5 };
                let top = series
                    .iter()
                    .flat_map(|(_, c)| c.iter().flatten())
                    .map(|c| 100.0 * c.p95.max(c.mean))
                    .fold(0.0, f64::max);
                let ymax = nice_max(top, 1.08);
                let dec = tick_decimals(ymax);
                let mut chart = ChartBuilder::on(&plot)
                    .margin_left(PAD as u32 / 2)
                    .margin_right(PAD as u32 * 2)
                    .margin_top(18)
                    .margin_bottom(20)
                    .x_label_area_size(96)
                    .y_label_area_size(128)
                    .build_cartesian_2d((x0 - pad)..(x1 + pad), 0.0..ymax)?;
                let yfmt = |v: &f64| format!("{:.*}", dec, v);
                let categorical = xs.is_none();
                let xfmt = |v: &f64| {
                    if categorical {
                        let i = v.round();
                        if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                            labels[i as usize].clone()
                        } else {
                            String::new()
                        }
                    } else {
                        let m = x1.abs().max(x0.abs());
                        let (div, unit) = count_scale(m);
                        format!(
                            "{}{}",
                            thousands(v / div, tick_decimals(m / div)),
                            match unit {
                                "million " => "M",
                                "thousand " => "k",
                                _ => "",
                            }
                        )
                    }
                };
                mesh!(chart)
                    .disable_x_mesh()
                    .x_labels(if categorical { n.max(1) } else { 8 })
                    .y_labels(7)
                    .x_label_formatter(&xfmt)
                    .y_label_formatter(&yfmt)
                    .x_desc(key_label(key, 90))
                    .y_desc("% of population")
                    .draw()?;
                let px = |x: f64, y: f64| chart.backend_coord(&(x, 100.0 * y));
                // Bands first (lighter with more lines), then the lines over them.
                let alpha = if series.len() > 1 { 0.12 } else { 0.2 };
                let present = |cells: &[Option<Cell>]| -> Vec<(f64, (f64, f64, f64))> {
                    x.iter()
                        .zip(cells)
                        .filter_map(|(x, c)| c.as_ref().map(|c| (*x, (c.mean, c.p5, c.p95))))
                        .collect()
                };
                for ((_, cells), look) in series.iter().zip(&looks) {
                    let pts = present(cells);
                    if pts.len() >= 2 && *replicates > 1 {
                        let mut poly: Vec<(i32, i32)> =
                            pts.iter().map(|(x, c)| px(*x, c.2)).collect();
                        poly.extend(pts.iter().rev().map(|(x, c)| px(*x, c.1)));
                        root.draw(&Polygon::new(poly, look.color.mix(alpha).filled()))?;
                    }
                }
                for ((_, cells), look) in series.iter().zip(&looks) {
                    let pts: Vec<(i32, i32)> =
                        present(cells).iter().map(|(x, c)| px(*x, c.0)).collect();
                    polyline(root, &pts, look)?;
                }
                Ok(())
            }
            SweepChart::Heat {
                scenario,
                keys,
                labels,
                cells,
                replicates,
                year,
            } => {
                let area = header(
                    root,
                    &format!("Headcount ratio {} (% of population)", in_year(*year)),
                    &format!(
                        "{scenario}: x {}, y {}; mean across {replicates} replicates (common random numbers)",
                        short_key(&keys[0]),
                        short_key(&keys[1])
                    ),
                )?;
                let vals: Vec<f64> = cells.iter().flatten().flatten().copied().collect();
                let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let digits = if 100.0 * (hi - lo) < 0.5 { 2 } else { 1 };
                let (nx, ny) = (labels[0].len(), labels[1].len());
                // Room on the right for the colour bar.
                let mut chart = ChartBuilder::on(&area)
                    .margin_left(PAD as u32 / 2)
                    .margin_right(230)
                    .margin_top(18)
                    .margin_bottom(20)
                    .x_label_area_size(96)
                    .y_label_area_size(180)
                    .build_cartesian_2d(-0.5..nx as f64 - 0.5, -0.5..ny as f64 - 0.5)?;
                let lab = |l: &Vec<String>, v: f64| {
                    let i = v.round();
                    if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < l.len() {
                        l[i as usize].clone()
                    } else {
                        String::new()
                    }
                };
                let xfmt = |v: &f64| lab(&labels[0], *v);
                let yfmt = |v: &f64| lab(&labels[1], *v);
                mesh!(chart)
                    .disable_mesh()
                    .x_labels(nx.clamp(1, 12))
                    .y_labels(ny.clamp(1, 12))
                    .x_label_formatter(&xfmt)
                    .y_label_formatter(&yfmt)
                    .x_desc(key_label(&keys[0], 90))
                    .y_desc(key_label(&keys[1], 55))
                    .draw()?;
                let px = |x: f64, y: f64| chart.backend_coord(&(x, y));
                // The colour bar: dark at the top (the highest headcount).
                let (_, y_range) = chart.plotting_area().get_pixel_range();
                let right = px(nx as f64 - 0.5, 0.0).0;
                let (bx0, bx1) = (right + 60, right + 100);
                let (by0, by1) = (y_range.start, y_range.end);
                let steps = 120;
                for k in 0..steps {
                    let t0 = by0 + (by1 - by0) * k / steps;
                    let t1 = by0 + (by1 - by0) * (k + 1) / steps;
                    let t = 1.0 - (k as f64 + 0.5) / steps as f64;
                    root.draw(&Rectangle::new(
                        [(bx0, t0), (bx1, t1 + 1)],
                        viridis_rev(t).filled(),
                    ))?;
                }
                root.draw(&Rectangle::new(
                    [(bx0, by0), (bx1, by1)],
                    MUTED.stroke_width(1),
                ))?;
                for k in 0..=4 {
                    let v = hi - (hi - lo) * k as f64 / 4.0;
                    let y = by0 + (by1 - by0) * k / 4;
                    root.draw(&PathElement::new(
                        vec![(bx1, y), (bx1 + 8, y)],
                        MUTED.stroke_width(2),
                    ))?;
                    text(
                        root,
                        &format!("{:.*}%", digits, 100.0 * v),
                        (bx1 + 12, y),
                        TICK_SIZE,
                        INK,
                        HPos::Left,
                        VPos::Center,
                        false,
                    )?;
                }
                text(
                    root,
                    "% poor",
                    ((bx0 + bx1) / 2, by0 - 12),
                    TICK_SIZE,
                    MUTED,
                    HPos::Center,
                    VPos::Bottom,
                    false,
                )?;
                for (i, row) in cells.iter().enumerate() {
                    for (j, v) in row.iter().enumerate() {
                        let Some(v) = v else { continue };
                        let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
                        let c = viridis_rev(t);
                        let a = px(i as f64 - 0.5, j as f64 + 0.5);
                        let b = px(i as f64 + 0.5, j as f64 - 0.5);
                        root.draw(&Rectangle::new([a, b], c.filled()))?;
                        root.draw(&Rectangle::new([a, b], WHITE.stroke_width(2)))?;
                        if nx <= 16 && ny <= 24 {
                            let ink = if luminance(c) > 0.35 { INK } else { WHITE };
                            text(
                                root,
                                &format!("{:.*}", digits, 100.0 * v),
                                ((a.0 + b.0) / 2, (a.1 + b.1) / 2),
                                TICK_SIZE,
                                ink,
                                HPos::Center,
                                VPos::Center,
                                false,
                            )?;
                        }
                    }
                }
                Ok(())
            }
        }
    }
}

/// Draw the charts of a finished sweep directory: a line (one key), a
/// heatmap and lines (a two-key grid), small multiples (a sample of 2+
/// keys); none for a grid of 3+ keys.
pub fn draw(out: &Path) -> Result<Vec<PathBuf>> {
    let jpath = out.join("sweep.json");
    let text = std::fs::read_to_string(&jpath)
        .map_err(|e| Error::file(&jpath, format!("cannot read: {e}")))?;
    let spec: SweepSpec = serde_json::from_str(&text)
        .map_err(|e| Error::file(&jpath, format!("expected a sweep description, got {e}")))?;
    let k = spec.keys.len();
    let sample = spec.method != "grid" && k >= 2;
    if k == 0 || (k > 2 && !sample) {
        return Ok(Vec::new());
    }
    // Per point: the final-year headcount of each replicate (read row by row).
    let cpath = out.join("sweep.csv");
    let f = std::fs::File::open(&cpath)
        .map_err(|e| Error::file(&cpath, format!("cannot read: {e}")))?;
    let col = 2
        + k
        + MEASURES
            .iter()
            .position(|m| *m == "headcount_ratio")
            .unwrap_or(0);
    let mut per_point: Vec<Vec<f64>> = vec![Vec::new(); spec.points.len()];
    use std::io::BufRead;
    for line in std::io::BufReader::new(f).lines().skip(1) {
        let line = line.map_err(|e| Error::file(&cpath, format!("cannot read: {e}")))?;
        let fs: Vec<&str> = line.split(',').collect();
        if let (Some(p), Some(v)) = (
            fs.first().and_then(|p| p.parse::<usize>().ok()),
            fs.get(col).and_then(|v| v.parse::<f64>().ok()),
        ) && p < per_point.len()
        {
            per_point[p].push(v);
        }
    }
    let cell = |xs: &mut Vec<f64>| -> Option<Cell> {
        if xs.is_empty() {
            return None;
        }
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        Some(Cell {
            mean,
            p5: percentile(xs, 0.05),
            p95: percentile(xs, 0.95),
        })
    };
    // The values of each key in the order of a numeric sort (as listed if
    // any is not a number), and the x positions of the first key.
    let axis = |d: usize| -> (Vec<String>, Option<Vec<f64>>) {
        let mut labels: Vec<String> = Vec::new();
        for p in &spec.points {
            if !labels.contains(&p[d]) {
                labels.push(p[d].clone());
            }
        }
        let xs: Option<Vec<f64>> = labels.iter().map(|l| l.parse::<f64>().ok()).collect();
        match xs {
            Some(mut xs) => {
                let mut both: Vec<(f64, String)> = xs.drain(..).zip(labels).collect();
                both.sort_by(|a, b| a.0.total_cmp(&b.0));
                let (xs, labels) = both.into_iter().unzip();
                (labels, Some(xs))
            }
            None => (labels, None),
        }
    };
    let cells: Vec<Option<Cell>> = per_point.iter_mut().map(cell).collect();
    let year = final_year(out, k);
    let (labels0, xs) = axis(0);
    let at = |l: &[String], v: &String| l.iter().position(|x| x == v).unwrap_or(0);
    let mut charts = Vec::new();
    if sample {
        let points: Vec<(Vec<f64>, f64)> = spec
            .points
            .iter()
            .zip(&cells)
            .filter_map(|(p, c)| {
                let xs: Option<Vec<f64>> = p.iter().map(|v| v.parse::<f64>().ok()).collect();
                Some((xs?, c.as_ref()?.mean))
            })
            .collect();
        if points.is_empty() {
            return Ok(Vec::new());
        }
        charts.push(SweepChart::Sample {
            scenario: spec.scenario.clone(),
            keys: spec.keys.clone(),
            points,
            replicates: spec.replicates,
            year,
        });
    } else if k == 1 {
        let mut line: Vec<Option<Cell>> = labels0.iter().map(|_| None).collect();
        for (p, c) in spec.points.iter().zip(cells) {
            if c.is_some() {
                line[at(&labels0, &p[0])] = c;
            }
        }
        if line.iter().all(Option::is_none) {
            return Ok(Vec::new());
        }
        charts.push(SweepChart::Line {
            scenario: spec.scenario.clone(),
            key: spec.keys[0].clone(),
            by: None,
            labels: labels0,
            xs,
            series: vec![(format!("headcount ratio {}", in_year(year)), line)],
            replicates: spec.replicates,
            year,
        });
    } else {
        // The heatmap keeps the grid's order; the lines run along the first
        // key, one per value of the second.
        let (labels1, _) = axis(1);
        let mut heat_labels: [Vec<String>; 2] = [Vec::new(), Vec::new()];
        for p in &spec.points {
            for d in 0..2 {
                if !heat_labels[d].contains(&p[d]) {
                    heat_labels[d].push(p[d].clone());
                }
            }
        }
        let mut heat = vec![vec![None; heat_labels[1].len()]; heat_labels[0].len()];
        let mut lines: Vec<Vec<Option<Cell>>> = labels1
            .iter()
            .map(|_| labels0.iter().map(|_| None).collect())
            .collect();
        for (p, c) in spec.points.iter().zip(cells) {
            heat[at(&heat_labels[0], &p[0])][at(&heat_labels[1], &p[1])] =
                c.as_ref().map(|c| c.mean);
            if c.is_some() {
                lines[at(&labels1, &p[1])][at(&labels0, &p[0])] = c;
            }
        }
        charts.push(SweepChart::Heat {
            scenario: spec.scenario.clone(),
            keys: [spec.keys[0].clone(), spec.keys[1].clone()],
            labels: heat_labels,
            cells: heat,
            replicates: spec.replicates,
            year,
        });
        charts.push(SweepChart::Line {
            scenario: spec.scenario.clone(),
            key: spec.keys[0].clone(),
            by: Some(spec.keys[1].clone()),
            labels: labels0,
            xs,
            series: labels1
                .iter()
                .map(|v| format!("{} = {v}", short_key(&spec.keys[1])))
                .zip(lines)
                .collect(),
            replicates: spec.replicates,
            year,
        });
    }
    let mut files = Vec::new();
    for c in charts {
        files.extend(write_plain(&c, out)?);
    }
    Ok(files)
}

/// The last two parts of a dotted key (`transfers.budget`): the axis labels
/// say what the key means.
fn short_key(key: &str) -> &str {
    match key.rmatch_indices('.').nth(1) {
        Some((i, _)) => &key[i + 1..],
        None => key,
    }
}

/// "in YEAR", or "in the final year" when the year is not known.
fn in_year(year: Option<i32>) -> String {
    match year {
        Some(y) => format!("in {y}"),
        None => "in the final year".into(),
    }
}

/// The last year of sweep_years.csv (the year sweep.csv's values are of).
fn final_year(out: &Path, keys: usize) -> Option<i32> {
    use std::io::BufRead;
    let f = std::fs::File::open(out.join(super::years::FILE)).ok()?;
    std::io::BufReader::new(f)
        .lines()
        .skip(1)
        .map_while(|l| l.ok())
        .filter_map(|l| l.split(',').nth(keys + 2)?.parse::<i32>().ok())
        .max()
}

/// An axis label for a scenario key from its declaration: the first clause
/// of its doc (without code marks or a parenthesis) and its unit, cut to
/// `max` characters; the dotted key itself if it is not declared.
pub fn key_label(key: &str, max: usize) -> String {
    let Some(k) = crate::scenario::keys::find(key) else {
        return key.to_string();
    };
    let first = k.doc.split(". ").next().unwrap_or("").trim_end_matches('.');
    let mut doc = String::new();
    let mut depth = 0;
    for ch in first.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            '`' => {}
            _ if depth == 0 => doc.push(ch),
            _ => {}
        }
    }
    let doc = doc.split_whitespace().collect::<Vec<_>>().join(" ");
    if doc.is_empty() {
        return key.to_string();
    }
    let unit = k.unit.replace('`', "");
    let said = unit
        .split_whitespace()
        .next()
        .is_some_and(|w| doc.to_lowercase().contains(&w.to_lowercase()));
    let mut label = if unit.is_empty() || said {
        doc
    } else {
        format!("{doc} ({unit})")
    };
    if label.chars().count() > max {
        label = label
            .chars()
            .take(max.saturating_sub(1))
            .collect::<String>()
            .trim_end()
            .to_string()
            + "…";
    }
    label
}
