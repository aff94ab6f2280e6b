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
once and re-solved: by default handed to Clarabel in its own form (2.3 ms a
solve in dimension 3 with three outcomes, against 5.1 ms through cvxpy, which
spends the difference compiling and unpacking), with another --solver through
cvxpy Parameters and the solver registry (SCS: off by ~1e-7 at its default
tolerance, so slower at eps=1e-9), then cleaned into an
exactly valid POVM in floating point; with ``projective`` it is rounded to a
projective measurement (eigenbasis of sum_a (a+1) A_a, each vector to its best
answer). B is updated likewise,
then psi becomes the top eigenvector of sum c[a,b,x,y] A^x_a (x) B^y_b. Each
step cannot lower the value. Restarts run in batches (numpy broadcasting over
restarts), from the best deterministic strategy, so the result is never below
the classical value, from maximally entangled states with Fourier-basis
measurements (the CGLMP measurements) and from seeded random states and
measurements. Restart k's start depends on (seed, k) alone and its batch
never changes, so more restarts never give a lower value.

With constraints (``seesaw_bound``) the quantum set with shared randomness is
convex, so the constrained optimum is a mixture. It is found by column
generation: an LP over the weights of a pool of strategies (HiGHS, through
certify.bounds.lp) gives multipliers (t, mu); see-saw on the Lagrangian game
s c - mu.d prices a new strategy; stop when none beats t. The pool starts
with the classical optimum's deterministic strategies, so the LP is feasible
whenever the classical problem is and the result is never below it. The
float search sees each constraint divided by its largest coefficient, so a
constraint written at a tiny scale is not lost in the solver's tolerance.

