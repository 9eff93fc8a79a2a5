"""The one label catalogue: every code a screen, report or command shows, in Chinese and English.

Codes are the stable English identifiers stored and passed around in code
(``junior``, ``merge``, ``not_met``); a person only ever sees their label.  Each
vocabulary is a small frozen table ``code → Label(zh, en)``; the web pages, the
Word/Excel reports and the CLI read it through :func:`label` (or a
:func:`zh_map` view), and the web's English catalogue (``junheng.web.i18n``)
takes the English of every label from here.

Where :mod:`junheng.domain.enums` already carries the Chinese label of an enum
(学段, 办学类型, 城乡分类 …), the vocabulary reads it from the enum; only the
English is added here.

An unknown code is returned unchanged by :func:`label` — the value is never
hidden — and ``tests/domain/test_labels.py`` checks that every code the
engines emit has a label, so a raw code never reaches a page.  An unknown
vocabulary or language is a programming error (``KeyError`` / ``ValueError``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from junheng.domain.enums import AreaCategory, CoordSystem, OrgLevel, Ownership, SchoolType, Sex, Stage

LANGS = ("zh", "en")


@dataclass(frozen=True)
class Label:
    """The Chinese and English label of one code."""

    zh: str
    en: str


@dataclass(frozen=True)
class Vocabulary:
    """One set of codes with their labels; ``source`` names where the official terms come from."""

    key: str
    source: str
    labels: Mapping[str, Label]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.labels)

    def label(self, code: str, lang: str = "zh") -> str:
        """The label of ``code`` in ``lang``; an unknown code is returned unchanged."""
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; one of {LANGS}")
        found = self.labels.get(code)
        if found is None:
            return code
        return found.zh if lang == "zh" else found.en


def _vocabulary(key: str, source: str, pairs: Mapping[str, tuple[str, str]]) -> Vocabulary:
    return Vocabulary(key, source, MappingProxyType({c: Label(zh, en) for c, (zh, en) in pairs.items()}))


def _from_enum(key: str, cls: type[StrEnum], source: str, en: Mapping[str, str]) -> Vocabulary:
    """A vocabulary whose Chinese labels are the enum's own (``member.label``); ``en`` must cover every member."""
    missing = [m.value for m in cls if m.value not in en]
    if missing:
        raise KeyError(f"{cls.__name__}: no English label for {missing}")
    labels = {m.value: Label(m.label, en[m.value]) for m in cls}  # type: ignore[attr-defined]
    return Vocabulary(key, f"{source} (junheng.domain.enums.{cls.__name__})", MappingProxyType(labels))


