"""Exact classical value against toqito's NonlocalGame.classical_value.

Same random 2-output games (payoff 0/1 uniformly at random, questions
uniform), same machine, one run; several repetitions each, medians, and the
ratio toqito / certify. certify's time includes building the certificate and
checking it exactly (best response over every deterministic strategy, twice:
once to find it, once in the check). toqito returns a float and no witness.

Run:  python benchmarks/bench_classical.py  [--repeats 5] [--update | --output FILE]
Writes a new file in benchmarks/runs/; --update overwrites the committed
benchmarks/results/classical.md, --output FILE writes FILE.
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

from certify.bounds.classical import classical_value
from certify.games.game import Game

RESULTS = Path(__file__).parent / "results" / "classical.md"


def random_game(inputs, seed):
    rng = np.random.default_rng(seed)
    payoff = rng.integers(0, 2, size=(2, 2, inputs, inputs))
    exact = np.vectorize(lambda v: Fraction(int(v), inputs * inputs), otypes=[object])(payoff)
    game = Game(name=f"random-{inputs}", inputs=(inputs, inputs), outputs=(2, 2), sense="max", objective_exact=exact)
    return game, payoff


def time_certify(game, repeats):
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = classical_value(game)
        times.append(time.perf_counter() - start)
        assert result.certified
        value = result.exact
    return statistics.median(times), value


def time_toqito(payoff, inputs, repeats):
    from toqito.nonlocal_games.nonlocal_game import NonlocalGame

    probabilities = np.full((inputs, inputs), 1.0 / inputs**2)
    times, value = [], None
    for _ in range(repeats):
        game = NonlocalGame(probabilities, payoff.astype(float))
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = game.classical_value()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--toqito-repeats", type=int, default=3)
    results_file.add_arguments(parser, RESULTS)
    args = parser.parse_args(argv)
    rows = []
    for inputs in (8, 12, 14, 16, 20):
        game, payoff = random_game(inputs, seed=inputs)
        ours, value = time_certify(game, args.repeats)
        if inputs <= 16:
            theirs, their_value = time_toqito(payoff, inputs, args.toqito_repeats)
            assert abs(their_value - float(value)) < 1e-9, (their_value, value)
            rows.append((inputs, str(value), ours, theirs, theirs / ours))
        else:
            rows.append((inputs, str(value), ours, None, None))
        print(rows[-1], flush=True)
    lines = [
        "# Classical value: certify against toqito",
        "",
        f"Machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}; "
        f"medians of {args.repeats} (certify) and {args.toqito_repeats} (toqito) runs; "
        "random 2-output games, payoff 0/1, questions uniform, seed = inputs.",
        "certify's time includes the exact certificate and its check; toqito gives a float only.",
        "",
        "| inputs per player | exact value | certify (s) | toqito (s) | toqito / certify |",
        "|---:|---:|---:|---:|---:|",
    ]
    for inputs, value, ours, theirs, ratio in rows:
        lines.append(
            f"| {inputs} | {value} | {ours:.4f} | "
            + (f"{theirs:.4f} | {ratio:.1f}x |" if theirs is not None else "not run (too slow) | - |")
        )
    lines += ["", "Targets: 16 inputs < 0.5 s and >= 20x faster than toqito; 20 inputs < 5 s."]
    print("\n".join(lines))
    results_file.write("\n".join(lines) + "\n", RESULTS, args.update, args.output)


if __name__ == "__main__":
    main()
