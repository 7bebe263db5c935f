//! Household stories: what happened to one household, year by year.
//!
//! A story is read from the engine without touching its per-household loops:
//! the simulation runs as usual, the traced households are watched between
//! module plans ([`Simulation::set_watch`]: which module gave what), and
//! after each year their columns are read (members, income by source, shocks,
//! the register, poverty). [`stories`] picks a few households whose paths are
//! typical: escaped through training, fell back after illness, relocated,
//! stayed poor; it watches a keyed sample of households chosen before the run
//! (all of a small population), so that stories cost one more run of the
//! replicate at any size.

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
    let sim = Simulation::new(sc, replicate)?;
    let n = sim.hh.len();
    if let Some(&bad) = households.iter().find(|&&i| i >= n) {
        return Err(Error::Input(format!(
            "household {bad}: expected a household number from 0 to {}, got {bad}",
            n.saturating_sub(1)
        )));
    }
    Ok(trace_in(sim, sc, replicate, &households))
}

/// [`trace`] on a simulation not yet stepped, of distinct households that exist.
fn trace_in(
    mut sim: Simulation,
    sc: &Scenario,
    replicate: u32,
    households: &[usize],
) -> Vec<Story> {
    sim.set_watch(households.to_vec());
    // Where each watched household's story is, to hand it what the year logged.
    let at: std::collections::HashMap<usize, usize> = households
        .iter()
        .enumerate()
        .map(|(k, &i)| (i, k))
        .collect();
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
        // This year's module effects and demography, by story, in the order logged.
        let mut logs: Vec<Vec<WatchDelta>> = vec![Vec::new(); stories.len()];
        for d in sim.take_watch() {
            if let Some(&k) = at.get(&d.household) {
                logs[k].push(d);
            }
        }
        let mut demo = vec![Default::default(); stories.len()];
        for (i, d) in sim.take_watch_demography() {
            if let Some(&k) = at.get(&i) {
                demo[k] = d;
            }
        }
        let pension = sc.file.income.pension.at(rec.year);
        for (k, s) in stories.iter_mut().enumerate() {
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
            let d: crate::model::household::Demography = demo[k];
            // The pension is paid in phase one, before any module: told as
            // help so the transfers it makes up are not left unexplained.
            let mut help: Vec<Help> = Vec::new();
            let pension_paid = hh.elderly[i] as f64 * pension;
            if alive && pension_paid >= 0.5 {
                help.push(Help {
                    module: "pension".to_string(),
                    paid: pension_paid,
                    ..Help::default()
                });
            }
            help.extend(logs[k].iter().map(help_from));
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
                help,
                members_change: MembersChange {
                    born: d.born,
                    died: d.died_elderly + d.died_adults + d.died_children,
                    grew_up: d.grown,
                    retired: d.retired,
                    left: d.left,
                },
                skill: hh.skill[i] as f64,
                assets: hh.assets[i] as f64,
                savings: hh.savings[i] as f64,
                debt: hh.debt[i] as f64,
            });
        }
    }
    stories
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
    Ok(keyed_order(sc, replicate, pool, n))
}

/// The first `n` of `pool` in their keyed order ([`Purpose::TraceSample`]: a
/// key per household, drawn from no simulation stream, so that choosing moves
/// no other number).
fn keyed_order(sc: &Scenario, replicate: u32, pool: Vec<usize>, n: usize) -> Vec<usize> {
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
    keyed.into_iter().take(n).map(|(_, i)| i).collect()
}

/// The typical paths [`stories`] looks for, in the order they are shown.
pub const PATHS: [&str; 4] = [
    "escaped through training",
    "fell back after illness",
    "relocated",
    "stayed poor",
];

/// A few households of `replicate` whose paths are typical: one per entry of
/// [`PATHS`] that some watched household followed ([`STORIES_WATCHED`]; the
/// first in the keyed order, so the same for the same seed whatever the
/// thread count).
pub fn stories(sc: &Scenario, replicate: u32) -> Result<Vec<Story>> {
    let sim = Simulation::new(sc, replicate)?;
    let watched = keyed_order(sc, replicate, (0..sim.hh.len()).collect(), STORIES_WATCHED);
    let start_skill: Vec<f32> = watched.iter().map(|&i| sim.hh.skill[i]).collect();
    let told = trace_in(sim, sc, replicate, &watched);
    // What each watched household's years say, as the tests of the paths ask.
    let alive = |y: &TraceYear| y.adults as u32 + y.children as u32 + y.elderly as u32 > 0;
    let ill = |y: &TraceYear| y.shocks.iter().any(|s| s == "illness");
    // Trained in year t: skill rose over the year (in the column's own f32).
    let trained = |k: usize, t: usize| {
        let before = match t {
            0 => start_skill[k],
            _ => told[k].years[t - 1].skill as f32,
        };
        told[k].years[t].skill as f32 > before + 1e-4
    };
    let tests: [&dyn Fn(usize) -> bool; 4] = [
        &|k| {
            let y = &told[k].years;
            y.iter().all(alive)
                && y.first().is_some_and(|y| y.poor)
                && y.last().is_some_and(|y| !y.poor)
                && (0..y.len()).any(|t| trained(k, t))
        },
        &|k| {
            let y = &told[k].years;
            (1..y.len()).any(|t| !y[t - 1].poor && ill(&y[t]) && y[t].poor)
        },
        &|k| {
            let y = &told[k].years;
            y.first().is_some_and(|y| !y.relocated) && y.last().is_some_and(|y| y.relocated)
        },
        &|k| {
            let y = &told[k].years;
            !y.is_empty() && y.iter().all(|y| alive(y) && y.poor)
        },
    ];
    let mut chosen: Vec<(usize, &str)> = Vec::new();
    for (test, name) in tests.iter().zip(PATHS) {
        if let Some(k) = (0..told.len()).find(|&k| !chosen.iter().any(|c| c.0 == k) && test(k)) {
            chosen.push((k, name));
        }
    }
    let mut told: Vec<Option<Story>> = told.into_iter().map(Some).collect();
    Ok(chosen
        .into_iter()
        .filter_map(|(k, name)| {
            let mut s = told[k].take()?;
            s.path = Some(name.to_string());
            Some(s)
        })
        .collect())
}

/// Write `out/stories.json` (the [`stories`] of replicate 0), at any population.
pub fn write_stories(sc: &Scenario, out: &std::path::Path) -> Result<std::path::PathBuf> {
    let path = out.join("stories.json");
    let s = stories(sc, 0)?;
    let json = serde_json::to_string_pretty(&s).expect("stories serialize");
    crate::output::atomic::write_file(&path, json.as_bytes())?;
    Ok(path)
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