_VOCABULARIES: tuple[Vocabulary, ...] = (
    _from_enum("org_level", OrgLevel, "统计用区划代码 levels (国家统计局)", {"province": "Province", "city": "City", "county": "County",
                                       "township": "Township", "village": "Village/community"}),
    _from_enum("stage", Stage, "学段, 六三学制", {"preschool": "Pre-school", "primary": "Primary", "junior": "Junior secondary",
                                "senior": "Senior secondary"}),
    _from_enum("school_type", SchoolType, "教育事业统计 办学类型, grouped", {
        "kindergarten": "Kindergarten", "primary": "Primary", "junior": "Junior secondary",
        "nine_year": "Nine-year school", "complete_secondary": "Complete secondary school",
        "twelve_year": "Twelve-year school", "senior": "Senior secondary school",
        "vocational": "Secondary vocational school", "special": "Special-education school",
        "teaching_point": "Teaching point"}),
    _from_enum("ownership", Ownership, "办学性质 (教育事业统计)", {"public": "Public", "private": "Private"}),
    _from_enum("area", AreaCategory, "城区/镇区/乡村 from the 城乡分类代码 (国家统计局《统计上划分城乡的规定》)", {"urban": "Urban", "town": "Town", "rural": "Rural"}),
    _from_enum("sex", Sex, "性别 (GB/T 2261.1)", {"male": "Male", "female": "Female"}),
    _from_enum("coord_system", CoordSystem, "Coordinate systems of school locations (WGS-84; GCJ-02 of Chinese web maps)", {"wgs84": "WGS-84", "gcj02": "GCJ-02"}),
    _vocabulary(
        "subject",
        "The specialist subjects taught by itinerant teachers (走教), short names of 义务教育课程方案（2022年版）"
        " (plan/data/curriculum.toml; each name is the curriculum's name or one of its aliases)",
        {"pe": ("体育", "PE"), "music": ("音乐", "Music"), "art": ("美术", "Art"), "it": ("信息科技", "IT")}),
    _vocabulary(
        "decision",
        "Layout decisions of junheng.plan.layout (docs/dev/layout.md): 保留, 改扩建, 撤并, 撤销, 新建",
        {"keep": ("保留", "Keep"), "expand": ("改扩建", "Expand"), "merge": ("撤并", "Merge"),
         "close": ("撤销", "Close"), "build": ("新建", "Build"), "keep_small": ("保留（小规模）", "Keep (small)")}),
    _vocabulary(
        "births_variant",
        "Births variants of the enrolment projection (junheng.plan.projection.BIRTH_VARIANTS)",
        {"low": ("低方案", "Low"), "central": ("中方案", "Central"), "high": ("高方案", "High")}),
    _vocabulary(
        "solve_status",
        "Solver outcomes of junheng.plan (FacilityResult.status, LayoutResult.status)",
        {"optimal": ("最优", "Optimal"), "feasible": ("可行", "Feasible"), "infeasible": ("无可行解", "Infeasible"),
         "time_limit": ("达到时间上限", "Time limit reached")}),
    _vocabulary(
        "job_status",
        "Background job states (junheng.services.jobs)",
        {"queued": ("排队中", "Queued"), "running": ("运行中", "Running"), "done": ("已完成", "Done"),
         "failed": ("失败", "Failed")}),
    _vocabulary(
        "verdict",
        "Assessment verdicts (shared/reference/standards.md; 教督〔2017〕6号 认定): 达标 / 未达标 / 待认定",
        {"pass": ("达标", "Pass"), "fail": ("未达标", "Fail"), "incomplete": ("待认定", "To be confirmed")}),
    _vocabulary(
        "indicator_status",
        "Status of one indicator, government-guarantee item or target (junheng.assess.results)",
        {"met": ("达到", "Met"), "not_met": ("未达到", "Not met"), "unknown": ("待认定", "To be confirmed"),
         "not_applicable": ("不适用", "Not applicable"), "ahead": ("已提前达到", "Met ahead of time"),
         "open": ("尚未达到", "Not yet met")}),
    _vocabulary(
        "evidence_state",
        "Review state of a recorded evidence item (佐证材料; junheng.services.evidence)",
        {"none": ("待填报", "Not entered"), "submitted": ("待审核", "Awaiting review"),
         "accepted": ("已认定", "Accepted"), "rejected": ("已退回", "Returned")}),
    _vocabulary(
        "veto_status",
        "The status of a 一票否决 item as the officer records it (evidence status met = 未发生)",
        {"met": ("未发生", "Did not occur"), "not_met": ("发生", "Occurred"), "unknown": ("待认定", "To be confirmed")}),
    _vocabulary(
        "role",
        "User roles (junheng.services.authz, docs/dev/security.md)",
        {"admin": ("系统管理员", "System administrator"), "county_admin": ("县级管理员", "County administrator"),
         "planner": ("规划/督导人员", "Planner / inspector"), "school_clerk": ("学校填报员", "School data clerk"),
         "township_staff": ("乡镇工作人员", "Township staff"), "viewer": ("只读", "Read-only")}),
    _vocabulary(
        "registry_kind",
        "Person registries of 教基厅函〔2024〕15号 \"四查三比对\" (junheng.registry.readers); the Chinese name is"
        " also the category label in priority.csv",
        {"population": ("户籍人口", "Household register"), "roll": ("学籍", "Student roll"),
         "attendance": ("在校", "Attendance"), "poverty": ("脱贫户/监测户", "Poverty-relief households"),
         "dibao": ("低保/特困", "Subsistence-allowance households"), "disability": ("残疾儿童", "Disabled children"),
         "left_behind": ("留守儿童", "Left-behind children"),
         "completed": ("已完成义务教育", "Completed compulsory education")}),
    _vocabulary(
        "roll_status",
        "学籍状态 of the roll (junheng.registry.readers.ROLL_STATUS), shown in the aid audit's evidence",
        {"enrolled": ("在读", "Enrolled"), "suspended": ("休学", "Suspended"), "transferred": ("转出", "Transferred out"),
         "graduated": ("毕业", "Graduated"), "dropped": ("辍学", "Dropped out"), "died": ("死亡", "Deceased")}),
    _vocabulary(
        "field_kind",
        "Kinds of registry fields (junheng.domain.fields.Kind), shown in the data template",
        {"int": ("整数", "Integer"), "float": ("数值", "Number"), "str": ("文本", "Text"), "bool": ("是/否", "Yes/no"),
         "date": ("日期", "Date"), "code": ("代码", "Code"), "enum": ("选项", "Choice"),
         "list": ("面积列表", "List of areas")}),
    _vocabulary(
        "staffing_basis",
        "Which rule sets a section's entitlement: 中央编办发〔2014〕72号 生师比, or 班师比 (plan/data/staffing-2014.toml)",
        {"ratio": ("生师比", "Pupil-teacher ratio"), "class": ("班师比", "Class-teacher ratio")}),
    _vocabulary(
        "teacher_source",
        "Where a school's teacher counts come from (junheng.plan.teachers.staffing)",
        {"individual": ("教师个人记录", "Individual teacher records"), "section": ("学段汇总", "Section totals")}),
    _vocabulary(
        "training_status",
        "Five-year 360-hour training status (教督〔2017〕6号 政府保障 9; junheng.plan.teachers.training)",
        {"completed": ("已完成", "Done"), "overdue": ("逾期未完成", "Overdue"), "in_cycle": ("周期未满", "In cycle")}),
    _vocabulary(
        "task_status",
        "Supervision task statuses (issue #14 item 4; junheng.assess.tasks)",
        {"not_started": ("未开始", "Not started"), "in_progress": ("推进中", "In progress"), "done": ("已完成", "Done"),
         "overdue": ("逾期", "Overdue")}),
    _vocabulary(
        "unit_kind",
        "Kinds of responsible unit (责任单位) in the task register (junheng.services.tasks)",
        {"government": ("政府", "Government"), "department": ("部门", "Department"), "township": ("乡镇", "Township"),
         "school": ("学校单位", "School unit")}),
    _vocabulary(
        "teacher_indicator",
        "The three teacher indicators of 资源配置 (教督〔2017〕6号 一(1)–(3)); names as in the yzjh-2017 pack",
        {"qualified_teachers_per_100": ("每百名学生拥有高于规定学历教师数",
                                        "Teachers above the required qualification per 100 students"),
         "backbone_teachers_per_100": ("每百名学生拥有县级以上骨干教师数",
                                       "County-level or higher backbone teachers per 100 students"),
         "pe_art_teachers_per_100": ("每百名学生拥有体育、艺术(美术、音乐)专任教师数",
                                     "PE, music and art teachers per 100 students")}),
    _vocabulary(
        "indicator_teachers",
        "The teachers each teacher indicator counts (short form, as in rotation reasons)",
        {"qualified_teachers_per_100": ("高于规定学历教师", "teachers above the required qualification"),
         "backbone_teachers_per_100": ("县级以上骨干教师", "county-level or higher backbone teachers"),
         "pe_art_teachers_per_100": ("体育艺术专任教师", "PE and art teachers")}),
)

