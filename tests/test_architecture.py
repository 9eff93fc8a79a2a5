"""The architecture's rules hold (docs/dev/architecture.md): the import contracts and no dead code.

``make lint`` runs the same tools; these tests make CI (which runs ``make test``) enforce them too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    return str(path) if path.exists() else (shutil.which(name) or name)


def test_import_contracts_hold() -> None:
    """Engines import no store, web, services, report or synth; the CLI and the web reach engines, io and the
    store only through services (pyproject.toml, [tool.importlinter])."""
    r = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "BROKEN" not in r.stdout and r.stdout.count("KEPT") >= 3


def test_a_forbidden_import_is_caught(tmp_path: Path) -> None:
    """The contract is not vacuous: an engine module that imports the store breaks it."""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "junheng", src / "junheng",
                    ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "*.toml", "*.csv"))
    (src / "junheng" / "geo" / "leak.py").write_text("from junheng.store.models import School\n", encoding="utf-8")
    cfg = tmp_path / "pyproject.toml"
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    cfg.write_text(text[text.index("[tool.importlinter]"):], encoding="utf-8")
    r = subprocess.run([_tool("lint-imports"), "--no-cache", "--config", str(cfg)], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300, env={"PYTHONPATH": str(src), "PATH": ""})
    assert r.returncode != 0 and "junheng.geo.leak -> junheng.store.models" in r.stdout, r.stdout[-3000:]


def test_no_dead_code() -> None:
    """vulture finds nothing unused ([tool.vulture] in pyproject.toml; vulture_whitelist.py says who uses each
    name it cannot see being used)."""
    r = subprocess.run([_tool("vulture")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and not r.stdout.strip(), r.stdout[-4000:]
