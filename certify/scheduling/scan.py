"""Scans: the dual-work frontier over a grid of model parameters, on Dask.

A scan file names a base problem (a dual-work model file) and axes over
its parameters. Every combination of axis values is a *cell*; a cell is a
pure function of its parameters (the resolved problem mapping and the
frontier options): it runs the certified frontier (certify.scheduling.frontier)
and yields the frontier document, verifiable by ``certify verify``, and a
summary row:

* the largest certified waiting reduction at equal throughput, relative
  (1 - W_q / W_c) and absolute (W_c - W_q), each with the split p where it
  is reached (W_c is the exact classical minimum at p, W_q the exact W of an
  explicit quantum strategy meeting p exactly; at equal p the throughput
  Theta(p) is equal);
* the largest throughput gain at equal waiting, Theta(p_q)/Theta(p_c) - 1,
  where p_c is the least split at which the exact classical frontier reaches
  the quantum strategy's W (the frontier module's summary);
* the flags: every certificate passed its exact check ("certified"), and a
  certified advantage exists somewhere on the split grid.

Scan file (TOML or JSON)::

    name = "loads"
    problem = "dual_work"            # bundled name or a path (relative to this file)
    [model]                          # overrides of the base [model] table, every cell
    throughput = {family = "power", alpha = 0.8}
    [options]                        # frontier options, every cell
    points = 11
    level = "none"
    [axes]                           # the grid: every combination of these
    arrival_rate = [0.01, 0.1, 0.5]                    # a list of values ...
    "throughput.alpha" = {from = 0.2, to = 3, count = 5}   # ... or a range (spacing = "log" too)
    thresholds = [[1.0], [0.5, 2.0]]
    law = [                          # an axis under a free name: each value a table
      {label = "exp", sizes = "exponential"},          # of keys to set together
      {label = "logn s=2", sizes = "lognormal", sigma = 2.0},
    ]

An axis key is a key of the [model] table (dotted into a table value such as
``throughput.alpha``) or a frontier option (the keyword parameters of
``frontier`` and ``noisy_frontier``, e.g. points, level, critical, supply,
and ``visibility`` for one Werner visibility; ``link = true`` takes supply and
visibility from the problem's [link] table, whose keys are axes as
``link.rate``); any other name makes a bundle axis
whose values are tables of such keys. New model keys and frontier parameters
become axes without any change here. A cell's options are the ones the scan
sets; the frontier's defaults fill in the rest.

Execution is Dask's (dask.distributed): ``Client.submit`` per cell with
Dask's ``retries``, ``as_completed`` on the client. A worker process that
dies mid-cell has its task rescheduled by the Dask scheduler. Certify's own
errors in a cell (bad parameters, solver trouble) are deterministic, so the
cell returns them as data and is recorded as failed at once; any other
exception is retried by Dask and then recorded. The client writes every
finished cell atomically to ``DIR/cells/<id>.json`` (id: the first 16 hex
digits of the SHA-256 of the cell's canonical parameters), a failed one to
``DIR/cells/<id>.failed.json``; re-running skips the cells whose document is
trusted (failed cells are tried again), so a killed client loses only the
cells in flight. ``DIR/results.csv`` is the table of all recorded cells,
rewritten atomically at the end of every run.

A cell file is trusted, by the resume logic, the table and ``scan --report``
alike, only when the checker of ``certify verify`` accepts it and it is the
frontier of the cell it is filed under (``check_cell``): the grid is generated
again from the definition that scan.json carries (``scan_from_json``), and the
document's game, model, options and noise settings must be the ones that
cell's parameters generate. Any other file is reported as a failed cell,
moved to ``DIR/rejected/`` by the next run and computed again.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import inspect
import io
import itertools
import json
import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BadInput, CertifyError
from ..games.game import read_mapping, resolve
from ..report.results import write_json, write_text

SCAN_KEYS = {"name", "description", "problem", "model", "link", "options", "axes"}
RANGE_KEYS = {"from", "to", "count", "spacing"}
MAX_CELLS = 100_000  # a scan file's grid is expanded in memory; raise here for a larger grid
MAX_AXIS_VALUES = 10_000
# Frontier parameters that are not cell options: the problem (the cell's own
# mapping), the throughput override (a [model] key in a scan), local
# processes and the progress callback (the scan's business).
_NOT_OPTIONS = {"problem", "throughput", "jobs", "progress"}


def model_keys():
    from ..games.dualwork import MODEL_KEYS

    return set(MODEL_KEYS)


# Scan options that stand for a frontier parameter in another form:
# visibility = V is one Werner visibility, visibilities = [V].
ALIASES = {"visibility": "visibilities"}


def _frontier_functions():
    """The frontier functions a cell may call: the plain one first, then the noisy one (Werner pairs)."""
    from .frontier import frontier
    from .noise import noisy_frontier

    return [frontier, noisy_frontier]


def frontier_options():
    """Frontier keyword parameters a scan may set, with their defaults.

    The keyword parameters of ``frontier`` and of ``noisy_frontier`` (a cell
    that sets one of the latter's own runs the noisy frontier), plus the
    aliases. A parameter that is also a [model] key (arrival_rate, say) is
    set in the cell's [model] table instead, so each parameter has one place
    in a cell.
    """
    models = model_keys()
    options = {}
    for function in _frontier_functions():
        for name, parameter in inspect.signature(function).parameters.items():
            if name in _NOT_OPTIONS or name in models or parameter.default is inspect.Parameter.empty:
                continue
            options.setdefault(name, parameter.default)
    for alias, name in ALIASES.items():
        if name in options:
            options[alias] = None
    options["link"] = False  # supply and visibility from the problem's [link] table (pareto --link)
    return options


# ---------------------------------------------------------------------------
# The scan file


@dataclass(frozen=True)
class Cell:
    """One grid point: axis labels, the full problem mapping and the frontier options."""

    index: int
    parameters: dict  # axis key -> value label (scalars as they are)
    problem: dict
    options: dict

    @property
    def id(self):
        return cell_id(self.problem, self.options)

    def to_json(self):
        return {"id": self.id, "index": self.index, "parameters": self.parameters,
                "problem": self.problem, "options": self.options}


@dataclass
class Axis:
    key: str
    values: list  # [(label, {assigned key: value})]


@dataclass
class Scan:
    name: str
    description: str
    source: str
    problem: str
    base: dict  # the base problem mapping with the scan's [model] overrides
    options: dict
    axes: list
    cells: list = field(default_factory=list)

    def to_json(self):
        """scan.json: the grid's definition (enough to generate every cell again) and its cells."""
        return {
            "name": self.name, "description": self.description, "source": self.source,
            "problem": self.problem,
            "axes": [{"key": axis.key, "values": [label for label, _ in axis.values]} for axis in self.axes],
            "definition": {
                "base": self.base, "options": self.options,
                "axes": [{"key": axis.key, "values": [{"label": label, "settings": settings}
                                                      for label, settings in axis.values]}
                         for axis in self.axes],
            },
            "cells": [{"id": cell.id, "index": cell.index, "parameters": cell.parameters} for cell in self.cells],
        }


def canonical_json(data):
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False, default=str)


