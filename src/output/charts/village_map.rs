//! `village_map`: each village's headcount ratio against its remoteness, one
//! small panel per chosen year (the first, a middle and the last; or one year,
//! for the teaching page's year-by-year maps), on the same axes. A dot is a
//! village, its area proportional to the village's population; the black line
//! is the headcount ratio of each remoteness band (its poor over its people),
//! so that "remote villages are poorer" reads as a rising line and its fall
//! from panel to panel as the gradient flattening. Villages people were
//! relocated out of, by the panel's year, are drawn in vermillion.

use super::data::OutputData;
use super::draw::DrawResult;
use super::draw::*;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

pub struct VillageMap {
    scenario: String,
    replicate: i64,
    n_villages: usize,
    panels: Vec<Panel>,
    /// Top of the headcount axis, in %: the same on every panel and every year.
    y_max: f64,
    max_population: f64,
    /// People relocated out of villages over the whole run, and from how many villages.
    moved: (f64, usize),
    any_received: bool,
    span: (i32, i32),
}

/// One year's panel.
pub struct Panel {
    pub year: i32,
    pub villages: Vec<Village>,
    /// Remoteness bands with villages, from the centre outwards.
    pub bands: Vec<BandPoint>,
}

/// One village in one year.
pub struct Village {
    pub village: String,
    pub remoteness: f64,
    /// Headcount ratio in %.
    pub headcount: f64,
    pub population: f64,
    /// People relocated out of the village up to this year (cumulative).
    pub moved_out: f64,
    /// People relocated into the village up to this year (cumulative).
    pub moved_in: f64,
}

/// The villages of one remoteness band, pooled.
pub struct BandPoint {
    /// Population-weighted mean remoteness of the band's villages.
    pub remoteness: f64,
    /// The band's poor over its people, in %.
    pub headcount: f64,
    pub population: f64,
}

const MOVED: RGBColor = OI_VERMILLION;
const STAYED: RGBColor = OI_BLUE;
const RING: RGBColor = OI_ORANGE;
const BAND: Look = Look::new(INK, Dash::Solid, Marker::Diamond);
/// Opacity of a village's dot: overlapping dots read as density.
const DOT_ALPHA: f64 = 0.45;

impl VillageMap {
    pub fn prepare(d: &OutputData) -> Option<Self> {
        Self::prepare_in(d, None)
    }

    /// The panel of `year` alone (`None`: the first, a middle and the last
    /// year); `None` without villages.csv or when the year is not in it.
    pub fn prepare_in(d: &OutputData, year: Option<i32>) -> Option<Self> {
        let rows = d.villages.as_ref()?;
        let replicate = rows.iter().map(|r| r.replicate).min()?;
        let rows: Vec<_> = rows.iter().filter(|r| r.replicate == replicate).collect();
        let years: Vec<i32> = rows
            .iter()
            .map(|r| r.year)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let shown: Vec<i32> = match year {
            Some(y) if years.contains(&y) => vec![y],
            Some(_) => return None,
            None => {
                let mut v = vec![years[0], years[years.len() / 2], years[years.len() - 1]];
                v.dedup();
                v
            }
        };
        let mut order: Vec<&str> = Vec::new();
        for r in &rows {
            if !order.contains(&r.village.as_str()) {
                order.push(r.village.as_str());
            }
        }
        let bands = band_count(order.len());
        // Every year is prepared, so that the axes and sizes span them all: a
        // year's panel alone is scaled like the others, and stepping through
        // the years compares like with like.
        let mut cum: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
        let mut panels = Vec::new();
        for &y in &years {
            for r in rows.iter().filter(|r| r.year == y) {
                let e = cum.entry(r.village.as_str()).or_default();
                e.0 += r.relocated_out.max(0.0);
                e.1 += r.relocated_in.max(0.0);
            }
            let villages: Vec<Village> = rows
                .iter()
                .filter(|r| r.year == y && r.remoteness.is_finite())
                .map(|r| {
                    let (o, i) = cum.get(r.village.as_str()).copied().unwrap_or_default();
                    Village {
                        village: r.village.clone(),
                        remoteness: r.remoteness.clamp(0.0, 1.0),
                        headcount: 100.0 * r.headcount_ratio,
                        population: r.population.max(0.0),
                        moved_out: o,
                        moved_in: i,
                    }
                })
                .collect();
            let bands = band_points(&villages, bands);
            panels.push(Panel {
                year: y,
                villages,
                bands,
            });
        }
        let all = || panels.iter().flat_map(|p| p.villages.iter());
        let top = all()
            .map(|v| v.headcount)
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let max_population = all().map(|v| v.population).fold(0.0, f64::max);
        let moved_from = cum.values().filter(|c| c.0 > 0.0).count();
        let moved = (cum.values().map(|c| c.0).sum(), moved_from);
        let any_received = cum.values().any(|c| c.1 > 0.0);
        panels.retain(|p| shown.contains(&p.year));
        Some(VillageMap {
            scenario: d.scenario(),
            replicate,
            n_villages: order.len(),
            panels,
            y_max: nice_max(top, 1.05).clamp(1.0, 100.0),
            max_population,
            moved,
            any_received,
            span: (years[0], years[years.len() - 1]),
        })
    }

