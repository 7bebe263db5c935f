//! `report.html` of a budget search, in the look of the run and compare
//! reports: the verdict, every allocation ranked (shares in % and yuan,
//! realised spending, intervals) and the search chart inline.

use super::{Objective, Optimum};
use crate::error::Result;
use crate::output::atomic;
use crate::output::charts::draw::{money_scale, thousands};
use crate::output::report::{escape, page_start};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Write `out/report.html` (after the chart, which it embeds if present).
pub fn write(o: &Optimum, out: &Path) -> Result<PathBuf> {
    let reps = o.replicates;
    let mut h = page_start(
        &format!("Budget search: {}", o.scenario),
        &format!(
            "{} yuan a year across {} · objective {} (lower is better) · {} allocations × {reps} replicate{} · seed {} · common random numbers",
            thousands(o.total, 0),
            o.modules.join(", "),
            o.objective.name(),
            o.trace.len(),
            if reps == 1 { "" } else { "s" },
            o.seed
        ),
    );
    h.push_str("<section>\n<h2>Verdict</h2>\n");
    for l in o.verdict() {
        let _ = writeln!(h, "<p>{}</p>", escape(&l));
    }
    h.push_str("</section>\n");
    let scale = match o.objective {
        Objective::PersonYears => 1.0,
        _ => 100.0,
    };
    let f = |x: f64| {
        if scale == 1.0 {
            thousands(x, 0)
        } else {
            format!("{:.3}%", scale * x)
        }
    };
    let (div, money) = money_scale(o.trace.iter().map(|e| e.spending).fold(0.0, f64::max));
    h.push_str("<section>\n<h2>Allocations, best first</h2>\n<table>\n<thead><tr><th>Rank</th><th>Kind</th>");
    for m in &o.modules {
        let _ = write!(h, "<th class=\"num\">{}</th>", escape(m));
    }
    let _ = writeln!(
        h,
        "<th class=\"num\">Objective</th><th class=\"num\">vs equal split</th><th class=\"num\">Spent<span class=\"ci\">{} over the run</span></th></tr></thead>\n<tbody>",
        escape(money)
    );
    for (rank, e) in o.ranked().iter().enumerate() {
        let _ = write!(
            h,
            "<tr><td class=\"num\">{}</td><td>{}</td>",
            rank + 1,
            escape(&e.kind)
        );
        for s in &e.shares {
            let _ = write!(
                h,
                "<td class=\"num\">{:.1}%<span class=\"ci\">{} yuan</span></td>",
                100.0 * s,
                thousands(s * o.total, 0)
            );
        }
        let cell = |est: &crate::experiment::compare::Estimate| {
            if reps < 2 {
                format!("<td class=\"num\">{}</td>", f(est.mean))
            } else {
                format!(
                    "<td class=\"num\">{}<span class=\"ci\">{} to {}</span></td>",
                    f(est.mean),
                    f(est.lo),
                    f(est.hi)
                )
            }
        };
        let _ = writeln!(
            h,
            "{}{}<td class=\"num\">{}</td></tr>",
            cell(&e.objective),
            cell(&e.vs_equal),
            thousands(e.spending / div, if div > 1.0 { 1 } else { 0 })
        );
    }
    let _ = writeln!(
        h,
        "</tbody>\n</table>\n<p class=\"note\">{}</p>\n</section>",
        escape(&if reps < 2 {
            format!(
                "{}: one replicate gives one draw of the shocks, so the ranking is not a result.",
                crate::experiment::compare::no_interval(reps)
            )
        } else {
            format!(
                "Means over {reps} replicates; the small figures are 90% intervals (the difference from the equal split is paired by replicate). \
                 Shares are of the total in % and in yuan a year; spending is what all modules really spent over the run."
            )
        })
    );
    crate::experiment::sweep::report::figures(
        &mut h,
        out,
        &[(
            "optimize",
            "Every allocation's objective in the order evaluated, with its 90% interval; the dashed step is the best so far, the dotted line the equal split, the box the winning split.",
        )],
    );
    h.push_str(
        "<footer>Drawn by <code>povsim optimize</code>; the numbers are in optimize.csv and optimize.json, \
         the chart in charts/ as SVG and PNG.</footer>\n</main>\n</body>\n</html>\n",
    );
    let path = out.join("report.html");
    atomic::write_file(&path, h.as_bytes())?;
    Ok(path)
}
