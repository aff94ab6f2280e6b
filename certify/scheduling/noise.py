"""The dual-work frontier with noisy entanglement (docs/model.md, "Noisy pairs").

For each split p on the grid the ideal frontier point (certify.scheduling.
frontier.run_point: exact classical W, explicit quantum strategy, Tsirelson
and NPA bounds) is computed as always; then, for each requested visibility
v of the Werner pairs the servers share (certify.bounds.noise):

* a certified lower bound on W over every strategy measuring such pairs,
  with shared randomness ("werner-dual", exact for two size classes);
* the exact W of an explicit strategy (rational qubit measurements on the
  pair mixed with fixed answers, exact weights meeting p; "werner-strategy").

At v = 1 the Werner pair is the maximally entangled pair and the set of
correlators is Tsirelson's, so the ideal point's own results are reported
(today's frontier, exactly); at v = 0 the set is the local polytope and
both sides equal the exact classical W (the classical multipliers are among
those the dual tries, the classical optimum's strategies among the
candidates of the explicit side).

With ``critical`` each point also gets the certified interval [V_lo, V_hi]
of the critical visibility (certify.bounds.noise.critical_visibility).

With ``supply`` f < 1 only a share f of the request pairs finds a fresh pair
(heralded: both front-ends know); the policy mixes a Werner-pair strategy
(weight f) and a classical one, each with its own split, meeting p on
average. Both sides are certified the same way (the dual takes one
multiplier for both parts; the explicit side solves the mixing LP and then
its weights exactly). f = 1 is the visibility frontier, f = 0 the classical.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..bounds.noise import (
    classical_multipliers,
    critical_visibility,
    deterministic_strategies,
    solve_disjunctive,
    werner_dual_bound,
    werner_form,
    werner_strategy,
)
from ..errors import BadInput
from ..proofs.exact import DOWN, UP, safe_float
from .frontier import Frontier, PointJob, refuse_extra_constraints, run_point, run_points, split_grid, summarise


@dataclass
class NoisyJob:
    base: PointJob
    visibilities: tuple = ()  # exact Fractions in [0, 1]
    critical: bool = False
    supply: Fraction = Fraction(1)  # share of request pairs that find a fresh (heralded) pair
    same_split: bool = False  # both parts meet p on their own (pairs from a link with memories)


def result_key(side, v):
    """The key of a Werner result in a frontier point ("werner_lower v=9/10")."""
    return f"werner_{side} v={v}"


def fidelity(v):
    """Werner fidelity F = (1 + 3v)/4."""
    return (1 + 3 * Fraction(v)) / 4


def noisy_point(job):
    """run_point plus, per visibility, the Werner-pair bounds (and the critical visibility)."""
    start = time.perf_counter()
    point = run_point(job.base)
    game = job.base.game
    classical = point["results"]["classical"]
    c_exact = Fraction(classical["exact"]) if classical.get("exact") else None
    form = werner_form(game)
    entries = []
    same = job.same_split and job.supply != 1  # the split rule of both sides (a link: each part meets p)
    for v in job.visibilities:
        if v == 1 and job.supply == 1:
            lower_key, upper_key = "quantum_lower", "quantum_upper"
            lower_value, upper_value = point["quantum_lower"], point["quantum_upper"]
            lower_proven = max(Fraction(point["results"][key]["bound"]) for key in ("quantum_lower", "npa")
                               if key in point["results"] and point["results"][key]["certified"]
                               and point["results"][key].get("bound") is not None)
            upper_proven = Fraction(point["results"]["quantum_upper"]["achieved"])
            upper_ok = point["results"]["quantum_upper"]["certified"]
            upper_exact = Fraction(point["results"]["quantum_upper"]["certificate"]["value"]) if upper_ok else None
        else:
            iA, iB = game.inputs
            solution = solve_disjunctive(form, iA, iB, v, job.base.solver, 1 if same else job.supply)
            extra = [classical_multipliers(form, classical["certificate"])] if c_exact is not None else []
            lower = werner_dual_bound(game, v, extra, form=form, solution=solution, supply=job.supply,
                                      classical_multipliers=extra[0] if same and extra else None)
            upper = werner_strategy(game, v, deterministic=deterministic_strategies(classical["certificate"]),
                                    form=form, solution=solution, supply=job.supply, separate_splits=not same)
            lower_key, upper_key = result_key("lower", v), result_key("upper", v)
            point["results"][lower_key] = lower.to_json({"visibility": str(v), "supply": str(job.supply)})
            point["results"][upper_key] = upper.to_json({"visibility": str(v), "supply": str(job.supply)})
            lower_value, upper_value = lower.value, upper.value
            lower_proven, upper_proven = lower.proven[0], upper.proven[0]
            upper_exact = Fraction(upper.certificate["value"]) if upper.certified else None
        certified = c_exact is not None and upper_exact is not None and upper_exact < c_exact
        entries.append({
            "visibility": float(v),
            "visibility_exact": str(v),
            "fidelity": float(fidelity(v)),
            "supply": float(job.supply),
            "supply_exact": str(job.supply),
            "same_split": bool(same),
            "lower": lower_value,
            "upper": upper_value,
            "lower_result": lower_key,
            "upper_result": upper_key,
            # floats of proven numbers on their safe sides (certify verify checks them)
            "gap": safe_float(abs(upper_proven - lower_proven), UP),
            "advantage_certified": bool(certified),
            "advantage": safe_float(c_exact - upper_exact, DOWN) if certified else 0.0,
            "relative_advantage": safe_float((c_exact - upper_exact) / c_exact, DOWN) if certified and c_exact else 0.0,
        })
    point["noise"] = entries
    if job.critical and c_exact is not None:
        found = critical_visibility(game, classical["certificate"], c_exact, form)
        interval = {"lower": None, "upper": None, "lower_exact": None, "upper_exact": None}
        for side in ("lower", "upper"):
            if found[side] is not None:
                v = Fraction(found[side].certificate["visibility"])
                # the interval rounded outwards: no advantage below "lower", one above "upper"
                interval[side], interval[f"{side}_exact"] = safe_float(v, DOWN if side == "lower" else UP), str(v)
                point["results"][f"critical_{side}"] = found[side].to_json({"visibility": str(v)})
        interval["width"] = (safe_float(Fraction(interval["upper_exact"]) - Fraction(interval["lower_exact"]), UP)
                             if interval["upper"] is not None and interval["lower"] is not None else None)
        point["critical_visibility"] = interval
    point["seconds"] += time.perf_counter() - start
    return point


def summarise_critical(points):
    """The least critical visibility over the grid: [min V_lo, min V_hi] over splits with an advantage."""
    his = [(p["critical_visibility"]["upper"], p["split"]) for p in points
           if p.get("critical_visibility", {}).get("upper") is not None]
    los = [p["critical_visibility"]["lower"] for p in points
           if p.get("critical_visibility", {}).get("lower") is not None and p["critical_visibility"]["upper"] is not None]
    if not his:
        return {"least": None, "split": None}
    hi, split = min(his)
    return {"least": [min(los) if los else None, hi], "split": split}


def noisy_frontier(problem="dual_work", throughput=None, points=21, level="2", jobs=1, progress=None,
                   seesaw=False, visibilities=(), critical=False, solver=None, supply=1, same_split=False,
                   arrival_rate=None, waiting=None):
    """The frontier with Werner-pair bounds per visibility (and critical visibilities): a Frontier."""
    from ..bounds.npa import parse_level
    from ..games.dualwork import load_model
    from ..games.throughput import throughput_at

    start = time.perf_counter()
    game, model = load_model(problem, throughput, arrival_rate=arrival_rate, waiting=waiting)
    refuse_extra_constraints(problem, game)
    if level is not None:
        level = str(level)
        parse_level(level)
    werner_form(game)  # a game the Werner bounds cannot take is bad input before any work
    from .workers import check_noise_work

    check_noise_work(game.inputs, points, game.source or str(problem))
    visibilities = tuple(Fraction(v) for v in visibilities)
    jobs_list = [
        NoisyJob(PointJob(game.with_fixed({"split": p}), p,
                          throughput_at(model.throughput, model.arrival_rate, model.mean_size, float(p)), level, seesaw,
                          solver),
                 visibilities, critical, Fraction(supply), same_split)
        for p in split_grid(points)
    ]
    results = run_points(noisy_point, jobs_list, jobs, progress)
    summary = summarise(game, model, results)  # with visibilities, the headline is theirs
    if not visibilities:
        summary["noise"] = []
    if critical:
        summary["critical_visibility"] = summarise_critical(results)
    return Frontier(game, model, results, summary, time.perf_counter() - start,
                    {"visibilities": [str(v) for v in visibilities], "critical": critical, "supply": str(supply),
                     "same_split": same_split})


def noisy_frontier_json(result, options):
    """frontier_json, with every Werner result's certification folded into "certified"."""
    from .frontier import frontier_json

    data = frontier_json(result, options)
    data["certified"] = data["certified"] and all(
        node["certified"] for point in result.points for key, node in point["results"].items()
        if key.startswith(("werner_", "critical_"))
    )
    return data


