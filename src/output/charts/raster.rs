//! The PNG backend: plotters' bitmap backend drawn at `SCALE`× resolution and
//! averaged down (smooth, anti-aliased lines, circles and areas), with its
//! own text rasteriser.
//!
//! Why its own text: plotters' ab_glyph text drawing ignores each glyph's
//! side bearing (letters sit unevenly, "Pover ty") and places text higher
//! than SVG does. Here glyphs are laid out with advances, kerning and
//! bearings, sized and anchored as the SVG backend's `<text>` is in a browser
//! (font size = size / 1.24, top = 0.76 em above the baseline, centre =
//! 0.5 ex), so the PNG and the SVG of a chart look alike. Text widths used for
//! layout still come from plotters' estimate, as for the SVG.

use super::draw::{BOLD_FONT, REGULAR_FONT};
use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::prelude::*;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontStyle,
    text_anchor::HPos, text_anchor::VPos,
};
use rayon::prelude::*;
use std::sync::OnceLock;

/// Supersampling factor (each output pixel averages SCALE × SCALE samples).
pub const SCALE: u32 = 2;

type Error = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

/// A bitmap backend of logical size `(w, h)` drawing into a buffer of
/// `(w·SCALE, h·SCALE)` RGB pixels.
pub struct Supersampled<'a> {
    inner: BitMapBackend<'a>,
}

impl<'a> Supersampled<'a> {
    /// `buf` must hold `w·SCALE × h·SCALE × 3` bytes.
    pub fn new(buf: &'a mut [u8], (w, h): (u32, u32)) -> Self {
        Supersampled {
            inner: BitMapBackend::with_buffer(buf, (w * SCALE, h * SCALE)),
        }
    }
}

/// Average SCALE × SCALE blocks of a supersampled RGB buffer down to `(w, h)`
/// (output rows in parallel; the SCALE source rows of an output row are summed
/// channel by channel into a row of accumulators, then the neighbouring
/// SCALE accumulators of each pixel: simple loops that the compiler vectorises).
pub fn downsample(big: &[u8], (w, h): (u32, u32)) -> Vec<u8> {
    let s = SCALE as usize;
    let (w, h) = (w as usize, h as usize);
    let big_row = w * s * 3;
    let n = (s * s) as u16;
    let mut out = vec![0u8; w * h * 3];
    out.par_chunks_exact_mut(w * 3).enumerate().for_each_init(
        || vec![0u16; big_row],
        |col, (y, out_row)| {
            col.fill(0);
            for dy in 0..s {
                let row = &big[(y * s + dy) * big_row..][..big_row];
                for (c, &v) in col.iter_mut().zip(row) {
                    *c += v as u16;
                }
            }
            for (o, px) in out_row.chunks_exact_mut(3).zip(col.chunks_exact(3 * s)) {
                for k in 0..3 {
                    let mut sum = 0u16;
                    for dx in 0..s {
                        sum += px[dx * 3 + k];
                    }
                    o[k] = ((sum + n / 2) / n) as u8;
                }
            }
        },
    );
    out
}

/// A style with its stroke width multiplied.
struct Wide<'s, S: BackendStyle>(&'s S);

impl<S: BackendStyle> BackendStyle for Wide<'_, S> {
    fn color(&self) -> BackendColor {
        self.0.color()
    }
    fn stroke_width(&self) -> u32 {
        self.0.stroke_width().max(1) * SCALE
    }
}

/// A logical pixel's centre in the supersampled buffer.
fn up((x, y): BackendCoord) -> BackendCoord {
    let s = SCALE as i32;
    (x * s + s / 2, y * s + s / 2)
}

fn font(style: FontStyle) -> &'static FontRef<'static> {
    static REGULAR: OnceLock<FontRef<'static>> = OnceLock::new();
    static BOLD: OnceLock<FontRef<'static>> = OnceLock::new();
    let (cell, bytes) = match style {
        FontStyle::Bold => (&BOLD, BOLD_FONT),
        _ => (&REGULAR, REGULAR_FONT),
    };
    cell.get_or_init(|| {
        FontRef::try_from_slice(bytes).expect("the embedded DejaVu Sans font is valid")
    })
}

