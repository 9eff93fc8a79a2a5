"""Benchmark: the 40 OR-Library p-median instances, our solver vs spopt's PMedian.

For each ``pmedK`` (``../shared/bench/pmed``) the instance is read once (shortest paths,
last duplicate edge wins) and then solved, in the same run, by

* ``junheng.plan.PMedian`` (``method="auto"``: Lagrangian + local search, then HiGHS on
  the reduced radius model), and
* ``spopt.locate.PMedian`` (PuLP + CBC) with a per-instance time limit; spopt is skipped
  for the remaining instances once ``--spopt-budget-s`` seconds have been spent on it.

Times include model building, not reading. Writes a markdown table (stdout, and the
``## Layout solver: p-median`` section of ``docs/benchmarks.md`` with ``--write-docs``)
and the raw figures as JSON with ``--json``.

    nice -n 10 .venv/bin/python bench/layout_pmed.py --spopt-time-limit 30 --write-docs --json pmed.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import re
import time
from pathlib import Path
from typing import Any

import numpy as np

from junheng.plan import PMedian
from junheng.plan.orlib import read_pmed, read_pmed_optima

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT.parent / "shared" / "bench" / "pmed"
SECTION = "## Layout solver: p-median (OR-Library pmed)"


def run_spopt(cost: np.ndarray, p: int, time_limit: float) -> dict[str, Any]:
    import pulp
    from spopt.locate import PMedian as SpoptPMedian

    t0 = time.perf_counter()
    model = SpoptPMedian.from_cost_matrix(cost, np.ones(cost.shape[0]), p_facilities=p)
    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit)
    with contextlib.suppress(RuntimeError):  # spopt raises when CBC stops at the time limit
        model.solve(solver, results=False)
    seconds = time.perf_counter() - t0
    prob = model.problem
    # sol_status 1 = optimal; 2 = integer feasible (stopped at the time limit)
    finished = prob.sol_status == 1 and seconds < time_limit + 60
    obj = prob.objective.value() if prob.sol_status in (1, 2) else None
    return {
        "objective": obj,
        "seconds": seconds,
        "finished": bool(finished),
        "sol_status": int(prob.sol_status),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--instances", default="1-40", help="e.g. 1-40 or 1,6,11")
    ap.add_argument("--time-limit", type=float, default=600.0, help="our per-instance limit (s)")
    ap.add_argument("--spopt-time-limit", type=float, default=120.0, help="CBC per-instance limit (s)")
    ap.add_argument(
        "--spopt-budget-s", type=float, default=2400.0, help="stop running spopt after this total"
    )
    ap.add_argument("--no-spopt", action="store_true")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args()

    ids: list[int] = []
    for part in args.instances.split(","):
        if "-" in part:
            a, b = part.split("-")
            ids += list(range(int(a), int(b) + 1))
        else:
            ids.append(int(part))
    optima = read_pmed_optima(args.dir / "pmedopt.txt")
    rows: list[dict[str, Any]] = []
    spopt_spent = 0.0
    for k in ids:
        name = f"pmed{k}"
        t0 = time.perf_counter()
        inst = read_pmed(args.dir / f"{name}.txt")
        read_s = time.perf_counter() - t0
        res = PMedian.from_cost_matrix(inst.cost, p_facilities=inst.p).solve(time_limit_s=args.time_limit)
        t_ours = res.seconds
        row: dict[str, Any] = {
            "instance": name,
            "n": inst.n_vertices,
            "p": inst.p,
            "optimum": optima.get(name),
            "read_s": read_s,
            "ours_objective": res.objective,
            "ours_bound": res.bound,
            "ours_status": res.status,
            "ours_seconds": t_ours,
        }
        if not args.no_spopt and spopt_spent < args.spopt_budget_s:
            sp = run_spopt(inst.cost, inst.p, args.spopt_time_limit)
            spopt_spent += sp["seconds"]
            row.update({f"spopt_{key}": v for key, v in sp.items()})
        else:
            row.update({"spopt_objective": None, "spopt_seconds": None, "spopt_finished": None})
        rows.append(row)
        print(json.dumps(row), flush=True)
    table = render(rows, args)
    print(table)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    if args.write_docs:
        write_section(ROOT / "docs" / "benchmarks.md", table)


def _fmt(v: Any, nd: int = 2) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.{nd}f}" if not float(v).is_integer() or nd == 2 else f"{v:.0f}"
    return str(v)


def render(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        SECTION,
        "",
        f"Command: `nice -n 10 .venv/bin/python bench/layout_pmed.py --instances {args.instances} "
        f"--spopt-time-limit {args.spopt_time_limit:g} --spopt-budget-s {args.spopt_budget_s:g} --write-docs`",
        f"Machine: 2 cores (shared with other jobs), 24 GiB, Python {platform.python_version()}; "
        f"run {time.strftime('%Y-%m-%d %H:%M')}. Seconds include model building, not reading "
        "(shortest paths). spopt = `spopt.locate.PMedian` + PuLP/CBC with the per-instance "
        "time limit; 'stopped' = CBC hit the limit (objective is its incumbent).",
        "",
        "| instance | n | p | optimum | ours | ours status | ours s | spopt | spopt status | spopt s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r.get("spopt_seconds") is None:
            sp_status = "not run"
        else:
            sp_status = "optimal" if r["spopt_finished"] else "stopped"
        lines.append(
            f"| {r['instance']} | {r['n']} | {r['p']} | {_fmt(r['optimum'], 0)} | {_fmt(r['ours_objective'], 0)} "
            f"| {r['ours_status']} | {r['ours_seconds']:.2f} | {_fmt(r.get('spopt_objective'), 0)} "
            f"| {sp_status} | {_fmt(r.get('spopt_seconds'))} |"
        )
    at_opt = sum(
        1 for r in rows if r["optimum"] is not None and abs(r["ours_objective"] - r["optimum"]) < 1e-6
    )
    proven = sum(1 for r in rows if r["ours_status"] == "optimal")
    total_ours = sum(r["ours_seconds"] for r in rows)
    fin = [r for r in rows if r.get("spopt_finished")]
    ours_fin = sum(r["ours_seconds"] for r in fin)
    spopt_fin = sum(r["spopt_seconds"] for r in fin)
    ran = [r for r in rows if r.get("spopt_seconds") is not None]
    lines += [
        "",
        f"- Ours at the known optimum: {at_opt}/{len(rows)}; proven optimal (bound = objective): {proven}/{len(rows)}; "
        f"total {total_ours:.1f} s.",
        f"- spopt ran on {len(ran)} instances, finished (proven optimal within the limit) on {len(fin)}.",
        f"- On the instances spopt finishes: ours {ours_fin:.2f} s vs spopt {spopt_fin:.2f} s"
        + (f" — ratio {spopt_fin / ours_fin:.1f}×." if ours_fin > 0 else "."),
        f"- On all instances spopt ran (its time capped by the limit): ours "
        f"{sum(r['ours_seconds'] for r in ran):.1f} s vs spopt ≥ {sum(r['spopt_seconds'] for r in ran):.1f} s.",
        "",
    ]
    return "\n".join(lines)


def write_section(path: Path, table: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(re.escape(SECTION) + r".*?(?=\n## |\Z)", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: table.rstrip() + "\n", text)
    else:
        text = text.rstrip() + "\n\n" + table.rstrip() + "\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
