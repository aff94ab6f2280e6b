"""See-saw lower bounds against toqito's NonlocalGame.quantum_value_lower_bound.

Same games (CHSH; I3322 at local dimensions 2 and 3; random 2-output games
with 4 inputs per player, payoff 0/1, questions uniform; random XOR games
with 4 inputs per player), same machine, one
run; medians over repetitions, and the ratio toqito / certify of the times.
Both get the same number of random starts (toqito's ``iters``, certify's
``restarts``; certify adds the deterministic start). certify's time is
``seesaw_bound``: the search, then the witness written out and checked
exactly in rationals; its value is that certified lower bound. toqito's value
is its last SDP objective, a float with no witness (on I3322 it can exceed the
qubit maximum 0.25 by the SDP solver's tolerance).

Run:  python benchmarks/bench_seesaw.py  [--repeats 3] [--starts 5] [--update | --output FILE]
Writes a new file in benchmarks/runs/; --update overwrites the committed
benchmarks/results/seesaw.md, --output FILE writes FILE.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np

import results_file

from certify.games.game import Game, load_game
from certify.bounds.seesaw import seesaw_bound

RESULTS = Path(__file__).parent / "results" / "seesaw.md"


def random_game(inputs, seed):
    rng = np.random.default_rng(seed)
    payoff = rng.integers(0, 2, size=(2, 2, inputs, inputs))
    exact = np.vectorize(lambda v: Fraction(int(v), inputs * inputs), otypes=[object])(payoff)
    return Game(name=f"random-{inputs}-seed{seed}", inputs=(inputs, inputs), outputs=(2, 2), sense="max", objective_exact=exact)


def correlation_game(inputs, seed):
    """c[a,b,x,y] = M[x,y] (-1)^(a+b) / inputs^2 with M[x,y] = +-1 at random: an XOR game,
    where entanglement usually helps (unlike most random 0/1 payoffs)."""
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1, 1], size=(inputs, inputs))
    exact = np.empty((2, 2, inputs, inputs), dtype=object)
    for a, b, x, y in np.ndindex(exact.shape):
        exact[a, b, x, y] = Fraction(int(signs[x, y]) * (-1) ** (a + b), inputs * inputs)
    return Game(name=f"xor-{inputs}-seed{seed}", inputs=(inputs, inputs), outputs=(2, 2), sense="max", objective_exact=exact)


def npa_upper(game):
    """The smaller certified NPA upper bound of levels 1 and 2 (None if the solver stops short on both)."""
    from certify.errors import SolverFailed
    from certify.bounds.npa import npa_bound

    bounds = []
    for level in ("1", "2"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                bounds.append(npa_bound(game, level=level).value)
        except SolverFailed:
            pass
    return min(bounds) if bounds else None


def time_certify(game, dim, starts, repeats):
    times, values = [], []
    for repeat in range(repeats):
        start = time.perf_counter()
        result = seesaw_bound(game, dim=dim, restarts=starts, seed=repeat)
        times.append(time.perf_counter() - start)
        assert result.certified, result.problems
        values.append(result.value)
    return statistics.median(times), statistics.median(values), max(values)


def time_toqito(game, dim, starts, repeats):
    from toqito.nonlocal_games.nonlocal_game import NonlocalGame

    iA, iB = game.inputs
    probabilities = np.full((iA, iB), 1.0 / (iA * iB))
    predicate = game.objective * (iA * iB)  # toqito weighs V(a,b|x,y) by pi(x,y)
    times, values = [], []
    for repeat in range(repeats):
        np.random.seed(repeat)  # toqito draws its starts from numpy's global generator
        toqito_game = NonlocalGame(probabilities, predicate)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values.append(float(toqito_game.quantum_value_lower_bound(dim=dim, iters=starts)))
        times.append(time.perf_counter() - start)
    return statistics.median(times), statistics.median(values), max(values)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--starts", type=int, default=5)
    results_file.add_arguments(parser, RESULTS)
    args = parser.parse_args(argv)
    cases = [(load_game("chsh"), 2), (load_game("i3322"), 2), (load_game("i3322"), 3)]
    cases += [(random_game(4, seed), 2) for seed in (1, 2, 3)]
    cases += [(correlation_game(4, seed), 2) for seed in (1, 2)]
    rows = []
    for game, dim in cases:
        ours = time_certify(game, dim, args.starts, args.repeats)
        theirs = time_toqito(game, dim, args.starts, args.repeats)
        rows.append((game.name, dim, ours, theirs, npa_upper(game)))
        print(rows[-1], flush=True)
    lines = [
        "# See-saw: certify against toqito",
        "",
        f"Machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}; "
        f"one run, medians of {args.repeats} repetitions (seeds 0..{args.repeats - 1}), "
        f"{args.starts} random starts each for both tools (certify adds the deterministic start).",
        "certify: `seesaw_bound` (search + exact witness check), value = the certified lower bound. "
        "toqito 1.1.8: `NonlocalGame.quantum_value_lower_bound(dim, iters)`, value = its SDP objective, no witness.",
        "Random games: 4 inputs per player, 2 outputs, payoff 0/1, questions uniform.",
        "",
        "XOR games: 4 inputs per player, c = M[x,y] (-1)^(a+b) / 16 with random signs M.",
        "NPA: the smaller certified upper bound of levels 1 and 2 (certify quantum), for reference. "
        "A see-saw value above it (column 'toqito above NPA') is SDP solver tolerance, not a reachable value: "
        "toqito reports its SDP objective, not the value of a strategy.",
        "",
        "| game | dim | certify value (median / best) | toqito value (median / best) | NPA upper bound | toqito above NPA | certify (s) | toqito (s) | toqito / certify |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, dim, (ours_t, ours_v, ours_best), (theirs_t, theirs_v, theirs_best), npa in rows:
        npa_text = "-" if npa is None else f"{npa:.10f}"
        excess = "-" if npa is None else ("yes, " + f"{theirs_best - npa:.1e}" if theirs_best > npa else "no")
        lines.append(
            f"| {name} | {dim} | {ours_v:.10f} / {ours_best:.10f} | {theirs_v:.10f} / {theirs_best:.10f} | {npa_text} | {excess} | "
            f"{ours_t:.4f} | {theirs_t:.4f} | {theirs_t / ours_t:.1f}x |"
        )
    lines += [
        "",
        "I3322 at dimension 2: the qubit maximum is 0.25 (Collins and Gisin 2004), so toqito's values above 0.25 "
        "are solver tolerance as well. Every certify value is an exact rational lower bound checked in rationals.",
        "",
        "Target: equal or higher value in at most half of toqito's time.",
    ]
    print("\n".join(lines))
    results_file.write("\n".join(lines) + "\n", RESULTS, args.update, args.output)


if __name__ == "__main__":
    main()
