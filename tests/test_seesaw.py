"""See-saw lower bounds and their exact witness check.

Literature values: CHSH quantum value cos^2(pi/8) (Cirel'son, Lett. Math.
Phys. 4, 93 (1980)); I3322 in Collins-Gisin form: 0.25 with qubits (Collins
and Gisin, J. Phys. A 37, 1775 (2004), arXiv:quant-ph/0306129), best known
quantum value 0.250875384514 (Pal and Vertesi, arXiv:1006.3032), which
finite-dimensional see-saw cannot exceed.
"""

import copy
import json
import math
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner

from certify.proofs.seesaw import check_seesaw
from certify.proofs.verify import verify_document
from certify.bounds.classical import classical_value, nosignalling_value
from certify.cli import main
from certify.games.game import game_from_mapping, load_game
from certify.bounds.seesaw import Mixture, QuantumStrategy, optimise_tensor, seesaw_bound

TSIRELSON = math.cos(math.pi / 8) ** 2  # Cirel'son 1980
I3322_QUBIT = 0.25  # Collins and Gisin 2004
I3322_BEST_KNOWN = 0.250875384514  # Pal and Vertesi, arXiv:1006.3032
I3322_NPA_LEVEL_3 = 0.2508756  # an upper bound on every quantum strategy (Navascues, Pironio, Acin 2008)


@pytest.fixture(scope="module")
def chsh():
    return load_game("chsh")


@pytest.fixture(scope="module")
def chsh_result(chsh):
    return seesaw_bound(chsh, dim=2, restarts=20, seed=0)


def test_chsh_reaches_tsirelson(chsh):
    """Speed is benchmarks/bench_seesaw.py's (side by side with toqito), not a test's."""
    value, strategy = optimise_tensor(chsh.objective, chsh.inputs, chsh.outputs, dim=2, restarts=20, seed=0)
    # one-sided: a see-saw value is a lower bound; 1e-7 is the see-saw's convergence, and
    # 1e-12 above allows only the float evaluation of a strategy's value
    assert TSIRELSON - 1e-7 <= value <= TSIRELSON + 1e-12
    assert abs(strategy.value(chsh.objective) - value) < 1e-14


def test_chsh_certified_bound(chsh_result):
    assert chsh_result.certified, chsh_result.problems
    # a lower bound: never above the quantum value (the certified value is exact, rounded
    # down), and within the see-saw's convergence (1e-7) of it
    assert Fraction(chsh_result.details["achieved"]) <= Fraction(TSIRELSON) + Fraction(1, 10**15)
    assert chsh_result.value >= TSIRELSON - 1e-7


def test_value_equals_value_recomputed_from_witness(chsh, chsh_result):
    """The reported number is what the returned state and measurements reach."""
    certificate = chsh_result.certificate
    mixture = Mixture([
        (Fraction(entry["weight"]), QuantumStrategy.from_json(entry)) for entry in certificate["components"]
    ])
    assert abs(mixture.value(chsh.objective) - chsh_result.value) < 1e-12
    check = check_seesaw(chsh, certificate)
    assert check.ok and float(check.achieved) == chsh_result.value
    assert abs(check.achieved - Fraction(certificate["value"])) < Fraction(1, 10**29)


def test_reproducible_for_fixed_seed(chsh):
    game = load_game("i3322")
    first = seesaw_bound(game, dim=2, restarts=5, seed=3)
    second = seesaw_bound(game, dim=2, restarts=5, seed=3)
    assert first.certificate == second.certificate
    assert first.value == second.value


def test_i3322_qubits_reach_a_quarter():
    game = load_game("i3322")
    result = seesaw_bound(game, dim=2, restarts=20, seed=0)
    assert result.certified, result.problems
    # one-sided: qubits reach 0.25 (Collins-Gisin 2004; 1e-9 is the see-saw's convergence),
    # and no quantum strategy exceeds NPA level 3's bound 0.2508756 (Navascues, Pironio, Acin 2008)
    assert I3322_QUBIT - 1e-9 <= result.value <= I3322_NPA_LEVEL_3


@pytest.mark.parametrize("dim", [3, 4])
def test_i3322_higher_dimensions_one_sided(dim):
    game = load_game("i3322")
    value, _ = optimise_tensor(game.objective, game.inputs, game.outputs, dim=dim, restarts=10, seed=0)
    assert I3322_QUBIT - 1e-9 <= value <= I3322_BEST_KNOWN + 1e-9


