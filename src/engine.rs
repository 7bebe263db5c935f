//! The yearly step.
//!
//! One replicate: draw the population, then each year
//!
//! 1. covariate shocks: the county's farm price, each village's drought;
//! 2. phase one of the household update, in parallel over fixed-size chunks:
//!    demography, shocks, labour, market incomes;
//! 3. the modules plan, serially, in a fixed order (targeting first);
//! 4. phase two, in parallel: help received, consumption, saving, assets,
//!    schooling; per-chunk partial sums;
//! 5. the partial sums are added in chunk order and the measures computed on
//!    the sorted per-capita incomes.
//!
//! Chunks have a fixed size ([`CHUNK`]) and partial sums are combined in
//! chunk order, so results do not depend on the number of threads.
//!
//! Why over 600 lines: the yearly step is one sequence (shocks, phase one,
//! the modules, phase two, the record) whose order is the model; the income
//! sort and the reallocation of unspent money serve only it.

use crate::interventions::{self, Ledger, Module, PlanCtx};
use crate::measures::{self, Measures, Packed};
use crate::model::columns::{Named, OwnColumns};
use crate::model::draw::{HouseholdYear, YearDraws};
use crate::model::household::{self, DemographyCounts, YearParams};
use crate::model::kept::KeptFactors;
use crate::model::state::{Households, Villages, flag};
use crate::population;
use crate::recorder::{self, VillageRow, YearRecord};
use crate::rng::Streams;
use crate::scenario::raw::Unspent;
use crate::scenario::{Scenario, Start};
use rayon::prelude::*;

pub use crate::model::state::CHUNK;

/// Per-chunk partial sums of phase two.
#[derive(Clone, Debug, Default)]
struct ChunkTotals {
    households: u64,
    entries: u64,
    exits: u64,
    people: f64,
    poor_people: f64,
    sources_all: [f64; 6],
    sources_poor: [f64; 6],
    /// (village, population, poor, income) runs: households are laid out village by village.
    villages: Vec<(u32, u64, u64, f64)>,
}

/// The state of one replicate as it runs.
pub struct Simulation<'a> {
    pub sc: &'a Scenario,
    pub streams: Streams,
    pub hh: Households,
    pub villages: Villages,
    modules: Vec<Box<dyn Module>>,
    /// The part of the timeline the modules were built from (the history
    /// before a branch year, the scenario itself from it on).
    modules_of: &'a Scenario,
    /// Per module: unspent money carried to its next year (`[budget] unspent = "carry_over"`).
    carry: Vec<f64>,
    /// State in the first year (0 poor, 1 near poor, 2 non-poor), for the transition matrix.
    first_state: Vec<u8>,
    keys: Vec<u64>,
    scratch: Vec<u64>,
    pub year: i32,
    /// Households watched between module plans (empty: off; see [`Simulation::set_watch`]).
    watch: Vec<usize>,
    /// What each module did to the watched households this year.
    watch_log: Vec<WatchDelta>,
    /// What demography did to the watched households this year.
    watch_demography: Vec<(usize, household::Demography)>,
    /// The next year's phase one is done already (a survey's observed year).
    phase_one_done: bool,
    /// Each household's schooling wage factor and return factor, kept
    /// between years (phase one recomputes the first where demography
    /// changes schooling; nothing else writes schooling once the population
    /// is built). Empty at the start: computed in the first year's phase one.
    kept: KeptFactors,
    /// How closely a survey's incomes were reproduced (a survey start).
    pub import: Option<population::survey::ImportReport>,
}

/// A watched household's columns that a module may change, before or
/// after a plan: the household columns declared `[watch]` (model/state.rs)
/// and every module's own columns, in that order ([`Simulation::watch_names`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WatchSnap(pub Vec<f32>);

/// One module's effect on one watched household in one year: the columns
/// that changed, `(name, before, after)` (only changes are logged).
#[derive(Clone, Debug, PartialEq)]
pub struct WatchDelta {
    pub household: usize,
    pub module: &'static str,
    pub changes: Vec<(&'static str, f32, f32)>,
}

impl WatchDelta {
    /// The value of `column` before and after the plan (`None`: unchanged).
    pub fn change(&self, column: &str) -> Option<(f32, f32)> {
        self.changes
            .iter()
            .find(|c| c.0 == column)
            .map(|c| (c.1, c.2))
    }
}

/// What [`Simulation::state`] shows of a replicate: all a save keeps.
pub struct SavedView<'s> {
    pub hh: &'s Households,
    pub villages: &'s Villages,
    pub first_state: &'s Vec<u8>,
    pub modules: Vec<(&'static str, OwnColumns<'s>)>,
}

