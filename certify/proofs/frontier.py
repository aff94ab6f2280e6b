"""A frontier document (certify pareto, one load): per split an exact classical optimum, an
explicit quantum strategy and a certified lower bound, each a single result re-checked by
certify.proofs.result; the table's rows, the headline and the summary (the waiting reduction
between the exact classical hull and the certified dual lines) re-derived from them.

The classical hull and the envelope maths are in certify.proofs.hull, the Werner-pair (noise,
supply, link) rows in certify.proofs.frontier_noise and the several-load document in
certify.proofs.frontier_loads (verify_loads here passes it the frontier check); their public
names are re-exported here, where the producer and the tests import them.
"""

from __future__ import annotations

from fractions import Fraction

from ..errors import BadInput
from .correlator import check_correlation_dual, check_correlation_strategy, correlation_dual_line
from .document import Malformed, Node, Verified, check_model_figures, read_game, same, short_text
from .exact import DOWN, NEAREST, UP, fraction, sense_sign
from .frontier_loads import check_loads, comparison_statement  # noqa: F401 (comparison_statement re-exported)
from .frontier_noise import (  # noqa: F401 (noise_summary, WERNER_PART re-exported)
    WERNER_PART, check_visibilities, critical_row, critical_summary, noise_headline, noise_rows, noise_summary,
    werner_parts,
)
from .hull import (  # noqa: F401 (re-exported: the producer and the figures import them from here)
    HULL_POINTS, classical_hull, hull_constraints, hull_value, reduction_bounds, reduction_summary, upper_envelope,
)
from .npa import parse_level
from .result import bound_side, check_certificate_keys, check_options, strategy_rank, verify_result


IDEAL_MEANING = "largest certified waiting reduction on the grid: max over splits of classical W - quantum W"


def value_meaning(settings: list[tuple[Fraction, Fraction, bool]]) -> str:
    """What the top-level ``value`` of a frontier document is, a function of its noise settings alone
    (the producer writes it, verify rebuilds it and compares): ``settings`` lists per noise setting
    (visibility, supply, same_split) as exact Fractions and a bool, in the rows' order."""
    if not settings:
        return IDEAL_MEANING
    if len(settings) > 1:
        return ("none: one headline per noise setting, in summary.noise (value and advantage_certified "
                "of each)")
    v, supply, same_split = settings[0]
    return (f"largest certified waiting reduction on the grid with Werner pairs of visibility {v} for a share "
            f"{supply} of request pairs" + (", each part meeting the split on its own" if same_split else "")
            + ": max over splits of classical W - W of the explicit Werner-pair strategy")


def dual_line(game, certificate):
    """(intercept, slope): a certified correlator dual proves W >= intercept + slope p at EVERY split p
    (``correlation_dual_line``: the bound is affine in the split value, certified at 0 and 1)."""
    return correlation_dual_line(game, certificate, "split")


