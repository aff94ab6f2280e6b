"""The command line: JSON contract, exit codes, one-line errors, nothing half-written."""

import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from certify.cli import main

CONTRACT_KEYS = {"tool", "command", "game", "fixed", "value", "exact", "certified", "certificate", "solver", "seconds"}


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_classical_chsh_json_contract():
    """CHSH classical value 3/4 (Clauser, Horne, Shimony, Holt 1969)."""
    result = run("classical", "chsh", "--json", "-")
    assert result.exit_code == 0
    data = json.loads(result.stdout)  # nothing but JSON on stdout
    assert CONTRACT_KEYS <= set(data)
    assert data["value"] == 0.75 and data["exact"] == "3/4" and data["certified"] is True
    assert data["tool"]["name"] == "certify" and data["command"] == "classical"
    assert data["game"]["sense"] == "max" and len(data["game"]["sha256"]) == 64


def test_nosignal_with_fix_reports_fixed_values(tmp_path):
    out = tmp_path / "ns.json"
    result = run("nosignal", "chsh_split", "--fix", "split=0.9", "--json", str(out))
    assert result.exit_code == 0
    assert "No-signalling value" in result.stdout
    data = json.loads(out.read_text())
    assert data["fixed"] == {"split": "9/10"} and data["exact"] == "7/20"


def test_every_command_has_help():
    for command in main.commands:
        result = run(command, "--help")
        assert result.exit_code == 0, command
        assert "Usage:" in result.stdout


BAD = [
    ("classical", "no_such_game", "'no_such_game' is neither a file nor a bundled problem"),
    ("classical", "chsh --fix split=0.5", "--fix: split: the game has no constraint of that name"),
    ("classical", "chsh_split --fix split=abc", "is not a number"),
    ("classical", "chsh_split --fix split=nan", "not a finite number"),
]


@pytest.mark.parametrize("command, rest, message", BAD)
def test_bad_options_exit_two_with_one_line(command, rest, message, tmp_path):
    out = tmp_path / "out.json"
    result = run(command, *rest.split(), "--json", str(out))
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "text, message",
    [
        ("name = 'x'\ninputs = [2, 2\n", "invalid TOML"),
        ("inputs = [2, 2]\noutputs = [2, 2]\n[objective]\ndistribution = 'uniform'\npayoff = 'a +'\n",
         "objective.payoff: cannot parse"),
        ("inputs = [2, 2]\noutputs = [2, 2]\n[objective]\ndistribution = [[0.5, 0.5], [0.5, 0.5]]\npayoff = '1'\n",
         "objective.distribution: sums to 2"),
    ],
)
def test_malformed_files_exit_two_naming_the_file(text, message, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    out = tmp_path / "out.json"
    result = run("classical", str(path), "--json", str(out))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"certify: error: {path}")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert not out.exists()


def test_installed_script_runs_with_clean_stderr():
    executable = shutil.which("certify")
    command = [executable] if executable else [sys.executable, "-m", "certify.cli"]
    completed = subprocess.run(command + ["classical", "chsh", "--json", "-"], capture_output=True, text=True)
    assert completed.returncode == 0
    assert completed.stderr == ""
    assert json.loads(completed.stdout)["exact"] == "3/4"
    version = subprocess.run(command + ["--version"], capture_output=True, text=True)
    assert version.returncode == 0 and "certify" in version.stdout


def _write_json_problem(tmp_path, mapping, name):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(mapping))
    return path


DUAL_WORK_NONCONVEX = """name = "dw"
[model]
kind = "dual-work"
sizes = "exponential"
mean_size = 1.0
thresholds = [1.0]
arrival_rate = 0.1
throughput = "sqrt(t)"
"""


def test_every_kind_of_bad_input_is_one_line_exit_two_nothing_written(tmp_path):
    """README, Games section: each bad input names file and key, exit 2, no traceback, no output."""
    from test_game import BAD_FILES

    cases = [(["classical", str(_write_json_problem(tmp_path, mapping, label.replace(" ", "_")))], message)
             for label, mapping, message in BAD_FILES]
    model = tmp_path / "dw.toml"
    model.write_text(DUAL_WORK_NONCONVEX)
    cases += [
        (["classical", str(model)], "not convex"),
        (["quantum", "chsh", "--solver", "nonsense"], "--solver: unknown solver 'nonsense'"),
        (["quantum", "chsh", "--level", "1+ABC"], "--level"),
        (["seesaw", "chsh_split", "--fix", "split=-1/0"], "--fix"),
    ]
    out = tmp_path / "out.json"
    for arguments, message in cases:
        result = CliRunner().invoke(main, arguments + ["--json", str(out)])
        assert result.exit_code == 2, (arguments, result.output)
        assert message in result.stderr, (arguments, result.stderr)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert result.stdout == ""
        assert not out.exists()
