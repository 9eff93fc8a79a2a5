"""Read a workbook (or a CSV of one sheet) into typed frames, collecting every error.

The workbook is the template written by :mod:`junheng.io.template`: one sheet per
catalogue table, Chinese headers in row 1 (with the unit in brackets), the
English identifiers in row 2, data from row 3.  A workbook that lacks the
identifier row, or whose headers carry the identifiers instead of Chinese,
reads the same.  Person-level tables (children, teachers, population, births)
may also come as CSV files (UTF-8 or GBK), named after the table
(``child.csv``/``儿童.csv``) or given an explicit table.

Reading never stops at the first error: the result lists all of them (up to
the import's limit of issues, :mod:`junheng.io.limits`), each with file,
sheet, row, column, expected and found.

Rows are streamed: openpyxl's read-only mode and pandas' ``chunksize`` hand
over :data:`CHUNK_ROWS` rows at a time, each chunk is converted to catalogue
types at once and only the typed columns are kept, so memory follows the typed
data, not the raw cells.  A sheet stops at ``max_rows`` rows of data with one
``E407`` issue.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from junheng.domain import fields as F
from junheng.domain.tables import YearTables, coerce_frame
from junheng.io.cells import blank_mask, convert
from junheng.io.errors import ValidationIssue
from junheng.io.limits import MAX_ISSUES, MAX_ROWS, IssueList, row_cap_issue, stop_here

ROW = "_row"  # column carrying the 1-based row number of the source sheet
CHUNK_ROWS = 20_000  # rows converted at a time: a sheet never exists as one list of Python rows
CHUNK_CELLS = 400_000  # and at most this many raw cells (a wide sheet gets fewer rows per chunk)
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

    @property
    def stopped(self) -> bool:
        """Reading stopped early because the issues reached their limit."""
        return bool(getattr(self.issues, "stopped", False))

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


def _headers(mapping: dict[int, F.Field]) -> dict[str, str]:
    return {f.key: f"{f.header} ({column_letter(i)})" for i, f in mapping.items()}


def _chunk_rows(width: int) -> int:
    """Rows per chunk: :data:`CHUNK_ROWS`, fewer for a wide sheet so a chunk holds at most :data:`CHUNK_CELLS`."""
    return max(1, min(CHUNK_ROWS, CHUNK_CELLS // max(1, width)))


def _nonblank(raw: pd.DataFrame) -> np.ndarray:
    """Rows with at least one non-blank cell."""
    blank = np.ones(len(raw), dtype=bool)
    for c in raw.columns:
        blank &= blank_mask(raw[c]).to_numpy(dtype=bool)
    return ~blank


def _convert_chunk(spec: F.SheetSpec, raw: pd.DataFrame, file: str, sheet: str, mapping: dict[int, F.Field],
                   headers: dict[str, str], issues: list[ValidationIssue]) -> pd.DataFrame:
    """Convert non-blank ``raw`` rows (columns = 0-based positions, index = sheet row numbers) to catalogue types."""
    frame = pd.DataFrame(index=raw.index)
    for i, f in mapping.items():
        col = raw[i] if i in raw.columns else pd.Series([None] * len(raw), index=raw.index, dtype=object)
        conv = convert(f, col)
        frame[f.key] = conv.values
        if conv.bad.any():
            found = col[conv.bad]
            for r, code in conv.code[conv.bad].items():
                if stop_here(issues):
                    break
                issues.append(ValidationIssue(code, file, sheet, int(r), headers[f.key], conv.expected,
                                              _show(found[r])))
        if f.required:
            for r in frame.index[blank_mask(col)]:
                if stop_here(issues):
                    break
                issues.append(ValidationIssue("E101", file, sheet, int(r), headers[f.key],
                                              f"{f.zh}（必填）", "空"))
    frame[ROW] = frame.index.astype(int)
    out = coerce_frame(spec, frame)
    out[ROW] = frame[ROW].to_numpy()
    return out


def share_equal_values(col: pd.Series) -> pd.Series:
    """``col`` with equal values sharing one object (same values, same dtype); mostly distinct columns as they are.

    A column of 1,000,000 village codes drops from ≈ 70 MB of strings to 8 MB of references.
    """
    if col.dtype != object or len(col) < 1_000:
        return col
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    if len(uniques) > len(col) // 2:
        return col
    values = col.to_numpy(dtype=object, copy=True)  # missing values stay as they were (None / NA)
    present = codes >= 0
    values[present] = np.asarray(uniques, dtype=object)[codes[present]]
    return pd.Series(values, index=col.index, dtype=object, name=col.name)


def _compact(frame: pd.DataFrame) -> pd.DataFrame:
    """Equal values of each object column share one object (village codes, dates, enum values repeat)."""
    for key in frame.columns:
        col = frame[key]
        shared = share_equal_values(col)
        if shared is not col:
            frame[key] = shared
    return frame


def _read_sheet(spec: F.SheetSpec, chunks: Iterable[pd.DataFrame], file: str, sheet: str,
                mapping: dict[int, F.Field], issues: list[ValidationIssue], max_rows: int | None) -> ParsedSheet:
    """Convert the raw chunks of one sheet; stop at ``max_rows`` rows of data (one E407) or when ``issues`` is full.

    Entirely blank rows are dropped and do not count towards ``max_rows``.
    """
    headers = _headers(mapping)
    parts: list[pd.DataFrame] = []
    count = 0
    for raw in chunks:
        if stop_here(issues):
            break
        keep = _nonblank(raw)
        over: int | None = None
        if max_rows is not None and count + int(keep.sum()) > max_rows:
            pos = int(np.flatnonzero(keep)[max_rows - count])  # the first row of data beyond the cap
            over = int(raw.index[pos])
            keep[pos:] = False
        count += int(keep.sum())
        if keep.any():
            parts.append(_convert_chunk(spec, raw[keep], file, sheet, mapping, headers, issues))
        if over is not None:
            assert max_rows is not None
            issue = row_cap_issue(file, sheet, over, max_rows)
            issues.force(issue) if isinstance(issues, IssueList) else issues.append(issue)
            break
    if not parts:
        parts.append(_convert_chunk(spec, pd.DataFrame(dtype=object), file, sheet, mapping, headers, issues))
    frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    del parts
    return ParsedSheet(spec, file, sheet, _compact(frame), headers)


def _show(v: object) -> str:
    s = str(v)
    return s if len(s) <= 40 else s[:37] + "…"


def _spec_for_sheet(name: str) -> F.SheetSpec | None:
    name = name.strip()
    return F.SHEETS_BY_ZH.get(name) or F.SHEETS_BY_KEY.get(name)


def _header_width(header: Sequence[object]) -> int:
    """Columns up to the last one with a header: cells to the right of it are never read."""
    width = len(header)
    while width and (header[width - 1] is None or str(header[width - 1]).strip() == ""):
        width -= 1
    return width


def _row_chunks(rows: Iterator[tuple], width: int, first: int) -> Iterator[pd.DataFrame]:
    """Rows of a sheet in frames of :func:`_chunk_rows` rows, cut or padded to ``width`` columns."""
    size = _chunk_rows(width)
    start = first
    pad = (None,) * width
    while True:
        block = [tuple(r[:width]) + pad[: width - len(r)] for r in islice(rows, size)]
        if not block:
            return
        index = pd.RangeIndex(start, start + len(block))
        raw = pd.DataFrame(block, index=index, dtype=object) if width else pd.DataFrame(index=index)
        start += len(block)
        del block
        yield raw


def read_xlsx(path: Path, issues: list[ValidationIssue], *, max_rows: int | None = MAX_ROWS) -> dict[str, ParsedSheet]:
    """Stream every sheet of a workbook (openpyxl read-only) in chunks; see :func:`_read_sheet` for the limits."""
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
            if stop_here(issues):
                break
            spec = _spec_for_sheet(ws.title)
            if spec is None:
                issues.append(ValidationIssue("E402", file, ws.title, None, "",
                                              "、".join(s.zh for s in F.SHEETS), ws.title,
                                              "工作表名不是模板中的表名，其中数据不会被导入"))
                continue
            rows = ws.iter_rows(values_only=True)
            header = list(next(rows, ()) or ())
            mapping = _match_columns(spec, header, file, ws.title, issues)
            first = 2
            peek = next(rows, None)
            if peek is not None and _is_key_row(peek, mapping):
                first = 3
            elif peek is not None:
                rows = chain([peek], rows)
            chunks = _row_chunks(rows, _header_width(header), first)
            sheets[spec.key] = _read_sheet(spec, chunks, file, ws.title, mapping, issues, max_rows)
    finally:
        wb.close()
    return sheets


def _is_key_row(row: tuple, mapping: dict[int, F.Field]) -> bool:
    cells = {i: v for i, v in enumerate(row) if v is not None and str(v).strip()}
    return bool(cells) and all(i in mapping and str(v).strip() == mapping[i].key for i, v in cells.items())


def _csv_encoding(path: Path) -> str | None:
    """UTF-8 (with or without BOM) or GB 18030 (a superset of GBK), checked over the whole file in blocks."""
    for enc in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(enc)()
        try:
            with path.open("rb") as fh:
                while block := fh.read(1 << 20):
                    decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return enc
    return None


class _Unreadable(Exception):
    pass


def read_csv(path: Path, spec: F.SheetSpec, issues: list[ValidationIssue], *,
             max_rows: int | None = MAX_ROWS) -> dict[str, ParsedSheet]:
    """Stream a CSV of one table in chunks (pandas ``chunksize``); see :func:`_read_sheet` for the limits."""
    file = path.name
    enc = _csv_encoding(path)
    if enc is None:
        issues.append(ValidationIssue("E401", file, spec.zh, None, "", "UTF-8 或 GBK 编码的 CSV", "无法解码"))
        return {}
    options: dict[str, Any] = {"dtype": str, "keep_default_na": False, "encoding": enc}
    try:
        header = list(pd.read_csv(path, nrows=0, **options).columns)
    except Exception as exc:
        issues.append(ValidationIssue("E401", file, spec.zh, None, "", "CSV 文件", type(exc).__name__,
                                      str(exc)[:200]))
        return {}
    start = len(issues)
    stopped = getattr(issues, "stopped", False)
    mapping = _match_columns(spec, header, file, spec.zh, issues)

    def chunks() -> Iterator[pd.DataFrame]:
        try:
            reader = pd.read_csv(path, chunksize=_chunk_rows(len(header)), **options)
        except Exception as exc:
            raise _Unreadable(exc) from exc
        with reader:
            first = True
            while True:
                try:
                    raw = next(reader)
                except StopIteration:
                    return
                except Exception as exc:
                    raise _Unreadable(exc) from exc
                raw.columns = range(len(header))
                raw.index = raw.index + 2  # record i of the file is line i + 2 (after the header)
                if first and len(raw) and _is_key_row(tuple(raw.iloc[0]), mapping):
                    raw = raw.iloc[1:]
                first = False
                yield raw.astype(object).where(raw != "", None)

    try:
        sheet = _read_sheet(spec, chunks(), file, spec.zh, mapping, issues, max_rows)
    except _Unreadable as err:
        cause = err.__cause__ or err
        del issues[start:]  # a file that cannot be read has only this error
        if isinstance(issues, IssueList):
            issues.stopped = stopped
        issues.append(ValidationIssue("E401", file, spec.zh, None, "", "CSV 文件", type(cause).__name__,
                                      str(cause)[:200]))
        return {}
    return {spec.key: sheet}


def spec_for_csv(path: Path, table: str | None = None) -> F.SheetSpec | None:
    if table:
        return F.SHEETS_BY_KEY.get(table) or F.SHEETS_BY_ZH.get(table)
    stem = path.stem.strip()
    aliases = {"children": "child", "teachers": "teacher", "births": "birth", "schools": "school",
               "org_units": "org_unit"}
    return _spec_for_sheet(stem) or F.SHEETS_BY_KEY.get(aliases.get(stem, ""))


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def parse_file(path: str | Path, *, table: str | None = None, max_rows: int | None = MAX_ROWS,
               max_issues: int | None = MAX_ISSUES) -> ParsedFile:
    """Parse one file (xlsx, or csv of one table) into typed sheets and cell-level issues.

    Each sheet is read in chunks and stops after ``max_rows`` rows of data (one ``E407`` issue); reading stops
    once ``max_issues`` issues are found (``ParsedFile.stopped``).  ``None`` lifts a limit.
    """
    path = Path(path)
    issues = IssueList(max_issues)
    if not path.exists():
        issues.append(ValidationIssue("E401", path.name, "", None, "", "存在的文件", "文件不存在"))
        return ParsedFile(path, {}, issues, "")
    sha = file_sha256(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        spec = spec_for_csv(path, table)
        if spec is None:
            issues.append(ValidationIssue("E402", path.name, "", None, "",
                                          "文件名为表名（如 儿童.csv / child.csv）或指定 --table", path.stem))
            return ParsedFile(path, {}, issues, sha)
        sheets = read_csv(path, spec, issues, max_rows=max_rows)
    elif suffix in (".xlsx", ".xlsm"):
        sheets = read_xlsx(path, issues, max_rows=max_rows)
    else:
        issues.append(ValidationIssue("E401", path.name, "", None, "", ".xlsx 或 .csv", suffix or "无扩展名"))
        sheets = {}
    return ParsedFile(path, sheets, issues, sha)
