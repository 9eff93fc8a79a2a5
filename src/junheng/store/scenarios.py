"""The layout scenario repository: save, load and list scenarios, and record their procedure steps.

A scenario (:class:`junheng.plan.scenario.Scenario`) is saved with one row per
school decision (``layout_decision``) and its summary figures as JSON, so a
comparison needs no re-solve; ``layout_step`` records the procedure the seed
plan requires (规划论证 → 征求意见 → 风险评估 → 集体决策 → 公开公示) with who,
when and the document, each step only after the ones before it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from junheng.domain.jsonsafe import json_safe
from junheng.plan.scenario import PROCEDURE, STEP_NAMES, Scenario
from junheng.store.layout_models import LayoutDecision, LayoutScenario, LayoutStep


class ScenarioExists(ValueError):
    """A scenario of that name is saved already (names are unique in the database)."""


def save_scenario(engine: Engine, scenario: Scenario, *, rules: Mapping[str, Any] | None = None,
                  replace_existing: bool = False) -> int:
    """Save (or replace) a scenario with its decisions; returns its id."""
    with Session(engine) as s, s.begin():
        old = s.scalar(select(LayoutScenario).where(LayoutScenario.name == scenario.name))
        if old is not None:
            if not replace_existing:
                raise ScenarioExists(f"方案 {scenario.name!r} 已存在 / scenario {scenario.name!r} exists")
            s.execute(delete(LayoutDecision).where(LayoutDecision.scenario_id == old.id))
            s.delete(old)
            s.flush()
        row = LayoutScenario(name=scenario.name, county_code=scenario.county_code, base_year=scenario.base_year,
                             target_year=scenario.target_year, source=scenario.source, variant=scenario.variant,
                             rules=dict(rules or {}), summary=json_safe(dict(scenario.summary)), note=scenario.note,
                             created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None))
        s.add(row)
        s.flush()
        for r in scenario.decisions.itertuples(index=False):
            s.add(LayoutDecision(scenario_id=row.id, school_code=str(r.school_code), name=str(r.name),
                                 decision=str(r.decision), merge_into=(str(r.merge_into) or None),
                                 pupils=None if pd.isna(r.pupils) else float(r.pupils),
                                 explanation=str(r.explanation)))
        return int(row.id)


def load_scenario(engine: Engine, name: str) -> Scenario:
    with Session(engine) as s:
        row = s.scalar(select(LayoutScenario).where(LayoutScenario.name == name))
        if row is None:
            raise KeyError(f"没有名为 {name!r} 的方案 / no scenario named {name!r}")
        decs = s.scalars(select(LayoutDecision).where(LayoutDecision.scenario_id == row.id)
                         .order_by(LayoutDecision.id)).all()
        steps = s.scalars(select(LayoutStep).where(LayoutStep.scenario_id == row.id)).all()
        dframe = pd.DataFrame([{"school_code": d.school_code, "name": d.name, "decision": d.decision,
                                "merge_into": d.merge_into or "", "pupils": d.pupils, "explanation": d.explanation}
                               for d in decs], columns=["school_code", "name", "decision", "merge_into", "pupils",
                                                        "explanation"])
        sframe = pd.DataFrame([{"step": k, "name": cn,
                                **next(({"done_by": x.done_by, "done_on": x.done_on, "document": x.document}
                                        for x in steps if x.step == k), {"done_by": "", "done_on": None,
                                                                         "document": ""})}
                               for k, cn in PROCEDURE])
        return Scenario(name=row.name, base_year=row.base_year, target_year=row.target_year, source=row.source,
                        decisions=dframe, summary=dict(row.summary), variant=row.variant,
                        county_code=row.county_code, note=row.note, steps=sframe)


def list_scenarios(engine: Engine) -> pd.DataFrame:
    with Session(engine) as s:
        rows = s.scalars(select(LayoutScenario).order_by(LayoutScenario.id)).all()
        out = []
        for r in rows:
            done = s.scalars(select(LayoutStep.step).where(LayoutStep.scenario_id == r.id)).all()
            out.append({"name": r.name, "base_year": r.base_year, "target_year": r.target_year, "source": r.source,
                        "variant": r.variant, "cost_total": r.summary.get("cost_total"),
                        "procedure": "→".join(cn + ("✓" if k in done else "") for k, cn in PROCEDURE)})
        return pd.DataFrame(out, columns=["name", "base_year", "target_year", "source", "variant", "cost_total",
                                          "procedure"])


def record_step(engine: Engine, name: str, step: str, *, done_by: str, done_on: dt.date,
                document: str = "") -> None:
    """Record a procedure step; steps must follow 规划论证 → 征求意见 → 风险评估 → 集体决策 → 公开公示."""
    if step not in STEP_NAMES:
        raise ValueError(f"未知步骤 / unknown step {step!r}: {', '.join(STEP_NAMES)}")
    keys = [k for k, _ in PROCEDURE]
    with Session(engine) as s, s.begin():
        row = s.scalar(select(LayoutScenario).where(LayoutScenario.name == name))
        if row is None:
            raise KeyError(f"没有名为 {name!r} 的方案 / no scenario named {name!r}")
        done = set(s.scalars(select(LayoutStep.step).where(LayoutStep.scenario_id == row.id)).all())
        missing = [STEP_NAMES[k] for k in keys[: keys.index(step)] if k not in done]
        if missing:
            raise ValueError(f"须先完成：{'、'.join(missing)} / earlier steps are missing: {', '.join(missing)}")
        old = s.scalar(select(LayoutStep).where(LayoutStep.scenario_id == row.id, LayoutStep.step == step))
        if old is None:
            s.add(LayoutStep(scenario_id=row.id, step=step, done_by=done_by, done_on=done_on, document=document))
        else:
            old.done_by, old.done_on, old.document = done_by, done_on, document
