"""Running a scan's cells on Dask: futures, retries, atomic per-cell writes, resume.

Execution is Dask's (dask.distributed): ``Client.submit`` per cell with
Dask's ``retries``, ``as_completed`` on the client. A worker process that
dies mid-cell has its task rescheduled by the Dask scheduler. Certify's own
errors in a cell (bad parameters, solver trouble) are deterministic, so the
cell returns them as data and is recorded as failed at once; any other
exception is retried by Dask and then recorded. The client writes every
finished cell atomically to ``DIR/cells/<id>.json`` (id: the first 16 hex
digits of the SHA-256 of the cell's canonical parameters), a failed one to
``DIR/cells/<id>.failed.json``; re-running skips the cells whose document is
trusted (failed cells are tried again), so a killed client loses only the
cells in flight. ``DIR/results.csv`` is the table of all recorded cells,
rewritten atomically at the end of every run.

"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ...errors import BadInput
from ...report.results import write_json
from .cell import run_cell
from .grid import Cell, Scan
from .trust import cell_path, check_cell

@dataclass
class ScanOutcome:
    total: int
    skipped: int  # finished before this run
    done: int  # finished in this run
    failed: list  # [(cell, message)]
    uncertified: list  # cells whose certificates did not all pass
    seconds: float
    workers: int


def connect(scheduler: str | None = None, workers: int | None = None) -> tuple[Any, Any]:
    """(client, cluster): a client of the scheduler at ADDRESS, or of a new local
    cluster with one single-threaded worker process per core (cluster is None
    for an existing scheduler; close both when done)."""
    import logging

    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="20s"), None
        except (OSError, TimeoutError, ValueError) as error:
            raise BadInput(None, "--scheduler", f"cannot connect to {scheduler}: {error}") from None
    count = workers or os.cpu_count() or 1
    cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=logging.ERROR)
    return Client(cluster), cluster


def _failure_record(cell: Cell, error: str, message: str) -> dict:
    return {"id": cell.id, "index": cell.index, "parameters": cell.parameters, "problem": cell.problem,
            "options": cell.options, "status": "failed", "error": error, "message": message}


def _running(client: Any, keys: set[str]) -> int | None:
    """How many of our tasks the workers are processing now (None if the scheduler cannot say)."""
    try:
        processing = client.processing()
    except Exception:  # noqa: BLE001 - only the progress bar depends on it
        return None
    return sum(1 for tasks in processing.values() for key in tasks if key in keys)


def run_scan(scan: Scan, directory: str | Path, scheduler: str | None = None, workers: int | None = None,
             retries: int = 1, progress: Callable[[int, int, int | None, int], None] | None = None,
             client: Any = None) -> ScanOutcome:
    """Run every unfinished cell of a scan on Dask; write cells and the table under directory.

    client: an existing dask.distributed Client (else one is made by
    ``connect(scheduler, workers)`` and closed at the end).
    progress(done, failed, running, total), about the cells of this run, is
    called at the start and as cells finish (running may be None).
    """
    from distributed import as_completed

    from ...report.scan_report import write_table  # here: the report imports this package

    start = time.perf_counter()
    directory = Path(directory)
    # a cell is finished when its file is trusted (check_cell), not merely when it exists
    checks = {cell.id: check_cell(directory, cell) for cell in scan.cells}
    todo = [cell for cell in scan.cells if checks[cell.id].status != "done"]
    skipped = len(scan.cells) - len(todo)
    failed, uncertified, done = [], [], 0
    worker_count = 0
    own = None
    if todo and client is None:  # a scheduler that cannot be reached is bad input: nothing written yet
        client, cluster = connect(scheduler, workers)
        own = (client, cluster)
    try:
        (directory / "cells").mkdir(parents=True, exist_ok=True)
        write_json(scan.to_json(), directory / "scan.json")
        for cell in todo:  # a rejected file is kept for inspection, out of the way of the cell's new result
            if checks[cell.id].rejected:
                (directory / "rejected").mkdir(exist_ok=True)
                os.replace(cell_path(directory, cell.id), directory / "rejected" / f"{cell.id}.json")
        if progress:
            progress(0, 0, 0, len(todo))
        if todo:
            worker_count = len(client.scheduler_info()["workers"])
            futures = {}
            for cell in todo:
                future = client.submit(run_cell, cell.to_json(), key=f"certify-cell-{cell.id}", retries=retries,
                                       pure=False)
                futures[future] = cell
            keys = {future.key for future in futures}
            last = 0.0
            # on this client's event loop: as_completed would otherwise wait on the default
            # client's, which in a process holding several clients hears of results seconds late
            for future in as_completed(futures, loop=client.loop):
                cell = futures.pop(future)
                keys.discard(future.key)
                if future.status == "error":
                    exception = future.exception()
                    record = _failure_record(cell, type(exception).__name__, str(exception) or repr(exception))
                    write_json(record, cell_path(directory, cell.id, failed=True))
                    failed.append((cell, record["message"]))
                else:
                    outcome = future.result()
                    if outcome["status"] == "done":
                        write_json(outcome["document"], cell_path(directory, cell.id))
                        stale = cell_path(directory, cell.id, failed=True)
                        if stale.exists():
                            stale.unlink()
                        done += 1
                        # the trusted checker's verdict on the file as written, not the document's own flag
                        check = check_cell(directory, cell)
                        if check.status != "done" or not check.document["certified"]:
                            uncertified.append(cell)
                    else:
                        record = _failure_record(cell, outcome["error"], outcome["message"])
                        write_json(record, cell_path(directory, cell.id, failed=True))
                        failed.append((cell, outcome["message"]))
                future.release()
                if progress:
                    now = time.perf_counter()
                    running = None
                    if now - last > 0.5 or not keys:
                        running, last = _running(client, keys), now
                    progress(done + len(failed), len(failed), running, len(todo))
    finally:
        if own is not None:
            own[0].close()
            if own[1] is not None:
                own[1].close()
        if (directory / "scan.json").is_file():
            write_table(directory, scan)
    return ScanOutcome(len(scan.cells), skipped, done, failed, uncertified, time.perf_counter() - start, worker_count)
