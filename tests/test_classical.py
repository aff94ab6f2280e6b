"""Exact classical and no-signalling values.

Reference values: CHSH classical 3/4 (Clauser, Horne, Shimony, Holt, PRL 23,
880 (1969)) and no-signalling 1 (Popescu and Rohrlich, Found. Phys. 24, 379
(1994)); I3322 local bound 0 and no-signalling 1 in Collins-Gisin form
(Collins and Gisin, J. Phys. A 37, 1775 (2004), arXiv:quant-ph/0306129).
"""

from fractions import Fraction
from itertools import product

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from certify.proofs.classical import check_classical, check_nosignalling
from certify.bounds.classical import classical_value, nosignalling_value
from certify.proofs.deterministic import all_strategies
from certify.games.game import Constraint, load_game
from helpers import integer_game, relabel


def game_from_integers(payoff, sense="max", constraints=()):
    return integer_game(payoff, sense, constraints)


def test_chsh_classical_three_quarters_and_nosignalling_one():
    game = load_game("chsh")
    classical = classical_value(game)
    assert classical.exact == Fraction(3, 4) and classical.certified
    nosignal = nosignalling_value(game)
    assert nosignal.exact == Fraction(1) and nosignal.certified


def test_i3322_local_bound_zero_and_nosignalling_one():
    game = load_game("i3322")
    assert classical_value(game).exact == 0
    assert nosignalling_value(game).exact == 1


def test_bundled_files_state_the_values_we_compute():
    for name in ("chsh", "chsh_split", "i3322", "cglmp3", "cglmp4"):
        game = load_game(name)
        assert classical_value(game).exact == Fraction(game.expected["classical"])
        assert nosignalling_value(game).exact == Fraction(game.expected["nosignalling"])
        assert game.expected["source"]


def test_constrained_chsh_at_several_splits_matches_hand_derivation():
    """CHSH with P(a != b) = s: 3/4 for s <= 1/2, then the mixture line to 1/4 at s = 1.

    Derivation: the deterministic strategies winning 3/4 split at most half the
    time; above that the optimum mixes (a=0, b=y) (split 1/2, wins 3/4) with
    (a=0, b=1) (split 1, wins 1/4), giving 3/4 - (s - 1/2).
    """
    base = load_game("chsh_split")
    for split in ("0", "1/4", "1/2", "3/4", "9/10", "1"):
        value = classical_value(base.with_fixed({"split": Fraction(split)})).exact
        s = Fraction(split)
        assert value == (Fraction(3, 4) if s <= Fraction(1, 2) else Fraction(3, 4) - (s - Fraction(1, 2)))


