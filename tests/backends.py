"""The two database backends of the suite: a SQLite file and a real PostgreSQL.

PostgreSQL databases are created per use (``junheng_test_<random>``) on the server named by
``JUNHENG_TEST_PG`` (default the local server at 127.0.0.1:5432, user postgres) and dropped afterwards;
no other database is touched.  Set ``JUNHENG_TEST_PG=off`` to run SQLite only (CI never does).
Importable by any test module (``conftest`` names collide across folders).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PG_ADMIN = os.environ.get("JUNHENG_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")

BACKENDS = [pytest.param("sqlite", id="sqlite")] + (
    [] if PG_ADMIN == "off" else [pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)])
"""Fixture parameters: the PostgreSQL one is marked ``postgres`` (deselect with ``-m 'not postgres'``)."""


def _pg_admin():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)


@contextmanager
def migrated_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database migrated to head on ``backend``; yields its URL and drops it afterwards."""
    from junheng.store.engine import upgrade

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'junheng.db'}"
        upgrade(url)
        yield url
        return
    name = f"junheng_test_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
