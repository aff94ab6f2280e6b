"""One result (classical, nosignal, quantum, seesaw) and a gap: every claim re-derived
from the game definition and the certificate, whose check is the registry's for its kind.
"""

from __future__ import annotations

import math
import re

from ..errors import BadInput
from .classical import check_classical, check_nosignalling
from .correlator import check_correlation_dual, check_correlation_strategy
from .deterministic import best_deterministic, strategy_count
from .exact import DOWN, NEAREST, UP, exact_dot, fraction, sense_sign
from .gap import check_gap, gap_statement
from .noise import NOISE_CHECKS, werner_method, white_noise_behaviours
from .npa import build_pattern, check_npa, looser_level_notes, parse_level
from .seesaw import SeesawCheck, check_seesaw, forced_zeros
from .document import Malformed, Node, Verified, join_path, read_game, same, short_text
from .layouts import ANY, CHECKER_LAYOUTS, LEAF, NAMES, certificate_keys
from .work import check_work
from .methods import (  # noqa: F401 (re-exported: certify.bounds.seesaw imports the see-saw texts from here)
    CORRELATION_REALISATION, METHOD_TEMPLATES, NPA_LEVELS_PREFIX, SEESAW_DIMENSIONS_SUFFIX, SEESAW_MET_SUFFIX,
    SEESAW_ZEROS_SUFFIX, WERNER_REALISATION, check_method, check_werner_method, fill_template, method_problem,
    plural, seesaw_method_text,
)



# Certificate kind -> its exact check: the one registry verify dispatches on.
CHECKS = {
    "classical": check_classical,
    "nosignalling": check_nosignalling,
    "npa": check_npa,
    "seesaw": check_seesaw,
    "correlation-strategy": check_correlation_strategy,
    "correlation-dual": check_correlation_dual,
    **NOISE_CHECKS,
}

# The command that writes a single result with each certificate kind.
COMMANDS = {
    "classical": "classical",
    "nosignalling": "nosignal",
    "npa": "quantum",
    "seesaw": "seesaw",
    "correlation-strategy": "quantum-strategy",
    "correlation-dual": "quantum-dual",
    "werner-strategy": "werner-strategy",
    "werner-dual": "werner-dual",
    "noisy-witness": "noisy-witness",
}

# The keys and nested layout of each certificate kind are generated from the one
# description of the format (certify.proofs.layouts), which also makes the published
# schema and the key table of docs/certificates.md.


def layout_problems(value, layout, path):
    """Where ``value`` leaves ``layout`` (unknown keys, objects where numbers belong, ...)."""
    if layout == ANY:
        return []
    if layout == LEAF:
        return [] if not isinstance(value, (dict, list)) else [f"{path}: expected a number or a string"]
    if layout == NAMES:
        if not isinstance(value, dict):
            return [f"{path}: expected an object of constraint names"]
        return [f"{join_path(path, k)}: expected a number or a string" for k, v in value.items()
                if isinstance(v, (dict, list))]
    if isinstance(layout, list):
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        problems = []
        for index, item in enumerate(value):
            if layout[0] == LEAF and not isinstance(item, (dict, list)):
                continue  # a number where one belongs: no path to spell out
            problems += layout_problems(item, layout[0], f"{path}[{index}]")
            if len(problems) > 3:
                break
        return problems
    if not isinstance(value, dict):
        return [f"{path}: expected an object"]
    problems = [f"{join_path(path, k)}: unknown key" for k in value if k not in layout]
    for key, item in value.items():
        if key in layout:
            problems += layout_problems(item, layout[key], join_path(path, key))
    return problems




# One result


def proven(check, game):
    """(number, rounding direction) a check proves: exact, else its bound, else what its witness reaches."""
    if check.exact is not None:
        return check.exact, NEAREST
    if check.bound is not None:
        return check.bound, UP if game.sense == "max" else DOWN
    if check.achieved is not None:
        return check.achieved, DOWN if game.sense == "max" else UP
    return None, None


