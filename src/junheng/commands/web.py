"""``junheng serve`` (the web application) and ``junheng user add/list``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="数据库地址（默认 JUNHENG_DB 或 ./junheng.db）/ database URL or SQLite file path"),
]


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        db: DbOption = None,
        host: Annotated[str, typer.Option(help="监听地址 / bind address")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="端口 / port")] = 8000,
        secure_cookies: Annotated[bool, typer.Option(help="仅经 HTTPS 发送 Cookie / HTTPS-only cookies")] = False,
        workers: Annotated[int, typer.Option(min=1, max=16, help="服务进程数（多核时可设为核数）/ server processes")] = 1,
    ) -> None:
        """启动网页应用（先升级数据库结构）/ run the web application (upgrades the schema first)."""
        import os

        import uvicorn

        from junheng.services import registry as R
        from junheng.services.jobs import JobRunner
        from junheng.services.settings import Settings
        from junheng.web import create_app

        url = R.database_url(db)
        R.upgrade_database(url)
        console.print(f"均衡 Junheng 网页应用 / web app: [bold]http://{host}:{port}[/]  (API: /api/docs)")
        if workers == 1:
            app = create_app(Settings.from_env(db_url=url, secure_cookies=secure_cookies or None))
            uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
            return
        # Several processes: jobs left unfinished by a stopped server are failed here, once, before any worker
        # exists; the workers never recover (a restarted worker must not fail its siblings' live jobs).
        engine = R.open_database(url)
        JobRunner(engine).recover()
        engine.dispose()
        os.environ["JUNHENG_DB"] = url
        if secure_cookies:
            os.environ["JUNHENG_SECURE_COOKIES"] = "1"
        uvicorn.run("junheng.web.app:worker_app", factory=True, workers=workers, host=host, port=port,
                    log_level="warning", access_log=False)

    user_app = typer.Typer(help="用户管理 / users of the web application", no_args_is_help=True)
    app.add_typer(user_app, name="user")

    @user_app.command("add")
    def user_add(
        username: Annotated[str, typer.Argument(help="用户名 / user name")],
        password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                              help="密码 / password")],
        role: Annotated[str, typer.Option(help="角色 / role: admin county_admin planner school_clerk "
                                               "township_staff viewer")] = "viewer",
        scope: Annotated[list[str] | None, typer.Option(help="管辖区划代码，可多次 / org-unit code (repeatable)")] = None,
        school: Annotated[str | None, typer.Option(help="学校填报员的学校 / the clerk's school code")] = None,
        name: Annotated[str, typer.Option(help="显示名 / display name")] = "",
        reset: Annotated[bool, typer.Option("--reset", help="已存在则重置密码、角色、范围 / reset if it exists")] = False,
        db: DbOption = None,
    ) -> None:
        """新建（或重置）用户 / add (or reset) a user."""
        from junheng.services import auth
        from junheng.services import registry as R
        from junheng.services.errors import ServiceError
        from junheng.services.principal import local_actor

        url = R.database_url(db)
        R.upgrade_database(url)
        try:
            u = auth.ensure_user(R.open_database(url), actor=local_actor(), username=username, password=password, role=role,
                                 scopes=scope or [], school_code=school, display_name=name, reset=reset)
        except ServiceError as exc:
            err_console.print(f"[red]{exc.zh}[/] / {exc.en}")
            raise typer.Exit(1) from None
        console.print(f"用户已就绪 / user ready: [bold]{u.username}[/] ({u.role_zh})")

    @user_app.command("list")
    def user_list(db: DbOption = None) -> None:
        """列出用户 / list users."""
        from junheng.services import auth
        from junheng.services import registry as R
        from junheng.services.principal import local_actor

        t = Table(title="用户 / users")
        for col in ("用户名", "显示名", "角色", "管辖范围", "学校", "状态"):
            t.add_column(col)
        for u in auth.list_users(R.open_database(db), local_actor()):
            t.add_row(u.username, u.display_name, u.role_zh, ",".join(u.scopes), u.school_code or "",
                      "启用" if u.active else "停用")
        console.print(t)
