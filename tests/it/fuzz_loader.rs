//! No input, however strange, makes the scenario loader panic: arbitrary
//! bytes, and arbitrary mutations of the valid L County scenario (characters
//! deleted, duplicated or replaced; numbers swapped for extreme values; lines
//! inserted), and arbitrary `--set` arguments. Every outcome must be `Ok` or
//! `Err(Error::Input)` with a one-line message.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use povsim::Error;
use povsim::scenario::{DEFAULT_SCENARIO, load_str};
use proptest::prelude::*;
use proptest::test_runner::Config;

/// Load `text` with `sets`; fail the property on a panic or a non-input error.
fn check(text: &str, sets: &[String]) -> Result<(), TestCaseError> {
    let res = catch_unwind(AssertUnwindSafe(|| {
        load_str(Path::new("fuzz.toml"), text, sets)
    }));
    match res {
        Err(_) => Err(TestCaseError::fail(format!(
            "the loader panicked on:\n{text}\nwith --set {sets:?}"
        ))),
        Ok(Ok(sc)) => {
            // A [sweep] table's values are checked by loading the scenario with them.
            match catch_unwind(AssertUnwindSafe(|| sc.check_sweep())) {
                Err(_) => Err(TestCaseError::fail(format!(
                    "check_sweep panicked on:\n{text}\nwith --set {sets:?}"
                ))),
                Ok(Ok(())) => Ok(()),
                Ok(Err(Error::Input(msg))) => {
                    prop_assert!(!msg.is_empty() && !msg.contains('\n'), "{msg}");
                    Ok(())
                }
                Ok(Err(e)) => Err(TestCaseError::fail(format!(
                    "expected Ok or Err(Input), got {e:?}"
                ))),
            }
        }
        Ok(Err(Error::Input(msg))) => {
            prop_assert!(!msg.is_empty(), "empty message");
            prop_assert!(
                !msg.contains('\n'),
                "a message of more than one line: {msg}"
            );
            Ok(())
        }
        Ok(Err(e)) => Err(TestCaseError::fail(format!(
            "expected Ok or Err(Input), got {e:?}"
        ))),
    }
}

/// Values a number in the scenario may be swapped for.
const EXTREMES: [&str; 20] = [
    "-1",
    "0",
    "-0.0",
    "1",
    "1e308",
    "-1e308",
    "1e-308",
    "nan",
    "-nan",
    "inf",
    "-inf",
    "9223372036854775807",
    "-9223372036854775808",
    "4294967296",
    "0.5",
    "2.0",
    "1000000000",
    "50000000",
    "\"7\"",
    "true",
];

/// Characters a mutation may put in: TOML's structure and some odd ones.
const CHARS: [char; 24] = [
    '[',
    ']',
    '{',
    '}',
    '=',
    '"',
    '\'',
    ',',
    '.',
    '#',
    '\n',
    ' ',
    '0',
    '9',
    '-',
    '+',
    'e',
    'x',
    '\\',
    '\t',
    '\u{0}',
    'é',
    '中',
    '\u{1F600}',
];

/// Lines a mutation may insert.
const LINES: [&str; 12] = [
    "[simulation]\n",
    "[[targets]]\n",
    "[interventions.transfers]\n",
    "extends = \"other.toml\"\n",
    "years = 3\n",
    "budget = -1\n",
    "[budget]\ntotal = nan\n",
    "low_income = { values = { 2008 = 0 } }\n",
    "x = [1, [2, {a = 3}]]\n",
    "a.b.c.d.e = 1\n",
    "\"quoted key\" = 1\n",
    "[villages.road]\ndist = \"beta\"\nmean = 0.5\nsd = 0.4999\n",
];

