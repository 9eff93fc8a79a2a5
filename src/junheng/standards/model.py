"""Standard packs as data: the typed form of a pack TOML file.

A pack (STYLE.md, "DHIS2 — indicators and checks are data") describes one
national or local standard: its parts, its per-school resource indicators
(numerator and denominator expressions times a factor, thresholds and CV
limits by stage), its county-level items (computed by a named rule or
recorded with evidence), its school and CV rules, its parameters, and — for a
plan pack — yearly targets by org unit.  Every threshold is a parameter a
province may override (reference/standards.md, introduction and §5.4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

from junheng.standards.expr import Expression

PackKind = Literal["compulsory", "preschool", "plan"]
CvMode = Literal["each", "mean"]
STAGE_KEYS = ("preschool", "primary", "junior", "senior")
ALL = "all"

# The county-level rules the engine implements (junheng.assess.rules).  Kept here so
# that the validator can check a pack without importing the engine.
RULES: dict[str, str] = {
    "evidence": "按佐证材料认定 / recorded with evidence",
    "survey": "问卷满意度 ≥ 阈值 / survey rate ≥ threshold (value in evidence)",
    "score": "评估得分 ≥ 阈值 / evaluation score ≥ threshold (value in evidence)",
    "basic_balance_precondition": "通过基本均衡认定满规定年限 / basic balance recognised ≥ N years earlier",
    "training_budget": "教师培训经费不低于公用经费的5% / training funds ≥ 5 % of public funds",
    "township_public_kindergarten": "每个乡镇至少1所公办幼儿园 / a public kindergarten in every township",
    "school_size": "学校规模上限 / school size cap",
    "class_size": "班额上限 / class size cap",
    "special_rooms": "每12个班音乐、美术专用教室及面积 / music & art rooms per 12 classes",
    "small_school_funding": "不足100人村小和教学点按100人核定公用经费 / 100-pupil funding floor",
    "special_school_funding": "特殊教育学校生均公用经费 / special-school funding per pupil",
    "training_completion": "教师5年360学时培训完成率 / 360-hour training completion",
    "rotation": "教师交流轮岗比例及骨干比例 / rotation share and backbone share",
    "certified_teachers": "专任教师持证上岗率 / certified teachers",
    "junior_retention": "初中三年巩固率 / junior three-year retention",
    "disabled_enrolment": "残疾儿童少年入学率 / disabled children's enrolment",
    "gross_preschool_enrolment": "学前三年毛入园率 / gross pre-school enrolment",
    "inclusive_coverage": "普惠性幼儿园覆盖率 / inclusive kindergarten coverage",
    "public_share": "公办园在园幼儿占比 / public kindergarten share",
    "preschool_teacher_ratio": "专任教师与在园幼儿比 / teacher-child ratio",
    "preschool_class_size": "幼儿园班额达标率 / kindergarten class-size compliance",
    "preschool_certified": "园长和专任教师持证率 / certified kindergarten teachers",
    "kindergarten_space": "幼儿园生均面积达标比例 / kindergartens meeting per-child area",
}

METRICS: dict[str, str] = {
    "rate": "比率 Σ分子/Σ分母 / pooled rate",
    "ratio_of_rates": "两组比率之比 / ratio of two group rates",
    "evidence": "按报送数值 / value reported with evidence",
    "count": "符合条件的学校(乡镇)数 / number of schools (townships) meeting a condition",
    "share": "符合条件的学校(乡镇)占比 / share of schools (townships) meeting a condition",
    "cohort_retention": "巩固率 = 毕业年级在校生 / 该届入学时一年级在校生 / cohort retention",
    "gross_rate": "毛入学(园)率 = 在校生 / 学龄人口 / gross enrolment rate",
}

COUNT_OF = ("schools", "townships")
"""What a ``count`` or ``share`` target counts: schools (units of analysis) or townships (乡镇)."""

Op = Literal[">=", "<=", ">", "<", "=="]


def frozen_map(d: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(d or {}))


@dataclass(frozen=True)
class ByStage:
    """A value by stage (``primary``, ``junior`` …) with an optional ``all`` default."""

    values: Mapping[str, Any] = field(default_factory=frozen_map)

    def get(self, stage: str) -> Any:
        if stage in self.values:
            return self.values[stage]
        return self.values.get(ALL)

    def stages(self) -> tuple[str, ...]:
        return tuple(self.values)

    def __bool__(self) -> bool:
        return bool(self.values)


@dataclass(frozen=True)
class Part:
    """One part of a standard (资源配置, 政府保障程度, 教育质量, 社会认可度, 一票否决…)."""

    code: str
    name: str
    name_en: str = ""
    veto: bool = False


@dataclass(frozen=True)
class Indicator:
    """A per-school-section indicator: ``factor × numerator / denominator`` against a threshold.

    ``gap_unit`` is the natural unit of the numerator (人, m², 元, 间); ``gap_integer``
    rounds the shortfall up to whole units (teachers, rooms).
    """

    code: str
    name: str
    part: str
    numerator: ByStage
    denominator: ByStage
    factor: float = 1.0
    threshold: ByStage = field(default_factory=ByStage)
    cv_limit: ByStage = field(default_factory=ByStage)
    name_en: str = ""
    unit: str = ""
    gap_unit: str = ""
    gap_integer: bool = False
    source: str = ""
    confidence: str = ""
    note: str = ""


@dataclass(frozen=True)
class Item:
    """A county-level item: computed by ``rule`` from data, or recorded with evidence."""

    code: str
    name: str
    part: str
    rule: str = "evidence"
    number: int | None = None
    threshold: float | None = None
    params: Mapping[str, Any] = field(default_factory=frozen_map)
    name_en: str = ""
    source: str = ""
    confidence: str = ""
    note: str = ""


@dataclass(frozen=True)
class SchoolRule:
    """教督〔2017〕6号 (standards.md §1.1): at least ``min_pass`` indicators met, the rest ≥ ``floor`` × threshold."""

    min_pass: int
    floor: float
    source: str = ""


@dataclass(frozen=True)
class CvRule:
    """How the CV limits apply: ``each`` indicator (优质均衡, §1.1) or the ``mean`` of all (基本均衡, §2.2)."""

    mode: CvMode
    limit: ByStage = field(default_factory=ByStage)  # the composite limit for mode == "mean"
    source: str = ""


@dataclass(frozen=True)
class TargetValue:
    """One yearly value of a target; ``value`` is None while unset (a plan's blank "xx %").

    ``parameter`` names the pack parameter that sets the value (a city fills it in
    through an override's ``[parameters]``); while the parameter is unset the
    target evaluates to ``unknown`` with a note saying the value is to be set.
    """

    year: int
    value: float | None
    org: str = ""  # 12-digit (or shorter) org code; empty: the whole area assessed
    parameter: str = ""


@dataclass(frozen=True)
class Condition:
    """The per-school (or per-township) condition of a ``count`` / ``share`` target: ``expr op value``."""

    expr: Expression
    op: str
    value: float


@dataclass(frozen=True)
class Target:
    """A plan target: an actual computed by ``metric`` compared with yearly values by ``op``."""

    code: str
    name: str
    metric: str
    op: str
    values: tuple[TargetValue, ...]
    numerator: Expression | None = None
    denominator: Expression | None = None
    factor: float = 1.0
    stages: tuple[str, ...] = ()
    filter: Mapping[str, Any] = field(default_factory=frozen_map)
    numerator_filter: Mapping[str, Any] = field(default_factory=frozen_map)  # group A of ratio_of_rates
    denominator_filter: Mapping[str, Any] = field(default_factory=frozen_map)  # group B of ratio_of_rates
    numerator_fallback: Mapping[str, Any] = field(default_factory=frozen_map)  # group A when no unit is in it
    condition: Condition | None = None  # count / share: the condition a school or township must meet
    count_of: str = "schools"  # count / share: "schools" or "townships"
    years_back: int = 0  # cohort_retention: the cohort entered ``years_back`` school years before
    ages: tuple[int, ...] = ()  # gross_rate: (youngest, oldest) age of the school-age population
    unit: str = ""
    name_en: str = ""
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class Pack:
    """A loaded, validated standard pack (national default, possibly with provincial overrides)."""

    code: str
    kind: PackKind
    name: str
    source: str
    name_en: str = ""
    version: str = ""
    stages: tuple[str, ...] = ("primary", "junior")
    parameters: Mapping[str, Any] = field(default_factory=frozen_map)
    variables: Mapping[str, ByStage] = field(default_factory=frozen_map)
    parts: tuple[Part, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    items: tuple[Item, ...] = ()
    school_rule: SchoolRule | None = None
    cv_rule: CvRule | None = None
    targets: tuple[Target, ...] = ()
    path: str = ""
    overrides: tuple[str, ...] = ()  # names of the override files applied, in order

    def part(self, code: str) -> Part:
        for p in self.parts:
            if p.code == code:
                return p
        raise KeyError(code)

    def indicator(self, code: str) -> Indicator:
        for i in self.indicators:
            if i.code == code:
                return i
        raise KeyError(code)

    def item(self, code: str) -> Item:
        for i in self.items:
            if i.code == code:
                return i
        raise KeyError(code)

    def with_parameters(self, **changes: Any) -> Pack:
        """A copy with some parameters changed (keys must exist)."""
        unknown = set(changes) - set(self.parameters)
        if unknown:
            raise KeyError(f"unknown parameters: {sorted(unknown)}")
        return replace(self, parameters=frozen_map({**self.parameters, **changes}))
