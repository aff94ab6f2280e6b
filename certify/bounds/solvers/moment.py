"""The moment form every NPA backend solves, and what a solve returns.

An NPA relaxation (certify.bounds.npa) is solved in the moment form

    maximise b0 + b.m  such that  M(m) = F_1 + sum_k m_k F_k >= 0,  g_j.m + g0_j (rel_j) v_j,

and every backend returns a ``Solution`` in max form: the moments, the dual
slack Z >= 0 of the PSD constraint and a multiplier mu_j per game constraint,
with, at optimality,

    b_k + <Z, F_k> - sum_j mu_j g_jk = 0      for every moment k >= 2,

mu_j >= 0 for "<=", <= 0 for ">=", free for "==" (checked in tests/test_npa.py).
Here live the pieces the backends share: the cvxpy model (Clarabel, SCS, MOSEK
solve it through cvxpy), the game rows of the direct paths (CVXOPT, SDPA) and
their multipliers, the Schur complement of the moment pattern, and the solver
record of a solve.
"""

from __future__ import annotations

import functools
import time
import warnings
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

import numpy as np

from ...errors import SolverFailed
from .status import ADVICE, FAILED, INACCURATE, OPTIMAL, collapse


@dataclass
class Solution:
    """What the solver returned, in max form (see the module docstring)."""

    value: float  # primal objective, max form
    moments: np.ndarray  # m_k for every k (m_0 = 0, m_1 = 1)
    slack: np.ndarray  # Z, symmetric n x n
    multipliers: list  # mu_j per game constraint
    solver: dict
    build_seconds: float
    solve_seconds: float


def pattern_matrix(pattern: Any) -> tuple[Any, np.ndarray]:
    """Sparse P and vector f with vec(M) = P m[2:] + f (row-major)."""
    import scipy.sparse as sp

    index = pattern.index.ravel()
    mask = index >= 2
    rows = np.nonzero(mask)[0]
    n2 = index.size
    matrix = sp.csr_matrix((np.ones(rows.size), (rows, index[mask] - 2)), shape=(n2, pattern.count - 2))
    return matrix, (index == 1).astype(float)


def build_problem(relaxation: Any) -> tuple[Any, Any, Any, list[Any]]:
    """The cvxpy problem of a relaxation: (problem, moments variable, PSD constraint, game constraints)."""
    import cvxpy as cp

    pattern = relaxation.pattern
    n, count = pattern.size, pattern.count
    matrix, identity = pattern_matrix(pattern)
    m = cp.Variable(count - 2, name="moments")
    moment_matrix = cp.reshape(matrix @ m + identity, (n, n), order="C")
    psd = moment_matrix >> 0
    game_constraints = []
    for _, linear, relation, value in relaxation.constraints:
        left = linear.dense(count)[2:] @ m + float(linear.constant)
        right = float(value)
        game_constraints.append({"==": left == right, "<=": left <= right, ">=": left >= right}[relation])
    objective = cp.Maximize(relaxation.objective.dense(count)[2:] @ m + float(relaxation.objective.constant))
    return cp.Problem(objective, [psd] + game_constraints), m, psd, game_constraints


