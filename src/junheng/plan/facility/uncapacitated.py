"""Fast methods for uncapacitated models (p-median, uncapacitated facility location).

* :func:`local_search` — greedy construction then best-improvement interchange
  (Teitz & Bart 1968, "Heuristic methods for estimating the generalized vertex median
  of a weighted graph", Operations Research 16:955-961), with the swap gains computed
  for all (in, out) pairs at once as in Whitaker's fast interchange (1983, INFOR
  21:95-108); add / drop moves are used when ``p`` is free (fixed costs decide).
* :func:`lagrangian_bound` — Lagrangian relaxation of the assignment constraints,
  maximised by subgradient optimisation with Polyak steps (Cornuéjols, Fisher &
  Nemhauser 1977, Management Science 23:789-810; Beasley 1993, "Lagrangean
  relaxation", in *Modern Heuristic Techniques*). For multipliers ``λ``::

      L(λ) = Σ_i λ_i + min_y { Σ_j ρ_j y_j : y feasible for p / forced sites },
      ρ_j  = f_j + Σ_{i:(i,j) allowed} min(0, c_ij − λ_i)

  which is a valid lower bound for every ``λ``.
* :func:`prune_pairs` — Lagrangian reduced-cost fixing: a pair or a site whose forced use
  raises the bound above the incumbent cannot be part of a better solution.

All work is on the sparse pair arrays of :class:`FacilityProblem`, O(pairs) per step.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from junheng.plan.facility.problem import BoolArray, FacilityProblem, FloatArray, IntArray, bound_closes_gap


def _big(problem: FacilityProblem) -> float:
    """Penalty for an unserved client: larger than any complete solution's cost."""
    if problem.nnz == 0:
        return 1.0
    max_per_client = np.maximum.reduceat(problem.pair_cost, problem.client_ptr[:-1])
    return 10.0 * (float(np.abs(max_per_client).sum()) + float(problem.fixed_cost.sum()) + 1.0)


@dataclass(frozen=True)
class Nearest:
    """Cheapest and second-cheapest open allowed site of every client."""

    d1: FloatArray
    d2: FloatArray
    site1: IntArray  # -1 if none open
    pair1: IntArray  # pair index of the cheapest open site, -1 if none


def nearest(problem: FacilityProblem, open_mask: BoolArray, big: float) -> Nearest:
    """Pairs are cost-sorted within each client, so the first open pair is the nearest."""
    n = problem.n_clients
    idx = np.flatnonzero(open_mask[problem.pair_site])
    cl = problem.pair_client[idx]
    d1 = np.full(n, big)
    d2 = np.full(n, big)
    site1 = np.full(n, -1, dtype=np.int64)
    pair1 = np.full(n, -1, dtype=np.int64)
    if idx.size:
        first = np.r_[True, cl[1:] != cl[:-1]]
        fpos = np.flatnonzero(first)
        c1 = cl[fpos]
        d1[c1] = problem.pair_cost[idx[fpos]]
        site1[c1] = problem.pair_site[idx[fpos]]
        pair1[c1] = idx[fpos]
        nxt = fpos + 1
        has2 = nxt < idx.size
        has2[has2] = cl[nxt[has2]] == c1[has2]
        d2[c1[has2]] = problem.pair_cost[idx[nxt[has2]]]
    return Nearest(d1=d1, d2=d2, site1=site1, pair1=pair1)


def _greedy(problem: FacilityProblem, big: float) -> BoolArray:
    m = problem.n_sites
    is_open = problem.force_open.copy()
    cl, st, c = problem.pair_client, problem.pair_site, problem.pair_cost
    blocked = problem.force_closed
    while True:
        if problem.p is not None and int(is_open.sum()) >= problem.p:
            break
        near = nearest(problem, is_open, big)
        gain = problem.fixed_cost + np.bincount(st, weights=np.minimum(0.0, c - near.d1[cl]), minlength=m)
        gain[is_open | blocked] = np.inf
        j = int(np.argmin(gain))
        if not np.isfinite(gain[j]):
            break
        if problem.p is None and gain[j] >= -1e-12:
            break
        is_open[j] = True
    return is_open


