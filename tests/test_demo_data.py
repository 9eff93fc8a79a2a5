"""`junheng demo-data` builds the demo county through the importer on each backend."""

from __future__ import annotations

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
