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
from .errors import BadInput


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


def exact_dot(tensor, p):
    """sum of tensor * p over every entry, in exact arithmetic (c.p for a behaviour p)."""
    return sum((tensor * p).flat, Fraction(0))


def exact_psd(matrix, strict=False):
    """Is the symmetric rational matrix positive semidefinite (definite if ``strict``)?

    Symmetric Gaussian elimination (LDL^T) in exact arithmetic: a positive
    pivot is eliminated; a negative pivot fails; a zero pivot fails when
    ``strict``, and otherwise needs a zero row (else the matrix is indefinite).
    """
    a = [[Fraction(v) for v in row] for row in matrix]
    size = len(a)
    for k in range(size):
        pivot = a[k][k]
        if pivot < 0 or (pivot == 0 and strict):
            return False
        if pivot == 0:
            if any(a[k][j] != 0 for j in range(k + 1, size)):
                return False
            continue
        for i in range(k + 1, size):
            if a[i][k] == 0:
                continue
            factor = a[i][k] / pivot
            for j in range(k + 1, size):
                a[i][j] -= factor * a[k][j]
    return True


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
        level = exact_dot(constraint.exact, p)
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
    check: Check | None = field(default=None, repr=False)  # kept so summaries reuse it


def checked_value(check):
    """The number a check proves: the exact value, else the bound, else what a witness reaches."""
    if check.exact is not None:
        return check.exact
    return check.bound if check.bound is not None else check.achieved


def verify_result(node, path, source):
    """Rebuild the game from the result's own definition and re-check its certificate."""
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
    return Verified(path, kind, not problems, value, problems, check)


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
    # The summaries of a gap and of a frontier are re-derived from the checks
    # just made, not by checking the same certificates again.
    checked = {item.path: item for item in found}
    if isinstance(data, dict) and data.get("command") == "gap":
        found.append(verify_gap(data, source, checked))
    if isinstance(data, dict) and data.get("command") == "pareto":
        top = checked.get("")
        points = top.check.points if top is not None and isinstance(top.check, FrontierCheck) else []
        found.append(verify_frontier_points(data, points))
    return found


def verify_frontier_points(data, points):
    """The summary numbers of a frontier (what papers quote) against its certificates.

    ``points`` holds, per point, the Verified results of check_frontier. For
    each point: the split is the classical game's fixed value; "classical"
    and "quantum_upper" are the checked values of those results;
    "quantum_lower" is the largest checked lower bound among the certified
    ones; "advantage_certified" holds exactly when quantum_upper < classical.
    """
    problems = []
    try:
        summaries, proofs = data["points"], data["certificate"]["points"]
        if not len(summaries) == len(proofs) == len(points):
            problems.append(f"{len(summaries)} points but {len(points)} checked of {len(proofs)} certified points")
        for index, (summary, proof, checked) in enumerate(zip(summaries, proofs, points)):
            where = f"points[{index}]"
            split = fraction(proof["classical"]["fixed"]["split"])
            if fraction(summary["split_exact"]) != split or abs(summary["split"] - float(split)) > 1e-15:
                problems.append(f"{where}: split differs from the certified game's")
            for key in ("classical", "quantum_upper"):
                value = checked[key].value
                if value is None or abs(summary[key] - float(value)) > 1e-12 * (1 + abs(float(value))):
                    problems.append(f"{where}: {key} {summary[key]} is not the checked {float(value) if value is not None else None}")
            lowers = [item.value for key, item in checked.items()
                      if key in ("quantum_lower", "npa") and item.ok and item.value is not None]
            if not lowers or abs(summary["quantum_lower"] - float(max(lowers))) > 1e-12 * (1 + abs(float(max(lowers)))):
                problems.append(f"{where}: quantum_lower {summary['quantum_lower']} is not a checked bound")
            advantage = (
                checked["classical"].ok and checked["quantum_upper"].ok
                and checked["quantum_upper"].value < checked["classical"].value
            )
            if bool(summary["advantage_certified"]) != advantage:
                problems.append(f"{where}: advantage_certified should be {advantage}")
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as error:
        problems.append(f"malformed frontier document: {error!r}")
    return Verified("points", "frontier points", not problems, None, problems)


def check_gap(game, classical_certificate, classical, quantum):
    """The certified quantum advantage, in the game's units (positive: entanglement helps).

    ``classical`` and ``quantum`` are the checks (check_classical, check_seesaw)
    already made of the classical certificate and of the see-saw witness.
    With the classical dual (t, mu) checked exactly and the see-saw witness's
    behaviour q computed exactly, every classical behaviour p meeting the
    constraints at the witness's own levels l_k = d_k.q obeys

        s c.p <= t + sum_k mu_k l_k        (weak duality, as in check_classical),

    so the advantage s (value(q) - c.p) >= s achieved(q) - (t + mu.l), where
    achieved is the witness's value rounded to the worse side. Comparing at the
    witness's exact levels (not at the nominal values) needs no error term.
    Returns (Fraction or None, problems).
    """
    problems = []
    problems += [f"classical: {line}" for line in classical.problems]
    problems += [f"see-saw: {line}" for line in quantum.problems]
    if not (classical.ok and quantum.ok) or classical.bound is None or quantum.achieved is None:
        return None, problems or ["a certificate proves no number"]
    sign = sense_sign(game)
    constant = fraction(classical_certificate["dual"]["constant"])
    multipliers = {k: fraction(v) for k, v in classical_certificate["dual"]["multipliers"].items()}
    q = quantum.behaviour
    classical_at_levels = constant + sum(
        (multipliers.get(c.name, Fraction(0)) * exact_dot(c.exact, q) for c in game.constraints),
        Fraction(0),
    )
    return sign * quantum.achieved - classical_at_levels, problems


