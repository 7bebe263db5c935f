//! `povsim serve`: a one-page teaching interface on the teacher's own machine.
//!
//! A small HTTP server on `std::net::TcpListener` (loopback by default, one
//! thread per connection). `GET /` shows a form: a slider for each enabled
//! module's budget and for the key parameters (poverty line, shock
//! probabilities, targeting). The Run button submits the form (`GET /run?…`,
//! or `POST /run`); each changed field becomes a `--set KEY=VALUE` override
//! checked by the same scenario loader as files, the run is capped in size,
//! and the page comes back with the incidence chart (the previous run drawn
//! faintly behind), the village map year by year, the spending chart and a
//! few household stories. Everything is inline (HTML, CSS, SVG, a few lines
//! of JS); nothing is fetched from the network. A run asked for while another
//! runs replaces it: the older one stops at its next year and is dropped.

use super::init::Named;
use povsim::engine::Simulation;
use povsim::experiment::trace::{self, Story};
use povsim::interventions;
use povsim::scenario::Scenario;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Largest request (head and body), bytes.
pub const MAX_REQUEST: usize = 64 * 1024;
/// Largest scenario the page runs.
pub const MAX_HOUSEHOLDS: u64 = 20_000;
pub const MAX_YEARS: u32 = 30;
pub const MAX_REPLICATES: u32 = 20;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Scenario file (TOML), or `classroom` (the default) for the embedded classroom county.
    pub scenario: Option<PathBuf>,
    /// Port to listen on (0: any free port; the address is printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on (default: this machine only).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Override any scalar key of the base scenario: --set simulation.years=20.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
}

struct State {
    named: Named,
    sets: Vec<String>,
    /// The base scenario (validated at start).
    base: Scenario,
    /// Incremented by every run request; a run whose number is no longer current stops.
    generation: AtomicU64,
    /// The last completed run's incidence, drawn faintly under the next.
    previous: Mutex<Option<Series>>,
}

pub fn execute(a: ServeArgs) -> anyhow::Result<()> {
    let named = Named::of(a.scenario.as_deref());
    let base = named.load(&a.sets)?;
    check_caps(&base)?;
    let listener = TcpListener::bind((a.host.as_str(), a.port)).map_err(|e| {
        povsim::Error::Input(format!("cannot listen on {}:{}: {e}", a.host, a.port))
    })?;
    let addr = listener.local_addr()?;
    println!("povsim serve: listening on http://{addr}/ (Ctrl-C stops)");
    std::io::stdout().flush()?;
    let state = Arc::new(State {
        named,
        sets: a.sets,
        base,
        generation: AtomicU64::new(0),
        previous: Mutex::new(None),
    });
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let state = Arc::clone(&state);
        std::thread::spawn(move || {
            let _ = handle(stream, &state);
        });
    }
    Ok(())
}

fn check_caps(sc: &Scenario) -> povsim::Result<()> {
    let err = |what: String| Err(povsim::Error::Input(what));
    if sc.households() > MAX_HOUSEHOLDS {
        return err(format!(
            "simulation.households: expected at most {MAX_HOUSEHOLDS} households for the page, got {}",
            sc.households()
        ));
    }
    if sc.years > MAX_YEARS {
        return err(format!(
            "simulation.years: expected at most {MAX_YEARS} years for the page, got {}",
            sc.years
        ));
    }
    if sc.replicates > MAX_REPLICATES {
        return err(format!(
            "simulation.replicates: expected at most {MAX_REPLICATES} replicates for the page, got {}",
            sc.replicates
        ));
    }
    Ok(())
}

struct Request {
    method: String,
    path: String,
    query: String,
    body: String,
}

