"""The NPA bound: solve the relaxation (certify.proofs.npa builds it) and
turn the solver's dual into a rigorous certificate.

Navascues, Pironio and Acin, arXiv:0803.4290.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import numpy as np

from ..errors import BadInput
from ..proofs.npa import (
    IDENTITY, looser_level_notes, npa_minimal_shift, npa_stationarity_residuals, parse_level, relaxation,
)


# ---------------------------------------------------------------------------
# The rigorous bound

DYADIC_BITS = 40  # the solver's dual is rounded to multiples of 2^-40 (times a scale)
# Duals with entries above 2^WIDE_FROM_BITS are rounded in Python integers to the double's
# own precision (exact_certificate).
WIDE_FROM_BITS = 4


def _dyadic(values, bits):
    """Round floats to integers over 2^bits (numpy int64), keeping sums exact."""
    return np.rint(np.asarray(values, dtype=float) * float(2**bits)).astype(np.int64)


def rigorous_certificate(relaxation, solution):
    """Turn a floating dual solution into an exact certificate (see check_npa).

    The solver's dual Z is made exact by ``exact_certificate``. Below
    POLISH_ALWAYS_BELOW moments, and up to SCHUR_LIMIT moments where that
    bound gives away more than POLISH_ABOVE against the solver's value, the
    same dual after ``polish_dual`` is made exact too, and the tighter
    certificate is returned.
    """
    from .solvers import SCHUR_LIMIT, blas_threads

    certificate = exact_certificate(relaxation, solution.slack, solution.multipliers, solution.solver)
    moments = relaxation.pattern.count - 2
    given_away = relaxation.sign * float(Fraction(certificate["bound"])) - solution.value
    if moments < POLISH_ALWAYS_BELOW or (
            moments <= SCHUR_LIMIT and given_away > POLISH_ABOVE * max(1.0, abs(solution.value))):
        with blas_threads():
            polished = polish_dual(relaxation, solution.slack, solution.multipliers)
        if polished is not None:
            other = exact_certificate(relaxation, polished, solution.multipliers, solution.solver)
            if relaxation.sign * (Fraction(other["bound"]) - Fraction(certificate["bound"])) < 0:
                certificate = other
    return certificate


# From POLISH_ALWAYS_BELOW moments the polish is skipped when the plain
# certificate is already within POLISH_ABOVE of the solver's value (relative to
# max(1, |value|)): forming and factoring its Gram matrix costs 1.1 s of 6.9 on
# random 6-input games at level 2 (m = 2718), where ssnal's plain certificate
# lies 9e-9 above its value (2.8e-9 polished); below, it costs at most 0.11 s
# (CGLMP4 at level 2, m = 1002) and always runs.
POLISH_ABOVE = 1e-8
POLISH_ALWAYS_BELOW = 2000
# Rounds of polish_dual, and its regularisation relative to the mean diagonal of the Gram matrix.
POLISH_ROUNDS = 2
POLISH_REGULARISATION = 1e-14


def polish_dual(relaxation, slack, multipliers):
    """The solver's dual moved onto stationarity along Z-weighted directions (None if no progress).

    An interior-point dual Z >= 0 is nearly singular at the optimum and meets
    stationarity, b_k + <Z, F_k> - sum_j mu_j g_jk = 0, only to the solver's
    tolerance r_k (about 1e-8). The even spread of exact_certificate moves Z
    by about |r| in every direction, including Z's near-null space, and the
    PSD shift it then needs costs n times that (1e-7 on CGLMP4 at level 2).
    The least-norm correction in the metric of Z instead,

        dZ = -Z Y Z,  Y = sum_k y_k F_k,  G y = r,  G_kl = <F_k, Z F_l Z>,

    is Z^(1/2) (-Z^(1/2) Y Z^(1/2)) Z^(1/2): it keeps Z + dZ >= 0 while the
    step is small against 1 in that metric (the Dikin ellipsoid, Nesterov and
    Nemirovskii 1994) and leaves the null space of Z alone. G is Z's
    Schur complement (certify.bounds.solvers.moment_schur); it is singular
    where Z is, so it is regularised and the step repeated up to POLISH_ROUNDS
    times while the largest residual falls. Measured: CGLMP4 level 2 certified
    1.1e-7 above the solver's value before, 7e-9 after; I3322 at 2+AAB+ABB
    1.2e-7 before, 5e-9 after. This is arithmetic on floats only: the
    certificate is whatever exact_certificate proves of the result.
    """
    import scipy.linalg as linalg

    from .solvers import moment_schur

    pattern = relaxation.pattern
    index, count = pattern.index, pattern.count
    target = relaxation.objective.dense(count).astype(float)
    for (_, linear, _, _), mu in zip(relaxation.constraints, multipliers):
        target = target - mu * linear.dense(count).astype(float)
    inside = index >= 2

    def residual(z):
        return (target + np.bincount(index.ravel(), weights=z.ravel(), minlength=count))[2:]

    schur = moment_schur(pattern)
    z = np.asarray(slack, dtype=float)
    now = residual(z)
    start = worst = float(np.max(np.abs(now), initial=0.0))
    for _ in range(POLISH_ROUNDS):
        if worst == 0.0:
            break
        gram = schur(z)
        gram[np.diag_indices_from(gram)] += POLISH_REGULARISATION * max(float(np.trace(gram)), 1e-300) / len(gram)
        try:
            factor = linalg.cho_factor(gram, lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            break
        y = linalg.cho_solve(factor, now, check_finite=False)
        step = np.where(inside, y[np.maximum(index, 2) - 2], 0.0)
        candidate = z - z @ step @ z
        candidate = (candidate + candidate.T) / 2
        after = residual(candidate)
        if not np.all(np.isfinite(after)) or float(np.max(np.abs(after))) >= worst:
            break
        z, now, worst = candidate, after, float(np.max(np.abs(after)))
    return z if worst < start else None


def exact_certificate(relaxation, slack, multipliers, solver_info):
    """An exact certificate from a floating dual (Z, mu), checked by certify.proofs.npa.check_npa.

    1. Round Z and mu to dyadic rationals (mu clipped to its sign).
    2. Make stationarity exact: for each moment k >= 2 the residual
       r_k = b_k + <Z, F_k> - sum_j mu_j g_jk is subtracted evenly from the
       mult_k entries of Z holding moment k (the least-norm correction, since
       the patterns are disjoint).
    3. Factor Z + t I in floating point (t just above -lambda_min(Z)), round
       the factor L to dyadic, and take the least shift e that the exact
       residual Z + e I - L L^T proves PSD by diagonal dominance
       (certify.proofs.npa.npa_minimal_shift).
    4. bound (max form) = b0 + <Z, F_1> + sum_j mu_j (v_j - g0_j) + e n.
    """
    pattern = relaxation.pattern
    n, count = pattern.size, pattern.count
    scale = max(1.0, float(np.max(np.abs(slack))))
    magnitude = int(np.ceil(np.log2(scale)))
    if magnitude <= WIDE_FROM_BITS:
        bits = DYADIC_BITS - magnitude  # keeps every sum inside int64
        rounded = _dyadic(slack, bits)
    else:
        # A large dual (an unattained optimum, as when constraints fix probabilities to 0:
        # multipliers near 1e5 on Hardy's paradox) would lose `magnitude` bits on the int64
        # grid, a rounding of scale * 2^-40 per entry that the PSD shift then pays n times
        # over. Python integers keep every bit the double has instead.
        bits = 52 - magnitude
        rounded = np.array([[int(v) for v in row] for row in np.rint(np.asarray(slack, dtype=float) * 2.0**bits)],
                           dtype=object)
    grid = 2**bits
    rounded = np.triu(rounded) + np.triu(rounded, 1).T  # exactly symmetric
    floats, multipliers = multipliers, {}
    for (name, _, relation, _), mu in zip(relaxation.constraints, floats):
        if relation == "<=":
            mu = max(mu, 0.0)
        elif relation == ">=":
            mu = min(mu, 0.0)
        multipliers[name] = Fraction(int(np.rint(mu * 2**DYADIC_BITS)), 2**DYADIC_BITS)

    index = pattern.index
    sums = np.zeros(count, dtype=rounded.dtype)
    if rounded.dtype == object:
        sums[:] = 0  # Python integers, not None
    np.add.at(sums, index.ravel(), rounded.ravel())
    residual = npa_stationarity_residuals(relaxation, sums.tolist(), grid, multipliers)
    multiplicity = pattern.multiplicity
    correction = [Fraction(0)] * count
    for k, value in residual.items():
        if value:
            correction[k] = value / int(multiplicity[k])
    # one common denominator for the whole exact Z
    import math

    denominator = math.lcm(grid, *(c.denominator for c in correction))
    numerators = rounded.astype(object) * (denominator // grid)
    shifts = np.array([c.numerator * (denominator // c.denominator) for c in correction], dtype=object)
    numerators = numerators - shifts[index]
    exact_float = np.array(numerators.tolist(), dtype=float) / float(denominator)
    numerators = numerators.tolist()

    # the PSD shift: a rounded Cholesky factor of Z + t I, then the exact e
    smallest = float(np.linalg.eigvalsh(exact_float)[0])
    margin = 10 * n * np.finfo(float).eps * max(1.0, float(np.max(np.abs(exact_float))))
    for _ in range(30):
        t = max(0.0, -smallest) + margin
        try:
            lower = np.linalg.cholesky(exact_float + t * np.eye(n))
            break
        except np.linalg.LinAlgError:
            margin *= 4
    else:  # pragma: no cover - eigvalsh and cholesky would have to disagree wildly
        from ..errors import SolverFailed

        raise SolverFailed(solver_info.get("name"), "dual not factorable", "try another --solver")
    factor_bits = 52 - max(0, int(np.ceil(np.log2(max(1.0, float(np.max(np.abs(lower))))))))
    factor = _dyadic(lower, factor_bits)
    factor_rows = [factor[i, : i + 1].tolist() for i in range(n)]
    needed = npa_minimal_shift(numerators, denominator, factor_rows, factor_bits)
    shift = _round_up(needed, 64)

    offset = sum(
        (multipliers[name] * (value - linear.constant) for name, linear, _, value in relaxation.constraints),
        Fraction(0),
    )
    identity = sum((numerators[i][j] for i, j in zip(*np.nonzero(index == IDENTITY))), 0)
    bound_max = relaxation.objective.constant + Fraction(identity, denominator) + offset + shift * n
    upper = [
        [str(Fraction(numerators[i][j], denominator)) for j in range(i, n)] for i in range(n)
    ]
    return {
        "kind": "npa",
        "level": relaxation.level.name,
        "size": n,
        "moments": count - 2,
        "dual": {"slack_upper": upper, "multipliers": {k: str(v) for k, v in multipliers.items()}},
        "shift": str(shift),
        "trace_bound": n,
        "factor": {"bits": factor_bits, "rows": factor_rows},
        "bound": str(relaxation.sign * bound_max),
    }


def _round_up(value, bits):
    """The least multiple of 2^-bits at or above a non-negative Fraction."""
    grid = 2**bits
    return Fraction(-((-value.numerator * grid) // value.denominator), grid)


# ---------------------------------------------------------------------------
# Size before solving

# Above this many words the pattern itself (n x n integers and the word
# products) is not built to estimate: the moment count is bounded by n(n+1)/2.
PATTERN_ESTIMATE_LIMIT = 3000


def estimate_npa_size(game, level, solver=None):
    """The size of a level's relaxation and each solver's memory, before solving.

    Returns a dict: ``size`` (moment matrix side n, the number of words),
    ``moments`` (distinct moments m; an upper bound n(n+1)/2 flagged by
    ``moments_exact`` False when n > PATTERN_ESTIMATE_LIMIT), ``constraints``,
    ``memory`` (bytes per installed solver, certify.bounds.solvers.npa_memory),
    ``available`` (bytes this machine can give) and ``fits`` (solvers whose
    estimate fits, in the automatic order, or the named solver).
    """
    from . import solvers
    from ..proofs.npa import build_pattern, level_words

    level = parse_level(level)
    inputs, outputs = tuple(game.inputs), tuple(game.outputs)
    size = len(level_words(inputs, outputs, level))
    exact = size <= PATTERN_ESTIMATE_LIMIT
    moments = build_pattern(inputs, outputs, level).count - 2 if exact else size * (size + 1) // 2
    names = [solvers.choose_solver(solver, size)] if solver else [
        name for name in solvers.installed() if solvers.applicable(name, bool(game.constraints))]
    memory = {name: solvers.npa_memory(size, moments, name) for name in names}
    available = solvers.available_memory()
    try:
        fits = solvers.npa_order(size, moments, solver, bool(game.constraints))
        fits = [name for name in fits if memory.get(name, 0) <= available]
    except solvers.SolverFailed:
        fits = []
    return {
        "level": level.name, "size": size, "moments": moments, "moments_exact": exact,
        "constraints": len(game.constraints), "memory": memory, "available": available, "fits": fits,
    }


def _gigabytes(value):
    return f"{value / 2**30:.3g} GB" if value >= 2**30 else f"{value / 2**20:.3g} MB"


def refuse_if_too_large(game, estimate, solver=None):
    """BadInput (one line, exit 2) when no solver's memory estimate fits this machine.

    Names the solvers that fit, else the highest lower standard level that fits.
    """
    if estimate["fits"]:
        return
    need = min(estimate["memory"].values()) if estimate["memory"] else 0
    who = f"--solver {solver}" if solver else "every installed solver"
    hint = ""
    if solver:
        others = estimate_npa_size(game, estimate["level"])
        if others["fits"]:
            hint = f"; solvers that fit: {', '.join(others['fits'])}"
    if not hint:
        for lower in range(parse_level(estimate["level"]).length - 1, 0, -1):
            if estimate_npa_size(game, str(lower), solver)["fits"]:
                hint = f"; try --level {lower}"
                break
    raise BadInput(
        None, "--level",
        f"level {estimate['level']} (moment matrix {estimate['size']}x{estimate['size']}, "
        f"{'' if estimate['moments_exact'] else 'up to '}{estimate['moments']} moments) needs about "
        f"{_gigabytes(need)} with {who}, and this machine has {_gigabytes(estimate['available'])} available{hint}",
    )


# ---------------------------------------------------------------------------
# Solve, certify, and fall back

# An inaccurate solve (Clarabel's "almost solved", e.g. I3322 level 3) is kept
# when its proved bound is this close to the solver's value: the certificate
# makes the bound true whatever the solver's accuracy; this only refuses
# bounds that an inaccurate dual made uselessly loose.
INACCURATE_GAP = 1e-4
# A certified bound this close to its solver's value (relative to max(1, |v|))
# ends the search; a looser one sends the relaxation to the next solver of
# certify.bounds.solvers.npa_order (above SCHUR_LIMIT moments, only an
# unusable answer, gap over INACCURATE_GAP, does: the fallbacks there take
# minutes).
TIGHT_GAP = 1e-7
# Once a certified bound lies this close, the solvers that factor a dense
# n(n+1)/2 block (clarabel), take thousands of first-order steps (scs) or
# stall on small degenerate relaxations (ssnal: inaccurate on I3322 at levels 2,
# 3 and 2+AAB+ABB) are not tried for the last digits: clarabel and scs measured
# 35 to 70 s each on I3322 at 2+AAB+ABB where CVXOPT took 0.6 s, and none was
# ever tighter on the suite of benchmarks/results/npa.md.
SLOW_FALLBACK_GAP = 1e-6
SLOW_SOLVERS = ("clarabel", "scs", "ssnal")


def check_before_building(game, level):
    """Refuse, before building it, a moment matrix above CERTIFY_MAX_MOMENT_MATRIX rows,
    and constraint values outside their no-signalling range (which no quantum
    behaviour meets: bad input stating the range, certify.bounds.classical).

    The rows are counted in closed form by the checker's own count
    (certify.proofs.result.npa_rows, which verify applies to documents too), with
    early exit, so that even --level 1000000 is refused at once; the solver's memory
    grows with the square of the size.
    """
    from ..games.limits import check, limit
    from ..proofs.work import npa_rows
    from .classical import check_feasible

    cap = limit("CERTIFY_MAX_MOMENT_MATRIX")
    counted = max(cap, 10**6)  # counted exactly up to here, for the message
    (iA, iB), (oA, oB) = game.inputs, game.outputs
    size = npa_rows(game.inputs, game.outputs, level, counted)  # the checker's own count
    name = level.name if len(level.name) <= 20 else level.name[:20] + "..."
    rows = f"more than {counted}" if size > counted else str(size)
    check("CERTIFY_MAX_MOMENT_MATRIX", size, None, "--level",
          f"NPA level {name} on {iA}x{iB} questions and {oA}x{oB} answers needs a moment matrix of {rows} rows",
          "choose a lower --level")
    check_feasible(game, "nosignalling")


def known_feasible_point(game):
    """A description of a behaviour that meets the game's constraints and is quantum, or None.

    The classical LP's optimal mixture of deterministic strategies (certify.bounds.classical,
    its certificate checked exactly there) is a quantum behaviour: shared randomness and
    local deterministic answers are a quantum strategy. Its moments are then a feasible
    point of every NPA level, so a solver's claim that a relaxation is infeasible is the
    solver's trouble, not a property of the game. None when no classical behaviour meets
    the constraints (the claim may then be true) or the LP cannot be run.
    """
    from ..errors import CertifyError
    from .classical import classical_value

    try:
        classical = classical_value(game)
    except (CertifyError, ArithmeticError, ValueError):
        return None
    if not classical.certified:
        return None
    return f"the classical optimum {classical.exact} (a quantum behaviour) meets the constraints"


def _attempt(game, relax, name, progress, feasible=None):
    """Solve with one solver and certify; (entry, (solution, certificate, check)) or (entry, None).

    A claim of infeasibility is believed, and raised, only when no feasible point is
    known (a claim of unboundedness is raised as before): ``feasible`` is called (once, lazily) for
    known_feasible_point's answer; when there is one, the claim is recorded as this
    solver's trouble and the next solver runs.
    """
    import time

    from . import solvers
    from ..proofs.npa import check_npa

    start = time.perf_counter()
    if progress is not None:
        progress({"event": "start", "solver": name})
    try:
        solution = solvers.solve(relax, name, progress=progress)
    except solvers.SolverFailed as error:
        entry = {"name": name, "status": str(error.status), "seconds": round(time.perf_counter() - start, 3)}
        claim = str(error.status).startswith((solvers.INFEASIBLE, solvers.UNBOUNDED))
        infeasible = str(error.status).startswith(solvers.INFEASIBLE)
        witness = feasible() if infeasible and feasible is not None else None
        if witness is not None:
            entry["status"] = f"{error.status}, refuted: {witness}"  # a feasible point exists
        if progress is not None:
            progress({"event": "done", **entry})
        if claim and witness is None:
            raise  # a property of the relaxation, not of the solver: no other solver will do better
        return entry, None
    certificate = rigorous_certificate(relax, solution)
    certificate["solver_value"] = relax.sign * solution.value
    check = check_npa(game, certificate)
    entry = {
        "name": name, "status": solution.solver["status"], "iterations": solution.solver.get("iterations"),
        "seconds": round(time.perf_counter() - start, 3), "solver_value": relax.sign * solution.value,
        "certified_bound": float(check.bound) if check.ok else None,
    }
    if progress is not None:
        progress({"event": "done", **entry})
    return entry, (solution, certificate, check)


def npa_bound(game, level="2", solver=None, progress=None):
    """A certified quantum bound on a game from NPA level ``level`` (a Result).

    Estimates the relaxation's size and memory (``estimate_npa_size``;
    BadInput when nothing fits), solves it (certify.bounds.solvers), turns the
    dual into an exact certificate (``rigorous_certificate``) and re-checks it
    with certify.proofs.npa.check_npa. With no solver named the solvers of
    ``npa_order`` are tried in turn until a certified bound lies within
    TIGHT_GAP of its solver's value (the slow SLOW_SOLVERS only while no
    bound within SLOW_FALLBACK_GAP exists); on a relaxation with game constraints
    only an optimal solve counts for either (``_trusted``), and a solver's claim of
    infeasibility is believed only when no feasible point is known
    (``known_feasible_point``: else it is recorded as refuted and the next solver
    runs). The tightest certified bound is kept and ``solver["tried"]`` lists every
    attempt with its status. ``value`` is the
    certified bound in the game's sense (an upper bound for "max", a lower
    bound for "min"); ``details["solver_value"]`` is the solver's own optimum
    beside it. ``progress`` (optional) receives dicts: the size estimate
    ({"event": "size", ...}) before solving, then "start", "iteration" (where
    the solver exposes them) and "done" per solver; this code never prints.
    """
    import time

    from . import solvers
    from .result import Result

    start = time.perf_counter()
    level = parse_level(level)
    check_before_building(game, level)
    estimate = estimate_npa_size(game, level, solver)
    if progress is not None:
        progress({"event": "size", **estimate})
    refuse_if_too_large(game, estimate, solver)
    relax = relaxation(game, level)
    built = time.perf_counter()
    order = solvers.npa_order(relax.pattern.size, relax.pattern.count - 2, solver, bool(relax.constraints))
    order = [name for name in order if name in estimate["fits"]] or order
    enough = TIGHT_GAP if relax.pattern.count - 2 <= solvers.SCHUR_LIMIT else INACCURATE_GAP
    tried, best, settled = [], None, None
    feasible = functools.lru_cache(maxsize=1)(lambda: known_feasible_point(game) if game.constraints else None)
    for name in order:
        if name in SLOW_SOLVERS and settled is not None and _certified_gap(relax, settled) <= SLOW_FALLBACK_GAP:
            break
        entry, outcome = _attempt(game, relax, name, progress, feasible)
        tried.append(entry)
        if outcome is None:
            continue
        solution, certificate, check = outcome
        if not check.ok:
            continue
        if best is None or relax.sign * (float(check.bound) - float(best[2].bound)) < 0:
            best = outcome
        if not _trusted(relax, solution):
            continue  # its value says nothing of the optimum: the next solver runs
        if settled is None or relax.sign * (float(check.bound) - float(settled[2].bound)) < 0:
            settled = outcome
        if _certified_gap(relax, outcome) <= enough and _moments_nearly_feasible(relax, solution):
            break
    solved = time.perf_counter()
    if best is None:
        last = tried[-1]
        refuted = any("refuted" in entry["status"] for entry in tried)
        raise solvers.SolverFailed(
            ", ".join(entry["name"] for entry in tried),
            "; ".join(f"{entry['name']}: {entry['status']}" for entry in tried),
            "no certified bound; " + ("the relaxation is feasible, so an infeasibility claim is the solver's "
                                      "trouble; try --solver cvxopt or clarabel, or another --level" if refuted else
                                      solvers.ADVICE[solvers.FAILED if last.get("certified_bound") is None
                                                     and last["status"] not in ("optimal", "inaccurate")
                                                     else solvers.INACCURATE]),
        )
    solution, certificate, check = best
    solver_value = relax.sign * solution.value
    gap = abs(float(check.bound) - solver_value)
    if solution.solver["status"] != solvers.OPTIMAL and gap > INACCURATE_GAP * max(1.0, abs(solver_value)):
        # Stopped short of tolerance and uselessly loose: never report it.
        raise solvers.SolverFailed(
            solution.solver["name"], f"{solution.solver['status']} (certified gap {gap:.2g})",
            solvers.ADVICE[solvers.INACCURATE],
        )
    info = dict(solution.solver)
    info["tried"] = tried
    if tried[0]["name"] != info["name"]:
        info["polished_from"] = {"name": tried[0]["name"], "status": tried[0]["status"],
                                 "solve_seconds": tried[0]["seconds"]}
    details = {
        "solver_value": solver_value,
        "bound": certificate["bound"],
        "level": level.name,
        "moment_matrix_size": relax.pattern.size,
        "moments": relax.pattern.count - 2,
        "timings": {
            "relaxation": round(built - start, 6),
            "build": round(solution.build_seconds, 6),
            "solve": round(solution.solve_seconds, 6),
            "all_solvers": round(solved - built, 6),
        },
    }
    return Result(
        command="quantum",
        game=game,
        value=float(check.bound),
        exact=None,
        certified=check.ok,
        certificate=certificate,
        solver=info,
        seconds=time.perf_counter() - start,
        method=f"NPA level {level.name} (moment matrix {relax.pattern.size}x{relax.pattern.size}, "
        f"{relax.pattern.count - 2} moments), rigorous dual bound",
        details=details,
        problems=check.problems,
    )


def _trusted(relax, solution):
    """Whether a solve may end the search (and keep slower solvers from running).

    An inaccurate solve of a relaxation with game constraints may not: its dual can
    be feasible and certify a bound close to its own value while both lie far above
    the optimum (Hardy's paradox at level 2: CVXOPT stops "inaccurate" with a bound
    1.2e-5 above the quantum maximum and within 1e-7 of its own value, where Clarabel
    ends optimal within 1e-6). Without game constraints an inaccurate solve is judged
    by its certified gap and its moments, as before.
    """
    from . import solvers

    return not relax.constraints or solution.solver["status"] == solvers.OPTIMAL


def _certified_gap(relax, outcome):
    """How far a certified bound lies beyond its solver's value, relative to max(1, |value|)."""
    solution, _, check = outcome
    value = relax.sign * solution.value
    return relax.sign * (float(check.bound) - value) / max(1.0, abs(value))


