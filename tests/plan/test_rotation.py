"""Rotation quotas at their boundaries, an infeasible rotation explained (junheng.plan.teachers.rotation).

County: a 镇区 primary school (200 pupils) and a 乡村 primary school (100 pupils), 4 km apart.
The town school's ten teachers came in 2015 (10 years ≥ 6: eligible); the rural school's
teachers came in 2022 (3 years: not eligible).  E = 10 → quota ⌈1.0⌉ = 1, backbone ⌈0.2⌉ = 1.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from teachers_hand import school, section, tables, teacher

from junheng.plan.teachers import RotationInfeasible, eligible_teachers, plan_rotation, quotas

TOWN, RURAL = "3000000001", "3000000002"


def _county(*, backbone: bool, extra=()):  # type: ignore[no-untyped-def]
    staff = [teacher(f"T{i}", TOWN, "语文" if i % 2 else "数学", since=2015 + (i == 0) * -5,
                     backbone="县级" if backbone and i == 0 else None) for i in range(10)]
    staff += [teacher(f"R{i}", RURAL, "语文", since=2022) for i in range(5)]
    staff += list(extra)
    return tables([school(TOWN, "城镇小学", km=0, ur_code=121), school(RURAL, "乡村小学", km=4, ur_code=220)],
                  [section(TOWN, "primary", students=200, grade_classes=[1] * 6),
                   section(RURAL, "primary", students=100, grade_classes=[1] * 6)], staff)


@pytest.mark.parametrize(("eligible", "rotated", "backbone"), [
    (0, 0, 0), (1, 1, 1), (10, 1, 1), (11, 2, 1), (20, 2, 1), (50, 5, 1), (51, 6, 2), (100, 10, 2), (101, 11, 3),
])
def test_quotas_exactly_at_the_boundaries(eligible: int, rotated: int, backbone: int) -> None:
    # 10 % of 10 is exactly 1 and 20 % of 5 exactly 1: a whole-number quota is met exactly, anything above rounds up.
    assert quotas(eligible) == (rotated, backbone)


@given(st.integers(0, 100_000))
def test_quotas_are_the_smallest_whole_numbers_meeting_the_shares(e: int) -> None:
    r, b = quotas(e)
    assert r >= 0.1 * e - 1e-9 and (r == 0 or r - 1 < 0.1 * e - 1e-9)
    assert b >= 0.2 * r - 1e-9 and (b == 0 or b - 1 < 0.2 * r - 1e-9)


def test_rotation_meets_both_quotas_exactly() -> None:
    rot = plan_rotation(_county(backbone=True), year=2025)
    assert (rot.eligible, rot.quota, rot.backbone_quota) == (10, 1, 1)
    assert (rot.rotated, rot.backbone_rotated) == (1, 1) and rot.meets_quotas
    m = rot.moves.iloc[0]
    assert (m["teacher_id"], m["from_school"], m["to_school"]) == ("T0", TOWN, RURAL)
    assert "本校任教 15 年" in m["reason"] and "县级骨干教师" in m["reason"]


def test_infeasible_rotation_is_explained() -> None:
    with pytest.raises(RotationInfeasible) as info:
        plan_rotation(_county(backbone=False), year=2025)
    err = info.value
    assert (err.eligible, err.quota, err.backbone_quota) == (10, 1, 1)
    assert any("骨干教师只有 0 人" in r and "所需 1 人" in r for r in err.reasons)


def test_eligibility_rules() -> None:
    extra = [
        teacher("OLD", TOWN, "语文", since=2010, sex="male", birth="1967-03-01"),   # 58: exempt (男 55)
        teacher("P8", TOWN, "语文", since=2017, principal=True),                   # 8 years = 2 terms of 4: due
        teacher("P7", RURAL, "语文", since=2018, principal=True),                  # 7 years: not yet
        teacher("N6", RURAL, "数学", since=2019),                                  # exactly 6 years: eligible
    ]
    elig, due = eligible_teachers(_county(backbone=True, extra=extra), year=2025)
    assert "OLD" not in set(elig["teacher_id"]) and "N6" in set(elig["teacher_id"])
    assert len(elig) == 11
    assert list(due["teacher_id"]) == ["P8"]
