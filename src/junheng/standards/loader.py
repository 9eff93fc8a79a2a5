"""Load and validate standard packs, plan packs and provincial overrides (TOML).

Packs shipped with Junheng live in ``junheng/standards/packs/*.toml`` (national
standards), ``packs/plans/*.toml`` (local plans) and ``packs/overrides/*.toml``
(provincial rules).  They are read exactly like a user's own file.  Validation
collects every problem with its file and key and a Chinese message (STYLE.md,
"Errors speak to the user"), so ``junheng standards check FILE`` can list them
all at once.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from junheng.domain import fields as F
from junheng.standards.expr import Expression, ExpressionError
from junheng.standards.model import (
    ALL,
    METRICS,
    RULES,
    STAGE_KEYS,
    ByStage,
    CvRule,
    Indicator,
    Item,
    Pack,
    Part,
    SchoolRule,
    Target,
    TargetValue,
    frozen_map,
)

SHARED_RESOURCES = (
    "land_area", "building_area", "teaching_aux_area", "indoor_sports_area", "sports_ground_area",
    "equipment_value", "computers", "multimedia_classrooms", "books", "boarding_beds",
)
"""School-year columns shared by the stage sections of a multi-level school (standards.md §2.3)."""

DEFAULT_PARAMETERS: dict[str, Any] = {
    # §2.3 [P]: weighted-enrolment split of shared physical resources, 小学:初中:高中 = 1:1.1:1.32.
    # Attached pre-school classes (学前班/附设幼儿班) take no share by default [U]: the national
    # weights name none, so 0 follows the 申报表, which counts only 小学/初中 pupils.
    "split_weights": {"preschool": 0.0, "primary": 1.0, "junior": 1.1, "senior": 1.32},
    # [U] The other reading of the pre-school share (a pre-school pupil weighs like a primary pupil):
    # the resources are assessed again with it and the notes say which verdicts it changes.
    "preschool_weight_alternative": 1.0,
    # §2.3 [P]: 完全中学 初中:高中 = 1:1.2.
    "split_weights_complete_secondary": {"junior": 1.0, "senior": 1.2},
    "shared_resources": list(SHARED_RESOURCES),
    # §2.4 [P]: teaching points merged into their parent school by default; "separate" keeps each site;
    # "exclude" leaves them out (the 2012 表Ⅱ excluded 小学教学点 [C]).
    "teaching_points": "merge",
    # §2.4: exclude teaching points with fewer pupils than this (河北: 50); 0 keeps all.
    "teaching_point_min_students": 0,
    # §2.4 [U]: 民办 schools inside the calculation unless a province says otherwise.
    "include_private": True,
    # §1.1 (河北 scope): 特殊教育学校 are outside 资源配置.
    "exclude_special_schools": True,
    # §1.1 definition notes [P]: subtract 室内体育用房 from 教学及辅助用房 (1) or not (0).
    "subtract_indoor_sports": 0,
    # Missing is not zero: a blank cell that an indicator reads makes the value unknown ("missing",
    # default; the school and the CV are not judged and the notes name school and field), or, where a
    # province says blank means 0 as on the 教育事业统计 forms, counts as 0 ("zero", still named).
    "missing_values": "missing",
    # §2.4 [C for the 2012 表Ⅱ]: schools not run by the county (省/市直属、高校附属、企业办学) by code;
    # the registry has no 举办者 level, so the county lists them.  Left out of 资源配置 with a note.
    "excluded_schools": [],
    # §4.3: 公用经费基准定额 region ("central_west" or "east") and the dated table.
    "funding_region": "central_west",
    "base_funding": [
        {"from": 2016, "region": "central_west", "primary": 600.0, "junior": 800.0},
        {"from": 2016, "region": "east", "primary": 650.0, "junior": 850.0},
    ],
    "cv_decimals": 3,
}

_STR_CHOICES = {
    "teaching_points": ("merge", "separate", "exclude"),
    "missing_values": ("zero", "missing"),
    "funding_region": ("central_west", "east"),
}

_TOP_KEYS = {
    "code", "kind", "name", "name_en", "source", "version", "stages", "parameters", "variables", "part",
    "indicator", "item", "school_rule", "cv_rule", "target", "note",
}
_INDICATOR_KEYS = {
    "code", "name", "name_en", "part", "numerator", "denominator", "factor", "threshold", "cv_limit", "unit",
    "gap_unit", "gap_integer", "source", "confidence", "note",
}
_ITEM_KEYS = {"code", "name", "name_en", "part", "rule", "number", "threshold", "params", "source", "confidence", "note"}
_TARGET_KEYS = {
    "code", "name", "name_en", "metric", "op", "values", "numerator", "denominator", "factor", "stages", "filter",
    "numerator_filter", "denominator_filter", "unit", "source", "note",
}
_FILTER_KEYS = {"area", "school_type", "ownership", "stages"}
_OPS = (">=", "<=", ">", "<", "==")
_KINDS = ("compulsory", "preschool", "plan")

# Field keys an expression may read: the stage-section and school-year columns.
FIELD_NAMES = frozenset(F.SECTION_YEARS.keys) | frozenset(F.SCHOOL_YEARS.keys)


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


# --------------------------------------------------------------------------- locating files
def _packs_dir() -> Path:
    return Path(str(resources.files("junheng.standards") / "packs"))


def list_packs() -> dict[str, list[str]]:
    """Codes of the shipped packs: ``{"standards": [...], "plans": [...], "overrides": [...]}``."""
    root = _packs_dir()
    return {
        "standards": sorted(p.stem for p in root.glob("*.toml")),
        "plans": sorted(p.stem for p in (root / "plans").glob("*.toml")),
        "overrides": sorted(p.stem for p in (root / "overrides").glob("*.toml")),
    }


def _resolve(code_or_path: str | Path, sub: str = "") -> Path:
    p = Path(code_or_path)
    if p.suffix == ".toml" or p.exists():
        return p
    root = _packs_dir()
    for folder in ([root / sub] if sub else []) + [root, root / "plans", root / "overrides"]:
        cand = folder / f"{code_or_path}.toml"
        if cand.exists():
            return cand
    raise FileNotFoundError(f"找不到标准包 / no such pack: {code_or_path}")


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise PackError([PackIssue(str(path), "-", f"TOML 语法错误 / TOML syntax error: {exc}")]) from exc
    except FileNotFoundError as exc:
        raise PackError([PackIssue(str(path), "-", "文件不存在 / file not found")]) from exc


# --------------------------------------------------------------------------- public API
def load_pack(code_or_path: str | Path, *, overrides: Iterable[str | Path] = ()) -> Pack:
    """Load a shipped pack by code (``"yzjh-2017"``) or any pack file, then apply override files in order."""
    path = _resolve(code_or_path)
    raw = _read(path)
    if "overrides" in raw:
        raise PackError([PackIssue(str(path), "overrides", "这是覆盖文件，不是标准包 / this is an override file, not a pack")])
    issues: list[PackIssue] = []
    pack = _build_pack(raw, str(path), issues)
    if issues or pack is None:
        raise PackError(issues)
    for ov in overrides:
        pack = apply_override(pack, ov)
    return pack


def apply_override(pack: Pack, override: str | Path | Mapping[str, Any]) -> Pack:
    """Apply a provincial override (file, shipped code such as ``"hebei"``, or a mapping) to ``pack``."""
    if isinstance(override, Mapping):
        raw, name = dict(override), str(override.get("name", "override"))
        file = "<override>"
    else:
        path = _resolve(override, "overrides")
        raw, name, file = _read(path), path.stem, str(path)
    issues: list[PackIssue] = []
    out = _apply(pack, raw, file, issues)
    if issues:
        raise PackError(issues)
    return replace(out, overrides=(*pack.overrides, name))


def check_pack_file(path: str | Path) -> list[PackIssue]:
    """Validate a pack, plan pack or override file; return all problems (empty when valid)."""
    p = Path(path)
    try:
        raw = _read(p)
    except PackError as exc:
        return list(exc.issues)
    issues: list[PackIssue] = []
    if "overrides" in raw:
        target = raw["overrides"]
        try:
            base = load_pack(target)
        except (FileNotFoundError, PackError) as exc:
            return [PackIssue(str(p), "overrides", f"所覆盖的标准包无法加载 / cannot load the pack it overrides: {exc}")]
        _apply(base, raw, str(p), issues)
    else:
        _build_pack(raw, str(p), issues)
    return issues


# --------------------------------------------------------------------------- building
class _Ctx:
    def __init__(self, file: str, issues: list[PackIssue]):
        self.file, self.issues = file, issues

    def err(self, key: str, msg: str) -> None:
        self.issues.append(PackIssue(self.file, key, msg))


def _check_keys(ctx: _Ctx, where: str, data: Mapping[str, Any], allowed: set[str]) -> None:
    for k in data:
        if k not in allowed:
            ctx.err(f"{where}.{k}" if where else k, f"未知的键 / unknown key (允许 / allowed: {', '.join(sorted(allowed))})")


def _num(ctx: _Ctx, key: str, value: Any, *, positive: bool = False) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        ctx.err(key, f"应为数字 / expected a number, got {value!r}")
        return None
    if positive and value <= 0:
        ctx.err(key, f"应为正数 / must be positive, got {value!r}")
        return None
    return float(value)


def _by_stage(ctx: _Ctx, key: str, value: Any, conv: Any) -> ByStage:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for stage, v in value.items():
            if stage not in (*STAGE_KEYS, ALL):
                ctx.err(f"{key}.{stage}", f"未知学段 / unknown stage (允许 / allowed: {', '.join((*STAGE_KEYS, ALL))})")
                continue
            c = conv(ctx, f"{key}.{stage}", v)
            if c is not None:
                out[stage] = c
        return ByStage(frozen_map(out))
    c = conv(ctx, key, value)
    return ByStage(frozen_map({ALL: c} if c is not None else {}))


def _expr_conv(names: frozenset[str]) -> Any:
    def conv(ctx: _Ctx, key: str, value: Any) -> Expression | None:
        if not isinstance(value, str):
            ctx.err(key, f"应为表达式字符串 / expected an expression string, got {value!r}")
            return None
        try:
            e = Expression.parse(value)
        except ExpressionError as exc:
            ctx.err(key, str(exc))
            return None
        unknown = sorted(e.names - names)
        if unknown:
            ctx.err(key, f"表达式中有未知字段 / unknown names in expression: {', '.join(unknown)}")
            return None
        return e

    return conv


def _num_conv(ctx: _Ctx, key: str, value: Any) -> float | None:
    return _num(ctx, key, value)


def _parameters(ctx: _Ctx, raw: Any, kind: str) -> dict[str, Any]:
    params = dict(DEFAULT_PARAMETERS)  # every kind starts from the national defaults
    if raw is None:
        return params
    if not isinstance(raw, Mapping):
        ctx.err("parameters", "应为表 / expected a table")
        return params
    for k, v in raw.items():
        _check_parameter(ctx, f"parameters.{k}", k, v, params.get(k))
        params[k] = v
    return params


def _check_parameter(ctx: _Ctx, key: str, name: str, value: Any, default: Any) -> None:
    if name in _STR_CHOICES and value not in _STR_CHOICES[name]:
        ctx.err(key, f"取值应为 / must be one of {', '.join(_STR_CHOICES[name])}; got {value!r}")
    elif name in ("split_weights", "split_weights_complete_secondary"):
        if not isinstance(value, Mapping):
            ctx.err(key, "应为按学段的权重表 / expected a table of weights by stage")
        else:
            for s, w in value.items():
                if s not in STAGE_KEYS:
                    ctx.err(f"{key}.{s}", "未知学段 / unknown stage")
                elif _num(ctx, f"{key}.{s}", w) is not None and w < 0:
                    ctx.err(f"{key}.{s}", "权重不能为负 / weight must be ≥ 0")
    elif name == "shared_resources":
        if not isinstance(value, list) or any(v not in F.SCHOOL_YEARS.keys for v in value):
            ctx.err(key, "应为学校年度数据字段列表 / expected a list of school_year fields")
    elif name == "base_funding":
        if not isinstance(value, list):
            ctx.err(key, "应为数组 / expected an array of tables")
        else:
            for i, row in enumerate(value):
                if not isinstance(row, Mapping) or not {"from", "region", "primary", "junior"} <= set(row):
                    ctx.err(f"{key}[{i}]", "需要 from, region, primary, junior / needs from, region, primary, junior")
    elif name == "excluded_schools":
        if not isinstance(value, list) or any(not isinstance(v, str) or not v.isdigit() for v in value):
            ctx.err(key, "应为学校标识码字符串列表 / expected a list of school codes (strings of digits)")
    elif name == "preschool_weight_alternative":
        n = _num(ctx, key, value)
        if n is not None and n < 0:
            ctx.err(key, "权重不能为负 / weight must be ≥ 0")
    elif name in ("include_private", "exclude_special_schools"):
        if not isinstance(value, bool):
            ctx.err(key, "应为 true 或 false / expected true or false")
    elif name in ("teaching_point_min_students", "cv_decimals", "subtract_indoor_sports"):
        n = _num(ctx, key, value)
        if n is not None and n < 0:
            ctx.err(key, "不能为负 / must be ≥ 0")
    elif default is not None and isinstance(default, int | float) and not isinstance(default, bool):
        _num(ctx, key, value)


def _build_pack(raw: Mapping[str, Any], file: str, issues: list[PackIssue]) -> Pack | None:
    ctx = _Ctx(file, issues)
    _check_keys(ctx, "", raw, _TOP_KEYS)
    for k in ("code", "name", "kind", "source"):
        if not isinstance(raw.get(k), str) or not raw.get(k):
            ctx.err(k, "缺少必填项 / required key missing")
    kind = raw.get("kind", "compulsory")
    if kind not in _KINDS:
        ctx.err("kind", f"取值应为 / must be one of {', '.join(_KINDS)}")
        kind = "compulsory"
    stages = tuple(raw.get("stages", ["primary", "junior"]))
    for s in stages:
        if s not in STAGE_KEYS:
            ctx.err("stages", f"未知学段 / unknown stage: {s}")
    params = _parameters(ctx, raw.get("parameters"), kind)
    numeric_params = {k for k, v in params.items() if isinstance(v, int | float)}

    # variables: named expressions by stage, may refer to fields, parameters and earlier variables
    variables: dict[str, ByStage] = {}
    for name, spec in (raw.get("variables") or {}).items():
        names = FIELD_NAMES | numeric_params | set(variables)
        variables[name] = _by_stage(ctx, f"variables.{name}", spec, _expr_conv(frozenset(names)))
    names = frozenset(FIELD_NAMES | numeric_params | set(variables))

    parts: list[Part] = []
    for i, p in enumerate(raw.get("part", [])):
        where = f"part[{i}]"
        _check_keys(ctx, where, p, {"code", "name", "name_en", "veto"})
        if not p.get("code") or not p.get("name"):
            ctx.err(where, "部分需要 code 和 name / a part needs code and name")
            continue
        parts.append(Part(p["code"], p["name"], p.get("name_en", ""), bool(p.get("veto", False))))
    part_codes = {p.code for p in parts}

    indicators: list[Indicator] = []
    for i, d in enumerate(raw.get("indicator", [])):
        where = f"indicator[{i}]" + (f"({d.get('code')})" if d.get("code") else "")
        ind = _indicator(ctx, where, d, names, part_codes)
        if ind is not None:
            indicators.append(ind)
    items: list[Item] = []
    for i, d in enumerate(raw.get("item", [])):
        where = f"item[{i}]" + (f"({d.get('code')})" if d.get("code") else "")
        it = _item(ctx, where, d, part_codes)
        if it is not None:
            items.append(it)
    targets: list[Target] = []
    for i, d in enumerate(raw.get("target", [])):
        where = f"target[{i}]" + (f"({d.get('code')})" if d.get("code") else "")
        t = _target(ctx, where, d, names)
        if t is not None:
            targets.append(t)
    _unique(ctx, "indicator", [x.code for x in indicators])
    _unique(ctx, "item", [x.code for x in items])
    _unique(ctx, "target", [x.code for x in targets])

    school_rule = None
    if "school_rule" in raw:
        sr = raw["school_rule"]
        _check_keys(ctx, "school_rule", sr, {"min_pass", "floor", "source"})
        mp = _num(ctx, "school_rule.min_pass", sr.get("min_pass"), positive=True)
        fl = _num(ctx, "school_rule.floor", sr.get("floor"), positive=True)
        if mp is not None and fl is not None:
            if mp > len(indicators):
                ctx.err("school_rule.min_pass", "大于指标数 / larger than the number of indicators")
            school_rule = SchoolRule(int(mp), fl, sr.get("source", ""))
    cv_rule = None
    if "cv_rule" in raw:
        cr = raw["cv_rule"]
        _check_keys(ctx, "cv_rule", cr, {"mode", "limit", "source"})
        if cr.get("mode") not in ("each", "mean"):
            ctx.err("cv_rule.mode", "取值应为 each 或 mean / must be each or mean")
        else:
            limit = _by_stage(ctx, "cv_rule.limit", cr.get("limit", {}), _num_conv)
            if cr["mode"] == "mean" and not limit:
                ctx.err("cv_rule.limit", "mean 模式需要综合差异系数限值 / mode mean needs a limit")
            cv_rule = CvRule(cr["mode"], limit, cr.get("source", ""))
    if kind != "plan" and (indicators or items) and not parts:
        ctx.err("part", "至少需要一个部分 / at least one part is required")
    if issues:
        return None
    return Pack(
        code=raw["code"], kind=kind, name=raw["name"], source=raw["source"], name_en=raw.get("name_en", ""),
        version=str(raw.get("version", "")), stages=stages, parameters=frozen_map(params),
        variables=frozen_map(variables), parts=tuple(parts), indicators=tuple(indicators), items=tuple(items),
        school_rule=school_rule, cv_rule=cv_rule, targets=tuple(targets), path=file,
    )


def _unique(ctx: _Ctx, what: str, codes: list[str]) -> None:
    seen: set[str] = set()
    for c in codes:
        if c in seen:
            ctx.err(what, f"代码重复 / duplicate code: {c}")
        seen.add(c)


def _required(ctx: _Ctx, where: str, d: Mapping[str, Any], allowed: set[str], required: tuple[str, ...]) -> bool:
    """Check an entry's keys (unknown ones, missing required ones); True when it can be read further."""
    n0 = len(ctx.issues)
    _check_keys(ctx, where, d, allowed)
    for k in required:
        if k not in d:
            ctx.err(f"{where}.{k}", "缺少必填项 / required key missing")
    return n0 == len(ctx.issues)


