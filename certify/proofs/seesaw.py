"""Exact check of a see-saw witness (an explicit quantum strategy).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from fractions import Fraction

import flint
import numpy as np

if TYPE_CHECKING:
    from ..games.game import Game

from .exact import Check, as_fmpq, as_fraction, exact_dot, exact_inner, fraction, ldl_psd, sense_sign


# ---------------------------------------------------------------------------
# See-saw witness
#
# A see-saw result proves a lower bound on the quantum value (for a "min" game
# an upper bound on its minimum) by exhibiting a strategy: a mixture, with
# rational weights, of states and measurements. The check below needs no
# solver and no floating point: every stored decimal is read as the exact
# rational it denotes, the measurements are repaired exactly into valid
# POVMs, and the behaviour of the normalised state is computed exactly as a
# rational (p = <psi|A (x) B|psi> / <psi|psi>). The only rounding is that of
# the reported lower bound to SEESAW_DIGITS decimals, towards the safe side.

SEESAW_CLAIM_DIGITS = 40  # digits of the claimed value stored in the certificate (rounded down)
SEESAW_DIGITS = 30  # the achieved value is rounded to this many decimals, safe side
SEESAW_SUM_TOLERANCE = Fraction(1, 10**6)  # stored POVMs must sum to 1 this closely
SEESAW_NORM_TOLERANCE = Fraction(1, 10**14)  # stored states must have norm 1 this closely
SEESAW_PROJECTIVE_TOLERANCE = 1e-9
# Mixing weights with the trivial measurement 1/m tried in turn until every
# repaired operator is provably positive semidefinite.
SEESAW_EPSILONS = (Fraction(0),) + tuple(Fraction(1, 10**k) for k in range(16, 5, -1))


@dataclass
class SeesawCheck(Check):
    """A Check with the see-saw witness's measured quantities (levels, residuals, repairs)."""

    details: dict = field(default_factory=dict)
    behaviour: object = field(default=None, repr=False)  # the exact mixed behaviour, for check_gap




def operator_trace(matrix):
    """The trace of a repaired operator's real part (an fmpq_mat), as a Fraction."""
    return as_fraction(sum((matrix[i, i] for i in range(matrix.nrows())), flint.fmpq(0)))


def _exact_matrix(entry, key):
    """A stored operator as exact rational matrices (re, im), each read within the
    number limits, checked square and of matching sizes before any arithmetic."""
    re = np.array([[fraction(v) for v in row] for row in entry["re"]], dtype=object)
    im = np.array([[fraction(v) for v in row] for row in entry["im"]], dtype=object)
    if re.ndim != 2 or re.shape != im.shape or re.shape[0] != re.shape[1]:
        raise ValueError(f"{key} is not a square matrix with matching real and imaginary parts")
    d = re.shape[0]
    return (flint.fmpq_mat(d, d, [as_fmpq(v) for v in re.flat]),
            flint.fmpq_mat(d, d, [as_fmpq(v) for v in im.flat]))


def _exact_psd(re, im):
    """Exactly: is the Hermitian re + i im positive semidefinite?

    Its real embedding [[re, -im], [im, re]] is PSD iff it is (symmetric
    elimination in exact rationals, as exact_psd).
    """
    n = re.nrows()
    m = [[None] * (2 * n) for _ in range(2 * n)]
    for i in range(n):
        for j in range(n):
            m[i][j] = m[i + n][j + n] = re[i, j]
            m[i][j + n] = -im[i, j]
            m[i + n][j] = im[i, j]
    return ldl_psd(m, False)


