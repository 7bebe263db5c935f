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
use super::validate::Scenario;
use crate::error::Result;
use std::path::Path;

/// A merged scenario table, not yet checked, ready to take overrides.
#[derive(Clone, Debug)]
pub struct Base {
    table: toml::Table,
    origins: Origins,
}

impl Base {
    /// Read `file` (following `extends`) and apply the fixed overrides `sets`
    /// (`KEY=VALUE`, as `--set`).
    pub fn load(file: &Path, sets: &[String]) -> Result<Base> {
        let (table, origins) = read_file(file).map_err(one_line)?;
        Base { table, origins }.set(sets)
    }

    /// The same from text (`name` stands for the file in messages).
    pub fn from_text(name: &Path, text: &str, sets: &[String]) -> Result<Base> {
        let (table, origins) = read_text(name, text).map_err(one_line)?;
        Base { table, origins }.set(sets)
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
        Scenario::validate(raw, origins).map_err(one_line)
    }
}
