"""The chain of bounds on random games, and invariance under relabelling.

For every game (Navascues, Pironio, Acin, New J. Phys. 10, 073013 (2008),
arXiv:0803.4290, for the NPA levels; README, certify quantum section):

    classical <= see-saw <= NPA level 2 <= NPA level 1+AB <= no-signalling,
    NPA level 2 <= NPA level 1,

each number certified. Level 1 is not below the no-signalling value in
general: its moment matrix alone does not make every p(a,b|x,y) >= 0 (for
I3322, 0.375 against 0.3660254 with positivity imposed, README, certify quantum section),
while level 1+AB does (p(a,b|x,y) is the squared norm of a combination of its
vectors). The values are invariant when questions and answers are
relabelled and when the players swap roles.
"""

import numpy as np
import pytest

from certify.bounds.classical import classical_value, nosignalling_value
from certify.bounds.npa import npa_bound
from certify.bounds.seesaw import seesaw_bound
from helpers import integer_game, relabel

SLACK = 1e-6  # a certified NPA bound sits up to ~1e-6 above the SDP optimum (solver accuracy + exact shift)


def random_game(seed, inputs, outputs):
    rng = np.random.default_rng(seed)
    payoff = rng.integers(-3, 4, size=(outputs[0], outputs[1], inputs[0], inputs[1]))
    return integer_game(payoff, scale=4, name=f"random-{seed}")


CASES = [(seed, (2, 2), (2, 2)) for seed in range(3)] + [(10, (3, 2), (2, 2)), (11, (2, 2), (3, 2))]


@pytest.mark.parametrize("seed, inputs, outputs", CASES)
def test_chain_of_certified_bounds(seed, inputs, outputs):
    game = random_game(seed, inputs, outputs)
    classical = classical_value(game)
    seesaw = seesaw_bound(game, dim=2, restarts=5, seed=seed)
    level_2 = npa_bound(game, level="2")
    level_1ab = npa_bound(game, level="1+AB")
    level_1 = npa_bound(game, level="1")
    nosignal = nosignalling_value(game)
    for result in (classical, seesaw, level_2, level_1ab, level_1, nosignal):
        assert result.certified, (result.command, result.problems)
    assert classical.value <= seesaw.value
    assert seesaw.value <= level_2.value + SLACK
    assert level_2.value <= level_1ab.value + SLACK
    assert level_1ab.value <= nosignal.value + SLACK
    assert level_2.value <= level_1.value + SLACK


@pytest.mark.parametrize("seed", [0, 1])
def test_bounds_invariant_under_relabelling_and_swap(seed):
    rng = np.random.default_rng(100 + seed)
    game = random_game(seed, (3, 2), (2, 2))
    payoff = np.vectorize(lambda v: int(v * 4), otypes=[int])(game.objective_exact)
    other = integer_game(relabel(payoff, rng, swap=True), scale=4)
    assert classical_value(game).exact == classical_value(other).exact
    assert nosignalling_value(game).exact == nosignalling_value(other).exact
    # Certified NPA bounds carry the solver's accuracy plus the exact shift e*n.
    assert npa_bound(game, level="2").value == pytest.approx(npa_bound(other, level="2").value, abs=1e-5)
