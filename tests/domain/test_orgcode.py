"""Org-unit codes (2+2+2+3+3) and the one-way scope rule built on them (services/authz)."""

from __future__ import annotations

from junheng.domain.orgcode import ancestors, scope_prefix
from junheng.services.authz import Actor, home_org


def test_scope_prefix_and_ancestors_by_hand() -> None:
    assert scope_prefix("130000000000") == "13"
    assert scope_prefix("130400000000") == "1304"
    assert scope_prefix("130431000000") == "130431"
    assert scope_prefix("130431100000") == "130431100"
    assert scope_prefix("130431100201") == "130431100201"
    assert scope_prefix("2113043101") == "2113043101"  # a school code is its own scope
    assert ancestors("130431100000") == ["130000000000", "130400000000", "130431000000"]
    assert ancestors("130000000000") == []


def test_cover_is_one_way() -> None:
    county = Actor(1, "c", "county_admin", ("130431000000",), home="130431000000")
    township = Actor(2, "t", "township_staff", ("130431100000",), home="130431100000")
    assert county.covers_org("130431100000") and county.covers_org("130431100201")
    assert not county.covers_org("630122000000") and not county.covers_org("130432000000")
    assert township.covers_org("130431100201") and not township.covers_org("130431101000")
    assert not township.covers_org("130431000000")  # the finding: a township scope "covered" its county
    assert township.within_org("130431000000") and not township.within_org("630122000000")
    assert not county.covers_org("") and not county.covers_org(None)  # no org unit: the administrator's
    assert Actor.system().covers_org("")


def test_home_org() -> None:
    assert home_org("county_admin", ["130431000000"]) == "130431000000"
    assert home_org("planner", ["130431100000", "130431101000"]) == "130431000000"  # narrowest common unit
    assert home_org("planner", ["130431000000", "130432000000"]) == "130400000000"
    assert home_org("planner", ["130431000000", "630122000000"]) == ""
    assert home_org("school_clerk", [], "130431101000") == "130431101000"
    assert home_org("admin", ["130431000000"]) == ""
