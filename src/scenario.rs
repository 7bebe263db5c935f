//! Scenario files: TOML text → raw serde structs → a validated [`Scenario`].
//!
//! Loading happens in two stages, as in ripgrep's settings: first the file is
//! read into a plain TOML table while the place (file, line, column) of every
//! key is remembered; `extends` chains and `--set` overrides are merged at
//! this stage. Then the merged table is deserialized into [`raw::ScenarioFile`]
//! (unknown keys rejected) and every value is range-checked. Any error becomes
//! one line: `file:line:col: key: expected ..., got ...`.
//!
//! The files a scenario names for its population (a saved state's manifest,
//! a survey and its village file) are read and checked at the same time
//! ([`population`], [`survey`], [`margins`]), so a bad row stops a run
//! before anything is written.

pub mod base;
pub mod calibration;
pub mod check;
pub mod columns;
pub mod dated;
pub mod decode;
pub mod dist;
pub mod keys;
pub mod limits;
pub mod load;
pub mod margins;
pub mod modules;
pub mod origins;
pub mod population;
pub mod prior;
pub mod raw;
pub mod seed;
pub mod set;
pub mod survey;
pub mod sweep;
pub mod uncertainty;
pub mod validate;

pub use base::Base;
pub use load::{Origins, load, load_str};
pub use population::Start;
pub use raw::ScenarioFile;
pub use validate::Scenario;

/// The embedded default scenario (L County 2008–2014), so `povsim run` works
/// with no file at all.
pub const DEFAULT_SCENARIO: &str = include_str!("../scenarios/l_county.toml");
