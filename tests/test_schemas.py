"""The published JSON Schemas (certify/report/schemas, draft 2020-12) hold for every
bundled problem and for the --json output of every command, and reject what they
must (the contract keys of the README's "JSON" section)."""

import json
import tomllib
from importlib import resources

import jsonschema
import pytest
from click.testing import CliRunner

from certify.cli import main
from certify.games.game import bundled_problems
from certify.report.schema import schema


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
