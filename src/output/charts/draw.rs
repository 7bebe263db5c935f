//! The look shared by every chart: the embedded font, the colours, text,
//! headers, legends, styled lines and markers, axis formatting.
//!
//! Data are mapped to pixels with the plotters chart of each panel, then drawn
//! with the helpers here in pixel coordinates on the whole canvas, so that the
//! same dashes, markers and legend swatches appear everywhere.
//!
//! Why one long file: every helper here is part of the one shared look, and
//! splitting it would scatter the constants the helpers share.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::sync::Once;

/// The one font family used everywhere (DejaVu Sans, embedded).
pub const FONT: &str = "sans-serif";

/// Result of a drawing function (errors come from the plotters backends).
pub type DrawResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// DejaVu Sans (licence: assets/fonts/LICENSE-DejaVu.txt).
pub static REGULAR_FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold.
pub static BOLD_FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

/// Register the embedded DejaVu Sans as "sans-serif" (regular and bold), once.
/// Charts need no system fonts and no fontconfig.
pub fn ensure_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let ok = plotters::style::register_font(FONT, FontStyle::Normal, REGULAR_FONT).is_ok()
            && plotters::style::register_font(FONT, FontStyle::Bold, BOLD_FONT).is_ok();
        assert!(ok, "the embedded DejaVu Sans font could not be loaded");
    });
}

// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
pub const OI_BLACK: RGBColor = RGBColor(0, 0, 0);
pub const OI_ORANGE: RGBColor = RGBColor(230, 159, 0);
pub const OI_SKY: RGBColor = RGBColor(86, 180, 233);
pub const OI_GREEN: RGBColor = RGBColor(0, 158, 115);
pub const OI_YELLOW: RGBColor = RGBColor(240, 228, 66);
pub const OI_BLUE: RGBColor = RGBColor(0, 114, 178);
pub const OI_VERMILLION: RGBColor = RGBColor(213, 94, 0);
pub const OI_PURPLE: RGBColor = RGBColor(204, 121, 167);

/// Categorical colours in the order series take them.
pub const CATEGORICAL: [RGBColor; 8] = [
    OI_BLUE,
    OI_ORANGE,
    OI_GREEN,
    OI_VERMILLION,
    OI_SKY,
    OI_PURPLE,
    OI_YELLOW,
    OI_BLACK,
];
/// Fill colours for stacked categories, alternating dark and light so that
/// neighbouring segments stay apart in greyscale.
pub const FILLS: [RGBColor; 8] = [
    OI_BLUE,
    OI_YELLOW,
    OI_VERMILLION,
    OI_SKY,
    OI_GREEN,
    OI_ORANGE,
    OI_PURPLE,
    OI_BLACK,
];
/// Dash patterns cycled together with [`CATEGORICAL`] (for greyscale print).
pub const DASHES: [Dash; 4] = [Dash::Solid, Dash::Dashed, Dash::Dotted, Dash::LongShort];

pub const INK: RGBColor = RGBColor(30, 30, 30);
pub const MUTED: RGBColor = RGBColor(85, 85, 85);
pub const GRID: RGBColor = RGBColor(222, 222, 222);
pub const AXIS: RGBColor = RGBColor(110, 110, 110);

// Sizes, in pixels of the 1600-pixel-wide canvas.
pub const WIDTH: u32 = 1600;
pub const PAD: i32 = 40;
pub const TITLE_SIZE: f64 = 46.0;
pub const SUBTITLE_SIZE: f64 = 29.0;
pub const HEADER_H: u32 = 132;
pub const PANEL_TITLE_SIZE: f64 = 32.0;
pub const TICK_SIZE: f64 = 28.0;
pub const DESC_SIZE: f64 = 30.0;
pub const LEGEND_SIZE: f64 = 28.0;
pub const LINE_W: u32 = 5;
pub const MARKER_R: i32 = 9;

/// Line dash pattern.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dash {
    Solid,
    Dashed,
    Dotted,
    LongShort,
}

/// Point marker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Marker {
    None,
    Circle,
    Triangle,
    Square,
    Diamond,
}

