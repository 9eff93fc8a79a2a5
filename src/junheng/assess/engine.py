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
from collections.abc import Iterable, Mapping
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
    Assessment,
    CompositeCv,
    CvResult,
    ItemResult,
    PartVerdict,
    TargetResult,
)
from junheng.assess.rules import DETAIL_COLUMNS, RuleContext, evaluate_item
from junheng.assess.units import build_units, section_frame
from junheng.domain.tables import YearTables
from junheng.standards.evidence import Evidence
from junheng.standards.loader import apply_override
from junheng.standards.model import Pack, Target, frozen_map

EPS = 1e-9
VALUE_COLUMNS = ["unit_code", "stage", "indicator", "numerator", "denominator", "value", "threshold", "floor",
                 "ratio", "passed", "gap", "gap_floor", "must_fix_gap"]
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
    units = pd.DataFrame()
    values = pd.DataFrame(columns=VALUE_COLUMNS)
    terms = pd.DataFrame(columns=TERM_COLUMNS)
    cvs: list[CvResult] = []
    composite: list[CompositeCv] = []
    if pack.indicators:
        units, unit_notes = build_units(tables, year=year, params=params, stages=pack.stages)
        notes += unit_notes
        empty = ~(units["students"] > 0)
        if empty.any():
            notes.append(f"无在校生的学段不参加计算 / sections without students left out: {int(empty.sum())}")
            units = units[~empty].reset_index(drop=True)
        values = evaluate_indicators(pack, units)
        units = school_verdicts(pack, units, values)
        values = add_must_fix(pack, values, units)
        cvs, terms = county_cvs(pack, units, values)
        composite = composite_cvs(pack, cvs)

    # ------------------------------------------------------------------ county items
    sections = section_frame(tables, year=year, missing_values=str(params.get("missing_values", "zero")))
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
            targets += evaluate_target(t, plan_units, year=year, evidence=evidence)

    parts = part_verdicts(pack, units, cvs, composite, items, targets)
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


# --------------------------------------------------------------------------- indicators
def _namespace(pack: Pack, frame: pd.DataFrame, stage: str) -> dict[str, Any]:
    ns: dict[str, Any] = {c: frame[c].to_numpy(dtype=float) for c in frame.columns
                          if pd.api.types.is_numeric_dtype(frame[c])}
    ns.update({k: float(v) for k, v in pack.parameters.items() if isinstance(v, int | float) and not isinstance(v, bool)})
    for name, by_stage in pack.variables.items():
        expr = by_stage.get(stage)
        if expr is not None:
            ns[name] = expr.evaluate(ns)
    return ns


def evaluate_indicators(pack: Pack, units: pd.DataFrame) -> pd.DataFrame:
    """One row per unit and indicator: numerator, denominator, value, threshold, pass, gaps (§1.1).

    ``gap`` is what the numerator lacks to reach the threshold,
    ``threshold × denominator / factor − numerator`` (≥ 0), rounded up to whole
    units for teachers and rooms (``gap_integer``); ``gap_floor`` the same to the
    ``floor`` (85 %) of the school rule.
    """
    floor = pack.school_rule.floor if pack.school_rule else float("nan")
    frames = []
    for stage in pack.stages:
        sub = units[units["stage"] == stage]
        if sub.empty:
            continue
        ns = _namespace(pack, sub, stage)
        for ind in pack.indicators:
            num_e, den_e = ind.numerator.get(stage), ind.denominator.get(stage)
            if num_e is None or den_e is None:
                continue
            num = np.broadcast_to(np.asarray(num_e.evaluate(ns), dtype=float), (len(sub),))
            den = np.broadcast_to(np.asarray(den_e.evaluate(ns), dtype=float), (len(sub),))
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
def county_cvs(pack: Pack, units: pd.DataFrame, values: pd.DataFrame) -> tuple[list[CvResult], pd.DataFrame]:
    """CV per stage and indicator from each unit's raw numerator and enrolment (§2.1), with companions."""
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
        ok = None if limit is None or math.isnan(t.cv) else bool(t.cv <= float(limit) + 1e-12)
        valid = np.isfinite(r) & (p > 0)
        out.append(CvResult(
            stage=str(stage), indicator=ind.code, name=ind.name, cv=t.cv, limit=None if limit is None else float(limit),
            passed=ok, mean=t.mean, n_units=int(valid.sum()), students=float(p[valid].sum()),
            gini=equity.gini(r, p), theil=th.total, theil_between=th.between, theil_within=th.within,
            max_min_ratio=equity.max_min_ratio(r, p),
        ))
        terms.append(pd.DataFrame({
            "unit_code": g["unit_code"].to_numpy(), "stage": stage, "indicator": ind.code, "students": p,
            "value": t.value, "weight": t.weight, "variance_share": t.variance_share, "cv_without": t.cv_without,
        }))
    order = {i.code: k for k, i in enumerate(pack.indicators)}
    out.sort(key=lambda c: (pack.stages.index(c.stage), order[c.indicator]))
    return out, pd.concat(terms, ignore_index=True)


