"""junheng.assess.equity: the §2.1 CV against the hand computation in data/cv_hand.csv, and invariants."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from junheng.assess.equity import cv, cv_terms, gini, max_min_ratio, theil, weighted_mean

DATA = Path(__file__).with_name("data")


def _hand() -> tuple[pd.DataFrame, dict[str, tuple[float, float]]]:
    text = (DATA / "cv_hand.csv").read_text(encoding="utf-8")
    published = {}
    for m in re.finditer(r"# (\w+): Xbar = ([\d.]+);.*CV = S / Xbar = ([\d.]+)", text):
        published[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    df = pd.read_csv(DATA / "cv_hand.csv", comment="#", dtype={"unit": str})
    return df, published


@pytest.mark.parametrize("case,factor", [("primary_equipment", 1), ("junior_qualified_teachers", 100)])
def test_cv_matches_hand_computation(case: str, factor: int) -> None:
    df, published = _hand()
    rows = df[df["case"] == case]
    xbar, expected = published[case]
    assert weighted_mean(rows["resource_R"], rows["students_P"], factor=factor) == pytest.approx(xbar, rel=1e-9)
    assert cv(rows["resource_R"], rows["students_P"]) == pytest.approx(expected, rel=1e-9)
    t = cv_terms(rows["resource_R"], rows["students_P"], factor=factor)
    # each school's term (P_i/P)(X_i - Xbar)^2 as written in the hand table
    np.testing.assert_allclose(t.term, rows["term=weight*(X-Xbar)^2"], rtol=1e-8)
    np.testing.assert_allclose(t.value, rows["X=factor*R/P"], rtol=1e-9)


def test_unweighted_and_sample_forms_differ_from_the_official_one() -> None:
    df, published = _hand()
    rows = df[df["case"] == "primary_equipment"]
    x = rows["resource_R"] / rows["students_P"]
    assert abs(x.std(ddof=1) / x.mean() - published["primary_equipment"][1]) > 0.01
    assert abs(x.std(ddof=0) / x.mean() - published["primary_equipment"][1]) > 0.001


def test_zero_enrolment_schools_carry_no_weight() -> None:
    assert cv([100, 200, 50], [10, 10, 0]) == pytest.approx(cv([100, 200], [10, 10]))
    assert math.isnan(cv([1.0], [0]))


def test_cv_without_is_the_leave_one_out_cv() -> None:
    r = np.array([1160000, 420000, 168000, 1500000.0])
    p = np.array([540, 200, 100, 600.0])
    t = cv_terms(r, p)
    for i in range(4):
        keep = np.arange(4) != i
        assert t.cv_without[i] == pytest.approx(cv(r[keep], p[keep]), rel=1e-9)
    assert t.variance_share.sum() == pytest.approx(1.0)
    # 丙小学 (1680 元/生, far below the mean) contributes most
    assert int(np.argmax(t.variance_share)) in (2, 3)


positive = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)
sizes = st.integers(min_value=1, max_value=5000)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(positive, sizes), min_size=2, max_size=30), st.floats(min_value=1e-3, max_value=1e4))
def test_cv_is_invariant_to_scaling_resources(rows: list[tuple[float, int]], k: float) -> None:
    r = np.array([a for a, _ in rows])
    p = np.array([b for _, b in rows], dtype=float)
    assert cv(r * k, p) == pytest.approx(cv(r, p), rel=1e-7, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(positive, sizes), min_size=1, max_size=12))
def test_gini_equals_the_pairwise_mean_difference(rows: list[tuple[float, int]]) -> None:
    r = np.array([a for a, _ in rows])
    p = np.array([b for _, b in rows], dtype=float)
    x, w = r / p, p / p.sum()
    pairwise = np.sum(w[:, None] * w[None, :] * np.abs(x[:, None] - x[None, :])) / (2 * np.sum(w * x))
    assert gini(r, p) == pytest.approx(pairwise, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(positive, sizes, st.sampled_from(["urban", "town", "rural"])), min_size=1, max_size=20))
def test_theil_decomposes_into_between_and_within(rows: list[tuple[float, int, str]]) -> None:
    r = np.array([a for a, _, _ in rows])
    p = np.array([b for _, b, _ in rows], dtype=float)
    g = [c for _, _, c in rows]
    t = theil(r, p, g)
    assert t.total == pytest.approx(t.between + t.within, abs=1e-9)
    assert t.total >= -1e-12


def test_theil_hand_value() -> None:
    # two schools, equal enrolment, resources 1 and 3: s = (1/4, 3/4), p = (1/2, 1/2)
    expected = 0.25 * math.log(0.5) + 0.75 * math.log(1.5)
    assert theil([1, 3], [10, 10]).total == pytest.approx(expected)


def test_max_min_ratio() -> None:
    assert max_min_ratio([100, 300], [10, 10]) == pytest.approx(3.0)
    assert max_min_ratio([0, 300], [10, 10]) == math.inf