def _repair_measurement(question, key, problems):
    """Stored operators -> exact POVM, with the mixing weight used.

    A_a' = A_a + (1 - sum_b A_b)/m (every stored number counts, the sum is 1
    exactly), then A_a'' = (1 - e) A_a' + e 1/m with the first e in
    SEESAW_EPSILONS for which every A_a'' is provably PSD.
    """
    ops = [_exact_matrix(entry, f"{key}[{a}]") for a, entry in enumerate(question)]
    m = len(ops)
    if m == 0:
        raise ValueError(f"{key} has no operators")
    d = ops[0][0].nrows()
    if any(re.nrows() != d for re, _ in ops):
        raise ValueError(f"{key}: operators of different sizes")
    for a, (re, im) in enumerate(ops):
        if not (re == re.transpose() and im == -im.transpose()):
            problems.append(f"{key}[{a}] is not Hermitian")
    eye = flint.fmpq_mat(d, d, [int(i == j) for i in range(d) for j in range(d)])
    sum_re, sum_im = flint.fmpq_mat(d, d), flint.fmpq_mat(d, d)
    for re, im in ops:
        sum_re, sum_im = sum_re + re, sum_im + im
    deviation = max(abs(v) for v in (sum_re - eye).entries() + sum_im.entries())
    if deviation > as_fmpq(SEESAW_SUM_TOLERANCE):
        problems.append(f"{key}: operators sum to the identity only within {float(deviation):.3g}")
    share = flint.fmpq(1, m)
    fixed = [(re + (eye - sum_re) * share, im - sum_im * share) for re, im in ops]
    for epsilon in SEESAW_EPSILONS:
        e = as_fmpq(epsilon)
        mixed = [((1 - e) * re + (e * share) * eye, (1 - e) * im) for re, im in fixed]
        if all(_exact_psd(re, im) for re, im in mixed):
            return mixed, epsilon
    problems.append(f"{key}: not a valid measurement even after mixing 1e-6 of the trivial one")
    return mixed, None


def seesaw_repair(component, game):
    """Parse and repair one stored strategy exactly.

    Returns (repaired, problems): repaired has "state" (re, im object vectors
    of Fractions), "norm" (<psi|psi>, a Fraction), "A" and "B" (per question,
    per answer, (re, im) exact rational matrices, python-flint fmpq_mat),
    "dims", "epsilons". Raises KeyError/TypeError/ValueError on malformed data.
    """
    problems = []
    (iA, iB), (oA, oB) = game.inputs, game.outputs
    repaired = {"epsilons": []}
    for party, questions, answers in (("A", iA, oA), ("B", iB, oB)):
        stored = component[party]
        if len(stored) != questions or any(len(q) != answers for q in stored):
            raise ValueError(f"{party} needs {questions} questions of {answers} operators each")
        measurements = []
        for x, question in enumerate(stored):
            ops, epsilon = _repair_measurement(question, f"{party}[{x}]", problems)
            measurements.append(ops)
            repaired["epsilons"].append(None if epsilon is None else str(epsilon))
        sizes = {re.nrows() for ops in measurements for re, _ in ops}
        if len(sizes) != 1:
            raise ValueError(f"{party}'s operators have different sizes {sorted(sizes)}")
        repaired[party] = measurements
    dA, dB = repaired["A"][0][0][0].nrows(), repaired["B"][0][0][0].nrows()
    re = np.array([fraction(v) for v in component["state"]["re"]], dtype=object)
    im = np.array([fraction(v) for v in component["state"]["im"]], dtype=object)
    if re.shape != (dA * dB,) or im.shape != (dA * dB,):
        raise ValueError(f"the state needs {dA * dB} = {dA} x {dB} amplitudes")
    if not any(re) and not any(im):
        raise ValueError("the state is zero")
    # The behaviour is computed for psi/|psi| exactly; the stored state must
    # still be normalised, so that no stored amplitude is free to change.
    norm = exact_inner(re, re) + exact_inner(im, im)
    if abs(norm - 1) > SEESAW_NORM_TOLERANCE:
        problems.append(f"the state is not normalised (|psi|^2 = {float(norm):.17g})")
    repaired["state"] = (re, im)
    repaired["norm"] = norm  # <psi|psi>, exactly: the behaviour divides by it
    repaired["dims"] = (dA, dB)
    return repaired, problems


