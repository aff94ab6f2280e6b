"""The throughput-waiting Pareto frontiers of the dual-work model (docs/model.md).

For each split probability p on a grid, with Theta(p) = 2 (1 - rho) r E[T(R)]
(certify.scheduling.throughput), three bounds on the minimal mean waiting W at that p:

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

from ..bounds.correlator import correlation_form, quantum_dual_bound, quantum_strategy
from ..bounds.classical import classical_value
from ..bounds.npa import npa_bound
from ..proofs.npa import parse_level
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
        "advantage": (float(c_exact - q_exact) if certified else 0.0),
        "relative_advantage": (float((c_exact - q_exact) / c_exact) if certified and c_exact else 0.0),
        "gap_npa": upper.value - best_lower.value,
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


def _run_point_in_worker(job):
    """run_point for a worker process: certify's errors travel back as plain data."""
    from ..errors import CertifyError

    try:
        return run_point(job)
    except CertifyError as error:
        return {"error": type(error).__name__, "message": str(error)}


def _reraise(point):
    if isinstance(point, dict) and "error" in point:
        if point["error"] == "BadInput":
            raise BadInput(None, None, point["message"])
        raise SolverFailed("worker", "failed", point["message"])
    return point


# ---------------------------------------------------------------------------
# The frontier


def split_grid(points):
    """points splits i/(points-1) in [0, 1], exact (both ends included: W is 1/2 E[S] and 0 there)."""
    from ..games.limits import check

    if points < 2:
        raise BadInput(None, "--points", f"need at least 2 points, got {points}")
    check("CERTIFY_MAX_POINTS", points, None, "--points", f"{points} frontier points", "choose fewer --points")
    return [Fraction(i, points - 1) for i in range(points)]


def classical_hull(game):
    """The exact classical frontier: lower convex hull of (split, W) over deterministic strategies.

    Returns the hull vertices [(split, W)] as Fractions, split increasing.
    """
    from ..proofs.deterministic import all_strategies

    split_tensor = game.constraint("split").exact
    points = sorted({(s.value(split_tensor), s.value(game.objective_exact)) for s in all_strategies(game.inputs, game.outputs)})
    hull = []
    for point in points:
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            if (x2 - x1) * (point[1] - y1) - (y2 - y1) * (point[0] - x1) <= 0:
                hull.pop()
            else:
                break
        if hull and hull[-1][0] == point[0]:
            continue
        hull.append(point)
    return hull


def hull_inverse(hull, w):
    """The smallest split at which the classical frontier reaches waiting w (W falls with p)."""
    for (x1, y1), (x2, y2) in zip(hull, hull[1:]):
        if y2 <= w <= y1 and y1 != y2:
            return x1 + (x2 - x1) * (y1 - w) / (y1 - y2)
    if w >= hull[0][1]:
        return hull[0][0]
    return None


@dataclass
class Frontier:
    game: object
    model: object
    points: list
    summary: dict
    seconds: float
    options: dict = field(default_factory=dict)


def summarise(game, model, points):
    """Largest relative W reduction at equal Theta, and largest relative Theta gain at equal W."""
    from .throughput import throughput_at

    best_w = {"value": 0.0, "split": None}
    best_t = {"value": 0.0, "split": None, "classical_split": None}
    hull = classical_hull(game)
    for point in points:
        if point["advantage_certified"] and point["relative_advantage"] > best_w["value"]:
            best_w = {"value": point["relative_advantage"], "split": point["split"]}
        if not point["advantage_certified"]:
            continue
        w_q = Fraction(point["results"]["quantum_upper"]["certificate"]["value"])
        p_c = hull_inverse(hull, w_q)
        if p_c is None or p_c <= Fraction(point["split_exact"]):
            continue
        theta_c = throughput_at(model.throughput, model.arrival_rate, model.mean_size, float(p_c))
        gain = point["throughput"] / theta_c - 1 if theta_c > 0 else 0.0
        if gain > best_t["value"]:
            best_t = {"value": gain, "split": point["split"], "classical_split": float(p_c)}
    certified = [p["split"] for p in points if p["advantage_certified"]]
    return {
        "waiting_reduction": best_w,
        "throughput_gain": best_t,
        "certified_splits": certified,
        "certified_range": [min(certified), max(certified)] if certified else None,
        "largest_gap_npa": max(p["gap_npa"] for p in points),
        # see-saw (explicit strategy) W against the NPA bound at the requested level
        "largest_gap_npa_level": max((p["quantum_upper"] - p["npa_bound"] for p in points if "npa_bound" in p), default=None),
        "npa_failures": [p["split"] for p in points if "npa_problem" in p],
        "largest_seesaw_excess": max((p["seesaw"] - p["quantum_upper"] for p in points if "seesaw" in p), default=None),
        "classical_hull": [[str(x), str(y)] for x, y in hull],
    }


def frontier(problem="dual_work", throughput=None, points=21, level="2", jobs=1, progress=None, seesaw=False,
             solver=None):
    """Sweep the split grid; each point runs run_point (in worker processes when jobs > 1)."""
    from .model import load_model
    from .throughput import throughput_at

    start = time.perf_counter()
    game, model = load_model(problem, throughput)
    if level is not None:
        level = str(level)
        parse_level(level)  # bad levels are bad input before any work
    grid = split_grid(points)
    jobs_list = [
        PointJob(game.with_fixed({"split": p}), p,
                 throughput_at(model.throughput, model.arrival_rate, model.mean_size, float(p)), level, seesaw, solver)
        for p in grid
    ]
    results = [None] * len(jobs_list)
    if jobs > 1 and len(jobs_list) > 1:
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(_run_point_in_worker, job): index for index, job in enumerate(jobs_list)}
            for future in as_completed(futures):
                results[futures[future]] = _reraise(future.result())
                if progress:
                    progress()
    else:
        for index, job in enumerate(jobs_list):
            results[index] = run_point(job)
            if progress:
                progress()
    return Frontier(game, model, results, summarise(game, model, results), time.perf_counter() - start)


def frontier_json(result, options):
    """The contract envelope with "points" (README, JSON section).

    The points' full results (classical, quantum_upper, quantum_lower and,
    where computed, npa) sit in certificate["points"], where ``certify
    verify`` re-checks each of them (certify.proofs.verify.check_frontier);
    "value" is the largest certified advantage in W, exactly re-derived there.
    """
    from ..report.results import envelope

    points, nested = [], []
    best = Fraction(0)
    for point in result.points:
        points.append({key: value for key, value in point.items() if key != "results"})
        nested.append({"split": point["split_exact"], **point["results"]})
        if point["advantage_certified"]:
            classical = Fraction(point["results"]["classical"]["exact"])
            upper = Fraction(point["results"]["quantum_upper"]["certificate"]["value"])
            best = max(best, classical - upper)
    body = {
        "value": float(best),
        "exact": None,
        # every point's certificates passed their exact checks (whether or not
        # there is an advantage: that is "advantage_certified" per point)
        "certified": all(
            p["results"]["classical"]["certified"] and p["results"]["quantum_upper"]["certified"]
            and p["results"]["quantum_lower"]["certified"]
            for p in result.points
        ),
        "advantage_certified": any(p["advantage_certified"] for p in result.points),
        "certificate": {"kind": "frontier", "points": nested},
        "solver": {"name": "HiGHS (classical) + " + (options.get("solver") or "the registry's default SDP solver")
                   + " (quantum)", "status": "optimal"},
        "seconds": round(result.seconds, 6),
        "model": result.model.to_json(),
        "summary": result.summary,
        "points": points,
    }
    return envelope("pareto", result.game, options, body)


