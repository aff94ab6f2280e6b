"""--help lists every solver of the one registry (certify.bounds.solvers.SOLVERS).

The --solver help texts are generated from the registry, so a solver added
there (ssnal was missing from quantum --help and gap --help) is listed by
every command that takes it; see-saw steps and correlator bounds take only
the solvers with a cvxpy name (ssnal solves NPA relaxations alone).
"""

import re

import pytest
from click.testing import CliRunner

from certify.bounds.solvers import SOLVERS
from certify.cli import main

GENERAL = [name for name, (cvxpy_name, _, _) in SOLVERS.items() if cvxpy_name is not None]


def solver_help(command):
    """The words of the --solver option's help text in ``certify COMMAND --help``."""
    result = CliRunner(env={"COLUMNS": "80"}).invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    match = re.search(r"--solver NAME\s+(.*?)(?:\n\s+-|\Z)", result.output, flags=re.DOTALL)
    assert match, result.output
    return set(re.findall(r"[a-z]+", match.group(1)))


@pytest.mark.parametrize("command", ["quantum", "gap"])
def test_npa_commands_list_every_solver(command):
    assert "ssnal" in SOLVERS
    assert set(SOLVERS) <= solver_help(command)


@pytest.mark.parametrize("command", ["seesaw", "pareto"])
def test_other_sdps_list_every_solver_they_take(command):
    words = solver_help(command)
    assert set(GENERAL) <= words
    assert "ssnal" not in words
