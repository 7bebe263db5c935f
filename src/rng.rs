//! Keyed random streams.
//!
//! Every random draw in povsim comes from a small generator made fresh for one
//! key `(seed, replicate, entity, year, purpose)`. Nothing depends on the
//! order in which threads reach the households, so outputs are byte-identical
//! whatever the thread count; and a household's illness draw does not depend
//! on how many draws some intervention took before it, so two scenarios run
//! with one seed meet the same shocks (common random numbers).

/// What a stream is for. Each purpose has its own stream, so adding draws to
/// one purpose never shifts the numbers another purpose sees. (3–6 and 14
/// were phase one's shocks, demography, labour, enterprise and tourism
/// streams, now the slots of [`Purpose::Household`].)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u64)]
pub enum Purpose {
    /// Population synthesis (household attributes at the start).
    Population = 1,
    /// Village attributes at the start.
    Village = 2,
    /// Village-level covariate shocks (drought).
    VillageShock = 7,
    /// County-wide market price swing.
    Price = 8,
    /// Measurement error and verification in identification.
    Targeting = 9,
    /// Household take-up decisions (one stream per module, see [`Purpose::TakeUp`]).
    TakeUp = 10,
    /// Ties broken among equally ranked candidates.
    TieBreak = 11,
    /// Schooling: enrolment and dropout of children.
    Schooling = 12,
    /// Microfinance: loan outcome.
    Loan = 13,
    /// Phase one of the household update: one stream per household-year,
    /// its purposes at the slots of [`HouseholdSlot`].
    Household = 15,
    /// The households `povsim trace --sample` follows, and the order in which
    /// a run's stories watch households (not a simulation stream).
    TraceSample = 0x5354_4f52_4945_5301,
    /// Sensitivity analysis (none is a simulation stream; all lie far above
    /// the `purpose << 16 | sub` keys of the others, below 2^24): a Morris
    /// design's trajectories,
    SensitivityMorris = 0x5E45_0000_0001,
    /// the scramble of a Sobol' sequence,
    SensitivityScramble = 0x5E45_0000_0002,
    /// the bootstrap resamples behind every interval,
    SensitivityBootstrap = 0x5E45_0000_0003,
    /// the parameter sets of `compare --param-draws` (one stream per draw).
    ParamDraws = 0x5E45_0000_0004,
    /// the orders of the modules of `compare --decompose`'s sampled Shapley values.
    DecomposeOrder = 0x5E45_0000_0005,
}

/// The slots of a household-year stream ([`Purpose::Household`],
/// [`Stream::slot`]): each purpose whose number of draws varies with the
/// household has its own, so drawing more in one never shifts another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum HouseholdSlot {
    /// Draws at fixed places, the low and high 32-bit halves of the first
    /// five outputs: illness and crop loss; job loss and the enterprise
    /// return; a birth and the elderly's deaths; the adults' and the
    /// children's deaths; retirement and children grown up.
    Fixed = 0,
    /// Out-migration.
    Demography = 1,
    /// Migrants and local jobs.
    Labour = 2,
    /// Tourism jobs.
    Tourism = 3,
}

/// A sub-stream: the numbers of one decision within a purpose (a module's
/// take-up, its tie-breaks). Every sub-stream is declared once, in [`sub`]:
/// the keys stay unique (a test checks), so no module can draw another's
/// numbers, and adding draws to one never shifts another's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sub {
    pub purpose: Purpose,
    pub key: u64,
}

impl Sub {
    /// The purpose part of a stream's key.
    #[inline]
    fn purpose_key(self) -> u64 {
        ((self.purpose as u64) << 16) | self.key
    }
}

