"""A supervision round (:class:`junheng.assess.supervision.Supervision`) as JSON, Excel and the Word 督导报告.

The JSON is the stable schema ``junheng.supervision/1`` (docs/supervision-json.md, docs/supervision.schema.json).
The 督导报告 follows GB/T 9704-2012 党政机关公文格式 as shared/reference/document-format.md summarises it: A4,
margins 37 / 35 / 28 / 26 mm, body 3号 仿宋 indented two characters, title 2号 小标宋, 一、 in 黑体 and （一） in
楷体, page numbers "— 1 —" in 4号 宋体 (odd pages right, even pages left), the issuing body above the date at the
end, and the wide comparison table on a landscape page.  The workbook is formula-safe (county names come from
users).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from junheng.assess.results import STAGE_ZH, VERDICT_ZH
from junheng.assess.supervision import WEIGHT_KEYS, CountyRow, Supervision
from junheng.domain.textsafe import neutralise_workbook
from junheng.report.charts import _png, _setup
from junheng.report.document import (
    heading,
    issuer_block,
    landscape,
    new_document,
    paragraph,
    picture,
    table,
    title_block,
)

SCHEMA = "junheng.supervision/1"
COMPONENT_ZH = {"parts": "评估结论", "cv_margin": "差异系数余量", "targets_met": "规划目标达成率",
                "tasks_on_time": "任务按期完成率"}
FAIL_RED = frozenset({VERDICT_ZH["fail"]})
RED_FILL = PatternFill(start_color="F8CBAD", end_color="F8CBAD", fill_type="solid")


@dataclass(frozen=True)
class RoundInfo:
    """What the reports say about the round beyond the ranking: the org unit, the issuing body, the date."""

    org_code: str
    org_name: str
    issuer: str
    notes: tuple[str, ...]
    date: dt.date


# --------------------------------------------------------------------------- JSON

def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _county(r: CountyRow) -> dict[str, Any]:
    return {
        "code": r.code, "name": r.name, "has_data": r.has_data, "verdict": r.verdict,
        "verdict_zh": VERDICT_ZH[r.verdict],
        "parts": [{"code": c, "name": n, "verdict": v, "verdict_zh": VERDICT_ZH[v]} for c, n, v in r.parts],
        "cvs": [{"stage": c.stage, "indicator": c.indicator, "name": c.name, "composite": c.composite,
                 "cv": _num(c.cv), "limit": _num(c.limit), "passed": c.passed, "margin": _num(c.margin)}
                for c in r.cvs],
        "cv_margin": _num(r.components["cv_margin"]),
        "targets_met": _num(r.components["targets_met"]),
        "targets": {"met": r.targets_met_count, "counted": r.targets_counted, "unknown": r.targets_unknown},
        "tasks_on_time": _num(r.components["tasks_on_time"]),
        "tasks": None if r.tasks is None else {"due": r.tasks.due, "on_time": r.tasks.on_time},
        "components": {k: _num(r.components[k]) for k in WEIGHT_KEYS},
        "score": _num(r.score), "rank": r.rank,
        "reward": {"proposed": bool(r.reward_reason), "reason": r.reward_reason},
        "criticism": {"proposed": bool(r.criticism_reasons), "reasons": list(r.criticism_reasons)},
        "note": r.note,
    }


def supervision_to_dict(s: Supervision, meta: RoundInfo) -> dict[str, Any]:
    """The round as plain data (schema ``junheng.supervision/1``; docs/supervision-json.md)."""
    ru = s.rules
    return {
        "schema": SCHEMA, "year": s.year, "date": meta.date.isoformat(),
        "org": {"code": meta.org_code, "name": meta.org_name}, "issuer": meta.issuer,
        "pack": {"code": s.pack_code, "name": s.pack_name, "source": s.pack_source},
        "rules": {"code": ru.code, "name": ru.name, "source": ru.source, "weights": dict(ru.weights),
                  "verdict_points": dict(ru.verdict_points),
                  "reward": {"top": ru.reward_top, "min_score": ru.reward_min_score,
                             "no_failing_part": ru.reward_no_failing_part},
                  "criticism": {"any_failing_part": ru.criticism_any_failing_part, "bottom": ru.criticism_bottom,
                                "no_data": ru.criticism_no_data},
                  "tie_break": "code"},
        "notes": list(meta.notes),
        "counties": [_county(r) for r in s.rows],
        "rewards": [{"code": r.code, "name": r.name, "rank": r.rank, "score": _num(r.score),
                     "reason": r.reward_reason} for r in s.rows if r.reward_reason],
        "criticisms": [{"code": r.code, "name": r.name, "rank": r.rank, "score": _num(r.score),
                        "reasons": list(r.criticism_reasons)} for r in s.rows if r.criticism_reasons],
    }


def write_json(s: Supervision, meta: RoundInfo, path: str | Path) -> Path:
    out = Path(path)
    out.write_text(json.dumps(supervision_to_dict(s, meta), ensure_ascii=False, indent=2), encoding="utf-8")
    return out


# --------------------------------------------------------------------------- shared rows

def _fmt(x: float | None, d: int = 1, pct: bool = False) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x * 100:.{d}f}%" if pct else f"{x:.{d}f}"


def _part_names(s: Supervision) -> list[tuple[str, str]]:
    """(code, name) of every part of any county, in first-seen order."""
    seen: dict[str, str] = {}
    for r in s.rows:
        for c, n, _ in r.parts:
            seen.setdefault(c, n)
    return list(seen.items())


def _cv_counts(r: CountyRow) -> str:
    counting = [c for c in r.cvs if c.margin is not None]
    return f"{sum(1 for c in counting if c.passed)}/{len(counting)}" if counting else "—"


def _comparison(s: Supervision) -> tuple[list[str], list[list[str]]]:
    parts = _part_names(s)
    header = ["排名", "县（市、区）", "总体结论", *[n for _, n in parts], "差异系数达标", "差异系数余量",
              "规划目标达成率", "任务按期完成率", "得分"]
    rows = []
    for r in s.rows:
        pv = {c: v for c, _, v in r.parts}
        rows.append(["—" if r.rank is None else str(r.rank), r.name or r.code, VERDICT_ZH[r.verdict],
                     *[VERDICT_ZH[pv[c]] if c in pv else "—" for c, _ in parts], _cv_counts(r),
                     _fmt(r.components["cv_margin"], 3), _fmt(r.components["targets_met"], pct=True),
                     _fmt(r.components["tasks_on_time"], pct=True), _fmt(r.score)])
    return header, rows


def _rule_lines(s: Supervision) -> list[str]:
    ru = s.rules
    w = ru.weights
    total = sum(w.values())
    weights = "、".join(f"{COMPONENT_ZH[k]}{w[k] / total * 100:.0f}%" for k in WEIGHT_KEYS if w[k] > 0)
    vp = ru.verdict_points
    return [
        f"得分 = 100 × 各项加权平均，权重为{weights}；某项无数据时不计入，其余各项按权重重新折算（{ru.name}）。",
        f"评估结论按各部分计分：达标 {vp['pass']:g} 分，未达标 {vp['fail']:g} 分，待认定 {vp['incomplete']:g} 分，取平均。",
        "差异系数余量 = (1 + 平均余量) / 2，余量 = (限值 − 差异系数) / 限值（截取在 −1 至 1 之间），"
        "只计有限值、可计算且数据完整的差异系数；0.5 表示恰在限值上。",
        "规划目标达成率 = 本年已达到的目标数 / (已达到 + 未达到)，数据不足无法判断的目标不计入分母；"
        "任务按期完成率 = 按期完成的任务数 / 到期任务数，无任务时为空、不计入得分。",
        "得分相同者按县级区划代码由小到大排列；本学年无数据的县列为“待认定”，不参与排名。",
        f"以奖代补：排名前 {ru.reward_top} 名、得分不低于 {ru.reward_min_score:g}"
        + ("且无未达标部分" if ru.reward_no_failing_part else "") + "的县。",
        "通报批评：" + "；".join(x for x in (
            "有未达标部分的县" if ru.criticism_any_failing_part else "",
            f"参与排名的县多于 {ru.criticism_bottom} 个时，排名倒数 {ru.criticism_bottom} 名的县（已列入以奖代补的除外）" if ru.criticism_bottom else "",
            "本学年无评估数据的县" if ru.criticism_no_data else "") if x) + "。",
    ]


# --------------------------------------------------------------------------- Excel

def write_xlsx(s: Supervision, meta: RoundInfo, path: str | Path) -> Path:
    """Sheets 排名对比, 差异系数, 以奖代补, 通报批评, 排名规则; no formulas (every cell is neutralised)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "排名对比"
    header, rows = _comparison(s)
    ws.append(["代码", *header])
    for r, row in zip(s.rows, rows, strict=True):
        ws.append([r.code, r.rank, *row[1:-1], None if r.score is None else round(r.score, 6)])
        if r.verdict == "fail":
            ws.cell(ws.max_row, 4).fill = RED_FILL
    cv = wb.create_sheet("差异系数")
    cv.append(["代码", "县（市、区）", "学段", "指标", "差异系数", "限值", "结论", "余量"])
    for r in s.rows:
        for c in r.cvs:
            cv.append([r.code, r.name, STAGE_ZH.get(c.stage, c.stage), c.name, c.cv, c.limit,
                       "" if c.passed is None else ("达标" if c.passed else "未达标"), c.margin])
    rw = wb.create_sheet("以奖代补")
    rw.append(["代码", "县（市、区）", "排名", "得分", "理由"])
    for r in s.rows:
        if r.reward_reason:
            rw.append([r.code, r.name, r.rank, r.score, r.reward_reason])
    cr = wb.create_sheet("通报批评")
    cr.append(["代码", "县（市、区）", "排名", "得分", "理由"])
    for r in s.rows:
        if r.criticism_reasons:
            cr.append([r.code, r.name, r.rank, r.score, "；".join(r.criticism_reasons)])
    rules = wb.create_sheet("排名规则")
    for line in (f"{meta.issuer}　{s.year}—{s.year + 1}学年", f"标准：{s.pack_name}（{s.pack_source}）",
                 *_rule_lines(s), *meta.notes):
        rules.append([line])
    for sheet in wb.worksheets:
        for c in sheet[1]:
            c.font = Font(bold=True)
            c.alignment = Alignment(wrap_text=True)
        for i in range(1, sheet.max_column + 1):
            sheet.column_dimensions[get_column_letter(i)].width = 100 if sheet.title == "排名规则" else 14
    neutralise_workbook(wb)
    out = Path(path)
    wb.save(out)
    return out