def verify_frontier(data, source="result", model_figures=None):
    """A frontier document: per split an exact classical optimum, an explicit quantum
    strategy and quantum bounds, the summary table, and the model figures."""
    problems = []
    items = []
    try:
        node = Node(data, "", problems)
        game = read_game(node)
        node.expect("command", "pareto")
        node.descriptive("tool", "solver", "seconds",
                         "arrival_rate", "arrival_rate_exact", "waiting_model")  # the last three: model figures
        certificate = node.child("certificate")
        certificate.expect("kind", "frontier")
        entries = certificate.get("points")
        if not isinstance(entries, list) or not entries:
            raise Malformed(certificate.key("points"), "expected a non-empty list")
        certificate.finish()
        if "split" not in {c.name for c in game.constraints}:
            raise Malformed("game.definition.constraints", "a frontier needs a constraint named 'split'")
    except Malformed as error:
        return [Verified("", "frontier", False, None, problems + [str(error)])]
    witness_key = "quantum_upper" if game.sense == "min" else "quantum_lower"
    dual_key = "quantum_lower" if game.sense == "min" else "quantum_upper"
    points = []
    splits = []
    for index, entry in enumerate(entries):
        where = f"certificate.points[{index}]"
        try:
            point = Node(entry, where, problems)
            text = point.get("split")
            try:
                split = fraction(text)
            except (ValueError, ZeroDivisionError):
                raise Malformed(point.key("split"), f"{short_text(text)} is not a rational") from None
            if not same(text, str(split)):
                point.fail("split", f"{short_text(text)} is not in lowest terms ({split})")
            if split in splits:
                point.fail("split", f"split {split} appears twice")
            splits.append(split)
            expected = game.with_fixed({"split": split}, where)
        except (Malformed, BadInput) as error:
            problems.append(str(error) if isinstance(error, Malformed) else f"{where}.split: {error.message}")
            points.append(None)
            continue
        kinds = {"classical": {"classical"}, witness_key: {"correlation-strategy", "seesaw"},
                 dual_key: {"correlation-dual", "npa"}, "npa": {"npa"}, "seesaw": {"seesaw"}}
        parts = {}
        for key in ("classical", witness_key, dual_key, "npa", "seesaw"):
            if key in ("npa", "seesaw") and not point.has(key):
                continue
            if not point.has(key):
                point.fail(key, "missing")
                continue
            exact_classical = parts["classical"].check.exact if "classical" in parts and parts["classical"].check else None
            parts[key] = verify_result(point.get(key), point.key(key), source, expected, kinds[key], exact_classical)
        werner_parts(point, parts, source, expected, witness_key)
        point.finish()
        for item in parts.values():
            problems += item.problems
        points.append({"split": split, "parts": parts,
                       "certificates": {key: (entry.get(key) or {}).get("certificate") for key in parts
                                        if isinstance(entry.get(key), dict)}})
    check_options(node, game, {point["parts"]["npa"].level for point in points
                          if point and "npa" in point["parts"] and point["parts"]["npa"].level}, frontier=True)
    check_visibilities(node, entries)
    table = []  # the summary table's problems, reported as their own item
    settings = _frontier_table(node, game, points, witness_key, dual_key, model_figures, table)
    top = _frontier_claims(node, game, points, witness_key, settings)
    node.finish()
    items.append(Verified("", "frontier", not problems, top, problems, None, DOWN, game))
    items.append(Verified("points", "frontier points", not table, None, table))
    return items


def _advantage(game, parts, witness_key):
    """s (witness - classical): positive when the explicit quantum strategy beats the classical optimum."""
    classical, witness = parts.get("classical"), parts.get(witness_key)
    if classical is None or witness is None or not (classical.ok and witness.ok):
        return None
    if classical.check.exact is None:
        return None
    return sense_sign(game) * (witness.value - classical.check.exact)


def _frontier_claims(node: Node, game, points: list, witness_key: str, settings: list | None) -> Fraction | None:
    """The headline: with no noise setting, the largest advantage of the ideal rows; with one, that
    setting's (rows' exact advantages at it); with several, no single value (``value`` null) and
    ``advantage_certified`` whether any setting has an advantage. ``settings`` is None when the
    rows do not state one consistent list of settings (then the headline cannot be rebuilt)."""
    ok = all(point is not None and all(item.ok for item in point["parts"].values()) for point in points)
    node.expect("certified", True)
    if not ok:
        node.fail("certified", "a point's certificate failed its check")
    node.expect("exact", None)
    if settings is None:
        for key in ("value", "advantage_certified", "value_meaning"):
            node.get(key, None)
            node.fail(key, "the rows state no consistent noise settings, so the headline cannot be rebuilt")
        return None
    if settings:
        per_setting = [[point["noise"][index] if point and point.get("noise") else None for point in points]
                       for index in range(len(settings))]
    else:
        per_setting = [[_advantage(game, point["parts"], witness_key) if point else None for point in points]]
    bests = [max([Fraction(0)] + [a for a in advantages if a is not None]) for advantages in per_setting]
    node.expect("advantage_certified", any(a is not None and a > 0 for advantages in per_setting for a in advantages))
    node.expect("value_meaning", value_meaning(settings))
    if len(bests) == 1:
        node.expect_float("value", bests[0], DOWN)
        return bests[0]
    node.expect("value", None)
    return None


