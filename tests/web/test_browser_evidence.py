"""Browser test (issue #13, done-when): the planner enters evidence for every 政府保障 item of yzjh-2017, the
county administrator accepts each, an assessment is run and its 政府保障程度 row has no 待认定 left.

Playwright with Debian's chromium and the uvicorn server of ``test_browser.serve``; screenshots go to
``test-output/web/`` (evidence_*.png).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fixtures import COUNTY, tiny_tables
from web.support import PASSWORD
from web.test_browser import _login, _shot, browser, serve  # noqa: F401  (module fixture)

pytestmark = pytest.mark.browser
PART = "政府保障程度"


def _prepare(engine: Any) -> None:
    from junheng.io import import_tables
    from junheng.services import auth

    import_tables(engine, tiny_tables(), source="evidence-test")
    auth.ensure_user(engine, username="planner", password=PASSWORD, role="planner", scopes=[COUNTY])
    auth.ensure_user(engine, username="county", password=PASSWORD, role="county_admin", scopes=[COUNTY])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(tmp_path_factory.mktemp("evidence"), _prepare) as base:
        yield base


def _part(page):  # type: ignore[no-untyped-def]
    return page.locator("section.evidence-part", has=page.locator(f"h2:text-is('{PART}')"))


def test_planner_enters_county_accepts_assessment_has_no_open_item(site, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    url = f"{site}/evidence?pack=yzjh-2017&year=2025"
    pdf = tmp_path / "批复文件.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")

    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = ctx.new_page()
    _login(page, site, "planner")
    page.wait_for_url(f"{site}/**")
    page.click("nav a:text-is('佐证材料')")
    page.goto(url)
    codes = _part(page).locator("article.evidence-item").evaluate_all("els => els.map(e => e.dataset.item)")
    assert len(codes) == 15
    for i, code in enumerate(codes):
        item = page.locator(f"#item-{code}")
        item.locator("select[name=status]").select_option("met")
        item.locator("input[name=document]").fill(f"鸡泽县政府〔2025〕{i + 1}号")
        if i == 0:
            item.locator("input[type=file]").set_input_files(str(pdf))
        item.locator("button:text-is('提交')").click()
        page.wait_for_selector(f"#item-{code}[data-state=submitted]")
    assert _part(page).locator("article[data-state=submitted]").count() == 15
    assert page.locator("#item-" + codes[0]).locator("a:text-is('批复文件.pdf')").count() == 1
    assert page.locator("form.review").count() == 0  # the planner does not review
    _shot(page, "evidence_01_entered")
    ctx.close()

    ctx = browser.new_context(viewport={"width": 1366, "height": 900})
    page = ctx.new_page()
    _login(page, site, "county")
    page.wait_for_url(f"{site}/**")
    page.goto(url)
    for code in codes:
        page.locator(f"#item-{code}").locator("button:text-is('认定')").click()
        page.wait_for_selector(f"#item-{code}[data-state=accepted]")
    assert _part(page).locator("article[data-state=accepted]").count() == 15
    _shot(page, "evidence_02_accepted")

    page.goto(f"{site}/assess")
    form = page.locator("form", has=page.locator("select[name=pack]"))
    form.locator("select[name=pack]").select_option("yzjh-2017")
    form.locator("select[name=year]").select_option("2025")
    form.locator("button[type=submit], button").first.click()
    page.wait_for_selector("text=差异系数与推高差异系数的学校", timeout=90_000)
    row = page.locator("tr", has=page.locator(f"td:text-is('{PART}')"))
    assert row.count() == 1
    text = row.inner_text()
    assert "待认定" not in text, text
    _shot(page, "evidence_03_assessment")
    ctx.close()
