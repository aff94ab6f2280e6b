"""Native solver output goes to stderr: fd 1 stays free for `--json -`.

Shared by every backend (certify.bounds.solvers.solve, solve_problem and the
see-saw's threads).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any


_NATIVE_LOCK = threading.Lock()
_native: dict[str, Any] = {"depth": 0, "saved": None}


@contextlib.contextmanager
def native_output_to_stderr() -> Iterator[None]:
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


def _redirect_stdout_descriptor() -> int | None:
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


def _flush_c_stdio() -> None:
    """fflush(NULL): libc's buffered output written out now (no-op where libc is not found)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).fflush(None)
