//! `povsim measure`: poverty and inequality measures for survey microdata.
//!
//! Reads a CSV file with a header line, one row per person or household:
//! a per-capita income column and, optionally, a weight column (persons the
//! row stands for, e.g. household size times a sampling weight). The file is
//! streamed: only the (income, weight) pairs are held, 16 bytes a row, up to
//! [`MAX_ROWS`] rows. Every problem with the file is one line naming the file,
//! the line and the column (exit code 2); lines starting with `#` before
//! the header line are comments. The file must be a regular file of
//! at most 64 MB (`POVSIM_MAX_INPUT_MB` raises it; see [`povsim::input`]).
//! The measures and their conventions
//! are documented in [`povsim::measures`].

use std::path::{Path, PathBuf};

use povsim::Error;
use povsim::input::table::Table;
use povsim::measures::{LOG_INCOME_FLOOR, Measures, Obs};

/// Most data rows read (3.2 GB of (income, weight) pairs, plus as much
/// again while the vector grows); a bigger file is refused, not swapped.
pub const MAX_ROWS: usize = 200_000_000;

#[derive(Debug, clap::Args)]
pub struct MeasureArgs {
    /// CSV file with a header line naming the columns.
    pub file: PathBuf,
    /// Poverty line, in the incomes' unit (yuan per person-year). Poor means income < line, strictly.
    #[arg(long, value_name = "Z", allow_negative_numbers = true)]
    pub line: f64,
    /// Extreme-poverty line; without it, extreme_poor is not computed (0 in --json).
    #[arg(long, value_name = "Z2", allow_negative_numbers = true)]
    pub extreme_line: Option<f64>,
    /// Column holding the per-capita income.
    #[arg(long, value_name = "NAME", default_value = "income")]
    pub income_col: String,
    /// Column holding the weight (persons a row stands for, ≥ 0); every row weighs 1 without it.
    #[arg(long, value_name = "NAME")]
    pub weight_col: Option<String>,
    /// Print the measures as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn execute(args: MeasureArgs) -> anyhow::Result<()> {
    // Check the lines first: no point reading a big file to fail afterwards.
    check_line("--line", args.line)?;
    if let Some(z2) = args.extreme_line {
        check_line("--extreme-line", z2)?;
    }
    let mut obs = read_obs(&args.file, &args.income_col, args.weight_col.as_deref())?;
    let rows = obs.len();
    // An extreme line of 0 tells Measures there is none.
    let m = Measures::compute(&mut obs, args.line, args.extreme_line.unwrap_or(0.0));
    if m.population <= 0.0 {
        return Err(Error::file(&args.file, "the weights add up to 0: nothing to measure").into());
    }
    if !m.population.is_finite() {
        return Err(Error::file(
            &args.file,
            "expected weights that add up to at most 1.8e308 (the largest number), got more",
        )
        .into());
    }

    if args.json {
        println!("{}", serde_json::to_string_pretty(&m)?);
    } else {
        print_table(&args, rows, &m);
    }
    Ok(())
}

fn check_line(flag: &str, z: f64) -> Result<(), Error> {
    if z.is_finite() && z > 0.0 {
        Ok(())
    } else {
        Err(Error::Input(format!(
            "{flag}: expected a finite number > 0, got {z}"
        )))
    }
}

/// Streams the file, keeping only the (income, weight) pairs.
fn read_obs(path: &Path, income_col: &str, weight_col: Option<&str>) -> Result<Vec<Obs>, Error> {
    // A regular file within the input size limit, every bad cell located (povsim::input).
    let mut table = Table::open(path)?;
    let income_idx = table.column(income_col)?;
    let weight_idx = weight_col.map(|name| table.column(name)).transpose()?;

    let mut obs = Vec::new();
    while let Some(row) = table.next_row()? {
        if obs.len() == MAX_ROWS {
            return Err(row.error(
                0,
                "",
                format!("too many rows: povsim measure reads at most {MAX_ROWS} data rows"),
            ));
        }
        let income = row.number(income_idx, income_col)?;
        let weight = match (weight_idx, weight_col) {
            (Some(idx), Some(name)) => {
                let w = row.number(idx, name)?;
                if w < 0.0 {
                    return Err(row.error(
                        idx,
                        name,
                        format!("expected a number ≥ 0, got {}", row.text(idx)),
                    ));
                }
                w
            }
            _ => 1.0,
        };
        obs.push(Obs { income, weight });
    }
    if obs.is_empty() {
        return Err(Error::file(path, "no data rows after the header line"));
    }
    Ok(obs)
}

fn print_table(args: &MeasureArgs, rows: usize, m: &Measures) {
    let ratio = |v: f64| format!("{v:.6}");
    let money = |v: f64| format!("{v:.2}");
    // Person counts are whole unless the weights are fractional.
    let persons = |v: f64| {
        if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.2}")
        }
    };
    let z = args.line;
    let mut table: Vec<(&str, String, String)> = vec![
        (
            "population",
            persons(m.population),
            "persons (sum of the weights)".into(),
        ),
        (
            "poor",
            persons(m.poor),
            format!("persons with income < {z}"),
        ),
        (
            "headcount_ratio",
            ratio(m.headcount_ratio),
            "FGT(0): share of persons who are poor".into(),
        ),
        (
            "poverty_gap",
            ratio(m.poverty_gap),
            "FGT(1): mean shortfall from the line, as a share of it".into(),
        ),
        (
            "poverty_severity",
            ratio(m.poverty_severity),
            "FGT(2): mean squared shortfall; weighs the poorest most".into(),
        ),
        (
            "watts",
            ratio(m.watts),
            format!("mean of ln(line/income) over the poor; incomes floored at {LOG_INCOME_FLOOR}"),
        ),
        (
            "sen",
            ratio(m.sen),
            "H·Gp + PG·(1 − Gp), Gp the Gini among the poor".into(),
        ),
    ];
    if let Some(z2) = args.extreme_line {
        table.push((
            "extreme_poor",
            persons(m.extreme_poor),
            format!("persons with income < {z2}"),
        ));
    }
    table.extend([
        (
            "mean_income",
            money(m.mean_income),
            "mean per-capita income".into(),
        ),
        (
            "median_income",
            money(m.median_income),
            "income at which half the persons are reached".into(),
        ),
        (
            "gini",
            ratio(m.gini),
            "Gini coefficient: 0 equal, 1 one person has all".into(),
        ),
        (
            "theil",
            ratio(m.theil),
            format!("Theil T, GE(1); incomes floored at {LOG_INCOME_FLOOR}"),
        ),
        (
            "atkinson1",
            ratio(m.atkinson1),
            "Atkinson, ε = 1: 1 − geometric mean / mean".into(),
        ),
        (
            "bottom40_share",
            ratio(m.bottom40_share),
            "share of income held by the poorest 40% of persons".into(),
        ),
    ]);

    println!("{}: {rows} rows, line {z}", args.file.display());
    let width = table.iter().map(|(_, v, _)| v.len()).max().unwrap_or(0);
    for (name, value, meaning) in table {
        println!("{name:<17} {value:>width$}  {meaning}");
    }
}
