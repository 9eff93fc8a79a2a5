"""Staffing entitlement (编制核定) and subject demand (学科需求, "开齐开足") per school section.

Two rule packs shipped as TOML data in ``junheng/plan/data`` (both dated and
overridable by a province, value by value):

* ``staffing-2014.toml`` — 中小学教职工编制标准 (reference/standards.md §4.1):
  教职工 by student ratio per stage (2014 unified urban–rural standard, 高中 1:12.5,
  初中 1:13.5, 小学 1:19), a class-based minimum (班师比) for 教学点 and small rural
  schools (国办发〔2015〕43号: 生师比与班师比相结合; the numbers are provincial [U]),
  additions for boarders [U] and the 特教 ratio [U].
* ``curriculum.toml`` — 义务教育课程方案（2022年版） weekly periods per subject and
  grade, and the teachers' weekly loads, from which the teachers each school
  needs by subject follow: periods × classes ÷ weekly load.

:func:`entitlement` and :func:`subject_demand` are pure: ``YearTables`` in,
one frame out (columns documented on each function).
"""

from __future__ import annotations

import copy
import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from junheng.assess.units import section_frame
from junheng.domain.tables import YearTables

EPS = 1e-9
STAGES = ("primary", "junior", "senior")
COMPULSORY = ("primary", "junior")
GRADE_OFFSET = {"primary": 0, "junior": 6}  # curriculum grade = stage grade + offset (六三学制)
GRADES = {"primary": 6, "junior": 3}
SPECIALIST_SECTION_KEYS = {"pe": "teachers_pe", "music": "teachers_music", "art": "teachers_art", "it": "teachers_it"}
POOLED = "pooled"
GENERAL = "general"
OTHER = "other"
SUBJECT_ZH_EXTRA = {POOLED: "劳动、综合实践、地方与校本（任一学科教师）", GENERAL: "非专项学科合计", OTHER: "其他学科"}


def _data_path(name: str) -> Path:
    return Path(str(resources.files("junheng.plan") / "data" / name))


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _read_with_overrides(path: str | Path, overrides: Iterable[str | Path | Mapping[str, Any]]) -> dict[str, Any]:
    with open(path, "rb") as fh:
        data: dict[str, Any] = tomllib.load(fh)
    for ov in overrides:
        if not isinstance(ov, Mapping):
            with open(ov, "rb") as fh:
                ov = tomllib.load(fh)
        data = _deep_merge(data, ov)
    return data


# --------------------------------------------------------------------------- staffing rules
@dataclass(frozen=True)
class StaffingRules:
    """A staffing-entitlement rule pack (reference/standards.md §4.1); see ``data/staffing-2014.toml``."""

    code: str
    name: str
    source: str
    version: str
    province: str
    student_ratio: Mapping[str, float]
    special_ratio: float
    non_teaching_cap: Mapping[str, float]
    class_max_students: int
    teachers_per_class: Mapping[str, float]
    min_per_site: int
    boarders_per_extra_staff: float

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any]) -> StaffingRules:
        cb = d.get("class_based", {})
        return cls(
            code=str(d["code"]), name=str(d.get("name", "")), source=str(d.get("source", "")),
            version=str(d.get("version", "")), province=str(d.get("province", "national")),
            student_ratio={k: float(v) for k, v in d["student_ratio"].items()},
            special_ratio=float(d.get("special", {}).get("student_ratio", 4.0)),
            non_teaching_cap={k: float(v) for k, v in d.get("non_teaching_cap", {}).items()},
            class_max_students=int(cb.get("max_students", 100)),
            teachers_per_class={k: float(v) for k, v in cb.get("teachers_per_class", {}).items()},
            min_per_site=int(cb.get("min_per_site", 0)),
            boarders_per_extra_staff=float(d.get("boarding", {}).get("boarders_per_extra_staff", 0.0)),
        )


