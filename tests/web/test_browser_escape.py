"""Browser test: data in chart tooltips is text, never HTML (finding 10).

ECharts tooltip ``formatter`` functions return HTML.  A school renamed ``<img src=x onerror=alert(1)>``
must show up in the tooltip as exactly that text, with no ``<img>`` element created.  The tooltips
are opened with ECharts' own ``showTip`` action (no mouse hovering, so nothing depends on where a
point is drawn).  The dashboard map (``app.js``) is checked on the real page; the heatmap, a
default axis tooltip and the layout map (``layout.js``) on a page the test serves itself (via
Playwright routing, under the server's own origin and CSP) that loads the real scripts with crafted
data, so no assessment or layout solve has to run.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from typing import Any

import pytest

from fixtures import S_NINE, tiny_tables
from web.test_browser import _login, add_admin, browser, serve  # noqa: F401  (module fixture)

pytestmark = pytest.mark.browser

PAYLOAD = "<img src=x onerror=alert(1)>"
PAYLOAD2 = "\"'><svg onload=alert(2)>&amp;"


@pytest.fixture(scope="module")
def escape_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from sqlalchemy import text

    from junheng.io import import_tables

    def prepare(engine: Any) -> None:
        import_tables(engine, tiny_tables(), source="tiny", user="pytest")
        with engine.begin() as conn:  # the rename, as a school clerk's edit would store it
            conn.execute(text("UPDATE school SET name = :n, version = version + 1 WHERE code = :c"),
                         {"n": PAYLOAD, "c": S_NINE})
        add_admin(engine)

    with serve(tmp_path_factory.mktemp("browser_escape"), prepare) as base:
        yield base


# Opens the tooltip of the first data item named `name` (or of data item 0 of series 0) of the chart in
# `sel`; returns once the tooltip shows something, with what the chart's DOM then holds.
SHOW_TIP = """async ([sel, name]) => {
  const el = document.querySelector(sel);
  const chart = el._chart;
  let si = 0, di = 0;
  if (name !== null) {
    si = -1;
    chart.getOption().series.forEach((s, i) => {
      const j = (s.data || []).findIndex((d) => d && d.name === name);
      if (si < 0 && j >= 0) { si = i; di = j; }
    });
    if (si < 0) return { error: "no data item named " + name };
  }
  chart.dispatchAction({ type: "showTip", seriesIndex: si, dataIndex: di });
  for (let k = 0; k < 100 && !el.textContent.trim() && !el.querySelector("img, svg"); k++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  return { text: el.textContent, html: el.innerHTML, imgs: el.querySelectorAll("img").length,
           svgs: el.querySelectorAll("svg").length, pageImgs: document.querySelectorAll("img").length };
}"""


def _tip(page, sel: str, name: str | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    got = page.evaluate(SHOW_TIP, [sel, name])
    assert "error" not in got, got
    return got  # type: ignore[no-any-return]


def _assert_text_only(got: dict[str, Any], *texts: str) -> None:
    assert got["imgs"] == 0 and got["svgs"] == 0 and got["pageImgs"] == 0, got["html"]
    for t in texts:
        assert t in got["text"], (t, got["html"])


def test_school_name_in_dashboard_map_tooltip_is_text(escape_server, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    base = escape_server
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _login(page, base, "admin")
    page.wait_for_url(f"{base}/**")
    page.goto(f"{base}/")
    page.wait_for_selector(".chart.map canvas", timeout=15_000)
    page.wait_for_function("() => { const el = document.querySelector('.chart.map'); return el && el._chart && "
                           "el._chart.getOption().series.length > 0; }", timeout=15_000)
    _assert_text_only(_tip(page, ".chart.map", PAYLOAD), PAYLOAD)
    # the school's own page: the school is also the highlighted point (its name is that series' name)
    page.goto(f"{base}/schools/{S_NINE}")
    page.wait_for_function("() => { const el = document.querySelector('.chart.map'); return el && el._chart && "
                           "el._chart.getOption().series.length > 0; }", timeout=15_000)
    _assert_text_only(_tip(page, ".chart.map", PAYLOAD), PAYLOAD)
    assert dialogs == []
    page.close()


def _probe_page(csp: str) -> tuple[str, dict[str, str]]:
    heat = {"x": [PAYLOAD2, "生均教学及辅助用房面积"], "y": [PAYLOAD, "鸡泽县实验小学"],
            "cells": [[0, 0, 1.5], [1, 1, 0.5]]}
    students = {"years": [2024, 2025], "students": {PAYLOAD: [10, 12]}}
    attr = lambda v: html.escape(json.dumps(v, ensure_ascii=False), quote=True)  # noqa: E731
    body = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>probe</title>
<script src="/static/vendor/echarts.min.js" defer></script>
<script src="/static/app.js" defer></script>
<script src="/static/layout.js" defer></script>
</head><body data-lang="zh">
<div id="heat" class="chart heat" data-chart="heatmap" data-json="{attr(heat)}" style="width:900px;height:320px"></div>
<div id="students" class="chart" data-chart="students" data-json="{attr(students)}" style="width:900px;height:260px"></div>
<div id="layout-map" class="chart map" data-layout-map="/__escape_probe/layout.json" data-labels="{attr({})}"
     style="width:900px;height:420px"></div>
</body></html>"""
    return body, {"content-type": "text/html; charset=utf-8", "content-security-policy": csp}


LAYOUT_MAP = {
    "geojson": {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": PAYLOAD2, "code": "130431100000"},
        "geometry": {"type": "Polygon", "coordinates": [[[114.80, 36.80], [114.95, 36.80], [114.95, 36.95],
                                                         [114.80, 36.95], [114.80, 36.80]]]}}]},
    "zones": [{"stage": "primary", "coords": [[114.85, 36.85], [114.886, 36.845]], "village": PAYLOAD2,
               "school": PAYLOAD}],
    "villages": [{"code": "130431100201", "name": PAYLOAD2, "value": [114.85, 36.85]}],
    "schools": [{"code": S_NINE, "name": PAYLOAD, "decision": "keep", "value": [114.886, 36.845]}],
}


def test_heatmap_axis_and_layout_tooltips_are_text(escape_server, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    base = escape_server
    page = browser.new_page(viewport={"width": 1366, "height": 1200}, locale="zh-CN")
    login_page = page.goto(f"{base}/login")
    assert login_page is not None
    csp = login_page.headers["content-security-policy"]  # the server's own policy for the probe page
    body, headers = _probe_page(csp)
    page.route(f"{base}/__escape_probe", lambda route: route.fulfill(status=200, headers=headers, body=body))
    page.route(f"{base}/__escape_probe/layout.json",
               lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(LAYOUT_MAP)))
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{base}/__escape_probe")
    page.wait_for_selector("#layout-map[data-ready]", timeout=15_000)
    page.wait_for_function("() => document.querySelector('#heat')._chart && document.querySelector('#students')._chart")
    assert page.evaluate("() => window.Junheng.esc('<a href=\"x\">&\\'</a>')") == \
        "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
    _assert_text_only(_tip(page, "#heat"), PAYLOAD, PAYLOAD2)  # school (y) and indicator (x) names
    _assert_text_only(_tip(page, "#students"), PAYLOAD)  # ECharts' default tooltip escapes series names itself
    _assert_text_only(_tip(page, "#layout-map", PAYLOAD), PAYLOAD)  # layout.js: a school
    _assert_text_only(_tip(page, "#layout-map", PAYLOAD2), PAYLOAD2)  # ... and a village
    assert dialogs == []
    page.close()
