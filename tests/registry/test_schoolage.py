"""School age from the birth date and the 31 August cut-off (义务教育法 第十一条)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from junheng.registry.schoolage import SchoolAgeRule, age_at, expected_grade, stage_of_grade


def test_cutoff_and_school_year() -> None:
    rule = SchoolAgeRule()
    assert rule.cutoff(dt.date(2026, 9, 1)) == dt.date(2026, 8, 31)
    assert rule.cutoff(dt.date(2027, 3, 1)) == dt.date(2026, 8, 31)  # same school year
    assert rule.cutoff(dt.date(2026, 8, 31)) == dt.date(2025, 8, 31)


def test_expected_grade_by_hand() -> None:
    births = pd.Series(["2020-08-31", "2020-09-01", "2011-09-01", "2011-08-31", "2014-02-15", None])
    # ages on 2026-08-31: 6, 5, 14, 15, 12, unknown → grades 1, –, 9, –, 7, –
    assert list(age_at(births, dt.date(2026, 8, 31)).fillna(-1)) == [6, 5, 14, 15, 12, -1]
    grades = expected_grade(births, dt.date(2026, 9, 1))
    assert list(grades.fillna(0)) == [1, 0, 9, 0, 7, 0]
    assert list(stage_of_grade(grades)) == ["primary", None, "junior", None, "junior", None]


def test_cutoff_is_a_parameter() -> None:
    rule = SchoolAgeRule(cutoff_month=12, cutoff_day=31)  # a province counting to 31 December
    # born 2020-10-01 is 6 on 2026-12-31 → grade 1 from September 2026
    assert int(expected_grade(pd.Series(["2020-10-01"]), dt.date(2027, 1, 15), rule).iloc[0]) == 1
