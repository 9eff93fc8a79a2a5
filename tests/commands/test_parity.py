"""The CLI and the web job run one library: on the same county they give the same assessment, the same layout
decisions and the same teacher plan (issue #12's parity tests; case opening is in tests/care/test_cli.py).

The database is the demo county (鸡泽县, seed 7) on SQLite; the web side is the service the route calls,
run by the job runner as a county administrator of 鸡泽县, and the CLI side is ``junheng …`` through typer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from junheng.cli import app
from junheng.services.authz import Actor
from junheng.services.jobs import JobRunner, get_job

pytestmark = pytest.mark.slow

COUNTY = "130431"
ACTOR = Actor(None, "county1", "county_admin", scopes=(COUNTY + "000000",), home=COUNTY + "000000")
cli = CliRunner()


@pytest.fixture(scope="module")
def county_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    from junheng.io import import_tables
    from junheng.store.engine import make_engine, upgrade
    from junheng.synth import generate_county

    url = f"sqlite:///{tmp_path_factory.mktemp('parity') / 'parity.db'}"
    upgrade(url)
    engine = make_engine(url)
    tables = generate_county(COUNTY, seed=7, children=False)
    # a teaching point without coordinates: the layout places it at its village (the web once left it out)
    tables.school.loc[tables.school["code"] == _teaching_point(tables), ["lon", "lat"]] = float("nan")
    import_tables(engine, tables, source="demo", user="pytest")
    engine.dispose()
    return url


def _teaching_point(tables) -> str:  # type: ignore[no-untyped-def]
    return str(tables.school.loc[tables.school["school_type"] == "teaching_point", "code"].sort_values().iloc[0])


def _web_job(url: str, start, **params) -> tuple[int, dict[str, bytes]]:  # type: ignore[no-untyped-def]
    """Run a web job to its end; (job id, its output files by name)."""
    from sqlalchemy import select

    from junheng.store.auth_models import JobFile
    from junheng.store.engine import make_engine

    engine = make_engine(url)
    runner = JobRunner(engine)
    try:
        job_id = start(engine, runner, ACTOR, county=COUNTY, **params)
        runner.wait(job_id, timeout=600)
        job = get_job(engine, ACTOR, job_id)
        assert job.status == "done", job.message
        with engine.connect() as conn:
            files = {n: bytes(c) for n, c in conn.execute(
                select(JobFile.name, JobFile.content).where(JobFile.job_id == job_id, JobFile.role == "output"))}
        return job_id, files
    finally:
        runner.shutdown()
        engine.dispose()


def test_assessment_is_the_same_from_the_cli_and_the_web(county_db: str, tmp_path: Path) -> None:
    from junheng.services.assessments import start_assessment

    out = tmp_path / "cli.json"
    r = cli.invoke(app, ["assess", "--db", county_db, "--county", COUNTY, "--year", "2025", "--json", str(out)])
    assert r.exit_code == 0, r.output
    _, files = _web_job(county_db, start_assessment, pack="yzjh-2017", year=2025)
    web = json.loads(next(c for n, c in files.items() if n.endswith(".json")))
    mine = json.loads(out.read_text(encoding="utf-8"))
    assert mine["units"] and mine == web


def test_layout_decisions_are_the_same_from_the_cli_and_the_web(county_db: str, tmp_path: Path) -> None:
    from junheng.services.layout import start_layout
    from junheng.store.engine import make_engine
    from junheng.store.scenarios import load_scenario

    r = cli.invoke(app, ["plan", "layout", "--db", county_db, "--county", COUNTY, "--year", "2030",
                         "--time-limit", "60", "--save-scenario", "命令行方案"])
    assert r.exit_code == 0, r.output
    _web_job(county_db, start_layout, name="网页方案", year=2030, time_limit_s=60)
    engine = make_engine(county_db)
    try:
        a, b = load_scenario(engine, "命令行方案"), load_scenario(engine, "网页方案")
    finally:
        engine.dispose()
    cols = ["school_code", "decision", "merge_into"]
    da, db = a.decisions[cols].sort_values("school_code"), b.decisions[cols].sort_values("school_code")
    assert len(da) == len(db) > 20
    assert (da.to_numpy() == db.to_numpy()).all()
    assert a.county_code == b.county_code == COUNTY + "000000"
    assert a.summary["objective"] == pytest.approx(b.summary["objective"], rel=1e-9)
    assert {"merge", "keep"} & set(da["decision"])  # a real plan, not an empty one
    from junheng.synth import generate_county

    assert _teaching_point(generate_county(COUNTY, seed=7, children=False, teachers=False)) in set(db["school_code"])


def test_teacher_plan_is_the_same_from_the_cli_and_the_web(county_db: str, tmp_path: Path) -> None:
    from junheng.services.teachers import PLAN_NAME, start_plan

    out = tmp_path / "cli.json"
    r = cli.invoke(app, ["plan", "teachers", "--db", county_db, "--county", COUNTY, "--year", "2025",
                         "--json", str(out)])
    assert r.exit_code == 0, r.output
    _, files = _web_job(county_db, start_plan, year=2025)
    web = json.loads(files[PLAN_NAME])
    mine = json.loads(out.read_text(encoding="utf-8"))
    assert mine["entitlement"]["staff_entitled"] > 0 and mine["redistribution"]["moves"] > 0
    assert _without_timings(mine) == _without_timings(web)


def _without_timings(d: object) -> object:
    """The plan without its solvers' wall-clock ``seconds`` (the only thing two runs may differ in)."""
    if isinstance(d, dict):
        return {k: _without_timings(v) for k, v in d.items() if k != "seconds"}
    if isinstance(d, list):
        return [_without_timings(v) for v in d]
    return d


