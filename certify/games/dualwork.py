"""The dual-work scheduling model (docs/model.md) as a game.

Two servers, requests arriving in pairs (Poisson, rate lambda pairs per unit
time), request sizes S i.i.d. Front-end A sees only S_A, B only S_B; with
thresholds w_1 < ... < w_k the local question is the size class
x = #{i : S_A > w_i} in {0..k}, likewise y. Class c is the interval
(w_c, w_{c+1}] with w_0 = 0, w_{k+1} = inf; q_c = P(S in class c) and
m_c = E[S | class c] = E[S; class c] / q_c in closed form:

* exponential, mean mu:  P(S > s) = e^{-s/mu},
  E[S; a < S <= b] = (a + mu) e^{-a/mu} - (b + mu) e^{-b/mu};
* hyperexponential, branches (p_i, mu_i): the p_i-mixture of the above;
* lognormal, mean mu and log-sd sigma (log S ~ N(nu, sigma^2), nu = ln mu - sigma^2/2):
  P(a < S <= b) = Phi(z_b) - Phi(z_a), z_s = (ln s - nu)/sigma,
  E[S; a < S <= b] = mu (Phi(z_b - sigma) - Phi(z_a - sigma));
* deterministic, S = mu: q = 1 on the class holding mu (m_c there is mu; on
  the empty classes m_c = 0, which never matters as their weight is 0).

The game (answers a, b = servers chosen; sense "min"):

* pi(x, y) = q_x q_y;
* objective: the mean waiting per customer W. Under the default waiting
  model "exact" (any stable load rho = lambda E[S] < 1):

      W = sum_xy pi(x,y) P(a == b | x,y) [ (m_x + m_y)/4 + f m_x m_y ] + f E[S^2],
      f = lambda / (2 (1 - rho)),

  i.e. c[a,b,x,y] = pi(x,y) ([a == b] ((m_x + m_y)/4 + f m_x m_y) + f E[S^2]).
  Derivation (docs/model.md): with uniform marginals each server is an
  M^X/G/1 queue fed by batches B of 0, 1 or 2 requests per pair, rate
  lambda, E[B] = E[S], E[B^2] = E[S^2] + sum_xy pi P(a == b|x,y) m_x m_y;
  by PASTA (Wolff, Oper. Res. 30, 223 (1982)) every customer first waits the
  mean workload, lambda E[B^2] / (2 (1 - rho)) (the Pollaczek-Khinchine
  formula for batch arrivals), and the second of a concentrated pair also
  waits its partner, (m_x + m_y)/2 on average, for half the customers.
  Under waiting = "light-traffic" f = 0 (the lambda -> 0 limit: only the two
  requests of one pair interact);
* constraint "split": sum_xy pi(x,y) P(a != b | x,y) == p (default from the
  file's [model] split, or --fix split=P);
* constraint "balance": sum_xy pi(x,y) (P(0,0|x,y) - P(1,1|x,y)) == 0.

Symmetric policies. The formula for W holds for behaviours with uniform
marginals, P(a = 0 | x) = P(b = 0 | y) = 1/2. A shared fair coin that flips
both answers turns any behaviour p into (p + flip p)/2, which has uniform
marginals and the same P(a == b | x,y), hence the same objective value and
split (the objective and the split are invariant under the flip; balance is
odd). So the game needs no marginal constraints: its value at ANY behaviour
is the exact W of that behaviour's flip-symmetrised version, which every
policy reported here applies (the correlator strategies are symmetric by
construction and say so; `certify simulate` samples the symmetrised
behaviour), and the optimum over symmetric policies equals the optimum of
the game, classically and quantumly. (Writing the 2(k+1) marginal equalities
as constraints gives the same optima, tests/test_pareto.py checks that with
an independent LP, but it defeats the generic see-saw's column generation,
so the game keeps the single flip-odd "balance" row instead.)

Exactness: q_c and m_c are computed in floating point from the formulas and
then taken as the exact rationals of those floats, except that the last
class's q is 1 - sum of the others (exactly), so that pi sums to exactly 1
(the never-split and always-split strategies are then exactly feasible at
p = 0 and p = 1). lambda and E[S] are the exact rationals of the numbers as
written (0.1 is 1/10); E[S^2] is exact from them for exponential (2 E[S]^2),
deterministic (E[S]^2) and hyperexponential (sum p_i 2 mu_i^2) sizes, and the
rational of the float mu^2 e^{sigma^2} for lognormal ones. Every coefficient
is an exact product of these rationals: the generated game "as written" is
this rational game, and its dense form (stored in every JSON result) is what
``certify verify`` re-checks.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import numpy as np

from ..errors import BadInput
from .game import Constraint, Game, constraint_from_table, game_from_mapping, load_game, parse_number, read_mapping, resolve
from .limits import check, check_strategies, shorten
from .models import register_model
from .throughput import Throughput, check_throughput, interruption_rate, parse_throughput

SIZE_DISTRIBUTIONS = ("exponential", "deterministic", "hyperexponential", "lognormal")
MODEL_KEYS = {
    "kind", "sizes", "mean_size", "sigma", "probabilities", "means",
    "thresholds", "arrival_rate", "throughput", "split", "waiting",
}
WAITING_MODELS = ("exact", "light-traffic")
DEFAULT_THROUGHPUT = "t**1.8"


@dataclass(frozen=True)
class SizeDistribution:
    """A request-size law with closed-form class probabilities and partial means."""

    kind: str
    mean: float
    sigma: float | None = None  # lognormal: standard deviation of log S
    branches: tuple[tuple[float, float], ...] = ()  # hyperexponential: ((probability, mean), ...)

    def tail(self, s: float) -> float:
        """P(S > s) for s >= 0 (s may be inf)."""
        if self.kind == "exponential":
            return 0.0 if math.isinf(s) else math.exp(-s / self.mean)
        if self.kind == "hyperexponential":
            return sum(p * (0.0 if math.isinf(s) else math.exp(-s / mu)) for p, mu in self.branches)
        if self.kind == "lognormal":
            sigma = cast(float, self.sigma)  # a float for lognormal sizes
            if math.isinf(s):
                return 0.0
            if s <= 0:
                return 1.0
            from scipy import special  # here, not at import: `certify` starts without scipy.special

            nu = math.log(self.mean) - sigma**2 / 2
            return float(special.ndtr(-(math.log(s) - nu) / sigma))
        return 1.0 if self.mean > s else 0.0  # deterministic

    def partial_mean(self, lower: float, upper: float) -> float:
        """E[S; lower < S <= upper]."""
        if self.kind == "exponential":
            return _exponential_partial(self.mean, lower, upper)
        if self.kind == "hyperexponential":
            return sum(p * _exponential_partial(mu, lower, upper) for p, mu in self.branches)
        if self.kind == "lognormal":
            sigma = cast(float, self.sigma)  # a float for lognormal sizes
            from scipy import special

            nu = math.log(self.mean) - sigma**2 / 2

            def below(s: float) -> float:  # P(S <= s) under the size-biased law, times the mean
                if math.isinf(s):
                    return 1.0
                if s <= 0:
                    return 0.0
                return float(special.ndtr((math.log(s) - nu) / sigma - sigma))

            return self.mean * (below(upper) - below(lower))
        return self.mean if lower < self.mean <= upper else 0.0

    def second_moment(self) -> float:
        """E[S^2]: 2 mu^2 (exponential), sum p_i 2 mu_i^2, mu^2 e^{sigma^2} (lognormal), mu^2."""
        if self.kind == "exponential":
            return 2 * self.mean**2
        if self.kind == "hyperexponential":
            return sum(p * 2 * mu**2 for p, mu in self.branches)
        if self.kind == "lognormal":
            sigma = cast(float, self.sigma)  # a float for lognormal sizes
            return self.mean**2 * math.exp(sigma**2)
        return self.mean**2

    def second_moment_exact(self, mean_exact: Fraction | None = None) -> Fraction:
        """E[S^2] as a Fraction: exact from the parameters' rationals, except lognormal (float)."""
        mean = Fraction(self.mean) if mean_exact is None else mean_exact
        if self.kind == "exponential":
            return 2 * mean * mean
        if self.kind == "hyperexponential":
            return sum((Fraction(p) * 2 * Fraction(mu) ** 2 for p, mu in self.branches), Fraction(0))
        if self.kind == "lognormal":
            return Fraction(self.second_moment())
        return mean * mean

    def sample(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """count i.i.d. sizes (numpy Generator)."""
        if self.kind == "exponential":
            return rng.exponential(self.mean, count)
        if self.kind == "hyperexponential":
            probabilities = np.array([p for p, _ in self.branches])
            means = np.array([mu for _, mu in self.branches])
            branch = rng.choice(len(means), size=count, p=probabilities / probabilities.sum())
            return rng.exponential(1.0, count) * means[branch]
        if self.kind == "lognormal":
            sigma = cast(float, self.sigma)  # a float for lognormal sizes
            nu = math.log(self.mean) - sigma**2 / 2
            return rng.lognormal(nu, sigma, count)
        return np.full(count, self.mean)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"kind": self.kind, "mean": self.mean}
        if self.sigma is not None:
            body["sigma"] = self.sigma
        if self.branches:
            body["branches"] = [list(branch) for branch in self.branches]
        return body


