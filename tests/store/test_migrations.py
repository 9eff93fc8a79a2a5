"""The migrations build exactly the schema the models describe, on both backends, with one head."""

from __future__ import annotations

from alembic import command

from junheng.store.engine import alembic_config, current_heads, make_engine, script_heads


def test_one_head_and_models_match_migrations(db_url: str) -> None:
    assert len(script_heads()) == 1  # every branch merged
    engine = make_engine(db_url)
    assert current_heads(engine) == script_heads()
    engine.dispose()
    # raises if autogenerate would emit any operation (model and migration disagree)
    command.check(alembic_config(db_url))
