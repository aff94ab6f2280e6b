"""Pareto frontiers of the dual-work model: exact classical, certified quantum bounds, verify."""

import copy
import json
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner

from certify.proofs.correlator import check_correlation_dual, check_correlation_strategy
from certify.proofs.verify import verify_document
from certify.cli import main
from certify.scheduling.model import load_model
from certify.scheduling.frontier import PointJob, classical_hull, frontier, frontier_json, run_point
from certify.bounds.correlator import quantum_dual_bound, quantum_strategy, rational_unit_vector


@pytest.fixture(scope="module")
def default_frontier():
    """The default problem on 11 splits, without the optional NPA cross-check (fast)."""
    return frontier("dual_work", points=11, level=None, jobs=1)


def test_rational_unit_vectors_are_exactly_unit():
    rng = np.random.default_rng(0)
    for dim in (1, 2, 3, 5):
        for _ in range(20):
            u = rng.normal(size=dim)
            v = rational_unit_vector(u)
            assert sum(c * c for c in v) == 1
            assert np.allclose([float(c) for c in v], u / np.linalg.norm(u), atol=1e-11)


def test_frontier_shows_certified_advantage(default_frontier):
    """Advantage certified at every interior split; none at p = 0 (all E = 1) or p = 1 (all E = -1)."""
    points = default_frontier.points
    assert [p["advantage_certified"] for p in points] == [False] + [True] * 9 + [False]
    for p in points:
        assert p["results"]["classical"]["certified"]
        assert p["results"]["quantum_upper"]["certified"]
        assert p["results"]["quantum_lower"]["certified"]
        assert p["quantum_lower"] <= p["quantum_upper"] + 1e-12
        assert p["quantum_upper"] <= p["classical"]


def test_quantum_bounds_meet(default_frontier):
    """Explicit strategy and rigorous lower bound agree to 1e-6 at every split (observed: below 1e-9)."""
    assert max(p["quantum_upper"] - p["quantum_lower"] for p in default_frontier.points) < 1e-6


def test_advantage_at_point_eight():
    """At p = 0.8 quantum W is more than 15% below classical (observed: 19.18%, W 0.0573016 vs 0.0709012)."""
    game, model = load_model(fixed={"split": Fraction(4, 5)})
    point = run_point(PointJob(game, Fraction(4, 5), 0.0, None))
    assert point["advantage_certified"]
    assert point["relative_advantage"] > 0.15
    assert point["classical"] == pytest.approx(0.0709011646565, abs=1e-12)


def test_npa_level_two_agrees_with_explicit_strategy():
    """NPA level 2 (certify.bounds.npa, arXiv:0803.4290) at p = 4/5 is within 1e-6 of the strategy's W."""
    game, _ = load_model(fixed={"split": Fraction(4, 5)})
    point = run_point(PointJob(game, Fraction(4, 5), 0.0, "2"))
    assert "npa_bound" in point, point.get("npa_problem")
    assert point["results"]["npa"]["certified"]
    assert point["npa_bound"] <= point["quantum_upper"] + 1e-12
    assert point["quantum_upper"] - point["npa_bound"] < 1e-6


def hull_value(hull, p):
    """The lower hull's W at split p (linear between its vertices)."""
    for (x1, y1), (x2, y2) in zip(hull, hull[1:]):
        if x1 <= p <= x2:
            return y1 + (y2 - y1) * (p - x1) / (x2 - x1)
    raise ValueError(p)


def test_classical_points_lie_on_the_hull_of_deterministic_strategies(default_frontier):
    """The exact classical frontier is the lower convex hull of the 16 strategies' (split, W)."""
    hull = classical_hull(default_frontier.game)
    for point in default_frontier.points:
        exact = Fraction(point["results"]["classical"]["exact"])
        assert hull_value(hull, Fraction(point["split_exact"])) == exact


def test_summary_figures(default_frontier):
    summary = default_frontier.summary
    assert summary["waiting_reduction"]["value"] > 0.2  # 21.18% at p = 0.95 on 21 points; 20.6% at 0.9 here
    assert summary["throughput_gain"]["value"] > 0.02  # a few per cent at equal waiting
    assert summary["certified_range"] == [0.1, 0.9]


