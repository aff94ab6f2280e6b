"""Forged result documents: `certify verify` must reject every one (exit 1, one line naming the key).

These are the forgeries that passed an earlier verify (36 of about 110
with exit 0): parts of other games in a gap (another sense, a scaled
objective), a swapped top-level game, frontier points carrying another
point's certificate, edited bound / fixed / level / method / statement /
gap / npa_slack / throughput / summary / name / sense / inputs, a renamed
command, a float moved past the proven bound within 1e-9, duplicate keys.
Each class below is one genuine document from the real commands, changed in
one way; more classes cover what the new checker adds (unknown keys, unsafe
rounding, parts in the wrong slot, a gap whose upper bound lies below its
lower bound, simulations routed by another split's strategy, ...).

The property test mutates every leaf of real documents of every command and
asserts that verify rejects each change to a claim (docs/certificates.md
lists the descriptive keys it may leave unchecked).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import marshal
import math
import re
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner

import certify.proofs.frontier as frontier_checks
from certify.cli import main
from certify.games.game import load_game
from certify.proofs.result import CHECKS
from certify.proofs.seesaw import check_seesaw
from certify.proofs.document import parse_document
from certify.proofs.verify import verify_document

COMMANDS = {
    "classical": ["classical", "chsh"],
    "nosignal": ["nosignal", "chsh"],
    "quantum": ["quantum", "chsh", "--level", "1"],
    "seesaw": ["seesaw", "chsh", "--restarts", "2"],
    "gap": ["gap", "chsh", "--level", "1", "--restarts", "2"],
    "gap_min": ["gap", "dual_work", "--fix", "split=4/5", "--level", "1", "--restarts", "2"],
    "pareto": ["pareto", "--points", "3", "--level", "1", "--jobs", "1", "--visibility", "0.9,1", "--critical-visibility"],
    # one noise setting: one headline (value, summary.throughput_gain); two settings have one each, in summary.noise
    "pareto_one": ["pareto", "--points", "3", "--level", "1", "--jobs", "1", "--visibility", "0.9"],
    "simulate": ["simulate", "--split", "1/2", "--pairs", "2000"],
    "simulate_quantum": ["simulate", "--split", "1/2", "--pairs", "2000", "--strategy", "quantum"],
}


def _variant(folder, name, change):
    """CHSH's canonical definition, changed, written as a problem file (still named "CHSH")."""
    definition = load_game("chsh").canonical()
    change(definition)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(definition))
    return str(path)


def _scale(definition):
    definition["objective"]["coefficients"] = json.loads(
        re.sub(r'"(-?\d+(?:/\d+)?)"', lambda m: f'"{Fraction(m.group(1)) * 2}"',
               json.dumps(definition["objective"]["coefficients"])))


def _tiny(definition):
    """A constraint that forces P(a != b) = 0, written at scale 1e-12: the
    quantum value is then 3/4, but a CHSH witness meets it "within 1e-9"."""
    from certify.games.game import game_from_mapping

    game = game_from_mapping({"inputs": [2, 2], "outputs": [2, 2], "objective": {"distribution": "uniform", "payoff": "a != b"}}, "tiny")
    definition["name"] = "CHSH-tiny"
    definition["constraints"] = [{
        "name": "tiny", "relation": "==", "value": "0",
        "coefficients": json.loads(json.dumps(
            [[[[str(v / 10**12) for v in row] for row in block] for block in plane]
             for plane in game.objective_exact.tolist()])),
    }]


