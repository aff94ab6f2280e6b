"""CVXOPT (Andersen, Dahl and Vandenberghe): the NPA default up to SCHUR_LIMIT moments, and the polish.

Its cone LP solver conelp (Vandenberghe, "The CVXOPT linear and quadratic cone
program solvers", 2010) runs on the moment form with a KKT solver built from
the moment pattern (``solve_npa``): per iteration it factors one
moments x moments Schur complement, where Clarabel factors a dense block of
side n(n+1)/2. The small SDPs built in cvxpy (see-saw steps, correlator
bounds) reach it through cvxpy as "CVXOPT".

Only what conelp returns is read (its 'status', 'iterations', 'x', 'z'); its
printed progress is off, and it stops by its own documented tolerances
(CVXOPT_NPA), set each solve in its global options and restored after.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ...errors import SolverFailed
from .moment import Solution, linear_rows, moment_schur, multipliers, solver_info
from .status import ADVICE, FAILED, INACCURATE, INFEASIBLE, OPTIMAL, UNBOUNDED

NAME = "cvxopt"
MODULE = "cvxopt"  # the Python module, looked up without importing it
DISTRIBUTION = "cvxopt"
CVXPY_NAME = "CVXOPT"
# Schur-complement interior point (Vandenberghe 2010): per iteration it factors a
# moments x moments matrix, where Clarabel factors a dense block of side
# n(n+1)/2; it reaches 1e-8 on I3322 level 3 where Clarabel stops at
# "almost solved", but can hit a singular KKT system just short of the
# tolerance, so it is the polish, not the default.
OPTIONS = {"abstol": 1e-8, "reltol": 1e-8, "feastol": 1e-8, "max_iters": 100}
DESCRIPTION = "interior point (Schur complement); the NPA default up to SCHUR_LIMIT moments"
# Tight tolerances for the small SDPs built in cvxpy (see-saw steps, correlator bounds),
# whose answers are rounded to exact certificates.
TIGHT = {"abstol": 1e-9, "reltol": 1e-9, "feastol": 1e-9, "max_iters": 200, "kktsolver": "robust"}

# conelp's returned 'status' (its documented values) -> ours; conelp's primal is our
# relaxation (min -b.m). 'unknown': stopped at maxiters or on a singular KKT system.
STATUS = {"optimal": OPTIMAL, "unknown": INACCURATE, "primal infeasible": INFEASIBLE,
          "dual infeasible": UNBOUNDED}

# Tolerances of the direct CVXOPT path, conelp's documented options: it stops when
# its primal and dual residuals are at most feastol and the gap at most abstol or
# the relative gap at most reltol. At 1e-8 the gap test can miss by a hair and
# conelp then loses accuracy for many iterations (I3322 at level 2+AAB+ABB: 1e-9
# at iteration 18, 1e-6 after); at 2.5e-8 it stops at iteration 18 there. 2.5e-8
# is the rule an earlier version applied on top of conelp's by reading its
# printed progress (2e-8 on values printed with one digit); the same iterate, so
# the same certificates, on every document compared (CHSH, CGLMP3 and 4, I3322
# at levels 2, 3 and 2+AAB+ABB, Hardy). conelp returns its last iterate: a run
# that ends at maxiters (Hardy's relaxations, with their zero constraints) is
# "inaccurate" and npa_bound goes on to the next solver. 4 rounds of iterative
# refinement keep the Schur solves accurate to the last iterations (I3322 level 3
# reaches 1e-8 in 18 iterations; with the default single round it stalls near 1e-7).
CVXOPT_NPA = {"abstol": 2.5e-8, "reltol": 2.5e-8, "feastol": 2.5e-8, "maxiters": 60, "refinement": 4,
              "show_progress": False}


# Near the optimum the Schur complement of a degenerate NPA relaxation is
# singular to working precision and its Cholesky factorisation can fail a step
# before the tolerance (random 4-input games at level 2: gap 9e-8 at the failure).
# The factor of H + d I, d these multiples of the mean diagonal, is used instead;
# CVXOPT's iterative refinement (CVXOPT_NPA) corrects the solves for d.
SCHUR_REGULARISATION = (1e-14, 1e-12, 1e-10)


def regularised_cholesky(matrix: np.ndarray) -> tuple[np.ndarray, bool]:
    """scipy's cho_factor of ``matrix``, else of matrix + d I for the least d of SCHUR_REGULARISATION
    that factors; ArithmeticError (CVXOPT's signal of a singular KKT system) when none does."""
    import scipy.linalg as linalg

    try:
        return linalg.cho_factor(matrix, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        pass
    mean = float(np.trace(matrix)) / max(1, len(matrix))
    for relative in SCHUR_REGULARISATION:
        try:
            return linalg.cho_factor(matrix + relative * mean * np.eye(len(matrix)), lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            continue
    raise ArithmeticError("singular Schur complement")


def solve_npa(relaxation: Any, progress: Callable[[dict[str, Any]], None] | None = None) -> Solution:
    """CVXOPT's conelp on the moment form with a KKT solver built from the pattern.

    conelp (Vandenberghe 2010) solves min c.x, G x + s = h, s in the cone,
    here x = moments, c = -b, the PSD block s = vec(M(m)) (G's column k is
    -vec(F_k)) and one nonnegative row per game inequality. Each iteration
    it needs solutions of the KKT system with the Nesterov-Todd scaling W;
    eliminating z leaves H dx = rhs with

        H_kl = <F_k, Q F_l Q> + sum_j g_jk g_jl / d_j^2,   Q = (r r^T)^-1,

    for W's factor r on the PSD block and d on the rows (``moment_schur``:
    n^4 flops and one Cholesky of m x m per iteration, instead of the
    m^2 n^2 of forming scaled columns, CVXOPT's generic 'chol2').
    """
    import scipy.linalg as linalg
    import scipy.sparse as sparse
    from cvxopt import matrix, misc, solvers, spmatrix

    pattern = relaxation.pattern
    n, count = pattern.size, pattern.count
    m = count - 2
    start = time.perf_counter()
    full = pattern.index.ravel()  # row-major; M is symmetric, so also column-major of M^T = M
    rows, limits, where = linear_rows(relaxation)
    nrows = len(limits)
    mask = full >= 2
    entries = np.nonzero(mask)[0]
    g_psd = sparse.coo_matrix((-np.ones(entries.size), (entries, full[mask] - 2)), shape=(n * n, m))
    g_all = sparse.vstack([sparse.coo_matrix(rows), g_psd]).tocoo() if nrows else g_psd
    g_csr = g_all.tocsr()
    g_cvx = spmatrix([float(v) for v in g_all.data], [int(v) for v in g_all.row], [int(v) for v in g_all.col],
                     (int(g_all.shape[0]), int(g_all.shape[1])), "d")
    h = np.concatenate([limits, (full == 1).astype(float)])
    c = -relaxation.objective.dense(count)[2:]
    schur = moment_schur(pattern)
    # column-major position of (i, j) -> that of (max(i, j), min(i, j)), the lower triangle's copy
    column, row = np.divmod(np.arange(n * n), n)
    lower = np.maximum(row, column) + n * np.minimum(row, column)
    potrs = linalg.lapack.dpotrs
    iterations = [0]

    def kktsolver(scaling: dict[str, Any]) -> Callable[[Any, Any, Any], None]:
        """conelp's documented KKT hook: factor for the scaling W, return the solver of the
        system; ArithmeticError (regularised_cholesky's) is conelp's documented signal of a
        singular system, on which it returns the current iterate as 'unknown'."""
        iterations[0] += 1
        if progress is not None:
            # the first call factors for the starting point, before iteration 1
            progress({"event": "iteration", "solver": "cvxopt", "iteration": iterations[0] - 1})
        rti = np.array(scaling["rti"][0])
        q = rti @ rti.T
        schur_matrix = schur(q)
        d2 = np.array(scaling["d"]).ravel() ** 2 if nrows else np.zeros(0)  # read only when nrows
        if nrows:
            schur_matrix += rows.T @ (rows / d2[:, None])
        factor = regularised_cholesky(schur_matrix)

        def solve_kkt(x: Any, y: Any, z: Any) -> None:
            """In place: x := dx solving H dx = rhs, z := W^-T (G dx - bz) (y is empty)."""
            bz = np.array(z).ravel()
            bz[nrows:] = bz[nrows:][lower]  # cvxopt keeps the lower triangle
            block = bz[nrows:].reshape(n, n)  # symmetric: the same in either order
            rhs = np.array(x).ravel() - np.bincount(full, weights=(q @ block @ q).ravel(), minlength=count)[2:]
            if nrows:
                rhs += rows.T @ (bz[:nrows] / d2)
            dx, _ = potrs(factor[0], rhs, lower=factor[1])  # LAPACK's solve, without cho_solve's checks
            x[:] = matrix(dx)
            dz = matrix(g_csr @ dx - bz)
            misc.scale(dz, scaling, trans="T", inverse="I")  # z := W^-T (G dx - bz)
            z[:] = dz

        return solve_kkt

    built = time.perf_counter()
    dims = {"l": nrows, "q": [], "s": [n]}
    saved = dict(solvers.options)
    solvers.options.clear()
    solvers.options.update(CVXOPT_NPA)
    try:
        answer = solvers.conelp(matrix(c), g_cvx, matrix(h), dims, kktsolver=kktsolver)
    except ValueError as error:  # a singular KKT system before the first step
        raise SolverFailed(NAME, FAILED, f"{error}; {ADVICE[FAILED]}") from None
    finally:
        solvers.options.clear()
        solvers.options.update(saved)
    solved = time.perf_counter()
    status = STATUS.get(answer["status"], FAILED)
    if status not in (OPTIMAL, INACCURATE) or answer["x"] is None or answer["z"] is None:
        raise SolverFailed(NAME, f"{status} ({answer['status']})", ADVICE.get(status, ADVICE[FAILED]))
    moments = np.array(answer["x"]).ravel()
    duals = np.array(answer["z"]).ravel()
    slack = duals[nrows:][lower].reshape(n, n)
    value = float(relaxation.objective.constant) - float(c @ moments)
    info = solver_info(NAME, DISTRIBUTION, status, answer["iterations"], solved - built, built - start)
    return Solution(value, np.concatenate([[0.0, 1.0], moments]), slack,
                    multipliers(relaxation, duals[:nrows], where), info, built - start, solved - built)
