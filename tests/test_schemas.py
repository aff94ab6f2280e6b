"""The published JSON Schemas (certify/report/schemas, draft 2020-12) hold for every
bundled problem and for the --json output of every command, and reject what they
must (the contract keys of the README's "JSON" section)."""

import json
import tomllib
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from certify.cli import main
from certify.games.game import bundled_problems
from certify.proofs.result import CHECKS
from certify.report.schema import DOCS_END, DOCS_START, certificate_docs, generated_text, schema, schema_text

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def validators():
    kinds = ("problem", "result")
    for kind in kinds:
        jsonschema.Draft202012Validator.check_schema(schema(kind))
    return {kind: jsonschema.Draft202012Validator(schema(kind)) for kind in kinds}


@pytest.mark.parametrize("name", bundled_problems())
def test_bundled_problems_follow_the_problem_schema(validators, name):
    folder = resources.files("certify.problems")
    data = tomllib.loads((folder / f"{name}.toml").read_text(encoding="utf-8"))
    validators["problem"].validate(data)


def test_problem_schema_rejects_unknown_keys_and_two_notations(validators):
    chsh = tomllib.loads((resources.files("certify.problems") / "chsh.toml").read_text(encoding="utf-8"))
    assert validators["problem"].is_valid(chsh)
    assert not validators["problem"].is_valid({**chsh, "inputz": [2, 2]})
    two = {**chsh, "objective": {**chsh["objective"], "coefficients": [[[[1]]]]}}
    assert not validators["problem"].is_valid(two)


COMMANDS = [
    ["classical", "chsh"],
    ["nosignal", "chsh"],
    ["quantum", "chsh", "--level", "1"],
    ["seesaw", "chsh", "--restarts", "2"],
    ["gap", "chsh", "--level", "1", "--restarts", "2"],
    ["pareto", "--points", "2", "--level", "none", "--jobs", "1"],
    ["pareto", "--points", "2", "--level", "none", "--jobs", "1", "--visibility", "0.9", "--supply", "1/2"],
    ["simulate", "--split", "1/2", "--pairs", "2000"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_every_command_writes_the_result_schema(validators, command):
    result = CliRunner().invoke(main, command + ["--json", "-"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    validators["result"].validate(document)
    assert document["command"] == command[0]


def test_result_schema_rejects_a_missing_contract_key(validators):
    result = CliRunner().invoke(main, ["classical", "chsh", "--json", "-"])
    document = json.loads(result.stdout)
    for key in ("value", "exact", "certified", "certificate", "solver", "seconds"):
        broken = {k: v for k, v in document.items() if k != key}
        assert not validators["result"].is_valid(broken), key


def test_schema_command_prints_each_schema():
    for kind in ("problem", "result"):
        result = CliRunner().invoke(main, ["schema", kind])
        assert result.exit_code == 0 and json.loads(result.stdout) == schema(kind)


def test_committed_result_schema_is_the_generated_one():
    """certify/report/schemas/result-v1.schema.json is generated from the checker's description
    of the format (certify.proofs.layouts): rerun ``python -m certify.report.schema`` after
    changing it."""
    assert schema_text("result") == generated_text("result")


def test_docs_key_table_is_the_generated_one():
    """The key table of docs/certificates.md between its markers is generated from the same
    description (certify.proofs.layouts.key_table)."""
    text = (ROOT / "docs" / "certificates.md").read_text(encoding="utf-8")
    assert DOCS_START in text and DOCS_END in text
    assert certificate_docs(text) == text
    for kind in CHECKS:  # every kind verify knows has its rows
        assert f"| `{kind}` | `kind` | yes |" in text, kind


def test_one_schema_definition_per_certificate_kind(validators):
    """The schema's certificate is exactly one of the kinds verify dispatches on (its CHECKS),
    each an object with only its own keys: a kind verify does not know, a certificate of one
    kind with another kind's name, or an unknown key at any depth is invalid."""
    definitions = schema("result")["$defs"]
    named = [entry["$ref"].rsplit("/", 1)[1] for entry in definitions["certificate"]["oneOf"]]
    assert named == [f"certificate-{kind}" for kind in CHECKS]
    for kind in CHECKS:
        assert definitions[f"certificate-{kind}"]["properties"]["kind"] == {"const": kind, "description": "the certificate kind"}
    document = json.loads(CliRunner().invoke(main, ["classical", "chsh", "--json", "-"]).stdout)
    assert validators["result"].is_valid(document)
    for change in (lambda c: c.update(kind="npa"), lambda c: c.update(kind="frontier"),
                   lambda c: c["mixture"][0].update(pair=True), lambda c: c["dual"].update(extra="1"),
                   lambda c: c.pop("dual")):
        broken = json.loads(json.dumps(document))
        change(broken["certificate"])
        assert not validators["result"].is_valid(broken)


def test_several_load_document_follows_the_result_schema(validators):
    """A several-load pareto document has its game inside each load: the schema describes it
    (each load a frontier) instead of asking for a top-level game."""
    result = CliRunner().invoke(main, ["pareto", "--points", "2", "--level", "none", "--jobs", "1",
                                       "--arrival-rate", "0.1,0.3", "--json", "-"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    validators["result"].validate(document)
    broken = json.loads(json.dumps(document))
    del broken["loads"][1]["points"]
    assert not validators["result"].is_valid(broken)
