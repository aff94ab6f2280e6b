"""The throughput-waiting Pareto frontiers of the dual-work model (docs/model.md).

For each split probability p on a grid, with Theta(p) = 2 (1 - rho) r E[T(R)]
(certify.games.throughput), three bounds on the minimal mean waiting W at that p:

* classical: the exact minimum (certify.bounds.classical, an LP with rational
  certificate);
* quantum_upper: W reached by an explicit quantum strategy, exactly;
* quantum_lower: a rigorous lower bound on W over every quantum behaviour.

Quantum part. The dual-work objective and split constraint are invariant
under flipping both answers, and balance is odd under it, so (see the
correlation section of certify.proofs) they depend on a behaviour only
through its correlators E_xy, and the flip-symmetrised behaviour meets
balance. By Tsirelson's theorem (Lett. Math. Phys. 4, 93 (1980)) the
quantum correlators are exactly the Gram entries u_x . v_y of unit vectors,
so the quantum minimum of W at split p is the SDP

    min K + g.E   over  G >= 0, diag G = 1, E = G[A, B],  K_s + h.E = p,

(NPA level 1 on +-1 observables, which equals the quantum value here; any
NPA level >= 1 gives the same number). Its solution gives vectors of rank r
(r(r+1)/2 <= iA + iB + 1 at an extreme optimum, so r <= 3, qubits, for up to
four size classes: Pataki's rank bound). The vectors are rounded to exact
rational unit vectors (inverse stereographic projection of a rational point),
their exact split p' is mixed with the never-split or always-split strategy
with an exact weight to meet p exactly, and W of the result is an exact
rational (``check_correlation_strategy``). The dual SDP, rationalised and
shifted until its slack is exactly positive definite, gives the lower bound
(``check_correlation_dual``). Both are re-checked by ``certify verify``.
The NPA bound (certify.bounds.npa) at the requested level
is computed too and the tighter certified lower bound is reported.

An advantage at p is certified when quantum_upper < classical exactly: both
are exact rationals of certified objects, so no error bound is needed.

Each grid point is a pure function of (game, p, options) and runs in its own
process with --jobs. Summary figures (largest relative waiting reduction at
equal throughput, largest relative throughput gain at equal waiting) use the
exact classical frontier, the lower convex hull of the (split, W) points of
the deterministic strategies (shared randomness mixes them; a flip-symmetrised
strategy meets balance at no cost).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..bounds.correlator import correlation_form, quantum_dual_bound, quantum_strategy
from ..bounds.classical import classical_value
from ..bounds.npa import npa_bound
from ..proofs.exact import DOWN, UP, safe_float
from ..proofs.npa import parse_level
from ..proofs.frontier import (
    classical_hull, comparison_statement, dual_line, hull_value, noise_summary, reduction_bounds,
    reduction_summary, value_meaning,
)
from ..proofs.figures import hull_inverse  # the checker's, which recomputes the summary's gain
from ..errors import BadInput, SolverFailed



# ---------------------------------------------------------------------------
# One point of the frontier (a pure function of its inputs)


@dataclass
class PointJob:
    game: object  # the dual-work game with split fixed at p
    split: Fraction
    throughput: float
    level: str | None = None
    seesaw: bool = False  # also run certify.bounds.seesaw as an independent cross-check
    solver: str | None = None  # SDP solver of the registry (certify.bounds.solvers); None: its default


def run_point(job):
    """Classical (exact), quantum strategy (exact W) and quantum lower bound at one split."""
    start = time.perf_counter()
    game = job.game
    classical = classical_value(game)
    form = correlation_form(game)
    upper = quantum_strategy(game, form, job.solver)
    lower = quantum_dual_bound(game, form, job.solver)
    npa = None
    npa_trouble = None
    if job.level is not None:
        # The NPA bound is a cross-check here (the Tsirelson dual above is
        # already the quantum value): solver trouble is reported, not fatal.
        try:
            npa = npa_bound(game, level=job.level, solver=job.solver)
        except SolverFailed as error:
            npa_trouble = str(error)
    seesaw = None
    if job.seesaw:
        from ..bounds.seesaw import seesaw_bound

        # Independent cross-check: the generic see-saw in dimension 2 (its
        # witness also meets the split exactly). It is reported beside the
        # explicit correlator strategy, which already reaches the quantum
        # optimum, so it is not needed to certify the advantage.
        seesaw = seesaw_bound(game, dim=2, restarts=20, seed=0, solver=job.solver)
    lowers = [r for r in (lower, npa) if r is not None and r.certified]
    best_lower = max(lowers, key=lambda r: r.value) if lowers else lower
    if upper.proven[0] is None or best_lower.proven[0] is None:
        # no certified number on one side: nothing this point could state (said in one line, not a traceback)
        failed = upper if upper.proven[0] is None else best_lower
        raise SolverFailed("correlator", "not certified", f"at split {job.split}: {'; '.join(failed.problems) or 'no value'}")
    c_exact = classical.exact if classical.certified else None
    q_exact = Fraction(upper.certificate["value"]) if upper.certified else None
    problems = []
    if best_lower.certified and upper.certified and best_lower.value > upper.value + 1e-12:
        problems.append(f"lower bound {best_lower.value} above the achieved {upper.value}")
    certified = c_exact is not None and q_exact is not None and q_exact < c_exact and not problems
    point = {
        "split": float(job.split),
        "split_exact": str(job.split),
        "throughput": job.throughput,
        "classical": classical.value,
        "quantum_lower": best_lower.value,
        "quantum_upper": upper.value,
        "advantage_certified": bool(certified),
        # floats of proven numbers, rounded on the safe side (certify verify checks them)
        "advantage": (safe_float(c_exact - q_exact, DOWN) if certified else 0.0),
        "relative_advantage": (safe_float((c_exact - q_exact) / c_exact, DOWN) if certified and c_exact else 0.0),
        "gap_npa": safe_float(abs(upper.proven[0] - best_lower.proven[0]), UP),
        "results": {
            "classical": classical.to_json(),
            "quantum_upper": upper.to_json(),
            "quantum_lower": lower.to_json(),
        },
        "seconds": time.perf_counter() - start,
    }
    if npa is not None:
        point["results"]["npa"] = npa.to_json({"level": job.level})
        point["npa_level"] = job.level
        point["npa_bound"] = npa.value
    if seesaw is not None:
        point["results"]["seesaw"] = seesaw.to_json({"dim": 2, "restarts": 20, "seed": 0})
        point["seesaw"] = seesaw.value
        point["seesaw_certified"] = bool(seesaw.certified)
    if npa_trouble:
        point["npa_level"] = job.level
        point["npa_problem"] = npa_trouble
    if problems:
        point["problems"] = problems
    return point


def _in_worker(function, job):
    """function(job) in a worker process: certify's errors travel back as plain data."""
    from ..errors import CertifyError

    try:
        return function(job)
    except CertifyError as error:
        return {"error": type(error).__name__, "message": str(error)}


