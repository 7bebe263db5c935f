//! The corpus of bad scenarios (tests/bad/*.toml) and bad command lines, run
//! through the real binary: every one must fail with exit code 2 and exactly
//! one line on stderr naming the file, the line and column, the key, and what
//! was expected. The messages themselves are pinned by insta snapshots
//! (tests/it/snapshots/), with every path relative so they do not depend on
//! the machine.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::fixtures::temp_dir;

const BIN: &str = env!("CARGO_BIN_EXE_povsim");

fn bad_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("bad")
}

/// Every bad scenario of the corpus (top level of tests/bad; tests/bad/base/
/// holds the valid files some of them extend).
fn corpus() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(bad_dir())
        .expect("tests/bad exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    names
}

/// Files whose error is found in another file of the chain they extend.
fn blamed_file(case: &str) -> &str {
    match case {
        "extends_bad_parent.toml" => "range_zero_villages.toml",
        "extends_cycle_a.toml" => "extends_cycle_b.toml",
        "extends_cycle_b.toml" => "extends_cycle_a.toml",
        other => other,
    }
}

/// Run the binary in tests/bad (so paths in messages are relative).
fn povsim(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(bad_dir())
        .output()
        .expect("run povsim")
}

/// The one line of stderr, after checking exit code 2 and no panic.
fn one_error_line(what: &str, out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{what}: panicked:\n{stderr}");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{what}: expected exit code 2, got {:?}; stderr:\n{stderr}",
        out.status
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "{what}: expected exactly one line on stderr, got:\n{stderr}"
    );
    let line = lines[0];
    assert!(line.starts_with("error: "), "{what}: {line}");
    line.trim_start_matches("error: ").to_string()
}

/// `FILE:LINE:COL: KEY: MESSAGE` → its parts.
fn parse_message(msg: &str) -> Option<(&str, usize, usize, &str, &str)> {
    let (file, rest) = msg.split_once(".toml:")?;
    let (line, rest) = rest.split_once(':')?;
    let (col, rest) = rest.split_once(':')?;
    let (key, text) = rest.trim_start().split_once(": ")?;
    Some((
        &msg[..file.len() + 5],
        line.parse().ok()?,
        col.parse().ok()?,
        key,
        text,
    ))
}

#[test]
fn corpus_is_large_and_covers_every_kind() {
    let names = corpus();
    assert!(
        names.len() >= 60,
        "expected at least 60 bad scenarios, got {}",
        names.len()
    );
    for prefix in [
        "syntax_", "unknown_", "type_", "range_", "empty_", "dated_", "budget_", "module_",
        "name_", "extends_",
    ] {
        assert!(
            names.iter().any(|n| n.starts_with(prefix)),
            "no bad scenario named {prefix}*"
        );
    }
    // Unknown keys at every level.
    for level in [
        "top",
        "simulation",
        "poverty_lines",
        "villages",
        "dist_key",
        "households",
        "income",
        "shocks",
        "demography",
        "behaviour",
        "interventions",
        "transfers",
        "targeting",
        "targets",
        "budget",
        "dated_key",
    ] {
        let name = format!("unknown_{level}.toml");
        assert!(names.contains(&name), "missing {name}");
    }
}

#[test]
fn every_bad_scenario_fails_with_one_located_line() {
    let mut table = String::new();
    for case in corpus() {
        let out = povsim(&["validate", &case]);
        let msg = one_error_line(&case, &out);
        let Some((file, line, col, key, text)) = parse_message(&msg) else {
            panic!("{case}: expected FILE:LINE:COL: KEY: MESSAGE, got {msg}");
        };
        assert_eq!(
            file,
            blamed_file(&case),
            "{case}: names the wrong file: {msg}"
        );
        let source = std::fs::read(bad_dir().join(file)).expect("read blamed file");
        let source = String::from_utf8_lossy(&source);
        let lines = source.lines().count().max(1);
        assert!(
            line >= 1 && line <= lines + 1 && col >= 1,
            "{case}: place {line}:{col} is outside the file ({lines} lines): {msg}"
        );
        assert!(
            !key.is_empty() && !key.contains(' '),
            "{case}: expected a key, got {key:?}: {msg}"
        );
        // The key's last part is written in the file (`targets[0]` as `targets`).
        let last = key.rsplit('.').next().unwrap_or(key);
        let last = last
            .split('[')
            .next()
            .unwrap_or(last)
            .trim_start_matches('+');
        assert!(
            source.contains(last),
            "{case}: key {key} does not appear in {file}: {msg}"
        );
        assert!(
            text.contains("expected"),
            "{case}: expected an expectation, got {msg}"
        );
        table.push_str(&format!("{case}\n    {msg}\n"));
    }
    insta::assert_snapshot!("bad_scenarios", table);
}

