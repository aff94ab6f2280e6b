"""A several-load document (certify pareto --arrival-rate L1,L2,...): one frontier document per
load, all of one model, and the comparison rows and sentence rebuilt from their checked summaries.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

from .document import Malformed, Node, Verified, short_text


def comparison_statement(rows):
    """The sentence of a several-load document, a function of its comparison rows alone
    (the producer writes it, verify rebuilds it): reductions rounded down."""
    if len(rows) < 2:
        return None
    first, last = rows[0], rows[-1]

    def down(value, scale):
        return math.floor(value * scale) / scale

    sentence = (
        f"From lambda = {first['arrival_rate']:g} to {last['arrival_rate']:g} the largest relative waiting "
        f"reduction goes from {down(100 * first['relative_reduction']['value'], 100):.2f}% to "
        f"{down(100 * last['relative_reduction']['value'], 100):.2f}%, and the largest absolute one from "
        f"{down(first['absolute_reduction']['value'], 1e4):.4f} to {down(last['absolute_reduction']['value'], 1e4):.4f}"
    )
    if first["waiting_model"] == "exact":
        grows = last["absolute_reduction"]["value"] > first["absolute_reduction"]["value"]
        sentence += (": queueing behind earlier pairs adds waiting to both policies, so the relative "
                     "advantage shrinks with load" + (" while the absolute one grows." if grows else "."))
    else:
        sentence += " (light-traffic limit at every load: not the waiting at these loads)."
    return sentence


def check_loads(data, source, model_figures, verify_frontier: Callable[..., list]) -> list:
    """Frontiers at several loads (pareto --arrival-rate A,B,...): each under "loads" is a
    complete frontier document, checked as such by ``verify_frontier`` (certify.proofs.frontier's,
    which calls this: passed in so that the two modules do not import each other); the envelope
    restates them."""
    problems = []
    node = Node(data, "", problems)
    node.expect("command", "pareto")
    node.descriptive("tool", "options", "seconds")
    documents = node.get("loads", None)
    if not isinstance(documents, list) or len(documents) < 2:
        # one load is a plain frontier document; none states nothing
        return [Verified("", "loads", False, None,
                         ["loads: expected a list of at least two frontier documents (one per load)"])]
    items = []
    for index, document in enumerate(documents):
        for item in verify_frontier(document, source, model_figures) if isinstance(document, dict) else [
                Verified("", "frontier", False, None, ["expected a frontier document"])]:
            item.path = f"loads[{index}]" + (f".{item.path}" if item.path else "")
            item.problems = [f"loads[{index}].{line}" for line in item.problems]
            items.append(item)
    frontiers = [d for d in documents if isinstance(d, dict)]
    _same_model(frontiers, problems)
    node.expect("arrival_rate", [d.get("arrival_rate") for d in frontiers])
    models = {d.get("waiting_model") for d in frontiers}
    node.expect("waiting_model", models.pop() if len(models) == 1 else None)
    node.expect("certified", True)
    node.expect("advantage_certified", any(d.get("advantage_certified") is True for d in frontiers))
    try:
        comparison = Node(node.get("comparison"), "comparison", problems)
        rows = [{
            "arrival_rate": d.get("arrival_rate"), "load": d.get("summary", {}).get("load"),
            "waiting_model": d.get("waiting_model"),
            "relative_reduction": d.get("summary", {}).get("waiting_reduction"),
            "absolute_reduction": d.get("summary", {}).get("absolute_waiting_reduction"),
            "throughput_gain": d.get("summary", {}).get("throughput_gain"),
        } for d in frontiers]
        comparison.expect("loads", rows)
        comparison.expect("statement", comparison_statement(rows))
        comparison.finish()
    except (Malformed, AttributeError) as error:
        problems.append(f"comparison: {error}")
    except (TypeError, ValueError, KeyError):  # rows of malformed loads (reported by their own checks)
        problems.append("comparison: cannot be rebuilt from the loads (a load is malformed)")
    node.finish()
    return items + [Verified("", "loads", not problems, None, problems, None, None,
                             items[0].game if items else None)]


def _same_model(frontiers: list[dict], problems: list) -> None:
    """A comparison across loads compares one model at different loads: every load's frontier must be
    of the same game name, sizes, thresholds, throughput and waiting model (its model block generates
    its game: check_model_figures), at distinct arrival rates, and without noise settings (the sentence
    speaks of the ideal pairs' reductions)."""
    def model_of(document: dict) -> str:
        model = document.get("model") if isinstance(document.get("model"), dict) else {}
        game = document.get("game") if isinstance(document.get("game"), dict) else {}
        return json.dumps([game.get("name"), model.get("sizes"), model.get("thresholds"), model.get("throughput"),
                           model.get("waiting_model")], sort_keys=True, default=str)

    if len({model_of(d) for d in frontiers}) > 1:
        problems.append("loads: the frontiers are of different models (game name, sizes, thresholds, throughput "
                        "or waiting model differ): not one model at several loads")
    rates = [d.get("arrival_rate_exact") for d in frontiers]
    if len(set(map(str, rates))) != len(rates):
        problems.append(f"loads: arrival rates {short_text(rates)} repeat: each load once")
    for index, document in enumerate(frontiers):
        summary = document.get("summary")
        if isinstance(summary, dict) and summary.get("noise"):
            problems.append(f"loads[{index}].summary.noise: a frontier with noise settings in a comparison across "
                            "loads (the comparison is of ideal pairs)")