def test_the_cli_writes_are_audited_under_the_operator(county_db: str, tmp_path: Path) -> None:
    from junheng.services.audit import list_events
    from junheng.store.engine import make_engine

    r = cli.invoke(app, ["plan", "layout", "--db", county_db, "--county", COUNTY, "--year", "2028",
                         "--time-limit", "30", "--save-scenario", "审计方案"], env={"JUNHENG_CLI_USER": "officer7"})
    assert r.exit_code == 0, r.output
    engine = make_engine(county_db)
    try:
        page = list_events(engine, Actor.system(), action="layout.scenario.save")
    finally:
        engine.dispose()
    saved = [e for e in page.events if e["target"] == "审计方案"]
    assert saved and saved[0]["username"] == "cli:officer7" and saved[0]["org_code"] == COUNTY + "000000"


def _cases(url: str) -> list[tuple[object, ...]]:
    from sqlalchemy import select

    from junheng.store.care_models import CareCase
    from junheng.store.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(CareCase.child_key, CareCase.source, CareCase.state, CareCase.id_number,
                                       CareCase.student_id, CareCase.school_code, CareCase.village_code,
                                       CareCase.township_code, CareCase.org_code, CareCase.deadline)).all()
    finally:
        engine.dispose()
    return sorted(tuple(r) for r in rows)


def test_cases_opened_from_the_ledgers_are_the_same_from_the_cli_and_the_web(tmp_path: Path) -> None:
    """The registry check and case opening of tests/registry/data (鸡泽县's tiny registry): ``junheng registry
    check`` + ``junheng case open`` and the web's ledger check + 「立案」 open the same cases, with the same org
    units, in two databases holding the same county."""
    from fixtures import tiny_tables
    from junheng.io import import_tables
    from junheng.services.care import open_cases_from_ledgers, start_ledger_check
    from junheng.store.engine import make_engine, upgrade

    data = Path(__file__).parent.parent / "registry" / "data"
    urls = []
    for side in ("cli", "web"):
        url = f"sqlite:///{tmp_path / f'{side}.db'}"
        upgrade(url)
        engine = make_engine(url)
        import_tables(engine, tiny_tables(), source="tiny", user="pytest")
        engine.dispose()
        urls.append(url)
    cli_db, web_db = urls
    out = tmp_path / "check"
    kinds = ("population", "roll", "attendance", "poverty")
    r = cli.invoke(app, ["registry", "check", *[a for k in kinds for a in (f"--{k}", str(data / f"{k}.csv"))],
                         "--as-of", "2026-09-01", "--out", str(out)])
    assert r.exit_code == 0, r.output
    r = cli.invoke(app, ["case", "open", str(out), "--by", "县教体局", "--db", cli_db])
    assert r.exit_code == 0, r.output

    engine = make_engine(web_db)
    runner = JobRunner(engine)
    try:
        job_id = start_ledger_check(engine, runner, ACTOR, as_of=__import__("datetime").date(2026, 9, 1),
                                    files={k: (data / f"{k}.csv").read_bytes() for k in kinds})
        runner.wait(job_id, timeout=300)
        assert get_job(engine, ACTOR, job_id).status == "done"
        opened = open_cases_from_ledgers(engine, ACTOR, job_id)
    finally:
        runner.shutdown()
        engine.dispose()
    web, mine = _cases(web_db), _cases(cli_db)
    assert opened["opened"] == len(web) == 6  # 4 out of school + 2 suspected dropouts (test_care_pages.py)
    assert mine == web
    assert all(str(r[8]).startswith(COUNTY) for r in web)  # every case belongs to an org unit of the county
