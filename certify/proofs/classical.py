"""Exact checks of classical and no-signalling certificates (LP duality, best response).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .deterministic import DeterministicStrategy, best_deterministic
from .exact import Check, behaviour_problems, check_claim, exact_dot, fraction, lagrangian, multiplier_signs_ok, sense_sign


# ---------------------------------------------------------------------------
# Classical value: a mixture of deterministic strategies and dual multipliers


def check_classical(game, certificate):
    """Exactly re-check a classical certificate.

    Primal: rational weights w_s >= 0 summing to 1 on deterministic strategies
    s; their behaviour meets every constraint; its value is the lower end.
    Dual: constant t and multipliers mu with max_s (s c - mu.d)(s) <= t,
    checked by exact best response over all deterministic strategies; the
    upper end is t + mu.v (mapped back to the game's sense).
    """
    problems = []
    sign = sense_sign(game)
    achieved = bound = None
    try:
        mixture = [
            (fraction(entry["weight"]), DeterministicStrategy.from_json(entry))
            for entry in certificate["mixture"]
        ]
        constant = fraction(certificate["dual"]["constant"])
        multipliers = {k: fraction(v) for k, v in certificate["dual"]["multipliers"].items()}
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as error:
        return Check(False, problems=[f"malformed classical certificate: {error!r}"])

    primal_ok = True
    if any(weight < 0 for weight, _ in mixture) or sum(w for w, _ in mixture) != 1:
        problems.append("mixture weights are not a probability distribution")
        primal_ok = False
    p = np.full(game.shape, Fraction(0), dtype=object)
    for weight, strategy in mixture:
        if len(strategy.alpha) != game.inputs[0] or len(strategy.beta) != game.inputs[1] or not (
            all(0 <= a < game.outputs[0] for a in strategy.alpha)
            and all(0 <= b < game.outputs[1] for b in strategy.beta)
        ):
            problems.append(f"strategy {strategy.to_json()} does not fit the game's shape")
            primal_ok = False
            continue
        for x, a in enumerate(strategy.alpha):
            for y, b in enumerate(strategy.beta):
                p[a, b, x, y] += weight
    if primal_ok:
        infeasible = behaviour_problems(game, p)
        problems += infeasible
        if not infeasible:
            achieved = exact_dot(game.objective_exact, p)

    dual_ok = multiplier_signs_ok(game, multipliers, problems)
    if dual_ok:
        tensor, offset = lagrangian(game, multipliers)
        best, strategy = best_deterministic(tensor)
        if best > constant:
            problems.append(
                f"dual fails: deterministic strategy {strategy.to_json()} reaches "
                f"{float(best):.12g} > constant {float(constant):.12g}"
            )
            dual_ok = False
        else:
            bound = sign * (constant + offset)
    claimed = certificate.get("value")
    check_claim(claimed, achieved, bound, problems)
    return Check(ok=not problems, achieved=achieved, bound=bound, problems=problems)


# ---------------------------------------------------------------------------
# No-signalling value


def nosignalling_rows(game):
    """The no-signalling equalities as a list of (name, exact tensor) with right side 0.

    A's marginal does not depend on y: sum_b p(a,b|x,y) - sum_b p(a,b|x,0) = 0
    for y >= 1; B's on x likewise (Popescu and Rohrlich, Found. Phys. 24, 379 (1994)).
    """
    oA, oB, iA, iB = game.shape
    rows = []
    for a in range(oA):
        for x in range(iA):
            for y in range(1, iB):
                row = np.full(game.shape, Fraction(0), dtype=object)
                row[a, :, x, y] = Fraction(1)
                row[a, :, x, 0] = Fraction(-1)
                rows.append((f"A[{a}|{x}] y={y}", row))
    for b in range(oB):
        for y in range(iB):
            for x in range(1, iA):
                row = np.full(game.shape, Fraction(0), dtype=object)
                row[:, b, x, y] = Fraction(1)
                row[:, b, 0, y] = Fraction(-1)
                rows.append((f"B[{b}|{y}] x={x}", row))
    return rows


def check_nosignalling(game, certificate):
    """Exactly re-check a no-signalling certificate.

    Primal: a rational behaviour, non-negative, normalised, no-signalling and
    feasible. Dual: multipliers lambda on the no-signalling rows and mu on the
    constraints; with r = s c - lambda.N - mu.d the bound is
    sum_{x,y} max_{a,b} r[a,b,x,y] + mu.v, valid for every normalised p.
    """
    problems = []
    sign = sense_sign(game)
    achieved = bound = None
    try:
        p = np.array(
            [[[[fraction(v) for v in row] for row in block] for block in plane]
             for plane in certificate["behaviour"]],
            dtype=object,
        )
        ns_multipliers = [fraction(v) for v in certificate["dual"]["nosignalling"]]
        multipliers = {k: fraction(v) for k, v in certificate["dual"]["multipliers"].items()}
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as error:
        return Check(False, problems=[f"malformed no-signalling certificate: {error!r}"])
    rows = nosignalling_rows(game)
    if p.shape != game.shape:
        problems.append(f"behaviour has shape {list(p.shape)}, the game {list(game.shape)}")
    else:
        ok = True
        if any(v < 0 for v in p.flat):
            problems.append("behaviour has a negative probability")
            ok = False
        sums = p.sum(axis=(0, 1))
        if any(v != 1 for v in sums.flat):
            problems.append("behaviour is not normalised for every question pair")
            ok = False
        for name, row in rows:
            if exact_dot(row, p) != 0:
                problems.append(f"behaviour signals: {name}")
                ok = False
                break
        infeasible = behaviour_problems(game, p)
        problems += infeasible
        if ok and not infeasible:
            achieved = exact_dot(game.objective_exact, p)
    if len(ns_multipliers) != len(rows):
        problems.append(f"expected {len(rows)} no-signalling multipliers, got {len(ns_multipliers)}")
    elif multiplier_signs_ok(game, multipliers, problems):
        tensor, offset = lagrangian(game, multipliers)
        for value, (_, row) in zip(ns_multipliers, rows):
            if value:
                tensor = tensor - row * value
        best = sum(
            max(tensor[:, :, x, y].flat) for x in range(game.inputs[0]) for y in range(game.inputs[1])
        )
        bound = sign * (best + offset)
    claimed = certificate.get("value")
    check_claim(claimed, achieved, bound, problems)
    return Check(ok=not problems, achieved=achieved, bound=bound, problems=problems)
