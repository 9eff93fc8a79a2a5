"""The fast path (``method="heuristic"``): a sided Lagrangian bound, greedy + local search, and a
large-neighbourhood search of exact sub-models.

1. greedy from all sites open, then local search (close / open / move; :mod:`junheng.plan.facility.sided_search`)
   → an upper bound;
2. subgradient ascent on the Lagrangian with minimum sizes, maximum sizes and expansion costs inside the site
   problems (:mod:`junheng.plan.facility.sided`) → the bound;
3. greedy + local search again from the Lagrangian open set; the better plan is priced exactly
   (:func:`~junheng.plan.layout.pricing.price`);
4. the rest of the time the neighbourhood search (:class:`NeighbourhoodSearch`).

Time split :data:`HEURISTIC_SPLIT`, neighbourhood size and caps :data:`POLISH_SIZE`, :data:`POLISH_REL_GAP`,
:data:`POLISH_CAP_S`, measured on the synthetic province (``docs/dev/layout.md``).  The gap is reported as it is.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from junheng.plan.facility.sided import SidedSites, sided_lagrangian_bound
from junheng.plan.facility.sided_search import SidedSearch
from junheng.plan.layout.adapter import restrict
from junheng.plan.layout.exact import MIP_REL_GAP, solve_mip
from junheng.plan.layout.pricing import SideArrays, price, side_arrays
from junheng.plan.layout.solution import BoolArray, IntArray, PolishStats, Solution

if TYPE_CHECKING:
    from junheng.plan.layout.model import SchoolLayout

# large-neighbourhood search: sites per neighbourhood, HiGHS gap and time cap per sub-model
POLISH_SIZE = 8
POLISH_REL_GAP = 1e-3
POLISH_CAP_S = 0.5
# time split (fractions of the limit): first search until, bound until, second search until; then the LNS
HEURISTIC_SPLIT = (0.05, 0.25, 0.32)
HEURISTIC_METHOD = "heuristic(sided Lagrangian bound + greedy/local search + MIP neighbourhoods)"


def solve_heuristic(layout: SchoolLayout, deadline: float) -> Solution | None:
    """Lagrangian bound with the side rules inside + greedy / local search + neighbourhood search (module
    docstring); ``None`` when the greedy finds no plan."""
    started = time.perf_counter()
    total = max(deadline - started, 1.0)
    ar = side_arrays(layout.sites, layout.rules)
    s, p = layout.sites, layout.pairs
    sides = SidedSites(fixed=s["fixed_cost"].to_numpy(float), capacity=ar["cap"], max_size=ar["max"],
                       min_size=ar["min"], place_cost=ar["place"], force_open=s["keep"].to_numpy(bool),
                       force_closed=s["must_close"].to_numpy(bool))
    cl, st, cost = p["client"].to_numpy(np.int64), p["site"].to_numpy(np.int64), p["cost"].to_numpy(float)
    d = layout.clients["pupils"].to_numpy(float)
    search = SidedSearch(cl, st, cost, d, sides, pair_boards=p["boards"].to_numpy(bool), beds=ar["beds"],
                         bed_cost=ar["bed_cost"])
    # beds: at a site without beds every boarder costs a bed, q_j d_i, linear in x — put it in the pair
    # cost of the bound; at sites with beds the convex bed cost (≥ 0) is left out, which keeps it valid
    no_beds = p["boards"].to_numpy(bool) & (ar["beds"][st] <= 0)
    cost_lb = cost + np.where(no_beds, ar["bed_cost"][st] * d[cl], 0.0)
    best = _primal(layout, search, ~sides.force_closed, started + HEURISTIC_SPLIT[0] * total, ar)
    upper = best.objective if best is not None else np.inf
    lag = sided_lagrangian_bound(cl, st, cost_lb, d, sides, upper=upper,
                                 deadline=started + HEURISTIC_SPLIT[1] * total)
    second = _primal(layout, search, lag.open_mask, started + HEURISTIC_SPLIT[2] * total, ar)
    if second is not None and (best is None or second.objective < best.objective):
        best = second
    if best is None:
        return None
    if best.objective - lag.bound > MIP_REL_GAP * abs(best.objective):
        best = polish(layout, best, deadline - 0.5, ar)
    return replace(best, status="feasible", bound=lag.bound, method=HEURISTIC_METHOD)


def _primal(layout: SchoolLayout, search: SidedSearch, start_open: BoolArray, until: float,
            ar: SideArrays) -> Solution | None:
    """Greedy from ``start_open``, then local search until ``until``; sites left empty are closed (kept ones
    stay open) and the plan is priced exactly.  ``None`` when the greedy finds no plan."""
    try:
        o, _a, pair_of = search.greedy(start_open)
    except RuntimeError:
        return None
    o, assign, pair_of = search.improve(o, pair_of, until)
    load = np.bincount(assign, weights=search.d, minlength=len(layout.sites))
    o = (o & (load > 0)) | search.s.force_open
    return Solution(open_mask=o, assignment=assign, objective=price(layout, o, assign, ar))


def polish(layout: SchoolLayout, sol: Solution, until: float, ar: SideArrays, *,
           size: int = POLISH_SIZE) -> Solution:
    """Large-neighbourhood search from ``sol`` until ``until`` (:class:`NeighbourhoodSearch`)."""
    return NeighbourhoodSearch(layout, sol, until, size=size).run(ar)


@dataclass(frozen=True)
class Neighbourhood:
    """A sub-model: ``sub`` on the layout's sites ``sites`` and clients ``clients``, with ``start`` the current
    site of each of its clients (indices into ``sub.sites``)."""

    sub: SchoolLayout
    sites: IntArray
    clients: IntArray
    start: IntArray


class NeighbourhoodSearch:
    """Large-neighbourhood search: re-solve neighbouring sites and their clients exactly (HiGHS).

    A neighbourhood = a seed site and the ``size`` sites sharing the most candidate villages with it, with
    every client now assigned to one of them, each allowed only sites inside; clients elsewhere keep their
    school, so the sub-model's rows (sizes, beds) are exactly those of the full model and any sub-solution
    combines with the rest.  A strictly cheaper sub-solution is kept.  The search sweeps: each sweep takes
    the open sites in random order as seeds, skipping those already inside a neighbourhood of this sweep, so
    every part of the map is visited before any is visited twice; a sweep that improves nothing doubles the
    neighbourhood size (up to 48) and the time per neighbourhood (up to 8 s).  Neighbourhoods with no site in
    common (hence no client in common) run in a pipeline on two cores, up to three in flight.  The sub-models
    are solved to HiGHS's relative gap :data:`POLISH_REL_GAP` within :data:`POLISH_CAP_S` seconds: many quick
    neighbourhoods improve the plan more, in the same time, than a few exact ones (measured in
    docs/dev/layout.md).
    """

    def __init__(self, layout: SchoolLayout, sol: Solution, until: float, *, size: int = POLISH_SIZE) -> None:
        self.layout = layout
        self.until = until
        self.size = size
        self.cap = POLISH_CAP_S
        p = layout.pairs
        self.pair_client, self.pair_site = p["client"].to_numpy(np.int64), p["site"].to_numpy(np.int64)
        self.n, self.m = len(layout.clients), len(layout.sites)
        inc = sp.csr_matrix((np.ones(self.pair_client.size), (self.pair_client, self.pair_site)),
                            shape=(self.n, self.m))
        self.adjacency = (inc.T @ inc).tocsr()  # candidate villages two sites share
        self.open_mask, self.assignment = sol.open_mask.copy(), sol.assignment.copy()
        self.neighbourhoods = self.improved = self.sweeps = 0

    def neighbourhood(self, j0: int) -> BoolArray:
        """Sites of the neighbourhood of seed ``j0``: it and the ``size`` sites sharing the most villages with it."""
        adj = self.adjacency
        lo, hi = adj.indptr[j0], adj.indptr[j0 + 1]
        nb = adj.indices[lo:hi][np.argsort(-adj.data[lo:hi], kind="stable")][:self.size]
        in_s = np.zeros(self.m, dtype=bool)
        in_s[nb] = True
        in_s[j0] = True
        return in_s

    def sub_model(self, in_s: BoolArray) -> Neighbourhood | None:
        """The sub-model of the sites ``in_s`` and the clients now at them; ``None`` when no client is."""
        ci = np.flatnonzero(in_s[self.assignment])
        if ci.size == 0:
            return None
        si = np.flatnonzero(in_s)
        cmask = np.zeros(self.n, dtype=bool)
        cmask[ci] = True
        sub = restrict(self.layout, ci, si, in_s[self.pair_site] & cmask[self.pair_client])
        return Neighbourhood(sub=sub, sites=si, clients=ci, start=np.searchsorted(si, self.assignment[ci]))

    def task(self, in_s: BoolArray) -> tuple[Neighbourhood | None, Solution | None]:
        """Build and solve one neighbourhood (in a worker thread).  It reads only this neighbourhood's sites and
        clients, which no other task in flight touches."""
        item = self.sub_model(in_s)
        if item is None:
            return None, None
        limit = min(self.cap, max(0.1, self.until - time.perf_counter()))
        res = solve_mip(item.sub, limit, start=(self.open_mask[item.sites], item.start), rel_gap=POLISH_REL_GAP)
        return item, res

    def apply(self, item: Neighbourhood | None, res: Solution | None) -> bool:
        """Keep a sub-solution when it is strictly cheaper on its own sites; ``True`` when kept."""
        self.neighbourhoods += 1
        if item is None or res is None:
            return False
        # the rest of the map is unchanged: compare the neighbourhood's own cost before and after
        sub_ar = side_arrays(item.sub.sites, item.sub.rules)
        before = price(item.sub, self.open_mask[item.sites], item.start, sub_ar)
        after = price(item.sub, res.open_mask, res.assignment, sub_ar)
        if after < before - 1e-9 * max(1.0, abs(before)):
            self.open_mask[item.sites] = res.open_mask
            self.assignment[item.clients] = item.sites[res.assignment]
            self.improved += 1
            return True
        return False

    def run(self, ar: SideArrays) -> Solution:
        """Sweep until the deadline; the whole plan is priced once, exactly (``ar`` = the layout's side arrays)."""
        rng = np.random.default_rng(0)
        workers = 2 if (os.cpu_count() or 1) >= 2 else 1
        # a pipeline: up to `workers + 1` neighbourhoods in flight, pairwise disjoint, so that one is being built
        # (Python, holding the GIL) while the others are in HiGHS (which releases it)
        with ThreadPoolExecutor(max_workers=workers + 1) as pool:
            while time.perf_counter() < self.until - 0.2:
                if not self._sweep(pool, rng, workers):
                    self.size, self.cap = min(2 * self.size, 48), min(2 * self.cap, 8.0)
        o, assign = self.open_mask, self.assignment
        stats = PolishStats(neighbourhoods=self.neighbourhoods, improved=self.improved, sweeps=self.sweeps)
        return Solution(open_mask=o, assignment=assign, objective=price(self.layout, o, assign, ar), polish=stats)

    def _sweep(self, pool: ThreadPoolExecutor, rng: np.random.Generator, workers: int) -> bool:
        """One pass over the map with every open site a seed unless already covered; ``True`` when improved."""
        o = self.open_mask
        covered = np.zeros(self.m, dtype=bool)
        improved = False
        seeds = list(rng.permutation(np.flatnonzero(o)) if o.any() else rng.permutation(self.m))
        busy = np.zeros(self.m, dtype=bool)
        flight: dict[Future[tuple[Neighbourhood | None, Solution | None]], BoolArray] = {}
        while (seeds or flight) and time.perf_counter() < self.until - 0.2:
            k = 0
            while len(flight) <= workers and k < len(seeds):
                j0 = int(seeds[k])
                if covered[j0]:
                    seeds.pop(k)
                    continue
                in_s = self.neighbourhood(j0)
                if (in_s & busy).any():
                    k += 1  # overlaps one in flight: later
                    continue
                seeds.pop(k)
                busy |= in_s
                covered[in_s & o] = True
                flight[pool.submit(self.task, in_s)] = in_s
            if not flight:
                break
            done, _ = wait(list(flight), return_when=FIRST_COMPLETED)
            for fut in done:
                busy &= ~flight.pop(fut)
                improved |= self.apply(*fut.result())
        for fut in flight:  # the deadline: let the last ones finish, keep what they found
            improved |= self.apply(*fut.result())
        self.sweeps += 1
        return improved
