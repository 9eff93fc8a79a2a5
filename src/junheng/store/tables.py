"""Where the store meets the engines: registry tables in and out as frames.

``load_tables`` is the one function that hands a year's data to the engines
(assessment, planning) as a :class:`~junheng.domain.tables.YearTables`.
``write_tables`` writes validated tables inside a transaction the caller
owns, so an import is all-or-nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import pandas as pd
from sqlalchemy import Connection, Engine, Table, and_, delete, func, or_, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from junheng.domain import fields as F
from junheng.domain.tables import YearTables
from junheng.store.models import TABLES, School

Progress = Callable[[str, int, int], None]
CHUNK = 5000


def _records(df: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, object]]:
    sub = df[list(columns)].astype(object)
    sub = sub.where(sub.notna(), None)
    return sub.to_dict("records")


COPY_THRESHOLD = 20_000


def _copy_upsert(conn: Connection, table: Table, rows: list[dict[str, object]], pk: Sequence[str],
                 progress: Progress | None, label: str) -> None:
    """PostgreSQL bulk path: COPY into a temporary table, then one INSERT … ON CONFLICT (same transaction)."""
    cols = list(rows[0])
    tmp = f"_stage_{table.name}"
    qcols = ", ".join(f'"{c}"' for c in cols)
    conn.exec_driver_sql(f'CREATE TEMP TABLE "{tmp}" (LIKE "{table.name}" INCLUDING DEFAULTS) ON COMMIT DROP')
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f'COPY "{tmp}" ({qcols}) FROM STDIN') as copy:
        for i, r in enumerate(rows, 1):
            copy.write_row([r[c] for c in cols])
            if progress and i % CHUNK == 0:
                progress(label, i, len(rows))
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in cols if c not in pk)
    conflict = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    conn.exec_driver_sql(
        f'INSERT INTO "{table.name}" ({qcols}) SELECT {qcols} FROM "{tmp}" '
        f'ON CONFLICT ({", ".join(pk)}) {conflict}')
    conn.exec_driver_sql(f'DROP TABLE "{tmp}"')
    if progress:
        progress(label, len(rows), len(rows))


def _upsert(conn: Connection, table: Table, rows: list[dict[str, object]], pk: Sequence[str],
            progress: Progress | None, label: str, *, bump_version: bool = False) -> None:
    dialect = conn.dialect.name
    if dialect == "postgresql" and len(rows) >= COPY_THRESHOLD and not bump_version:
        _copy_upsert(conn, table, rows, pk, progress, label)
        return
    ins_mod = postgresql if dialect == "postgresql" else sqlite
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        stmt = ins_mod.insert(table)
        cols = [c for c in chunk[0] if c not in pk]
        set_ = {c: stmt.excluded[c] for c in cols}
        if bump_version:
            set_["version"] = table.c.version + 1
        stmt = stmt.on_conflict_do_update(index_elements=list(pk), set_=set_) if set_ else \
            stmt.on_conflict_do_nothing(index_elements=list(pk))
        conn.execute(stmt, chunk)
        if progress:
            progress(label, min(start + CHUNK, len(rows)), len(rows))


def _insert(conn: Connection, table: Table, rows: list[dict[str, object]], progress: Progress | None,
            label: str) -> None:
    if conn.dialect.name == "postgresql" and len(rows) >= COPY_THRESHOLD:
        pk = [c.name for c in table.primary_key.columns]
        _copy_upsert(conn, table, rows, pk, progress, label)  # the scope was deleted: no conflicts remain
        return
    for start in range(0, len(rows), CHUNK):
        conn.execute(table.insert(), rows[start:start + CHUNK])
        if progress:
            progress(label, min(start + CHUNK, len(rows)), len(rows))


def _columns(table: Table) -> list[str]:
    return [c.name for c in table.columns]


def write_tables(conn: Connection, frames: dict[str, pd.DataFrame], *, import_id: int | None,
                 progress: Progress | None = None) -> dict[str, int]:
    """Write validated frames (catalogue columns) in the caller's transaction; returns rows per table.

    Org units, schools, teachers and children are inserted or updated by key.
    Yearly facts are *replaced*: for each school year in ``school_year`` or
    ``section_year``, the facts of that year of every school in the counties the
    file covers are deleted first.  Population and births are replaced per
    village and year, training hours per teacher and year.
    """
    counts: dict[str, int] = {}
    order = ("org_unit", "school", "school_year", "section_year", "teacher", "teacher_training", "child",
             "population", "birth")
    for key in order:
        df = frames.get(key)
        if df is None or df.empty:
            continue
        table = TABLES[key]
        spec = F.SHEETS_BY_KEY[key]
        cols = [c for c in _columns(table) if c in df.columns]
        rows = _records(df, cols)
        for r in rows:
            r["import_id"] = import_id
        if key in ("org_unit", "school", "teacher", "child"):
            _upsert(conn, table, rows, spec.primary_key, progress, key, bump_version=key == "school")
        else:
            _replace_scope(conn, key, df)
            _insert(conn, table, rows, progress, key)
        counts[key] = len(rows)
    return counts


def _replace_scope(conn: Connection, key: str, df: pd.DataFrame) -> None:
    table = TABLES[key]
    if key in ("school_year", "section_year"):
        school_t = TABLES["school"]
        codes = sorted({c for c in df["school_code"] if isinstance(c, str)})
        counties: set[str] = set()
        for start in range(0, len(codes), 900):
            part = codes[start:start + 900]
            counties |= {t[:6] for (t,) in conn.execute(
                select(school_t.c.township_code).where(school_t.c.code.in_(part)))}
        in_counties = select(school_t.c.code).where(func.substr(school_t.c.township_code, 1, 6).in_(sorted(counties)))
        for year in sorted({int(y) for y in df["year"].dropna()}):
            conn.execute(delete(table).where(and_(table.c.year == year, table.c.school_code.in_(in_counties))))
    elif key == "teacher_training":
        pairs = _pairs(df, "teacher_id", "year")
        _delete_pairs(conn, table, "teacher_id", "year", pairs)
    elif key in ("population", "birth"):
        pairs = _pairs(df, "village_code", "year")
        _delete_pairs(conn, table, "village_code", "year", pairs)


def _pairs(df: pd.DataFrame, a: str, b: str) -> list[tuple[str, int]]:
    return sorted({(x, int(y)) for x, y in zip(df[a], df[b], strict=True) if isinstance(x, str) and pd.notna(y)})


def _delete_pairs(conn: Connection, table: Table, a: str, b: str, pairs: list[tuple[str, int]]) -> None:
    for start in range(0, len(pairs), 400):
        part = pairs[start:start + 400]
        conn.execute(delete(table).where(tuple_(table.c[a], table.c[b]).in_(part)))


def load_tables(engine: Engine | Connection, *, years: Iterable[int] | None = None,
                county: str | None = None, personal: bool = True) -> YearTables:
    """The registry as ``YearTables`` — optionally only some school years and one county.

    ``county`` is a 6-digit county code (or a 12-digit one, of which the first 6
    count); org units, schools and their facts outside it are left out.
    ``personal=False`` leaves out children and individual teacher records.
    """
    years = sorted(set(years)) if years is not None else None
    prefix = county[:6] if county else None
    frames: dict[str, pd.DataFrame] = {}

    def read(stmt) -> pd.DataFrame:
        if isinstance(engine, Engine):
            with engine.connect() as conn:
                return pd.read_sql(stmt, conn)
        return pd.read_sql(stmt, engine)

    def order(table: Table, spec: F.SheetSpec):
        return [table.c[k] for k in spec.primary_key]

    for key, table in TABLES.items():
        spec = F.SHEETS_BY_KEY[key]
        if not personal and spec.personal:
            continue
        stmt = select(*[table.c[c] for c in _columns(table) if c in spec.keys])
        if years is not None and "year" in table.c and key not in ("population", "birth"):
            stmt = stmt.where(table.c.year.in_(years))
        if prefix:
            if key == "org_unit":
                stmt = stmt.where(func.substr(table.c.code, 1, 6) == prefix)
            elif key == "school":
                stmt = stmt.where(func.substr(table.c.township_code, 1, 6) == prefix)
            elif "school_code" in table.c:
                stmt = stmt.where(table.c.school_code.in_(
                    select(School.code).where(func.substr(School.township_code, 1, 6) == prefix)))
            elif "village_code" in table.c:
                stmt = stmt.where(func.substr(table.c.village_code, 1, 6) == prefix)
            elif key == "child":
                stmt = stmt.where(or_(func.substr(table.c.household_village_code, 1, 6) == prefix,
                                      func.substr(table.c.residence_village_code, 1, 6) == prefix))
        frames[key] = read(stmt.order_by(*order(table, spec)))
    return YearTables.from_frames(**frames)

