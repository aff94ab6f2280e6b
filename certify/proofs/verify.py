"""Re-check whole result documents (certify verify); no solver is called here.

This module dispatches whole documents and checks simulations; the strict
reading of every node is certify.proofs.document, one result and a gap
certify.proofs.result, frontiers certify.proofs.frontier.

A result document is a set of claims. ``verify_document`` accepts a document
only if every claim in it follows from the game definition and the
certificates it carries (docs/certificates.md lists every key and its check):

* Every key is read by the checker of its node. A claim key (a value, a
  bound, a level, a size, a sense, a fixed constraint value, a name, a
  statement, a flag) is recomputed from (definition, certificates) and
  compared exactly; a descriptive key (tool, options, method, solver,
  timings, seconds) is named as such; any other key is an error, and so is a
  duplicate key (``read_document`` keeps them).
* The checker dispatches on the document's structure and its certificates'
  kinds. "command" is itself a claim: it must be the command that writes
  that structure.
* Every part of a composite (gap parts, frontier points, a simulation's
  strategy) must be for the game the parent implies (the parent's game, or
  the parent's with the point's split fixed), compared by canonical
  definition and SHA-256.
* Floats summarise exact numbers on the safe side only
  (certify.proofs.exact.safe_float_problem): an upper bound's float is never
  below it, a lower bound's never above, and within SAFE_ULPS doubles of it.
* Model figures of the dual-work application (throughput Theta, the
  light-traffic W, the model block) are not certified numbers; they are
  recomputed from the document's model block by certify.proofs.figures,
  with the model of certify.games.dualwork (a caller may pass another
  ``model_figures``).
"""

from __future__ import annotations

import functools
import math
import re
from fractions import Fraction

from ..errors import BadInput
from ..games.game import bundled_path, bundled_problems, load_game
from .exact import NEAREST
from .document import (
    DuplicateKeys, Malformed, Node, Verified, check_model_figures, duplicate_key_problems, read_game, same,
    short_text,
)
from .frontier import verify_frontier, verify_loads
from .result import CHECKS, check_options, option_names, verify_gap, verify_result



# Simulation (certify simulate)

SIMULATION_STRATEGIES = {"classical": {"classical"}, "quantum": {"correlation-strategy", "seesaw"}}
SIMULATION_NOTE = "waiting and throughput are estimates, not bounds"  # the certificate's "note", word for word


def verify_simulation(data, source="result", model_figures=None):
    """A simulation document: the exact model W of the routed strategy (certified), the
    model figures (recomputed by ``model_figures``) and the simulated estimates, which are
    measurements: checked for consistency, not re-derived (that needs the seeded re-run)."""
    problems = []
    try:
        node = Node(data, "", problems)
        game = read_game(node)
        node.expect("command", "simulate")
        node.descriptive("tool", "solver", "seconds", "pairs", "batches", "details",
                         "arrival_rate", "waiting_model")  # the last two: model figures (check_model_figures)
        check_options(node, game, set())
        certificate = node.child("certificate")
        certificate.expect("kind", "simulation")
        strategy = certificate.get("strategy")
        if strategy not in SIMULATION_STRATEGIES:
            raise Malformed(certificate.key("strategy"), f"expected 'classical' or 'quantum', got {short_text(strategy)}")
        certificate.expect("note", SIMULATION_NOTE, optional=True)  # fixed text: it may say nothing else
        inner = verify_result(certificate.get("strategy_result"), certificate.key("strategy_result"), source, game,
                              SIMULATION_STRATEGIES[strategy])
        certificate.finish()
    except Malformed as error:
        return [Verified("", "simulation", False, None, problems + [str(error)])]
    problems += inner.problems
    node.expect("strategy", strategy)
    options = node.data.get("options")
    if isinstance(options, dict) and "strategy" in options and not same(options["strategy"], strategy):
        node.fail("options", f"strategy {short_text(options['strategy'])} is not the certificate's {strategy!r}")
    if "split" in game.fixed:
        node.expect_float("split", Fraction(game.fixed["split"]), NEAREST)
    else:
        node.fail("split", "the game has no 'split' constraint")
    if inner.value is not None:
        node.expect_float("value", inner.value, inner.direction)
    else:
        node.descriptive("value")
    node.expect("exact", None)
    node.expect("certified", True)
    for name in ("waiting", "throughput"):
        try:
            estimate = node.child(name)
        except Malformed as error:
            problems.append(str(error))
            continue
        _estimate(estimate, node.data.get("value") if name == "waiting" else None)
    check_model_figures(node, game, model_figures, "simulation", node.problems)
    _restated_model(node)
    node.finish()
    return [Verified("", "simulation", not problems, inner.value, problems, inner.check, inner.direction, game)]


