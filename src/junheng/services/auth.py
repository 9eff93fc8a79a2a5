"""Users, passwords, server-side sessions and login throttling.

Passwords are hashed with Argon2id (argon2-cffi, RFC 9106 defaults).  The
session cookie carries a random 256-bit token; the database keeps only its
SHA-256, so a stolen database does not give live sessions.  Each session has
its own CSRF token.

Login throttling (``_admit``), with ``W`` = ``login_window_minutes``,
``N`` = ``login_max_failures`` and ``M`` = ``login_max_failures_ip``:

* A password is *checked* only if fewer than ``N`` checked attempts for that
  user name and fewer than ``M`` from that address are on record from the last
  ``W`` minutes.  Otherwise the request is refused (HTTP 429, ``login.throttled``
  in the audit log) without looking at the password — the right one too.
* The attempt is recorded *before* its password is checked, in one short
  transaction that first locks the user name and the address
  (:func:`junheng.store.engine.write_lock`), then counts, then inserts.  So
  however many requests run in parallel, at most ``N`` passwords per user name
  and ``M`` per address are checked in any ``W`` minutes.  Argon2 (slow on
  purpose) runs after that transaction, holding no lock.
* A wrong password leaves its record; a right one deletes every record of the
  user name (the account is unlocked by its owner logging in).
* Refused requests are not recorded: they extend neither the user name's lock
  nor the address's.  After ``N`` wrong passwords a user name is locked until
  the oldest of them is ``W`` minutes old (at most ``W`` minutes), whatever
  happens meanwhile; then one more password may be checked, and so on.
* One address can have at most ``M`` passwords checked per ``W`` minutes, so
  it can lock at most ``M // N`` accounts (4 by default); a flood from one
  address never touches other user names or other addresses.
* Wrong current passwords in an own password change (:func:`set_password`)
  go through the same gate and count as failed logins of that user name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from junheng.services import audit
from junheng.services.authz import ROLES, Actor, home_org
from junheng.services.errors import Conflict, Forbidden, Invalid, NotAuthenticated, NotFound, Throttled
from junheng.services.settings import Settings
from junheng.store.auth_models import LoginAttempt, User, UserScope, WebSession
from junheng.store.engine import write_lock
from junheng.store.models import OrgUnit, School

_hasher = PasswordHasher()
USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{3,64}$")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = hash_password("timing-equaliser-not-a-password")


def password_problems(password: str, *, username: str = "", min_length: int = 10) -> list[str]:
    """Why a password is not accepted (empty when it is): length, three of four character classes, not the name."""
    problems = []
    if len(password) < min_length:
        problems.append(f"密码至少 {min_length} 个字符 / at least {min_length} characters")
    classes = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    if classes < 3:
        problems.append("须包含大写字母、小写字母、数字、符号中的至少三类 / use three of: upper, lower, digit, symbol")
    if username and username.lower() in password.lower():
        problems.append("密码不能包含用户名 / must not contain the user name")
    return problems


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class UserPublic:
    id: int
    username: str
    display_name: str
    role: str
    role_zh: str
    school_code: str | None
    scopes: list[str]
    active: bool
    created_at: str


def _public(u: User | dict[str, Any], scopes: list[str]) -> UserPublic:
    g = u.__getitem__ if isinstance(u, dict) else lambda k: getattr(u, k)
    return UserPublic(g("id"), g("username"), g("display_name"), g("role"), ROLES[g("role")][0], g("school_code"),
                      sorted(scopes), bool(g("active")), g("created_at").isoformat(sep=" "))


def _validate_assignment(conn: Connection, role: str, scopes: list[str], school_code: str | None) -> None:
    if role not in ROLES:
        raise Invalid(f"未知角色 {role}", f"unknown role {role}")
    for code in scopes:
        if not (len(code) == 12 and code.isdigit()):
            raise Invalid(f"区划代码应为 12 位数字：{code}", f"org-unit codes have 12 digits: {code}")
        if conn.execute(select(OrgUnit.code).where(OrgUnit.code == code)).first() is None:
            raise Invalid(f"区划代码不存在：{code}", f"unknown org unit {code}")
    if role == "school_clerk":
        if not school_code:
            raise Invalid("学校填报员须指定学校", "a school clerk needs a school")
        if conn.execute(select(School.code).where(School.code == school_code)).first() is None:
            raise Invalid(f"学校不存在：{school_code}", f"unknown school {school_code}")
    elif role != "admin" and not scopes:
        raise Invalid("须指定至少一个管辖区划（县或乡镇）", "give at least one org unit (county or township)")


def create_user(engine: Engine, actor: Actor, *, username: str, password: str, role: str,
                scopes: list[str] | None = None, school_code: str | None = None, display_name: str = "",
                settings: Settings | None = None) -> UserPublic:
    """Add a user (needs ``manage_users``); the password must meet the policy."""
    actor.require("manage_users")
    settings = settings or Settings()
    scopes = sorted(set(scopes or []))
    if not USERNAME.match(username):
        raise Invalid("用户名为 3–64 位字母、数字或 _.-", "user names are 3-64 letters, digits or _.-")
    problems = password_problems(password, username=username, min_length=settings.password_min_length)
    if problems:
        raise Invalid("；".join(problems), detail=problems)
    now = audit.now()
    with engine.begin() as conn:
        _validate_assignment(conn, role, scopes, school_code)
        if conn.execute(select(User.id).where(User.username == username)).first():
            raise Conflict(f"用户名已存在：{username}", f"user name taken: {username}")
        uid = conn.execute(insert(User).values(
            username=username, display_name=display_name, role=role,
            school_code=school_code if role == "school_clerk" else None, password_hash=hash_password(password),
            active=True, created_at=now, password_changed_at=now).returning(User.id)).scalar_one()
        for code in scopes:
            conn.execute(insert(UserScope).values(user_id=uid, org_code=code))
        audit.record(conn, actor, "user.create", username, role=role, scopes=scopes, school_code=school_code)
    return get_user(engine, actor, uid)


def get_user(engine: Engine, actor: Actor, user_id: int) -> UserPublic:
    if actor.user_id != user_id:
        actor.require("manage_users")
    with engine.connect() as conn:
        row = conn.execute(select(User.__table__).where(User.id == user_id)).mappings().first()
        if row is None:
            raise NotFound(f"用户不存在：{user_id}", f"no user {user_id}")
        scopes = [c for (c,) in conn.execute(select(UserScope.org_code).where(UserScope.user_id == user_id))]
    return _public(dict(row), scopes)


def list_users(engine: Engine, actor: Actor) -> list[UserPublic]:
    actor.require("manage_users")
    with engine.connect() as conn:
        rows = conn.execute(select(User.__table__).order_by(User.username)).mappings().all()
        scopes: dict[int, list[str]] = {}
        for uid, code in conn.execute(select(UserScope.user_id, UserScope.org_code)):
            scopes.setdefault(uid, []).append(code)
    return [_public(dict(r), scopes.get(r["id"], [])) for r in rows]


def update_user(engine: Engine, actor: Actor, user_id: int, *, role: str | None = None,
                scopes: list[str] | None = None, school_code: str | None = None, display_name: str | None = None,
                active: bool | None = None) -> UserPublic:
    """Change a user's role, scopes, school, name or active flag (needs ``manage_users``)."""
    actor.require("manage_users")
    current = get_user(engine, actor, user_id)
    new_role = role or current.role
    new_scopes = sorted(set(scopes)) if scopes is not None else current.scopes
    new_school = school_code if school_code is not None else current.school_code
    if actor.user_id == user_id and (new_role != "admin" or active is False):
        raise Forbidden("不能降低或停用自己的管理员账号", "you cannot demote or disable yourself")
    with engine.begin() as conn:
        _validate_assignment(conn, new_role, new_scopes, new_school)
        values: dict[str, object] = {"role": new_role,
                                     "school_code": new_school if new_role == "school_clerk" else None}
        if display_name is not None:
            values["display_name"] = display_name
        if active is not None:
            values["active"] = active
        conn.execute(update(User).where(User.id == user_id).values(**values))
        conn.execute(delete(UserScope).where(UserScope.user_id == user_id))
        for code in new_scopes:
            conn.execute(insert(UserScope).values(user_id=user_id, org_code=code))
        if active is False or new_role != current.role or new_scopes != current.scopes:
            conn.execute(delete(WebSession).where(WebSession.user_id == user_id))  # rights changed: log out
        audit.record(conn, actor, "user.update", current.username,
                     before={"role": current.role, "scopes": current.scopes, "active": current.active,
                             "school_code": current.school_code},
                     after={"role": new_role, "scopes": new_scopes, "active": values.get("active", current.active),
                            "school_code": values["school_code"]})
    return get_user(engine, actor, user_id)


