"""In-process cache of derived page data, keyed by the version of the data it was derived from.

Pages such as the dashboard and the school page aggregate registry rows that
change only on an import, an edit or a finished assessment.  Their results are
cached per server process under a key that *contains the data version*, so a
write anywhere (in this process, another ``junheng serve`` worker or the CLI)
changes the key and the next request recomputes: nothing is ever invalidated
by hand and nothing stale is served.  Authorisation is never cached: the
services check the actor on every request and put the actor's scope in the key
when the result depends on it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy import Engine, func, select

from junheng.store.models import ImportBatch

CACHE_SIZE = 256
_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_lock = threading.Lock()
T = TypeVar("T")


def registry_version(engine: Engine) -> tuple[str, int, int]:
    """(the database, number of import batches, newest batch id).

    Every registry write is an import (``junheng.io.importer._commit``), which
    inserts one ``import_batch`` row in the same transaction as the data; the
    count changes even when imports commit out of id order.  The database's URL
    is part of the version, so two databases served by one process (tests, a
    city's tools) never share an entry.
    """
    t = ImportBatch.__table__
    with engine.connect() as conn:
        n, newest = conn.execute(select(func.count(), func.max(t.c.id)).select_from(t)).one()
    return engine.url.render_as_string(hide_password=True), int(n), int(newest or 0)


def cached(key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """The value cached under ``key``, computed (outside the lock) if absent; exceptions are not cached."""
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return cast(T, _cache[key])
    value = compute()
    with _lock:
        _cache[key] = value
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def clear() -> None:
    """Forget everything (tests; never needed for correctness)."""
    with _lock:
        _cache.clear()