def _run(args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, (args, result.output)
    return result


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """One real document per command, and genuine certificates of other games to splice in."""
    folder = tmp_path_factory.mktemp("documents")
    docs = {}
    for name, args in COMMANDS.items():
        path = folder / f"{name}.json"
        _run(args + ["--json", str(path)])
        docs[name] = json.loads(path.read_text())
    other = {
        "min": _variant(folder, "chsh_min", lambda d: d.update(sense="min")),
        "scaled": _variant(folder, "chsh_scaled", _scale),
        "tiny": _variant(folder, "chsh_tiny", _tiny),
    }
    for label, game in other.items():
        for command, extra in (("classical", []), ("quantum", ["--level", "1"]), ("seesaw", ["--restarts", "1"])):
            if label == "tiny" and command == "seesaw":
                continue  # a see-saw run there may rightly refuse; the forgery below splices CHSH's witness
            path = folder / f"{label}_{command}.json"
            _run([command, game] + extra + ["--json", str(path)])
            docs[f"{label}_{command}"] = json.loads(path.read_text())
    docs["tiny_path"] = other["tiny"]
    return docs


# ---------------------------------------------------------------------------
# One forgery per class: (name, function(documents) -> document or JSON text, key named)


def _set(doc, path, value):
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


def _edit(name, path, value):
    def make(docs):
        doc = copy.deepcopy(docs[name])
        return _set(doc, path, value(doc) if callable(value) else value)

    return make


def _get(doc, path):
    for key in path:
        doc = doc[key]
    return doc


def _tiny_gap(docs):
    """classical and NPA parts of the tiny-scale game (NPA ~ 3/4), with CHSH's see-saw
    witness relabelled to it as the lower bound (0.8536): the interval is empty."""
    gap = copy.deepcopy(docs["gap"])
    gap["game"] = copy.deepcopy(docs["tiny_classical"]["game"])
    gap["fixed"] = docs["tiny_classical"]["fixed"]
    gap["options"]["fix"] = docs["tiny_classical"]["fixed"]
    gap["classical"] = copy.deepcopy(docs["tiny_classical"])
    gap["quantum_upper"] = copy.deepcopy(docs["tiny_quantum"])
    witness = gap["quantum_lower"]
    witness["game"] = copy.deepcopy(docs["tiny_classical"]["game"])
    witness["fixed"] = docs["tiny_classical"]["fixed"]
    # the witness's measured details, recomputed for the tiny game, so that only the interval is wrong
    check = check_seesaw(load_game(docs["tiny_path"]), witness["certificate"])
    witness.update(json.loads(json.dumps(check.details)))
    return gap


def _duplicate_value(docs):
    text = json.dumps(docs["classical"], indent=2)
    assert '"value": 0.75,' in text
    return text.replace('"value": 0.75,', '"value": 0.8,\n  "value": 0.75,', 1)


def _unsafe_lower(doc):
    value = doc["value"]
    return math.nextafter(value, math.inf)


FORGERIES = [
    # parts of other games, swapped games
    ("gap part: NPA bound of the game with the other sense", None, "quantum_upper.game"),
    ("gap part: NPA bound of a scaled objective", None, "quantum_upper.game"),
    ("gap part: see-saw witness of a scaled objective", None, "quantum_lower.game"),
    ("gap part: classical optimum of the game with the other sense", None, "classical.game"),
    ("gap with its top-level game swapped", None, "game"),
    ("gap part in the wrong slot: a witness posing as the upper bound", None, "quantum_upper.certificate.kind"),
    ("gap whose upper bound lies below its lower bound", _tiny_gap, "quantum_"),
    ("frontier point with another point's lower-bound certificate", None, "certificate.points[1].quantum_lower.game"),
    ("frontier point with another split's classical optimum", None, "certificate.points[1].classical.game"),
    ("frontier point with its split edited", _edit("pareto", ["certificate", "points", 1, "split"], "2/5"),
     "certificate.points[1]"),
    ("simulation routed by another split's strategy", None, "certificate.strategy_result.game"),
    # edited claims
    ("bound edited to 1/2 on CHSH", _edit("classical", ["value"], 0.5), "value"),
    ("exact value edited", _edit("classical", ["exact"], "1/2"), "exact"),
    ("certificate's own value edited", _edit("classical", ["certificate", "value"], "4/5"), "certificate"),
    ("NPA bound's float moved below the bound within 1e-9",
     _edit("quantum", ["value"], lambda d: d["value"] * (1 - 5e-10)), "value"),
    ("see-saw float rounded up by one ulp (a lower bound must round down)",
     _edit("seesaw", ["value"], _unsafe_lower), "value"),
    ("fixed constraint value edited", _edit("gap_min", ["fixed", "split"], "3/5"), "fixed"),
    ("fixed value invented", _edit("classical", ["fixed"], {"split": "1/2"}), "fixed"),
    ("level edited", _edit("quantum", ["level"], "2"), "level"),
    ("NPA moment-matrix size edited", _edit("quantum", ["certificate", "size"], 6), "certificate.size"),
    ("method states another level", _edit("quantum", ["method"], lambda d: d["method"].replace("level 1", "level 3")),
     "method"),
    ("options state another level", _edit("quantum", ["options", "level"], "3"), "options"),
    ("statement edited", _edit("gap", ["statement"], lambda d: d["statement"].replace("at least 0.1", "at least 0.2")),
     "statement"),
    ("gap float edited", _edit("gap", ["gap"], 0.2), "gap"),
    ("gap exact edited by 1e-9", _edit("gap", ["gap_exact"], lambda d: str(Fraction(d["gap_exact"]) + Fraction(1, 10**9))),
     "gap_exact"),
    ("npa_slack edited", _edit("gap", ["npa_slack"], 0.0), "npa_slack"),
    ("throughput edited", _edit("pareto", ["points", 1, "throughput"], lambda d: d["points"][1]["throughput"] * 1.01),
     "points[1].throughput"),
    ("summary edited", _edit("pareto", ["summary", "largest_gap_npa"], 0.0), "summary.largest_gap_npa"),
    ("summary's certified splits edited", _edit("pareto", ["summary", "certified_splits"], [0.0, 0.5]),
     "summary.certified_splits"),
    ("summary throughput gain edited", _edit("pareto_one", ["summary", "throughput_gain", "value"], 0.5),
     "summary.throughput_gain"),
    ("frontier advantage flag flipped", _edit("pareto", ["points", 0, "advantage_certified"], True),
     "points[0].advantage_certified"),
    ("frontier value edited", _edit("pareto_one", ["value"], lambda d: d["value"] * 1.001), "value"),
    ("frontier model input edited (options too)", None, "model"),
    ("simulation model figure edited", _edit("simulate", ["throughput", "model"], lambda d: d["throughput"]["model"] + 1),
     "throughput.model"),
    ("simulation flag flipped", _edit("simulate", ["waiting", "model_inside"], lambda d: not d["waiting"]["model_inside"]),
     "waiting.model_inside"),
    ("simulation split edited", _edit("simulate", ["split"], 0.6), "split"),
    ("see-saw's classical value edited", _edit("seesaw", ["classical"], "4/5"), "classical"),
    ("name edited", _edit("classical", ["game", "name"], "CHSH-2"), "game.name"),
    ("sense edited", _edit("classical", ["game", "sense"], "min"), "game.sense"),
    ("inputs edited", _edit("classical", ["game", "inputs"], [3, 2]), "game.inputs"),
    ("sha256 edited", _edit("classical", ["game", "sha256"], "0" * 64), "game.sha256"),
    ("definition edited", _edit("classical", ["game", "definition", "objective", "coefficients", 0, 0, 0, 0], "1/2"),
     "game"),
    ("Werner bound filed under another visibility", None, "certificate.points[1]"),
    ("critical visibility's lower end raised", _edit("pareto", ["points", 1, "critical_visibility", "lower"],
                                                      lambda d: d["points"][1]["critical_visibility"]["lower"] * 1.01),
     "points[1].critical_visibility.lower"),
    ("Werner advantage edited", _edit("pareto", ["points", 1, "noise", 0, "relative_advantage"], 0.5),
     "points[1].noise[0].relative_advantage"),
    # commands and keys
    ("gap renamed 'classical' so that its summary checks are skipped", _edit("gap", ["command"], "classical"), "command"),
    ("frontier renamed 'simulate'", _edit("pareto", ["command"], "simulate"), "command"),
    ("no-signalling result claimed as classical", _edit("nosignal", ["command"], "classical"), "command"),
    ("duplicate key: \"value\": 0.8 beside the true value", _duplicate_value, "value: duplicate key"),
    ("unknown top-level key", _edit("classical", ["bonus"], 1), "bonus"),
    ("unknown key inside a certificate", _edit("classical", ["certificate", "mixture", 0, "note"], "x"),
     "certificate.mixture[0].note"),
    ("certified flag on a result with problems", _edit("classical", ["problems"], ["solver trouble"]), "problems"),
]


def _splice(docs, name):
    """The forgeries that splice genuine parts (built here, where they need several documents)."""
    if name == "gap part: NPA bound of the game with the other sense":
        return _set(copy.deepcopy(docs["gap"]), ["quantum_upper"], copy.deepcopy(docs["min_quantum"]))
    if name == "gap part: NPA bound of a scaled objective":
        return _set(copy.deepcopy(docs["gap"]), ["quantum_upper"], copy.deepcopy(docs["scaled_quantum"]))
    if name == "gap part: see-saw witness of a scaled objective":
        return _set(copy.deepcopy(docs["gap"]), ["quantum_lower"], copy.deepcopy(docs["scaled_seesaw"]))
    if name == "gap part: classical optimum of the game with the other sense":
        return _set(copy.deepcopy(docs["gap"]), ["classical"], copy.deepcopy(docs["min_classical"]))
    if name == "gap with its top-level game swapped":
        return _set(copy.deepcopy(docs["gap"]), ["game"], copy.deepcopy(docs["scaled_classical"]["game"]))
    if name == "gap part in the wrong slot: a witness posing as the upper bound":
        doc = copy.deepcopy(docs["gap"])
        return _set(doc, ["quantum_upper"], copy.deepcopy(doc["quantum_lower"]))
    if name == "frontier point with another point's lower-bound certificate":
        doc = copy.deepcopy(docs["pareto"])
        points = doc["certificate"]["points"]
        points[1]["quantum_lower"] = copy.deepcopy(points[0]["quantum_lower"])
        return doc
    if name == "frontier point with another split's classical optimum":
        doc = copy.deepcopy(docs["pareto"])
        points = doc["certificate"]["points"]
        points[1]["classical"] = copy.deepcopy(points[2]["classical"])
        return doc
    if name == "simulation routed by another split's strategy":
        doc = copy.deepcopy(docs["simulate"])
        doc["certificate"]["strategy_result"] = copy.deepcopy(docs["pareto"]["certificate"]["points"][0]["classical"])
        return doc
    if name == "frontier model input edited (options too)":
        doc = copy.deepcopy(docs["pareto"])
        doc["model"]["arrival_rate"] = doc["options"]["arrival_rate"] = 0.2
        return doc
    if name == "Werner bound filed under another visibility":
        doc = copy.deepcopy(docs["pareto"])
        point = doc["certificate"]["points"][1]
        point["werner_lower v=19/20"] = point.pop("werner_lower v=9/10")
        return doc
    raise KeyError(name)


def _forged(docs, name, make):
    return _splice(docs, name) if make is None else make(docs)


@pytest.mark.parametrize("name, make, key", FORGERIES, ids=[f[0] for f in FORGERIES])
def test_forgery_is_rejected_with_one_line_naming_the_key(documents, memoised_checks, tmp_path, name, make, key):
    forged = _forged(documents, name, make)
    path = tmp_path / "forged.json"
    path.write_text(forged if isinstance(forged, str) else json.dumps(forged))
    result = CliRunner().invoke(main, ["verify", str(path)])
    assert result.exit_code == 1, (name, result.output)
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if not line.startswith("certify: note:")]
    assert len(lines) == 1, lines
    assert lines[0].startswith("certify: ") and "certificates failed: " in lines[0], lines
    named = lines[0].split("certificates failed: ", 1)[1]
    assert named.startswith(key) or key in named.split(": ")[0], (name, named)


