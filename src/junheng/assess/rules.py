"""County-level items computed from the registry (政府保障程度, 教育质量, 学前普惠).

Each rule named in a pack (``rule = "class_size"``) is a function here taking a
:class:`RuleContext` and the pack :class:`~junheng.standards.Item` and returning
the item result and a frame of the schools behind it (value, requirement and
gap in natural units).  Rules that lack the data they need return ``unknown``
and say what is missing; the officer may then record evidence.  County-wide
rates (training, certification, rotation, retention, disabled children) use all
schools of the county, public and private; the ``include_private`` switch of
§2.4 only scopes 资源配置.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from junheng.assess.results import ItemResult
from junheng.domain import fields as F
from junheng.domain.tables import YearTables
from junheng.standards.evidence import Evidence
from junheng.standards.model import Item

COMPULSORY = ("primary", "junior")
DETAIL_COLUMNS = ["item", "school_code", "name", "stage", "value", "required", "gap", "gap_unit", "note"]


@dataclass(frozen=True)
class RuleContext:
    """What a rule may read: the year's sections with school attributes, the raw tables, parameters, evidence."""

    tables: YearTables
    year: int
    sections: pd.DataFrame  # junheng.assess.units.section_frame for the year (all schools)
    school_year: pd.DataFrame  # the year's school_year rows indexed by school_code
    params: Mapping[str, Any]
    evidence: Mapping[str, Evidence]

    def reported(self, column: str, stages: tuple[str, ...] = COMPULSORY) -> bool:
        """Whether any section of ``stages`` reported ``column`` this year (blank everywhere = not collected)."""
        sec = self.tables.section_year
        sec = sec[(sec["year"] == self.year) & sec["stage"].isin(stages)]
        return bool(sec[column].notna().any())


Detail: TypeAlias = pd.DataFrame
RuleFn = Callable[[RuleContext, Item], tuple[ItemResult, Detail]]


def _result(item: Item, status: str, **kw: Any) -> ItemResult:
    return ItemResult(code=item.code, part=item.part, name=item.name, rule=item.rule, status=status,
                      number=item.number, threshold=kw.pop("threshold", item.threshold), source=item.source, **kw)


def _details(item: Item, rows: pd.DataFrame | None = None) -> pd.DataFrame:
    if rows is None or rows.empty:
        return pd.DataFrame(columns=DETAIL_COLUMNS)
    rows = rows.copy()
    rows["item"] = item.code
    for c in DETAIL_COLUMNS:
        if c not in rows.columns:
            rows[c] = "" if c in ("note", "gap_unit", "stage", "name") else np.nan
    return rows[DETAIL_COLUMNS].reset_index(drop=True)


def _pick(frame: pd.DataFrame, mask: Any, **columns: Any) -> pd.DataFrame:
    """Add full-length ``columns`` to ``frame`` and keep the ``mask`` rows (index becomes a column)."""
    out = frame.copy()
    for k, v in columns.items():
        out[k] = v.to_numpy() if isinstance(v, pd.Series) else v
    return out[np.asarray(mask, dtype=bool)].reset_index()


def _ceil(x: Any) -> Any:
    return np.ceil(np.asarray(x, dtype=float) - 1e-9)


def _rate_status(value: float | None, threshold: float, op: str = ">=") -> str:
    if value is None or not math.isfinite(value):
        return "unknown"
    ok = value >= threshold - 1e-12 if op == ">=" else value <= threshold + 1e-12
    return "met" if ok else "not_met"


def _compulsory(ctx: RuleContext, *, special: bool = False, teaching_points: bool = True) -> pd.DataFrame:
    s = ctx.sections[ctx.sections["stage"].isin(COMPULSORY)]
    if not special:
        s = s[s["school_type"] != "special"]
    if not teaching_points:
        s = s[s["school_type"] != "teaching_point"]
    return s


