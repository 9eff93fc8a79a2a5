"""The indicator engine: ``assess(pack, tables, *, year) -> Assessment``.

Pure: registry tables in (``YearTables``), a frozen ``Assessment`` out; no ORM,
no files.  The same engine evaluates the 优质均衡 pack (yzjh-2017), the 基本均衡
pack (jbjh-2012), the pre-school pack (xqph-2020) and plan packs.

Steps (reference/standards.md section in brackets):

1. units of analysis — stage sections, shared resources split, teaching points
   merged (§2.3, §2.4; :mod:`junheng.assess.units`);
2. every indicator per unit: ``factor × numerator / denominator`` with both kept,
   pass/fail against the stage threshold, the gap in natural units (§1.1);
3. the school rule: all met, or ``min_pass`` met and the rest ≥ ``floor`` ×
   threshold (§1.1, "6 of 7 and 85 %");
4. county CVs per stage and indicator, enrolment-weighted population form,
   with each unit's contribution (§2.1), checked per indicator (§1.1) or as the
   mean of all (§2.2);
5. county items by rule or evidence (§1.2–§1.5, §3), plan targets;
6. per-part verdicts and the overall verdict with its reasons.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from junheng.assess import equity
from junheng.assess.results import (
    FAIL,
    INCOMPLETE,
    PASS,
    STAGE_ZH,
    VERDICT_ZH,
    Assessment,
    CompositeCv,
    CvResult,
    ItemResult,
    PartVerdict,
    TargetResult,
)
from junheng.assess.rules import DETAIL_COLUMNS, RECORDED_RULES, RuleContext, evaluate_item
from junheng.assess.units import UR_TO_AREA, build_units, missing_sections, names_list, section_frame
from junheng.domain import fields as F
from junheng.domain.tables import YearTables
from junheng.standards.evidence import Evidence
from junheng.standards.expr import Expression
from junheng.standards.loader import FIELD_NAMES, apply_override
from junheng.standards.model import Pack, Part, Target, TargetValue, frozen_map

EPS = 1e-9
VALUE_COLUMNS = ["unit_code", "stage", "indicator", "numerator", "denominator", "value", "threshold", "floor",
                 "ratio", "passed", "gap", "gap_floor", "blank_fields", "no_school_year", "must_fix_gap"]
SECTION_FIELDS = frozenset(F.SECTION_YEARS.keys) - {"year"}
TERM_COLUMNS = ["unit_code", "stage", "indicator", "students", "value", "weight", "variance_share", "cv_without"]


def assess(pack: Pack, tables: YearTables, *, year: int,
           overrides: Iterable[str | Path | Mapping[str, Any]] = (),
           evidence: Mapping[str, Evidence] | None = None) -> Assessment:
    """Assess ``tables`` for school year ``year`` against ``pack`` (with provincial ``overrides`` applied).

    ``evidence`` maps item (or plan target) codes to recorded :class:`Evidence`
    for what the data cannot show.  ``tables`` may hold several years (the
    junior retention rate reads ``year − 2``).
    """
    for ov in overrides:
        pack = apply_override(pack, ov)
    params = pack.parameters
    evidence = dict(evidence or {})
    notes: list[str] = []

    # ------------------------------------------------------------------ resources
    rsc = _Resources.empty()
    resource_open: list[str] = []
    if pack.indicators:
        rsc = resources(pack, tables, year=year)
        notes += rsc.notes
        gone = missing_sections(tables, year=year, stages=pack.stages)
        if len(gone):
            notes.append("以下学校本学年没有学段年度数据（section_year），未参加计算 / schools without a section_year "
                         f"row this year left out: {names_list(gone)}")
            active = gone[gone["has_school_year"] & ~gone["school_code"].isin(out_of_scope(tables, params))]
            if len(active):
                resource_open.append(f"{len(active)} 所学校有本学年学校年度数据却没有学段年度数据，无法评价："
                                     f"{names_list(active)}")
        notes += preschool_share_notes(pack, tables, year=year, base=rsc)
    units, values, terms, cvs, composite = rsc.units, rsc.values, rsc.terms, rsc.cvs, rsc.composite

    # ------------------------------------------------------------------ county items
    sections = section_frame(tables, year=year, missing_values=str(params.get("missing_values", "missing")))
    sy = tables.school_year
    sy = sy[sy["year"] == year].drop_duplicates("school_code").set_index("school_code")
    ctx = RuleContext(tables=tables, year=year, sections=sections, school_year=sy, params=params, evidence=evidence)
    items: list[ItemResult] = []
    details: list[pd.DataFrame] = []
    for it in pack.items:
        res, det = evaluate_item(ctx, it)
        items.append(res)
        if not det.empty:
            details.append(det)
    item_details = pd.concat(details, ignore_index=True) if details else pd.DataFrame(columns=DETAIL_COLUMNS)

    # ------------------------------------------------------------------ plan targets
    targets: list[TargetResult] = []
    if pack.targets:
        plan_units, _ = build_units(tables, year=year, params=params, stages=None, exclude_special=False)
        for t in pack.targets:
            targets += evaluate_target(t, plan_units, year=year, evidence=evidence, tables=tables,
                                       params=params)

    parts = part_verdicts(pack, units, cvs, composite, items, targets, resource_open=resource_open)
    verdict, reasons = overall(parts)
    return Assessment(
        pack_code=pack.code, pack_name=pack.name, pack_source=pack.source, kind=pack.kind, year=year,
        verdict=verdict, reasons=reasons, parts=tuple(parts), units=units, values=values, cvs=tuple(cvs),
        composite_cvs=tuple(composite), cv_terms=terms, items=tuple(items), item_details=item_details,
        targets=tuple(targets), parameters=frozen_map(params), overrides=pack.overrides, notes=tuple(notes),
        indicators=tuple(frozen_map({"code": i.code, "name": i.name, "name_en": i.name_en, "unit": i.unit,
                                     "gap_unit": i.gap_unit, "factor": i.factor, "source": i.source,
                                     "threshold": dict(i.threshold.values), "cv_limit": dict(i.cv_limit.values)})
                         for i in pack.indicators),
    )


# --------------------------------------------------------------------------- resources
@dataclass(frozen=True)
class _Resources:
    units: pd.DataFrame
    values: pd.DataFrame
    terms: pd.DataFrame
    cvs: list[CvResult]
    composite: list[CompositeCv]
    notes: list[str]

    @classmethod
    def empty(cls) -> _Resources:
        return cls(pd.DataFrame(), pd.DataFrame(columns=VALUE_COLUMNS), pd.DataFrame(columns=TERM_COLUMNS), [], [], [])


def out_of_scope(tables: YearTables, params: Mapping[str, Any]) -> set[str]:
    """Codes of the schools the pack's scope parameters leave out of 资源配置 (special, private, listed)."""
    sch = tables.school
    out = {str(c) for c in params.get("excluded_schools", []) or []}
    if params.get("exclude_special_schools", True):
        out |= set(sch.loc[sch["school_type"] == "special", "code"].astype(str))
    if not params.get("include_private", True):
        out |= set(sch.loc[sch["ownership"] == "private", "code"].astype(str))
    if params.get("teaching_points", "merge") == "exclude":
        out |= set(sch.loc[sch["school_type"] == "teaching_point", "code"].astype(str))
    return out


