//! Outputs are all or nothing, as a set: a rerun into a directory that holds
//! a complete run is killed with SIGKILL or SIGTERM (as `timeout` or a
//! cluster's time limit does) at pseudo-random moments spread over the whole
//! run (drawing the population, stepping, the tables, the stories, the
//! charts, the report, the swap), and the directory must then hold exactly
//! the previous complete set, byte for byte, or, when the rerun finished
//! first, exactly a complete set of the rerun. Ctrl-C (SIGINT) stops a run
//! with exit code 130, one line, and nothing written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::fixtures::temp_dir;

const BIN: &str = env!("CARGO_BIN_EXE_povsim");

/// About 1–2 s on a 2-core machine, half of it after the tables (stories,
/// charts, report): long enough to be killed in every phase.
pub const BIG: &str = r#"
[simulation]
name = "killme"
start_year = 2008
years = 7
seed = 5
replicates = 3
villages = 100
households = 40000

[interventions.targeting]
method = "income"

[interventions.transfers]
budget = 5000000
"#;

fn scenario(dir: &Path) -> PathBuf {
    let p = dir.join("big.toml");
    std::fs::write(&p, BIG).unwrap();
    p
}

fn run(scenario: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args([
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ])
    .args(extra)
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    c
}

/// Every file under `dir` with its bytes, by path relative to it.
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            out.insert(rel, std::fs::read(&path).unwrap());
        }
    }
    out
}

/// Whether `set` is a complete run equal to `reference` (a complete run of
/// the same scenario and seed): the same files; tables, charts and stories
/// byte for byte; summary.json's measures; a whole report. (summary.json and
/// report.html hold the wall time, so they differ between two runs.)
fn same_run(set: &BTreeMap<String, Vec<u8>>, reference: &BTreeMap<String, Vec<u8>>) -> bool {
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    if names(set) != names(reference) {
        return false;
    }
    set.iter().all(|(name, bytes)| {
        let want = &reference[name];
        if name == "summary.json" {
            let v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            let w: serde_json::Value = serde_json::from_slice(want).unwrap();
            v["measures"] == w["measures"] && v["seed"] == w["seed"]
        } else if name == "report.html" {
            String::from_utf8_lossy(bytes)
                .trim_end()
                .ends_with("</html>")
        } else {
            bytes == want
        }
    })
}

/// What a killed run's staging directory says about how far it got.
fn phase(stage: Option<&Path>) -> &'static str {
    let Some(s) = stage else {
        return "before staging";
    };
    let streaming = std::fs::read_dir(s).is_ok_and(|mut d| {
        d.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".tmp")))
    });
    if s.join("report.html").exists() {
        "committing"
    } else if s.join("charts").exists() {
        "charts and report"
    } else if s.join("summary.json").exists() {
        "stories"
    } else if s.join("trajectory.csv").exists() {
        "tables renamed"
    } else if streaming {
        "years, tables streaming"
    } else {
        "population"
    }
}

/// The entries beside `target` that povsim made (lock, staging directories).
fn beside(target: &Path) -> Vec<PathBuf> {
    let name = target.file_name().unwrap().to_string_lossy().into_owned();
    let mut v: Vec<PathBuf> = std::fs::read_dir(target.parent().unwrap())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!(".{name}.povsim-"))
        })
        .map(|e| e.path())
        .collect();
    v.sort();
    v
}

