//! Synthetic villages and households drawn from the scenario's distributions.
//!
//! Villages get their attributes from the `[villages]` distributions and a
//! size (a lognormal weight); households are laid out village by village, so
//! a chunk of households touches few villages. Every draw comes from the
//! keyed stream of its village or household, so the population is the same
//! whatever the thread count, and the same in every scenario that shares the
//! distributions (common random numbers start here).
//!
//! A scenario may start from data instead ([`initial`]): a household survey
//! ([`survey`]: observed attributes kept, the rest drawn, earning ability
//! backed out of observed incomes) or a saved state ([`saved`]: every column
//! as it was at the end of a year).

pub mod saved;
pub mod survey;

use crate::error::Result;
use crate::model::columns::OwnColumns;
use crate::model::sample::Sampler;
use crate::model::state::{Households, Villages};
use crate::rng::{Purpose, Streams};
use crate::scenario::{Scenario, Start};
use rand::RngExt;
use rayon::prelude::*;

/// A replicate's population when its first year starts.
pub struct Initial {
    pub villages: Villages,
    pub hh: Households,
    /// Each household's state in the first year of the history (0 poor,
    /// 1 near poor, 2 non-poor), when continuing a saved state; empty otherwise.
    pub first_state: Vec<u8>,
    /// The first year's phase one is done already (a survey's observed year).
    pub phase_one_done: bool,
    /// How closely a survey's incomes were reproduced.
    pub import: Option<survey::ImportReport>,
}

