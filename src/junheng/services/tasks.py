"""Supervision tasks (督导任务): create, import from the Excel template, list, report progress, overdue alerts.

Issue #14 item 4.  A task belongs to a county (or city) org unit; its responsible units (责任单位) come from the
org unit's register (``task_unit``), the first listed being the lead (牵头单位), as the 西宁 plan says
("列第一位的单位为牵头单位", 宁政办〔2017〕164号).  Statuses follow :mod:`junheng.assess.tasks` and are computed
for the day asked (a stored status would go stale when a deadline passes).  Every write checks ``manage_tasks``
and the actor's scope over the task's org unit and is audited; progress reports are append-only and a report
carries the task's ``version`` (optimistic locking: a stale version is :class:`Conflict`).
:func:`task_summaries` gives :mod:`junheng.services.supervision` each county's tasks on time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from junheng.assess.tasks import STATUSES as STATUSES  # re-exported for the front ends
from junheng.assess.tasks import Report, TaskState, report_percent, summarize, task_state
from junheng.domain.files import KINDS, content_kind, name_kind
from junheng.domain.labels import label
from junheng.domain.orgcode import padded
from junheng.io.errors import ImportRejected as ImportRejected  # re-exported for the front ends
from junheng.io.errors import ValidationIssue
from junheng.services import audit
from junheng.services.authz import Actor
from junheng.services.errors import Conflict, Forbidden, Invalid, NotFound
from junheng.store.auth_models import User, UserScope
from junheng.store.task_models import Task, TaskAttachment, TaskLink, TaskProgress, TaskUnit

if TYPE_CHECKING:
    from junheng.assess.supervision import TaskSummary

TEMPLATE_SHEET = "督导任务"
COLUMNS = ("任务名称", "责任单位", "完成时限", "关联指标")
"""The template's columns: 责任单位 separated by 、 (the first is the lead), 完成时限 a date, 关联指标 codes."""
MAX_ROWS = 2000
MAX_ATTACHMENT_BYTES = 10 * 2**20
ATTACHMENT_KINDS = ("pdf", "jpg", "docx")
"""Evidence files accepted (:data:`junheng.domain.files.KINDS`), each recognised by its content."""
PLANS = {"xining-2017": "xining-2017-tasks.toml"}
"""Ready task lists shipped in ``assess/data``."""
RESPONSIBLE_ROLES = ("county_admin", "planner")
"""The roles an overdue alert goes to (those holding ``manage_tasks`` within a scope)."""


@dataclass(frozen=True)
class TaskRow:
    id: int
    org_code: str
    number: int | None
    title: str
    deadline: dt.date
    status: str
    percent: int
    completed_on: dt.date | None
    on_time: bool | None
    lead: str
    units: tuple[str, ...]  # in the plan's order, the lead first
    version: int

    @property
    def status_label(self) -> str:
        return label("task_status", self.status)


@dataclass(frozen=True)
class TaskPage:
    rows: list[TaskRow]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True)
class ProgressRow:
    reported_on: dt.date
    percent: int
    milestone: str
    note: str
    by: str
    at: dt.datetime
    attachment: tuple[int, str, str] | None  # (id, name, SHA-256)


@dataclass(frozen=True)
class TaskDetail:
    row: TaskRow
    text: str
    source: str
    targets: tuple[str, ...]
    milestones: tuple[str, ...]
    progress: list[ProgressRow]
    created_by: str


@dataclass(frozen=True)
class Attachment:
    """An evidence file as uploaded: its name and bytes."""

    name: str
    content: bytes


@dataclass(frozen=True)
class OverdueAlert:
    task: TaskRow
    users: tuple[str, ...]  # user names responsible for the task's org unit


def unit_kind(name: str) -> str:
    """The kind of a responsible unit from its name: 乡镇 (乡/镇 政府), 政府, 学校 or a department (部门)."""
    if name.endswith(("乡政府", "镇政府", "乡镇政府", "街道办事处")):
        return "township"
    if name.endswith("政府"):
        return "government"
    if name.endswith(("学校", "小学", "中学", "幼儿园")):
        return "school"
    return "department"