#[test]
fn run_refuses_every_bad_scenario_before_writing() {
    let tmp = temp_dir("bad-run");
    for case in corpus() {
        let out_dir = tmp.join(case.trim_end_matches(".toml"));
        let validate = one_error_line(&case, &povsim(&["validate", &case]));
        let out = povsim(&["run", &case, "--out", out_dir.to_str().unwrap(), "--quiet"]);
        let run = one_error_line(&format!("run {case}"), &out);
        assert_eq!(run, validate, "{case}: run and validate disagree");
        assert!(
            !out_dir.exists(),
            "{case}: a refused scenario created {}",
            out_dir.display()
        );
    }
    let _ = std::fs::remove_dir_all(tmp);
}

/// Bad command lines: each a one-line error, exit code 2, nothing written.
#[test]
fn bad_command_lines() {
    let tmp = temp_dir("bad-cli");
    let out_dir = tmp.join("out");
    let out = out_dir.to_str().unwrap().to_string();
    let regular = tmp.join("regular_file");
    std::fs::write(&regular, "not a directory").unwrap();
    let under_file = regular.join("out");
    let under_file = under_file.to_str().unwrap();
    let regular = regular.to_str().unwrap();
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "--set with an unknown key",
            vec!["validate", "base/valid.toml", "--set", "simulation.yeers=3"],
        ),
        (
            "--set with negative years",
            vec![
                "validate",
                "base/valid.toml",
                "--set",
                "simulation.years=-3",
            ],
        ),
        (
            "--set with a probability of 1.7",
            vec!["validate", "base/valid.toml", "--set", "shocks.illness=1.7"],
        ),
        (
            "--set with a poverty line of 0",
            vec![
                "validate",
                "base/valid.toml",
                "--set",
                "poverty_lines.low_income=0",
                "--set",
                "poverty_lines.extreme=1196",
            ],
        ),
        (
            "--set one line of a section the file does not have",
            vec![
                "validate",
                "base/valid.toml",
                "--set",
                "poverty_lines.low_income=2300",
            ],
        ),
        (
            "--set with a string for a number",
            vec![
                "validate",
                "base/valid.toml",
                "--set",
                "simulation.villages=many",
            ],
        ),
        (
            "--set without =",
            vec!["validate", "base/valid.toml", "--set", "simulation.years"],
        ),
        (
            "--set without a key",
            vec!["validate", "base/valid.toml", "--set", "=3"],
        ),
        (
            "--set with an empty key part",
            vec![
                "validate",
                "base/valid.toml",
                "--set",
                "simulation..years=3",
            ],
        ),
        (
            "--set into a value",
            vec![
                "validate",
                "base/valid.toml",
                "--set",
                "simulation.name.first=x",
            ],
        ),
        (
            "--set over a table",
            vec!["validate", "base/valid.toml", "--set", "simulation=3"],
        ),
        (
            "--set a name that climbs out",
            vec![
                "run",
                "base/valid.toml",
                "--out",
                &out,
                "--set",
                "simulation.name=../../escape",
            ],
        ),
        (
            "run --set negative years",
            vec![
                "run",
                "base/valid.toml",
                "--out",
                &out,
                "--set",
                "simulation.years=-3",
            ],
        ),
        (
            "run --threads 0",
            vec![
                "run",
                "base/valid.toml",
                "--out",
                &out,
                "--threads",
                "0",
                "--quiet",
            ],
        ),
        (
            "validate a missing file",
            vec!["validate", "no_such_scenario.toml"],
        ),
        (
            "run a missing file",
            vec!["run", "no_such_scenario.toml", "--out", &out],
        ),
        ("validate a directory", vec!["validate", "base"]),
        ("validate a device", vec!["validate", "/dev/zero"]),
        (
            "measure a device",
            vec!["measure", "/dev/zero", "--line", "2300"],
        ),
        (
            "--set extends",
            vec![
                "validate",
                "base/valid.toml",
                "--set",
                "extends=base/valid.toml",
            ],
        ),
        (
            "run into a path under a regular file",
            vec!["run", "base/valid.toml", "--out", under_file, "--quiet"],
        ),
        (
            "run into a regular file",
            vec!["run", "base/valid.toml", "--out", regular, "--quiet"],
        ),
    ];
    let mut table = String::new();
    for (what, args) in &cases {
        let msg = one_error_line(what, &povsim(args));
        let shown = msg.replace(tmp.to_str().unwrap(), "<tmp>");
        assert!(
            shown.contains("expected") || shown.contains("cannot"),
            "{what}: expected an expectation or a reason, got {shown}"
        );
        if args.contains(&"--set") {
            assert!(
                shown.starts_with("--set "),
                "{what}: names the flag: {shown}"
            );
        }
        table.push_str(&format!(
            "{what}: povsim {}\n    {shown}\n",
            args.join(" ").replace(tmp.to_str().unwrap(), "<tmp>")
        ));
    }
    assert!(
        !out_dir.exists(),
        "a refused command wrote {}",
        out_dir.display()
    );
    insta::assert_snapshot!("bad_command_lines", table);
    let _ = std::fs::remove_dir_all(tmp);
}

