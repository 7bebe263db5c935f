//! A synthetic but realistic output directory, as `povsim run` writes it:
//! 3 replicates, 7 years (2008–2014), 20 villages, with the optional
//! spending and targeting files. Numbers follow plausible rural-China
//! magnitudes (poverty lines, incomes, falling poverty, relocation).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const FIRST_YEAR: i32 = 2008;

/// Size of a synthetic output directory.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub replicates: usize,
    pub years: usize,
    pub villages: usize,
}

/// The default shape: 3 replicates, 7 years, 20 villages.
pub const SHAPE: Shape = Shape {
    replicates: 3,
    years: 7,
    villages: 20,
};

/// A fresh, empty, unique directory under the system temp dir.
pub fn temp_dir(tag: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "povsim-it-{tag}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// A resource limit put on a child process before it starts.
#[derive(Clone, Copy, Debug)]
pub enum Rlimit {
    /// `ulimit -v`: the address space, bytes.
    AddressSpace(u64),
    /// `ulimit -f`: the size of any file written, bytes (SIGXFSZ ignored, so
    /// a write past it fails with EFBIG, as one fails on a full disk).
    FileSize(u64),
}

/// Run `cmd` under `limit` (setrlimit in the child, between fork and exec).
pub fn under_rlimit(cmd: &mut std::process::Command, limit: Rlimit) {
    use std::os::unix::process::CommandExt;
    // SAFETY: signal and setrlimit are async-signal-safe; nothing else runs in the child.
    unsafe {
        cmd.pre_exec(move || {
            let (resource, bytes) = match limit {
                Rlimit::AddressSpace(b) => (libc::RLIMIT_AS, b),
                Rlimit::FileSize(b) => {
                    libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                    (libc::RLIMIT_FSIZE, b)
                }
            };
            let lim = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(resource, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// A temp dir holding a complete synthetic output directory for `scenario`.
pub fn output_dir(tag: &str, scenario: &str) -> PathBuf {
    let dir = temp_dir(tag);
    write_output_dir(&dir, scenario);
    dir
}

/// Deterministic pseudo-random numbers (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [-1, 1).
    fn sym(&mut self) -> f64 {
        2.0 * self.next() - 1.0
    }
}

const POVERTY_LINES: [f64; 7] = [1196.0, 1274.0, 2300.0, 2536.0, 2625.0, 2736.0, 2800.0];

fn poverty_line(t: usize) -> f64 {
    POVERTY_LINES
        .get(t)
        .copied()
        .unwrap_or_else(|| 2800.0 * 1.03f64.powi(t as i32 - 6))
}
const MODULES: [&str; 5] = [
    "transfers",
    "relocation",
    "microcredit",
    "skills_training",
    "infrastructure",
];

fn headcount(t: usize, rep: usize, rng: &mut Rng) -> f64 {
    0.18 * (-0.25 * t as f64).exp() * (1.0 + 0.04 * rng.sym()) + 0.002 * rep as f64
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write fixture file");
}

/// Write every file of an output directory of the default shape into `dir`.
pub fn write_output_dir(dir: &Path, scenario: &str) {
    write_output_dir_shaped(dir, scenario, SHAPE)
}

/// Write every file of an output directory of the given shape into `dir`.
#[allow(non_snake_case, clippy::needless_range_loop)]
pub fn write_output_dir_shaped(dir: &Path, scenario: &str, shape: Shape) {
    let Shape {
        replicates: REPLICATES,
        years: YEARS,
        villages: VILLAGES,
    } = shape;
    let mut rng = Rng(42);
    // trajectory.csv
    let mut traj = String::from(
        "replicate,year,population,households,poor,headcount_ratio,poverty_gap,poverty_severity,watts,sen,extreme_poor,\
         extreme_ratio,mean_income,median_income,gini,theil,bottom40_share,entries,exits,poverty_line,extreme_line,births,deaths,out_migrants\n",
    );
    let mut heads = vec![vec![0.0; YEARS]; REPLICATES];
    let mut pops = vec![vec![0.0; YEARS]; REPLICATES];
    for rep in 0..REPLICATES {
        let mut prev_poor = 0.0;
        for t in 0..YEARS {
            let pop = (70_000.0 + 300.0 * t as f64 + 200.0 * rng.sym()).round();
            let h = headcount(t, rep, &mut rng);
            heads[rep][t] = h;
            pops[rep][t] = pop;
            let poor = (h * pop).round();
            let ext = 0.35 * h;
            let mean = 5200.0 * 1.09f64.powi(t as i32) * (1.0 + 0.01 * rng.sym());
            let entries = if t == 0 {
                0.0
            } else {
                (pop * 0.02 * (1.0 - 0.08 * t as f64))
                    .max(pop * 0.002)
                    .round()
            };
            let exits = if t == 0 {
                0.0
            } else {
                (entries + prev_poor - poor).max(0.0)
            };
            prev_poor = poor;
            let line = poverty_line(t);
            let _ = writeln!(
                traj,
                "{rep},{},{pop},{},{poor},{h:.6},{:.6},{:.6},{:.6},{:.6},{},{ext:.6},{mean:.2},{:.2},{:.4},{:.4},{:.4},{entries},{exits},{line},{},{},{},{}",
                FIRST_YEAR + t as i32,
                (pop / 3.6).round(),
                0.3 * h,
                0.12 * h,
                0.4 * h,
                0.45 * h,
                (ext * pop).round(),
                0.85 * mean,
                0.38 - 0.004 * t as f64,
                0.26 - 0.004 * t as f64,
                0.16 + 0.003 * t as f64,
                0.6 * line,
                (pop * 0.011).round(),
                (pop * 0.007).round(),
                (pop * 0.004).round(),
            );
        }
    }
    write(dir, "trajectory.csv", &traj);

    // income_sources.csv
    let mut src =
        String::from("replicate,year,group,farm,wage,migrant,enterprise,tourism,transfers\n");
    for rep in 0..REPLICATES {
        for t in 0..YEARS {
            let g = |b: f64, r: f64| b * r.powi(t as i32);
            let year = FIRST_YEAR + t as i32;
            let k = 1.0 + 0.02 * rep as f64;
            let _ = writeln!(
                src,
                "{rep},{year},all,{:.2},{:.2},{:.2},{:.2},{:.2},{:.2}",
                k * g(2000.0, 1.03),
                k * g(1500.0, 1.10),
                g(1200.0, 1.08),
                g(300.0, 1.10),
                g(100.0, 1.30),
                100.0 + 150.0 * t as f64
            );
            let _ = writeln!(
                src,
                "{rep},{year},poor,{:.2},{:.2},{:.2},{:.2},{:.2},{:.2}",
                k * g(700.0, 1.04),
                g(250.0, 1.12),
                g(120.0, 1.08),
                g(20.0, 1.05),
                g(5.0, 1.3),
                150.0 + 220.0 * t as f64
            );
        }
    }
    write(dir, "income_sources.csv", &src);

    // villages.csv: remote villages are poorer; the 4 most remote relocate people in 2010–2012
    // to the 2 least remote.
    let remoteness: Vec<f64> = (0..VILLAGES).map(|_| 0.06 + 0.92 * rng.next()).collect();
    let mut order: Vec<usize> = (0..VILLAGES).collect();
    order.sort_by(|a, b| remoteness[*b].total_cmp(&remoteness[*a]));
    let senders = &order[..4.min(VILLAGES)];
    let receivers = &order[VILLAGES.saturating_sub(2)..];
    let vpop: Vec<f64> = (0..VILLAGES)
        .map(|_| (1500.0 + 4500.0 * rng.next()).round())
        .collect();
    let mut vil = String::from(
        "replicate,year,village,population,poor,headcount_ratio,mean_income,remoteness,relocated_in,relocated_out\n",
    );
    for rep in 0..REPLICATES {
        for t in 0..YEARS {
            let moving = (2..=4).contains(&t);
            let out_of = |v: usize| {
                if moving && senders.contains(&v) {
                    (60.0 + 40.0 * v as f64 % 190.0).round()
                } else {
                    0.0
                }
            };
            let total_out: f64 = (0..VILLAGES).map(out_of).sum();
            for v in 0..VILLAGES {
                let h = (heads[rep][t] * (0.3 + 1.8 * remoteness[v])).min(0.95);
                let pop = vpop[v] + 10.0 * t as f64;
                let inflow = if receivers.contains(&v) {
                    (total_out / 2.0).round()
                } else {
                    0.0
                };
                let _ = writeln!(
                    vil,
                    "{rep},{},{v},{pop},{},{h:.5},{:.1},{:.4},{inflow},{}",
                    FIRST_YEAR + t as i32,
                    (h * pop).round(),
                    5200.0 * 1.09f64.powi(t as i32) * (1.4 - 0.8 * remoteness[v]),
                    remoteness[v],
                    out_of(v)
                );
            }
        }
    }
    write(dir, "villages.csv", &vil);

    // distribution.csv: log-normal incomes on 40 log-spaced bins (100 – 100,000), plus a
    // first bin from 0, for replicate 0 in the first and last year.
    let mut dist = String::from("replicate,year,lower,upper,people\n");
    let mut dist_years = vec![0, YEARS - 1];
    dist_years.dedup();
    for t in dist_years {
        let median = 4400.0 * 1.09f64.powi(t as i32);
        let sigma = 0.8 - 0.02 * t as f64;
        let cdf = |x: f64| 0.5 * (1.0 + erf((x / median).ln() / (sigma * 2f64.sqrt())));
        let pop = pops[0][t];
        let _ = writeln!(
            dist,
            "0,{},0,100,{}",
            FIRST_YEAR + t as i32,
            (pop * cdf(100.0)).round()
        );
        let ratio = 1000f64.powf(1.0 / 40.0);
        for i in 0..40 {
            let lo = 100.0 * ratio.powi(i);
            let hi = lo * ratio;
            let _ = writeln!(
                dist,
                "0,{},{lo:.2},{hi:.2},{}",
                FIRST_YEAR + t as i32,
                (pop * (cdf(hi) - cdf(lo))).round()
            );
        }
    }
    write(dir, "distribution.csv", &dist);

    // transitions.csv
    let mut tr = String::from("replicate,from,to,people\n");
    let base = [
        [5200.0, 2600.0, 4800.0],
        [900.0, 3800.0, 9800.0],
        [1000.0, 2200.0, 40000.0],
    ];
    for rep in 0..REPLICATES {
        for (i, from) in ["poor", "near_poor", "non_poor"].iter().enumerate() {
            for (j, to) in ["poor", "near_poor", "non_poor"].iter().enumerate() {
                let _ = writeln!(
                    tr,
                    "{rep},{from},{to},{}",
                    (base[i][j] * (1.0 + 0.03 * rng.sym())).round()
                );
            }
        }
    }
    write(dir, "transitions.csv", &tr);

    // spending.csv
    let mut sp = String::from(
        "replicate,year,module,budget,spent,beneficiary_households,beneficiary_people,registered_poor_beneficiaries\n",
    );
    let mut totals = [0.0; MODULES.len()];
    for rep in 0..REPLICATES {
        for t in 0..YEARS {
            for (m, name) in MODULES.iter().enumerate() {
                let budget = [6.0e6, 4.0e6, 2.5e6, 1.5e6, 3.0e6][m] * (1.0 + 0.15 * t as f64);
                let budget = if *name == "relocation" && !(2..=4).contains(&t) {
                    0.0
                } else {
                    budget
                };
                let spent = (budget * (0.9 + 0.05 * rng.sym())).round();
                totals[m] += spent / REPLICATES as f64;
                let hh = (spent / 3000.0).round();
                let _ = writeln!(
                    sp,
                    "{rep},{},{name},{budget},{spent},{hh},{},{}",
                    FIRST_YEAR + t as i32,
                    (hh * 3.6).round(),
                    (hh * 0.6).round()
                );
            }
        }
    }
    write(dir, "spending.csv", &sp);

    // targeting.csv
    let mut tg = String::from("replicate,year,method,registered,inclusion_error,exclusion_error\n");
    for rep in 0..REPLICATES {
        for t in 0..YEARS {
            let _ = writeln!(
                tg,
                "{rep},{},proxy_means_test,{},{:.4},{:.4}",
                FIRST_YEAR + t as i32,
                (5200.0 - 420.0 * t as f64 + 50.0 * rng.sym()).round(),
                0.36 - 0.015 * t as f64 + 0.01 * rng.sym(),
                0.42 - 0.02 * t as f64 + 0.01 * rng.sym()
            );
        }
    }
    write(dir, "targeting.csv", &tg);

    // summary.json
    let total: f64 = totals.iter().sum();
    let by_module: Vec<String> = MODULES
        .iter()
        .zip(totals)
        .map(|(m, v)| format!("{}: {v:.0}", json_str(m)))
        .collect();
    let hc: Vec<String> = (0..YEARS)
        .map(|t| {
            let v: Vec<f64> = (0..REPLICATES).map(|r| heads[r][t]).collect();
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            format!(
                "{{\"year\": {}, \"mean\": {mean:.6}, \"p5\": {:.6}, \"p95\": {:.6}}}",
                FIRST_YEAR + t as i32,
                mean * 0.97,
                mean * 1.03
            )
        })
        .collect();
    let summary = format!(
        r#"{{
  "scenario": {},
  "seed": 1,
  "replicates": {},
  "version": "0.1.0",
  "start_year": {FIRST_YEAR},
  "years": {},
  "households": 19500,
  "wall_time_s": 1.2,
  "household_years_per_second": 1.0e7,
  "targets": [
    {{"year": 2008, "measure": "headcount_ratio", "value": 0.175}},
    {{"year": 2011, "measure": "headcount_ratio", "value": 0.085}},
    {{"year": 2014, "measure": "headcount_ratio", "value": 0.037}},
    {{"year": 2010, "measure": "extreme_ratio", "value": 0.038}}
  ],
  "measures": {{"headcount_ratio": [{}]}},
  "parameters": [["households", "19500"], ["villages", "{}"], ["poverty line", "1196 → 2800 yuan"], ["targeting", "proxy means test"], ["note", {}]],
  "spending": {{"total": {total:.0}, "by_module": {{{}}}}}
}}
"#,
        json_str(scenario),
        REPLICATES,
        YEARS,
        hc.join(", "),
        VILLAGES,
        json_str(&format!("{scenario} <b>&amp;</b> 'quoted'")),
        by_module.join(", ")
    );
    write(dir, "summary.json", &summary);
}

/// A JSON string literal.
fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The error function (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7).
fn erf(x: f64) -> f64 {
    let s = x.signum();
    let x = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let y = 1.0
        - (((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t
            + 0.254_829_592)
            * t
            * (-x * x).exp();
    s * y
}

/// Whether a browser test can run: `needs` lists (what, path) pairs that must
/// exist and be usable by this user (readable; a program also executable, as
/// scripts/test.sh checks with `-x`). All there: true. Something missing: a panic naming what to install
/// (plain `cargo test` and CI require the browser tests), unless
/// `scripts/test.sh` found it could not install them (no root) and set
/// `POVSIM_BROWSER_TESTS=not-run`: then the test prints "NOT RUN", adds its
/// name to the file `POVSIM_NOT_RUN_FILE` names (for the script's summary)
/// and returns false, so it is reported as not run, never as passed.
/// Readable, and executable too when it is a file with any execute bit: a
/// browser installed but not executable by this user counts as missing.
fn usable(p: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt as _;
    use std::os::unix::fs::PermissionsExt as _;
    let Ok(meta) = std::fs::metadata(p) else {
        return false;
    };
    let Ok(c) = std::ffi::CString::new(p.as_os_str().as_bytes()) else {
        return false;
    };
    let mode = if meta.is_file() && meta.permissions().mode() & 0o111 != 0 {
        libc::X_OK | libc::R_OK
    } else {
        libc::R_OK
    };
    // SAFETY: `c` is a valid NUL-terminated path; access() only reads it.
    unsafe { libc::access(c.as_ptr(), mode) == 0 }
}

pub fn browser_ready(test: &str, needs: &[(&str, &Path)]) -> bool {
    let missing: Vec<String> = needs
        .iter()
        .filter(|(_, p)| !usable(p))
        .map(|(what, p)| format!("{what} ({})", p.display()))
        .collect();
    if missing.is_empty() {
        return true;
    }
    let missing = missing.join(", ");
    if std::env::var("POVSIM_BROWSER_TESTS").as_deref() == Ok("not-run") {
        eprintln!("NOT RUN: {test}: missing {missing}");
        if let Some(file) = std::env::var_os("POVSIM_NOT_RUN_FILE") {
            use std::io::Write as _;
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(file)
            {
                let _ = writeln!(f, "{test}: missing {missing}");
            }
        }
        return false;
    }
    panic!(
        "missing {missing}: run `bash scripts/test.sh` (it installs them when it can, \
         or reports this test as not run); this test does not skip"
    );
}

/// `program` as found on the PATH, or a path that does not exist (so
/// [`browser_ready`] reports it missing).
pub fn on_path(program: &str) -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(program))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| PathBuf::from(format!("{program} on the PATH")))
}
