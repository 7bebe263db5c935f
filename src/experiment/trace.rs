//! Household stories: what happened to one household, year by year.
//!
//! A story is read from the engine without touching its per-household loops:
//! the simulation runs as usual, the traced households are watched between
//! module plans ([`Simulation::set_watch`]: which module gave what), and
//! after each year their columns are read (members, income by source, shocks,
//! the register, poverty). [`stories`] picks a few households whose paths are
//! typical: escaped through training, fell back after illness, relocated,
//! stayed poor.

use crate::engine::{Simulation, WatchDelta};
use crate::error::{Error, Result};
use crate::model::state::flag;
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Purpose key of the deterministic household sample (not a simulation stream).
const SAMPLE_PURPOSE: u64 = 0x5354_4f52_4945_5301;

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
        [
            ("farm", self.farm),
            ("wage", self.wage),
            ("migrant", self.migrant),
            ("enterprise", self.enterprise),
            ("tourism", self.tourism),
            ("transfers", self.transfers),
        ]
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
    fn from_delta(d: &WatchDelta) -> Help {
        let (b, a) = (&d.before, &d.after);
        let reg = |f: u8| f & flag::REGISTERED != 0;
        Help {
            module: d.module.to_string(),
            paid: (a.received - b.received) as f64,
            skill: (a.skill - b.skill) as f64,
            assets: (a.assets - b.assets) as f64,
            debt: (a.debt - b.debt) as f64,
            loan: (a.loan - b.loan) as f64,
            shares: (a.shares - b.shares) as f64,
            awareness: (a.awareness - b.awareness) as f64,
            student_aid: (a.student_aid as f64 - b.student_aid as f64) / 255.0,
            registered: (reg(a.flags) != reg(b.flags)).then_some(reg(a.flags)),
            relocated: a.flags & flag::RELOCATED != 0 && b.flags & flag::RELOCATED == 0,
        }
    }

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
    /// Help received this year, module by module in the order they act.
    pub help: Vec<Help>,
    pub skill: f64,
    /// Productive assets at the end of the year, yuan.
    pub assets: f64,
    pub savings: f64,
    pub debt: f64,
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

/// The story of each of `households` (indices from 0; a repeated one is told once) in `replicate`.
pub fn trace(sc: &Scenario, replicate: u32, households: &[usize]) -> Result<Vec<Story>> {
    // Each household once, in the order first asked for (a repeated id would
    // be told again, and the help it got logged once per copy).
    let mut seen = std::collections::HashSet::new();
    let households: Vec<usize> = households
        .iter()
        .copied()
        .filter(|i| seen.insert(*i))
        .collect();
    let households = &households[..];
    let mut sim = Simulation::new(sc, replicate)?;
    let n = sim.hh.len();
    if let Some(&bad) = households.iter().find(|&&i| i >= n) {
        return Err(Error::Input(format!(
            "household {bad}: expected a household number from 0 to {}, got {bad}",
            n.saturating_sub(1)
        )));
    }
    sim.set_watch(households.to_vec());
    let mut stories: Vec<Story> = households
        .iter()
        .map(|&i| {
            let v = sim.hh.village[i];
            Story {
                household: i,
                replicate,
                village: v,
                remoteness: sim.villages.remoteness[v as usize] as f64,
                path: None,
                years: Vec::with_capacity(sc.years as usize),
            }
        })
        .collect();
    for _ in 0..sc.years {
        let rec = sim.step();
        let log = sim.take_watch();
        for s in stories.iter_mut() {
            let i = s.household;
            let hh = &sim.hh;
            let f = hh.flags[i];
            let mut shocks = Vec::new();
            if f & flag::ILL != 0 {
                shocks.push("illness".to_string());
            }
            if f & flag::CROP_LOSS != 0 {
                shocks.push("crop loss".to_string());
            }
            if f & flag::JOB_LOSS != 0 {
                shocks.push("job loss".to_string());
            }
            if sim.villages.drought[hh.village[i] as usize] {
                shocks.push("drought".to_string());
            }
            let alive = hh.members(i) > 0;
            s.years.push(TraceYear {
                year: rec.year,
                adults: hh.adults[i],
                children: hh.children[i],
                elderly: hh.elderly[i],
                migrants: hh.migrants[i],
                income: Income {
                    farm: hh.farm[i] as f64,
                    wage: hh.wage[i] as f64,
                    migrant: hh.migrant[i] as f64,
                    enterprise: hh.enterprise[i] as f64,
                    tourism: hh.tourism[i] as f64,
                    transfers: hh.transfers[i] as f64,
                },
                medical: hh.medical[i] as f64,
                income_pc: hh.income_pc[i] as f64,
                line: rec.line,
                poor: alive && f & flag::POOR != 0,
                registered: f & flag::REGISTERED != 0,
                relocated: f & flag::RELOCATED != 0,
                shocks,
                help: log
                    .iter()
                    .filter(|d| d.household == i)
                    .map(Help::from_delta)
                    .collect(),
                skill: hh.skill[i] as f64,
                assets: hh.assets[i] as f64,
                savings: hh.savings[i] as f64,
                debt: hh.debt[i] as f64,
            });
        }
    }
    Ok(stories)
}

