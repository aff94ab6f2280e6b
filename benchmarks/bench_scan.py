"""Scan on Dask: speed-up from 1 to 2 workers, and the per-cell overhead against the frontier called directly.

One grid (arrival rate x power-law alpha; 9 splits per cell, no NPA
cross-check), the same cells three ways, same machine, one run:

* direct: ``frontier`` on each cell's problem in this process, one after the other;
* scan on a LocalCluster with 1 worker process, then with 2 (fresh output
  folders; clusters started and their workers' imports warmed before the clock
  starts: cluster start-up is reported on its own).

Per-cell overhead = (scan with 1 worker - direct) / cells: task submission,
pickling, the worker round trip, the JSON document and its atomic write, the
results table. Speed-up = time with 1 worker / time with 2 workers.

Run:  python benchmarks/bench_scan.py  [--rates 4] [--points 9] [--repeats 1]
Writes benchmarks/results/scan.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from distributed import Client, LocalCluster

from certify.scheduling import scan as scans
from certify.scheduling.frontier import frontier

RESULTS = Path(__file__).parent / "results" / "scan.md"


def scan_text(rates, points):
    return (
        'name = "bench"\nproblem = "dual_work"\n'
        '[model]\nthroughput = {family = "power", alpha = 0.8}\n'
        f'[options]\npoints = {points}\nlevel = "none"\n'
        f"[axes]\narrival_rate = {{from = 0.02, to = 0.6, count = {rates}}}\n"
        '"throughput.alpha" = [0.5, 2.0]\n'
    )


def warm(client, scan):
    """Run the first cell once in every worker: imports and first-call costs off the clock."""
    client.run(scans.run_cell, scan.cells[0].to_json())


def time_scan(scan, workers, folder):
    start = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        warm(client, scan)
        started = time.perf_counter() - start
        begin = time.perf_counter()
        outcome = scans.run_scan(scan, folder, client=client)
        seconds = time.perf_counter() - begin
    assert outcome.done == len(scan.cells) and not outcome.failed, outcome
    # the frontier's own time inside each cell, as the worker measured it
    inside = [json.loads(path.read_text())["seconds"] for path in (Path(folder) / "cells").glob("*.json")]
    return seconds, started, statistics.mean(inside)


def time_direct(scan, folder):
    seconds = 0.0
    for cell in scan.cells:
        path = Path(folder) / f"{cell.id}.json"
        path.write_text(json.dumps(cell.problem))
        begin = time.perf_counter()
        frontier(str(path), None, jobs=1, **cell.options)
        seconds += time.perf_counter() - begin
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", type=int, default=4)
    parser.add_argument("--points", type=int, default=9)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.toml"
        path.write_text(scan_text(args.rates, args.points))
        scan = scans.load_scan(path)
        cells = len(scan.cells)
        time_direct(scan, folder)  # imports and first-call costs out of the way
        direct, one, two, startup, inside = [], [], [], [], {1: [], 2: []}
        loads = [os.getloadavg()[0]]
        for repeat in range(args.repeats):
            direct.append(time_direct(scan, folder))
            seconds, started, cell = time_scan(scan, 1, Path(folder) / f"one-{repeat}")
            one.append(seconds)
            startup.append(started)
            inside[1].append(cell)
            seconds, started, cell = time_scan(scan, 2, Path(folder) / f"two-{repeat}")
            two.append(seconds)
            startup.append(started)
            inside[2].append(cell)
            loads.append(os.getloadavg()[0])
    d, s1, s2 = statistics.median(direct), statistics.median(one), statistics.median(two)
    c1, c2 = statistics.median(inside[1]), statistics.median(inside[2])
    lines = [
        "# Scan on Dask: speed-up and per-cell overhead",
        "",
        f"Machine: {platform.machine()}, CPython {platform.python_version()}, {os.cpu_count()} cores shared with other "
        f"jobs (1-minute load average {min(loads):.1f} to {max(loads):.1f} during the run); medians of {args.repeats} run(s) of "
        f"`python benchmarks/bench_scan.py --rates {args.rates} --points {args.points} --repeats {args.repeats}`.",
        f"Grid: {cells} cells (arrival rate {args.rates} values from 0.02 to 0.6 x alpha 0.5, 2.0), "
        f"{args.points} splits per cell, no NPA cross-check.",
        "Scan times exclude cluster start-up and worker imports (warmed first); start-up is reported on its own.",
        "",
        "| run | wall seconds | wall per cell (s) | frontier time inside a cell (s) |",
        "|---|---:|---:|---:|",
        f"| frontier called directly, one process | {d:.2f} | {d / cells:.3f} | {d / cells:.3f} |",
        f"| certify scan, LocalCluster 1 worker | {s1:.2f} | {s1 / cells:.3f} | {c1:.3f} |",
        f"| certify scan, LocalCluster 2 workers | {s2:.2f} | {s2 / cells:.3f} | {c2:.3f} |",
        "",
        f"- Speed-up 1 -> 2 workers: {s1 / s2:.2f}x (wall time).",
        f"- A cell's own frontier time went from {c1:.2f} s with 1 worker to {c2:.2f} s with 2: "
        + ("the load stayed above the core count, so the two workers competed with other jobs and with each "
           "other, and the ratio above measures this machine's contention more than the scan's scaling."
           if min(loads) > (os.cpu_count() or 1) else "the workers did not slow each other down much."),
        f"- Per-cell overhead of the scan (1 worker minus direct, per cell): {(s1 - d) / cells * 1000:.0f} ms "
        f"({100 * (s1 - d) / d:.0f}% of a {d / cells:.2f} s cell).",
        f"- Cluster start-up with warmed imports: median {statistics.median(startup):.1f} s.",
        "",
    ]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
