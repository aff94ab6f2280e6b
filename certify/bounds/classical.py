"""The classical (local) value and the no-signalling value, exactly.

Classical value (Bell, Physics 1, 195 (1964); the LP view as in Brunner et
al., Rev. Mod. Phys. 86, 419 (2014), section II.B): shared randomness mixes
deterministic strategies, so the value is

    max  sum_s w_s (s c)(s)  over  w >= 0, sum_s w_s = 1,  sum_s w_s d_k(s) (rel_k) v_k.

Without constraints the optimum is one deterministic strategy, found by exact
best-response enumeration (certify.proofs.deterministic). With constraints it is an
LP over strategy weights, solved by HiGHS, on every strategy when there are
few and by column generation otherwise (the pricing problem is exactly the
unconstrained problem for the Lagrangian game s c - mu.d). The optimal basis
is then rebuilt exactly (certify.bounds.lp) and the certificate is checked by
certify.proofs.classical.check_classical.

No-signalling value: the LP over behaviours with non-negativity,
normalisation and the no-signalling equalities, with the same exact route.
"""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np

from . import lp
from ..proofs.classical import check_classical, check_nosignalling, nosignalling_rows
from ..proofs.exact import lagrangian, rational_strings, sense_sign
from ..proofs.deterministic import all_strategies, best_deterministic, best_deterministic_float, strategy_count, strategy_values
from ..errors import BadInput, SolverFailed
from ..games.limits import check_strategies
from .result import Result

LIST_ALL_LIMIT = 4096  # above this many deterministic strategies, generate columns
_PRICING_TOLERANCE = 1e-9
_MAX_ROUNDS = 500


def classical_value(game):
    """The exact classical optimum of a game with its certificate (a Result).

    Refuses (BadInput) a game with too many deterministic strategies to list
    (certify.games.limits.check_strategies) and constraint values no classical behaviour
    meets (``InfeasibleConstraints``, stating each constraint's range).
    """
    start = time.perf_counter()
    check_strategies(game.inputs, game.outputs, game.source or None)
    if not game.constraints:
        best, strategy = best_deterministic(game.objective_exact * sense_sign(game))
        certificate = {
            "kind": "classical",
            "mixture": [{"weight": "1", **strategy.to_json()}],
            "dual": {"constant": str(best), "multipliers": {}},
            "value": str(best * sense_sign(game)),
        }
        solver = {"name": "none: exact best-response enumeration"}
        method = "enumeration"
    else:
        try:
            certificate, solver, method = _constrained(game)
        except SolverFailed as error:
            if "infeasible" not in str(error.status):
                raise
            raise infeasible(game, "classical") from None
    return _finish("classical", game, certificate, solver, method, check_classical, start)


# ---------------------------------------------------------------------------
# Bounded work and feasible constraint values


class InfeasibleConstraints(BadInput):
    """Constraint values that no behaviour of the kind asked for can meet."""


def constraint_range(game, constraint, kind="classical"):
    """[lowest, highest] exact value of a constraint's expression d.p over classical
    behaviours (deterministic strategies, by best response) or no-signalling ones
    (the no-signalling LP with d as objective)."""
    from dataclasses import replace

    if kind == "classical":
        high, _ = best_deterministic(constraint.exact)
        low, _ = best_deterministic(-constraint.exact)
        return -low, high
    # a frontier asks at every split: the range depends only on the table, not on the value fixed
    key = (game.inputs, game.outputs, tuple(constraint.exact.flat))
    if key not in _NOSIGNALLING_RANGES:
        if len(_NOSIGNALLING_RANGES) >= 256:
            _NOSIGNALLING_RANGES.clear()
        size = max((abs(v) for v in constraint.exact.flat), default=Fraction(0)) or Fraction(1)
        probe = replace(game, objective_exact=constraint.exact / size, constraints=(), sense="max")  # well scaled
        high = nosignalling_value(probe).exact
        low = nosignalling_value(replace(probe, sense="min")).exact
        if high is None or low is None:
            raise SolverFailed("HiGHS", "inexact", "the range of a constraint could not be computed exactly")
        _NOSIGNALLING_RANGES[key] = (low * size, high * size)
    return _NOSIGNALLING_RANGES[key]


