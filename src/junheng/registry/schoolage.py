"""Compulsory school age from the birth date and the entry cut-off date.

义务教育法 (2018) 第十一条: a child who has reached six full years of age starts
compulsory education (seven where conditions require a later start), and it
lasts nine years.  Provinces fix the cut-off: a child who is six on 31 August
enters grade 1 that September (the common rule; a parameter here).  The school
year that contains the check date starts in September of ``Y`` (``Y`` = the
check date's year from September, the year before until August); the child's
age on the cut-off day of ``Y`` gives the expected grade: age 6 → grade 1 …
age 14 → grade 9.  "Compulsory school age" is that age between ``entry_age``
and ``entry_age + years - 1`` — children who are 6 to 15 during the school year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class SchoolAgeRule:
    """Parameters of compulsory school age (province-overridable)."""

    cutoff_month: int = 8
    cutoff_day: int = 31
    entry_age: int = 6
    years: int = 9
    primary_years: int = 6  # 6-3 system; 5-4 where a province keeps it

    def school_year(self, as_of: dt.date) -> int:
        """The calendar year in which the school year containing ``as_of`` began."""
        return as_of.year if (as_of.month, as_of.day) > (self.cutoff_month, self.cutoff_day) else as_of.year - 1

    def cutoff(self, as_of: dt.date) -> dt.date:
        return dt.date(self.school_year(as_of), self.cutoff_month, self.cutoff_day)


def age_at(birth_dates: pd.Series, day: dt.date) -> pd.Series:
    """Completed years of age on ``day`` for ISO date text (NA where unknown)."""
    b = pd.to_datetime(birth_dates, errors="coerce")
    years = day.year - b.dt.year
    before = (b.dt.month > day.month) | ((b.dt.month == day.month) & (b.dt.day > day.day))
    return (years - before.astype(int)).astype("Int64")


def expected_grade(birth_dates: pd.Series, as_of: dt.date, rule: SchoolAgeRule = SchoolAgeRule()) -> pd.Series:
    """Grade (1 … ``rule.years``) a child born on each date should be in; NA outside compulsory age."""
    age = age_at(birth_dates, rule.cutoff(as_of))
    grade = age - rule.entry_age + 1
    inside = (grade >= 1) & (grade <= rule.years)
    return grade.where(inside.fillna(False), pd.NA).astype("Int64")


def stage_of_grade(grade: pd.Series, rule: SchoolAgeRule = SchoolAgeRule()) -> pd.Series:
    """``primary`` for grades 1 … ``primary_years``, ``junior`` above, NA where no grade."""
    g = grade.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    out = np.where(g <= rule.primary_years, "primary", "junior").astype(object)
    out[np.isnan(g)] = None
    return pd.Series(out, index=grade.index, dtype=object)
