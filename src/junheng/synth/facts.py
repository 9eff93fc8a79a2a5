"""Yearly school facts: ``school_year`` (shared physical resources) and ``section_year``.

Every row satisfies the importer's cross-field rules by construction:
students are the sum of the stage's grades, classes the sum of the grade
classes and of the class-size bands (computed from the actual class sizes, so
the band bounds bracket the students and ``max_class_size`` is the largest
class), teachers by degree and by title each sum to the teachers, all the
"of whom" counts are at most their total, staff ≥ teachers, boarders ≤
students, rotated ≤ eligible, backbone rotated ≤ rotated, and the music/art
room counts equal the number of room areas listed.

The resources of the compulsory-education schools are drawn against the seven
资源配置 indicators of 教督〔2017〕6号 (standards.md §1.1).  Each school gets a
target ratio ``r_k = value_k / threshold_k`` per indicator from a profile that
mirrors how real rural counties fail:

* crowded county-town schools: teachers adequate, but teaching rooms, sports
  ground and multimedia rooms per pupil below the line, big classes;
* township central and junior schools: mostly up to standard (the 全面改薄
  programme), some one indicator short (above or below 85 %);
* village primaries: plenty of space, but often no backbone teacher, no
  music/art teacher and old equipment;
* teaching points: the same, more so, with no music or art room;
* and, so that the demo always shows each case, two schools that pass all
  seven, two that pass six with the seventh at 86–97 % and two that pass six
  with the seventh at 76–83 % (chosen among the township primaries).

A count is rounded up when the target passes and down when it fails, so the
designed pass/fail holds exactly for the latest year.  Earlier years reuse the
school's ratios with that year's pupils; buildings, equipment and rooms grow
towards the latest year (equipment about 7 % a year, a new building at a
quarter of the schools).  Shared resources of a multi-stage school are sized
on the weighted enrolment A + 1.1 B (+1.32 C), the split rule of standards.md
§2.3.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

import numpy as np
import pandas as pd

from junheng.domain import fields as F
from junheng.domain.enums import Stage
from junheng.standards import Pack, load_pack
from junheng.synth.network import ROLES, Network
from junheng.synth.sources import CountyProfile

INDICATORS = (
    "qualified_teachers_per_100", "backbone_teachers_per_100", "pe_art_teachers_per_100",
    "teaching_area_per_student", "sports_area_per_student", "equipment_value_per_student",
    "multimedia_rooms_per_100",
)
"""The seven 资源配置 indicators of 教督〔2017〕6号 (standards.md §1.1), in the order of :func:`target_ratios`."""
COMPULSORY = (Stage.PRIMARY, Stage.JUNIOR)


@cache
def _standard() -> Pack:
    """The ``yzjh-2017`` pack: the data are drawn against the thresholds the engine assesses them with."""
    return load_pack("yzjh-2017")


@cache
def thresholds() -> dict[Stage, tuple[float, ...]]:
    """The seven thresholds by compulsory stage (per 100 pupils, m², 元 per pupil), read from the pack."""
    pack = _standard()
    return {st: tuple(float(pack.indicator(code).threshold.get(st.value)) for code in INDICATORS) for st in COMPULSORY}


def _split_weights(key: str) -> dict[Stage, float]:
    """standards.md §2.3 split weights of the pack: ``split_weights`` or ``split_weights_complete_secondary``."""
    return {Stage(st): float(w) for st, w in _standard().parameters[key].items()}


CATEGORY = {
    "town_primary": "crowded", "town_junior": "crowded",
    "complete_secondary": "town", "senior": "town", "vocational": "town",
    "central_primary": "standard", "township_junior": "standard", "seat_nine_year": "standard",
    "village_primary": "village", "village_nine_year": "village",
    "teaching_point": "tiny",
    "private_primary": "private", "private_nine_year": "private",
    "special": "special",
    "kg_town_public": "kg_public", "kg_central": "kg_public",
    "kg_private_inclusive": "kg_private", "kg_private": "kg_private",
}

# class-size cap (students per class) by category and stage
_CAP: dict[tuple[str, Stage], tuple[float, float]] = {
    ("crowded", Stage.PRIMARY): (52, 60), ("crowded", Stage.JUNIOR): (50, 58),
    ("town", Stage.JUNIOR): (50, 58), ("town", Stage.SENIOR): (52, 60),
    ("standard", Stage.PRIMARY): (44, 50), ("standard", Stage.JUNIOR): (46, 52),
    ("village", Stage.PRIMARY): (40, 45), ("village", Stage.JUNIOR): (42, 48),
    ("tiny", Stage.PRIMARY): (30, 35),
    ("private", Stage.PRIMARY): (45, 50), ("private", Stage.JUNIOR): (48, 52),
    ("special", Stage.PRIMARY): (10, 12), ("special", Stage.JUNIOR): (10, 12),
}
_RATIO: dict[tuple[str, Stage], tuple[float, float]] = {  # pupils per full-time teacher
    ("crowded", Stage.PRIMARY): (16.5, 19.5), ("crowded", Stage.JUNIOR): (12.5, 14.5),
    ("town", Stage.JUNIOR): (12.0, 14.0), ("town", Stage.SENIOR): (12.0, 14.0),
    ("standard", Stage.PRIMARY): (14.0, 17.0), ("standard", Stage.JUNIOR): (10.5, 13.5),
    ("village", Stage.PRIMARY): (9.0, 13.0), ("village", Stage.JUNIOR): (8.0, 11.0),
    ("tiny", Stage.PRIMARY): (6.0, 10.0),
    ("private", Stage.PRIMARY): (17.0, 20.0), ("private", Stage.JUNIOR): (13.0, 16.0),
    ("special", Stage.PRIMARY): (3.0, 4.5), ("special", Stage.JUNIOR): (3.0, 4.5),
}
_TITLE_SHARES = {  # senior, intermediate, junior, none
    "crowded": (0.10, 0.45, 0.38, 0.07), "town": (0.16, 0.42, 0.35, 0.07),
    "standard": (0.06, 0.45, 0.40, 0.09), "village": (0.03, 0.40, 0.45, 0.12),
    "tiny": (0.02, 0.38, 0.45, 0.15), "private": (0.03, 0.20, 0.35, 0.42),
    "special": (0.06, 0.44, 0.40, 0.10), "kg_public": (0.03, 0.30, 0.45, 0.22),
    "kg_private": (0.0, 0.05, 0.25, 0.70),
}
_YOUNG = {"crowded": 0.62, "town": 0.60, "standard": 0.55, "village": 0.42, "tiny": 0.30, "private": 0.80,
          "special": 0.55, "kg_public": 0.70, "kg_private": 0.90}


def _uniform(rng: np.random.Generator, lo_hi: tuple[float, float]) -> float:
    return float(rng.uniform(*lo_hi))


def _stage_key(cat: str, stage: Stage, table: dict[tuple[str, Stage], tuple[float, float]],
               default: tuple[float, float]) -> tuple[float, float]:
    if (cat, stage) in table:
        return table[(cat, stage)]
    if stage is Stage.PRESCHOOL:
        return default
    for (c, _st), v in table.items():
        if c == cat:
            return v
    return default


def target_ratios(cat: str, rng: np.random.Generator, profile: str | None = None) -> np.ndarray:
    """Target value/threshold per indicator 1..7 (index 0..6) for a school of category ``cat``."""
    u = rng.uniform
    if profile is not None:  # one of the designed demo cases
        r = np.array([u(1.05, 1.5), u(1.05, 1.6), u(1.05, 1.6), u(1.05, 1.6), u(1.05, 1.6), u(1.05, 1.5),
                      u(1.05, 1.6)])
        if profile != "all_pass":
            k = int(rng.choice([3, 4, 5]))
            r[k] = u(0.87, 0.97) if profile == "six_85" else u(0.76, 0.83)
        return r
    if cat == "crowded":
        return np.array([1.0, u(0.7, 1.4), u(0.95, 1.4), u(0.55, 0.9), u(0.3, 0.75), u(0.8, 1.3), u(0.7, 1.0)])
    if cat == "standard":
        r = np.array([1.0, *u(1.02, 1.6, 6)])
        x = rng.random()
        if x < 0.3:
            r[int(rng.choice([3, 4, 5, 6]))] = u(0.86, 0.99)
        elif x < 0.45:
            r[int(rng.choice([3, 4, 5, 6]))] = u(0.75, 0.84)
        elif x < 0.55:
            r[rng.choice([1, 2, 3, 4, 5, 6], 2, replace=False)] = u(0.6, 0.9, 2)
        return r
    if cat == "village":
        return np.array([1.0, 0.0 if rng.random() < 0.5 else u(1.0, 2.0), 0.0 if rng.random() < 0.4 else u(1.0, 2.0),
                         u(1.0, 2.5), u(1.0, 3.0), u(0.5, 1.0) if rng.random() < 0.4 else u(1.0, 1.6), u(1.0, 2.5)])
    if cat == "tiny":
        return np.array([1.0, 0.0 if rng.random() < 0.8 else u(1.0, 3.0), 0.0 if rng.random() < 0.7 else u(1.0, 3.0),
                         u(1.5, 4.0), u(1.5, 5.0), u(0.3, 1.0), u(1.5, 6.0)])
    if cat == "private":
        return np.array([1.0, u(0.3, 1.0), u(0.8, 1.4), u(0.8, 1.4), u(0.5, 1.1), u(0.8, 1.4), u(0.8, 1.4)])
    if cat == "special":
        return np.array([1.0, u(0.5, 1.5), u(1.0, 2.0), u(2.0, 3.0), u(1.0, 2.0), u(2.0, 4.0), u(2.0, 4.0)])
    return np.array([1.0, *u(0.9, 1.4, 6)])  # town high schools, kindergartens


def _realise(x: float, passes: bool) -> int:
    """Integer count for a target ``x``: up when the target passes, down when it fails."""
    return math.ceil(x - 1e-9) if passes else math.floor(x + 1e-9)


def _realise_amount(x: float, passes: bool, step: float = 0.1) -> float:
    q = x / step
    return round((math.ceil(q - 1e-9) if passes else math.floor(q + 1e-9)) * step, 6)


def class_sizes(n: int, cap: int) -> list[int]:
    """Sizes of the classes of one grade: ``ceil(n / cap)`` classes as equal as possible."""
    if n <= 0:
        return []
    c = math.ceil(n / cap)
    return [n // c + (1 if i < n % c else 0) for i in range(c)]


def band_counts(sizes: Sequence[int]) -> list[int]:
    """Number of classes in each 班额 band of ``CLASS_SIZE_BANDS``."""
    counts = [0] * len(F.CLASS_SIZE_BANDS)
    for size in sizes:
        for i, (_k, _label, lo, hi) in enumerate(F.CLASS_SIZE_BANDS):
            if size >= lo and (hi is None or size <= hi):
                counts[i] += 1
                break
    return counts


def assign_demo_profiles(net: Network, enrolment: dict[tuple[int, Stage], np.ndarray],
                         rng: np.random.Generator) -> dict[int, str]:
    """Pick the township primaries / junior schools that carry the designed demo cases."""
    roles = net.schools["role"].to_numpy()
    out: dict[int, str] = {}
    prim = [s for s in range(len(roles)) if roles[s] in ("central_primary", "village_primary")
            and (s, Stage.PRIMARY) in enrolment and enrolment[(s, Stage.PRIMARY)][-1].sum() >= 120]
    prim = [prim[i] for i in rng.permutation(len(prim))]
    for s, name in zip(prim, ("all_pass", "all_pass", "six_85", "six_85", "six_80", "six_80"), strict=False):
        out[s] = name
    jun = [s for s in range(len(roles)) if roles[s] == "township_junior"]
    jun = [jun[i] for i in rng.permutation(len(jun))]
    for s, name in zip(jun, ("all_pass", "six_85"), strict=False):
        out[s] = name
    return out


def build_facts(net: Network, enrolment: dict[tuple[int, Stage], np.ndarray], years: Sequence[int],
                profile: CountyProfile, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(school_year, section_year)`` frames in catalogue columns."""
    years = list(years)
    last = len(years) - 1
    sch = net.schools
    demo = assign_demo_profiles(net, enrolment, rng)
    sec_rows: list[dict[str, object]] = []
    sy_rows: list[dict[str, object]] = []
    for s in range(len(sch)):
        role = str(sch.loc[s, "role"])
        cat = CATEGORY[role]
        stages = [st for st in ROLES[role][2] if (s, st) in enrolment]
        if not stages:
            continue
        town_school = int(sch.loc[s, "ur_code"]) < 200 if pd.notna(sch.loc[s, "ur_code"]) else True
        r = target_ratios(cat, rng, demo.get(s))
        sec_params = {st: _section_params(cat, role, st, rng, profile) for st in stages}
        new_building = int(rng.integers(1, len(years))) if len(years) > 1 and rng.random() < 0.25 else 0
        school_seed = int(rng.integers(2**32))
        for k, year in enumerate(years):
            sections = {st: enrolment[(s, st)][k] for st in stages if enrolment[(s, st)][k].sum() > 0}
            if not sections:
                continue
            main = max(sections, key=lambda st: int(sections[st].sum()))
            boarders_total = 0
            classes_total = 0
            teachers_total = 0
            for st, grades in sections.items():
                row = _section_row(s, sch, st, grades, year, k - last, cat, role, r, sec_params[st], demo.get(s),
                                   main is st, town_school, rng)
                boarders_total += int(row["boarders"])  # type: ignore[call-overload]
                classes_total += int(row["classes"])  # type: ignore[call-overload]
                teachers_total += int(row["teachers"])  # type: ignore[call-overload]
                sec_rows.append(row)
            design = {st: enrolment[(s, st)][last].sum() for st in stages}
            sy_rows.append(_school_year_row(sch, s, year, k - last, cat, role, r, design, sections,
                                            classes_total, teachers_total, boarders_total,
                                            k < new_building, profile, school_seed))
    section_year = pd.DataFrame(sec_rows)
    school_year = pd.DataFrame(sy_rows)
    return school_year, section_year


