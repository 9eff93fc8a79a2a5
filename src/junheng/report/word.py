"""The Word self-assessment report (自评报告), structured as a county's submission, on the official template.

一、基本情况与总体结论; 二、资源配置 (school results, CV table and chart, a table per indicator, failing schools
and their gaps); then 政府保障程度, 教育质量, 社会认可度, 一票否决事项, 规划目标, 整改清单 as the pack has them;
附：计算口径; the issuing body and date.  The layout is GB/T 9704-2012 (:mod:`junheng.report.document`): A4, the
standard's margins, 仿宋/黑体/楷体/小标宋, "— n —" page numbers, numbered headings 一、（一）1.  Figures are the
assessment's, grouped by three digits (CVs to ``cv_decimals`` places, indicator values to 2); sources are cited
by their document numbers (教督〔2017〕6号 …).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

from junheng.assess.results import STAGE_ZH, STATUS_ZH, VERDICT_ZH, Assessment, TargetResult
from junheng.report.charts import cv_chart, school_pass_chart
from junheng.report.document import (
    RED,
    TABLE_PT,
    Outline,
    count,
    default_issuer,
    heading,
    issuer_block,
    new_document,
    number,
    official_date,
    paragraph,
    percent,
    picture,
    table,
    title_block,
)
from junheng.report.rectification import rectification_rows

NOTE_PT = 12  # 小四: notes under tables and the 计算口径
CHART_CM = 14


def _table(doc: Any, header: list[str], rows: list[list[Any]], *, widths: list[float] | None = None) -> Any:
    """An official table: 五号 (10.5 pt), or 小五 (9 pt) when it has seven columns or more."""
    return table(doc, header, rows, widths=widths, size=9 if len(header) >= 7 else TABLE_PT)


def _item_value(it: Any) -> str:
    if it.value is None:
        return ""
    if it.unit == "%":
        return percent(it.value)
    return f"{number(it.value, trim=True)} {it.unit}".strip()


def _target_text(t: TargetResult) -> str:
    """The required value as the table shows it: ``≥ 0.95``, or 待设定 while the plan leaves it to be set
    (a "xx" in the published plan) — never ``nan``."""
    if t.target is None or math.isnan(t.target):
        return "待设定（规划另行确定）" if t.parameter else "待设定"
    return f"{t.op} {t.target:g}"


def _title(a: Assessment, county_name: str) -> str:
    base = a.pack_name.split("（")[0].removesuffix("督导评估暂行办法").removesuffix("督导评估办法")
    if county_name:
        base = base.removeprefix("县域")
    return f"{county_name}{base}督导评估自评报告"


def write_docx(a: Assessment, path: str | Path, *, county_name: str = "", issuer: str = "",
               date: dt.date | None = None) -> Path:
    """Write the self-assessment report; ``county_name`` goes into the title, ``issuer`` (default the county's
    人民政府教育督导委员会办公室) and ``date`` (default today) onto the cover and under the text."""
    doc = new_document()
    body = issuer or default_issuer(county_name)
    when = date or dt.date.today()
    dec = int(a.parameters.get("cv_decimals", 3))
    lines = [body, official_date(when), f"依据：{a.pack_source}　　评估学年：{a.year}—{a.year + 1}学年"]
    if a.overrides:
        lines.append(f"省级细则：{'、'.join(a.overrides)}")
    title_block(doc, _title(a, county_name), lines=tuple(lines))
    out = Outline(doc)

    # ------------------------------------------------------------------ 一、总体
    out.h1("基本情况与总体结论")
    if not a.units.empty:
        for stage in ("primary", "junior"):
            su = a.units[a.units["stage"] == stage]
            if len(su):
                paragraph(doc, f"{STAGE_ZH[stage]}：参评学校（学段）{count(len(su))} 所，在校生 {count(su['students'].sum())} 人。")
    para = paragraph(doc, "总体结论：")
    run = para.add_run(VERDICT_ZH[a.verdict])
    run.bold = True
    if a.verdict == "fail":
        run.font.color.rgb = RED
    _table(doc, ["评估内容", "结论", "主要问题"],
           [[p.name, VERDICT_ZH[p.verdict], "；".join(p.reasons[:3]) + ("……" if len(p.reasons) > 3 else "")]
            for p in a.parts], widths=[3.0, 2.0, 10.6])

    # ------------------------------------------------------------------ 二、资源配置
    ind = {i["code"]: i for i in a.indicators}
    if not a.units.empty and ind:
        out.h1(next((p.name for p in a.parts if p.code == "resources"), "资源配置"))
        out.h2("学校达标情况")
        rows = []
        for stage in ("primary", "junior"):
            su = a.units[a.units["stage"] == stage]
            if su.empty:
                continue
            rows.append([STAGE_ZH[stage], count(len(su)), count((su["pass_rule"] == "all").sum()),
                         count((su["pass_rule"] == "min_pass_floor").sum()),
                         count((su["school_verdict"] == "fail").sum()),
                         count((su["school_verdict"] == "incomplete").sum())])
        _table(doc, ["学段", "学校数", "7项全部达标", "6项达标且余项≥85%", "未达标", "数据不全"], rows)
        png = school_pass_chart(a)
        if png:
            picture(doc, png, width_cm=CHART_CM)

        out.h2("校际差异系数")
        cv_rows = [[STAGE_ZH[c.stage], c.name, f"{c.cv:.{dec}f}" if c.cv == c.cv else "",
                    "" if c.limit is None else f"{c.limit:.2f}",
                    "" if c.passed is None else ("达标" if c.passed else "未达标"), number(c.mean), number(c.gini, 3)]
                   for c in a.cvs]
        for cc in a.composite_cvs:
            cv_rows.append([STAGE_ZH[cc.stage], "综合差异系数（八项平均）", f"{cc.cv:.{dec}f}",
                            "" if cc.limit is None else f"{cc.limit:.2f}",
                            "" if cc.passed is None else ("达标" if cc.passed else "未达标"), "", ""])
        _table(doc, ["学段", "指标", "差异系数", "限值", "结论", "全县生均值", "基尼系数"], cv_rows,
               widths=[1.4, 5.8, 1.8, 1.4, 1.5, 2.0, 1.7])
        paragraph(doc, "差异系数按在校生数加权计算（标准差取总体形式，均值取全县合计比值），见附录计算口径。",
                  size=NOTE_PT)
        for stage in ("primary", "junior"):
            png = cv_chart(a, stage)
            if png:
                picture(doc, png, width_cm=CHART_CM)
        # which schools push each CV up most
        top = a.cv_terms.sort_values("variance_share", ascending=False).groupby(["stage", "indicator"]).head(1)
        names = a.units.set_index(["unit_code", "stage"])["name"]
        if not top.empty:
            paragraph(doc, "对差异系数贡献最大的学校：")
            _table(doc, ["学段", "指标", "学校", "该校值", "贡献占比", "去掉该校后的差异系数"],
                   [[STAGE_ZH[r["stage"]], ind[r["indicator"]]["name"], names.get((r["unit_code"], r["stage"]), ""),
                     number(r["value"]), percent(r["variance_share"]), number(r["cv_without"], dec)]
                    for r in top.to_dict("records")], widths=[1.4, 5.0, 3.4, 1.8, 1.8, 2.2])

        out.h2("各项指标分校情况")
        for code, meta in ind.items():
            out.h3(f"{meta['name']}（{meta['unit']}）")
            v = a.values[a.values["indicator"] == code]
            rows = []
            for r in v.to_dict("records"):
                passed = r["passed"]
                rows.append([names.get((r["unit_code"], r["stage"]), r["unit_code"]), STAGE_ZH[r["stage"]],
                             number(r["numerator"], trim=True), count(r["denominator"]), number(r["value"]),
                             number(r["threshold"]),
                             "" if passed is None or passed != passed else ("达标" if passed else "未达标"),
                             "" if not r["gap"] else f"{number(r['gap'])} {meta['gap_unit']}"])
            _table(doc, ["学校", "学段", "分子", "在校生", "指标值", "标准", "结论", "差距"], rows,
                   widths=[3.4, 1.2, 2.4, 1.6, 1.6, 1.4, 1.4, 2.6])

        out.h2("未达标学校及差距")
        fail = a.units[a.units["school_verdict"] != "pass"]
        if fail.empty:
            paragraph(doc, "所有学校均达到“至少6项达标、其余不低于85%”的要求。")
        else:
            rows = []
            for u in fail.to_dict("records"):
                v = a.values[(a.values["unit_code"] == u["unit_code"]) & (a.values["stage"] == u["stage"])
                             & (a.values["must_fix_gap"] > 0)]
                need = "；".join(f"{ind[r['indicator']]['name']}补{number(r['must_fix_gap'])}"
                                f"{ind[r['indicator']]['gap_unit']}" for r in v.to_dict("records"))
                rows.append([u["name"], STAGE_ZH[u["stage"]], f"{u['n_pass']}/{u['n_indicators']}",
                             VERDICT_ZH[u["school_verdict"]], need])
            _table(doc, ["学校", "学段", "达标项数", "结论", "最少需补足"], rows, widths=[3.4, 1.2, 1.6, 1.6, 7.8])

    # ------------------------------------------------------------------ items by part
    for part in a.parts:
        its = [i for i in a.items if i.part == part.code]
        if not its:
            continue
        out.h1(part.name)
        paragraph(doc, f"结论：{VERDICT_ZH[part.verdict]}" + ("（任一事项发生即不予认定）" if part.veto else ""))
        item_rows: list[list[Any]] = []
        for i in its:
            status = "发生" if part.veto and i.status == "not_met" else ("未发生" if part.veto and i.status == "met"
                                                                        else STATUS_ZH.get(i.status, i.status))
            ev = i.evidence
            basis = i.note
            if ev is not None and ev.document:
                basis = f"{basis}；佐证：{ev.document}" if basis else f"佐证：{ev.document}"
            item_rows.append([i.number, i.name, status, _item_value(i), basis])
        _table(doc, ["序号", "内容", "结论", "数值", "说明与佐证"], item_rows, widths=[1.0, 6.8, 1.6, 2.2, 4.0])
        det = a.item_details[a.item_details["item"].isin([i.code for i in its])]
        if not det.empty:
            paragraph(doc, "未达到要求的学校：")
            names_i = {i.code: (i.number, i.name) for i in its}
            _table(doc, ["项目", "学校", "现状", "要求", "差距", "说明"],
                   [[f"第{names_i[d['item']][0]}项", d["name"], number(d["value"], trim=True),
                     number(d["required"], trim=True), f"{number(d['gap'], trim=True)} {d['gap_unit']}", d["note"]]
                    for d in det.to_dict("records")],
                   widths=[1.4, 3.4, 1.8, 1.8, 2.4, 4.8])

    if a.targets:
        out.h1("规划目标完成情况")
        _table(doc, ["目标", "年份", "目标值", "实际值", "状态"],
               [[t.name, t.year, _target_text(t), number(t.actual, 3), STATUS_ZH.get(t.status, t.status)]
                for t in a.targets], widths=[7.4, 1.4, 2.4, 2.0, 2.4])

    rect = rectification_rows(a)
    out.h1("整改清单")
    if rect:
        rect_rows: list[list[Any]] = [[k, *(number(x, trim=True) if isinstance(x, float) else x for x in r)]
                                      for k, r in enumerate(rect, 1)]
        _table(doc, ["序号", "对象", "问题", "整改内容", "数量", "单位", "责任单位", "完成时限"], rect_rows,
               widths=[1.0, 3.0, 4.0, 3.0, 1.4, 1.0, 1.2, 1.2])
    else:
        paragraph(doc, "无。")

    heading(doc, "附：计算口径", 1)
    pr = a.parameters
    for line in (
        "差异系数：X_i = 该校资源 / 该校在校生；全县生均值 = 资源合计 / 在校生合计；"
        "S = √Σ(在校生_i / 在校生合计)(X_i − 全县生均值)²；差异系数 = S / 全县生均值（教督〔2017〕6号）。",
        f"一贯制学校共享资源按加权在校生拆分，小学:初中:高中 = {_w(pr.get('split_weights'))}；"
        f"完全中学 初中:高中 = {_w(pr.get('split_weights_complete_secondary'))}。",
        "教学点：" + ("并入所属学校计算" if pr.get("teaching_points") == "merge" else "单独计算")
        + (f"，不足{pr.get('teaching_point_min_students')}人的教学点不参加资源配置计算"
           if pr.get("teaching_point_min_students") else "") + "；民办学校" + ("参加" if pr.get("include_private") else "不参加")
        + "计算；特殊教育学校" + ("不参加" if pr.get("exclude_special_schools") else "参加") + "资源配置计算。",
        "高于规定学历：小学为专科及以上，初中为本科及以上；体育、艺术专任教师 = 体育 + 音乐 + 美术；"
        "体育运动场馆面积 = 室外运动场地 + 室内体育用房"
        + ("；教学及辅助用房面积已扣除室内体育用房。" if pr.get("subtract_indoor_sports") else "。"),
        *[f"说明：{n}" for n in a.notes],
    ):
        paragraph(doc, line, size=NOTE_PT)
    issuer_block(doc, body, when)
    path_out = Path(path)
    doc.save(str(path_out))
    return path_out


def _w(d: Any) -> str:
    if not d:
        return ""
    order = ("primary", "junior", "senior")
    return " : ".join(f"{float(d[s]):g}" for s in order if s in d and float(d[s]) > 0)
