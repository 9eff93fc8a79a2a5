"""A solution of the layout model as it passes between the exact solve, the search, pricing and the result."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class PolishStats:
    """What the large-neighbourhood search did (:mod:`junheng.plan.layout.search`)."""

    neighbourhoods: int = 0  # sub-models built (or found empty)
    improved: int = 0  # sub-solutions kept because strictly cheaper
    sweeps: int = 0  # passes over the map


@dataclass(frozen=True)
class Solution:
    """Open sites and one site per client, with the objective and what is known about the optimum.

    ``open_mask[j]`` — site ``j`` is open; ``assignment[i]`` — the site of client ``i`` (an index into the
    layout's ``sites``); ``objective`` — its cost (元/年) as the solver or :func:`~junheng.plan.layout.pricing.price`
    states it; ``bound`` — a valid lower bound on the optimum (``-inf`` while none is known); ``status`` —
    ``optimal`` (proved within HiGHS's relative gap), ``time_limit`` or ``feasible``; ``method`` — how it was
    found; ``nodes`` — branch-and-bound nodes; ``polish`` — the neighbourhood search's counts when it ran.
    """

    open_mask: BoolArray
    assignment: IntArray
    objective: float
    bound: float = -math.inf
    status: str = "feasible"
    method: str = ""
    nodes: int = 0
    polish: PolishStats | None = None

    def to_dict(self) -> dict[str, Any]:
        """The keys :func:`junheng.plan.explain.describe` reads: open, assign, status, objective, bound, method."""
        return {"open": self.open_mask, "assign": self.assignment, "status": self.status,
                "objective": self.objective, "bound": self.bound, "method": self.method, "nodes": self.nodes}
