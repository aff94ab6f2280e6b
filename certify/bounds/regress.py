"""Regression of recorded bounds: recompute each, report the drift.

A bounds file (TOML, or JSON with the same keys) lists entries

    [[bound]]
    problem = "chsh"            # bundled name, or a path relative to THIS file's folder
    command = "quantum"         # classical | nosignal | quantum | seesaw
    options = { level = "2" }   # the command's options (table below), optional
    fix = { split = "1/4" }     # constraint values, optional
    expected = 0.853553390593   # a number or "p/q"
    tolerance = 1e-7            # |value - expected| allowed (default 1e-9)
    source = "..."              # where the expected number comes from
    name = "..."                # the label in the table (default: built from the above)

Options per command (the same meaning as on the command line):

    classical, nosignal   none
    quantum               level ("2", "1+AB", ...), solver ("clarabel", "scs", ...)
    seesaw                dim (an integer >= 1; default: 2 .. max outputs, best kept),
                          restarts (>= 0), seed (integer), projective (true/false),
                          solver (of the steps with more than two outcomes)

A problem path is resolved against the bounds file's folder, never the
current directory, so a bounds file can be run from anywhere; a name that is
no file there is looked up among the bundled problems. Every entry is
validated (and its game loaded) before anything is computed, and every error
names the entry, e.g. ``bounds.toml: bound[3] (chsh quantum L2): ...``.

An entry drifts when its recomputed value is further than ``tolerance`` from
``expected`` or its certificate no longer checks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from ..errors import BadInput, CertifyError
from ..games.game import bundled_path, bundled_problems, load_game, parse_number, read_mapping

_ENTRY_KEYS = {"problem", "command", "options", "fix", "expected", "tolerance", "source", "name"}
_OPTIONS = {
    "classical": set(),
    "nosignal": set(),
    "quantum": {"level", "solver"},
    "seesaw": {"dim", "restarts", "seed", "projective", "solver"},
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
    from .seesaw import seesaw_best

    return seesaw_best(game, **options)


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
    key: str = "bound[0]"          # where the entry is in its file, for error messages
    bounds_file: str = ""
    game: object = field(default=None, compare=False, repr=False)

    @property
    def where(self):
        """'bounds.toml: bound[3] (chsh quantum L2)': how errors name the entry."""
        return f"{self.bounds_file}: {self.key} ({self.label})"

    def to_json(self):
        return {
            "name": self.label, "problem": self.problem, "command": self.command, "options": self.options,
            "fix": {k: str(v) for k, v in self.fix.items()}, "expected": float(self.expected),
            "expected_exact": str(self.expected), "tolerance": self.tolerance, "source": self.source,
        }


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

    def to_json(self):
        return {
            **self.entry.to_json(), "value": self.value, "drift": self.drift, "certified": bool(self.certified),
            "ok": bool(self.ok), "message": self.message, "seconds": round(self.seconds, 6),
        }


def regress_json(bounds_file, drifts, seconds):
    """The JSON of ``certify regress --json``: every entry with its drift, and whether all held."""
    from ..version import __version__

    return {
        "tool": {"name": "certify", "version": __version__},
        "command": "regress",
        "options": {"bounds": str(bounds_file)},
        "ok": all(d.ok for d in drifts),
        "drifted": [d.entry.label for d in drifts if not d.ok],
        "bounds": [d.to_json() for d in drifts],
        "seconds": round(seconds, 6),
    }


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
        _check_options(command, options, path, f"{key}.options")
        fix = entry.get("fix", {})
        if not isinstance(fix, dict):
            raise BadInput(path, f"{key}.fix", "expected a table of constraint values")
        if not isinstance(entry["problem"], str) or not entry["problem"]:
            raise BadInput(path, f"{key}.problem", "expected a bundled name or a path")
        tolerance = float(parse_number(entry.get("tolerance", 1e-9), path, f"{key}.tolerance"))
        if tolerance < 0:
            raise BadInput(path, f"{key}.tolerance", "must not be negative")
        label = entry.get("name") or _label(entry["problem"], command, options, fix)
        fixed = {name: parse_number(value, path, f"{key}.fix.{name}") for name, value in fix.items()}
        problem = resolve_problem(entry["problem"], path, f"{key}.problem")
        try:
            game = load_game(str(problem), fixed, source=str(problem))
        except BadInput as error:
            raise BadInput(path, f"{key} ({label})", str(error)) from None
        parsed.append(
            BoundEntry(
                label=label,
                problem=entry["problem"],
                command=command,
                options=options,
                fix=fixed,
                expected=parse_number(entry["expected"], path, f"{key}.expected"),
                tolerance=tolerance,
                source=str(entry.get("source", "")),
                key=key,
                bounds_file=str(path),
                game=game,
            )
        )
    return parsed


def resolve_problem(problem, bounds_file, key):
    """A bounds entry's problem: a file relative to the bounds file's folder (or
    absolute), else a bundled problem's name; BadInput naming the entry otherwise."""
    candidate = Path(bounds_file).parent / problem  # an absolute problem path stays as it is
    if candidate.is_file():
        return candidate
    bundled = bundled_path(problem)
    if bundled is not None:
        return bundled
    raise BadInput(
        bounds_file, key,
        f"'{problem}' is neither a file in {Path(bounds_file).parent} (paths are relative to the bounds file) "
        f"nor a bundled problem ({', '.join(bundled_problems())})",
    )


def _check_options(command, options, path, key):
    """Each option's type, so that a typo fails before any bound is computed."""
    for name, value in options.items():
        where = f"{key}.{name}"
        if name == "level":
            from ..proofs.npa import parse_level

            try:
                parse_level(str(value))
            except BadInput as error:
                raise BadInput(path, where, error.message) from None
        elif name == "solver":
            from .solvers import SOLVERS

            if not isinstance(value, str) or value.strip().lower() not in SOLVERS:
                raise BadInput(path, where, f"unknown solver {value!r} (known: {', '.join(SOLVERS)})")
        elif name == "projective":
            if not isinstance(value, bool):
                raise BadInput(path, where, "expected true or false")
        else:  # dim, restarts, seed
            low = {"dim": 1, "restarts": 0}.get(name)
            if isinstance(value, bool) or not isinstance(value, int) or (low is not None and value < low):
                raise BadInput(path, where, "expected an integer" + (f" >= {low}" if low is not None else ""))


def _label(problem, command, options, fix):
    """'chsh quantum L2', 'chsh_split seesaw d2 split=9/10': short enough for one table line."""
    short = {"level": "L", "dim": "d"}
    parts = [problem, command]
    parts += [f"{short[k]}{v}" for k, v in options.items() if k in short]
    parts += [f"{k}={v}" for k, v in fix.items()]
    return " ".join(parts)


def recompute(entry):
    """Recompute one entry; solver trouble and failed checks are drift, not crashes;
    bad input is BadInput naming the entry."""
    start = time.perf_counter()
    game = entry.game if entry.game is not None else load_game(entry.problem, entry.fix)
    try:
        result = run_method(entry.command, game, dict(entry.options))
    except BadInput as error:
        raise BadInput(entry.bounds_file, f"{entry.key} ({entry.label})", str(error)) from None
    except CertifyError as error:
        return Drift(entry, None, False, time.perf_counter() - start, str(error))
    message = "; ".join(result.problems) if not result.certified else ""
    return Drift(entry, result.value, result.certified, time.perf_counter() - start, message)
