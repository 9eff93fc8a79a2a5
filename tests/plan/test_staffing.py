"""Entitlement and subject demand on hand-worked schools (junheng.plan.teachers.staffing)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from teachers_hand import school, section, tables, teacher, tiny_curriculum

from junheng.plan.teachers.staffing import entitlement, load_curriculum, load_staffing_rules, subject_demand


def _row(df, code, stage, subject=None):  # type: ignore[no-untyped-def]
    sel = (df["school_code"] == code) & (df["stage"] == stage)
    if subject is not None:
        sel &= df["subject"] == subject
    rows = df[sel]
    assert len(rows) == 1
    return rows.iloc[0]


@pytest.fixture
def hand():  # type: ignore[no-untyped-def]
    return tables(
        [school("1000000001", "某教学点", school_type="teaching_point", ur_code=220),
         school("1000000002", "某九年一贯制学校", school_type="nine_year", ur_code=121),
         school("1000000003", "某村小", ur_code=220)],
        [section("1000000001", "primary", students=40, grade_classes=[1, 1, 1, 1], teachers=3),
         section("1000000002", "primary", students=600, grade_classes=[2] * 6, teachers=30),
         section("1000000002", "junior", students=300, grade_classes=[2, 2, 2], teachers=22, boarders=100),
         section("1000000003", "primary", students=120, grade_classes=[1] * 6, teachers=9)],
    )


def test_teaching_point_of_40_pupils_gets_the_class_based_minimum(hand):  # type: ignore[no-untyped-def]
    # 40 / 19 = 2.105 staff by ratio; 班师比 4 classes × 1.5 = 6 teachers → 6 posts, decided by the class rule.
    r = _row(entitlement(hand, year=2025), "1000000001", "primary")
    assert r["staff_by_ratio"] == pytest.approx(40 / 19)
    assert r["teachers_by_class"] == pytest.approx(6.0)
    assert (r["staff_entitled"], r["teachers_entitled"], r["basis"]) == (6, 6, "class")
    assert r["teacher_gap"] == 3  # has 3


def test_nine_year_school_counts_each_stage_by_its_own_norm(hand):  # type: ignore[no-untyped-def]
    e = entitlement(hand, year=2025)
    p, j = _row(e, "1000000002", "primary"), _row(e, "1000000002", "junior")
    # 小学 600/19 = 31.58 → 32 staff; teachers 31.58 × (1 − 0.09) = 28.74 → 29
    assert (p["staff_entitled"], p["teachers_entitled"], p["basis"]) == (32, 29, "ratio")
    # 初中 300/13.5 = 22.22 + boarders 100/50 = 2 → 24.22 → 25 staff; teachers 22.22 × 0.88 = 19.56 → 20
    assert (j["staff_entitled"], j["teachers_entitled"]) == (25, 20)
    assert not p["class_based"] and not j["class_based"]  # 镇区 school: ratio only


def test_rural_school_over_100_pupils_uses_the_ratio_only(hand):  # type: ignore[no-untyped-def]
    r = _row(entitlement(hand, year=2025), "1000000003", "primary")
    assert not r["class_based"]
    assert r["staff_entitled"] == math.ceil(120 / 19)  # 6.3 → 7


def test_provincial_override_changes_the_class_ratio(hand):  # type: ignore[no-untyped-def]
    rules = load_staffing_rules(overrides=[{"class_based": {"teachers_per_class": {"primary": 1.7}}}])
    r = _row(entitlement(hand, year=2025, rules=rules), "1000000001", "primary")
    assert r["teachers_entitled"] == 7  # 4 × 1.7 = 6.8 → 7
    assert load_staffing_rules().teachers_per_class["primary"] == 1.5  # the shipped pack is unchanged


def test_curriculum_table_meets_the_national_plan():  # type: ignore[no-untyped-def]
    cur = load_curriculum()
    totals = [sum(s.periods[g] for s in cur.subjects) for g in range(9)]
    assert totals == list(cur.weekly_total) == [26, 26, 30, 30, 30, 30, 34, 34, 34]
    bad = [(r.key, v) for r, v, ok in cur.share_check() if not ok]
    assert bad == []
    assert len(cur.share_check()) == 10  # every national share rule is checked
    assert cur.subject_key("体育") == "pe" and cur.subject_key("信息技术") == "it"
    assert cur.subject_key("思想政治") == "morality" and cur.subject_key("学前教育") == "other"


def test_subject_demand_from_section_counts():  # type: ignore[no-untyped-def]
    # A six-class primary school (one class a grade), section counts only: 10 teachers, 1 PE teacher.
    t = tables([school("1000000004", "某完小")],
               [section("1000000004", "primary", students=200, grade_classes=[1] * 6, teachers=10, teachers_pe=1)])
    d = subject_demand(t, year=2025)
    music = _row(d, "1000000004", "primary", "music")
    # 音乐 2 periods × 6 classes = 12; 12/16 = 0.75 ≥ 0.5 → 1 teacher required, none held
    assert (music["periods"], music["needed"], music["required"], music["shortage"]) == (12, 0.75, 1, 1)
    assert music["uncovered_periods"] == 12 and music["source"] == "section"
    pe = _row(d, "1000000004", "primary", "pe")
    # 体育 4+4+3+3+3+3 = 20 periods → 1.25 → 1 required; 1 held: no shortage, no surplus, 4 periods uncovered
    assert (pe["periods"], pe["required"], pe["shortage"], pe["surplus"], pe["uncovered_periods"]) == (20, 1, 0, 0, 4)
    it = _row(d, "1000000004", "primary", "it")
    assert (it["periods"], it["required"], it["shortage"], it["uncovered_periods"]) == (4, 0, 0, 4)
    general = _row(d, "1000000004", "primary", "general")
    assert general["have"] == 9  # 10 teachers less the PE teacher


def test_subject_demand_from_individual_records():  # type: ignore[no-untyped-def]
    staff = [teacher("T1", "1000000005", "语文"), teacher("T2", "1000000005", "语文"), teacher("T3", "1000000005", "语文"),
             teacher("T4", "1000000005", "语文"), teacher("T5", "1000000005", "音乐"), teacher("T6", "1000000005", "心理健康")]
    t = tables([school("1000000005", "某完小")],
               [section("1000000005", "primary", students=200, grade_classes=[1] * 6)], staff)
    d = subject_demand(t, year=2025, curriculum=tiny_curriculum())
    ch = _row(d, "1000000005", "primary", "chinese")
    # 语文 8 × 6 = 48 periods / 16 = 3 teachers; 4 held → surplus 1
    assert (ch["needed"], ch["required"], ch["have"], ch["surplus"], ch["shortage"]) == (3, 3, 4, 1, 0)
    assert _row(d, "1000000005", "primary", "other")["have"] == 1
    assert _row(d, "1000000005", "primary", "music")["source"] == "individual"


@settings(max_examples=40, deadline=None)
@given(students=st.integers(1, 3000), classes=st.integers(1, 60))
def test_entitlement_never_below_either_rule(students: int, classes: int) -> None:
    g = [classes // 6 + (1 if i < classes % 6 else 0) for i in range(6)]
    t = tables([school("1000000006", "教学点", school_type="teaching_point")],
               [section("1000000006", "primary", students=students, grade_classes=g)])
    r = entitlement(t, year=2025).iloc[0]
    assert r["staff_entitled"] >= students / 19 - 1e-9
    assert r["teachers_entitled"] >= 1.5 * classes - 1e-9
    assert r["staff_entitled"] < max(students / 19, 1.5 * classes, 2) + 1
