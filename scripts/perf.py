#!/usr/bin/env python3
"""Performance measurements of povsim (issue 7), through the CLI.

Runs the built binary (`cargo build --release` first) on the targets below,
each configuration N times (default 3), and prints one markdown table per
target with the medians: households, years, replicates, threads, process wall
time, the run's own wall time and household-years per second (summary.json),
ns per household-year, peak resident memory of the whole process (outputs
included) in MB and in bytes per household.

Targets (all with `--no-charts` except the start-up run "with charts"):
  1  Throughput: the full model (scenarios/l_county_targeted.toml, every module
     on) and the baseline (scenarios/l_county.toml) at 1,000,000 households
     for 10 years, 2 threads.
  2  Parallel efficiency: the full model and the baseline at 1,000,000
     households, 10 years, on 1 thread and on 2 (speed-up and efficiency =
     speed-up / 2).
  3  Linear scaling: the full model for 10 years at 10k, 100k, 1M and 10M
     households, 2 threads (ns per household-year should stay flat).
  4  Memory: peak RSS per household at 10,000,000 households (10 years), and
     at 1,000,000 households for 10, 15, 20 years and 1, 2, 4 replicates
     (should stay flat in years and replicates; a branched package needs
     its branch year, 2014, within the run).
  5  Small populations, many runs: 1,000 replicates of the full model at 2,000
     households for 20 years (parallel over replicates), 2 threads, in the
     county's 631 villages and in 20 villages.
  7  The full county as calibrate and sensitivity run it (issue 16's target
     4): scenarios/l_county_targeted.toml at its own size (161,842
     households, 2008–2020: the history to 2013, the package from 2014), 5
     replicates, 2 threads and 1; runs (replicates) per second. Then
     l_county.toml (2008–2014) as calibrate runs it, and the package as
     `povsim sensitivity` runs it (a small Morris design, every point's
     runs 2014–2020 forked from one run of the history per replicate).
  6  Start-up: `povsim run scenarios/classroom.toml` at 200 households (its own
     15 years and 3 replicates), process wall time, with --no-charts and with
     charts and report (target < 100 ms); at least 5 repetitions, after one
     unrecorded warm-up run.

Identical configurations are run once and shared between targets (e.g. the
1M full-model 2-thread run of targets 1 and 2). The full set takes a while
(the 10M runs need ~2+ GB of memory); `--quick` uses 1 repetition and skips
runs above 1,000,000 households.

Usage (from the repository root; Python 3.11, standard library only):
  scripts/perf.py                       # build, then every target, 3 repetitions
  scripts/perf.py --quick               # 1 repetition, no 10M run
  scripts/perf.py --targets 3,4 --reps 5
  scripts/perf.py --quick --max-households 100000      # smoke test: small runs only
  scripts/perf.py --quick --large-households 100000 --sizes 10000,100000 \\
      --many-replicates 20              # smoke test of every target, shrunk
  scripts/perf.py --json perf.json      # also write every raw measurement

Options: --reps N, --quick, --targets LIST, --threads T (default 2; target 2
also runs 1), --sizes LIST (target 3 households), --large-households N (the
1M of targets 1, 2, 4), --memory-households N (the 10M of target 4),
--many-replicates N (the 1,000 of target 5), --max-households N (skip larger
runs), --binary PATH, --no-build, --json FILE, --timeout S (per run,
default 3600), --keep-going.

Household counts are reached through `--set simulation.population=P` with P =
households × the scenario's expected household size (read once through
`povsim validate`), or `--set simulation.households=N` where the file gives
households; the tables report the households povsim actually ran. A file
that `extends` another (l_county_targeted.toml branches from the status quo,
which branches from l_county.toml, in 2014; povsim refuses a `--set` of the
size that differs from the history's) is run as it really runs, history and
package on the same households, only more of them: perf copies its chain of
files into the run's temporary directory and sets the size once, at the
chain's root (`sized`). So "full model, 10 years" is 2008–2017: six years of
the shared history (l_county.toml's settings) and four of the package. Outputs go
to temporary directories, removed after each run. Peak RSS comes from
wait4(2) on the child process (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FULL = "scenarios/l_county_targeted.toml"
BASE = "scenarios/l_county.toml"
CLASSROOM = "scenarios/classroom.toml"
# Years of the full model's scaling and memory runs: the package branches
# from the history in 2014 (health and welfare jobs from 2016), so a run of
# 5 years from 2008 would measure the history alone.
FULL_YEARS = 10


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def parse_count(text: str) -> int:
    t = text.strip().lower().replace("_", "").replace(",", "")
    mult = 1
    for suffix, m in (("k", 1_000), ("m", 1_000_000)):
        if t.endswith(suffix):
            t, mult = t[: -len(suffix)], m
    try:
        return int(float(t) * mult)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a count such as 10000, 100k or 1M, got {text!r}")


def parse_counts(text: str) -> list[int]:
    return [parse_count(x) for x in text.split(",") if x.strip()]


@dataclass(frozen=True)
class Config:
    scenario: str
    households: int
    years: int | None  # None: the scenario's own
    replicates: int | None
    threads: int
    charts: bool = False
    villages: int | None = None  # None: the scenario's own
    # households = 0: the scenario's own size (no override)


@dataclass
class Sample:
    process_wall_s: float
    run_wall_s: float
    hy_per_s: float
    households: int
    years: int
    replicates: int
    threads: int
    peak_rss_bytes: int


@dataclass
class Result:
    config: Config
    samples: list[Sample] = field(default_factory=list)
    skipped: str | None = None

    def med(self, attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in self.samples)


def extends_of(text: str) -> str | None:
    """The `extends = "..."` of a scenario file's text (top level, before any table)."""
    head = re.split(r"(?m)^\s*\[", text, maxsplit=1)[0]
    m = re.search(r'(?m)^\s*extends\s*=\s*"([^"]*)"', head)
    return m.group(1) if m else None


