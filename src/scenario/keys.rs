//! One declaration per key.
//!
//! Every key of a scenario file is declared once, on the line of its field:
//! its name, type, default, valid range, unit and a one-line doc. The
//! [`section!`] macro writes the serde struct, its `Default` and the table of
//! [`Decl`]s from that one line, so they cannot drift apart. Everything else
//! reads the declarations: range checks (`validate.rs` keeps only rules that
//! relate several keys), `--set` of a distribution's or a schedule's
//! parameter, `povsim validate --list-keys`, the test that checks
//! docs/MODEL.md's parameter tables, and the serve sliders, calibration
//! bounds and priors (one call: [`find`]).
//!
//! A macro rather than a derive: a derive needs a proc-macro crate (a
//! workspace) for what `macro_rules!` does in a page; rather than a table
//! beside each struct: the doc, the default and the range would then sit
//! apart from the field they describe.
//!
//! The registry ([`all`]) lists every declared key in file order, each
//! distribution and schedule followed by its addressable parameters
//! (`households.ability.sigma`, `income.local_wage.index`,
//! `income.local_wage.values.2008`).
//!
//! Why one long file: the macro, the declaration types and the registry
//! that reads them are one mechanism; a split would separate the macro from
//! the types it writes.

use super::dated::{Dated, INDEX_RANGE, YEARS};
use super::dist::{Dist, DistKind};
use crate::error::Result;
use std::sync::LazyLock;

/// The single-key rule of a key: its type and its valid range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Check {
    /// A number from `.0` to `.1` (inclusive).
    Number(f64, f64),
    /// A whole number from `.0` to `.1`.
    Whole(i64, i64),
    /// A probability or a share, from 0 to 1.
    Probability,
    /// A number greater than 0.
    Positive,
    /// A dated number (a number, or `{ values = { YEAR = VALUE }, index = RATE }`)
    /// whose every value is from `.0` to `.1`.
    Dated(f64, f64),
    /// A dated number whose every value is greater than 0.
    DatedPositive,
    /// A distribution whose parameters keep its draws from `.0` to `.1`.
    Dist(f64, f64),
    /// One of these words.
    Choice(&'static [&'static str]),
    /// `true` or `false`.
    Bool,
    /// A name of letters, digits, `_`, `-` or `.` (the output directory's).
    Name,
    /// A seed: a whole number from 0 to 2^64 − 1 (serde reads it).
    Seed,
    /// A list whose every item follows the check.
    List(&'static Check),
    /// A path to a file or directory, relative to the scenario file.
    Path,
    /// The name of a column of a data file, whose cells the check takes.
    Column(&'static Check),
    /// A table of named totals (`{ V01 = 480, V02 = 515 }`), each following the check.
    Totals(&'static Check),
    /// A table with keys of its own (declared as a section of its own).
    Table,
}

pub const fn num(lo: f64, hi: f64) -> Check {
    Check::Number(lo, hi)
}
pub const fn whole(lo: i64, hi: i64) -> Check {
    Check::Whole(lo, hi)
}
pub const fn prob() -> Check {
    Check::Probability
}
pub const fn dated(lo: f64, hi: f64) -> Check {
    Check::Dated(lo, hi)
}
pub const fn dated_positive() -> Check {
    Check::DatedPositive
}
pub const fn dist(lo: f64, hi: f64) -> Check {
    Check::Dist(lo, hi)
}
/// A distribution of values from 0 to 1.
pub const fn unit_dist() -> Check {
    Check::Dist(0.0, 1.0)
}
pub const fn choice(names: &'static [&'static str]) -> Check {
    Check::Choice(names)
}
pub const fn flag() -> Check {
    Check::Bool
}
pub const fn name() -> Check {
    Check::Name
}
pub const fn seed() -> Check {
    Check::Seed
}
pub const fn list(item: &'static Check) -> Check {
    Check::List(item)
}
pub const fn path() -> Check {
    Check::Path
}
pub const fn column(cells: &'static Check) -> Check {
    Check::Column(cells)
}
pub const fn totals(each: &'static Check) -> Check {
    Check::Totals(each)
}
pub const fn table() -> Check {
    Check::Table
}

impl Check {
    /// The type as `--list-keys` names it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Check::Number(..) | Check::Positive => "number",
            Check::Whole(..) | Check::Seed => "whole number",
            Check::Probability => "probability",
            Check::Dated(..) | Check::DatedPositive => "dated number",
            Check::Dist(..) => "distribution",
            Check::Choice(_) => "choice",
            Check::Bool => "true or false",
            Check::Name => "string",
            Check::List(_) => "list",
            Check::Path => "path",
            Check::Column(_) => "column name",
            Check::Totals(_) => "table of numbers",
            Check::Table => "table",
        }
    }

    /// A distribution or a dated value: a key whose value may be a table.
    pub fn is_value_table(&self) -> bool {
        matches!(
            self,
            Check::Dist(..) | Check::Dated(..) | Check::DatedPositive
        )
    }

    /// The valid range of a number (of every value, for a dated number; of
    /// the draws, for a distribution; of every item, for a list).
    pub fn range(&self) -> Option<Range> {
        match *self {
            Check::Number(lo, hi) | Check::Dated(lo, hi) | Check::Dist(lo, hi) => {
                Some(Range::closed(lo, hi))
            }
            Check::Whole(lo, hi) => Some(Range::closed(lo as f64, hi as f64)),
            Check::Seed => Some(Range::closed(0.0, u64::MAX as f64)),
            Check::Probability => Some(Range::closed(0.0, 1.0)),
            Check::Positive | Check::DatedPositive => Some(Range {
                min_open: true,
                ..Range::closed(0.0, f64::INFINITY)
            }),
            Check::List(item) | Check::Column(item) | Check::Totals(item) => item.range(),
            Check::Choice(_) | Check::Bool | Check::Name | Check::Path | Check::Table => None,
        }
    }
}