def split_units(text: str) -> list[str]:
    """责任单位 as written in the plan: separated by 、 (a comma is accepted too), blanks dropped, order kept."""
    out: list[str] = []
    for part in text.replace("，", "、").replace(",", "、").split("、"):
        name = part.strip()
        if name and name not in out:
            out.append(name)
    return out


def _county(actor: Actor, county: str) -> str:
    code = county.strip()
    if not code.isdigit() or len(code) not in (4, 6, 12):
        raise Invalid(f"区划代码应为 4、6 或 12 位数字：{county}", f"an org code has 4, 6 or 12 digits: {county!r}")
    code = padded(code)
    if not actor.covers_org(code):
        raise Forbidden("该县不在您的管辖范围内", "this county is outside your scope")
    return code


def _unit_id(conn: Connection, org: str, name: str) -> int:
    found = conn.execute(select(TaskUnit.id).where(TaskUnit.org_code == org, TaskUnit.name == name)).scalar()
    if found is not None:
        return int(found)
    n = conn.execute(select(func.count()).select_from(TaskUnit).where(TaskUnit.org_code == org)).scalar_one()
    return int(conn.execute(insert(TaskUnit).values(code=f"U{n + 1:03d}", name=name, kind=unit_kind(name),
                                                    org_code=org).returning(TaskUnit.id)).scalar_one())


@dataclass(frozen=True)
class NewTask:
    """A task to create: title, units (the lead first), deadline, linked target / indicator codes."""

    title: str
    units: tuple[str, ...]
    deadline: dt.date
    targets: tuple[str, ...] = ()
    text: str = ""
    number: int | None = None
    milestones: tuple[str, ...] = ()


def _insert_task(conn: Connection, actor: Actor, org: str, t: NewTask, source: str) -> int:
    if not t.title.strip() or not t.units:
        raise Invalid("任务须有名称和至少一个责任单位", "a task needs a title and at least one responsible unit")
    task_id = int(conn.execute(insert(Task).values(
        org_code=org, number=t.number, title=t.title.strip(), text=t.text, source=source, deadline=t.deadline,
        status="not_started", percent=0, milestones=list(t.milestones), targets=list(t.targets),
        created_by=actor.username, created_at=audit.now(), version=1).returning(Task.id)).scalar_one())
    for k, name in enumerate(t.units):
        conn.execute(insert(TaskLink).values(task_id=task_id, unit_id=_unit_id(conn, org, name), lead=k == 0,
                                             position=k))
    return task_id


def create_tasks(engine: Engine, actor: Actor, county: str, tasks: Sequence[NewTask], *, source: str = "") -> list[int]:
    """Create ``tasks`` for ``county`` in one transaction (all or none), audited; returns their ids."""
    actor.require("manage_tasks")
    org = _county(actor, county)
    with engine.begin() as conn:
        ids = [_insert_task(conn, actor, org, t, source) for t in tasks]
        audit.record(conn, actor, "tasks.create", source or f"{len(ids)} tasks", org=org, ids=ids)
    return ids


# ------------------------------------------------------------------------------------------- the ready lists
def plan_tasks(plan: str, *, deadline: dt.date) -> tuple[str, list[NewTask]]:
    """The ready task list ``plan`` (``xining-2017``): (source document, tasks due on ``deadline``)."""
    if plan not in PLANS:
        raise NotFound(f"没有任务清单 {plan}（可用：{'、'.join(PLANS)}）", f"no task list {plan!r}")
    data = tomllib.loads(resources.files("junheng.assess").joinpath("data", PLANS[plan]).read_text("utf-8"))
    source = f"{data['document']} {data['name']}"
    return source, [NewTask(title=t["title"], units=tuple(t["units"]), deadline=deadline, text=t["text"],
                            number=int(t["number"])) for t in data["task"]]


