"""The Excel template: every catalogue field present, explained and validated in cells."""

from __future__ import annotations

import time
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from junheng.cli import app
from junheng.domain import fields as F
from junheng.io import write_workbook


def test_template_has_every_field_with_explanation(tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    result = CliRunner().invoke(app, ["template", str(path)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(path)
    assert wb.sheetnames == ["说明", *[s.zh for s in F.SHEETS]]
    explained = {(r[0], r[2]) for r in wb["说明"].iter_rows(values_only=True) if r and r[2]}
    for spec in F.SHEETS:
        ws = wb[spec.zh]
        assert [c.value for c in ws[1]] == [f.header for f in spec.fields]
        assert [c.value for c in ws[2]] == [f.key for f in spec.fields]
        for f in spec.fields:
            assert (spec.zh, f.key) in explained


def test_cells_are_validated(tmp_path: Path) -> None:
    wb = load_workbook(write_workbook(tmp_path / "t.xlsx"))
    ws = wb["学校"]
    rules = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    school_type = rules["C3"]  # 办学类型
    assert school_type.type == "list"
    assert "九年一贯制" in school_type.formula1 and "教学点" in school_type.formula1
    code = rules["A3"]  # 学校标识码
    assert (code.type, code.operator, code.formula1) == ("textLength", "equal", "10")
    students = {str(dv.sqref).split(":")[0]: dv for dv in wb["学段年度数据"].data_validations.dataValidation}["D3"]
    assert (students.type, students.operator, students.formula1) == ("whole", "greaterThanOrEqual", "0")


def test_template_bytes_are_deterministic(tmp_path: Path) -> None:
    a = write_workbook(tmp_path / "a.xlsx").read_bytes()
    time.sleep(1.1)  # zip and document timestamps would differ by a second
    b = write_workbook(tmp_path / "b.xlsx").read_bytes()
    assert a == b


def test_personal_sheets_can_be_left_out(tmp_path: Path) -> None:
    wb = load_workbook(write_workbook(tmp_path / "t.xlsx", personal=False))
    assert "儿童" not in wb.sheetnames and "教师" not in wb.sheetnames