_NOSIGNALLING_RANGES: dict[tuple[object, ...], tuple[Fraction, Fraction]] = {}  # (inputs, outputs, a constraint's exact entries) -> its no-signalling range


def infeasible(game, kind="classical"):
    """The bad-input error for constraint values no ``kind`` behaviour meets.

    Names the first constraint whose value lies outside its range (exactly,
    ``constraint_range``), else says the constraints cannot hold together.
    """
    ranges = []
    label = {"classical": "classical", "nosignalling": "no-signalling"}[kind]
    for constraint in game.constraints:
        try:
            low, high = constraint_range(game, constraint, kind)
        except SolverFailed:
            return InfeasibleConstraints(game.source or None, "constraints",
                                         f"no {label} behaviour meets the constraint values; change them with --fix NAME=VALUE")
        value = constraint.value
        inside = {"==": low <= value <= high, "<=": low <= value, ">=": value <= high}[constraint.relation]
        if not inside:
            return InfeasibleConstraints(
                game.source or None, f"constraint '{constraint.name}'",
                f"{constraint.relation} {value} cannot hold: over {label} behaviours its expression "
                f"takes exactly the values in [{low}, {high}] (set another with --fix {constraint.name}=VALUE)",
            )
        ranges.append(f"{constraint.name} in [{low}, {high}]")
    return InfeasibleConstraints(
        game.source or None, "constraints",
        f"no {label} behaviour meets all the constraint values together, though each alone can "
        f"({'; '.join(ranges)}); change them with --fix NAME=VALUE",
    )


def check_feasible(game, kind="nosignalling"):
    """Raise ``infeasible`` when some constraint value lies outside its ``kind`` range.

    A cheap pre-check for the quantum methods: no quantum behaviour meets a
    value outside the no-signalling range. Games whose no-signalling LP is
    itself too large are let through (the method reports its own failure).
    """
    from ..games.limits import limit

    rows, columns = nosignalling_lp_entries(game)
    if not game.constraints or rows * columns > limit("CERTIFY_MAX_LP_ENTRIES"):
        return
    for constraint in game.constraints:
        try:
            low, high = constraint_range(game, constraint, kind)
        except SolverFailed:
            return  # no exact range: the method reports its own failure
        value = constraint.value
        if not {"==": low <= value <= high, "<=": low <= value, ">=": value <= high}[constraint.relation]:
            raise infeasible(game, kind)


def _finish(command, game, certificate, solver, method, checker, start):
    check = checker(game, certificate)
    if check.exact is not None:
        value, exact = check.exact, check.exact
    elif check.bound is not None:
        value, exact = check.bound, None
    else:
        value, exact = Fraction(0), None
    details = {}
    if check.achieved is not None:
        details["achieved"] = str(check.achieved)
    if check.bound is not None:
        details["bound"] = str(check.bound)
    return Result(
        command=command,
        game=game,
        value=float(value),
        exact=exact,
        certified=check.ok and check.bound is not None,
        certificate=certificate,
        solver=solver,
        seconds=time.perf_counter() - start,
        method=method,
        details=details,
        problems=check.problems,
    )


def _constraint_table(game, strategies, exact):
    """Rows (normalisation, then each constraint) and costs for listed strategies."""
    sign = sense_sign(game)
    if exact:
        costs = [strategy.value(game.objective_exact) * sign for strategy in strategies]
        rows = [[Fraction(1)] * len(strategies)]
        rows += [[strategy.value(c.exact) for strategy in strategies] for c in game.constraints]
        rhs = [Fraction(1)] + [c.value for c in game.constraints]
        return costs, rows, rhs
    costs = strategy_values(game.objective, strategies) * sign
    rows = [np.ones(len(strategies))]
    rows += [strategy_values(_scaled(c), strategies) for c in game.constraints]
    rhs = [1.0] + [float(c.value / _scale(c)) for c in game.constraints]
    return costs, np.array(rows), np.array(rhs)


