"""The one description of the certificate format (certify.proofs.layouts) is what verify
checks: every kind verify dispatches on is described, every key genuine documents carry is
declared there, and a required key removed or an undeclared key added at any depth is
rejected by verify with its path."""

import json

import pytest
from click.testing import CliRunner

from certify.cli import main
from certify.proofs.layouts import CERTIFICATES, ListOf, Obj, certificate_keys, key_rows
from certify.proofs.result import CHECKS
from certify.proofs.verify import verify_document

SMALL = ["--points", "2", "--level", "1", "--jobs", "1"]
COMMANDS = {
    "classical": ["classical", "chsh"],
    "nosignal": ["nosignal", "chsh"],
    "quantum": ["quantum", "chsh", "--level", "1"],
    "seesaw": ["seesaw", "chsh", "--restarts", "1"],
    "werner": ["pareto", *SMALL, "--visibility", "0.9", "--supply", "1/2"],
}


@pytest.fixture(scope="module")
def documents():
    made = {}
    for name, command in COMMANDS.items():
        result = CliRunner().invoke(main, command + ["--json", "-"])
        assert result.exit_code == 0, result.output
        made[name] = json.loads(result.stdout)
    return made


def _certificates(value, found):
    """Every certificate in a document, at any depth, as (kind, certificate)."""
    if isinstance(value, dict):
        if value.get("kind") in CHECKS and "certificate" not in value:
            found.append((value["kind"], value))
            return found
        for item in value.values():
            _certificates(item, found)
    elif isinstance(value, list):
        for item in value:
            _certificates(item, found)
    return found


def _paths(value, prefix=""):
    """The dotted key paths of a certificate (lists written name[]), as layouts.key_rows writes them."""
    paths = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}{key}"
            paths.add(path)
            inner, suffix = item, ""
            while isinstance(inner, list) and inner:
                inner, suffix = inner[0], suffix + "[]"
            # constraint-name objects hold names, not keys; a nested whole certificate has its own rows
            if isinstance(inner, dict) and not path.endswith("multipliers") and key != "witness":
                paths |= _paths(inner, f"{path}{suffix}.")
    return paths


def test_every_checked_kind_is_described():
    assert list(CERTIFICATES) == list(CHECKS)
    for kind, shape in CERTIFICATES.items():
        required, optional = certificate_keys(kind)
        assert "kind" in required and not required & optional
        assert all(entry.meaning for _, entry in key_rows(shape))


def test_genuine_certificates_use_only_declared_keys(documents):
    """Every key path of every certificate the commands write (nine kinds but the noisy
    witness, here from six commands) is a row of the description, and each required
    top-level key is present."""
    seen = set()
    for name, document in documents.items():
        for kind, certificate in _certificates(document, []):
            seen.add(kind)
            declared = {path for path, _ in key_rows(CERTIFICATES[kind])}
            assert _paths(certificate) <= declared, (name, kind, _paths(certificate) - declared)
            required, _ = certificate_keys(kind)
            assert required <= set(certificate), (name, kind)
    assert seen >= set(CHECKS) - {"noisy-witness"}


def _inner(shape):
    while isinstance(shape, ListOf):
        shape = shape.item
    return shape


@pytest.mark.parametrize("name", ["classical", "quantum", "seesaw"])
def test_verify_rejects_what_the_description_forbids(documents, name):
    """Removing each required key, or adding an undeclared key to the certificate or to the
    first nested object the description declares, makes verify fail naming that key."""
    document = documents[name]
    kind = document["certificate"]["kind"]
    assert all(item.ok for item in verify_document(document))
    required, _ = certificate_keys(kind)
    for key in sorted(required - {"kind"}):
        broken = json.loads(json.dumps(document))
        del broken["certificate"][key]
        problems = [line for item in verify_document(broken) for line in item.problems]
        assert f"certificate.{key}: missing" in problems, (key, problems)
    broken = json.loads(json.dumps(document))
    broken["certificate"]["extra"] = "1"
    problems = [line for item in verify_document(broken) for line in item.problems]
    assert any(line.startswith("certificate.extra: unknown key") for line in problems), problems
    nested = next(key for key, entry in CERTIFICATES[kind].keys.items() if isinstance(_inner(entry.shape), Obj))
    broken = json.loads(json.dumps(document))
    target = broken["certificate"][nested]
    while isinstance(target, list):
        target = target[0]
    target["extra"] = "1"
    problems = [line for item in verify_document(broken) for line in item.problems]
    assert any("extra: unknown key" in line and nested in line for line in problems), problems