/// The population of replicate `streams.replicate` of `sc`: drawn, imported
/// from its survey, or restored from its saved state (which also gives the
/// modules their `own` columns back: see [`saved::read`]).
pub fn initial(
    sc: &Scenario,
    streams: &Streams,
    own: Vec<(&'static str, OwnColumns)>,
) -> Result<Initial> {
    Ok(match &sc.start {
        Start::Drawn => {
            let (villages, weights) = villages(sc, streams);
            let hh = households(sc, streams, &villages, &weights);
            Initial {
                villages,
                hh,
                first_state: Vec::new(),
                phase_one_done: false,
                import: None,
            }
        }
        Start::Survey(s) => survey::build(sc, s, streams),
        Start::Saved(s) => saved::read(s, streams.replicate, own)?,
    })
}

/// Draw the villages.
pub fn villages(sc: &Scenario, streams: &Streams) -> (Villages, Vec<f64>) {
    villages_with(sc, streams, sc.villages as usize, &|_, _| None)
}

/// Draw `n` villages, keeping the values `observed(village, attribute)` gives
/// (every draw is made all the same, so the streams stay aligned).
pub fn villages_with(
    sc: &Scenario,
    streams: &Streams,
    n: usize,
    observed: &dyn Fn(usize, &str) -> Option<f32>,
) -> (Villages, Vec<f64>) {
    let d = &sc.file.villages;
    let s = [
        Sampler::new(&d.remoteness),
        Sampler::new(&d.road),
        Sampler::new(&d.water),
        Sampler::new(&d.irrigation),
        Sampler::new(&d.school_quality),
        Sampler::new(&d.clinic),
        Sampler::new(&d.tourism_potential),
        Sampler::new(&d.land_per_person),
        Sampler::new(&d.drought_risk),
        Sampler::new(&d.cadre_quality),
    ];
    let mut v = Villages::default();
    let mut weights = Vec::with_capacity(n);
    for k in 0..n {
        let mut r = streams.stream(k as u64, sc.start_year, Purpose::Village);
        let x: Vec<f32> = s.iter().map(|s| s.sample(&mut r) as f32).collect();
        let o = |key: &str, drawn: f32| observed(k, key).unwrap_or(drawn);
        // Remote villages have worse roads: road access is scaled down with remoteness.
        let remoteness = o("remoteness", x[0]);
        v.remoteness.push(remoteness);
        v.road.push(o("road", x[1] * (1.0 - 0.5 * remoteness)));
        v.water.push(o("water", x[2]));
        v.irrigation.push(o("irrigation", x[3]));
        v.school_quality.push(o("school_quality", x[4]));
        let clinic = if r.random::<f32>() < x[5] { 1.0 } else { 0.0 };
        v.clinic.push(o("clinic", clinic));
        v.tourism_potential.push(o("tourism_potential", x[6]));
        v.tourism_capacity.push(0.0);
        v.land_per_person.push(o("land_per_person", x[7]));
        v.drought_risk.push(o("drought_risk", x[8]));
        v.cadre_quality.push(o("cadre_quality", x[9]));
        v.drought.push(false);
        // Village size: lognormal weight, median 1.
        let z: f64 = rand_distr::Distribution::sample(&rand_distr::StandardNormal, &mut r);
        weights.push((0.5 * z).exp());
    }
    (v, weights)
}

/// First household index of each village (and the total at the end).
pub fn village_bounds(weights: &[f64], households: usize) -> Vec<usize> {
    let total: f64 = weights.iter().sum();
    let n = weights.len();
    let spare = households - n; // every village gets at least one household
    let mut bounds = Vec::with_capacity(n + 1);
    let mut cum = 0.0;
    bounds.push(0);
    for (k, w) in weights.iter().enumerate() {
        cum += w;
        let b = ((cum / total) * spare as f64).round() as usize + k + 1;
        bounds.push(b.min(households));
    }
    bounds[n] = households;
    bounds
}

/// Draw the households.
pub fn households(
    sc: &Scenario,
    streams: &Streams,
    villages: &Villages,
    weights: &[f64],
) -> Households {
    let n = sc.households() as usize;
    let bounds = village_bounds(weights, n);
    let mut h = Households::with_len(n);
    for k in 0..weights.len() {
        h.village[bounds[k]..bounds[k + 1]].fill(k as u32);
    }
    let s = Samplers::new(sc);
    let penalty = sc.file.households.remoteness_penalty as f32;
    let child_max = sc.file.demography.child_schooling_max as f32;
    let year = sc.start_year;
    h.chunks_mut(crate::model::state::CHUNK)
        .into_par_iter()
        .for_each(|c| {
            for j in 0..c.village.len() {
                let i = c.offset + j;
                let mut r = streams.stream(i as u64, year, Purpose::Population);
                let v = c.village[j] as usize;
                let rem = villages.remoteness[v];
                c.adults[j] = s.adults.sample(&mut r).round().clamp(1.0, 20.0) as u8;
                c.children[j] = s.children.sample(&mut r).round().clamp(0.0, 20.0) as u8;
                c.elderly[j] = s.elderly.sample(&mut r).round().clamp(0.0, 20.0) as u8;
                c.schooling[j] = (s.schooling.sample(&mut r) as f32 - penalty * rem).max(0.0);
                c.child_schooling[j] = (c.schooling[j] + 2.0).min(child_max);
                c.skill[j] = s.skill.sample(&mut r) as f32;
                c.health[j] = s.health.sample(&mut r) as f32;
                let members = (c.adults[j] + c.children[j] + c.elderly[j]) as f32;
                c.land[j] = villages.land_per_person[v] * members * s.land.sample(&mut r) as f32;
                // Remote households start with fewer assets: e^(−remoteness).
                c.assets[j] = s.assets.sample(&mut r) as f32 * (-rem).exp();
                c.savings[j] = s.savings.sample(&mut r) as f32 * (-rem).exp();
                c.debt[j] = s.debt.sample(&mut r) as f32;
                c.credit[j] = 0.5;
                c.awareness[j] = s.awareness.sample(&mut r) as f32;
                c.motivation[j] = s.motivation.sample(&mut r) as f32;
                c.ability[j] = s.ability.sample(&mut r) as f32;
            }
        });
    h
}

/// The `[households]` distributions, ready to draw.
pub(crate) struct Samplers {
    adults: Sampler,
    children: Sampler,
    elderly: Sampler,
    schooling: Sampler,
    skill: Sampler,
    health: Sampler,
    land: Sampler,
    assets: Sampler,
    savings: Sampler,
    debt: Sampler,
    awareness: Sampler,
    motivation: Sampler,
    ability: Sampler,
}

impl Samplers {
    pub(crate) fn new(sc: &Scenario) -> Self {
        let d = &sc.file.households;
        Samplers {
            adults: Sampler::new(&d.adults),
            children: Sampler::new(&d.children),
            elderly: Sampler::new(&d.elderly),
            schooling: Sampler::new(&d.schooling),
            skill: Sampler::new(&d.skill),
            health: Sampler::new(&d.health),
            land: Sampler::new(&d.land_factor),
            assets: Sampler::new(&d.assets),
            savings: Sampler::new(&d.savings),
            debt: Sampler::new(&d.debt),
            awareness: Sampler::new(&d.awareness),
            motivation: Sampler::new(&d.motivation),
            ability: Sampler::new(&d.ability),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_cover_every_household_and_village() {
        let w = [1.0, 3.0, 0.5, 2.0];
        let b = village_bounds(&w, 100);
        assert_eq!(b[0], 0);
        assert_eq!(*b.last().unwrap(), 100);
        assert!(b.windows(2).all(|p| p[1] > p[0]), "{b:?}");
    }
}
