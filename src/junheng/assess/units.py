"""Units of analysis: stage sections, split shared resources, merged teaching points.

reference/standards.md §2.3 and §2.4:

* Every stage of a multi-level school (九年一贯制, 完全中学, 十二年一贯制) is a separate
  unit; students, classes and teachers are reported per stage already
  (``section_year``).
* The school's **shared physical resources** (``school_year``: areas,
  equipment, rooms, computers, books) are split between its sections in
  proportion to weighted enrolment, 小学 : 初中 : 高中 = 1 : 1.1 : 1.32, and for a
  完全中学 初中 : 高中 = 1 : 1.2 (parameters ``split_weights`` and
  ``split_weights_complete_secondary``).  A school whose sections all carry
  weight 0 (a kindergarten) keeps everything; a school with no weighted
  enrolment splits equally among its weighted sections, so the parts always
  add back to the whole.
* 教学点 are merged into their parent school by default (students, teachers
  and resources summed per stage, after the split); switches: drop teaching
  points with fewer than N pupils (河北 N = 50) and keep them as separate units.
* 民办 schools are kept or dropped by ``include_private``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from junheng.domain import fields as F
from junheng.domain.enums import SchoolType
from junheng.domain.tables import YearTables

UR_TO_AREA = {111: "urban", 112: "urban", 121: "town", 122: "town", 123: "town", 210: "rural", 220: "rural"}
SECTION_NUMERIC = tuple(f.key for f in F.SECTION_YEARS.fields if f.kind in ("int", "float") and f.key != "year")
_MAX_COLUMNS = ("max_class_size",)
SCHOOL_ATTRS = ("name", "school_type", "ownership", "inclusive", "boarding", "township_code", "village_code",
                "parent_school_code", "ur_code", "area")


def names_list(frame: pd.DataFrame, *, limit: int = 20) -> str:
    """``"甲小学(1000000001)、乙小学(1000000002)"`` from ``school_code`` and ``name`` columns, at most ``limit``."""
    items = [f"{n}({c})" for c, n in zip(frame["school_code"].astype(str), frame["name"].fillna(""), strict=True)]
    more = f" 等共 {len(items)} 所" if len(items) > limit else f"（{len(items)} 所）"
    return "、".join(items[:limit]) + more


def school_attributes(tables: YearTables) -> pd.DataFrame:
    """Schools indexed by code with their 城乡分类代码 and area (urban/town/rural).

    The school's own ``ur_code`` wins; otherwise its village's code from
    ``org_unit`` (field catalogue, ``school.ur_code`` help text).
    """
    s = tables.school.copy()
    ur = pd.to_numeric(s["ur_code"], errors="coerce")
    if ur.isna().any() and len(tables.org_unit):
        village_ur = pd.to_numeric(tables.org_unit.set_index("code")["ur_code"], errors="coerce")
        village_ur = village_ur[~village_ur.index.duplicated()]
        ur = ur.fillna(s["village_code"].map(village_ur))
    s["ur_code"] = ur
    s["area"] = ur.map(UR_TO_AREA)
    return s.set_index("code")[list(SCHOOL_ATTRS)]


def section_frame(tables: YearTables, *, year: int, missing_values: str = "zero") -> pd.DataFrame:
    """The year's stage sections with float counts and their school's attributes joined.

    ``missing_values == "zero"`` turns blank counts into 0 (as the 教育事业统计
    forms do); ``"missing"`` keeps them NaN so the values they feed are missing.
    """
    sec = tables.section_year
    sec = sec[sec["year"] == year]
    out = pd.DataFrame({"school_code": sec["school_code"].astype(str).to_numpy(),
                        "stage": sec["stage"].astype(str).to_numpy()})
    for k in SECTION_NUMERIC:
        col = pd.to_numeric(sec[k], errors="coerce").astype(float).to_numpy()
        if missing_values == "zero" and k not in _MAX_COLUMNS:
            col = np.nan_to_num(col, nan=0.0)
        out[k] = col
    attrs = school_attributes(tables)
    out = out.join(attrs, on="school_code")
    return out


def missing_sections(tables: YearTables, *, year: int, stages: Sequence[str]) -> pd.DataFrame:
    """Schools that could teach ``stages`` but have no ``section_year`` row for ``year``.

    Returns ``school_code``, ``name``, ``school_type`` and ``has_school_year``
    (the school did report its buildings for the year, so it is operating).
    Kindergartens, senior and vocational schools are not expected to report a
    compulsory stage; a school type is expected when its stages meet ``stages``.
    """
    sch = tables.school.drop_duplicates("code")
    want = {t.value for t in SchoolType if {s.value for s in t.stages} & set(stages)}
    want -= {"kindergarten"} if "preschool" not in stages else set()
    sec = tables.section_year
    have = set(sec.loc[(sec["year"] == year) & sec["stage"].isin(list(stages)), "school_code"].astype(str))
    sy = tables.school_year
    with_sy = set(sy.loc[sy["year"] == year, "school_code"].astype(str))
    gone = sch[sch["school_type"].isin(want) & ~sch["code"].astype(str).isin(have)]
    return pd.DataFrame({"school_code": gone["code"].astype(str).to_numpy(), "name": gone["name"].to_numpy(),
                         "school_type": gone["school_type"].to_numpy(),
                         "has_school_year": gone["code"].astype(str).isin(with_sy).to_numpy()})


def split_shares(sections: pd.DataFrame, *, weights: Mapping[str, float],
                 weights_complete_secondary: Mapping[str, float]) -> pd.Series:
    """Each section's share of its school's shared resources (standards.md §2.3).

    share = w_stage · students / Σ_school w · students; the shares of a school add to 1.
    """
    w = sections["stage"].map(lambda s: float(weights.get(s, 0.0))).astype(float)
    cs = sections["school_type"].eq("complete_secondary").to_numpy()
    if cs.any():
        w_cs = sections["stage"].map(lambda s: float(weights_complete_secondary.get(s, 0.0))).astype(float)
        w = w.where(~cs, w_cs)
    code = sections["school_code"]
    wsum = w.groupby(code).transform("sum")
    w = w.where(wsum > 0, 1.0)  # all-zero weights (e.g. a kindergarten): every section counts
    weighted = w * sections["students"].fillna(0.0)
    total = weighted.groupby(code).transform("sum")
    wtot = w.groupby(code).transform("sum")
    return (weighted / total).where(total > 0, w / wtot)


def split_shared_resources(sections: pd.DataFrame, school_year: pd.DataFrame, *, year: int,
                           weights: Mapping[str, float], weights_complete_secondary: Mapping[str, float],
                           columns: Sequence[str]) -> pd.DataFrame:
    """``sections`` with the school-year resources ``columns`` split by :func:`split_shares`.

    Also carries the school's whole ``music_room_areas``/``art_room_areas``/funds
    untouched under their own names for the county items (not split).
    """
    sy = school_year[school_year["year"] == year].drop_duplicates("school_code").set_index("school_code")
    share = split_shares(sections, weights=weights, weights_complete_secondary=weights_complete_secondary)
    out = sections.copy()
    out["split_share"] = share.to_numpy()
    for c in columns:
        whole = pd.to_numeric(sections["school_code"].map(sy[c]), errors="coerce").astype(float)
        out[c] = (whole * share).to_numpy()
    return out


def build_units(tables: YearTables, *, year: int, params: Mapping[str, Any],
                stages: Sequence[str] | None = None, exclude_special: bool | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The units of analysis for ``year`` under the pack ``params``; returns ``(units, notes)``.

    One row per ``(unit_code, stage)``: summed section counts, split shared
    resources, the unit's attributes (from the parent school for merged
    teaching points), ``n_sites`` and ``sites`` (the school codes merged).
    """
    notes: list[str] = []
    # Blank cells stay NaN here whatever ``missing_values`` says: the engine decides what a blank
    # means (junheng.assess.engine.evaluate_indicators) and names every blank it meets.
    sec = section_frame(tables, year=year, missing_values="missing")
    sec = split_shared_resources(
        sec, tables.school_year, year=year, weights=params["split_weights"],
        weights_complete_secondary=params["split_weights_complete_secondary"], columns=params["shared_resources"],
    )
    sy = tables.school_year
    sec["no_school_year"] = ~sec["school_code"].isin(sy.loc[sy["year"] == year, "school_code"]).to_numpy()
    in_stages = sec["stage"].isin(list(stages)) if stages is not None else pd.Series(True, index=sec.index)

    def drop(mask: pd.Series, why: str) -> None:
        nonlocal sec, in_stages
        gone = sec[mask & in_stages].drop_duplicates("school_code")
        if len(gone):
            notes.append(f"{why}：{names_list(gone)}")
        sec, in_stages = sec[~mask], in_stages[~mask]

    if not params.get("include_private", True):
        drop(sec["ownership"] == "private", "民办学校不参加计算 / private schools left out (include_private = false)")
    excluded = {str(c) for c in params.get("excluded_schools", []) or []}
    if excluded:
        drop(sec["school_code"].isin(excluded),
             "非县属学校（省/市直属、高校附属、企业办学等）不参加计算 / schools not run by the county left out "
             "(excluded_schools)")
    special = params.get("exclude_special_schools", True) if exclude_special is None else exclude_special
    if special:
        drop(sec["school_type"] == "special",
             "特殊教育学校不参加资源配置计算 / special schools left out (exclude_special_schools = true)")
    tp = sec["school_type"].eq("teaching_point")
    if params.get("teaching_points", "merge") == "exclude" and tp.any():
        drop(tp, "教学点不参加计算 / teaching points left out (teaching_points = \"exclude\")")
        tp = sec["school_type"].eq("teaching_point")
    min_n = float(params.get("teaching_point_min_students", 0) or 0)
    if min_n > 0 and tp.any():
        tp_students = sec.loc[tp].groupby("school_code")["students"].sum()
        small = tp_students[tp_students < min_n].index
        drop(sec["school_code"].isin(small),
             f"不足{int(min_n)}人的教学点不参加计算 / teaching points under {int(min_n)} pupils left out")
        tp = sec["school_type"].eq("teaching_point")
    if stages is not None:
        sec = sec[in_stages]
    attrs = school_attributes(tables)
    unit = sec["school_code"].copy()
    if params.get("teaching_points", "merge") == "merge" and tp.any():
        parent = sec["parent_school_code"].where(tp)
        has_parent = parent.notna() & parent.isin(attrs.index)
        orphan = tp & ~has_parent
        if orphan.any():
            notes.append("教学点未填写或找不到所属学校，按独立单位计算 / teaching points without a known parent kept "
                         f"as separate units: {sec.loc[orphan, 'school_code'].nunique()}")
        unit = unit.where(~has_parent, parent)
    sec = sec.assign(unit_code=unit.astype(str).to_numpy())
    numeric = [c for c in sec.columns if c in SECTION_NUMERIC or c in params["shared_resources"]]
    agg: dict[str, Any] = {c: ("max" if c in _MAX_COLUMNS else "sum") for c in numeric}
    grouped = sec.groupby(["unit_code", "stage"], sort=True)
    units = grouped.agg({**agg, "school_code": "nunique", "no_school_year": "any"}).rename(
        columns={"school_code": "n_sites"})
    # a merged unit's count is unknown when any of its sites left it blank (missing is not zero);
    # the largest class is the largest of those known
    counts = grouped[numeric].count()
    sizes = grouped.size()
    summed = [c for c in numeric if c not in _MAX_COLUMNS]
    units[summed] = units[summed].where(counts[summed].eq(sizes, axis=0))
    maxed = [c for c in numeric if c in _MAX_COLUMNS]
    units[maxed] = units[maxed].where(counts[maxed] > 0)
    units = units.reset_index()
    units["sites"] = units["unit_code"]
    multi = units["n_sites"] > 1
    if multi.any():  # only merged units need the list of their sites
        keys = units.loc[multi, ["unit_code", "stage"]]
        sub = sec.merge(keys, on=["unit_code", "stage"])
        joined = sub.groupby(["unit_code", "stage"])["school_code"].agg(lambda s: ";".join(sorted(set(s))))
        units.loc[multi, "sites"] = [joined[(u, s)] for u, s in zip(keys["unit_code"], keys["stage"], strict=True)]
    units = units.join(attrs, on="unit_code")
    return units, notes
