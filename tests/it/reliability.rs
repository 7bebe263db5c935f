//! Inputs read with limits, numbers at their extremes, and output that goes
//! nowhere: devices, FIFOs and oversized files refused before they are read;
//! `extends` chains capped; the extreme line kept under the poverty line;
//! seeds over the whole u64 range; `measure` near the largest number;
//! `trace` of a repeated household; closed pipes; the memory guard under
//! `ulimit -v`.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::fixtures::{Rlimit, temp_dir, under_rlimit};
use crate::sweep::SMALL;

const BIN: &str = env!("CARGO_BIN_EXE_povsim");

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn povsim(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).stdin(Stdio::null());
    c
}

/// Run to the end, but kill a process that hangs (reading a FIFO or a device
/// for ever) after a minute, so the test fails instead of hanging.
fn output(mut c: Command) -> Output {
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if t0.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("{c:?} hangs");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

/// The one line of stderr of a refusal (exit code 2).
fn refusal(what: &str, out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{what}: {err}");
    assert_eq!(err.lines().count(), 1, "{what}: {err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
    err
}

fn ok(what: &str, out: &Output) -> String {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(s(p)).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

#[test]
fn devices_fifos_and_oversized_files_are_refused_before_reading() {
    let tmp = temp_dir("limits");
    let fifo = tmp.join("fifo.toml");
    mkfifo(&fifo);
    let child = write(&tmp, "child.toml", "extends = \"fifo.toml\"\n");
    let zero_child = write(&tmp, "zero.toml", "extends = \"/dev/zero\"\n");
    let csv_fifo = tmp.join("survey.csv");
    mkfifo(&csv_fifo);
    for (what, args, want) in [
        (
            "validate /dev/zero",
            vec!["validate", "/dev/zero"],
            "a character device",
        ),
        ("validate a FIFO", vec!["validate", s(&fifo)], "a FIFO"),
        ("extends a FIFO", vec!["validate", s(&child)], "a FIFO"),
        (
            "extends /dev/zero",
            vec!["validate", s(&zero_child)],
            "a character device",
        ),
        (
            "run extends /dev/zero",
            vec!["run", s(&zero_child), "--out", s(&tmp.join("o"))],
            "a character device",
        ),
        (
            "measure /dev/zero",
            vec!["measure", "/dev/zero", "--line", "2300"],
            "a character device",
        ),
        (
            "measure a FIFO",
            vec!["measure", s(&csv_fifo), "--line", "2300"],
            "a FIFO",
        ),
    ] {
        let err = refusal(what, &output(povsim(&args)));
        assert!(
            err.contains("expected a regular file, got ") && err.contains(want),
            "{what}: {err}"
        );
    }
    assert!(!tmp.join("o").exists());

    // Over the size limit (lowered to 1 MB for the test): refused with the
    // limit and how to raise it; under it, read.
    let pad = format!("{}\n", "#".repeat(1023)).repeat(1100);
    let big = write(&tmp, "big.toml", &format!("{SMALL}{pad}"));
    let mut c = povsim(&["validate", s(&big)]);
    c.env("POVSIM_MAX_INPUT_MB", "1");
    let err = refusal("a 1.1 MB scenario", &output(c));
    assert!(
        err.contains(
            "expected a file of at most 1 MB (POVSIM_MAX_INPUT_MB raises the limit), got 2 MB"
        ),
        "{err}"
    );
    let mut c = povsim(&["validate", s(&big)]);
    c.env("POVSIM_MAX_INPUT_MB", "2");
    ok("under a limit of 2 MB", &output(c));
    let parent = write(&tmp, "extends_big.toml", "extends = \"big.toml\"\n");
    let mut c = povsim(&["validate", s(&parent)]);
    c.env("POVSIM_MAX_INPUT_MB", "1");
    let err = refusal("extends a 1.1 MB file", &output(c));
    assert!(
        err.contains("extends: expected a file of at most 1 MB"),
        "{err}"
    );
    let rows = "income\n".to_string() + &"12345.678\n".repeat(120_000);
    let survey = write(&tmp, "big.csv", &rows);
    let mut c = povsim(&["measure", s(&survey), "--line", "2300"]);
    c.env("POVSIM_MAX_INPUT_MB", "1");
    let err = refusal("a 1.2 MB survey", &output(c));
    assert!(err.contains("expected a file of at most 1 MB"), "{err}");
    let mut c = povsim(&["validate", s(&big)]);
    c.env("POVSIM_MAX_INPUT_MB", "lots");
    let err = refusal("a bad limit", &output(c));
    assert!(
        err.contains("POVSIM_MAX_INPUT_MB: expected a whole number of megabytes"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(tmp);
}

#[test]
fn extends_chains_are_capped_at_64_files() {
    let tmp = temp_dir("extends-depth");
    write(&tmp, "f0.toml", SMALL);
    for k in 1..70 {
        write(
            &tmp,
            &format!("f{k}.toml"),
            &format!("extends = \"f{}.toml\"\n", k - 1),
        );
    }
    // 64 files (63 extends) are read; 65 are not.
    ok(
        "64 files",
        &output(povsim(&["validate", s(&tmp.join("f63.toml"))])),
    );
    let err = refusal(
        "65 files",
        &output(povsim(&["validate", s(&tmp.join("f64.toml"))])),
    );
    assert!(
        err.contains("extends: expected a chain of at most 64 scenario files, got a longer one"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(tmp);
}

#[test]
fn the_extreme_line_stays_under_the_poverty_line_in_every_year() {
    let tmp = temp_dir("extreme-line");
    let text = format!(
        "{SMALL}\n[poverty_lines]\nlow_income = 2300\nextreme = {{ values = {{ 2010 = 2000 }}, index = 0.05 }}\n"
    );
    let f = write(&tmp, "lines.toml", &text);
    // 2000 × 1.05^k passes 2300 in the third year after 2010.
    ok("up to 2012", &output(povsim(&["validate", s(&f)])));
    let err = refusal(
        "to 2013",
        &output(povsim(&["validate", s(&f), "--set", "simulation.years=4"])),
    );
    assert!(err.contains("lines.toml:"), "{err}");
    assert!(
        err.contains("poverty_lines.extreme: expected an extreme line at or below the poverty line in every simulated year, got 2315.2")
            && err.contains(" above 2300 in 2013"),
        "{err}"
    );
    let err = refusal(
        "--set",
        &output(povsim(&[
            "validate",
            s(&f),
            "--set",
            "poverty_lines.extreme=2400",
        ])),
    );
    assert!(
        err.starts_with("error: --set poverty_lines.extreme=2400:"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(tmp);
}

#[test]
fn seeds_cover_the_whole_u64_range() {
    let tmp = temp_dir("seeds");
    let f = write(&tmp, "small.toml", SMALL);
    let max = u64::MAX.to_string();
    let printed = ok(
        "--set seed=2^64-1",
        &output(povsim(&[
            "validate",
            s(&f),
            "--set",
            &format!("simulation.seed={max}"),
        ])),
    );
    assert!(printed.contains(&format!("seed = \"{max}\"")), "{printed}");
    // The effective scenario printed reads back the same.
    let again = write(&tmp, "again.toml", &printed);
    assert_eq!(
        ok("reprinted", &output(povsim(&["validate", s(&again)]))),
        printed
    );
    // A run takes the whole seed (2^63 and 2^63 + 1 differ, so it is not cut to 63 bits).
    let mut trajectories = Vec::new();
    for seed in ["9223372036854775808", "9223372036854775809"] {
        let out = tmp.join(seed);
        ok(
            seed,
            &output(povsim(&[
                "run",
                s(&f),
                "--seed",
                seed,
                "--out",
                s(&out),
                "--quiet",
                "--no-charts",
            ])),
        );
        let summary: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
        assert_eq!(summary["seed"].as_u64().unwrap().to_string(), seed);
        trajectories.push(std::fs::read(out.join("trajectory.csv")).unwrap());
    }
    assert_ne!(trajectories[0], trajectories[1]);
    // Written in the file: quoted, or refused with how to write it.
    let quoted = write(
        &tmp,
        "quoted.toml",
        &SMALL.replace("seed = 5", &format!("seed = \"{max}\"")),
    );
    ok("quoted", &output(povsim(&["validate", s(&quoted)])));
    let bare = write(
        &tmp,
        "bare.toml",
        &SMALL.replace("seed = 5", &format!("seed = {max}")),
    );
    let err = refusal("bare", &output(povsim(&["validate", s(&bare)])));
    assert!(err.contains("seed: ") && err.contains("in quotes"), "{err}");
    let err = refusal(
        "negative",
        &output(povsim(&["validate", s(&f), "--set", "simulation.seed=-1"])),
    );
    assert!(
        err.contains("expected a whole number from 0 to 18446744073709551615, got -1"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(tmp);
}

#[test]
fn measure_near_the_largest_number() {
    let tmp = temp_dir("measure-huge");
    // Two persons, 1e308 and 1.5e308: Gini |a − b| / (4 μ) = 0.5 / 5 = 0.1.
    let f = write(&tmp, "huge.csv", "income\n1e308\n1.5e308\n");
    let out = ok(
        "huge incomes",
        &output(povsim(&["measure", s(&f), "--line", "2300", "--json"])),
    );
    let m: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!((m["gini"].as_f64().unwrap() - 0.1).abs() < 1e-12, "{m}");
    assert!(
        (m["mean_income"].as_f64().unwrap() / 1.25e308 - 1.0).abs() < 1e-12,
        "{m}"
    );
    assert!(
        (m["bottom40_share"].as_f64().unwrap() - 0.32).abs() < 1e-12,
        "{m}"
    );
    // Huge weights that still add up: measured; beyond the largest number: refused.
    let f = write(&tmp, "heavy.csv", "income,w\n1000,5e307\n4000,5e307\n");
    let out = ok(
        "huge weights",
        &output(povsim(&[
            "measure",
            s(&f),
            "--line",
            "2300",
            "--weight-col",
            "w",
            "--json",
        ])),
    );
    let m: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        (m["headcount_ratio"].as_f64().unwrap() - 0.5).abs() < 1e-12,
        "{m}"
    );
    assert!((m["gini"].as_f64().unwrap() - 0.3).abs() < 1e-12, "{m}");
    let f = write(&tmp, "heavier.csv", "income,w\n1000,1e308\n4000,1e308\n");
    let err = refusal(
        "weights beyond 1.8e308",
        &output(povsim(&[
            "measure",
            s(&f),
            "--line",
            "2300",
            "--weight-col",
            "w",
        ])),
    );
    assert!(
        err.contains("expected weights that add up to at most 1.8e308"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(tmp);
}

#[test]
fn a_repeated_household_is_traced_once() {
    let once = ok(
        "0",
        &output(povsim(&["trace", "classroom", "--household", "0,1"])),
    );
    let repeated = ok(
        "0,0,0,0",
        &output(povsim(&["trace", "classroom", "--household", "0,0,1,0,1"])),
    );
    assert_eq!(repeated, once);
    let json = ok(
        "json",
        &output(povsim(&[
            "trace",
            "classroom",
            "--household",
            "2,2",
            "--json",
        ])),
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
}

/// The writing end of a pipe whose reading end is already closed.
fn closed_pipe() -> Stdio {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills two descriptors; the reading one is closed at once,
    // the writing one owned by the OwnedFd handed to the child.
    unsafe {
        assert_eq!(libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC), 0);
        libc::close(fds[0]);
        Stdio::from(std::os::fd::OwnedFd::from_raw_fd(fds[1]))
    }
}

/// Output into a closed pipe (`| head`) ends the process quietly, killed
/// by SIGPIPE as other Unix tools are (status 141 in a shell), never with a
/// panic (exit code 101).
#[test]
fn closed_pipes_end_quietly() {
    let tmp = temp_dir("pipes");
    let f = write(&tmp, "small.toml", SMALL);
    let csv = write(&tmp, "survey.csv", "income\n1000\n3000\n");
    let part = tmp.join("part");
    let o = output(povsim(&[
        "sweep",
        s(&f),
        "--out",
        s(&part),
        "--quiet",
        "--no-charts",
        "--vary",
        "simulation.years=2,3",
    ]));
    ok("a sweep to merge", &o);
    let (run, compare, sweep, optimize, merged, init) = (
        tmp.join("run"),
        tmp.join("compare"),
        tmp.join("sweep"),
        tmp.join("optimize"),
        tmp.join("merged"),
        tmp.join("init.toml"),
    );
    let cases: Vec<Vec<&str>> = vec![
        vec!["validate", s(&f)],
        vec!["trace", "classroom", "--household", "0,1,2"],
        vec!["measure", s(&csv), "--line", "2300"],
        vec!["run", s(&f), "--out", s(&run)],
        vec!["compare", s(&f), s(&f), "--out", s(&compare)],
        vec![
            "sweep",
            s(&f),
            "--out",
            s(&sweep),
            "--vary",
            "simulation.years=2,3",
            "--no-charts",
        ],
        vec![
            "optimize",
            s(&f),
            "--budget",
            "400000",
            "--modules",
            "transfers,education",
            "--evaluations",
            "4",
            "--out",
            s(&optimize),
            "--no-charts",
        ],
        vec!["merge", s(&merged), s(&part), "--no-charts"],
        vec!["init", s(&init)],
    ];
    for args in cases {
        let out = povsim(&args)
            .stdout(closed_pipe())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGPIPE),
            "{args:?}: {:?} {err}",
            out.status
        );
    }
    // The outputs were committed before the message that could not be printed.
    assert!(run.join("trajectory.csv").is_file() && merged.join("sweep.csv").is_file());
    let _ = std::fs::remove_dir_all(tmp);
}

/// Under `ulimit -v 1G`, 10 million households (about 1.4 GiB) are refused
/// with one line before anything is allocated, not aborted half-way.
#[test]
fn the_memory_guard_honours_ulimit_v() {
    let tmp = temp_dir("ulimit");
    let f = write(&tmp, "small.toml", SMALL);
    let out = tmp.join("out");
    let mut c = povsim(&[
        "run",
        s(&f),
        "--set",
        "simulation.households=10000000",
        "--set",
        "simulation.villages=100",
        "--out",
        s(&out),
        "--quiet",
    ]);
    under_rlimit(&mut c, Rlimit::AddressSpace(1 << 30));
    let err = refusal("10 million households under ulimit -v 1G", &output(c));
    assert!(
        err.contains("simulation.households: expected a population that fits in memory: 10000000 households need about")
            && err.contains("ulimit -v"),
        "{err}"
    );
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(tmp);
}