def linear_rows(relaxation: Any) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Game constraints as rows r with r.m <= h (an equality gives two rows).

    Returns (rows, h, where): ``where[j]`` is the first row of constraint j.
    """
    count = relaxation.pattern.count
    rows: list[np.ndarray] = []
    limits: list[float] = []
    where: list[int] = []
    for _, linear, relation, value in relaxation.constraints:
        g = linear.dense(count)[2:]
        where.append(len(rows))
        if relation in ("==", "<="):
            rows.append(g)
            limits.append(float(value - linear.constant))
        if relation in ("==", ">="):
            rows.append(-g)
            limits.append(float(linear.constant - value))
    return np.array(rows).reshape(len(rows), count - 2), np.array(limits), where


def multipliers(relaxation: Any, duals: np.ndarray, where: list[int]) -> list[float]:
    """mu_j in our sign convention from the duals (>= 0) of the rows of ``linear_rows``."""
    out = []
    for (_, _, relation, _), row in zip(relaxation.constraints, where):
        if relation == "==":
            out.append(float(duals[row] - duals[row + 1]))
        elif relation == "<=":
            out.append(float(duals[row]))
        else:
            out.append(-float(duals[row]))
    return out


def moment_schur(pattern: Any) -> Callable[[np.ndarray], np.ndarray]:
    """The map Q -> H with H_kl = <F_k, Q F_l Q> (k, l >= 2) for a symmetric n x n Q.

    H is the Schur complement of an interior-point step on the moment form
    (Q the scaling) and the Gram matrix of the Q-weighted least-norm dual
    correction (certify.bounds.npa). Q F_l Q is the sum of Q[:, p] Q[q, :]
    over the mult_l positions (p, q) of moment l, so H costs
    n^2 * sum_l mult_l = n^4 flops; the products are made for a few MB of
    moments at a time and summed into H by one sparse product, which keeps
    them in cache (3x faster than 32 MB batches on random 6-input games).
    """
    import scipy.sparse as sparse

    n, count = pattern.size, pattern.count
    m = count - 2
    full = pattern.index.ravel()
    mask = full >= 2
    entries = np.nonzero(mask)[0]
    # the positions of each moment, in groups of equal multiplicity
    order = np.argsort(full, kind="stable")
    starts = np.searchsorted(full[order], np.arange(count + 1))
    by_size: dict[int, list[int]] = {}
    for k in range(2, count):
        by_size.setdefault(int(starts[k + 1] - starts[k]), []).append(k)
    groups = []
    chunk = max(1, (6 << 20) // (8 * n * n))
    for ks in by_size.values():
        for first in range(0, len(ks), chunk):
            part = np.array(ks[first:first + chunk])
            positions = np.stack([order[starts[k]:starts[k + 1]] for k in part])
            groups.append((part - 2, *np.divmod(positions, n)))
    # B^T: moments x entries, B^T vec(X) = (<X, F_k>)_k; B^T @ P^T, not P @ B, for scipy makes a
    # transposed matrix object at every dense @ sparse (10% of a small relaxation's solve)
    aggregate = sparse.csr_matrix((np.ones(entries.size), (full[mask] - 2, entries)), shape=(m, n * n))

    def schur(q: np.ndarray) -> np.ndarray:
        """H_kl = <F_k, Q F_l Q> for the scaling Q."""
        schur_matrix = np.empty((m, m))
        for part, p, qq in groups:
            # Q F_l Q for every l of the group, batched; H is symmetric, so
            # row l is column l and C-ordered rows need no transposed copy
            products = np.matmul(q[:, p].transpose(1, 0, 2), q[qq, :]).reshape(len(part), n * n)
            schur_matrix[part, :] = (aggregate @ products.T).T
        return schur_matrix

    return schur


def solver_info(name: str, distribution: str, status: str, iterations: int | None,
                solve_seconds: float, build_seconds: float) -> dict[str, Any]:
    """The solver record of a solve (the document's "solver" block): our name, the installed
    version of ``distribution`` (the package that provides the solver), status and timings."""
    return {
        "name": name,
        "version": version(distribution),
        "status": status,
        "iterations": iterations,
        "solve_seconds": round(solve_seconds, 6),
        "build_seconds": round(build_seconds, 6),
    }


def solve_through_cvxpy(relaxation: Any, name: str, cvx_name: str, options: dict[str, Any],
                        distribution: str) -> Solution:
    """One solve of the cvxpy model (``build_problem``) by the solver cvxpy calls ``cvx_name`` (our
    ``name``: clarabel, scs, mosek) with its ``options``; SolverFailed unless optimal or inaccurate."""
    import cvxpy as cp

    start = time.perf_counter()
    problem, m, psd, game_constraints = build_problem(relaxation)
    built = time.perf_counter()
    try:
        with warnings.catch_warnings():
            # cvxpy warns of inaccurate solutions; the status below reports them
            warnings.simplefilter("ignore")
            problem.solve(solver=cvx_name, **options)
    except cp.error.SolverError as error:
        raise SolverFailed(name, FAILED, f"{error}; {ADVICE[FAILED]}") from None
    solved = time.perf_counter()
    status = collapse(problem.status)
    if status not in (OPTIMAL, INACCURATE) or m.value is None or psd.dual_value is None:
        raise SolverFailed(name, f"{status} ({problem.status})", ADVICE.get(status, ADVICE[FAILED]))
    moments = np.concatenate([[0.0, 1.0], m.value])
    slack = np.asarray(psd.dual_value, dtype=float)
    slack = (slack + slack.T) / 2
    # cvxpy's dual of "left >= right" is >= 0; ours (mu_j <= 0 for ">=") is its negative
    duals = [
        float(np.asarray(c.dual_value).ravel()[0]) * (-1 if relation == ">=" else 1)
        for c, (_, _, relation, _) in zip(game_constraints, relaxation.constraints)
    ]
    stats = problem.solver_stats
    info = solver_info(name, distribution, status, getattr(stats, "num_iters", None), solved - built, built - start)
    return Solution(float(problem.value), moments, slack, duals, info, built - start, solved - built)


@functools.lru_cache(maxsize=None)
def version(name: str) -> str | None:
    """The installed version of distribution ``name`` (None when unknown)."""
    try:
        from importlib.metadata import version as installed_version

        return installed_version(name)
    except Exception:  # noqa: BLE001 - a version string is decoration only
        return None
