"""``junheng solve pmedian|cflp|sscflp FILE`` — solve an OR-Library facility-location file.

Each command calls :mod:`junheng.services.solve` (read the file, build the model, solve); the summary (objective, bound, gap, seconds, status, open sites) is printed
and optionally written as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from junheng.domain.labels import zh_map
from junheng.services import solve as S
from junheng.services.errors import ServiceError
from junheng.services.solve import Solved

console = Console(stderr=True)

solve_app = typer.Typer(
    help="求解选址模型（OR-Library 格式） / solve facility-location instances (OR-Library formats).",
    no_args_is_help=True,
)

FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="实例文件 / instance file")]
TimeOpt = Annotated[float, typer.Option("--time-limit", help="时间上限（秒） / time limit in seconds")]
JsonOpt = Annotated[Path | None, typer.Option("--json", help="结果写入 JSON 文件 / write the result as JSON")]
MethodOpt = Annotated[
    str, typer.Option("--method", help="auto | mip | heuristic（精确 MIP 或快速启发式） / solver method")
]


STATUS_ZH = zh_map("solve_status")


def _solve(fn: Callable[..., Solved], *args: Any, json_path: Path | None, **kwargs: Any) -> None:
    """Solve through the service; a malformed file prints why and exits with code 1, no solution with 2."""
    try:
        with console.status("求解中 / solving…"):
            solved = fn(*args, **kwargs)
    except ServiceError as exc:
        console.print(f"[red]{exc.zh}[/red]")
        raise typer.Exit(code=1) from exc
    result = solved.result
    if json_path is not None:
        json_path.write_text(json.dumps(solved.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    console.print(
        f"[bold]{solved.instance}[/bold] {solved.problem}: 状态 / status {STATUS_ZH[result.status]} ({result.status}); "
        f"目标值 / objective {result.objective:g}; 下界 / bound {result.bound:g}; "
        f"差距 / gap {result.gap:.4%}; 开设 / open {len(result.open_sites)}; {result.seconds:.2f} s"
    )
    if result.message:
        console.print(result.message)
    if result.status == "infeasible":
        raise typer.Exit(code=2)


@solve_app.command("pmedian")
def pmedian_cmd(
    file: FileArg,
    p: Annotated[
        int | None, typer.Option("--p", help="设施数（默认取文件中的 p） / number of medians")
    ] = None,
    time_limit: TimeOpt = 600.0,
    json_path: JsonOpt = None,
    method: MethodOpt = "auto",
) -> None:
    """p-中位问题（pmed 格式） / uncapacitated p-median (OR-Library pmed format)."""
    _solve(S.solve_pmedian, file, p=p, time_limit_s=time_limit, method=method, json_path=json_path)


@solve_app.command("cflp")
def cflp_cmd(
    file: FileArg,
    capacity: Annotated[
        float | None,
        typer.Option("--capacity", help="设施容量（文件中为 'capacity' 时必填） / facility capacity"),
    ] = None,
    time_limit: TimeOpt = 600.0,
    json_path: JsonOpt = None,
    method: MethodOpt = "auto",
) -> None:
    """有容量限制的选址（Beasley cap 格式，可分配） / capacitated FL, multi-source (Beasley cap format)."""
    _solve(S.solve_cflp, file, capacity=capacity, time_limit_s=time_limit, method=method, json_path=json_path)


@solve_app.command("sscflp")
def sscflp_cmd(
    file: FileArg,
    time_limit: TimeOpt = 600.0,
    json_path: JsonOpt = None,
    method: MethodOpt = "auto",
) -> None:
    """单一来源有容量选址（J I 格式） / single-source capacitated FL (J I format)."""
    _solve(S.solve_sscflp, file, time_limit_s=time_limit, method=method, json_path=json_path)


def register(app: typer.Typer) -> None:
    """Add the ``solve`` command group to the main app."""
    app.add_typer(solve_app, name="solve")
