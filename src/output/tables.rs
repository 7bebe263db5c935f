//! CSV and JSON tables of a run, streamed to temporary files and renamed
//! into place only when the run is complete (all or nothing), or kept in
//! memory (the teaching page draws its charts from them without a disk).

use crate::error::{Error, Result};
use crate::model::state::SOURCES;
use crate::recorder::{TRAJECTORY_COLUMNS, YearRecord};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// One CSV file being written under a temporary name, or into memory.
pub struct TableFile {
    path: PathBuf,
    sink: Sink,
}

enum Sink {
    File { tmp: PathBuf, w: BufWriter<File> },
    Memory(Vec<u8>),
}

impl TableFile {
    pub fn create(dir: &Path, name: &str, header: &str) -> Result<Self> {
        let path = dir.join(name);
        let tmp = super::atomic::temp_name(&path);
        let f = File::create(&tmp).map_err(|e| Error::file(&path, format!("cannot write: {e}")))?;
        let mut t = TableFile {
            path,
            sink: Sink::File {
                tmp,
                w: BufWriter::with_capacity(1 << 16, f),
            },
        };
        t.line(header)?;
        Ok(t)
    }

    /// A table kept in memory under the file name `name`.
    pub fn memory(name: &str, header: &str) -> Self {
        let mut t = TableFile {
            path: PathBuf::from(name),
            sink: Sink::Memory(Vec::new()),
        };
        let _ = t.line(header); // writing to a Vec cannot fail
        t
    }

    fn writer(&mut self) -> &mut dyn Write {
        match &mut self.sink {
            Sink::File { w, .. } => w,
            Sink::Memory(v) => v,
        }
    }

    pub fn line(&mut self, s: &str) -> Result<()> {
        let w = self.writer();
        w.write_all(s.as_bytes())
            .and_then(|_| w.write_all(b"\n"))
            .map_err(|e| Error::file(&self.path, format!("cannot write: {e}")))
    }

    /// One line from format arguments, written straight into the buffer
    /// (no string per line: a run writes a village row per village and year).
    pub fn row(&mut self, args: std::fmt::Arguments) -> Result<()> {
        let w = self.writer();
        w.write_fmt(args)
            .and_then(|_| w.write_all(b"\n"))
            .map_err(|e| Error::file(&self.path, format!("cannot write: {e}")))
    }

    /// Flush, sync and rename into place (a table in memory stays there).
    pub fn commit(self) -> Result<PathBuf> {
        let TableFile { path, sink } = self;
        let Sink::File { tmp, w } = sink else {
            return Ok(path);
        };
        let f = w
            .into_inner()
            .map_err(|e| Error::file(&path, format!("cannot write: {e}")))?;
        f.sync_all()
            .map_err(|e| Error::file(&path, format!("cannot write: {e}")))?;
        std::fs::rename(&tmp, &path)
            .map_err(|e| Error::file(&path, format!("cannot write: {e}")))?;
        Ok(path)
    }

    /// Give up: remove the temporary file.
    pub fn abandon(self) {
        if let Sink::File { tmp, .. } = self.sink {
            let _ = std::fs::remove_file(tmp);
        }
    }

    /// The file name and the text written (empty for a table on disk).
    pub fn into_memory(self) -> (PathBuf, Vec<u8>) {
        match self.sink {
            Sink::Memory(v) => (self.path, v),
            Sink::File { .. } => (self.path, Vec::new()),
        }
    }
}

/// A number as written in every table: shortest exact form, so outputs are byte-stable.
pub fn num(x: f64) -> String {
    Num(x).to_string()
}

/// A number as every table writes it ([`num`] as a string), written in place.
pub struct Num(pub f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_finite() {
            write!(f, "{}", self.0)
        } else {
            Ok(())
        }
    }
}

/// Numbers joined by commas, as [`num`] writes each.
struct Joined<'a>(&'a [f64]);

