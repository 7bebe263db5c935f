//! An output directory is one unit. A command that writes one (`run`,
//! `compare`, `optimize`, `merge`, `plot`) writes the whole set into a
//! staging directory beside the target, `.NAME.povsim-stage-PID`, and swaps
//! it in at the end: on Linux with `renameat2(RENAME_EXCHANGE)`, which
//! exchanges the two directories in one step, so a reader or a crash sees the
//! previous complete set or the new one and never a mixture; elsewhere (or on
//! a file system without it) by two renames, between which the target is
//! briefly absent ("the previous set or nothing"). The previous set then
//! lies at the staging name and is removed.
//!
//! Why a swap and not a manifest that readers check: a kill at any moment
//! (SIGKILL, a full disk, a cluster's time limit) then leaves nothing for a
//! reader to check: the target is always one complete run. The staging
//! directory of a killed run is left beside the target and removed by the
//! next writer of the same target.
//!
//! An exclusive lock ([`Lock`], `flock` through std's `File::try_lock` on
//! `.NAME.povsim-lock` beside the target) is held from start to finish, so
//! a second writer fails at once with one line naming the holder (pid, start
//! time, command). `sweep` appends to its own directory in place under the
//! same lock (its rows are resumable; see `experiment::sweep`).
//!
//! Because the swap replaces the whole directory, povsim refuses a target
//! that holds anything it did not write: each committed directory carries a
//! manifest ([`MANIFEST`]: the command and every file of the set), and a
//! non-empty directory without one, or with a file the manifest does not
//! list, is refused with one line naming the file (so `--out .` or `--out ~`
//! never deletes anything).
//!
//! Why over 600 lines: staging, the swap, the lock and the manifest are one
//! protocol; its parts are only safe together.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The manifest of a committed output directory (hidden; JSON).
pub const MANIFEST: &str = ".povsim-manifest.json";

/// What a manifest says: which command wrote the directory, and its files
/// (paths relative to the directory, `/`-separated, sorted).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub povsim: String,
    pub command: String,
    pub files: Vec<String>,
}

impl Manifest {
    /// The manifest of `dir`, if it has one that parses.
    pub fn read(dir: &Path) -> Option<Manifest> {
        let text = std::fs::read(dir.join(MANIFEST)).ok()?;
        serde_json::from_slice(&text).ok()
    }

    fn write(dir: &Path, command: &str, files: BTreeSet<String>) -> Result<()> {
        let m = Manifest {
            povsim: env!("CARGO_PKG_VERSION").to_string(),
            command: command.to_string(),
            files: files.into_iter().filter(|f| f != MANIFEST).collect(),
        };
        let json = serde_json::to_string_pretty(&m).expect("manifest serializes") + "\n";
        super::atomic::write_file(&dir.join(MANIFEST), json.as_bytes())
    }
}

/// The files under `dir` (recursively), relative and `/`-separated, leaving
/// out povsim's temporary files.
pub fn files_under(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, prefix)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = format!("{prefix}{name}");
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push((e.path(), format!("{rel}/"))),
                Ok(_) if super::atomic::temp_owner(&name).is_some() => {}
                Ok(_) => {
                    out.insert(rel);
                }
                Err(_) => {}
            }
        }
    }
    out
}

