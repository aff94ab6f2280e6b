"""Bounds for correlation games played with Werner pairs of visibility v.

The reachable correlators are the convex hull over patterns sigma = (P_A, P_B)
(the questions each player answers with a projective qubit measurement; the
others are answered with a fixed sign) of S_sigma(v) (certify.proofs.noise).
Hence, for a game in max form K + g.E with flip-invariant equality
constraints K_j + h_j.E = v_j,

    max = min over mu of  K + sum_j mu_j (v_j - K_j) + max_sigma [ v T_sigma(f) + D_sigma(f) ],

f = g - sum_j mu_j h_j, T_sigma(f) = max over unit vectors of
sum_{P_A x P_B} f_xy u_x.w_y (a Tsirelson value) and D_sigma(f) the best
sign part. As an SDP (the dual of the disjunctive SDP with one Gram block
per pattern, scaled by its weight; Ben-Tal and Nemirovski, Lectures on
Modern Convex Optimization (2001), section 4.2 on convex hulls of unions):

    min t + sum_j mu_j (v_j - K_j)
    s.t. t >= D_sigma,d,e(f) + sum z_sigma        for every pattern and signs,
         diag(z_sigma) - (v/2) [[0, F_sigma], [F_sigma^T, 0]] >= 0   for every block.

Lower side (a rigorous bound, certificate "werner-dual"): the multipliers
mu of that SDP, rationalised; for each block z_sigma in closed form where
one player has at most two projective questions (for one question,
z = (v/2)(sum_y |F_y|, |F_y|) exactly; for two, the optimum over the angle
between the two vectors is a concave one-dimensional problem and z comes
from complementary slackness), otherwise the SDP's own z; then the least
shift that makes each block's slack exactly PSD.

Upper side (an explicit strategy, certificate "werner-strategy"): for
multipliers at and around the SDP's mu, every pattern's optimal vectors
(rational unit Bloch vectors in the x-z plane) and best signs give
candidate strategies with exact (value, constraint level); deterministic
strategies (those of the classical optimum, when given) are candidates too;
the two candidates whose exact mixture meets the equality and is best are
mixed with exact weights. At v = 1 this is the Tsirelson optimum, at v = 0
the classical one.
"""

from __future__ import annotations

import functools
import itertools
import math
import time
from fractions import Fraction

import numpy as np

from ..errors import BadInput, SolverFailed
from ..proofs.exact import behaviour_problems, exact_inner, exact_psd, sense_sign
from ..proofs.noise import (
    werner_method,
    best_signs,
    check_noisy_witness,
    white_noise_behaviours,
    witness_critical_visibility,
    block_slack,
    check_werner_dual,
    check_werner_strategy,
    measurement_correlator,
    patterns,
)
from .result import Result
from .correlator import correlation_form, rational_unit_vector
from .solvers import clarabel_chosen, clarabel_direct, psd_triangle, solve_problem

DENOMINATOR = 10**12  # rationalising solver output: far below its accuracy
PERTURBATIONS = (0.0,) + tuple(s * 10.0**-k for k in (2, 4, 6, 8) for s in (1, -1))
STATE = ("Werner pair rho_v = v |Phi+><Phi+| + (1 - v) I/4; A_x = u_x . sigma, B_y = w_y . sigma^T "
         "for Bloch vectors, a fixed answer for '+1'/'-1'; flip both answers with a shared fair coin")


def visibility_value(text, key="--visibility"):
    """An exact visibility in [0, 1] from text (decimal or p/q), else BadInput naming the key."""
    from ..games.game import parse_number

    v = parse_number(text, None, key)
    if not 0 <= v <= 1:
        raise BadInput(None, key, f"a visibility is in [0, 1], got {text}")
    return v


def supply_value(text, key="--supply"):
    """An exact share of request pairs with a fresh pair, in [0, 1], else BadInput naming the key."""
    from ..games.game import parse_number

    f = parse_number(text, None, key)
    if not 0 <= f <= 1:
        raise BadInput(None, key, f"a supply share is in [0, 1], got {text}")
    return f


def fidelity_to_visibility(text, key="--fidelity"):
    """v = (4F - 1)/3 for a Werner pair of fidelity F in [1/4, 1], exactly."""
    from ..games.game import parse_number

    F = parse_number(text, None, key)
    if not Fraction(1, 4) <= F <= 1:
        raise BadInput(None, key, f"a Werner fidelity is in [1/4, 1], got {text}")
    return (4 * F - 1) / 3


def werner_form(game):
    """The game's correlation form, with at most one flip-invariant constraint, an equality."""
    form = correlation_form(game)
    for name, _, _, relation, _ in form.constraints:
        if relation != "==":
            raise BadInput(game.source or game.name, f"constraint {name}",
                           "Werner-pair bounds take equality constraints only")
    if len(form.constraints) > 1:
        raise BadInput(game.source or game.name, "constraints",
                       "Werner-pair bounds take at most one flip-invariant constraint (such as the split)")
    return form


def _floats(array):
    return np.vectorize(float, otypes=[float])(np.asarray(array, dtype=object))


def _lagrangian(form, mus):
    """f = g - sum_j mu_j h_j (exact when mus are Fractions, float otherwise)."""
    if isinstance(next(iter(mus), Fraction(0)), Fraction):
        f = form.g.copy()
        for (_, _, h_j, _, _), mu in zip(form.constraints, mus):
            f = f - h_j * mu
        return f
    f = _floats(form.g)
    for (_, _, h_j, _, _), mu in zip(form.constraints, mus):
        f = f - _floats(h_j) * mu
    return f


# ---------------------------------------------------------------------------
# One block: max sum F_xy u_x.w_y over unit vectors, in closed form