impl std::fmt::Display for Joined<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (k, v) in self.0.iter().enumerate() {
            if k > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}", Num(*v))?;
        }
        Ok(())
    }
}

/// The tables of one run.
pub struct RunTables {
    trajectory: TableFile,
    villages: TableFile,
    sources: TableFile,
    distribution: TableFile,
    transitions: TableFile,
    spending: Option<TableFile>,
    targeting: Option<TableFile>,
    loans: Option<TableFile>,
}

/// Which optional tables a run writes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Optional {
    /// spending.csv (any module).
    pub spending: bool,
    /// targeting.csv (the targeting module).
    pub targeting: bool,
    /// loans.csv (the microfinance module).
    pub loans: bool,
}

/// The columns of loans.csv after `replicate, year`.
pub const LOAN_COLUMNS: &str = "outstanding_start,disbursed,repaid,defaulted,outstanding_end,new_loans,defaults,rescheduled,borrowers,interest_subsidy,guarantee_paid,bank_loss,dividends,pooled_outstanding,borrower_assets,borrower_enterprise,default_rate,return_on_assets";

impl RunTables {
    pub fn create(dir: &Path, opt: Optional) -> Result<Self> {
        Self::with(opt, |name, header| TableFile::create(dir, name, header))
    }

    /// The same tables kept in memory ([`RunTables::into_memory`] gives them back).
    pub fn in_memory(opt: Optional) -> Self {
        Self::with(opt, |name, header| Ok(TableFile::memory(name, header)))
            .expect("tables in memory cannot fail to open")
    }

    fn with(opt: Optional, open: impl Fn(&str, &str) -> Result<TableFile>) -> Result<Self> {
        Ok(RunTables {
            trajectory: open(
                "trajectory.csv",
                &format!("replicate,year,{}", TRAJECTORY_COLUMNS.join(",")),
            )?,
            villages: open(
                "villages.csv",
                "replicate,year,village,population,poor,headcount_ratio,mean_income,remoteness,relocated_in,relocated_out",
            )?,
            sources: open(
                "income_sources.csv",
                &format!("replicate,year,group,{}", SOURCES.join(",")),
            )?,
            distribution: open("distribution.csv", "replicate,year,lower,upper,people")?,
            transitions: open("transitions.csv", "replicate,from,to,people")?,
            spending: if opt.spending {
                Some(open(
                    "spending.csv",
                    "replicate,year,module,budget,spent,beneficiary_households,beneficiary_people,registered_poor_beneficiaries",
                )?)
            } else {
                None
            },
            targeting: if opt.targeting {
                Some(open(
                    "targeting.csv",
                    "replicate,year,method,registered,inclusion_error,exclusion_error,list,inclusion_quota,inclusion_capture,inclusion_measurement,exclusion_quota,exclusion_measurement,exclusion_paper_exit",
                )?)
            } else {
                None
            },
            loans: if opt.loans {
                Some(open(
                    "loans.csv",
                    &format!("replicate,year,{LOAN_COLUMNS}"),
                )?)
            } else {
                None
            },
        })
    }

