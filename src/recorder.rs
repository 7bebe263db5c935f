//! What a run records each year: measures, demography, income by source,
//! villages, spending and targeting, plus the income distribution and the
//! poverty transition matrix for the charts.

use crate::interventions::Ledger;
use crate::measures::Measures;

pub use crate::scenario::columns::TRAJECTORY_COLUMNS;

/// One village in one year.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct VillageRow {
    pub population: u64,
    pub poor: u64,
    pub income: f64,
    pub remoteness: f32,
    pub relocated_in: u64,
    pub relocated_out: u64,
}

/// Everything recorded about one replicate in one year.
#[derive(Clone, Debug, Default)]
pub struct YearRecord {
    pub replicate: u32,
    pub year: i32,
    pub measures: Measures,
    pub households: u64,
    pub entries: u64,
    pub exits: u64,
    pub births: u64,
    pub deaths: u64,
    pub out_migrants: u64,
    pub line: f64,
    pub extreme_line: f64,
    /// Mean per-capita income by source ([`crate::model::state::SOURCES`]), everyone.
    pub sources_all: [f64; 6],
    /// The same among the poor.
    pub sources_poor: [f64; 6],
    pub villages: Vec<VillageRow>,
    pub ledger: Ledger,
    /// Histogram of per-capita income (lower, upper, people), first and last year of replicate 0.
    pub distribution: Option<Vec<(f64, f64, f64)>>,
    /// People by state (poor, near poor, non-poor) in the first year × the last year; last year only.
    pub transitions: Option<[[u64; 3]; 3]>,
}

impl YearRecord {
    /// The values of [`TRAJECTORY_COLUMNS`], in order.
    pub fn trajectory_values(&self) -> [f64; TRAJECTORY_COLUMNS.len()] {
        let m = &self.measures;
        [
            m.population,
            self.households as f64,
            m.poor,
            m.headcount_ratio,
            m.poverty_gap,
            m.poverty_severity,
            m.watts,
            m.sen,
            m.extreme_poor,
            if m.population > 0.0 {
                m.extreme_poor / m.population
            } else {
                0.0
            },
            m.mean_income,
            m.median_income,
            m.gini,
            m.theil,
            m.bottom40_share,
            self.entries as f64,
            self.exits as f64,
            self.line,
            self.extreme_line,
            self.births as f64,
            self.deaths as f64,
            self.out_migrants as f64,
            wage_share(&self.sources_all),
            wage_share(&self.sources_poor),
            business_share(&self.sources_poor),
        ]
    }

    /// The value of one trajectory column.
    pub fn value(&self, column: &str) -> Option<f64> {
        let k = TRAJECTORY_COLUMNS.iter().position(|c| *c == column)?;
        Some(self.trajectory_values()[k])
    }
}

/// The index of a column of trajectory.csv named in the code (a name that
/// is not one is a bug, not bad input).
pub fn trajectory_column(name: &str) -> usize {
    TRAJECTORY_COLUMNS
        .iter()
        .position(|c| *c == name)
        .unwrap_or_else(|| panic!("{name} is not a trajectory column"))
}

/// Wages and salaries (local wages and migrant earnings, as NBS counts
/// them) as a share of income, from the mean income by source
/// ([`crate::model::state::SOURCES`]); 0 without income.
pub fn wage_share(sources: &[f64; 6]) -> f64 {
    share_of(sources, 1, 2)
}

/// Net business income (farming and the household enterprise, as NBS
/// counts 经营净收入) as a share of income, like [`wage_share`].
pub fn business_share(sources: &[f64; 6]) -> f64 {
    share_of(sources, 0, 3)
}

/// Sources `a` and `b` over all income; 0 without income.
fn share_of(sources: &[f64; 6], a: usize, b: usize) -> f64 {
    let total: f64 = sources.iter().sum();
    if total > 0.0 {
        (sources[a] + sources[b]) / total
    } else {
        0.0
    }
}

/// Log-spaced histogram edges for the income distribution chart (yuan per
/// person-year): 0, 100, …, 300,000. Incomes at or below 0 fall in the first
/// bin, incomes above the last edge in the last bin.
pub fn distribution_edges() -> Vec<f64> {
    let mut e = vec![0.0, 100.0];
    let (lo, hi, n) = (100f64.ln(), 300_000f64.ln(), 48);
    for k in 1..=n {
        e.push((lo + (hi - lo) * k as f64 / n as f64).exp());
    }
    e
}

/// People per bin of [`distribution_edges`], from observations sorted by
/// income (one walk along the edges).
pub fn histogram<S: crate::measures::SortedObs + ?Sized>(sorted: &S) -> Vec<(f64, f64, f64)> {
    let edges = distribution_edges();
    let bins = edges.len() - 1;
    let mut people = vec![0.0; bins];
    let mut k = 0;
    for i in 0..sorted.len() {
        let o = sorted.at(i);
        while k + 1 < bins && edges[k + 1] <= o.income {
            k += 1;
        }
        people[k] += o.weight;
    }
    (0..bins)
        .map(|k| (edges[k], edges[k + 1], people[k]))
        .collect()
}
