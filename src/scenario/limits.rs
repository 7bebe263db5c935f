//! Limits checked before anything is allocated.

use super::Scenario;
use crate::error::{Error, Result};

/// Bytes of one household's state: the widths of the household columns and
/// the modules' own columns (the model's test
/// `memory_budget_is_the_columns_widths` checks the sum against the
/// declarations; the scenario cannot look down at them).
pub const STATE_BYTES_PER_HOUSEHOLD: u64 = 107;

/// Bytes a run needs per household: the state, the sorted incomes for the
/// measures (16), the first-year state (1), and slack for the planning lists.
pub const BYTES_PER_HOUSEHOLD: u64 = STATE_BYTES_PER_HOUSEHOLD + 16 + 1 + 24;

/// Memory available to this process: MemAvailable from /proc/meminfo, or 8 GiB if unknown.
pub fn available_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemAvailable:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(8 << 30)
}

/// Estimated peak memory of one replicate of `sc`, bytes.
pub fn estimate(sc: &Scenario) -> u64 {
    sc.households() * BYTES_PER_HOUSEHOLD + sc.villages as u64 * 256 + (32 << 20)
}

/// Refuse a scenario that would not fit in memory, with the estimate in the message.
pub fn check_memory(sc: &Scenario) -> Result<()> {
    let need = estimate(sc);
    let have = available_memory();
    if need > have {
        let key = if sc.file.simulation.households.is_some() {
            "simulation.households"
        } else {
            "simulation.population"
        };
        return Err(match sc.origins.error(key, "") {
            Error::Input(s) => Error::Input(format!(
                "{s}expected a population that fits in memory: {} households need about {:.1} GiB, {:.1} GiB available",
                sc.households(),
                need as f64 / (1u64 << 30) as f64,
                have as f64 / (1u64 << 30) as f64
            )),
            e => e,
        });
    }
    Ok(())
}
