"""Browser test of the list component (issue #13): the 学校 list of 130 schools — search, page 2, 导出 Excel."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures import T1, tiny_tables
from web.test_browser import _login, _shot, add_admin, browser, serve  # noqa: F401  (module fixture)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def lists_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    def prepare(engine) -> None:  # type: ignore[no-untyped-def]
        from sqlalchemy import insert

        from junheng.io import import_tables
        from junheng.store.models import School

        import_tables(engine, tiny_tables(), source="tiny", user="pytest")
        with engine.begin() as conn:
            conn.execute(insert(School.__table__), [
                {"code": f"21130439{i:02d}", "name": f"测试学校{i:03d}", "school_type": "primary",
                 "ownership": "public", "township_code": T1, "version": 1} for i in range(100)])
        add_admin(engine)

    with serve(tmp_path_factory.mktemp("browser_lists"), prepare) as base:
        yield base


def test_schools_list_search_page_and_export(lists_server, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    base = lists_server
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="zh-CN")
    page = ctx.new_page()
    _login(page, base, "admin")
    page.wait_for_url(f"{base}/**")
    page.goto(f"{base}/schools")
    assert "第 1 / 3 页，共 104 条" in page.inner_text("nav.pager")
    page.fill("input[name=q]", "测试学校")
    page.click("form.list-controls button[type=submit]")
    page.wait_for_url("**q=*")
    assert "第 1 / 2 页，共 100 条" in page.inner_text("nav.pager")
    assert page.locator("table.list tbody tr").count() == 50
    page.click("nav.pager a[rel=next]")
    page.wait_for_url("**page=2*")
    assert "第 2 / 2 页，共 100 条" in page.inner_text("nav.pager")
    assert page.locator("table.list tbody tr").first.inner_text().startswith("2113043950")
    _shot(page, "lists_schools_page2")
    page.fill("input[name=q]", "测试学校09")  # searched as one types (HTMX): the export link follows
    expect(page.locator("table.list tbody tr")).to_have_count(10, timeout=10_000)
    assert "q=%E6%B5%8B%E8%AF%95%E5%AD%A6%E6%A0%A109" in (page.get_attribute("a.export", "href") or "")
    page.fill("input[name=q]", "测试学校")
    expect(page.locator("table.list tbody tr")).to_have_count(50, timeout=10_000)
    with page.expect_download() as info:
        page.click("a.export")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "学校标识码" and len(rows) == 101  # every filtered row, not only the page
    assert all(str(r[1]).startswith("测试学校") for r in rows[1:])
    ctx.close()
