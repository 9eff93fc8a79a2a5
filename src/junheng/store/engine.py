"""Database URLs, engines and migrations.

SQLite (a file) is the embedded default; PostgreSQL is selected by a
``postgresql://`` URL and reached through psycopg 3.  The schema is created
and upgraded only through Alembic (``junheng db upgrade``), never by
``create_all`` outside tests of the migration itself.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event

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


def make_engine(url: str | None = None, *, echo: bool = False) -> Engine:
    url = normalise_url(url or default_url())
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.close()

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


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