/// The refusal of a population that does not fit in memory names the
/// estimate. (On this machine no file in the corpus can reach it: the cap of
/// 50 million households needs about 7 GiB; so the test raises the count on a
/// validated scenario and asks the check directly.)
#[test]
fn memory_estimate_refuses_a_huge_population() {
    let text = std::fs::read_to_string(bad_dir().join("base").join("valid.toml")).unwrap();
    let mut sc = povsim::scenario::load_str(Path::new("huge.toml"), &text, &[]).expect("valid");
    assert!(povsim::limits::check_memory(&sc).is_ok());
    sc.file.simulation.households = Some(1_000_000_000_000);
    let need = povsim::limits::estimate(&sc);
    assert!(need > povsim::limits::available_memory());
    let err = povsim::limits::check_memory(&sc).expect_err("a trillion households do not fit");
    let povsim::Error::Input(msg) = &err else {
        panic!("expected an input error, got {err:?}");
    };
    assert!(msg.starts_with("huge.toml:"), "{msg}");
    assert!(
        msg.contains("simulation.households: expected a population that fits in memory"),
        "{msg}"
    );
    assert!(msg.contains("1000000000000 households need about"), "{msg}");
    assert!(msg.contains("GiB available"), "{msg}");
    assert_eq!(err.exit_code(), 2);
    assert!(!msg.contains('\n'));
}

