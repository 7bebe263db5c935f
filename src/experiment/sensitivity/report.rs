//! `report.html` of an analysis: what was run, the ranked indices with their
//! intervals, how to read them, the chart (inline SVG), and how to rerun and
//! re-analyse with SALib. Self-contained, as every povsim report.

use super::analysis::{Method, SensitivitySpec};
use super::outputs::{Finished, KeyIndices};
use crate::error::Result;
use crate::experiment::calibrate::sig;
use crate::output::atomic;
use crate::output::report::{escape, page_start};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Below this total index (or this share of the largest μ*) a key is read
/// as one that can be fixed anywhere in its prior (a common threshold; an
/// assumption of the reading, not of the model).
pub const NEGLIGIBLE: f64 = 0.05;

/// The reading of the ranked keys in one or two sentences.
pub fn reading(f: &Finished) -> String {
    let Some((top, _)) = f.ranked.first() else {
        return String::new();
    };
    let negligible: Vec<&str> = match f.method {
        Method::Sobol => f
            .ranked
            .iter()
            .filter(|(_, k)| k.rank_value() < NEGLIGIBLE)
            .map(|(n, _)| n.as_str())
            .collect(),
        Method::Morris => {
            let max = f.ranked[0].1.rank_value();
            f.ranked
                .iter()
                .filter(|(_, k)| k.rank_value() <= NEGLIGIBLE * max)
                .map(|(n, _)| n.as_str())
                .collect()
        }
    };
    let mut s = format!("{top} matters most.");
    if !negligible.is_empty() {
        let _ = write!(
            s,
            " Can be fixed anywhere in its prior ({}): {}.",
            match f.method {
                Method::Sobol => "total index under 0.05",
                Method::Morris => "μ* under 5% of the largest",
            },
            negligible.join(", ")
        );
    }
    s
}

/// Write `out/report.html`.
pub fn write(out: &Path, spec: &SensitivitySpec, f: &Finished) -> Result<PathBuf> {
    let mut h = String::new();
    let what = match &spec.compare {
        Some(b) => format!("the effect of {} against {b}", spec.scenario),
        None => spec.scenario.clone(),
    };
    let title = format!("Sensitivity of {what}");
    let method = match spec.method {
        Method::Morris => format!(
            "Morris screening, {} trajectories on a {}-level grid",
            spec.samples, spec.levels
        ),
        Method::Sobol => format!("Sobol' indices, N = {} base samples", spec.samples),
    };
    h.push_str(&page_start(
        &title,
        &format!(
            "{method} · {} design points × {} replicates · seed {} · common random numbers",
            spec.points, spec.replicates, spec.seed
        ),
    ));
    let _ = write!(
        h,
        "<section>\n<h2>Indices</h2>\n<p>Output: {}{}, the mean over {} replicates at each point; across the design it has mean {} and sd {}. {}</p>\n<table>\n<thead><tr><th>key</th><th>prior</th>",
        escape(&f.measure),
        if spec.compare.is_some() {
            " (reform − base, paired by replicate)"
        } else {
            ""
        },
        spec.replicates,
        sig(f.output_mean),
        sig(f.output_sd),
        escape(&reading(f))
    );
    let _ = writeln!(
        h,
        "{}</tr></thead>\n<tbody>",
        match spec.method {
            Method::Morris => "<th>μ* (90% interval)</th><th>μ</th><th>σ</th>",
            Method::Sobol =>
                "<th>first order S1 (90% interval)</th><th>total ST (90% interval)</th>",
        }
    );
    for (key, ix) in &f.ranked {
        let prior = spec
            .factors
            .iter()
            .find(|x| &x.key == key)
            .map(|x| x.reads.as_str())
            .unwrap_or("");
        let cells = match ix {
            KeyIndices::Morris(m) => format!(
                "<td class=\"num\">{} ({} to {})</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
                sig(m.mu_star.value),
                sig(m.mu_star.lo),
                sig(m.mu_star.hi),
                sig(m.mu),
                sig(m.sigma)
            ),
            KeyIndices::Sobol(s) => format!(
                "<td class=\"num\">{:.3} ({:.3} to {:.3})</td><td class=\"num\">{:.3} ({:.3} to {:.3})</td>",
                s.first.value, s.first.lo, s.first.hi, s.total.value, s.total.lo, s.total.hi
            ),
        };
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td>{cells}</tr>",
            escape(key),
            escape(prior)
        );
    }
    let _ = writeln!(h, "</tbody>\n</table>\n</section>");
    let how = match spec.method {
        Method::Morris => {
            "μ* ranks the keys by overall influence (mean absolute change of the output when the key moves by Δ = 2/3 of its prior's quantile range); a key near the origin can be fixed anywhere in its prior; σ comparable to μ* means the effect bends or depends on other keys. μ* ranks, it does not apportion variance: use Sobol' indices for that."
        }
        Method::Sobol => {
            "S1 is the share of the output's variance the key explains alone; ST adds every interaction it takes part in (ST ≥ S1 up to sampling error); ST under 0.05 means the key can be fixed anywhere in its prior. Intervals are 90% bootstrap intervals over the N base samples."
        }
    };
    let _ = writeln!(
        h,
        "<section>\n<h2>How to read it</h2>\n<p>{}</p>\n</section>",
        escape(how)
    );
    if let Ok(svg) = std::fs::read_to_string(out.join("charts").join("sensitivity.svg")) {
        let svg = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]);
        let _ = writeln!(
            h,
            "<figure>\n{svg}\n<figcaption><strong>Figure 1.</strong> {}</figcaption>\n</figure>",
            match spec.method {
                Method::Morris =>
                    "μ* against σ, one point per key, with the 90% interval of μ*; the dotted diagonal is σ = μ*.",
                Method::Sobol =>
                    "Keys ranked by total index: first-order (light) and total (dark) indices with 90% intervals; the dotted line marks 0.05.",
            }
        );
    }
    let _ = writeln!(
        h,
        "<section>\n<h2>Rerun and re-analyse</h2>\n<p>The same command into the same directory resumes (points.csv holds every finished point). problem.json, design.csv and outputs.csv are SALib's problem, design and outputs: <code>SALib.analyze.{}</code> on them gives the same indices (see docs/SENSITIVITY.md).</p>\n</section>\n</main>\n</body>\n</html>",
        match spec.method {
            Method::Morris => "morris.analyze",
            Method::Sobol => "sobol.analyze(…, calc_second_order=False)",
        }
    );
    let path = out.join("report.html");
    atomic::write_file(&path, h.as_bytes())?;
    Ok(path)
}
