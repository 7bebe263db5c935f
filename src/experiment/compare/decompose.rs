//! `compare --decompose`: which of a reform's modules did what.
//!
//! The players are the modules whose sections differ between the base and
//! the reform (after `extends` and `--set`). A coalition S is the base with
//! the modules of S switched to the reform's sections, all of them under the
//! reform's `[budget]` (the package total that the modules' `budget_share`s
//! divide, and its unspent rule): so a module switched on brings its share of
//! the package. Where the two `[budget]`s differ, the change of `[budget]`
//! alone (v(∅) − the base: the base's modules under the reform's budget; zero
//! when the base's modules take no share of it, as in the L County status
//! quo) is its own row, "budget", ahead of the modules; the modules share
//! v(full) − v(∅), and the rows add up to the reform − base difference, the
//! row "total".
//!
//! - Shapley (the default): φ_m = Σ_{S ∌ m} |S|!(n−|S|−1)!/n! · (v(S∪{m}) − v(S)),
//!   over all 2ⁿ coalitions up to [`EXACT_UP_TO`] players; above, an
//!   estimate: the mean marginal contribution over [`PERMUTATIONS`] random
//!   orders of the players (one keyed stream, [`Purpose::DecomposeOrder`],
//!   the same orders for every replicate), which still adds up exactly.
//! - One at a time: v({m}) − v(∅); cheaper (n + 2 runs) and need not add up.
//!
//! Every coalition runs with the base's seed in each replicate (common
//! random numbers), and all of a replicate's coalitions branch from one run
//! of the shared history ([`Simulation::fork`] at the first compared year),
//! in parallel, results gathered in coalition order. The contributions are
//! taken replicate by replicate and summarised with 90% intervals
//! (none with fewer than 2 replicates).

use crate::engine::Simulation;
use crate::error::{Error, Result};
use crate::experiment::interrupted;
pub use crate::output::decomposition::*;
use crate::rng::{Purpose, SplitMix, key};
use crate::scenario::Scenario;
use crate::scenario::modules::ORDER;
use crate::scenario::validate::first_difference;
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::sync::Mutex;

/// Exact Shapley values up to this many players (2⁹ = 512 runs a replicate).
pub const EXACT_UP_TO: usize = 9;
/// Random orders of the players behind a sampled Shapley estimate.
pub const PERMUTATIONS: usize = 64;

/// How contributions are attributed, and how far the exact sum goes.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub method: Method,
    /// Above this many players the Shapley values are sampled.
    pub exact_up_to: usize,
    /// Random orders of a sampled estimate.
    pub permutations: usize,
}

impl Options {
    pub fn new(method: Method) -> Self {
        Options {
            method,
            exact_up_to: EXACT_UP_TO,
            permutations: PERMUTATIONS,
        }
    }
}

/// The modules whose settings differ between `base` and `reform`, in the
/// order they act, after checking that nothing else differs from `from`
/// (the first compared year) on: both must run their own settings from
/// `from` (unbranched, or branched in `from`), and their settings there may
/// differ only in module sections and `[budget]`. A bad pair is one located
/// line.
pub fn players(base: &Scenario, reform: &Scenario, from: i32) -> Result<Vec<&'static str>> {
    for sc in [base, reform] {
        if let Some(b) = sc.branch_year()
            && b != from
        {
            return Err(sc.origins.error(
                "simulation.branch_year",
                format!(
                    "expected the first compared year {from} for a decomposition (its coalitions mix the modules of scenarios that change in the same year), got {b}"
                ),
            ));
        }
    }
    let (mut a, mut b) = (base.settings(), reform.settings());
    let (ia, ib) = (take(&mut a, "interventions"), take(&mut b, "interventions"));
    take(&mut a, "budget");
    take(&mut b, "budget");
    if let Some(k) = first_difference("", &a, &b) {
        return Err(reform.origins.error(
            &k,
            format!(
                "expected the value of the base {} from {from} on (a decomposition switches only module settings and [budget]), got a different one",
                base.name
            ),
        ));
    }
    let section = |t: &Option<toml::Value>, m: &str| t.as_ref().and_then(|t| t.get(m)).cloned();
    Ok(ORDER
        .iter()
        .copied()
        .filter(|m| section(&ia, m) != section(&ib, m))
        .collect())
}

fn take(v: &mut toml::Value, k: &str) -> Option<toml::Value> {
    v.as_table_mut().and_then(|t| t.remove(k))
}

/// Coalition `mask` (bit k: player k switched to the reform): the reform
/// with every other player's section the base's.
pub fn coalition(base: &Scenario, reform: &Scenario, players: &[&str], mask: u64) -> Scenario {
    let mut sc = reform.clone();
    for (k, m) in players.iter().enumerate() {
        if mask & (1 << k) == 0 {
            sc.file
                .interventions
                .take_section(m, &base.file.interventions);
        }
    }
    sc
}

