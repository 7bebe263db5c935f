//! A CSV file of the user's read row by row, every problem located: the file
//! is opened with the limits of [`crate::input`], lines starting with `#`
//! before the header line are comments (a survey file's header may say where
//! it comes from), the header line names the columns, and every bad cell is
//! one line naming the file, the line, the column and what was expected.

use crate::error::{Error, Result};
use crate::input::Limited;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// A CSV file with a header line, read one record at a time.
pub struct Table {
    path: PathBuf,
    rdr: csv::Reader<BufReader<Limited<File>>>,
    header: Vec<String>,
    /// Line of the header (after any comment lines).
    header_line: usize,
    /// Comment lines before the header (the CSV reader counts from after them).
    skipped: usize,
    record: csv::ByteRecord,
}

impl Table {
    /// Open `path` (a regular file within the size limit) and read its header line.
    pub fn open(path: &Path) -> Result<Table> {
        let mut buf = BufReader::new(crate::input::open(path)?);
        let mut skipped = 0;
        while buf
            .fill_buf()
            .map_err(|e| io_error(path, &e))?
            .first()
            .is_some_and(|b| *b == b'#')
        {
            buf.read_until(b'\n', &mut Vec::new())
                .map_err(|e| io_error(path, &e))?;
            skipped += 1;
        }
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(buf);
        let head = rdr
            .byte_headers()
            .map_err(|e| csv_error(path, skipped, e))?;
        let header_line = skipped + head.position().map_or(1, |p| p.line()) as usize;
        let header: Vec<String> = head
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect();
        if header.is_empty() || header.iter().all(|h| h.is_empty()) {
            return Err(Error::file(
                path,
                "empty file: expected a header line naming the columns, then data rows",
            ));
        }
        Ok(Table {
            path: path.to_path_buf(),
            rdr,
            header,
            header_line,
            skipped,
            record: csv::ByteRecord::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The column names of the header line.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Line of the header line in the file (1 unless comments come first).
    pub fn header_line(&self) -> usize {
        self.header_line
    }

    /// 0-based index of the column called `name` (an error at the header line).
    pub fn column(&self, name: &str) -> Result<usize> {
        let mut found = self.header.iter().enumerate().filter(|(_, h)| *h == name);
        match (found.next(), found.next()) {
            (Some((i, _)), None) => Ok(i),
            (Some((i, _)), Some((j, _))) => Err(Error::at(
                &self.path,
                self.header_line,
                j + 1,
                name,
                format!("column named twice (columns {} and {})", i + 1, j + 1),
            )),
            (None, _) => Err(Error::at(
                &self.path,
                self.header_line,
                1,
                name,
                format!("no such column; columns are {}", self.header.join(", ")),
            )),
        }
    }

    /// The next data row, or `None` at the end of the file.
    pub fn next_row(&mut self) -> Result<Option<Row<'_>>> {
        let more = self
            .rdr
            .read_byte_record(&mut self.record)
            .map_err(|e| csv_error(&self.path, self.skipped, e))?;
        Ok(more.then(|| Row {
            path: &self.path,
            line: self.skipped + self.record.position().map_or(0, |p| p.line()) as usize,
            record: &self.record,
        }))
    }
}

/// One data row of a [`Table`].
pub struct Row<'a> {
    path: &'a Path,
    line: usize,
    record: &'a csv::ByteRecord,
}

impl Row<'_> {
    /// The row's line in the file.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The text of column `idx`.
    pub fn text(&self, idx: usize) -> String {
        String::from_utf8_lossy(&self.record[idx]).into_owned()
    }

    /// An error about the cell in column `idx`, headed `name`.
    pub fn error(&self, idx: usize, name: &str, msg: impl std::fmt::Display) -> Error {
        Error::at(self.path, self.line, idx + 1, name, msg)
    }

    /// The finite number in column `idx` (headed `name`), or an error naming the cell.
    pub fn number(&self, idx: usize, name: &str) -> Result<f64> {
        let text = self.text(idx);
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            // Rust parses "NaN" and "inf": numbers, but not ones we can use.
            Ok(_) => Err(self.error(idx, name, format!("expected a finite number, got {text}"))),
            Err(_) => Err(self.error(idx, name, format!("expected a number, got {text:?}"))),
        }
    }
}

/// A reading error: the size limit's own message says what was expected.
fn io_error(path: &Path, io: &std::io::Error) -> Error {
    if io.to_string().starts_with("expected") {
        Error::file(path, io.to_string())
    } else {
        Error::file(path, format!("cannot read: {io}"))
    }
}

/// A CSV reading error as one located line (`skipped`: comment lines before the CSV).
fn csv_error(path: &Path, skipped: usize, e: csv::Error) -> Error {
    let line =
        |pos: &Option<csv::Position>| skipped + pos.as_ref().map_or(0, |p| p.line()) as usize;
    match e.kind() {
        csv::ErrorKind::Io(io) => io_error(path, io),
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => Error::at(
            path,
            line(pos),
            1,
            "",
            format!("expected {expected_len} fields like the header line, got {len}"),
        ),
        csv::ErrorKind::Utf8 { pos, err } => {
            Error::at(path, line(pos), 1, "", format!("not UTF-8: {err}"))
        }
        _ => Error::file(path, format!("cannot parse as CSV: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_lines_count_in_the_line_numbers() {
        let dir = std::env::temp_dir().join(format!("povsim-table-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.csv");
        std::fs::write(
            &path,
            "# a survey\n# made up, \"quoted\nid,x\n1,2\n2,oops\n",
        )
        .unwrap();
        let mut t = Table::open(&path).unwrap();
        assert_eq!(t.header_line(), 3);
        let x = t.column("x").unwrap();
        assert_eq!(t.next_row().unwrap().unwrap().number(x, "x").unwrap(), 2.0);
        let err = t
            .next_row()
            .unwrap()
            .unwrap()
            .number(x, "x")
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("t.csv:5:2: x: expected a number, got \"oops\""),
            "{err}"
        );
        let err = t.column("y").unwrap_err().to_string();
        assert!(err.contains("t.csv:3:1: y: no such column"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