/// An interval of valid values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    pub min: f64,
    pub max: f64,
    /// The bounds themselves are not valid.
    pub min_open: bool,
    pub max_open: bool,
}

impl Range {
    pub const fn closed(min: f64, max: f64) -> Range {
        Range {
            min,
            max,
            min_open: false,
            max_open: false,
        }
    }

    pub fn contains(&self, x: f64) -> bool {
        (if self.min_open {
            x > self.min
        } else {
            x >= self.min
        }) && (if self.max_open {
            x < self.max
        } else {
            x <= self.max
        })
    }
}

impl std::fmt::Display for Range {
    /// `[0, 1]`, `(0, 5]`, `> 0`: bounds as range messages write them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.min == f64::NEG_INFINITY && self.max == f64::INFINITY {
            return f.write_str("finite");
        }
        if self.max == f64::INFINITY {
            let op = if self.min_open { ">" } else { "≥" };
            return write!(f, "{op} {}", bound(self.min));
        }
        write!(
            f,
            "{}{}, {}{}",
            if self.min_open { '(' } else { '[' },
            bound(self.min),
            bound(self.max),
            if self.max_open { ')' } else { ']' }
        )
    }
}

/// A range bound as written in messages: 1e13 rather than 10000000000000.
pub fn bound(x: f64) -> String {
    if x.abs() >= 1e9 && x.is_finite() {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// The declaration of one key of a section, written by [`section!`].
#[derive(Clone, Copy, Debug)]
pub struct Decl {
    /// The key's name in its table.
    pub name: &'static str,
    pub check: Check,
    /// Unit of the value (empty for a choice, a flag or a name).
    pub unit: &'static str,
    /// The field's doc comment, on one line.
    pub doc: &'static str,
    /// A table that holds the section must give the key (no default).
    pub required: bool,
}

/// Whether the optional marker of [`section!`] was given.
#[doc(hidden)]
pub const fn marked(s: &str) -> bool {
    !s.is_empty()
}

/// A key's value, as the range checks read it.
#[derive(Clone, Copy, Debug)]
pub enum Value<'a> {
    Number(f64),
    Whole(i64),
    Dated(&'a Dated),
    Dist(&'a Dist),
    Numbers(&'a [f64]),
    Text(&'a str),
    /// A value serde already checked (a choice, a flag).
    Other,
    /// An optional key the file does not give.
    Absent,
}

/// A field type's [`Value`].
pub trait AsValue {
    fn as_value(&self) -> Value<'_>;
}

impl AsValue for f64 {
    fn as_value(&self) -> Value<'_> {
        Value::Number(*self)
    }
}
impl AsValue for i64 {
    fn as_value(&self) -> Value<'_> {
        Value::Whole(*self)
    }
}
impl AsValue for Dated {
    fn as_value(&self) -> Value<'_> {
        Value::Dated(self)
    }
}
impl AsValue for Dist {
    fn as_value(&self) -> Value<'_> {
        Value::Dist(self)
    }
}
impl AsValue for bool {
    fn as_value(&self) -> Value<'_> {
        Value::Other
    }
}
impl AsValue for String {
    fn as_value(&self) -> Value<'_> {
        Value::Text(self)
    }
}
impl<const N: usize> AsValue for [f64; N] {
    fn as_value(&self) -> Value<'_> {
        Value::Numbers(self)
    }
}
impl<T: AsValue> AsValue for Vec<T> {
    fn as_value(&self) -> Value<'_> {
        Value::Other
    }
}
impl<K, V> AsValue for std::collections::BTreeMap<K, V> {
    fn as_value(&self) -> Value<'_> {
        Value::Other
    }
}
impl<T: AsValue> AsValue for Option<T> {
    fn as_value(&self) -> Value<'_> {
        match self {
            Some(v) => v.as_value(),
            None => Value::Absent,
        }
    }
}

