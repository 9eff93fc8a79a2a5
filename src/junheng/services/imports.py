"""Import through the web: template download, upload → check (background) → confirm → import, history.

The uploaded file is kept with its job, checked with
:func:`junheng.io.check_files` (every issue, plus the Excel error report), and
only when the user confirms a clean check is it imported with
:func:`junheng.io.import_files` — all or nothing, recorded in ``import_batch``
with the user's name and the file's SHA-256, exactly as ``junheng import``.

Scope: the check and the import carry the importer's org units
(:func:`import_scope`), so a row outside them is an error of the import
(:mod:`junheng.io.scope`) and nothing is written; the jobs and the batch belong
to the importer's home org unit, and the history lists only batches in scope.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select

from junheng.io.limits import MAX_ISSUES, MAX_ROWS
from junheng.services import audit
from junheng.services import listing as L
from junheng.services.authz import Actor
from junheng.services.errors import Invalid
from junheng.services.jobs import DONE, JobContext, JobRunner, add_file, get_job

if TYPE_CHECKING:
    from junheng.io.scope import ImportScope
from junheng.store.models import ImportBatch

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUFFIXES = (".xlsx", ".csv")
MAX_ISSUES_KEPT = 10_000


def template_bytes(actor: Actor, *, personal: bool = True) -> bytes:
    """The Excel data template (same as ``junheng template``)."""
    actor.require("import_data")
    from junheng.io.template import write_workbook

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "template.xlsx"
        write_workbook(path, personal=personal)
        return path.read_bytes()


def import_scope(engine: Engine, actor: Actor) -> ImportScope | None:
    """The org units ``actor`` may import for (``None``: the unscoped system administrator)."""
    from junheng.io.scope import ImportScope
    from junheng.store.models import OrgUnit

    if actor.unscoped:
        return None
    codes = tuple(actor.scopes) if actor.role != "school_clerk" else ()
    with engine.connect() as conn:
        names = [n for (n,) in conn.execute(select(OrgUnit.name).where(OrgUnit.code.in_(codes)))] if codes else []
    return ImportScope(codes, "、".join(names))


def _safe_name(name: str) -> str:
    base = Path(name or "upload").name
    base = re.sub(r"[^\w.\-\u4e00-\u9fff]+", "_", base)[:120] or "upload"
    return base


def start_check(engine: Engine, runner: JobRunner, actor: Actor, *, filename: str, content: bytes,
                max_bytes: int = 50 * 2**20, max_rows: int = MAX_ROWS, max_issues: int = MAX_ISSUES) -> int:
    """Store an uploaded workbook/CSV and check it in the background; returns the job id.

    ``max_rows`` / ``max_issues``: the import limits (``import_max_rows`` / ``import_max_issues`` of the app's
    settings; by default theirs).
    """
    actor.require("import_data")
    name = _safe_name(filename)
    if not name.lower().endswith(SUFFIXES):
        raise Invalid("只接受 .xlsx 或 .csv 文件", "only .xlsx or .csv files are accepted")
    if not content:
        raise Invalid("文件为空", "the file is empty")
    if len(content) > max_bytes:
        raise Invalid(f"文件超过 {max_bytes // 2**20} MB", f"the file exceeds {max_bytes // 2**20} MB")
    job_id = runner.create(actor, "import_check", params={"filename": name,
                                                          "sha256": hashlib.sha256(content).hexdigest()})
    add_file(engine, job_id, name, content, XLSX if name.lower().endswith(".xlsx") else "text/csv", role="input")
    scope = import_scope(engine, actor)
    runner.submit(job_id, lambda ctx: _check(engine, ctx, scope=scope, max_rows=max_rows, max_issues=max_issues))
    return job_id


def _issues_result(ctx: JobContext, issues: list[Any], name: str) -> dict[str, Any]:
    from junheng.io.errors import write_error_report

    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / (Path(name).stem + "_错误清单.xlsx")
        write_error_report(issues, report)
        file_id = ctx.add_file(report.name, report.read_bytes(), XLSX)
    kept = [{**dataclasses.asdict(i), "title": i.title} for i in issues[:MAX_ISSUES_KEPT]]
    return {"ok": False, "n_issues": len(issues), "issues": kept, "report_file": file_id,
            "message": f"发现 {len(issues)} 处错误，未导入任何数据 / {len(issues)} errors, nothing imported"}


def _check(engine: Engine, ctx: JobContext, *, scope: ImportScope | None = None, max_rows: int = MAX_ROWS,
           max_issues: int = MAX_ISSUES) -> dict[str, Any]:
    # the parsing and checking run in a child process (junheng.services.import_worker): the web process keeps
    # its GIL for other users' requests, and none of the file's memory
    from junheng.services.import_worker import check_file

    name, content = ctx.input_file()
    ctx.progress(0.1, "检查文件 / checking")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        del content
        issues, rows = check_file(engine, path, scope=scope, max_rows=max_rows, max_issues=max_issues)
    if issues:
        return _issues_result(ctx, issues, name)
    return {"ok": True, "n_issues": 0, "issues": [], "rows": rows,
            "message": "检查通过，可以确认导入 / no errors; confirm to import"}


def confirm_import(engine: Engine, runner: JobRunner, actor: Actor, check_job_id: int, *,
                   max_rows: int = MAX_ROWS, max_issues: int = MAX_ISSUES) -> int:
    """Import the file of a clean check job (in the background); returns the import job's id.

    ``max_rows`` / ``max_issues``: the import limits, as for :func:`start_check`.
    """
    actor.require("import_data")
    job = get_job(engine, actor, check_job_id, kinds=("import_check",))
    if job.status != DONE or not job.result.get("ok"):
        raise Invalid("只能导入检查通过的文件", "only a file that passed its check can be imported")
    name, content_bytes = JobContext(engine, check_job_id).input_file()
    job_id = runner.create(actor, "import", params={"filename": name, "check_job": check_job_id,
                                                    "sha256": job.params.get("sha256")})
    scope = import_scope(engine, actor)
    runner.submit(job_id, lambda ctx: _import(engine, ctx, name, content_bytes, actor, scope=scope,
                                              max_rows=max_rows, max_issues=max_issues))
    return job_id


def _import(engine: Engine, ctx: JobContext, name: str, content: bytes, actor: Actor, *,
            scope: ImportScope | None = None, max_rows: int = MAX_ROWS, max_issues: int = MAX_ISSUES) -> dict[str, Any]:
    from junheng.io.errors import ImportRejected
    from junheng.services.import_worker import import_file

    ctx.progress(0.1, "写入数据库 / writing")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        try:  # in a child process, as the check (junheng.services.import_worker); it reports progress itself
            result = import_file(engine, ctx.job_id, path, user=actor.username, scope=scope, org_code=actor.home,
                                 max_rows=max_rows, max_issues=max_issues)
        except ImportRejected as rej:
            return _issues_result(ctx, rej.issues, name)
    audit.record_now(engine, actor, "import.commit", name, batch=result.batch_id,
                     counts=result.counts, sha256=list(result.sha256))
    return {"ok": True, "batch_id": result.batch_id, "counts": result.counts, "years": list(result.years),
            "message": f"导入完成（批次 {result.batch_id}）/ imported (batch {result.batch_id})"}


def history(engine: Engine, actor: Actor, *, limit: int = 100) -> list[dict[str, Any]]:
    """Import batches in the actor's scope, newest first: who, when, which file (SHA-256), what was written."""
    actor.require("import_data")
    t = ImportBatch.__table__
    stmt = select(t).order_by(t.c.id.desc()).limit(limit)
    scoped = actor.org_condition(t.c.org_code)
    if scoped is not None:
        stmt = stmt.where(scoped)
    with engine.connect() as conn:
        rows = conn.execute(stmt).mappings().all()
    return [{**dict(r), "started_at": r["started_at"].isoformat(sep=" "),
             "finished_at": r["finished_at"].isoformat(sep=" ")} for r in rows]