def _angle_optimum(F):
    """cos c of the angle between u_0, u_1 maximising phi(c) = sum_y |F_0y u_0 + F_1y u_1|.

    phi(c) = sum_y sqrt(F_0y^2 + F_1y^2 + 2 F_0y F_1y c) is concave in c (a
    sum of square roots of affine functions): golden section, then Newton.
    """
    a = [float(F[0][y] ** 2 + F[1][y] ** 2) for y in range(len(F[0]))]
    b = [float(2 * F[0][y] * F[1][y]) for y in range(len(F[0]))]
    terms = list(zip(a, b))

    def phi(c):
        return sum(math.sqrt(max(ay + by * c, 0.0)) for ay, by in terms)

    lo, hi = -1.0, 1.0
    ratio = (math.sqrt(5) - 1) / 2
    c1, c2 = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    f1, f2 = phi(c1), phi(c2)
    for _ in range(60):
        if f1 < f2:
            lo, c1, f1 = c1, c2, f2
            c2 = lo + ratio * (hi - lo)
            f2 = phi(c2)
        else:
            hi, c2, f2 = c2, c1, f1
            c1 = hi - ratio * (hi - lo)
            f1 = phi(c1)
    c = (lo + hi) / 2
    for _ in range(8):  # Newton on phi'(c) = 0 when the optimum is interior
        roots = [math.sqrt(max(ay + by * c, 1e-300)) for ay, by in terms]
        d1 = sum(by / (2 * r) for (_, by), r in zip(terms, roots))
        d2 = sum(-by * by / (4 * r ** 3) for (_, by), r in zip(terms, roots))
        if d2 >= 0:
            break
        step = c - d1 / d2
        if not -1 <= step <= 1 or not math.isfinite(step):
            break
        c = step
    best = max((phi(-1.0), -1.0), (phi(1.0), 1.0), (phi(c), c))
    return best


def block_vectors(F):
    """Float unit vectors (U rows for P_A, W rows for P_B) maximising sum F u.w, or None.

    Closed form when one side has at most two questions (Tsirelson's bound on
    the rank needed is then reached in the x-z plane); None otherwise.
    """
    F = np.asarray(F, dtype=float)
    nA, nB = F.shape
    if nA > nB:
        found = block_vectors(F.T)
        return None if found is None else (found[1], found[0])
    ez = np.array([0.0, 0.0, 1.0])
    if nA == 1:
        U = [ez]
    elif nA == 2:
        _, c = _angle_optimum(F)
        s = math.sqrt(max(0.0, 1 - c * c))
        U = [ez, np.array([s, 0.0, c])]
    else:
        return _alternating_vectors(F)
    W = []
    for y in range(nB):
        r = sum(F[x, y] * U[x] for x in range(nA))
        norm = float(np.linalg.norm(r))
        W.append(r / norm if norm > 1e-300 else ez)
    return U, W


def _alternating_vectors(F, starts=8, rounds=300):
    """Qubit (3-dimensional) unit vectors for a block with three or more questions a side.

    Alternating maximisation (w_y = unit(sum_x F_xy u_x), then u_x = unit(sum_y F_xy w_y)),
    each step never lowering sum F u.w, from the top singular vectors and
    seeded random starts; the best local optimum is kept. A heuristic: the
    dual side stays rigorous, and the gap between the sides is reported.
    """
    nA, nB = F.shape

    def unit_rows(M):
        norms = np.linalg.norm(M, axis=1, keepdims=True)
        return np.where(norms > 1e-300, M / np.where(norms > 1e-300, norms, 1.0), np.array([0.0, 0.0, 1.0]))

    rng = np.random.default_rng(0)
    left, _, _ = np.linalg.svd(F)
    first = np.zeros((nA, 3))
    first[:, :min(3, left.shape[1])] = left[:, :3]
    best = None
    for start in range(starts):
        U = unit_rows(first + 1e-3 * rng.normal(size=(nA, 3)) if start == 0 else rng.normal(size=(nA, 3)))
        for _ in range(rounds):
            W = unit_rows(F.T @ U)
            U, previous = unit_rows(F @ W), U
            if np.abs(U - previous).max() < 1e-15:  # a fixed point: more rounds change nothing
                break
        value = float(np.sum(F * (U @ W.T)))
        if best is None or value > best[0]:
            best = (value, list(U), list(W))
    return best[1], best[2]


def block_dual(v, F_exact, vectors):
    """z for one block: exact when a side has one question, else from complementary slackness."""
    nA, nB = F_exact.shape
    if nA == 1 or nB == 1:
        if nA == 1:
            col = [abs(F_exact[0, y]) for y in range(nB)]
            return [v * sum(col, Fraction(0)) / 2] + [v * c / 2 for c in col]
        row = [abs(F_exact[x, 0]) for x in range(nA)]
        return [v * r / 2 for r in row] + [v * sum(row, Fraction(0)) / 2]
    U, W = vectors
    F = _floats(F_exact)
    vf = float(v)
    zA = [vf / 2 * float(U[x] @ sum(F[x, y] * W[y] for y in range(nB))) for x in range(nA)]
    zB = [vf / 2 * float(W[y] @ sum(F[x, y] * U[x] for x in range(nA))) for y in range(nB)]
    return [Fraction(z).limit_denominator(DENOMINATOR) for z in zA + zB]