def plot_noisy_frontier(result, path):
    """The noisy frontier's figure (drawn by certify.scheduling.plots, with the other figures)."""
    from .plots import plot_noisy_frontier as draw

    return draw(result, path)


# ---------------------------------------------------------------------------
# A quantum link: where the pairs come from (docs/model.md, "A link")

LINK_KEYS = {"rate", "t2", "cutoff", "memories", "policy", "visibility"}
POLICIES = ("freshest", "oldest")


@dataclass(frozen=True)
class Link:
    """Heralded pairs generated at ``rate`` (Poisson), stored in ``memories`` slots per node pair,
    depolarising with time constant ``t2`` (visibility v0 e^{-age/t2}), discarded at age ``cutoff``
    (inf: never); a request pair uses the freshest or the oldest stored pair ("freshest": a new
    pair then replaces the oldest one when the memory is full; "oldest": it is dropped)."""

    rate: float
    t2: float
    cutoff: float = math.inf
    memories: int = 1
    policy: str = "freshest"
    visibility: float = 1.0  # v0, of a fresh pair

    def to_json(self):
        return {"rate": self.rate, "t2": self.t2, "cutoff": None if math.isinf(self.cutoff) else self.cutoff,
                "memories": self.memories, "policy": self.policy, "visibility": self.visibility}


