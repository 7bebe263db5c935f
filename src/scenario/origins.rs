//! Where every key of a scenario came from (a file's line and column, or a
//! `--set`), so that any error names the place.

use crate::error::Error;
use std::collections::HashMap;
use std::path::PathBuf;

/// Where a key's value came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    File {
        file: PathBuf,
        line: usize,
        col: usize,
    },
    Set(String),
}

/// Dotted key path (`simulation.years`, `targets[0].year`) → where it was written.
#[derive(Clone, Debug, Default)]
pub struct Origins {
    pub map: HashMap<String, Origin>,
    /// The file the scenario was loaded from (for errors without a place).
    pub file: PathBuf,
}

impl Origins {
    /// The origin of `path`, or of its nearest ancestor that has one.
    pub fn find(&self, path: &str) -> Option<&Origin> {
        let mut p = path.to_string();
        loop {
            if let Some(o) = self.map.get(&p) {
                return Some(o);
            }
            let cut = p.rfind(['.', '['])?;
            p.truncate(cut);
        }
    }

    /// A one-line error about the value at `path`.
    pub fn error(&self, path: &str, msg: impl std::fmt::Display) -> Error {
        match self.find(path) {
            Some(Origin::File { file, line, col }) => Error::at(file, *line, *col, path, msg),
            Some(Origin::Set(arg)) => Error::Input(crate::error::one_line(&format!(
                "--set {arg}: {path}: {msg}"
            ))),
            None => Error::at(&self.file, 1, 1, path, msg),
        }
    }
}
