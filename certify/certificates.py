"""Exact checks of every certificate certify writes; no solver is called here.

Every command builds its certificate, then calls the check in this module on
it, and reports ``certified`` from that check alone; ``certify verify``
calls the same checks on a JSON file. Conventions shared by all checks:

* Signs. A game is maximised in "max form": the objective is s*c with
  s = +1 for "max" and s = -1 for "min", and dual multipliers are stored for
  that maximisation. A bound B in max form is the bound s*B on the game.
* Weak duality with multipliers mu_k on constraints d_k.p (rel) v_k, where
  mu_k >= 0 for "<=", mu_k <= 0 for ">=" and free for "==": for every
  feasible behaviour p in a set P,

      s c.p <= max_{p in P} (s c - sum_k mu_k d_k).p + sum_k mu_k v_k.

  For the classical set P the maximum is attained at a deterministic strategy
  and is computed exactly by best response (certify.deterministic); for the
  no-signalling set, after subtracting the no-signalling multipliers, it is
  attained per question pair by a single answer pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .deterministic import DeterministicStrategy, best_deterministic


@dataclass
class Check:
    """The outcome of one exact check, in the game's own sense."""

    ok: bool
    achieved: Fraction | None = None  # the value an exactly feasible witness reaches
    bound: Fraction | None = None  # no feasible behaviour does better (in the game's sense)
    problems: list = field(default_factory=list)

    @property
    def exact(self):
        if self.ok and self.achieved is not None and self.achieved == self.bound:
            return self.achieved
        return None


def sense_sign(game):
    return 1 if game.sense == "max" else -1


def fraction(text):
    return Fraction(str(text))


def rational_strings(array):
    return np.vectorize(str, otypes=[object])(np.asarray(array, dtype=object)).tolist()


def _multiplier_signs_ok(game, multipliers, problems):
    ok = True
    names = {c.name for c in game.constraints}
    for name in multipliers:
        if name not in names:
            problems.append(f"multiplier for unknown constraint '{name}'")
            ok = False
    for constraint in game.constraints:
        mu = multipliers.get(constraint.name, Fraction(0))
        if constraint.relation == "<=" and mu < 0 or constraint.relation == ">=" and mu > 0:
            problems.append(f"multiplier of '{constraint.name}' has the wrong sign for '{constraint.relation}'")
            ok = False
    return ok


def _lagrangian(game, multipliers):
    """s c - sum_k mu_k d_k, exactly, and sum_k mu_k v_k."""
    tensor = game.objective_exact * sense_sign(game)
    offset = Fraction(0)
    for constraint in game.constraints:
        mu = multipliers.get(constraint.name, Fraction(0))
        if mu:
            tensor = tensor - constraint.exact * mu
            offset += mu * constraint.value
    return tensor, offset


def _check_claim(claimed, achieved, bound, problems):
    """A claimed exact value must be both reached by the witness and proved by the dual."""
    if claimed is None:
        return
    if achieved is None or bound is None or not fraction(claimed) == achieved == bound:
        problems.append(
            f"claimed exact value {claimed} is not both reached ({achieved}) and proved ({bound})"
        )


def _holds(relation, left, right):
    return {"==": left == right, "<=": left <= right, ">=": left >= right}[relation]


def behaviour_problems(game, p):
    """Exact feasibility of a behaviour (object array of Fractions) for the game's constraints."""
    problems = []
    for constraint in game.constraints:
        level = sum((constraint.exact * p).flat, Fraction(0))
        if not _holds(constraint.relation, level, constraint.value):
            problems.append(
                f"constraint '{constraint.name}': {float(level):.12g} {constraint.relation} "
                f"{float(constraint.value):.12g} fails"
            )
    return problems


# ---------------------------------------------------------------------------
# Whole result documents (certify verify)

# Certificate kind -> name of its check in this module (looked up when called,
# so every check below is found wherever it is defined).
CHECKS = {
    "classical": "check_classical",
    "nosignalling": "check_nosignalling",
    "npa": "check_npa",
    "seesaw": "check_seesaw",
}


