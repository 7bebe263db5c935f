//! The single integration-test binary: one module per area.

mod measures;
mod measure_cli;
mod charts;
mod fixtures;
mod modules_a;
mod modules_b;
mod engine_core;
mod compare;
mod bad_inputs;
mod fuzz_loader;
mod invariants;
mod kill;
