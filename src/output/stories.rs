//! Household stories as stories.json holds them, and as text and HTML: a
//! household's members, income by source, shocks, help by module, register
//! and poverty, year by year. [`crate::experiment::trace`] follows the
//! households; this file only describes and renders what it found.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Household income by source in one year, yuan per household-year.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Income {
    pub farm: f64,
    pub wage: f64,
    pub migrant: f64,
    pub enterprise: f64,
    pub tourism: f64,
    /// Pension and the help paid this year.
    pub transfers: f64,
}

impl Income {
    fn pairs(&self) -> [(&'static str, f64); 6] {
        let v = [
            self.farm,
            self.wage,
            self.migrant,
            self.enterprise,
            self.tourism,
            self.transfers,
        ];
        std::array::from_fn(|k| (crate::model::state::SOURCES[k], v[k]))
    }

    pub fn total(&self) -> f64 {
        self.pairs().iter().map(|p| p.1).sum()
    }
}

/// What one module did for (or to) the household in one year.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Help {
    pub module: String,
    /// Money paid to the household this year, yuan.
    #[serde(default)]
    pub paid: f64,
    /// Change in vocational skill (0 to 1).
    #[serde(default)]
    pub skill: f64,
    /// Change in productive assets, yuan.
    #[serde(default)]
    pub assets: f64,
    /// Change in debt, yuan.
    #[serde(default)]
    pub debt: f64,
    /// Change in the microcredit principal outstanding, yuan.
    #[serde(default)]
    pub loan: f64,
    /// Change in tourism company shares held, yuan.
    #[serde(default)]
    pub shares: f64,
    /// Change in awareness of the policies (0 to 1).
    #[serde(default)]
    pub awareness: f64,
    /// Student subsidy, as a share of the full subsidy.
    #[serde(default)]
    pub student_aid: f64,
    /// Put on (true) or taken off (false) the poor register.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered: Option<bool>,
    /// Moved to a resettlement site.
    #[serde(default)]
    pub relocated: bool,
}

impl Help {
    /// One short phrase: "transfers: 1,200 yuan paid".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        match self.registered {
            Some(true) => parts.push("put on the poor register".to_string()),
            Some(false) => parts.push("taken off the poor register".to_string()),
            None => {}
        }
        if self.relocated {
            parts.push("moved to a resettlement site".to_string());
        }
        if self.paid.abs() >= 0.5 {
            parts.push(format!("{} yuan paid", money(self.paid)));
        }
        if self.skill.abs() >= 0.005 {
            parts.push(format!("trained (skill {:+.2})", self.skill));
        }
        if self.student_aid.abs() >= 0.005 {
            parts.push(format!(
                "student subsidy ({:.0}% of the full amount)",
                100.0 * self.student_aid
            ));
        }
        if self.loan.abs() >= 0.5 {
            parts.push(format!("loan {:+} yuan", money(self.loan)));
        }
        if self.shares.abs() >= 0.5 {
            parts.push(format!("company shares {:+} yuan", money(self.shares)));
        }
        if self.assets.abs() >= 0.5 {
            parts.push(format!("assets {} yuan", signed(self.assets)));
        }
        if self.debt.abs() >= 0.5 {
            parts.push(format!("debt {} yuan", signed(self.debt)));
        }
        if self.awareness.abs() >= 0.005 {
            parts.push(format!("awareness {:+.2}", self.awareness));
        }
        if parts.is_empty() {
            parts.push("no visible change".to_string());
        }
        format!("{}: {}", self.module, parts.join(", "))
    }
}

/// One household in one year.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TraceYear {
    pub year: i32,
    pub adults: u8,
    pub children: u8,
    pub elderly: u8,
    /// Adults working away this year (still members).
    pub migrants: u8,
    pub income: Income,
    /// Medical costs paid this year, yuan.
    pub medical: f64,
    /// Per-capita net income, yuan per person-year.
    pub income_pc: f64,
    /// The poverty line this year, yuan per person-year.
    pub line: f64,
    pub poor: bool,
    pub registered: bool,
    pub relocated: bool,
    /// Shocks met this year: `illness`, `crop loss`, `job loss`, `drought`.
    pub shocks: Vec<String>,
    /// Help received this year: the pension first (paid before any
    /// module), then module by module in the order they act.
    pub help: Vec<Help>,
    /// Who joined or left the household this year.
    #[serde(default)]
    pub members_change: MembersChange,
    pub skill: f64,
    /// Productive assets at the end of the year, yuan.
    pub assets: f64,
    pub savings: f64,
    pub debt: f64,
}

