"""The one solver registry: every LP-free SDP of certify (NPA relaxations, see-saw
steps, correlator bounds) is solved here.

NPA: turn a relaxation (certify.bounds.npa) into a cvxpy problem and solve it.

One preference-ordered table of solvers (the pattern of cvxpy's
reductions/solvers/defines.py), one collapse of solver outcomes into a few
statuses of our own (cvxpy/settings.py), and an error that says what to try
next when a solve is not usable. A failed or inaccurate solve is never
returned as a bound.

The problem solved is the primal of certify.bounds.npa's module docstring; cvxpy
returns the dual of the PSD constraint as a matrix Z >= 0 and the dual of each
game constraint as mu with, at optimality,

    b_k + <Z, F_k> - sum_j mu_j g_jk = 0      for every moment k >= 2,

mu_j >= 0 for "<=", <= 0 for ">=", free for "==" (checked in tests/test_npa.py).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np

from ..errors import BadInput, SolverFailed

# name -> (cvxpy solver name, options for an accurate solve, when to prefer it)
SOLVERS = {
    "mosek": ("MOSEK", {}, "commercial interior point; preferred when installed"),
    "clarabel": ("CLARABEL", {},
                 "interior point; the default below LARGE"),
    # eps 1e-8: at SCS's default (1e-4) NPA values are off in the fourth digit
    # (README, certify quantum section); with acceleration (SCS 3's default) random 2-output
    # games at level 2 with n = 109 and 193 converge in 2000-5000 iterations.
    "scs": ("SCS", {"eps_abs": 1e-8, "eps_rel": 1e-8, "max_iters": 100000},
            "first order; the default from LARGE up"),
    # Schur-complement interior point (Vandenberghe, "The CVXOPT linear and
    # quadratic cone program solvers", 2010): per iteration it factors a
    # moments x moments matrix, where Clarabel factors a dense block of side
    # n(n+1)/2; it reaches 1e-8 on I3322 level 3 where Clarabel stops at
    # "almost solved", but can hit a singular KKT system just short of the
    # tolerance, so it is the polish, not the default.
    "cvxopt": ("CVXOPT", {"abstol": 1e-8, "reltol": 1e-8, "feastol": 1e-8, "max_iters": 100},
               "interior point (Schur complement); polishes an inaccurate default solve"),
}
PREFERENCE = ("mosek", "clarabel", "scs")
# Moment matrices at least this wide go to SCS unless a solver is named:
# Clarabel's dense scaling of an n x n PSD cone makes each iteration cost
# about (n^2/2)^3 flops, so random 6-input 2-output games at level 2 (n = 109)
# take over 60 s with Clarabel and 9 s with SCS at eps 1e-8
# (benchmarks/results/npa.md); the certificate does not depend on the solver.
LARGE = 100
POLISH = "cvxopt"

# collapsed statuses
OPTIMAL, INACCURATE, INFEASIBLE, UNBOUNDED, FAILED = "optimal", "inaccurate", "infeasible", "unbounded", "failed"


def installed():
    """Names (ours) of the solvers cvxpy can call on this machine."""
    import cvxpy

    available = set(cvxpy.installed_solvers())
    return [name for name, (cvx, _, _) in SOLVERS.items() if cvx in available]


def choose_solver(requested, size):
    """The solver to use: the requested one, else by preference and size.

    Unknown name -> BadInput on --solver; known but not installed -> SolverFailed
    naming what to install or use instead.
    """
    present = installed()
    if requested:
        name = str(requested).strip().lower()
        if name not in SOLVERS:
            raise BadInput(None, "--solver", f"unknown solver '{requested}' (known: {', '.join(SOLVERS)})")
        if name not in present:
            raise SolverFailed(
                name, "not installed",
                f"install it (pip install {name}) or use one of: {', '.join(present) or 'none found'}",
            )
        return name
    order = PREFERENCE if size < LARGE else ("mosek", "scs", "clarabel")
    for name in order:
        if name in present:
            return name
    raise SolverFailed("none", "not installed", "install an SDP solver: pip install clarabel")


def collapse(status):
    """cvxpy's statuses -> optimal / inaccurate / infeasible / unbounded / failed."""
    import cvxpy

    return {
        cvxpy.OPTIMAL: OPTIMAL,
        cvxpy.OPTIMAL_INACCURATE: INACCURATE,
        cvxpy.INFEASIBLE: INFEASIBLE,
        cvxpy.INFEASIBLE_INACCURATE: INFEASIBLE,
        cvxpy.UNBOUNDED: UNBOUNDED,
        cvxpy.UNBOUNDED_INACCURATE: UNBOUNDED,
    }.get(status, FAILED)


