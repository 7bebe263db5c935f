//! What a finished calibration writes besides its log: calibration.json,
//! calibrated.toml (a scenario that `extends` the input and sets the fitted
//! values: `povsim run calibrated.toml` reproduces the fit), the charts and
//! report.html. Each file is written whole (temp + rename).

use super::{Calibration, Problem};
use crate::error::Result;
use crate::output::charts::calibration::{CalibrationCharts, FitPanel, FitTarget, ProfilePanel};
use crate::output::report::{escape, page_start};
use crate::output::{atomic, charts};
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

/// Write calibration.json, calibrated.toml and (unless `no_charts`) the charts and report.html.
pub fn write(c: &Calibration, p: &Problem, out: &Path, no_charts: bool) -> Result<Vec<PathBuf>> {
    atomic::create_dir(out)?;
    let mut files = vec![
        out.join("calibration.csv"),
        out.join("calibration-spec.json"),
    ];
    let json = out.join("calibration.json");
    let text = serde_json::to_string_pretty(c).expect("calibration serializes") + "\n";
    atomic::write_file(&json, text.as_bytes())?;
    files.push(json);
    let toml = out.join("calibrated.toml");
    atomic::write_file(&toml, calibrated_toml(c, p, out).as_bytes())?;
    files.push(toml);
    if !no_charts {
        let data = chart_data(c);
        let drawn = charts::calibration::draw(&data, out, p.base.file.output.png)?;
        let html = report(c, p, &drawn);
        files.extend(drawn);
        let path = out.join("report.html");
        atomic::write_file(&path, html.as_bytes())?;
        files.push(path);
    }
    Ok(files)
}

/// The scenario of the fit: `extends` the input, the command's overrides,
/// the seed and replicates, and the fitted values, as top-level dotted keys.
pub fn calibrated_toml(c: &Calibration, p: &Problem, out: &Path) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Written by `povsim calibrate` (povsim {}): the values of [calibration]\n\
         # fitted to its targets; loss {} (squared misses in standard errors) at\n\
         # evaluation {} of {}. `povsim run` on this file reproduces the fit: same\n\
         # seed, same replicates (calibration.json has the standard errors).",
        env!("CARGO_PKG_VERSION"),
        super::identify::sig(c.loss),
        c.best_evaluation,
        c.evaluations
    );
    let _ = writeln!(s, "extends = {}", quote(&relative(out, &p.file)));
    let fitted = |k: &str| p.spec.keys.iter().any(|f| f.key == k);
    // The command's overrides (the last of a key wins, as with --set).
    let mut sets: Vec<(String, String)> = Vec::new();
    for a in &p.spec.sets {
        if let Some((k, v)) = a.split_once('=') {
            let k = k.trim().to_string();
            if fitted(&k) || k == "simulation.seed" || k == "simulation.replicates" {
                continue;
            }
            sets.retain(|(x, _)| *x != k);
            sets.push((k, toml_value(v)));
        }
    }
    for (k, v) in &sets {
        let _ = writeln!(s, "{k} = {v}  # --set");
    }
    let _ = writeln!(s, "simulation.seed = {}", c.seed);
    let _ = writeln!(s, "simulation.replicates = {}", c.replicates);
    for k in &c.keys {
        let se = k.se.map_or("no finite standard error".to_string(), |v| {
            format!("± {}", super::identify::sig(v))
        });
        let _ = writeln!(
            s,
            "{} = {}  # fitted by povsim calibrate: {se}, bounds {}–{}",
            k.key, k.value_text, k.bounds[0], k.bounds[1]
        );
    }
    s
}

