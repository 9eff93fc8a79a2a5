"""``junheng tasks``: supervision tasks (督导任务) — import from the Excel template, load a ready list, list, report.

Thin over :mod:`junheng.services.tasks`; the CLI acts as the county's administrator (``--county``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from junheng.commands.common import fail, fail_files
from junheng.services import registry as R
from junheng.services import tasks as T
from junheng.services.errors import Invalid, ServiceError
from junheng.services.principal import local_actor

console = Console()
DbOpt = Annotated[str | None, typer.Option("--db", help="数据库 URL / database URL (默认 JUNHENG_DB)")]
CountyOpt = Annotated[str, typer.Option("--county", "-c", help="县区划代码（6 位）/ county code")]


def register(app: typer.Typer) -> None:
    tasks_app = typer.Typer(help="督导任务 / supervision tasks", no_args_is_help=True)
    app.add_typer(tasks_app, name="tasks")

    @tasks_app.command("template")
    def template_cmd(out: Annotated[Path, typer.Argument(help="输出 .xlsx / output workbook")]) -> None:
        """写出任务导入模板 / Write the task import template."""
        out.write_bytes(T.template_bytes())
        console.print(f"已写出 / written: {out}")

    @tasks_app.command("import")
    def import_cmd(file: Annotated[Path, typer.Argument(help="填好的模板 / filled-in template")], county: CountyOpt,
                   db: DbOpt = None) -> None:
        """导入任务（全部或全不）/ Import tasks from the template, all or nothing."""
        engine = R.open_database(db)
        try:
            ids = T.import_tasks(engine, local_actor(county), file.read_bytes(), county=county, file=file.name)
        except R.ImportRejected as exc:
            fail_files(exc.issues, 1)
        except ServiceError as exc:
            fail(exc)
        finally:
            engine.dispose()
        console.print(f"已导入 {len(ids)} 项任务 / {len(ids)} tasks imported")

    @tasks_app.command("load")
    def load_cmd(plan: Annotated[str, typer.Argument(help="任务清单 / ready list (xining-2017)")], county: CountyOpt,
                 deadline_year: Annotated[int, typer.Option("--deadline-year", help="完成时限年份 / deadline year")],
                 db: DbOpt = None) -> None:
        """载入现成任务清单（如西宁 29 项任务）/ Load a ready task list for a county."""
        engine = R.open_database(db)
        try:
            ids = T.load_plan(engine, local_actor(county), plan, county=county, deadline_year=deadline_year)
        except ServiceError as exc:
            fail(exc)
        finally:
            engine.dispose()
        console.print(f"已载入 {len(ids)} 项任务 / {len(ids)} tasks loaded")

    @tasks_app.command("list")
    def list_cmd(county: CountyOpt, db: DbOpt = None,
                 status: Annotated[str | None, typer.Option(help="状态代码 / status code")] = None) -> None:
        """列出任务（逾期在前）/ List the county's tasks, overdue first."""
        engine = R.open_database(db)
        try:
            page = T.list_tasks(engine, local_actor(county), county=county, status=status, per_page=100)
            rows = list(page.rows)
            while len(rows) < page.total:  # every task, a page of 100 at a time
                more = T.list_tasks(engine, local_actor(county), county=county, status=status, per_page=100,
                                    page=page.page + 1)
                if not more.rows:
                    break
                rows += more.rows
                page = more
        except ServiceError as exc:
            fail(exc)
        finally:
            engine.dispose()
        t = Table(title=f"督导任务（{page.total} 项）")
        for col in ("编号", "任务", "牵头单位", "配合单位", "完成时限", "进度", "状态"):
            t.add_column(col, overflow="fold")
        for r in rows:
            t.add_row(str(r.id), r.title, r.lead, "、".join(r.units[1:]), r.deadline.isoformat(), f"{r.percent}%",
                      r.status_label)
        console.print(t)

    @tasks_app.command("report")
    def report_cmd(task_id: Annotated[int, typer.Argument(help="任务编号 / task id")], county: CountyOpt,
                   percent: Annotated[int, typer.Option("--percent", help="完成百分比 0–100")],
                   note: Annotated[str, typer.Option("--note", help="说明 / note")] = "",
                   by: Annotated[str | None, typer.Option("--by", help="报告人（记作 cli:NAME）/ reported by")] = None,
                   on: Annotated[str | None, typer.Option("--on", help="进度日期 YYYY-MM-DD（默认今天）")] = None,
                   evidence: Annotated[Path | None, typer.Option("--evidence", help="证明材料 PDF/JPG/DOCX")] = None,
                   db: DbOpt = None) -> None:
        """报告任务进度 / Report a task's progress."""
        engine = R.open_database(db)
        actor = local_actor(county)
        if by:  # who reports, as JUNHENG_CLI_USER would name them (the audit log records the same name)
            actor = replace(actor, username=f"cli:{by}"[:64])
        try:
            day = dt.date.fromisoformat(on) if on else None
        except ValueError:
            fail(Invalid("进度日期格式应为 YYYY-MM-DD", "the date must be YYYY-MM-DD"))
        try:
            version = T.get_task(engine, actor, task_id).row.version
            ev = T.Attachment(evidence.name, evidence.read_bytes()) if evidence else None
            row = T.report_progress(engine, actor, task_id, version=version, percent=percent,
                                    note=note, on=day, evidence=ev)
        except ServiceError as exc:
            fail(exc)
        finally:
            engine.dispose()
        console.print(f"任务 {row.id}：{row.percent}% {row.status_label}")
