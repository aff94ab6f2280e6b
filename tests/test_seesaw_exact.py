"""See-saw witnesses meet their constraints exactly (docs/certificates.md).

The adversarial game: CHSH (Clauser, Horne, Shimony, Holt 1969) with a
constraint forcing P(a != b) = 0, written at a tiny scale (its expression
divided by 10**12). With a = b always, the players win exactly when
x AND y = 0, so every behaviour meeting the constraint scores exactly 3/4:
the quantum value is 3/4, not Tsirelson's cos^2(pi/8) (Cirel'son 1980). A
check that accepts constraints "within 1e-9" certifies 0.8536 here.
"""

import json
import math
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner

from certify.bounds import gap as gap_module
from certify.bounds.classical import classical_value
from certify.bounds.seesaw import QuantumStrategy, exact_mixture, optimise_tensor, seesaw_bound, witness_certificate
from certify.cli import main
from certify.games.game import game_from_mapping, load_game
from certify.proofs.deterministic import DeterministicStrategy
from certify.proofs.exact import exact_dot
from certify.proofs.seesaw import check_seesaw, seesaw_exact_behaviour, seesaw_repair
from certify.proofs.verify import verify_document

TSIRELSON = math.cos(math.pi / 8) ** 2  # Cirel'son 1980

TINY = {
    "name": "CHSH-tiny", "inputs": [2, 2], "outputs": [2, 2], "sense": "max",
    "objective": {"distribution": "uniform", "payoff": "(a ^ b) == (x & y)"},
    "constraints": [{"name": "same", "expression": "(a != b) / 10**12", "relation": "==", "value": "0"}],
}


def _tiny_file(tmp_path):
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(TINY))
    return path


def test_tiny_scale_constraint_is_not_certified_above_three_quarters():
    game = game_from_mapping(TINY, "test")
    result = seesaw_bound(game, dim=2, restarts=10, seed=0)
    assert result.certified, result.problems
    assert Fraction(result.details["achieved"]) == Fraction(3, 4)
    assert result.value == 0.75
    assert result.game.fixed == {"same": "0"}


def test_a_witness_off_the_constraint_by_a_tiny_amount_is_rejected():
    """Tsirelson's strategy has P(a != b) = sin^2(pi/8) ~ 0.146, i.e. a constraint level of
    1.5e-13 here: inside a 1e-9 tolerance, but not 0."""
    game = game_from_mapping(TINY, "test")
    chsh = load_game("chsh")
    _, strategy = optimise_tensor(chsh.objective, (2, 2), (2, 2), dim=2, restarts=10, seed=0)
    assert strategy.value(chsh.objective) > TSIRELSON - 1e-9
    check = check_seesaw(game, witness_certificate(game, [(Fraction(1), strategy)]))
    assert not check.ok
    assert any("constraint 'same'" in line and "checked exactly" in line for line in check.problems)