def witness_side(game):
    """The rounding direction of a number an explicit witness reaches (the game's worse side)."""
    return DOWN if game.sense == "max" else UP


def bound_side(game):
    return UP if game.sense == "max" else DOWN


def strategy_rank(certificate):
    """The length of the vectors of a correlation strategy (what its "rank" states)."""
    ranks = {len(u) for entry in certificate.get("mixture", []) if isinstance(entry, dict)
             for u in entry.get("A", []) if isinstance(u, list)}
    return max(ranks) if ranks else None


def check_certificate_keys(node, certificate, kind, name="certificate"):
    """The keys of a certificate of ``kind`` (node's ``name``): required ones present, no others,
    at any depth of its layout."""
    required, optional = certificate_keys(kind)
    where = node.key(name)
    for name in sorted(required - set(certificate)):
        node.problems.append(f"{where}.{name}: missing")
    for name in sorted(set(certificate) - required - optional):
        node.problems.append(f"{where}.{name}: unknown key in a '{kind}' certificate")
    node.problems.extend(line for line in layout_problems(certificate, CHECKER_LAYOUTS[kind], where)
                         if not line.endswith("unknown key") or line.count(".") > where.count(".") + 1)


_OPTION_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}", re.ASCII)


def option_names(node, name: str, block: dict) -> None:
    """The names in a descriptive block that the checks partly read (``options``: fix, level,
    split, dim, ...) are command-line option names, plain ASCII: a lookalike spelling
    ("l\u0435vel" with a Cyrillic e) would state a level no check reads."""
    for key in block:
        if not (isinstance(key, str) and _OPTION_NAME.fullmatch(key)):
            node.fail(f"{name}.{key}", "not an option name (lower-case ASCII letters, digits and _): "
                                       "keys are compared byte for byte, without Unicode normalisation")


def check_options(node, game, levels, frontier=False):
    """"options" records the invocation (descriptive), but a constraint value or an NPA
    level stated there must be the one the certificates are for."""
    options = node.get("options", {})
    if not isinstance(options, dict):
        node.fail("options", "expected an object")
        return
    option_names(node, "options", options)
    asked = dict(game.fixed)
    requested = node.data.get("requested")
    if isinstance(requested, dict):
        asked.update(requested)  # a witness certified at the levels it met states the levels asked for
    if "fix" in options and not (same(options["fix"], game.fixed) or same(options["fix"], asked)):
        node.fail("options", f"fix {short_text(options['fix'])} is not the game's constraint values {short_text(game.fixed)}")
    if "level" in options:
        level = options["level"]
        if level is None:
            stated = set()
        else:
            try:  # one level, or several separated by commas (certify quantum --level 1,2,3)
                stated = {parse_level(part).name for part in str(level).split(",")}
            except BadInput:
                stated = {str(level)}
        if (frontier or levels) and stated != levels:
            node.fail("options", f"level {short_text(level)} is not the certificates' NPA level "
                                 f"{', '.join(sorted(levels)) or 'none'}")
    if "split" in options and "split" in game.fixed and not same(options["split"], game.fixed["split"]):
        node.fail("options", f"split {short_text(options['split'])} is not the game's {game.fixed['split']}")
    model = node.data.get("model")
    if isinstance(model, dict):  # the model inputs the options restate (the model block is checked itself)
        throughput = model.get("throughput")
        for key, value in (("arrival_rate", model.get("arrival_rate")),
                           ("throughput", throughput.get("text") if isinstance(throughput, dict) else None),
                           ("waiting", model.get("waiting_model"))):
            stated = options.get(key)
            if isinstance(stated, list) and len(stated) == 1:
                stated = stated[0]  # one load out of a list of loads
            if stated is not None and not same(stated, value):
                node.fail("options", f"{key} {short_text(options[key])} is not the model's {short_text(value)}")