/// A table of keys: `[shocks]`, `[interventions.transfers]`, ...
pub trait Section: Default + serde::Serialize {
    /// The declarations, in the order of the fields.
    const KEYS: &'static [Decl];
    /// The values, in the order of [`Section::KEYS`].
    fn values(&self) -> Vec<Value<'_>>;
}

/// Something done with every section of a scenario, in file order (see
/// [`super::raw::sections`]): `section` gets `None` for a section the file
/// does not hold (and for every section when there is no file).
pub trait Visit {
    fn section<S: Section>(&mut self, prefix: &str, section: Option<&S>) -> Result<()>;
}

/// A struct of keys, each declared on one line:
///
/// ```text
/// /// Annual probability that a healthy household has a serious illness.
/// illness: f64 = 0.06, prob(), "per year";
/// ```
///
/// doc comment, `name: type = default, check, "unit"`, then optionally field
/// attributes in brackets (`[serde(default = "d_seed")]`) and `@required`
/// for a key a table must give.
macro_rules! section {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $field:ident : $ty:ty = $default:expr, $check:expr, $unit:literal
                $([ $($attr:meta),* ])? $(@ $req:ident)? ;
            )*
        }
    ) => {
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        $(#[$meta])*
        pub struct $name {
            $(
                $(#[doc = $doc])*
                $($(#[$attr])*)?
                pub $field: $ty,
            )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name { $( $field: $default, )* }
            }
        }

        impl $crate::scenario::keys::Section for $name {
            const KEYS: &'static [$crate::scenario::keys::Decl] = &[
                $(
                    $crate::scenario::keys::Decl {
                        name: stringify!($field),
                        check: $check,
                        unit: $unit,
                        doc: concat!($($doc),*),
                        required: $crate::scenario::keys::marked(stringify!($($req)?)),
                    },
                )*
            ];

            fn values(&self) -> Vec<$crate::scenario::keys::Value<'_>> {
                use $crate::scenario::keys::AsValue;
                vec![$( self.$field.as_value(), )*]
            }
        }
    };
}
pub(crate) use section;

