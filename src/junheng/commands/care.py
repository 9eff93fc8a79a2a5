"""Commands of 控辍保学: ``junheng registry check`` (四查三比对) and ``junheng case …`` (一人一案).

Children's names and ID numbers are never printed: the console shows counts,
case lists show masked values; the ledgers go to files for the officers.
The case commands reach the store only through :mod:`junheng.services.care`,
as the CLI principal (:func:`junheng.services.principal.local_actor`), so
their reads and writes are checked and audited like the web's (user
``cli:<OS user>``); ``--by`` names the officer the case's history records.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from junheng.commands.common import fail_files

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="数据库地址（默认 JUNHENG_DB 或 ./junheng.db）/ database URL or SQLite file path"),
]
ByOption = Annotated[str, typer.Option("--by", help="操作人 / who acts")]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"日期应为 2026-09-01 格式 / expected a date like 2026-09-01: {text}") from None


def register(app: typer.Typer) -> None:
    reg_app = typer.Typer(help="人员名单比对（四查三比对）/ person registries and matching", no_args_is_help=True)
    case_app = typer.Typer(help="控辍保学一人一案 / one case per child", no_args_is_help=True)
    app.add_typer(reg_app, name="registry")
    app.add_typer(case_app, name="case")

    @reg_app.command("check")
    def check_cmd(
        population: Annotated[Path, typer.Option(help="户籍 population.csv / .xlsx")],
        roll: Annotated[Path, typer.Option(help="学籍 roll.csv")],
        attendance: Annotated[Path, typer.Option(help="在校 attendance.csv")],
        out: Annotated[Path, typer.Option(help="输出目录 / output folder")],
        poverty: Annotated[Path | None, typer.Option(help="脱贫户/监测户 poverty.csv")] = None,
        dibao: Annotated[Path | None, typer.Option(help="低保/特困 dibao.csv")] = None,
        disability: Annotated[Path | None, typer.Option(help="残联 disability.csv")] = None,
        left_behind: Annotated[Path | None, typer.Option("--left-behind", help="留守 left_behind.csv")] = None,
        exceptions: Annotated[Path | None, typer.Option(help="合理例外（附证明）exceptions.csv")] = None,
        completed: Annotated[Path | None, typer.Option(
            help="已完成义务教育名单（初中毕业、高中阶段学籍，附证明）completed.csv")] = None,
        decisions: Annotated[Path | None, typer.Option(help="人工核对结果（填好的 review.csv）")] = None,
        as_of: Annotated[str, typer.Option("--as-of", help="核查日期 / check date, e.g. 2026-09-01")] = "",
        cutoff: Annotated[str, typer.Option(
            help="入学年龄截止月-日，默认取适龄规则 / age cut-off MM-DD (default: the school-age rule's)")] = "",
        province: Annotated[str | None, typer.Option(
            help="省级区划代码，采用该省适龄规则 / province code whose school-age rule applies, e.g. 13")] = None,
        rules: Annotated[list[Path] | None, typer.Option(
            help="适龄规则覆盖文件（TOML，可多次）/ school-age rule override file(s)")] = None,
        engine: Annotated[str, typer.Option(help="duckdb（默认）或 spark / linkage engine")] = "duckdb",
        threshold: Annotated[float, typer.Option(help="自动匹配阈值 / match probability threshold")] = 0.9,
        review_floor: Annotated[float, typer.Option(help="低于此概率不进入人工核对 / review floor")] = 0.5,
    ) -> None:
        """比对户籍、学籍、在校和帮扶名单，输出三本台账 / run the 四查三比对 comparisons and write the ledgers."""
        from junheng.services import care as K
        from junheng.services.errors import Invalid

        day = _date(as_of) if as_of else dt.date.today()
        try:
            rule = K.school_age_rule(province, rules or [], cutoff=cutoff)
        except Invalid as e:
            raise typer.BadParameter(e.zh) from None
        files = {"population": population, "roll": roll, "attendance": attendance, "poverty": poverty,
                 "dibao": dibao, "disability": disability, "left_behind": left_behind, "completed": completed}
        try:
            with err_console.status("读取名单 / reading registries"):
                regs = K.read_registries(files, exceptions=exceptions, decisions=decisions)
        except K.ImportRejected as e:
            fail_files(e.issues, 1)
            return
        with err_console.status(f"比对中（{engine}）/ matching"):
            s = K.check_registries(regs, out, as_of=day, rule=rule, engine=engine, threshold=threshold,
                                   review_floor=review_floor)
        t = Table(title=f"核查结果 {day}（适龄 {rule.min_age}–{rule.max_age} 周岁）/ check results")
        t.add_column("项目")
        t.add_column("数量", justify="right")
        for label, key in (("适龄儿童 school-age", "school_age"), ("失学 out of school", "out_of_school"),
                           ("疑似辍学 suspected dropouts", "suspected_dropouts"), ("重点关注 priority", "priority"),
                           ("待人工核对 review", "review")):
            t.add_row(label, str(s[key]))
        t.add_row("已完成义务教育 completed", str(s["completed"]["children"]))
        for m, n in s["links"].items():
            t.add_row(f"匹配 links ({m})", str(n))
        console.print(t)
        console.print(f"台账已写入 / ledgers written to [bold]{out}[/]")

    @case_app.command("open")
    def case_open(
        run: Annotated[Path, typer.Argument(help="registry check 的输出目录 / a check's output folder")],
        by: ByOption,
        db: DbOption = None,
    ) -> None:
        """为台账中的每名儿童建案（疑似）/ open a case for every child in a check's ledgers."""
        import pandas as pd

        from junheng.domain.textsafe import csv_unquote_frame
        from junheng.services import care as K

        def ledger(name: str) -> list[dict[str, str]]:
            frame = pd.read_csv(run / name, dtype=str, keep_default_na=False)
            return list(csv_unquote_frame(frame).to_dict("records"))

        engine, actor = _engine(db), _actor()
        with _service_errors():
            n = K.open_cases_from_rows(engine, actor, ledger("out_of_school.csv"), ledger("suspected_dropouts.csv"),
                                       by=by)["children"]
            total = K.count_cases(engine, actor)
        console.print(f"已处理 {n} 名儿童，现有案例 {total} 件 / {n} children processed")

    @case_app.command("list")
    def case_list(
        db: DbOption = None,
        state: Annotated[str | None, typer.Option(help="状态 / state, e.g. suspected")] = None,
        township: Annotated[str | None, typer.Option(help="乡镇代码 / township code")] = None,
    ) -> None:
        """按状态、乡镇列出案例（姓名、身份证号脱敏）/ list cases (masked)."""
        from junheng.services import care as K

        with _service_errors():
            rows = K.list_cases(_engine(db), _actor(), state=state, township=township)
        t = Table(title=f"案例 {len(rows)} 件 / cases")
        for col in ("编号", "状态", "姓名", "身份证号", "学校", "乡镇", "期限", "逾期", "版本"):
            t.add_column(col)
        for r in rows:
            t.add_row(str(r.id), r.state_label, r.name, r.id_number, r.school_code, r.township_code, r.deadline,
                      "是" if r.overdue else "", str(r.version))
        console.print(t)

    @case_app.command("show")
    def case_show(case_id: int, db: DbOption = None) -> None:
        """案例详情与全部历史（脱敏）/ a case and its whole history (masked)."""
        from junheng.services import care as K

        with _service_errors():
            d = K.get_case(_engine(db), _actor(), case_id)
        console.print(f"案例 {d['id']}  {d['name']}  {d['id_number']}  "
                      f"状态 {d['state_label']}  版本 {d['version']}  期限 {d['deadline'] or '—'}")
        console.print("责任人 / responsible: " + json.dumps(d["responsible"], ensure_ascii=False))
        t = Table(title="历史 / history")
        for col in ("#", "时间", "操作人", "操作", "从", "到", "内容"):
            t.add_column(col, overflow="fold")
        for e in d["events"]:
            t.add_row(str(e["seq"]), e["at"], e["by"], e["action"], e["from_state"], e["to_state"],
                      json.dumps(e["data"], ensure_ascii=False))
        console.print(t)

    @case_app.command("act")
    def case_act(
        case_id: int,
        action: Annotated[str, typer.Argument(help="assign|verify|attempt|place|track|relapse|close|note")],
        version: Annotated[int, typer.Option(help="您看到的版本号 / the version you saw")],
        by: ByOption,
        data: Annotated[list[str] | None, typer.Option("--set", help="字段=值，可多次 / key=value, repeatable")] = None,
        db: DbOption = None,
    ) -> None:
        """对案例执行一步操作 / apply one action to a case."""
        from junheng.services import care as K

        fields = dict(item.split("=", 1) for item in (data or []))
        with _service_errors():
            r = K.act(_engine(db), _actor(), case_id, action, fields, version=version, by=by)
        console.print(f"案例 {case_id}: {r['state_label']}（版本 {r['version']}）")

    @case_app.command("report")
    def case_report_cmd(
        kind: Annotated[str, typer.Argument(help="school-monthly（学校一月一报告）| county-quarterly（县区一季度一复核）")],
        period: Annotated[str, typer.Argument(help="2026-09 或 2026Q3")],
        out: Annotated[Path, typer.Option(help="输出 .xlsx 或 .csv")],
        db: DbOption = None,
    ) -> None:
        """“四个一”报告 / the 四个一 reports."""
        from junheng.services import care as K

        if kind not in K.REPORTS:
            raise typer.BadParameter("school-monthly 或 county-quarterly")
        with _service_errors():
            units = K.write_case_report(_engine(db), _actor(), out, kind=kind, period=period)
        console.print(f"报告已写入 / report written: [bold]{out}[/]（{units} 个单位）")


@contextmanager
def _service_errors() -> Iterator[None]:
    """A refused service call (role, scope, state, a concurrent edit …) → its message on stderr, exit code 1."""
    from junheng.services.errors import ServiceError

    try:
        yield
    except ServiceError as e:
        err_console.print(f"[red]{e}[/]")
        raise typer.Exit(1) from None


def _actor() -> Any:
    """The CLI principal (:func:`junheng.services.principal.local_actor`): case writes are audited as ``cli:<user>``."""
    from junheng.services.principal import local_actor

    return local_actor()


def _engine(db: str | None) -> Any:
    from junheng.services.registry import open_database

    return open_database(db)
