"""``junheng plan layout`` and ``junheng plan scenarios list|compare``: school layout planning."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from junheng.commands.common import fail, load_county, progress_spinner, reporter
from junheng.services import layout as L
from junheng.services import registry as R
from junheng.services.errors import ServiceError
from junheng.services.principal import local_actor

console = Console()


def layout_command(
    year: Annotated[int, typer.Option("--year", "-y", help="规划目标年 / target year")] = 2030,
    db: Annotated[str | None, typer.Option("--db", help="数据库 URL / database URL (默认 JUNHENG_DB)")] = None,
    data: Annotated[Path | None, typer.Option("--data", help="数据工作簿 / data workbook (.xlsx)")] = None,
    demo: Annotated[str | None, typer.Option("--demo", help="演示县代码 / demo county code (130431)")] = None,
    county: Annotated[str | None, typer.Option("--county", help="县级代码，仅规划该县 / 6-digit county code (database only)")] = None,
    rules: Annotated[Path | None, typer.Option("--rules", help="布局规则 TOML / layout rules (TOML)")] = None,
    variant: Annotated[str, typer.Option("--variant", help="出生预测方案 low|central|high / births variant")] = "central",
    osm: Annotated[Path | None, typer.Option("--osm", help="OSM 路网文件 .osm.pbf / road network (default: synthetic)")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="求解时限（秒）/ time limit (s)")] = 120.0,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Excel 方案 / workbook")] = None,
    map_html: Annotated[Path | None, typer.Option("--map", help="HTML 地图 / self-contained HTML map")] = None,
    png: Annotated[Path | None, typer.Option("--png", help="PNG 地图 / PNG map")] = None,
    docx: Annotated[Path | None, typer.Option("--docx", help="Word 方案 / Word report")] = None,
    save_scenario: Annotated[str | None, typer.Option("--save-scenario", help="保存为方案 / save as a scenario (needs --db or JUNHENG_DB)")] = None,
) -> None:
    """优化学校布局（保留/扩建/撤并/新建）/ Optimise the school layout for a target year and write the plan."""
    actor = local_actor(county)
    with progress_spinner() as progress:
        task = progress.add_task("读取数据 / reading data …")
        cd = R.demo_data(demo, children=False, teachers=False) if demo else \
            load_county(db=db, data=data, county=county, actor=actor, personal=False)
        try:
            plan = L.plan_layout(actor, cd, year=year, variant=variant, rules=rules, osm=osm,
                                 time_limit_s=time_limit, progress=reporter(progress, task))
            progress.update(task, description="写出 / writing outputs …")
            written = L.write_layout(plan, xlsx=xlsx, map_html=map_html, png=png, docx=docx)
            if save_scenario:
                engine = R.open_database(db)
                try:
                    L.save_plan(engine, actor, plan, save_scenario, replace=True)
                finally:
                    engine.dispose()
        except ServiceError as exc:
            fail(exc)
    s = plan.result.summary()
    t = Table(title=plan.title)
    t.add_column("项目 / item")
    t.add_column("值 / value", justify="right")
    for k in ("status", "objective", "bound", "gap", "seconds", "primary_schools", "junior_schools",
              "primary_boarders", "junior_boarders", "primary_teachers", "junior_teachers", "pupils_over_30_45"):
        v = s[k]
        t.add_row(k, f"{v:,.4f}" if k == "gap" else (f"{v:,.0f}" if isinstance(v, float) else str(v)))
    t.add_row("decisions", ", ".join(f"{k} {v}" for k, v in s["decisions"].items()))
    console.print(t)
    for p in written:
        console.print(f"已写出 / written: {p}")


scenarios_app = typer.Typer(help="布局方案 / layout scenarios", no_args_is_help=True)


@scenarios_app.command("list")
def scenarios_list(db: Annotated[str | None, typer.Option("--db", help="数据库 URL / database URL")] = None) -> None:
    """列出已保存的方案 / List saved scenarios with their procedure status."""
    engine = R.open_database(db)
    try:
        df = L.scenario_table(engine, local_actor())
    finally:
        engine.dispose()
    t = Table()
    for c in df.columns:
        t.add_column(c)
    for row in df.itertuples(index=False):
        t.add_row(*[str(x) for x in row])
    console.print(t)


@scenarios_app.command("compare")
def scenarios_compare(
    names: Annotated[list[str], typer.Argument(help="方案名称 / scenario names")],
    db: Annotated[str | None, typer.Option("--db", help="数据库 URL / database URL")] = None,
) -> None:
    """并列比较方案 / Compare scenarios side by side (schools, travel, boarders, cost, teachers)."""
    engine = R.open_database(db)
    try:
        df = L.compare_named(engine, local_actor(), names)
    except ServiceError as exc:
        fail(exc)
    finally:
        engine.dispose()
    t = Table()
    t.add_column("")
    for c in df.columns:
        t.add_column(str(c), justify="right")
    for idx, row in df.iterrows():
        t.add_row(str(idx), *[L.format_figure(str(idx), x) for x in row])
    console.print(t)


def register(app: typer.Typer) -> None:
    """Add ``plan layout`` and ``plan scenarios`` to the ``plan`` group (created when absent)."""
    for group in app.registered_groups:
        if group.name == "plan" and group.typer_instance is not None:
            group.typer_instance.command("layout")(layout_command)
            group.typer_instance.add_typer(scenarios_app, name="scenarios")
            return
    plan_app = typer.Typer(help="规划 / planning: 布局 layout …", no_args_is_help=True)
    plan_app.command("layout")(layout_command)
    plan_app.add_typer(scenarios_app, name="scenarios")
    app.add_typer(plan_app, name="plan")
