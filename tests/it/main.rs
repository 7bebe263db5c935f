//! The single integration-test binary: one module per area.

mod bad_inputs;
mod branch;
mod calibrate;
mod charts;
mod compare;
mod compare_charts;
mod credit;
mod data;
mod decompose;
mod engine_core;
mod fixtures;
mod fuzz_loader;
mod identification;
mod invariants;
mod keys;
mod kill;
mod layers;
mod measure_cli;
mod measures;
mod modules_a;
mod modules_b;
mod outdir;
mod reliability;
mod sensitivity;
mod sweep;
mod teaching;