/// How one data series is drawn.
#[derive(Debug, Clone, Copy)]
pub struct Look {
    pub color: RGBColor,
    pub width: u32,
    pub dash: Dash,
    pub marker: Marker,
}

impl Look {
    pub const fn new(color: RGBColor, dash: Dash, marker: Marker) -> Look {
        Look {
            color,
            width: LINE_W,
            dash,
            marker,
        }
    }
}

/// A legend entry's swatch.
#[derive(Debug, Clone, Copy)]
pub enum Swatch {
    /// A line with its marker.
    Line(Look),
    /// A line over a translucent band (mean and interval).
    Band(Look),
    /// A faint line ([`faint_polyline`]).
    Faint(Look),
    /// A filled box.
    Fill(RGBColor),
    /// A box filled with a translucent colour and outlined.
    Outline(RGBAColor, RGBColor),
    /// A hollow marker (e.g. calibration targets).
    Hollow(Marker, RGBColor),
    /// A ring around a point.
    Ring(RGBColor),
    /// A filled, outlined dot of a radius in pixels (e.g. a population key).
    Dot(RGBAColor, i32),
}

/// Draw text at a pixel position with an anchor.
#[allow(clippy::too_many_arguments)]
pub fn text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    pos: (i32, i32),
    size: f64,
    color: RGBColor,
    h: HPos,
    v: VPos,
    bold: bool,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let style = font(size, bold).color(&color).pos(Pos::new(h, v));
    area.draw_text(s, &style, pos)?;
    Ok(())
}

/// The font of `size` pixels.
pub fn font(size: f64, bold: bool) -> FontDesc<'static> {
    (
        FONT,
        size,
        if bold {
            FontStyle::Bold
        } else {
            FontStyle::Normal
        },
    )
        .into_font()
}

/// The width in pixels of `s` set at `size` (an error if the font is not
/// registered: layout without real metrics would silently go wrong).
pub fn text_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    size: f64,
    bold: bool,
) -> DrawResult<i32>
where
    DB::ErrorType: 'static,
{
    let (w, _) = area.estimate_text_size(s, &TextStyle::from(font(size, bold)))?;
    Ok(w as i32)
}

/// Fill the canvas white and draw the title and subtitle; returns the area below.
pub fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> DrawResult<DrawingArea<DB, Shift>>
where
    DB::ErrorType: 'static,
{
    header_sized(root, title, TITLE_SIZE, subtitle)
}

/// [`header`] with the title at `title_size` (at most [`TITLE_SIZE`]),
/// centred on the line a full-size title would take.
pub fn header_sized<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    title_size: f64,
    subtitle: &str,
) -> DrawResult<DrawingArea<DB, Shift>>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    text(
        root,
        title,
        (PAD, 28 + ((TITLE_SIZE - title_size) / 2.0) as i32),
        title_size,
        INK,
        HPos::Left,
        VPos::Top,
        true,
    )?;
    text(
        root,
        subtitle,
        (PAD, 88),
        SUBTITLE_SIZE,
        MUTED,
        HPos::Left,
        VPos::Top,
        false,
    )?;
    let (_, rest) = root.split_vertically(HEADER_H);
    Ok(rest)
}

const SW: i32 = 64; // legend swatch width
const SW_GAP: i32 = 14; // swatch to text
const SEP: i32 = 44; // between legend entries

fn legend_rows<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, Swatch)],
) -> DrawResult<(Vec<i32>, Vec<Vec<usize>>)>
where
    DB::ErrorType: 'static,
{
    let (w, _) = area.dim_in_pixel();
    let widths: Vec<i32> = entries
        .iter()
        .map(|(s, _)| Ok(SW + SW_GAP + text_width(area, s, LEGEND_SIZE, false)?))
        .collect::<DrawResult<_>>()?;
    let mut rows: Vec<Vec<usize>> = vec![vec![]];
    let mut row_w = 0;
    for (i, wi) in widths.iter().enumerate() {
        let add = if row_w == 0 { *wi } else { SEP + wi };
        if row_w > 0 && row_w + add > w as i32 - 2 * PAD {
            rows.push(vec![i]);
            row_w = *wi;
        } else {
            rows.last_mut().expect("a row").push(i);
            row_w += add;
        }
    }
    Ok((widths, rows))
}

