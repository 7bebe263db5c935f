//! Reading the user's files with limits: a scenario file (and every file it
//! `extends`) and the survey CSV of `povsim measure` must be regular files of
//! at most [`max_input_bytes`] (64 MB unless `POVSIM_MAX_INPUT_MB` says
//! otherwise). A device, a FIFO or a socket (`/dev/zero`, `/dev/stdin`, a
//! named pipe) is refused before it is opened, and the read itself stops one
//! byte past the limit, so a file that grows or is swapped while it is read
//! cannot make povsim allocate without bound.
//!
//! [`table`]: a CSV file read row by row, every bad cell located.

pub mod table;

use crate::error::{Error, Result};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// The size limit when `POVSIM_MAX_INPUT_MB` is not set, bytes.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 64 << 20;

/// The environment variable that raises (or lowers) the size limit, in MB (2^20 bytes).
pub const MAX_INPUT_ENV: &str = "POVSIM_MAX_INPUT_MB";

/// The size limit of an input file: `POVSIM_MAX_INPUT_MB` × 2^20 bytes, or 64 MB.
pub fn max_input_bytes() -> Result<u64> {
    match std::env::var(MAX_INPUT_ENV) {
        Err(std::env::VarError::NotPresent) => Ok(DEFAULT_MAX_INPUT_BYTES),
        Ok(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|mb| (1..=1 << 24).contains(mb))
            .map(|mb| mb << 20)
            .ok_or_else(|| {
                Error::Input(crate::error::one_line(&format!(
                    "{MAX_INPUT_ENV}: expected a whole number of megabytes from 1 to 16777216, got {v:?}"
                )))
            }),
        Err(e) => Err(Error::Input(format!(
            "{MAX_INPUT_ENV}: expected a whole number of megabytes, got {e}"
        ))),
    }
}

/// What a path is, when it is not a regular file ("a directory", "a FIFO"…).
pub fn special_kind(meta: &std::fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() {
            return Some("a character device");
        }
        if t.is_block_device() {
            return Some("a block device");
        }
        if t.is_fifo() {
            return Some("a FIFO");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// Why a file is not read: what was expected, and what it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    pub expected: String,
    pub got: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "expected {}, got {}", self.expected, self.got)
    }
}

/// Why `path` cannot be read as an input: not a regular file, or too big.
/// `None` when it may be opened. Errors of `stat` (a missing file) are left
/// to the open that follows, which words them as before.
pub fn check(path: &Path) -> Result<Option<Refusal>> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(None);
    };
    if let Some(kind) = special_kind(&meta) {
        return Ok(Some(Refusal {
            expected: "a regular file".into(),
            got: kind.into(),
        }));
    }
    let limit = max_input_bytes()?;
    if meta.len() > limit {
        return Ok(Some(Refusal {
            expected: limit_text(limit),
            got: format!("{} MB", meta.len().div_ceil(1 << 20)),
        }));
    }
    Ok(None)
}

fn limit_text(limit: u64) -> String {
    format!(
        "a file of at most {} MB ({MAX_INPUT_ENV} raises the limit)",
        limit >> 20
    )
}

/// The message for a file found over the limit while it was read.
fn too_big(limit: u64) -> String {
    format!("expected {}, got more", limit_text(limit))
}

/// Open `path` for reading: a regular file within the size limit; the reader
/// fails (with the limit in its message) past the limit.
pub fn open(path: &Path) -> Result<Limited<File>> {
    if let Some(why) = check(path)? {
        return Err(Error::file(path, why));
    }
    let limit = max_input_bytes()?;
    let file = File::open(path).map_err(|e| Error::file(path, format!("cannot read: {e}")))?;
    // The file may have been swapped between the check and the open.
    if let Ok(meta) = file.metadata()
        && let Some(kind) = special_kind(&meta)
    {
        return Err(Error::file(
            path,
            format!("expected a regular file, got {kind}"),
        ));
    }
    Ok(Limited {
        inner: file,
        left: limit,
        limit,
    })
}

/// Read the whole of `path` (see [`open`]).
pub fn read(path: &Path) -> Result<Vec<u8>> {
    let mut r = open(path)?;
    let mut bytes = Vec::new();
    r.read_to_end(&mut bytes).map_err(|e| {
        Error::file(
            path,
            if r.exceeded() {
                too_big(r.limit)
            } else {
                format!("cannot read: {e}")
            },
        )
    })?;
    Ok(bytes)
}

/// A reader that fails once more than `limit` bytes have been read.
pub struct Limited<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R> Limited<R> {
    /// Whether the read stopped at the limit.
    pub fn exceeded(&self) -> bool {
        self.left == u64::MAX
    }

    /// The limit, bytes.
    pub fn limit(&self) -> u64 {
        self.limit
    }
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.exceeded() {
            return Err(std::io::Error::other(too_big(self.limit)));
        }
        // One byte more than is left tells "exactly at the limit" from "over it".
        let cap = buf
            .len()
            .min(usize::try_from(self.left + 1).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..cap])?;
        if n as u64 > self.left {
            self.left = u64::MAX;
            return Err(std::io::Error::other(too_big(self.limit)));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_stops_one_byte_past_its_limit() {
        let data = [7u8; 100];
        let mut r = Limited {
            inner: &data[..],
            left: 100,
            limit: 100,
        };
        let mut out = Vec::new();
        assert_eq!(r.read_to_end(&mut out).unwrap(), 100, "exactly the limit");
        let mut r = Limited {
            inner: &data[..],
            left: 99,
            limit: 99,
        };
        let mut out = Vec::new();
        assert!(r.read_to_end(&mut out).is_err());
        assert!(r.exceeded());
        assert!(out.len() <= 100);
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_refused_before_they_are_read() {
        let err = read(Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(
            err.contains("expected a regular file, got a character device"),
            "{err}"
        );
    }
}