def test_verify_rechecks_the_frontier(default_frontier, tmp_path):
    data = frontier_json(default_frontier, {})
    items = verify_document(json.loads(json.dumps(data)))
    assert [item.path for item in items] == ["", "points"]
    assert all(item.ok for item in items), [item.problems for item in items]
    best = max(
        Fraction(point["classical"]["exact"]) - Fraction(point["quantum_upper"]["certificate"]["value"])
        for point in data["certificate"]["points"]
    )
    assert items[0].value == best > 0 and data["value"] == float(best)
    # tamper with one vector of one strategy: the exact check must fail
    bad = copy.deepcopy(data)
    bad["certificate"]["points"][5]["quantum_upper"]["certificate"]["mixture"][0]["A"][0][0] = "1/2"
    items = verify_document(bad)
    assert not items[0].ok


@pytest.mark.parametrize("key, change", [
    ("classical", lambda v: v + 1e-6), ("quantum_upper", lambda v: v - 1e-6),
    ("quantum_lower", lambda v: v + 1e-6), ("advantage_certified", lambda v: not v),
    ("split", lambda v: v + 0.01),
])
def test_verify_rejects_a_changed_summary_number(default_frontier, key, change):
    """The table papers quote ("points") must be the numbers the certificates prove."""
    data = json.loads(json.dumps(frontier_json(default_frontier, {})))
    data["points"][3][key] = change(data["points"][3][key])
    items = verify_document(data)
    assert items[0].ok and not items[1].ok


def test_strategy_and_dual_checks_reject_wrong_claims():
    game, _ = load_model(fixed={"split": Fraction(1, 2)})
    upper = quantum_strategy(game)
    lower = quantum_dual_bound(game)
    assert check_correlation_strategy(game, upper.certificate).ok
    assert check_correlation_dual(game, lower.certificate).ok
    wrong = dict(lower.certificate, shift="0")
    wrong.pop("value")
    # without the shift the slack is (numerically) singular or indefinite: either it fails,
    # or it proves a bound no better than the one with the shift
    check = check_correlation_dual(game, wrong)
    assert not check.ok or check.bound >= Fraction(lower.certificate["value"])
    other = game.with_fixed({"split": Fraction(3, 5)})
    assert not check_correlation_strategy(other, upper.certificate).ok  # split no longer met


def test_three_threshold_model_end_to_end(tmp_path):
    """Four size classes per server: runs, certifies an advantage (observed 9.5% at p = 1/2)."""
    path = tmp_path / "three.toml"
    path.write_text(
        'name = "dual-work-3"\n[model]\nkind = "dual-work"\nsizes = "exponential"\nmean_size = 1.0\n'
        'thresholds = [0.5, 1.0, 2.0]\narrival_rate = 0.1\nthroughput = "t**1.8"\n'
    )
    result = frontier(str(path), points=3, level=None, jobs=1)
    middle = result.points[1]
    assert result.game.inputs == (4, 4)
    assert middle["advantage_certified"] and middle["relative_advantage"] > 0.05
    assert middle["quantum_upper"] - middle["quantum_lower"] < 1e-6


def test_cli_pareto_json_and_plot(tmp_path):
    plot = tmp_path / "frontier.svg"
    out = tmp_path / "frontier.json"
    result = CliRunner().invoke(main, ["pareto", "--points", "3", "--level", "none", "--jobs", "1",
                                       "--plot", str(plot), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert plot.read_text().lstrip().startswith("<?xml")
    data = json.loads(out.read_text())
    for key in ("tool", "command", "game", "fixed", "value", "exact", "certified", "certificate", "solver", "seconds"):
        assert key in data
    assert data["command"] == "pareto" and data["certified"] is True
    assert set(data["points"][0]) >= {"split", "throughput", "classical", "quantum_lower", "quantum_upper",
                                      "advantage_certified"}
    assert "Largest waiting reduction" in result.output


def test_cli_pareto_bad_plot_extension():
    result = CliRunner().invoke(main, ["pareto", "--points", "3", "--plot", "frontier.pdf"])
    assert result.exit_code == 2 and "--plot" in result.output
