"""``junheng registry check`` and ``junheng case …`` end to end on the hand-made registries."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
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
    assert len(pd.read_csv(out / "out_of_school.csv")) == 2
    db = f"sqlite:///{tmp_path / 'j.db'}"
    assert runner.invoke(app, ["init", "--db", db]).exit_code == 0
    res = runner.invoke(app, ["case", "open", str(out), "--by", "县教体局", "--db", db])
    assert res.exit_code == 0 and "现有案例 4 件" in res.output, res.output
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