const LEGEND_ROW_H: i32 = (LEGEND_SIZE * 1.6) as i32;

/// Draw a legend strip at the top of `area` (as many centred rows as the
/// entries need) and return the area below it.
pub fn legend_strip<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, Swatch)],
) -> DrawResult<DrawingArea<DB, Shift>>
where
    DB::ErrorType: 'static,
{
    let (_, rows) = legend_rows(area, entries)?;
    let h = LEGEND_ROW_H * rows.len() as i32 + 18;
    let (strip, rest) = area.split_vertically(h);
    legend(&strip, entries)?;
    Ok(rest)
}

/// Draw a legend: rows of entries, centred in `area`.
pub fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, Swatch)],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (w, h) = area.dim_in_pixel();
    let (widths, rows) = legend_rows(area, entries)?;
    let total_h = LEGEND_ROW_H * rows.len() as i32;
    let mut y = (h as i32 - total_h) / 2 + LEGEND_ROW_H / 2;
    for row in rows {
        let rw: i32 = row.iter().map(|&i| widths[i]).sum::<i32>() + SEP * (row.len() as i32 - 1);
        let mut x = (w as i32 - rw) / 2;
        for i in row {
            let (label, sw) = &entries[i];
            swatch(area, (x, y), SW, *sw)?;
            text(
                area,
                label,
                (x + SW + SW_GAP, y),
                LEGEND_SIZE,
                INK,
                HPos::Left,
                VPos::Center,
                false,
            )?;
            x += widths[i] + SEP;
        }
        y += LEGEND_ROW_H;
    }
    Ok(())
}

/// Draw a legend swatch whose left-middle is at `p`.
pub fn swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: (i32, i32),
    w: i32,
    sw: Swatch,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (x, y) = p;
    match sw {
        Swatch::Line(look) => {
            polyline(
                area,
                &[(x, y), (x + w, y)],
                &Look {
                    marker: Marker::None,
                    ..look
                },
            )?;
            marker(area, (x + w / 2, y), look.marker, look.color, MARKER_R)?;
        }
        Swatch::Band(look) => {
            area.draw(&Rectangle::new(
                [(x, y - 15), (x + w, y + 15)],
                look.color.mix(0.22).filled(),
            ))?;
            polyline(
                area,
                &[(x, y), (x + w, y)],
                &Look {
                    marker: Marker::None,
                    ..look
                },
            )?;
            marker(area, (x + w / 2, y), look.marker, look.color, MARKER_R)?;
        }
        Swatch::Faint(look) => faint_polyline(area, &[(x, y), (x + w, y)], &look)?,
        Swatch::Fill(c) => {
            area.draw(&Rectangle::new(
                [(x + 8, y - 15), (x + w - 8, y + 15)],
                c.filled(),
            ))?;
        }
        Swatch::Outline(fill, line) => {
            area.draw(&Rectangle::new(
                [(x + 8, y - 15), (x + w - 8, y + 15)],
                fill.filled(),
            ))?;
            area.draw(&Rectangle::new(
                [(x + 8, y - 15), (x + w - 8, y + 15)],
                line.stroke_width(3),
            ))?;
        }
        Swatch::Hollow(m, c) => hollow_marker(area, (x + w / 2, y), m, c, MARKER_R + 3)?,
        Swatch::Ring(c) => {
            area.draw(&Circle::new(
                (x + w / 2, y),
                11,
                RGBColor(200, 200, 200).filled(),
            ))?;
            area.draw(&Circle::new((x + w / 2, y), 14, c.stroke_width(4)))?;
        }
        Swatch::Dot(c, r) => {
            area.draw(&Circle::new((x + w / 2, y), r, c.filled()))?;
            let edge = RGBColor(c.0, c.1, c.2).mix(0.9);
            area.draw(&Circle::new((x + w / 2, y), r, edge.stroke_width(1)))?;
        }
    }
    Ok(())
}

