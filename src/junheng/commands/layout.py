"""``junheng plan layout`` and ``junheng plan scenarios list|compare``: school layout planning."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from junheng.commands.common import load_input
from junheng.domain.tables import YearTables

console = Console()
err = Console(stderr=True)


def _tables(db: str | None, data: Path | None, demo: str | None, year: int, county: str | None = None) -> YearTables:
    if demo:
        from junheng.synth import generate_county

        return generate_county(demo, seed=7, children=False, teachers=False)
    return load_input(db=db, data=data, county=county)


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
    from junheng.plan.facility import InfeasibleModelError
    from junheng.plan.layout import SchoolLayout, load_layout_rules
    from junheng.plan.outputs import write_docx, write_html_map, write_png, write_xlsx

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True) as progress:
        task = progress.add_task("读取数据 / reading data …")
        tables = _tables(db, data, demo, year, county)
        base_year = max(tables.years)
        r = load_layout_rules(rules)
        network = None
        if osm is not None:
            from junheng.geo import read_osm_pbf

            progress.update(task, description="读取路网 / reading the road network …")
            network = read_osm_pbf(osm)
        progress.update(task, description="预测与建模 / projecting and building the model …")
        layout = SchoolLayout.from_tables(tables, year=year, rules=r, travel=network, variant=variant)
        progress.update(task, description=f"求解 / solving ({len(layout.pairs)} pairs) …")
        try:
            result = layout.solve(time_limit_s=time_limit)
        except InfeasibleModelError as exc:
            err.print(f"[red]无可行方案 / infeasible:[/red] {exc}")
            raise typer.Exit(2) from exc
        progress.update(task, description="写出 / writing outputs …")
        county = tables.org_unit[tables.org_unit["level"] == "county"]["name"]
        title = f"{county.iloc[0] if len(county) else ''}学校布局调整方案（{year} 年，{variant}）"
        if xlsx:
            write_xlsx(result, xlsx, sites=layout.sites)
        if map_html:
            write_html_map(result, map_html, sites=layout.sites, title=title)
        if png:
            write_png(result, png, sites=layout.sites, title=title)
        if docx:
            write_docx(result, docx, title=title, png=png)
        if save_scenario:
            from junheng.plan.scenario import save_scenario as save
            from junheng.plan.scenario import scenario_from_result
            from junheng.store import make_engine

            sc = scenario_from_result(save_scenario, result, base_year=base_year, variant=variant, tables=tables)
            save(make_engine(db), sc, replace_existing=True)
    s = result.summary()
    t = Table(title=title)
    t.add_column("项目 / item")
    t.add_column("值 / value", justify="right")
    for k in ("status", "objective", "bound", "gap", "seconds", "primary_schools", "junior_schools",
              "primary_boarders", "junior_boarders", "primary_teachers", "junior_teachers", "pupils_over_30_45"):
        v = s[k]
        t.add_row(k, f"{v:,.4f}" if k == "gap" else (f"{v:,.0f}" if isinstance(v, float) else str(v)))
    t.add_row("decisions", ", ".join(f"{k} {v}" for k, v in s["decisions"].items()))
    console.print(t)
    for p in (xlsx, map_html, png, docx):
        if p:
            console.print(f"已写出 / written: {p}")


scenarios_app = typer.Typer(help="布局方案 / layout scenarios", no_args_is_help=True)


@scenarios_app.command("list")
def scenarios_list(db: Annotated[str | None, typer.Option("--db", help="数据库 URL / database URL")] = None) -> None:
    """列出已保存的方案 / List saved scenarios with their procedure status."""
    from junheng.plan.scenario import list_scenarios
    from junheng.store import make_engine

    df = list_scenarios(make_engine(db))
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
    from junheng.plan.scenario import compare, format_figure, load_scenario
    from junheng.store import make_engine

    eng = make_engine(db)
    df = compare([(load_scenario(eng, n), None) for n in names])
    t = Table()
    t.add_column("")
    for c in df.columns:
        t.add_column(str(c), justify="right")
    for idx, row in df.iterrows():
        t.add_row(str(idx), *[format_figure(str(idx), x) for x in row])
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
