"""The web import's heavy work — checking a file, writing it — in a child process of its own.

Parsing and checking a large upload is Python work that holds the GIL for a
minute or more; in a worker thread of the web process it stalls every other
user's request, and the memory it takes stays with the web process (security
issue, finding 7).  So :func:`check_file` and :func:`import_file` run
:func:`junheng.io.check_files` / :func:`junheng.io.import_files` in a fresh
process (``python -m junheng.services.import_worker``: no copy of the
server's threads, sockets or caches) with a database engine of its own, at a
lower CPU priority (``nice`` + :data:`CHILD_NICE`), and under an address-space limit
(:data:`CHILD_ADDRESS_SPACE`): a file that would need more fails its job with
``MemoryError`` instead of starving the server.  Only the result travels back:
the issues (at most ``max_issues`` + 2) and the row counts, or the import's
summary.  The child process ends with its job, and its memory with it.

A database another process cannot open (in-memory SQLite) is checked in the
calling thread, as before.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import Engine

if TYPE_CHECKING:
    from junheng.io.errors import ValidationIssue
    from junheng.io.importer import ImportResult
    from junheng.io.scope import ImportScope

CHILD_NICE = 10  # the child yields the CPU to the web process's requests
CHILD_ADDRESS_SPACE: int | None = 4 * 2**30  # address space (RLIMIT_AS) the child may map; None: no limit
# (a check of 1,000,000 children maps ≈ 1.0 GiB, of which ≈ 0.6 GiB resident: docs/benchmarks.md, Upload guard)

T = TypeVar("T")


def _isolable(engine: Engine) -> bool:
    url = engine.url
    if url.get_backend_name() != "sqlite":
        return True
    db = url.database or ""
    return db not in ("", ":memory:") and "mode=memory" not in str(url)


def _limit_child(nice: int, address_space: int | None) -> None:
    with contextlib.suppress(OSError):  # not permitted: run at the same priority
        os.nice(nice)
    if address_space:
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = address_space if hard == resource.RLIM_INFINITY else min(address_space, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


class ChildFailed(RuntimeError):
    """The child process ended without a result (killed, out of memory, or an error it reported)."""


def _run(engine: Engine, fn: Callable[..., T], *args: Any) -> T:
    """``fn(engine_or_url, *args)`` in a child process (or here, for a database only this process can open).

    The child is ``python -m junheng.services.import_worker`` (never a re-import of the server's ``__main__``);
    the request (function, database URL, arguments) goes through its stdin — the URL may hold a password, so
    never on the command line — and the pickled result comes back in a file of a private temporary directory.
    """
    if not _isolable(engine):
        return fn(engine, *args)
    url = engine.url.render_as_string(hide_password=False)
    root = str(Path(__file__).resolve().parents[2])  # the directory holding the junheng package
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    with tempfile.TemporaryDirectory(prefix="junheng-import-") as tmp:
        out, err = Path(tmp) / "result.pickle", Path(tmp) / "stderr.txt"
        request = pickle.dumps(((CHILD_NICE, CHILD_ADDRESS_SPACE), fn.__name__, url, args, str(out)))
        with err.open("wb") as stderr:
            proc = subprocess.Popen([sys.executable, "-m", "junheng.services.import_worker"], stdin=subprocess.PIPE,
                                    stdout=subprocess.DEVNULL, stderr=stderr, env=env)
            try:
                assert proc.stdin is not None
                proc.stdin.write(request)
                proc.stdin.close()
                code = proc.wait()
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        if code != 0 or not out.exists():
            tail = err.read_bytes()[-2000:].decode("utf-8", "replace").strip()
            last = tail.splitlines()[-1] if tail else f"exit status {code}"
            raise ChildFailed(f"导入检查进程失败 / the import process failed: {last}")
        status, value = pickle.loads(out.read_bytes())
    if status == "error":
        raise ChildFailed(value)
    return cast(T, value)


def main() -> None:
    """The child: read one request from stdin, run it, write ``("ok", result)`` or ``("error", text)``."""
    limits, name, url, args, out = pickle.loads(sys.stdin.buffer.read())
    _limit_child(*limits)
    fns: dict[str, Callable[..., Any]] = {"_check": _check, "_import": _import}
    fn = fns[name]
    try:
        result: tuple[str, Any] = ("ok", fn(url, *args))
    except MemoryError:
        result = ("error", "内存不足：文件过大，请拆分后分批导入 / out of memory: split the file")
    except Exception as exc:  # reported to the job's user
        import traceback

        traceback.print_exc()
        result = ("error", f"{type(exc).__name__}: {exc}"[:2000])
    Path(out).write_bytes(pickle.dumps(result))


def _engine(db: Engine | str) -> tuple[Engine, bool]:
    if isinstance(db, Engine):
        return db, False
    from junheng.store.engine import make_engine

    return make_engine(db), True


def _check(db: Engine | str, path: str, scope: ImportScope | None, max_rows: int | None,
           max_issues: int | None) -> tuple[list[ValidationIssue], dict[str, int]]:
    from junheng.io.importer import check_files

    engine, own = _engine(db)
    try:
        sheets, issues, _ = check_files([path], engine=engine, scope=scope, max_rows=max_rows,
                                        max_issues=max_issues)
        return issues, {k: len(s.frame) for k, s in sheets.items() if len(s.frame)}
    finally:
        if own:
            engine.dispose()


def check_file(engine: Engine, path: str | Path, *, scope: ImportScope | None, max_rows: int | None,
               max_issues: int | None) -> tuple[list[ValidationIssue], dict[str, int]]:
    """:func:`junheng.io.check_files` of one file in a child process: (issues, rows per table of a clean file)."""
    return _run(engine, _check, str(path), scope, max_rows, max_issues)


def _import(db: Engine | str, job_id: int, path: str, user: str, scope: ImportScope | None, org_code: str,
            max_rows: int | None, max_issues: int | None) -> ImportResult | list[ValidationIssue]:
    from junheng.io.errors import ImportRejected
    from junheng.io.importer import import_files
    from junheng.services.jobs import JobContext

    engine, own = _engine(db)
    ctx = JobContext(engine, job_id)
    totals: dict[str, int] = {}

    def progress(key: str, done: int, total: int) -> None:
        # SQLite has one writer: the import's own transaction holds it, so progress is reported per table
        # only where another connection can write meanwhile (PostgreSQL).
        totals[key] = total
        if engine.dialect.name != "sqlite":
            ctx.progress(min(0.95, 0.1 + 0.85 * len(totals) / 9), f"写入 {key} {done}/{total}")

    try:
        return import_files(engine, [path], user=user, progress=progress, scope=scope, org_code=org_code,
                            max_rows=max_rows, max_issues=max_issues)
    except ImportRejected as rej:  # its issues travel back; the exception itself does not pickle
        return rej.issues
    finally:
        if own:
            engine.dispose()


def import_file(engine: Engine, job_id: int, path: str | Path, *, user: str, scope: ImportScope | None,
                org_code: str, max_rows: int | None, max_issues: int | None) -> ImportResult:
    """:func:`junheng.io.import_files` of one file in a child process (progress reported to job ``job_id``);
    raises ``ImportRejected`` with the issues, nothing written, as the function itself does."""
    from junheng.io.errors import ImportRejected

    out = _run(engine, _import, job_id, str(path), user, scope, org_code, max_rows, max_issues)
    if isinstance(out, list):
        raise ImportRejected(out)
    return out


if __name__ == "__main__":
    main()
