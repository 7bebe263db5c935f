//! `simulation.seed`: any whole number from 0 to 2^64 − 1. TOML integers stop
//! at 2^63 − 1, so a seed at or above 2^63 is written as a string of digits
//! (`seed = "18446744073709551615"`), and the effective scenario prints it so;
//! `--seed` and `--set simulation.seed=…` take the digits bare.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A seed over the whole u64 range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Seed(pub u64);

const EXPECTED: &str = "a whole number from 0 to 18446744073709551615";

impl Serialize for Seed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match i64::try_from(self.0) {
            Ok(v) => s.serialize_i64(v),
            // Beyond a TOML integer: the digits as a string (read back the same).
            Err(_) => s.serialize_str(&self.0.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for Seed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Seed;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Seed, E> {
                u64::try_from(v)
                    .map(Seed)
                    .map_err(|_| E::custom(format!("expected {EXPECTED}, got {v}")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Seed, E> {
                Ok(Seed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Seed, E> {
                let t = v.trim();
                if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
                    t.parse()
                        .map(Seed)
                        .map_err(|_| E::custom(format!("expected {EXPECTED}, got {t}")))
                } else {
                    Err(E::custom(format!("expected {EXPECTED}, got {v:?}")))
                }
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Seed, E> {
                Err(E::custom(format!("expected {EXPECTED}, got {v}")))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Seed, E> {
                Err(E::custom(format!("expected {EXPECTED}, got {v}")))
            }
        }
        d.deserialize_any(V)
    }
}

impl super::keys::AsValue for Seed {
    fn as_value(&self) -> super::keys::Value<'_> {
        super::keys::Value::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct T {
        seed: Seed,
    }

    #[test]
    fn every_u64_reads_back_as_written() {
        for v in [0, 1, i64::MAX as u64, 1 << 63, u64::MAX] {
            let t = T { seed: Seed(v) };
            let text = toml::to_string(&t).unwrap();
            assert_eq!(toml::from_str::<T>(&text).unwrap(), t, "{text}");
        }
        assert_eq!(
            toml::from_str::<T>("seed = \"18446744073709551615\"").unwrap(),
            T {
                seed: Seed(u64::MAX)
            }
        );
        for bad in [
            "seed = -1",
            "seed = \"18446744073709551616\"",
            "seed = \"x\"",
            "seed = 1.5",
        ] {
            let e = toml::from_str::<T>(bad).unwrap_err().to_string();
            assert!(e.contains(EXPECTED), "{bad}: {e}");
        }
    }
}