def least_shift(v, f, PA, PB, z):
    """The smallest shift (on a 4x ladder from the float estimate) making the block slack exactly PSD."""
    S = block_slack(v, f, PA, PB, z, Fraction(0))
    if exact_psd(S):
        return Fraction(0)
    lowest = float(np.linalg.eigvalsh(_floats(S)).min())
    shift = Fraction(max(0.0, -lowest) * 1.5 + 1e-15).limit_denominator(10**16)
    for _ in range(60):
        if exact_psd(block_slack(v, f, PA, PB, z, shift)):
            return shift
        shift *= 4
    raise SolverFailed("exact", "not PSD", "a Werner dual block could not be made PSD; please report it")


# ---------------------------------------------------------------------------
# The disjunctive SDP (through certify.bounds.solvers)


class DisjunctiveSDP:
    """The dual SDP of the module docstring, laid out once per game shape (v, the supply and
    the constraint values change between solves).

    ``blocks``: one (pattern, n, spreads) per Gram block, spreads[k] the n x n
    symmetric matrix [[0, F/2], [F^T/2, 0]] of part k of f = g - sum_j mu_j h_j
    (part 0 is g, part j + 1 is -h_j). ``rows``: one (levels, pattern, classical)
    per group of sign rows, levels[r, k] the signed sum of part k's entries
    over the questions answered with a fixed sign, pattern the block whose z
    adds to that level (None when there is none), classical whether the rows
    also bound t0 (every answer fixed).
    """

    def __init__(self, form, iA, iB):
        self.J = len(form.constraints)
        parts = [_floats(form.g)] + [-_floats(h_j) for _, _, h_j, _, _ in form.constraints]
        self.blocks, self.rows = [], []
        for PA, PB in patterns(iA, iB):
            TA = [x for x in range(iA) if x not in PA]
            TB = [y for y in range(iB) if y not in PB]
            block = None
            if PA and PB:
                nA, n = len(PA), len(PA) + len(PB)
                spreads = []
                for M in parts:
                    spread = np.zeros((n, n))
                    spread[:nA, nA:] = M[np.ix_(PA, PB)] / 2
                    spread[nA:, :nA] = spread[:nA, nA:].T
                    spreads.append(spread)
                block = (PA, PB)
                self.blocks.append((block, n, spreads))
            if TA and TB:
                signs = np.array([[d[i] * e[j] for i in range(len(TA)) for j in range(len(TB))]
                                  for d in itertools.product((1, -1), repeat=len(TA))
                                  for e in itertools.product((1, -1), repeat=len(TB))], dtype=float)
                levels = np.column_stack([signs @ M[np.ix_(TA, TB)].ravel() for M in parts])
                self.rows.append((levels, block, not (PA or PB)))
            else:
                self.rows.append((np.zeros((1, 1 + self.J)), block, False))
        self.size = max((n for _, n, _ in self.blocks), default=0)
        self._cvxpy = None

    def solve(self, v, form, solver=None, supply=1):
        """(mus as floats, {block: z floats}, value in max form, status, solver name) for this form's values:
        through Clarabel's own interface when the registry picks Clarabel and it reports the
        SDP solved, else through cvxpy and the registry (its polish, its statuses)."""
        rhs = np.array([float(val - k) for _, k, _, _, val in form.constraints])
        solved = self._solve_clarabel(float(v), float(supply), rhs) if clarabel_chosen(solver) else None
        if solved is None:
            solved = self._solve_cvxpy(float(v), float(supply), rhs, solver)
        mus, zs, value, status, name = solved
        return mus, zs, value + float(form.constant), status, name

    @functools.cached_property
    def _clarabel_layout(self):
        """What of Clarabel's form does not depend on v, the supply or the values, built once:
        x = (t, t0, mu, each block's z); the sign rows t >= level + sum z (and t0 >= level where
        every answer is fixed) as nonnegative slacks; then each block's slack diag(z) - v sum_k
        mu_k spreads[k] (mu_0 = 1) as a PSD triangle, whose mu and constant coefficients are
        kept apart from the triangle's scale. Returns (columns, offsets, fixed (row, column,
        value) arrays, b of the sign rows, and per PSD row its scale, mu coefficients and
        constant)."""
        J = self.J
        offset, columns = {}, 2 + J
        for block, n, _ in self.blocks:
            offset[block] = columns
            columns += n
        fixed, b = [], []
        for levels, block, classical in self.rows:
            zs = [(offset[block] + i, 1.0) for i in range(len(block[0]) + len(block[1]))] if block else []
            for level in levels:
                mus = [(2 + j, level[j + 1]) for j in range(J)]
                for coefficients in [[(0, -1.0)] + mus + zs] + ([[(1, -1.0)] + mus] if classical else []):
                    fixed += [(len(b), column, value) for column, value in coefficients if value]
                    b.append(-level[0])
        psd_scale, psd_mu, psd_constant = [], [], []
        for block, n, spreads in self.blocks:
            for i, j, scale in psd_triangle(n):
                if i == j:
                    fixed.append((len(b) + len(psd_scale), offset[block] + i, -1.0))
                psd_scale.append(scale)
                psd_mu.append([spreads[k + 1][i, j] for k in range(J)])
                psd_constant.append(spreads[0][i, j])
        r, c, values = (np.array(column) for column in zip(*fixed))
        return (columns, offset, (r.astype(int), c.astype(int), values), np.array(b), np.array(psd_scale),
                np.array(psd_mu).reshape(len(psd_scale), J), np.array(psd_constant))

    def _solve_clarabel(self, v, supply, rhs):
        """The SDP in Clarabel's own form (min q.x, A x + s = b, s in the cones; the layout is
        _clarabel_layout's). None unless Clarabel reports it solved."""
        from scipy import sparse

        J = self.J
        columns, offset, (r, c, values), b_signs, psd_scale, psd_mu, psd_constant = self._clarabel_layout
        rows, mus = np.nonzero(psd_mu)
        scaled = psd_scale[rows] * v * psd_mu[rows, mus]
        kept = scaled != 0
        A = sparse.csc_matrix((np.concatenate([values, scaled[kept]]),
                               (np.concatenate([r, len(b_signs) + rows[kept]]), np.concatenate([c, 2 + mus[kept]]))),
                              shape=(len(b_signs) + len(psd_scale), columns))
        b = np.concatenate([b_signs, -psd_scale * v * psd_constant])
        q = np.concatenate([[supply, 1 - supply], rhs, np.zeros(columns - 2 - J)])
        cones = [("nonnegative", len(b_signs))] + [("psd", n) for _, n, _ in self.blocks]
        solved = clarabel_direct(q, A, b, cones)
        if solved is None:
            return None
        x = solved[0]
        zs = {block: np.array(x[offset[block]:offset[block] + n]) for block, n, _ in self.blocks}
        return [float(m) for m in x[2:2 + J]], zs, float(q @ x), "optimal", "clarabel"

    def _solve_cvxpy(self, v, supply, rhs, solver):
        """The same SDP through cvxpy (built once, with v, the supply and the values as parameters)."""
        if self._cvxpy is None:
            self._cvxpy = self._build_cvxpy()
        problem, parameters, mu, z = self._cvxpy
        parameters["v"].value, parameters["supply"].value = v, supply
        if self.J:
            parameters["rhs"].value = rhs
        status, name = solve_problem(problem, solver, "disjunctive Werner SDP", size=self.size)
        mus = [float(m) for m in mu.value] if mu is not None else []
        zs = {key: np.asarray(variable.value, dtype=float) for key, variable in z.items()}
        return mus, zs, float(problem.value), status, name

    def _build_cvxpy(self):
        import cvxpy as cp

        J = self.J
        parameters = {"v": cp.Parameter(nonneg=True), "supply": cp.Parameter(nonneg=True)}
        if J:
            parameters["rhs"] = cp.Parameter(J)
        mu = cp.Variable(J) if J else None
        t, t0 = cp.Variable(), cp.Variable()
        v, constraints, z = parameters["v"], [], {}
        for block, n, spreads in self.blocks:
            z[block] = cp.Variable(n)
            slack = cp.diag(z[block]) - v * spreads[0]
            for j in range(J):
                slack = slack - (v * mu[j]) * spreads[j + 1]
            constraints.append(slack >> 0)
        for levels, block, classical in self.rows:
            level = levels[:, 0] + (sum(mu[j] * levels[:, j + 1] for j in range(J)) if J else 0)
            constraints.append(t >= level + (cp.sum(z[block]) if block is not None else 0))
            if classical:
                constraints.append(t0 >= level)
        objective = parameters["supply"] * t + (1 - parameters["supply"]) * t0 + (parameters["rhs"] @ mu if J else 0)
        return cp.Problem(cp.Minimize(objective), constraints), parameters, mu, z


