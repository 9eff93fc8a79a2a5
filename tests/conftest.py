"""Shared fixtures: a database on each backend (SQLite file and a real PostgreSQL).

PostgreSQL tests create a database of their own (``junheng_test_<random>``) on
the server named by ``JUNHENG_TEST_PG`` (default the local server at
127.0.0.1:5432, user postgres) and drop it afterwards; they touch no other
database.  Set ``JUNHENG_TEST_PG=off`` to run SQLite only (CI never does).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

PG_ADMIN = os.environ.get("JUNHENG_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")

BACKENDS = ["sqlite"] + ([] if PG_ADMIN == "off" else ["postgresql"])


def _pg_admin():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """An empty, migrated database on each backend; yields its URL."""
    from junheng.store.engine import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'junheng.db'}"
        upgrade(url)
        yield url
        return
    name = f"junheng_test_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    from junheng.store.engine import make_engine

    eng = make_engine(db_url)
    yield eng
    eng.dispose()