def _reraise(point):
    if isinstance(point, dict) and "error" in point:
        if point["error"] == "BadInput":
            raise BadInput(None, None, point["message"])
        raise SolverFailed("worker", "failed", point["message"])
    return point


def run_points(function, jobs_list, jobs=1, progress=None):
    """[function(job) for job in jobs_list], in ``jobs`` worker processes when jobs > 1.

    Each point is a pure function of its job, so the order of completion does
    not matter; certify's errors in a worker are raised again here.
    """
    results = [None] * len(jobs_list)
    if jobs > 1 and len(jobs_list) > 1:
        from concurrent.futures import as_completed
        from functools import partial

        from ..processes import worker_pool

        # workers that leave Ctrl-C to this process (certify.processes)
        with worker_pool(jobs, lambda pool: {pool.submit(partial(_in_worker, function), job): index
                                             for index, job in enumerate(jobs_list)}) as futures:
            for future in as_completed(futures):
                results[futures[future]] = _reraise(future.result())
                if progress:
                    progress()
    else:
        for index, job in enumerate(jobs_list):
            results[index] = function(job)
            if progress:
                progress()
    return results


# ---------------------------------------------------------------------------
# The frontier


def split_grid(points):
    """points splits i/(points-1) in [0, 1], exact (both ends included: W is 1/2 E[S] and 0 there)."""
    from ..games.limits import check

    if points < 2:
        raise BadInput(None, "--points", f"need at least 2 points, got {points}")
    check("CERTIFY_MAX_POINTS", points, None, "--points", f"{points} frontier points", "choose fewer --points")
    return [Fraction(i, points - 1) for i in range(points)]