def load_plan(engine: Engine, actor: Actor, plan: str, *, county: str, deadline_year: int) -> list[int]:
    """Create the tasks of the ready list ``plan`` for ``county``, each due on 31 December ``deadline_year``."""
    source, tasks = plan_tasks(plan, deadline=dt.date(deadline_year, 12, 31))
    return create_tasks(engine, actor, county, tasks, source=source)


# ------------------------------------------------------------------------------------------- Excel template
def template_bytes() -> bytes:
    """The import template: one sheet 督导任务 with the columns :data:`COLUMNS` and an example row."""
    from openpyxl import Workbook

    from junheng.domain.textsafe import neutralise_workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = TEMPLATE_SHEET
    ws.append(list(COLUMNS))
    ws.append(["科学规划学校布局", "县教育局、县发改委、县财政局", "2027-12-31", "junior_schools、primary_schools"])
    for col, width in zip("ABCD", (40, 40, 14, 30), strict=True):
        ws.column_dimensions[col].width = width
    neutralise_workbook(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _issue(row: int | None, column: str, code: str, expected: str, found: object, file: str) -> ValidationIssue:
    letter = "ABCD"[COLUMNS.index(column)] if column in COLUMNS else ""
    return ValidationIssue(code, file, TEMPLATE_SHEET, row, f"{column}（{letter}列）" if letter else column,
                           expected, str(found if found is not None else "")[:60])


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip().replace("/", "-"))
    except ValueError:
        return None


def parse_workbook(content: bytes, *, file: str = "tasks.xlsx") -> list[NewTask]:
    """The tasks of a filled-in template, or :class:`ImportRejected` with every issue by row and column.

    Formula cells are refused (the template holds values only); rows past :data:`MAX_ROWS` are refused."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a bad file
        raise ImportRejected([_issue(None, "", "E401", "Excel 文件（.xlsx）", type(exc).__name__, file)]) from None
    if TEMPLATE_SHEET not in wb.sheetnames:
        raise ImportRejected([_issue(None, "", "E402", f"工作表“{TEMPLATE_SHEET}”", "、".join(wb.sheetnames), file)])
    rows = list(wb[TEMPLATE_SHEET].iter_rows(values_only=True))
    header = [str(c).strip() if c is not None else "" for c in (rows[0] if rows else ())]
    missing = [c for c in COLUMNS[:3] if c not in header]
    if missing:
        raise ImportRejected([_issue(1, c, "E403", c, "", file) for c in missing])
    if len(rows) - 1 > MAX_ROWS:
        raise ImportRejected([_issue(None, "", "E407", f"至多 {MAX_ROWS} 行", len(rows) - 1, file)])
    at = {c: header.index(c) for c in COLUMNS if c in header}
    issues: list[ValidationIssue] = []
    out: list[NewTask] = []
    for n, raw in enumerate(rows[1:], start=2):
        cells = {c: (raw[i] if i < len(raw) else None) for c, i in at.items()}
        if all(v is None or str(v).strip() == "" for v in cells.values()):
            continue
        bad = [c for c, v in cells.items() if isinstance(v, str) and v.startswith("=")]
        issues += [_issue(n, c, "E106", "文本或日期（不接受公式）", cells[c], file) for c in bad]
        title = str(cells["任务名称"] or "").strip()
        units = split_units(str(cells["责任单位"] or ""))
        deadline = _date(cells["完成时限"]) if cells["完成时限"] is not None else None
        if not title:
            issues.append(_issue(n, "任务名称", "E101", "任务名称", "", file))
        if not units:
            issues.append(_issue(n, "责任单位", "E101", "以“、”分隔的单位，第一位为牵头单位", cells["责任单位"], file))
        if deadline is None:
            issues.append(_issue(n, "完成时限", "E101" if cells["完成时限"] in (None, "") else "E107",
                                 "日期 YYYY-MM-DD", cells["完成时限"], file))
        if bad or not title or not units or deadline is None:
            continue
        targets = tuple(split_units(str(cells.get("关联指标") or "")))
        out.append(NewTask(title=title[:255], units=tuple(u[:64] for u in units), deadline=deadline, targets=targets))
    if issues:
        raise ImportRejected(issues)
    if not out:
        raise ImportRejected([_issue(None, "", "E101", "至少一行任务", "", file)])
    return out


def import_tasks(engine: Engine, actor: Actor, content: bytes, *, county: str, file: str = "tasks.xlsx") -> list[int]:
    """Import a filled-in template for ``county`` all or nothing (:class:`ImportRejected`: nothing written)."""
    actor.require("manage_tasks")
    _county(actor, county)
    tasks = parse_workbook(content, file=file)
    return create_tasks(engine, actor, county, tasks, source=f"导入：{file}"[:255])


# ------------------------------------------------------------------------------------------------- reading
def _reports(conn: Connection, ids: Iterable[int]) -> dict[int, list[Report]]:
    out: dict[int, list[Report]] = {}
    ids = list(ids)
    if ids:
        for tid, on, pct in conn.execute(select(TaskProgress.task_id, TaskProgress.reported_on, TaskProgress.percent)
                                         .where(TaskProgress.task_id.in_(ids))):
            out.setdefault(int(tid), []).append(Report(on, int(pct)))
    return out


def _units(conn: Connection, ids: Iterable[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    ids = list(ids)
    if ids:
        q = (select(TaskLink.task_id, TaskUnit.name).join(TaskUnit, TaskUnit.id == TaskLink.unit_id)
             .where(TaskLink.task_id.in_(ids)).order_by(TaskLink.task_id, TaskLink.position))
        for tid, name in conn.execute(q):
            out.setdefault(int(tid), []).append(str(name))
    return out


def _rows(conn: Connection, tasks: Sequence[Any], today: dt.date) -> list[TaskRow]:
    ids = [t.id for t in tasks]
    reports, units = _reports(conn, ids), _units(conn, ids)
    out = []
    for t in tasks:
        s = task_state(t.deadline, reports.get(t.id, []), today)
        us = units.get(t.id, [])
        out.append(TaskRow(t.id, t.org_code, t.number, t.title, t.deadline, s.status, s.percent, s.completed_on,
                           s.on_time, us[0] if us else "", tuple(us), t.version))
    return out


def _order(r: TaskRow) -> tuple[int, dt.date, int, int]:
    """Overdue first, then by deadline, then by the plan's number."""
    return (0 if r.status == "overdue" else 1, r.deadline, r.number or 0, r.id)


