"""Engine commands read a workbook exactly as the importer does, and show its errors the same way."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from fixtures import tiny_tables
from junheng.cli import app
from junheng.io import write_workbook


def test_assess_on_a_broken_workbook_lists_the_errors(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "县数据.xlsx", tiny_tables())
    wb = load_workbook(path)
    wb["学校年度数据"]["D3"] = -1  # 校舍建筑面积 negative
    wb.save(path)
    result = CliRunner().invoke(app, ["assess", "--data", str(path), "--year", "2025"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "E104" in result.output and "学校年度数据" in result.output
    assert (tmp_path / "县数据_错误清单.xlsx").exists()


def test_assess_reads_a_good_workbook(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "县数据.xlsx", tiny_tables())
    out = tmp_path / "a.json"
    result = CliRunner().invoke(app, ["assess", "--data", str(path), "--year", "2025", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