/// Every module's own state as columns ([`Module::state`]), by module name.
fn module_state(
    modules: &mut [Box<dyn Module>],
    households: usize,
    villages: usize,
) -> Vec<(&'static str, OwnColumns<'_>)> {
    modules
        .iter_mut()
        .map(|m| {
            let name = m.name();
            (name, m.state(households, villages))
        })
        .collect()
}

/// Copy a module's own columns into the module that takes over from it (by
/// column name; through each value's exact text, as a saved state does).
fn hand_over(from: OwnColumns<'_>, to: OwnColumns<'_>) {
    let copy = |from: Vec<Named<'_>>, to: Vec<Named<'_>>| {
        let mut cell = String::new();
        for t in to {
            let Some(f) = from.iter().find(|f| f.name == t.name) else {
                continue;
            };
            t.col.reset(f.col.len());
            for i in 0..f.col.len() {
                cell.clear();
                f.col.write_cell(i, &mut cell);
                let same_type = t.col.push_text(&cell);
                debug_assert!(same_type, "{} changes type across a branch", t.name);
            }
        }
    };
    copy(from.households, to.households);
    copy(from.villages, to.villages);
}

impl<'a> Simulation<'a> {
    /// The initial population of `replicate`: drawn, imported from a survey
    /// or restored from a saved state ([`population::initial`]; reading a
    /// saved state can fail on a bad file). A branched scenario's households
    /// are its history's: drawn by the first part of the timeline.
    pub fn new(sc: &'a Scenario, replicate: u32) -> crate::Result<Self> {
        let first = sc.at(sc.start_year);
        let streams = Streams::new(sc.seed, replicate);
        let mut modules = interventions::build(first);
        // A saved state gives the modules their own columns back.
        let own = match &first.start {
            Start::Saved(st) => module_state(
                &mut modules,
                st.manifest.households as usize,
                st.manifest.villages as usize,
            ),
            _ => Vec::new(),
        };
        let init = population::initial(first, &streams, own)?;
        Ok(Simulation {
            sc,
            streams,
            hh: init.hh,
            villages: init.villages,
            carry: vec![0.0; modules.len()],
            modules,
            modules_of: first,
            first_state: init.first_state,
            keys: Vec::new(),
            scratch: Vec::new(),
            year: sc.start_year,
            watch: Vec::new(),
            watch_log: Vec::new(),
            watch_demography: Vec::new(),
            phase_one_done: init.phase_one_done,
            kept: KeptFactors::default(),
            import: init.import,
        })
    }