def link_from_table(table, source):
    """A Link from a problem file's [link] table; BadInput naming the key for anything wrong."""
    if not isinstance(table, dict):
        raise BadInput(source, "link", "expected a table")
    unknown = sorted(set(table) - LINK_KEYS)
    if unknown:
        raise BadInput(source, f"link.{unknown[0]}", f"unknown key (allowed: {', '.join(sorted(LINK_KEYS))})")

    def number(key, default=None, low=0.0, strict=True):
        value = table.get(key, default)
        if value is None:
            raise BadInput(source, f"link.{key}", "missing")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) and key != "cutoff":
            raise BadInput(source, f"link.{key}", f"expected a number, got {value!r}")
        if value < low or (strict and value == low):
            raise BadInput(source, f"link.{key}", f"must be {'>' if strict else '>='} {low}, got {value}")
        return float(value)

    memories = table.get("memories", 1)
    if isinstance(memories, bool) or not isinstance(memories, int) or memories < 1:
        raise BadInput(source, "link.memories", f"expected a whole number >= 1, got {memories!r}")
    policy = table.get("policy", "freshest")
    if policy not in POLICIES:
        raise BadInput(source, "link.policy", f"expected one of {', '.join(POLICIES)}, got {policy!r}")
    visibility = number("visibility", 1.0)
    if visibility > 1:
        raise BadInput(source, "link.visibility", f"a visibility is at most 1, got {visibility}")
    return Link(rate=number("rate"), t2=number("t2"), cutoff=number("cutoff", math.inf), memories=memories,
                policy=policy, visibility=visibility)


def link_model(link, arrival_rate):
    """(supply f, mean visibility of the pair used) from the analytic model, one memory per node.

    Requests arrive at rate lambda, pairs at rate mu, gamma = 1/T2, cutoff tau
    (PASTA: a request sees the memory's time-stationary state).

    * freshest (a new pair replaces the stored one): the memory holds a pair
      iff the last pair arrived A ~ Exp(mu) ago with A < tau and no request
      came since (probability e^{-lambda A}); the used pair's age has density
      mu e^{-(mu + lambda) a} on [0, tau]:
        f = mu/(mu + lambda) (1 - e^{-(mu + lambda) tau}),
        v = v0 (mu + lambda)/(mu + lambda + gamma) (1 - e^{-(mu+lambda+gamma) tau}) / (1 - e^{-(mu+lambda) tau}).
    * oldest (a new pair is dropped while the memory is full): empty periods
      Exp(mu) alternate with full ones min(Exp(lambda), tau) (alternating
      renewal), and a request finds a pair of age a with density
      proportional to e^{-lambda a} on [0, tau]:
        f = mu (1 - e^{-lambda tau}) / (lambda + mu (1 - e^{-lambda tau})),
        v = v0 lambda/(lambda + gamma) (1 - e^{-(lambda + gamma) tau}) / (1 - e^{-lambda tau}).

    Front-ends that do not look at the pair's age hold, on average, the
    Werner pair of the mean visibility (Werner states mix linearly in v), so
    (f, v) is exactly what the frontier needs. More memories: only simulated
    (simulate_link); the analytic model says so (BadInput).
    """
    if link.memories != 1:
        raise BadInput(None, "link.memories", "the analytic link model covers one memory per node; "
                                              "simulate_link measures more")
    lam, mu, gamma, tau, v0 = float(arrival_rate), link.rate, 1.0 / link.t2, link.cutoff, link.visibility

    def tail(rate):  # 1 - e^{-rate tau}
        return 1.0 if math.isinf(tau) else -math.expm1(-rate * tau)

    if link.policy == "freshest":
        f = mu / (mu + lam) * tail(mu + lam)
        v = v0 * (mu + lam) / (mu + lam + gamma) * tail(mu + lam + gamma) / tail(mu + lam)
    else:
        f = mu * tail(lam) / (lam + mu * tail(lam))
        v = v0 * lam / (lam + gamma) * tail(lam + gamma) / tail(lam)
    return f, v


