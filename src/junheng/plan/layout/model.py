"""The layout model (:class:`SchoolLayout`) and its frozen result (:class:`LayoutResult`).

:class:`SchoolLayout` coordinates the modules of this package: the table adapter (:mod:`.adapter`) builds
its frames, the exact solve (:mod:`.exact`, with the MIP from :mod:`.builders`) or the fast path
(:mod:`.search`) finds a :class:`~.solution.Solution`, :mod:`.pricing` prices plans and names the rule that
cannot be met, and :mod:`junheng.plan.explain` turns the solution into the frames of the result.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy.typing as npt
import pandas as pd

from junheng.domain.tables import YearTables
from junheng.plan.facility import FacilityProblem
from junheng.plan.layout.adapter import LayoutFrames, frames_from_cost_matrix, frames_from_tables
from junheng.plan.layout.exact import solve_by_stage
from junheng.plan.layout.pricing import diagnose, evident_infeasibility
from junheng.plan.layout.rules import LayoutRules, load_layout_rules
from junheng.plan.layout.search import solve_heuristic
from junheng.plan.layout.solution import Solution

MAX_MIP_PAIRS = 200_000  # ``method="auto"``: the exact MIP up to this many pairs, else the heuristic
DIAGNOSIS_TIME_S = 30.0  # time per relaxed model when the diagnosis looks for the rule that cannot be met


@dataclass(frozen=True)
class LayoutResult:
    """The solved layout (frozen).

    * ``decisions`` — one row per school: ``school_code, name, decision`` (keep / expand /
      close / merge / build / keep_small), ``merge_into`` (code), ``merge_into_name``,
      ``pupils``, ``explanation`` (中文);
    * ``sections`` — one row per site (school × stage): open, pupils, capacity, places
      and beds added, boarders, classes, teachers needed;
    * ``zones`` — one row per (village, stage): assigned school, minutes, km, boards,
      and the minutes before (to the nearest current school);
    * ``travel`` — travel-time distribution before/after (pupils by band and stage);
    * ``idle_assets`` — closed schools' buildings with areas and a suggested use;
    * ``costs`` — cost breakdown (元/年).
    """

    status: str
    year: int
    decisions: pd.DataFrame
    sections: pd.DataFrame
    zones: pd.DataFrame
    travel: pd.DataFrame
    idle_assets: pd.DataFrame
    costs: Mapping[str, float]
    objective: float
    bound: float
    gap: float
    seconds: float
    method: str
    day_limits: Mapping[str, float]  # one-way day travel limit by stage (minutes): the rules' ``day_limit_min``
    assumptions: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def open_sites(self) -> tuple[str, ...]:
        s = self.sections
        return tuple(s.loc[s["open"], "site_id"])

    def summary(self) -> dict[str, Any]:
        s, z = self.sections, self.zones
        out: dict[str, Any] = {"status": self.status, "year": self.year, "objective": self.objective,
                               "bound": self.bound, "gap": self.gap, "seconds": round(self.seconds, 3)}
        for stage in ("primary", "junior"):
            ss = s[(s["stage"] == stage) & s["open"]]
            zz = z[z["stage"] == stage]
            out[f"{stage}_schools"] = int(ss["school_code"].nunique())
            out[f"{stage}_pupils"] = float(zz["pupils"].sum())
            out[f"{stage}_boarders"] = float(zz.loc[zz["boards"], "pupils"].sum())
            out[f"{stage}_teachers"] = float(ss["teachers_needed"].sum())
        lim = self.day_limits
        out["pupils_over_limit"] = float(sum(z[(z["stage"] == st) & (z["minutes"] > m) & ~z["boards"]]["pupils"].sum()
                                             for st, m in lim.items()))
        out["pupils_over_30_45"] = float(sum(z[(z["stage"] == st) & (z["minutes"] > m)]["pupils"].sum()
                                             for st, m in lim.items()))
        out["cost_total"] = float(sum(self.costs.values()))
        out["decisions"] = self.decisions["decision"].value_counts().to_dict()
        return out


@dataclass(frozen=True, eq=False)
class SchoolLayout:
    """The layout model; build with :meth:`from_tables` or :meth:`from_cost_matrix`, then :meth:`solve`."""

    clients: pd.DataFrame  # village_code, village_name, stage, pupils, lon, lat, minutes_before
    sites: pd.DataFrame  # site_id, school_code, name, stage, existing, capacity, max_size, min_size, beds, ...
    pairs: pd.DataFrame  # client, site, minutes, km, boards, cost
    rules: LayoutRules
    year: int
    assumptions: tuple[str, ...] = ()
    school_info: pd.DataFrame = field(default_factory=pd.DataFrame)

    # ------------------------------------------------------------------ builders
    @classmethod
    def from_cost_matrix(
        cls,
        minutes: npt.ArrayLike,
        demand: npt.ArrayLike,
        *,
        capacity: npt.ArrayLike,
        fixed_cost: npt.ArrayLike,
        stage: str = "primary",
        rules: LayoutRules | None = None,
        max_size: npt.ArrayLike | None = None,
        min_size: npt.ArrayLike | float | None = None,
        beds: npt.ArrayLike | float = 0.0,
        km: npt.ArrayLike | None = None,
        keep: Sequence[int] = (),
        must_close: Sequence[int] = (),
        names: Sequence[str] | None = None,
        village_names: Sequence[str] | None = None,
        year: int = 0,
    ) -> SchoolLayout:
        """Plain arrays: ``minutes`` villages × sites, one stage. Rules default to the shipped ones."""
        rules = rules or load_layout_rules()
        frames = frames_from_cost_matrix(minutes, demand, capacity=capacity, fixed_cost=fixed_cost, stage=stage,
                                         rules=rules, max_size=max_size, min_size=min_size, beds=beds, km=km,
                                         keep=keep, must_close=must_close, names=names, village_names=village_names)
        return cls._from_frames(frames, rules=rules, year=year)

    @classmethod
    def from_tables(
        cls,
        tables: YearTables,
        *,
        year: int,
        rules: LayoutRules | None = None,
        travel: Any = None,
        variant: str = "central",
        base_year: int | None = None,
        new_sites: str | Sequence[Mapping[str, Any]] = "auto",
        stages: Sequence[str] = ("primary", "junior"),
    ) -> SchoolLayout:
        """The county's layout model for ``year`` from its registry tables.

        ``travel`` is a :class:`junheng.geo.RoadNetwork` (default: the synthetic network
        over the villages; :func:`junheng.geo.synthetic_network`).  Demand is the
        projected pupils (``variant``) times the base year's share of pupils in the
        public schools that take part (private and special schools are left out).
        """
        rules = rules or load_layout_rules()
        frames = frames_from_tables(tables, year=year, rules=rules, travel=travel, variant=variant,
                                    base_year=base_year, new_sites=new_sites, stages=stages)
        return cls._from_frames(frames, rules=rules, year=year)

    @classmethod
    def _from_frames(cls, frames: LayoutFrames, *, rules: LayoutRules, year: int) -> SchoolLayout:
        return cls(clients=frames.clients, sites=frames.sites, pairs=frames.pairs, rules=rules, year=year,
                   assumptions=frames.assumptions, school_info=frames.school_info)

    # ------------------------------------------------------------------ solve
    def problem(self) -> FacilityProblem:
        """The core single-source problem (capacity = maximum size; side rules not included)."""
        s = self.sites
        return FacilityProblem.from_pairs(
            self.pairs["client"], self.pairs["site"], self.pairs["cost"], n_clients=len(self.clients),
            n_sites=len(s), demand=self.clients["pupils"], fixed_cost=s["fixed_cost"],
            capacity=s["max_size"], force_open=s["keep"].to_numpy(bool), force_closed=s["must_close"].to_numpy(bool),
            single_source=True, name="school-layout")

    def check(self) -> None:
        """Raise :class:`LayoutInfeasibleError` when a rule evidently cannot be met, naming it and where."""
        error = evident_infeasibility(self)
        if error is not None:
            raise error

    def solve(self, *, time_limit_s: float = 60.0, method: str = "auto") -> LayoutResult:
        """Solve; ``method`` ``"mip"`` (exact, HiGHS), ``"heuristic"`` (core Lagrangian) or ``"auto"``.

        ``auto`` uses the exact MIP up to 200,000 pairs, else the heuristic.
        """
        started = time.perf_counter()
        self.check()
        if method == "auto":
            method = "mip" if len(self.pairs) <= MAX_MIP_PAIRS else "heuristic"
        if method == "mip":
            sol = solve_by_stage(self, time_limit_s)
        elif method == "heuristic":
            sol = solve_heuristic(self, started + time_limit_s)
        else:
            raise ValueError(f"unknown method {method!r}")
        if sol is None:
            raise diagnose(self, lambda rule: solve_by_stage(self, DIAGNOSIS_TIME_S, drop=rule))
        return build_result(self, sol, seconds=time.perf_counter() - started)


def build_result(layout: SchoolLayout, sol: Solution, *, seconds: float) -> LayoutResult:
    """Turn open sites and assignments into the frames of :class:`LayoutResult`."""
    from junheng.plan.explain import describe

    return describe(layout, sol, seconds=seconds)
