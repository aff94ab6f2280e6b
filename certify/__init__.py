"""certify: certified bounds for two-player non-local games.

Pipeline (one folder a step): certify.games (problem files -> Game) ->
certify.bounds (methods that find numbers) -> certify.proofs (the exact checker,
which never imports bounds) -> certify.report (Result, JSON, tables);
certify.scheduling is the dual-work application. The functions below are the
Python API that the command line wraps (see certify.api).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("certify")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

from .api import (  # noqa: E402
    cite,
    classical,
    convert,
    frontier,
    game_from_arrays,
    gap,
    load,
    nosignal,
    quantum,
    seesaw,
    simulate,
    verify,
)

__all__ = [
    "cite", "classical", "convert", "frontier", "game_from_arrays", "gap", "load", "nosignal", "quantum", "seesaw", "simulate",
    "verify", "__version__",
]