def load_staffing_rules(path: str | Path | None = None, *,
                        overrides: Iterable[str | Path | Mapping[str, Any]] = ()) -> StaffingRules:
    """The staffing rule pack (default the shipped ``staffing-2014.toml``) with provincial ``overrides``
    (TOML files or mappings, merged key by key: ``{"class_based": {"teachers_per_class": {"primary": 1.7}}}``)."""
    return StaffingRules.from_mapping(_read_with_overrides(path or _data_path("staffing-2014.toml"), overrides))


# --------------------------------------------------------------------------- curriculum
@dataclass(frozen=True)
class Subject:
    """One subject of the curriculum plan with its weekly periods for grades 1–9."""

    key: str
    name: str
    aliases: tuple[str, ...]
    periods: tuple[int, ...]
    specialist: bool = False
    pooled: bool = False


@dataclass(frozen=True)
class ShareRule:
    """A national share of the nine-year total (义务教育课程方案 2022, 课程设置及课时比例)."""

    key: str
    name: str
    low: float
    high: float
    members: tuple[str, ...]


@dataclass(frozen=True)
class Curriculum:
    """The compulsory curriculum plan as data (see ``data/curriculum.toml``)."""

    code: str
    name: str
    source: str
    weeks_per_year: int
    weekly_total: tuple[int, ...]
    subjects: tuple[Subject, ...]
    shares: tuple[ShareRule, ...]
    load: Mapping[str, float]
    load_by_subject: Mapping[str, Mapping[str, float]]
    whole_teacher_fraction: float
    _alias: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any]) -> Curriculum:
        subjects: list[Subject] = []
        shares: list[ShareRule] = []
        for s in d["subject"]:
            if "periods" in s:
                per = tuple(int(p) for p in s["periods"])
                if len(per) != 9:
                    raise ValueError(f"curriculum subject {s['key']}: 9 grades expected, found {len(per)}")
                subjects.append(Subject(str(s["key"]), str(s["name"]), tuple(s.get("aliases", ())), per,
                                        bool(s.get("specialist", False)), bool(s.get("pooled", False))))
            if "share" in s:
                lo, hi = s["share"]
                shares.append(ShareRule(str(s["key"]), str(s["name"]), float(lo), float(hi),
                                        tuple(s.get("group", [s["key"]]))))
        alias = {a: sub.key for sub in subjects for a in (*sub.aliases, sub.name, sub.key)}
        load = d.get("load", {})
        return cls(
            code=str(d["code"]), name=str(d["name"]), source=str(d.get("source", "")),
            weeks_per_year=int(d.get("weeks_per_year", 35)),
            weekly_total=tuple(int(x) for x in d["weekly_total"]),
            subjects=tuple(subjects), shares=tuple(shares),
            load={k: float(v) for k, v in load.items() if not isinstance(v, Mapping)},
            load_by_subject={k: {s: float(x) for s, x in v.items()} for k, v in load.get("by_subject", {}).items()},
            whole_teacher_fraction=float(d.get("demand", {}).get("whole_teacher_fraction", 0.5)),
            _alias=alias,
        )

    def subject(self, key: str) -> Subject:
        for s in self.subjects:
            if s.key == key:
                return s
        raise KeyError(key)

    def subject_key(self, text: object) -> str:
        """The curriculum key of a teacher's subject as written in the registry (``体育`` → ``pe``);
        ``other`` when it is not a curriculum subject (学前教育, 心理健康 …)."""
        if text is None or (isinstance(text, float) and math.isnan(text)) or text is pd.NA:
            return OTHER
        return self._alias.get(str(text).strip(), OTHER)

    def periods(self, key: str, stage: str, grade: int) -> int:
        """Weekly periods of subject ``key`` in ``grade`` (1-based) of ``stage``."""
        return self.subject(key).periods[GRADE_OFFSET[stage] + grade - 1]

    def weekly_load(self, key: str, stage: str) -> float:
        """A full-time teacher's weekly periods for subject ``key`` in ``stage``."""
        return float(self.load_by_subject.get(key, {}).get(stage, self.load[stage]))

    def subject_name(self, key: str) -> str:
        if key in SUBJECT_ZH_EXTRA:
            return SUBJECT_ZH_EXTRA[key]
        return self.subject(key).name

    def share_check(self) -> list[tuple[ShareRule, float, bool]]:
        """Each national share rule with the table's nine-year share and whether it is inside the range."""
        total = sum(sum(s.periods) for s in self.subjects)
        out = []
        for r in self.shares:
            v = sum(sum(self.subject(k).periods) for k in r.members) / total
            out.append((r, v, r.low - EPS <= v <= r.high + EPS))
        return out


