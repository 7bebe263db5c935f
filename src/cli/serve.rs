//! `povsim serve`: a one-page teaching interface on the teacher's own machine.
//!
//! `GET /` shows a form: a slider for each enabled module's budget and for the
//! key parameters (poverty line, shock probabilities, targeting). Run submits
//! it (`GET /run?…` or `POST /run`); each changed field becomes a `--set
//! KEY=VALUE` override checked by the same scenario loader as files, the run
//! is capped in size, and the page comes back with the run's charts (the
//! previous run faintly behind), the village map year by year, spending and a
//! few household stories. A browser's newer run replaces its older one, which
//! stops at its next year; other browsers' runs go on.
//!
//! | file | idea |
//! | --- | --- |
//! | `serve/http.rs` | connections, deadlines, the worker pool and its queue |
//! | `serve/http/request.rs` | parsing, and the requests refused (size, Host) |
//! | `serve/session.rs` | per-browser state: previous run, latest request |
//! | `serve/sliders.rs` | which keys the form offers, labels and ranges |
//! | `serve/form.rs` | the submitted form: decoding, checks, overrides |
//! | `serve/charts.rs` | the run's charts, by the run's own renderers |
//! | `serve/page.rs` | the page, from the templates in `assets/serve/` |
//!
//! This file is the glue: it loads the scenario and answers each request by
//! running the experiment layer (`experiment::run_in_memory`).

mod charts;
mod form;
mod http;
mod page;
mod session;
mod sliders;

use super::init::Named;
use povsim::experiment::{self, Stopped, trace};
use povsim::output::charts::Previous;
use povsim::scenario::Scenario;
use session::{Session, Sessions};
use sliders::Field;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Scenario file (TOML), or `classroom` (the default) / `l_county` for an embedded one.
    pub scenario: Option<PathBuf>,
    /// Port to listen on (0: any free port; the address is printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on (default: this machine only).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Override any scalar key of the base scenario: --set simulation.years=20; repeat for more keys.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Runs computed at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub workers: u16,
    /// Requests that may wait for a worker; more are answered 503 (busy).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub queue: u16,
}

pub fn execute(a: ServeArgs) -> anyhow::Result<()> {
    let named = Named::of(a.scenario.as_deref());
    let base = named.load(&a.sets)?;
    form::check_caps(&base)?;
    let listener = std::net::TcpListener::bind((a.host.as_str(), a.port)).map_err(|e| {
        povsim::Error::Input(format!("cannot listen on {}:{}: {e}", a.host, a.port))
    })?;
    let addr = listener.local_addr()?;
    let pool = http::Pool {
        workers: usize::from(a.workers),
        queue: usize::from(a.queue),
    };
    println!(
        "povsim serve: listening on http://{addr}/ ({} workers, {} waiting at most; Ctrl-C stops)",
        pool.workers, pool.queue
    );
    std::io::stdout().flush()?;
    let app = App {
        fields: sliders::fields(&base),
        named,
        sets: a.sets,
        base,
        sessions: Sessions::new(),
    };
    http::serve(
        listener,
        http::Hosts::new(addr, &a.host),
        pool,
        move |req| app.handle(req),
        page::error_page,
    )?;
    Ok(())
}

struct App {
    named: Named,
    /// The `--set` overrides of the command line.
    sets: Vec<String>,
    /// The base scenario (validated at start) and its form.
    base: Scenario,
    fields: Vec<Field>,
    sessions: Sessions,
}

impl App {
    fn handle(&self, req: &http::Request) -> http::Response {
        let (session, set_cookie) = self.sessions.get(req.cookie.as_deref());
        let mut resp = match (req.method.as_str(), req.path.as_str()) {
            ("GET", "/") => http::Response::new(
                200,
                page::page(&self.base, &self.fields, &BTreeMap::new(), None, None),
            ),
            ("GET", "/run") => self.run(&session, &req.query),
            ("POST", "/run") => self.run(&session, &String::from_utf8_lossy(&req.body)),
            _ => http::Response::new(404, page::error_page("no such page")),
        };
        resp.set_cookie = set_cookie;
        resp
    }

    fn page(&self, status: u16, values: &BTreeMap<String, String>, msg: &str) -> http::Response {
        http::Response::new(
            status,
            page::page(&self.base, &self.fields, values, None, Some(msg)),
        )
    }

    fn run(&self, session: &Session, form: &str) -> http::Response {
        let values = match form::parse(form) {
            Ok(v) => v,
            Err(e) => return self.page(400, &BTreeMap::new(), &e),
        };
        let changed = form::overrides(&self.fields, &values);
        let sets = [self.sets.clone(), changed.clone()].concat();
        let sc = match self.named.load(&sets).and_then(|sc| {
            form::check_caps(&sc)?;
            Ok(sc)
        }) {
            Ok(sc) => sc,
            Err(e) => return self.page(400, &values, &e.to_string()),
        };
        // A valid request replaces this browser's run in progress: that one stops at its next year.
        let me = session.start_run();
        let stop = || !session.is_latest(me);
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let data = match experiment::run_in_memory(&sc, &stop) {
                Ok(d) => d,
                Err(Stopped::Asked) => return Ok(None),
                Err(Stopped::Error(e)) => return Err(e),
            };
            let stories = trace::stories(&sc, 0)?;
            Ok((!stop()).then_some((data, stories)))
        }));
        let (data, stories) = match ran {
            Ok(Ok(Some(r))) => r,
            Ok(Ok(None)) => {
                return http::Response::new(
                    409,
                    page::error_page("this run was replaced by a newer one"),
                );
            }
            Ok(Err(e)) => return self.page(400, &values, &e.to_string()),
            Err(_) => {
                let msg = "the simulation failed on these values (a bug: please report them)";
                return self.page(500, &values, msg);
            }
        };
        let label = if changed.is_empty() {
            "as in the scenario".to_string()
        } else {
            changed.join(", ")
        };
        let previous = session.replace_previous((label.clone(), Previous::of(&data)));
        let drawn = match charts::draw(&data, previous.as_ref().map(|p| &p.1)) {
            Ok(d) => d,
            Err(e) => return self.page(500, &values, &e.to_string()),
        };
        let shown = page::Shown {
            label: &label,
            previous: previous.as_ref().map(|p| p.0.as_str()),
            previous_headcount: previous.as_ref().map_or(&[], |p| p.1.headcount()),
            drawn: &drawn,
            stories: &stories,
        };
        http::Response::new(
            200,
            page::page(&self.base, &self.fields, &values, Some(&shown), None),
        )
    }
}
