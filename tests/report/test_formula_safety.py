"""No export carries a live formula (CSV / formula injection; OWASP "CSV Injection").

A tiny synthetic county (tests/fixtures.py, no real people) whose school, child and teacher names look like
formulas goes through every writer of XLSX and CSV files.  Each XLSX must have no formula cell
(``data_type == "f"``) and must still show the names exactly as typed; no CSV field may start with
``= + - @``, tab or CR.  The hand-worked values of junheng.domain.textsafe come first.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from fixtures import S_NINE, S_PRIMARY, tiny_tables
from junheng.domain.tables import YearTables
from junheng.domain.textsafe import (
    FORMULA_PREFIXES,
    csv_safe,
    csv_safe_frame,
    csv_unquote,
    csv_unquote_frame,
    is_formula_like,
    neutralise_workbook,
    xlsx_safe_cell,
)

EVIL_SCHOOL = '=HYPERLINK("http://evil.example","点我")'
EVIL_SCHOOL_2 = "+1+1"
EVIL_CHILD = "=1+2"
EVIL_CHILD_2 = "@SUM(A1)"
EVIL_TEACHER = "-2+3"
EVIL_TEACHER_ID = "=T2"  # the plan lists teachers by 教师编号 only
REGISTRY_DATA = Path(__file__).parents[1] / "registry" / "data"

runner = CliRunner()


# --- the helper, by hand ---------------------------------------------------------------------------------

def test_formula_like_only_for_strings() -> None:
    assert FORMULA_PREFIXES == ("=", "+", "-", "@", "\t", "\r")
    assert all(is_formula_like(s) for s in ("=1+2", "+cmd", "-x", "@SUM(A1)", "\tx", "\rx", "-3"))
    assert not any(is_formula_like(v) for v in ("张三", "a=b", " =1", "'=1", "", -3, -3.5, None, b"=1"))


def test_csv_safe_by_hand() -> None:
    assert csv_safe("=1+2") == "'=1+2"
    assert csv_safe("+cmd") == "'+cmd"
    assert csv_safe("-x") == "'-x"
    assert csv_safe("@SUM(A1)") == "'@SUM(A1)"
    assert csv_safe("\t=1") == "'\t=1"
    assert csv_safe("-3") == "'-3"  # a string: Excel would evaluate "-3+A1" just the same
    assert csv_safe(-3) == -3 and csv_safe(-2.5) == -2.5  # numbers are never touched
    assert csv_safe("张三") == "张三" and csv_safe("") == "" and csv_safe(None) is None
    assert csv_safe("'=1") == "''=1"  # already quoted: quoted again, so that csv_unquote is exact
    assert csv_safe("'abc") == "'abc"


@pytest.mark.parametrize("v", ["=1+2", "'=1+2", "''=1", "'abc", "'", "张三", "-3", "", -3, None])
def test_csv_unquote_undoes_csv_safe(v: object) -> None:
    assert csv_unquote(csv_safe(v)) == v
    assert not is_formula_like(csv_safe(v))


def test_csv_safe_frame_text_columns_only() -> None:
    df = pd.DataFrame({"name": ["=1+2", "张三", None], "n": [-3, 4, 5], "x": [-1.5, 0.0, 2.0],
                       "s": pd.array(["-x", "y", None], dtype="string")})
    out = csv_safe_frame(df)
    assert list(out["name"]) == ["'=1+2", "张三", None]
    assert list(out["n"]) == [-3, 4, 5] and out["n"].dtype == df["n"].dtype
    assert list(out["x"]) == [-1.5, 0.0, 2.0]
    assert out["s"].iloc[0] == "'-x" and out["s"].iloc[1] == "y" and pd.isna(out["s"].iloc[2])
    assert df["name"].iloc[0] == "=1+2"  # a copy
    pd.testing.assert_frame_equal(csv_unquote_frame(out).astype(object), df.astype(object))


def test_xlsx_cell_and_workbook(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["=1+2", "-3", -3, "张三", "=SUM(1,2)"])
    ws["A5"] = "@x"
    assert ws["A1"].data_type == "f"  # what openpyxl does with any str starting with "="
    assert not xlsx_safe_cell(ws["D1"]) and not xlsx_safe_cell(ws["C1"])
    n_cells = len(list(ws._cells))
    assert neutralise_workbook(wb) == 4
    assert len(list(ws._cells)) == n_cells  # no empty cells created (A2:E4 stay absent)
    wb.save(tmp_path / "x.xlsx")
    back = load_workbook(tmp_path / "x.xlsx")
    ws = back.active
    assert ws is not None
    row = list(ws[1])
    assert [c.value for c in row] == ["=1+2", "-3", -3, "张三", "=SUM(1,2)"]
    assert [c.data_type for c in row] == ["s", "s", "n", "s", "s"]
    assert [c.quotePrefix for c in row] == [True, True, False, False, True]
    assert ws["A5"].value == "@x"


# --- the synthetic county ---------------------------------------------------------------------------------

def evil_tables() -> YearTables:
    """tiny_tables() with formula-like school, child and teacher names (and a teacher ID)."""
    frames = tiny_tables().frames()
    school = frames["school"].copy()
    school.loc[school["code"] == S_PRIMARY, "name"] = EVIL_SCHOOL
    school.loc[school["code"] == S_NINE, "name"] = EVIL_SCHOOL_2
    child = frames["child"].copy()
    child["name"] = [EVIL_CHILD, EVIL_CHILD_2]
    teacher = pd.DataFrame([
        dict(teacher_id="T0001", name=EVIL_TEACHER, sex="female", birth_date=dt.date(1990, 5, 1),
             school_code=S_PRIMARY, stage="primary", subject="语文", degree="本科", title="中级", certified=True,
             school_since=2020, is_principal=False),
        dict(teacher_id=EVIL_TEACHER_ID, name="=2*3", sex="male", birth_date=dt.date(1985, 3, 1), school_code=S_NINE,
             stage="primary", subject="数学", degree="专科", title="初级", certified=True, school_since=2015,
             is_principal=False),
    ])
    frames.update(school=school, child=child, teacher=teacher)
    return YearTables.from_frames(**frames)


def formula_cells(path: Path) -> list[str]:
    """Every formula cell of every sheet (loaded without data_only, so formulas stay formulas)."""
    wb = load_workbook(path)
    return [f"{ws.title}!{c.coordinate}={c.value}" for ws in wb.worksheets for row in ws.iter_rows()
            for c in row if c.data_type == "f"]


def texts(path: Path) -> set[str]:
    wb = load_workbook(path)
    return {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "s" and isinstance(c.value, str)}


def assert_safe_xlsx(path: Path, *expected: str) -> None:
    assert formula_cells(path) == []
    shown = texts(path)
    for s in expected:  # the text as the user typed it, no quote added
        assert s in shown, s


def bad_csv_fields(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [f for row in csv.reader(fh) for f in row if f.startswith(FORMULA_PREFIXES)]


# --- every writer -----------------------------------------------------------------------------------------

def test_cli_export_has_no_formulas_and_round_trips(db_url: str, tmp_path: Path) -> None:
    from junheng.cli import app
    from junheng.io import write_workbook

    src = write_workbook(tmp_path / "县数据.xlsx", evil_tables())
    assert_safe_xlsx(src, EVIL_SCHOOL, EVIL_CHILD)
    result = runner.invoke(app, ["import", str(src), "--db", db_url, "--user", "测试员"])
    assert result.exit_code == 0, result.output
    first, second = tmp_path / "导出1.xlsx", tmp_path / "导出2.xlsx"
    result = runner.invoke(app, ["export", str(first), "--db", db_url, "--personal"])
    assert result.exit_code == 0, result.output
    assert_safe_xlsx(first, EVIL_SCHOOL, EVIL_SCHOOL_2, EVIL_CHILD, EVIL_CHILD_2, EVIL_TEACHER, "=2*3",
                     EVIL_TEACHER_ID)
    # export → import → export: the very same bytes, names unchanged
    result = runner.invoke(app, ["import", str(first), "--db", db_url, "--user", "测试员"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["export", str(second), "--db", db_url, "--personal"])
    assert result.exit_code == 0, result.output
    assert first.read_bytes() == second.read_bytes()
    names = [c.value for (c,) in load_workbook(first)["学校"].iter_rows(min_row=3, min_col=2, max_col=2)]
    assert EVIL_SCHOOL in names and EVIL_SCHOOL_2 in names


def test_assessment_xlsx(tmp_path: Path) -> None:
    from junheng.assess import assess
    from junheng.report import write_xlsx
    from junheng.standards import load_pack

    a = assess(load_pack("yzjh-2017"), evil_tables(), year=2025)
    out = write_xlsx(a, tmp_path / "评估.xlsx")
    assert_safe_xlsx(out, EVIL_SCHOOL, EVIL_SCHOOL_2)
    # the deliberate conditional-formatting rules are still there (rules, not cell values)
    assert load_workbook(out)["资源配置"].conditional_formatting


def test_layout_xlsx(tmp_path: Path) -> None:
    from junheng.plan.layout import SchoolLayout, load_layout_rules
    from junheng.report.layout import write_xlsx

    rules = load_layout_rules(overrides={"stage": {"primary": {"min_size": 0}, "junior": {"min_size": 0}}})
    layout = SchoolLayout.from_tables(evil_tables(), year=2027, rules=rules)
    result = layout.solve(time_limit_s=20)
    out = tmp_path / "布局.xlsx"
    write_xlsx(result, out, sites=layout.sites)
    assert_safe_xlsx(out, EVIL_SCHOOL, EVIL_SCHOOL_2)


def test_teacher_plan_xlsx(tmp_path: Path) -> None:
    from junheng.plan.teachers import plan_teachers, write_teachers_xlsx

    out = write_teachers_xlsx(plan_teachers(evil_tables(), year=2025), tmp_path / "教师.xlsx")
    assert_safe_xlsx(out, EVIL_SCHOOL, EVIL_SCHOOL_2, EVIL_TEACHER_ID)


def test_import_error_report_echoes_input_as_text(tmp_path: Path) -> None:
    from junheng.io.errors import ValidationIssue, write_error_report

    issues = [ValidationIssue("E102", "县数据.xlsx", "学段年度数据", 3, "在校生数（C）", "数字", EVIL_CHILD),
              ValidationIssue("E101", "县数据.xlsx", "学校", 4, "学校名称（B）", EVIL_SCHOOL, "@SUM(A1)")]
    out = write_error_report(issues, tmp_path / "错误清单.xlsx")
    assert_safe_xlsx(out, EVIL_CHILD, EVIL_SCHOOL, "@SUM(A1)")


@pytest.fixture
def evil_registries(tmp_path: Path) -> dict:
    """tests/registry/data with formula-like names; twin A (刘子豪) loses the ID, so the clerk's key is a name."""
    from junheng.registry import read_registry

    d = tmp_path / "regs"
    shutil.copytree(REGISTRY_DATA, d)
    for name, subs in {"population.csv": [("130431201605050016,刘子豪,", ",=刘子豪,"), (",刘子轩,", f",{EVIL_CHILD},"),
                                          (",周鹏,", f",{EVIL_TEACHER},")],
                       "poverty.csv": [(",刘子轩,", f",{EVIL_CHILD},")],
                       "roll.csv": [(",刘子豪,", ",=刘子豪,"), (",赵磊,", f",{EVIL_CHILD_2},")]}.items():
        text = (d / name).read_text(encoding="utf-8")
        for a, b in subs:
            assert a in text
            text = text.replace(a, b)
        (d / name).write_text(text, encoding="utf-8")
    return {k: read_registry(d / f"{k}.csv", k) for k in ("population", "roll", "attendance", "poverty")}


