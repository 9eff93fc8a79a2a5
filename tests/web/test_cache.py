"""The page caches (junheng.services.cache) never serve stale data: imports, assessments and edits show at once.

Hand computation (tests/fixtures.py, year 2025): the compulsory pupils are
1200 (county-town primary) + 300 + 270 (nine-year school, primary and junior)
+ 24 (teaching point) = 1794.  The test re-imports the year with the
county-town primary's equipment worth 1 794 000 yuan more, so the dashboard's
equipment value per pupil must rise by 1 794 000 / 1794 = 1000 yuan.
"""

from __future__ import annotations

from fixtures import S_NINE, S_POINT, S_PRIMARY, tiny_tables
from web.support import WebEnv


def _equipment_per_pupil(web: WebEnv) -> float:
    from junheng.services import dashboard
    from junheng.services.authz import Actor

    actor = Actor(None, "county", "county_admin", ("130431000000",))
    return float(dashboard.dashboard(web.state.engine, actor)["trend"]["equipment_per_student"][-1])


def test_dashboard_shows_new_figures_after_an_import(web: WebEnv) -> None:
    from junheng.io import import_tables

    client = web.client("county")
    assert client.get("/").status_code == 200  # fills the cache
    before = _equipment_per_pupil(web)
    t = tiny_tables()
    sy = t.school_year.copy()
    sy.loc[sy["school_code"] == S_PRIMARY, "equipment_value"] += 1_794_000
    import_tables(web.state.engine, t.__class__(**{**t.__dict__, "school_year": sy}), source="pytest")
    after = _equipment_per_pupil(web)
    assert after == before + 1000
    assert f"{after:g}" in client.get("/").text


def test_dashboard_shows_a_new_assessment(web: WebEnv) -> None:
    from junheng.services import assessments
    from junheng.services.authz import Actor

    client = web.client("county")
    assert "yzjh-2017" not in client.get("/").text
    s = web.state
    job = assessments.start_assessment(s.engine, s.runner, Actor.system("pytest"), pack="yzjh-2017", year=2025)
    s.runner.wait(job)
    page = client.get("/").text
    assert f"/assess/{job}" in page


def test_school_page_shows_an_edit_of_another_school(web: WebEnv) -> None:
    from junheng.services import schools
    from junheng.services.authz import Actor

    client = web.client("county")
    assert client.get(f"/schools/{S_NINE}").status_code == 200  # fills the cache
    admin = Actor.system("pytest")
    version = schools.get_school(web.state.engine, admin, S_POINT)["profile"]["version"]
    schools.update_school(web.state.engine, admin, S_POINT, version=version, changes={"name": "改名后的教学点"})
    assert "改名后的教学点" in client.get(f"/schools/{S_NINE}").text