_SDP_CACHE: dict[tuple[object, ...], DisjunctiveSDP] = {}


def solve_disjunctive(form, iA, iB, v, solver=None, supply=1):
    """Solve the disjunctive SDP at visibility v (the problem is built once per game coefficients and reused)."""
    key = (iA, iB, tuple(form.g.flat), tuple((n, k, tuple(h.flat)) for n, k, h, _, _ in form.constraints))
    if key not in _SDP_CACHE:
        _SDP_CACHE.clear()
        _SDP_CACHE[key] = DisjunctiveSDP(form, iA, iB)
    return _SDP_CACHE[key].solve(v, form, solver, supply)


# ---------------------------------------------------------------------------
# Lower side


def dual_certificate(game, form, v, mus, sdp_z=None, supply=1):
    """A werner-dual certificate at exact multipliers mus (list of Fractions)."""
    f = _lagrangian(form, mus)
    blocks = []
    iA, iB = game.inputs
    for PA, PB in patterns(iA, iB):
        if not (PA and PB):
            continue
        F = f[np.ix_(PA, PB)]
        vectors = block_vectors(_floats(F)) if min(len(PA), len(PB)) == 2 else None
        if min(len(PA), len(PB)) <= 2:
            z = block_dual(v, F, vectors)
        elif sdp_z is not None and (PA, PB) in sdp_z:
            z = [Fraction(float(c)).limit_denominator(DENOMINATOR) for c in sdp_z[(PA, PB)]]
        else:  # no SDP at these multipliers: complementary slackness of the alternating-maximisation vectors
            z = block_dual(v, F, block_vectors(_floats(F)))
        shift = least_shift(v, f, PA, PB, z)
        blocks.append({"A": list(PA), "B": list(PB), "z": [str(c) for c in z], "shift": str(shift)})
    certificate = {
        "kind": "werner-dual",
        "visibility": str(v),
        "multipliers": {name: str(mu) for (name, _, _, _, _), mu in zip(form.constraints, mus)},
        "blocks": blocks,
    }
    if supply != 1:
        certificate["supply"] = str(supply)
    return certificate