def _indicator(ctx: _Ctx, where: str, d: Mapping[str, Any], names: frozenset[str], parts: set[str]) -> Indicator | None:
    if not _required(ctx, where, d, _INDICATOR_KEYS, ("code", "name", "part", "numerator", "denominator")):
        return None
    n0 = len(ctx.issues)
    if d["part"] not in parts:
        ctx.err(f"{where}.part", f"未声明的部分 / undeclared part: {d['part']}")
    conv = _expr_conv(names)
    num = _by_stage(ctx, f"{where}.numerator", d["numerator"], conv)
    den = _by_stage(ctx, f"{where}.denominator", d["denominator"], conv)
    factor = _num(ctx, f"{where}.factor", d.get("factor", 1.0), positive=True)
    thr = _by_stage(ctx, f"{where}.threshold", d.get("threshold", {}), _num_conv)
    cvl = _by_stage(ctx, f"{where}.cv_limit", d.get("cv_limit", {}), _num_conv)
    for stage, v in cvl.values.items():
        if not 0 < v < 5:
            ctx.err(f"{where}.cv_limit.{stage}", "差异系数限值应在 0 与 5 之间 / CV limit must be in (0, 5)")
    if n0 != len(ctx.issues) or factor is None:
        return None
    return Indicator(
        code=d["code"], name=d["name"], part=d["part"], numerator=num, denominator=den, factor=factor,
        threshold=thr, cv_limit=cvl, name_en=d.get("name_en", ""), unit=d.get("unit", ""),
        gap_unit=d.get("gap_unit", ""), gap_integer=bool(d.get("gap_integer", False)), source=d.get("source", ""),
        confidence=d.get("confidence", ""), note=d.get("note", ""),
    )