def _exponential_partial(mu: float, lower: float, upper: float) -> float:
    def term(s: float) -> float:
        return 0.0 if math.isinf(s) else (s + mu) * math.exp(-s / mu)

    return term(lower) - term(upper)


@dataclass(frozen=True)
class DualWorkModel:
    """The parameters of a dual-work model and the derived class data."""

    sizes: SizeDistribution
    thresholds: tuple[float, ...]
    arrival_rate: float
    throughput: Throughput
    split: Fraction
    q: tuple[float, ...]  # class probabilities (floats from the formulas)
    m: tuple[float, ...]  # class conditional means
    q_exact: tuple[Fraction, ...] = field(default=())
    m_exact: tuple[Fraction, ...] = field(default=())
    strictly_convex: bool = True
    source: str = ""
    waiting: str = "exact"  # "exact" (M^X/G/1 at lambda) or "light-traffic" (lambda -> 0)
    arrival_exact: Fraction = Fraction(0)  # lambda as written
    mean_exact: Fraction = Fraction(1)  # E[S] as written (or from the branches)
    second_exact: Fraction = Fraction(0)  # E[S^2]

    @property
    def classes(self) -> int:
        return len(self.q)

    @property
    def mean_size(self) -> float:
        return self.sizes.mean

    @property
    def load(self) -> float:
        """rho = lambda E[S]: each server receives lambda requests per unit time on average."""
        return self.arrival_rate * self.sizes.mean

    @property
    def load_exact(self) -> Fraction:
        return self.arrival_exact * self.mean_exact

    @property
    def workload_factor(self) -> Fraction:
        """f = lambda / (2 (1 - rho)) exactly (0 under the light-traffic limit)."""
        if self.waiting == "light-traffic":
            return Fraction(0)
        return self.arrival_exact / (2 * (1 - self.load_exact))

    def waiting_terms(self) -> tuple[list[list[Fraction]], Fraction]:
        """(same[x][y], constant): W = sum pi P(a == b|x,y) same[x][y] + constant, exactly."""
        f = self.workload_factor
        m = self.m_exact
        same = [[(m[x] + m[y]) / 4 + f * m[x] * m[y] for y in range(self.classes)] for x in range(self.classes)]
        return same, f * self.second_exact

    def waiting_of(self, behaviour: np.ndarray) -> float:
        """W (float) of a behaviour p[a,b,x,y] with uniform marginals, by the formula above."""
        same, constant = self.waiting_terms()
        pi = np.outer(self.q, self.q)
        concentrated = behaviour[0, 0] + behaviour[1, 1]
        return float(np.sum(pi * concentrated * np.array(same, dtype=float)) + float(constant))

    def size_class(self, sizes: np.ndarray) -> np.ndarray:
        """x = #{i : S > w_i} for an array of sizes."""
        return np.searchsorted(np.asarray(self.thresholds), sizes, side="left")

    def interruption_rate(self, split: float | Fraction) -> float:
        return interruption_rate(self.arrival_rate, split)

    def to_json(self) -> dict[str, Any]:
        return {
            "sizes": self.sizes.to_json(),
            "thresholds": list(self.thresholds),
            "arrival_rate": self.arrival_rate,
            "arrival_rate_exact": str(self.arrival_exact),
            "load": self.load,
            "waiting_model": self.waiting,
            "second_moment": float(self.second_exact),
            "workload_factor": float(self.workload_factor),
            "throughput": self.throughput.to_json(),
            "strictly_convex": self.strictly_convex,
            "class_probabilities": list(self.q),
            "class_means": list(self.m),
        }


