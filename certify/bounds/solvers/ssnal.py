"""A Newton-CG augmented Lagrangian method for NPA relaxations (SDPNAL's scheme).

Zhao, Sun and Toh, "A Newton-CG augmented Lagrangian method for semidefinite
programming", SIAM J. Optim. 20, 1737 (2010), section 3; Yang, Sun and Toh,
"SDPNAL+", Math. Prog. Comput. 7, 331 (2015).

NPA's dual (certify.bounds.npa) is the standard-form SDP

    (P)  minimise <C, Z>  such that  A(Z) = beta,  Z >= 0,

with C = F_1 (the identity moment's entries), A(Z)_k = <F_k, Z> / s_k and
beta_k = -b_k / s_k for every free moment k >= 2, s_k = sqrt(mult_k); the
patterns F_k are disjoint, so A A* = I. Its dual is the moment relaxation

    (D)  maximise beta.y  such that  S = C - A*(y) >= 0,

S the moment matrix with moments m_k = -y_k / s_k. The method applies the
augmented Lagrangian to (D) with multiplier Z: each outer step minimises

    phi(y) = -beta.y + |Pi(Z + sigma (A*(y) - C))|^2 / (2 sigma)

(Pi the projection onto the PSD cone) by a semismooth Newton method whose
systems sigma A J A*(d) = -grad phi are solved by conjugate gradients (J the
generalised Jacobian of Pi, applied in the eigenbasis), then sets
Z := Pi(Z + sigma (A*(y) - C)). Z stays PSD (up to rounding) and meets A(Z) = beta
to the inner tolerance: the dual the certificate needs. Each step costs one
eigendecomposition and a few n^3 products, with no m x m matrix, so it scales
to moment counts where an interior-point Schur complement does not
(random 10-input games at level 2: n = 301, m = 22350).

Handles relaxations without game constraints; the others go to the
interior-point solvers (certify.bounds.solvers.npa_order). As a backend of
certify.bounds.solvers (``solve_npa``) it has no cvxpy name: the small SDPs
built in cvxpy go elsewhere.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .moment import Solution, solver_info
from .status import INACCURATE, OPTIMAL

NAME = "ssnal"
MODULE = "scipy"  # certify's own, on scipy: looked up without importing it
DISTRIBUTION = "certify"
# certify's own: NPA relaxations without game constraints only, so no cvxpy name. One
# n x n eigendecomposition per Newton step and no m x m matrix, so it finishes where the
# interior-point paths cannot factor their Schur complement.
CVXPY_NAME = None
OPTIONS: dict[str, Any] = {}
DESCRIPTION = ("Newton-CG augmented Lagrangian (SDPNAL's scheme); "
               "the NPA default from SSNAL_FROM moments, for relaxations without game constraints")
# solve_ssnal's statuses -> ours: "optimal" at SSNAL_TOLERANCE, "inaccurate" when it stalls
# (SSNAL_STALL) or runs out of outer steps (SSNAL_MAX_OUTER).
STATUS = {"optimal": OPTIMAL, "inaccurate": INACCURATE}

# Relative residuals (primal, dual, gap) at which the method stops: the exact
# certificate then lies within about 1e-8 of the solver's value (measured on
# random 2-output games with 6, 8 and 10 inputs at level 2, n up to 301).
SSNAL_TOLERANCE = 1e-9
SSNAL_MAX_OUTER = 300
# Stop ("inaccurate") when none of the three residuals has halved in this many
# outer steps: on small degenerate relaxations (I3322 at level 3) the method
# crawls, and the interior-point solvers are the better next try. On random
# 10-input games at level 2 the gap alone stays near 1e-2 for up to 29 outer
# steps while the primal and dual residuals fall; a rule on the largest residual
# came within one step of giving up there (and SCS, next, takes minutes), where
# this one's longest wait is 12. Its price: I3322 at level 3 is called
# inaccurate after 11 s instead of 2.4.
SSNAL_STALL = 30
# Newton steps per outer step: the inner problem is solved only roughly before
# Z is updated. Measured (conjugate-gradient products, random 2-output games at
# level 2): at most 40 steps, 21837 on 6 inputs and 42000-53000 on 10 (113-119
# s); at most 8, 10896 and 21883 (50 s); at most 4, 8 inputs stop inaccurate.
SSNAL_MAX_NEWTON = 8
# Conjugate gradients stop at a relative residual of min(0.1, |grad|^CG_POWER)
# (an inexact Newton method, Dembo, Eisenstat and Steihaug 1982) or after
# SSNAL_MAX_CG steps; measured best of 0.2 to 1 and 100 to 300 on random 6- and
# 8-input games (with at most 40 Newton steps per outer step).
CG_POWER = 0.3
SSNAL_MAX_CG = 150
# sigma starts at 1 and is multiplied or divided by SIGMA_FACTOR to keep the
# primal and dual residuals within a factor 3 of each other (SDPNAL+'s rule);
# starting at 0.1 to 30 was slower on random 8-input games.
SIGMA_FACTOR = 3.0
# The line search takes the full Newton step without Armijo's test when the
# predicted decrease |slope| is at most ROUNDING_FLOOR eps (1 + |phi|): phi
# cannot be evaluated that finely, and near the tolerance its halvings went on
# to 2^-30 on noise (random 10-input games at level 2: 398 instead of 614
# eigendecompositions; stopping the inner loop there instead left the method
# short of its tolerance). 16 and 100 gave the same steps.
ROUNDING_FLOOR = 16


class _Operators:
    """A, A* and the data of (P) for one relaxation's moment pattern."""

    def __init__(self, relaxation: Any) -> None:
        import scipy.sparse as sparse

        pattern = relaxation.pattern
        self.n, self.count = pattern.size, pattern.count
        self.full = pattern.index.ravel()
        self.scale = np.sqrt(pattern.multiplicity[2:].astype(float))
        # A as a sparse m x n^2 matrix: one product is 0.15 ms where np.bincount took 0.26
        # (random 10-input games at level 2, n = 301), and a solve applies A 24000 times
        entries = np.nonzero(self.full >= 2)[0]
        rows = self.full[entries] - 2
        self.matrix = sparse.csr_matrix((1.0 / self.scale[rows], (rows, entries)),
                                        shape=(self.count - 2, self.n * self.n))
        coefficients = relaxation.objective.dense(self.count).astype(float)
        self.constant = float(relaxation.objective.constant)
        self.objective = coefficients[2:]
        self.beta = -self.objective / self.scale
        self.c = (pattern.index == 1).astype(float)

    def a(self, matrix: np.ndarray) -> np.ndarray:
        """A(Z)_k = <F_k, Z> / s_k."""
        return self.matrix @ matrix.ravel()

    def a_star(self, y: np.ndarray) -> np.ndarray:
        """A*(y) = sum_k y_k F_k / s_k (the adjoint of ``a``)."""
        values = np.zeros(self.count)
        values[2:] = y / self.scale
        return values[self.full].reshape(self.n, self.n)


