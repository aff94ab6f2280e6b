"""Linear programs solved in floating point, then reconstructed exactly.

The problem is: maximise c.z subject to rows A_i.z (==, <=, >=) b_i, z >= 0.
HiGHS (through highspy, the interface scipy also uses) finds an optimal basis
in floating point; the basic primal and dual systems are then solved again in
exact rational arithmetic (python-flint), the standard route of exact LP
solvers such as QSopt_ex (Applegate et al., Oper. Res. Lett. 35 (2007) 693).

Nothing here decides whether the exact solution is optimal: the caller
checks primal feasibility and dual feasibility exactly (certify.proofs),
because for the classical value the dual must hold against every
deterministic strategy, most of which are not columns of the LP.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import os
import sys
from importlib import metadata

import flint
import highspy
import numpy as np
import scipy.sparse

from ..errors import SolverFailed

_highs_instance = None


def _highs():
    """One silent HiGHS instance per process.

    highspy prints a banner on stdout when an instance is built, which would
    corrupt ``--json -``; file descriptor 1 is pointed at /dev/null meanwhile.
    """
    global _highs_instance
    if _highs_instance is None:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as devnull:
                os.dup2(devnull.fileno(), 1)
                instance = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        instance.setOptionValue("output_flag", False)
        _highs_instance = instance
    _highs_instance.clearModel()
    return _highs_instance


@dataclass
class LPSolution:
    float_value: float
    float_primal: np.ndarray
    float_duals: np.ndarray  # one per row, for maximisation: y >= 0 on <=, y <= 0 on >=
    primal: list | None  # exact Fractions, or None when reconstruction failed
    duals: list | None  # exact Fractions, or None
    status: str
    solver: dict


def solver_info():
    return {"name": "HiGHS", "version": metadata.version("highspy")}


def solve(c, rows, relations, rhs, exact_c=None, exact_rows=None, exact_rhs=None):
    """Maximise c.z over z >= 0 with rows (relation) rhs; then rebuild exactly.

    ``rows`` is a float matrix (m, n); ``exact_*`` the same data as Fractions.
    Raises SolverFailed when HiGHS does not report an optimum.
    """
    c = np.asarray(c, dtype=float)
    m, n = len(relations), len(c)
    rows = np.asarray(rows, dtype=float).reshape(m, n)
    rhs = np.asarray(rhs, dtype=float)
    lower = np.array([rhs[i] if r in ("==", ">=") else -highspy.kHighsInf for i, r in enumerate(relations)])
    upper = np.array([rhs[i] if r in ("==", "<=") else highspy.kHighsInf for i, r in enumerate(relations)])
    model = highspy.HighsLp()
    model.num_col_, model.num_row_ = n, m
    model.sense_ = highspy.ObjSense.kMaximize
    model.col_cost_ = c
    model.col_lower_ = np.zeros(n)
    model.col_upper_ = np.full(n, highspy.kHighsInf)
    model.row_lower_, model.row_upper_ = lower, upper
    matrix = scipy.sparse.csc_matrix(rows)
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = matrix.indptr
    model.a_matrix_.index_ = matrix.indices
    model.a_matrix_.value_ = matrix.data
    highs = _highs()
    highs.passModel(model)
    highs.run()
    status_code = highs.getModelStatus()
    status = highs.modelStatusToString(status_code).lower()
    info = solver_info() | {"status": status}
    if status_code != highspy.HighsModelStatus.kOptimal:
        advice = "HiGHS did not reach an optimum; try rescaling the coefficients"
        if "infeasible" in status:
            advice = "the constraints cannot all hold; check the values given with --fix"
        elif "unbounded" in status:
            advice = "the objective is unbounded; check the coefficients"
        raise SolverFailed("HiGHS", status, advice)
    solution = highs.getSolution()
    basis = highs.getBasis()
    z = np.array(solution.col_value)
    # HiGHS reports row duals as d(objective)/d(rhs), the maximisation duals here.
    duals = np.array(solution.row_dual)
    result = LPSolution(
        float_value=float(c @ z),
        float_primal=z,
        float_duals=duals,
        primal=None,
        duals=None,
        status=status,
        solver=info,
    )
    if exact_rows is not None and basis.valid:
        basic_columns = [j for j, s in enumerate(basis.col_status) if s == highspy.HighsBasisStatus.kBasic]
        active_rows = [i for i, s in enumerate(basis.row_status) if s != highspy.HighsBasisStatus.kBasic]
        result.primal, result.duals = _from_basis(basic_columns, active_rows, m, n, exact_c, exact_rows, exact_rhs)
    return result


def _from_basis(basic_columns, active_rows, m, n, exact_c, exact_rows, exact_rhs):
    """The basic solution and its duals, exactly.

    With B = A[active rows, basic columns] (square for a valid basis):
    B z_B = b_active, other z = 0; B^T y_active = c_B, other y = 0.
    """
    if len(basic_columns) != len(active_rows):
        return None, None
    matrix = [exact_rows[i][j] for i in active_rows for j in basic_columns]
    primal_values = _exact_solve(matrix, [exact_rhs[i] for i in active_rows])
    transposed = [exact_rows[i][j] for j in basic_columns for i in active_rows]
    dual_values = _exact_solve(transposed, [exact_c[j] for j in basic_columns])
    if primal_values is None or dual_values is None:
        return None, None
    primal = [Fraction(0)] * n
    for j, value in zip(basic_columns, primal_values):
        primal[j] = value
    duals = [Fraction(0)] * m
    for i, value in zip(active_rows, dual_values):
        duals[i] = value
    return primal, duals


def _exact_solve(matrix, rhs):
    """Solve a square non-singular rational system; None when singular."""
    size = len(rhs)
    if size == 0:
        return []
    a = flint.fmpq_mat(size, size, [flint.fmpq(v.numerator, v.denominator) for v in matrix])
    b = flint.fmpq_mat(size, 1, [flint.fmpq(v.numerator, v.denominator) for v in rhs])
    try:
        x = a.solve(b)
    except ZeroDivisionError:
        return None
    return [Fraction(int(x[i, 0].p), int(x[i, 0].q)) for i in range(size)]


def rationalise(values, max_denominator=10**12):
    """Float duals as nearby rationals (a fallback; any multipliers give a valid bound)."""
    return [Fraction(float(v)).limit_denominator(max_denominator) for v in values]
