"""Browser test of 学生资助: log in as the county administrator, upload the hand-made registries of
tests/registry/data_aid, wait for the audit job, see the exceptions table in Chinese (masked) and the 公示 list
link, and download the Word report (Playwright, Debian's chromium, headless; screenshots under
``test-output/web/``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures import COUNTY, tiny_tables
from web.support import PASSWORD
from web.test_browser import _login, _shot, browser, serve  # noqa: F401  (module fixture)

pytestmark = pytest.mark.browser

DATA = Path(__file__).parent.parent / "registry" / "data_aid"


@pytest.fixture(scope="module")
def aid_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from junheng.io import import_tables
    from junheng.services import auth

    def prepare(engine) -> None:  # type: ignore[no-untyped-def]
        import_tables(engine, tiny_tables(), source="tiny", user="pytest")
        auth.ensure_user(engine, username="county", password=PASSWORD, role="county_admin", scopes=[COUNTY])

    with serve(tmp_path_factory.mktemp("browser_aid"), prepare) as base:
        yield base


def test_upload_audit_and_see_exceptions_and_publicity(aid_server, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    base = aid_server
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True)
    _login(page, base, "county")
    page.click("nav >> text=学生资助")
    page.wait_for_url(f"{base}/aid")
    # the upload form's fields wrap instead of running off the right edge of the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    page.set_input_files("input[name=roll]", str(DATA / "roll.csv"))
    page.set_input_files("input[name=attendance]", str(DATA / "attendance.csv"))
    page.set_input_files("input[name=difficulty]", [str(DATA / "poverty.csv"), str(DATA / "dibao.csv")])
    page.set_input_files("input[name=payments]", str(DATA / "payments.csv"))
    page.set_input_files("input[name=schools]", str(DATA / "schools.csv"))
    page.fill("input[name=term]", "2026-2")
    page.fill("input[name=as_of]", "2026-11-30")
    _shot(page, "aid_upload")
    page.click("#aid-upload button.primary")
    # the job panel polls until the audit ends, then the page redirects to the results
    page.wait_for_selector("#aid-exceptions", timeout=120_000)
    table = page.inner_text("#aid-exceptions")
    assert page.locator("#aid-exceptions tbody tr").count() == 10
    assert "查无在读学籍（疑似虚报冒领）" in table and "同一学生同一项目同一学期重复发放" in table
    assert "义务教育家庭经济困难寄宿生生活补助" in table and "not_enrolled" not in table
    assert "周*" in table and "周鹏" not in page.content()
    link = page.locator("#aid-files a", has_text="公示名单")
    assert link.count() == 1
    assert page.locator("#aid-publicity tbody tr").count() == 9
    _shot(page, "aid_results")
    with page.expect_download() as dl:
        page.click("#aid-files a:has-text('资助资金发放核查报告')")
    assert dl.value.suggested_filename.endswith(".docx")
    with page.expect_download() as dl:
        link.click()
    assert dl.value.suggested_filename.endswith(".xlsx")
    page.close()
