//! The memory guard, checked before anything is allocated: a run that would
//! not fit is refused with one line naming the estimate and the limit, not
//! aborted half-way by a failed allocation.
//!
//! Three limits can stop a run, and each is compared with its own estimate:
//! - the memory the machine has free (`MemAvailable` in /proc/meminfo) and the
//!   cgroup's limit (v2 `memory.max`, v1 `memory.limit_in_bytes`, less what
//!   the group already uses, at every level up to the root): resident bytes,
//!   [`estimate`];
//! - the address-space limit (`ulimit -v`, RLIMIT_AS), which counts every
//!   mapping, reserved or touched: the process's present size plus
//!   [`estimate_address_space`], in which each worker thread reserves its
//!   stack and a malloc arena ([`ADDRESS_PER_THREAD`]).
//!
//! Figures measured on Linux/glibc (peak RSS and VmPeak through
//! /proc/PID/status, 0.1–3 million households, 1–8 threads): about 136
//! resident bytes a household before the loans grew to 12 bytes (the estimate counts 155), and about 78 MiB of
//! address space for each worker thread beyond the first.

use super::Scenario;
use crate::error::{Error, Result};
use std::path::Path;

/// Bytes of one household's state: the widths of the household columns and
/// the modules' own columns (the model's test
/// `memory_budget_is_the_columns_widths` checks the sum against the
/// declarations; the scenario cannot look down at them).
pub const STATE_BYTES_PER_HOUSEHOLD: u64 = 115;

/// Bytes a run needs per household: the state, the sorted incomes for the
/// measures (16), the first-year state (1), the factors phase one keeps
/// between years (8: the schooling wage factor and the return factor), and
/// slack for the planning lists.
pub const BYTES_PER_HOUSEHOLD: u64 = STATE_BYTES_PER_HOUSEHOLD + 16 + 1 + 8 + 24;

/// Resident bytes per worker thread: its stack and its buffers (the chunk
/// being updated, its part of the sort).
pub const BYTES_PER_THREAD: u64 = 4 << 20;

/// Address space per worker thread: its 2 MiB stack and the 64 MiB that
/// glibc's malloc reserves for a thread's arena, with slack.
pub const ADDRESS_PER_THREAD: u64 = 80 << 20;

/// Fixed needs of a run: the program, the scenario, the village tables.
const BASE_BYTES: u64 = 32 << 20;

/// A limit on memory: the bytes left under it and what it is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limit {
    pub bytes: u64,
    pub source: &'static str,
}

/// Worker threads a run will use: `RAYON_NUM_THREADS`, else the cores
/// available (asking rayon would start its pool).
pub fn threads() -> u64 {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u64))
}

/// MemAvailable from /proc/meminfo.
fn mem_available() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/meminfo").ok()?;
    kb_field(&s, "MemAvailable:")
}

/// A `Name:  1234 kB` field of /proc/meminfo or /proc/self/status, in bytes.
fn kb_field(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map(|kb| kb * 1024)
}

/// Bytes left under the cgroup memory limits of this process, if any: the
/// smallest `limit − usage` from its group up to the root of the hierarchy
/// mounted at `root` (v2 `memory.max`/`memory.current`; v1 under `memory/`,
/// `memory.limit_in_bytes`/`memory.usage_in_bytes`). `proc_cgroup` is the
/// text of /proc/self/cgroup.
pub fn cgroup_available_in(root: &Path, proc_cgroup: &str) -> Option<u64> {
    let mut best: Option<u64> = None;
    let read = |p: &Path| -> Option<u64> {
        let s = std::fs::read_to_string(p).ok()?;
        let v = s.trim().parse::<u64>().ok()?;
        // v1 writes "no limit" as a page-rounded i64::MAX.
        (v < 1 << 62).then_some(v)
    };
    for line in proc_cgroup.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let (top, limit_file, usage_file) = if id == "0" && controllers.is_empty() {
            (root.to_path_buf(), "memory.max", "memory.current")
        } else if controllers.split(',').any(|c| c == "memory") {
            (
                root.join("memory"),
                "memory.limit_in_bytes",
                "memory.usage_in_bytes",
            )
        } else {
            continue;
        };
        let mut dir = top.join(path.trim_start_matches('/'));
        loop {
            if let Some(limit) = read(&dir.join(limit_file)) {
                let used = read(&dir.join(usage_file)).unwrap_or(0);
                let left = limit.saturating_sub(used);
                best = Some(best.map_or(left, |b| b.min(left)));
            }
            if dir == top || !dir.pop() || !dir.starts_with(&top) {
                break;
            }
        }
    }
    best
}

/// The address space left under RLIMIT_AS (`ulimit -v`), if it is limited.
fn address_space_left() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes the struct it is given.
        if unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut lim) } != 0
            || lim.rlim_cur == libc::RLIM_INFINITY
        {
            return None;
        }
        let size = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| kb_field(&s, "VmSize:"))
            .unwrap_or(0);
        let cur: u64 = lim.rlim_cur;
        Some(cur.saturating_sub(size))
    }
    #[cfg(not(unix))]
    None
}

