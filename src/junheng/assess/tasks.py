"""Status of a supervision task (督导任务) from its progress reports and dates, and a county's on-time count.

Issue #14 item 4: statuses 未开始 / 推进中 / 已完成 / 逾期 (codes of the ``task_status`` vocabulary in
:mod:`junheng.domain.labels`).  The 西宁 plan (宁政办〔2017〕164号, 三、组织实施 (三)) asks for "督查工作机制" over
its tasks; whether a task was done "按期" is read here as completed on or before its deadline.

The rule, over reports in date order:

* no report, or none above 0 %: ``not_started`` (``overdue`` once the deadline has passed);
* a report reaching 100 % — or naming the task's last milestone — completes the task on that report's date:
  ``done``, on time when that date is on or before the deadline (a late completion is ``done`` but not on time);
* otherwise ``in_progress``, or ``overdue`` once ``today`` is after the deadline.

Pure: dates in, a frozen state out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from junheng.assess.supervision import TaskSummary

NOT_STARTED, IN_PROGRESS, DONE, OVERDUE = "not_started", "in_progress", "done", "overdue"
STATUSES = (NOT_STARTED, IN_PROGRESS, DONE, OVERDUE)


@dataclass(frozen=True)
class Report:
    """One progress report: its date, and a percentage (0–100) or a milestone of the task."""

    on: dt.date
    percent: int | None = None
    milestone: str = ""


@dataclass(frozen=True)
class TaskState:
    """Where a task stands on ``today``: status, percent reached, completion date and whether it was on time."""

    status: str
    percent: int
    completed_on: dt.date | None
    on_time: bool | None  # None while not complete

    @property
    def overdue(self) -> bool:
        return self.status == OVERDUE


def report_percent(report: Report, milestones: Sequence[str]) -> int:
    """The percentage a report stands for: its own, else its milestone's place among the task's milestones.

    ``ValueError`` when it has neither, when the percentage is outside 0–100, or when the milestone is not one of
    the task's."""
    if report.percent is not None:
        if not 0 <= report.percent <= 100:
            raise ValueError(f"percent {report.percent} outside 0–100")
        return report.percent
    if report.milestone and report.milestone in milestones:
        return round(100 * (list(milestones).index(report.milestone) + 1) / len(milestones))
    raise ValueError(f"not a milestone of the task: {report.milestone!r}" if report.milestone
                     else "a report needs a percent or a milestone")


def task_state(deadline: dt.date, reports: Iterable[Report], today: dt.date,
               milestones: Sequence[str] = ()) -> TaskState:
    """The state of a task with ``deadline`` and ``reports`` (any order) as of ``today``."""
    percent, completed = 0, None
    for r in sorted(reports, key=lambda r: r.on):
        percent = max(percent, report_percent(r, milestones))
        if percent >= 100:
            completed = r.on
            break
    if completed is not None:
        return TaskState(DONE, 100, completed, completed <= deadline)
    if today > deadline:
        return TaskState(OVERDUE, percent, None, None)
    return TaskState(IN_PROGRESS if percent > 0 else NOT_STARTED, percent, None, None)


def summarize(tasks: Iterable[tuple[dt.date, TaskState]], *, year: int, today: dt.date) -> TaskSummary | None:
    """The county's :class:`TaskSummary` for ``year``: tasks with a deadline in calendar ``year`` that has come
    by ``today`` (``due``), and those of them completed on or before their deadline (``on_time``).

    ``None`` when the county has no task at all (so the ranking leaves 任务按期完成率 out); a county with tasks but
    none due yet has ``due == 0`` (also left out of the score, but not "no tasks")."""
    rows = list(tasks)
    if not rows:
        return None
    due = [s for d, s in rows if d.year == year and d <= today]
    return TaskSummary(due=len(due), on_time=sum(1 for s in due if s.on_time))