def link_process(link, request_times, rng):
    """Run the link against request pairs arriving at ``request_times`` (increasing).

    Pairs arrive (Poisson, rate mu), wait in the memories, are discarded at
    the cutoff, and are consumed by requests (the freshest or the oldest).
    Returns (used, visibility): per request, whether it found a pair and the
    visibility v0 e^{-age/T2} of the pair it used (0 when none).
    """
    end = float(request_times[-1])
    pairs = np.cumsum(rng.exponential(1.0 / link.rate, int(link.rate * end * 1.2) + 100))
    pair_times = pairs[pairs <= end]
    times = np.asarray(request_times, dtype=float)
    if link.memories == 1 and len(pair_times):
        held, used = _held_pair_one_memory(link, times, pair_times)
    else:
        held, used = _held_pair_events(link, times, pair_times)
    vis = np.where(used, link.visibility * np.exp(-(times - held) / link.t2), 0.0)
    return used, vis


def _held_pair_one_memory(link, times, pair_times):
    """link_process's pairs with one memory per node, for all requests at once.

    Every request empties the memory (it uses the pair or finds it gone), so
    request i sees only the pairs of (t_{i-1}, t_i]. "freshest" keeps the last
    of them; "oldest" keeps the first, and after it expires the first pair
    arriving a cutoff or more after it, and so on (a chain followed for the
    requests still moving). The request uses the held pair unless it is a
    cutoff or more old: the rules of _held_pair_events, whose answers the tests
    compare with these.
    """
    previous = np.concatenate([[-np.inf], times[:-1]])
    first = np.searchsorted(pair_times, previous, side="right")  # the first pair after the last request
    last = np.searchsorted(pair_times, times, side="right") - 1  # the last pair by this request
    found = first <= last
    index = np.where(found, last if link.policy == "freshest" else first, 0)
    if link.policy != "freshest" and math.isfinite(link.cutoff):
        moving = np.flatnonzero(found)
        while len(moving):
            following = np.searchsorted(pair_times, pair_times[index[moving]] + link.cutoff, side="left")
            step = following <= last[moving]
            index[moving[step]] = following[step]
            moving = moving[step]
    held = pair_times[index]
    return held, found & (times - held < link.cutoff)


def _held_pair_events(link, times, pair_times):
    """link_process's pairs, event by event (any number of memories): per request, the arrival
    time of the pair it uses (0 when none) and whether it found one."""
    from collections import deque

    pair_times = pair_times.tolist()
    held = np.zeros(len(times))
    used = np.zeros(len(times), dtype=bool)
    memory = deque()  # arrival times of stored pairs, oldest first
    cutoff, capacity, freshest = link.cutoff, link.memories, link.policy == "freshest"
    j, count = 0, len(pair_times)
    for i, t in enumerate(times.tolist()):
        while j < count and pair_times[j] <= t:
            arrival = pair_times[j]
            while memory and arrival - memory[0] >= cutoff:
                memory.popleft()
            if len(memory) < capacity:
                memory.append(arrival)
            elif freshest:
                memory.popleft()
                memory.append(arrival)
            j += 1
        while memory and t - memory[0] >= cutoff:
            memory.popleft()
        if memory:
            held[i] = memory.pop() if freshest else memory.popleft()
            used[i] = True
    return held, used


def simulate_link(link, arrival_rate, requests=200000, seed=0, batches=20):
    """Event simulation of the link alone (link_process against Poisson request pairs).

    Returns {"supply": (mean, ci95), "visibility": (mean, ci95)} by batch means.
    """
    from scipy import stats

    rng = np.random.default_rng(seed)
    request_times = np.cumsum(rng.exponential(1.0 / float(arrival_rate), requests))
    used, vis = link_process(link, request_times, rng)
    edges = np.linspace(0, requests, batches + 1).astype(int)
    f_batches = np.array([used[a:b].mean() for a, b in zip(edges, edges[1:])])
    v_batches = np.array([vis[a:b][used[a:b]].mean() for a, b in zip(edges, edges[1:])])
    t = float(stats.t.ppf(0.975, batches - 1))
    return {
        "supply": (float(used.mean()), t * float(np.std(f_batches, ddof=1)) / math.sqrt(batches)),
        "visibility": (float(vis[used].mean()), t * float(np.std(v_batches, ddof=1)) / math.sqrt(batches)),
    }