enum ReadError {
    TooLarge,
    Bad(&'static str),
}

fn read_request(stream: &mut TcpStream) -> Result<Request, ReadError> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        if buf.len() > MAX_REQUEST {
            return Err(ReadError::TooLarge);
        }
        let n = stream
            .read(&mut chunk)
            .map_err(|_| ReadError::Bad("cannot read the request"))?;
        if n == 0 {
            return Err(ReadError::Bad("the request ended early"));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| ReadError::Bad("not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let first = lines.next().unwrap_or("");
    let mut parts = first.split(' ');
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let mut length = 0usize;
    for l in lines {
        if let Some((k, v)) = l.split_once(':')
            && k.trim().eq_ignore_ascii_case("content-length")
        {
            length = v
                .trim()
                .parse()
                .map_err(|_| ReadError::Bad("bad Content-Length"))?;
        }
    }
    if head_end + length > MAX_REQUEST {
        return Err(ReadError::TooLarge);
    }
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = stream
            .read(&mut chunk)
            .map_err(|_| ReadError::Bad("cannot read the request body"))?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target, String::new()),
    };
    Ok(Request {
        method,
        path,
        query,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn respond(stream: &mut TcpStream, status: &str, body: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\n\
         Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; form-action 'self'\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    stream.flush()
}

fn handle(mut stream: TcpStream, state: &State) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let req = match read_request(&mut stream) {
        Ok(r) => r,
        Err(ReadError::TooLarge) => {
            let msg = format!(
                "request: expected at most {} KiB, got more",
                MAX_REQUEST / 1024
            );
            return respond(&mut stream, "413 Payload Too Large", &error_page(&msg));
        }
        Err(ReadError::Bad(m)) => {
            return respond(&mut stream, "400 Bad Request", &error_page(m));
        }
    };
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/") => {
            let page = page(state, &state.base, &BTreeMap::new(), None, None);
            respond(&mut stream, "200 OK", &page)
        }
        ("GET", "/run") | ("POST", "/run") => {
            let form = if req.method == "GET" {
                &req.query
            } else {
                &req.body
            };
            let (status, body) = run_request(state, form);
            respond(&mut stream, status, &body)
        }
        (_, "/") | (_, "/run") => respond(
            &mut stream,
            "405 Method Not Allowed",
            &error_page("expected GET or POST"),
        ),
        _ => respond(&mut stream, "404 Not Found", &error_page("no such page")),
    }
}

/// Decode `application/x-www-form-urlencoded` text.
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
                {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The form's fields as (key, value), in order; keys must look like scenario keys.
fn parse_form(form: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for pair in form.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (decode(k), decode(v));
        if k.is_empty()
            || k.len() > 100
            || !k
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            let shown: String = k.chars().take(40).filter(|c| !c.is_control()).collect();
            return Err(format!(
                "form: expected field names like interventions.transfers.budget, got \"{shown}\""
            ));
        }
        let v = v.trim().to_string();
        if !v.is_empty() {
            out.insert(k, v);
        }
    }
    Ok(out)
}

/// One input of the form.
struct Field {
    key: String,
    label: String,
    unit: &'static str,
    kind: Kind,
    value: String,
}

enum Kind {
    Range { min: f64, max: f64, step: f64 },
    Select(&'static [&'static str]),
    Number,
}

fn fmt_num(v: f64) -> String {
    if v == v.round() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A round slider step and maximum for a money amount `v`.
fn money_range(v: f64) -> (f64, f64) {
    let max = (v * 3.0).max(100_000.0);
    let mag = 10f64.powf((max / 100.0).log10().floor());
    let max = (max / (mag * 10.0)).ceil() * mag * 10.0;
    (max, mag)
}

/// The form's fields for scenario `sc`: every enabled module's budget, then the key parameters.
fn fields(sc: &Scenario) -> Vec<Field> {
    let mut v = Vec::new();
    let y0 = sc.start_year;
    for m in interventions::build(sc) {
        let c = m.common();
        let name = m.name();
        if let Some(b) = &c.budget {
            let now = b.at(y0);
            let (max, step) = money_range(now);
            v.push(Field {
                key: format!("interventions.{name}.budget"),
                label: format!("{} budget", name.replace('_', " ")),
                unit: "yuan a year",
                kind: Kind::Range {
                    min: 0.0,
                    max,
                    step,
                },
                value: fmt_num(now),
            });
        } else if let Some(s) = c.budget_share {
            v.push(Field {
                key: format!("interventions.{name}.budget_share"),
                label: format!("{} share of the budget", name.replace('_', " ")),
                unit: "0 to 1",
                kind: Kind::Range {
                    min: 0.0,
                    max: 1.0,
                    step: 0.01,
                },
                value: fmt_num(s),
            });
        }
    }
    let f = &sc.file;
    let line = f.poverty_lines.low_income.at(y0);
    v.push(Field {
        key: "poverty_lines.low_income".into(),
        label: "poverty line (when moved: the same every year)".into(),
        unit: "yuan per person-year",
        kind: Kind::Range {
            min: 500.0,
            max: (line * 3.0 / 100.0).ceil() * 100.0,
            step: 50.0,
        },
        value: fmt_num(line),
    });
    let prob = |key: &str, label: &str, value: f64| Field {
        key: key.into(),
        label: label.into(),
        unit: "0 to 1",
        kind: Kind::Range {
            min: 0.0,
            max: 1.0,
            step: 0.01,
        },
        value: fmt_num(value),
    };
    v.push(prob(
        "shocks.illness",
        "chance of a serious illness a year",
        f.shocks.illness,
    ));
    v.push(prob(
        "shocks.crop_loss",
        "chance of a crop loss a year",
        f.shocks.crop_loss,
    ));
    v.push(prob(
        "shocks.job_loss",
        "chance a migrant loses the job a year",
        f.shocks.job_loss,
    ));
    v.push(prob(
        "shocks.drought_severity",
        "harvest lost in a drought",
        f.shocks.drought_severity,
    ));
    if let Some(t) = &f.interventions.targeting
        && t.enabled
    {
        let method = serde_json::to_value(t.method)
            .ok()
            .and_then(|x| x.as_str().map(str::to_string))
            .unwrap_or_else(|| "income".into());
        v.push(Field {
            key: "interventions.targeting.method".into(),
            label: "how the poor are identified".into(),
            unit: "",
            kind: Kind::Select(&["income", "proxy_means", "multidimensional"]),
            value: method,
        });
        v.push(Field {
            key: "interventions.targeting.measurement_error".into(),
            label: "error of the income assessment".into(),
            unit: "sd of log income",
            kind: Kind::Range {
                min: 0.0,
                max: 1.5,
                step: 0.05,
            },
            value: fmt_num(t.measurement_error),
        });
    }
    v.push(Field {
        key: "simulation.seed".into(),
        label: "random seed".into(),
        unit: "",
        kind: Kind::Number,
        value: sc.seed.to_string(),
    });
    v
}

/// Whether a submitted value differs from the field's default.
fn differs(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() > 1e-9 * x.abs().max(y.abs()).max(1.0),
        _ => a != b,
    }
}

