"""The one solver registry: every LP-free SDP of certify (NPA relaxations, see-saw
steps, correlator bounds) is solved through here.

NPA relaxations (certify.bounds.npa) are solved in the moment form
(certify.bounds.solvers.moment) by one of: CVXOPT's cone LP solver with a
Schur-complement KKT solver built from the moment pattern (cvxopt.py), SDPA
through sdpa-python (sdpa.py), certify's own Newton-CG augmented Lagrangian
method (ssnal.py), or Clarabel, SCS or MOSEK through cvxpy (clarabel.py,
scs.py, mosek.py). Both interior-point paths factor one m x m matrix per
iteration (m moments) and never form the dense n(n+1)/2 block Clarabel's
scaling needs, which is why they win on small NPA relaxations; ssnal forms no
m x m matrix at all, which is why it wins on large ones
(benchmarks/results/npa.md). With no solver named, ``npa_order`` lists the
solvers in the measured order for the relaxation's size and memory, and
certify.bounds.npa.npa_bound tries them in turn until one is optimal and
tight, keeping the tightest certified bound.

The shape of cvxpy's reductions/solvers/: one module per backend, each with its
name, options and status map (its solver's statuses -> the few of
certify.bounds.solvers.status, as cvxpy/settings.py collapses them); one
preference-ordered table of them here (defines.py); ``installed`` asks whether
a solver's module can be imported without importing it (solver.py); and an
error that says what to try next when a solve is not usable. A failed or
inaccurate solve is never returned as a bound. Shared pieces live in modules
of their own: the BLAS thread limit (threads.py), native output sent to stderr
(output.py), the statuses (status.py) and the moment form (moment.py).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

from ...errors import BadInput, SolverFailed
from . import clarabel, cvxopt, mosek, scs, sdpa, ssnal
from .clarabel import ClarabelProblem, clarabel_direct, psd_triangle
from .cvxopt import regularised_cholesky
from .moment import Solution, build_problem, moment_schur, pattern_matrix, solve_through_cvxpy
from .output import native_output_to_stderr
from .status import ADVICE, FAILED, INACCURATE, INFEASIBLE, OPTIMAL, UNBOUNDED, collapse
from .threads import blas_threads

__all__ = [
    "ADVICE", "BACKENDS", "FAILED", "INACCURATE", "INFEASIBLE", "LARGE", "MODULES", "OPTIMAL", "POLISH",
    "NPA_ORDER_LARGE", "NPA_ORDER_MEDIUM", "NPA_ORDER_SMALL", "PREFERENCE", "PREFERENCE_LARGE", "SCHUR_LIMIT", "SOLVERS", "SSNAL_FROM", "TIGHT", "UNBOUNDED", "UNCONSTRAINED_ONLY",
    "BadInput", "ClarabelProblem", "Solution", "SolverFailed", "applicable", "available_memory",
    "blas_threads", "build_problem", "choose_solver", "clarabel_chosen", "clarabel_direct", "collapse",
    "installed", "moment_schur", "native_output_to_stderr", "npa_memory", "npa_order", "pattern_matrix",
    "psd_triangle", "regularised_cholesky", "solve", "solve_problem",
]

# Every backend, in the order of the table below (and of `installed`, and of the names
# listed by an unknown --solver).
BACKENDS: dict[str, ModuleType] = {backend.NAME: backend for backend in (mosek, clarabel, scs, cvxopt, sdpa, ssnal)}
# name -> (cvxpy solver name, options for an accurate solve, when to prefer it); the
# options and the reasons for them are in each backend's module.
SOLVERS: dict[str, tuple[str | None, dict[str, Any], str]] = {
    name: (backend.CVXPY_NAME, backend.OPTIONS, backend.DESCRIPTION) for name, backend in BACKENDS.items()}
# The Python module each solver needs (checked without importing cvxpy or the solver).
MODULES: dict[str, str] = {name: backend.MODULE for name, backend in BACKENDS.items()}
# Tight tolerances for the small SDPs built in cvxpy (see-saw steps, correlator
# bounds), whose answers are rounded to exact certificates.
TIGHT: dict[str, dict[str, Any]] = {name: backend.TIGHT for name, backend in BACKENDS.items()
                                    if getattr(backend, "TIGHT", None)}

# The SDPs built in cvxpy (see-saw steps, correlator bounds): the preference below LARGE,
# and from LARGE up (reasons below).
PREFERENCE = ("mosek", "clarabel", "scs")
PREFERENCE_LARGE = ("mosek", "scs", "clarabel")
# Moment matrices at least this wide go to SCS unless a solver is named:
# Clarabel's dense scaling of an n x n PSD cone makes each iteration cost
# about (n^2/2)^3 flops, so random 6-input 2-output games at level 2 (n = 109)
# take over 60 s with Clarabel and 9 s with SCS at eps 1e-8
# (benchmarks/results/npa.md); the certificate does not depend on the solver.
LARGE = 100
POLISH = "cvxopt"


def installed() -> list[str]:
    """Names (ours) of the solvers whose Python module is importable here (looked up once
    per process: a frontier asks before every small SDP)."""
    return list(_importable())


@functools.lru_cache(maxsize=1)
def _importable() -> tuple[str, ...]:
    """The names whose module importlib finds (find_spec reads the path; nothing is imported)."""
    from importlib.util import find_spec

    return tuple(name for name in SOLVERS if find_spec(MODULES[name]) is not None)


def choose_solver(requested: str | None, size: int) -> str:
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
    order = PREFERENCE if size < LARGE else PREFERENCE_LARGE
    for name in order:
        if name in present:
            return name
    raise SolverFailed("none", "not installed", "install an SDP solver: pip install clarabel")


# ---------------------------------------------------------------------------
# NPA: the measured order and memory

# Above this many moments the interior-point paths (one dense m x m Schur
# complement per iteration, about m^3/3 flops to factor) lose to SCS at eps
# 1e-8, and come after it. Random 2-output games at level 2
# (benchmarks/results/npa.md): with 6 inputs (m = 2718) CVXOPT takes 17
# iterations of 0.2 to 0.4 s (10.4 s end to end) where SCS needs about 4700
# iterations (17.5 s); with 8 inputs (m = 8928) one factorisation costs
# 2.4e11 flops and SCS wins.
SCHUR_LIMIT = 4000
# From this many moments the Newton-CG augmented Lagrangian (certify.bounds.solvers.ssnal)
# is tried first on relaxations without game constraints. Measured
# (benchmarks/results/npa.md, end to end): 2.02 s on random 6-input games at
# level 2 (m = 2718) against CVXOPT's 9.52 s, 3.69 s on random 8 inputs
# against SCS's 14.87 s; on par with CVXOPT on CGLMP, but it stops inaccurate
# on I3322 at levels 2 and 3 (m = 153, 867), where CVXOPT takes 0.5 and 2.2 s.
SSNAL_FROM = 2000
# The measured NPA order (benchmarks/results/npa.md) below SSNAL_FROM moments, from
# SSNAL_FROM to SCHUR_LIMIT, and above SCHUR_LIMIT; mosek first whenever installed.
NPA_ORDER_SMALL = ("mosek", "cvxopt", "sdpa", "clarabel", "ssnal", "scs")
NPA_ORDER_MEDIUM = ("mosek", "ssnal", "cvxopt", "sdpa", "clarabel", "scs")
NPA_ORDER_LARGE = ("mosek", "ssnal", "scs", "sdpa", "cvxopt", "clarabel")


def npa_memory(pattern_size: int, moments: int, name: str) -> int:
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


def available_memory() -> int:
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


# NPA solvers that take no game constraints (ssnal.py solves the moment form alone).
UNCONSTRAINED_ONLY = ("ssnal",)


def applicable(name: str, constrained: bool) -> bool:
    """Whether an NPA solver takes a relaxation with (``constrained``) or without game constraints."""
    return not (constrained and name in UNCONSTRAINED_ONLY)


def npa_order(pattern_size: int, moments: int, requested: str | None = None,
              constrained: bool = False) -> list[str]:
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
        order = NPA_ORDER_SMALL
    elif moments <= SCHUR_LIMIT:
        order = NPA_ORDER_MEDIUM
    else:
        order = NPA_ORDER_LARGE
    memory = available_memory()
    names = [name for name in order if name in present and applicable(name, constrained)
             and npa_memory(pattern_size, moments, name) <= memory]
    if not names:
        raise SolverFailed("none", "not installed", "install an SDP solver: pip install cvxopt sdpa-python scs")
    return names


def solve(relaxation: Any, solver: str | None = None,
          progress: Callable[[dict[str, Any]], None] | None = None) -> Solution:
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
        if name == ssnal.NAME:
            return ssnal.solve_npa(relaxation, progress)
        if name == cvxopt.NAME:
            return cvxopt.solve_npa(relaxation, progress)
        if name == sdpa.NAME:
            return sdpa.solve_npa(relaxation, threads)
        backend = BACKENDS[name]
        return solve_through_cvxpy(relaxation, name, backend.CVXPY_NAME, backend.OPTIONS, backend.DISTRIBUTION)


def clarabel_chosen(solver: str | None) -> bool:
    """Whether the registry picks Clarabel for a small SDP (then clarabel_direct may take it)."""
    return choose_solver(solver, 0) == "clarabel"


def solve_problem(problem: Any, solver: str | None = None, what: str = "SDP", tight: bool = False, size: int = 0,
                  polish: bool = True) -> tuple[str, str]:
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
