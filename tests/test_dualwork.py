"""The dual-work model generator and throughput functions (docs/model.md)."""

import math
from fractions import Fraction
from itertools import product

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import integrate, optimize, special, stats

from certify.bounds.classical import classical_value
from certify.cli import main
from certify.games.dualwork import SizeDistribution, class_data, game_from_model, load_model
from certify.errors import BadInput
from certify.games.throughput import check_throughput, expected_run_value, parse_throughput, throughput_at


def _model_data(**model):
    table = {"kind": "dual-work", "sizes": "exponential", "mean_size": 1.0, "thresholds": [1.0],
             "arrival_rate": 0.1, "throughput": "t**1.8"}
    table.update(model)
    return {"name": "test", "model": table}


# ---------------------------------------------------------------------------
# Class probabilities and conditional means: closed forms vs quadrature

_FAST, _SLOW = stats.expon(scale=0.5), stats.expon(scale=5.5)  # the hyperexponential's branches, frozen once
LAWS = {
    "exponential": (SizeDistribution("exponential", 1.3), stats.expon(scale=1.3).pdf),
    "hyperexponential": (
        SizeDistribution("hyperexponential", 0.9 * 0.5 + 0.1 * 5.5, branches=((0.9, 0.5), (0.1, 5.5))),
        lambda s: 0.9 * _FAST.pdf(s) + 0.1 * _SLOW.pdf(s),
    ),
    "lognormal": (
        SizeDistribution("lognormal", 1.0, sigma=1.2),
        stats.lognorm(s=1.2, scale=math.exp(-1.2**2 / 2)).pdf,
    ),
}


@pytest.mark.parametrize("name", sorted(LAWS))
def test_class_data_match_numerical_integration(name):
    """q_c = int_class f, m_c = int_class s f / q_c, by scipy quad on each class."""
    law, pdf = LAWS[name]
    thresholds = (0.4, 1.0, 2.5)
    q, m = class_data(law, thresholds)
    edges = (0.0,) + thresholds + (np.inf,)
    for c, (lo, hi) in enumerate(zip(edges, edges[1:])):
        mass = integrate.quad(pdf, lo, hi, epsabs=1e-13, epsrel=1e-12)[0]
        first = integrate.quad(lambda s: s * pdf(s), lo, hi, epsabs=1e-13, epsrel=1e-12)[0]
        assert q[c] == pytest.approx(mass, rel=1e-9, abs=1e-12)
        assert m[c] == pytest.approx(first / mass, rel=1e-8)
    assert sum(qc * mc for qc, mc in zip(q, m)) == pytest.approx(law.mean, rel=1e-10)
    second = integrate.quad(lambda s: s * s * pdf(s), 0, np.inf, epsrel=1e-11, limit=200)[0]
    assert law.second_moment() == pytest.approx(second, rel=1e-7)


def test_deterministic_sizes_fall_in_one_class():
    q, m = class_data(SizeDistribution("deterministic", 1.5), (1.0, 2.0))
    assert q == (0.0, 1.0, 0.0) and m[1] == 1.5


def test_bundled_model_class_data():
    """Exp(1), w = 1: q0 = 1 - 1/e, m0 = (1 - 2/e)/(1 - 1/e), q1 = 1/e, m1 = 2 (memorylessness)."""
    game, model = load_model()
    assert model.q == pytest.approx((1 - 1 / math.e, 1 / math.e), rel=1e-15)
    assert model.m == pytest.approx(((1 - 2 / math.e) / (1 - 1 / math.e), 2.0), rel=1e-14)
    assert sum(model.q_exact) == 1  # exactly, so never/always split are exactly feasible
    assert game.sense == "min" and game.inputs == (2, 2) and game.outputs == (2, 2)
    assert [c.name for c in game.constraints] == ["split", "balance"]
    assert game.constraint("split").value == Fraction(1, 2)
    assert model.waiting == "exact" and model.arrival_exact == Fraction(1, 10)


@pytest.mark.parametrize("waiting", ["exact", "light-traffic"])
def test_game_coefficients_follow_the_formulas(waiting):
    """Exact: c[a,b,x,y] = pi ([a == b] ((m_x + m_y)/4 + f m_x m_y) + f E[S^2]), f = lambda / (2 (1 - rho));
    light traffic: f = 0. split[a,1-a,x,y] = pi; balance = +-pi on a = b."""
    game, model = load_model(waiting=waiting)
    q, m = model.q_exact, model.m_exact
    f = Fraction(1, 10) / (2 * (1 - Fraction(1, 10))) if waiting == "exact" else 0
    assert model.second_exact == 2  # Exp(1): E[S^2] = 2 exactly
    for a, b, x, y in product(range(2), range(2), range(2), range(2)):
        pi = q[x] * q[y]
        same = (m[x] + m[y]) / 4 + f * m[x] * m[y] if a == b else 0
        assert game.objective_exact[a, b, x, y] == pi * (same + 2 * f)
        assert game.constraint("split").exact[a, b, x, y] == (pi if a != b else 0)
        expected_balance = pi if a == b == 0 else -pi if a == b == 1 else 0
        assert game.constraint("balance").exact[a, b, x, y] == expected_balance