/// Whether the reform's `[budget]` differs from the base's.
pub fn budget_differs(base: &Scenario, reform: &Scenario) -> bool {
    let b = |sc: &Scenario| sc.settings().get("budget").cloned();
    b(base) != b(reform)
}

/// The values of one coalition in one replicate: per compared year, the
/// headcount ratio, minus the persons poor (so that a contribution is
/// person-years averted), the gap, FGT2, Watts and realised spending.
type Values = Vec<[f64; MEASURES.len()]>;

/// Run `coalitions` in replicate `rep` from the first compared year `from`:
/// one run of the shared history (the base's years before `from`), every
/// coalition branched from a copy of its state, in parallel.
pub fn values(
    base: &Scenario,
    coalitions: &[Scenario],
    from: i32,
    rep: u32,
) -> Result<Vec<Values>> {
    values_with_progress(base, coalitions, from, rep, &|| {})
}

/// [`values`], calling `tick` after each coalition's run (a progress bar).
pub fn values_with_progress(
    base: &Scenario,
    coalitions: &[Scenario],
    from: i32,
    rep: u32,
    tick: &(dyn Fn() + Sync),
) -> Result<Vec<Values>> {
    let col = crate::recorder::trajectory_column;
    let k = [
        col("headcount_ratio"),
        col("poor"),
        col("poverty_gap"),
        col("poverty_severity"),
        col("watts"),
    ];
    let history = if from > base.start_year {
        let mut sim = Simulation::new(base, rep)?;
        while sim.year < from {
            sim.step();
        }
        Some(Mutex::new(sim))
    } else {
        None
    };
    coalitions
        .par_iter()
        .map(|sc| {
            let mut sim = match &history {
                Some(h) => h.lock().expect("history lock").fork(sc),
                None => Simulation::new(sc, rep)?,
            };
            let mut out = Vec::new();
            while sim.year <= sc.end_year() {
                if interrupted() {
                    return Err(Error::Interrupted("no outputs written".into()));
                }
                let r = sim.step();
                let t = r.trajectory_values();
                let spent = r.ledger.spending.iter().map(|s| s.spent).sum();
                out.push([t[k[0]], -t[k[1]], t[k[2]], t[k[3]], t[k[4]], spent]);
            }
            tick();
            Ok(out)
        })
        .collect()
}

/// The coalitions a method needs (masks, ascending), per player the
/// weighted marginal contributions `(weight, with, without)` whose sum is its
/// contribution ([`attribute`]), and the number of random orders of a
/// sampled estimate (`None`: exact).
pub struct Plan {
    pub masks: Vec<u64>,
    pub terms: Vec<Vec<(f64, u64, u64)>>,
    pub sampled: Option<usize>,
}

impl Plan {
    pub fn new(n: usize, o: &Options, seed: u64) -> Plan {
        let full = full(n);
        let mut terms = vec![Vec::new(); n];
        let mut masks = BTreeSet::from([0, full]);
        let mut sampled = None;
        match o.method {
            Method::OneAtATime => {
                for (m, t) in terms.iter_mut().enumerate() {
                    masks.insert(1 << m);
                    t.push((1.0, 1 << m, 0));
                }
            }
            Method::Shapley if n <= o.exact_up_to => {
                // |S|!(n−|S|−1)!/n!
                let fact = |k: usize| (1..=k).map(|i| i as f64).product::<f64>();
                for s in 0..=full {
                    masks.insert(s);
                    let size = s.count_ones() as usize;
                    for (m, t) in terms.iter_mut().enumerate() {
                        if s & (1 << m) == 0 {
                            let w = fact(size) * fact(n - size - 1) / fact(n);
                            t.push((w, s | (1 << m), s));
                        }
                    }
                }
            }
            Method::Shapley => {
                let mut g = SplitMix(key(seed, 0, n as u64, 0, Purpose::DecomposeOrder as u64));
                let w = 1.0 / o.permutations as f64;
                for _ in 0..o.permutations {
                    // Fisher–Yates.
                    let mut order: Vec<usize> = (0..n).collect();
                    for i in (1..n).rev() {
                        order.swap(i, g.below(i + 1));
                    }
                    let mut s = 0u64;
                    for m in order {
                        masks.insert(s | (1 << m));
                        terms[m].push((w, s | (1 << m), s));
                        s |= 1 << m;
                    }
                }
                sampled = Some(o.permutations);
            }
        }
        Plan {
            masks: masks.into_iter().collect(),
            terms,
            sampled,
        }
    }

    /// Each player's contribution in the game `v` (a value per coalition mask).
    pub fn attribute(&self, v: impl Fn(u64) -> f64) -> Vec<f64> {
        self.terms
            .iter()
            .map(|t| t.iter().map(|&(w, a, b)| w * (v(a) - v(b))).sum())
            .collect()
    }
}

