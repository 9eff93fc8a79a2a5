"""Layout scenarios: a named plan, evaluated, re-assessed and compared side by side.

* :func:`scenario_from_result` — a scenario from a solved :class:`LayoutResult`;
* :func:`evaluate_edits` — hand edits (close X, merge X into Y, build Z) evaluated
  with every other existing school kept as it is: the closed schools are forced
  closed, the receiving and new schools forced open, and the attendance zones are
  re-optimised over that fixed network (same rules, same costs);
* :func:`planned_tables` — the base-year registry as it would be after the plan: the
  pupils, classes and teachers of each closed section move to the receiving school,
  closed schools are dropped, and added places add building area; the
  quality-balanced assessment (:func:`junheng.assess.assess`) then re-runs on it;
* :func:`compare` — schools, pupils over 30/45 min, boarders, cost, teachers and the
  CVs of the resource indicators after each plan;
* :data:`PROCEDURE` — the procedure checklist the seed plan requires
  (规划论证 → 征求意见 → 风险评估 → 集体决策 → 公开公示).

Saving, loading and the procedure record are the store's
(:mod:`junheng.store.scenarios`); this module is pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from junheng.domain.jsonsafe import json_safe
from junheng.domain.tables import YearTables
from junheng.plan.explain import STAGE_CN
from junheng.plan.layout import LayoutResult, LayoutRules, SchoolLayout

PROCEDURE: tuple[tuple[str, str], ...] = (
    ("planning", "规划论证"),
    ("consultation", "征求意见"),
    ("risk", "风险评估"),
    ("decision", "集体决策"),
    ("publicity", "公开公示"),
)
STEP_NAMES = dict(PROCEDURE)


@dataclass(frozen=True)
class Edit:
    """A hand edit: ``close`` X, ``merge`` X into Y, ``build`` a school named X at village Y (stage)."""

    action: str
    school: str
    target: str = ""
    stage: str = "primary"


@dataclass(frozen=True)
class Scenario:
    """A named plan: decisions per school and its summary figures (frozen)."""

    name: str
    base_year: int
    target_year: int
    source: str  # solver | manual
    decisions: pd.DataFrame  # school_code, name, decision, merge_into, pupils, explanation
    summary: Mapping[str, Any]
    variant: str = "central"
    county_code: str = ""
    note: str = ""
    steps: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["step", "name", "done_by", "done_on",
                                                                              "document"]))


def scenario_from_result(name: str, result: LayoutResult, *, base_year: int, source: str = "solver",
                         variant: str = "central", county_code: str = "", note: str = "",
                         tables: YearTables | None = None) -> Scenario:
    """A scenario from a solved layout; with ``tables`` (the registry) its summary also carries the
    resource-indicator CVs before and after the plan (:func:`plan_cvs`), which :func:`compare` shows."""
    cols = ["school_code", "name", "decision", "merge_into", "pupils", "explanation"]
    summary = json_safe(result.summary())
    if tables is not None:
        summary["resource_cvs"] = plan_cvs(tables, result, year=base_year)
    return Scenario(name=name, base_year=base_year, target_year=result.year, source=source,
                    decisions=result.decisions[cols].copy(), summary=summary, variant=variant,
                    county_code=county_code, note=note)


def evaluate_edits(tables: YearTables, edits: Sequence[Edit], *, year: int, rules: LayoutRules,
                   travel: Any = None, variant: str = "central", time_limit_s: float = 30.0) -> LayoutResult:
    """The layout after hand edits, every other existing school kept (see the module docstring)."""
    close = [e.school for e in edits if e.action in ("close", "merge")]
    receive = [e.target for e in edits if e.action == "merge"]
    new = [{"name": e.school, "village_code": e.target, "stage": e.stage, "code": f"NEW{k + 1}"}
           for k, e in enumerate(edits) if e.action == "build"]
    unknown = [e.action for e in edits if e.action not in ("close", "merge", "build")]
    if unknown:
        raise ValueError(f"未知的调整 / unknown edit {unknown[0]!r}: use close, merge or build")
    public = tables.school[tables.school["ownership"] == "public"]["code"].astype(str)
    keep = [c for c in public if c not in close] + receive
    flagged = rules.with_flags(keep=keep, must_close=close)
    from dataclasses import replace

    flagged = replace(flagged, new_sites=tuple(new))
    layout = SchoolLayout.from_tables(tables, year=year, rules=flagged, travel=travel, variant=variant,
                                      new_sites=new if new else ())
    # new schools are opened by the edit
    sites = layout.sites.copy()
    sites.loc[~sites["existing"], "keep"] = True
    layout = SchoolLayout(clients=layout.clients, sites=sites, pairs=layout.pairs, rules=layout.rules,
                          year=layout.year, assumptions=layout.assumptions, school_info=layout.school_info)
    return layout.solve(time_limit_s=time_limit_s)


# --------------------------------------------------------------------------- planned county
MOVED = ["students", "boarders", "classes", "teachers", "staff"] + [f"students_g{g}" for g in range(1, 7)] + [
    f"classes_g{g}" for g in range(1, 7)]


def planned_tables(tables: YearTables, result: LayoutResult, *, year: int) -> YearTables:
    """The ``year`` registry after the plan (closed sections moved to their receiving schools)."""
    dec = result.decisions.set_index("school_code")
    closed = [c for c, d in dec["decision"].items() if d in ("merge", "close")]
    sec = tables.section_year[tables.section_year["year"] == year].copy()
    sec["school_code"] = sec["school_code"].astype(str)
    # which school each closed section's pupils go to: the receiving school of its stage
    zones = result.zones
    for code in closed:
        target = str(dec.at[code, "merge_into"] or "")
        rows = sec[sec["school_code"] == code]
        for idx, r in rows.iterrows():
            stage = r["stage"]
            dest = target
            if not dest or not ((sec["school_code"] == dest) & (sec["stage"] == stage)).any():
                # another open section of that stage that took this school's villages, else the largest
                cands = zones[(zones["stage"] == stage) & zones["school_code"].isin(sec["school_code"])]
                cands = cands[~cands["school_code"].isin(closed)]
                if cands.empty:
                    continue
                dest = str(cands.groupby("school_code")["pupils"].sum().idxmax())
            tgt = sec.index[(sec["school_code"] == dest) & (sec["stage"] == stage)]
            if len(tgt) == 0:
                continue
            t = tgt[0]
            for col in MOVED:
                a, b = sec.at[t, col], r[col]
                if pd.notna(b):
                    sec.at[t, col] = (0 if pd.isna(a) else a) + b
            sec = sec.drop(index=idx)
    keep_codes = set(sec["school_code"])
    school = tables.school[tables.school["code"].astype(str).isin(keep_codes)
                           | ~tables.school["code"].astype(str).isin(closed)]
    school = school[~school["code"].astype(str).isin(closed)]
    sy = tables.school_year[(tables.school_year["year"] == year)
                            & ~tables.school_year["school_code"].astype(str).isin(closed)].copy()
    added = result.sections.groupby("school_code")["places_added"].sum()
    m2 = result.sections.assign(m2=result.sections["places_added"] * result.sections["stage"].map(
        {"primary": 8.0, "junior": 10.0}).fillna(8.0)).groupby("school_code")["m2"].sum()
    for col in ("building_area", "teaching_aux_area"):
        extra = sy["school_code"].astype(str).map(m2).fillna(0.0)
        sy[col] = sy[col].astype("Float64") + extra.astype("Float64")
    del added
    frames = tables.frames()
    frames.update({"school": school, "school_year": sy, "section_year": sec[sec["school_code"].isin(
        set(school["code"].astype(str)))]})
    return YearTables.from_frames(**frames)


def resource_cvs(tables: YearTables, *, year: int, pack: str = "yzjh-2017") -> dict[str, float]:
    """County CVs of the resource indicators (资源配置) by stage: ``{"primary:<code>": cv, …}``."""
    from junheng.assess import assess
    from junheng.standards import load_pack

    a = assess(load_pack(pack), tables, year=year)
    return {f"{c.stage}:{c.indicator}": float(c.cv) for c in a.cvs}


def plan_cvs(tables: YearTables, result: LayoutResult, *, year: int, pack: str = "yzjh-2017") -> list[dict[str, Any]]:
    """The county CV of every resource indicator (资源配置) in ``year`` before and after the plan.

    "After" is the assessment engine run on :func:`planned_tables` (closed sections' pupils, classes and
    teachers moved to the receiving schools, added places as floor area): one row per stage and indicator with
    ``stage``, ``indicator``, ``name``, ``before``, ``after`` and the pack's ``limit``."""
    from junheng.assess import assess
    from junheng.standards import load_pack

    std = load_pack(pack)
    before = {(c.stage, c.indicator): c for c in assess(std, tables, year=year).cvs}
    after = {(c.stage, c.indicator): c for c in assess(std, planned_tables(tables, result, year=year), year=year).cvs}
    rows = []
    for key, b in before.items():
        a = after.get(key)
        rows.append({"stage": b.stage, "indicator": b.indicator, "name": b.name, "before": _finite(b.cv),
                     "after": None if a is None else _finite(a.cv), "limit": _finite(b.limit)})
    return rows