/// A target resolved to (its parent directory, its name): symbolic links and
/// `..` resolved, so the swap replaces the directory a link points to.
fn resolve(target: &Path) -> Result<(PathBuf, OsString)> {
    let cannot =
        |e: std::io::Error| Error::file(target, format!("cannot create output directory: {e}"));
    let full = if target.exists() {
        let c = target.canonicalize().map_err(cannot)?;
        if !c.is_dir() {
            return Err(Error::file(
                target,
                "expected an output directory, got a file that is not a directory",
            ));
        }
        c
    } else {
        let abs = std::path::absolute(target).map_err(cannot)?;
        let name = abs.file_name().map(|n| n.to_os_string());
        let parent = abs.parent().map(Path::to_path_buf);
        match (parent, name) {
            (Some(p), Some(n)) => {
                if let Some(file) = p.ancestors().find(|a| a.exists() && !a.is_dir()) {
                    return Err(Error::file(
                        target,
                        format!(
                            "cannot create output directory: {} is a file, not a directory",
                            file.display()
                        ),
                    ));
                }
                std::fs::create_dir_all(&p).map_err(cannot)?;
                p.canonicalize().map_err(cannot)?.join(n)
            }
            _ => abs,
        }
    };
    match (full.parent(), full.file_name()) {
        (Some(p), Some(n)) => {
            if let Ok(cwd) = std::env::current_dir().and_then(|c| c.canonicalize())
                && cwd.starts_with(&full)
            {
                return Err(Error::file(
                    target,
                    "expected an output directory other than the working directory or one holding it (povsim replaces an output directory whole)",
                ));
            }
            Ok((p.to_path_buf(), n.to_os_string()))
        }
        _ => Err(Error::file(
            target,
            "expected an output directory with a parent, got the root",
        )),
    }
}

/// Name of the lock, staging and old-set entries of target `name` beside it.
fn beside(name: &OsString, what: &str) -> String {
    format!(".{}.povsim-{what}", name.to_string_lossy())
}

/// The exclusive lock on an output directory, released (and its file
/// removed) when dropped.
#[derive(Debug)]
pub struct Lock {
    file: File,
    path: PathBuf,
}

impl Lock {
    /// Lock `target` (created beside it: `.NAME.povsim-lock`) for `command`,
    /// or fail at once naming the process that holds it.
    pub fn acquire(target: &Path) -> Result<Lock> {
        let (parent, name) = resolve(target)?;
        Self::at(target, &parent.join(beside(&name, "lock")))
    }

    fn at(target: &Path, path: &Path) -> Result<Lock> {
        let fail = |e: std::io::Error| {
            Error::file(target, format!("cannot lock the output directory: {e}"))
        };
        // A holder removes the file as it lets go; a file opened just before
        // that is stale, so the lock is taken again on the file the name holds.
        for _ in 0..100 {
            let mut file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .map_err(fail)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::file(
                        target,
                        format!(
                            "another povsim is writing this output directory ({}); wait for it to finish or choose another --out",
                            holder(path)
                        ),
                    ));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(fail(e)),
            }
            if !same_file(&file, path) {
                continue;
            }
            let info = format!(
                "pid {}, started {}: {}\n",
                std::process::id(),
                utc_now(),
                command_line()
            );
            file.set_len(0)
                .and_then(|_| file.write_all(info.as_bytes()))
                .map_err(fail)?;
            return Ok(Lock {
                file,
                path: path.to_path_buf(),
            });
        }
        Err(Error::file(
            target,
            "cannot lock the output directory: its lock file keeps changing",
        ))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still held: whoever opens the name next makes a new file.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// Whether `file` is the file at `path` now.
fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

/// Who holds a lock, from its file: "pid 123, started …: povsim run …".
fn holder(path: &Path) -> String {
    let text = std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    if text.is_empty() {
        "a process that is just starting".into()
    } else {
        crate::error::one_line(&text).chars().take(300).collect()
    }
}

