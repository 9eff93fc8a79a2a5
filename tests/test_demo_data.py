"""`junheng demo-data` builds the demo county through the importer on each backend."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from junheng.cli import app
from junheng.store.engine import make_engine
from junheng.store.summary import registry_summary
from junheng.synth import generate_county, summary


def test_demo_county_imports_and_matches_the_generator(db_url: str) -> None:
    result = CliRunner().invoke(app, ["demo-data", "--county", "130431", "--seed", "7", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "鸡泽县" in result.output
    expected = summary(generate_county("130431", seed=7))
    engine = make_engine(db_url)
    got = registry_summary(engine, county="130431")
    engine.dispose()
    assert got.townships == expected["townships"] == 7
    assert got.villages == expected["villages"]
    assert sum(got.schools_by_type.values()) == expected["schools"]
    assert got.children == expected["children"]
    assert {k: v[0] for k, v in got.by_stage.items()} == expected["students_by_stage"]
    # running it again replaces rather than duplicates
    assert CliRunner().invoke(app, ["demo-data", "--db", db_url]).exit_code == 0
    engine = make_engine(db_url)
    assert registry_summary(engine, county="130431") == got
    engine.dispose()


def test_assessment_from_the_database_equals_the_in_memory_one(tmp_path, db_url: str) -> None:  # type: ignore[no-untyped-def]
    """`junheng assess --db` reads through load_tables; it must give exactly what the generator's tables give."""
    import json

    from junheng.assess import assess
    from junheng.report import assessment_to_dict
    from junheng.standards import load_pack

    assert CliRunner().invoke(app, ["demo-data", "--db", db_url, "--no-children"]).exit_code == 0
    out = tmp_path / "assessment.json"
    result = CliRunner().invoke(app, ["assess", "--standard", "yzjh-2017", "--year", "2025", "--db", db_url,
                                      "--json", str(out)])
    assert result.exit_code == 0, result.output
    from_db = json.loads(out.read_text(encoding="utf-8"))
    direct = assessment_to_dict(assess(load_pack("yzjh-2017"), generate_county("130431", seed=7, children=False),
                                       year=2025))
    direct = json.loads(json.dumps(direct, ensure_ascii=False, allow_nan=False, default=str))
    assert from_db["verdict"] == direct["verdict"]
    assert [(u["unit_code"], u["stage"], u["school_verdict"]) for u in from_db["units"]] == [
        (u["unit_code"], u["stage"], u["school_verdict"]) for u in direct["units"]]
    for a, b in zip(from_db["cvs"], direct["cvs"], strict=True):
        assert (a["stage"], a["indicator"]) == (b["stage"], b["indicator"])
        assert a["cv"] == pytest.approx(b["cv"], rel=1e-12)
