"""Exact arithmetic shared by every check: the Check record, rationals, exact dot products,
exact positive-semidefiniteness, weak-duality helpers.


Every command builds its certificate, then calls the check in this module on
it, and reports ``certified`` from that check alone; ``certify verify``
calls the same checks on a JSON file. Conventions shared by all checks:

* Signs. A game is maximised in "max form": the objective is s*c with
  s = +1 for "max" and s = -1 for "min", and dual multipliers are stored for
  that maximisation. A bound B in max form is the bound s*B on the game.
* Weak duality with multipliers mu_k on constraints d_k.p (rel) v_k, where
  mu_k >= 0 for "<=", mu_k <= 0 for ">=" and free for "==": for every
  feasible behaviour p in a set P,

      s c.p <= max_{p in P} (s c - sum_k mu_k d_k).p + sum_k mu_k v_k.

  For the classical set P the maximum is attained at a deterministic strategy
  and is computed exactly by best response (certify.proofs.deterministic); for the
  no-signalling set, after subtracting the no-signalling multipliers, it is
  attained per question pair by a single answer pair.

"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from fractions import Fraction

import flint
import numpy as np

from ..games.game import is_frozen
from ..games.numbers import checked_fraction



@dataclass
class Check:
    """The outcome of one exact check, in the game's own sense."""

    ok: bool
    achieved: Fraction | None = None  # the value an exactly feasible witness reaches
    bound: Fraction | None = None  # no feasible behaviour does better (in the game's sense)
    problems: list = field(default_factory=list)

    @property
    def exact(self):
        if self.ok and self.achieved is not None and self.achieved == self.bound:
            return self.achieved
        return None


def sense_sign(game):
    return 1 if game.sense == "max" else -1


def fraction(text):
    """A stored number as an exact Fraction, its size bounded before Fraction reads it
    (certify.games.numbers: '1e999999999' is bad input, not a hang)."""
    return checked_fraction(text)


def rational_strings(array):
    return np.vectorize(str, otypes=[object])(np.asarray(array, dtype=object)).tolist()


def remembered_per_object(size):
    """Decorate a one-argument function of games or exact tables to remember its answer per
    argument, so that a hit always means the same content.

    An immutable argument is keyed by identity and held with its answer (so that its id
    cannot be reused by another object): a Game (frozen, its tables read-only) or a table
    made by games.game.frozen_array (nobody can write into it). Any other numpy array can
    change in place, so it is keyed by its content: dtype, shape and every entry with its
    type (1, 1.0 and Fraction(1) are equal numbers but give different answers). At
    ``size`` entries the memory starts afresh.
    """
    def decorate(function):
        memory = {}

        @functools.wraps(function)
        def remembered(value):
            if isinstance(value, np.ndarray) and not is_frozen(value):
                key = ("content", value.dtype.str, value.shape, tuple((type(v), v) for v in value.flat))
                known = memory.get(key)
                if known is None:
                    if len(memory) >= size:
                        memory.clear()
                    known = memory[key] = (None, function(value))
                return known[1]
            known = memory.get(id(value))
            if known is None or known[0] is not value:
                if len(memory) >= size:
                    memory.clear()
                known = memory[id(value)] = (value, function(value))
            return known[1]

        return remembered

    return decorate


def as_fmpq(value):
    """A Fraction (or int) as python-flint's exact rational: the same number, with C
    arithmetic, for the checks' inner loops."""
    return flint.fmpq(value.numerator, value.denominator)


def as_fraction(value):
    """python-flint's exact rational back as a Fraction."""
    return Fraction(int(value.p), int(value.q))


def exact_dot(tensor, p):
    """sum of tensor * p over every entry, in exact arithmetic (c.p for a behaviour p): a Fraction."""
    return exact_inner(tensor.flat, p.flat)


def exact_inner(u, v):
    """sum_i u_i v_i of two vectors of Fractions (or ints), exactly: a Fraction."""
    return rational_sum((s.numerator * t.numerator, s.denominator * t.denominator) for s, t in zip(u, v))


