//! `village_map`: villages at stable positions (distance from the centre =
//! remoteness, angle = village index × golden angle), coloured by headcount
//! ratio, first year beside last year (or one year, for the teaching page's
//! year-by-year maps), with relocation flows toward the centre.

use super::data::OutputData;
use super::draw::DrawResult;
use super::draw::*;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::collections::{BTreeMap, BTreeSet};

pub struct VillageMap {
    scenario: String,
    replicate: i64,
    n_villages: usize,
    panels: Vec<Panel>,
    /// Top of the colour scale, in %.
    scale_max: f64,
    max_population: f64,
    max_flow: f64,
    any_flows: bool,
    any_received: bool,
}

struct Panel {
    year: i32,
    villages: Vec<Village>,
}

struct Village {
    /// Unit position: x = r cos θ, y = r sin θ, with r = remoteness.
    pos: (f64, f64),
    population: f64,
    headcount: f64,
    /// People relocated out of the village up to this year (cumulative).
    moved_out: f64,
    /// People relocated into the village up to this year (cumulative).
    moved_in: f64,
}

const GOLDEN_ANGLE: f64 = 2.399_963_229_728_653; // π (3 − √5)
const FLOW: RGBColor = RGBColor(40, 40, 40);
const RING: RGBColor = OI_VERMILLION;

impl VillageMap {
    pub fn prepare(d: &OutputData) -> Option<Self> {
        Self::prepare_in(d, None)
    }

    /// The map of `year` alone (`None`: the first and the last year); `None`
    /// without villages.csv or when the year is not in it.
    pub fn prepare_in(d: &OutputData, year: Option<i32>) -> Option<Self> {
        let rows = d.villages.as_ref()?;
        let replicate = rows.iter().map(|r| r.replicate).min()?;
        let rows: Vec<_> = rows.iter().filter(|r| r.replicate == replicate).collect();
        let years: BTreeSet<i32> = rows.iter().map(|r| r.year).collect();
        let (first, last) = (*years.first()?, *years.last()?);
        // The years drawn, and those the scales (colour, size, flow) span: a
        // year's map alone is scaled like the other years', so that stepping
        // through the years compares like with like.
        let (shown, scaled): (Vec<i32>, Vec<i32>) = match year {
            Some(y) if years.contains(&y) => (vec![y], years.iter().copied().collect()),
            Some(_) => return None,
            None if first == last => (vec![first], vec![first]),
            None => (vec![first, last], vec![first, last]),
        };
        // Village index: the id itself when every id is an integer, else the order of appearance.
        let numeric = rows.iter().all(|r| r.village.trim().parse::<i64>().is_ok());
        let mut order: Vec<&str> = Vec::new();
        for r in &rows {
            if !order.contains(&r.village.as_str()) {
                order.push(r.village.as_str());
            }
        }
        let index = |v: &str| -> f64 {
            if numeric {
                v.trim().parse::<i64>().unwrap_or(0) as f64
            } else {
                order.iter().position(|o| *o == v).unwrap_or(0) as f64
            }
        };
        let mut panels = Vec::new();
        for year in scaled {
            let mut cum: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
            for r in rows.iter().filter(|r| r.year <= year) {
                let e = cum.entry(r.village.as_str()).or_default();
                e.0 += r.relocated_out.max(0.0);
                e.1 += r.relocated_in.max(0.0);
            }
            let villages = rows
                .iter()
                .filter(|r| r.year == year && r.remoteness.is_finite())
                .map(|r| {
                    let rad = r.remoteness.clamp(0.0, 1.0);
                    let th = index(&r.village) * GOLDEN_ANGLE;
                    let (o, i) = cum.get(r.village.as_str()).copied().unwrap_or_default();
                    Village {
                        pos: (rad * th.cos(), rad * th.sin()),
                        population: r.population.max(0.0),
                        headcount: 100.0 * r.headcount_ratio,
                        moved_out: o,
                        moved_in: i,
                    }
                })
                .collect();
            panels.push(Panel { year, villages });
        }
        let all = || panels.iter().flat_map(|p| p.villages.iter());
        let top = all()
            .map(|v| v.headcount)
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let max_flow = all().map(|v| v.moved_out).fold(0.0, f64::max);
        let any_received = all().any(|v| v.moved_in > 0.0);
        let max_population = all().map(|v| v.population).fold(0.0, f64::max);
        let scale_max = nice_max(top, 1.0).clamp(1.0, 100.0);
        panels.retain(|p| shown.contains(&p.year));
        Some(VillageMap {
            scenario: d.scenario(),
            replicate,
            n_villages: order.len(),
            scale_max,
            max_population,
            max_flow,
            any_flows: max_flow > 0.0,
            any_received,
            panels,
        })
    }

    pub fn size(&self) -> (u32, u32) {
        (WIDTH, 900)
    }

    pub fn title(&self) -> String {
        format!("Villages — {}", self.scenario)
    }

    fn years(&self) -> String {
        self.panels
            .iter()
            .map(|p| p.year.to_string())
            .collect::<Vec<_>>()
            .join(" and ")
    }

