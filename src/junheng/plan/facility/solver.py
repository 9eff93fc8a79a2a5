"""One solve entry for every facility model: ``method="auto" | "mip" | "heuristic"``.

* ``heuristic`` — Lagrangian lower bound + local search upper bound; the gap is reported
  as it is (status ``"optimal"`` only if the bound meets the solution).
* ``mip`` — the HiGHS MIP on the whole model (radius formulation for uncapacitated
  models, strong formulation otherwise).
* ``auto`` — the heuristic first; if it has not proved optimality, Lagrangian
  reduced-cost fixing shrinks the model (uncapacitated case) and HiGHS finishes it,
  warm-started with the incumbent, when the reduced model has at most
  ``max_mip_pairs`` pairs. Otherwise the heuristic answer with its honest gap.

Integer data: when every cost is an integer the optimum is an integer, so a lower
bound ``L`` is reported as ``ceil(L)`` and a gap below 1 proves optimality.
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp

from junheng.plan.facility import capacitated as cap_mod
from junheng.plan.facility import uncapacitated as unc_mod
from junheng.plan.facility.mip import solve_mip
from junheng.plan.facility.problem import (
    BoolArray,
    FacilityProblem,
    FacilityResult,
    InfeasibleModelError,
    Method,
    SolveStatus,
    bound_closes_gap,
    relative_gap,
)

DEFAULT_MAX_MIP_PAIRS = 3_000_000


def _round_bound(problem: FacilityProblem, bound: float) -> float:
    if problem.integral_costs and np.isfinite(bound):
        return float(math.ceil(bound - 1e-6))
    return bound


def _nearest_allocation(problem: FacilityProblem, open_mask: BoolArray) -> sp.csr_matrix:
    near = unc_mod.nearest(problem, open_mask, unc_mod._big(problem))
    rows = np.flatnonzero(near.site1 >= 0)
    return sp.csr_matrix(
        (np.ones(rows.size), (rows, near.site1[rows])), shape=(problem.n_clients, problem.n_sites)
    )


def _result(
    problem: FacilityProblem,
    *,
    status: SolveStatus,
    open_mask: BoolArray | None,
    allocation: sp.csr_matrix | None,
    objective: float,
    bound: float,
    started: float,
    method: str,
    message: str = "",
    details: dict[str, float] | None = None,
) -> FacilityResult:
    if open_mask is None:
        assignment = np.full(problem.n_clients, -1, dtype=np.int64)
        open_sites: tuple[int, ...] = ()
    else:
        if allocation is None:
            allocation = _nearest_allocation(problem, open_mask)
        alloc = allocation.tocsr()
        assignment = np.full(problem.n_clients, -1, dtype=np.int64)
        has = np.diff(alloc.indptr) > 0
        if has.any():
            assignment[has] = np.asarray(alloc[has].argmax(axis=1)).ravel()
        open_sites = tuple(int(j) for j in np.flatnonzero(open_mask))
    bound = _round_bound(problem, bound)
    if np.isfinite(objective):
        bound = min(bound, objective)
    gap = relative_gap(objective, bound)
    if (
        status in ("feasible", "time_limit")
        and np.isfinite(objective)
        and objective - bound <= 1e-9 * max(1.0, abs(objective))
    ):
        status = "optimal"
    return FacilityResult(
        status=status,
        open_sites=open_sites,
        assignment=assignment,
        allocation=allocation,
        objective=float(objective),
        bound=float(bound),
        gap=float(gap),
        seconds=time.perf_counter() - started,
        method=method,
        message=message,
        details=details or {},
    )


def solve_problem(
    problem: FacilityProblem,
    *,
    time_limit_s: float = 60.0,
    method: Method = "auto",
    max_mip_pairs: int = DEFAULT_MAX_MIP_PAIRS,
) -> FacilityResult:
    """Solve a :class:`FacilityProblem`; see the module docstring for the methods."""
    started = time.perf_counter()
    if method not in ("auto", "mip", "heuristic"):
        raise ValueError(f"unknown method {method!r}; use 'auto', 'mip' or 'heuristic'")
    try:
        problem.check_feasible()
    except InfeasibleModelError as err:
        return _result(
            problem,
            status="infeasible",
            open_mask=None,
            allocation=None,
            objective=float("inf"),
            bound=float("inf"),
            started=started,
            method="check",
            message=str(err),
        )
    deadline = started + time_limit_s
    if problem.is_capacitated:
        return _solve_capacitated(problem, deadline, method, max_mip_pairs, started)
    return _solve_uncapacitated(problem, deadline, method, max_mip_pairs, started)


def _closed(problem: FacilityProblem, lower: float, upper: float) -> bool:
    return bound_closes_gap(lower, upper, integral=problem.integral_costs)


def _solve_uncapacitated(
    problem: FacilityProblem, deadline: float, method: Method, max_mip_pairs: int, started: float
) -> FacilityResult:
    if method == "mip":
        out = solve_mip(problem, formulation="radius", time_limit_s=deadline - time.perf_counter())
        return _result(
            problem,
            status=out.status,
            open_mask=out.open_mask,
            allocation=None,
            objective=out.objective,
            bound=out.bound,
            started=started,
            method="mip",
            details={
                "mip_nodes": float(out.nodes),
                "mip_cols": float(out.n_cols),
                "mip_rows": float(out.n_rows),
            },
        )
    open0, ub0 = unc_mod.local_search(problem, deadline=deadline)
    lr = unc_mod.lagrangian_bound(problem, ub0, open0, deadline=deadline)
    incumbent, upper, lower = lr.best_open, lr.best_value, lr.bound
    details: dict[str, float] = {
        "lagrangian_bound": lower,
        "lagrangian_iterations": float(lr.iterations),
        "heuristic_objective": upper,
        "heuristic_seconds": time.perf_counter() - started,
    }
    timed_out = time.perf_counter() >= deadline
    if _closed(problem, lower, upper) or method == "heuristic" or timed_out:
        status: SolveStatus = "time_limit" if timed_out and not _closed(problem, lower, upper) else "feasible"
        return _result(
            problem,
            status=status,
            open_mask=incumbent,
            allocation=None,
            objective=upper,
            bound=lower,
            started=started,
            method="heuristic",
            details=details,
        )
    keep, fix_open, fix_closed, _ = unc_mod.prune_pairs(problem, lr.multipliers, upper, incumbent)
    reduced = problem.restrict(keep)
    details.update(
        {
            "pairs": float(problem.nnz),
            "pairs_after_fixing": float(reduced.nnz),
            "sites_fixed_closed": float(fix_closed.sum()),
            "sites_fixed_open": float(fix_open.sum()),
        }
    )
    if reduced.nnz > max_mip_pairs:
        return _result(
            problem,
            status="feasible",
            open_mask=incumbent,
            allocation=None,
            objective=upper,
            bound=lower,
            started=started,
            method="heuristic",
            message=f"model too large for the MIP ({reduced.nnz} pairs after fixing)",
            details=details,
        )
    out = solve_mip(
        reduced,
        formulation="radius",
        time_limit_s=deadline - time.perf_counter(),
        start=incumbent,
        fix_open=fix_open,
        fix_closed=fix_closed,
    )
    details.update(
        {"mip_nodes": float(out.nodes), "mip_cols": float(out.n_cols), "mip_rows": float(out.n_rows)}
    )
    # the reduced model only excludes solutions no better than the incumbent
    mip_bound = min(out.bound, upper) if np.isfinite(out.bound) else lower
    bound = max(lower, mip_bound)
    if out.open_mask is not None:
        value = problem.evaluate(out.open_mask)
        if value < upper:
            incumbent, upper = out.open_mask, value
    status = (
        "optimal" if out.status == "optimal" else ("time_limit" if out.status == "time_limit" else "feasible")
    )
    if out.status == "infeasible":
        # no solution better than the incumbent exists in the reduced model: it is optimal
        status, bound = "optimal", upper
    return _result(
        problem,
        status=status,
        open_mask=incumbent,
        allocation=None,
        objective=upper,
        bound=bound,
        started=started,
        method="auto(heuristic+mip)",
        details=details,
    )


def _solve_capacitated(
    problem: FacilityProblem, deadline: float, method: Method, max_mip_pairs: int, started: float
) -> FacilityResult:
    details: dict[str, float] = {}
    start: cap_mod.Priced | None = None
    lower = -np.inf
    if method in ("auto", "heuristic"):
        budget = deadline if method == "heuristic" else started + 0.3 * (deadline - started)
        co = cap_mod.lagrangian_heuristic(problem, deadline=budget)
        start, lower = co.best, co.bound
        details.update(
            {
                "lagrangian_bound": lower,
                "lagrangian_iterations": float(co.iterations),
                "evaluations": float(co.evaluations),
                "heuristic_objective": start.value if start is not None else float("inf"),
                "heuristic_seconds": time.perf_counter() - started,
            }
        )
        upper = start.value if start is not None else float("inf")
        if method == "heuristic" or _closed(problem, lower, upper) or problem.nnz > max_mip_pairs:
            timed_out = time.perf_counter() >= deadline
            status: SolveStatus = "time_limit" if (timed_out or start is None) else "feasible"
            return _result(
                problem,
                status=status,
                open_mask=None if start is None else start.open_mask,
                allocation=None if start is None else start.allocation,
                objective=upper,
                bound=lower,
                started=started,
                method="heuristic",
                details=details,
            )
    has_start = start is not None and np.isfinite(start.value)
    out = solve_mip(
        problem,
        formulation="strong",
        time_limit_s=max(0.1, deadline - time.perf_counter()),
        start=start.open_mask if has_start and start is not None else None,
        start_allocation=start.allocation if has_start and start is not None else None,
    )
    details.update(
        {"mip_nodes": float(out.nodes), "mip_cols": float(out.n_cols), "mip_rows": float(out.n_rows)}
    )
    if out.status == "infeasible":
        return _result(
            problem,
            status="infeasible",
            open_mask=None,
            allocation=None,
            objective=float("inf"),
            bound=float("inf"),
            started=started,
            method="mip",
            message="HiGHS 证明模型无可行解（容量、单一来源或可达性约束无法同时满足）"
            " / HiGHS proved the model infeasible (capacity, single-source or reach rules conflict)",
            details=details,
        )
    objective, open_mask, allocation = out.objective, out.open_mask, out.allocation
    if has_start and start is not None and start.value < objective:
        objective, open_mask, allocation = start.value, start.open_mask, start.allocation
    bound = max(lower, out.bound) if np.isfinite(out.bound) else lower
    return _result(
        problem,
        status=out.status if open_mask is not None else "time_limit",
        open_mask=open_mask,
        allocation=allocation,
        objective=objective,
        bound=bound,
        started=started,
        method="mip" if method == "mip" else "auto(heuristic+mip)",
        details=details,
    )
