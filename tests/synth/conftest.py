"""Shared fixtures: the two demo counties, generated once per test session (seed 7)."""

from __future__ import annotations

import pytest

from junheng.domain.tables import YearTables
from junheng.synth import generate_county


@pytest.fixture(scope="session")
def jize() -> YearTables:
    return generate_county("130431", seed=7)


@pytest.fixture(scope="session")
def huangzhong() -> YearTables:
    return generate_county("630106", seed=7)


@pytest.fixture(params=["jize", "huangzhong"])
def county(request: pytest.FixtureRequest) -> YearTables:
    return request.getfixturevalue(request.param)