def werner_dual_bound(game, v, extra_multipliers=(), solver=None, form=None, solution=None, supply=1,
                      classical_multipliers=None):
    """A rigorous bound on the game over Werner-pair strategies of visibility v: a Result.

    The SDP's multipliers (rationalised) and any ``extra_multipliers`` (lists
    of Fractions, e.g. the classical frontier's slope, exact at v = 0) are
    tried; the best exactly checked bound is kept. With ``supply`` below 1
    the bound covers policies mixing a pair part (weight supply) and a
    classical part with separate splits; with ``classical_multipliers``
    (exact, the classical LP's) it covers those whose parts each meet the
    constraints ("same_split"), and ``solution`` must then be at supply 1.
    """
    start = time.perf_counter()
    v = Fraction(v)
    form = form or werner_form(game)
    iA, iB = game.inputs
    # same split: the pair part is bounded on its own (supply 1), the no-pair part by the classical multipliers
    part_supply = 1 if classical_multipliers is not None else supply
    if solution is None:
        solution = solve_disjunctive(form, iA, iB, v, solver, part_supply)
    mus_float, zs, sdp_value, status, name = solution
    candidates = [[Fraction(m).limit_denominator(DENOMINATOR) for m in mus_float]]
    candidates += [list(m) for m in extra_multipliers]
    sign = sense_sign(game)
    best = None
    for index, mus in enumerate(candidates):
        try:
            certificate = dual_certificate(game, form, v, mus, zs if index == 0 else None, part_supply)
        except SolverFailed:
            if index == 0:
                raise
            continue  # blocks of three or more questions a side need the SDP's own z
        check = check_werner_dual(game, certificate)
        if check.ok and check.bound is not None and (best is None or sign * check.bound < sign * best[1].bound):
            best = (certificate, check)
    if best is None:
        raise SolverFailed(name, status, "no Werner dual certificate passed its exact check; try another --solver")
    certificate, check = best
    if classical_multipliers is not None and supply != 1:
        # each part meets the constraints on its own: the no-pair part gets the classical LP's multipliers
        certificate["supply"] = str(supply)
        certificate["same_split"] = True
        certificate["classical_multipliers"] = {name: str(mu) for (name, _, _, _, _), mu in
                                                zip(form.constraints, classical_multipliers)}
        check = check_werner_dual(game, certificate)
        if not check.ok:
            raise SolverFailed(name, status, "the same-split Werner dual failed its exact check; please report it")
    certificate["value"] = str(check.bound)
    return Result(
        command="werner-dual",
        game=game,
        value=float(check.bound),
        exact=None,
        certified=True,
        certificate=certificate,
        solver={"name": f"{name} (disjunctive Werner SDP) + exact PSD check", "status": status},
        seconds=time.perf_counter() - start,
        method=werner_method("werner-dual", certificate),
        details={"bound": str(check.bound), "sdp_value": sign * sdp_value},
    )


# ---------------------------------------------------------------------------
# Upper side


def _component_json(A, B):
    def one(m):
        return ("+1" if m > 0 else "-1") if isinstance(m, int) else [str(c) for c in m]

    return [one(m) for m in A], [one(m) for m in B]


def _rational_vectors(vectors):
    return [rational_unit_vector(u) for u in vectors]


def pattern_candidates(form, iA, iB, v, mus_float):
    """Candidate components (A, B measurement lists) maximising the Lagrangian at float multipliers.

    Only patterns within a relative 1e-6 of the best Lagrangian value are
    kept (the others are not optimal near these multipliers).
    """
    f = _lagrangian(form, mus_float)
    found = []
    best_so_far = -math.inf
    for PA, PB in sorted(patterns(iA, iB), key=lambda key: -len(key[0]) - len(key[1])):
        TA = tuple(x for x in range(iA) if x not in PA)
        TB = tuple(y for y in range(iB) if y not in PB)
        value, d, e = best_signs(f, TA, TB)
        vectors = None
        if PA and PB:
            F = np.asarray(f[np.ix_(PA, PB)], dtype=float)
            if min(F.shape) > 2:  # no closed form: skip blocks that cannot come near the best,
                # as sum F u.w <= |F|_op sqrt(|P_A| |P_B|)
                ceiling = float(value) + float(v) * float(np.linalg.norm(F, 2)) * math.sqrt(F.size)
                if ceiling < best_so_far - 1e-6 * (1 + abs(best_so_far)):
                    continue
            vectors = block_vectors(F)
            if vectors is None:
                continue  # three or more projective questions on both sides: not tried
            U, W = vectors
            value += float(v) * sum(F[i, j] * float(U[i] @ W[j]) for i in range(len(PA)) for j in range(len(PB)))
        found.append((float(value), PA, PB, d, e, vectors))
        best_so_far = max(best_so_far, float(value))
    top = max(item[0] for item in found)
    out = []
    ez = [Fraction(0), Fraction(0), Fraction(1)]
    for value, PA, PB, d, e, vectors in found:
        if value < top - 1e-6 * (1 + abs(top)):
            continue
        if vectors is not None:
            U, W = _rational_vectors(vectors[0]), _rational_vectors(vectors[1])
        else:
            U, W = [ez] * len(PA), [ez] * len(PB)
        A = [U[PA.index(x)] if x in PA else d[x] for x in range(iA)]
        B = [W[PB.index(y)] if y in PB else e[y] for y in range(iB)]
        out.append((A, B))
    return out


