"""Exact mixed-integer models solved with HiGHS (highspy), built with array calls.

Two formulations over the sparse pair set of :class:`FacilityProblem`:

* ``"strong"`` — the textbook model of ``problem.py`` with the strong linking rows
  ``x_ij <= y_j``; used for capacitated and single-source models.
* ``"radius"`` — for uncapacitated models (p-median, UFL), the radius formulation of
  Elloumi (2010, "A tighter formulation of the p-median problem", J. Comb. Optim.
  19:69-83), equivalent to Cornuéjols, Nemhauser & Wolsey (1980). For client ``i`` let
  ``D_i^1 < … < D_i^K`` be its distinct allowed costs and ``z_i^k`` = 1 if no open site
  costs ``<= D_i^k``::

      min  Σ_j f_j y_j + Σ_i ( D_i^1 + Σ_{k<K} (D_i^{k+1} − D_i^k) z_i^k )
      s.t. z_i^1 + Σ_{j: c_ij = D_i^1} y_j >= 1
           z_i^k − z_i^{k−1} + Σ_{j: c_ij = D_i^k} y_j >= 0     (1 < k < K)
           −z_i^{K−1} + Σ_{j: c_ij = D_i^K} y_j >= 0
           Σ_j y_j = p (if given);  y binary, 0 <= z <= 1

  The chained rows are the telescoped form of Elloumi's ``z_i^k + Σ_{c_ij <= D_i^k} y_j
  >= 1``: each allowed pair appears once, so the model has O(pairs) non-zeros and no
  assignment variables; its LP relaxation equals that of the strong model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import highspy
import numpy as np
import scipy.sparse as sp

from junheng.plan.facility.problem import BoolArray, FacilityProblem, FloatArray, SolveStatus

Formulation = Literal["strong", "radius"]


@dataclass(frozen=True)
class MipOutcome:
    status: SolveStatus
    open_mask: BoolArray | None
    allocation: sp.csr_matrix | None  # strong formulation only
    objective: float
    bound: float
    nodes: int
    n_cols: int
    n_rows: int


def _radius_model(
    problem: FacilityProblem, fix_open: BoolArray, fix_closed: BoolArray
) -> tuple[highspy.HighsLp, int]:
    m = problem.n_sites
    cl, st, c = problem.pair_client, problem.pair_site, problem.pair_cost
    nnz = problem.nnz
    new_level = np.ones(nnz, dtype=bool)
    if nnz > 1:
        new_level[1:] = (c[1:] != c[:-1]) | (cl[1:] != cl[:-1])
    level = np.cumsum(new_level) - 1  # row of each pair
    n_levels = int(level[-1]) + 1 if nnz else 0
    lvl_start = np.flatnonzero(new_level)  # first pair of each level
    lvl_client = cl[lvl_start]
    lvl_cost = c[lvl_start]
    first_of_client = np.r_[True, lvl_client[1:] != lvl_client[:-1]] if n_levels else np.array([], bool)
    last_of_client = np.r_[lvl_client[1:] != lvl_client[:-1], True] if n_levels else np.array([], bool)
    z_levels = np.flatnonzero(~last_of_client)  # one z per non-last level
    n_z = z_levels.size
    z_cost = lvl_cost[z_levels + 1] - lvl_cost[z_levels]
    # columns: y (m) then z (n_z); matrix in COO then CSC
    rows = np.concatenate([level, z_levels, z_levels + 1])
    cols = np.concatenate([st, m + np.arange(n_z), m + np.arange(n_z)])
    vals = np.concatenate([np.ones(nnz), np.ones(n_z), -np.ones(n_z)])
    row_lower = np.where(first_of_client, 1.0, 0.0)
    row_upper = np.full(n_levels, highspy.kHighsInf)
    extra_rows = []
    if problem.p is not None:
        rows = np.concatenate([rows, np.full(m, n_levels)])
        cols = np.concatenate([cols, np.arange(m)])
        vals = np.concatenate([vals, np.ones(m)])
        row_lower = np.r_[row_lower, problem.p]
        row_upper = np.r_[row_upper, problem.p]
        extra_rows.append("p")
    n_rows = row_lower.size
    a = sp.csc_matrix((vals, (rows, cols)), shape=(n_rows, m + n_z))
    lp = highspy.HighsLp()
    lp.num_col_ = m + n_z
    lp.num_row_ = n_rows
    lp.col_cost_ = np.r_[problem.fixed_cost, z_cost]
    lp.col_lower_ = np.r_[fix_open.astype(float), np.zeros(n_z)]
    lp.col_upper_ = np.r_[np.where(fix_closed, 0.0, 1.0), np.ones(n_z)]
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    lp.offset_ = float(lvl_cost[first_of_client].sum())
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * m + [highspy.HighsVarType.kContinuous] * n_z
    return lp, m + n_z


def _radius_start(problem: FacilityProblem, open_mask: BoolArray, n_cols: int) -> FloatArray:
    """Column values of the radius model for an open set (z_i^k = 1 below the nearest open level)."""
    m = problem.n_sites
    cl, st, c = problem.pair_client, problem.pair_site, problem.pair_cost
    nnz = problem.nnz
    new_level = np.ones(nnz, dtype=bool)
    new_level[1:] = (c[1:] != c[:-1]) | (cl[1:] != cl[:-1])
    level = np.cumsum(new_level) - 1
    lvl_start = np.flatnonzero(new_level)
    lvl_client = cl[lvl_start]
    last_of_client = np.r_[lvl_client[1:] != lvl_client[:-1], True]
    z_levels = np.flatnonzero(~last_of_client)
    # level of the first open pair for each client
    first_open_level = np.full(problem.n_clients, np.iinfo(np.int64).max)
    op = open_mask[st]
    np.minimum.at(first_open_level, cl[op], level[op])
    z = (z_levels < first_open_level[lvl_client[z_levels]]).astype(float)
    x = np.zeros(n_cols)
    x[:m] = open_mask
    x[m:] = z
    return x


def strong_model(
    problem: FacilityProblem, fix_open: BoolArray, fix_closed: BoolArray
) -> tuple[highspy.HighsLp, int]:
    """The strong formulation as a HiGHS model, and its column count.

    Columns: ``y_j`` (``n_sites``, binary) then ``x_e`` for each pair ``e = (i, j)`` of the problem in its
    pair order (binary when ``single_source``, else continuous in ``[0, 1]``).  Rows, in order:
    ``Σ_j x_ij = 1`` per client; ``x_ij − y_j ≤ 0`` per pair (the strong linking rows); when the problem has
    capacities, ``Σ_i d_i x_ij − C_j y_j ≤ 0`` per finite capacity, and (without ``p`` and with every
    capacity finite) the surrogate ``Σ_j C_j y_j ≥ Σ_i d_i``; ``Σ_j y_j = p`` when ``p`` is given.
    ``fix_open`` / ``fix_closed`` set the bounds of ``y`` (and close the pairs of closed sites).  The
    school-layout model (:mod:`junheng.plan.layout.builders`) adds its own columns and rows to this one.
    """
    n, m, nnz = problem.n_clients, problem.n_sites, problem.nnz
    cl, st = problem.pair_client, problem.pair_site
    xcol = m + np.arange(nnz)
    inf = highspy.kHighsInf
    r_parts, c_parts, v_parts, lo, up = [], [], [], [], []
    # assignment rows 0..n-1
    r_parts.append(cl)
    c_parts.append(xcol)
    v_parts.append(np.ones(nnz))
    lo.append(np.ones(n))
    up.append(np.ones(n))
    base = n
    # linking rows x_e - y_j <= 0
    r_parts += [base + np.arange(nnz), base + np.arange(nnz)]
    c_parts += [xcol, st]
    v_parts += [np.ones(nnz), -np.ones(nnz)]
    lo.append(np.full(nnz, -inf))
    up.append(np.zeros(nnz))
    base += nnz
    cap = problem.capacity
    if cap is not None:
        finite = np.isfinite(cap)
        cap_rows = np.full(m, -1, dtype=np.int64)
        cap_rows[finite] = base + np.arange(int(finite.sum()))
        pe = finite[st]
        r_parts += [cap_rows[st[pe]], cap_rows[finite]]
        c_parts += [xcol[pe], np.flatnonzero(finite)]
        v_parts += [problem.demand[cl[pe]], -cap[finite]]
        lo.append(np.full(int(finite.sum()), -inf))
        up.append(np.zeros(int(finite.sum())))
        base += int(finite.sum())
        if problem.p is None and finite.all():
            # surrogate: open capacity covers total demand (valid, tightens the LP)
            r_parts.append(np.full(m, base))
            c_parts.append(np.arange(m))
            v_parts.append(cap.copy())
            lo.append(np.array([float(problem.demand.sum())]))
            up.append(np.array([inf]))
            base += 1
    if problem.p is not None:
        r_parts.append(np.full(m, base))
        c_parts.append(np.arange(m))
        v_parts.append(np.ones(m))
        lo.append(np.array([float(problem.p)]))
        up.append(np.array([float(problem.p)]))
        base += 1
    n_rows = base
    a = sp.csc_matrix(
        (np.concatenate(v_parts), (np.concatenate(r_parts), np.concatenate(c_parts))), shape=(n_rows, m + nnz)
    )
    lp = highspy.HighsLp()
    lp.num_col_ = m + nnz
    lp.num_row_ = n_rows
    lp.col_cost_ = np.r_[problem.fixed_cost, problem.pair_cost]
    lp.col_lower_ = np.r_[fix_open.astype(float), np.zeros(nnz)]
    lp.col_upper_ = np.r_[np.where(fix_closed, 0.0, 1.0), np.where(fix_closed[st], 0.0, 1.0)]
    lp.row_lower_ = np.concatenate(lo)
    lp.row_upper_ = np.concatenate(up)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data
    x_type = highspy.HighsVarType.kInteger if problem.single_source else highspy.HighsVarType.kContinuous
    lp.integrality_ = [highspy.HighsVarType.kInteger] * m + [x_type] * nnz
    return lp, m + nnz


def solve_mip(
    problem: FacilityProblem,
    *,
    formulation: Formulation,
    time_limit_s: float,
    start: BoolArray | None = None,
    start_allocation: sp.csr_matrix | None = None,
    fix_open: BoolArray | None = None,
    fix_closed: BoolArray | None = None,
    threads: int = 1,
) -> MipOutcome:
    """Build and solve the MIP; ``start`` (an open mask) warm-starts HiGHS."""
    fo = problem.force_open if fix_open is None else fix_open
    fc = problem.force_closed if fix_closed is None else fix_closed
    if formulation == "radius":
        if problem.is_capacitated:
            raise ValueError("the radius formulation is for uncapacitated models only")
        lp, n_cols = _radius_model(problem, fo, fc)
    else:
        lp, n_cols = strong_model(problem, fo, fc)
    h = highspy.Highs()
    h.silent()
    h.setOptionValue("time_limit", max(0.01, float(time_limit_s)))
    h.setOptionValue("mip_rel_gap", 1e-9)
    h.setOptionValue("mip_abs_gap", 1.0 - 1e-6 if problem.integral_costs else 1e-6)
    h.setOptionValue("threads", int(threads))
    h.passModel(lp)
    if start is not None:
        if formulation == "radius":
            values = _radius_start(problem, start, n_cols)
        else:
            values = np.zeros(n_cols)
            values[: problem.n_sites] = start
            if start_allocation is not None:
                alloc = start_allocation.tocsr()
                values[problem.n_sites :] = np.asarray(alloc[problem.pair_client, problem.pair_site]).ravel()
        sol = highspy.HighsSolution()
        sol.col_value = list(values)
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    ms = h.getModelStatus()
    info = h.getInfo()
    n_rows = int(lp.num_row_)
    nodes = int(info.mip_node_count)
    if ms == highspy.HighsModelStatus.kInfeasible:
        return MipOutcome("infeasible", None, None, float("inf"), float("inf"), nodes, n_cols, n_rows)
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    bound = float(info.mip_dual_bound)
    if not has_solution:
        status: SolveStatus = "time_limit"
        return MipOutcome(status, None, None, float("inf"), bound, nodes, n_cols, n_rows)
    col = np.asarray(h.getSolution().col_value)
    open_mask = col[: problem.n_sites] > 0.5
    objective = float(info.objective_function_value)
    allocation = None
    if formulation == "strong":
        xv = np.clip(col[problem.n_sites : problem.n_sites + problem.nnz], 0.0, 1.0)
        xv[xv < 1e-9] = 0.0
        allocation = sp.csr_matrix(
            (xv, problem.pair_site, problem.client_ptr), shape=(problem.n_clients, problem.n_sites)
        )
        allocation.eliminate_zeros()
    status = "optimal" if ms == highspy.HighsModelStatus.kOptimal else "time_limit"
    if status == "optimal":
        bound = max(bound, objective - (1.0 - 1e-6 if problem.integral_costs else 1e-6))
        bound = min(bound, objective)
        if problem.integral_costs:
            bound = objective  # integer objective, gap < 1 closes it
    return MipOutcome(status, open_mask, allocation, objective, bound, nodes, n_cols, n_rows)