def _section_params(cat: str, role: str, stage: Stage, rng: np.random.Generator,
                    profile: CountyProfile) -> dict[str, float]:
    """Per-school, per-stage constants (fixed across the years)."""
    kg = role.startswith("kg_")
    cap: tuple[float, float]
    ratio: tuple[float, float]
    if stage is Stage.PRESCHOOL:
        cap = (28, 35) if kg else (25, 35)
        ratio = (11, 15) if cat == "kg_public" else (14, 19) if cat == "kg_private" else (12, 20)
    else:
        cap = _stage_key(cat, stage, _CAP, (50, 56))
        ratio = _stage_key(cat, stage, _RATIO, (12, 14))
        if role == "vocational":
            ratio = (14, 18)
    mountain = profile.mountainous
    boarding_range: dict[tuple[str, Stage], tuple[float, float]] = {
        ("central_primary", Stage.PRIMARY): (0.3, 0.5) if mountain else (0.08, 0.25),
        ("seat_nine_year", Stage.PRIMARY): (0.3, 0.5) if mountain else (0.1, 0.25),
        ("seat_nine_year", Stage.JUNIOR): (0.6, 0.9) if mountain else (0.4, 0.7),
        ("village_nine_year", Stage.JUNIOR): (0.5, 0.8),
        ("township_junior", Stage.JUNIOR): (0.7, 0.9) if mountain else (0.3, 0.6),
        ("town_junior", Stage.JUNIOR): (0.1, 0.3),
        ("complete_secondary", Stage.JUNIOR): (0.2, 0.4),
        ("complete_secondary", Stage.SENIOR): (0.7, 0.9),
        ("senior", Stage.SENIOR): (0.75, 0.95),
        ("vocational", Stage.SENIOR): (0.5, 0.8),
        ("special", Stage.PRIMARY): (0.3, 0.6), ("special", Stage.JUNIOR): (0.4, 0.7),
        ("private_nine_year", Stage.PRIMARY): (0.3, 0.6), ("private_nine_year", Stage.JUNIOR): (0.5, 0.8),
        ("private_primary", Stage.PRIMARY): (0.1, 0.3),
    }
    boarding = _uniform(rng, boarding_range[(role, stage)]) if (role, stage) in boarding_range else 0.0
    return {
        "cap": float(rng.integers(int(cap[0]), int(cap[1]) + 1)),
        "ratio": _uniform(rng, ratio),
        "boarding": boarding,
        "qualified": float(rng.uniform(*{"crowded": (0.96, 1.0), "town": (0.95, 1.0), "standard": (0.92, 0.99),
                                         "village": (0.84, 0.97), "tiny": (0.70, 0.95), "private": (0.90, 1.0),
                                         "special": (0.90, 1.0)}.get(cat, (0.85, 1.0)))),
        "young": _YOUNG.get(cat, 0.55),
        "music_art_missing": float(cat in ("village", "tiny") and rng.random() < 0.75),
        "left_behind": float(rng.uniform(0.12, 0.22)),
        "rotation": float(rng.uniform(0.10, 0.16) if cat in ("crowded", "town", "standard") else rng.uniform(0.03, 0.08)),
    }


