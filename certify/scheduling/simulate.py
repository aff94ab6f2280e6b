"""Event simulation of the real dual-work system, to check the model's formulas.

docs/model.md. The model's W is the exact mean waiting of the M^X/G/1
queues at the load simulated (batch Pollaczek-Khinchine and PASTA;
certify.scheduling.model), or its light-traffic limit with
--waiting light-traffic; Theta(p) = 2 (1 - rho) r E[T(R)] is exact at every
stable load. This simulation uses neither formula:

* pairs arrive as a Poisson process of rate lambda; sizes S_A, S_B are drawn
  i.i.d. from the model's size law; the front-ends see the size classes x, y;
* answers (a, b) are sampled from the behaviour p(a,b|x,y) of a strategy: the
  exact classical optimum at split p (its rational mixture of deterministic
  strategies), or the explicit quantum strategy of certify.bounds.correlator (vectors
  rounded to exact unit vectors, mixed to meet p exactly);
* each server is a FCFS single-server queue; the two requests of a
  concentrated pair join it at the same instant in random order;
* a server runs its baseline task whenever it is empty; a run starts when the
  server empties (or at time 0) and is preempted by the next arrival; its
  length t is measured and T(t) credited.

Waiting times come from Lindley's recursion W_k = max(0, W_{k-1} + S_{k-1} -
(t_k - t_{k-1})) per server, solved in closed form with numpy:
W_k = Z_k - min_{j <= k} Z_j where Z is the cumulative sum of the increments
(the reflection of a random walk; Asmussen, Applied Probability and Queues,
ch. III), so 10^6 pairs take a fraction of a second without a compiled loop.
Run lengths are t_k - D_{k-1} where positive (D the departure times).

Confidence intervals are 95% batch means (Law and Kelton, Simulation Modeling
and Analysis, ch. 9): the pairs are cut into B consecutive batches; for W the
batch means of the customers' waits, for Theta the baseline value credited in
each batch's time window divided by its length; half-width
t_{0.975, B-1} s / sqrt(B).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..errors import BadInput

STRATEGIES = ("classical", "quantum", "link")


@dataclass
class Estimate:
    mean: float
    ci95: float
    model: float

    def to_json(self):
        return {"mean": self.mean, "ci95": self.ci95, "model": self.model,
                "interval": [self.mean - self.ci95, self.mean + self.ci95],
                "model_inside": abs(self.mean - self.model) <= self.ci95}


@dataclass
class Simulation:
    game: object
    model: object
    split: Fraction
    strategy: str
    pairs: int
    seed: int
    batches: int
    waiting: Estimate
    throughput: Estimate
    strategy_result: object
    seconds: float
    details: dict = field(default_factory=dict)


def strategy_behaviour(game, strategy):
    """(behaviour p[a,b,x,y] as floats, the Result whose certificate it comes from)."""
    if strategy == "classical":
        from ..bounds.classical import classical_value
        from ..proofs.deterministic import DeterministicStrategy

        result = classical_value(game)
        p = np.zeros(game.shape)
        for entry in result.certificate["mixture"]:
            p += float(Fraction(entry["weight"])) * DeterministicStrategy.from_json(entry).behaviour(game.outputs)
        # the shared coin flipping both answers: uniform marginals, same W and split (model docstring)
        return (p + p[::-1, ::-1]) / 2, result
    if strategy == "quantum":
        from ..proofs.correlator import correlation_behaviour, mixture_correlators, read_mixture
        from ..bounds.correlator import quantum_strategy

        result = quantum_strategy(game)
        E = mixture_correlators(read_mixture(result.certificate), *game.inputs)
        return np.vectorize(float, otypes=[float])(correlation_behaviour(E)), result
    raise BadInput(None, "--strategy", f"expected one of {', '.join(STRATEGIES)}, got {strategy!r}")


def _sample_answers(rng, behaviour, x, y):
    """(a, b) for each pair from p(a,b|x,y): one uniform per pair against the cumulative table."""
    oA, oB = behaviour.shape[:2]
    table = np.cumsum(behaviour.reshape(oA * oB, *behaviour.shape[2:]), axis=0)
    table[-1] = 1.0  # guard against rounding: the last outcome takes the rest
    u = rng.random(len(x))
    outcome = (u[None, :] >= table[:, x, y]).sum(axis=0)
    outcome = np.minimum(outcome, oA * oB - 1)
    return outcome // oB, outcome % oB


def _server(arrivals, sizes):
    """Lindley's recursion in closed form: (waits, run lengths before each arrival)."""
    increments = np.empty(len(arrivals))
    increments[0] = 0.0
    increments[1:] = sizes[:-1] - np.diff(arrivals)
    walk = np.cumsum(increments)
    waits = walk - np.minimum.accumulate(np.minimum(walk, 0.0))
    waits = np.maximum(waits, 0.0)
    departures = arrivals + waits + sizes
    previous = np.empty(len(arrivals))
    previous[0] = 0.0
    previous[1:] = np.maximum.accumulate(departures)[:-1]
    runs = np.maximum(arrivals - previous, 0.0)
    return waits, runs


def _batch_interval(values):
    from scipy import stats  # here, not at import (1 s in a fresh process): bad options are refused first

    values = np.asarray(values, dtype=float)
    count = len(values)
    spread = float(np.std(values, ddof=1)) if count > 1 else math.inf
    return float(stats.t.ppf(0.975, count - 1)) * spread / math.sqrt(count)


