"""``junheng aid audit``: the student-aid payment audit (学生资助发放核查, issue 15).

Thin over :func:`junheng.services.aid.audit_payments` as the CLI principal
(:func:`junheng.services.principal.local_actor`).  Children's names and ID
numbers are never printed: the console shows counts, the files go to the
officers.  Bad input (a missing column, a bad term, a bad rules file) is
printed with file, row, column, expected and found, and the command exits
with code 2.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from junheng.commands.common import fail_files

console = Console()
err_console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    aid_app = typer.Typer(help="学生资助 / student aid", no_args_is_help=True)
    app.add_typer(aid_app, name="aid")

    @aid_app.command("audit")
    def audit_cmd(
        roll: Annotated[Path, typer.Option(help="学籍 roll.csv（可含 boarder、stage 列）")],
        attendance: Annotated[Path, typer.Option(help="在校核查 attendance.csv")],
        payments: Annotated[Path, typer.Option(help="资助发放名单 payments.csv")],
        term: Annotated[str, typer.Option(help="学期 / term: 2026-1 春季, 2026-2 秋季")],
        out: Annotated[Path, typer.Option(help="输出目录 / output folder")],
        difficulty: Annotated[list[Path], typer.Option(
            help="家庭经济困难学生名单（格式同 poverty.csv，可多次）/ difficulty list(s)")],
        as_of: Annotated[str, typer.Option("--as-of", help="核查日期 / check date, e.g. 2026-11-30")] = "",
        schools: Annotated[Path | None, typer.Option(
            help="学校名单 schools.csv（school_code, township_code, school_name, school_type）")] = None,
        province: Annotated[str | None, typer.Option(
            help="省级区划代码，采用该省资助标准 / province code whose aid rules apply, e.g. 13")] = None,
        rules: Annotated[list[Path] | None, typer.Option(
            help="资助标准覆盖文件（TOML，可多次）/ aid rules override file(s)")] = None,
        engine: Annotated[str, typer.Option(help="duckdb（默认）或 spark / linkage engine")] = "duckdb",
        threshold: Annotated[float, typer.Option(help="自动匹配阈值 / match probability threshold")] = 0.9,
        issuer: Annotated[str, typer.Option(
            help="核查报告的发文单位 / issuing body of the Word report")] = "学生资助管理中心",
    ) -> None:
        """核查资助发放：虚报冒领、不在校、重复、不符合条件、金额不符，以及应助未助 / audit a term's aid payments."""
        from junheng.services import aid as A
        from junheng.services.errors import Invalid
        from junheng.services.principal import local_actor

        if engine not in ("duckdb", "spark"):
            err_console.print(f"--engine 应为 duckdb 或 spark / expected duckdb or spark: {engine}")
            raise typer.Exit(2)
        try:
            day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
        except ValueError:
            err_console.print(f"--as-of 日期应为 2026-11-30 格式 / expected a date like 2026-11-30: {as_of}")
            raise typer.Exit(2) from None
        files = A.AidFiles(roll=roll, attendance=attendance, payments=payments, difficulty=tuple(difficulty),
                           schools=schools)
        try:
            aid_rules = A.aid_rules(province, rules or [])
            with err_console.status("核查中 / auditing") as status:
                result = A.audit_payments(local_actor(), files, term=term, as_of=day, rules=aid_rules,
                                          engine=engine, threshold=threshold,
                                          progress=lambda f, m: status.update(f"{m} {f:.0%}"))
        except A.ImportRejected as e:
            fail_files(e.issues, 2)
            return
        except Invalid as e:
            err_console.print(f"[red]{e.zh}[/]" + ("" if e.en == e.zh else f"\n{e.en}"))
            raise typer.Exit(2) from None
        A.write_aid_outputs(result, aid_rules, out, issuer=issuer,
                            inputs=[p.name for p in (roll, attendance, *difficulty, payments, *([schools] if schools else []))])
        s = result.summary
        t = Table(title=f"{s['term']} 学期资助核查（核查日 {s['as_of']}）/ aid audit")
        t.add_column("项目")
        t.add_column("数量", justify="right")
        t.add_row("发放记录 payments", str(s["payments"]))
        t.add_row("其他学期（未核查）other terms", str(s["other_term"]))
        t.add_row("核查无误 valid", str(s["valid_payments"]))
        for reason, label in A.REASON_LABELS.items():
            t.add_row(f"{label} {reason}", str(s["exceptions"][reason]))
        t.add_row("应助未助 unpaid eligible", str(sum(s["unpaid"].values())))
        console.print(t)
        console.print(f"结果已写入 / written to [bold]{out}[/]")
