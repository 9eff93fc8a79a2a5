"""The web import honours the app's import limits and checks and imports in a child process (finding 7).

``import_max_rows`` / ``import_max_issues`` of the app's settings reach the check: an upload over the row cap
ends its job with exactly one E407 issue, one with too many errors with E408 last; a clean upload still checks,
confirms and imports (the import also runs in the child process) on both backends.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fixtures import V1, child_id
from web.support import WebEnv, seed


@pytest.fixture
def limited(db_url: str) -> Iterator[WebEnv]:
    from junheng.services.settings import Settings
    from junheng.web import create_app

    seed(db_url)
    app = create_app(Settings(db_url=db_url, import_max_rows=20, import_max_issues=5))
    yield WebEnv(app, db_url)
    app.state.web.runner.shutdown()
    app.state.web.engine.dispose()


def _csv(n: int, *, bad: bool = False) -> bytes:
    lines = ["身份证号,姓名,户籍村/社区代码"]
    for i in range(n):
        idn = child_id(f"2018{1 + i % 12:02d}{1 + i % 28:02d}", f"{500 + i // 84:03d}")
        if bad:
            idn = idn[:-1] + ("0" if idn[-1] != "0" else "1")
        lines.append(f"{idn},合成儿童{i},{V1}")
    return ("\n".join(lines) + "\n").encode()


def _upload(web: WebEnv, content: bytes, path: str = "/api/imports") -> dict:  # type: ignore[type-arg]
    c = web.client("county")
    r = c.post(path, files={"file": ("儿童.csv", content, "text/csv")})
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    web.state.runner.wait(job_id, timeout=180)
    job = c.get(f"/api/jobs/{job_id}").json()
    assert job["status"] == "done", job
    return {"id": job_id, **job["result"]}


def test_upload_over_the_row_cap(limited: WebEnv) -> None:
    result = _upload(limited, _csv(21))
    assert result["ok"] is False and result["n_issues"] == 1
    (issue,) = result["issues"]
    assert (issue["code"], issue["file"], issue["sheet"], issue["row"]) == ("E407", "儿童.csv", "儿童", 22)
    assert issue["expected"] == "不超过 20 行"


def test_upload_with_too_many_errors_stops(limited: WebEnv) -> None:
    result = _upload(limited, _csv(20, bad=True))
    codes = [i["code"] for i in result["issues"]]
    assert result["n_issues"] == 6 and codes == ["E108"] * 5 + ["E408"]


def test_clean_upload_checks_and_imports(limited: WebEnv) -> None:
    from junheng.store.models import TABLES

    child = TABLES["child"]
    with limited.state.engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(child)).scalar_one()
    result = _upload(limited, _csv(20))
    assert result["ok"] is True and result["rows"] == {"child": 20}
    c = limited.client("county")
    r = c.post(f"/api/imports/{result['id']}/confirm")
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    limited.state.runner.wait(job_id, timeout=180)
    job = c.get(f"/api/jobs/{job_id}").json()
    assert job["status"] == "done" and job["result"]["ok"] is True, job
    assert job["result"]["counts"]["child"] == 20
    with limited.state.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(child)).scalar_one() == before + 20


def test_the_check_runs_outside_the_web_process(limited: WebEnv, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    """Patching check_files here does not reach the check: it runs in another process."""
    import junheng.io.importer as importer

    def boom(*_a: object, **_k: object) -> None:
        raise AssertionError("the check ran in the web process")

    monkeypatch.setattr(importer, "check_files", boom)
    result = _upload(limited, _csv(21))
    assert [i["code"] for i in result["issues"]] == ["E407"]
