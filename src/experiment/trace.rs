//! Household stories: what happened to one household, year by year.
//!
//! A story is read from the engine without touching its per-household loops:
//! the simulation runs as usual, the traced households are watched between
//! module plans ([`Simulation::set_watch`]: which module gave what), and
//! after each year their columns are read (members, income by source, shocks,
//! the register, poverty). [`stories`] picks a few households whose paths are
//! typical: escaped through training, fell back after illness, relocated,
//! stayed poor.

use crate::engine::{Simulation, WatchDelta};
use crate::error::{Error, Result};
use crate::model::state::flag;
pub use crate::output::stories::*;
use crate::rng::Purpose;
use crate::scenario::Scenario;

/// The story of each of `households` (indices from 0; a repeated one is told once) in `replicate`.
pub fn trace(sc: &Scenario, replicate: u32, households: &[usize]) -> Result<Vec<Story>> {
    // Each household once, in the order first asked for (a repeated id would
    // be told again, and the help it got logged once per copy).
    let mut seen = std::collections::HashSet::new();
    let households: Vec<usize> = households
        .iter()
        .copied()
        .filter(|i| seen.insert(*i))
        .collect();
    let households = &households[..];
    let mut sim = Simulation::new(sc, replicate)?;
    let n = sim.hh.len();
    if let Some(&bad) = households.iter().find(|&&i| i >= n) {
        return Err(Error::Input(format!(
            "household {bad}: expected a household number from 0 to {}, got {bad}",
            n.saturating_sub(1)
        )));
    }
    sim.set_watch(households.to_vec());
    let mut stories: Vec<Story> = households
        .iter()
        .map(|&i| {
            let v = sim.hh.village[i];
            Story {
                household: i,
                replicate,
                village: v,
                remoteness: sim.villages.remoteness[v as usize] as f64,
                path: None,
                years: Vec::with_capacity(sc.years as usize),
            }
        })
        .collect();
    for _ in 0..sc.years {
        let rec = sim.step();
        let log = sim.take_watch();
        for s in stories.iter_mut() {
            let i = s.household;
            let hh = &sim.hh;
            let f = hh.flags[i];
            let mut shocks = Vec::new();
            if f & flag::ILL != 0 {
                shocks.push("illness".to_string());
            }
            if f & flag::CROP_LOSS != 0 {
                shocks.push("crop loss".to_string());
            }
            if f & flag::JOB_LOSS != 0 {
                shocks.push("job loss".to_string());
            }
            if sim.villages.drought[hh.village[i] as usize] {
                shocks.push("drought".to_string());
            }
            let alive = hh.members(i) > 0;
            s.years.push(TraceYear {
                year: rec.year,
                adults: hh.adults[i],
                children: hh.children[i],
                elderly: hh.elderly[i],
                migrants: hh.migrants[i],
                income: Income {
                    farm: hh.farm[i] as f64,
                    wage: hh.wage[i] as f64,
                    migrant: hh.migrant[i] as f64,
                    enterprise: hh.enterprise[i] as f64,
                    tourism: hh.tourism[i] as f64,
                    transfers: hh.transfers[i] as f64,
                },
                medical: hh.medical[i] as f64,
                income_pc: hh.income_pc[i] as f64,
                line: rec.line,
                poor: alive && f & flag::POOR != 0,
                registered: f & flag::REGISTERED != 0,
                relocated: f & flag::RELOCATED != 0,
                shocks,
                help: log
                    .iter()
                    .filter(|d| d.household == i)
                    .map(help_from)
                    .collect(),
                skill: hh.skill[i] as f64,
                assets: hh.assets[i] as f64,
                savings: hh.savings[i] as f64,
                debt: hh.debt[i] as f64,
            });
        }
    }
    Ok(stories)
}

/// `n` households picked deterministically (the same for the same seed and
/// replicate): among all households, or only among those poor in `poor_at`.
pub fn sample(sc: &Scenario, replicate: u32, n: usize, poor_at: Option<i32>) -> Result<Vec<usize>> {
    let mut sim = Simulation::new(sc, replicate)?;
    let pool: Vec<usize> = match poor_at {
        None => (0..sim.hh.len()).collect(),
        Some(y) => {
            if y < sc.start_year || y > sc.end_year() {
                return Err(Error::Input(format!(
                    "--poor-at {y}: expected a simulated year from {} to {}, got {y}",
                    sc.start_year,
                    sc.end_year()
                )));
            }
            while sim.year <= y {
                sim.step();
            }
            (0..sim.hh.len())
                .filter(|&i| sim.hh.members(i) > 0 && sim.hh.flags[i] & flag::POOR != 0)
                .collect()
        }
    };
    let mut keyed: Vec<(u64, usize)> = pool
        .into_iter()
        .map(|i| {
            (
                crate::rng::key(sc.seed, replicate, i as u64, 0, Purpose::TraceSample as u64),
                i,
            )
        })
        .collect();
    keyed.sort_unstable();
    Ok(keyed.into_iter().take(n).map(|(_, i)| i).collect())
}

