"""Moving teachers between school sections: the tables after a transfer or rotation list, and distances.

A move list is a frame with ``teacher_id`` (may be NA when only section counts
are known), ``stage``, ``subject`` (curriculum key), ``from_school`` and
``to_school``.  :func:`apply_moves` returns new ``YearTables`` in which the
teacher records point at their new schools (``school_since`` = the year) and every count of the
``section_year`` rows (teachers, staff, degree, title, backbone, PE/music/art/IT,
certified, age ≤ 45, principals) follows the moved teachers — so the
assessment engine re-runs on the plan as a scenario (DESIGN.md, Planning).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from junheng.domain.tables import YearTables

EARTH_RADIUS_KM = 6371.0088

DEGREE_KEY = {"研究生": "teachers_postgrad", "博士": "teachers_postgrad", "硕士": "teachers_postgrad",
              "本科": "teachers_bachelor", "专科": "teachers_associate", "大专": "teachers_associate",
              "高中": "teachers_upper_secondary", "中师": "teachers_upper_secondary",
              "高中以下": "teachers_below_upper_secondary"}
TITLE_KEY = {"正高级": "teachers_title_senior", "副高级": "teachers_title_senior", "高级": "teachers_title_senior",
             "中级": "teachers_title_intermediate", "一级": "teachers_title_intermediate",
             "初级": "teachers_title_junior", "二级": "teachers_title_junior", "三级": "teachers_title_junior",
             "未定职级": "teachers_title_none"}
BACKBONE_KEY = {"县级": "backbone_county", "市级": "backbone_city", "省级": "backbone_province",
                "省级及以上": "backbone_province", "国家级": "backbone_province"}
SUBJECT_SECTION_KEY = {"pe": "teachers_pe", "music": "teachers_music", "art": "teachers_art", "it": "teachers_it"}


def haversine_km(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Great-circle (straight-line) distance in km between WGS-84 points; arrays broadcast."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, dtype=float)) for a in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def school_points(tables: YearTables) -> pd.DataFrame:
    """``lon``, ``lat`` (WGS-84) indexed by school code; schools without coordinates are left out."""
    s = tables.school[["code", "lon", "lat"]].copy()
    s["lon"] = pd.to_numeric(s["lon"], errors="coerce")
    s["lat"] = pd.to_numeric(s["lat"], errors="coerce")
    return s.dropna().drop_duplicates("code").set_index("code")


def _age_le45(birth: object, year: int) -> bool:
    if birth is None or birth is pd.NA or (isinstance(birth, float) and np.isnan(birth)):
        return False
    try:
        return year - pd.Timestamp(birth).year <= 45
    except (TypeError, ValueError):
        return False


def apply_moves(tables: YearTables, moves: pd.DataFrame, *, year: int) -> YearTables:
    """The tables after ``moves`` (see the module docstring); the inputs are not changed."""
    if moves.empty:
        return tables
    sec = tables.section_year.copy()
    idx = {(str(r.school_code), str(r.stage)): i for i, r in
           zip(sec.index, sec[["school_code", "stage", "year"]].itertuples(), strict=True) if int(r.year) == year}
    teacher = tables.teacher.copy()
    by_id = teacher.set_index("teacher_id") if not teacher.empty else None
    deltas: dict[tuple[int, str], int] = {}

    def bump(row: int, key: str, d: int) -> None:
        deltas[(row, key)] = deltas.get((row, key), 0) + d

    for m in moves.itertuples():
        src, dst = idx.get((str(m.from_school), str(m.stage))), idx.get((str(m.to_school), str(m.stage)))
        if src is None or dst is None:
            raise KeyError(f"no {m.stage} section for school {m.from_school if src is None else m.to_school} in {year}")
        keys = ["teachers", "staff"]
        tid = getattr(m, "teacher_id", None)
        rec = None
        if by_id is not None and tid is not None and tid is not pd.NA and tid in by_id.index:
            rec = by_id.loc[tid]
        if rec is not None:
            for table, value in ((DEGREE_KEY, rec["degree"]), (TITLE_KEY, rec["title"]),
                                 (BACKBONE_KEY, rec["backbone_level"])):
                if isinstance(value, str) and value in table:
                    keys.append(table[value])
            if rec["certified"] is True or (not pd.isna(rec["certified"]) and bool(rec["certified"])):
                keys.append("teachers_certified")
            young = _age_le45(rec["birth_date"], year)
            if young:
                keys.append("teachers_age_le45")
            if not pd.isna(rec["is_principal"]) and bool(rec["is_principal"]):
                keys.append("principals")
                if young:
                    keys.append("principals_age_le45")
        if str(m.subject) in SUBJECT_SECTION_KEY:
            keys.append(SUBJECT_SECTION_KEY[str(m.subject)])
        for k in keys:
            bump(src, k, -1)
            bump(dst, k, +1)
    for (row, key), d in deltas.items():
        old = sec.at[row, key]
        sec.at[row, key] = (0 if pd.isna(old) else int(old)) + d
    if by_id is not None and "teacher_id" in moves.columns:
        new_school = moves.dropna(subset=["teacher_id"]).set_index("teacher_id")["to_school"]
        hit = teacher["teacher_id"].isin(new_school.index)
        teacher.loc[hit, "school_code"] = teacher.loc[hit, "teacher_id"].map(new_school)
        teacher.loc[hit, "school_since"] = year  # at the new school from this year on (rotation eligibility restarts)
    frames = tables.frames()
    frames.update(section_year=sec, teacher=teacher)
    return YearTables(**frames)
