//! A scenario read once, from which experiments make variants.
//!
//! [`Base`] holds the merged table of a file and its `extends` chain (with
//! fixed `--set` overrides applied) and the place of every key. Each variant
//! ([`Base::with`]) applies more overrides to a copy and checks it as a
//! file is checked, without reading files again; an error names the override
//! as `--set KEY=VALUE` does. Sweeps, budget searches, calibration,
//! sensitivity designs and comparisons evaluate many points this way.

use super::decode::deserialize;
use super::load::{one_line, read_file, read_text};
use super::origins::Origins;
use super::set::apply_set;
use super::validate::{Branch, Scenario};
use crate::error::Result;
use std::path::{Path, PathBuf};

/// A merged scenario table, not yet checked, ready to take overrides.
#[derive(Clone, Debug)]
pub struct Base {
    table: toml::Table,
    origins: Origins,
    /// The file read (`None`: text): where a branched scenario finds the
    /// file it extends, its history.
    file: Option<PathBuf>,
}

impl Base {
    /// Read `file` (following `extends`) and apply the fixed overrides `sets`
    /// (`KEY=VALUE`, as `--set`).
    /// A missing file named `classroom` or `l_county` is the embedded one
    /// ([`super::embedded`]).
    pub fn load(file: &Path, sets: &[String]) -> Result<Base> {
        if let Some((name, text)) = super::embedded(file) {
            return Base::from_text(Path::new(name), text, sets);
        }
        let (table, origins) = read_file(file).map_err(one_line)?;
        Base {
            table,
            origins,
            file: Some(file.to_path_buf()),
        }
        .set(sets)
    }

    /// The same from text (`name` stands for the file in messages).
    pub fn from_text(name: &Path, text: &str, sets: &[String]) -> Result<Base> {
        let (table, origins) = read_text(name, text).map_err(one_line)?;
        Base {
            table,
            origins,
            file: None,
        }
        .set(sets)
    }

    fn set(mut self, sets: &[String]) -> Result<Base> {
        for s in sets {
            apply_set(&mut self.table, &mut self.origins, s).map_err(one_line)?;
        }
        Ok(self)
    }

    /// The merged table (after the fixed overrides).
    pub fn table(&self) -> &toml::Table {
        &self.table
    }

    /// The base itself, checked.
    pub fn scenario(&self) -> Result<Scenario> {
        self.check(self.table.clone(), self.origins.clone())
    }

    /// A variant: more overrides `KEY=VALUE` (as `--set`, after the base's).
    pub fn with_sets(&self, sets: &[String]) -> Result<Scenario> {
        let v = self.clone().set(sets)?;
        self.check(v.table, v.origins)
    }

    /// A variant: the keys at `path` set to `value` (read as `--set` reads
    /// it: `0.4`, `true`, `"income"`), in order.
    pub fn with(&self, overrides: &[(&str, &str)]) -> Result<Scenario> {
        let sets: Vec<String> = overrides.iter().map(|(k, v)| format!("{k}={v}")).collect();
        self.with_sets(&sets)
    }

    fn check(&self, table: toml::Table, origins: Origins) -> Result<Scenario> {
        let raw = deserialize(table, &origins).map_err(one_line)?;
        let mut sc = Scenario::validate(raw, origins).map_err(one_line)?;
        if let Some(year) = sc.file.simulation.branch_year {
            let branch = self.branch(&sc, year).map_err(one_line)?;
            sc.branch = Some(branch);
        }
        Ok(sc)
    }

    /// The history of a scenario that branches in `year`: the file this one
    /// extends, run with the scenario's seed and replicates (common random
    /// numbers) for at least the years before the branch. The branch year
    /// lies within the simulated years, and the history draws the same
    /// population from the same first year (else there is no one timeline).
    fn branch(&self, sc: &Scenario, year: i64) -> Result<Branch> {
        let o = &sc.origins;
        let key = "simulation.branch_year";
        if year <= sc.start_year as i64 || year > sc.end_year() as i64 {
            return Err(o.error(
                key,
                format!(
                    "expected a year after the first simulated year ({}) and at most the last ({}), got {year}",
                    sc.start_year,
                    sc.end_year()
                ),
            ));
        }
        let parent = self.file.as_deref().and_then(parent_of).ok_or_else(|| {
            o.error(
                key,
                "expected a scenario that `extends` the file whose history it carries on, got no `extends`",
            )
        })?;
        let mut history = Base::load(&parent, &[])?.scenario()?;
        let need = (year - history.start_year as i64).max(0) as u32;
        history.years = history.years.max(need);
        history.file.simulation.years = history.years as i64;
        history.seed = sc.seed;
        history.file.simulation.seed = sc.file.simulation.seed;
        history.replicates = sc.replicates;
        history.file.simulation.replicates = sc.replicates as i64;
        let (s, h) = (&sc.file.simulation, &history.file.simulation);
        for (k, mine, theirs) in [
            ("start_year", Some(s.start_year), Some(h.start_year)),
            ("villages", Some(s.villages), Some(h.villages)),
            ("households", s.households, h.households),
            ("population", s.population, h.population),
        ] {
            if mine != theirs {
                let show = |v: Option<i64>| v.map_or("none".to_string(), |v| v.to_string());
                return Err(o.error(
                    &format!("simulation.{k}"),
                    format!(
                        "expected the value of the file it branches from in {year} ({}: {}), got {}",
                        parent.display(),
                        show(theirs),
                        show(mine)
                    ),
                ));
            }
        }
        Ok(Branch {
            year: year as i32,
            history: Box::new(history),
        })
    }
}

/// The file a scenario file `extends` (its own key), relative to it.
fn parent_of(file: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(file).ok()?;
    let table: toml::Table = toml::from_str(&text).ok()?;
    let parent = table.get("extends")?.as_str()?;
    Some(file.parent().unwrap_or(Path::new(".")).join(parent))
}