def _scoped(q: Any, column: Any, actor: Actor, county: str | None) -> Any:
    """The select ``q`` restricted to the org units the actor's scope covers (``column``), and to ``county`` when
    given (typed ``Any``: SQLAlchemy's ``Select`` is variadic in its columns)."""
    cond = actor.org_condition(column)
    if cond is not None:
        q = q.where(cond)
    return q.where(column == _county(actor, county)) if county else q


def list_tasks(engine: Engine, actor: Actor, *, county: str | None = None, status: str | None = None,
               unit: str | None = None, page: int = 1, per_page: int = 50, today: dt.date | None = None) -> TaskPage:
    """The tasks the actor's scope covers (of ``county`` when given), overdue first; filtered by status code
    and by a unit's name (lead or co-unit); ``page`` of ``per_page``."""
    actor.require("view_tasks")
    if status and status not in STATUSES:
        raise Invalid(f"未知的任务状态：{status}", f"unknown task status {status!r}")
    q = _scoped(select(Task.id, Task.org_code, Task.number, Task.title, Task.deadline, Task.version),
                Task.org_code, actor, county)
    with engine.connect() as conn:
        rows = _rows(conn, list(conn.execute(q)), today or dt.date.today())
    rows = [r for r in rows if (not status or r.status == status) and (not unit or unit in r.units)]
    rows.sort(key=_order)
    page, per_page = max(1, page), max(1, min(per_page, 100))  # ≤ 100 rows a page, as every list
    return TaskPage(rows[(page - 1) * per_page: page * per_page], len(rows), page, per_page)