def simulate(problem="dual_work", split=Fraction(1, 2), strategy="classical", pairs=10**6, seed=0,
             batches=20, throughput=None, arrival_rate=None, waiting=None):
    """Simulate the two queues under a strategy's routing at split p; W and Theta with 95% CIs.

    The strategy is optimised for, and its model W computed under, the game at
    the simulated load (``arrival_rate`` overrides the file's lambda) and
    waiting model (``waiting``, default "exact").
    """
    from ..games.limits import check
    from ..games.dualwork import load_model
    from ..games.throughput import throughput_at

    start = time.perf_counter()
    if not isinstance(pairs, int) or pairs < 2 * batches:
        raise BadInput(None, "--pairs", f"need at least {2 * batches} pairs ({batches} batches), got {pairs}")
    if batches < 2:
        raise BadInput(None, "--batches", f"need at least 2 batches, got {batches}")
    check("CERTIFY_MAX_PAIRS", pairs, None, "--pairs",
          f"{pairs} pairs would hold about {pairs * 300 / 2**30:.3g} GB in memory", "use fewer --pairs")
    split = Fraction(split)
    if not 0 <= split <= 1:
        raise BadInput(None, "--split", f"a probability must lie in [0, 1], got {split}")
    game, model = load_model(problem, throughput, {"split": split}, arrival_rate=arrival_rate, waiting=waiting)
    answers = link_info = None
    if strategy == "link":  # pairs from the problem file's [link], run for real (certify.scheduling.noise)
        from .noise import link_strategy

        result, answers, link_info = link_strategy(problem, game, model)
    else:
        behaviour, result = strategy_behaviour(game, strategy)
    w_model = float(result.value)  # the exact W of the strategy, from its certificate
    theta_model = throughput_at(model.throughput, model.arrival_rate, model.mean_size, float(split))

    rng = np.random.default_rng(seed)
    n = pairs
    times = np.cumsum(rng.exponential(1.0 / model.arrival_rate, n))
    size_a = model.sizes.sample(rng, n)
    size_b = model.sizes.sample(rng, n)
    x = model.size_class(size_a)
    y = model.size_class(size_b)
    if answers is None:
        a, b = _sample_answers(rng, behaviour, x, y)
    else:  # each request pair samples from the behaviour of the pair it actually used, if any
        a, b, used, visibility = answers(rng, times, x, y)
        link_info.update(supply_observed=float(used.mean()),
                         mean_visibility_observed=float(visibility[used].mean()) if used.any() else None)
    first = rng.integers(0, 2, n)  # who is served first in a concentrated pair

    server = np.concatenate([a, b])
    arrival = np.concatenate([times, times])
    size = np.concatenate([size_a, size_b])
    pair = np.concatenate([np.arange(n), np.arange(n)])
    order = np.concatenate([first, 1 - first])
    index = np.lexsort((order, arrival, server))
    waits = np.empty(2 * n)
    runs = np.zeros(2 * n)
    for s in (0, 1):
        chosen = index[server[index] == s]
        if len(chosen):
            w, r = _server(arrival[chosen], size[chosen])
            waits[chosen] = w
            runs[chosen] = r
    value = model.throughput(runs)

    # Batch means over consecutive blocks of pairs.
    edges = np.linspace(0, n, batches + 1).astype(int)
    batch_of_pair = np.searchsorted(edges[1:], np.arange(n), side="right")
    batch = batch_of_pair[pair]
    wait_means = np.bincount(batch, weights=waits, minlength=batches) / np.bincount(batch, minlength=batches)
    window_end = times[edges[1:] - 1]
    window_start = np.concatenate([[0.0], window_end[:-1]])
    credited = np.bincount(batch, weights=value, minlength=batches)
    rates = credited / (window_end - window_start)
    waiting = Estimate(float(waits.mean()), _batch_interval(wait_means), w_model)
    theta = Estimate(float(value.sum() / times[-1]), _batch_interval(rates), theta_model)
    details = {
        "load": model.arrival_rate * model.mean_size,
        "arrival_rate": model.arrival_rate,
        "waiting_model": model.waiting,
        "runs": int(np.count_nonzero(runs > 0)),
        "simulated_time": float(times[-1]),
        "split_observed": float(np.mean(a != b)),
        "concentrated_on_0": float(np.mean((a == b) & (a == 0))),
        "concentrated_on_1": float(np.mean((a == b) & (a == 1))),
    }
    if link_info is not None:
        details["link"] = link_info
    return Simulation(game, model, split, strategy, n, seed, batches, waiting, theta, result,
                      time.perf_counter() - start, details)


def simulation_json(sim, options):
    """The contract envelope with "waiting" and "throughput" (README, JSON section)."""
    from ..report.results import envelope

    body = {
        # The simulation proves nothing; "value" is the model W of the simulated
        # strategy, which its certificate (re-checked by certify verify) proves.
        "value": sim.waiting.model,
        "exact": None,
        "certified": bool(sim.strategy_result.certified),
        "certificate": {"kind": "simulation", "strategy": sim.strategy,
                        "note": "waiting and throughput are estimates, not bounds",
                        "strategy_result": sim.strategy_result.to_json()},
        "solver": {"name": "numpy event simulation", "seed": sim.seed, "status": "done"},
        "seconds": round(sim.seconds, 6),
        "split": float(sim.split),
        "arrival_rate": sim.model.arrival_rate,
        "waiting_model": sim.model.waiting,
        "strategy": sim.strategy,
        "pairs": sim.pairs,
        "batches": sim.batches,
        "waiting": sim.waiting.to_json(),
        "throughput": sim.throughput.to_json(),
        "model": sim.model.to_json(),
        "details": sim.details,
    }
    return envelope("simulate", sim.game, options, body)
