//! An output directory is one unit: two writers cannot share one (the second
//! fails at once naming the first), a rerun without charts leaves no charts
//! of the run before, a full disk leaves the previous set, a directory that
//! holds anything povsim did not write is never replaced, and two identical
//! sweeps (or calibrations) into one directory leave each row once.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use crate::fixtures::{Rlimit, temp_dir, under_rlimit};
use crate::kill::{BIG, files};
use crate::sweep::SMALL;

const BIN: &str = env!("CARGO_BIN_EXE_povsim");

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn povsim(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The one line of stderr of a refusal (exit code 2).
fn refusal(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// Start `first`, wait until it holds the lock on `target`, run `second`;
/// returns (the first's output, the second's), or None if the first
/// finished before the second started (then the test cannot tell).
fn two_writers(
    first: &mut Command,
    second: &mut Command,
    target: &Path,
) -> Option<(Output, Output)> {
    let lock = target.with_file_name(format!(
        ".{}.povsim-lock",
        target.file_name().unwrap().to_string_lossy()
    ));
    let mut a: Child = first.spawn().unwrap();
    // The holder writes its pid into the lock file once it holds it.
    while !std::fs::read_to_string(&lock).is_ok_and(|t| t.contains(&format!("pid {}", a.id()))) {
        if a.try_wait().unwrap().is_some() {
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let b = second.output().unwrap();
    let a_running = a.try_wait().unwrap().is_none();
    let a = a.wait_with_output().unwrap();
    if !a_running && b.status.success() {
        return None;
    }
    Some((a, b))
}

/// Start the same appending command twice into an empty `target` (retrying
/// until the second meets the first): the first succeeds, the second is
/// refused at once.
fn same_command_twice(args: &[String], target: &Path, what: &str) {
    for _ in 0..5 {
        let _ = std::fs::remove_dir_all(target);
        let mut first = povsim(&[]);
        first.args(args);
        let mut second = povsim(&[]);
        second.args(args);
        if let Some((a, b)) = two_writers(&mut first, &mut second, target) {
            ok(&a);
            let err = refusal(&b);
            assert!(err.contains("another povsim is writing"), "{err}");
            return;
        }
    }
    panic!("the first {what} finished before the second started, or took no lock");
}

#[test]
fn a_second_run_into_the_same_directory_fails_at_once_naming_the_first() {
    let tmp = temp_dir("two-runs");
    let sc = write(&tmp, "big.toml", BIG);
    let target = tmp.join("out");
    let reference = tmp.join("reference");
    ok(&povsim(&["run", s(&sc), "--out", s(&reference), "--quiet"])
        .output()
        .unwrap());
    let mut tries = 0;
    let (a, b) = loop {
        tries += 1;
        let mut first = povsim(&["run", s(&sc), "--out", s(&target), "--quiet"]);
        let mut second = povsim(&["run", s(&sc), "--out", s(&target), "--quiet", "--seed", "9"]);
        if let Some(r) = two_writers(&mut first, &mut second, &target) {
            break r;
        }
        assert!(
            tries < 5,
            "the first run finished before the second started, or took no lock"
        );
    };
    ok(&a);
    let err = refusal(&b);
    assert!(
        err.contains("another povsim is writing this output directory (pid ")
            && err.contains("started ")
            && err.contains("povsim run "),
        "{err}"
    );
    // The directory is the first run's, whole (seed 5, not 9).
    let (got, want) = (files(&target), files(&reference));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    assert_eq!(got["trajectory.csv"], want["trajectory.csv"]);
    assert_eq!(got["stories.json"], want["stories.json"]);
    assert_eq!(got["charts/dynamics.png"], want["charts/dynamics.png"]);
    let _ = std::fs::remove_dir_all(tmp);
}

#[test]
fn two_identical_sweeps_into_one_directory_leave_each_row_once() {
    let tmp = temp_dir("two-sweeps");
    let sc = write(&tmp, "small.toml", SMALL);
    let target = tmp.join("sweep");
    let args = |out: &Path| -> Vec<String> {
        [
            "sweep",
            s(&sc),
            "--out",
            s(out),
            "--quiet",
            "--no-charts",
            "--vary",
            "interventions.transfers.budget=0:2000000:50000",
            "--replicates",
            "3",
            "--set",
            "simulation.households=2000",
        ]
        .map(String::from)
        .to_vec()
    };
    let one = tmp.join("one");
    ok(&povsim(&[]).args(args(&one)).output().unwrap());
    same_command_twice(&args(&target), &target, "sweep");
    let csv = std::fs::read_to_string(target.join("sweep.csv")).unwrap();
    assert_eq!(csv, std::fs::read_to_string(one.join("sweep.csv")).unwrap());
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    let mut keys: Vec<(&str, &str)> = rows
        .iter()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0], f[2])
        })
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), rows.len(), "duplicated rows");
    assert_eq!(rows.len(), 41 * 3);
    let _ = std::fs::remove_dir_all(tmp);
}

