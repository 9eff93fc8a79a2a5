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
from junheng.domain.tables import YearTables

UR_TO_AREA = {111: "urban", 112: "urban", 121: "town", 122: "town", 123: "town", 210: "rural", 220: "rural"}
SECTION_NUMERIC = tuple(f.key for f in F.SECTION_YEARS.fields if f.kind in ("int", "float") and f.key != "year")
_MAX_COLUMNS = ("max_class_size",)
SCHOOL_ATTRS = ("name", "school_type", "ownership", "inclusive", "boarding", "township_code", "village_code",
                "parent_school_code", "ur_code", "area")


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
    sec = section_frame(tables, year=year, missing_values=str(params.get("missing_values", "zero")))
    sec = split_shared_resources(
        sec, tables.school_year, year=year, weights=params["split_weights"],
        weights_complete_secondary=params["split_weights_complete_secondary"], columns=params["shared_resources"],
    )
    if params.get("missing_values", "zero") == "zero":
        # blank resource cells of a school that reported the year count as 0
        sy = tables.school_year
        has_row = sec["school_code"].isin(sy.loc[sy["year"] == year, "school_code"])
        cols = list(params["shared_resources"])
        sec.loc[has_row, cols] = sec.loc[has_row, cols].fillna(0.0)
    if not params.get("include_private", True):
        sec = sec[sec["ownership"] != "private"]
    special = params.get("exclude_special_schools", True) if exclude_special is None else exclude_special
    if special:
        sec = sec[sec["school_type"] != "special"]
    tp = sec["school_type"].eq("teaching_point")
    min_n = float(params.get("teaching_point_min_students", 0) or 0)
    if min_n > 0 and tp.any():
        tp_students = sec.loc[tp].groupby("school_code")["students"].sum()
        small = tp_students[tp_students < min_n].index
        if len(small):
            notes.append(f"不足{int(min_n)}人的教学点不参加计算 / teaching points under {int(min_n)} pupils left out: {len(small)}")
        sec = sec[~sec["school_code"].isin(small)]
        tp = sec["school_type"].eq("teaching_point")
    if stages is not None:
        sec = sec[sec["stage"].isin(list(stages))]
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
    units = grouped.agg({**agg, "school_code": "nunique"}).rename(columns={"school_code": "n_sites"})
    # keep NaN where every merged site had NaN (sum would give 0)
    counts = grouped[numeric].count()
    units[numeric] = units[numeric].where(counts > 0)
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