def _section_row(s: int, sch: pd.DataFrame, stage: Stage, grades: np.ndarray, year: int, age: int, cat: str,
                 role: str, r: np.ndarray, par: dict[str, float], demo: str | None, is_main: bool,
                 town_school: bool, rng: np.random.Generator) -> dict[str, object]:
    """One section_year row (``age`` = year offset from the latest year, ≤ 0)."""
    n = int(grades.sum())
    row: dict[str, object] = {"year": year, "school_code": sch.loc[s, "code"], "stage": stage.value, "students": n}
    for g in range(F.MAX_GRADES):
        row[F.GRADE_STUDENT_KEYS[g]] = int(grades[g]) if g < len(grades) else pd.NA
    # classes: crowded schools' caps come down by 2 a year (大班额 being removed)
    cap = int(par["cap"]) + (-2 * age if cat == "crowded" else 0)
    sizes_by_grade = [class_sizes(int(x), cap) for x in grades]
    all_sizes = [c for sizes in sizes_by_grade for c in sizes]
    for g in range(F.MAX_GRADES):
        row[F.GRADE_CLASS_KEYS[g]] = len(sizes_by_grade[g]) if g < len(grades) else pd.NA
    classes = len(all_sizes)
    row["classes"] = classes
    for (key, *_rest), count in zip(F.CLASS_SIZE_BANDS, band_counts(all_sizes), strict=True):
        row[key] = count
    row["max_class_size"] = max(all_sizes)

    # teachers
    min_t = classes + (1 if stage is Stage.PRIMARY and classes >= 3 else 0)
    t = max(min_t, round(n / par["ratio"]), 1)
    compulsory = stage in COMPULSORY and cat not in ("special",)
    thr = thresholds().get(stage, (0.0,) * 7)
    qualified = round(t * par["qualified"])
    if compulsory and (demo is not None):
        qualified = max(qualified, _realise(thr[0] * n / 100 * 1.02, True))
    qualified = min(qualified, t)
    if compulsory:
        backbone = _realise(r[1] * thr[1] * n / 100, r[1] >= 1)
        arts = _realise(r[2] * thr[2] * n / 100, r[2] >= 1)
    else:
        backbone = int(rng.binomial(t, 0.08))
        arts = round(t * rng.uniform(0.08, 0.16))
        if role == "special" and t >= 4:
            arts = max(arts, 3)  # rehabilitation through music and art is part of the special curriculum
    backbone = min(backbone, t)
    arts = min(arts, max(t - 1, 0))
    row["teachers"] = t
    row.update(_degrees(stage, cat, t, qualified, rng))
    titles = rng.multinomial(t, _TITLE_SHARES.get(cat, _TITLE_SHARES["standard"]))
    for key, v in zip(F.TITLE_KEYS, titles, strict=True):
        row[key] = int(v)
    city = int(rng.binomial(backbone, 0.25))
    province = int(rng.binomial(city, 0.15))
    row["backbone_county"], row["backbone_city"], row["backbone_province"] = backbone - city, city - province, province
    if par["music_art_missing"] and compulsory and demo is None:
        # a village school with a PE teacher or two and nobody for music and art
        pe, music, art = min(arts, 1 + n // 200), 0, 0
    else:
        pe = math.ceil(arts * 0.45)
        music = (arts - pe + 1) // 2
        art = arts - pe - music
    row["teachers_pe"], row["teachers_music"], row["teachers_art"] = pe, music, art
    it = 0 if stage is Stage.PRESCHOOL else (
        max(1, round(t * 0.03)) if cat in ("crowded", "town", "standard", "private") else int(rng.random() < 0.3))
    row["teachers_it"] = int(min(it, t - min(t, arts)))
    fail_cert = 0.15 if cat == "kg_private" else 0.05 if cat == "private" else 0.01
    row["teachers_certified"] = t - int(rng.binomial(t, fail_cert))
    young = int(rng.binomial(t, par["young"]))
    row["teachers_age_le45"] = young
    row["teachers_training_done"] = int(rng.binomial(t, rng.uniform(0.88, 0.98)))
    row["training_hours"] = float(round(t * rng.uniform(66, 84)))
    eligible = int(rng.binomial(t, rng.uniform(0.4, 0.55)))
    rotated = int(rng.binomial(eligible, par["rotation"]))
    row["teachers_rotation_eligible"], row["teachers_rotated"] = eligible, rotated
    row["backbone_rotated"] = min(int(rng.binomial(rotated, 0.25)), backbone)
    # principals sit on the school's largest section; teaching points have none of their own
    principals = 0
    if is_main and role != "teaching_point":
        principals = min(t, 1 if n < 100 else 2 if n < 600 else 3 if n < 1500 else 4)
    p_young = int(rng.binomial(principals, 0.35))
    p_young = min(p_young, young)
    p_young = max(p_young, principals - (t - young))  # the older principals must fit among older teachers
    row["principals"], row["principals_age_le45"] = principals, p_young
    boarders = int(rng.binomial(n, par["boarding"]))
    row["boarders"] = boarders
    row["staff"] = t + round(t * rng.uniform(0.04, 0.12)) + boarders // 60
    row["students_disabled"] = n if role == "special" else int(rng.binomial(n, 0.004))
    rural_pupils = not town_school
    row["students_left_behind"] = int(rng.binomial(n, par["left_behind"] if rural_pupils else 0.04))
    migrant = 0.05 if cat == "private" else 0.025 if town_school else 0.0
    row["students_migrant"] = int(rng.binomial(n, migrant))
    return row


def _degrees(stage: Stage, cat: str, t: int, qualified: int, rng: np.random.Generator) -> dict[str, int]:
    """Teachers by highest degree; ``qualified`` = 高于规定学历 (primary: 专科+, junior: 本科+; §1.1 notes)."""
    town = cat in ("crowded", "town", "private")
    rest = t - qualified
    if stage is Stage.PRIMARY:
        pg = int(rng.binomial(qualified, 0.03 if town else 0.005))
        ba = int(rng.binomial(qualified - pg, 0.65 if town else 0.45))
        assoc = qualified - pg - ba
        below = int(rng.binomial(rest, 0.1))
        return {"teachers_postgrad": pg, "teachers_bachelor": ba, "teachers_associate": assoc,
                "teachers_upper_secondary": rest - below, "teachers_below_upper_secondary": below}
    if stage is Stage.PRESCHOOL:
        pg = 0
        ba = int(rng.binomial(t, 0.35 if cat == "kg_public" else 0.2))
        assoc = int(rng.binomial(t - ba, 0.7))
        upper = t - ba - assoc
        return {"teachers_postgrad": pg, "teachers_bachelor": ba, "teachers_associate": assoc,
                "teachers_upper_secondary": upper, "teachers_below_upper_secondary": 0}
    # junior and senior: 本科及以上 qualified
    pg = int(rng.binomial(qualified, 0.05 if town else 0.015))
    assoc = int(rng.binomial(rest, 0.9))
    return {"teachers_postgrad": pg, "teachers_bachelor": qualified - pg, "teachers_associate": assoc,
            "teachers_upper_secondary": rest - assoc, "teachers_below_upper_secondary": 0}


def _design_thresholds(role: str, design: dict[Stage, int]) -> tuple[float, np.ndarray]:
    """Weighted design enrolment and the per-weighted-pupil thresholds for indicators 4–7.

    For one stage the thresholds are the stage's; for a multi-stage school a
    pupil's share of the shared resources is weight / Σ weights, so the shared
    value per weighted pupil must reach max(thr_stage / weight_stage).
    """
    if role.startswith("kg_"):
        n = sum(design.values())
        return float(n), np.array([8.17, 4.0, 600.0, 3.0])  # 学前 norms (standards.md §3) and 1 room per class
    if role == "special":
        n = sum(design.values())
        return float(3 * n), np.array(thresholds()[Stage.PRIMARY][3:])
    split = _split_weights("split_weights")
    weights: dict[Stage, float] = {st: split[st] for st in design if st is not Stage.PRESCHOOL}
    if set(weights) == {Stage.JUNIOR, Stage.SENIOR}:
        weights = _split_weights("split_weights_complete_secondary")  # 完全中学 初中:高中 = 1:1.2
    n_w = sum(w * design[st] for st, w in weights.items())
    thr = np.zeros(4)
    for st, w in weights.items():
        base = thresholds().get(st, thresholds()[Stage.JUNIOR])
        thr = np.maximum(thr, np.array(base[3:]) / w)
    return float(n_w), thr


def _school_year_row(sch: pd.DataFrame, s: int, year: int, age: int, cat: str, role: str, r: np.ndarray,
                     design: dict[Stage, int], sections: dict[Stage, np.ndarray], classes: int, teachers: int,
                     boarders: int, before_new_building: bool, profile: CountyProfile,
                     school_seed: int) -> dict[str, object]:
    """One school_year row (``age`` = year offset from the latest year, ≤ 0)."""
    # The school's own stream, restarted every year, so that rooms and areas stay the same from year to year.
    srng = np.random.default_rng(school_seed)
    n_w, thr = _design_thresholds(role, design)
    n_w = max(n_w, 1.0)
    indoor = float(round(srng.uniform(400, 1200))) if cat in ("crowded", "town", "private") and n_w > 800 else 0.0
    teaching = _realise_amount(r[3] * thr[0] * n_w, r[3] >= 1) + indoor
    sports_total = _realise_amount(r[4] * thr[1] * n_w, r[4] >= 1)
    sports_ground = max(0.0, round(sports_total - indoor, 1))
    equipment = float(_realise(r[5] * thr[2] * n_w, r[5] >= 1))
    multimedia = _realise(r[6] * thr[3] * n_w / 100, r[6] >= 1)
    if before_new_building:
        teaching, sports_ground = round(teaching * 0.8, 1), round(sports_ground * 0.85, 1)
    growth = 1.07 ** age  # age ≤ 0
    equipment = float(round(equipment * growth * srng.uniform(0.98, 1.0) if age else equipment))
    multimedia = round(multimedia * 0.93 ** (-age)) if age else multimedia
    n_now = int(sum(int(g.sum()) for g in sections.values()))
    beds = math.ceil(boarders * srng.uniform(1.0, 1.15)) if boarders else 0
    building = round(teaching * srng.uniform(1.35, 1.7) + 5.0 * beds, 1)
    compulsory = role not in ("senior", "vocational", "special") and not role.startswith("kg_")
    if compulsory:
        need = math.ceil(classes / 12)
        if cat == "crowded":
            rooms = max(1, need - int(srng.integers(0, 2)))
        elif cat in ("standard", "private", "town"):
            rooms = need
        elif cat == "village":
            rooms = 1 if srng.random() < 0.55 else 0
        else:
            rooms = 0
        music, art = rooms, rooms if srng.random() < 0.8 else max(0, rooms - 1)
    elif role.startswith("kg_"):
        music, art = 0, 0
    else:
        music, art = int(srng.integers(1, 4)), int(srng.integers(1, 4))
    old = cat in ("crowded", "village") and srng.random() < 0.4
    music_areas = [int(srng.integers(70, 95) if old else srng.integers(96, 112)) for _ in range(music)]
    art_areas = [int(srng.integers(65, 89) if old else srng.integers(90, 106)) for _ in range(art)]
    east = profile.eastern
    per_pupil = {Stage.PRESCHOOL: 600.0, Stage.PRIMARY: 650.0 if east else 600.0,
                 Stage.JUNIOR: 850.0 if east else 800.0, Stage.SENIOR: 1000.0}
    if role == "special":
        funds = 6000.0 * n_now
    elif role == "kg_private":
        funds = 0.0
    else:
        small = cat in ("village", "tiny") and n_now < 100  # 不足100人按100人核定 (§4.3)
        funds = sum(per_pupil[st] * (100 * int(g.sum()) / n_now if small else int(g.sum()))
                    for st, g in sections.items()) + 200.0 * boarders
    training_share = srng.uniform(0.05, 0.08) if srng.random() > 0.2 else srng.uniform(0.03, 0.049)
    bandwidth = {"crowded": 1000.0, "town": 1000.0, "private": 500.0, "standard": 500.0, "village": 200.0,
                 "tiny": 100.0, "special": 300.0}.get(cat, 200.0)
    return {
        "year": year, "school_code": sch.loc[s, "code"],
        "land_area": round(building / srng.uniform(0.5, 0.9) + sports_ground, 1),
        "building_area": building, "teaching_aux_area": round(teaching, 1), "indoor_sports_area": indoor,
        "sports_ground_area": sports_ground, "equipment_value": equipment,
        "computers": round(n_w * srng.uniform(0.08, 0.2) * 0.95 ** (-age)) + teachers,
        "multimedia_classrooms": int(multimedia),
        "books": round(n_w * srng.uniform(20, 40) * 0.97 ** (-age)),
        "broadband_mbps": bandwidth if age > -3 else bandwidth / 2,
        "music_rooms": music, "music_room_areas": ";".join(map(str, music_areas)) or pd.NA,
        "art_rooms": art, "art_room_areas": ";".join(map(str, art_areas)) or pd.NA,
        "boarding_beds": beds, "public_funds": float(round(funds)),
        "training_funds": float(round(funds * training_share)),
    }
