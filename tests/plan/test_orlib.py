"""Readers of OR-Library instances (junheng.plan.orlib)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from junheng.plan import PMedian
from junheng.plan.orlib import InstanceFormatError, read_cap, read_pmed, read_pmed_optima, read_sscflp

PMED_DIR = Path(__file__).resolve().parents[3] / "shared" / "bench" / "pmed"


def test_duplicate_edge_last_occurrence_wins(tmp_path: Path) -> None:
    # 3 vertices; edge 1-2 appears twice: first length 1, then 7 (the last one counts).
    # Hand computation with last-wins: d12 = 7, d23 = 4, d13 = 7 + 4 = 11.
    #   median at 1: 0 + 7 + 11 = 18; at 2: 7 + 0 + 4 = 11; at 3: 11 + 4 + 0 = 15 -> 11 at vertex 2.
    # (min-wins would give d12 = 1 and the optimum 5.)
    f = tmp_path / "tiny.txt"
    f.write_text(" 3 3 1 \n 1 2 1 \n 2 3 4 \n 2 1 7 \n")
    inst = read_pmed(f)
    assert inst.p == 1
    np.testing.assert_array_equal(inst.cost, [[0, 7, 11], [7, 0, 4], [11, 4, 0]])
    res = PMedian.from_cost_matrix(inst.cost, p_facilities=inst.p).solve(time_limit_s=10)
    assert res.open_sites == (1,)
    assert res.objective == 11


@pytest.mark.usefixtures("shared_dir")
def test_pmed1_reaches_published_optimum() -> None:
    # pmed1 contains 2 duplicate edges; last-wins reproduces Beasley's 5819 (min-wins: 5718).
    inst = read_pmed(PMED_DIR / "pmed1.txt")
    optima = read_pmed_optima(PMED_DIR / "pmedopt.txt")
    assert len(optima) == 40 and optima["pmed1"] == 5819
    assert inst.cost.shape == (100, 100) and inst.p == 5
    res = PMedian.from_cost_matrix(inst.cost, p_facilities=inst.p).solve(time_limit_s=60)
    assert res.status == "optimal"
    assert res.objective == 5819 and res.bound == 5819


def test_read_cap_with_capacity_word_and_wrapped_lines(tmp_path: Path) -> None:
    f = tmp_path / "capx.txt"
    # 2 facilities, 3 customers; capacity given on the command line; customer rows wrap.
    f.write_text("2 3\ncapacity 10.5\ncapacity 20\n4\n 8 12\n2 6\n4\n1 7 1\n")
    with pytest.raises(InstanceFormatError, match="--capacity"):
        read_cap(f)
    inst = read_cap(f, capacity=15)
    np.testing.assert_array_equal(inst.capacity, [15, 15])
    np.testing.assert_array_equal(inst.fixed_cost, [10.5, 20])
    np.testing.assert_array_equal(inst.demand, [4, 2, 1])
    np.testing.assert_array_equal(inst.cost, [[8, 12], [6, 4], [7, 1]])


def test_read_cap_numeric_capacity(tmp_path: Path) -> None:
    f = tmp_path / "cap1.txt"
    f.write_text("2 1\n 5 100\n 9 200\n 3 30 60\n")
    inst = read_cap(f)
    np.testing.assert_array_equal(inst.capacity, [5, 9])
    np.testing.assert_array_equal(inst.cost, [[30, 60]])


def test_read_sscflp_transposes_facility_major_costs(tmp_path: Path) -> None:
    f = tmp_path / "ss.txt"
    # J=2 facilities, I=3 customers; costs given as J rows of I
    f.write_text("2 3\n10 100\n12 150\n4 5 6\n1 2 3\n4 5 6\n")
    inst = read_sscflp(f)
    np.testing.assert_array_equal(inst.capacity, [10, 12])
    np.testing.assert_array_equal(inst.fixed_cost, [100, 150])
    np.testing.assert_array_equal(inst.demand, [4, 5, 6])
    np.testing.assert_array_equal(inst.cost, [[1, 4], [2, 5], [3, 6]])


def test_truncated_file_names_what_is_missing(tmp_path: Path) -> None:
    f = tmp_path / "bad.txt"
    f.write_text("3 3 1\n1 2 1\n")
    with pytest.raises(InstanceFormatError, match="3 edges"):
        read_pmed(f)