/// The scenario name cannot move the output outside the directory given:
/// with --out every file lands inside it; without, inside out/<name>/.
#[test]
fn outputs_stay_inside_the_output_directory() {
    let tmp = temp_dir("confine");
    let scenario = tmp.join("s.toml");
    let text = std::fs::read_to_string(bad_dir().join("base").join("valid.toml")).unwrap();
    std::fs::write(
        &scenario,
        text.replace("name = \"base\"", "name = \"confined\""),
    )
    .unwrap();
    let run = |cwd: &Path, extra: &[&str]| {
        let out = Command::new(BIN)
            .args(["run", scenario.to_str().unwrap(), "--quiet", "--no-charts"])
            .args(extra)
            .current_dir(cwd)
            .output()
            .expect("run povsim");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // Without --out: out/<name>/ under the working directory, nothing else.
    let cwd = tmp.join("cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    run(&cwd, &[]);
    assert_eq!(list(&cwd), vec!["out".to_string()]);
    assert_eq!(list(&cwd.join("out")), vec!["confined".to_string()]);
    assert!(cwd.join("out/confined/trajectory.csv").is_file());
    // With --out: everything inside it.
    let given = tmp.join("given").join("dir");
    run(&tmp, &["--out", given.to_str().unwrap()]);
    assert_eq!(list(&tmp.join("given")), vec!["dir".to_string()]);
    assert!(given.join("trajectory.csv").is_file());
    let mut top = list(&tmp);
    top.sort();
    assert_eq!(top, vec!["cwd", "given", "s.toml"]);
    // A name that would climb out never gets that far (the corpus has the file versions).
    for name in [
        "../escape",
        "..",
        "/tmp/escape",
        "a/b",
        "..\\\\escape",
        ".hidden",
    ] {
        let bad = text.replace("name = \"base\"", &format!("name = \"{name}\""));
        let err = povsim::scenario::load_str(Path::new("s.toml"), &bad, &[]).expect_err(name);
        assert!(
            err.to_string().contains("simulation.name: expected a name"),
            "{name}: {err}"
        );
    }
    let _ = std::fs::remove_dir_all(tmp);
}

fn list(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn households_and_population_replace_each_other_like_budget_and_share() {
    // The file gives `population`; a `--set` of `households` replaces it (no
    // "got both"), and the other way round; one layer giving both still fails.
    let file = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/l_county.toml"
    ));
    let sets = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let sc = povsim::scenario::load(file, &sets(&["simulation.households=1234"])).unwrap();
    assert_eq!(sc.households(), 1234);
    assert_eq!(sc.file.simulation.population, None);
    let sc = povsim::scenario::load(
        file,
        &sets(&["simulation.households=1234", "simulation.population=7600"]),
    )
    .unwrap();
    assert_eq!(sc.file.simulation.households, None);
    assert_eq!(sc.file.simulation.population, Some(7600));
    let both = "[simulation]\nname = \"x\"\nstart_year = 2008\nyears = 2\nseed = 1\nreplicates = 1\nvillages = 2\nhouseholds = 10\npopulation = 40\n";
    let err = povsim::scenario::load_str(Path::new("both.toml"), both, &[]).unwrap_err();
    assert!(err.to_string().contains("got both"), "{err}");
}

/// Bad `[calibration]` tables (tests/bad/calibrate/): `povsim calibrate`
/// refuses each with one located line and exit code 2, before writing
/// anything: a fitted key that does not exist or holds no number, bounds in
/// the wrong order or outside what the validator accepts, a measure that is
/// no output column, a year outside the simulated ones, only held-out targets.
#[test]
fn calibrate_refuses_bad_calibration_tables() {
    let dir = bad_dir().join("calibrate");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/bad/calibrate exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 20, "{names:?}");
    let tmp = temp_dir("bad-calibrate");
    let mut table = String::new();
    for case in &names {
        let out_dir = tmp.join(case.trim_end_matches(".toml"));
        let out = Command::new(BIN)
            .args([
                "calibrate",
                case,
                "--out",
                out_dir.to_str().unwrap(),
                "--quiet",
            ])
            .current_dir(&dir)
            .output()
            .expect("run povsim");
        let msg = one_error_line(case, &out);
        let Some((file, line, col, key, text)) = parse_message(&msg) else {
            panic!("{case}: expected FILE:LINE:COL: KEY: MESSAGE, got {msg}");
        };
        assert_eq!(file, case, "{case}: {msg}");
        let source = std::fs::read_to_string(dir.join(case)).unwrap();
        assert!(
            line >= 1 && line <= source.lines().count() + 1 && col >= 1,
            "{case}: {msg}"
        );
        let last = key.rsplit('.').next().unwrap_or(key);
        let last = last.split('[').next().unwrap_or(last);
        assert!(
            source.contains(last),
            "{case}: key {key} not in the file: {msg}"
        );
        assert!(text.contains("expected"), "{case}: {msg}");
        assert!(
            !out_dir.exists(),
            "{case}: a refused calibration wrote {out_dir:?}"
        );
        table.push_str(&format!("{case}\n    {msg}\n"));
    }
    insta::assert_snapshot!("bad_calibrations", table);
    let _ = std::fs::remove_dir_all(tmp);
}
