"""Reading result documents strictly: duplicate keys kept visible, every key of a node
accounted for (claim, descriptive, or error), the game block rebuilt and hashed, and
the model figures compared with their recomputation (certify.proofs.figures).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from ..errors import BadInput
from ..games.game import game_from_mapping
from ..games.numbers import load_json, read_regular_text
from ..games.limits import LimitExceeded
from .exact import Check, remembered_per_object, safe_float_problem



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
    # floats of a document are summaries, compared as doubles; exact numbers are strings
    data = load_json(text, source, exact_decimals=False, object_pairs_hook=lambda pairs: _pairs(pairs, found))
    if not isinstance(data, dict):
        raise BadInput(source, None, "expected a JSON object at the top level")
    if found and not isinstance(data, DuplicateKeys):
        data = DuplicateKeys(data)  # marks the document: somewhere inside, a key repeats
    return data


def read_document(path):
    """Read a result document from a .json file (see parse_document); only a regular file
    (certify.games.numbers.read_regular_text: a FIFO would wait forever), at most
    CERTIFY_MAX_FILE_MB."""
    path = str(path)
    if not path.lower().endswith(".json"):
        raise BadInput(path, None, "expected a .json file written by certify")
    return parse_document(read_regular_text(path), path)


def duplicate_key_problems(node, path=""):
    """Every repeated key anywhere in a parsed document, as "path.key: duplicate key"."""
    problems = []
    stack = [(node, path)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key in getattr(node, "duplicates", ()):
                problems.append(f"{join_path(path, key)}: duplicate key (a JSON object must name each key once)")
            stack.extend((child, join_path(path, key)) for key, child in node.items())
        elif isinstance(node, list):
            stack.extend((child, f"{path}[{index}]") for index, child in enumerate(node))
    return sorted(problems)


def join_path(path, key):
    return f"{path}.{key}" if path else str(key)


def _normal(value):
    """A value as JSON would give it back (tuples -> lists, Fractions not allowed)."""
    if value is None or type(value) in (str, int, bool) or (type(value) is float and math.isfinite(value)):
        return value  # what the round trip gives back: most expected values, asked thousands of times
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


class Node:
    """One JSON object being checked: every key must be read (checked or named descriptive)."""

    def __init__(self, data, path, problems):
        if not isinstance(data, dict):
            raise Malformed(path or "(top)", f"expected an object, got {type(data).__name__}")
        self.data, self.path, self.problems, self.seen = data, path, problems, set()

    def key(self, name):
        return join_path(self.path, name)

    def has(self, name):
        return name in self.data

    def get(self, name, default=MISSING):
        self.seen.add(name)
        if name not in self.data:
            if default is MISSING:
                raise Malformed(self.key(name), "missing")
            return default
        return self.data[name]

    def descriptive(self, *names):
        """Keys that describe how a number was found (not claims): read, never compared."""
        self.seen.update(names)

    def fail(self, name, message):
        self.problems.append(f"{self.key(name)}: {message}")

    def expect(self, name, expected, optional=False):
        """The key must hold exactly ``expected`` (JSON equality; optional keys may be absent)."""
        if not self.has(name):
            self.seen.add(name)
            if not optional:  # a claim the document leaves out: one line naming it, not a traceback
                self.fail(name, self.missing_message(name))
            return
        value = self.get(name)
        expected = _normal(expected)
        if not same(value, expected):
            self.fail(name, f"{short_text(value)} is not the checked {short_text(expected)}")

    def expect_float(self, name, exact, direction, optional=False):
        """The key must summarise the exact number on the safe side (exact.safe_float_problem)."""
        if not self.has(name):
            self.seen.add(name)
            if not optional:
                self.fail(name, self.missing_message(name))
            return
        if exact is None:
            self.get(name)
            self.fail(name, "no checked number backs this (a part it rests on failed)")
            return
        problem = safe_float_problem(self.get(name), exact, direction)
        if problem:
            self.fail(name, problem)

    def missing_message(self, name: str) -> str:
        """"missing", and the key that looks like it when there is one: the same text but for
        characters outside ASCII (a Cyrillic a for a Latin one), which is still another key."""
        for other in self.data:
            if (isinstance(other, str) and len(other) == len(name) and other != name
                    and all(a == b or not (" " <= a <= "~") for a, b in zip(other, name))):
                strange = next(a for a, b in zip(other, name) if a != b)
                return (f"missing (the object has {other!r} instead, whose U+{ord(strange):04X} only looks "
                        "like the letter: keys are compared byte for byte, without Unicode normalisation)")
        return "missing"

    def child(self, name):
        return Node(self.get(name), self.key(name), self.problems)

    def finish(self):
        for name in self.data:
            if name not in self.seen:
                self.fail(name, unknown_key_message(name))


def unknown_key_message(name: str) -> str:
    """Why a key is not read. Keys are compared byte for byte, never after Unicode
    normalisation, so a key that only looks like a known one ("v\u0430lue" with a
    Cyrillic a) is unknown; the message names its first character outside ASCII so
    that the reader sees why."""
    message = "unknown key (not part of any certify document; see docs/certificates.md)"
    strange = next((c for c in str(name) if not (" " <= c <= "~")), None)
    if strange is not None:
        message += (f"; it holds U+{ord(strange):04X}, outside ASCII: keys are compared byte for byte, "
                    "without Unicode normalisation")
    return message


def short_text(value, limit=60):
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
        except LimitExceeded:
            raise  # work beyond a limit is refused as the commands refuse it (exit 2), not a forgery
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


def _text(definition):
    """A definition as the compact, key-sorted JSON its SHA-256 is taken of (types kept: 1 is not 1.0)."""
    return json.dumps(definition, sort_keys=True, separators=(",", ":"))


@remembered_per_object(257)
def _canonical(game):
    """(canonical definition as JSON text, SHA-256) of a game, computed once per game object."""
    return _text(game.canonical()), game.sha256


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


# Model figures (recomputed by certify.proofs.figures from the document's model block)

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


# kind -> function(document, game) -> {path: value}. certify.proofs.figures fills it, and the
# package certify.proofs imports figures, so it is filled before any check runs (figures needs
# proofs.frontier, which imports this module: importing figures here would be a circle).
MODEL_FIGURES: dict[str, Callable[..., dict[str, object]]] = {}


def check_model_figures(node, game, model_figures, kind, problems):
    """Compare every model figure with its recomputation (certify.proofs.figures, from the
    document's model block; ``model_figures`` replaces it, for a test or another model)."""
    node.descriptive("model")
    data = node.data
    model_figures = model_figures or MODEL_FIGURES[kind]
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
            problems.append(f"{path}: {short_text(claimed)} is not the model's {short_text(_normal(value))}")


# ---------------------------------------------------------------------------
