"""Capacitated facility location on real published instances (bench/data/orlib, sources in SOURCES.md).

    .venv/bin/python bench/layout_orlib.py [--time-limit 120]

Beasley's OR-Library ``cap`` instances (multi-source CFLP) and the Holmberg, Rönnqvist & Yuan (1999)
single-source instances p1–p4, each solved as ``junheng solve cflp|sscflp`` solves it, against the
published optimum.  Prints one markdown row per instance and a summary line.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "orlib"

# Published optima.  cap: OR-Library (Beasley 1988), as recorded in SOURCES.md.  Holmberg p1–p4: Holmberg,
# Rönnqvist & Yuan (1999), EJOR 113:544-559 (see SOURCES.md).
OPTIMA = {
    "cap41": 1040444.375, "cap61": 932615.750, "cap71": 932615.750, "cap81": 838499.288,
    "cap101": 796648.437, "cap111": 826124.713, "cap131": 793439.562,
    "holmberg_p1": 8848.0, "holmberg_p2": 7913.0, "holmberg_p3": 9314.0, "holmberg_p4": 10714.0,
}


def solve(name: str, time_limit: float) -> dict[str, object]:
    from junheng.plan import CapacitatedFacilityLocation, SingleSourceCFL
    from junheng.plan.orlib import read_cap, read_sscflp

    path = DATA / f"{name}.txt"
    if name.startswith("cap"):
        inst = read_cap(path)
        model = CapacitatedFacilityLocation.from_cost_matrix(inst.cost, inst.demand, capacity=inst.capacity,
                                                             fixed_cost=inst.fixed_cost, cost_basis="total")
        kind = "cflp"
    else:
        inst = read_sscflp(path)
        model = SingleSourceCFL.from_cost_matrix(inst.cost, inst.demand, capacity=inst.capacity,
                                                 fixed_cost=inst.fixed_cost, cost_basis="total")
        kind = "sscflp"
    t0 = time.perf_counter()
    r = model.solve(time_limit_s=time_limit)
    return {"name": name, "kind": kind, "m": inst.cost.shape[1], "n": inst.cost.shape[0], "objective": r.objective,
            "bound": r.bound, "status": r.status, "seconds": time.perf_counter() - t0}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=120.0)
    a = ap.parse_args()
    print("| instance | problem | sites × customers | published optimum | ours | status | bound | s |")
    print("|---|---|---|---|---|---|---|---|")
    hits = total = 0
    secs = 0.0
    for name, opt in OPTIMA.items():
        r = solve(name, a.time_limit)
        obj = float(r["objective"])  # type: ignore[arg-type]
        hit = abs(obj - opt) <= 1e-3  # the published values are rounded to 3 decimals
        hits += hit
        total += 1
        secs += float(r["seconds"])  # type: ignore[arg-type]
        print(f"| {name} | {r['kind']} | {r['m']} × {r['n']} | {opt:,.3f} | {obj:,.3f} | {r['status']} | "
              f"{float(r['bound']):,.3f} | {float(r['seconds']):.2f} |", flush=True)  # type: ignore[arg-type]
    print(f"\nAt the published optimum: {hits}/{total}; total {secs:.1f} s")


if __name__ == "__main__":
    main()
