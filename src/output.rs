//! Writers for everything povsim puts on disk: tables (CSV/JSON), charts and
//! the report. Every file is written under a temporary name and renamed into
//! place, so no reader ever sees a half-written file; and a whole output
//! directory is written beside its target and swapped in, under a lock
//! ([`outdir`]), so no reader sees a mixture of two runs either. Saved
//! states ([`state`]) are written the same way.
pub mod atomic;
pub mod charts;
pub mod comparison;
pub mod decomposition;
pub mod outdir;
pub mod report;
pub mod state;
pub mod stories;
pub mod summary;
pub mod tables;
