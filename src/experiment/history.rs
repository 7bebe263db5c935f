//! One run of a shared history per replicate, forked by every scenario that
//! shares it.
//!
//! A branched package (`simulation.branch_year`) runs its history's settings
//! before the branch year, so the scenarios an analysis runs at its design
//! points (or a comparison's scenarios) run the same years before it, byte
//! for byte, whenever their overrides leave the history alone. Running those
//! years again for every point is wasted: in the full county they are six
//! of thirteen years, nearly half of a run. [`SharedHistory::run`] runs each
//! replicate's history once and keeps it standing before the branch year;
//! [`start`] forks it ([`Simulation::fork`], the way `compare --decompose`
//! branches its coalitions) for a scenario that shares it, and starts from
//! scratch otherwise; `compare`, `--param-draws`, sensitivity and sweep use
//! it. Stepping a fork gives what running the scenario from its start
//! gives, byte for byte (tests/it/history.rs), so sharing changes the speed
//! of an analysis and nothing of its outputs.
//!
//! Kept histories cost memory (a replicate's state each), so histories are
//! shared only when all of them fit in a quarter of the memory available;
//! otherwise every run starts from scratch, as before.

use crate::engine::Simulation;
use crate::error::Result;
use crate::experiment::interrupted;
use crate::recorder::TRAJECTORY_COLUMNS;
use crate::scenario::Scenario;
use crate::scenario::limits::replicates_held;
use std::sync::Mutex;

/// A year's row of trajectory.csv.
pub type Row = [f64; TRAJECTORY_COLUMNS.len()];

/// Each replicate's history, run once and kept standing before the branch year.
pub struct SharedHistory<'h> {
    /// The scenario whose history was run.
    reference: &'h Scenario,
    /// The branch year: the first year a fork runs.
    year: i32,
    /// Per replicate, the run standing before `year` (forking needs it
    /// mutably: the modules hand their own state over).
    runs: Vec<Mutex<Simulation<'h>>>,
    /// Per replicate, the trajectory rows of the years before `year`.
    rows: Vec<Vec<Row>>,
    /// Per replicate, what the modules spent in each year before `year`.
    spent: Vec<Vec<f64>>,
}

/// A replicate's run as it starts: the rows of the years already run (the
/// shared history's, when forked) and the money the modules spent in each,
/// and the simulation standing before its next year.
pub struct Start<'b> {
    pub rows: Vec<Row>,
    pub spent: Vec<f64>,
    pub sim: Simulation<'b>,
}

impl<'h> SharedHistory<'h> {
    /// Run the history of `reference` (branched) once for each of its
    /// replicates, each run in parallel inside. `None` when `reference` is
    /// not branched, the kept histories would not fit in a quarter of the
    /// memory available, or an interrupt was asked for (the caller's own
    /// runs see it at their first year and stop as they always do).
    pub fn run(reference: &'h Scenario) -> Result<Option<SharedHistory<'h>>> {
        let Some(year) = reference.branch_year() else {
            return Ok(None);
        };
        if u64::from(reference.replicates) > replicates_held(reference) {
            return Ok(None);
        }
        let (mut runs, mut rows, mut spent) = (Vec::new(), Vec::new(), Vec::new());
        for rep in 0..reference.replicates {
            let mut sim = Simulation::new(reference, rep)?;
            let (mut r, mut s) = (Vec::new(), Vec::new());
            while sim.year < year {
                if interrupted() {
                    return Ok(None);
                }
                let record = sim.step();
                r.push(record.trajectory_values());
                s.push(record.ledger.spending.iter().map(|m| m.spent).sum());
            }
            runs.push(Mutex::new(sim));
            rows.push(r);
            spent.push(s);
        }
        Ok(Some(SharedHistory {
            reference,
            year,
            runs,
            rows,
            spent,
        }))
    }

    /// The branch year: the first year a fork runs.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// Whether replicate `rep` of `sc` runs this history, byte for byte,
    /// before the branch year: the same seed, first year and size, a
    /// replicate that was run, a run that reaches the branch year, and the
    /// same settings acting in every year before it.
    pub fn shared_by(&self, sc: &Scenario, rep: u32) -> bool {
        let r = self.reference;
        (rep as usize) < self.runs.len()
            && sc.seed == r.seed
            && sc.start_year == r.start_year
            && sc.origin_year == r.origin_year
            && sc.households() == r.households()
            && sc.villages == r.villages
            && sc.end_year() >= self.year
            && sc.shares_history(r, self.year).is_ok()
    }
}

/// Replicate `rep` of `sc`, ready to step: forked from `history` when `sc`
/// shares it, else from its first year.
pub fn start<'b>(
    history: Option<&SharedHistory<'_>>,
    sc: &'b Scenario,
    rep: u32,
) -> Result<Start<'b>> {
    match history {
        Some(h) if h.shared_by(sc, rep) => {
            let sim = h.runs[rep as usize]
                .lock()
                .expect("a history's lock")
                .fork(sc);
            Ok(Start {
                rows: h.rows[rep as usize].clone(),
                spent: h.spent[rep as usize].clone(),
                sim,
            })
        }
        _ => Ok(Start {
            rows: Vec::new(),
            spent: Vec::new(),
            sim: Simulation::new(sc, rep)?,
        }),
    }
}