def _frontier_table(node, game, points, witness_key, dual_key, model_figures, problems):
    """The "points" table and "summary" papers quote, against the checked parts."""
    summaries = node.get("points")
    if not isinstance(summaries, list) or len(summaries) != len(points):
        problems.append(f"points: expected {len(points)} rows, one per certified point")
        node.descriptive("summary", "model")
        return None
    rows = []
    for index, (summary, point) in enumerate(zip(summaries, points)):
        try:
            row = Node(summary, f"points[{index}]", problems)
        except Malformed as error:
            problems.append(str(error))
            rows.append(None)
            continue
        rows.append(row)
        if point is None:
            row.descriptive(*row.data)
            row.finish()
            continue
        _frontier_row(row, game, point, witness_key, dual_key)
    settings = _settings(points, problems)
    try:
        _frontier_summary(Node(node.get("summary"), "summary", problems), game, points, rows, witness_key, settings)
    except Malformed as error:
        problems.append(str(error))
    check_model_figures(node, game, model_figures, "frontier", problems)
    return settings


def _settings(points: list, problems: list) -> list | None:
    """The document's noise settings [(visibility, supply, same_split)], one per entry of every
    row's "noise" list: each row must state the same ones in the same order (so a summary entry
    and the headline speak of one setting), and Werner parts need rows that state them.
    None (with a problem) when the rows disagree."""
    found = [point.get("settings") for point in points if point is not None]
    if not found:
        return []
    first = found[0]
    if any(settings != first for settings in found) or first is not None and None in first:
        problems.append("points: the rows' noise entries are not one list of settings (visibility, supply, "
                        "split rule) at every split")
        return None
    if first is None:
        first = []
    if not first and any(key.startswith("werner_") for point in points if point for key in point["parts"]):
        problems.append("points: Werner-pair certificates that no row's noise entry states")
        return None
    return first


def _frontier_row(row, game, point, witness_key, dual_key):
    parts, split = point["parts"], point["split"]
    row.expect("split_exact", str(split))
    row.expect_float("split", split, NEAREST)
    row.descriptive("seconds", "throughput")  # throughput: a model figure, checked by check_model_figures
    classical, witness = parts.get("classical"), parts.get(witness_key)
    if classical is None or witness is None or classical.value is None or witness.value is None:
        row.descriptive(*row.data)
        row.finish()
        return
    row.expect_float("classical", classical.value, classical.direction)
    row.expect_float(witness_key, witness.value, witness.direction)
    bounds = [parts[key] for key in (dual_key, "npa") if key in parts and parts[key].ok and parts[key].value is not None]
    side = bound_side(game)
    if bounds:
        pick = max if side == DOWN else min  # the tightest certified bound on the quantum optimum
        tightest = pick(item.value for item in bounds)
        row.expect_float(dual_key, tightest, side)
        row.expect_float("gap_npa", abs(witness.value - tightest), UP)
    else:
        row.fail(dual_key, "no certified bound backs this number")
    advantage = _advantage(game, parts, witness_key)
    certified = advantage is not None and advantage > 0
    row.expect("advantage_certified", certified)
    if certified:
        row.expect_float("advantage", advantage, DOWN)
        if classical.check.exact:
            row.expect_float("relative_advantage", advantage / abs(classical.check.exact), DOWN)
        else:
            row.expect("relative_advantage", 0.0)
    else:
        row.expect("advantage", 0.0)
        row.expect("relative_advantage", 0.0)
    if "npa" in parts:
        npa = parts["npa"]
        if npa.value is not None:
            row.expect_float("npa_bound", npa.value, npa.direction)
        level = row.get("npa_level", None)
        try:
            same_level = npa.level is not None and parse_level(str(level)).name == npa.level
        except BadInput:
            same_level = False
        if not same_level:
            row.fail("npa_level", f"{short_text(level)} is not the certificate's level {npa.level}")
    else:
        row.descriptive("npa_level", "npa_problem")  # the NPA cross-check was skipped or its solver failed
        if row.has("npa_bound"):
            row.fail("npa_bound", "no NPA certificate at this point")
    if "seesaw" in parts:
        row.expect_float("seesaw", parts["seesaw"].value, parts["seesaw"].direction)
        row.expect("seesaw_certified", parts["seesaw"].ok)
    if bounds and sense_sign(game) * (witness.value - tightest) > 0:
        row.fail(dual_key, f"the bound {tightest} lies beyond the witness's {witness.value}: "
                           "the two sides do not bound one quantity")
    if bounds and classical.check is not None and classical.check.exact is not None and sense_sign(game) * (classical.check.exact - tightest) > 0:
        row.fail(dual_key, f"the quantum bound {tightest} lies beyond the classical optimum {classical.check.exact}")
    point["settings"] = []
    if row.has("noise"):
        point["settings"], point["noise"] = noise_rows(row, game, parts, witness_key, dual_key,
                                                        tightest if bounds else None)
    if row.has("critical_visibility"):
        critical_row(row, parts)
    row.expect("problems", [], optional=True)
    row.finish()


