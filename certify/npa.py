"""The NPA hierarchy as data: moment-matrix index patterns, objective and
constraints as linear functions of moments. No solver is imported here.

Navascues, Pironio and Acin, New J. Phys. 10, 073013 (2008),
arXiv:0803.4290. Operators are the Collins-Gisin projectors
A_{a|x} (a < oA - 1) and B_{b|y} (b < oB - 1); the last answer's projector is
1 minus the others, so nothing is lost (Collins and Gisin, J. Phys. A 37,
1775 (2004), arXiv:quant-ph/0306129). A level is a set S of operator words;
the moment matrix is M[u, v] = <psi| u^dagger v |psi> for u, v in S, and

* words reduce by orthogonality A_{a|x} A_{a'|x} = 0 (a != a'), idempotence
  A_{a|x}^2 = A_{a|x}, and commutation [A, B] = 0, so a word is a pair
  (A-part, B-part) of sequences with no two neighbours asking the same
  question;
* each word is identified with its adjoint (reverse both parts): for a game
  with real coefficients the real part of an optimal complex moment matrix is
  feasible and optimal, so the real symmetric relaxation has the same value.

The relaxation of a game is

    maximise  b0 + sum_k b_k m_k
    such that M(m) = F_1 + sum_k m_k F_k  is positive semidefinite,
              sum_k g_jk m_k + g0_j  (rel_j)  v_j  for every game constraint j,

where m_k are the moments of the words in the moment matrix (index 0 is the
zero word, index 1 the identity, whose moment is 1), F_k the 0/1 pattern
matrices, b the objective s*c in Collins-Gisin form (s = +1 for "max", -1 for
"min") and g the constraints likewise (``dense_to_collins_gisin``, exact on
every no-signalling, hence every quantum, behaviour).

The builder works on the two players' word sets separately (a few hundred
products at most) and combines them for the whole matrix with numpy fancy
indexing; patterns are cached per (scenario, level).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .certificates import npa_minimal_shift, npa_stationarity_residuals, sense_sign
from .errors import BadInput
from .game import dense_to_collins_gisin

ZERO, IDENTITY = 0, 1  # moment indices of the zero word and of the identity


@dataclass(frozen=True)
class Level:
    """A level of the hierarchy: all words of length <= ``length``, plus, for each
    (i, j) in ``extras``, every word with i letters of A and j letters of B.

    "1+AB" is Level(1, ((1, 1),)), the intermediate level of Navascues, Pironio
    and Acin (2008); "2+AAB+ABB" adds the products A A' B and A B B' to level 2.
    Any such set of words gives a valid relaxation: each level's moment matrix
    is a principal submatrix of a high enough standard level's.
    """

    length: int
    extras: tuple = ()

    @property
    def name(self):
        return "+".join([str(self.length)] + ["A" * i + "B" * j for i, j in self.extras])

    def __str__(self):
        return self.name


_LEVEL_HELP = "expected a level 1, 2, 3, ..., optionally plus word families such as '1+AB' or '2+AAB+ABB'"


def parse_level(text, key="--level"):
    """'1', '2', 3, '1+AB', '2+AAB+ABB' (case and spaces ignored) -> Level; else BadInput.

    After the base length, each '+' term is a word family named by its letters:
    as many A's and B's as the words have letters of each player (the players
    commute, so only the counts matter).
    """
    if isinstance(text, Level):
        return text
    if isinstance(text, bool):
        raise BadInput(None, key, f"{_LEVEL_HELP}, got {text!r}")
    terms = re.sub(r"\s+", "", str(text)).upper().split("+")
    if not terms[0].isdigit() or int(terms[0]) < 1:
        raise BadInput(None, key, f"{_LEVEL_HELP}, got '{text}'")
    length = int(terms[0])
    extras = set()
    for term in terms[1:]:
        if not term or set(term) - {"A", "B"}:
            raise BadInput(None, key, f"{_LEVEL_HELP}, got '{text}'")
        family = (term.count("A"), term.count("B"))
        if sum(family) > length:  # families inside the base level add nothing
            extras.add(family)
    # shorter families first, then more A letters: '2+AAB+ABB'
    return Level(length, tuple(sorted(extras, key=lambda family: (sum(family), -family[0]))))


# ---------------------------------------------------------------------------
# One player's words


def _reduce_join(left, right):
    """Reduced form of the product of two reduced one-player words, or None if 0.

    Only the junction can reduce: the neighbours of the junction's letters ask
    other questions, so after one merge nothing else can.
    """
    if left and right and left[-1][0] == right[0][0]:
        if left[-1][1] != right[0][1]:
            return None
        return left + right[1:]
    return left + right


def _player_words(inputs, outputs, length):
    """All reduced one-player words of length <= length, shortest first."""
    letters = [(x, a) for x in range(inputs) for a in range(outputs - 1)]
    words = [()]
    frontier = [()]
    for _ in range(length):
        frontier = [w + (l,) for w in frontier for l in letters if not w or w[-1][0] != l[0]]
        words += frontier
    return words


class _Dictionary:
    """Ids for reduced one-player words (0 is the zero operator, 1 the identity)."""

    def __init__(self):
        self.words = [None, ()]
        self.ids = {(): 1}

    def id(self, word):
        if word is None:
            return 0
        found = self.ids.get(word)
        if found is None:
            found = self.ids[word] = len(self.words)
            self.words.append(word)
        return found


def _reversal(dictionary):
    """reverse[id] = id of the reversed word (0 stays 0), adding missing words."""
    for word in list(dictionary.words[1:]):
        dictionary.id(word[::-1])
    return np.array([0] + [dictionary.ids[w[::-1]] for w in dictionary.words[1:]], dtype=np.int64)


def _player_products(parts, dictionary):
    """table[i, j] = id of parts[i]^dagger parts[j] (0 if the product vanishes)."""
    table = np.empty((len(parts), len(parts)), dtype=np.int64)
    for i, left in enumerate(parts):
        reverse = left[::-1]
        for j, right in enumerate(parts):
            table[i, j] = dictionary.id(_reduce_join(reverse, right))
    return table


# ---------------------------------------------------------------------------
# The moment matrix pattern


@dataclass(frozen=True)
class Pattern:
    """The index pattern of a moment matrix: M[i, j] = m[index[i, j]].

    ``moments[k]`` is the word (A-part, B-part) of moment k (None for k = 0,
    the zero word; ((), ()) for k = 1). ``rows``/``columns`` list, for each
    moment, the positions of the upper triangle (i <= j) where it appears,
    grouped: positions ``order[start[k]:start[k+1]]``.
    """

    level: Level
    inputs: tuple
    outputs: tuple
    words: tuple
    index: np.ndarray
    moments: tuple
    lookup: dict

    @property
    def size(self):
        return self.index.shape[0]

    @property
    def count(self):
        return len(self.moments)

    @functools.cached_property
    def multiplicity(self):
        """How many entries of the full matrix (both triangles) hold each moment."""
        return np.bincount(self.index.ravel(), minlength=self.count)

    def moment(self, a_word=(), b_word=()):
        """The index of the moment of A-word times B-word (in reduced form)."""
        return self.lookup[(tuple(a_word), tuple(b_word))]


def level_words(inputs, outputs, level):
    """The words indexing the moment matrix, as (A-part, B-part) pairs."""
    (iA, iB), (oA, oB) = inputs, outputs
    length = level.length
    longest_a = max([length] + [i for i, _ in level.extras])
    longest_b = max([length] + [j for _, j in level.extras])
    a_words = _player_words(iA, oA, longest_a)
    b_words = _player_words(iB, oB, longest_b)
    words = [
        (a, b) for total in range(length + 1)
        for a in a_words if len(a) <= total
        for b in b_words if len(a) + len(b) == total
    ]
    present = set(words)
    for i, j in level.extras:
        family = [(a, b) for a in a_words if len(a) == i for b in b_words if len(b) == j]
        words += [word for word in family if word not in present]
        present.update(family)
    return words


@functools.lru_cache(maxsize=32)
def build_pattern(inputs, outputs, level):
    """The moment-matrix index pattern for a scenario and level (cached)."""
    inputs, outputs = tuple(inputs), tuple(outputs)
    words = level_words(inputs, outputs, level)
    a_parts = sorted({w[0] for w in words}, key=lambda w: (len(w), w))
    b_parts = sorted({w[1] for w in words}, key=lambda w: (len(w), w))
    a_position = {w: i for i, w in enumerate(a_parts)}
    b_position = {w: i for i, w in enumerate(b_parts)}
    a_dictionary, b_dictionary = _Dictionary(), _Dictionary()
    a_table = _player_products(a_parts, a_dictionary)
    b_table = _player_products(b_parts, b_dictionary)
    # the adjoint of a one-player word is its reverse: close both dictionaries
    # under reversal, then tabulate it
    a_reverse = _reversal(a_dictionary)
    b_reverse = _reversal(b_dictionary)
    nb = len(b_dictionary.words)

    ia = np.array([a_position[w[0]] for w in words])
    ib = np.array([b_position[w[1]] for w in words])
    a_ids = a_table[ia[:, None], ia[None, :]]
    b_ids = b_table[ib[:, None], ib[None, :]]
    keys = a_ids * nb + b_ids
    adjoint = a_reverse[a_ids] * nb + b_reverse[b_ids]
    canonical = np.minimum(keys, adjoint)
    canonical[(a_ids == 0) | (b_ids == 0)] = -1  # the zero word sorts first
    identity_key = 1 * nb + 1
    unique, index = np.unique(canonical.ravel(), return_inverse=True)
    index = index.reshape(canonical.shape)
    # renumber: 0 the zero word, 1 the identity, then the others in order
    order = [k for k in unique if k not in (-1, identity_key)]
    number = {-1: ZERO, identity_key: IDENTITY}
    number.update({k: 2 + i for i, k in enumerate(order)})
    renumber = np.array([number[k] for k in unique], dtype=np.int64)
    index = renumber[index]
    moments = [None, ((), ())] + [
        (a_dictionary.words[k // nb], b_dictionary.words[k % nb]) for k in order
    ]
    lookup = {}
    for k, (a, b) in enumerate(moments[1:], start=1):
        lookup[(a, b)] = k
        lookup[(a[::-1], b[::-1])] = k
    index.setflags(write=False)
    return Pattern(level, inputs, outputs, tuple(words), index, tuple(moments), lookup)


# ---------------------------------------------------------------------------
# The game on moments


@dataclass(frozen=True)
class Linear:
    """constant + sum_k coefficients[k] m_k, exactly (Fractions) and as floats."""

    constant: Fraction
    coefficients: dict  # moment index -> Fraction (no zeros)

    def dense(self, count):
        vector = np.zeros(count)
        for k, value in self.coefficients.items():
            vector[k] = float(value)
        return vector


@dataclass(frozen=True)
class Relaxation:
    """A game's NPA relaxation in max form (see the module docstring)."""

    pattern: Pattern
    objective: Linear  # s * c in moments
    constraints: tuple  # (name, Linear, relation, value), in the game's order
    sign: int

    @property
    def level(self):
        return self.pattern.level