def units_of(engine: Engine, actor: Actor, county: str | None = None) -> list[str]:
    """Names of the register's units in the actor's scope (of ``county``), for the page's unit filter."""
    actor.require("view_tasks")
    q = _scoped(select(TaskUnit.name).distinct().order_by(TaskUnit.name), TaskUnit.org_code, actor, county)
    with engine.connect() as conn:
        return [str(n) for (n,) in conn.execute(q)]


def _task(conn: Connection, actor: Actor, task_id: int) -> Any:
    t = conn.execute(select(Task).where(Task.id == task_id)).first()
    if t is None or not actor.covers_org(t.org_code):
        raise NotFound("没有这项任务", "no such task")  # another county's task is not there for this actor
    return t


def get_task(engine: Engine, actor: Actor, task_id: int, *, today: dt.date | None = None) -> TaskDetail:
    """One task: units, deadline, status and its progress history (oldest first)."""
    actor.require("view_tasks")
    with engine.connect() as conn:
        t = _task(conn, actor, task_id)
        row = _rows(conn, [t], today or dt.date.today())[0]
        q = (select(TaskProgress, TaskAttachment.name, TaskAttachment.sha256)
             .outerjoin(TaskAttachment, TaskAttachment.id == TaskProgress.attachment_id)
             .where(TaskProgress.task_id == task_id).order_by(TaskProgress.reported_on, TaskProgress.id))
        progress = [ProgressRow(p.reported_on, p.percent, p.milestone, p.note, p.by, p.at,
                                (p.attachment_id, p.name, p.sha256) if p.attachment_id else None)
                    for p in conn.execute(q)]
    return TaskDetail(row, t.text, t.source, tuple(t.targets or ()), tuple(t.milestones or ()), progress,
                      t.created_by)


def attachment(engine: Engine, actor: Actor, attachment_id: int) -> tuple[str, str, bytes]:
    """(name, media type, bytes) of an evidence file of a task in the actor's scope; the download is audited."""
    actor.require("view_tasks")
    with engine.begin() as conn:
        a = conn.execute(select(TaskAttachment).where(TaskAttachment.id == attachment_id)).first()
        if a is None:
            raise NotFound("没有这个附件", "no such attachment")
        t = _task(conn, actor, a.task_id)
        audit.record(conn, actor, "tasks.evidence.view", a.name, org=t.org_code, task=t.id, sha256=a.sha256)
    return a.name, a.media_type, a.content


# ------------------------------------------------------------------------------------------------- writing
def check_attachment(a: Attachment) -> tuple[str, str]:
    """(media type, SHA-256) of an evidence file, or :class:`Invalid`: PDF, JPG or DOCX, at most 10 MiB."""
    kind = name_kind(a.name)
    if kind not in ATTACHMENT_KINDS:
        raise Invalid("证明材料须为 PDF、JPG 或 DOCX 文件", "evidence must be a PDF, JPG or DOCX file")
    if len(a.content) > MAX_ATTACHMENT_BYTES:
        raise Invalid(f"证明材料不得超过 {MAX_ATTACHMENT_BYTES // 2**20} MB",
                      f"evidence may not exceed {MAX_ATTACHMENT_BYTES // 2**20} MB")
    if content_kind(a.content) != kind:
        raise Invalid("证明材料的内容与文件类型不符", "the evidence file's content does not match its type")
    return KINDS[kind][0], hashlib.sha256(a.content).hexdigest()


