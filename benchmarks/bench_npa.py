"""NPA build and end-to-end times: certify vs ncpol2sdpa vs toqito, same games, same solver.

Run: python3 benchmarks/bench_npa.py [--reps 5] [--timeout 150]
Writes benchmarks/results/npa.md. certify runs with its automatic choice
(Clarabel below certify.bounds.solvers.LARGE, polished by CVXOPT when Clarabel is
inaccurate; SCS at eps 1e-8 from LARGE up); the peers get certify's first
choice with the same options. toqito's commuting_measurement_value_upper_bound
calls problem.solve() with no solver, which in cvxpy 1.9 picks SCS at its
default tolerance (checked by recording solver_stats), so the solver is forced
here by wrapping cvxpy.Problem.solve. Each end-to-end run is a fresh
subprocess with a time limit, so a peer that cannot finish is reported, not
waited for. "build" is the relaxation as solver input: for certify the
moment pattern, objective/constraints on moments and the cvxpy problem; for
ncpol2sdpa SdpRelaxation + get_relaxation. toqito builds inside its call,
so only its end-to-end time is reported. certify's end-to-end includes the
exact certificate and its re-check.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

CASES = [
    ("I3322", "i3322", "2"),
    ("I3322", "i3322", "3"),
    ("random 4x4 inputs", "random:4", "2"),
    ("random 6x6 inputs", "random:6", "2"),
    ("random 8x8 inputs", "random:8", "2"),
]


def make_game(spec):
    from certify.games.game import Game, load_game

    if not spec.startswith("random:"):
        return load_game(spec)
    inputs = int(spec.split(":")[1])
    rng = np.random.default_rng(inputs)
    payoff = rng.integers(0, 2, size=(2, 2, inputs, inputs))
    weight = Fraction(1, inputs * inputs)
    objective = np.vectorize(lambda v: Fraction(int(v)) * weight, otypes=[object])(payoff)
    return Game(f"random{inputs}", (inputs, inputs), (2, 2), "max", objective)


def certify_build(game, level):
    from certify import npa, sdp

    npa.build_pattern.cache_clear()
    start = time.perf_counter()
    relax = npa.relaxation(game, level)
    sdp.build_problem(relax)
    return time.perf_counter() - start


def ncpol_build(game, level):
    from ncpol2sdpa import Probability, SdpRelaxation

    start = time.perf_counter()
    sdp = _ncpol_relaxation(game, level, Probability, SdpRelaxation)
    return time.perf_counter() - start, sdp


def _ncpol_relaxation(game, level, Probability, SdpRelaxation):
    (iA, iB), (oA, oB) = game.inputs, game.outputs
    P = Probability([oA] * iA, [oB] * iB)
    objective = 0
    for (a, b, x, y), value in np.ndenumerate(game.objective):
        if value:
            objective += -float(value) * P([a, b], [x, y])
    sdp = SdpRelaxation(P.get_all_operators())
    sdp.get_relaxation(int(level), objective=objective, substitutions=P.substitutions)
    return sdp


def peer_solver(game, level):
    """certify's first-choice solver for this relaxation: (cvxpy name, options)."""
    from certify import sdp
    from certify.proofs.npa import build_pattern, parse_level

    size = build_pattern(game.inputs, game.outputs, parse_level(level)).size
    cvx_name, options, _ = sdp.SOLVERS[sdp.choose_solver(None, size)]
    return cvx_name, dict(options)


def run_one(tool, spec, level):
    """One end-to-end run in this process; prints JSON."""
    game = make_game(spec)
    solver, options = peer_solver(game, level)
    start = time.perf_counter()
    out = {}
    if tool == "certify":
        from certify.bounds.npa import npa_bound

        result = npa_bound(game, level)
        used = result.solver["name"]
        if "polished_from" in result.solver:
            before = result.solver["polished_from"]
            used = f"{before['name']} ({before['status']}) + {used}"
        out = {"value": result.details["solver_value"], "certified": result.certified,
               "bound": result.value, "timings": result.details["timings"], "status": result.solver["status"],
               "solver": used}
    elif tool == "ncpol2sdpa":
        _, sdp = ncpol_build(game, level)
        sdp.solve(solver="cvxpy", solverparameters={"solver": solver, **options})
        out = {"value": -sdp.primal, "status": sdp.status, "solver": solver}
    elif tool == "toqito":
        import cvxpy
        from toqito.nonlocal_games.nonlocal_game import NonlocalGame

        original = cvxpy.Problem.solve

        def forced(problem, *args, **kwargs):
            # toqito passes no solver; cvxpy would pick SCS at eps 1e-4
            if not args and "solver" not in kwargs:
                kwargs = {"solver": solver, **options, **kwargs}
            return original(problem, *args, **kwargs)

        cvxpy.Problem.solve = forced
        iA, iB = game.inputs
        prob = np.full((iA, iB), 1.0 / (iA * iB))
        pred = np.array(game.objective * (iA * iB), dtype=float)
        value = NonlocalGame(prob, pred).commuting_measurement_value_upper_bound(int(level))
        out = {"value": float(value), "solver": solver}
    out["seconds"] = time.perf_counter() - start
    print(json.dumps(out))