def resources(pack: Pack, tables: YearTables, *, year: int) -> _Resources:
    """Units, indicator values, school verdicts, CVs and the notes that say what was left out and why."""
    units, notes = build_units(tables, year=year, params=pack.parameters, stages=pack.stages)
    empty = ~(units["students"] > 0)
    if empty.any():
        notes.append(f"无在校生的学段不参加计算 / sections without students left out: {int(empty.sum())}")
        units = units[~empty].reset_index(drop=True)
    if units.empty:
        notes.append("没有在校生的义务教育学段，资源配置无法评价，不作认定 / no section with students: "
                     "resource allocation cannot be assessed")
    values = evaluate_indicators(pack, units)
    units = school_verdicts(pack, units, values)
    values = add_must_fix(pack, values, units)
    cvs, terms = county_cvs(pack, units, values)
    composite = composite_cvs(pack, cvs)
    notes += _blank_notes(pack, units, values, tables, year=year)
    for stage in pack.stages:
        n = int((units["stage"] == stage).sum()) if len(units) else 0
        if n == 1:
            notes.append(f"{STAGE_ZH[stage]}只有 1 所参评学校：各项差异系数按定义为 0（标准差以全县均值为中心，"
                         "一所学校没有校际差异），差异系数达标不说明校际均衡 / one unit only: every CV is 0 by definition")
    return _Resources(units, values, terms, cvs, composite, notes)


def _blank_notes(pack: Pack, units: pd.DataFrame, values: pd.DataFrame, tables: YearTables, *,
                 year: int) -> list[str]:
    """Name the schools and fields behind unknown values: blank cells and missing ``school_year`` rows."""
    if values.empty:
        return []
    notes: list[str] = []
    as_zero = str(pack.parameters.get("missing_values", "missing")) == "zero"
    names = _unit_names(units)
    sites = dict(zip(units["unit_code"].astype(str), units["sites"].astype(str), strict=False)) if len(units) else {}
    b = values[values["blank_fields"].astype(str) != ""]
    if len(b):
        by_field: dict[str, dict[str, None]] = {}
        for u, st, fs in zip(b["unit_code"].astype(str), b["stage"], b["blank_fields"].astype(str), strict=True):
            site = sites.get(u, u)
            label = f"{names.get(u, '')}({u}{'，含 ' + site if ';' in site else ''}) {STAGE_ZH.get(st, st)}"
            for f in fs.split(";"):
                by_field.setdefault(f, {})[label] = None
        txt = "；".join(f"{_field_zh(f)}：{'、'.join(list(ls)[:20])}{f' 等共 {len(ls)} 个' if len(ls) > 20 else ''}"
                       for f, ls in by_field.items())
        if as_zero:
            notes.append(f"空白单元格按 0 计算（missing_values = \"zero\"），请核实 / blank cells counted as 0: {txt}")
        else:
            notes.append(f"空白单元格不按 0 计算，相关指标值未知、不作认定（如确为 0 请填写 0）/ blank cells are not 0: {txt}")
    nr = values[values["no_school_year"].fillna(False).astype(bool)]
    if len(nr):
        sy = tables.school_year
        have = set(sy.loc[sy["year"] == year, "school_code"].astype(str))
        codes = [c for u in dict.fromkeys(nr["unit_code"].astype(str)) for c in sites.get(u, u).split(";")
                 if c not in have]
        sch = tables.school.drop_duplicates("code").set_index("code")["name"]
        frame = pd.DataFrame({"school_code": codes, "name": [sch.get(c, "") for c in codes]})
        notes.append("以下学校没有本学年学校年度数据（school_year），共享资源（校舍、场地、设备、图书等）未知，"
                     f"相关指标和差异系数不作认定 / schools without a school_year row: {names_list(frame)}")
    return notes


def preschool_share_notes(pack: Pack, tables: YearTables, *, year: int, base: _Resources) -> list[str]:
    """学前班/附设幼儿班 share of shared resources: the verdicts under the pack weight and the alternative.

    ``split_weights.preschool`` (default 0 [U], the national weights name no
    pre-school weight) decides how much of a primary school's rooms and
    equipment its pre-school classes take; ``preschool_weight_alternative``
    (default 1.0: a pre-school pupil counts like a primary pupil [U]) is the
    other reading.  When schools of the assessment have pre-school pupils the
    resources are assessed again under the alternative and any school verdict,
    CV or part verdict that changes is named.
    """
    alt = pack.parameters.get("preschool_weight_alternative")
    cur = float(pack.parameters["split_weights"].get("preschool", 0.0))
    if alt is None or base.units.empty:
        return []
    sec = tables.section_year
    sec = sec[(sec["year"] == year) & (sec["stage"] == "preschool")]
    sec = sec[pd.to_numeric(sec["students"], errors="coerce").fillna(0) > 0]
    codes = set(sec["school_code"].astype(str))
    sites = {c for s in base.units["sites"].astype(str) for c in s.split(";")}
    shared = sorted(codes & sites)
    if not shared or float(alt) == cur:
        return []
    alt_pack = pack.with_parameters(split_weights={**pack.parameters["split_weights"], "preschool": float(alt)})
    other = resources(alt_pack, tables, year=year)
    ind_parts = [p for p in pack.parts if p.code in {i.part for i in pack.indicators}]
    pv_a = part_verdicts(pack, base.units, base.cvs, base.composite, [], [], parts=ind_parts)
    pv_b = part_verdicts(alt_pack, other.units, other.cvs, other.composite, [], [], parts=ind_parts)
    head = (f"{len(shared)} 所参评学校有学前班/附设幼儿班在园幼儿；其分担共享资源的权重 split_weights.preschool 取 {cur:g}"
            f"（默认，[U]），另一口径取 {float(alt):g}（学前幼儿按小学生计）")
    a = base.units.set_index(["unit_code", "stage"])["school_verdict"]
    b = other.units.set_index(["unit_code", "stage"])["school_verdict"].reindex(a.index)
    changed = a[a != b]
    cv_a = {(c.stage, c.indicator): c.passed for c in base.cvs}
    cv_changed = [c for c in other.cvs if cv_a.get((c.stage, c.indicator)) != c.passed]
    verdicts = [(x.name, x.verdict, y.verdict) for x, y in zip(pv_a, pv_b, strict=True)]
    if changed.empty and not cv_changed and all(v == w for _, v, w in verdicts):
        return [f"{head}：两种口径的学校结论、差异系数结论相同 / the pre-school share does not change any verdict"]
    parts_txt = "；".join(f"{n}：取 {cur:g} 时{VERDICT_ZH[v]}，取 {float(alt):g} 时{VERDICT_ZH[w]}" for n, v, w in verdicts)
    sch = "、".join(f"{_unit_names(base.units).get(str(u), '')}({u}) {STAGE_ZH.get(st, st)} {VERDICT_ZH.get(str(a[(u, st)]), '')}→"
                   f"{VERDICT_ZH.get(str(b[(u, st)]), '未评价')}" for u, st in changed.index)
    cvs_txt = "、".join(f"{STAGE_ZH[c.stage]}“{c.name}” {c.cv:.3f}" for c in cv_changed)
    return [f"{head}，结论不同 / the verdict depends on the pre-school share: {parts_txt}"
            + (f"；{len(changed)} 个学段单位结论改变：{sch}" if len(changed) else "")
            + (f"；差异系数结论改变：{cvs_txt}" if cv_changed else "")]


