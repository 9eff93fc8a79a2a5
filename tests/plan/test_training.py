"""Five-year 360-hour training completion (junheng.plan.teachers.training).

Window 2021–2025.  A: 72 × 5 = 360 → completed.  B: 70 × 5 = 350 → overdue, 10 short.
C: 80 × 3 = 240 over three recorded years → in cycle (not overdue, not completed).
D: 100 + 100 + 100 + 60 = 360 in four years → completed.  Rate = 2 / 4.
"""

from __future__ import annotations

import pytest
from teachers_hand import school, section, tables, teacher

from junheng.plan.teachers import training_status


def test_completion_rate_and_overdue_list() -> None:
    code = "5000000001"
    staff = [teacher(x, code, "语文") for x in "ABCD"]
    hours = ([("A", y, 72.0) for y in range(2021, 2026)] + [("B", y, 70.0) for y in range(2021, 2026)]
             + [("C", y, 80.0) for y in range(2023, 2026)] + [("D", y, h) for y, h in
                                                               zip(range(2022, 2026), (100.0, 100.0, 100.0, 60.0), strict=True)]
             + [("A", 2019, 500.0)])  # outside the window
    t = tables([school(code, "某校")], [section(code, "primary", students=100, grade_classes=[1] * 6)], staff,
               [{"teacher_id": i, "year": y, "hours": h} for i, y, h in hours])
    s = training_status(t, year=2025)
    assert (s.total, s.completed, s.overdue, s.in_cycle) == (4, 2, 1, 1)
    assert s.completion_rate == pytest.approx(0.5)
    od = s.overdue_list()
    assert list(od["teacher_id"]) == ["B"] and od["shortfall"].iloc[0] == pytest.approx(10.0)
    by = s.teachers.set_index("teacher_id")
    assert by.loc["A", "total"] == 360.0 and by.loc["C", "status"] == "in_cycle" and by.loc["D", "status"] == "completed"
    assert s.by_school()["completion_rate"].iloc[0] == pytest.approx(0.5)