    /// The state a save keeps: the households, the villages, each
    /// household's state in the first year of the history (0 poor, 1 near
    /// poor, 2 non-poor) and every module's own columns, by module (sized
    /// to the population: zeros for a module that has not acted yet).
    pub fn state(&mut self) -> SavedView<'_> {
        let (n, nv) = (self.hh.len(), self.villages.len());
        SavedView {
            hh: &self.hh,
            villages: &self.villages,
            first_state: &self.first_state,
            modules: module_state(&mut self.modules, n, nv),
        }
    }

    /// Watch these households (indices; out-of-range ones are ignored): each
    /// year, their columns are read before and after every module's plan and
    /// the changes logged ([`Simulation::take_watch`]). Off by default; costs
    /// nothing for the rest of the population.
    pub fn set_watch(&mut self, households: Vec<usize>) {
        let n = self.hh.len();
        self.watch = households.into_iter().filter(|&i| i < n).collect();
        self.watch_log.clear();
    }

    /// The module effects on watched households logged since the last call.
    pub fn take_watch(&mut self) -> Vec<WatchDelta> {
        std::mem::take(&mut self.watch_log)
    }

    /// Who was born, died, aged or left in each watched household since the
    /// last call (the demography of phase one, replayed on a copy).
    pub fn take_watch_demography(&mut self) -> Vec<(usize, household::Demography)> {
        std::mem::take(&mut self.watch_demography)
    }

    /// The names of a [`WatchSnap`]'s values: the watched household columns,
    /// then each module's own columns.
    pub fn watch_names(&self) -> Vec<&'static str> {
        let own = self
            .modules
            .iter()
            .flat_map(|m| m.columns().iter().copied());
        Households::COLUMNS
            .iter()
            .filter(|c| c.watch)
            .map(|c| c.name)
            .chain(own)
            .collect()
    }

    /// Household `i`'s watched columns (see [`Simulation::watch_names`]).
    fn snap(hh: &Households, modules: &[Box<dyn Module>], i: usize) -> WatchSnap {
        let mut v: Vec<f32> = (0..Households::COLUMNS.len())
            .filter(|&k| Households::COLUMNS[k].watch)
            .map(|k| hh.column(k, i))
            .collect();
        for m in modules {
            v.extend((0..m.columns().len()).map(|k| m.column(k, i)));
        }
        WatchSnap(v)
    }

    /// A module's own column (`module_column("microfinance", "loan")`), one
    /// value per household; `None` for a module not built or a column it
    /// does not have.
    pub fn module_column(&self, module: &str, column: &str) -> Option<Vec<f32>> {
        let m = self.modules.iter().find(|m| m.name() == module)?;
        let k = m.columns().iter().position(|c| *c == column)?;
        Some((0..self.hh.len()).map(|i| m.column(k, i)).collect())
    }

    /// At a branch year: the modules of the new part of the timeline take
    /// over, each with the own state (and carried money) of the module of
    /// the same name it replaces; a module the branch switches off stops.
    fn rebranch(&mut self, sc: &'a Scenario) {
        (self.modules, self.carry) = self.take_over(sc);
        self.modules_of = sc;
    }

    /// The modules of `sc`, each with the own state and carried money of
    /// this replicate's module of the same name.
    fn take_over(&mut self, sc: &Scenario) -> (Vec<Box<dyn Module>>, Vec<f64>) {
        let mut modules = interventions::build(sc);
        let mut carry = vec![0.0; modules.len()];
        let (n, nv) = (self.hh.len(), self.villages.len());
        for (k, m) in modules.iter_mut().enumerate() {
            if let Some(j) = self.modules.iter().position(|o| o.name() == m.name()) {
                hand_over(self.modules[j].state(n, nv), m.state(n, nv));
                carry[k] = self.carry[j];
            }
        }
        (modules, carry)
    }

    /// A copy of this replicate, as it stands before its next year, that
    /// carries on as `sc`: a timeline that runs this one's settings in
    /// every year so far (the caller checks; `compare --decompose` branches
    /// every coalition from one run of the shared history this way). The
    /// households, villages and first-year states are copied, and the
    /// modules `sc` runs next year take over as at a branch year
    /// ([`Simulation::rebranch`]), so stepping the copy gives, byte for
    /// byte, what running `sc` from its start gives (tests/it/decompose.rs).
    pub fn fork<'b>(&mut self, sc: &'b Scenario) -> Simulation<'b> {
        let part = sc.at(self.year);
        let (modules, carry) = self.take_over(part);
        Simulation {
            sc,
            streams: Streams::new(sc.seed, self.streams.replicate),
            hh: self.hh.clone(),
            villages: self.villages.clone(),
            modules,
            modules_of: part,
            carry,
            first_state: self.first_state.clone(),
            keys: Vec::new(),
            scratch: Vec::new(),
            year: self.year,
            watch: Vec::new(),
            watch_log: Vec::new(),
            watch_demography: Vec::new(),
            phase_one_done: self.phase_one_done,
            kept: self.kept.clone(),
            import: None,
        }
    }

    /// Each household's kept factors as phase one last left them (empty
    /// before the first year's phase one).
    pub fn kept_factors(&self) -> &KeptFactors {
        &self.kept
    }

    /// Run one year and return what was recorded.
    pub fn step(&mut self) -> YearRecord {
        let year = self.year;
        // The history's first year: no poverty status from a year before.
        let first = year == self.sc.origin_year;
        let last = year == self.sc.end_year();
        // The part of the timeline whose settings act this year.
        let sc = self.sc.at(year);
        if !std::ptr::eq(sc, self.modules_of) {
            self.rebranch(sc);
        }

        // 1. Covariate shocks.
        let price = household::covariate_shocks(sc, &self.streams, &mut self.villages, year);
        let active: Vec<bool> = self
            .modules
            .iter()
            .map(|m| interventions::active(m.common(), sc, year))
            .collect();
        let disincentive = self
            .modules
            .iter()
            .zip(&active)
            .filter(|(_, a)| **a)
            .map(|(m, _)| m.work_disincentive())
            .fold(0.0f32, f32::max);
        let params = YearParams::new(sc, year, price, disincentive);

        // 2. Phase one (done already in a survey's observed year; for watched
        // households, its demography replayed on a copy first: the same
        // draws give the same people).
        let draws = YearDraws::new(&params, &self.streams);
        let replay = !self.phase_one_done && params.demography;
        for &i in self.watch.iter().filter(|_| replay) {
            let hh = &self.hh;
            let (mut e, mut a, mut c, mut sch) =
                (hh.elderly[i], hh.adults[i], hh.children[i], hh.schooling[i]);
            if e as u32 + a as u32 + c as u32 == 0 {
                continue;
            }
            let hy = HouseholdYear::new(&draws.streams, i as u64);
            let w = household::fixed_draws(&hy);
            let d = household::demography(
                &params,
                &draws,
                &hy,
                &w,
                household::Members {
                    elderly: &mut e,
                    adults: &mut a,
                    children: &mut c,
                    schooling: &mut sch,
                    child_schooling: hh.child_schooling[i],
                },
            );
            self.watch_demography.push((i, d));
        }
        let villages = &self.villages;
        let mut demo = DemographyCounts::default();
        if !std::mem::take(&mut self.phase_one_done) {
            self.kept.refresh(&self.hh.schooling, &params, &draws);
            let counts: Vec<DemographyCounts> = self
                .hh
                .chunks_mut(CHUNK)
                .into_par_iter()
                .zip(self.kept.chunks(CHUNK))
                // One chunk a leaf: rayon splits only as far as threads
                // steal (leaves of a quarter of the chunks on 2 threads),
                // and the other thread waited out the last leaf's tail.
                .with_max_len(1)
                .map(|(mut c, k)| household::phase_one(&mut c, k, &params, villages, &draws))
                .collect();
            for c in counts {
                demo += c;
            }
        }

        // 3. Modules plan, in order.
        let mut ledger = Ledger::default();
        let names = if self.watch.is_empty() {
            Vec::new()
        } else {
            self.watch_names()
        };
        {
            let mut ctx = PlanCtx {
                sc,
                year,
                params: &params,
                streams: &self.streams,
                hh: &mut self.hh,
                villages: &mut self.villages,
                stats: Default::default(),
            };
            let unspent = sc
                .file
                .budget
                .as_ref()
                .map_or(Unspent::Return, |b| b.unspent);
            // Money moved this year from modules that acted earlier (reallocate).
            let mut inflow = vec![0.0f64; active.len()];
            // What the last modules leave (no module after them): next year's, by share.
            let mut next_year = 0.0f64;
            for (k, &on) in active.iter().enumerate() {
                let name = self.modules[k].name();
                if on {
                    let common = self.modules[k].common();
                    let extra = inflow[k] + std::mem::take(&mut self.carry[k]);
                    ledger.moved += extra;
                    let budget = interventions::budget(common, sc, year).map(|b| b + extra);
                    let movable = interventions::package(common, sc, year).unwrap_or(0.0) + extra;
                    let before: Vec<WatchSnap> = self
                        .watch
                        .iter()
                        .map(|&i| Self::snap(ctx.hh, &self.modules, i))
                        .collect();
                    let row = self.modules[k].plan(&mut ctx, budget, &mut ledger);
                    ctx.stats.after(self.modules[k].touches());
                    for (&i, b) in self.watch.iter().zip(before) {
                        let after = Self::snap(ctx.hh, &self.modules, i);
                        if after != b {
                            let changes = names
                                .iter()
                                .zip(b.0.iter().zip(&after.0))
                                .filter(|(_, (x, y))| x != y)
                                .map(|(n, (x, y))| (*n, *x, *y))
                                .collect();
                            self.watch_log.push(WatchDelta {
                                household: i,
                                module: name,
                                changes,
                            });
                        }
                    }
                    // What is left of the movable money: the standing part is spent first.
                    let left = budget.map_or(0.0, |b| {
                        (b - row.spent - row.returned).max(0.0).min(movable)
                    });
                    match unspent {
                        Unspent::Return => {}
                        Unspent::CarryOver => self.carry[k] = left,
                        Unspent::Reallocate => {
                            next_year += reallocate(&self.modules, &active, k, left, &mut inflow)
                        }
                    }
                    ledger.spending.push(row);
                } else {
                    ledger.spending.push(interventions::SpendRow {
                        module: name,
                        budget: Some(0.0),
                        ..Default::default()
                    });
                }
            }
            let shares: Vec<f64> = (0..self.modules.len())
                .map(|j| self.modules[j].common().budget_share.unwrap_or(0.0))
                .collect();
            let total: f64 = shares.iter().sum();
            if next_year > 0.0 && total > 0.0 {
                for (c, s) in self.carry.iter_mut().zip(&shares) {
                    *c += next_year * s / total;
                }
            }
        }

        // 4. Phase two.
        let villages = &self.villages;
        let line = params.line;
        let totals: Vec<ChunkTotals> = self
            .hh
            .chunks_mut(CHUNK)
            .into_par_iter()
            .with_max_len(1)
            .map(|mut c| {
                let mut t = ChunkTotals::default();
                for j in 0..c.village.len() {
                    let y = household::phase_two_household(&mut c, j, &params, villages);
                    let m = c.adults[j] as u64 + c.children[j] as u64 + c.elderly[j] as u64;
                    if m == 0 {
                        continue;
                    }
                    let poor = y < line;
                    let was = c.flags[j] & flag::POOR != 0;
                    if !first {
                        t.entries += if poor && !was { m } else { 0 };
                        t.exits += if !poor && was { m } else { 0 };
                    }
                    if poor {
                        c.flags[j] |= flag::POOR;
                    } else {
                        c.flags[j] &= !flag::POOR;
                    }
                    t.households += 1;
                    t.people += m as f64;
                    let src = [
                        c.farm[j],
                        c.wage[j],
                        c.migrant[j],
                        c.enterprise[j],
                        c.tourism[j],
                        c.transfers[j],
                    ];
                    for (k, s) in src.iter().enumerate() {
                        t.sources_all[k] += *s as f64;
                        if poor {
                            t.sources_poor[k] += *s as f64;
                        }
                    }
                    if poor {
                        t.poor_people += m as f64;
                    }
                    let v = c.village[j];
                    let income = y as f64 * m as f64;
                    match t.villages.last_mut() {
                        Some(last) if last.0 == v => {
                            last.1 += m;
                            last.2 += if poor { m } else { 0 };
                            last.3 += income;
                        }
                        _ => t.villages.push((v, m, if poor { m } else { 0 }, income)),
                    }
                }
                t
            })
            .collect();

        // 5. Combine in chunk order; measures on sorted incomes.
        let nv = self.villages.len();
        let mut vrows: Vec<VillageRow> = (0..nv)
            .map(|v| VillageRow {
                remoteness: self.villages.remoteness[v],
                ..Default::default()
            })
            .collect();
        let (mut households, mut entries, mut exits, mut people, mut poor_people) =
            (0u64, 0u64, 0u64, 0.0f64, 0.0f64);
        let (mut sa, mut sp) = ([0.0f64; 6], [0.0f64; 6]);
        for t in &totals {
            households += t.households;
            entries += t.entries;
            exits += t.exits;
            people += t.people;
            poor_people += t.poor_people;
            for k in 0..6 {
                sa[k] += t.sources_all[k];
                sp[k] += t.sources_poor[k];
            }
            for &(v, pop, poor, inc) in &t.villages {
                let r = &mut vrows[v as usize];
                r.population += pop;
                r.poor += poor;
                r.income += inc;
            }
        }
        // People moved to resettlement sites, from their origin village (they stay counted there).
        for &(v, moved) in &ledger.relocations {
            vrows[v as usize].relocated_out += moved;
        }
        for k in 0..6 {
            sa[k] = if people > 0.0 { sa[k] / people } else { 0.0 };
            sp[k] = if poor_people > 0.0 {
                sp[k] / poor_people
            } else {
                0.0
            };
        }
        sorted_incomes(&self.hh, &mut self.keys, &mut self.scratch);
        let sorted = Packed(&self.keys);
        let measures = Measures::of_sorted(&sorted, line as f64, params.extreme_line as f64);

        let distribution = (self.streams.replicate == 0 && (year == sc.start_year || last))
            .then(|| recorder::histogram(&sorted));
        let near = params.near_poor_line;
        let state_of = |y: f32| -> u8 {
            if y < line {
                0
            } else if y < near {
                1
            } else {
                2
            }
        };
        if first {
            self.first_state = self.hh.income_pc.iter().map(|&y| state_of(y)).collect();
        }
        let transitions = last.then(|| {
            let mut m = [[0u64; 3]; 3];
            for i in 0..self.hh.len() {
                let n = self.hh.members(i) as u64;
                if n > 0 {
                    m[self.first_state[i] as usize][state_of(self.hh.income_pc[i]) as usize] += n;
                }
            }
            m
        });

        self.year += 1;
        YearRecord {
            replicate: self.streams.replicate,
            year,
            measures,
            households,
            entries,
            exits,
            births: demo.births,
            deaths: demo.deaths,
            out_migrants: demo.out_migrants,
            line: line as f64,
            extreme_line: params.extreme_line as f64,
            sources_all: sa,
            sources_poor: sp,
            villages: vrows,
            ledger,
            distribution,
            transitions,
        }
    }
}

