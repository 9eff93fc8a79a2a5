"""Background jobs: long work (import, assessment) runs in a worker thread; its state lives in the ``job`` table.

A page starts a job and polls ``/jobs/<id>`` (HTMX); because progress, result
and files are in the database, a reload — or another browser — sees the same
job.  A job left ``queued`` or ``running`` by a server that stopped is marked
``failed`` ("interrupted") when the next server starts (one server process
owns the jobs; run one ``junheng serve`` per database).
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

from sqlalchemy import Engine, insert, select, update

from junheng.services import audit
from junheng.services.authz import Actor
from junheng.services.errors import Forbidden, NotFound
from junheng.store.auth_models import Job, JobFile

log = logging.getLogger("junheng.jobs")

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATUS_ZH = {QUEUED: "排队中", RUNNING: "运行中", DONE: "已完成", FAILED: "失败"}
KIND_PERMISSION = {"import_check": "import_data", "import": "import_data", "assessment": "view_assessment",
                   "care_check": "import_data", "layout": "view_layout",
                   "teachers": "view_teachers"}


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


class JobRunner:
    """Runs job functions in a thread pool and records their outcome in the ``job`` table."""

    def __init__(self, engine: Engine, *, workers: int = 1) -> None:
        self.engine = engine
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="junheng-job")
        self.futures: dict[int, Future[None]] = {}

    def recover(self) -> int:
        """Mark jobs a previous server left unfinished as failed; returns how many."""
        with self.engine.begin() as conn:
            res = conn.execute(update(Job).where(Job.status.in_([QUEUED, RUNNING])).values(
                status=FAILED, finished_at=audit.now(),
                message="服务重启，任务中断，请重新提交 / interrupted by a server restart; submit again"))
        return int(res.rowcount or 0)

    def create(self, actor: Actor, kind: str, *, org_code: str = "", params: dict[str, Any] | None = None) -> int:
        with self.engine.begin() as conn:
            job_id = int(conn.execute(insert(Job).values(
                kind=kind, status=QUEUED, progress=0.0, message="", username=actor.username, org_code=org_code,
                params=params or {}, result={}, created_at=audit.now()).returning(Job.id)).scalar_one())
            audit.record(conn, actor, f"job.{kind}", str(job_id), params=params or {})
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


def get_job(engine: Engine, actor: Actor, job_id: int, *, kinds: tuple[str, ...] | None = None) -> JobInfo:
    """A job the actor may see: the permission of its kind and its county in scope."""
    with engine.connect() as conn:
        row = conn.execute(select(Job.__table__).where(Job.id == job_id)).mappings().first()
        if row is None or (kinds and row["kind"] not in kinds):
            raise NotFound(f"任务不存在：{job_id}", f"no job {job_id}")
        actor.require(KIND_PERMISSION.get(row["kind"], "manage_users"))
        if row["org_code"] and not actor.covers_org(row["org_code"]):
            raise Forbidden("该任务不在您的管辖范围内", "this job is outside your scope")
        files = [dict(r) for r in conn.execute(
            select(JobFile.id, JobFile.role, JobFile.name, JobFile.media_type, JobFile.sha256)
            .where(JobFile.job_id == job_id).order_by(JobFile.id)).mappings()]
    return JobInfo(row["id"], row["kind"], row["status"], STATUS_ZH.get(row["status"], row["status"]),
                   float(row["progress"]), row["message"], row["username"], row["org_code"], dict(row["params"]),
                   dict(row["result"]), _iso(row["created_at"]) or "", _iso(row["started_at"]),
                   _iso(row["finished_at"]), files)


def get_file(engine: Engine, actor: Actor, job_id: int, file_id: int) -> tuple[str, str, bytes]:
    """(name, media type, content) of one of a job's files."""
    get_job(engine, actor, job_id)
    with engine.connect() as conn:
        row = conn.execute(select(JobFile.name, JobFile.media_type, JobFile.content).where(
            JobFile.id == file_id, JobFile.job_id == job_id)).first()
    if row is None:
        raise NotFound(f"文件不存在：{file_id}", f"no file {file_id}")
    audit.record_now(engine, actor, "file.download", f"job {job_id} / {row.name}")
    return row.name, row.media_type, bytes(row.content)


def list_jobs(engine: Engine, actor: Actor, *, kinds: tuple[str, ...], status: str | None = None,
              limit: int = 50) -> list[JobInfo]:
    t = Job.__table__
    conds: list[Any] = [t.c.kind.in_(kinds)]
    if status:
        conds.append(t.c.status == status)
    with engine.connect() as conn:
        ids = [i for (i,) in conn.execute(select(t.c.id).where(*conds).order_by(t.c.id.desc()).limit(limit * 4))]
    out = []
    for i in ids:
        try:
            out.append(get_job(engine, actor, i))
        except (Forbidden, NotFound):
            continue
        if len(out) >= limit:
            break
    return out
