"""Baseline throughput functions T(t) and the throughput Theta(p) of the dual-work model.

docs/model.md: a server runs a preemptible baseline task whenever it
has no customer; an uninterrupted run of length t yields T(t), with T convex
(strictly, for the trade-off to exist) and T(0) = 0. Each server is
interrupted by a Poisson stream of rate r = lambda (1 + p) / 2 (a split pair
interrupts both servers, a concentrated pair one), so its idle periods are
R ~ Exp(r), it is idle a fraction 1 - rho of the time (rho = lambda E[S]),
and idle periods end at rate (1 - rho) r per unit time. Summed over the two
servers (renewal-reward):

    Theta(p) = 2 (1 - rho) r E[T(R)],   E[T(R)] = int_0^inf T(t) r e^{-r t} dt.

For T(t) = t this is 2 (1 - rho), whatever p; for strictly convex T,
r E[T(R)] falls as r grows (Jensen on the scale family R = E / r), so
Theta falls as p grows.

T is an expression in t (certify.games.expressions, the safe language) or a named
family with closed forms that the quadrature is checked against:

* power, alpha > 0:  T = t^(1+alpha),  E[T(R)] = Gamma(2+alpha) / r^(1+alpha);
* exponential, beta > 0:  T = e^(beta t) - 1,  E[T(R)] = beta / (r - beta)  (r > beta);
* linear:  T = t,  E[T(R)] = 1 / r.
"""

from __future__ import annotations

import functools
import heapq
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike

from ..errors import BadInput
from .expressions import ExpressionError, throughput_expression

FAMILIES = ("power", "exponential", "linear")
# 10001 points over [0, 80 / r_min]: spacing 0.008 / r_min, as fine as the 4001 points over
# [0, 30 / r_min] that the check used before it covered the whole range.
_GRID = 10001
# The quadrature of E[T(R)] runs over u = r t in [0, _TAIL]; T is checked convex on all of it.
_TAIL = 80.0


@dataclass(frozen=True)
class Throughput:
    """A baseline throughput function: text for reports, a vectorised evaluator."""

    text: str
    family: str | None = None  # a named family with a closed form, or None for an expression
    parameter: float | None = None  # alpha (power) or beta (exponential)

    def __call__(self, t: ArrayLike) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        parameter = cast(float, self.parameter)  # a float in the power and exponential families
        if self.family == "power":
            return t ** (1.0 + parameter)
        if self.family == "exponential":
            return np.expm1(parameter * t)
        if self.family == "linear":
            return t.copy()
        value = throughput_expression(self.text)(t=t)
        return np.broadcast_to(np.asarray(value, dtype=float), t.shape).astype(float)

    def closed_form(self, r: float) -> float | None:
        """E[T(R)] for R ~ Exp(r) in closed form, or None for a general expression."""
        parameter = cast(float, self.parameter)  # a float in the power and exponential families
        if self.family == "power":
            return math.gamma(2.0 + parameter) / r ** (1.0 + parameter)
        if self.family == "exponential":
            return parameter / (r - parameter) if r > parameter else math.inf
        if self.family == "linear":
            return 1.0 / r
        return None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"text": self.text}
        if self.family:
            body["family"] = self.family
            body["parameter"] = self.parameter
        return body


def parse_throughput(value: object, source: object, key: str | None) -> Throughput:
    """A throughput from a file or option: an expression string, {family, alpha|beta},
    or on the command line the short forms "power:ALPHA", "exponential:BETA", "linear"."""
    short = re.fullmatch(r"\s*(power|exponential|linear)\s*(?::\s*(\S+))?\s*", value) if isinstance(value, str) else None
    if short:
        family, parameter = short.groups()
        table: dict[str, object] = {"family": family}
        if family != "linear":
            try:
                table["alpha" if family == "power" else "beta"] = float(parameter)
            except (TypeError, ValueError):
                raise BadInput(source, key, f"expected {family}:NUMBER, got '{value}'") from None
        return parse_throughput(table, source, key)
    if isinstance(value, str):
        try:
            throughput_expression(value)
        except ExpressionError as error:
            raise BadInput(source, key, str(error)) from None
        # "t**c" with c > 1 is the power family: keep the text, gain the closed form.
        match = re.fullmatch(r"\s*t\s*(?:\*\*|\^)\s*([0-9]*\.?[0-9]+)\s*", value)
        if match and "^" not in value and float(match.group(1)) > 1:
            return Throughput(value, "power", float(match.group(1)) - 1.0)
        return Throughput(value)
    if isinstance(value, dict):
        allowed = {"family", "alpha", "beta"}
        for name in value:
            if name not in allowed:
                raise BadInput(source, f"{key}.{name}", f"unknown key (allowed: {', '.join(sorted(allowed))})")
        family = value.get("family")
        if family not in FAMILIES:
            raise BadInput(source, f"{key}.family", f"expected one of {', '.join(FAMILIES)}, got {family!r}")
        if family == "linear":
            return Throughput("t", "linear", None)
        name = "alpha" if family == "power" else "beta"
        parameter = value.get(name)
        if isinstance(parameter, bool) or not isinstance(parameter, (int, float)) or not math.isfinite(parameter) or parameter <= 0:
            raise BadInput(source, f"{key}.{name}", f"expected a positive number, got {parameter!r}")
        text = f"t**{1 + parameter:g}" if family == "power" else f"exp({parameter:g}*t) - 1"
        return Throughput(text, family, float(parameter))
    raise BadInput(source, key, f"expected an expression in t or a table {{family = ...}}, got {value!r}")