@pytest.mark.parametrize("sizes, second", [
    ({"sizes": "exponential", "mean_size": "3/2"}, Fraction(9, 2)),
    ({"sizes": "deterministic", "mean_size": "3/2"}, Fraction(9, 4)),
    ({"sizes": "hyperexponential", "probabilities": ["1/2", "1/2"], "means": [0.5, 1.5]}, Fraction(5, 2)),
])
def test_second_moment_exact(sizes, second):
    """E[S^2]: 2 mu^2 (exponential), mu^2 (deterministic), sum p_i 2 mu_i^2 (hyperexponential), exactly."""
    data = _model_data(**sizes)
    data["model"].pop("mean_size", None) if sizes["sizes"] == "hyperexponential" else None
    from certify.games.dualwork import model_from_table

    assert model_from_table(data, "t.toml").second_exact == second


def test_lognormal_second_moment():
    """mu^2 e^{sigma^2} (the lognormal's second moment), as the rational of its float."""
    from certify.games.dualwork import model_from_table

    model = model_from_table(_model_data(sizes="lognormal", sigma=0.5), "t.toml")
    assert float(model.second_exact) == pytest.approx(math.exp(0.25), rel=1e-15)


# ---------------------------------------------------------------------------
# Classical W against an independent brute-force LP


def _brute_force_classical(game, p):
    """min W over mixtures of the 16 deterministic strategies, split = p, balance (scipy linprog)."""
    W, split = game.objective, game.constraint("split").coefficients
    marginals = [game.constraint("balance").coefficients]
    costs, rows = [], [[] for _ in range(1 + len(marginals))]
    for alpha in product(range(2), repeat=2):
        for beta in product(range(2), repeat=2):
            behaviour = np.zeros((2, 2, 2, 2))
            for x, y in product(range(2), range(2)):
                behaviour[alpha[x], beta[y], x, y] = 1
            costs.append(np.sum(W * behaviour))
            for row, tensor in zip(rows, [split] + marginals):
                row.append(np.sum(tensor * behaviour))
    solution = optimize.linprog(
        costs, A_eq=[np.ones(16)] + rows, b_eq=[1, p] + [0] * len(marginals), bounds=(0, None), method="highs"
    )
    assert solution.status == 0
    return solution.fun


@pytest.mark.parametrize("p", [Fraction(i, 10) for i in range(11)])
def test_classical_waiting_equals_brute_force_lp(p):
    game, _ = load_model(fixed={"split": p})
    result = classical_value(game)
    assert result.certified and result.exact is not None
    assert float(result.exact) == pytest.approx(_brute_force_classical(game, float(p)), abs=1e-12)


def test_classical_endpoints():
    """Light traffic: never split W = E[S]/2 = 1/2, always split W = 0 (docs/model.md).

    Exact at lambda = 1/10 (rho = 1/10, f = lambda / (2 (1 - rho)) = 1/18):
    always split, every customer waits the workload f E[S^2] = 2/18 = 1/9;
    never split, also E[S_A S_B] f = f E[S]^2 = 1/18 more and 1/2 for the
    partner: 1/2 + 1/9 + 1/18 = 2/3 (up to the rounding of q and m).
    """
    game, _ = load_model(waiting="light-traffic")
    assert float(classical_value(game.with_fixed({"split": 0})).exact) == pytest.approx(0.5, abs=1e-15)
    assert classical_value(game.with_fixed({"split": 1})).exact == 0
    game, _ = load_model()
    assert float(classical_value(game.with_fixed({"split": 0})).exact) == pytest.approx(2 / 3, abs=1e-15)
    assert classical_value(game.with_fixed({"split": 1})).exact == Fraction(1, 9)


# ---------------------------------------------------------------------------
# Throughput


def gamma_check(alpha, rate):
    """Gamma(2 + alpha) / r^(1 + alpha), the power family's E[T(R)], computed independently."""
    return float(special.gamma(2.0 + alpha)) / rate ** (1.0 + alpha)


def test_power_family_closed_form_matches_quadrature():
    """E[R^(1+alpha)] = Gamma(2+alpha)/r^(1+alpha) for R ~ Exp(r)."""
    for alpha in (0.3, 0.8, 1.5):
        for r in (0.05, 0.1, 1.0):
            general = parse_throughput(f"t**{1 + alpha} + 0*t", None, "t")  # no closed form: quadrature
            assert general.family is None
            assert expected_run_value(general, r) == pytest.approx(gamma_check(alpha, r), rel=1e-9)