/// An enum of words (`eligible = "registered"`), with the list of its words
/// for [`Check::Choice`].
macro_rules! words {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[doc = $doc:literal])* $variant:ident = $word:literal, )*
        }
    ) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        $(#[$meta])*
        pub enum $name {
            $( $(#[doc = $doc])* #[serde(rename = $word)] $variant, )*
        }

        impl $name {
            /// Every word, in order.
            pub const NAMES: &'static [&'static str] = &[$($word),*];
            /// Every variant, in the order of [`Self::NAMES`].
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The word as written in a file.
            pub fn word(self) -> &'static str {
                match self {
                    $( $name::$variant => $word, )*
                }
            }
        }

        impl $crate::scenario::keys::AsValue for $name {
            fn as_value(&self) -> $crate::scenario::keys::Value<'_> {
                $crate::scenario::keys::Value::Other
            }
        }
    };
}
pub(crate) use words;

/// A key of the registry: a declared key, or a parameter of a declared
/// distribution or schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    /// Dotted path: `shocks.illness`, `households.ability.sigma`.
    pub path: String,
    pub check: Check,
    /// The valid range of a number (see [`Check::range`]; a parameter's own).
    pub range: Option<Range>,
    /// The default, as TOML (`None`: required, or absent unless given).
    pub default: Option<toml::Value>,
    pub unit: &'static str,
    pub doc: String,
    /// A table that holds the key must give it.
    pub required: bool,
    /// A rule beyond the range (e.g. a beta's sd below sqrt(mean·(1−mean))).
    pub note: Option<&'static str>,
}

impl Key {
    /// The type as `--list-keys` names it.
    pub fn type_name(&self) -> &'static str {
        self.check.type_name()
    }

    /// The range as text: `[0, 1]`, the words of a choice, or empty.
    pub fn range_text(&self) -> String {
        let words = |w: &[&str]| w.join(", ");
        match (self.check, self.range) {
            (Check::Choice(w), _) => words(w),
            (Check::List(&Check::Choice(w)), _) => format!("each of {}", words(w)),
            (Check::Whole(lo, hi), _) => format!("[{lo}, {hi}]"),
            (Check::Seed, _) => format!("[0, {}]", u64::MAX),
            (Check::Dist(..), Some(r)) => format!("draws in {r}"),
            (Check::Dated(..) | Check::DatedPositive, Some(r)) => format!("{r} each year"),
            (Check::List(_), Some(r)) => format!("each {r}"),
            (Check::Column(&Check::Whole(lo, hi)), _) => format!("cells whole, [{lo}, {hi}]"),
            (Check::Column(_), Some(r)) => format!("cells in {r}"),
            (Check::Totals(_), Some(r)) => format!("each {r}"),
            (_, Some(r)) if self.note.is_some() => {
                format!("{r}, {}", self.note.unwrap_or_default())
            }
            (_, Some(r)) => r.to_string(),
            (Check::Name, _) => "letters, digits, _ - . (at most 80)".into(),

            _ => String::new(),
        }
    }

    /// The declaration as JSON (for `--list-keys --json`).
    pub fn to_json(&self) -> serde_json::Value {
        let num =
            |x: f64| serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, Into::into);
        let mut m = serde_json::Map::new();
        m.insert("path".into(), self.path.clone().into());
        m.insert("type".into(), self.type_name().into());
        m.insert(
            "default".into(),
            match &self.default {
                Some(v) => serde_json::to_value(v).unwrap_or(serde_json::Value::Null),
                None => serde_json::Value::Null,
            },
        );
        m.insert("required".into(), self.required.into());
        if let Some(r) = self.range {
            m.insert("min".into(), num(r.min));
            m.insert("max".into(), num(r.max));
            m.insert("min_open".into(), r.min_open.into());
            m.insert("max_open".into(), r.max_open.into());
        }
        let words = match self.check {
            Check::Choice(w) | Check::List(&Check::Choice(w)) => Some(w),
            _ => None,
        };
        if let Some(w) = words {
            m.insert("choices".into(), w.to_vec().into());
        }
        if let Some(n) = self.note {
            m.insert("note".into(), n.into());
        }
        m.insert("unit".into(), self.unit.into());
        m.insert("doc".into(), self.doc.clone().into());
        serde_json::Value::Object(m)
    }
}