def seesaw_exact_behaviour(repaired):
    """p(a,b|x,y) = Re tr(X (B^y_b)^T) / <psi|psi>, X = M^dag A^x_a M, exactly
    (an object array of Fractions).

    (<psi|A (x) B|psi> = sum conj(M_ij) A_ik B_jl M_kl = tr(M^dag A M B^T), and
    tr(X B^T) = sum_ij X_ij B_ij.)
    """
    dA, dB = repaired["dims"]
    re, im = repaired["state"]
    Mr = flint.fmpq_mat(dA, dB, [as_fmpq(v) for v in re])
    Mi = flint.fmpq_mat(dA, dB, [as_fmpq(v) for v in im])
    MrT, MiT = Mr.transpose(), Mi.transpose()
    norm = as_fmpq(repaired["norm"])
    A, B = repaired["A"], repaired["B"]
    B_entries = [[(Br.entries(), Bi.entries()) for Br, Bi in other] for other in B]
    p = np.full((len(A[0]), len(B[0]), len(A), len(B)), Fraction(0), dtype=object)
    for x, question in enumerate(A):
        for a, (Ar, Ai) in enumerate(question):
            # (Mr^T - i Mi^T)(Ar + i Ai)(Mr + i Mi)
            Tr, Ti = MrT * Ar + MiT * Ai, MrT * Ai - MiT * Ar
            Xr, Xi = (Tr * Mr - Ti * Mi).entries(), (Tr * Mi + Ti * Mr).entries()
            for y, other in enumerate(B_entries):
                for b, (Br, Bi) in enumerate(other):
                    p[a, b, x, y] = as_fraction((sum(u * v for u, v in zip(Xr, Br)) - sum(u * v for u, v in zip(Xi, Bi)))
                                              / norm)
    return p


def _seesaw_behaviour(game, certificate, problems):
    """The mixture's exact behaviour, or None; per-component notes in ``notes``."""
    components = certificate["components"]
    if not components:
        raise ValueError("no components")
    weights = [fraction(entry["weight"]) for entry in components]
    if any(w < 0 for w in weights) or sum(weights) != 1:
        problems.append("mixture weights are not a probability distribution")
    total = np.full(game.shape, Fraction(0), dtype=object)
    notes = []
    for index, (weight, entry) in enumerate(zip(weights, components)):
        repaired, trouble = seesaw_repair(entry, game)
        problems += [f"component {index}: {line}" for line in trouble]
        p = seesaw_exact_behaviour(repaired)
        total = total + p * weight
        deviation = 0.0
        for party in ("A", "B"):
            for ops in repaired[party]:
                for re, im in ops:
                    # (re + i im)^2 - (re + i im)
                    sq_re, sq_im = re * re - im * im - re, re * im + im * re - im
                    deviation = max(deviation, max(abs(float(v)) for v in sq_re.entries() + sq_im.entries()))
        notes.append({"dims": list(repaired["dims"]), "epsilons": repaired["epsilons"], "projective_deviation": deviation})
    return total, notes


def decimal_rounded(value, digits, rounding="floor"):
    """A Fraction as a decimal string with ``digits`` decimals, rounded down or up."""
    scale = 10**digits
    scaled = value * scale
    integer = scaled.numerator // scaled.denominator
    if rounding == "ceil" and integer * scaled.denominator != scaled.numerator:
        integer += 1
    sign = "-" if integer < 0 else ""
    text = str(abs(integer)).rjust(digits + 1, "0")
    return f"{sign}{text[:-digits]}.{text[-digits:]}"


def seesaw_value_string(game, certificate):
    """The exact value of a witness as a decimal string of SEESAW_CLAIM_DIGITS decimals
    (what a certificate claims; the check recomputes it)."""
    problems = []
    p, _ = _seesaw_behaviour(game, certificate, problems)
    return decimal_rounded(exact_dot(game.objective_exact, p), SEESAW_CLAIM_DIGITS)


