"""Import scope: every row of an import must lie inside the importer's org units, or nothing is written.

A county administrator imports for their county.  Without this check one
county's administrator could rename another county's school, replace its
yearly facts or overwrite its children (security issue, finding 2).  The rule
(docs/dev/security.md) is one-way prefix cover on 12-digit org-unit codes
(统计用区划代码, 2+2+2+3+3): a scope ``130431000000`` covers the codes starting
with ``130431``.

What each sheet's row must satisfy:

* 区划 (org_unit): its code is in scope.  A row outside scope is accepted only
  when it repeats the stored row exactly (name, level, parent) — an exported
  workbook carries its province and city — and such rows are not written.
* 学校 (school): its township is in scope and, when the school exists, its
  stored township too (a school cannot be moved out of another county).
* 学校年度 / 学段年度 (school_year / section_year): the school is in scope (stored
  or in the same file).  Yearly facts are replaced county by county
  (:func:`junheng.store.tables.write_tables`), so the importer must cover the
  whole county (E502).
* 教师 (teacher): the school is in scope, and a stored teacher's school too.
* 教师培训 (teacher_training): the teacher is in scope (stored or in the file).
* 儿童 (child): the household or residence village is in scope, and so is a
  stored child's.
* 人口 / 出生 (population / birth): the village is in scope.

An unscoped importer (the system administrator, the CLI) passes ``scope=None``
and none of this applies.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import pandas as pd
from sqlalchemy import Engine, select

from junheng.domain.orgcode import scope_prefix
from junheng.io.errors import ValidationIssue
from junheng.io.reader import ROW, ParsedSheet
from junheng.store.models import TABLES

OUTSIDE = "E501"
COUNTY_REPLACE = "E502"


@dataclass(frozen=True)
class ImportScope:
    """The org units an importer covers: 12-digit codes, and a label for messages (e.g. ``鸡泽县``)."""

    org_codes: tuple[str, ...]
    label: str = ""

    @cached_property  # read for every row a list or an import checks
    def prefixes(self) -> tuple[str, ...]:
        return tuple(scope_prefix(c) for c in self.org_codes)

    def covers(self, code: object) -> bool:
        return isinstance(code, str) and bool(code) and any(code.startswith(p) for p in self.prefixes)

    def covers_county(self, county6: str) -> bool:
        return any(county6.startswith(p) for p in self.prefixes if len(p) <= 6)

    @property
    def expected(self) -> str:
        return f"{self.label or '、'.join(self.org_codes)}范围内的代码"


class _Stored:
    """What the database holds for the keys a file names (looked up in chunks)."""

    def __init__(self, engine: Engine | None, sheets: dict[str, ParsedSheet]) -> None:
        self.org: dict[str, tuple[str, str, str | None]] = {}
        self.school_township: dict[str, str] = {}
        self.teacher_school: dict[str, str] = {}
        self.child_villages: dict[str, tuple[str | None, str | None]] = {}
        if engine is None:
            return
        org, sch, tea, chi = TABLES["org_unit"], TABLES["school"], TABLES["teacher"], TABLES["child"]
        with engine.connect() as conn:
            self.org = {c: (n, lv, p) for c, n, lv, p in conn.execute(
                select(org.c.code, org.c.name, org.c.level, org.c.parent_code))}
            self.school_township = dict(conn.execute(select(sch.c.code, sch.c.township_code)).all())
            ids = _keys(sheets, "teacher", "teacher_id") | _keys(sheets, "teacher_training", "teacher_id")
            for part in _chunks(sorted(ids)):
                self.teacher_school.update(conn.execute(
                    select(tea.c.teacher_id, tea.c.school_code).where(tea.c.teacher_id.in_(part))).all())
            for part in _chunks(sorted(_keys(sheets, "child", "id_number"))):
                for i, h, r in conn.execute(select(chi.c.id_number, chi.c.household_village_code,
                                                   chi.c.residence_village_code).where(chi.c.id_number.in_(part))):
                    self.child_villages[i] = (h, r)


def _keys(sheets: dict[str, ParsedSheet], key: str, column: str) -> set[str]:
    s = sheets.get(key)
    if s is None or s.frame.empty:
        return set()
    return {v for v in s.frame[column] if isinstance(v, str)}


def _chunks(values: list[str], size: int = 900) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _same_org_row(row: pd.Series, stored: tuple[str, str, str | None] | None) -> bool:
    if stored is None:
        return False
    name, level, parent = stored
    p = row["parent_code"] if isinstance(row["parent_code"], str) else None
    return str(row["name"]).strip() == (name or "").strip() and row["level"] == level and p == parent


def scope_issues(sheets: dict[str, ParsedSheet], scope: ImportScope | None, *,
                 engine: Engine | None = None, max_issues: int | None = None) -> list[ValidationIssue]:
    """Every row of ``sheets`` outside ``scope``, as import errors (file, sheet, row, column, expected, found);
    at most ``max_issues`` of them (``None``: all), so a whole file of another county's rows costs no memory."""
    if scope is None:
        return []
    stored = _Stored(engine, sheets)
    issues: list[ValidationIssue] = []
    with contextlib.suppress(_Full):  # the limit was reached: the rest is not walked
        _walk(sheets, scope, stored, issues, max_issues)
    return issues


class _Full(Exception):
    """The issue limit is reached: stop walking the rows."""


