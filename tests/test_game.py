"""Problem files, the three objective notations, the safe expression language."""

import json
from fractions import Fraction

import numpy as np
import pytest

from certify.bounds.classical import classical_value
from certify.errors import BadInput
from certify.games.expressions import ExpressionError, game_expression, throughput_expression
from certify.games.game import collins_gisin_to_dense, dense_to_collins_gisin, game_from_mapping, load_game

CHSH = {
    "name": "CHSH",
    "inputs": [2, 2],
    "outputs": [2, 2],
    "objective": {"distribution": "uniform", "payoff": "(a ^ b) == (x & y)"},
}


def test_three_notations_of_chsh_give_one_game():
    """Payoff, dense coefficients and Collins-Gisin tables of CHSH agree (same sha256)."""
    payoff = game_from_mapping(CHSH, "payoff")
    dense = game_from_mapping(
        {**CHSH, "objective": {"coefficients": payoff.canonical()["objective"]["coefficients"]}}, "dense"
    )
    table = [[str(v) for v in row] for row in dense_to_collins_gisin(payoff.objective_exact)]
    collins_gisin = game_from_mapping({**CHSH, "objective": {"collins_gisin": table}}, "cg")
    assert payoff.sha256 == dense.sha256
    # The Collins-Gisin form spreads marginals differently but is the same functional
    # on every no-signalling behaviour, so its values agree.
    assert classical_value(collins_gisin).exact == classical_value(payoff).exact == Fraction(3, 4)


def test_collins_gisin_round_trip_is_exact():
    rng = np.random.default_rng(1)
    table = np.vectorize(lambda v: Fraction(int(v), 3), otypes=[object])(rng.integers(-5, 6, size=(5, 10)))
    dense = collins_gisin_to_dense(table, (2, 3), (3, 4))
    assert (dense_to_collins_gisin(dense) == table).all()


def test_canonical_form_loads_back_to_the_same_game():
    game = load_game("chsh_split")
    again = game_from_mapping(json.loads(json.dumps(game.canonical())), "canonical")
    assert again.sha256 == game.sha256
    assert again.constraint("split").value == Fraction(1, 4)


def test_fix_overrides_and_changes_the_hash():
    game = load_game("chsh_split")
    fixed = load_game("chsh_split", {"split": Fraction(3, 10)})
    assert fixed.fixed == {"split": "3/10"}
    assert fixed.sha256 != game.sha256


def test_json_problem_files_are_accepted(tmp_path):
    path = tmp_path / "chsh.json"
    path.write_text(json.dumps(CHSH))
    assert load_game(str(path)).sha256 == game_from_mapping(CHSH, "x").sha256


def test_decimal_and_rational_strings_are_exact(tmp_path):
    mapping = {**CHSH, "objective": {"distribution": [[0.1, "2/5"], ["1/4", 0.25]], "payoff": "a == b"}}
    game = game_from_mapping(mapping, "x")
    assert game.objective_exact[0, 0, 0, 0] == Fraction(1, 10)


def test_expression_language_is_exact_and_whitelisted():
    assert game_expression("(a ^ b) == (x & y)")(a=1, b=0, x=1, y=1) == 1
    assert game_expression("1/3 + max(a, b) - abs(-x)")(a=0, b=2, x=1, y=0) == Fraction(4, 3)
    assert game_expression("not (a and b) or x >= y")(a=1, b=1, x=0, y=1) == 0
    for text, token in [
        ("__import__('os')", "__import__"),
        ("a.real", "a.real"),
        ("z + 1", "'z'"),
        ("exp(a)", "exp"),
        ("[a, b]", "[a, b]"),
        ("'a'", "'a'"),
    ]:
        with pytest.raises(ExpressionError, match=token.replace("(", r"\(").replace("[", r"\[")):
            game_expression(text)
    assert throughput_expression("t**1.8 + exp(t) - 1")(t=0.0) == 0


BAD_FILES = [
    ("unknown key", {**CHSH, "colour": "red"}, "colour: unknown key"),
    ("wrong shape", {**CHSH, "objective": {"coefficients": [[1, 2], [3, 4]]}}, "objective.coefficients"),
    ("sum not one", {**CHSH, "objective": {"distribution": [[0.5, 0.5], [0.5, 0.5]], "payoff": "1"}},
     "objective.distribution: sums to 2"),
    ("negative", {**CHSH, "objective": {"distribution": [[1.5, -0.5], [0, 0]], "payoff": "1"}},
     "negative probability"),
    ("nan", {**CHSH, "objective": {"distribution": [["nan", 0], [0, 1]], "payoff": "1"}}, "not a finite number"),
    ("expression", {**CHSH, "objective": {"distribution": "uniform", "payoff": "open('x')"}},
     "objective.payoff: function 'open' is not allowed"),
    ("bad sense", {**CHSH, "sense": "maximum"}, "sense"),
    ("inputs", {**CHSH, "inputs": [2]}, "inputs"),
    ("two notations", {**CHSH, "objective": {"distribution": "uniform", "payoff": "1", "coefficients": []}},
     "exactly one of"),
    ("relation", {**CHSH, "constraints": [{"name": "s", "expression": "a != b", "relation": "<>", "value": 0.5}]},
     "constraints[0].relation"),
]


@pytest.mark.parametrize("label, mapping, message", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_input_names_file_and_key(label, mapping, message):
    with pytest.raises(BadInput) as caught:
        game_from_mapping(mapping, "problems/bad.toml")
    text = str(caught.value)
    assert text.startswith("problems/bad.toml")
    assert message in text
    assert "\n" not in text
