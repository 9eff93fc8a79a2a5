"""The registry commands end to end through the CLI (init, db upgrade, import, export, summary)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import inspect
from typer.testing import CliRunner

from fixtures import tiny_tables
from junheng.cli import app
from junheng.io import write_workbook
from junheng.store.engine import current_heads, make_engine, script_heads

runner = CliRunner()


def test_init_creates_the_schema_and_upgrade_is_idempotent(db_url: str) -> None:
    assert runner.invoke(app, ["init", "--db", db_url]).exit_code == 0
    result = runner.invoke(app, ["db", "upgrade", "--db", db_url])
    assert result.exit_code == 0, result.output
    engine = make_engine(db_url)
    assert {"org_unit", "school", "school_year", "section_year", "child", "import_batch"} <= set(
        inspect(engine).get_table_names())
    assert current_heads(engine) == script_heads()  # at every head shipped
    assert script_heads()
    engine.dispose()


def test_import_export_summary(db_url: str, tmp_path: Path) -> None:
    good = write_workbook(tmp_path / "县数据.xlsx", tiny_tables())
    result = runner.invoke(app, ["import", str(good), "--db", db_url, "--user", "测试员"])
    assert result.exit_code == 0, result.output
    assert "导入完成" in result.output
    result = runner.invoke(app, ["summary", "--db", db_url, "--county", "130431"])
    assert result.exit_code == 0, result.output
    # 2 townships, 4 villages; primary students 1200 + 300 + 24 = 1,524; junior 270
    assert "乡镇 2 个" in result.output and "村/社区 4 个" in result.output
    assert "1,524" in result.output and "270" in result.output
    out = tmp_path / "导出.xlsx"
    result = runner.invoke(app, ["export", str(out), "--db", db_url, "--year", "2025"])
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    assert "儿童" not in wb.sheetnames  # personal data only with --personal
    assert wb["学段年度数据"].max_row == 2 + 5


def test_check_only_writes_nothing(db_url: str, tmp_path: Path) -> None:
    good = write_workbook(tmp_path / "县数据.xlsx", tiny_tables())
    result = runner.invoke(app, ["import", str(good), "--db", db_url, "--check"])
    assert result.exit_code == 0 and "检查通过" in result.output
    result = runner.invoke(app, ["summary", "--db", db_url])
    assert "乡镇 0 个" in result.output


def test_help_is_bilingual() -> None:
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "250", "TERMINAL_WIDTH": "250"})
    assert result.exit_code == 0
    for text in ("导入数据", "import, all or nothing", "生成 Excel 数据模板", "write the Excel data template"):
        assert text in result.output


def test_cli_import_is_bounded_and_audited_like_the_web(db_url: str, tmp_path: Path) -> None:
    """``junheng import`` runs the service the web import runs: the row limit (E407) rejects the whole file,
    and a good import is in the audit log under the operator (``cli:<user>``)."""
    from junheng.services.audit import list_events
    from junheng.services.authz import Actor

    good = write_workbook(tmp_path / "县数据.xlsx", tiny_tables())
    result = runner.invoke(app, ["import", str(good), "--db", db_url, "--max-rows", "2"], env={"COLUMNS": "200"})
    assert result.exit_code == 1 and "E407" in result.output
    engine = make_engine(db_url)
    try:
        assert list_events(engine, Actor.system(), action="import.commit").total == 0
        result = runner.invoke(app, ["import", str(good), "--db", db_url], env={"JUNHENG_CLI_USER": "clerk9"})
        assert result.exit_code == 0, result.output
        events = list_events(engine, Actor.system(), action="import.commit").events
    finally:
        engine.dispose()
    assert [e["username"] for e in events] == ["cli:clerk9"] and events[0]["target"] == "县数据.xlsx"