# --------------------------------------------------------------------------- indicators
def _params_ns(pack: Pack) -> dict[str, float]:
    return {k: float(v) for k, v in pack.parameters.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def _with_variables(pack: Pack, ns: dict[str, Any], stage: str) -> dict[str, Any]:
    ns = dict(ns)
    for name, by_stage in pack.variables.items():
        expr = by_stage.get(stage)
        if expr is not None:
            ns[name] = expr.evaluate(ns)
    return ns


def field_names(pack: Pack, expr: Expression | None, stage: str) -> set[str]:
    """The registry fields an expression reads, through the pack's variables (not parameters)."""
    if expr is None:
        return set()
    out: set[str] = set()
    todo = list(expr.names)
    seen: set[str] = set()
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        var = pack.variables.get(n)
        if var is not None and var.get(stage) is not None:
            todo += list(var.get(stage).names)
        elif n in FIELD_NAMES and n not in pack.parameters:
            out.add(n)
    return out


def _ev(space: Mapping[str, Any], e: Expression, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(e.evaluate(space), dtype=float), (n,)).copy()


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    same: np.ndarray = np.equal(a, b) | (np.isnan(a) & np.isnan(b))
    return same


def evaluate_indicators(pack: Pack, units: pd.DataFrame) -> pd.DataFrame:
    """One row per unit and indicator: numerator, denominator, value, threshold, pass, gaps (§1.1).

    ``gap`` is what the numerator lacks to reach the threshold,
    ``threshold × denominator / factor − numerator`` (≥ 0), rounded up to whole
    units for teachers and rooms (``gap_integer``); ``gap_floor`` the same to the
    ``floor`` (85 %) of the school rule.

    Blank cells (missing is not zero): a blank count or area that changes the
    numerator or denominator — found by evaluating the expression with the blank
    as 0 and as 1, so ``0 × indoor_sports_area`` does not count — is listed in
    ``blank_fields``.  With ``missing_values = "missing"`` (default) such a value
    is NaN and its pass unknown; with ``"zero"`` the blank counts as 0 (and is
    still listed).  Shared resources of a school without a ``school_year`` row
    are never read as 0: they stay NaN and are flagged by ``no_school_year``.
    """
    floor = pack.school_rule.floor if pack.school_rule else float("nan")
    as_zero = str(pack.parameters.get("missing_values", "missing")) == "zero"
    shared = set(pack.parameters.get("shared_resources", ()))
    frames = []
    for stage in pack.stages:
        sub = units[units["stage"] == stage]
        if sub.empty:
            continue
        n = len(sub)
        no_row = (sub["no_school_year"].fillna(False).to_numpy(dtype=bool) if "no_school_year" in sub.columns
                  else np.zeros(n, dtype=bool))
        raw: dict[str, np.ndarray] = {c: sub[c].to_numpy(dtype=float) for c in sub.columns
                                      if pd.api.types.is_numeric_dtype(sub[c]) and not pd.api.types.is_bool_dtype(sub[c])}
        blank: dict[str, np.ndarray] = {}
        ns0: dict[str, Any] = dict(_params_ns(pack))
        for c, col in raw.items():
            b = np.isnan(col) & ~(no_row if c in shared else np.zeros(n, dtype=bool))
            if b.any():
                blank[c] = b
            ns0[c] = np.where(b, 0.0, col)
        ns = _with_variables(pack, ns0, stage)
        for ind in pack.indicators:
            num_e, den_e = ind.numerator.get(stage), ind.denominator.get(stage)
            if num_e is None or den_e is None:
                continue

            num, den = _ev(ns, num_e, n), _ev(ns, den_e, n)
            blanks = np.full(n, "", dtype=object)
            fed = np.zeros(n, dtype=bool)
            for f in sorted((field_names(pack, num_e, stage) | field_names(pack, den_e, stage)) & set(blank)):
                ns1 = _with_variables(pack, {**ns0, f: np.where(blank[f], 1.0, ns0[f])}, stage)
                hit = blank[f] & ~(_same(_ev(ns1, num_e, n), num) & _same(_ev(ns1, den_e, n), den))
                if hit.any():
                    fed |= hit
                    blanks = np.where(hit, np.where(blanks == "", f, blanks + ";" + f), blanks)
            if not as_zero:
                num, den = np.where(fed, np.nan, num), np.where(fed, np.nan, den)
            with np.errstate(divide="ignore", invalid="ignore"):
                value = np.where(den > 0, ind.factor * num / den, np.nan)
            thr = ind.threshold.get(stage)
            t = float(thr) if thr is not None else np.nan
            passed = np.where(np.isnan(value) | np.isnan(t), np.nan, (value >= t - EPS * abs(t)).astype(float))
            need = t * den / ind.factor
            gap = np.maximum(need - num, 0.0)
            gap_f = np.maximum(floor * need - num, 0.0)
            if ind.gap_integer:
                gap, gap_f = np.ceil(gap - EPS) + 0.0, np.ceil(gap_f - EPS) + 0.0
            frames.append(pd.DataFrame({
                "unit_code": sub["unit_code"].to_numpy(), "stage": stage, "indicator": ind.code,
                "numerator": num, "denominator": den, "value": value, "threshold": t, "floor": floor * t,
                "ratio": value / t if thr is not None else np.nan, "passed": passed, "gap": gap, "gap_floor": gap_f,
                "blank_fields": blanks.astype(str), "no_school_year": no_row,
            }))
    if not frames:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["passed"] = out["passed"].map({1.0: True, 0.0: False}).astype("boolean")
    return out


def school_verdicts(pack: Pack, units: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """Add ``n_indicators``, ``n_pass``, ``school_verdict`` and ``pass_rule`` to ``units`` (§1.1).

    A unit passes when every indicator is met, or when at least ``min_pass`` are
    met and every other one is ≥ ``floor`` × threshold (优质均衡: 6 of 7, 85 %).
    ``pass_rule`` says which: ``all``, ``min_pass_floor`` or ``none``.
    """
    units = units.copy()
    v = values[values["threshold"].notna()]
    if v.empty or pack.school_rule is None:
        units["n_indicators"] = 0
        units["n_pass"] = 0
        units["school_verdict"] = PASS if pack.school_rule is None else INCOMPLETE
        units["pass_rule"] = ""
        return units
    rule = pack.school_rule
    known = v["passed"].notna()
    passed = v["passed"].fillna(False).astype(bool)
    above_floor = passed | (v["ratio"] >= rule.floor - EPS)
    g = pd.DataFrame({"unit_code": v["unit_code"], "stage": v["stage"], "n": 1, "known": known.astype(int),
                      "pass": passed.astype(int), "below_floor": (known & ~above_floor).astype(int)})
    agg = g.groupby(["unit_code", "stage"]).sum()
    n_fail_known = agg["known"] - agg["pass"]
    all_ok = (agg["pass"] == agg["n"])
    rule_ok = (agg["known"] == agg["n"]) & (agg["pass"] >= rule.min_pass) & (agg["below_floor"] == 0)
    decided_fail = (n_fail_known > agg["n"] - rule.min_pass) | (agg["below_floor"] > 0)
    verdict = np.where(all_ok | rule_ok, PASS, np.where(decided_fail, FAIL, INCOMPLETE))
    how = np.where(all_ok, "all", np.where(rule_ok, "min_pass_floor", "none"))
    res = pd.DataFrame({"n_indicators": agg["n"], "n_pass": agg["pass"], "school_verdict": verdict,
                        "pass_rule": how}, index=agg.index)
    return units.join(res, on=["unit_code", "stage"])


def add_must_fix(pack: Pack, values: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """``must_fix_gap``: the least the unit must add, indicator by indicator, to pass the school rule.

    For a failing unit the ``n − min_pass`` failing indicators with the largest
    relative shortfall only need to reach the floor (85 %); the others must reach
    the threshold.  Passing units need nothing.
    """
    values = values.copy()
    if values.empty:
        values["must_fix_gap"] = pd.Series(dtype=float)
        return values
    if pack.school_rule is None:
        values["must_fix_gap"] = values["gap"]
        return values
    verdict = values.join(units.set_index(["unit_code", "stage"])[["school_verdict", "n_indicators"]],
                          on=["unit_code", "stage"])
    failing = ~values["passed"].fillna(False).astype(bool) & values["threshold"].notna()
    shortfall = (1.0 - values["ratio"]).where(failing, -np.inf)
    rank = shortfall.groupby([values["unit_code"], values["stage"]]).rank(ascending=False, method="first")
    allowed = verdict["n_indicators"].fillna(0) - pack.school_rule.min_pass
    exception = failing & (rank <= allowed)
    fix = np.where(exception, values["gap_floor"], values["gap"])
    values["must_fix_gap"] = np.where(verdict["school_verdict"].eq(PASS), 0.0, fix)
    return values


# --------------------------------------------------------------------------- CVs
def _unit_names(units: pd.DataFrame) -> dict[str, str]:
    if units.empty or "name" not in units.columns:
        return {}
    u = units.drop_duplicates("unit_code")
    return {str(c): (n if isinstance(n, str) else "") for c, n in zip(u["unit_code"], u["name"], strict=True)}


def _labels(units: pd.DataFrame, codes: Iterable[str], *, limit: int = 20) -> str:
    """``"甲小学(1000000001)、…"`` for unit codes, at most ``limit`` named."""
    names = _unit_names(units)
    items = [f"{names.get(c, '')}({c})" for c in dict.fromkeys(str(c) for c in codes)]
    return "、".join(items[:limit]) + (f" 等共 {len(items)} 所" if len(items) > limit else "")


def _cv_note(cv: float, n_units: int, n_missing: int, r: np.ndarray, p: np.ndarray, missing_txt: str) -> str:
    if n_missing:
        return f"缺 {n_missing} 所学校的数据，差异系数只能按其余学校计算，不作认定：{missing_txt}"
    if math.isnan(cv):
        if not np.nansum(p) > 0:
            return "无在校生，差异系数无定义"
        if np.nansum(r) == 0:
            return "全县各校该项均为 0，均值为 0，差异系数（标准差 / 均值）无定义"
        return "差异系数无法计算"
    if n_units == 1:
        return "只有 1 所学校（参评单位），没有校际差异，差异系数按定义为 0"
    return ""


def county_cvs(pack: Pack, units: pd.DataFrame, values: pd.DataFrame) -> tuple[list[CvResult], pd.DataFrame]:
    """CV per stage and indicator from each unit's raw numerator and enrolment (§2.1), with companions.

    A unit with students whose value is unknown (a blank cell, no ``school_year``
    row) makes the CV incomplete: it is computed over the other units for
    information, ``n_missing`` counts the others and ``passed`` is None.  ``note``
    says why a CV is undefined (e.g. every school 0 computers: mean 0, CV = S/0),
    incomplete or trivially 0 (one unit).
    """
    out: list[CvResult] = []
    terms: list[pd.DataFrame] = []
    if values.empty:
        return out, pd.DataFrame(columns=TERM_COLUMNS)
    area = units.set_index(["unit_code", "stage"])["area"]
    for (stage, code), g in values.groupby(["stage", "indicator"], sort=False):
        ind = pack.indicator(str(code))
        r, p = g["numerator"].to_numpy(float), g["denominator"].to_numpy(float)
        t = equity.cv_terms(r, p, factor=ind.factor)
        groups = area.reindex(list(zip(g["unit_code"], g["stage"], strict=True))).fillna("unknown").to_numpy()
        th = equity.theil(r, p, groups)
        limit = ind.cv_limit.get(str(stage))
        valid = np.isfinite(r) & (p > 0)
        miss = g[~valid]
        n_missing = len(miss)
        names = _unit_names(units) if n_missing else {}
        detail = [f"{names.get(str(row['unit_code']), '')}({row['unit_code']})（{_why_missing(row)}）"
                  for row in miss.to_dict("records")]
        missing_txt = "、".join(detail[:20]) + (f" 等共 {n_missing} 所" if n_missing > 20 else "")
        ok = (None if limit is None or math.isnan(t.cv) or n_missing else bool(t.cv <= float(limit) + 1e-12))
        n_units = int(valid.sum())
        out.append(CvResult(
            stage=str(stage), indicator=ind.code, name=ind.name, cv=t.cv, limit=None if limit is None else float(limit),
            passed=ok, mean=t.mean, n_units=n_units, students=float(p[valid].sum()),
            gini=equity.gini(r, p), theil=th.total, theil_between=th.between, theil_within=th.within,
            max_min_ratio=equity.max_min_ratio(r, p), n_missing=n_missing,
            note=_cv_note(t.cv, n_units, n_missing, r, p, missing_txt),
        ))
        terms.append(pd.DataFrame({
            "unit_code": g["unit_code"].to_numpy(), "stage": stage, "indicator": ind.code, "students": p,
            "value": t.value, "weight": t.weight, "variance_share": t.variance_share, "cv_without": t.cv_without,
        }))
    order = {i.code: k for k, i in enumerate(pack.indicators)}
    out.sort(key=lambda c: (pack.stages.index(c.stage), order[c.indicator]))
    return out, pd.concat(terms, ignore_index=True)


def _why_missing(row: Mapping[str, Any]) -> str:
    parts = []
    if row.get("no_school_year"):
        parts.append("无学校年度数据 school_year")
    fields = [f for f in str(row.get("blank_fields") or "").split(";") if f]
    if fields:
        parts.append("空白：" + "、".join(_field_zh(f) for f in fields))
    return "；".join(parts) or "数据缺失"


def _field_zh(key: str) -> str:
    for spec in (F.SECTION_YEARS, F.SCHOOL_YEARS):
        if key in spec.keys:
            return f"{spec.field(key).zh} {key}"
    return key


def cv_counts(pack: Pack, c: CvResult) -> bool:
    """Whether a single CV enters the verdict: its own limit (优质均衡 §1.1) or the composite mean (基本均衡 §2.2)."""
    return c.limit is not None or (pack.cv_rule is not None and pack.cv_rule.mode == "mean")


def composite_cvs(pack: Pack, cvs: list[CvResult]) -> list[CompositeCv]:
    """基本均衡 综合差异系数 = arithmetic mean of the single CVs per stage (§2.2); only for ``mode = "mean"``.

    The mean is taken over the CVs that are defined and complete; when any of the
    stage's indicators is missing, undefined or incomplete the composite is shown
    over the others but ``passed`` is None (a mean of 7 is not the 2012 mean of 8).
    """
    if pack.cv_rule is None or pack.cv_rule.mode != "mean":
        return []
    out = []
    for stage in pack.stages:
        stage_cvs = [c for c in cvs if c.stage == stage]
        if not stage_cvs:
            continue
        good = [c for c in stage_cvs if not math.isnan(c.cv) and not c.n_missing]
        expected = [i for i in pack.indicators if i.numerator.get(stage) is not None]
        bad = [c for c in stage_cvs if c not in good]
        mean = float(np.mean([c.cv for c in good])) if good else float("nan")
        limit = pack.cv_rule.limit.get(stage)
        complete = len(good) == len(expected)
        note = "" if complete else (f"{len(expected)} 项单项差异系数中只有 {len(good)} 项可用，综合差异系数不作认定："
                                    + "；".join(f"“{c.name}”{c.note}" for c in bad))
        out.append(CompositeCv(stage, mean, None if limit is None else float(limit),
                               None if limit is None or not complete else bool(mean <= float(limit) + 1e-12),
                               len(good), note))
    return out


# --------------------------------------------------------------------------- plan targets
AREA_ZH = {"urban": "城区", "town": "镇区", "rural": "乡村"}


def _org_prefix(code: str) -> str:
    code = code.ljust(12, "0")
    for n in (2, 4, 6, 9, 12):
        if set(code[n:]) <= {"0"}:
            return code[:n]
    return code


def _filter_units(units: pd.DataFrame, flt: Mapping[str, Any], stages: tuple[str, ...], org: str) -> pd.DataFrame:
    """The units (or sections) of ``stages`` and ``org`` that pass ``flt``.

    ``inclusive = true`` keeps 普惠性资源: 公办 units and 普惠性民办园 (standards.md §3,
    普惠性幼儿园覆盖率 = (公办园 + 普惠性民办园) 在园幼儿 / 全部在园幼儿); ``false`` keeps the rest.
    """
    u = units
    if stages:
        u = u[u["stage"].isin(stages)]
    for key in ("stages", "area", "school_type", "ownership"):
        if key in flt:
            u = u[u["stage" if key == "stages" else key].isin(list(flt[key]))]
    if flt.get("inclusive") is not None:
        inc = u["ownership"].eq("public") | u["inclusive"].astype("boolean").fillna(False).astype(bool)
        u = u[inc] if flt["inclusive"] else u[~inc]
    if org:
        u = u[u["township_code"].astype(str).str.startswith(_org_prefix(org))]
    return u


def _space(u: pd.DataFrame) -> dict[str, np.ndarray]:
    return {c: u[c].to_numpy(dtype=float) for c in u.columns
            if pd.api.types.is_numeric_dtype(u[c]) and not pd.api.types.is_bool_dtype(u[c])}


def _values(e: Expression | None, u: pd.DataFrame) -> np.ndarray:
    """``e`` evaluated on every row of ``u`` (NaN where a cell it reads is blank)."""
    if e is None or u.empty:
        return np.full(len(u), np.nan)
    return np.asarray(np.broadcast_to(e.evaluate(_space(u)), (len(u),)), dtype=float)


def _rate(t: Target, u: pd.DataFrame) -> tuple[float, float]:
    if u.empty or t.numerator is None or t.denominator is None:
        return float("nan"), float("nan")
    return float(np.nansum(_values(t.numerator, u))), float(np.nansum(_values(t.denominator, u)))


def _compare(actual: float, op: str, target: float) -> bool:
    return {">=": actual >= target - 1e-12, "<=": actual <= target + 1e-12, ">": actual > target,
            "<": actual < target, "==": abs(actual - target) <= 1e-12}[op]


def _compare_array(v: np.ndarray, op: str, x: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        out = {">=": v >= x - 1e-12, "<=": v <= x + 1e-12, ">": v > x, "<": v < x, "==": np.abs(v - x) <= 1e-12}[op]
    return np.asarray(out, dtype=bool)


def _blank_note(u: pd.DataFrame, mask: np.ndarray, what: str) -> str:
    """``"空白单元格不按 0 计 / blank cells (what): 甲小学(…) 小学、…"`` for the rows of ``u`` under ``mask``."""
    b = u[mask]
    names = [f"{n if isinstance(n, str) else ''}({c}) {STAGE_ZH.get(st, st)}"
             for c, n, st in zip(b["school_code" if "school_code" in b else "unit_code"], b["name"], b["stage"],
                                 strict=True)]
    more = f" 等共 {len(names)} 个" if len(names) > 20 else ""
    return f"空白单元格不按 0 计 / blank cells ({what})：" + "、".join(names[:20]) + more


@dataclass(frozen=True)
class _Actual:
    """A target's actual value (NaN: unknown) with its numerator, denominator and why.

    When blank cells leave a range, ``low``–``high`` bound the actual and the status is
    decided only if both ends agree (blank ≠ zero).
    """

    value: float
    numerator: float | None = None
    denominator: float | None = None
    note: str = ""
    low: float | None = None
    high: float | None = None


_UNKNOWN = float("nan")


def _actual_rate(t: Target, units: pd.DataFrame, org: str) -> _Actual:
    """``rate`` = factor × Σ numerator / Σ denominator over the units of ``filter``.

    With ``numerator_filter`` the numerator sums only the units of the filter that also pass it
    (a share: 公办园在园幼儿 / 全部在园幼儿).  A unit whose numerator or denominator reads a blank
    cell makes the rate unknown and is named (blank ≠ zero).
    """
    u = _filter_units(units, t.filter, t.stages, org)
    nu = _filter_units(u, t.numerator_filter, (), "") if t.numerator_filter else u
    n = _rate(t, nu)[0] if len(nu) else 0.0
    _, d = _rate(t, u)
    if u.empty or not d:
        return _Actual(_UNKNOWN, None if u.empty else n, None if u.empty else d, "没有可计算的单位（分母为 0）")
    blank = np.isnan(_values(t.denominator, u)) | (u.index.isin(nu.index) & np.isnan(
        _values(t.numerator, u)))
    if blank.any():
        return _Actual(_UNKNOWN, n, d, _blank_note(u, blank, "分子或分母"))
    return _Actual(t.factor * n / d, n, d)


def _filter_zh(flt: Mapping[str, Any]) -> str:
    return "、".join(AREA_ZH.get(a, a) for a in flt.get("area", ())) or "其他单位"


def _actual_ratio(t: Target, units: pd.DataFrame, org: str) -> _Actual:
    """``ratio_of_rates`` = rate(numerator_filter) / rate(denominator_filter), e.g. 城市 / 农村 本科比例 (莱芜 ≤ 1.05).

    A county without a unit in group A (no 城区 school) falls back on ``numerator_fallback``
    (城镇 = 城区 + 镇区, as the teacher planner's ``bachelor_basis``) and says so; without a
    fallback the ratio is unknown.
    """
    ua = _filter_units(units, t.numerator_filter, t.stages, org)
    note = ""
    if (ua.empty or not _rate(t, ua)[1]) and t.numerator_fallback:
        ua = _filter_units(units, t.numerator_fallback, t.stages, org)
        note = (f"本县没有{_filter_zh(t.numerator_filter)}学校，分子组按{_filter_zh(t.numerator_fallback)}计 / "
                "no unit in the numerator group: its stated fallback grouping is used")
    ub = _filter_units(units, t.denominator_filter, t.stages, org)
    na, da = _rate(t, ua)
    nb, db = _rate(t, ub)
    ra = na / da if da else float("nan")
    rb = nb / db if db else float("nan")
    actual = t.factor * ra / rb if rb and not math.isnan(rb) else float("nan")
    return _Actual(actual, ra, rb, note)


def _actual_cohort(t: Target, tables: YearTables | None, org: str, year: int) -> _Actual:
    """``cohort_retention`` (巩固率) = Σ numerator this year / Σ denominator ``years_back`` school years before.

    standards.md §4.8: "九年义务教育巩固率 = 初中毕业班学生数 / 该年级入小学一年级时学生数 × 100% [P].
    This is the MOE 统计公报 convention"; the same cohort definition gives 小学巩固率 (六年级 ÷
    一年级 five years before) and 初中三年巩固率 (初三 ÷ 初一 two years before, 优质均衡 §1.3).
    The numerator reads the sections of ``filter`` ∧ ``numerator_filter`` this year, the
    denominator those of ``filter`` ∧ ``denominator_filter`` in the entry year, all schools
    public and private.  Transfers are not adjusted (the national adjustment rule was not
    found, §4.8 [U]).  A blank entry-year cell makes the rate unknown; a blank final-grade
    cell leaves a lower bound.
    """
    entry = year - t.years_back
    den_text = t.denominator.text if t.denominator else ""
    if tables is None:
        return _Actual(_UNKNOWN, note="没有分年级在校生数据 / no grade enrolment data")

    def sections(y: int, flt: Mapping[str, Any]) -> pd.DataFrame:
        s = _filter_units(section_frame(tables, year=y, missing_values="missing"), t.filter, t.stages, org)
        return _filter_units(s, flt, (), "")

    now, then = sections(year, t.numerator_filter), sections(entry, t.denominator_filter)
    nv, dv = _values(t.numerator, now), _values(t.denominator, then)
    if then.empty or np.isnan(dv).all() or not np.nansum(dv):
        return _Actual(_UNKNOWN, note=f"缺少 {entry} 学年入学年级在校生数（{den_text}），无法计算巩固率 / "
                                      f"the entry-year grade count of {entry} is needed")
    if now.empty or np.isnan(nv).all():
        return _Actual(_UNKNOWN, note=f"缺少 {year} 学年毕业年级在校生数（{t.numerator.text if t.numerator else ''}）")
    n, d = float(np.nansum(nv)), float(np.nansum(dv))
    value = t.factor * n / d
    note = f"{year}学年 {n:.0f} 人 / {entry}学年 {d:.0f} 人"
    b_then = np.isnan(dv) & ~(then["students"].to_numpy(dtype=float) == 0)
    if b_then.any():
        return _Actual(_UNKNOWN, n, d, note + "；" + _blank_note(then, b_then, f"{entry}学年 {den_text}"))
    b_now = np.isnan(nv) & ~(now["students"].to_numpy(dtype=float) == 0)
    if b_now.any():
        return _Actual(_UNKNOWN, n, d, note + "；" + _blank_note(now, b_now, f"{year}学年"), low=value,
                       high=float("inf"))
    return _Actual(value, n, d, note)


def _actual_gross(t: Target, units: pd.DataFrame, tables: YearTables | None, org: str, year: int) -> _Actual:
    """``gross_rate`` (毛入学率) = factor × Σ numerator / population aged ``ages`` (inclusive) in ``year``.

    standards.md §4.8 [C]: "毛入学率 = 某级教育在校生数 / 该级教育法定学龄人口数 × 100%. It can
    exceed 100%"; "学前三年毛入园率 = 在园幼儿数 / 3–5 周岁人口数 × 100%".  The population is
    the ``population`` table (村代码、年份、周岁、人数); an ``area`` filter keeps the villages of
    that 城乡类别 (org_unit ``ur_code``) and the schools of that area.  Without population data
    the rate is unknown and the note names the data needed — never a number.
    """
    lo, hi = (*t.ages, 0, 0)[:2]
    need = f"{year} 年 {lo}—{hi} 周岁人口数（人口表 population：村代码、年份、周岁、人数）"
    if tables is None or tables.population.empty:
        return _Actual(_UNKNOWN, note=f"缺少{need}，无法计算毛入学率 / population by age is needed")
    pop = tables.population
    p = pop[(pd.to_numeric(pop["year"], errors="coerce") == year) & pd.to_numeric(pop["age"], errors="coerce").between(lo, hi)]
    if org:
        p = p[p["village_code"].astype(str).str.startswith(_org_prefix(org))]
    if "area" in t.filter:
        org_u = tables.org_unit.drop_duplicates("code").set_index("code")
        area = p["village_code"].astype(str).map(pd.to_numeric(org_u["ur_code"], errors="coerce")).map(UR_TO_AREA)
        if area.isna().any():
            return _Actual(_UNKNOWN, note=f"人口表中 {p.loc[area.isna(), 'village_code'].nunique()} 个村缺少城乡分类代码"
                                          "（org_unit ur_code），无法按城乡分组 / villages without an urban–rural code")
        p = p[area.isin(list(t.filter["area"]))]
    d = float(pd.to_numeric(p["population"], errors="coerce").sum())
    if not d:
        return _Actual(_UNKNOWN, note=f"缺少{need}，无法计算毛入学率 / population by age is needed")
    u = _filter_units(units, t.filter, t.stages, org)
    if u.empty:
        return _Actual(_UNKNOWN, None, d, "没有相应学段的在校生数据 / no enrolment of the stage")
    nv = _values(t.numerator, u)
    n = float(np.nansum(nv))
    if np.isnan(nv).any():
        return _Actual(_UNKNOWN, n, d, _blank_note(u, np.isnan(nv), "在校生"))
    return _Actual(t.factor * n / d, n, d, f"在校生 {n:.0f} 人 / {lo}—{hi} 周岁人口 {d:.0f} 人")


def _school_frame(t: Target, units: pd.DataFrame, tables: YearTables | None, org: str, year: int) -> pd.DataFrame:
    """One row per school (unit of analysis) of ``filter`` with pupils this year.

    Section fields are summed over the school's filtered stages; the school-year fields the
    condition reads (``broadband_mbps`` …) are the school's whole value, not split; ``schools`` = 1.
    """
    u = _filter_units(units, t.filter, t.stages, org)
    u = u[~(u["students"].astype(float) == 0)]
    cols = [c for c in _space(u) if c in SECTION_FIELDS]
    g = u.groupby("unit_code")
    out = g[cols].sum(min_count=1)
    if "max_class_size" in cols:
        out["max_class_size"] = g["max_class_size"].max()
    out["name"] = g["name"].first()
    out["township_code"] = g["township_code"].first().astype(str)
    names = t.condition.expr.names if t.condition is not None else frozenset()
    if tables is not None:
        sy = tables.school_year
        sy = sy[sy["year"] == year].drop_duplicates("school_code").set_index("school_code")
        for c in sorted(names & set(F.SCHOOL_YEARS.keys) - {"year", "school_code"}):
            out[c] = pd.to_numeric(out.index.to_series().map(sy[c]), errors="coerce").astype(float)
    out["schools"] = 1.0
    return out


def _township_frame(schools: pd.DataFrame, tables: YearTables | None, org: str) -> pd.DataFrame | None:
    """One row per 乡镇 (org_unit level township, 街道 left out as in the item rule): its schools' sums, 0 if none."""
    if tables is None:
        return None
    o = tables.org_unit
    towns = o[(o["level"] == "township") & ~o["name"].fillna("").astype(str).str.endswith("街道")]
    towns = towns.drop_duplicates("code")
    if org:
        towns = towns[towns["code"].astype(str).str.startswith(_org_prefix(org))]
    if towns.empty:
        return None
    cols = [c for c in _space(schools)]
    sums = schools.groupby("township_code")[cols].sum() if len(schools) else pd.DataFrame(columns=cols)
    out = sums.reindex(towns["code"].astype(str)).fillna(0.0)
    out["name"] = towns["name"].to_numpy()
    return out


def _actual_count(t: Target, units: pd.DataFrame, tables: YearTables | None, org: str, year: int, *,
                  share: bool, params: Mapping[str, Any]) -> _Actual:
    """``count`` = number of schools (or townships) of ``filter`` meeting ``condition``; ``share`` = that ÷ all of them.

    Counts are computed from the registry by year: a school counts when it has a section of
    the filtered stages with pupils this year (a merged school has none).  ``condition`` is
    ``expr op value`` on the school's summed fields (``students < 600``: 学生规模不足600人);
    with ``count_of = "townships"`` on each township's sums, ``schools`` being the number of
    its schools (``schools < 1``: a township without a public kindergarten).  A school whose
    condition reads a blank cell is undetermined: the count lies in a range, decided only
    when both ends agree.
    """
    if units.empty:
        return _Actual(_UNKNOWN, note="本学年没有学校数据 / no school data this year")
    frame = _school_frame(t, units, tables, org, year)
    unit = "所"
    if t.count_of == "townships":
        towns = _township_frame(frame, tables, org)
        if towns is None:
            return _Actual(_UNKNOWN, note="缺少乡镇区划数据（org_unit 乡镇级）/ no township in org_unit")
        frame, unit = towns, "个乡镇"
    total = len(frame)
    if t.condition is None:
        hit, open_ = np.ones(total, dtype=bool), np.zeros(total, dtype=bool)
    else:
        space = {**_params_ns_map(params), **_space(frame)}
        v = np.asarray(np.broadcast_to(t.condition.expr.evaluate(space), (total,)), dtype=float) if total else np.zeros(0)
        open_ = np.isnan(v)
        hit = _compare_array(v, t.condition.op, t.condition.value) & ~open_
    k, u = float(hit.sum()), float(open_.sum())
    if share and not total:
        return _Actual(_UNKNOWN, 0.0, 0.0, "没有符合筛选条件的学校 / nothing to take a share of")
    note = f"符合条件 {k:.0f} / {total} {unit}" + (f"：{_frame_labels(frame, hit)}" if t.condition and k else "")
    if u:
        note += f"；{u:.0f} {unit}数据空白，无法判断 / blank cells：{_frame_labels(frame, open_)}"
    low, high = (k / total, (k + u) / total) if share else (k, k + u)
    return _Actual(low if not u else _UNKNOWN, k, float(total), note, low=low, high=high)


def _frame_labels(frame: pd.DataFrame, mask: np.ndarray) -> str:
    """``"甲中学(1000000006)、…"`` for the rows of a school or township frame under ``mask``, at most 20."""
    rows = frame[mask]
    items = [f"{n}({c})" for c, n in zip(rows.index[:20], rows["name"][:20], strict=True)]
    return "、".join(items) + (f" 等共 {len(rows)} 个" if len(rows) > 20 else "")


def _params_ns_map(params: Mapping[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in params.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def _actual(t: Target, units: pd.DataFrame, org: str, *, year: int, tables: YearTables | None,
            params: Mapping[str, Any], ev: Evidence | None) -> _Actual:
    if t.metric == "evidence":
        if ev is None:
            return _Actual(_UNKNOWN, note="未提供实际数值 / no value recorded")
        return _Actual(ev.value if ev.value is not None else _UNKNOWN)
    if t.metric == "rate":
        return _actual_rate(t, units, org)
    if t.metric == "ratio_of_rates":
        return _actual_ratio(t, units, org)
    if t.metric == "cohort_retention":
        return _actual_cohort(t, tables, org, year)
    if t.metric == "gross_rate":
        return _actual_gross(t, units, tables, org, year)
    return _actual_count(t, units, tables, org, year, share=t.metric == "share", params=params)


def target_value(tv: TargetValue, params: Mapping[str, Any]) -> float:
    """The value of a target: its own, or its ``parameter``'s once set (NaN while unset)."""
    if tv.parameter:
        v = params.get(tv.parameter)
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else float("nan")
    return float("nan") if tv.value is None else tv.value


def _status(ok: bool, this_year: bool) -> str:
    if ok:
        return "met" if this_year else "ahead"
    return "not_met" if this_year else "open"


def evaluate_target(t: Target, units: pd.DataFrame, *, year: int, evidence: Mapping[str, Evidence],
                    tables: YearTables | None = None, params: Mapping[str, Any] | None = None) -> list[TargetResult]:
    """Compare this year's actual with each target value of ``year`` or later.

    Metrics (``docs/dev/standards.md``): ``rate``, ``ratio_of_rates``, ``count``, ``share``,
    ``cohort_retention``, ``gross_rate`` computed from the registry (``tables`` for earlier
    years, the population and townships), ``evidence`` = the value recorded for the target
    code.  Status: ``met`` / ``not_met`` for this year's value; ``ahead`` / ``open`` for later
    years; ``unknown`` when the actual cannot be computed or the target value is not set yet
    (a plan's "xx %": its ``parameter`` is set through an override's ``[parameters]``).
    """
    params = params or {}
    out = []
    for tv in t.values:
        if tv.year < year:
            continue
        ev = evidence.get(t.code)
        act = _actual(t, units, tv.org, year=year, tables=tables, params=params, ev=ev)
        target = target_value(tv, params)
        notes = [t.note, act.note]
        actual = act.value
        if math.isnan(target):
            status = "unknown"
            notes.append(f"目标值待设定（原文未给数值），请设置参数 {tv.parameter} / target value to be set"
                         if tv.parameter else "目标值待设定 / target value to be set")
        elif act.low is not None and act.high is not None and not math.isnan(act.low):
            lo_ok, hi_ok = _compare(act.low, t.op, target), _compare(act.high, t.op, target)
            status = _status(lo_ok, tv.year == year) if lo_ok == hi_ok else "unknown"
            if lo_ok == hi_ok:
                actual = act.low
        elif math.isnan(actual):
            status = "unknown"
        else:
            status = _status(_compare(actual, t.op, target), tv.year == year)
        out.append(TargetResult(
            code=t.code, name=t.name, org=tv.org, year=tv.year, op=t.op, target=target,
            actual=None if math.isnan(actual) else actual, status=status, numerator=act.numerator,
            denominator=act.denominator, unit=t.unit, note="；".join(n for n in notes if n), source=t.source,
            evidence=ev, parameter=tv.parameter,
        ))
    return out


# --------------------------------------------------------------------------- verdicts
def _fmt(x: float, d: int = 3) -> str:
    return f"{x:.{d}f}"


def part_verdicts(pack: Pack, units: pd.DataFrame, cvs: list[CvResult], composite: list[CompositeCv],
                  items: list[ItemResult], targets: list[TargetResult], *, resource_open: Sequence[str] = (),
                  parts: Sequence[Part] | None = None) -> list[PartVerdict]:
    """Each part's verdict with its reasons (Chinese), from school results, CVs and items.

    No verdict without data: a resource part with no unit (no pupils, an empty
    registry) or a stage without units is ``incomplete``, never ``pass``; a CV
    that counts (its own limit, or the 基本均衡 mean) and is undefined or lacks
    units makes the part incomplete; so does a part in which nothing could be
    checked.  ``resource_open`` adds reasons found while building the units
    (e.g. schools without a section row).
    """
    out = []
    ind_parts = {i.part for i in pack.indicators}
    for part in (pack.parts if parts is None else parts):
        fails: list[str] = []
        open_: list[str] = []
        checked = False
        if part.code in ind_parts:
            if units.empty:
                open_.append("没有在校生的义务教育学段单位，无法评价（无数据不认定达标）")
            else:
                checked = True
                for stage in pack.stages:
                    su = units[units["stage"] == stage]
                    if su.empty:
                        open_.append(f"{STAGE_ZH[stage]}没有参评学校（无在校生），无法评价")
                        continue
                    if pack.school_rule is None:
                        continue
                    nf = int((su["school_verdict"] == FAIL).sum())
                    inc = su[su["school_verdict"] == INCOMPLETE]
                    if nf:
                        fails.append(f"{STAGE_ZH[stage]} {nf} / {len(su)} 所学校未达到“至少{pack.school_rule.min_pass}项达标、"
                                     f"其余不低于{pack.school_rule.floor:.0%}”的要求")
                    if len(inc):
                        open_.append(f"{STAGE_ZH[stage]} {len(inc)} 所学校数据不全：{_labels(units, inc['unit_code'])}")
            for c in cvs:
                if not cv_counts(pack, c):
                    continue
                if c.passed is False:
                    fails.append(f"{STAGE_ZH[c.stage]}“{c.name}”差异系数 {_fmt(c.cv)} 高于 {c.limit:.2f}")
                elif math.isnan(c.cv) or c.n_missing:
                    open_.append(f"{STAGE_ZH[c.stage]}“{c.name}”差异系数不作认定：{c.note or '无法计算'}")
            for cc in composite:
                if cc.passed is False:
                    fails.append(f"{STAGE_ZH[cc.stage]}综合差异系数 {_fmt(cc.cv)} 高于 {cc.limit:.2f}")
                elif cc.passed is None and cc.limit is not None:
                    open_.append(f"{STAGE_ZH[cc.stage]}综合差异系数不作认定：{cc.note}")
            open_ += list(resource_open)
        for it in items:
            if it.part != part.code:
                continue
            label = f"第{it.number}项" if it.number is not None else it.code
            if it.status == "not_met":
                fails.append(f"{label}“{it.name}”{'发生' if part.veto else '未达到'}")
            elif it.status == "unknown":
                computed = it.rule not in RECORDED_RULES and it.note and it.evidence is None
                open_.append(f"{label}“{it.name}”待认定" + (f"：{it.note}" if computed else ""))
            elif it.status == "met":
                checked = True
        if not fails and not open_ and not checked:
            open_.append("本部分没有可评价的数据或项目，不作认定")
        verdict = FAIL if fails else (INCOMPLETE if open_ else PASS)
        out.append(PartVerdict(part.code, part.name, verdict, tuple(fails + open_), part.veto))
    if pack.kind == "plan" and parts is None:
        fails = [f"“{t.name}”{t.year}年目标 {t.op} {t.target:g}，实际 {t.actual if t.actual is None else round(t.actual, 3)}"
                 for t in targets if t.status == "not_met"]
        open_ = [f"“{t.name}”{t.year}年实际值未知" for t in targets if t.status == "unknown" and t.year == max(
            (x.year for x in targets), default=t.year)]
        if not targets:
            open_.append("没有本年度可评价的目标 / no target of this year could be checked")
        out.append(PartVerdict("targets", "规划目标", FAIL if fails else (INCOMPLETE if open_ else PASS),
                               tuple(fails + open_)))
    return out


def overall(parts: list[PartVerdict]) -> tuple[str, tuple[str, ...]]:
    """The county verdict: fail if any part fails (a veto item that occurred fails the county), else
    incomplete while anything is undetermined, else pass."""
    reasons: list[str] = []
    for p in parts:
        if p.verdict != PASS:
            reasons += [f"{p.name}：{r}" for r in p.reasons]
    if any(p.verdict == FAIL for p in parts):
        return FAIL, tuple(reasons)
    if any(p.verdict == INCOMPLETE for p in parts):
        return INCOMPLETE, tuple(reasons)
    return PASS, ("各部分均达到要求",)
