"""Migration 0008t (supervision tasks) on both backends: the tables match the models, progress is append-only
in plain SQL, and a downgrade to 0007 removes them."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from junheng.store.engine import alembic_config, make_engine
from junheng.store.models import Base

TABLES = {"task_unit", "task", "task_link", "task_attachment", "task_progress"}


def _touches_tasks(diff: object) -> bool:
    items = diff if isinstance(diff, list) else [diff]
    return any(getattr(x, "name", None) in TABLES or getattr(getattr(x, "table", None), "name", None) in TABLES
               for item in items for x in (item if isinstance(item, tuple) else (item,)))


def test_task_tables_match_the_models_and_downgrade(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert [d for d in diffs if _touches_tasks(d)] == []
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO task (org_code, title, text, source, deadline, status, percent, milestones,"
                              " targets, created_by, created_at, version) VALUES ('130431000000', 't', '', '',"
                              " '2025-01-01', 'not_started', 0, '[]', '[]', 'x', '2025-01-01 00:00:00', 1)"))
            tid = conn.execute(text("SELECT id FROM task")).scalar_one()
            conn.execute(text("INSERT INTO task_progress (task_id, reported_on, percent, milestone, note, by, at) "
                              f"VALUES ({tid}, '2025-01-01', 10, '', '', 'x', '2025-01-01 00:00:00')"))
        for sql in ("UPDATE task_progress SET percent = 90", "DELETE FROM task_progress"):
            try:
                with engine.begin() as conn:
                    conn.execute(text(sql))
                raise AssertionError(f"not refused: {sql}")
            except Exception as exc:  # the trigger's refusal, on either backend
                assert "只能追加" in str(exc)
    finally:
        engine.dispose()
    command.downgrade(alembic_config(db_url), "0007")
    engine = make_engine(db_url)
    assert not TABLES & set(inspect(engine).get_table_names())
    engine.dispose()
    command.upgrade(alembic_config(db_url), "heads")