@dataclass
class Frontier:
    game: object
    model: object
    points: list
    summary: dict
    seconds: float
    options: dict = field(default_factory=dict)


class _Refiner:
    """Certified quantum points and dual lines at extra splits (continuous search for the suprema)."""

    def __init__(self, game, hull, points, solver=None):
        self.game, self.hull, self.solver = game, hull, solver
        self.certified, self.lines, self.cache = [], [], {}
        self.refinement = []  # per extra split: the strategy and dual certificates that passed
        for point in points:
            results = point["results"]
            if results["quantum_upper"]["certified"]:
                self.certified.append((Fraction(point["split_exact"]),
                                       Fraction(results["quantum_upper"]["certificate"]["value"])))
            if results["quantum_lower"]["certified"]:
                line = dual_line(game, results["quantum_lower"]["certificate"])
                if line is not None:
                    self.lines.append(line)

    def evaluate(self, p):
        """Certify at split p (a rational); returns the exact W of the explicit strategy, or None."""
        if p in self.cache:
            return self.cache[p]
        game = self.game.with_fixed({"split": p})
        form = correlation_form(game)
        try:
            upper = quantum_strategy(game, form, self.solver)
            lower = quantum_dual_bound(game, form, self.solver)
        except SolverFailed:
            self.cache[p] = None
            return None
        w = Fraction(upper.certificate["value"]) if upper.certified else None
        if w is not None:
            self.certified.append((p, w))
        line = dual_line(self.game, lower.certificate) if lower.certified else None
        if line is not None:
            self.lines.append(line)
        self.refinement.append({"split": str(p), "strategy": upper.certificate if w is not None else None,
                                "dual": lower.certificate if line is not None else None})
        self.cache[p] = w
        return w

    def search(self, objective, around, grid):
        """Maximise objective(C, W_q) over p near the grid point ``around`` (scipy bounded Brent)."""
        from scipy.optimize import minimize_scalar

        index = grid.index(around)
        low, high = grid[max(index - 1, 0)], grid[min(index + 1, len(grid) - 1)]
        if high - low <= 0:
            return

        def negative(x):
            p = Fraction(float(x)).limit_denominator(10**6)
            w = self.evaluate(p)
            return 0.0 if w is None else -float(objective(hull_value(self.hull, p), w))

        minimize_scalar(negative, bounds=(float(low), float(high)), method="bounded", options={"xatol": 1e-4})


def waiting_reduction(game, points, solver=None):
    """The largest waiting reduction at equal throughput (equal split), independent of the grid.

    Relative: R(p) = (C(p) - Q(p)) / C(p), C the exact classical frontier
    and Q the quantum optimum. Absolute: C(p) - Q(p). Their suprema over p
    are located by a bounded scalar search around the best grid point
    (each trial split is certified: an explicit strategy and a dual line),
    and bracketed rigorously by ``reduction_bounds``: ``certified`` is
    reached by an explicit strategy at ``split``, ``upper`` bounds the
    supremum from above.

    When C(1) = 0 (the light-traffic limit: always splitting waits nothing)
    both C and Q vanish at p = 1 and R increases along the last classical
    segment (Q/C is a chord slope of a convex function over a linear one),
    so the supremum of R is the limit p -> 1, not attained. It is then
    reported as a limit, with certified values at p = 1 - 10^-k, k = 3..5,
    approaching it (error O(1 - p)).
    """
    hull = classical_hull(game)
    grid = [Fraction(point["split_exact"]) for point in points]
    refiner = _Refiner(game, hull, points, solver)
    relative, _, absolute, _ = reduction_bounds(hull, refiner.lines, refiner.certified)
    limit = hull[-1][1] == 0 and hull[-1][0] == 1
    if relative[1] is not None:
        refiner.search(lambda c, w: (c - w) / c if c > 0 else Fraction(0), relative[1], grid)
    if absolute[1] is not None:
        refiner.search(lambda c, w: c - w, absolute[1], grid)
    if limit:
        for k in (3, 4, 5):
            refiner.evaluate(1 - Fraction(1, 10**k))
    result = reduction_summary(hull, refiner.certified, refiner.lines)
    result["refinement"] = refiner.refinement  # the extra certificates, so verify rebuilds the result
    return result


