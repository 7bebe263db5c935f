//! Teaching (issue 9): the classroom scenario, `povsim init`, household
//! stories (`povsim trace`, the report's stories), and the `povsim serve`
//! page driven in headless Chromium.
//!
//! Why one file of over 600 lines: the stories, `trace`, `init` and the
//! served page are checked against each other (a story is `trace` of its
//! household; the page runs what `init` writes), sharing one set of helpers
//! for running the binary and the server.

use crate::fixtures::{self, temp_dir};
use povsim::experiment::trace;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const CLASSROOM: &str = include_str!("../../scenarios/classroom.toml");
const CHROMIUM: &str = "/usr/bin/chromium";

fn povsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_povsim"))
}

fn classroom() -> povsim::scenario::Scenario {
    povsim::scenario::load_str(Path::new("classroom.toml"), CLASSROOM, &[]).expect("classroom")
}

#[test]
fn classroom_scenario_is_small_commented_and_fast() {
    let sc = classroom();
    assert_eq!(sc.villages, 12);
    assert!(
        (250..=350).contains(&sc.households()),
        "{}",
        sc.households()
    );
    assert_eq!(sc.years, 15);
    let modules: Vec<&str> = povsim::interventions::build(&sc)
        .iter()
        .map(|m| m.name())
        .collect();
    assert!(modules.contains(&"targeting") && modules.contains(&"transfers"));
    assert!(modules.len() >= 4, "{modules:?}");
    // Every `key = value` line carries its own comment.
    for (n, line) in CLASSROOM.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') || l.starts_with('[') {
            continue;
        }
        let (key, rest) = l
            .split_once('=')
            .unwrap_or_else(|| panic!("line {}: not key = value: {l}", n + 1));
        let comment = rest.split_once(" # ").map(|c| c.1.trim()).unwrap_or("");
        assert!(
            comment.len() >= 10,
            "line {}: key `{}` has no one-line comment",
            n + 1,
            key.trim()
        );
    }
    // It runs in well under a second (release; debug builds are given more).
    let t0 = Instant::now();
    let mut years = 0;
    povsim::experiment::run_records(&sc, |_| {
        years += 1;
        Ok(())
    })
    .unwrap();
    let took = t0.elapsed();
    assert_eq!(years, sc.years * sc.replicates);
    let limit = if cfg!(debug_assertions) { 20.0 } else { 0.5 };
    assert!(took.as_secs_f64() < limit, "classroom took {took:?}");
}