#[derive(Clone, Debug)]
enum Mutation {
    Delete { at: usize, len: usize },
    Duplicate { at: usize, len: usize },
    Replace { at: usize, with: char },
    Number { which: usize, with: usize },
    Line { at: usize, which: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), 1usize..80).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
        (any::<usize>(), 0..CHARS.len())
            .prop_map(|(at, c)| Mutation::Replace { at, with: CHARS[c] }),
        (any::<usize>(), 0..EXTREMES.len())
            .prop_map(|(which, with)| Mutation::Number { which, with }),
        (any::<usize>(), 0..LINES.len()).prop_map(|(at, which)| Mutation::Line { at, which }),
    ]
}

/// Byte ranges of the numbers written as values (after `=`, `{`, `,` or `[`).
fn numbers(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts = (b[i].is_ascii_digit() || b[i] == b'-')
            && text[..i]
                .trim_end_matches(' ')
                .ends_with(['=', '{', ',', '['].as_slice());
        if starts {
            let mut j = i + 1;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b"._+-".contains(&b[j])) {
                j += 1;
            }
            out.push((i, j));
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &mut String, m: &Mutation) {
    if text.is_empty() {
        return;
    }
    let at = |i: usize, t: &str| floor_boundary(t, i % (t.len() + 1));
    match *m {
        Mutation::Delete { at: a, len } => {
            let s = at(a, text);
            let e = floor_boundary(text, s + len);
            text.replace_range(s..e, "");
        }
        Mutation::Duplicate { at: a, len } => {
            let s = at(a, text);
            let e = floor_boundary(text, s + len);
            let piece = text[s..e].to_string();
            text.insert_str(e, &piece);
        }
        Mutation::Replace { at: a, with } => {
            let s = at(a, text);
            let e = text[s..].chars().next().map_or(s, |c| s + c.len_utf8());
            text.replace_range(s..e, &with.to_string());
        }
        Mutation::Number { which, with } => {
            let nums = numbers(text);
            if let Some(&(s, e)) = nums.get(which % nums.len().max(1)) {
                text.replace_range(s..e, EXTREMES[with]);
            }
        }
        Mutation::Line { at: a, which } => {
            let s = at(a, text);
            let s = text[..s].rfind('\n').map_or(0, |p| p + 1);
            text.insert_str(s, LINES[which]);
        }
    }
}

/// A `--set` argument built from pieces that exercise its parser.
fn set_arg() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("simulation.years".to_string()),
        Just("simulation.name".to_string()),
        Just("simulation".to_string()),
        Just("poverty_lines.low_income".to_string()),
        Just("poverty_lines.low_income.values.2010".to_string()),
        Just("interventions.transfers.budget".to_string()),
        Just("targets".to_string()),
        Just("targets.year".to_string()),
        Just("".to_string()),
        Just("a..b".to_string()),
        "[a-z_.]{0,24}",
    ];
    let value = prop_oneof![
        Just(String::new()),
        (0..EXTREMES.len()).prop_map(|k| EXTREMES[k].to_string()),
        Just("{ values = { 2008 = 1 } }".to_string()),
        Just("[1, 2]".to_string()),
        Just("\"../../x\"".to_string()),
        Just("=".to_string()),
        ".{0,12}",
    ];
    (key, value, any::<bool>()).prop_map(|(k, v, eq)| {
        if eq {
            format!("{k}={v}")
        } else {
            format!("{k}{v}")
        }
    })
}

proptest! {
    #![proptest_config(Config { cases: 4000, failure_persistence: None, ..Config::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        check(&String::from_utf8_lossy(&bytes), &[])?;
    }

    #[test]
    fn arbitrary_toml_like_text_never_panics(text in "[\\[\\]{}=\",.#a-z0-9_ \n\t-]{0,400}") {
        check(&text, &[])?;
    }

    #[test]
    fn mutated_l_county_never_panics(muts in proptest::collection::vec(mutation(), 1..6)) {
        let mut text = DEFAULT_SCENARIO.to_string();
        for m in &muts {
            apply(&mut text, m);
        }
        check(&text, &[])?;
    }
}

