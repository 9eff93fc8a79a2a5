"""Task status and overdue transitions on hand-picked dates (junheng.assess.tasks), and the on-time count."""

from __future__ import annotations

import datetime as dt

import pytest

from junheng.assess.supervision import TaskSummary
from junheng.assess.tasks import Report, report_percent, summarize, task_state

D = dt.date
DEADLINE = D(2020, 6, 30)


def test_a_task_moves_from_not_started_to_in_progress_to_overdue() -> None:
    assert task_state(DEADLINE, [], D(2020, 1, 1)).status == "not_started"
    assert task_state(DEADLINE, [], DEADLINE).status == "not_started"  # the deadline day itself is not late
    assert task_state(DEADLINE, [], D(2020, 7, 1)).status == "overdue"  # no progress and the deadline passed
    r = [Report(D(2020, 3, 1), 40)]
    s = task_state(DEADLINE, r, D(2020, 3, 2))
    assert (s.status, s.percent, s.completed_on, s.on_time) == ("in_progress", 40, None, None)
    s = task_state(DEADLINE, r, D(2020, 7, 1))
    assert (s.status, s.percent, s.overdue) == ("overdue", 40, True)
    assert task_state(DEADLINE, [Report(D(2020, 3, 1), 0)], D(2020, 3, 2)).status == "not_started"


def test_completion_on_or_before_the_deadline_is_on_time_and_after_it_is_late() -> None:
    on_day = task_state(DEADLINE, [Report(D(2020, 3, 1), 60), Report(DEADLINE, 100)], D(2021, 1, 1))
    assert (on_day.status, on_day.percent, on_day.completed_on, on_day.on_time) == ("done", 100, DEADLINE, True)
    late = task_state(DEADLINE, [Report(D(2020, 7, 1), 100), Report(D(2020, 3, 1), 50)], D(2021, 1, 1))
    assert (late.status, late.completed_on, late.on_time) == ("done", D(2020, 7, 1), False)
    # the first report reaching 100 % fixes the completion date, whatever the order given
    twice = task_state(DEADLINE, [Report(D(2020, 8, 1), 100), Report(D(2020, 5, 1), 100)], D(2021, 1, 1))
    assert (twice.completed_on, twice.on_time) == (D(2020, 5, 1), True)


def test_milestones_count_by_their_place_and_the_last_one_completes() -> None:
    ms = ("立项", "开工", "竣工验收")
    assert report_percent(Report(D(2020, 1, 1), milestone="开工"), ms) == 67
    s = task_state(DEADLINE, [Report(D(2020, 2, 1), milestone="立项"), Report(D(2020, 6, 1), milestone="竣工验收")],
                   D(2020, 6, 2), milestones=ms)
    assert (s.status, s.completed_on, s.on_time) == ("done", D(2020, 6, 1), True)
    with pytest.raises(ValueError):
        report_percent(Report(D(2020, 1, 1), milestone="剪彩"), ms)
    with pytest.raises(ValueError):
        report_percent(Report(D(2020, 1, 1), 101), ())
    with pytest.raises(ValueError):
        report_percent(Report(D(2020, 1, 1)), ())


def test_on_time_share_counts_tasks_due_in_the_year_by_today() -> None:
    today = D(2020, 10, 1)
    done_early = (D(2020, 6, 30), task_state(D(2020, 6, 30), [Report(D(2020, 6, 1), 100)], today))
    done_late = (D(2020, 6, 30), task_state(D(2020, 6, 30), [Report(D(2020, 7, 15), 100)], today))
    overdue = (D(2020, 3, 31), task_state(D(2020, 3, 31), [Report(D(2020, 3, 1), 50)], today))
    not_yet_due = (D(2020, 12, 31), task_state(D(2020, 12, 31), [Report(D(2020, 9, 1), 100)], today))
    other_year = (D(2019, 12, 31), task_state(D(2019, 12, 31), [Report(D(2019, 12, 1), 100)], today))
    got = summarize([done_early, done_late, overdue, not_yet_due, other_year], year=2020, today=today)
    assert got == TaskSummary(due=3, on_time=1)  # 1 of 3 due in 2020 by 1 October done on time
    assert summarize([], year=2020, today=today) is None
    assert summarize([not_yet_due], year=2020, today=today) == TaskSummary(due=0, on_time=0)