# --------------------------------------------------------------------------- charts

def score_chart(s: Supervision) -> bytes | None:
    """Horizontal bars of the ranked counties' scores, best at the top; PNG bytes (None: nobody ranked)."""
    import matplotlib.pyplot as plt

    ranked = [r for r in s.rows if r.score is not None]
    if not ranked:
        return None
    _setup()
    fig, ax = plt.subplots(figsize=(6.4, 0.45 * len(ranked) + 1.2))
    names = [f"{r.rank}. {r.name or r.code}" for r in ranked][::-1]
    scores = [r.score or 0.0 for r in ranked][::-1]
    colors = ["#c0392b" if r.criticism_reasons else ("#27ae60" if r.reward_reason else "#2e86c1")
              for r in ranked][::-1]
    ax.barh(names, scores, color=colors)
    for y, v in enumerate(scores):
        ax.text(v, y, f" {v:.1f}", va="center", fontsize=8)
    ax.set_xlim(0, 110)
    ax.set_xlabel("得分（满分 100）")
    ax.set_title("各县督导得分（绿：以奖代补建议，红：通报批评建议）")
    return _png(fig)


def cv_ratio_chart(s: Supervision) -> bytes | None:
    """Per county and stage, the largest CV over its limit (≤ 1: every counted CV within its limit)."""
    import matplotlib.pyplot as plt

    counties = [r for r in s.rows if any(c.margin is not None for c in r.cvs)]
    if not counties:
        return None
    _setup()
    stages = [st for st in ("primary", "junior") if any(c.stage == st and c.margin is not None
                                                        for r in counties for c in r.cvs)]
    fig, ax = plt.subplots(figsize=(6.4, 0.5 * len(counties) + 1.4))
    height = 0.8 / len(stages)
    for k, st in enumerate(stages):
        vals = [max((c.cv / c.limit for c in r.cvs if c.stage == st and c.margin is not None
                     and c.cv is not None and c.limit), default=0.0) for r in counties]
        ys = [i + k * height for i in range(len(counties))]
        ax.barh(ys, vals, height=height, label=STAGE_ZH.get(st, st),
                color=("#2e86c1", "#f39c12")[k % 2])
    ax.axvline(1.0, color="#c0392b", linestyle="--", linewidth=1)
    ax.set_yticks([i + 0.4 - height / 2 for i in range(len(counties))], [r.name or r.code for r in counties])
    ax.invert_yaxis()
    ax.set_xlabel("最大差异系数 ÷ 限值（虚线 = 限值）")
    ax.set_title("各县校际差异系数与限值")
    ax.legend(fontsize=8, loc="lower right")
    return _png(fig)


