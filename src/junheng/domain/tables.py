"""``YearTables``: the registry as plain tables — the one hand-over to the engines.

The store (``junheng.store.tables.load_tables``), the workbook reader
(``junheng.io``) and the demo-county generator (``junheng.synth``) all produce
a ``YearTables``; the engines (assessment, planning) take one and never see
the ORM.  Each frame has exactly the columns of its sheet in the field
catalogue (:mod:`junheng.domain.fields`), identifiers not Chinese headers;
enum columns hold the English identifiers (``"primary"``, ``"nine_year"``),
missing values are ``NA``.  ``org_unit`` and ``school`` carry WGS-84
coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

from junheng.domain import fields as F


def empty_frame(spec: F.SheetSpec) -> pd.DataFrame:
    """An empty frame with the sheet's columns and nullable dtypes."""
    return pd.DataFrame({f.key: pd.Series(dtype=_dtype(f)) for f in spec.fields})


def _dtype(f: F.Field) -> str:
    return {"int": "Int64", "float": "Float64", "bool": "boolean"}.get(f.kind, "object")


def coerce_frame(spec: F.SheetSpec, df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with exactly the sheet's columns (missing ones empty) and catalogue dtypes."""
    out = pd.DataFrame(index=df.index)
    for f in spec.fields:
        col = df[f.key] if f.key in df.columns else pd.Series([pd.NA] * len(df), index=df.index)
        if f.kind == "date":
            out[f.key] = pd.to_datetime(col, errors="coerce").dt.date.astype(object)
            out.loc[col.isna(), f.key] = pd.NA
        else:
            out[f.key] = col.astype(_dtype(f))
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class YearTables:
    """The registry's tables (one or more school years) as pandas frames."""

    org_unit: pd.DataFrame
    school: pd.DataFrame
    school_year: pd.DataFrame
    section_year: pd.DataFrame
    teacher: pd.DataFrame
    teacher_training: pd.DataFrame
    child: pd.DataFrame
    population: pd.DataFrame
    birth: pd.DataFrame

    @classmethod
    def empty(cls) -> YearTables:
        return cls(**{s.key: empty_frame(s) for s in F.SHEETS})

    @classmethod
    def from_frames(cls, **frames: pd.DataFrame) -> YearTables:
        """Build from any subset of frames; columns are coerced to the catalogue."""
        unknown = set(frames) - set(F.SHEETS_BY_KEY)
        if unknown:
            raise KeyError(f"unknown tables: {sorted(unknown)}")
        return cls(**{
            s.key: coerce_frame(s, frames[s.key]) if s.key in frames else empty_frame(s) for s in F.SHEETS
        })

    def frames(self) -> dict[str, pd.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def years(self) -> list[int]:
        ys: set[int] = set()
        for key in ("school_year", "section_year"):
            ys.update(int(y) for y in getattr(self, key)["year"].dropna().unique())
        return sorted(ys)

    def for_year(self, year: int) -> YearTables:
        """The same tables with the yearly facts restricted to ``year`` (population and births kept whole)."""
        frames = self.frames()
        for key in ("school_year", "section_year", "teacher_training"):
            df = frames[key]
            frames[key] = df[df["year"] == year].reset_index(drop=True)
        return YearTables(**frames)
