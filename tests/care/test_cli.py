"""``junheng registry check`` and ``junheng case …`` end to end on the hand-made registries."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from junheng.cli import app

DATA = Path(__file__).parents[1] / "registry" / "data"


def test_check_then_cases(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "run"
    res = runner.invoke(app, ["registry", "check", "--population", str(DATA / "population.csv"),
                              "--roll", str(DATA / "roll.csv"), "--attendance", str(DATA / "attendance.csv"),
                              "--poverty", str(DATA / "poverty.csv"), "--exceptions", str(DATA / "exceptions.csv"),
                              "--as-of", "2026-09-01", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "刘子轩" not in res.output  # no names on the console
    # 刘子轩, 周鹏 and 吴昊 (15: inside the 6 … 15 周岁 window, tests/registry/data/README.md)
    assert len(pd.read_csv(out / "out_of_school.csv")) == 3
    db = f"sqlite:///{tmp_path / 'j.db'}"
    assert runner.invoke(app, ["init", "--db", db]).exit_code == 0
    res = runner.invoke(app, ["case", "open", str(out), "--by", "县教体局", "--db", db])
    assert res.exit_code == 0 and "现有案例 5 件" in res.output, res.output  # 3 out of school + 2 dropouts
    res = runner.invoke(app, ["case", "list", "--db", db])
    assert "刘子轩" not in res.output and "刘**" in res.output
    ok = runner.invoke(app, ["case", "act", "1", "verify", "--version", "1", "--by", "教师 张",
                             "--set", "result=confirmed", "--db", db])
    assert ok.exit_code == 0, ok.output
    stale = runner.invoke(app, ["case", "act", "1", "verify", "--version", "1", "--by", "村 刘",
                                "--set", "result=confirmed", "--db", db])
    assert stale.exit_code == 1
    res = runner.invoke(app, ["case", "report", "school-monthly", "2099-01", "--out", str(tmp_path / "m.xlsx"),
                              "--db", db])
    assert res.exit_code == 0 and (tmp_path / "m.xlsx").exists()


def test_check_school_age_rule_and_completed_list(tmp_path: Path) -> None:
    """tests/registry/data_window: 李明远, 高婷, 韩梦 out of school by default (its README); an override
    file with the old window 6 … 14 leaves none of these 15/16-year-olds; a bad rule is refused."""
    win = Path(__file__).parents[1] / "registry" / "data_window"
    runner = CliRunner()
    base = ["registry", "check", "--population", str(win / "population.csv"), "--roll", str(win / "roll.csv"),
            "--attendance", str(win / "attendance.csv"), "--completed", str(win / "completed.csv"),
            "--as-of", "2026-09-01", "--province", "13"]
    res = runner.invoke(app, [*base, "--out", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(tmp_path / "a" / "out_of_school.csv")) == 3 and "6–15 周岁" in res.output
    narrow = tmp_path / "narrow.toml"
    narrow.write_text('name = "旧口径"\nmax_age = 14\n', encoding="utf-8")
    res = runner.invoke(app, [*base, "--rules", str(narrow), "--out", str(tmp_path / "b")])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(tmp_path / "b" / "out_of_school.csv")) == 0
    narrow.write_text("max_age = 99\n", encoding="utf-8")
    res = runner.invoke(app, [*base, "--rules", str(narrow), "--out", str(tmp_path / "c")])
    assert res.exit_code != 0 and not (tmp_path / "c").exists()


def test_case_commands_go_through_the_services_and_are_audited(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """``junheng case …`` acts as the CLI principal: its writes and reads are audit events of ``cli:<user>``;
    ``--by`` is the person the case's history names."""
    import datetime as dt

    from sqlalchemy import select

    from junheng.store.auth_models import AuditEvent
    from junheng.store.cases import CaseService
    from junheng.store.engine import make_engine

    monkeypatch.setenv("JUNHENG_CLI_USER", "tester")
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'j.db'}"
    assert runner.invoke(app, ["init", "--db", db]).exit_code == 0
    engine = make_engine(db)
    cid = CaseService(engine).open("130431201501010012", "out_of_school", by="县教体局", at=dt.datetime(2026, 9, 2),
                                   name="张三丰", id_number="130431201501010012", village_code="130431100201")
    ok = runner.invoke(app, ["case", "act", str(cid), "verify", "--version", "1", "--by", "教师 张",
                             "--set", "result=confirmed", "--db", db])
    assert ok.exit_code == 0 and f"案例 {cid}: 核实（版本 2）" in ok.output, ok.output
    refused = runner.invoke(app, ["case", "act", str(cid), "close", "--version", "2", "--by", "教师 张", "--db", db])
    assert refused.exit_code == 1
    shown = runner.invoke(app, ["case", "show", str(cid), "--db", db])
    assert shown.exit_code == 0 and "张**" in shown.output and "张三丰" not in shown.output
    assert "130431********0012" in shown.output and "教师 张" in shown.output
    with engine.connect() as conn:
        events = [dict(r) for r in conn.execute(select(AuditEvent.__table__).order_by(AuditEvent.id)).mappings()]
    acts = [e for e in events if e["action"] == "care.case.act"]
    assert len(acts) == 1  # the refused close wrote nothing
    assert (acts[0]["username"], acts[0]["role"], acts[0]["target"]) == ("cli:tester", "admin", str(cid))
    assert acts[0]["detail"]["by"] == "教师 张" and acts[0]["detail"]["state"] == "confirmed"
    assert [e["username"] for e in events if e["action"] == "care.case.view"] == ["cli:tester"]
    history = CaseService(engine).get(cid).case.history
    assert [(e.action, e.by) for e in history] == [("open", "县教体局"), ("verify", "教师 张")]
    engine.dispose()


def test_a_ledger_row_without_village_or_school_belongs_to_the_county(tmp_path: Path) -> None:
    """A 疑似辍学 row with no village and no school opened from the command line belongs to the database's one
    county, as the web's rows belong to the check's county (not to no org unit, which only the system
    administrator would see)."""
    from fixtures import tiny_tables
    from junheng.io import import_tables
    from junheng.services.care import open_cases_from_rows
    from junheng.services.principal import local_actor
    from junheng.store.care_models import CareCase
    from junheng.store.engine import make_engine, upgrade

    db = f"sqlite:///{tmp_path / 'j.db'}"
    upgrade(db)
    engine = make_engine(db)
    try:
        import_tables(engine, tiny_tables(), source="tiny", user="pytest")
        row = {"id_number": "", "student_id": "G9001", "name": "某某", "school_code": ""}
        assert open_cases_from_rows(engine, local_actor(), [], [row])["opened"] == 1
        with engine.connect() as conn:
            org = conn.execute(CareCase.__table__.select()).mappings().one()["org_code"]
    finally:
        engine.dispose()
    assert org == "130431000000"