/// Draw a styled line through pixel points, with a marker at each point.
pub fn polyline<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    pts: &[(i32, i32)],
    look: &Look,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    stroke(area, pts, look, look.color.stroke_width(look.width))?;
    for &p in pts {
        marker(area, p, look.marker, look.color, MARKER_R)?;
    }
    Ok(())
}

/// How faint a faint line is (its opacity).
pub const FAINT: f64 = 0.35;

/// [`polyline`] drawn faintly (at opacity [`FAINT`]) and without markers:
/// an earlier run behind the current one.
pub fn faint_polyline<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    pts: &[(i32, i32)],
    look: &Look,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    stroke(
        area,
        pts,
        look,
        look.color.mix(FAINT).stroke_width(look.width),
    )
}

/// The line of `look` through `pts` in `style`, dashed as `look` says.
fn stroke<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    pts: &[(i32, i32)],
    look: &Look,
    style: ShapeStyle,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    if pts.len() >= 2 {
        let w = look.width as i32;
        match look.dash {
            Dash::Solid => area.draw(&PathElement::new(pts.to_vec(), style))?,
            Dash::Dashed => dashed(area, pts, &[5 * w, 3 * w], style)?,
            Dash::Dotted => dashed(area, pts, &[w, 2 * w], style)?,
            Dash::LongShort => dashed(area, pts, &[5 * w, 2 * w, w, 2 * w], style)?,
        }
    }
    Ok(())
}

/// A dashed path with a repeating on/off `pattern` whose phase runs on across
/// vertices (plotters' own dashed path restarts at each vertex).
fn dashed<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    pts: &[(i32, i32)],
    pattern: &[i32],
    style: ShapeStyle,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let mut k = 0usize; // index into pattern
    let mut left = pattern[0] as f64; // length left in the current pattern piece
    let mut cur: Vec<(i32, i32)> = vec![pts[0]];
    for seg in pts.windows(2) {
        let (a, b) = (seg[0], seg[1]);
        let (dx, dy) = ((b.0 - a.0) as f64, (b.1 - a.1) as f64);
        let len = (dx * dx + dy * dy).sqrt();
        let mut t = 0.0;
        while len - t > left {
            t += left;
            let p = (
                (a.0 as f64 + dx * t / len).round() as i32,
                (a.1 as f64 + dy * t / len).round() as i32,
            );
            if k.is_multiple_of(2) {
                cur.push(p);
                area.draw(&PathElement::new(std::mem::take(&mut cur), style))?;
            } else {
                cur = vec![p];
            }
            k = (k + 1) % pattern.len();
            left = pattern[k] as f64;
        }
        left -= len - t;
        if k.is_multiple_of(2) {
            cur.push(b);
        } else {
            cur = vec![b];
        }
    }
    if k.is_multiple_of(2) && cur.len() >= 2 {
        area.draw(&PathElement::new(cur, style))?;
    }
    Ok(())
}

/// A filled marker with a thin white rim (so overlapping markers stay apart).
pub fn marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: (i32, i32),
    m: Marker,
    c: RGBColor,
    r: i32,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    if m == Marker::None {
        return Ok(());
    }
    shape(area, p, m, r + 2, WHITE.filled())?;
    shape(area, p, m, r, c.filled())
}

/// An outlined, white-filled marker.
pub fn hollow_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: (i32, i32),
    m: Marker,
    c: RGBColor,
    r: i32,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    shape(area, p, m, r, WHITE.filled())?;
    shape(area, p, m, r, c.stroke_width(3))
}

