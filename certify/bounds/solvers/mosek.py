"""MOSEK (commercial interior point) through cvxpy: preferred when installed.

Not a dependency; ``installed`` finds it when its Python module is present
(and a licence then decides whether it runs).
"""

from __future__ import annotations

from typing import Any

from .status import CVXPY_STATUS

NAME = "mosek"
MODULE = "mosek"  # the Python module, looked up without importing it
DISTRIBUTION = "mosek"
CVXPY_NAME = "MOSEK"
OPTIONS: dict[str, Any] = {}
DESCRIPTION = "commercial interior point; preferred when installed"
TIGHT: dict[str, Any] = {}  # MOSEK's defaults are tight enough for the small SDPs (none measured otherwise)

# MOSEK reaches certify only through cvxpy, which maps MOSEK's solution statuses onto its
# own: those are the statuses certify sees.
STATUS = CVXPY_STATUS
