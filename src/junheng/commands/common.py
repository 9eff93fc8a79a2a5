"""What the commands share: reading the registry (database or workbook), error tables, import progress."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from junheng.domain import fields as F
from junheng.domain.tables import YearTables
from junheng.io.errors import ValidationIssue

err_console = Console(stderr=True)
MAX_SHOWN = 200


def print_issues(issues: list[ValidationIssue], report: Path | None) -> None:
    """Print the validation issues as a table (first ``MAX_SHOWN``) and write them all to an Excel report."""
    from junheng.io.errors import write_error_report

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
        write_error_report(issues, report)
        err_console.print(f"错误报告已写入 / error report written: [bold]{report}[/]")


def load_input(*, db: str | None, data: Path | None, years: Iterable[int] | None = None,
               county: str | None = None) -> YearTables:
    """The registry from ``--data FILE`` (checked exactly like an import) or else from ``--db``.

    A workbook with errors prints them (and writes ``<file>_错误清单.xlsx``) and exits with code 2.
    """
    if data is not None:
        from junheng.io import ImportRejected, read_workbook

        try:
            book = read_workbook(data)
        except ImportRejected as exc:
            print_issues(exc.issues, Path(data).with_name(Path(data).stem + "_错误清单.xlsx"))
            raise typer.Exit(2) from None
        one_county(book)
        return book
    from junheng.store import make_engine
    from junheng.store.tables import load_tables

    engine = make_engine(db)
    try:
        tables = load_tables(engine, years=years, county=county)
    finally:
        engine.dispose()
    if county is None:
        one_county(tables)
    elif tables.school.empty:
        err_console.print(f"[red]数据库中没有县 {county} 的学校 / no schools of county {county} in the database[/red]")
        raise typer.Exit(2)
    return tables


def one_county(tables: YearTables) -> None:
    """Exit with code 2, naming the counties, when ``tables`` hold schools of more than one county: a report
    pooled over several counties under one county's name is wrong, so ``--county`` must choose."""
    counties = sorted({str(t)[:6] for t in tables.school["township_code"].dropna()})
    if len(counties) <= 1:
        return
    org = tables.org_unit
    county_rows = org[org["level"] == "county"] if not org.empty else org
    names = dict(zip(county_rows["code"].str[:6], county_rows["name"], strict=True)) if not org.empty else {}
    listed = "、".join(f"{names.get(c, '')}（{c}）" for c in counties)
    err_console.print(f"[red]数据中有 {len(counties)} 个县：{listed}；请用 --county 指定一个 / the data hold "
                      f"{len(counties)} counties ({', '.join(counties)}): choose one with --county[/red]")
    raise typer.Exit(2)


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
