"""Re-check whole result documents (certify verify); no solver is called here.

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
  light-traffic W, the model block) need certify.scheduling, which this
  trusted base may not import. They are not certified numbers; they are
  recomputed by a function the caller injects (``model_figures``: the CLI
  passes certify.scheduling.figures.model_figures) and a document holding
  them is rejected when no such function is given.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction

from ..errors import BadInput
from ..games.game import bundled_problems, game_from_mapping, load_game
from ..games.limits import limit, too_large
from ..games.numbers import load_json
from .classical import check_classical, check_nosignalling
from .correlator import check_correlation_dual, check_correlation_strategy
from .deterministic import all_strategies, best_deterministic, strategy_count
from .exact import DOWN, NEAREST, UP, Check, exact_dot, fraction, safe_float_problem, sense_sign
from .gap import check_gap, gap_statement
from .noise import NOISE_CHECKS, white_noise_behaviours
from .npa import build_pattern, check_npa, parse_level
from .seesaw import SeesawCheck, check_seesaw

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

# Keys of each certificate kind: (required, optional). Everything else is an error.
CERTIFICATE_KEYS = {
    "classical": ({"kind", "mixture", "dual"}, {"value"}),
    "nosignalling": ({"kind", "behaviour", "dual"}, {"value"}),
    "npa": ({"kind", "level", "size", "moments", "dual", "shift", "factor", "bound"},
            {"trace_bound", "solver_value"}),
    "seesaw": ({"kind", "components", "value"}, {"projective"}),
    "correlation-strategy": ({"kind", "mixture"}, {"value", "rank", "realisation"}),
    "correlation-dual": ({"kind", "z", "multipliers", "shift"}, {"value"}),
    "werner-strategy": ({"kind", "visibility", "mixture"}, {"value", "realisation", "supply", "same_split"}),
    "werner-dual": ({"kind", "visibility", "multipliers", "blocks"},
                    {"value", "supply", "same_split", "classical_multipliers"}),
    "noisy-witness": ({"kind", "visibility", "witness"}, {"classical", "critical_visibility", "value"}),
}

# The nested layout of each certificate kind, for unknown keys at any depth:
# a dict maps keys to layouts, [layout] is a list of them, LEAF a number or a
# string, NAMES an object of constraint names to numbers, ANY is left to the check.
LEAF, NAMES, ANY = "leaf", "names", "any"
_OPERATOR = {"re": [[LEAF]], "im": [[LEAF]]}
CERTIFICATE_LAYOUT = {
    "classical": {"kind": LEAF, "value": LEAF, "mixture": [{"weight": LEAF, "A": [LEAF], "B": [LEAF]}],
                  "dual": {"constant": LEAF, "multipliers": NAMES}},
    "nosignalling": {"kind": LEAF, "value": LEAF, "behaviour": ANY,
                     "dual": {"nosignalling": [LEAF], "multipliers": NAMES}},
    "npa": {"kind": LEAF, "level": LEAF, "size": LEAF, "moments": LEAF, "shift": LEAF, "bound": LEAF,
            "trace_bound": LEAF, "solver_value": LEAF,
            "dual": {"slack_upper": [[LEAF]], "multipliers": NAMES}, "factor": {"bits": LEAF, "rows": [[LEAF]]}},
    "seesaw": {"kind": LEAF, "value": LEAF, "projective": LEAF,
               "components": [{"weight": LEAF, "state": {"re": [LEAF], "im": [LEAF]},
                               "A": [[_OPERATOR]], "B": [[_OPERATOR]]}]},
    "correlation-strategy": {"kind": LEAF, "value": LEAF, "rank": LEAF, "realisation": LEAF,
                             "mixture": [{"weight": LEAF, "A": [[LEAF]], "B": [[LEAF]]}]},
    "correlation-dual": {"kind": LEAF, "value": LEAF, "z": [LEAF], "shift": LEAF, "multipliers": NAMES},
    "werner-strategy": {"kind": LEAF, "value": LEAF, "visibility": LEAF, "realisation": LEAF, "supply": LEAF,
                        "same_split": LEAF,
                        "mixture": [{"weight": LEAF, "A": [ANY], "B": [ANY], "pair": LEAF}]},
    "werner-dual": {"kind": LEAF, "value": LEAF, "visibility": LEAF, "multipliers": NAMES, "supply": LEAF,
                    "same_split": LEAF, "classical_multipliers": NAMES, "blocks": [{"A": [LEAF], "B": [LEAF], "z": [LEAF], "shift": LEAF}]},
}
CERTIFICATE_LAYOUT["noisy-witness"] = {"kind": LEAF, "visibility": LEAF, "classical": LEAF, "critical_visibility": LEAF,
                                       "value": LEAF, "witness": CERTIFICATE_LAYOUT["seesaw"]}


def layout_problems(value, layout, path):
    """Where ``value`` leaves ``layout`` (unknown keys, objects where numbers belong, ...)."""
    if layout == ANY:
        return []
    if layout == LEAF:
        return [] if not isinstance(value, (dict, list)) else [f"{path}: expected a number or a string"]
    if layout == NAMES:
        if not isinstance(value, dict):
            return [f"{path}: expected an object of constraint names"]
        return [f"{_join(path, k)}: expected a number or a string" for k, v in value.items()
                if isinstance(v, (dict, list))]
    if isinstance(layout, list):
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        problems = []
        for index, item in enumerate(value):
            problems += layout_problems(item, layout[0], f"{path}[{index}]")
            if len(problems) > 3:
                break
        return problems
    if not isinstance(value, dict):
        return [f"{path}: expected an object"]
    problems = [f"{_join(path, k)}: unknown key" for k in value if k not in layout]
    for key, item in value.items():
        if key in layout:
            problems += layout_problems(item, layout[key], _join(path, key))
    return problems


MODEL_FIGURE_TOLERANCE = 1e-12  # relative; model figures are floats from quadrature, not bounds

MISSING = object()


class Malformed(Exception):
    """A node cannot be read at all: one message naming the key."""

    def __init__(self, key, message):
        super().__init__(f"{key}: {message}")
        self.key, self.message = key, message


@dataclass
class Verified:
    """The re-check of one node (a result, or a composite's summary) of a document."""

    path: str
    kind: str
    ok: bool
    value: Fraction | None
    problems: list
    check: Check | None = field(default=None, repr=False)
    direction: str | None = None  # how the value's float is rounded (exact.UP/DOWN/NEAREST)
    game: object = field(default=None, repr=False)
    level: str | None = None  # an NPA certificate's level, canonical name
    visibility: Fraction | None = None  # a Werner certificate's visibility
    supply: Fraction | None = None  # and its supply (share of request pairs that find a pair)
    notes: list = field(default_factory=list)  # keys accepted without a check (Node.unchecked)


# ---------------------------------------------------------------------------
# Reading: JSON with duplicate keys kept visible


class DuplicateKeys(dict):
    """A JSON object whose text repeated some keys (``duplicates``); the last value wins."""

    duplicates: tuple = ()


def _pairs(pairs, found):
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    found.append(True)
    seen, duplicates = set(), []
    for key, _ in pairs:
        if key in seen:
            duplicates.append(key)
        seen.add(key)
    marked = DuplicateKeys(result)
    marked.duplicates = tuple(duplicates)
    return marked


def parse_document(text, source="result"):
    """JSON text -> document; NaN/Infinity are bad input, duplicate keys are kept for verify."""

    found = []
    # sizes (nesting, digits, exponents, non-finite floats) bounded as for problem files
    data = load_json(text, source, object_pairs_hook=lambda pairs: _pairs(pairs, found))
    if not isinstance(data, dict):
        raise BadInput(source, None, "expected a JSON object at the top level")
    if found and not isinstance(data, DuplicateKeys):
        data = DuplicateKeys(data)  # marks the document: somewhere inside, a key repeats
    return data


def read_document(path):
    """Read a result document from a .json file (see parse_document)."""
    path = str(path)
    if not path.lower().endswith(".json"):
        raise BadInput(path, None, "expected a .json file written by certify")
    try:
        with open(path, encoding="utf-8") as stream:
            text = stream.read(limit("CERTIFY_MAX_FILE_MB") * 2**20 + 1)
        if len(text) > limit("CERTIFY_MAX_FILE_MB") * 2**20:
            raise too_large("CERTIFY_MAX_FILE_MB", path, None, "the file is too large")
    except OSError as error:
        raise BadInput(path, None, f"cannot read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise BadInput(path, None, "not a UTF-8 text file") from None
    return parse_document(text, path)


def duplicate_key_problems(node, path=""):
    """Every repeated key anywhere in a parsed document, as "path.key: duplicate key"."""
    problems = []
    stack = [(node, path)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key in getattr(node, "duplicates", ()):
                problems.append(f"{_join(path, key)}: duplicate key (a JSON object must name each key once)")
            stack.extend((child, _join(path, key)) for key, child in node.items())
        elif isinstance(node, list):
            stack.extend((child, f"{path}[{index}]") for index, child in enumerate(node))
    return sorted(problems)


def _join(path, key):
    return f"{path}.{key}" if path else str(key)


def _normal(value):
    """A value as JSON would give it back (tuples -> lists, Fractions not allowed)."""
    return json.loads(json.dumps(value, allow_nan=False))


def same(left, right):
    """JSON equality that tells true from 1 and 1 from 1.0."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right))
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return type(left) is type(right) and left == right
    return type(left) is type(right) and left == right


NOTES = []  # keys accepted without a check in the current verify_document call (see Node.unchecked)


class Node:
    """One JSON object being checked: every key must be read (checked or named descriptive)."""

    def __init__(self, data, path, problems):
        if not isinstance(data, dict):
            raise Malformed(path or "(top)", f"expected an object, got {type(data).__name__}")
        self.data, self.path, self.problems, self.seen = data, path, problems, set()

    def key(self, name):
        return _join(self.path, name)

    def has(self, name):
        return name in self.data

    def get(self, name, default=MISSING):
        self.seen.add(name)
        if name not in self.data:
            if default is MISSING:
                raise Malformed(self.key(name), "missing")
            return default
        return self.data[name]

    def unchecked(self, name, reason):
        """A key verify cannot re-derive from this document: accepted, but named in a note."""
        self.seen.add(name)
        if name in self.data:
            NOTES.append(f"{self.key(name)} ({reason})")

    def descriptive(self, *names):
        """Keys that describe how a number was found (not claims): read, never compared."""
        self.seen.update(names)

    def fail(self, name, message):
        self.problems.append(f"{self.key(name)}: {message}")

    def expect(self, name, expected, optional=False):
        """The key must hold exactly ``expected`` (JSON equality; optional keys may be absent)."""
        if optional and not self.has(name):
            self.seen.add(name)
            return
        value = self.get(name)
        expected = _normal(expected)
        if not same(value, expected):
            self.fail(name, f"{_short(value)} is not the checked {_short(expected)}")

    def expect_float(self, name, exact, direction, optional=False):
        """The key must summarise the exact number on the safe side (exact.safe_float_problem)."""
        if optional and not self.has(name):
            self.seen.add(name)
            return
        if exact is None:
            self.get(name)
            self.fail(name, "no checked number backs this (a part it rests on failed)")
            return
        problem = safe_float_problem(self.get(name), exact, direction)
        if problem:
            self.fail(name, problem)

    def child(self, name):
        return Node(self.get(name), self.key(name), self.problems)

    def finish(self):
        for name in self.data:
            if name not in self.seen:
                self.fail(name, "unknown key (not part of any certify document; see docs/certificates.md)")


def _short(value, limit=60):
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------------
# The game block


def read_game(node, expected=None):
    """Check a "game" block: canonical definition, its SHA-256, and the summary keys.

    With ``expected`` (a Game), the block must be for exactly that game.
    Returns the Game (rebuilt from the definition), or raises Malformed.
    """
    block = node.child("game")
    definition = block.get("definition")
    if not isinstance(definition, dict):
        raise Malformed(block.key("definition"), "expected an object")
    text = _text(definition)
    if expected is not None and text == _canonical(expected)[0]:
        game = expected  # the very definition the parent implies: nothing to rebuild
    else:
        try:
            game = game_from_mapping(_normal(definition), block.key("definition"))
        except BadInput as error:
            raise Malformed(block.key("definition"), error.message) from None
        if text != _canonical(game)[0]:
            block.fail("definition", "not in canonical form (dense rational coefficients, as certify writes it)")
    sha256 = _canonical(game)[1]
    block.expect("sha256", sha256)
    block.expect("name", game.name)
    block.expect("sense", game.sense)
    block.expect("inputs", list(game.inputs))
    block.expect("outputs", list(game.outputs))
    block.finish()
    if expected is not None and sha256 != _canonical(expected)[1]:
        detail = _difference(expected, game)
        raise Malformed(block.path, f"a part for another game ({detail}); the document is for {expected.name} "
                                    f"sha256 {_canonical(expected)[1][:12]}")
    node.expect("fixed", game.fixed)
    return game


_CANONICAL = {}


def _text(definition):
    """A definition as the compact, key-sorted JSON its SHA-256 is taken of (types kept: 1 is not 1.0)."""
    return json.dumps(definition, sort_keys=True, separators=(",", ":"))


def _canonical(game):
    """(canonical definition as JSON text, SHA-256) of a game, computed once per game object."""
    key = id(game)
    if key not in _CANONICAL or _CANONICAL[key][0] is not game:
        if len(_CANONICAL) > 256:
            _CANONICAL.clear()
        _CANONICAL[key] = (game, _text(game.canonical()), game.sha256)
    return _CANONICAL[key][1:]


def _difference(expected, game):
    if game.name != expected.name:
        return f"name {game.name!r}"
    if game.sense != expected.sense:
        return f"sense {game.sense!r}"
    if (game.inputs, game.outputs) != (expected.inputs, expected.outputs):
        return f"shape {list(game.inputs)}x{list(game.outputs)}"
    if game.fixed != expected.fixed:
        return f"constraint values {game.fixed}"
    return "another objective or constraint"


# ---------------------------------------------------------------------------
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


def _check_certificate_keys(node, certificate, kind):
    required, optional = CERTIFICATE_KEYS[kind]
    where = node.key("certificate")
    for name in sorted(required - set(certificate)):
        node.problems.append(f"{where}.{name}: missing")
    for name in sorted(set(certificate) - required - optional):
        node.problems.append(f"{where}.{name}: unknown key in a '{kind}' certificate")
    node.problems.extend(line for line in layout_problems(certificate, CERTIFICATE_LAYOUT[kind], where)
                         if not line.endswith("unknown key") or line.count(".") > where.count(".") + 1)


def _options(node, game, levels, frontier=False):
    """"options" records the invocation (descriptive), but a constraint value or an NPA
    level stated there must be the one the certificates are for."""
    options = node.get("options", {})
    if not isinstance(options, dict):
        node.fail("options", "expected an object")
        return
    asked = dict(game.fixed)
    requested = node.data.get("requested")
    if isinstance(requested, dict):
        asked.update(requested)  # a witness certified at the levels it met states the levels asked for
    if "fix" in options and not (same(options["fix"], game.fixed) or same(options["fix"], asked)):
        node.fail("options", f"fix {_short(options['fix'])} is not the game's constraint values {_short(game.fixed)}")
    if "level" in options:
        level = options["level"]
        if level is None:
            stated = set()
        else:
            try:
                stated = {parse_level(str(level)).name}
            except BadInput:
                stated = {str(level)}
        if (frontier or levels) and stated != levels:
            node.fail("options", f"level {_short(level)} is not the certificates' NPA level "
                                 f"{', '.join(sorted(levels)) or 'none'}")
    if "split" in options and "split" in game.fixed and not same(options["split"], game.fixed["split"]):
        node.fail("options", f"split {_short(options['split'])} is not the game's {game.fixed['split']}")
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
                node.fail("options", f"{key} {_short(options[key])} is not the model's {_short(value)}")


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
            node.problems.append(f"{where}.{key}: {_short(certificate[key])} is not the checked {_short(expected)}")
    node.expect("level", level.name, optional=True)
    node.expect("moment_matrix_size", pattern.size, optional=True)
    node.expect("moments", pattern.count - 2, optional=True)
    _method_words(node, {r"NPA level (\S+)": level.name, r"moment matrix (\d+)x": str(pattern.size),
                         r"x(\d+), ": str(pattern.size), r"(\d+) moments": str(pattern.count - 2)})
    return level.name


def _method_words(node, patterns):
    """``method`` is descriptive text, but the levels and sizes it states must be the checked ones."""
    method = node.get("method", "")
    if not isinstance(method, str):
        node.fail("method", "expected a string")
        return
    for pattern, expected in patterns.items():
        for found in re.findall(pattern, method):
            if found != expected:
                node.fail("method", f"states {found!r} where the certificate gives {expected!r}")


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
        _check_certificate_keys(node, certificate, kind)
        check = CHECKS[kind](game, certificate)
    except Malformed as error:
        return Verified(path, "?", False, None, problems + [str(error)])
    problems += [f"{node.key('certificate')}: {line}" for line in check.problems]
    node.expect("command", COMMANDS[kind])
    node.descriptive("tool", "method", "solver", "seconds")
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
    _options(node, game, {level} if level else set())
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
            visibility = str(certificate.get("visibility"))
            _method_words(node, {r"v = ([0-9./]+)": visibility, r"visibility <= ([0-9./]+)": visibility})
        if kind == "classical":
            count = strategy_count(game.inputs, game.outputs)
            _method_words(node, {r"all (\d+) deterministic": str(count)})
        if kind == "correlation-strategy":
            ranks = {len(u) for entry in certificate.get("mixture", []) if isinstance(entry, dict)
                     for u in entry.get("A", []) if isinstance(u, list)}
            rank = max(ranks) if ranks else None
            if "rank" in certificate and not same(certificate["rank"], rank):
                node.fail("certificate.rank", f"{_short(certificate['rank'])} is not the vectors' length {rank}")
            _method_words(node, {r"rank (\d+)": str(rank)})
    elif kind == "noisy-witness":
        _noisy_witness(node, game, certificate, check, classical)
    elif kind == "npa":
        node.expect("bound", None if check.bound is None else str(check.bound), optional=True)
        node.descriptive("solver_value", "timings")  # the solver's own optimum and run times: not claims
        for key in ("levels", "best_level", "looser_levels"):
            node.unchecked(key, "other NPA levels' certificates are not in the document")
        return _npa_claims(node, game, certificate)
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
        dims = {tuple(note.get("dims", ())) for note in details.get("components", [])}
        if len(dims) == 1:
            _method_words(node, {r"dimension (\d+)": str(max(dims.pop()))})
    return None


def _expect_rational(node, name, exact):
    """The key must be a text denoting exactly ``exact`` ("p/q" or a decimal), or null when it is None."""
    claimed = node.get(name)
    if exact is None or claimed is None:
        if claimed is not None or exact is not None:
            node.fail(name, f"{_short(claimed)} is not the checked {exact}")
        return
    try:
        ok = isinstance(claimed, str) and fraction(claimed) == exact
    except (ValueError, ZeroDivisionError):
        ok = False
    if not ok:
        node.fail(name, f"{_short(claimed)} is not the checked {exact}")


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
    visibility = str(certificate.get("visibility"))
    _method_words(node, {r"visibility ([0-9./]+)": visibility})
    claimed = certificate.get("classical")
    if claimed is not None:  # the classical optimum the critical visibility is measured against
        if classical is None and not game.constraints:
            best, _ = best_deterministic(game.objective_exact * sense_sign(game))
            classical = best * sense_sign(game)
        if classical is None:
            node.fail("certificate.classical", "a classical value under constraints needs its own certificate")
        elif not same(claimed, str(classical)):
            node.fail("certificate.classical", f"{_short(claimed)} is not the classical optimum {classical}")


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
        node.fail("classical", f"{_short(claimed)} is not the classical optimum {classical}")


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
    _options(node, game, {parts[npa_key].level} if parts[npa_key].level else set())
    node.finish()
    return items + [Verified("gap", "gap", not problems, advantage, problems, None, DOWN, game)]


# ---------------------------------------------------------------------------
# Frontier (certify pareto)


def classical_hull(game, constraint="split"):
    """The exact classical frontier: lower convex hull of (constraint level, value) over
    deterministic strategies, as [(level, value)] Fractions, level increasing.

    Mixing strategies with shared randomness reaches every point of the hull,
    and nothing below it, so at a fixed level the classical optimum of a
    "min" game is the hull's height there.
    """
    tensor = game.constraint(constraint).exact
    points = sorted({(s.value(tensor), s.value(game.objective_exact)) for s in all_strategies(game.inputs, game.outputs)})
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
    return hull


def verify_frontier(data, source="result", model_figures=None):
    """A frontier document: per split an exact classical optimum, an explicit quantum
    strategy and quantum bounds, the summary table, and the model figures."""
    problems = []
    items = []
    try:
        node = Node(data, "", problems)
        game = read_game(node)
        node.expect("command", "pareto")
        node.descriptive("tool", "solver", "seconds", "value_meaning",
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
                raise Malformed(point.key("split"), f"{_short(text)} is not a rational") from None
            if not same(text, str(split)):
                point.fail("split", f"{_short(text)} is not in lowest terms ({split})")
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
        points.append({"split": split, "parts": parts})
    top = _frontier_claims(node, game, points, witness_key, dual_key)
    _options(node, game, {point["parts"]["npa"].level for point in points
                          if point and "npa" in point["parts"] and point["parts"]["npa"].level}, frontier=True)
    _visibilities(node, entries)
    table = []  # the summary table's problems, reported as their own item
    _frontier_table(node, game, points, witness_key, dual_key, model_figures, table)
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
        options = point.data[key].get("options") if isinstance(point.data[key], dict) else None
        if isinstance(options, dict) and "visibility" in options and (
                visibility is None or not same(options["visibility"], str(visibility))):
            item.problems.append(f"{point.key(key)}.options: visibility {_short(options['visibility'])} is not "
                                 f"the certificate's {certificate.get('visibility')!r}")
        if isinstance(options, dict) and "supply" in options and (
                item.supply is None or not same(options["supply"], str(item.supply))):
            item.problems.append(f"{point.key(key)}.options: supply {_short(options['supply'])} is not "
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
    stated = [entry.get("visibility_exact") for entry in first.get("noise", []) if isinstance(entry, dict)]
    if not same(options["visibilities"], stated):
        node.fail("options", f"visibilities {_short(options['visibilities'])} are not the rows' {_short(stated)}")
    supply = options.get("supply")
    if supply is not None:
        found = set()
        for entry in node.data["certificate"]["points"]:
            for key, part in entry.items() if isinstance(entry, dict) else ():
                if WERNER_PART.match(key) and isinstance(part, dict) and isinstance(part.get("certificate"), dict):
                    found.add(str(part["certificate"].get("supply", "1")))
        if found and found != {str(supply)}:
            node.fail("options", f"supply {_short(supply)} is not the Werner certificates' {', '.join(sorted(found))}")


def _advantage(game, parts, witness_key):
    """s (witness - classical): positive when the explicit quantum strategy beats the classical optimum."""
    classical, witness = parts.get("classical"), parts.get(witness_key)
    if classical is None or witness is None or not (classical.ok and witness.ok):
        return None
    if classical.check.exact is None:
        return None
    return sense_sign(game) * (witness.value - classical.check.exact)


def _frontier_claims(node, game, points, witness_key, dual_key):
    ok = all(point is not None and all(item.ok for item in point["parts"].values()) for point in points)
    advantages = [_advantage(game, point["parts"], witness_key) if point else None for point in points]
    best = max([Fraction(0)] + [a for a in advantages if a is not None])
    node.expect("certified", True)
    if not ok:
        node.fail("certified", "a point's certificate failed its check")
    node.expect_float("value", best, DOWN)
    node.expect("exact", None)
    node.expect("advantage_certified", any(a is not None and a > 0 for a in advantages))
    return best


def _frontier_table(node, game, points, witness_key, dual_key, model_figures, problems):
    """The "points" table and "summary" papers quote, against the checked parts."""
    summaries = node.get("points")
    if not isinstance(summaries, list) or len(summaries) != len(points):
        problems.append(f"points: expected {len(points)} rows, one per certified point")
        node.descriptive("summary", "model")
        return
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
    try:
        _frontier_summary(Node(node.get("summary"), "summary", problems), game, points, rows, witness_key)
    except Malformed as error:
        problems.append(str(error))
    _model_figures(node, game, model_figures, "frontier", problems)


def _frontier_row(row, game, point, witness_key, dual_key):
    parts, split = point["parts"], point["split"]
    row.expect("split_exact", str(split))
    row.expect_float("split", split, NEAREST)
    row.descriptive("seconds", "throughput")  # throughput: a model figure, checked by _model_figures
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
            row.fail("npa_level", f"{_short(level)} is not the certificate's level {npa.level}")
    else:
        row.descriptive("npa_level", "npa_problem")  # the NPA cross-check was skipped or its solver failed
        if row.has("npa_bound"):
            row.fail("npa_bound", "no NPA certificate at this point")
    if "seesaw" in parts:
        row.expect_float("seesaw", parts["seesaw"].value, parts["seesaw"].direction)
        row.expect("seesaw_certified", parts["seesaw"].ok)
    if row.has("noise"):
        _noise_rows(row, game, parts, witness_key, dual_key, tightest if bounds else None)
    if row.has("critical_visibility"):
        _critical_row(row, parts)
    row.expect("problems", [], optional=True)
    row.finish()


def _noise_rows(row, game, parts, witness_key, dual_key, tightest):
    """Per visibility v: the Werner bounds on W at this split and the advantage they certify
    (v = 1 is the maximally entangled pair: the point's own quantum results)."""
    entries = row.get("noise")
    if not isinstance(entries, list):
        row.fail("noise", "expected a list, one entry per visibility")
        return
    classical = parts["classical"].check.exact if parts.get("classical") and parts["classical"].check else None
    for index, data in enumerate(entries):
        try:
            entry = Node(data, row.key(f"noise[{index}]"), row.problems)
            text = entry.get("visibility_exact")
            v = fraction(text)
        except Malformed as error:
            row.problems.append(str(error))
            continue
        except (ValueError, ZeroDivisionError):
            row.fail(f"noise[{index}].visibility_exact", f"{_short(text)} is not a rational")
            continue
        entry.expect("visibility_exact", str(v))
        entry.expect_float("visibility", v, NEAREST)
        entry.expect_float("fidelity", (1 + 3 * v) / 4, NEAREST)
        lower_key, upper_key = f"werner_lower v={v}", f"werner_upper v={v}"
        supply = Fraction(1)
        if v == 1 and lower_key not in parts:  # ideal pairs for every request: the point's own results
            lower_key, upper_key = dual_key, witness_key
            lower = tightest
        else:
            lower = parts[lower_key].value if lower_key in parts and parts[lower_key].ok else None
            supplies = {parts[key].supply for key in (lower_key, upper_key) if key in parts}
            supply = supplies.pop() if len(supplies) == 1 else None
        upper = parts[upper_key].value if upper_key in parts and parts[upper_key].ok else None
        entry.expect("lower_result", lower_key)
        entry.expect("upper_result", upper_key)
        entry.expect_float("supply", supply, NEAREST, optional=True)
        entry.expect_float("lower", lower, DOWN)
        entry.expect_float("upper", upper, UP)
        if lower is not None and upper is not None:
            entry.expect_float("gap", abs(upper - lower), UP)
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


def _frontier_summary(summary, game, points, rows, witness_key):
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
    # the grid-independent largest reduction is refined with SDP solves between the grid's
    # points; those extra certificates are not stored in the document
    for key in ("waiting_reduction", "absolute_waiting_reduction"):
        summary.unchecked(key, "rests on refinement certificates the document does not store")
    summary.descriptive("arrival_rate", "load", "waiting_model", "trade_off")  # model figures (_model_figures)
    summary.expect("certified_splits", certified_rows)
    summary.expect("certified_range", [min(certified_rows), max(certified_rows)] if certified_rows else None)
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
    summary.descriptive("throughput_gain")  # a model figure, checked by _model_figures
    data = [row.data if row is not None else {} for row in rows]
    for key, rebuild in (("noise", _noise_summary), ("critical_visibility", _critical_summary)):
        if summary.has(key):
            try:
                expected = rebuild(data)
            except (TypeError, ValueError, KeyError, AttributeError, IndexError):
                summary.get(key)
                summary.fail(key, "cannot be rebuilt from the rows (a row is malformed)")
            else:
                summary.expect(key, expected)
    summary.finish()


def _noise_summary(rows):
    """Per visibility (in the rows' order): the largest relative W reduction and where, the
    splits with a certified advantage, the largest gap between the Werner bounds."""
    out = []
    count = min((len(row.get("noise", [])) for row in rows), default=0)
    for index in range(count):
        entries = [(row.get("split"), row["noise"][index]) for row in rows]
        first = entries[0][1]
        certified = [split for split, entry in entries if entry.get("advantage_certified") is True]
        best = max(entries, key=lambda item: item[1].get("relative_advantage", 0.0))
        out.append({
            "visibility": first.get("visibility"),
            "visibility_exact": first.get("visibility_exact"),
            "fidelity": first.get("fidelity"),
            **({"supply": first["supply"]} if "supply" in first else {}),
            "waiting_reduction": {"value": best[1].get("relative_advantage"), "split": best[0] if certified else None},
            "certified_splits": certified,
            "largest_gap": max(entry.get("gap") for _, entry in entries),
        })
    return out


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
    documents = node.get("loads")
    items = []
    for index, document in enumerate(documents):
        for item in verify_frontier(document, source, model_figures) if isinstance(document, dict) else [
                Verified("", "frontier", False, None, ["expected a frontier document"])]:
            item.path = f"loads[{index}]" + (f".{item.path}" if item.path else "")
            item.problems = [f"loads[{index}].{line}" for line in item.problems]
            items.append(item)
    frontiers = [d for d in documents if isinstance(d, dict)]
    node.expect("arrival_rate", [d.get("arrival_rate") for d in frontiers])
    models = {d.get("waiting_model") for d in frontiers}
    node.expect("waiting_model", models.pop() if len(models) == 1 else None)
    node.expect("certified", True)
    node.expect("advantage_certified", any(d.get("advantage_certified") is True for d in frontiers))
    try:
        comparison = Node(node.get("comparison"), "comparison", problems)
        comparison.expect("loads", [{
            "arrival_rate": d.get("arrival_rate"), "load": d.get("summary", {}).get("load"),
            "waiting_model": d.get("waiting_model"),
            "relative_reduction": d.get("summary", {}).get("waiting_reduction"),
            "absolute_reduction": d.get("summary", {}).get("absolute_waiting_reduction"),
            "throughput_gain": d.get("summary", {}).get("throughput_gain"),
        } for d in frontiers])
        comparison.unchecked("statement", "a sentence restating the loads' reductions")
        comparison.finish()
    except (Malformed, AttributeError) as error:
        problems.append(f"comparison: {error}")
    node.finish()
    return items + [Verified("", "loads", not problems, None, problems, None, None,
                             items[0].game if items else None)]


# ---------------------------------------------------------------------------
# Simulation (certify simulate)

SIMULATION_STRATEGIES = {"classical": {"classical"}, "quantum": {"correlation-strategy", "seesaw"}}


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
                         "arrival_rate", "waiting_model")  # the last two: model figures (_model_figures)
        _options(node, game, set())
        certificate = node.child("certificate")
        certificate.expect("kind", "simulation")
        strategy = certificate.get("strategy")
        if strategy not in SIMULATION_STRATEGIES:
            raise Malformed(certificate.key("strategy"), f"expected 'classical' or 'quantum', got {_short(strategy)}")
        certificate.descriptive("note")
        inner = verify_result(certificate.get("strategy_result"), certificate.key("strategy_result"), source, game,
                              SIMULATION_STRATEGIES[strategy])
        certificate.finish()
    except Malformed as error:
        return [Verified("", "simulation", False, None, problems + [str(error)])]
    problems += inner.problems
    node.expect("strategy", strategy)
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
    _model_figures(node, game, model_figures, "simulation", node.problems)
    node.finish()
    return [Verified("", "simulation", not problems, inner.value, problems, inner.check, inner.direction, game)]


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
    node.descriptive("model", "model_first_order")  # model figures, checked by _model_figures
    node.finish()


# ---------------------------------------------------------------------------
# Model figures (injected: certify.scheduling computes them)

MODEL_FIGURE_KEYS = {
    "frontier": ("model", "points[].throughput", "summary.throughput_gain", "arrival_rate", "arrival_rate_exact",
                 "waiting_model", "summary.arrival_rate", "summary.load", "summary.waiting_model", "summary.trade_off"),
    "simulation": ("model", "throughput.model", "waiting.model_first_order", "arrival_rate", "waiting_model"),
}


def _lookup(data, path):
    node = data
    for part in path.replace("]", "").replace("[", ".").split("."):
        if isinstance(node, list):
            node = node[int(part)] if part.isdigit() and int(part) < len(node) else MISSING
        elif isinstance(node, dict):
            node = node.get(part, MISSING)
        else:
            return MISSING
        if node is MISSING:
            return MISSING
    return node


def _close(left, right):
    if isinstance(left, float) and isinstance(right, float):
        return abs(left - right) <= MODEL_FIGURE_TOLERANCE * max(abs(left), abs(right), 1e-300)
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_close(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_close(a, b) for a, b in zip(left, right))
    return same(left, right)


def register_model_figures(kind, function):
    """Let an application recompute the model figures of documents of ``kind``
    ("frontier", "simulation"): function(document, game) -> {path: value}.
    certify.scheduling registers its own when imported (as it registers its model kind)."""
    MODEL_FIGURES[kind] = function


MODEL_FIGURES = {}


def _model_figures(node, game, model_figures, kind, problems):
    """Compare every model figure with the injected recomputation (or reject them all)."""
    node.descriptive("model")
    data = node.data
    model_figures = model_figures or MODEL_FIGURES.get(kind)
    if model_figures is None:
        problems.append("model: model figures (throughput, light-traffic W) are not certified and need "
                        "certify.scheduling to be recomputed: verify through the certify CLI or API")
        return
    try:
        expected = model_figures(data, game)
    except BadInput as error:
        problems.append(f"model: {error.message}")
        return
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as error:
        problems.append(f"model: the model figures cannot be recomputed ({error!r})")
        return
    for path in MODEL_FIGURE_KEYS[kind]:
        if "[]" in path:
            count = len(data.get(path.split("[]")[0], []) or [])
            wanted = [path.replace("[]", f"[{i}]") for i in range(count)]
        else:
            wanted = [path]
        for name in wanted:
            if name not in expected and _lookup(data, name) is not MISSING:
                problems.append(f"{name}: a model figure the model does not give")
    for path, value in expected.items():
        claimed = _lookup(data, path)
        if claimed is MISSING:
            problems.append(f"{path}: missing")
        elif not _close(claimed, _normal(value)):
            problems.append(f"{path}: {_short(claimed)} is not the model's {_short(_normal(value))}")


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


def verify_document(data, source="result", model_figures=None):
    """Re-check every claim of a result document; returns the list of Verified nodes.

    A document is accepted when every item is ok. ``model_figures``
    (document, game) -> {path: value} recomputes the dual-work model figures
    (see the module docstring).
    """
    NOTES.clear()
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
            items = [Verified("", "?", False, None, ["certificate: no certificate of a known kind, and not a gap document"])]
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, ZeroDivisionError) as error:
        # a value of the wrong type somewhere no check expected: still a rejection, never a traceback
        items = [Verified("", str(kind), False, None, [f"(document): malformed ({type(error).__name__}: {error})"])]
    if duplicates:
        items.insert(0, Verified("", "duplicate keys", False, None, duplicates))
    if items:
        items[0].notes = sorted(set(NOTES))
    return items


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


def bundled_name_problem(game):
    """A note when the game bears a bundled problem's name but another definition.

    Compared at the document's own constraint values; None when the name is
    not a bundled game's or the definitions agree.
    """
    mismatch = None
    for name in bundled_problems():
        try:
            bundled = load_game(name)
        except Exception:  # noqa: BLE001 - a bundled model whose generator is not loaded here
            continue
        if bundled.name != game.name:
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