def _frontier_summary(summary, game, points, rows, witness_key, settings):
    """The summary: the headline (the ideal rows' grid-independent reductions, or with noise settings
    the settings' own, ``noise_summary``), the cross-checks of the ideal rows, the classical hull."""
    certified_rows = []
    largest_gap = None
    largest_level_gap = None
    largest_excess = None
    for point, row in zip(points, rows):
        if point is None or row is None:
            continue
        data = row.data
        if data.get("advantage_certified") is True:
            certified_rows.append(data.get("split"))
        parts = point["parts"]
        witness = parts.get(witness_key)
        if witness is None or witness.value is None:
            continue
        if isinstance(data.get("gap_npa"), float):
            largest_gap = data["gap_npa"] if largest_gap is None else max(largest_gap, data["gap_npa"])
        if "npa" in parts and parts["npa"].value is not None:
            gap = abs(witness.value - parts["npa"].value)
            largest_level_gap = gap if largest_level_gap is None else max(largest_level_gap, gap)
        if "seesaw" in parts and parts["seesaw"].value is not None:
            excess = sense_sign(game) * (witness.value - parts["seesaw"].value)
            largest_excess = excess if largest_excess is None else max(largest_excess, excess)
    data = [row.data if row is not None else {} for row in rows]
    if settings:
        noise_headline(summary, data, settings)
    elif settings is not None:
        _reductions(summary, game, points, certified_rows, witness_key)
        summary.expect("certified_splits", certified_rows)
        summary.expect("certified_range", [min(certified_rows), max(certified_rows)] if certified_rows else None)
        if summary.has("noise"):  # --critical-visibility alone: no setting
            summary.expect("noise", [])
    summary.descriptive("arrival_rate", "load", "waiting_model", "trade_off")  # model figures (check_model_figures)
    summary.expect("largest_gap_npa", largest_gap)
    if largest_level_gap is None:
        summary.expect("largest_gap_npa_level", None)
    else:
        summary.expect_float("largest_gap_npa_level", largest_level_gap, UP)
    if largest_excess is None:
        summary.expect("largest_seesaw_excess", None)
    else:
        summary.expect_float("largest_seesaw_excess", largest_excess, UP)
    summary.expect("npa_failures", [row.data.get("split") for row in rows if row is not None and "npa_problem" in row.data])
    try:
        hull = classical_hull(game)
    except Exception as error:  # noqa: BLE001 - a game without a usable split constraint
        summary.fail("classical_hull", f"cannot be rebuilt: {error}")
    else:
        summary.expect("classical_hull", [[str(x), str(y)] for x, y in hull])
    summary.descriptive("throughput_gain")  # a model figure, checked by check_model_figures
    if summary.has("critical_visibility"):
        try:
            expected = critical_summary(data)
        except (TypeError, ValueError, KeyError, AttributeError, IndexError):
            summary.get("critical_visibility")
            summary.fail("critical_visibility", "cannot be rebuilt from the rows (a row is malformed)")
        else:
            summary.expect("critical_visibility", expected)
    summary.finish()


