"""The assessment as an Excel workbook: a sheet per part, conditional formatting on failures.

Sheets: 总览; 资源配置 (one row per school section, one column per indicator,
red where below the stage threshold); 资源配置明细 (numerator, denominator,
value, threshold, gaps); 差异系数; one sheet per other part (政府保障程度, 教育质量,
社会认可度, 一票否决 …); 问题学校明细 (schools behind county items); 整改清单;
规划目标 for plan packs.  Numbers are written at full precision with a display
format, so the workbook and the JSON hold the same figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from junheng.assess.results import STAGE_ZH, STATUS_ZH, VERDICT_ZH, Assessment
from junheng.domain.labels import zh_map
from junheng.domain.textsafe import neutralise_workbook
from junheng.report.rectification import rectification_rows

AREA_ZH = zh_map("area")
RED = PatternFill(start_color="F8CBAD", end_color="F8CBAD", fill_type="solid")
GREEN = PatternFill(start_color="C6EFCE", end_color="C6EFCE", fill_type="solid")
YELLOW = PatternFill(start_color="FFEB9C", end_color="FFEB9C", fill_type="solid")
HEAD = Font(bold=True)


def _clean(v: Any) -> Any:
    try:
        if v is None or v != v:  # NaN
            return None
    except (TypeError, ValueError):
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and v in (float("inf"), float("-inf")):
        return None
    return v


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]], *,
           formats: dict[int, str] | None = None, widths: dict[int, int] | None = None) -> Worksheet:
    ws = wb.create_sheet(title[:31])
    ws.append(header)
    for c in ws[1]:
        c.font = HEAD
        c.alignment = Alignment(wrap_text=True, vertical="center")
    for r in rows:
        ws.append([_clean(v) for v in r])
    for col, fmt in (formats or {}).items():
        for row in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            for cell in row:
                cell.number_format = fmt
    for i in range(1, len(header) + 1):
        ws.column_dimensions[get_column_letter(i)].width = (widths or {}).get(i, 14)
    ws.freeze_panes = "A2"
    return ws


def _status_colours(ws: Worksheet, col: int, n: int) -> None:
    letter = get_column_letter(col)
    rng = f"{letter}2:{letter}{max(n + 1, 2)}"
    for text, fill in (("未达到", RED), ("未达标", RED), ("发生", RED), ("待认定", YELLOW), ("达到", GREEN),
                       ("达标", GREEN)):
        ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=[f'"{text}"'], fill=fill))


def write_xlsx(a: Assessment, path: str | Path) -> Path:
    """Write the workbook; returns the path."""
    wb = Workbook()
    ws0 = wb.active
    assert ws0 is not None
    ws0.title = "总览"
    ws0.append(["标准", f"{a.pack_name}（{a.pack_source}）"])
    ws0.append(["学年", a.year])
    ws0.append(["总体结论", VERDICT_ZH[a.verdict]])
    if a.overrides:
        ws0.append(["省级细则", "、".join(a.overrides)])
    ws0.append([])
    ws0.append(["部分", "结论", "原因"])
    for p in a.parts:
        ws0.append([p.name, VERDICT_ZH[p.verdict], "；".join(p.reasons)])
    _status_colours(ws0, 2, ws0.max_row)
    ws0.column_dimensions["A"].width = 16
    ws0.column_dimensions["B"].width = 40
    ws0.column_dimensions["C"].width = 100

    ind = {i["code"]: i for i in a.indicators}
    if not a.units.empty and ind:
        codes = list(ind)
        wide = a.values.pivot_table(index=["unit_code", "stage"], columns="indicator", values="value", aggfunc="first")
        header = ["学校代码", "学校名称", "学段", "城乡", "在校生", *[ind[c]["name"] for c in codes], "达标项数", "结论", "合并校点"]
        rows = []
        for u in a.units.to_dict("records"):
            key = (u["unit_code"], u["stage"])
            vals = [wide.loc[key, c] if key in wide.index and c in wide.columns else None for c in codes]
            rows.append([u["unit_code"], u["name"], STAGE_ZH.get(u["stage"], u["stage"]),
                         AREA_ZH.get(str(u.get("area")), ""), u["students"],
                         *vals, u.get("n_pass"), VERDICT_ZH.get(str(u.get("school_verdict")), ""), u.get("sites", "")])
        ws = _sheet(wb, "资源配置", header, rows, formats={5 + k: "0.00" for k in range(1, len(codes) + 1)},
                    widths={2: 22, len(header): 24})
        n = len(rows)
        for k, c in enumerate(codes):
            thr = ind[c]["threshold"]
            if not thr:
                continue
            col = get_column_letter(6 + k)
            # the stage's threshold as nested IFs on the 学段 column (works in every spreadsheet program)
            expr = str(float(thr["all"])) if "all" in thr else "-1E+99"
            for s, v in thr.items():
                if s in STAGE_ZH:
                    expr = f'IF($C2="{STAGE_ZH[s]}",{float(v)},{expr})'
            ws.conditional_formatting.add(f"{col}2:{col}{n + 1}",
                                          FormulaRule(formula=[f"AND(ISNUMBER({col}2),{col}2<{expr})"], fill=RED))
        _status_colours(ws, len(header) - 1, n)

        detail = []
        names = a.units.set_index(["unit_code", "stage"])["name"]
        for v in a.values.to_dict("records"):
            meta = ind[v["indicator"]]
            passed = v["passed"]
            detail.append([v["unit_code"], names.get((v["unit_code"], v["stage"]), ""), STAGE_ZH.get(v["stage"], ""),
                           meta["name"], v["numerator"], v["denominator"], v["value"], v["threshold"], v["floor"],
                           "" if passed is None or passed != passed else ("达标" if passed else "未达标"),
                           v["gap"], v["must_fix_gap"], meta["gap_unit"]])
        ws = _sheet(wb, "资源配置明细", ["学校代码", "学校名称", "学段", "指标", "分子", "分母", "指标值", "标准", "85%标准",
                                      "是否达标", "差距(补到标准)", "最少补足", "单位"], detail,
                    formats={5: "0.00", 6: "0", 7: "0.000", 8: "0.000", 9: "0.000", 11: "0.00", 12: "0.00"},
                    widths={2: 22, 4: 36})
        _status_colours(ws, 10, len(detail))

    if a.cvs:
        rows = [[STAGE_ZH.get(c.stage, c.stage), c.name, c.cv, c.limit,
                 "" if c.passed is None else ("达标" if c.passed else "未达标"), c.mean, c.n_units, c.students, c.gini,
                 c.theil, c.theil_between, c.theil_within, c.max_min_ratio] for c in a.cvs]
        for cc in a.composite_cvs:
            rows.append([STAGE_ZH.get(cc.stage, cc.stage), "综合差异系数(八项平均)", cc.cv, cc.limit,
                         "" if cc.passed is None else ("达标" if cc.passed else "未达标"), None, None, None, None, None,
                         None, None, None])
        ws = _sheet(wb, "差异系数", ["学段", "指标", "差异系数", "限值", "结论", "全县生均值", "学校数", "在校生", "基尼系数",
                                  "泰尔指数", "泰尔-城乡间", "泰尔-城乡内", "最高/最低"], rows,
                    formats={3: "0.000", 4: "0.00", 6: "0.00", 9: "0.000", 10: "0.0000", 11: "0.0000", 12: "0.0000",
                             13: "0.00"}, widths={2: 40})
        _status_colours(ws, 5, len(rows))

    for part in a.parts:
        its = [i for i in a.items if i.part == part.code]
        if not its:
            continue
        rows = [[i.number, i.name, STATUS_ZH.get(i.status, i.status) if not part.veto or i.status != "not_met" else "发生",
                 i.value, i.threshold, i.op, i.numerator, i.denominator, i.note,
                 i.evidence.document if i.evidence else "", i.evidence.by if i.evidence else "",
                 i.evidence.date if i.evidence else "", i.source] for i in its]
        ws = _sheet(wb, part.name, ["序号", "内容", "结论", "数值", "标准", "比较", "分子", "分母", "说明", "佐证文件", "认定人",
                                    "认定日期", "依据"], rows, formats={4: "0.0000", 5: "0.00"}, widths={2: 60, 9: 40, 13: 30})
        _status_colours(ws, 3, len(rows))

    if not a.item_details.empty:
        names = {i.code: i.name for i in a.items}
        rows = [[names.get(d["item"], d["item"]), d["school_code"], d["name"], STAGE_ZH.get(str(d["stage"]), ""),
                 d["value"], d["required"], d["gap"], d["gap_unit"], d["note"]] for d in a.item_details.to_dict("records")]
        _sheet(wb, "问题学校明细", ["项目", "学校代码", "学校名称", "学段", "现状", "要求", "差距", "单位", "说明"], rows,
               widths={1: 40, 3: 22, 9: 30})

    if a.targets:
        rows = [[t.name, t.org, t.year, t.op, t.target, t.actual, STATUS_ZH.get(t.status, t.status), t.note, t.source]
                for t in a.targets]
        ws = _sheet(wb, "规划目标", ["目标", "区划", "年份", "比较", "目标值", "实际值", "状态", "说明", "依据"], rows,
                    formats={5: "0.000", 6: "0.000"}, widths={1: 40, 8: 40, 9: 40})
        _status_colours(ws, 7, len(rows))

    rect = rectification_rows(a)
    if rect:
        _sheet(wb, "整改清单", ["序号", "对象", "问题", "整改内容", "数量", "单位", "责任单位", "完成时限"],
               [[k, *r] for k, r in enumerate(rect, 1)], widths={2: 24, 3: 40, 4: 40})
    out = Path(path)
    neutralise_workbook(wb)  # school names etc. come from users: never a live formula
    wb.save(out)
    return out
