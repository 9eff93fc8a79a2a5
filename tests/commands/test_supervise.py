"""``junheng supervise`` on the two-county database: each county assessed on its own and ranked, the JSON valid
against docs/supervision.schema.json (documented field by field in docs/supervision-json.md), the 督导报告 and
the workbook readable."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from test_one_county import _two_counties
from typer.testing import CliRunner

from junheng.cli import app

runner = CliRunner()
DOCS = Path(__file__).resolve().parents[2] / "docs"
SCHEMA = json.loads((DOCS / "supervision.schema.json").read_text(encoding="utf-8"))
TYPES: dict[str, Any] = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def _is(value: Any, t: str) -> bool:
    if t == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if t == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, TYPES[t])


def _check(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """The subset of JSON Schema 2020-12 that docs/supervision.schema.json uses ($ref to $defs, type, const,
    enum, required, properties, additionalProperties: false, items, minimum, maximum); jsonschema is not a
    dependency of the project."""
    if "$ref" in schema:
        return _check(value, SCHEMA["$defs"][schema["$ref"].removeprefix("#/$defs/")], path)
    errors = []
    types = schema.get("type")
    if types is not None and not any(_is(value, t) for t in ([types] if isinstance(types, str) else types)):
        return [f"{path}: {value!r} is not of type {types}"]
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: {value!r} != {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in {schema['enum']}")
    if _is(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: {value} > {schema['maximum']}")
    if isinstance(value, dict):
        errors += [f"{path}: missing {k}" for k in schema.get("required", []) if k not in value]
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            errors += [f"{path}: unexpected {k}" for k in value if k not in props]
        for k, sub in props.items():
            if k in value:
                errors += _check(value[k], sub, f"{path}.{k}")
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            errors += _check(v, schema["items"], f"{path}[{i}]")
    return errors


def test_the_checker_is_not_vacuous() -> None:
    good = {"code": "130431000000", "name": "鸡泽县"}
    assert _check(good, SCHEMA["properties"]["org"]) == []
    assert _check({"code": 130431, "name": "鸡泽县", "x": 1}, SCHEMA["properties"]["org"]) == [
        "$: unexpected x", "$.code: 130431 is not of type string"]
    assert _check({"name": "鸡泽县"}, SCHEMA["properties"]["org"]) == ["$: missing code"]
    assert _check({"rank": 0}, {"properties": {"rank": {"$ref": "#/$defs/rank"}}}) == ["$.rank: 0 < 1"]


def test_the_doc_lists_every_field_of_the_schema() -> None:
    doc = (DOCS / "supervision-json.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+)`", doc))
    fields = set(SCHEMA["properties"]) | set(SCHEMA["$defs"]["county"]["properties"]) \
        | set(SCHEMA["properties"]["rules"]["properties"])
    assert fields - documented == set()
    assert "`junheng.supervision/1`" in doc


@pytest.fixture
def two_county_db(db_url: str) -> str:
    _two_counties(db_url)
    return db_url


def _run(db: str, tmp_path: Path, *extra: str) -> tuple[Any, dict[str, Any]]:
    out = tmp_path / "s.json"
    r = runner.invoke(app, ["supervise", "--db", db, "--year", "2025", "--standard", "yzjh-2017", "--json", str(out),
                            *extra])
    assert r.exit_code == 0, r.output
    return r, json.loads(out.read_text(encoding="utf-8"))


def test_supervise_lists_both_counties_with_their_own_verdicts(two_county_db: str, tmp_path: Path) -> None:
    from docx import Document
    from openpyxl import load_workbook

    xlsx, docx = tmp_path / "s.xlsx", tmp_path / "s.docx"
    r, data = _run(two_county_db, tmp_path, "--xlsx", str(xlsx), "--docx", str(docx))
    assert _check(data, SCHEMA) == []
    assert data["schema"] == "junheng.supervision/1" and data["year"] == 2025 and data["pack"]["code"] == "yzjh-2017"
    counties = {c["code"]: c for c in data["counties"]}
    assert set(counties) == {"130431000000", "630122000000"}
    jz, hz = counties["130431000000"], counties["630122000000"]
    assert (jz["name"], hz["name"]) == ("鸡泽县", "湟中县")
    # each county's own assessment, not a pooled one: 湟中县 fails 资源配置 on its CVs, 鸡泽县's is incomplete
    parts = {c: {p["code"]: p["verdict"] for p in counties[c]["parts"]} for c in counties}
    assert parts["630122000000"]["resources"] == "fail" and parts["130431000000"]["resources"] == "incomplete"
    assert jz["verdict"] == hz["verdict"] == "fail"
    hz_cv = {(c["stage"], c["indicator"]): c for c in hz["cvs"]}
    assert hz_cv[("primary", "backbone_teachers_per_100")]["passed"] is False
    assert hz_cv[("primary", "backbone_teachers_per_100")]["cv"] == pytest.approx(0.6201, abs=1e-3)
    # tasks do not exist yet: null for every county, with a note
    assert all(c["tasks_on_time"] is None and c["tasks"] is None for c in data["counties"])
    assert any("任务" in n for n in data["notes"])
    # ranked 1 and 2, the score equal to its components under the rule's weights
    assert sorted(c["rank"] for c in data["counties"]) == [1, 2]
    w = data["rules"]["weights"]
    for c in data["counties"]:
        comps = {k: v for k, v in c["components"].items() if v is not None}
        assert c["score"] == pytest.approx(100 * sum(w[k] * v for k, v in comps.items()) / sum(w[k] for k in comps))
    best = min(data["counties"], key=lambda c: c["rank"])
    assert best["score"] >= max(c["score"] for c in data["counties"])
    # both fail a part: both proposed for 通报批评 with the failing parts named
    crit = {c["code"]: c["reasons"] for c in data["criticisms"]}
    assert set(crit) == set(counties) and any("政府保障程度未达标" in x for x in crit["130431000000"])
    assert data["rewards"] == []
    assert "鸡泽县" in r.output and "湟中县" in r.output

    doc = Document(str(docx))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "督导报告" in text and "以奖代补" in text and "通报批评" in text and "年" in text.splitlines()[-1]
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["排名", "县（市、区）", "总体结论"]
    assert {row.cells[1].text for row in table.rows[1:]} == {"鸡泽县", "湟中县"}
    sec = doc.sections[0]
    assert round(sec.top_margin.mm) == 37 and round(sec.left_margin.mm) == 28 and round(sec.page_width.mm) == 210
    assert "PAGE" in sec.footer.paragraphs[0]._p.xml and "PAGE" in sec.even_page_footer.paragraphs[0]._p.xml
    assert len(doc.inline_shapes) == 2  # the score chart and the CV chart

    wb = load_workbook(xlsx)
    assert {"排名对比", "差异系数", "以奖代补", "通报批评", "排名规则"} <= set(wb.sheetnames)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f" or str(c.value or "").startswith("=")]
    names = [row[2].value for row in wb["排名对比"].iter_rows(min_row=2)]
    assert sorted(names) == ["湟中县", "鸡泽县"]


def test_org_covers_the_counties_under_it(two_county_db: str, tmp_path: Path) -> None:
    _, data = _run(two_county_db, tmp_path, "--org", "130431")
    assert [c["code"] for c in data["counties"]] == ["130431000000"]
    assert data["org"] == {"code": "130431000000", "name": "鸡泽县"} and data["counties"][0]["rank"] == 1
    _, data = _run(two_county_db, tmp_path, "--org", "63")  # a province prefix
    assert [c["code"] for c in data["counties"]] == ["630122000000"]
    assert data["issuer"] == "青海省人民政府教育督导委员会办公室"


def test_no_county_or_no_data_exits_2(two_county_db: str, tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    r = runner.invoke(app, ["supervise", "--db", two_county_db, "--year", "2025", "--standard", "yzjh-2017",
                            "--org", "110000000000", "--json", str(out)])
    assert r.exit_code == 2 and "没有县" in r.output and not out.exists()
    r = runner.invoke(app, ["supervise", "--db", two_county_db, "--year", "2019", "--standard", "yzjh-2017"])
    assert r.exit_code == 2 and "2019" in r.output
    r = runner.invoke(app, ["supervise", "--db", two_county_db, "--year", "2025", "--org", "13043"])
    assert r.exit_code == 2 and "13043" in r.output


def test_a_county_without_data_for_the_year_is_listed_without_rank(db_url: str, tmp_path: Path) -> None:
    from fixtures import tiny_tables
    from junheng.io import import_tables
    from junheng.store.engine import make_engine
    from junheng.synth import generate_county

    engine = make_engine(db_url)
    import_tables(engine, tiny_tables(2025), source="tiny", user="pytest")
    import_tables(engine, generate_county("630122", seed=7, years=[2023], children=False, teachers=False),
                  source="demo", user="pytest")  # 湟中县 with 2023 only
    engine.dispose()
    _, data = _run(db_url, tmp_path)
    assert _check(data, SCHEMA) == []
    hz = next(c for c in data["counties"] if c["code"] == "630122000000")
    assert (hz["verdict"], hz["rank"], hz["score"], hz["has_data"], hz["parts"]) == ("incomplete", None, None, False, [])
    assert "2025" in hz["note"] and data["counties"][-1]["code"] == "630122000000"
    assert next(c for c in data["counties"] if c["code"] == "130431000000")["rank"] == 1


def test_the_actors_scope_limits_the_round(two_county_db: str) -> None:
    """A county administrator of 鸡泽县 sees only 鸡泽县, and asking for 湟中县's province is refused."""
    from junheng.services.authz import Actor
    from junheng.services.errors import Forbidden
    from junheng.services.registry import open_database
    from junheng.services.supervision import supervise

    actor = Actor(None, "county1", "county_admin", scopes=("130431000000",), home="130431000000")
    engine = open_database(two_county_db)
    try:
        seen: list[float] = []
        rnd = supervise(engine, actor, year=2025, pack="yzjh-2017", progress=lambda f, m="": seen.append(f))
        assert [r.code for r in rnd.result.rows] == ["130431000000"]
        assert seen and seen == sorted(seen) and seen[-1] < 1
        with pytest.raises(Forbidden):
            supervise(engine, actor, year=2025, pack="yzjh-2017", org="63")
    finally:
        engine.dispose()
