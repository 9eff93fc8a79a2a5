"""Primal side for the sided model of :mod:`junheng.plan.facility.sided`: greedy + local search.

From an open set, each client goes to its cheapest open allowed site; sites below their
minimum size are closed (smallest first) and their clients re-assigned; then a local
search applies improving moves until none is left or time is up:

* **close** an open site, sending each of its clients to its cheapest other open site;
* **open** a closed site for every client that saves by moving to it (sources kept at or
  above their minimum, emptied sources closed), when the new site reaches its minimum;
* **move** one client to another open site (keeping the source at or above its minimum
  size, or emptying it and saving its fixed cost, and the target within its maximum).

Costs are exact: fixed + pair costs + ``p_j (w_j − C_j)⁺`` + beds ``q_j (boarders_j − B_j)⁺``;
the caller re-prices the final solution with the full model all the same.
"""

from __future__ import annotations

import time

import numpy as np

from junheng.plan.facility.sided import BoolArray, FloatArray, IntArray, SidedSites


class SidedSearch:
    def __init__(self, pair_client: IntArray, pair_site: IntArray, pair_cost: FloatArray, demand: FloatArray,
                 sites: SidedSites, *, pair_boards: BoolArray | None = None, beds: FloatArray | None = None,
                 bed_cost: FloatArray | None = None) -> None:
        nb = np.zeros(pair_cost.size, dtype=bool) if pair_boards is None else np.asarray(pair_boards, dtype=bool)
        self.beds = np.zeros(sites.fixed.size) if beds is None else np.asarray(beds, dtype=float)
        self.bed_cost = np.zeros(sites.fixed.size) if bed_cost is None else np.asarray(bed_cost, dtype=float)
        # each client's pairs in order of cost, a boarder at a site without beds counting its bed
        key = pair_cost + np.where(nb & (self.beds[pair_site] <= 0), self.bed_cost[pair_site] * demand[pair_client], 0.0)
        order = np.lexsort((key, pair_client))
        self.boards = nb[order]
        self.cl, self.st, self.c = pair_client[order], pair_site[order], pair_cost[order]
        self.d = demand
        self.n, self.m = demand.size, sites.fixed.size
        self.ptr = np.searchsorted(self.cl, np.arange(self.n + 1))
        self.s = sites
        self.cap = np.minimum(sites.capacity, sites.max_size)
        by_site = np.argsort(self.st, kind="stable")
        self.site_pairs = np.split(by_site, np.searchsorted(self.st[by_site], np.arange(1, self.m)))

    def expansion(self, load: FloatArray) -> FloatArray:
        return self.s.place_cost * np.maximum(load - self.cap, 0.0)

    def value(self, open_mask: BoolArray, assign: IntArray, pair_of: IntArray) -> float:
        load = np.bincount(assign, weights=self.d, minlength=self.m).astype(float)
        bd = self.boards[pair_of]
        bl = np.bincount(assign[bd], weights=self.d[bd], minlength=self.m)
        return float(self.s.fixed[open_mask].sum() + self.c[pair_of].sum() + self.expansion(load).sum()
                     + (self.bed_cost * np.maximum(bl - self.beds, 0.0)).sum())

    def _assign(self, o: BoolArray) -> IntArray | None:
        """Cheapest open site with room (largest clients first); opens a site for a client left over."""
        pair_of = np.full(self.n, -1, dtype=np.int64)
        load = np.zeros(self.m)
        mx = self.s.max_size
        for i in np.argsort(-self.d, kind="stable"):
            di = float(self.d[i])
            chosen = -1
            for q in range(self.ptr[i], self.ptr[i + 1]):  # pairs sorted by cost
                k = self.st[q]
                if o[k] and load[k] + di <= mx[k] + 1e-9:
                    chosen = q
                    break
            if chosen < 0:
                for q in range(self.ptr[i], self.ptr[i + 1]):
                    k = self.st[q]
                    if not self.s.force_closed[k] and load[k] + di <= mx[k] + 1e-9:
                        chosen = q
                        o[k] = True
                        break
            if chosen < 0:
                return None
            pair_of[i] = chosen
            load[self.st[chosen]] += di
        return pair_of

    def greedy(self, open_mask: BoolArray) -> tuple[BoolArray, IntArray, IntArray]:
        """Assign to the cheapest open site with room, then close sites below their minimum (emptiest first)."""
        o = (open_mask | self.s.force_open) & ~self.s.force_closed
        for _ in range(200):
            pair_of = self._assign(o)
            if pair_of is None:
                break
            assign = self.st[pair_of]
            load = np.bincount(assign, weights=self.d, minlength=self.m)
            o &= (load > 0) | self.s.force_open
            low = o & ~self.s.force_open & (load < self.s.min_size - 1e-9)
            if not low.any():
                return o, assign, pair_of
            cand = np.flatnonzero(low)
            cand = cand[np.argsort(load[cand])][: max(1, cand.size // 2)]
            o[cand] = False
        raise RuntimeError("no feasible open set found")

    def improve(self, o: BoolArray, pair_of: IntArray, deadline: float) -> tuple[BoolArray, IntArray, IntArray]:
        o = o.copy()
        pair_of = pair_of.copy()
        assign = self.st[pair_of]
        load = np.bincount(assign, weights=self.d, minlength=self.m)
        bd0 = self.boards[pair_of]
        bload = np.bincount(assign[bd0], weights=self.d[bd0], minlength=self.m)
        boards, beds, qc = self.boards, self.beds, self.bed_cost
        members: list[set[int]] = [set() for _ in range(self.m)]
        for i, j in enumerate(assign):
            members[int(j)].add(i)
        f, p, cap, mx, mn = self.s.fixed, self.s.place_cost, self.cap, self.s.max_size, self.s.min_size

        def ex(j: int, w: float) -> float:
            return float(p[j] * max(w - cap[j], 0.0))

        def exb(j: int, w: float) -> float:
            return float(qc[j] * max(w - beds[j], 0.0))

        improved = True
        while improved and time.perf_counter() < deadline:
            improved = False
            # close moves, emptiest sites first
            for j in np.argsort(load):
                if time.perf_counter() >= deadline:
                    break
                j = int(j)
                if not o[j] or self.s.force_open[j]:
                    continue
                delta = -float(f[j]) - ex(j, load[j]) - exb(j, bload[j])
                extra: dict[int, float] = {}
                extra_b: dict[int, float] = {}
                moves = []
                ok = True
                for i in members[j]:
                    a, b = self.ptr[i], self.ptr[i + 1]
                    best = -1
                    for q in range(a, b):  # pairs sorted by cost
                        k = int(self.st[q])
                        if k != j and o[k] and load[k] + extra.get(k, 0.0) + self.d[i] <= mx[k] + 1e-9:
                            best = q
                            break
                    if best < 0:
                        ok = False
                        break
                    k = int(self.st[best])
                    delta += float(self.c[best] - self.c[pair_of[i]])
                    extra[k] = extra.get(k, 0.0) + float(self.d[i])
                    if boards[best]:
                        extra_b[k] = extra_b.get(k, 0.0) + float(self.d[i])
                    moves.append((i, best))
                if not ok:
                    continue
                delta += sum(ex(k, load[k] + w) - ex(k, load[k]) for k, w in extra.items())
                delta += sum(exb(k, bload[k] + w) - exb(k, bload[k]) for k, w in extra_b.items())
                if delta < -1e-6:
                    for i, q in moves:
                        k = int(self.st[q])
                        members[k].add(i)
                        pair_of[i] = q
                        load[k] += self.d[i]
                        if boards[q]:
                            bload[k] += self.d[i]
                    members[j] = set()
                    load[j] = 0.0
                    bload[j] = 0.0
                    o[j] = False
                    improved = True
            # open moves: a closed site takes every client that saves by moving to it
            for k in range(self.m):
                if time.perf_counter() >= deadline:
                    break
                if o[k] or self.s.force_closed[k]:
                    continue
                gain = -float(f[k])
                opens: list[tuple[int, int, int]] = []
                wk = 0.0
                taken: dict[int, float] = {}
                for q in self.site_pairs[k]:
                    i = int(self.cl[q])
                    qi = int(pair_of[i])
                    j = int(self.st[qi])
                    di = float(self.d[i])
                    left = load[j] - taken.get(j, 0.0) - di
                    if not self.s.force_open[j] and 1e-9 < left < mn[j] - 1e-9:
                        continue  # the source would fall below its minimum
                    if wk + di > mx[k] + 1e-9:
                        continue
                    save = float(self.c[qi] - self.c[q])
                    save += ex(j, load[j] - taken.get(j, 0.0)) - ex(j, left)
                    if save <= 0:
                        continue
                    opens.append((i, int(q), j))
                    taken[j] = taken.get(j, 0.0) + di
                    wk += di
                    gain += save
                if wk < mn[k] - 1e-9 or not opens:
                    continue
                gain -= ex(k, wk)
                bk = sum(float(self.d[i]) for i, q, _j in opens if boards[q])
                gain -= exb(k, bk)
                for i, _q, j in opens:
                    if boards[pair_of[i]]:
                        gain += exb(j, bload[j]) - exb(j, bload[j] - float(self.d[i]))
                emptied = [j for j in taken if load[j] - taken[j] <= 1e-9 and not self.s.force_open[j]]
                gain += sum(float(f[j]) for j in emptied)
                if gain > 1e-6:
                    for i, q, j in opens:
                        di = float(self.d[i])
                        members[j].discard(i)
                        members[k].add(i)
                        load[j] -= di
                        load[k] += di
                        if boards[pair_of[i]]:
                            bload[j] -= di
                        if boards[q]:
                            bload[k] += di
                        pair_of[i] = q
                    o[k] = True
                    for j in emptied:
                        o[j] = False
                        load[j] = 0.0
                        bload[j] = 0.0
                    improved = True
            # single-client moves
            for i in range(self.n):
                if time.perf_counter() >= deadline:
                    break
                j = int(self.st[pair_of[i]])
                di = float(self.d[i])
                empties = load[j] - di <= 1e-9 and not self.s.force_open[j]
                if not empties and load[j] - di < mn[j] - 1e-9 and not self.s.force_open[j]:
                    continue
                qi = pair_of[i]
                base = (float(self.c[qi]) + ex(j, load[j]) - ex(j, load[j] - di) + (float(f[j]) if empties else 0.0)
                        + (exb(j, bload[j]) - exb(j, bload[j] - di) if boards[qi] else 0.0))
                best_q, best_gain = -1, 1e-6
                for q in range(self.ptr[i], self.ptr[i + 1]):
                    k = int(self.st[q])
                    if k == j or not o[k] or load[k] + di > mx[k] + 1e-9:
                        continue
                    gain = base - float(self.c[q]) - (ex(k, load[k] + di) - ex(k, load[k]))
                    if boards[q]:
                        gain -= exb(k, bload[k] + di) - exb(k, bload[k])
                    if gain > best_gain:
                        best_q, best_gain = q, gain
                if best_q >= 0:
                    k = int(self.st[best_q])
                    members[j].discard(i)
                    members[k].add(i)
                    load[j] -= di
                    load[k] += di
                    if boards[qi]:
                        bload[j] -= di
                    if boards[best_q]:
                        bload[k] += di
                    pair_of[i] = best_q
                    if empties:
                        o[j] = False
                    improved = True
        return o, self.st[pair_of], pair_of
