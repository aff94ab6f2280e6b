"""Frontier documents (certify pareto, one load or several): per split an exact classical
optimum, an explicit quantum strategy and a certified lower bound, the summary table
re-derived from them, and the Werner-pair (noise) rows.
"""

from __future__ import annotations

import functools
import json
import math
import re
from fractions import Fraction

import flint
import numpy as np

from ..errors import BadInput
from .deterministic import all_strategies
from .exact import DOWN, NEAREST, UP, as_fmpq, as_fraction, fraction, safe_float, sense_sign
from .npa import parse_level
from .correlator import check_correlation_dual, check_correlation_strategy, correlation_dual_line
from .document import Malformed, Node, Verified, check_model_figures, read_game, same, short_text
from .result import bound_side, check_certificate_keys, check_options, strategy_rank, verify_result



# Frontier (certify pareto)


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


def noise_summary(rows: list[dict]) -> list[dict]:
    """Per noise setting (in the rows' order), its headline over the grid, from the rows alone
    (the producer writes it, verify rebuilds it from the checked rows): the setting, the largest
    relative and absolute W reductions and where (split None without a certified advantage), the
    largest absolute one as ``value``, whether any split has a certified advantage, and the largest
    gap between the two sides. ``rows`` are the frontier's rows, each with "split" and "noise"."""
    out = []
    count = len(rows[0].get("noise") or []) if rows else 0
    for index in range(count):
        entries = [(row["split"], row["noise"][index]) for row in rows]
        first = entries[0][1]
        certified = [split for split, entry in entries if entry["advantage_certified"] is True]
        relative = max(entries, key=lambda item: item[1]["relative_advantage"])
        absolute = max(entries, key=lambda item: item[1]["advantage"])
        out.append({
            "visibility": first["visibility"],
            "visibility_exact": first["visibility_exact"],
            "fidelity": first["fidelity"],
            "supply": first["supply"],
            "supply_exact": first["supply_exact"],
            "same_split": first["same_split"],
            "value": absolute[1]["advantage"],
            "advantage_certified": bool(certified),
            "waiting_reduction": {"value": relative[1]["relative_advantage"], "split": relative[0] if certified else None},
            "absolute_waiting_reduction": {"value": absolute[1]["advantage"], "split": absolute[0] if certified else None},
            "certified_splits": certified,
            "certified_range": [min(certified), max(certified)] if certified else None,
            "largest_gap": max(entry["gap"] for _, entry in entries),
        })
    return out


def hull_value(hull, p):
    """The exact classical frontier's W at split p (linear between the hull's vertices)."""
    for (x1, y1), (x2, y2) in zip(hull, hull[1:]):
        if x1 <= p <= x2:
            return y1 + (y2 - y1) * (p - x1) / (x2 - x1)
    raise ValueError(f"split {p} outside [0, 1]")


def dual_line(game, certificate):
    """(intercept, slope): a certified correlator dual proves W >= intercept + slope p at EVERY split p
    (``correlation_dual_line``: the bound is affine in the split value, certified at 0 and 1)."""
    return correlation_dual_line(game, certificate, "split")


def upper_envelope(lines):
    """The lines that attain max_i (c_i + s_i p) somewhere, by slope (exact convex-hull trick)."""
    best = {}
    for c, s in lines:
        best[s] = max(best.get(s, c), c)
    envelope = []
    for s, c in sorted(best.items()):
        while len(envelope) >= 2:
            (c1, s1), (c2, s2) = envelope[-2], envelope[-1]
            # line 2 is never on top if line 3 overtakes line 1 no later than line 2 does
            if (c1 - c) * (s2 - s1) <= (c1 - c2) * (s - s1):
                envelope.pop()
            else:
                break
        envelope.append((c, s))
    return envelope


