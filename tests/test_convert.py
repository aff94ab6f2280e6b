"""certify convert GAME --to collins-gisin|correlators|coefficients (certify.games.notations).

Literature: CHSH (Clauser, Horne, Shimony, Holt 1969) classical value 3/4 and,
in correlator form, P(win) = 1/2 + (1/8) <A0B0 + A0B1 + A1B0 - A1B1>; I3322 in
Collins-Gisin form (Collins and Gisin, J. Phys. A 37, 1775 (2004)) local bound
0; CGLMP3 (Collins et al., PRL 88, 040404 (2002)) local bound 2.
"""

import json
from fractions import Fraction

import jsonschema
import numpy as np
import pytest
from click.testing import CliRunner

import certify
from certify.bounds.classical import classical_value, nosignalling_value
from certify.cli import main
from certify.games.game import dense_to_collins_gisin, load_game
from certify.games.notations import collins_gisin_to_correlators, dense_to_correlators
from certify.report.schema import schema

GAMES = ["chsh", "i3322", "cglmp3", "dual_work"]


def convert(arguments, expect=0):
    result = CliRunner().invoke(main, ["convert", *arguments], catch_exceptions=False)
    assert result.exit_code == expect, result.output
    return result


def reload(tmp_path, game, notation, fmt):
    """Convert through the CLI (TOML from stdout, or JSON to a file) and load the file back."""
    if fmt == "toml":
        path = tmp_path / f"{game}-{notation}.toml"
        path.write_text(convert([game, "--to", notation]).stdout, encoding="utf-8")
    else:
        path = tmp_path / f"{game}-{notation}.json"
        convert([game, "--to", notation, "--json", str(path)])
    return path, load_game(str(path))


def body(text):
    return [line for line in text.splitlines() if not line.startswith("#")]


@pytest.mark.parametrize("fmt", ["toml", "json"])
@pytest.mark.parametrize("game", GAMES)
def test_coefficients_round_trip_keeps_the_sha256(tmp_path, game, fmt):
    _, back = reload(tmp_path, game, "coefficients", fmt)
    assert back.sha256 == load_game(game).sha256


@pytest.mark.parametrize("fmt", ["toml", "json"])
@pytest.mark.parametrize("notation", ["collins-gisin", "correlators"])
def test_tables_round_trip_keeps_the_sha256_of_a_game_written_as_a_table(tmp_path, notation, fmt):
    """I3322 is written in Collins-Gisin form: both tables hold it exactly."""
    _, back = reload(tmp_path, "i3322", notation, fmt)
    assert back.sha256 == load_game("i3322").sha256
    result = convert(["i3322", "--to", notation])
    assert "note" not in result.stderr


@pytest.mark.parametrize("notation, games", [("collins-gisin", GAMES), ("correlators", ["chsh", "i3322", "dual_work"])])
def test_tables_keep_the_game_on_every_no_signalling_behaviour(tmp_path, notation, games):
    """A payoff-written game comes back as the equivalent spread form: the difference of the
    two tensors has Collins-Gisin coordinates 0, i.e. vanishes on every no-signalling behaviour;
    the SHA-256 it loads as is said (stderr note, file header), and a second conversion of the
    loaded table gives the same file."""
    for game in games:
        source = load_game(game)
        path, back = reload(tmp_path, game, notation, "toml")
        difference = dense_to_collins_gisin(source.objective_exact - back.objective_exact)
        assert all(entry == 0 for entry in difference.flat), game
        assert [c.exact.tolist() for c in back.constraints] == [c.exact.tolist() for c in source.constraints]
        assert back.sense == source.sense and back.name == source.name
        result = convert([game, "--to", notation])
        if back.sha256 != source.sha256:
            assert result.stderr.count("\n") == 1 and back.sha256[:12] in result.stderr
        assert f"canonical sha256 {back.sha256}" in result.stdout
        again = convert([str(path), "--to", notation])
        assert body(again.stdout) == body(result.stdout)  # the same file (its header names its source)
        assert "note" not in again.stderr  # the loaded table is its own spread form


@pytest.mark.parametrize("game, notation, classical", [("chsh", "correlators", Fraction(3, 4)),
                                                       ("chsh", "collins-gisin", Fraction(3, 4)),
                                                       ("i3322", "correlators", Fraction(0)),
                                                       ("cglmp3", "collins-gisin", Fraction(2))])