def test_exponential_family_closed_form():
    T = parse_throughput({"family": "exponential", "beta": 0.02}, None, "t")
    assert expected_run_value(T, 0.1) == pytest.approx(0.02 / 0.08, rel=1e-12)


@pytest.mark.parametrize("family, expression", [
    ({"family": "power", "alpha": 0.3}, "t**1.3"), ({"family": "power", "alpha": 1.5}, "t**2.5"),
    ({"family": "exponential", "beta": 0.02}, "exp(0.02*t) - 1"), ({"family": "linear"}, "t"),
])
def test_named_families_closed_forms_match_quadrature_of_the_same_expression(family, expression):
    """The closed forms of docs/model.md (the values a named family uses) against scipy's
    quadrature of the same T written as an expression (+ 0*t: no family).
    A decimal inside exp() is evaluated on arrays too (it used to be refused: "cannot evaluate")."""
    named = parse_throughput(family, None, "t")
    general = parse_throughput(f"{expression} + 0*t", None, "t")
    assert named.family == family["family"] and general.family is None
    for r in (0.05, 0.1, 1.0):
        assert expected_run_value(named, r) == pytest.approx(expected_run_value(general, r), rel=1e-9)


def test_theta_constant_for_linear_throughput():
    """T(t) = t: Theta = 2 (1 - rho) whatever p (time idle is all that counts)."""
    T = parse_throughput("t", None, "t")
    values = [throughput_at(T, 0.1, 1.0, p) for p in np.linspace(0, 1, 11)]
    assert values == pytest.approx([2 * 0.9] * 11, rel=1e-10)
    assert check_throughput(T, 0.05, None, "t") is False  # convex, not strictly


def test_theta_strictly_decreasing_for_convex_throughput():
    T = parse_throughput("t**1.8", None, "t")
    values = [throughput_at(T, 0.1, 1.0, p) for p in np.linspace(0, 1, 21)]
    assert all(later < earlier for earlier, later in zip(values, values[1:]))
    # closed form 2 (1 - rho) Gamma(2.8) r^-0.8 with r = lambda (1 + p)/2
    assert values[10] == pytest.approx(2 * 0.9 * math.gamma(2.8) * (0.1 * 1.5 / 2) ** -0.8, rel=1e-12)
    assert check_throughput(T, 0.05, None, "t") is True


# ---------------------------------------------------------------------------
# Bad input: one line, exit 2


@pytest.mark.parametrize(
    "change, key",
    [
        ({"throughput": "sqrt(t)"}, "model.throughput"),
        ({"throughput": "t**0.5 + t"}, "model.throughput"),
        ({"throughput": "t + 1"}, "model.throughput"),  # T(0) != 0
        ({"sizes": "pareto"}, "model.sizes"),
        ({"arrival_rate": -0.1}, "model.arrival_rate"),
        ({"arrival_rate": 1.5}, "model.arrival_rate"),  # unstable: rho >= 1
        ({"thresholds": [2.0, 1.0]}, "model.thresholds"),
        ({"split": 1.5}, "model.split"),
        ({"colour": "red"}, "model.colour"),
        ({"sizes": "lognormal"}, "model.sigma"),
        ({"sigma": 1.0}, "model.sigma"),  # not a parameter of exponential sizes
        ({"waiting": "heavy"}, "model.waiting"),
    ],
)
def test_bad_model_input(change, key):
    with pytest.raises(BadInput) as error:
        game_from_model(_model_data(**change), "bad.toml")
    assert error.value.key == key


def test_bad_throughput_on_the_command_line_exits_2(tmp_path):
    result = CliRunner().invoke(main, ["pareto", "--throughput", "sqrt(t)", "--points", "3"])
    assert result.exit_code == 2
    assert "not convex" in result.output and "Traceback" not in result.output


def test_named_throughput_families_on_the_command_line():
    """power:ALPHA, exponential:BETA and linear are the file's named families."""
    from certify.games.throughput import parse_throughput

    assert parse_throughput("power:0.8", None, "--throughput").parameter == 0.8
    assert parse_throughput("exponential:0.01", None, "--throughput").family == "exponential"
    assert parse_throughput("linear", None, "--throughput").family == "linear"
    for bad in ("power:-1", "power:x", "power"):
        with pytest.raises(BadInput):
            parse_throughput(bad, None, "--throughput")


