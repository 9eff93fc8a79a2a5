"""Layout scenarios (junheng.plan.scenario, junheng.store.scenarios): hand edits, the planned county, the store on both backends."""

from __future__ import annotations

import datetime as dt

import pytest

from junheng.plan.layout import load_layout_rules
from junheng.plan.scenario import (
    Edit,
    compare,
    evaluate_edits,
    planned_tables,
    resource_cvs,
    scenario_from_result,
)
from junheng.store.scenarios import list_scenarios, load_scenario, record_step, save_scenario
from junheng.synth import generate_county


@pytest.fixture(scope="module")
def demo():  # type: ignore[no-untyped-def]
    return generate_county("130431", seed=7, children=False, teachers=False)


@pytest.fixture(scope="module")
def edited(demo):  # type: ignore[no-untyped-def]
    sch = demo.school.set_index("name")
    x, y = str(sch.at["陈庄小学", "code"]), str(sch.at["西慕堡小学", "code"])
    tp = str(sch.at["常庄教学点", "code"])
    result = evaluate_edits(demo, [Edit("merge", x, y), Edit("close", tp)], year=2030, rules=load_layout_rules(),
                            time_limit_s=60)
    return result, x, y, tp


def test_hand_edits_close_only_what_was_asked(edited) -> None:  # type: ignore[no-untyped-def]
    result, x, y, tp = edited
    dec = result.decisions.set_index("school_code")
    assert dec.at[x, "decision"] in ("merge", "close") and dec.at[tp, "decision"] in ("merge", "close")
    closed = set(dec.index[dec["decision"].isin(["merge", "close"])])
    assert closed == {x, tp}
    assert dec.at[x, "merge_into"] == y  # its villages go to the receiving school
    assert result.status == "optimal"


def test_planned_county_moves_pupils_and_reassesses(demo, edited) -> None:  # type: ignore[no-untyped-def]
    result, x, y, tp = edited
    planned = planned_tables(demo, result, year=2025)
    sec0 = demo.section_year[(demo.section_year["year"] == 2025) & (demo.section_year["stage"] == "primary")]
    sec1 = planned.section_year[planned.section_year["stage"] == "primary"]
    # pupils are conserved; the closed schools disappear; the receiving school gains exactly X's pupils
    assert int(sec1["students"].sum()) == int(sec0["students"].sum())
    assert x not in set(planned.school["code"].astype(str)) and tp not in set(planned.school["code"].astype(str))
    before = int(sec0[sec0["school_code"].astype(str) == y]["students"].sum())
    moved = int(sec0[sec0["school_code"].astype(str) == x]["students"].sum())
    assert int(sec1[sec1["school_code"].astype(str) == y]["students"].sum()) == before + moved
    cv_before = resource_cvs(demo, year=2025)
    cv_after = resource_cvs(planned, year=2025)
    assert set(cv_before) == set(cv_after) and all(v >= 0 for v in cv_after.values())
    table = compare([(scenario_from_result("A", result, base_year=2025, source="manual"), cv_after)])
    assert "A" in table.columns and any("CV" in str(i) for i in table.index)


def test_store_roundtrip_and_procedure(engine, edited) -> None:  # type: ignore[no-untyped-def]
    result, x, y, _ = edited
    sc = scenario_from_result("方案一", result, base_year=2025, source="manual", county_code="130431")
    sid = save_scenario(engine, sc)
    assert sid > 0
    with pytest.raises(ValueError, match="已存在"):
        save_scenario(engine, sc)
    back = load_scenario(engine, "方案一")
    assert back.target_year == 2030 and back.source == "manual"
    d = back.decisions.set_index("school_code")
    assert d.at[x, "merge_into"] == y and "并入" in d.at[x, "explanation"]
    assert back.summary["primary_schools"] == sc.summary["primary_schools"]
    # the procedure goes in order
    with pytest.raises(ValueError, match="规划论证"):
        record_step(engine, "方案一", "consultation", done_by="教体局", done_on=dt.date(2026, 3, 1))
    record_step(engine, "方案一", "planning", done_by="规划股 张三", done_on=dt.date(2026, 2, 1),
                document="论证报告.docx")
    record_step(engine, "方案一", "consultation", done_by="教体局", done_on=dt.date(2026, 3, 1))
    steps = load_scenario(engine, "方案一").steps.set_index("step")
    assert steps.at["planning", "document"] == "论证报告.docx"
    assert steps.at["planning", "done_on"] == dt.date(2026, 2, 1)
    assert steps.at["risk", "done_by"] == ""
    listed = list_scenarios(engine)
    assert list(listed["name"]) == ["方案一"] and "规划论证✓" in listed.at[0, "procedure"]
    save_scenario(engine, sc, replace_existing=True)
    assert len(list_scenarios(engine)) == 1


def test_scenario_carries_cvs_before_and_after(demo, edited) -> None:  # type: ignore[no-untyped-def]
    result, *_ = edited
    sc = scenario_from_result("B", result, base_year=2025, source="manual", tables=demo)
    rows = {(r["stage"], r["indicator"]): r for r in sc.summary["resource_cvs"]}
    before = resource_cvs(demo, year=2025)
    after = resource_cvs(planned_tables(demo, result, year=2025), year=2025)
    assert {f"{s}:{i}" for s, i in rows} == set(before)
    for (s, i), r in rows.items():
        assert r["before"] == pytest.approx(before[f"{s}:{i}"]) and r["after"] == pytest.approx(after[f"{s}:{i}"])
    # closing schools changes at least one CV: "after" is the planned county, not a copy of "before"
    assert any(abs(r["after"] - r["before"]) > 1e-6 for r in rows.values())
    table = compare([(sc, None)])
    after_rows = [i for i in table.index if "规划后" in str(i)]
    assert len(after_rows) == len(rows)
    some = next(iter(rows.values()))
    label = next(i for i in after_rows if some["name"] in i and ("小学" if some["stage"] == "primary" else "初中") in i)
    assert table.at[label, "B"] == round(some["after"], 4)


@pytest.mark.slow
def test_cli_compare_prints_cvs(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from junheng.cli import app
    from junheng.store import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'j.db'}"
    upgrade(url)
    monkeypatch.setenv("COLUMNS", "400")
    runner = CliRunner()
    res = runner.invoke(app, ["plan", "layout", "--demo", "130431", "--year", "2030", "--db", url,
                              "--save-scenario", "方案甲"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["plan", "scenarios", "compare", "方案甲", "--db", url])
    assert res.exit_code == 0, res.output
    assert "规划后" in res.output and "规划前" in res.output and "方案甲" in res.output
    saved = load_scenario(make_engine(url), "方案甲").summary["resource_cvs"]
    assert saved and all(r["after"] is not None for r in saved)
    assert f"{saved[0]['after']:.4f}".rstrip("0") in res.output
