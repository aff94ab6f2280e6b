"""certify: certified bounds for two-player non-local games.

Pipeline (one folder a step): certify.games (problem files -> Game) ->
certify.bounds (methods that find numbers, and the Result record they return) ->
certify.proofs (the exact checker, which never imports bounds) -> certify.report (JSON,
tables); certify.scheduling is the dual-work application. The functions below are the
Python API that the command line wraps (see certify.api).

The API is imported on first use (PEP 562): importing any submodule runs this file first,
and an eager ``from .api import ...`` here would load the API (and what it imports) into
every part of the package, the checker and the report renderers included.
"""

from typing import Any

from .version import __version__

_API = ("cite", "classical", "convert", "frontier", "game_from_arrays", "gap", "load", "nosignal", "quantum",
        "seesaw", "simulate", "verify")

__all__ = [*_API, "__version__"]


def __getattr__(name: str) -> Any:
    """certify.load, certify.classical, ...: the function of certify.api, imported when first named."""
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The API's names beside the module's own, for dir(certify) and tab completion."""
    return sorted({*globals(), *_API})
