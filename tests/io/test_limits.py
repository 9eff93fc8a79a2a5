"""Import limits (security issue, finding 7): rows per sheet, issues per check, streaming equal to the whole sheet.

A sheet over ``max_rows`` rows of data gives exactly one E407 issue naming the file, the sheet and the first row
over the cap, and nothing is written; a check stops after ``max_issues`` issues with one final E408 issue.  Each
limit test also runs without the limit, so it fails if the cap were removed.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from fixtures import V1, V3, child_id, tiny_tables
from junheng.domain.tables import YearTables
from junheng.io import ImportRejected, check_files, import_files, write_workbook
from junheng.io import limits as L
from junheng.io import reader as R
from junheng.io import validate as V
from junheng.store.models import TABLES, ImportBatch

CAP = 50


def snapshot(engine: Engine) -> dict[str, list[tuple]]:  # type: ignore[type-arg]
    """Every row of every table, in key order (as tests/io/test_import.py)."""
    out = {}
    with engine.connect() as conn:
        for name, table in {**TABLES, "import_batch": ImportBatch.__table__}.items():
            out[name] = [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
    return out


def children(n: int, *, bad_id_every: int = 0, bad_village_every: int = 0, villages: bool = True) -> pd.DataFrame:
    """``n`` synthetic children with valid, distinct ID numbers (birth dates spread over 2016-2019).

    ``villages=False`` leaves the (optional) household village empty, for checks without a database.
    """
    rows = []
    for i in range(n):
        birth = f"{2016 + i % 4}{1 + i % 12:02d}{1 + i % 28:02d}"  # 84 distinct dates, then the next sequence
        idn = child_id(birth, f"{i // 84:03d}")
        if bad_id_every and i % bad_id_every == 0:
            idn = idn[:-1] + ("0" if idn[-1] != "0" else "1")  # wrong check digit: E108
        village = (V1 if i % 2 else V3) if villages else ""
        if bad_village_every and i % bad_village_every == 0:
            village = "12AB"  # not a 12-digit code: E105
        rows.append({"id_number": idn, "name": f"合成儿童{i}", "household_village_code": village})
    return pd.DataFrame(rows)


def with_children(kids: pd.DataFrame) -> YearTables:
    t = tiny_tables()
    return YearTables.from_frames(**{**t.frames(), "child": kids})


def children_csv(path: Path, kids: pd.DataFrame) -> Path:
    kids.rename(columns={"id_number": "身份证号", "name": "姓名", "household_village_code": "户籍村/社区代码"}).to_csv(
        path, index=False)
    return path


@pytest.fixture
def base(engine: Engine, tmp_path: Path) -> dict:  # type: ignore[type-arg]
    """The tiny county already imported, so "nothing written" is checked on real content."""
    import_files(engine, [write_workbook(tmp_path / "县数据.xlsx", tiny_tables())])
    return snapshot(engine)


def test_limits_mirror_the_settings() -> None:
    from junheng.services import imports
    from junheng.services.settings import Settings

    assert (Settings().import_max_rows, Settings().import_max_issues) == (L.MAX_ROWS, L.MAX_ISSUES)
    for fn in (check_files, import_files):
        params = inspect.signature(fn).parameters
        assert params["max_rows"].default == L.MAX_ROWS and params["max_issues"].default == L.MAX_ISSUES
    for fn in (imports.start_check, imports.confirm_import):
        assert {"max_rows", "max_issues"} <= set(inspect.signature(fn).parameters)


def test_workbook_over_the_cap_is_one_issue_and_writes_nothing(engine: Engine, base: dict,  # type: ignore[type-arg]
                                                               tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "儿童多.xlsx", with_children(children(CAP + 10)))
    with pytest.raises(ImportRejected) as exc:
        import_files(engine, [path], max_rows=CAP)
    (issue,) = exc.value.issues
    assert (issue.code, issue.file, issue.sheet, issue.row) == ("E407", path.name, "儿童", 3 + CAP)
    assert (issue.expected, issue.found) == (f"不超过 {CAP} 行", f"超过 {CAP} 行")
    assert f"第 {3 + CAP} 行" in str(issue) and issue.title == "数据行数超过上限"
    assert snapshot(engine) == base
    # without the cap the same file is clean and imports: the issue above is the cap's alone
    result = import_files(engine, [path], max_rows=None)
    assert result.counts["child"] == CAP + 10


def test_csv_over_the_cap_is_one_issue_and_writes_nothing(engine: Engine, base: dict,  # type: ignore[type-arg]
                                                          tmp_path: Path) -> None:
    path = children_csv(tmp_path / "儿童.csv", children(CAP + 1))
    with pytest.raises(ImportRejected) as exc:
        import_files(engine, [path], max_rows=CAP)
    (issue,) = exc.value.issues
    assert (issue.code, issue.file, issue.sheet, issue.row) == ("E407", "儿童.csv", "儿童", 2 + CAP)
    assert snapshot(engine) == base
    _, issues, _ = check_files([path], engine=engine, max_rows=CAP + 1)
    assert issues == []


def test_blank_rows_do_not_count_towards_the_cap(tmp_path: Path) -> None:
    kids = children(CAP, villages=False)
    blank = pd.DataFrame([{c: "" for c in kids.columns}] * 5)
    path = children_csv(tmp_path / "儿童.csv", pd.concat([kids.iloc[:20], blank, kids.iloc[20:], blank]))
    sheets, issues, _ = check_files([path], max_rows=CAP)
    assert issues == [] and len(sheets["child"].frame) == CAP


@pytest.mark.parametrize("where", ["cells", "rules"])
def test_check_stops_after_max_issues(tmp_path: Path, where: str) -> None:
    # cells: a malformed village code (E105, found while reading); rules: a wrong check digit (E108, validation)
    kids = children(100, villages=False, **({"bad_village_every": 1} if where == "cells" else {"bad_id_every": 1}))
    path = children_csv(tmp_path / "儿童.csv", kids)
    code = "E105" if where == "cells" else "E108"
    _, issues, _ = check_files([path], max_issues=10)
    assert len(issues) <= 11
    assert issues[-1].code == "E408" and "10 处错误" in issues[-1].found and issues[-1].file == "儿童.csv"
    assert [i.code for i in issues[:-1]] == [code] * 10
    _, every, _ = check_files([path], max_issues=None)  # the limit is what shortened the list
    assert sum(i.code == code for i in every) == 100 and "E408" not in {i.code for i in every}


def test_no_stop_issue_when_the_list_is_complete(tmp_path: Path) -> None:
    path = children_csv(tmp_path / "儿童.csv", children(30, bad_id_every=3, villages=False))  # 10 bad IDs
    _, issues, _ = check_files([path], max_issues=10)
    assert [i.code for i in issues] == ["E108"] * 10


def test_max_issues_rejects_and_writes_nothing(engine: Engine, base: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    path = write_workbook(tmp_path / "坏.xlsx", with_children(children(100, bad_id_every=1)))
    with pytest.raises(ImportRejected) as exc:
        import_files(engine, [path], max_issues=10)
    assert len(exc.value.issues) == 11 and exc.value.issues[-1].code == "E408"
    assert snapshot(engine) == base


def test_issue_limit_spans_files(tmp_path: Path) -> None:
    a = children_csv(tmp_path / "儿童.csv", children(8, bad_village_every=1))
    b = write_workbook(tmp_path / "b.xlsx", with_children(children(8, bad_village_every=1)))
    c = write_workbook(tmp_path / "c.xlsx", tiny_tables())
    _, issues, digests = check_files([a, b, c], max_issues=10)
    assert [i.code for i in issues] == ["E105"] * 10 + ["E408"]
    assert {i.file for i in issues[:-1]} == {a.name, b.name}
    assert len(digests) == 3 and all(digests)  # c was not read, but its digest is there


def _frames(path: Path, **kw: object) -> tuple[dict[str, pd.DataFrame], list]:  # type: ignore[type-arg]
    sheets, issues, _ = check_files([path], **kw)  # type: ignore[arg-type]
    return {k: s.frame for k, s in sheets.items()}, issues


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_streaming_at_the_cap_equals_the_whole_sheet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     kind: str) -> None:
    kids = children(CAP)
    kids.loc[7, "household_village_code"] = "12AB"  # one cell issue, to compare issues as well
    kids.loc[11, "id_number"] = kids.loc[12, "id_number"]  # one duplicate (E301)
    path = (write_workbook(tmp_path / "县.xlsx", with_children(kids)) if kind == "xlsx"
            else children_csv(tmp_path / "儿童.csv", kids))
    whole, issues = _frames(path, max_rows=None, max_issues=None)
    # without a database the CSV's villages are unknown (E302); the workbook brings its own
    assert {i.code for i in issues} == {"E105", "E301"} | ({"E302"} if kind == "csv" else set())
    at_cap, capped_issues = _frames(path, max_rows=CAP, max_issues=None)
    # small chunks: the sheet streams through 8 chunks of reading and of the ID checks
    monkeypatch.setattr(R, "CHUNK_ROWS", 7)
    monkeypatch.setattr(V, "ID_CHUNK", 7)
    chunked, chunked_issues = _frames(path, max_rows=CAP, max_issues=None)
    assert capped_issues == issues and chunked_issues == issues
    for key, frame in whole.items():
        pd.testing.assert_frame_equal(at_cap[key], frame)
        pd.testing.assert_frame_equal(chunked[key], frame)
    assert len(whole["child"]) == CAP
    # one row fewer allowed: the cap is hit in the last chunk, at the last row
    _, over = _frames(path, max_rows=CAP - 1, max_issues=None)
    last = (3 if kind == "xlsx" else 2) + CAP - 1
    assert [(i.code, i.row) for i in over if i.code == "E407"] == [("E407", last)]


def test_equal_values_share_one_object(tmp_path: Path) -> None:
    path = children_csv(tmp_path / "儿童.csv", children(2_000))
    frame = R.parse_file(path).sheets["child"].frame
    villages = frame["household_village_code"]
    assert villages.map(id).nunique() == villages.nunique() == 2  # two objects for 2,000 cells
    assert frame["id_number"].nunique() == 2_000


def test_unreadable_csv_keeps_one_error(tmp_path: Path) -> None:
    path = tmp_path / "儿童.csv"
    path.write_text("身份证号,姓名\n" + "1,甲\n" * 30 + "1,乙,多余,更多\n", encoding="utf-8")
    pf = R.parse_file(path)
    assert [i.code for i in pf.issues] == ["E401"] and pf.sheets == {}


def test_check_in_a_child_process_matches_and_is_bounded(db_url: str, engine: Engine, base: dict,  # type: ignore[type-arg]
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from junheng.services import import_worker as W

    path = children_csv(tmp_path / "儿童.csv", children(CAP + 1))
    here = check_files([path], engine=engine, max_rows=CAP)[1]
    issues, rows = W.check_file(engine, path, scope=None, max_rows=CAP, max_issues=10)
    assert issues == here and [i.code for i in issues] == ["E407"]
    issues, rows = W.check_file(engine, path, scope=None, max_rows=None, max_issues=10)
    assert issues == [] and rows == {"child": CAP + 1}
    # a child that needs more memory than it may map fails its job; this process is untouched
    monkeypatch.setattr(W, "CHILD_ADDRESS_SPACE", 64 * 2**20)
    with pytest.raises(W.ChildFailed):
        W.check_file(engine, path, scope=None, max_rows=None, max_issues=10)
    assert snapshot(engine) == base



def test_scope_issues_are_bounded_too(engine: Engine, tmp_path: Path) -> None:
    """A whole sheet of another county's rows stops at the issue limit, and the check says it stopped (E408)."""
    from junheng.io import import_tables
    from junheng.io.scope import ImportScope

    import_tables(engine, tiny_tables(), source="tiny", user="pytest")
    rows = tiny_tables().population  # 18 rows of one village of 鸡泽县 (ages 0-17)
    path = write_workbook(tmp_path / "人口.xlsx", YearTables.from_frames(population=rows), sheets=("population",))
    scope = ImportScope(("630122000000",), "湟中县")  # none of the tiny county's villages lies in it
    _, issues, _ = check_files([path], engine=engine, scope=scope, max_issues=5)
    assert [i.code for i in issues] == ["E501"] * 5 + ["E408"]
    _, every, _ = check_files([path], engine=engine, scope=scope, max_issues=None)
    assert [i.code for i in every] == ["E501"] * len(rows) and len(rows) == 18