def _reductions(summary, game, points, certified_rows, witness_key):
    """The grid-independent largest waiting reduction, rebuilt by ``reduction_summary`` from the
    grid's checked strategies and duals and the refinement's certificates (each checked here)."""
    dual_key = "quantum_lower" if witness_key == "quantum_upper" else "quantum_upper"
    refinement = summary.get("refinement", [])
    if not certified_rows:
        summary.expect("waiting_reduction", {"value": 0.0, "split": None})
        summary.expect("absolute_waiting_reduction", {"value": 0.0, "split": None})
        summary.expect("refinement", [])
        return
    try:
        hull = classical_hull(game)
        certified, lines = [], []
        for point in points:
            if point is None:
                continue
            witness, dual = point["parts"].get(witness_key), point["parts"].get(dual_key)
            if witness is not None and witness.ok and witness.value is not None:
                certified.append((point["split"], witness.value))
            if dual is not None and dual.ok:
                line = dual_line(game, point["certificates"].get(dual_key))
                if line is not None:
                    lines.append(line)
        if not isinstance(refinement, list):
            raise Malformed("summary.refinement", "expected a list")
        for index, entry in enumerate(refinement):
            where = f"refinement[{index}]"
            if not isinstance(entry, dict) or set(entry) != {"split", "strategy", "dual"}:
                raise Malformed(f"summary.{where}", "expected exactly split, strategy and dual")
            split = fraction(entry["split"])
            node = Node(entry, summary.key(where), summary.problems)
            for name, kind in (("strategy", "correlation-strategy"), ("dual", "correlation-dual")):
                certificate = node.get(name)
                if certificate is None:
                    continue
                if not isinstance(certificate, dict) or certificate.get("kind") != kind:
                    raise Malformed(node.key(f"{name}.kind"), f"expected a '{kind}' certificate")
                check_certificate_keys(node, certificate, kind, name)
            if entry["strategy"] is not None and "rank" in entry["strategy"] \
                    and not same(entry["strategy"]["rank"], strategy_rank(entry["strategy"])):
                node.fail("strategy.rank", "is not the vectors' length")
            if entry["strategy"] is not None:
                check = check_correlation_strategy(game.with_fixed({"split": split}), entry["strategy"])
                if not check.ok or check.achieved is None:
                    summary.fail(f"{where}.strategy", "; ".join(check.problems) or "reaches no value")
                    return
                certified.append((split, check.achieved))
            if entry["dual"] is not None:
                at_split = check_correlation_dual(game.with_fixed({"split": split}), entry["dual"])
                if not at_split.ok:  # the bound it claims at its own split must hold too
                    summary.fail(f"{where}.dual", "; ".join(at_split.problems) or "proves no bound")
                    return
                line = dual_line(game, entry["dual"])
                if line is None:
                    summary.fail(f"{where}.dual", "not a certified dual at splits 0 and 1")
                    return
                lines.append(line)
        expected = reduction_summary(hull, certified, lines)
    except Malformed as error:
        summary.problems.append(str(error))
        return
    except (BadInput, KeyError, TypeError, ValueError, ZeroDivisionError) as error:
        summary.fail("refinement", f"cannot rebuild the largest reduction: {getattr(error, 'message', error)!s}")
        return
    summary.expect("waiting_reduction", expected["relative"])
    summary.expect("absolute_waiting_reduction", expected["absolute"])


def verify_loads(data, source="result", model_figures=None):
    """A several-load document (pareto --arrival-rate A,B,...): certify.proofs.frontier_loads's
    check, each load checked as a frontier document by ``verify_frontier``."""
    return check_loads(data, source, model_figures, verify_frontier)
