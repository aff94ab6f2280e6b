"""Clarabel (Goulart and Chen): the interior-point default for the small SDPs built here.

Reached two ways: through cvxpy as "CLARABEL" (NPA's third choice, see-saw and
correlator SDPs below LARGE), and directly (``clarabel_direct``,
``ClarabelProblem``) for the small SDPs solved many times over, where cvxpy
spends as long as the solve compiling and unpacking.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np

from .status import CVXPY_STATUS, FAILED, INACCURATE, INFEASIBLE, OPTIMAL, UNBOUNDED

NAME = "clarabel"
MODULE = "clarabel"  # the Python module, looked up without importing it
DISTRIBUTION = "clarabel"
CVXPY_NAME = "CLARABEL"
OPTIONS: dict[str, Any] = {}
DESCRIPTION = "interior point; the default for other SDPs below LARGE, third for NPA"
# Tight tolerances for the small SDPs built in cvxpy (see-saw steps, correlator bounds),
# whose answers are rounded to exact certificates.
TIGHT = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10, "max_iter": 200}

# Clarabel's own SolverStatus (its documented values) -> ours, for the direct interface;
# through cvxpy the statuses arrive as cvxpy's, mapped by CVXPY_STATUS.
STATUS = {
    "Solved": OPTIMAL,
    "AlmostSolved": INACCURATE,
    "PrimalInfeasible": INFEASIBLE,
    "AlmostPrimalInfeasible": INFEASIBLE,
    "DualInfeasible": UNBOUNDED,
    "AlmostDualInfeasible": UNBOUNDED,
    "Unsolved": FAILED,
    "MaxIterations": FAILED,
    "MaxTime": FAILED,
    "NumericalError": FAILED,
    "InsufficientProgress": FAILED,
    "CallbackTerminated": FAILED,
}


def psd_triangle(n: int) -> list[tuple[int, int, float]]:
    """The entries of an n x n PSD cone in Clarabel's order, (i, j, scale): the upper
    triangle (i <= j) by columns, off-diagonal entries scaled by sqrt 2."""
    return [(i, j, 1.0 if i == j else math.sqrt(2.0)) for j in range(n) for i in range(j + 1)]


def clarabel_direct(q: np.ndarray, A: Any, b: np.ndarray, cones: list[tuple[str, int]],
                    settings: dict[str, Any] | None = None,
                    almost: bool = False) -> tuple[np.ndarray, np.ndarray] | None:
    """min q.x subject to A x + s = b, s in the product of ``cones``, through Clarabel's own interface.

    ``cones`` lists (kind, size) with kind "zero", "nonnegative" or "psd" (a
    PSD matrix's entries in the order of ``psd_triangle``), and ``settings``
    Clarabel's own (tolerances). For the small SDPs solved many times over
    (see-saw POVM steps, Tsirelson SDPs, disjunctive Werner SDPs), where cvxpy
    spends as long as the solve or longer compiling and unpacking. Returns
    (x, y), y the multipliers (q + A^T y = 0), when Clarabel reports "Solved"
    (with ``almost``, also "AlmostSolved"); None otherwise, and the caller
    goes through cvxpy and ``solve_problem``, which report the status and
    what to try next.
    """
    return _clarabel_answer(_clarabel_solver(q, A, b, cones, settings).solve(), almost)


class ClarabelProblem:
    """clarabel_direct for one A, b and cones and many objectives q (the see-saw's POVM steps).

    The solver is built once per thread, and each solve only updates q
    (Clarabel's data update skips building the KKT system anew): the same
    answers bit for bit (200 random POVM steps compared), 2.7 -> 2.0 ms a
    step. After a solve that is not accepted, or when Clarabel allows no
    update (its chordal decomposition of a sparse PSD block), the solver is
    built afresh for each solve.
    """

    def __init__(self, A: Any, b: np.ndarray, cones: list[tuple[str, int]],
                 settings: dict[str, Any] | None = None) -> None:
        """The constraints (A, b, cones) shared by every objective; Clarabel's ``settings``."""
        self.A, self.b, self.cones, self.settings = A, b, cones, settings
        self._per_thread = threading.local()

    def solve(self, q: np.ndarray, almost: bool = False) -> tuple[np.ndarray, np.ndarray] | None:
        """clarabel_direct's answer for objective ``q`` (the solver of this thread updated, or built)."""
        solver = getattr(self._per_thread, "solver", None)
        if solver is None:
            solver = _clarabel_solver(q, self.A, self.b, self.cones, self.settings)
        else:
            solver.update(q=q)
        answer = _clarabel_answer(solver.solve(), almost)
        # kept unless the answer was refused, or Clarabel's chordal decomposition (of a sparse
        # PSD block) forbids data updates
        self._per_thread.solver = solver if answer is not None and solver.is_data_update_allowed() else None
        return answer


def _clarabel_solver(q: np.ndarray, A: Any, b: np.ndarray, cones: list[tuple[str, int]],
                     settings: dict[str, Any] | None) -> Any:
    """A Clarabel solver of min q.x, A x + s = b, s in ``cones`` (quiet, with ``settings``)."""
    import clarabel
    from scipy import sparse

    kinds = {"zero": clarabel.ZeroConeT, "nonnegative": clarabel.NonnegativeConeT, "psd": clarabel.PSDTriangleConeT}
    options = clarabel.DefaultSettings()
    options.verbose = False
    for key, value in (settings or {}).items():
        setattr(options, key, value)
    P = sparse.csc_matrix((A.shape[1], A.shape[1]))
    return clarabel.DefaultSolver(P, q, A, b, [kinds[kind](size) for kind, size in cones], options)


def _clarabel_answer(solution: Any, almost: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """(x, y) of a Clarabel solution it reports "Solved" (with ``almost``, also "AlmostSolved"), else None."""
    status = STATUS.get(str(solution.status), FAILED)
    if not (status == OPTIMAL or (almost and status == INACCURATE)):
        return None
    return np.asarray(solution.x), np.asarray(solution.z)
