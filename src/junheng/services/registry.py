"""The registry as every capability reads it, and the registry's own work: database, template, import, export,
demo county, summary.

:func:`county_data` is how an assessment, a layout plan, a teacher plan or a
ledger check gets its county — from the database, for the county the actor
names (or the only one in the data), checked against the actor's scope — and
:func:`workbook_data` / :func:`demo_data` are the same for a workbook on disk
and the synthetic demo county.  The CLI and the web jobs both call these, so
the two never read a different registry for the same request.

A database or workbook with schools of more than one county and no county
chosen is :class:`SeveralCounties`: a report pooled over several counties
under one county's name would be wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select

from junheng.domain.orgcode import padded
from junheng.domain.tables import YearTables
from junheng.io.errors import ImportRejected, ValidationIssue, write_error_report
from junheng.io.importer import ImportResult
from junheng.io.limits import MAX_ISSUES, MAX_ROWS
from junheng.services import audit
from junheng.services.authz import Actor
from junheng.services.errors import Forbidden, Invalid, NotFound
from junheng.store.models import OrgUnit, School
from junheng.store.summary import RegistrySummary

__all__ = [
    "MAX_ISSUES",
    "MAX_ROWS",
    "CountyData",
    "ImportRejected",
    "ImportResult",
    "RegistrySummary",
    "SeveralCounties",
    "ValidationIssue",
    "check_import",
    "county_data",
    "database_url",
    "demo_data",
    "export_registry",
    "import_demo",
    "import_registry",
    "open_database",
    "summary",
    "upgrade_database",
    "workbook_data",
    "write_error_report",
    "write_template",
]

TableProgress = Callable[[str, int, int], None]
"""An import's progress: (table key, rows written, rows in the table)."""


@dataclass(frozen=True)
class CountyData:
    """One county's registry tables for a piece of work, with the county's code and name.

    ``county_code`` is 12 digits, or ``""`` for a workbook or demo whose county is not in its org units."""

    tables: YearTables
    county_code: str
    county_name: str


class SeveralCounties(Invalid):
    """The data hold schools of several counties and none was chosen; ``counties`` lists (6-digit code, name)."""

    def __init__(self, counties: Sequence[tuple[str, str]]) -> None:
        listed = "、".join(f"{name}（{code}）" for code, name in counties)
        super().__init__(f"数据中有 {len(counties)} 个县：{listed}；请用 --county 指定一个",
                         f"the data hold {len(counties)} counties ({', '.join(c for c, _ in counties)}): "
                         "choose one with --county")
        self.counties = tuple(counties)


# --------------------------------------------------------------------------- the database

def database_url(db: str | None = None) -> str:
    """``db``, else ``JUNHENG_DB``, else ./junheng.db."""
    from junheng.store.engine import default_url

    return db or default_url()


def open_database(db: str | None = None, *, server: bool = False) -> Engine:
    """The engine of the database ``db`` (a URL or an SQLite file path; default ``JUNHENG_DB`` or ./junheng.db);
    ``server``: for the web app (an SQLite file in WAL mode)."""
    from junheng.store.engine import make_engine

    return make_engine(db, server=server)


def upgrade_database(db: str | None = None) -> str:
    """Create or upgrade the database's schema to the latest revision; returns its URL (without a password)."""
    from junheng.store.engine import default_url, normalise_url, upgrade

    url = db or default_url()
    upgrade(url)
    return normalise_url(url).split("@")[-1]


# --------------------------------------------------------------------------- one county's registry

def _counties_of(tables: YearTables) -> list[tuple[str, str]]:
    """(6-digit code, name) of the counties whose schools ``tables`` hold."""
    codes = sorted({str(t)[:6] for t in tables.school["township_code"].dropna()})
    org = tables.org_unit
    names: dict[str, str] = {}
    if not org.empty:
        rows = org[org["level"] == "county"]
        names = dict(zip(rows["code"].astype(str).str[:6], rows["name"].astype(str), strict=True))
    return [(c, names.get(c, "")) for c in codes]


def _one_county(tables: YearTables) -> tuple[str, str]:
    counties = _counties_of(tables)
    if len(counties) > 1:
        raise SeveralCounties(counties)
    if not counties:
        return "", ""
    code, name = counties[0]
    return padded(code), name


def county_data(engine: Engine, actor: Actor, *, county: str | None = None, years: Iterable[int] | None = None,
                personal: bool = True) -> CountyData:
    """The registry of ``county`` (6 or 12 digits) from the database, for county-wide work by ``actor``.

    Without ``county`` the database must hold schools of one county only (else :class:`SeveralCounties`).  The
    actor's scope must cover the whole county (:class:`Forbidden` otherwise); a county without schools is
    :class:`NotFound`.  ``personal=False`` leaves out children and individual teachers.
    """
    from junheng.store.tables import load_tables

    if county is None:
        with engine.connect() as conn:
            codes = sorted({str(c) for (c,) in conn.execute(
                select(func.substr(School.township_code, 1, 6)).distinct()) if c})
            names: dict[str, str] = dict(conn.execute(select(func.substr(OrgUnit.code, 1, 6), OrgUnit.name)
                                      .where(OrgUnit.level == "county")).all())
        if len(codes) > 1:
            raise SeveralCounties([(c, str(names.get(c, ""))) for c in codes])
        if not codes:
            raise NotFound("数据库中没有学校（请先导入数据）", "no schools in the database (import data first)")
        county = codes[0]
    code = padded(county[:6])
    if not actor.covers_org(code):
        raise Forbidden("该县不在您的管辖范围内", "this county is outside your scope")
    tables = load_tables(engine, years=years, county=code, personal=personal)
    if tables.school.empty:
        raise NotFound(f"数据库中没有县 {county[:6]} 的学校", f"no schools of county {county[:6]} in the database")
    with engine.connect() as conn:
        name = conn.execute(select(OrgUnit.name).where(OrgUnit.code == code)).scalar()
    return CountyData(tables, code, str(name or ""))