def _moments_nearly_feasible(relax, solution):
    """Whether the solver's moments give a PSD moment matrix up to 1e-7 (so its value is nearly a
    lower bound on the level's optimum and a small certified gap means a tight bound)."""
    matrix = np.asarray(solution.moments)[relax.pattern.index]
    return float(np.linalg.eigvalsh(matrix)[0]) >= -1e-7


def npa_levels(game, levels, solver=None, progress=None):
    """Several levels; the Result of the best (tightest) certified bound, with every level's in
    ``details["levels"]``. A higher level is never looser in exact arithmetic (its moment matrix
    contains the lower one's); when solver accuracy makes a higher level's certified bound looser
    than a lower level's, ``details["looser_levels"]`` says so and names the tighter one.
    """
    results = [npa_bound(game, level, solver, progress) for level in levels]
    sign = 1 if game.sense == "max" else -1
    best = min(results, key=lambda r: sign * Fraction(r.details["bound"]))  # exact: floats may tie
    rows = [{"level": r.details["level"], "certified_bound": r.value, "bound": r.details["bound"],
             "solver_value": r.details["solver_value"], "solver": r.solver.get("name"),
             "status": r.solver.get("status"), "seconds": round(r.seconds, 3),
             "certificate": r.certificate} for r in results]  # each level's proof: verify re-checks it
    looser = looser_level_notes(rows, game.sense)
    best.details = dict(best.details, levels=rows, best_level=best.details["level"])
    if looser:
        best.details["looser_levels"] = looser
    best.seconds = sum(r.seconds for r in results)
    best.method = f"best of NPA levels {', '.join(r.details['level'] for r in results)}: " + best.method
    return best
