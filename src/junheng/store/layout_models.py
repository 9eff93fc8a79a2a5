"""Tables of the layout scenarios (布局调整方案): a scenario, its school decisions and its procedure steps.

A scenario is a named plan over a base year and a target year: a solver result or hand
edits (close X, merge X into Y, build Z).  ``layout_decision`` holds one row per school
and ``layout_step`` the procedure the seed plan requires (规划论证 → 征求意见 → 风险评估 →
集体决策 → 公开公示) with who, when and the document.  Summary figures are kept as JSON
so a comparison needs no re-solve.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from junheng.store.models import Base


class LayoutScenario(Base):
    __tablename__ = "layout_scenario"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    county_code: Mapped[str] = mapped_column(String(12), default="")
    base_year: Mapped[int] = mapped_column(Integer)
    target_year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))  # solver | manual
    variant: Mapped[str] = mapped_column(String(16), default="central")
    rules: Mapped[dict] = mapped_column(JSON, default=dict)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class LayoutDecision(Base):
    __tablename__ = "layout_decision"
    __table_args__ = (UniqueConstraint("scenario_id", "school_code", name="uq_layout_decision_school"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("layout_scenario.id", ondelete="CASCADE"), index=True)
    school_code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(128), default="")
    decision: Mapped[str] = mapped_column(String(16))  # keep | expand | close | merge | build | keep_small
    merge_into: Mapped[str | None] = mapped_column(String(16))
    pupils: Mapped[float | None] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(Text, default="")


class LayoutStep(Base):
    __tablename__ = "layout_step"
    __table_args__ = (UniqueConstraint("scenario_id", "step", name="uq_layout_step"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("layout_scenario.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(32))  # planning | consultation | risk | decision | publicity
    done_by: Mapped[str] = mapped_column(String(128), default="")
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    document: Mapped[str] = mapped_column(String(256), default="")