class _Projection:
    """Pi(W) for symmetric W = P diag(lam) P^T, and its generalised Jacobian

        J(H) = P (Omega o (P^T H P)) P^T,  Omega_ij = 1 (lam_i, lam_j > 0), 0 (both <= 0),
        lam_i / (lam_i - lam_j) (lam_i > 0 >= lam_j)

    (Zhao, Sun and Toh 2010, eq. 3.7), applied through the smaller side: with
    k the fewer of the positive and the non-positive eigenvalues, J(H) (or
    H - J(H), from the non-positive side) is V + V^T, V = P_k ((Omega' o
    (P_k^T H P)) P^T), 8 k n^2 flops. (Single-precision products were tried:
    twice as fast per product, but 60% more Newton steps on random 8-input games.)
    """

    def __init__(self, w: np.ndarray) -> None:
        import scipy.linalg as linalg

        n = len(w)
        # LAPACK's divide and conquer: on the matrices of real solves it was faster than
        # MRRR every time (medians 9.8 against 17.5 ms at n = 301, 2.9 against 6.5 ms at n = 205)
        lam, vectors = linalg.eigh(w, check_finite=False, driver="evd")
        positive = lam > 0
        self.rank = int(positive.sum())
        self.positive_part = (vectors[:, positive] * lam[positive]) @ vectors[:, positive].T
        self.norm2 = float(np.sum(lam[positive] ** 2))
        self.direct = self.rank <= n - self.rank
        mine = positive if self.direct else ~positive
        order = np.concatenate([np.nonzero(mine)[0], np.nonzero(~mine)[0]])
        k = int(mine.sum())
        lm, lo = lam[order[:k]], lam[order[k:]]
        weights = np.empty((k, n))
        weights[:, :k] = 0.5
        # Omega on (positive, non-positive) pairs, and 1 - Omega = lam_j / (lam_j - lam_i) from the
        # non-positive side: the same expression in the side's own eigenvalues
        weights[:, k:] = lm[:, None] / (lm[:, None] - lo[None, :])
        self.k = k
        self.vectors = vectors[:, order]
        self.mine = self.vectors[:, :k]
        self.weights = weights

    def half_jacobian(self, h: np.ndarray) -> np.ndarray:
        """V with J(H) = V + V^T (direct) or H - V - V^T (from the non-positive side)."""
        t = self.mine.T @ h
        u = ((t @ self.vectors) * self.weights) @ self.vectors.T
        return self.mine @ u

    def newton_operator(self, ops: _Operators, sigma: float,
                        regularisation: float) -> Callable[[np.ndarray], np.ndarray]:
        """d -> sigma A J A*(d) + regularisation d, the semismooth Newton system's operator.

        A(V^T) = A(V) because the moment pattern is symmetric, and A A* = I, so
        A J A*(d) is 2 A(V) (direct) or d - 2 A(V), with no n x n sum or transpose
        (14% less time per product on random 10-input games at level 2).
        """
        if self.k == 0:
            factor = regularisation if self.direct else sigma + regularisation
            return lambda d: factor * d

        def product(d: np.ndarray) -> np.ndarray:
            """sigma A J A*(d) + regularisation d."""
            folded = 2 * sigma * ops.a(self.half_jacobian(ops.a_star(d)))
            return folded + regularisation * d if self.direct else (sigma + regularisation) * d - folded

        return product


