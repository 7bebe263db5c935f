//! Synthetic villages and households drawn from the scenario's distributions.
//!
//! Villages get their attributes from the `[villages]` distributions and a
//! size (a lognormal weight); households are laid out village by village, so
//! a chunk of households touches few villages. Every draw comes from the
//! keyed stream of its village or household, so the population is the same
//! whatever the thread count, and the same in every scenario that shares the
//! distributions (common random numbers start here).

use crate::model::sample::Sampler;
use crate::model::state::{Households, Villages};
use crate::rng::{Purpose, Streams};
use crate::scenario::Scenario;
use rand::RngExt;
use rayon::prelude::*;

/// Draw the villages.
pub fn villages(sc: &Scenario, streams: &Streams) -> (Villages, Vec<f64>) {
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
    let n = sc.villages as usize;
    let mut v = Villages::default();
    let mut weights = Vec::with_capacity(n);
    for k in 0..n {
        let mut r = streams.stream(k as u64, sc.start_year, Purpose::Village);
        let x: Vec<f32> = s.iter().map(|s| s.sample(&mut r) as f32).collect();
        // Remote villages have worse roads: road access is scaled down with remoteness.
        v.remoteness.push(x[0]);
        v.road.push(x[1] * (1.0 - 0.5 * x[0]));
        v.water.push(x[2]);
        v.irrigation.push(x[3]);
        v.school_quality.push(x[4]);
        v.clinic
            .push(if r.random::<f32>() < x[5] { 1.0 } else { 0.0 });
        v.tourism_potential.push(x[6]);
        v.tourism_capacity.push(0.0);
        v.land_per_person.push(x[7]);
        v.drought_risk.push(x[8]);
        v.cadre_quality.push(x[9]);
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
    let d = &sc.file.households;
    let s = Samplers {
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
    };
    let penalty = d.remoteness_penalty as f32;
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

struct Samplers {
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