def reduction_bounds(hull, lines, certified, low=Fraction(0), high=Fraction(1)):
    """Rigorous bounds on sup over p in [low, high] of the relative and absolute waiting reduction.

    ``certified`` lists (p, W_q) with W_q the exact W of an explicit quantum
    strategy at split p: each gives a certified value (lower bounds on the
    suprema). ``lines`` are certified dual lines, so the quantum optimum
    Q(p) >= L(p) = max_i (c_i + s_i p), and C(p) is exact. On every interval
    between consecutive breakpoints of C and L both are linear, so C - L is
    linear and (C - L)/C monotone: the maxima over the breakpoints bound
    sup (C - Q) and sup (C - Q)/C from above, exactly. Needs C > 0 on
    [low, high]. Computed in python-flint's exact rationals (the envelope is
    evaluated at every breakpoint: thousands of products), answered in Fractions.
    """
    hull = [(as_fmpq(x), as_fmpq(y)) for x, y in hull]
    lines = [(as_fmpq(c), as_fmpq(s)) for c, s in lines]
    certified = [(as_fmpq(p), as_fmpq(w)) for p, w in certified]
    low, high = as_fmpq(low), as_fmpq(high)
    envelope = upper_envelope(lines)
    points = {low, high} | {x for x, _ in hull if low <= x <= high}
    for (c1, s1), (c2, s2) in zip(envelope, envelope[1:]):
        x = (c1 - c2) / (s2 - s1)
        if low <= x <= high:
            points.add(x)
    relative_up = absolute_up = flint.fmpq(0)
    for x in points:
        c = hull_value(hull, x)
        bound = max(ci + si * x for ci, si in envelope)
        absolute_up = max(absolute_up, c - bound)
        if c > 0:
            relative_up = max(relative_up, (c - bound) / c)
    relative, absolute = (flint.fmpq(0), None), (flint.fmpq(0), None)
    for p, w in certified:
        if not low <= p <= high:
            continue
        c = hull_value(hull, p)
        if c - w > absolute[0]:
            absolute = (c - w, p)
        if c > 0 and (c - w) / c > relative[0]:
            relative = ((c - w) / c, p)

    def pair(value, split):
        return as_fraction(value), None if split is None else as_fraction(split)

    return pair(*relative), as_fraction(relative_up), pair(*absolute), as_fraction(absolute_up)


def reduction_summary(hull, certified, lines):
    """The largest waiting reduction at equal split, from certified points and dual lines.

    ``certified`` lists (p, W) reached by explicit strategies (grid points, then the
    producer's extra splits, in that order), ``lines`` certified dual lines. Relative
    and absolute reductions: the best certified value (rounded down) and the rigorous
    upper bound of ``reduction_bounds`` (rounded up). When C(1) = 0 (light traffic)
    the relative supremum is the limit p -> 1, reported with the certified value
    nearest to 1. The producer (certify.scheduling.frontier.waiting_reduction) and
    verify both call this, on the same certificates.
    """
    limit = hull[-1][1] == 0 and hull[-1][0] == 1
    high = hull[-2][0] if limit else Fraction(1)
    relative, relative_up, _, _ = reduction_bounds(hull, lines, certified, high=high)
    _, _, absolute, absolute_up = reduction_bounds(hull, lines, certified)
    result = {
        "relative": {"value": safe_float(relative[0], DOWN),
                     "split": float(relative[1]) if relative[1] is not None else None,
                     "split_exact": str(relative[1]) if relative[1] is not None else None,
                     "upper": safe_float(relative_up, UP), "kind": "maximum"},
        "absolute": {"value": safe_float(absolute[0], DOWN),
                     "split": float(absolute[1]) if absolute[1] is not None else None,
                     "split_exact": str(absolute[1]) if absolute[1] is not None else None,
                     "upper": safe_float(absolute_up, UP)},
        "certified_points": len(certified),
    }
    if limit:
        tail = [(p, w) for p, w in certified if high < p < 1]
        p, w = max(tail, key=lambda item: item[0])
        c = hull_value(hull, p)
        r = (c - w) / c
        if r >= relative[0]:
            result["relative"] = {
                "value": safe_float(r, DOWN), "split": float(p), "split_exact": str(p), "upper": None,
                "kind": "limit", "note": "supremum as p -> 1, where both W vanish; not attained",
            }
    # the value at the best relative split, absolute (what a table quotes beside it)
    p = Fraction(result["relative"]["split_exact"]) if result["relative"]["split_exact"] is not None else None
    if p is not None:
        w = dict(certified)[p]
        result["relative"]["absolute_there"] = safe_float(hull_value(hull, p) - w, DOWN)
    return result


