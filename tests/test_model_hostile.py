"""Hostile or extreme dual-work model inputs: one line naming the file and key, exit 2, no traceback
(or, for a model that is valid, the certified value, checked independently)."""

import json
from fractions import Fraction
from itertools import product

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import optimize

from certify.cli import main
from certify.games.dualwork import game_from_model, model_from_table
from certify.scheduling.workers import check_noise_work, noise_work


def model_file(folder, **model):
    table = {"kind": "dual-work", "sizes": "exponential", "mean_size": 1.0, "thresholds": [1.0],
             "arrival_rate": 0.1, "throughput": "t**1.8"}
    table.update(model)
    path = folder / "model.json"
    path.write_text(json.dumps({"name": "hostile", "model": table}))
    return path


def refused(command, path, key):
    """Run a command; it must end with one line naming the file and key, exit 2, no traceback."""
    result = CliRunner().invoke(main, command)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, (result.exit_code, result.output, result.stderr)
    assert len(lines) == 1 and lines[0].startswith(f"certify: error: {path}: {key}:"), lines
    assert "Traceback" not in result.output + result.stderr and isinstance(result.exception, SystemExit)
    return lines[0]


@pytest.mark.parametrize("sigma, words", [
    (40, "e^1600, beyond floating point"),  # E[S^2] = e^(sigma^2) overflows a double (was OverflowError)
    (1e200, "infinite in floating point"),  # sigma^2 itself overflows (was OverflowError in nu)
    (26, "cannot be resolved in floating point"),  # E[S^2] finite, but the class above 1 rounds to probability 0
])
def test_lognormal_sigma_beyond_floating_point(tmp_path, sigma, words):
    path = model_file(tmp_path, sizes="lognormal", sigma=sigma)
    for command in (["classical", str(path), "--fix", "split=1/2"], ["pareto", str(path), "--points", "3"]):
        assert words in refused(command, path, "model.sigma")


