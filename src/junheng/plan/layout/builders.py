"""The exact layout MIP, built one named constraint block at a time.

In the manner of spopt's ``FacilityModelBuilder`` (pysal/spopt, ``spopt.locate.base``: ``add_facility_constraint``,
``add_assignment_constraint`` …), each block of rows is one method with its formulation in the docstring.  The
model (a single-source capacitated facility-location model with side rules)::

    min  Σ f_j y_j + Σ c_ij x_ij + Σ p_j e_j + Σ q_j b_j
    s.t. Σ_j x_ij = 1;  x_ij ≤ y_j                          (core: assignment, strong linking)
         Σ_i d_i x_ij ≤ C_j y_j + e_j,   e_j ≤ (U_j − C_j)⁺ y_j      (capacity, expansion)
         Σ_i d_i x_ij ≤ U_j y_j                                  (maximum size)
         Σ_i d_i x_ij ≥ L_j y_j                                  (minimum size)
         Σ_{i boards at j} d_i x_ij ≤ B_j y_j + b_j,  b_j ≤ U_j y_j  (boarding)
         y_j = 1 (keep), y_j = 0 (must close)

``f_j`` yearly running cost of an open section; ``c_ij`` the pair's yearly cost (:mod:`.adapter`); ``p_j``,
``q_j`` annualised construction per place / bed (m² × 元/m² × capital recovery factor).  The core rows and the
columns ``y, x`` come from the strong formulation of the solver core
(:func:`junheng.plan.facility.mip.strong_model`); the builder appends the columns ``e, b`` and the side rows.
"""

from __future__ import annotations

from typing import Any

import highspy
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from junheng.plan.facility import FacilityProblem
from junheng.plan.facility.mip import strong_model
from junheng.plan.layout.pricing import SideArrays
from junheng.plan.layout.solution import BoolArray, IntArray

FloatArray = npt.NDArray[np.float64]
INF = highspy.kHighsInf


