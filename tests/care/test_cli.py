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