def _scale(constraint):
    """The largest |coefficient| of a constraint (1 if none): floating-point LPs see
    each constraint divided by it, so that one written at a tiny scale (divided by
    10**12) is not lost in HiGHS's 1e-7 feasibility tolerance. Exact rows are
    never scaled."""
    return max((abs(v) for v in constraint.exact.flat), default=Fraction(0)) or Fraction(1)


def _scaled(constraint):
    scale = _scale(constraint)
    return np.vectorize(lambda v: float(v / scale), otypes=[float])(constraint.exact)


def _constrained(game):
    """(certificate, solver, method) of the constrained LP, solved for the game without its constant part.

    A part of the objective that every behaviour pays alike, m_xy on every
    answer pair of questions (x, y), adds K = sum_xy m_xy to every value,
    because sum_ab p(a,b|x,y) = 1. Floating point cannot see the rest beside
    a large such part (the dual-work W at a lognormal sigma of 7 adds
    f E[S^2] ~ 1e20 to every strategy, and HiGHS ends "unknown"), so the LP
    is solved for (c - m) / 2^k, m_xy the least entry of c at (x, y) and 2^k
    near the largest entry of c - m, and the exact certificate mapped back:
    the mixture is the same, the dual constant t becomes 2^k t + s K (s the
    sense sign), the multipliers 2^k mu and the value 2^k v + K, because
    s c - 2^k mu.d = 2^k (s (c - m) / 2^k - mu.d) + s m. check_classical
    re-checks the result against the game as written.
    """
    from dataclasses import replace

    sign = sense_sign(game)
    least = np.empty(game.objective_exact.shape, dtype=object)
    offset = Fraction(0)
    for x in range(game.inputs[0]):
        for y in range(game.inputs[1]):
            m = min(game.objective_exact[:, :, x, y].flat)
            least[:, :, x, y] = m
            offset += m
    rest = game.objective_exact - least
    largest = max((abs(v) for v in rest.flat), default=Fraction(0))
    # and divided by a power of two near its largest entry: HiGHS's tolerances (1e-7) are absolute,
    # so a game whose entries are all 1e-200 (sizes of mean 1e-200) would look like the zero game
    scale = Fraction(2) ** (largest.numerator.bit_length() - largest.denominator.bit_length()) if largest else Fraction(1)
    if offset == 0 and scale == 1 and all(v == 0 for v in least.flat):
        return _constrained_lp(game)
    certificate, solver, method = _constrained_lp(replace(game, objective_exact=rest / scale))
    dual = certificate["dual"]
    dual["constant"] = str(Fraction(dual["constant"]) * scale + sign * offset)
    dual["multipliers"] = {name: str(Fraction(mu) * scale) for name, mu in dual["multipliers"].items()}
    if "value" in certificate:
        certificate["value"] = str(Fraction(certificate["value"]) * scale + offset)
    return certificate, solver, method


def _constrained_lp(game):
    relations = ["=="] + [c.relation for c in game.constraints]
    total = strategy_count(game.inputs, game.outputs)
    listed = total <= LIST_ALL_LIMIT
    if listed:
        strategies = all_strategies(game.inputs, game.outputs)
    else:
        strategies = _generate_columns(game, relations)
    for _ in range(_MAX_ROUNDS):
        solution, duals = _restricted_lp(game, strategies, relations)
        if listed:
            break
        entering = _exact_pricing(game, strategies, duals)
        if entering is None:
            break
        strategies.append(entering)
    else:
        raise SolverFailed("HiGHS", "iteration limit", f"exact pricing did not settle in {_MAX_ROUNDS} rounds")
    if listed:
        method = f"LP over all {total} deterministic strategies"
    else:
        method = f"LP by column generation ({len(strategies)} of {total} strategies)"
    exact_costs = _constraint_table(game, strategies, exact=True)[0]
    mixture = []
    if solution.primal is not None:
        mixture = [
            {"weight": str(weight), **strategy.to_json()}
            for weight, strategy in zip(solution.primal, strategies)
            if weight != 0
        ]
    certificate = {
        "kind": "classical",
        "mixture": mixture,
        "dual": {
            "constant": str(duals[0]),
            "multipliers": {c.name: str(mu) for c, mu in zip(game.constraints, duals[1:])},
        },
    }
    if solution.primal is not None and solution.duals is not None:
        value = sum(w * c for w, c in zip(solution.primal, exact_costs))
        certificate["value"] = str(value * sense_sign(game))
    return certificate, solution.solver, method