def werner_strategy(game, v, mus_float=None, deterministic=(), solver=None, form=None, solution=None, supply=1,
                    separate_splits=True):
    """An explicit Werner-pair strategy (exact W) near the optimum: a Result.

    ``deterministic``: (alpha, beta) answer lists of deterministic strategies
    to add as candidates (the classical optimum's, so that the result is
    never worse than classical).
    """
    start = time.perf_counter()
    v = Fraction(v)
    form = form or werner_form(game)
    iA, iB = game.inputs
    status, name = "closed form", "none"
    if mus_float is None:
        if solution is None:
            solution = solve_disjunctive(form, iA, iB, v, solver, supply)
        mus_float, _, _, status, name = solution
    J = len(form.constraints)
    scale = max(abs(m) for m in mus_float) if J else 0.0
    trials = [[m + delta * max(scale, 1e-3) for m in mus_float] for delta in (PERTURBATIONS if J else (0.0,))]
    components = []
    for mus in trials:
        components += pattern_candidates(form, iA, iB, v, mus)
    # never and always agreeing (in the dual-work game: never and always split)
    components += [([1] * iA, [1] * iB), ([1] * iA, [-1] * iB)]
    for alpha, beta in deterministic:
        components.append(([1 - 2 * a for a in alpha], [1 - 2 * b for b in beta]))
    if supply != 1 and iA + iB <= 12:  # every deterministic strategy, for the share without a pair
        components += [(list(d), list(e)) for d in itertools.product((1, -1), repeat=iA)
                       for e in itertools.product((1, -1), repeat=iB)]
    return _mixture_result(game, form, v, components, start,
                           {"name": f"{name} (disjunctive Werner SDP multipliers) + closed-form qubit measurements",
                            "status": status}, supply, separate_splits)


def _mixture_result(game, form, v, components, start, solver_info=None, supply=1, separate_splits=True):
    """The best exact mixture of candidate components meeting the constraint, as a checked Result."""
    iA, iB = game.inputs
    J = len(form.constraints)
    seen, points = set(), []
    for A, B in components:
        E = np.array([[measurement_correlator(v, A[x], B[y]) for y in range(iB)] for x in range(iA)], dtype=object)
        key = (tuple(E.flat), _uses_pair(A, B))
        if key in seen:
            continue
        seen.add(key)
        objective = form.constant + sum((form.g * E).flat, Fraction(0))
        level = None
        if J:
            _, k_j, h_j, _, _ = form.constraints[0]
            level = k_j + sum((h_j * E).flat, Fraction(0))
        points.append((objective, level, A, B))
    target = form.constraints[0][4] if J else None
    supply = Fraction(supply)
    mixture = _best_mixture(points, target) if supply == 1 else _supply_mixture(points, target, supply, separate_splits)
    same = supply != 1 and not separate_splits
    if mixture is None:
        raise SolverFailed("exact", "infeasible", "no mixture of candidate strategies meets the constraint; check the --fix values")
    certificate = {
        "kind": "werner-strategy",
        "visibility": str(v),
        **({"supply": str(supply)} if supply != 1 else {}),
        **({"same_split": True} if same else {}),
        "realisation": STATE,
        # with a supply below 1, "pair" marks the part played when a pair is there (total weight = supply)
        "mixture": [
            {**dict(zip(("weight", "A", "B"), (str(entry[0]),) + _component_json(entry[1], entry[2]))),
             **({"pair": entry[3]} if len(entry) > 3 else {})}
            for entry in mixture if entry[0] != 0
        ],
    }
    check = check_werner_strategy(game, certificate)
    if check.ok:
        certificate["value"] = str(check.achieved)
    return Result(
        command="werner-strategy",
        game=game,
        value=float(check.achieved) if check.achieved is not None else float("nan"),
        exact=None,
        certified=check.ok and check.achieved is not None,
        certificate=certificate,
        solver=solver_info or {"name": "exact (closed-form qubit measurements)", "status": "optimal"},
        seconds=time.perf_counter() - start,
        method=werner_method("werner-strategy", certificate),
        details={"achieved": str(check.achieved)} if check.achieved is not None else {},
        problems=check.problems,
    )


def _best_mixture(points, target):
    """[(weight, A, B)]: the best exact mixture of at most two candidates meeting level == target (max form)."""
    if target is None:
        best = max(points, key=lambda p: p[0])
        return [(Fraction(1), best[2], best[3])]
    obj = np.array([float(p[0]) for p in points])
    lev = np.array([float(p[1]) for p in points])
    best, best_value = None, -math.inf
    exact_hits = [p for p in points if p[1] == target]
    for p in exact_hits:
        if float(p[0]) > best_value:
            best, best_value = [(Fraction(1), p[2], p[3])], float(p[0])
    below = [i for i in range(len(points)) if points[i][1] < target]
    above = [i for i in range(len(points)) if points[i][1] > target]
    t = float(target)
    ranked = []
    for i in below:
        for j in above:
            w = (lev[j] - t) / (lev[j] - lev[i])
            ranked.append((w * obj[i] + (1 - w) * obj[j], i, j))
    ranked.sort(reverse=True)
    for _, i, j in ranked[:5]:  # exact re-evaluation of the best few float pairs
        pi, pj = points[i], points[j]
        w = (pj[1] - target) / (pj[1] - pi[1])
        value = w * pi[0] + (1 - w) * pj[0]
        if best is None or value > best_value:
            best, best_value = [(w, pi[2], pi[3]), (1 - w, pj[2], pj[3])], value
    return best


# ---------------------------------------------------------------------------
# Inputs taken from the exact classical optimum


def classical_multipliers(form, certificate):
    """The classical LP's multipliers of the flip-invariant constraints (exact), in form order."""
    stored = certificate.get("dual", {}).get("multipliers", {})
    return [Fraction(str(stored.get(name, "0"))) for name, _, _, _, _ in form.constraints]


def deterministic_strategies(certificate):
    """(alpha, beta) of every deterministic strategy in a classical certificate's mixture."""
    return [(list(entry["A"]), list(entry["B"])) for entry in certificate.get("mixture", [])]


# ---------------------------------------------------------------------------
# Critical visibility


def _round(value, up):
    """value rounded to the grid 10^-12, up or down (exactly)."""
    scaled = value * 10**12
    whole = math.ceil(scaled) if up else math.floor(scaled)
    return Fraction(whole, 10**12)


