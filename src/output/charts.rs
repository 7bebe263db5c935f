//! Charts of a run, drawn only from the files of its output directory, so that
//! `povsim plot OUTDIR` redraws them without rerunning.
//!
//! Each chart is written twice into `OUTDIR/charts/`: as SVG (vector, for
//! papers and for the report) and as PNG (for slides). The look is shared
//! (see `draw`): the embedded DejaVu Sans (no system fonts needed), large
//! text, titles naming the scenario, labelled axes with units, Okabe–Ito
//! colours paired with distinct dashes and markers so that series stay apart
//! in greyscale and for colour-blind readers, reversed viridis for sequential
//! scales. Where replicates are summarised, lines are replicate means and
//! bands the 5th–95th percentiles across replicates.
//!
//! | chart | needs | shows |
//! | --- | --- | --- |
//! | `incidence` | trajectory.csv (+ summary.json targets) | headcount and extreme ratios with bands and targets |
//! | `income_distribution` | distribution.csv | income histogram, first vs last year, poverty lines |
//! | `income_sources` | income_sources.csv | stacked income by source, everyone and the poor |
//! | `spending` | spending.csv | spending by module and year (cost-effectiveness is compare's) |
//! | `village_map` | villages.csv | each village's headcount against remoteness (first, middle, last year), band line, relocations |
//! | `targeting` | targeting.csv | inclusion and exclusion errors, register size |
//! | `dynamics` | trajectory.csv (+ transitions.csv) | entries and exits, transition matrix |

pub mod calibration;
pub(crate) mod compare;
pub mod data;
mod distribution;
pub mod draw;
mod dynamics;
mod incidence;
mod raster;
mod sources;
mod spending;
mod targeting;
pub mod village_map;

use crate::error::{Error, Result};
use crate::output::atomic;
use data::OutputData;
use draw::DrawResult;
use plotters::coord::Shift;
use plotters::prelude::*;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

pub use compare::{COMPARE_CHART_NAMES, draw_compare};
pub use incidence::Previous;

/// The names of all charts, in report order (files are `charts/NAME.svg|png`).
pub const CHART_NAMES: [&str; 7] = [
    "incidence",
    "income_distribution",
    "income_sources",
    "spending",
    "village_map",
    "targeting",
    "dynamics",
];

/// One chart, prepared from the data and ready to draw on any backend.
pub(crate) enum Chart {
    Incidence(incidence::Incidence),
    Distribution(distribution::Distribution),
    Sources(sources::Sources),
    Spending(spending::Spending),
    VillageMap(village_map::VillageMap),
    Targeting(targeting::Targeting),
    Dynamics(dynamics::Dynamics),
    Compare(compare::CompareChart),
    Calibration(calibration::CalibrationChart),
}

macro_rules! each {
    ($self:expr, $c:ident => $e:expr) => {
        match $self {
            Chart::Incidence($c) => $e,
            Chart::Distribution($c) => $e,
            Chart::Sources($c) => $e,
            Chart::Spending($c) => $e,
            Chart::VillageMap($c) => $e,
            Chart::Targeting($c) => $e,
            Chart::Dynamics($c) => $e,
            Chart::Compare($c) => $e,
            Chart::Calibration($c) => $e,
        }
    };
}

impl Chart {
    /// File stem of the chart.
    pub fn name(&self) -> &'static str {
        match self {
            Chart::Incidence(_) => "incidence",
            Chart::Distribution(_) => "income_distribution",
            Chart::Sources(_) => "income_sources",
            Chart::Spending(_) => "spending",
            Chart::VillageMap(_) => "village_map",
            Chart::Targeting(_) => "targeting",
            Chart::Dynamics(_) => "dynamics",
            Chart::Compare(c) => c.name(),
            Chart::Calibration(c) => c.name(),
        }
    }

    /// The chart's title (as drawn on it).
    pub fn title(&self) -> String {
        each!(self, c => c.title())
    }

    /// One sentence saying what the chart shows (for the report).
    pub fn caption(&self) -> String {
        each!(self, c => c.caption())
    }

    /// Canvas size in pixels.
    pub fn size(&self) -> (u32, u32) {
        each!(self, c => c.size())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        each!(self, c => c.draw(root))
    }

    /// The chart as an SVG document.
    pub fn svg(&self) -> Result<String> {
        draw::ensure_fonts();
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, self.size()).into_drawing_area();
            self.draw(&root).map_err(|e| self.fail(e))?;
            root.present().map_err(|e| self.fail(e.into()))?;
        }
        Ok(polish_svg(&svg, &self.title()))
    }

    /// The chart as 8-bit RGB pixels, row by row: `(width, height, pixels)`.
    pub fn rgb(&self) -> Result<(u32, u32, Vec<u8>)> {
        draw::ensure_fonts();
        let (w, h) = self.size();
        let s = raster::SCALE;
        let mut big = vec![255u8; (w * s * h * s * 3) as usize];
        {
            let root = raster::Supersampled::new(&mut big, (w, h)).into_drawing_area();
            self.draw(&root).map_err(|e| self.fail(e))?;
            root.present().map_err(|e| self.fail(e.into()))?;
        }
        Ok((w, h, raster::downsample(&big, (w, h))))
    }

    /// The chart as a PNG file.
    pub fn png(&self) -> Result<Vec<u8>> {
        let (w, h, buf) = self.rgb()?;
        encode_png(w, h, &buf).map_err(|e| self.fail(e.into()))
    }

    fn fail(&self, e: Box<dyn std::error::Error>) -> Error {
        Error::Input(format!("chart {}: cannot draw: {e}", self.name()))
    }
}

