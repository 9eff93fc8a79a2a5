"""Facility-location solver core: one sparse problem, exact MIP (HiGHS) and a fast
Lagrangian + local-search method, behind spopt-shaped model classes."""

from junheng.plan.facility.models import (
    CapacitatedFacilityLocation,
    FacilityModel,
    PMedian,
    SingleSourceCFL,
    UncapacitatedFacilityLocation,
)
from junheng.plan.facility.problem import (
    FacilityProblem,
    FacilityResult,
    InfeasibleModelError,
    SolveStatus,
)
from junheng.plan.facility.sided import SidedBound, SidedSites, sided_lagrangian_bound
from junheng.plan.facility.sided_search import SidedSearch
from junheng.plan.facility.solver import solve_problem

__all__ = [
    "CapacitatedFacilityLocation",
    "FacilityModel",
    "FacilityProblem",
    "FacilityResult",
    "InfeasibleModelError",
    "PMedian",
    "SidedBound",
    "SidedSearch",
    "SidedSites",
    "SingleSourceCFL",
    "SolveStatus",
    "UncapacitatedFacilityLocation",
    "sided_lagrangian_bound",
    "solve_problem",
]