/// `[budget] unspent = "reallocate"`: module `k`'s unspent `left` moves to
/// the active modules acting after it this year, in proportion to their
/// `budget_share`s; with none after it, `left` is returned to the caller
/// (which hands it to next year's modules by share).
fn reallocate(
    modules: &[Box<dyn Module>],
    active: &[bool],
    k: usize,
    left: f64,
    inflow: &mut [f64],
) -> f64 {
    if left <= 0.0 {
        return 0.0;
    }
    let share = |j: usize| {
        if active[j] {
            modules[j].common().budget_share.unwrap_or(0.0)
        } else {
            0.0
        }
    };
    let total: f64 = (k + 1..modules.len()).map(share).sum();
    if total <= 0.0 {
        return left;
    }
    for (j, f) in inflow.iter_mut().enumerate().skip(k + 1) {
        *f += left * share(j) / total;
    }
    0.0
}

/// Every household's (per-capita income, members) packed in a `u64`
/// ([`measures::pack`]; the dissolved with weight 0, which the measures
/// skip), in ascending order. Equal keys are equal values, so the sorted
/// array is the one answer whatever the order of the work: the sort may
/// split it by the number of threads.
fn sorted_incomes(hh: &Households, keys: &mut Vec<u64>, scratch: &mut Vec<u64>) {
    let n = hh.len();
    scratch.resize(n, 0);
    scratch
        .par_chunks_mut(CHUNK)
        .enumerate()
        .with_max_len(1)
        .for_each(|(c, out)| {
            for (j, k) in out.iter_mut().enumerate() {
                let i = c * CHUNK + j;
                *k = measures::pack(hh.income_pc[i], hh.members(i));
            }
        });
    if n < SORT_BUCKETS {
        // Small populations: one sort beats 2^16 buckets.
        scratch.sort_unstable();
    } else {
        bucket_sort(scratch, keys);
    }
    std::mem::swap(keys, scratch);
}

