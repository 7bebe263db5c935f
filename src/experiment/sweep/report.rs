//! `report.html` of a finished sweep, in the look of the run and compare
//! reports (`output::report`): what was varied, every point's means (lowest
//! final-year headcount first) and the sweep's charts inline.

use super::{MEASURES, point_means};
use crate::error::Result;
use crate::output::atomic;
use crate::output::charts::draw::thousands;
use crate::output::report::{escape, page_start};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Write `out/report.html` from sweep.json, sweep.csv and the charts in `out/charts`.
pub fn write(out: &Path) -> Result<PathBuf> {
    let (spec, means) = point_means(out)?;
    let col = |m: &str| MEASURES.iter().position(|x| *x == m).unwrap_or(0);
    let (hc, gap, py, sp) = (
        col("headcount_ratio"),
        col("poverty_gap"),
        col("person_years"),
        col("spending"),
    );
    let reps = spec.replicates;
    let mut h = page_start(
        &format!("Sweep of {}", spec.scenario),
        &format!(
            "{} over {} key{} · {} points × {reps} replicate{} · seed {} · common random numbers: every point meets the same shocks",
            if spec.method == "grid" {
                "a full grid"
            } else {
                "a Latin-hypercube sample"
            },
            spec.keys.len(),
            if spec.keys.len() == 1 { "" } else { "s" },
            spec.points.len(),
            if reps == 1 { "" } else { "s" },
            spec.seed
        ),
    );
    h.push_str("<section>\n<h2>What was varied</h2>\n<ul>\n");
    for (d, k) in spec.keys.iter().enumerate() {
        let mut values: Vec<&str> = Vec::new();
        for p in &spec.points {
            if !values.contains(&p[d].as_str()) {
                values.push(&p[d]);
            }
        }
        let shown = if values.len() > 8 {
            format!(
                "{} values from {} to {}",
                values.len(),
                values[0],
                values[values.len() - 1]
            )
        } else {
            values.join(", ")
        };
        let _ = writeln!(
            h,
            "<li><code>{}</code>: {} <span class=\"unit\">({})</span></li>",
            escape(k),
            escape(&shown),
            escape(&super::charts::key_label(k, 120))
        );
    }
    if !spec.sets.is_empty() {
        let _ = writeln!(
            h,
            "<li>fixed for every point: <code>{}</code></li>",
            escape(&spec.sets.join(" "))
        );
    }
    h.push_str("</ul>\n</section>\n");

    let mut order: Vec<usize> = (0..means.len()).filter(|&p| means[p].1 > 0).collect();
    order.sort_by(|&a, &b| means[a].0[hc].total_cmp(&means[b].0[hc]).then(a.cmp(&b)));
    h.push_str("<section>\n<h2>Results, lowest final-year headcount first</h2>\n<table>\n<thead><tr><th>Point</th>");
    for k in &spec.keys {
        let _ = write!(h, "<th>{}</th>", escape(k.rsplit('.').next().unwrap_or(k)));
    }
    h.push_str(
        "<th class=\"num\">Headcount, %</th><th class=\"num\">Poverty gap, %</th>\
         <th class=\"num\">Person-years poor</th><th class=\"num\">Spending, yuan</th></tr></thead>\n<tbody>\n",
    );
    for &p in &order {
        let m = &means[p].0;
        let _ = write!(h, "<tr><td class=\"num\">{p}</td>");
        for v in &spec.points[p] {
            let _ = write!(h, "<td>{}</td>", escape(v));
        }
        let _ = writeln!(
            h,
            "<td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            100.0 * m[hc],
            100.0 * m[gap],
            thousands(m[py], 0),
            thousands(m[sp], 0)
        );
    }
    let _ = writeln!(
        h,
        "</tbody>\n</table>\n<p class=\"note\">{}</p>\n</section>",
        escape(&format!(
            "Means over {reps} replicate{} of the final year (person-years and spending: over the whole run). \
             Every replicate's row is in sweep.csv, every year in sweep_years.csv.",
            if reps == 1 { "" } else { "s" }
        ))
    );
    figures(
        &mut h,
        out,
        &[
            (
                "sweep_heatmap",
                "The final-year headcount ratio at each point of the two-key grid (mean across replicates); the colour bar gives the scale.",
            ),
            (
                "sweep_line",
                "The final-year headcount ratio along the first key, with the 5th–95th percentile across replicates (a line per value of the second key).",
            ),
            (
                "sweep_sample",
                "Each point's final-year headcount ratio against each varied key, the other keys varying at the same time.",
            ),
        ],
    );
    h.push_str(
        "<footer>Drawn by <code>povsim sweep</code>; the numbers are in sweep.csv and sweep_years.csv, \
         the same charts in charts/ as SVG and PNG.</footer>\n</main>\n</body>\n</html>\n",
    );
    let path = out.join("report.html");
    atomic::write_file(&path, h.as_bytes())?;
    Ok(path)
}

/// The charts of `names` found in `out/charts`, inline as SVG figures with
/// their captions.
pub fn figures(h: &mut String, out: &Path, names: &[(&str, &str)]) {
    let mut n = 0;
    for (name, caption) in names {
        let Ok(svg) = std::fs::read_to_string(out.join("charts").join(format!("{name}.svg")))
        else {
            continue;
        };
        if n == 0 {
            h.push_str("<section>\n<h2>Charts</h2>\n");
        }
        n += 1;
        let svg = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]);
        let _ = writeln!(
            h,
            "<figure id=\"chart-{name}\">\n{}\n<figcaption><strong>Figure {n}.</strong> {}</figcaption>\n</figure>",
            svg.trim_end(),
            escape(caption)
        );
    }
    if n > 0 {
        h.push_str("</section>\n");
    }
}