@functools.lru_cache(maxsize=64)  # loading a model asks for every load and file again
def check_throughput(throughput: Throughput, smallest_rate: float, source: object, key: str | None) -> bool:
    """T(0) = 0, finite, and convex on the whole range used, [0, 80 / r_min]; raises BadInput saying where it fails.

    The range used. Every throughput figure is E[T(R)] for R ~ Exp(r), r >= r_min
    (r_min = lambda / 2, at p = 0), computed by ``expected_run_value`` as the
    integral of T(u / r) e^-u over u in [0, 80]: T is evaluated at t <= 80 / r
    <= 80 / r_min only, and beyond, the tail test there requires T's weight at
    u = 80 to be below 1e-12 of the value (e^-80 ~ 2e-35 of the mass lies
    further out). So [0, 80 / r_min] is every t at which T enters a figure, and
    convexity is checked on all of it (it used to stop at 30 / r_min, and a T
    that bends down just beyond, inside the quadrature's range, passed).

    Why convexity there suffices: Theta falls with p when r E[T(R)] =
    E[T(E / r) / (1 / r)] (E ~ Exp(1)) falls as r grows, which holds when
    T(t) / t is non-decreasing, which convexity with T(0) = 0 gives, on the
    t the figures use. The named families (power, exponential, linear) are
    convex by their closed forms. A general expression is tested by second
    differences on a uniform grid of 10001 points over that range, with a
    tolerance of 1e-9 times the local scale of T (rounding in T's own
    evaluation, e.g. exp(0.02*t) - 1 near 0, stays below it): a test at that
    resolution, not a proof for a T that wiggles between grid points.

    Returns True when T is strictly convex there (every second difference
    clearly positive), False when only convex (e.g. linear T, for which
    Theta does not depend on p).
    """
    if not (smallest_rate > 0 and math.isfinite(smallest_rate)):
        raise BadInput(source, key, f"interruption rate {smallest_rate} must be positive")
    upper = _TAIL / smallest_rate
    grid = np.linspace(0.0, upper, _GRID)
    try:
        with np.errstate(all="ignore"):
            values = throughput(grid)
    except ExpressionError as error:
        raise BadInput(source, key, str(error)) from None
    bad = ~np.isfinite(values)
    if bad.any():
        where = grid[np.argmax(bad)]
        raise BadInput(source, key, f"T({throughput.text}) is not finite at t = {where:.6g}")
    if abs(values[0]) > 1e-12:
        raise BadInput(source, key, f"T(0) = {values[0]:.6g}, but a run of length 0 must yield 0")
    with np.errstate(all="ignore"):
        second = values[2:] - 2 * values[1:-1] + values[:-2]
    scale = 1e-9 * (np.abs(values[2:]) + np.abs(values[1:-1]) + np.abs(values[:-2]) + 1e-300)
    if not np.all(np.isfinite(second)):
        raise BadInput(source, key, f"T(t) = {throughput.text} is too steep to check on [0, {upper:.4g}]")
    concave = second < -scale
    if concave.any():
        index = int(np.argmax(concave)) + 1
        raise BadInput(
            source, key,
            f"T(t) = {throughput.text} is not convex on the range used [0, {upper:.4g}]: "
            f"it bends down near t = {grid[index]:.4g}",
        )
    strictly = bool(np.all(second > scale))
    # The slowest interruptions give the longest runs: E[T(R)] must be finite there.
    try:
        expected_run_value(throughput, smallest_rate)
    except BadInput as error:
        raise BadInput(source, key, error.message) from None
    return strictly


# 20-point Gauss-Legendre rule on [-1, 1] (exact for polynomials of degree 39)
_GAUSS_NODES, _GAUSS_WEIGHTS = np.polynomial.legendre.leggauss(20)


def _gauss(function: Callable[[np.ndarray], np.ndarray], lower: float, upper: float) -> float:
    half = 0.5 * (upper - lower)
    return half * float(np.dot(_GAUSS_WEIGHTS, function(0.5 * (lower + upper) + half * _GAUSS_NODES)))


