"""Games built for tests: integer payoffs as exact games, and relabelling."""

from fractions import Fraction

import numpy as np

from certify.games.game import Game


def integer_game(payoff, sense="max", constraints=(), scale=1, name="random"):
    """c[a,b,x,y] = payoff / scale, exactly."""
    exact = np.vectorize(lambda v: Fraction(int(v), scale), otypes=[object])(np.asarray(payoff))
    oA, oB, iA, iB = exact.shape
    return Game(name=name, inputs=(iA, iB), outputs=(oA, oB), sense=sense,
                objective_exact=exact, constraints=tuple(constraints))


def relabel(payoff, rng, swap=None):
    """Permute questions of both players and, per question, the answers; swap players
    (transpose to c[b,a,y,x]) when ``swap`` is true, or at random when it is None."""
    oA, oB, iA, iB = payoff.shape
    out = payoff[:, :, rng.permutation(iA)][:, :, :, rng.permutation(iB)].copy()
    for x in range(iA):
        block = out[:, :, x, :]
        out[:, :, x, :] = block[rng.permutation(oA)]
    for y in range(iB):
        block = out[:, :, :, y]
        out[:, :, :, y] = block[:, rng.permutation(oB)]
    if swap if swap is not None else rng.integers(2):
        out = np.transpose(out, (1, 0, 3, 2))
    return out
