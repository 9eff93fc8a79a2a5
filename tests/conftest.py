"""Shared fixtures: a database on each backend (SQLite file and a real PostgreSQL), and ``../shared``.

PostgreSQL tests create a database of their own (``junheng_test_<random>``) on
the server named by ``JUNHENG_TEST_PG`` (default the local server at
127.0.0.1:5432, user postgres) and drop it afterwards; they touch no other
database.  Set ``JUNHENG_TEST_PG=off`` to run SQLite only (CI never does).

Tests that read ``../shared`` (the shared data directory beside the repository:
the real village lists, boundaries and national series behind the demo county,
the OR-Library instances) say so when it is missing: they are skipped with the
message :data:`SHARED_NEEDED` — or fail with it when ``$CI`` is set, since CI
has the directory.  A test asks for it with the ``shared_dir`` fixture; a test
that reaches it through the library (``generate_county`` → ``find_data_dir``)
is recognised by the error the library raises (:func:`pytest_runtest_makereport`).
See ``docs/dev/testing.md``.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from backends import BACKENDS, migrated_database

SHARED = Path(__file__).resolve().parents[2] / "shared"
"""Where ``../shared`` is expected (``$JUNHENG_SHARED_DATA`` may name its ``data`` folder elsewhere)."""
SHARED_NEEDED = ("needs ../shared (the shared data directory beside the repository, or $JUNHENG_SHARED_DATA "
                 "naming its data folder)")


def shared_missing(why: str) -> NoReturn:
    """Skip the test because ``../shared`` is missing — or fail when ``$CI`` is set (CI must have it)."""
    message = f"{SHARED_NEEDED}: {why}"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ``../shared`` directory, its ``data`` folder found as the library finds it (``find_data_dir``)."""
    from junheng.synth import find_data_dir

    try:
        return find_data_dir().parent
    except FileNotFoundError as exc:
        shared_missing(str(exc))


def _needs_shared(exc: BaseException) -> bool:
    """Whether ``exc`` says ``../shared`` is missing: ``find_data_dir`` found no data folder, or a file under
    :data:`SHARED` does not exist."""
    if not isinstance(exc, FileNotFoundError):
        return False
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "find_data_dir":
            return True
        tb = tb.tb_next
    return exc.filename is not None and Path(str(exc.filename)).resolve().is_relative_to(SHARED)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, None]:
    """A test (or its fixture) that failed because ``../shared`` is missing is reported as needing it: skipped
    with :data:`SHARED_NEEDED`, or failed with it under ``$CI``."""
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is None or not report.failed or not _needs_shared(call.excinfo.value):
        return
    message = f"{SHARED_NEEDED}: {call.excinfo.value}"
    if os.environ.get("CI"):
        report.longrepr = message
    else:
        path, lineno, _ = item.reportinfo()
        report.outcome = "skipped"
        report.longrepr = (str(path), (lineno or 0) + 1, f"Skipped: {message}")


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
