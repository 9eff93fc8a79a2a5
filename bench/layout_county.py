"""Layout benchmarks: the demo county (鸡泽县 130431) for 2030 solved exactly, and a synthetic province.

    .venv/bin/python bench/layout_county.py [--province] [--sites 3000 --villages 20000 --time-limit 120]
                                            [--seed 1] [--skip-county]

Targets (issue 4): the county proved optimal in ≤ 10 s; the province (3,000 candidate sites ×
20,000 villages, one stage) within 1 % of its lower bound in ≤ 120 s.  Prints one JSON line per run.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def county() -> dict[str, object]:
    from junheng.plan.layout import SchoolLayout
    from junheng.synth import generate_county

    t0 = time.perf_counter()
    tables = generate_county("130431", seed=7, children=False, teachers=False)
    t1 = time.perf_counter()
    layout = SchoolLayout.from_tables(tables, year=2030)
    t2 = time.perf_counter()
    r = layout.solve(time_limit_s=120)
    s = r.summary()
    return {"run": "county 130431 2030", "clients": len(layout.clients), "sites": len(layout.sites),
            "pairs": len(layout.pairs), "generate_s": round(t1 - t0, 2), "build_s": round(t2 - t1, 2),
            "solve_s": round(r.seconds, 2), "status": r.status, "objective": round(r.objective),
            "bound": round(r.bound), "gap": r.gap, "method": r.method, "primary_schools": s["primary_schools"],
            "junior_schools": s["junior_schools"], "decisions": s["decisions"]}


def province(n_sites: int, n_villages: int, time_limit: float, seed: int = 1) -> dict[str, object]:
    """Synthetic province: villages clustered around towns on a 400 × 400 km square, one stage (primary)."""
    from scipy.spatial import cKDTree

    from junheng.plan.layout import SchoolLayout, load_layout_rules

    rng = np.random.default_rng(seed)
    towns = rng.uniform(0, 400, (n_sites // 3, 2))
    sites = np.vstack([towns, towns[rng.integers(0, len(towns), n_sites - len(towns))] + rng.normal(0, 4, (n_sites - len(towns), 2))])
    vill = towns[rng.integers(0, len(towns), n_villages)] + rng.normal(0, 6, (n_villages, 2))
    demand = rng.lognormal(np.log(60), 0.6, n_villages).round()
    rules = load_layout_rules(overrides={"nearest_sites": 10})
    # sparse minutes: the 10 nearest sites by straight line × 1.3 at 30 km/h (a labelled straight-line model)
    d, j = cKDTree(sites).query(vill, k=10)
    minutes = np.full((n_villages, n_sites), np.inf)
    rows = np.repeat(np.arange(n_villages), 10)
    minutes[rows, j.ravel()] = d.ravel() * 1.3 / 30 * 60
    km = np.zeros_like(minutes)
    km[rows, j.ravel()] = d.ravel() * 1.3
    cap = rng.choice([0.0, 270.0, 540.0, 1080.0], n_sites, p=[0.1, 0.4, 0.3, 0.2])
    t0 = time.perf_counter()
    layout = SchoolLayout.from_cost_matrix(minutes, demand, capacity=cap, fixed_cost=rules.stages["primary"].fixed_cost,
                                           rules=rules, km=km)
    del minutes, km
    build = time.perf_counter() - t0
    r = layout.solve(time_limit_s=time_limit, method="heuristic")
    return {"run": f"province {n_sites} sites x {n_villages} villages", "pairs": len(layout.pairs),
            "build_s": round(build, 2), "solve_s": round(r.seconds, 2), "status": r.status,
            "objective": round(r.objective), "bound": round(r.bound) if np.isfinite(r.bound) else None,
            "gap": r.gap, "method": r.method, "open": int(r.sections["open"].sum())}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--province", action="store_true")
    ap.add_argument("--sites", type=int, default=3000)
    ap.add_argument("--villages", type=int, default=20000)
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--seed", type=int, default=1, help="seed of the synthetic province")
    ap.add_argument("--skip-county", action="store_true")
    a = ap.parse_args()
    if not a.skip_county:
        print(json.dumps(county(), ensure_ascii=False, default=str), flush=True)
    if a.province:
        print(json.dumps(province(a.sites, a.villages, a.time_limit, seed=a.seed), ensure_ascii=False, default=str),
              flush=True)