def verify_gap(data, source, checked):
    """Re-derive a gap document's advantage from its own certificates.

    ``checked`` maps paths to the Verified parts of the document, whose checks
    are reused.
    """
    from .game import game_from_mapping

    try:
        game = game_from_mapping(data["game"]["definition"], f"{source} game.definition")
        witness = "quantum_lower" if game.sense == "max" else "quantum_upper"
        classical, quantum = checked["classical"].check, checked[witness].check
        if not isinstance(classical, Check) or not isinstance(quantum, SeesawCheck):
            return Verified("gap", "gap", False, None, ["the gap's classical or see-saw part could not be checked"])
        gap, problems = check_gap(game, data["classical"]["certificate"], classical, quantum)
        claimed = fraction(data["gap_exact"])
    except (BadInput, KeyError, TypeError, ValueError) as error:
        return Verified("gap", "gap", False, None, [f"malformed gap document: {error!r}"])
    if gap is not None and gap != claimed:
        problems.append(f"claimed gap {data['gap_exact']} differs from the checked {gap}")
    return Verified("gap", "gap", gap is not None and not problems, gap, problems)


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


# ---------------------------------------------------------------------------
# NPA dual certificate


def npa_minimal_shift(numerators, denominator, factor_rows, bits):
    """The least e >= 0 for which Z + e I = L L^T + R with R diagonally dominant.

    Z = numerators / denominator (an n x n symmetric integer matrix over one
    positive integer), L = factor_rows / 2^bits (lower triangular, row i has
    i + 1 integers). L L^T is PSD, and a symmetric matrix with non-negative
    diagonal dominating its rows is PSD (Gershgorin), so Z + e I is PSD for
    every e at least the number returned. Exact integer arithmetic
    (python-flint fmpz_mat); the factor is only a hint: a wrong one makes e
    large, never the proof false. This is the rounded-Cholesky verification
    of Peyrl and Parrilo, Theor. Comput. Sci. 409, 269 (2008).
    """
    import flint

    n = len(numerators)
    if len(factor_rows) != n or any(len(row) != i + 1 for i, row in enumerate(factor_rows)):
        raise ValueError("the factor is not lower triangular of the slack's size")
    lower = flint.fmpz_mat([list(row) + [0] * (n - i - 1) for i, row in enumerate(factor_rows)])
    scale = 1 << (2 * bits)
    residual = flint.fmpz_mat(numerators) * scale - (lower * lower.transpose()) * denominator
    entries = [int(v) for v in residual.entries()]
    worst = 0
    for i in range(n):
        row = entries[i * n:(i + 1) * n]
        excess = sum(abs(v) for v in row) - abs(row[i]) - row[i]
        worst = max(worst, excess)
    return Fraction(worst, denominator * scale)


def npa_slack_rows(upper):
    """Parse the upper triangle of the dual slack (row i holds Z[i, i:]) -> full Fraction rows."""
    n = len(upper)
    full = [[None] * n for _ in range(n)]
    for i, row in enumerate(upper):
        if len(row) != n - i:
            raise ValueError(f"slack row {i} has {len(row)} entries, expected {n - i}")
        for offset, text in enumerate(row):
            full[i][i + offset] = full[i + offset][i] = fraction(text)
    return full