def classical_hull(game, constraint="split"):
    """The exact classical frontier: lower convex hull of (constraint level, value) over the
    classical behaviours that meet the game's other constraints, as [(level, value)] Fractions,
    level increasing.

    Mixing strategies with shared randomness reaches every point of the polytope P spanned by the
    deterministic strategies' (level, value, other levels), and nothing else, so at a fixed level
    the classical optimum of a "min" game is the hull's height there once P is cut by the other
    constraints (``hull_constraints`` says which must be cut; each cut is ``_cut``, exact).
    Remembered per exact content of the tables (verify asks at several places of a document,
    the producer at every summary; each answer lists every deterministic strategy).
    """
    cuts = hull_constraints(game, constraint)
    tensor = game.constraint(constraint).exact
    rows = tuple((c.relation, c.value, tuple(c.exact.flat)) for c in cuts)
    return list(_lower_hull(tensor.shape, tuple(tensor.flat), tuple(game.objective_exact.flat), rows))


def hull_constraints(game, constraint: str = "split") -> list:
    """The constraints (besides ``constraint``) that the classical hull must cut P with; ValueError
    naming a constraint it cannot take.

    A constraint that is odd under flipping both answers and met at level 0 costs nothing when the
    objective, ``constraint`` and every other constraint are invariant under the flip: a mixture
    meeting the rest, mixed half and half with its flipped copy, keeps its level, value and other
    levels and has level 0 in every odd row (the dual-work model's balance row). Such rows are left
    out; every other row is cut exactly (``_cut``) when the flip argument holds, and a game where it
    does not (two answers each, invariant objective and ``constraint``) must have no odd rows.
    """
    others = [c for c in game.constraints if c.name != constraint]
    if not others:
        return []
    two = tuple(game.outputs) == (2, 2)

    def flipped(tensor: np.ndarray) -> np.ndarray:
        return tensor[::-1, ::-1]

    def invariant(tensor: np.ndarray) -> bool:
        return two and bool(np.all(tensor == flipped(tensor)))

    def free_odd(other) -> bool:
        at_zero = (other.relation == "==" and other.value == 0 or other.relation == "<=" and other.value >= 0
                   or other.relation == ">=" and other.value <= 0)
        return two and at_zero and bool(np.all(other.exact == -flipped(other.exact)))

    odd = [c for c in others if free_odd(c)]
    cuts = [c for c in others if not any(c is o for o in odd)]
    if odd and not (invariant(game.objective_exact) and invariant(game.constraint(constraint).exact)
                    and all(invariant(c.exact) for c in cuts)):
        raise ValueError(f"constraint '{odd[0].name}': the classical hull leaves out a row that flipping both "
                         f"answers meets at no cost only when the objective, '{constraint}' and the other rows "
                         "do not change under the flip")
    return cuts


HULL_POINTS = 20000  # points of a cut polytope the hull keeps (each cut can square their number)


def _cut(points: set, index: int, relation: str, value: Fraction) -> set:
    """conv(points) cut by the row ``index`` of their third coordinate (relation, value), as the
    finite point set whose convex hull is the cut polytope: the points that meet the row, and on
    every segment between a point below and a point above the level, the point at the level
    (conv(S) intersected with a half-space or a hyperplane is the hull of exactly these)."""
    below = [p for p in points if p[2][index] < value]
    above = [p for p in points if p[2][index] > value]
    keep = [p for p in points if p[2][index] == value]
    keep += below if relation == "<=" else above if relation == ">=" else []
    if len(below) * len(above) > HULL_POINTS:
        raise ValueError(f"the classical hull under the constraints would need {len(below) * len(above)} points "
                         f"(limit {HULL_POINTS})")
    for a in below:
        for b in above:
            t = (value - a[2][index]) / (b[2][index] - a[2][index])
            keep.append((a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]),
                         tuple(u + t * (w - u) for u, w in zip(a[2], b[2]))))
    return set(keep)