#[test]
fn a_run_without_charts_leaves_no_charts_of_the_run_before() {
    let tmp = temp_dir("no-charts");
    let sc = write(&tmp, "small.toml", SMALL);
    let out = tmp.join("out");
    ok(&povsim(&["run", s(&sc), "--out", s(&out), "--quiet"])
        .output()
        .unwrap());
    assert!(out.join("report.html").is_file() && out.join("charts").is_dir());
    ok(&povsim(&[
        "run",
        s(&sc),
        "--out",
        s(&out),
        "--quiet",
        "--no-charts",
        "--seed",
        "2",
    ])
    .output()
    .unwrap());
    let names: Vec<String> = files(&out).into_keys().collect();
    assert!(
        names
            .iter()
            .all(|n| !n.starts_with("charts") && n != "report.html" && n != "stories.json"),
        "old charts beside new tables: {names:?}"
    );
    assert!(names.contains(&"trajectory.csv".to_string()));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["seed"], 2);
    let _ = std::fs::remove_dir_all(tmp);
}

/// A directory povsim did not write (or with a file its manifest does not
/// list) is never replaced: one line naming the file, nothing changed.
#[test]
fn a_directory_with_other_files_is_not_replaced() {
    let tmp = temp_dir("foreign");
    let sc = write(&tmp, "small.toml", SMALL);
    let mine = tmp.join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    write(&mine, "notes.txt", "my notes");
    let out = povsim(&["run", s(&sc), "--out", s(&mine), "--quiet"])
        .output()
        .unwrap();
    let err = refusal(&out);
    assert!(
        err.contains("notes.txt") && err.contains("choose another --out"),
        "{err}"
    );
    assert_eq!(files(&mine).len(), 1);
    // A run's directory with a file added since.
    let run_dir = tmp.join("run");
    ok(&povsim(&[
        "run",
        s(&sc),
        "--out",
        s(&run_dir),
        "--quiet",
        "--no-charts",
    ])
    .output()
    .unwrap());
    write(&run_dir, "added.csv", "x\n");
    let before = files(&run_dir);
    let err = refusal(
        &povsim(&["run", s(&sc), "--out", s(&run_dir), "--quiet"])
            .output()
            .unwrap(),
    );
    assert!(
        err.contains("added.csv") && err.contains("manifest does not list"),
        "{err}"
    );
    assert!(files(&run_dir) == before);
    // The working directory (and so `--out .`) is refused as well.
    let err = refusal(
        &povsim(&["run", s(&sc), "--out", ".", "--quiet"])
            .current_dir(&run_dir)
            .output()
            .unwrap(),
    );
    assert!(err.contains("working directory"), "{err}");
    // A sweep into a run's directory is refused; a run into a sweep's replaces it.
    let err = refusal(
        &povsim(&[
            "sweep",
            s(&sc),
            "--out",
            s(&run_dir),
            "--quiet",
            "--vary",
            "simulation.years=2,3",
        ])
        .output()
        .unwrap(),
    );
    assert!(
        err.contains("expected an empty directory or a sweep's"),
        "{err}"
    );
    let sweep_dir = tmp.join("sweep");
    ok(&povsim(&[
        "sweep",
        s(&sc),
        "--out",
        s(&sweep_dir),
        "--quiet",
        "--vary",
        "simulation.years=2,3",
    ])
    .output()
    .unwrap());
    ok(&povsim(&[
        "run",
        s(&sc),
        "--out",
        s(&sweep_dir),
        "--quiet",
        "--no-charts",
    ])
    .output()
    .unwrap());
    assert!(!sweep_dir.join("sweep.csv").exists() && sweep_dir.join("trajectory.csv").exists());
    let _ = std::fs::remove_dir_all(tmp);
}

/// `plot` redraws in a copy and swaps it in: the tables it read are the
/// same files (hard links), the charts are redrawn, the manifest still lists
/// every file, and another run can replace the directory afterwards.
#[test]
fn plot_swaps_its_redrawn_directory_in() {
    let tmp = temp_dir("plot-swap");
    let sc = write(&tmp, "small.toml", SMALL);
    let out = tmp.join("out");
    ok(&povsim(&["run", s(&sc), "--out", s(&out), "--quiet"])
        .output()
        .unwrap());
    let before = files(&out);
    std::fs::remove_file(out.join("charts/dynamics.svg")).unwrap();
    ok(&povsim(&["plot", s(&out)]).output().unwrap());
    let after = files(&out);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    assert_eq!(before["trajectory.csv"], after["trajectory.csv"]);
    assert_eq!(before["charts/dynamics.svg"], after["charts/dynamics.svg"]);
    ok(&povsim(&["run", s(&sc), "--out", s(&out), "--quiet"])
        .output()
        .unwrap());
    let _ = std::fs::remove_dir_all(tmp);
}

