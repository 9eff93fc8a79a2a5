"""p95 latency of the dashboard and a school page under 20 concurrent users (loopback only, bounded in time).

Builds the demo county (鸡泽县, seed 7) in a scratch database on SQLite and on
PostgreSQL (the local server; skipped if unreachable), runs one assessment so
the pages show verdicts, starts ``junheng serve``-equivalent uvicorn on a free
loopback port in a subprocess (``junheng serve --workers N``, the command users
run), logs 20 users in, and has each fetch the dashboard (``/``) and a school
page (``/schools/<code>``) in turn for ``--seconds``.  Each user is a thread
with one keep-alive ``http.client`` connection (the standard library client:
the load generator shares the two cores with the server, so it should cost as
little CPU as possible).  Prints and (with ``--out``) writes the latency
percentiles.  Target: p95 ≤ 300 ms.

    .venv/bin/python bench/web_load.py --seconds 20 [--backend sqlite|postgresql] [--workers 2]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx

from serving import free_port, wait_until_up

PASSWORD = "Load-Test-Passw0rd!"
USERS = 20


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


def run_load(url: str, school: str, seconds: float, *, workers: int = 1) -> dict[str, object]:
    port = free_port()
    junheng = Path(sys.executable).with_name("junheng")
    server = subprocess.Popen([str(junheng), "serve", "--db", url, "--host", "127.0.0.1", "--port", str(port),
                               "--workers", str(workers)], stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, tries=200)
        cookies = []
        for _ in range(USERS):
            with httpx.Client(base_url=base, timeout=30) as c:
                tok = c.get("/api/auth/csrf").json()["csrf_token"]
                r = c.post("/api/auth/login", json={"username": "bench", "password": PASSWORD},
                           headers={"X-CSRF-Token": tok})
                r.raise_for_status()
                cookies.append("; ".join(f"{k}={v}" for k, v in c.cookies.items()))
        clients = []
        for cookie in cookies:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            clients.append((conn, {"Cookie": cookie}))
        for _ in range(2 * workers):  # warm every worker's caches (parsed assessment, dashboard figures)
            for path in ("/", f"/schools/{school}"):
                with httpx.Client(base_url=base, timeout=30, headers={"Cookie": cookies[0]}) as c:
                    c.get(path).raise_for_status()
        times: dict[str, list[float]] = {"dashboard": [], "school": []}
        errors = [0]
        stop = time.perf_counter() + seconds
        lock = threading.Lock()

        def user(conn: http.client.HTTPConnection, headers: dict[str, str]) -> None:
            while time.perf_counter() < stop:
                for name, path in (("dashboard", "/"), ("school", f"/schools/{school}")):
                    t0 = time.perf_counter()
                    conn.request("GET", path, headers=headers)
                    r = conn.getresponse()
                    body = r.read()
                    dt = (time.perf_counter() - t0) * 1000
                    with lock:
                        times[name].append(dt)
                        errors[0] += r.status != 200 or len(body) < 1000

        threads = [threading.Thread(target=user, args=c) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for conn, _ in clients:
            conn.close()
        out: dict[str, object] = {"users": USERS, "seconds": seconds, "workers": workers, "errors": errors[0]}
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
    ap.add_argument("--workers", type=int, default=2, help="server processes (junheng serve --workers)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    results = {}
    if args.backend in ("sqlite", "both"):
        path = Path("bench/out") / f"web_load_{uuid.uuid4().hex[:8]}.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{path}"
        results["sqlite"] = run_load(url, prepare(url), args.seconds, workers=args.workers)
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
                results["postgresql"] = run_load(url, prepare(url), args.seconds, workers=args.workers)
            finally:
                with psycopg.connect(args.pg, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(json.dumps(results, indent=1, ensure_ascii=False))
    if args.out:
        args.out.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
