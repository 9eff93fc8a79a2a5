"""What the commands share: the county a command works on (through :mod:`junheng.services.registry`), error
tables, refusals, progress."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from junheng.domain import fields as F
from junheng.services import registry as R
from junheng.services.authz import Actor
from junheng.services.errors import ServiceError
from junheng.services.principal import local_actor
from junheng.services.registry import ValidationIssue

err_console = Console(stderr=True)
MAX_SHOWN = 200


def print_issues(issues: list[ValidationIssue], report: Path | None) -> None:
    """Print the validation issues as a table (first ``MAX_SHOWN``) and write them all to an Excel report."""
    table = Table(title=f"发现 {len(issues)} 处错误，未导入任何数据 / {len(issues)} errors, nothing imported")
    for col in ("代码", "工作表", "行", "列", "应为", "实为", "说明"):
        table.add_column(col, overflow="fold")
    for i in issues[:MAX_SHOWN]:
        table.add_row(i.code, i.sheet, "" if i.row is None else str(i.row), i.column, i.expected, i.found,
                      i.message or i.title)
    err_console.print(table)
    if len(issues) > MAX_SHOWN:
        err_console.print(f"（仅显示前 {MAX_SHOWN} 条，完整清单见错误报告 / first {MAX_SHOWN} shown）")
    if report is not None:
        R.write_error_report(issues, report)
        err_console.print(f"错误报告已写入 / error report written: [bold]{report}[/]")


def fail_files(issues: Sequence[ValidationIssue], code: int) -> NoReturn:
    """Print the issues of rejected input files (code, file, row, column, expected, found; the first
    ``MAX_SHOWN``) and exit with ``code``: nothing was processed."""
    table = Table(title=f"发现 {len(issues)} 处错误，未处理任何数据 / {len(issues)} errors, nothing done")
    for col in ("代码", "文件", "行", "列", "应为", "实为"):
        table.add_column(col, overflow="fold")
    for i in issues[:MAX_SHOWN]:
        table.add_row(i.code, i.file, "" if i.row is None else str(i.row), i.column, i.expected, i.found)
    err_console.print(table)
    raise typer.Exit(code)


def fail(exc: ServiceError, code: int = 2) -> NoReturn:
    """Print a service's refusal (Chinese / English) and exit with ``code``."""
    err_console.print(f"[red]{exc.zh}[/red]" + (f" / {exc.en}" if exc.en and exc.en != exc.zh else ""))
    raise typer.Exit(code)


def load_county(*, db: str | None, data: Path | None, years: Iterable[int] | None = None,
                county: str | None = None, actor: Actor | None = None, personal: bool = True) -> R.CountyData:
    """The county a command works on: ``--data FILE`` (checked exactly like an import) or else ``--db``.

    A workbook with errors prints them (and writes ``<file>_错误清单.xlsx``) and exits with code 2; several
    counties without ``--county``, or a county without schools, print why and exit with code 2.
    """
    try:
        if data is not None:
            try:
                return R.workbook_data(data)
            except R.ImportRejected as exc:
                print_issues(exc.issues, Path(data).with_name(Path(data).stem + "_错误清单.xlsx"))
                raise typer.Exit(2) from None
        engine = R.open_database(db)
        try:
            return R.county_data(engine, actor or local_actor(county), county=county, years=years,
                                 personal=personal)
        finally:
            engine.dispose()
    except ServiceError as exc:
        fail(exc)


def progress_spinner() -> Progress:
    """The transient spinner a long command shows on stderr while a service reports progress."""
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err_console, transient=True)


def reporter(progress: Progress, task: TaskID) -> Callable[[float, str], None]:
    """A service's progress callback that shows its message on the spinner."""
    def report(fraction: float, message: str = "") -> None:
        if message:
            progress.update(task, description=f"{message} …")

    return report


@contextmanager
def import_progress() -> Iterator[tuple[Progress, Callable[[str, int, int], None]]]:
    """A progress bar per table written by an import; yields the bar and the importer's callback."""
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=err_console, transient=True)
    tasks: dict[str, TaskID] = {}

    def progress(key: str, done: int, total: int) -> None:
        if key not in tasks:
            tasks[key] = bar.add_task(f"写入 {F.SHEETS_BY_KEY[key].zh}", total=total)
        bar.update(tasks[key], completed=done)

    with bar:
        yield bar, progress
