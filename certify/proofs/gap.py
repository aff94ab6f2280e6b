"""The certified gap between a see-saw witness and the exact classical optimum.
"""

from __future__ import annotations

from .exact import DOWN, UP, fraction, lagrangian, safe_decimal, sense_sign


def check_gap(game, classical_certificate, classical, quantum):
    """The certified quantum advantage, in the game's units (positive: entanglement helps).

    ``classical`` and ``quantum`` are the checks (check_classical, check_seesaw)
    already made of the classical certificate and of the see-saw witness. The
    advantage is over the classical optimum of the game as written, each
    constraint taken as the relation it states. With the classical dual
    (t, mu) checked exactly (mu_k >= 0 for '<=', <= 0 for '>=', free for
    '=='), every classical behaviour p meeting the constraints obeys

        s c.p <= t + sum_k mu_k d_k.p <= t + sum_k mu_k v_k        (weak duality),

    the second step because mu_k (d_k.p - v_k) <= 0 for each relation. The
    see-saw check proves that the witness's exact behaviour q meets every
    constraint as written, so q is a quantum behaviour of the same game, and

        advantage >= s achieved(q) - (t + mu.v),

    achieved being the witness's value rounded to the worse side. The witness's
    own levels d_k.q are not used for an inequality: a witness meeting
    d.q <= v with slack would be compared with the classical optimum of a
    tighter game (d.p <= d.q), which overstates the advantage. (For an
    equality row the level the witness meets is the nominal value itself.)
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
    _, nominal = lagrangian(game, multipliers)  # sum_k mu_k v_k at the game's own values
    classical_optimum = constant + nominal  # in max form: s times the classical optimum's upper bound
    if classical_optimum != sign * classical.bound:  # the same number check_classical proved
        return None, problems + ["the classical dual does not give the bound its check proved"]
    return sign * quantum.achieved - classical_optimum, problems


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
    # The NPA bound beats the classical optimum by advantage + (upper - lower) in either sense:
    # when that is positive an advantage may still exist, and a longer search may find it.
    headroom = advantage + (upper - lower)
    hint = "" if headroom <= 0 else (
        f" The NPA bound leaves room for an advantage of up to {safe_decimal(headroom, digits, UP)}: "
        "more --restarts or another --dim may find a better witness.")
    return (f"No quantum advantage is shown (the see-saw witness does not beat the classical optimum); "
            f"the quantum optimum lies in {interval}.{hint}")
