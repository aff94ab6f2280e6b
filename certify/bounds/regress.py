"""Regression of recorded bounds: recompute each, report the drift.

A bounds file (TOML) lists entries

    [[bound]]
    problem = "chsh"            # path or bundled name
    command = "quantum"         # classical | nosignal | quantum | seesaw
    options = { level = "2" }   # passed to the method (level, solver, dim, restarts, seed, projective)
    fix = { split = "1/4" }     # constraint values, optional
    expected = 0.853553390593   # a number or "p/q"
    tolerance = 1e-7            # |value - expected| allowed
    source = "..."              # where the expected number comes from

An entry drifts when its recomputed value is further than ``tolerance`` from
``expected`` or its certificate no longer checks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction

from ..errors import BadInput, CertifyError
from ..games.game import load_game, parse_number, read_mapping

_ENTRY_KEYS = {"problem", "command", "options", "fix", "expected", "tolerance", "source", "name"}
_OPTIONS = {
    "classical": set(),
    "nosignal": set(),
    "quantum": {"level", "solver"},
    "seesaw": {"dim", "restarts", "seed", "projective"},
}


def run_method(command, game, options):
    """The Result of one bound command on a loaded game."""
    if command == "classical":
        from .classical import classical_value

        return classical_value(game)
    if command == "nosignal":
        from .classical import nosignalling_value

        return nosignalling_value(game)
    if command == "quantum":
        from .npa import npa_bound

        return npa_bound(game, **options)
    from ..bounds.seesaw import seesaw_bound

    return seesaw_bound(game, **options)


@dataclass(frozen=True)
class BoundEntry:
    label: str
    problem: str
    command: str
    options: dict
    fix: dict
    expected: Fraction
    tolerance: float
    source: str


@dataclass
class Drift:
    entry: BoundEntry
    value: float | None
    certified: bool
    seconds: float
    message: str = ""

    @property
    def drift(self):
        return None if self.value is None else self.value - float(self.entry.expected)

    @property
    def ok(self):
        return self.certified and self.drift is not None and abs(self.drift) <= self.entry.tolerance


def load_bounds(path):
    """Parse and validate a bounds file into entries (BadInput naming the key)."""
    data = read_mapping(path)
    unknown = set(data) - {"bound"}
    if unknown:
        raise BadInput(path, sorted(unknown)[0], "unknown key (a bounds file holds [[bound]] entries)")
    entries = data.get("bound")
    if not isinstance(entries, list) or not entries:
        raise BadInput(path, "bound", "expected one or more [[bound]] entries")
    parsed = []
    for index, entry in enumerate(entries):
        key = f"bound[{index}]"
        if not isinstance(entry, dict):
            raise BadInput(path, key, "expected a table")
        for name in entry:
            if name not in _ENTRY_KEYS:
                raise BadInput(path, f"{key}.{name}", f"unknown key (allowed: {', '.join(sorted(_ENTRY_KEYS))})")
        for name in ("problem", "command", "expected"):
            if name not in entry:
                raise BadInput(path, f"{key}.{name}", "missing")
        command = entry["command"]
        if command not in _OPTIONS:
            raise BadInput(path, f"{key}.command", f"expected one of {', '.join(_OPTIONS)}, got {command!r}")
        options = entry.get("options", {})
        if not isinstance(options, dict) or set(options) - _OPTIONS[command]:
            allowed = ", ".join(sorted(_OPTIONS[command])) or "none"
            raise BadInput(path, f"{key}.options", f"options for {command} are: {allowed}")
        fix = entry.get("fix", {})
        if not isinstance(fix, dict):
            raise BadInput(path, f"{key}.fix", "expected a table of constraint values")
        tolerance = float(parse_number(entry.get("tolerance", 1e-9), path, f"{key}.tolerance"))
        if tolerance < 0:
            raise BadInput(path, f"{key}.tolerance", "must not be negative")
        parsed.append(
            BoundEntry(
                label=entry.get("name") or _label(entry["problem"], command, options, entry.get("fix", {})),
                problem=entry["problem"],
                command=command,
                options=options,
                fix={name: parse_number(value, path, f"{key}.fix.{name}") for name, value in fix.items()},
                expected=parse_number(entry["expected"], path, f"{key}.expected"),
                tolerance=tolerance,
                source=str(entry.get("source", "")),
            )
        )
    return parsed


def _label(problem, command, options, fix):
    """'chsh quantum L2', 'chsh_split seesaw d2 split=9/10': short enough for one table line."""
    short = {"level": "L", "dim": "d"}
    parts = [problem, command]
    parts += [f"{short[k]}{v}" for k, v in options.items() if k in short]
    parts += [f"{k}={v}" for k, v in fix.items()]
    return " ".join(parts)


def recompute(entry):
    """Recompute one entry; solver trouble and failed checks are drift, not crashes."""
    start = time.perf_counter()
    game = load_game(entry.problem, entry.fix)
    try:
        result = run_method(entry.command, game, dict(entry.options))
    except BadInput:
        raise
    except CertifyError as error:
        return Drift(entry, None, False, time.perf_counter() - start, str(error))
    message = "; ".join(result.problems) if not result.certified else ""
    return Drift(entry, result.value, result.certified, time.perf_counter() - start, message)
