//! The page's charts: the run's own renderers (`povsim::output::charts`, SVG),
//! drawn from the run's tables kept in memory, so that the page shows what
//! `povsim run` would draw for the same scenario: the incidence chart (with
//! the previous run faintly behind), one village map per year on common
//! scales, and the spending chart.

use povsim::output::charts::data::{Band, OutputData};
use povsim::output::charts::{self, Previous};
use rayon::prelude::*;

/// The charts of one run, as SVG documents.
pub struct Drawn {
    pub incidence: String,
    /// Per year: the village map.
    pub maps: Vec<(i32, String)>,
    pub spending: Option<String>,
    /// Per year: the headcount ratio's mean and 90% band, in %.
    pub headcount: Vec<(i32, Band)>,
}

/// Draw the charts of run `d`, with `previous` faintly behind its incidence.
pub fn draw(d: &OutputData, previous: Option<&Previous>) -> povsim::Result<Drawn> {
    let years = d.years();
    let maps: Vec<povsim::Result<Option<(i32, String)>>> = years
        .par_iter()
        .map(|y| Ok(charts::village_map_svg(d, *y)?.map(|svg| (*y, svg))))
        .collect();
    Ok(Drawn {
        incidence: charts::incidence_svg(d, previous)?,
        maps: maps
            .into_iter()
            .filter_map(|m| m.transpose())
            .collect::<povsim::Result<_>>()?,
        spending: charts::spending_svg(d)?,
        headcount: d
            .by_year(|r| r.headcount_ratio)
            .into_iter()
            .map(|(y, b)| (y, b.scaled(100.0)))
            .collect(),
    })
}