def test_ledger_csvs_quote_formula_like_names(evil_registries: dict, tmp_path: Path) -> None:
    from junheng.registry import check, read_decisions, write_outputs

    regs = evil_registries
    kw = dict(poverty=regs["poverty"], as_of=dt.date(2026, 9, 1), threshold=1.0)
    res = check(regs["population"], regs["roll"], regs["attendance"], **kw)
    out = tmp_path / "run"
    write_outputs(res, out, population=regs["population"], roll=regs["roll"])
    for name in ("out_of_school.csv", "suspected_dropouts.csv", "priority.csv", "links.csv", "review.csv"):
        assert bad_csv_fields(out / name) == [], name
    oos = pd.read_csv(out / "out_of_school.csv", dtype=str, keep_default_na=False)
    assert {"'=1+2", "'-2+3", "'=刘子豪"} <= set(oos["name"])
    assert set(csv_unquote_frame(oos)["name"]) >= {EVIL_CHILD, EVIL_TEACHER}
    drop = pd.read_csv(out / "suspected_dropouts.csv", dtype=str, keep_default_na=False)
    assert "'@SUM(A1)" in set(drop["name"])
    # the clerk fills in review.csv; read_decisions undoes the quote, so the name-based key still applies
    sheet = pd.read_csv(out / "review.csv", dtype=str, keep_default_na=False)
    assert "'=刘子豪|2016-05-05|130431100201" in set(sheet["population_key"])
    sheet["decision"], sheet["decided_by"] = "accept", "县教体局 李老师"
    sheet.to_csv(tmp_path / "decided.csv", index=False)
    decided = read_decisions(tmp_path / "decided.csv")
    assert "=刘子豪|2016-05-05|130431100201" in set(decided["left_key"])
    res2 = check(regs["population"], regs["roll"], regs["attendance"], decisions=decided, **kw)
    assert res2.review.empty and (res2.links["method"] == "clerical").sum() == 3


def test_care_reports(tmp_path: Path) -> None:
    from junheng.care import case_report, period_of_month, write_report

    at = pd.Timestamp("2026-09-02 09:00")
    cases = pd.DataFrame({"id": [1, 2, 3], "school_code": [EVIL_CHILD, EVIL_SCHOOL_2, "@SUM(A1)"],
                          "deadline": ["2026-09-09"] * 3})
    events = pd.DataFrame({"case_id": [1, 2, 3], "seq": [1, 1, 1], "at": [at] * 3, "action": ["open"] * 3,
                           "to_state": ["suspected"] * 3})
    start, end = period_of_month("2026-09")
    rep = case_report(cases, events, start=start, end=end, by="school_code")
    assert len(rep) == 3
    xlsx = write_report(rep, tmp_path / "月报.xlsx", title="学校月报 2026-09")
    assert_safe_xlsx(xlsx, EVIL_CHILD, EVIL_SCHOOL_2, "@SUM(A1)")
    out = write_report(rep, tmp_path / "月报.csv", title="学校月报 2026-09")
    assert bad_csv_fields(out) == []
    assert "'=1+2" in set(pd.read_csv(out, dtype=str)["单位"])