/// Declares the registry [`sub`]: `NAME = Purpose key,` with a doc line.
macro_rules! subs {
    ($( $(#[doc = $doc:literal])* $name:ident = $purpose:ident $key:literal, )*) => {
        /// The registry of sub-streams, one per decision that draws numbers.
        /// The keys are those each module used when it numbered its own, so
        /// outputs did not change when they moved here.
        pub mod sub {
            use super::{Purpose, Sub};
            $(
                $(#[doc = $doc])*
                pub const $name: Sub = Sub { purpose: Purpose::$purpose, key: $key };
            )*
            /// Every sub-stream with its name.
            pub const ALL: &[(&str, Sub)] = &[$( (stringify!($name), $name), )*];
        }
    };
}

subs! {
    /// Each household's return factor on productive assets (heterogeneous returns),
    /// drawn once: in a fixed year (0), never the simulated one.
    HOUSEHOLD_RETURN = Population 1,
    /// Microfinance: whether a pooled enterprise fails this year.
    MICROFINANCE_POOL_FAILURE = Loan 53,
    /// Public-welfare jobs: ties among candidate households.
    WELFARE_JOBS_ORDER = TieBreak 60,
    /// Labour export: whether a registered household offered a placement takes it.
    LABOUR_EXPORT_TAKE_UP = TakeUp 70,
    /// Targeting: which households the villagers verify.
    TARGETING_VERIFY = Targeting 1,
    /// Targeting (multidimensional): which households lack safe water.
    TARGETING_WATER = Targeting 3,
    /// Targeting (quota): each village's error in the estimate its quota is cut from.
    TARGETING_QUOTA = Targeting 4,
    /// Transfers (the dibao list): the means test's own error.
    TRANSFERS_DIBAO = Targeting 5,
    /// Population: whether a household is connected (cadre-related or visible).
    POPULATION_CONNECTED = Population 2,
    /// Transfers: whether a household offered the guarantee takes it up.
    TRANSFERS_TAKE_UP = TakeUp 7,
    /// Education: whether a household takes up the student subsidy.
    EDUCATION_SUBSIDY = TakeUp 20,
    /// Education: whether an adult takes up vocational training.
    EDUCATION_TRAINING = TakeUp 21,
    /// Education: ties among villages for remote teaching.
    EDUCATION_ORDER_REMOTE = TieBreak 22,
    /// Education: ties among adults for training.
    EDUCATION_ORDER_TRAINING = TieBreak 23,
    /// Education: ties among villages for school rebuilding.
    EDUCATION_ORDER_SCHOOLS = TieBreak 24,
    /// Tourism: whether a household takes up shares and training.
    TOURISM_TAKE_UP = TakeUp 30,
    /// Tourism: ties among villages to develop.
    TOURISM_ORDER_VILLAGES = TieBreak 31,
    /// Tourism: ties among households.
    TOURISM_ORDER_HOUSEHOLDS = TieBreak 32,
    /// Relocation: whether a household offered the move takes it.
    RELOCATION_TAKE_UP = TakeUp 40,
    /// Relocation: ties among households.
    RELOCATION_ORDER = TieBreak 41,
    /// Microfinance: whether a household offered a loan takes it.
    MICROFINANCE_TAKE_UP = TakeUp 50,
    /// Microfinance: ties among borrowers.
    MICROFINANCE_ORDER = TieBreak 51,
    /// Microfinance: whether a household short of cash defaults.
    MICROFINANCE_DEFAULT = Loan 52,
    /// Infrastructure: ties among villages.
    INFRASTRUCTURE_TIES = TieBreak 0x101,
    /// Publicity: ties among villages.
    PUBLICITY_TIES = TieBreak 0x201,
    /// Publicity: which households of a village are reached.
    PUBLICITY_REACH = TieBreak 0x202,
    /// Cadres: ties among villages.
    CADRES_TIES = TieBreak 0x301,
}

/// SplitMix64's increment (the golden ratio in 64 bits).
const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's finaliser: a fast bijective mixer with full avalanche.
#[inline]
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Everything of a stream's key but the entity, mixed (see [`key`]).
#[inline]
pub fn prefix(seed: u64, replicate: u32, year: i32, purpose: u64) -> u64 {
    let mut h = mix(seed ^ 0x5851_f42d_4c95_7f2d);
    h = mix(h ^ u64::from(replicate).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    h = mix(h ^ (year as i64 as u64).wrapping_mul(0xa076_1d64_78bd_642f));
    mix(h ^ purpose.wrapping_mul(0xe703_7ed1_a0b4_28db))
}

/// The key of one stream: every component is mixed in turn, so that keys that
/// differ in any component give unrelated streams. The entity comes last so
/// that hot loops mix the rest once a year ([`YearStreams`]).
#[inline]
pub fn key(seed: u64, replicate: u32, entity: u64, year: i32, purpose: u64) -> u64 {
    mix(prefix(seed, replicate, year, purpose) ^ entity.wrapping_mul(0xd6e8_feb8_6659_fd93))
}

/// The generator of one keyed stream: SplitMix64 (Steele, Lea & Flood 2014)
/// started at the key. Making a stream costs nothing (the key is the state),
/// which matters because povsim makes several per household and year; each
/// draw is one addition and one [`mix`]. It passes BigCrush, and streams of
/// different keys are as unrelated as the mixer makes their starting points.
#[derive(Clone, Debug)]
pub struct Stream {
    state: u64,
}

/// Distance between two slots of one stream ([`Stream::slot`]): 2³² draws.
const SLOT: u64 = GAMMA << 32;

impl Stream {
    #[inline]
    pub fn from_key(key: u64) -> Self {
        Stream { state: key }
    }

    /// Slot `k` of this stream: the same SplitMix64 sequence 2³² · k draws
    /// further on. One keyed stream serves several purposes this way, each
    /// at its fixed slot, so a purpose that draws more (a rejection sampler
    /// that tries again, a module with more decisions) never shifts what
    /// another purpose sees, and the key is mixed once for all of them.
    #[inline]
    pub fn slot(&self, k: u64) -> Stream {
        Stream {
            state: self.state.wrapping_add(k.wrapping_mul(SLOT)),
        }
    }
}

impl rand::TryRng for Stream {
    type Error = std::convert::Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok((self.try_next_u64()? >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.state = self.state.wrapping_add(GAMMA);
        Ok(mix(self.state))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let v = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        Ok(())
    }
}

/// Streams of one replicate of one run.
#[derive(Clone, Copy, Debug)]
pub struct Streams {
    pub seed: u64,
    pub replicate: u32,
}

impl Streams {
    pub fn new(seed: u64, replicate: u32) -> Self {
        Streams { seed, replicate }
    }

    /// The stream of one household (or village, or the county: entity 0) in one year for one purpose.
    #[inline]
    pub fn stream(&self, entity: u64, year: i32, purpose: Purpose) -> Stream {
        Stream::from_key(key(self.seed, self.replicate, entity, year, purpose as u64))
    }

    /// A stream for a purpose with a sub-key (e.g. take-up, one per module).
    #[inline]
    pub fn stream_sub(&self, entity: u64, year: i32, sub: Sub) -> Stream {
        Stream::from_key(key(
            self.seed,
            self.replicate,
            entity,
            year,
            sub.purpose_key(),
        ))
    }

    /// One uniform number in [0, 1) from a keyed stream, without building a generator.
    #[inline]
    pub fn uniform(&self, entity: u64, year: i32, sub: Sub) -> f64 {
        let k = key(self.seed, self.replicate, entity, year, sub.purpose_key());
        (mix(k) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// The streams of one purpose in one year, with everything but the
    /// entity mixed in once (for hot loops over households).
    #[inline]
    pub fn year_purpose(&self, year: i32, purpose: Purpose) -> YearStreams {
        YearStreams {
            prefix: prefix(self.seed, self.replicate, year, purpose as u64),
        }
    }

    /// Like [`Streams::year_purpose`] for a purpose with a sub-key: the
    /// streams of [`Streams::stream_sub`] and the numbers of
    /// [`Streams::uniform`], with the prefix mixed once a year.
    #[inline]
    pub fn year_purpose_sub(&self, year: i32, sub: Sub) -> YearStreams {
        YearStreams {
            prefix: prefix(self.seed, self.replicate, year, sub.purpose_key()),
        }
    }
}

/// Streams of one purpose in one year (see [`Streams::year_purpose`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct YearStreams {
    prefix: u64,
}

impl YearStreams {
    /// The same stream as `Streams::stream(entity, year, purpose)`.
    #[inline]
    pub fn of(&self, entity: u64) -> Stream {
        Stream::from_key(mix(self.prefix ^ entity.wrapping_mul(0xd6e8_feb8_6659_fd93)))
    }

    /// The key of `entity`'s stream ([`YearStreams::of`] is the stream at this key).
    #[inline]
    pub fn key(&self, entity: u64) -> u64 {
        mix(self.prefix ^ entity.wrapping_mul(0xd6e8_feb8_6659_fd93))
    }

    /// The same number as `Streams::uniform(entity, year, purpose, sub)` for
    /// streams made by [`Streams::year_purpose_sub`].
    #[inline]
    pub fn uniform(&self, entity: u64) -> f64 {
        let k = mix(self.prefix ^ entity.wrapping_mul(0xd6e8_feb8_6659_fd93));
        (mix(k) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// SplitMix64 as a plain sequence: the small deterministic generator of
/// sampling and search (Latin hypercubes, the budget search), the same
/// numbers as a [`Stream`] started at the same state.
#[derive(Clone, Debug)]
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GAMMA);
        mix(self.0)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn streams_depend_on_every_key_component() {
        let s = Streams::new(7, 0);
        let base: f64 = s.stream(1, 2010, Purpose::Household).random();
        let others = [
            Streams::new(8, 0)
                .stream(1, 2010, Purpose::Household)
                .random::<f64>(),
            Streams::new(7, 1)
                .stream(1, 2010, Purpose::Household)
                .random::<f64>(),
            s.stream(2, 2010, Purpose::Household).random::<f64>(),
            s.stream(1, 2011, Purpose::Household).random::<f64>(),
            s.stream(1, 2010, Purpose::Targeting).random::<f64>(),
        ];
        for o in others {
            assert_ne!(base, o);
        }
        // Same key, same numbers.
        assert_eq!(base, s.stream(1, 2010, Purpose::Household).random::<f64>());
    }

    #[test]
    fn year_streams_match_streams() {
        let s = Streams::new(11, 3);
        let ys = s.year_purpose(2012, Purpose::Targeting);
        for e in [0u64, 1, 77, 1 << 40] {
            assert_eq!(
                ys.of(e).random::<u64>(),
                s.stream(e, 2012, Purpose::Targeting).random::<u64>()
            );
        }
    }

    #[test]
    fn year_streams_with_a_sub_key_match_streams() {
        let s = Streams::new(5, 2);
        let ys = s.year_purpose_sub(2015, sub::TRANSFERS_TAKE_UP);
        for e in [0u64, 3, 1 << 33] {
            assert_eq!(ys.uniform(e), s.uniform(e, 2015, sub::TRANSFERS_TAKE_UP));
            assert_eq!(
                ys.of(e).random::<u64>(),
                s.stream_sub(e, 2015, sub::TRANSFERS_TAKE_UP)
                    .random::<u64>()
            );
        }
        assert_ne!(ys.uniform(3), s.uniform(3, 2015, sub::EDUCATION_SUBSIDY));
    }

    #[test]
    fn splitmix_is_the_stream_of_its_state() {
        let (mut a, mut b) = (SplitMix(42), Stream::from_key(42));
        for _ in 0..5 {
            assert_eq!(a.next_u64(), rand::Rng::next_u64(&mut b));
        }
    }

    #[test]
    fn sub_streams_are_declared_once_with_unique_keys() {
        let mut keys = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for (name, s) in sub::ALL {
            assert!(names.insert(name), "{name} declared twice");
            assert!(keys.insert(s.purpose_key()), "{name}: key {:?} taken", s);
            // A sub-key fits below the purpose, so no two purposes share keys.
            assert!(s.key > 0 && s.key < 1 << 16, "{name}");
        }
        assert_eq!(sub::ALL.len(), 27);
    }

    #[test]
    fn uniform_is_roughly_uniform() {
        let s = Streams::new(1, 0);
        let n = 100_000;
        let mean: f64 = (0..n)
            .map(|i| s.uniform(i, 2000, sub::CADRES_TIES))
            .sum::<f64>()
            / n as f64;
        assert!((mean - 0.5).abs() < 0.005, "mean {mean}");
    }
}