def sized(scenario: str, key: str, n: int, tmp: Path) -> tuple[str, list[str]]:
    """The file to run and the `--set`s that size `scenario` at `n` (`key`:
    "population" or "households"), whole timeline included.

    A file that extends nothing takes `--set simulation.KEY=n`. A file that
    `extends` another (a branched package: its years before the branch year
    are the history's, and povsim refuses a size that differs from the
    history's) is run as a copy of its whole chain in `tmp`, with the size
    set at the chain's root: the same households for history and package,
    as the package really runs (history + package), only more of them."""
    path = ROOT / scenario
    text = path.read_text()
    if extends_of(text) is None:
        return scenario, ["--set", f"simulation.{key}={n}"]
    chain: list[tuple[Path, str]] = []  # (original file, its text), child first
    while True:
        chain.append((path, text))
        parent = extends_of(text)
        if parent is None:
            break
        path = (path.parent / parent).resolve()
        text = path.read_text()
    names = [f"{k}_{p.name}" for k, (p, _) in enumerate(chain)]
    for k, (p, t) in enumerate(chain[:-1]):
        # Each copy extends the copy of its parent (the same merge, one directory).
        t = re.sub(r'(?m)^(\s*extends\s*=\s*)"[^"]*"', lambda m: f'{m.group(1)}"{names[k + 1]}"', t, count=1)
        (tmp / names[k]).write_text(t)
    root, _ = chain[-1]
    # The root's copy is the root itself with the size replaced (a file layer
    # that sets `households` replaces an inherited `population`, and back).
    (tmp / names[-1]).write_text(
        f'extends = "{root.resolve()}"\n\n[simulation]\n{key} = {n}\n'
    )
    return str(tmp / names[0]), []