/// This process's command line, for the lock file.
fn command_line() -> String {
    let mut args = std::env::args_os().map(|a| a.to_string_lossy().into_owned());
    let first = args
        .next()
        .map(|p| {
            Path::new(&p)
                .file_name()
                .map_or(p.clone(), |n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "povsim".into());
    std::iter::once(first)
        .chain(args)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The time now, `YYYY-MM-DD HH:MM:SS UTC`.
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Refuse to replace `dir` if it holds a file that povsim did not write
/// (absent, empty, and manifest-listed directories may be replaced).
pub fn check_replaceable(target: &Path, dir: &Path) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    let present = files_under(dir);
    if present.is_empty() {
        return Ok(());
    }
    let listed: BTreeSet<String> = Manifest::read(dir)
        .map(|m| m.files.into_iter().collect())
        .unwrap_or_default();
    let has_manifest = present.contains(MANIFEST);
    if let Some(f) = present
        .iter()
        .find(|f| f.as_str() != MANIFEST && !listed.contains(*f))
    {
        let why = if has_manifest {
            "which its povsim manifest does not list"
        } else {
            "and no povsim manifest: it was not written by this povsim"
        };
        return Err(Error::file(
            target,
            format!(
                "expected an empty directory or one povsim wrote, got one holding {f} ({why}); povsim replaces an output directory whole: choose another --out or remove the directory"
            ),
        ));
    }
    Ok(())
}

/// How a staged directory starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// Empty: the command writes a whole new set.
    Fresh,
    /// With every file of the target (hard links, or copies): `plot` redraws
    /// charts and report over the tables it reads.
    FromTarget,
}

/// An output directory being written: the lock on the target and the staging
/// directory beside it. [`Staged::commit`] swaps it in; dropping it without
/// a commit removes the staging directory and leaves the target as it was.
#[derive(Debug)]
pub struct Staged {
    target: PathBuf,
    full: PathBuf,
    stage: PathBuf,
    command: String,
    /// For [`Start::FromTarget`]: the files the target's manifest listed
    /// (None: it had none, and the new set gets none either).
    listed: Option<BTreeSet<String>>,
    start: Start,
    done: bool,
    _lock: Lock,
}

impl Staged {
    /// Lock `target`, clear what killed writers left beside it, check that it
    /// may be replaced, and make the staging directory.
    pub fn begin(target: &Path, command: &str, start: Start) -> Result<Staged> {
        let (parent, name) = resolve(target)?;
        let lock = Lock::at(target, &parent.join(beside(&name, "lock")))?;
        let full = parent.join(&name);
        if full.exists() && !full.is_dir() {
            return Err(Error::file(
                target,
                "expected an output directory, got a file that is not a directory",
            ));
        }
        remove_leftovers(&parent, &name);
        let listed = match start {
            Start::Fresh => {
                check_replaceable(target, &full)?;
                None
            }
            Start::FromTarget => Manifest::read(&full).map(|m| m.files.into_iter().collect()),
        };
        let stage = parent.join(format!("{}{}", beside(&name, "stage-"), std::process::id()));
        std::fs::create_dir(&stage)
            .map_err(|e| Error::file(target, format!("cannot create output directory: {e}")))?;
        let staged = Staged {
            target: target.to_path_buf(),
            full,
            stage,
            command: command.to_string(),
            listed,
            start,
            done: false,
            _lock: lock,
        };
        if start == Start::FromTarget {
            link_tree(&staged.full, &staged.stage).map_err(|e| {
                Error::file(target, format!("cannot stage the output directory: {e}"))
            })?;
        }
        Ok(staged)
    }

    /// Where the command writes: the staging directory.
    pub fn path(&self) -> &Path {
        &self.stage
    }

    /// The path a file written under [`Staged::path`] has once committed.
    pub fn target_path(&self, p: &Path) -> PathBuf {
        match p.strip_prefix(&self.stage) {
            Ok(rel) => self.target.join(rel),
            Err(_) => p.to_path_buf(),
        }
    }

    /// An error about a file in the staging directory, naming it where it
    /// would have been (the staging name means nothing to the user).
    pub fn name_target(&self, e: Error) -> Error {
        match e {
            Error::Input(m) => Error::Input(m.replace(
                &self.stage.display().to_string(),
                &self.target.display().to_string(),
            )),
            e => e,
        }
    }

    /// Write the manifest, make the set durable and swap it in. `written`
    /// are the files the command wrote (for [`Start::FromTarget`]).
    pub fn commit(mut self, written: &[PathBuf]) -> Result<()> {
        let fail = |e: std::io::Error| Error::file(&self.target, format!("cannot write: {e}"));
        let listing = match (self.start, &self.listed) {
            (Start::Fresh, _) => Some(files_under(&self.stage)),
            (Start::FromTarget, Some(old)) => {
                let mut l = old.clone();
                for p in written {
                    if let Ok(rel) = p.strip_prefix(&self.stage) {
                        l.insert(rel.to_string_lossy().replace('\\', "/"));
                    }
                }
                Some(l)
            }
            (Start::FromTarget, None) => None,
        };
        if let Some(files) = listing {
            Manifest::write(&self.stage, &self.command, files)?;
        }
        sync_tree(&self.stage).map_err(fail)?;
        if self.start == Start::Fresh {
            // A file put into the target since the start would be lost.
            check_replaceable(&self.target, &self.full)?;
        }
        if self.full.exists() {
            match exchange(&self.stage, &self.full) {
                Ok(()) => {}
                Err(e) if exchange_unsupported(&e) => {
                    // Two renames: the target is absent between them.
                    let mut old = self.stage.clone().into_os_string();
                    old.push(".old");
                    let old = PathBuf::from(old);
                    std::fs::rename(&self.full, &old).map_err(fail)?;
                    if let Err(e) = std::fs::rename(&self.stage, &self.full) {
                        let _ = std::fs::rename(&old, &self.full);
                        return Err(fail(e));
                    }
                    std::fs::rename(&old, &self.stage).map_err(fail)?;
                }
                Err(e) => return Err(fail(e)),
            }
        } else {
            std::fs::rename(&self.stage, &self.full).map_err(fail)?;
        }
        if let Some(p) = self.full.parent()
            && let Ok(d) = File::open(p)
        {
            let _ = d.sync_all();
        }
        self.done = true;
        // The previous set, now at the staging name (nothing if there was none).
        let _ = std::fs::remove_dir_all(&self.stage);
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.stage);
        }
    }
}

