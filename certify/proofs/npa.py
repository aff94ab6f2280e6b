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

The exact check of an NPA dual certificate (``check_npa``) lives here with
the pattern it rebuilds, so the checker never imports the solving side.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..errors import BadInput
from ..games.game import dense_to_collins_gisin
from .exact import Check, fraction, multiplier_signs_ok, sense_sign


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
# NPA dual certificate


def npa_minimal_shift(numerators, denominator, factor_rows, bits):
    """The least e >= 0 for which Z + e I = L L^T + R with R diagonally dominant.

    Z = numerators / denominator (an n x n symmetric integer matrix over one
    positive integer), L = factor_rows / 2^bits (lower triangular, row i has
    i + 1 integers). L L^T is PSD, and a symmetric matrix with non-negative
    diagonal dominating its rows is PSD (Gershgorin), so Z + e I is PSD for
    every e at least the number returned. Exact integer arithmetic
    (python-flint fmpz_mat); the factor is only a hint: a wrong one makes e
    large, never the proof false. This is the rounded-Cholesky verification
    of Peyrl and Parrilo, Theor. Comput. Sci. 409, 269 (2008).
    """
    import flint

    n = len(numerators)
    if len(factor_rows) != n or any(len(row) != i + 1 for i, row in enumerate(factor_rows)):
        raise ValueError("the factor is not lower triangular of the slack's size")
    lower = flint.fmpz_mat([list(row) + [0] * (n - i - 1) for i, row in enumerate(factor_rows)])
    scale = 1 << (2 * bits)
    residual = flint.fmpz_mat(numerators) * scale - (lower * lower.transpose()) * denominator
    entries = [int(v) for v in residual.entries()]
    worst = 0
    for i in range(n):
        row = entries[i * n:(i + 1) * n]
        excess = sum(abs(v) for v in row) - abs(row[i]) - row[i]
        worst = max(worst, excess)
    return Fraction(worst, denominator * scale)


def npa_slack_rows(upper):
    """Parse the upper triangle of the dual slack (row i holds Z[i, i:]) -> full Fraction rows."""
    n = len(upper)
    full = [[None] * n for _ in range(n)]
    for i, row in enumerate(upper):
        if len(row) != n - i:
            raise ValueError(f"slack row {i} has {len(row)} entries, expected {n - i}")
        for offset, text in enumerate(row):
            full[i][i + offset] = full[i + offset][i] = fraction(text)
    return full