def critical_visibility(game, classical_certificate, classical_exact, form=None):
    """A certified interval [V_lo, V_hi] for the least visibility at which Werner pairs beat classical.

    Exact structure: with mu_c the exact classical multipliers at this
    split and f = g - mu_c h, the classical optimum is K + mu_c (v - K_j) +
    D_max(f). For v <= V_lo = min_sigma (D_max - D_sigma) / Tbar_sigma
    (Tbar_sigma a certified upper bound on the block's Tsirelson value) the
    Werner dual at mu_c equals the classical value, so no strategy with
    such pairs beats it (and none with noisier pairs: depolarising one
    qubit of a Werner pair lowers its visibility, so the sets are nested).
    For v > V_hi = min_sigma (D_max - D_sigma) / Ttilde_sigma (Ttilde the
    value of the pattern's rational vectors) that pattern's strategy lies
    strictly above the classical supporting line, and mixed with the
    classical optimum's deterministic strategies it meets the constraint
    with W strictly below the classical value. When the split is not a
    vertex of the classical frontier, mu_c is unique and both ends converge
    to the exact critical value min_sigma (D_max - D_sigma) / T_sigma; the
    ends are rounded outwards to 10^-12 and each carries a certificate.
    Blocks with three or more questions a side take their vectors from
    alternating maximisation and their Tbar from those vectors' dual plus
    the least exact shift: still rigorous, tight when the vectors are
    optimal (measured: width 1e-12 with 3 and 4 size classes).

    Returns a dict: "lower" (the Result of a werner-dual at V_lo proving W
    >= classical, or None), "upper" (the Result of a werner-strategy at V_hi
    with W < classical, or None when no pattern helps at any v <= 1).
    """
    start = time.perf_counter()
    form = form or werner_form(game)
    iA, iB = game.inputs
    sign = sense_sign(game)
    base = classical_multipliers(form, classical_certificate)
    # At a vertex of the classical frontier every multiplier in an interval
    # proves the classical value; a few are tried and the best kept.
    trials = [base] + ([[base[0] + s * 10**k] for k in range(-3, 4) for s in (1, -1)] if len(base) == 1 else [])
    best_lo, upper = None, None
    for index, mus in enumerate(trials):
        if index and upper is not None:
            break  # a witness at the classical multipliers: the split is not a vertex
        v_lo, blocks, v_hi, witness = _critical_at(game, form, mus)
        if v_lo is not None and (best_lo is None or v_lo > best_lo[0]):
            certificate = {
                "kind": "werner-dual",
                "visibility": str(v_lo),
                "multipliers": {name: str(mu) for (name, _, _, _, _), mu in zip(form.constraints, mus)},
                # the blocks' v = 1 certificates scaled by v: S(v) = v S(1) stays PSD
                "blocks": [{"A": list(PA), "B": list(PB), "z": [str(v_lo * c) for c in z], "shift": str(v_lo * t)}
                           for PA, PB, z, t in blocks],
            }
            check = check_werner_dual(game, certificate)
            if check.ok and check.bound == classical_exact:
                best_lo = (v_lo, certificate)
        if witness is not None:
            rounded = _round(v_hi, up=True)
            v_hi = min(Fraction(1), rounded + (Fraction(1, 10**12) if rounded == v_hi else 0))
            if upper is not None and Fraction(upper.certificate["visibility"]) <= v_hi:
                continue
            found = _mixture_result(game, form, v_hi, [witness] + [
                ([1 - 2 * a for a in alpha], [1 - 2 * b for b in beta])
                for alpha, beta in deterministic_strategies(classical_certificate)
            ], start)
            if found.certified and sign * Fraction(found.certificate["value"]) > sign * classical_exact:
                upper = found
    lower = None
    if best_lo is not None:
        v_lo, certificate = best_lo
        certificate["value"] = str(classical_exact)
        lower = Result("werner-dual", game, float(classical_exact), None, True, certificate,
                       {"name": "exact (classical multipliers, closed-form blocks)", "status": "optimal"},
                       time.perf_counter() - start, f"no advantage for any visibility <= {v_lo}",
                       {"bound": str(classical_exact)})
    return {"lower": lower, "upper": upper,
            "interval": [lower.certificate["visibility"] if lower else None,
                         upper.certificate["visibility"] if upper else None]}


def _critical_at(game, form, mus):
    """(V_lo, blocks (PA, PB, z, shift) at v = 1, V_hi exact, witness component) at multipliers mus."""
    iA, iB = game.inputs
    f = _lagrangian(form, mus)
    d_max = best_signs(f, tuple(range(iA)), tuple(range(iB)))[0]
    blocks, v_lo, v_hi, witness = [], None, None, None
    for PA, PB in patterns(iA, iB):
        if not (PA and PB):
            continue
        TA = tuple(x for x in range(iA) if x not in PA)
        TB = tuple(y for y in range(iB) if y not in PB)
        d_sigma, d, e = best_signs(f, TA, TB)
        F = f[np.ix_(PA, PB)]
        vectors = block_vectors(_floats(F))
        z = block_dual(Fraction(1), F, vectors)
        shift = least_shift(Fraction(1), f, PA, PB, z)
        t_bar = sum(z, Fraction(0)) + len(z) * shift
        U, W = _rational_vectors(vectors[0]), _rational_vectors(vectors[1])
        t_tilde = sum((F[i, j] * exact_inner(U[i], W[j]) for i in range(len(PA)) for j in range(len(PB))), Fraction(0))
        blocks.append((PA, PB, z, shift))
        gap = d_max - d_sigma
        if t_bar > 0:
            v_lo = gap / t_bar if v_lo is None else min(v_lo, gap / t_bar)
        if t_tilde > 0 and gap / t_tilde < 1 and (v_hi is None or gap / t_tilde < v_hi):
            v_hi = gap / t_tilde
            A = [U[PA.index(x)] if x in PA else d[x] for x in range(iA)]
            B = [W[PB.index(y)] if y in PB else e[y] for y in range(iB)]
            witness = (A, B)
    v_lo = Fraction(1) if v_lo is None else min(Fraction(1), _round(v_lo, up=False))
    return v_lo, blocks, v_hi, witness