/// A small file system, mounted for the test (as root; elsewhere the same
/// failure is injected with RLIMIT_FSIZE, under which a write past the size
/// fails with EFBIG as it would with ENOSPC).
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, kib: u64) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={kib}k"),
                "tmpfs",
                s(dir),
            ])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(dir.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_leaves_the_previous_set() {
    let tmp = temp_dir("full-disk");
    let sc = write(&tmp, "small.toml", SMALL);
    // How big a complete set is, and its parts: the tables and summary come
    // first; some later file (a chart, the stories, the report) is bigger
    // than all of them, so a disk that fills there fills after the tables.
    let probe = tmp.join("probe");
    ok(&povsim(&["run", s(&sc), "--out", s(&probe), "--quiet"])
        .output()
        .unwrap());
    let pages = |b: &Vec<u8>| (b.len() as u64).div_ceil(4096) * 4096;
    let set = files(&probe);
    let is_early = |n: &str| n.ends_with(".csv") || n == "summary.json";
    let early: u64 = set
        .iter()
        .filter(|(n, _)| is_early(n))
        .map(|(_, b)| pages(b))
        .sum();
    let early_max = set
        .iter()
        .filter(|(n, _)| is_early(n))
        .map(|(_, b)| b.len() as u64)
        .max()
        .unwrap();
    let later_max = set
        .iter()
        .filter(|(n, _)| !is_early(n))
        .map(|(_, b)| b.len() as u64)
        .max()
        .unwrap();
    let room = early + 8192;
    assert!(
        later_max > room,
        "no later file is bigger than the tables ({later_max} vs {room})"
    );
    // A file system with room for the set and the tables again, not more.
    let mnt = tmp.join("mnt");
    let fs = Tmpfs::mount(&mnt, (set.values().map(pages).sum::<u64>() + room) / 1024);
    let out = mnt.join("out");
    ok(&povsim(&["run", s(&sc), "--out", s(&out), "--quiet"])
        .output()
        .unwrap());
    let before = files(&out);
    let mut rerun = povsim(&["run", s(&sc), "--out", s(&out), "--quiet", "--seed", "2"]);
    let how = if fs.is_some() {
        "a full tmpfs"
    } else {
        // No mount: every table fits, a later file does not.
        under_rlimit(&mut rerun, Rlimit::FileSize(early_max + 1));
        "RLIMIT_FSIZE"
    };
    let err = refusal(&rerun.output().unwrap());
    eprintln!("full disk ({how}): {}", err.trim());
    assert!(
        err.contains("No space left on device") || err.contains("File too large"),
        "{err}"
    );
    assert!(files(&out) == before, "the previous set changed");
    let leftovers: Vec<_> = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n != "out")
        .collect();
    assert!(leftovers.is_empty(), "left {leftovers:?}");
    drop(fs);
    let _ = std::fs::remove_dir_all(tmp);
}

/// A small calibration (two keys, one target): long enough for a second
/// writer to meet the first.
fn calibration_file(dir: &Path) -> PathBuf {
    let text = format!(
        "{SMALL}\n[calibration]\nevaluations = 40\n\n\
         [[calibration.fit]]\nkey = \"income.local_wage.index\"\nbounds = [0.0, 0.2]\n\n\
         [[calibration.fit]]\nkey = \"households.ability.sigma\"\nbounds = [0.2, 0.9]\n\n\
         [[calibration.targets]]\nmeasure = \"headcount_ratio\"\nyear = 2012\nvalue = 0.12\nse = 0.01\n"
    )
    .replace("households = 400", "households = 2000");
    write(dir, "fit.toml", &text)
}

#[test]
fn two_calibrations_into_one_directory_leave_the_first_whole() {
    let tmp = temp_dir("two-calibrations");
    let sc = calibration_file(&tmp);
    let target = tmp.join("fit");
    let args = |out: &Path| -> Vec<String> {
        [
            "calibrate",
            s(&sc),
            "--out",
            s(out),
            "--quiet",
            "--no-charts",
        ]
        .map(String::from)
        .to_vec()
    };
    let one = tmp.join("one");
    ok(&povsim(&[]).args(args(&one)).output().unwrap());
    same_command_twice(&args(&target), &target, "calibration");
    let (got, want) = (files(&target), files(&one));
    assert_eq!(got["calibration.csv"], want["calibration.csv"]);
    assert_eq!(got["calibration.json"], want["calibration.json"]);
    // A calibration into a run's directory is refused; the run stays.
    let run = tmp.join("run");
    ok(
        &povsim(&["run", s(&sc), "--out", s(&run), "--quiet", "--no-charts"])
            .output()
            .unwrap(),
    );
    let before = files(&run);
    let err = refusal(&povsim(&[]).args(args(&run)).output().unwrap());
    assert!(
        err.contains("expected an empty directory or a calibration's"),
        "{err}"
    );
    assert_eq!(files(&run), before);
    let _ = std::fs::remove_dir_all(tmp);
}