def adaptive_quadrature(function: Callable[[np.ndarray], np.ndarray], edges: Sequence[float], relative: float = 1e-15,
                        limit: int = 1000) -> float:
    """int f over [edges[0], edges[-1]] for a vectorised f: globally adaptive Gauss-Legendre.

    Each piece [a, b] is integrated by the 20-point rule on its two halves; the
    difference from the rule on the whole piece estimates the error (a
    pessimistic one: the halves are far more accurate than the whole). The piece
    of largest estimate is halved until the estimates sum to at most
    ``relative`` times the integral, or ``limit`` pieces (then the value reached
    is returned, as scipy's quad does after its warning). The edges are
    breakpoints where f may change character. Plain numpy, so that the checker
    can recompute model figures without scipy.integrate, whose import loads
    scipy.optimize. Against quad (epsrel 1e-11, the same breakpoints) on
    E[T(R)] for 15 throughputs (powers, exponentials, kinks, logarithms) at 5
    rates it agrees to 3e-14 relative, where the comparison tolerance is 1e-12
    (tests/test_architecture.py).
    """
    def piece(lower: float, upper: float, whole: float) -> tuple[float, float, float, float, float]:
        middle = 0.5 * (lower + upper)
        left, right = _gauss(function, lower, middle), _gauss(function, middle, upper)
        return (-abs(left + right - whole), lower, upper, left, right)

    pieces = [piece(a, b, _gauss(function, a, b)) for a, b in zip(edges, edges[1:])]
    heapq.heapify(pieces)
    total = math.fsum(p[3] + p[4] for p in pieces)
    error = math.fsum(-p[0] for p in pieces)
    while len(pieces) < limit and math.isfinite(total) and math.isfinite(error) and error > relative * abs(total):
        worst, lower, upper, left, right = heapq.heappop(pieces)
        middle = 0.5 * (lower + upper)
        halves = (piece(lower, middle, left), piece(middle, upper, right))
        for half in halves:
            heapq.heappush(pieces, half)
        total += sum(h[3] + h[4] for h in halves) - (left + right)  # running sums; the answer is summed afresh
        error += worst - sum(h[0] for h in halves)
    return math.fsum(p[3] + p[4] for p in pieces)


@functools.lru_cache(maxsize=1024)  # a frontier, its summary and verify ask at the same rates
def expected_run_value(throughput: Throughput, rate: float) -> float:
    """E[T(R)] for R ~ Exp(rate), by adaptive quadrature (``adaptive_quadrature``).

    Substituting t = u / rate gives int_0^inf T(u / rate) e^{-u} du, which
    the quadrature handles on a fixed scale. The closed form (where the family
    has one) is the value used; the quadrature must agree to 1e-7 relative.
    """
    def integrand(u: float) -> float:
        with np.errstate(all="ignore"):
            return float(throughput(np.array([u / rate]))[0]) * math.exp(-u)

    def integrand_array(u: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return throughput(u / rate) * np.exp(-u)

    # e^-80 ~ 1e-35: beyond u = 80 the weight is negligible unless T grows
    # like e^{r t} or faster, which the tail test below catches.
    value = adaptive_quadrature(integrand_array, (0.0, 1.0, 5.0, 20.0, _TAIL))
    tail = integrand(_TAIL) + integrand(_TAIL / 2) * math.exp(-_TAIL / 2)
    if not math.isfinite(value) or not math.isfinite(tail) or tail > 1e-12 * max(abs(value), 1e-300):
        raise BadInput(None, "throughput", f"E[T(R)] does not converge for T = {throughput.text} at interruption rate {rate:.6g}")
    closed = throughput.closed_form(rate)
    if closed is not None:
        if not math.isfinite(closed):
            raise BadInput(None, "throughput", f"E[T(R)] is infinite for T = {throughput.text} at rate {rate:.6g}")
        if abs(value - closed) > 1e-7 * abs(closed) + 1e-12:
            raise BadInput(None, "throughput", f"quadrature {value} disagrees with closed form {closed}")
        return closed
    if not math.isfinite(value):
        raise BadInput(None, "throughput", f"E[T(R)] is infinite for T = {throughput.text} at rate {rate:.6g}")
    return value


def interruption_rate(arrival_rate: float, split: float | Fraction) -> float:
    """r = lambda (1 + p) / 2: a split pair interrupts both servers, a concentrated one only one."""
    return arrival_rate * (1.0 + float(split)) / 2.0


def throughput_at(throughput: Throughput, arrival_rate: float, mean_size: float, split: float | Fraction) -> float:
    """Theta(p) = 2 (1 - rho) r E[T(R)] with rho = lambda E[S], r = lambda (1 + p) / 2."""
    rho = arrival_rate * mean_size
    rate = interruption_rate(arrival_rate, split)
    return 2.0 * (1.0 - rho) * rate * expected_run_value(throughput, rate)