class Runner:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.binary = Path(args.binary)
        self.cache: dict[Config, Result] = {}
        self.sizing: dict[str, tuple[str, float]] = {}

    def size_key(self, scenario: str) -> tuple[str, float]:
        """("population", people per household) or ("households", 1.0)."""
        if scenario in self.sizing:
            return self.sizing[scenario]
        probe = 1_000_000
        with tempfile.TemporaryDirectory(prefix="povsim-perf-") as tmp:
            file, sets = sized(scenario, "population", probe, Path(tmp))
            p = subprocess.run(
                [str(self.binary), "validate", file, *sets],
                cwd=ROOT, capture_output=True, text=True,
            )
            m = re.search(r"\((\d+) villages, (\d+) households", p.stderr + p.stdout)
            if p.returncode == 0 and m and int(m.group(2)) > 0:
                key = ("population", probe / int(m.group(2)))
            else:
                file, sets = sized(scenario, "households", 100, Path(tmp))
                p = subprocess.run(
                    [str(self.binary), "validate", file, *sets],
                    cwd=ROOT, capture_output=True, text=True,
                )
                if p.returncode != 0:
                    raise SystemExit(f"perf: cannot size {scenario}:\n{p.stderr}")
                key = ("households", 1.0)
        self.sizing[scenario] = key
        return key

    def command(self, c: Config, out: Path) -> list[str]:
        if c.households == 0:
            file, sets = c.scenario, []
        else:
            key, size = self.size_key(c.scenario)
            n = round(c.households * size) if key == "population" else c.households
            file, sets = sized(c.scenario, key, n, out.parent)
        cmd = [str(self.binary), "run", file, *sets]
        if c.years is not None:
            cmd += ["--set", f"simulation.years={c.years}"]
        if c.villages is not None:
            cmd += ["--set", f"simulation.villages={c.villages}"]
        if c.replicates is not None:
            cmd += ["--replicates", str(c.replicates)]
        if not c.charts:
            cmd.append("--no-charts")
        cmd += ["--threads", str(c.threads), "--out", str(out), "--quiet"]
        return cmd

    def once(self, c: Config) -> Sample:
        tmp = Path(tempfile.mkdtemp(prefix="povsim-perf-"))
        try:
            out = tmp / "out"
            cmd = self.command(c, out)
            # stderr to a file, not a pipe: a chatty child must never block on a full pipe.
            errpath = tmp / "stderr.txt"
            with open(errpath, "wb") as errf:
                t0 = time.perf_counter()
                proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errf)
                timer = threading.Timer(self.args.timeout, proc.kill)
                timer.start()
                try:
                    # wait4 reaps the child and gives its peak RSS (ru_maxrss, KiB on Linux).
                    _, status, usage = os.wait4(proc.pid, 0)
                except BaseException:
                    proc.kill()
                    proc.wait()
                    raise
                finally:
                    timer.cancel()
                wall = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode != 0:
                tail = errpath.read_text(errors="replace").strip().splitlines()[-10:]
                why = f" (killed after --timeout {self.args.timeout:g} s)" if wall >= self.args.timeout else ""
                raise RuntimeError(f"exit {proc.returncode}{why}: {' '.join(cmd)}\n" + "\n".join(tail))
            s = json.loads((out / "summary.json").read_text())
            return Sample(
                process_wall_s=wall,
                run_wall_s=float(s["wall_time_s"]),
                hy_per_s=float(s["household_years_per_second"]),
                households=int(s["households"]),
                years=int(s["years"]),
                replicates=int(s["replicates"]),
                threads=int(s["threads"]),
                peak_rss_bytes=usage.ru_maxrss * 1024,
            )
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def measure(self, c: Config, reps: int | None = None, warmup: bool = False) -> Result:
        reps = reps or self.args.reps
        cached = self.cache.get(c)
        if cached is not None and (cached.skipped or len(cached.samples) >= reps):
            return cached
        r = cached or Result(c)
        if c.households > self.args.max_households:
            r.skipped = f"skipped: {c.households:,} households > --max-households"
            self.cache[c] = r
            return r
        label = (
            f"{Path(c.scenario).stem} {f'{c.households:,}' if c.households else 'file'} hh × {c.years or 'file'} y × "
            f"{c.replicates or 'file'} rep, {c.threads} thr{', charts' if c.charts else ''}"
        )
        try:
            if warmup and not r.samples:
                log(f"  warm-up: {label}")
                self.once(c)
            while len(r.samples) < reps:
                log(f"  run {len(r.samples) + 1}/{reps}: {label}")
                s = self.once(c)
                log(f"    {s.process_wall_s:.3f} s, {s.hy_per_s / 1e6:.3f} M hh-y/s, "
                    f"{s.peak_rss_bytes / 1e6:.1f} MB")
                r.samples.append(s)
        except RuntimeError as e:
            if not self.args.keep_going:
                raise SystemExit(f"perf: {e}")
            log(f"perf: {e}")
            if not r.samples:
                r.skipped = "failed"
        self.cache[c] = r
        return r