def test_every_genuine_document_is_accepted(documents, memoised_checks, tmp_path):
    """The other side: real documents of every command pass, through the CLI, naming their game."""
    for name, doc in documents.items():
        if not isinstance(doc, dict):
            continue
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc))
        result = CliRunner().invoke(main, ["verify", str(path)])
        assert result.exit_code == 0, (name, result.output, result.stderr)
        assert f"sha256 {doc['game']['sha256']}" in result.stdout
        assert f"game {doc['game']['name']}" in result.stdout


def test_bundled_name_with_another_definition_is_flagged(documents, tmp_path):
    """A scaled CHSH still named "CHSH": its certificates hold for it, but the reader is told
    that this is not the bundled CHSH."""
    path = tmp_path / "scaled.json"
    path.write_text(json.dumps(documents["scaled_classical"]))
    result = CliRunner().invoke(main, ["verify", str(path)])
    assert result.exit_code == 0
    assert "certify: note:" in result.stderr and "bundled problem 'chsh'" in result.stderr
    path.write_text(json.dumps(documents["classical"]))
    assert "note" not in CliRunner().invoke(main, ["verify", str(path)]).stderr


def test_empty_gap_interval_is_rejected(documents):
    """The tiny-scale constraint: NPA proves at most ~3/4, a CHSH witness "meets" the
    constraint within 1e-9 and claims 0.8536. Either the see-saw check refuses the witness, or
    verify names the empty interval; never both bounds accepted."""
    items = verify_document(_tiny_gap(documents))
    problems = [line for item in items for line in item.problems]
    assert not all(item.ok for item in items)
    lower = next(item for item in items if item.path == "quantum_lower")
    if lower.ok:
        assert any("lies below the lower bound" in line for line in problems), problems
    else:
        assert any(line.startswith("quantum_lower.certificate") for line in lower.problems), lower.problems


