"""Load and validate standard packs, plan packs and provincial overrides (TOML).

Packs shipped with Junheng live in ``junheng/standards/packs/*.toml`` (national
standards), ``packs/plans/*.toml`` (local plans) and ``packs/overrides/*.toml``
(provincial rules).  They are read exactly like a user's own file.

The schema is declared once, in :mod:`junheng.standards.schema`: a pack file is
validated against ``PackDoc`` and its cross-references are checked here (parts
declared, expressions reading known names, unique codes); an override file is
validated against ``OverrideDoc`` and the keys it names must exist in the pack,
then the pack with the override merged in is validated again as a pack.  Every
problem is a :class:`PackIssue` with its file, dotted key and a Chinese message
(STYLE.md, "Errors speak to the user"), so ``junheng standards check FILE`` lists
them all at once.  The validated document is then built into the frozen
:mod:`junheng.standards.model` the engine reads.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from junheng.domain import fields as F
from junheng.standards.expr import Expression, ExpressionError
from junheng.standards.model import (
    ALL,
    ByStage,
    Condition,
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
from junheng.standards.schema import (
    FilterDoc,
    Loc,
    OverrideDoc,
    PackDoc,
    PackError,
    PackIssue,
    ParametersDoc,
    dotted_key,
    validate_document,
)

__all__ = [
    "DEFAULT_PARAMETERS",
    "FIELD_NAMES",
    "PackError",
    "PackIssue",
    "apply_override",
    "check_pack_file",
    "list_packs",
    "load_pack",
]

DEFAULT_PARAMETERS: dict[str, Any] = ParametersDoc().as_parameters()
"""The national defaults every pack starts from; declared with their sources in ``schema.ParametersDoc``."""

FIELD_NAMES = frozenset(F.SECTION_YEARS.keys) | frozenset(F.SCHOOL_YEARS.keys)
"""Field keys an expression may read: the stage-section and school-year columns."""

Problem = tuple[Loc, str]


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
    pack, issues = _pack(raw, str(path))
    if pack is None:
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
    out, issues = _overridden(pack, raw, file)
    if out is None:
        raise PackError(issues)
    return replace(out, overrides=(*pack.overrides, name))


def check_pack_file(path: str | Path) -> list[PackIssue]:
    """Validate a pack, plan pack or override file; return all problems (empty when valid)."""
    p = Path(path)
    try:
        raw = _read(p)
    except PackError as exc:
        return list(exc.issues)
    if "overrides" not in raw:
        return _pack(raw, str(p))[1]
    target = raw["overrides"]
    try:
        if not isinstance(target, str):
            raise FileNotFoundError(f"应为标准包代码 / expected a pack code, got {target!r}")
        base = load_pack(target)
    except (FileNotFoundError, PackError) as exc:
        return [PackIssue(str(p), "overrides", f"所覆盖的标准包无法加载 / cannot load the pack it overrides: {exc}")]
    return _overridden(base, raw, str(p))[1]


# --------------------------------------------------------------------------- packs
def _pack(raw: Mapping[str, Any], file: str) -> tuple[Pack | None, list[PackIssue]]:
    """Validate a pack document (schema, then cross-references) and build it; None and the issues if invalid."""
    doc, problems = validate_document(PackDoc, raw)
    problems += _references(raw)
    if doc is None or problems:
        return None, [PackIssue(file, dotted_key(raw, loc), msg) for loc, msg in problems]
    return _build(doc, file), []


def _entries(raw: Mapping[str, Any], key: str) -> list[tuple[int, Mapping[str, Any]]]:
    """The tables of the array ``key`` with their index (entries that are not tables are skipped)."""
    value = raw.get(key)
    return [(i, d) for i, d in enumerate(value) if isinstance(d, Mapping)] if isinstance(value, list) else []


def _table(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _references(raw: Mapping[str, Any]) -> list[Problem]:
    """Cross-reference checks on the raw document; values the schema rejects are skipped, not reported twice."""
    out: list[Problem] = []
    params = {**DEFAULT_PARAMETERS, **_table(raw.get("parameters"))}
    names = set(FIELD_NAMES) | {k for k, v in params.items() if isinstance(v, int | float)}
    for name, spec in _table(raw.get("variables")).items():  # a variable may read the ones before it
        out += _unknown_names(("variables", name), spec, names, by_stage=True)
        names.add(name)

    parts = {d.get("code") for _, d in _entries(raw, "part")}
    for what in ("indicator", "item"):
        for i, d in _entries(raw, what):
            if isinstance(d.get("part"), str) and d["part"] not in parts:
                out.append(((what, i, "part"), f"未声明的部分 / undeclared part: {d['part']}"))
    for i, d in _entries(raw, "indicator"):
        for k in ("numerator", "denominator"):
            out += _unknown_names(("indicator", i, k), d.get(k), names, by_stage=True)
    for i, d in _entries(raw, "target"):
        out += _target_references(i, d, names)
    for what in ("part", "indicator", "item", "target"):
        out += _duplicates(what, [d.get("code") for _, d in _entries(raw, what)])

    min_pass = _table(raw.get("school_rule")).get("min_pass")
    if isinstance(min_pass, int) and min_pass > len(_entries(raw, "indicator")):
        out.append((("school_rule", "min_pass"), "大于指标数 / larger than the number of indicators"))
    cv_rule = _table(raw.get("cv_rule"))
    if cv_rule.get("mode") == "mean" and not cv_rule.get("limit"):
        out.append((("cv_rule", "limit"), "mean 模式需要综合差异系数限值 / mode mean needs a limit"))
    if raw.get("kind") != "plan" and (_entries(raw, "indicator") or _entries(raw, "item")) and not parts:
        out.append((("part",), "至少需要一个部分 / at least one part is required"))
    return out


_TARGET_NEEDS = {
    "rate": ("numerator", "denominator"), "ratio_of_rates": ("numerator", "denominator"),
    "cohort_retention": ("numerator", "denominator", "years_back"), "gross_rate": ("numerator", "ages"),
    "share": ("condition",),
}
"""The keys each target metric needs (junheng.assess.engine.evaluate_target)."""


def _target_references(i: int, d: Mapping[str, Any], names: set[str]) -> list[Problem]:
    out: list[Problem] = []
    for k in _TARGET_NEEDS.get(str(d.get("metric")), ()):
        if k not in d:
            out.append((("target", i, k), f"口径 {d.get('metric')} 需要 {k} / metric {d.get('metric')} needs {k}"))
    ages = d.get("ages")
    if isinstance(ages, list) and len(ages) == 2 and all(isinstance(a, int) for a in ages) and ages[0] > ages[1]:
        out.append((("target", i, "ages"), "年龄下限大于上限 / youngest age above oldest"))
    for j, v in enumerate(d.get("values") or []):
        if isinstance(v, Mapping) and ("value" in v) == ("parameter" in v):
            out.append((("target", i, "values", j), "应给出 value 或 parameter 之一 / give either value or parameter"))
    cond = d.get("condition")
    if isinstance(cond, Mapping):
        out += _unknown_names(("target", i, "condition", "expr"), cond.get("expr"), names | {"schools"}, by_stage=False)
    if d.get("metric") == "ratio_of_rates":
        for k in ("numerator_filter", "denominator_filter"):
            if k not in d:
                out.append((("target", i, k), "两组比率之比需要两组筛选 / ratio_of_rates needs both group filters"))
    for k in ("numerator", "denominator"):
        out += _unknown_names(("target", i, k), d.get(k), names, by_stage=False)
    return out


def _unknown_names(loc: Loc, spec: Any, names: set[str], *, by_stage: bool) -> list[Problem]:
    """Expressions in ``spec`` (one, or one per stage) that read names not in ``names``."""
    if isinstance(spec, str):
        exprs: Iterator[tuple[Loc, Any]] = iter([((*loc, ALL) if by_stage else loc, spec)])
    elif by_stage and isinstance(spec, Mapping):
        exprs = (((*loc, stage), text) for stage, text in spec.items())
    else:
        return []
    out: list[Problem] = []
    for where, text in exprs:
        try:
            unknown = sorted(Expression.parse(text).names - names) if isinstance(text, str) else []
        except ExpressionError:
            continue  # reported by the schema
        if unknown:
            out.append((where, f"表达式中有未知字段 / unknown names in expression: {', '.join(unknown)}"))
    return out


def _duplicates(what: str, codes: Sequence[Any]) -> list[Problem]:
    seen: set[str] = set()
    out: list[Problem] = []
    for c in codes:
        if isinstance(c, str) and c in seen:
            out.append(((what,), f"代码重复 / duplicate code: {c}"))
        if isinstance(c, str):
            seen.add(c)
    return out


def _by_stage(values: Mapping[str, Any], conv: type[float] | None = None) -> ByStage:
    return ByStage(frozen_map({k: conv(v) if conv else v for k, v in values.items()}))


def _build(doc: PackDoc, file: str) -> Pack:
    """The domain model of a validated pack document."""
    params = {**DEFAULT_PARAMETERS, **(doc.parameters.as_parameters(only_set=True) if doc.parameters else {})}
    return Pack(
        code=doc.code, kind=doc.kind, name=doc.name, source=doc.source, name_en=doc.name_en, version=doc.version,
        stages=tuple(doc.stages), parameters=frozen_map(params),
        variables=frozen_map({k: _by_stage(v) for k, v in doc.variables.items()}),
        parts=tuple(Part(p.code, p.name, p.name_en, p.veto) for p in doc.part),
        indicators=tuple(
            Indicator(
                code=d.code, name=d.name, part=d.part, numerator=_by_stage(d.numerator),
                denominator=_by_stage(d.denominator), factor=float(d.factor),
                threshold=_by_stage(d.threshold, float), cv_limit=_by_stage(d.cv_limit, float), name_en=d.name_en,
                unit=d.unit, gap_unit=d.gap_unit, gap_integer=d.gap_integer, source=d.source,
                confidence=d.confidence, note=d.note,
            )
            for d in doc.indicator
        ),
        items=tuple(
            Item(
                code=d.code, name=d.name, part=d.part, rule=d.rule, number=d.number,
                threshold=None if d.threshold is None else float(d.threshold), params=frozen_map(d.params),
                name_en=d.name_en, source=d.source, confidence=d.confidence, note=d.note,
            )
            for d in doc.item
        ),
        school_rule=None if doc.school_rule is None else SchoolRule(
            doc.school_rule.min_pass, float(doc.school_rule.floor), doc.school_rule.source),
        cv_rule=None if doc.cv_rule is None else CvRule(
            doc.cv_rule.mode, _by_stage(doc.cv_rule.limit, float), doc.cv_rule.source),
        targets=tuple(
            Target(
                code=t.code, name=t.name, metric=t.metric, op=t.op,
                values=tuple(TargetValue(v.year, None if v.value is None else float(v.value), v.org,
                                         v.parameter or "") for v in t.values),
                numerator=t.numerator, denominator=t.denominator, factor=float(t.factor), stages=tuple(t.stages),
                filter=_filter(t.filter), numerator_filter=_filter(t.numerator_filter),
                denominator_filter=_filter(t.denominator_filter), numerator_fallback=_filter(t.numerator_fallback),
                condition=None if t.condition is None else Condition(t.condition.expr, t.condition.op,
                                                                     float(t.condition.value)),
                count_of=t.count_of, years_back=t.years_back or 0, ages=tuple(t.ages or ()), unit=t.unit,
                name_en=t.name_en, source=t.source, note=t.note,
            )
            for t in doc.target
        ),
        path=file,
    )


def _filter(doc: FilterDoc | None) -> Mapping[str, Any]:
    """The keys a filter sets, each as a tuple of accepted values."""
    return frozen_map({k: tuple(v) if isinstance(v, list) else v
                       for k, v in doc.model_dump(exclude_unset=True).items()} if doc else {})


# --------------------------------------------------------------------------- overrides
_MERGED_BY_STAGE = {
    "indicator": ("threshold", "cv_limit", "numerator", "denominator"), "item": (), "school_rule": (),
    "cv_rule": ("limit",),
}
_MERGED_BY_KEY = {"item": ("params",)}


def _overridden(pack: Pack, raw: Mapping[str, Any], file: str) -> tuple[Pack | None, list[PackIssue]]:
    """``pack`` with the override ``raw`` applied; None and every problem (keys as in the override) if invalid."""
    target = raw.get("overrides")
    if target is not None and target != pack.code:
        return None, [PackIssue(file, "overrides",
                                f"覆盖文件针对 {target}，而标准包是 {pack.code} / override names {target}, pack is {pack.code}")]
    doc, problems = validate_document(OverrideDoc, raw)
    problems += _override_references(pack, raw)
    if doc is None or problems:
        return None, [PackIssue(file, dotted_key(raw, loc), msg) for loc, msg in problems]
    merged = _merge(_document(pack), raw)
    merged_doc, problems = validate_document(PackDoc, merged)
    problems += _references(merged)
    if merged_doc is None or problems:  # reported where the override wrote the value
        return None, [PackIssue(file, dotted_key(raw, _override_loc(merged, loc)), msg) for loc, msg in problems]
    return replace(_build(merged_doc, pack.path), overrides=pack.overrides), []


def _override_references(pack: Pack, raw: Mapping[str, Any]) -> list[Problem]:
    """An override changes what the pack has: its parameters, indicators, items and rules."""
    settable = {v.parameter for t in pack.targets for v in t.values if v.parameter}  # a plan's target values
    out: list[Problem] = [
        (("parameters", k), f"标准包 {pack.code} 没有这个参数 / the pack has no such parameter")
        for k in _table(raw.get("parameters")) if k not in pack.parameters and k not in settable
    ]
    for what, codes, zh, en in (("indicator", {i.code for i in pack.indicators}, "个指标", "indicator"),
                                ("item", {i.code for i in pack.items}, "一项", "item")):
        out += [((what, code), f"标准包 {pack.code} 没有这{zh} / the pack has no such {en}")
                for code in _table(raw.get(what)) if code not in codes]
    if "school_rule" in raw and pack.school_rule is None:
        out.append((("school_rule",), "标准包没有学校达标规则 / the pack has no school rule"))
    if "cv_rule" in raw and pack.cv_rule is None:
        out.append((("cv_rule",), "标准包没有差异系数规则 / the pack has no CV rule"))
    return out


def _merge(base: dict[str, Any], ov: Mapping[str, Any]) -> dict[str, Any]:
    """The pack document with a (validated) override applied: values replaced, by-stage values merged by stage."""
    out = {**base, "parameters": {**base["parameters"], **_table(ov.get("parameters"))}}
    for what in ("indicator", "item"):
        changes = _table(ov.get(what))
        out[what] = [_patched(what, d, changes.get(d["code"])) for d in base[what]]
    for what in ("school_rule", "cv_rule"):
        if what in base:
            out[what] = _patched(what, base[what], ov.get(what))
    return out


def _patched(what: str, entry: dict[str, Any], change: Any) -> dict[str, Any]:
    out = dict(entry)
    for k, v in _table(change).items():
        if k in _MERGED_BY_STAGE[what]:
            out[k] = {**_stage_table(entry.get(k, {})), **_stage_table(v)}
        elif k in _MERGED_BY_KEY.get(what, ()):
            out[k] = {**entry.get(k, {}), **v}
        else:
            out[k] = v
    return out


def _stage_table(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {ALL: value}


def _override_loc(merged: Mapping[str, Any], loc: Loc) -> Loc:
    """``("indicator", 3, "threshold")`` in the merged pack → ``("indicator", "<code>", "threshold")`` in the override."""
    if len(loc) > 1 and loc[0] in ("indicator", "item") and isinstance(loc[1], int):
        return (loc[0], merged[str(loc[0])][loc[1]]["code"], *loc[2:])
    return loc


def _document(pack: Pack) -> dict[str, Any]:
    """The pack as the document it was built from (the inverse of :func:`_build`), so an override can be merged."""
    def texts(by_stage: ByStage) -> dict[str, str]:
        return {k: e.text for k, e in by_stage.values.items()}

    doc: dict[str, Any] = {
        "code": pack.code, "kind": pack.kind, "name": pack.name, "source": pack.source, "name_en": pack.name_en,
        "version": pack.version, "stages": list(pack.stages), "parameters": dict(pack.parameters),
        "variables": {k: texts(v) for k, v in pack.variables.items()},
        "part": [{"code": p.code, "name": p.name, "name_en": p.name_en, "veto": p.veto} for p in pack.parts],
        "indicator": [
            {"code": i.code, "name": i.name, "part": i.part, "numerator": texts(i.numerator),
             "denominator": texts(i.denominator), "factor": i.factor, "threshold": dict(i.threshold.values),
             "cv_limit": dict(i.cv_limit.values), "name_en": i.name_en, "unit": i.unit, "gap_unit": i.gap_unit,
             "gap_integer": i.gap_integer, "source": i.source, "confidence": i.confidence, "note": i.note}
            for i in pack.indicators
        ],
        "item": [
            {"code": i.code, "name": i.name, "part": i.part, "rule": i.rule, "params": dict(i.params),
             "name_en": i.name_en, "source": i.source, "confidence": i.confidence, "note": i.note,
             **({"number": i.number} if i.number is not None else {}),
             **({"threshold": i.threshold} if i.threshold is not None else {})}
            for i in pack.items
        ],
        "target": [_target_document(t) for t in pack.targets],
    }
    if pack.school_rule is not None:
        sr = pack.school_rule
        doc["school_rule"] = {"min_pass": sr.min_pass, "floor": sr.floor, "source": sr.source}
    if pack.cv_rule is not None:
        cr = pack.cv_rule
        doc["cv_rule"] = {"mode": cr.mode, "limit": dict(cr.limit.values), "source": cr.source}
    return doc


def _target_document(t: Target) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "code": t.code, "name": t.name, "metric": t.metric, "op": t.op,
        "values": [{"year": v.year, "org": v.org, **({"parameter": v.parameter} if v.parameter else {}),
                    **({"value": v.value} if v.value is not None else {})} for v in t.values],
        "factor": t.factor, "stages": list(t.stages), "unit": t.unit, "name_en": t.name_en, "source": t.source,
        "note": t.note, "count_of": t.count_of,
        **({"years_back": t.years_back} if t.years_back else {}), **({"ages": list(t.ages)} if t.ages else {}),
    }
    if t.condition is not None:
        doc["condition"] = {"expr": t.condition.expr.text, "op": t.condition.op, "value": t.condition.value}
    for k in ("numerator", "denominator"):
        e: Expression | None = getattr(t, k)
        if e is not None:
            doc[k] = e.text
    for k in ("filter", "numerator_filter", "denominator_filter", "numerator_fallback"):
        flt: Mapping[str, Any] = getattr(t, k)
        doc[k] = {f: list(v) if isinstance(v, tuple) else v for f, v in flt.items()}
    return doc