def _restated_model(node):
    """``details`` holds the run's measurements (descriptive), but the model inputs it restates
    (load, arrival rate, waiting model) must be the model block's, which its figures check."""
    details, model = node.data.get("details"), node.data.get("model")
    if isinstance(details, dict):
        option_names(node, "details", details)
    if not isinstance(details, dict) or not isinstance(model, dict):
        return
    for key, source in (("load", "load"), ("arrival_rate", "arrival_rate"), ("waiting_model", "waiting_model")):
        if key in details and not same(details[key], model.get(source)):
            node.fail(f"details.{key}", f"{short_text(details[key])} is not the model's {short_text(model.get(source))}")


def _estimate(node, model):
    """mean and ci95 are measurements; interval and the "inside" flags must follow from them."""
    mean, ci95 = node.get("mean"), node.get("ci95")
    if not all(isinstance(v, float) and math.isfinite(v) for v in (mean, ci95)) or ci95 < 0:
        node.fail("mean", "mean and ci95 must be finite numbers, ci95 >= 0")
        node.descriptive(*node.data)
        node.finish()
        return
    node.expect("interval", [mean - ci95, mean + ci95])
    if model is not None:
        node.expect("model", model)
    figure = node.data.get("model")
    if isinstance(figure, float):
        node.expect("model_inside", abs(mean - figure) <= ci95)
    first = node.data.get("model_first_order")
    if isinstance(first, float):
        node.expect("first_order_inside", abs(mean - first) <= ci95)
    node.descriptive("model", "model_first_order")  # model figures, checked by check_model_figures
    node.finish()


# ---------------------------------------------------------------------------


# Whole documents


def document_kind(data):
    """Which checker reads a document, from its structure (never from "command")."""
    if not isinstance(data, dict):
        return None
    certificate = data.get("certificate")
    kind = certificate.get("kind") if isinstance(certificate, dict) else None
    if kind == "frontier":
        return "frontier"
    if "certificate" not in data and isinstance(data.get("loads"), list):
        return "loads"
    if kind == "simulation":
        return "simulation"
    if kind in CHECKS:
        return "result"
    if "certificate" not in data and all(key in data for key in ("classical", "quantum_lower", "quantum_upper")):
        return "gap"
    return None


def other_document(data) -> str | None:
    """What a JSON file certify writes is, when it is not a result document (None otherwise):
    verify refuses it as bad input naming it, instead of failing it as a certificate."""
    if not isinstance(data, dict) or document_kind(data) is not None:
        return None
    if ("certificate" in data or any(key in data for key in ("classical", "quantum_lower", "quantum_upper"))
            or data.get("command") not in (None, "verify", "regress")):
        return None  # a result document with a part missing or forged: its check says what fails
    if isinstance(data.get("cells"), list) and "axes" in data:
        return "a scan manifest; verify its cells with certify verify on each cell file (cells/ID.json)"
    if isinstance(data.get("axes"), dict) and "problem" in data:
        return "a scan file; run certify scan on it and verify the cell files it writes"
    if data.get("status") == "failed" and "parameters" in data:
        return "a scan's record of a failed cell: it holds an error, no certificate"
    if data.get("command") == "verify" and "checks" in data:
        return "the output of certify verify --json; verify the result document it names"
    if data.get("command") == "regress" and "bounds" in data:
        return "the output of certify regress --json"
    if "objective" in data or "model" in data:
        return "a problem file; run a command on it (certify classical FILE --json OUT.json) and verify OUT.json"
    return None