# ---------------------------------------------------------------------------
# Validation


def _positive(table: dict[str, Any], key: str, source: object, default: float | None = None) -> float:
    if key not in table:
        if default is None:
            raise BadInput(source, f"model.{key}", "missing")
        return default
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise BadInput(source, f"model.{key}", f"expected a positive number, got {value!r}")
    exact = parse_number(value, source, f"model.{key}")
    try:
        number = float(exact)
    except OverflowError:  # an exact number written beyond a double: the model computes in doubles
        raise BadInput(source, f"model.{key}", f"{shorten(str(value))} is beyond floating point's range "
                                               "(about 1e308)") from None
    if not number > 0:
        raise BadInput(source, f"model.{key}", f"must be positive, got {value!r}")
    return number


def _number_list(table: dict[str, Any], key: str, source: object) -> list[float]:
    value = table.get(key)
    if not isinstance(value, list) or not value:
        raise BadInput(source, f"model.{key}", f"expected a non-empty list of numbers, got {value!r}")
    return [float(parse_number(v, source, f"model.{key}[{i}]")) for i, v in enumerate(value)]


def _size_distribution(table: dict[str, Any], source: object) -> SizeDistribution:
    kind = table.get("sizes", "exponential")
    if kind not in SIZE_DISTRIBUTIONS:
        raise BadInput(source, "model.sizes", f"unknown size distribution {kind!r} (known: {', '.join(SIZE_DISTRIBUTIONS)})")
    own = {"exponential": set(), "deterministic": set(), "lognormal": {"sigma"}, "hyperexponential": {"probabilities", "means"}}[kind]
    for key in ("sigma", "probabilities", "means"):
        if key in table and key not in own:
            raise BadInput(source, f"model.{key}", f"not a parameter of {kind} sizes")
    if kind == "hyperexponential":
        probabilities = _number_list(table, "probabilities", source)
        means = _number_list(table, "means", source)
        if len(probabilities) != len(means):
            raise BadInput(source, "model.means", f"expected {len(probabilities)} means, one per probability, got {len(means)}")
        if any(p < 0 for p in probabilities) or abs(sum(probabilities) - 1) > 1e-9:
            raise BadInput(source, "model.probabilities", "must be non-negative and sum to 1")
        if any(not mu > 0 for mu in means):
            raise BadInput(source, "model.means", "every branch mean must be positive")
        mean = sum(p * mu for p, mu in zip(probabilities, means))
        if "mean_size" in table and abs(_positive(table, "mean_size", source) - mean) > 1e-9 * mean:
            raise BadInput(source, "model.mean_size", f"disagrees with the branches' mean {mean:.12g}")
        return SizeDistribution(kind, mean, branches=tuple(zip(probabilities, means)))
    mean = _positive(table, "mean_size", source, default=1.0)
    if kind == "lognormal":
        sigma = _positive(table, "sigma", source)
        # E[S^2] = mu^2 e^(sigma^2) must be a finite double (the workload term of W is f E[S^2]);
        # sigma is squared only once it is known to be small enough to square
        exponent = sigma * sigma + 2 * math.log(mean) if sigma < 1e6 else math.inf
        if not exponent < _LOG_FLOAT_MAX:
            shown = f"e^{exponent:.6g}" if math.isfinite(exponent) else "infinite in floating point"
            raise BadInput(source, "model.sigma", f"sigma = {sigma:.6g} gives E[S^2] = mean^2 e^(sigma^2) = {shown}, "
                                                  f"beyond floating point (sigma^2 + 2 ln mean must stay below "
                                                  f"{_LOG_FLOAT_MAX:.1f})")
        return SizeDistribution(kind, mean, sigma=sigma)
    return SizeDistribution(kind, mean)