ADVICE = {
    INACCURATE: "the solver stopped short of its tolerance; try --solver cvxopt, clarabel or mosek, or a lower --level",
    INFEASIBLE: "the relaxation has no feasible point: check the constraint values (--fix); no quantum behaviour meets them",
    UNBOUNDED: "the relaxation is unbounded, which a valid game cannot be; please report it",
    FAILED: "the solver gave up; try another --solver (clarabel, scs, mosek) or a lower --level",
}


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


def pattern_matrix(pattern):
    """Sparse P and vector f with vec(M) = P m[2:] + f (row-major)."""
    import scipy.sparse as sp

    index = pattern.index.ravel()
    mask = index >= 2
    rows = np.nonzero(mask)[0]
    n2 = index.size
    matrix = sp.csr_matrix((np.ones(rows.size), (rows, index[mask] - 2)), shape=(n2, pattern.count - 2))
    return matrix, (index == 1).astype(float)


def build_problem(relaxation):
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


def solve(relaxation, solver=None):
    """Solve a relaxation; SolverFailed unless the solver reports an optimal solution.

    With no solver named, an inaccurate solve below LARGE is polished: solved
    again by POLISH (if installed), whose answer is kept when it is optimal
    (``solver["polished_from"]`` then names the first solver and its status).
    An inaccurate answer otherwise goes on only to the exact certificate,
    which either proves a bound close to the solver's value or fails
    (certify.bounds.npa.npa_bound).
    """
    name = choose_solver(solver, relaxation.pattern.size)
    solution = _solve_with(relaxation, name)
    if solver is None and solution.solver["status"] == INACCURATE and name != POLISH and POLISH in installed():
        try:
            polished = _solve_with(relaxation, POLISH)
        except SolverFailed:
            return solution
        if polished.solver["status"] == OPTIMAL:
            polished.solver["polished_from"] = {
                "name": name, "status": solution.solver["status"],
                "solve_seconds": solution.solver["solve_seconds"],
            }
            polished.build_seconds += solution.build_seconds
            polished.solve_seconds += solution.solve_seconds
            return polished
    return solution


def _solve_with(relaxation, name):
    """One solve by one solver (our name); SolverFailed unless optimal or inaccurate."""
    import cvxpy as cp

    cvx_name, options, _ = SOLVERS[name]
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
    multipliers = [
        float(np.asarray(c.dual_value).ravel()[0]) * (-1 if relation == ">=" else 1)
        for c, (_, _, relation, _) in zip(game_constraints, relaxation.constraints)
    ]
    stats = problem.solver_stats
    info = {
        "name": name,
        "version": _version(name),
        "status": status,
        "iterations": getattr(stats, "num_iters", None),
        "solve_seconds": round(solved - built, 6),
        "build_seconds": round(built - start, 6),
    }
    return Solution(float(problem.value), moments, slack, multipliers, info, built - start, solved - built)


# Tight tolerances for the small SDPs built directly in cvxpy (see-saw steps,
# correlator bounds), whose answers are rounded to exact certificates.
TIGHT = {
    "clarabel": {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10, "max_iter": 200},
    "scs": {"eps_abs": 1e-10, "eps_rel": 1e-10, "max_iters": 200000},
    "cvxopt": {"abstol": 1e-9, "reltol": 1e-9, "feastol": 1e-9, "max_iters": 200, "kktsolver": "robust"},
}


def solve_problem(problem, solver=None, what="SDP", tight=False, size=0):
    """Solve a cvxpy problem with a solver of the registry; returns (status, name).

    The same choice as for NPA (``choose_solver``), the same collapse of
    statuses, and the same polish: with no solver named, an inaccurate or
    failed solve is tried again with POLISH. SolverFailed (status and what to
    try next) unless the answer is optimal or inaccurate.
    """
    import cvxpy as cp

    name = choose_solver(solver, size)
    tried = [name] + ([POLISH] if solver is None and name != POLISH and POLISH in installed() else [])
    status, failure = FAILED, None
    for candidate in tried:
        cvx_name, options, _ = SOLVERS[candidate]
        options = {**options, **(TIGHT.get(candidate, {}) if tight else {})}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # inaccurate solves are reported by status
                problem.solve(solver=cvx_name, **options)
            status = collapse(problem.status)
        except cp.error.SolverError as error:
            status, failure = FAILED, str(error)
        if status == OPTIMAL or (status == INACCURATE and candidate == tried[-1]):
            return status, candidate
        if status in (INFEASIBLE, UNBOUNDED):
            break
    detail = f"{what}: {failure}; " if failure else f"{what}: "
    raise SolverFailed(tried[-1], f"{status} ({problem.status})", detail + ADVICE.get(status, ADVICE[FAILED]))


def _version(name):
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:  # noqa: BLE001 - a version string is decoration only
        return None