/// Every key, in file order.
pub fn all() -> &'static [Key] {
    static ALL: LazyLock<Vec<Key>> = LazyLock::new(|| {
        let mut r = Registry(Vec::new());
        super::raw::sections(None, &mut r).expect("listing keys cannot fail");
        r.0
    });
    &ALL
}

/// The key at `path`: a declared key or one of its parameters (any year of
/// a schedule's `values`; any parameter of a distribution's default kind).
pub fn find(path: &str) -> Option<Key> {
    if let Some(k) = all().iter().find(|k| k.path == path) {
        return Some(k.clone());
    }
    let (parent, leaf) = path.rsplit_once('.')?;
    if let Some((dated, "values")) = parent.rsplit_once('.')
        && let Some(p) = all().iter().find(|k| k.path == dated)
        && leaf.trim().parse::<i32>().is_ok()
    {
        return Some(Key {
            default: None,
            ..year_key(p, leaf)
        });
    }
    let p = all().iter().find(|k| k.path == parent)?;
    match (p.check, &p.default) {
        (Check::Dist(lo, hi), Some(d)) => {
            let kind = d.get("dist")?.as_str()?;
            let kind = DistKind::NAMES.iter().position(|n| *n == kind)?;
            dist_param_key(p, DistKind::ALL[kind], leaf, lo, hi, None)
        }
        (Check::Dated(..) | Check::DatedPositive, _) if leaf == "index" => Some(index_key(p)),
        _ => None,
    }
}

/// The distribution or dated value whose parameter `path` names
/// (`households.ability.sigma`, `income.local_wage.values.2010`), whose
/// effective value `--set` writes out before setting the parameter.
pub fn parent_of_parameter(path: &str) -> Option<Key> {
    let (parent, _) = path.rsplit_once('.')?;
    let parent = parent.strip_suffix(".values").unwrap_or(parent);
    let p = all().iter().find(|k| k.path == parent)?;
    p.check.is_value_table().then(|| p.clone())
}

/// Builds the registry from the declarations and the sections' defaults.
struct Registry(Vec<Key>);

impl Visit for Registry {
    fn section<S: Section>(&mut self, prefix: &str, _: Option<&S>) -> Result<()> {
        let defaults = match toml::Value::try_from(S::default()) {
            Ok(toml::Value::Table(t)) => t,
            _ => toml::Table::new(),
        };
        for d in S::KEYS {
            if d.check == Check::Table {
                // Listed as a section of its own.
                continue;
            }
            let key = Key {
                path: format!("{prefix}.{}", d.name),
                check: d.check,
                range: d.check.range(),
                default: if d.required {
                    None
                } else {
                    defaults.get(d.name).cloned()
                },
                unit: d.unit,
                doc: d.doc.trim().to_string(),
                required: d.required,
                note: None,
            };
            let leaves = parameters(&key);
            self.0.push(key);
            self.0.extend(leaves);
        }
        Ok(())
    }
}

