"""The dual-work model figures of a result document, recomputed for ``certify verify``.

Throughput Theta(p), the light-traffic waiting and the model block are model
figures, not certified bounds: Theta is 2 (1 - rho) r E[T(R)], a Gamma function
or a quadrature of T (certify.games.throughput), and the class data are floats
of closed forms (exponential tails, normal CDFs). No exact value exists for most
of them, and none is a claim verify could round on a safe side (no bound rests on
Theta), so they are recomputed by the same model code the producer ran
(certify.games.dualwork, certify.games.throughput: numpy, and scipy.special's
normal CDF for lognormal sizes, never scipy.optimize or a solver) and compared to
a relative 1e-12 (document.MODEL_FIGURE_TOLERANCE). What is certified, the exact
W of every point, rests on the game alone. ``model_figures`` rebuilds the model
from the inputs the document stores (its "model" block), requires that model to
generate exactly the document's game (same SHA-256), and returns every model
figure the document holds, keyed by its path, for verify to compare.
"""

from __future__ import annotations

from fractions import Fraction

from ..errors import BadInput
from ..games.dualwork import game_from_model, model_from_table
from ..games.throughput import throughput_at
from .document import MODEL_FIGURES
from .exact import fraction


def model_table(block, fixed):
    """A "model" block of a result -> the [model] table that generates it."""
    if not isinstance(block, dict) or not isinstance(block.get("sizes"), dict):
        raise BadInput(None, "model", "expected the model block certify writes")
    sizes = block["sizes"]
    throughput = block.get("throughput")
    table = {
        "kind": "dual-work",
        "sizes": sizes.get("kind"),
        "mean_size": sizes.get("mean"),
        "thresholds": block.get("thresholds"),
        "arrival_rate": block.get("arrival_rate_exact", block.get("arrival_rate")),
        "throughput": throughput.get("text") if isinstance(throughput, dict) else throughput,
    }
    if "sigma" in sizes:
        table["sigma"] = sizes["sigma"]
    if "branches" in sizes:
        branches = sizes["branches"]
        if not isinstance(branches, list) or not all(isinstance(b, list) and len(b) == 2 for b in branches):
            raise BadInput(None, "model.sizes.branches", "expected [probability, mean] pairs")
        table["probabilities"] = [b[0] for b in branches]
        table["means"] = [b[1] for b in branches]
    if "waiting_model" in block:
        table["waiting"] = block["waiting_model"]
    if "split" in fixed:
        table["split"] = fixed["split"]
    return table


def rebuild(document, game):
    """(DualWorkModel, model table) behind a document, checked to generate its game."""
    table = model_table(document.get("model"), game.fixed)
    model = model_from_table({"model": table}, "model")
    # a model file's own constraints travel in the game's definition, not the model block
    extra = [c for c in (document.get("game", {}).get("definition", {}).get("constraints") or [])
             if isinstance(c, dict) and c.get("name") not in ("split", "balance")]
    generated = game_from_model({"name": game.name, "model": table, **({"constraints": extra} if extra else {})},
                                "model")
    try:
        generated = generated.with_fixed({k: Fraction(v) for k, v in game.fixed.items()}, "fixed")
    except BadInput:
        raise BadInput(None, "model", "the model's constraints are not the game's") from None
    if generated.sha256 != game.sha256:
        raise BadInput(None, "model", "this model does not generate the document's game (sha256 differs)")
    return model


def hull_inverse(hull, w):
    """The smallest split at which the classical frontier reaches waiting w (W falls with p)."""
    for (x1, y1), (x2, y2) in zip(hull, hull[1:]):
        if y2 <= w <= y1 and y1 != y2:
            return x1 + (x2 - x1) * (y1 - w) / (y1 - y2)
    if w >= hull[0][1]:
        return hull[0][0]
    return None


_MODELS: dict[tuple[str, str], tuple[object, dict[object, object]]] = {}  # (model block as JSON text, game sha256) -> DualWorkModel: figures are pure functions of both


def _model(document, game):
    import json

    key = (json.dumps(document.get("model"), sort_keys=True), game.sha256)
    if key not in _MODELS:
        if len(_MODELS) > 64:
            _MODELS.clear()
        _MODELS[key] = (rebuild(document, game), {})
    return _MODELS[key]


def model_figures(document, game):
    """{path: value} for every model figure of a pareto or simulate document (see the module docstring)."""
    from .frontier import classical_hull  # here: proofs.frontier imports document, which imports this module

    model, thetas = _model(document, game)
    figures = {"model": model.to_json(), "arrival_rate": model.arrival_rate, "waiting_model": model.waiting}

    def theta(split):
        if split not in thetas:
            thetas[split] = throughput_at(model.throughput, model.arrival_rate, model.mean_size, float(split))
        return thetas[split]

    certificate = document.get("certificate", {})
    if certificate.get("kind") == "frontier":
        rows = document.get("points", [])
        proofs = certificate.get("points", [])
        hull = classical_hull(game)
        trade_off = bool(model.strictly_convex)
        figures.update({"arrival_rate_exact": str(model.arrival_exact), "summary.arrival_rate": model.arrival_rate,
                        "summary.load": model.load, "summary.waiting_model": model.waiting,
                        "summary.trade_off": trade_off})
        best = {"value": 0.0, "split": None, "classical_split": None}
        # the gain of the headline: ideal pairs, or the one noise setting (several: none)
        settings = len(rows[0].get("noise") or []) if rows and isinstance(rows[0], dict) else 0
        for index, row in enumerate(rows):
            split = fraction(row.get("split_exact"))
            figures[f"points[{index}].throughput"] = theta(split)
            noise = row.get("noise")
            entry = (noise[0] if isinstance(noise, list) and noise else {}) if settings else row
            entry = entry if isinstance(entry, dict) else {}  # a malformed row: the row checks report it
            if entry.get("advantage_certified") is not True or settings > 1 or index >= len(proofs) or not trade_off:
                continue
            key = entry.get("upper_result") if settings else "quantum_upper"
            witness = proofs[index].get(key, {}).get("certificate", {}).get("value")
            p_c = hull_inverse(hull, fraction(witness))
            if p_c is None or p_c <= split:
                continue
            theta_c = theta(p_c)
            gain = theta(split) / theta_c - 1 if theta_c > 0 else 0.0
            if gain > best["value"]:
                best = {"value": gain, "split": row.get("split"), "classical_split": float(p_c)}
        if not trade_off:
            best["note"] = "no trade-off: T is linear, so Theta does not depend on p"
        if settings <= 1:
            figures["summary.throughput_gain"] = best
    elif certificate.get("kind") == "simulation":
        split = Fraction(game.fixed["split"])
        figures["throughput.model"] = theta(split)
    return figures


MODEL_FIGURES["frontier"] = MODEL_FIGURES["simulation"] = model_figures
