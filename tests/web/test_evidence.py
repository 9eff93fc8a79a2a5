"""佐证材料 in the browser (issue #13): enter, attach, review by another user, the assessment uses accepted evidence.

The tiny county (``web`` fixture): the planner enters, the county administrator reviews.  Attachments are
recognised by their bytes; a rejected record never reaches the assessment; another county's administrator
sees nothing of this county's evidence.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zipfile

import pytest
from sqlalchemy import text

from fixtures import COUNTY
from web.support import PASSWORD, WebEnv

PACK, YEAR = "yzjh-2017", 2025
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def _enter(c, item: str, *, status: str = "met", value: str = "", version: str = "", files=None):  # type: ignore[no-untyped-def]
    data = {"pack": PACK, "year": str(YEAR), "county": COUNTY, "item": item, "status": status, "value": value,
            "document": "县政府〔2025〕12号", "note": "已核实", "version": version}
    return c.post("/evidence/items", data=data, files=files or [], follow_redirects=False)


def _records(web: WebEnv) -> dict[str, dict]:  # type: ignore[type-arg]
    with web.state.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM evidence_record")).mappings().all()
    return {r["item"]: dict(r) for r in rows}


def _review(c, rec: dict, decision: str, comment: str = "") -> object:  # type: ignore[type-arg,no-untyped-def]
    return c.post(f"/evidence/records/{rec['id']}/review", follow_redirects=False, data={
        "pack": PACK, "year": str(YEAR), "county": COUNTY, "item": rec["item"], "decision": decision,
        "comment": comment, "version": str(rec["version"])})


def _assess(web: WebEnv, c) -> dict:  # type: ignore[type-arg,no-untyped-def]
    r = c.post("/assess", data={"pack": PACK, "year": str(YEAR), "county": COUNTY}, follow_redirects=False)
    assert r.status_code == 303, r.text
    job = int(r.headers["location"].rsplit("/", 1)[1])
    web.state.runner.wait(job)
    from junheng.services.assessments import assessment_data

    return assessment_data(web.state.engine, job)


def _item(data: dict, code: str) -> dict:  # type: ignore[type-arg]
    return next(i for i in data["items"] if i["code"] == code)


def test_page_lists_every_item_by_part_with_its_state(web: WebEnv) -> None:
    from junheng.services.evidence import pack_items

    page = web.client("planner").get(f"/evidence?pack={PACK}&year={YEAR}")
    assert page.status_code == 200
    html = page.text
    items = pack_items(PACK)
    assert len(items) == 33 and all(f'id="item-{i.code}"' in html for i in items)
    for part in ("申报条件", "政府保障程度", "教育质量", "社会认可度", "一票否决"):
        assert f"<h2>{part}</h2>" in html
    assert html.count('data-state="none"') == 33 and "待填报" in html
    assert "未发生" in html  # a veto item's choice, not the code
    assert not re.search(r">\s*(met|not_met|submitted|accepted)\s*<", html)
    assert 'href="/evidence"' in html  # the menu entry
    assert web.client("viewer").get(f"/evidence?pack={PACK}&year={YEAR}").status_code == 200
    assert 'href="/evidence"' not in web.client("viewer").get("/").text


def test_enter_attach_review_and_the_assessment_uses_accepted_evidence(web: WebEnv) -> None:
    planner, county = web.client("planner"), web.client("county")
    before = _assess(web, planner)
    assert _item(before, "gov_01_layout")["status"] == "unknown"
    r = _enter(planner, "gov_01_layout", files=[("files", ("规划批复.pdf", PDF, "application/pdf")),
                                               ("files", ("说明.docx", _docx(), "application/octet-stream"))])
    assert r.status_code == 303, r.text
    r = _enter(planner, "gov_08_teacher_pay")
    assert r.status_code == 303
    recs = _records(web)
    assert recs["gov_01_layout"]["state"] == "submitted" and recs["gov_01_layout"]["entered_by"] == "planner"
    with web.state.engine.connect() as conn:
        atts = conn.execute(text("SELECT file_name, media_type, size, sha256 FROM evidence_attachment")).all()
    import hashlib
    assert sorted(a[0] for a in atts) == ["规划批复.pdf", "说明.docx"]
    pdf = next(a for a in atts if a[0].endswith(".pdf"))
    assert pdf[1] == "application/pdf" and pdf[2] == len(PDF) and pdf[3] == hashlib.sha256(PDF).hexdigest()
    # submitted is not yet evidence
    assert _item(_assess(web, planner), "gov_01_layout")["status"] == "unknown"
    # the planner may not review; the county administrator accepts one and rejects the other
    assert _review(planner, recs["gov_01_layout"], "accept").status_code == 403
    assert _review(county, recs["gov_08_teacher_pay"], "reject").status_code == 422  # a rejection needs a reason
    assert _review(county, recs["gov_01_layout"], "accept").status_code == 303
    assert _review(county, recs["gov_08_teacher_pay"], "reject", "文件未盖章").status_code == 303
    recs = _records(web)
    assert recs["gov_01_layout"]["state"] == "accepted" and recs["gov_01_layout"]["reviewer"] == "county"
    assert recs["gov_08_teacher_pay"]["state"] == "rejected" and recs["gov_08_teacher_pay"]["review_comment"] == "文件未盖章"
    after = _assess(web, planner)
    assert _item(after, "gov_01_layout")["status"] == "met"
    assert _item(after, "gov_08_teacher_pay")["status"] == "unknown"  # rejected: does not count
    page = planner.get(f"/evidence?pack={PACK}&year={YEAR}").text
    assert "已认定" in page and "已退回" in page and "文件未盖章" in page
    # downloads return the bytes and are audited
    with web.state.engine.connect() as conn:
        att_id = conn.execute(text("SELECT id FROM evidence_attachment WHERE file_name = '规划批复.pdf'")).scalar_one()
    d = county.get(f"/evidence/attachments/{att_id}")
    assert d.status_code == 200 and d.content == PDF and d.headers["content-type"] == "application/pdf"
    with web.state.engine.connect() as conn:
        actions = [a for (a,) in conn.execute(text("SELECT action FROM audit_event WHERE action LIKE 'evidence.%' "
                                                   "ORDER BY id"))]
    assert actions == ["evidence.enter", "evidence.enter", "evidence.accept", "evidence.reject", "evidence.download"]


def test_attachments_are_checked_by_content_and_size(web: WebEnv) -> None:
    web.state.settings = dataclasses.replace(web.state.settings, evidence_max_mb=1)
    planner = web.client("planner")
    r = _enter(planner, "gov_02_unified_standards", files=[("files", ("标准.pdf", EXE, "application/pdf"))])
    assert r.status_code == 422 and "不是 PDF、JPG、PNG 或 DOCX 文件" in r.text
    r = _enter(planner, "gov_02_unified_standards", files=[("files", ("setup.exe", PDF, "application/pdf"))])
    assert r.status_code == 422  # a PDF named .exe is refused too
    big = PDF + b"0" * (2**20)
    r = _enter(planner, "gov_02_unified_standards", files=[("files", ("大文件.pdf", big, "application/pdf"))])
    assert r.status_code == 422 and "超过 1 MB" in r.text
    assert _records(web) == {}  # nothing saved by a refused upload
    r = _enter(planner, "gov_02_unified_standards", files=[("files", ("照片.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 20,
                                                                     "image/png"))])
    assert r.status_code == 303


def test_no_one_reviews_their_own_entry(web: WebEnv) -> None:
    county = web.client("county")
    assert _enter(county, "gov_13_nearby_enrolment").status_code == 303
    rec = _records(web)["gov_13_nearby_enrolment"]
    assert 'action="/evidence/records/' not in county.get(f"/evidence?pack={PACK}&year={YEAR}").text
    r = _review(county, rec, "accept")
    assert r.status_code == 403 and "不能审核自己填报的佐证材料" in r.text
    assert _records(web)["gov_13_nearby_enrolment"]["state"] == "submitted"
    assert _review(web.client("admin"), rec, "accept").status_code == 303


def test_values_history_and_concurrent_edit(web: WebEnv) -> None:
    planner, county = web.client("planner"), web.client("county")
    assert _enter(planner, "recognition_survey", status="", value="0.8").status_code == 303
    rec = _records(web)["recognition_survey"]
    assert rec["value"] == pytest.approx(0.8) and rec["version"] == 1
    assert _enter(planner, "recognition_survey", status="", value="很高", version="1").status_code == 422
    assert _review(county, rec, "accept").status_code == 303
    # an edit from the page the user saw before the review: version 1 is stale now
    r = _enter(planner, "recognition_survey", status="", value="0.9", version="1")
    assert r.status_code == 409 and "本次填报未保存" in r.text and 'value="0.9"' in r.text
    assert _records(web)["recognition_survey"]["value"] == pytest.approx(0.8)
    # a new record where one exists (someone else entered it first) is a conflict too
    assert _enter(county, "recognition_survey", status="", value="0.7").status_code == 409
    r = _enter(planner, "recognition_survey", status="", value="0.9", version="2")
    assert r.status_code == 303
    rec = _records(web)["recognition_survey"]
    assert rec["state"] == "submitted" and rec["version"] == 3 and rec["reviewer"] is None  # reviewed again
    with web.state.engine.connect() as conn:
        hist = conn.execute(text("SELECT action, actor, version, data FROM evidence_history ORDER BY id")).all()
    assert [(h[0], h[1], h[2]) for h in hist] == [("enter", "planner", 1), ("accept", "county", 2),
                                                   ("update", "planner", 3)]
    data = [h[3] if isinstance(h[3], dict) else json.loads(h[3]) for h in hist]
    assert data[0]["value"] == pytest.approx(0.8) and data[2]["value"] == pytest.approx(0.9)
    with pytest.raises(Exception, match="不可删除或改写"), web.state.engine.begin() as conn:
        conn.execute(text("DELETE FROM evidence_history"))
    with pytest.raises(Exception, match="不可删除或改写"), web.state.engine.begin() as conn:
        conn.execute(text("UPDATE evidence_history SET actor = 'x'"))


def test_another_county_sees_nothing(web: WebEnv) -> None:
    from junheng.services import auth

    with web.state.engine.begin() as conn:  # county B: an org unit of its own, with no data of county A
        conn.execute(text("INSERT INTO org_unit (code, name, level) VALUES ('630122000000', '湟中县', 'county')"))
    auth.ensure_user(web.state.engine, username="other", password=PASSWORD, role="county_admin",
                     scopes=["630122000000"], display_name="other")
    planner = web.client("planner")
    assert _enter(planner, "gov_01_layout", files=[("files", ("a.pdf", PDF, "application/pdf"))]).status_code == 303
    rec = _records(web)["gov_01_layout"]
    other = web.client("other")
    assert other.get(f"/evidence?pack={PACK}&year={YEAR}&county={COUNTY}").status_code == 403
    assert _review(other, rec, "accept").status_code == 404
    with web.state.engine.connect() as conn:
        att_id = conn.execute(text("SELECT id FROM evidence_attachment")).scalar_one()
    assert other.get(f"/evidence/attachments/{att_id}").status_code == 404
    assert _records(web)["gov_01_layout"]["state"] == "submitted"
    township = web.client("township")  # part of the county only: the county's evidence is not theirs
    assert township.get(f"/evidence?pack={PACK}&year={YEAR}").status_code in (403, 404)
    assert township.get(f"/evidence/attachments/{att_id}").status_code == 404
