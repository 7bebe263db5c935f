//! Writers for everything povsim puts on disk: tables (CSV/JSON), charts and
//! the report. Every file is written under a temporary name and renamed into
//! place, so no reader ever sees a half-written file.
pub mod atomic;
pub mod charts;
pub mod comparison;
pub mod report;
pub mod stories;
pub mod summary;
pub mod tables;