fn shape<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    m: Marker,
    r: i32,
    style: ShapeStyle,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let poly = |pts: Vec<(i32, i32)>| -> DrawResult {
        if style.filled {
            area.draw(&Polygon::new(pts, style))?;
        } else {
            let mut closed = pts.clone();
            closed.push(pts[0]);
            area.draw(&PathElement::new(closed, style))?;
        }
        Ok(())
    };
    match m {
        Marker::None => Ok(()),
        Marker::Circle => {
            area.draw(&Circle::new((x, y), r, style))?;
            Ok(())
        }
        Marker::Square => {
            let s = r * 85 / 100;
            poly(vec![
                (x - s, y - s),
                (x + s, y - s),
                (x + s, y + s),
                (x - s, y + s),
            ])
        }
        Marker::Triangle => {
            let h = r * 115 / 100;
            poly(vec![
                (x, y - h),
                (x + h, y + h * 7 / 10),
                (x - h, y + h * 7 / 10),
            ])
        }
        Marker::Diamond => {
            let d = r * 125 / 100;
            poly(vec![(x, y - d), (x + d, y), (x, y + d), (x - d, y)])
        }
    }
}

/// Panel title, left-aligned at the top of `area`; returns the area below it.
pub fn panel_title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
) -> DrawResult<DrawingArea<DB, Shift>>
where
    DB::ErrorType: 'static,
{
    text(
        area,
        title,
        (PAD, 8),
        PANEL_TITLE_SIZE,
        INK,
        HPos::Left,
        VPos::Top,
        true,
    )?;
    let (_, rest) = area.split_vertically(56);
    Ok(rest)
}

/// A number with thousands separators and `decimals` decimals ("12,345.6").
pub fn thousands(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "–".to_string();
    }
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = match s.find('.') {
        Some(i) => (&s[..i], &s[i..]),
        None => (&s[..], ""),
    };
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    let neg = v < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0');
    format!("{}{out}{frac}", if neg { "−" } else { "" })
}

/// Decimals for tick labels of an axis whose top is `max` (a "nice" amount).
pub fn tick_decimals(max: f64) -> usize {
    let m = max.abs();
    if m >= 20.0 {
        0
    } else if m >= 2.0 {
        1
    } else if m >= 0.2 {
        2
    } else {
        3
    }
}

/// A "nice" upper axis limit ≥ `v` (1, 2, 2.5, 5 × 10ⁿ steps), with `headroom`.
pub fn nice_max(v: f64, headroom: f64) -> f64 {
    let v = v * headroom;
    if !(v.is_finite() && v > 0.0) {
        return 1.0;
    }
    let e = 10f64.powf(v.log10().floor());
    for m in [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if m * e >= v * 0.9999 {
            return m * e;
        }
    }
    10.0 * e
}

/// A money scale for an axis: divisor and unit text for values up to `max` yuan.
pub fn money_scale(max: f64) -> (f64, &'static str) {
    if max >= 2e9 {
        (1e9, "billion yuan")
    } else if max >= 2e6 {
        (1e6, "million yuan")
    } else if max >= 2e4 {
        (1e3, "thousand yuan")
    } else {
        (1.0, "yuan")
    }
}

/// A count scale for an axis: divisor and unit prefix for values up to `max`.
pub fn count_scale(max: f64) -> (f64, &'static str) {
    if max >= 2e6 {
        (1e6, "million ")
    } else if max >= 2e4 {
        (1e3, "thousand ")
    } else {
        (1.0, "")
    }
}

/// Tick label for a year axis: whole years only.
pub fn year_label(x: &f64) -> String {
    if (x - x.round()).abs() < 1e-6 {
        format!("{:.0}", x)
    } else {
        String::new()
    }
}

/// A chart of percentages by year from 0 to a "nice" maximum above `top`,
/// its mesh drawn: the incidence charts of `run` and `compare`.
pub fn percent_by_year<'a, DB: DrawingBackend>(
    plot: &'a DrawingArea<DB, Shift>,
    years: &[i32],
    top: f64,
    y_desc: &str,
) -> DrawResult<
    ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
>
where
    DB::ErrorType: 'static,
{
    let ymax = nice_max(top, 1.08);
    let dec = tick_decimals(ymax)
        .saturating_sub(1)
        .max(if ymax < 10.0 { 1 } else { 0 });
    let mut chart = ChartBuilder::on(plot)
        .margin_left(PAD as u32 / 2)
        .margin_right(150)
        .margin_top(18)
        .margin_bottom(20)
        .x_label_area_size(96)
        .y_label_area_size(128)
        .build_cartesian_2d(year_range(years, 0.3), 0.0..ymax)?;
    let yfmt = |v: &f64| format!("{:.*}", dec, v);
    mesh!(chart)
        .disable_x_mesh()
        .x_labels(year_ticks(years, 12))
        .y_labels(7)
        .x_label_formatter(&year_label)
        .y_label_formatter(&yfmt)
        .x_desc("year")
        .y_desc(y_desc)
        .draw()?;
    Ok(chart)
}

