"""Quantum bounds for correlation games (Tsirelson): the Gram SDP gives an explicit
strategy, its dual a rigorous bound; both checked in certify.proofs.correlator.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..proofs.correlator import (
    check_correlation_dual, check_correlation_strategy, correlation_slack, correlator_form, flip_odd, signed_correlator_form,
)
from ..errors import BadInput, SolverFailed
from ..proofs.exact import exact_inner, exact_psd, sense_sign
from .result import Result
from .solvers import clarabel_chosen, clarabel_direct, psd_triangle, solve_problem

_DENOMINATOR = 10**12  # rationalising SDP output: far below the solver's accuracy
_RANK_TOLERANCE = 1e-6


# ---------------------------------------------------------------------------
# Quantum bounds for correlation games


@dataclass
class CorrelationForm:
    """A game in max form as K + g.E, with its flip-invariant constraints K_j + h_j.E rel v_j."""

    constant: Fraction
    g: np.ndarray
    constraints: list  # (name, K_j, h_j, relation, value)


def correlation_form(game):
    """The game as a correlation game, or BadInput saying why it is not one."""
    form = signed_correlator_form(game)
    if form is None:
        raise BadInput(game.source or game.name, "objective", "not a correlation game (two answers, invariant under flipping both)")
    constraints = []
    for constraint in game.constraints:
        form_j = correlator_form(constraint.exact)
        if form_j is None:
            if flip_odd(constraint.exact) and constraint.value == 0 and constraint.relation == "==":
                continue  # met by every flip-symmetric behaviour
            raise BadInput(game.source or game.name, f"constraint {constraint.name}", "neither flip-invariant nor odd with value 0")
        constraints.append((constraint.name, form_j[0], form_j[1], constraint.relation, constraint.value))
    return CorrelationForm(form[0], form[1], constraints)


def _floats(array):
    return np.vectorize(float, otypes=[float])(array)


def _solve(problem, what, solver):
    """Solve through the registry (certify.bounds.solvers) at tight tolerances."""
    return solve_problem(problem, solver, what, tight=True)


# Clarabel's settings, tried in turn until one solve ends "solved" (else cvxpy and the
# registry's polish take over). At 3e-11 the explicit strategy and the dual bound meet
# within 2e-10 on the dual-work game (within 9e-10 at 1e-10). Of 808 splits at loads
# 0.02-0.9, 3 stop "almost solved" at 3e-11 with residuals near 1e-10: two solve at
# 1e-10 (at 1e-9 a gap of 6.5e-9 would be left). The rest, about 1 split in 2500 of
# the scan's throughputs, stop "almost solved" after 8 iterations at both: shorter steps
# (0.9 of the way to the cone's boundary, not 0.99) solve them, the two found within
# 3.4e-11 and 1.8e-11, where the fall-back through cvxpy left 5.5e-11 and 1.1e-10 and
# first cost the process cvxpy's import (about 1 s).
_CLARABEL_TOLERANCES = [{"tol_gap_abs": tol, "tol_gap_rel": tol, "tol_feas": tol, "max_iter": 200}
                        for tol in (3e-11, 1e-10)]
_CLARABEL_TOLERANCES.append(dict(_CLARABEL_TOLERANCES[0], max_step_fraction=0.9))


def _gram_clarabel(form, iA, iB):
    """The Gram SDP handed to Clarabel in its own form, with its dual read off the same solve:
    (G, z, mu), or None unless Clarabel reports it solved at one of _CLARABEL_TOLERANCES.

    Clarabel solves min q.x with A x + s = b, s in a product of cones, and
    returns multipliers y with q + A^T y = 0 (its dual: max -b.y). Here x is
    G's upper triangle by columns (the order of Clarabel's PSD triangle cone,
    whose off-diagonal entries are scaled by sqrt 2), q = -g on the entries of
    E, and the rows are G_ii = 1 and the equality constraints (zero cone), the
    inequalities (h.E <= rhs, or -h.E <= -rhs; nonnegative cone), then G's
    triangle (PSD cone). Negating max into min, the Lagrangians match the
    dual SDP's term by term: z_i = y_i on the diagonal rows, mu_j = y_j on
    "==" and "<=" rows and mu_j = -y_j on ">=" rows. For these tiny SDPs this
    takes ~1 ms a solve, against ~10 ms through cvxpy, which compiles the
    problem anew each time (and is imported, 1-2 s, by every process that
    solves one).
    """
    from scipy import sparse

    n = iA + iB
    triangle = psd_triangle(n)
    column = {(i, j): k for k, (i, j, _) in enumerate(triangle)}
    g = _floats(form.g)
    q = np.zeros(len(triangle))
    for x in range(iA):
        for y in range(iB):
            q[column[x, iA + y]] = -g[x, y]
    rows = []  # each: ({column: coefficient}, b)
    for i in range(n):
        rows.append(({column[i, i]: 1.0}, 1.0))
    equalities = [j for j, c in enumerate(form.constraints) if c[3] == "=="]
    inequalities = [j for j, c in enumerate(form.constraints) if c[3] != "=="]
    for j in equalities + inequalities:
        _, k_j, h_j, relation, value = form.constraints[j]
        sign = -1.0 if relation == ">=" else 1.0
        h = _floats(h_j)
        rows.append(({column[x, iA + y]: sign * h[x, y] for x in range(iA) for y in range(iB) if h[x, y]},
                     sign * float(value - k_j)))
    entries = [(r, k, v) for r, (coefficients, _) in enumerate(rows) for k, v in coefficients.items()]
    start = len(rows)
    entries += [(start + k, k, -scale) for k, (_, _, scale) in enumerate(triangle)]
    r, c, v = zip(*entries)
    A = sparse.csc_matrix((v, (r, c)), shape=(start + len(triangle), len(triangle)))
    b = np.concatenate([[rhs for _, rhs in rows], np.zeros(len(triangle))])
    cones = [("zero", n + len(equalities)), ("nonnegative", len(inequalities)), ("psd", n)]
    for settings in _CLARABEL_TOLERANCES:
        solved = clarabel_direct(q, A, b, [cone for cone in cones if cone[1]], settings)
        if solved is not None:
            break
    else:
        return None
    entries_of_G, multipliers = solved
    G = np.zeros((n, n))
    for k, (i, j, _) in enumerate(triangle):
        G[i, j] = G[j, i] = entries_of_G[k]
    mu = np.zeros(len(form.constraints))
    for row, j in enumerate(equalities + inequalities, start=n):
        mu[j] = -multipliers[row] if form.constraints[j][3] == ">=" else multipliers[row]
    return G, multipliers[:n], mu


_CLARABEL_SOLVED = {"name": "clarabel", "status": "optimal"}


_LAST_SOLVE = (None, None)  # (form, _gram_clarabel's answer): strategy and dual bound of one form share a solve


def _gram_clarabel_once(form, iA, iB):
    """_gram_clarabel, solved once for the form both quantum_strategy and quantum_dual_bound get."""
    global _LAST_SOLVE
    last = _LAST_SOLVE
    if last[0] is not form:
        last = _LAST_SOLVE = (form, _gram_clarabel(form, iA, iB))
    return last[1]


def _gram_sdp(form, iA, iB, solver=None):
    """Primal: max g.E over Gram matrices of unit vectors, under the constraints."""
    solved = _gram_clarabel_once(form, iA, iB) if clarabel_chosen(solver) else None
    if solved is not None:
        return solved[0], dict(_CLARABEL_SOLVED)
    return _gram_cvxpy(form, iA, iB, solver)


def _dual_sdp(form, iA, iB, solver=None):
    """Dual: min sum z + sum mu_j (v_j - K_j) with diag(z) - [[0, f/2],[f^T/2, 0]] >= 0."""
    solved = _gram_clarabel_once(form, iA, iB) if clarabel_chosen(solver) else None
    if solved is not None:
        return solved[1], solved[2], dict(_CLARABEL_SOLVED)
    return _dual_cvxpy(form, iA, iB, solver)


def _gram_cvxpy(form, iA, iB, solver):
    """The Gram SDP through cvxpy and the registry: (G, solver info)."""
    import cvxpy as cp

    n = iA + iB
    G = cp.Variable((n, n), PSD=True)
    E = G[:iA, iA:]
    rows = [cp.diag(G) == 1]
    for _, k_j, h_j, relation, value in form.constraints:
        level = float(k_j) + cp.sum(cp.multiply(_floats(h_j), E))
        rows.append({"==": level == float(value), "<=": level <= float(value), ">=": level >= float(value)}[relation])
    problem = cp.Problem(cp.Maximize(cp.sum(cp.multiply(_floats(form.g), E))), rows)
    status, used = _solve(problem, "Gram SDP", solver)
    return np.array(G.value), {"name": used, "status": status}


def _dual_cvxpy(form, iA, iB, solver):
    """The dual SDP through cvxpy and the registry: (z, mu, solver info)."""
    import cvxpy as cp

    n = iA + iB
    z = cp.Variable(n)
    J = len(form.constraints)
    mu = cp.Variable(J) if J else None
    f = _floats(form.g)
    f = cp.Constant(f)
    rows = []
    offset = 0
    for j, (_, k_j, h_j, relation, value) in enumerate(form.constraints):
        f = f - mu[j] * _floats(h_j)
        offset = offset + mu[j] * float(value - k_j)
        if relation == "<=":
            rows.append(mu[j] >= 0)
        elif relation == ">=":
            rows.append(mu[j] <= 0)
    block = cp.bmat([[np.zeros((iA, iA)), f / 2], [f.T / 2, np.zeros((iB, iB))]])
    S = cp.diag(z) - block
    rows.append((S + S.T) / 2 >> 0)
    problem = cp.Problem(cp.Minimize(cp.sum(z) + offset), rows)
    status, used = _solve(problem, "dual SDP", solver)
    return np.array(z.value), (np.array(mu.value) if J else np.zeros(0)), {"name": used, "status": status}


def rational_unit_vector(u):
    """An exactly unit rational vector near the unit vector u.

    Inverse stereographic projection from the pole -sign(u_j) e_j (j the
    largest coordinate) maps every rational point s to the rational unit
    vector (2 s, sign (1 - |s|^2)) / (1 + |s|^2), so rounding s keeps the
    norm exactly 1.
    """
    u = np.asarray(u, dtype=float)
    u = u / np.linalg.norm(u)
    if len(u) == 1:
        return [Fraction(1 if u[0] > 0 else -1)]
    j = int(np.argmax(np.abs(u)))
    sign = 1 if u[j] > 0 else -1
    s = [Fraction(float(u[i] / (1 + sign * u[j]))).limit_denominator(_DENOMINATOR) for i in range(len(u)) if i != j]
    norm = exact_inner(s, s)
    scale = 1 + norm
    out, k = [], 0
    for i in range(len(u)):
        if i == j:
            out.append(sign * (1 - norm) / scale)
        else:
            out.append(2 * s[k] / scale)
            k += 1
    return out


def _vectors(G, iA, iB):
    values, vectors = np.linalg.eigh((G + G.T) / 2)
    keep = values > _RANK_TOLERANCE * max(values.max(), 1.0)
    X = vectors[:, keep] * np.sqrt(values[keep])
    rank = int(keep.sum())
    rows = [rational_unit_vector(row) for row in X]
    return rows[:iA], rows[iA:], rank


def _exact_level(k, h, us, vs):
    total = Fraction(k)
    for x, u in enumerate(us):
        for y, v in enumerate(vs):
            if h[x, y]:
                total += h[x, y] * exact_inner(u, v)
    return total


def quantum_strategy(game, form=None, solver=None):
    """An explicit quantum strategy (vector mixture) optimal up to the SDP's accuracy: a Result."""
    start = time.perf_counter()
    form = form or correlation_form(game)
    iA, iB = game.inputs
    G, solved = _gram_sdp(form, iA, iB, solver)
    us, vs, rank = _vectors(G, iA, iB)
    mixture = [{"weight": Fraction(1), "A": us, "B": vs}]
    equalities = [c for c in form.constraints if c[3] == "=="]
    if len(equalities) == 1:
        # Meet the equality exactly: mix with the strategy with E = +1 or E = -1
        # everywhere (never split / always split in the dual-work game).
        _, k_j, h_j, _, value = equalities[0]
        reached = _exact_level(k_j, h_j, us, vs)
        if reached != value:
            total = sum(h_j.flat, Fraction(0))
            for sign_e in (1, -1):
                other = k_j + sign_e * total
                if (reached - value) * (other - value) <= 0 and other != reached:
                    weight = (value - other) / (reached - other)
                    mixture = [
                        {"weight": weight, "A": us, "B": vs},
                        {"weight": 1 - weight, "A": [[Fraction(1)]] * iA, "B": [[Fraction(sign_e)]] * iB},
                    ]
                    break
    mixture = [entry for entry in mixture if entry["weight"] != 0]
    certificate = {
        "kind": "correlation-strategy",
        "realisation": (
            f"maximally entangled state of local dimension {2 ** (rank // 2)}; "
            "A_x = u_x . Gamma, B_y = v_y . Gamma^T (Gamma: Pauli matrices for r <= 3); "
            "flip both answers with a shared fair coin"
        ),
        "rank": rank,
        "mixture": [
            {"weight": str(entry["weight"]), "A": [[str(c) for c in u] for u in entry["A"]],
             "B": [[str(c) for c in v] for v in entry["B"]]}
            for entry in mixture
        ],
    }
    check = check_correlation_strategy(game, certificate)
    if check.achieved is not None:
        certificate["value"] = str(check.achieved)
        value = float(check.achieved)
    else:  # not certified: report the SDP's own value (never NaN in JSON)
        value = float(sense_sign(game) * (form.constant + np.sum(_floats(form.g) * G[:iA, iA:])))
    return Result(
        command="quantum-strategy",
        game=game,
        value=value,
        exact=None,
        certified=check.ok and check.achieved is not None,
        certificate=certificate,
        solver={"name": f"{solved['name']} (Gram SDP) + exact rounding", "status": solved["status"]},
        seconds=time.perf_counter() - start,
        method=f"Tsirelson vectors of rank {rank}, rounded to exact unit vectors",
        details={"achieved": str(check.achieved)} if check.achieved is not None else {},
        problems=check.problems,
    )