_LOG_FLOAT_MAX = math.log(sys.float_info.max)  # 709.78: e^x is a finite double below it
CLASS_MEAN_TOLERANCE = 1e-9  # relative: sum_c q_c m_c must give E[S] this closely (check_class_data)


def check_class_data(sizes: SizeDistribution, q_exact: Sequence[Fraction], m_exact: Sequence[Fraction],
                     mean_exact: Fraction, source: object) -> None:
    """Refuse class data that floating point could not resolve (BadInput naming the key).

    q_c and m_c are computed in floating point and then taken as exact
    rationals (the module docstring); the last class's q is 1 minus the
    others. When a class of tiny probability carries a large share of the
    mean (a lognormal of large sigma: at sigma = 40 and threshold 1 the class
    above 1 has probability 3e-89 and conditional mean 4e88, half of E[S]),
    1 minus the others rounds its probability to 0 and the game would be one
    for another size law. So sum_c q_c m_c, exactly from the rationals used,
    must reproduce E[S] to CLASS_MEAN_TOLERANCE relative, and every q_c and
    m_c must be finite; otherwise the model is refused rather than computed
    for a law it does not describe.
    """
    for name, values in (("class probability", q_exact), ("class mean", m_exact)):
        if any(not math.isfinite(float(v)) for v in values):
            raise BadInput(source, "model.thresholds", f"a {name} is not finite in floating point")
    first = sum((q * m for q, m in zip(q_exact, m_exact)), Fraction(0))
    if abs(first - mean_exact) > CLASS_MEAN_TOLERANCE * mean_exact:
        key = "model.sigma" if sizes.kind == "lognormal" else "model.thresholds"
        raise BadInput(source, key, f"the size classes cannot be resolved in floating point: their probabilities and "
                                    f"means give E[S] = {float(first):.6g}, not the law's {float(mean_exact):.6g} "
                                    "(a class of negligible probability carries the mean; use a smaller sigma or "
                                    "thresholds nearer the bulk of the sizes)")