#[test]
fn init_writes_the_classroom_scenario_and_never_overwrites() {
    let dir = temp_dir("init");
    let path = dir.join("lesson.toml");
    let out = povsim()
        .args(["init", "--classroom"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), CLASSROOM);
    povsim::scenario::load(&path, &[]).expect("the written file loads");
    std::fs::write(&path, "mine").unwrap();
    let out = povsim().arg("init").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("exists"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Who was born, died, grew up, aged or left, as the trace tells it, adds up:
/// per household, the change in members is born − died − left every year;
/// over all households, births, deaths and departures equal the run's own
/// counts (trajectory.csv's columns, counted in phase one). And the pension
/// is told as help, elderly × the year's pension.
#[test]
fn trace_says_who_died_aged_or_left_and_the_pension() {
    let sc = classroom();
    let n = sc.households();
    let ids: Vec<usize> = (0..n as usize).collect();
    let stories = trace::trace(&sc, 0, &ids).unwrap();
    let sim = povsim::engine::Simulation::new(&sc, 0).unwrap();
    let mut totals = vec![(0u64, 0u64, 0u64); sc.years as usize];
    let (mut grew, mut retired) = (0u64, 0u64);
    for s in &stories {
        let i = s.household;
        let mut before = [sim.hh.adults[i], sim.hh.children[i], sim.hh.elderly[i]];
        for (t, y) in s.years.iter().enumerate() {
            let c = y.members_change;
            let was: i32 = before.iter().map(|&k| k as i32).sum();
            let now = y.members() as i32;
            assert_eq!(
                now - was,
                c.born as i32 - c.died as i32 - c.left as i32,
                "household {i} in {}: {c:?}",
                y.year
            );
            // Only children grow up: never more than there were.
            assert!(c.grew_up <= before[1], "household {i} in {}: {c:?}", y.year);
            totals[t].0 += c.born as u64;
            totals[t].1 += c.died as u64;
            totals[t].2 += c.left as u64;
            grew += c.grew_up as u64;
            retired += c.retired as u64;
            let pension = sc.file.income.pension.at(y.year) * y.elderly as f64;
            let told: f64 = y
                .help
                .iter()
                .filter(|h| h.module == "pension")
                .map(|h| h.paid)
                .sum();
            assert!((told - pension).abs() < 0.5, "{told} {pension} {y:?}");
            before = [y.adults, y.children, y.elderly];
        }
    }
    assert!(grew > 0 && retired > 0, "{grew} {retired}");
    let mut t = 0;
    povsim::experiment::run_records(&sc, |r| {
        if r.replicate == 0 {
            assert_eq!(
                totals[t],
                (r.births, r.deaths, r.out_migrants),
                "{}",
                r.year
            );
            t += 1;
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(t, sc.years as usize);
    let any = stories
        .iter()
        .map(trace::story_text)
        .find(|t| t.contains("members: ") && t.contains("died"))
        .expect("some traced household lost a member");
    assert!(any.contains("help: pension: "), "{any}");
}

#[test]
fn trace_tells_a_households_story() {
    let sc = classroom();
    let s = trace::trace(&sc, 0, &[5]).unwrap();
    assert_eq!(s.len(), 1);
    let s = &s[0];
    assert_eq!(s.years.len(), 15);
    assert_eq!(s.years[0].year, 2014);
    for y in &s.years {
        assert!(y.line > 2000.0);
        if y.members() > 0 {
            let pc = y.income.total() / y.members() as f64;
            assert!(
                (pc - y.income_pc).abs() < 1.0 + 1e-3 * pc.abs(),
                "{pc} {}",
                y.income_pc
            );
            assert_eq!(y.poor, y.income_pc < y.line, "{y:?}");
        }
        let paid: f64 = y.help.iter().map(|h| h.paid).sum();
        assert!(paid <= y.income.transfers + 1.0, "{y:?}");
    }
    // The same household, traced alone or with others, has the same story.
    let both = trace::trace(&sc, 0, &[7, 5]).unwrap();
    assert_eq!(&both[1], s);
    // Sampling is deterministic and --poor-at picks households poor that year.
    let a = trace::sample(&sc, 0, 4, Some(2016)).unwrap();
    assert_eq!(a, trace::sample(&sc, 0, 4, Some(2016)).unwrap());
    assert_eq!(a.len(), 4);
    for st in trace::trace(&sc, 0, &a).unwrap() {
        assert!(
            st.years[2].poor,
            "household {} not poor in 2016",
            st.household
        );
    }
    assert!(trace::trace(&sc, 0, &[100_000]).is_err());
    assert!(trace::sample(&sc, 0, 1, Some(1999)).is_err());
}

#[test]
fn stories_follow_their_paths_and_help_is_attributed_to_modules() {
    let sc = classroom();
    let stories = trace::stories(&sc, 0).unwrap();
    assert!(stories.len() >= 2, "{} stories", stories.len());
    let mut modules = std::collections::BTreeSet::new();
    for s in &stories {
        let path = s.path.as_deref().expect("a path");
        assert!(trace::PATHS.contains(&path));
        let (first, last) = (&s.years[0], s.years.last().unwrap());
        match path {
            "escaped through training" => {
                assert!(first.poor && !last.poor);
                assert!(s.years.iter().flat_map(|y| &y.help).any(|h| h.skill > 0.0));
            }
            "fell back after illness" => assert!(
                s.years
                    .windows(2)
                    .any(|w| !w[0].poor && w[1].poor && w[1].shocks.iter().any(|k| k == "illness"))
            ),
            "relocated" => {
                assert!(last.relocated);
                assert!(
                    s.years
                        .iter()
                        .flat_map(|y| &y.help)
                        .any(|h| h.module == "relocation" && h.relocated)
                );
            }
            "stayed poor" => assert!(s.years.iter().all(|y| y.poor)),
            _ => unreachable!(),
        }
        for h in s.years.iter().flat_map(|y| &y.help) {
            modules.insert(h.module.clone());
        }
    }
    assert!(modules.contains("targeting"), "{modules:?}");
    let html = trace::stories_html(&stories);
    assert!(html.contains("Household stories") && !html.contains("<script"));
}

#[test]
fn trace_command_prints_text_and_json_and_rejects_bad_ids() {
    let out = povsim()
        .args([
            "trace",
            "classroom",
            "--sample",
            "2",
            "--poor-at",
            "2014",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Vec<trace::Story> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.len(), 2);
    assert!(v.iter().all(|s| s.years[0].poor));
    let out = povsim()
        .args(["trace", "classroom", "--household", "3"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("household 3 ·"), "{text}");
    assert!(
        text.contains("2028") && text.contains("in short:"),
        "{text}"
    );
    let out = povsim()
        .args(["trace", "classroom", "--household", "100000"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr)
            .trim_end()
            .lines()
            .count(),
        1
    );
}

#[test]
fn run_report_has_household_stories() {
    let dir = temp_dir("stories-run");
    let file = dir.join("classroom.toml");
    std::fs::write(&file, CLASSROOM).unwrap();
    let out_dir = dir.join("out");
    let out = povsim()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(&out_dir)
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stories: Vec<trace::Story> =
        serde_json::from_slice(&std::fs::read(out_dir.join("stories.json")).unwrap()).unwrap();
    assert!(!stories.is_empty());
    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    assert!(html.contains("id=\"stories\""));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Stories at any size (they stopped above 50,000 households): a run of
/// 60,000 writes stories.json and the report shows them; the households come
/// from the keyed sample chosen before the run, the same at 1 and 2 threads,
/// and each story is the one `trace` tells of that household watched alone.
#[test]
fn stories_of_a_large_run_come_from_a_keyed_sample() {
    let dir = temp_dir("stories-large");
    let sets = [
        "simulation.households=60000",
        "simulation.villages=60",
        "simulation.years=4",
        "simulation.replicates=1",
    ];
    let mut told = Vec::new();
    for threads in ["1", "2"] {
        let out_dir = dir.join(format!("threads{threads}"));
        let mut cmd = povsim();
        cmd.args(["run", "classroom", "--quiet", "--threads", threads, "--out"])
            .arg(&out_dir);
        for s in sets {
            cmd.args(["--set", s]);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
        assert!(html.contains("id=\"stories\""));
        told.push(std::fs::read(out_dir.join("stories.json")).unwrap());
    }
    assert!(told[0] == told[1], "stories differ between 1 and 2 threads");
    let stories: Vec<trace::Story> = serde_json::from_slice(&told[0]).unwrap();
    assert!(stories.len() >= 2, "{} stories", stories.len());
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let sc = povsim::scenario::load_str(Path::new("classroom.toml"), CLASSROOM, &sets).unwrap();
    assert!(sc.households() > 50_000);
    let watched = trace::sample(&sc, 0, trace::STORIES_WATCHED, None).unwrap();
    let ids: Vec<usize> = stories.iter().map(|s| s.household).collect();
    assert!(ids.iter().all(|i| watched.contains(i)), "{ids:?}");
    let alone = trace::trace(&sc, 0, &ids).unwrap();
    for (s, a) in stories.iter().zip(&alone) {
        let years = |s: &trace::Story| serde_json::to_value(&s.years).unwrap();
        assert_eq!(years(s), years(a), "household {}", s.household);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A `povsim serve` child, killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(args: &[&str]) -> Server {
    let mut child = povsim()
        .arg("serve")
        .args(args)
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start povsim serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    Server { child, addr }
}

/// A raw HTTP request: (status code, body).
fn http(addr: &str, request: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let _ = s.write_all(request);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let code = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|x| x.1)
        .unwrap_or("")
        .to_string();
    (code, body)
}

fn get(addr: &str, target: &str) -> (u16, String) {
    http(
        addr,
        format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

/// `get` as the browser holding session cookie `token`.
fn get_as(addr: &str, target: &str, token: &str) -> (u16, String) {
    http(
        addr,
        format!(
            "GET {target} HTTP/1.1\r\nHost: {addr}\r\nCookie: povsim_session={token}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    )
}

/// The one-line message of an error page.
fn error_of(body: &str) -> String {
    body.split("id=\"error\">")
        .nth(1)
        .and_then(|s| s.split("</div>").next())
        .unwrap_or("")
        .to_string()
}

/// The note under the incidence chart: this run, and the previous one drawn faintly.
fn note_of(body: &str) -> String {
    body.split("<div id=\"incidence\">")
        .nth(1)
        .and_then(|s| s.split("<p class=\"note\">").nth(1))
        .and_then(|s| s.split("</p>").next())
        .unwrap_or("")
        .to_string()
}

#[test]
fn serve_validates_caps_and_answers_errors_in_one_line() {
    let srv = serve(&["classroom"]);
    let (code, body) = get(&srv.addr, "/");
    assert_eq!(code, 200);
    assert!(
        body.contains("name=\"interventions.transfers.budget\""),
        "{body}"
    );
    assert!(
        !body.contains("http://") && !body.contains("https://"),
        "page fetches nothing"
    );
    // Out of range: the loader's one-line message, HTTP 400.
    let (code, body) = get(&srv.addr, "/run?shocks.illness=1.7");
    assert_eq!(code, 400);
    let e = error_of(&body);
    assert!(e.contains("shocks.illness") && !e.contains('\n'), "{e}");
    // Unknown key, bad method.
    let (code, body) = get(&srv.addr, "/run?shocks.illnes=0.1");
    assert_eq!(code, 400);
    assert!(error_of(&body).contains("illnes"), "{body}");
    let (code, body) = get(&srv.addr, "/run?interventions.targeting.method=guess");
    assert_eq!(code, 400, "{body}");
    // Scenario caps.
    let (code, body) = get(&srv.addr, "/run?simulation.households=500000");
    assert_eq!(code, 400);
    assert!(error_of(&body).contains("at most 20000"), "{body}");
    let (code, _) = get(&srv.addr, "/run?simulation.years=31");
    assert_eq!(code, 400);
    // Request size cap.
    let big = format!(
        "POST /run HTTP/1.1\r\nHost: {}\r\nContent-Length: 100000\r\n\r\n{}",
        srv.addr,
        "a".repeat(100_000)
    );
    let (code, _) = http(&srv.addr, big.as_bytes());
    assert_eq!(code, 413);
    let (code, _) = get(&srv.addr, "/nothing");
    assert_eq!(code, 404);
    // A POSTed form runs like a GET one, and the server is still alive.
    let body = "interventions.transfers.budget=100000";
    let req = format!(
        "POST /run HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        srv.addr,
        body.len()
    );
    let (code, page) = http(&srv.addr, req.as_bytes());
    assert_eq!(code, 200, "{page}");
    assert!(page.contains("<div id=\"incidence\"><svg"));
}

/// `nan`, `inf` and `-inf` are refused like out-of-range numbers (they were
/// taken as "no change" and run).
#[test]
fn serve_refuses_non_finite_numbers() {
    let srv = serve(&["classroom"]);
    for (key, value) in [
        ("shocks.illness", "nan"),
        ("shocks.illness", "inf"),
        ("shocks.illness", "-inf"),
        ("interventions.transfers.budget", "inf"),
        ("interventions.transfers.budget", "NaN"),
        ("poverty_lines.low_income", "%2Dinfinity"),
    ] {
        let (code, body) = get(&srv.addr, &format!("/run?{key}={value}"));
        assert_eq!(code, 400, "{key}={value}");
        let e = error_of(&body);
        assert!(
            e.starts_with(key) && e.contains("expected a finite number"),
            "{key}={value}: {e}"
        );
    }
}

/// Only this machine's names are answered (a page elsewhere cannot drive the
/// server through DNS rebinding).
#[test]
fn serve_checks_the_host_header() {
    let srv = serve(&["classroom"]);
    let port = srv.addr.split(':').nth(1).unwrap();
    let with_host = |host: &str| {
        http(
            &srv.addr,
            format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
    };
    for ok in [
        srv.addr.clone(),
        format!("localhost:{port}"),
        "localhost".into(),
    ] {
        assert_eq!(with_host(&ok).0, 200, "Host: {ok}");
    }
    for bad in [
        format!("evil.example:{port}"),
        "evil.example".into(),
        format!("127.0.0.1.evil.example:{port}"),
    ] {
        let (code, body) = with_host(&bad);
        assert_eq!(code, 421, "Host: {bad}");
        let e = error_of(&body);
        assert!(e.starts_with("host: expected this machine"), "{e}");
    }
    let (code, body) = http(&srv.addr, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(code, 400);
    assert!(error_of(&body).contains("Host header"), "{body}");
    let (code, _) = http(
        &srv.addr,
        format!("GET /run?shocks.illness=0.2 HTTP/1.1\r\nHost: attacker.example:{port}\r\n\r\n")
            .as_bytes(),
    );
    assert_eq!(code, 421);
}

/// Each browser (cookie) sees its own previous run behind its next one.
#[test]
fn serve_keeps_each_browsers_previous_run() {
    let srv = serve(&["classroom"]);
    let (code, page) = get_as(
        &srv.addr,
        "/run?interventions.transfers.budget=100000",
        "alice",
    );
    assert_eq!(code, 200, "{page}");
    assert_eq!(
        note_of(&page),
        "This run: interventions.transfers.budget=100000."
    );
    // Bob's first run has no previous run, though Alice ran before him.
    let (code, page) = get_as(&srv.addr, "/run?simulation.seed=7", "bob");
    assert_eq!(code, 200, "{page}");
    assert_eq!(note_of(&page), "This run: simulation.seed=7.");
    assert!(
        !page.contains("opacity=\"0.35\""),
        "a faint line on a first run"
    );
    // Alice's second run shows her first, not Bob's.
    let (code, page) = get_as(&srv.addr, "/run", "alice");
    assert_eq!(code, 200, "{page}");
    assert_eq!(
        note_of(&page),
        "This run: as in the scenario. Faint grey: the previous run (interventions.transfers.budget=100000)."
    );
    assert!(
        page.contains("opacity=\"0.35\""),
        "the previous run is not drawn faintly"
    );
    let (_, page) = get_as(&srv.addr, "/run", "bob");
    assert!(
        note_of(&page).ends_with("the previous run (simulation.seed=7)."),
        "{}",
        note_of(&page)
    );
    // A browser without a cookie gets one.
    let raw = {
        let mut s = TcpStream::connect(&srv.addr).unwrap();
        write!(s, "GET / HTTP/1.1\r\nHost: {}\r\n\r\n", srv.addr).unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    };
    assert!(
        raw.contains("\r\nSet-Cookie: povsim_session=")
            && raw.contains("HttpOnly; SameSite=Strict"),
        "{raw}"
    );
}

#[test]
fn a_newer_run_replaces_the_same_browsers_older_one_only() {
    let srv = serve(&[
        "classroom",
        "--set",
        "simulation.replicates=20",
        "--set",
        "simulation.households=20000",
    ]);
    // Alice's run (20,000 households × 15 years × 20 replicates) takes
    // seconds; Bob's small run arrives while it runs and leaves it alone.
    let addr = srv.addr.clone();
    let alice = std::thread::spawn(move || get_as(&addr, "/run?simulation.seed=11", "alice"));
    std::thread::sleep(Duration::from_millis(200));
    let bob = get_as(&srv.addr, "/run?simulation.households=300", "bob");
    assert_eq!(bob.0, 200, "{}", bob.1);
    let alice = alice.join().unwrap();
    assert_eq!(alice.0, 200, "{}", alice.1);
    // Two runs of one browser: the newer replaces the older.
    let addr = srv.addr.clone();
    let older = std::thread::spawn(move || get_as(&addr, "/run?simulation.seed=12", "carol"));
    std::thread::sleep(Duration::from_millis(200));
    let newer = get_as(&srv.addr, "/run?simulation.seed=13", "carol");
    let older = older.join().unwrap();
    let mut codes = [older.0, newer.0];
    codes.sort_unstable();
    assert_eq!(codes, [200, 409], "{}\n{}", older.1, newer.1);
    let replaced = if older.0 == 409 { &older.1 } else { &newer.1 };
    assert!(replaced.contains("replaced by a newer one"));
}

/// With every worker busy and the queue full, a request is answered 503 at
/// once, and the server goes on.
#[test]
fn serve_answers_busy_when_the_queue_is_full() {
    let srv = serve(&[
        "classroom",
        "--workers",
        "1",
        "--queue",
        "1",
        "--set",
        "simulation.replicates=10",
        "--set",
        "simulation.households=20000",
    ]);
    // Four runs at once (each takes a second or more) from four browsers:
    // one runs, one waits, the others find the queue full.
    let runs: Vec<_> = (0..4)
        .map(|k| {
            let addr = srv.addr.clone();
            std::thread::spawn(move || {
                get_as(
                    &addr,
                    &format!("/run?simulation.seed={k}"),
                    &format!("b{k}"),
                )
            })
        })
        .collect();
    let answers: Vec<(u16, String)> = runs.into_iter().map(|t| t.join().unwrap()).collect();
    let busy: Vec<&(u16, String)> = answers.iter().filter(|a| a.0 == 503).collect();
    assert!(
        !busy.is_empty() && answers.iter().all(|a| a.0 == 200 || a.0 == 503),
        "{:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert!(answers.iter().any(|a| a.0 == 200));
    for (_, body) in busy {
        assert!(error_of(body).starts_with("the server is busy"), "{body}");
    }
    assert_eq!(get(&srv.addr, "/").0, 200);
}

/// The number of threads of process `pid`.
fn threads_of(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .expect("/proc")
        .count()
}

/// 1,000 clients that send a header line every 2 seconds hold no thread of
/// the server: a normal request is answered meanwhile, the thread count stays
/// what it was, and each slow client is cut off (408) at the request deadline
/// although it never stopped sending.
#[test]
fn serve_holds_a_thousand_slow_clients_without_a_thread_each() {
    const CLIENTS: usize = 1000;
    let srv = serve(&["classroom"]);
    let pid = srv.child.id();
    // A first run starts rayon's pool: the count below is the server's steady set.
    assert_eq!(get(&srv.addr, "/run").0, 200);
    let idle = threads_of(pid);
    let start = Instant::now();
    let mut slow: Vec<TcpStream> = (0..CLIENTS)
        .map(|_| {
            let mut s = TcpStream::connect(&srv.addr).expect("connect");
            write!(s, "GET / HTTP/1.1\r\nHost: {}\r\n", srv.addr).unwrap();
            s
        })
        .collect();
    let mut line = |k: u64| {
        let at = start + Duration::from_secs(2 * k);
        std::thread::sleep(at.saturating_duration_since(Instant::now()));
        for s in &mut slow {
            let _ = write!(s, "X-Slow-{k}: 1\r\n");
        }
    };
    line(1);
    let held = threads_of(pid);
    let t = Instant::now();
    let (code, page) = get(&srv.addr, "/run?simulation.seed=5");
    let latency = t.elapsed();
    println!(
        "{CLIENTS} slow clients held: a run answered in {:.0} ms; server threads {held} (before them {idle})",
        latency.as_secs_f64() * 1000.0
    );
    assert_eq!(code, 200, "{page}");
    assert_eq!(held, idle, "the server's threads grew with slow clients");
    for k in 2..=4 {
        line(k);
    }
    // Each has sent a line every 2 s for 8 s; the 10 s deadline cuts it off.
    let mut cut = 0;
    for mut s in slow {
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        if out.starts_with(b"HTTP/1.1 408 ") {
            cut += 1;
        }
    }
    assert_eq!(cut, CLIENTS, "slow clients answered 408");
    assert_eq!(threads_of(pid), idle);
}

/// Serve `page` for every request on a free loopback port (a "server"
/// whose Run changes nothing); the listener lives as long as the test binary.
fn serve_fixed(page: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let (mut head, mut chunk) = (Vec::new(), [0u8; 4096]);
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&chunk[..n]),
                }
            }
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                page.len()
            );
        }
    });
    addr
}

/// `node tests/browser/slider_run.mjs URL`: (exit status, stdout and stderr).
fn slider_run(url: &str) -> (ExitStatus, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        dir.join("node_modules/playwright-core/package.json")
            .exists(),
        "{} has no node_modules/playwright-core: install it with `bash .ci/browser.sh` \
         (or `npm ci --prefix tests/browser`; CI does); this test does not skip",
        dir.display()
    );
    let mut child = Command::new("node")
        .arg(dir.join("slider_run.mjs"))
        .arg(url)
        .env("CHROMIUM", CHROMIUM)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start node ({e}): install Node.js (`bash .ci/browser.sh`)")
        });
    let mut so = child.stdout.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = so.read_to_string(&mut s);
        s
    });
    let mut se = child.stderr.take().unwrap();
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = se.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if start.elapsed() > Duration::from_secs(240) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("slider_run.mjs did not finish within 240 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let text = out.join().unwrap() + &err.join().unwrap();
    (status, text)
}

/// The page in headless Chromium, driven by Playwright as a teacher would
/// (tests/browser/slider_run.mjs): press Run, move the transfers budget
/// slider with the keyboard, press Run again; the incidence chart shows
/// other numbers, the first run stays faintly behind, the slider keeps its
/// new value, the year buttons show each year's village map, spending and
/// stories are there, and nothing is fetched from elsewhere. Then the same
/// script against a page whose Run changes nothing must fail.
#[test]
fn serve_page_slider_and_run_in_chromium() {
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let playwright = browser.join("node_modules/playwright-core/package.json");
    if !fixtures::browser_ready(
        "serve_page_slider_and_run_in_chromium",
        &[
            ("chromium", Path::new(CHROMIUM)),
            ("node", &fixtures::on_path("node")),
            ("playwright-core", &playwright),
        ],
    ) {
        return;
    }
    let srv = serve(&["classroom"]);
    let (status, text) = slider_run(&format!("http://{}/", srv.addr));
    assert!(status.success(), "slider_run.mjs failed ({status}): {text}");
    assert!(
        text.starts_with("ok: interventions.transfers.budget"),
        "{text}"
    );

    // The script can fail: a page whose Run answers the same chart whatever the sliders say.
    let (code, frozen) = get(&srv.addr, "/run");
    assert_eq!(code, 200, "{frozen}");
    drop(srv);
    let (status, text) = slider_run(&format!("http://{}/", serve_fixed(frozen)));
    assert_eq!(status.code(), Some(1), "{text}");
    assert!(
        text.contains("the incidence chart did not change"),
        "{text}"
    );
}

/// `classroom` and `l_county` name the embedded scenarios wherever a scenario
/// is read (run, validate, sweep), with the same results as the files; and
/// the run console shows one replicate without an interval, counts with
/// thousands separators and each target in its own unit.
#[test]
fn embedded_names_are_read_wherever_a_scenario_is() {
    let dir = temp_dir("embedded");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = |scenario: &Path, out: &str, extra: &[&str]| {
        let o = povsim()
            .arg("run")
            .arg(scenario)
            .args(["--no-charts", "--out"])
            .arg(dir.join(out))
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let one = ["--replicates", "1"];
    let text = run(Path::new("classroom"), "a", &one);
    run(&root.join("scenarios/classroom.toml"), "b", &one);
    let traj = |d: &str| std::fs::read_to_string(dir.join(d).join("trajectory.csv")).unwrap();
    assert_eq!(traj("a"), traj("b"));
    assert!(text.contains("1 replicate: no interval"), "{text}");
    assert!(!text.contains('['), "{text}");

    let small = ["--set", "simulation.households=3000", "--replicates", "2"];
    let text = run(Path::new("l_county"), "c", &small);
    run(&root.join("scenarios/l_county.toml"), "d", &small);
    assert_eq!(traj("c"), traj("d"));
    assert!(text.contains("[5%–95%]"), "{text}");
    assert!(text.contains("3,000 households"), "{text}");
    let targets: Vec<&str> = text.lines().filter(|l| l.contains(" target ")).collect();
    assert!(!targets.is_empty(), "{text}");
    for l in &targets {
        if l.contains("headcount_ratio") {
            assert!(l.matches('%').count() == 2, "{l}");
        }
        if l.contains("mean_income") {
            assert!(l.matches(" yuan").count() == 2, "{l}");
        }
        // No count or share with four decimals.
        assert!(
            !l.split_whitespace()
                .any(|w| w.split_once('.').is_some_and(|(_, d)| d.len() >= 4)),
            "{l}"
        );
    }

    let o = povsim().args(["validate", "l_county"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = povsim()
        .args([
            "sweep",
            "classroom",
            "--quiet",
            "--no-charts",
            "--replicates",
            "1",
            "--vary",
            "simulation.years=2,3",
            "--out",
        ])
        .arg(dir.join("sweep"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = std::fs::read_to_string(dir.join("sweep/sweep.csv")).unwrap();
    assert_eq!(rows.lines().count(), 3, "{rows}");
    let _ = std::fs::remove_dir_all(&dir);
}
