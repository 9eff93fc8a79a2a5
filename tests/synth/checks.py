"""Explicit checks of the registry's cross-field rules and of the 资源配置 indicators.

These restate, independently of the generator, the rules the importer enforces
(issue 2, scope 3) and the seven indicators of 教督〔2017〕6号 (standards.md §1.1),
so that the tests can assert them row by row.
"""

from __future__ import annotations

import math

import pandas as pd

from junheng.domain import fields as F
from junheng.domain.enums import SchoolType, Stage

PRIMARY_THRESHOLDS = (4.2, 1.0, 0.9, 4.5, 7.5, 2000.0, 2.3)


def _v(row: pd.Series, key: str) -> int:
    x = row[key]
    return 0 if pd.isna(x) else int(x)


def required_errors(tables: object) -> list[str]:
    """Every ``required=True`` field present in every row."""
    errors = []
    for spec in F.SHEETS:
        df = getattr(tables, spec.key)
        for f in spec.fields:
            if f.required and df[f.key].isna().any():
                errors.append(f"{spec.key}.{f.key}: {int(df[f.key].isna().sum())} missing")
        if len(df) and df.duplicated(list(spec.primary_key)).any():
            errors.append(f"{spec.key}: duplicate primary key")
        for f in spec.fields:
            if f.kind in ("int", "float") and f.minimum is not None and len(df):
                bad = df[f.key].dropna() < f.minimum
                if bad.any():
                    errors.append(f"{spec.key}.{f.key}: {int(bad.sum())} below {f.minimum}")
            if f.kind in ("int", "float") and f.maximum is not None and len(df):
                bad = df[f.key].dropna() > f.maximum
                if bad.any():
                    errors.append(f"{spec.key}.{f.key}: {int(bad.sum())} above {f.maximum}")
            if f.kind == "code" and len(df):
                vals = df[f.key].dropna().astype(str)
                bad = ~vals.str.fullmatch(rf"\d{{{f.digits}}}")
                if bad.any():
                    errors.append(f"{spec.key}.{f.key}: {int(bad.sum())} not {f.digits} digits")
    return errors


def section_errors(row: pd.Series, school_type: str) -> list[str]:
    """Cross-field rules of one section_year row."""
    e: list[str] = []
    stage = Stage(row["stage"])
    if stage not in SchoolType(school_type).stages:
        e.append(f"stage {stage} not taught by a {school_type}")
    g = stage.grades
    for i, key in enumerate(F.GRADE_STUDENT_KEYS):
        if (i < g) == pd.isna(row[key]):
            e.append(f"{key} should be {'present' if i < g else 'empty'}")
    for i, key in enumerate(F.GRADE_CLASS_KEYS):
        if (i < g) == pd.isna(row[key]):
            e.append(f"{key} should be {'present' if i < g else 'empty'}")
    students = _v(row, "students")
    if students != sum(_v(row, k) for k in F.GRADE_STUDENT_KEYS):
        e.append("students != Σ grades")
    classes = _v(row, "classes")
    if classes != sum(_v(row, k) for k in F.GRADE_CLASS_KEYS):
        e.append("classes != Σ grade classes")
    bands = [_v(row, k) for k, *_ in F.CLASS_SIZE_BANDS]
    if classes != sum(bands):
        e.append("classes != Σ class-size bands")
    biggest = max(_v(row, "max_class_size"), 0)
    lower = sum(lo * c for (_k, _l, lo, _hi), c in zip(F.CLASS_SIZE_BANDS, bands, strict=True))
    upper = sum((hi if hi is not None else biggest) * c for (_k, _l, _lo, hi), c in zip(F.CLASS_SIZE_BANDS, bands, strict=True))
    if not lower <= students <= upper:
        e.append(f"students {students} outside the band bounds [{lower}, {upper}]")
    if classes:
        top = max(i for i, c in enumerate(bands) if c)
        _k, _l, lo, hi = F.CLASS_SIZE_BANDS[top]
        if not (lo <= biggest and (hi is None or biggest <= hi)):
            e.append("max_class_size not in the highest non-empty band")
        if biggest < math.ceil(students / classes):
            e.append("max_class_size below the mean class size")
    elif students:
        e.append("students without classes")
    t = _v(row, "teachers")
    if t != sum(_v(row, k) for k in F.DEGREE_KEYS):
        e.append("teachers != Σ degrees")
    if t != sum(_v(row, k) for k in F.TITLE_KEYS):
        e.append("teachers != Σ titles")
    backbone = sum(_v(row, k) for k in F.BACKBONE_KEYS)
    specialists = sum(_v(row, k) for k in ("teachers_pe", "teachers_music", "teachers_art", "teachers_it"))
    for name, value in (("backbone", backbone), ("PE/music/art/IT", specialists),
                        ("certified", _v(row, "teachers_certified")), ("age≤45", _v(row, "teachers_age_le45")),
                        ("training done", _v(row, "teachers_training_done")),
                        ("rotation eligible", _v(row, "teachers_rotation_eligible")),
                        ("principals", _v(row, "principals"))):
        if value > t:
            e.append(f"{name} {value} > teachers {t}")
    if _v(row, "staff") < t:
        e.append("staff < teachers")
    for key in ("boarders", "students_disabled", "students_left_behind", "students_migrant"):
        if _v(row, key) > students:
            e.append(f"{key} > students")
    if _v(row, "teachers_rotated") > _v(row, "teachers_rotation_eligible"):
        e.append("rotated > eligible")
    if _v(row, "backbone_rotated") > min(_v(row, "teachers_rotated"), backbone):
        e.append("backbone rotated > rotated or > backbone")
    if _v(row, "principals_age_le45") > _v(row, "principals"):
        e.append("principals ≤45 > principals")
    return e