/// What a run shows.
#[derive(Clone, Debug, Default)]
struct Series {
    years: Vec<i32>,
    /// Headcount ratio: replicate mean, min and max, per year.
    headcount: Vec<(f64, f64, f64)>,
    extreme: Vec<f64>,
    /// Replicate 0: per year, per village (population, poor).
    villages: Vec<Vec<(u64, u64)>>,
    remoteness: Vec<f32>,
    /// Spent per module (replicate mean), per year, modules in order.
    spending: Vec<(String, Vec<f64>)>,
    label: String,
}

enum Outcome {
    Done(Series, Vec<Story>),
    Replaced,
}

fn simulate(sc: &Scenario, state: &State, my: u64) -> povsim::Result<Outcome> {
    let current = || state.generation.load(Ordering::SeqCst) == my;
    let years = sc.years as usize;
    let reps = sc.replicates as usize;
    let mut hr = vec![Vec::with_capacity(reps); years];
    let mut ext = vec![0.0; years];
    let mut s = Series {
        years: (0..years).map(|t| sc.start_year + t as i32).collect(),
        ..Default::default()
    };
    let mut spend: BTreeMap<&'static str, (usize, Vec<f64>)> = BTreeMap::new();
    for rep in 0..sc.replicates {
        let mut sim = Simulation::new(sc, rep);
        if rep == 0 {
            s.remoteness = sim.villages.remoteness.clone();
        }
        for t in 0..years {
            if !current() {
                return Ok(Outcome::Replaced);
            }
            let r = sim.step();
            hr[t].push(r.measures.headcount_ratio);
            ext[t] += r.value("extreme_ratio").unwrap_or(0.0) / reps as f64;
            if rep == 0 {
                s.villages
                    .push(r.villages.iter().map(|v| (v.population, v.poor)).collect());
            }
            for (k, row) in r.ledger.spending.iter().enumerate() {
                let e = spend
                    .entry(row.module)
                    .or_insert_with(|| (k, vec![0.0; years]));
                e.1[t] += row.spent / reps as f64;
            }
        }
    }
    s.headcount = hr
        .iter()
        .map(|xs| {
            let mean = xs.iter().sum::<f64>() / xs.len().max(1) as f64;
            let lo = xs.iter().cloned().fold(f64::INFINITY, f64::min);
            let hi = xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            (mean, lo, hi)
        })
        .collect();
    s.extreme = ext;
    let mut sp: Vec<(usize, String, Vec<f64>)> = spend
        .into_iter()
        .map(|(m, (k, v))| (k, m.to_string(), v))
        .collect();
    sp.sort_by_key(|x| x.0);
    s.spending = sp.into_iter().map(|(_, m, v)| (m, v)).collect();
    if !current() {
        return Ok(Outcome::Replaced);
    }
    let stories = trace::stories(sc, 0)?;
    if !current() {
        return Ok(Outcome::Replaced);
    }
    Ok(Outcome::Done(s, stories))
}

