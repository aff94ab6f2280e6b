"""One cell of a scan: a pure function of its parameters, run on a Dask worker.

A cell is its problem mapping and its frontier options (certify.scheduling.scan.grid).
``cell_frontier`` runs the plain frontier, or the noisy one (Werner pairs) when
the options set one of its own parameters; ``run_cell`` turns the outcome into
data a Dask future can carry back: the frontier document, or certify's own
(deterministic) error, so that only an unexpected exception is retried.
"""

from __future__ import annotations

import inspect
import json
import os
import tempfile
import time
from typing import Any, Callable

from ...errors import BadInput, CertifyError
from .grid import ALIASES, frontier_functions

def cell_frontier(problem: dict, options: dict, label: str = "cell") -> Any:
    """The frontier of one cell's problem mapping (a Frontier).

    The plain frontier, or the noisy one (Werner pairs) when the options set
    one of its own parameters; ``visibility`` = V stands for visibilities =
    [V], each visibility read exactly as written ("0.8" is 4/5).
    """
    with problem_file(problem) as path:
        try:
            function, options = resolved_options(path, options)
            return function(path, None, jobs=1, **options)
        except BadInput as error:
            raise BadInput(label, error.key, error.message) from None


class problem_file:
    """A cell's problem mapping as a private temporary JSON file (the frontier and the link
    model load their problem by path; workers need no shared file system)."""

    def __init__(self, problem: dict) -> None:
        self.problem = problem

    def __enter__(self) -> str:
        handle, self.path = tempfile.mkstemp(prefix="certify-cell-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(self.problem, stream)
        return self.path

    def __exit__(self, *exc) -> None:
        os.unlink(self.path)


def resolved_options(path: str, options: dict) -> tuple[Callable[..., Any], dict]:
    """(frontier function, its keyword options) for a cell's options, its problem at ``path``.

    Aliases become the frontier's parameters, visibilities and supply exact
    rationals as written; ``link = true`` takes supply and visibility from
    the problem's [link] table (its operating point at the model's load).
    """
    from ...bounds.noise import supply_value, visibility_value
    from ..noise import link_operating_point

    plain, noisy = frontier_functions()
    options = dict(options)
    for alias, name in ALIASES.items():
        if alias in options:
            options[name] = [options.pop(alias)]
    if "visibilities" in options:
        options["visibilities"] = [visibility_value(str(v), "visibility") for v in options["visibilities"]]
    if "supply" in options:
        options["supply"] = supply_value(str(options["supply"]), "supply")
        options.setdefault("visibilities", [visibility_value("1")])  # rationed perfect pairs, as pareto --supply
    link = options.pop("link", False)
    own = set(inspect.signature(noisy).parameters) - set(inspect.signature(plain).parameters)
    function = noisy if link or own & set(options) else plain
    if link:
        if "supply" in options or "visibilities" in options:
            raise BadInput(None, "link", "the link gives the supply and visibility; drop supply/visibility")
        _, options["supply"], visibility = link_operating_point(path)
        options["visibilities"] = [visibility]
    return function, options


def run_cell(cell: dict) -> dict:
    """Compute one cell: {"id", "status": "done", "document"} or {"id", "status": "failed", "error", "message"}.

    Certify's errors (bad parameters, solver trouble, a failed certificate)
    are deterministic and come back as data; anything else is raised, for
    Dask to retry.
    """
    from ..noise import noisy_frontier_json

    start = time.perf_counter()
    label = f"cell {cell['id']}"
    try:
        result = cell_frontier(cell["problem"], cell["options"], label)
    except CertifyError as error:
        return {"id": cell["id"], "status": "failed", "error": type(error).__name__, "message": str(error),
                "seconds": time.perf_counter() - start}
    options = {"cell": cell["id"], "parameters": cell["parameters"], **cell["options"]}
    return {"id": cell["id"], "status": "done", "document": noisy_frontier_json(result, options),
            "seconds": time.perf_counter() - start}
