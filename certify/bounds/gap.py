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
from ..proofs.gap import check_gap
from ..proofs.seesaw import check_seesaw
from .classical import classical_value
from .npa import npa_bound
from ..report.results import Result, envelope
from .seesaw import seesaw_bound


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
        return self.upper.value - self.lower.value

    @property
    def certified(self):
        return (
            self.classical.certified and self.seesaw.certified and self.npa.certified
            and self.advantage is not None and not self.problems
        )

    def statement(self):
        if not self.certified:
            return "Nothing is proven: a certificate failed (see problems)."
        if self.advantage > 0:
            return (
                f"Entanglement beats every classical strategy by at least {float(self.advantage):.10g}; "
                f"the quantum optimum lies in [{self.lower.value:.10g}, {self.upper.value:.10g}]."
            )
        return (
            f"No quantum advantage is shown (see-saw does not beat the classical optimum); "
            f"the quantum optimum lies in [{self.lower.value:.10g}, {self.upper.value:.10g}]."
        )

    def to_json(self, options):
        return envelope("gap", self.game, options, {
            "classical": self.classical.to_json(),
            "quantum_lower": self.lower.to_json(),
            "quantum_upper": self.upper.to_json(),
            "gap": None if self.advantage is None else float(self.advantage),
            "gap_exact": None if self.advantage is None else str(self.advantage),
            "npa_slack": self.slack,
            "certified": self.certified,
            "statement": self.statement(),
            "problems": self.problems,
            "seconds": round(self.seconds, 6),
        })


def certified_gap(game, level="2", dim=2, restarts=20, seed=0, solver=None):
    """Classical, see-saw and NPA bounds on one game, and the advantage they prove."""
    start = time.perf_counter()
    classical = classical_value(game)
    seesaw = seesaw_bound(game, dim=dim, restarts=restarts, seed=seed)
    npa = npa_bound(game, level=level, solver=solver)
    advantage, problems = check_gap(
        game, classical.certificate,
        check_classical(game, classical.certificate), check_seesaw(game, seesaw.certificate),
    )
    return Gap(game, classical, seesaw, npa, advantage, problems, time.perf_counter() - start)
