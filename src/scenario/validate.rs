//! Range checks: a [`ScenarioFile`] becomes a [`Scenario`] only if every value
//! is in range. The first problem found is reported as one line.

use super::check::{Checker, Ranges};
use super::load::Origins;
use super::population::Start;
use super::raw::ScenarioFile;
use super::sweep::sweep_plan;
pub use super::sweep::{SweepDesign, SweepPlan};
use crate::error::Result;

/// Largest population povsim accepts (households); beyond it, memory is the limit.
pub const MAX_HOUSEHOLDS: i64 = 50_000_000;

/// A scenario whose every value has been checked.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The effective scenario (after `extends` and `--set`).
    pub file: ScenarioFile,
    pub origins: Origins,
    pub name: String,
    pub start_year: i32,
    pub years: u32,
    pub seed: u64,
    pub replicates: u32,
    pub villages: u32,
    /// The file's `[sweep]` table, checked (for `povsim sweep`).
    pub sweep: Option<SweepPlan>,
    /// Where the households come from (`[population]`).
    pub start: super::population::Start,
    /// First year of the history: when the population was drawn or observed
    /// (a saved state's own origin when continuing one).
    pub origin_year: i32,
    /// First year in which the modules may act: the start year, or the year
    /// after a survey's (the survey year is observed, its help already in the
    /// incomes); a saved state's own when continuing one.
    pub first_policy_year: i32,
    /// The file's `[calibration]` table, its shape checked (for `povsim calibrate`).
    pub calibration: Option<super::calibration::CalibrationPlan>,
    /// The file's `[uncertainty]` table, checked key by key (for `povsim
    /// sensitivity` and `compare --param-draws`).
    pub uncertainty: Option<super::uncertainty::UncertaintyPlan>,
    /// `simulation.branch_year`: the year from which this scenario's own
    /// settings act, and the history (the file it extends) before it.
    pub branch: Option<Branch>,
}

/// A branched timeline: before `year`, the years run as `history` (itself
/// possibly branched) would run them; from `year` on, as this scenario.
#[derive(Clone, Debug)]
pub struct Branch {
    pub year: i32,
    pub history: Box<Scenario>,
}

impl Scenario {
    pub fn end_year(&self) -> i32 {
        self.start_year + self.years as i32 - 1
    }

    /// The scenario whose settings act in `year`: this one from its branch
    /// year on (or always, unbranched), else its history's, recursively.
    pub fn at(&self, year: i32) -> &Scenario {
        match &self.branch {
            Some(b) if year < b.year => b.history.at(year),
            _ => self,
        }
    }

    /// Every scenario of the timeline, this one first, then its history's, ...
    pub fn timeline(&self) -> Vec<&Scenario> {
        let mut out = vec![self];
        while let Some(b) = &out[out.len() - 1].branch {
            out.push(&b.history);
        }
        out
    }

    /// The branch year (`None`: not branched).
    pub fn branch_year(&self) -> Option<i32> {
        self.branch.as_ref().map(|b| b.year)
    }

    /// The settings that shape a year's results, as TOML: the file without
    /// its name, length, replicates, seed, branch year, targets and output
    /// options (which change no result of a year).
    pub fn settings(&self) -> toml::Value {
        let mut v = toml::Value::try_from(&self.file).unwrap_or(toml::Value::Boolean(false));
        if let Some(t) = v.as_table_mut() {
            t.remove("targets");
            t.remove("output");
            if let Some(s) = t.get_mut("simulation").and_then(|s| s.as_table_mut()) {
                for k in ["name", "years", "replicates", "seed", "branch_year"] {
                    s.remove(k);
                }
            }
        }
        v
    }

    /// Whether this scenario and `other` run the same years before `before`
    /// (the same settings act in each of them): `Err((year, key))` names the
    /// first year and key in which they differ.
    pub fn shares_history(
        &self,
        other: &Scenario,
        before: i32,
    ) -> std::result::Result<(), (i32, String)> {
        let mut seen: Vec<(*const Scenario, *const Scenario)> = Vec::new();
        for year in self.start_year.min(other.start_year)..before {
            let (a, b) = (self.at(year), other.at(year));
            if seen.contains(&(a as *const _, b as *const _)) {
                continue;
            }
            seen.push((a, b));
            if let Some(key) = first_difference("", &a.settings(), &b.settings()) {
                return Err((year, key));
            }
        }
        Ok(())
    }

