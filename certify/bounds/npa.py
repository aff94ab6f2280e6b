"""The NPA bound: solve the relaxation (certify.proofs.npa builds it) and
turn the solver's dual into a rigorous certificate.

Navascues, Pironio and Acin, arXiv:0803.4290.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..proofs.npa import IDENTITY, npa_minimal_shift, npa_stationarity_residuals, parse_level, relaxation


# ---------------------------------------------------------------------------
# The rigorous bound

DYADIC_BITS = 40  # the solver's dual is rounded to multiples of 2^-40 (times a scale)


def _dyadic(values, bits):
    """Round floats to integers over 2^bits (numpy int64), keeping sums exact."""
    return np.rint(np.asarray(values, dtype=float) * float(2**bits)).astype(np.int64)


def rigorous_certificate(relaxation, solution):
    """Turn a floating dual solution into an exact certificate (see check_npa).

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
    slack = solution.slack
    scale = max(1.0, float(np.max(np.abs(slack))))
    bits = DYADIC_BITS - int(np.ceil(np.log2(scale)))  # keeps every sum inside int64
    grid = 2**bits
    rounded = _dyadic(slack, bits)
    rounded = np.triu(rounded) + np.triu(rounded, 1).T  # exactly symmetric
    multipliers = {}
    for (name, _, relation, _), mu in zip(relaxation.constraints, solution.multipliers):
        if relation == "<=":
            mu = max(mu, 0.0)
        elif relation == ">=":
            mu = min(mu, 0.0)
        multipliers[name] = Fraction(int(np.rint(mu * 2**DYADIC_BITS)), 2**DYADIC_BITS)

    index = pattern.index
    sums = np.zeros(count, dtype=np.int64)
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

        raise SolverFailed(solution.solver.get("name"), "dual not factorable", "try another --solver")
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


# An inaccurate solve (Clarabel's "almost solved", e.g. I3322 level 3) is kept
# when its proved bound is this close to the solver's value: the certificate
# makes the bound true whatever the solver's accuracy; this only refuses
# bounds that an inaccurate dual made uselessly loose.
INACCURATE_GAP = 1e-4


def check_before_building(game, level):
    """Refuse, before building it, a moment matrix above CERTIFY_MAX_MOMENT_MATRIX rows,
    and constraint values outside their no-signalling range (which no quantum
    behaviour meets: bad input stating the range, certify.bounds.classical).

    Its rows are the words (A-part, B-part) of the level (certify.proofs.npa):
    a player with q = i (o - 1) projectors has n(0) = 1 and
    n(L) = q ((i - 1)(o - 1))^(L - 1) reduced words of length L (no two
    neighbours ask the same question), so the size is the sum of
    n_A(i) n_B(j) over i + j <= length plus the extra families. Counted in
    closed form with early exit, so that even --level 1000000 is refused at
    once; the solver's memory grows with the square of the size.
    """
    from ..games.limits import check, limit
    from .classical import check_feasible

    cap = limit("CERTIFY_MAX_MOMENT_MATRIX")
    counted = max(cap, 10**6)  # counted exactly up to here, for the message
    (iA, iB), (oA, oB) = game.inputs, game.outputs

    def words(inputs, outputs, length):
        q, r = inputs * (outputs - 1), (inputs - 1) * (outputs - 1)
        if length == 0:
            return 1
        if q == 0 or (r == 0 and length > 1):
            return 0
        if r > 1 and (length - 1) * math.log2(r) > 64:
            return counted + 1  # more than counted on its own
        return min(q * r ** (length - 1), counted + 1)

    longest_a = level.length if (iA - 1) * (oA - 1) else min(level.length, 1)
    longest_b = level.length if (iB - 1) * (oB - 1) else min(level.length, 1)
    size = 0
    for total in range(min(level.length, longest_a + longest_b) + 1):
        for i in range(max(0, total - longest_b), min(total, longest_a) + 1):
            size += words(iA, oA, i) * words(iB, oB, total - i)
        if size > counted:
            break
    for i, j in level.extras:
        size += words(iA, oA, i) * words(iB, oB, j)
    name = level.name if len(level.name) <= 20 else level.name[:20] + "..."
    rows = f"more than {counted}" if size > counted else str(size)
    check("CERTIFY_MAX_MOMENT_MATRIX", size, None, "--level",
          f"NPA level {name} on {iA}x{iB} questions and {oA}x{oB} answers needs a moment matrix of {rows} rows",
          "choose a lower --level")
    check_feasible(game, "nosignalling")


def npa_bound(game, level="2", solver=None):
    """A certified quantum bound on a game from NPA level ``level`` (a Result).

    Solves the relaxation (certify.bounds.solvers), turns its dual into an exact
    certificate (``rigorous_certificate``) and re-checks it with
    certify.proofs.npa.check_npa. ``value`` is the certified bound in the
    game's sense (an upper bound for "max", a lower bound for "min");
    ``details["solver_value"]`` is the solver's own optimum beside it.
    """
    import time

    from . import solvers
    from ..proofs.npa import check_npa
    from ..report.results import Result

    start = time.perf_counter()
    level = parse_level(level)
    check_before_building(game, level)
    relax = relaxation(game, level)
    built = time.perf_counter()
    solution = solvers.solve(relax, solver)
    solved = time.perf_counter()
    certificate = rigorous_certificate(relax, solution)
    certificate["solver_value"] = relax.sign * solution.value
    check = check_npa(game, certificate)
    checked = time.perf_counter()
    solver_value = relax.sign * solution.value
    if solution.solver["status"] != solvers.OPTIMAL:
        # Stopped short of tolerance: keep it only if the exact bound is proved
        # and within INACCURATE_GAP of the solver's value (the gap says the
        # solve was accurate enough); never report the solver's number alone.
        gap = abs(float(check.bound) - solver_value) if check.ok else float("inf")
        if gap > INACCURATE_GAP * max(1.0, abs(solver_value)):
            raise solvers.SolverFailed(
                solution.solver["name"], f"{solution.solver['status']} (certified gap {gap:.2g})",
                solvers.ADVICE[solvers.INACCURATE],
            )
    value = float(check.bound) if check.ok else solver_value
    details = {
        "solver_value": solver_value,
        "bound": certificate["bound"],
        "level": level.name,
        "moment_matrix_size": relax.pattern.size,
        "moments": relax.pattern.count - 2,
        "timings": {
            "relaxation": round(built - start, 6),
            "cvxpy_build": round(solution.build_seconds, 6),
            "solve": round(solution.solve_seconds, 6),
            "certificate": round(checked - solved, 6),
        },
    }
    return Result(
        command="quantum",
        game=game,
        value=value,
        exact=None,
        certified=check.ok,
        certificate=certificate,
        solver=solution.solver,
        seconds=checked - start,
        method=f"NPA level {level.name} (moment matrix {relax.pattern.size}x{relax.pattern.size}, "
        f"{relax.pattern.count - 2} moments), rigorous dual bound",
        details=details,
        problems=check.problems,
    )
