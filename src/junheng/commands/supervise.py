"""``junheng supervise``: every county under an org unit assessed on its own, ranked side by side, with the
以奖代补 and 通报批评 lists and the 督导报告."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from junheng.commands.common import fail, progress_spinner, reporter
from junheng.services import registry as R
from junheng.services import standards as S
from junheng.services import supervision as SV
from junheng.services.errors import ServiceError
from junheng.services.principal import local_actor

console = Console()


def supervise_command(
    year: Annotated[int, typer.Option("--year", "-y", help="督导学年 / school year")] = 2025,
    standard: Annotated[str, typer.Option("--standard", "-s", help="标准包代码或文件 / pack code or TOML file")] = "yzjh-2017",
    db: Annotated[str | None, typer.Option("--db", help="数据库 URL / database URL (默认 JUNHENG_DB)")] = None,
    org: Annotated[str | None, typer.Option("--org", help="区划代码（2/4/6 或 12 位），默认全部县 / org unit code (default: every county)")] = None,
    override: Annotated[list[str] | None, typer.Option("--override", "-o", help="省级细则文件或代码 / provincial override")] = None,
    rules: Annotated[Path | None, typer.Option("--rules", help="排名规则 TOML / ranking rules file (默认内置)")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="督导结果 JSON / supervision JSON (docs/supervision-json.md)")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="对比 Excel 工作簿 / Excel workbook")] = None,
    docx: Annotated[Path | None, typer.Option("--docx", help="督导报告 Word 文件 / Word supervision report")] = None,
) -> None:
    """逐县评估并排名，列出以奖代补与通报批评建议名单 / Assess every county under an org unit and rank them."""
    actor = local_actor()
    engine = R.open_database(db)
    try:
        with progress_spinner() as progress:
            task = progress.add_task("读取数据 / reading data …")
            rnd = SV.supervise(engine, actor, year=year, pack=standard, org=org, overrides=override or (),
                               rules=rules, progress=reporter(progress, task))
            progress.update(task, description="生成报告 / writing reports …")
            written = SV.write_supervision(rnd, json=json_out, xlsx=xlsx, docx=docx)
    except ServiceError as exc:
        fail(exc)
    finally:
        engine.dispose()
    _table(rnd)
    for p in written:
        console.print(f"已写出 / written: {p}")


def _table(rnd: SV.SupervisionRound) -> None:
    s = rnd.result
    t = Table(title=f"{rnd.org_name or '全部县'} {s.year}学年 督导排名（{s.rules.name}）")
    for col in ("排名", "代码", "县", "结论", "得分", "以奖代补 / 通报批评"):
        t.add_column(col)
    for r in s.rows:
        lists = "以奖代补：" + r.reward_reason if r.reward_reason else ""
        if r.criticism_reasons:
            lists = "通报批评：" + "；".join(r.criticism_reasons)
        t.add_row("—" if r.rank is None else str(r.rank), r.code[:6], r.name, S.verdict_label(r.verdict),
                  "—" if r.score is None else f"{r.score:.1f}", lists or r.note)
    console.print(t)
    for note in rnd.notes:
        console.print(f"注 / note: {note}")


def register(app: typer.Typer) -> None:
    app.command("supervise")(supervise_command)
