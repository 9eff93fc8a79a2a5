"""Enrolment projection (junheng.plan.projection): conservation properties and the demo county."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from junheng.plan.projection import (
    BIRTH_VARIANTS,
    GRADES,
    MAX_AGE,
    age_step,
    grade_step,
    project_enrolment,
)
from junheng.synth import generate_county

counts = st.floats(min_value=0, max_value=500, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(pop=arrays(float, (7, MAX_AGE + 1), elements=counts), births=arrays(float, 7, elements=counts),
       kind=arrays(np.int64, 7, elements=st.integers(0, 1)))
def test_ageing_with_unit_survival_conserves_every_cohort(pop, births, kind) -> None:  # type: ignore[no-untyped-def]
    nxt = age_step(pop, np.ones((2, MAX_AGE)), kind, births)
    # every cohort moves one age up unchanged; the oldest leaves; newborns enter
    np.testing.assert_allclose(nxt[:, 1:], pop[:, :-1])
    np.testing.assert_allclose(nxt[:, 0], births)
    assert nxt.sum() == pytest.approx(pop.sum() - pop[:, -1].sum() + births.sum())


@settings(max_examples=60, deadline=None)
@given(pop=arrays(float, (5, MAX_AGE + 1), elements=counts),
       surv=arrays(float, (2, MAX_AGE), elements=st.floats(0.5, 1.2)),
       kind=arrays(np.int64, 5, elements=st.integers(0, 1)), scale=st.floats(0.1, 10))
def test_ageing_is_additive_over_villages_and_linear(pop, surv, kind, scale) -> None:  # type: ignore[no-untyped-def]
    b = pop[:, 0].copy()
    whole = age_step(pop, surv, kind, b)
    parts = sum(age_step(pop[[i]], surv, kind[[i]], b[[i]]) for i in range(5))
    np.testing.assert_allclose(whole.sum(axis=0), np.asarray(parts).sum(axis=0), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(age_step(pop * scale, surv, kind, b * scale), whole * scale, rtol=1e-9, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(pupils=arrays(float, (6, 6), elements=counts), entries=arrays(float, 6, elements=counts))
def test_grade_step_with_full_progression_conserves_pupils(pupils, entries) -> None:  # type: ignore[no-untyped-def]
    nxt = grade_step(pupils, np.ones(5), entries)
    # pupils in school next year = this year's less the leaving grade 6 plus the entries
    assert nxt.sum() == pytest.approx(pupils.sum() - pupils[:, -1].sum() + entries.sum())


@pytest.fixture(scope="module")
def demo():  # type: ignore[no-untyped-def]
    return generate_county("130431", seed=7, children=False, teachers=False)


def test_base_year_reproduces_observed_county_totals(demo) -> None:  # type: ignore[no-untyped-def]
    p = project_enrolment(demo, to_year=2035)
    sec = demo.section_year[demo.section_year["year"] == p.base_year]
    for stage, n in GRADES.items():
        got = p.enrolment[(p.enrolment["year"] == p.base_year) & (p.enrolment["stage"] == stage)]
        for g in range(1, n + 1):
            observed = float(sec[sec["stage"] == stage][f"students_g{g}"].sum())
            assert got[got["grade"] == g]["pupils"].sum() == pytest.approx(observed, rel=1e-9)
    # the base-year population is the observed one
    pop = demo.population[demo.population["year"] == p.base_year]["population"].sum()
    assert p.population[p.population["year"] == p.base_year]["population"].sum() == pytest.approx(float(pop))


def test_cohort_flows_follow_the_rates(demo) -> None:  # type: ignore[no-untyped-def]
    p = project_enrolment(demo, to_year=2032)
    e = p.enrolment.groupby(["year", "stage", "grade"])["pupils"].sum()
    r = p.rates
    for y in range(p.base_year, 2032):
        for g in range(1, 6):
            assert e[(y + 1, "primary", g + 1)] == pytest.approx(e[(y, "primary", g)] * r.progression["primary"][g - 1])
        assert e[(y + 1, "junior", 1)] == pytest.approx(e[(y, "primary", 6)] * r.progression["junior"][0])
    # grade-1 entries = children aged 6 × entry ratio, village by village
    pop = p.population.set_index(["village_code", "year", "age"])["population"]
    ent = p.entries(2030)
    six = pop.xs((2030, 6), level=("year", "age"))
    np.testing.assert_allclose(ent.sort_index().to_numpy(), (six.sort_index() * r.entry).to_numpy())


def test_variants_order_and_falling_births(demo) -> None:  # type: ignore[no-untyped-def]
    tot = {v: project_enrolment(demo, to_year=2035, variant=v).totals() for v in BIRTH_VARIANTS}
    # births after the last observed year only reach school from 2032 (born 2026, grade 1 at age 6)
    assert tot["low"].loc[2030, "primary"] == pytest.approx(tot["high"].loc[2030, "primary"])
    assert tot["low"].loc[2035, "primary"] < tot["central"].loc[2035, "primary"] < tot["high"].loc[2035, "primary"]
    # the 2016→2023 halving of births shows: primary pupils fall by a third by 2030
    assert tot["central"].loc[2030, "primary"] < 0.75 * tot["central"].loc[2025, "primary"]
    p = project_enrolment(demo, variant="central")
    assert any("出生" in a for a in p.assumptions) and len(p.assumptions) >= 4
    with pytest.raises(ValueError, match="variant"):
        project_enrolment(demo, variant="medium")