/// `n` households picked deterministically (the same for the same seed and
/// replicate): among all households, or only among those poor in `poor_at`.
pub fn sample(sc: &Scenario, replicate: u32, n: usize, poor_at: Option<i32>) -> Result<Vec<usize>> {
    let mut sim = Simulation::new(sc, replicate)?;
    let pool: Vec<usize> = match poor_at {
        None => (0..sim.hh.len()).collect(),
        Some(y) => {
            if y < sc.start_year || y > sc.end_year() {
                return Err(Error::Input(format!(
                    "--poor-at {y}: expected a simulated year from {} to {}, got {y}",
                    sc.start_year,
                    sc.end_year()
                )));
            }
            while sim.year <= y {
                sim.step();
            }
            (0..sim.hh.len())
                .filter(|&i| sim.hh.members(i) > 0 && sim.hh.flags[i] & flag::POOR != 0)
                .collect()
        }
    };
    let mut keyed: Vec<(u64, usize)> = pool
        .into_iter()
        .map(|i| {
            (
                crate::rng::key(sc.seed, replicate, i as u64, 0, SAMPLE_PURPOSE),
                i,
            )
        })
        .collect();
    keyed.sort_unstable();
    Ok(keyed.into_iter().take(n).map(|(_, i)| i).collect())
}

/// The typical paths [`stories`] looks for, in the order they are shown.
pub const PATHS: [&str; 4] = [
    "escaped through training",
    "fell back after illness",
    "relocated",
    "stayed poor",
];

