"""Read a workbook (or a CSV of one sheet) into typed frames, collecting every error.

The workbook is the template written by :mod:`junheng.io.template`: one sheet per
catalogue table, Chinese headers in row 1 (with the unit in brackets), the
English identifiers in row 2, data from row 3.  A workbook that lacks the
identifier row, or whose headers carry the identifiers instead of Chinese,
reads the same.  Person-level tables (children, teachers, population, births)
may also come as CSV files (UTF-8 or GBK), named after the table
(``child.csv``/``儿童.csv``) or given an explicit table.

Reading never stops at the first error: the result lists all of them, each
with file, sheet, row, column, expected and found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from junheng.domain import fields as F
from junheng.domain.tables import YearTables, coerce_frame
from junheng.io.cells import blank_mask, convert
from junheng.io.errors import ValidationIssue

ROW = "_row"  # column carrying the 1-based row number of the source sheet
INSTRUCTIONS_SHEET = "说明"
_UNIT = re.compile(r"[（(][^()（）]*[)）]$")


def column_letter(index: int) -> str:
    """0-based column index → Excel letter (0 → A, 26 → AA)."""
    s = ""
    index += 1
    while index:
        index, r = divmod(index - 1, 26)
        s = chr(65 + r) + s
    return s


def _norm_header(text: object) -> str:
    s = str(text).strip().replace(" ", "").replace("\u3000", "").replace("\n", "")
    return _UNIT.sub("", s)


@dataclass
class ParsedSheet:
    spec: F.SheetSpec
    file: str
    sheet: str
    frame: pd.DataFrame  # catalogue columns + ROW
    headers: dict[str, str] = field(default_factory=dict)  # key -> "中文列名 (F)"

    def column(self, key: str) -> str:
        return self.headers.get(key) or self.spec.field(key).zh


@dataclass
class ParsedFile:
    path: Path
    sheets: dict[str, ParsedSheet]  # by table key
    issues: list[ValidationIssue]
    sha256: str = ""

    def tables(self) -> YearTables:
        return YearTables.from_frames(**{k: s.frame.drop(columns=[ROW]) for k, s in self.sheets.items()})


def _match_columns(spec: F.SheetSpec, header: Sequence[object], file: str, sheet: str,
                   issues: list[ValidationIssue]) -> dict[int, F.Field]:
    by_name: dict[str, F.Field] = {}
    for fld in spec.fields:
        by_name[fld.zh] = fld
        by_name[_norm_header(fld.header)] = fld
        by_name[fld.key] = fld
    mapping: dict[int, F.Field] = {}
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        if h is None or str(h).strip() == "":
            continue
        f: F.Field | None = by_name.get(_norm_header(h)) or by_name.get(str(h).strip())
        letter = column_letter(i)
        if f is None:
            issues.append(ValidationIssue("E404", file, sheet, 1, f"{h} ({letter})",
                                          "模板中的列名", str(h), f"“{sheet}”表没有这一列，请使用模板的列名"))
            continue
        if f.key in seen:
            issues.append(ValidationIssue("E405", file, sheet, 1, f"{h} ({letter})", "每列只出现一次",
                                          f"与第 {column_letter(seen[f.key])} 列重复"))
            continue
        seen[f.key] = i
        mapping[i] = f
    for f in spec.fields:
        if f.required and f.key not in seen:
            issues.append(ValidationIssue("E403", file, sheet, 1, f.header, f"必填列“{f.header}”", "缺少该列"))
    return mapping


def _frame_from_rows(rows: list[tuple], first_row: int) -> pd.DataFrame:
    if rows:
        width = max(len(r) for r in rows)
        raw = pd.DataFrame([tuple(r) + (None,) * (width - len(r)) for r in rows], dtype=object)
    else:
        raw = pd.DataFrame(dtype=object)
    raw.index = pd.RangeIndex(first_row, first_row + len(raw))
    return raw


def _parse_rows(spec: F.SheetSpec, raw: pd.DataFrame, file: str, sheet: str,
                mapping: dict[int, F.Field], issues: list[ValidationIssue]) -> ParsedSheet:
    """Convert ``raw`` (columns = 0-based positions, index = sheet row numbers) to catalogue types."""
    headers = {f.key: f"{f.header} ({column_letter(i)})" for i, f in mapping.items()}
    # drop entirely blank rows
    if len(raw):
        nonblank = ~pd.concat([blank_mask(raw[c]) for c in raw.columns], axis=1).all(axis=1)
        raw = raw[nonblank]
    frame = pd.DataFrame(index=raw.index)
    for i, f in mapping.items():
        col = raw[i] if i in raw.columns else pd.Series([None] * len(raw), index=raw.index, dtype=object)
        conv = convert(f, col)
        frame[f.key] = conv.values
        if conv.bad.any():
            found = col[conv.bad]
            for r, code in conv.code[conv.bad].items():
                issues.append(ValidationIssue(code, file, sheet, int(r), headers[f.key], conv.expected,
                                              _show(found[r])))
        if f.required:
            for r in frame.index[blank_mask(col)]:
                issues.append(ValidationIssue("E101", file, sheet, int(r), headers[f.key],
                                              f"{f.zh}（必填）", "空"))
    frame[ROW] = frame.index.astype(int)
    out = coerce_frame(spec, frame)
    out[ROW] = frame[ROW].to_numpy()
    return ParsedSheet(spec, file, sheet, out, headers)


def _show(v: object) -> str:
    s = str(v)
    return s if len(s) <= 40 else s[:37] + "…"


def _spec_for_sheet(name: str) -> F.SheetSpec | None:
    name = name.strip()
    return F.SHEETS_BY_ZH.get(name) or F.SHEETS_BY_KEY.get(name)


def read_xlsx(path: Path, issues: list[ValidationIssue]) -> dict[str, ParsedSheet]:
    from openpyxl import load_workbook

    file = path.name
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        issues.append(ValidationIssue("E401", file, "", None, "", "Excel 工作簿 (.xlsx)", type(exc).__name__,
                                      str(exc)[:200]))
        return {}
    sheets: dict[str, ParsedSheet] = {}
    try:
        for ws in wb.worksheets:
            if ws.title.strip() == INSTRUCTIONS_SHEET:
                continue
            spec = _spec_for_sheet(ws.title)
            if spec is None:
                issues.append(ValidationIssue("E402", file, ws.title, None, "",
                                              "、".join(s.zh for s in F.SHEETS), ws.title,
                                              "工作表名不是模板中的表名，其中数据不会被导入"))
                continue
            rows = ws.iter_rows(values_only=True)
            header = list(next(rows, ()) or ())
            mapping = _match_columns(spec, header, file, ws.title, issues)
            data = list(rows)
            first = 2
            if data and _is_key_row(data[0], mapping):
                data = data[1:]
                first = 3
            sheets[spec.key] = _parse_rows(spec, _frame_from_rows(data, first), file, ws.title, mapping, issues)
    finally:
        wb.close()
    return sheets


def _is_key_row(row: tuple, mapping: dict[int, F.Field]) -> bool:
    cells = {i: v for i, v in enumerate(row) if v is not None and str(v).strip()}
    return bool(cells) and all(i in mapping and str(v).strip() == mapping[i].key for i, v in cells.items())


def read_csv(path: Path, spec: F.SheetSpec, issues: list[ValidationIssue]) -> dict[str, ParsedSheet]:
    file = path.name
    raw = None
    for enc in ("utf-8-sig", "gb18030"):
        try:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=enc)
            break
        except UnicodeDecodeError:
            continue
        except Exception as exc:
            issues.append(ValidationIssue("E401", file, spec.zh, None, "", "CSV 文件", type(exc).__name__,
                                          str(exc)[:200]))
            return {}
    if raw is None:
        issues.append(ValidationIssue("E401", file, spec.zh, None, "", "UTF-8 或 GBK 编码的 CSV", "无法解码"))
        return {}
    header = list(raw.columns)
    mapping = _match_columns(spec, header, file, spec.zh, issues)
    raw.columns = range(len(header))
    if len(raw) and _is_key_row(tuple(raw.iloc[0]), mapping):
        raw = raw.iloc[1:]
        first = 3
    else:
        first = 2
    raw = raw.astype(object).where(raw != "", None)
    raw.index = pd.RangeIndex(first, first + len(raw))
    return {spec.key: _parse_rows(spec, raw, file, spec.zh, mapping, issues)}


def spec_for_csv(path: Path, table: str | None = None) -> F.SheetSpec | None:
    if table:
        return F.SHEETS_BY_KEY.get(table) or F.SHEETS_BY_ZH.get(table)
    stem = path.stem.strip()
    aliases = {"children": "child", "teachers": "teacher", "births": "birth", "schools": "school",
               "org_units": "org_unit"}
    return _spec_for_sheet(stem) or F.SHEETS_BY_KEY.get(aliases.get(stem, ""))


def parse_file(path: str | Path, *, table: str | None = None) -> ParsedFile:
    """Parse one file (xlsx, or csv of one table) into typed sheets and cell-level issues."""
    import hashlib

    path = Path(path)
    issues: list[ValidationIssue] = []
    sha = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""
    if not path.exists():
        issues.append(ValidationIssue("E401", path.name, "", None, "", "存在的文件", "文件不存在"))
        return ParsedFile(path, {}, issues, sha)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        spec = spec_for_csv(path, table)
        if spec is None:
            issues.append(ValidationIssue("E402", path.name, "", None, "",
                                          "文件名为表名（如 儿童.csv / child.csv）或指定 --table", path.stem))
            return ParsedFile(path, {}, issues, sha)
        sheets = read_csv(path, spec, issues)
    elif suffix in (".xlsx", ".xlsm"):
        sheets = read_xlsx(path, issues)
    else:
        issues.append(ValidationIssue("E401", path.name, "", None, "", ".xlsx 或 .csv", suffix or "无扩展名"))
        sheets = {}
    return ParsedFile(path, sheets, issues, sha)


def merge_parsed(files: Iterable[ParsedFile]) -> dict[str, list[ParsedSheet]]:
    out: dict[str, list[ParsedSheet]] = {}
    for pf in files:
        for key, sheet in pf.sheets.items():
            out.setdefault(key, []).append(sheet)
    return out
