//! # povsim
//!
//! An agent-based simulator of rural poverty and of the policies that fight
//! it: "flood irrigation" (money spread evenly) against "precise drip
//! irrigation" (targeted help), after the case of L County.
//!
//! ## How the pieces fit
//!
//! Data flows one way:
//!
//! ```text
//! scenario file ──► scenario::load ──► Scenario (validated)
//!                                          │
//!                    population::{villages, households}   (keyed streams: rng)
//!                                          │
//!          engine::Simulation::step, once a year:
//!            covariate shocks → model::household::phase_one (parallel chunks)
//!            → interventions (serial plan, fixed order) → phase_two (parallel)
//!            → measures on sorted incomes → recorder::YearRecord
//!                                          │
//!          experiment::run: replicates → output::tables (CSV, temp+rename),
//!                           summary.json, output::charts, output::report
//! ```
//!
//! - [`scenario`]: TOML → raw serde structs → range-checked [`scenario::Scenario`];
//!   every error is one line naming file, line, column and key.
//! - [`rng`]: keyed random streams, one per (seed, replicate, entity, year, purpose).
//! - [`model`]: household state as columns and the yearly household update.
//! - [`population`]: synthetic villages and households.
//! - [`interventions`]: the policy modules behind one small trait.
//! - [`engine`]: the yearly step; [`recorder`]: what a year records.
//! - [`measures`]: poverty and inequality measures; [`raking`]: survey
//!   weights fitted to known totals.
//! - [`experiment`]: replicates and summaries; [`output`]: files on disk,
//!   each output directory committed whole under a lock ([`output::outdir`]).
//! - [`input`]: the user's files read with limits (size, regular files only);
//!   [`limits`]: the memory guard.

pub mod engine;
pub mod error;
pub mod experiment;
pub mod input;
pub mod interventions;
pub mod measures;
pub mod model;
pub mod output;
pub mod population;
pub mod raking;
pub mod recorder;
pub mod rng;
pub mod scenario;

pub use error::{Error, Result};
/// Limits checked before anything is allocated (a scenario's memory).
pub use scenario::limits;
