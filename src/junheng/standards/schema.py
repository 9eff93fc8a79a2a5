"""The schema of standard packs, plan packs and provincial overrides, declared once.

A pack TOML file (STYLE.md, "DHIS2 — indicators and checks are data") is
validated against :class:`PackDoc`; an override file against
:class:`OverrideDoc`, whose tables (:class:`IndicatorPatch` …) list the keys a
province may change with the same value types as the pack, and the pack with
the override merged in is validated against :class:`PackDoc` again.  Every
model forbids unknown keys, and every value type carries its constraint
(``floor`` is a fraction in [0, 1], a CV limit lies in (0, 5), a year in
[1990, 2100] …), so the loader (:mod:`junheng.standards.loader`) turns the
validated document into the frozen :mod:`junheng.standards.model` the engine
reads without checking anything again.

A failure becomes a :class:`PackIssue` naming the file, the dotted key
(``school_rule.floor``, ``indicator[0](x).threshold.primary``), what was
expected and what was found, with the Chinese message first (STYLE.md, "Errors
speak to the user")::

    hebei.toml: school_rule.floor: 应为 [0, 1] 内的数 / expected a number in [0, 1], got -3

The cross-references (an indicator's part is declared, an expression reads only
known names, codes are unique …) are checked by the loader on the same raw
document, so one run lists every problem.
"""

from __future__ import annotations

import datetime as dt
import math
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, NoReturn, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, ValidationError
from pydantic_core import PydanticCustomError

from junheng.domain import fields as F
from junheng.domain.enums import AreaCategory, Ownership, SchoolType
from junheng.standards.expr import Expression, ExpressionError
from junheng.standards.model import ALL, COUNT_OF, METRICS, RULES, STAGE_KEYS, CvMode, PackKind

OPS = (">=", "<=", ">", "<", "==")
KINDS: tuple[PackKind, ...] = ("compulsory", "preschool", "plan")
CONFIDENCE = ("", "C", "P", "U")
"""Confidence tags of reference/standards.md: [C]onfirmed, [P]robable, [U]nconfirmed; empty when untagged."""
YEARS = (1990, 2100)
"""Plausible years for a funding table row or a plan target."""


# --------------------------------------------------------------------------- issues
@dataclass(frozen=True)
class PackIssue:
    """One validation problem: the file, the key path inside it and a message (Chinese / English)."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}"


class PackError(ValueError):
    """A pack or override file is invalid; ``issues`` lists every problem found."""

    def __init__(self, issues: Iterable[PackIssue]):
        self.issues = tuple(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


# --------------------------------------------------------------------------- value types
def _fail(zh: str, en: str) -> NoReturn:
    """Reject a value; the message says what was expected (the translator adds what was found)."""
    raise PydanticCustomError("pack_value", "{en}", {"zh": zh, "en": en})


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _interval(ge: float | None, gt: float | None, le: float | None, lt: float | None) -> str:
    lo = f"[{ge:g}" if ge is not None else f"({gt:g}" if gt is not None else ""
    hi = f"{le:g}]" if le is not None else f"{lt:g})" if lt is not None else ""
    return f"{lo}, {hi}" if lo and hi else ""


def _number(*, integer: bool = False, ge: float | None = None, gt: float | None = None,
            le: float | None = None, lt: float | None = None) -> PlainValidator:
    """A number (or integer) within bounds; the value is returned unchanged (an int stays an int)."""
    noun_zh, noun_en = ("整数", "an integer") if integer else ("数值", "a number")
    span = _interval(ge, gt, le, lt)
    if span:
        zh, en = f"应为 {span} 内的{noun_zh}", f"expected {noun_en} in {span}"
    else:
        bound = next((f"{op} {b:g}" for op, b in (("≥", ge), (">", gt), ("≤", le), ("<", lt)) if b is not None), "")
        zh = f"应为 {bound} 的{noun_zh}" if bound else f"应为{noun_zh}"
        en = f"expected {noun_en} {bound}".rstrip()

    def validate(v: Any) -> Any:
        ok = isinstance(v, int) and not isinstance(v, bool) if integer else _is_number(v) and math.isfinite(v)
        if not ok or (ge is not None and v < ge) or (gt is not None and v <= gt) or \
                (le is not None and v > le) or (lt is not None and v >= lt):
            _fail(zh, en)
        return v

    return PlainValidator(validate)


def _choice(options: Sequence[object], what_zh: str, what_en: str) -> PlainValidator:
    """One of ``options`` (strings or numbers), compared exactly."""
    shown = ", ".join(str(o) if o != "" else '""' for o in options)

    def validate(v: Any) -> Any:
        if isinstance(v, bool) or v not in options:
            _fail(f"未知{what_zh}，应为 {shown} 之一", f"unknown {what_en}: expected one of {shown}")
        return v

    return PlainValidator(validate)


def _string(*, required: bool = False, check: Callable[[str], bool] | None = None,
            zh: str = "应为文本", en: str = "expected a string") -> PlainValidator:
    def validate(v: Any) -> str:
        if not isinstance(v, str) or (required and not v.strip()) or (check is not None and not check(v)):
            _fail(zh, en)
        return v

    return PlainValidator(validate)


def _flag(v: Any) -> bool:
    if not isinstance(v, bool):
        _fail("应为 true 或 false", "expected true or false")
    return v


def _version(v: Any) -> str:
    """A version is text; TOML's unquoted dates (``version = 2017-04-26``) and numbers are read as their text."""
    if isinstance(v, bool) or not isinstance(v, str | int | float | dt.date):
        _fail("应为文本或日期", "expected a string or a date")
    return str(v)


