//! Household and village state, one contiguous column per field (struct of
//! arrays), so the yearly update streams through memory chunk by chunk.
//! Narrow types (u8 counts, f32 amounts) keep a household near 100 bytes.
//! Each column is declared once, here; [`super::columns`] lists, writes and
//! reads them by name (saved states, survey imports).

use super::columns::{Column, Declared};

/// Households per chunk of the parallel update and of population synthesis
/// (fixed: results must not depend on threads).
pub const CHUNK: usize = 4096;

/// Income sources, in the order of every per-source table: the column name
/// (income_sources.csv, the household columns, stories.json), and the label
/// on charts ([`SOURCE_LABELS`]).
pub const SOURCES: [&str; 6] = [
    "farm",
    "wage",
    "migrant",
    "enterprise",
    "tourism",
    "transfers",
];

/// How charts name the [`SOURCES`], in the same order.
pub const SOURCE_LABELS: [&str; 6] = [
    "farming",
    "local wages",
    "migrant work",
    "enterprise",
    "tourism",
    "transfers",
];

/// The declared columns listed with their docs and seen by name
/// ([`super::columns`]), inside an `impl` of a table of columns.
macro_rules! column_access {
    ($( $(#[doc = $doc:literal])* $name:ident : $ty:ty $([$watch:ident])? ),*) => {
        /// Every column, in the order declared: its name, its doc and
        /// whether a module's plan may change it (`[watch]`).
        pub const COLUMNS: &'static [Declared] = &[
            $( Declared {
                name: stringify!($name),
                doc: concat!($($doc,)* ""),
                watch: crate::scenario::keys::marked(stringify!($($watch)?)),
            }, )*
        ];

        /// Row `i`'s value in column `k` of [`Self::COLUMNS`] (exact for
        /// every column narrower than 24 bits).
        pub fn column(&self, k: usize, i: usize) -> f32 {
            let mut j = 0;
            $(
                if j == k {
                    return super::columns::Cell::as_f32(self.$name[i]);
                }
                j += 1;
            )*
            let _ = j;
            f32::NAN
        }

        /// Every column by name, as text ([`Column`]), in the order declared.
        pub fn columns(&self) -> Vec<(&'static str, &dyn Column)> {
            vec![$( (stringify!($name), &self.$name as &dyn Column) ),*]
        }

        /// Every column by name, to be filled from text, in the order declared.
        pub fn columns_mut(&mut self) -> Vec<(&'static str, &mut dyn Column)> {
            vec![$( (stringify!($name), &mut self.$name as &mut dyn Column) ),*]
        }
    };
}

/// The household columns, each declared once: `name: type`, and `[watch]`
/// for a column a module's plan may change (a watched household's snapshot
/// holds those, see `engine::WatchSnap`).
macro_rules! columns {
    ($( $(#[doc = $doc:literal])* $name:ident : $ty:ty $([$watch:ident])? ),* $(,)?) => {
        /// Household columns. Index `i` is household `i` in every column.
        #[derive(Clone, Debug, Default)]
        pub struct Households {
            $( $(#[doc = $doc])* pub $name: Vec<$ty>, )*
        }

        /// A contiguous range of households, every column borrowed mutably;
        /// the engine updates chunks in parallel.
        pub struct Chunk<'a> {
            /// Index of the chunk's first household.
            pub offset: usize,
            $( $(#[doc = $doc])* pub $name: &'a mut [$ty], )*
        }

        impl Chunk<'_> {
            /// The number of households in the chunk, having checked that
            /// every column has it: inlined into a loop over `0..len`, the
            /// check lets the compiler drop the bounds check of every
            /// column access in the loop.
            #[inline(always)]
            pub fn len(&self) -> usize {
                let n = self.village.len();
                $( assert_eq!(self.$name.len(), n, "columns have equal lengths"); )*
                n
            }

            /// Whether the chunk is empty.
            #[inline(always)]
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }
        }

        impl Households {
            /// Bytes of state per household: the sum of the column widths.
            pub const BYTES_PER_HOUSEHOLD: usize = 0 $( + std::mem::size_of::<$ty>() )*;

            column_access!($( $(#[doc = $doc])* $name : $ty $([$watch])? ),*);

            /// `n` households with every column zeroed.
            pub fn with_len(n: usize) -> Self {
                Households { $( $name: vec![<$ty>::default(); n], )* }
            }

            /// Split every column into chunks of `size` households.
            pub fn chunks_mut(&mut self, size: usize) -> Vec<Chunk<'_>> {
                let len = self.len();
                $( debug_assert_eq!(self.$name.len(), len); let mut $name = self.$name.chunks_mut(size); )*
                let mut out = Vec::with_capacity(len.div_ceil(size));
                let mut offset = 0;
                while offset < len {
                    out.push(Chunk {
                        offset,
                        $( $name: $name.next().expect("columns have equal lengths"), )*
                    });
                    offset += size;
                }
                out
            }
        }
    };
}

columns! {
    village: u32,
    adults: u8,
    children: u8,
    elderly: u8,
    /// Adults working away this year (still members).
    migrants: u8 [watch],
    /// Adults' mean years of schooling.
    schooling: f32,
    /// Schooling the current children are on track to complete (years).
    child_schooling: f32,
    skill: f32 [watch],
    health: f32,
    ability: f32,
    land: f32,
    assets: f32 [watch],
    savings: f32 [watch],
    debt: f32 [watch],
    credit: f32,
    awareness: f32 [watch],
    motivation: f32,
    /// This year's incomes by source (yuan per household-year).
    farm: f32,
    wage: f32 [watch],
    migrant: f32 [watch],
    enterprise: f32 [watch],
    tourism: f32,
    transfers: f32,
    /// Medical cost paid this year (out of pocket).
    medical: f32 [watch],
    /// Per-capita net income this year (after transfers).
    income_pc: f32,
    /// Per-capita income before the guarantee this year (market income plus
    /// pensions), set at the end of phase one: the modules' means tests read
    /// this one column instead of gathering seven.
    pre_pc: f32 [watch],
    /// Help planned for this year by the modules, paid in phase two (yuan).
    received: f32 [watch],
    /// Flags (see [`flag`]).
    flags: u8 [watch],
    /// Tourism company shares held (yuan of equity): the tourism module
    /// grants them, the household update pays their dividends.
    shares: f32 [watch],
    /// Student subsidy received this year, in 255ths of the full subsidy: the
    /// education module pays it, the household update turns it into
    /// enrolment (read and cleared in phase two).
    student_aid: u8 [watch],
}

/// Bits of [`Households::flags`].
pub mod flag {
    /// On the poor register.
    pub const REGISTERED: u8 = 1;
    /// Poor last year (per-capita income under the line).
    pub const POOR: u8 = 2;
    /// Ill this year.
    pub const ILL: u8 = 4;
    /// Relocated to a resettlement site.
    pub const RELOCATED: u8 = 8;
    /// Received the minimum living guarantee last year ("rely and wait").
    pub const ON_GUARANTEE: u8 = 16;
    /// Crop loss this year.
    pub const CROP_LOSS: u8 = 32;
    /// A migrant lost the job this year.
    pub const JOB_LOSS: u8 = 64;
    /// Connected to the village cadres (related or visible): drawn at
    /// population synthesis, favoured by the appraisal when `capture` is on.
    pub const CONNECTED: u8 = 128;
}

impl Households {
    pub fn len(&self) -> usize {
        self.village.len()
    }

    pub fn is_empty(&self) -> bool {
        self.village.is_empty()
    }

    #[inline]
    pub fn members(&self, i: usize) -> u32 {
        self.adults[i] as u32 + self.children[i] as u32 + self.elderly[i] as u32
    }

    /// Pre-transfer (market) income of household `i` this year.
    #[inline]
    pub fn market_income(&self, i: usize) -> f32 {
        self.farm[i] + self.wage[i] + self.migrant[i] + self.enterprise[i] + self.tourism[i]
    }
}

/// The village columns, each declared once: `name: type`.
macro_rules! village_columns {
    ($( $(#[doc = $doc:literal])* $name:ident : $ty:ty ),* $(,)?) => {
        /// Village table (a few hundred rows; not performance critical).
        #[derive(Clone, Debug, Default)]
        pub struct Villages {
            $( $(#[doc = $doc])* pub $name: Vec<$ty>, )*
        }

        impl Villages {
            column_access!($( $(#[doc = $doc])* $name : $ty ),*);
        }
    };
}

village_columns! {
    /// Distance to market, 0 (county seat) to 1 (remote mountain).
    remoteness: f32,
    /// Road access, 0 (none) to 1 (paved all-weather road).
    road: f32,
    /// Share of households with safe drinking water.
    water: f32,
    /// Share of land irrigated.
    irrigation: f32,
    /// School quality, 0 to 1.
    school_quality: f32,
    /// 1 if the village has a clinic.
    clinic: f32,
    /// Tourism potential, 0 to 1.
    tourism_potential: f32,
    /// Tourism capacity built so far (0 to 1).
    tourism_capacity: f32,
    /// Arable land per person, mu.
    land_per_person: f32,
    /// Annual probability of a drought.
    drought_risk: f32,
    /// Quality of the village cadres, 0 to 1.
    cadre_quality: f32,
    /// Drought this year.
    drought: bool,
}

impl Villages {
    pub fn len(&self) -> usize {
        self.remoteness.len()
    }

    pub fn is_empty(&self) -> bool {
        self.remoteness.is_empty()
    }

    /// Market access: road quality times closeness to market, 0 to 1.
    #[inline]
    pub fn access(&self, v: usize) -> f32 {
        self.road[v] * (1.0 - 0.6 * self.remoteness[v])
    }

    /// Tourism activity (visitors) of village `k`, 0 to 1: capacity ×
    /// potential × road access, roads weighing `road_weight` (the tourism
    /// module builds capacity; the household update pays from activity).
    #[inline]
    pub fn tourism_activity(&self, k: usize, road_weight: f32) -> f32 {
        self.tourism_capacity[k]
            * self.tourism_potential[k]
            * (1.0 - road_weight + road_weight * self.road[k])
    }
}
