"""The 一人一案 state machine: every transition, illegal ones refused, deadlines (by hand)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from junheng.care.programme import KONGCHUO
from junheng.care.workflow import (
    CaseState,
    IllegalTransition,
    add_months,
    apply,
    open_case,
    replay,
)

T0 = dt.datetime(2026, 9, 2, 9, 0)


def at(days: int) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


def test_full_path_to_closure() -> None:
    c = open_case("K1", "suspected_dropout", by="校长 王", at=T0)
    assert c.state == CaseState.SUSPECTED and c.deadline == dt.date(2026, 9, 9)  # verify within 7 days
    c = apply(c, "assign", {"role": "gov_township", "person": "乡镇 李"}, by="县 赵", at=at(0))
    c = apply(c, "verify", {"result": "confirmed"}, by="教师 张", at=at(1))
    assert c.state == CaseState.CONFIRMED and c.deadline == dt.date(2026, 10, 3)  # +30 days
    c = apply(c, "attempt", {"date": "2026-09-04", "who": "教师 张、村干部 刘", "method": "家访", "result": "家长同意"},
              by="教师 张", at=at(2))
    assert c.state == CaseState.PERSUADING and [e.action for e in c.history].count("attempt") == 1
    c = apply(c, "attempt", {"date": "2026-09-06", "who": "教师 张", "method": "电话", "result": "返校"},
              by="教师 张", at=at(4))
    c = apply(c, "place", {"placement": "returned"}, by="教师 张", at=at(5))
    assert c.state == CaseState.RETURNED
    c = apply(c, "track", {"months": 3}, by="校长 王", at=at(6))
    assert c.state == CaseState.TRACKING and c.tracking_until == dt.date(2026, 12, 8)
    with pytest.raises(IllegalTransition, match="跟踪期至"):
        apply(c, "close", by="校长 王", at=at(30))
    c = apply(c, "close", by="校长 王", at=dt.datetime(2026, 12, 8, 10))
    assert c.state == CaseState.CLOSED and c.version == 8 and len(c.history) == 8
    assert [e.action for e in c.history] == ["open", "assign", "verify", "attempt", "attempt", "place", "track",
                                             "close"]
    assert all(e.by and e.at for e in c.history)
    assert c.responsible == {"gov_township": "乡镇 李"}
    with pytest.raises(IllegalTransition, match="已销号"):
        apply(c, "attempt", {"date": "x", "who": "y", "method": "z", "result": "w"}, by="x", at=at(200))
    c = apply(c, "note", {"text": "次年回访仍在校"}, by="校长 王", at=at(200))  # notes are still allowed


def test_not_a_dropout_needs_reason_and_evidence() -> None:
    c = open_case("K2", "out_of_school", by="a", at=T0)
    with pytest.raises(IllegalTransition, match="证明材料"):
        apply(c, "verify", {"result": "not_dropout", "reason": "县外就读"}, by="a", at=at(1))
    c = apply(c, "verify", {"result": "not_dropout", "reason": "县外就读", "evidence": "外县学校在读证明"},
              by="a", at=at(1))
    assert c.state == CaseState.CLOSED and c.deadline is None


@pytest.mark.parametrize("state_actions,action,data", [
    ([], "attempt", {"date": "d", "who": "w", "method": "m", "result": "r"}),  # persuade before verifying
    ([], "place", {"placement": "returned"}),
    ([], "track", {}),
    ([], "close", {}),
    ([("verify", {"result": "confirmed"})], "verify", {"result": "confirmed"}),  # verify twice
    ([("verify", {"result": "confirmed"})], "place", {"placement": "elsewhere"}),  # unknown placement
    ([("verify", {"result": "confirmed"})], "relapse", {"reason": "x"}),
    ([("verify", {"result": "confirmed"})], "attempt", {"date": "d", "who": "w"}),  # incomplete record
])
def test_illegal_transitions_refused(state_actions: list[tuple[str, dict[str, str]]], action: str,
                                    data: dict[str, str]) -> None:
    c = open_case("K3", "suspected_dropout", by="a", at=T0)
    for a, d in state_actions:
        c = apply(c, a, d, by="a", at=at(1))
    with pytest.raises(IllegalTransition):
        apply(c, action, data, by="a", at=at(2))


def test_relapse_during_tracking_and_home_teaching() -> None:
    c = open_case("K4", "suspected_dropout", by="a", at=T0)
    c = apply(c, "verify", {"result": "confirmed"}, by="a", at=at(1))
    c = apply(c, "place", {"placement": "home_teaching"}, by="a", at=at(2))
    assert c.state == CaseState.HOME_TEACHING
    c = apply(c, "track", {}, by="a", at=at(3))
    assert c.tracking_until == add_months(at(3).date(), 3)  # the programme's tracking_months
    assert c.history[-1].data["months"] == 3  # the default is written into the event
    c = apply(c, "relapse", {"reason": "送教中断"}, by="a", at=at(10))
    assert c.state == CaseState.PERSUADING and c.tracking_until is None


def test_overdue() -> None:
    c = open_case("K5", "out_of_school", by="a", at=T0)
    assert not c.overdue(dt.date(2026, 9, 9)) and c.overdue(dt.date(2026, 9, 10))


def test_add_months_end_of_month() -> None:
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(KONGCHUO.action_codes),
                          st.sampled_from(["confirmed", "not_dropout", "returned", "home_teaching"])),
                max_size=12))
def test_history_only_grows_and_replays(steps: list[tuple[str, str]]) -> None:
    """Whatever is tried, accepted actions append exactly one event and replaying gives the same case."""
    c = open_case("K6", "suspected_dropout", by="a", at=T0)
    for i, (action, word) in enumerate(steps):
        data = {"result": word, "placement": word, "reason": "r", "evidence": "e", "date": "d", "who": "w",
                "method": "m", "text": "t", "role": "edu_teacher", "person": "p"}
        try:
            new = apply(c, action, data, by="a", at=at(i * 40))
        except IllegalTransition:
            continue
        assert new.history[:-1] == c.history and new.version == c.version + 1
        c = new
    again = replay("K6", "suspected_dropout", list(c.history))
    assert again == c
