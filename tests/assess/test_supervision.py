"""The ranking engine (junheng.assess.supervision) on a 3-county fixture whose scores are worked out by hand.

Default rules (src/junheng/assess/data/ranking.toml): weights parts 0.4, cv_margin 0.3, targets_met 0.2,
tasks_on_time 0.1; verdict points pass 1, fail 0, incomplete 0; 以奖代补 top 3 with score ≥ 80 and no failing
part; 通报批评 any failing part, bottom 1, no data.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest

from junheng.assess.results import Assessment, CompositeCv, CvResult, PartVerdict, TargetResult
from junheng.assess.supervision import (
    CountyInput,
    RankingRules,
    RankingRulesError,
    TaskSummary,
    load_ranking_rules,
    rank_counties,
)

RULES = load_ranking_rules()


def _cv(stage: str, cv: float, limit: float | None, passed: bool | None) -> CvResult:
    return CvResult(stage, f"ind_{stage}_{cv}", "指标", cv, limit, passed, 1.0, 5, 100.0, 0.1, 0.0, 0.0, 0.0, 1.0)


def _target(status: str) -> TargetResult:
    return TargetResult("t", "目标", "", 2025, ">=", 0.9, 0.8, status)


def _assessment(parts: list[str], cvs: list[CvResult], targets: Sequence[str] = (),
                composite: tuple[CompositeCv, ...] = ()) -> Assessment:
    codes = ["resources", "government", "quality", "recognition"]
    verdict = "fail" if "fail" in parts else ("incomplete" if "incomplete" in parts else "pass")
    return Assessment("yzjh-2017", "县域义务教育优质均衡发展督导评估办法", "教督〔2017〕6号", "compulsory", 2025,
                      verdict, (), tuple(PartVerdict(c, c, v) for c, v in zip(codes, parts, strict=False)),
                      pd.DataFrame(), pd.DataFrame(), tuple(cvs), composite, pd.DataFrame(), (), pd.DataFrame(),
                      tuple(_target(s) for s in targets))


def _three() -> list[CountyInput]:
    # A: 4 parts pass → parts = 1.
    #    CVs 0.25/0.50 → margin 0.5, 0.45/0.45 → 0, 0.30/0.50 but passed None (units missing) → does not count.
    #    cv_margin = (1 + (0.5 + 0) / 2) / 2 = 0.625.  Targets met, met, not_met, unknown → 2/3.  Tasks 3 of 4 → 0.75.
    #    score = 100 (0.4·1 + 0.3·0.625 + 0.2·2/3 + 0.1·0.75) / 1 = 100 (0.4 + 0.1875 + 0.133333 + 0.075) = 79.5833
    a = _assessment(["pass"] * 4, [_cv("primary", 0.25, 0.5, True), _cv("junior", 0.45, 0.45, True),
                                   _cv("junior", 0.30, 0.5, None)], ["met", "met", "not_met", "unknown"])
    # B: parts pass, pass, fail, incomplete → (1 + 1 + 0 + 0) / 4 = 0.5.
    #    CV 0.75/0.50 → margin −0.5; CV 0.10/0.50 → 0.8; cv_margin = (1 + 0.15) / 2 = 0.575.
    #    No targets, no tasks: those weights drop out.  score = 100 (0.4·0.5 + 0.3·0.575) / 0.7
    #    = 100 · 0.3725 / 0.7 = 53.2143
    b = _assessment(["pass", "pass", "fail", "incomplete"],
                    [_cv("primary", 0.75, 0.5, False), _cv("primary", 0.10, 0.5, True)])
    # C: parts all pass → 1.  CV 0 with limit 0.5 → margin 1 → cv_margin 1; a CV without a limit does not count.
    #    Targets: not_met only → 0.  Tasks: 0 due → left out (never 1).
    #    score = 100 (0.4·1 + 0.3·1 + 0.2·0) / 0.9 = 77.7778
    c = _assessment(["pass"] * 4, [_cv("primary", 0.0, 0.5, True), _cv("junior", 0.2, None, None)], ["not_met"])
    return [CountyInput("130433000000", "丙县", c, TaskSummary(0, 0)),
            CountyInput("130431000000", "甲县", a, TaskSummary(4, 3)),
            CountyInput("130432000000", "乙县", b)]


def test_scores_and_ranking_equal_the_hand_computation() -> None:
    s = rank_counties(_three(), RULES, year=2025)
    rows = {r.code[:6]: r for r in s.rows}
    assert rows["130431"].components == pytest.approx(
        {"parts": 1.0, "cv_margin": 0.625, "targets_met": 2 / 3, "tasks_on_time": 0.75})
    assert rows["130431"].score == pytest.approx(79.583333, abs=1e-6)
    assert rows["130432"].components["parts"] == pytest.approx(0.5)
    assert rows["130432"].components["cv_margin"] == pytest.approx(0.575)
    assert rows["130432"].components["targets_met"] is None and rows["130432"].components["tasks_on_time"] is None
    assert rows["130432"].score == pytest.approx(53.214286, abs=1e-6)
    assert rows["130433"].components["tasks_on_time"] is None  # no task due: excluded, never full marks
    assert rows["130433"].score == pytest.approx(77.777778, abs=1e-6)
    assert [(r.code[:6], r.rank) for r in s.rows] == [("130431", 1), ("130433", 2), ("130432", 3)]
    assert (rows["130431"].targets_met_count, rows["130431"].targets_counted, rows["130431"].targets_unknown) == (2, 3, 1)
    assert [c.margin for c in rows["130431"].cvs] == [pytest.approx(0.5), pytest.approx(0.0), None]
    assert s.pack_code == "yzjh-2017"


def test_reward_and_criticism_lists_with_reasons() -> None:
    s = rank_counties(_three(), RULES, year=2025)
    rows = {r.code[:6]: r for r in s.rows}
    # nobody reaches 80 under the default rules: no 以奖代补
    assert [r.code for r in s.rows if r.reward_reason] == []
    # 乙县 fails its third part (named "quality" after its code here) and is last of 3
    assert rows["130432"].criticism_reasons == ("quality未达标", "排名倒数第1（共3个县参与排名）")
    assert rows["130431"].criticism_reasons == () and rows["130433"].criticism_reasons == ()
    # with min_score 75 the top two are proposed; the bottom one cannot be, it fails a part
    lenient = RankingRules(**{**RULES.__dict__, "reward_min_score": 75.0})
    s2 = rank_counties(_three(), lenient, year=2025)
    reasons = {r.code[:6]: r.reward_reason for r in s2.rows}
    assert reasons["130431"] == "排名第1（前3名），得分79.6≥75，无未达标部分"
    assert reasons["130433"].startswith("排名第2") and reasons["130432"] == ""


def test_ties_are_broken_by_county_code() -> None:
    a = _assessment(["pass"] * 4, [_cv("primary", 0.25, 0.5, True)])
    s = rank_counties([CountyInput("630122000000", "湟中县", a), CountyInput("130431000000", "鸡泽县", a),
                       CountyInput("630121000000", "大通县", a)], RULES, year=2025)
    assert [r.code for r in s.rows] == ["130431000000", "630121000000", "630122000000"]
    assert [r.rank for r in s.rows] == [1, 2, 3]
    # the score is 100 (0.4 + 0.3 · 0.75) / 0.7 = 89.2857 for each; all three are in the top 3 and ≥ 80
    assert all(r.score == pytest.approx(89.285714, abs=1e-6) and r.reward_reason for r in s.rows)
    assert all(not r.criticism_reasons for r in s.rows)  # never criticised as bottom when proposed for reward


def test_a_county_without_data_is_listed_incomplete_and_never_ranked() -> None:
    counties = [CountyInput("130430000000", "无数据县", None, note="没有 2025 学年数据"), *_three()]
    s = rank_counties(counties, RULES, year=2025)
    last = s.rows[-1]
    assert last.code == "130430000000"  # lowest code, still listed after the ranked ones
    assert (last.verdict, last.rank, last.score, last.has_data) == ("incomplete", None, None, False)
    assert last.criticism_reasons == ("本学年无评估数据，无法评估",)
    assert [r.rank for r in s.rows[:3]] == [1, 2, 3] and s.rows[0].code == "130431000000"


def test_a_single_ranked_county_is_not_the_bottom_of_anything() -> None:
    a = _assessment(["pass", "fail"], [])
    s = rank_counties([CountyInput("130431000000", "鸡泽县", a)], RULES, year=2025)
    assert s.rows[0].rank == 1 and s.rows[0].criticism_reasons == ("government未达标",)
    # parts (1 + 0) / 2 = 0.5 is the only component: score 50
    assert s.rows[0].score == pytest.approx(50.0)


def test_composite_cvs_count_with_their_limit() -> None:
    comp = CompositeCv("primary", 0.325, 0.65, True, 8)
    a = _assessment(["pass"] * 4, [_cv("primary", 0.4, None, None)], composite=(comp,))
    row = rank_counties([CountyInput("130431000000", "鸡泽县", a)], RULES, year=2025).rows[0]
    # margin (0.65 − 0.325) / 0.65 = 0.5 → cv_margin 0.75; score 100 (0.4 + 0.225) / 0.7 = 89.2857
    assert row.components["cv_margin"] == pytest.approx(0.75)
    assert [c.composite for c in row.cvs] == [False, True]


def test_bad_rules_name_the_file_and_key(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parents[2] / "src/junheng/assess/data/ranking.toml").read_text("utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("cv_margin = 0.3", "cv_margin = 1.5").replace("top = 3", "top = -1")
                   .replace("bottom = 1", "bottom = 1\nworst = 2"), encoding="utf-8")
    with pytest.raises(RankingRulesError) as exc:
        load_ranking_rules(bad)
    issues = exc.value.issues
    assert any("bad.toml" in i and "weights.cv_margin" in i and "1.5" in i for i in issues)
    assert any("reward.top" in i for i in issues) and any("criticism.worst" in i for i in issues)
    zero = tmp_path / "zero.toml"
    zero.write_text(text.replace("parts = 0.4", "parts = 0").replace("cv_margin = 0.3", "cv_margin = 0")
                    .replace("targets_met = 0.2", "targets_met = 0").replace("tasks_on_time = 0.1", "tasks_on_time = 0"),
                    encoding="utf-8")
    with pytest.raises(RankingRulesError, match="weights"):
        load_ranking_rules(zero)