def _npa_claims(node, game, certificate):
    """Level, sizes and the method's words of an NPA result, from the rebuilt relaxation."""
    where = node.key("certificate")
    try:
        level = parse_level(certificate["level"], key="certificate.level")
        pattern = build_pattern(game.inputs, game.outputs, level)
    except (BadInput, KeyError, TypeError, ValueError) as error:
        node.problems.append(f"{where}.level: {getattr(error, 'message', error)}")
        return None
    for key, expected in (("level", level.name), ("size", pattern.size), ("moments", pattern.count - 2),
                          ("trace_bound", pattern.size)):
        if key in certificate and not same(certificate[key], expected):
            node.problems.append(f"{where}.{key}: {short_text(certificate[key])} is not the checked {short_text(expected)}")
    node.expect("level", level.name, optional=True)
    node.expect("moment_matrix_size", pattern.size, optional=True)
    node.expect("moments", pattern.count - 2, optional=True)
    rows = node.data.get("levels")
    prefix = ""
    if isinstance(rows, list) and node.has("levels"):  # several --level values: "best of NPA levels 1, 2: ..."
        prefix = NPA_LEVELS_PREFIX.format(levels=", ".join(_row_level(row) for row in rows))
    check_method(node, METHOD_TEMPLATES["npa"], {"level": level.name, "size": pattern.size,
                                                  "moments": pattern.count - 2}, prefix)
    return level.name


def _row_level(row) -> str:
    """The canonical level of one row of several NPA levels, from its certificate."""
    try:
        return parse_level(row["certificate"]["level"]).name
    except (BadInput, KeyError, TypeError):
        return "?"


def _npa_levels(node, game, check, level):
    """Several --level values: every row carries its level's certificate, checked here; the
    document's own bound must be the tightest of them (best_level), and the looser-level
    notes are rebuilt from the checked rows (certify.proofs.npa.looser_level_notes)."""
    rows = node.get("levels")
    if not isinstance(rows, list) or not rows:
        node.fail("levels", "expected a non-empty list of levels")
        return
    checked = []
    for index, data in enumerate(rows):
        try:
            row = Node(data, node.key(f"levels[{index}]"), node.problems)
            certificate = row.get("certificate")
            if not isinstance(certificate, dict):
                raise Malformed(row.key("certificate"), "expected an NPA certificate")
            check_certificate_keys(row, certificate, "npa")
            if certificate.get("kind") != "npa":  # the check below is NPA's whatever the kind says
                row.fail("certificate", f"kind {short_text(certificate.get('kind'))} is not 'npa'")
                continue
            level_check = check_npa(game, certificate)
            if not level_check.ok or level_check.bound is None:
                row.fail("certificate", "; ".join(level_check.problems) or "proves no bound")
                continue
            name = parse_level(certificate["level"], key="certificate.level").name
            row.expect("level", name)
            row.expect("bound", str(level_check.bound))
            row.expect_float("certified_bound", level_check.bound, bound_side(game))
            row.descriptive("solver_value", "solver", "status", "seconds")  # how each bound was found
            row.finish()
            checked.append((name, level_check.bound, row.data.get("certified_bound")))
        except (Malformed, BadInput) as error:
            node.problems.append(f"{node.key(f'levels[{index}]')}: {getattr(error, 'message', error)}")
    if len(checked) != len(rows):
        return
    sign = sense_sign(game)
    tightest = min(checked, key=lambda entry: sign * entry[1])
    node.expect("best_level", tightest[0])
    if check.bound is None or sign * check.bound > sign * tightest[1] or level not in [name for name, _, _ in checked]:
        node.fail("levels", "the document's own bound is not the tightest of its levels")
    notes = looser_level_notes([{"level": name, "certified_bound": value} for name, _, value in checked], game.sense)
    node.expect("looser_levels", notes, optional=not notes)


