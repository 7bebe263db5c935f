//! Selection helpers the modules share: who is poor before the guarantee,
//! what the village-level modules know of each village, the order in which
//! they serve villages, and the row a village module reports.

use super::SpendRow;
use crate::model::state::{Households, flag};
use crate::rng::{Streams, Sub};
use crate::scenario::modules::Priority;
use rayon::iter::{MaxLen, MinLen};
use rayon::prelude::*;
use std::ops::Range;
use std::sync::Arc;

/// Per-capita income before the guarantee (market income plus pensions; 0
/// for a dissolved household), as phase one left it for the modules.
#[inline]
pub fn pre_transfer_pc(hh: &Households, i: usize) -> f32 {
    hh.pre_pc[i]
}

/// The households `0..n` for which `pred` holds, found in parallel and
/// returned in household order: the "who asks" of a walk whose budget and
/// sums must then run serially in that order.
pub fn households_where(n: usize, pred: impl Fn(usize) -> bool + Sync + Send) -> Vec<usize> {
    (0..n)
        .into_par_iter()
        .scan_leaves()
        .filter(|&i| pred(i))
        .collect()
}

/// The leaves of a parallel scan over households, named once: exactly one
/// chunk of [`super::SCAN`] households a leaf. Rayon splits an iterator
/// only as far as threads steal, so on 2 threads a leaf was a quarter of
/// the households and one thread slept through the other's tail
/// (docs/PERFORMANCE.md, round six); fixed leaves also keep the work per
/// leaf the same on every thread count.
pub trait ScanLeaves: IndexedParallelIterator {
    fn scan_leaves(self) -> MaxLen<MinLen<Self>> {
        self.with_min_len(super::SCAN).with_max_len(super::SCAN)
    }
}

impl<I: IndexedParallelIterator> ScanLeaves for I {}

/// Households `0..n` chunk by chunk, one chunk a leaf ([`ScanLeaves`]):
/// chunk `c` as its range `c·SCAN..(c + 1)·SCAN` (the last one shorter).
pub fn scan_chunks(n: usize) -> impl IndexedParallelIterator<Item = Range<usize>> {
    let scan = super::SCAN;
    (0..n.div_ceil(scan))
        .into_par_iter()
        .with_max_len(1)
        .map(move |c| c * scan..((c + 1) * scan).min(n))
}

/// Per-household results of a parallel scan of households `0..n`, kept
/// chunk by chunk: list `c` holds what households `c·SCAN..(c + 1)·SCAN`
/// gave, in household order. Walking the lists in order walks the
/// households in order, and nothing is gathered into one list (a rayon
/// `collect` of a filter appends its pieces serially); a pass that changes
/// only the listed households' own columns can run chunk by chunk in
/// parallel over `par_chunks_mut(SCAN)` of a column.
pub struct ChunkLists<T>(Vec<Vec<T>>);

impl<T: Send> ChunkLists<T> {
    /// `f(i)` of every household `i` in `0..n` for which it is `Some`.
    pub fn scan(n: usize, f: impl Fn(usize) -> Option<T> + Sync + Send) -> ChunkLists<T> {
        ChunkLists(
            scan_chunks(n)
                .map(|hs| hs.filter_map(&f).collect())
                .collect(),
        )
    }

    /// Lists built by a pass of its own over [`scan_chunks`]: list `c`
    /// holds what chunk `c`'s households gave, in household order.
    pub fn from_chunks(lists: Vec<Vec<T>>) -> ChunkLists<T> {
        ChunkLists(lists)
    }

    /// Every result, in household order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.0.iter().flatten()
    }

    /// How many results.
    pub fn len(&self) -> usize {
        self.0.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The lists, chunk `c`'s at `c`, for a parallel pass.
    pub fn lists(&self) -> &[Vec<T>] {
        &self.0
    }
}

/// On the register and truly poor (pre-transfer per-capita income under the line).
#[inline]
pub fn registered_poor(hh: &Households, i: usize, line: f32) -> bool {
    hh.flags[i] & flag::REGISTERED != 0 && pre_transfer_pc(hh, i) < line
}

/// What the village-level modules know of one village this year (after
/// phase one: this year's market incomes, the register as it stands).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VillageStats {
    pub households: u64,
    pub people: u64,
    /// Households and people on the poor register.
    pub registered_households: u64,
    pub registered_people: u64,
    /// People whose pre-transfer per-capita income is below the line.
    pub poor_people: u64,
    /// Registered households that are poor (pre-transfer income below the line).
    pub registered_poor: u64,
    pub adults: u64,
    /// This year's farm and local wage income, yuan.
    pub farm: f64,
    pub wage: f64,
    /// Farmland, mu.
    pub land: f64,
    /// Σ (1 − health) over households.
    pub health_gap: f64,
    /// Σ (1 − awareness) over all households, and over registered ones.
    pub unaware: f64,
    pub unaware_registered: f64,
}

