"""The shared facility-location problem data and its frozen result.

Every model of this package (p-median, uncapacitated / capacitated / single-source
facility location, and later the school layout) is one :class:`FacilityProblem`:

* clients ``i`` with demand ``d_i``; candidate sites ``j`` with fixed cost ``f_j`` and,
  optionally, capacity ``Q_j``;
* a *sparse* set of allowed (client, site) pairs ``e = (i, j)``, stored client-major
  (CSR), each with the cost ``c_e`` of serving *all* of client ``i``'s demand from ``j``;
* optionally exactly ``p`` open sites, sites forced open or forced closed, and the
  single-source flag (each client served by exactly one site).

The formulation (Cornuéjols, Nemhauser & Wolsey 1990, "The uncapacitated facility
location problem", in *Discrete Location Theory*; capacitated variant as in Beasley
1988, EJOR 33:314-325)::

    min  sum_j f_j y_j + sum_e c_e x_e
    s.t. sum_{e in E(i)} x_e = 1                 for every client i     (assignment)
         x_e <= y_j                              for every pair e=(i,j) (strong linking)
         sum_{e in E(j)} d_i x_e <= Q_j y_j      for every site j       (capacity, if any)
         sum_j y_j = p                                                   (if p is given)
         y_j in {0,1};  x_e in [0,1]  (x_e in {0,1} if single-source)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

SolveStatus = Literal["optimal", "feasible", "infeasible", "time_limit"]
Method = Literal["auto", "mip", "heuristic"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class InfeasibleModelError(ValueError):
    """A model that provably has no feasible solution; the message says why and where."""


@dataclass(frozen=True)
class FacilityResult:
    """The solution of a facility-location model (frozen).

    ``assignment[i]`` is the site serving client ``i`` (for multi-source models the site
    serving its largest share; ``-1`` when no solution was found). ``allocation`` holds
    the fractions ``x_ij`` as a sparse ``clients x sites`` matrix (for single-source and
    uncapacitated models every row has one entry equal to 1). ``bound`` is a valid lower
    bound on the optimum; ``gap = (objective - bound) / max(|objective|, 1e-9)``.
    """

    status: SolveStatus
    open_sites: tuple[int, ...]
    assignment: IntArray
    allocation: sp.csr_matrix | None
    objective: float
    bound: float
    gap: float
    seconds: float
    method: str
    message: str = ""
    details: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary (objective, bound, gap, seconds, status, open sites)."""

        def _num(v: float) -> float | None:
            return None if not np.isfinite(v) else float(v)

        return {
            "status": self.status,
            "objective": _num(self.objective),
            "bound": _num(self.bound),
            "gap": _num(self.gap),
            "seconds": round(self.seconds, 4),
            "method": self.method,
            "open_sites": [int(j) for j in self.open_sites],
            "n_open": len(self.open_sites),
            "message": self.message,
            "details": {k: (_num(v) if isinstance(v, float) else v) for k, v in self.details.items()},
        }


def bound_closes_gap(lower: float, upper: float, *, integral: bool) -> bool:
    """True when ``lower`` proves ``upper`` optimal (for integer data: no integer lies in (lower, upper))."""
    if not (np.isfinite(lower) and np.isfinite(upper)):
        return False
    if integral:
        return lower > upper - 1.0 + 1e-7
    return lower >= upper - 1e-9 * max(1.0, abs(upper))


def relative_gap(objective: float, bound: float) -> float:
    if not np.isfinite(objective):
        return float("inf")
    if not np.isfinite(bound):
        return float("inf")
    return max(0.0, (objective - bound) / max(abs(objective), 1e-9))


