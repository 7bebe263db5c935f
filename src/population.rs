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
use crate::model::state::{CHUNK, Households, Villages, flag};
use crate::rng::{Purpose, Streams, sub};
use crate::scenario::{Scenario, Start};
use rand::RngExt;
use rayon::prelude::*;
use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering::Relaxed;

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
            let mut hh = households(sc, streams, &villages, &weights);
            draw_connected(sc, streams, &mut hh);
            Initial {
                villages,
                hh,
                first_state: Vec::new(),
                phase_one_done: false,
                import: None,
            }
        }
        Start::Survey(s) => {
            let mut init = survey::build(sc, s, streams);
            draw_connected(sc, streams, &mut init.hh);
            init
        }
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
        // One stream per village, each attribute at its own slot (see `households`).
        let r = streams.stream(k as u64, sc.start_year, Purpose::Village);
        let x: Vec<f32> = s
            .iter()
            .enumerate()
            .map(|(a, s)| s.sample(&mut r.slot(a as u64)) as f32)
            .collect();
        let o = |key: &str, drawn: f32| observed(k, key).unwrap_or(drawn);
        // Remote villages have worse roads: road access is scaled down with remoteness.
        let remoteness = o("remoteness", x[0]);
        v.remoteness.push(remoteness);
        v.road.push(o("road", x[1] * (1.0 - 0.5 * remoteness)));
        v.water.push(o("water", x[2]));
        v.irrigation.push(o("irrigation", x[3]));
        v.school_quality.push(o("school_quality", x[4]));
        let u: f32 = r.slot(s.len() as u64).random();
        let clinic = if u < x[5] { 1.0 } else { 0.0 };
        v.clinic.push(o("clinic", clinic));
        v.tourism_potential.push(o("tourism_potential", x[6]));
        v.tourism_capacity.push(0.0);
        v.land_per_person.push(o("land_per_person", x[7]));
        v.drought_risk.push(o("drought_risk", x[8]));
        v.cadre_quality.push(o("cadre_quality", x[9]));
        v.drought.push(false);
        // Village size: lognormal weight, median 1.
        let z: f64 = rand_distr::Distribution::sample(
            &rand_distr::StandardNormal,
            &mut r.slot(s.len() as u64 + 1),
        );
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
    // Tables, built once: millions of draws follow (src/model/sample.rs).
    let s = Samplers::tabulated(sc);
    let penalty = sc.file.households.remoteness_penalty as f32;
    let child_max = sc.file.demography.child_schooling_max as f32;
    let year = sc.start_year;
    // Remote households start with fewer assets: e^(−remoteness), once per village.
    let poorer: Vec<f32> = villages.remoteness.iter().map(|r| (-r).exp()).collect();
    let pop = streams.year_purpose(year, Purpose::Population);
    h.chunks_mut(crate::model::state::CHUNK)
        .into_par_iter()
        // One chunk a leaf (see the engine's phase one).
        .with_max_len(1)
        .for_each(|c| {
            // One stream per household, each attribute at its own slot: a
            // distribution that draws more (or is changed) leaves the
            // others' numbers alone. A chunk draws one attribute at a time.
            let keys: Vec<u64> = (0..c.village.len())
                .map(|j| pop.key((c.offset + j) as u64))
                .collect();
            s.adults
                .sample_each(&keys, 0, |j, x| c.adults[j] = count(x, 1.0));
            s.children
                .sample_each(&keys, 1, |j, x| c.children[j] = count(x, 0.0));
            s.elderly
                .sample_each(&keys, 2, |j, x| c.elderly[j] = count(x, 0.0));
            s.schooling.sample_each(&keys, 3, |j, x| {
                let rem = villages.remoteness[c.village[j] as usize];
                c.schooling[j] = (x as f32 - penalty * rem).max(0.0);
                c.child_schooling[j] = (c.schooling[j] + 2.0).min(child_max);
            });
            s.skill.sample_each(&keys, 4, |j, x| c.skill[j] = x as f32);
            s.health
                .sample_each(&keys, 5, |j, x| c.health[j] = x as f32);
            s.land.sample_each(&keys, 6, |j, x| {
                let members = (c.adults[j] + c.children[j] + c.elderly[j]) as f32;
                c.land[j] = villages.land_per_person[c.village[j] as usize] * members * x as f32;
            });
            s.assets.sample_each(&keys, 7, |j, x| {
                c.assets[j] = x as f32 * poorer[c.village[j] as usize]
            });
            s.savings.sample_each(&keys, 8, |j, x| {
                c.savings[j] = x as f32 * poorer[c.village[j] as usize]
            });
            s.debt.sample_each(&keys, 9, |j, x| c.debt[j] = x as f32);
            c.credit.fill(0.5);
            s.awareness
                .sample_each(&keys, 10, |j, x| c.awareness[j] = x as f32);
            s.motivation
                .sample_each(&keys, 11, |j, x| c.motivation[j] = x as f32);
            s.ability
                .sample_each(&keys, 12, |j, x| c.ability[j] = x as f32);
        });
    h
}

