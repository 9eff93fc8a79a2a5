"""The solver core against published optima of real instances (bench/data/orlib, sources in SOURCES.md).

Beasley's OR-Library capacitated warehouse instances (multi-source CFLP; cap81 and cap111 with binding
capacities) and the Holmberg, Rönnqvist & Yuan (1999) single-source instance p2.  Each is solved as
``junheng solve cflp|sscflp`` solves it and must reach the published optimum with a proof."""

from __future__ import annotations

from pathlib import Path

import pytest

from junheng.plan import CapacitatedFacilityLocation, SingleSourceCFL
from junheng.plan.orlib import read_cap, read_sscflp

DATA = Path(__file__).resolve().parents[2] / "bench" / "data" / "orlib"


@pytest.mark.parametrize(("name", "optimum"), [("cap41", 1040444.375), ("cap81", 838499.288),
                                                ("cap111", 826124.713), ("cap131", 793439.562)])
def test_cap_instances_reach_the_published_optimum(name: str, optimum: float) -> None:
    inst = read_cap(DATA / f"{name}.txt")
    assert inst.cost.shape == ((50, 16) if name == "cap41" else (50, 25) if name == "cap81" else (50, 50))
    r = CapacitatedFacilityLocation.from_cost_matrix(inst.cost, inst.demand, capacity=inst.capacity,
                                                     fixed_cost=inst.fixed_cost, cost_basis="total").solve(
        time_limit_s=120)
    assert r.status == "optimal"
    assert r.objective == pytest.approx(optimum, abs=1e-3)  # published to 3 decimals
    assert r.bound <= r.objective + 1e-6 and r.bound >= optimum * (1 - 1e-6)


def test_holmberg_single_source_p2_reaches_the_published_optimum() -> None:
    inst = read_sscflp(DATA / "holmberg_p2.txt")
    assert inst.cost.shape == (50, 10)
    r = SingleSourceCFL.from_cost_matrix(inst.cost, inst.demand, capacity=inst.capacity,
                                         fixed_cost=inst.fixed_cost, cost_basis="total").solve(time_limit_s=120)
    assert r.status == "optimal" and r.objective == pytest.approx(7913.0, abs=1e-6)
    # single-source: every customer served by exactly one open facility, within capacity
    assert r.allocation is not None
    alloc = r.allocation.toarray()
    assert ((alloc > 1e-6).sum(axis=1) == 1).all()
    load = (alloc * inst.demand[:, None]).sum(axis=0)
    assert (load <= inst.capacity + 1e-6).all()