def report_progress(engine: Engine, actor: Actor, task_id: int, *, version: int, percent: int | None = None,
                    milestone: str = "", note: str = "", on: dt.date | None = None,
                    evidence: Attachment | None = None, today: dt.date | None = None) -> TaskRow:
    """Append a progress report (a percentage or one of the task's milestones) for ``on`` (default today),
    with an optional evidence file, if the task is still at ``version``; returns the task as it now stands.

    A finished task takes no more reports; a percentage below the one reached is refused; ``on`` may not be
    in the future.  Audited."""
    actor.require("manage_tasks")
    today = today or dt.date.today()
    on = on or today
    if on > today:
        raise Invalid("进度日期不能晚于今天", "a progress date cannot be in the future")
    media_sha = check_attachment(evidence) if evidence is not None else None
    with engine.begin() as conn:
        t = _task(conn, actor, task_id)
        before = _rows(conn, [t], today)[0]
        try:
            pct = report_percent(Report(on, percent, milestone.strip()), tuple(t.milestones or ()))
        except ValueError:
            raise Invalid("进度须为 0–100 的百分比或任务的一个里程碑",
                          "progress must be a percentage 0–100 or one of the task's milestones") from None
        if before.status == "done":
            raise Conflict("任务已完成，不再报告进度", "the task is complete; no more reports")
        if pct < before.percent:
            raise Invalid(f"进度不能低于已报告的 {before.percent}%", f"progress cannot fall below {before.percent} %")
        reports = [*_reports(conn, [task_id]).get(task_id, []), Report(on, pct)]
        state: TaskState = task_state(t.deadline, reports, today)
        changed = conn.execute(update(Task).where(Task.id == task_id, Task.version == version).values(
            version=Task.version + 1, status=state.status, percent=state.percent,
            completed_on=state.completed_on)).rowcount
        if changed != 1:
            raise Conflict("任务已被他人更新，请刷新后重试", "the task was changed by someone else; reload and retry")
        att_id = None
        if evidence is not None and media_sha is not None:
            att_id = conn.execute(insert(TaskAttachment).values(
                task_id=task_id, name=evidence.name[:255], media_type=media_sha[0], size=len(evidence.content),
                sha256=media_sha[1], content=evidence.content).returning(TaskAttachment.id)).scalar_one()
        conn.execute(insert(TaskProgress).values(task_id=task_id, reported_on=on, percent=pct,
                                                 milestone=milestone.strip()[:255], note=note.strip()[:2000],
                                                 attachment_id=att_id, by=actor.username, at=audit.now()))
        audit.record(conn, actor, "tasks.progress", t.title, org=t.org_code, task=task_id, percent=pct,
                     on=on.isoformat(), sha256=media_sha[1] if media_sha else None)
        return _rows(conn, [conn.execute(select(Task).where(Task.id == task_id)).one()], today)[0]


# ---------------------------------------------------------------------------------------- overdue, summary
def overdue_alerts(engine: Engine, actor: Actor, *, county: str | None = None,
                   today: dt.date | None = None) -> list[OverdueAlert]:
    """The overdue tasks in the actor's scope, each with the active users responsible for it: those of a
    :data:`RESPONSIBLE_ROLES` role whose scope covers the task's org unit."""
    rows = list_tasks(engine, actor, county=county, status="overdue", per_page=500, today=today).rows
    if not rows:
        return []
    with engine.connect() as conn:
        users = conn.execute(select(User.username, User.role, UserScope.org_code)
                             .join(UserScope, UserScope.user_id == User.id)
                             .where(User.active.is_(True), User.role.in_(RESPONSIBLE_ROLES))).all()
    out = []
    for r in rows:
        names = sorted({u for u, role, scope in users
                        if Actor(None, u, role, scopes=(scope,)).covers_org(r.org_code)})
        out.append(OverdueAlert(r, tuple(names)))
    return out


def task_summaries(engine: Engine, codes: Iterable[str], *, year: int,
                   today: dt.date | None = None) -> dict[str, TaskSummary | None]:
    """Each county's :class:`~junheng.assess.supervision.TaskSummary` for ``year`` (``None``: no tasks).

    Called by :func:`junheng.services.supervision.supervise`, which has already checked the actor's scope over
    ``codes``."""
    today = today or dt.date.today()
    codes = list(codes)
    with engine.connect() as conn:
        tasks = list(conn.execute(select(Task.id, Task.org_code, Task.deadline).where(Task.org_code.in_(codes))))
        reports = _reports(conn, [t.id for t in tasks])
    by: dict[str, list[tuple[dt.date, TaskState]]] = {c: [] for c in codes}
    for t in tasks:
        by[t.org_code].append((t.deadline, task_state(t.deadline, reports.get(t.id, []), today)))
    return {c: summarize(v, year=year, today=today) for c, v in by.items()}
