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
//! - [`wage_factor`]: each household's schooling wage factor kept between years.

pub mod columns;
pub mod draw;
pub mod household;
pub mod sample;
pub mod state;
pub mod wage_factor;

pub use state::{Households, Villages};