def composite_cvs(pack: Pack, cvs: list[CvResult]) -> list[CompositeCv]:
    """基本均衡 综合差异系数 = arithmetic mean of the single CVs per stage (§2.2); only for ``mode = "mean"``."""
    if pack.cv_rule is None or pack.cv_rule.mode != "mean":
        return []
    out = []
    for stage in pack.stages:
        vals = [c.cv for c in cvs if c.stage == stage and not math.isnan(c.cv)]
        if not vals:
            continue
        mean = float(np.mean(vals))
        limit = pack.cv_rule.limit.get(stage)
        out.append(CompositeCv(stage, mean, None if limit is None else float(limit),
                               None if limit is None else bool(mean <= float(limit) + 1e-12), len(vals)))
    return out


# --------------------------------------------------------------------------- plan targets
def _org_prefix(code: str) -> str:
    code = code.ljust(12, "0")
    for n in (2, 4, 6, 9, 12):
        if set(code[n:]) <= {"0"}:
            return code[:n]
    return code


def _filter_units(units: pd.DataFrame, flt: Mapping[str, Any], stages: tuple[str, ...], org: str) -> pd.DataFrame:
    u = units
    if stages:
        u = u[u["stage"].isin(stages)]
    if "stages" in flt:
        u = u[u["stage"].isin(list(flt["stages"]))]
    if "area" in flt:
        u = u[u["area"].isin(list(flt["area"]))]
    if "school_type" in flt:
        u = u[u["school_type"].isin(list(flt["school_type"]))]
    if "ownership" in flt:
        u = u[u["ownership"].isin(list(flt["ownership"]))]
    if org:
        u = u[u["township_code"].astype(str).str.startswith(_org_prefix(org))]
    return u


def _rate(t: Target, u: pd.DataFrame) -> tuple[float, float]:
    if u.empty or t.numerator is None or t.denominator is None:
        return float("nan"), float("nan")
    ns = {c: u[c].to_numpy(dtype=float) for c in u.columns if pd.api.types.is_numeric_dtype(u[c])}
    n = float(np.nansum(np.broadcast_to(t.numerator.evaluate(ns), (len(u),))))
    d = float(np.nansum(np.broadcast_to(t.denominator.evaluate(ns), (len(u),))))
    return n, d


def _compare(actual: float, op: str, target: float) -> bool:
    return {">=": actual >= target - 1e-12, "<=": actual <= target + 1e-12, ">": actual > target,
            "<": actual < target, "==": abs(actual - target) <= 1e-12}[op]


