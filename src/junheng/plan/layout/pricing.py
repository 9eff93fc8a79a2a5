"""Pricing a plan exactly, and saying which rule cannot be met when there is no plan.

The price of open sites ``y`` and an assignment ``x`` is the model's objective
``Σ f_j y_j + Σ c_ij x_ij + Σ p_j e_j + Σ q_j b_j`` with the places added ``e_j = (load_j − C_j)⁺`` and the beds
added ``b_j = (boarders_j − B_j)⁺`` — the cheapest ``e, b`` for that ``x`` (see :mod:`junheng.plan.layout.builders`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from junheng.plan.explain import STAGE_CN
from junheng.plan.layout.adapter import assigned_pairs
from junheng.plan.layout.rules import LayoutInfeasibleError, LayoutRules
from junheng.plan.layout.solution import BoolArray, IntArray, Solution

if TYPE_CHECKING:
    from junheng.plan.layout.model import SchoolLayout

FloatArray = npt.NDArray[np.float64]
SideArrays = dict[str, FloatArray]
# rule groups the diagnosis drops one at a time, with their Chinese names
DIAGNOSED_RULES = (("min_size", "最小规模"), ("max_size", "最大规模"), ("boarding", "寄宿容量"))


def side_arrays(sites: pd.DataFrame, rules: LayoutRules) -> SideArrays:
    """Per-site terms of the side rules: ``cap`` current places ``min(C_j, U_j)``, ``max`` ``U_j``, ``min`` ``L_j``
    (0 for a site flagged keep or keep_small), ``place`` / ``bed_cost`` annualised cost per place / bed added,
    ``beds`` ``B_j``, ``board_ok`` 1.0 where the stage boards."""
    cap = np.minimum(sites["capacity"].to_numpy(float), sites["max_size"].to_numpy(float))
    mx = sites["max_size"].to_numpy(float)
    exempt = (sites["keep"] | sites["keep_small"]).to_numpy(bool)
    mn = np.where(exempt, 0.0, sites["min_size"].to_numpy(float))
    place = np.array([rules.place_cost(st) for st in sites["stage"]])
    board_ok = np.array([rules.stages[st].boarding for st in sites["stage"]])
    return {"cap": cap, "max": mx, "min": mn, "place": place, "beds": sites["beds"].to_numpy(float),
            "bed_cost": np.full(len(sites), rules.bed_cost), "board_ok": board_ok.astype(float)}


def price(layout: SchoolLayout, open_mask: BoolArray, assignment: IntArray, ar: SideArrays) -> float:
    """The exact yearly cost of a plan (module docstring); ``ar`` = :func:`side_arrays` of the layout's sites."""
    p = layout.pairs
    idx = assigned_pairs(p, assignment)
    cost = float(p["cost"].to_numpy()[idx].sum())
    d = layout.clients["pupils"].to_numpy()
    load = np.bincount(assignment, weights=d, minlength=len(open_mask))
    boards = p["boards"].to_numpy()[idx]
    bl = np.bincount(assignment[boards], weights=d[boards], minlength=len(open_mask))
    e = np.maximum(load - ar["cap"], 0.0)
    b = np.maximum(bl - ar["beds"], 0.0)
    return float(layout.sites["fixed_cost"].to_numpy()[open_mask].sum() + cost + (e * ar["place"]).sum()
                 + (b * ar["bed_cost"]).sum())


def evident_infeasibility(layout: SchoolLayout) -> LayoutInfeasibleError | None:
    """The first rule that evidently cannot be met, before any solve: a village-stage with pupils and no
    allowed school that may stay open (``day_travel_limit``), or a school flagged both keep and must close
    (``flags``); ``None`` when there is none."""
    c, s, p = layout.clients, layout.sites, layout.pairs
    usable = ~s["must_close"].to_numpy(bool)
    has = np.zeros(len(c), dtype=bool)
    ok = usable[p["site"].to_numpy()]
    has[p["client"].to_numpy()[ok]] = True
    need = c["pupils"].to_numpy() > 0
    for i in np.flatnonzero(~has & need):
        r = c.iloc[i]
        sr = layout.rules.stages[r["stage"]]
        board = (f"，寄宿上限 {sr.boarding_limit_min:g} 分钟内也没有可寄宿的学校" if sr.boarding
                 else "，且本学段不安排寄宿")
        return LayoutInfeasibleError(
            f"村 {r['village_name']} 的{STAGE_CN.get(r['stage'], r['stage'])}生在 {sr.day_limit_min:g} 分钟内没有可达学校"
            f"{board}（无寄宿容量）/ village {r['village_name']}: no {r['stage']} school within "
            f"{sr.day_limit_min:g} min and no boarding place within reach",
            rule="day_travel_limit")
    for code in set(layout.rules.keep) & set(layout.rules.must_close):
        return LayoutInfeasibleError(f"学校 {code} 同时标记为保留和必须撤并 / school {code} is both kept and closed",
                                     rule="flags")
    return None


def diagnose(layout: SchoolLayout, solve_without: Callable[[str], Solution | None]) -> LayoutInfeasibleError:
    """Which rule makes the model infeasible: drop one rule group at a time (:data:`DIAGNOSED_RULES`).

    ``solve_without(rule)`` solves the model without that rule group (``None`` when still infeasible).  The
    first group whose removal gives a plan is named, with the schools where it fails; when none does, the
    rules conflict among themselves (``combined``)."""
    s = layout.sites
    for rule, cn in DIAGNOSED_RULES:
        sol = solve_without(rule)
        if sol is not None:
            where = ""
            if rule == "min_size":
                low_min = side_arrays(s, layout.rules)["min"]
                low = [f"{s.iloc[j]['name']}（{STAGE_CN.get(s.iloc[j]['stage'], '')}）"
                       for j in np.flatnonzero(sol.open_mask) if section_load(layout, sol, j) < low_min[j] - 1e-9]
                where = "：" + "、".join(low[:5]) + " 在其服务范围内的生源达不到独立设置的最小规模，而附近没有可并入的学校"
            elif rule == "max_size":
                high = [s.iloc[j]["name"] for j in np.flatnonzero(sol.open_mask)
                        if section_load(layout, sol, j) > s.iloc[j]["max_size"] + 1e-9]
                where = "：" + "、".join(high[:5]) + " 须超过最大规模才能容纳时限内的学生"
            return LayoutInfeasibleError(f"无法满足{cn}规则{where} / the {rule} rule cannot be met", rule=rule)
    return LayoutInfeasibleError("规则之间相互冲突（保留/撤并标记与时限、容量）/ the rules conflict", rule="combined")


def section_load(layout: SchoolLayout, sol: Solution, j: int | np.integer) -> float:
    """Pupils assigned to site ``j``."""
    return float(layout.clients["pupils"].to_numpy()[sol.assignment == j].sum())