@functools.lru_cache(maxsize=64)
def _lower_hull(shape: tuple, levels: tuple, values: tuple, rows: tuple = ()) -> tuple:
    """The lower hull of (level, value) over the deterministic strategies' points cut by ``rows``
    ((relation, value, coefficients) each): hashable arguments, so the answer is cached by content."""
    tensor = np.array(levels, dtype=object).reshape(shape)
    objective = np.array(values, dtype=object).reshape(shape)
    others = [np.array(row[2], dtype=object).reshape(shape) for row in rows]
    points = {(s.value(tensor), s.value(objective), tuple(s.value(o) for o in others))
              for s in all_strategies(shape[2:], shape[:2])}
    for index, (relation, value, _) in enumerate(rows):
        points = _cut(points, index, relation, value)
    if not points:
        raise ValueError("no classical behaviour meets the constraints")
    points = sorted({(x, y) for x, y, _ in points})
    hull = []
    for point in points:
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            if (x2 - x1) * (point[1] - y1) - (y2 - y1) * (point[0] - x1) <= 0:
                hull.pop()
            else:
                break
        if hull and hull[-1][0] == point[0]:
            continue
        hull.append(point)
    return tuple(hull)


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
        _werner_parts(point, parts, source, expected, witness_key)
        point.finish()
        for item in parts.values():
            problems += item.problems
        points.append({"split": split, "parts": parts,
                       "certificates": {key: (entry.get(key) or {}).get("certificate") for key in parts
                                        if isinstance(entry.get(key), dict)}})
    check_options(node, game, {point["parts"]["npa"].level for point in points
                          if point and "npa" in point["parts"] and point["parts"]["npa"].level}, frontier=True)
    _visibilities(node, entries)
    table = []  # the summary table's problems, reported as their own item
    settings = _frontier_table(node, game, points, witness_key, dual_key, model_figures, table)
    top = _frontier_claims(node, game, points, witness_key, settings)
    node.finish()
    items.append(Verified("", "frontier", not problems, top, problems, None, DOWN, game))
    items.append(Verified("points", "frontier points", not table, None, table))
    return items


WERNER_PART = re.compile(r"^werner_(lower|upper) v=(.+)$")


