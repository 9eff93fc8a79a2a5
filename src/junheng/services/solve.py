"""Facility-location instances in OR-Library formats, solved: the library behind ``junheng solve``.

Each function reads the file (:mod:`junheng.plan.orlib`), builds the model and
solves it; a malformed file is :class:`Invalid` naming the file and what was
wrong.  The benchmarks (``bench/layout_pmed.py``) call the engines directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from junheng.services.errors import Invalid

if TYPE_CHECKING:
    from junheng.plan.facility.problem import FacilityResult

Method = Literal["auto", "mip", "heuristic"]
METHODS: tuple[Method, ...] = ("auto", "mip", "heuristic")
T = TypeVar("T")


@dataclass(frozen=True)
class Solved:
    """An instance's name, the problem solved and the solver's result."""

    instance: str
    problem: str  # pmedian | cflp | sscflp
    result: FacilityResult

    def to_dict(self) -> dict[str, Any]:
        return {"instance": self.instance, "problem": self.problem, **self.result.to_dict()}


def _read(reader: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    from junheng.plan.orlib import InstanceFormatError

    try:
        return reader(*args, **kwargs)
    except InstanceFormatError as exc:
        raise Invalid(str(exc)) from exc


def _method(value: str) -> Method:
    for m in METHODS:
        if value == m:
            return m
    raise Invalid(f"求解方法应为 auto、mip 或 heuristic，实为 {value}",
                  f"the method must be auto, mip or heuristic, not {value}")


def solve_pmedian(path: str | Path, *, p: int | None = None, time_limit_s: float = 600.0,
                  method: str = "auto") -> Solved:
    """The uncapacitated p-median of an OR-Library ``pmed`` file (``p`` defaults to the file's)."""
    from junheng.plan import PMedian
    from junheng.plan.orlib import read_pmed

    inst = _read(read_pmed, path)
    model = PMedian.from_cost_matrix(inst.cost, p_facilities=p or inst.p)
    return Solved(inst.name, "pmedian", model.solve(time_limit_s=time_limit_s, method=_method(method)))


def solve_cflp(path: str | Path, *, capacity: float | None = None, time_limit_s: float = 600.0,
               method: str = "auto") -> Solved:
    """The multi-source capacitated facility location of a Beasley ``cap`` file."""
    from junheng.plan import CapacitatedFacilityLocation
    from junheng.plan.orlib import read_cap

    inst = _read(read_cap, path, capacity=capacity)
    model = CapacitatedFacilityLocation.from_cost_matrix(inst.cost, inst.demand, capacity=inst.capacity,
                                                         fixed_cost=inst.fixed_cost, cost_basis="total")
    return Solved(inst.name, "cflp", model.solve(time_limit_s=time_limit_s, method=_method(method)))


def solve_sscflp(path: str | Path, *, time_limit_s: float = 600.0, method: str = "auto") -> Solved:
    """The single-source capacitated facility location of a ``J I`` format file."""
    from junheng.plan import SingleSourceCFL
    from junheng.plan.orlib import read_sscflp

    inst = _read(read_sscflp, path)
    model = SingleSourceCFL.from_cost_matrix(inst.cost, inst.demand, capacity=inst.capacity,
                                             fixed_cost=inst.fixed_cost, cost_basis="total")
    return Solved(inst.name, "sscflp", model.solve(time_limit_s=time_limit_s, method=_method(method)))