/// The tightest limit on resident memory: MemAvailable or the cgroup's
/// (8 GiB if neither can be read).
pub fn resident_limit() -> Limit {
    let mut best = Limit {
        bytes: 8 << 30,
        source: "assumed",
    };
    let mut known = false;
    if let Some(b) = mem_available() {
        best = Limit {
            bytes: b,
            source: "MemAvailable",
        };
        known = true;
    }
    let cgroup = std::fs::read_to_string("/proc/self/cgroup")
        .ok()
        .and_then(|t| cgroup_available_in(Path::new("/sys/fs/cgroup"), &t));
    if let Some(b) = cgroup
        && (!known || b < best.bytes)
    {
        best = Limit {
            bytes: b,
            source: "the cgroup's memory limit",
        };
    }
    best
}

/// Memory available to this process, bytes (see [`resident_limit`]).
pub fn available_memory() -> u64 {
    resident_limit().bytes
}

/// How many replicates' states of `sc` may be held at once by an experiment
/// that keeps several (side by side, or a shared history each): as many as
/// fit in a quarter of the memory available, so the run itself keeps room.
pub fn replicates_held(sc: &Scenario) -> u64 {
    available_memory() / 4 / sc.households().max(1).saturating_mul(BYTES_PER_HOUSEHOLD)
}

/// Estimated peak resident memory of one replicate of `sc` on `threads` workers, bytes.
pub fn estimate_with(sc: &Scenario, threads: u64) -> u64 {
    sc.households()
        .saturating_mul(BYTES_PER_HOUSEHOLD)
        .saturating_add(sc.villages as u64 * 256)
        .saturating_add(threads.saturating_mul(BYTES_PER_THREAD))
        .saturating_add(BASE_BYTES)
}

/// Estimated peak resident memory of one replicate of `sc`, bytes.
pub fn estimate(sc: &Scenario) -> u64 {
    estimate_with(sc, threads())
}

/// Estimated address space a replicate of `sc` adds to the process, bytes.
pub fn estimate_address_space(sc: &Scenario, threads: u64) -> u64 {
    estimate_with(sc, 0).saturating_add(threads.saturating_mul(ADDRESS_PER_THREAD))
}

/// Refuse a scenario that would not fit, with the estimate and the limit in the message.
pub fn check_memory(sc: &Scenario) -> Result<()> {
    let t = threads();
    let resident = resident_limit();
    let need = estimate_with(sc, t);
    if need > resident.bytes {
        return Err(refusal(sc, need, resident));
    }
    if let Some(left) = address_space_left() {
        let need = estimate_address_space(sc, t);
        if need > left {
            return Err(refusal(
                sc,
                need,
                Limit {
                    bytes: left,
                    source: "address space left under ulimit -v (RLIMIT_AS)",
                },
            ));
        }
    }
    Ok(())
}

fn refusal(sc: &Scenario, need: u64, limit: Limit) -> Error {
    let key = if sc.file.simulation.households.is_some() {
        "simulation.households"
    } else {
        "simulation.population"
    };
    let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
    sc.origins.error(
        key,
        format!(
            "expected a population that fits in memory: {} households need about {:.1} GiB, {:.1} GiB available ({})",
            sc.households(),
            gib(need),
            gib(limit.bytes),
            limit.source
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake cgroup tree: limits at two levels, the tighter one wins, less
    /// what is used; "max" and v1's "no limit" are no limit.
    #[test]
    fn cgroup_limits_are_read_at_every_level() {
        let root = std::env::temp_dir().join(format!("povsim-cgroup-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let leaf = root.join("a/b");
        std::fs::create_dir_all(&leaf).unwrap();
        let w = |p: &Path, f: &str, v: &str| std::fs::write(p.join(f), v).unwrap();
        w(&root.join("a"), "memory.max", "1000000\n");
        w(&root.join("a"), "memory.current", "100000\n");
        w(&leaf, "memory.max", "max\n");
        w(&leaf, "memory.current", "50000\n");
        assert_eq!(cgroup_available_in(&root, "0::/a/b\n"), Some(900_000));
        w(&leaf, "memory.max", "400000\n");
        assert_eq!(cgroup_available_in(&root, "0::/a/b\n"), Some(350_000));
        assert_eq!(cgroup_available_in(&root, "0::/\n"), None);
        // cgroup v1, the memory controller among others.
        let v1 = root.join("memory/job");
        std::fs::create_dir_all(&v1).unwrap();
        w(&v1, "memory.limit_in_bytes", "2000000\n");
        w(&v1, "memory.usage_in_bytes", "500000\n");
        w(
            &root.join("memory"),
            "memory.limit_in_bytes",
            "9223372036854771712\n",
        );
        assert_eq!(
            cgroup_available_in(&root, "5:cpu,memory:/job\n3:pids:/job\n"),
            Some(1_500_000)
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
