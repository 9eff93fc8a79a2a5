"""Teacher training: hours by year, the five-year 360-hour completion rate, overdue lists.

优质均衡 government-guarantee item 9 (教督〔2017〕6号, standards.md §1.2): "教师 5 年 360 学时
培训完成率达到 100%".  A teacher completes when the hours of the five school years
ending with ``year`` (``teacher_training``) add up to at least 360.  A teacher with
fewer than five years on record is judged pro rata (72 hours a recorded year) and
reported as ``in_cycle`` — not counted as overdue, but counted in the rate only when
already at 360.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from junheng.domain.tables import YearTables

CYCLE_YEARS = 5
CYCLE_HOURS = 360.0


@dataclass(frozen=True)
class TrainingStatus:
    """Per-teacher hours by year with the status, and the county figures."""

    year: int
    teachers: pd.DataFrame  # teacher_id, school_code, stage, <year columns>, total, years_on_record, required, shortfall, status
    completed: int
    overdue: int
    in_cycle: int
    total: int

    @property
    def completion_rate(self) -> float:
        return self.completed / self.total if self.total else float("nan")

    def overdue_list(self) -> pd.DataFrame:
        """Teachers short of 360 hours over a full five-year window, largest shortfall first."""
        t = self.teachers
        return t[t["status"] == "overdue"].sort_values(["shortfall", "teacher_id"], ascending=[False, True])

    def by_school(self) -> pd.DataFrame:
        t = self.teachers
        g = t.groupby(["school_code", "stage"])
        out = pd.DataFrame({"teachers": g.size(), "completed": g["status"].apply(lambda s: int((s == "completed").sum())),
                            "overdue": g["status"].apply(lambda s: int((s == "overdue").sum()))}).reset_index()
        out["completion_rate"] = out["completed"] / out["teachers"]
        return out

    def to_dict(self) -> dict[str, object]:
        return {"year": self.year, "window": [self.year - CYCLE_YEARS + 1, self.year], "teachers": self.total,
                "completed": self.completed, "overdue": self.overdue, "in_cycle": self.in_cycle,
                "completion_rate": self.completion_rate, "target": 1.0,
                "source": "教督〔2017〕6号 二、政府保障程度(9)：教师5年360学时培训完成率达到100%"}


def training_status(tables: YearTables, *, year: int, cycle_years: int = CYCLE_YEARS,
                    cycle_hours: float = CYCLE_HOURS) -> TrainingStatus:
    """Each teacher's training hours in the window ``year − cycle_years + 1 … year`` and the completion rate."""
    window = list(range(year - cycle_years + 1, year + 1))
    t = tables.teacher[["teacher_id", "school_code", "stage"]].copy()
    tr = tables.teacher_training
    tr = tr[tr["year"].isin(window)]
    hours = tr.pivot_table(index="teacher_id", columns="year", values="hours", aggfunc="sum").reindex(columns=window)
    t = t.join(hours, on="teacher_id")
    h = t[window].to_numpy(dtype=float)
    t["total"] = np.nansum(h, axis=1)
    t["years_on_record"] = (~np.isnan(h)).sum(axis=1)
    t["required"] = np.where(t["years_on_record"] >= cycle_years, cycle_hours,
                             cycle_hours / cycle_years * t["years_on_record"])
    t["shortfall"] = np.maximum(cycle_hours - t["total"], 0.0)
    done = t["total"] >= cycle_hours - 1e-9
    full = t["years_on_record"] >= cycle_years
    t["status"] = np.select([done, full], ["completed", "overdue"], default="in_cycle")
    t.columns = [str(c) for c in t.columns]
    return TrainingStatus(year=year, teachers=t, completed=int(done.sum()), overdue=int((~done & full).sum()),
                          in_cycle=int((~done & ~full).sum()), total=len(t))