def test_unstable_or_bad_arrival_rate_override_names_the_option():
    """--arrival-rate with rho >= 1 (or lambda <= 0) is bad input naming --arrival-rate, exit 2."""
    for rate in (Fraction(1), Fraction(3, 2), Fraction(-1, 10)):
        with pytest.raises(BadInput) as error:
            load_model(arrival_rate=rate)
        assert error.value.key == "--arrival-rate"
    for command in (["pareto", "--arrival-rate", "0.1,1.2", "--points", "3"],
                    ["simulate", "--split", "1/2", "--arrival-rate", "1"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 2 and "--arrival-rate" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(main, ["pareto", "--arrival-rate", "0.1,,0.2", "--points", "3"])
    assert result.exit_code == 2 and "--arrival-rate" in result.output


def test_exact_waiting_formula_against_the_queue_formula():
    """The game's W of a behaviour equals sum_customers (V + partner)/2 computed independently.

    V = lambda E[B^2] / (2 (1 - rho)) with E[B^2] = E[S^2] + sum pi P(a == b) m_x m_y
    (batch Pollaczek-Khinchine mean workload), partner wait (m_x + m_y)/4 per
    customer of a concentrated pair; here for the never-split, always-split and
    a random uniform-marginal behaviour, at lambda = 0.3.
    """
    game, model = load_model(arrival_rate=Fraction(3, 10))
    q, m = np.array(model.q), np.array(model.m)
    pi = np.outer(q, q)
    rng = np.random.default_rng(1)
    for E in (np.ones((2, 2)), -np.ones((2, 2)), rng.uniform(-1, 1, (2, 2))):
        behaviour = np.empty((2, 2, 2, 2))
        for a, b in product(range(2), range(2)):
            behaviour[a, b] = (1 + (1 if a == b else -1) * E) / 4
        same = behaviour[0, 0] + behaviour[1, 1]
        second = 2.0 + np.sum(pi * same * np.outer(m, m))
        workload = 0.3 * second / (2 * (1 - 0.3))
        expected = workload + np.sum(pi * same * (m[:, None] + m[None, :]) / 4)
        assert np.sum(game.objective * behaviour) == pytest.approx(expected, rel=1e-12)
        assert model.waiting_of(behaviour) == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------------------
# Many size classes: column generation must end at a dual the checker accepts

SEVEN = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0]


def _all_strategies_lp(game, p):
    """min W over mixtures of all 256 x 256 deterministic strategies of an 8-class game,
    split = p, balance = 0 (scipy linprog over every column: independent of the
    column generation under test)."""
    k = game.inputs[0]
    alphas = np.array(list(product(range(2), repeat=k)))  # (256, k)
    x = np.arange(k)

    def table(tensor):  # value[s, t] = sum_xy tensor[alpha_s(x), beta_t(y), x, y]
        t = np.asarray(tensor, dtype=float)
        picked = t[alphas[:, None, :, None], alphas[None, :, None, :], x[None, None, :, None], x[None, None, None, :]]
        return picked.sum(axis=(2, 3)).ravel()

    costs = table(game.objective)
    rows = [np.ones_like(costs), table(game.constraint("split").coefficients),
            table(game.constraint("balance").coefficients)]
    solution = optimize.linprog(costs, A_eq=rows, b_eq=[1, p, 0], bounds=(0, None), method="highs")
    assert solution.status == 0
    return solution.fun


@pytest.mark.parametrize("p", [Fraction(0), Fraction(3, 10), Fraction(1)])
def test_seven_thresholds_certify_and_verify_at_every_split(tmp_path, p):
    """Seven thresholds (8 classes, 2^8 strategies a player, column generation): at split 0 the
    final LP is degenerate and its dual used to price splitting too cheaply, so the certificate
    failed its own check. Now certified and verified, with the value of every-column LP;
    at split 0 it is the never-split W, sum pi [(m_x + m_y)/4 + f m_x m_y] + f E[S^2], exactly
    (2/3 up to the rounding of q and m, as test_classical_endpoints derives)."""
    from certify.games.dualwork import model_from_table

    data = _model_data(thresholds=SEVEN)
    path = tmp_path / "seven.json"
    path.write_text(__import__("json").dumps(data))
    out = tmp_path / "out.json"
    result = CliRunner().invoke(main, ["classical", str(path), "--fix", f"split={p}", "--json", str(out)])
    assert result.exit_code == 0, result.output
    document = __import__("json").loads(out.read_text())
    assert document["certified"] is True and "column generation" in document["method"]
    verified = CliRunner().invoke(main, ["verify", str(out)])
    assert verified.exit_code == 0, verified.output
    exact = Fraction(document["exact"])
    game = game_from_model(data, str(path)).with_fixed({"split": p})
    assert float(exact) == pytest.approx(_all_strategies_lp(game, float(p)), abs=1e-9)
    if p == 0:
        model = model_from_table(data, str(path))
        same, constant = model.waiting_terms()
        q = model.q_exact
        never = sum(q[x] * q[y] * same[x][y] for x in range(8) for y in range(8)) + constant
        assert exact == never
        assert float(exact) == pytest.approx(2 / 3, abs=1e-12)
