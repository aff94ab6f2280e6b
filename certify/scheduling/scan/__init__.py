"""Scans: the dual-work frontier over a grid of model parameters, on Dask.

One module per idea: the scan-file language and its grid of cells
(``grid``), what one cell computes (``cell``), whether a cell file is
trusted (``trust``), running the cells on Dask with retries and resume
(``run``); the rows, results.csv and results.parquet, the table and the
heatmaps are certify.report.scan_report. The names below are the ones the
command line and the tests use, kept importable from here; the report's are
loaded on first use, since the report imports this package.
"""

from __future__ import annotations

from typing import Any

from . import trust
from .cell import cell_frontier, problem_file, resolved_options, run_cell
from .grid import (ALIASES, MAX_AXIS_VALUES, MAX_CELLS, MAX_RANGE_END, RANGE_KEYS, SCAN_KEYS, Axis, Cell, Scan,
                   canonical_json, cell_id, expand, frontier_options, load_folder, load_scan, model_keys,
                   scan_from_json)
from .run import ScanOutcome, connect, run_scan
from .trust import CellCheck, cell_path, check_cell

_REPORT = {"summary_row", "read_rows", "write_table", "write_parquet", "ranked", "best_cells", "describe",
           "report_table", "METRICS", "heatmap", "report", "progress_bar", "outcome_text", "parquet_available"}


def __getattr__(name: str) -> Any:
    """The report's names (certify.report.scan_report), imported when first asked for: that module
    imports this package, so importing it here at the top would make the two import each other.
    The trusted-verdict caches of certify.scheduling.scan.trust too (a test clears them, as a new
    process would start), without importing a private name across modules."""
    if name in ("_CHECKED", "_EXPECTED"):
        return getattr(trust, name)
    if name in _REPORT:
        from ...report import scan_report

        return getattr(scan_report, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted({"ALIASES", "MAX_AXIS_VALUES", "MAX_CELLS", "MAX_RANGE_END", "RANGE_KEYS", "SCAN_KEYS", "Axis",
                  "Cell", "Scan", "canonical_json", "cell_id", "expand", "frontier_options", "load_folder",
                  "load_scan", "model_keys", "scan_from_json", "cell_frontier", "run_cell", "ScanOutcome",
                  "connect", "run_scan", "problem_file", "resolved_options", "CellCheck", "cell_path", "check_cell", *_REPORT})