def _correlation_game(seed, inputs, outputs):
    """c[a,b,x,y] = M[x,y] [a - b = x y mod m], M random integers / 10."""
    rng = np.random.default_rng(seed)
    weights = rng.integers(-9, 10, size=inputs)
    m = outputs[0]
    coefficients = [[[[
        f"{int(weights[x, y]) if (a - b) % m == (x * y) % m else 0}/10"
        for y in range(inputs[1])] for x in range(inputs[0])] for b in range(outputs[1])] for a in range(outputs[0])]
    return game_from_mapping({
        "name": f"random-{seed}", "inputs": list(inputs), "outputs": list(outputs),
        "objective": {"coefficients": coefficients},
    }, "test")


@pytest.mark.parametrize("seed,inputs,outputs,projective", [
    (1, (3, 3), (2, 2), False),
    (2, (4, 4), (2, 2), False),
    (5, (3, 3), (2, 2), True),
    (4, (2, 2), (3, 3), True),
])
def test_between_classical_and_nosignalling(seed, inputs, outputs, projective):
    game = _correlation_game(seed, inputs, outputs)
    result = seesaw_bound(game, dim=2, restarts=4, seed=seed, projective=projective)
    assert result.certified, result.problems
    classical = classical_value(game).exact
    nosignalling = nosignalling_value(game).exact
    assert Fraction(result.details["achieved"]) >= classical
    assert result.value <= float(nosignalling) + 1e-12


def test_quantum_advantage_found_on_a_random_xor_like_game():
    # seed 2 gives a game where the classical value is 2.4 and no-signalling 4.0;
    # see-saw must beat classical (the qubit strategy found reaches ~2.676)
    game = _correlation_game(2, (4, 4), (2, 2))
    result = seesaw_bound(game, dim=2, restarts=10, seed=0)
    assert result.certified
    assert Fraction(result.details["achieved"]) > classical_value(game).exact + Fraction(1, 10)


def test_min_game_gives_an_upper_bound_on_the_minimum():
    """min P(win) for CHSH is sin^2(pi/8) = 1 - cos^2(pi/8): see-saw gives an upper bound."""
    game = load_game("chsh")
    from dataclasses import replace

    game = replace(game, sense="min")
    result = seesaw_bound(game, dim=2, restarts=10, seed=0)
    assert result.certified
    assert 1 - TSIRELSON - 1e-12 <= result.value <= 1 - TSIRELSON + 1e-7


def _numbers(node, path=()):
    """Every decimal string in a certificate with its path."""
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _numbers(child, path + (key,))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _numbers(child, path + (index,))
    elif isinstance(node, str):
        try:
            Fraction(node)
        except ValueError:
            return
        yield path


def _set(node, path, value):
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _get(node, path):
    for key in path:
        node = node[key]
    return node


@pytest.mark.parametrize("which", ["quantum", "deterministic mixture"])
def test_every_single_number_matters(chsh, chsh_result, which):
    """Changing any one number of the witness makes the check fail or changes its value
    (a quantum witness, and the classical fallback: deterministic strategies padded with
    a maximally entangled state, here CHSH-split's optimal classical mixture at split 1/2)."""
    game, certificate = chsh, chsh_result.certificate
    if which != "quantum":
        from certify.proofs.deterministic import DeterministicStrategy
        from certify.bounds.seesaw import witness_certificate

        game = load_game("chsh_split", {"split": Fraction(1, 2)})
        mixture = [
            (Fraction(entry["weight"]), QuantumStrategy.deterministic(DeterministicStrategy.from_json(entry), game.outputs, 2))
            for entry in classical_value(game).certificate["mixture"]
        ]
        certificate = witness_certificate(game, mixture)
        assert check_seesaw(game, certificate).achieved == Fraction(3, 4)
    original = check_seesaw(game, certificate).achieved
    paths = list(_numbers(certificate))
    assert len(paths) > 60
    for path in paths:
        tampered = copy.deepcopy(certificate)
        _set(tampered, path, str(Fraction(_get(certificate, path)) + Fraction(1, 10**6)))
        check = check_seesaw(game, tampered)
        assert not check.ok or check.achieved != original, path


def test_tampered_witness_fails(chsh, chsh_result):
    certificate = copy.deepcopy(chsh_result.certificate)
    certificate["value"] = "0.9"  # claims more than the strategy reaches
    assert not check_seesaw(chsh, certificate).ok
    certificate = copy.deepcopy(chsh_result.certificate)
    certificate["components"][0]["A"][0][0]["re"][0][0] = "0.5"  # a different strategy
    assert not check_seesaw(chsh, certificate).ok
    certificate = copy.deepcopy(chsh_result.certificate)
    certificate["components"][0]["weight"] = "1/2"
    assert not check_seesaw(chsh, certificate).ok
    certificate = copy.deepcopy(chsh_result.certificate)
    del certificate["components"][0]["state"]
    assert not check_seesaw(chsh, certificate).ok


