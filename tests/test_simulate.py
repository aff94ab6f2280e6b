"""The event simulation of the dual-work queues against the model's formulas."""

import json
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner

from certify.proofs.verify import verify_document
from certify.cli import main
from certify.errors import BadInput
from certify.scheduling.simulate import _server, simulate


def _lindley_loop(arrivals, sizes):
    """The textbook recursion, one customer at a time (reference for the vectorised form)."""
    waits, runs = [], []
    wait, free_at = 0.0, 0.0
    for k, (t, s) in enumerate(zip(arrivals, sizes)):
        if k:
            wait = max(0.0, wait + sizes[k - 1] - (t - arrivals[k - 1]))
        runs.append(max(0.0, t - free_at))
        waits.append(wait)
        free_at = max(free_at, t + wait + s)
    return np.array(waits), np.array(runs)


def test_closed_form_lindley_matches_the_loop():
    rng = np.random.default_rng(7)
    arrivals = np.cumsum(rng.exponential(1.0, 2000))
    arrivals[10] = arrivals[9]  # simultaneous arrivals, as in a concentrated pair
    sizes = rng.exponential(0.9, 2000)
    waits, runs = _server(arrivals, sizes)
    expected_waits, expected_runs = _lindley_loop(arrivals, sizes)
    assert np.allclose(waits, expected_waits, atol=1e-9)
    assert np.allclose(runs, expected_runs, atol=1e-9)


PAIRS = {"0.01": 40000, "0.1": 40000, "0.5": 100000, "0.8": 200000}


@pytest.mark.parametrize("strategy", ["classical", "quantum"])
@pytest.mark.parametrize("lam", sorted(PAIRS, key=float))
def test_exact_waiting_agrees_at_every_load(strategy, lam):
    """W and Theta of the model within three 95% half-widths of the simulation, p = 4/5, seed 2.

    The model W is the exact M^X/G/1 waiting (batch Pollaczek-Khinchine,
    PASTA) at the simulated load. Observed (simulated +- half-width / model):
    lambda 0.01 classical 0.0830 +- 0.0032 / 0.0814, quantum 0.0686 +- 0.0021 / 0.0678;
    0.1: 0.1897 +- 0.0069 / 0.1867, 0.1740 +- 0.0055 / 0.1724;
    0.5: 1.1138 +- 0.0290 / 1.1127, 1.0922 +- 0.0290 / 1.0910;
    0.8: 4.3385 +- 0.2113 / 4.2381, 4.2895 +- 0.2199 / 4.1890
    (every one inside a single half-width, so the table says "in CI: yes").
    """
    sim = simulate(split=Fraction(4, 5), strategy=strategy, pairs=PAIRS[lam], seed=2, arrival_rate=Fraction(lam))
    assert sim.model.waiting == "exact"
    assert abs(sim.waiting.mean - sim.waiting.model) <= 3 * sim.waiting.ci95
    assert abs(sim.throughput.mean - sim.throughput.model) <= 3 * sim.throughput.ci95
    assert sim.waiting.ci95 < 0.06 * sim.waiting.model  # the interval is informative


def test_light_traffic_limit_misses_the_queueing_at_load():
    """--waiting light-traffic compares with the lambda -> 0 limit: at lambda = 0.1 the simulation
    waits about three times longer (0.174 against 0.057), far outside the interval."""
    sim = simulate(split=Fraction(4, 5), strategy="quantum", pairs=40000, seed=2, waiting="light-traffic")
    assert sim.model.waiting == "light-traffic"
    assert sim.waiting.mean > 2.5 * sim.waiting.model
    assert sim.waiting.mean - sim.waiting.model > 10 * sim.waiting.ci95


def test_split_one_prints_no_nan():
    """p = 1 (always split): the tables say '-' where a deviation has no meaning, never NaN."""
    for extra in ([], ["--waiting", "light-traffic"]):
        result = CliRunner().invoke(main, ["simulate", "--split", "1", "--pairs", "4000", *extra])
        assert result.exit_code == 0, result.output
        assert "nan" not in result.output.lower()


def test_seeded_and_reproducible():
    first = simulate(split=Fraction(1, 2), pairs=2000, seed=11)
    again = simulate(split=Fraction(1, 2), pairs=2000, seed=11)
    other = simulate(split=Fraction(1, 2), pairs=2000, seed=12)
    assert first.waiting.mean == again.waiting.mean and first.throughput.mean == again.throughput.mean
    assert first.waiting.mean != other.waiting.mean


def test_routing_follows_the_split_and_balance():
    sim = simulate(split=Fraction(4, 5), strategy="classical", pairs=100000, seed=5)
    assert sim.details["split_observed"] == pytest.approx(0.8, abs=0.005)
    assert sim.details["concentrated_on_0"] == pytest.approx(sim.details["concentrated_on_1"], abs=0.005)


def test_bad_simulation_input():
    with pytest.raises(BadInput):
        simulate(split=Fraction(3, 2), pairs=1000)
    with pytest.raises(BadInput):
        simulate(split=Fraction(1, 2), pairs=1000, arrival_rate=-1.0)
    result = CliRunner().invoke(main, ["simulate", "--split", "0.5", "--strategy", "magic"])
    assert result.exit_code == 2


def test_cli_simulate_json_is_verifiable(tmp_path):
    out = tmp_path / "sim.json"
    result = CliRunner().invoke(main, ["simulate", "--split", "4/5", "--strategy", "quantum", "--pairs", "5000",
                                       "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["command"] == "simulate"
    for key in ("waiting", "throughput"):
        assert set(data[key]) >= {"mean", "ci95", "model"}
    items = verify_document(data)
    assert len(items) == 1 and items[0].ok, items[0].problems
    assert float(items[0].value) == pytest.approx(data["waiting"]["model"], rel=1e-12)