/// Remove the staging directories (and half-swapped old sets) that killed
/// writers of target `name` left in `parent`. Called under the lock, so none
/// of them belongs to a live writer.
fn remove_leftovers(parent: &Path, name: &OsString) {
    let prefix = beside(name, "stage-");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = n.strip_prefix(&prefix) else {
            continue;
        };
        let pid = rest.strip_suffix(".old").unwrap_or(rest);
        if !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Fill `to` (empty) with hard links to every file under `from` (copies where
/// a link cannot be made). A command writing over a linked file replaces it
/// by rename, so the target's files are never modified.
fn link_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if e.file_type()?.is_dir() {
            std::fs::create_dir(&dst)?;
            link_tree(&src, &dst)?;
        } else if std::fs::hard_link(&src, &dst).is_err() {
            std::fs::copy(&src, &dst)?;
        }
    }
    Ok(())
}

/// fsync every directory of the tree (files are synced as they are written).
fn sync_tree(dir: &Path) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            sync_tree(&e.path())?;
        }
    }
    File::open(dir)?.sync_all()
}

/// Exchange two directories in one step (Linux `renameat2(RENAME_EXCHANGE)`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::other("a path with a NUL byte"))
    };
    let (ca, cb) = (c(a)?, c(b)?);
    // SAFETY: two valid NUL-terminated paths; renameat2 reads them only.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Whether an exchange failed because the system or file system lacks it.
fn exchange_unsupported(e: &std::io::Error) -> bool {
    #[cfg(target_os = "linux")]
    if matches!(
        e.raw_os_error(),
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)
    ) {
        return true;
    }
    e.kind() == std::io::ErrorKind::Unsupported
}

/// Lock a sweep's directory (`sweep` appends in place), after checking that
/// it is absent, empty, or a sweep's (by its manifest, or, for a sweep
/// killed before it wrote one, by its sweep.csv or sweep.json).
pub fn lock_sweep(target: &Path) -> Result<Lock> {
    lock_appending(target, Appending::SWEEP)
}

/// Lock a calibration's directory (`calibrate` appends its log in place).
pub fn lock_calibration(target: &Path) -> Result<Lock> {
    lock_appending(target, Appending::CALIBRATION)
}