# --------------------------------------------------------------------------- evidence-based
def rule_evidence(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """Items judged on documents (standards.md §1.2–§1.5): the status recorded in the evidence file."""
    ev = ctx.evidence.get(item.code)
    if ev is None:
        return _result(item, "unknown", note="未提供佐证材料 / no evidence recorded"), _details(item)
    return _result(item, ev.status, value=ev.value, evidence=ev, note=ev.note), _details(item)


def _recorded_value(ctx: RuleContext, item: Item, unit: str, missing: str) -> tuple[ItemResult, Detail]:
    ev = ctx.evidence.get(item.code)
    if ev is None:
        return _result(item, "unknown", unit=unit, note=missing), _details(item)
    if ev.value is None:
        return _result(item, ev.status, unit=unit, evidence=ev, note=ev.note), _details(item)
    status = _rate_status(ev.value, float(item.threshold or 0))
    return _result(item, status, value=ev.value, unit=unit, evidence=ev, note=ev.note), _details(item)


def rule_survey(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """社会认可度 / 公众满意度 (standards.md §1.4, §3): the survey rate from the evidence file ≥ threshold (0.85)."""
    return _recorded_value(ctx, item, "%", "未提供满意度调查结果 / no survey result recorded")


def rule_score(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """An evaluation score recorded with evidence ≥ threshold points.

    教督〔2012〕3号: 县级人民政府推进义务教育均衡发展工作 is scored on its
    indicator table (100 points) and must reach 85; the score is the
    inspectors' judgement on documents, so without a recorded value it is 待认定.
    """
    return _recorded_value(ctx, item, "分", "未提供评估得分 / no score recorded")


def rule_basic_balance_precondition(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """教督〔2017〕6号 (standards.md §1, eligibility [C]): 基本均衡 recognised at least ``min_years`` (3) years earlier.

    The year of the national 基本均衡 recognition is the evidence ``value``
    (e.g. ``2015``); years since = assessment year − that year, met when
    ≥ ``min_years``.  Without a recorded year the item is 待认定 (a recorded
    status without a year is taken as recorded).  The 办法's second condition,
    annual monitoring kept at a high level since, is a judgement on documents:
    record it in the evidence note.
    """
    ev = ctx.evidence.get(item.code)
    n = int(item.params.get("min_years", 3))
    if ev is None:
        return _result(item, "unknown", unit="年",
                       note=f"未提供通过国家基本均衡认定的年份 / no 基本均衡 recognition year recorded "
                            f"(需早于本学年至少 {n} 年)"), _details(item)
    if ev.value is None:
        return _result(item, ev.status, unit="年", evidence=ev, note=ev.note), _details(item)
    since = ctx.year - ev.value
    status = "met" if since >= n else "not_met"
    note = f"{ev.value:.0f} 年通过国家基本均衡认定，距 {ctx.year} 学年 {since:.0f} 年（要求 ≥ {n} 年）"
    return (_result(item, status, value=since, threshold=float(n), unit="年", numerator=float(ctx.year),
                    denominator=ev.value, evidence=ev, note=note + (f"；{ev.note}" if ev.note else "")),
            _details(item))


# --------------------------------------------------------------------------- 政府保障程度 §1.2
def rule_school_size(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """§1.2 item 4: 小学、初中 ≤ 2000 students; 九年/十二年一贯制 (compulsory stages) ≤ 2500."""
    s = _compulsory(ctx)
    by = s.groupby("school_code").agg(students=("students", "sum"), school_type=("school_type", "first"),
                                      name=("name", "first"))
    cap = np.where(by["school_type"].isin(["nine_year", "twelve_year"]), float(item.params.get("cap_multi_level", 2500)),
                   float(item.params.get("cap", 2000)))
    over = by["students"] > cap
    rows = _pick(by, over, value=by["students"], required=cap, gap=by["students"] - cap, gap_unit="人",
                 note="义务教育阶段在校生超过规模上限")
    status = "not_met" if over.any() else ("met" if len(by) else "unknown")
    return (_result(item, status, value=float(over.sum()), threshold=0.0, op="<=", numerator=float(over.sum()),
                    denominator=float(len(by)), unit="所", note=f"超规模学校 {int(over.sum())} / {len(by)} 所"),
            _details(item, rows))


def rule_class_size(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """§1.2 item 5: every 小学 class ≤ 45 and 初中 class ≤ 50 students.

    Oversized classes are counted from the 班额段 columns whose lower bound is
    above the cap; a section without band data falls back on ``max_class_size``.
    """
    s = _compulsory(ctx)
    caps = s["stage"].map(lambda st: float(item.params.get(st, 45 if st == "primary" else 50)))
    bands = {k: lo for k, _label, lo, _hi in F.CLASS_SIZE_BANDS}
    band_total = s[list(bands)].sum(axis=1)
    # blank bands inside a reported band table are bands without classes only when the
    # reported bands already add up to the classes; otherwise the section stays unknown
    over_bands = sum(s[k].fillna(0.0).where(caps < lo, 0.0) for k, lo in bands.items())
    has_bands = band_total > 0
    max_over = (s["max_class_size"] > caps).astype(float)
    oversized = pd.Series(np.where(has_bands, over_bands, max_over), index=s.index)
    partial = (has_bands & (band_total < s["classes"]) & (over_bands == 0)
               & ~(s["max_class_size"] <= caps) & s[list(bands)].isna().any(axis=1))
    unknown = (~has_bands & s["max_class_size"].isna() & (s["classes"] > 0)) | partial
    bad = oversized > 0
    rows = _pick(s, bad, value=s["max_class_size"], required=caps, gap=oversized, gap_unit="个班",
                 note="超过班额上限的班级数")
    n_classes = float(s["classes"].sum())
    status = "not_met" if bad.any() else ("unknown" if unknown.any() or not len(s) else "met")
    note = f"超班额班级 {int(oversized.sum())} 个"
    if unknown.any():
        note += f"；{int(unknown.sum())} 个学段未填班额数据"
    return (_result(item, status, value=float(oversized.sum()), threshold=0.0, op="<=",
                    numerator=float(oversized.sum()), denominator=n_classes, unit="个班", note=note),
            _details(item, rows))


def _count_rooms(series: pd.Series, min_area: float) -> tuple[pd.Series, pd.Series]:
    """From ``"96;102"`` strings: (rooms listed, rooms of at least ``min_area`` m²), vectorised."""
    parts = series.fillna("").astype(str).str.replace("；", ";").str.split(";").explode()
    areas = pd.to_numeric(parts.str.strip(), errors="coerce")  # "" and junk → NaN
    listed = areas.notna().groupby(level=0).sum()
    ok = (areas >= min_area - 1e-9).groupby(level=0).sum()
    return listed.reindex(series.index, fill_value=0), ok.reindex(series.index, fill_value=0)


def rule_special_rooms(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """§1.2 item 3: one music and one art room per 12 classes (ceil(classes / 12)), each ≥ 96 / 90 m².

    Rooms are counted from the listed areas (``music_room_areas`` = ``"96;102"``);
    a school with rooms but no areas listed is ``unknown``.  Teaching points are
    left out unless ``include_teaching_points`` (they are not 学校).
    """
    s = _compulsory(ctx, teaching_points=bool(item.params.get("include_teaching_points", False)))
    by = s.groupby("school_code").agg(classes=("classes", "sum"), name=("name", "first"))
    per = float(item.params.get("classes_per_room", 12))
    by["required"] = _ceil(by["classes"] / per)
    sy = ctx.school_year.reindex(by.index)
    rows, unknown_n, bad_n = [], 0, 0
    bad_any = pd.Series(False, index=by.index)
    unk_any = pd.Series(False, index=by.index)
    for kind, zh, min_key, default in (("music", "音乐", "music_min_area", 96.0), ("art", "美术", "art_min_area", 90.0)):
        min_area = float(item.params.get(min_key, default))
        rooms = pd.to_numeric(sy[f"{kind}_rooms"], errors="coerce").fillna(0.0)
        listed, ok = _count_rooms(sy[f"{kind}_room_areas"], min_area)
        unk = (rooms > listed) & (ok < by["required"])
        bad = (ok < by["required"]) & ~unk
        bad_any |= bad
        unk_any |= unk
        sub = by[bad | unk]
        rows.append(pd.DataFrame({
            "school_code": sub.index, "name": sub["name"].to_numpy(), "stage": "",
            "value": ok[bad | unk].to_numpy(), "required": sub["required"].to_numpy(),
            "gap": (sub["required"] - ok[bad | unk]).to_numpy(), "gap_unit": "间",
            "note": np.where(unk[bad | unk], f"{zh}专用教室面积未填", f"{zh}专用教室不足或面积不足{min_area:g}㎡"),
        }))
    bad_n, unknown_n = int(bad_any.sum()), int((unk_any & ~bad_any).sum())
    status = "not_met" if bad_n else ("unknown" if unknown_n or not len(by) else "met")
    detail = pd.concat(rows, ignore_index=True) if rows else None
    return (_result(item, status, value=float(bad_n), threshold=0.0, op="<=", numerator=float(bad_n),
                    denominator=float(len(by)), unit="所",
                    note=f"不达标学校 {bad_n} 所，面积未填 {unknown_n} 所 / 共 {len(by)} 所"), _details(item, detail))


def base_funding(params: Mapping[str, Any], year: int, stage: str) -> float:
    """生均公用经费基准定额 for ``year`` and stage from the dated parameter table (standards.md §4.3)."""
    region = params.get("funding_region", "central_west")
    rows = [r for r in params.get("base_funding", []) if r["region"] == region and int(r["from"]) <= year]
    if not rows:
        raise ValueError(f"no base funding for {region} in {year}")
    return float(max(rows, key=lambda r: int(r["from"]))[stage])


def rule_small_school_funding(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """§1.2 item 6 and §4.3: 村小学 and 教学点 under 100 pupils funded as 100 × 基准定额.

    A 村小学 is a primary school whose 城乡分类代码 is a village code (210/220 by
    default, ``village_ur_codes``).  Required = ``floor_students`` × the primary
    基准定额 of the year and region (+ ``boarding_supplement`` per boarder, 0 by
    default); compared with the school's ``public_funds``.
    """
    s = _compulsory(ctx)
    village_codes = [float(c) for c in item.params.get("village_ur_codes", [210, 220])]
    village = s["school_type"].eq("teaching_point") | (
        s["school_type"].eq("primary") & pd.to_numeric(s["ur_code"], errors="coerce").isin(village_codes))
    s = s[village]
    by = s.groupby("school_code").agg(students=("students", "sum"), boarders=("boarders", "sum"),
                                      name=("name", "first"))
    floor_n = float(item.params.get("floor_students", 100))
    small = by[by["students"] < floor_n].copy()
    if small.empty:
        return _result(item, "not_applicable", unit="所", note="无不足100人的村小学和教学点"), _details(item)
    rate = base_funding(ctx.params, ctx.year, "primary")
    small["required"] = floor_n * rate + float(item.params.get("boarding_supplement", 0.0)) * small["boarders"]
    funds = pd.to_numeric(ctx.school_year.reindex(small.index)["public_funds"], errors="coerce")
    small["value"] = funds.to_numpy()
    short = small["value"] < small["required"] - 1e-6
    unknown = small["value"].isna()
    small["gap"] = (small["required"] - small["value"]).where(~unknown)
    small["gap_unit"] = "元"
    small["note"] = np.where(unknown, "未填公用经费", f"低于按{floor_n:g}人核定的公用经费")
    rows = small[short | unknown].reset_index()
    status = "not_met" if short.any() else ("unknown" if unknown.any() else "met")
    return (_result(item, status, value=float(short.sum()), threshold=0.0, op="<=", numerator=float(short.sum()),
                    denominator=float(len(small)), unit="所",
                    note=f"不足{floor_n:g}人的村小学和教学点 {len(small)} 所，经费不足 {int(short.sum())} 所；"
                         f"基准定额 {rate:g} 元/生"),
            _details(item, rows))


def rule_special_school_funding(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """§1.2 item 7 and §4.3: each 特殊教育学校's public funds per pupil ≥ 6000 元."""
    s = ctx.sections[ctx.sections["school_type"] == "special"]
    if s.empty:
        return _result(item, "not_applicable", unit="元/生", note="县内无特殊教育学校"), _details(item)
    by = s.groupby("school_code").agg(students=("students", "sum"), name=("name", "first"))
    funds = pd.to_numeric(ctx.school_year.reindex(by.index)["public_funds"], errors="coerce")
    thr = float(item.threshold or 6000)
    per = funds / by["students"].where(by["students"] > 0)
    bad = per < thr - 1e-9
    unknown = per.isna()
    rows = _pick(by, bad | unknown, value=per, required=thr, gap=thr * by["students"] - funds, gap_unit="元",
                 note=np.where(unknown, "未填公用经费", "生均公用经费不足"))
    status = "not_met" if bad.any() else ("unknown" if unknown.any() else "met")
    total = float(funds.sum()) / float(by["students"].sum()) if by["students"].sum() else None
    return (_result(item, status, value=total, unit="元/生", numerator=float(funds.sum()),
                    denominator=float(by["students"].sum())), _details(item, rows))


def blank_sections(s: pd.DataFrame, columns: tuple[str, ...]) -> str:
    """``"甲小学(1000000001) 小学：持教师资格证教师 teachers_certified；…"`` for sections with blank ``columns``."""
    out = []
    for col in columns:
        b = s[s[col].isna()]
        if len(b):
            names = "、".join(f"{n}({c}) {st}" for c, n, st in zip(
                b["school_code"], b["name"].fillna(""), b["stage"].map(lambda x: {"primary": "小学", "junior": "初中",
                                                                                 "preschool": "学前"}.get(x, x)),
                strict=True))
            zh = F.SECTION_YEARS.field(col).zh
            out.append(f"{zh} {col}：{names}")
    return "；".join(out)


def _share_rule(ctx: RuleContext, item: Item, num: str, den: str, what: str, *,
                stages: tuple[str, ...] = COMPULSORY) -> tuple[ItemResult, Detail]:
    """Σ ``num`` / Σ ``den`` ≥ threshold over the sections of ``stages``.

    A section with ``num`` or ``den`` blank while others reported is named in the
    note and makes the county rate unknown (missing is not zero) — unless a
    school with both reported already falls short of a 100 % requirement.
    """
    s = ctx.sections[ctx.sections["stage"].isin(stages)]
    if not ctx.reported(num, stages):
        return _result(item, "unknown", unit="%", note=f"未填报“{what}” / field {num} not reported"), _details(item)
    n, d = float(s[num].sum()), float(s[den].sum())
    if d == 0:
        return _result(item, "unknown", unit="%", note="分母为 0"), _details(item)
    thr = float(item.threshold or 1.0)
    by = s.groupby("school_code").agg(n=(num, "sum"), d=(den, "sum"), name=("name", "first"))
    short = by["n"] < by["d"] * thr - 1e-9
    rows = _pick(by, short, value=by["n"] / by["d"].where(by["d"] > 0), required=thr,
                 gap=_ceil(by["d"] * thr - by["n"]), gap_unit="人", note=what)
    value = n / d
    status = _rate_status(value, thr)
    blanks = s[s[num].isna() | s[den].isna()]
    note = ""
    if len(blanks):
        note = f"空白单元格不按 0 计 / blank cells: {blank_sections(blanks, (num, den))}"
        known = s[s[num].notna() & s[den].notna()]
        decided = thr >= 1.0 - 1e-12 and bool((known[num] < known[den] - 1e-9).any())
        status = "not_met" if decided else "unknown"
    return (_result(item, status, value=value, numerator=n, denominator=d, unit="%", note=note),
            _details(item, rows))


def rule_training_completion(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """§1.2 item 9: Σ teachers with 360 hours in 5 years / Σ 专任教师 = 100 %."""
    return _share_rule(ctx, item, "teachers_training_done", "teachers", "五年360学时培训完成教师")


def rule_certified_teachers(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """§1.2 item 12: Σ certified / Σ 专任教师 = 100 %."""
    return _share_rule(ctx, item, "teachers_certified", "teachers", "持教师资格证教师")


def rule_rotation(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """§1.2 item 11 and §4.9: rotated ≥ 10 % of eligible teachers, backbone ≥ 20 % of those rotated.

    The gap is the number of further teachers (and backbone teachers) to rotate.
    The item covers every compulsory school of the county, the 特殊教育学校
    included (it is scoped out of 资源配置 only).  A section with a blank rotation
    count while others reported is named and the rate is unknown.
    """
    s = _compulsory(ctx, special=True)
    if not ctx.reported("teachers_rotation_eligible"):
        return _result(item, "unknown", unit="%", note="未填报符合交流条件教师数"), _details(item)
    cols = ("teachers_rotation_eligible", "teachers_rotated", "backbone_rotated")
    blanks = s[s[list(cols)].isna().any(axis=1)]
    if len(blanks):
        return _result(item, "unknown", unit="%",
                       note=f"空白单元格不按 0 计 / blank cells: {blank_sections(blanks, cols)}"), _details(item)
    elig, rot, bb = (float(s[c].sum()) for c in ("teachers_rotation_eligible", "teachers_rotated", "backbone_rotated"))
    if elig == 0:
        return _result(item, "unknown", unit="%", note="符合交流条件教师数为 0"), _details(item)
    thr, bb_thr = float(item.threshold or 0.10), float(item.params.get("backbone_share", 0.20))
    share = rot / elig
    bb_share = bb / rot if rot > 0 else 0.0
    ok = share >= thr - 1e-12 and bb_share >= bb_thr - 1e-12
    need_rot = max(0.0, float(_ceil(thr * elig - rot)))
    need_bb = max(0.0, float(_ceil(bb_thr * (rot + need_rot) - bb)))
    rows = pd.DataFrame([
        {"school_code": "", "name": "全县", "value": share, "required": thr, "gap": need_rot, "gap_unit": "人",
         "note": "还需交流轮岗教师"},
        {"school_code": "", "name": "全县", "value": bb_share, "required": bb_thr, "gap": need_bb, "gap_unit": "人",
         "note": "还需交流骨干教师"},
    ])
    rows = rows[rows["gap"] > 0]
    return (_result(item, "met" if ok else "not_met", value=share, numerator=rot, denominator=elig, unit="%",
                    note=f"交流比例 {share:.1%}；骨干占交流 {bb_share:.1%}",
                    extra={"backbone_share": bb_share, "backbone_threshold": bb_thr, "backbone_rotated": bb}),
            _details(item, rows))


# --------------------------------------------------------------------------- 教育质量 §1.3
def rule_training_budget(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """§1.3 item 4: every school's 教师培训经费 ≥ 5 % of its 公用经费 (``training_funds`` ≥ 0.05 × ``public_funds``).

    "所有学校按照不低于学校年度公用经费预算总额的5%安排教师培训经费": per school
    with a compulsory section this year (the 特殊教育学校 included), from its
    ``school_year`` row.  The registry holds the funds allocated in the year
    (``public_funds``), which stands for the budget [P].  Teaching points count
    (``include_teaching_points``, default true: item 6 funds them as units of
    their own); kindergartens and senior schools are not 义务教育学校 [U].  A school with either figure
    blank, or without a ``school_year`` row, is named and makes the item
    unknown unless another school already fails.
    """
    s = _compulsory(ctx, special=True,
                    teaching_points=bool(item.params.get("include_teaching_points", True)))
    by = s.groupby("school_code").agg(name=("name", "first"))
    if by.empty:
        return _result(item, "unknown", unit="所", note="没有义务教育学校 / no compulsory school"), _details(item)
    sy = ctx.school_year.reindex(by.index)
    public = pd.to_numeric(sy["public_funds"], errors="coerce")
    training = pd.to_numeric(sy["training_funds"], errors="coerce")
    share = float(item.threshold if item.threshold is not None else 0.05)
    required = share * public
    unknown = public.isna() | training.isna()
    bad = ~unknown & (training < required - 1e-6)
    rows = _pick(by, bad | unknown, value=training, required=required, gap=(required - training).where(~unknown),
                 gap_unit="元", note=np.where(unknown, "未填公用经费或教师培训经费", f"教师培训经费低于公用经费的{share:.0%}"))
    status = "not_met" if bad.any() else ("unknown" if unknown.any() else "met")
    note = f"培训经费不足 {int(bad.sum())} 所，数据缺失 {int(unknown.sum())} 所 / 共 {len(by)} 所"
    if unknown.any():
        miss = by[unknown]
        note += "；缺失：" + "、".join(f"{n}({c})" for c, n in zip(miss.index, miss["name"].fillna(""), strict=True))
    return (_result(item, status, value=float(bad.sum()), threshold=0.0, op="<=", numerator=float(training.sum()),
                    denominator=float(public.sum()), unit="所", note=note,
                    extra={"share_required": share}), _details(item, rows))



def rule_junior_retention(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """§1.3 item 1 and §4.8 [U]: 初中三年巩固率 = Σ 初三在校生 (year) / Σ 初一在校生 (year − 2).

    The cohort in grade 3 this autumn entered grade 1 two autumns ago; transfers
    in and out are not adjusted (the national adjustment rule was not found).
    All junior sections of the county count, public and private.
    """
    sec = ctx.tables.section_year
    now = sec[(sec["year"] == ctx.year) & (sec["stage"] == "junior")]
    then = sec[(sec["year"] == ctx.year - 2) & (sec["stage"] == "junior")]
    g3 = pd.to_numeric(now["students_g3"], errors="coerce")
    g1 = pd.to_numeric(then["students_g1"], errors="coerce")
    if then.empty or g1.isna().all() or g3.isna().all():
        return _result(item, "unknown", unit="%",
                       note=f"缺少 {ctx.year - 2} 学年初一或 {ctx.year} 学年初三分年级在校生数"), _details(item)
    n, d = float(g3.sum()), float(g1.sum())
    value = n / d if d else None
    status = _rate_status(value, float(item.threshold or 0.95))
    note = f"{ctx.year}学年初三 {n:.0f} 人 / {ctx.year - 2}学年初一 {d:.0f} 人"
    # a blank grade count is not 0: blank 初三 gives a lower bound ("met" stands), blank 初一 decides nothing
    b3 = now[g3.isna() & (pd.to_numeric(now["students"], errors="coerce") > 0)]
    b1 = then[g1.isna() & (pd.to_numeric(then["students"], errors="coerce") > 0)]
    if len(b3) or len(b1):
        names = ctx.tables.school.drop_duplicates("code").set_index("code")["name"]
        miss = [f"{ctx.year}学年 {names.get(c, '')}({c}) 初三在校生 students_g3" for c in b3["school_code"]]
        miss += [f"{ctx.year - 2}学年 {names.get(c, '')}({c}) 初一在校生 students_g1" for c in b1["school_code"]]
        note += "；空白单元格不按 0 计 / blank cells: " + "、".join(miss)
        status = "met" if status == "met" and not len(b1) else "unknown"
    return (_result(item, status, value=value, numerator=n, denominator=d, unit="%", note=note), _details(item))


def _age_on(birth: pd.Series, year: int) -> pd.Series:
    """Completed years on 31 August of ``year`` (the school-entry cut-off)."""
    b = pd.to_datetime(birth, errors="coerce")
    age = year - b.dt.year
    before = (b.dt.month > 8) | ((b.dt.month == 8) & (b.dt.day > 31))
    return age - before.astype(float)


def rule_disabled_enrolment(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """§1.3 item 2 and §4.7: enrolled disabled children / disabled children aged 6–14.

    Enrolled = students of 特殊教育学校 (小学、初中) + ``students_disabled`` of the
    other schools' compulsory sections.  Disabled children = the ``child``
    records flagged ``disabled`` whose age on 31 August is within
    ``min_age``–``max_age``.  送教上门 pupils are not in the registry tables; add
    them through evidence if the county counts them.
    """
    child = ctx.tables.child
    ages = _age_on(child["birth_date"], ctx.year) if len(child) else pd.Series(dtype=float)
    lo, hi = int(item.params.get("min_age", 6)), int(item.params.get("max_age", 14))
    disabled = child["disabled"].fillna(False).astype(bool) if len(child) else pd.Series(dtype=bool)
    d = float((disabled & ages.between(lo, hi)).sum()) if len(child) else 0.0
    if d == 0:
        return _result(item, "unknown", unit="%",
                       note=f"儿童名册中没有 {lo}—{hi} 周岁残疾儿童记录，无法计算；可提供残联数据或佐证材料"), _details(item)
    s = ctx.sections[ctx.sections["stage"].isin(COMPULSORY)]
    n = float(s.loc[s["school_type"] == "special", "students"].sum()
              + s.loc[s["school_type"] != "special", "students_disabled"].sum())
    value = n / d
    status = _rate_status(value, float(item.threshold or 0.95))
    note = f"在校残疾学生 {n:.0f} 人 / {lo}—{hi} 周岁残疾儿童 {d:.0f} 人"
    blanks = s[(s["school_type"] != "special") & s["students_disabled"].isna()]
    if len(blanks):  # blanks counted as 0 give a lower bound: "met" stands, "not met" is unknown
        note += f"；空白单元格不按 0 计 / blank cells: {blank_sections(blanks, ('students_disabled',))}"
        status = "met" if status == "met" else "unknown"
    return (_result(item, status, value=value, numerator=n, denominator=d, unit="%", note=note), _details(item))


# --------------------------------------------------------------------------- 学前普及普惠 §3
def _preschool(ctx: RuleContext) -> pd.DataFrame:
    return ctx.sections[ctx.sections["stage"] == "preschool"]


def rule_gross_preschool_enrolment(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """§3 and §4.8: 学前三年毛入园率 = 在园幼儿数 / population aged 3–5 (the year's population table)."""
    pop = ctx.tables.population
    lo, hi = int(item.params.get("min_age", 3)), int(item.params.get("max_age", 5))
    p = pop[(pop["year"] == ctx.year) & pop["age"].between(lo, hi)]
    d = float(pd.to_numeric(p["population"], errors="coerce").sum())
    if d == 0:
        return _result(item, "unknown", unit="%", note=f"缺少 {ctx.year} 年 {lo}—{hi} 周岁人口数"), _details(item)
    n = float(_preschool(ctx)["students"].sum())
    value = n / d
    return (_result(item, _rate_status(value, float(item.threshold or 0.85)), value=value, numerator=n, denominator=d,
                    unit="%"), _details(item))


def _preschool_share(ctx: RuleContext, item: Item, mask_fn: Callable[[pd.DataFrame], pd.Series]) -> tuple[ItemResult, Detail]:
    s = _preschool(ctx)
    d = float(s["students"].sum())
    if d == 0:
        return _result(item, "unknown", unit="%", note="无在园幼儿数据"), _details(item)
    n = float(s.loc[mask_fn(s), "students"].sum())
    value = n / d
    return (_result(item, _rate_status(value, float(item.threshold or 0)), value=value, numerator=n, denominator=d,
                    unit="%"), _details(item))


def rule_inclusive_coverage(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """§3: (公办园 + 普惠性民办园) 在园幼儿 / 全部在园幼儿 (pre-school classes of public schools count as 公办)."""
    return _preschool_share(ctx, item, lambda s: s["ownership"].eq("public") | s["inclusive"].fillna(False).astype(bool))


def rule_public_share(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """§3: 公办园在园幼儿 / 全部在园幼儿."""
    return _preschool_share(ctx, item, lambda s: s["ownership"].eq("public"))


def rule_preschool_teacher_ratio(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """§3 [P]: 在园幼儿 per 专任教师 ≤ 15 (专任教师 : 幼儿 ≥ 1 : 15); gap = teachers missing county-wide."""
    s = _preschool(ctx)
    n, d = float(s["students"].sum()), float(s["teachers"].sum())
    if d == 0:
        return _result(item, "unknown", op="<=", note="无幼儿园专任教师数据"), _details(item)
    thr = float(item.threshold or 15)
    value = n / d
    by = s.groupby("school_code").agg(students=("students", "sum"), teachers=("teachers", "sum"), name=("name", "first"))
    short = by["students"] > by["teachers"] * thr + 1e-9
    rows = _pick(by, short, value=by["students"] / by["teachers"].where(by["teachers"] > 0), required=thr,
                 gap=_ceil(by["students"] / thr - by["teachers"]), gap_unit="人", note="缺专任教师")
    return (_result(item, _rate_status(value, thr, "<="), value=value, op="<=", numerator=n, denominator=d,
                    unit="人/师"), _details(item, rows))


def rule_preschool_class_size(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """§3 [P]: share of kindergarten classes within the size limit (班额段 upper bound ≤ ``max_size``) ≥ 85 %."""
    s = _preschool(ctx)
    limit = float(item.params.get("max_size", 35))
    bands = [(k, hi) for k, _l, _lo, hi in F.CLASS_SIZE_BANDS]
    total = float(sum(s[k].sum() for k, _ in bands))
    if total == 0:
        return _result(item, "unknown", unit="%", note="未填报幼儿园班额段数据"), _details(item)
    ok = float(sum(s[k].sum() for k, hi in bands if hi is not None and hi <= limit))
    value = ok / total
    return (_result(item, _rate_status(value, float(item.threshold or 0.85)), value=value, numerator=ok,
                    denominator=total, unit="%"), _details(item))


def rule_preschool_certified(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """§3 [P]: 园长和专任教师持证上岗率 100 % (专任教师 counted; 园长 are not separated in the data)."""
    return _share_rule(ctx, item, "teachers_certified", "teachers", "持证专任教师", stages=("preschool",))


def rule_kindergarten_space(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """§3 [P]: share of 幼儿园 whose area per child (``params.numerator`` / 在园幼儿) ≥ ``per_child`` m²."""
    s = _preschool(ctx)
    s = s[s["school_type"] == "kindergarten"]
    by = s.groupby("school_code").agg(students=("students", "sum"), name=("name", "first"))
    by = by[by["students"] > 0]
    if by.empty:
        return _result(item, "unknown", unit="%", note="无幼儿园数据"), _details(item)
    col = str(item.params.get("numerator", "building_area"))
    per_child = float(item.params.get("per_child", 0))
    area = pd.to_numeric(ctx.school_year.reindex(by.index)[col], errors="coerce").astype(float)
    per = area / by["students"]
    unknown = per.isna()  # blank area or no school_year row: not 0 m²
    ok = (per >= per_child - 1e-9) & ~unknown
    bad = ~ok
    rows = _pick(by, bad, value=per, required=per_child, gap=per_child * by["students"] - area,
                 gap_unit="m²", note=np.where(unknown, "未填面积或无学校年度数据", "生均面积不足"))
    value = float(ok.mean())
    thr = float(item.threshold or 1.0)
    status = _rate_status(value, thr)
    if unknown.any() and status == "not_met" and (ok.sum() + unknown.sum()) / len(by) >= thr - 1e-12:
        status = "unknown"  # the unknown kindergartens could still make the share
    note = f"面积未知 {int(unknown.sum())} 所" if unknown.any() else ""
    return (_result(item, status, value=value, numerator=float(ok.sum()), denominator=float(len(by)), unit="%",
                    note=note), _details(item, rows))


def rule_township_public_kindergarten(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """§3 [C: policy]: 每个乡镇至少 1 所公办中心园 — every township has at least one public kindergarten.

    Townships are the ``org_unit`` rows of level township (乡镇); with
    ``skip_subdistricts`` (default true) those whose name ends in 街道 are not
    乡镇 and are skipped.  A township counts as covered when it has a public
    幼儿园 (``school_type`` kindergarten, ``ownership`` public) with pupils this
    year; the registry does not mark a 中心园, so any public kindergarten counts
    unless ``name_contains`` (e.g. "中心") narrows it [U].  Detail: the townships
    without one.
    """
    org = ctx.tables.org_unit
    towns = org[org["level"] == "township"].drop_duplicates("code")
    if bool(item.params.get("skip_subdistricts", True)):
        towns = towns[~towns["name"].fillna("").astype(str).str.endswith("街道")]
    if towns.empty:
        return _result(item, "unknown", unit="个", note="缺少乡镇区划数据 / no township in org_unit"), _details(item)
    s = _preschool(ctx)
    s = s[(s["school_type"] == "kindergarten") & (s["ownership"] == "public") & (s["students"] > 0)]
    word = str(item.params.get("name_contains", "") or "")
    if word:
        s = s[s["name"].fillna("").astype(str).str.contains(word, regex=False)]
    covered = towns["code"].astype(str).isin(set(s["township_code"].astype(str)))
    miss = towns[~covered]
    rows = pd.DataFrame({"school_code": "", "name": miss["name"].to_numpy(), "stage": "", "value": 0.0,
                         "required": 1.0, "gap": 1.0, "gap_unit": "所",
                         "note": "乡镇没有公办幼儿园" + (f"（名称含“{word}”）" if word else "")})
    status = "met" if covered.all() else "not_met"
    return (_result(item, status, value=float((~covered).sum()), threshold=0.0, op="<=",
                    numerator=float(covered.sum()), denominator=float(len(towns)), unit="个",
                    note=f"有公办幼儿园的乡镇 {int(covered.sum())} / {len(towns)} 个"), _details(item, rows))


RULE_FUNCTIONS: dict[str, RuleFn] = {
    "evidence": rule_evidence,
    "survey": rule_survey,
    "score": rule_score,
    "basic_balance_precondition": rule_basic_balance_precondition,
    "training_budget": rule_training_budget,
    "township_public_kindergarten": rule_township_public_kindergarten,
    "school_size": rule_school_size,
    "class_size": rule_class_size,
    "special_rooms": rule_special_rooms,
    "small_school_funding": rule_small_school_funding,
    "special_school_funding": rule_special_school_funding,
    "training_completion": rule_training_completion,
    "rotation": rule_rotation,
    "certified_teachers": rule_certified_teachers,
    "junior_retention": rule_junior_retention,
    "disabled_enrolment": rule_disabled_enrolment,
    "gross_preschool_enrolment": rule_gross_preschool_enrolment,
    "inclusive_coverage": rule_inclusive_coverage,
    "public_share": rule_public_share,
    "preschool_teacher_ratio": rule_preschool_teacher_ratio,
    "preschool_class_size": rule_preschool_class_size,
    "preschool_certified": rule_preschool_certified,
    "kindergarten_space": rule_kindergarten_space,
}


RECORDED_RULES = ("evidence", "survey", "score", "basic_balance_precondition")
"""Rules whose value is the recorded evidence itself (no fallback from data to evidence)."""


def evaluate_item(ctx: RuleContext, item: Item) -> tuple[ItemResult, Detail]:
    """Run the item's rule; computed items whose data are missing fall back on recorded evidence."""
    result, detail = RULE_FUNCTIONS[item.rule](ctx, item)
    ev = ctx.evidence.get(item.code)
    if item.rule not in RECORDED_RULES and ev is not None:
        if result.status == "unknown":
            note = f"{result.note}；按佐证材料认定" if result.note else "按佐证材料认定"
            result = replace(result, status=ev.status, evidence=ev, value=ev.value if ev.value is not None else result.value,
                             note=note)
        else:
            result = replace(result, evidence=ev)
    return replace(result, n_details=len(detail)), detail
