//! summary.json as a run writes it: per measure and year, the replicate
//! mean and its 5th–95th percentile band, the calibration targets met or
//! missed, and the spending.

use crate::population::survey::ImportReport;
use crate::scenario::margins::MarginReport;
use serde::Serialize;
use std::collections::BTreeMap;

/// Mean and 90% band of one measure in one year, across replicates.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Band {
    pub year: i32,
    pub mean: f64,
    pub p5: f64,
    pub p95: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TargetOut {
    pub year: i64,
    pub measure: String,
    pub value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_tolerance: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bound: Option<String>,
    /// The run's replicate mean.
    pub simulated: f64,
    pub met: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct SpendingSummary {
    pub total: f64,
    pub by_module: BTreeMap<String, f64>,
}

/// summary.json.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub scenario: String,
    pub seed: u64,
    pub replicates: u32,
    pub version: String,
    pub start_year: i32,
    pub years: u32,
    pub households: u64,
    pub wall_time_s: f64,
    pub household_years_per_second: f64,
    pub threads: usize,
    pub targets: Vec<TargetOut>,
    pub measures: BTreeMap<String, Vec<Band>>,
    pub parameters: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spending: Option<SpendingSummary>,
    /// Where the households came from, when not drawn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub population: Option<PopulationSummary>,
}

/// summary.json's `population`: a survey or a saved state the run started from.
#[derive(Clone, Debug, Serialize)]
pub struct PopulationSummary {
    /// `survey` or `saved state`.
    pub source: String,
    /// The survey file, or the state's directory.
    pub file: String,
    /// Survey rows (a survey start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
    pub households: u64,
    /// Each margin cell's total, before and after raking and in the households drawn.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub margins: Vec<MarginReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raking_sweeps: Option<usize>,
    /// How closely replicate 0's first-year incomes reproduce the survey's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomes: Option<ImportReport>,
}
