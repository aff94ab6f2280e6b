"""Constrained see-saw: column generation over strategies, and the exact mixing weights.

With constraints (``seesaw_bound``) the quantum set with shared randomness is
convex, so the constrained optimum is a mixture. It is found by column
generation (Dantzig and Wolfe, Oper. Res. 8, 101 (1960)): an LP over the weights of a pool of
strategies (HiGHS, through certify.bounds.lp) gives multipliers (t, mu);
see-saw on the Lagrangian game s c - mu.d prices a new strategy; stop when
none beats t. The pool starts with the classical optimum's deterministic
strategies, so the LP is feasible whenever the classical problem is and the
result is never below it. The float search sees each constraint divided by
its largest coefficient, so a constraint written at a tiny scale is not lost
in the solver's tolerance.

Certified means exact (docs/certificates.md): the final weights are solved
exactly (``exact_mixture``) from the repaired strategies' exact behaviours,
so that every constraint holds exactly in rationals, with no tolerance. If
rounding leaves no such weights near the float ones, the classical optimum's
mixture (which meets every constraint exactly) is blended in; only when there
is none (no classical strategy meets the constraints) may the witness meet
other levels than requested, and it is then certified at the levels it meets,
which the result's game, method and details["requested"] state.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Callable

import numpy as np

from ...errors import SolverFailed
from ...proofs.exact import as_fmpq, as_fraction, exact_dot, exact_inner, holds, sense_sign
from ...proofs.seesaw import SEESAW_CLAIM_DIGITS, decimal_rounded, seesaw_exact_behaviour, seesaw_repair
from .strategy import QuantumStrategy

if TYPE_CHECKING:
    import flint

    from ...games.game import Game

# search(tensor, restarts, seed, initial=()) -> (value, strategy or None): a see-saw run
Search = Callable[..., tuple[float, QuantumStrategy | None]]

_PRICING_TOLERANCE = 1e-9
_MAX_ROUNDS = 60
_STALL_ROUNDS = 4  # stop column generation when the LP value has not moved for this many rounds
_EXACT_CANDIDATES = 4  # LP solutions (the best rounds) whose weights are solved exactly


def _scaled_constraints(game: Game, kept: list[int] | None = None) -> list[tuple[np.ndarray, float, str]]:
    """Each constraint as float (coefficients, value) divided by its largest |coefficient|.

    The same constraint, only better conditioned for floating-point solvers:
    a constraint written at a tiny scale (its expression divided by 10**12)
    would otherwise sit inside the LP solver's feasibility tolerance and be
    ignored. Exact arithmetic later uses the constraint as written.
    """
    scaled = []
    for k, constraint in enumerate(game.constraints):
        if kept is not None and k not in kept:
            continue
        size = max((abs(v) for v in constraint.exact.flat), default=Fraction(0)) or Fraction(1)
        coefficients = np.vectorize(lambda v: float(v / size), otypes=[float])(constraint.exact)
        scaled.append((coefficients, float(constraint.value / size), constraint.relation))
    return scaled


def column_generation(game: Game, objective: np.ndarray, pool: list[QuantumStrategy], dim: int, restarts: int,
                      seed: int, search: Search, kept: list[int],
                      anchored: bool) -> tuple[list[QuantumStrategy], list[np.ndarray], int]:
    """Strategies whose best mixture meets the constraints (see the module docstring).

    LP over the pool's weights (HiGHS) with an artificial column of large
    penalty per constraint and direction, so the LP is feasible even before
    the pool can meet the constraints; see-saw (``search``, see _search) on the
    Lagrangian prices new strategies. Only the constraints ``kept`` (indices)
    are rows: those forcing zeros hold for every strategy ``search`` returns.
    Constraints are rescaled (``_scaled_constraints``). Returns (pool, float
    weights on the pool of the best LP solutions, best first, rounds); the
    first strategies of the pool are the ones passed in, in order. When the
    last LP still needs an artificial column the result is SolverFailed,
    unless ``anchored`` (the pool starts with the classical optimum's
    strategies, which meet every constraint): then no solution is returned and
    the classical mixture stays the witness.
    """
    from .. import lp

    constraints = _scaled_constraints(game, kept)
    for coefficients, _, _ in constraints:  # strategies at the ends of each constraint's range
        for direction in (1, -1):
            strategy = search(direction * coefficients, restarts, seed)[1]
            if strategy is not None:
                pool.append(strategy)
    relations = ["=="] + [relation for _, _, relation in constraints]
    rhs = [1.0] + [value for _, value, _ in constraints]
    k = len(constraints)
    artificial = np.zeros((1 + k, 2 * k))
    for index in range(k):
        artificial[1 + index, 2 * index], artificial[1 + index, 2 * index + 1] = 1.0, -1.0
    penalty = 1e3 * (1 + float(np.abs(objective).sum()))
    history, solutions = [], []
    rounds = 0
    stopped = "round limit"
    for rounds in range(1, _MAX_ROUNDS + 1):
        columns = len(pool)  # the LP's strategy columns (the pool may grow after it)
        behaviours = [s.behaviour() for s in pool]
        costs = np.array([np.sum(objective * p) for p in behaviours] + [-penalty] * (2 * k))
        rows = np.array([[1.0] * len(pool)] + [[np.sum(d * p) for p in behaviours] for d, _, _ in constraints])
        solution = lp.solve(costs, np.hstack([rows, artificial]), relations, rhs)
        history.append(solution.float_value)
        if not np.any(solution.float_primal[columns:] > 1e-9):
            solutions.append((solution.float_value, np.clip(solution.float_primal[: len(pool)], 0.0, None)))
        if len(history) > _STALL_ROUNDS and history[-1] <= history[-1 - _STALL_ROUNDS] + 1e-12:
            stopped = f"LP value stalled for {_STALL_ROUNDS} rounds"
            break
        duals = solution.float_duals
        price = objective - sum(mu * d for mu, (d, _, _) in zip(duals[1:], constraints))
        ranked = np.argsort(-solution.float_primal[: len(pool)])[:3]
        value, candidate = search(price, restarts, seed + rounds,
                                  initial=[pool[i] for i in ranked if pool[i].dims == (dim, dim)])
        if candidate is None or value <= duals[0] + _PRICING_TOLERANCE * (1 + abs(duals[0])):
            stopped = "converged (no strategy prices in)"
            break
        pool.append(candidate)
    if np.any(solution.float_primal[columns:] > 1e-9):
        if anchored:
            column_generation.stopped = f"{stopped}; no mixture found meets the constraints, the classical one is kept"
            return pool, [], rounds
        raise SolverFailed(
            "see-saw", "infeasible",
            f"no mixture of strategies found in dimension {dim} meets the constraints; "
            "check the --fix values, or try a larger --dim or more --restarts",
        )
    # HiGHS meets rows and optimality within 1e-7, so the LP value may even fall
    # as columns are added: keep the best few rounds, to be solved exactly
    solutions.sort(key=lambda entry: -entry[0])
    best = [weights for _, weights in solutions[:_EXACT_CANDIDATES]]
    column_generation.stopped = stopped  # read by seesaw_bound for its status
    return pool, [np.pad(w, (0, len(pool) - len(w))) for w in best], rounds


def _exact_columns(game: Game, strategies: list[QuantumStrategy]) -> tuple[list[Fraction], list[list[Fraction]]]:
    """Exact behaviours of the repaired strategies, as columns: (costs s*c.p, rows [1, d_k.p])."""
    sign = sense_sign(game)
    behaviours = [seesaw_exact_behaviour(seesaw_repair(s.to_json(), game)[0]) for s in strategies]
    costs = [exact_dot(game.objective_exact, p) * sign for p in behaviours]
    rows = [[Fraction(1)] * len(strategies)] + [[exact_dot(c.exact, p) for p in behaviours] for c in game.constraints]
    return costs, rows


def _holds_all(game: Game, rows: list[list[Fraction]], weights: list[Fraction]) -> bool:
    """Exactly: are the weights a probability vector meeting every constraint?"""
    if any(w < 0 for w in weights) or sum(weights) != 1:
        return False
    for constraint, row in zip(game.constraints, rows[1:]):
        if not holds(constraint.relation, exact_inner(weights, row), constraint.value):
            return False
    return True


def _solve_equalities(game: Game, rows: list[list[Fraction]], weights: list[Fraction]) -> list[Fraction] | None:
    """Non-negative weights meeting the normalisation, every equality constraint and
    every inequality the float solution makes tight, exactly; None if none is found.

    The float weights are exact binary rationals already. A set of columns,
    largest weights first, whose restriction to those rows R_E is invertible
    ("adjusters") is re-solved exactly with the other weights held:
    R_E[:, adj] x = rhs_E - R_E[:, rest] w_rest. The adjusters move by
    rounding errors only, unless one had (almost) no weight; a column that
    comes out negative is held at 0 and the solve repeated without it.
    """
    rhs = [Fraction(1)] + [c.value for c in game.constraints]
    enforced = [0]
    for k, constraint in enumerate(game.constraints, start=1):
        level = exact_inner(weights, rows[k])
        size = max(abs(r) for r in rows[k]) or Fraction(1)
        if constraint.relation == "==" or abs(level - constraint.value) <= size * Fraction(1, 10**9):
            # a row that (with its right-hand side) repeats earlier ones adds nothing to
            # solve: e.g. a forced zero, whose row is 0 = 0 on every strategy
            augmented = [rows[i] + [rhs[i]] for i in enforced + [k]]
            if _rank(augmented) > len(enforced):
                enforced.append(k)
    held = list(weights)
    excluded = set()
    while True:
        order = sorted((j for j in range(len(held)) if j not in excluded), key=lambda j: -held[j])
        chosen = []
        for j in order:
            trial = chosen + [j]
            if _rank([[rows[i][c] for c in trial] for i in enforced]) == len(trial):
                chosen = trial
            if len(chosen) == len(enforced):
                break
        if len(chosen) != len(enforced):
            return None
        rest = [j for j in range(len(held)) if j not in chosen]
        target = [rhs[i] - exact_inner([rows[i][j] for j in rest], [held[j] for j in rest]) for i in enforced]
        solution = _exact_solve([rows[i][j] for i in enforced for j in chosen], target)
        if solution is None:
            return None
        result = list(held)
        for j, value in zip(chosen, solution):
            result[j] = value
        negative = [j for j in chosen if result[j] < 0]
        if not negative:
            return result
        worst = min(negative, key=lambda j: result[j])
        excluded.add(worst)
        held[worst] = Fraction(0)


def _matrix(rows: list[list[Fraction]]) -> flint.fmpq_mat:
    """Rows of Fractions as python-flint's exact rational matrix."""
    import flint

    return flint.fmpq_mat(len(rows), len(rows[0]), [as_fmpq(v) for row in rows for v in row])