class LayoutModelBuilder:
    """Columns ``y`` (sites), ``x`` (pairs, in the core problem's pair order), ``e`` and ``b`` (sites); the core
    rows first, then the side rows in the order the ``add_*`` methods are called.

    ``problem`` is the core problem without capacities (the side rows carry them), ``terms`` the sites' side
    terms (:func:`junheng.plan.layout.pricing.side_arrays`), ``boards`` whether each pair of ``problem`` boards.
    """

    def __init__(self, problem: FacilityProblem, terms: SideArrays, boards: BoolArray) -> None:
        self.problem = problem
        self.terms = terms
        self.boards = boards
        self.core, self.n_core_cols = strong_model(problem, problem.force_open, problem.force_closed)
        m, nnz = problem.n_sites, problem.nnz
        self.sites = np.arange(m)  # the y columns, one row per site in every side block
        self.x_cols = m + np.arange(nnz)
        self.e_cols = self.n_core_cols + np.arange(m)
        self.b_cols = self.n_core_cols + m + np.arange(m)
        self.n_cols = self.n_core_cols + 2 * m
        self.pair_site = problem.pair_site
        self.pair_demand = problem.demand[problem.pair_client]
        self._rows: list[npt.NDArray[Any]] = []
        self._cols: list[npt.NDArray[Any]] = []
        self._vals: list[FloatArray] = []
        self._lower: list[FloatArray] = []
        self._upper: list[FloatArray] = []
        self.n_side_rows = 0

    # ------------------------------------------------------------------ blocks
    def add_capacity_constraint(self) -> None:
        """``Σ_i d_i x_ij − e_j − C_j y_j ≤ 0``: an open site holds its current places ``C_j = min(capacity,
        U_j)`` plus the places added ``e_j`` (priced ``p_j`` each); a closed site holds nobody."""
        j = self.sites
        self._terms(self.pair_site, self.x_cols, self.pair_demand)
        self._terms(j, self.e_cols, -np.ones(j.size))
        self._terms(j, j, -self.terms["cap"])
        self._block(-INF, 0.0)

    def add_expansion_limit_constraint(self) -> None:
        """``e_j − (U_j − C_j)⁺ y_j ≤ 0``: places are added only at an open site, and never beyond its maximum
        size (the room left to build, standards §1.2 item 5)."""
        j = self.sites
        self._terms(j, self.e_cols, np.ones(j.size))
        self._terms(j, j, -np.maximum(self.terms["max"] - self.terms["cap"], 0.0))
        self._block(-INF, 0.0)

    def add_max_size_constraint(self) -> None:
        """``Σ_i d_i x_ij − U_j y_j ≤ 0``: no school above its maximum size (standards §1.2 item 5).  The
        capacity and expansion-limit rows imply it already (``C_j = min(capacity, U_j) ≤ U_j``), so dropping
        this block alone, as the diagnosis does, relaxes nothing; it states the rule in the model as written."""
        j = self.sites
        self._terms(self.pair_site, self.x_cols, self.pair_demand)
        self._terms(j, j, -self.terms["max"])
        self._block(-INF, 0.0)

    def add_min_size_constraint(self) -> None:
        """``Σ_i d_i x_ij − L_j y_j ≥ 0``: an open school has at least its minimum size (seed plan 003: 撤并100人
        以下的小学; 不足600人的初级中学原则上不独立设置); ``L_j = 0`` for a school flagged keep or keep_small."""
        j = self.sites
        self._terms(self.pair_site, self.x_cols, self.pair_demand)
        self._terms(j, j, -self.terms["min"])
        self._block(0.0, INF)

    def add_boarding_constraint(self) -> None:
        """``Σ_{i boards at j} d_i x_ij − b_j − B_j y_j ≤ 0``: boarders sleep in the site's beds ``B_j`` or in
        beds added ``b_j`` (priced ``q_j`` each)."""
        j, sel = self.sites, self.boards
        self._terms(self.pair_site[sel], self.x_cols[sel], self.pair_demand[sel])
        self._terms(j, self.b_cols, -np.ones(j.size))
        self._terms(j, j, -self.terms["beds"])
        self._block(-INF, 0.0)

    def add_bed_limit_constraint(self) -> None:
        """``b_j − U_j·[stage boards] y_j ≤ 0``: beds are added only at an open site of a stage that boards, and
        at most ``U_j`` of them."""
        j = self.sites
        self._terms(j, self.b_cols, np.ones(j.size))
        self._terms(j, j, -self.terms["max"] * self.terms["board_ok"])
        self._block(-INF, 0.0)

    # ------------------------------------------------------------------ output
    def build(self) -> highspy.HighsLp:
        """The HiGHS model: the core rows (with zero columns for ``e, b``) stacked over the side rows."""
        lp, m = self.core, self.problem.n_sites
        a = sp.csc_matrix((np.asarray(lp.a_matrix_.value_), np.asarray(lp.a_matrix_.index_),
                           np.asarray(lp.a_matrix_.start_)), shape=(lp.num_row_, self.n_core_cols))
        side = sp.csc_matrix((np.concatenate(self._vals), (np.concatenate(self._rows), np.concatenate(self._cols))),
                             shape=(self.n_side_rows, self.n_cols))
        full = sp.vstack([sp.hstack([a, sp.csc_matrix((a.shape[0], 2 * m))]), side]).tocsc()
        out = highspy.HighsLp()
        out.num_col_ = self.n_cols
        out.num_row_ = full.shape[0]
        out.col_cost_ = np.r_[np.asarray(lp.col_cost_), self.terms["place"], self.terms["bed_cost"]]
        out.col_lower_ = np.r_[np.asarray(lp.col_lower_), np.zeros(2 * m)]
        out.col_upper_ = np.r_[np.asarray(lp.col_upper_), np.full(2 * m, INF)]
        out.row_lower_ = np.r_[np.asarray(lp.row_lower_), np.concatenate(self._lower)]
        out.row_upper_ = np.r_[np.asarray(lp.row_upper_), np.concatenate(self._upper)]
        out.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        out.a_matrix_.start_ = full.indptr.astype(np.int32)
        out.a_matrix_.index_ = full.indices.astype(np.int32)
        out.a_matrix_.value_ = full.data
        out.integrality_ = list(lp.integrality_) + [highspy.HighsVarType.kContinuous] * (2 * m)
        return out

    def start_values(self, open_mask: BoolArray, assignment: IntArray) -> list[float]:
        """Column values of a plan (open mask, site per client) as a MIP start: ``x`` from the assignment, ``e``
        and ``b`` the places and beds it needs beyond the current ones."""
        prob, m = self.problem, self.problem.n_sites
        x0 = (assignment[prob.pair_client] == self.pair_site).astype(float)
        load0 = np.bincount(assignment, weights=prob.demand, minlength=m)
        bsel0 = (x0 > 0) & self.boards
        bl0 = np.bincount(self.pair_site[bsel0], weights=self.pair_demand[bsel0], minlength=m)
        return list(np.r_[open_mask.astype(float), x0, np.maximum(load0 - self.terms["cap"], 0.0),
                          np.maximum(bl0 - self.terms["beds"], 0.0)])

    def plan_from(self, col: FloatArray) -> tuple[BoolArray, IntArray]:
        """Open mask and site per client from the column values of a solution."""
        prob, m = self.problem, self.problem.n_sites
        x = col[m:m + prob.nnz] > 0.5
        assign = np.full(prob.n_clients, -1, dtype=np.int64)
        assign[prob.pair_client[x]] = self.pair_site[x]
        return col[:m] > 0.5, assign

    # ------------------------------------------------------------------ internals
    def _terms(self, rows: npt.ArrayLike, cols: npt.ArrayLike, values: npt.ArrayLike) -> None:
        """Coefficients of the block being added (``rows`` counted from the block's first row)."""
        self._rows.append(self.n_side_rows + np.asarray(rows))
        self._cols.append(np.asarray(cols))
        self._vals.append(np.asarray(values, dtype=float))

    def _block(self, lower: float, upper: float) -> None:
        """Close the block being added: one row per site, all with the bounds ``[lower, upper]``."""
        m = self.sites.size
        self._lower.append(np.full(m, lower))
        self._upper.append(np.full(m, upper))
        self.n_side_rows += m


def layout_model(problem: FacilityProblem, terms: SideArrays, boards: BoolArray, *,
                 drop: str = "") -> LayoutModelBuilder:
    """The layout MIP with every block; ``drop`` leaves out one rule group (``max_size``, ``min_size`` or
    ``boarding``, which is both boarding blocks) for the diagnosis."""
    builder = LayoutModelBuilder(problem, terms, boards)
    builder.add_capacity_constraint()
    builder.add_expansion_limit_constraint()
    if drop != "max_size":
        builder.add_max_size_constraint()
    if drop != "min_size":
        builder.add_min_size_constraint()
    if drop != "boarding":
        builder.add_boarding_constraint()
        builder.add_bed_limit_constraint()
    return builder
