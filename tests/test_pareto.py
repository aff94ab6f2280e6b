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
from certify.games.dualwork import load_model
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
        # exactly (the floats are rounded on their safe sides, so equal values may differ by an ulp)
        assert Fraction(p["results"]["quantum_upper"]["achieved"]) <= Fraction(p["results"]["classical"]["exact"])


def test_quantum_bounds_meet(default_frontier):
    """Explicit strategy and rigorous lower bound agree to 1e-6 at every split (observed: below 1e-9)."""
    assert max(p["quantum_upper"] - p["quantum_lower"] for p in default_frontier.points) < 1e-6


@pytest.mark.parametrize("waiting, classical, quantum", [
    ("light-traffic", 0.0709011646565, 0.0573015870749),  # the lambda -> 0 limit: 19.18% less
    ("exact", 0.186656979025, 0.172366265741),  # lambda = 0.1: 7.66% less
])
def test_advantage_at_point_eight(waiting, classical, quantum):
    """At p = 0.8: W classical and quantum under both waiting models (values as computed by the
    independent LP and Tsirelson SDP of test_matches_independent_lp_and_tsirelson_sdp)."""
    game, model = load_model(fixed={"split": Fraction(4, 5)}, waiting=waiting)
    point = run_point(PointJob(game, Fraction(4, 5), 0.0, None))
    assert point["advantage_certified"]
    assert point["classical"] == pytest.approx(classical, abs=1e-12)
    assert point["quantum_upper"] == pytest.approx(quantum, abs=1e-9)


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
    """lambda = 0.1, exact waiting: the supremum of the relative reduction is 8.6617% at p = 0.6708,
    bracketed rigorously (certified strategy below, dual lines above) within 1e-8."""
    summary = default_frontier.summary
    w = summary["waiting_reduction"]
    assert w["kind"] == "maximum"
    assert w["value"] <= w["upper"] < w["value"] + 1e-8
    assert w["value"] == pytest.approx(0.0866173, abs=1e-7)
    assert w["split"] == pytest.approx(0.6708, abs=1e-3)
    a = summary["absolute_waiting_reduction"]
    assert a["value"] <= a["upper"] < a["value"] + 1e-8 and a["value"] == pytest.approx(0.0219942, abs=1e-7)
    assert summary["throughput_gain"]["value"] > 0.02  # a few per cent at equal waiting
    assert summary["certified_range"] == [0.1, 0.9]


def test_largest_reduction_does_not_depend_on_the_grid(default_frontier):
    """A finer grid never changes the headline (the supremum, to 1e-8): 5 and 11 points."""
    coarse = frontier("dual_work", points=5, level=None, jobs=1).summary["waiting_reduction"]
    fine = default_frontier.summary["waiting_reduction"]
    for w in (coarse, fine):
        assert w["value"] == pytest.approx(0.08661730, abs=1e-8)
        assert w["upper"] == pytest.approx(0.08661730, abs=1e-8)


def test_light_traffic_supremum_is_a_limit():
    """Light traffic: C(1) = Q(1) = 0 and the reduction grows towards p -> 1; reported as a limit
    (21.72%, the value the tangent-cone SDP gives) certified at p = 0.99999, on any grid."""
    result = frontier("dual_work", points=5, level=None, jobs=1, waiting="light-traffic")
    w = result.summary["waiting_reduction"]
    assert w["kind"] == "limit" and w["split_exact"] == "99999/100000"
    assert w["value"] == pytest.approx(0.21716, abs=2e-5)