/// A chart of a sweep or a search: drawn straight to SVG and PNG by [`write_plain`].
pub trait PlainChart {
    /// File stem of the chart.
    fn name(&self) -> &'static str;
    /// Canvas size in pixels.
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static;
}

/// Write `charts/NAME.svg` and `charts/NAME.png` under `out`: a plain chart,
/// drawn on each backend at its size with the run charts' text path (the
/// supersampled PNG backend with its own glyph layout, so letters sit evenly,
/// and the SVG's DejaVu font stack).
pub fn write_plain<C: PlainChart>(c: &C, out: &Path) -> Result<Vec<PathBuf>> {
    let fail = |e: Box<dyn std::error::Error>| {
        Error::Input(format!("chart {}: cannot draw: {e}", c.name()))
    };
    let (w, h) = c.size();
    let svg = polish_svg(&plain_svg(c)?, &c.name().replace('_', " "));
    let s = raster::SCALE;
    let mut big = vec![255u8; (w * s * h * s * 3) as usize];
    {
        let root = raster::Supersampled::new(&mut big, (w, h)).into_drawing_area();
        c.draw(&root).map_err(fail)?;
        root.present().map_err(|e| fail(e.into()))?;
    }
    let rgb = raster::downsample(&big, (w, h));
    let png_bytes = encode_png(w, h, &rgb).map_err(|e| fail(e.into()))?;
    let dir = out.join("charts");
    atomic::create_dir(&dir)?;
    let (a, b) = (
        dir.join(format!("{}.svg", c.name())),
        dir.join(format!("{}.png", c.name())),
    );
    atomic::write_file(&a, svg.as_bytes())?;
    atomic::write_file(&b, &png_bytes)?;
    Ok(vec![a, b])
}

/// A plain chart drawn as SVG text (for a report that inlines it).
pub fn plain_svg<C: PlainChart>(c: &C) -> Result<String> {
    draw::ensure_fonts();
    let fail = |e: Box<dyn std::error::Error>| {
        Error::Input(format!("chart {}: cannot draw: {e}", c.name()))
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, c.size()).into_drawing_area();
        c.draw(&root).map_err(fail)?;
        root.present().map_err(|e| fail(e.into()))?;
    }
    Ok(svg)
}

/// Prepare every chart whose input files are present, in report order.
pub(crate) fn prepare_all(d: &OutputData) -> Vec<Chart> {
    let mut v = vec![Chart::Incidence(incidence::Incidence::prepare(d))];
    if let Some(c) = distribution::Distribution::prepare(d) {
        v.push(Chart::Distribution(c));
    }
    if let Some(c) = sources::Sources::prepare(d) {
        v.push(Chart::Sources(c));
    }
    if let Some(c) = spending::Spending::prepare(d) {
        v.push(Chart::Spending(c));
    }
    if let Some(c) = village_map::VillageMap::prepare(d) {
        v.push(Chart::VillageMap(c));
    }
    if let Some(c) = targeting::Targeting::prepare(d) {
        v.push(Chart::Targeting(c));
    }
    v.push(Chart::Dynamics(dynamics::Dynamics::prepare(d)));
    v
}