/// Write `spec` to `path` as pretty JSON, or, when the file is there, check
/// that it holds the same `spec`: a resumed command (sweep, calibrate,
/// sensitivity) continues only the same work. `kind` names what the file
/// describes ("a sweep description"); `first_difference(old, new)` says what
/// differs ("a different sweep (other seed)").
pub fn claim<T: Serialize + serde::de::DeserializeOwned + PartialEq>(
    path: &Path,
    spec: &T,
    kind: &str,
    first_difference: impl Fn(&T, &T) -> String,
) -> Result<()> {
    if !path.exists() {
        let json = serde_json::to_string_pretty(spec).expect("a spec serializes") + "\n";
        return crate::output::atomic::write_file(path, json.as_bytes());
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::file(path, format!("cannot read: {e}")))?;
    let old: T = serde_json::from_str(&text)
        .map_err(|e| Error::file(path, format!("expected {kind}, got {e}")))?;
    if old != *spec {
        return Err(Error::file(
            path,
            format!(
                "holds {}; use another --out or remove the directory to start over",
                first_difference(&old, spec)
            ),
        ));
    }
    Ok(())
}

/// Lock a sensitivity analysis's directory (`sensitivity` appends its
/// points in place).
pub fn lock_sensitivity(target: &Path) -> Result<Lock> {
    lock_appending(target, Appending::SENSITIVITY)
}

/// List the files of a sensitivity analysis's directory in its manifest.
pub fn mark_sensitivity(dir: &Path) -> Result<()> {
    mark_appending(dir, Appending::SENSITIVITY)
}

/// List the files of a sweep's directory in its manifest (with sweep.csv
/// and sweep.json from the start, so a killed sweep's directory is known as
/// one and a later command may replace it).
pub fn mark_sweep(dir: &Path) -> Result<()> {
    mark_appending(dir, Appending::SWEEP)
}

/// List the files of a calibration's directory in its manifest.
pub fn mark_calibration(dir: &Path) -> Result<()> {
    mark_appending(dir, Appending::CALIBRATION)
}

/// A command that appends to its directory in place (a resumable log)
/// rather than swapping a whole set in: what its manifest is called and the
/// files that tell its directory apart before it has one.
#[derive(Clone, Copy)]
struct Appending {
    command: &'static str,
    /// Commands whose directories this one may take up (`merge` writes a sweep's).
    also: &'static [&'static str],
    own: &'static [&'static str],
    /// How the refusal names the directory it expects.
    whose: &'static str,
}

impl Appending {
    const SWEEP: Appending = Appending {
        command: "sweep",
        also: &["merge"],
        own: &["sweep.csv", "sweep.json", "sweep_years.csv"],
        whose: "a sweep's",
    };
    const SENSITIVITY: Appending = Appending {
        command: "sensitivity",
        also: &["merge"],
        own: &["points.csv", "sensitivity.json"],
        whose: "a sensitivity analysis's",
    };
    const CALIBRATION: Appending = Appending {
        command: "calibrate",
        also: &[],
        own: &["calibration.csv", "calibration-spec.json"],
        whose: "a calibration's",
    };
}

fn lock_appending(target: &Path, a: Appending) -> Result<Lock> {
    let lock = Lock::acquire(target)?;
    if target.exists() && !target.is_dir() {
        return Err(Error::file(
            target,
            "expected an output directory, got a file that is not a directory",
        ));
    }
    let present = files_under(target);
    let manifest = Manifest::read(target);
    let is_own = match &manifest {
        Some(m) => m.command == a.command || a.also.contains(&m.command.as_str()),
        None => a.own.iter().any(|f| present.contains(*f)),
    };
    if !present.is_empty() && !is_own {
        let what = match &manifest {
            Some(m) => format!("the outputs of `povsim {}`", m.command),
            None => format!(
                "{} (not written by povsim)",
                present.iter().next().cloned().unwrap_or_default()
            ),
        };
        return Err(Error::file(
            target,
            format!(
                "expected an empty directory or {}, got one holding {what}; choose another --out",
                a.whose
            ),
        ));
    }
    Ok(lock)
}

fn mark_appending(dir: &Path, a: Appending) -> Result<()> {
    let mut files = files_under(dir);
    if let Some(m) = Manifest::read(dir) {
        files.extend(m.files);
    }
    files.extend(a.own.iter().map(|f| f.to_string()));
    Manifest::write(dir, a.command, files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        let t = utc_now();
        assert_eq!(t.len(), "2026-01-01 00:00:00 UTC".len(), "{t}");
        assert!(t.starts_with("20"), "{t}");
    }
}