def npa_integer_form(full):
    """Fraction rows -> (integer rows, common denominator)."""
    import math

    denominator = math.lcm(*(v.denominator for row in full for v in row))
    return [[v.numerator * (denominator // v.denominator) for v in row] for row in full], denominator


def npa_stationarity_residuals(relax, sums, denominator, multipliers):
    """r_k = b_k + <Z, F_k> - sum_j mu_j g_jk for every moment k >= 2, exactly.

    ``sums[k]`` is the sum of Z's entries (integers over ``denominator``) that
    hold moment k, i.e. <Z, F_k>. The certificate builder drives these to zero
    (certify.bounds.npa.rigorous_certificate); check_npa requires them to be zero.
    """
    residual = {k: Fraction(int(sums[k]), denominator) for k in range(2, relax.pattern.count)}
    for k, value in relax.objective.coefficients.items():
        if k >= 2:
            residual[k] += value
    for name, linear, _, _ in relax.constraints:
        mu = multipliers.get(name, Fraction(0))
        if mu:
            for k, coefficient in linear.coefficients.items():
                if k >= 2:
                    residual[k] -= mu * coefficient
    return residual


def check_npa(game, certificate):
    """Exactly re-check an NPA dual certificate; no solver is called.

    The relaxation is rebuilt from the game and the level (certify.proofs.npa): in
    max form, maximise b0 + b.m subject to M(m) = F_1 + sum_k m_k F_k PSD and
    g_j.m + g0_j (rel_j) v_j. The certificate gives a rational symmetric Z,
    rational multipliers mu (mu_j >= 0 for "<=", <= 0 for ">=") and a shift
    e >= 0. Checked exactly:

    * stationarity: b_k + <Z, F_k> - sum_j mu_j g_jk = 0 for every moment k >= 2;
    * Z + e I is PSD (``npa_minimal_shift`` with the certificate's factor);

    then for the moment matrix M of any quantum strategy meeting the
    constraints, b0 + b.m = b0 + <Z, F_1> + mu.(v - g0) - <Z, M> - sum_j
    mu_j (v_j - g_j.m - g0_j), hence

        s * value <= b0 + <Z, F_1> + sum_j mu_j (v_j - g0_j) + e n,

    because <Z, M> >= -e tr M >= -e n (M's diagonal holds norms of projector
    words, each at most 1) and each mu_j (v_j - g.m - g0_j) >= 0
    (Navascues, Pironio, Acin, arXiv:0803.4290; the shift argument as in
    Peyrl and Parrilo 2008). The claimed bound must equal this number.
    """
    problems = []
    try:
        level = parse_level(certificate["level"], key="certificate.level")
        relax = relaxation(game, level)
        pattern = relax.pattern
        full = npa_slack_rows(certificate["dual"]["slack_upper"])
        multipliers = {k: fraction(v) for k, v in certificate["dual"]["multipliers"].items()}
        shift = fraction(certificate["shift"])
        factor = certificate["factor"]
        bits = int(factor["bits"])
        factor_rows = [[int(v) for v in row] for row in factor["rows"]]
        claimed = fraction(certificate["bound"])
    except Exception as error:  # noqa: BLE001 - any malformation is a failed check
        return Check(False, problems=[f"malformed NPA certificate: {error!r}"])
    n = pattern.size
    if len(full) != n:
        return Check(False, problems=[f"slack is {len(full)} wide, the level-{level} moment matrix {n}"])
    if shift < 0:
        problems.append("the shift e is negative")
    if not multiplier_signs_ok(game, multipliers, problems):
        return Check(False, problems=problems)

    numerators, denominator = npa_integer_form(full)
    # <Z, F_k> for every moment k, over the full matrix (both triangles)
    sums = [0] * pattern.count
    index = pattern.index.tolist()
    for i in range(n):
        row, indices = numerators[i], index[i]
        for j in range(n):
            sums[indices[j]] += row[j]
    residual = npa_stationarity_residuals(relax, sums, denominator, multipliers)
    offset = sum(
        (multipliers.get(name, Fraction(0)) * (value - linear.constant) for name, linear, _, value in relax.constraints),
        Fraction(0),
    )
    wrong = [k for k, value in residual.items() if value]
    if wrong:
        problems.append(
            f"stationarity fails for {len(wrong)} moment(s), first {pattern.moments[wrong[0]]}: "
            f"residual {float(residual[wrong[0]]):.3g}"
        )
    try:
        needed = npa_minimal_shift(numerators, denominator, factor_rows, bits)
    except ValueError as error:
        problems.append(str(error))
    else:
        if shift < needed:
            problems.append(f"Z + e I is not proved PSD: e = {float(shift):.3g} < {float(needed):.3g} needed with the given factor")
    bound_max = (
        relax.objective.constant + Fraction(sums[IDENTITY], denominator) + offset + shift * n
    )
    bound = relax.sign * bound_max
    if claimed != bound:
        problems.append(f"claimed bound {certificate['bound']} differs from the proved {bound}")
    if problems:
        return Check(False, bound=None, problems=problems)
    return Check(True, achieved=None, bound=bound, problems=[])


def level_contains(high, low):
    """Whether level ``high``'s words include all of ``low``'s (so its relaxation is at least as tight)."""
    return low.length <= high.length and all(sum(family) <= high.length or family in high.extras
                                             for family in low.extras)


def looser_level_notes(rows, sense):
    """Notes for levels whose certified bound came out looser than a level they contain.

    ``rows`` are {"level", "certified_bound"} (the float of each level's certified
    bound, on its safe side). In exact arithmetic a higher level is never looser;
    solver accuracy can make it so, and the note names the tighter bound. The
    producer writes these notes and verify rebuilds them from the checked rows.
    """
    sign = 1 if sense == "max" else -1
    notes = []
    for high in rows:
        for low in rows:
            if low is high or not level_contains(parse_level(high["level"]), parse_level(low["level"])):
                continue
            if sign * (high["certified_bound"] - low["certified_bound"]) > 0:
                notes.append(f"level {high['level']} certified {high['certified_bound']:.10g} is looser than level "
                             f"{low['level']} ({low['certified_bound']:.10g}) by "
                             f"{abs(high['certified_bound'] - low['certified_bound']):.2g} "
                             f"(solver accuracy); the tighter bound is level {low['level']}'s")
    return notes
