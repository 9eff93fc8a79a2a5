"""Lagrangian lower bound for facility models with minimum sizes and paid expansion.

The school-layout model (:mod:`junheng.plan.layout`) is a single-source facility model
with side rules per site ``j``: load ``w_j = Σ_i d_i x_ij`` within ``[L_j, U_j]`` when
open, places beyond the current capacity ``C_j`` paid ``p_j`` each.  Relaxing the
assignment rows ``Σ_j x_ij = 1`` with free multipliers ``λ_i`` (Geoffrion 1974,
"Lagrangean relaxation for integer programming", Math. Prog. Study 2:82-114; for
capacitated location Beasley 1988, EJOR 33:314-325) splits the model into one problem
per site::

    ρ_j(λ) = f_j + min { Σ_i (c_ij − λ_i) x_ij + p_j (w_j − C_j)⁺ : L_j <= w_j <= U_j, 0 <= x_ij <= 1 }

a continuous knapsack with a convex piecewise-linear extra cost, solved exactly by
taking clients in order of ``(c_ij − λ_i)/d_i`` and evaluating the convex function of
the load at its breakpoints (every cumulative load, ``C_j``, ``L_j``, ``U_j``).  Then
``LB(λ) = Σ_i λ_i + Σ_j min(0, ρ_j)`` (forced-open sites add ``ρ_j``, forced-closed ones
nothing) is a valid lower bound of the model — relaxing ``x`` to ``[0, 1]`` and dropping
the (non-negative) bed costs only lowers it — and of every model with the same sites and
more rows.  (The layout model adds the bed cost of boarders at sites without beds, which is
linear, to their pair costs before calling; the convex bed cost at sites with beds is left out.)  Multipliers by subgradient ascent with Polyak steps (Held, Wolfe & Crowder
1974).  Unlike the core's bound (:mod:`capacitated`), minimum sizes and expansion costs
are inside, which is what closes most of the gap on layout models.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class SidedSites:
    """Per-site data: fixed cost, current capacity ``C``, max ``U``, min ``L``, price per added place."""

    fixed: FloatArray
    capacity: FloatArray
    max_size: FloatArray
    min_size: FloatArray
    place_cost: FloatArray
    force_open: BoolArray
    force_closed: BoolArray


@dataclass(frozen=True)
class SidedBound:
    bound: float
    multipliers: FloatArray
    open_mask: BoolArray  # sites with ρ_j < 0 at the best multipliers (or forced open)
    iterations: int


def site_values(
    pair_client: IntArray, pair_site: IntArray, pair_cost: FloatArray, demand: FloatArray,
    sites: SidedSites, lam: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """``ρ_j(λ)`` for every site and the optimal fractional ``x`` per pair of each site problem."""
    m = sites.fixed.size
    d = demand[pair_client]
    r = pair_cost - lam[pair_client]
    pos = d > 0
    fill = np.zeros(pair_cost.size)
    # zero-demand pairs: free load, take them when they pay
    zero = ~pos
    rho = sites.fixed.copy()
    if zero.any():
        take = zero & (r < 0)
        fill[take] = 1.0
        rho += np.bincount(pair_site[take], weights=r[take], minlength=m)
    idx = np.flatnonzero(pos)
    if idx.size == 0:
        return rho, fill
    ratio = r[idx] / d[idx]
    order = idx[np.lexsort((ratio, pair_site[idx]))]
    s, dd, rr = pair_site[order], d[order], r[order]
    start = np.r_[0, np.flatnonzero(s[1:] != s[:-1]) + 1]
    has = s[start]
    cw = np.cumsum(dd)
    cr = np.cumsum(rr)
    base_w = np.r_[0.0, cw][start]
    base_r = np.r_[0.0, cr][start]
    seg = np.repeat(np.arange(start.size), np.diff(np.r_[start, s.size]))
    w_k = cw - base_w[seg]  # cumulative load after item k (within its site)
    r_k = cr - base_r[seg]
    total = np.zeros(m)
    total[has] = np.add.reduceat(dd, start)
    lo = sites.min_size
    hi = np.minimum(sites.max_size, total)
    cap = np.minimum(sites.capacity, sites.max_size)
    p = sites.place_cost

    def value_at(w: FloatArray, site_ids: IntArray) -> FloatArray:
        """R(w) + p (w − C)⁺ for sites ``site_ids`` (w within [0, total])."""
        seg_of = np.full(m, -1, dtype=np.int64)
        seg_of[has] = np.arange(has.size)
        g = seg_of[site_ids]
        # global position: offset loads by a per-site shift so one searchsorted serves all sites
        shift = np.r_[0.0, np.cumsum(total[has] + 1.0)][:-1]
        key = w_k + shift[seg]
        q = np.searchsorted(key, w + shift[g] - 1e-12, side="left")  # first item reaching w
        q = np.minimum(q, s.size - 1)
        prev_w = np.where(q > start[g], w_k[np.maximum(q - 1, 0)], 0.0)
        prev_r = np.where(q > start[g], r_k[np.maximum(q - 1, 0)], 0.0)
        frac = np.clip((w - prev_w) / dd[q], 0.0, 1.0)
        val = prev_r + frac * rr[q]
        return val + p[site_ids] * np.maximum(w - cap[site_ids], 0.0)

    best = np.full(m, np.inf)
    best_w = np.full(m, np.nan)
    # breakpoints: cumulative loads
    ok = (w_k >= lo[s] - 1e-9) & (w_k <= hi[s] + 1e-9)
    vk = r_k + p[s] * np.maximum(w_k - cap[s], 0.0)
    vk = np.where(ok, vk, np.inf)
    best[has] = np.minimum.reduceat(vk, start)
    # arg: the smallest load reaching the minimum
    at = ok & (vk <= best[s] + 1e-9)
    first = np.full(m, np.inf)
    first[has] = np.minimum.reduceat(np.where(at, w_k, np.inf), start)
    best_w = np.where(np.isfinite(first), first, best_w)
    # interval ends and the capacity kink
    for w in (lo, hi, cap):
        sel = has[(w[has] >= lo[has] - 1e-9) & (w[has] <= hi[has] + 1e-9) & (total[has] > 0)]
        if sel.size:
            v = value_at(w[sel], sel)
            better = v < best[sel] - 1e-9
            best[sel[better]] = v[better]
            best_w[sel[better]] = w[sel][better]
    # load 0 allowed when the minimum is 0
    zero_ok = lo <= 1e-9
    better = zero_ok & (best > 0)
    best[better] = 0.0
    best_w[better] = 0.0
    rho = rho + best  # +inf where no load in [L, U] is reachable: the site cannot open
    # fractional fill at best_w
    wstar = np.nan_to_num(best_w[s], nan=0.0)
    prev = w_k - dd
    fill[order] = np.clip((wstar - prev) / dd, 0.0, 1.0)
    return rho, fill


def sided_lagrangian_bound(
    pair_client: IntArray, pair_site: IntArray, pair_cost: FloatArray, demand: FloatArray,
    sites: SidedSites, *, upper: float, deadline: float, max_iterations: int = 2000,
    multipliers: FloatArray | None = None,
) -> SidedBound:
    """Best ``LB(λ)`` found by subgradient ascent before ``deadline`` (``upper``: a known solution value)."""
    n = demand.size
    if multipliers is None:
        lam = np.full(n, np.inf)
        np.minimum.at(lam, pair_client, pair_cost)
        lam[~np.isfinite(lam)] = 0.0
    else:
        lam = multipliers.astype(float).copy()
    best_lb, best_lam = -np.inf, lam.copy()
    best_open = sites.force_open.copy()
    step, stall, it = 2.0, 0, 0
    free = ~sites.force_open & ~sites.force_closed
    while it < max_iterations and time.perf_counter() < deadline:
        it += 1
        rho, fill = site_values(pair_client, pair_site, pair_cost, demand, sites, lam)
        y = (free & (rho < 0)) | sites.force_open
        if np.any(sites.force_open & ~np.isfinite(rho)):
            break  # a forced-open site can reach no feasible load: no finite bound from here
        lb = float(lam.sum() + np.where(y, rho, 0.0).sum())
        if lb > best_lb + 1e-9 * abs(best_lb if np.isfinite(best_lb) else 1.0):
            best_lb, best_lam, best_open, stall = lb, lam.copy(), y.copy(), 0
        else:
            stall += 1
            if stall >= 20:
                step, stall = step / 2, 0
                if step < 1e-4:
                    break
        if np.isfinite(upper) and upper - best_lb <= 1e-6 * abs(upper):
            break  # the bound meets the known solution
        g = np.ones(n) - np.bincount(pair_client, weights=fill * y[pair_site], minlength=n)
        norm = float(g @ g)
        if norm < 1e-12:
            break  # the relaxed solution is feasible: LB is the optimum of the relaxation
        target = upper if np.isfinite(upper) and upper > lb else abs(lb) * 1.01 + 1.0
        lam = lam + step * (target - lb) / norm * g
    return SidedBound(best_lb, best_lam, best_open, it)