def end_to_end(tool, spec, level, timeout):
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--one", tool, spec, level],
            capture_output=True, text=True, timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def fmt(seconds):
    return "-" if seconds is None else f"{seconds:.3g}"


def describe(run):
    if run is None:
        return "not run"
    if "timeout" in run:
        return f"> {run['timeout']:.0f} (stopped)"
    if "error" in run:
        return "error"
    return fmt(run["seconds"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5, help="repetitions of each build (median reported)")
    parser.add_argument("--solve-reps", type=int, default=1, help="end-to-end repetitions (median)")
    parser.add_argument("--timeout", type=float, default=150.0)
    parser.add_argument("--one", nargs=3, metavar=("TOOL", "GAME", "LEVEL"))
    args = parser.parse_args()
    if args.one:
        run_one(*args.one)
        return
    from certify.proofs.npa import build_pattern, parse_level

    rows = []
    for label, spec, level in CASES:
        game = make_game(spec)
        size = build_pattern(game.inputs, game.outputs, parse_level(level)).size
        ours = statistics.median(certify_build(game, level) for _ in range(args.reps))
        theirs = statistics.median(ncpol_build(game, level)[0] for _ in range(max(1, args.reps // 2)))
        print(f"{label} level {level}: build certify {ours:.4f}s ncpol2sdpa {theirs:.4f}s", flush=True)
        runs = {}
        for tool in ("certify", "ncpol2sdpa", "toqito"):
            results = [end_to_end(tool, spec, level, args.timeout) for _ in range(args.solve_reps)]
            timed = [r for r in results if "seconds" in r]
            if timed:
                best = dict(timed[0])
                best["seconds"] = statistics.median(r["seconds"] for r in timed)
                runs[tool] = best
            else:
                runs[tool] = results[0]
            print(f"  {tool}: {runs[tool]}", flush=True)
        rows.append((label, level, size, ours, theirs, runs))
    write(rows, args)


def write(rows, args):
    lines = [
        "# NPA benchmark: certify vs ncpol2sdpa vs toqito",
        "",
        f"One run of `python3 benchmarks/bench_npa.py --reps {args.reps} --solve-reps {args.solve_reps} "
        f"--timeout {args.timeout:.0f}` on {platform.machine()} with {platform.python_version()}, "
        "2 cores shared with other jobs. Times in seconds, medians. Solvers: certify's automatic choice (column 'solver'); "
        "ncpol2sdpa and toqito get certify's first choice with the same options (Clarabel defaults, or SCS at eps 1e-8 "
        "for n >= 100); toqito is forced to it, as on its own it calls SCS at the default eps 1e-4.",
        "Build: relaxation ready for the solver (certify: pattern + cvxpy problem; ncpol2sdpa: SdpRelaxation + "
        "get_relaxation). End-to-end: a fresh process per run, including imports; certify's includes the exact "
        "certificate. toqito does not identify a word with its adjoint and uses all outputs, so its relaxation is "
        "larger and looser (DESIGN.md section 7): times only.",
        "",
        "| game | level | n | solver | build certify | build ncpol2sdpa | ncpol2sdpa / certify | end-to-end certify | "
        "end-to-end ncpol2sdpa | end-to-end toqito | certificate share of solve | value certify | certified bound | value ncpol2sdpa |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, level, size, ours, theirs, runs in rows:
        mine = runs.get("certify", {})
        share = "-"
        if "timings" in mine:
            timings = mine["timings"]
            share = f"{100 * timings['certificate'] / timings['solve']:.1f}%"
        lines.append(
            f"| {label} | {level} | {size} | {mine.get('solver', '-')} | {fmt(ours)} | {fmt(theirs)} | {theirs / ours:.0f}x | "
            f"{describe(mine)} | {describe(runs.get('ncpol2sdpa'))} | {describe(runs.get('toqito'))} | {share} | "
            f"{_value(mine, 'value')} | {_value(mine, 'bound')} | "
            f"{_value(runs.get('ncpol2sdpa', {}), 'value')} |"
        )
    text = "\n".join(lines) + "\n"
    path = Path(__file__).parent / "results" / "npa.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    print(text)


def _value(run, key):
    value = (run or {}).get(key)
    return "-" if value is None else f"{value:.9f}"


if __name__ == "__main__":
    main()
