"""Small hand-built counties for the teacher-planning tests (all people synthetic, IDs only)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from junheng.domain.tables import YearTables
from junheng.plan.teachers.moves import haversine_km
from junheng.plan.teachers.staffing import Curriculum

YEAR = 2025
LAT = 37.0
KM_PER_DEG_LON = 111.32 * 0.7986355  # cos(37°)


def lon_at(km: float) -> float:
    """The longitude ``km`` east of 115°E along 37°N (approximately; distances in tests use haversine_km)."""
    return 115.0 + km / KM_PER_DEG_LON


def km_between(a: float, b: float) -> float:
    return float(haversine_km(lon_at(a), LAT, lon_at(b), LAT))


def school(code: str, name: str, *, km: float = 0.0, school_type: str = "primary", ur_code: int = 220,
           township: str = "130431101000", parent: str | None = None) -> dict[str, Any]:
    return {"code": code, "name": name, "school_type": school_type, "ownership": "public", "boarding": False,
            "township_code": township, "ur_code": ur_code, "lon": lon_at(km), "lat": LAT, "coord_system": "wgs84",
            "parent_school_code": parent}


def section(code: str, stage: str, *, students: int, grade_classes: list[int], teachers: int | None = None,
            boarders: int = 0, **counts: int) -> dict[str, Any]:
    """A section row; ``teachers`` (and the other counts) default to the individual records' counts."""
    row: dict[str, Any] = {"year": YEAR, "school_code": code, "stage": stage, "students": students,
                           "classes": sum(grade_classes), "boarders": boarders}
    if teachers is not None:
        row["teachers"] = row["staff"] = teachers
    for g, c in enumerate(grade_classes, 1):
        row[f"classes_g{g}"] = c
        row[f"students_g{g}"] = students // len(grade_classes)
    row.update(counts)
    return row


def school_year(code: str) -> dict[str, Any]:
    return {"year": YEAR, "school_code": code, "building_area": 3000.0, "teaching_aux_area": 2000.0,
            "sports_ground_area": 3000.0, "equipment_value": 500000.0, "multimedia_classrooms": 10}


def teacher(tid: str, code: str, subject: str, *, stage: str = "primary", since: int = 2015, degree: str = "本科",
            backbone: str | None = None, principal: bool = False, sex: str = "female",
            birth: str = "1985-01-01") -> dict[str, Any]:
    return {"teacher_id": tid, "name": "教师" + tid, "sex": sex, "birth_date": birth, "school_code": code,
            "stage": stage, "subject": subject, "degree": degree, "title": "中级", "backbone_level": backbone,
            "certified": True, "school_since": since, "is_principal": principal}


def section_counts(teachers: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, int]]:
    """Section counts consistent with the individual records."""
    out: dict[tuple[str, str], dict[str, int]] = {}
    keys = {"体育": "teachers_pe", "音乐": "teachers_music", "美术": "teachers_art", "信息技术": "teachers_it"}
    deg = {"研究生": "teachers_postgrad", "本科": "teachers_bachelor", "专科": "teachers_associate"}
    bb = {"县级": "backbone_county", "市级": "backbone_city", "省级": "backbone_province"}
    for t in teachers:
        c = out.setdefault((t["school_code"], t["stage"]), {})
        for k in ("teachers", "staff", "teachers_certified", "teachers_title_intermediate",
                  keys.get(t["subject"]), deg.get(t["degree"]), bb.get(t["backbone_level"] or "")):
            if k:
                c[k] = c.get(k, 0) + 1
        if t["is_principal"]:
            c["principals"] = c.get("principals", 0) + 1
    return out


def tables(schools: list[dict[str, Any]], sections: list[dict[str, Any]],
           teachers: list[dict[str, Any]] | None = None, training: list[dict[str, Any]] | None = None) -> YearTables:
    teachers = teachers or []
    counts = section_counts(teachers)
    for s in sections:
        for k, v in counts.get((s["school_code"], s["stage"]), {}).items():
            s.setdefault(k, v)
        s.setdefault("teachers", 0)
    frames: dict[str, pd.DataFrame] = {
        "school": pd.DataFrame(schools), "section_year": pd.DataFrame(sections),
        "school_year": pd.DataFrame([school_year(s["code"]) for s in schools]),
    }
    if teachers:
        frames["teacher"] = pd.DataFrame(teachers)
    if training:
        frames["teacher_training"] = pd.DataFrame(training)
    return YearTables.from_frames(**frames)


def tiny_curriculum() -> Curriculum:
    """语文 8 periods a week in every grade, 音乐 2; primary load 16, junior 14 (numbers easy to follow by hand)."""
    return Curriculum.from_mapping({
        "code": "tiny", "name": "test", "weekly_total": [10] * 9,
        "subject": [
            {"key": "chinese", "name": "语文", "aliases": ["语文"], "periods": [8] * 9},
            {"key": "music", "name": "音乐", "aliases": ["音乐"], "specialist": True, "periods": [2] * 9},
        ],
        "load": {"primary": 16, "junior": 14},
        "demand": {"whole_teacher_fraction": 0.5},
    })
