"""The certified gap between a see-saw witness and the exact classical optimum.
"""

from __future__ import annotations

from fractions import Fraction

from .exact import exact_dot, fraction, sense_sign


def check_gap(game, classical_certificate, classical, quantum):
    """The certified quantum advantage, in the game's units (positive: entanglement helps).

    ``classical`` and ``quantum`` are the checks (check_classical, check_seesaw)
    already made of the classical certificate and of the see-saw witness.
    With the classical dual (t, mu) checked exactly and the see-saw witness's
    behaviour q computed exactly, every classical behaviour p meeting the
    constraints at the witness's own levels l_k = d_k.q obeys

        s c.p <= t + sum_k mu_k l_k        (weak duality, as in check_classical),

    so the advantage s (value(q) - c.p) >= s achieved(q) - (t + mu.l), where
    achieved is the witness's value rounded to the worse side. Comparing at the
    witness's exact levels (not at the nominal values) needs no error term.
    Returns (Fraction or None, problems).
    """
    problems = []
    problems += [f"classical: {line}" for line in classical.problems]
    problems += [f"see-saw: {line}" for line in quantum.problems]
    if not (classical.ok and quantum.ok) or classical.bound is None or quantum.achieved is None:
        return None, problems or ["a certificate proves no number"]
    sign = sense_sign(game)
    constant = fraction(classical_certificate["dual"]["constant"])
    multipliers = {k: fraction(v) for k, v in classical_certificate["dual"]["multipliers"].items()}
    q = quantum.behaviour
    classical_at_levels = constant + sum(
        (multipliers.get(c.name, Fraction(0)) * exact_dot(c.exact, q) for c in game.constraints),
        Fraction(0),
    )
    return sign * quantum.achieved - classical_at_levels, problems
