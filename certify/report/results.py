"""The result record every method returns, and the JSON contract of README, JSON section.

A Result is data first; the CLI renders it as a rich table or as JSON, so
the two cannot disagree (the pattern of pyhf's cli/spec.py).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from .. import __version__
from ..proofs.exact import DOWN, NEAREST, UP, float_down, float_up, safe_float


@dataclass
class Result:
    """A bound with its certificate.

    ``value`` is the bound this result proves about the game as written (an
    upper bound on the optimum for "max" games from a relaxation, the exact
    optimum where ``exact`` is set, a lower bound from an explicit strategy).
    ``certified`` is True only when the exact re-check in
    :mod:`certify.proofs` passed.
    """

    command: str
    game: object
    value: float
    exact: Fraction | None
    certified: bool
    certificate: dict
    solver: dict
    seconds: float
    method: str = ""
    details: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)  # why certification failed, one line each

    def __post_init__(self):
        # The float summary of a proven number is rounded on its safe side
        # (an upper bound up, a lower bound down), as certify verify requires.
        number, direction = self.proven
        if number is not None and not self._safe(number, direction):
            self.value = safe_float(number, direction)

    def _safe(self, number, direction):
        """Is ``value`` already a float on the safe side of the proven number?"""
        value = self.value
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            return False
        if direction == UP:
            return Fraction(value) >= number
        if direction == DOWN:
            return Fraction(value) <= number
        return value in (float_down(number), float_up(number))

    @property
    def proven(self):
        """(Fraction, rounding direction) this result proves: its exact value, else its
        certified bound, else what its witness reaches (None, None when neither is known).

        The same rule as certify.proofs.result.proven, read from the claims the
        result carries ("exact", details "bound" / "achieved").
        """
        upper = self.game.sense == "max"
        if self.exact is not None:
            return Fraction(self.exact), NEAREST
        if self.details.get("bound") is not None:
            return Fraction(str(self.details["bound"])), UP if upper else DOWN
        if self.details.get("achieved") is not None:
            return Fraction(str(self.details["achieved"])), DOWN if upper else UP
        return None, None

    def to_json(self, options=None):
        body = {
            "tool": {"name": "certify", "version": __version__},
            "command": self.command,
            "options": options or {},
            "game": self.game.summary(),
            "fixed": self.game.fixed,
            "method": self.method,
            # JSON has no NaN: a failed method with no number reports null.
            "value": float(self.value) if math.isfinite(float(self.value)) else None,
            "exact": None if self.exact is None else str(self.exact),
            "certified": bool(self.certified),
            "certificate": self.certificate,
            "solver": self.solver,
            "seconds": round(self.seconds, 6),
        }
        if self.problems:
            body["problems"] = list(self.problems)
        body.update(self.details)
        return body


def envelope(command, game, options, body):
    """The contract keys around a composite result (gap, pareto, simulate)."""
    head = {
        "tool": {"name": "certify", "version": __version__},
        "command": command,
        "options": options or {},
        "game": game.summary(),
        "fixed": game.fixed,
    }
    head.update(body)
    return head


def verification_json(source, items, game=None, note=None):
    """The JSON of ``certify verify --json``: the game checked, each re-checked result and
    whether all hold (values rounded on their safe sides)."""
    return {
        "tool": {"name": "certify", "version": __version__},
        "command": "verify",
        "options": {"result": str(source)},
        "game": None if game is None else {"name": game.name, "sha256": game.sha256, "sense": game.sense},
        "note": note,
        "ok": all(item.ok for item in items),
        "checks": [
            {
                "result": item.path or "(top)", "kind": item.kind, "ok": bool(item.ok),
                "value": None if item.value is None else safe_float(item.value, item.direction or NEAREST),
                "exact": None if item.value is None else str(item.value),
                "problems": list(item.problems),
            }
            for item in items
        ],
    }


def dumps(data):
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def write_json(data, path):
    """Write JSON to a path atomically (never half a file), or to stdout for '-'."""
    text = dumps(data)
    if str(path) == "-":
        import sys

        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_text(path, text)


def write_text(path, text, newline=None):
    """Write a text file atomically: a temporary file in the same folder, then a rename.

    The file gets the permissions of any other new file (0666 less the umask),
    or keeps those of the file it replaces; mkstemp alone would leave 0600.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        mode = path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline=newline) as stream:
            stream.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
