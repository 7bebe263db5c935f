//! The model: household and village state as columns, and what happens to a
//! household in a year.
//!
//! - [`state`]: the columns (struct of arrays) and the village table.
//! - [`household`]: the yearly household update in two phases: before the
//!   policies plan (demography, shocks, labour, market incomes) and after
//!   (transfers received, consumption, saving, assets, debt, schooling).
//! - [`sample`]: drawing from the scenario's distributions.
//! - [`draw`]: the draws of the yearly update (one stream per household-year,
//!   binomials by table, normals by their quantile function).
//! - [`columns`]: the declared columns listed, written and read by name.
//! - [`kept`]: factors of each household that phase one keeps between years.

pub mod columns;
pub mod draw;
pub mod household;
pub mod kept;
pub mod sample;
pub mod state;

pub use state::{Households, Villages};