def test_non_positive_operator_is_rejected(chsh, chsh_result):
    """An 'operator' that is not PSD (eigenvalue -1/2) cannot be repaired by a tiny mixture."""
    certificate = copy.deepcopy(chsh_result.certificate)
    component = certificate["components"][0]
    component["A"][0][0] = {"re": [["-0.5", "0"], ["0", "1"]], "im": [["0", "0"], ["0", "0"]]}
    component["A"][0][1] = {"re": [["1.5", "0"], ["0", "0"]], "im": [["0", "0"], ["0", "0"]]}
    check = check_seesaw(chsh, certificate)
    assert not check.ok
    assert any("not a valid measurement" in line for line in check.problems)


@pytest.mark.parametrize("split", ["1/10", "1/4", "3/10", "9/10"])
def test_constrained_chsh_split_meets_npa(split):
    """With P(a != b) fixed, see-saw mixtures reach the NPA level-2 bound within 1e-5
    (the quantum set of 2-input 2-output correlators is reached by qubits and mixtures)."""
    from certify.bounds.npa import npa_bound

    game = load_game("chsh_split", {"split": Fraction(split)})
    result = seesaw_bound(game, dim=2, restarts=10, seed=0)
    assert result.certified, result.problems
    assert result.details["constraint_residuals"]["split"] == 0.0  # exact weights: the constraint holds exactly
    upper = npa_bound(game, level="2")
    # one-sided: the certified lower bound lies at or below the certified upper bound (exactly),
    # and within 1e-5 of it (the column generation stops when no strategy prices in by 1e-9)
    assert Fraction(result.details["achieved"]) <= Fraction(upper.details["bound"])
    assert upper.value - result.value < 1e-5
    assert Fraction(result.details["achieved"]) >= classical_value(game).exact


def test_never_below_classical_under_constraint():
    """At split = 1/2 the classical value 3/4 is optimal quantumly too (NPA level 2 gives 0.75)."""
    game = load_game("chsh_split", {"split": Fraction(1, 2)})
    result = seesaw_bound(game, dim=2, restarts=5, seed=0)
    assert result.certified
    assert Fraction(result.details["achieved"]) >= Fraction(3, 4)


def test_cli_json_and_verify(tmp_path):
    runner = CliRunner()
    out = runner.invoke(main, ["seesaw", "chsh_split", "--fix", "split=3/10", "--restarts", "5", "--json", "-"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["command"] == "seesaw" and data["certified"] is True
    assert data["certificate"]["kind"] == "seesaw"
    assert data["fixed"] == {"split": "3/10"}
    checked = verify_document(data)
    assert len(checked) == 1 and checked[0].ok, checked[0].problems
    data["certificate"]["components"][0]["state"]["re"][0] = "0.1"
    assert not verify_document(data)[0].ok


def test_cli_bad_dimension_is_usage_error():
    out = CliRunner().invoke(main, ["seesaw", "chsh", "--dim", "0"])
    assert out.exit_code == 2


def test_constraint_no_classical_strategy_meets():
    """P(win CHSH) >= 4/5 excludes every classical strategy (at most 3/4, CHSH 1969) but
    not qubits (up to cos^2(pi/8) ~ 0.854, Cirel'son 1980): see-saw still finds a witness."""
    from certify.errors import BadInput, SolverFailed

    definition = {
        "name": "chsh-win", "inputs": [2, 2], "outputs": [2, 2],
        "objective": {"distribution": "uniform", "payoff": "a != b"},
        "constraints": [{"name": "win", "expression": "(a ^ b) == (x & y)", "relation": ">=", "value": "4/5"}],
    }
    game = game_from_mapping(definition, "test")
    with pytest.raises(BadInput, match=r"\[1/4, 3/4\]"):  # the classical range of P(win)
        classical_value(game)
    result = seesaw_bound(game, dim=2, restarts=5, seed=0)
    assert result.certified, result.problems
    assert result.details["constraint_residuals"]["win"] >= 0
    definition["constraints"][0]["value"] = "0.86"  # above Tsirelson: nothing quantum meets it
    with pytest.raises(SolverFailed):
        seesaw_bound(game_from_mapping(definition, "test"), dim=2, restarts=5, seed=0)


def _cglmp3():
    """CGLMP inequality I_3 (Collins, Gisin, Linden, Massar, Popescu, PRL 88, 040404 (2002),
    arXiv:quant-ph/0106024), unnormalised: local bound 2."""
    from certify.games.game import Game

    c = np.full((3, 3, 2, 2), Fraction(0), dtype=object)
    for a in range(3):
        for b in range(3):
            c[a, b, 0, 0] = int(a == b) - int(a == (b - 1) % 3)
            c[a, b, 1, 0] = int(b == (a + 1) % 3) - int(b == a)
            c[a, b, 1, 1] = int(a == b) - int(a == (b - 1) % 3)
            c[a, b, 0, 1] = int(b == a) - int(b == (a - 1) % 3)
    return Game(name="CGLMP3", inputs=(2, 2), outputs=(3, 3), sense="max", objective_exact=c)


@pytest.mark.parametrize("solver", [None, "scs"])
@pytest.mark.parametrize("d, m", [(2, 3), (3, 3), (3, 4)])
def test_povm_step_reaches_the_optimum_of_commuting_operators(d, m, solver):
    """The POVM step (Clarabel directly by default, or through cvxpy) against a known optimum:
    for K_a = U D_a U^dag, which commute, max sum_a tr(E_a K_a) over POVMs is
    tr U max_a(D_a) U^dag = sum_i max_a D_a[i] (K_a <= U max_a(D_a) U^dag for every a)."""
    from certify.bounds.seesaw.steps import _PovmSDP

    rng = np.random.default_rng(d * 10 + m)
    U, _ = np.linalg.qr(rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d)))
    D = rng.normal(size=(m, d))
    K = np.array([U @ np.diag(D[a]) @ U.conj().T for a in range(m)])
    E = _PovmSDP(d, m).solve(K, solver)
    value = sum(np.trace(E[a] @ K[a]).real for a in range(m))
    assert abs(value - D.max(axis=0).sum()) < 1e-6
    assert np.allclose(E.sum(axis=0), np.eye(d), atol=1e-12)
    assert min(np.linalg.eigvalsh(e).min() for e in E) > -1e-12