def cg_linear(pattern, dense):
    """A dense tensor d[a,b,x,y] as a linear function of moments.

    Through its Collins-Gisin table T (``dense_to_collins_gisin``):
    d.p = T[0,0] + sum T[(x,a),0] <A_{a|x}> + sum T[0,(y,b)] <B_{b|y}>
    + sum T[(x,a),(y,b)] <A_{a|x} B_{b|y}>, exact on no-signalling p.
    """
    oA, oB, iA, iB = dense.shape
    table = dense_to_collins_gisin(dense)
    la, lb = oA - 1, oB - 1
    coefficients = {}

    def add(k, value):
        if value:
            coefficients[k] = coefficients.get(k, Fraction(0)) + value

    for x in range(iA):
        for a in range(la):
            row = 1 + x * la + a
            add(pattern.moment(((x, a),), ()), table[row, 0])
            for y in range(iB):
                for b in range(lb):
                    add(pattern.moment(((x, a),), ((y, b),)), table[row, 1 + y * lb + b])
    for y in range(iB):
        for b in range(lb):
            add(pattern.moment((), ((y, b),)), table[0, 1 + y * lb + b])
    coefficients = {k: v for k, v in coefficients.items() if v}
    return Linear(Fraction(table[0, 0]), coefficients)


def relaxation(game, level):
    """The NPA relaxation of a game at a level (max form: objective s*c)."""
    level = parse_level(level)
    pattern = build_pattern(tuple(game.inputs), tuple(game.outputs), level)
    sign = sense_sign(game)
    objective = cg_linear(pattern, game.objective_exact * sign)
    constraints = tuple(
        (c.name, cg_linear(pattern, c.exact), c.relation, Fraction(c.value)) for c in game.constraints
    )
    return Relaxation(pattern, objective, constraints, sign)