HEADER = (
    "| {first} | households | years | replicates | threads | process wall s | run wall s "
    "| household-years/s | ns per household-year | peak RSS MB | bytes per household |"
)


def table(first: str, rows: list[tuple[str, Result]]) -> str:
    lines = [HEADER.format(first=first), "|" + " --- |" * 11]
    for name, r in rows:
        c = r.config
        if r.skipped or not r.samples:
            lines.append(
                f"| {name} | {c.households:,} | {c.years or ''} | {c.replicates or ''} | {c.threads} "
                f"| {r.skipped or 'no data'} | | | | | |"
            )
            continue
        s0 = r.samples[0]
        hy = r.med("hy_per_s")
        rss = r.med("peak_rss_bytes")
        lines.append(
            f"| {name} | {s0.households:,} | {s0.years} | {s0.replicates} | {s0.threads} "
            f"| {r.med('process_wall_s'):.3f} | {r.med('run_wall_s'):.3f} | {hy:,.0f} "
            f"| {1e9 / hy:,.1f} | {rss / 1e6:,.1f} | {rss / s0.households:,.0f} |"
        )
    n = max((len(r.samples) for _, r in rows), default=0)
    if n == 0:
        return "\n".join(lines)
    lines.append("")
    lines.append(f"Medians of {n} repetition(s). MB = 10^6 bytes. Household-years/s and run wall s are povsim's "
                 "(summary.json: engine and tables, not process start or charts).")
    return "\n".join(lines)


def sensitivity_rate(binary: Path, threads: int, reps: int, timeout: float) -> str:
    """The full county's runs per second as `povsim sensitivity` runs them:
    a Morris design of 2 trajectories (2 × (keys + 1) points) × 2
    replicates of the targeted package, every point's runs forked from one
    run of the history per replicate. Median of `reps` analyses, from the
    command's own wall time (the history included)."""
    rates, walls = [], []
    for _ in range(reps):
        with tempfile.TemporaryDirectory(prefix="povsim-perf-") as tmp:
            p = subprocess.run(
                [str(binary), "sensitivity", FULL, "--method", "morris", "--samples", "2",
                 "--replicates", "2", "--threads", str(threads), "--out", str(Path(tmp) / "s")],
                cwd=ROOT, capture_output=True, text=True, timeout=timeout,
            )
        m = re.search(r"× (\d+) replicates: (\d+) points .* in ([\d.]+) s", p.stdout)
        if p.returncode != 0 or not m:
            return f"sensitivity: the run failed:\n{p.stderr.strip()}"
        runs = int(m.group(1)) * int(m.group(2))
        walls.append(float(m.group(3)))
        rates.append(runs / walls[-1])
    return (f"as `povsim sensitivity` runs it ({threads} threads; Morris, 2 trajectories × 2 "
            f"replicates, {runs} runs of 2014–2020 forked from the history, median of {reps}): "
            f"**{statistics.median(rates):.2f} runs per second** "
            f"({statistics.median(walls):.1f} s an analysis, the history's runs included).")


