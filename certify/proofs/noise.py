"""Exact checks for correlation games played with Werner pairs (noisy entanglement).

A Werner pair of visibility v is rho_v = v |Phi+><Phi+| + (1 - v) I/4
(fidelity F = <Phi+|rho_v|Phi+> = (1 + 3v)/4; any two-qubit pair can be
twirled into one with shared randomness: Werner, Phys. Rev. A 40, 4277
(1989); Bennett et al., Phys. Rev. A 54, 3824 (1996)).

Measurements. A two-outcome qubit measurement is an observable
A = a0 I + a.sigma with |a0| + |a| <= 1. Its extreme points are the
trivial ones (A = +-I: answer a fixed sign) and the projective traceless
ones (A = u.sigma, |u| = 1). On rho_v, with B's observable written
w.sigma^T (sigma^T = (sigma_x, -sigma_y, sigma_z)), the correlator is

    E = tr(rho_v A (x) B) = a0 b0 + v a.w,

so for extreme choices it is v u.w (both projective), 0 (one trivial: the
other side's marginal of rho_v is maximally mixed) or d e (both trivial,
signs d, e). E is multilinear in the per-question observables, so with
shared randomness the reachable correlators are the convex hull, over the
patterns sigma = (P_A, P_B) of projectively answered questions and the
signs of the trivially answered ones, of

    S_sigma(v) = { E : E_xy = v u_x.w_y on P_A x P_B, d_x e_y on T_A x T_B, 0 elsewhere }.

A shared fair coin that flips both answers makes every such strategy
flip-symmetric (uniform marginals) without changing E.

Certificates (max form s c.p = K + g.E, flip-invariant constraints
K_j + h_j.E rel v_j with multipliers mu_j; see certify.proofs.correlator):

* "werner-strategy": a mixture of components, each a list of A and B
  measurements, each either a rational Bloch vector of squared norm exactly
  1 (projective) or "+1"/"-1" (trivial). Its correlators are computed
  exactly by the rule above; the flip-symmetric behaviour must meet every
  constraint exactly; its value is what the strategy reaches.

* "werner-dual": multipliers mu and, for every pattern with P_A and P_B
  both non-empty, a vector z and a shift e >= 0 with

      S = diag(z) + e I - (v/2) [[0, F], [F^T, 0]]  positive semidefinite

  (exact LDL^T), F = f restricted to P_A x P_B, f = g - sum_j mu_j h_j.
  Then v sum f_xy u_x.w_y <= sum z + n e for all unit vectors (the
  Tsirelson SDP dual, <S, G> >= 0 for the Gram matrix G), and the best sign
  part D_sigma = max_{d,e} sum_{T_A x T_B} f_xy d_x e_y is computed exactly
  by enumeration. Every behaviour of a Werner-pair strategy meeting the
  constraints has

      s c.p <= K + max_sigma (sum z_sigma + n_sigma e_sigma + D_sigma) + sum_j mu_j (v_j - K_j).

  With "supply" f (a fraction 1 - f of the request pairs finds no pair and
  is answered classically, both front-ends knowing which: heralded pairs),
  every policy is f p_q + (1 - f) p_c with p_q a Werner-pair behaviour and
  p_c a local one, each with its own split, meeting the constraints on
  average; with one multiplier mu for both parts the bound becomes
  K + f max_sigma (...) + (1 - f) D_all + sum_j mu_j (v_j - K_j), D_all the
  best sign part over all questions (the classical Lagrangian). A
  "werner-strategy" with "supply" f may put at most weight f on components
  that measure the pair. With "same_split": true both parts meet the
  constraints on their own (a strategy marks its parts with "pair"; a dual
  then has "classical_multipliers" for the part without a pair): needed when
  pair availability is correlated over time (a link with memories), since
  only then is every request pair's split p whatever the link's state.

  For two questions per player every pattern's Gram block needs rank <= 2,
  so the hull is exactly the set above (qubits suffice); beyond, the bound
  is still valid (it relaxes the rank), only possibly not tight.

Also a visibility v = 1 behaves as the maximally entangled pair and v = 0
as no entanglement: S_0 patterns give exactly the local polytope.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np

from .correlator import correlation_behaviour, correlator_form, flip_odd, signed_correlator_form
from .exact import (
    Check, behaviour_problems, exact_dot, exact_inner, exact_psd, fraction, multiplier_signs_ok, sense_sign,
    strategy_check,
)
from .seesaw import check_seesaw, operator_trace, seesaw_exact_behaviour, seesaw_repair

TRIVIAL = {"+1": 1, "-1": -1}


def werner_method(kind: str, certificate: dict) -> str | None:
    """The ``method`` text of a Werner-pair result, a function of its certificate alone (the producer
    writes it, a checker can rebuild it and compare): the kind, the visibility, and with a supply below 1
    the share of request pairs with a pair and the split rule. None for another kind."""
    v = certificate.get("visibility")
    supply = certificate.get("supply")
    setting = "" if supply is None else (f", pairs for a share {supply} of request pairs"
                                         + (", each part meeting the constraints on its own"
                                            if certificate.get("same_split") is True else ""))
    if kind == "werner-dual":
        return f"disjunctive SDP over measurement patterns on Werner pairs, v = {v}{setting}"
    if kind == "werner-strategy":
        return f"qubit measurements on Werner pairs (v = {v}) mixed with fixed answers, exact weights{setting}"
    if kind == "noisy-witness":
        return f"see-saw witness on its state under white noise, visibility {v}"
    return None


def parse_visibility(text):
    """An exact visibility in [0, 1] from a certificate, or ValueError."""
    v = fraction(text)
    if not 0 <= v <= 1:
        raise ValueError(f"visibility {text} is not in [0, 1]")
    return v


def parse_supply(text):
    """An exact supply fraction in [0, 1] (the share of request pairs that find a fresh pair), or ValueError."""
    f = fraction(text)
    if not 0 <= f <= 1:
        raise ValueError(f"supply {text} is not in [0, 1]")
    return f


def parse_measurement(entry):
    """A measurement: int sign (trivial) or a list of three Fractions (Bloch vector)."""
    if isinstance(entry, str):
        if entry not in TRIVIAL:
            raise ValueError(f"unknown trivial measurement {entry!r} (use '+1' or '-1')")
        return TRIVIAL[entry]
    vector = [fraction(c) for c in entry]
    if len(vector) != 3:
        raise ValueError(f"a Bloch vector has three coordinates, got {len(vector)}")
    return vector


def measurement_correlator(v, a, b):
    """E = tr(rho_v A (x) B) for extreme measurements a, b (signs or unit Bloch vectors)."""
    if isinstance(a, int) and isinstance(b, int):
        return Fraction(a * b)
    if isinstance(a, int) or isinstance(b, int):
        return Fraction(0)
    return v * exact_inner(a, b)


def werner_correlators(v, components, iA, iB, problems):
    """sum_k w_k E_k exactly, with problems listed for malformed components."""
    E = np.full((iA, iB), Fraction(0), dtype=object)
    for index, (weight, A, B) in enumerate(components):
        if len(A) != iA or len(B) != iB:
            problems.append(f"component {index}: expected {iA} + {iB} measurements")
            continue
        if any(not isinstance(m, int) and exact_inner(m, m) != 1 for m in A + B):
            problems.append(f"component {index}: a Bloch vector is not exactly of unit length")
            continue
        for x in range(iA):
            for y in range(iB):
                E[x, y] += weight * measurement_correlator(v, A[x], B[y])
    return E


def correlation_constraints(game, problems):
    """[(constraint, K_j, h_j)] of the flip-invariant constraints; flip-odd ones with value 0 are skipped."""
    kept = []
    for constraint in game.constraints:
        form = correlator_form(constraint.exact)
        if form is None:
            if not (flip_odd(constraint.exact) and constraint.value == 0 and constraint.relation == "=="):
                problems.append(f"constraint '{constraint.name}' is neither flip-invariant nor odd with value 0")
            continue
        kept.append((constraint, form[0], form[1]))
    return kept


def check_werner_strategy(game, certificate):
    """Exactly re-check a mixture of qubit strategies on Werner pairs (see the module docstring)."""
    problems = []
    try:
        v = parse_visibility(certificate["visibility"])
        supply = parse_supply(certificate.get("supply", "1"))
        components = [
            (fraction(entry["weight"]),
             [parse_measurement(m) for m in entry["A"]],
             [parse_measurement(m) for m in entry["B"]])
            for entry in certificate["mixture"]
        ]
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as error:
        return Check(False, problems=[f"malformed Werner strategy: {error!r}"])
    if game.outputs != (2, 2):
        return Check(False, problems=["a Werner strategy needs two answers per player"])
    if not components or any(w < 0 for w, _, _ in components) or sum(w for w, _, _ in components) != 1:
        problems.append("mixture weights are not a probability distribution")
    iA, iB = game.inputs
    using = sum((w for w, A, B in components if any(not isinstance(m, int) for m in A + B)), Fraction(0))
    if using > supply:
        problems.append(f"components measuring the pair have weight {using}, above the supply {supply}")
    same_split = certificate.get("same_split", False)
    if same_split is True and not problems:
        # the part played with a pair ("pair": true, weight exactly the supply) and the rest each meet
        # the constraints on their own
        flags = [entry.get("pair") for entry in certificate["mixture"]]
        for flag, share in ((True, supply), (False, 1 - supply)):
            part = [c for c, mark in zip(components, flags) if mark is flag]
            if sum((w for w, _, _ in part), Fraction(0)) != share:
                problems.append(f"the {'pair' if flag else 'no-pair'} part does not have weight {share}")
            elif share:
                if not flag and any(not isinstance(m, int) for _, A, B in part for m in A + B):
                    problems.append("the no-pair part measures a pair")
                E_part = werner_correlators(v, [(w / share, A, B) for w, A, B in part], iA, iB, problems)
                problems += [f"{'pair' if flag else 'no-pair'} part: {line}"
                             for line in behaviour_problems(game, correlation_behaviour(E_part))]
    elif same_split is not False:
        problems.append("'same_split' must be true or false")
    iA, iB = game.inputs
    E = werner_correlators(v, components, iA, iB, problems)
    achieved = None
    if not problems:
        correlation_constraints(game, problems)
        if not problems:
            p = correlation_behaviour(E)
            problems += behaviour_problems(game, p)
            if not problems:
                achieved = exact_dot(game.objective_exact, p)
    return strategy_check(certificate, achieved, problems)


def patterns(iA, iB):
    """Every (P_A, P_B): tuples of the projectively answered questions of each player."""
    subsets_A = [tuple(x for x in range(iA) if mask >> x & 1) for mask in range(1 << iA)]
    subsets_B = [tuple(y for y in range(iB) if mask >> y & 1) for mask in range(1 << iB)]
    return [(PA, PB) for PA in subsets_A for PB in subsets_B]


def best_signs(f, TA, TB):
    """(D, d, e): max over signs d on TA, e on TB of sum f_xy d_x e_y, exactly.

    For each d the best e_y is the sign of sum_x f_xy d_x; d_0 = +1 loses
    nothing (flipping every sign leaves the sum unchanged).
    """
    if not TA or not TB:
        return Fraction(0), {x: 1 for x in TA}, {y: 1 for y in TB}
    best = None
    for rest in itertools.product((1, -1), repeat=len(TA) - 1):
        d = dict(zip(TA, (1,) + rest))
        total, e = Fraction(0), {}
        for y in TB:
            column = sum((f[x, y] * d[x] for x in TA), Fraction(0))
            e[y] = 1 if column >= 0 else -1
            total += abs(column)
        if best is None or total > best[0]:
            best = (total, d, e)
    return best


def block_slack(v, f, PA, PB, z, shift):
    """diag(z) + shift I - (v/2) [[0, F], [F^T, 0]] as rational rows (F = f on PA x PB)."""
    nA = len(PA)
    n = nA + len(PB)
    S = [[Fraction(0)] * n for _ in range(n)]
    for i, x in enumerate(PA):
        for j, y in enumerate(PB):
            S[i][nA + j] = S[nA + j][i] = -v * f[x, y] / 2
    for i in range(n):
        S[i][i] = z[i] + shift
    return S


def lagrangian_correlators(game, multipliers, problems):
    """(K, f, offset): s c.p = K + g.E and f = g - sum mu_j h_j, offset = sum mu_j (v_j - K_j)."""
    form = signed_correlator_form(game)
    if form is None:
        problems.append("the objective is not flip-invariant: not a correlation game")
        return None
    constant, g = form
    f = g.copy()
    offset = Fraction(0)
    for constraint, k_j, h_j in correlation_constraints(game, problems):
        mu = multipliers.get(constraint.name, Fraction(0))
        f = f - h_j * mu
        offset += mu * (constraint.value - k_j)
    for constraint in game.constraints:
        if correlator_form(constraint.exact) is None and multipliers.get(constraint.name):
            problems.append(f"constraint '{constraint.name}' is dropped; its multiplier must be 0")
    return constant, f, offset


def check_werner_dual(game, certificate):
    """Exactly re-check a disjunctive (pattern by pattern) dual bound for Werner pairs."""
    problems = []
    sign = sense_sign(game)
    try:
        v = parse_visibility(certificate["visibility"])
        supply = parse_supply(certificate.get("supply", "1"))
        multipliers = {k: fraction(val) for k, val in certificate["multipliers"].items()}
        same_split = certificate.get("same_split", False)
        classical_multipliers = {k: fraction(val) for k, val in certificate.get("classical_multipliers", {}).items()}
        if not isinstance(same_split, bool) or (classical_multipliers and not same_split):
            raise ValueError("'classical_multipliers' only with \"same_split\": true")
        blocks = {}
        for entry in certificate["blocks"]:
            key = (tuple(int(x) for x in entry["A"]), tuple(int(y) for y in entry["B"]))
            blocks[key] = ([fraction(c) for c in entry["z"]], fraction(entry["shift"]))
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as error:
        return Check(False, problems=[f"malformed Werner dual: {error!r}"])
    if game.outputs != (2, 2):
        return Check(False, problems=["a Werner dual needs two answers per player"])
    multiplier_signs_ok(game, multipliers, problems)
    multiplier_signs_ok(game, classical_multipliers, problems)
    parts = lagrangian_correlators(game, multipliers, problems)
    parts_c = lagrangian_correlators(game, classical_multipliers if same_split else multipliers, problems)
    if problems:
        return Check(False, problems=problems)
    constant, f, offset = parts
    _, f_c, offset_c = parts_c
    iA, iB = game.inputs
    best = None
    for PA, PB in patterns(iA, iB):
        TA = tuple(x for x in range(iA) if x not in PA)
        TB = tuple(y for y in range(iB) if y not in PB)
        value = best_signs(f, TA, TB)[0]
        if PA and PB:
            if (PA, PB) not in blocks:
                problems.append(f"no dual block for the pattern A {list(PA)}, B {list(PB)}")
                continue
            z, shift = blocks[(PA, PB)]
            if len(z) != len(PA) + len(PB) or shift < 0:
                problems.append(f"pattern A {list(PA)}, B {list(PB)}: expected {len(PA) + len(PB)} z and a shift >= 0")
                continue
            if not exact_psd(block_slack(v, f, PA, PB, z, shift)):
                problems.append(f"pattern A {list(PA)}, B {list(PB)}: the dual slack is not positive semidefinite")
                continue
            value += sum(z, Fraction(0)) + len(z) * shift
        best = value if best is None else max(best, value)
    bound = None
    if not problems:
        # a fraction 1 - supply of the request pairs has no pair: their best is the all-fixed-answers pattern
        # (with "same_split" each part meets the constraints on its own, so each has its own multipliers)
        classical = best_signs(f_c, tuple(range(iA)), tuple(range(iB)))[0]
        bound = sign * (constant + supply * (best + offset) + (1 - supply) * (classical + offset_c))
    claimed = certificate.get("value")
    if claimed is not None and (bound is None or fraction(claimed) != bound):
        problems.append(f"claimed bound {claimed} is not what the multipliers prove ({bound})")
    return Check(ok=not problems, bound=bound, problems=problems)


# ---------------------------------------------------------------------------
# A see-saw witness under white noise (any game)
#
# The witness's state rho becomes v rho + (1 - v) I/(dA dB) (for a two-qubit
# maximally entangled state: the Werner pair). Its measurements on I/(dA dB)
# give the product behaviour p0(a,b|x,y) = tr(A^x_a)/dA tr(B^y_b)/dB, so the
# noisy behaviour is v p + (1 - v) p0 and its value v Q + (1 - v) N, with Q
# and N exact rationals of the exactly repaired witness. Against a classical
# value C (max form, Q > C) the witness stops beating C at the exact
# visibility v_c = max(0, (C - N) / (Q - N)).


def white_noise_behaviours(game, witness, problems):
    """(p, p0): the witness's exact behaviour and that of its measurements on the maximally mixed state."""
    components = witness["components"]
    if not components:
        raise ValueError("no components")
    p = np.full(game.shape, Fraction(0), dtype=object)
    p0 = np.full(game.shape, Fraction(0), dtype=object)
    for index, entry in enumerate(components):
        weight = fraction(entry["weight"])
        repaired, trouble = seesaw_repair(entry, game)
        problems += [f"component {index}: {line}" for line in trouble]
        p = p + seesaw_exact_behaviour(repaired) * weight
        dA, dB = repaired["dims"]
        marginal_A = [[operator_trace(re) / dA for re, _ in question] for question in repaired["A"]]
        marginal_B = [[operator_trace(re) / dB for re, _ in question] for question in repaired["B"]]
        for a, b, x, y in np.ndindex(game.shape):
            p0[a, b, x, y] += weight * marginal_A[x][a] * marginal_B[y][b]
    return p, p0