def load_curriculum(path: str | Path | None = None, *,
                    overrides: Iterable[str | Path | Mapping[str, Any]] = ()) -> Curriculum:
    """The curriculum plan (default the shipped ``curriculum.toml``, 义务教育课程方案 2022) with overrides."""
    return Curriculum.from_mapping(_read_with_overrides(path or _data_path("curriculum.toml"), overrides))


# --------------------------------------------------------------------------- entitlement
def entitlement(tables: YearTables, *, year: int, rules: StaffingRules | None = None) -> pd.DataFrame:
    """Staffing entitlement (教职工编制) of every school section (高中/初中/小学) in ``year``.

    Per section (standards.md §4.1; a 九年一贯制 school is counted by the 小学 and
    初中 norms separately, a 完全中学 by the 初中 and 高中 norms):

    * ``staff_by_ratio`` = students ÷ ratio (小学 19, 初中 13.5, 高中 12.5; 特教学校 the
      ``special`` ratio), ``teachers_by_ratio`` = that × (1 − non-teaching cap);
    * ``teachers_by_class`` = classes × 班师比 for 教学点 and rural (乡村) sections with
      fewer than ``class_max_students`` pupils, and at least ``min_per_site`` (国办发〔2015〕43号
      生师比与班师比相结合); 0 where it does not apply (``class_based`` False);
    * ``boarding_extra`` = boarders ÷ ``boarders_per_extra_staff``;
    * ``staff_entitled`` = ⌈max(staff_by_ratio, teachers_by_class) + boarding_extra⌉,
      ``teachers_entitled`` = ⌈max(teachers_by_ratio, teachers_by_class)⌉, and ``basis``
      says which rule decided (``ratio`` 生师比 or ``class`` 班师比).

    Also: ``staff``, ``teachers`` (reported), ``staff_gap`` = staff_entitled − staff and
    ``teacher_gap`` = teachers_entitled − teachers (positive: 缺编, negative: 超编).
    Pre-school sections are left out (their staffing follows the kindergarten norms).
    """
    rules = rules or load_staffing_rules()
    sec = section_frame(tables, year=year)
    sec = sec[sec["stage"].isin(STAGES)].reset_index(drop=True)
    special = (sec["school_type"] == "special").to_numpy()
    ratio = np.where(special, rules.special_ratio, sec["stage"].map(rules.student_ratio).astype(float).to_numpy())
    cap = sec["stage"].map(rules.non_teaching_cap).fillna(0.0).astype(float).to_numpy()
    students = sec["students"].to_numpy(dtype=float)
    classes = sec["classes"].to_numpy(dtype=float)
    staff_by_ratio = students / ratio
    teachers_by_ratio = staff_by_ratio * (1.0 - cap)
    small = (sec["school_type"] == "teaching_point").to_numpy() | (
        (sec["area"] == "rural").to_numpy() & (students < rules.class_max_students))
    small &= ~special
    per_class = sec["stage"].map(rules.teachers_per_class).fillna(0.0).astype(float).to_numpy()
    by_class = np.where(small, np.maximum(classes * per_class, np.where(students > 0, rules.min_per_site, 0)), 0.0)
    boarders = np.nan_to_num(sec["boarders"].to_numpy(dtype=float))
    extra = boarders / rules.boarders_per_extra_staff if rules.boarders_per_extra_staff > 0 else 0.0 * boarders
    staff_ent = np.ceil(np.maximum(staff_by_ratio, by_class) + extra - EPS)
    teach_ent = np.ceil(np.maximum(teachers_by_ratio, by_class) - EPS)
    out = pd.DataFrame({
        "school_code": sec["school_code"], "name": sec["name"], "school_type": sec["school_type"],
        "stage": sec["stage"], "area": sec["area"], "township_code": sec["township_code"],
        "students": students, "classes": classes, "boarders": boarders,
        "ratio": ratio, "staff_by_ratio": staff_by_ratio, "teachers_by_ratio": teachers_by_ratio,
        "class_based": small, "teachers_by_class": by_class, "boarding_extra": extra,
        "staff_entitled": staff_ent.astype(int), "teachers_entitled": teach_ent.astype(int),
        "basis": np.where(by_class > teachers_by_ratio + EPS, "class", "ratio"),
        "staff": sec["staff"].to_numpy(dtype=float), "teachers": sec["teachers"].to_numpy(dtype=float),
    })
    out["staff_gap"] = out["staff_entitled"] - out["staff"]
    out["teacher_gap"] = out["teachers_entitled"] - out["teachers"]
    return out


