"""Settings of the web application and its services: one table feeds the code, the CLI and the docs.

Each ``Setting`` has a name, a default and a bilingual help text; ``Settings``
is the frozen value object the app and the services read.  ``docs/dev/web.md``
lists every setting (a test checks it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("db_url", None, "数据库地址（默认 JUNHENG_DB 或 ./junheng.db）/ database URL"),
    Setting("session_hours", 8, "会话有效期（小时）/ session lifetime in hours"),
    Setting("idle_minutes", 60, "无操作自动退出（分钟）/ idle timeout in minutes"),
    Setting("secure_cookies", False, "仅经 HTTPS 发送会话 Cookie / send the session cookie over HTTPS only"),
    Setting("login_max_failures", 5, "同一用户名在时间窗内允许的失败次数 / failed logins allowed per user name in the window"),
    Setting("login_max_failures_ip", 20, "同一地址在时间窗内允许的失败次数 / failed logins allowed per address in the window"),
    Setting("login_window_minutes", 15, "登录限流时间窗（分钟）/ login throttling window in minutes"),
    Setting("password_min_length", 10, "密码最短长度 / minimum password length"),
    Setting("default_lang", "zh", "默认界面语言 zh 或 en / default UI language"),
    Setting("job_workers", 1, "后台任务线程数 / background job threads"),
    Setting("max_upload_mb", 50, "上传文件大小上限（MB）/ upload size limit in MB"),
    Setting("import_max_rows", 1_000_000, "导入时每张表的行数上限 / row limit per sheet of an import"),
    Setting("import_max_issues", 1_000, "导入检查发现这么多处错误即停止 / an import check stops after this many errors"),
    Setting("jobs_per_user", 3, "每个用户排队和运行中的后台任务上限 / queued or running jobs allowed per user"),
    Setting("care_note_max_chars", 2_000, "案例办理备注与各字段的字数上限 / characters allowed in a case note or field"),
    Setting("evidence_max_mb", 10, "佐证材料单个附件大小上限（MB）/ size limit of one evidence attachment in MB"),
)


@dataclass(frozen=True)
class Settings:
    """The values of :data:`SETTINGS` (field names match ``Setting.name``)."""

    db_url: str | None = None
    session_hours: int = 8
    idle_minutes: int = 60
    secure_cookies: bool = False
    login_max_failures: int = 5
    login_max_failures_ip: int = 20
    login_window_minutes: int = 15
    password_min_length: int = 10
    default_lang: str = "zh"
    job_workers: int = 1
    max_upload_mb: int = 50
    import_max_rows: int = 1_000_000
    import_max_issues: int = 1_000
    jobs_per_user: int = 3
    care_note_max_chars: int = 2_000
    evidence_max_mb: int = 10

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Defaults, then ``JUNHENG_<NAME>`` environment variables, then ``overrides``."""
        values: dict[str, object] = {}
        for f in fields(cls):
            env = os.environ.get(f"JUNHENG_{f.name.upper()}" if f.name != "db_url" else "JUNHENG_DB")
            if env is None:
                continue
            default = f.default
            if isinstance(default, bool):
                values[f.name] = env.lower() in ("1", "true", "yes", "on")
            elif isinstance(default, int):
                values[f.name] = int(env)
            else:
                values[f.name] = env
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