proptest! {
    #![proptest_config(Config { cases: 3000, failure_persistence: None, ..Config::default() })]

    #[test]
    fn arbitrary_set_arguments_never_panic(sets in proptest::collection::vec(set_arg(), 1..4)) {
        check(DEFAULT_SCENARIO, &sets)?;
    }
}

/// Inputs that once went wrong, or are likely to, checked every time.
#[test]
fn known_strange_inputs() {
    let base = DEFAULT_SCENARIO;
    let cases: Vec<String> = vec![
        String::new(),
        "\u{feff}".into(),
        "\u{0}".into(),
        "[".into(),
        "=".into(),
        "[simulation]\nname = \"é\"\nvillages = 1\nhouseholds = 1\n".into(),
        "[simulation]\nname = \"x\"\nvillages = 1\npopulation = 1\n".into(),
        "[simulation]\nname = \"x\"\nvillages = 1\nhouseholds = 1\nyears = 200\nstart_year = 2200\n".into(),
        base.replace("population = 615000", "population = 200000000"),
        base.replace("index = 0.045", "index = 1e308"),
        base.replace("= 2300", "= 1e-308"),
        base.replace("= 0.35", "= -0.0"),
        base.replace("tolerance = 0.01", "tolerance = inf"),
        base.replace("[simulation]", "[simulation]\n[simulation.x]"),
        base.replace("year = 2008", "year = 1e3"),
        base.replace("2010 = 2300", "\"\" = 2300"),
        base.replace("2010 = 2300", "\" 2010 \" = 2300"),
        base.replace("2010 = 2300", "9999999999 = 2300"),
        base.replace("2010 = 2300", "-2147483648 = 2300"),
        // Strings and keys with escapes: the message must stay one line.
        base.replace("\"headcount_ratio\"", "\"headco\\nt_ratio\""),
        base.replace("[simulation]", "\"new\\nline\" = 1\n[simulation]"),
        base.replace("name = \"l_county\"", "name = \"l\\r\\u0000\""),
        // [sweep] tables: huge, empty, doubled, nested, odd values.
        format!("{base}\n[sweep]\nvary = {{ \"shocks.illness\" = \"0:1e308:1e-308\" }}\n"),
        format!("{base}\n[sweep]\nvary = {{ \"a.b\" = [], c = {{ d = [[1]] }} }}\n"),
        format!("{base}\n[sweep]\nvary = {{}}\npoints = [{{}}]\n"),
        format!("{base}\n[sweep]\npoints = [{{}}]\nlhs = -1\n"),
        format!("{base}\n[sweep]\nvary = {{ \"x.y\" = \"0:1:1\", x = {{ y = [1] }} }}\n"),
        format!("{base}\n[sweep]\nvary = {{ \"shocks.illness\" = [nan, inf, 1e308, \"a,b\", \"\\n\"] }}\n"),
        format!("{base}\n[sweep]\nvary = {{ \"simulation.name\" = [\"a\", \"..\", \"\"] }}\n"),
        format!("{base}\n[sweep]\nvary = {{ \"simulation\" = [1], \"simulation.years.x\" = [1] }}\n"),
        format!("{base}\n[sweep]\npoints = [{{ \"simulation.years\" = 3 }}, {{ \"simulation.years\" = 300 }}]\n"),
        format!("{base}\n[sweep]\nvary = {{ \"simulation.years\" = \"1:200:1\" }}\nreplicates = 0\n"),
    ];
    for text in &cases {
        check(text, &[]).unwrap_or_else(|e| panic!("{e}"));
    }
    let sets = [
        "simulation.start_year=2200",
        "simulation.years=200",
        "simulation.seed=9223372036854775807",
        "poverty_lines.low_income.index=-0.5",
        "interventions.transfers.guarantee_line.values.2008=1e7",
    ];
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    check(base, &sets).unwrap_or_else(|e| panic!("{e}"));
    for set in ["simulation.na\nme=1", "simulation.name=a\nb", "\n=\n"] {
        check(base, &[set.to_string()]).unwrap_or_else(|e| panic!("{e}"));
    }
}
