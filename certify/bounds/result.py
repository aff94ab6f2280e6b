"""The result record every method returns, and the contract keys of its JSON (README, JSON section).

A Result is data first; the CLI renders it as a rich table or as JSON, so the two cannot
disagree (the pattern of pyhf's cli/spec.py). It lives in certify.bounds, beside the methods
that build it, and imports only the version and the checker's exact rounding
(certify.proofs.exact): certify.report imports it from here, never the other way round.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..proofs.exact import DOWN, NEAREST, UP, float_down, float_up, safe_float
from ..version import __version__

if TYPE_CHECKING:
    from ..games.game import Game


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
    game: Game
    value: float
    exact: Fraction | None
    certified: bool
    certificate: dict[str, Any]
    solver: dict[str, Any]
    seconds: float
    method: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # why certification failed, one line each

    def __post_init__(self) -> None:
        # The float summary of a proven number is rounded on its safe side
        # (an upper bound up, a lower bound down), as certify verify requires.
        number, direction = self.proven
        if number is not None and not self._safe(number, direction):
            self.value = safe_float(number, direction)

    def _safe(self, number: Fraction, direction: str) -> bool:
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
    def proven(self) -> tuple[Fraction | None, str | None]:
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

    def to_json(self, options: dict[str, Any] | None = None) -> dict[str, Any]:
        """The JSON document of this result: the contract keys (tool, command, options, game,
        fixed, method, value, exact, certified, certificate, solver, seconds), then the
        method's own details at the top level."""
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


def envelope(command: str, game: Game, options: dict[str, Any] | None, body: dict[str, Any]) -> dict[str, Any]:
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