/// Who joined or left a household in one year, in persons.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersChange {
    pub born: u8,
    pub died: u8,
    /// Children who became adults.
    pub grew_up: u8,
    /// Adults who became elderly.
    pub retired: u8,
    /// Adults who left the county for good (no longer members).
    pub left: u8,
}

impl MembersChange {
    /// "1 died, 1 child grew up" (empty when nothing happened).
    pub fn describe(&self) -> String {
        let n = |k: u8, one: &str, many: &str| {
            (k > 0).then(|| format!("{k} {}", if k == 1 { one } else { many }))
        };
        [
            n(self.born, "child born", "children born"),
            n(self.died, "member died", "members died"),
            n(self.grew_up, "child grew up", "children grew up"),
            n(
                self.retired,
                "adult reached old age",
                "adults reached old age",
            ),
            n(
                self.left,
                "adult left the county for good",
                "adults left the county for good",
            ),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
    }
}

impl TraceYear {
    pub fn members(&self) -> u32 {
        self.adults as u32 + self.children as u32 + self.elderly as u32
    }
}

/// A household's story.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Story {
    pub household: usize,
    pub replicate: u32,
    pub village: u32,
    /// The village's remoteness, 0 (county seat) to 1 (remote mountain).
    pub remoteness: f64,
    /// The typical path this household was chosen for (stories only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub years: Vec<TraceYear>,
}

/// A whole number of yuan with thousands separators.
pub fn money(v: f64) -> String {
    super::charts::draw::thousands(v.round(), 0)
}

fn signed(v: f64) -> String {
    if v > 0.0 {
        format!("+{}", money(v))
    } else {
        money(v)
    }
}

/// "4 members (2 adults, 1 child, 1 elderly)".
pub fn members_phrase(y: &TraceYear) -> String {
    let plural = |n: u8, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut s = format!(
        "{} ({}, {}, {})",
        plural(y.members().min(255) as u8, "member", "members"),
        plural(y.adults, "adult", "adults"),
        plural(y.children, "child", "children"),
        plural(y.elderly, "elderly", "elderly")
    );
    if y.migrants > 0 {
        let _ = write!(s, ", {} working away", y.migrants);
    }
    s
}

/// The income line of a year: total, sources, per person against the line.
pub fn income_phrase(y: &TraceYear) -> String {
    let sources: Vec<String> = y
        .income
        .pairs()
        .iter()
        .filter(|p| p.1.abs() >= 0.5)
        .map(|(k, v)| format!("{k} {}", money(*v)))
        .collect();
    format!(
        "income {} yuan ({}); {} per person, line {}",
        money(y.income.total()),
        if sources.is_empty() {
            "none".to_string()
        } else {
            sources.join(", ")
        },
        money(y.income_pc),
        money(y.line)
    )
}

/// The status of a year: POOR or not poor, on the register or not, relocated.
pub fn status_phrase(y: &TraceYear) -> String {
    let mut s = vec![if y.members() == 0 {
        "household dissolved".to_string()
    } else if y.poor {
        "POOR".to_string()
    } else {
        "not poor".to_string()
    }];
    s.push(if y.registered {
        "on the poor register".to_string()
    } else {
        "not registered".to_string()
    });
    if y.relocated {
        s.push("living at a resettlement site".to_string());
    }
    s.join(", ")
}

/// A story as plain text, one block per year.
pub fn story_text(s: &Story) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "household {} · village {} (remoteness {:.2}) · replicate {}",
        s.household, s.village, s.remoteness, s.replicate
    );
    if let Some(p) = &s.path {
        let _ = write!(out, " · {p}");
    }
    out.push('\n');
    for y in &s.years {
        let _ = writeln!(out, "{}  {}", y.year, members_phrase(y));
        let change = y.members_change.describe();
        if !change.is_empty() {
            let _ = writeln!(out, "      members: {change}");
        }
        let _ = writeln!(out, "      {}", income_phrase(y));
        let _ = writeln!(out, "      {}", status_phrase(y));
        if !y.shocks.is_empty() {
            let med = if y.medical >= 0.5 {
                format!(" (medical costs {} yuan)", money(y.medical))
            } else {
                String::new()
            };
            let _ = writeln!(out, "      shocks: {}{med}", y.shocks.join(", "));
        }
        for h in &y.help {
            let _ = writeln!(out, "      help: {}", h.describe());
        }
    }
    out
}

