"""Quantum lower bounds by see-saw, with explicit strategies as witnesses.

A quantum strategy in local dimensions (dA, dB) is a state psi in C^dA (x) C^dB
and measurements {A^x_a}, {B^y_b} (positive operators summing to the
identity); its behaviour is

    p(a,b|x,y) = <psi| A^x_a (x) B^y_b |psi> = tr(M^dag A^x_a M (B^y_b)^T),

with M the dA x dB matrix of psi's coefficients (psi = sum M_ij |i>|j>).
Every value of a game at such a behaviour is a lower bound on its quantum
value; mixtures of strategies with shared randomness are quantum too.

See-saw (Werner and Wolf, Quantum Inf. Comput. 1, 1 (2001),
arXiv:quant-ph/0102024; Liang and Doherty, Phys. Rev. A 75, 042103 (2007),
arXiv:quant-ph/0608128): with B and psi fixed the objective sum c.p is linear
in A,

    sum_{x,a} tr(A^x_a K^x_a),   K^x_a = sum_{y,b} c[a,b,x,y] M (B^y_b)^T M^dag,

and it decouples over questions x: one small SDP per question (maximise
sum_a tr(A_a K_a) over POVMs). For two answers it has a closed form: with
A_1 = 1 - A_0 the objective is tr K_1 + tr(A_0 (K_0 - K_1)), maximised over
0 <= A_0 <= 1 by the projector onto the positive eigenspace of K_0 - K_1, so
no SDP solver is called at all. For more answers each question's SDP is built
once with cvxpy Parameters and re-solved through the solver registry, Clarabel
by default (measured on 3x3, three
outcomes: Clarabel 6.9 ms a solve and accurate to ~1e-9, SCS 10 ms at its
default tolerance and off by ~1e-7, 15 ms at eps=1e-9), then cleaned into an
exactly valid POVM in floating point; with ``projective`` it is rounded to a
projective measurement (eigenbasis of sum_a (a+1) A_a, each vector to its best
answer). B is updated likewise,
then psi becomes the top eigenvector of sum c[a,b,x,y] A^x_a (x) B^y_b. Each
step cannot lower the value. Restarts run as one batch (numpy broadcasting
over restarts), from seeded random states and measurements and from the best
deterministic strategy, so the result is never below the classical value.

With constraints (``seesaw_bound``) the quantum set with shared randomness is
convex, so the constrained optimum is a mixture. It is found by column
generation: an LP over the weights of a pool of strategies (HiGHS, through
certify.bounds.lp) gives multipliers (t, mu); see-saw on the Lagrangian game
s c - mu.d prices a new strategy; stop when none beats t. The pool starts
with the classical optimum's deterministic strategies, so the LP is feasible
whenever the classical problem is and the result is never below it. The
final weights are recomputed exactly from the repaired strategies' exact
behaviours, so equality constraints hold exactly.

The witness is checked by certify.proofs.seesaw.check_seesaw (exact rational
arithmetic, no solver).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..proofs.exact import exact_dot, sense_sign
from ..proofs.seesaw import SEESAW_DIGITS, decimal_rounded, check_seesaw, seesaw_exact_behaviour, seesaw_repair, seesaw_value_string
from ..proofs.deterministic import best_deterministic_float
from ..errors import BadInput, SolverFailed
from ..report.results import Result
from .solvers import choose_solver

_TOLERANCE = 1e-13  # stop when no restart improves by more than this in one sweep
_MAX_SWEEPS = 600
_PRUNE_AFTER = 30
_PRUNE_GAP = 1e-4
_PRICING_TOLERANCE = 1e-9
_MAX_ROUNDS = 60
_STALL_ROUNDS = 4  # stop column generation when the LP value has not moved for this many rounds


def _decimal_strings(array):
    return [repr(float(v)) for v in np.asarray(array).reshape(-1)]


def seesaw_component_json(state, A, B):
    """One strategy as JSON: state and every operator, real and imaginary parts as
    decimal strings (Python's repr of the float: exact round trip). Operators are
    made exactly Hermitian in floating point first ((X + X^dag)/2 is)."""

    def operator(X):
        X = np.asarray(X, dtype=complex)
        X = (X + X.conj().T) / 2
        return {"re": [_decimal_strings(row.real) for row in X], "im": [_decimal_strings(row.imag) for row in X]}

    state = np.asarray(state, dtype=complex).reshape(-1)
    state = state / np.linalg.norm(state)
    return {
        "state": {"re": _decimal_strings(state.real), "im": _decimal_strings(state.imag)},
        "A": [[operator(X) for X in question] for question in A],
        "B": [[operator(X) for X in question] for question in B],
    }


# ---------------------------------------------------------------------------
# Records


@dataclass
class QuantumStrategy:
    """A state (dA*dB complex vector, index i*dB + j) and measurements.

    A has shape (iA, oA, dA, dA): A[x, a] is the operator of answer a to
    question x; B has shape (iB, oB, dB, dB).
    """

    state: np.ndarray
    A: np.ndarray
    B: np.ndarray
    projective: bool = False

    @property
    def dims(self):
        return (self.A.shape[-1], self.B.shape[-1])

    @property
    def inputs(self):
        return (self.A.shape[0], self.B.shape[0])

    @property
    def outputs(self):
        return (self.A.shape[1], self.B.shape[1])

    def behaviour(self):
        """p(a,b|x,y) as a float array of shape (oA, oB, iA, iB)."""
        dA, dB = self.dims
        psi = self.state / np.linalg.norm(self.state)
        return _behaviour(psi.reshape(1, dA, dB), self.A[None], self.B[None])[0]

    def value(self, tensor):
        return float(np.sum(np.asarray(tensor, dtype=float) * self.behaviour()))

    def to_json(self):
        return seesaw_component_json(self.state, self.A, self.B)

    @classmethod
    def from_json(cls, data, projective=False):
        """The stored floats (not the exact repair) as a strategy."""

        def matrix(entry):
            return np.array(entry["re"], dtype=float) + 1j * np.array(entry["im"], dtype=float)

        state = np.array(data["state"]["re"], dtype=float) + 1j * np.array(data["state"]["im"], dtype=float)
        A = np.array([[matrix(op) for op in question] for question in data["A"]])
        B = np.array([[matrix(op) for op in question] for question in data["B"]])
        return cls(state, A, B, projective)

    @classmethod
    def deterministic(cls, strategy, outputs, dim):
        """A deterministic strategy as a quantum one: A^x_a = [a = alpha(x)] 1, psi = sum_i |ii>.

        The state is maximally entangled so that every stored operator entry
        matters (the check requires the state normalised within 1e-14).
        """
        dA = dB = dim
        A = np.zeros((len(strategy.alpha), outputs[0], dA, dA), dtype=complex)
        B = np.zeros((len(strategy.beta), outputs[1], dB, dB), dtype=complex)
        for x, a in enumerate(strategy.alpha):
            A[x, a] = np.eye(dA)
        for y, b in enumerate(strategy.beta):
            B[y, b] = np.eye(dB)
        state = np.eye(dim, dtype=complex).reshape(-1) / np.sqrt(dim)
        return cls(state, A, B, projective=True)


@dataclass
class Mixture:
    """Shared randomness over strategies: rational weights, non-negative, summing to 1."""

    components: list = field(default_factory=list)  # [(Fraction, QuantumStrategy)]

    def behaviour(self):
        return sum(float(w) * s.behaviour() for w, s in self.components)

    def value(self, tensor):
        return float(np.sum(np.asarray(tensor, dtype=float) * self.behaviour()))


# ---------------------------------------------------------------------------
# Batched see-saw


def _behaviour(M, A, B):
    """p[r,a,b,x,y] for batches: M (R,dA,dB), A (R,iA,oA,dA,dA), B (R,iB,oB,dB,dB)."""
    X = np.einsum("rji,rxajk,rkl->rxail", M.conj(), A, M)  # M^dag A M
    return np.einsum("rxaij,rybij->rabxy", X, B).real


def _best_povm_two(K, I):
    """Closed-form optimum of tr(A_0 K_0) + tr(A_1 K_1) over two-outcome POVMs (batched).

    K has shape (..., 2, d, d); the optimum A_0 projects onto the positive
    eigenspace of K_0 - K_1 (see the module docstring).
    """
    D = K[..., 0, :, :] - K[..., 1, :, :]
    D = (D + np.conj(np.swapaxes(D, -1, -2))) / 2
    w, V = np.linalg.eigh(D)
    keep = (w > 0).astype(float)
    P = np.einsum("...ik,...k,...jk->...ij", V, keep, V.conj())
    return np.stack([P, I - P], axis=-3)


class _PovmSDP:
    """max sum_a tr(A_a K_a) over POVMs of m outcomes in dimension d, built once."""

    def __init__(self, d, m):
        import cvxpy as cp

        self.K = [cp.Parameter((d, d), hermitian=True) for _ in range(m)]
        self.E = [cp.Variable((d, d), hermitian=True) for _ in range(m)]
        objective = cp.Maximize(cp.real(sum(cp.trace(k @ e) for k, e in zip(self.K, self.E))))
        constraints = [e >> 0 for e in self.E] + [sum(self.E) == np.eye(d)]
        self.problem = cp.Problem(objective, constraints)

    def solve(self, K, solver=None):
        from .solvers import solve_problem

        for parameter, value in zip(self.K, K):
            parameter.value = (value + value.conj().T) / 2
        # an inaccurate step is fine: the witness is re-checked exactly anyway
        solve_problem(self.problem, solver, "POVM step of the see-saw")
        return _clean_povm(np.array([e.value for e in self.E]))


def _clean_povm(E):
    """The nearest-looking valid POVM to a solver's answer: negative eigenvalues
    clipped, then E_a -> S^(-1/2) E_a S^(-1/2) with S = sum_a E_a, so that the
    strategy's value is not inflated by the solver's tolerance."""
    E = (E + np.conj(np.swapaxes(E, -1, -2))) / 2
    w, V = np.linalg.eigh(E)
    E = np.einsum("aik,ak,ajk->aij", V, np.clip(w, 0, None), V.conj())
    s, U = np.linalg.eigh(E.sum(axis=0))
    root = U @ np.diag(1 / np.sqrt(np.clip(s, 1e-15, None))) @ U.conj().T
    return root @ E @ root


_SDP_CACHE = {}


def _best_povm(K, I, projective, solver=None):
    """Best measurement for each K[..., m, d, d] (batched over leading axes)."""
    m, d = K.shape[-3], K.shape[-1]
    if m == 1:
        return np.broadcast_to(I, K.shape).copy()
    if m == 2:
        return _best_povm_two(K, I)
    sdp = _SDP_CACHE.setdefault((d, m), _PovmSDP(d, m))
    flat = K.reshape(-1, m, d, d)
    out = np.empty_like(flat)
    for index, Ks in enumerate(flat):
        E = sdp.solve(Ks, solver)
        if projective:
            E = _round_projective(E, Ks)
        out[index] = (E + np.conj(np.swapaxes(E, -1, -2))) / 2
    return out.reshape(K.shape)


def _round_projective(E, K):
    """A projective measurement near the POVM E: eigenbasis of sum_a (a+1) E_a,
    each basis vector given to the answer a with the largest <v|K_a|v>.
    Exact when E is already projective."""
    m, d = E.shape[0], E.shape[-1]
    H = sum((a + 1) * E[a] for a in range(m))
    _, V = np.linalg.eigh((H + H.conj().T) / 2)
    P = np.zeros_like(E)
    for k in range(d):
        v = V[:, k]
        a = int(np.argmax([np.real(v.conj() @ K[b] @ v) for b in range(m)]))
        P[a] += np.outer(v, v.conj())
    return P


def _random_measurements(rng, R, inputs, outputs, d):
    """Random projective measurements: Haar unitary bases, each vector to a random answer."""
    G = rng.normal(size=(R, inputs, d, d)) + 1j * rng.normal(size=(R, inputs, d, d))
    Q, _ = np.linalg.qr(G)
    labels = rng.integers(0, outputs, size=(R, inputs, d))
    ops = np.zeros((R, inputs, outputs, d, d), dtype=complex)
    for b in range(outputs):
        mask = (labels == b).astype(float)
        ops[:, :, b] = np.einsum("rxik,rxk,rxjk->rxij", Q, mask, Q.conj())
    return ops


def _sweep(c, M, A, B, projective, solver=None):
    """One see-saw sweep on a batch: A, then B, then psi; returns (values, M, A, B)."""
    R, dA, dB = M.shape
    Mh = np.conj(np.swapaxes(M, -1, -2))
    # K^x_a = sum_{y,b} c[a,b,x,y] M (B^y_b)^T M^dag
    T = M[:, None, None] @ np.swapaxes(B, -1, -2) @ Mh[:, None, None]  # (R, iB, oB, dA, dA)
    KA = np.tensordot(T, c, axes=([1, 2], [3, 1])).transpose(0, 4, 3, 1, 2)
    A = _best_povm(KA, np.eye(dA), projective, solver)
    # L^y_b = sum_{x,a} c[a,b,x,y] (M^dag A^x_a M)^T
    X = Mh[:, None, None] @ A @ M[:, None, None]  # (R, iA, oA, dB, dB)
    KB = np.tensordot(X, c, axes=([1, 2], [2, 0])).transpose(0, 4, 3, 2, 1)
    B = _best_povm(KB, np.eye(dB), projective, solver)
    # W = sum_{x,a} A^x_a (x) (sum_{y,b} c[a,b,x,y] B^y_b); psi = its top eigenvector
    Bc = np.tensordot(B, c, axes=([1, 2], [3, 1])).transpose(0, 4, 3, 1, 2)  # (R, iA, oA, dB, dB)
    W = np.einsum("rxaik,rxajl->rijkl", A, Bc).reshape(R, dA * dB, dA * dB)
    W = (W + np.conj(np.swapaxes(W, -1, -2))) / 2
    w, V = np.linalg.eigh(W)
    return w[:, -1], V[:, :, -1].reshape(R, dA, dB), A, B


def _sweeps(c, M, A, B, projective, solver=None):
    """Run sweeps until no restart improves by more than _TOLERANCE (relative).

    Each sweep cannot lower a restart's value. Converged restarts leave the
    batch; after _PRUNE_AFTER sweeps, restarts more than _PRUNE_GAP below the
    best leave it too (they only cost time: the best is kept regardless).
    """
    R = M.shape[0]
    values = np.full(R, -np.inf)
    active = np.arange(R)
    for sweep in range(_MAX_SWEEPS):
        new, M[active], A[active], B[active] = _sweep(c, M[active], A[active], B[active], projective, solver)
        gain = new - values[active]
        values[active] = new
        keep = gain > _TOLERANCE * (1 + np.abs(new))
        if sweep >= _PRUNE_AFTER:
            keep &= new >= values.max() - _PRUNE_GAP
        active = active[keep]
        if active.size == 0:
            break
    return values, M, A, B


def optimise_tensor(tensor, inputs, outputs, dim=2, restarts=20, seed=0, projective=False, initial=(), solver=None):
    """Maximise sum c[a,b,x,y] p(a,b|x,y) over quantum strategies in local dimension ``dim``.

    See-saw from ``restarts`` seeded random starts, from the best
    deterministic strategy and from any strategies in ``initial`` (warm
    starts). Returns (value, QuantumStrategy); the value is recomputed from
    the returned strategy, so it is never above what the strategy reaches,
    and never below the deterministic optimum of the tensor (up to rounding).
    """
    c = np.asarray(tensor, dtype=float)
    iA, iB = inputs
    oA, oB = outputs
    if c.shape != (oA, oB, iA, iB):
        raise ValueError(f"tensor has shape {c.shape}, expected {(oA, oB, iA, iB)}")
    if dim < 1:
        raise BadInput(None, "--dim", f"the local dimension must be at least 1, got {dim}")
    if restarts < 0:
        raise BadInput(None, "--restarts", f"must be non-negative, got {restarts}")
    rng = np.random.default_rng(seed)
    d = dim
    states = rng.normal(size=(restarts, d, d)) + 1j * rng.normal(size=(restarts, d, d))
    states /= np.linalg.norm(states, axis=(1, 2), keepdims=True)
    Bs = _random_measurements(rng, restarts, iB, oB, d)
    As = np.zeros((restarts, iA, oA, d, d), dtype=complex)
    _, classical = best_deterministic_float(c)
    starts = [QuantumStrategy.deterministic(classical, outputs, d)] + list(initial)
    extra_M = [s.state.reshape(d, d) / np.linalg.norm(s.state) for s in starts]
    M = np.concatenate([np.array(extra_M), states]) if restarts else np.array(extra_M)
    A = np.concatenate([np.array([s.A for s in starts]), As]) if restarts else np.array([s.A for s in starts])
    B = np.concatenate([np.array([s.B for s in starts]), Bs]) if restarts else np.array([s.B for s in starts])
    _, M, A, B = _sweeps(c, M, A, B, projective, solver)
    values = np.einsum("abxy,rabxy->r", c, _behaviour(M, A, B))
    best = int(np.argmax(values))
    strategy = QuantumStrategy(M[best].reshape(-1), A[best], B[best], projective or (oA <= 2 and oB <= 2))
    # the deterministic start is a fixed point of the sweeps, so compare with it explicitly
    deterministic = starts[0]
    if deterministic.value(c) > strategy.value(c):
        strategy = deterministic
    return strategy.value(c), strategy


# ---------------------------------------------------------------------------
# Constrained see-saw and the certified Result


def seesaw_bound(game, dim=2, restarts=20, seed=0, projective=False, solver=None):
    """A certified quantum lower bound (upper bound for "min" games) by see-saw.

    Maximises s*c (s = sense_sign(game)) over mixtures of strategies in local
    dimension ``dim`` subject to the game's constraints (column generation,
    see the module docstring), then checks the witness exactly with
    certify.proofs.seesaw.check_seesaw. Never worse than the classical value.
    """
    from .classical import classical_value

    start = time.perf_counter()
    if dim < 1:
        raise BadInput(None, "--dim", f"the local dimension must be at least 1, got {dim}")
    sign = sense_sign(game)
    objective = game.objective * sign
    try:
        classical = classical_value(game)
    except SolverFailed:
        classical = None  # no classical strategy meets the constraints; a quantum one may
    fallback = []
    if classical is not None:
        fallback = [
            (Fraction(entry["weight"]), QuantumStrategy.deterministic(_det(entry), game.outputs, dim))
            for entry in classical.certificate["mixture"]
        ]
    rounds = 0
    _, best = optimise_tensor(objective, game.inputs, game.outputs, dim, restarts, seed, projective, solver=solver)
    if not game.constraints:
        candidates = [[(Fraction(1), best)], fallback]
        method = f"see-saw, dimension {dim}, {restarts} restarts + deterministic start, seed {seed}"
    else:
        support, rounds, size = _column_generation(game, objective, [s for _, s in fallback] + [best], dim, restarts, seed, projective, solver)
        candidates = [_exact_mixture(game, support), fallback]
        method = (
            f"see-saw column generation ({rounds} rounds, {size} strategies), dimension {dim}, "
            f"{restarts} restarts, seed {seed}"
        )
    candidates = [c for c in candidates if c]
    certificate, check, details = _best_certificate(game, candidates, projective)
    details.update({
        "achieved": None if check.achieved is None else decimal_rounded(check.achieved, SEESAW_DIGITS),
        "classical": None if classical is None or classical.exact is None else str(classical.exact),
        "rounds": rounds,
    })
    return Result(
        command="seesaw",
        game=game,
        value=float(check.achieved) if check.achieved is not None else float(certificate.get("value", 0)),
        exact=None,
        certified=check.ok,
        certificate=certificate,
        solver={"name": f"see-saw (closed-form two-outcome steps; {choose_solver(solver, 0)} for more outcomes)",
                "status": "converged"},
        seconds=time.perf_counter() - start,
        method=method,
        details=details,
        problems=check.problems,
    )


def _det(entry):
    from ..proofs.deterministic import DeterministicStrategy

    return DeterministicStrategy.from_json(entry)


def _column_generation(game, objective, pool, dim, restarts, seed, projective, solver=None):
    """Strategies whose best mixture meets the constraints (see the module docstring).

    LP over the pool's weights (HiGHS) with an artificial column of large
    penalty per constraint and direction, so the LP is feasible even before
    the pool can meet the constraints; see-saw on the Lagrangian prices new
    strategies. Returns (support strategies, rounds, pool size).
    """
    from . import lp

    for constraint in game.constraints:  # strategies at the ends of each constraint's range
        for direction in (1, -1):
            pool.append(optimise_tensor(direction * constraint.coefficients, game.inputs, game.outputs, dim, restarts, seed, projective, solver=solver)[1])
    relations = ["=="] + [c.relation for c in game.constraints]
    rhs = [1.0] + [float(c.value) for c in game.constraints]
    k = len(game.constraints)
    artificial = np.zeros((1 + k, 2 * k))
    for index in range(k):
        artificial[1 + index, 2 * index], artificial[1 + index, 2 * index + 1] = 1.0, -1.0
    penalty = 1e3 * (1 + float(np.abs(objective).sum()))
    history = []
    rounds = 0
    for rounds in range(1, _MAX_ROUNDS + 1):
        behaviours = [s.behaviour() for s in pool]
        costs = np.array([np.sum(objective * p) for p in behaviours] + [-penalty] * (2 * k))
        rows = np.array([[1.0] * len(pool)] + [[np.sum(c.coefficients * p) for p in behaviours] for c in game.constraints])
        solution = lp.solve(costs, np.hstack([rows, artificial]), relations, rhs)
        history.append(solution.float_value)
        if len(history) > _STALL_ROUNDS and history[-1] <= history[-1 - _STALL_ROUNDS] + 1e-12:
            break
        duals = solution.float_duals
        price = objective - sum(mu * c.coefficients for mu, c in zip(duals[1:], game.constraints))
        ranked = np.argsort(-solution.float_primal[: len(pool)])[:3]
        value, candidate = optimise_tensor(
            price, game.inputs, game.outputs, dim, restarts, seed + rounds, projective,
            initial=[pool[i] for i in ranked if pool[i].dims == (dim, dim)], solver=solver,
        )
        if value <= duals[0] + _PRICING_TOLERANCE * (1 + abs(duals[0])):
            break
        pool.append(candidate)
    if np.any(solution.float_primal[len(pool):] > 1e-9):
        raise SolverFailed(
            "see-saw", "infeasible",
            f"no mixture of strategies found in dimension {dim} meets the constraints; "
            "check the --fix values, or try a larger --dim or more --restarts",
        )
    support = [pool[i] for i in np.flatnonzero(solution.float_primal[: len(pool)] > 1e-12)]
    return support, rounds, len(pool)


def _exact_mixture(game, support):
    """Exact weights on a support: re-solve the LP on the repaired strategies' exact behaviours."""
    from . import lp

    sign = sense_sign(game)
    relations = ["=="] + [c.relation for c in game.constraints]
    exact = [seesaw_exact_behaviour(seesaw_repair(s.to_json(), game)[0]) for s in support]
    exact_costs = [exact_dot(game.objective_exact, p) * sign for p in exact]
    exact_rows = [[Fraction(1)] * len(support)] + [[exact_dot(c.exact, p) for p in exact] for c in game.constraints]
    exact_rhs = [Fraction(1)] + [c.value for c in game.constraints]
    costs = [float(v) for v in exact_costs]
    rows = [[float(v) for v in row] for row in exact_rows]
    try:
        solution = lp.solve(costs, rows, relations, [float(v) for v in exact_rhs], exact_costs, exact_rows, exact_rhs)
    except SolverFailed:
        return []  # the repaired strategies miss the constraints; the classical witness remains
    if solution.primal is None or any(w < 0 for w in solution.primal):
        # no exact basic solution: nearby rational weights; the check reports the residuals
        weights = [Fraction(max(float(w), 0.0)).limit_denominator(10**15) for w in solution.float_primal]
        total = sum(weights)
        weights = [w / total for w in weights]
    else:
        weights = solution.primal
    return [(w, s) for w, s in zip(weights, support) if w != 0]


def _best_certificate(game, candidates, projective):
    """Build and check each candidate mixture; keep the best that passes."""
    best = None
    for components in candidates:
        certificate = witness_certificate(game, components, projective)
        check = check_seesaw(game, certificate)
        key = (check.ok, -np.inf if check.achieved is None else float(check.achieved * sense_sign(game)))
        if best is None or key > best[0]:
            best = (key, certificate, check)
    _, certificate, check = best
    return certificate, check, dict(check.details)


def witness_certificate(game, components, projective=False):
    """The JSON witness of a mixture [(Fraction weight, QuantumStrategy)], with its claimed value."""
    certificate = {
        "kind": "seesaw",
        "projective": bool(projective) or all(s.projective for _, s in components),
        "components": [{"weight": str(w), **s.to_json()} for w, s in components],
    }
    certificate["value"] = seesaw_value_string(game, certificate)
    return certificate