def _werner_parts(point, parts, source, expected, witness_key):
    """A point's Werner-pair results (pareto --visibility / --critical-visibility).

    "werner_lower v=V" is a werner-dual bound and "werner_upper v=V" a
    werner-strategy witness at visibility V (the key's V must be the
    certificate's); "critical_lower" is a werner-dual proving the classical
    optimum itself (no advantage at its visibility) and "critical_upper" a
    werner-strategy beating it. Sides are for a "min" game (W), as pareto writes them.
    """
    classical = parts.get("classical")
    exact_classical = classical.check.exact if classical is not None and classical.check is not None else None
    for key in list(point.data):
        match = WERNER_PART.match(key)
        if not match and key not in ("critical_lower", "critical_upper"):
            continue
        side = match.group(1) if match else key.split("_")[1]
        kind = "werner-dual" if side == "lower" else "werner-strategy"
        item = verify_result(point.get(key), point.key(key), source, expected, {kind}, exact_classical)
        parts[key] = item
        certificate = point.data[key].get("certificate", {}) if isinstance(point.data[key], dict) else {}
        try:
            visibility = fraction(certificate.get("visibility"))
        except (ValueError, ZeroDivisionError):
            visibility = None
        item.visibility = visibility
        try:
            item.supply = fraction(certificate.get("supply", "1"))
        except (ValueError, ZeroDivisionError):
            item.supply = None
        item.same_split = certificate.get("same_split", False)  # the split rule: a row's sides must share it
        options = point.data[key].get("options") if isinstance(point.data[key], dict) else None
        if isinstance(options, dict) and "visibility" in options and (
                visibility is None or not same(options["visibility"], str(visibility))):
            item.problems.append(f"{point.key(key)}.options: visibility {short_text(options['visibility'])} is not "
                                 f"the certificate's {certificate.get('visibility')!r}")
        if isinstance(options, dict) and "supply" in options and (
                item.supply is None or not same(options["supply"], str(item.supply))):
            item.problems.append(f"{point.key(key)}.options: supply {short_text(options['supply'])} is not "
                                 f"the certificate's {certificate.get('supply', '1')!r}")
        if match and (visibility is None or str(visibility) != match.group(2)):
            item.problems.append(f"{point.key(key)}: the key names visibility {match.group(2)}, "
                                 f"the certificate {certificate.get('visibility')!r}")
        if not match and item.ok and exact_classical is not None:
            beats = sense_sign(expected) * (item.value - exact_classical) > 0
            if side == "lower" and item.value != exact_classical:
                item.problems.append(f"{point.key(key)}: proves {item.value}, not the classical optimum "
                                     f"{exact_classical} (no advantage at its visibility)")
            if side == "upper" and not beats:
                item.problems.append(f"{point.key(key)}: does not beat the classical optimum {exact_classical}")
        item.ok = not item.problems


def _visibilities(node, entries):
    """options.visibilities (pareto --visibility/--fidelity) must be the Werner rows' visibilities."""
    options = node.data.get("options")
    if not isinstance(options, dict) or "visibilities" not in options:
        return
    rows = node.data.get("points")
    first = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else {}
    noise = first.get("noise")
    stated = [entry.get("visibility_exact") for entry in (noise if isinstance(noise, list) else []) if isinstance(entry, dict)]
    if not same(options["visibilities"], stated):
        node.fail("options", f"visibilities {short_text(options['visibilities'])} are not the rows' {short_text(stated)}")
    supply = options.get("supply")
    if supply is not None:
        found = set()
        for entry in node.data["certificate"]["points"]:
            for key, part in entry.items() if isinstance(entry, dict) else ():
                if WERNER_PART.match(key) and isinstance(part, dict) and isinstance(part.get("certificate"), dict):
                    found.add(str(part["certificate"].get("supply", "1")))
        if found and found != {str(supply)}:
            node.fail("options", f"supply {short_text(supply)} is not the Werner certificates' {', '.join(sorted(found))}")
        stated = {entry.get("supply_exact") for entries in _noise_lists(rows) for entry in entries}
        if stated and stated != {str(supply)}:
            node.fail("options", f"supply {short_text(supply)} is not the rows' {short_text(sorted(map(str, stated)))}")
    link = options.get("link")
    # pareto writes the link's operating point (a table) or null; other writers (a scan cell's
    # options) may say something else, and then the rows' own split rule is what counts
    if isinstance(rows, list) and "link" in options and (link is None or isinstance(link, dict)):
        # a link (memories) has each part meet the split on its own: the rows' split rule must say so
        rules = {entry.get("same_split") for entries in _noise_lists(rows) for entry in entries
                 if entry.get("supply_exact") != "1"}
        if rules and rules != {link is not None}:
            node.fail("options", f"link {'set' if link is not None else 'null'} is not the rows' split rule "
                                 f"(same_split {short_text(sorted(map(str, rules)))})")


def _noise_lists(rows: object) -> list[list[dict]]:
    """Each row's noise entries that are objects (malformed ones are reported by the row checks)."""
    if not isinstance(rows, list):
        return []
    lists = [row.get("noise") for row in rows if isinstance(row, dict)]
    return [[entry for entry in entries if isinstance(entry, dict)] for entries in lists if isinstance(entries, list)]


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
        point["settings"], point["noise"] = _noise_rows(row, game, parts, witness_key, dual_key,
                                                        tightest if bounds else None)
    if row.has("critical_visibility"):
        _critical_row(row, parts)
    row.expect("problems", [], optional=True)
    row.finish()