@dataclass(frozen=True, eq=False)
class FacilityProblem:
    """Facility-location data in sparse client-major form (see the module docstring).

    Build it with :meth:`from_dense` (``inf``/``NaN`` cost = pair not allowed) or
    :meth:`from_pairs`; the model classes (:class:`~junheng.plan.facility.PMedian`, …)
    do this for you.
    """

    n_clients: int
    n_sites: int
    client_ptr: IntArray  # (n_clients + 1,) CSR row pointer
    pair_site: IntArray  # (nnz,) site of each pair, sorted by cost within a client
    pair_cost: FloatArray  # (nnz,) cost of serving the whole client from that site
    demand: FloatArray  # (n_clients,)
    fixed_cost: FloatArray  # (n_sites,)
    capacity: FloatArray | None  # (n_sites,) or None = uncapacitated
    p: int | None
    force_open: BoolArray  # (n_sites,)
    force_closed: BoolArray  # (n_sites,)
    single_source: bool
    name: str = "facility-location"

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_pairs(
        cls,
        client: npt.ArrayLike,
        site: npt.ArrayLike,
        cost: npt.ArrayLike,
        *,
        n_clients: int,
        n_sites: int,
        demand: npt.ArrayLike | None = None,
        fixed_cost: npt.ArrayLike | None = None,
        capacity: npt.ArrayLike | None = None,
        p: int | None = None,
        force_open: npt.ArrayLike | None = None,
        force_closed: npt.ArrayLike | None = None,
        single_source: bool = False,
        name: str = "facility-location",
    ) -> FacilityProblem:
        """Build from the allowed pairs ``(client[k], site[k])`` with total cost ``cost[k]``.

        Non-finite costs are dropped (pair not allowed); duplicate pairs keep the last one.
        """
        cl = np.asarray(client, dtype=np.int64).ravel()
        st = np.asarray(site, dtype=np.int64).ravel()
        cs = np.asarray(cost, dtype=np.float64).ravel()
        if not (cl.shape == st.shape == cs.shape):
            raise ValueError("client, site and cost must have the same length")
        keep = np.isfinite(cs)
        cl, st, cs = cl[keep], st[keep], cs[keep]
        if cl.size and (cl.min() < 0 or cl.max() >= n_clients or st.min() < 0 or st.max() >= n_sites):
            raise ValueError("client or site index out of range")
        # duplicates: last occurrence wins
        key = cl * n_sites + st
        _, last_rev = np.unique(key[::-1], return_index=True)
        idx = np.sort(cl.size - 1 - last_rev)
        cl, st, cs = cl[idx], st[idx], cs[idx]
        order = np.lexsort((st, cs, cl))  # by client, then cost, then site
        cl, st, cs = cl[order], st[order], cs[order]
        ptr = np.zeros(n_clients + 1, dtype=np.int64)
        np.cumsum(np.bincount(cl, minlength=n_clients), out=ptr[1:])

        def _vec(v: npt.ArrayLike | None, n: int, default: float) -> FloatArray:
            if v is None:
                return np.full(n, default, dtype=np.float64)
            a = np.asarray(v, dtype=np.float64).ravel()
            if a.size == 1:
                return np.full(n, float(a[0]))
            if a.size != n:
                raise ValueError(f"expected {n} values, got {a.size}")
            return a

        def _mask(v: npt.ArrayLike | None, n: int) -> BoolArray:
            if v is None:
                return np.zeros(n, dtype=bool)
            a = np.asarray(v)
            if a.dtype == bool:
                if a.size != n:
                    raise ValueError(f"expected a mask of {n} sites")
                return a.astype(bool).copy()
            m = np.zeros(n, dtype=bool)
            m[a.astype(np.int64).ravel()] = True
            return m

        dem = _vec(demand, n_clients, 1.0)
        fix = _vec(fixed_cost, n_sites, 0.0)
        cap = None if capacity is None else _vec(capacity, n_sites, np.inf)
        if np.any(dem < 0) or np.any(fix < 0) or (cap is not None and np.any(cap < 0)):
            raise ValueError("demands, fixed costs and capacities must be non-negative")
        fo, fc = _mask(force_open, n_sites), _mask(force_closed, n_sites)
        if np.any(fo & fc):
            j = int(np.flatnonzero(fo & fc)[0])
            raise InfeasibleModelError(
                f"站点 {j} 同时被设为必须保留和必须关闭 / site {j} is both forced open and forced closed"
            )
        return cls(
            n_clients=int(n_clients),
            n_sites=int(n_sites),
            client_ptr=ptr,
            pair_site=st,
            pair_cost=cs,
            demand=dem,
            fixed_cost=fix,
            capacity=cap,
            p=None if p is None else int(p),
            force_open=fo,
            force_closed=fc,
            single_source=bool(single_source),
            name=name,
        )

    @classmethod
    def from_dense(cls, cost: npt.ArrayLike, **kwargs: object) -> FacilityProblem:
        """Build from a dense ``clients x sites`` matrix of total assignment costs.

        ``inf`` or ``NaN`` entries mean "not allowed".
        """
        c = np.asarray(cost, dtype=np.float64)
        if c.ndim != 2:
            raise ValueError("cost must be a 2-D clients x sites matrix")
        n, m = c.shape
        ii, jj = np.nonzero(np.isfinite(c))
        return cls.from_pairs(ii, jj, c[ii, jj], n_clients=n, n_sites=m, **kwargs)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ derived data
    @property
    def nnz(self) -> int:
        return int(self.pair_site.size)

    @property
    def pair_client(self) -> IntArray:
        return np.repeat(np.arange(self.n_clients, dtype=np.int64), np.diff(self.client_ptr))

    @property
    def is_capacitated(self) -> bool:
        return self.capacity is not None and bool(np.any(np.isfinite(self.capacity)))

    @property
    def integral_costs(self) -> bool:
        """True when every cost is an integer, so any better solution is at least 1 lower."""
        return bool(
            np.all(self.pair_cost == np.round(self.pair_cost))
            and np.all(self.fixed_cost == np.round(self.fixed_cost))
        )

    def evaluate(self, open_mask: BoolArray, allocation: sp.csr_matrix | None = None) -> float:
        """Objective of an open set: fixed costs plus allocation cost.

        Without ``allocation`` each client goes to its cheapest open allowed site
        (optimal for uncapacitated models); returns ``inf`` if a client cannot be served.
        """
        fixed = float(self.fixed_cost[open_mask].sum())
        if allocation is not None:
            costs = sp.csr_matrix(
                (self.pair_cost, self.pair_site, self.client_ptr), shape=(self.n_clients, self.n_sites)
            )
            return fixed + float(costs.multiply(allocation).sum())
        masked = np.where(open_mask[self.pair_site], self.pair_cost, np.inf)
        d1 = np.minimum.reduceat(masked, self.client_ptr[:-1]) if self.nnz else np.array([])
        return fixed + float(d1.sum())

    def check_feasible(self) -> None:
        """Raise :class:`InfeasibleModelError` with a clear reason if infeasibility is evident.

        Checks: a client with no allowed (not forced-closed) site; ``p`` against the
        forced-open and available sites; total capacity against total demand; a
        single-source client larger than every site it may use.
        """
        usable = ~self.force_closed
        has = np.zeros(self.n_clients, dtype=bool)
        ok_pair = usable[self.pair_site]
        has[self.pair_client[ok_pair]] = True
        if not has.all():
            i = int(np.flatnonzero(~has)[0])
            raise InfeasibleModelError(
                f"需求点 {i} 没有任何可用的候选站点（共 {int((~has).sum())} 个需求点如此）"
                f" / client {i} has no allowed site ({int((~has).sum())} clients without any)"
            )
        n_forced, n_usable = int(self.force_open.sum()), int(usable.sum())
        if self.p is not None:
            if self.p < n_forced:
                raise InfeasibleModelError(
                    f"必须保留 {n_forced} 个站点，但只能开设 p={self.p} 个 / {n_forced} sites are forced open but p={self.p}"
                )
            if self.p > n_usable:
                raise InfeasibleModelError(
                    f"要求开设 p={self.p} 个站点，但只有 {n_usable} 个可用 / p={self.p} exceeds the {n_usable} usable sites"
                )
            if self.p < 1 and self.n_clients > 0:
                raise InfeasibleModelError("p 必须至少为 1 / p must be at least 1")
        if self.capacity is not None:
            cap = np.where(usable, self.capacity, 0.0)
            total_demand = float(self.demand.sum())
            if self.p is not None:
                free_caps = np.sort(cap[usable & ~self.force_open])[::-1]
                best = float(cap[self.force_open].sum() + free_caps[: self.p - n_forced].sum())
                what = f"容量最大的 {self.p} 个站点总容量 / the {self.p} largest capacities sum to"
            else:
                best = float(cap.sum())
                what = "全部可用站点总容量 / total capacity of all usable sites is"
            if best < total_demand - 1e-9 * max(1.0, total_demand):
                raise InfeasibleModelError(
                    f"容量不足：{what} {best:g} < 总需求 / total demand {total_demand:g}"
                )
            if self.single_source:
                pair_cap = np.where(ok_pair, cap[self.pair_site], 0.0)
                max_cap = np.maximum.reduceat(pair_cap, self.client_ptr[:-1])
                too_big = self.demand > max_cap + 1e-9
                if too_big.any():
                    i = int(np.flatnonzero(too_big)[0])
                    raise InfeasibleModelError(
                        f"需求点 {i} 的需求 {self.demand[i]:g} 超过其任何可用站点的容量（最大 {max_cap[i]:g}）"
                        f" / client {i} demand {self.demand[i]:g} exceeds every allowed site's capacity"
                    )

    def restrict(self, keep_pair: BoolArray) -> FacilityProblem:
        """The same problem with only the pairs where ``keep_pair`` is true."""
        cl = self.pair_client[keep_pair]
        ptr = np.zeros(self.n_clients + 1, dtype=np.int64)
        np.cumsum(np.bincount(cl, minlength=self.n_clients), out=ptr[1:])
        return FacilityProblem(
            n_clients=self.n_clients,
            n_sites=self.n_sites,
            client_ptr=ptr,
            pair_site=self.pair_site[keep_pair],
            pair_cost=self.pair_cost[keep_pair],
            demand=self.demand,
            fixed_cost=self.fixed_cost,
            capacity=self.capacity,
            p=self.p,
            force_open=self.force_open,
            force_closed=self.force_closed,
            single_source=self.single_source,
            name=self.name,
        )
