//! Outputs are all or nothing: real `povsim run` processes are killed with
//! SIGKILL at several moments (while drawing the population, stepping,
//! writing tables, drawing charts), and the output directory must then hold
//! either the previous complete outputs or none, never a truncated file.
//! Leftover temporary files (`.NAME.PID.tmp`) are allowed, must not be taken
//! for outputs, and are removed by the next run. Ctrl-C (SIGINT) stops a run
//! with exit code 130, one line, and nothing half-written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use povsim::output::atomic::temp_owner;

use crate::fixtures::temp_dir;

const BIN: &str = env!("CARGO_BIN_EXE_povsim");

/// About 1.5–3 s on a 2-core machine: long enough to be killed at every stage.
const BIG: &str = r#"
[simulation]
name = "killme"
start_year = 2008
years = 7
seed = 5
replicates = 4
villages = 100
households = 120000

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

/// Every file under `dir`, by path relative to it: (outputs, temporary files).
fn files(dir: &Path) -> (BTreeMap<String, Vec<u8>>, Vec<String>) {
    let mut outputs = BTreeMap::new();
    let mut temps = Vec::new();
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
            let name = e.file_name().to_string_lossy().into_owned();
            if temp_owner(&name).is_some() {
                temps.push(rel);
            } else {
                outputs.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    temps.sort();
    (outputs, temps)
}

/// Whether `bytes`, an output named `name`, is complete; CSVs and charts
/// (deterministic) must equal the reference run's bytes.
fn check_complete(when: &str, name: &str, bytes: &[u8], reference: &BTreeMap<String, Vec<u8>>) {
    let Some(want) = reference.get(name) else {
        panic!("{when}: {name} is not an output of a complete run");
    };
    if name.ends_with(".csv") {
        let text = std::str::from_utf8(bytes).expect("CSV is UTF-8");
        let want_text = std::str::from_utf8(want).unwrap();
        let header = want_text.lines().next().unwrap();
        assert_eq!(text.lines().next(), Some(header), "{when}: {name}: header");
        let fields = header.split(',').count();
        for (k, line) in text.lines().enumerate() {
            assert_eq!(
                line.split(',').count(),
                fields,
                "{when}: {name}: line {} is cut",
                k + 1
            );
        }
        assert!(text.ends_with('\n'), "{when}: {name}: no final newline");
        assert_eq!(
            text.lines().count(),
            want_text.lines().count(),
            "{when}: {name}: row count"
        );
        assert!(
            bytes == want.as_slice(),
            "{when}: {name} differs from the complete run's"
        );
    } else if name.ends_with(".json") {
        let v: serde_json::Value = serde_json::from_slice(bytes)
            .unwrap_or_else(|e| panic!("{when}: {name} does not parse: {e}"));
        let w: serde_json::Value = serde_json::from_slice(want).unwrap();
        assert_eq!(v["measures"], w["measures"], "{when}: {name}: measures");
    } else if name.ends_with(".html") {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            text.trim_end().ends_with("</html>"),
            "{when}: {name} is cut"
        );
    } else {
        // Charts (PNG, SVG) are deterministic.
        assert!(
            bytes == want.as_slice(),
            "{when}: {name} differs from the complete run's"
        );
    }
}

