"""The Word self-assessment report (自评报告), structured as a county's submission.

一、基本情况与总体结论; 二、资源配置 (school results, CV table and chart, a table
per indicator, failing schools and their gaps); 三、政府保障程度; 四、教育质量;
五、社会认可度; 六、一票否决事项; 七、整改清单; 附: 计算口径.  Text is Chinese;
the East Asian font is set so Word and LibreOffice pick a CJK face.  Figures are
the assessment's (CVs to ``cv_decimals`` places, other values 2 places).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from junheng.assess.results import STAGE_ZH, STATUS_ZH, VERDICT_ZH, Assessment, TargetResult
from junheng.report.charts import cv_chart, school_pass_chart
from junheng.report.fonts import WORD_EAST_ASIAN_FONT
from junheng.report.rectification import rectification_rows

RED = RGBColor(0xC0, 0x39, 0x2B)


def _font(style: Any, size: float | None = None) -> None:
    style.font.name = "Times New Roman"
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), WORD_EAST_ASIAN_FONT)
    if size:
        style.font.size = Pt(size)


def _table(doc: Any, header: list[str], rows: list[list[Any]], *, widths: list[float] | None = None,
           red_col: int | None = None) -> Any:
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    if widths:
        t.autofit = False
        for col, w in zip(t.columns, widths, strict=True):
            col.width = Cm(w)
    for c, h in zip(t.rows[0].cells, header, strict=True):
        c.text = ""
        run = c.paragraphs[0].add_run(h)
        run.bold = True
    for r in rows:
        cells = t.add_row().cells
        for k, (c, v) in enumerate(zip(cells, r, strict=True)):
            c.text = "" if v is None else str(v)
            if red_col is not None and k == red_col and str(v) in ("未达标", "未达到", "发生"):
                for run in c.paragraphs[0].runs:
                    run.font.color.rgb = RED
    for row in t.rows:
        for k, c in enumerate(row.cells):
            for p in c.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(9)
            if widths:
                c.width = Cm(widths[k])
    return t


def _f(x: Any, d: int = 2) -> str:
    if x is None:
        return ""
    try:
        xf = float(x)
    except (TypeError, ValueError):
        return str(x)
    if xf != xf:
        return ""
    if xf in (float("inf"), float("-inf")):
        return "∞"
    return f"{xf:.{d}f}"


def _pct(x: Any) -> str:
    return "" if x is None else f"{float(x) * 100:.2f}%"


def _item_value(it: Any) -> str:
    if it.value is None:
        return ""
    if it.unit == "%":
        return _pct(it.value)
    return f"{_f(it.value)} {it.unit}".strip()


def _target_text(t: TargetResult) -> str:
    """The required value as the table shows it: ``≥ 0.95``, or 待设定 while the plan leaves it to a parameter
    (a "xx" in the published plan) — never ``nan``."""
    if t.target is None or math.isnan(t.target):
        return f"待设定（参数 {t.parameter}）" if t.parameter else "待设定"
    return f"{t.op} {t.target:g}"


def write_docx(a: Assessment, path: str | Path, *, county_name: str = "") -> Path:
    """Write the self-assessment report; ``county_name`` goes into the title."""
    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.left_margin = sec.right_margin = Cm(2.2)
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Caption"):
        _font(doc.styles[name])
    _font(doc.styles["Normal"], 10.5)
    dec = int(a.parameters.get("cv_decimals", 3))

    base = a.pack_name.split("（")[0].removesuffix("督导评估暂行办法").removesuffix("督导评估办法")
    if county_name:
        base = base.removeprefix("县域")
    title = doc.add_heading(f"{county_name}{base}督导评估自评报告", level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = doc.add_paragraph(f"依据：{a.pack_source}　　评估学年：{a.year}—{a.year + 1}学年")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if a.overrides:
        doc.add_paragraph(f"省级细则：{'、'.join(a.overrides)}").alignment = WD_ALIGN_PARAGRAPH.CENTER

    # ------------------------------------------------------------------ 一、总体
    doc.add_heading("一、基本情况与总体结论", level=1)
    if not a.units.empty:
        for stage in ("primary", "junior"):
            su = a.units[a.units["stage"] == stage]
            if len(su):
                doc.add_paragraph(f"{STAGE_ZH[stage]}：参评学校（学段）{len(su)} 所，在校生 {int(su['students'].sum())} 人。")
    para = doc.add_paragraph("总体结论：")
    run = para.add_run(VERDICT_ZH[a.verdict])
    run.bold = True
    if a.verdict == "fail":
        run.font.color.rgb = RED
    _table(doc, ["评估内容", "结论", "主要问题"],
           [[p.name, VERDICT_ZH[p.verdict], "；".join(p.reasons[:3]) + ("……" if len(p.reasons) > 3 else "")]
            for p in a.parts], widths=[3.5, 2.0, 11.0], red_col=1)

    # ------------------------------------------------------------------ 二、资源配置
    ind = {i["code"]: i for i in a.indicators}
    n_sec = 2
    if not a.units.empty and ind:
        doc.add_heading(f"{_cn(n_sec)}、{a.parts[0].name if a.parts else '资源配置'}", level=1)
        n_sec += 1
        doc.add_heading("（一）学校达标情况", level=2)
        rows = []
        for stage in ("primary", "junior"):
            su = a.units[a.units["stage"] == stage]
            if su.empty:
                continue
            rows.append([STAGE_ZH[stage], len(su), int((su["pass_rule"] == "all").sum()),
                         int((su["pass_rule"] == "min_pass_floor").sum()), int((su["school_verdict"] == "fail").sum()),
                         int((su["school_verdict"] == "incomplete").sum())])
        _table(doc, ["学段", "学校数", "7项全部达标", "6项达标且余项≥85%", "未达标", "数据不全"], rows)
        png = school_pass_chart(a)
        if png:
            doc.add_picture(_bytes(png), width=Cm(14))

        doc.add_heading("（二）校际差异系数", level=2)
        cv_rows = [[STAGE_ZH[c.stage], c.name, f"{c.cv:.{dec}f}" if c.cv == c.cv else "",
                    "" if c.limit is None else f"{c.limit:.2f}",
                    "" if c.passed is None else ("达标" if c.passed else "未达标"), _f(c.mean), _f(c.gini, 3)]
                   for c in a.cvs]
        for cc in a.composite_cvs:
            cv_rows.append([STAGE_ZH[cc.stage], "综合差异系数（八项平均）", f"{cc.cv:.{dec}f}",
                            "" if cc.limit is None else f"{cc.limit:.2f}",
                            "" if cc.passed is None else ("达标" if cc.passed else "未达标"), "", ""])
        _table(doc, ["学段", "指标", "差异系数", "限值", "结论", "全县生均值", "基尼系数"], cv_rows,
               widths=[1.4, 6.6, 1.8, 1.4, 1.5, 2.2, 1.8], red_col=4)
        doc.add_paragraph("差异系数按在校生数加权计算（标准差取总体形式，均值取全县合计比值），见附录计算口径。").runs[0].font.size = Pt(9)
        for stage in ("primary", "junior"):
            png = cv_chart(a, stage)
            if png:
                doc.add_picture(_bytes(png), width=Cm(14))
        # which schools push each CV up most
        top = a.cv_terms.sort_values("variance_share", ascending=False).groupby(["stage", "indicator"]).head(1)
        names = a.units.set_index(["unit_code", "stage"])["name"]
        if not top.empty:
            doc.add_paragraph("对差异系数贡献最大的学校：")
            _table(doc, ["学段", "指标", "学校", "该校值", "贡献占比", "去掉该校后的差异系数"],
                   [[STAGE_ZH[r["stage"]], ind[r["indicator"]]["name"], names.get((r["unit_code"], r["stage"]), ""),
                     _f(r["value"]), _pct(r["variance_share"]), _f(r["cv_without"], dec)]
                    for r in top.to_dict("records")], widths=[1.4, 5.6, 3.4, 1.8, 1.8, 2.6])

        doc.add_heading("（三）各项指标分校情况", level=2)
        for k, (code, meta) in enumerate(ind.items(), 1):
            doc.add_heading(f"{k}. {meta['name']}（{meta['unit']}）", level=3)
            v = a.values[a.values["indicator"] == code]
            rows = []
            for r in v.to_dict("records"):
                passed = r["passed"]
                rows.append([names.get((r["unit_code"], r["stage"]), r["unit_code"]), STAGE_ZH[r["stage"]],
                             _f(r["numerator"]), _f(r["denominator"], 0), _f(r["value"]), _f(r["threshold"]),
                             "" if passed is None or passed != passed else ("达标" if passed else "未达标"),
                             "" if not r["gap"] else f"{_f(r['gap'])} {meta['gap_unit']}"])
            _table(doc, ["学校", "学段", "分子", "在校生", "指标值", "标准", "结论", "差距"], rows,
                   widths=[3.6, 1.2, 2.2, 1.6, 1.6, 1.4, 1.4, 2.6], red_col=6)

        doc.add_heading("（四）未达标学校及差距", level=2)
        fail = a.units[a.units["school_verdict"] != "pass"]
        if fail.empty:
            doc.add_paragraph("所有学校均达到“至少6项达标、其余不低于85%”的要求。")
        else:
            rows = []
            for u in fail.to_dict("records"):
                v = a.values[(a.values["unit_code"] == u["unit_code"]) & (a.values["stage"] == u["stage"])
                             & (a.values["must_fix_gap"] > 0)]
                need = "；".join(f"{ind[r['indicator']]['name']}补{_f(r['must_fix_gap'])}{ind[r['indicator']]['gap_unit']}"
                                for r in v.to_dict("records"))
                rows.append([u["name"], STAGE_ZH[u["stage"]], f"{u['n_pass']}/{u['n_indicators']}",
                             VERDICT_ZH[u["school_verdict"]], need])
            _table(doc, ["学校", "学段", "达标项数", "结论", "最少需补足"], rows, widths=[3.4, 1.2, 1.6, 1.6, 8.6], red_col=3)

    # ------------------------------------------------------------------ items by part
    for part in a.parts:
        its = [i for i in a.items if i.part == part.code]
        if not its:
            continue
        doc.add_heading(f"{_cn(n_sec)}、{part.name}", level=1)
        n_sec += 1
        doc.add_paragraph(f"结论：{VERDICT_ZH[part.verdict]}" + ("（任一事项发生即不予认定）" if part.veto else ""))
        rows = []
        for i in its:
            status = "发生" if part.veto and i.status == "not_met" else ("未发生" if part.veto and i.status == "met"
                                                                        else STATUS_ZH.get(i.status, i.status))
            ev = i.evidence
            basis = i.note
            if ev is not None and ev.document:
                basis = f"{basis}；佐证：{ev.document}" if basis else f"佐证：{ev.document}"
            rows.append([i.number, i.name, status, _item_value(i), basis])
        _table(doc, ["序号", "内容", "结论", "数值", "说明与佐证"], rows, widths=[1.0, 7.4, 1.6, 2.2, 4.4], red_col=2)
        det = a.item_details[a.item_details["item"].isin([i.code for i in its])]
        if not det.empty:
            doc.add_paragraph("未达到要求的学校：")
            names_i = {i.code: (i.number, i.name) for i in its}
            _table(doc, ["项目", "学校", "现状", "要求", "差距", "说明"],
                   [[f"第{names_i[d['item']][0]}项", d["name"], _f(d["value"]), _f(d["required"]),
                     f"{_f(d['gap'])} {d['gap_unit']}", d["note"]] for d in det.to_dict("records")],
                   widths=[1.4, 3.6, 1.8, 1.8, 2.4, 5.6])

    if a.targets:
        doc.add_heading(f"{_cn(n_sec)}、规划目标完成情况", level=1)
        n_sec += 1
        _table(doc, ["目标", "年份", "目标值", "实际值", "状态"],
               [[t.name, t.year, _target_text(t), _f(t.actual, 3), STATUS_ZH.get(t.status, t.status)]
                for t in a.targets], widths=[8.0, 1.4, 2.2, 2.2, 2.4])

    rect = rectification_rows(a)
    doc.add_heading(f"{_cn(n_sec)}、整改清单", level=1)
    if rect:
        _table(doc, ["序号", "对象", "问题", "整改内容", "数量", "单位", "责任单位", "完成时限"],
               [[k, *(_f(x) if isinstance(x, float) else x for x in r)] for k, r in enumerate(rect, 1)],
               widths=[1.0, 3.0, 4.4, 3.2, 1.4, 1.0, 1.4, 1.4])
    else:
        doc.add_paragraph("无。")

    doc.add_heading("附：计算口径", level=1)
    pr = a.parameters
    for line in (
        "差异系数：X_i = 该校资源 / 该校在校生；全县生均值 = 资源合计 / 在校生合计；"
        "S = √Σ(在校生_i / 在校生合计)(X_i − 全县生均值)²；差异系数 = S / 全县生均值（教督〔2017〕6号；standards.md §2.1）。",
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
        doc.add_paragraph(line).runs[0].font.size = Pt(9)
    out = Path(path)
    doc.save(str(out))
    return out


def _w(d: Any) -> str:
    if not d:
        return ""
    order = ("primary", "junior", "senior")
    return " : ".join(f"{float(d[s]):g}" for s in order if s in d and float(d[s]) > 0)


def _cn(n: int) -> str:
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)


def _bytes(png: bytes) -> Any:
    from io import BytesIO

    return BytesIO(png)
