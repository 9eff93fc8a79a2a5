"""junheng.report: the demo county end to end; DOCX and XLSX re-read hold the JSON's figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from typer.testing import CliRunner

from junheng.assess import assess
from junheng.cli import app
from junheng.report import assessment_to_dict, write_docx, write_json, write_xlsx
from junheng.standards import load_pack
from junheng.synth import generate_county


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, Path]:  # type: ignore[type-arg]
    tables = generate_county("130431", seed=7)
    a = assess(load_pack("yzjh-2017"), tables, year=2025)
    out = tmp_path_factory.mktemp("demo")
    write_json(a, out / "assessment.json")
    write_xlsx(a, out / "评估.xlsx")
    write_docx(a, out / "自评报告.docx", county_name="鸡泽县")
    data = json.loads((out / "assessment.json").read_text(encoding="utf-8"))
    return data, out / "评估.xlsx", out / "自评报告.docx"


def _docx_cells(path: Path) -> list[list[list[str]]]:
    doc = Document(str(path))
    return [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]


def test_json_schema_basics(demo) -> None:  # type: ignore[no-untyped-def]
    data, _, _ = demo
    assert data["schema"] == "junheng.assessment/1"
    assert data["pack"]["code"] == "yzjh-2017" and data["year"] == 2025
    # 32 indicators of the 办法 + the eligibility precondition (基本均衡 ≥ 3 years earlier)
    assert len(data["cvs"]) == 14 and len(data["items"]) == 33
    assert {p["code"] for p in data["parts"]} == {"eligibility", "resources", "government", "quality", "recognition",
                                                  "veto"}
    u = data["units"][0]
    assert {"unit_code", "stage", "students", "n_pass", "school_verdict", "values", "sites"} <= set(u)
    assert {"numerator", "denominator", "value", "threshold", "gap", "must_fix_gap"} <= set(u["values"][0])
    json.dumps(data, allow_nan=False)  # strict JSON: no NaN


def test_docx_holds_the_json_figures(demo) -> None:  # type: ignore[no-untyped-def]
    data, _, docx_path = demo
    tables = _docx_cells(docx_path)
    text = "\n".join(p.text for p in Document(str(docx_path)).paragraphs)
    assert "鸡泽县义务教育优质均衡发展督导评估自评报告" in text
    assert data["verdict_zh"] in text
    cv_table = next(t for t in tables if t[0][:3] == ["学段", "指标", "差异系数"])
    rows = {(r[0], r[1]): r[2] for r in cv_table[1:]}
    stage_zh = {"primary": "小学", "junior": "初中"}
    for c in data["cvs"]:
        assert rows[(stage_zh[c["stage"]], c["name"])] == f"{c['cv']:.3f}"
    # a table per indicator, each unit's value to 2 places
    ind_tables = [t for t in tables if t[0] == ["学校", "学段", "分子", "在校生", "指标值", "标准", "结论", "差距"]]
    assert len(ind_tables) == 7
    first = {(r[0], r[1]): r[4] for r in ind_tables[0][1:]}
    code = data["indicators"][0]["code"]
    for u in data["units"]:
        v = next(x for x in u["values"] if x["indicator"] == code)
        assert first[(u["name"], stage_zh[u["stage"]])] == f"{v['value']:,.2f}"
    failing = [u["name"] for u in data["units"] if u["school_verdict"] == "fail"]
    fail_table = next(t for t in tables if t[0][:2] == ["学校", "学段"] and "最少需补足" in t[0])
    assert sorted(r[0] for r in fail_table[1:]) == sorted(failing)
    assert any(t[0][:2] == ["序号", "对象"] for t in tables)  # 整改清单


def test_xlsx_holds_the_json_figures(demo) -> None:  # type: ignore[no-untyped-def]
    data, xlsx_path, _ = demo
    wb = load_workbook(xlsx_path)
    assert {"总览", "资源配置", "资源配置明细", "差异系数", "政府保障程度", "教育质量", "社会认可度", "一票否决",
            "整改清单"} <= set(wb.sheetnames)
    ws = wb["差异系数"]
    got = {(r[0], r[1]): r[2] for r in ws.iter_rows(min_row=2, values_only=True)}
    stage_zh = {"primary": "小学", "junior": "初中"}
    for c in data["cvs"]:
        assert got[(stage_zh[c["stage"]], c["name"])] == pytest.approx(c["cv"], rel=1e-12)
    names = {i["code"]: i["name"] for i in data["indicators"]}
    detail = {(r[0], r[2], r[3]): r for r in wb["资源配置明细"].iter_rows(min_row=2, values_only=True)}
    n = 0
    for u in data["units"]:
        for v in u["values"]:
            r = detail[(u["unit_code"], stage_zh[u["stage"]], names[v["indicator"]])]
            assert r[4] == pytest.approx(v["numerator"]) and r[5] == pytest.approx(v["denominator"])
            assert r[6] == pytest.approx(v["value"]) and r[11] == pytest.approx(v["must_fix_gap"])
            n += 1
    assert n == len(data["units"]) * 7
    assert wb["资源配置"].conditional_formatting  # failures are coloured
    gov = {r[0]: r[2] for r in wb["政府保障程度"].iter_rows(min_row=2, values_only=True)}
    for it in data["items"]:
        if it["part"] == "government":
            assert gov[it["number"]] == it["status_zh"]


def test_dict_is_deterministic(demo) -> None:  # type: ignore[no-untyped-def]
    data, _, _ = demo
    a = assess(load_pack("yzjh-2017"), generate_county("130431", seed=7, children=False), year=2025)
    again = assessment_to_dict(a)
    assert [c["cv"] for c in again["cvs"]] == [c["cv"] for c in data["cvs"]]


@pytest.mark.slow
def test_cli_assess_from_a_workbook(tmp_path: Path) -> None:
    from junheng.io.template import write_workbook

    wb = tmp_path / "data.xlsx"
    write_workbook(wb, generate_county("130431", seed=7, children=False, teachers=False,
                                         years=(2023, 2024, 2025)), personal=False)
    ev = tmp_path / "ev.toml"
    ev.write_text('[[evidence]]\nitem = "recognition_survey"\nvalue = 0.9\ndocument = "问卷"\n', encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(app, ["assess", "--standard", "yzjh-2017", "--year", "2025", "--data", str(wb),
                              "--override", "hebei", "--evidence", str(ev), "--json", str(tmp_path / "a.json"),
                              "--xlsx", str(tmp_path / "a.xlsx"), "--docx", str(tmp_path / "a.docx")])
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert data["pack"]["overrides"] == ["hebei"]
    assert next(i for i in data["items"] if i["code"] == "recognition_survey")["status"] == "met"
    assert (tmp_path / "a.docx").stat().st_size > 10_000