def school_year_errors(row: pd.Series) -> list[str]:
    e: list[str] = []
    for rooms, areas in (("music_rooms", "music_room_areas"), ("art_rooms", "art_room_areas")):
        listed = [] if pd.isna(row[areas]) else [float(a) for a in str(row[areas]).split(";")]
        if _v(row, rooms) != len(listed):
            e.append(f"{rooms} != number of {areas}")
        if any(a <= 0 for a in listed):
            e.append(f"{areas} not positive")
    if row["teaching_aux_area"] > row["building_area"]:
        e.append("teaching rooms larger than the building")
    if _v(row, "indoor_sports_area") > row["teaching_aux_area"]:
        e.append("indoor sports larger than the teaching rooms")
    return e


def primary_indicators(tables: object, year: int) -> pd.DataFrame:
    """The seven 资源配置 values of each pure public primary school (one stage, no split needed).

    1 专科+ teachers, 2 backbone, 3 PE+music+art teachers, 7 multimedia rooms: per 100 pupils;
    4 teaching and auxiliary rooms (less indoor sports), 5 sports ground plus indoor sports,
    6 equipment value: per pupil.
    """
    school = tables.school  # type: ignore[attr-defined]
    codes = school.loc[(school["school_type"] == "primary") & (school["ownership"] == "public"), "code"]
    sec = tables.section_year  # type: ignore[attr-defined]
    sec = sec[(sec["year"] == year) & (sec["stage"] == "primary") & sec["school_code"].isin(codes)]
    sy = tables.school_year  # type: ignore[attr-defined]
    sy = sy[sy["year"] == year].set_index("school_code")
    out = []
    for _, r in sec.iterrows():
        n = int(r["students"])
        y = sy.loc[r["school_code"]]
        indoor = 0.0 if pd.isna(y["indoor_sports_area"]) else float(y["indoor_sports_area"])
        out.append({
            "school_code": r["school_code"], "students": n,
            "i1": 100 * (r["teachers_postgrad"] + r["teachers_bachelor"] + r["teachers_associate"]) / n,
            "i2": 100 * (r["backbone_county"] + r["backbone_city"] + r["backbone_province"]) / n,
            "i3": 100 * (r["teachers_pe"] + r["teachers_music"] + r["teachers_art"]) / n,
            "i4": (float(y["teaching_aux_area"]) - indoor) / n,
            "i5": (float(y["sports_ground_area"]) + indoor) / n,
            "i6": float(y["equipment_value"]) / n,
            "i7": 100 * int(y["multimedia_classrooms"]) / n,
        })
    df = pd.DataFrame(out)
    ratios = df[[f"i{k}" for k in range(1, 8)]].to_numpy(float) / pd.Series(PRIMARY_THRESHOLDS).to_numpy()
    df["n_pass"] = (ratios >= 1).sum(axis=1)
    df["worst"] = ratios.min(axis=1)
    # 每所学校至少 6 项指标达到要求，余项不能低于要求的 85 % (standards.md §1.1)
    df["passes"] = (df["n_pass"] == 7) | ((df["n_pass"] == 6) & (df["worst"] >= 0.85))
    return df