def _restricted_lp(game, strategies, relations):
    """(solution, exact duals) of the LP over the listed strategies.

    The duals are the exact ones of HiGHS's optimal basis, or, when that
    rebuild fails, HiGHS's float duals as rationals (mapped back from the
    scaled rows, ``_scale``): any multipliers give a valid bound once the
    checker accepts them.
    """
    costs, rows, rhs = _constraint_table(game, strategies, exact=False)
    exact_costs, exact_rows, exact_rhs = _constraint_table(game, strategies, exact=True)
    solution = lp.solve(costs, rows, relations, rhs, exact_costs, exact_rows, exact_rhs)
    duals = solution.duals
    if duals is None:  # float duals are for the scaled rows (_scale)
        duals = lp.rationalise(solution.float_duals)
        duals = duals[:1] + [mu / _scale(c) for mu, c in zip(duals[1:], game.constraints)]
    return solution, duals


def _exact_pricing(game, strategies, duals):
    """A deterministic strategy that the exact duals do not price out, or None.

    The certificate's dual (constant t, multipliers mu) is valid exactly when
    max_s (s c - mu.d)(s) <= t over every deterministic strategy s, the test
    certify.proofs.classical.check_classical makes. Column generation prices
    with the float duals of a penalised LP (artificial columns keep it
    feasible), and a degenerate final LP can return another optimal dual
    vertex, one that a strategy outside the restricted set violates: at a
    split of 0 on a 256 x 256 strategy game the split multiplier came out too
    small to penalise splitting. Pricing again with the final exact duals, by
    the same exact best response as the checker, and adding the violator
    until none is left, is column generation with exact pricing: it ends at
    a dual the checker accepts (or raises when the violator is already a
    column, which an optimal basis cannot allow).
    """
    multipliers = dict(zip((c.name for c in game.constraints), duals[1:]))
    tensor, _ = lagrangian(game, multipliers)
    best, strategy = best_deterministic(tensor)
    if best <= duals[0]:
        return None
    if strategy in strategies:
        raise SolverFailed("HiGHS", "inexact", "the LP's duals do not price out one of its own columns exactly")
    return strategy


def _generate_columns(game, relations):
    """Deterministic strategies enough to hold an optimal mixture (column generation).

    Artificial columns with a large penalty keep the restricted LP feasible;
    pricing finds the deterministic strategy of largest reduced cost exactly as
    the unconstrained problem for s c - mu.d.
    """
    sign = sense_sign(game)
    objective = game.objective * sign
    constraints = [_scaled(c) for c in game.constraints]  # as the float rows (_constraint_table)
    seeds = [objective] + [s * d for d in constraints for s in (1, -1)]
    strategies = []
    seen = set()
    for tensor in seeds:
        _, strategy = best_deterministic_float(tensor)
        if strategy not in seen:
            seen.add(strategy)
            strategies.append(strategy)
    rows_count = 1 + len(constraints)
    penalty = 1e3 * (1 + float(np.abs(objective).sum()))
    for _ in range(_MAX_ROUNDS):
        costs, rows, rhs = _constraint_table(game, strategies, exact=False)
        artificial = np.zeros((rows_count, 2 * (rows_count - 1)))
        for k in range(1, rows_count):
            artificial[k, 2 * (k - 1)] = 1.0
            artificial[k, 2 * (k - 1) + 1] = -1.0
        solution = lp.solve(
            np.concatenate([costs, np.full(artificial.shape[1], -penalty)]),
            np.hstack([rows, artificial]),
            relations,
            rhs,
        )
        duals = solution.float_duals
        reduced = objective.copy()
        for mu, d in zip(duals[1:], constraints):
            reduced = reduced - mu * d
        price, strategy = best_deterministic_float(reduced)
        if price <= duals[0] + _PRICING_TOLERANCE * (1 + abs(duals[0])) or strategy in seen:
            if np.any(solution.float_primal[len(strategies):] > 1e-9):
                raise SolverFailed(
                    "HiGHS", "infeasible",
                    "no mixture of deterministic strategies meets the constraints; check the --fix values",
                )
            return strategies
        seen.add(strategy)
        strategies.append(strategy)
    raise SolverFailed("HiGHS", "iteration limit", f"column generation did not settle in {_MAX_ROUNDS} rounds")