def check_seesaw(game, certificate):
    """Exactly re-check a see-saw witness (a mixture of quantum strategies).

    For each component: operators read as exact rationals, required exactly
    Hermitian and summing to 1 within SEESAW_SUM_TOLERANCE; repaired to an
    exact POVM (deficit spread evenly, then mixed with the trivial
    measurement by the first epsilon that makes every operator provably PSD);
    projectivity measured where claimed. The behaviour of the normalised
    state is computed exactly; the claimed value must be exactly the mixture's
    value rounded down to SEESAW_CLAIM_DIGITS decimals; every constraint must
    hold exactly, in rationals, with no tolerance (a
    witness "within 1e-9" of a constraint written at a tiny scale could be
    far from meeting it). ``achieved`` is the value
    rounded to SEESAW_DIGITS decimals towards the game's worse side, so it is
    a lower bound on the quantum value of a "max" game (an upper bound on the
    quantum minimum of a "min" game).
    """
    problems = []
    try:
        p, notes = _seesaw_behaviour(game, certificate, problems)
        claimed = fraction(certificate["value"])
        projective = certificate.get("projective", False)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError, IndexError) as error:
        return SeesawCheck(False, problems=[f"malformed see-saw certificate: {error!r}"])
    if not isinstance(projective, bool):
        return SeesawCheck(False, problems=["malformed see-saw certificate: 'projective' is not true/false"])
    value = exact_dot(game.objective_exact, p)
    if claimed != fraction(decimal_rounded(value, SEESAW_CLAIM_DIGITS)):
        problems.append(f"claimed value {certificate['value']} differs from the recomputed {decimal_rounded(value, SEESAW_CLAIM_DIGITS)}")
    deviation = max(note["projective_deviation"] for note in notes)
    if projective and deviation > SEESAW_PROJECTIVE_TOLERANCE:
        problems.append(f"measurements claimed projective deviate from projectors by {deviation:.3g}")
    levels, residuals = {}, {}
    for constraint in game.constraints:
        level = exact_dot(constraint.exact, p)
        residual = level - constraint.value
        levels[constraint.name] = decimal_rounded(level, SEESAW_CLAIM_DIGITS)
        residuals[constraint.name] = float(residual)
        holds = {"==": residual == 0, "<=": residual <= 0, ">=": residual >= 0}[constraint.relation]
        if not holds:
            problems.append(
                f"constraint '{constraint.name}': level {levels[constraint.name]} {constraint.relation} "
                f"{constraint.value} fails (by {float(residual):.3g}; checked exactly)"
            )
    rounding = "floor" if sense_sign(game) > 0 else "ceil"
    achieved = fraction(decimal_rounded(value, SEESAW_DIGITS, rounding))
    details = {
        "value_exact_decimal": decimal_rounded(value, SEESAW_CLAIM_DIGITS),
        "error_bound": f"1e-{SEESAW_DIGITS}",
        "error_note": "behaviour and value computed exactly in rationals; the only error is rounding the reported bound",
        "constraint_levels": levels,
        "constraint_residuals": residuals,
        "projective_claimed": projective,
        "projective_deviation": deviation,
        "components": notes,
    }
    return SeesawCheck(ok=not problems, achieved=achieved, problems=problems, details=details, behaviour=p)


def forced_zeros(game: Game) -> tuple[np.ndarray, list[int]]:
    """(mask, indices): the events (a,b,x,y) that constraints force to probability 0, and
    the indices of those constraints in game.constraints.

    A constraint d.p rel 0 whose coefficients d all have one sign, with a relation
    that pins it (d.p == 0, d.p <= 0 with d >= 0, d.p >= 0 with d <= 0), holds
    exactly when p(a,b|x,y) = 0 wherever d[a,b,x,y] != 0, since probabilities
    are non-negative. So every strategy of a mixture meeting it must meet it on
    its own: no choice of mixing weights can, which is why the see-saw treats
    these constraints apart (``optimise_zero``) from the ones the weights meet.
    """
    mask = np.zeros(game.shape, dtype=bool)
    indices = []
    for k, constraint in enumerate(game.constraints):
        entries = list(constraint.exact.flat)
        if constraint.value != 0 or not any(entries):
            continue
        positive, negative = all(v >= 0 for v in entries), all(v <= 0 for v in entries)
        if (constraint.relation == "==" and (positive or negative)) or (constraint.relation == "<=" and positive) \
                or (constraint.relation == ">=" and negative):
            mask |= np.vectorize(lambda v: v != 0, otypes=[bool])(constraint.exact)
            indices.append(k)
    return mask, indices
