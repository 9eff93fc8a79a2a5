"""p95 latency of the dashboard and a school page under 20 concurrent users (loopback only, bounded in time).

Builds the demo county (鸡泽县, seed 7) in a scratch database on SQLite and on
PostgreSQL (the local server; skipped if unreachable), runs one assessment so
the pages show verdicts, starts ``junheng serve``-equivalent uvicorn on a free
loopback port in a subprocess, logs 20 users in, and has each fetch the
dashboard (``/``) and a school page (``/schools/<code>``) in turn for
``--seconds``.  Prints and (with ``--out``) writes the latency percentiles.
Target: p95 ≤ 300 ms.

    .venv/bin/python bench/web_load.py --seconds 20 [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx

PASSWORD = "Load-Test-Passw0rd!"
USERS = 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(url: str) -> str:
    from junheng.io import import_tables
    from junheng.services import assessments, auth
    from junheng.services.authz import Actor
    from junheng.services.jobs import JobRunner
    from junheng.store.engine import make_engine, upgrade
    from junheng.synth import generate_county

    upgrade(url)
    engine = make_engine(url)
    import_tables(engine, generate_county("130431", seed=7), source="bench")
    auth.ensure_user(engine, username="bench", password=PASSWORD, role="county_admin", scopes=["130431000000"],
                     reset=True)
    runner = JobRunner(engine)
    job = assessments.start_assessment(engine, runner, Actor.system("bench"), pack="yzjh-2017", year=2025)
    runner.wait(job)
    runner.shutdown()
    from sqlalchemy import text

    with engine.connect() as conn:
        code = conn.execute(text("SELECT code FROM school WHERE school_type = 'nine_year' ORDER BY code")).scalar()
    engine.dispose()
    return str(code)


def run_load(url: str, school: str, seconds: float) -> dict[str, object]:
    port = free_port()
    env = {**os.environ, "JUNHENG_DB": url}
    server = subprocess.Popen([sys.executable, "-c", (
        "import uvicorn; from junheng.web import create_app, Settings; "
        f"uvicorn.run(create_app(Settings.from_env()), host='127.0.0.1', port={port}, log_level='warning', "
        "access_log=False)")], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{base}/login", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        clients = []
        for _ in range(USERS):
            c = httpx.Client(base_url=base, timeout=30)
            tok = c.get("/api/auth/csrf").json()["csrf_token"]
            r = c.post("/api/auth/login", json={"username": "bench", "password": PASSWORD},
                       headers={"X-CSRF-Token": tok})
            r.raise_for_status()
            clients.append(c)
        for c in clients[:2]:  # warm caches (parsed assessment, map geometry)
            c.get("/"), c.get(f"/schools/{school}")
        times: dict[str, list[float]] = {"dashboard": [], "school": []}
        errors = [0]
        stop = time.perf_counter() + seconds
        lock = threading.Lock()

        def user(c: httpx.Client) -> None:
            while time.perf_counter() < stop:
                for name, path in (("dashboard", "/"), ("school", f"/schools/{school}")):
                    t0 = time.perf_counter()
                    r = c.get(path)
                    dt = (time.perf_counter() - t0) * 1000
                    with lock:
                        times[name].append(dt)
                        errors[0] += r.status_code != 200

        threads = [threading.Thread(target=user, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        out: dict[str, object] = {"users": USERS, "seconds": seconds, "errors": errors[0]}
        for name, xs in times.items():
            xs.sort()
            out[name] = {"requests": len(xs), "p50_ms": round(statistics.median(xs), 1),
                         "p95_ms": round(xs[int(0.95 * (len(xs) - 1))], 1), "max_ms": round(xs[-1], 1),
                         "rps": round(len(xs) / seconds, 1)}
        return out
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--pg", default=os.environ.get("JUNHENG_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"))
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    results = {}
    if args.backend in ("sqlite", "both"):
        path = Path("bench/out") / f"web_load_{uuid.uuid4().hex[:8]}.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{path}"
        results["sqlite"] = run_load(url, prepare(url), args.seconds)
        for p in path.parent.glob(path.name + "*"):
            p.unlink()
    if args.backend in ("postgresql", "both"):
        import psycopg

        name = f"junheng_bench_{uuid.uuid4().hex[:8]}"
        try:
            with psycopg.connect(args.pg, autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
        except psycopg.OperationalError as exc:
            print(f"PostgreSQL unreachable, skipped: {exc}")
        else:
            url = args.pg.rsplit("/", 1)[0] + "/" + name
            try:
                results["postgresql"] = run_load(url, prepare(url), args.seconds)
            finally:
                with psycopg.connect(args.pg, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(json.dumps(results, indent=1, ensure_ascii=False))
    if args.out:
        args.out.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