/// The typical paths [`stories`] looks for, in the order they are shown.
pub const PATHS: [&str; 4] = [
    "escaped through training",
    "fell back after illness",
    "relocated",
    "stayed poor",
];

/// A few households of `replicate` whose paths are typical: one per entry of
/// [`PATHS`] that some household followed (chosen deterministically by seed).
pub fn stories(sc: &Scenario, replicate: u32) -> Result<Vec<Story>> {
    // Pass 1: per household and year, a few bits (poor, ill, relocated, trained, alive).
    const POOR: u8 = 1;
    const ILL: u8 = 2;
    const MOVED: u8 = 4;
    const TRAINED: u8 = 8;
    const ALIVE: u8 = 16;
    let mut sim = Simulation::new(sc, replicate)?;
    let n = sim.hh.len();
    let mut bits: Vec<Vec<u8>> = Vec::with_capacity(sc.years as usize);
    let mut skill = sim.hh.skill.clone();
    for _ in 0..sc.years {
        sim.step();
        let hh = &sim.hh;
        let row: Vec<u8> = (0..n)
            .map(|i| {
                let f = hh.flags[i];
                let mut b = 0;
                if hh.members(i) > 0 {
                    b |= ALIVE;
                    if f & flag::POOR != 0 {
                        b |= POOR;
                    }
                }
                if f & flag::ILL != 0 {
                    b |= ILL;
                }
                if f & flag::RELOCATED != 0 {
                    b |= MOVED;
                }
                if hh.skill[i] > skill[i] + 1e-4 {
                    b |= TRAINED;
                }
                b
            })
            .collect();
        skill.copy_from_slice(&hh.skill);
        bits.push(row);
    }
    drop(sim);
    let years = bits.len();
    let has = |i: usize, t: usize, b: u8| bits[t][i] & b != 0;
    let always_alive = |i: usize| (0..years).all(|t| has(i, t, ALIVE));
    let tests: [&dyn Fn(usize) -> bool; 4] = [
        &|i| {
            always_alive(i)
                && has(i, 0, POOR)
                && !has(i, years - 1, POOR)
                && (0..years).any(|t| has(i, t, TRAINED))
        },
        &|i| (1..years).any(|t| !has(i, t - 1, POOR) && has(i, t, ILL) && has(i, t, POOR)),
        &|i| !has(i, 0, MOVED) && has(i, years - 1, MOVED),
        &|i| always_alive(i) && (0..years).all(|t| has(i, t, POOR)),
    ];
    let order = sample(sc, replicate, n, None)?;
    let mut chosen: Vec<(usize, &str)> = Vec::new();
    for (test, name) in tests.iter().zip(PATHS) {
        if let Some(&i) = order
            .iter()
            .find(|&&i| !chosen.iter().any(|c| c.0 == i) && test(i))
        {
            chosen.push((i, name));
        }
    }
    let ids: Vec<usize> = chosen.iter().map(|c| c.0).collect();
    let mut out = trace(sc, replicate, &ids)?;
    for (s, (_, name)) in out.iter_mut().zip(&chosen) {
        s.path = Some(name.to_string());
    }
    Ok(out)
}

/// Largest population for which a run writes stories.json (stories cost two
/// more runs of replicate 0).
pub const STORIES_MAX_HOUSEHOLDS: u64 = 50_000;

/// Write `out/stories.json` (the [`stories`] of replicate 0) unless the
/// population is above [`STORIES_MAX_HOUSEHOLDS`]; an old copy is removed then.
pub fn write_stories(sc: &Scenario, out: &std::path::Path) -> Result<Option<std::path::PathBuf>> {
    let path = out.join("stories.json");
    if sc.households() > STORIES_MAX_HOUSEHOLDS {
        let _ = std::fs::remove_file(&path);
        return Ok(None);
    }
    let s = stories(sc, 0)?;
    let json = serde_json::to_string_pretty(&s).expect("stories serialize");
    crate::output::atomic::write_file(&path, json.as_bytes())?;
    Ok(Some(path))
}

/// What one module did to a watched household: the change of its columns.
fn help_from(d: &WatchDelta) -> Help {
    // A column's change (0 if unchanged), in the column's own type.
    let diff = |c: &str| d.change(c).map_or(0.0, |(b, a)| (a - b) as f64);
    let (b, a) = d.change("flags").unwrap_or_default();
    let (b, a) = (b as u8, a as u8);
    let reg = |f: u8| f & flag::REGISTERED != 0;
    Help {
        module: d.module.to_string(),
        paid: diff("received"),
        skill: diff("skill"),
        assets: diff("assets"),
        debt: diff("debt"),
        loan: diff("loan"),
        shares: diff("shares"),
        awareness: diff("awareness"),
        student_aid: d
            .change("student_aid")
            .map_or(0.0, |(b, a)| (a as f64 - b as f64) / 255.0),
        registered: (reg(a) != reg(b)).then_some(reg(a)),
        relocated: a & flag::RELOCATED != 0 && b & flag::RELOCATED == 0,
    }
}
