"""Readers for OR-Library facility-location instances (J.E. Beasley, OR-Library).

* ``pmed`` (Beasley 1985, EJOR 21:270-273): ``n m p`` then ``m`` lines ``i j c`` —
  an undirected graph; every vertex is a client (demand 1) and a candidate site; the
  cost is the shortest-path length. **Duplicate edges: the last occurrence wins** (the
  OR-Library convention; see ``shared/bench/README.md`` — taking the minimum gives
  pmed1 = 5718 instead of the published 5819).
* ``cap`` (Beasley 1988, EJOR 33:314-325): ``m n``; ``m`` lines ``capacity fixed_cost``;
  then per customer its ``demand`` followed by ``m`` costs of serving *all* its demand
  from each facility. In capa/capb/capc the capacity field is the word ``capacity`` and
  the value is supplied by the user.
* single-source CFLP (``J I`` format, e.g. Holmberg et al. 1999 instances): ``J I``;
  ``J`` lines ``capacity fixed_cost``; ``I`` demands; then ``J`` rows of ``I`` costs
  (cost of serving all of customer ``i``'s demand from facility ``j``).

Files are read as whitespace-separated tokens, so line wrapping does not matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path


class InstanceFormatError(ValueError):
    """The instance file does not follow its format; the message names file and position."""


@dataclass(frozen=True)
class PMedianInstance:
    name: str
    n_vertices: int
    p: int
    cost: npt.NDArray[np.float64]  # n x n shortest-path lengths


@dataclass(frozen=True)
class CapacitatedInstance:
    """A CFLP instance; ``cost[i, j]`` is the cost of serving all of client ``i`` from ``j``."""

    name: str
    capacity: npt.NDArray[np.float64]
    fixed_cost: npt.NDArray[np.float64]
    demand: npt.NDArray[np.float64]
    cost: npt.NDArray[np.float64]  # clients x sites, total cost


def _tokens(path: Path) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").split()
    except OSError as err:
        raise InstanceFormatError(f"无法读取文件 / cannot read {path}: {err}") from err


def _numbers(path: Path, tokens: list[str], start: int, count: int, what: str) -> npt.NDArray[np.float64]:
    chunk = tokens[start : start + count]
    if len(chunk) < count:
        raise InstanceFormatError(
            f"{path}: 文件提前结束 / file ends early while reading {what} (expected {count} numbers, found {len(chunk)})"
        )
    try:
        return np.array([float(t) for t in chunk])
    except ValueError as err:
        raise InstanceFormatError(f"{path}: 非数字内容 / not a number while reading {what}: {err}") from err


def read_pmed(path: str | Path) -> PMedianInstance:
    """Read an OR-Library ``pmed`` file; cost = all-pairs shortest paths (last edge wins)."""
    path = Path(path)
    tok = _tokens(path)
    head = _numbers(path, tok, 0, 3, "header n m p")
    n, m, p = (int(v) for v in head)
    edges = _numbers(path, tok, 3, 3 * m, f"{m} edges").reshape(m, 3)
    i = edges[:, 0].astype(np.int64) - 1
    j = edges[:, 1].astype(np.int64) - 1
    if i.min() < 0 or j.min() < 0 or i.max() >= n or j.max() >= n:
        raise InstanceFormatError(f"{path}: 顶点编号超出 1..{n} / vertex index outside 1..{n}")
    w = edges[:, 2]
    # undirected: key the edge by its unordered end points; the LAST occurrence wins
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    key = lo * n + hi
    _, last_rev = np.unique(key[::-1], return_index=True)
    last = m - 1 - last_rev
    lo, hi, w = lo[last], hi[last], w[last]
    graph = csr_matrix((w, (lo, hi)), shape=(n, n))
    cost = shortest_path(graph, method="D", directed=False)
    if not np.all(np.isfinite(cost)):
        raise InstanceFormatError(f"{path}: 图不连通 / the graph is not connected")
    return PMedianInstance(name=path.stem, n_vertices=n, p=p, cost=cost)


def read_pmed_optima(path: str | Path) -> dict[str, float]:
    """Read ``pmedopt.txt``: lines ``pmedK value`` (a header line is skipped)."""
    out: dict[str, float] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2:
            try:
                out[parts[0]] = float(parts[1])
            except ValueError:
                continue
    return out


def read_cap(path: str | Path, *, capacity: float | None = None) -> CapacitatedInstance:
    """Read a Beasley ``cap`` file; ``capacity`` replaces the word ``capacity`` (capa/b/c)."""
    path = Path(path)
    tok = _tokens(path)
    m, n = (int(v) for v in _numbers(path, tok, 0, 2, "header m n"))
    pos = 2
    caps = np.empty(m)
    fixed = np.empty(m)
    for j in range(m):
        if pos + 2 > len(tok):
            raise InstanceFormatError(f"{path}: 文件提前结束 / file ends early in facility {j + 1}")
        if tok[pos].lower() == "capacity":
            if capacity is None:
                raise InstanceFormatError(
                    f"{path}: 容量字段是单词 'capacity'，请用 --capacity 指定 / the capacity field is the word"
                    " 'capacity': supply the value with --capacity"
                )
            caps[j] = capacity
        else:
            caps[j] = float(tok[pos]) if capacity is None else float(capacity)
        fixed[j] = float(tok[pos + 1])
        pos += 2
    block = _numbers(path, tok, pos, n * (m + 1), f"{n} customers").reshape(n, m + 1)
    return CapacitatedInstance(
        name=path.stem, capacity=caps, fixed_cost=fixed, demand=block[:, 0].copy(), cost=block[:, 1:].copy()
    )


def read_sscflp(path: str | Path) -> CapacitatedInstance:
    """Read the single-source ``J I`` format (costs given facility-major, J rows of I)."""
    path = Path(path)
    tok = _tokens(path)
    n_fac, n_cli = (int(v) for v in _numbers(path, tok, 0, 2, "header J I"))
    pos = 2
    cf = _numbers(path, tok, pos, 2 * n_fac, f"{n_fac} facilities").reshape(n_fac, 2)
    pos += 2 * n_fac
    demand = _numbers(path, tok, pos, n_cli, f"{n_cli} demands")
    pos += n_cli
    cost = _numbers(path, tok, pos, n_fac * n_cli, f"{n_fac}x{n_cli} costs").reshape(n_fac, n_cli).T.copy()
    return CapacitatedInstance(
        name=path.stem, capacity=cf[:, 0].copy(), fixed_cost=cf[:, 1].copy(), demand=demand, cost=cost
    )
