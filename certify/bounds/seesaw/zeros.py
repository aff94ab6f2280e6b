"""Forced zeros: strategies that meet constraints forcing probabilities to 0, exactly.

Constraints that force probabilities to 0 (``forced_zeros``,
certify.proofs.seesaw: Hardy's paradox, L. Hardy, PRL 71, 1665 (1993)) no
mixing weights can meet, and a tolerance of 1e-9 on them is worth value
~3e-5 (amplitudes move like the square root of a violation). They are met
by every strategy on its own (``optimise_zero``): a penalised see-saw finds
the region, a local search over the measurements (BFGS over rotations of
their bases) with the state confined to the allowed subspace polishes it,
and ``exact_zero_strategy`` writes it in exact rationals (exact projectors,
a state exactly orthogonal to every forbidden outcome, projected with
python-flint), so the zeros hold exactly with nothing repaired.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

import numpy as np

from ...proofs.exact import as_fmpq, as_fraction
from .starts import optimise_tensor
from .strategy import QuantumStrategy


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

    def unpack(theta: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Every basis rotated by its slice of theta (Alice's questions, then Bob's)."""
        rotatedA = [_rotated(V, theta[i * d2A:(i + 1) * d2A]) for i, V in enumerate(basesA)]
        offset = len(basesA) * d2A
        rotatedB = [_rotated(V, theta[offset + i * d2B:offset + (i + 1) * d2B]) for i, V in enumerate(basesB)]
        return rotatedA, rotatedB

    def loss(theta: np.ndarray) -> float:
        """Minus the best value meeting the zeros (1e6 where no state meets them)."""
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
            state = [as_fraction(projected[i, 0]) for i in range(2 * n)]
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
                  restarts: int = 20, seed: int = 0, projective: bool = False, initial: Sequence[QuantumStrategy] = (),
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