impl VillageStats {
    fn add(&mut self, o: &VillageStats) {
        self.households += o.households;
        self.people += o.people;
        self.registered_households += o.registered_households;
        self.registered_people += o.registered_people;
        self.poor_people += o.poor_people;
        self.registered_poor += o.registered_poor;
        self.adults += o.adults;
        self.farm += o.farm;
        self.wage += o.wage;
        self.land += o.land;
        self.health_gap += o.health_gap;
        self.unaware += o.unaware;
        self.unaware_registered += o.unaware_registered;
    }
}

/// Per-village statistics, summed in fixed chunks added in chunk order (so
/// the result does not depend on the number of threads).
pub fn village_stats(hh: &Households, villages: usize, line: f32) -> Vec<VillageStats> {
    const C: usize = 4096;
    let n = hh.len();
    // Households are laid out village by village: each chunk yields a few runs.
    let runs: Vec<Vec<(u32, VillageStats)>> = (0..n.div_ceil(C))
        .into_par_iter()
        .with_max_len(1)
        .map(|c| {
            let mut out: Vec<(u32, VillageStats)> = Vec::new();
            let (mut a, hi) = (c * C, ((c + 1) * C).min(n));
            while a < hi {
                let v = hh.village[a];
                let b = a + hh.village[a..hi].iter().take_while(|&&x| x == v).count();
                let s = run_stats(hh, a, b, line);
                if s.households > 0 {
                    out.push((v, s));
                }
                a = b;
            }
            out
        })
        .collect();
    let mut stats = vec![VillageStats::default(); villages];
    for chunk in &runs {
        for (v, s) in chunk {
            if let Some(t) = stats.get_mut(*v as usize) {
                t.add(s);
            }
        }
    }
    stats
}

/// The statistics of households `a..b` (one village's run), summed in
/// household order. The sums sit in locals (registers) rather than in the
/// output vector: a third of the modules' planning time went to this pass.
#[inline]
fn run_stats(hh: &Households, a: usize, b: usize, line: f32) -> VillageStats {
    let (adults, children, elderly) = (&hh.adults[a..b], &hh.children[a..b], &hh.elderly[a..b]);
    let (flags, pre_pc, farm) = (&hh.flags[a..b], &hh.pre_pc[a..b], &hh.farm[a..b]);
    let (wage, land, health) = (&hh.wage[a..b], &hh.land[a..b], &hh.health[a..b]);
    let awareness = &hh.awareness[a..b];
    let mut s = VillageStats::default();
    for i in 0..b - a {
        let m = adults[i] as u64 + children[i] as u64 + elderly[i] as u64;
        if m == 0 {
            continue;
        }
        let reg = flags[i] & flag::REGISTERED != 0;
        let poor = pre_pc[i] < line;
        s.households += 1;
        s.people += m;
        s.registered_households += reg as u64;
        s.registered_people += if reg { m } else { 0 };
        s.poor_people += if poor { m } else { 0 };
        s.registered_poor += (reg && poor) as u64;
        s.adults += adults[i] as u64;
        s.farm += farm[i] as f64;
        s.wage += wage[i] as f64;
        s.land += land[i] as f64;
        s.health_gap += (1.0 - health[i]) as f64;
        let gap = (1.0 - awareness[i]).max(0.0) as f64;
        s.unaware += gap;
        if reg {
            s.unaware_registered += gap;
        }
    }
    s
}

/// Households grouped by village, each village's in household order, for
/// passes that work village by village in parallel. Households are laid out
/// village by village (synthesis and surveys sort them; relocation keeps the
/// origin village), so each village is a range of indices and nothing is
/// stored per household; a state laid out otherwise (a saved file written
/// by hand) is grouped by a counting sort into an index column. Households
/// of a village index beyond `villages` belong to no group.
#[derive(Debug)]
pub struct ByVillage {
    /// Village `v`'s households are `starts[v]..starts[v + 1]`, or that
    /// range of `order`.
    starts: Vec<usize>,
    order: Option<Vec<usize>>,
}