def _org(v: Any) -> str:
    """An org code: up to 12 digits (a TOML integer is read as its digits); empty for the whole area."""
    text = str(v) if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else v
    if not isinstance(text, str) or (text and (not _is_digits(text) or len(text) > 12)):
        _fail("区划代码应为不超过12位数字", "expected an org code of at most 12 digits")
    return text


def _expression(v: Any) -> Expression:
    if not isinstance(v, str):
        _fail("应为表达式字符串", "expected an expression string")
    try:
        return Expression.parse(v)
    except ExpressionError as exc:
        raise PydanticCustomError("pack_message", "{message}", {"message": str(exc)}) from exc


def _by_stage(v: Any) -> Any:
    """A by-stage value may be written once for every stage: ``factor = 4.2`` means ``{all = 4.2}``."""
    return v if isinstance(v, Mapping) else {ALL: v}


Text = Annotated[str, _string()]
Name = Annotated[str, _string(required=True, zh="应为非空文本", en="expected a non-empty string")]
Identifier = Annotated[str, _string(check=str.isidentifier, zh="应为英文标识符", en="expected an identifier (a-z, 0-9, _)")]
Digits = Annotated[str, _string(check=_is_digits, zh="应为数字组成的代码", en="expected a code of digits")]
Flag = Annotated[bool, PlainValidator(_flag)]
Version = Annotated[str, PlainValidator(_version)]
OrgCode = Annotated[str, PlainValidator(_org)]
Expr = Annotated[Expression, PlainValidator(_expression)]

Number = Annotated[float, _number()]
NonNegative = Annotated[float, _number(ge=0)]
Positive = Annotated[float, _number(gt=0)]
Fraction = Annotated[float, _number(ge=0, le=1)]
CvLimit = Annotated[float, _number(gt=0, lt=5)]
Count = Annotated[int, _number(integer=True, ge=0)]
PositiveInt = Annotated[int, _number(integer=True, ge=1)]
Switch = Annotated[int, _number(integer=True, ge=0, le=1)]
Decimals = Annotated[int, _number(integer=True, ge=0, le=10)]
Year = Annotated[int, _number(integer=True, ge=YEARS[0], le=YEARS[1])]
YearsBack = Annotated[int, _number(integer=True, ge=1, le=12)]
Age = Annotated[int, _number(integer=True, ge=0, le=30)]

Stage = Annotated[str, _choice(STAGE_KEYS, "学段", "stage")]
StageOrAll = Annotated[str, _choice((*STAGE_KEYS, ALL), "学段", "stage")]
Kind = Annotated[PackKind, _choice(KINDS, "标准包类型", "pack kind")]
Confidence = Annotated[str, _choice(CONFIDENCE, "可信度标记", "confidence tag")]
Rule = Annotated[str, _choice(tuple(RULES), "规则", "rule")]
Metric = Annotated[str, _choice(tuple(METRICS), "指标口径", "metric")]
CountOf = Annotated[str, _choice(COUNT_OF, "计数对象", "count_of")]
Op = Annotated[str, _choice(OPS, "比较符", "operator")]
Mode = Annotated[CvMode, _choice(("each", "mean"), "差异系数规则", "CV rule mode")]
Area = Annotated[str, _choice(tuple(a.value for a in AreaCategory), "城乡类别", "area category")]
SchoolTypeCode = Annotated[str, _choice(tuple(t.value for t in SchoolType), "学校类型", "school type")]
OwnershipCode = Annotated[str, _choice(tuple(o.value for o in Ownership), "办学性质", "ownership")]
Region = Annotated[str, _choice(("central_west", "east"), "经费地区", "funding region")]
TeachingPoints = Annotated[str, _choice(("merge", "separate", "exclude"), "教学点处理方式", "teaching-point rule")]
MissingValues = Annotated[str, _choice(("zero", "missing"), "缺失值处理方式", "missing-value rule")]
SchoolYearField = Annotated[str, _choice(tuple(F.SCHOOL_YEARS.keys), "学校年度数据字段", "school_year field")]