def test_duplicate_keys_are_visible_after_parsing():
    data = parse_document('{"a": {"b": 1, "b": 2}, "c": 3}')
    items = verify_document(data)
    assert any("a.b: duplicate key" in line for item in items for line in item.problems)


# ---------------------------------------------------------------------------
# Property: every change to a claim is rejected

# Keys that describe how a number was found, never what is proven (docs/certificates.md).
DESCRIPTIVE = re.compile(
    r"(^|\.)(tool|solver|timings)\.|(^|\.)(seconds|method|solver_value|sdp_value|rounds)$|"
    r"(^|\.)options\.(game|problem|dim|restarts|seed|projective|solver|points|jobs|plot|seesaw|strategy|pairs|batches|"
    r"critical_visibility|jobs_reason|link)$|"
    r"^(pairs|batches)$|^details\.|certificate\.note$|(certificate|strategy)\.realisation$|(^|\.)value_meaning$"
)
# Certificate entries whose change can leave a valid proof of the same claims: then verify
# rightly accepts. At split 0 the classical dual's split multiplier enters the bound as
# mu * 0, and any larger mu still dominates every deterministic strategy; the NPA factor is
# only a hint for the exact PSD test (a worse one only needs a larger shift); a Werner dual's
# bound is the largest over measurement patterns, so a block below the largest may grow.
STILL_PROOFS = re.compile(
    r"certificate\.points\.0\.classical\.certificate\.dual\.multipliers\.split$|certificate\.factor\.|"
    r"certificate\.blocks\.\d+\.(z\.\d+|shift)$"
)


