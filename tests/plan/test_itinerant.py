"""走教 rounds feasible in time (junheng.plan.teachers.itinerant).

Three teaching points with two one-grade classes each need 音乐 2 × 2 = 4 periods a week and
have no music teacher (tiny curriculum: load 16).  Close together (2 km apart at 30 km/h:
4 minutes one way) one teacher covers all three: 12 periods ≤ 16, one school a day, the
base's own day without travel and two days at 2 × 4 min → 16 minutes a week (the middle
school is the best base).  20 km apart (40 min one way, 80 min round trip > 60) they cannot
share a teacher: three rounds.
"""

from __future__ import annotations

import numpy as np
from teachers_hand import school, section, tables, tiny_curriculum

from junheng.plan.teachers import ItinerantRules, plan_itinerant
from junheng.plan.teachers.itinerant import solve_group, travel_minutes
from junheng.plan.teachers.moves import school_points
from junheng.plan.teachers.staffing import subject_demand

CODES = ("4000000001", "4000000002", "4000000003")


def _county(spacing_km: float):  # type: ignore[no-untyped-def]
    schools = [school(c, f"教学点{i}", km=i * spacing_km, school_type="teaching_point") for i, c in enumerate(CODES)]
    secs = [section(c, "primary", students=20, grade_classes=[1, 1], teachers=2) for c in CODES]
    return tables(schools, secs)


def _check(plan, t, rules):  # type: ignore[no-untyped-def]
    pts = school_points(t)
    mins = travel_minutes(pts["lon"].to_numpy(), pts["lat"].to_numpy(), speed_kmh=rules.speed_kmh)
    codes = list(pts.index)
    minutes = {(a, b): int(mins[i, j]) for i, a in enumerate(codes) for j, b in enumerate(codes)}
    need = {c: 4 for c in CODES}
    for r in plan.rounds:
        assert r.check(need, rules, minutes) == []


def test_close_teaching_points_share_one_teacher() -> None:
    t = _county(2.0)
    rules = ItinerantRules()
    d = subject_demand(t, year=2025, curriculum=tiny_curriculum())
    plan = plan_itinerant(t, d, rules=rules)
    music = [r for r in plan.rounds if r.subject == "music"]
    assert len(music) == 1
    r = music[0]
    assert set(r.schools) == set(CODES) and r.periods == 12
    assert r.base_code == CODES[1]  # the middle one: two trips of 2 × 4 minutes
    assert r.travel_min == 16
    assert sorted(v.day for v in r.visits) == [0, 1, 2]
    _check(plan, t, rules)
    assert plan.schedule()["periods"].sum() == 12


def test_far_teaching_points_need_one_teacher_each() -> None:
    t = _county(20.0)
    rules = ItinerantRules()
    plan = plan_itinerant(t, subject_demand(t, year=2025, curriculum=tiny_curriculum()), rules=rules)
    music = [r for r in plan.rounds if r.subject == "music"]
    assert len(music) == 3 and all(r.travel_min == 0 for r in music)
    _check(plan, t, rules)


def test_weekly_load_limits_a_round() -> None:
    # five schools of 4 periods at the same spot: 20 periods > 16 → two teachers
    minutes = np.zeros((5, 5), dtype=int)
    visits, _bases, status = solve_group([4] * 5, minutes, ItinerantRules())
    assert status == "optimal" and len(visits) == 2
    loads = [sum(p for _, _, p in v) for v in visits]
    assert sum(loads) == 20 and max(loads) <= 16  # e.g. 16 + 4 or 12 + 8: both need two teachers
    for v in visits:
        assert len({d for d, _, _ in v}) == len(v)  # one school a day


def test_a_need_above_the_limit_is_left_to_a_full_time_teacher() -> None:
    t = _county(2.0)
    d = subject_demand(t, year=2025, curriculum=tiny_curriculum())
    d.loc[d["school_code"] == CODES[0], "uncovered_periods"] = 12
    plan = plan_itinerant(t, d, rules=ItinerantRules(max_school_periods=8))
    assert list(plan.unserved["school_code"]) == [CODES[0]]
    assert sum(len(r.schools) for r in plan.rounds) == 2