def quantum_dual_bound(game, form=None, solver=None):
    """A rigorous bound on the quantum optimum from the Tsirelson-SDP dual: a Result."""
    start = time.perf_counter()
    form = form or correlation_form(game)
    iA, iB = game.inputs
    n = iA + iB
    z_float, mu_float, solved = _dual_sdp(form, iA, iB, solver)
    z = [Fraction(float(v)).limit_denominator(_DENOMINATOR) for v in z_float]
    mus = {}
    for (name, _, _, relation, _), v in zip(form.constraints, mu_float):
        mu = Fraction(float(v)).limit_denominator(_DENOMINATOR)
        if relation == "<=":
            mu = max(mu, Fraction(0))
        elif relation == ">=":
            mu = min(mu, Fraction(0))
        mus[name] = mu
    f = form.g.copy()
    for name, _, h_j, _, _ in form.constraints:
        f = f - h_j * mus[name]
    slack = np.array([[float(v) for v in row] for row in correlation_slack(f, z, Fraction(0))])
    lowest = float(np.linalg.eigvalsh(slack).min())
    shift = Fraction(max(0.0, -lowest) * 1.5 + 1e-13).limit_denominator(10**15)
    for _ in range(40):
        if exact_psd(correlation_slack(f, z, shift), strict=True):
            break
        shift *= 4
    else:
        raise SolverFailed(solved["name"], solved["status"], "the dual slack could not be made positive definite; try another --solver")
    certificate = {
        "kind": "correlation-dual",
        "z": [str(v) for v in z],
        "multipliers": {k: str(v) for k, v in mus.items()},
        "shift": str(shift),
    }
    check = check_correlation_dual(game, certificate)
    if check.bound is not None:
        certificate["value"] = str(check.bound)
    return Result(
        command="quantum-dual",
        game=game,
        value=float(check.bound) if check.bound is not None else float(sense_sign(game) * (form.constant + sum(z) + sum(
            mus[name] * (value - k_j) for name, k_j, _, _, value in form.constraints))),
        exact=None,
        certified=check.ok and check.bound is not None,
        certificate=certificate,
        solver={"name": f"{solved['name']} (dual Gram SDP) + exact PSD check", "status": solved["status"]},
        seconds=time.perf_counter() - start,
        method=f"Tsirelson SDP dual (NPA level 1 on +-1 observables), shift {float(shift):.2g} x {n}",
        details={"bound": str(check.bound)} if check.bound is not None else {},
        problems=check.problems,
    )