impl ByVillage {
    pub fn new(village: &[u32], villages: usize) -> ByVillage {
        let in_order = village
            .par_windows(2)
            .with_min_len(super::SCAN)
            .all(|w| w[0] <= w[1]);
        if in_order {
            let starts = (0..=villages)
                .map(|v| village.partition_point(|&x| (x as usize) < v))
                .collect();
            return ByVillage {
                starts,
                order: None,
            };
        }
        let mut starts = vec![0usize; villages + 1];
        for &v in village {
            if (v as usize) < villages {
                starts[v as usize + 1] += 1;
            }
        }
        for v in 0..villages {
            starts[v + 1] += starts[v];
        }
        let mut next = starts.clone();
        let mut order = vec![0usize; starts[villages]];
        for (i, &v) in village.iter().enumerate() {
            if (v as usize) < villages {
                order[next[v as usize]] = i;
                next[v as usize] += 1;
            }
        }
        ByVillage {
            starts,
            order: Some(order),
        }
    }

    /// The number of villages.
    pub fn villages(&self) -> usize {
        self.starts.len() - 1
    }

    /// Village `v`'s households, in household order.
    pub fn members(&self, v: usize) -> impl Iterator<Item = usize> + '_ {
        let (a, b) = (self.starts[v], self.starts[v + 1]);
        let (range, listed) = match &self.order {
            None => (a..b, &[][..]),
            Some(o) => (0..0, &o[a..b]),
        };
        range.chain(listed.iter().copied())
    }
}

/// This year's [`village_stats`], kept between the village modules' plans
/// while the household columns it sums are unchanged (the engine drops it
/// after a plan that may change them, [`super::Module::touches`]), so that
/// infrastructure, publicity and cadres sum the households once, not three
/// times. The same sums in the same order: the same numbers as a fresh pass.
#[derive(Debug, Default)]
pub struct StatsCache {
    stats: Option<Arc<Vec<VillageStats>>>,
    /// The awareness sums (`unaware`, `unaware_registered`) are out of date:
    /// a plan since raised awareness.
    awareness_stale: bool,
}

impl StatsCache {
    /// The statistics of this year's households as they stand now.
    pub fn get(&mut self, hh: &Households, villages: usize, line: f32) -> Arc<Vec<VillageStats>> {
        if self.awareness_stale {
            self.stats = None;
        }
        self.any_awareness(hh, villages, line)
    }

    /// The same, except that the awareness sums (`unaware`,
    /// `unaware_registered`) may be from before this year's publicity: for
    /// a caller that does not read them.
    pub fn any_awareness(
        &mut self,
        hh: &Households,
        villages: usize,
        line: f32,
    ) -> Arc<Vec<VillageStats>> {
        if self.stats.is_none() {
            self.stats = Some(Arc::new(village_stats(hh, villages, line)));
            self.awareness_stale = false;
        }
        let s = self.stats.as_ref().expect("just filled");
        debug_assert_eq!(s.len(), villages);
        Arc::clone(s)
    }

    /// After a plan: forget what it may have changed.
    pub fn after(&mut self, touches: super::Touches) {
        match touches {
            super::Touches::Households => *self = StatsCache::default(),
            super::Touches::Awareness => self.awareness_stale = true,
            super::Touches::Villages => {}
        }
    }
}

/// Poor people per village as the county knows them: people on the register
/// when anyone is registered, else (no identification) the poverty statistics.
pub fn known_poor(stats: &[VillageStats]) -> Vec<f64> {
    let registered: u64 = stats.iter().map(|s| s.registered_people).sum();
    stats.iter().map(|s| if registered > 0 { s.registered_people } else { s.poor_people } as f64).collect()
}

/// The priority key of a village (larger first), given its expected gain per yuan.
#[inline]
pub fn priority_key(
    priority: Priority,
    s: &VillageStats,
    known_poor: f64,
    gain_per_yuan: f64,
) -> f64 {
    match priority {
        Priority::PoorestFirst => {
            if s.people > 0 {
                known_poor / s.people as f64
            } else {
                0.0
            }
        }
        Priority::MostPoorFirst => known_poor,
        Priority::BestGainPerYuan => gain_per_yuan,
    }
}

/// Indices `0..keys.len()` by descending key; ties broken by a keyed draw of
/// the village (`sub` tells the modules' draws apart), then by index.
pub fn order_desc(keys: &[(usize, f64)], streams: &Streams, year: i32, sub: Sub) -> Vec<usize> {
    let mut idx: Vec<(f64, f64, usize, usize)> = keys
        .iter()
        .enumerate()
        .map(|(k, &(v, key))| (key, streams.uniform(v as u64, year, sub), v, k))
        .collect();
    idx.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(a.1.total_cmp(&b.1))
            .then(a.2.cmp(&b.2))
            .then(a.3.cmp(&b.3))
    });
    idx.into_iter().map(|t| t.3).collect()
}

