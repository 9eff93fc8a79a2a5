"""Browser tests: Playwright for Python driving Debian's chromium (headless), one uvicorn server for the module.

Walks the main path — log in, upload a broken workbook and see its errors,
upload a good one and confirm, open the dashboard and a school, run an
assessment and download the DOCX — and checks a school clerk gets 403 on
another school's page.  A screenshot of each page (1366×768) is saved under
``test-output/web/`` (or ``$JUNHENG_TEST_OUTPUT``).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from fixtures import S_NINE, S_PRIMARY, tiny_tables
from web.support import PASSWORD

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
OUT = Path(os.environ.get("JUNHENG_TEST_OUTPUT", Path(__file__).resolve().parents[2] / "test-output" / "web"))
VENDOR = Path(__file__).resolve().parents[2] / "src" / "junheng" / "web" / "static" / "vendor" / "echarts.min.js"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(tmp: Path, prepare: Callable[[Any], None]) -> Iterator[str]:
    """A migrated SQLite database in ``tmp`` prepared by ``prepare(engine)``, served by uvicorn in a thread;
    yields the base URL (the browser test modules share this)."""
    import uvicorn

    from junheng.services.settings import Settings
    from junheng.store.engine import make_engine, upgrade
    from junheng.web import create_app

    assert VENDOR.is_file(), "run `make assets` first (front-end files are served locally)"
    url = f"sqlite:///{tmp / 'web.db'}"
    upgrade(url)
    engine = make_engine(url)
    prepare(engine)
    engine.dispose()
    app = create_app(Settings(db_url=url))
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{srv.config.port}"
    srv.should_exit = True
    thread.join(timeout=10)
    app.state.web.runner.shutdown()


def add_admin(engine: Any) -> None:
    from junheng.services import auth

    auth.ensure_user(engine, username="admin", password=PASSWORD, role="admin")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("browser")
    with serve(tmp, add_admin) as base:
        yield base, tmp


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)


def _login(page, base: str, user: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def _workbooks(tmp: Path) -> tuple[Path, Path]:
    from openpyxl import load_workbook

    from junheng.io import write_workbook

    good = write_workbook(tmp / "良好数据.xlsx", tiny_tables())
    wb = load_workbook(good)
    ws = wb["学校年度数据"] if "学校年度数据" in wb.sheetnames else wb[wb.sheetnames[2]]
    ws.cell(row=3, column=3).value = "很多"  # a number column gets text
    bad = tmp / "错误数据.xlsx"
    wb.save(bad)
    return good, bad


def test_main_path(server, browser) -> None:  # type: ignore[no-untyped-def]
    base, tmp = server
    good, bad = _workbooks(tmp)
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="zh-CN")
    page = ctx.new_page()
    page.goto(f"{base}/login")
    _shot(page, "01_login")
    _login(page, base, "admin")
    page.wait_for_url(f"{base}/**")
    _shot(page, "02_empty")

    page.goto(f"{base}/import")
    page.set_input_files("input[type=file]", str(bad))
    page.click("form.upload button")
    page.wait_for_selector("table.errors", timeout=30_000)
    assert page.locator("table.errors tbody tr").count() >= 1
    assert "E10" in page.inner_text("table.errors")
    _shot(page, "03_import_errors")

    page.set_input_files("input[type=file]", str(good))
    page.click("form.upload button")
    page.wait_for_selector("button:has-text('确认导入')", timeout=30_000)
    page.click("button:has-text('确认导入')")
    try:
        page.wait_for_selector("text=导入完成", timeout=30_000)
    finally:
        _shot(page, "04_import_confirm")
    page.reload()  # the job survives a reload; the history now lists the import
    page.wait_for_selector("text=导入完成", timeout=10_000)
    assert "良好数据.xlsx" in page.inner_text("table")  # the history names the file
    _shot(page, "04_import_done")

    page.goto(f"{base}/")
    page.wait_for_selector(".chart.map canvas", timeout=15_000)
    assert "鸡泽县" in page.inner_text("h1")
    page.wait_for_timeout(500)
    _shot(page, "05_dashboard")

    page.goto(f"{base}/schools")
    assert page.locator("table.list tbody tr").count() == 4
    page.fill("input[name=q]", "实验")
    from playwright.sync_api import expect

    expect(page.locator("table.list tbody tr")).to_have_count(1, timeout=10_000)  # HTMX search
    _shot(page, "06_schools")

    page.goto(f"{base}/assess")
    page.click("form.filters button")
    page.wait_for_selector("text=差异系数与推高差异系数的学校", timeout=90_000)
    page.wait_for_selector(".chart.heat canvas", timeout=15_000)
    _shot(page, "07_assessment")
    with page.expect_download() as dl:
        page.click("a.button:has-text('DOCX')")
    path = tmp / "report.docx"
    dl.value.save_as(path)
    assert path.stat().st_size > 10_000 and path.read_bytes()[:2] == b"PK"

    page.goto(f"{base}/schools/{S_NINE}")
    page.wait_for_selector("text=办学指标")
    page.wait_for_selector(".chart.map canvas", timeout=15_000)
    page.wait_for_timeout(500)
    _shot(page, "08_school")

    page.goto(f"{base}/admin/users")
    _shot(page, "09_admin_users")
    ctx.close()


def test_clerk_cannot_open_another_school(server, browser) -> None:  # type: ignore[no-untyped-def]
    from junheng.io import import_tables
    from junheng.services import auth
    from junheng.store.engine import make_engine

    base, tmp = server
    engine = make_engine(f"sqlite:///{tmp / 'web.db'}")
    # the schools must exist; under pytest-xdist this test may run without the upload test before it
    import_tables(engine, tiny_tables(), source="clerk-test")
    auth.ensure_user(engine, username="clerk", password=PASSWORD, role="school_clerk", school_code=S_NINE,
                     reset=True)
    engine.dispose()
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    _login(page, base, "clerk")
    page.wait_for_url(f"{base}/**")
    own = page.goto(f"{base}/schools/{S_NINE}")
    assert own is not None and own.status == 200
    other = page.goto(f"{base}/schools/{S_PRIMARY}")
    assert other is not None and other.status == 403
    assert "无权访问" in page.inner_text("h1")
    _shot(page, "10_clerk_403")
    ctx.close()
