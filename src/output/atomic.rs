//! All-or-nothing file output: every file is written under a temporary name in
//! the same directory and renamed into place, so a reader (or a crash) never
//! sees a half-written file.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Write `bytes` to `path` atomically (temporary file, fsync, rename).
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_name(path);
    let res = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    res.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::file(path, format!("cannot write: {e}"))
    })
}

/// The temporary name used while `path` is being written.
pub fn temp_name(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Create `dir` (and parents), with a one-line error if it cannot be.
pub fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, format!("cannot create output directory: {e}")))?;
    let probe = dir.join(format!(".povsim-probe.{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| Error::file(dir, format!("output directory is not writable: {e}")))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}
