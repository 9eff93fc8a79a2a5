"""学生资助 pages: upload the hand-made registries of tests/registry/data_aid (README there gives the answers),
run the payment audit as a job, read the results masked, download its files (masked, audited), and the report."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient
from sqlalchemy import select

from web.support import WebEnv

DATA = Path(__file__).parent.parent / "registry" / "data_aid"
NAMES = [*pd.read_csv(DATA / "roll.csv", dtype=str)["name"].tolist(), "李四海", "王方"]
IDS = pd.read_csv(DATA / "roll.csv", dtype=str)["id_number"].tolist()


def _audit(web: WebEnv, action: str) -> list[dict]:  # type: ignore[type-arg]
    from junheng.store.auth_models import AuditEvent

    with web.state.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(AuditEvent.__table__).where(
            AuditEvent.action == action).order_by(AuditEvent.id)).mappings()]


def _upload(web: WebEnv, user: str = "county", *, schools: bool = True, **extra: str):  # type: ignore[no-untyped-def]
    c = web.client(user)
    files = [("roll", ("roll.csv", (DATA / "roll.csv").read_bytes(), "text/csv")),
             ("attendance", ("attendance.csv", (DATA / "attendance.csv").read_bytes(), "text/csv")),
             ("difficulty", ("poverty.csv", (DATA / "poverty.csv").read_bytes(), "text/csv")),
             ("difficulty", ("dibao.csv", (DATA / "dibao.csv").read_bytes(), "text/csv")),
             ("payments", ("payments.csv", (DATA / "payments.csv").read_bytes(), "text/csv"))]
    if schools:
        files.append(("schools", ("schools.csv", (DATA / "schools.csv").read_bytes(), "text/csv")))
    data = {"term": "2026-2", "as_of": "2026-11-30", "csrf_token": c.headers["X-CSRF-Token"], **extra}
    return c, c.post("/aid", files=files, data=data, follow_redirects=False)


def _done(web: WebEnv) -> tuple[TestClient, int]:
    c, r = _upload(web)
    assert r.status_code == 303, r.text
    job = int(r.headers["location"].rsplit("=", 1)[1])
    web.state.runner.wait(job, timeout=180)
    return c, job


def _cells(html: str, table_id: str) -> list[list[str]]:
    frame = pd.read_html(io.StringIO(html), attrs={"id": table_id})[0]
    return frame.astype(str).values.tolist()


def test_audit_job_results_masked_and_in_chinese(web: WebEnv) -> None:
    c, job = _done(web)
    page = c.get(f"/aid?job={job}")
    assert page.status_code == 200
    html = page.text
    # README: with schools.csv, 19 payments of 2026-2 (P20 is 2026-1), 9 valid, 10 wrong; 应助未助 S09 only
    summary = dict((k, v) for k, v in _cells(html, "aid-summary"))
    assert summary == {"核查发放记录（笔）": "19", "其他学期记录（未核查）": "1", "核查无误（笔）": "9",
                       "问题发放（笔）": "10", "应助未助（人次）": "1"}
    reasons = {r[0]: (r[1], r[2]) for r in _cells(html, "aid-reasons")}
    assert reasons == {"查无在读学籍（疑似虚报冒领）": ("2", "1000"), "有学籍但核查时不在校": ("1", "500"),
                       "同一学生同一项目同一学期重复发放": ("2", "1125"), "不符合该项目资助条件": ("4", "2775"),
                       "发放金额与资助标准不符": ("1", "500")}
    ex = {r[0]: r for r in _cells(html, "aid-exceptions")}
    assert set(ex) == {"P05", "P06", "P07", "P09", "P13", "P14", "P15", "P17", "P18", "P19"}
    assert ex["P05"][1:6] == ["发放金额与资助标准不符", "义务教育家庭经济困难寄宿生生活补助", "2113043102", "500", "625"]
    assert ex["P09"][6:8] == ["周*", "130431********0331"] and "P08" in ex["P09"][9]
    assert ex["P15"][9] == "学籍状态：转出"  # the roll status in Chinese, not its code
    unpaid = _cells(html, "aid-unpaid")
    assert len(unpaid) == 1 and unpaid[0][4:6] == ["吴*", "130431********0359"] and unpaid[0][7] == "500"
    county = _cells(html, "aid-coverage-county")
    assert ["义务教育家庭经济困难寄宿生生活补助", "9", "8", "7", "1", "77.8%"] in county
    townships = _cells(html, "aid-coverage-township")
    assert ["鸡泽镇", "义务教育家庭经济困难寄宿生生活补助", "6", "5", "5", "1", "83.3%"] in townships
    assert ["小寨镇", "义务教育家庭经济困难寄宿生生活补助", "3", "3", "2", "0", "66.7%"] in townships
    pub = _cells(html, "aid-publicity")
    assert len(pub) == 9 and "张**" in pub[0] and "130431********0116" in pub[0]
    for code in ("not_enrolled", "not_attending", "wrong_amount", "boarding_subsidy", "hs_grant", "transferred"):
        assert code not in html  # Chinese labels on screen, never codes
    for full in NAMES:
        assert full not in html
    for idn in IDS:
        assert idn not in html
    assert f'href="/aid?job={job}"' in c.get("/aid").text
    assert c.get(f"/aid/{job}/panel").headers["hx-redirect"] == f"/aid?job={job}"
    views = _audit(web, "aid.results.view")
    assert views[-1]["detail"]["rows"] == {"exceptions": 10, "unpaid": 1} and views[-1]["detail"]["masked"] is True


def test_downloads_masked_and_audited(web: WebEnv) -> None:
    c, job = _done(web)
    info = web.client("admin").get(f"/api/jobs/{job}").json()
    files = {f["name"]: f["id"] for f in info["files"]}
    html = c.get(f"/aid?job={job}").text
    for name in ("公示名单.xlsx", "资助核查报告.docx", "exceptions.csv", "coverage.csv"):
        assert f'href="/jobs/{job}/files/{files[name]}"' in html
    ex = c.get(f"/jobs/{job}/files/{files['exceptions.csv']}")
    assert ex.status_code == 200
    text = ex.content.decode("utf-8-sig")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False).set_index("payment_id")
    assert len(frame) == 10 and frame.loc["P09", "name"] == "周*"
    assert frame.loc["P09", "id_number"] == "130431********0331"
    assert not [n for n in NAMES if n in text] and not [i for i in IDS if i in text]
    un = c.get(f"/jobs/{job}/files/{files['unpaid_eligible.csv']}").content.decode("utf-8-sig")
    assert "吴*" in un and "吴昊" not in un
    # the national export carries full IDs: the county administrator (download_originals) gets it in full
    nat = c.get(f"/jobs/{job}/files/{files['学生资助管理信息系统导出.xlsx']}")
    assert nat.status_code == 200 and "130431201503120116" in pd.read_excel(io.BytesIO(nat.content), dtype=str).to_string()
    # the uploaded lists are originals too
    assert c.get(f"/jobs/{job}/files/{files['roll.csv']}").status_code == 200
    events = {(e["target"], e["detail"]["masked"], e["detail"]["original"]) for e in _audit(web, "file.download")}
    assert (f"job {job} / exceptions.csv", True, False) in events
    assert (f"job {job} / 学生资助管理信息系统导出.xlsx", False, True) in events
    assert (f"job {job} / roll.csv", False, True) in events


def test_township_and_viewer_get_403(web: WebEnv) -> None:
    _c, job = _done(web)
    for user in ("township", "viewer", "planner", "clerk"):
        other = web.client(user)
        assert other.get(f"/aid?job={job}").status_code == 403
        assert other.get("/aid").status_code == 403
        assert 'href="/aid"' not in other.get("/").text  # no menu entry
    _, r = _upload(web, "township")
    assert r.status_code == 403
    info = web.client("admin").get(f"/api/jobs/{job}").json()
    exf = next(f["id"] for f in info["files"] if f["name"] == "exceptions.csv")
    assert web.client("township").get(f"/jobs/{job}/files/{exf}").status_code == 403
    assert 'href="/aid"' in web.client("county").get("/").text


def test_bad_term_and_bad_file_are_reported(web: WebEnv) -> None:
    _, r = _upload(web, term="2026秋")
    assert r.status_code == 422 and "2026秋" in r.text and "expected" not in r.text
    c = web.client("county")
    bad = pd.read_csv(DATA / "payments.csv", dtype=str).drop(columns=["amount"]).to_csv(index=False).encode()
    files = [(k, (f"{k}.csv", (DATA / f"{k}.csv").read_bytes(), "text/csv")) for k in ("roll", "attendance")]
    files += [("difficulty", ("poverty.csv", (DATA / "poverty.csv").read_bytes(), "text/csv")),
              ("payments", ("payments.csv", bad, "text/csv"))]
    r = c.post("/aid", files=files, data={"term": "2026-2", "as_of": "2026-11-30",
                                          "csrf_token": c.headers["X-CSRF-Token"]}, follow_redirects=False)
    job = int(r.headers["location"].rsplit("=", 1)[1])
    web.state.runner.wait(job, timeout=120)
    page = c.get(f"/aid?job={job}").text
    assert "名单有错误，未核查" in page and "amount" in page


def test_report_docx_is_a4_masked_with_the_exceptions_table(tmp_path: Path) -> None:
    import datetime as dt

    from docx import Document
    from docx.shared import Mm

    from junheng.services import aid as A
    from junheng.services.principal import local_actor

    rules = A.aid_rules()
    files = A.AidFiles(roll=DATA / "roll.csv", attendance=DATA / "attendance.csv", payments=DATA / "payments.csv",
                       difficulty=(DATA / "poverty.csv", DATA / "dibao.csv"), schools=DATA / "schools.csv")
    result = A.audit_payments(local_actor(), files, term="2026-2", as_of=dt.date(2026, 11, 30), rules=rules)
    written = A.write_aid_outputs(result, rules, tmp_path, issuer="鸡泽县学生资助管理中心", date=dt.date(2026, 12, 3),
                                  org_name="鸡泽县", townships={"130431100000": "鸡泽镇"})
    path = tmp_path / "资助核查报告.docx"
    assert path in written and path.is_file()
    doc = Document(str(path))
    sec = doc.sections[0]
    assert abs(sec.page_width - Mm(210)) < Mm(1) and abs(sec.page_height - Mm(297)) < Mm(1)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "鸡泽县2026年秋季学期学生资助资金发放核查报告" in text
    assert "鸡泽县学生资助管理中心" in text and "2026年12月3日" in text
    assert "共核查发放记录19笔" in text and "问题发放10笔" in text and "应助未助1人次" in text
    tables = {t.rows[0].cells[0].text: t for t in doc.tables}
    ex = tables["发放编号"]
    rows = [[c.text for c in r.cells] for r in ex.rows[1:]]
    assert len(rows) == 10
    p09 = next(r for r in rows if r[0] == "P09")
    assert p09[5] == "同一学生同一项目同一学期重复发放" and p09[6] == "周*" and p09[7] == "130431********0331"
    cov = [[c.text for c in r.cells] for r in tables["乡镇"].rows[1:]]
    assert ["鸡泽镇", "义务教育家庭经济困难寄宿生生活补助", "6", "5", "5", "1", "83.3%"] in cov
    assert ["全县合计", "义务教育家庭经济困难寄宿生生活补助", "9", "8", "7", "1", "77.8%"] in cov
    everything = text + "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert not [n for n in NAMES if n in everything] and not [i for i in IDS if i in everything]
