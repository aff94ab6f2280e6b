"""The see-saw's steps: the best measurement for fixed other parts, and the sweeps of them.

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
step cannot lower the value. A sweep does the three steps on a batch of
restarts at once (numpy broadcasting over restarts); where the restarts
start is certify.bounds.seesaw.starts.
"""

from __future__ import annotations

import numpy as np

from ..solvers import ClarabelProblem, clarabel_chosen, psd_triangle

_TOLERANCE = 1e-13  # stop when no restart improves by more than this in one sweep
_MAX_SWEEPS = 600
_PRUNE_AFTER = 30
_PRUNE_GAP = 1e-4


def _best_povm_two(K: np.ndarray, I: np.ndarray) -> np.ndarray:
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

    def __init__(self, d: int, m: int) -> None:
        """The direct Clarabel form now; the cvxpy problem only when first needed."""
        self.d, self.m = d, m
        self.direct = _PovmClarabel(d, m)
        self.problem = None

    def _cvxpy(self) -> None:
        """The same SDP with cvxpy Parameters K_a, for any solver of the registry."""
        import cvxpy as cp

        d, m = self.d, self.m
        self.K = [cp.Parameter((d, d), hermitian=True) for _ in range(m)]
        self.E = [cp.Variable((d, d), hermitian=True) for _ in range(m)]
        objective = cp.Maximize(cp.real(sum(cp.trace(k @ e) for k, e in zip(self.K, self.E))))
        constraints = [e >> 0 for e in self.E] + [sum(self.E) == np.eye(d)]
        self.problem = cp.Problem(objective, constraints)

    def solve(self, K: np.ndarray, solver: str | None = None) -> np.ndarray:
        """The best POVM (m x d x d) for these K_a, cleaned into an exactly valid one (_clean_povm)."""
        from ..solvers import solve_problem

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

    def __init__(self, d: int, m: int) -> None:
        """A and b (and the cones) of the class docstring, built once."""
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

        def entry(r: int, c: int) -> tuple[int, float] | None:
            """The embedding's (r, c) entry, r <= c: (unknown, sign), or None where it is 0."""
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

    def solve(self, K: np.ndarray) -> np.ndarray | None:
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


def _clean_povm(E: np.ndarray) -> np.ndarray:
    """The nearest-looking valid POVM to a solver's answer: negative eigenvalues
    clipped, then E_a -> S^(-1/2) E_a S^(-1/2) with S = sum_a E_a, so that the
    strategy's value is not inflated by the solver's tolerance."""
    E = (E + np.conj(np.swapaxes(E, -1, -2))) / 2
    w, V = np.linalg.eigh(E)
    E = np.einsum("aik,ak,ajk->aij", V, np.clip(w, 0, None), V.conj())
    s, U = np.linalg.eigh(E.sum(axis=0))
    root = U @ np.diag(1 / np.sqrt(np.clip(s, 1e-15, None))) @ U.conj().T
    return root @ E @ root


_SDP_CACHE: dict[tuple[int, int], _PovmSDP] = {}


def _best_povm(K: np.ndarray, I: np.ndarray, projective: bool, solver: str | None = None) -> np.ndarray:
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


def _round_projective(E: np.ndarray, K: np.ndarray) -> np.ndarray:
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


def _sweep(c: np.ndarray, M: np.ndarray, A: np.ndarray, B: np.ndarray, projective: bool,
           solver: str | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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


def sweeps(c: np.ndarray, M: np.ndarray, A: np.ndarray, B: np.ndarray, projective: bool, solver: str | None = None,
           floor: float = -np.inf) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
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
