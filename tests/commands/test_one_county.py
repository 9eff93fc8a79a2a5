"""Several counties in one database: the CLI assesses one county at a time, and says which there are."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fixtures import S_NINE, S_PRIMARY, tiny_tables
from junheng.cli import app

runner = CliRunner()


def _two_counties(db_url: str) -> None:
    from junheng.io import import_tables
    from junheng.store.engine import make_engine
    from junheng.synth import generate_county

    engine = make_engine(db_url)
    import_tables(engine, tiny_tables(), source="tiny", user="pytest")  # 鸡泽县 (130431), four schools
    import_tables(engine, generate_county("630122", seed=7, years=[2025], children=False, teachers=False),
                  source="demo", user="pytest")  # 湟中县 (630122)
    engine.dispose()


def test_assess_without_county_names_the_counties_and_exits(db_url: str, tmp_path: Path) -> None:
    _two_counties(db_url)
    out = tmp_path / "a.json"
    r = runner.invoke(app, ["assess", "--db", db_url, "--year", "2025", "--json", str(out)])
    assert r.exit_code == 2
    assert "鸡泽县" in r.output and "湟中县" in r.output and "130431" in r.output and "630122" in r.output
    assert "--county" in r.output and not out.exists()


def test_assess_with_county_covers_that_county_alone(db_url: str, tmp_path: Path) -> None:
    _two_counties(db_url)
    out = tmp_path / "a.json"
    r = runner.invoke(app, ["assess", "--db", db_url, "--year", "2025", "--county", "130431", "--json", str(out)])
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text(encoding="utf-8"))
    sites = {s for u in data["units"] for s in u.get("sites", [u["unit_code"]])}
    assert sites and sites <= {S_PRIMARY, S_NINE, "2113043103", "2113043104"}  # the tiny county's schools only
    r = runner.invoke(app, ["assess", "--db", db_url, "--year", "2025", "--county", "110101"])
    assert r.exit_code == 2 and "110101" in r.output
