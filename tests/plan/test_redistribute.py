"""Redistribution small enough to solve by hand (junheng.plan.teachers.redistribute).

Tiny curriculum (teachers_hand.tiny_curriculum): six one-class grades need 语文 8 × 6 = 48
periods → 3 teachers, 音乐 2 × 6 = 12 periods → 0.75 → 1 teacher; total 3.75 → keep ≥ 4.

    A (0 km):   4 语文 + 3 音乐 = 7 teachers → 音乐 surplus 3 − ⌈0.75⌉ = 2; may lose 7 − 4 = 3 (1 语文 surplus too)
    B (+5 km):  3 语文, no 音乐 → 音乐 shortage 1
    C (−10 km): 3 语文, no 音乐 → 音乐 shortage 1
"""

from __future__ import annotations

import pandas as pd
import pytest
from teachers_hand import km_between, school, section, tables, teacher, tiny_curriculum

from junheng.plan.teachers import RedistributionRules, apply_moves, redistribute


def _county(a_chinese: int = 4):  # type: ignore[no-untyped-def]
    staff = [teacher(f"A{i}", "2000000001", "语文") for i in range(a_chinese)]
    staff += [teacher("AM1", "2000000001", "音乐", since=2010), teacher("AM2", "2000000001", "音乐", since=2020),
              teacher("AM3", "2000000001", "音乐", since=2015)]
    staff += [teacher(f"B{i}", "2000000002", "语文") for i in range(3)]
    staff += [teacher(f"C{i}", "2000000003", "语文") for i in range(3)]
    schools = [school("2000000001", "甲校", km=0), school("2000000002", "乙校", km=5), school("2000000003", "丙校", km=-10)]
    secs = [section(c, "primary", students=200, grade_classes=[1] * 6) for c in ("2000000001", "2000000002", "2000000003")]
    return tables(schools, secs, staff)


def test_two_music_teachers_fill_both_shortages() -> None:
    r = redistribute(_county(), year=2025, curriculum=tiny_curriculum())
    assert r.status == "optimal"
    assert (r.shortage_before, r.shortage_after) == (2, 0)
    assert sorted(r.moves["to_school"]) == ["2000000002", "2000000003"]
    assert set(r.moves["from_school"]) == {"2000000001"} and set(r.moves["subject"]) == {"music"}
    assert r.total_km == pytest.approx(km_between(0, 5) + km_between(0, -10), rel=1e-6)
    # longest at the school first: AM1 (2010), then AM3 (2015); AM2 (2020) stays; the nearer school is served first
    assert list(r.moves["teacher_id"]) == ["AM1", "AM3"]


def test_max_distance_leaves_the_far_school_unfilled() -> None:
    r = redistribute(_county(), year=2025, curriculum=tiny_curriculum(), rules=RedistributionRules(max_km=7))
    assert list(r.moves["to_school"]) == ["2000000002"]
    assert r.shortage_after == 1


def test_immovable_teachers_stay() -> None:
    r = redistribute(_county(), year=2025, curriculum=tiny_curriculum(), immovable=("AM1", "AM3"))
    assert list(r.moves["teacher_id"]) == ["AM2"]
    assert list(r.moves["to_school"]) == ["2000000002"]  # the nearer one


def test_each_school_keeps_its_minimum() -> None:
    # A with 3 语文 + 3 音乐 = 6 teachers may lose only 6 − 4 = 2 … with 2 语文 it has 5 and may lose 1.
    r = redistribute(_county(a_chinese=2), year=2025, curriculum=tiny_curriculum())
    assert len(r.moves) == 1 and r.moves["to_school"].iloc[0] == "2000000002"


def test_apply_moves_keeps_counts_consistent() -> None:
    t = _county()
    r = redistribute(t, year=2025, curriculum=tiny_curriculum())
    after = apply_moves(t, r.moves, year=2025)
    sec = after.section_year.set_index("school_code")
    assert sec.loc["2000000001", "teachers"] == 5 and sec.loc["2000000001", "teachers_music"] == 1
    assert sec.loc["2000000002", "teachers_music"] == 1 and sec.loc["2000000003", "teachers_music"] == 1
    assert int(sec["teachers"].sum()) == int(t.section_year["teachers"].sum())
    assert after.teacher.set_index("teacher_id").loc["AM1", "school_code"] == "2000000002"
    assert after.teacher.set_index("teacher_id").loc["AM1", "school_since"] == 2025  # arrives this year
    assert t.teacher.set_index("teacher_id").loc["AM1", "school_code"] == "2000000001"  # input untouched


def test_no_shortage_no_moves() -> None:
    t = _county()
    t2 = tables([school("2000000001", "甲校")], [section("2000000001", "primary", students=200, grade_classes=[1] * 6)],
                [row for row in t.teacher.to_dict("records") if row["school_code"] == "2000000001"])
    r = redistribute(t2, year=2025, curriculum=tiny_curriculum())
    assert r.status == "nothing_to_do" and r.moves.empty and isinstance(r.moves, pd.DataFrame)
