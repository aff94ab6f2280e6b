"""The quantum strategy record: a state and measurements, their behaviour and their JSON.

A quantum strategy in local dimensions (dA, dB) is a state psi in C^dA (x) C^dB
and measurements {A^x_a}, {B^y_b} (positive operators summing to the
identity); its behaviour is

    p(a,b|x,y) = <psi| A^x_a (x) B^y_b |psi> = tr(M^dag A^x_a M (B^y_b)^T),

with M the dA x dB matrix of psi's coefficients (psi = sum M_ij |i>|j>).
Every value of a game at such a behaviour is a lower bound on its quantum
value; mixtures of strategies with shared randomness are quantum too
(``Mixture``). The witness JSON written here is what
certify.proofs.seesaw.check_seesaw reads and checks exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ...proofs.deterministic import DeterministicStrategy


def _decimal_strings(array: np.ndarray) -> list[str]:
    """Every entry as Python's repr of the float: the shortest decimal that reads back exactly."""
    return [repr(float(v)) for v in np.asarray(array).reshape(-1)]


def seesaw_component_json(state: np.ndarray, A: np.ndarray, B: np.ndarray) -> dict:
    """One strategy as JSON: state and every operator, real and imaginary parts as
    decimal strings (Python's repr of the float: exact round trip). Operators are
    made exactly Hermitian in floating point first ((X + X^dag)/2 is)."""

    def operator(X: np.ndarray) -> dict:
        """One operator, made exactly Hermitian, as real and imaginary decimal strings."""
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
    def dims(self) -> tuple[int, int]:
        """The local dimensions (dA, dB)."""
        return (self.A.shape[-1], self.B.shape[-1])

    @property
    def inputs(self) -> tuple[int, int]:
        """The numbers of questions (iA, iB)."""
        return (self.A.shape[0], self.B.shape[0])

    @property
    def outputs(self) -> tuple[int, int]:
        """The numbers of answers (oA, oB)."""
        return (self.A.shape[1], self.B.shape[1])

    def behaviour(self) -> np.ndarray:
        """p(a,b|x,y) as a float array of shape (oA, oB, iA, iB)."""
        dA, dB = self.dims
        psi = self.state / np.linalg.norm(self.state)
        return batch_behaviour(psi.reshape(1, dA, dB), self.A[None], self.B[None])[0]

    def value(self, tensor: np.ndarray) -> float:
        """sum c[a,b,x,y] p(a,b|x,y) in floating point."""
        return float(np.sum(np.asarray(tensor, dtype=float) * self.behaviour()))

    def to_json(self) -> dict:
        """The witness component: the exact rationals when set, else the floats as decimals."""
        if self.exact is not None:
            return self.exact
        return seesaw_component_json(self.state, self.A, self.B)

    @classmethod
    def from_json(cls, data: dict, projective: bool = False) -> QuantumStrategy:
        """The stored floats (not the exact repair) as a strategy."""

        def floats(values: list) -> np.ndarray:
            """Decimal or "p/q" strings as floats, in the same nesting."""
            # decimals, or exact "p/q" rationals (witnesses meeting forced zeros)
            return np.vectorize(lambda v: float(Fraction(v)), otypes=[float])(np.array(values, dtype=object))

        def matrix(entry: dict) -> np.ndarray:
            """A stored operator (real and imaginary parts) as a complex matrix."""
            return floats(entry["re"]) + 1j * floats(entry["im"])

        state = floats(data["state"]["re"]) + 1j * floats(data["state"]["im"])
        A = np.array([[matrix(op) for op in question] for question in data["A"]])
        B = np.array([[matrix(op) for op in question] for question in data["B"]])
        return cls(state, A, B, projective)

    @classmethod
    def deterministic(cls, strategy: DeterministicStrategy, outputs: tuple[int, int], dim: int) -> QuantumStrategy:
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

    def behaviour(self) -> np.ndarray:
        """The weighted sum of the components' behaviours."""
        return sum(float(w) * s.behaviour() for w, s in self.components)

    def value(self, tensor: np.ndarray) -> float:
        """sum c[a,b,x,y] p(a,b|x,y) of the mixture, in floating point."""
        return float(np.sum(np.asarray(tensor, dtype=float) * self.behaviour()))


# ---------------------------------------------------------------------------
# Batched see-saw


def batch_behaviour(M: np.ndarray, A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """p[r,a,b,x,y] for batches: M (R,dA,dB), A (R,iA,oA,dA,dA), B (R,iB,oB,dB,dB)."""
    X = np.einsum("rji,rxajk,rkl->rxail", M.conj(), A, M)  # M^dag A M
    return np.einsum("rxaij,rybij->rabxy", X, B).real