def _noise_rows(row: Node, game, parts: dict, witness_key: str, dual_key: str,
                tightest: Fraction | None) -> tuple[list | None, list]:
    """Per noise setting (visibility v, supply f, split rule): the Werner bounds on W at this split
    and the advantage they certify (v = 1 at full supply is the maximally entangled pair: the point's
    own quantum results). Both sides of an entry must be for one setting, stated by the entry, and
    may not contradict each other or the classical optimum.

    Returns (settings, advantages): per entry its (v, f, same_split), or None when it cannot be
    read, and the exact advantage s (witness - classical) at it, or None."""
    entries = row.get("noise")
    if not isinstance(entries, list):
        row.fail("noise", "expected a list, one entry per visibility")
        return None, []
    classical = parts["classical"].check.exact if parts.get("classical") and parts["classical"].check else None
    settings, advantages = [], []
    for index, data in enumerate(entries):
        settings.append(None)
        advantages.append(None)
        try:
            entry = Node(data, row.key(f"noise[{index}]"), row.problems)
            text = entry.get("visibility_exact")
            v = fraction(text)
        except Malformed as error:
            row.problems.append(str(error))
            continue
        except (ValueError, ZeroDivisionError):
            row.fail(f"noise[{index}].visibility_exact", f"{short_text(text)} is not a rational")
            continue
        try:
            settings[-1], advantages[-1] = _noise_entry(entry, game, parts, v, classical, witness_key, dual_key,
                                                        tightest)
        except Malformed as error:
            row.problems.append(str(error))
    return settings, advantages


def _noise_entry(entry: Node, game, parts: dict, v: Fraction, classical: Fraction | None, witness_key: str,
                 dual_key: str, tightest: Fraction | None) -> tuple:
    """One noise entry of a row (see ``_noise_rows``): its setting and exact advantage."""
    entry.expect("visibility_exact", str(v))
    entry.expect_float("visibility", v, NEAREST)
    entry.expect_float("fidelity", (1 + 3 * v) / 4, NEAREST)
    lower_key, upper_key = f"werner_lower v={v}", f"werner_upper v={v}"
    supply, same_split = Fraction(1), False
    if v == 1 and lower_key not in parts and upper_key not in parts:
        # ideal pairs for every request: the point's own results
        lower_key, upper_key = dual_key, witness_key
        lower = tightest
    else:
        sides = [parts[key] for key in (lower_key, upper_key) if key in parts]
        lower = parts[lower_key].value if lower_key in parts and parts[lower_key].ok else None
        supplies = {side.supply for side in sides}
        rules = {getattr(side, "same_split", False) for side in sides}
        supply = supplies.pop() if len(supplies) == 1 else None
        same_split = rules.pop() if len(rules) == 1 else None
        if supply is None:
            entry.fail("supply", "the two sides are certified for different supplies (or none): "
                                 "not one setting")
        if same_split is None:
            entry.fail("same_split", "the two sides use different split rules (same split, average split): "
                                     "not one setting")
    upper = parts[upper_key].value if upper_key in parts and parts[upper_key].ok else None
    entry.expect("lower_result", lower_key)
    entry.expect("upper_result", upper_key)
    if supply is None:
        entry.get("supply")
        entry.get("supply_exact")
    else:
        entry.expect_float("supply", supply, NEAREST)
        entry.expect("supply_exact", str(supply))
    if same_split is None:
        entry.get("same_split")
    else:
        entry.expect("same_split", same_split)
    entry.expect_float("lower", lower, DOWN)
    entry.expect_float("upper", upper, UP)
    if lower is not None and upper is not None:
        entry.expect_float("gap", abs(upper - lower), UP)
        # "upper" is the witness and "lower" the bound (for W, a min game): a witness beyond its bound,
        # or a classical optimum beyond the bound, means the two sides do not bound one quantity
        if sense_sign(game) * (upper - lower) > 0:
            entry.fail("lower", f"the bound {lower} lies beyond the witness's {upper}: the two sides do not "
                                "bound one quantity")
        if classical is not None and sense_sign(game) * (classical - lower) > 0:
            entry.fail("lower", f"the bound {lower} lies beyond the classical optimum {classical}")
    else:
        entry.expect_float("gap", None, UP)
    advantage = None if upper is None or classical is None else sense_sign(game) * (upper - classical)
    certified = advantage is not None and advantage > 0
    entry.expect("advantage_certified", certified)
    if certified:
        entry.expect_float("advantage", advantage, DOWN)
        entry.expect_float("relative_advantage", advantage / abs(classical), DOWN)
    else:
        entry.expect("advantage", 0.0)
        entry.expect("relative_advantage", 0.0)
    entry.finish()
    if supply is None or same_split is None:
        return None, None
    return (v, supply, same_split), (advantage if advantage is not None else None)