/// The x range of a year axis, padded by `pad` years on both sides.
pub fn year_range(years: &[i32], pad: f64) -> std::ops::Range<f64> {
    let first = years.first().copied().unwrap_or(0) as f64;
    let last = years.last().copied().unwrap_or(0) as f64;
    (first - pad)..(last + pad)
}

/// How many year ticks to ask for (so that labels never crowd).
pub fn year_ticks(years: &[i32], max: usize) -> usize {
    let span = match (years.first(), years.last()) {
        (Some(a), Some(b)) => (b - a) as usize + 1,
        _ => 1,
    };
    span.clamp(1, max)
}

/// Reversed viridis (light yellow for 0, dark purple for 1): darker means more
/// poverty, which also reads correctly in greyscale.
pub fn viridis_rev(t: f64) -> RGBColor {
    // Viridis anchor colours at 0, 0.125, ..., 1.
    const V: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ];
    let t = (1.0 - t.clamp(0.0, 1.0)) * 8.0;
    let i = (t.floor() as usize).min(7);
    let f = t - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    RGBColor(
        mix(V[i].0, V[i + 1].0),
        mix(V[i].1, V[i + 1].1),
        mix(V[i].2, V[i + 1].2),
    )
}

/// Relative luminance (0–1) of a colour, to choose black or white text on it.
pub fn luminance(c: RGBColor) -> f64 {
    let lin = |v: u8| {
        let s = v as f64 / 255.0;
        if s <= 0.04045 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2)
}

/// Text drawn when a panel has nothing to show.
pub fn empty_note<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, note: &str) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (w, h) = area.dim_in_pixel();
    text(
        area,
        note,
        (w as i32 / 2, h as i32 / 2),
        DESC_SIZE,
        MUTED,
        HPos::Center,
        VPos::Center,
        false,
    )
}

/// Apply the common axis style to a plotters mesh, then the given settings.
macro_rules! mesh {
    ($chart:expr) => {
        $chart
            .configure_mesh()
            .bold_line_style($crate::output::charts::draw::GRID.stroke_width(1))
            .light_line_style(plotters::style::colors::TRANSPARENT)
            .axis_style($crate::output::charts::draw::AXIS.stroke_width(2))
            .label_style(
                $crate::output::charts::draw::font($crate::output::charts::draw::TICK_SIZE, false)
                    .color(&$crate::output::charts::draw::INK),
            )
            .axis_desc_style(
                $crate::output::charts::draw::font($crate::output::charts::draw::DESC_SIZE, false)
                    .color(&$crate::output::charts::draw::INK),
            )
            .set_all_tick_mark_size(8)
    };
}
pub(crate) use mesh;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(1234567.0, 0), "1,234,567");
        assert_eq!(thousands(999.0, 0), "999");
        assert_eq!(thousands(-1234.5, 1), "−1,234.5");
        assert_eq!(thousands(-0.01, 0), "0");
        assert_eq!(thousands(f64::NAN, 0), "–");
    }

    #[test]
    fn nice_limits() {
        assert_eq!(nice_max(13.0, 1.0), 15.0);
        assert_eq!(nice_max(0.9, 1.0), 1.0);
        assert_eq!(nice_max(2100.0, 1.0), 2500.0);
        assert_eq!(nice_max(0.0, 1.1), 1.0);
    }

    #[test]
    fn viridis_ends() {
        assert_eq!(viridis_rev(0.0), RGBColor(253, 231, 37));
        assert_eq!(viridis_rev(1.0), RGBColor(68, 1, 84));
        assert!(luminance(viridis_rev(0.0)) > luminance(viridis_rev(1.0)));
    }
}