/// Buckets of the income sort: the top 16 bits of the key (sign, exponent
/// and 7 bits of the mantissa: 1/128 of an octave), so that each fits in cache.
const SORT_BUCKETS: usize = 1 << 16;

/// Sort `keys` in place, using `spare` (any content) as room. Each of a few
/// segments is ordered by bucket into `spare` (a counting sort, in
/// parallel); then bucket by bucket, in parallel, the segments' runs of the
/// bucket are gathered back into `keys` and sorted.
fn bucket_sort(keys: &mut [u64], spare: &mut Vec<u64>) {
    let n = keys.len();
    let bucket = |k: u64| (k >> 48) as usize;
    let segments = rayon::current_num_threads().clamp(1, 16);
    let seg_len = n.div_ceil(segments);
    spare.resize(n, 0);
    // starts[s][b]: where bucket b begins in segment s (b = SORT_BUCKETS: its end).
    let starts: Vec<Vec<u32>> = keys
        .par_chunks(seg_len)
        .zip(spare.par_chunks_mut(seg_len))
        .map(|(from, to)| {
            let mut start = vec![0u32; SORT_BUCKETS + 1];
            for &k in from {
                start[bucket(k) + 1] += 1;
            }
            for b in 0..SORT_BUCKETS {
                start[b + 1] += start[b];
            }
            let mut next = start.clone();
            for &k in from {
                let b = bucket(k);
                to[next[b] as usize] = k;
                next[b] += 1;
            }
            start
        })
        .collect();
    // Split `keys` into the buckets of the result.
    let mut buckets: Vec<(usize, &mut [u64])> = Vec::new();
    let mut rest: &mut [u64] = keys;
    for b in 0..SORT_BUCKETS {
        let len: usize = starts.iter().map(|s| (s[b + 1] - s[b]) as usize).sum();
        if len > 0 {
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(len);
            buckets.push((b, head));
            rest = tail;
        }
    }
    let spare = &spare[..];
    buckets
        .par_iter_mut()
        .with_min_len(64)
        .with_max_len(64)
        .for_each(|(b, out)| {
            let mut at = 0;
            for (s, start) in starts.iter().enumerate() {
                let (lo, hi) = (start[*b] as usize, start[*b + 1] as usize);
                let run = &spare[s * seg_len + lo..s * seg_len + hi];
                out[at..at + run.len()].copy_from_slice(run);
                at += run.len();
            }
            out.sort_unstable();
        });
}

