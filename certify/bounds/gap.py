"""The certified gap: exact classical value, see-saw lower bound, NPA upper bound.

For a "max" game the quantum optimum lies in [see-saw, NPA]; for a "min"
game in [NPA, see-saw]. The quantum advantage over the classical optimum is
certified by certify.proofs.gap.check_gap (exact, no error term); the NPA
slack says how far the see-saw could still be from the quantum optimum.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction

from ..proofs.classical import check_classical
from ..proofs.exact import DOWN, UP, safe_float
from ..proofs.gap import check_gap, gap_statement
from ..proofs.seesaw import check_seesaw
from .classical import classical_value
from .npa import npa_bound
from .result import Result, envelope
from .seesaw import seesaw_best


@dataclass
class Gap:
    game: object
    classical: Result
    seesaw: Result
    npa: Result
    advantage: Fraction | None
    problems: list
    seconds: float

    @property
    def lower(self):
        """The result bounding the quantum optimum from below."""
        return self.seesaw if self.game.sense == "max" else self.npa

    @property
    def upper(self):
        return self.npa if self.game.sense == "max" else self.seesaw

    @property
    def slack(self):
        """How far apart the two quantum bounds are (exact), or None."""
        upper, lower = self.upper.proven[0], self.lower.proven[0]
        return None if upper is None or lower is None else upper - lower

    @property
    def certified(self):
        return (
            self.classical.certified and self.seesaw.certified and self.npa.certified
            and self.advantage is not None and not self.problems
        )

    def statement(self):
        """One sentence, every number rounded on its safe side (certify.proofs.gap.gap_statement)."""
        if not self.certified:
            return "Nothing is proven: a certificate failed (see problems)."
        return gap_statement(self.advantage, self.lower.proven[0], self.upper.proven[0])

    def to_json(self, options):
        return envelope("gap", self.game, options, {
            "classical": self.classical.to_json(),
            "quantum_lower": self.lower.to_json(),
            "quantum_upper": self.upper.to_json(),
            "gap": None if self.advantage is None else safe_float(self.advantage, DOWN),
            "gap_exact": None if self.advantage is None else str(self.advantage),
            "npa_slack": None if self.slack is None else safe_float(self.slack, UP),
            "certified": self.certified,
            "statement": self.statement(),
            "problems": self.problems,
            "seconds": round(self.seconds, 6),
        })


def certified_gap(game, level="2", dim=None, restarts=20, seed=0, solver=None):
    """Classical, see-saw and NPA bounds on one game, and the advantage they prove.

    The see-saw witness meets the constraints exactly; should it meet them
    only at other levels than requested (see seesaw_bound), every part is
    computed for the game at those levels, which the result then carries. The
    advantage is over the classical optimum of the game as written (every
    inequality as the relation it states), never over the optimum at the levels
    the witness happens to meet.
    Bounds that contradict each other (the upper below the lower: an empty
    interval) prove nothing: the gap is then not certified and says why.
    ``dim`` None runs see-saw in each dimension 2, ..., max(outputs) and keeps
    the best witness (certify.bounds.seesaw.seesaw_best).
    """
    start = time.perf_counter()
    classical = classical_value(game)
    seesaw = seesaw_best(game, dim=dim, restarts=restarts, seed=seed)
    if seesaw.game.sha256 != game.sha256:
        # certified at the levels it meets, for the rows it fails at the requested ones only
        # (seesaw_bound): an inequality the witness meets, with slack or not, keeps its value,
        # and the classical side is that game's optimum (check_gap)
        game = seesaw.game
        classical = classical_value(game)
    npa = npa_bound(game, level=level, solver=solver)
    advantage, problems = check_gap(
        game, classical.certificate,
        check_classical(game, classical.certificate), check_seesaw(game, seesaw.certificate),
    )
    problems = list(problems) + interval_problems(game, seesaw, npa)
    return Gap(game, classical, seesaw, npa, advantage, problems, time.perf_counter() - start)


def interval_problems(game, seesaw, npa):
    """[] when the exact see-saw and NPA bounds leave the quantum optimum a non-empty
    interval, else the one line saying they contradict each other.

    Compared exactly: the see-saw's achieved value (rounded to the worse side)
    against the NPA certificate's exact bound, both in the game's sense.
    """
    if not (seesaw.certified and npa.certified):
        return []
    witness, relaxation = Fraction(seesaw.details["achieved"]), Fraction(npa.details["bound"])
    lower, upper = (witness, relaxation) if game.sense == "max" else (relaxation, witness)
    if upper >= lower:
        return []
    return [
        f"the quantum upper bound {float(upper):.12g} lies below the lower bound {float(lower):.12g}: "
        "the bounds contradict each other, so nothing is proven (please report this game)"
    ]