def rational_sum(pairs):
    """The Fraction sum of n/d over (n, d) pairs of ints (d > 0), exactly.

    Integer numerators over one running common denominator, reduced once at the
    end: Fraction's own + reduces at every step and builds a Fraction per term
    (a 16-entry dot product 51 -> 8 us; the same number either way).
    """
    numerator, denominator = 0, 1
    for n, d in pairs:
        if not n:
            continue
        if d == denominator:
            numerator += n
            continue
        common = math.gcd(denominator, d)
        if common == d:  # d divides the running denominator
            numerator += n * (denominator // d)
        else:
            scale = d // common
            numerator = numerator * scale + n * (denominator // common)
            denominator *= scale
    return Fraction(numerator, denominator)


def exact_psd(matrix, strict=False):
    """Is the symmetric rational matrix positive semidefinite (definite if ``strict``)?

    Symmetric Gaussian elimination (LDL^T) in exact arithmetic: a positive
    pivot is eliminated; a negative pivot fails; a zero pivot fails when
    ``strict``, and otherwise needs a zero row (else the matrix is indefinite).
    """
    a = [[Fraction(v) for v in row] for row in matrix]
    if len(a) <= _REMEMBERED_SIDE:
        return _small_psd(tuple(map(tuple, a)), strict)
    return ldl_psd(a, strict)


# Small matrices' answers are remembered: a correlation dual's slack does not depend
# on the constraint values, so a frontier and verify test the same one at a split and
# again at splits 0 and 1 (hashing 16 Fractions costs a fraction of eliminating them).
_REMEMBERED_SIDE = 8


@functools.lru_cache(maxsize=4096)
def _small_psd(rows, strict):
    return ldl_psd([list(row) for row in rows], strict)


def ldl_psd(a, strict):
    """exact_psd's elimination, on a list of rows of exact rationals (Fractions, or
    python-flint fmpq), changed in place."""
    size = len(a)
    for k in range(size):
        pivot = a[k][k]
        if pivot < 0 or (pivot == 0 and strict):
            return False
        if pivot == 0:
            if any(a[k][j] != 0 for j in range(k + 1, size)):
                return False
            continue
        for i in range(k + 1, size):
            if a[i][k] == 0:
                continue
            factor = a[i][k] / pivot
            for j in range(k + 1, size):
                a[i][j] -= factor * a[k][j]
    return True


def multiplier_signs_ok(game, multipliers, problems):
    ok = True
    names = {c.name for c in game.constraints}
    for name in multipliers:
        if name not in names:
            problems.append(f"multiplier for unknown constraint '{name}'")
            ok = False
    for constraint in game.constraints:
        mu = multipliers.get(constraint.name, Fraction(0))
        if constraint.relation == "<=" and mu < 0 or constraint.relation == ">=" and mu > 0:
            problems.append(f"multiplier of '{constraint.name}' has the wrong sign for '{constraint.relation}'")
            ok = False
    return ok


def lagrangian(game, multipliers):
    """s c - sum_k mu_k d_k, exactly, and sum_k mu_k v_k."""
    tensor = game.objective_exact * sense_sign(game)
    offset = Fraction(0)
    for constraint in game.constraints:
        mu = multipliers.get(constraint.name, Fraction(0))
        if mu:
            tensor = tensor - constraint.exact * mu
            offset += mu * constraint.value
    return tensor, offset


def check_claim(claimed, achieved, bound, problems):
    """A claimed exact value must be both reached by the witness and proved by the dual."""
    if claimed is None:
        return
    if achieved is None or bound is None or not fraction(claimed) == achieved == bound:
        problems.append(
            f"claimed exact value {claimed} is not both reached ({achieved}) and proved ({bound})"
        )


def strategy_check(certificate, achieved, problems):
    """The Check of an explicit strategy reaching ``achieved`` exactly: a value the
    certificate claims must be exactly that."""
    claimed = certificate.get("value")
    if claimed is not None and (achieved is None or fraction(claimed) != achieved):
        problems.append(f"claimed value {claimed} is not what the strategy reaches ({achieved})")
    return Check(ok=not problems, achieved=achieved, problems=problems)


def holds(relation, left, right):
    return {"==": left == right, "<=": left <= right, ">=": left >= right}[relation]


def behaviour_problems(game, p):
    """Exact feasibility of a behaviour (object array of Fractions) for the game's constraints."""
    problems = []
    for constraint in game.constraints:
        level = exact_dot(constraint.exact, p)
        if not holds(constraint.relation, level, constraint.value):
            problems.append(
                f"constraint '{constraint.name}': {float(level):.12g} {constraint.relation} "
                f"{float(constraint.value):.12g} fails"
            )
    return problems


# ---------------------------------------------------------------------------
# Safe rounding: floats and decimals that summarise an exact number on the safe side
#
# A certified bound is exact (a Fraction). Every float or printed decimal that
# summarises it is rounded towards the side on which the claim stays true: an
# upper bound up, a lower bound (and a "beats by at least") down. Comparisons
# are between Fractions, so the rounding itself is exact; float(Fraction) is
# the correctly rounded nearest double, one nextafter step at most from each
# directed rounding.

UP, DOWN, NEAREST = "up", "down", "nearest"


def float_down(value):
    """The largest double <= value (value a Fraction or int)."""
    value = Fraction(value)
    result = float(value)
    if Fraction(result) > value:
        result = math.nextafter(result, -math.inf)
    return result


def float_up(value):
    """The smallest double >= value."""
    value = Fraction(value)
    result = float(value)
    if Fraction(result) < value:
        result = math.nextafter(result, math.inf)
    return result


def safe_float(value, direction):
    """value rounded to a double in ``direction``: "up", "down" or "nearest" (for exact values)."""
    if direction == UP:
        return float_up(value)
    if direction == DOWN:
        return float_down(value)
    if direction == NEAREST:
        return float(Fraction(value))
    raise ValueError(f"unknown rounding direction {direction!r}")


SAFE_ULPS = 4  # a stored float may sit this many doubles beyond the directed rounding, on the safe side


def safe_float_problem(claimed, value, direction, ulps=SAFE_ULPS):
    """Why the float ``claimed`` does not summarise the exact ``value`` safely (None if it does).

    "up": claimed >= value and at most ``ulps`` doubles above float_up(value);
    "down": the mirror image; "nearest" (an exact value, no side to favour):
    claimed is float_down(value) or float_up(value).
    """
    if isinstance(claimed, bool) or not isinstance(claimed, (int, float)) or not math.isfinite(claimed):
        return f"{claimed!r} is not a finite number"
    value = Fraction(value)
    claimed = float(claimed)
    if direction == NEAREST:
        if claimed in (float_down(value), float_up(value)):
            return None
        return f"{claimed!r} is not the exact value {value} rounded to a double"
    if direction == UP:
        if Fraction(claimed) < value:
            return f"{claimed!r} is below the proven upper bound {value}"
        limit = float_up(value)
        for _ in range(ulps):
            limit = math.nextafter(limit, math.inf)
        if claimed > limit:
            return f"{claimed!r} is not the proven upper bound {value} rounded up"
        return None
    if direction == DOWN:
        if Fraction(claimed) > value:
            return f"{claimed!r} is above the proven lower bound {value}"
        limit = float_down(value)
        for _ in range(ulps):
            limit = math.nextafter(limit, -math.inf)
        if claimed < limit:
            return f"{claimed!r} is not the proven lower bound {value} rounded down"
        return None
    raise ValueError(f"unknown rounding direction {direction!r}")


def safe_decimal(value, digits=10, direction=NEAREST):
    """``value`` with ``digits`` significant digits, rounded in ``direction``, as text.

    Like format(float, ".{digits}g") but from the exact Fraction, so "up"
    text is never below the value and "down" text never above it (Python's
    decimal module divides with directed rounding exactly).
    """
    import decimal

    value = Fraction(value)
    rounding = {UP: decimal.ROUND_CEILING, DOWN: decimal.ROUND_FLOOR, NEAREST: decimal.ROUND_HALF_EVEN}[direction]
    context = decimal.Context(prec=digits, rounding=rounding, Emax=10**6, Emin=-10**6)
    number = context.divide(decimal.Decimal(value.numerator), decimal.Decimal(value.denominator))
    return format(number, f".{digits}g")