# --------------------------------------------------------------------------- subject demand
DEMAND_COLUMNS = ["school_code", "stage", "subject", "subject_name", "periods", "load", "needed", "required",
                  "have", "surplus", "shortage", "uncovered_periods", "specialist", "source"]


def _grade_classes(sec: pd.DataFrame, stage: str) -> np.ndarray:
    """Classes per grade (n × grades); when the grade columns are blank, the classes spread evenly."""
    g = GRADES[stage]
    cols = [f"classes_g{i}" for i in range(1, g + 1)]
    grid = sec[cols].to_numpy(dtype=float)
    total = sec["classes"].to_numpy(dtype=float)
    blank = grid.sum(axis=1) <= 0
    grid[blank] = (total[blank] / g)[:, None]
    return grid


def teacher_subject_counts(tables: YearTables, curriculum: Curriculum) -> pd.DataFrame:
    """Individual teachers counted by ``(school_code, stage, subject)`` (curriculum keys)."""
    t = tables.teacher
    if t.empty:
        return pd.DataFrame(columns=["school_code", "stage", "subject", "have"])
    keys = t["subject"].map(curriculum.subject_key)
    df = pd.DataFrame({"school_code": t["school_code"].astype(str), "stage": t["stage"].astype(str), "subject": keys})
    return df.groupby(["school_code", "stage", "subject"]).size().rename("have").reset_index()