/// SplitMix64 in [0, 1): the "random" moments, the same at every run of the test.
fn unit(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

#[test]
fn a_killed_rerun_leaves_the_previous_complete_set() {
    use std::os::unix::process::ExitStatusExt;
    let tmp = temp_dir("kill");
    let sc = scenario(&tmp);

    // A complete run of each seed, and how long a run takes.
    let mut reference = BTreeMap::new();
    let mut full = Duration::ZERO;
    for seed in ["5", "6"] {
        let dir = tmp.join(format!("reference-{seed}"));
        let t0 = Instant::now();
        let out = run(&sc, &dir, &["--seed", seed]).output().unwrap();
        full = full.max(t0.elapsed());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        reference.insert(seed, files(&dir));
    }
    assert!(reference["5"].contains_key("charts/dynamics.png"));
    assert_ne!(
        reference["5"]["trajectory.csv"],
        reference["6"]["trajectory.csv"]
    );

    // The directory under test starts with a complete run of seed 5.
    let target = tmp.join("target");
    let out = run(&sc, &target, &["--seed", "5"]).output().unwrap();
    assert!(out.status.success());
    let mut current = ("5", files(&target));
    assert!(same_run(&current.1, &reference["5"]));

    let mut rng = 17u64;
    let (mut killed, mut finished) = (0, 0);
    let mut phases: BTreeMap<&str, usize> = BTreeMap::new();
    const KILLS: usize = 20;
    for k in 0..KILLS {
        // The other seed than the directory holds: a mixture would show.
        let seed = if current.0 == "5" { "6" } else { "5" };
        let (signal, name) = if k % 2 == 0 {
            (libc::SIGKILL, "SIGKILL")
        } else {
            (libc::SIGTERM, "SIGTERM")
        };
        // Anywhere in the run, and now and then just after it.
        let at = full.mul_f64(1.1 * unit(&mut rng));
        let mut child = run(&sc, &target, &["--seed", seed]).spawn().unwrap();
        std::thread::sleep(at);
        // SAFETY: kill(2) on our own child, which has not been reaped yet.
        unsafe { libc::kill(child.id() as i32, signal) };
        let status = child.wait().unwrap();
        let when = format!("{name} at {at:?} (rerun with seed {seed})");
        let now = files(&target);
        let previous = now == current.1;
        let complete_new = !previous && same_run(&now, &reference[seed]);
        assert!(
            previous || complete_new,
            "{when}: the directory is neither the previous complete set (seed {}) nor a complete rerun: {:?}",
            current.0,
            now.keys().collect::<Vec<_>>()
        );
        if status.signal() == Some(signal) {
            killed += 1;
            let stage = target.with_file_name(format!(".target.povsim-stage-{}", child.id()));
            let p = if complete_new {
                "after the swap"
            } else {
                phase(stage.is_dir().then_some(stage.as_path()))
            };
            *phases.entry(p).or_default() += 1;
        } else {
            assert!(status.success(), "{when}: {status:?}");
            assert!(complete_new, "{when}: finished, but left the previous set");
            finished += 1;
        }
        if complete_new {
            current = (seed, now);
        }
    }
    eprintln!(
        "kill test: a run takes about {full:?}; {killed} of {KILLS} reruns killed (SIGKILL and SIGTERM alternately), {finished} finished first; kills by phase: {phases:?}"
    );
    assert!(killed >= KILLS / 2, "too few reruns were killed: {killed}");
    assert!(
        phases.keys().any(|p| [
            "stories",
            "charts and report",
            "committing",
            "after the swap"
        ]
        .contains(p)),
        "no kill landed after the tables were written: {phases:?}"
    );

    // The next run clears what the killed ones left beside the target.
    let out = run(&sc, &target, &["--seed", "5"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(same_run(&files(&target), &reference["5"]));
    assert_eq!(
        beside(&target),
        Vec::<PathBuf>::new(),
        "leftovers survived a clean run"
    );
    let _ = std::fs::remove_dir_all(tmp);
}

fn sigint(pid: u32) {
    let ok = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(ok.success());
}

/// Ctrl-C as soon as the run has its staging directory: the handler is then
/// installed and nothing is committed yet, whatever the machine's load (a
/// fixed delay raced the run on a busy machine).
fn sigint_once_staging(pid: u32, target: &Path) {
    let t0 = Instant::now();
    while beside(target).is_empty() {
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "no staging directory"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    sigint(pid);
}

#[test]
fn ctrl_c_stops_cleanly_with_exit_code_130() {
    let tmp = temp_dir("sigint");
    let sc = scenario(&tmp);

    // A complete run first: its outputs.
    let dir = tmp.join("previous");
    let out = run(&sc, &dir, &["--no-charts"]).output().unwrap();
    assert!(out.status.success());
    let before = files(&dir);

    // Into an empty directory: nothing at all is left.
    let fresh = tmp.join("fresh");
    let child = run(&sc, &fresh, &["--no-charts"]).spawn().unwrap();
    sigint_once_staging(child.id(), &fresh);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert_eq!(stderr, "error: interrupted: no outputs written\n");
    let outputs = files(&fresh);
    assert!(outputs.is_empty(), "left {:?}", outputs.keys());
    assert_eq!(
        beside(&fresh),
        Vec::<PathBuf>::new(),
        "left a staging directory"
    );

    // Over complete outputs: they are left as they were.
    let child = run(&sc, &dir, &["--no-charts"]).spawn().unwrap();
    sigint_once_staging(child.id(), &dir);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert_eq!(stderr, "error: interrupted: no outputs written\n");
    let after = files(&dir);
    assert_eq!(
        beside(&dir),
        Vec::<PathBuf>::new(),
        "left a staging directory"
    );
    assert!(before == after, "the previous outputs changed");
    let _ = std::fs::remove_dir_all(tmp);
}

/// Stale temporary files of dead processes go; those of live ones (this
/// test's own process) and other files stay.
#[test]
fn stale_temporary_files_are_removed() {
    use povsim::output::atomic::{remove_stale_temps, temp_name, temp_owner};
    let dir = temp_dir("stale");
    // A process id that is not running: a child that has exited and been reaped.
    let mut child = Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let stale = [
        format!(".trajectory.csv.{dead}.tmp"),
        format!(".povsim-probe.{dead}"),
    ];
    for n in &stale {
        std::fs::write(dir.join(n), "x").unwrap();
    }
    let mine = temp_name(&dir.join("villages.csv"));
    std::fs::write(&mine, "x").unwrap();
    let keep = ["trajectory.csv", ".hidden", ".x.tmp", ".a.notapid.tmp"];
    for n in keep {
        std::fs::write(dir.join(n), "x").unwrap();
    }
    assert_eq!(remove_stale_temps(&dir), stale.len());
    for n in &stale {
        assert!(!dir.join(n).exists(), "{n} survived");
    }
    assert!(mine.exists(), "removed a live process's temporary file");
    for n in keep {
        assert!(dir.join(n).exists(), "removed {n}");
    }
    assert_eq!(temp_owner(".trajectory.csv.123.tmp"), Some(123));
    assert_eq!(temp_owner("trajectory.csv"), None);
    let _ = std::fs::remove_dir_all(dir);
}