def witness_critical_visibility(game, Q, N, classical):
    """The exact visibility below which v Q + (1 - v) N no longer beats the classical value, or None."""
    sign = sense_sign(game)
    q, n, c = sign * Q, sign * N, sign * classical
    if q <= c:
        return None
    return max(Fraction(0), (c - n) / (q - n))


def check_noisy_witness(game, certificate):
    """Exactly re-check a see-saw witness evaluated under white noise of visibility v.

    The witness must pass check_seesaw; the noisy behaviour v p + (1 - v) p0
    must meet every constraint exactly; its exact value is what is achieved.
    A stated "classical" value gives the exact critical visibility, which
    must match a stated "critical_visibility" (None when the witness never
    beats it, or when the noise term p0 breaks a constraint: the noisy
    behaviour is then infeasible at every v < 1).
    """
    problems = []
    try:
        v = parse_visibility(certificate["visibility"])
        witness = certificate["witness"]
        seesaw = check_seesaw(game, witness)
        problems += [f"witness: {line}" for line in seesaw.problems]
        p, p0 = white_noise_behaviours(game, witness, problems)
        classical = certificate.get("classical")
        classical = None if classical is None else fraction(classical)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError, IndexError) as error:
        return Check(False, problems=[f"malformed noisy witness: {error!r}"])
    noisy = p * v + p0 * (1 - v)
    problems += behaviour_problems(game, noisy)
    achieved = exact_dot(game.objective_exact, noisy) if not problems else None
    if classical is not None:
        critical = None if behaviour_problems(game, p0) else witness_critical_visibility(
            game, exact_dot(game.objective_exact, p), exact_dot(game.objective_exact, p0), classical)
        stated = certificate.get("critical_visibility")
        if (None if stated is None else fraction(stated)) != critical:
            problems.append(f"stated critical visibility {stated} is not the exact {critical}")
    claimed = certificate.get("value")
    if claimed is not None and (achieved is None or fraction(claimed) != achieved):
        problems.append(f"claimed value {claimed} is not what the noisy witness reaches ({achieved})")
    return Check(ok=not problems, achieved=achieved if not problems else None, problems=problems)


NOISE_CHECKS = {
    "werner-strategy": check_werner_strategy,
    "werner-dual": check_werner_dual,
    "noisy-witness": check_noisy_witness,
}
