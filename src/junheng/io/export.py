"""Export the registry back into the template (the same layout the importer reads)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine

from junheng.io.template import write_workbook
from junheng.store.tables import load_tables


def export_workbook(engine: Engine, path: str | Path, *, years: Iterable[int] | None = None,
                    county: str | None = None, personal: bool = False) -> Path:
    """Write the registry (optionally some years / one county) as a template workbook.

    Personal data (children, individual teachers) is written only when
    ``personal`` is true.
    """
    tables = load_tables(engine, years=years, county=county, personal=personal)
    return write_workbook(path, tables, personal=personal)