    /// One-line warnings about settings that are allowed but likely
    /// unintended: a guarantee line above the poverty line (the year it
    /// first crosses), in the years each part of the timeline acts.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for year in self.start_year..=self.end_year() {
            let sc = self.at(year);
            let Some(t) = &sc.file.interventions.transfers else {
                continue;
            };
            let c = super::modules::ModuleConfig::common(t);
            let acts = c.enabled
                && c.eligible == super::modules::Eligible::Registered
                && year as i64 >= c.start_year.unwrap_or(i64::MIN)
                && year as i64 <= c.end_year.unwrap_or(i64::MAX);
            let line = sc.file.poverty_lines.low_income.at(year);
            let g = t.guarantee(year, line);
            if acts && g > line {
                out.push(format!(
                    "warning: {}: interventions.transfers: the guarantee line ({g:.0} yuan) is above the poverty line ({line:.0} yuan) from {year}: recipients are lifted over the line by the guarantee itself",
                    self.name
                ));
                break;
            }
        }
        out
    }

    /// The effective scenario as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string(&self.file).unwrap_or_default()
    }

    /// The effective value at a dotted key path (`shocks.illness`,
    /// `households.ability.sigma`, `income.local_wage.values.2008`): the
    /// file's or the default; `None` for a key the scenario does not hold.
    pub fn value(&self, path: &str) -> Option<toml::Value> {
        let root = toml::Value::try_from(&self.file).ok()?;
        let mut v = &root;
        for (i, part) in path.split('.').enumerate() {
            let t = v.as_table()?;
            v = match t.get(part) {
                Some(x) => x,
                // A schedule written without its index grows by 0.
                None if part == "index" && t.contains_key("values") => {
                    return Some(toml::Value::Float(0.0));
                }
                // A module the scenario does not hold has no values.
                None if path.starts_with("interventions.") && i <= 1 => return None,
                // Not written out because it has its default (`[output]`).
                None => return super::keys::find(path)?.default,
            };
        }
        Some(v.clone())
    }

    /// Number of households: a saved state's or a survey's, or given, or the
    /// population divided by the expected household size.
    pub fn households(&self) -> u64 {
        use super::population::Start;
        match &self.start {
            Start::Saved(s) => return s.manifest.households,
            Start::Survey(s) => return s.households(),
            Start::Drawn => {}
        }
        let s = &self.file.simulation;
        match (s.households, s.population) {
            (Some(h), _) => h as u64,
            (None, Some(p)) => {
                let size = expected_size(&self.file);
                ((p as f64 / size).round() as u64).max(1)
            }
            (None, None) => 0,
        }
    }

    pub fn validate(file: ScenarioFile, origins: Origins) -> Result<Scenario> {
        let c = Checker { o: &origins };
        // Every key against its declaration, then the rules that relate several keys.
        super::raw::sections(Some(&file), &mut Ranges(&c))?;
        let s = &file.simulation;
        match (s.households, s.population) {
            (Some(_), Some(_)) => {
                return Err(c.o.error(
                    "simulation.population",
                    "expected either `households` or `population`, got both",
                ));
            }
            // A saved state brings its own households.
            (None, None) if file.population.as_ref().is_some_and(|p| p.from.is_some()) => {}
            (None, None) => {
                return Err(c.o.error(
                    "simulation",
                    "expected `households` or `population`, got neither",
                ));
            }
            _ => {}
        }
        extreme_below_poverty_line(&c, s.start_year as i32, s.years as i32, &file.poverty_lines)?;
        file.interventions.rules(&file, &c)?;

        for (k, t) in file.targets.iter().enumerate() {
            let p = format!("targets[{k}]");
            // A target outside the simulated years is kept but not checked (a shortened run).
            c.int(&format!("{p}.year"), t.year, 1900, 2200)?;
            if !super::columns::TRAJECTORY_COLUMNS.contains(&t.measure.as_str()) {
                return Err(c.o.error(&format!("{p}.measure"), format!("expected a column of trajectory.csv (e.g. headcount_ratio, mean_income, poor), got \"{}\"", t.measure)));
            }
            c.finite(&format!("{p}.value"), t.value)?;
            for (k, tol) in [
                ("tolerance", t.tolerance),
                ("relative_tolerance", t.relative_tolerance),
            ] {
                if let Some(tol) = tol
                    && !(tol >= 0.0 && tol.is_finite())
                {
                    return Err(c.o.error(
                        &format!("{p}.{k}"),
                        format!("expected a finite number ≥ 0, got {tol}"),
                    ));
                }
            }
            if let Some(b) = &t.bound
                && b != "below"
                && b != "above"
            {
                return Err(c.o.error(
                    &format!("{p}.bound"),
                    format!("expected \"below\" or \"above\", got \"{b}\""),
                ));
            }
        }

        let sweep = match &file.sweep {
            Some(t) => Some(sweep_plan(t, &c)?),
            None => None,
        };
        let start = super::population::resolve(&file, &origins)?;
        let (mut start_year, mut years) = (s.start_year as i32, s.years as u32);
        let (mut origin_year, mut first_policy_year) = (start_year, start_year);
        let mut villages = s.villages as u32;
        match &start {
            Start::Drawn => {}
            Start::Survey(sv) => {
                villages = sv.village_ids.len() as u32;
                first_policy_year = start_year + 1;
            }
            Start::Saved(st) => {
                let m = &st.manifest;
                // The calendar goes on from the year after the state; the scenario's end stays.
                let end = start_year + years as i32 - 1;
                start_year = m.year + 1;
                if end < start_year {
                    return Err(c.o.error(
                        "simulation.years",
                        format!(
                            "expected the scenario to end after the saved state's year {}, got an end in {end}",
                            m.year
                        ),
                    ));
                }
                years = (end - start_year + 1) as u32;
                origin_year = m.origin_year;
                first_policy_year = m.first_policy_year;
                villages = m.villages as u32;
                if s.replicates as u32 > m.replicates {
                    return Err(c.o.error(
                        "simulation.replicates",
                        format!(
                            "expected at most the saved state's {} replicates, got {}",
                            m.replicates, s.replicates
                        ),
                    ));
                }
            }
        }
        let drawn = matches!(start, Start::Drawn);
        let calibration = match &file.calibration {
            Some(t) => Some(super::calibration::plan(t, &c)?),
            None => None,
        };
        let uncertainty = match &file.uncertainty {
            Some(t) => Some(super::uncertainty::plan(t, &c)?),
            None => None,
        };
        let sc = Scenario {
            branch: None,
            sweep,
            calibration,
            uncertainty,
            name: s.name.clone(),
            start_year,
            years,
            seed: s.seed.0,
            replicates: s.replicates as u32,
            villages,
            start,
            origin_year,
            first_policy_year,
            file,
            origins,
        };
        let hh = sc.households();
        if drawn && sc.file.simulation.households.is_none() && hh > MAX_HOUSEHOLDS as u64 {
            let size = expected_size(&sc.file);
            return Err(sc.origins.error(
                "simulation.population",
                format!("expected at most {MAX_HOUSEHOLDS} households (population / expected household size {size:.2}), got {hh}"),
            ));
        }
        if !drawn && hh > MAX_HOUSEHOLDS as u64 {
            return Err(sc.origins.error(
                "population",
                format!("expected at most {MAX_HOUSEHOLDS} households, got {hh}"),
            ));
        }
        if drawn && hh < sc.villages as u64 {
            return Err(sc.origins.error(
                "simulation.villages",
                format!(
                    "expected at most one village per household ({hh} households), got {}",
                    sc.villages
                ),
            ));
        }
        super::limits::check_memory(&sc)?;
        Ok(sc)
    }
}

