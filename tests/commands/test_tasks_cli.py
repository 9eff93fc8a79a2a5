"""Supervision tasks end to end: the 西宁 list against the seed, the Excel import's row/column errors, scope,
optimistic locking and evidence, the CLI, and ``junheng supervise``'s ``tasks_on_time`` from real tasks."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from junheng.cli import app
from junheng.services import tasks as T
from junheng.services.authz import Actor
from junheng.services.errors import Conflict, Forbidden, Invalid, NotFound

runner = CliRunner()
A, B = "130431000000", "630122000000"
ADMIN_A = Actor(None, "admin_a", "county_admin", scopes=(A,), home=A)
ADMIN_B = Actor(None, "admin_b", "county_admin", scopes=(B,), home=B)
D = dt.date

# Three tasks of the seed, copied from its text (seed 004, 二、主要任务): the unit list after 责任单位.
SEED_SPOT = {
    2: ("探索完善学前教师补充机制", "各县区政府、市教育局、市财政局、市人社局"),
    18: ("提高普通高中办学质量", "市教育局"),
    27: ("加快优质资源建设", "各县区政府,市教育局、市大数据局筹建办"),
}


def _seed_file() -> Path | None:
    for parent in Path(__file__).resolve().parents:
        found = sorted((parent / "shared" / "seeds").glob("004_*.md"))
        if found:
            return found[0]
    return None


def test_the_xining_list_has_29_tasks_led_by_the_first_unit() -> None:
    source, tasks = T.plan_tasks("xining-2017", deadline=D(2020, 12, 31))
    assert "宁政办〔2017〕164号" in source and len(tasks) == 29
    assert [t.number for t in tasks] == list(range(1, 30))
    for n, (title, units) in SEED_SPOT.items():
        t = tasks[n - 1]
        assert t.title == title and list(t.units) == re.split("[、,]", units)
    assert tasks[17].units == ("市教育局",)
    assert tasks[0].units[0] == "各县区政府" and "下同" not in "".join(tasks[0].units)
    seed = _seed_file()
    if seed is not None:  # every task against the seed itself, where shared/ is beside the checkout
        found = re.findall(r"^(\d+)\.(.*?)。.*\(责任单位:(.*?)\)\s*$", seed.read_text(encoding="utf-8"), re.M)
        assert len(found) == 29
        for (num, _title, units), t in zip(found, tasks, strict=True):
            first = re.split("[、,]", units)[0]
            assert int(num) == t.number and t.units[0] == first and t.text.startswith(t.title)


def test_load_list_report_and_lock(engine) -> None:  # type: ignore[no-untyped-def]
    ids = T.load_plan(engine, ADMIN_B, "xining-2017", county="630122", deadline_year=2020)
    assert len(ids) == 29
    page = T.list_tasks(engine, ADMIN_B, county="630122", today=D(2020, 6, 1), per_page=10)
    assert (page.total, len(page.rows)) == (29, 10) and {r.status for r in page.rows} == {"not_started"}
    task = T.get_task(engine, ADMIN_B, ids[1], today=D(2020, 6, 1))
    assert (task.row.lead, task.row.units[1:]) == ("各县区政府", ("市教育局", "市财政局", "市人社局"))
    pdf = T.Attachment("会议纪要.pdf", b"%PDF-1.4 minutes")
    row = T.report_progress(engine, ADMIN_B, ids[1], version=1, percent=40, note="已出台方案", on=D(2020, 5, 1),
                            evidence=pdf, today=D(2020, 6, 1))
    assert (row.status, row.percent, row.version) == ("in_progress", 40, 2)
    with pytest.raises(Conflict):  # a stale version
        T.report_progress(engine, ADMIN_B, ids[1], version=1, percent=50, today=D(2020, 6, 1))
    with pytest.raises(Invalid):  # progress cannot fall back
        T.report_progress(engine, ADMIN_B, ids[1], version=2, percent=30, today=D(2020, 6, 1))
    with pytest.raises(Invalid):  # a file that is not what its name says
        T.report_progress(engine, ADMIN_B, ids[1], version=2, percent=50, today=D(2020, 6, 1),
                          evidence=T.Attachment("x.pdf", b"MZ\x90\x00"))
    row = T.report_progress(engine, ADMIN_B, ids[1], version=2, percent=100, on=D(2020, 12, 31), today=D(2021, 1, 5))
    assert (row.status, row.completed_on, row.on_time) == ("done", D(2020, 12, 31), True)
    with pytest.raises(Conflict):  # a finished task takes no more reports
        T.report_progress(engine, ADMIN_B, ids[1], version=3, percent=100, today=D(2021, 1, 5))
    d = T.get_task(engine, ADMIN_B, ids[1], today=D(2021, 1, 5))
    assert [(p.percent, p.reported_on) for p in d.progress] == [(40, D(2020, 5, 1)), (100, D(2020, 12, 31))]
    att = d.progress[0].attachment
    assert att is not None and att[1] == "会议纪要.pdf"
    assert att[2] == hashlib.sha256(pdf.content).hexdigest()
    assert T.attachment(engine, ADMIN_B, att[0])[2] == pdf.content
    # on 5 January 2021 the other 28 are overdue and come first; the alert goes to the responsible users
    later = T.list_tasks(engine, ADMIN_B, county="630122", today=D(2021, 1, 5), per_page=100).rows
    assert [r.status for r in later].count("overdue") == 28 and later[-1].id == ids[1]
    by_unit = T.list_tasks(engine, ADMIN_B, county="630122", unit="市大数据局筹建办", today=D(2021, 1, 5))
    assert sorted(r.number for r in by_unit.rows) == [26, 27, 28, 29]


def test_progress_history_is_append_only(engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    [tid] = T.create_tasks(engine, ADMIN_A, "130431", [T.NewTask("建成资源教室", ("县教育局",), D(2025, 6, 30))])
    T.report_progress(engine, ADMIN_A, tid, version=1, percent=20, on=D(2025, 1, 2), today=D(2025, 1, 3))
    for sql in ("UPDATE task_progress SET percent = 100", "DELETE FROM task_progress"):
        with pytest.raises(Exception, match="只能追加"), engine.begin() as conn:
            conn.execute(text(sql))


def test_a_county_b_user_cannot_see_or_report_county_a_tasks(engine) -> None:  # type: ignore[no-untyped-def]
    [tid] = T.create_tasks(engine, ADMIN_A, "130431", [T.NewTask("消除大班额", ("县教育局", "县发改委"), D(2025, 12, 31))])
    assert T.list_tasks(engine, ADMIN_B).total == 0
    assert T.list_tasks(engine, ADMIN_A).total == 1
    with pytest.raises(NotFound):
        T.get_task(engine, ADMIN_B, tid)
    with pytest.raises(NotFound):
        T.report_progress(engine, ADMIN_B, tid, version=1, percent=10)
    with pytest.raises(Forbidden):
        T.list_tasks(engine, ADMIN_B, county="130431")
    with pytest.raises(Forbidden):
        T.create_tasks(engine, ADMIN_B, "130431", [T.NewTask("x", ("y",), D(2025, 1, 1))])
    viewer = Actor(None, "v", "viewer", scopes=(A,), home=A)
    assert T.list_tasks(engine, viewer).total == 1
    with pytest.raises(Forbidden):
        T.report_progress(engine, viewer, tid, version=1, percent=10)


def _book(rows: list[list[object]], header: tuple[str, ...] = T.COLUMNS) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = T.TEMPLATE_SHEET
    ws.append(list(header))
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_import_is_all_or_nothing_with_row_and_column(engine) -> None:  # type: ignore[no-untyped-def]
    bad = _book([["科学规划学校布局", "县教育局、县发改委", "2027-12-31", ""],
                 ["", "县教育局", "2027-12-31", ""],
                 ["消除大班额", "", "明年", ""],
                 ["=HYPERLINK(\"http://x\")", "县教育局", D(2027, 1, 1), ""]])
    with pytest.raises(T.ImportRejected) as exc:
        T.import_tasks(engine, ADMIN_A, bad, county="130431")
    got = sorted((i.row, i.column, i.code) for i in exc.value.issues)
    assert got == [(3, "任务名称（A列）", "E101"), (4, "完成时限（C列）", "E107"), (4, "责任单位（B列）", "E101"),
                   (5, "任务名称（A列）", "E106")]
    assert T.list_tasks(engine, ADMIN_A).total == 0  # nothing written
    with pytest.raises(T.ImportRejected) as exc:
        T.import_tasks(engine, ADMIN_A, _book([], header=("任务名称", "完成时限")), county="130431")
    assert [(i.row, i.column) for i in exc.value.issues] == [(1, "责任单位（B列）")]
    ids = T.import_tasks(engine, ADMIN_A, _book([["科学规划学校布局", "县教育局、县发改委", "2027-12-31",
                                                 "junior_schools"]]), county="130431")
    d = T.get_task(engine, ADMIN_A, ids[0])
    assert (d.row.lead, d.row.units, d.row.deadline, d.targets) == (
        "县教育局", ("县教育局", "县发改委"), D(2027, 12, 31), ("junior_schools",))


def test_cli_template_import_list_report(db_url: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "t.xlsx"
    assert runner.invoke(app, ["tasks", "template", str(out)]).exit_code == 0
    assert [c.value for c in load_workbook(out)[T.TEMPLATE_SHEET][1]] == list(T.COLUMNS)
    r = runner.invoke(app, ["tasks", "import", str(out), "--county", "130431", "--db", db_url])
    assert r.exit_code == 0 and "1 项" in r.output, r.output
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_book([["x", "", "2027-01-01", ""]]))
    r = runner.invoke(app, ["tasks", "import", str(bad), "--county", "130431", "--db", db_url])
    assert r.exit_code == 1 and "责任单位" in r.output
    r = runner.invoke(app, ["tasks", "report", "1", "--county", "130431", "--percent", "30", "--note", "启动",
                            "--by", "wang", "--db", db_url])
    assert r.exit_code == 0 and "30%" in r.output and "推进中" in r.output, r.output
    r = runner.invoke(app, ["tasks", "list", "--county", "130431", "--db", db_url])
    assert r.exit_code == 0 and "督导任务（1 项）" in r.output and "30%" in r.output and "推进中" in r.output
    r = runner.invoke(app, ["tasks", "report", "1", "--county", "630122", "--percent", "40", "--db", db_url])
    assert r.exit_code == 2 and "没有这项任务" in r.output  # another county's administrator


def test_supervise_counts_tasks_on_time(db_url: str, tmp_path: Path) -> None:
    """湟中县: 3 tasks due in 2025 — one done before its deadline, one done late, one overdue — and one due in
    2026: tasks_on_time = 1/3.  鸡泽县 has no tasks: null, and the note says so."""
    from test_one_county import _two_counties

    from junheng.store.engine import make_engine

    _two_counties(db_url)
    engine = make_engine(db_url)
    ids = T.create_tasks(engine, ADMIN_B, "630122", [
        T.NewTask("早完成", ("县教育局",), D(2025, 6, 30)), T.NewTask("晚完成", ("县教育局",), D(2025, 6, 30)),
        T.NewTask("逾期", ("县财政局",), D(2025, 9, 30)), T.NewTask("明年", ("县财政局",), D(2026, 12, 31))])
    T.report_progress(engine, ADMIN_B, ids[0], version=1, percent=100, on=D(2025, 6, 1))
    T.report_progress(engine, ADMIN_B, ids[1], version=1, percent=100, on=D(2025, 8, 1))
    T.report_progress(engine, ADMIN_B, ids[2], version=1, percent=50, on=D(2025, 8, 1))
    engine.dispose()
    out = tmp_path / "s.json"
    r = runner.invoke(app, ["supervise", "--db", db_url, "--year", "2025", "--json", str(out)])
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text(encoding="utf-8"))
    c = {x["code"]: x for x in data["counties"]}
    assert c[B]["tasks"] == {"due": 3, "on_time": 1} and c[B]["tasks_on_time"] == pytest.approx(1 / 3)
    assert c[A]["tasks"] is None and c[A]["tasks_on_time"] is None
    assert any("任务" in n for n in data["notes"])