def issues_page(result: dict[str, Any], *, page: int = 1, per_page: int = 100) -> dict[str, Any]:
    issues = result.get("issues", [])
    page = max(1, page)
    return {"issues": issues[(page - 1) * per_page: page * per_page], "page": page, "per_page": per_page,
            "total": len(issues), "n_issues": result.get("n_issues", len(issues))}



#: The 导入历史 list of the web (:mod:`junheng.services.listing`); 写入 reads "学校 4 行，…" (sheet names).
IMPORT_LIST = L.ListSpec("imports", "导入历史", columns=(
    L.Column("id", "批次"), L.Column("started_at", "时间"), L.Column("user", "导入人"), L.Column("filename", "文件"),
    L.Column("sha256", "SHA-256", sortable=False), L.Column("counts", "写入", sortable=False, show="counts_text")),
    search=("user", "filename"), default_sort="id", default_desc=True)


def _batch_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from junheng.domain.fields import SHEETS_BY_KEY

    def sheet(key: str) -> str:
        spec = SHEETS_BY_KEY.get(key)
        return spec.zh if spec else key

    return [{**r, "started_at": r["started_at"].isoformat(sep=" "), "finished_at": r["finished_at"].isoformat(sep=" "),
             "counts_text": "，".join(f"{sheet(k)} {n} 行" for k, n in (r["counts"] or {}).items())} for r in rows]


def _batch_select(actor: Actor) -> tuple[Any, dict[str, Any], list[Any]]:
    actor.require("import_data")
    t = ImportBatch.__table__
    stmt = select(t)
    scoped = actor.org_condition(t.c.org_code)
    if scoped is not None:
        stmt = stmt.where(scoped)
    sorts = {"id": t.c.id, "started_at": t.c.started_at, "user": t.c.user, "filename": t.c.filename}
    return stmt, sorts, [t.c.user, t.c.filename]


def history_page(engine: Engine, actor: Actor, lq: L.ListQuery) -> L.Page:
    """One page of the 导入历史 list (import batches in the actor's scope; search and sort in SQL)."""
    stmt, sorts, search = _batch_select(actor)
    with engine.connect() as conn:
        page = L.page_select(conn, stmt, lq, sort_columns=sorts, search_columns=search,
                             tiebreak=[ImportBatch.__table__.c.id.desc()])
    return L.Page(_batch_rows(page.rows), page.total, page.page, page.per_page, page.sort, page.desc)


def history_export(engine: Engine, actor: Actor, lq: L.ListQuery) -> list[dict[str, Any]]:
    """Every batch of the 导入历史 list for ``lq``, up to one more than the export cap."""
    stmt, sorts, search = _batch_select(actor)
    with engine.connect() as conn:
        rows = L.select_all(conn, stmt, lq, sort_columns=sorts, search_columns=search,
                            tiebreak=[ImportBatch.__table__.c.id.desc()], limit=L.EXPORT_CAP + 1)
    return _batch_rows(rows)
