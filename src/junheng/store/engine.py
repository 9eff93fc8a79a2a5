"""Database URLs, engines and migrations.

SQLite (a file) is the embedded default; PostgreSQL is selected by a
``postgresql://`` URL and reached through psycopg 3.  The schema is created
and upgraded only through Alembic (``junheng db upgrade``), never by
``create_all`` outside tests of the migration itself.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text

DEFAULT_DB_FILE = "junheng.db"
MIGRATIONS = Path(__file__).with_name("migrations")


def default_url() -> str:
    """``JUNHENG_DB`` if set, else a SQLite file ``junheng.db`` in the working directory."""
    return os.environ.get("JUNHENG_DB") or f"sqlite:///{DEFAULT_DB_FILE}"


def normalise_url(url: str) -> str:
    """Accept a bare path for SQLite and ``postgresql://`` for psycopg 3."""
    if "://" not in url:
        return f"sqlite:///{url}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str | None = None, *, echo: bool = False, server: bool = False) -> Engine:
    """The engine of ``url`` (default :func:`default_url`).  SQLite gets foreign keys and a 10 s busy timeout;
    ``server`` (the web app) also puts a file database in WAL mode, so readers do not wait for the writer."""
    url = normalise_url(url or default_url())
    if not url.startswith("sqlite"):
        return create_engine(url, echo=echo, pool_pre_ping=True)
    engine = create_engine(url, echo=echo)
    wal = server and engine.url.database not in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        if wal:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return engine


def write_lock(conn: Connection, *keys: str) -> None:
    """Serialise the rest of this transaction with every other one that locks one of ``keys``.

    Call it first in a transaction (``with engine.begin() as conn: write_lock(conn, "login.user:x")``);
    the locks last until commit or rollback, so keep that transaction short.  PostgreSQL: one
    transaction-scoped advisory lock (``pg_advisory_xact_lock``) per key, a 64-bit number from the
    key's SHA-256, taken in ascending order so two callers never deadlock.  SQLite has one writer
    at a time: ``BEGIN IMMEDIATE`` takes the database write lock now rather than at the first write,
    so a read-then-write transaction cannot interleave with another writer (it waits up to the
    ``busy_timeout`` set in :func:`make_engine`); ``keys`` are ignored there.  Other databases: no-op.
    """
    name = conn.dialect.name
    if name == "postgresql":
        ids = sorted({int.from_bytes(hashlib.sha256(k.encode()).digest()[:8], "big", signed=True) for k in keys})
        for lock_id in ids:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_id})
    elif name == "sqlite":
        dbapi = conn.connection.dbapi_connection
        # pysqlite (legacy transaction control) opens its own transaction only before a write,
        # which has then taken the write lock already
        if dbapi is not None and not dbapi.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "heads") -> None:
    """Bring the database at ``url`` to ``revision`` (creating it when empty)."""
    command.upgrade(alembic_config(url or default_url()), revision)


def current_heads(engine: Engine) -> tuple[str, ...]:
    """The revisions the database is at (one per migration branch not yet merged)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))


def script_heads() -> tuple[str, ...]:
    """The newest revision of each branch shipped with this version of Junheng."""
    from alembic.script import ScriptDirectory

    return tuple(sorted(ScriptDirectory.from_config(alembic_config(default_url())).get_heads()))
