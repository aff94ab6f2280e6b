"""The scan command: frontiers over a grid of model parameters on Dask, resumable, and
the report of a scan folder."""

from __future__ import annotations

import contextlib
import logging
import signal
from typing import Any, Callable, Iterator

import click

from ..errors import BadInput, printable
from .exits import Failed, Interrupted
from .output import warn


class AxisPairType(click.ParamType):
    """X,Y: two axes of a scan (or one, for a single-row map)."""

    name = "X,Y"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        parts = [part.strip() for part in value.split(",")]
        if not 1 <= len(parts) <= 2 or not all(parts):
            self.fail(f"expected X,Y (two axis names), got '{value}'", param, ctx)
        return (parts[0], parts[1] if len(parts) == 2 else None)


@click.command()
@click.argument("scan_file", metavar="[SCAN.toml]", required=False)
@click.option("--out", "out_dir", metavar="DIR", default=None, help="Folder for cells/ and results.csv (default: scan-NAME).")
@click.option("--scheduler", metavar="ADDRESS", default=None, help="A running Dask scheduler, e.g. tcp://host:8786 (default: a local cluster).")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Worker processes of the local cluster (default: one per core).")
@click.option("--retries", type=click.IntRange(min=0), default=1, show_default=True, help="Dask retries of a cell whose task raised.")
@click.option("--report", "report_dir", metavar="DIR", default=None, help="Report a scan folder: table by advantage and heatmaps (runs nothing).")
@click.option("--heatmap", "heatmaps", type=AxisPairType(), multiple=True, help="Axes X,Y of a heatmap (repeatable; default: the first two).")
@click.option("--format", "fmt", type=click.Choice(["png", "pdf", "parquet"]), multiple=True, default=["png"], show_default=True, help="Heatmap file format (png, pdf); parquet also writes DIR/results.parquet, exact rationals as strings beside the floats (needs certify[parquet]). Repeatable.")
@click.option("--top", type=click.IntRange(min=0), default=30, show_default=True, help="Rows of the report table (0: all).")
def scan(scan_file: str | None, out_dir: str | None, scheduler: str | None, workers: int | None, retries: int,
         report_dir: str | None, heatmaps: tuple, fmt: tuple, top: int) -> None:
    """Frontiers over a grid of model parameters, one cell per Dask task; resumable."""
    from ..report.tables import console
    from ..scheduling import scan as scans

    if (scan_file is None) == (report_dir is None):
        raise BadInput(None, "SCAN.toml", "give a scan file to run, or --report DIR to report one (not both)")
    if "parquet" in fmt:
        scans.parquet_available()
    if report_dir is not None:
        files = scans.report(report_dir, heatmaps, [f for f in fmt if f != "parquet"] or ["png"])
        console().print(scans.report_table(report_dir, top))
        for path in files:
            click.echo(printable(f"heatmap: {path}"))
        if "parquet" in fmt:
            click.echo(printable(f"table: {scans.write_parquet(report_dir)}"))
        return
    if scheduler and workers:
        raise BadInput(None, "--workers", "sizes the local cluster; with --scheduler the cluster has its own workers")
    loaded = scans.load_scan(scan_file)
    directory = out_dir or f"scan-{loaded.name}"
    counted = CellCount(len(loaded.cells))
    try:
        with quiet_interrupts(), scans.progress_bar() as update, own_client(loaded, directory, scheduler, workers) as client:
            outcome = scans.run_scan(loaded, directory, scheduler, workers, retries, progress=counted.wrap(update),
                                     client=client)
    except KeyboardInterrupt:
        raise Interrupted(f"certify: interrupted; {counted.text()}") from None
    console().print(scans.outcome_text(outcome, directory, loaded))
    if "parquet" in fmt:
        click.echo(printable(f"table: {scans.write_parquet(directory, loaded)}"))
    for cell, message in outcome.failed:
        warn(f"certify: cell {cell.id} ({scans.describe(cell.parameters, cell.parameters)}) failed: {message}")
    if outcome.failed or outcome.uncertified:
        raise Failed(None)  # each failed cell has its line above; the outcome text counts the uncertified



class CellCount:
    """How many cells of a scan are finished, from run_scan's progress calls: the cells
    finished before this run (total minus the run's own) plus those finished in it."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.finished: int | None = None

    def wrap(self, update: Callable[[int, int, Any, int], None]) -> Callable[[int, int, Any, int], None]:
        """The progress callback, counting on its way to ``update``."""

        def counting(done: int, failed: int, running: Any, todo: int) -> None:
            self.finished = self.total - todo + done - failed
            update(done, failed, running, todo)

        return counting

    def text(self) -> str:
        """What an interrupt leaves: each finished cell's file is kept and trusted on a re-run."""
        done = "no cells started yet" if self.finished is None else f"{self.finished} of {self.total} cells done"
        return f"{done}; run the same command again to resume"


@contextlib.contextmanager
def quiet_interrupts() -> Iterator[None]:
    """Ctrl-C while Dask runs: silence distributed's loggers before the KeyboardInterrupt
    unwinds, since closing a cluster mid-task logs tracebacks of cancelled coroutines (the
    one line of exits.py is the whole report)."""

    def interrupted(signum: int, frame: Any) -> None:
        for name in ("distributed", "tornado", "asyncio"):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def own_client(loaded: Any, directory: str, scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """A client of a new local cluster whose worker processes ignore SIGINT, or None (an
    external scheduler, or every cell's file is there already: run_scan decides then).

    Ctrl-C in a terminal reaches every process of the foreground group; workers started
    while SIGINT is ignored inherit that disposition (and Python keeps it), so only this
    process hears it and closes the cluster, instead of each worker printing a traceback."""
    from pathlib import Path

    from ..scheduling import scan as scans

    if scheduler or all(scans.cell_path(Path(directory), cell.id).is_file() for cell in loaded.cells):
        yield None
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        client, cluster = scans.connect(None, workers)
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