    pub fn caption(&self) -> String {
        format!(
            "The {} villages in {} (replicate {}), placed by remoteness (distance from the centre) and coloured by their \
             headcount ratio (darker is poorer), point area proportional to population{}.",
            self.n_villages,
            self.years(),
            self.replicate,
            if self.any_flows {
                "; grey arrows show people relocated out of a village, width proportional to their number"
            } else {
                ""
            }
        )
    }

    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let sub = format!(
            "Distance from the centre = remoteness (0–1) · colour = headcount ratio · area = population · replicate {}",
            self.replicate
        );
        let area = header(root, &self.title(), &sub)?;
        let (w, _) = area.dim_in_pixel();
        let (maps, side) = area.split_horizontally(w - 300);
        let (mw, _) = maps.dim_in_pixel();
        let parts = if self.panels.len() == 2 {
            let (a, b) = maps.split_horizontally(mw / 2);
            vec![a, b]
        } else {
            vec![maps]
        };
        let mut radius = 200;
        for (panel, part) in self.panels.iter().zip(parts.iter()) {
            radius = self.panel(panel, part)?;
        }
        self.key(&side, radius)
    }

    /// Draw one year's map; returns its radius in pixels.
    fn panel<DB: DrawingBackend>(&self, p: &Panel, area: &DrawingArea<DB, Shift>) -> DrawResult<i32>
    where
        DB::ErrorType: 'static,
    {
        let area = panel_title(area, &p.year.to_string())?;
        let (w, h) = area.dim_in_pixel();
        let (cx, cy) = (w as i32 / 2, h as i32 / 2 - 4);
        let radius = (w.min(h) as i32) / 2 - 34;
        let at = |(x, y): (f64, f64)| {
            (
                cx + (x * radius as f64).round() as i32,
                cy - (y * radius as f64).round() as i32,
            )
        };
        // Remoteness rings (labelled after the villages are drawn).
        const RINGS: [f64; 4] = [0.25, 0.5, 0.75, 1.0];
        for r in RINGS {
            area.draw(&Circle::new(
                (cx, cy),
                (r * radius as f64) as i32,
                GRID.stroke_width(2),
            ))?;
        }
        let rmax = self.max_radius(radius);
        let rmin = rmax * 0.35;
        let size = |pop: f64| {
            let f = if self.max_population > 0.0 {
                (pop / self.max_population).sqrt()
            } else {
                1.0
            };
            (rmin + (rmax - rmin) * f).round().max(3.0) as i32
        };
        // Flows toward the centre, under the villages.
        let hub = 16;
        for v in p.villages.iter().filter(|v| v.moved_out > 0.0) {
            let (x, y) = at(v.pos);
            let (dx, dy) = ((cx - x) as f64, (cy - y) as f64);
            let len = (dx * dx + dy * dy).sqrt();
            let width = 2.0 + 12.0 * (v.moved_out / self.max_flow).sqrt();
            let head = 10.0 + width;
            if len < hub as f64 + head + 4.0 {
                continue;
            }
            let (ux, uy) = (dx / len, dy / len);
            let tip = (
                cx as f64 - ux * (hub as f64 + 4.0),
                cy as f64 - uy * (hub as f64 + 4.0),
            );
            let base = (tip.0 - ux * head, tip.1 - uy * head);
            let c = FLOW.mix(0.55);
            area.draw(&PathElement::new(
                vec![(x, y), (base.0 as i32, base.1 as i32)],
                c.stroke_width(width as u32),
            ))?;
            let (nx, ny) = (-uy * (width * 0.5 + 7.0), ux * (width * 0.5 + 7.0));
            area.draw(&Polygon::new(
                vec![
                    (tip.0 as i32, tip.1 as i32),
                    ((base.0 + nx) as i32, (base.1 + ny) as i32),
                    ((base.0 - nx) as i32, (base.1 - ny) as i32),
                ],
                c.filled(),
            ))?;
        }
        // Villages, largest first so that small ones stay visible.
        let mut order: Vec<&Village> = p.villages.iter().collect();
        order.sort_by(|a, b| b.population.total_cmp(&a.population));
        for v in order {
            let pt = at(v.pos);
            let r = size(v.population);
            let color = if v.headcount.is_finite() {
                viridis_rev(v.headcount / self.scale_max)
            } else {
                RGBColor(200, 200, 200)
            };
            area.draw(&Circle::new(pt, r, color.filled()))?;
            area.draw(&Circle::new(pt, r, RGBColor(60, 60, 60).stroke_width(1)))?;
            if v.moved_in > 0.0 {
                area.draw(&Circle::new(pt, r + 4, RING.stroke_width(4)))?;
            }
        }
        let size = TICK_SIZE * 0.75;
        for r in RINGS {
            let rr = (r * radius as f64) as i32;
            let s = if r == 1.0 {
                "remoteness 1".to_string()
            } else {
                format!("{r}")
            };
            let w = text_width(&area, &s, size, false)?;
            let y = cy - rr + 4;
            area.draw(&Rectangle::new(
                [(cx + 3, y - 1), (cx + 10 + w, y + (size * 0.95) as i32)],
                WHITE.mix(0.75).filled(),
            ))?;
            text(
                &area,
                &s,
                (cx + 6, y),
                size,
                MUTED,
                HPos::Left,
                VPos::Top,
                false,
            )?;
        }
        // The centre: county seat and resettlement site.
        area.draw(&Rectangle::new(
            [(cx - 9, cy - 9), (cx + 9, cy + 9)],
            INK.filled(),
        ))?;
        area.draw(&Rectangle::new(
            [(cx - 9, cy - 9), (cx + 9, cy + 9)],
            WHITE.stroke_width(2),
        ))?;
        Ok(radius)
    }

    /// Radius in pixels of the most populous village on a map of `radius` pixels.
    fn max_radius(&self, radius: i32) -> f64 {
        (170.0 / (self.n_villages.max(1) as f64).sqrt()).clamp(5.0, 26.0) * radius as f64 / 300.0
    }

    /// The key on the right: colour bar, then size, flow and ring samples.
    fn key<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, map_radius: i32) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let small = TICK_SIZE * 0.85;
        let x0 = 20;
        let mut y = 40;
        text(
            area,
            "headcount ratio",
            (x0, y),
            small,
            INK,
            HPos::Left,
            VPos::Top,
            true,
        )?;
        y += 36;
        let (bar_h, bar_w) = (250, 38);
        for i in 0..bar_h {
            let t = 1.0 - i as f64 / (bar_h - 1) as f64;
            area.draw(&Rectangle::new(
                [(x0, y + i), (x0 + bar_w, y + i + 1)],
                viridis_rev(t).filled(),
            ))?;
        }
        area.draw(&Rectangle::new(
            [(x0, y), (x0 + bar_w, y + bar_h)],
            AXIS.stroke_width(1),
        ))?;
        let step = nice_max(self.scale_max / 5.0, 1.0);
        let mut v = 0.0;
        while v <= self.scale_max + 1e-9 {
            let ty = y + bar_h - (v / self.scale_max * bar_h as f64).round() as i32;
            area.draw(&PathElement::new(
                vec![(x0 + bar_w, ty), (x0 + bar_w + 8, ty)],
                AXIS.stroke_width(2),
            ))?;
            text(
                area,
                &format!("{}%", thousands(v, if step < 1.0 { 1 } else { 0 })),
                (x0 + bar_w + 14, ty),
                small,
                INK,
                HPos::Left,
                VPos::Center,
                false,
            )?;
            v += step;
        }
        y += bar_h + 32;
        // Population sizes.
        text(
            area,
            "population",
            (x0, y),
            small,
            INK,
            HPos::Left,
            VPos::Top,
            true,
        )?;
        y += 40;
        let rmax = self.max_radius(map_radius);
        for (f, label) in [
            (1.0, self.max_population),
            (0.25, self.max_population * 0.25),
        ] {
            let r = (rmax * 0.35 + rmax * 0.65 * f64::sqrt(f)).round() as i32;
            let rmax = rmax.round() as i32;
            area.draw(&Circle::new(
                (x0 + 20, y + 14),
                r.max(3),
                RGBColor(190, 190, 190).filled(),
            ))?;
            area.draw(&Circle::new(
                (x0 + 20, y + 14),
                r.max(3),
                RGBColor(60, 60, 60).stroke_width(1),
            ))?;
            text(
                area,
                &thousands(label, 0),
                (x0 + 56, y + 14),
                small,
                INK,
                HPos::Left,
                VPos::Center,
                false,
            )?;
            y += 2 * rmax.max(14) + 4;
        }
        y += 8;
        if self.any_flows {
            text(
                area,
                "relocated out",
                (x0, y),
                small,
                INK,
                HPos::Left,
                VPos::Top,
                true,
            )?;
            y += 44;
            let c = FLOW.mix(0.55);
            area.draw(&PathElement::new(
                vec![(x0, y), (x0 + 40, y)],
                c.stroke_width(14),
            ))?;
            area.draw(&Polygon::new(
                vec![(x0 + 64, y), (x0 + 40, y - 15), (x0 + 40, y + 15)],
                c.filled(),
            ))?;
            text(
                area,
                &thousands(self.max_flow, 0),
                (x0 + 76, y),
                small,
                INK,
                HPos::Left,
                VPos::Center,
                false,
            )?;
            y += 44;
        }
        if self.any_received {
            swatch(area, (x0 - 12, y + 8), 64, Swatch::Ring(RING))?;
            text(
                area,
                "received",
                (x0 + 56, y + 8),
                small,
                INK,
                HPos::Left,
                VPos::Center,
                false,
            )?;
            y += 44;
        }
        area.draw(&Rectangle::new(
            [(x0 + 11, y), (x0 + 29, y + 18)],
            INK.filled(),
        ))?;
        text(
            area,
            "county seat",
            (x0 + 56, y + 9),
            small,
            INK,
            HPos::Left,
            VPos::Center,
            false,
        )?;
        Ok(())
    }
}