def _rank(rows: list[list[Fraction]]) -> int:
    """The exact rank of a rational matrix given by its rows."""
    return _matrix(rows).rank()


def _exact_solve(flat: list[Fraction], rhs: list[Fraction]) -> list[Fraction] | None:
    """The solution of a square rational system (``flat`` row by row), or None if singular."""
    size = len(rhs)
    a = _matrix([flat[i * size:(i + 1) * size] for i in range(size)])
    try:
        x = a.solve(_matrix([[v] for v in rhs]))
    except ZeroDivisionError:
        return None
    return [as_fraction(x[i, 0]) for i in range(size)]


def _blend(game: Game, rows: list[list[Fraction]], weights: list[Fraction],
           anchor: list[Fraction]) -> list[Fraction]:
    """The point (1 - t) w + t anchor nearest w that meets every condition exactly.

    ``weights`` (non-negative) meets the equality rows exactly, ``anchor`` (the
    classical optimum's mixture) meets everything; the feasible t form an
    interval [t*, 1], t* the largest t any inequality needs, rounded up to a
    multiple of 2^-64.
    """
    need = Fraction(0)

    def require(at_zero: Fraction, at_one: Fraction) -> None:
        """Raise ``need`` to the least t with (1 - t) at_zero + t at_one >= 0 (at_one >= 0)."""
        nonlocal need
        if at_zero < 0:
            need = max(need, at_zero / (at_zero - at_one))

    for w, a in zip(weights, anchor):
        require(w, a)
    for constraint, row in zip(game.constraints, rows[1:]):
        level = exact_inner(weights, row)
        anchor_level = exact_inner(anchor, row)
        if constraint.relation == "<=":
            require(constraint.value - level, constraint.value - anchor_level)
        elif constraint.relation == ">=":
            require(level - constraint.value, anchor_level - constraint.value)
    scale = 2**64
    t = min(Fraction(-((-need.numerator * scale) // need.denominator), scale), Fraction(1))
    return [(1 - t) * w + t * a for w, a in zip(weights, anchor)]


def exact_mixture(game: Game, pool: list[QuantumStrategy], candidates: list[np.ndarray],
                  anchor_weights: list[Fraction]) -> tuple[list[tuple[Fraction, QuantumStrategy]], dict | None]:
    """Exact rational weights on the pool meeting the constraints exactly.

    ``candidates`` are float weight vectors on the pool (the column
    generation's best LP solutions, best first); the first
    len(anchor_weights) strategies of the pool form the classical optimum's
    mixture with those exact weights (may be empty). For each candidate: the
    float weights (exact binary rationals) with the equality and tight rows
    re-solved exactly (``_solve_equalities``); if an inequality is then off by
    rounding, blended with the classical mixture (``_blend``, which meets
    everything exactly). The feasible one of largest exact value is kept.
    When none is feasible and there is no classical mixture, the witness
    keeps the first candidate's weights (normalised exactly) and is certified
    at the levels it meets. Returns (mixture [(Fraction, strategy)], met) with
    ``met`` None or {constraint name: the exact level met where the requested
    one is not}.
    """
    count = len(anchor_weights)
    used = sorted(set(range(count)) | {int(j) for w in candidates for j in np.flatnonzero(w > 1e-12)})
    strategies = [pool[j] for j in used]
    costs, rows = _exact_columns(game, strategies)
    anchor = [anchor_weights[j] if j < count else Fraction(0) for j in used]
    best = None
    for weights in candidates:
        floats = [Fraction(float(weights[j])) for j in used]
        solved = _solve_equalities(game, rows, floats)
        if solved is not None and not _holds_all(game, rows, solved) and count:
            solved = _blend(game, rows, solved, anchor)
        if solved is not None and _holds_all(game, rows, solved):
            value = exact_inner(solved, costs)
            if best is None or value > best[0]:
                best = (value, solved)
    met = None
    if best is not None:
        solved = best[1]
    elif count or not candidates:
        return [], None  # the classical mixture remains the witness
    else:
        floats = [Fraction(float(candidates[0][j])) for j in used]
        total = sum(floats)
        solved = [w / total for w in floats]
        met = {}
        for constraint, row in zip(game.constraints, rows[1:]):
            level = exact_inner(solved, row)
            if not holds(constraint.relation, level, constraint.value):
                # an inequality is met as well at a 40-digit decimal just on its safe side
                rounding = {"==": None, "<=": "ceil", ">=": "floor"}[constraint.relation]
                met[constraint.name] = level if rounding is None else Fraction(decimal_rounded(level, SEESAW_CLAIM_DIGITS, rounding))
    return [(w, s) for w, s in zip(solved, strategies) if w != 0], met or None