def verify_result(data, path, source="result", expected_game=None, kinds=None, classical=None):
    """Re-check one single result (a certificate and the claims around it).

    ``expected_game``: the game the parent implies (None at the top level);
    ``kinds``: the certificate kinds allowed at this place; ``classical``: the
    exact classical optimum a sibling proves (checks a see-saw's "classical").
    """
    problems = []
    try:
        node = Node(data, path, problems)
        game = read_game(node, expected_game)
        certificate = node.get("certificate")
        if not isinstance(certificate, dict):
            raise Malformed(node.key("certificate"), "expected an object")
        kind = certificate.get("kind")
        if kind not in CHECKS:
            raise Malformed(node.key("certificate.kind"), f"unknown certificate kind {kind!r}")
        if kinds is not None and kind not in kinds:
            raise Malformed(node.key("certificate.kind"),
                            f"a '{kind}' certificate cannot stand here (expected {' or '.join(sorted(kinds))})")
        check_certificate_keys(node, certificate, kind)
        check_work(node, game, kind, certificate, source)
        check = CHECKS[kind](game, certificate)
    except Malformed as error:
        return Verified(path, "?", False, None, problems + [str(error)])
    problems += [f"{node.key('certificate')}: {line}" for line in check.problems]
    node.expect("command", COMMANDS[kind])
    node.descriptive("tool", "solver", "seconds")  # "method" is rebuilt by the kind's checks (METHOD_TEMPLATES)
    value, direction = proven(check, game)
    if value is None:
        node.fail("certificate", "proves no number")
        node.descriptive("value", "exact")
    else:
        node.expect_float("value", value, direction)
        node.expect("exact", None if check.exact is None else str(check.exact))
    node.expect("certified", True)
    node.expect("problems", [], optional=True)
    level = _details(node, game, kind, certificate, check, classical)
    if node.has("method") and "method" not in node.seen:  # no template applies: the text is not certify's
        node.get("method")
        if not problems:
            node.fail("method", "no method text of certify belongs to this certificate")
    levels = {level} if level else set()
    if kind == "npa" and isinstance(node.data.get("levels"), list):  # --level 1,2,3: every level asked
        levels |= {str(row.get("level")) for row in node.data["levels"] if isinstance(row, dict)}
    check_options(node, game, levels)
    node.finish()
    return Verified(path, kind, not problems, value, problems, check, direction, game, level)


