"""Exact checks for correlation games: explicit vector strategies and dual bounds.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .exact import (
    Check, behaviour_problems, exact_dot, exact_inner, exact_psd, fraction, multiplier_signs_ok, remembered_per_object,
    sense_sign, strategy_check,
)


# ---------------------------------------------------------------------------
# Correlation games (dual-work frontier): explicit vector strategies and
# rigorous Tsirelson-SDP dual bounds. Written for certify.bounds.correlator.
#
# A two-answer game whose objective and constraints are invariant under
# flipping both answers (c[a,b,x,y] = c[1-a,1-b,x,y]) depends on a behaviour
# only through its correlators E_xy = P(a == b|x,y) - P(a != b|x,y):
#     c.p = sum_xy (c00 + c01)/2 + sum_xy (c00 - c01)/2 E_xy.
# Constraints odd under the flip (the dual-work "balance") vanish on the
# flip-symmetrised behaviour (p + flip p)/2, which has the same correlators.
# Tsirelson (Lett. Math. Phys. 4, 93 (1980)): the correlators of quantum
# behaviours are exactly E_xy = u_x . v_y with unit vectors u_x, v_y; for
# r-dimensional vectors the maximally entangled state of local dimension
# 2^floor(r/2) with A_x = u_x . Gamma, B_y = v_y . Gamma^T (Gamma anticommuting
# Hermitian unitaries; Paulis for r <= 3) realises them (Cleve, Hoyer, Toner,
# Watrous, arXiv:quant-ph/0404076, section 5).



@remembered_per_object(4096)
def correlator_form(tensor):
    """(constant, g[x][y]) with tensor.p = constant + sum g E for flip-invariant tensors, else None.

    Remembered per table object, since verify asks for the same objective and
    constraint tables at every split of a frontier (the games with_fixed makes
    share their tables); g is read-only, as it is shared.
    """
    oA, oB, iA, iB = tensor.shape
    if (oA, oB) != (2, 2):
        return None
    for x in range(iA):
        for y in range(iB):
            if tensor[0, 0, x, y] != tensor[1, 1, x, y] or tensor[0, 1, x, y] != tensor[1, 0, x, y]:
                return None
    constant = sum(((tensor[0, 0, x, y] + tensor[0, 1, x, y]) / 2 for x in range(iA) for y in range(iB)), Fraction(0))
    g = np.empty((iA, iB), dtype=object)
    for x in range(iA):
        for y in range(iB):
            g[x, y] = (tensor[0, 0, x, y] - tensor[0, 1, x, y]) / 2
    g.flags.writeable = False
    return constant, g


def signed_correlator_form(game):
    """correlator_form of the objective in max form (s c, s = +1 for "max", -1 for "min")."""
    form = correlator_form(game.objective_exact)
    if form is None or sense_sign(game) > 0:
        return form
    return -form[0], -form[1]


@remembered_per_object(4096)  # per table object, as correlator_form: asked at every check of a frontier
def flip_odd(tensor):
    oA, oB = tensor.shape[:2]
    return (oA, oB) == (2, 2) and all(
        tensor[a, b, x, y] == -tensor[1 - a, 1 - b, x, y] for a, b, x, y in np.ndindex(tensor.shape)
    )


def correlation_behaviour(E):
    """p(a,b|x,y) = (1 + (-1)^(a+b) E_xy)/4: uniform marginals, flip-symmetric."""
    iA, iB = E.shape
    p = np.empty((2, 2, iA, iB), dtype=object)
    for a, b, x, y in np.ndindex(p.shape):
        p[a, b, x, y] = (1 + (1 if a == b else -1) * E[x, y]) / 4
    return p


def read_mixture(certificate):
    """A correlation strategy's mixture as [(weight, A vectors, B vectors)] of exact rationals
    (KeyError, TypeError, ValueError or ZeroDivisionError when malformed)."""
    return [
        (fraction(entry["weight"]),
         [[fraction(v) for v in u] for u in entry["A"]],
         [[fraction(v) for v in u] for u in entry["B"]])
        for entry in certificate["mixture"]
    ]


def mixture_correlators(components, iA, iB):
    """E_xy = sum_k w_k u^k_x . v^k_y over a mixture [(w_k, u^k, v^k)], exactly."""
    E = np.full((iA, iB), Fraction(0), dtype=object)
    for weight, us, vs in components:
        for x in range(iA):
            for y in range(iB):
                E[x, y] += weight * exact_inner(us[x], vs[y])
    return E


def check_correlation_strategy(game, certificate):
    """Exactly re-check a mixture of vector strategies.

    Each component lists rational vectors u_x (A) and v_y (B) of one length;
    each must have squared norm exactly 1; weights are a probability vector.
    The correlators E = sum_k w_k u^k_x . v^k_y give the flip-symmetric
    behaviour above, which must meet every constraint exactly; its value is
    the achieved value (a lower bound on the quantum optimum for "max", an
    upper bound on it for "min").
    """
    problems = []
    try:
        components = read_mixture(certificate)
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as error:
        return Check(False, problems=[f"malformed correlation strategy: {error!r}"])
    iA, iB = game.inputs
    if game.outputs != (2, 2):
        return Check(False, problems=["a correlation strategy needs two answers per player"])
    if any(w < 0 for w, _, _ in components) or sum(w for w, _, _ in components) != 1:
        problems.append("mixture weights are not a probability distribution")
    for index, (_, us, vs) in enumerate(components):
        if len(us) != iA or len(vs) != iB or len({len(u) for u in us + vs}) != 1:
            problems.append(f"component {index}: expected {iA} + {iB} vectors of one length")
        elif any(exact_inner(u, u) != 1 for u in us + vs):
            problems.append(f"component {index}: a vector is not exactly of unit length")
    achieved = None
    if not problems:
        for constraint in game.constraints:
            if correlator_form(constraint.exact) is None and not (flip_odd(constraint.exact) and constraint.value == 0):
                problems.append(f"constraint '{constraint.name}' is neither flip-invariant nor odd with value 0")
        p = correlation_behaviour(mixture_correlators(components, iA, iB))
        problems += behaviour_problems(game, p)
        if not problems:
            achieved = exact_dot(game.objective_exact, p)
    return strategy_check(certificate, achieved, problems)


def correlation_slack(f, z, shift):
    """S = diag(z) + shift I - [[0, f/2], [f^T/2, 0]] as rational rows."""
    iA, iB = f.shape
    n = iA + iB
    S = [[Fraction(0)] * n for _ in range(n)]
    for x in range(iA):
        for y in range(iB):
            S[x][iA + y] = S[iA + y][x] = -f[x, y] / 2
    for i in range(n):
        S[i][i] = z[i] + shift
    return S


def check_correlation_dual(game, certificate):
    """Exactly re-check a Tsirelson-SDP dual bound (no solver).

    Max form (s = +1 for "max", -1 for "min"): s c.p = K + g.E; each
    flip-invariant constraint d_j.p = K_j + h_j.E (rel_j) v_j gets a
    multiplier mu_j (free for ==, >= 0 for <=, <= 0 for >=); flip-odd
    constraints with value 0 are dropped (that only relaxes). With
    f = g - sum_j mu_j h_j and S = diag(z) + e I - [[0, f/2], [f^T/2, 0]]
    positive definite (exact LDL^T), every Gram matrix G of unit vectors
    (G >= 0, diag G = 1, E its off-diagonal block) has <S, G> >= 0, so
    f.E <= sum_i z_i + n e, and every quantum behaviour meeting the
    constraints has

        s c.p <= K + sum_i z_i + n e + sum_j mu_j (v_j - K_j).

    The bound on the game is s times that (NPA level 1 on +-1 observables,
    arXiv:0803.4290; tight for correlation games by Tsirelson's theorem).
    """
    problems, sign, base, levels = _correlation_dual_terms(game, certificate)
    if base is None:  # not read: nothing to compare a claim with
        return Check(False, problems=problems)
    bound = None
    if not problems:
        bound = sign * (base + sum((mu * constraint.value for constraint, mu in levels), Fraction(0)))
    claimed = certificate.get("value")
    if claimed is not None and (bound is None or fraction(claimed) != bound):
        problems.append(f"claimed bound {claimed} is not what the multipliers prove ({bound})")
    return Check(ok=not problems, bound=bound, problems=problems)


def correlation_dual_line(game, certificate, name):
    """(intercept, slope): check_correlation_dual's bound at every value v of constraint ``name``
    is intercept + slope v; None unless that check certifies a bound at both v = 0 and v = 1.

    Only the constraint values enter the bound, each times its multiplier
    (the multipliers and the PSD slack do not depend on them), so one pass
    gives the line exactly. A flip-odd constraint is dropped only at value 0:
    if ``name`` is one, v = 1 is not certified and the answer is None. The
    certificate's own "value" claim is not read.
    """
    at_zero = game.with_fixed({name: Fraction(0)})
    if correlator_form(at_zero.constraint(name).exact) is None:
        return None
    problems, sign, base, levels = _correlation_dual_terms(at_zero, certificate)
    if problems:
        return None
    intercept = sign * (base + sum((mu * constraint.value for constraint, mu in levels), Fraction(0)))
    slope = sign * sum((mu for constraint, mu in levels if constraint.name == name), Fraction(0))
    return intercept, slope


def _correlation_dual_terms(game, certificate):
    """(problems, s, base, levels) of check_correlation_dual: with no problems, the certificate
    proves s (base + sum mu_j v_j) over levels [(constraint j, mu_j)], where
    base = K + sum_i z_i + n e - sum_j mu_j K_j."""
    problems = []
    sign = sense_sign(game)
    form = signed_correlator_form(game)
    if form is None:
        return ["the objective is not flip-invariant: not a correlation game"], sign, None, []
    constant, g = form
    iA, iB = game.inputs
    try:
        z = [fraction(v) for v in certificate["z"]]
        shift = fraction(certificate["shift"])
        multipliers = {k: fraction(v) for k, v in certificate["multipliers"].items()}
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as error:
        return [f"malformed correlation dual: {error!r}"], sign, None, []
    if len(z) != iA + iB:
        return [f"expected {iA + iB} diagonal multipliers, got {len(z)}"], sign, None, []
    if shift < 0:
        problems.append("negative shift")
    multiplier_signs_ok(game, multipliers, problems)
    f = g.copy()
    base = constant + sum(z, Fraction(0)) + (iA + iB) * shift
    levels = []
    for constraint in game.constraints:
        mu = multipliers.get(constraint.name, Fraction(0))
        form_j = correlator_form(constraint.exact)
        if form_j is None:
            if not (flip_odd(constraint.exact) and constraint.value == 0 and constraint.relation == "=="):
                problems.append(f"constraint '{constraint.name}' is neither flip-invariant nor odd with value 0")
            elif mu:
                problems.append(f"constraint '{constraint.name}' is dropped; its multiplier must be 0")
            continue
        k_j, h_j = form_j
        f = f - h_j * mu
        base -= mu * k_j
        levels.append((constraint, mu))
    if not problems and not exact_psd(correlation_slack(f, z, shift), strict=True):
        problems.append("the dual slack matrix is not positive definite")
    return problems, sign, base, levels