/// A `--set` value as TOML (as `--set` reads it: TOML, else a bare string).
fn toml_value(v: &str) -> String {
    match toml::from_str::<toml::Table>(&format!("v = {}", v.trim())) {
        Ok(t) => t.get("v").map_or_else(|| quote(v), |x| x.to_string()),
        Err(_) => quote(v.trim()),
    }
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// `to` as seen from the directory `from` (both made absolute), with `/`.
fn relative(from: &Path, to: &Path) -> String {
    let abs = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let (from, to) = (abs(from), abs(to));
    let a: Vec<Component> = from.components().collect();
    let b: Vec<Component> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return to.display().to_string();
    }
    let mut parts: Vec<String> = vec!["..".to_string(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

fn chart_data(c: &Calibration) -> CalibrationCharts {
    let mut fit = Vec::new();
    for (measure, bands) in &c.fit {
        fit.push(FitPanel {
            measure: measure.clone(),
            years: bands.iter().map(|b| b.year).collect(),
            mean: bands.iter().map(|b| b.mean).collect(),
            p5: bands.iter().map(|b| b.p5).collect(),
            p95: bands.iter().map(|b| b.p95).collect(),
            targets: c
                .targets
                .iter()
                .filter(|t| &t.measure == measure)
                .map(|t| FitTarget {
                    year: t.year,
                    value: t.value,
                    se: t.se,
                    bound: t.bound,
                    held_out: t.held_out,
                })
                .collect(),
        });
    }
    let profile = c
        .keys
        .iter()
        .map(|k| ProfilePanel {
            key: k.key.clone(),
            points: k.profile.iter().map(|p| (p[0], p[1])).collect(),
            best: k.value,
            bounds: (k.bounds[0], k.bounds[1]),
            log: k.transform == "log",
        })
        .collect();
    CalibrationCharts {
        scenario: c.scenario.clone(),
        replicates: c.replicates,
        loss: c.loss,
        fit,
        profile,
    }
}

/// A short report.html: the fitted values, the targets, the diagnostics, the charts.
fn report(c: &Calibration, p: &Problem, charts: &[PathBuf]) -> String {
    use super::identify::sig;
    let title = format!("Calibration of {}", c.scenario);
    let mut h = page_start(
        &title,
        &format!(
            "simulated method of moments · {} evaluations · {} replicates each · seed {} · common random numbers",
            c.evaluations, c.replicates, c.seed
        ),
    );
    let _ = write!(
        h,
        "<section>\n<h2>Fitted values</h2>\n<p>Loss at the best values: {} (the sum of the fitted targets' squared misses in standard errors); held-out targets: {}. Standard errors from the local curvature of the loss, noise factor 1 + 1/R = {}.</p>\n\
         <table>\n<thead><tr><th>key</th><th>value</th><th>standard error</th><th>90% interval</th><th>bounds</th></tr></thead>\n<tbody>\n",
        sig(c.loss),
        sig(c.held_out_loss),
        sig(c.noise_factor)
    );
    for k in &c.keys {
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}–{}</td><td class=\"num\">{}–{}</td></tr>",
            escape(&k.key),
            escape(&k.value_text),
            k.se.map_or("–".to_string(), sig),
            sig(k.interval_90[0]),
            sig(k.interval_90[1]),
            k.bounds[0],
            k.bounds[1]
        );
    }
    let _ = write!(
        h,
        "</tbody>\n</table>\n</section>\n<section>\n<h2>Targets</h2>\n<table>\n<thead><tr><th>measure</th><th>year</th><th>target</th><th>simulated (90% band)</th><th>miss, standard errors</th><th></th></tr></thead>\n<tbody>\n"
    );
    for t in &c.targets {
        let want = match t.bound {
            Some(b) => format!(
                "{} {}",
                if b == crate::scenario::calibration::Bound::Above {
                    ">"
                } else {
                    "<"
                },
                sig(t.value)
            ),
            None => format!("{} ± {}", sig(t.value), sig(t.se)),
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{} ({}–{})</td><td class=\"num\">{:+.2}</td><td>{}</td></tr>",
            escape(&t.measure),
            t.year,
            escape(&want),
            sig(t.simulated),
            sig(t.p5),
            sig(t.p95),
            t.error_se,
            if t.held_out { "held out" } else { "fitted" }
        );
    }
    let _ = writeln!(
        h,
        "</tbody>\n</table>\n</section>\n<section>\n<h2>Identification</h2>"
    );
    if c.diagnostics.is_empty() {
        let _ = writeln!(
            h,
            "<p>Every key moves the loss, none is at a bound, none is weakly identified, no two are strongly correlated.</p>"
        );
    } else {
        let _ = writeln!(h, "<ul>");
        for d in &c.diagnostics {
            let _ = writeln!(h, "<li>{}</li>", escape(d));
        }
        let _ = writeln!(h, "</ul>");
    }
    let _ = writeln!(h, "</section>");
    let mut n = 0;
    for f in charts
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "svg"))
    {
        if let Ok(svg) = std::fs::read_to_string(f) {
            n += 1;
            let svg = svg
                .find("<svg")
                .map_or(svg.as_str(), |i| &svg[i..])
                .to_string();
            let _ = writeln!(
                h,
                "<figure>\n{svg}\n<figcaption><strong>Figure {n}.</strong> {}</figcaption>\n</figure>",
                if f.file_stem().is_some_and(|s| s == "calibration_fit") {
                    "Each target measure by year at the best values (mean and 5th–95th percentile band across replicates), with the targets (± one standard error); held-out targets are hollow."
                } else {
                    "The loss along each fitted key over its bounds, the other keys at their best values; the dashed line marks the best value."
                }
            );
        }
    }
    let _ = writeln!(
        h,
        "<section>\n<h2>Rerun</h2>\n<p><code>povsim calibrate {}{}</code> refits (it resumes from calibration.csv in the same output directory); <code>povsim run calibrated.toml</code> reproduces the fit.</p>\n</section>\n</main>\n</body>\n</html>",
        escape(&p.file.display().to_string()),
        escape(
            &p.spec
                .sets
                .iter()
                .map(|s| format!(" --set {s}"))
                .collect::<String>()
        )
    );
    h
}
