"""spopt-shaped model classes over the one shared core (:class:`FacilityProblem`).

``Model.from_cost_matrix(...)`` builds the model, ``model.solve(time_limit_s=...,
method=...)`` returns a frozen :class:`FacilityResult`. Cost-matrix entries that are
``inf`` or ``NaN`` mean "this client may not use this site" (sparse assignment sets).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from junheng.plan.facility.problem import FacilityProblem, FacilityResult, Method
from junheng.plan.facility.solver import DEFAULT_MAX_MIP_PAIRS, solve_problem

CostBasis = Literal["per_unit", "total"]


class FacilityModel:
    """A facility-location model: holds its :class:`FacilityProblem` and solves it."""

    def __init__(self, problem: FacilityProblem) -> None:
        self.problem = problem

    def solve(
        self,
        time_limit_s: float = 60.0,
        *,
        method: Method = "auto",
        max_mip_pairs: int = DEFAULT_MAX_MIP_PAIRS,
    ) -> FacilityResult:
        """Solve; ``method`` is ``"auto"`` (heuristic, then MIP if needed), ``"mip"`` or ``"heuristic"``."""
        return solve_problem(
            self.problem, time_limit_s=time_limit_s, method=method, max_mip_pairs=max_mip_pairs
        )


def _weighted(
    cost: npt.ArrayLike, weights: npt.ArrayLike | None, basis: CostBasis
) -> npt.NDArray[np.float64]:
    c = np.asarray(cost, dtype=np.float64)
    if c.ndim != 2:
        raise ValueError("cost must be a 2-D clients x sites matrix")
    if basis == "total" or weights is None:
        return c
    w = np.asarray(weights, dtype=np.float64).ravel()
    if w.size != c.shape[0]:
        raise ValueError(f"weights has {w.size} values for {c.shape[0]} clients")
    with np.errstate(invalid="ignore"):
        out = w[:, None] * c
    out[~np.isfinite(c)] = np.inf  # 0 * inf stays "not allowed"
    return out


class PMedian(FacilityModel):
    """p-median: open exactly ``p`` sites minimising total weighted cost (Hakimi 1964)."""

    @classmethod
    def from_cost_matrix(
        cls,
        cost: npt.ArrayLike,
        weights: npt.ArrayLike | None = None,
        *,
        p_facilities: int,
        force_open: npt.ArrayLike | None = None,
        force_closed: npt.ArrayLike | None = None,
        name: str = "p-median",
    ) -> PMedian:
        """``cost[i, j]`` per unit of demand, ``weights[i]`` the demand of client ``i`` (default 1)."""
        c = _weighted(cost, weights, "per_unit")
        return cls(
            FacilityProblem.from_dense(
                c, demand=weights, p=p_facilities, force_open=force_open, force_closed=force_closed, name=name
            )
        )


class UncapacitatedFacilityLocation(FacilityModel):
    """Uncapacitated facility location: fixed costs decide how many sites open."""

    @classmethod
    def from_cost_matrix(
        cls,
        cost: npt.ArrayLike,
        weights: npt.ArrayLike | None = None,
        *,
        fixed_cost: npt.ArrayLike,
        p_facilities: int | None = None,
        force_open: npt.ArrayLike | None = None,
        force_closed: npt.ArrayLike | None = None,
        cost_basis: CostBasis = "per_unit",
        name: str = "ufl",
    ) -> UncapacitatedFacilityLocation:
        c = _weighted(cost, weights, cost_basis)
        return cls(
            FacilityProblem.from_dense(
                c,
                demand=weights,
                fixed_cost=fixed_cost,
                p=p_facilities,
                force_open=force_open,
                force_closed=force_closed,
                name=name,
            )
        )


class CapacitatedFacilityLocation(FacilityModel):
    """Capacitated facility location, multi-source (a client's demand may be split)."""

    single_source = False

    @classmethod
    def from_cost_matrix(
        cls,
        cost: npt.ArrayLike,
        demand: npt.ArrayLike,
        *,
        capacity: npt.ArrayLike,
        fixed_cost: npt.ArrayLike,
        p_facilities: int | None = None,
        force_open: npt.ArrayLike | None = None,
        force_closed: npt.ArrayLike | None = None,
        cost_basis: CostBasis = "per_unit",
        name: str = "cflp",
    ) -> CapacitatedFacilityLocation:
        """``cost_basis="per_unit"``: cost per unit of demand; ``"total"``: cost of serving all of it
        (the OR-Library ``cap`` convention)."""
        c = _weighted(cost, demand, cost_basis)
        return cls(
            FacilityProblem.from_dense(
                c,
                demand=demand,
                capacity=capacity,
                fixed_cost=fixed_cost,
                p=p_facilities,
                force_open=force_open,
                force_closed=force_closed,
                single_source=cls.single_source,
                name=name,
            )
        )


class SingleSourceCFL(CapacitatedFacilityLocation):
    """Single-source capacitated facility location: each client served by exactly one site."""

    single_source = True