def _item(ctx: _Ctx, where: str, d: Mapping[str, Any], parts: set[str]) -> Item | None:
    if not _required(ctx, where, d, _ITEM_KEYS, ("code", "name", "part")):
        return None
    n0 = len(ctx.issues)
    if d["part"] not in parts:
        ctx.err(f"{where}.part", f"未声明的部分 / undeclared part: {d['part']}")
    rule = d.get("rule", "evidence")
    if rule not in RULES:
        ctx.err(f"{where}.rule", f"未知规则 / unknown rule {rule!r} (允许 / allowed: {', '.join(RULES)})")
    thr = None
    if "threshold" in d:
        thr = _num(ctx, f"{where}.threshold", d["threshold"])
    params = d.get("params", {})
    if not isinstance(params, Mapping):
        ctx.err(f"{where}.params", "应为表 / expected a table")
        params = {}
    if n0 != len(ctx.issues):
        return None
    return Item(
        code=d["code"], name=d["name"], part=d["part"], rule=rule, number=d.get("number"), threshold=thr,
        params=frozen_map(params), name_en=d.get("name_en", ""), source=d.get("source", ""),
        confidence=d.get("confidence", ""), note=d.get("note", ""),
    )


def _filter(ctx: _Ctx, key: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        ctx.err(key, "应为表 / expected a table")
        return frozen_map()
    _check_keys(ctx, key, value, _FILTER_KEYS)
    if "area" in value and not set(value["area"]) <= {"urban", "town", "rural"}:
        ctx.err(f"{key}.area", "取值应为 urban/town/rural / must be urban, town or rural")
    return frozen_map({k: tuple(v) if isinstance(v, list) else v for k, v in value.items()})


def _target(ctx: _Ctx, where: str, d: Mapping[str, Any], names: frozenset[str]) -> Target | None:
    if not _required(ctx, where, d, _TARGET_KEYS, ("code", "name", "metric", "op", "values")):
        return None
    n0 = len(ctx.issues)
    if d["metric"] not in METRICS:
        ctx.err(f"{where}.metric", f"未知指标口径 / unknown metric (允许 / allowed: {', '.join(METRICS)})")
    if d["op"] not in _OPS:
        ctx.err(f"{where}.op", f"比较符应为 / op must be one of {' '.join(_OPS)}")
    conv = _expr_conv(names)
    num = den = None
    if d["metric"] in ("rate", "ratio_of_rates"):
        for k in ("numerator", "denominator"):
            if k not in d:
                ctx.err(f"{where}.{k}", "该口径需要分子和分母 / this metric needs numerator and denominator")
        if "numerator" in d:
            num = conv(ctx, f"{where}.numerator", d["numerator"])
        if "denominator" in d:
            den = conv(ctx, f"{where}.denominator", d["denominator"])
    if d["metric"] == "ratio_of_rates":
        for k in ("numerator_filter", "denominator_filter"):
            if k not in d:
                ctx.err(f"{where}.{k}", "两组比率之比需要两组筛选 / ratio_of_rates needs both group filters")
    values: list[TargetValue] = []
    if not isinstance(d["values"], list) or not d["values"]:
        ctx.err(f"{where}.values", "应为非空数组 / expected a non-empty array of {year, value, org}")
    else:
        for j, v in enumerate(d["values"]):
            key = f"{where}.values[{j}]"
            if not isinstance(v, Mapping) or "year" not in v or "value" not in v:
                ctx.err(key, "需要 year 和 value / needs year and value")
                continue
            _check_keys(ctx, key, v, {"year", "value", "org"})
            val = _num(ctx, f"{key}.value", v["value"])
            org = str(v.get("org", ""))
            if org and (not org.isdigit() or len(org) > 12):
                ctx.err(f"{key}.org", "区划代码应为不超过12位数字 / org must be a numeric code of ≤ 12 digits")
            if val is not None:
                values.append(TargetValue(int(v["year"]), val, org))
    stages = tuple(d.get("stages", ()))
    for s in stages:
        if s not in STAGE_KEYS:
            ctx.err(f"{where}.stages", f"未知学段 / unknown stage: {s}")
    flt = _filter(ctx, f"{where}.filter", d.get("filter", {}))
    nf = _filter(ctx, f"{where}.numerator_filter", d.get("numerator_filter", {}))
    df = _filter(ctx, f"{where}.denominator_filter", d.get("denominator_filter", {}))
    factor = _num(ctx, f"{where}.factor", d.get("factor", 1.0), positive=True)
    if n0 != len(ctx.issues) or factor is None:
        return None
    return Target(
        code=d["code"], name=d["name"], metric=d["metric"], op=d["op"], values=tuple(values), numerator=num,
        denominator=den, factor=factor, stages=stages, filter=flt, numerator_filter=nf, denominator_filter=df,
        unit=d.get("unit", ""), name_en=d.get("name_en", ""), source=d.get("source", ""), note=d.get("note", ""),
    )


# --------------------------------------------------------------------------- overrides
_OV_TOP = {"overrides", "name", "source", "note", "parameters", "indicator", "item", "school_rule", "cv_rule"}
_OV_INDICATOR = {"threshold", "cv_limit", "numerator", "denominator", "factor", "source", "note"}
_OV_ITEM = {"threshold", "params", "rule", "source", "note"}


def _apply(pack: Pack, raw: Mapping[str, Any], file: str, issues: list[PackIssue]) -> Pack:
    ctx = _Ctx(file, issues)
    _check_keys(ctx, "", raw, _OV_TOP)
    target = raw.get("overrides")
    if target is not None and target != pack.code:
        ctx.err("overrides", f"覆盖文件针对 {target}，而标准包是 {pack.code} / override names {target}, pack is {pack.code}")
        return pack
    params = dict(pack.parameters)
    for k, v in (raw.get("parameters") or {}).items():
        if k not in params:
            ctx.err(f"parameters.{k}", f"标准包 {pack.code} 没有这个参数 / the pack has no such parameter")
            continue
        _check_parameter(ctx, f"parameters.{k}", k, v, params[k])
        params[k] = v
    numeric_params = {k for k, v in params.items() if isinstance(v, int | float)}
    names = frozenset(FIELD_NAMES | numeric_params | set(pack.variables))
    by_code = {i.code: i for i in pack.indicators}
    new_ind = dict(by_code)
    for code, ch in (raw.get("indicator") or {}).items():
        where = f"indicator.{code}"
        if code not in by_code:
            ctx.err(where, f"标准包 {pack.code} 没有这个指标 / the pack has no such indicator")
            continue
        _check_keys(ctx, where, ch, _OV_INDICATOR)
        ind = by_code[code]
        upd: dict[str, Any] = {}
        for k in ("threshold", "cv_limit"):
            if k in ch:
                merged = {**ind.__dict__[k].values, **_by_stage(ctx, f"{where}.{k}", ch[k], _num_conv).values}
                upd[k] = ByStage(frozen_map(merged))
        for k in ("numerator", "denominator"):
            if k in ch:
                merged = {**ind.__dict__[k].values, **_by_stage(ctx, f"{where}.{k}", ch[k], _expr_conv(names)).values}
                upd[k] = ByStage(frozen_map(merged))
        if "factor" in ch:
            f = _num(ctx, f"{where}.factor", ch["factor"], positive=True)
            if f is not None:
                upd["factor"] = f
        for k in ("source", "note"):
            if k in ch:
                upd[k] = str(ch[k])
        new_ind[code] = replace(ind, **upd)
    items = {i.code: i for i in pack.items}
    for code, ch in (raw.get("item") or {}).items():
        where = f"item.{code}"
        if code not in items:
            ctx.err(where, f"标准包 {pack.code} 没有这一项 / the pack has no such item")
            continue
        _check_keys(ctx, where, ch, _OV_ITEM)
        it = items[code]
        upd = {}
        if "threshold" in ch:
            upd["threshold"] = _num(ctx, f"{where}.threshold", ch["threshold"])
        if "params" in ch:
            upd["params"] = frozen_map({**it.params, **ch["params"]})
        if "rule" in ch:
            if ch["rule"] not in RULES:
                ctx.err(f"{where}.rule", f"未知规则 / unknown rule {ch['rule']!r}")
            upd["rule"] = ch["rule"]
        for k in ("source", "note"):
            if k in ch:
                upd[k] = str(ch[k])
        items[code] = replace(it, **upd)
    school_rule = pack.school_rule
    if "school_rule" in raw:
        if school_rule is None:
            ctx.err("school_rule", "标准包没有学校达标规则 / the pack has no school rule")
        else:
            sr = raw["school_rule"]
            _check_keys(ctx, "school_rule", sr, {"min_pass", "floor", "source"})
            school_rule = replace(
                school_rule,
                min_pass=int(sr.get("min_pass", school_rule.min_pass)),
                floor=float(sr.get("floor", school_rule.floor)),
            )
    cv_rule = pack.cv_rule
    if "cv_rule" in raw:
        if cv_rule is None:
            ctx.err("cv_rule", "标准包没有差异系数规则 / the pack has no CV rule")
        else:
            cr = raw["cv_rule"]
            _check_keys(ctx, "cv_rule", cr, {"mode", "limit", "source"})
            limit = ByStage(frozen_map({**cv_rule.limit.values,
                                        **_by_stage(ctx, "cv_rule.limit", cr.get("limit", {}), _num_conv).values}))
            cv_rule = replace(cv_rule, mode=cr.get("mode", cv_rule.mode), limit=limit)
    return replace(
        pack, parameters=frozen_map(params), indicators=tuple(new_ind[i.code] for i in pack.indicators),
        items=tuple(items[i.code] for i in pack.items), school_rule=school_rule, cv_rule=cv_rule,
    )
