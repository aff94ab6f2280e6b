"""The same answer on every machine: nothing a command computes depends on how busy the
machine is, and nothing the checker remembers can go stale.

* BLAS threads. The thread count is part of the numerical path (a threaded BLAS sums in
  another order), and it used to follow the load average: two threads below half the
  cores, one above. Each command here runs in a fresh process with ``os.getloadavg``
  faked idle and busy (patched before certify is imported), without this suite's
  one-thread environment (tests/conftest.py), so that only certify's own limit decides;
  the two documents must be identical once timings are removed. ``quantum i3322 --level 3``
  is the command measured to change: with two threads its certified bound was
  0.2508755682333, with one 0.2508755695415 (a 2-core machine), so that case fails
  whenever the count follows the load on a machine with more than one core.
* Read-only games. A Game's tables cannot be written into, so the answers the checker
  remembers per table or per game (correlator_form, flip_odd, the canonical SHA-256)
  belong to one content; tables that can change are remembered by content.
"""

import copy
import json
import os
import pickle
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from certify.games.game import Constraint, Game, frozen_array, load_game
from certify.proofs.correlator import correlator_form, flip_odd

# Patch the load average before certify (and its solver registry) is imported, then run
# the command line as the `certify` script does.
RUNNER = (
    "import os, sys\n"
    "load = float(sys.argv[1])\n"
    "os.getloadavg = lambda: (load, load, load)\n"
    "from certify.cli import main\n"
    "main(sys.argv[2:], prog_name='certify')\n"
)

COMMANDS = [
    ["quantum", "chsh", "--level", "2", "--json", "-"],
    ["seesaw", "chsh", "--restarts", "3", "--json", "-"],
    ["pareto", "--points", "3", "--level", "1", "--jobs", "1", "--json", "-"],
    ["quantum", "i3322", "--level", "3", "--json", "-"],
]


def _without_timings(node):
    """The document with every timing (``seconds``, ``solve_seconds``, ``build_seconds``, ``timings``) removed:
    wall-clock times differ from run to run, everything else must not."""
    if isinstance(node, dict):
        return {key: _without_timings(value) for key, value in node.items() if not key.endswith("seconds") and key != "timings"}
    if isinstance(node, list):
        return [_without_timings(value) for value in node]
    return node


def _run(command, load):
    env = {key: value for key, value in os.environ.items()
           if key not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", RUNNER, str(load), *command], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return _without_timings(json.loads(done.stdout))


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
def test_documents_do_not_depend_on_the_load_average(command):
    idle = _run(command, 0.0)
    busy = _run(command, 99.0)
    assert idle["certified"] is True
    assert idle == busy


def _chsh():
    return load_game("chsh")


def test_game_tables_cannot_be_written_into():
    """Every table of a Game is read-only, whoever made it and however it travelled."""
    game = load_game("dual_work")
    tables = [game.objective_exact] + [constraint.exact for constraint in game.constraints]
    for table in tables:
        with pytest.raises(ValueError):
            table[0, 0, 0, 0] = Fraction(7)
        with pytest.raises(ValueError):
            table.flags.writeable = True
    with pytest.raises(ValueError):
        game.objective_exact.fill(Fraction(0))
    # the tables of a game sent to a worker process (pickled) or deep-copied stay read-only
    for travelled in (pickle.loads(pickle.dumps(game)), copy.deepcopy(game)):
        with pytest.raises(ValueError):
            travelled.objective_exact[0, 0, 0, 0] = Fraction(7)
        with pytest.raises(ValueError):
            travelled.constraint("split").exact[0, 1, 0, 0] = Fraction(7)


def test_a_game_keeps_its_own_copy_of_the_tables_it_is_given():
    """Changing the array a Game was made from changes neither the game nor its SHA-256."""
    chsh = _chsh()
    mine = np.array(chsh.objective_exact)  # a writeable copy
    split = np.array(chsh.objective_exact)
    game = Game(name="mine", inputs=(2, 2), outputs=(2, 2), sense="max", objective_exact=mine,
                constraints=(Constraint("c", split, "<=", Fraction(1)),))
    sha = game.sha256
    mine[0, 0, 0, 0] = Fraction(5)
    split[0, 0, 0, 0] = Fraction(5)
    assert game.objective_exact[0, 0, 0, 0] == Fraction(1, 4)
    assert game.constraint("c").exact[0, 0, 0, 0] == Fraction(1, 4)
    assert game.sha256 == sha == Game(name="mine", inputs=(2, 2), outputs=(2, 2), sense="max",
                                      objective_exact=np.array(chsh.objective_exact),
                                      constraints=(Constraint("c", np.array(chsh.objective_exact), "<=",
                                                              Fraction(1)),)).sha256


def test_a_remembered_answer_needs_the_same_content():
    """correlator_form and flip_odd remember their answers; for a table that can change in
    place, a changed table is a new question (CHSH: constant 1/2, correlator weights 1/8,
    -1/8 for x = y = 1; Clauser et al. 1969)."""
    table = np.array(_chsh().objective_exact)  # writeable
    constant, g = correlator_form(table)
    assert constant == Fraction(1, 2) and g[1, 1] == Fraction(-1, 8) and g[0, 0] == Fraction(1, 8)
    table[0, 0, 0, 0] += 1  # no longer flip-invariant
    assert correlator_form(table) is None
    table[1, 1, 0, 0] += 1  # flip-invariant again, with another constant
    constant, g = correlator_form(table)
    assert constant == Fraction(1) and g[0, 0] == Fraction(5, 8)
    # an equal table held by another object gives the same answer
    other = np.array(table)
    assert correlator_form(other)[0] == Fraction(1)
    odd = np.zeros((2, 2, 1, 1), dtype=object)
    odd[0, 0, 0, 0], odd[1, 1, 0, 0] = Fraction(1), Fraction(-1)
    assert flip_odd(odd) is True
    odd[1, 1, 0, 0] = Fraction(1)
    assert flip_odd(odd) is False
    # a frozen table is remembered as the object it is, since it cannot change
    frozen = frozen_array(table)
    assert correlator_form(frozen) is correlator_form(frozen)
    assert frozen_array(frozen) is frozen