def _details(node, game, kind, certificate, check, classical):
    """The keys a result adds for its kind, each recomputed (any other key is unknown)."""
    if kind in ("classical", "nosignalling", "correlation-strategy", "correlation-dual", "werner-strategy",
                "werner-dual"):
        if kind not in ("correlation-dual", "werner-dual"):
            node.expect("achieved", None if check.achieved is None else str(check.achieved), optional=True)
        if kind not in ("correlation-strategy", "werner-strategy"):
            node.expect("bound", None if check.bound is None else str(check.bound), optional=True)
        if kind in ("werner-dual", "werner-strategy"):
            node.descriptive("sdp_value")  # the SDP's own optimum: not a claim
            check_werner_method(node, kind, certificate)
            if kind == "werner-strategy":
                _check_realisation(node, certificate, WERNER_REALISATION)
        if kind == "classical":
            count = strategy_count(game.inputs, game.outputs)
            templates = METHOD_TEMPLATES["classical"]
            # best response when there are no constraints, an LP over the strategies when there are
            check_method(node, templates[1:] if game.constraints else templates[:1], {"strategies": count},
                          numbers=lambda found: int(found.get("used", 0)) <= count)
        if kind == "nosignalling":
            check_method(node, METHOD_TEMPLATES["nosignalling"], {})
        if kind == "correlation-strategy":
            rank = strategy_rank(certificate)
            if "rank" in certificate and not same(certificate["rank"], rank):
                node.fail("certificate.rank", f"{short_text(certificate['rank'])} is not the vectors' length {rank}")
            check_method(node, METHOD_TEMPLATES[kind], {"rank": rank})
            if isinstance(rank, int):
                _check_realisation(node, certificate, CORRELATION_REALISATION.format(dimension=2 ** (rank // 2)))
        if kind == "correlation-dual":
            try:
                shift = f"{float(fraction(certificate.get('shift'))):.2g}"
            except (ValueError, ZeroDivisionError, TypeError, OverflowError):
                shift = None
            check_method(node, METHOD_TEMPLATES[kind], {"shift": shift, "observables": sum(game.inputs)})
    elif kind == "noisy-witness":
        _noisy_witness(node, game, certificate, check, classical)
    elif kind == "npa":
        node.expect("bound", None if check.bound is None else str(check.bound), optional=True)
        node.descriptive("solver_value", "timings")  # the solver's own optimum and run times: not claims
        level = _npa_claims(node, game, certificate)
        if node.has("levels"):
            _npa_levels(node, game, check, level)
        return level
    elif kind == "seesaw":
        details = check.details if isinstance(check, SeesawCheck) else {}
        for key, value in details.items():
            node.expect(key, value)
        _expect_rational(node, "achieved", check.achieved)
        node.descriptive("rounds")  # see-saw iterations: how the witness was found
        local = [max(note.get("dims", [0])) for note in details.get("components", []) if note.get("dims")]
        if node.has("dimension"):  # the local dimension searched: the witness's operators have it
            node.expect("dimension", max(local) if local else None)
        if node.has("requested"):  # the levels asked for; the certificate is for the levels met (fixed)
            requested = node.get("requested")
            names = {c.name for c in game.constraints}
            if not isinstance(requested, dict) or not set(requested) <= names:
                node.fail("requested", f"expected constraint names of the game ({', '.join(sorted(names))})")
        _seesaw_classical(node, game, classical)
        if node.has("white_noise"):  # the same witness evaluated under white noise
            _white_noise(node, "white_noise", game, certificate, classical)
        _dimensions_tried(node, game, local)
        _seesaw_method(node, game, max(local) if local else None)
    return None


def _seesaw_method(node, game, dimension):
    """A see-saw's method: the search (restarts, seed, column-generation rounds, which must be
    the document's "rounds") in the witness's local dimension, and the notes the search adds
    when the witness meets other levels than requested ("requested") or when several
    dimensions were tried ("dimensions_tried"), rebuilt from those keys."""
    templates = METHOD_TEMPLATES["seesaw"]
    rounds = node.data.get("rounds")
    checked = {"dimension": dimension}
    _, zeros = forced_zeros(game)
    if len(zeros) < len(game.constraints):  # constraints the mixing weights meet: column generation
        templates = templates[1:]
        checked["rounds"] = rounds if isinstance(rounds, int) and not isinstance(rounds, bool) else "?"
    else:
        templates = templates[:1]
    suffix = ""
    if zeros:
        names = [game.constraints[k].name for k in zeros]
        suffix += SEESAW_ZEROS_SUFFIX.format(names_s=plural(len(names)), names=", ".join(names),
                                             verb_s="" if len(names) > 1 else "s")
    requested = node.data.get("requested")
    if isinstance(requested, dict):
        missed = [c.name for c in game.constraints if c.name in requested and str(requested[c.name]) != game.fixed[c.name]]
        suffix += SEESAW_MET_SUFFIX.format(levels=", ".join(f"{name} = {requested[name]} requested" for name in missed))
    tried = node.data.get("dimensions_tried")
    if isinstance(tried, dict) and tried:
        names = list(tried)
        suffix += SEESAW_DIMENSIONS_SUFFIX.format(first=names[0], last=names[-1])
    options = node.data.get("options")
    options = options if isinstance(options, dict) else {}

    def stated(found: dict) -> bool:
        """The search the method states is the one the options record (where they record it)."""
        return all(not isinstance(options.get(key), int) or isinstance(options.get(key), bool)
                   or str(options[key]) == found.get(key) for key in ("restarts", "seed"))

    check_method(node, templates, checked, suffix=suffix, numbers=stated)
    dim = options.get("dim")
    if isinstance(dim, int) and not isinstance(dim, bool) and dim != dimension:
        node.fail("options", f"dim {dim} is not the witness's local dimension {dimension}")


def _dimensions_tried(node, game, local):
    """``dimensions_tried`` (seesaw without --dim): the value the search reached in each local
    dimension from 2 up. Only the witness's own dimension is certified, so that entry must be
    the document's ``value``; every other entry is a search record (a float, or null where the
    search failed) that may not beat it, since the witness is the best of them; the
    dimensions are consecutive whole numbers, the witness's among them."""
    if not node.has("dimensions_tried"):
        return
    tried = node.get("dimensions_tried")
    if not isinstance(tried, dict) or not tried:
        node.fail("dimensions_tried", "expected an object of local dimensions to values")
        return
    names = list(tried)
    if not all(isinstance(n, str) and n.isascii() and n.isdigit() and n == str(int(n)) for n in names):
        node.fail("dimensions_tried", f"keys {short_text(names)} are not local dimensions")
        return
    dims = [int(n) for n in names]
    if dims != list(range(dims[0], dims[0] + len(dims))) or dims[0] < 1:
        node.fail("dimensions_tried", f"dimensions {dims} are not consecutive from 1 or more")
        return
    own = str(max(local)) if local else None
    value = node.data.get("value")
    if own not in tried or not same(tried[own], value):
        node.fail("dimensions_tried", f"the witness's dimension {own} must have the document's value {short_text(value)}")
        return
    sign = 1 if game.sense == "max" else -1
    for name, reached in tried.items():
        if reached is None:
            continue
        if not isinstance(reached, float) or not math.isfinite(reached) or sign * reached > sign * value:
            node.fail("dimensions_tried", f"dimension {name}: {short_text(reached)} is not a value the witness "
                                          "(the best of the dimensions tried) beats")
            return


def _check_realisation(node, certificate, expected):
    """A certificate's "realisation" (how its correlations are realised) is rebuilt text."""
    if "realisation" in certificate and not same(certificate["realisation"], expected):
        node.fail("certificate.realisation", f"{short_text(certificate['realisation'])} is not the realisation "
                                             f"of this certificate ({short_text(expected, 100)})")


def _expect_rational(node, name, exact):
    """The key must be a text denoting exactly ``exact`` ("p/q" or a decimal), or null when it is None."""
    if not node.has(name):
        node.get(name, None)
        node.fail(name, "missing")
        return
    claimed = node.get(name)
    if exact is None or claimed is None:
        if claimed is not None or exact is not None:
            node.fail(name, f"{short_text(claimed)} is not the checked {exact}")
        return
    try:
        ok = isinstance(claimed, str) and fraction(claimed) == exact
    except (ValueError, ZeroDivisionError):
        ok = False
    if not ok:
        node.fail(name, f"{short_text(claimed)} is not the checked {exact}")


def _white_noise(node, key, game, witness, classical):
    """A noisy-witness result beside a see-saw witness: for the same game and the same witness."""
    item = verify_result(node.get(key), node.key(key), "result", game, {"noisy-witness"}, classical)
    node.problems.extend(item.problems)
    inner = node.data[key].get("certificate", {}) if isinstance(node.data[key], dict) else {}
    if isinstance(inner, dict) and not same(inner.get("witness"), witness):
        node.fail(key, "evaluates another witness than this document's")
    return item


def _noisy_witness(node, game, certificate, check, classical):
    """The claims beside a noisy-witness certificate, recomputed from the witness."""
    node.expect("achieved", None if check.achieved is None else str(check.achieved), optional=True)
    try:
        p, p0 = white_noise_behaviours(game, certificate["witness"], [])
    except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError, IndexError):
        node.descriptive("witness_value", "noise_value")
    else:
        node.expect("witness_value", str(exact_dot(game.objective_exact, p)), optional=True)
        node.expect("noise_value", str(exact_dot(game.objective_exact, p0)), optional=True)
    critical = certificate.get("critical_visibility")
    node.expect("critical_visibility", critical, optional=True)
    if critical is None:
        node.expect("critical_visibility_float", None, optional=True)
    else:
        node.expect_float("critical_visibility_float", fraction(critical), NEAREST, optional=True)
    check_werner_method(node, "noisy-witness", certificate)
    claimed = certificate.get("classical")
    if claimed is not None:  # the classical optimum the critical visibility is measured against
        if classical is None and not game.constraints:
            best, _ = best_deterministic(game.objective_exact * sense_sign(game))
            classical = best * sense_sign(game)
        if classical is None:
            node.fail("certificate.classical", "a classical value under constraints needs its own certificate")
        elif not same(claimed, str(classical)):
            node.fail("certificate.classical", f"{short_text(claimed)} is not the classical optimum {classical}")


def _seesaw_classical(node, game, classical):
    """A see-saw result may state the classical optimum it started from: proven here or by a sibling."""
    if not node.has("classical"):
        return
    claimed = node.get("classical")
    if claimed is None:
        return
    if classical is None and not game.constraints:
        best, _ = best_deterministic(game.objective_exact * sense_sign(game))
        classical = best * sense_sign(game)
    if classical is None:
        node.fail("classical", "a classical value under constraints needs its own certificate "
                               "(certify classical); this document does not prove it")
    elif not same(claimed, str(classical)):
        node.fail("classical", f"{short_text(claimed)} is not the classical optimum {classical}")


# ---------------------------------------------------------------------------
# Gap


def verify_gap(data, source="result"):
    """A gap document: classical, quantum_lower, quantum_upper and the advantage they prove."""
    problems = []
    items = []
    try:
        node = Node(data, "", problems)
        game = read_game(node)
        node.expect("command", "gap")
        node.descriptive("tool", "seconds")
        witness_key = "quantum_lower" if game.sense == "max" else "quantum_upper"
        npa_key = "quantum_upper" if game.sense == "max" else "quantum_lower"
        classical = verify_result(node.get("classical"), "classical", source, game, {"classical"})
        items.append(classical)
        exact_classical = classical.check.exact if classical.check is not None else None
        parts = {}
        for key in ("quantum_lower", "quantum_upper"):
            kinds = {"seesaw"} if key == witness_key else {"npa"}
            parts[key] = verify_result(node.get(key), key, source, game, kinds, classical=exact_classical)
            items.append(parts[key])
    except Malformed as error:
        return items + [Verified("gap", "gap", False, None, problems + [str(error)])]
    lower, upper, witness = parts["quantum_lower"], parts["quantum_upper"], parts[witness_key]
    advantage = None
    if classical.ok and witness.ok and isinstance(witness.check, SeesawCheck):
        advantage, trouble = check_gap(game, node.data["classical"]["certificate"], classical.check, witness.check)
        problems += [f"gap: {line}" for line in trouble]
    if advantage is None or not (lower.ok and upper.ok):
        node.fail("gap", "not proved: a part failed its check")
        node.descriptive("gap", "gap_exact", "npa_slack", "statement", "certified", "problems")
    else:
        if upper.value < lower.value:
            node.fail("quantum_upper", f"the upper bound {upper.value} lies below the lower bound {lower.value}: "
                                       "the parts do not bound one quantity")
        node.expect("gap_exact", str(advantage))
        node.expect_float("gap", advantage, DOWN)
        node.expect_float("npa_slack", upper.value - lower.value, UP)
        node.expect("certified", True)
        node.expect("problems", [], optional=True)
        node.expect("statement", gap_statement(advantage, lower.value, upper.value))
    if node.has("witness_white_noise"):
        items.append(_white_noise(node, "witness_white_noise", game, node.data[witness_key].get("certificate"),
                                  exact_classical))
    check_options(node, game, {parts[npa_key].level} if parts[npa_key].level else set())
    node.finish()
    return items + [Verified("gap", "gap", not problems, advantage, problems, None, DOWN, game)]


# ---------------------------------------------------------------------------
