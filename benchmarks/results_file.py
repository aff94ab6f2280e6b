"""Where a benchmark writes its table: a new file, unless asked to update the committed one.

The committed results in benchmarks/results/ are what the README quotes; a
run on another machine (or a quick run with fewer repeats) must not replace
them by accident. So every script writes to a new file under
benchmarks/runs/ (ignored by git), named after the script and the UTC time,
unless given ``--update`` (overwrite the committed file) or ``--output FILE``.
"""

from __future__ import annotations

import time
from pathlib import Path

RUNS = Path(__file__).resolve().parent / "runs"


def add_arguments(parser, committed):
    """--update and --output on an argparse parser; ``committed`` is the results file in git."""
    parser.add_argument("--update", action="store_true",
                        help=f"overwrite the committed benchmarks/results/{Path(committed).name}")
    parser.add_argument("--output", metavar="FILE", default=None,
                        help="write the table to FILE (default: a new file in benchmarks/runs/)")


def output_path(committed, update=False, output=None, runs=RUNS, now=None):
    """The file to write: ``committed`` with update, else ``output``, else a new file in ``runs``
    (never an existing one: -2, -3, ... is added when the name is taken)."""
    committed = Path(committed)
    if update:
        return committed
    if output is not None:
        path = Path(output)
        if path.resolve() == committed.resolve():
            raise SystemExit(f"{path} is the committed result: pass --update to overwrite it")
        return path
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now))
    path = Path(runs) / f"{committed.stem}-{stamp}{committed.suffix}"
    counter = 2
    while path.exists():
        path = Path(runs) / f"{committed.stem}-{stamp}-{counter}{committed.suffix}"
        counter += 1
    return path


def write(text, committed, update=False, output=None, runs=RUNS):
    """Write ``text`` where output_path says, say where on stdout, and return the path."""
    path = output_path(committed, update, output, runs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"wrote {path}" + ("" if update else " (the committed results are unchanged; --update replaces them)"))
    return path
