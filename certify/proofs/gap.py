"""The certified gap between a see-saw witness and the exact classical optimum.
"""

from __future__ import annotations

from fractions import Fraction

from .exact import DOWN, UP, exact_dot, fraction, safe_decimal, sense_sign


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


def gap_statement(advantage, lower, upper, digits=10):
    """What a certified gap proves, in one sentence, every number rounded on its safe side.

    ``advantage`` is check_gap's exact advantage, ``lower`` and ``upper`` the
    exact bounds on the quantum optimum. The advantage and the lower end are
    rounded down, the upper end up (certify.proofs.exact.safe_decimal), so
    each printed number is itself a true statement. certify verify rebuilds
    this sentence from the certificates and compares it character for character.
    """
    interval = f"[{safe_decimal(lower, digits, DOWN)}, {safe_decimal(upper, digits, UP)}]"
    if advantage > 0:
        return (f"Entanglement beats every classical strategy by at least {safe_decimal(advantage, digits, DOWN)}; "
                f"the quantum optimum lies in {interval}.")
    return (f"No quantum advantage is shown (the see-saw witness does not beat the classical optimum); "
            f"the quantum optimum lies in {interval}.")