Constraints that force probabilities to 0 (``forced_zeros``: Hardy's paradox)
no mixing weights can meet, and a tolerance of 1e-9 on them is worth value
~3e-5 (amplitudes move like the square root of a violation). They are met
by every strategy on its own (``optimise_zero``): a penalised see-saw finds
the region, a local search over the measurements with the state confined to
the allowed subspace polishes it, and ``exact_zero_strategy`` writes it in
exact rationals (exact projectors, a state exactly orthogonal to every
forbidden outcome), so the zeros hold exactly with nothing repaired.

Certified means exact (docs/certificates.md): the final weights are solved
exactly (``exact_mixture``) from the repaired strategies' exact behaviours,
so that every constraint holds exactly in rationals, with no tolerance. If
rounding leaves no such weights near the float ones, the classical optimum's
mixture (which meets every constraint exactly) is blended in; only when there
is none (no classical strategy meets the constraints) may the witness meet
other levels than requested, and it is then certified at the levels it meets,
which the result's game, method and details["requested"] state.

The witness is checked by certify.proofs.seesaw.check_seesaw (exact rational
arithmetic, no solver).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from ..proofs.exact import as_fmpq, exact_dot, sense_sign
from ..proofs.result import SEESAW_DIMENSIONS_SUFFIX, seesaw_method_text
from ..proofs.seesaw import (
    SEESAW_CLAIM_DIGITS, SEESAW_DIGITS, check_seesaw, decimal_rounded, forced_zeros, seesaw_exact_behaviour, seesaw_repair,
    seesaw_value_string,
)
from ..proofs.deterministic import best_deterministic_float
from ..errors import BadInput, SolverFailed
from .result import Result
from .solvers import ClarabelProblem, choose_solver, clarabel_chosen, psd_triangle

if TYPE_CHECKING:
    from ..games.game import Game

_TOLERANCE = 1e-13  # stop when no restart improves by more than this in one sweep
_MAX_SWEEPS = 600
_PRUNE_AFTER = 30
_PRUNE_GAP = 1e-4
_PRICING_TOLERANCE = 1e-9
_MAX_ROUNDS = 60
_STALL_ROUNDS = 4  # stop column generation when the LP value has not moved for this many rounds
_EXACT_CANDIDATES = 4  # LP solutions (the best rounds) whose weights are solved exactly
_BATCH = 4  # restarts swept together (numpy broadcasting); a restart's batch never changes
# a later search replaces the best so far only when better by this much (relative): values
# are computed with errors near 1e-15, and the exact repair moves them by as little
_BETTER = 1e-10


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
    # the strategy as exact rationals (a component's JSON, "p/q" strings), when it must meet
    # forced zeros exactly (``exact_zero_strategy``); the floats above approximate it
    exact: dict | None = None

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
        if self.exact is not None:
            return self.exact
        return seesaw_component_json(self.state, self.A, self.B)

    @classmethod
    def from_json(cls, data, projective=False):
        """The stored floats (not the exact repair) as a strategy."""

        def floats(values):
            # decimals, or exact "p/q" rationals (witnesses meeting forced zeros)
            return np.vectorize(lambda v: float(Fraction(v)), otypes=[float])(np.array(values, dtype=object))

        def matrix(entry):
            return floats(entry["re"]) + 1j * floats(entry["im"])

        state = floats(data["state"]["re"]) + 1j * floats(data["state"]["im"])
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
    """max sum_a tr(A_a K_a) over POVMs of m outcomes in dimension d, built once.

    With Clarabel (the default) the SDP goes to it directly (_PovmClarabel;
    the module docstring gives the times). Any other solver, and a Clarabel
    solve that ends neither solved nor almost solved, goes through cvxpy and
    the registry, which report the status and what to try next.
    """

    def __init__(self, d, m):
        self.d, self.m = d, m
        self.direct = _PovmClarabel(d, m)
        self.problem = None

    def _cvxpy(self):
        import cvxpy as cp

        d, m = self.d, self.m
        self.K = [cp.Parameter((d, d), hermitian=True) for _ in range(m)]
        self.E = [cp.Variable((d, d), hermitian=True) for _ in range(m)]
        objective = cp.Maximize(cp.real(sum(cp.trace(k @ e) for k, e in zip(self.K, self.E))))
        constraints = [e >> 0 for e in self.E] + [sum(self.E) == np.eye(d)]
        self.problem = cp.Problem(objective, constraints)

    def solve(self, K, solver=None):
        from .solvers import solve_problem

        K = [(value + value.conj().T) / 2 for value in K]
        if clarabel_chosen(solver):
            E = self.direct.solve(K)
            if E is not None:
                return _clean_povm(E)
        if self.problem is None:
            self._cvxpy()
        for parameter, value in zip(self.K, K):
            parameter.value = value
        # an inaccurate step is fine: the witness is re-checked exactly anyway, so no polish
        # (CVXOPT re-solving inaccurate steps made cglmp3 in dimension 3 take 9.9 s instead of 6.0)
        solve_problem(self.problem, solver, "POVM step of the see-saw", polish=False)
        return _clean_povm(np.array([e.value for e in self.E]))


class _PovmClarabel:
    """The POVM step's SDP in Clarabel's own form: min q.x with A x + s = b, s in a cone.

    A Hermitian E = R + iI is PSD exactly when the real symmetric
    [[R, -I], [I, R]] is, so each outcome's unknowns are R_ij (i <= j) and
    I_ij (i < j), d^2 reals. sum_a E_a = 1 is d^2 equality rows (Clarabel's
    zero cone), then each outcome's embedding, upper triangle by columns with
    off-diagonal entries scaled by sqrt 2, lies in a PSD triangle cone. The
    objective is Re tr(E K) = sum_i R_ii K_ii + 2 sum_{i<j} (R_ij Re K_ij + I_ij Im K_ij).
    A and b are built once; only q changes from solve to solve.
    """

    def __init__(self, d, m):
        from scipy import sparse

        self.d, self.m = d, m
        self.upper = [(i, j) for i, j, _ in psd_triangle(d)]  # R's unknowns, in this order
        self.strict = [(i, j) for j in range(d) for i in range(j)]  # then I's
        real = {pair: k for k, pair in enumerate(self.upper)}
        imaginary = {pair: len(self.upper) + k for k, pair in enumerate(self.strict)}
        rows, columns, values = [], [], []
        for a in range(m):  # sum_a E_a = 1: one row per unknown of one outcome
            for k in range(d * d):
                rows.append(k), columns.append(a * d * d + k), values.append(1.0)
        b = np.zeros(d * d + m * d * (2 * d + 1))
        for k, (i, j) in enumerate(self.upper):
            b[k] = 1.0 if i == j else 0.0

        def entry(r, c):  # the embedding's (r, c) entry, r <= c: (unknown, sign) or None
            if c < d:
                return real[r, c], 1.0
            if r >= d:
                return real[r - d, c - d], 1.0
            j = c - d
            if r == j:
                return None
            return (imaginary[r, j], -1.0) if r < j else (imaginary[j, r], 1.0)

        row = d * d
        for a in range(m):
            for r, c, scale in psd_triangle(2 * d):
                found = entry(r, c)
                if found is not None:
                    rows.append(row), columns.append(a * d * d + found[0]), values.append(-scale * found[1])
                row += 1
        A = sparse.csc_matrix((values, (rows, columns)), shape=(row, m * d * d))
        self.problem = ClarabelProblem(A, b, [("zero", d * d)] + [("psd", 2 * d)] * m)

    def solve(self, K):
        """The optimal POVM (m x d x d) for these K_a, or None unless Clarabel solved it."""
        d = self.d
        weights = [[K[a][i, j].real * (1 if i == j else 2) for i, j in self.upper]
                   + [2 * K[a][i, j].imag for i, j in self.strict] for a in range(self.m)]
        q = -np.concatenate(weights)
        # an almost solved step is fine: the witness is re-checked exactly anyway
        solved = self.problem.solve(q, almost=True)
        if solved is None:
            return None
        x = solved[0].reshape(self.m, d * d)
        E = np.zeros((self.m, d, d), dtype=complex)
        for k, (i, j) in enumerate(self.upper):
            E[:, i, j] += x[:, k]
            if i != j:
                E[:, j, i] += x[:, k]
        for k, (i, j) in enumerate(self.strict):
            E[:, i, j] += 1j * x[:, len(self.upper) + k]
            E[:, j, i] -= 1j * x[:, len(self.upper) + k]
        return E


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
    if (d, m) not in _SDP_CACHE:
        _SDP_CACHE[d, m] = _PovmSDP(d, m)
    sdp = _SDP_CACHE[d, m]
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


def _sweeps(c, M, A, B, projective, solver=None, floor: float = -np.inf):
    """Run sweeps until no restart improves by more than _TOLERANCE (relative).

    Each sweep cannot lower a restart's value. Converged restarts leave the
    batch; after _PRUNE_AFTER sweeps, restarts more than _PRUNE_GAP below the
    best (of this batch, or ``floor``, the best of the batches run before it)
    leave it too (they only cost time: the best is kept regardless).
    """
    R = M.shape[0]
    values = np.full(R, -np.inf)
    active = np.arange(R)
    stopped = "sweep limit"  # unless every restart converged or was pruned first
    for sweep in range(_MAX_SWEEPS):
        new, M[active], A[active], B[active] = _sweep(c, M[active], A[active], B[active], projective, solver)
        gain = new - values[active]
        values[active] = new
        keep = gain > _TOLERANCE * (1 + np.abs(new))
        if sweep >= _PRUNE_AFTER:
            keep &= new >= max(values.max(), floor) - _PRUNE_GAP
        active = active[keep]
        if active.size == 0:
            stopped = "converged"
            break
    return values, M, A, B, stopped


def _restart_start(seed: int, index: int, inputs: tuple[int, int], outputs: tuple[int, int],
                   d: int) -> tuple[np.ndarray, np.ndarray]:
    """Restart ``index``'s random start (state M, measurements B), drawn from its own
    generator, numpy's SeedSequence(seed, spawn_key=(index,)) (the index-th child of
    SeedSequence(seed).spawn): it depends on (seed, index) alone, never on how many
    restarts run, so n + 1 restarts repeat the first n searches and add one."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))
    M = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    M /= np.linalg.norm(M)
    B = _random_measurements(rng, 1, inputs[1], outputs[1], d)[0]
    return M, B


def fourier_starts(inputs: tuple[int, int], outputs: tuple[int, int], d: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Maximally entangled starts with Bob measuring in shifted Fourier bases.

    psi = sum_j |jj>/sqrt d; Bob's question y measures the basis
    |l>_y = sum_j exp(2 pi i j (l + s y / iB) / d) |j>/sqrt d, vector l giving
    answer l mod oB, for s = +1 and s = -1 (the two relative orientations of
    his bases; Alice is fitted by the first step of the see-saw). For two
    questions these are the measurements that maximise the CGLMP expressions
    on the maximally entangled state (Collins, Gisin, Linden, Massar, Popescu,
    PRL 88, 040404 (2002), after Durt, Kaszlikowski and Zukowski, PRA 64,
    024101 (2001)); for more questions the chained Bell inequalities'
    (Barrett, Kent, Pironio, PRL 97, 170409 (2006)). The optimum of CGLMP for
    d > 2 uses a non-maximally entangled state (Acin, Durt, Gisin, Latorre,
    PRA 65, 052325 (2002)), which the see-saw's state step climbs to from
    here, where random starts in dimension 5 or 6 end below it. Returns a
    list of (M, B) like _restart_start.
    """
    if d < 2:
        return []
    iB, oB = inputs[1], outputs[1]
    j = np.arange(d)
    M = np.eye(d, dtype=complex) / np.sqrt(d)
    starts = []
    for orientation in (1, -1):
        B = np.zeros((iB, oB, d, d), dtype=complex)
        for y in range(iB):
            for l in range(d):
                v = np.exp(2j * np.pi * j * (l + orientation * y / iB) / d) / np.sqrt(d)
                B[y, l % oB] += np.outer(v, v.conj())
        starts.append((M.copy(), B))
    return starts


def optimise_tensor(tensor, inputs, outputs, dim=2, restarts=20, seed=0, projective=False, initial=(), solver=None):
    """Maximise sum c[a,b,x,y] p(a,b|x,y) over quantum strategies in local dimension ``dim``.

    See-saw from the best deterministic strategy, from any strategies in
    ``initial`` (warm starts), from the maximally entangled Fourier starts
    (``fourier_starts``) and from ``restarts`` seeded random starts. Returns
    (value, QuantumStrategy); the value is recomputed from the returned
    strategy, so it is never above what the strategy reaches, and never below
    the deterministic optimum of the tensor (up to rounding).

    Restarts are nested: restart k starts from _restart_start(seed, k) and
    runs in batch k // _BATCH, whose members are fixed (a last, partial batch
    is filled up with the restarts after it, whose results are not used), so
    restart k is the same computation whatever the number of restarts. The
    best is chosen in a fixed order (deterministic, warm, Fourier, then
    restarts 0, 1, ...), a later one only when it beats the best so far by
    more than _BETTER (relative): far above the float error of a value, so a
    later choice is better in exact arithmetic too, and more restarts never
    give a lower value.
    """
    c = np.asarray(tensor, dtype=float)
    iA, iB = inputs
    oA, oB = outputs
    if c.shape != (oA, oB, iA, iB):
        raise ValueError(f"tensor has shape {c.shape}, expected {(oA, oB, iA, iB)}")
    check_work(inputs, outputs, dim, restarts)
    d = dim
    _, classical = best_deterministic_float(c)
    deterministic = QuantumStrategy.deterministic(classical, outputs, d)
    starts = [deterministic] + list(initial)
    fourier = fourier_starts(inputs, outputs, d)
    batches = [(
        np.array([s.state.reshape(d, d) / np.linalg.norm(s.state) for s in starts] + [M for M, _ in fourier]),
        np.array([s.A for s in starts] + [np.zeros((iA, oA, d, d), dtype=complex)] * len(fourier)),
        np.array([s.B for s in starts] + [B for _, B in fourier]),
    )]
    for first in range(0, restarts, _BATCH):
        drawn = [_restart_start(seed, k, inputs, outputs, d) for k in range(first, first + _BATCH)]
        batches.append((np.array([M for M, _ in drawn]), np.zeros((_BATCH, iA, oA, d, d), dtype=complex),
                        np.array([B for _, B in drawn])))
    # candidates in the order of the rule: the deterministic strategy as it is (a fixed
    # point of the sweeps, so compared explicitly), then every search's end point
    candidates = [(deterministic.value(c), deterministic)]
    floor, stops = -np.inf, []
    for index, (M, A, B) in enumerate(batches):
        _, M, A, B, stopped = _sweeps(c, M, A, B, projective, solver, floor)
        stops.append(stopped)
        values = np.einsum("abxy,rabxy->r", c, _behaviour(M, A, B))
        count = len(values) if index == 0 else min(_BATCH, restarts - (index - 1) * _BATCH)
        for r in range(count):
            strategy = QuantumStrategy(M[r].reshape(-1), A[r], B[r], projective or (oA <= 2 and oB <= 2))
            candidates.append((float(values[r]), strategy))
        floor = max(floor, float(values.max()))
    best_value, strategy = candidates[0]
    for value, candidate in candidates[1:]:
        if value > best_value + _BETTER * (1 + abs(best_value)):
            best_value, strategy = value, candidate
    # what ended the sweeps (the see-saw's status says it)
    strategy.stopped = "sweep limit" if "sweep limit" in stops else "converged"
    return strategy.value(c), strategy


# ---------------------------------------------------------------------------
# Forced zeros: constraints that fix probabilities to 0 (Hardy's paradox)


_ZERO_PENALTIES = (10.0, 100.0)  # penalty stages of optimise_zero, times 1 + max |c|
_ZERO_RANK = 1e-9  # singular values below this (relative) span no forbidden direction
_ZERO_BITS = 48  # measurement bases are rounded to multiples of 2^-48 before the exact repair


def _bases(operators: np.ndarray) -> tuple[list[np.ndarray], list[list[int]]]:
    """Each measurement (iX, m, d, d) as an orthonormal basis and an answer per basis vector.

    The basis diagonalises sum_a (a+1) E_a and each vector goes to the answer a
    with the largest <v|E_a|v> (_round_projective's rule): for a projective
    measurement this is the measurement itself.
    """
    bases, labels = [], []
    for question in operators:
        H = sum((a + 1) * E for a, E in enumerate(question))
        _, V = np.linalg.eigh((H + H.conj().T) / 2)
        bases.append(V)
        labels.append([int(np.argmax([np.real(V[:, k].conj() @ E @ V[:, k]) for E in question]))
                       for k in range(V.shape[1])])
    return bases, labels


def _projectors(bases: list[np.ndarray], labels: list[list[int]], m: int) -> np.ndarray:
    """The projective measurements of (bases, labels): P_a = sum of v v^dag over the vectors of answer a."""
    out = np.zeros((len(bases), m) + bases[0].shape, dtype=complex)
    for x, (V, answers) in enumerate(zip(bases, labels)):
        for k, a in enumerate(answers):
            out[x, a] += np.outer(V[:, k], V[:, k].conj())
    return out


def _forbidden_vectors(zeros: np.ndarray, basesA: list[np.ndarray], labelsA: list[list[int]],
                       basesB: list[np.ndarray], labelsB: list[list[int]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The product vectors u (x) v, u of answer a to x and v of answer b to y, over every
    forced-zero event (a,b,x,y): p(a,b|x,y) = 0 exactly when psi is orthogonal to them all
    (p = sum |<u (x) v|psi>|^2 over the projectors' basis vectors)."""
    vectors = []
    for a, b, x, y in zip(*np.nonzero(zeros)):
        for k, answer in enumerate(labelsA[x]):
            if answer == a:
                for l, other in enumerate(labelsB[y]):
                    if other == b:
                        vectors.append((basesA[x][:, k], basesB[y][:, l]))
    return vectors


def _best_state_meeting_zeros(c: np.ndarray, zeros: np.ndarray, basesA: list[np.ndarray], labelsA: list[list[int]],
                              basesB: list[np.ndarray], labelsB: list[list[int]],
                              outputs: tuple[int, int]) -> tuple[float, np.ndarray | None]:
    """(value, psi): the best state for fixed projective measurements among those with
    p = 0 on every forced-zero event: the top eigenvector of the game operator
    W = sum c[a,b,x,y] A^x_a (x) B^y_b restricted to the orthogonal complement of the
    forbidden vectors. (-inf, None) when that complement is {0}."""
    A = _projectors(basesA, labelsA, outputs[0])
    B = _projectors(basesB, labelsB, outputs[1])
    dA, dB = A.shape[-1], B.shape[-1]
    W = np.einsum("abxy,xaik,ybjl->ijkl", c, A, B).reshape(dA * dB, dA * dB)
    vectors = [np.kron(u, v) for u, v in _forbidden_vectors(zeros, basesA, labelsA, basesB, labelsB)]
    if vectors:
        U, sigma, _ = np.linalg.svd(np.array(vectors).T)
        rank = int(np.sum(sigma > _ZERO_RANK * max(1.0, sigma.max())))
        Q = U[:, rank:]
    else:
        Q = np.eye(dA * dB)
    if Q.shape[1] == 0:
        return -np.inf, None
    H = Q.conj().T @ W @ Q
    w, v = np.linalg.eigh((H + H.conj().T) / 2)
    return float(w[-1]), Q @ v[:, -1]


def _rotated(V: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """V exp(i H(theta)), H Hermitian from d^2 reals (diagonal, then real and imaginary
    parts above it): every unitary near V, for a smooth local search."""
    d = V.shape[0]
    H = np.diag(theta[:d]).astype(complex)
    upper = np.triu_indices(d, 1)
    count = len(upper[0])
    H[upper] = theta[d:d + count] + 1j * theta[d + count:d + 2 * count]
    H = H + np.triu(H, 1).conj().T
    w, Q = np.linalg.eigh(H)
    return V @ (Q * np.exp(1j * w)) @ Q.conj().T


def _polish_zeros(c: np.ndarray, zeros: np.ndarray, strategy: QuantumStrategy, outputs: tuple[int, int]) -> tuple:
    """Local search over the measurements, the state always the best one meeting the zeros.

    Coordinate steps stall here: with the others fixed, the zeros determine a
    measurement or the state completely (Hardy's three zeros leave psi one
    direction), so the see-saw cannot move along the constraint. So each
    measurement's basis is rotated, V_x exp(i H_x), and the value of the best state
    meeting the zeros (_best_state_meeting_zeros) is maximised over the H_x with
    BFGS (scipy). Returns (value, basesA, labelsA, basesB, labelsB, psi).
    """
    from scipy.optimize import minimize

    basesA, labelsA = _bases(strategy.A)
    basesB, labelsB = _bases(strategy.B)
    d2A, d2B = basesA[0].shape[0] ** 2, basesB[0].shape[0] ** 2

    def unpack(theta):
        rotatedA = [_rotated(V, theta[i * d2A:(i + 1) * d2A]) for i, V in enumerate(basesA)]
        offset = len(basesA) * d2A
        rotatedB = [_rotated(V, theta[offset + i * d2B:offset + (i + 1) * d2B]) for i, V in enumerate(basesB)]
        return rotatedA, rotatedB

    def loss(theta):
        rotatedA, rotatedB = unpack(theta)
        value, _ = _best_state_meeting_zeros(c, zeros, rotatedA, labelsA, rotatedB, labelsB, outputs)
        return 1e6 if value == -np.inf else -value

    start = np.zeros(len(basesA) * d2A + len(basesB) * d2B)
    result = minimize(loss, start, method="BFGS", options={"gtol": 1e-8, "maxiter": 400})
    theta = result.x if result.fun <= loss(start) else start
    basesA, basesB = unpack(theta)
    value, psi = _best_state_meeting_zeros(c, zeros, basesA, labelsA, basesB, labelsB, outputs)
    # BFGS's verdict; "precision loss" is its usual end at an optimum in floating point
    # (finite-difference gradients stop improving near 1e-8 while the value has converged)
    settled = result.success or "precision loss" in str(result.message)
    _polish_zeros.status = "converged, polished on the zeros" if settled else f"polish on the zeros: {result.message}"
    return value, basesA, labelsA, basesB, labelsB, psi


def _complex_inner(u: list, v: list) -> tuple[Fraction, Fraction]:
    """sum_i conj(u_i) v_i of exact complex vectors (lists of (re, im) Fractions)."""
    re = sum((ur * vr + ui * vi for (ur, ui), (vr, vi) in zip(u, v)), Fraction(0))
    im = sum((ur * vi - ui * vr for (ur, ui), (vr, vi) in zip(u, v)), Fraction(0))
    return re, im


def _exact_basis(V: np.ndarray) -> list[tuple[list, Fraction]] | None:
    """The columns of a unitary, rounded to multiples of 2^-_ZERO_BITS and made exactly
    orthogonal by Gram-Schmidt in rationals (not normalised: w and |w|^2 exactly)."""
    scale = 2**_ZERO_BITS
    out = []
    for k in range(V.shape[1]):
        w = [(Fraction(round(z.real * scale), scale), Fraction(round(z.imag * scale), scale)) for z in V[:, k]]
        for q, size in out:
            re, im = _complex_inner(q, w)
            cr, ci = re / size, im / size  # the component of w along q
            w = [(wr - (cr * qr - ci * qi), wi - (cr * qi + ci * qr)) for (wr, wi), (qr, qi) in zip(w, q)]
        size = _complex_inner(w, w)[0]
        if size == 0:
            return None
        out.append((w, size))
    return out


def _operator_json(vectors: list[tuple[list, Fraction]], d: int) -> dict:
    """The exact projector sum_k w_k w_k^dag / |w_k|^2 (w_k exactly orthogonal) as a
    witness operator: real and imaginary parts as "p/q" strings."""
    re = [[Fraction(0)] * d for _ in range(d)]
    im = [[Fraction(0)] * d for _ in range(d)]
    for w, size in vectors:
        for i, (ar, ai) in enumerate(w):
            for j, (br, bi) in enumerate(w):
                # w_i conj(w_j) / |w|^2
                re[i][j] += (ar * br + ai * bi) / size
                im[i][j] += (ai * br - ar * bi) / size
    return {"re": [[str(v) for v in row] for row in re], "im": [[str(v) for v in row] for row in im]}


def _exact_measurements(bases: list[np.ndarray], labels: list[list[int]], m: int) -> list | None:
    """Exact projective measurements from rounded bases: per question, per answer, the
    exact basis vectors of that answer; None when rounding made a basis degenerate."""
    out = []
    for V, answers in zip(bases, labels):
        exact = _exact_basis(V)
        if exact is None:
            return None
        out.append([[exact[k] for k, a in enumerate(answers) if a == answer] for answer in range(m)])
    return out


def exact_zero_strategy(zeros: np.ndarray, basesA: list[np.ndarray], labelsA: list[list[int]], basesB: list[np.ndarray],
                        labelsB: list[list[int]], psi: np.ndarray,
                        outputs: tuple[int, int]) -> QuantumStrategy | None:
    """A strategy in exact rationals whose behaviour is exactly 0 on every forced-zero event,
    near the given float one; None when there is none near it.

    The measurements become exact projectors (bases rounded, then exactly
    orthogonalised: each sums to the identity and is PSD exactly, so the check
    repairs nothing). p(a,b|x,y) = sum |<u (x) v|psi>|^2 over their basis
    vectors, so p vanishes on an event exactly when psi is orthogonal to those
    product vectors; psi, rounded, is projected exactly onto their orthogonal
    complement (C^n as R^2n: orthogonal to u over C means to (Re u, Im u) and
    (-Im u, Re u) over R; a pivot subset of those columns, the normal equations
    solved with python-flint), then scaled by a 50-digit rational so that its
    norm is 1 within 1e-40. No tolerance anywhere: the zeros hold exactly.
    """
    import decimal

    import flint

    exactA = _exact_measurements(basesA, labelsA, outputs[0])
    exactB = _exact_measurements(basesB, labelsB, outputs[1])
    if exactA is None or exactB is None:
        return None
    dA, dB = basesA[0].shape[0], basesB[0].shape[0]
    n = dA * dB
    columns = []
    for a, b, x, y in zip(*np.nonzero(zeros)):
        for u, _ in exactA[x][a]:
            for v, _ in exactB[y][b]:
                w = [(ur * vr - ui * vi, ur * vi + ui * vr) for (ur, ui) in u for (vr, vi) in v]
                columns.append([re for re, _ in w] + [im for _, im in w])
                columns.append([-im for _, im in w] + [re for re, _ in w])
    scale = 2**_ZERO_BITS
    state = [Fraction(round(z.real * scale), scale) for z in psi] + [Fraction(round(z.imag * scale), scale) for z in psi]
    if columns:
        G = flint.fmpq_mat(2 * n, len(columns), [as_fmpq(columns[j][i]) for i in range(2 * n) for j in range(len(columns))])
        reduced, rank = G.rref()
        pivots = []
        for i in range(rank):
            pivots.append(next(j for j in range(len(columns)) if reduced[i, j] != 0))
        if rank:
            P = flint.fmpq_mat(2 * n, rank, [G[i, j] for i in range(2 * n) for j in pivots])
            s = flint.fmpq_mat(2 * n, 1, [as_fmpq(v) for v in state])
            coefficients = (P.transpose() * P).solve(P.transpose() * s)
            projected = s - P * coefficients
            state = [Fraction(int(projected[i, 0].p), int(projected[i, 0].q)) for i in range(2 * n)]
    norm = sum((v * v for v in state), Fraction(0))
    if norm == 0:
        return None
    with decimal.localcontext() as context:
        context.prec = 50
        factor = Fraction(1 / (decimal.Decimal(norm.numerator) / decimal.Decimal(norm.denominator)).sqrt())
    state = [v * factor for v in state]
    component = {
        "state": {"re": [str(v) for v in state[:n]], "im": [str(v) for v in state[n:]]},
        "A": [[_operator_json(vectors, dA) for vectors in question] for question in exactA],
        "B": [[_operator_json(vectors, dB) for vectors in question] for question in exactB],
    }
    strategy = QuantumStrategy.from_json(component, projective=True)
    strategy.exact = component
    return strategy


def optimise_zero(tensor: np.ndarray, zeros: np.ndarray, inputs: tuple[int, int], outputs: tuple[int, int], dim: int = 2,
                  restarts: int = 20, seed: int = 0, projective: bool = False, initial=(),
                  solver: str | None = None) -> tuple[float, QuantumStrategy | None]:
    """Maximise c.p over strategies with p = 0 exactly on the events ``zeros`` (a mask).

    A linear penalty cannot enforce these zeros: near a constrained optimum the
    value grows like the square root of the violation (amplitudes, not
    probabilities, move), so an LP or a Lagrangian over tolerances of 1e-9 buys
    value 3e-5 too high on Hardy's paradox. Instead: see-saw on c - mu (1 + max|c|) [zero
    event] for mu in _ZERO_PENALTIES (the second stage warm-started from the
    first's best) finds the region; the last stage's best is polished on the
    constraint (_polish_zeros) and made exact (exact_zero_strategy). Returns
    (value, strategy) with strategy.exact set, or (-inf, None) when no strategy
    found meets the zeros.
    """
    c = np.asarray(tensor, dtype=float)
    penalty = (1 + np.abs(c).max()) * zeros.astype(float)
    warm, found = list(initial), []
    for stage, mu in enumerate(_ZERO_PENALTIES):
        _, strategy = optimise_tensor(c - mu * penalty, inputs, outputs, dim, restarts if stage == 0 else 0, seed,
                                      projective, initial=warm, solver=solver)
        warm = [strategy]
        found.append(strategy)
    # the last stage's best first (nearest the constraint); an earlier one only if it
    # cannot be made to meet the zeros
    for strategy in reversed(found):
        _, basesA, labelsA, basesB, labelsB, psi = _polish_zeros(c, zeros, strategy, outputs)
        exact = None if psi is None else exact_zero_strategy(zeros, basesA, labelsA, basesB, labelsB, psi, outputs)
        if exact is not None:
            exact.stopped = _polish_zeros.status
            return exact.value(c), exact
    return -np.inf, None


# ---------------------------------------------------------------------------
# Constrained see-saw and the certified Result


def seesaw_bound(game, dim=2, restarts=20, seed=0, projective=False, solver=None):
    """A certified quantum lower bound (upper bound for "min" games) by see-saw.

    Maximises s*c (s = sense_sign(game)) over mixtures of strategies in local
    dimension ``dim`` subject to the game's constraints (column generation,
    see the module docstring), then checks the witness exactly with
    certify.proofs.seesaw.check_seesaw: it meets every constraint exactly, in rationals. When no
    mixture found meets the requested levels exactly (possible only when no
    classical strategy meets them), the witness is certified for the levels
    it does meet: the Result's game carries those levels, and ``method`` and
    ``details["requested"]`` say so. Never worse than the classical value.
    """
    from .classical import InfeasibleConstraints, check_feasible, classical_value

    start = time.perf_counter()
    check_work(game.inputs, game.outputs, dim, restarts, game.source or None)
    sign = sense_sign(game)
    objective = game.objective * sign
    try:
        classical = classical_value(game)
    except (SolverFailed, InfeasibleConstraints):
        classical = None  # no classical strategy meets the constraints; a quantum one may
        check_feasible(game, "nosignalling")  # unless no no-signalling one does
    anchor = []
    if classical is not None and classical.certified:
        anchor = [
            (Fraction(entry["weight"]), QuantumStrategy.deterministic(_det(entry), game.outputs, dim))
            for entry in classical.certificate["mixture"]
        ]
    rounds, met = 0, None
    zeros, zero_constraints = forced_zeros(game)
    search = _search(zeros, game.inputs, game.outputs, dim, projective, solver)
    _, best = search(objective, restarts, seed)
    status = getattr(best, "stopped", "converged")
    kept = [k for k in range(len(game.constraints)) if k not in zero_constraints]
    if not kept:
        candidates = [[(Fraction(1), best)] if best is not None else [], anchor]
    else:
        pool, solutions, rounds = _column_generation(
            game, objective, [s for _, s in anchor] + ([best] if best is not None else []), dim, restarts, seed,
            search, kept, bool(anchor))
        mixture, met = exact_mixture(game, pool, solutions, [w for w, _ in anchor])
        status = f"column generation: {_column_generation.stopped}"
        candidates = [mixture, anchor]
    requested = game.fixed
    method = seesaw_method_text(
        dim, restarts, seed, rounds=rounds if kept else None, pool=len(pool) if kept else None,
        zero_names=[game.constraints[k].name for k in zero_constraints],
        missed={name: requested[name] for name in met} if met else None,
    )
    if met:
        game = game.with_fixed(met)
        candidates = [candidates[0]]  # the classical mixture is for the requested levels
    candidates = [c for c in candidates if c]
    if not candidates:  # no classical mixture, and no quantum strategy found meets the forced zeros
        raise SolverFailed(
            "see-saw", "infeasible",
            f"no strategy found in dimension {dim} meets the constraints that force probabilities to 0; "
            "check the constraints, or try a larger --dim or more --restarts",
        )
    certificate, check, details = _best_certificate(game, candidates, projective)
    details.update({
        "achieved": None if check.achieved is None else decimal_rounded(check.achieved, SEESAW_DIGITS),
        # the classical optimum is stated only where verify can prove it without an LP (no constraints)
        "classical": None if classical is None or classical.exact is None or game.constraints else str(classical.exact),
        "rounds": rounds,
    })
    if met:
        details["requested"] = requested
    return Result(
        command="seesaw",
        game=game,
        value=float(check.achieved) if check.achieved is not None else float(certificate.get("value", 0)),
        exact=None,
        certified=check.ok,
        certificate=certificate,
        solver={"name": f"see-saw (closed-form two-outcome steps; {choose_solver(solver, 0)} for more outcomes)",
                "status": status},  # what ended the search: converged, sweep limit, round limit
        seconds=time.perf_counter() - start,
        method=method,
        details=details,
        problems=check.problems,
    )


def check_work(inputs, outputs, dim, restarts, source=None):
    """Refuse see-saw work too large before starting it (certify.games.limits).

    The local dimension d is at most CERTIFY_MAX_DIM (each sweep holds
    d^4-entry matrices per restart, and the exact check repairs d x d
    rational operators), restarts at most CERTIFY_MAX_RESTARTS, and the
    deterministic start lists strategies (certify.bounds.classical).
    """
    from ..games.limits import check, check_strategies

    if dim < 1:
        raise BadInput(None, "--dim", f"the local dimension must be at least 1, got {dim}")
    if restarts < 0:
        raise BadInput(None, "--restarts", f"must be non-negative, got {restarts}")
    check("CERTIFY_MAX_DIM", dim, None, "--dim", f"local dimension {dim}", "choose a smaller --dim")
    check("CERTIFY_MAX_RESTARTS", restarts, None, "--restarts", f"{restarts} restarts", "choose fewer --restarts")
    check_strategies(inputs, outputs, source)


def default_dimensions(game):
    """The local dimensions see-saw tries when none is given: 2, ..., max(outputs).

    A projective measurement with m distinct non-zero answers needs dimension
    at least m, and the known optima of the m-output CGLMP games use two
    qudits of dimension m (Acin, Durt, Gisin and Latorre, Phys. Rev. A 65,
    052325 (2002), arXiv:quant-ph/0111143: 1 + sqrt(11/3) = 2.9148542 for
    m = 3, which qubits do not reach). Dimension 1 holds only the
    deterministic strategies, from which every run starts anyway. The
    largest is capped by CERTIFY_MAX_DIM (certify.games.limits).
    """
    from ..games.limits import limit

    return list(range(2, min(limit("CERTIFY_MAX_DIM"), max(2, *game.outputs)) + 1))


def seesaw_best(game, dim=None, restarts=20, seed=0, projective=False, solver=None):
    """seesaw_bound in one dimension ``dim``, or (``dim`` None) in each of
    default_dimensions(game), keeping the best certified witness.

    A strategy in dimension d embeds in every larger dimension, but see-saw
    is a local search, so a smaller space can reach a better value; the runs
    are independent and the best (ties to the smaller dimension) is kept.
    details["dimension"] names the dimension of the witness, and with more
    than one tried details["dimensions_tried"] gives each one's value. A
    witness at the requested constraint levels beats one certified only at
    the levels it meets (see seesaw_bound), whatever their values.
    """
    dims = default_dimensions(game) if dim is None else [dim]
    start = time.perf_counter()
    sign = sense_sign(game)
    best, best_key, tried, failure = None, None, {}, None
    for d in dims:
        try:
            result = seesaw_bound(game, dim=d, restarts=restarts, seed=seed, projective=projective, solver=solver)
        except SolverFailed as error:
            if len(dims) == 1:
                raise
            failure, tried[str(d)] = error, None
            continue
        result.details["dimension"] = d
        tried[str(d)] = result.value if result.certified else None
        key = (result.certified, result.game.sha256 == game.sha256, sign * result.value)
        if best_key is None or key > best_key:
            best, best_key = result, key
    if best is None:
        raise failure
    if len(dims) > 1:
        best.details["dimensions_tried"] = tried
        best.method += SEESAW_DIMENSIONS_SUFFIX.format(first=dims[0], last=dims[-1])
        best.seconds = time.perf_counter() - start
    return best


def _det(entry):
    from ..proofs.deterministic import DeterministicStrategy

    return DeterministicStrategy.from_json(entry)


def _scaled_constraints(game, kept: list[int] | None = None):
    """Each constraint as float (coefficients, value) divided by its largest |coefficient|.

    The same constraint, only better conditioned for floating-point solvers:
    a constraint written at a tiny scale (its expression divided by 10**12)
    would otherwise sit inside the LP solver's feasibility tolerance and be
    ignored. Exact arithmetic later uses the constraint as written.
    """
    scaled = []
    for k, constraint in enumerate(game.constraints):
        if kept is not None and k not in kept:
            continue
        size = max((abs(v) for v in constraint.exact.flat), default=Fraction(0)) or Fraction(1)
        coefficients = np.vectorize(lambda v: float(v / size), otypes=[float])(constraint.exact)
        scaled.append((coefficients, float(constraint.value / size), constraint.relation))
    return scaled


def _search(zeros: np.ndarray, inputs: tuple[int, int], outputs: tuple[int, int], dim: int, projective: bool,
            solver: str | None):
    """The see-saw search for a game: search(tensor, restarts, seed, initial=()) -> (value,
    strategy), by optimise_tensor, or by optimise_zero when constraints force zeros (the
    strategy is then None when none found meets them)."""
    if zeros.any():
        def search(tensor, restarts, seed, initial=()):
            return optimise_zero(tensor, zeros, inputs, outputs, dim, restarts, seed, projective, initial, solver)
    else:
        def search(tensor, restarts, seed, initial=()):
            return optimise_tensor(tensor, inputs, outputs, dim, restarts, seed, projective, initial, solver)
    return search


def _column_generation(game, objective, pool, dim, restarts, seed, search, kept: list[int], anchored: bool):
    """Strategies whose best mixture meets the constraints (see the module docstring).

    LP over the pool's weights (HiGHS) with an artificial column of large
    penalty per constraint and direction, so the LP is feasible even before
    the pool can meet the constraints; see-saw (``search``, see _search) on the
    Lagrangian prices new strategies. Only the constraints ``kept`` (indices)
    are rows: those forcing zeros hold for every strategy ``search`` returns.
    Constraints are rescaled (``_scaled_constraints``). Returns (pool, float
    weights on the pool of the best LP solutions, best first, rounds); the
    first strategies of the pool are the ones passed in, in order. When the
    last LP still needs an artificial column the result is SolverFailed,
    unless ``anchored`` (the pool starts with the classical optimum's
    strategies, which meet every constraint): then no solution is returned and
    the classical mixture stays the witness.
    """
    from . import lp

    constraints = _scaled_constraints(game, kept)
    for coefficients, _, _ in constraints:  # strategies at the ends of each constraint's range
        for direction in (1, -1):
            strategy = search(direction * coefficients, restarts, seed)[1]
            if strategy is not None:
                pool.append(strategy)
    relations = ["=="] + [relation for _, _, relation in constraints]
    rhs = [1.0] + [value for _, value, _ in constraints]
    k = len(constraints)
    artificial = np.zeros((1 + k, 2 * k))
    for index in range(k):
        artificial[1 + index, 2 * index], artificial[1 + index, 2 * index + 1] = 1.0, -1.0
    penalty = 1e3 * (1 + float(np.abs(objective).sum()))
    history, solutions = [], []
    rounds = 0
    stopped = "round limit"
    for rounds in range(1, _MAX_ROUNDS + 1):
        columns = len(pool)  # the LP's strategy columns (the pool may grow after it)
        behaviours = [s.behaviour() for s in pool]
        costs = np.array([np.sum(objective * p) for p in behaviours] + [-penalty] * (2 * k))
        rows = np.array([[1.0] * len(pool)] + [[np.sum(d * p) for p in behaviours] for d, _, _ in constraints])
        solution = lp.solve(costs, np.hstack([rows, artificial]), relations, rhs)
        history.append(solution.float_value)
        if not np.any(solution.float_primal[columns:] > 1e-9):
            solutions.append((solution.float_value, np.clip(solution.float_primal[: len(pool)], 0.0, None)))
        if len(history) > _STALL_ROUNDS and history[-1] <= history[-1 - _STALL_ROUNDS] + 1e-12:
            stopped = f"LP value stalled for {_STALL_ROUNDS} rounds"
            break
        duals = solution.float_duals
        price = objective - sum(mu * d for mu, (d, _, _) in zip(duals[1:], constraints))
        ranked = np.argsort(-solution.float_primal[: len(pool)])[:3]
        value, candidate = search(price, restarts, seed + rounds,
                                  initial=[pool[i] for i in ranked if pool[i].dims == (dim, dim)])
        if candidate is None or value <= duals[0] + _PRICING_TOLERANCE * (1 + abs(duals[0])):
            stopped = "converged (no strategy prices in)"
            break
        pool.append(candidate)
    if np.any(solution.float_primal[columns:] > 1e-9):
        if anchored:
            _column_generation.stopped = f"{stopped}; no mixture found meets the constraints, the classical one is kept"
            return pool, [], rounds
        raise SolverFailed(
            "see-saw", "infeasible",
            f"no mixture of strategies found in dimension {dim} meets the constraints; "
            "check the --fix values, or try a larger --dim or more --restarts",
        )
    # HiGHS meets rows and optimality within 1e-7, so the LP value may even fall
    # as columns are added: keep the best few rounds, to be solved exactly
    solutions.sort(key=lambda entry: -entry[0])
    best = [weights for _, weights in solutions[:_EXACT_CANDIDATES]]
    _column_generation.stopped = stopped  # read by seesaw_bound for its status
    return pool, [np.pad(w, (0, len(pool) - len(w))) for w in best], rounds


def _exact_columns(game, strategies):
    """Exact behaviours of the repaired strategies, as columns: (costs s*c.p, rows [1, d_k.p])."""
    sign = sense_sign(game)
    behaviours = [seesaw_exact_behaviour(seesaw_repair(s.to_json(), game)[0]) for s in strategies]
    costs = [exact_dot(game.objective_exact, p) * sign for p in behaviours]
    rows = [[Fraction(1)] * len(strategies)] + [[exact_dot(c.exact, p) for p in behaviours] for c in game.constraints]
    return costs, rows


def _holds_all(game, rows, weights):
    """Exactly: are the weights a probability vector meeting every constraint?"""
    if any(w < 0 for w in weights) or sum(weights) != 1:
        return False
    for constraint, row in zip(game.constraints, rows[1:]):
        level = sum((w * r for w, r in zip(weights, row)), Fraction(0))
        if not {"==": level == constraint.value, "<=": level <= constraint.value,
                ">=": level >= constraint.value}[constraint.relation]:
            return False
    return True


def _solve_equalities(game, rows, weights):
    """Non-negative weights meeting the normalisation, every equality constraint and
    every inequality the float solution makes tight, exactly; None if none is found.

    The float weights are exact binary rationals already. A set of columns,
    largest weights first, whose restriction to those rows R_E is invertible
    ("adjusters") is re-solved exactly with the other weights held:
    R_E[:, adj] x = rhs_E - R_E[:, rest] w_rest. The adjusters move by
    rounding errors only, unless one had (almost) no weight; a column that
    comes out negative is held at 0 and the solve repeated without it.
    """
    rhs = [Fraction(1)] + [c.value for c in game.constraints]
    enforced = [0]
    for k, constraint in enumerate(game.constraints, start=1):
        level = sum((w * r for w, r in zip(weights, rows[k])), Fraction(0))
        size = max(abs(r) for r in rows[k]) or Fraction(1)
        if constraint.relation == "==" or abs(level - constraint.value) <= size * Fraction(1, 10**9):
            # a row that (with its right-hand side) repeats earlier ones adds nothing to
            # solve: e.g. a forced zero, whose row is 0 = 0 on every strategy
            augmented = [rows[i] + [rhs[i]] for i in enforced + [k]]
            if _rank(augmented) > len(enforced):
                enforced.append(k)
    held = list(weights)
    excluded = set()
    while True:
        order = sorted((j for j in range(len(held)) if j not in excluded), key=lambda j: -held[j])
        chosen = []
        for j in order:
            trial = chosen + [j]
            if _rank([[rows[i][c] for c in trial] for i in enforced]) == len(trial):
                chosen = trial
            if len(chosen) == len(enforced):
                break
        if len(chosen) != len(enforced):
            return None
        target = [rhs[i] - sum((rows[i][j] * held[j] for j in range(len(held)) if j not in chosen), Fraction(0))
                  for i in enforced]
        solution = _exact_solve([rows[i][j] for i in enforced for j in chosen], target)
        if solution is None:
            return None
        result = list(held)
        for j, value in zip(chosen, solution):
            result[j] = value
        negative = [j for j in chosen if result[j] < 0]
        if not negative:
            return result
        worst = min(negative, key=lambda j: result[j])
        excluded.add(worst)
        held[worst] = Fraction(0)


def _matrix(rows):
    import flint

    return flint.fmpq_mat(len(rows), len(rows[0]), [flint.fmpq(v.numerator, v.denominator) for row in rows for v in row])


def _rank(rows):
    return _matrix(rows).rank()


def _exact_solve(flat, rhs):
    """The solution of a square rational system (``flat`` row by row), or None if singular."""
    size = len(rhs)
    a = _matrix([flat[i * size:(i + 1) * size] for i in range(size)])
    try:
        x = a.solve(_matrix([[v] for v in rhs]))
    except ZeroDivisionError:
        return None
    return [Fraction(int(x[i, 0].p), int(x[i, 0].q)) for i in range(size)]


def _blend(game, rows, weights, anchor):
    """The point (1 - t) w + t anchor nearest w that meets every condition exactly.

    ``weights`` (non-negative) meets the equality rows exactly, ``anchor`` (the
    classical optimum's mixture) meets everything; the feasible t form an
    interval [t*, 1], t* the largest t any inequality needs, rounded up to a
    multiple of 2^-64.
    """
    need = Fraction(0)

    def require(at_zero, at_one):
        # a(t) = (1 - t) at_zero + t at_one >= 0, with at_one >= 0
        nonlocal need
        if at_zero < 0:
            need = max(need, at_zero / (at_zero - at_one))

    for w, a in zip(weights, anchor):
        require(w, a)
    for constraint, row in zip(game.constraints, rows[1:]):
        level = sum((w * r for w, r in zip(weights, row)), Fraction(0))
        anchor_level = sum((w * r for w, r in zip(anchor, row)), Fraction(0))
        if constraint.relation == "<=":
            require(constraint.value - level, constraint.value - anchor_level)
        elif constraint.relation == ">=":
            require(level - constraint.value, anchor_level - constraint.value)
    scale = 2**64
    t = min(Fraction(-((-need.numerator * scale) // need.denominator), scale), Fraction(1))
    return [(1 - t) * w + t * a for w, a in zip(weights, anchor)]


def exact_mixture(game, pool, candidates, anchor_weights):
    """Exact rational weights on the pool meeting the constraints exactly.

    ``candidates`` are float weight vectors on the pool (the column
    generation's best LP solutions, best first); the first
    len(anchor_weights) strategies of the pool form the classical optimum's
    mixture with those exact weights (may be empty). For each candidate: the
    float weights (exact binary rationals) with the equality and tight rows
    re-solved exactly (``_solve_equalities``); if an inequality is then off by
    rounding, blended with the classical mixture (``_blend``, which meets
    everything exactly). The feasible one of largest exact value is kept.
    When none is feasible and there is no classical mixture, the witness
    keeps the first candidate's weights (normalised exactly) and is certified
    at the levels it meets. Returns (mixture [(Fraction, strategy)], met) with
    ``met`` None or {constraint name: the exact level met where the requested
    one is not}.
    """
    count = len(anchor_weights)
    used = sorted(set(range(count)) | {int(j) for w in candidates for j in np.flatnonzero(w > 1e-12)})
    strategies = [pool[j] for j in used]
    costs, rows = _exact_columns(game, strategies)
    anchor = [anchor_weights[j] if j < count else Fraction(0) for j in used]
    best = None
    for weights in candidates:
        floats = [Fraction(float(weights[j])) for j in used]
        solved = _solve_equalities(game, rows, floats)
        if solved is not None and not _holds_all(game, rows, solved) and count:
            solved = _blend(game, rows, solved, anchor)
        if solved is not None and _holds_all(game, rows, solved):
            value = sum((w * c for w, c in zip(solved, costs)), Fraction(0))
            if best is None or value > best[0]:
                best = (value, solved)
    met = None
    if best is not None:
        solved = best[1]
    elif count or not candidates:
        return [], None  # the classical mixture remains the witness
    else:
        floats = [Fraction(float(candidates[0][j])) for j in used]
        total = sum(floats)
        solved = [w / total for w in floats]
        met = {}
        for constraint, row in zip(game.constraints, rows[1:]):
            level = sum((w * r for w, r in zip(solved, row)), Fraction(0))
            holds = {"==": level == constraint.value, "<=": level <= constraint.value,
                     ">=": level >= constraint.value}[constraint.relation]
            if not holds:
                # an inequality is met as well at a 40-digit decimal just on its safe side
                rounding = {"==": None, "<=": "ceil", ">=": "floor"}[constraint.relation]
                met[constraint.name] = level if rounding is None else Fraction(decimal_rounded(level, SEESAW_CLAIM_DIGITS, rounding))
    return [(w, s) for w, s in zip(solved, strategies) if w != 0], met or None


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