def _cg(apply: Callable[[np.ndarray], np.ndarray], rhs: np.ndarray, tolerance: float, limit: int) -> np.ndarray:
    """Conjugate gradients on a positive definite operator, from 0 until |residual| <= tolerance."""
    x = np.zeros_like(rhs)
    r = rhs.copy()
    p = r.copy()
    rr = float(r @ r)
    goal = tolerance**2
    for _ in range(limit):
        if rr <= goal:
            break
        q = apply(p)
        curvature = float(p @ q)
        if curvature <= 0:
            break
        alpha = rr / curvature
        x += alpha * p
        r -= alpha * q
        rr_next = float(r @ r)
        p = r + (rr_next / rr) * p
        rr = rr_next
    return x


def solve_ssnal(relaxation: Any, progress: Callable[[dict[str, Any]], None] | None = None,
                tolerance: float = SSNAL_TOLERANCE) -> tuple[float, np.ndarray, np.ndarray, str, int]:
    """Solve an NPA relaxation without game constraints.

    Returns (value, moments, Z, status, newton_steps): ``value`` the moment
    relaxation's objective at the returned moments m (max form, m_0 = 0,
    m_1 = 1), Z the multiplier (a projection onto the PSD cone), ``status``
    "optimal" when the relative primal and dual residuals and the relative gap
    all fall below ``tolerance`` within SSNAL_MAX_OUTER steps, else
    "inaccurate".
    ``progress`` (optional) receives {"event": "iteration", ...} per Newton step.
    """
    ops = _Operators(relaxation)
    n = ops.n
    beta, c = ops.beta, ops.c
    y = np.zeros(len(beta))
    z = np.zeros((n, n))
    sigma = 1.0
    norm_beta = 1.0 + float(np.linalg.norm(beta))
    norm_c = 1.0 + float(np.linalg.norm(c))
    status, newton_steps = "inaccurate", 0
    inner_tolerance = 1e-2
    best, best_at = np.full(3, np.inf), 0
    for outer in range(SSNAL_MAX_OUTER):
        # semismooth Newton on phi(y)
        projection = _Projection(z + sigma * (ops.a_star(y) - c))
        value = -beta @ y + projection.norm2 / (2 * sigma)
        for _ in range(SSNAL_MAX_NEWTON):
            gradient = ops.a(projection.positive_part) - beta
            size = float(np.linalg.norm(gradient))
            if size / norm_beta <= inner_tolerance:
                break
            regularisation = min(1e-3, size)  # keeps the Newton system positive definite
            hessian = projection.newton_operator(ops, sigma, regularisation)
            step = _cg(hessian, -gradient, min(0.1, size**CG_POWER) * size, SSNAL_MAX_CG)
            newton_steps += 1
            slope = float(gradient @ step)
            # Armijo's test cannot see a decrease below phi's rounding: take the Newton step
            resolvable = -slope > ROUNDING_FLOOR * np.finfo(float).eps * (1 + abs(value))
            alpha = 1.0
            for _ in range(30 if resolvable else 1):
                trial = _Projection(z + sigma * (ops.a_star(y + alpha * step) - c))
                trial_value = -beta @ (y + alpha * step) + trial.norm2 / (2 * sigma)
                if trial_value <= value + 1e-4 * alpha * slope:
                    break
                alpha /= 2
            y, projection, value = y + alpha * step, trial, trial_value
            if progress is not None:
                progress({"event": "iteration", "solver": "ssnal", "iteration": newton_steps})
        new_z = projection.positive_part
        primal = float(np.linalg.norm(ops.a(new_z) - beta)) / norm_beta
        dual = float(np.linalg.norm(new_z - z)) / sigma / norm_c
        z = new_z
        objective_p, objective_d = float(np.sum(c * z)), float(beta @ y)
        gap = abs(objective_p - objective_d) / (1 + abs(objective_p) + abs(objective_d))
        residuals = np.array([primal, dual, gap])
        if residuals.max() <= tolerance:
            status = "optimal"
            break
        if np.any(residuals < best / 2):
            best, best_at = np.minimum(best, residuals), outer
        elif outer - best_at >= SSNAL_STALL:
            break
        # balance the residuals: a larger sigma drives the dual one down
        if dual > 3 * primal:
            sigma = min(sigma * SIGMA_FACTOR, 1e8)
        elif primal > 3 * dual:
            sigma = max(sigma / SIGMA_FACTOR, 1e-8)
        inner_tolerance = max(tolerance / 3, min(inner_tolerance, 0.5 * max(primal, dual)))
    moments = np.concatenate([[0.0, 1.0], -y / ops.scale])
    value = ops.constant + float(ops.objective @ moments[2:])
    return value, moments, z, status, newton_steps


def solve_npa(relaxation: Any, progress: Callable[[dict[str, Any]], None] | None = None) -> Solution:
    """``solve_ssnal`` on a relaxation without game constraints, as a Solution."""
    start = time.perf_counter()
    value, moments, slack, status, steps = solve_ssnal(relaxation, progress)
    solved = time.perf_counter()
    info = solver_info(NAME, DISTRIBUTION, STATUS.get(status, INACCURATE), steps, solved - start, 0.0)
    return Solution(value, moments, slack, [], info, 0.0, solved - start)