def set_password(engine: Engine, actor: Actor, user_id: int, new_password: str, *, old_password: str | None = None,
                 settings: Settings | None = None) -> None:
    """Change one's own password (giving the old one) or, as an administrator, anyone's."""
    settings = settings or Settings()
    own = actor.user_id == user_id
    if not own:
        actor.require("manage_users")
    with engine.connect() as conn:
        row = conn.execute(select(User.username, User.password_hash).where(User.id == user_id)).first()
    if row is None:
        raise NotFound(f"用户不存在：{user_id}", f"no user {user_id}")
    if own and not actor.can("manage_users"):  # the old password is checked through the login throttle
        _admit(engine, row.username, actor.ip, settings, actor=actor, refused_action="user.password.throttled")
        if not verify_password(row.password_hash, old_password or ""):
            audit.record_now(engine, actor, "user.password.failed", row.username)
            raise Invalid("原密码不正确", "the current password is wrong")
        with engine.begin() as conn:
            conn.execute(delete(LoginAttempt).where(LoginAttempt.username == row.username[:64]))
    with engine.begin() as conn:
        problems = password_problems(new_password, username=row.username, min_length=settings.password_min_length)
        if problems:
            raise Invalid("；".join(problems), detail=problems)
        conn.execute(update(User).where(User.id == user_id).values(
            password_hash=hash_password(new_password), password_changed_at=audit.now()))
        conn.execute(delete(WebSession).where(WebSession.user_id == user_id))
        audit.record(conn, actor, "user.password", row.username)