VOCABULARIES: Mapping[str, Vocabulary] = MappingProxyType({v.key: v for v in _VOCABULARIES})
"""Every vocabulary by key."""


def label(vocabulary: str, code: str, lang: str = "zh") -> str:
    """The ``lang`` label of ``code`` in ``vocabulary`` (``label("stage", "junior") == "初中"``).

    An unknown code comes back unchanged (the value is never hidden; the label
    test keeps every emitted code covered).  An unknown vocabulary raises ``KeyError``.
    """
    return VOCABULARIES[vocabulary].label(code, lang)


def zh_map(vocabulary: str) -> dict[str, str]:
    """``code → Chinese label`` of one vocabulary, as a new dict (for tables, templates and JSON)."""
    return {c: lab.zh for c, lab in VOCABULARIES[vocabulary].labels.items()}


def english_by_chinese() -> dict[str, str]:
    """``Chinese label → English label`` over all vocabularies (the web's English catalogue).

    Raises ``ValueError`` when one Chinese label has two different English labels:
    one spelling per word.
    """
    out: dict[str, str] = {}
    for v in _VOCABULARIES:
        for code, lab in v.labels.items():
            if out.setdefault(lab.zh, lab.en) != lab.en:
                raise ValueError(f"{lab.zh!r} ({v.key}.{code}) is both {out[lab.zh]!r} and {lab.en!r}")
    return out