def verify_document(data, source="result", model_figures=None):
    """Re-check every claim of a result document; returns the list of Verified nodes.

    A document is accepted when every item is ok. ``model_figures``
    (document, game) -> {path: value} recomputes the dual-work model figures
    (see the module docstring). A JSON file certify writes that is no result
    document (a scan manifest, a verify report, a problem file) is BadInput
    naming what it is (``other_document``).
    """
    what = other_document(data)
    if what is not None:
        raise BadInput(source, None, f"not a result document: {what}")
    # only parse_document makes objects with repeated keys, and it marks the top level
    duplicates = duplicate_key_problems(data) if isinstance(data, DuplicateKeys) else []
    kind = document_kind(data)
    try:
        if kind == "result":
            items = [verify_result(data, "", source)]
        elif kind == "gap":
            items = verify_gap(data, source)
        elif kind == "frontier":
            items = verify_frontier(data, source, model_figures)
        elif kind == "loads":
            items = verify_loads(data, source, model_figures)
        elif kind == "simulation":
            items = verify_simulation(data, source, model_figures)
        else:
            parts = ("classical", "quantum_lower", "quantum_upper")
            missing = [part for part in parts if part not in data] if isinstance(data, dict) else []
            if isinstance(data, dict) and "certificate" not in data and len(missing) < len(parts):
                problem = f"{missing[0]}: missing (a gap document holds {', '.join(parts)})"
            else:
                problem = "certificate: no certificate of a known kind, and not a gap document"
            items = [Verified("", "?", False, None, [problem])]
    except Malformed as error:  # a node read where no check caught it: still one line naming the key
        items = [Verified("", str(kind), False, None, [str(error)])]
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, ZeroDivisionError) as error:
        # a value of the wrong type somewhere no check expected: still a rejection, never a traceback
        items = [Verified("", str(kind), False, None, [f"(document): malformed ({type(error).__name__}: {error})"])]
    tools = tool_problems(data)
    if tools:
        items.insert(0, Verified("", "tool", False, None, tools))
    if duplicates:
        items.insert(0, Verified("", "duplicate keys", False, None, duplicates))
    return items


_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+!_-]{0,39}", re.ASCII)


def tool_problems(data) -> list:
    """Every "tool" block of a document (the top level's and each part's) names the tool that
    wrote it, nothing else: exactly {"name": "certify", "version": V} with V a version
    string (PEP 440 characters, at most 40), so that no text rides in it."""
    problems, stack = [], [(data, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, child in node.items():
                where = f"{path}.{key}" if path else str(key)
                if key == "tool" and isinstance(node.get("certificate", node.get("classical")), dict):
                    if not (isinstance(child, dict) and set(child) == {"name", "version"} and child["name"] == "certify"
                            and isinstance(child["version"], str) and _VERSION.fullmatch(child["version"])):
                        problems.append(f"{where}: expected {{\"name\": \"certify\", \"version\": \"X.Y.Z\"}}, "
                                        f"got {short_text(child)}")
                elif isinstance(child, (dict, list)) and key not in ("definition", "solver", "details"):
                    stack.append((child, where))
        elif isinstance(node, list):
            stack.extend((child, f"{path}[{index}]") for index, child in enumerate(node)
                         if isinstance(child, (dict, list)))
    return sorted(problems)


def first_problem(items):
    """The first failing claim, one line naming its key (for the CLI's error line)."""
    for item in items:
        if not item.ok:
            return item.problems[0] if item.problems else f"{item.path or '(top)'}: check failed"
    return None


def checked_game(items):
    """The top-level game a document was checked for (None if it could not be read)."""
    for item in items:
        if item.game is not None and item.path in ("", "classical"):
            return item.game
    return None


@functools.lru_cache(maxsize=None)
def _bundled_game(name):
    """A bundled problem as shipped, loaded once (the package's files do not change while it
    runs; a verify run or a test session checks many documents), or None when it cannot be
    loaded here."""
    try:
        return load_game(str(bundled_path(name)), source=name)  # the shipped file, whatever the working folder holds
    except Exception:  # noqa: BLE001 - a bundled model whose generator is not loaded here
        return None


def bundled_name_problem(game):
    """A note when the game bears a bundled problem's name but another definition.

    Compared at the document's own constraint values; None when the name is
    not a bundled game's or the definitions agree.
    """
    mismatch = None
    for name in bundled_problems():
        bundled = _bundled_game(name)
        if bundled is None or bundled.name != game.name:
            continue
        try:
            candidate = bundled.with_fixed({k: Fraction(v) for k, v in game.fixed.items()})
        except BadInput:
            candidate = None
        if candidate is not None and candidate.sha256 == game.sha256:
            return None
        mismatch = name
    if mismatch is None:
        return None
    return (f"the game is named {game.name!r} like the bundled problem '{mismatch}', "
            f"but its definition differs from the bundled file")
