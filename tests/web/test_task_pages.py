"""督导任务 pages: the list with status labels and the overdue banner, the task page, a progress report with an
evidence file through the form, the import's row/column errors, and scope."""

from __future__ import annotations

import datetime as dt
import hashlib

from fixtures import COUNTY
from junheng.services import tasks as T
from junheng.services.authz import Actor
from web.support import WebEnv

ADMIN = Actor(None, "county", "county_admin", scopes=(COUNTY,), home=COUNTY)


def _tasks(web: WebEnv) -> list[int]:
    return T.create_tasks(web.state.engine, ADMIN, COUNTY, [
        T.NewTask("消除大班额", ("县教育局", "县发改委"), dt.date(2020, 12, 31)),
        T.NewTask("建设资源教室", ("县教育局",), dt.date.today() + dt.timedelta(days=30))])


def test_list_task_page_and_progress_form(web: WebEnv) -> None:
    _late, open_ = _tasks(web)
    c = web.client("county")
    page = c.get("/tasks").text
    assert "督导任务" in page and "逾期任务：1" in page and "未开始" in page and "逾期" in page
    assert page.index("消除大班额") < page.index("建设资源教室")  # overdue first
    assert "county" in page.split("逾期任务", 1)[1].split("</p>", 1)[0]  # the alert names the responsible user
    assert "not_started" not in page.replace('value="not_started"', "")  # labels on screen, not codes
    pdf = b"%PDF-1.4 evidence"
    r = c.post(f"/tasks/{open_}", data={"version": "1", "percent": "60", "note": "已开工"},
               files={"evidence": ("验收.pdf", pdf, "application/pdf")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = c.get(f"/tasks/{open_}").text
    assert "推进中" in page and "60%" in page and "已开工" in page and "验收.pdf" in page
    assert hashlib.sha256(pdf).hexdigest()[:12] in page
    stale = c.post(f"/tasks/{open_}", data={"version": "1", "percent": "70"})
    assert stale.status_code == 409 and "任务已被他人更新" in stale.text
    bad = c.post(f"/tasks/{open_}", data={"version": "2", "percent": "70"},
                 files={"evidence": ("x.exe", b"MZ", "application/octet-stream")})
    assert bad.status_code == 422 and "PDF、JPG 或 DOCX" in bad.text
    assert c.get("/tasks?status=in_progress").text.count('href="/tasks/') >= 2
    assert "建设资源教室" not in c.get("/tasks?status=overdue").text.split("<table", 1)[1]
    evidence = T.get_task(web.state.engine, ADMIN, open_).progress[0].attachment
    assert evidence is not None and c.get(f"/tasks/evidence/{evidence[0]}").content == pdf


def test_import_errors_name_row_and_column(web: WebEnv) -> None:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = T.TEMPLATE_SHEET
    ws.append(list(T.COLUMNS))
    ws.append(["科学规划学校布局", "", "2027-12-31", ""])
    buf = io.BytesIO()
    wb.save(buf)
    c = web.client("county")
    r = c.post("/tasks/import", files={"file": ("t.xlsx", buf.getvalue(), "application/octet-stream")})
    assert r.status_code == 422 and "责任单位（B列）" in r.text and "<td>2</td>" in r.text
    assert c.get("/tasks/template.xlsx").content[:2] == b"PK"


def test_scope_and_roles(web: WebEnv) -> None:
    late, _ = _tasks(web)
    assert web.client("township").get(f"/tasks/{late}").status_code == 403  # township staff: no task role
    assert web.client("planner").get(f"/tasks/{late}").status_code == 200
    viewer = web.client("viewer")
    assert viewer.get(f"/tasks/{late}").status_code == 200 and "报告进度" not in viewer.get(f"/tasks/{late}").text
    assert viewer.post(f"/tasks/{late}", data={"version": "1", "percent": "10"}).status_code == 403
    assert web.client("clerk").get(f"/tasks/{late}").status_code in (403, 404)
