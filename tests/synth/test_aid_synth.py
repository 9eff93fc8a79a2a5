"""The student-aid audit generator (``junheng.synth.aid``): deterministic, the truth counts what was asked,
noise is never a fault, payment ids unique, IDs valid where they are meant to be; and, slow, the benchmark
at a small scale meets the targets of issue 15."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from junheng.domain.idnumber import IdNumberError, parse_id_number
from junheng.registry.normalise import name_key
from junheng.synth.aid import (
    PAYMENT_COLUMNS,
    PAYMENT_NOISE,
    REASONS,
    ROLL_COLUMNS,
    AidCase,
    AidFaults,
    build_aid_case,
)

ROOT = Path(__file__).resolve().parents[2]
PUPILS = 6000


@pytest.fixture(scope="module")
def case() -> AidCase:
    return build_aid_case("130431", seed=7, pupils=PUPILS)


def _valid(idn: str) -> bool:
    try:
        return parse_id_number(idn).value == idn
    except IdNumberError:
        return False


def test_deterministic(case: AidCase) -> None:
    again = build_aid_case("130431", seed=7, pupils=PUPILS)
    for a, b in ((case.roll, again.roll), (case.attendance, again.attendance), (case.payments, again.payments),
                 (case.truth, again.truth), (case.unpaid, again.unpaid)):
        pd.testing.assert_frame_equal(a, b)
    for stem in case.difficulty:
        pd.testing.assert_frame_equal(case.difficulty[stem], again.difficulty[stem])
    other = build_aid_case("130431", seed=8, pupils=PUPILS)
    assert not other.payments["id_number"].equals(case.payments["id_number"])


def test_shapes(case: AidCase) -> None:
    assert len(case.roll) == PUPILS + case.faults.twins
    assert tuple(case.roll.columns) == ROLL_COLUMNS
    assert tuple(case.payments.columns) == PAYMENT_COLUMNS
    assert set(case.difficulty) == {"poverty", "dibao"}
    assert set(case.difficulty["poverty"]["category"]) == {"脱贫户", "监测户"}
    assert set(case.difficulty["dibao"]["category"]) == {"低保", "特困", "孤儿", "残疾"}
    assert set(case.roll["boarder"]) == {"0", "1"}
    assert set(case.roll["grade"].astype(int)) == set(range(1, 10))
    assert (case.payments["term"] == "2026-2").all() and (case.payments["programme"] == "boarding_subsidy").all()
    assert (case.payments["paid_on"] <= "2026-11-30").all() and (case.payments["paid_on"] >= "2026-09-15").all()
    assert set(case.payments["amount"]) >= {"500", "625"}  # 1000 / 1250 a year, half a term (aid.toml)


def test_counts_equal_what_was_asked(case: AidCase) -> None:
    f = case.faults
    assert f == AidFaults.for_pupils(PUPILS)
    reasons = case.truth["reason"].value_counts().to_dict()
    assert {r: reasons.get(r, 0) for r in REASONS} == f.reason_counts()
    correct = case.truth[case.truth["reason"] == ""]
    assert correct["noise"].replace("", pd.NA).dropna().value_counts().to_dict() == f.noise_counts()
    faults = case.truth["fault"].value_counts().to_dict()
    assert faults["duplicate_other_school"] == f.duplicate_other_school
    assert faults["ghost_borrowed"] == f.ghost_borrowed and faults["not_boarder"] == f.not_boarder
    assert len(case.unpaid) == f.unpaid
    assert len(case.payments) == len(case.truth)


def test_noise_rows_are_not_faults(case: AidCase) -> None:
    t = case.truth
    noisy = t[t["noise"] != ""]
    assert len(noisy) == sum(case.faults.noise_counts().values())
    assert (noisy["reason"] == "").all() and (noisy["fault"] == "").all()
    assert set(noisy["noise"]) <= {*PAYMENT_NOISE, "id_digit+no_student_id", "id_15+no_student_id"}
    assert (t.loc[t["reason"] != "", "noise"] == "").all()


def test_payment_ids_unique_and_duplicates_later(case: AidCase) -> None:
    pay = case.payments.merge(case.truth, on="payment_id")
    assert pay["payment_id"].is_unique
    dup = pay[pay["reason"] == "duplicate"]
    first = pay[pay["reason"] != "duplicate"].set_index("student_id_y")
    for r in dup.itertuples(index=False):
        original = first.loc[r.student_id_y]
        assert original["payment_id"] < r.payment_id and original["paid_on"] < r.paid_on
        same = r.fault == "duplicate_same_school"
        assert (original["school_code"] == r.school_code) == same


def test_id_numbers(case: AidCase) -> None:
    assert case.roll["id_number"].map(_valid).all()
    assert (case.roll["student_id"] == "G" + case.roll["id_number"]).all()
    true_id = dict(zip(case.roll["student_id"], case.roll["id_number"], strict=True))
    pay = case.payments.merge(case.truth, on="payment_id", suffixes=("", "_true"))
    for r in pay.itertuples(index=False):
        noise = r.noise or r.variant
        if r.reason == "not_enrolled":
            assert _valid(r.id_number) and r.id_number not in true_id.values()
            continue
        right = true_id[r.student_id_true]
        if noise.startswith("id_digit"):
            diff = [k for k in range(17) if r.id_number[k] != right[k]]
            assert len(r.id_number) == 18 and len(diff) == 1
        elif noise == "id_swap":
            diff = [k for k in range(18) if r.id_number[k] != right[k]]
            assert len(diff) == 2 and diff[1] == diff[0] + 1
            assert r.id_number[diff[0]] == right[diff[1]] and r.id_number[diff[1]] == right[diff[0]]
        elif noise.startswith("id_15"):
            assert r.id_number == right[:6] + right[8:17]
        else:
            assert r.id_number == right
        assert (r.student_id == "") == noise.endswith("no_student_id") or noise == "twin"
        if noise == "name_dropped":
            roll_name = case.roll.set_index("student_id").loc[r.student_id_true, "name"]
            assert r.name == roll_name[0] + roll_name[2] and len(roll_name) == 3
        if noise == "name_traditional" and r.reason == "":
            roll_name = case.roll.set_index("student_id").loc[r.student_id_true, "name"]
            assert r.name != roll_name and name_key(r.name) == roll_name


def test_faults_are_what_they_say(case: AidCase) -> None:
    roll = case.roll.set_index("student_id")
    present = dict(zip(case.attendance["student_id"], case.attendance["present"], strict=True))
    listed = {*case.difficulty["poverty"]["name"].map(name_key), *case.difficulty["dibao"]["name"].map(name_key)}
    t = case.truth
    absent = t[t["reason"] == "not_attending"]["student_id"]
    assert (absent.map(present) == "0").all() and (absent.map(roll["boarder"]) == "1").all()
    ok = t[(t["reason"] == "") | (t["reason"] == "wrong_amount") | (t["reason"] == "duplicate")]
    assert (ok["student_id"].map(present) == "1").all() and (ok["student_id"].map(roll["boarder"]) == "1").all()
    nb = t[t["fault"] == "not_boarder"]["student_id"]
    assert (nb.map(roll["boarder"]) == "0").all() and nb.map(roll["name"]).isin(listed).all()
    ghosts = t[t["reason"] == "not_enrolled"]
    assert (ghosts["student_id"] == "").all()
    unpaid = case.unpaid["student_id"]
    assert not set(unpaid) & set(t["student_id"]) and (unpaid.map(roll["boarder"]) == "1").all()
    assert (unpaid.map(present) == "1").all()


def test_twins(case: AidCase) -> None:
    pay = case.payments.merge(case.truth, on="payment_id", suffixes=("", "_true"))
    twins = case.roll.set_index("student_id").loc[pay.loc[pay["noise"] == "twin", "student_id_true"]]
    pairs = twins.groupby(["birth_date", "school_code", "grade"]).size()
    assert (pairs == 2).all() and len(pairs) == case.faults.twins
    assert twins["id_number"].str[:14].groupby([twins["birth_date"], twins["school_code"]]).nunique().eq(1).all()
    assert twins["name"].str[0].groupby([twins["birth_date"], twins["school_code"]]).nunique().eq(1).all()


def test_too_many_faults_rejected() -> None:
    with pytest.raises(ValueError, match="too few"):
        build_aid_case("130431", seed=7, pupils=1000, faults=AidFaults(unpaid=5000))


def _cli_ready() -> bool:
    exe = Path(sys.executable).with_name("junheng")
    proc = subprocess.run([str(exe), "aid", "audit", "--help"], capture_output=True, text=True, check=False)
    return proc.returncode == 0


@pytest.mark.slow
def test_bench_small_scale_meets_targets() -> None:
    if not _cli_ready():
        pytest.fail("junheng aid audit is not available")
    bench = _bench()
    _, s, _ = bench.run(seed=3, scale=PUPILS)
    assert bench.targets_missed(s) == [], s["failing_payments"][:20]
    assert s["noisy_wrongly_flagged"] == 0
    assert all(v["true"] > 0 for v in s["reasons"].values())


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("aid_quality", ROOT / "bench" / "aid_quality.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_bench_scoring_on_the_truth_and_on_a_planted_miss(case: AidCase) -> None:
    bench = _bench()
    t = case.truth
    exc = t.loc[t["reason"] != "", ["payment_id", "reason"]]
    s = bench.score(case, exc, case.unpaid)
    assert bench.targets_missed(s) == [] and s["noisy_wrongly_flagged"] == 0 and s["failing_payments"] == []
    noisy = t.loc[t["noise"] == "id_15", "payment_id"].iloc[0]
    ghost = t.loc[t["reason"] == "not_enrolled", "payment_id"].iloc[0]
    exc2 = pd.concat([exc[exc["payment_id"] != ghost], pd.DataFrame({"payment_id": [noisy], "reason": ["not_enrolled"]})])
    s2 = bench.score(case, exc2, case.unpaid.iloc[1:])
    n = case.faults.reason_counts()["not_enrolled"]
    assert s2["reasons"]["not_enrolled"]["recall"] == (n - 1) / n
    assert s2["reasons"]["not_enrolled"]["precision"] == (n - 1) / n
    assert s2["noisy_wrongly_flagged_by_label"] == {"id_15": 1}
    assert s2["unpaid"]["recall"] == (case.faults.unpaid - 1) / case.faults.unpaid
    assert {c["payment_id"] for c in s2["failing_payments"]} == {noisy, ghost}
    assert any(m.startswith("unpaid recall") for m in bench.targets_missed(s2))
