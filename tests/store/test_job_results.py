"""A job's result is stored as JSON on both backends even when it carries a non-finite number: a layout solve
stopped by its time limit without a bound has gap = infinity, which PostgreSQL's JSON type refuses (the job
was lost as an error instead of reported as done)."""

from __future__ import annotations

import math


def test_non_finite_numbers_in_a_result_are_stored_as_null(engine) -> None:  # type: ignore[no-untyped-def]
    from junheng.domain.jsonsafe import json_safe
    from junheng.services.authz import Actor
    from junheng.services.jobs import DONE, JobRunner, get_job

    assert json_safe({"gap": math.inf, "x": [1.5, -math.inf, math.nan], "n": {"ok": 2}}) == {
        "gap": None, "x": [1.5, None, None], "n": {"ok": 2}}
    runner = JobRunner(engine)
    actor = Actor.system()
    try:
        job_id = runner.create(actor, "layout", org_code="130431000000")
        runner.submit(job_id, lambda ctx: {"gap": math.inf, "status": "time_limit", "message": "方案"})
        runner.wait(job_id, timeout=60)
        job = get_job(engine, actor, job_id)
    finally:
        runner.shutdown()
    assert job.status == DONE and job.result["gap"] is None and job.result["status"] == "time_limit"
