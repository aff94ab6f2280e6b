"""One BLAS thread while a solver runs: the thread count is part of the numerical path.

Shared by every backend (certify.bounds.solvers.solve enters it around each NPA
solve, the see-saw around its steps).
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable
from typing import Any, Literal


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
        """Limit the loaded BLAS libraries to one thread; the count (1) is what SDPA is given."""
        self._limit = None
        controller = _blas_controller()
        if controller is not None:
            self._limit = controller.limit(limits=1, user_api="blas")
        return 1

    def __exit__(self, *exc: object) -> Literal[False]:
        """The original limits back; exceptions propagate."""
        if self._limit is not None:
            self._limit.restore_original_limits()
        return False


def _blas_controller() -> Any:
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
def _controller_for(module_count: int, make: Callable[[], Any]) -> Any:
    """make(), remembered while the number of imported modules stays ``module_count``."""
    return make()
