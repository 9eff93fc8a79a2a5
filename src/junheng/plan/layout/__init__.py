"""School layout optimisation (学校布局调整): keep, expand, merge, close or build.

A single-source capacitated facility-location model with side rules, built on the solver core
:mod:`junheng.plan.facility` (formulation in :mod:`.builders`, ``docs/dev/layout.md``).  Modules:

* :mod:`.rules` — :class:`LayoutRules`, :class:`StageRules`, :func:`load_layout_rules` (rules as TOML data) and
  :class:`LayoutInfeasibleError`;
* :mod:`.adapter` — the table adapter: clients (village × stage), sites (school section or candidate) and the
  allowed pairs with their yearly cost, from ``YearTables`` or plain arrays;
* :mod:`.builders` — :class:`LayoutModelBuilder`, the exact MIP one named constraint block at a time on top of
  the core's strong formulation (:func:`junheng.plan.facility.mip.strong_model`);
* :mod:`.exact` — HiGHS, one stage at a time, with an LP-guided start;
* :mod:`.search` — the fast path (``method="heuristic"``): a sided Lagrangian bound (:mod:`junheng.plan.facility.sided`),
  greedy + local search (:mod:`junheng.plan.facility.sided_search`) and a large-neighbourhood search;
* :mod:`.pricing` — the exact price of a plan and the diagnosis of an infeasible model;
* :mod:`.solution` — :class:`Solution`, the typed plan passed between them;
* :mod:`.model` — :class:`SchoolLayout` (coordinates the above), :class:`LayoutResult`, :func:`build_result`.
"""

from junheng.plan.layout.builders import LayoutModelBuilder
from junheng.plan.layout.model import LayoutResult, SchoolLayout, build_result
from junheng.plan.layout.rules import LayoutInfeasibleError, LayoutRules, StageRules, load_layout_rules
from junheng.plan.layout.solution import PolishStats, Solution

__all__ = [
    "LayoutInfeasibleError",
    "LayoutModelBuilder",
    "LayoutResult",
    "LayoutRules",
    "PolishStats",
    "SchoolLayout",
    "Solution",
    "StageRules",
    "build_result",
    "load_layout_rules",
]