# ---------------------------------------------------------------------------
# The rigorous bound

DYADIC_BITS = 40  # the solver's dual is rounded to multiples of 2^-40 (times a scale)


def _dyadic(values, bits):
    """Round floats to integers over 2^bits (numpy int64), keeping sums exact."""
    return np.rint(np.asarray(values, dtype=float) * float(2**bits)).astype(np.int64)


def rigorous_certificate(relaxation, solution):
    """Turn a floating dual solution into an exact certificate (see check_npa).

    1. Round Z and mu to dyadic rationals (mu clipped to its sign).
    2. Make stationarity exact: for each moment k >= 2 the residual
       r_k = b_k + <Z, F_k> - sum_j mu_j g_jk is subtracted evenly from the
       mult_k entries of Z holding moment k (the least-norm correction, since
       the patterns are disjoint).
    3. Factor Z + t I in floating point (t just above -lambda_min(Z)), round
       the factor L to dyadic, and take the least shift e that the exact
       residual Z + e I - L L^T proves PSD by diagonal dominance
       (certify.certificates.npa_minimal_shift).
    4. bound (max form) = b0 + <Z, F_1> + sum_j mu_j (v_j - g0_j) + e n.
    """
    pattern = relaxation.pattern
    n, count = pattern.size, pattern.count
    slack = solution.slack
    scale = max(1.0, float(np.max(np.abs(slack))))
    bits = DYADIC_BITS - int(np.ceil(np.log2(scale)))  # keeps every sum inside int64
    grid = 2**bits
    rounded = _dyadic(slack, bits)
    rounded = np.triu(rounded) + np.triu(rounded, 1).T  # exactly symmetric
    multipliers = {}
    for (name, _, relation, _), mu in zip(relaxation.constraints, solution.multipliers):
        if relation == "<=":
            mu = max(mu, 0.0)
        elif relation == ">=":
            mu = min(mu, 0.0)
        multipliers[name] = Fraction(int(np.rint(mu * 2**DYADIC_BITS)), 2**DYADIC_BITS)

    index = pattern.index
    sums = np.zeros(count, dtype=np.int64)
    np.add.at(sums, index.ravel(), rounded.ravel())
    residual = npa_stationarity_residuals(relaxation, sums.tolist(), grid, multipliers)
    multiplicity = pattern.multiplicity
    correction = [Fraction(0)] * count
    for k, value in residual.items():
        if value:
            correction[k] = value / int(multiplicity[k])
    # one common denominator for the whole exact Z
    import math

    denominator = math.lcm(grid, *(c.denominator for c in correction))
    numerators = rounded.astype(object) * (denominator // grid)
    shifts = np.array([c.numerator * (denominator // c.denominator) for c in correction], dtype=object)
    numerators = numerators - shifts[index]
    exact_float = np.array(numerators.tolist(), dtype=float) / float(denominator)
    numerators = numerators.tolist()

    # the PSD shift: a rounded Cholesky factor of Z + t I, then the exact e
    smallest = float(np.linalg.eigvalsh(exact_float)[0])
    margin = 10 * n * np.finfo(float).eps * max(1.0, float(np.max(np.abs(exact_float))))
    for _ in range(30):
        t = max(0.0, -smallest) + margin
        try:
            lower = np.linalg.cholesky(exact_float + t * np.eye(n))
            break
        except np.linalg.LinAlgError:
            margin *= 4
    else:  # pragma: no cover - eigvalsh and cholesky would have to disagree wildly
        from .errors import SolverFailed

        raise SolverFailed(solution.solver.get("name"), "dual not factorable", "try another --solver")
    factor_bits = 52 - max(0, int(np.ceil(np.log2(max(1.0, float(np.max(np.abs(lower))))))))
    factor = _dyadic(lower, factor_bits)
    factor_rows = [factor[i, : i + 1].tolist() for i in range(n)]
    needed = npa_minimal_shift(numerators, denominator, factor_rows, factor_bits)
    shift = _round_up(needed, 64)

    offset = sum(
        (multipliers[name] * (value - linear.constant) for name, linear, _, value in relaxation.constraints),
        Fraction(0),
    )
    identity = sum((numerators[i][j] for i, j in zip(*np.nonzero(index == IDENTITY))), 0)
    bound_max = relaxation.objective.constant + Fraction(identity, denominator) + offset + shift * n
    upper = [
        [str(Fraction(numerators[i][j], denominator)) for j in range(i, n)] for i in range(n)
    ]
    return {
        "kind": "npa",
        "level": relaxation.level.name,
        "size": n,
        "moments": count - 2,
        "dual": {"slack_upper": upper, "multipliers": {k: str(v) for k, v in multipliers.items()}},
        "shift": str(shift),
        "trace_bound": n,
        "factor": {"bits": factor_bits, "rows": factor_rows},
        "bound": str(relaxation.sign * bound_max),
    }


def _round_up(value, bits):
    """The least multiple of 2^-bits at or above a non-negative Fraction."""
    grid = 2**bits
    return Fraction(-((-value.numerator * grid) // value.denominator), grid)


# An inaccurate solve (Clarabel's "almost solved", e.g. I3322 level 3) is kept
# when its proved bound is this close to the solver's value: the certificate
# makes the bound true whatever the solver's accuracy; this only refuses
# bounds that an inaccurate dual made uselessly loose.
INACCURATE_GAP = 1e-4


def npa_bound(game, level="2", solver=None):
    """A certified quantum bound on a game from NPA level ``level`` (a Result).

    Solves the relaxation (certify.sdp), turns its dual into an exact
    certificate (``rigorous_certificate``) and re-checks it with
    certify.certificates.check_npa. ``value`` is the certified bound in the
    game's sense (an upper bound for "max", a lower bound for "min");
    ``details["solver_value"]`` is the solver's own optimum beside it.
    """
    import time

    from . import sdp
    from .certificates import check_npa
    from .results import Result

    start = time.perf_counter()
    level = parse_level(level)
    relax = relaxation(game, level)
    built = time.perf_counter()
    solution = sdp.solve(relax, solver)
    solved = time.perf_counter()
    certificate = rigorous_certificate(relax, solution)
    certificate["solver_value"] = relax.sign * solution.value
    check = check_npa(game, certificate)
    checked = time.perf_counter()
    solver_value = relax.sign * solution.value
    if solution.solver["status"] != sdp.OPTIMAL:
        # Stopped short of tolerance: keep it only if the exact bound is proved
        # and within INACCURATE_GAP of the solver's value (the gap says the
        # solve was accurate enough); never report the solver's number alone.
        gap = abs(float(check.bound) - solver_value) if check.ok else float("inf")
        if gap > INACCURATE_GAP * max(1.0, abs(solver_value)):
            raise sdp.SolverFailed(
                solution.solver["name"], f"{solution.solver['status']} (certified gap {gap:.2g})",
                sdp.ADVICE[sdp.INACCURATE],
            )
    value = float(check.bound) if check.ok else solver_value
    details = {
        "solver_value": solver_value,
        "bound": certificate["bound"],
        "level": level.name,
        "moment_matrix_size": relax.pattern.size,
        "moments": relax.pattern.count - 2,
        "timings": {
            "relaxation": round(built - start, 6),
            "cvxpy_build": round(solution.build_seconds, 6),
            "solve": round(solution.solve_seconds, 6),
            "certificate": round(checked - solved, 6),
        },
    }
    return Result(
        command="quantum",
        game=game,
        value=value,
        exact=None,
        certified=check.ok,
        certificate=certificate,
        solver=solution.solver,
        seconds=checked - start,
        method=f"NPA level {level.name} (moment matrix {relax.pattern.size}x{relax.pattern.size}, "
        f"{relax.pattern.count - 2} moments), rigorous dual bound",
        details=details,
        problems=check.problems,
    )
