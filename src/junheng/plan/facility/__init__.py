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
from junheng.plan.facility.solver import solve_problem

__all__ = [
    "CapacitatedFacilityLocation",
    "FacilityModel",
    "FacilityProblem",
    "FacilityResult",
    "InfeasibleModelError",
    "PMedian",
    "SingleSourceCFL",
    "SolveStatus",
    "UncapacitatedFacilityLocation",
    "solve_problem",
]
