"""``junheng plan teachers``: staffing entitlement, shortages, transfers, rotation, 走教 and training.

The ``plan`` command group may be shared with the layout planner: ``register``
adds the command to an existing ``plan`` group when one is registered, and
creates the group otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from junheng.commands.common import fail, load_county, progress_spinner, reporter
from junheng.services import teachers as T
from junheng.services.errors import ServiceError
from junheng.services.principal import local_actor

console = Console()


def teachers_command(
    year: Annotated[int, typer.Option("--year", "-y", help="学年 / school year")] = 2025,
    db: Annotated[str | None, typer.Option("--db", help="数据库 URL / database URL (默认 JUNHENG_DB)")] = None,
    data: Annotated[Path | None, typer.Option("--data", help="数据工作簿 / data workbook (.xlsx) instead of the database")] = None,
    county: Annotated[str | None, typer.Option("--county", help="县级代码 / 6-digit county code (database only)")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="教师规划 Excel 工作簿 / Excel workbook")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="教师规划 JSON / plan as JSON")] = None,
    staffing: Annotated[list[Path] | None, typer.Option("--staffing-override", help="省级编制标准覆盖文件 / provincial staffing override (TOML)")] = None,
    curriculum: Annotated[Path | None, typer.Option("--curriculum", help="课程设置文件 / curriculum table (TOML)")] = None,
    max_km: Annotated[float, typer.Option("--max-km", help="调配最大直线距离（公里） / max straight-line km of a transfer")] = 30.0,
    immovable: Annotated[list[str] | None, typer.Option("--immovable", help="不参与调配的教师编号 / teacher IDs that cannot move")] = None,
) -> None:
    """教师规划：编制核定、学科缺额、调配、交流轮岗、走教与培训 / Teacher plan: entitlement, shortages, transfers, rotation, itinerant rounds, training."""
    actor = local_actor(county)
    with progress_spinner() as progress:
        task = progress.add_task("读取数据 / reading data …")
        cd = load_county(db=db, data=data, years=T.plan_years_of(year), county=county, actor=actor)
        try:
            plan = T.plan_county_teachers(actor, cd, year=year, staffing_overrides=staffing or (),
                                          curriculum=curriculum, max_km=max_km, immovable=immovable or (),
                                          progress=reporter(progress, task))
        except ServiceError as exc:
            fail(exc)
        progress.update(task, description="写出 / writing …")
        written = T.write_teacher_plan(plan, cd.county_code, xlsx=xlsx, json_path=json_out)
    _summary(plan)
    for p in written:
        console.print(f"已写出 / written: {p}")


def _summary(plan: T.TeacherPlan) -> None:
    d = plan.to_dict()
    t = Table(title=f"{d['year']}学年 教师规划 / teacher plan")
    t.add_column("项目 / item")
    t.add_column("数值 / value", justify="right")
    red, rot, tr = d["redistribution"], d["rotation"], d["training"]
    t.add_row("核定教职工 / staff entitled", str(d["entitlement"]["staff_entitled"]))
    t.add_row("现有教职工 / staff", f"{d['entitlement']['staff']:g}")
    t.add_row("学科缺额 调配前→后 / subject shortage before→after", f"{red['shortage_before']} → {red['shortage_after']}")
    t.add_row("调配人数、直线公里 / transfers, straight-line km", f"{red['moves']}, {red['total_km']:.1f}")
    if rot.get("infeasible"):
        t.add_row("交流轮岗 / rotation", "不可行 / infeasible: " + "；".join(rot["reasons"]))
    else:
        t.add_row("交流 / 配额 / rotated / quota", f"{rot['rotated']} / {rot['quota']}（符合条件 {rot['eligible']}）")
        t.add_row("骨干 / 配额 / backbone / quota", f"{rot['backbone_rotated']} / {rot['backbone_quota']}")
    t.add_row("走教线路 / itinerant rounds", str(d["itinerant"]["teachers"]))
    rate = tr["completion_rate"]
    t.add_row("360学时完成率 / training completion", "—" if rate is None else f"{rate:.1%}")
    br = d["indicators"]["bachelor_ratio"]

    def fmt(v: float | None) -> str:
        return "—" if v is None else f"{v:.3f}"

    t.add_row("城乡本科比例之比 前→后 / bachelor ratio", f"{fmt(br['before'])} → {fmt(br['after'])}（≤ 1.05）")
    console.print(t)


def register(app: typer.Typer) -> None:
    """Add ``plan teachers`` to the ``plan`` group, creating the group when no other module has."""
    for group in app.registered_groups:
        if group.name == "plan" and group.typer_instance is not None:
            group.typer_instance.command("teachers")(teachers_command)
            return
    plan_app = typer.Typer(help="规划 / planning: 教师 teachers …", no_args_is_help=True)
    plan_app.command("teachers")(teachers_command)
    app.add_typer(plan_app, name="plan")
