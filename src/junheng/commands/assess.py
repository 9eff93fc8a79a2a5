"""``junheng assess`` and ``junheng standards …``: assess a county against a standard pack, check pack files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from junheng.commands.common import load_input

console = Console()
err = Console(stderr=True)


def _county_name(tables: object) -> str:
    org = getattr(tables, "org_unit", None)
    if org is None or org.empty:
        return ""
    c = org[org["level"] == "county"]
    return str(c["name"].iloc[0]) if len(c) else ""


def assess_command(
    standard: Annotated[str, typer.Option("--standard", "-s", help="标准包代码或文件 / pack code or TOML file (yzjh-2017, jbjh-2012, xqph-2020, laiwu-2023 …)")] = "yzjh-2017",
    year: Annotated[int, typer.Option("--year", "-y", help="评估学年 / school year assessed")] = 2025,
    db: Annotated[str | None, typer.Option("--db", help="数据库 URL / database URL (默认 JUNHENG_DB)")] = None,
    data: Annotated[Path | None, typer.Option("--data", help="数据工作簿 / data workbook (.xlsx) instead of the database")] = None,
    override: Annotated[list[str] | None, typer.Option("--override", "-o", help="省级细则文件或代码 / provincial override file or code (hebei)")] = None,
    evidence: Annotated[Path | None, typer.Option("--evidence", "-e", help="佐证材料文件 / evidence file (.toml/.json)")] = None,
    docx: Annotated[Path | None, typer.Option("--docx", help="自评报告 Word 文件 / Word self-assessment report")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="评估 Excel 工作簿 / Excel workbook")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="评估结果 JSON / assessment JSON (docs/assessment-json.md)")] = None,
    county: Annotated[str | None, typer.Option("--county", help="县级代码，仅评估该县 / 6-digit county code (database only)")] = None,
) -> None:
    """按标准评估县域学校 / Assess the county's schools against a standard pack and write the reports."""
    from junheng.assess import assess
    from junheng.report import write_docx, write_json, write_xlsx
    from junheng.standards import PackError, load_evidence, load_pack

    try:
        pack = load_pack(standard, overrides=override or ())
        ev = load_evidence(evidence) if evidence else {}
    except (PackError, FileNotFoundError) as exc:
        err.print(f"[red]标准包或佐证文件有误 / invalid pack or evidence:[/red]\n{exc}")
        raise typer.Exit(2) from exc
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True) as progress:
        task = progress.add_task("读取数据 / reading data …")
        tables = load_input(db=db, data=data, years=[year - 2, year], county=county)
        if year not in tables.years:
            err.print(f"[red]数据中没有 {year} 学年 / no data for school year {year}[/red] (有 / found: {tables.years})")
            raise typer.Exit(2)
        progress.update(task, description="评估 / assessing …")
        a = assess(pack, tables, year=year, evidence=ev)
        progress.update(task, description="生成报告 / writing reports …")
        if json_out:
            write_json(a, json_out)
        if xlsx:
            write_xlsx(a, xlsx)
        if docx:
            write_docx(a, docx, county_name=_county_name(tables))
    _summary(a)
    for p in (json_out, xlsx, docx):
        if p:
            console.print(f"已写出 / written: {p}")


def _summary(a: object) -> None:
    from junheng.assess.results import VERDICT_ZH

    t = Table(title=f"{a.pack_name}（{a.pack_source}） {a.year}学年")  # type: ignore[attr-defined]
    t.add_column("部分 / part")
    t.add_column("结论 / verdict")
    t.add_column("原因 / reasons")
    for p in a.parts:  # type: ignore[attr-defined]
        t.add_row(p.name, VERDICT_ZH[p.verdict], "\n".join(p.reasons[:4]) + ("\n…" if len(p.reasons) > 4 else ""))
    console.print(t)
    console.print(f"总体结论 / overall: [bold]{VERDICT_ZH[a.verdict]}[/bold]")  # type: ignore[attr-defined]


standards_app = typer.Typer(help="标准包 / standard packs: 校验与列表 / check and list", no_args_is_help=True)


@standards_app.command("check")
def check_command(files: Annotated[list[Path], typer.Argument(help="标准包、规划包或省级细则 TOML 文件 / pack, plan or override files")]) -> None:
    """校验标准包文件，逐条列出错误（文件、键、原因） / Validate pack files and list every error with file and key."""
    from junheng.standards import check_pack_file

    bad = 0
    for f in files:
        issues = check_pack_file(f)
        if issues:
            bad += 1
            for i in issues:
                err.print(f"[red]{i.file}[/red]: [bold]{i.key}[/bold]: {i.message}")
        else:
            console.print(f"{f}: 通过校验 / valid")
    if bad:
        raise typer.Exit(1)


@standards_app.command("list")
def list_command() -> None:
    """列出内置标准包 / List the packs shipped with Junheng."""
    from junheng.standards import list_packs, load_pack

    for group, codes in list_packs().items():
        for code in codes:
            if group == "overrides":
                console.print(f"[{group}] {code}")
            else:
                p = load_pack(code)
                console.print(f"[{group}] {code}: {p.name}（{p.source}）")


def register(app: typer.Typer) -> None:
    app.command("assess")(assess_command)
    app.add_typer(standards_app, name="standards")
