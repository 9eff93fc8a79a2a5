"""The CLI's principal: who a command acts as, so its writes are checked and audited like the web's.

A command runs on the operator's machine with the database file or URL in hand,
so it is trusted with the whole database — unless ``--county`` names one
county, in which case it acts as that county's administrator and every
service call is scoped to it, exactly as a county administrator in the web
would be.  The user name recorded in the audit log is ``cli:<OS user>``
(``JUNHENG_CLI_USER`` overrides the OS user), so a reviewer can tell
command-line writes from web ones.
"""

from __future__ import annotations

import getpass
import os

from junheng.domain.orgcode import padded
from junheng.services.authz import Actor


def cli_username() -> str:
    """``cli:<user>`` — the audit log's name for the operator at the command line."""
    user = os.environ.get("JUNHENG_CLI_USER") or _os_user()
    return f"cli:{user}"


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def local_actor(county: str | None = None) -> Actor:
    """The command-line principal: unscoped (the system administrator), or — with a 6-digit ``county`` — that
    county's administrator, whose scope and home org unit are the county."""
    if county is None:
        return Actor(None, cli_username(), "admin", display_name="命令行")
    code = padded(county)
    return Actor(None, cli_username(), "county_admin", scopes=(code,), display_name="命令行", home=code)
