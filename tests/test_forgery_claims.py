"""Free text and keys of result documents: nothing states a claim that verify does not rebuild.

Each document below is genuine (from the real commands); each forgery changes one text
field or one key, and `certify verify` must reject it with exit status 1 and one line
naming the key. The texts: `method` of every certificate kind (rebuilt from
proofs.result.METHOD_TEMPLATES with the checked level, size, dimension, rank, visibility
or strategy count, and compared byte for byte), a correlation or Werner strategy's
`realisation`, a simulation's `note` and the model inputs its `details` restate, a
see-saw's `dimensions_tried`, a gap's `statement`, the looser-level notes of several NPA
levels. Keys are compared byte for byte: a lookalike spelling (Cyrillic or fullwidth
letters, which Unicode normalisation would fold) is an unknown key, and a claim key left
out is one line naming it, never a traceback.
"""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner

from certify.cli import main

COMMANDS = {
    "classical": ["classical", "chsh"],
    "classical_split": ["classical", "chsh_split"],
    "nosignal": ["nosignal", "chsh"],
    "quantum": ["quantum", "chsh", "--level", "1"],
    "quantum_levels": ["quantum", "chsh", "--level", "1,1+AB"],
    "seesaw": ["seesaw", "chsh", "--restarts", "2"],
    "seesaw_split": ["seesaw", "chsh_split", "--restarts", "1"],
    "seesaw_dims": ["seesaw", "cglmp3", "--restarts", "1"],
    "seesaw_noise": ["seesaw", "chsh", "--restarts", "1", "--visibility", "0.9", "--dim", "2"],
    "gap": ["gap", "chsh", "--level", "1", "--restarts", "2"],
    "simulate": ["simulate", "--split", "1/2", "--pairs", "2000", "--strategy", "quantum"],
    "pareto": ["pareto", "--points", "3", "--level", "none", "--jobs", "1", "--visibility", "0.9"],
}

CLAIM = "the exact quantum value (proved optimal)"


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    folder = tmp_path_factory.mktemp("claims")
    docs = {}
    for name, args in COMMANDS.items():
        path = folder / f"{name}.json"
        result = CliRunner().invoke(main, args + ["--json", str(path)])
        assert result.exit_code == 0, (args, result.output)
        docs[name] = json.loads(path.read_text())
    return docs


def verify_text(tmp_path, document):
    """(exit status, stderr lines other than notes) of certify verify on a document."""
    path = tmp_path / "forged.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document, ensure_ascii=False),
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["verify", str(path)])
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if not line.startswith("certify: note:")]
    return result.exit_code, lines


def _at(doc, path):
    for key in path:
        doc = doc[key]
    return doc


def _point(key):
    return ["certificate", "points", 1, key]


def _edited(doc, path, value):
    doc = copy.deepcopy(doc)
    parent = _at(doc, path[:-1])
    parent[path[-1]] = value(parent[path[-1]]) if callable(value) else value
    return doc


def test_genuine_documents_verify(documents, tmp_path):
    """The baseline: every document above verifies as written (so each rejection below is the edit's)."""
    for name, doc in documents.items():
        code, lines = verify_text(tmp_path, doc)
        assert code == 0, (name, lines)


