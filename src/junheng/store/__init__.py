"""The registry store: SQLAlchemy tables, engines, migrations and table export."""

from junheng.store.engine import default_url, make_engine, upgrade

__all__ = ["default_url", "make_engine", "upgrade"]
