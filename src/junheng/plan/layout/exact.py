"""The exact solve: the layout MIP (:mod:`.builders`) in HiGHS, one stage at a time.

The stages share no row, so each is its own MIP, solved concurrently when there are cores for it.  Without a
start each MIP is solved in two phases (:func:`lp_guided_start`, then :data:`PROOF_OPTIONS`); measured in
``docs/dev/layout.md``.  HiGHS's ``mip_rel_gap`` :data:`MIP_REL_GAP` defines "optimal".
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np
import pandas as pd

from junheng.plan.layout.adapter import pair_lookup, restrict
from junheng.plan.layout.builders import layout_model
from junheng.plan.layout.pricing import side_arrays
from junheng.plan.layout.solution import BoolArray, IntArray, Solution

if TYPE_CHECKING:
    from junheng.plan.layout.model import SchoolLayout

MIP_REL_GAP = 1e-4  # HiGHS default: "optimal" = proven within 0.01 % of the bound

# HiGHS options for the second phase, from a good start: of the primal heuristics only RINS (which improves the
# start using the LP), no restarts.  Measured on the demo counties (docs/dev/layout.md): 鸡泽 2030 in 6 s
# instead of 11 s; with every heuristic off 湟中 2030 stalled at its start (0.06 % above the optimum).
PROOF_OPTIONS: dict[str, Any] = {
    "mip_heuristic_effort": 0.1, "mip_heuristic_run_rins": True, "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False, "mip_heuristic_run_feasibility_jump": False,
    "mip_allow_restart": False,
}


def solve_mip(layout: SchoolLayout, time_limit_s: float, *, drop: str = "",
              start: tuple[BoolArray, IntArray] | None = None, warm: bool = True,
              rel_gap: float = MIP_REL_GAP) -> Solution | None:
    """The exact MIP of ``layout``; ``start`` (open mask, site per client) is handed to HiGHS as a MIP start.

    Without ``start`` (and with ``warm``) the solve has two phases (:func:`lp_guided_start`): a short MIP
    restricted to the sites the LP relaxation opens gives a start, then the full model is solved from it
    with most of HiGHS's primal heuristics off (:data:`PROOF_OPTIONS`).  The restriction only chooses the
    start; optimality and the bound are those of the full model.  ``drop`` leaves out one rule group
    (:func:`~junheng.plan.layout.builders.layout_model`).  ``None`` when infeasible or no plan was found."""
    prob = replace(layout.problem(), capacity=None)
    boards = layout.pairs["boards"].to_numpy(bool)[pair_lookup(layout.pairs, prob)]
    builder = layout_model(prob, side_arrays(layout.sites, layout.rules), boards, drop=drop)
    lp = builder.build()
    started = time.perf_counter()
    values: list[float] | None = None
    if start is not None:
        values = builder.start_values(*start)
    elif warm:
        values = lp_guided_start(lp, prob.n_sites, 0.5 * time_limit_s)
    h = highs(max(0.1, float(time_limit_s) - (time.perf_counter() - started)), rel_gap)
    if values is not None and start is None:
        # the start is good: most of HiGHS's primal heuristics only cost time, the work left is mostly the proof
        for k, v in PROOF_OPTIONS.items():
            h.setOptionValue(k, v)
    h.passModel(lp)
    if values is not None:
        sol0 = highspy.HighsSolution()
        sol0.col_value = values
        sol0.value_valid = True
        h.setSolution(sol0)
    h.run()
    info = h.getInfo()
    ms = h.getModelStatus()
    if ms == highspy.HighsModelStatus.kInfeasible or info.primal_solution_status != 2:
        return None
    open_mask, assign = builder.plan_from(np.asarray(h.getSolution().col_value))
    status = "optimal" if ms == highspy.HighsModelStatus.kOptimal else "time_limit"
    obj = float(info.objective_function_value)
    bound = min(float(info.mip_dual_bound), obj) if status == "optimal" else float(info.mip_dual_bound)
    return Solution(open_mask=open_mask, assignment=assign, objective=obj, bound=bound, status=status,
                    method="mip(HiGHS)", nodes=int(info.mip_node_count))


def split_by_stage(layout: SchoolLayout) -> list[tuple[SchoolLayout, IntArray, IntArray]]:
    """Independent sub-models, one per stage (sections share no constraint), with their client and site indices."""
    out = []
    for stage in pd.unique(layout.clients["stage"]):
        ci = np.flatnonzero(layout.clients["stage"].to_numpy() == stage)
        si = np.flatnonzero(layout.sites["stage"].to_numpy() == stage)
        sub = restrict(layout, ci, si, np.isin(layout.pairs["client"].to_numpy(), ci))
        out.append((sub, ci, si))
    return out


def solve_by_stage(layout: SchoolLayout, time_limit_s: float, *, drop: str = "") -> Solution | None:
    """Solve the stage sub-models, concurrently when there are cores for it (HiGHS releases the GIL;
    each model runs single-threaded), and add up objectives and bounds."""
    parts = split_by_stage(layout)
    if len(parts) == 1:
        return solve_mip(layout, time_limit_s, drop=drop)
    workers = min(len(parts), os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        sols = list(pool.map(lambda part: solve_mip(part[0], time_limit_s, drop=drop), parts))
    open_mask = np.zeros(len(layout.sites), dtype=bool)
    assign = np.full(len(layout.clients), -1, dtype=np.int64)
    obj = bound = 0.0
    status = "optimal"
    nodes = 0
    for (_sub, ci, si), sol in zip(parts, sols, strict=True):
        if sol is None:
            return None
        open_mask[si] = sol.open_mask
        assign[ci] = si[sol.assignment]
        obj += sol.objective
        bound += sol.bound
        nodes += sol.nodes
        if sol.status != "optimal":
            status = sol.status
    return Solution(open_mask=open_mask, assignment=assign, objective=obj, bound=bound, status=status,
                    method="mip(HiGHS, by stage, LP-guided warm start)", nodes=nodes)


def highs(time_limit_s: float, rel_gap: float = MIP_REL_GAP) -> highspy.Highs:
    """A silent single-threaded HiGHS with a time limit and a relative gap."""
    h = highspy.Highs()
    h.silent()
    h.setOptionValue("time_limit", time_limit_s)
    h.setOptionValue("mip_rel_gap", rel_gap)
    h.setOptionValue("threads", 1)
    return h


def lp_guided_start(lp: highspy.HighsLp, n_sites: int, time_limit_s: float) -> list[float] | None:
    """A start for the layout MIP: solve the LP relaxation, close every site it leaves closed (y = 0), and solve
    that restricted MIP to a relative gap of 0.1 % (``time_limit_s`` is only a guard), in the spirit of
    relaxation-induced neighbourhoods (Danna, Rothberg & Le Pape 2005, "Exploring relaxation induced
    neighborhoods to improve MIP solutions", Math. Prog. 102:71-90).  Stopping at a gap rather than at a clock
    makes the start, and so the second phase, independent of machine load.  The solution is feasible for the full
    model (only bounds were tightened); ``None`` when there is none."""
    n = int(lp.num_col_)
    relax = highspy.Highs()
    relax.silent()
    relax.setOptionValue("threads", 1)
    relax.passModel(lp)
    relax.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.zeros(n, dtype=np.uint8))
    relax.run()
    if relax.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    y = np.asarray(relax.getSolution().col_value)[:n_sites]
    closed = np.flatnonzero(y < 1e-3).astype(np.int32)
    h = highs(max(0.1, time_limit_s), 1e-3)
    h.passModel(lp)
    if closed.size:
        h.changeColsBounds(int(closed.size), closed, np.zeros(closed.size), np.zeros(closed.size))
    h.run()
    if h.getInfo().primal_solution_status != 2:
        return None
    return list(h.getSolution().col_value)
