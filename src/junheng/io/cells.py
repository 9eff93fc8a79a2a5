"""Column-wise conversion of raw cell values to catalogue types, collecting errors.

Each converter takes a Series of raw values (whatever openpyxl or the CSV
reader produced) and returns the converted Series plus a boolean mask of the
cells that could not be converted and a short Chinese description of what
was expected.  Conversion is vectorised with pandas so that a 500,000-row CSV
is checked in seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from junheng.domain.fields import Field

TRUE_WORDS = {"是", "有", "true", "True", "TRUE", "1", "y", "Y", "yes", "√"}
FALSE_WORDS = {"否", "无", "false", "False", "FALSE", "0", "n", "N", "no", "×"}


@dataclass(frozen=True)
class Converted:
    values: pd.Series
    bad: pd.Series  # bool mask: present but not convertible / out of range
    code: pd.Series  # error code per bad cell ("" where fine)
    expected: str


def blank_mask(raw: pd.Series) -> pd.Series:
    """Cells that are empty: None/NaN or whitespace-only strings."""
    isna = raw.isna()
    as_str = raw.astype("string")
    return isna | as_str.str.strip().fillna("").eq("")


def _text(raw: pd.Series) -> pd.Series:
    """Raw values as stripped strings; integral floats lose their '.0'."""
    def one(v: object) -> object:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return pd.NA
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, dt.datetime):
            return v.date().isoformat()
        return str(v).strip()
    return raw.map(one).astype("string")


def convert(f: Field, raw: pd.Series) -> Converted:
    blank = blank_mask(raw)
    if f.kind in ("int", "float"):
        return _number(f, raw, blank)
    if f.kind == "code":
        return _code(f, raw, blank)
    if f.kind == "enum":
        return _enum(f, raw, blank)
    if f.kind == "bool":
        return _bool(f, raw, blank)
    if f.kind == "date":
        return _date(f, raw, blank)
    if f.kind == "list":
        return _list(f, raw, blank)
    text = _text(raw).where(~blank, pd.NA)
    return Converted(text.astype(object).where(~blank, None), pd.Series(False, index=raw.index),
                     pd.Series("", index=raw.index), "文本")


def _range_text(f: Field) -> str:
    lo, hi = f.minimum, f.maximum
    if lo is not None and hi is not None:
        return f"{lo:g} 至 {hi:g}"
    if lo is not None:
        return f"不小于 {lo:g}"
    if hi is not None:
        return f"不大于 {hi:g}"
    return ""


def _number(f: Field, raw: pd.Series, blank: pd.Series) -> Converted:
    text = _text(raw).str.replace(",", "", regex=False).str.replace("，", "", regex=False)
    num = pd.to_numeric(text, errors="coerce").astype("Float64")
    code = pd.Series("", index=raw.index, dtype=object)
    not_num = num.isna() & ~blank
    code[not_num] = "E102"
    kind = "整数" if f.kind == "int" else "数字"
    if f.kind == "int":
        frac = (num - num.round()).abs().fillna(0) > 1e-9
        code[(code == "") & frac & ~blank] = "E103"
    out_of_range = pd.Series(False, index=raw.index)
    if f.minimum is not None:
        out_of_range |= (num < f.minimum).fillna(False).astype(bool)
    if f.maximum is not None:
        out_of_range |= (num > f.maximum).fillna(False).astype(bool)
    code[(code == "") & out_of_range] = "E104"
    bad = code != ""
    values = num.where(~bad & ~blank)
    if f.kind == "int":
        values = values.round().astype("Int64")
    expected = kind + (f"，{_range_text(f)}" if _range_text(f) else "")
    return Converted(values, bad.astype(bool), code, expected)


def _code(f: Field, raw: pd.Series, blank: pd.Series) -> Converted:
    text = _text(raw)
    ok = text.str.fullmatch(rf"\d{{{f.digits or 1}}}").fillna(False).astype(bool)
    bad = ~ok & ~blank
    code = pd.Series(np.where(bad, "E105", ""), index=raw.index, dtype=object)
    values = text.astype(object).where(ok, None)
    return Converted(values, bad, code, f"{f.digits} 位数字代码")


def _enum(f: Field, raw: pd.Series, blank: pd.Series) -> Converted:
    assert f.enum is not None
    lookup: dict[str, str] = {}
    for m in f.enum:  # type: ignore[attr-defined]
        lookup[m.value] = m.value
        lookup[m.label] = m.value
    from junheng.domain.enums import _ALIASES

    for value, aliases in _ALIASES.get(f.enum.__name__, {}).items():
        for a in aliases:
            lookup.setdefault(a, value)
    text = _text(raw)
    mapped = text.map(lambda s: lookup.get(s) if isinstance(s, str) else None, na_action="ignore")
    ok = mapped.notna()
    bad = ~ok & ~blank
    code = pd.Series(np.where(bad, "E106", ""), index=raw.index, dtype=object)
    return Converted(mapped.astype(object).where(ok, None), bad.astype(bool), code,
                     "、".join(f.choices))


def _bool(f: Field, raw: pd.Series, blank: pd.Series) -> Converted:
    def one(v: object) -> object:
        if isinstance(v, bool | np.bool_):
            return bool(v)
        s = str(v).strip()
        if s.endswith(".0"):
            s = s[:-2]
        if s in TRUE_WORDS:
            return True
        if s in FALSE_WORDS:
            return False
        return None
    mapped = raw.where(~blank, None).map(one, na_action="ignore")
    ok = mapped.notna()
    bad = ~ok & ~blank
    code = pd.Series(np.where(bad, "E109", ""), index=raw.index, dtype=object)
    return Converted(mapped.astype("boolean").where(ok, pd.NA), bad.astype(bool), code, "是 或 否")


def _date(f: Field, raw: pd.Series, blank: pd.Series) -> Converted:
    def one(v: object) -> object:
        if isinstance(v, dt.datetime):
            return v.date()
        if isinstance(v, dt.date):
            return v
        s = str(v).strip().replace("/", "-").replace(".", "-")
        for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S"):
            try:
                return dt.datetime.strptime(s, fmt).date()
            except ValueError:
                continue
        return None
    mapped = raw.where(~blank, None).map(one, na_action="ignore")
    ok = mapped.notna()
    bad = ~ok & ~blank
    code = pd.Series(np.where(bad, "E107", ""), index=raw.index, dtype=object)
    return Converted(mapped.astype(object).where(ok, None), bad.astype(bool), code, "日期，如 2018-09-01")


def parse_area_list(text: str) -> list[float]:
    """``"96;102.5"`` → ``[96.0, 102.5]`` (also accepts ；，, and spaces)."""
    parts = [p for p in str(text).replace("；", ";").replace("，", ";").replace(",", ";").replace(" ", ";")
             .split(";") if p.strip()]
    values = [float(p) for p in parts]
    if any(v <= 0 or np.isnan(v) for v in values):
        raise ValueError(text)
    return values


def format_area_list(values: list[float]) -> str:
    return ";".join(f"{v:g}" for v in values)


def _list(f: Field, raw: pd.Series, blank: pd.Series) -> Converted:
    def one(v: object) -> object:
        if isinstance(v, int | float) and not isinstance(v, bool):
            return format_area_list([float(v)]) if v > 0 else None
        try:
            return format_area_list(parse_area_list(str(v)))
        except ValueError:
            return None
    mapped = raw.where(~blank, None).map(one, na_action="ignore")
    ok = mapped.notna()
    bad = ~ok & ~blank
    code = pd.Series(np.where(bad, "E110", ""), index=raw.index, dtype=object)
    return Converted(mapped.astype(object).where(ok, None), bad.astype(bool), code,
                     "以分号分隔的正数，如 96;102")