def test_lognormal_sigma_seven_is_computed_exactly(tmp_path):
    """sigma = 7 is a valid model: E[S^2] = e^49 ~ 1.9e21, so every strategy's W carries f E[S^2] ~ 1e20
    and the floating-point LP could not see the rest (HiGHS ended 'unknown', exit 1). Now certified and
    verified; the value less f E[S^2] equals an independent LP over the 16 deterministic strategies of
    the game without that constant (which a double holds well)."""
    path = model_file(tmp_path, sizes="lognormal", sigma=7)
    out = tmp_path / "out.json"
    result = CliRunner().invoke(main, ["classical", str(path), "--fix", "split=1/2", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(main, ["verify", str(out)]).exit_code == 0
    data = json.loads(path.read_text())
    model = model_from_table(data, str(path))
    constant = model.workload_factor * model.second_exact
    assert float(model.second_exact) == pytest.approx(np.exp(49.0), rel=1e-15)
    game = game_from_model(data, str(path)).with_fixed({"split": Fraction(1, 2)})
    variable = np.vectorize(float)(game.objective_exact - np.outer(model.q_exact, model.q_exact)[None, None] * constant)
    costs, split, balance = [], [], []
    for alpha in product(range(2), repeat=2):
        for beta in product(range(2), repeat=2):
            behaviour = np.zeros((2, 2, 2, 2))
            for x, y in product(range(2), range(2)):
                behaviour[alpha[x], beta[y], x, y] = 1
            costs.append(np.sum(variable * behaviour))
            split.append(np.sum(game.constraint("split").coefficients * behaviour))
            balance.append(np.sum(game.constraint("balance").coefficients * behaviour))
    lp = optimize.linprog(costs, A_eq=[np.ones(16), split, balance], b_eq=[1, 0.5, 0], bounds=(0, None), method="highs")
    assert lp.status == 0
    exact = Fraction(json.loads(out.read_text())["exact"])
    assert float(exact - constant) == pytest.approx(lp.fun, rel=1e-9)


def test_throughput_bending_down_beyond_thirty_over_r_is_refused(tmp_path):
    """T = min(t^2, 700^2) is convex up to t = 700 and flat beyond. At lambda = 0.1 the slowest runs have
    rate r = 0.05: the check used to stop at 30 / r = 600 and let it pass, though the quadrature of
    E[T(R)] evaluates T up to 80 / r = 1600. The whole range is checked now."""
    path = model_file(tmp_path, throughput="min(t**2, 490000)")
    line = refused(["classical", str(path), "--fix", "split=1/2"], path, "model.throughput")
    assert "not convex on the range used [0, 1600]" in line and "near t = 700" in line


def test_visibility_with_eight_size_classes_is_refused_at_once(tmp_path):
    """pareto --visibility on 7 thresholds (8 x 8 questions: 65536 measurement patterns a split) ran for
    over a minute; it is refused before any solve, naming the limit and how to raise it."""
    path = model_file(tmp_path, thresholds=[0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0])
    line = refused(["pareto", str(path), "--visibility", "0.9", "--points", "3", "--level", "none"], path,
                   "model.thresholds")
    assert "above the limit of 150000" in line and "raise CERTIFY_MAX_NOISE_WORK" in line
    assert noise_work((8, 8), 3) == 3 * 2**16 * 64


def test_noise_work_limit_is_the_environments(tmp_path, monkeypatch):
    """The default model's 2 x 2 questions on 21 splits (1344 units) pass; a limit set below refuses them,
    and a limit that is not a whole number is itself bad input."""
    check_noise_work((2, 2), 21, "p.toml")
    monkeypatch.setenv("CERTIFY_MAX_NOISE_WORK", "1000")
    path = model_file(tmp_path)
    assert "above the limit of 1000" in refused(["pareto", str(path), "--visibility", "0.9", "--points", "21"],
                                                path, "model.thresholds")
    monkeypatch.setenv("CERTIFY_MAX_NOISE_WORK", "lots")
    result = CliRunner().invoke(main, ["pareto", str(path), "--visibility", "0.9", "--points", "3"])
    assert result.exit_code == 2 and "CERTIFY_MAX_NOISE_WORK: expected a whole number" in result.stderr


def test_sizes_of_mean_1e_minus_300_are_computed(tmp_path, monkeypatch):
    """Sizes of mean 1e-300 (thresholds scaled alike): every coefficient is below HiGHS's absolute
    tolerances, so the LP saw the zero game and the certificate failed (exit 1). Now the LP is solved
    for the objective divided by a power of two and mapped back exactly: certified, verified, and
    1e300 times the value is the light-traffic W of the unit-mean model at the same split (W is
    homogeneous of degree 1 in the size scale there; the load terms are of order 1e-300 relative).
    Its numbers need about 1100 digits over one denominator: refused in one line by default
    (CERTIFY_MAX_GAME_DIGITS, 300), computed once that limit is raised."""
    from certify.bounds.classical import classical_value
    from certify.games.dualwork import load_model

    path = model_file(tmp_path, mean_size=1e-300, thresholds=[1e-300])
    out = tmp_path / "out.json"
    refused = CliRunner().invoke(main, ["classical", str(path), "--fix", "split=1/2", "--json", str(out)])
    assert refused.exit_code == 2 and "CERTIFY_MAX_GAME_DIGITS" in refused.output and not out.exists()
    monkeypatch.setenv("CERTIFY_MAX_GAME_DIGITS", "2000")
    result = CliRunner().invoke(main, ["classical", str(path), "--fix", "split=1/2", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(main, ["verify", str(out)]).exit_code == 0
    tiny = Fraction(json.loads(out.read_text())["exact"])
    unit, _ = load_model(str(model_file(tmp_path, waiting="light-traffic")), fixed={"split": Fraction(1, 2)})
    assert float(tiny * 10**300) == pytest.approx(float(classical_value(unit).exact), rel=1e-9)


def test_an_arrival_rate_beyond_a_double_names_its_key():
    """--arrival-rate 1e400 is an exact number no double holds: one line naming the key, exit 2
    (it was a catch-all overflow line without the key)."""
    result = CliRunner().invoke(main, ["pareto", "--arrival-rate", "1e400", "--points", "3"])
    assert result.exit_code == 2, result.output
    assert "arrival" in result.output and "beyond floating point's range" in result.output
    assert "Traceback" not in result.output
