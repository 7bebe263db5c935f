//! `sweep_years.csv`: the tidy per-year table of a sweep, one row per
//! (point, replicate, year) with the varied values and the year's measures,
//! as BehaviorSpace's table output and Mesa's batch runner give. It is
//! written beside sweep.csv, in the same (point, replicate) order, and kept
//! consistent with it: a batch's year rows are appended and synced before
//! its sweep.csv rows, and a resume keeps only the year rows of the pairs
//! sweep.csv holds (dropping those of a batch killed in between).

use super::SweepSpec;
use crate::error::{Error, Result};
use crate::output::atomic;
use crate::output::tables::num;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The file's name in a sweep directory.
pub const FILE: &str = "sweep_years.csv";

/// The measures of one year, after the varied values, the replicate and the year.
pub const MEASURES: [&str; 6] = [
    "headcount_ratio",
    "poverty_gap",
    "poor",
    "mean_income",
    "gini",
    "spending",
];

/// One year of one (point, replicate): the year and [`MEASURES`].
pub type Year = (i32, [f64; 6]);

pub fn header(spec: &SweepSpec) -> String {
    let mut h = vec!["point".to_string()];
    h.extend(spec.keys.iter().cloned());
    h.push("replicate".into());
    h.push("year".into());
    h.extend(MEASURES.iter().map(|m| m.to_string()));
    h.join(",")
}

/// The lines of one (point, replicate), one per year, each ending in a newline.
pub fn lines(spec: &SweepSpec, point: usize, replicate: u32, years: &[Year]) -> String {
    let mut s = String::new();
    for (year, values) in years {
        s.push_str(&point.to_string());
        for v in &spec.points[point] {
            s.push(',');
            s.push_str(v);
        }
        s.push_str(&format!(",{replicate},{year}"));
        for v in values {
            s.push(',');
            s.push_str(&num(*v));
        }
        s.push('\n');
    }
    s
}

/// (point, replicate) of a data line.
fn key(spec: &SweepSpec, line: &str) -> Option<(usize, u32)> {
    let f: Vec<&str> = line.split(',').collect();
    if f.len() != 3 + spec.keys.len() + MEASURES.len() {
        return None;
    }
    Some((f[0].parse().ok()?, f[1 + spec.keys.len()].parse().ok()?))
}

/// Before a sweep appends: the file with its header, holding the year rows
/// of exactly the pairs in `done` (sweep.csv's), in the order they were
/// written; a partial last line and the rows of pairs not in `done` go.
pub fn prepare(out: &Path, spec: &SweepSpec, done: &HashSet<(usize, u32)>) -> Result<PathBuf> {
    let path = out.join(FILE);
    let header = header(spec);
    if !path.exists() {
        atomic::write_file(&path, format!("{header}\n").as_bytes())?;
        return Ok(path);
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::file(&path, format!("cannot read: {e}")))?;
    let complete = text.rfind('\n').map_or(0, |i| i + 1);
    let mut lines = text[..complete].lines();
    if let Some(h) = lines.next()
        && h != header
    {
        return Err(Error::file(
            &path,
            format!("expected the header `{header}` of this sweep, got `{h}`"),
        ));
    }
    let mut keep = format!("{header}\n");
    let mut dropped = complete < text.len();
    for l in lines {
        if key(spec, l).is_some_and(|k| done.contains(&k)) {
            keep.push_str(l);
            keep.push('\n');
        } else {
            dropped = true;
        }
    }
    if dropped {
        atomic::write_file(&path, keep.as_bytes())?;
    }
    Ok(path)
}

/// The data lines of `text` sorted by (point, replicate), years in the order
/// written, each pair once.
fn sorted<'a>(spec: &SweepSpec, texts: impl Iterator<Item = &'a str>) -> String {
    let mut rows: Vec<((usize, u32), usize, &str)> = Vec::new();
    for text in texts {
        for l in text.lines().skip(1) {
            if let Some(k) = key(spec, l) {
                let n = rows.len();
                rows.push((k, n, l));
            }
        }
    }
    rows.sort_by_key(|r| (r.0, r.1));
    let mut s = header(spec) + "\n";
    let mut seen_year: HashSet<((usize, u32), &str)> = HashSet::new();
    for (k, _, l) in rows {
        let year = l.split(',').nth(2 + spec.keys.len()).unwrap_or("");
        if seen_year.insert((k, year)) {
            s.push_str(l);
            s.push('\n');
        }
    }
    s
}

/// Rewrite the file in (point, replicate) order (after a resume that left
/// sweep.csv out of order).
pub fn sort(out: &Path, spec: &SweepSpec) -> Result<()> {
    let path = out.join(FILE);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::file(&path, format!("cannot read: {e}")))?;
    atomic::write_file(
        &path,
        sorted(spec, std::iter::once(text.as_str())).as_bytes(),
    )
}

/// The parts' files combined into `out`, as one process would have written it.
pub fn merge(out: &Path, parts: &[PathBuf], spec: &SweepSpec) -> Result<PathBuf> {
    let mut texts = Vec::new();
    for d in parts {
        let p = d.join(FILE);
        texts.push(
            std::fs::read_to_string(&p)
                .map_err(|e| Error::file(&p, format!("cannot read a sweep part: {e}")))?,
        );
    }
    let path = out.join(FILE);
    atomic::write_file(
        &path,
        sorted(spec, texts.iter().map(String::as_str)).as_bytes(),
    )?;
    Ok(path)
}
