"""The Excel template and export: Chinese headers, a 说明 sheet, validation in cells.

``write_workbook`` writes the template (empty) or an export (with data) from
the field catalogue.  Output is byte-for-byte deterministic for the same
data: fixed document properties and zip timestamps, rows sorted by key — so
export → import → export gives the same file.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from junheng.domain import fields as F
from junheng.domain.labels import zh_map
from junheng.domain.tables import YearTables
from junheng.domain.textsafe import neutralise_workbook
from junheng.io.reader import INSTRUCTIONS_SHEET, column_letter

FIXED_TIME = dt.datetime(2020, 1, 1, 0, 0, 0)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
KEY_FONT = Font(color="808080", size=8)
LAST_ROW = 1048576

KIND_ZH = zh_map("field_kind")


def _cell_value(f: F.Field, v: object) -> object:
    if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)):
        return None
    if f.kind == "enum":
        return f.enum(v).label if f.enum else v
    if f.kind == "bool":
        return "是" if bool(v) else "否"
    if f.kind == "int":
        return int(v)  # type: ignore[call-overload]
    if f.kind == "float":
        x = float(v)  # type: ignore[arg-type]
        return int(x) if x.is_integer() and abs(x) < 2**53 else x
    if f.kind == "date":
        return v if isinstance(v, dt.date) else pd.Timestamp(v).date()
    return str(v)


def _validation(f: F.Field, col: str) -> DataValidation | None:
    rng = f"{col}3:{col}{LAST_ROW}"
    dv: DataValidation | None
    if f.kind == "enum":
        dv = DataValidation(type="list", formula1='"' + ",".join(f.choices) + '"', allow_blank=True)
    elif f.kind == "bool":
        dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    elif f.kind in ("int", "float"):
        kind = "whole" if f.kind == "int" else "decimal"
        if f.minimum is not None and f.maximum is not None:
            dv = DataValidation(type=kind, operator="between", formula1=str(f.minimum), formula2=str(f.maximum))
        elif f.minimum is not None:
            dv = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=str(f.minimum))
        else:
            dv = DataValidation(type=kind, operator="lessThanOrEqual", formula1=str(f.maximum or 1e15))
        dv.allow_blank = True
    elif f.kind == "code":
        dv = DataValidation(type="textLength", operator="equal", formula1=str(f.digits), allow_blank=True)
    elif f.kind == "date":
        dv = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
    else:
        return None
    dv.error = f"“{f.zh}”应为{KIND_ZH[f.kind]}" + (f"：{'、'.join(f.choices)}" if f.choices else "")
    dv.errorTitle = "输入有误"
    dv.showErrorMessage = True
    if f.help:
        dv.prompt = f.help[:250]
        dv.promptTitle = f.zh[:30]
        dv.showInputMessage = True
    dv.add(rng)
    return dv


def _write_sheet(ws: Worksheet, spec: F.SheetSpec, df: pd.DataFrame | None) -> None:
    ws.append([f.header for f in spec.fields])
    ws.append([f.key for f in spec.fields])
    for i, f in enumerate(spec.fields):
        c1 = ws.cell(row=1, column=i + 1)
        c1.font = Font(bold=True)
        c1.fill = REQUIRED_FILL if f.required else HEADER_FILL
        c1.alignment = Alignment(wrap_text=True, vertical="center")
        ws.cell(row=2, column=i + 1).font = KEY_FONT
        ws.column_dimensions[column_letter(i)].width = max(10, min(28, len(f.header) * 2 + 2))
        dv = _validation(f, column_letter(i))
        if dv is not None:
            ws.add_data_validation(dv)
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "A3"
    if df is None or df.empty:
        return
    df = df.sort_values(list(spec.primary_key), kind="stable")
    fields = spec.fields
    for row in df[[f.key for f in fields]].itertuples(index=False, name=None):
        ws.append([_cell_value(f, v) for f, v in zip(fields, row, strict=True)])
    for i, f in enumerate(fields):
        if f.kind == "date":
            for (cell,) in ws.iter_rows(min_row=3, min_col=i + 1, max_col=i + 1):
                cell.number_format = "yyyy-mm-dd"


def _write_instructions(ws: Worksheet, sheets: tuple[F.SheetSpec, ...]) -> None:
    ws.append(["均衡 Junheng 数据模板 / data template"])
    ws["A1"].font = Font(bold=True, size=14)
    notes = (
        "1. 每张工作表对应一类数据；第 1 行为中文列名（括号内为单位），第 2 行为字段标识，请勿修改这两行，数据从第 3 行起填写。",
        "2. 橙色列为必填列。代码类字段（区划代码、学校标识码）请以文本格式填写，勿丢失位数。",
        "3. 一贯制学校在“学段年度数据”中按学段分行填写；校舍、场地、设备等共享资源在“学校年度数据”中每校每年填写一行。",
        "4. 导入时全部检查通过才写入数据库，有任何错误则不写入任何数据，并给出错误清单（工作表、行、列、应为、实为）。",
        "5. 重新导入某学年的数据，将替换所涉县区该学年的全部学校年度数据。",
    )
    for n in notes:
        ws.append([n])
    ws.append([])
    header = ["工作表", "列名", "字段标识", "英文名", "单位", "类型", "必填", "取值范围/可选值", "说明"]
    ws.append(header)
    hr = ws.max_row
    for i in range(len(header)):
        ws.cell(row=hr, column=i + 1).font = Font(bold=True)
        ws.cell(row=hr, column=i + 1).fill = HEADER_FILL
    for spec in sheets:
        for f in spec.fields:
            if f.choices:
                rng = "、".join(f.choices)
            elif f.kind == "code":
                rng = f"{f.digits} 位数字"
            elif f.kind in ("int", "float"):
                lo = "" if f.minimum is None else f"≥{f.minimum:g}"
                hi = "" if f.maximum is None else f"≤{f.maximum:g}"
                rng = " ".join(x for x in (lo, hi) if x)
            else:
                rng = ""
            ws.append([spec.zh, f.zh, f.key, f.en, f.unit, KIND_ZH[f.kind], "是" if f.required else "",
                       rng, f.help])
    for col, width in zip("ABCDEFGHI", (14, 26, 28, 30, 8, 8, 6, 22, 60), strict=True):
        ws.column_dimensions[col].width = width


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite an xlsx zip with fixed timestamps and member order."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the save time
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", content)
            dst.writestr(zi, content)
    return out.getvalue()


def write_workbook(path: str | Path, tables: YearTables | None = None, *,
                   sheets: tuple[str, ...] | None = None, personal: bool = True) -> Path:
    """Write the template (``tables=None``) or an export of ``tables`` to ``path``.

    ``sheets`` restricts the table keys written; ``personal=False`` leaves out
    the sheets holding personal data (children, teachers).
    """
    path = Path(path)
    specs = tuple(s for s in F.SHEETS if (sheets is None or s.key in sheets) and (personal or not s.personal))
    wb = Workbook()
    ws0 = wb.active
    ws0.title = INSTRUCTIONS_SHEET
    _write_instructions(ws0, specs)
    for spec in specs:
        ws = wb.create_sheet(spec.zh)
        df = getattr(tables, spec.key) if tables is not None else None
        _write_sheet(ws, spec, df)
    wb.properties.creator = "Junheng"
    wb.properties.lastModifiedBy = "Junheng"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    neutralise_workbook(wb)  # names come from users: text cells, never live formulas (values unchanged)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_deterministic_zip(buf.getvalue()))
    return path