StageNumbers = Annotated[dict[StageOrAll, NonNegative], BeforeValidator(_by_stage)]
StageCvLimits = Annotated[dict[StageOrAll, CvLimit], BeforeValidator(_by_stage)]
StageExpressions = Annotated[dict[StageOrAll, Expr], BeforeValidator(_by_stage), Field(min_length=1)]
StageWeights = dict[Stage, NonNegative]


class _Doc(BaseModel):
    """A table of a pack file: unknown keys are errors, values are checked by their type."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, populate_by_name=True)


# --------------------------------------------------------------------------- parameters
class BaseFundingRow(_Doc):
    """A row of the dated 公用经费基准定额 table (standards.md §4.3), 元 per pupil per year."""

    from_: Year = Field(alias="from")
    region: Region
    primary: NonNegative
    junior: NonNegative


class ParametersDoc(BaseModel):
    """The ``[parameters]`` table; each field's default is the national default (DEFAULT_PARAMETERS).

    A pack may add its own numeric parameters for its expressions (numbers only).  The engine reads
    the parameters by name from ``Pack.parameters`` (the dump of this model over the defaults).
    """

    model_config = ConfigDict(extra="allow", frozen=True, arbitrary_types_allowed=True, populate_by_name=True)
    __pydantic_extra__: dict[str, Number] = Field(init=False)

    # §2.3 [P]: weighted-enrolment split of shared physical resources, 小学:初中:高中 = 1:1.1:1.32.
    # Attached pre-school classes (学前班/附设幼儿班) take no share by default [U]: the national
    # weights name none, so 0 follows the 申报表, which counts only 小学/初中 pupils.
    split_weights: StageWeights = Field(
        default_factory=lambda: {"preschool": 0.0, "primary": 1.0, "junior": 1.1, "senior": 1.32})
    # [U] The other reading of the pre-school share (a pre-school pupil weighs like a primary pupil):
    # the resources are assessed again with it and the notes say which verdicts it changes.
    preschool_weight_alternative: NonNegative = 1.0
    # §2.3 [P]: 完全中学 初中:高中 = 1:1.2.
    split_weights_complete_secondary: StageWeights = Field(default_factory=lambda: {"junior": 1.0, "senior": 1.2})
    # §2.3: school-year columns shared by the stage sections of a multi-level school.
    shared_resources: list[SchoolYearField] = Field(default_factory=lambda: [
        "land_area", "building_area", "teaching_aux_area", "indoor_sports_area", "sports_ground_area",
        "equipment_value", "computers", "multimedia_classrooms", "books", "boarding_beds",
    ])
    # §2.4 [P]: teaching points merged into their parent school by default; "separate" keeps each site;
    # "exclude" leaves them out (the 2012 表Ⅱ excluded 小学教学点 [C]).
    teaching_points: TeachingPoints = "merge"
    # §2.4: exclude teaching points with fewer pupils than this (河北: 50); 0 keeps all.
    teaching_point_min_students: Count = 0
    # §2.4 [U]: 民办 schools inside the calculation unless a province says otherwise.
    include_private: Flag = True
    # §1.1 (河北 scope): 特殊教育学校 are outside 资源配置.
    exclude_special_schools: Flag = True
    # §1.1 definition notes [P]: subtract 室内体育用房 from 教学及辅助用房 (1) or not (0).
    subtract_indoor_sports: Switch = 0
    # Missing is not zero: a blank cell that an indicator reads makes the value unknown ("missing",
    # default; the school and the CV are not judged and the notes name school and field), or, where a
    # province says blank means 0 as on the 教育事业统计 forms, counts as 0 ("zero", still named).
    missing_values: MissingValues = "missing"
    # §2.4 [C for the 2012 表Ⅱ]: schools not run by the county (省/市直属、高校附属、企业办学) by code;
    # the registry has no 举办者 level, so the county lists them.  Left out of 资源配置 with a note.
    excluded_schools: list[Digits] = Field(default_factory=list)
    # §4.3: 公用经费基准定额 region ("central_west" or "east") and the dated table.
    funding_region: Region = "central_west"
    base_funding: list[BaseFundingRow] = Field(default_factory=lambda: [
        BaseFundingRow.model_validate({"from": 2016, "region": "central_west", "primary": 600.0, "junior": 800.0}),
        BaseFundingRow.model_validate({"from": 2016, "region": "east", "primary": 650.0, "junior": 850.0}),
    ])
    # §2.1: display rounding only.
    cv_decimals: Decimals = 3

    def as_parameters(self, *, only_set: bool = False) -> dict[str, Any]:
        """The parameters as plain data (``base_funding`` rows as tables), keys as written in the file."""
        return self.model_dump(by_alias=True, exclude_unset=only_set)


# --------------------------------------------------------------------------- pack tables
class PartDoc(_Doc):
    code: Name
    name: Name
    name_en: Text = ""
    veto: Flag = False


class IndicatorDoc(_Doc):
    code: Name
    name: Name
    part: Name
    numerator: StageExpressions
    denominator: StageExpressions
    factor: Positive = 1.0
    threshold: StageNumbers = Field(default_factory=dict)
    cv_limit: StageCvLimits = Field(default_factory=dict)
    name_en: Text = ""
    unit: Text = ""
    gap_unit: Text = ""
    gap_integer: Flag = False
    source: Text = ""
    confidence: Confidence = ""
    note: Text = ""


class ItemDoc(_Doc):
    code: Name
    name: Name
    part: Name
    rule: Rule = "evidence"
    number: PositiveInt | None = None
    threshold: NonNegative | None = None
    params: dict[str, Any] = Field(default_factory=dict)  # read by the item's rule (junheng.assess.rules)
    name_en: Text = ""
    source: Text = ""
    confidence: Confidence = ""
    note: Text = ""


class SchoolRuleDoc(_Doc):
    min_pass: PositiveInt
    floor: Fraction
    source: Text = ""


class CvRuleDoc(_Doc):
    mode: Mode
    limit: StageCvLimits = Field(default_factory=dict)
    source: Text = ""


class FilterDoc(_Doc):
    """Which units a target reads; ``inclusive = true`` keeps 普惠性资源 (公办园 + 普惠性民办园, standards.md §3)."""

    area: list[Area] | None = None
    school_type: list[SchoolTypeCode] | None = None
    ownership: list[OwnershipCode] | None = None
    stages: list[Stage] | None = None
    inclusive: Flag | None = None


class TargetValueDoc(_Doc):
    """A yearly value, or the ``parameter`` that sets it (unset: the target is unknown until it is set)."""

    year: Year
    value: Number | None = None
    parameter: Identifier | None = None
    org: OrgCode = ""


class ConditionDoc(_Doc):
    """``expr op value`` on a school's (or township's) summed fields, e.g. ``{ expr = "students", op = "<", value = 600 }``."""

    expr: Expr
    op: Op
    value: Number


class TargetDoc(_Doc):
    code: Name
    name: Name
    metric: Metric
    op: Op
    values: list[TargetValueDoc] = Field(min_length=1)
    numerator: Expr | None = None
    denominator: Expr | None = None
    factor: Positive = 1.0
    stages: list[Stage] = Field(default_factory=list)
    filter: FilterDoc | None = None
    numerator_filter: FilterDoc | None = None
    denominator_filter: FilterDoc | None = None
    numerator_fallback: FilterDoc | None = None
    condition: ConditionDoc | None = None
    count_of: CountOf = "schools"
    years_back: YearsBack | None = None
    ages: Annotated[list[Age], Field(min_length=2, max_length=2)] | None = None
    unit: Text = ""
    name_en: Text = ""
    source: Text = ""
    note: Text = ""


class PackDoc(_Doc):
    """A standard pack or plan pack file."""

    code: Name
    kind: Kind
    name: Name
    source: Name
    name_en: Text = ""
    version: Version = ""
    stages: list[Stage] = Field(default_factory=lambda: ["primary", "junior"])
    parameters: ParametersDoc | None = None
    variables: dict[Identifier, StageExpressions] = Field(default_factory=dict)
    part: list[PartDoc] = Field(default_factory=list)
    indicator: list[IndicatorDoc] = Field(default_factory=list)
    item: list[ItemDoc] = Field(default_factory=list)
    school_rule: SchoolRuleDoc | None = None
    cv_rule: CvRuleDoc | None = None
    target: list[TargetDoc] = Field(default_factory=list)
    note: Text = ""


# --------------------------------------------------------------------------- overrides
class IndicatorPatch(_Doc):
    """What an override may change in an indicator; by-stage values merge stage by stage."""

    threshold: StageNumbers | None = None
    cv_limit: StageCvLimits | None = None
    numerator: StageExpressions | None = None
    denominator: StageExpressions | None = None
    factor: Positive | None = None
    source: Text | None = None
    note: Text | None = None


class ItemPatch(_Doc):
    """What an override may change in an item; ``params`` merge key by key."""

    threshold: NonNegative | None = None
    params: dict[str, Any] | None = None
    rule: Rule | None = None
    source: Text | None = None
    note: Text | None = None


class SchoolRulePatch(_Doc):
    min_pass: PositiveInt | None = None
    floor: Fraction | None = None
    source: Text | None = None


class CvRulePatch(_Doc):
    mode: Mode | None = None
    limit: StageCvLimits | None = None
    source: Text | None = None


class OverrideDoc(_Doc):
    """A provincial override file: names its pack and changes values, keyed by indicator and item code."""

    overrides: Name | None = None
    name: Text = ""
    source: Text = ""
    note: Text = ""
    parameters: ParametersDoc | None = None
    indicator: dict[str, IndicatorPatch] = Field(default_factory=dict)
    item: dict[str, ItemPatch] = Field(default_factory=dict)
    school_rule: SchoolRulePatch | None = None
    cv_rule: CvRulePatch | None = None


# --------------------------------------------------------------------------- validation
Loc = tuple[int | str, ...]
M = TypeVar("M", bound=BaseModel)


def validate_document(model: type[M], raw: Mapping[str, Any]) -> tuple[M | None, list[tuple[Loc, str]]]:
    """Validate ``raw`` against ``model``: the document, or None and every problem as (location, message).

    :func:`dotted_key` names a location for the user (the loader attaches the file).
    """
    try:
        return model.model_validate(raw), []
    except ValidationError as exc:
        return None, [(tuple(e["loc"]), _message(model, e)) for e in exc.errors()]


def dotted_key(raw: Any, loc: Loc) -> str:
    """``("indicator", 0, "threshold", "middle")`` → ``indicator[0](x).threshold.middle``.

    A list entry is named by its index and, when it has one, its code; the ``all`` of a by-stage
    value written once (``factor = 4.2``) is left out, as it is not in the file.
    """
    parts: list[str] = []
    node = raw
    for seg in loc:
        if seg == "[key]":
            continue
        if isinstance(seg, int) and parts:
            entry = node[seg] if isinstance(node, list) and 0 <= seg < len(node) else None
            code = entry.get("code") if isinstance(entry, Mapping) else None
            parts[-1] += f"[{seg}]" + (f"({code})" if isinstance(code, str) and code else "")
            node = entry
            continue
        if seg == ALL and node is not None and not isinstance(node, Mapping):
            continue
        parts.append(str(seg))
        node = node.get(seg) if isinstance(node, Mapping) else None
    return ".".join(parts) or "-"


def _message(model: type[BaseModel], error: Any) -> str:
    kind, found = error["type"], error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "pack_value":
        return f"{ctx['zh']} / {ctx['en']}, got {found!r}"
    if kind == "pack_message":
        return str(ctx["message"])
    if kind == "missing":
        return "缺少必填项 / required key missing"
    if kind == "extra_forbidden":
        allowed = ", ".join(sorted(_keys_at(model, tuple(error["loc"])[:-1])))
        return f"未知的键 / unknown key (允许 / allowed: {allowed})"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"应为表 / expected a table, got {found!r}"
    if kind == "list_type":
        return f"应为数组 / expected an array, got {found!r}"
    if kind == "too_short":
        least = int(ctx.get("min_length", 1))
        return "不能为空 / must not be empty" if least <= 1 else f"至少 {least} 项 / needs at least {least} entries"
    if kind == "too_long":
        return f"至多 {ctx.get('max_length')} 项 / at most {ctx.get('max_length')} entries"
    return f"{error['msg']}, got {found!r}"


def _keys_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys allowed in the table at ``loc`` (walking the model's field types)."""
    tp: Any = model
    for seg in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = next((f for n, f in tp.model_fields.items() if (f.alias or n) == seg), None)
            if field is None:
                return []
            tp = field.annotation
        elif get_origin(tp) is list:
            tp = get_args(tp)[0]
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        else:
            return []
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [f.alias or n for n, f in tp.model_fields.items()]
    return []


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated[...]`` and ``X | None`` down to the type that holds the keys."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin is Union or origin is types.UnionType:
            tp = next(a for a in get_args(tp) if a is not type(None))
        else:
            return tp