impl DrawingBackend for Supersampled<'_> {
    type ErrorType = Error;

    fn get_size(&self) -> (u32, u32) {
        let (w, h) = self.inner.get_size();
        (w / SCALE, h / SCALE)
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        p: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Error>> {
        let s = SCALE as i32;
        self.inner.draw_rect(
            (p.0 * s, p.1 * s),
            (p.0 * s + s - 1, p.1 * s + s - 1),
            &color,
            true,
        )
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Error>> {
        self.inner.draw_line(up(from), up(to), &Wide(style))
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        ul: BackendCoord,
        br: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Error>> {
        let s = SCALE as i32;
        if fill {
            self.inner.draw_rect(
                (ul.0 * s, ul.1 * s),
                (br.0 * s + s - 1, br.1 * s + s - 1),
                style,
                true,
            )
        } else {
            let (a, b) = (up(ul), up(br));
            let pts = [a, (b.0, a.1), b, (a.0, b.1), a];
            self.inner.draw_path(pts, &Wide(style))
        }
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Error>> {
        let pts: Vec<BackendCoord> = path.into_iter().map(up).collect();
        self.inner.draw_path(pts, &Wide(style))
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Error>> {
        if fill {
            self.inner
                .draw_circle(up(center), radius * SCALE, style, true)
        } else {
            // An outline as a polygon, so that its width scales too.
            let (cx, cy) = up(center);
            let r = (radius * SCALE) as f64;
            let n = ((r * 0.8) as usize).clamp(24, 720);
            let pts: Vec<BackendCoord> = (0..=n)
                .map(|i| {
                    let t = i as f64 / n as f64 * std::f64::consts::TAU;
                    (
                        cx + (r * t.cos()).round() as i32,
                        cy + (r * t.sin()).round() as i32,
                    )
                })
                .collect();
            self.inner.draw_path(pts, &Wide(style))
        }
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Error>> {
        let pts: Vec<BackendCoord> = vert.into_iter().map(up).collect();
        self.inner.fill_polygon(pts, style)
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Error>> {
        let color = style.color();
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let f = font(style.style());
        // Pixels per em as in the SVG (font-size = size / 1.24), then ab_glyph's
        // scale (which is the ascent-to-descent height, not the em).
        let em = style.size() as f32 / 1.24 * SCALE as f32;
        let upem = f.units_per_em().unwrap_or(2048.0);
        let scale = PxScale::from(em * f.height_unscaled() / upem);
        let sf = f.as_scaled(scale);
        let mut caret = 0.0f32;
        let mut prev = None;
        let mut glyphs = Vec::with_capacity(text.len());
        for ch in text.chars() {
            let id = f.glyph_id(ch);
            if let Some(p) = prev {
                caret += sf.kern(p, id);
            }
            glyphs.push(id.with_scale_and_position(scale, point(caret, 0.0)));
            caret += sf.h_advance(id);
            prev = Some(id);
        }
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -caret / 2.0,
            HPos::Right => -caret,
        };
        const EX: f32 = 0.547; // DejaVu Sans x-height, in em
        let dy = match anchor.v_pos {
            VPos::Top => 0.76 * em,
            VPos::Center => 0.5 * EX * em,
            VPos::Bottom => -0.5 * EX * em,
        };
        let trans = style.transform();
        let origin = up(pos);
        let (w, h) = self.inner.get_size();
        let mut result = Ok(());
        for g in glyphs {
            if let Some(og) = sf.outline_glyph(g) {
                let b = og.px_bounds();
                og.draw(|x, y, c| {
                    if c <= 0.0 || result.is_err() {
                        return;
                    }
                    let lx = (b.min.x + x as f32 + dx).round() as i32;
                    let ly = (b.min.y + y as f32 + dy).round() as i32;
                    let (tx, ty) = trans.transform(lx, ly);
                    let (px, py) = (origin.0 + tx, origin.1 + ty);
                    if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                        let c = BackendColor {
                            alpha: color.alpha * c.min(1.0) as f64,
                            rgb: color.rgb,
                        };
                        result = self.inner.draw_pixel((px, py), c);
                    }
                });
            }
        }
        result
    }
}
