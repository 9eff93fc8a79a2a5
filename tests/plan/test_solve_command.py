"""``junheng solve pmedian|cflp|sscflp`` (junheng.commands.solve) through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from junheng.commands import solve as solve_cmd

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:  # keep "solve" as a sub-command group
        pass

    solve_cmd.register(app)
    return app


def test_pmedian_json(tmp_path: Path) -> None:
    # same tiny graph as test_orlib: last edge wins, optimum 11 at vertex 2 (index 1)
    f = tmp_path / "tiny.txt"
    f.write_text("3 3 1\n1 2 1\n2 3 4\n2 1 7\n")
    out = tmp_path / "out.json"
    res = runner.invoke(_app(), ["solve", "pmedian", str(f), "--json", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["status"] == "optimal"
    assert data["objective"] == 11 and data["bound"] == 11 and data["gap"] == 0
    assert data["open_sites"] == [1] and data["seconds"] >= 0
    # --p overrides the file's p: with 2 medians {1,2} or {0,1}: {0,1} -> 0+0+4 = 4, {1,2} -> 7, {0,2} -> 7
    res = runner.invoke(_app(), ["solve", "pmedian", str(f), "--p", "2", "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text())["objective"] == 4


def test_cflp_capacity_word_and_infeasible(tmp_path: Path) -> None:
    f = tmp_path / "capx.txt"
    # 2 facilities (capacity from the command line, fixed 3 and 8), 3 customers with demand 4, 4, 2 and
    # total costs = the per-unit costs of test_facility times demand -> optimum 23 with capacity 6 / 10.
    # Here both capacities are the same value C: with C = 10, {1} alone costs 8 + 12 + 8 + 2 = 30,
    # {0} alone 3 + 4 + 4 + 4 = 15 (all fit in 10) <- optimum.
    f.write_text("2 3\ncapacity 3\ncapacity 8\n4 4 12\n4 4 8\n2 4 2\n")
    out = tmp_path / "cap.json"
    res = runner.invoke(_app(), ["solve", "cflp", str(f), "--capacity", "10", "--json", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["status"] == "optimal" and data["objective"] == 15 and data["open_sites"] == [0]
    # without --capacity: a clear error
    res = runner.invoke(_app(), ["solve", "cflp", str(f)])
    assert res.exit_code == 1 and "--capacity" in res.output
    # capacity 4 per site: 8 < total demand 10 -> infeasible, exit code 2, JSON still written
    res = runner.invoke(_app(), ["solve", "cflp", str(f), "--capacity", "4", "--json", str(out)])
    assert res.exit_code == 2
    data = json.loads(out.read_text())
    assert (
        data["status"] == "infeasible" and data["objective"] is None and "total demand 10" in data["message"]
    )


def test_sscflp_json(tmp_path: Path) -> None:
    f = tmp_path / "ss.txt"
    # J=2, I=3: capacities 6 / 10, fixed 3 / 8, demands 4 4 2, total costs (J rows of I) from
    # test_facility's per-unit costs -> single-source optimum 25 with both open, assignment 0, 1, 1
    f.write_text("2 3\n6 3\n10 8\n4 4 2\n4 4 4\n12 8 2\n")
    out = tmp_path / "ss.json"
    res = runner.invoke(_app(), ["solve", "sscflp", str(f), "--json", str(out), "--method", "mip"])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["status"] == "optimal" and data["objective"] == 25 and data["open_sites"] == [0, 1]
