//! Errors of the library.
//!
//! Every error a user can cause (a bad scenario, a bad survey file, an output
//! directory that cannot be written) is an [`Error::Input`] whose message is
//! already one complete line: `file:line:col: key: expected ..., got ...`.
//! The binary maps it to exit code 2; anything else is a bug (exit code 1).

use std::path::Path;

/// The library's error type.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input from the user: one line naming the place and the expectation.
    #[error("{0}")]
    Input(String),
    /// Stopped on request (Ctrl-C); nothing half-written was left behind.
    #[error("interrupted: {0}")]
    Interrupted(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A bad-input error at a place in a file.
    pub fn at(
        file: &Path,
        line: usize,
        col: usize,
        key: &str,
        msg: impl std::fmt::Display,
    ) -> Self {
        if key.is_empty() {
            Error::Input(format!("{}:{line}:{col}: {msg}", file.display()))
        } else {
            Error::Input(format!("{}:{line}:{col}: {key}: {msg}", file.display()))
        }
    }

    /// A bad-input error about a file as a whole (missing, unreadable, unwritable).
    pub fn file(file: &Path, msg: impl std::fmt::Display) -> Self {
        Error::Input(one_line(&format!("{}: {msg}", file.display())))
    }

    /// Exit code for the command line: 2 for anything the user can fix.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) => 2,
            Error::Interrupted(_) => 130,
        }
    }
}

/// Messages are one line: values quoted from a file may hold line breaks.
pub fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