# (document, path of the text, edit, key the one line must name)
TEXT_FORGERIES = [
    # the reported edit, on every certificate kind's method
    ("quantum", ["method"], CLAIM, "method"),
    ("classical", ["method"], CLAIM, "method"),
    ("classical_split", ["method"], CLAIM, "method"),
    ("nosignal", ["method"], CLAIM, "method"),
    ("seesaw", ["method"], CLAIM, "method"),
    ("seesaw_split", ["method"], CLAIM, "method"),
    ("quantum_levels", ["method"], CLAIM, "method"),
    ("gap", ["quantum_upper", "method"], CLAIM, "quantum_upper.method"),
    ("gap", ["quantum_lower", "method"], CLAIM, "quantum_lower.method"),
    ("gap", ["classical", "method"], CLAIM, "classical.method"),
    ("seesaw_noise", ["white_noise", "method"], CLAIM, "white_noise.method"),
    ("simulate", ["certificate", "strategy_result", "method"], CLAIM, "certificate.strategy_result.method"),
    ("pareto", _point("quantum_upper") + ["method"], CLAIM, "certificate.points[1].quantum_upper.method"),
    ("pareto", _point("quantum_lower") + ["method"], CLAIM, "certificate.points[1].quantum_lower.method"),
    ("pareto", _point("werner_lower v=9/10") + ["method"], CLAIM, "method"),
    ("pareto", _point("werner_upper v=9/10") + ["method"], CLAIM, "method"),
    # the method's own words, each changed in a way that a pattern for its numbers alone let through
    ("quantum", ["method"], lambda t: t + " (optimal)", "method"),
    ("quantum", ["method"], lambda t: t.replace("rigorous dual bound", "exact value"), "method"),
    ("classical", ["method"], "LP over all 16 deterministic strategies", "method"),  # no LP without constraints
    ("classical_split", ["method"], lambda t: t.replace("16", "17"), "method"),
    ("classical_split", ["method"], "enumeration", "method"),
    ("seesaw", ["method"], lambda t: t.replace("2 restarts", "2 restart"), "method"),
    ("seesaw", ["method"], lambda t: t.replace("dimension 2", "dimension 3"), "method"),
    ("seesaw", ["method"], lambda t: t + "; proved optimal", "method"),
    ("seesaw_split", ["method"], lambda t: t.replace("(", "(1", 1), "method"),  # rounds other than "rounds"
    ("seesaw_dims", ["method"], lambda t: t.replace("2 to 3", "2 to 4"), "method"),
    ("quantum_levels", ["method"], lambda t: t.replace("best of NPA levels 1, 1+AB: ", ""), "method"),
    ("seesaw_noise", ["white_noise", "method"], lambda t: t.replace("9/10", "1"), "white_noise.method"),
    ("seesaw", ["method"], lambda t: t.replace("seed 0", "seed 7"), "method"),  # options.seed is 0
    ("seesaw", ["options", "restarts"], 5, "method"),
    ("seesaw_noise", ["options", "dim"], 3, "options"),
    # the other texts
    ("simulate", ["certificate", "strategy_result", "certificate", "realisation"],
     lambda t: t.replace("maximally entangled", "product"), "certificate.strategy_result.certificate.realisation"),
    ("pareto", _point("werner_upper v=9/10") + ["certificate", "realisation"], lambda t: t + " exactly",
     "certificate.realisation"),
    ("simulate", ["certificate", "note"], "waiting and throughput are certified bounds", "certificate.note"),
    ("simulate", ["details", "arrival_rate"], 0.5, "details.arrival_rate"),
    ("gap", ["statement"], lambda t: t.replace("at least", "exactly"), "statement"),
    ("quantum_levels", ["levels", 1, "level"], "2", "levels[1].level"),
    ("quantum_levels", ["levels", 0, "certificate", "kind"], "npa (proved optimal)", "levels[0].certificate"),
    ("classical", ["tool", "name"], "certify (proved optimal)", "tool"),
    ("gap", ["quantum_upper", "tool", "version"], "0.1.0 proved optimal", "quantum_upper.tool"),
    ("simulate", ["options", "strategy"], "classical", "options"),
    # dimensions_tried: the witness's dimension must carry the document's value; no other may beat it
    ("seesaw_dims", ["dimensions_tried", "3"], lambda v: v - 0.01, "dimensions_tried"),
    ("seesaw_dims", ["dimensions_tried", "2"], 3.0, "dimensions_tried"),
    ("seesaw_dims", ["dimensions_tried", "2"], "2.9", "dimensions_tried"),
]


@pytest.mark.parametrize("name, path, edit, key", TEXT_FORGERIES,
                         ids=[f"{f[0]}:{'.'.join(map(str, f[1]))}:{i}" for i, f in enumerate(TEXT_FORGERIES)])