def link_operating_point(problem="dual_work", throughput=None, arrival_rate=None, waiting=None):
    """(Link, supply, visibility) of a problem file's [link] table at its arrival rate (or ``arrival_rate``).

    The analytic values are rounded down to 12 decimals as exact rationals:
    fewer and noisier pairs than the link delivers, so an explicit strategy
    for them is realisable with the link's pairs (depolarise, or skip some).
    """
    from ..games.game import read_mapping, resolve
    from ..games.dualwork import load_model

    path = resolve(problem, "PROBLEM")
    data = read_mapping(path)
    if "link" not in data:
        raise BadInput(path, "link", "no [link] table in this problem file (rate, t2, cutoff, memories, policy)")
    link = link_from_table(data["link"], path)
    if arrival_rate is None:
        _, model = load_model(problem, throughput, waiting=waiting)
        arrival_rate = model.arrival_rate
    f, v = link_model(link, arrival_rate)
    down = 10**12
    return link, Fraction(math.floor(f * down), down), Fraction(math.floor(v * down), down)


def link_answers(certificate, link):
    """Answers for request pairs served by a link, from a supply strategy's certificate.

    The certificate's components marked "pair" are played when the request
    finds a pair (in proportion to their weights), the others when it does
    not. Correlators are linear in the visibility of the pair used,
    E = v E1 + E0 (E1 = u.w where both measure the pair, E0 = d e where both
    answer fixed signs), so each request samples from the behaviour of the
    pair it actually used. Answers are flip-symmetric (a shared coin), as in
    the model. Returns a callable (rng, times, x, y) -> (a, b, used, visibility).
    """
    from ..proofs.exact import exact_inner
    from ..proofs.noise import parse_measurement

    groups = {True: [], False: []}
    for entry in certificate["mixture"]:
        A = [parse_measurement(m) for m in entry["A"]]
        B = [parse_measurement(m) for m in entry["B"]]
        flag = entry.get("pair", any(not isinstance(m, int) for m in A + B))
        E1 = np.array([[float(exact_inner(a, b)) if not isinstance(a, int) and not isinstance(b, int) else 0.0
                        for b in B] for a in A])
        E0 = np.array([[float(a * b) if isinstance(a, int) and isinstance(b, int) else 0.0 for b in B] for a in A])
        groups[bool(flag)].append((float(Fraction(entry["weight"])), E1, E0))

    def average(group):
        total = sum(w for w, _, _ in group)
        if not total:
            return None, None
        return (sum(w * E1 for w, E1, _ in group) / total, sum(w * E0 for w, _, E0 in group) / total)

    pair_E1, pair_E0 = average(groups[True])
    none_E1, none_E0 = average(groups[False])

    def answers(rng, times, x, y):
        used, vis = link_process(link, times, rng)
        if pair_E1 is None:
            used = np.zeros_like(used)
        E = np.zeros(len(x))
        if pair_E1 is not None:
            E = np.where(used, vis * pair_E1[x, y] + pair_E0[x, y], E)
        if none_E0 is not None:
            E = np.where(used, E, none_E0[x, y])  # no pair: only fixed answers
        a = rng.integers(0, 2, len(x))
        same = rng.random(len(x)) < (1 + E) / 2
        return a, np.where(same, a, 1 - a), used, vis

    return answers


def link_strategy(problem, game, model):
    """(Result of the explicit supply strategy at the link's operating point, answers callable, link info).

    The strategy is optimised for pairs of the link's mean visibility with
    its supply (both rounded down, link_operating_point); the answers
    callable (link_answers) runs the link itself against the request times.
    """
    from ..bounds.classical import classical_value

    link, supply, v = link_operating_point(problem, arrival_rate=model.arrival_rate)
    classical = classical_value(game)
    # Both parts at split p: a memory makes pair availability correlated over time, and only a split that
    # does not depend on it keeps the interruptions Poisson (so Theta is the model's).
    result = werner_strategy(game, v, deterministic=deterministic_strategies(classical.certificate), supply=supply,
                             separate_splits=False)
    info = {**link.to_json(), "supply_model": float(supply), "mean_visibility_model": float(v)}
    return result, link_answers(result.certificate, link), info
