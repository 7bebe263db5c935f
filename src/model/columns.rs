//! State columns as data: every household and village column declared in
//! [`super::state`] can be listed with its type and doc, written as text and
//! read back by name, without a second list of columns anywhere; so can a
//! module's own columns ([`OwnColumns`]). A saved state
//! ([`crate::population::saved`]) is these columns as CSV.
//!
//! Text is exact: whole numbers as digits, `f32` in the shortest decimal
//! form that parses back to the same bits (Rust's float formatting), flags
//! as 0 or 1. pandas, R and povsim read every value back unchanged.

use std::fmt::Write as _;

/// A value one column holds.
pub trait Cell: Copy + Default + Send + Sync + 'static {
    /// Its type as numpy and pandas name it (`uint8`, `uint32`, `float32`, `bool`).
    const DTYPE: &'static str;
    /// Append the value as text.
    fn write(self, out: &mut String);
    /// The value written as `s`, if it is one.
    fn parse(s: &str) -> Option<Self>;
    /// The value as a number (exact below 2^24; a flag is 0 or 1).
    fn as_f32(self) -> f32;
}

/// A declared column: its name, its doc and whether a module's plan may
/// change it (`[watch]`: a watched household's snapshot holds it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Declared {
    pub name: &'static str,
    pub doc: &'static str,
    pub watch: bool,
}

/// A type written by `Display` (digits; for floats the shortest text that
/// parses back to the same bits) and read back by `FromStr`.
macro_rules! display_cell {
    ($($t:ty => $dtype:literal),*) => {$(
        impl Cell for $t {
            const DTYPE: &'static str = $dtype;
            fn write(self, out: &mut String) {
                let _ = write!(out, "{self}");
            }
            fn parse(s: &str) -> Option<Self> {
                s.parse().ok()
            }
            fn as_f32(self) -> f32 {
                self as f32
            }
        }
    )*};
}

display_cell!(u8 => "uint8", u32 => "uint32", f32 => "float32");

impl Cell for bool {
    const DTYPE: &'static str = "bool";
    fn write(self, out: &mut String) {
        out.push(if self { '1' } else { '0' });
    }
    fn parse(s: &str) -> Option<Self> {
        match s {
            "1" | "true" | "True" | "TRUE" => Some(true),
            "0" | "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }
    fn as_f32(self) -> f32 {
        if self { 1.0 } else { 0.0 }
    }
}

/// One column, whatever its type, seen as text.
pub trait Column {
    /// The type of its values ([`Cell::DTYPE`]).
    fn dtype(&self) -> &'static str;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Append value `i` as text.
    fn write_cell(&self, i: usize, out: &mut String);
    /// Append the value written as `s`; false if `s` is not a value of this type.
    fn push_text(&mut self, s: &str) -> bool;
    /// Empty the column, keeping room for `n` values.
    fn reset(&mut self, n: usize);
}

impl<T: Cell> Column for Vec<T> {
    fn dtype(&self) -> &'static str {
        T::DTYPE
    }
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn write_cell(&self, i: usize, out: &mut String) {
        self[i].write(out);
    }
    fn push_text(&mut self, s: &str) -> bool {
        match T::parse(s) {
            Some(v) => {
                self.push(v);
                true
            }
            None => false,
        }
    }
    fn reset(&mut self, n: usize) {
        self.clear();
        self.reserve(n);
    }
}

/// A column kept outside the declared tables (a module's own), with its
/// name and doc, to be written or filled from text.
pub struct Named<'a> {
    pub name: &'static str,
    pub doc: &'static str,
    pub col: &'a mut dyn Column,
}

/// A module's own state as columns: per household and per village
/// (`interventions::Module::state`).
#[derive(Default)]
pub struct OwnColumns<'a> {
    pub households: Vec<Named<'a>>,
    pub villages: Vec<Named<'a>>,
}

/// What the type of a column expects, in words (for error messages).
pub fn expected(dtype: &str) -> &'static str {
    match dtype {
        "uint8" => "a whole number from 0 to 255",
        "uint32" => "a whole number from 0 to 4294967295",
        "float32" => "a number",
        "bool" => "0 or 1",
        _ => "a value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round_trip(x: f32) -> f32 {
        let mut s = String::new();
        x.write(&mut s);
        f32::parse(&s).unwrap()
    }

    proptest! {
        #[test]
        fn every_f32_reads_back_to_its_bits(bits in any::<u32>()) {
            let x = f32::from_bits(bits);
            prop_assume!(!x.is_nan());
            prop_assert_eq!(round_trip(x).to_bits(), bits);
        }
    }

    #[test]
    fn edge_values_read_back_to_their_bits() {
        for x in [
            0.0f32,
            -0.0,
            f32::MIN_POSITIVE,
            f32::from_bits(1), // smallest subnormal
            f32::MAX,
            f32::MIN,
            0.1,
            2300.0 / 3.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ] {
            assert_eq!(round_trip(x).to_bits(), x.to_bits(), "{x:e}");
        }
        let mut s = String::new();
        0.1f32.write(&mut s);
        assert_eq!(s, "0.1", "the shortest form, not 0.100000001");
    }

    #[test]
    fn columns_of_every_type_read_back_what_they_wrote() {
        let a: Vec<u8> = vec![0, 7, 255];
        let mut b: Vec<u8> = Vec::new();
        let mut s = String::new();
        for i in 0..a.len() {
            s.clear();
            Column::write_cell(&a, i, &mut s);
            assert!(b.push_text(&s));
        }
        assert_eq!(a, b);
        let mut f: Vec<bool> = Vec::new();
        assert!(f.push_text("1") && f.push_text("0") && !f.push_text("2"));
        assert_eq!(f, vec![true, false]);
        let mut u: Vec<u8> = Vec::new();
        assert!(!u.push_text("256") && !u.push_text("-1") && !u.push_text("1.5"));
    }
}