def test_edited_text_is_rejected_naming_the_key(documents, tmp_path, name, path, edit, key):
    forged = _edited(documents[name], path, edit)
    assert forged != documents[name]
    code, lines = verify_text(tmp_path, forged)
    assert code == 1, lines
    assert len(lines) == 1 and key in lines[0], lines


def test_value_meaning_is_no_key_of_a_single_result(documents, tmp_path):
    """A text contradicting the value ("value_meaning") has no place in a single result or a gap."""
    for name in ("classical", "gap"):
        forged = copy.deepcopy(documents[name])
        forged["value_meaning"] = "the quantum value, proved optimal"
        code, lines = verify_text(tmp_path, forged)
        assert code == 1 and len(lines) == 1 and "value_meaning: unknown key" in lines[0], lines


# ---------------------------------------------------------------------------
# Keys: byte for byte, no normalisation; a missing claim is one line


LOOKALIKES = {
    "cyrillic a": "v\u0430lue",  # U+0430 CYRILLIC SMALL LETTER A
    "fullwidth v": "\uff56alue",  # NFKC folds it to "value"
    "combining accent": "value\u0301",
    "greek omicron in command": "c\u03bfmmand",
}


@pytest.mark.parametrize("label", LOOKALIKES)
def test_a_lookalike_key_beside_the_true_one_is_unknown(documents, tmp_path, label):
    forged = copy.deepcopy(documents["classical"])
    forged[LOOKALIKES[label]] = 0.8
    code, lines = verify_text(tmp_path, forged)
    assert code == 1 and len(lines) == 1, lines
    assert f"{LOOKALIKES[label]}: unknown key" in lines[0] and "byte for byte" in lines[0], lines


@pytest.mark.parametrize("name, block, key", [("quantum", "options", "l\u0435vel"), ("gap", "options", "\uff4cevel"),
                                             ("simulate", "details", "arrival_r\u0430te")])
def test_a_lookalike_option_name_is_refused(documents, tmp_path, name, block, key):
    """options (and a simulation's details) are descriptive blocks that the checks partly read
    (options.level must be the NPA level): a lookalike "l\u0435vel" stating level 3 would be
    read by no check, so their names must be plain ASCII option names."""
    forged = copy.deepcopy(documents[name])
    forged[block][key] = "3"
    code, lines = verify_text(tmp_path, forged)
    assert code == 1 and len(lines) == 1 and f"{block}.{key}: not an option name" in lines[0], lines


@pytest.mark.parametrize("label", ["cyrillic a", "fullwidth v"])
def test_a_key_renamed_to_a_lookalike_is_missing_and_named(documents, tmp_path, label):
    doc = documents["classical"]
    forged = {(LOOKALIKES[label] if key == "value" else key): value for key, value in doc.items()}
    code, lines = verify_text(tmp_path, forged)
    assert code == 1 and len(lines) == 1, lines
    assert lines[0].split("failed: ")[1].startswith("value: missing") and repr(LOOKALIKES[label]) in lines[0], lines


MISSING = [
    ("classical", ["value"]), ("classical", ["exact"]), ("classical", ["certified"]), ("classical", ["command"]),
    ("nosignal", ["value"]), ("seesaw", ["achieved"]), ("seesaw", ["value_exact_decimal"]), ("gap", ["statement"]), ("gap", ["gap_exact"]),
    ("gap", ["classical", "value"]), ("gap", ["quantum_upper"]), ("simulate", ["strategy"]),
]


@pytest.mark.parametrize("name, path", MISSING, ids=[f"{n}:{'.'.join(p)}" for n, p in MISSING])
def test_a_missing_claim_key_is_one_line_naming_it(documents, tmp_path, name, path):
    forged = copy.deepcopy(documents[name])
    del _at(forged, path[:-1])[path[-1]]
    code, lines = verify_text(tmp_path, forged)
    assert code == 1 and len(lines) == 1, lines
    assert f"{'.'.join(path)}: missing" in lines[0], lines
