"""SDPA 7 through sdpa-python: the NPA fallback after CVXOPT.

SDPA (Yamashita, Fujisawa, Kojima, Optim. Methods Softw. 18, 491 (2003)) is the
solver ncpol2sdpa was built around; its LMI ("primal") form is NPA's moment
form. Double precision stalls near 1e-7 on NPA (SDPA stops with
"primal < dual"), so it is the second choice.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ...errors import SolverFailed
from .moment import Solution, linear_rows, multipliers, solver_info
from .status import ADVICE, FAILED, INACCURATE, INFEASIBLE, OPTIMAL, UNBOUNDED

NAME = "sdpa"
MODULE = "sdpap"  # the Python module, looked up without importing it
DISTRIBUTION = "sdpa-python"
CVXPY_NAME = "SDPA"
OPTIONS = {"lambdaStar": 1.0, "betaStar": 0.05, "betaBar": 0.1, "print": "no"}
DESCRIPTION = "interior point (SDPA, moment form); next after cvxopt for NPA"

# SDPA's phase value (its documented outcomes) -> ours; SDPA's primal is our relaxation.
STATUS = {"pdOPT": OPTIMAL, "pFEAS": INACCURATE, "dFEAS": INACCURATE, "pdFEAS": INACCURATE,
          "noINFO": FAILED, "pdINF": INFEASIBLE, "pFEAS_dINF": UNBOUNDED, "pINF_dFEAS": INFEASIBLE,
          "pUNBD": UNBOUNDED, "dUNBD": INFEASIBLE}


def solve_npa(relaxation: Any, threads: int = 1) -> Solution:
    """SDPA on the moment form, given in SeDuMi form to sdpa-python's core.

    SeDuMi dual: max b.y such that c - A^T y is in the cone; here y = m,
    c - A^T y = (h - R m, vec(M(m))) for the game rows R m <= h and the PSD
    block, so A's column k is (R[:, k], -vec(F_k)) and the SeDuMi primal
    variable x = (row duals, vec(Z)) is our dual. Called below sdpap.solve,
    whose post-processing (ARPACK feasibility checks) costs more than the
    solve on small problems.
    """
    import scipy.sparse as sparse
    from sdpap import sdpacall
    from sdpap.param import param
    from sdpap.symcone import SymCone

    pattern = relaxation.pattern
    n, count = pattern.size, pattern.count
    start = time.perf_counter()
    full = pattern.index.ravel()
    mask = full >= 2
    entries = np.nonzero(mask)[0]
    rows, limits, where = linear_rows(relaxation)
    nrows = len(limits)
    a_psd = sparse.csr_matrix((-np.ones(entries.size), (full[mask] - 2, entries)), shape=(count - 2, n * n))
    a = sparse.hstack([sparse.csr_matrix(rows.T), a_psd]).tocsc() if nrows else a_psd.tocsc()
    cost = np.concatenate([limits, (full == 1).astype(float)])
    b = relaxation.objective.dense(count)[2:]
    options = param({**OPTIONS, "numThreads": int(threads)}, False)
    built = time.perf_counter()
    x, y, _, info = sdpacall.solve_sdpa(a, sparse.csc_matrix(b).T, sparse.csc_matrix(cost).T,
                                        SymCone(l=nrows, s=(n,)), options)
    solved = time.perf_counter()
    status = STATUS.get(info.get("phasevalue"), FAILED)
    if status not in (OPTIMAL, INACCURATE):
        raise SolverFailed(NAME, f"{status} ({info.get('phasevalue')})", ADVICE.get(status, ADVICE[FAILED]))
    moments = np.asarray(y.todense()).ravel()
    duals = np.asarray(x.todense()).ravel()
    slack = duals[nrows:].reshape(n, n)
    slack = (slack + slack.T) / 2
    value = float(relaxation.objective.constant) + float(b @ moments)
    info = solver_info(NAME, DISTRIBUTION, status, info.get("iteration"), solved - built, built - start)
    return Solution(value, np.concatenate([[0.0, 1.0], moments]), slack,
                    multipliers(relaxation, duals[:nrows], where), info, built - start, solved - built)