def _walk(sheets: dict[str, ParsedSheet], scope: ImportScope, stored: _Stored, issues: list[ValidationIssue],
          max_issues: int | None) -> None:
    def add(sheet: ParsedSheet, row: object, key: str, found: object, message: str,
            code: str = OUTSIDE, expected: str | None = None) -> None:
        if max_issues is not None and len(issues) >= max_issues:
            raise _Full
        issues.append(ValidationIssue(code, sheet.file, sheet.sheet, int(row) if pd.notna(row) else None,  # type: ignore[call-overload]
                                      sheet.column(key), expected or scope.expected, str(found), message))

    def frame(key: str) -> pd.DataFrame | None:
        s = sheets.get(key)
        return None if s is None or s.frame.empty else s.frame

    # schools of the file, with their townships (a school's scope is its township's)
    file_schools: dict[str, str] = {}
    if (df := frame("school")) is not None:
        sheet = sheets["school"]
        for code, township, row in zip(df["code"], df["township_code"], df[ROW], strict=True):
            if not isinstance(code, str):
                continue
            file_schools[code] = township if isinstance(township, str) else ""
            if not scope.covers(township):
                add(sheet, row, "township_code", township, f"学校 {code} 所在乡镇不在您的管辖范围内")
            old = stored.school_township.get(code)
            if old is not None and not scope.covers(old):
                add(sheet, row, "code", code, f"学校 {code} 已登记在 {old}，不在您的管辖范围内，不能修改")

    def school_in_scope(code: object) -> bool:
        if not isinstance(code, str):
            return True  # a missing code is the cell check's error, not a scope error
        township = file_schools.get(code, stored.school_township.get(code))
        return township is not None and scope.covers(township)

    if (df := frame("org_unit")) is not None:
        sheet = sheets["org_unit"]
        for _, r in df.iterrows():
            code = r["code"]
            if not isinstance(code, str) or scope.covers(code):
                continue
            if not _same_org_row(r, stored.org.get(code)):
                add(sheet, r[ROW], "code", code, f"区划 {code} 不在您的管辖范围内（只可原样保留已登记的上级区划）")

    for key in ("school_year", "section_year"):
        if (df := frame(key)) is None:
            continue
        sheet = sheets[key]
        counties: dict[str, object] = {}  # county of an in-scope school → its first row
        for code, row in zip(df["school_code"], df[ROW], strict=True):
            if not school_in_scope(code):
                add(sheet, row, "school_code", code, f"学校 {code} 不在您的管辖范围内")
            elif isinstance(code, str):
                counties.setdefault(file_schools.get(code, stored.school_township.get(code, ""))[:6], row)
        for county6, row in sorted(counties.items()):
            if county6 and not scope.covers_county(county6):
                add(sheet, row, "school_code", county6, "年度数据按县整体替换，导入需要覆盖全县的权限",
                    code=COUNTY_REPLACE, expected="县级管理范围")

    if (df := frame("teacher")) is not None:
        sheet = sheets["teacher"]
        for tid, code, row in zip(df["teacher_id"], df["school_code"], df[ROW], strict=True):
            if not school_in_scope(code):
                add(sheet, row, "school_code", code, f"学校 {code} 不在您的管辖范围内")
            old = stored.teacher_school.get(tid) if isinstance(tid, str) else None
            if old is not None and not school_in_scope(old):
                add(sheet, row, "teacher_id", tid, f"教师 {tid} 已登记在学校 {old}，不在您的管辖范围内")

    file_teachers: dict[str, object] = {}
    if (df := frame("teacher")) is not None:
        file_teachers = dict(zip(df["teacher_id"], df["school_code"], strict=True))
    if (df := frame("teacher_training")) is not None:
        sheet = sheets["teacher_training"]
        for tid, row in zip(df["teacher_id"], df[ROW], strict=True):
            if not isinstance(tid, str):
                continue
            school = file_teachers.get(tid, stored.teacher_school.get(tid))
            if school is None or not school_in_scope(school):
                add(sheet, row, "teacher_id", tid, f"教师 {tid} 不在您的管辖范围内")

    if (df := frame("child")) is not None:
        sheet = sheets["child"]
        for idn, home, live, row in zip(df["id_number"], df["household_village_code"],
                                        df["residence_village_code"], df[ROW], strict=True):
            if not (scope.covers(home) or scope.covers(live)):
                add(sheet, row, "residence_village_code", live if isinstance(live, str) else home,
                    "儿童的户籍村和居住村都不在您的管辖范围内")
            was = stored.child_villages.get(idn) if isinstance(idn, str) else None
            if was is not None and not (scope.covers(was[0]) or scope.covers(was[1])):
                add(sheet, row, "id_number", "已登记于管辖范围外", "该儿童已由其他地区登记，不能修改")

    for key in ("population", "birth"):
        if (df := frame(key)) is None:
            continue
        sheet = sheets[key]
        for village, row in zip(df["village_code"], df[ROW], strict=True):
            if isinstance(village, str) and not scope.covers(village):
                add(sheet, row, "village_code", village, f"村/社区 {village} 不在您的管辖范围内")


def unchanged_outside(frames: dict[str, pd.DataFrame], scope: ImportScope | None) -> dict[str, pd.DataFrame]:
    """``frames`` without the org-unit rows outside ``scope`` (they passed :func:`scope_issues` only as exact
    repeats of stored rows, so leaving them out writes nothing of another org unit's)."""
    if scope is None or "org_unit" not in frames:
        return frames
    df = frames["org_unit"]
    keep = df["code"].map(scope.covers).astype(bool)
    return {**frames, "org_unit": df[keep].reset_index(drop=True)}
