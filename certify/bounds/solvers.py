"""The one solver registry: every LP-free SDP of certify (NPA relaxations, see-saw
steps, correlator bounds) is solved here.

NPA relaxations (certify.bounds.npa) are solved in the moment form

    maximise b0 + b.m  such that  M(m) = F_1 + sum_k m_k F_k >= 0,  g_j.m + g0_j (rel_j) v_j,

by one of: CVXOPT's cone LP solver with a Schur-complement KKT solver built
from the moment pattern (``_npa_cvxopt``), SDPA through sdpa-python
(``_npa_sdpa``), certify's own Newton-CG augmented Lagrangian method
(``_npa_ssnal``, certify.bounds.ssnal), or Clarabel, SCS or MOSEK through
cvxpy. Both interior-point paths factor one m x m matrix per iteration
(m moments) and never form the dense n(n+1)/2 block Clarabel's scaling
needs, which is why they win on small NPA relaxations; ssnal forms no
m x m matrix at all, which is why it wins on large ones
(benchmarks/results/npa.md). With no solver named, ``npa_order`` lists the
solvers in the measured order for the relaxation's size and memory, and
certify.bounds.npa.npa_bound tries them in turn until one is optimal and
tight, keeping the tightest certified bound.

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

import contextlib
import functools
import io
import math
import os
import re
import sys
import threading
import time
import warnings
from dataclasses import dataclass

import numpy as np

from ..errors import BadInput, SolverFailed

# name -> (cvxpy solver name, options for an accurate solve, when to prefer it)
SOLVERS = {
    "mosek": ("MOSEK", {}, "commercial interior point; preferred when installed"),
    "clarabel": ("CLARABEL", {},
                 "interior point; the default for other SDPs below LARGE, third for NPA"),
    # eps 1e-8: at SCS's default (1e-4) NPA values are off in the fourth digit
    # (README, certify quantum section); with acceleration (SCS 3's default) random 2-output
    # games at level 2 with n = 109 and 193 converge in 2000-5000 iterations.
    "scs": ("SCS", {"eps_abs": 1e-8, "eps_rel": 1e-8, "max_iters": 100000},
            "first order; the default from LARGE up, and for NPA next after ssnal above SCHUR_LIMIT moments"),
    # Schur-complement interior point (Vandenberghe, "The CVXOPT linear and
    # quadratic cone program solvers", 2010): per iteration it factors a
    # moments x moments matrix, where Clarabel factors a dense block of side
    # n(n+1)/2; it reaches 1e-8 on I3322 level 3 where Clarabel stops at
    # "almost solved", but can hit a singular KKT system just short of the
    # tolerance, so it is the polish, not the default.
    "cvxopt": ("CVXOPT", {"abstol": 1e-8, "reltol": 1e-8, "feastol": 1e-8, "max_iters": 100},
               "interior point (Schur complement); the NPA default up to SCHUR_LIMIT moments"),
    # SDPA 7 (Yamashita, Fujisawa, Kojima, Optim. Methods Softw. 18, 491 (2003)),
    # the solver ncpol2sdpa was built around; its LMI ("primal") form is NPA's
    # moment form. Double precision stalls near 1e-7 on NPA (SDPA stops with
    # "primal < dual"), so it is the second choice.
    "sdpa": ("SDPA", {"lambdaStar": 1.0, "betaStar": 0.05, "betaBar": 0.1, "print": "no"},
             "interior point (SDPA, moment form); next after cvxopt for NPA"),
    # certify's own (certify.bounds.ssnal): NPA relaxations without game
    # constraints only, so no cvxpy name. One n x n eigendecomposition per
    # Newton step and no m x m matrix, so it finishes where the interior-point
    # paths cannot factor their Schur complement.
    "ssnal": (None, {}, "Newton-CG augmented Lagrangian (SDPNAL's scheme); "
                        "the NPA default from SSNAL_FROM moments, for relaxations without game constraints"),
}
# The Python module each solver needs (checked without importing cvxpy).
MODULES = {"mosek": "mosek", "clarabel": "clarabel", "scs": "scs", "cvxopt": "cvxopt", "sdpa": "sdpap",
           "ssnal": "scipy"}
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
    """Names (ours) of the solvers whose Python module is importable here (looked up once
    per process: a frontier asks before every small SDP)."""
    return list(_importable())


@functools.lru_cache(maxsize=1)
def _importable():
    from importlib.util import find_spec

    return tuple(name for name in SOLVERS if find_spec(MODULES[name]) is not None)


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


# ---------------------------------------------------------------------------
# NPA: the measured order, memory, and the direct interior-point paths

# Above this many moments the interior-point paths (one dense m x m Schur
# complement per iteration, about m^3/3 flops to factor) lose to SCS at eps
# 1e-8, and come after it. Random 2-output games at level 2
# (benchmarks/results/npa.md): with 6 inputs (m = 2718) CVXOPT takes 17
# iterations of 0.2 to 0.4 s (10.4 s end to end) where SCS needs about 4700
# iterations (17.5 s); with 8 inputs (m = 8928) one factorisation costs
# 2.4e11 flops and SCS wins.
SCHUR_LIMIT = 4000
# From this many moments the Newton-CG augmented Lagrangian (certify.bounds.ssnal)
# is tried first on relaxations without game constraints. Measured
# (benchmarks/results/npa.md, end to end): 2.02 s on random 6-input games at
# level 2 (m = 2718) against CVXOPT's 9.52 s, 3.69 s on random 8 inputs
# against SCS's 14.87 s; on par with CVXOPT on CGLMP, but it stops inaccurate
# on I3322 at levels 2 and 3 (m = 153, 867), where CVXOPT takes 0.5 and 2.2 s.
SSNAL_FROM = 2000
# Tolerances of the direct CVXOPT path; 4 rounds of iterative refinement keep
# the Schur solves accurate to the last iterations (I3322 level 3 reaches
# 1e-8 in 18 iterations; with the default single round it stalls near 1e-7).
CVXOPT_NPA = {"abstol": 1e-8, "reltol": 1e-8, "feastol": 1e-8, "maxiters": 60, "refinement": 4,
              "show_progress": False}
# Our own stopping rule on top of conelp's: relative gap, primal and dual
# residuals all at most this. conelp's absolute gap test can miss 1e-8 by a
# hair and then lose accuracy for many iterations (see _ConelpJournal).
CVXOPT_STOP = 2e-8


def npa_memory(pattern_size, moments, name):
    """Bytes a solver needs for a relaxation with a moment matrix of side n and m moments (estimate).

    cvxopt and sdpa: the m x m Schur complement and its factor (2 * 8 m^2)
    plus the pattern-sized work arrays; clarabel: its dense KKT block of side
    n(n+1)/2 and factor; scs and mosek: a sparse problem, about 20 copies of
    the n x n matrix plus the constraint matrix.
    """
    n, m = int(pattern_size), int(moments)
    dense = 8 * n * n
    if name == "ssnal":
        return 30 * dense + 80 * m + (64 << 20)
    if name in ("cvxopt", "sdpa"):
        return 16 * m * m + 40 * dense + (64 << 20)
    if name == "clarabel":
        side = n * (n + 1) // 2
        return 16 * side * side + 40 * dense + (64 << 20)
    return 20 * dense + 24 * n * n + (64 << 20)


def available_memory():
    """Bytes of memory this machine can give a solve (MemAvailable, else physical)."""
    import os

    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 1 << 40


# NPA solvers that take no game constraints (certify.bounds.ssnal solves the moment form alone).
UNCONSTRAINED_ONLY = ("ssnal",)


def applicable(name, constrained):
    """Whether an NPA solver takes a relaxation with (``constrained``) or without game constraints."""
    return not (constrained and name in UNCONSTRAINED_ONLY)


def npa_order(pattern_size, moments, requested=None, constrained=False):
    """The solvers an NPA relaxation is tried with, best first.

    Named: just that one (BadInput if unknown, or ssnal on a relaxation with
    game constraints; SolverFailed if not installed). Automatic, by the
    measurements in benchmarks/results/npa.md: mosek when installed; below
    SSNAL_FROM moments cvxopt (pattern Schur complement), sdpa, clarabel,
    ssnal, scs; from SSNAL_FROM up to SCHUR_LIMIT ssnal first; above
    SCHUR_LIMIT ssnal, scs, sdpa, cvxopt. ssnal only without game
    constraints (``constrained``). Solvers whose memory estimate exceeds the
    machine's available memory are dropped.
    """
    if requested:
        name = choose_solver(requested, pattern_size)
        if not applicable(name, constrained):
            raise BadInput(None, "--solver", f"{name} solves NPA relaxations without game constraints only; "
                                             "use --solver cvxopt or sdpa for this game")
        return [name]
    present = installed()
    if moments < SSNAL_FROM:
        order = ("mosek", "cvxopt", "sdpa", "clarabel", "ssnal", "scs")
    elif moments <= SCHUR_LIMIT:
        order = ("mosek", "ssnal", "cvxopt", "sdpa", "clarabel", "scs")
    else:
        order = ("mosek", "ssnal", "scs", "sdpa", "cvxopt", "clarabel")
    memory = available_memory()
    names = [name for name in order if name in present and applicable(name, constrained)
             and npa_memory(pattern_size, moments, name) <= memory]
    if not names:
        raise SolverFailed("none", "not installed", "install an SDP solver: pip install cvxopt sdpa-python scs")
    return names


_NATIVE_LOCK = threading.Lock()
_native = {"depth": 0, "saved": None}


@contextlib.contextmanager
def native_output_to_stderr():
    """File descriptor 1 points at stderr while native solver code runs, then back.

    SDPA's C++ core prints lines such as "Strange behavior : primal < dual" to the
    process's stdout, below Python's sys.stdout, so `--json -` would not be JSON;
    every solver library must write nothing there. Redirecting the descriptor (not
    sys.stdout) catches C and C++ output; libc's buffer is flushed before fd 1 is
    restored so that text buffered during the solve goes to stderr too. Solves may
    run in several threads (the see-saw's), so the first to enter redirects, the
    last to leave restores. Without a usable fd 1 or fd 2 nothing is changed.
    """
    with _NATIVE_LOCK:
        if _native["depth"] == 0:
            _native["saved"] = _redirect_stdout_descriptor()
        _native["depth"] += 1
    try:
        yield
    finally:
        with _NATIVE_LOCK:
            _native["depth"] -= 1
            if _native["depth"] == 0 and _native["saved"] is not None:
                _flush_c_stdio()
                with contextlib.suppress(OSError):
                    os.dup2(_native["saved"], 1)
                with contextlib.suppress(OSError):
                    os.close(_native["saved"])
                _native["saved"] = None


def _redirect_stdout_descriptor():
    """Flush what is pending on stdout, point fd 1 at fd 2; the saved copy of fd 1, or None."""
    with contextlib.suppress(Exception):  # a replaced or closed sys.stdout: nothing to flush
        sys.stdout.flush()
    _flush_c_stdio()
    try:
        saved = os.dup(1)
    except OSError:
        return None
    try:
        os.dup2(2, 1)
    except OSError:
        os.close(saved)
        return None
    return saved


def _flush_c_stdio():
    """fflush(NULL): libc's buffered output written out now (no-op where libc is not found)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).fflush(None)


def solve(relaxation, solver=None, progress=None):
    """One solve of an NPA relaxation by one solver (the first of ``npa_order`` if none is named).

    SolverFailed unless the solver returns an optimal or inaccurate point; the
    choice among solvers and the comparison of their certified bounds is
    certify.bounds.npa.npa_bound's. ``progress`` (optional) is called with
    dicts: {"event": "iteration", "solver", "iteration"} where the solver
    exposes its iterations.
    """
    pattern = relaxation.pattern
    name = npa_order(pattern.size, pattern.count - 2, solver, bool(relaxation.constraints))[0]
    with blas_threads() as threads, native_output_to_stderr():
        if name == "ssnal":
            return _npa_ssnal(relaxation, progress)
        if name == "cvxopt":
            return _npa_cvxopt(relaxation, progress)
        if name == "sdpa":
            return _npa_sdpa(relaxation, threads)
        return _solve_with(relaxation, name)


class blas_threads:
    """One BLAS thread while solving, whatever the machine's load; the limit is lifted afterwards.

    The thread count is part of the numerical path: a multi-threaded BLAS sums
    in another order, so the iterates, the dual the certificate is made from,
    and with them the certified bound, depend on it. It used to follow the
    1-minute load average (two threads below half the cores), so one command
    gave two answers on the same machine. Measured on this 2-core machine
    (other processes running, load average 1.7 to 1.9, three runs each, wall
    seconds, two threads against one):

    * ``certify quantum i3322 --level 3`` (CVXOPT, 88 x 88, 867 moments):
      2.4, 5.2, 2.7 s (16.1 s on a first run) against 1.6, 1.5, 2.1 s, and the
      certified bound 0.2508755682333 with two threads, 0.2508755695415 with one;
    * ``certify quantum cglmp4 --level 2`` (85 x 85, 1002 moments): 1.6, 1.7,
      3.5 s against 1.4, 1.5, 1.5 s, the same bound 2.972698272258;
    * ``certify pareto --points 5``: 0.9, 1.1, 1.0 s against 0.9, 1.0, 1.2 s
      (small SDPs: no difference either way).

    One thread is never slower here and is the same path on every machine
    (any core count, any load), so every solve runs one thread. Earlier
    records agree: an 867 x 867 Cholesky factorisation took 1.15 s with two
    threads on a busy machine and 0.04 s with one; ssnal's products (k x n by
    n x n, k the smaller side of the spectrum) gain nothing from a second
    thread, and on an idle machine random 6- and 8-input games took 7.7 and
    14.8 s with two threads against 2.4 and 5.8 s with one, and random 10
    inputs stalled at a relative gap of 5e-3 with two where one reached 1e-9.

    Uses threadpoolctl when installed; the value is the thread count SDPA gets
    (1). threadpoolctl limits only the BLAS libraries already loaded, so
    scipy's and CVXOPT's are loaded first: without that, scipy's OpenBLAS,
    loaded by the first solve in a fresh process, kept two threads, and
    random 6-input games at level 2 took 35 to 78 s instead of 10 to 12 s
    beside one other busy process. On exit the original limits come back, so
    the caller's own numpy work keeps its threads.
    """

    def __enter__(self) -> int:
        self._limit = None
        controller = _blas_controller()
        if controller is not None:
            self._limit = controller.limit(limits=1, user_api="blas")
        return 1

    def __exit__(self, *exc) -> bool:
        if self._limit is not None:
            self._limit.restore_original_limits()
        return False


def _blas_controller():
    """A threadpoolctl controller (None without threadpoolctl), made after scipy's and CVXOPT's BLAS
    are loaded. Listing the loaded libraries takes 0.85 ms, a few percent of a small NPA solve, so
    one controller serves until a module is imported (a solver's import can load another BLAS)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - optional
        return None
    import scipy.linalg  # noqa: F401 - loads scipy's BLAS, so that the limit reaches it

    with contextlib.suppress(ImportError):
        import cvxopt  # noqa: F401 - and CVXOPT's
    return _controller_for(len(sys.modules), ThreadpoolController)


@functools.lru_cache(maxsize=1)
def _controller_for(module_count, make):
    """make(), remembered while the number of imported modules stays ``module_count``."""
    return make()


def _linear_rows(relaxation):
    """Game constraints as rows r with r.m <= h (an equality gives two rows).

    Returns (rows, h, where): ``where[j]`` is the first row of constraint j.
    """
    count = relaxation.pattern.count
    rows, limits, where = [], [], []
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


def _multipliers(relaxation, duals, where):
    """mu_j in our sign convention from the duals (>= 0) of the rows of ``_linear_rows``."""
    out = []
    for (_, _, relation, _), row in zip(relaxation.constraints, where):
        if relation == "==":
            out.append(float(duals[row] - duals[row + 1]))
        elif relation == "<=":
            out.append(float(duals[row]))
        else:
            out.append(-float(duals[row]))
    return out


def moment_schur(pattern):
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
    by_size = {}
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

    def schur(q):
        schur_matrix = np.empty((m, m))
        for part, p, qq in groups:
            # Q F_l Q for every l of the group, batched; H is symmetric, so
            # row l is column l and C-ordered rows need no transposed copy
            products = np.matmul(q[:, p].transpose(1, 0, 2), q[qq, :]).reshape(len(part), n * n)
            schur_matrix[part, :] = (aggregate @ products.T).T
        return schur_matrix

    return schur


def _npa_cvxopt(relaxation, progress=None):
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
    rows, limits, where = _linear_rows(relaxation)
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

    def kktsolver(scaling):
        iterations[0] += 1
        if journal.converged():
            raise ArithmeticError("converged to CVXOPT_STOP")
        if journal.deteriorated():
            raise ArithmeticError("accuracy lost after the best iterate")
        if progress is not None:
            # the first call factors for the starting point, before iteration 1
            progress({"event": "iteration", "solver": "cvxopt", "iteration": iterations[0] - 1})
        rti = np.array(scaling["rti"][0])
        q = rti @ rti.T
        schur_matrix = schur(q)
        d2 = np.array(scaling["d"]).ravel() ** 2 if nrows else None
        if nrows:
            schur_matrix += rows.T @ (rows / d2[:, None])
        factor = regularised_cholesky(schur_matrix)

        def solve_kkt(x, y, z):
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
    journal = _ConelpJournal()

    def run(maxiters):
        saved = dict(solvers.options)
        solvers.options.clear()
        solvers.options.update({**CVXOPT_NPA, "show_progress": True, "maxiters": maxiters})
        try:
            with contextlib.redirect_stdout(journal):
                return solvers.conelp(matrix(c), g_cvx, matrix(h), dims, kktsolver=kktsolver)
        except ValueError as error:  # a singular KKT system before the first step
            raise SolverFailed("cvxopt", FAILED, f"{error}; {ADVICE[FAILED]}") from None
        finally:
            solvers.options.clear()
            solvers.options.update(saved)

    answer = run(CVXOPT_NPA["maxiters"])
    stopped_here = answer["status"] == "unknown" and journal.converged()
    if answer["status"] == "unknown" and not stopped_here and journal.best is not None \
            and journal.best < answer["iterations"]:
        # Stopped on a singular system or a loss of accuracy after its best iterate: the
        # iterations are deterministic, so stop a second run at the best one.
        best = journal.best
        journal.reset(abort=False)
        iterations[0] = 0
        answer = run(best)
    solved = time.perf_counter()
    # conelp's primal is our relaxation (min -b.m)
    status = {"optimal": OPTIMAL, "unknown": INACCURATE, "primal infeasible": INFEASIBLE,
              "dual infeasible": UNBOUNDED}.get(answer["status"], FAILED)
    if stopped_here:
        status = OPTIMAL  # relative gap and residuals below CVXOPT_STOP: our own stopping rule
    if status not in (OPTIMAL, INACCURATE) or answer["x"] is None or answer["z"] is None:
        raise SolverFailed("cvxopt", f"{status} ({answer['status']})", ADVICE.get(status, ADVICE[FAILED]))
    moments = np.array(answer["x"]).ravel()
    duals = np.array(answer["z"]).ravel()
    slack = duals[nrows:][lower].reshape(n, n)
    value = float(relaxation.objective.constant) - float(c @ moments)
    info = _info("cvxopt", status, answer["iterations"], solved - built, built - start)
    return Solution(value, np.concatenate([[0.0, 1.0], moments]), slack,
                    _multipliers(relaxation, duals[:nrows], where), info, built - start, solved - built)


# Near the optimum the Schur complement of a degenerate NPA relaxation is
# singular to working precision and its Cholesky factorisation can fail a step
# before the tolerance (random 4-input games at level 2: gap 9e-8 at the failure).
# The factor of H + d I, d these multiples of the mean diagonal, is used instead;
# CVXOPT's iterative refinement (CVXOPT_NPA) corrects the solves for d.
SCHUR_REGULARISATION = (1e-14, 1e-12, 1e-10)


def regularised_cholesky(matrix):
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


class _ConelpJournal(io.TextIOBase):
    """Reads conelp's progress lines (iteration: pcost dcost gap pres dres k/t) as they are printed.

    CVXOPT returns its last iterate; near the optimum of a degenerate NPA
    relaxation the Schur complement loses accuracy and the residuals can grow
    again for many iterations (I3322 at level 2+AAB+ABB: 1e-9 at iteration 18,
    1e-6 after). The journal keeps the best iterate (least max(relative gap,
    pres, dres)) and says when the current one is 100 times worse, so the
    solve stops there and is re-run to the best.
    """

    LINE = re.compile(r"^\s*(\d+):\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)")

    def __init__(self):
        self.reset()

    def reset(self, abort=True):
        self.best, self.best_score, self.current, self.abort, self.pending = None, float("inf"), None, abort, ""

    def writable(self):
        return True

    def write(self, text):
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            found = self.LINE.match(line)
            if not found:
                continue
            try:
                iteration, pcost, _, gap, pres, dres = (float(v) for v in found.groups())
            except ValueError:
                continue
            score = max(abs(gap) / max(1.0, abs(pcost)), pres, dres)
            self.current = score
            if score < self.best_score:
                self.best, self.best_score = int(iteration), score
        return len(text)

    def converged(self):
        return self.abort and self.current is not None and self.current <= CVXOPT_STOP

    def deteriorated(self):
        return (self.abort and self.current is not None and self.best_score < 1e-6
                and self.current > 100 * self.best_score)


SDPA_PHASES = {"pdOPT": OPTIMAL, "pFEAS": INACCURATE, "dFEAS": INACCURATE, "pdFEAS": INACCURATE,
               "noINFO": FAILED, "pdINF": INFEASIBLE, "pFEAS_dINF": UNBOUNDED, "pINF_dFEAS": INFEASIBLE,
               "pUNBD": UNBOUNDED, "dUNBD": INFEASIBLE}


def _npa_sdpa(relaxation, threads=1):
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
    rows, limits, where = _linear_rows(relaxation)
    nrows = len(limits)
    a_psd = sparse.csr_matrix((-np.ones(entries.size), (full[mask] - 2, entries)), shape=(count - 2, n * n))
    a = sparse.hstack([sparse.csr_matrix(rows.T), a_psd]).tocsc() if nrows else a_psd.tocsc()
    cost = np.concatenate([limits, (full == 1).astype(float)])
    b = relaxation.objective.dense(count)[2:]
    options = param({**SOLVERS["sdpa"][1], "numThreads": int(threads)}, False)
    built = time.perf_counter()
    x, y, _, info = sdpacall.solve_sdpa(a, sparse.csc_matrix(b).T, sparse.csc_matrix(cost).T,
                                        SymCone(l=nrows, s=(n,)), options)
    solved = time.perf_counter()
    status = SDPA_PHASES.get(info.get("phasevalue"), FAILED)
    if status not in (OPTIMAL, INACCURATE):
        raise SolverFailed("sdpa", f"{status} ({info.get('phasevalue')})", ADVICE.get(status, ADVICE[FAILED]))
    moments = np.asarray(y.todense()).ravel()
    duals = np.asarray(x.todense()).ravel()
    slack = duals[nrows:].reshape(n, n)
    slack = (slack + slack.T) / 2
    value = float(relaxation.objective.constant) + float(b @ moments)
    info = _info("sdpa", status, info.get("iteration"), solved - built, built - start)
    return Solution(value, np.concatenate([[0.0, 1.0], moments]), slack,
                    _multipliers(relaxation, duals[:nrows], where), info, built - start, solved - built)


def _npa_ssnal(relaxation, progress=None):
    """certify.bounds.ssnal on a relaxation without game constraints, as a Solution."""
    from .ssnal import solve_ssnal

    start = time.perf_counter()
    value, moments, slack, status, steps = solve_ssnal(relaxation, progress)
    solved = time.perf_counter()
    info = _info("ssnal", OPTIMAL if status == "optimal" else INACCURATE, steps, solved - start, 0.0)
    return Solution(value, moments, slack, [], info, 0.0, solved - start)


def _info(name, status, iterations, solve_seconds, build_seconds):
    return {
        "name": name,
        "version": _version({"sdpa": "sdpa-python", "ssnal": "certify"}.get(name, MODULES.get(name, name))),
        "status": status,
        "iterations": iterations,
        "solve_seconds": round(solve_seconds, 6),
        "build_seconds": round(build_seconds, 6),
    }


def _solve_with(relaxation, name):
    """One solve through cvxpy (clarabel, scs, mosek); SolverFailed unless optimal or inaccurate."""
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
    info = _info(name, status, getattr(stats, "num_iters", None), solved - built, built - start)
    return Solution(float(problem.value), moments, slack, multipliers, info, built - start, solved - built)


# Tight tolerances for the small SDPs built in cvxpy (see-saw steps, correlator
# bounds), whose answers are rounded to exact certificates.
TIGHT = {
    "clarabel": {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10, "max_iter": 200},
    "scs": {"eps_abs": 1e-10, "eps_rel": 1e-10, "max_iters": 200000},
    "cvxopt": {"abstol": 1e-9, "reltol": 1e-9, "feastol": 1e-9, "max_iters": 200, "kktsolver": "robust"},
}


def clarabel_chosen(solver):
    """Whether the registry picks Clarabel for a small SDP (then clarabel_direct may take it)."""
    return choose_solver(solver, 0) == "clarabel"


def psd_triangle(n):
    """The entries of an n x n PSD cone in Clarabel's order, (i, j, scale): the upper
    triangle (i <= j) by columns, off-diagonal entries scaled by sqrt 2."""
    return [(i, j, 1.0 if i == j else math.sqrt(2.0)) for j in range(n) for i in range(j + 1)]


def clarabel_direct(q, A, b, cones, settings=None, almost=False):
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

    def __init__(self, A, b, cones, settings=None):
        self.A, self.b, self.cones, self.settings = A, b, cones, settings
        self._per_thread = threading.local()

    def solve(self, q, almost=False):
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


def _clarabel_solver(q, A, b, cones, settings):
    import clarabel
    from scipy import sparse

    kinds = {"zero": clarabel.ZeroConeT, "nonnegative": clarabel.NonnegativeConeT, "psd": clarabel.PSDTriangleConeT}
    options = clarabel.DefaultSettings()
    options.verbose = False
    for key, value in (settings or {}).items():
        setattr(options, key, value)
    P = sparse.csc_matrix((A.shape[1], A.shape[1]))
    return clarabel.DefaultSolver(P, q, A, b, [kinds[kind](size) for kind, size in cones], options)


def _clarabel_answer(solution, almost):
    """(x, y) of a Clarabel solution it reports "Solved" (with ``almost``, also "AlmostSolved"), else None."""
    if str(solution.status) not in (("Solved", "AlmostSolved") if almost else ("Solved",)):
        return None
    return np.asarray(solution.x), np.asarray(solution.z)


def solve_problem(problem, solver=None, what="SDP", tight=False, size=0, polish=True):
    """Solve a cvxpy problem with a solver of the registry; returns (status, name).

    The same choice as for NPA (``choose_solver``), the same collapse of
    statuses, and the same polish: with no solver named (and ``polish``), an
    inaccurate or failed solve is tried again with POLISH; should the polish
    fail where the first solver was only inaccurate, that inaccurate answer
    is kept. SolverFailed (status and what to try next) unless the answer is
    optimal or inaccurate.
    """
    import cvxpy as cp

    name = choose_solver(solver, size)
    if SOLVERS[name][0] is None:
        raise BadInput(None, "--solver", f"{name} solves NPA relaxations only; for the {what} use one of "
                                         f"{', '.join(n for n in installed() if SOLVERS[n][0])}")
    polishing = polish and solver is None and name != POLISH and POLISH in installed()
    tried = [name] + ([POLISH] if polishing else [])
    status, failure, inaccurate = FAILED, None, None
    for candidate in tried:
        cvx_name, options, _ = SOLVERS[candidate]
        options = {**options, **(TIGHT.get(candidate, {}) if tight else {})}
        try:
            with warnings.catch_warnings(), native_output_to_stderr():
                warnings.simplefilter("ignore")  # inaccurate solves are reported by status
                problem.solve(solver=cvx_name, **options)
            status = collapse(problem.status)
        except cp.error.SolverError as error:
            status, failure = FAILED, str(error)
        if status == OPTIMAL or (status == INACCURATE and candidate == tried[-1]):
            return status, candidate
        if status in (INFEASIBLE, UNBOUNDED):
            break
        if status == INACCURATE and candidate != tried[-1]:
            inaccurate = candidate
    if inaccurate is not None and status == FAILED:
        # the polish gave up where the first solver had an answer: that answer, solved again
        cvx_name, options, _ = SOLVERS[inaccurate]
        options = {**options, **(TIGHT.get(inaccurate, {}) if tight else {})}
        with warnings.catch_warnings(), native_output_to_stderr():
            warnings.simplefilter("ignore")
            problem.solve(solver=cvx_name, **options)
        if collapse(problem.status) in (OPTIMAL, INACCURATE):
            return collapse(problem.status), inaccurate
    detail = f"{what}: {failure}; " if failure else f"{what}: "
    raise SolverFailed(tried[-1], f"{status} ({problem.status})", detail + ADVICE.get(status, ADVICE[FAILED]))


@functools.lru_cache(maxsize=None)
def _version(name):
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:  # noqa: BLE001 - a version string is decoration only
        return None