@dataclass(frozen=True)
class NewSession:
    token: str  # goes into the cookie, never stored
    csrf_token: str
    actor: Actor
    expires_at: dt.datetime


def _admit(engine: Engine, username: str, ip: str, settings: Settings, *, actor: Actor | None = None,
           refused_action: str = "login.throttled") -> None:
    """Let one password check for ``username`` from ``ip`` through the throttle, or raise ``Throttled``.

    Locks the user name and the address, counts their attempts in the window and records this one,
    all in one transaction (rules: module docstring).  The caller checks the password afterwards,
    outside any lock, and deletes the user name's records when it is right.
    """
    now = audit.now()
    name, addr = username[:64], ip[:64]
    window = dt.timedelta(minutes=settings.login_window_minutes)
    who = actor or Actor(None, name, "", ip=ip)
    with engine.begin() as conn:
        write_lock(conn, f"login.user:{name}", f"login.ip:{addr}")
        conn.execute(delete(LoginAttempt).where(LoginAttempt.at < now - max(window, dt.timedelta(days=1))))
        by_user = conn.execute(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.username == name, LoginAttempt.at >= now - window)).scalar_one()
        by_ip = conn.execute(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.ip == addr, LoginAttempt.at >= now - window)).scalar_one()
        refused = by_user >= settings.login_max_failures or by_ip >= settings.login_max_failures_ip
        if refused:  # not recorded as an attempt: a refused request extends no lock
            audit.record(conn, who, refused_action, name, by_user=by_user, by_ip=by_ip)
        else:
            conn.execute(insert(LoginAttempt).values(username=name, ip=addr, at=now))
    if refused:
        raise Throttled(f"登录失败次数过多，请 {settings.login_window_minutes} 分钟后再试",
                        f"too many failed logins; try again in {settings.login_window_minutes} minutes")


