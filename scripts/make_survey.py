#!/usr/bin/env python3
"""Regenerate the synthetic survey of scenarios/from_survey.toml.

The survey is made from povsim's own saved state, so that it has a survey's
shape without being anyone's data:

1. run a 24-village, 6,000-household version of the L County baseline for
   2008-2010 and save its state at the end of 2010 (`--save-state 2010`);
2. sample households village by village, systematically: one in 6 in the
   remoter half of the villages, one in 12 in the others (the weight of a
   sampled household is 6 or 12, the households it stands for);
3. keep what a household survey observes (size and age groups, income,
   schooling, land, productive assets, the poverty register) and drop what
   it cannot (earning ability, motivation, awareness, skill, health, savings,
   debt, incomes by source, loans); add measurement noise and round as a
   questionnaire would;
4. write scenarios/data/survey_households.csv and survey_villages.csv (each
   with a `#` header saying so), and print the numbers the scenarios need
   (the households the weights stand for; the true totals of the full
   county, the margins of from_survey_raked.toml).

Standard library only; the same povsim gives the same files (fixed seeds).

    python3 scripts/make_survey.py [--povsim target/release/povsim]
"""

import argparse
import csv
import math
import os
import random
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "scenarios", "data")
YEAR = 2010


def run_county(povsim, out):
    subprocess.run(
        [
            povsim, "run", os.path.join(ROOT, "scenarios", "l_county.toml"),
            "--set", "simulation.name=survey_county",
            "--set", "simulation.villages=24",
            "--set", "simulation.households=6000",
            "--set", "simulation.years=3",
            "--replicates", "1", "--seed", "2010",
            "--save-state", str(YEAR), "--no-charts", "--quiet", "--out", out,
        ],
        check=True,
    )
    state = os.path.join(out, "state", str(YEAR))
    with open(os.path.join(state, "households_0.csv")) as f:
        households = list(csv.DictReader(f))
    with open(os.path.join(state, "villages_0.csv")) as f:
        villages = list(csv.DictReader(f))
    return households, villages


def members(h):
    return int(h["adults"]) + int(h["children"]) + int(h["elderly"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--povsim", default=os.path.join(ROOT, "target", "release", "povsim"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        households, villages = run_county(args.povsim, os.path.join(tmp, "out"))

    rng = random.Random(YEAR)
    vid = lambda v: "V%02d" % (int(v) + 1)
    remoteness = sorted(float(v["remoteness"]) for v in villages)
    median = remoteness[len(remoteness) // 2]
    alive = [h for h in households if members(h) > 0]

    rows = []
    for v in villages:
        k = 6 if float(v["remoteness"]) >= median else 12
        in_v = [h for h in alive if h["village"] == v["village"]]
        for h in in_v[rng.randrange(k)::k]:
            m = members(h)
            income = float(h["income_pc"]) * math.exp(rng.gauss(0.0, 0.1))
            rows.append({
                "hhid": "H%05d" % (len(rows) + 1),
                "vid": vid(v["village"]),
                "hhsize": m,
                "n_adults": h["adults"],
                "n_children": h["children"],
                "n_elderly": h["elderly"],
                "net_income_pc": round(income),
                "hh_weight": k,
                "person_weight": k * m,
                "poor_register": int(h["flags"]) & 1,
                "edu_years": min(16, max(0, round(float(h["schooling"]) + rng.gauss(0.0, 0.7)))),
                "land_mu": round(float(h["land"]) * math.exp(rng.gauss(0.0, 0.15)), 1),
                "assets_yuan": int(round(float(h["assets"]) * math.exp(rng.gauss(0.0, 0.3)), -2)),
            })

    os.makedirs(DATA, exist_ok=True)
    note = (
        "# SYNTHETIC: not a real survey. Made by scripts/make_survey.py from povsim's own\n"
        "# saved state (a 24-village version of the L County baseline at the end of 2010),\n"
        "# {what}, with the unobserved columns dropped and {noise}.\n"
        "# Replace it with your own survey and map its columns in [population.columns]\n"
        "# (docs/DATA.md).\n"
    )
    path = os.path.join(DATA, "survey_households.csv")
    with open(path, "w", newline="") as f:
        f.write(note.format(what="sampled one household in 6 or 12 per village", noise="measurement noise added"))
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    path = os.path.join(DATA, "survey_villages.csv")
    with open(path, "w", newline="") as f:
        f.write(note.format(what="every village", noise="the rest rounded").replace("[population.columns]", "[population.village_columns]"))
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["vid", "remoteness", "road", "safe_water", "clinic", "land_pc"])
        for v in villages:
            w.writerow([
                vid(v["village"]),
                round(float(v["remoteness"]), 2),
                round(float(v["road"]), 2),
                round(float(v["water"]), 2),
                int(float(v["clinic"])),
                round(float(v["land_per_person"]), 2),
            ])

    weights = sum(r["hh_weight"] for r in rows)
    print(f"{len(rows)} survey households standing for {weights} households "
          f"(from_survey.toml: simulation.households = {weights})", file=sys.stderr)
    print(f"the county: {len(alive)} households "
          f"(from_survey_raked.toml: simulation.households = {len(alive)})", file=sys.stderr)
    print("[population.margins]")
    by_village = {}
    for h in alive:
        by_village[vid(h["village"])] = by_village.get(vid(h["village"]), 0) + members(h)
    print("persons_by_village = { " + ", ".join(f'{k} = {v}' for k, v in sorted(by_village.items())) + " }")
    sizes = {}
    for h in alive:
        c = str(members(h)) if members(h) < 6 else "6+"
        sizes[c] = sizes.get(c, 0) + 1
    print("households_by_size = { " + ", ".join(f'"{k}" = {v}' for k, v in sorted(sizes.items())) + " }")
    print(f"registered_persons = {sum(members(h) for h in alive if int(h['flags']) & 1)}")


if __name__ == "__main__":
    main()