def workbook_data(path: str | Path, *, table: str | None = None) -> CountyData:
    """The registry in a workbook, checked exactly like an import (:class:`ImportRejected` with every issue);
    a workbook of several counties is :class:`SeveralCounties`."""
    from junheng.io.importer import read_workbook

    tables = read_workbook(path, table=table)
    code, name = _one_county(tables)
    return CountyData(tables, code, name)


def demo_data(county: str = "130431", *, seed: int = 7, children: bool = True, teachers: bool = True) -> CountyData:
    """The synthetic demo county (:func:`junheng.synth.generate_county`) as a registry."""
    from junheng.synth import generate_county

    tables = generate_county(county, seed=seed, children=children, teachers=teachers)
    code, name = _one_county(tables)
    return CountyData(tables, code, name)


# --------------------------------------------------------------------------- import, export, template

def write_template(path: str | Path, *, personal: bool = True, tables: YearTables | None = None) -> Path:
    """The Excel data template (instructions, validation lists), optionally filled with ``tables``."""
    from junheng.io.template import write_workbook

    return write_workbook(path, tables, personal=personal)


def check_import(engine: Engine, actor: Actor, files: Sequence[str | Path], *, table: str | None = None,
                 max_rows: int = MAX_ROWS, max_issues: int = MAX_ISSUES) -> list[ValidationIssue]:
    """Every issue an import of ``files`` would meet (nothing is written); scoped like the import."""
    from junheng.io.importer import check_files
    from junheng.services.imports import import_scope

    actor.require("import_data")
    _, issues, _ = check_files(files, engine=engine, table=table, scope=import_scope(engine, actor),
                               max_rows=max_rows, max_issues=max_issues)
    return list(issues)


def import_registry(engine: Engine, actor: Actor, files: Sequence[str | Path], *, table: str | None = None,
                    user: str | None = None, progress: TableProgress | None = None, max_rows: int = MAX_ROWS,
                    max_issues: int = MAX_ISSUES) -> ImportResult:
    """Import ``files`` all or nothing (:class:`ImportRejected` with every issue, nothing written), within the
    actor's scope, recorded in ``import_batch`` under ``user`` (default: the actor) and in the audit log."""
    from junheng.io.importer import import_files
    from junheng.services.imports import import_scope

    actor.require("import_data")
    result = import_files(engine, files, user=user or actor.username, table=table, progress=progress,
                          scope=import_scope(engine, actor), org_code=actor.home, max_rows=max_rows,
                          max_issues=max_issues)
    audit.record_now(engine, actor, "import.commit", ", ".join(Path(f).name for f in files),
                     org=actor.home or None, batch=result.batch_id, counts=result.counts, sha256=list(result.sha256))
    return result


def import_demo(engine: Engine, actor: Actor, data: CountyData, *, source: str,
                progress: TableProgress | None = None) -> ImportResult:
    """Import a generated registry (the demo county) all or nothing, audited like any import."""
    from junheng.io.importer import import_tables

    actor.require("import_data")
    result = import_tables(engine, data.tables, source=source, user=actor.username, progress=progress)
    audit.record_now(engine, actor, "import.commit", source, org=data.county_code or None, batch=result.batch_id,
                     counts=result.counts, sha256=list(result.sha256))
    return result


def export_registry(engine: Engine, actor: Actor, path: str | Path, *, years: Iterable[int] | None = None,
                    county: str | None = None, personal: bool = False) -> Path:
    """The registry in the template's layout (formula-safe); personal sheets only with ``personal``, audited."""
    from junheng.io.export import export_workbook

    actor.require("view_personal" if personal else "view_registry")
    if county is not None and not actor.covers_org(padded(county[:6])):
        raise Forbidden("该县不在您的管辖范围内", "this county is outside your scope")
    export_workbook(engine, path, years=years, county=county, personal=personal)
    if personal:
        audit.record_now(engine, actor, "registry.export", Path(path).name,
                         org=padded(county[:6]) if county else None, personal=True)
    return Path(path)


def summary(engine: Engine, actor: Actor, *, county: str | None = None) -> RegistrySummary:
    """Townships, villages, schools by type, pupils, classes and teachers by stage, child records."""
    from junheng.store.summary import registry_summary

    actor.require("view_registry")
    return registry_summary(engine, county=county)
