"""Fast method for capacitated models (multi-source and single-source).

* Lower bound: Lagrangian relaxation of the assignment constraints (Beasley 1988,
  "An algorithm for solving large capacitated warehouse location problems", EJOR
  33:314-325). For multipliers ``λ`` each site solves a continuous knapsack::

      ρ_j = f_j + min { Σ_i (c_ij − λ_i) x_ij : Σ_i d_i x_ij <= Q_j, 0 <= x_ij <= 1 }

  and the sites are chosen by ``p`` (if given) or by ``ρ_j < 0`` plus the LP relaxation
  of the cover ``Σ_j Q_j y_j >= Σ_i d_i``. ``L(λ) = Σ_i λ_i + Σ_j ρ_j y_j`` is a valid
  lower bound (the knapsack relaxation keeps it valid for single-source models too).
* Upper bound: every few iterations the Lagrangian site choice is repaired to enough
  capacity and priced exactly (transportation LP, or the assignment MIP for
  single-source) with HiGHS; then a drop / swap local search on the open set.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from junheng.plan.facility.mip import solve_mip
from junheng.plan.facility.problem import BoolArray, FacilityProblem, FloatArray, bound_closes_gap


@dataclass(frozen=True)
class Priced:
    open_mask: BoolArray
    allocation: sp.csr_matrix | None
    value: float


def price(problem: FacilityProblem, open_mask: BoolArray, *, time_limit_s: float = 10.0) -> Priced:
    """Exact cost of an open set: the best allocation to those sites (HiGHS)."""
    sub = problem.restrict(open_mask[problem.pair_site])
    if np.any(np.diff(sub.client_ptr) == 0):
        return Priced(open_mask, None, float("inf"))
    cap = problem.capacity
    if cap is not None and float(cap[open_mask].sum()) < float(problem.demand.sum()) - 1e-9:
        return Priced(open_mask, None, float("inf"))
    out = solve_mip(
        sub, formulation="strong", time_limit_s=time_limit_s, fix_open=open_mask, fix_closed=~open_mask
    )
    if out.allocation is None or not np.isfinite(out.objective):
        return Priced(open_mask, None, float("inf"))
    return Priced(open_mask, out.allocation, out.objective)


def _site_values(problem: FacilityProblem, lam: FloatArray) -> tuple[FloatArray, FloatArray]:
    """ρ_j and the knapsack fill x_e (per pair) for multipliers ``lam``."""
    m = problem.n_sites
    cl, st, c = problem.pair_client, problem.pair_site, problem.pair_cost
    r = c - lam[cl]
    neg = np.flatnonzero(r < 0)
    fill = np.zeros(problem.nnz)
    if neg.size == 0:
        return problem.fixed_cost.copy(), fill
    d = problem.demand[cl[neg]]
    ratio = np.where(d > 0, r[neg] / np.where(d > 0, d, 1.0), -np.inf)
    order = np.lexsort((ratio, st[neg]))
    e = neg[order]
    s = st[e]
    dd = problem.demand[cl[e]]
    csum = np.cumsum(dd)
    seg_start = np.r_[True, s[1:] != s[:-1]]
    start_val = (csum - dd)[seg_start]
    seg_id = np.cumsum(seg_start) - 1
    before = csum - dd - start_val[seg_id]  # demand already packed in this site
    cap = problem.capacity if problem.capacity is not None else np.full(m, np.inf)
    room = cap[s] - before
    frac = np.where(dd > 0, np.clip(room / np.where(dd > 0, dd, 1.0), 0.0, 1.0), 1.0)
    fill[e] = frac
    rho = problem.fixed_cost + np.bincount(s, weights=r[e] * frac, minlength=m)
    return rho, fill


def _choose(problem: FacilityProblem, rho: FloatArray) -> FloatArray:
    m = problem.n_sites
    y = problem.force_open.astype(float)
    free = ~problem.force_open & ~problem.force_closed
    if problem.p is not None:
        k = problem.p - int(problem.force_open.sum())
        idx = np.flatnonzero(free)
        if k > 0:
            pick = idx if k >= idx.size else idx[np.argpartition(rho[idx], k - 1)[:k]]
            y[pick] = 1.0
        return y
    y[free & (rho < 0)] = 1.0
    cap = problem.capacity if problem.capacity is not None else np.full(m, np.inf)
    need = float(problem.demand.sum()) - float((cap * y).sum())
    if need > 0:
        cand = np.flatnonzero(free & (y == 0) & (cap > 0))
        order = cand[np.argsort(rho[cand] / cap[cand])]
        for j in order:
            if need <= 0:
                break
            take = min(1.0, need / cap[j])
            y[j] = take
            need -= take * cap[j]
    return y


def _repair(problem: FacilityProblem, y: FloatArray, rho: FloatArray) -> BoolArray:
    """Round a Lagrangian site choice up to an open set with enough capacity and reach."""
    open_mask = (y > 0.5) | problem.force_open
    open_mask &= ~problem.force_closed
    cap = problem.capacity if problem.capacity is not None else np.full(problem.n_sites, np.inf)
    order = np.argsort(rho)
    total = float(problem.demand.sum())
    for j in order:
        if problem.p is not None and int(open_mask.sum()) >= problem.p:
            break
        if float(cap[open_mask].sum()) >= total * 1.0 + 1e-9 and problem.p is None:
            break
        if not open_mask[j] and not problem.force_closed[j]:
            open_mask[j] = True
    # clients without any open allowed site: open their cheapest allowed site
    reach = np.zeros(problem.n_clients, dtype=bool)
    reach[problem.pair_client[open_mask[problem.pair_site]]] = True
    for i in np.flatnonzero(~reach):
        lo, hi = problem.client_ptr[i], problem.client_ptr[i + 1]
        ok = [j for j in problem.pair_site[lo:hi] if not problem.force_closed[j]]
        if ok:
            open_mask[ok[0]] = True
    return open_mask


@dataclass(frozen=True)
class CapacitatedOutcome:
    bound: float
    best: Priced | None
    iterations: int
    evaluations: int


def lagrangian_heuristic(
    problem: FacilityProblem,
    *,
    deadline: float,
    max_iterations: int = 1500,
    heuristic_every: int = 50,
    max_evaluations: int = 200,
) -> CapacitatedOutcome:
    """Subgradient on the Lagrangian bound, with priced repairs and a final local search."""
    n = problem.n_clients
    ptr = problem.client_ptr
    c_all = problem.pair_cost
    lam = c_all[np.minimum(ptr[:-1] + 1, ptr[1:] - 1)].astype(np.float64).copy()
    best_bound, best_lam = -np.inf, lam.copy()
    best: Priced | None = None
    seen: set[bytes] = set()
    evaluations = 0
    theta, stall, it = 2.0, 0, 0

    def consider(mask: BoolArray) -> None:
        nonlocal best, evaluations
        key = np.packbits(mask).tobytes()
        if key in seen or evaluations >= max_evaluations or time.perf_counter() >= deadline:
            return
        seen.add(key)
        evaluations += 1
        pr = price(problem, mask, time_limit_s=max(0.1, min(10.0, deadline - time.perf_counter())))
        if best is None or pr.value < best.value - 1e-9:
            best = pr

    for it in range(1, max_iterations + 1):
        rho, fill = _site_values(problem, lam)
        y = _choose(problem, rho)
        bound = float(lam.sum() + (rho * y).sum())
        if bound > best_bound + 1e-9 * max(1.0, abs(bound)):
            best_bound, best_lam, stall = bound, lam.copy(), 0
        else:
            stall += 1
            if stall >= 30:
                theta *= 0.5
                stall = 0
        if it == 1 or it % heuristic_every == 0:
            consider(_repair(problem, y, rho))
        ub = best.value if best is not None else float("inf")
        if bound_closes_gap(best_bound, ub, integral=problem.integral_costs):
            break
        g = 1.0 - np.bincount(problem.pair_client, weights=fill * y[problem.pair_site], minlength=n)
        norm = float(g @ g)
        if norm <= 1e-18:
            break
        target = ub if np.isfinite(ub) else bound + abs(bound) * 0.1 + 1.0
        lam = lam + theta * max(target - bound, 1e-9 * max(1.0, abs(bound))) / norm * g
        if theta < 1e-5 or time.perf_counter() >= deadline:
            break
    # local search on the open set: drop moves, then swaps with the cheapest closed sites by ρ
    if best is not None and np.isfinite(best.value):
        rho, _ = _site_values(problem, best_lam)
        improved = True
        while improved and time.perf_counter() < deadline and evaluations < max_evaluations:
            improved = False
            current = best
            opened = [j for j in np.flatnonzero(current.open_mask) if not problem.force_open[j]]
            moves: list[BoolArray] = []
            if problem.p is None:
                for j in sorted(opened, key=lambda j: -rho[j]):
                    mk = current.open_mask.copy()
                    mk[j] = False
                    moves.append(mk)
            closed = [j for j in np.argsort(rho) if not current.open_mask[j] and not problem.force_closed[j]]
            for j_out in sorted(opened, key=lambda j: -rho[j])[:5]:
                for j_in in closed[:5]:
                    mk = current.open_mask.copy()
                    mk[j_out], mk[j_in] = False, True
                    moves.append(mk)
            for mk in moves:
                before = best.value
                consider(mk)
                if best.value < before - 1e-9:
                    improved = True
                    break
    return CapacitatedOutcome(bound=best_bound, best=best, iterations=it, evaluations=evaluations)
