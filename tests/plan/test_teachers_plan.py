"""The whole teacher plan on the demo county (鸡泽, seed 7), its outputs and the CLI registration."""

from __future__ import annotations

import json
import math

import openpyxl
import pytest
import typer

from junheng.domain.tables import YearTables
from junheng.plan.teachers import (
    ItinerantRules,
    TeacherPlan,
    plan_teachers,
    write_teachers_json,
    write_teachers_xlsx,
)
from junheng.plan.teachers.itinerant import travel_minutes
from junheng.plan.teachers.moves import school_points
from junheng.synth import generate_county


@pytest.fixture(scope="module")
def demo() -> tuple[YearTables, TeacherPlan]:
    t = generate_county("130431", seed=7)
    return t, plan_teachers(t, year=2025)


def test_transfers_reduce_the_total_subject_shortage(demo) -> None:  # type: ignore[no-untyped-def]
    _, plan = demo
    red = plan.redistribution
    assert red.status == "optimal"
    assert red.shortage_after < red.shortage_before
    assert red.shortage_before - red.shortage_after == len(red.moves)  # every move fills one shortage
    assert (red.moves["km"] <= 30.0 + 1e-9).all()
    assert red.moves["teacher_id"].is_unique


def test_rotation_meets_both_quotas(demo) -> None:  # type: ignore[no-untyped-def]
    _, plan = demo
    rot = plan.rotation
    assert rot is not None, plan.rotation_problem
    assert rot.quota == math.ceil(0.1 * rot.eligible) > 0
    assert rot.rotated == rot.quota
    assert rot.backbone_rotated >= math.ceil(0.2 * rot.rotated)
    assert rot.moves["teacher_id"].is_unique
    assert not set(rot.moves["teacher_id"]) & set(plan.redistribution.moves["teacher_id"].dropna())


def test_indicators_before_and_after(demo) -> None:  # type: ignore[no-untyped-def]
    _, plan = demo
    c = plan.comparison()
    assert set(c["indicator"]) == {"qualified_teachers_per_100", "backbone_teachers_per_100", "pe_art_teachers_per_100"}
    assert set(c["stage"]) == {"primary", "junior"}
    assert c["gap_after"].sum() < c["gap_before"].sum()  # the plan closes teacher-indicator gaps
    assert not math.isnan(plan.before.bachelor_ratio) and not math.isnan(plan.after.bachelor_ratio)
    # the scenario tables keep every teacher
    assert int(plan.tables_after.section_year["teachers"].sum()) == int(demo[0].section_year["teachers"].sum())


def test_itinerant_rounds_are_feasible(demo) -> None:  # type: ignore[no-untyped-def]
    t, plan = demo
    rules = ItinerantRules()  # the defaults plan_teachers used
    pts = school_points(t)
    mins = travel_minutes(pts["lon"].to_numpy(), pts["lat"].to_numpy(), speed_kmh=rules.speed_kmh)
    codes = list(pts.index)
    minutes = {(a, b): int(mins[i, j]) for i, a in enumerate(codes) for j, b in enumerate(codes)}
    d = plan.redistribution.demand_after
    assert plan.itinerant.teachers > 0
    for r in plan.itinerant.rounds:
        need = {c: int(d[(d["school_code"] == c) & (d["stage"] == r.stage) & (d["subject"] == r.subject)]
                       ["uncovered_periods"].iloc[0]) for c in r.schools}
        assert r.check(need, rules, minutes) == []


def test_training_and_outputs(demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, plan = demo
    assert plan.training.total > 0 and plan.training.overdue > 0
    assert 0 < plan.training.completion_rate < 1
    x = write_teachers_xlsx(plan, tmp_path / "teachers.xlsx")
    wb = openpyxl.load_workbook(x, read_only=True)
    assert {"说明", "编制核定", "学科需求与缺额", "调配方案", "交流轮岗", "走教安排", "培训逾期名单", "指标对比"} <= set(wb.sheetnames)
    codes = {"primary", "junior", "senior", "nine_year", "complete_secondary", "teaching_point", "urban", "rural"}
    cells = {str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None}
    assert not cells & codes, cells & codes  # labels, never internal codes (junheng.domain.labels)
    assert "城乡本科学历比例之比上限" in cells and "1.05" in cells  # the laiwu-2023 pack's target, read from it
    j = json.loads(write_teachers_json(plan, tmp_path / "teachers.json").read_text(encoding="utf-8"))
    assert j["redistribution"]["moves"] == len(plan.redistribution.moves)
    assert j["rotation"]["meets_quotas"] is True
    assert "name" not in j["rotation"]["list"][0]  # teacher IDs only, no personal names


def test_plan_command_is_registered_once() -> None:
    from junheng.commands.teachers import register

    app = typer.Typer()
    register(app)
    assert [g.name for g in app.registered_groups] == ["plan"]
    other = typer.Typer()
    layout = typer.Typer()
    other.add_typer(layout, name="plan")
    register(other)
    assert [g.name for g in other.registered_groups] == ["plan"]
    assert [c.name for c in layout.registered_commands] == ["teachers"]
