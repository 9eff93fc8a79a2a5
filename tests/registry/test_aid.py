"""The student-aid audit on hand-made registries (tests/registry/data_aid/README.md gives the answers)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from junheng.cli import app
from junheng.io.errors import ImportRejected
from junheng.registry import read_registry
from junheng.registry.aid import (
    COVERAGE_COLUMNS,
    EXCEPTION_COLUMNS,
    UNPAID_COLUMNS,
    AidResult,
    AidRuleError,
    AidRules,
    audit,
    load_aid_rules,
    parse_term,
    read_aid_roll,
    read_difficulty_lists,
    read_payments,
    read_schools,
)

DATA = Path(__file__).parent / "data_aid"
TERM = parse_term("2026-2")
AS_OF = dt.date(2026, 11, 30)


def _audit(rules: AidRules, payments: Path = DATA / "payments.csv") -> AidResult:
    return audit(read_aid_roll(DATA / "roll.csv"), read_registry(DATA / "attendance.csv", "attendance"),
                 read_difficulty_lists([DATA / "poverty.csv", DATA / "dibao.csv"]),
                 read_payments(payments, programmes=rules.payment_codes), term=TERM, as_of=AS_OF, rules=rules,
                 schools=read_schools(DATA / "schools.csv"))


@pytest.fixture(scope="module")
def res() -> AidResult:
    return _audit(load_aid_rules())


def _by_payment(res: AidResult) -> pd.DataFrame:
    return res.exceptions.set_index("payment_id")


# ---------------------------------------------------------------------------------------------------- rules
def test_standard_amounts_by_stage_and_term() -> None:
    r = load_aid_rules()
    b, hs, vs, nut = (r.programmes[c] for c in ("boarding_subsidy", "hs_grant", "vs_grant", "nutrition"))
    assert (b.standard("primary", TERM, 2), b.standard("junior", TERM, 2)) == (500.0, 625.0)
    assert b.standard("senior", TERM, 2) is None
    assert hs.standard("senior", TERM, 2) == 1150.0            # 2300 a year from 2025-2 [U]
    assert hs.allowed("senior", parse_term("2020-2"), 2) == (1000.0, 500.0, 1500.0)  # 2000 average, tiers 1000/3000
    assert hs.standard("senior", parse_term("2012-1"), 2) == 750.0
    assert vs.grades == (10, 11) and vs.standard("vocational", TERM, 2) == 1150.0
    assert nut.standard("primary", TERM, 2) == 500.0 and not nut.in_force  # 5 元 × 100 days; pilot counties only
    assert nut.standard("primary", parse_term("2015-1"), 2) == 400.0
    assert r.payment_codes == ("boarding_subsidy", "nutrition", "hs_grant", "vs_grant")
    assert r.categorise("农村低保、孤儿") == ("dibao", "orphan") and r.categorise("其他") == ()


def test_bad_rules_file_names_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "county.toml"
    bad.write_text('[[programmes.boarding_subsidy.amounts]]\nfrom = "2026-2"\njunior = "x"\n'
                   '[programmes.nutrition]\nunit = "week"\n', encoding="utf-8")
    with pytest.raises(AidRuleError) as e:
        load_aid_rules(overrides=[bad])
    text = "\n".join(e.value.issues)
    assert "county.toml: programmes.boarding_subsidy.amounts[0].junior: 应为非负数" in text and "'x'" in text
    assert "county.toml: programmes.nutrition.unit:" in text and "'week'" in text
    undefined = tmp_path / "cat.toml"
    undefined.write_text('[programmes.hs_grant]\ncategories = ["rich"]\n', encoding="utf-8")
    with pytest.raises(AidRuleError, match=r"programmes\.hs_grant\.categories\[0\]"):
        load_aid_rules(overrides=[undefined])


# ---------------------------------------------------------------------------------------------------- audit
def test_each_payment_gets_its_one_reason(res: AidResult) -> None:
    got = dict(zip(res.exceptions["payment_id"], res.exceptions["reason"], strict=True))
    assert got == {
        "P05": "wrong_amount",    # junior pupil paid the primary amount
        "P06": "not_attending",   # absent on the check
        "P07": "not_eligible",    # not a boarder
        "P09": "duplicate",       # paid again at another school
        "P13": "not_eligible",    # 中职 grade 12: the grant covers grades 10–11
        "P14": "not_enrolled",    # ghost: no such pupil
        "P15": "not_enrolled",    # 转出
        "P17": "duplicate",       # twin A paid twice at the same school
        "P18": "not_eligible",    # on no difficulty list
        "P19": "not_eligible",    # nutrition: not a pilot county
    }
    assert list(res.exceptions.columns) == EXCEPTION_COLUMNS
    assert res.summary["other_term"] == 1 and res.summary["payments"] == 19 and res.summary["valid_payments"] == 9


def test_mistyped_15_digit_and_missing_ids_still_link(res: AidResult) -> None:
    ex = _by_payment(res)
    for pid in ("P02", "P03", "P04", "P10", "P16"):
        assert pid not in ex.index
    paid = res.paid.set_index("payment_id")
    assert paid.loc["P04", "student_id"] == "S04"   # swapped digits, no student_id, 王方 for 王芳: Splink
    assert paid.loc["P10", "student_id"] == "S10"   # 15-digit number (century 20)
    assert paid.loc["P16", "student_id"] == "S15"   # one digit mistyped, student_id given
    assert paid.loc["P02", "student_id"] == "S02"   # no student_id, valid ID
    assert res.summary["linked_by"] == {"student_id": 13, "id": 3, "name_school": 1, "probabilistic": 1,
                                        "unlinked": 1}


def test_twins_are_two_pupils(res: AidResult) -> None:
    paid = res.paid.set_index("payment_id")
    assert paid.loc["P02", "student_id"] == "S02" and paid.loc["P03", "student_id"] == "S03"
    ent = res.entitlement[res.entitlement["programme"] == "boarding_subsidy"].set_index("student_id")
    # twin B is on the poverty list without ID, in another village: linked to B, not A
    assert ent.loc["S03", "categories"] == "poverty_alleviated" and ent.loc["S02", "categories"] == "poverty_alleviated"
    assert _by_payment(res).loc["P17", "duplicate_of"] == "P02"


def test_paid_at_two_schools_keeps_the_roll_schools_payment(res: AidResult) -> None:
    row = _by_payment(res).loc["P09"]
    assert row["duplicate_of"] == "P08" and row["school_code"] == "2113043101"
    assert row["roll_school_code"] == "2113043102" and row["linked_by"] == "id"


def test_evidence_of_wrong_amount_and_ghost(res: AidResult) -> None:
    ex = _by_payment(res)
    assert ex.loc["P05", "expected_amount"] == 625.0 and ex.loc["P05", "stage"] == "junior"
    assert ex.loc["P07", "detail"] == "非寄宿生"
    assert ex.loc["P14", "student_id"] == "" and ex.loc["P14", "linked_by"] == ""
    assert ex.loc["P15", "detail"] == "学籍状态：transferred"


def test_unpaid_eligible(res: AidResult) -> None:
    u = res.unpaid
    assert list(u.columns) == UNPAID_COLUMNS
    # 应助未助 = entitled and not paid at all: S09.  S05 was paid, the wrong amount (P05 in exceptions.csv).
    assert set(zip(u["student_id"], u["programme"], strict=True)) == {("S09", "boarding_subsidy")}


def test_coverage_worked_by_hand(res: AidResult) -> None:
    c = res.coverage
    assert list(c.columns) == COVERAGE_COLUMNS
    got = {(r.level, r.township_code, r.school_code, r.programme): (r.entitled, r.paid, r.paid_correctly, r.unpaid,
                                                                    r.coverage_rate) for r in c.itertuples()}
    assert got[("school", "130431100000", "2113043101", "boarding_subsidy")] == (6, 5, 5, 1, 0.8333)
    # S05 was paid (the wrong amount): paid, not paid correctly, not unpaid
    assert got[("school", "130431101000", "2113043102", "boarding_subsidy")] == (3, 3, 2, 0, 0.6667)
    assert got[("township", "130431100000", "", "hs_grant")] == (1, 1, 1, 0, 1.0)
    assert got[("county", "", "", "boarding_subsidy")] == (9, 8, 7, 1, 0.7778)
    assert got[("county", "", "", "vs_grant")] == (1, 1, 1, 0, 1.0)
    assert len(c) == 11


def test_entitlement_includes_waivers(res: AidResult) -> None:
    e = res.summary["entitled"]
    assert e["boarding_subsidy"] == 9 and e["tuition_waiver_hs"] == 1 and e["tuition_waiver_vs"] == 2
    assert e["free_textbooks"] == 11 and e["boarding_fee_waiver_hs"] == 0 and e["nutrition"] == 0


def test_pilot_county_override(tmp_path: Path) -> None:
    pilot = tmp_path / "pilot.toml"
    pilot.write_text("[programmes.nutrition]\nin_force = true\ndays_per_term = 90\n", encoding="utf-8")
    res = _audit(load_aid_rules(overrides=[pilot]))
    ex = _by_payment(res)
    assert ex.loc["P19", "reason"] == "wrong_amount" and ex.loc["P19", "expected_amount"] == 450.0
    assert res.summary["entitled"]["nutrition"] == 11


def test_bad_payment_rows_are_rejected(tmp_path: Path) -> None:
    df = pd.read_csv(DATA / "payments.csv", dtype=str, keep_default_na=False)
    df.loc[2, "term"] = "2026-3"
    df.loc[3, "programme"] = "bonus"
    df.loc[4, "amount"] = "五百"
    df.to_csv(tmp_path / "payments.csv", index=False)
    with pytest.raises(ImportRejected) as e:
        read_payments(tmp_path / "payments.csv", programmes=load_aid_rules().payment_codes)
    got = {(i.file, i.row, i.column, i.found) for i in e.value.issues}
    assert got == {("payments.csv", 4, "term", "2026-3"), ("payments.csv", 5, "programme", "bonus"),
                   ("payments.csv", 6, "amount", "五百")}


# ---------------------------------------------------------------------------------------------------- CLI
def _args(out: Path, payments: Path = DATA / "payments.csv") -> list[str]:
    return ["aid", "audit", "--roll", str(DATA / "roll.csv"), "--attendance", str(DATA / "attendance.csv"),
            "--difficulty", str(DATA / "poverty.csv"), "--difficulty", str(DATA / "dibao.csv"),
            "--payments", str(payments), "--term", "2026-2", "--as-of", "2026-11-30", "--out", str(out)]


def test_cli_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = CliRunner().invoke(app, _args(out))
    assert r.exit_code == 0, r.output
    ex = pd.read_csv(out / "exceptions.csv", dtype=str, keep_default_na=False)
    assert list(ex.columns) == EXCEPTION_COLUMNS and len(ex) == 11
    # no school list: 冯雪 (grade 10, no stage column) is taken as 普通高中, so her 中职 grant is not_eligible
    assert ex.set_index("payment_id").loc["P12", "reason"] == "not_eligible"
    un = pd.read_csv(out / "unpaid_eligible.csv", dtype=str, keep_default_na=False)
    assert list(un.columns)[:3] == ["student_id", "id_number", "programme"] \
        and set(un["student_id"]) == {"S09", "S12"}  # S12 owed the 普通高中 grant here; S05 paid the wrong amount
    cov = pd.read_csv(out / "coverage.csv", dtype=str, keep_default_na=False)
    assert list(cov.columns) == COVERAGE_COLUMNS
    # without a school list the township is the school
    county = cov[(cov["level"] == "county") & (cov["programme"] == "boarding_subsidy")].iloc[0]
    assert (county["entitled"], county["paid_correctly"]) == ("9", "7")
    schools = cov[cov["level"] == "school"]
    assert (schools["township_code"] == schools["school_code"]).all()
    pub = pd.read_excel(out / "公示名单.xlsx", header=1, dtype=str)
    assert len(pub) == 8 and pub["姓名"].iloc[0] == "张**" and pub["身份证号"].iloc[0] == "130431********0116"
    nat = pd.read_excel(out / "学生资助管理信息系统导出.xlsx", dtype=str)
    assert list(nat.columns)[:4] == ["学校标识码", "学校名称", "学籍号", "姓名"] and len(nat) == 8
    assert "张伟强" not in r.output


def test_cli_formula_safe(tmp_path: Path) -> None:
    df = pd.read_csv(DATA / "payments.csv", dtype=str, keep_default_na=False)
    df.loc[13, "name"] = "=HYPERLINK(\"http://x\",\"y\")"   # the ghost P14
    df.to_csv(tmp_path / "payments.csv", index=False)
    r = CliRunner().invoke(app, _args(tmp_path / "out", tmp_path / "payments.csv"))
    assert r.exit_code == 0, r.output
    ex = pd.read_csv(tmp_path / "out" / "exceptions.csv", dtype=str, keep_default_na=False).set_index("payment_id")
    assert ex.loc["P14", "name"].startswith("'=")


def test_cli_bad_input_exits_2(tmp_path: Path) -> None:
    shutil.copy(DATA / "payments.csv", tmp_path / "p.csv")
    df = pd.read_csv(tmp_path / "p.csv", dtype=str).drop(columns=["amount"])
    df.to_csv(tmp_path / "p.csv", index=False)
    r = CliRunner().invoke(app, _args(tmp_path / "out", tmp_path / "p.csv"))
    assert r.exit_code == 2 and "p.csv" in r.output and "amount" in r.output and "缺少该列" in r.output
    r = CliRunner().invoke(app, [*_args(tmp_path / "out")[:-6], "--term", "2026秋", "--as-of", "2026-11-30",
                                 "--out", str(tmp_path / "out")])
    assert r.exit_code == 2 and "2026秋" in r.output
    bad = tmp_path / "bad.toml"
    bad.write_text("[programmes.hs_grant]\nboarding = 3\n", encoding="utf-8")
    r = CliRunner().invoke(app, [*_args(tmp_path / "out"), "--rules", str(bad)])
    assert r.exit_code == 2 and "bad.toml: programmes.hs_grant.boarding" in r.output


def test_a_ghost_with_a_real_pupils_birth_date_but_another_name_stays_a_ghost(tmp_path: Path) -> None:
    """A payment to an invented child who shares 张伟强's (S01) birth date, sex, school and the first 14 ID
    characters, but has another surname and other sequence digits, is ``not_enrolled``: a probabilistic link
    between two different names never decides a payment (the quality bench found such ghosts read as pupils)."""
    from junheng.domain.idnumber import check_char

    body = "13043120150312" + "027"  # S01's address code and birth date, another sequence number (odd: 男)
    ghost = body + check_char(body)
    pay = tmp_path / "payments.csv"
    pay.write_text((DATA / "payments.csv").read_text(encoding="utf-8").rstrip("\n")
                   + f"\nP90,{ghost},廖睿,,2113043101,boarding_subsidy,2026-2,500,2026-10-09\n", encoding="utf-8")
    ex = _by_payment(_audit(load_aid_rules(), pay))
    assert ex.loc["P90", "reason"] == "not_enrolled"
    assert "P01" not in ex.index  # S01's own payment is still good


def test_names_agree_only_for_one_childs_names() -> None:
    from junheng.registry.normalise import name_key, name_pinyin, names_agree

    def agree(a: str, b: str) -> bool:
        ka, kb = name_key(a), name_key(b)
        return names_agree(ka, name_pinyin(ka)[0], kb, name_pinyin(kb)[0])

    assert agree("張偉強", "张伟强")  # traditional characters
    assert agree("张伟强", "张强")  # a dropped middle character
    assert agree("张伟强", "张维强")  # a homophone typed for a character (wei)
    assert not agree("张伟", "张强")  # twins: same surname, another given name
    assert not agree("廖睿", "钟文涛") and not agree("曹文子", "文凯涛")  # another child
