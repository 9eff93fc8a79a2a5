"""The county's verdicts come from a national standard, not from the last run of any pack (issue #13, item 6):
a local plan pack's run does not replace the dashboard, and a district's plan pack is not offered to another
county."""

from __future__ import annotations

import pytest

from web.support import WebEnv

COUNTY = "130431000000"  # 鸡泽县, the tiny county of tests/fixtures.py


def _run(web: WebEnv, pack: str) -> int:
    from junheng.services.assessments import start_assessment
    from junheng.services.authz import Actor

    actor = Actor(None, "county", "county_admin", scopes=(COUNTY,), home=COUNTY)
    job = start_assessment(web.state.engine, web.state.runner, actor, pack=pack, year=2025)
    web.state.runner.wait(job, timeout=300)
    return job


def test_a_plan_pack_run_does_not_replace_the_county_verdicts(web: WebEnv) -> None:
    from junheng.services.assessments import latest_run, school_verdicts
    from junheng.services.authz import Actor

    actor = Actor(None, "county", "county_admin", scopes=(COUNTY,), home=COUNTY)
    standard = _run(web, "yzjh-2017")
    before = school_verdicts(web.state.engine, actor, COUNTY)
    assert before  # the tiny county's schools have verdicts
    plan = _run(web, "city-2021")  # a plan pack whose targets name no org unit: offered to every county
    assert plan > standard
    assert latest_run(web.state.engine, actor, COUNTY) == standard
    assert latest_run(web.state.engine, actor, COUNTY, pack="city-2021") == plan
    assert school_verdicts(web.state.engine, actor, COUNTY) == before
    page = web.client("county").get("/schools?verdict=fail")
    assert page.status_code == 200


def test_a_district_plan_pack_is_not_offered_to_another_county(web: WebEnv) -> None:
    from junheng.services.assessments import list_pack_infos, start_assessment
    from junheng.services.authz import Actor
    from junheng.services.errors import Invalid

    actor = Actor(None, "county", "county_admin", scopes=(COUNTY,), home=COUNTY)
    offered = {p.code for p in list_pack_infos(actor, COUNTY)}
    assert {"yzjh-2017", "jbjh-2012", "city-2021"} <= offered
    assert "laiwu-2023" not in offered  # 莱芜区 (370116)
    assert "laiwu-2023" in {p.code for p in list_pack_infos(actor, "370116000000")}
    with pytest.raises(Invalid, match="不针对本县"):
        start_assessment(web.state.engine, web.state.runner, actor, pack="laiwu-2023", year=2025)
    assert "laiwu-2023" not in web.client("county").get("/assess").text