def local_search(
    problem: FacilityProblem,
    start: BoolArray | None = None,
    *,
    deadline: float = float("inf"),
) -> tuple[BoolArray, float]:
    """Best-improvement interchange (plus add/drop when ``p`` is free) from ``start``.

    Returns the locally optimal open mask and its objective (``inf`` if some client
    cannot be served).
    """
    big = _big(problem)
    m = problem.n_sites
    is_open = _greedy(problem, big) if start is None else start.copy()
    is_open |= problem.force_open
    is_open &= ~problem.force_closed
    cl, st, c, f = problem.pair_client, problem.pair_site, problem.pair_cost, problem.fixed_cost
    can_in = ~problem.force_closed
    can_out = ~problem.force_open
    while time.perf_counter() < deadline:
        near = nearest(problem, is_open, big)
        d1c = near.d1[cl]
        gain_in = f + np.bincount(st, weights=np.minimum(0.0, c - d1c), minlength=m)
        served = near.site1 >= 0
        loss_out = np.bincount(near.site1[served], weights=(near.d2 - near.d1)[served], minlength=m) - f
        best_delta, move = -1e-9 * max(1.0, abs(float(near.d1.sum()))), None
        if problem.p is None:
            add = np.where(~is_open & can_in, gain_in, np.inf)
            j = int(np.argmin(add))
            if add[j] < best_delta:
                best_delta, move = float(add[j]), (j, -1)
            drop = np.where(is_open & can_out, loss_out, np.inf)
            r = int(np.argmin(drop))
            if drop[r] < best_delta:
                best_delta, move = float(drop[r]), (-1, r)
        opened = np.flatnonzero(is_open & can_out)
        cand_in = np.flatnonzero(~is_open & can_in)
        if opened.size and cand_in.size:
            pos = np.full(m, -1, dtype=np.int64)
            pos[opened] = np.arange(opened.size)
            d2c = near.d2[cl]
            rel = (c < d2c) & (near.site1[cl] >= 0)
            rel &= pos[near.site1[cl]] >= 0
            rel_c, rel_cl = c[rel], cl[rel]
            corr = (
                np.minimum(rel_c, near.d2[rel_cl])
                - np.minimum(rel_c, near.d1[rel_cl])
                - (near.d2[rel_cl] - near.d1[rel_cl])
            )
            key = pos[near.site1[rel_cl]] * m + st[rel]
            extra = np.bincount(key, weights=corr, minlength=opened.size * m).reshape(opened.size, m)
            delta = extra[:, cand_in] + gain_in[cand_in][None, :] + loss_out[opened][:, None]
            k = int(np.argmin(delta))
            rr, jj = divmod(k, cand_in.size)
            if delta[rr, jj] < best_delta:
                best_delta, move = float(delta[rr, jj]), (int(cand_in[jj]), int(opened[rr]))
        if move is None:
            break
        j_in, r_out = move
        if j_in >= 0:
            is_open[j_in] = True
        if r_out >= 0:
            is_open[r_out] = False
    value = problem.evaluate(is_open)
    return is_open, value


@dataclass(frozen=True)
class LagrangianResult:
    bound: float
    multipliers: FloatArray
    iterations: int
    best_open: BoolArray
    best_value: float


def _select(problem: FacilityProblem, rho: FloatArray) -> BoolArray:
    sel = problem.force_open.copy()
    free = ~problem.force_open & ~problem.force_closed
    if problem.p is not None:
        k = problem.p - int(problem.force_open.sum())
        if k > 0:
            idx = np.flatnonzero(free)
            if k >= idx.size:
                sel[idx] = True
            else:
                part = np.argpartition(rho[idx], k - 1)[:k]
                sel[idx[part]] = True
    else:
        sel |= free & (rho < 0)
    return sel


