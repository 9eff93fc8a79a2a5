"""Background jobs: long work (import, assessment) runs in a worker thread; its state lives in the ``job`` table.

A page starts a job and polls ``/jobs/<id>`` (HTMX); because progress, result
and files are in the database, a reload — or another browser — sees the same
job.  A job left ``queued`` or ``running`` by a server that stopped is marked
``failed`` ("interrupted") when the next server starts (one server process
owns the jobs; run one ``junheng serve`` per database).

Every job belongs to an org unit (``org_code``): the county it is about, or for
an import the importer's home org unit.  :func:`get_job` lets an actor see a
job only when their scope covers that org unit (one way; a job of no org unit
is the system administrator's alone), and each user may have at most
``jobs_per_user`` jobs queued or running.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from junheng.domain.jsonsafe import json_safe
from junheng.domain.labels import zh_map
from junheng.services import audit
from junheng.services.authz import Actor
from junheng.services.errors import Forbidden, NotFound, Throttled
from junheng.store.auth_models import Job, JobFile

log = logging.getLogger("junheng.jobs")

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATUS_ZH = zh_map("job_status")
KIND_PERMISSION = {"import_check": "import_data", "import": "import_data", "assessment": "view_assessment",
                   "care_check": "import_data", "layout": "view_layout",
                   "teachers": "view_teachers", "aid_audit": "import_data"}


PART_KINDS = frozenset({"assessment"})
"""Job kinds whose result a view may show in part to an actor inside the job's org unit (aggregate figures, the
in-scope schools' rows): a township user reads the county assessment's verdicts for their schools."""


@dataclass(frozen=True)
class JobInfo:
    id: int
    kind: str
    status: str
    status_zh: str
    progress: float
    message: str
    username: str
    org_code: str
    params: dict[str, Any]
    result: dict[str, Any]
    created_at: str
    started_at: str | None
    finished_at: str | None
    files: list[dict[str, Any]]

    @property
    def finished(self) -> bool:
        return self.status in (DONE, FAILED)


def _iso(t: dt.datetime | None) -> str | None:
    return t.isoformat(sep=" ") if t else None


class JobContext:
    """What a running job may do: report progress, attach output files."""

    def __init__(self, engine: Engine, job_id: int) -> None:
        self.engine = engine
        self.job_id = job_id

    def progress(self, fraction: float, message: str = "") -> None:
        with self.engine.begin() as conn:
            conn.execute(update(Job).where(Job.id == self.job_id).values(
                progress=max(0.0, min(1.0, fraction)), message=message))

    def add_file(self, name: str, content: bytes, media_type: str, *, role: str = "output") -> int:
        return add_file(self.engine, self.job_id, name, content, media_type, role=role)

    def input_file(self) -> tuple[str, bytes]:
        with self.engine.connect() as conn:
            row = conn.execute(select(JobFile.name, JobFile.content).where(
                JobFile.job_id == self.job_id, JobFile.role == "input").order_by(JobFile.id)).first()
        if row is None:
            raise NotFound("任务没有输入文件", "the job has no input file")
        return row.name, bytes(row.content)


def add_file(engine: Engine, job_id: int, name: str, content: bytes, media_type: str, *, role: str = "output") -> int:
    with engine.begin() as conn:
        return int(conn.execute(insert(JobFile).values(
            job_id=job_id, role=role, name=name, media_type=media_type,
            sha256=hashlib.sha256(content).hexdigest(), content=content).returning(JobFile.id)).scalar_one())


JobFunction = Callable[[JobContext], dict[str, Any]]

Progress = Callable[[float, str], None]
"""How a long piece of work reports progress: (fraction done in [0, 1], bilingual message).  A web job passes
:meth:`JobContext.progress`; the CLI passes its spinner; :func:`silent` ignores it."""


def silent(fraction: float, message: str = "") -> None:
    """A :data:`Progress` that reports nothing (tests, scripts)."""


class JobRunner:
    """Runs job functions in a thread pool and records their outcome in the ``job`` table."""

    def __init__(self, engine: Engine, *, workers: int = 1, per_user: int = 3) -> None:
        self.engine = engine
        self.per_user = max(1, per_user)
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="junheng-job")
        self.futures: dict[int, Future[None]] = {}

    def recover(self) -> int:
        """Mark jobs a previous server left unfinished as failed; returns how many."""
        with self.engine.begin() as conn:
            res = conn.execute(update(Job).where(Job.status.in_([QUEUED, RUNNING])).values(
                status=FAILED, finished_at=audit.now(),
                message="服务重启，任务中断，请重新提交 / interrupted by a server restart; submit again"))
        return int(res.rowcount or 0)

    def create(self, actor: Actor, kind: str, *, org_code: str | None = None,
               params: dict[str, Any] | None = None) -> int:
        """Record a queued job of ``org_code`` (default: the actor's home org unit); refuses a user's
        ``per_user``-th unfinished job (HTTP 429)."""
        org = actor.home if org_code is None else org_code
        with self.engine.begin() as conn:
            busy = conn.execute(select(func.count()).select_from(Job).where(
                Job.username == actor.username, Job.status.in_([QUEUED, RUNNING]))).scalar_one()
            if busy >= self.per_user:
                raise Throttled(f"您已有 {busy} 个任务在排队或运行，请等其完成后再提交",
                                f"you have {busy} jobs queued or running; wait for them to finish")
            job_id = int(conn.execute(insert(Job).values(
                kind=kind, status=QUEUED, progress=0.0, message="", username=actor.username, org_code=org,
                params=params or {}, result={}, created_at=audit.now()).returning(Job.id)).scalar_one())
            audit.record(conn, actor, f"job.{kind}", str(job_id), org=org, params=params or {})
        return job_id

    def submit(self, job_id: int, fn: JobFunction) -> None:
        self.futures[job_id] = self.pool.submit(self._run, job_id, fn)

    def _run(self, job_id: int, fn: JobFunction) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(Job).where(Job.id == job_id).values(status=RUNNING, started_at=audit.now()))
        try:
            result = fn(JobContext(self.engine, job_id))
        except Exception as exc:  # a job's failure is reported to its user, never lost
            log.exception("job %s failed", job_id)
            with self.engine.begin() as conn:
                conn.execute(update(Job).where(Job.id == job_id).values(
                    status=FAILED, finished_at=audit.now(), message=f"{type(exc).__name__}: {exc}"[:2000],
                    result={"traceback": traceback.format_exc(limit=5)[-4000:]}))
            return
        result = json_safe(result)
        with self.engine.begin() as conn:
            conn.execute(update(Job).where(Job.id == job_id).values(
                status=DONE, progress=1.0, finished_at=audit.now(), result=result,
                message=str(result.get("message", ""))[:2000]))

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        """Block until the job's thread ends (tests and the CLI)."""
        fut = self.futures.get(job_id)
        if fut is not None:
            fut.result(timeout=timeout)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def get_job(engine: Engine, actor: Actor, job_id: int, *, kinds: tuple[str, ...] | None = None,
            part: bool = False) -> JobInfo:
    """A job the actor may see: the permission of its kind and its org unit covered by the actor's scope.

    ``part`` also admits an actor inside the job's org unit (a township user and a county assessment): only for
    views that show the in-scope part of the job's result, never for its files or its raw result.
    """
    with engine.connect() as conn:
        row = conn.execute(select(Job.__table__).where(Job.id == job_id)).mappings().first()
        if row is None or (kinds and row["kind"] not in kinds):
            raise NotFound(f"任务不存在：{job_id}", f"no job {job_id}")
        actor.require(KIND_PERMISSION.get(row["kind"], "manage_users"))
        part = part and row["kind"] in PART_KINDS
        if not (actor.covers_org(row["org_code"]) or (part and actor.within_org(row["org_code"]))):
            raise Forbidden("该任务不在您的管辖范围内", "this job is outside your scope")
        files = [dict(r) for r in conn.execute(
            select(JobFile.id, JobFile.role, JobFile.name, JobFile.media_type, JobFile.sha256)
            .where(JobFile.job_id == job_id).order_by(JobFile.id)).mappings()]
    return JobInfo(row["id"], row["kind"], row["status"], STATUS_ZH.get(row["status"], row["status"]),
                   float(row["progress"]), row["message"], row["username"], row["org_code"], dict(row["params"]),
                   dict(row["result"]), _iso(row["created_at"]) or "", _iso(row["started_at"]),
                   _iso(row["finished_at"]), files)


PERSONAL_INPUTS = frozenset({"import_check", "import", "care_check", "aid_audit"})
"""Job kinds whose input files are registries of people (children's names and ID numbers)."""


def get_file(engine: Engine, actor: Actor, job_id: int, file_id: int) -> tuple[str, str, bytes]:
    """(name, media type, content) of one of a job's files; every download is audited.

    The uploaded original of a registry (an import's workbook, a ledger check's lists) is unmasked, so only roles
    with ``download_originals`` get it.  A ledger check's output CSVs are masked as the pages mask them
    (:func:`junheng.services.care.personal_ledger_csv`: the rows in scope, masked).
    """
    job = get_job(engine, actor, job_id)
    with engine.connect() as conn:
        row = conn.execute(select(JobFile.name, JobFile.media_type, JobFile.content, JobFile.role).where(
            JobFile.id == file_id, JobFile.job_id == job_id)).first()
    if row is None:
        raise NotFound(f"文件不存在：{file_id}", f"no file {file_id}")
    content, original, masked = bytes(row.content), False, False
    if job.kind in PERSONAL_INPUTS and row.role == "input":
        if not actor.can("download_originals"):
            raise Forbidden("上传的原始名单含个人信息，您的角色不能下载", "your role may not download the original list")
        original = True
    elif job.kind == "care_check" and row.name.endswith(".csv"):
        from junheng.services.care import personal_ledger_csv

        content, masked = personal_ledger_csv(engine, actor, job, content)
    elif job.kind == "aid_audit":  # the audit's outputs: masked as its page shows them (services.aid.aid_download)
        from junheng.services.aid import aid_download

        content, masked, original = aid_download(actor, row.name, content)
    audit.record_now(engine, actor, "file.download", f"job {job_id} / {row.name}", org=job.org_code,
                     original=original, masked=masked)
    return row.name, row.media_type, content


def list_jobs(engine: Engine, actor: Actor, *, kinds: tuple[str, ...], status: str | None = None,
              limit: int = 50, part: bool = False) -> list[JobInfo]:
    """The newest jobs of ``kinds`` the actor may see (filtered by scope in SQL, then checked one by one)."""
    t = Job.__table__
    conds: list[Any] = [t.c.kind.in_(kinds)]
    if status:
        conds.append(t.c.status == status)
    scoped = actor.org_condition(t.c.org_code, part=part)
    if scoped is not None:
        conds.append(scoped)
    with engine.connect() as conn:
        ids = [i for (i,) in conn.execute(select(t.c.id).where(*conds).order_by(t.c.id.desc()).limit(limit * 2))]
    out = []
    for i in ids:
        try:
            out.append(get_job(engine, actor, i, part=part))
        except (Forbidden, NotFound):
            continue
        if len(out) >= limit:
            break
    return out