def _finite(x: float | None) -> float | None:
    """A CV for JSON: undefined (no school, no pupils) is ``None``, never NaN (PostgreSQL's JSON refuses NaN)."""
    return None if x is None or not np.isfinite(x) else float(x)


def compare(items: Sequence[tuple[Scenario, Mapping[str, float] | None]]) -> pd.DataFrame:
    """Side by side: one column per scenario; rows are the figures and CVs (indicator rows by stage).

    CVs come from the mapping given with the scenario, else from the ``resource_cvs`` rows saved in its
    summary (:func:`scenario_from_result` with ``tables``): the CV after the plan, and before it."""
    cols: dict[str, dict[str, Any]] = {}
    labels = {
        "primary_schools": "小学数 / primary schools", "junior_schools": "初中数 / junior schools",
        "primary_pupils": "小学生 / primary pupils", "junior_pupils": "初中生 / junior pupils",
        "pupils_over_30_45": "单程超过 30/45 分钟的学生 / pupils over 30/45 min",
        "primary_boarders": "小学寄宿生 / primary boarders", "junior_boarders": "初中寄宿生 / junior boarders",
        "primary_teachers": "小学需教师 / primary teachers", "junior_teachers": "初中需教师 / junior teachers",
        "cost_total": "年度总成本（元）/ yearly cost (yuan)", "gap": "最优性间隙 / optimality gap",
    }
    for sc, cvs in items:
        col: dict[str, Any] = {labels[k]: sc.summary.get(k) for k in labels}
        dec = sc.decisions["decision"].value_counts()
        for d in ("keep", "expand", "merge", "close", "build", "keep_small"):
            col[f"决定：{d}"] = int(dec.get(d, 0))
        for k, v in (cvs or {}).items():
            col[f"差异系数 CV {k}"] = round(v, 4)
        if cvs is None:
            for r in sc.summary.get("resource_cvs") or []:
                label = f"{STAGE_CN.get(r['stage'], r['stage'])} {r['name']}"
                col[f"差异系数 CV 规划后 / after: {label}"] = None if r["after"] is None else round(r["after"], 4)
                col[f"差异系数 CV 规划前 / before: {label}"] = None if r["before"] is None else round(r["before"], 4)
        cols[sc.name] = col
    return pd.DataFrame(cols)



def format_figure(label: str, x: object) -> str:
    """One :func:`compare` figure as an officer reads it (CLI and web): CVs to 4 places, the gap in %,
    counts and yuan whole, a missing value as a dash."""
    if x is None or (isinstance(x, float) and x != x):
        return "—"
    if not isinstance(x, (int, float)):
        return str(x)
    if "CV" in label:
        return f"{x:.4f}"
    if "gap" in label:
        return f"{100 * x:.3f}%"
    return f"{x:,.0f}"
