"""Lists (issue #13): every list pages (≤ 100 rows), searches, sorts on declared columns only (else 422), and
exports its filtered rows as XLSX, masked as on the page and audited (services/listing.py, _list.html)."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from fixtures import S_NINE, T1

pytestmark = pytest.mark.usefixtures("web")


def _rows(content: bytes) -> list[list]:
    book = load_workbook(io.BytesIO(content))
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def _note(content: bytes) -> dict:
    book = load_workbook(io.BytesIO(content))
    return {r[0]: r[1] for r in book["说明"].iter_rows(values_only=True)}


def _body_rows(html: str, table_id: str | None = None) -> int:
    if table_id:
        html = html[html.index(f'id="{table_id}"'):]
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return body.count("<tr")


def _add_schools(web, n: int) -> None:
    from junheng.store.models import School

    engine = web.state.engine
    with engine.begin() as conn:
        conn.execute(insert(School.__table__), [
            {"code": f"21130439{i:02d}", "name": f"测试学校{i:03d}", "school_type": "primary", "ownership": "public",
             "township_code": T1, "version": 1} for i in range(n)])


def _downloads(web, list_name: str) -> list[dict]:
    from junheng.store.auth_models import AuditEvent

    t = AuditEvent.__table__
    with web.state.engine.connect() as conn:
        rows = conn.execute(select(t.c.detail, t.c.username).where(t.c.action == "file.download")).all()
    return [dict(d, username=u) for d, u in rows if (d or {}).get("list") == list_name]


# ---------------------------------------------------------------------------------------------------- schools
def test_schools_page_search_sort_export(web) -> None:
    _add_schools(web, 96)  # 4 + 96 = 100 → with per_page 50 two pages; 130 rows below for > 100
    _add_schools_more = [f"21130438{i:02d}" for i in range(30)]
    from junheng.store.models import School

    with web.state.engine.begin() as conn:
        conn.execute(insert(School.__table__), [
            {"code": c, "name": f"补充学校{c[-2:]}", "school_type": "junior", "ownership": "public",
             "township_code": T1, "version": 1} for c in _add_schools_more])
    c = web.client("county")
    r = c.get("/schools")
    assert r.status_code == 200
    assert _body_rows(r.text) == 50
    assert "第 1 / 3 页，共 130 条" in r.text
    r = c.get("/schools?per_page=100&page=2")
    assert _body_rows(r.text) == 30 and "第 2 / 2 页，共 130 条" in r.text
    assert c.get("/schools?per_page=101").status_code == 422
    # search narrows
    r = c.get("/schools", params={"q": "补充学校"})
    assert "共 30 条" in r.text and "测试学校" not in r.text
    # sort orders: by name descending, 补充学校29 before 补充学校28
    r = c.get("/schools", params={"q": "补充", "sort": "name", "desc": "1"})
    assert r.text.index("补充学校29") < r.text.index("补充学校28")
    r = c.get("/schools", params={"q": "补充", "sort": "name", "desc": "0"})
    assert r.text.index("补充学校28") < r.text.index("补充学校29")
    # an unknown sort key is a 422 with a clear message
    r = c.get("/schools?sort=secret")
    assert r.status_code == 422 and "无法按“secret”排序" in r.text
    # the export holds the filtered rows, all pages, Chinese headers
    r = c.get("/schools/export.xlsx", params={"school_type": "primary", "sort": "code"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxml")
    rows = _rows(r.content)
    assert rows[0][:3] == ["学校标识码", "学校名称", "类型"]
    assert len(rows) - 1 == 97  # 96 added + 鸡泽县实验小学
    assert [x[0] for x in rows[1:]] == sorted(x[0] for x in rows[1:])
    assert {x[2] for x in rows[1:]} == {"小学"}
    assert _downloads(web, "schools")[-1]["rows"] == 97


def test_export_is_formula_safe(web) -> None:
    from junheng.store.models import School

    with web.state.engine.begin() as conn:
        conn.execute(insert(School.__table__), [{"code": "2113043999", "name": '=HYPERLINK("http://x","y")',
                                                 "school_type": "primary", "ownership": "public",
                                                 "township_code": T1, "version": 1}])
    r = web.client("county").get("/schools/export.xlsx", params={"q": "2113043999"})
    book = load_workbook(io.BytesIO(r.content))
    cell = book.worksheets[0]["B2"]
    assert cell.value == '=HYPERLINK("http://x","y")' and cell.data_type == "s"


# ---------------------------------------------------------------------------------------------------- audit
def test_audit_list_pages_searches_and_exports(web) -> None:
    from junheng.services.audit import now
    from junheng.store.auth_models import AuditEvent

    with web.state.engine.begin() as conn:
        conn.execute(insert(AuditEvent.__table__), [
            {"at": now(), "username": "county", "role": "county_admin", "action": "test.event",
             "target": f"目标{i:03d}", "ip": "1.2.3.4", "detail": {"i": i}, "org_code": "130431000000"}
            for i in range(140)])
    c = web.client("county")
    r = c.get("/admin/audit")
    assert r.status_code == 200 and _body_rows(r.text) == 50 and "第 1 / " in r.text
    r = c.get("/admin/audit", params={"q": "目标13", "sort": "target", "desc": "1"})
    assert "共 10 条" in r.text and r.text.index("目标139") < r.text.index("目标130")
    assert c.get("/admin/audit?sort=ip").status_code == 422
    r = c.get("/admin/audit/export.xlsx", params={"action": "test.event"})
    rows = _rows(r.content)
    assert rows[0] == ["时间", "用户名", "角色", "操作", "对象", "地址", "详情"]
    assert len(rows) - 1 == 140 and rows[1][4] == "目标139"  # newest first
    assert _downloads(web, "audit")[-1] == {"list": "audit", "rows": 140, "total": 140, "q": "",
                                            "filters": {"action": "test.event"}, "username": "county"}


def test_export_cap_is_stated(web, monkeypatch) -> None:
    from junheng.services import listing

    monkeypatch.setattr(listing, "EXPORT_CAP", 2)
    r = web.client("county").get("/schools/export.xlsx")
    assert len(_rows(r.content)) == 3
    assert "仅导出前 2 条" in _note(r.content)["说明"]


# ---------------------------------------------------------------------------------------------------- cases
def _open_cases(web, n: int) -> None:
    import datetime as dt

    from junheng.store.cases import CaseService

    svc = CaseService(web.state.engine)
    at = dt.datetime(2026, 9, 2, 9, 0)
    for i in range(n):
        ident = f"1304312015010{i:03d}12"[:17] + "X"
        svc.open(ident, "suspected_dropout", by="pytest", at=at, name=f"王小{chr(0x4e00 + i)}", id_number=ident,
                 student_id="G" + ident, school_code=S_NINE)


def test_cases_page_sort_search_and_masked_export(web) -> None:
    _open_cases(web, 105)
    viewer = web.client("viewer")  # responsible for no case: names and IDs masked
    r = viewer.get("/care")
    assert r.status_code == 200
    assert "第 1 / 3 页，共 105 条" in r.text
    assert len(re.findall(r'href="/care/cases/\d+"', r.text)) == 50
    r = viewer.get("/care", params={"per_page": 100, "sort": "id", "desc": "1"})
    ids = [int(x) for x in re.findall(r'href="/care/cases/(\d+)"', r.text)]
    assert len(ids) == 100 and ids == sorted(ids, reverse=True) and ids[0] == 105
    r = viewer.get("/care", params={"q": "104"})  # the case number, as shown
    assert re.findall(r'href="/care/cases/(\d+)"', r.text) == ["104"]
    assert viewer.get("/care?sort=name").status_code == 422  # names are masked: not a sort key
    x = viewer.get("/care/export.xlsx", params={"sort": "id"})
    rows = _rows(x.content)
    assert rows[0][:5] == ["案例号", "状态", "姓名", "身份证号", "学籍号"]
    assert [r[0] for r in rows[1:]] == list(range(1, 106))
    flat = " ".join(str(c) for r in rows for c in r)
    assert "王小" not in flat and not re.search(r"\d{17}[\dX]", flat)  # no name, no ID number or 学籍号 in clear
    assert all(r[2] == "王**" for r in rows[1:])
    ev = _downloads(web, "cases")[-1]
    assert (ev["rows"], ev["masked"], ev["username"]) == (105, True, "viewer")


# ---------------------------------------------------------------------------------------------------- ledgers
def test_ledger_lists_page_and_export_masked(web) -> None:
    from pathlib import Path

    data = Path(__file__).parent.parent / "registry" / "data"
    county = web.client("county")
    files = {k: (f"{k}.csv", (data / f"{k}.csv").read_bytes(), "text/csv")
             for k in ("population", "roll", "attendance", "poverty")}
    r = county.post("/care/ledgers", files=files, data={"as_of": "2026-09-01",
                                                        "csrf_token": county.headers["X-CSRF-Token"]},
                    follow_redirects=False)
    job = int(r.headers["location"].rsplit("=", 1)[1])
    web.state.runner.wait(job, timeout=120)
    page = county.get(f"/care/ledgers?job={job}&o.per_page=3")
    assert page.status_code == 200 and "第 1 / 2 页，共 4 条" in page.text
    assert _body_rows(page.text, "ledger-out_of_school") == 3
    page2 = county.get(f"/care/ledgers?job={job}&o.per_page=3&o.page=2")
    assert "第 2 / 2 页，共 4 条" in page2.text and _body_rows(page2.text, "ledger-out_of_school") == 1
    assert county.get(f"/care/ledgers?job={job}&d.sort=id_number").status_code == 422
    x = county.get("/care/ledgers/export.xlsx", params={"job": job, "list": "out_of_school",
                                                         "o.sort": "birth_date", "o.desc": "1"})
    rows = _rows(x.content)
    assert rows[0] == ["姓名", "身份证号", "出生日期", "村", "原因"] and len(rows) == 5
    births = [r[2] for r in rows[1:]]
    assert births == sorted(births, reverse=True)
    flat = " ".join(str(c) for r in rows for c in r)
    for full in ("刘子轩", "周鹏", "郑佳", "吴昊"):
        assert full not in flat
    d = _rows(county.get("/care/ledgers/export.xlsx", params={"job": job, "list": "suspected_dropouts"}).content)
    assert len(d) == 3 and "G1002" not in str(d) and "G1005" not in str(d)
    ev = _downloads(web, "ledger_out_of_school")[-1]
    assert (ev["rows"], ev["masked"]) == (4, True)


# ---------------------------------------------------------------------------------------------------- teachers
def test_teacher_plan_lists(web) -> None:
    planner = web.client("planner")
    job_id = planner.post("/api/teachers/plans", json={"year": 2025}).json()["job_id"]
    web.state.runner.wait(job_id, timeout=120)
    path = f"/teachers/plans/{job_id}"
    full = planner.get(path).text
    assert 'class="pager"' in full
    r = planner.get(path, params={"s.per_page": 1, "s.sort": "students", "s.desc": "1"})
    assert r.status_code == 200 and "第 1 / 4 页，共 4 条" in r.text
    body = r.text[r.text.index('id="entitlement"'):r.text.index('id="shortages"')]
    assert body.count("<tr") - 1 == 1 and "鸡泽县实验小学" in body  # 1,200 pupils: the most
    r = planner.get(path, params={"s.q": "小寨"})
    body = r.text[r.text.index('id="entitlement"'):r.text.index('id="shortages"')]
    assert "鸡泽县实验小学" not in body and "小寨镇中心学校" in body
    assert planner.get(path, params={"tr.sort": "secret"}).status_code == 422
    x = planner.get(f"{path}/export.xlsx", params={"list": "teacher_sections", "s.sort": "students", "s.desc": "1"})
    rows = _rows(x.content)
    assert rows[0][:4] == ["学校标识码", "学校", "学段", "在校生"] and len(rows) == 5
    assert [r[3] for r in rows[1:]] == sorted((r[3] for r in rows[1:]), reverse=True)
    assert planner.get(f"{path}/export.xlsx", params={"list": "nothing"}).status_code == 422
    assert _downloads(web, "teacher_sections")[-1]["rows"] == 4


# ---------------------------------------------------------------------------------------------------- layout
def test_decision_list(web) -> None:
    planner = web.client("planner")
    r = planner.post("/api/layout/scenarios", json={"name": "甲", "year": 2027, "keep_small": True, "time_limit_s": 5})
    web.state.runner.wait(r.json()["job_id"], timeout=60)
    sid = next(s["id"] for s in planner.get("/api/layout/scenarios").json() if s["name"] == "甲")
    path = f"/layout/scenarios/{sid}"
    r = planner.get(path, params={"per_page": 1, "sort": "school_code", "desc": "1"})
    body = r.text[r.text.index('id="decisions"'):]
    assert "第 1 / 2 页，共 2 条" in r.text and "2113043102" in body and "2113043101" not in body
    r = planner.get(path, params={"decision": "merge"})
    body = r.text[r.text.index('id="decisions"'):]
    assert "共 1 条" in r.text and "2113043101" in body and "2113043102" not in body
    assert planner.get(path, params={"sort": "explanation"}).status_code == 422
    rows = _rows(planner.get(f"{path}/export.xlsx", params={"sort": "school_code"}).content)
    assert [r[0] for r in rows[1:]] == ["2113043101", "2113043102"]
    assert rows[1][2] == "撤并" and rows[0][2] == "决定"
    assert _downloads(web, "decisions")[-1]["rows"] == 2


# ---------------------------------------------------------------------------------------------------- imports
def test_import_history_list(web) -> None:
    county = web.client("admin")  # the seed's import names no county: the system administrator's
    r = county.get("/import")
    assert r.status_code == 200 and "第 1 / 1 页，共 1 条" in r.text
    assert "学校 4 行" in r.text  # sheet names, not table codes
    assert county.get("/import?sort=sha256").status_code == 422
    assert "共 0 条" in county.get("/import", params={"q": "没有这个文件"}).text
    rows = _rows(county.get("/import/export.xlsx").content)
    assert rows[0] == ["批次", "时间", "导入人", "文件", "SHA-256", "写入"] and len(rows) == 2
    assert _downloads(web, "imports")[-1]["rows"] == 1


# ---------------------------------------------------------------------------------------------------- print
def test_print_style_sheet_and_title(web) -> None:
    r = web.client("county").get("/schools")
    assert '<link rel="stylesheet" href="/static/print.css" media="print">' in r.text
    assert re.search(r'<div class="print-title" hidden><b>鸡泽县</b>\s*学校\s*<span>\d{4}年\d{1,2}月\d{1,2}日</span>',
                     r.text)
    css = web.client().get("/static/print.css").text
    assert ".topbar" in css and "page-break-inside: avoid" in css and "overflow: visible" in css