def _largest(exact_values):
    """The largest of some exact differences as a float rounded up, or None."""
    values = list(exact_values)
    return safe_float(max(values), UP) if values else None


def _witness(point: dict, key: str) -> Fraction | None:
    """The exact W of the point's certified witness under ``key``, or None."""
    result = point["results"].get(key)
    return Fraction(result["certificate"]["value"]) if result and result["certified"] else None


def settings_of(points: list[dict]) -> list[tuple[Fraction, Fraction, bool]]:
    """The noise settings the rows state [(visibility, supply, same_split)], in order ([] for ideal pairs)."""
    entries = points[0].get("noise") or [] if points else []
    return [(Fraction(e["visibility_exact"]), Fraction(e["supply_exact"]), e["same_split"]) for e in entries]


def summarise(game, model, points, solver=None):
    """Largest W reduction at equal Theta and largest Theta gain at equal W: the headline.

    For ideal pairs the reductions are grid-independent suprema (``waiting_reduction``); with
    noise settings (rows with "noise") the headline is the settings' own over the grid
    (certify.proofs.frontier.noise_summary), restated at the top when there is one setting;
    a throughput gain is given for one headline only (ideal pairs, or one setting).
    """
    from ..games.throughput import throughput_at

    best_t = {"value": 0.0, "split": None, "classical_split": None}
    hull = classical_hull(game)
    trade_off = bool(model.strictly_convex)
    settings = settings_of(points)
    for point in points:
        if settings:
            entry = point["noise"][0]
            certified, key = entry["advantage_certified"] and len(settings) == 1, entry["upper_result"]
        else:
            certified, key = point["advantage_certified"], "quantum_upper"
        if not certified or not trade_off:
            continue
        p_c = hull_inverse(hull, _witness(point, key))
        if p_c is None or p_c <= Fraction(point["split_exact"]):
            continue
        theta_c = throughput_at(model.throughput, model.arrival_rate, model.mean_size, float(p_c))
        gain = point["throughput"] / theta_c - 1 if theta_c > 0 else 0.0
        if gain > best_t["value"]:
            best_t = {"value": gain, "split": point["split"], "classical_split": float(p_c)}
    if not trade_off:
        best_t["note"] = "no trade-off: T is linear, so Theta does not depend on p"
    summary = {
        "arrival_rate": model.arrival_rate,
        "load": model.load,
        "waiting_model": model.waiting,
        "trade_off": trade_off,
        "largest_gap_npa": max(p["gap_npa"] for p in points),
        # see-saw (explicit strategy) W against the NPA bound at the requested level
        "largest_gap_npa_level": _largest(
            abs(Fraction(p["results"]["quantum_upper"]["achieved"]) - Fraction(p["results"]["npa"]["bound"]))
            for p in points if "npa_bound" in p),
        "npa_failures": [p["split"] for p in points if "npa_problem" in p],
        "largest_seesaw_excess": _largest(
            Fraction(p["results"]["seesaw"]["achieved"]) - Fraction(p["results"]["quantum_upper"]["achieved"])
            for p in points if "seesaw" in p),
        "classical_hull": [[str(x), str(y)] for x, y in hull],
    }
    if settings:
        summary["noise"] = noise_summary(points)
        if len(settings) == 1:
            headline = summary["noise"][0]
            summary.update({key: headline[key] for key in ("waiting_reduction", "absolute_waiting_reduction",
                                                           "certified_splits", "certified_range")})
            summary["throughput_gain"] = best_t
        return summary
    certified = [p["split"] for p in points if p["advantage_certified"]]
    reduction = waiting_reduction(game, points, solver) if certified else None
    summary.update({
        "waiting_reduction": reduction["relative"] if reduction else {"value": 0.0, "split": None},
        "absolute_waiting_reduction": reduction["absolute"] if reduction else {"value": 0.0, "split": None},
        # the certificates at the extra splits the search tried: verify rebuilds both reductions
        "refinement": reduction["refinement"] if reduction else [],
        "throughput_gain": best_t,
        "certified_splits": certified,
        "certified_range": [min(certified), max(certified)] if certified else None,
    })
    return summary


