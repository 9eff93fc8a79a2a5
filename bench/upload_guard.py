"""One upload cannot exhaust the server: a 1,000,000-row workbook checked while 10 users browse (finding 7).

Builds the demo county (鸡泽县, ``junheng demo-data --county 130431 --seed 7``) in
a scratch SQLite database, and a synthetic workbook with one sheet 儿童 of
``--rows`` children (valid GB 11643 ID numbers, made-up names "合成儿童N",
villages of the demo county; ``--bad-every K`` breaks the check digit of every
K-th ID).  Starts ``junheng serve`` (one process, the default) on a free
loopback port, logs in ``--users`` browsing users who fetch ``/``, ``/schools``
and ``/api/schools`` in turn without pause, lets them run ``--warmup`` seconds
alone, then uploads the workbook as a county administrator through
``POST /api/imports`` and polls the job until it ends.  Records:

* the server's peak RSS over its whole process tree (the server and any child it
  starts, summed per sample, sampled every 0.2 s from ``/proc``) — target ≤ 1.5 GiB;
* the browsing users' latency before and during the check (p50 / p95 / max,
  errors) — target p95 ≤ 1 s during the check;
* the job's outcome (status, number of issues, the codes and the first issues),
  its time, and the machine (``nproc``, ``uname -a``, load average before/after).

``--in-thread`` runs the check in the web process's job thread as before the
fix (the same server, launched with ``junheng.services.import_worker``'s child
process switched off) to show what the child process buys.

    .venv/bin/python bench/upload_guard.py [--rows 1000001] [--users 10] [--bad-every 0] [--in-thread] \\
        [--out bench/out/upload_guard.json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import httpx
import numpy as np

from serving import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
PASSWORD = "Upload-Guard-Passw0rd!"
COUNTY = "130431"
PAGES = ("/", "/schools", "/api/schools")
COLUMNS = ("身份证号", "姓名", "性别", "户籍村/社区代码", "居住村/社区代码")  # `junheng template` headers of 儿童

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_PARTS = {
    "[Content_Types].xml": _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
    "_rels/.rels": _XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": _XML + f'<workbook {_NS} '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="儿童" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": _XML + '<Relationships '
    'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>',
    "xl/styles.xml": _XML + f'<styleSheet {_NS}><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font>'
    '</fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill '
    'patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/>'
    '</border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>',
}


def build_workbook(path: Path, n: int, villages: list[str], *, bad_every: int = 0, seed: int = 7) -> Path:
    """A workbook as Excel writes it (shared strings, a <dimension>), written directly: openpyxl would take
    ≈ 2 minutes for a million rows.  IDs are distinct: (birth day, sequence) drawn without replacement."""
    from junheng.domain.idnumber import CHECK_CHARS, WEIGHTS

    rng = np.random.default_rng(seed)
    vill = np.asarray(villages)[rng.integers(0, len(villages), n)]
    idx = rng.choice(16 * 365 * 1000, n, replace=False)
    births = (np.datetime64("2009-01-01") + (idx // 1000).astype("timedelta64[D]")).astype(str)
    body = [f"{COUNTY}{b[:4]}{b[5:7]}{b[8:]}{s:03d}" for b, s in zip(births, idx % 1000, strict=True)]
    digits = np.frombuffer("".join(body).encode(), dtype=np.uint8).reshape(-1, 17).astype(np.int64) - 48
    checks = np.asarray(list(CHECK_CHARS))[(digits * np.asarray(WEIGHTS)).sum(axis=1) % 11]
    if bad_every:  # a wrong check digit (E108) on every bad_every-th row
        wrong = np.asarray(list(CHECK_CHARS))[((digits * np.asarray(WEIGHTS)).sum(axis=1) + 1) % 11]
        checks[::bad_every] = wrong[::bad_every]
    strings: dict[str, int] = {}

    def s(x: str) -> int:
        i = strings.get(x)
        if i is None:
            i = strings[x] = len(strings)
        return i

    def row(r: int, values: tuple[str, ...]) -> str:
        return f'<row r="{r}">' + "".join(f'<c r="{c}{r}" t="s"><v>{s(v)}</v></c>'
                                           for c, v in zip("ABCDE", values, strict=True)) + "</row>"

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write((_XML + f'<worksheet {_NS}><dimension ref="A1:E{n + 1}"/><sheetData>').encode())
            f.write(row(1, COLUMNS).encode())
            buf: list[str] = []
            for i in range(n):
                sex = "男" if int(body[i][16]) % 2 else "女"
                buf.append(row(i + 2, (body[i] + checks[i], f"合成儿童{i % 50000}", sex, vill[i], vill[i])))
                if len(buf) == 20_000:
                    f.write("".join(buf).encode())
                    buf = []
            f.write(("".join(buf) + "</sheetData></worksheet>").encode())
        z.writestr("xl/sharedStrings.xml", _XML + f'<sst {_NS} count="{len(strings)}" uniqueCount="{len(strings)}">'
                   + "".join(f"<si><t>{escape(k)}</t></si>" for k in strings) + "</sst>")
        for name, text in _PARTS.items():
            z.writestr(name, text)
    tmp.replace(path)
    return path


def tree_rss(pid: int) -> int:
    """RSS in bytes of ``pid`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", "rb") as fh:
                stat = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(stat[1]), []).append(int(d))  # field 4: ppid
        rss[int(d)] = int(stat[21]) * page  # field 24: rss in pages
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def machine() -> dict[str, object]:
    def sh(*cmd: str) -> str:
        return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()

    return {"nproc": sh("nproc"), "uname": sh("uname", "-a"), "python": platform.python_version(),
            "loadavg": Path("/proc/loadavg").read_text().split()[:3]}


def pct(xs: list[float]) -> dict[str, float | int]:
    if not xs:
        return {"requests": 0}
    xs = sorted(xs)
    return {"requests": len(xs), "p50_ms": round(statistics.median(xs), 1),
            "p95_ms": round(xs[int(0.95 * (len(xs) - 1))], 1), "max_ms": round(xs[-1], 1)}


def prepare(db: Path) -> list[str]:
    """The demo county and two users; returns the county's village codes."""
    from sqlalchemy import text

    from junheng.services import auth
    from junheng.store.engine import make_engine

    junheng = Path(sys.executable).with_name("junheng")
    subprocess.run([str(junheng), "demo-data", "--county", COUNTY, "--seed", "7", "--db", str(db)], check=True,
                   stdout=subprocess.DEVNULL)
    engine = make_engine(f"sqlite:///{db}")
    scope = [f"{COUNTY}000000"]
    auth.ensure_user(engine, username="uploader", password=PASSWORD, role="county_admin", scopes=scope, reset=True)
    auth.ensure_user(engine, username="browser", password=PASSWORD, role="viewer", scopes=scope, reset=True)
    with engine.connect() as conn:
        villages = [v for (v,) in conn.execute(text("SELECT code FROM org_unit WHERE level = 'village'"))]
    engine.dispose()
    return villages


def login(base: str, username: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=120)
    tok = c.get("/api/auth/csrf").json()["csrf_token"]
    r = c.post("/api/auth/login", json={"username": username, "password": PASSWORD}, headers={"X-CSRF-Token": tok})
    r.raise_for_status()
    c.headers["X-CSRF-Token"] = r.json()["csrf_token"]  # the session's token, for writes
    return c


def run(db: Path, workbook: Path, *, users: int, warmup: float, in_thread: bool) -> dict[str, object]:
    port = free_port()
    junheng = Path(sys.executable).with_name("junheng")
    serve = ["serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)]
    if in_thread:  # the same server with the check in its job thread (as before the fix)
        cmd = [sys.executable, "-c", "import sys; import junheng.services.import_worker as w; "
               "w._isolable = lambda engine: False; from junheng.cli import app; app(sys.argv[1:])", *serve]
    else:
        cmd = [str(junheng), *serve]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    peak = [0]
    sampling = [True]

    def sampler() -> None:
        while sampling[0]:
            peak[0] = max(peak[0], tree_rss(server.pid))
            time.sleep(0.2)

    try:
        wait_until_up(base, tries=300)
        threading.Thread(target=sampler, daemon=True).start()
        cookies = []
        for _ in range(users):
            c = login(base, "browser")
            cookies.append("; ".join(f"{k}={v}" for k, v in c.cookies.items()))
            c.close()
        for path in PAGES:  # warm the caches
            httpx.get(base + path, headers={"Cookie": cookies[0]}, timeout=60).raise_for_status()
        idle_rss = tree_rss(server.pid)
        samples: list[tuple[float, float, bool]] = []  # (start time, ms, ok)
        lock = threading.Lock()
        stop = [False]

        def user(cookie: str) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            headers = {"Cookie": cookie}
            while not stop[0]:
                for path in PAGES:
                    t0 = time.perf_counter()
                    try:
                        conn.request("GET", path, headers=headers)
                        r = conn.getresponse()
                        r.read()
                        ok = r.status == 200
                    except (OSError, http.client.HTTPException):
                        ok = False
                        conn.close()
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                    with lock:
                        samples.append((t0, (time.perf_counter() - t0) * 1000, ok))
            conn.close()

        threads = [threading.Thread(target=user, args=(c,)) for c in cookies]
        t_start = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(warmup)
        up = login(base, "uploader")
        t_up = time.perf_counter()
        with workbook.open("rb") as fh:
            r = up.post("/api/imports", files={"file": (workbook.name, fh, "application/vnd.openxmlformats-"
                                                                          "officedocument.spreadsheetml.sheet")})
        r.raise_for_status()
        job_id = r.json()["job_id"]
        while True:
            job = up.get(f"/api/jobs/{job_id}").json()
            if job["status"] in ("done", "failed"):
                break
            time.sleep(1)
        t_done = time.perf_counter()
        stop[0] = True
        for t in threads:
            t.join()
        up.close()
        before = [ms for t0, ms, _ in samples if t_start <= t0 < t_up]
        during = [ms for t0, ms, _ in samples if t_up <= t0 < t_done]
        result = job.get("result") or {}
        issues = result.get("issues") or []
        return {
            "mode": "in-thread" if in_thread else "child process",
            "users": users,
            "workbook": {"name": workbook.name, "mib": round(workbook.stat().st_size / 2**20, 1)},
            "job": {"status": job["status"], "message": job.get("message", "")[:300],
                    "seconds": round(t_done - t_up, 1), "ok": result.get("ok"), "n_issues": result.get("n_issues"),
                    "codes": sorted({i["code"] for i in issues}), "rows": result.get("rows"),
                    "first_issues": [{k: i[k] for k in ("code", "sheet", "row", "column", "expected", "found")}
                                     for i in issues[:2]] + ([{k: issues[-1][k] for k in ("code", "found")}]
                                                             if len(issues) > 2 else [])},
            "server_rss_mib": {"idle": round(idle_rss / 2**20), "peak": round(peak[0] / 2**20)},
            "latency_before_ms": {**pct(before), "seconds": round(t_up - t_start, 1)},
            "latency_during_ms": {**pct(during), "seconds": round(t_done - t_up, 1)},
            "errors": sum(1 for _, _, ok in samples if not ok),
        }
    finally:
        sampling[0] = False
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_001, help="children in the workbook (cap: 1,000,000)")
    ap.add_argument("--bad-every", type=int, default=0, help="a wrong ID check digit on every K-th row (0: none)")
    ap.add_argument("--users", type=int, default=10)
    ap.add_argument("--warmup", type=float, default=10, help="seconds of browsing before the upload")
    ap.add_argument("--in-thread", action="store_true", help="check in the web process's thread (before the fix)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / f"upload_guard_{uuid.uuid4().hex[:8]}.db"
    facts = {"before": machine()}
    try:
        villages = prepare(db)
        workbook = OUT / f"upload_guard_{args.rows}_{args.bad_every}.xlsx"
        t0 = time.perf_counter()
        if not workbook.exists():
            build_workbook(workbook, args.rows, villages, bad_every=args.bad_every)
        print(f"workbook {workbook.name}: {workbook.stat().st_size / 2**20:.1f} MiB "
              f"({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
        result = run(db, workbook, users=args.users, warmup=args.warmup, in_thread=args.in_thread)
    finally:
        for p in db.parent.glob(db.name + "*"):
            p.unlink()
    result["rows"] = args.rows
    result["bad_every"] = args.bad_every
    result["machine"] = {**facts["before"], "loadavg_after": machine()["loadavg"]}
    print(json.dumps(result, indent=1, ensure_ascii=False))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