/// The first key (dotted path) whose values differ between `a` and `b`.
pub fn first_difference(prefix: &str, a: &toml::Value, b: &toml::Value) -> Option<String> {
    match (a, b) {
        (toml::Value::Table(x), toml::Value::Table(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => first_difference(&p, u, v),
                    _ => Some(p),
                }
            })
        }
        _ if a != b => Some(prefix.to_string()),
        _ => None,
    }
}

/// The extreme line is the lower of the two in every simulated year: the
/// extreme poor are a part of the poor (a rule across two keys).
fn extreme_below_poverty_line(
    c: &Checker,
    start: i32,
    years: i32,
    pl: &super::raw::PovertyLines,
) -> Result<()> {
    for year in start..start + years {
        let (line, extreme) = (pl.low_income.at(year), pl.extreme.at(year));
        if extreme > line {
            return Err(c.o.error(
                "poverty_lines.extreme",
                format!(
                    "expected an extreme line at or below the poverty line in every simulated year, got {extreme} above {line} in {year}"
                ),
            ));
        }
    }
    Ok(())
}

/// Expected household size under the household distributions.
pub fn expected_size(f: &ScenarioFile) -> f64 {
    let h = &f.households;
    (h.adults.mean_value() + h.children.mean_value() + h.elderly.mean_value()).max(1.0)
}