MODEL_CONSTRAINTS = ("split", "balance")  # the rows the dual-work model itself generates


def refuse_extra_constraints(problem: str, game) -> None:
    """BadInput (one line naming the file and the constraint) for a model file's own [[constraints]]
    that the frontier cannot honour at every step, before any work.

    A row odd under flipping both answers, written ``== 0``, costs nothing anywhere: the classical
    hull leaves it out exactly (certify.proofs.frontier.hull_constraints), and the quantum bounds and
    strategies are flip-symmetrised, so they meet it. Any other row would change the classical
    frontier (which the hull can cut exactly) but the explicit quantum strategies only meet the split
    exactly (an active inequality is missed by rounding), so it is refused rather than summarised
    against a strategy that does not meet it.
    """
    from ..games.game import resolve

    two = tuple(game.outputs) == (2, 2)
    for constraint in game.constraints:
        if constraint.name in MODEL_CONSTRAINTS:
            continue
        odd = two and bool(np.all(constraint.exact == -constraint.exact[::-1, ::-1]))
        if not (odd and constraint.relation == "==" and constraint.value == 0):
            raise BadInput(resolve(problem, "PROBLEM"), f"constraints ({constraint.name})",
                           "a frontier takes a model file's own constraint only when flipping both answers "
                           "negates it and it reads '== 0' (then it costs nothing); fix the split of this game "
                           "with certify classical/quantum/gap --fix split=P instead")
    try:
        classical_hull(game)
    except ValueError as error:
        raise BadInput(resolve(problem, "PROBLEM"), "constraints", f"{error}") from None


def frontier(problem="dual_work", throughput=None, points=21, level="2", jobs=1, progress=None, seesaw=False,
             solver=None, arrival_rate=None, waiting=None):
    """Sweep the split grid at one load; each point runs run_point (in worker processes when jobs > 1).

    ``arrival_rate`` overrides the file's lambda and ``waiting`` its waiting
    model ("exact", the default, or "light-traffic"); ``solver`` names the
    SDP solver of the registry.
    """
    from ..games.dualwork import load_model
    from ..games.throughput import throughput_at

    start = time.perf_counter()
    game, model = load_model(problem, throughput, arrival_rate=arrival_rate, waiting=waiting)
    refuse_extra_constraints(problem, game)
    if level is not None:
        level = str(level)
        parse_level(level)  # bad levels are bad input before any work
    grid = split_grid(points)
    jobs_list = [
        PointJob(game.with_fixed({"split": p}), p,
                 throughput_at(model.throughput, model.arrival_rate, model.mean_size, float(p)), level, seesaw, solver)
        for p in grid
    ]
    results = run_points(run_point, jobs_list, jobs, progress)
    return Frontier(game, model, results, summarise(game, model, results, solver), time.perf_counter() - start)


def parse_arrival_rates(text, key="--arrival-rate"):
    """'0.01,0.1,0.5' -> [Fraction, ...] (exact decimals as written), positive, no repeats."""
    from ..games.game import parse_number

    rates = []
    for part in str(text).split(","):
        if not part.strip():
            raise BadInput(None, key, f"expected numbers separated by commas, got '{text}'")
        rate = parse_number(part.strip(), None, key)
        if not rate > 0:
            raise BadInput(None, key, f"lambda must be positive, got {part.strip()}")
        if rate in rates:
            raise BadInput(None, key, f"{part.strip()} is given twice")
        rates.append(rate)
    return rates


def frontiers(problem="dual_work", arrival_rates=None, **options):
    """One frontier per load (``arrival_rates``, None for the file's own lambda); see ``frontier``."""
    from ..games.dualwork import load_model

    rates = list(arrival_rates) if arrival_rates else [None]
    # every load is checked (stable, positive) before any work starts
    for rate in rates:
        load_model(problem, options.get("throughput"), arrival_rate=rate, waiting=options.get("waiting"))
    return [frontier(problem, arrival_rate=rate, **options) for rate in rates]


