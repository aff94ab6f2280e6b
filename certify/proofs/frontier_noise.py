"""The Werner-pair rows of a frontier document (pareto --visibility, --supply, --link,
--critical-visibility): each point's werner-dual bounds and werner-strategy witnesses, the
noise entries of each row rebuilt from them (both sides from one setting: visibility, supply
and split rule), the critical-visibility interval, and the per-setting headlines of the summary.
"""

from __future__ import annotations

import re
from fractions import Fraction

from .document import Malformed, Node, same, short_text
from .exact import DOWN, NEAREST, UP, fraction, sense_sign
from .result import verify_result


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


WERNER_PART = re.compile(r"^werner_(lower|upper) v=(.+)$")


def werner_parts(point, parts, source, expected, witness_key):
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


def check_visibilities(node, entries):
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
        stated = {entry.get("supply_exact") for entries in noise_lists(rows) for entry in entries}
        if stated and stated != {str(supply)}:
            node.fail("options", f"supply {short_text(supply)} is not the rows' {short_text(sorted(map(str, stated)))}")
    link = options.get("link")
    # pareto writes the link's operating point (a table) or null; other writers (a scan cell's
    # options) may say something else, and then the rows' own split rule is what counts
    if isinstance(rows, list) and "link" in options and (link is None or isinstance(link, dict)):
        # a link (memories) has each part meet the split on its own: the rows' split rule must say so
        rules = {entry.get("same_split") for entries in noise_lists(rows) for entry in entries
                 if entry.get("supply_exact") != "1"}
        if rules and rules != {link is not None}:
            node.fail("options", f"link {'set' if link is not None else 'null'} is not the rows' split rule "
                                 f"(same_split {short_text(sorted(map(str, rules)))})")


def noise_lists(rows: object) -> list[list[dict]]:
    """Each row's noise entries that are objects (malformed ones are reported by the row checks)."""
    if not isinstance(rows, list):
        return []
    lists = [row.get("noise") for row in rows if isinstance(row, dict)]
    return [[entry for entry in entries if isinstance(entry, dict)] for entries in lists if isinstance(entries, list)]


def noise_rows(row: Node, game, parts: dict, witness_key: str, dual_key: str,
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
    """One noise entry of a row (see ``noise_rows``): its setting and exact advantage."""
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


def critical_row(row, parts):
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


def noise_headline(summary: Node, rows: list[dict], settings: list) -> None:
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


def critical_summary(rows):
    """The least critical visibility over the grid: [least V_lo, least V_hi] over splits with an advantage."""
    intervals = [(row.get("critical_visibility") or {}, row.get("split")) for row in rows]
    his = [(interval["upper"], split) for interval, split in intervals if interval.get("upper") is not None]
    los = [interval["lower"] for interval, _ in intervals
           if interval.get("lower") is not None and interval.get("upper") is not None]
    if not his:
        return {"least": None, "split": None}
    hi, split = min(his)
    return {"least": [min(los) if los else None, hi], "split": split}