def _critical_row(row, parts):
    """The certified interval [V_lo, V_hi] of the critical visibility at this split."""
    try:
        interval = Node(row.get("critical_visibility"), row.key("critical_visibility"), row.problems)
    except Malformed as error:
        row.problems.append(str(error))
        return
    ends = {}
    for side, direction in (("lower", DOWN), ("upper", UP)):
        item = parts.get(f"critical_{side}")
        v = item.visibility if item is not None and item.ok else None
        ends[side] = v
        interval.expect(f"{side}_exact", None if v is None else str(v))
        if v is None:
            interval.expect(side, None)
        else:
            interval.expect_float(side, v, direction)
    if ends["lower"] is None or ends["upper"] is None:
        interval.expect("width", None)
    else:
        interval.expect_float("width", ends["upper"] - ends["lower"], UP)
    interval.finish()


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
        _noise_headline(summary, data, settings)
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
            expected = _critical_summary(data)
        except (TypeError, ValueError, KeyError, AttributeError, IndexError):
            summary.get("critical_visibility")
            summary.fail("critical_visibility", "cannot be rebuilt from the rows (a row is malformed)")
        else:
            summary.expect("critical_visibility", expected)
    summary.finish()


def _noise_headline(summary: Node, rows: list[dict], settings: list) -> None:
    """With noise settings the summary's headline is theirs: ``summary.noise`` rebuilt whole from the
    checked rows (``noise_summary``), and with one setting its reductions, certified splits and range
    restated at the top of the summary (the ideal rows' grid-independent search is not part of it)."""
    try:
        expected = noise_summary(rows)
    except (TypeError, ValueError, KeyError, AttributeError, IndexError):
        summary.get("noise", None)
        summary.fail("noise", "cannot be rebuilt from the rows (a row is malformed)")
        return
    summary.expect("noise", expected)
    if len(settings) == 1:
        headline = expected[0]
        for key in ("waiting_reduction", "absolute_waiting_reduction", "certified_splits", "certified_range"):
            summary.expect(key, headline[key])


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


def _critical_summary(rows):
    """The least critical visibility over the grid: [least V_lo, least V_hi] over splits with an advantage."""
    intervals = [(row.get("critical_visibility") or {}, row.get("split")) for row in rows]
    his = [(interval["upper"], split) for interval, split in intervals if interval.get("upper") is not None]
    los = [interval["lower"] for interval, _ in intervals
           if interval.get("lower") is not None and interval.get("upper") is not None]
    if not his:
        return {"least": None, "split": None}
    hi, split = min(his)
    return {"least": [min(los) if los else None, hi], "split": split}


def verify_loads(data, source="result", model_figures=None):
    """Frontiers at several loads (pareto --arrival-rate A,B,...): each under "loads" is a
    complete frontier document, checked as such; the envelope restates them."""
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


# ---------------------------------------------------------------------------