/// One sentence summing up a story (first year → last year).
pub fn story_summary(s: &Story) -> String {
    let (Some(a), Some(b)) = (s.years.first(), s.years.last()) else {
        return String::new();
    };
    let poor_years = s.years.iter().filter(|y| y.poor).count();
    let ill = s
        .years
        .iter()
        .filter(|y| y.shocks.iter().any(|k| k == "illness"))
        .count();
    let helped: f64 = s.years.iter().flat_map(|y| &y.help).map(|h| h.paid).sum();
    format!(
        "{} in {}, {} in {}; poor in {} of {} years; {} illness{}; {} yuan of help paid",
        if a.poor { "poor" } else { "not poor" },
        a.year,
        if b.poor { "poor" } else { "not poor" },
        b.year,
        poor_years,
        s.years.len(),
        ill,
        if ill == 1 { "" } else { "es" },
        money(helped)
    )
}

fn esc(s: &str) -> String {
    super::report::escape(s)
}

/// How many households `experiment::trace::stories` watches: the first of the keyed order
/// (`povsim trace --sample`'s), chosen before the run. Every household of a smaller
/// population is watched; a larger one's stories come from this sample, so
/// that their cost (one more run of the replicate, and the watched
/// households' years in memory) does not grow with the population.
pub const STORIES_WATCHED: usize = 2_000;

/// Stories as an HTML section (for the run report and `povsim serve`):
/// inline styles only, no scripts.
pub fn stories_html(stories: &[Story]) -> String {
    let mut h = String::new();
    h.push_str("<section id=\"stories\">\n<h2>Household stories</h2>\n");
    if stories.is_empty() {
        h.push_str("<p class=\"note\">No household watched for the stories followed one of the typical paths in this run.</p>\n</section>\n");
        return h;
    }
    let _ = writeln!(
        h,
        "<p class=\"note\">A few households of replicate 0 chosen to show typical paths (among the first {} of a keyed order, if the county has more); each row is a year: income per person against the poverty line, the shocks met and the help received.</p>",
        super::charts::draw::thousands(STORIES_WATCHED as f64, 0)
    );
    for s in stories {
        let title = match &s.path {
            Some(p) => format!("{}: household {}", capitalize(p), s.household),
            None => format!("Household {}", s.household),
        };
        let _ = write!(
            h,
            "<details class=\"story\" open>\n<summary><strong>{}</strong> · village {} (remoteness {:.2}) · {}</summary>\n\
             <table class=\"story\">\n<thead><tr><th>Year</th><th>Members</th><th class=\"num\">Income per person (line)</th><th>Status</th><th>Shocks</th><th>Help</th></tr></thead>\n<tbody>\n",
            esc(&title),
            s.village,
            s.remoteness,
            esc(&story_summary(s))
        );
        for y in &s.years {
            let help: Vec<String> = y.help.iter().map(|x| esc(&x.describe())).collect();
            let _ = writeln!(
                h,
                "<tr{}><td>{}</td><td>{}</td><td class=\"num\">{} ({})</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                if y.poor { " class=\"poor\"" } else { "" },
                y.year,
                {
                    let change = y.members_change.describe();
                    if change.is_empty() {
                        esc(&members_phrase(y))
                    } else {
                        format!("{}<br><em>{}</em>", esc(&members_phrase(y)), esc(&change))
                    }
                },
                money(y.income_pc),
                money(y.line),
                esc(&status_phrase(y)),
                esc(&y.shocks.join(", ")),
                help.join("<br>")
            );
        }
        h.push_str("</tbody>\n</table>\n</details>\n");
    }
    h.push_str("</section>\n");
    h
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The report's stories section, from `dir/stories.json` (empty if absent or unreadable).
pub fn stories_section(dir: &std::path::Path) -> String {
    std::fs::read(dir.join("stories.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Vec<Story>>(&b).ok())
        .map(|s| stories_html(&s))
        .unwrap_or_default()
}