def npa_integer_form(full):
    """Fraction rows -> (integer rows, common denominator)."""
    import math

    denominator = math.lcm(*(v.denominator for row in full for v in row))
    return [[v.numerator * (denominator // v.denominator) for v in row] for row in full], denominator


def npa_stationarity_residuals(relax, sums, denominator, multipliers):
    """r_k = b_k + <Z, F_k> - sum_j mu_j g_jk for every moment k >= 2, exactly.

    ``sums[k]`` is the sum of Z's entries (integers over ``denominator``) that
    hold moment k, i.e. <Z, F_k>. The certificate builder drives these to zero
    (certify.npa.rigorous_certificate); check_npa requires them to be zero.
    """
    residual = {k: Fraction(int(sums[k]), denominator) for k in range(2, relax.pattern.count)}
    for k, value in relax.objective.coefficients.items():
        if k >= 2:
            residual[k] += value
    for name, linear, _, _ in relax.constraints:
        mu = multipliers.get(name, Fraction(0))
        if mu:
            for k, coefficient in linear.coefficients.items():
                if k >= 2:
                    residual[k] -= mu * coefficient
    return residual


def check_npa(game, certificate):
    """Exactly re-check an NPA dual certificate; no solver is called.

    The relaxation is rebuilt from the game and the level (certify.npa): in
    max form, maximise b0 + b.m subject to M(m) = F_1 + sum_k m_k F_k PSD and
    g_j.m + g0_j (rel_j) v_j. The certificate gives a rational symmetric Z,
    rational multipliers mu (mu_j >= 0 for "<=", <= 0 for ">=") and a shift
    e >= 0. Checked exactly:

    * stationarity: b_k + <Z, F_k> - sum_j mu_j g_jk = 0 for every moment k >= 2;
    * Z + e I is PSD (``npa_minimal_shift`` with the certificate's factor);

    then for the moment matrix M of any quantum strategy meeting the
    constraints, b0 + b.m = b0 + <Z, F_1> + mu.(v - g0) - <Z, M> - sum_j
    mu_j (v_j - g_j.m - g0_j), hence

        s * value <= b0 + <Z, F_1> + sum_j mu_j (v_j - g0_j) + e n,

    because <Z, M> >= -e tr M >= -e n (M's diagonal holds norms of projector
    words, each at most 1) and each mu_j (v_j - g.m - g0_j) >= 0
    (Navascues, Pironio, Acin, arXiv:0803.4290; the shift argument as in
    Peyrl and Parrilo 2008). The claimed bound must equal this number.
    """
    from .npa import IDENTITY, parse_level, relaxation

    problems = []
    try:
        level = parse_level(certificate["level"], key="certificate.level")
        relax = relaxation(game, level)
        pattern = relax.pattern
        full = npa_slack_rows(certificate["dual"]["slack_upper"])
        multipliers = {k: fraction(v) for k, v in certificate["dual"]["multipliers"].items()}
        shift = fraction(certificate["shift"])
        factor = certificate["factor"]
        bits = int(factor["bits"])
        factor_rows = [[int(v) for v in row] for row in factor["rows"]]
        claimed = fraction(certificate["bound"])
    except Exception as error:  # noqa: BLE001 - any malformation is a failed check
        return Check(False, problems=[f"malformed NPA certificate: {error!r}"])
    n = pattern.size
    if len(full) != n:
        return Check(False, problems=[f"slack is {len(full)} wide, the level-{level} moment matrix {n}"])
    if shift < 0:
        problems.append("the shift e is negative")
    if not _multiplier_signs_ok(game, multipliers, problems):
        return Check(False, problems=problems)

    numerators, denominator = npa_integer_form(full)
    # <Z, F_k> for every moment k, over the full matrix (both triangles)
    sums = [0] * pattern.count
    index = pattern.index.tolist()
    for i in range(n):
        row, indices = numerators[i], index[i]
        for j in range(n):
            sums[indices[j]] += row[j]
    residual = npa_stationarity_residuals(relax, sums, denominator, multipliers)
    offset = sum(
        (multipliers.get(name, Fraction(0)) * (value - linear.constant) for name, linear, _, value in relax.constraints),
        Fraction(0),
    )
    wrong = [k for k, value in residual.items() if value]
    if wrong:
        problems.append(
            f"stationarity fails for {len(wrong)} moment(s), first {pattern.moments[wrong[0]]}: "
            f"residual {float(residual[wrong[0]]):.3g}"
        )
    try:
        needed = npa_minimal_shift(numerators, denominator, factor_rows, bits)
    except ValueError as error:
        problems.append(str(error))
    else:
        if shift < needed:
            problems.append(f"Z + e I is not proved PSD: e = {float(shift):.3g} < {float(needed):.3g} needed with the given factor")
    bound_max = (
        relax.objective.constant + Fraction(sums[IDENTITY], denominator) + offset + shift * n
    )
    bound = relax.sign * bound_max
    if claimed != bound:
        problems.append(f"claimed bound {certificate['bound']} differs from the proved {bound}")
    if problems:
        return Check(False, bound=None, problems=problems)
    return Check(True, achieved=None, bound=bound, problems=[])


# ---------------------------------------------------------------------------
# Correlation games (dual-work frontier): explicit vector strategies and
# rigorous Tsirelson-SDP dual bounds. Written for certify.pareto.
#
# A two-answer game whose objective and constraints are invariant under
# flipping both answers (c[a,b,x,y] = c[1-a,1-b,x,y]) depends on a behaviour
# only through its correlators E_xy = P(a == b|x,y) - P(a != b|x,y):
#     c.p = sum_xy (c00 + c01)/2 + sum_xy (c00 - c01)/2 E_xy.
# Constraints odd under the flip (the dual-work "balance") vanish on the
# flip-symmetrised behaviour (p + flip p)/2, which has the same correlators.
# Tsirelson (Lett. Math. Phys. 4, 93 (1980)): the correlators of quantum
# behaviours are exactly E_xy = u_x . v_y with unit vectors u_x, v_y; for
# r-dimensional vectors the maximally entangled state of local dimension
# 2^floor(r/2) with A_x = u_x . Gamma, B_y = v_y . Gamma^T (Gamma anticommuting
# Hermitian unitaries; Paulis for r <= 3) realises them (Cleve, Hoyer, Toner,
# Watrous, arXiv:quant-ph/0404076, section 5).

CHECKS["correlation-strategy"] = "check_correlation_strategy"
CHECKS["correlation-dual"] = "check_correlation_dual"


def correlator_form(tensor):
    """(constant, g[x][y]) with tensor.p = constant + sum g E for flip-invariant tensors, else None."""
    oA, oB, iA, iB = tensor.shape
    if (oA, oB) != (2, 2):
        return None
    for x in range(iA):
        for y in range(iB):
            if tensor[0, 0, x, y] != tensor[1, 1, x, y] or tensor[0, 1, x, y] != tensor[1, 0, x, y]:
                return None
    constant = sum(((tensor[0, 0, x, y] + tensor[0, 1, x, y]) / 2 for x in range(iA) for y in range(iB)), Fraction(0))
    g = np.empty((iA, iB), dtype=object)
    for x in range(iA):
        for y in range(iB):
            g[x, y] = (tensor[0, 0, x, y] - tensor[0, 1, x, y]) / 2
    return constant, g


def flip_odd(tensor):
    oA, oB = tensor.shape[:2]
    return (oA, oB) == (2, 2) and all(
        tensor[a, b, x, y] == -tensor[1 - a, 1 - b, x, y] for a, b, x, y in np.ndindex(tensor.shape)
    )


def correlation_behaviour(E):
    """p(a,b|x,y) = (1 + (-1)^(a+b) E_xy)/4: uniform marginals, flip-symmetric."""
    iA, iB = E.shape
    p = np.empty((2, 2, iA, iB), dtype=object)
    for a, b, x, y in np.ndindex(p.shape):
        p[a, b, x, y] = (1 + (1 if a == b else -1) * E[x, y]) / 4
    return p


def check_correlation_strategy(game, certificate):
    """Exactly re-check a mixture of vector strategies.

    Each component lists rational vectors u_x (A) and v_y (B) of one length;
    each must have squared norm exactly 1; weights are a probability vector.
    The correlators E = sum_k w_k u^k_x . v^k_y give the flip-symmetric
    behaviour above, which must meet every constraint exactly; its value is
    the achieved value (a lower bound on the quantum optimum for "max", an
    upper bound on it for "min").
    """
    problems = []
    try:
        components = [
            (fraction(entry["weight"]),
             [[fraction(v) for v in u] for u in entry["A"]],
             [[fraction(v) for v in u] for u in entry["B"]])
            for entry in certificate["mixture"]
        ]
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as error:
        return Check(False, problems=[f"malformed correlation strategy: {error!r}"])
    iA, iB = game.inputs
    if game.outputs != (2, 2):
        return Check(False, problems=["a correlation strategy needs two answers per player"])
    if any(w < 0 for w, _, _ in components) or sum(w for w, _, _ in components) != 1:
        problems.append("mixture weights are not a probability distribution")
    E = np.full((iA, iB), Fraction(0), dtype=object)
    for index, (weight, us, vs) in enumerate(components):
        if len(us) != iA or len(vs) != iB or len({len(u) for u in us + vs}) != 1:
            problems.append(f"component {index}: expected {iA} + {iB} vectors of one length")
            continue
        if any(sum((c * c for c in u), Fraction(0)) != 1 for u in us + vs):
            problems.append(f"component {index}: a vector is not exactly of unit length")
            continue
        for x in range(iA):
            for y in range(iB):
                E[x, y] += weight * sum((s * t for s, t in zip(us[x], vs[y])), Fraction(0))
    achieved = None
    if not problems:
        for constraint in game.constraints:
            if correlator_form(constraint.exact) is None and not (flip_odd(constraint.exact) and constraint.value == 0):
                problems.append(f"constraint '{constraint.name}' is neither flip-invariant nor odd with value 0")
        p = correlation_behaviour(E)
        problems += behaviour_problems(game, p)
        if not problems:
            achieved = exact_dot(game.objective_exact, p)
    claimed = certificate.get("value")
    if claimed is not None and (achieved is None or fraction(claimed) != achieved):
        problems.append(f"claimed value {claimed} is not what the strategy reaches ({achieved})")
    return Check(ok=not problems, achieved=achieved, problems=problems)


def correlation_slack(f, z, shift):
    """S = diag(z) + shift I - [[0, f/2], [f^T/2, 0]] as rational rows."""
    iA, iB = f.shape
    n = iA + iB
    S = [[Fraction(0)] * n for _ in range(n)]
    for x in range(iA):
        for y in range(iB):
            S[x][iA + y] = S[iA + y][x] = -f[x, y] / 2
    for i in range(n):
        S[i][i] = z[i] + shift
    return S


def check_correlation_dual(game, certificate):
    """Exactly re-check a Tsirelson-SDP dual bound (no solver).

    Max form (s = +1 for "max", -1 for "min"): s c.p = K + g.E; each
    flip-invariant constraint d_j.p = K_j + h_j.E (rel_j) v_j gets a
    multiplier mu_j (free for ==, >= 0 for <=, <= 0 for >=); flip-odd
    constraints with value 0 are dropped (that only relaxes). With
    f = g - sum_j mu_j h_j and S = diag(z) + e I - [[0, f/2], [f^T/2, 0]]
    positive definite (exact LDL^T), every Gram matrix G of unit vectors
    (G >= 0, diag G = 1, E its off-diagonal block) has <S, G> >= 0, so
    f.E <= sum_i z_i + n e, and every quantum behaviour meeting the
    constraints has

        s c.p <= K + sum_i z_i + n e + sum_j mu_j (v_j - K_j).

    The bound on the game is s times that (NPA level 1 on +-1 observables,
    arXiv:0803.4290; tight for correlation games by Tsirelson's theorem).
    """
    problems = []
    sign = sense_sign(game)
    form = correlator_form(game.objective_exact * sign)
    if form is None:
        return Check(False, problems=["the objective is not flip-invariant: not a correlation game"])
    constant, g = form
    iA, iB = game.inputs
    try:
        z = [fraction(v) for v in certificate["z"]]
        shift = fraction(certificate["shift"])
        multipliers = {k: fraction(v) for k, v in certificate["multipliers"].items()}
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as error:
        return Check(False, problems=[f"malformed correlation dual: {error!r}"])
    if len(z) != iA + iB:
        return Check(False, problems=[f"expected {iA + iB} diagonal multipliers, got {len(z)}"])
    if shift < 0:
        problems.append("negative shift")
    _multiplier_signs_ok(game, multipliers, problems)
    f = g.copy()
    offset = Fraction(0)
    for constraint in game.constraints:
        mu = multipliers.get(constraint.name, Fraction(0))
        form_j = correlator_form(constraint.exact)
        if form_j is None:
            if not (flip_odd(constraint.exact) and constraint.value == 0 and constraint.relation == "=="):
                problems.append(f"constraint '{constraint.name}' is neither flip-invariant nor odd with value 0")
            elif mu:
                problems.append(f"constraint '{constraint.name}' is dropped; its multiplier must be 0")
            continue
        k_j, h_j = form_j
        f = f - h_j * mu
        offset += mu * (constraint.value - k_j)
    bound = None
    if not problems:
        if exact_psd(correlation_slack(f, z, shift), strict=True):
            bound = sign * (constant + sum(z, Fraction(0)) + (iA + iB) * shift + offset)
        else:
            problems.append("the dual slack matrix is not positive definite")
    claimed = certificate.get("value")
    if claimed is not None and (bound is None or fraction(claimed) != bound):
        problems.append(f"claimed bound {claimed} is not what the multipliers prove ({bound})")
    return Check(ok=not problems, bound=bound, problems=problems)


CHECKS["frontier"] = "check_frontier"
CHECKS["simulation"] = "check_simulation"


@dataclass
class FrontierCheck(Check):
    """A Check with, per point, the Verified results it rests on (for the summary table)."""

    points: list = field(default_factory=list)


def check_frontier(game, certificate):
    """Re-check every result of a Pareto frontier (certify pareto).

    certificate["points"][i] holds full results ("classical",
    "quantum_upper", "quantum_lower", optionally "npa"), each re-checked by
    verify_result against its own game definition. The number proved is the
    largest advantage classical - quantum_upper over the points, exactly:
    the classical value is an exact optimum and quantum_upper the exact W of
    an explicit strategy at the same split. ``game`` is unused: every point
    carries its own game (the split fixed).
    """
    problems = []
    best = Fraction(0)
    try:
        entries = list(certificate["points"])
    except (KeyError, TypeError) as error:
        return FrontierCheck(False, problems=[f"malformed frontier certificate: {error!r}"])
    points = []
    for index, entry in enumerate(entries):
        verified = {}
        points.append(verified)
        for key, node in entry.items():
            if isinstance(node, dict) and "certificate" in node and "game" in node:
                item = verify_result(node, f"points[{index}].{key}", "frontier")
                verified[key] = item
                problems += [f"points[{index}].{key}: {p}" for p in item.problems]
        classical, upper = verified.get("classical"), verified.get("quantum_upper")
        if classical is None or upper is None:
            problems.append(f"points[{index}]: needs a classical and a quantum_upper result")
            continue
        if classical.ok and upper.ok and classical.value is not None and upper.value is not None:
            if entry["classical"]["game"]["sha256"] != entry["quantum_upper"]["game"]["sha256"]:
                problems.append(f"points[{index}]: classical and quantum results are for different games")
            else:
                best = max(best, sense_sign(game) * (upper.value - classical.value))
    return FrontierCheck(ok=not problems, achieved=best if not problems else None, problems=problems, points=points)


def check_simulation(game, certificate):
    """Re-check the strategy a simulation routed by; the number proved is its exact model W.

    The simulated estimates themselves are statistics, not certified numbers.
    """
    node = certificate.get("strategy_result") if isinstance(certificate, dict) else None
    if not isinstance(node, dict):
        return Check(False, problems=["simulation certificate without its strategy_result"])
    item = verify_result(node, "strategy_result", "simulation")
    return Check(ok=item.ok, achieved=item.value if item.ok else None, problems=list(item.problems))


# ---------------------------------------------------------------------------
# See-saw witness
#
# A see-saw result proves a lower bound on the quantum value (for a "min" game
# an upper bound on its minimum) by exhibiting a strategy: a mixture, with
# rational weights, of states and measurements. The check below needs no
# solver and no floating point: every stored decimal is read as the exact
# rational it denotes, the measurements are repaired exactly into valid
# POVMs, and the behaviour of the normalised state is computed exactly as a
# rational (p = <psi|A (x) B|psi> / <psi|psi>). The only rounding is that of
# the reported lower bound to SEESAW_DIGITS decimals, towards the safe side.

SEESAW_CLAIM_DIGITS = 40  # digits of the claimed value stored in the certificate
SEESAW_CLAIM_TOLERANCE = Fraction(1, 10**35)
SEESAW_DIGITS = 30  # the achieved value is rounded to this many decimals, safe side
SEESAW_CONSTRAINT_TOLERANCE = Fraction(1, 10**9)
SEESAW_SUM_TOLERANCE = Fraction(1, 10**6)  # stored POVMs must sum to 1 this closely
SEESAW_NORM_TOLERANCE = Fraction(1, 10**14)  # stored states must have norm 1 this closely
SEESAW_PROJECTIVE_TOLERANCE = 1e-9
# Mixing weights with the trivial measurement 1/m tried in turn until every
# repaired operator is provably positive semidefinite.
SEESAW_EPSILONS = (Fraction(0),) + tuple(Fraction(1, 10**k) for k in range(16, 5, -1))


@dataclass
class SeesawCheck(Check):
    """A Check with the see-saw witness's measured quantities (levels, residuals, repairs)."""

    details: dict = field(default_factory=dict)
    behaviour: object = field(default=None, repr=False)  # the exact mixed behaviour, for check_gap


def _decimal_strings(array):
    return [repr(float(v)) for v in np.asarray(array).reshape(-1)]


def seesaw_component_json(state, A, B):
    """One strategy as JSON: state and every operator, real and imaginary parts as
    decimal strings (Python's repr of the float: exact round trip). Operators are
    made exactly Hermitian in floating point first ((X + X^dag)/2 is)."""

    def operator(X):
        X = np.asarray(X, dtype=complex)
        X = (X + X.conj().T) / 2
        return {"re": [_decimal_strings(row.real) for row in X], "im": [_decimal_strings(row.imag) for row in X]}

    state = np.asarray(state, dtype=complex).reshape(-1)
    state = state / np.linalg.norm(state)
    return {
        "state": {"re": _decimal_strings(state.real), "im": _decimal_strings(state.imag)},
        "A": [[operator(X) for X in question] for question in A],
        "B": [[operator(X) for X in question] for question in B],
    }


def _exact_matrix(entry, key):
    re = np.array([[fraction(v) for v in row] for row in entry["re"]], dtype=object)
    im = np.array([[fraction(v) for v in row] for row in entry["im"]], dtype=object)
    if re.ndim != 2 or re.shape != im.shape or re.shape[0] != re.shape[1]:
        raise ValueError(f"{key} is not a square matrix with matching real and imaginary parts")
    return re, im


def _exact_psd(re, im):
    """Exactly: is the Hermitian re + i im positive semidefinite?

    Its real embedding [[re, -im], [im, re]] is PSD iff it is.
    """
    n = re.shape[0]
    m = [[None] * (2 * n) for _ in range(2 * n)]
    for i in range(n):
        for j in range(n):
            m[i][j] = m[i + n][j + n] = re[i, j]
            m[i][j + n] = -im[i, j]
            m[i + n][j] = im[i, j]
    return exact_psd(m)


def _repair_measurement(question, key, problems):
    """Stored operators -> exact POVM, with the mixing weight used.

    A_a' = A_a + (1 - sum_b A_b)/m (every stored number counts, the sum is 1
    exactly), then A_a'' = (1 - e) A_a' + e 1/m with the first e in
    SEESAW_EPSILONS for which every A_a'' is provably PSD.
    """
    ops = [_exact_matrix(entry, f"{key}[{a}]") for a, entry in enumerate(question)]
    m = len(ops)
    if m == 0:
        raise ValueError(f"{key} has no operators")
    d = ops[0][0].shape[0]
    if any(re.shape != (d, d) for re, _ in ops):
        raise ValueError(f"{key}: operators of different sizes")
    for a, (re, im) in enumerate(ops):
        if not (np.all(re == re.T) and np.all(im == -im.T)):
            problems.append(f"{key}[{a}] is not Hermitian")
    eye = np.array([[Fraction(int(i == j)) for j in range(d)] for i in range(d)], dtype=object)
    sum_re = sum(re for re, _ in ops)
    sum_im = sum(im for _, im in ops)
    deviation = max(abs(v) for v in list((sum_re - eye).flat) + list(sum_im.flat))
    if deviation > SEESAW_SUM_TOLERANCE:
        problems.append(f"{key}: operators sum to the identity only within {float(deviation):.3g}")
    fixed = [(re + (eye - sum_re) / m, im - sum_im / m) for re, im in ops]
    for epsilon in SEESAW_EPSILONS:
        mixed = [((1 - epsilon) * re + epsilon / m * eye, (1 - epsilon) * im) for re, im in fixed]
        if all(_exact_psd(re, im) for re, im in mixed):
            return mixed, epsilon
    problems.append(f"{key}: not a valid measurement even after mixing 1e-6 of the trivial one")
    return mixed, None


def seesaw_repair(component, game):
    """Parse and repair one stored strategy exactly.

    Returns (repaired, problems): repaired has "state" (re, im object vectors),
    "A" and "B" (per question, per answer, (re, im) object matrices), "dims",
    "epsilons". Raises KeyError/TypeError/ValueError on malformed data.
    """
    problems = []
    (iA, iB), (oA, oB) = game.inputs, game.outputs
    repaired = {"epsilons": []}
    for party, questions, answers in (("A", iA, oA), ("B", iB, oB)):
        stored = component[party]
        if len(stored) != questions or any(len(q) != answers for q in stored):
            raise ValueError(f"{party} needs {questions} questions of {answers} operators each")
        measurements = []
        for x, question in enumerate(stored):
            ops, epsilon = _repair_measurement(question, f"{party}[{x}]", problems)
            measurements.append(ops)
            repaired["epsilons"].append(None if epsilon is None else str(epsilon))
        sizes = {re.shape[0] for ops in measurements for re, _ in ops}
        if len(sizes) != 1:
            raise ValueError(f"{party}'s operators have different sizes {sorted(sizes)}")
        repaired[party] = measurements
    dA, dB = repaired["A"][0][0][0].shape[0], repaired["B"][0][0][0].shape[0]
    re = np.array([fraction(v) for v in component["state"]["re"]], dtype=object)
    im = np.array([fraction(v) for v in component["state"]["im"]], dtype=object)
    if re.shape != (dA * dB,) or im.shape != (dA * dB,):
        raise ValueError(f"the state needs {dA * dB} = {dA} x {dB} amplitudes")
    if not any(re) and not any(im):
        raise ValueError("the state is zero")
    # The behaviour is computed for psi/|psi| exactly; the stored state must
    # still be normalised, so that no stored amplitude is free to change.
    norm = sum(v * v for v in re) + sum(v * v for v in im)
    if abs(norm - 1) > SEESAW_NORM_TOLERANCE:
        problems.append(f"the state is not normalised (|psi|^2 = {float(norm):.17g})")
    repaired["state"] = (re, im)
    repaired["dims"] = (dA, dB)
    return repaired, problems


def seesaw_exact_behaviour(repaired):
    """p(a,b|x,y) = Re tr(X (B^y_b)^T) / <psi|psi>, X = M^dag A^x_a M, exactly.

    (<psi|A (x) B|psi> = sum conj(M_ij) A_ik B_jl M_kl = tr(M^dag A M B^T), and
    tr(X B^T) = sum_ij X_ij B_ij.)
    """
    dA, dB = repaired["dims"]
    re, im = repaired["state"]
    Mr, Mi = re.reshape(dA, dB), im.reshape(dA, dB)
    norm = sum(v * v for v in re) + sum(v * v for v in im)
    A, B = repaired["A"], repaired["B"]
    p = np.full((len(A[0]), len(B[0]), len(A), len(B)), Fraction(0), dtype=object)
    for x, question in enumerate(A):
        for a, (Ar, Ai) in enumerate(question):
            # (Mr^T - i Mi^T)(Ar + i Ai)(Mr + i Mi)
            Tr, Ti = Mr.T @ Ar + Mi.T @ Ai, Mr.T @ Ai - Mi.T @ Ar
            Xr, Xi = Tr @ Mr - Ti @ Mi, Tr @ Mi + Ti @ Mr
            for y, other in enumerate(B):
                for b, (Br, Bi) in enumerate(other):
                    p[a, b, x, y] = (exact_dot(Xr, Br) - exact_dot(Xi, Bi)) / norm
    return p


def _seesaw_behaviour(game, certificate, problems):
    """The mixture's exact behaviour, or None; per-component notes in ``notes``."""
    components = certificate["components"]
    if not components:
        raise ValueError("no components")
    weights = [fraction(entry["weight"]) for entry in components]
    if any(w < 0 for w in weights) or sum(weights) != 1:
        problems.append("mixture weights are not a probability distribution")
    total = np.full(game.shape, Fraction(0), dtype=object)
    notes = []
    for index, (weight, entry) in enumerate(zip(weights, components)):
        repaired, trouble = seesaw_repair(entry, game)
        problems += [f"component {index}: {line}" for line in trouble]
        p = seesaw_exact_behaviour(repaired)
        total = total + p * weight
        deviation = 0.0
        for party in ("A", "B"):
            for ops in repaired[party]:
                for re, im in ops:
                    # (re + i im)^2 - (re + i im)
                    sq_re, sq_im = re @ re - im @ im - re, re @ im + im @ re - im
                    deviation = max(deviation, max(abs(float(v)) for v in list(sq_re.flat) + list(sq_im.flat)))
        notes.append({"dims": list(repaired["dims"]), "epsilons": repaired["epsilons"], "projective_deviation": deviation})
    return total, notes


def _decimal(value, digits, rounding="floor"):
    """A Fraction as a decimal string with ``digits`` decimals, rounded down or up."""
    scale = 10**digits
    scaled = value * scale
    integer = scaled.numerator // scaled.denominator
    if rounding == "ceil" and integer * scaled.denominator != scaled.numerator:
        integer += 1
    sign = "-" if integer < 0 else ""
    text = str(abs(integer)).rjust(digits + 1, "0")
    return f"{sign}{text[:-digits]}.{text[-digits:]}"


def seesaw_value_string(game, certificate):
    """The exact value of a witness as a decimal string of SEESAW_CLAIM_DIGITS decimals
    (what a certificate claims; the check recomputes it)."""
    problems = []
    p, _ = _seesaw_behaviour(game, certificate, problems)
    return _decimal(exact_dot(game.objective_exact, p), SEESAW_CLAIM_DIGITS)


def check_seesaw(game, certificate):
    """Exactly re-check a see-saw witness (a mixture of quantum strategies).

    For each component: operators read as exact rationals, required exactly
    Hermitian and summing to 1 within SEESAW_SUM_TOLERANCE; repaired to an
    exact POVM (deficit spread evenly, then mixed with the trivial
    measurement by the first epsilon that makes every operator provably PSD);
    projectivity measured where claimed. The behaviour of the normalised
    state is computed exactly; the mixture's value must equal the claimed
    decimal within SEESAW_CLAIM_TOLERANCE; every constraint must hold within
    SEESAW_CONSTRAINT_TOLERANCE (residuals reported). ``achieved`` is the value
    rounded to SEESAW_DIGITS decimals towards the game's worse side, so it is
    a lower bound on the quantum value of a "max" game (an upper bound on the
    quantum minimum of a "min" game).
    """
    problems = []
    try:
        p, notes = _seesaw_behaviour(game, certificate, problems)
        claimed = fraction(certificate["value"])
        projective = certificate.get("projective", False)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError, IndexError) as error:
        return SeesawCheck(False, problems=[f"malformed see-saw certificate: {error!r}"])
    if not isinstance(projective, bool):
        return SeesawCheck(False, problems=["malformed see-saw certificate: 'projective' is not true/false"])
    value = exact_dot(game.objective_exact, p)
    if abs(value - claimed) > SEESAW_CLAIM_TOLERANCE:
        problems.append(f"claimed value {certificate['value']} differs from the recomputed {_decimal(value, SEESAW_CLAIM_DIGITS)}")
    deviation = max(note["projective_deviation"] for note in notes)
    if projective and deviation > SEESAW_PROJECTIVE_TOLERANCE:
        problems.append(f"measurements claimed projective deviate from projectors by {deviation:.3g}")
    levels, residuals = {}, {}
    for constraint in game.constraints:
        level = exact_dot(constraint.exact, p)
        residual = level - constraint.value
        levels[constraint.name] = _decimal(level, SEESAW_CLAIM_DIGITS)
        residuals[constraint.name] = float(residual)
        excess = {"==": abs(residual), "<=": residual, ">=": -residual}[constraint.relation]
        if excess > SEESAW_CONSTRAINT_TOLERANCE:
            problems.append(
                f"constraint '{constraint.name}': level {float(level):.12g} {constraint.relation} "
                f"{float(constraint.value):.12g} fails by {float(excess):.3g}"
            )
    rounding = "floor" if sense_sign(game) > 0 else "ceil"
    achieved = fraction(_decimal(value, SEESAW_DIGITS, rounding))
    details = {
        "value_exact_decimal": _decimal(value, SEESAW_CLAIM_DIGITS),
        "error_bound": f"1e-{SEESAW_DIGITS}",
        "error_note": "behaviour and value computed exactly in rationals; the only error is rounding the reported bound",
        "constraint_levels": levels,
        "constraint_residuals": residuals,
        "constraint_tolerance": str(SEESAW_CONSTRAINT_TOLERANCE),
        "projective_claimed": projective,
        "projective_deviation": deviation,
        "components": notes,
    }
    return SeesawCheck(ok=not problems, achieved=achieved, problems=problems, details=details, behaviour=p)
