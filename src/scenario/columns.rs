//! The output columns a scenario may name: a calibration target's
//! `measure` is a column of trajectory.csv. The recorder fills them
//! ([`crate::recorder::YearRecord::trajectory_values`]).

/// Columns of trajectory.csv after `replicate, year`, in order.
pub const TRAJECTORY_COLUMNS: [&str; 25] = [
    "population",
    "households",
    "poor",
    "headcount_ratio",
    "poverty_gap",
    "poverty_severity",
    "watts",
    "sen",
    "extreme_poor",
    "extreme_ratio",
    "mean_income",
    "median_income",
    "gini",
    "theil",
    "bottom40_share",
    "entries",
    "exits",
    "poverty_line",
    "extreme_line",
    "births",
    "deaths",
    "out_migrants",
    "wage_share",
    "poor_wage_share",
    "poor_business_share",
];
