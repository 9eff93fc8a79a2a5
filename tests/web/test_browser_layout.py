"""Browser test of 布局规划: log in as the administrator, create and solve a scenario on the tiny county, see the
map and the decisions table (Playwright, Debian's chromium, headless; screenshots under ``test-output/web/``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fixtures import tiny_tables
from web.test_browser import _login, _shot, add_admin, browser, serve  # noqa: F401  (module fixture)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def layout_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from junheng.io import import_tables

    def prepare(engine) -> None:  # type: ignore[no-untyped-def]
        import_tables(engine, tiny_tables(), source="tiny", user="pytest")
        add_admin(engine)

    with serve(tmp_path_factory.mktemp("browser_layout"), prepare) as base:
        yield base


def test_create_and_solve_a_layout_scenario_and_see_the_map(layout_server, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    base = layout_server
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    _login(page, base, "admin")
    page.click("nav >> text=布局规划")
    page.wait_for_url(f"{base}/layout")
    page.fill("input[name=name]", "甲方案")
    page.select_option("select[name=year]", "2027")
    page.check("input[name=keep_small]")
    page.fill("input[name=time_limit_s]", "5")
    _shot(page, "layout_new")
    page.click("#new-scenario button.primary")
    # the job page polls the job panel; when the job ends the page refreshes into the scenario page
    page.wait_for_url(f"{base}/layout/scenarios/*", timeout=60_000)
    page.wait_for_selector("#layout-map[data-ready]", timeout=20_000)
    assert int(page.get_attribute("#layout-map", "data-ready") or 0) >= 1  # schools drawn on the map
    assert page.locator("#layout-map canvas").count() >= 1
    rows = page.locator("#decisions tbody tr")
    assert rows.count() == 2  # the tiny county's two public primary/nine-year schools take part
    assert "撤并" in page.inner_text("#decisions") and "小寨镇中心学校" in page.inner_text("#decisions")
    assert page.locator("a.button", has_text="XLSX").count() == 1
    page.wait_for_timeout(500)  # let ECharts finish drawing
    _shot(page, "layout_scenario")
    with page.expect_download() as dl:
        page.click("a.button:has-text('DOCX')")
    assert dl.value.suggested_filename.endswith(".docx")
    page.goto(f"{base}/layout")
    assert "甲方案" in page.inner_text("#scenarios")
    page.close()
