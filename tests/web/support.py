"""Web test support: the tiny county imported into a fresh database (both backends), one user per role, clients.

Users (all synthetic): ``admin`` (unscoped), ``county`` (county_admin, 鸡泽县),
``planner`` and ``viewer`` (county), ``township`` (township_staff, 小寨镇 — the
nine-year school, the teaching point and the kindergarten), ``clerk``
(school_clerk of 小寨镇中心学校).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient

from fixtures import COUNTY, S_NINE, T2, tiny_tables

PASSWORD = "Test-Passw0rd!"
USERS: dict[str, dict] = {
    "admin": {"role": "admin", "scopes": []},
    "county": {"role": "county_admin", "scopes": [COUNTY]},
    "planner": {"role": "planner", "scopes": [COUNTY]},
    "clerk": {"role": "school_clerk", "scopes": [], "school_code": S_NINE},
    "township": {"role": "township_staff", "scopes": [T2]},
    "viewer": {"role": "viewer", "scopes": [COUNTY]},
}
ROLE_USER = {v["role"]: k for k, v in USERS.items()}


@dataclass
class WebEnv:
    app: object
    url: str

    @property
    def state(self):  # type: ignore[no-untyped-def]
        return self.app.state.web  # type: ignore[attr-defined]

    def client(self, username: str | None = None, password: str = PASSWORD) -> TestClient:
        c = TestClient(self.app)  # type: ignore[arg-type]
        if username:
            login(c, username, password)
        return c


def login(c: TestClient, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    token = c.get("/api/auth/csrf").json()["csrf_token"]
    r = c.post("/api/auth/login", json={"username": username, "password": password},
               headers={"X-CSRF-Token": token})
    if r.status_code == 200:
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return r


def seed(url: str) -> None:
    """Import the tiny county and add one user per role."""
    from junheng.io import import_tables
    from junheng.services import auth
    from junheng.store.engine import make_engine

    engine = make_engine(url)
    import_tables(engine, tiny_tables(), source="tiny", user="pytest")
    for name, u in USERS.items():
        auth.ensure_user(engine, username=name, password=PASSWORD, role=u["role"], scopes=u["scopes"],
                         school_code=u.get("school_code"), display_name=name)
    engine.dispose()
