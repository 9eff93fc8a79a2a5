"""Browser test: a township worker works a case from 疑似 to 销号 on a phone (390 × 844), issue 13.

Playwright drives Debian's chromium against one uvicorn server (``test_browser.serve``).  The worker logs in,
opens the case from the list, and takes it 疑似 → 核实 → 安置（复学）→ 跟踪 → 销号 through the buttons of the
case page; on every page the document is no wider than the viewport.  Closing needs the follow-up period to
have passed, so the case service's clock (its ``audit.now``) is moved past it before the last step.  Screenshots
are saved under ``test-output/web/`` as ``case-mobile-<n>-<step>.png`` (docs/zh/care.md names them).
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Iterator
from typing import Any

import pytest

from fixtures import T2, V3, tiny_tables
from web.support import PASSWORD
from web.test_browser import ARGS, CHROMIUM, OUT, serve

pytestmark = pytest.mark.browser

ID, NAME = "130431201501010012", "张三丰"  # synthetic


def _prepare(engine: Any) -> None:
    from junheng.io import import_tables
    from junheng.services import auth
    from junheng.store.cases import CaseService

    import_tables(engine, tiny_tables(), source="tiny", user="pytest")
    auth.ensure_user(engine, username="zhang", password=PASSWORD, role="township_staff", scopes=[T2],
                     display_name="张老师")
    CaseService(engine).open(ID, "out_of_school", by="pytest", at=dt.datetime.now().replace(microsecond=0),
                             name=NAME, id_number=ID, village_code=V3)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(tmp_path_factory.mktemp("case_mobile"), _prepare) as base:
        yield base


def _fits(page: Any, name: str) -> None:
    """The page is no wider than the 390 px viewport; a screenshot is kept."""
    width = page.evaluate("document.documentElement.scrollWidth")
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"case-mobile-{name}.png"), full_page=True)
    assert width <= 390, f"{name}: the page is {width} px wide"


def _act(page: Any, label: str, fill: dict[str, str], choose: dict[str, str] | None = None) -> None:
    """Open the action ``label`` by its button, fill its form and submit it."""
    page.locator("summary", has_text=label).first.click()
    form = page.locator("details[open] form")
    for name, value in (choose or {}).items():
        form.locator(f"select[name={name}]").select_option(label=value)
    for name, value in fill.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_township_worker_closes_a_case_on_a_phone(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from playwright.sync_api import sync_playwright

    from junheng.services import audit
    from junheng.services import care as K

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
        page.goto(f"{server}/login")
        page.fill("input[name=username]", "zhang")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{server}/care")
        _fits(page, "1-list")
        assert NAME in page.content()  # the responsible township worker sees the child
        page.locator("a[href^='/care/cases/']").first.click()
        page.wait_for_load_state()
        _fits(page, "2-suspected")
        top = page.locator(".case-top").inner_text()
        assert "疑似" in top and "核实" in top and "还剩 7 天" in top
        assert "南庄村" not in page.content() and "小寨村" in page.content() and "小寨镇" in page.content()
        _act(page, "核实", {"reason": "外出务工随迁", "guardian_name": "张大山", "guardian_relation": "父亲",
                            "contact_phone": "13812341234"}, {"result": "确认辍学/失学"})
        _fits(page, "3-confirmed")
        assert "当前状态\n核实" in page.locator(".case-top").inner_text() or "核实" in page.locator(".state").inner_text()
        assert "张老师 核实：确认辍学/失学（核实理由：外出务工随迁" in page.content()
        _act(page, "安置", {}, {"placement": "复学"})
        _fits(page, "4-returned")
        assert page.locator(".state").inner_text() == "复学"
        _act(page, "进入跟踪", {"months": "1"})
        _fits(page, "5-tracking")
        assert page.locator(".state").inner_text() == "跟踪"
        later = dt.datetime.now().replace(microsecond=0) + dt.timedelta(days=40)
        # the follow-up month has passed for the case actions (the login session keeps the real clock)
        monkeypatch.setattr(K, "audit", types.SimpleNamespace(now=lambda: later, record=audit.record,
                                                              record_now=audit.record_now))
        _act(page, "销号", {"note": "复学后正常到校一个月"})
        _fits(page, "6-closed")
        assert page.locator(".state").inner_text() == "销号"
        history = page.locator("ol.timeline").inner_text()
        assert history.count("张老师") == 4 and f"{later.date().isoformat()} 张老师 销号" in history
        assert "source" not in history and "{}" not in history
        browser.close()