fn run_request(state: &State, form: &str) -> (&'static str, String) {
    let bad = |msg: String, values: &BTreeMap<String, String>| {
        (
            "400 Bad Request",
            page(state, &state.base, values, None, Some(&msg)),
        )
    };
    let values = match parse_form(form) {
        Ok(v) => v,
        Err(e) => return bad(e, &BTreeMap::new()),
    };
    let defaults: BTreeMap<String, String> = fields(&state.base)
        .into_iter()
        .map(|f| (f.key, f.value))
        .collect();
    let mut sets = state.sets.clone();
    for (k, v) in &values {
        if defaults.get(k).is_none_or(|d| differs(v, d)) {
            sets.push(format!("{k}={v}"));
        }
    }
    let sc = match state.named.load(&sets).and_then(|sc| {
        check_caps(&sc)?;
        Ok(sc)
    }) {
        Ok(sc) => sc,
        Err(e) => return bad(e.to_string(), &values),
    };
    // A valid request replaces any run in progress: that one stops at its next year.
    let my = state.generation.fetch_add(1, Ordering::SeqCst) + 1;
    let outcome =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| simulate(&sc, state, my)))
            .unwrap_or_else(|_| {
                Err(povsim::Error::Input(
                    "the simulation failed on these values (a bug: please report them)".into(),
                ))
            });
    match outcome {
        Ok(Outcome::Done(mut series, stories)) => {
            let changed: Vec<String> = sets[state.sets.len()..].to_vec();
            series.label = if changed.is_empty() {
                "as in the scenario".into()
            } else {
                changed.join(", ")
            };
            let prev = {
                let mut p = state.previous.lock().unwrap_or_else(|e| e.into_inner());
                p.replace(series.clone())
            };
            (
                "200 OK",
                page(
                    state,
                    &state.base,
                    &values,
                    Some((&series, prev.as_ref(), &stories)),
                    None,
                ),
            )
        }
        Ok(Outcome::Replaced) => (
            "409 Conflict",
            error_page("this run was replaced by a newer one"),
        ),
        Err(e) => bad(e.to_string(), &values),
    }
}

fn esc(s: &str) -> String {
    povsim::output::report::escape(s)
}

