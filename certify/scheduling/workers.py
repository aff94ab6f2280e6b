"""How many local processes a frontier should use, chosen by measured benefit.

Each grid point of ``certify pareto`` is independent, so N points can run in
k worker processes. A worker is not free: a fresh process imports cvxpy,
Clarabel and SciPy before its first point. Measured on the 2-core machine
this was built on (CPU seconds, so not skewed by other load):

    worker start-up (first point minus a later one)   0.9 - 1.0 s per process
    one point, NPA level 2                             0.055 - 0.07 s
    one point, no NPA level (--level none)             0.035 s
    one point with --seesaw                            0.31 s
    one point with Werner pairs (--visibility, --fidelity, --critical-visibility)
                                                       0.08 - 0.10 s

The serial run pays the imports once, in the one process it has; k workers
pay them k times over, and the parent unpickles every point's certificates
on top. Measured wall times on this machine: 21 points (about 1.5 s of work)
took 2.1 - 2.5 s with one process and 2.7 - 3.4 s with two,
61 points 5.0 - 5.3 s against 6.8 - 7.7 s: below a few seconds of work,
processes lose. With idle cores, k workers take about start-up + work / k,
so they win once the work is several start-ups long. When other programs
keep the cores busy they do not lose either: at 201 points (about 14 s of work) and a
load average of 4 to 8 on 2 cores, two processes took 10.1 - 54.8 s and one
14.2 - 42.0 s, with no consistent winner. So the default is one process unless
the estimated work is at least ``MIN_PARALLEL_SECONDS``, and then one a usable
core (at most ``MAX_JOBS``), whatever the load: the choice goes into the JSON
(``options.jobs``, ``options.jobs_reason``), and a document must not depend on
how busy the machine was when it was made.
"""

from __future__ import annotations

import os

MAX_JOBS = 4
WORKER_STARTUP_SECONDS = 1.0
MIN_PARALLEL_SECONDS = 4.0  # estimated serial work below this: one process
_POINT_SECONDS = {"level": 0.07, "none": 0.035, "seesaw": 0.25, "noisy": 0.03}


def estimated_seconds(points, level="2", seesaw=False, noisy=False):
    """Estimated serial CPU seconds of a frontier (the per-point costs above)."""
    per_point = _POINT_SECONDS["level" if level is not None else "none"]
    if seesaw:
        per_point += _POINT_SECONDS["seesaw"]
    if noisy:
        per_point += _POINT_SECONDS["noisy"]
    return points * per_point


def usable_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def choose_jobs(points, requested=None, level="2", seesaw=False, noisy=False, cores=None):
    """(jobs, reason): ``requested`` when given, else the measured rule of the module docstring.

    ``cores`` defaults to this machine's usable cores; tests pass it explicitly. The
    load average is not consulted (see the module docstring).
    """
    if requested is not None:
        return requested, f"--jobs {requested}"
    cores = usable_cores() if cores is None else cores
    work = estimated_seconds(points, level, seesaw, noisy)
    if cores < 2:
        return 1, "one process: one usable core"
    if work < MIN_PARALLEL_SECONDS:
        return 1, (f"one process: {points} points are about {work:.1f} s of work, too little to pay "
                   f"for worker start-up (about {WORKER_STARTUP_SECONDS:.0f} s a process)")
    jobs = min(MAX_JOBS, cores)
    return jobs, f"{jobs} processes: about {work:.0f} s of work and {cores} usable cores"


# ---------------------------------------------------------------------------
# Work of a frontier with Werner pairs, bounded before it starts

NOISE_WORK_VARIABLE = "CERTIFY_MAX_NOISE_WORK"  # its default is certify.games.limits.DEFAULTS
_NOISE_UNIT_SECONDS = 0.0004  # measured: see noise_work


def noise_work(inputs: tuple[int, int], points: int) -> int:
    """Work units of a frontier with Werner pairs: points x 2^(iA + iB) x iA x iB.

    At every split the disjunctive SDP (certify.bounds.noise) holds one Gram
    block per measurement pattern, a subset of A's questions and one of B's
    (2^(iA + iB) patterns), and its certificate one block per pattern too;
    a block's cost grows with its size, about iA x iB. Measured per point on
    the 2-core machine this was built on (--visibility 0.9, --level none):
    2 x 2 questions 0.02 s (64 units), 3 x 3 0.12 s (576), 4 x 4 1.6 s
    (4096), 5 x 5 10 s (25600): about 0.4 ms a unit throughout, so 8 x 8
    questions (7 thresholds, 4.2 million units a point) would take about half
    an hour a point.
    """
    iA, iB = inputs
    return points * 2 ** (iA + iB) * iA * iB


def max_noise_work() -> int:
    """The limit on ``noise_work``: CERTIFY_MAX_NOISE_WORK (certify.games.limits, with the other
    limits; about a minute of work at the measured rate)."""
    from ..games.limits import limit

    return limit(NOISE_WORK_VARIABLE)


def check_noise_work(inputs: tuple[int, int], points: int, source: str | None) -> None:
    """Refuse (one line, exit status 2) a frontier with Werner pairs whose work exceeds the limit.

    Checked before any solve, so that 8 size classes are refused at once
    instead of running for hours; names the model's thresholds (what makes
    the questions), the limit and the variable that raises it.
    """
    from ..games.limits import LimitExceeded

    work = noise_work(inputs, points)
    limit = max_noise_work()
    if work > limit:
        seconds = work * _NOISE_UNIT_SECONDS
        raise LimitExceeded(
            source, "model.thresholds",
            f"Werner pairs with {inputs[0]} x {inputs[1]} size classes on {points} splits are {work} units of work "
            f"(splits x 2^(classes of A + classes of B) x classes of A x classes of B, about {seconds:.0f} s here), "
            f"above the limit of {limit} (use fewer thresholds or --points, or raise {NOISE_WORK_VARIABLE})",
        )
