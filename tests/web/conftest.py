"""Web fixtures: a fresh database (both backends) with the tiny county and one user per role (see support.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from web.support import WebEnv, seed


@pytest.fixture
def web(db_url: str) -> Iterator[WebEnv]:
    from junheng.services.settings import Settings
    from junheng.web import create_app

    seed(db_url)
    app = create_app(Settings(db_url=db_url))
    yield WebEnv(app, db_url)
    app.state.web.runner.shutdown()
    app.state.web.engine.dispose()
