"""The scan-file language: a grid of dual-work frontiers over model parameters.

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

This module reads a scan file (``load_scan``) and the scan.json a run writes
beside its cells (``scan_from_json``, the same checks and the same expansion),
and expands either into its cells (``expand``). It is one idea, the language
and its checks, hence longer than the package's other modules. What a cell
computes is certify.scheduling.scan.cell; running the cells on Dask is
certify.scheduling.scan.run; trusting a cell file is
certify.scheduling.scan.trust; the table and heatmaps are
certify.report.scan_report.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ...errors import BadInput
from ...games.game import read_mapping, resolve

SCAN_KEYS = {"name", "description", "problem", "model", "link", "options", "axes"}
RANGE_KEYS = {"from", "to", "count", "spacing"}
MAX_CELLS = 100_000  # a scan file's grid is expanded in memory; raise here for a larger grid
MAX_AXIS_VALUES = 10_000
# Frontier parameters that are not cell options: the problem (the cell's own
# mapping), the throughput override (a [model] key in a scan), local
# processes and the progress callback (the scan's business).
_NOT_OPTIONS = {"problem", "throughput", "jobs", "progress"}


def model_keys() -> set[str]:
    from ...games.dualwork import MODEL_KEYS

    return set(MODEL_KEYS)


# Scan options that stand for a frontier parameter in another form:
# visibility = V is one Werner visibility, visibilities = [V].
ALIASES = {"visibility": "visibilities"}


def frontier_functions() -> list[Callable[..., Any]]:
    """The frontier functions a cell may call: the plain one first, then the noisy one (Werner pairs)."""
    from ..frontier import frontier
    from ..noise import noisy_frontier

    return [frontier, noisy_frontier]


def frontier_options() -> dict[str, Any]:
    """Frontier keyword parameters a scan may set, with their defaults.

    The keyword parameters of ``frontier`` and of ``noisy_frontier`` (a cell
    that sets one of the latter's own runs the noisy frontier), plus the
    aliases. A parameter that is also a [model] key (arrival_rate, say) is
    set in the cell's [model] table instead, so each parameter has one place
    in a cell.
    """
    models = model_keys()
    options = {}
    for function in frontier_functions():
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
    def id(self) -> str:
        return cell_id(self.problem, self.options)

    def to_json(self) -> dict:
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

    def to_json(self) -> dict:
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


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False, default=str)


def cell_id(problem: dict, options: dict) -> str:
    """First 16 hex digits of the SHA-256 of the cell's canonical parameters."""
    return hashlib.sha256(canonical_json({"problem": problem, "options": options}).encode()).hexdigest()[:16]


def _label(value: Any) -> bool | int | float | str:
    if isinstance(value, (bool, int, float, str)):
        return value
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _range(table: dict, source: str, key: str) -> list[float]:
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


def _short(value: Any) -> str:
    """A value quoted in an error message, shortened (a 400-digit integer is not printed whole)."""
    from ...games.limits import shorten

    return shorten(repr(value))


def _finite(value: Any, source: str | None, where: str) -> None:
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


def _link_keys() -> set[str]:
    from ..noise import LINK_KEYS

    return set(LINK_KEYS)


def _check_key(key: str, source: str | None, where: str, models: set[str], options: dict) -> None:
    head = key.split(".", 1)[0]
    if key.startswith("link."):
        if key.split(".", 1)[1] not in _link_keys():
            raise BadInput(source, where, f"not a [link] key (link keys: {', '.join(sorted(_link_keys()))})")
        return
    if head not in models and key not in options:
        raise BadInput(source, where, f"not a [model] key or a frontier option (model keys: {', '.join(sorted(models))}; "
                                      f"options: {', '.join(sorted(options))})")


def _assign(problem: dict, options: dict, key: str, value: Any, source: str | None, where: str,
            defaults: dict) -> None:
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


def _check_option(key: str, value: Any, source: str | None, where: str) -> None:
    """Known frontier options are checked here; others by the frontier, per cell."""
    if key == "points" and (isinstance(value, bool) or not isinstance(value, int) or value < 2):
        raise BadInput(source, where, f"expected an integer >= 2, got {value!r}")
    if key == "level":
        if value is None or str(value).strip().lower() == "none":
            return
        from ...proofs.npa import parse_level

        try:
            parse_level(str(value))
        except BadInput as error:
            raise BadInput(source, where, error.message) from None
    if key in ("seesaw", "critical", "link") and not isinstance(value, bool):
        raise BadInput(source, where, f"expected true or false, got {value!r}")
    if key in ("visibility", "supply"):
        from ...bounds.noise import supply_value, visibility_value

        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise BadInput(source, where, f"expected a number in [0, 1], got {value!r}")
        try:
            (visibility_value if key == "visibility" else supply_value)(str(value), where)
        except BadInput as error:
            raise BadInput(source, where, error.message) from None


def _option_value(key: str, value: Any) -> Any:
    if key == "level" and value is not None and str(value).strip().lower() == "none":
        return None
    if key == "level" and value is not None:
        return str(value)
    return value


def load_scan(path: str | Path) -> Scan:
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


def _check_count(axes: list[Axis], source: str | None, key: str) -> None:
    count = math.prod(len(axis.values) for axis in axes)
    if count > MAX_CELLS:
        raise BadInput(source, key, f"{count} cells, more than the limit {MAX_CELLS} (certify.scheduling.scan.MAX_CELLS)")


def expand(scan: Scan, key: str = "axes", source: str | None = None) -> Scan:
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


def scan_from_json(data: Any, source: str) -> Scan:
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


def load_folder(directory: str | Path) -> Scan:
    """The Scan of a scan folder (its scan.json, ``scan_from_json``); BadInput for anything else."""
    directory = Path(directory)
    path = directory / "scan.json"
    if not path.is_file():
        raise BadInput(None, "--report", f"'{directory}' holds no scan (no scan.json): run certify scan first")
    return scan_from_json(read_mapping(path), str(path))