/// Mark the households connected to the village cadres ([`flag::CONNECTED`]):
/// household `i` is connected with probability `connected_share · (1 +
/// connected_tilt · (2 r_i − 1))`, `r_i` its rank of assets per person in
/// the county ((rank + ½) / households, ties by index), so the share is
/// `connected_share` on average whatever the tilt. A keyed draw of its own:
/// no other attribute's numbers move, and nothing is drawn at share 0.
pub fn draw_connected(sc: &Scenario, streams: &Streams, hh: &mut Households) {
    let (share, tilt) = (
        sc.file.households.connected_share,
        sc.file.households.connected_tilt,
    );
    if share <= 0.0 {
        return;
    }
    let n = hh.len();
    let wealth = |i: usize| hh.assets[i].max(0.0) / hh.members(i).max(1) as f32;
    // (wealth, index) packed so that the order of the u64s is the order of
    // `total_cmp` then index: each key computed once, not at every comparison.
    let mut order: Vec<u64> = (0..n)
        .into_par_iter()
        .map(|i| crate::measures::pack(wealth(i), i as u32))
        .collect();
    order.par_sort_unstable();
    // Each household's rank, scattered in parallel: `order` holds every
    // index once, so each slot is stored once (relaxed atomics are the safe
    // way to share the column; the values do not depend on the threads).
    let rank: Vec<AtomicU32> = (0..n).into_par_iter().map(|_| AtomicU32::new(0)).collect();
    order
        .par_iter()
        .enumerate()
        .with_min_len(CHUNK)
        .for_each(|(r, &k)| rank[(k & 0xffff_ffff) as usize].store(r as u32, Relaxed));
    let draw = streams.year_purpose_sub(sc.start_year, sub::POPULATION_CONNECTED);
    hh.flags
        .par_iter_mut()
        .zip(rank.par_iter())
        .enumerate()
        .with_min_len(CHUNK)
        .for_each(|(i, (f, r))| {
            let r = (r.load(Relaxed) as f64 + 0.5) / n as f64;
            let p = (share * (1.0 + tilt * (2.0 * r - 1.0))).clamp(0.0, 1.0);
            if draw.uniform(i as u64) < p {
                *f |= flag::CONNECTED;
            }
        });
}

/// A member count: `x` rounded (half up), between `lo` and 20. (Not
/// `f64::round`, a library call on baseline x86-64: the values are ≥ 0.)
#[inline]
fn count(x: f64, lo: f64) -> u8 {
    (x.clamp(lo, 20.0) + 0.5) as u8
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
    /// Samplers that draw directly (a survey's imputations, household by household).
    pub(crate) fn new(sc: &Scenario) -> Self {
        Self::with(sc, Sampler::new)
    }

    /// Samplers through tables (synthesis: millions of draws, see [`Sampler::tabulated`]).
    pub(crate) fn tabulated(sc: &Scenario) -> Self {
        Self::with(sc, Sampler::tabulated)
    }

    fn with(sc: &Scenario, make: fn(&crate::scenario::raw::Dist) -> Sampler) -> Self {
        let d = &sc.file.households;
        Samplers {
            adults: make(&d.adults),
            children: make(&d.children),
            elderly: make(&d.elderly),
            schooling: make(&d.schooling),
            skill: make(&d.skill),
            health: make(&d.health),
            land: make(&d.land_factor),
            assets: make(&d.assets),
            savings: make(&d.savings),
            debt: make(&d.debt),
            awareness: make(&d.awareness),
            motivation: make(&d.motivation),
            ability: make(&d.ability),
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