/// A few households of `replicate` whose paths are typical: one per entry of
/// [`PATHS`] that some household followed (chosen deterministically by seed).
pub fn stories(sc: &Scenario, replicate: u32) -> Result<Vec<Story>> {
    // Pass 1: per household and year, a few bits (poor, ill, relocated, trained, alive).
    const POOR: u8 = 1;
    const ILL: u8 = 2;
    const MOVED: u8 = 4;
    const TRAINED: u8 = 8;
    const ALIVE: u8 = 16;
    let mut sim = Simulation::new(sc, replicate)?;
    let n = sim.hh.len();
    let mut bits: Vec<Vec<u8>> = Vec::with_capacity(sc.years as usize);
    let mut skill = sim.hh.skill.clone();
    for _ in 0..sc.years {
        sim.step();
        let hh = &sim.hh;
        let row: Vec<u8> = (0..n)
            .map(|i| {
                let f = hh.flags[i];
                let mut b = 0;
                if hh.members(i) > 0 {
                    b |= ALIVE;
                    if f & flag::POOR != 0 {
                        b |= POOR;
                    }
                }
                if f & flag::ILL != 0 {
                    b |= ILL;
                }
                if f & flag::RELOCATED != 0 {
                    b |= MOVED;
                }
                if hh.skill[i] > skill[i] + 1e-4 {
                    b |= TRAINED;
                }
                b
            })
            .collect();
        skill.copy_from_slice(&hh.skill);
        bits.push(row);
    }
    drop(sim);
    let years = bits.len();
    let has = |i: usize, t: usize, b: u8| bits[t][i] & b != 0;
    let always_alive = |i: usize| (0..years).all(|t| has(i, t, ALIVE));
    let tests: [&dyn Fn(usize) -> bool; 4] = [
        &|i| {
            always_alive(i)
                && has(i, 0, POOR)
                && !has(i, years - 1, POOR)
                && (0..years).any(|t| has(i, t, TRAINED))
        },
        &|i| (1..years).any(|t| !has(i, t - 1, POOR) && has(i, t, ILL) && has(i, t, POOR)),
        &|i| !has(i, 0, MOVED) && has(i, years - 1, MOVED),
        &|i| always_alive(i) && (0..years).all(|t| has(i, t, POOR)),
    ];
    let order = sample(sc, replicate, n, None)?;
    let mut chosen: Vec<(usize, &str)> = Vec::new();
    for (test, name) in tests.iter().zip(PATHS) {
        if let Some(&i) = order
            .iter()
            .find(|&&i| !chosen.iter().any(|c| c.0 == i) && test(i))
        {
            chosen.push((i, name));
        }
    }
    let ids: Vec<usize> = chosen.iter().map(|c| c.0).collect();
    let mut out = trace(sc, replicate, &ids)?;
    for (s, (_, name)) in out.iter_mut().zip(&chosen) {
        s.path = Some(name.to_string());
    }
    Ok(out)
}

/// Largest population for which a run writes stories.json (stories cost two
/// more runs of replicate 0).
pub const STORIES_MAX_HOUSEHOLDS: u64 = 50_000;

/// A whole number of yuan with thousands separators.
pub fn money(v: f64) -> String {
    crate::output::charts::draw::thousands(v.round(), 0)
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
    crate::output::report::escape(s)
}

/// Stories as an HTML section (for the run report and `povsim serve`):
/// inline styles only, no scripts.
pub fn stories_html(stories: &[Story]) -> String {
    let mut h = String::new();
    h.push_str("<section id=\"stories\">\n<h2>Household stories</h2>\n");
    if stories.is_empty() {
        h.push_str("<p class=\"note\">No household followed one of the typical paths in this run.</p>\n</section>\n");
        return h;
    }
    h.push_str("<p class=\"note\">A few households of replicate 0 chosen to show typical paths; each row is a year: income per person against the poverty line, the shocks met and the help received.</p>\n");
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
                esc(&members_phrase(y)),
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

/// Write `out/stories.json` (the [`stories`] of replicate 0) unless the
/// population is above [`STORIES_MAX_HOUSEHOLDS`]; an old copy is removed then.
pub fn write_stories(sc: &Scenario, out: &std::path::Path) -> Result<Option<std::path::PathBuf>> {
    let path = out.join("stories.json");
    if sc.households() > STORIES_MAX_HOUSEHOLDS {
        let _ = std::fs::remove_file(&path);
        return Ok(None);
    }
    let s = stories(sc, 0)?;
    let json = serde_json::to_string_pretty(&s).expect("stories serialize");
    crate::output::atomic::write_file(&path, json.as_bytes())?;
    Ok(Some(path))
}

/// The report's stories section, from `dir/stories.json` (empty if absent or unreadable).
pub fn stories_section(dir: &std::path::Path) -> String {
    std::fs::read(dir.join("stories.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Vec<Story>>(&b).ok())
        .map(|s| stories_html(&s))
        .unwrap_or_default()
}