# --------------------------------------------------------------------------- Word (GB/T 9704-2012)

def _title(s: Supervision, meta: RoundInfo) -> str:
    base = s.pack_name.split("（")[0].removesuffix("督导评估暂行办法").removesuffix("督导评估办法")
    return f"{meta.org_name}{s.year}—{s.year + 1}学年{base or '县域义务教育'}督导报告"


def _list_rows(s: Supervision, reward: bool) -> list[list[str]]:
    out = []
    for r in s.rows:
        reason = r.reward_reason if reward else "；".join(r.criticism_reasons)
        if reason:
            out.append([r.name or r.code, "—" if r.rank is None else str(r.rank), _fmt(r.score), reason])
    return out


def write_docx(s: Supervision, meta: RoundInfo, path: str | Path) -> Path:
    """The 督导报告: 一、基本情况; 二、各县评估结果对比 (landscape table); 三、排名规则与得分 (charts);
    四、以奖代补建议名单; 五、通报批评建议名单; 六、规划目标、任务与整改; then the issuing body and date."""
    doc = new_document()
    title_block(doc, _title(s, meta))

    ranked = [r for r in s.rows if r.rank is not None]
    heading(doc, "一、基本情况", 1)
    counts = {v: sum(1 for r in s.rows if r.has_data and r.verdict == v) for v in ("pass", "fail", "incomplete")}
    no_data = [r.name or r.code for r in s.rows if not r.has_data]
    paragraph(doc, f"本次督导依据{s.pack_name}（{s.pack_source}），对{meta.org_name or '所辖'}{len(s.rows)}个县（市、区）"
                f"{s.year}—{s.year + 1}学年情况逐县评估，各县单独评估、不合并计算。{len(ranked)}个县参与排名，其中"
                f"达标{counts['pass']}个、未达标{counts['fail']}个、待认定{counts['incomplete']}个。"
                + (f"{'、'.join(no_data)}本学年无数据，列为待认定，不参与排名。" if no_data else ""))

    landscape(doc, True)
    heading(doc, "二、各县评估结果对比", 1)
    header, rows = _comparison(s)
    table(doc, header, rows, size=9, red=FAIL_RED)
    paragraph(doc, "注：差异系数达标为“达标项数/参与计算项数”；“—”表示无数据或不适用。", indent=False, size=10.5)
    landscape(doc, False)

    heading(doc, "三、排名规则与得分", 1)
    for line in _rule_lines(s):
        paragraph(doc, line)
    for png in (score_chart(s), cv_ratio_chart(s)):
        if png:
            picture(doc, png, width_cm=15)

    for n, (heading_text, reward) in enumerate((("四、以奖代补建议名单", True), ("五、通报批评建议名单", False))):
        heading(doc, heading_text, 1)
        lrows = _list_rows(s, reward)
        if lrows:
            table(doc, ["县（市、区）", "排名", "得分", "理由"], lrows, red=FAIL_RED)
        else:
            paragraph(doc, "无符合条件的县。" if n == 0 else "无。")

    heading(doc, "六、规划目标、任务与整改", 1)
    with_targets = [r for r in s.rows if r.targets_counted]
    paragraph(doc, "规划目标：" + ("；".join(f"{r.name}本年到期目标{r.targets_counted}项，已达到{r.targets_met_count}项"
                                      for r in with_targets) + "。" if with_targets
                                else "本次所用标准包无本年到期的规划目标，目标达成率不计入得分。"))
    for note in meta.notes:
        paragraph(doc, note)
    paragraph(doc, "整改：各县未达标事项见各县自评报告的整改清单，整改跟踪随整改功能提供。")

    issuer_block(doc, meta.issuer, meta.date)
    out = Path(path)
    doc.save(str(out))
    return out