def cell_id(problem, options):
    """First 16 hex digits of the SHA-256 of the cell's canonical parameters."""
    return hashlib.sha256(canonical_json({"problem": problem, "options": options}).encode()).hexdigest()[:16]


def _label(value):
    if isinstance(value, (bool, int, float, str)):
        return value
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _range(table, source, key):
    for name in table:
        if name not in RANGE_KEYS:
            raise BadInput(source, f"{key}.{name}", f"unknown key of a range (allowed: {', '.join(sorted(RANGE_KEYS))})")
    for name in ("from", "to", "count"):
        if name not in table:
            raise BadInput(source, f"{key}.{name}", "missing (a range is {from, to, count[, spacing]})")
    low, high, count = table["from"], table["to"], table["count"]
    for name, value in (("from", low), ("to", high)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BadInput(source, f"{key}.{name}", f"expected a finite number, got {_short(value)}")
        # compared as given (an int of 400 digits is not converted to a float first)
        if isinstance(value, float) and not math.isfinite(value) or not -MAX_RANGE_END <= value <= MAX_RANGE_END:
            raise BadInput(source, f"{key}.{name}", f"{_short(value)} is outside the limit of a range's ends, "
                                                    f"[-{MAX_RANGE_END:g}, {MAX_RANGE_END:g}] "
                                                    "(certify.scheduling.scan.MAX_RANGE_END)")
    low, high = float(low), float(high)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_AXIS_VALUES:
        raise BadInput(source, f"{key}.count", f"expected an integer from 1 to {MAX_AXIS_VALUES} "
                                               f"(certify.scheduling.scan.MAX_AXIS_VALUES), got {_short(count)}")
    if count == 1 and low != high:
        raise BadInput(source, f"{key}.count", "a range from one value to another needs count >= 2")
    spacing = table.get("spacing", "linear")
    if spacing not in ("linear", "log"):
        raise BadInput(source, f"{key}.spacing", f"expected 'linear' or 'log', got {spacing!r}")
    if spacing == "log" and not (low > 0 and high > 0):
        raise BadInput(source, f"{key}.from", "a log range needs positive ends")
    if count == 1:
        return [low]
    values = []
    for i in range(count):
        t = i / (count - 1)
        # convex combinations (of the ends, or of their logarithms): never beyond the ends, so
        # no overflow however far apart they are (high - low or high / low could overflow)
        if spacing == "log":
            v = math.exp((1 - t) * math.log(low) + t * math.log(high)) if 0 < i < count - 1 else (low, high)[i > 0]
        else:
            v = (1 - t) * low + t * high
        values.append(float(f"{v:.12g}"))
    return values


MAX_RANGE_END = 1e12  # a range's ends, in absolute value: every parameter of the model lies far inside


def _short(value):
    """A value quoted in an error message, shortened (a 400-digit integer is not printed whole)."""
    from ..games.limits import shorten

    return shorten(repr(value))


def _finite(value, source, where):
    """Refuse what a cell's JSON cannot hold: a non-finite number (TOML inf, nan, 1e400).

    Every value of a scan file ends in cell ids, scan.json and cell documents,
    all JSON; NaN and infinity are not JSON, and no model parameter is infinite.
    """
    if isinstance(value, float) and not math.isfinite(value):
        raise BadInput(source, where, f"expected a finite number, got {value!r}")
    if isinstance(value, dict):
        for name, item in value.items():
            _finite(item, source, f"{where}.{name}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _finite(item, source, f"{where}[{index}]")
    elif not isinstance(value, (bool, int, float, str)) and value is not None:
        raise BadInput(source, where, f"expected a number, string, list or table, got {type(value).__name__}")


def _link_keys():
    from .noise import LINK_KEYS

    return set(LINK_KEYS)


def _check_key(key, source, where, models, options):
    head = key.split(".", 1)[0]
    if key.startswith("link."):
        if key.split(".", 1)[1] not in _link_keys():
            raise BadInput(source, where, f"not a [link] key (link keys: {', '.join(sorted(_link_keys()))})")
        return
    if head not in models and key not in options:
        raise BadInput(source, where, f"not a [model] key or a frontier option (model keys: {', '.join(sorted(models))}; "
                                      f"options: {', '.join(sorted(options))})")


def _assign(problem, options, key, value, source, where, defaults):
    if key in defaults:
        options[key] = value
        return
    if key.startswith("link."):
        problem.setdefault("link", {})[key.split(".", 1)[1]] = copy.deepcopy(value)
        return
    model = problem["model"]
    parts = key.split(".")
    table = model
    for part in parts[:-1]:
        child = table.get(part)
        if child is None:
            child = table[part] = {}
        if not isinstance(child, dict):
            raise BadInput(source, where, f"model.{part} is {child!r}, not a table; set it to a table in the scan's [model]")
        table = child
    table[parts[-1]] = copy.deepcopy(value)


def _check_option(key, value, source, where):
    """Known frontier options are checked here; others by the frontier, per cell."""
    if key == "points" and (isinstance(value, bool) or not isinstance(value, int) or value < 2):
        raise BadInput(source, where, f"expected an integer >= 2, got {value!r}")
    if key == "level":
        if value is None or str(value).strip().lower() == "none":
            return
        from ..proofs.npa import parse_level

        try:
            parse_level(str(value))
        except BadInput as error:
            raise BadInput(source, where, error.message) from None
    if key in ("seesaw", "critical", "link") and not isinstance(value, bool):
        raise BadInput(source, where, f"expected true or false, got {value!r}")
    if key in ("visibility", "supply"):
        from ..bounds.noise import supply_value, visibility_value

        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise BadInput(source, where, f"expected a number in [0, 1], got {value!r}")
        try:
            (visibility_value if key == "visibility" else supply_value)(str(value), where)
        except BadInput as error:
            raise BadInput(source, where, error.message) from None


def _option_value(key, value):
    if key == "level" and value is not None and str(value).strip().lower() == "none":
        return None
    if key == "level" and value is not None:
        return str(value)
    return value


def load_scan(path):
    """Validate a scan file -> Scan with its cells (BadInput naming file and key)."""
    source = str(path)
    data = read_mapping(path)
    for key in data:
        if key not in SCAN_KEYS:
            raise BadInput(source, key, f"unknown key (allowed: {', '.join(sorted(SCAN_KEYS))})")
        _finite(data[key], source, key)
    name = data.get("name", Path(source).stem)
    if not isinstance(name, str) or not name:
        raise BadInput(source, "name", "expected a non-empty string")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise BadInput(source, "description", "expected a string")
    problem = data.get("problem", "dual_work")
    if not isinstance(problem, str) or not problem:
        raise BadInput(source, "problem", "expected a problem file or bundled name")
    relative = Path(source).parent / problem
    try:
        problem_path = relative if relative.is_file() else resolve(problem, "problem")
    except BadInput as error:
        raise BadInput(source, "problem", error.message) from None
    base = read_mapping(problem_path)
    if not isinstance(base.get("model"), dict):
        raise BadInput(source, "problem", f"'{problem}' is not a model file (no [model] table)")
    models = model_keys()
    defaults = frontier_options()

    overrides = data.get("model", {})
    if not isinstance(overrides, dict):
        raise BadInput(source, "model", "expected a table of [model] keys")
    base = copy.deepcopy(base)
    base_options = {}  # only what the scan sets: a cell's id does not move when a default is added
    for key, value in overrides.items():
        if key not in models:
            raise BadInput(source, f"model.{key}", f"unknown key (allowed: {', '.join(sorted(models))})")
        base["model"][key] = copy.deepcopy(value)
    link = data.get("link", {})
    if not isinstance(link, dict):
        raise BadInput(source, "link", "expected a table of [link] keys (the link model's, checked per cell)")
    for key in link:
        if key not in _link_keys():
            raise BadInput(source, f"link.{key}", f"unknown key (allowed: {', '.join(sorted(_link_keys()))})")
    if link:
        base.setdefault("link", {}).update(copy.deepcopy(link))
    options = data.get("options", {})
    if not isinstance(options, dict):
        raise BadInput(source, "options", "expected a table of frontier options")
    for key, value in options.items():
        if key not in defaults:
            raise BadInput(source, f"options.{key}", f"unknown option (allowed: {', '.join(sorted(defaults))})")
        _check_option(key, value, source, f"options.{key}")
        base_options[key] = _option_value(key, value)

    table = data.get("axes")
    if not isinstance(table, dict) or not table:
        raise BadInput(source, "axes", "expected a table with at least one axis")
    axes = []
    assigned = {}
    for key, spec in table.items():
        where = f"axes.{key}"
        if isinstance(spec, dict):
            values = _range(spec, source, where)
        elif isinstance(spec, list):
            values = spec
        else:
            raise BadInput(source, where, f"expected a list of values or a range {{from, to, count}}, got {spec!r}")
        if not values:
            raise BadInput(source, where, "expected at least one value")
        if len(values) > MAX_AXIS_VALUES:
            raise BadInput(source, where, f"{len(values)} values, more than the limit {MAX_AXIS_VALUES}")
        if key.startswith("link."):
            _check_key(key, source, where, models, defaults)
        is_key = key.split(".", 1)[0] in models or key in defaults or key.startswith("link.")
        entries = []
        for index, value in enumerate(values):
            at = f"{where}[{index}]"
            if is_key:
                if key in defaults:
                    _check_option(key, value, source, at)
                    value = _option_value(key, value)
                entries.append((_label(value), {key: value}))
                continue
            if not isinstance(value, dict) or not value:
                raise BadInput(source, at, f"'{key}' is not a [model] key or frontier option, so each value must be "
                                           "a table of keys to set together (a bundle)")
            label = value.get("label")
            settings = {k: v for k, v in value.items() if k != "label"}
            if label is not None and not isinstance(label, str):
                raise BadInput(source, f"{at}.label", "expected a string")
            for setting_key, setting in settings.items():
                _check_key(setting_key, source, f"{at}.{setting_key}", models, defaults)
                if setting_key in defaults:
                    _check_option(setting_key, setting, source, f"{at}.{setting_key}")
                    settings[setting_key] = _option_value(setting_key, setting)
            entries.append((label if label is not None else _label(settings), settings))
        labels = [label for label, _ in entries]
        if len(set(map(canonical_json, labels))) != len(labels):
            raise BadInput(source, where, "two values have the same label")
        for setting in sorted({setting for _, settings in entries for setting in settings}):
            if setting in assigned:
                raise BadInput(source, where, f"'{setting}' is also set by axis '{assigned[setting]}'")
            assigned[setting] = key
        axes.append(Axis(key, entries))
    _check_count(axes, source, "axes")
    _finite(base, source, "problem")  # the base problem file's own numbers, too, end in JSON
    return expand(Scan(name, description, source, problem, base, base_options, axes), "axes")


def _check_count(axes, source, key):
    count = math.prod(len(axis.values) for axis in axes)
    if count > MAX_CELLS:
        raise BadInput(source, key, f"{count} cells, more than the limit {MAX_CELLS} (certify.scheduling.scan.MAX_CELLS)")


def expand(scan, key="axes", source=None):
    """The scan with its cells: every combination of its axes' values, in grid order.

    The one expansion for a scan file and for its scan.json (``scan_from_json``):
    a cell's problem mapping and options, hence its id, are a function of the
    definition (base mapping, options, axes) alone.
    """
    defaults = frontier_options()
    scan.cells = []
    for index, combination in enumerate(itertools.product(*(axis.values for axis in scan.axes))):
        problem_map = copy.deepcopy(scan.base)
        cell_options = dict(scan.options)
        parameters = {}
        for axis, (label, settings) in zip(scan.axes, combination):
            parameters[axis.key] = label
            for setting_key, value in settings.items():
                _assign(problem_map, cell_options, setting_key, value, source or scan.source, f"{key}.{axis.key}",
                        defaults)
        scan.cells.append(Cell(index, parameters, problem_map, cell_options))
    ids = [cell.id for cell in scan.cells]
    if len(set(ids)) != len(ids):
        raise BadInput(source or scan.source, key, "two cells have the same parameters")
    return scan


def scan_from_json(data, source):
    """The Scan a scan.json describes, its cells generated again from its definition.

    scan.json is read as untrusted input: its definition (base problem
    mapping, options, axes with each value's label and settings) is checked
    as a scan file's is, the grid is expanded by ``expand`` (the same code as
    for the scan file), and the cell list it carries must be exactly that
    grid, so that no label can be moved to another cell's parameters. Any
    other content is BadInput naming the file and the key.
    """
    if not isinstance(data, dict):
        raise BadInput(source, None, "not a scan.json written by certify scan (expected a JSON object)")
    for key in ("name", "axes", "cells"):
        if key not in data:
            raise BadInput(source, key, "missing: not a scan.json written by certify scan")
    if "definition" not in data:
        raise BadInput(source, "definition", "missing: written by an older certify, or not by certify scan; "
                                             "run certify scan on the scan file again (cells that verify are kept)")
    name, description = data["name"], data.get("description", "")
    if not isinstance(name, str) or not name:
        raise BadInput(source, "name", "expected a non-empty string")
    for key in ("description", "source", "problem"):
        if not isinstance(data.get(key, ""), str):
            raise BadInput(source, key, "expected a string")
    definition = data["definition"]
    if not isinstance(definition, dict) or set(definition) != {"base", "options", "axes"}:
        raise BadInput(source, "definition", "expected a table with exactly base, options and axes")
    _finite(definition, source, "definition")
    base, options, table = definition["base"], definition["options"], definition["axes"]
    if not isinstance(base, dict) or not isinstance(base.get("model"), dict):
        raise BadInput(source, "definition.base", "expected a problem mapping with a [model] table")
    models, defaults = model_keys(), frontier_options()
    if not isinstance(options, dict):
        raise BadInput(source, "definition.options", "expected a table of frontier options")
    for key, value in options.items():
        if key not in defaults:
            raise BadInput(source, f"definition.options.{key}", f"unknown option (allowed: {', '.join(sorted(defaults))})")
        _check_option(key, value, source, f"definition.options.{key}")
    if not isinstance(table, list) or not table:
        raise BadInput(source, "definition.axes", "expected a list of at least one axis")
    axes, assigned = [], {}
    for index, axis in enumerate(table):
        where = f"definition.axes[{index}]"
        if not isinstance(axis, dict) or set(axis) != {"key", "values"} or not isinstance(axis["key"], str) \
                or not isinstance(axis["values"], list) or not axis["values"]:
            raise BadInput(source, where, "expected {key, values} with a non-empty list of values")
        if len(axis["values"]) > MAX_AXIS_VALUES:
            raise BadInput(source, f"{where}.values", f"{len(axis['values'])} values, more than the limit {MAX_AXIS_VALUES}")
        entries = []
        for number, entry in enumerate(axis["values"]):
            at = f"{where}.values[{number}]"
            if not isinstance(entry, dict) or set(entry) != {"label", "settings"} \
                    or not isinstance(entry["settings"], dict) or not entry["settings"] \
                    or not isinstance(entry["label"], (bool, int, float, str)):
                raise BadInput(source, at, "expected {label, settings} with a plain label and a table of settings")
            for key, value in entry["settings"].items():
                _check_key(key, source, f"{at}.settings.{key}", models, defaults)
                if key in defaults:
                    _check_option(key, value, source, f"{at}.settings.{key}")
            entries.append((entry["label"], entry["settings"]))
        if len(set(map(canonical_json, (label for label, _ in entries)))) != len(entries):
            raise BadInput(source, where, "two values have the same label")
        for setting in sorted({setting for _, settings in entries for setting in settings}):
            if setting in assigned:
                raise BadInput(source, where, f"'{setting}' is also set by axis '{assigned[setting]}'")
            assigned[setting] = axis["key"]
        axes.append(Axis(axis["key"], entries))
    _check_count(axes, source, "definition.axes")
    scan = expand(Scan(name, description, data.get("source", ""), data.get("problem", ""), base, options, axes),
                  "definition.axes", source)
    listed = scan.to_json()
    for key in ("axes", "cells"):
        if canonical_json(data[key]) != canonical_json(listed[key]):
            raise BadInput(source, key, "not the grid that the file's definition generates (the file was edited); "
                                        "run certify scan on the scan file again")
    return scan


def load_folder(directory):
    """The Scan of a scan folder (its scan.json, ``scan_from_json``); BadInput for anything else."""
    directory = Path(directory)
    path = directory / "scan.json"
    if not path.is_file():
        raise BadInput(None, "--report", f"'{directory}' holds no scan (no scan.json): run certify scan first")
    return scan_from_json(read_mapping(path), str(path))


# ---------------------------------------------------------------------------
# One cell (runs on a Dask worker; a pure function of its parameters)


def cell_frontier(problem, options, label="cell"):
    """The frontier of one cell's problem mapping (a Frontier).

    The plain frontier, or the noisy one (Werner pairs) when the options set
    one of its own parameters; ``visibility`` = V stands for visibilities =
    [V], each visibility read exactly as written ("0.8" is 4/5).
    """
    with _problem_file(problem) as path:
        try:
            function, options = _resolved(path, options)
            return function(path, None, jobs=1, **options)
        except BadInput as error:
            raise BadInput(label, error.key, error.message) from None


class _problem_file:
    """A cell's problem mapping as a private temporary JSON file (the frontier and the link
    model load their problem by path; workers need no shared file system)."""

    def __init__(self, problem: dict):
        self.problem = problem

    def __enter__(self) -> str:
        handle, self.path = tempfile.mkstemp(prefix="certify-cell-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(self.problem, stream)
        return self.path

    def __exit__(self, *exc) -> None:
        os.unlink(self.path)


def _resolved(path: str, options: dict):
    """(frontier function, its keyword options) for a cell's options, its problem at ``path``.

    Aliases become the frontier's parameters, visibilities and supply exact
    rationals as written; ``link = true`` takes supply and visibility from
    the problem's [link] table (its operating point at the model's load).
    """
    from ..bounds.noise import supply_value, visibility_value
    from .noise import link_operating_point

    plain, noisy = _frontier_functions()
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


def run_cell(cell):
    """Compute one cell: {"id", "status": "done", "document"} or {"id", "status": "failed", "error", "message"}.

    Certify's errors (bad parameters, solver trouble, a failed certificate)
    are deterministic and come back as data; anything else is raised, for
    Dask to retry.
    """
    from .noise import noisy_frontier_json

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


def summary_row(document):
    """The cell's frontier summary as flat numbers (see the module docstring)."""
    summary, points = document["summary"], document["points"]
    model = document["model"]
    # A frontier with several noise settings has one headline per setting (the noise columns)
    # and none of its own: its single-headline columns stay empty.
    several = len(summary.get("noise", [])) > 1
    nothing = {"value": None, "split": None}
    waiting = summary.get("waiting_reduction", nothing)
    absolute = summary.get("absolute_waiting_reduction")
    if absolute is None and several:
        absolute = nothing
    elif absolute is None:  # a frontier summary without it: the best certified grid point
        best = max((p for p in points if p["advantage_certified"]), key=lambda p: p["advantage"], default=None)
        absolute = {"value": best["advantage"] if best else 0.0, "split": best["split"] if best else None}
    gain = summary.get("throughput_gain", nothing)
    low_high = summary.get("certified_range") or [None, None]
    return {
        "arrival_rate": model["arrival_rate"],
        "load": model["load"],
        "throughput_function": model["throughput"]["text"],
        "sizes": model["sizes"]["kind"],
        "classes": len(model["class_probabilities"]),
        "waiting_reduction": waiting["value"],
        "waiting_reduction_split": waiting["split"],
        "waiting_reduction_upper": waiting.get("upper"),
        "waiting_reduction_absolute": absolute["value"],
        "waiting_reduction_absolute_split": absolute["split"],
        "throughput_gain": gain["value"],
        "throughput_gain_split": gain["split"],
        "throughput_gain_classical_split": gain.get("classical_split"),
        "advantage_certified": bool(document["advantage_certified"]),
        "certified": bool(document["certified"]),
        "certified_from": low_high[0],
        "certified_to": low_high[1],
        "points": len(points),
        **_noise_columns(summary),
    }


def _noise_columns(summary):
    """With Werner pairs: the waiting reduction per visibility; the least critical visibility, if asked."""
    columns = {}
    for entry in summary.get("noise", []):
        suffix = "" if len(summary["noise"]) == 1 else f"_v{entry['visibility_exact']}"
        columns[f"werner_visibility{suffix}"] = entry["visibility"]
        columns[f"supply{suffix}"] = entry.get("supply", 1.0)
        columns[f"waiting_reduction_noisy{suffix}"] = entry["waiting_reduction"]["value"]
        columns[f"waiting_reduction_noisy_split{suffix}"] = entry["waiting_reduction"]["split"]
    critical = summary.get("critical_visibility")
    if critical is not None:
        low, high = critical["least"] if critical["least"] else (None, None)
        columns.update({"critical_visibility_from": low, "critical_visibility_to": high,
                        "critical_visibility_split": critical["split"]})
    return columns


# ---------------------------------------------------------------------------
# Running a scan on Dask


def cell_path(directory, identifier, failed=False):
    return Path(directory) / "cells" / (f"{identifier}.failed.json" if failed else f"{identifier}.json")


@dataclass(frozen=True)
class CellCheck:
    """What a scan folder holds for one cell, after the trusted checker has read it.

    status "done": a document that ``certify verify`` accepts and that is the
    frontier of this very cell (its game, model, options and noise settings
    are the ones the cell's parameters generate); "failed": a failure record,
    or a document that is not that (``rejected``, with the reason); "missing".
    """

    status: str
    document: dict | None = None
    message: str = ""
    rejected: bool = False


_CHECKED = {}  # (cell id, SHA-256 of the cell file's bytes) -> CellCheck: a run and its table read each file once
_EXPECTED = {}  # cell id -> what its document must hold (the id is a hash of the cell's parameters)


def check_cell(directory, cell):
    """The CellCheck of one cell of a scan folder (see CellCheck).

    A cell file is trusted only after two checks: the checker of ``certify
    verify`` (certify.proofs.verify.verify_document, with the dual-work model
    figures) accepts every claim in it, and the frontier it certifies is the
    one filed under this cell: same game (SHA-256 of the exact definition the
    cell's problem mapping generates), same model block (throughput, sizes,
    load), same frontier options, same visibilities and supply. A genuine
    document of another cell (two files swapped) passes the first check and
    fails the second; an edited number fails the first.
    """
    path = cell_path(directory, cell.id)
    if path.exists():
        try:
            from ..games.limits import limit

            if path.stat().st_size > limit("CERTIFY_MAX_FILE_MB") * 2**20:
                return _rejected(f"{path.name} is larger than CERTIFY_MAX_FILE_MB")
            content = path.read_bytes()
        except OSError as error:
            return _rejected(f"{path.name} cannot be read ({error.strerror})")
        key = (cell.id, hashlib.sha256(content).hexdigest())
        if key not in _CHECKED:
            if len(_CHECKED) > 4096:
                _CHECKED.clear()
            _CHECKED[key] = _check_document(path, content, cell)
        return _CHECKED[key]
    failed = cell_path(directory, cell.id, failed=True)
    if failed.exists():
        try:
            record = read_mapping(failed)
            message = f"{record['error']}: {record['message']}"
        except (BadInput, KeyError) as error:
            message = f"{failed.name} is not a failure record ({error})"
        return CellCheck("failed", message=message)
    return CellCheck("missing")


def _rejected(reason):
    from ..games.limits import shorten

    return CellCheck("failed", message=f"cell file rejected: {shorten(reason, 200)}", rejected=True)


def _check_document(path, content, cell):
    """The CellCheck of a cell file's bytes (see check_cell)."""
    from ..proofs.document import parse_document
    from ..proofs.verify import checked_game, first_problem, verify_document
    try:
        data = parse_document(content.decode("utf-8"), str(path))
    except UnicodeDecodeError:
        return _rejected(f"{path.name} is not UTF-8 text")
    except BadInput as error:
        return _rejected(f"{path.name} is not a result document ({error.message})")
    try:
        items = verify_document(data, str(path))
    except CertifyError as error:  # a work limit met while checking: not trusted
        return _rejected(f"{path.name} cannot be verified ({error})")
    problem = first_problem(items)
    if problem is not None:
        return _rejected(f"{path.name} does not verify: {problem}")
    expected = _expected(cell)
    if isinstance(expected, str):
        return _rejected(f"this cell's parameters do not make a frontier ({expected})")
    game = checked_game(items)
    summary = data.get("summary")
    noise = [(entry.get("visibility_exact"), entry.get("supply", 1.0)) for entry in summary.get("noise", [])
             if isinstance(entry, dict)] if isinstance(summary, dict) else None
    if game is None or game.sha256 != expected["sha256"]:
        return _rejected(f"{path.name} certifies another game than this cell's parameters generate")
    if canonical_json(data.get("model")) != expected["model"]:
        return _rejected(f"{path.name} has another model (throughput, sizes or load) than this cell")
    options = data.get("options")
    # the axis labels a document carries are descriptive (the report shows the scan's own); the
    # frontier options, and the cell id they hash to with the problem, are what it computed
    options = {k: v for k, v in options.items() if k != "parameters"} if isinstance(options, dict) else options
    if canonical_json(options) != expected["options"]:
        return _rejected(f"{path.name} has other frontier options than this cell")
    if noise != expected["noise"]:
        return _rejected(f"{path.name} has other visibilities or supply than this cell")
    if "critical_visibility" in summary and not data["options"].get("critical"):
        return _rejected(f"{path.name} reports a critical visibility this cell did not ask for")
    return CellCheck("done", document=data)


def _expected(cell):
    """What the document of a cell must hold, from its parameters alone (a message if they are bad).

    Built by the code that runs the cell: the game and model the problem
    mapping generates (certify.games.game_from_mapping, model_from_table),
    the options run_cell records, and the (visibility, supply) settings
    ``_resolved`` gives the noisy frontier (none for the plain one).
    """
    if cell.id in _EXPECTED:
        return _EXPECTED[cell.id]
    from ..games.game import game_from_mapping
    from ..games.dualwork import model_from_table

    label = f"cell {cell.id}"
    try:
        game = game_from_mapping(copy.deepcopy(cell.problem), label)
        model = model_from_table(copy.deepcopy(cell.problem), label).to_json()
        with _problem_file(cell.problem) as path:
            function, options = _resolved(path, cell.options)
        noise = []
        if function is not _frontier_functions()[0]:
            supply = options.get("supply", 1)
            noise = [(str(v), float(supply)) for v in options.get("visibilities", ())]
        expected = {
            "sha256": game.sha256,
            "model": canonical_json(json.loads(json.dumps(model))),
            "options": canonical_json({"cell": cell.id, **cell.options}),
            "noise": noise,
        }
    except CertifyError as error:
        expected = str(error)
    if len(_EXPECTED) > 4096:
        _EXPECTED.clear()
    _EXPECTED[cell.id] = expected
    return expected


@dataclass
class ScanOutcome:
    total: int
    skipped: int  # finished before this run
    done: int  # finished in this run
    failed: list  # [(cell, message)]
    uncertified: list  # cells whose certificates did not all pass
    seconds: float
    workers: int


def connect(scheduler=None, workers=None):
    """(client, cluster): a client of the scheduler at ADDRESS, or of a new local
    cluster with one single-threaded worker process per core (cluster is None
    for an existing scheduler; close both when done)."""
    import logging

    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="20s"), None
        except (OSError, TimeoutError, ValueError) as error:
            raise BadInput(None, "--scheduler", f"cannot connect to {scheduler}: {error}") from None
    count = workers or os.cpu_count() or 1
    cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=logging.ERROR)
    return Client(cluster), cluster


def _failure_record(cell, error, message):
    return {"id": cell.id, "index": cell.index, "parameters": cell.parameters, "problem": cell.problem,
            "options": cell.options, "status": "failed", "error": error, "message": message}


def _running(client, keys):
    """How many of our tasks the workers are processing now (None if the scheduler cannot say)."""
    try:
        processing = client.processing()
    except Exception:  # noqa: BLE001 - only the progress bar depends on it
        return None
    return sum(1 for tasks in processing.values() for key in tasks if key in keys)


def run_scan(scan, directory, scheduler=None, workers=None, retries=1, progress=None, client=None):
    """Run every unfinished cell of a scan on Dask; write cells and the table under directory.

    client: an existing dask.distributed Client (else one is made by
    ``connect(scheduler, workers)`` and closed at the end).
    progress(done, failed, running, total), about the cells of this run, is
    called at the start and as cells finish (running may be None).
    """
    from distributed import as_completed

    start = time.perf_counter()
    directory = Path(directory)
    # a cell is finished when its file is trusted (check_cell), not merely when it exists
    checks = {cell.id: check_cell(directory, cell) for cell in scan.cells}
    todo = [cell for cell in scan.cells if checks[cell.id].status != "done"]
    skipped = len(scan.cells) - len(todo)
    failed, uncertified, done = [], [], 0
    worker_count = 0
    own = None
    if todo and client is None:  # a scheduler that cannot be reached is bad input: nothing written yet
        client, cluster = connect(scheduler, workers)
        own = (client, cluster)
    try:
        (directory / "cells").mkdir(parents=True, exist_ok=True)
        write_json(scan.to_json(), directory / "scan.json")
        for cell in todo:  # a rejected file is kept for inspection, out of the way of the cell's new result
            if checks[cell.id].rejected:
                (directory / "rejected").mkdir(exist_ok=True)
                os.replace(cell_path(directory, cell.id), directory / "rejected" / f"{cell.id}.json")
        if progress:
            progress(0, 0, 0, len(todo))
        if todo:
            worker_count = len(client.scheduler_info()["workers"])
            futures = {}
            for cell in todo:
                future = client.submit(run_cell, cell.to_json(), key=f"certify-cell-{cell.id}", retries=retries,
                                       pure=False)
                futures[future] = cell
            keys = {future.key for future in futures}
            last = 0.0
            # on this client's event loop: as_completed would otherwise wait on the default
            # client's, which in a process holding several clients hears of results seconds late
            for future in as_completed(futures, loop=client.loop):
                cell = futures.pop(future)
                keys.discard(future.key)
                if future.status == "error":
                    exception = future.exception()
                    record = _failure_record(cell, type(exception).__name__, str(exception) or repr(exception))
                    write_json(record, cell_path(directory, cell.id, failed=True))
                    failed.append((cell, record["message"]))
                else:
                    outcome = future.result()
                    if outcome["status"] == "done":
                        write_json(outcome["document"], cell_path(directory, cell.id))
                        stale = cell_path(directory, cell.id, failed=True)
                        if stale.exists():
                            stale.unlink()
                        done += 1
                        # the trusted checker's verdict on the file as written, not the document's own flag
                        check = check_cell(directory, cell)
                        if check.status != "done" or not check.document["certified"]:
                            uncertified.append(cell)
                    else:
                        record = _failure_record(cell, outcome["error"], outcome["message"])
                        write_json(record, cell_path(directory, cell.id, failed=True))
                        failed.append((cell, outcome["message"]))
                future.release()
                if progress:
                    now = time.perf_counter()
                    running = None
                    if now - last > 0.5 or not keys:
                        running, last = _running(client, keys), now
                    progress(done + len(failed), len(failed), running, len(todo))
    finally:
        if own is not None:
            own[0].close()
            if own[1] is not None:
                own[1].close()
        if (directory / "scan.json").is_file():
            write_table(directory, scan)
    return ScanOutcome(len(scan.cells), skipped, done, failed, uncertified, time.perf_counter() - start, worker_count)


# ---------------------------------------------------------------------------
# The results table and the report


def read_rows(directory, scan=None):
    """One row per recorded cell (done or failed), in grid order.

    ``scan``: the Scan (default: the folder's scan.json, ``load_folder``). A
    cell counts as done only when its file passes ``check_cell``; a file
    that does not is a failed row saying why.
    """
    directory = Path(directory)
    scan = load_folder(directory) if scan is None else scan
    rows = []
    for cell in scan.cells:
        row = {"cell": cell.id, **cell.parameters}
        check = check_cell(directory, cell)
        if check.status == "missing":
            continue
        values = {"status": "failed", "error": check.message}
        if check.status == "done":
            try:
                values = {"status": "done", **summary_row(check.document), "error": ""}
            except (KeyError, TypeError, ValueError, IndexError) as error:
                values = {"status": "failed", "error": f"cell file rejected: no frontier summary ({error!r})"}
        row.update({key: value for key, value in values.items() if key not in row})  # axis columns win
        rows.append(row)
    return rows


def write_table(directory, scan):
    """DIR/results.csv: every recorded cell, atomically."""
    directory = Path(directory)
    rows = read_rows(directory, scan)
    columns = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    write_text(directory / "results.csv", buffer.getvalue())
    return rows


def _down(value, decimals):
    """value rounded down to decimals places: a "beats by at least" figure is never overstated."""
    if value is None or value == "":
        return None
    scale = 10**decimals
    return math.floor(float(value) * scale) / scale


def _number(value):
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def ranked(rows):
    """Done cells by certified throughput gain, then waiting reduction (largest first); failed ones last."""
    done = [row for row in rows if row["status"] == "done"]
    done.sort(key=lambda row: (-(_number(row["throughput_gain"]) or 0.0), -(_number(row["waiting_reduction"]) or 0.0)))
    return done + [row for row in rows if row["status"] != "done"]


def best_cells(rows):
    """The cells with the largest certified throughput gain and the largest waiting reduction (relative)."""
    done = [row for row in rows if row["status"] == "done" and row["advantage_certified"]]
    gain = max(done, key=lambda row: _number(row["throughput_gain"]) or 0.0, default=None)
    waiting = max(done, key=lambda row: _number(row["waiting_reduction"]) or 0.0, default=None)
    return gain, waiting


def describe(row, axes):
    return ", ".join(f"{key} = {row[key]}" for key in axes)


def report_table(directory, top=30):
    """A rich table of a scan's cells, sorted by advantage (percentages rounded down)."""
    from rich.table import Table

    scan = load_folder(directory)
    axes = [axis.key for axis in scan.axes]
    rows = ranked(read_rows(directory, scan))
    shown = rows[:top] if top else rows
    from ..report.tables import plain

    table = Table(title=f"Scan {plain(scan.name)}: {len(rows)} of {len(scan.cells)} cells recorded, "
                        "by certified throughput gain")
    table.caption = ("gain: throughput gain at equal waiting; W cut: waiting reduction at equal throughput "
                     "(relative, absolute); rounded down")
    for key in axes:
        table.add_column(key)
    for title in ("gain %", "at p", "W cut %", "at p", "W cut", "certified", "cell"):
        table.add_column(title, justify="left" if title in ("certified", "cell") else "right")
    for row in shown:
        values = [plain(str(row[key])) for key in axes]  # axis labels come from the scan file
        if row["status"] == "done":
            values += [
                f"{_down(_number(row['throughput_gain']) * 100, 2):.2f}",
                _format_split(row["throughput_gain_split"]),
                f"{_down(_number(row['waiting_reduction']) * 100, 2):.2f}",
                _format_split(row["waiting_reduction_split"]),
                f"{_down(_number(row['waiting_reduction_absolute']), 6):.6f}",
                "yes" if row["certified"] else "NO",
                row["cell"][:8],
            ]
        else:
            values += ["-", "-", "-", "-", "-", f"failed: {plain(row['error'])}", row["cell"][:8]]
        table.add_row(*values)
    if top and len(rows) > top:
        table.caption += f"; {len(rows) - top} more rows in {Path(directory) / 'results.csv'}"
    return table


def _format_split(value):
    number = _number(value)
    return "-" if number is None else f"{number:.4g}"


METRICS = {
    "throughput_gain": "certified throughput gain at equal waiting (%)",
    "waiting_reduction": "certified waiting reduction at equal throughput (%)",
}


def heatmap(directory, x_axis, y_axis, path):
    """Both certified advantages over two axes (largest over the other axes), one panel each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from .plots import finish_heatmap, heatmap_panels, title_text

    scan = load_folder(directory)
    axes = {axis.key: [label for label, _ in axis.values] for axis in scan.axes}
    for key, option in ((x_axis, "--heatmap"), (y_axis, "--heatmap")):
        if key is not None and key not in axes:
            raise BadInput(None, option, f"'{key}' is not an axis of scan {scan.name} (axes: {', '.join(axes)})")
    xs = [canonical_json(v) for v in axes[x_axis]]
    ys = [canonical_json(v) for v in axes[y_axis]] if y_axis else [canonical_json(None)]
    rows = [row for row in read_rows(directory, scan) if row["status"] == "done"]
    parameters = {cell.id: cell.parameters for cell in scan.cells}
    metrics = dict(METRICS)
    if any(row.get("waiting_reduction_noisy") is not None for row in rows):
        metrics["waiting_reduction_noisy"] = "certified waiting reduction, Werner pairs at the visibility (%)"
    figure, panels = heatmap_panels(len(metrics), len(ys))
    for panel, (metric, title) in zip(panels[0], metrics.items()):
        grid = np.full((len(ys), len(xs)), np.nan)
        for row in rows:
            cell = parameters[row["cell"]]
            i = ys.index(canonical_json(cell[y_axis])) if y_axis else 0
            j = xs.index(canonical_json(cell[x_axis]))
            value = 100 * (_number(row[metric]) or 0.0)
            grid[i, j] = value if np.isnan(grid[i, j]) else max(grid[i, j], value)
        image = panel.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        for i in range(len(ys)):
            for j in range(len(xs)):
                if not np.isnan(grid[i, j]):
                    panel.text(j, i, f"{_down(grid[i, j], 1):.1f}", ha="center", va="center", fontsize=7, color="white")
        panel.set_xticks(range(len(xs)), [str(v) for v in axes[x_axis]], rotation=45, ha="right", fontsize=7)
        panel.set_yticks(range(len(ys)), [str(v) for v in axes[y_axis]] if y_axis else [""], fontsize=7)
        panel.set_xlabel(x_axis)
        if y_axis:
            panel.set_ylabel(y_axis)
        panel.set_title(title, fontsize=9)
        figure.colorbar(image, ax=panel)
    others = [key for key in axes if key not in (x_axis, y_axis)]
    note = f"; largest over {', '.join(others)}" if others else ""
    figure.suptitle(f"Scan {title_text(scan.name)}{note} (blank: not computed or failed)", fontsize=9)
    finish_heatmap(figure, path)
    plt.close(figure)
    return path


def report(directory, heatmaps=(), fmt="png"):
    """Heatmaps over the named axis pairs (default: the first two axes) -> the files written."""
    directory = Path(directory)
    keys = [axis.key for axis in load_folder(directory).axes]
    pairs = list(heatmaps) or [(keys[0], keys[1] if len(keys) > 1 else None)]
    written = []
    for x_axis, y_axis in pairs:
        stem = "-".join("".join(c if c.isalnum() else "_" for c in key) for key in (x_axis, y_axis) if key)
        written.append(heatmap(directory, x_axis, y_axis, directory / f"heatmap-{stem}.{fmt}"))
    return written


class progress_bar:
    """A rich progress bar on stderr (done, failed, running, time left); a
    context manager giving the run_scan progress callback. Off when stderr
    is not a terminal."""

    def __enter__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        from ..report.tables import console

        stream = console(stderr=True)
        self.bar = Progress(
            TextColumn("cells"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed, {task.fields[running]} running"),
            TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
            console=stream, transient=True, disable=not stream.is_terminal,
        )
        self.bar.__enter__()
        self.task = None
        return self.update

    def update(self, done, failed, running, total):
        if self.task is None:
            self.task = self.bar.add_task("cells", total=total, failed=0, running="?")
        fields = {"failed": failed}
        if running is not None:
            fields["running"] = running
        self.bar.update(self.task, completed=done, **fields)

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)


def outcome_text(outcome, directory, scan):
    """Closing lines of a run: counts, where the files are, the best cells so far."""
    where = f" on {outcome.workers} workers" if outcome.workers else ""
    lines = [
        f"Scan {scan.name}: {outcome.total} cells; {outcome.done} computed now{where}, "
        f"{outcome.skipped} finished before, {len(outcome.failed)} failed; {outcome.seconds:.1f} s",
        f"Cells in {Path(directory) / 'cells'}, table in {Path(directory) / 'results.csv'}",
    ]
    rows = read_rows(directory, scan)
    axes = [axis.key for axis in scan.axes]
    gain, waiting = best_cells(rows)
    if gain is not None:
        lines.append(f"Largest certified throughput gain at equal waiting: {_down(gain['throughput_gain'] * 100, 2):.2f}% "
                     f"at p = {_format_split(gain['throughput_gain_split'])} ({describe(gain, axes)})")
    if waiting is not None:
        lines.append(f"Largest certified waiting reduction at equal throughput: "
                     f"{_down(waiting['waiting_reduction'] * 100, 2):.2f}% at p = "
                     f"{_format_split(waiting['waiting_reduction_split'])} ({describe(waiting, axes)})")
    noisy = [row for row in rows if row["status"] == "done" and row.get("waiting_reduction_noisy_split") is not None]
    if noisy:
        best = max(noisy, key=lambda row: row["waiting_reduction_noisy"])
        lines.append(f"Largest certified waiting reduction with Werner pairs: "
                     f"{_down(best['waiting_reduction_noisy'] * 100, 2):.2f}% at p = "
                     f"{_format_split(best['waiting_reduction_noisy_split'])} ({describe(best, axes)})")
    if gain is None and waiting is None:
        lines.append("No certified quantum advantage in the cells recorded.")
    if outcome.uncertified:
        lines.append(f"{len(outcome.uncertified)} cells have certificates that did not pass their exact checks")
    return "\n".join(lines)
