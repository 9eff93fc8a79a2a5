"""Text that must never become a live formula in an export (CSV / formula injection).

A spreadsheet program treats a cell whose text starts with ``=``, ``+``, ``-``
or ``@`` (and, in some programs, a leading tab or carriage return) as a
formula.  Data we export comes partly from users — a school clerk may rename
their own school ``=HYPERLINK("http://x","y")``, a child's name may be typed as
``=1+2`` — so every writer of a CSV or XLSX file passes its cells through this
module.  The rule follows OWASP, "CSV Injection"
(https://owasp.org/www-community/attacks/CSV_Injection): prefix such a field
with a single quote so that it is read as text.

* **CSV** (:func:`csv_safe`, :func:`csv_safe_frame`): a formula-like string
  gets a leading ``'``.  A string that already starts with quotes followed by
  a formula prefix (``'=1``) gets one more quote, so :func:`csv_unquote` is
  the exact inverse — readers of our own CSV outputs (the review sheet, the
  ledgers shown on the web) get back what was written.
* **XLSX** (:func:`xlsx_safe_cell`, :func:`neutralise_workbook`): openpyxl turns
  any ``str`` starting with ``=`` into a formula cell (``data_type == "f"``).
  We turn such cells back into text cells (``data_type = "s"``) and keep the
  text exactly as typed — a text cell is never evaluated — and set the
  cell's ``quotePrefix`` style, which is what Excel itself records when a user
  types ``'=1+2``: the apostrophe is not shown, and editing the cell keeps it
  text.  Strings starting with ``+``, ``-`` (``"-3"``), ``@``, tab or CR are
  already text cells in XLSX; they only get ``quotePrefix`` (no change of
  value), so re-typing them in Excel does not turn them into formulas or
  numbers.  Numbers, including negative ones, are never touched.

No writer in Junheng writes a formula cell on purpose (conditional-formatting
rules and data-validation lists are not cell values), so
:func:`neutralise_workbook` neutralises every formula-like string cell.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, TypeVar

import pandas as pd

if TYPE_CHECKING:  # openpyxl is imported only when a workbook is walked
    from openpyxl.cell.cell import Cell
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

#: Leading characters that make a spreadsheet program evaluate a cell (OWASP, "CSV Injection").
FORMULA_PREFIXES: Final[tuple[str, ...]] = ("=", "+", "-", "@", "\t", "\r")
#: The quote put in front of a formula-like CSV field.
QUOTE: Final = "'"

T = TypeVar("T")


def is_formula_like(value: object) -> bool:
    """True for a ``str`` starting with one of :data:`FORMULA_PREFIXES`; False for anything else (numbers too)."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def _needs_quote(value: str) -> bool:
    # "'=1" is quoted again ("''=1") so that csv_unquote can undo csv_safe exactly
    return value.lstrip(QUOTE).startswith(FORMULA_PREFIXES)


def csv_safe(value: T) -> T | str:
    """The value for a CSV field: a formula-like ``str`` gets a leading ``'``; anything else is returned as is.

    >>> csv_safe("=1+2"), csv_safe("-x"), csv_safe("张三"), csv_safe(-3), csv_safe("'=1")
    ("'=1+2", "'-x", '张三', -3, "''=1")
    """
    if isinstance(value, str) and _needs_quote(value):
        return QUOTE + value
    return value


def csv_unquote(value: T) -> T | str:
    """Undo :func:`csv_safe`: ``csv_unquote(csv_safe(v)) == v`` for every value.

    >>> csv_unquote("'=1+2"), csv_unquote("''=1"), csv_unquote("'abc"), csv_unquote("张三")
    ('=1+2', "'=1", "'abc", '张三')
    """
    if isinstance(value, str) and value.startswith(QUOTE) and _needs_quote(value):
        return value[1:]
    return value


def _text_columns(df: pd.DataFrame) -> list[Any]:
    # numbers, booleans, dates and durations are written by pandas as such: never formula-like text
    return [c for c in df.columns if df[c].dtype.kind not in "biufcmM"]


def csv_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with :func:`csv_safe` applied to every text (object, string, category) column.

    Numeric columns are untouched (``-3`` stays the number ``-3``); the index and the column names
    are not data and are left alone.
    """
    out = df.copy()
    for c in _text_columns(out):
        out[c] = out[c].map(csv_safe)
    return out


def csv_unquote_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` (as read back from a CSV written via :func:`csv_safe_frame`) with the quotes removed."""
    out = df.copy()
    for c in _text_columns(out):
        out[c] = out[c].map(csv_unquote)
    return out


def xlsx_safe_cell(cell: Cell) -> bool:
    """Make an openpyxl cell holding a formula-like ``str`` a text cell; True when the cell was changed.

    The value is kept exactly as typed (no quote in the text); the cell becomes ``data_type "s"`` and gets
    the ``quotePrefix`` style.  Other cells (numbers, dates, ordinary text, empty) are not changed.
    """
    value = cell.value
    if not is_formula_like(value):
        return False
    cell.data_type = "s"
    cell.quotePrefix = True
    return True


def neutralise_workbook(book: Workbook | Worksheet) -> int:
    """Apply :func:`xlsx_safe_cell` to every cell of a workbook (or one worksheet); returns the cells changed.

    Call it after the last write and before saving — for ``pd.ExcelWriter(..., engine="openpyxl")`` on
    ``xw.book`` inside the ``with`` block.  It visits only the cells that exist (it creates no empty cells,
    so the saved file is otherwise byte-for-byte what it would have been).
    """
    from openpyxl.chartsheet import Chartsheet
    from openpyxl.worksheet.worksheet import Worksheet

    sheets = [book] if isinstance(book, Worksheet) else book.worksheets
    changed = 0
    for ws in sheets:
        if isinstance(ws, Chartsheet):  # a chart, no cells
            continue
        if not isinstance(ws, Worksheet):
            raise TypeError(f"cannot walk the cells of a {type(ws).__name__}; use xlsx_safe_cell on each cell")
        # ws._cells holds the cells that exist; ws.iter_rows() would create the empty ones of the rectangle
        for cell in list(ws._cells.values()):
            changed += xlsx_safe_cell(cell)
    return changed