/// Run one replicate to the end, handing each year's record to `sink`.
pub fn run_replicate(
    sc: &Scenario,
    replicate: u32,
    mut sink: impl FnMut(YearRecord),
) -> crate::Result<()> {
    let mut sim = Simulation::new(sc, replicate)?;
    for _ in 0..sc.years {
        sink(sim.step());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_budget_is_the_columns_widths() {
        assert_eq!(
            (Households::BYTES_PER_HOUSEHOLD + interventions::MODULE_COLUMN_BYTES) as u64,
            crate::scenario::limits::STATE_BYTES_PER_HOUSEHOLD
        );
    }

    #[test]
    fn incomes_are_sorted_with_their_weights_small_and_large() {
        use crate::rng::Stream;
        use rand::RngExt;
        // Below and above the bucket threshold, with ties, negatives, zeros and the dead.
        for n in [1_000usize, 150_000] {
            let mut hh = Households::with_len(n);
            let mut r = Stream::from_key(n as u64);
            for i in 0..n {
                hh.adults[i] = r.random_range(0..4u8);
                hh.children[i] = r.random_range(0..3u8);
                let u: f32 = r.random();
                hh.income_pc[i] = match i % 5 {
                    0 => 2300.0,
                    1 => -50.0 * u,
                    2 => 0.0,
                    _ => 40_000.0 * u * u,
                };
            }
            let mut expect: Vec<(f64, f64)> = (0..n)
                .filter(|&i| hh.members(i) > 0)
                .map(|i| (hh.income_pc[i] as f64, hh.members(i) as f64))
                .collect();
            expect.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
            // The sort splits its work by the number of threads: the answer is one.
            let mut answers = Vec::new();
            for threads in [1, 3] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let (mut keys, mut scratch) = (Vec::new(), Vec::new());
                pool.install(|| sorted_incomes(&hh, &mut keys, &mut scratch));
                assert_eq!(keys.len(), n);
                let got: Vec<(f64, f64)> = keys
                    .iter()
                    .map(|&k| measures::unpack(k))
                    .filter(|o| o.weight > 0.0)
                    .map(|o| (o.income, o.weight))
                    .collect();
                // -0.0 and 0.0 compare equal as incomes; total_cmp orders them.
                assert_eq!(got.len(), expect.len());
                for (g, e) in got.iter().zip(&expect) {
                    assert!(g.0 == e.0 && g.1 == e.1, "{g:?} vs {e:?}");
                }
                answers.push(keys);
            }
            assert_eq!(answers[0], answers[1]);
        }
    }
}