def test_tiny_scale_gap_certifies_no_advantage(tmp_path):
    out = tmp_path / "gap.json"
    result = CliRunner().invoke(main, ["gap", str(_tiny_file(tmp_path)), "--restarts", "5", "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["certified"] is True
    assert Fraction(data["gap_exact"]) == 0  # no advantage
    assert Fraction(data["quantum_lower"]["achieved"]) == Fraction(3, 4)
    assert Fraction(data["quantum_upper"]["bound"]) >= Fraction(3, 4)  # a non-empty interval
    assert all(item.ok for item in verify_document(data))


def test_gap_with_contradicting_bounds_fails_with_exit_one(monkeypatch, tmp_path):
    """An upper bound below the lower bound (here an NPA result forged below the see-saw
    value) is an error, never an empty interval in a statement."""
    real = gap_module.npa_bound

    def forged(game, level="2", solver=None):
        result = real(game, level=level, solver=solver)
        result.details["bound"] = "7/10"
        result.value = 0.7
        return result

    monkeypatch.setattr(gap_module, "npa_bound", forged)
    out = tmp_path / "gap.json"
    result = CliRunner().invoke(main, ["gap", "chsh", "--restarts", "3", "--json", str(out)])
    assert result.exit_code == 1
    assert "lies below the lower bound" in result.stderr
    data = json.loads(out.read_text())
    assert data["certified"] is False and data["statement"].startswith("Nothing is proven")


def test_constrained_witness_meets_the_requested_levels_exactly():
    game = load_game("chsh_split", {"split": Fraction(3, 10)})
    result = seesaw_bound(game, dim=2, restarts=5, seed=0)
    assert result.certified and result.game.fixed == {"split": "3/10"}
    assert "requested" not in result.details
    assert check_seesaw(game, result.certificate).details["constraint_levels"]["split"] == "0.3" + "0" * 39


def _chsh_win(value, relation):
    """Objective P(a != b) with CHSH's winning probability constrained: no classical
    strategy wins more than 3/4 (CHSH 1969), so nothing classical anchors the mixture."""
    return game_from_mapping({
        "name": "chsh-win", "inputs": [2, 2], "outputs": [2, 2],
        "objective": {"distribution": "uniform", "payoff": "a != b"},
        "constraints": [{"name": "win", "expression": "(a ^ b) == (x & y)", "relation": relation, "value": value}],
    }, "test")


@pytest.mark.parametrize("relation", ["==", ">="])
def test_quantum_only_levels_are_met_exactly(relation):
    result = seesaw_bound(_chsh_win("4/5", relation), dim=2, restarts=5, seed=0)
    assert result.certified, result.problems
    assert result.game.fixed == {"win": "4/5"} and "requested" not in result.details


def test_unreachable_level_is_certified_at_the_level_met_and_says_so():
    """win == 0.8535533905932737 is below cos^2(pi/8) = 0.85355339059327376..., but above what
    the floating-point Tsirelson strategy reaches exactly: the witness is certified for
    the level it meets, and the result's game, method and details say so."""
    requested = "0.8535533905932737"
    result = seesaw_bound(_chsh_win(requested, "=="), dim=2, restarts=5, seed=0)
    assert result.certified, result.problems
    met = Fraction(result.game.fixed["win"])
    assert met != Fraction(requested) and abs(met - Fraction(requested)) < Fraction(1, 10**12)
    assert result.details["requested"] == {"win": str(Fraction(requested))}
    assert "certified at the levels it meets" in result.method
    data = result.to_json()
    assert data["fixed"] == result.game.fixed
    assert all(item.ok for item in verify_document(data))
    assert not check_seesaw(_chsh_win(requested, "=="), result.certificate).ok


def test_weights_off_the_constraints_are_re_solved_exactly_and_non_negative():
    """Float weights (here half and half on Tsirelson's strategy and a splitting one, far
    from split = 0) whose exact re-solve needs a negative weight: that strategy is held at
    0 and the others re-solved; the mixture meets the constraint exactly."""
    game = load_game("chsh_split", {"split": Fraction(0)})
    classical = classical_value(game)
    anchor = [(Fraction(entry["weight"]), QuantumStrategy.deterministic(DeterministicStrategy.from_json(entry), game.outputs, 2))
              for entry in classical.certificate["mixture"]]
    chsh = load_game("chsh")
    _, tsirelson = optimise_tensor(chsh.objective, (2, 2), (2, 2), dim=2, restarts=5, seed=0)
    _, splitter = optimise_tensor(game.constraints[0].coefficients, (2, 2), (2, 2), dim=2, restarts=5, seed=0)
    pool = [s for _, s in anchor] + [tsirelson, splitter]
    weights = np.array([0.0] * len(anchor) + [0.5, 0.5])
    mixture, met = exact_mixture(game, pool, [weights], [w for w, _ in anchor])
    assert met is None and mixture
    assert sum(w for w, _ in mixture) == 1 and all(w > 0 for w, _ in mixture)
    behaviour = sum((w * seesaw_exact_behaviour(seesaw_repair(s.to_json(), game)[0]) for w, s in mixture))
    assert exact_dot(game.constraints[0].exact, behaviour) == 0
    assert check_seesaw(game, witness_certificate(game, mixture)).ok


def test_tiny_scale_constraint_that_matters():
    """P(a != b) = 1/4 written as (a != b)/10**12 = 1/(4*10**12): the classical LP (rows
    rescaled for HiGHS) and the see-saw both see the constraint; classical 3/4 at split
    1/4 (problems/chsh_split.toml), quantum above it."""
    definition = json.loads(json.dumps(TINY))
    definition["constraints"][0]["value"] = "1/4000000000000"
    game = game_from_mapping(definition, "test")
    classical = classical_value(game)
    assert classical.certified and classical.exact == Fraction(3, 4)
    witness = seesaw_bound(game, dim=2, restarts=5, seed=0)
    assert witness.certified and Fraction(witness.details["achieved"]) > Fraction(3, 4)
    level = check_seesaw(game, witness.certificate).details["constraint_levels"]["same"]
    assert Fraction(level) == Fraction(1, 4 * 10**12)


def test_classical_mixture_stays_the_witness_when_no_mixture_found_meets_the_constraints():
    """Hardy's three probabilities bounded by 10^-12 instead of fixed to 0 (so not forced
    zeros): the LP over see-saw strategies leans on HiGHS's tolerance (violations near 5e-9)
    and never meets them; the classical optimum's mixture does, so the see-saw keeps it as
    its witness, certified and never below the classical value, instead of failing."""
    definition = {
        "name": "hardy-slack", "inputs": [2, 2], "outputs": [2, 2],
        "objective": {"distribution": [[1, 0], [0, 0]], "payoff": "(a == 0) & (b == 0)"},
        "constraints": [
            {"name": name, "distribution": weights, "expression": expression, "relation": "<=", "value": "1/1000000000000"}
            for name, weights, expression in (
                ("zero01", [[0, 1], [0, 0]], "(a == 0) & (b == 1)"),
                ("zero10", [[0, 0], [1, 0]], "(a == 1) & (b == 0)"),
                ("zero11", [[0, 0], [0, 1]], "(a == 0) & (b == 0)"),
            )
        ],
    }
    game = game_from_mapping(definition, "test")
    classical = classical_value(game)
    result = seesaw_bound(game, dim=2, restarts=3, seed=0)
    assert result.certified, result.problems
    assert Fraction(result.details["achieved"]) >= classical.exact
    assert all(item.ok for item in verify_document(result.to_json()))
