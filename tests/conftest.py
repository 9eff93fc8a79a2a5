"""Shared fixtures: a database on each backend (SQLite file and a real PostgreSQL).

PostgreSQL tests create a database of their own (``junheng_test_<random>``) on
the server named by ``JUNHENG_TEST_PG`` (default the local server at
127.0.0.1:5432, user postgres) and drop it afterwards; they touch no other
database.  Set ``JUNHENG_TEST_PG=off`` to run SQLite only (CI never does).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backends import BACKENDS, migrated_database


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """An empty, migrated database on each backend; yields its URL."""
    with migrated_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    from junheng.store.engine import make_engine

    eng = make_engine(db_url)
    yield eng
    eng.dispose()
