"""Import: validate → stage → commit, all or nothing.

``import_files`` parses every file, checks every cell and every rule, and only
when there is not a single error writes everything in one database
transaction, recording who imported which file (by SHA-256) and when.  Any
error — in the data, or an exception while writing — leaves the database
exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import getpass
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, insert, select, update

from junheng.domain.tables import YearTables
from junheng.geo.coords import gcj02_to_wgs84
from junheng.io.errors import ImportRejected, ValidationIssue
from junheng.io.limits import MAX_ISSUES, MAX_ROWS, IssueList, stop_here, stopped_issue
from junheng.io.reader import ROW, ParsedSheet, file_sha256, parse_file
from junheng.io.scope import ImportScope, scope_issues, unchanged_outside
from junheng.io.validate import KnownKeys, validate
from junheng.store.models import TABLES, ImportBatch
from junheng.store.tables import Progress, write_tables


@dataclass(frozen=True)
class ImportResult:
    batch_id: int
    files: tuple[str, ...]
    sha256: tuple[str, ...]
    counts: dict[str, int]
    years: tuple[int, ...]
    seconds: float


def known_keys(engine: Engine | None) -> KnownKeys:
    known = KnownKeys()
    if engine is None:
        return known
    org, sch, tea, sy = TABLES["org_unit"], TABLES["school"], TABLES["teacher"], TABLES["school_year"]
    with engine.connect() as conn:
        for code, level, parent, ur in conn.execute(select(org.c.code, org.c.level, org.c.parent_code, org.c.ur_code)):
            known.org_units[code] = (level, parent)
            known.org_ur[code] = ur
        for code, t, p in conn.execute(select(sch.c.code, sch.c.school_type, sch.c.parent_school_code)):
            known.schools[code] = (t, p)
        known.teachers = {t for (t,) in conn.execute(select(tea.c.teacher_id))}
        known.physical = {(s, int(y)) for s, y in conn.execute(select(sy.c.school_code, sy.c.year))}
    return known


def check_files(paths: Sequence[str | Path], *, engine: Engine | None = None,
                table: str | None = None, scope: ImportScope | None = None, max_rows: int | None = MAX_ROWS,
                max_issues: int | None = MAX_ISSUES) -> tuple[dict[str, ParsedSheet], list[ValidationIssue], list[str]]:
    """Parse and validate; returns the sheets, every issue, and the files' SHA-256 digests.

    ``scope`` (the importer's org units; ``None`` for the unscoped administrator) turns every row outside it into
    an error (:mod:`junheng.io.scope`).

    Limits (:mod:`junheng.io.limits`; ``None`` lifts one): a sheet with more than ``max_rows`` rows of data gives
    one ``E407`` issue and the rest of it is not read; the check stops once ``max_issues`` issues are found and
    then ends the list with one ``E408`` issue saying it is incomplete.
    """
    issues = IssueList(max_issues)
    sheets: dict[str, ParsedSheet] = {}
    digests: list[str] = []
    for path in paths:
        if stop_here(issues):  # the remaining files are not read
            digests.append(file_sha256(Path(path)) if Path(path).is_file() else "")
            continue
        pf = parse_file(path, table=table, max_rows=max_rows, max_issues=issues.room)
        digests.append(pf.sha256)
        issues.absorb(pf.issues)
        for key, sheet in pf.sheets.items():
            if key in sheets and not sheets[key].frame.empty:
                if not sheet.frame.empty:
                    issues.append(ValidationIssue("E406", sheet.file, sheet.sheet, None, "",
                                                  "每张表的数据只出现在一个文件中", f"已在 {sheets[key].file} 中出现"))
                continue
            sheets[key] = sheet
    known = known_keys(engine)
    if not stop_here(issues):
        issues.absorb(validate(sheets, known, max_issues=issues.room))
    if scope is not None and not stop_here(issues):
        room = issues.room  # one more than there is room for: an overflow marks the list as stopped (E408)
        issues.extend(scope_issues(sheets, scope, engine=engine, max_issues=None if room is None else room + 1))
    where = issues[-1].file if issues else ""
    issues.sort(key=lambda i: (i.file, i.sheet, i.row or 0, i.column, i.code))
    if issues.stopped:
        issues.force(stopped_issue(where, len(issues)))
    return sheets, list(issues), digests


def _finalise(sheets: dict[str, ParsedSheet], known: KnownKeys) -> dict[str, pd.DataFrame]:
    """Frames ready to store: GCJ-02 converted to WGS-84, school ur_code derived from its village."""
    frames = {k: s.frame.drop(columns=[ROW]) for k, s in sheets.items()}
    for key in ("org_unit", "school"):
        df = frames.get(key)
        if df is None or df.empty:
            continue
        gcj = (df["coord_system"] == "gcj02").fillna(False).astype(bool) & df["lon"].notna()
        if gcj.any():
            lon, lat = gcj02_to_wgs84(df.loc[gcj, "lon"].astype(float).to_numpy(),
                                      df.loc[gcj, "lat"].astype(float).to_numpy())
            df.loc[gcj, "lon"] = np.round(lon, 7)
            df.loc[gcj, "lat"] = np.round(lat, 7)
        df["coord_system"] = None
    if "school" in frames:
        df = frames["school"]
        ur = dict(known.org_ur)
        if "org_unit" in frames:
            o = frames["org_unit"]
            ur.update({c: (None if pd.isna(u) else int(u)) for c, u in zip(o["code"], o["ur_code"], strict=True)})
        derived = df["village_code"].map(lambda v: ur.get(v) if isinstance(v, str) else None)
        df["ur_code"] = df["ur_code"].fillna(pd.Series(derived, dtype="Int64"))
    return frames


def sheets_from_tables(tables: YearTables, *, source: str = "tables") -> dict[str, ParsedSheet]:
    """Wrap in-memory tables (e.g. the demo county) as parsed sheets, so they pass the same rules."""
    from junheng.domain import fields as F

    out: dict[str, ParsedSheet] = {}
    for key, df in tables.frames().items():
        if df.empty:
            continue
        frame = df.reset_index(drop=True).copy()
        frame[ROW] = np.arange(3, 3 + len(frame))
        spec = F.SHEETS_BY_KEY[key]
        out[key] = ParsedSheet(spec, source, spec.zh, frame)
    return out


def _commit(engine: Engine, frames: dict[str, pd.DataFrame], *, names: tuple[str, ...], digests: list[str],
            user: str | None, progress: Progress | None, t0: float, started: dt.datetime,
            org_code: str = "") -> ImportResult:
    years = sorted({int(y) for k in ("school_year", "section_year") if k in frames
                    for y in frames[k]["year"].dropna()})
    with engine.begin() as conn:
        batch_id = conn.execute(insert(ImportBatch).values(
            filename=", ".join(names)[:255], sha256=",".join(digests),
            kind="+".join(sorted(k for k, v in frames.items() if not v.empty)), user=user or _user(), started_at=started, finished_at=started,
            years=",".join(map(str, years)), counts={}, note="", org_code=org_code,
        ).returning(ImportBatch.id)).scalar_one()
        counts = write_tables(conn, frames, import_id=batch_id, progress=progress)
        conn.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(
            finished_at=dt.datetime.now().replace(microsecond=0), counts=counts))
    return ImportResult(batch_id, names, tuple(digests), counts, tuple(years), time.perf_counter() - t0)


def import_tables(engine: Engine, tables: YearTables, *, source: str = "tables", user: str | None = None,
                  progress: Progress | None = None) -> ImportResult:
    """Import in-memory tables with exactly the checks and the transaction of a file import."""
    t0 = time.perf_counter()
    started = dt.datetime.now().replace(microsecond=0)
    sheets = sheets_from_tables(tables, source=source)
    known = known_keys(engine)
    issues = validate(sheets, known)
    if issues:
        raise ImportRejected(issues)
    return _commit(engine, _finalise(sheets, known_keys(engine)), names=(source,), digests=[""], user=user,
                   progress=progress, t0=t0, started=started)


def import_files(engine: Engine, paths: Sequence[str | Path], *, user: str | None = None,
                 table: str | None = None, progress: Progress | None = None,
                 scope: ImportScope | None = None, org_code: str = "", max_rows: int | None = MAX_ROWS,
                 max_issues: int | None = MAX_ISSUES) -> ImportResult:
    """Validate ``paths`` and write them in one transaction; raise ``ImportRejected`` on any error.

    ``max_rows`` / ``max_issues``: the limits of :func:`check_files`.
    """
    t0 = time.perf_counter()
    started = dt.datetime.now().replace(microsecond=0)
    sheets, issues, digests = check_files(paths, engine=engine, table=table, scope=scope, max_rows=max_rows,
                                          max_issues=max_issues)
    if issues:
        raise ImportRejected(issues)
    frames = unchanged_outside(_finalise(sheets, known_keys(engine)), scope)
    return _commit(engine, frames, names=tuple(Path(p).name for p in paths), digests=digests, user=user,
                   progress=progress, t0=t0, started=started, org_code=org_code)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def read_workbook(path: str | Path, *, table: str | None = None) -> YearTables:
    """Read and validate a file on its own (no database) into ``YearTables``; raise ``ImportRejected`` on errors."""
    sheets, issues, _ = check_files([path], table=table)
    if issues:
        raise ImportRejected(issues)
    return YearTables.from_frames(**_finalise(sheets, KnownKeys()))
