"""教师配置 pages and API: a planner makes a teacher plan of the tiny county and sees its shortages; roles."""

from __future__ import annotations

import io

from fixtures import S_PRIMARY
from web.support import WebEnv


def test_planner_makes_a_plan_and_sees_shortages(web: WebEnv) -> None:
    from openpyxl import load_workbook

    planner = web.client("planner")
    r = planner.post("/api/teachers/plans", json={"year": 2025})
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    web.state.runner.wait(job_id, timeout=120)
    runs = {j["id"]: j for j in planner.get("/api/teachers/jobs").json()}
    assert runs[job_id]["status"] == "done", runs[job_id]["message"]
    plan = planner.get(f"/api/teachers/plans/{job_id}").json()
    assert plan["year"] == 2025
    # 鸡泽县实验小学: 24 classes = 4 a grade; 信息科技 in grades 3–6, 1 period a week (教材〔2022〕2号) → 16 periods,
    # one teacher at a 16-period load; it has no IT teacher → short 1.
    short = {(d["school_code"], d["stage"], d["subject"]): d["shortage"] for d in plan["subject_demand"]}
    assert short[(S_PRIMARY, "primary", "it")] == 1
    assert plan["redistribution"]["shortage_before"] == sum(v for v in short.values() if v) >= 1
    assert "subject_demand_after" in plan and plan["entitlement"]["sections"]
    page = planner.get(f"/teachers/plans/{job_id}")
    assert page.status_code == 200
    assert "鸡泽县实验小学" in page.text and 'id="shortages"' in page.text and "信息科技" in page.text
    assert planner.get(f"/teachers/jobs/{job_id}", follow_redirects=False).status_code == 303
    x = planner.get(f"/api/teachers/plans/{job_id}/xlsx")
    assert x.status_code == 200
    assert len(load_workbook(io.BytesIO(x.content)).sheetnames) > 3
    assert planner.post("/api/teachers/plans", json={"year": 2019}).status_code == 422  # no data that year


def test_roles_on_the_pages(web: WebEnv) -> None:
    assert "new-teacher-plan" in web.client("planner").get("/teachers").text
    viewer = web.client("viewer").get("/teachers")
    assert viewer.status_code == 200 and "new-teacher-plan" not in viewer.text
    clerk = web.client("clerk")
    assert clerk.get("/teachers").status_code == 403
    assert clerk.get("/api/teachers/jobs").status_code == 403
    assert clerk.post("/api/teachers/plans", json={"year": 2025}).status_code == 403
    assert web.client("township").get("/teachers").status_code == 403
