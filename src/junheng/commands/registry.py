"""Registry commands: init, db upgrade, template, import, export, demo-data, summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from junheng.commands.common import err_console, fail, import_progress, print_issues
from junheng.domain import fields as F
from junheng.services import registry as R
from junheng.services.errors import ServiceError
from junheng.services.principal import local_actor

console = Console()

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="数据库地址（默认 JUNHENG_DB 或 ./junheng.db）/ database URL or SQLite file path"),
]

def register(app: typer.Typer) -> None:
    db_app = typer.Typer(help="数据库管理 / database management", no_args_is_help=True)
    app.add_typer(db_app, name="db")

    @db_app.command("upgrade")
    def db_upgrade(db: DbOption = None) -> None:
        """升级数据库结构到最新版本 / upgrade the database schema to the latest revision."""
        R.upgrade_database(db)
        console.print("数据库已是最新结构 / database schema is up to date")

    @app.command("init")
    def init(db: DbOption = None) -> None:
        """新建（或升级）数据库 / create (or upgrade) the database."""
        console.print(f"数据库已就绪 / database ready: {R.upgrade_database(db)}")

    @app.command("template")
    def template(
        path: Annotated[Path, typer.Argument(help="输出文件 / output .xlsx")] = Path("均衡数据模板.xlsx"),
        personal: Annotated[bool, typer.Option(help="包含儿童、教师个人信息表 / include personal-data sheets")] = True,
    ) -> None:
        """生成 Excel 数据模板（含说明和单元格校验）/ write the Excel data template."""
        R.write_template(path, personal=personal)
        console.print(f"模板已写入 / template written: [bold]{path}[/]")

    @app.command("import")
    def import_(
        files: Annotated[list[Path], typer.Argument(help="一个或多个 .xlsx / .csv 文件 / files to import")],
        db: DbOption = None,
        table: Annotated[str | None, typer.Option(
            help="CSV 对应的表（如 child、儿童）/ table of a CSV file, if not named after it")] = None,
        errors: Annotated[Path | None, typer.Option(
            help="错误报告 .xlsx 路径 / where to write the Excel error report")] = None,
        user: Annotated[str | None, typer.Option(help="导入人 / importing user")] = None,
        check: Annotated[bool, typer.Option("--check", help="只检查不写入 / validate only")] = False,
        max_rows: Annotated[int, typer.Option("--max-rows", min=1, help="每张表的行数上限 / row limit per sheet")] = R.MAX_ROWS,
        max_issues: Annotated[int, typer.Option("--max-issues", min=1, help="发现这么多处错误即停止 / stop after this many errors")] = R.MAX_ISSUES,
    ) -> None:
        """导入数据：全部通过才写入，否则不写入任何数据 / import, all or nothing."""
        engine = R.open_database(db)
        actor = local_actor()
        report = errors or Path(files[0]).with_name(Path(files[0]).stem + "_错误清单.xlsx")
        if check:
            issues = R.check_import(engine, actor, files, table=table, max_rows=max_rows, max_issues=max_issues)
            if issues:
                print_issues(issues, report)
                raise typer.Exit(1)
            console.print("检查通过 / no errors found")
            return
        with import_progress() as (bar, progress):
            try:
                result = R.import_registry(engine, actor, files, user=user, table=table, progress=progress,
                                           max_rows=max_rows, max_issues=max_issues)
            except R.ImportRejected as rej:
                bar.stop()
                print_issues(rej.issues, report)
                raise typer.Exit(1) from None
        t = Table(title=f"导入完成 / imported (批次 {result.batch_id}, {result.seconds:.1f} s)")
        t.add_column("表 / table")
        t.add_column("行数 / rows", justify="right")
        for key, n in result.counts.items():
            t.add_row(F.SHEETS_BY_KEY[key].zh, str(n))
        console.print(t)

    @app.command("export")
    def export(
        path: Annotated[Path, typer.Argument(help="输出 .xlsx / output file")],
        db: DbOption = None,
        year: Annotated[list[int] | None, typer.Option(help="学年，可多次 / school year(s)")] = None,
        county: Annotated[str | None, typer.Option(help="县级区划代码 / county code")] = None,
        personal: Annotated[bool, typer.Option(help="导出儿童、教师个人信息 / include personal data")] = False,
    ) -> None:
        """按模板格式导出数据 / export the registry in the template layout."""
        try:
            R.export_registry(R.open_database(db), local_actor(), path, years=year, county=county,
                              personal=personal)
        except ServiceError as exc:
            fail(exc)
        console.print(f"已导出 / exported: [bold]{path}[/]")

    @app.command("demo-data")
    def demo_data(
        county: Annotated[str, typer.Option(help="县级代码：130431 鸡泽县 / 630106 湟中区")] = "130431",
        seed: Annotated[int, typer.Option(help="随机种子 / random seed")] = 7,
        db: DbOption = None,
        xlsx: Annotated[Path | None, typer.Option(help="同时写出 Excel / also write the workbook")] = None,
        children: Annotated[bool, typer.Option(help="生成儿童个人记录 / generate children")] = True,
    ) -> None:
        """生成演示县数据并导入数据库 / build the demo county and import it."""
        R.upgrade_database(db)
        with err_console.status("生成演示县数据 / generating the demo county…"):
            data = R.demo_data(county, seed=seed, children=children)
        if xlsx is not None:
            R.write_template(xlsx, tables=data.tables)
        with import_progress() as (bar, progress):
            try:
                R.import_demo(R.open_database(db), local_actor(), data, source=f"demo-{county}-seed{seed}",
                              progress=progress)
            except R.ImportRejected as rej:
                bar.stop()
                print_issues(rej.issues, None)
                raise typer.Exit(1) from None
        _print_summary(db, county)

    @app.command("summary")
    def summary(db: DbOption = None,
                county: Annotated[str | None, typer.Option(help="县级代码 / county code")] = None) -> None:
        """数据概况：乡镇、各类学校、学生、教师 / registry summary."""
        _print_summary(db, county)


def _print_summary(db: str | None, county: str | None) -> None:
    from junheng.domain.enums import SchoolType, Stage

    s = R.summary(R.open_database(db), local_actor(), county=county)
    console.print(f"[bold]{s.county_name or '全部'}[/]  学年 {s.year or '—'}：乡镇 {s.townships} 个，村/社区 {s.villages} 个")
    t = Table(title="学校 / schools")
    t.add_column("办学类型")
    t.add_column("学校数", justify="right")
    for k, n in s.schools_by_type.items():
        t.add_row(SchoolType(k).label, str(n))
    console.print(t)
    t2 = Table(title="学生与教师 / students and teachers")
    for col in ("学段", "在校生", "班级", "专任教师"):
        t2.add_column(col, justify="right")
    for stage, (students, classes, teachers) in s.by_stage.items():
        t2.add_row(Stage(stage).label, f"{students:,}", f"{classes:,}", f"{teachers:,}")
    console.print(t2)
    console.print(f"儿童个人记录 {s.children:,} 条 / child records")