    pub fn record(&mut self, r: &YearRecord) -> Result<()> {
        let (rep, year) = (r.replicate, r.year);
        self.trajectory.row(format_args!(
            "{rep},{year},{}",
            Joined(&r.trajectory_values())
        ))?;
        for (k, v) in r.villages.iter().enumerate() {
            let hr = if v.population > 0 {
                v.poor as f64 / v.population as f64
            } else {
                0.0
            };
            let mean = if v.population > 0 {
                v.income / v.population as f64
            } else {
                0.0
            };
            self.villages.row(format_args!(
                "{rep},{year},{k},{},{},{},{},{},{},{}",
                v.population,
                v.poor,
                Num(hr),
                Num(mean),
                Num(v.remoteness as f64),
                v.relocated_in,
                v.relocated_out
            ))?;
        }
        for (group, s) in [("all", &r.sources_all), ("poor", &r.sources_poor)] {
            self.sources
                .row(format_args!("{rep},{year},{group},{}", Joined(&s[..])))?;
        }
        if let Some(d) = &r.distribution {
            for (lo, hi, people) in d {
                self.distribution.row(format_args!(
                    "{rep},{year},{},{},{}",
                    Num(*lo),
                    Num(*hi),
                    Num(*people)
                ))?;
            }
        }
        if let Some(t) = &r.transitions {
            const STATES: [&str; 3] = ["poor", "near_poor", "non_poor"];
            for (a, row) in t.iter().enumerate() {
                for (b, people) in row.iter().enumerate() {
                    self.transitions
                        .row(format_args!("{rep},{},{},{people}", STATES[a], STATES[b]))?;
                }
            }
        }
        if let Some(sp) = &mut self.spending {
            for s in &r.ledger.spending {
                sp.row(format_args!(
                    "{rep},{year},{},{},{},{},{},{}",
                    s.module,
                    s.budget.map(Num).unwrap_or(Num(f64::NAN)),
                    Num(s.spent),
                    s.beneficiary_households,
                    s.beneficiary_people,
                    s.registered_poor_beneficiaries
                ))?;
            }
        }
        if let Some(tf) = &mut self.targeting {
            for t in &r.ledger.targeting {
                tf.row(format_args!(
                    "{rep},{year},{},{},{},{},{},{},{},{},{},{},{}",
                    t.method,
                    t.registered,
                    Num(t.inclusion_error),
                    Num(t.exclusion_error),
                    t.list,
                    Num(t.inclusion_quota),
                    Num(t.inclusion_capture),
                    Num(t.inclusion_measurement),
                    Num(t.exclusion_quota),
                    Num(t.exclusion_measurement),
                    Num(t.exclusion_paper_exit)
                ))?;
            }
        }
        if let (Some(lf), Some(l)) = (&mut self.loans, &r.ledger.loans) {
            let values = [
                l.outstanding_start,
                l.disbursed,
                l.repaid,
                l.defaulted,
                l.outstanding_end,
                l.new_loans as f64,
                l.defaults as f64,
                l.rescheduled as f64,
                l.borrowers as f64,
                l.interest_subsidy,
                l.guarantee_paid,
                l.bank_loss,
                l.dividends,
                l.pooled_outstanding,
                l.borrower_assets,
                l.borrower_enterprise,
                l.default_rate(),
                l.return_on_assets(),
            ];
            lf.row(format_args!("{rep},{year},{}", Joined(&values)))?;
        }
        Ok(())
    }

    pub fn commit(self) -> Result<Vec<PathBuf>> {
        let mut out = vec![
            self.trajectory.commit()?,
            self.villages.commit()?,
            self.sources.commit()?,
            self.distribution.commit()?,
            self.transitions.commit()?,
        ];
        if let Some(s) = self.spending {
            out.push(s.commit()?);
        }
        if let Some(t) = self.targeting {
            out.push(t.commit()?);
        }
        if let Some(l) = self.loans {
            out.push(l.commit()?);
        }
        Ok(out)
    }

    /// Every table as (file name, text), for tables made [`RunTables::in_memory`].
    pub fn into_memory(self) -> Vec<(PathBuf, Vec<u8>)> {
        [
            Some(self.trajectory),
            Some(self.villages),
            Some(self.sources),
            Some(self.distribution),
            Some(self.transitions),
            self.spending,
            self.targeting,
            self.loans,
        ]
        .into_iter()
        .flatten()
        .map(TableFile::into_memory)
        .collect()
    }

    pub fn abandon(self) {
        self.trajectory.abandon();
        self.villages.abandon();
        self.sources.abandon();
        self.distribution.abandon();
        self.transitions.abandon();
        if let Some(s) = self.spending {
            s.abandon();
        }
        if let Some(t) = self.targeting {
            t.abandon();
        }
        if let Some(l) = self.loans {
            l.abandon();
        }
    }
}
