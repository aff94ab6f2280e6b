"""Re-check whole result documents (certify verify); no solver is called here.

Every command builds its certificate, then calls the check for its kind;
``certify verify`` calls the same checks on a JSON file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from ..errors import BadInput
from ..games.game import game_from_mapping
from .classical import check_classical, check_nosignalling
from .correlator import check_correlation_dual, check_correlation_strategy
from .exact import Check, fraction, sense_sign
from .gap import check_gap
from .noise import NOISE_CHECKS
from .npa import check_npa
from .seesaw import SeesawCheck, check_seesaw


# ---------------------------------------------------------------------------
# Whole result documents (certify verify)



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
    if kind not in CHECKS:
        return Verified(path, str(kind), False, None, problems + [f"unknown certificate kind '{kind}'"])
    check = CHECKS[kind](game, node["certificate"])
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
    nodes = {}

    def visit(node, path):
        if isinstance(node, dict):
            if "certificate" in node and "game" in node:
                found.append(verify_result(node, path, source))
                nodes[path] = node
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
    if isinstance(data, dict) and data.get("command") == "pareto" and "loads" not in data:
        top = checked.get("")
        points = top.check.points if top is not None and isinstance(top.check, FrontierCheck) else []
        found.append(verify_frontier_points(data, points))
    # frontiers nested in a document (one per load): their summary tables too
    for path, item in checked.items():
        if path and item.kind == "frontier":
            points = item.check.points if isinstance(item.check, FrontierCheck) else []
            nested = verify_frontier_points(nodes[path], points)
            nested.path = f"{path}.points"
            found.append(nested)
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





def verify_gap(data, source, checked):
    """Re-derive a gap document's advantage from its own certificates.

    ``checked`` maps paths to the Verified parts of the document, whose checks
    are reused.
    """
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


# Certificate kind -> its exact check: the one registry verify dispatches on.
CHECKS = {
    "classical": check_classical,
    "nosignalling": check_nosignalling,
    "npa": check_npa,
    "seesaw": check_seesaw,
    "correlation-strategy": check_correlation_strategy,
    "correlation-dual": check_correlation_dual,
    "frontier": check_frontier,
    "simulation": check_simulation,
    **NOISE_CHECKS,
}