def evaluate_target(t: Target, units: pd.DataFrame, *, year: int,
                    evidence: Mapping[str, Evidence]) -> list[TargetResult]:
    """Compare this year's actual with each target value of ``year`` or later.

    ``rate`` = factor × Σ numerator / Σ denominator over the filtered units;
    ``ratio_of_rates`` = rate(numerator_filter) / rate(denominator_filter);
    ``evidence`` = the value recorded for the target code.  Status: ``met`` /
    ``not_met`` for this year's value; ``ahead`` / ``open`` for later years.
    """
    out = []
    for tv in t.values:
        if tv.year < year:
            continue
        num = den = None
        ev = evidence.get(t.code)
        note = t.note
        if t.metric == "evidence":
            actual = ev.value if ev is not None and ev.value is not None else float("nan")
            if ev is None:
                note = (note + "；" if note else "") + "未提供实际数值 / no value recorded"
        elif t.metric == "rate":
            num, den = _rate(t, _filter_units(units, t.filter, t.stages, tv.org))
            actual = t.factor * num / den if den else float("nan")
        else:
            na, da = _rate(t, _filter_units(units, t.numerator_filter, t.stages, tv.org))
            nb, db = _rate(t, _filter_units(units, t.denominator_filter, t.stages, tv.org))
            ra = na / da if da else float("nan")
            rb = nb / db if db else float("nan")
            num, den = ra, rb
            actual = t.factor * ra / rb if rb and not math.isnan(rb) else float("nan")
        if math.isnan(actual):
            status = "unknown"
        elif _compare(actual, t.op, tv.value):
            status = "met" if tv.year == year else "ahead"
        else:
            status = "not_met" if tv.year == year else "open"
        out.append(TargetResult(
            code=t.code, name=t.name, org=tv.org, year=tv.year, op=t.op, target=tv.value,
            actual=None if math.isnan(actual) else actual, status=status, numerator=num, denominator=den,
            unit=t.unit, note=note, source=t.source, evidence=ev,
        ))
    return out


# --------------------------------------------------------------------------- verdicts
def _fmt(x: float, d: int = 3) -> str:
    return f"{x:.{d}f}"


def part_verdicts(pack: Pack, units: pd.DataFrame, cvs: list[CvResult], composite: list[CompositeCv],
                  items: list[ItemResult], targets: list[TargetResult]) -> list[PartVerdict]:
    """Each part's verdict with its reasons (Chinese), from school results, CVs and items."""
    out = []
    ind_parts = {i.part for i in pack.indicators}
    for part in pack.parts:
        fails: list[str] = []
        open_: list[str] = []
        if part.code in ind_parts and not units.empty:
            if pack.school_rule is not None:
                for stage in pack.stages:
                    su = units[units["stage"] == stage]
                    nf = int((su["school_verdict"] == FAIL).sum())
                    ni = int((su["school_verdict"] == INCOMPLETE).sum())
                    if nf:
                        fails.append(f"{STAGE_ZH[stage]} {nf} / {len(su)} 所学校未达到“至少{pack.school_rule.min_pass}项达标、"
                                     f"其余不低于{pack.school_rule.floor:.0%}”的要求")
                    if ni:
                        open_.append(f"{STAGE_ZH[stage]} {ni} 所学校数据不全")
            for c in cvs:
                if c.passed is False:
                    fails.append(f"{STAGE_ZH[c.stage]}“{c.name}”差异系数 {_fmt(c.cv)} 高于 {c.limit:.2f}")
                elif c.passed is None and c.limit is not None:
                    open_.append(f"{STAGE_ZH[c.stage]}“{c.name}”差异系数无法计算")
            for cc in composite:
                if cc.passed is False:
                    fails.append(f"{STAGE_ZH[cc.stage]}综合差异系数 {_fmt(cc.cv)} 高于 {cc.limit:.2f}")
        for it in items:
            if it.part != part.code:
                continue
            label = f"第{it.number}项" if it.number is not None else it.code
            if it.status == "not_met":
                fails.append(f"{label}“{it.name}”{'发生' if part.veto else '未达到'}")
            elif it.status == "unknown":
                open_.append(f"{label}“{it.name}”待认定")
        verdict = FAIL if fails else (INCOMPLETE if open_ else PASS)
        out.append(PartVerdict(part.code, part.name, verdict, tuple(fails + open_), part.veto))
    if pack.kind == "plan":
        fails = [f"“{t.name}”{t.year}年目标 {t.op} {t.target:g}，实际 {t.actual if t.actual is None else round(t.actual, 3)}"
                 for t in targets if t.status == "not_met"]
        open_ = [f"“{t.name}”{t.year}年实际值未知" for t in targets if t.status == "unknown" and t.year == max(
            (x.year for x in targets), default=t.year)]
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
