"""Deterministic strategies: exact best-response enumeration.

A deterministic strategy is a pair of functions alpha: x -> a, beta: y -> b.
For a tensor c[a,b,x,y] its value is sum_{x,y} c[alpha(x), beta(y), x, y],
and the best value over all of them is

    max_alpha  sum_y  max_b  sum_x c[alpha(x), b, x, y],

so only one player's oA^iA strategies are listed and the other best-responds
(the standard reduction, e.g. Ket.jl's bound_local). The player with fewer
strategies is listed. Sums over x are built as broadcast additions, one input
at a time, in chunks of the listed player's strategies.

Exactness: rational tensors are scaled by the common denominator to integers
and summed in int64 when the largest possible partial sum fits in 62 bits, in
Python integers otherwise. The float path (``best_deterministic_float``) is
for pricing inside solvers only; no certified number comes from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..games.limits import check_strategies

_CHUNK_ROWS = 1 << 14
_INT64_SAFE = 1 << 62


@dataclass(frozen=True)
class DeterministicStrategy:
    """alpha[x] = A's answer to question x; beta[y] = B's answer to y."""

    alpha: tuple[int, ...]
    beta: tuple[int, ...]

    def behaviour(self, outputs):
        """p(a,b|x,y) = [a = alpha(x)] [b = beta(y)] as a 0/1 float array."""
        iA, iB = len(self.alpha), len(self.beta)
        p = np.zeros((outputs[0], outputs[1], iA, iB))
        for x, a in enumerate(self.alpha):
            for y, b in enumerate(self.beta):
                p[a, b, x, y] = 1.0
        return p

    def value(self, tensor):
        """Exact (or float) sum_{x,y} tensor[alpha(x), beta(y), x, y]."""
        total = 0
        for x, a in enumerate(self.alpha):
            for y, b in enumerate(self.beta):
                total = total + tensor[a, b, x, y]
        return total

    def to_json(self):
        return {"A": list(self.alpha), "B": list(self.beta)}

    @classmethod
    def from_json(cls, data):
        return cls(tuple(int(a) for a in data["A"]), tuple(int(b) for b in data["B"]))


def strategy_count(inputs, outputs):
    return outputs[0] ** inputs[0] * outputs[1] ** inputs[1]


def common_denominator(arrays):
    denominator = 1
    for array in arrays:
        for value in np.asarray(array, dtype=object).flat:
            denominator = math.lcm(denominator, Fraction(value).denominator)
    return denominator


def to_integers(exact, denominator):
    """Fractions times a common denominator, as int64 if safe, else Python ints."""
    integers = np.vectorize(lambda v: int(Fraction(v) * denominator), otypes=[object])(exact)
    iA, iB = exact.shape[2], exact.shape[3]
    largest = max((abs(v) for v in integers.flat), default=0)
    if largest * iA * iB < _INT64_SAFE:
        return integers.astype(np.int64)
    return integers


def _digits(count, base, length):
    """Rows of base-`base` digits (most significant first) of 0 .. count-1."""
    indices = np.arange(count, dtype=np.int64)
    digits = np.empty((count, length), dtype=np.int64)
    for position in range(length - 1, -1, -1):
        digits[:, position] = indices % base
        indices //= base
    return digits


def _best_over_listed(tensor):
    """max over alpha of sum_y max_b sum_x tensor[alpha(x), b, x, y].

    tensor has shape (oA, oB, iA, iB) and dtype int64, object or float.
    Returns (best value, alpha as a tuple, beta as a tuple). Refused first when
    there are too many strategies to list (certify.games.limits).
    """
    oA, oB, iA, iB = tensor.shape
    check_strategies((iA, iB), (oA, oB))
    head_length = 0
    while oA ** (iA - head_length) > _CHUNK_ROWS and head_length < iA:
        head_length += 1
    tail_length = iA - head_length
    # Sums over the tail inputs for every tail strategy: shape (oA^tail, oB, iB).
    tail = np.zeros((1, oB, iB), dtype=tensor.dtype)
    for x in range(head_length, iA):
        tail = (tail[:, None] + tensor[None, :, :, x, :]).reshape(-1, oB, iB)
    heads = _digits(oA**head_length, oA, head_length)
    best_value, best_alpha, best_beta = None, None, None
    for head_alpha in heads:
        offset = np.zeros((oB, iB), dtype=tensor.dtype)
        for x, a in enumerate(head_alpha):
            offset = offset + tensor[a, :, x, :]
        sums = tail + offset[None]
        per_question = sums.max(axis=1)  # best response of B, shape (rows, iB)
        values = per_question.sum(axis=1)
        row = int(np.argmax(values))
        if best_value is None or values[row] > best_value:
            best_value = values[row]
            tail_alpha = _digits(oA**tail_length, oA, tail_length)[row] if tail_length else ()
            best_alpha = tuple(int(a) for a in head_alpha) + tuple(int(a) for a in tail_alpha)
            best_beta = tuple(int(b) for b in np.argmax(sums[row], axis=0))
    return best_value, best_alpha, best_beta


def _oriented(tensor):
    """List the player with fewer strategies: swap the players if that is B."""
    oA, oB, iA, iB = tensor.shape
    swap = oB**iB < oA**iA
    return (np.transpose(tensor, (1, 0, 3, 2)) if swap else tensor), swap


def best_deterministic(exact):
    """Exact max over deterministic strategies of sum c[alpha(x), beta(y), x, y].

    ``exact`` is an object array of Fractions. Returns (Fraction, strategy).
    """
    denominator = common_denominator([exact])
    integers = to_integers(exact, denominator)
    tensor, swap = _oriented(integers)
    value, alpha, beta = _best_over_listed(tensor)
    if swap:
        alpha, beta = beta, alpha
    return Fraction(int(value), denominator), DeterministicStrategy(alpha, beta)


def best_deterministic_float(tensor):
    """Float max over deterministic strategies (for pricing, not for proofs)."""
    oriented, swap = _oriented(np.asarray(tensor, dtype=float))
    value, alpha, beta = _best_over_listed(oriented)
    if swap:
        alpha, beta = beta, alpha
    return float(value), DeterministicStrategy(alpha, beta)


def all_strategies(inputs, outputs):
    """Every deterministic strategy (for small games; refused for large ones)."""
    check_strategies(inputs, outputs, pairs=True)
    alphas = _digits(outputs[0] ** inputs[0], outputs[0], inputs[0])
    betas = _digits(outputs[1] ** inputs[1], outputs[1], inputs[1])
    return [
        DeterministicStrategy(tuple(int(v) for v in alpha), tuple(int(v) for v in beta))
        for alpha in alphas
        for beta in betas
    ]


def strategy_values(tensor, strategies):
    """Float values sum c[alpha(x), beta(y), x, y] for a list of strategies."""
    tensor = np.asarray(tensor, dtype=float)
    iA, iB = tensor.shape[2], tensor.shape[3]
    alphas = np.array([s.alpha for s in strategies], dtype=np.int64).reshape(len(strategies), iA)
    betas = np.array([s.beta for s in strategies], dtype=np.int64).reshape(len(strategies), iB)
    x = np.arange(iA)[None, :, None]
    y = np.arange(iB)[None, None, :]
    picked = tensor[alphas[:, :, None], betas[:, None, :], x, y]
    return picked.sum(axis=(1, 2))