def brute_force_mixture_value(game):
    """An independent LP over mixtures of all deterministic strategies (floats, scipy)."""
    strategies = all_strategies(game.inputs, game.outputs)
    behaviours = [s.behaviour(game.outputs) for s in strategies]
    sign = 1 if game.sense == "max" else -1
    costs = [-sign * float(np.sum(game.objective * p)) for p in behaviours]
    a_eq = [[1.0] * len(strategies)]
    b_eq = [1.0]
    a_ub, b_ub = [], []
    for constraint in game.constraints:
        row = [float(np.sum(constraint.coefficients * p)) for p in behaviours]
        if constraint.relation == "==":
            a_eq.append(row)
            b_eq.append(float(constraint.value))
        else:
            flip = 1 if constraint.relation == "<=" else -1
            a_ub.append([flip * v for v in row])
            b_ub.append(flip * float(constraint.value))
    result = linprog(costs, A_ub=a_ub or None, b_ub=b_ub or None, A_eq=a_eq, b_eq=b_eq, method="highs")
    assert result.status == 0
    return -sign * result.fun


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    inputs=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    outputs=st.tuples(st.integers(2, 3), st.integers(2, 2)),
    sense=st.sampled_from(["max", "min"]),
    relation=st.sampled_from(["==", "<=", ">="]),
)
def test_constrained_lp_equals_brute_force_over_mixtures(seed, inputs, outputs, sense, relation):
    rng = np.random.default_rng(seed)
    shape = (outputs[0], outputs[1], inputs[0], inputs[1])
    objective = rng.integers(-3, 4, size=shape)
    weights = rng.integers(0, 3, size=shape)
    # A level some mixture reaches: the constraint of one random deterministic strategy.
    strategy = all_strategies(inputs, outputs)[rng.integers(len(all_strategies(inputs, outputs)))]
    level = sum(Fraction(int(v)) for v in (weights * strategy.behaviour(outputs)).flat)
    constraint = Constraint(
        name="k", exact=np.vectorize(lambda v: Fraction(int(v)), otypes=[object])(weights),
        relation=relation, value=level,
    )
    game = game_from_integers(objective, sense, [constraint])
    result = classical_value(game)
    assert result.certified
    assert result.exact is not None
    assert float(result.exact) == pytest.approx(brute_force_mixture_value(game), abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    inputs=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    outputs=st.tuples(st.integers(2, 3), st.integers(2, 3)),
)
def test_classical_value_invariant_under_relabelling_and_swap(seed, inputs, outputs):
    rng = np.random.default_rng(seed)
    payoff = rng.integers(-5, 6, size=(outputs[0], outputs[1], inputs[0], inputs[1]))
    original = classical_value(game_from_integers(payoff)).exact
    relabelled = classical_value(game_from_integers(relabel(payoff, rng))).exact
    assert original == relabelled


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), inputs=st.tuples(st.integers(1, 3), st.integers(1, 3)))
def test_classical_at_most_nosignalling_on_random_games(seed, inputs):
    rng = np.random.default_rng(seed)
    payoff = rng.integers(-4, 5, size=(2, 2, inputs[0], inputs[1]))
    game = game_from_integers(payoff)
    classical, nosignal = classical_value(game), nosignalling_value(game)
    assert classical.certified and nosignal.certified
    assert classical.exact <= nosignal.exact


def test_enumeration_matches_listing_every_strategy():
    rng = np.random.default_rng(7)
    payoff = rng.integers(-9, 10, size=(3, 2, 3, 4))
    game = game_from_integers(payoff)
    listed = max(
        sum(payoff[s.alpha[x], s.beta[y], x, y] for x, y in product(range(3), range(4)))
        for s in all_strategies(game.inputs, game.outputs)
    )
    assert classical_value(game).exact == listed


def test_large_game_uses_column_generation_and_stays_exact():
    """12 inputs per player: 2^24 strategies, so the LP generates columns."""
    rng = np.random.default_rng(3)
    payoff = rng.integers(0, 2, size=(2, 2, 12, 12))
    split = np.zeros((2, 2, 12, 12), dtype=int)
    split[0, 1] = split[1, 0] = 1
    constraint = Constraint(
        name="split", exact=np.vectorize(lambda v: Fraction(int(v), 144), otypes=[object])(split),
        relation="==", value=Fraction(1, 3),
    )
    game = game_from_integers(payoff, constraints=[constraint])
    result = classical_value(game)
    assert "column generation" in result.method
    assert result.certified and result.exact is not None


@pytest.mark.parametrize("tamper", ["weight", "constant", "multiplier", "strategy", "value"])
def test_tampered_classical_certificate_is_rejected(tamper):
    game = load_game("chsh_split", {"split": Fraction(9, 10)})
    certificate = classical_value(game).certificate
    assert check_classical(game, certificate).ok
    if tamper == "weight":
        certificate["mixture"][0]["weight"] = str(Fraction(certificate["mixture"][0]["weight"]) + Fraction(1, 100))
    elif tamper == "constant":
        certificate["dual"]["constant"] = str(Fraction(certificate["dual"]["constant"]) - Fraction(1, 100))
    elif tamper == "multiplier":
        certificate["dual"]["multipliers"]["split"] = str(Fraction(certificate["dual"]["multipliers"]["split"]) + Fraction(1, 7))
    elif tamper == "strategy":
        entry = certificate["mixture"][0]
        entry["B"] = [1 - b for b in entry["B"]]
    else:
        certificate["value"] = "9/20"
    assert not check_classical(game, certificate).ok


def test_tampered_nosignalling_certificate_is_rejected():
    game = load_game("chsh")
    certificate = nosignalling_value(game).certificate
    assert check_nosignalling(game, certificate).ok
    certificate["behaviour"][0][0][0][0] = "1/3"
    assert not check_nosignalling(game, certificate).ok