/// The parameters of a distribution or a schedule, as keys of their own.
fn parameters(k: &Key) -> Vec<Key> {
    let Some(default) = &k.default else {
        return Vec::new();
    };
    match k.check {
        Check::Dist(lo, hi) => {
            let Ok(d) = default.clone().try_into::<Dist>() else {
                return Vec::new();
            };
            let mut out = vec![Key {
                path: format!("{}.dist", k.path),
                check: Check::Choice(DistKind::NAMES),
                range: None,
                default: Some(toml::Value::String(d.dist.word().into())),
                unit: "",
                doc: "Kind of distribution.".into(),
                required: true,
                note: None,
            }];
            for (name, v) in d.params() {
                if let Some(v) = v {
                    out.extend(dist_param_key(k, d.dist, name, lo, hi, Some(v)));
                }
            }
            out
        }
        Check::Dated(..) | Check::DatedPositive => match default.clone().try_into::<Dated>() {
            Ok(Dated::Schedule(s)) => {
                let mut out = vec![Key {
                    default: Some(toml::Value::Float(s.index)),
                    ..index_key(k)
                }];
                for (year, v) in &s.values {
                    out.push(Key {
                        default: Some(toml::Value::Float(*v)),
                        ..year_key(k, year)
                    });
                }
                out
            }
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn index_key(parent: &Key) -> Key {
    Key {
        path: format!("{}.index", parent.path),
        check: Check::Number(INDEX_RANGE.0, INDEX_RANGE.1),
        range: Some(Range::closed(INDEX_RANGE.0, INDEX_RANGE.1)),
        default: None,
        unit: "rate a year",
        doc: format!(
            "Growth a year of {} after each listed year (0.045 = 4.5% a year).",
            parent.path
        ),
        required: false,
        note: None,
    }
}

fn year_key(parent: &Key, year: &str) -> Key {
    let check = match parent.check {
        Check::DatedPositive => Check::Positive,
        Check::Dated(lo, hi) => Check::Number(lo, hi),
        c => c,
    };
    Key {
        path: format!("{}.values.{year}", parent.path),
        check,
        range: check.range(),
        default: None,
        unit: parent.unit,
        doc: format!(
            "{} from {year} on (years {} to {}).",
            parent.path, YEARS.0, YEARS.1
        ),
        required: false,
        note: None,
    }
}

fn dist_param_key(
    parent: &Key,
    kind: DistKind,
    name: &str,
    lo: f64,
    hi: f64,
    default: Option<f64>,
) -> Option<Key> {
    let (range, note) = DistKind::param_range(kind, name, lo, hi)?;
    Some(Key {
        path: format!("{}.{name}", parent.path),
        check: Check::Number(range.min, range.max),
        range: Some(range),
        default: default.map(toml::Value::Float),
        unit: if matches!(name, "sigma" | "sd") && kind == DistKind::Lognormal {
            "log units"
        } else {
            parent.unit
        },
        doc: format!(
            "The {name} of the {} distribution of {}.",
            kind.word(),
            parent.path
        ),
        required: DistKind::required_params(kind).contains(&name),
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for k in all() {
            assert!(seen.insert(&k.path), "{} declared twice", k.path);
        }
    }

    #[test]
    fn every_default_is_in_its_range() {
        for k in all() {
            let (Some(r), Some(d)) = (k.range, &k.default) else {
                continue;
            };
            let x = match d {
                toml::Value::Float(x) => *x,
                toml::Value::Integer(i) => *i as f64,
                _ => continue,
            };
            assert!(r.contains(x), "{}: default {x} outside {r}", k.path);
        }
    }

    #[test]
    fn parameters_are_found_by_path() {
        let s = find("households.ability.sigma").expect("declared");
        assert_eq!(s.default, Some(toml::Value::Float(0.35)));
        assert_eq!(s.range, Some(Range::closed(0.0, 5.0)));
        let i = find("income.local_wage.index").expect("declared");
        assert_eq!(i.default, Some(toml::Value::Float(0.10)));
        let y = find("income.local_wage.values.2008").expect("declared");
        assert_eq!(y.default, Some(toml::Value::Float(9000.0)));
        // Any year of a schedule, and a parameter the default kind allows but does not give.
        assert!(find("income.local_wage.values.2031").is_some());
        assert!(find("households.ability.max").is_some());
        assert!(
            find("households.ability.mean").is_none(),
            "not a lognormal's"
        );
        assert!(find("interventions.transfers.budget_share").is_some());
        assert!(find("shocks.nothing").is_none());
        assert_eq!(
            parent_of_parameter("income.local_wage.values.2010").map(|k| k.path),
            Some("income.local_wage".into())
        );
        assert_eq!(
            parent_of_parameter("households.ability.sigma").map(|k| k.path),
            Some("households.ability".into())
        );
        assert_eq!(parent_of_parameter("shocks.illness"), None);
    }
}