const CSS: &str = r#"
* { box-sizing: border-box; }
body { margin: 0; background: #f4f4f1; color: #1e1e1e; font-family: 'DejaVu Sans', Verdana, Arial, sans-serif; font-size: 15px; line-height: 1.45; }
header { background: #0b3d5c; color: #fff; padding: 12px 24px; }
header h1 { margin: 0; font-size: 22px; }
header p { margin: 2px 0 0; color: #cfe3f0; }
.wrap { display: flex; gap: 20px; padding: 16px 24px; align-items: flex-start; flex-wrap: wrap; }
form { flex: 0 0 340px; background: #fff; padding: 14px 16px; border: 1px solid #ddd; }
form label { display: block; margin: 10px 0 2px; font-weight: bold; font-size: 14px; }
form .unit { color: #666; font-weight: normal; font-size: 12px; }
form input[type=range] { width: 100%; }
form output { font-variant-numeric: tabular-nums; color: #0b3d5c; }
form button { margin-top: 16px; width: 100%; padding: 10px; font-size: 17px; font-weight: bold; background: #0072b2; color: #fff; border: 0; cursor: pointer; }
.results { flex: 1 1 640px; min-width: 0; }
.card { background: #fff; border: 1px solid #ddd; padding: 12px 16px; margin-bottom: 16px; }
.card h2 { margin: 0 0 8px; font-size: 18px; }
.card svg { width: 100%; height: auto; display: block; }
.error { background: #fde8e8; border: 1px solid #d55e00; color: #7a1f00; padding: 10px 14px; margin-bottom: 16px; font-weight: bold; }
.note { color: #555; font-size: 13px; }
.stepper input { position: absolute; opacity: 0; }
.stepper label { display: inline-block; padding: 2px 7px; margin: 2px; border: 1px solid #bbb; cursor: pointer; font-size: 13px; }
.stepper input:checked + label { background: #0b3d5c; color: #fff; }
.maps .map { display: none; }
table.story { border-collapse: collapse; width: 100%; font-size: 13px; margin: 6px 0 14px; }
table.story th, table.story td { border-bottom: 1px solid #e4e4e4; padding: 3px 6px; text-align: left; vertical-align: top; }
table.story td.num { text-align: right; white-space: nowrap; }
table.story tr.poor td { background: #fff3e0; }
details.story summary { cursor: pointer; margin-top: 6px; }
"#;

fn page(
    state: &State,
    sc: &Scenario,
    values: &BTreeMap<String, String>,
    result: Option<(&Series, Option<&Series>, &[Story])>,
    error: Option<&str>,
) -> String {
    let mut h = String::with_capacity(1 << 18);
    let mut css = CSS.to_string();
    if let Some((s, _, _)) = result {
        for k in 0..s.years.len() {
            let _ = writeln!(css, "#yr{k}:checked ~ .maps .m{k} {{ display: block; }}");
        }
    }
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>povsim — {}</title>\n<style>{css}</style>\n</head>\n<body>\n",
        esc(&sc.name)
    );
    let _ = write!(
        h,
        "<header><h1>povsim · {}</h1><p>{} villages · {} households · {}–{} · {} replicates. Move a slider, press Run, compare with the faint previous run.</p></header>\n<div class=\"wrap\">\n",
        esc(&sc.name),
        sc.villages,
        sc.households(),
        sc.start_year,
        sc.end_year(),
        sc.replicates
    );
    // The form.
    h.push_str("<form id=\"controls\" method=\"get\" action=\"/run\">\n");
    for f in fields(&state.base) {
        let v = values.get(&f.key).cloned().unwrap_or(f.value.clone());
        let id = f.key.replace('.', "-");
        let unit = if f.unit.is_empty() {
            String::new()
        } else {
            format!(" <span class=\"unit\">({})</span>", f.unit)
        };
        let _ = writeln!(h, "<label for=\"{id}\">{}{unit}</label>", esc(&f.label));
        match f.kind {
            Kind::Range { min, max, step } => {
                let max = v.parse::<f64>().map_or(max, |x| max.max(x));
                let _ = writeln!(
                    h,
                    "<input type=\"range\" id=\"{id}\" name=\"{}\" min=\"{}\" max=\"{}\" step=\"{}\" value=\"{}\" oninput=\"this.nextElementSibling.value=this.value\"><output>{}</output>",
                    esc(&f.key),
                    fmt_num(min),
                    fmt_num(max),
                    fmt_num(step),
                    esc(&v),
                    esc(&v)
                );
            }
            Kind::Select(opts) => {
                let _ = write!(h, "<select id=\"{id}\" name=\"{}\">", esc(&f.key));
                for o in opts {
                    let _ = write!(
                        h,
                        "<option value=\"{o}\"{}>{}</option>",
                        if *o == v { " selected" } else { "" },
                        o.replace('_', " ")
                    );
                }
                h.push_str("</select>\n");
            }
            Kind::Number => {
                let _ = writeln!(
                    h,
                    "<input type=\"number\" id=\"{id}\" name=\"{}\" min=\"0\" step=\"1\" value=\"{}\">",
                    esc(&f.key),
                    esc(&v)
                );
            }
        }
    }
    h.push_str("<button type=\"submit\" id=\"run\">Run</button>\n<p class=\"note\">Every value is checked as in a scenario file. The previous run stays on the incidence chart, faintly.</p>\n</form>\n");
    h.push_str("<div class=\"results\">\n");
    if let Some(e) = error {
        let _ = writeln!(h, "<div class=\"error\" id=\"error\">{}</div>", esc(e));
    }
    match result {
        None => {
            if error.is_none() {
                h.push_str("<div class=\"card\"><h2>Ready</h2><p>Press <strong>Run</strong> to simulate the scenario as it is, then change a slider and run again.</p></div>\n");
            }
        }
        Some((s, prev, stories)) => {
            let _ = writeln!(
                h,
                "<div class=\"card\"><h2>Poverty incidence</h2>{}<p class=\"note\">This run: {}.{}</p></div>",
                incidence_svg(s, prev),
                esc(&s.label),
                match prev {
                    Some(p) => format!(" Faint grey: the previous run ({}).", esc(&p.label)),
                    None => String::new(),
                }
            );
            h.push_str(
                "<div class=\"card\"><h2>Villages year by year</h2><div class=\"stepper\">\n",
            );
            for (k, y) in s.years.iter().enumerate() {
                let _ = write!(
                    h,
                    "<input type=\"radio\" name=\"step\" id=\"yr{k}\"{}><label for=\"yr{k}\">{y}</label>",
                    if k == 0 { " checked" } else { "" }
                );
            }
            h.push_str(" <button type=\"button\" id=\"play\" onclick=\"play()\">▶ play</button>\n<div class=\"maps\">\n");
            for (k, y) in s.years.iter().enumerate() {
                let _ = writeln!(h, "<div class=\"map m{k}\">{}</div>", village_svg(s, k, *y));
            }
            h.push_str("</div></div><p class=\"note\">Each circle is a village (replicate 0), placed by remoteness, sized by population, coloured by the share of its people who are poor.</p></div>\n");
            let _ = writeln!(
                h,
                "<div class=\"card\"><h2>Spending</h2>{}</div>",
                spending_svg(s)
            );
            let _ = writeln!(
                h,
                "<div class=\"card\">{}</div>",
                trace::stories_html(stories)
            );
            h.push_str(
                "<script>\nfunction play(){var r=document.querySelectorAll('.stepper input');var k=0;\
                 var t=setInterval(function(){r[k].checked=true;k++;if(k>=r.length)clearInterval(t);},700);}\n</script>\n",
            );
        }
    }
    h.push_str("</div>\n</div>\n</body>\n</html>\n");
    h
}

fn error_page(msg: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>povsim</title><style>{CSS}</style></head>\
         <body><div class=\"wrap\"><div class=\"results\"><div class=\"error\" id=\"error\">{}</div><p><a href=\"/\">Back to the page</a></p></div></div></body></html>\n",
        esc(msg)
    )
}

/// Okabe–Ito colours.
const COLOURS: [&str; 8] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000",
];

/// An incidence line chart: headcount ratio (band: min–max across replicates)
/// and extreme ratio, with the previous run in faint grey.
fn incidence_svg(s: &Series, prev: Option<&Series>) -> String {
    let (w, hgt) = (760.0, 350.0);
    let (l, r, t, b) = (60.0, 20.0, 50.0, 45.0);
    let mut ymax: f64 = s.headcount.iter().map(|x| x.2).fold(0.0, f64::max);
    if let Some(p) = prev {
        ymax = p.headcount.iter().map(|x| x.2).fold(ymax, f64::max);
    }
    let ymax = ((ymax * 100.0 * 1.15 / 5.0).ceil() * 5.0).max(5.0) / 100.0;
    let years: Vec<i32> = match prev {
        Some(p) => {
            let mut y = s.years.clone();
            y.extend(&p.years);
            y.sort_unstable();
            y.dedup();
            y
        }
        None => s.years.clone(),
    };
    let (y0, y1) = (
        *years.first().unwrap_or(&0) as f64,
        (*years.last().unwrap_or(&1) as f64).max(*years.first().unwrap_or(&0) as f64 + 1.0),
    );
    let x = |y: i32| l + (y as f64 - y0) / (y1 - y0) * (w - l - r);
    let yy = |v: f64| t + (1.0 - v / ymax) * (hgt - t - b);
    let mut o = String::new();
    let _ = write!(
        o,
        "<svg id=\"incidence\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {hgt}\" role=\"img\"><title>Poverty incidence</title>"
    );
    for k in 0..=5 {
        let v = ymax * k as f64 / 5.0;
        let _ = write!(
            o,
            "<line x1=\"{l}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e4e4e4\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{:.0}%</text>",
            w - r,
            l - 6.0,
            yy(v) + 4.0,
            100.0 * v,
            y = yy(v)
        );
    }
    let step = ((years.len() as f64) / 8.0).ceil().max(1.0) as usize;
    for (k, yr) in years.iter().enumerate() {
        if k % step == 0 || k + 1 == years.len() {
            let _ = write!(
                o,
                "<text x=\"{:.1}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{yr}</text>",
                x(*yr),
                hgt - b + 18.0
            );
        }
    }
    let _ = write!(
        o,
        "<text x=\"14\" y=\"{:.1}\" font-size=\"12\" transform=\"rotate(-90 14 {:.1})\" text-anchor=\"middle\">% of people under the line</text>",
        (t + hgt - b) / 2.0,
        (t + hgt - b) / 2.0
    );
    let line = |pts: Vec<(i32, f64)>| -> String {
        pts.iter()
            .map(|(y, v)| format!("{:.1},{:.1}", x(*y), yy(*v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    if let Some(p) = prev {
        let _ = write!(
            o,
            "<g class=\"prev\" opacity=\"0.35\"><polyline fill=\"none\" stroke=\"#777\" stroke-width=\"3\" points=\"{}\"/><polyline fill=\"none\" stroke=\"#777\" stroke-width=\"2\" stroke-dasharray=\"6 4\" points=\"{}\"/></g>",
            line(
                p.years
                    .iter()
                    .zip(&p.headcount)
                    .map(|(y, h)| (*y, h.0))
                    .collect()
            ),
            line(
                p.years
                    .iter()
                    .zip(&p.extreme)
                    .map(|(y, e)| (*y, *e))
                    .collect()
            )
        );
    }
    // Band: min to max across replicates.
    let mut band: Vec<(i32, f64)> = s
        .years
        .iter()
        .zip(&s.headcount)
        .map(|(y, h)| (*y, h.2))
        .collect();
    band.extend(
        s.years
            .iter()
            .zip(&s.headcount)
            .rev()
            .map(|(y, h)| (*y, h.1)),
    );
    let _ = write!(
        o,
        "<g class=\"current\"><polygon fill=\"#0072b2\" fill-opacity=\"0.15\" points=\"{}\"/><polyline fill=\"none\" stroke=\"#0072b2\" stroke-width=\"3\" points=\"{}\"/><polyline fill=\"none\" stroke=\"#d55e00\" stroke-width=\"2\" stroke-dasharray=\"6 4\" points=\"{}\"/>",
        line(band),
        line(
            s.years
                .iter()
                .zip(&s.headcount)
                .map(|(y, h)| (*y, h.0))
                .collect()
        ),
        line(
            s.years
                .iter()
                .zip(&s.extreme)
                .map(|(y, e)| (*y, *e))
                .collect()
        )
    );
    for (y, hc) in s.years.iter().zip(&s.headcount) {
        let _ = write!(
            o,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"#0072b2\"><title>{y}: {:.1}%</title></circle>",
            x(*y),
            yy(hc.0),
            100.0 * hc.0
        );
    }
    o.push_str("</g>");
    let lx = l + 10.0;
    let t = 12.0;
    let _ = write!(
        o,
        "<g font-size=\"12\"><line x1=\"{lx}\" x2=\"{}\" y1=\"{t}\" y2=\"{t}\" stroke=\"#0072b2\" stroke-width=\"3\"/><text x=\"{}\" y=\"{}\">headcount ratio (band: range across replicates)</text>\
         <line x1=\"{lx}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#d55e00\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/><text x=\"{}\" y=\"{}\">extreme-poverty ratio</text></g></svg>",
        lx + 24.0,
        lx + 30.0,
        t + 4.0,
        lx + 24.0,
        t + 16.0,
        t + 16.0,
        lx + 30.0,
        t + 20.0
    );
    o
}

/// Reversed viridis-like ramp for a share 0–1 (light = few poor, dark = many).
fn ramp(v: f64) -> String {
    const STOPS: [(f64, [f64; 3]); 5] = [
        (0.0, [253.0, 231.0, 37.0]),
        (0.25, [94.0, 201.0, 98.0]),
        (0.5, [33.0, 145.0, 140.0]),
        (0.75, [59.0, 82.0, 139.0]),
        (1.0, [68.0, 1.0, 84.0]),
    ];
    let v = (v / 0.5).clamp(0.0, 1.0);
    let k = STOPS.iter().position(|s| s.0 >= v).unwrap_or(4).max(1);
    let (a, b) = (STOPS[k - 1], STOPS[k]);
    let f = (v - a.0) / (b.0 - a.0);
    let c: Vec<u8> = (0..3)
        .map(|i| (a.1[i] + f * (b.1[i] - a.1[i])).round() as u8)
        .collect();
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

fn village_svg(s: &Series, k: usize, year: i32) -> String {
    let (w, hgt) = (760.0, 300.0);
    let (l, r, t, b) = (30.0, 30.0, 30.0, 40.0);
    let rows = &s.villages[k];
    let maxpop = s
        .villages
        .iter()
        .flat_map(|v| v.iter().map(|x| x.0))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let n = rows.len().max(1);
    let rmax = ((w - l - r) / (n as f64).sqrt() / 3.0).clamp(6.0, 40.0);
    let mut o = String::new();
    let _ = write!(
        o,
        "<svg class=\"villages\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {hgt}\" role=\"img\"><title>Villages in {year}</title>\
         <text x=\"{l}\" y=\"18\" font-size=\"14\" font-weight=\"bold\">{year}</text>\
         <text x=\"{l}\" y=\"{}\" font-size=\"12\">near the county seat</text><text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">remote →</text>",
        hgt - 12.0,
        w - r,
        hgt - 12.0
    );
    for (v, (pop, poor)) in rows.iter().enumerate() {
        let rem = s.remoteness.get(v).copied().unwrap_or(0.5) as f64;
        // A stable vertical spread: the golden-ratio sequence.
        let row = (v as f64 * 0.618_034).fract();
        let cx = l + rmax + rem * (w - l - r - 2.0 * rmax);
        let cy = t + rmax + row * (hgt - t - b - 2.0 * rmax);
        let share = if *pop > 0 {
            *poor as f64 / *pop as f64
        } else {
            0.0
        };
        let rad = (rmax * (*pop as f64 / maxpop).sqrt()).max(3.0);
        let _ = write!(
            o,
            "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"{rad:.1}\" fill=\"{}\" stroke=\"#333\" stroke-width=\"0.8\"><title>village {v}: {pop} people, {:.0}% poor</title></circle>",
            ramp(share),
            100.0 * share
        );
    }
    // Legend.
    for (i, sh) in [0.0, 0.1, 0.2, 0.3, 0.4, 0.5].iter().enumerate() {
        let x0 = w - r - 6.0 * 46.0 + i as f64 * 46.0;
        let _ = write!(
            o,
            "<rect x=\"{x0}\" y=\"8\" width=\"44\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"30\" font-size=\"11\" text-anchor=\"middle\">{:.0}%{}</text>",
            ramp(*sh),
            x0 + 22.0,
            100.0 * sh,
            if i == 5 { "+" } else { "" }
        );
    }
    o.push_str("</svg>");
    o
}

fn spending_svg(s: &Series) -> String {
    let (w, hgt) = (760.0, 300.0);
    let (l, r, t, b) = (80.0, 170.0, 20.0, 40.0);
    let years = s.years.len().max(1);
    let totals: Vec<f64> = (0..years)
        .map(|k| {
            s.spending
                .iter()
                .map(|(_, v)| v.get(k).copied().unwrap_or(0.0))
                .sum()
        })
        .collect();
    let max = totals.iter().cloned().fold(0.0, f64::max);
    let mut o = String::new();
    let _ = write!(
        o,
        "<svg id=\"spending\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {hgt}\" role=\"img\"><title>Spending by module</title>"
    );
    if max <= 0.0 {
        o.push_str("<text x=\"20\" y=\"40\" font-size=\"14\">Nothing was spent.</text></svg>");
        return o;
    }
    let (scale, unit) = if max >= 1e6 {
        (1e6, "million yuan")
    } else {
        (1e3, "thousand yuan")
    };
    let top = max * 1.1;
    let yy = |v: f64| t + (1.0 - v / top) * (hgt - t - b);
    for k in 0..=4 {
        let v = top * k as f64 / 4.0;
        let _ = write!(
            o,
            "<line x1=\"{l}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e4e4e4\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{:.1}</text>",
            w - r,
            l - 6.0,
            yy(v) + 4.0,
            v / scale,
            y = yy(v)
        );
    }
    let _ = write!(
        o,
        "<text x=\"14\" y=\"{:.1}\" font-size=\"12\" transform=\"rotate(-90 14 {:.1})\" text-anchor=\"middle\">{unit} a year</text>",
        (t + hgt - b) / 2.0,
        (t + hgt - b) / 2.0
    );
    let bw = (w - l - r) / years as f64;
    for k in 0..years {
        let mut acc = 0.0;
        for (m, (name, v)) in s.spending.iter().enumerate() {
            let val = v.get(k).copied().unwrap_or(0.0);
            if val <= 0.0 {
                continue;
            }
            let _ = write!(
                o,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{} {}: {} yuan</title></rect>",
                l + k as f64 * bw + bw * 0.1,
                yy(acc + val),
                bw * 0.8,
                yy(acc) - yy(acc + val),
                COLOURS[m % COLOURS.len()],
                s.years[k],
                esc(name),
                trace::money(val)
            );
            acc += val;
        }
        if k % ((years as f64 / 8.0).ceil().max(1.0) as usize) == 0 {
            let _ = write!(
                o,
                "<text x=\"{:.1}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
                l + (k as f64 + 0.5) * bw,
                hgt - b + 18.0,
                s.years[k]
            );
        }
    }
    for (m, (name, v)) in s.spending.iter().enumerate() {
        let total: f64 = v.iter().sum();
        let y = t + 10.0 + m as f64 * 20.0;
        let _ = write!(
            o,
            "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" font-size=\"12\">{} ({:.2} {})</text>",
            w - r + 12.0,
            y - 10.0,
            COLOURS[m % COLOURS.len()],
            w - r + 30.0,
            y,
            esc(&name.replace('_', " ")),
            total / scale,
            if scale == 1e6 { "M" } else { "k" }
        );
    }
    o.push_str("</svg>");
    o
}