def nosignalling_lp_entries(game):
    """Entries of the no-signalling LP's dense matrix: (rows) x (behaviour entries)."""
    oA, oB, iA, iB = game.shape
    rows = iA * iB + iA * oA * iB + iB * oB * iA + len(game.constraints)
    return rows, oA * oB * iA * iB


def nosignalling_value(game):
    """The exact no-signalling optimum with its certificate (a Result).

    Refused (CERTIFY_MAX_LP_ENTRIES) when its dense constraint matrix would
    be too large; constraint values no no-signalling behaviour meets are
    bad input stating each constraint's range (``infeasible``).
    """
    from ..games.limits import check

    start = time.perf_counter()
    rows, columns = nosignalling_lp_entries(game)
    check("CERTIFY_MAX_LP_ENTRIES", rows * columns, game.source or None, "GAME",
          f"the no-signalling LP would have a {rows} x {columns} matrix")
    sign = sense_sign(game)
    oA, oB, iA, iB = game.shape
    n = oA * oB * iA * iB
    ns_rows = nosignalling_rows(game)
    exact_rows, rhs, relations = [], [], []
    for x in range(iA):
        for y in range(iB):
            row = np.full(game.shape, Fraction(0), dtype=object)
            row[:, :, x, y] = Fraction(1)
            exact_rows.append(row)
            rhs.append(Fraction(1))
            relations.append("==")
    for _, row in ns_rows:
        exact_rows.append(row)
        rhs.append(Fraction(0))
        relations.append("==")
    for constraint in game.constraints:
        exact_rows.append(constraint.exact)
        rhs.append(constraint.value)
        relations.append(constraint.relation)
    exact_matrix = [list(row.reshape(n)) for row in exact_rows]
    exact_costs = list((game.objective_exact * sign).reshape(n))
    float_matrix = np.array([[float(v) for v in row] for row in exact_matrix])
    try:
        solution = lp.solve(
            [float(v) for v in exact_costs], float_matrix, relations, [float(v) for v in rhs],
            exact_costs, exact_matrix, rhs,
        )
    except SolverFailed as error:
        if "infeasible" not in str(error.status) or not game.constraints:
            raise
        raise infeasible(game, "nosignalling") from None
    duals = solution.duals if solution.duals is not None else lp.rationalise(solution.float_duals)
    first_ns = iA * iB
    first_constraint = first_ns + len(ns_rows)
    behaviour = solution.primal
    if behaviour is None:
        behaviour = [Fraction(max(v, 0.0)).limit_denominator(10**9) for v in solution.float_primal]
    certificate = {
        "kind": "nosignalling",
        "behaviour": rational_strings(np.array(behaviour, dtype=object).reshape(game.shape)),
        "dual": {
            "nosignalling": [str(v) for v in duals[first_ns:first_constraint]],
            "multipliers": {c.name: str(mu) for c, mu in zip(game.constraints, duals[first_constraint:])},
        },
    }
    if solution.primal is not None and solution.duals is not None:
        value = sum(w * c for w, c in zip(solution.primal, exact_costs))
        certificate["value"] = str(value * sign)
    return _finish("nosignal", game, certificate, solution.solver, "LP over no-signalling behaviours", check_nosignalling, start)
