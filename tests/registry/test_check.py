"""The ledgers on the hand-made registries (tests/registry/data/README.md gives the answers)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from junheng.io.errors import ImportRejected
from junheng.registry import check, read_exceptions, read_registry, write_outputs
from junheng.registry.check import exceptions_from_frame

DATA = Path(__file__).parent / "data"
AS_OF = dt.date(2026, 9, 1)


@pytest.fixture(scope="module")
def regs() -> dict:
    return {k: read_registry(DATA / f"{k}.csv", k) for k in ("population", "roll", "attendance", "poverty")}


def _run(regs: dict, **kw):  # type: ignore[no-untyped-def]
    return check(regs["population"], regs["roll"], regs["attendance"], poverty=regs["poverty"], as_of=AS_OF,
                 exceptions=read_exceptions(DATA / "exceptions.csv"), **kw)


def test_links_known_answers(regs: dict) -> None:
    res = _run(regs)
    got = {(int(r.population_row), int(r.roll_row), r.method) for r in res.links.itertuples()}
    # roll rows: G1001=2 … G1006=7
    assert got == {
        (2, 2, "id"),              # same valid ID
        (7, 6, "id"),              # 15-digit ID upgraded (century from the birth date)
        (3, 3, "probabilistic"),   # twin A without ID → twin A, not twin B (row 4)
        (5, 4, "probabilistic"),   # mistyped ID, "王 芳"
        (6, 5, "probabilistic"),   # 陳靜怡 (traditional)
    }
    assert res.review.empty


def test_ledgers_known_answers(regs: dict) -> None:
    res = _run(regs)
    # twin B; 周鹏 age 14; 吴昊 15 on the cut-off, never enrolled — listed since the window became
    # 6 … 15 周岁 (issue 17 item 6; 6 … 14 before); 郑佳 excepted
    assert list(res.out_of_school["name"]) == ["刘子轩", "周鹏", "吴昊"]
    assert set(res.out_of_school["reason"]) == {"无学籍"}
    assert list(res.suspected_dropouts["student_id"]) == ["G1002", "G1005"]
    prio = res.priority.set_index("name")
    assert prio.loc["刘子轩", "ledger"] == "out_of_school"
    assert prio.loc["刘子轩", "categories"] == "脱贫户/监测户（脱贫户）"  # moved: other village, no ID
    assert prio.loc["赵磊", "ledger"] == "suspected_dropout" and "监测户" in prio.loc["赵磊", "categories"]
    assert len(prio) == 2
    assert res.summary["excepted"] == {"population": 1, "roll": 0}


def test_without_exception_child_is_listed(regs: dict) -> None:
    res = check(regs["population"], regs["roll"], regs["attendance"], as_of=AS_OF)
    assert "郑佳" in set(res.out_of_school["name"])
    assert res.priority.empty


def test_exception_needs_evidence() -> None:
    df = pd.DataFrame({"id_number": ["130431201801010089"], "kind": ["死亡"], "evidence": [""]})
    with pytest.raises(ImportRejected) as exc:
        exceptions_from_frame(df)
    assert [i.code for i in exc.value.issues] == ["E101"]


def test_threshold_sends_uncertain_pairs_to_review_and_decisions_apply(regs: dict, tmp_path: Path) -> None:
    # At threshold 1.0 no probabilistic pair is accepted: all three go to the clerk.
    res = _run(regs, threshold=1.0)
    assert set(res.links["method"]) == {"id"} and len(res.review) == 3
    twin_a = res.out_of_school[res.out_of_school["name"] == "刘子豪"]
    assert list(twin_a["reason"]) == ["疑似匹配学籍，待人工核对"]
    out = tmp_path / "run"
    write_outputs(res, out, population=regs["population"], roll=regs["roll"])
    sheet = pd.read_csv(out / "review.csv", dtype=str, keep_default_na=False)
    sheet["decision"] = ["accept", "reject", "accept"]
    sheet["decided_by"] = "县教体局 李老师"
    sheet.to_csv(tmp_path / "decided.csv", index=False)
    from junheng.registry import read_decisions

    res2 = _run(regs, threshold=1.0, decisions=read_decisions(tmp_path / "decided.csv"))
    clerical = res2.links[res2.links["method"] == "clerical"]
    assert len(clerical) == 2 and res2.review.empty
    rejected = sheet.iloc[1]
    assert (int(rejected["population_row"]), int(rejected["roll_row"])) not in set(
        zip(res2.links["population_row"], res2.links["roll_row"], strict=True))


def test_outputs_have_the_published_columns(regs: dict, tmp_path: Path) -> None:
    res = _run(regs)
    write_outputs(res, tmp_path)
    cols = {name: list(pd.read_csv(tmp_path / name, nrows=0).columns) for name in
            ("out_of_school.csv", "suspected_dropouts.csv", "links.csv")}
    assert cols == {
        "out_of_school.csv": ["id_number", "name", "birth_date", "village_code", "reason"],
        "suspected_dropouts.csv": ["student_id", "id_number", "name", "school_code", "grade"],
        "links.csv": ["population_row", "roll_row", "match_probability", "method"],
    }
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    # 刘子轩, 周鹏 and 吴昊 (15, inside the 6 … 15 window); 9 of the 10 in the window (孙悦 is 5)
    assert summary["out_of_school"] == 3 and summary["links"]["id"] == 2 and summary["school_age"] == 9
    assert json.loads((tmp_path / "linkage_model.json").read_text())["link_type"] == "link_only"


@pytest.mark.spark
def test_spark_gives_the_same_ledgers_as_duckdb(regs: dict) -> None:
    """One small run on PySpark local mode (≈ 15 s to start Spark)."""
    duck = _run(regs)
    spark = _run(regs, engine="spark")
    pd.testing.assert_frame_equal(duck.links, spark.links)
    pd.testing.assert_frame_equal(duck.out_of_school, spark.out_of_school)
    pd.testing.assert_frame_equal(duck.suspected_dropouts, spark.suspected_dropouts)
    pd.testing.assert_frame_equal(duck.priority, spark.priority)