def _leaves(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, path + (index,))
    else:
        yield path, node


def _pattern(path):
    """One representative per leaf pattern: list indices are wildcards, and a game definition's
    many coefficients count once per table (any change there changes the SHA-256). Inside a
    frontier point's certificates, each part's certificate counts once (the same kinds stand
    alone in the other documents, where every certificate leaf is changed)."""
    pattern = tuple("*" if isinstance(p, int) else p for p in path)
    if "definition" in pattern:
        cut = pattern.index("definition")
        pattern = pattern[: cut + 2]
    if pattern[:3] == ("certificate", "points", "*") and len(pattern) > 5 and pattern[4] == "certificate":
        pattern = pattern[:5]
    if pattern[:3] == ("certificate", "points", "*") and len(pattern) > 4 and pattern[4] in ("game", "fixed"):
        pattern = pattern[:3] + ("<any part>",) + pattern[4:]  # every part is held to the same point game
    return pattern


def _mutations(value, index):
    """A change to a leaf that alters what it says (floats move 1e-6 relative: far beyond the
    few doubles of safe-side slack; up or down by turns)."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1]
    if isinstance(value, float):
        step = max(abs(value) * 1e-6, 1e-9)
        return [value + step if index % 2 else value - step]
    if value is None:
        return ["0"]
    if isinstance(value, str):
        try:
            return [str(Fraction(value) + Fraction(1, 7))]
        except (ValueError, ZeroDivisionError):
            return [value + "x"]
    return []


def _json_copy(node):
    """A copy of a JSON tree (dicts, lists, scalars): what copy.deepcopy gives, four times faster."""
    return marshal.loads(marshal.dumps(node))


def _accepted(doc):
    return all(item.ok for item in verify_document(doc))


def _certificate_key(certificate):
    """A certificate, exactly, as bytes: marshal keeps key order and tells 1, 1.0 and True apart
    (JSON text, or repr, for a certificate holding other objects)."""
    try:
        return marshal.dumps(certificate)
    except ValueError:
        return json.dumps(certificate, default=repr)


_TABLE_KEYS = {}  # id -> (table, key): a game and the games with_fixed makes of it share their tables


def _game_key(game):
    """Every field of a game (and of its constraints), exactly: Fraction tables as
    numerator/denominator pairs (each table object keyed once, and held so that its id
    is not reused), scalars with their type, other values as JSON or repr."""
    def value_key(value):
        if value is None or type(value) in (str, int, float, bool):
            return (type(value), value)
        if isinstance(value, np.ndarray):
            known = _TABLE_KEYS.get(id(value))
            if known is None or known[0] is not value:
                known = _TABLE_KEYS[id(value)] = (value, tuple((v.numerator, v.denominator) for v in value.flat))
            return known[1]
        if isinstance(value, Fraction):
            return (value.numerator, value.denominator)
        if dataclasses.is_dataclass(value):
            return tuple(value_key(getattr(value, f.name)) for f in dataclasses.fields(value))
        if isinstance(value, tuple):
            return tuple(value_key(v) for v in value)
        return json.dumps(value, default=repr)

    return value_key(game)


_CHECK_RESULTS = {}  # the memo of memoised_checks, shared by this module's tests
_GAME_KEYS = {}  # id -> (game, key): each game object keyed once (a document's parts share their games)


@pytest.fixture
def memoised_checks(monkeypatch):
    """The exact certificate checks, memoised on their whole input (the game, exactly, and the
    certificate, key order kept), and the frontier's reduction summary (on its exact points and
    lines): a forged document re-checks every certificate its change touches, and reuses the
    results of the identical ones it shares with the genuine documents (pure functions: same
    input, same result; each use gets its own copy). verify_document itself, and every claim
    check around the certificates, run in full on every forged document."""
    store, used = _CHECK_RESULTS, {"calls": 0}

    def game_key(game):
        known = _GAME_KEYS.get(id(game))
        if known is None or known[0] is not game:
            known = _GAME_KEYS[id(game)] = (game, _game_key(game))
        return known[1]

    def memoise(check):
        def memoised(game, certificate, *rest):  # rest: plain names (correlation_dual_line's constraint)
            used["calls"] += 1
            key = (check, game_key(game), _certificate_key(certificate), rest)
            if key not in store:
                store[key] = check(game, certificate, *rest)
            return copy.deepcopy(store[key])

        return memoised

    for kind, check in list(CHECKS.items()):
        monkeypatch.setitem(CHECKS, kind, memoise(check))
    # the frontier's refinement and its dual lines
    for name in ("check_correlation_dual", "check_correlation_strategy", "correlation_dual_line"):
        monkeypatch.setattr(frontier_checks, name, memoise(getattr(frontier_checks, name)))
    reduction_summary = frontier_checks.reduction_summary

    def memoised_reduction_summary(hull, certified, lines):  # exact pairs of Fractions in, a dict out
        key = (reduction_summary, tuple(map(tuple, hull)), tuple(map(tuple, certified)), tuple(map(tuple, lines)))
        if key not in store:
            store[key] = reduction_summary(hull, certified, lines)
        return copy.deepcopy(store[key])

    monkeypatch.setattr(frontier_checks, "reduction_summary", memoised_reduction_summary)
    return used


def test_every_claim_mutated_is_rejected(documents, memoised_checks):
    """Every leaf pattern of every command's document, changed: verify rejects it unless the
    key is descriptive or the change leaves a valid proof of the same claims; and every object
    given an unknown key is rejected unless it is a descriptive block."""
    tried = rejected = 0
    wrongly_accepted = []
    for name in COMMANDS:
        if name == "gap_min":
            continue  # the min-sense gap is slow to re-check (a many-component witness); forgeries cover it
        doc = documents[name]
        seen = set()
        for path, value in _leaves(doc):
            pattern = _pattern(path)
            text = ".".join(map(str, path))
            if pattern in seen or DESCRIPTIVE.search(text):
                continue
            seen.add(pattern)
            for changed in _mutations(value, len(seen)):
                forged = _json_copy(doc)
                _set(forged, list(path), changed)
                tried += 1
                if not _accepted(forged):
                    rejected += 1
                elif not STILL_PROOFS.search(text):
                    wrongly_accepted.append(f"{name}: {text} = {changed!r}")
    assert not wrongly_accepted, wrongly_accepted
    # the test must really have tried: the documents hold hundreds of claim leaves
    assert tried > 400 and rejected >= tried - 5, (tried, rejected)
    assert memoised_checks["calls"], "the certificate checks ran through the memo"
    print(f"mutations tried {tried}, rejected {rejected}")


def test_unknown_keys_anywhere_are_rejected(documents, memoised_checks):
    tried = 0
    for name in ("gap", "pareto", "simulate_quantum", "nosignal"):
        doc = documents[name]
        seen = set()

        def objects(node, path=()):
            if isinstance(node, dict):
                yield path
                for key, value in node.items():
                    yield from objects(value, path + (key,))
            elif isinstance(node, list):
                for index, value in enumerate(node):
                    yield from objects(value, path + (index,))

        for path in objects(doc):
            pattern = _pattern(path) if path else ()
            text = ".".join(map(str, path))
            if pattern in seen or re.search(r"(^|\.)(tool|options|solver|timings|details)(\.|$)", text):
                continue
            seen.add(pattern)
            forged = _json_copy(doc)
            target = _get(forged, list(path))
            target["unexpected"] = 1
            tried += 1
            assert not _accepted(forged), f"{name}: unknown key accepted in {text or '(top)'}"
    assert tried > 60
    print(f"unknown keys tried {tried}, all rejected")


def test_several_loads_comparison_sentence_is_rebuilt(tmp_path):
    """The comparison sentence of a several-load document is rebuilt from its rows:
    a genuine one verifies, an edited one is rejected naming comparison.statement."""
    path = tmp_path / "loads.json"
    _run(["pareto", "--arrival-rate", "0.01,0.1", "--points", "3", "--level", "none", "--json", str(path)])
    document = json.loads(path.read_text())
    assert "shrinks with load" in document["comparison"]["statement"]
    genuine = CliRunner().invoke(main, ["verify", str(path)])
    assert genuine.exit_code == 0, genuine.output
    document["comparison"]["statement"] = document["comparison"]["statement"].replace("shrinks", "grows")
    path.write_text(json.dumps(document))
    forged = CliRunner().invoke(main, ["verify", str(path)])
    assert forged.exit_code == 1 and "comparison" in forged.stderr and "statement" in forged.stderr, forged.stderr


def test_several_npa_levels_are_each_checked(tmp_path):
    """`quantum --level 1,2` stores every level's certificate: the genuine document verifies,
    and an edited level bound, best level, looser-level note or level certificate is rejected."""
    path = tmp_path / "levels.json"
    _run(["quantum", "chsh", "--level", "1,2", "--json", str(path)])
    genuine = json.loads(path.read_text())
    assert CliRunner().invoke(main, ["verify", str(path)]).exit_code == 0
    other = "1" if genuine["best_level"] == "2" else "2"
    edits = {
        "levels[0].bound": lambda d: d["levels"][0].update(bound=d["levels"][1]["bound"]),
        "best_level": lambda d: d.update(best_level=other),
        "levels[1].certificate": lambda d: d["levels"][1]["certificate"].update(shift="0"),
        "looser_levels": lambda d: d.update(looser_levels=["level 2 is looser"]),
    }
    for key, edit in edits.items():
        forged = copy.deepcopy(genuine)
        edit(forged)
        path.write_text(json.dumps(forged))
        result = CliRunner().invoke(main, ["verify", str(path)])
        assert result.exit_code == 1 and key in result.stderr, (key, result.stderr)
