//! Throughput of the engine, in household-years per second (criterion's
//! "elements" are household-years):
//!
//! - `l_county_baseline_1M_households_10_years`: the L County baseline
//!   (`scenarios/l_county.toml`) scaled to 1,000,000 households for 10 years,
//!   one replicate, parallel over households, on all threads and on one.
//! - `l_county_targeted_1M_households_10_years`: the full targeted package
//!   (`scenarios/l_county_targeted.toml`, every module on), same size, as
//!   the file runs: it branches from the status quo in 2014, so 2008–2013
//!   are the shared history (l_county.toml's settings) and 2014–2017 the
//!   package, on the same 1,000,000 households.
//! - `many_replicates_2000_households_20_years`: small populations, many runs:
//!   the full model at 2,000 households for 20 years, 64 replicates, run by
//!   `experiment::run_records` (parallel over replicates), all threads and one.
//!
//! - `full_county_targeted_runs`: the full county as `povsim calibrate` and
//!   `povsim sensitivity` run it (`scenarios/l_county_targeted.toml` at its
//!   own size, 161,842 households, its whole timeline 2008–2020: the
//!   history to 2013 and the package from 2014), one replicate per
//!   iteration; criterion's "elements" are runs, so its elem/s is runs
//!   (replicates) per second.
//! - `full_county_package_forked_runs`: the same package as `povsim
//!   sensitivity`, `compare` and `--param-draws` run it: forked from one
//!   run of the history (kept before 2014), 2014–2020 only; runs per second.
//!
//! The ratio of `one_thread` to `all_threads` time is the parallel speed-up.
//!
//! Run: `cargo bench --bench throughput` (each 1M run takes seconds, so a
//! full pass takes several minutes); one group:
//! `cargo bench --bench throughput -- l_county_targeted`.
//! For a quick smoke run, shrink the large populations with
//! `POVSIM_BENCH_HOUSEHOLDS=20000 cargo bench --bench throughput`
//! (and the replicates with `POVSIM_BENCH_REPLICATES`).
//!
//! These benches time the engine only (no output files); `scripts/perf.py`
//! measures whole `povsim run` processes, peak memory included.

use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use povsim::experiment::history::{self, SharedHistory};
use povsim::scenario::{self, Scenario, validate::Branch};
use std::path::Path;
use std::time::Duration;

/// A scenario file of this crate, at `households` households for `years`
/// years with `replicates` replicates.
fn scenario(file: &str, households: u64, years: u32, replicates: u32) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let sets = [
        format!("simulation.years={years}"),
        format!("simulation.replicates={replicates}"),
    ];
    let sc = scenario::load(&path, &sets).expect("scenario loads");
    resized(&sc, households)
}

/// `sc` at `households` households, its history too (a branched file's
/// years before the branch year): the same households on the whole
/// timeline, as `scripts/perf.py` sizes a branched file.
fn resized(sc: &Scenario, households: u64) -> Scenario {
    // The file gives a population; the benchmark fixes the household count.
    let mut f = sc.file.clone();
    f.simulation.population = None;
    f.simulation.households = Some(households as i64);
    let mut out = Scenario::validate(f, sc.origins.clone()).expect("scenario validates");
    out.branch = sc.branch.as_ref().map(|b| Branch {
        year: b.year,
        history: Box::new(resized(&b.history, households)),
    });
    out
}

/// A count from the environment (for quick smoke runs), or the default.
fn env_count(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}: expected a whole number, got {v:?}")),
        Err(_) => default,
    }
}

/// One replicate, records dropped (parallel over households).
fn run_one(sc: &Scenario) {
    povsim::engine::run_replicate(sc, 0, |r| {
        std::hint::black_box(r);
    })
    .expect("a drawn population");
}

/// Every replicate of `sc` (parallel over replicates for small populations).
fn run_all(sc: &Scenario) {
    povsim::experiment::run_records(sc, |r| {
        std::hint::black_box(r);
        Ok(())
    })
    .expect("replicates run");
}

fn one_thread_pool() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("one-thread pool")
}

/// A group of long iterations: the minimum 10 samples, a short warm-up.
fn group<'a>(
    c: &'a mut Criterion,
    name: &str,
    household_years: u64,
) -> BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements(household_years));
    g
}

/// A 1M-household, 10-year single replicate of `file`, all threads and one.
fn bench_large(c: &mut Criterion, name: &str, file: &str) {
    let years = 10;
    let households = env_count("POVSIM_BENCH_HOUSEHOLDS", 1_000_000);
    let sc = scenario(file, households, years, 1);
    let mut g = group(c, name, households * years as u64);
    g.bench_function("all_threads", |b| b.iter(|| run_one(&sc)));
    let one = one_thread_pool();
    g.bench_function("one_thread", |b| b.iter(|| one.install(|| run_one(&sc))));
    g.finish();
}

fn baseline(c: &mut Criterion) {
    bench_large(
        c,
        "l_county_baseline_1M_households_10_years",
        "l_county.toml",
    );
}

fn targeted(c: &mut Criterion) {
    bench_large(
        c,
        "l_county_targeted_1M_households_10_years",
        "l_county_targeted.toml",
    );
}

fn many_replicates(c: &mut Criterion) {
    let (households, years) = (2_000, 20);
    let replicates = env_count("POVSIM_BENCH_REPLICATES", 64) as u32;
    let sc = scenario("l_county_targeted.toml", households, years, replicates);
    let mut g = group(
        c,
        "many_replicates_2000_households_20_years",
        households * years as u64 * replicates as u64,
    );
    g.bench_function("all_threads", |b| b.iter(|| run_all(&sc)));
    let one = one_thread_pool();
    g.bench_function("one_thread", |b| b.iter(|| one.install(|| run_all(&sc))));
    g.finish();
}

fn full_county(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/l_county_targeted.toml");
    let sc = scenario::load(&path, &[]).expect("scenario loads");
    let mut g = group(c, "full_county_targeted_runs", 1);
    g.bench_function("all_threads", |b| b.iter(|| run_one(&sc)));
    g.finish();
    // As sensitivity and compare run the package: forked from one run of the
    // history, 2014–2020 only.
    let h = SharedHistory::run(&sc)
        .expect("the history runs")
        .expect("a branched scenario's history fits");
    let mut g = group(c, "full_county_package_forked_runs", 1);
    g.bench_function("all_threads", |b| {
        b.iter(|| {
            let mut s = history::start(Some(&h), &sc, 0).expect("forks").sim;
            while s.year <= sc.end_year() {
                std::hint::black_box(s.step());
            }
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    // No plots: criterion's plotters backend finds no font here (povsim's
    // plotters build embeds its own), and the numbers are what matter.
    config = Criterion::default().without_plots();
    targets = baseline, targeted, many_replicates, full_county
}
criterion_main!(benches);