def lagrangian_bound(
    problem: FacilityProblem,
    upper: float,
    best_open: BoolArray,
    *,
    deadline: float = float("inf"),
    max_iterations: int = 3000,
    heuristic_every: int = 60,
) -> LagrangianResult:
    """Subgradient maximisation of L(λ); runs the local search from Lagrangian solutions.

    Stops when the bound proves the incumbent optimal (within 1 for integer costs),
    the step size collapses, or the deadline / iteration limit is reached.
    """
    n, m = problem.n_clients, problem.n_sites
    cl_all, st_all, c_all = problem.pair_client, problem.pair_site, problem.pair_cost
    # initial multipliers: the second-cheapest cost of each client (or the cheapest)
    ptr = problem.client_ptr
    cnt = np.diff(ptr)
    lam = c_all[np.minimum(ptr[:-1] + 1, ptr[1:] - 1)].astype(np.float64).copy()
    lam[cnt == 0] = 0.0
    span = float(np.ptp(c_all)) if c_all.size else 1.0
    cap = np.empty(n)

    def _active() -> tuple[IntArray, IntArray, FloatArray]:
        cap[:] = lam + 0.5 * np.abs(lam) + 0.05 * span + 1.0
        a = np.flatnonzero(c_all < cap[cl_all])
        return cl_all[a], st_all[a], c_all[a]

    cl, st, c = _active()
    best_bound, best_lam = -np.inf, lam.copy()
    best_value = upper
    theta, stall, it = 2.0, 0, 0
    patience = 30
    for it in range(1, max_iterations + 1):
        if np.any(lam >= cap):
            cl, st, c = _active()
        r = c - lam[cl]
        neg = r < 0
        rho = problem.fixed_cost + np.bincount(st[neg], weights=r[neg], minlength=m)
        sel = _select(problem, rho)
        bound = float(lam.sum() + rho[sel].sum())
        if bound > best_bound + 1e-9 * max(1.0, abs(bound)):
            best_bound, best_lam, stall = bound, lam.copy(), 0
        else:
            stall += 1
            if stall >= patience:
                theta *= 0.5
                stall = 0
        if bound_closes_gap(best_bound, best_value, integral=problem.integral_costs):
            break
        if heuristic_every and it % heuristic_every == 0 and time.perf_counter() < deadline:
            cand, val = local_search(problem, sel, deadline=deadline)
            if val < best_value - 1e-9:
                best_value, best_open = val, cand
        take = neg & sel[st]
        g = 1.0 - np.bincount(cl[take], minlength=n)
        norm = float(g @ g)
        if norm == 0.0:
            break  # the Lagrangian solution is primal feasible: bound is exact
        target = best_value if np.isfinite(best_value) else bound + abs(bound) * 0.1 + 1.0
        lam = lam + theta * max(target - bound, 1e-9 * max(1.0, abs(bound))) / norm * g
        if theta < 1e-5 or time.perf_counter() >= deadline:
            break
    return LagrangianResult(
        bound=best_bound, multipliers=best_lam, iterations=it, best_open=best_open, best_value=best_value
    )


def prune_pairs(
    problem: FacilityProblem,
    multipliers: FloatArray,
    upper: float,
    incumbent: BoolArray,
) -> tuple[BoolArray, BoolArray, BoolArray, float]:
    """Lagrangian reduced-cost fixing against the incumbent value ``upper``.

    Returns ``(keep_pair, fix_open, fix_closed, bound)``: pairs and site decisions that no
    solution better than the incumbent can use / change (Beasley 1993, section 6.3).
    The incumbent's own open sites and pairs are always kept, so it stays feasible.
    """
    m = problem.n_sites
    cl, st, c = problem.pair_client, problem.pair_site, problem.pair_cost
    lam = multipliers
    r = c - lam[cl]
    neg = r < 0
    rho = problem.fixed_cost + np.bincount(st[neg], weights=r[neg], minlength=m)
    sel = _select(problem, rho)
    bound = float(lam.sum() + rho[sel].sum())
    free = ~problem.force_open & ~problem.force_closed
    # bound when site j is forced to the other side
    lb_open = np.full(m, bound)  # bound if y_j = 1
    lb_closed = np.full(m, bound)  # bound if y_j = 0
    if problem.p is not None:
        free_sel = np.flatnonzero(free & sel)
        free_out = np.flatnonzero(free & ~sel)
        worst_in = float(rho[free_sel].max()) if free_sel.size else np.inf
        best_out = float(rho[free_out].min()) if free_out.size else np.inf
        lb_open[free_out] = bound + rho[free_out] - worst_in
        lb_closed[free_sel] = bound - rho[free_sel] + best_out
    else:
        lb_open[free & ~sel] = bound + rho[free & ~sel]
        lb_closed[free & sel] = bound - rho[free & sel]
    tol = 1e-6 * max(1.0, abs(upper))
    threshold = upper - (1.0 if problem.integral_costs else 0.0) + tol
    fix_closed = problem.force_closed | (free & (lb_open > threshold) & ~incumbent)
    fix_open = problem.force_open | (free & (lb_closed > threshold) & incumbent)
    # bound if pair e is used: its site open (with its rho raised by the positive part)
    lb_pair = np.where(sel[st], bound, lb_open[st]) + np.maximum(0.0, r)
    near = nearest(problem, incumbent, _big(problem))
    keep = (lb_pair <= threshold) & ~fix_closed[st]
    keep[near.pair1[near.pair1 >= 0]] = True
    return keep, fix_open, fix_closed, bound
