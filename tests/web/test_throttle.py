"""Login throttling holds under parallel requests, on SQLite and PostgreSQL (finding 5).

The rules are in the docstring of :mod:`junheng.services.auth`.  ``verify_password`` is wrapped by a
counter (instrumentation only: the real Argon2 check still runs) so the tests can see how many
passwords were actually checked; the clock (``audit.now``) is moved by hand to pass the window.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from junheng.services import audit, auth
from junheng.services.authz import Actor
from junheng.services.errors import Invalid, NotAuthenticated, Throttled
from junheng.services.settings import Settings
from junheng.store.auth_models import AuditEvent, LoginAttempt
from web.support import PASSWORD, WebEnv, login

SETTINGS = Settings()  # 5 per user name, 20 per address, 15 minutes
WRONG = "wrong-Passw0rd!"
T0 = dt.datetime(2026, 12, 5, 9, 0, 0)


class Checks:
    """Counts calls of ``auth.verify_password`` (thread-safe)."""

    def __init__(self, real: Callable[[str, str], bool]) -> None:
        self.real, self.n, self._lock = real, 0, threading.Lock()

    def __call__(self, password_hash: str, password: str) -> bool:
        with self._lock:
            self.n += 1
        return self.real(password_hash, password)


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Checks:
    c = Checks(auth.verify_password)
    monkeypatch.setattr(auth, "verify_password", c)
    return c


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = T0
        monkeypatch.setattr(audit, "now", lambda: self.now)

    def advance(self, **kw: float) -> None:
        self.now += dt.timedelta(**kw)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def users(engine) -> Iterator[object]:  # type: ignore[no-untyped-def]
    for name in ("victim", "bystander"):
        auth.ensure_user(engine, username=name, password=PASSWORD, role="admin")
    yield engine


def _try(engine, username: str, password: str, ip: str) -> str:  # type: ignore[no-untyped-def]
    try:
        auth.login(engine, username, password, ip=ip, settings=SETTINGS)
    except NotAuthenticated:
        return "wrong"
    except Throttled:
        return "throttled"
    return "ok"


def _parallel(n: int, fn: Callable[[int], str]) -> Counter[str]:
    barrier = threading.Barrier(n)

    def run(i: int) -> str:
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return Counter(pool.map(run, range(n)))


def test_parallel_wrong_logins_check_at_most_the_limit(users, checks: Checks) -> None:  # type: ignore[no-untyped-def]
    engine = users
    outcomes = _parallel(30, lambda i: _try(engine, "victim", WRONG, f"10.0.0.{i}"))  # 30 addresses, one name
    assert checks.n == SETTINGS.login_max_failures == outcomes["wrong"]
    assert outcomes["throttled"] == 30 - SETTINGS.login_max_failures
    assert _try(engine, "victim", PASSWORD, "10.9.9.9") == "throttled"  # the right password, still locked
    assert checks.n == SETTINGS.login_max_failures  # ... and not even checked
    assert _try(engine, "bystander", PASSWORD, "10.0.0.1") == "ok"  # other names are not affected


def test_parallel_flood_from_one_address_checks_at_most_its_limit(users, checks: Checks) -> None:  # type: ignore[no-untyped-def]
    engine = users
    outcomes = _parallel(30, lambda i: _try(engine, f"guess{i}", WRONG, "10.6.6.6"))  # 30 names, one address
    assert checks.n == SETTINGS.login_max_failures_ip == outcomes["wrong"]
    assert outcomes["throttled"] == 30 - SETTINGS.login_max_failures_ip
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(LoginAttempt)).scalar_one() == 20  # refused: unrecorded


def test_locked_until_the_window_passes_and_refusals_do_not_extend_it(users, checks: Checks, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    engine = users
    for _ in range(SETTINGS.login_max_failures):
        assert _try(engine, "victim", WRONG, "10.1.1.1") == "wrong"
        clock.advance(seconds=10)
    checked = checks.n
    clock.advance(minutes=1)
    assert _try(engine, "victim", PASSWORD, "10.2.2.2") == "throttled"  # locked, from anywhere
    for _ in range(13):  # the attacker keeps trying all along: refused, unrecorded, the lock not extended
        clock.advance(minutes=1)
        for ip in ("10.1.1.1", "10.3.3.3"):
            assert _try(engine, "victim", WRONG, ip) == "throttled"
    assert checks.n == checked  # nothing was checked while locked
    assert clock.now < T0 + dt.timedelta(minutes=SETTINGS.login_window_minutes)
    clock.now = T0 + dt.timedelta(minutes=SETTINGS.login_window_minutes, seconds=1)  # the first failure is 15 min old
    assert _try(engine, "victim", PASSWORD, "10.2.2.2") == "ok"
    with engine.connect() as conn:  # the owner's login cleared the record
        assert conn.execute(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.username == "victim")).scalar_one() == 0
        throttled = conn.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "login.throttled")).scalar_one()
    assert throttled == 1 + 13 * 2


def test_flood_from_one_address_does_not_lock_others(users, checks: Checks) -> None:  # type: ignore[no-untyped-def]
    engine = users
    for i in range(SETTINGS.login_max_failures_ip):  # one address uses up its checks on 20 names
        assert _try(engine, f"guess{i}", WRONG, "10.6.6.6") == "wrong"
    for name in ("bystander", "victim", "guess99"):  # from then on it is refused, whatever name it tries ...
        assert _try(engine, name, WRONG, "10.6.6.6") == "throttled"
    assert checks.n == SETTINGS.login_max_failures_ip
    # ... which locks none of those names: their owners log in from their own addresses
    assert _try(engine, "bystander", PASSWORD, "10.7.7.7") == "ok"
    assert _try(engine, "victim", PASSWORD, "10.8.8.8") == "ok"
    # a flood against one name from one address locks that name only, after 5 checks
    for _ in range(30):
        _try(engine, "victim", WRONG, "10.5.5.5")
    assert checks.n == SETTINGS.login_max_failures_ip + 2 + SETTINGS.login_max_failures
    assert _try(engine, "bystander", PASSWORD, "10.7.7.7") == "ok"
    assert _try(engine, "victim", PASSWORD, "10.8.8.8") == "throttled"


def test_wrong_old_passwords_throttled_over_http(web: WebEnv, checks: Checks) -> None:
    c = web.client("viewer")
    body = {"old_password": WRONG, "new_password": "New-Passw0rd-2026"}
    before = checks.n
    for _ in range(SETTINGS.login_max_failures):
        r = c.post("/api/auth/password", json=body)
        assert r.status_code == 422 and "原密码" in r.json()["detail"]
    r = c.post("/api/auth/password", json={**body, "old_password": PASSWORD})  # right, but locked
    assert r.status_code == 429
    assert checks.n - before == SETTINGS.login_max_failures
    assert login(web.client(), "viewer").status_code == 429  # the same count guards the login
    admin = web.client("admin")
    events = admin.get("/api/audit", params={"action": "user.password.failed"}).json()
    assert events["total"] == SETTINGS.login_max_failures
    assert admin.get("/api/audit", params={"action": "user.password.throttled"}).json()["total"] == 1
    assert login(web.client(), "admin").status_code == 200  # other accounts unaffected


def test_parallel_wrong_old_passwords(web: WebEnv, checks: Checks) -> None:
    engine = web.state.engine
    session = auth.login(engine, "planner", PASSWORD, ip="10.4.4.4", settings=SETTINGS)
    actor: Actor = session.actor
    before = checks.n

    def change(_: int) -> str:
        try:
            auth.set_password(engine, actor, actor.user_id or 0, "New-Passw0rd-2026", old_password=WRONG,
                              settings=SETTINGS)
        except Invalid:
            return "wrong"
        except Throttled:
            return "throttled"
        return "ok"

    outcomes = _parallel(30, change)
    assert outcomes == Counter(wrong=SETTINGS.login_max_failures, throttled=30 - SETTINGS.login_max_failures)
    assert checks.n - before == SETTINGS.login_max_failures
