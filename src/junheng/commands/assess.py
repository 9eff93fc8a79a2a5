"""``junheng assess`` and ``junheng standards …``: assess a county against a standard pack, check pack files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from junheng.commands.common import fail, load_county, progress_spinner, reporter
from junheng.services import assessments as A
from junheng.services import standards as S
from junheng.services.errors import ServiceError
from junheng.services.principal import local_actor

console = Console()
err = Console(stderr=True)


def assess_command(
    standard: Annotated[str, typer.Option("--standard", "-s", help="标准包代码或文件 / pack code or TOML file (yzjh-2017, jbjh-2012, xqph-2020, laiwu-2023 …)")] = "yzjh-2017",
    year: Annotated[int, typer.Option("--year", "-y", help="评估学年 / school year assessed")] = 2025,
    db: Annotated[str | None, typer.Option("--db", help="数据库 URL / database URL (默认 JUNHENG_DB)")] = None,
    data: Annotated[Path | None, typer.Option("--data", help="数据工作簿 / data workbook (.xlsx) instead of the database")] = None,
    override: Annotated[list[str] | None, typer.Option("--override", "-o", help="省级细则文件或代码 / provincial override file or code (hebei)")] = None,
    evidence: Annotated[Path | None, typer.Option("--evidence", "-e", help="佐证材料文件 / evidence file (.toml/.json)")] = None,
    docx: Annotated[Path | None, typer.Option("--docx", help="自评报告 Word 文件 / Word self-assessment report")] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="自评报告 PDF（需安装 LibreOffice） / PDF of the report (needs LibreOffice)")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="评估 Excel 工作簿 / Excel workbook")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="评估结果 JSON / assessment JSON (docs/assessment-json.md)")] = None,
    county: Annotated[str | None, typer.Option("--county", help="县级代码，仅评估该县 / 6-digit county code (database only)")] = None,
) -> None:
    """按标准评估县域学校 / Assess the county's schools against a standard pack and write the reports."""
    actor = local_actor(county)
    with progress_spinner() as progress:
        task = progress.add_task("读取数据 / reading data …")
        cd = load_county(db=db, data=data, years=A.assessment_years(year), county=county, actor=actor)
        try:
            a = A.assess_county(actor, cd, pack=standard, year=year, overrides=override or (), evidence=evidence,
                                progress=reporter(progress, task))
        except ServiceError as exc:
            fail(exc)
        progress.update(task, description="生成报告 / writing reports …")
        try:
            written = A.write_assessment(a, cd.county_name, json=json_out, xlsx=xlsx, docx=docx, pdf=pdf)
        except ServiceError as exc:
            fail(exc)
    _summary(a)
    for p in written:
        console.print(f"已写出 / written: {p}")
    if pdf is not None and not A.pdf_supported():
        err.print(f"未安装 LibreOffice（soffice），未生成 PDF：{pdf}；请安装 LibreOffice 后重试，或用 Word 打开 DOCX 另存为 PDF / "
                  f"LibreOffice (soffice) is not installed, so {pdf} was not written: install it, or save the DOCX "
                  "as PDF from Word", soft_wrap=True)


def _summary(a: A.Assessment) -> None:
    t = Table(title=f"{a.pack_name}（{a.pack_source}） {a.year}学年")
    t.add_column("部分 / part")
    t.add_column("结论 / verdict")
    t.add_column("原因 / reasons")
    for p in a.parts:
        t.add_row(p.name, S.verdict_label(p.verdict), "\n".join(p.reasons[:4]) + ("\n…" if len(p.reasons) > 4 else ""))
    console.print(t)
    console.print(f"总体结论 / overall: [bold]{S.verdict_label(a.verdict)}[/bold]")


standards_app = typer.Typer(help="标准包 / standard packs: 校验与列表 / check and list", no_args_is_help=True)


@standards_app.command("check")
def check_command(files: Annotated[list[Path], typer.Argument(help="标准包、规划包或省级细则 TOML 文件 / pack, plan or override files")]) -> None:
    """校验标准包文件，逐条列出错误（文件、键、原因） / Validate pack files and list every error with file and key."""
    bad = 0
    for f in files:
        issues = S.check_pack_file(f)
        if issues:
            bad += 1
            for i in issues:
                err.print(f"[red]{i.file}[/red]: [bold]{i.key}[/bold]: {i.message}", soft_wrap=True)
        else:
            console.print(f"{f}: 通过校验 / valid")
    if bad:
        raise typer.Exit(1)


@standards_app.command("list")
def list_command() -> None:
    """列出内置标准包 / List the packs shipped with Junheng."""
    for info in S.pack_catalogue():
        console.print(f"[{info.group}] {info.code}" + (f": {info.name}（{info.source}）" if info.name else ""))


def register(app: typer.Typer) -> None:
    app.command("assess")(assess_command)
    app.add_typer(standards_app, name="standards")