@dataclass
class Verified:
    """The re-check of one result inside a JSON document."""

    path: str
    kind: str
    ok: bool
    value: Fraction | None
    problems: list


def checked_value(check):
    """The number a check proves: the exact value, else the bound, else what a witness reaches."""
    if check.exact is not None:
        return check.exact
    return check.bound if check.bound is not None else check.achieved


def verify_result(node, path, source):
    """Rebuild the game from the result's own definition and re-check its certificate."""
    from .errors import BadInput
    from .game import game_from_mapping

    problems = []
    try:
        game = game_from_mapping(node["game"]["definition"], f"{source} {path}.game.definition")
        kind = node["certificate"]["kind"]
    except BadInput as error:
        return Verified(path, "?", False, None, [f"game definition: {error}"])
    except (KeyError, TypeError) as error:
        return Verified(path, "?", False, None, [f"missing {error} in the result"])
    if game.sha256 != node["game"].get("sha256"):
        problems.append("the game definition does not match its sha256")
    if kind not in CHECKS or CHECKS[kind] not in globals():
        return Verified(path, str(kind), False, None, problems + [f"unknown certificate kind '{kind}'"])
    check = globals()[CHECKS[kind]](game, node["certificate"])
    problems += check.problems
    value = checked_value(check)
    if value is None:
        problems.append("the certificate proves no number")
    else:
        claimed = node.get("value")
        if not isinstance(claimed, (int, float)) or abs(claimed - float(value)) > 1e-9 * (1 + abs(float(value))):
            problems.append(f"claimed value {claimed} differs from the checked {float(value):.15g}")
        if node.get("exact") is not None and (check.exact is None or fraction(node["exact"]) != check.exact):
            problems.append(f"claimed exact value {node['exact']} is not what the certificate proves")
    if node.get("certified") is not True:
        problems.append("the result itself says it is not certified")
    return Verified(path, kind, not problems, value, problems)


def verify_document(data, source="result"):
    """Re-check every result with a certificate anywhere inside a JSON document.

    A result is any object with "game" and "certificate" keys (top level, the
    three parts of a gap, each point of a frontier). No solver is called.
    """
    found = []

    def visit(node, path):
        if isinstance(node, dict):
            if "certificate" in node and "game" in node:
                found.append(verify_result(node, path, source))
                return
            for key, child in node.items():
                visit(child, f"{path}.{key}" if path else key)
        elif isinstance(node, list):
            for index, child in enumerate(node):
                visit(child, f"{path}[{index}]")

    visit(data, "")
    return found


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
            achieved = sum((game.objective_exact * p).flat, Fraction(0))

    dual_ok = _multiplier_signs_ok(game, multipliers, problems)
    if dual_ok:
        tensor, offset = _lagrangian(game, multipliers)
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
    _check_claim(claimed, achieved, bound, problems)
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
            if sum((row * p).flat, Fraction(0)) != 0:
                problems.append(f"behaviour signals: {name}")
                ok = False
                break
        infeasible = behaviour_problems(game, p)
        problems += infeasible
        if ok and not infeasible:
            achieved = sum((game.objective_exact * p).flat, Fraction(0))
    if len(ns_multipliers) != len(rows):
        problems.append(f"expected {len(rows)} no-signalling multipliers, got {len(ns_multipliers)}")
    elif _multiplier_signs_ok(game, multipliers, problems):
        tensor, offset = _lagrangian(game, multipliers)
        for value, (_, row) in zip(ns_multipliers, rows):
            if value:
                tensor = tensor - row * value
        best = sum(
            max(tensor[:, :, x, y].flat) for x in range(game.inputs[0]) for y in range(game.inputs[1])
        )
        bound = sign * (best + offset)
    claimed = certificate.get("value")
    _check_claim(claimed, achieved, bound, problems)
    return Check(ok=not problems, achieved=achieved, bound=bound, problems=problems)