/// The coalition of all `n` players.
fn full(n: usize) -> u64 {
    if n == 0 { 0 } else { u64::MAX >> (64 - n) }
}

/// Decompose `reform − base` over the modules that differ (`from`: the
/// first compared year; the pair is checked by [`players`]).
pub fn decompose(
    base: &Scenario,
    reform: &Scenario,
    from: i32,
    o: &Options,
    tick: &(dyn Fn() + Sync),
) -> Result<ReformDecomposition> {
    let players = players(base, reform, from)?;
    let n = players.len();
    if n > 62 {
        return Err(Error::Input(format!(
            "{}: expected at most 62 modules that differ from the base, got {n}",
            reform.name
        )));
    }
    let plan = Plan::new(n, o, base.seed);
    let mut coalitions: Vec<Scenario> = plan
        .masks
        .iter()
        .map(|&m| coalition(base, reform, &players, m))
        .collect();
    // The base itself, after the coalitions, where [budget] alone changes something.
    let budget = budget_differs(base, reform);
    if budget {
        coalitions.push(base.clone());
    }
    let at = |mask: u64| {
        plan.masks
            .binary_search(&mask)
            .expect("a planned coalition")
    };
    let full = full(n);
    let years: Vec<i32> = (from..=base.end_year()).collect();
    // [replicate][player, the budget, the total][year][measure]
    let mut per_rep = Vec::new();
    for rep in 0..base.replicates {
        let v = values_with_progress(base, &coalitions, from, rep, tick)?;
        let base_v = if budget { v.len() - 1 } else { at(0) };
        let mut rows = vec![vec![[0.0; MEASURES.len()]; years.len()]; n + 2];
        for t in 0..years.len() {
            for k in 0..MEASURES.len() {
                let phi = plan.attribute(|m| v[at(m)][t][k]);
                for (p, x) in phi.into_iter().enumerate() {
                    rows[p][t][k] = x;
                }
                rows[n][t][k] = v[at(0)][t][k] - v[base_v][t][k];
                rows[n + 1][t][k] = v[at(full)][t][k] - v[base_v][t][k];
            }
        }
        if !budget {
            rows.remove(n);
        }
        per_rep.push(rows);
    }
    let names: Vec<String> = players
        .iter()
        .map(|p| p.to_string())
        .chain(budget.then(|| "budget".to_string()))
        .chain(["total".to_string()])
        .collect();
    let mut rows = Vec::new();
    for (k, measure) in MEASURES.iter().enumerate() {
        for (p, module) in names.iter().enumerate() {
            for (t, &year) in years.iter().enumerate() {
                let xs: Vec<f64> = per_rep.iter().map(|r| r[p][t][k]).collect();
                rows.push(Row::of(module, measure, Some(year), &xs));
            }
            // Over the compared years: the sum of a count, the mean of a rate.
            let xs: Vec<f64> = per_rep
                .iter()
                .map(|r| {
                    let s: f64 = r[p].iter().map(|y| y[k]).sum();
                    if summed(measure) {
                        s
                    } else {
                        s / years.len() as f64
                    }
                })
                .collect();
            rows.push(Row::of(module, measure, None, &xs));
        }
    }
    Ok(ReformDecomposition {
        reform: reform.name.clone(),
        players: players.iter().map(|p| p.to_string()).collect(),
        runs_per_replicate: coalitions.len(),
        sampled: plan.sampled,
        rows,
    })
}

/// Decompose every reform against the base (`compare BASE REFORM... --decompose`).
pub fn decompose_all(base: &Scenario, reforms: &[Scenario], o: &Options) -> Result<Decomposition> {
    decompose_all_with_progress(base, reforms, o, &|| {})
}

/// The coalition runs [`decompose_all`] makes, over every reform and
/// replicate: the length of its progress bar.
pub fn runs(base: &Scenario, reforms: &[Scenario], o: &Options) -> Result<u64> {
    let from = super::first_compared_year(base, reforms)?;
    let mut n = 0u64;
    for r in reforms {
        let plan = Plan::new(players(base, r, from)?.len(), o, base.seed);
        n += plan.masks.len() as u64 + budget_differs(base, r) as u64;
    }
    Ok(n * base.replicates as u64)
}

/// [`decompose_all`], calling `tick` after each coalition run ([`runs`] in all).
pub fn decompose_all_with_progress(
    base: &Scenario,
    reforms: &[Scenario],
    o: &Options,
    tick: &(dyn Fn() + Sync),
) -> Result<Decomposition> {
    let from = super::first_compared_year(base, reforms)?;
    for r in reforms {
        players(base, r, from)?;
    }
    let reforms = reforms
        .iter()
        .map(|r| decompose(base, r, from, o, tick))
        .collect::<Result<Vec<_>>>()?;
    Ok(Decomposition {
        method: o.method,
        base: base.name.clone(),
        replicates: base.replicates,
        from_year: from,
        reforms,
    })
}