def test_cglmp_three_outcomes_reaches_qutrit_optimum():
    """Three answers go through the POVM SDP step: the qutrit optimum of I_3 is
    1 + sqrt(11/3) (Acin, Durt, Gisin, Latorre, PRA 65, 052325 (2002), arXiv:quant-ph/0111143)."""
    game = _cglmp3()
    result = seesaw_bound(game, dim=3, restarts=5, seed=0, projective=True)
    assert result.certified, result.problems
    target = 1 + math.sqrt(11 / 3)
    assert target - 1e-6 <= result.value <= target + 1e-9
    assert classical_value(game).exact == 2


BIASED_CHSH = """name = "CHSH-biased"
inputs = [2, 2]
outputs = [2, 2]
sense = "max"
[objective]
distribution = [["2/5", "1/10"], ["1/10", "2/5"]]
payoff = "(a ^ b) == (x & y)"
"""


def _biased_chsh(tmp_path):
    """CHSH with the question distribution [[2/5, 1/10], [1/10, 2/5]] (classical value 9/10),
    saved as a problem file; its quantum value comes from certify's Tsirelson dual, tight
    for two-input two-output correlation games (Tsirelson 1980; Cleve, Hoyer, Toner,
    Watrous 2004), independently of the see-saw."""
    from certify.bounds.correlator import quantum_dual_bound

    path = tmp_path / "biased.toml"
    path.write_text(BIASED_CHSH)
    game = load_game(str(path))
    upper = quantum_dual_bound(game)
    assert upper.certified and classical_value(game).exact == Fraction(9, 10)
    return game, Fraction(upper.details["bound"])


@pytest.mark.parametrize("fourier", [True, False])
def test_more_restarts_never_give_less(tmp_path, monkeypatch, fourier):
    """Restart k is the same search whatever the number of restarts, so the certified value
    is non-decreasing in --restarts, and it reaches the quantum value (within the
    see-saw's convergence, 1e-9) by 10 restarts, never above the Tsirelson bound.
    Without the Fourier starts (which alone reach this game's optimum) the random
    restarts carry the search: before restarts were nested, 0, 2, 3, 5 and 9 restarts
    ended at the classical 0.9 while 1, 4 and 6 to 8 reached 0.91231."""
    import certify.bounds.seesaw.starts as seesaw

    game, upper = _biased_chsh(tmp_path)
    if not fourier:
        monkeypatch.setattr(seesaw, "fourier_starts", lambda *args: [])
    values = []
    for restarts in range(11):
        result = seesaw_bound(game, dim=2, restarts=restarts, seed=0)
        assert result.certified, result.problems
        values.append(Fraction(result.details["achieved"]))
    assert all(later >= earlier for earlier, later in zip(values, values[1:])), [float(v) for v in values]
    assert values[-1] <= upper  # a lower bound never exceeds a proved upper bound
    assert values[-1] >= upper - Fraction(1, 10**9)