/// Draw every chart that the files of `out_dir` allow into `out_dir/charts/`
/// as `NAME.png` and `NAME.svg`; returns the files written. Charts whose
/// optional input file is absent are skipped (and an old copy removed).
pub fn draw_all(out_dir: &Path) -> Result<Vec<PathBuf>> {
    draw_all_as(out_dir, true)
}

/// [`draw_all`], with PNG files (`png`) or SVG only (old PNGs are removed).
pub fn draw_all_as(out_dir: &Path, png: bool) -> Result<Vec<PathBuf>> {
    let data = OutputData::load(out_dir)?;
    let charts = prepare_all(&data);
    let dir = out_dir.join("charts");
    atomic::create_dir(&dir)?;
    let rendered: Vec<Result<(String, Option<Vec<u8>>)>> = charts
        .par_iter()
        .map(|c| Ok((c.svg()?, if png { Some(c.png()?) } else { None })))
        .collect();
    let mut written = Vec::new();
    for (c, r) in charts.iter().zip(rendered) {
        let (svg, png) = r?;
        let png_path = dir.join(format!("{}.png", c.name()));
        let svg_path = dir.join(format!("{}.svg", c.name()));
        match png {
            Some(png) => {
                atomic::write_file(&png_path, &png)?;
                written.push(png_path);
            }
            None => {
                let _ = std::fs::remove_file(&png_path);
            }
        }
        atomic::write_file(&svg_path, svg.as_bytes())?;
        written.push(svg_path);
    }
    for name in CHART_NAMES {
        if !charts.iter().any(|c| c.name() == name) {
            for ext in ["png", "svg"] {
                let _ = std::fs::remove_file(dir.join(format!("{name}.{ext}")));
            }
        }
    }
    Ok(written)
}

/// Render one chart of `out_dir` to RGB pixels in memory, without writing
/// anything: `Ok(None)` if its input files are absent or the name is unknown.
pub fn render_rgb(out_dir: &Path, name: &str) -> Result<Option<(u32, u32, Vec<u8>)>> {
    let data = OutputData::load(out_dir)?;
    match prepare_all(&data).into_iter().find(|c| c.name() == name) {
        Some(c) => c.rgb().map(Some),
        None => Ok(None),
    }
}

/// The incidence chart of `d` as SVG, with `previous` drawn faintly behind
/// (the teaching page's charts are these renderers, drawn from a run kept in
/// memory: [`OutputData::from_memory`]).
pub fn incidence_svg(d: &OutputData, previous: Option<&Previous>) -> Result<String> {
    Chart::Incidence(incidence::Incidence::prepare(d).behind(previous)).svg()
}

/// The spending chart of `d` as SVG; `None` without spending.csv.
pub fn spending_svg(d: &OutputData) -> Result<Option<String>> {
    spending::Spending::prepare(d)
        .map(|c| Chart::Spending(c).svg())
        .transpose()
}

/// The village map of `year` alone as SVG, on the scales of every year's map;
/// `None` without villages.csv or without that year.
pub fn village_map_svg(d: &OutputData, year: i32) -> Result<Option<String>> {
    village_map::VillageMap::prepare_in(d, Some(year))
        .map(|c| Chart::VillageMap(c).svg())
        .transpose()
}

fn encode_png(w: u32, h: u32, rgb: &[u8]) -> std::result::Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        // 150 dpi: the 1600-pixel-wide charts print about 27 cm wide at full size.
        enc.set_pixel_dims(Some(png::PixelDimensions {
            xppu: 5906,
            yppu: 5906,
            unit: png::Unit::Meter,
        }));
        let mut wr = enc.write_header()?;
        wr.write_image_data(rgb)?;
        wr.finish()?;
    }
    Ok(out)
}

/// Finish an SVG from plotters: a font stack with DejaVu Sans first (the font
/// the layout was measured with), and a `<title>` for screen readers.
fn polish_svg(svg: &str, title: &str) -> String {
    let svg = svg.replace(
        "font-family=\"sans-serif\"",
        "font-family=\"'DejaVu Sans', Verdana, 'Bitstream Vera Sans', Arial, sans-serif\"",
    );
    match svg
        .find("<svg")
        .and_then(|i| svg[i..].find('>').map(|j| i + j + 1))
    {
        Some(end) => {
            let mut out = String::with_capacity(svg.len() + title.len() + 64);
            out.push_str(&svg[..end - 1]);
            out.push_str(" role=\"img\">\n<title>");
            out.push_str(&crate::output::report::escape(title));
            out.push_str("</title>");
            out.push_str(&svg[end..]);
            out
        }
        None => svg,
    }
}