#[test]
fn sigkill_at_any_moment_leaves_complete_outputs_or_none() {
    let tmp = temp_dir("kill");
    let sc = scenario(&tmp);

    // A kill before any run: whatever is there is complete (or absent).
    let reference_dir = tmp.join("reference");
    let t0 = Instant::now();
    let out = run(&sc, &reference_dir, &[]).output().unwrap();
    let full = t0.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (reference, temps) = files(&reference_dir);
    assert!(temps.is_empty(), "a complete run left {temps:?}");
    assert!(reference.contains_key("trajectory.csv") && reference.contains_key("summary.json"));

    let fresh = tmp.join("fresh");
    let mut killed = 0;
    let mut finished = 0;
    let mut leftovers = 0;
    let mut children = Vec::new();
    // Fractions of a complete run's time: while drawing the population,
    // stepping and streaming the tables, renaming them, drawing the charts.
    let delays: Vec<u64> = [0.02, 0.06, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9]
        .iter()
        .map(|f| (full.as_secs_f64() * f * 1000.0) as u64)
        .collect();
    for (k, ms) in delays.iter().enumerate() {
        // Into a fresh directory at the first kills, then over complete outputs.
        let dir = if k < 2 {
            fresh.join(k.to_string())
        } else {
            reference_dir.clone()
        };
        let mut child = run(&sc, &dir, &[]).spawn().unwrap();
        children.push(child.id());
        std::thread::sleep(Duration::from_millis(*ms));
        let _ = child.kill();
        let status = child.wait().unwrap();
        use std::os::unix::process::ExitStatusExt;
        if status.signal() == Some(9) {
            killed += 1;
        } else {
            assert!(status.success(), "kill at {ms} ms: {status:?}");
            finished += 1;
        }
        let when = format!("killed at {ms} ms");
        let (outputs, temps) = files(&dir);
        leftovers += temps.len();
        for (name, bytes) in &outputs {
            check_complete(&when, name, bytes, &reference);
        }
        if dir == reference_dir {
            // The previous complete outputs are all still there.
            let names: Vec<&String> = outputs.keys().collect();
            let want: Vec<&String> = reference.keys().collect();
            assert_eq!(names, want, "{when}: outputs lost");
        }
        for t in &temps {
            let owner = temp_owner(Path::new(t).file_name().unwrap().to_str().unwrap());
            assert!(
                owner.is_some_and(|pid| children.contains(&pid)),
                "{when}: a temporary file of another process: {t}"
            );
        }
    }
    eprintln!(
        "kill test: complete run {full:?}; {killed} runs killed, {finished} finished first; {leftovers} temporary files left behind"
    );
    assert!(
        killed >= 4,
        "too few runs were killed mid-way ({killed}): the scenario is too small"
    );

    // The next run removes the temporary files of the killed ones.
    let out = run(&sc, &reference_dir, &[]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (outputs, temps) = files(&reference_dir);
    assert!(
        temps.is_empty(),
        "stale temporary files survived a new run: {temps:?}"
    );
    for (name, bytes) in &outputs {
        check_complete("after a clean run", name, bytes, &reference);
    }
    let _ = std::fs::remove_dir_all(tmp);
}

fn sigint(pid: u32) {
    let ok = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(ok.success());
}

#[test]
fn ctrl_c_stops_cleanly_with_exit_code_130() {
    let tmp = temp_dir("sigint");
    let sc = scenario(&tmp);

    // A complete run first: its outputs, and how long a run takes.
    let dir = tmp.join("previous");
    let t0 = Instant::now();
    let out = run(&sc, &dir, &["--no-charts"]).output().unwrap();
    let full = t0.elapsed();
    assert!(out.status.success());
    let (before, _) = files(&dir);
    // Ctrl-C a third of the way in: in the replicate loop.
    let when = Duration::from_secs_f64((full.as_secs_f64() * 0.3).max(0.03));

    // Into an empty directory: nothing at all is left.
    let fresh = tmp.join("fresh");
    let child = run(&sc, &fresh, &["--no-charts"]).spawn().unwrap();
    std::thread::sleep(when);
    sigint(child.id());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert_eq!(stderr, "error: interrupted: no outputs written\n");
    let (outputs, temps) = files(&fresh);
    assert!(
        outputs.is_empty() && temps.is_empty(),
        "left {outputs:?} {temps:?}"
    );

    // Over complete outputs: they are left as they were.
    let child = run(&sc, &dir, &["--no-charts"]).spawn().unwrap();
    std::thread::sleep(when);
    sigint(child.id());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert_eq!(stderr, "error: interrupted: no outputs written\n");
    let (after, temps) = files(&dir);
    assert!(temps.is_empty(), "left {temps:?}");
    assert_eq!(before, after, "the previous outputs changed");
    let _ = std::fs::remove_dir_all(tmp);
}

/// Stale temporary files of dead processes go; those of live ones (this
/// test's own process) and other files stay.
#[test]
fn stale_temporary_files_are_removed() {
    use povsim::output::atomic::{remove_stale_temps, temp_name};
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