def subject_demand(tables: YearTables, *, year: int, curriculum: Curriculum | None = None) -> pd.DataFrame:
    """Teachers needed and held by subject in every 小学/初中 section (开齐开足 check).

    ``periods`` = Σ over grades of weekly periods (curriculum plan) × classes in
    the grade; ``needed`` = periods ÷ ``load`` (a teacher's weekly periods, FTE);
    ``required`` = whole teachers: ⌊needed⌋, plus one when the fraction reaches
    ``whole_teacher_fraction``; ``have`` = teachers of the subject — from the
    individual records (``teacher.subject``) when the section has them, else the
    section counts for PE, music, art and IT and one ``general`` row for all other
    subjects (``source`` says which).  ``shortage`` = max(0, required − have);
    ``surplus`` = max(0, have − ⌈needed⌉) (a teacher is surplus only if the rest
    still cover every period); ``uncovered_periods`` = max(0, periods − have × load)
    — what 走教 or part-time teaching must cover.  The ``pooled`` row (劳动, 综合实践,
    地方与校本) is taught by any teacher: it counts in the school's total need only.
    """
    cur = curriculum or load_curriculum()
    sec = section_frame(tables, year=year)
    sec = sec[sec["stage"].isin(COMPULSORY) & (sec["school_type"] != "special")].reset_index(drop=True)
    have_ind = teacher_subject_counts(tables, cur)
    with_records = set(zip(have_ind["school_code"], have_ind["stage"], strict=True))
    have_map = {(r.school_code, r.stage, r.subject): int(r.have) for r in have_ind.itertuples()}
    rows: list[dict[str, Any]] = []
    for stage in COMPULSORY:
        s = sec[sec["stage"] == stage]
        if s.empty:
            continue
        grid = _grade_classes(s, stage)
        codes = s["school_code"].to_numpy()
        per_subject: dict[str, np.ndarray] = {}
        for sub in cur.subjects:
            per = np.array([cur.periods(sub.key, stage, g) for g in range(1, GRADES[stage] + 1)], dtype=float)
            per_subject[sub.key] = grid @ per
        for i, code in enumerate(codes):
            individual = (code, stage) in with_records
            pooled_periods = 0.0
            general_periods = general_needed = 0.0
            for sub in cur.subjects:
                p = float(per_subject[sub.key][i])
                if sub.pooled:
                    pooled_periods += p
                    continue
                load = cur.weekly_load(sub.key, stage)
                if individual:
                    have = float(have_map.get((code, stage, sub.key), 0))
                elif sub.key in SPECIALIST_SECTION_KEYS:
                    have = float(s[SPECIALIST_SECTION_KEYS[sub.key]].iloc[i])
                else:
                    general_periods += p
                    general_needed += p / load
                    continue
                if p <= 0 and have <= 0:
                    continue
                rows.append(_demand_row(code, stage, sub.key, cur.subject_name(sub.key), p, load, p / load, have,
                                        cur.whole_teacher_fraction, sub.specialist,
                                        "individual" if individual else "section"))
            load = cur.load[stage]
            if not individual and (general_periods > 0):
                spec = sum(float(s[k].iloc[i]) for k in SPECIALIST_SECTION_KEYS.values())
                have = max(float(s["teachers"].iloc[i]) - spec, 0.0)
                rows.append(_demand_row(code, stage, GENERAL, SUBJECT_ZH_EXTRA[GENERAL], general_periods,
                                        general_periods / general_needed if general_needed else load,
                                        general_needed, have, cur.whole_teacher_fraction, False, "section"))
            if individual:
                other = have_map.get((code, stage, OTHER), 0)
                if other:
                    rows.append({"school_code": code, "stage": stage, "subject": OTHER,
                                 "subject_name": SUBJECT_ZH_EXTRA[OTHER], "periods": 0.0, "load": load,
                                 "needed": 0.0, "required": 0, "have": float(other), "surplus": 0.0,
                                 "shortage": 0.0, "uncovered_periods": 0.0, "specialist": False,
                                 "source": "individual"})
            if pooled_periods > 0:
                rows.append({"school_code": code, "stage": stage, "subject": POOLED,
                             "subject_name": SUBJECT_ZH_EXTRA[POOLED], "periods": pooled_periods, "load": load,
                             "needed": pooled_periods / load, "required": 0, "have": np.nan, "surplus": np.nan,
                             "shortage": np.nan, "uncovered_periods": np.nan, "specialist": False,
                             "source": "individual" if individual else "section"})
    if not rows:
        return pd.DataFrame(columns=DEMAND_COLUMNS)
    return pd.DataFrame(rows, columns=DEMAND_COLUMNS)


def _demand_row(code: str, stage: str, key: str, name: str, periods: float, load: float, needed: float, have: float,
                whole: float, specialist: bool, source: str) -> dict[str, Any]:
    base = math.floor(needed + EPS)
    required = base + (1 if needed - base >= whole - EPS else 0)
    return {
        "school_code": code, "stage": stage, "subject": key, "subject_name": name, "periods": periods,
        "load": load, "needed": needed, "required": int(required), "have": have,
        "surplus": max(0.0, have - math.ceil(needed - EPS)), "shortage": max(0.0, required - have),
        "uncovered_periods": max(0.0, math.ceil(periods - have * load - EPS)), "specialist": specialist,
        "source": source,
    }


def school_need(demand: pd.DataFrame) -> pd.DataFrame:
    """Per section: ``needed_total`` (all subjects incl. pooled, FTE), ``have_total`` and ``min_keep`` =
    ⌈needed_total⌉ — the fewest teachers the section must keep when teachers leave it."""
    if demand.empty:
        return pd.DataFrame(columns=["school_code", "stage", "needed_total", "have_total", "min_keep"])
    g = demand.groupby(["school_code", "stage"])
    out = pd.DataFrame({"needed_total": g["needed"].sum(), "have_total": g["have"].sum(min_count=1).fillna(0.0)})
    out["min_keep"] = np.ceil(out["needed_total"] - EPS)
    return out.reset_index()
