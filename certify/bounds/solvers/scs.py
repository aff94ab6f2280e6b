"""SCS (O'Donoghue, Chu, Parikh and Boyd), a first-order splitting method, through cvxpy.

The default for the SDPs built in cvxpy from LARGE up, and for NPA next after
ssnal above SCHUR_LIMIT moments: one iteration costs a projection onto the PSD
cone, with no dense KKT block, so it keeps going where the interior-point
solvers run out of memory, at the price of many iterations.
"""

from __future__ import annotations

from .status import CVXPY_STATUS

NAME = "scs"
MODULE = "scs"  # the Python module, looked up without importing it
DISTRIBUTION = "scs"
CVXPY_NAME = "SCS"
# eps 1e-8: at SCS's default (1e-4) NPA values are off in the fourth digit
# (README, certify quantum section); with acceleration (SCS 3's default) random 2-output
# games at level 2 with n = 109 and 193 converge in 2000-5000 iterations.
OPTIONS = {"eps_abs": 1e-8, "eps_rel": 1e-8, "max_iters": 100000}
DESCRIPTION = "first order; the default from LARGE up, and for NPA next after ssnal above SCHUR_LIMIT moments"
# Tight tolerances for the small SDPs built in cvxpy (see-saw steps, correlator bounds),
# whose answers are rounded to exact certificates.
TIGHT = {"eps_abs": 1e-10, "eps_rel": 1e-10, "max_iters": 200000}

# SCS reaches certify only through cvxpy, which maps SCS's own statuses ("solved",
# "solved inaccurate", "infeasible", ...) onto its own: those are the statuses certify sees.
STATUS = CVXPY_STATUS