def login(engine: Engine, username: str, password: str, *, ip: str = "", user_agent: str = "",
          settings: Settings | None = None) -> NewSession:
    """Check the password (with throttling) and open a server-side session."""
    settings = settings or Settings()
    _admit(engine, username, ip, settings)  # recorded as a failure until the password proves right
    with engine.connect() as conn:
        row = conn.execute(select(User.__table__).where(User.username == username)).mappings().first()
    ok = verify_password(row["password_hash"] if row else _DUMMY_HASH, password) and bool(row and row["active"])
    if not ok or row is None:
        audit.record_now(engine, Actor(None, username[:64], "", ip=ip), "login.failed", username[:64])
        raise NotAuthenticated("用户名或密码错误", "wrong user name or password")
    now = audit.now()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + dt.timedelta(hours=settings.session_hours)
    with engine.begin() as conn:
        conn.execute(delete(WebSession).where(WebSession.expires_at < now))
        conn.execute(insert(WebSession).values(token_hash=_sha(token), user_id=row["id"], csrf_token=csrf,
                                               created_at=now, last_seen=now, expires_at=expires, ip=ip[:64],
                                               user_agent=user_agent[:255]))
        conn.execute(delete(LoginAttempt).where(LoginAttempt.username == username[:64]))
        actor = _actor(conn, dict(row), ip)
        audit.record(conn, actor, "login", username)
    return NewSession(token, csrf, actor, expires)


def _actor(conn: Connection, row: Mapping[str, Any], ip: str) -> Actor:
    scopes = tuple(sorted(c for (c,) in conn.execute(select(UserScope.org_code).where(UserScope.user_id == row["id"]))))
    township = None
    if row["role"] == "school_clerk" and row["school_code"]:
        township = conn.execute(select(School.township_code).where(School.code == row["school_code"])).scalar()
    return Actor(row["id"], row["username"], row["role"], scopes, row["school_code"], ip, row["display_name"],
                 home_org(row["role"], scopes, township))


@dataclass(frozen=True)
class SessionInfo:
    actor: Actor
    csrf_token: str


def resolve_session(engine: Engine, token: str, *, ip: str = "", settings: Settings | None = None) -> SessionInfo:
    """The actor behind a session cookie; raises ``NotAuthenticated`` when absent, expired or idle too long."""
    settings = settings or Settings()
    if not token:
        raise NotAuthenticated("请先登录", "please log in")
    now = audit.now()
    s, u = WebSession.__table__, User.__table__
    with engine.connect() as conn:
        row = conn.execute(select(s.c.token_hash, s.c.csrf_token, s.c.last_seen, s.c.expires_at, u)
                           .join(u, u.c.id == s.c.user_id).where(s.c.token_hash == _sha(token))).mappings().first()
        if row is None or not row["active"] or row["expires_at"] < now or \
                row["last_seen"] < now - dt.timedelta(minutes=settings.idle_minutes):
            raise NotAuthenticated("会话已过期，请重新登录", "session expired; please log in again")
        actor = _actor(conn, dict(row), ip)
    if row["last_seen"] < now - dt.timedelta(seconds=60):  # write at most once a minute per session
        with engine.begin() as conn:
            conn.execute(update(WebSession).where(WebSession.token_hash == row["token_hash"]).values(last_seen=now))
    return SessionInfo(actor, row["csrf_token"])


def logout(engine: Engine, token: str, actor: Actor) -> None:
    with engine.begin() as conn:
        conn.execute(delete(WebSession).where(WebSession.token_hash == _sha(token)))
        audit.record(conn, actor, "logout", actor.username)


def ensure_user(engine: Engine, *, username: str, password: str, role: str = "admin",
                scopes: list[str] | None = None, school_code: str | None = None, display_name: str = "",
                reset: bool = False, settings: Settings | None = None, actor: Actor | None = None) -> UserPublic:
    """Create the user, or with ``reset`` set its password, role and scopes anew (CLI: ``junheng user add``),
    as ``actor`` (default: the system; the CLI passes its principal, so the audit log names the operator)."""
    system = actor or Actor.system("cli")
    with engine.connect() as conn:
        uid = conn.execute(select(User.id).where(User.username == username)).scalar()
    if uid is None:
        return create_user(engine, system, username=username, password=password, role=role, scopes=scopes,
                           school_code=school_code, display_name=display_name, settings=settings)
    if not reset:
        raise Conflict(f"用户名已存在：{username}（用 --reset 重置）", f"user exists: {username} (use --reset)")
    update_user(engine, system, uid, role=role, scopes=scopes or [], school_code=school_code, active=True,
                display_name=display_name or None)
    set_password(engine, system, uid, password, settings=settings)
    with engine.begin() as conn:
        conn.execute(delete(LoginAttempt).where(LoginAttempt.username == username))
    return get_user(engine, system, uid)