def test_linear_throughput_says_there_is_no_trade_off():
    """With T linear Theta is constant; one line says so, no throughput gain."""
    result = CliRunner().invoke(main, ["pareto", "--throughput", "linear", "--points", "3", "--level", "none",
                                       "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "No throughput trade-off" in result.output
    assert "classical needs" not in result.output


def test_verify_rechecks_the_frontier(default_frontier, tmp_path):
    data = frontier_json(default_frontier, {})
    items = verify_document(json.loads(json.dumps(data)))
    assert [item.path for item in items] == ["", "points"]
    assert all(item.ok for item in items), [item.problems for item in items]
    best = max(
        Fraction(point["classical"]["exact"]) - Fraction(point["quantum_upper"]["certificate"]["value"])
        for point in data["certificate"]["points"]
    )
    # "value" is a "beats by at least": its float is rounded down
    assert items[0].value == best > 0 and Fraction(data["value"]) <= best < Fraction(data["value"]) + Fraction(1, 10**15)
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


@pytest.mark.parametrize("solver", [None, "cvxopt"])
def test_tsirelson_bounds_meet_at_chsh(solver):
    """Tsirelson (Lett. Math. Phys. 4, 93 (1980)): CHSH's quantum value is cos^2(pi/8). The explicit
    strategy lies below it and the dual bound above, both within 1e-9; by default the SDP goes to
    Clarabel directly, with a solver named through cvxpy."""
    from certify.games.game import load_game

    game = load_game("chsh")
    value = float(np.cos(np.pi / 8) ** 2)
    strategy, dual = quantum_strategy(game, solver=solver), quantum_dual_bound(game, solver=solver)
    assert strategy.certified and dual.certified
    assert value - 1e-9 < strategy.value <= value + 1e-15 and value - 1e-15 <= dual.value < value + 1e-9
    assert all(result.solver["name"].startswith(solver or "clarabel") for result in (strategy, dual))


@pytest.mark.parametrize("relation", ["<=", ">="])
def test_tsirelson_bounds_meet_under_inequalities(relation):
    """The split written as an inequality (P(a != b) <= 1/2 or >= 1/2): the strategy and the dual
    bound still meet (within 1e-7), so the inequality multipliers come back with the right signs."""
    import dataclasses

    game, _ = load_model(fixed={"split": Fraction(1, 2)})
    split = game.constraint("split")
    game = dataclasses.replace(game, constraints=(dataclasses.replace(split, relation=relation),))
    strategy, dual = quantum_strategy(game), quantum_dual_bound(game)  # W is minimised: dual <= W <= strategy
    assert strategy.certified and dual.certified
    assert 0 <= strategy.value - dual.value < 1e-7


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
    assert data["waiting_model"] == "exact" and data["arrival_rate"] == 0.1
    for key in ("tool", "command", "game", "fixed", "value", "exact", "certified", "certificate", "solver", "seconds"):
        assert key in data
    assert data["command"] == "pareto" and data["certified"] is True
    assert set(data["points"][0]) >= {"split", "throughput", "classical", "quantum_lower", "quantum_upper",
                                      "advantage_certified"}
    assert "Largest waiting reduction" in result.output


def test_cli_pareto_bad_plot_and_table_extensions(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for option, name in (("--plot", "frontier.jpg"), ("--table", "frontier.xlsx")):
        result = CliRunner().invoke(main, ["pareto", "--points", "3", option, name])
        assert result.exit_code == 2 and option in result.output
    assert not list(tmp_path.iterdir())  # nothing written


# ---------------------------------------------------------------------------
# The JSON of `certify pareto --arrival-rate L --json -` against an LP and a
# Tsirelson SDP built here directly with scipy and cvxpy from the model's formulas (not certify's code)


def _independent_model(lam):
    """Exp(1) sizes, w = 1: q = (1 - 1/e, 1/e), m = ((1 - 2/e)/(1 - 1/e), 2), E[S^2] = 2 (docs/model.md).

    W = sum pi P(a == b) [(m_x + m_y)/4 + f m_x m_y] + f E[S^2], f = lambda / (2 (1 - lambda)).
    """
    import math

    q = np.array([1 - 1 / math.e, 1 / math.e])
    m = np.array([(1 - 2 / math.e) / (1 - 1 / math.e), 2.0])
    pi = np.outer(q, q)
    f = lam / (2 * (1 - lam))
    same = (m[:, None] + m[None, :]) / 4 + f * np.outer(m, m)
    return pi, same, 2.0 * f


def _independent_lp(pi, same, constant, p):
    """min W over mixtures of the 16 deterministic strategies, P(a != b) = p, uniform marginals."""
    from itertools import product

    from scipy.optimize import linprog

    costs, rows = [], [[] for _ in range(5)]
    for alpha in product(range(2), repeat=2):
        for beta in product(range(2), repeat=2):
            equal = np.array([[alpha[x] == beta[y] for y in range(2)] for x in range(2)], dtype=float)
            costs.append(np.sum(pi * equal * same) + constant)
            rows[0].append(np.sum(pi * (1 - equal)))
            for x in range(2):
                rows[1 + x].append(1.0 - 2 * alpha[x])  # P(a=0|x) - P(a=1|x)
                rows[3 + x].append(1.0 - 2 * beta[x])
    solution = linprog(costs, A_eq=[np.ones(16)] + rows, b_eq=[1, p, 0, 0, 0, 0], bounds=(0, None), method="highs")
    assert solution.status == 0
    return solution.fun


def _independent_tsirelson(pi, same, constant, p):
    """min W over correlators E_xy = u_x . v_y (unit vectors), P(a == b | x,y) = (1 + E)/2 (Tsirelson 1980)."""
    import cvxpy as cp

    G = cp.Variable((4, 4), PSD=True)
    E = G[:2, 2:]
    waiting = cp.sum(cp.multiply(pi * same, (1 + E) / 2)) + constant
    split = cp.sum(cp.multiply(pi, (1 - E) / 2))
    problem = cp.Problem(cp.Minimize(waiting), [cp.diag(G) == 1, split == p])
    problem.solve(solver=cp.CLARABEL)
    assert problem.status == "optimal"
    return problem.value


@pytest.mark.parametrize("lam, extra", [("0.1", []), ("0.5", ["--points", "11", "--level", "none"])])
def test_matches_independent_lp_and_tsirelson_sdp(lam, extra):
    """Every point of `certify pareto --arrival-rate L --json -` (L = 0.1 as is;
    0.5 on 11 points, without the NPA cross-check, to keep the test short)."""
    result = CliRunner().invoke(main, ["pareto", "--arrival-rate", lam, "--json", "-", *extra])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["arrival_rate"] == float(lam) and data["waiting_model"] == "exact"
    assert data["value_meaning"].startswith("largest certified waiting reduction")
    pi, same, constant = _independent_model(float(lam))
    for point in data["points"]:
        p = point["split"]
        assert point["classical"] == pytest.approx(_independent_lp(pi, same, constant, p), abs=1e-8)
        assert point["quantum_lower"] == pytest.approx(_independent_tsirelson(pi, same, constant, p), abs=1e-6)
        assert point["quantum_lower"] <= point["quantum_upper"] <= point["quantum_lower"] + 1e-5
    assert all(item.ok for item in verify_document(data)), [i.problems for i in verify_document(data) if not i.ok]


def test_several_loads_json_plot_and_table(tmp_path):
    """--arrival-rate 0.01,0.1,0.5: one complete, verifiable frontier per load, a PDF, an exact CSV table."""
    import csv

    out, plot, table = tmp_path / "f.json", tmp_path / "f.pdf", tmp_path / "f.csv"
    result = CliRunner().invoke(main, ["pareto", "--arrival-rate", "0.01,0.1,0.5", "--points", "3", "--level",
                                       "none", "--jobs", "1", "--json", str(out), "--plot", str(plot),
                                       "--table", str(table)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["arrival_rate"] == [0.01, 0.1, 0.5]
    assert [d["arrival_rate"] for d in data["loads"]] == [0.01, 0.1, 0.5]
    items = verify_document(data)
    assert len([i for i in items if i.kind == "frontier"]) == 3 and all(i.ok for i in items)
    reductions = [row["relative_reduction"]["value"] for row in data["comparison"]["loads"]]
    assert reductions[0] > reductions[1] > reductions[2]  # the advantage shrinks with load
    assert "Advantage by load" in result.output and "From lambda = 0.01 to 0.5" in result.output
    assert plot.read_bytes().startswith(b"%PDF")
    rows = list(csv.reader(table.open()))
    assert len(rows) == 1 + 3 * 3
    lam, p, classical = rows[1][0], rows[1][1], rows[1][3]
    assert (lam, p) == ("1/100", "0") and Fraction(classical) == Fraction(
        data["loads"][0]["certificate"]["points"][0]["classical"]["exact"])


def test_verify_names_the_frontier_value(default_frontier, tmp_path):
    """The top-level value is named in the JSON and in verify's table."""
    path = tmp_path / "frontier.json"
    data = frontier_json(default_frontier, {})
    path.write_text(json.dumps(data))
    assert "largest certified waiting reduction" in data["value_meaning"]
    result = CliRunner(env={"COLUMNS": "200"}).invoke(main, ["verify", str(path)])
    assert result.exit_code == 0, result.output
    assert "frontier: largest W reduction" in result.output


def test_frontier_table_exports_round_safely(default_frontier, tmp_path):
    """CSV: exact rationals; TeX and Markdown: lower bounds rounded down, the explicit W up."""
    import csv

    from certify.report.exports import decimal_down, decimal_up, tex_escape, write_frontier_table

    assert tex_escape(r"a_b & 5% {x} \\") == r"a\_b \& 5\% \{x\} \textbackslash{}\textbackslash{}"
    assert decimal_down(Fraction(2, 3), 4) == "0.6666" and decimal_up(Fraction(2, 3), 4) == "0.6667"
    assert decimal_down(Fraction(-2, 3), 4) == "-0.6667" and decimal_up(Fraction(1, 2), 4) == "0.5000"
    for suffix in ("csv", "tex", "md"):
        write_frontier_table([default_frontier], tmp_path / f"f.{suffix}")
    rows = list(csv.DictReader((tmp_path / "f.csv").open()))
    middle = default_frontier.points[5]["results"]
    row = rows[5]
    assert Fraction(row["W classical (exact min)"]) == Fraction(middle["classical"]["exact"])
    upper = Fraction(middle["quantum_upper"]["certificate"]["value"])
    assert Fraction(row["W quantum <= (explicit)"]) == upper
    tex = (tmp_path / "f.tex").read_text()
    assert r"\toprule" in tex and decimal_up(upper) in tex
    md = (tmp_path / "f.md").read_text()
    assert decimal_up(upper) in md and "Lower bounds rounded down" in md


def test_gap_table_export(tmp_path):
    """certify gap --table: CHSH, exact 3/4 in the CSV; the NPA bound rounded up, see-saw down in TeX."""
    import csv

    for suffix in ("csv", "tex", "md"):
        result = CliRunner().invoke(main, ["gap", "chsh", "--table", str(tmp_path / f"g.{suffix}")])
        assert result.exit_code == 0, result.output
    rows = {row["bound"]: row for row in csv.DictReader((tmp_path / "g.csv").open())}
    assert rows["classical optimum"]["value (exact)"] == "3/4"
    lower = Fraction(rows["quantum lower bound"]["value (exact)"])
    upper = Fraction(rows["quantum upper bound"]["value (exact)"])
    assert lower <= Fraction(853553390593274, 10**15) < upper  # cos^2(pi/8) = 0.85355339059327...
    tex = (tmp_path / "g.tex").read_text()
    from certify.report.exports import decimal_down, decimal_up

    assert decimal_down(lower) in tex and decimal_up(upper) in tex
    result = CliRunner().invoke(main, ["gap", "chsh", "--table", str(tmp_path / "g.xls")])
    assert result.exit_code == 2 and "--table" in result.output


def _model_with(tmp_path, name, constraints):
    """The bundled dual-work model file with extra [[constraints]] tables."""
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "problems" / "dual_work.toml").read_text().split("[expected]")[0]
    path = tmp_path / f"{name}.toml"
    path.write_text(text + "".join(f'\n[[constraints]]\nname = "{n}"\nexpression = "{e}"\nrelation = "{r}"\n'
                                   f'value = "{v}"\n' for n, e, r, v in constraints))
    return path


# Feasible at every split: symmetric strategies (uniform marginals) meet the first exactly (it is
# odd under flipping both answers, at level 0: it costs nothing); the second is slack for every
# behaviour (pi(1,1) = e^-2 < 1/2) but flip-invariant and an inequality; the third binds (it keeps
# large pairs from splitting more often than small ones, which the best policies do).
EQUAL = ("marginals", "(x != y) * ((a == 0) - (b == 0))", "==", "0")
AT_MOST = ("slack", "(x == 1) * (y == 1) * (a == b)", "<=", "1/2")
SMALL_FIRST = ("small_first", "(x == 1) * (y == 1) * (a != b) - (x == 0) * (y == 0) * (a != b)", "<=", "0")


@pytest.mark.parametrize("noise", [[], ["--visibility", "0.9"]])
def test_model_file_with_a_costless_constraint_end_to_end(tmp_path, noise):
    """A model file with its own '== 0' row that flipping both answers negates: pareto runs, verify
    accepts the genuine document (its model block and the definition's own row rebuild the game), and
    the summary's classical frontier equals, at every grid split, the exact classical LP of the game
    with every constraint (classical_value called here again), and the hull without the row."""
    from certify.bounds.classical import classical_value
    from certify.proofs.frontier import hull_value

    path = _model_with(tmp_path, "extra", [EQUAL])
    out = tmp_path / "extra.json"
    result = CliRunner().invoke(main, ["pareto", str(path), "--points", "5", "--level", "1", "--jobs", "1",
                                       *noise, "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert [c["name"] for c in data["game"]["definition"]["constraints"]] == ["split", "balance", "marginals"]
    assert CliRunner().invoke(main, ["verify", str(out)]).exit_code == 0
    hull = [(Fraction(x), Fraction(y)) for x, y in data["summary"]["classical_hull"]]
    game, _ = load_model(str(path))
    for point in data["points"]:
        p = Fraction(point["split_exact"])
        assert hull_value(hull, p) == classical_value(game.with_fixed({"split": p})).exact
    plain, _ = load_model("dual_work")
    assert hull == classical_hull(plain)


@pytest.mark.parametrize("constraints", [[EQUAL, AT_MOST], [SMALL_FIRST]])
@pytest.mark.parametrize("noise", [[], ["--visibility", "0.9"]])
def test_model_file_with_constraints_it_cannot_honour_is_refused(tmp_path, constraints, noise):
    """Any other row of a model file (an inequality, a flip-invariant row): the explicit quantum
    strategies meet only the split exactly, so pareto refuses it before any work with one line naming
    the file and the constraint (exit 2, nothing written); before, an active inequality ended in a
    traceback."""
    path = _model_with(tmp_path, "extra", constraints)
    out = tmp_path / "extra.json"
    result = CliRunner().invoke(main, ["pareto", str(path), "--points", "3", "--level", "1", "--jobs", "1",
                                       *noise, "--json", str(out)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    assert str(path) in lines[0] and f"constraints ({constraints[-1][0]})" in lines[0], lines[0]
    assert not out.exists()


def test_classical_hull_cuts_every_constraint():
    """The summary's hull is the exact classical frontier under every constraint: the polytope of
    the deterministic strategies' (split, W, other levels) cut by each row. With a binding row
    (pi(0,0) P(a != b | 0,0) <= 1/20) its height at each split equals the exact classical LP's
    (and lies above the hull without the row); a flip-odd row at level 0 (balance) is left out,
    which is exact only when the rows cut are flip-invariant, so an odd row at another level is refused."""
    from certify.bounds.classical import classical_value
    from certify.games.game import Constraint
    from certify.proofs.frontier import hull_value

    game, _ = load_model("dual_work")
    hull = classical_hull(game)
    assert hull_value(hull, Fraction(1, 2)) == classical_value(game.with_fixed({"split": Fraction(1, 2)})).exact
    shape = game.objective_exact.shape
    pi = game.constraint("split").exact  # pi(x, y) on a != b
    binding = np.full(shape, Fraction(0), dtype=object)
    binding[0, 1, 0, 0], binding[1, 0, 0, 0] = pi[0, 1, 0, 0], pi[1, 0, 0, 0]
    tight = replace_constraints(game, Constraint("binding", binding, "<=", Fraction(1, 20)))
    cut = classical_hull(tight)
    assert cut[0][0] == 0 and cut[-1][0] < 1  # always splitting breaks the row
    for p in (Fraction(1, 4), Fraction(1, 2), cut[-1][0]):  # the last: the largest split the row allows
        lp = classical_value(tight.with_fixed({"split": p})).exact
        assert hull_value(cut, p) == lp
    assert hull_value(cut, Fraction(1, 2)) > hull_value(hull, Fraction(1, 2))
    level = replace_constraints(game, Constraint("level", binding, "==", Fraction(1, 20)))
    assert hull_value(classical_hull(level), Fraction(1, 2)) == classical_value(
        level.with_fixed({"split": Fraction(1, 2)})).exact
    odd = np.full(shape, Fraction(0), dtype=object)
    odd[0, 0, 0, 0], odd[1, 1, 0, 0] = Fraction(1), Fraction(-1)
    with pytest.raises(ValueError, match="balance"):
        classical_hull(replace_constraints(game, Constraint("shifted", odd, "==", Fraction(1, 10))))
    assert classical_hull(replace_constraints(game, Constraint("level0", odd, "==", Fraction(0)))) == hull


def replace_constraints(game, extra):
    """``game`` with one more constraint."""
    import dataclasses

    return dataclasses.replace(game, constraints=game.constraints + (extra,))