def test_converted_games_have_the_published_values(tmp_path, game, notation, classical):
    _, back = reload(tmp_path, game, notation, "toml")
    assert classical_value(back).exact == classical
    assert nosignalling_value(back).exact == nosignalling_value(load_game(game)).exact


def test_dual_work_classical_value_survives_every_notation(tmp_path):
    source = classical_value(load_game("dual_work")).exact
    for notation in ("coefficients", "collins-gisin", "correlators"):
        _, back = reload(tmp_path, "dual_work", notation, "json")
        assert classical_value(back).exact == source, notation


def test_chsh_in_correlator_form():
    """The convention: index 0 the identity, A_x = P(a=0) - P(a=1); CHSH's
    [[0,0,0],[0,1,1],[0,1,-1]] times the distribution's factor 1/8, plus the constant 1/2."""
    table = dense_to_correlators(load_game("chsh").objective_exact)
    assert table.tolist() == [[Fraction(1, 2), 0, 0], [0, Fraction(1, 8), Fraction(1, 8)],
                              [0, Fraction(1, 8), Fraction(-1, 8)]]
    text = convert(["chsh", "--to", "correlators"]).stdout
    assert 'correlators = [\n  ["1/2", 0, 0],\n  [0, "1/8", "1/8"],\n  [0, "1/8", "-1/8"],\n]' in text


def test_correlators_and_collins_gisin_are_inverse():
    rng = np.random.default_rng(7)
    table = np.vectorize(lambda v: Fraction(int(v), 12), otypes=[object])(rng.integers(-30, 30, size=(4, 3)))
    from certify.games.game import correlators_to_collins_gisin

    assert collins_gisin_to_correlators(correlators_to_collins_gisin(table)).tolist() == table.tolist()


def test_correlators_of_a_three_outcome_game_is_one_line_exit_2():
    result = convert(["cglmp3", "--to", "correlators"], expect=2)
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "two-outcome" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("objective, outputs, message", [
    ("correlators = [[0, 0], [0, 1]]", [2, 2], "objective.correlators: expected length 3, got 2 (shape should be [3, 3])"),
    ('correlators = [[0, 0, 0], [0, 1, "x"], [0, 1, -1]]', [2, 2], "objective.correlators[1][2]: 'x' is not a number"),
    ("correlators = [[0, 0, 0], [0, 1, 1], [0, 1, -1]]", [3, 3], "two answers per question"),
])
def test_bad_correlator_file_is_one_line_exit_2(tmp_path, objective, outputs, message):
    path = tmp_path / "bad.toml"
    path.write_text(f'name = "bad"\ninputs = [2, 2]\noutputs = {outputs}\n[objective]\n{objective}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["classical", str(path)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr and str(path) in result.stderr


def test_correlator_file_is_a_valid_problem_file(tmp_path):
    path = tmp_path / "chsh.json"
    convert(["chsh", "--to", "correlators", "--json", str(path)])
    jsonschema.validate(json.loads(path.read_text()), schema("problem"))


def test_json_to_stdout_and_the_api():
    data = json.loads(convert(["i3322", "--to", "collins-gisin", "--json", "-"]).stdout)
    assert data["objective"]["collins_gisin"] == [[0, -1, 0, 0], [-2, 1, 1, 1], [-1, 1, 1, -1], [0, 1, -1, 0]]
    assert certify.convert("chsh", to="correlators") == convert(["chsh", "--to", "correlators"]).stdout


def test_a_correlator_file_loads_with_the_chsh_local_bound(tmp_path):
    """<A0B0 + A0B1 + A1B0 - A1B1> <= 2 for local strategies (CHSH 1969)."""
    path = tmp_path / "chsh_correlators.toml"
    path.write_text('name = "CHSH correlators"\ninputs = [2, 2]\noutputs = [2, 2]\n[objective]\n'
                    "correlators = [[0, 0, 0], [0, 1, 1], [0, 1, -1]]\n", encoding="utf-8")
    game = load_game(str(path))
    assert classical_value(game).exact == 2
    assert nosignalling_value(game).exact == 4  # the PR box
