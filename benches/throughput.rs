//! Throughput of the engine: the L County baseline scaled to 1,000,000
//! households for 10 years, in household-years per second, on all threads
//! and on one. Run: `cargo bench --bench throughput`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use povsim::scenario::{self, Scenario};
use std::path::Path;

fn scenario(households: u64, years: u32) -> Scenario {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/l_county.toml"
    ));
    let sets = [
        format!("simulation.years={years}"),
        "simulation.replicates=1".to_string(),
    ];
    let sc = scenario::load(path, &sets).expect("scenario loads");
    // The file gives a population; the benchmark fixes the household count.
    let mut f = sc.file.clone();
    f.simulation.population = None;
    f.simulation.households = Some(households as i64);
    Scenario::validate(f, sc.origins.clone()).expect("scenario validates")
}

fn run(sc: &Scenario) {
    povsim::engine::run_replicate(sc, 0, |r| {
        std::hint::black_box(r);
    });
}

fn bench(c: &mut Criterion) {
    let years = 10;
    let households = 1_000_000;
    let sc = scenario(households, years);
    let mut g = c.benchmark_group("l_county_baseline_1M_households_10_years");
    g.sample_size(10);
    g.throughput(Throughput::Elements(households * years as u64));
    g.bench_function("all_threads", |b| b.iter(|| run(&sc)));
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    g.bench_function("one_thread", |b| b.iter(|| one.install(|| run(&sc))));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
