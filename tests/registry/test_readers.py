"""Registry files: fixed columns, all-or-nothing validation, normalised frames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from junheng.io.errors import ImportRejected
from junheng.registry.readers import read_registry, registry_from_frame

DATA = Path(__file__).parent / "data"


def test_population_reads_and_normalises() -> None:
    reg = read_registry(DATA / "population.csv", "population")
    f = reg.frame
    assert len(reg) == 10 and list(f["row"][:2]) == [2, 3]
    zhao = f[f["name"] == "赵磊"].iloc[0]
    assert zhao["id_status"] == "upgraded" and zhao["id_number"] == "13043120140215005X"
    assert not f["id_conflict"].any()
    assert reg.sha256


def test_roll_traditional_name_and_bad_id_kept_not_rejected() -> None:
    reg = read_registry(DATA / "roll.csv", "roll")
    f = reg.frame.set_index("student_id")
    assert f.loc["G1004", "name_key"] == "陈静怡"
    assert f.loc["G1003", "id_status"] == "invalid" and f.loc["G1003", "name_key"] == "王芳"
    assert f.loc["G1002", "id_status"] == "missing"
    assert set(f["status"]) == {"enrolled"}


def test_every_error_reported_nothing_returned(tmp_path: Path) -> None:
    bad = pd.DataFrame({
        "id_number": ["", "", ""], "name": ["甲", "", "丙"], "sex": ["男", "X", "女"],
        "birth_date": ["2015-13-01", "2015-01-01", ""], "village_code": ["130431100201", "1304", "130431100201"],
    })
    path = tmp_path / "population.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(ImportRejected) as exc:
        read_registry(path, "population")
    found = {(i.code, i.row, i.column) for i in exc.value.issues}
    assert found == {
        ("E107", 2, "birth_date"),  # 13th month
        ("E101", 3, "name"),
        ("E106", 3, "sex"),
        ("E105", 3, "village_code"),
        ("E101", 4, "birth_date"),  # no date and no valid ID to take it from
    }


def test_unknown_and_missing_columns() -> None:
    with pytest.raises(ImportRejected) as exc:
        registry_from_frame(pd.DataFrame({"student_id": ["1"], "colour": ["red"]}), "attendance")
    codes = sorted(i.code for i in exc.value.issues)
    assert codes == ["E403", "E404"]  # present missing, colour unknown


def test_duplicate_student_id() -> None:
    df = pd.DataFrame({"student_id": ["A", "A"], "school_code": ["1", "1"], "present": ["1", "0"]})
    with pytest.raises(ImportRejected) as exc:
        registry_from_frame(df, "attendance")
    assert [(i.code, i.row) for i in exc.value.issues] == [("E301", 3)]


def test_chinese_headers_accepted() -> None:
    df = pd.DataFrame({"学籍号": ["A"], "是否在校": ["否"]})
    reg = registry_from_frame(df, "attendance")
    assert reg.frame.loc[0, "present"] is False or not bool(reg.frame.loc[0, "present"])
