"""The few statuses certify gives a solve, whatever the solver said (the pattern of cvxpy/settings.py).

Every backend module maps its solver's own statuses onto these in a table
``STATUS`` of its own; only ``optimal`` and ``inaccurate`` answers are ever
turned into a bound (and an inaccurate one only when its certificate is
tight, certify.bounds.npa). ``ADVICE`` says what to try next for the others.
"""

from __future__ import annotations

OPTIMAL, INACCURATE, INFEASIBLE, UNBOUNDED, FAILED = "optimal", "inaccurate", "infeasible", "unbounded", "failed"
STATUSES = (OPTIMAL, INACCURATE, INFEASIBLE, UNBOUNDED, FAILED)

# The statuses cvxpy reports for any solver it runs (cvxpy/settings.py; cvxpy maps each
# solver's own statuses onto them), as certify's. Clarabel, SCS and MOSEK reach certify
# through cvxpy, so this is their map there.
CVXPY_STATUS = {
    "optimal": OPTIMAL,
    "optimal_inaccurate": INACCURATE,
    "infeasible": INFEASIBLE,
    "infeasible_inaccurate": INFEASIBLE,
    "unbounded": UNBOUNDED,
    "unbounded_inaccurate": UNBOUNDED,
    "infeasible_or_unbounded": FAILED,
    "user_limit": FAILED,
    "solver_error": FAILED,
}

ADVICE = {
    INACCURATE: "the solver stopped short of its tolerance; try --solver cvxopt, clarabel or mosek, or a lower --level",
    INFEASIBLE: "the relaxation has no feasible point: check the constraint values (--fix); no quantum behaviour meets them",
    UNBOUNDED: "the relaxation is unbounded, which a valid game cannot be; please report it",
    FAILED: "the solver gave up; try another --solver (clarabel, scs, mosek) or a lower --level",
}


def collapse(status: str | None) -> str:
    """cvxpy's statuses -> optimal / inaccurate / infeasible / unbounded / failed (None, before a
    solve, and any status cvxpy may add later are failures)."""
    return CVXPY_STATUS.get(status, FAILED) if status is not None else FAILED