    /// The panels drawn, in year order.
    pub fn panels(&self) -> &[Panel] {
        &self.panels
    }

    /// The radius in pixels of a village of `population`: its area is
    /// proportional to the population (the smallest are kept visible).
    pub fn dot_radius(&self, population: f64) -> f64 {
        let rmax = (230.0 / (self.n_villages.max(1) as f64).sqrt()).clamp(7.0, 24.0);
        let f = if self.max_population > 0.0 {
            (population.max(0.0) / self.max_population).sqrt()
        } else {
            1.0
        };
        (rmax * f).max(2.5)
    }

    pub fn size(&self) -> (u32, u32) {
        (WIDTH, 820)
    }

    pub fn title(&self) -> String {
        format!("Villages — {}", self.scenario)
    }

    /// "N people relocated out of K villages in Y1–Y2" (or that none were).
    fn moved_note(&self) -> String {
        let (people, villages) = self.moved;
        if people > 0.0 {
            format!(
                "{} people relocated out of {} of the {} villages in {}–{}",
                thousands(people, 0),
                villages,
                self.n_villages,
                self.span.0,
                self.span.1
            )
        } else {
            format!("nobody relocated in {}–{}", self.span.0, self.span.1)
        }
    }

    pub fn caption(&self) -> String {
        let years: Vec<String> = self.panels.iter().map(|p| p.year.to_string()).collect();
        format!(
            "Each village's headcount ratio (share of its people below the poverty line) against its remoteness \
             (0 at the county seat, 1 the most remote), in {} (replicate {}); dot area proportional to the \
             village's population; the black line is the headcount ratio of each remoteness band (its poor over \
             its people). Vermillion dots: villages people were relocated out of by that year ({}).",
            years.join(", "),
            self.replicate,
            self.moved_note()
        )
    }

    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let sub = format!(
            "Headcount ratio against remoteness · {} · replicate {}",
            self.moved_note(),
            self.replicate
        );
        let area = header(root, &self.title(), &sub)?;
        let big = self.dot_radius(self.max_population).round() as i32;
        let quarter = self.max_population * 0.25;
        let mut entries = vec![
            (
                format!("{} people", thousands(self.max_population, 0)),
                Swatch::Dot(STAYED.mix(DOT_ALPHA), big),
            ),
            (
                format!("{} people (dot area = population)", thousands(quarter, 0)),
                Swatch::Dot(
                    STAYED.mix(DOT_ALPHA),
                    self.dot_radius(quarter).round() as i32,
                ),
            ),
        ];
        if self.moved.0 > 0.0 {
            entries.push((
                "village relocated from (by that year)".to_string(),
                Swatch::Dot(MOVED.mix(DOT_ALPHA), 12),
            ));
        }
        if self.any_received {
            entries.push(("received relocated people".to_string(), Swatch::Ring(RING)));
        }
        entries.push((
            "headcount ratio of a remoteness band".to_string(),
            Swatch::Line(BAND),
        ));
        let body = legend_strip(&area, &entries)?;
        let parts = body.split_evenly((1, self.panels.len().max(1)));
        for (panel, part) in self.panels.iter().zip(parts.iter()) {
            self.panel(root, panel, part)?;
        }
        Ok(())
    }

    fn panel<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        p: &Panel,
        area: &DrawingArea<DB, Shift>,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = panel_title(area, &p.year.to_string())?;
        let dec = tick_decimals(self.y_max).saturating_sub(1);
        let yfmt = |v: &f64| format!("{:.*}%", dec, v);
        let xfmt = |v: &f64| format!("{v:.1}");
        let mut chart = ChartBuilder::on(&area)
            .margin_left(PAD as u32 / 2)
            .margin_right(PAD as u32)
            .margin_top(14)
            .margin_bottom(10)
            .x_label_area_size(96)
            .y_label_area_size(120)
            .build_cartesian_2d(-0.02..1.02, 0.0..self.y_max)?;
        mesh!(chart)
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&xfmt)
            .y_label_formatter(&yfmt)
            .x_desc("remoteness (0 = county seat)")
            .y_desc("headcount ratio")
            .draw()?;
        let px = |x: f64, y: f64| chart.backend_coord(&(x, y.clamp(0.0, self.y_max)));
        // Largest first so that small villages stay visible; those relocated
        // out of on top.
        let mut order: Vec<&Village> = p
            .villages
            .iter()
            .filter(|v| v.headcount.is_finite())
            .collect();
        order.sort_by(|a, b| {
            (a.moved_out > 0.0)
                .cmp(&(b.moved_out > 0.0))
                .then(b.population.total_cmp(&a.population))
        });
        for v in order {
            let pt = px(v.remoteness, v.headcount);
            let r = self.dot_radius(v.population).round() as i32;
            let c = if v.moved_out > 0.0 { MOVED } else { STAYED };
            root.draw(&Circle::new(pt, r, c.mix(DOT_ALPHA).filled()))?;
            root.draw(&Circle::new(pt, r, c.mix(0.9).stroke_width(1)))?;
            if v.moved_in > 0.0 {
                root.draw(&Circle::new(pt, r + 4, RING.stroke_width(3)))?;
            }
        }
        let line: Vec<(i32, i32)> = p
            .bands
            .iter()
            .map(|b| px(b.remoteness, b.headcount))
            .collect();
        // A white halo under the band line keeps it readable over the dots.
        polyline(
            root,
            &line,
            &Look {
                color: WHITE,
                width: LINE_W + 6,
                dash: Dash::Solid,
                marker: Marker::None,
            },
        )?;
        polyline(root, &line, &BAND)
    }
}

/// How many remoteness bands `n` villages are pooled into (3 to 10, about
/// 6 villages or more a band).
fn band_count(n: usize) -> usize {
    ((n as f64).sqrt() / 2.5).round().clamp(3.0, 10.0) as usize
}

/// The villages pooled into `k` equal bands of remoteness (0–1): each band's
/// headcount ratio is its poor over its people. Bands without people are left out.
fn band_points(villages: &[Village], k: usize) -> Vec<BandPoint> {
    // Per band: people, poor, people × remoteness.
    let mut sums = vec![(0.0f64, 0.0f64, 0.0f64); k];
    for v in villages.iter().filter(|v| v.headcount.is_finite()) {
        let b = ((v.remoteness * k as f64) as usize).min(k - 1);
        sums[b].0 += v.population;
        sums[b].1 += v.population * v.headcount;
        sums[b].2 += v.population * v.remoteness;
    }
    sums.into_iter()
        .filter(|s| s.0 > 0.0)
        .map(|(people, poor, rem)| BandPoint {
            remoteness: rem / people,
            headcount: poor / people,
            population: people,
        })
        .collect()
}