/// Which households a village module reached: counts for the spending table.
pub fn village_row(
    module: &'static str,
    budget: Option<f64>,
    spent: f64,
    treated: &[bool],
    stats: &[VillageStats],
) -> SpendRow {
    let mut row = SpendRow {
        module,
        budget,
        spent,
        ..Default::default()
    };
    for (t, s) in treated.iter().zip(stats) {
        if *t {
            row.beneficiary_households += s.households;
            row.beneficiary_people += s.people;
            row.registered_poor_beneficiaries += s.registered_poor;
        }
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interventions::Touches;

    #[test]
    fn chunk_lists_hold_a_serial_filter_chunk_by_chunk() {
        use crate::interventions::SCAN;
        // A partial last chunk, an empty chunk, and values that depend on the household.
        let n = 3 * SCAN + 17;
        let f = |i: usize| (i % 7 == 3 && !(SCAN..2 * SCAN).contains(&i)).then_some(i as f32 * 0.5);
        let lists = ChunkLists::scan(n, f);
        let serial: Vec<f32> = (0..n).filter_map(f).collect();
        assert_eq!(lists.iter().copied().collect::<Vec<_>>(), serial);
        assert_eq!(lists.len(), serial.len());
        assert_eq!(lists.lists().len(), 4);
        assert!(lists.lists()[1].is_empty());
        for (c, list) in lists.lists().iter().enumerate() {
            // Chunk c holds exactly its own households' results.
            let own: Vec<f32> = (c * SCAN..((c + 1) * SCAN).min(n)).filter_map(f).collect();
            assert_eq!(list, &own, "chunk {c}");
        }
        assert!(ChunkLists::scan(0, f).is_empty());
    }

    /// Ten households in three villages, two registered, incomes either side of the line.
    fn households() -> Households {
        let mut hh = Households::with_len(10);
        for i in 0..10 {
            hh.village[i] = (i / 4) as u32;
            hh.adults[i] = 1 + (i % 3) as u8;
            hh.children[i] = (i % 2) as u8;
            hh.pre_pc[i] = 500.0 * i as f32;
            hh.awareness[i] = 0.1 * i as f32;
            hh.health[i] = 0.9;
            hh.land[i] = 2.0;
        }
        hh.flags[1] |= flag::REGISTERED;
        hh.flags[6] |= flag::REGISTERED;
        hh
    }

    #[test]
    fn by_village_groups_households_in_order_whatever_the_layout() {
        let groups = |b: &ByVillage| -> Vec<Vec<usize>> {
            (0..b.villages()).map(|v| b.members(v).collect()).collect()
        };
        // Laid out village by village (village 2 empty, 9 beyond the count).
        let b = ByVillage::new(&[0, 0, 1, 3, 3, 3, 9], 4);
        assert!(b.order.is_none());
        assert_eq!(groups(&b), vec![vec![0, 1], vec![2], vec![], vec![3, 4, 5]]);
        // Interleaved: the same groups as by a filter, each in household order.
        let village = [3, 0, 9, 1, 0, 3, 3, 1];
        let b = ByVillage::new(&village, 4);
        let expect: Vec<Vec<usize>> = (0..4)
            .map(|v| {
                (0..village.len())
                    .filter(|&i| village[i] == v as u32)
                    .collect()
            })
            .collect();
        assert_eq!(groups(&b), expect);
        assert_eq!(groups(&b)[0], vec![1, 4]);
    }

    #[test]
    fn the_stats_cache_gives_what_a_fresh_pass_gives_until_a_plan_changes_the_households() {
        let mut hh = households();
        let line = 2000.0;
        let mut cache = StatsCache::default();
        let first = cache.get(&hh, 3, line);
        assert_eq!(*first, village_stats(&hh, 3, line));
        assert_eq!(first[0].registered_households, 1);
        // A plan that changes village columns only: the same statistics, not recomputed.
        cache.after(Touches::Villages);
        assert!(Arc::ptr_eq(&first, &cache.get(&hh, 3, line)));
        // Publicity raises awareness: the awareness sums are recomputed on
        // `get`; a caller that reads no awareness sum keeps the others.
        hh.awareness[1] = 0.9;
        cache.after(Touches::Awareness);
        assert!(Arc::ptr_eq(&first, &cache.any_awareness(&hh, 3, line)));
        let now = cache.get(&hh, 3, line);
        assert_eq!(*now, village_stats(&hh, 3, line));
        assert_ne!(now[0].unaware, first[0].unaware);
        assert_eq!(now[0].registered_people, first[0].registered_people);
        // Any other plan: recomputed from the households as they stand.
        hh.flags[2] |= flag::REGISTERED;
        cache.after(Touches::Households);
        let after = cache.get(&hh, 3, line);
        assert_eq!(*after, village_stats(&hh, 3, line));
        assert_eq!(after[0].registered_households, 2);
    }
}