def load_comparison(results):
    """How the certified advantage changes with load: one row per frontier, and one sentence."""
    rows = []
    for result in results:
        summary = result.summary
        rows.append({
            "arrival_rate": result.model.arrival_rate,
            "load": result.model.load,
            "waiting_model": result.model.waiting,
            "relative_reduction": summary["waiting_reduction"],
            "absolute_reduction": summary["absolute_waiting_reduction"],
            "throughput_gain": summary["throughput_gain"],
        })
    return {"loads": rows, "statement": comparison_statement(rows)}


def _statuses(points):
    """The statuses the parts' solvers reported (one word when they all agree), never assumed."""
    found = sorted({str(node.get("solver", {}).get("status")) for point in points
                    for node in point["results"].values() if node.get("solver", {}).get("status")})
    return ", ".join(found) if found else "none reported"


def frontier_json(result, options):
    """The contract envelope with "points" (README, JSON section).

    The points' full results (classical, quantum_upper, quantum_lower and,
    where computed, npa) sit in certificate["points"], where ``certify
    verify`` re-checks each of them (certify.proofs.frontier.verify_frontier);
    "value" is the largest certified advantage in W, exactly re-derived there.
    """
    from ..bounds.result import envelope

    points, nested = [], []
    settings = settings_of(result.points)
    bests = [Fraction(0)] * max(len(settings), 1)
    for point in result.points:
        points.append({key: value for key, value in point.items() if key != "results"})
        nested.append({"split": point["split_exact"], **point["results"]})
        flags = [entry["advantage_certified"] for entry in point["noise"]] if settings else [point["advantage_certified"]]
        for index, flag in enumerate(flags):
            if flag:
                classical = Fraction(point["results"]["classical"]["exact"])
                bests[index] = max(bests[index], classical - _witness(point, point["noise"][index]["upper_result"]
                                                                      if settings else "quantum_upper"))
    body = {
        # the headline check_frontier proves (certify verify re-derives it exactly): the largest
        # advantage of the ideal rows, or of the one noise setting; several settings: one each in the summary
        "value": safe_float(bests[0], DOWN) if len(bests) == 1 else None,  # "beats by at least": rounded down
        "value_meaning": value_meaning(settings),
        "exact": None,
        "arrival_rate": result.model.arrival_rate,
        "arrival_rate_exact": str(result.model.arrival_exact),
        "waiting_model": result.model.waiting,
        # every point's certificates passed their exact checks (whether or not
        # there is an advantage: that is "advantage_certified" per point)
        "certified": all(
            p["results"]["classical"]["certified"] and p["results"]["quantum_upper"]["certified"]
            and p["results"]["quantum_lower"]["certified"]
            for p in result.points
        ),
        "advantage_certified": any(best > 0 for best in bests),
        "certificate": {"kind": "frontier", "points": nested},
        "solver": {"name": "HiGHS (classical) + " + (options.get("solver") or "the registry's default SDP solver")
                   + " (quantum)", "status": _statuses(result.points)},
        "seconds": round(result.seconds, 6),
        "model": result.model.to_json(),
        "summary": result.summary,
        "points": points,
    }
    return envelope("pareto", result.game, options, body)


def frontiers_json(results, options):
    """One frontier document per load; with several loads they sit under "loads", each complete
    (certify verify re-checks every one), beside the comparison across loads."""
    if len(results) == 1:
        return frontier_json(results[0], options)

    documents = [frontier_json(result, dict(options, arrival_rate=result.model.arrival_rate)) for result in results]
    comparison = load_comparison(results)
    return {
        "tool": documents[0]["tool"],
        "command": "pareto",
        "options": options,
        "arrival_rate": [result.model.arrival_rate for result in results],
        "waiting_model": results[0].model.waiting,
        "certified": all(document["certified"] for document in documents),
        "advantage_certified": any(document["advantage_certified"] for document in documents),
        "seconds": round(sum(result.seconds for result in results), 6),
        "comparison": comparison,
        "loads": documents,
    }