def _thresholds(table: dict[str, Any], source: object) -> tuple[float, ...]:
    values = _number_list(table, "thresholds", source) if "thresholds" in table else [1.0]
    if any(not w > 0 for w in values):
        raise BadInput(source, "model.thresholds", "thresholds must be positive")
    if any(b <= a for a, b in zip(values, values[1:])):
        raise BadInput(source, "model.thresholds", "thresholds must be strictly increasing")
    # k thresholds give k + 1 size classes, a game of 4 (k + 1)^2 entries and
    # 2^(k + 1) deterministic strategies a player: refuse before generating it
    classes = len(values) + 1
    check("CERTIFY_MAX_GAME_SIZE", 4 * classes**2, source, "model.thresholds",
          f"{len(values)} thresholds make a game of {4 * classes**2} entries", "use fewer thresholds")
    check_strategies((classes, classes), (2, 2), source)
    return tuple(values)


def class_data(sizes: SizeDistribution, thresholds: Sequence[float]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """q_c = P(S in class c) and m_c = E[S | class c] (0 for an empty class)."""
    edges = (0.0,) + tuple(thresholds) + (math.inf,)
    q: list[float] = []
    m: list[float] = []
    for lower, upper in zip(edges, edges[1:]):
        probability = sizes.tail(lower) - sizes.tail(upper)
        partial = sizes.partial_mean(lower, upper)
        q.append(probability)
        m.append(partial / probability if probability > 0 else 0.0)
    return tuple(q), tuple(m)


def model_from_table(data: dict[str, Any], source: object, throughput_override: object = None) -> DualWorkModel:
    """Validate a problem file's mapping ([model] table) -> DualWorkModel."""
    table = data.get("model")
    if not isinstance(table, dict):
        raise BadInput(source, "model", "expected a table [model]")
    for key in table:
        if key not in MODEL_KEYS:
            raise BadInput(source, f"model.{key}", f"unknown key (allowed: {', '.join(sorted(MODEL_KEYS))})")
    if table.get("kind") != "dual-work":
        raise BadInput(source, "model.kind", f"expected 'dual-work', got {table.get('kind')!r}")
    sizes = _size_distribution(table, source)
    thresholds = _thresholds(table, source)
    arrival_rate = _positive(table, "arrival_rate", source)
    if not arrival_rate * sizes.mean < 1:
        raise BadInput(source, "model.arrival_rate", f"load lambda E[S] = {arrival_rate * sizes.mean:.6g} must be below 1 for stable queues")
    arrival_exact = parse_number(table["arrival_rate"], source, "model.arrival_rate")
    if sizes.kind == "hyperexponential":
        mean_exact = sum((Fraction(p) * Fraction(mu) for p, mu in sizes.branches), Fraction(0))
    else:
        mean_exact = parse_number(table.get("mean_size", 1), source, "model.mean_size")
    if not arrival_exact * mean_exact < 1:
        raise BadInput(source, "model.arrival_rate", f"load lambda E[S] = {float(arrival_exact * mean_exact):.6g} must be below 1 for stable queues")
    waiting = table.get("waiting", "exact")
    if waiting not in WAITING_MODELS:
        raise BadInput(source, "model.waiting", f"expected one of {', '.join(WAITING_MODELS)}, got {waiting!r}")
    split = parse_number(table.get("split", "1/2"), source, "model.split")
    if not 0 <= split <= 1:
        raise BadInput(source, "model.split", f"a probability must lie in [0, 1], got {split}")
    if throughput_override is not None:
        throughput = parse_throughput(throughput_override, None, "--throughput")
        where: tuple[object, str] = (None, "--throughput")
    else:
        throughput = parse_throughput(table.get("throughput", DEFAULT_THROUGHPUT), source, "model.throughput")
        where = (source, "model.throughput")
    # The slowest interruptions (p = 0, r = lambda/2) give the longest runs.
    strictly = check_throughput(throughput, interruption_rate(arrival_rate, 0), *where)
    q, m = class_data(sizes, thresholds)
    q_exact = [Fraction(v) for v in q[:-1]]
    q_exact.append(1 - sum(q_exact, Fraction(0)))
    if q_exact[-1] < 0:
        raise BadInput(source, "model.thresholds", "class probabilities do not sum to 1")
    m_exact = [Fraction(v) for v in m]
    check_class_data(sizes, q_exact, m_exact, mean_exact, source)
    return DualWorkModel(
        sizes=sizes, thresholds=thresholds, arrival_rate=arrival_rate, throughput=throughput,
        split=split, q=q, m=m, q_exact=tuple(q_exact), m_exact=tuple(m_exact),
        strictly_convex=strictly, source=str(source), waiting=waiting, arrival_exact=arrival_exact,
        mean_exact=mean_exact, second_exact=sizes.second_moment_exact(mean_exact),
    )


def game_from_model(data: dict[str, Any], source: object) -> Game:
    """A [model] kind = "dual-work" problem mapping -> Game (see the module docstring)."""
    model = model_from_table(data, source)
    k = model.classes
    q = model.q_exact
    pi = np.empty((k, k), dtype=object)
    for x in range(k):
        for y in range(k):
            pi[x, y] = q[x] * q[y]
    shape = (2, 2, k, k)
    zero = Fraction(0)
    same, constant = model.waiting_terms()
    objective = np.full(shape, zero, dtype=object)
    split = np.full(shape, zero, dtype=object)
    for x in range(k):
        for y in range(k):
            for a in range(2):
                objective[a, a, x, y] = pi[x, y] * (same[x][y] + constant)
                objective[a, 1 - a, x, y] = pi[x, y] * constant
                split[a, 1 - a, x, y] = pi[x, y]
    balance = np.full(shape, zero, dtype=object)
    for x in range(k):
        for y in range(k):
            balance[0, 0, x, y] = pi[x, y]
            balance[1, 1, x, y] = -pi[x, y]
    constraints = [
        Constraint("split", split, "==", model.split, "P(a != b), weighted by pi"),
        Constraint("balance", balance, "==", Fraction(0), "P(a = b = 0) - P(a = b = 1)"),
    ]
    extra = data.get("constraints", [])
    if not isinstance(extra, list):
        raise BadInput(source, "constraints", "expected a list of tables ([[constraints]])")
    for index, entry in enumerate(extra):
        constraint = constraint_from_table(entry, index, pi, (k, k), (2, 2), source)
        if constraint.name in {c.name for c in constraints}:
            raise BadInput(source, f"constraints[{index}].name", f"'{constraint.name}' is already defined by the model")
        constraints.append(constraint)
    name = data.get("name", "dual-work")
    if not isinstance(name, str) or not name:
        raise BadInput(source, "name", "expected a non-empty string")
    expected = data.get("expected", {})
    if not isinstance(expected, dict):
        raise BadInput(source, "expected", "expected a table")
    description = data.get("description", "")
    return Game(
        name=name,
        inputs=(k, k),
        outputs=(2, 2),
        sense="min",
        objective_exact=objective,
        constraints=tuple(constraints),
        description=str(description),
        expected=expected,
        model=dict(data["model"]),
        source=str(source),
    )


def model_of(game: Game, throughput: object = None) -> DualWorkModel:
    """The DualWorkModel behind a generated Game (BadInput if it has none)."""
    if game.model is None:
        raise BadInput(game.source or game.name, "model", "this game was not generated from a [model] table")
    return model_from_table({"model": game.model}, game.source or game.name, throughput)


def load_model(problem: str | Path = "dual_work", throughput: object = None,
               fixed: Mapping[str, object] | None = None, arrival_rate: float | Fraction | None = None,
               waiting: str | None = None) -> tuple[Game, DualWorkModel]:
    """(Game, DualWorkModel) from a path or bundled name.

    ``throughput`` (--throughput) overrides the file's T, ``arrival_rate``
    (--arrival-rate, a number or exact Fraction) its lambda and ``waiting``
    (--waiting) its waiting model; an override that is bad input names the
    option, not the file.
    """
    if arrival_rate is None and waiting is None:
        game = load_game(problem, fixed)
        return game, model_of(game, throughput)
    path = resolve(problem)
    data = read_mapping(path)
    if not isinstance(data.get("model"), dict):
        raise BadInput(str(problem), "model", "--arrival-rate and --waiting need a [model] problem file")
    data = dict(data, model=dict(data["model"]))
    if waiting is not None:
        if waiting not in WAITING_MODELS:
            raise BadInput(None, "--waiting", f"expected one of {', '.join(WAITING_MODELS)}, got {waiting!r}")
        data["model"]["waiting"] = waiting
    if arrival_rate is not None:
        rate = Fraction(arrival_rate) if not isinstance(arrival_rate, float) else parse_number(arrival_rate, None, "--arrival-rate")
        if not rate > 0:
            raise BadInput(None, "--arrival-rate", f"lambda must be positive, got {float(rate):g}")
        data["model"]["arrival_rate"] = str(rate)
    try:
        game = game_from_mapping(data, str(problem))
    except BadInput as error:
        if error.key == "model.arrival_rate" and arrival_rate is not None:
            raise BadInput(None, "--arrival-rate", error.message) from None
        raise
    game = game.with_fixed(fixed or {})
    return game, model_of(game, throughput)


register_model("dual-work", game_from_model)  # [model] kind = "dual-work" files generate their game here
