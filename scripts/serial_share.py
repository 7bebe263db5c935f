#!/usr/bin/env python3
"""The serial share of a povsim run: how much of a 1-thread run is spent
outside rayon's parallel regions (issue 16, target 3; docs/PERFORMANCE.md,
round five).

Runs `perf record` (cpu-clock sampling, DWARF call graphs) on one `povsim
run` of a scenario (by default the targeted package through its chain at
1,000,000 households × 10 years, as scripts/perf.py runs it), then reads
every sample's stack with `perf script`. A sample is parallel when a frame
of its stack is inside a rayon parallel region (the bridge of a parallel
iterator, a join, a parallel sort); otherwise it is serial, and it is put
in the row of the innermost povsim source file on its stack (a module, the
engine, population synthesis, ...). Shares are of all the run's samples;
with ~9,000 samples one sample is about 0.01% of the run.

Samples count only the time the process runs, so the share hardly depends
on the machine's load. On 1 thread it is what Amdahl's law calls the
serial fraction of the code; a 2-thread run is slower than Amdahl's
prediction by whatever makes the parallel regions themselves less than
twice as fast (memory bandwidth, imbalance, waking the other thread).

Usage (from the repository root; needs perf and a release build with debug
info, which Cargo.toml's release profile has):
  scripts/serial_share.py                          # the package, 1M households, 1 thread
  scripts/serial_share.py --binary /tmp/povsim-old # another build, the same run
  scripts/serial_share.py --scenario scenarios/l_county.toml --population 3800000
Options: --binary PATH, --scenario FILE, --population P (people: about 3.8
a household), --threads T, --freq HZ (default 1999), --keep DIR (keep
perf's files there).
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from perf import ROOT, sized  # noqa: E402  (the chain copy perf.py runs)

# Frames that only run inside a parallel region.
PARALLEL = (
    "bridge_producer_consumer",
    "bridge_unindexed",
    "join_context",
    "rayon_core::join::",
    "rayon_core::scope",
    "rayon::slice::quicksort",
    "rayon::slice::mergesort",
    "rayon::iter::plumbing",
)

# Innermost povsim source file → row. Helpers (select.rs, state.rs, rng.rs)
# are skipped so that their time goes to the module that called them.
ROWS = {
    "targeting.rs": "targeting",
    "appraisal.rs": "targeting",
    "transfers.rs": "guarantee (transfers)",
    "microfinance.rs": "microfinance",
    "education.rs": "education",
    "publicity.rs": "publicity",
    **{
        f: "other modules"
        for f in (
            "health.rs",
            "tourism.rs",
            "relocation.rs",
            "welfare_jobs.rs",
            "labour_export.rs",
            "infrastructure.rs",
            "cadres.rs",
        )
    },
    "population.rs": "population synthesis",
    "sample.rs": "population synthesis",
    "engine.rs": "engine (the year's step, the income sort)",
    "measures.rs": "engine (the year's step, the income sort)",
    "recorder.rs": "records and tables",
    "tables.rs": "records and tables",
}
KERNEL_FREE = ("unmap", "zap_", "free_", "folio", "tlb_", "__tlb", "vms_", "do_vmi", "release_pages")


def samples(text: str):
    """Each sample as a list of (function, "file:line") frames, innermost first."""
    cur, last = None, None
    for line in text.splitlines():
        if not line.strip():
            if cur is not None:
                yield cur
            cur = None
        elif not line.startswith((" ", "\t")):
            cur = []
        elif line.startswith("\t"):
            parts = line.strip().split(None, 1)
            last = [parts[1] if len(parts) > 1 else "?", ""]
            cur.append(last)
        elif last is not None:
            last[1] = line.strip().split()[0]
    if cur is not None:
        yield cur


def row_of(frames) -> str:
    names = [n for n, _ in frames]
    for _, loc in frames:
        f = loc.split(":")[0]
        if f in ROWS:
            return ROWS[f]
        if f == "experiment.rs":
            if any(n.startswith(KERNEL_FREE) for n in names[:8]):
                return "freeing the simulation at the end"
            return "records and tables"
    if any(k in n for n in names for k in ("scenario::", "cli::", "toml", "serde")):
        return "start-up (reading the scenario chain)"
    if any("output::" in n for n in names):
        return "records and tables"
    return "other (libc, kernel)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=str(ROOT / "target/release/povsim"))
    ap.add_argument("--scenario", default="scenarios/l_county_targeted.toml")
    ap.add_argument("--population", type=int, default=3_800_000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--freq", type=int, default=1999)
    ap.add_argument("--keep", default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        file, sets = sized(args.scenario, "population", args.population, work)
        out = work / "out"
        data = work / "perf.data"
        subprocess.run(
            ["perf", "record", "-q", "-F", str(args.freq), "-e", "cpu-clock", "--call-graph", "dwarf,32768",
             "-o", str(data), args.binary, "run", file, *sets, "--replicates", "1", "--no-charts",
             "--quiet", "--threads", str(args.threads), "--out", str(out)],
            check=True,
            cwd=ROOT,
        )
        text = subprocess.run(
            ["perf", "script", "-i", str(data), "-F", "tid,ip,sym,srcline"],
            check=True, capture_output=True, text=True,
        ).stdout
        households = json.loads((out / "summary.json").read_text())["households"]
    total, rows = 0, collections.Counter()
    for frames in samples(text):
        total += 1
        if not any(p in n for n, _ in frames for p in PARALLEL):
            rows[row_of(frames)] += 1
    serial = sum(rows.values())
    print(f"{args.scenario}, {households:,} households, {args.threads} thread(s): "
          f"{total:,} samples, serial {serial:,} ({serial / max(total, 1):.2%})")
    print("| serial part | samples | share of the run |")
    print("|---|---|---|")
    for name, n in rows.most_common():
        print(f"| {name} | {n} | {n / total:.2%} |")


if __name__ == "__main__":
    main()