# ---------------------------------------------------------------------------
# A see-saw witness under white noise


def noisy_witness(game, witness, v, classical=None):
    """The witness (a see-saw certificate) evaluated on v rho + (1 - v) I/d, exactly: a Result.

    With ``classical`` (the exact classical value) the details also give the
    exact critical visibility of the witness (certify.proofs.noise).
    """
    start = time.perf_counter()
    v = Fraction(v)
    problems = []
    p, p0 = white_noise_behaviours(game, witness, problems)
    Q, N = (sum((game.objective_exact * b).flat, Fraction(0)) for b in (p, p0))
    certificate = {"kind": "noisy-witness", "visibility": str(v), "witness": witness}
    details = {"witness_value": str(Q), "noise_value": str(N)}
    if classical is not None:
        broken = behaviour_problems(game, p0)
        critical = None if broken else witness_critical_visibility(game, Q, N, classical)
        if broken:
            details["critical_note"] = "white noise breaks the constraints: " + "; ".join(broken)
        certificate["classical"] = str(classical)
        certificate["critical_visibility"] = None if critical is None else str(critical)
        details["critical_visibility"] = certificate["critical_visibility"]
        details["critical_visibility_float"] = None if critical is None else float(critical)
    check = check_noisy_witness(game, certificate)
    if check.ok:
        certificate["value"] = str(check.achieved)
    return Result(
        command="noisy-witness",
        game=game,
        value=float(check.achieved) if check.achieved is not None else float(v * Q + (1 - v) * N),
        exact=None,
        certified=check.ok,
        certificate=certificate,
        solver={"name": "exact (no solver)", "status": "optimal"},
        seconds=time.perf_counter() - start,
        method=werner_method("noisy-witness", certificate),
        details={"achieved": str(check.achieved), **details} if check.ok else details,
        problems=check.problems,
    )


# ---------------------------------------------------------------------------
# Rationed pairs: a share f of the request pairs has one


def _uses_pair(A, B):
    return any(not isinstance(m, int) for m in A + B)


def _exact_solve(rows, rhs):
    """A solution of the exact linear system (free unknowns 0), or None when inconsistent."""
    n = len(rows[0])
    M = [list(r) + [b] for r, b in zip(rows, rhs)]
    pivots, r = [], 0
    for c in range(n):
        k = next((i for i in range(r, len(M)) if M[i][c] != 0), None)
        if k is None:
            continue
        M[r], M[k] = M[k], M[r]
        M[r] = [x / M[r][c] for x in M[r]]
        for i in range(len(M)):
            if i != r and M[i][c] != 0:
                M[i] = [a - M[i][c] * b for a, b in zip(M[i], M[r])]
        pivots.append(c)
        r += 1
    if any(all(x == 0 for x in row[:n]) and row[n] != 0 for row in M):
        return None
    x = [Fraction(0)] * n
    for i, c in enumerate(pivots):
        x[c] = M[i][n]
    return x


def _supply_mixture(points, target, f, separate_splits=True):
    """[(weight, A, B)]: f times a mixture of any candidates plus (1 - f) times one of candidates without
    the pair, with the average level exactly the target, best in max form.

    The support comes from a float LP (HiGHS through scipy); the weights are
    then solved exactly on it. Meeting the target with both parts at the
    target level is always possible and is kept when better or when the
    exact solve fails.
    """
    from scipy.optimize import linprog

    classical = [p for p in points if not _uses_pair(p[2], p[3])]
    if f == 0:
        return [(w, A, B, False) for w, A, B in _best_mixture(classical, target)]
    fallback = [(w * f, A, B, True) for w, A, B in _best_mixture(points, target)]
    fallback += [(w * (1 - f), A, B, False) for w, A, B in _best_mixture(classical, target)]

    def value(mixture):
        return sum((w * next(p[0] for p in points if p[2] is A and p[3] is B) for w, A, B, _ in mixture), Fraction(0))

    if target is None or not separate_splits:
        return fallback
    n, m = len(points), len(classical)
    ff = float(f)
    cost = -np.array([ff * float(p[0]) for p in points] + [(1 - ff) * float(p[0]) for p in classical])
    equalities = np.zeros((3, n + m))
    equalities[0, :n] = 1
    equalities[1, n:] = 1
    equalities[2] = [ff * float(p[1]) for p in points] + [(1 - ff) * float(p[1]) for p in classical]
    solved = linprog(cost, A_eq=equalities, b_eq=[1, 1, float(target)], bounds=(0, None), method="highs")
    if solved.status != 0:
        return fallback
    support = [i for i in range(n + m) if solved.x[i] > 1e-12]
    rows = [[Fraction(1) if i < n else Fraction(0) for i in support],
            [Fraction(0) if i < n else Fraction(1) for i in support],
            [f * points[i][1] if i < n else (1 - f) * classical[i - n][1] for i in support]]
    weights = _exact_solve(rows, [Fraction(1), Fraction(1), target])
    if weights is None or any(w < 0 for w in weights):
        return fallback
    mixture = []
    for i, w in zip(support, weights):
        p = points[i] if i < n else classical[i - n]
        mixture.append((w * (f if i < n else 1 - f), p[2], p[3], i < n))
    return mixture if value(mixture) >= value(fallback) else fallback