def main() -> int:
    ap = argparse.ArgumentParser(
        description="povsim performance measurements (issue 7); see the top of this file.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--reps", type=int, default=None, help="repetitions per configuration (default 3; 1 with --quick)")
    ap.add_argument("--quick", action="store_true", help="1 repetition, skip runs above 1,000,000 households")
    ap.add_argument("--targets", default="1,2,3,4,5,6,7", help="comma-separated targets (default all)")
    ap.add_argument("--threads", type=int, default=2, help="threads of the parallel runs (default 2)")
    ap.add_argument("--sizes", type=parse_counts, default=None,
                    help="target 3 households (default 10k,100k,1M,10M)")
    ap.add_argument("--large-households", type=parse_count, default=1_000_000,
                    help="households of targets 1, 2 and the flatness runs of 4 (default 1M)")
    ap.add_argument("--memory-households", type=parse_count, default=10_000_000,
                    help="households of target 4's per-household figure (default 10M)")
    ap.add_argument("--many-replicates", type=int, default=1000, help="replicates of target 5 (default 1000)")
    ap.add_argument("--max-households", type=parse_count, default=None,
                    help="skip runs above this many households (default none; 1M with --quick)")
    ap.add_argument("--binary", default=str(ROOT / "target" / "release" / "povsim"))
    ap.add_argument("--no-build", action="store_true", help="skip `cargo build --release`")
    ap.add_argument("--json", type=Path, default=None, help="write every raw measurement to this file")
    ap.add_argument("--timeout", type=float, default=3600.0,
                    help="kill a run after this many seconds (default 3600)")
    ap.add_argument("--keep-going", action="store_true", help="report a failed run and go on")
    args = ap.parse_args()
    if args.reps is None:
        args.reps = 1 if args.quick else 3
    if args.reps < 1:
        ap.error("--reps: expected at least 1")
    if args.max_households is None:
        args.max_households = 1_000_000 if args.quick else 1 << 62
    if args.sizes is None:
        args.sizes = [10_000, 100_000, 1_000_000, 10_000_000]
    try:
        targets = sorted({int(t) for t in args.targets.split(",") if t.strip()})
    except ValueError:
        ap.error(f"--targets: expected numbers 1-7, got {args.targets!r}")
    if not targets or any(t not in range(1, 8) for t in targets):
        ap.error(f"--targets: expected numbers 1-7, got {args.targets!r}")

    if not args.no_build:
        log("cargo build --release")
        if subprocess.run(["cargo", "build", "--release"], cwd=ROOT).returncode != 0:
            return 1
    if not Path(args.binary).is_file():
        ap.error(f"--binary: {args.binary} not found (build with `cargo build --release`)")

    run = Runner(args)
    T = args.threads
    L = args.large_households
    out: list[str] = []
    uname = os.uname()
    version = subprocess.run([args.binary, "--version"], capture_output=True, text=True).stdout.strip()
    out.append(f"# povsim performance ({version}; {uname.sysname} {uname.machine}, "
               f"{os.cpu_count()} logical CPUs; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})")
    out.append("")
    print(out[0] + "\n", flush=True)

    def section(title: str, body: str) -> None:
        out.append(f"## {title}\n\n{body}\n")
        print(f"## {title}\n\n{body}\n", flush=True)

    if 1 in targets:
        log("target 1: throughput")
        rows = [
            ("full model", run.measure(Config(FULL, L, 10, 1, T))),
            ("baseline", run.measure(Config(BASE, L, 10, 1, T))),
        ]
        section(f"1. Throughput ({L:,} households, 10 years, {T} threads)", table("scenario", rows))

    if 2 in targets:
        log("target 2: parallel efficiency")
        rows, notes = [], []
        for name, file in (("full model", FULL), ("baseline", BASE)):
            one = run.measure(Config(file, L, 10, 1, 1))
            many = run.measure(Config(file, L, 10, 1, T))
            rows += [(f"{name}, 1 thread", one), (f"{name}, {T} threads", many)]
            if one.samples and many.samples:
                speedup = one.med("run_wall_s") / many.med("run_wall_s")
                notes.append(f"{name}: speed-up {T} threads vs 1 (run wall time) {speedup:.2f}×; "
                             f"parallel efficiency {speedup / T:.0%}.")
        body = table("run", rows) + "".join(f"\n\n{n}" for n in notes)
        section(f"2. Parallel efficiency ({L:,} households, 10 years)", body)

    if 3 in targets:
        log("target 3: linear scaling")
        rows = [(f"{h:,}", run.measure(Config(FULL, h, FULL_YEARS, 1, T))) for h in args.sizes]
        body = table("size", rows)
        done = [r for _, r in rows if r.samples]
        if len(done) >= 2:
            ns = [1e9 / r.med("hy_per_s") for r in done]
            body += (f"\n\nns per household-year from {ns[0]:,.1f} (smallest) to {ns[-1]:,.1f} "
                     f"(largest): ratio {ns[-1] / ns[0]:.2f}.")
        section(f"3. Linear scaling (full model, {FULL_YEARS} years, {T} threads)", body)

    if 4 in targets:
        log("target 4: memory")
        M = args.memory_households
        big = run.measure(Config(FULL, M, FULL_YEARS, 1, T))
        rows = [(f"{M:,} households", big)]
        rows += [(f"{y} years", run.measure(Config(FULL, L, y, 1, T))) for y in (10, 15, 20)]
        rows += [(f"{k} replicates", run.measure(Config(FULL, L, FULL_YEARS, k, T))) for k in (2, 4)]
        body = table("run", rows)
        flat = [r for _, r in rows[1:] if r.samples]
        if flat:
            b = [r.med("peak_rss_bytes") / r.samples[0].households for r in flat]
            body += (f"\n\nAt {L:,} households, bytes per household over years and replicates: "
                     f"{min(b):,.0f} to {max(b):,.0f} (max/min {max(b) / min(b):.2f}).")
        section(f"4. Memory (full model, {T} threads)", body)

    if 5 in targets:
        log("target 5: many small runs")
        R = args.many_replicates
        # The county's 631 villages hold ~3 households each at this size (village
        # tables dominate); 20 villages of ~100 households is a small county.
        r5 = run.measure(Config(FULL, 2_000, 20, R, T))
        r5v = run.measure(Config(FULL, 2_000, 20, R, T, villages=20))
        section(f"5. Small populations, many runs (full model, 2,000 households × 20 years × {R:,} "
                f"replicates, {T} threads)",
                table("scenario", [("full model, 631 villages", r5), ("full model, 20 villages", r5v)]))

    if 6 in targets:
        log("target 6: start-up")
        reps = max(args.reps, 5)
        plain = run.measure(Config(CLASSROOM, 200, None, None, T), reps=reps, warmup=True)
        charts = run.measure(Config(CLASSROOM, 200, None, None, T, charts=True), reps=reps, warmup=True)
        body = table("run", [("--no-charts", plain), ("charts and report", charts)])
        for name, r in (("--no-charts", plain), ("charts and report", charts)):
            if r.samples:
                ms = 1e3 * r.med("process_wall_s")
                body += (f"\n\n{name}: {ms:.0f} ms process wall time (median; "
                         f"min {1e3 * min(s.process_wall_s for s in r.samples):.0f} ms) — "
                         f"{'under' if ms < 100 else 'over'} the 100 ms target.")
        section("6. Start-up (`povsim run scenarios/classroom.toml`, 200 households)", body)

    if 7 in targets:
        log("target 7: the full county")
        reps = 5
        rows = [(f"{t} thread{'s' if t > 1 else ''}", run.measure(Config(FULL, 0, None, reps, t)))
                for t in (T, 1)]
        # As `povsim calibrate` runs it: l_county.toml, 2008–2014, every key
        # acting from 2008 (nothing to share).
        rows.append((f"{T} threads, `{BASE}` (calibrate's runs, 7 years)",
                     run.measure(Config(BASE, 0, None, reps, T))))
        body = table("run", rows)
        for name, r in rows:
            if r.samples:
                per_s = reps / r.med("run_wall_s")
                body += (f"\n\n{name}: {per_s:.2f} runs (replicates) per second, "
                         f"{r.med('run_wall_s') / reps:.3f} s per run (run wall time / {reps}).")
        # As `povsim sensitivity` runs it: every design point forks from one
        # run of the history per replicate, so a point runs 2014–2020 only.
        body += "\n\n" + sensitivity_rate(run.binary, T, args.reps, args.timeout)
        section(f"7. The full county (`{FULL}` at its own size, {reps} replicates)", body)

    if args.json:
        raw = [
            {"config": asdict(r.config), "skipped": r.skipped,
             "samples": [asdict(s) for s in r.samples]}
            for r in run.cache.values()
        ]
        args.json.write_text(json.dumps({"report": "\n".join(out), "runs": raw}, indent=2))
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
