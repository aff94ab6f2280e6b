"""NPA end-to-end times: certify's automatic choice, each of its solvers, ncpol2sdpa and toqito.

Run: python3 benchmarks/bench_npa.py [--repeats 3] [--timeout 90] [--update]

Every run is a fresh subprocess with a time limit (imports included), so a
tool that cannot finish is reported, not waited for. The suite:
I3322 at levels 2, 3 and 2+AAB+ABB; CGLMP3 and CGLMP4 at 1+AB and 2; random
2-output games with 4, 6, 8 and 10 inputs at level 2 (fixed seeds); the
dual-work game (two constraints) at level 2.

Columns:
- certify (auto): ``npa_bound`` with no solver named, exactly as
  ``certify quantum GAME --level L``: size estimate, the measured order,
  fallbacks, the exact certificate and its re-check. Median of --repeats runs.
- cvxopt / sdpa / ssnal / clarabel / scs: ``npa_bound(..., solver=NAME)``,
  one run each, certificate included (ssnal, certify's own Newton-CG
  augmented Lagrangian, only on games without constraints). Combinations measured to need more than the
  machine (memory) or hours (Clarabel's dense KKT block of side n(n+1)/2 for
  n > 120; an m x m Schur complement for m > 6000: 2.4e11 flops per factorisation at m = 8928) are
  not run, and say so.
- ncpol2sdpa + SDPA: SdpRelaxation + get_relaxation + solve through cvxpy's
  SDPA interface (sdpa-python, its default parameters). Median of --repeats.
- ncpol2sdpa + same: the same relaxation on the solver certify's automatic
  choice used first before ssnal (CVXOPT up to SCHUR_LIMIT moments, else SCS
  at eps 1e-8, through cvxpy: ncpol2sdpa's own CVXOPT interface fails with
  cvxopt 1.3 on these relaxations, and ssnal is certify's own).
- toqito: NonlocalGame(...).commuting_measurement_value_upper_bound(level)
  on its own default (cvxpy's choice; the solver used is recorded). toqito
  does not identify a word with its adjoint and keeps every output, so its
  relaxation is larger and looser: times only. Not run on constrained games
  or intermediate levels it does not offer.

The machine is shared (2 cores, other jobs running): times vary between runs
by tens of percent; read the ratios, measured side by side in one run.
Writes benchmarks/results/npa.md only with --update, else
benchmarks/results/npa-<date>.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CASES = [
    ("I3322", "i3322", "2"),
    ("I3322", "i3322", "3"),
    ("I3322", "i3322", "2+AAB+ABB"),
    ("CGLMP3", "cglmp3", "1+AB"),
    ("CGLMP3", "cglmp3", "2"),
    ("CGLMP4", "cglmp4", "1+AB"),
    ("CGLMP4", "cglmp4", "2"),
    ("random 4 inputs", "random:4", "2"),
    ("random 6 inputs", "random:6", "2"),
    ("random 8 inputs", "random:8", "2"),
    ("random 10 inputs", "random:10", "2"),
    ("dual-work", "dual_work", "2"),
]
SOLVER_NAMES = ("cvxopt", "sdpa", "ssnal", "clarabel", "scs")


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


def _ncpol_relaxation(game, level):
    from ncpol2sdpa import Probability, SdpRelaxation

    (iA, iB), (oA, oB) = game.inputs, game.outputs
    P = Probability([oA] * iA, [oB] * iB)

    def linear(tensor):
        expression = 0
        for (a, b, x, y), value in np.ndenumerate(tensor):
            if value:
                expression += float(value) * P([a, b], [x, y])
        return expression

    sign = 1 if game.sense == "max" else -1
    sdp = SdpRelaxation(P.get_all_operators())
    extra = None
    if "+" in level:  # 2+AAB+ABB: ncpol2sdpa's extramonomials
        base, *families = level.split("+")
        A, B = P.parties[0], P.parties[1]
        flat_a = [op for ops in A for op in ops]
        flat_b = [op for ops in B for op in ops]
        extra = []
        for family in families:
            if family == "AB":
                extra += [a * b for a in flat_a for b in flat_b]
            elif family == "AAB":
                extra += [a1 * a2 * b for a1 in flat_a for a2 in flat_a for b in flat_b]
            elif family == "ABB":
                extra += [a * b1 * b2 for a in flat_a for b1 in flat_b for b2 in flat_b]
        level = base
    sdp.get_relaxation(
        int(level), objective=-sign * linear(game.objective), substitutions=P.substitutions,
        extramonomials=extra,
        momentequalities=[linear(c.coefficients) - float(c.value) for c in game.constraints
                          if c.relation == "=="] or None,
        momentinequalities=[sign_of(c) * (linear(c.coefficients) - float(c.value)) for c in game.constraints
                            if c.relation != "=="] or None,
    )
    return sdp, sign


def sign_of(constraint):
    return 1 if constraint.relation == ">=" else -1  # ncpol2sdpa: expression >= 0


def run_one(tool, spec, level):
    """One end-to-end run in this process; prints one JSON line."""
    start = time.perf_counter()
    game = make_game(spec)
    out = {}
    if tool.startswith("certify"):
        from certify.bounds.npa import npa_bound

        solver = None if tool == "certify" else tool.split(":")[1]
        result = npa_bound(game, level, solver=solver)
        tried = result.solver.get("tried", [])
        out = {"value": result.details["solver_value"], "bound": result.value, "certified": result.certified,
               "status": result.solver["status"], "solver": result.solver["name"],
               "tried": [f"{t['name']} ({t['status']})" for t in tried]}
    elif tool.startswith("ncpol2sdpa"):
        solver = tool.split(":")[1]
        sdp, sign = _ncpol_relaxation(game, level)
        if solver == "sdpa":
            sdp.solve(solver="cvxpy", solverparameters={"solver": "SDPA"})
        elif solver == "cvxopt":
            sdp.solve(solver="cvxpy", solverparameters={"solver": "CVXOPT"})
        else:
            sdp.solve(solver="cvxpy", solverparameters={"solver": "SCS", "eps_abs": 1e-8, "eps_rel": 1e-8,
                                                         "max_iters": 100000})
        out = {"value": -sign * sdp.primal, "status": str(sdp.status), "solver": solver}
    elif tool == "toqito":
        import cvxpy
        from toqito.nonlocal_games.nonlocal_game import NonlocalGame

        used = {}
        original = cvxpy.Problem.solve

        def recording(problem, *args, **kwargs):
            value = original(problem, *args, **kwargs)
            used["solver"] = problem.solver_stats.solver_name if problem.solver_stats else None
            return value

        cvxpy.Problem.solve = recording
        iA, iB = game.inputs
        prob = np.full((iA, iB), 1.0 / (iA * iB))
        pred = np.array(game.objective * (iA * iB), dtype=float)
        value = NonlocalGame(prob, pred).commuting_measurement_value_upper_bound(int(level))
        out = {"value": float(value), "solver": used.get("solver")}
    out["seconds"] = time.perf_counter() - start
    print(json.dumps(out))


def end_to_end(tool, spec, level, timeout):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    try:
        done = subprocess.run([sys.executable, __file__, "--one", tool, spec, level],
                              capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        return {"error": lines[-1][:160] if lines else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_run(tool, spec, level, timeout, repeats):
    runs = [end_to_end(tool, spec, level, timeout) for _ in range(repeats)]
    timed = [r for r in runs if "seconds" in r]
    if not timed:
        return runs[0]
    best = dict(timed[0])
    best["seconds"] = statistics.median(r["seconds"] for r in timed)
    best["runs"] = [round(r["seconds"], 2) for r in timed]
    return best


def skip_reason(name, size, moments, constrained=False):
    from certify.bounds import solvers

    if not solvers.applicable(name, constrained):
        return "game constraints"
    if solvers.npa_memory(size, moments, name) > solvers.available_memory():
        return "memory"
    if name == "clarabel" and size > 120:
        return "dense KKT"
    if name in ("cvxopt", "sdpa") and moments > 6000:
        return "Schur m^2"
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3, help="runs of certify (auto) and ncpol2sdpa + SDPA (median)")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds before a run is stopped")
    parser.add_argument("--update", action="store_true", help="write benchmarks/results/npa.md")
    parser.add_argument("--only", default=None, help="comma-separated game specs to run (default: the suite)")
    parser.add_argument("--one", nargs=3, metavar=("TOOL", "GAME", "LEVEL"))
    args = parser.parse_args()
    if args.one:
        run_one(*args.one)
        return
    sys.path.insert(0, str(ROOT))
    from certify.bounds import solvers
    from certify.bounds.npa import estimate_npa_size

    started = time.time()
    rows = []
    for label, spec, level in CASES:
        if args.only and spec not in args.only.split(","):
            continue
        game = make_game(spec)
        size = estimate_npa_size(game, level)
        runs = {"certify": median_run("certify", spec, level, args.timeout, args.repeats)}
        print(f"{label} level {level} (n {size['size']}, m {size['moments']}): certify {runs['certify']}", flush=True)
        for name in SOLVER_NAMES:
            reason = skip_reason(name, size["size"], size["moments"], bool(game.constraints))
            runs[name] = {"skipped": reason} if reason else end_to_end(f"certify:{name}", spec, level, args.timeout)
            print(f"  {name}: {runs[name]}", flush=True)
        same = "cvxopt" if size["moments"] <= solvers.SCHUR_LIMIT else "scs"
        runs["ncpol_sdpa"] = (median_run("ncpol2sdpa:sdpa", spec, level, args.timeout, args.repeats)
                              if size["moments"] <= 10000 else {"skipped": "Schur m^2"})
        runs["ncpol_same"] = end_to_end(f"ncpol2sdpa:{same}", spec, level, args.timeout)
        runs["ncpol_same"]["same"] = same
        plain = "+" not in level and not game.constraints
        runs["toqito"] = end_to_end("toqito", spec, level, args.timeout) if plain else {"skipped": "n/a"}
        for key in ("ncpol_sdpa", "ncpol_same", "toqito"):
            print(f"  {key}: {runs[key]}", flush=True)
        rows.append((label, level, size, runs))
    write(rows, args, time.time() - started)


def fmt(run):
    if run is None:
        return "-"
    if "skipped" in run:
        return f"not run ({run['skipped']})"
    if "timeout" in run:
        return f"> {run['timeout']:.0f}"
    if "error" in run:
        return "error"
    return f"{run['seconds']:.2f}"


def write(rows, args, elapsed):
    load = os.getloadavg()
    lines = [
        "# NPA benchmark: certify (automatic and per solver) vs ncpol2sdpa and toqito",
        "",
        f"`python3 benchmarks/bench_npa.py --repeats {args.repeats} --timeout {args.timeout:.0f}` on "
        f"{platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores shared with other jobs "
        f"(load average {load[0]:.1f} at the end; {elapsed / 60:.0f} minutes in all), "
        f"{datetime.date.today().isoformat()}. Seconds end to end in a fresh process (imports, build, solve, and "
        "for certify the exact certificate and its re-check); certify (auto) and ncpol2sdpa + SDPA are medians of "
        f"{args.repeats} runs, the others one run. 'median optimal solver value': the median of the values "
        "of every run (certify's solvers and ncpol2sdpa's) that ended optimal, the best estimate of the level's "
        "optimum; 'certified - median' is how much the automatic choice's certified bound gives away. The machine is shared: read the ratios, measured side by side.",
        "",
        "| game | level | n | m | certify (auto) | solver(s) | " + " | ".join(SOLVER_NAMES) + " | ncpol2sdpa + SDPA | "
        "ncpol2sdpa + same | toqito | ncpol2sdpa+SDPA / certify | certified bound | median optimal solver value | "
        "certified - median |",
        "|" + "---|" * (13 + len(SOLVER_NAMES)),
    ]
    for label, level, size, runs in rows:
        mine = runs["certify"]
        sign = -1 if label == "dual-work" else 1
        values = [r["value"] for key, r in runs.items()
                  if key != "toqito" and "value" in r and str(r.get("status")) == "optimal"]
        best = statistics.median(values) if values else None
        bound = mine.get("bound")
        ratio = "-"
        if "seconds" in mine and "seconds" in runs["ncpol_sdpa"]:
            ratio = f"{runs['ncpol_sdpa']['seconds'] / mine['seconds']:.1f}x"
        elif "seconds" in mine and "timeout" in runs["ncpol_sdpa"]:
            ratio = f"> {runs['ncpol_sdpa']['timeout'] / mine['seconds']:.1f}x"
        gap = f"{sign * (bound - best):.1e}" if bound is not None and best is not None else "-"
        same = runs["ncpol_same"].get("same", "")
        toqito = fmt(runs["toqito"]) + (f" ({runs['toqito'].get('solver')})" if "seconds" in runs["toqito"] else "")
        lines.append(
            f"| {label} | {level} | {size['size']} | {size['moments']} | {fmt(mine)} | "
            f"{', '.join(mine.get('tried', [])) or '-'} | " + " | ".join(fmt(runs[n]) for n in SOLVER_NAMES)
            + f" | {fmt(runs['ncpol_sdpa'])} | {fmt(runs['ncpol_same'])} ({same}) | {toqito} | {ratio} | "
            f"{'-' if bound is None else f'{bound:.10f}'} | {'-' if best is None else f'{best:.10f}'} | {gap} |"
        )
    lines += ["", "Certified bounds of every solver (each run's own certificate):", "",
              "| game | level | " + " | ".join(SOLVER_NAMES) + " |", "|" + "---|" * (2 + len(SOLVER_NAMES))]
    for label, level, size, runs in rows:
        cells = []
        for name in SOLVER_NAMES:
            run = runs[name]
            cells.append(f"{run['bound']:.10f} ({run['status']})" if "bound" in run else fmt(run))
        lines.append(f"| {label} | {level} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    name = "npa.md" if args.update else f"npa-{datetime.date.today().isoformat()}.md"
    path = Path(__file__).parent / "results" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    print(text)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
