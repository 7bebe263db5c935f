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
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Create `dir` (and parents), with a one-line error if it cannot be, and
/// remove the temporary files that killed runs left in it.
pub fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::file(dir, format!("cannot create output directory: {e}")))?;
    remove_stale_temps(dir);
    let probe = dir.join(format!(".povsim-probe.{}", std::process::id()));
    std::fs::write(&probe, b"")
        .map_err(|e| Error::file(dir, format!("output directory is not writable: {e}")))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// The process that owns a temporary name: `.NAME.PID.tmp` ([`temp_name`])
/// or the writability probe `.povsim-probe.PID`.
pub fn temp_owner(file_name: &str) -> Option<u32> {
    if let Some(pid) = file_name.strip_prefix(".povsim-probe.") {
        return pid.parse().ok();
    }
    let stem = file_name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (name, pid) = stem.rsplit_once('.')?;
    if name.is_empty() {
        return None;
    }
    pid.parse().ok()
}

/// Remove from `dir` the temporary files of povsim processes that are no
/// longer running (a run killed mid-write leaves its `.NAME.PID.tmp` files;
/// the outputs themselves are never half-written). Files of live processes,
/// this one included, are kept. Returns how many were removed. Where
/// processes cannot be listed (no `/proc`), nothing is removed.
pub fn remove_stale_temps(dir: &Path) -> usize {
    if !Path::new("/proc/self").exists() {
        return 0;
    }
    let alive = |pid: u32| pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(temp_owner) else {
            continue;
        };
        if !alive(pid)
            && e.file_type().is_ok_and(|t| t.is_file())
            && std::fs::remove_file(e.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}
