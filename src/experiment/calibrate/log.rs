//! calibration.csv, the log of a calibration: one row per evaluation
//! (`evaluation,stage,KEY...,loss,MEASURE_YEAR...`), appended and synced as
//! each finishes, and calibration-spec.json beside it, which says what the
//! calibration is.
//!
//! A rerun into the same directory must describe the same calibration; it
//! drops a partial last line (a kill mid-write), then reads every row as a
//! cache of simulated target values keyed by the values set, which the
//! replayed search takes instead of running the point again.

use super::{Evaluation, Problem, Stage};
use crate::error::{Error, Result};
use crate::output::atomic;
use crate::output::tables::num;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

pub(super) struct Log {
    path: PathBuf,
    file: std::fs::File,
    cached: HashMap<Vec<String>, Vec<f64>>,
    rows: usize,
}

/// The header of calibration.csv.
pub fn header(p: &Problem) -> String {
    let mut h = vec!["evaluation".to_string(), "stage".to_string()];
    h.extend(p.spec.keys.iter().map(|k| k.key.clone()));
    h.push("loss".into());
    h.extend(p.spec.targets.iter().map(|t| t.column()));
    h.join(",")
}

fn line(e: &Evaluation) -> String {
    let mut s = format!("{},{}", e.index, e.stage.name());
    for v in &e.values {
        s.push(',');
        s.push_str(v);
    }
    s.push(',');
    s.push_str(&num(e.loss));
    for v in &e.simulated {
        s.push(',');
        s.push_str(&num(*v));
    }
    s.push('\n');
    s
}

impl Log {
    /// Create `out` with calibration-spec.json and an empty calibration.csv,
    /// or take up the ones an earlier run of the same calibration left there.
    pub fn open(out: &Path, p: &Problem) -> Result<Log> {
        atomic::create_dir(out)?;
        claim(out, p)?;
        let path = out.join("calibration.csv");
        let header = header(p);
        let mut cached = HashMap::new();
        let mut rows = 0;
        if path.exists() {
            let bytes = std::fs::read(&path)
                .map_err(|e| Error::file(&path, format!("cannot read: {e}")))?;
            let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            let text = String::from_utf8_lossy(&bytes[..complete]).into_owned();
            let mut lines = text.lines();
            match lines.next() {
                Some(h) if h == header => {
                    for (n, l) in lines.enumerate() {
                        let (values, simulated) = parse(p, l).ok_or_else(|| {
                            Error::file(
                                &path,
                                format!(
                                    "line {}: expected a row of this calibration, got `{l}`",
                                    n + 2
                                ),
                            )
                        })?;
                        cached.insert(values, simulated);
                        rows += 1;
                    }
                    if complete < bytes.len() {
                        let f = std::fs::OpenOptions::new()
                            .write(true)
                            .open(&path)
                            .and_then(|f| f.set_len(complete as u64).and_then(|_| f.sync_all()));
                        f.map_err(|e| Error::file(&path, format!("cannot write: {e}")))?;
                    }
                }
                Some(h) if !h.is_empty() => {
                    return Err(Error::file(
                        &path,
                        format!("expected the header `{header}` of this calibration, got `{h}`"),
                    ));
                }
                // Not even a header: start over.
                _ => atomic::write_file(&path, format!("{header}\n").as_bytes())?,
            }
        } else {
            atomic::write_file(&path, format!("{header}\n").as_bytes())?;
        }
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| Error::file(&path, format!("cannot write: {e}")))?;
        Ok(Log {
            path,
            file,
            cached,
            rows,
        })
    }

    /// The simulated target values of a point the log holds.
    pub fn cached(&self, values: &[String]) -> Option<Vec<f64>> {
        self.cached.get(values).cloned()
    }

    /// Append one evaluation (synced: it survives a crash).
    pub fn append(&mut self, e: &Evaluation) -> Result<()> {
        self.file
            .write_all(line(e).as_bytes())
            .and_then(|_| self.file.sync_data())
            .map_err(|err| Error::file(&self.path, format!("cannot write: {err}")))?;
        self.rows += 1;
        Ok(())
    }

    /// Rows on disk.
    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The values and simulated targets of a row, if it is one of `p`'s.
fn parse(p: &Problem, l: &str) -> Option<(Vec<String>, Vec<f64>)> {
    let f: Vec<&str> = l.split(',').collect();
    let k = p.spec.keys.len();
    let n = p.spec.targets.len();
    if f.len() != 3 + k + n {
        return None;
    }
    f[0].parse::<usize>().ok()?;
    Stage::parse(f[1])?;
    let values: Vec<String> = f[2..2 + k].iter().map(|v| v.to_string()).collect();
    let simulated = f[3 + k..]
        .iter()
        .map(|v| {
            if v.is_empty() {
                Some(f64::NAN)
            } else {
                v.parse::<f64>().ok()
            }
        })
        .collect::<Option<Vec<f64>>>()?;
    Some((values, simulated))
}

/// Write calibration-spec.json, or check that the one in `out` describes the same calibration.
fn claim(out: &Path, p: &Problem) -> Result<()> {
    crate::output::outdir::claim(
        &out.join("calibration-spec.json"),
        &p.spec,
        "a calibration description",
        |old: &super::CalibrationSpec, s| {
            let what = if old.keys != s.keys {
                "fitted keys or bounds"
            } else if old.targets != s.targets {
                "targets"
            } else if old.replicates != s.replicates {
                "replicates"
            } else if old.seed != s.seed {
                "seed"
            } else if old.sets != s.sets {
                "--set overrides"
            } else {
                "scenario contents"
            };
            format!("a different calibration (other {what})")
        },
    )
}
