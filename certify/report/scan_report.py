"""Reporting a scan folder: its rows (results.csv, results.parquet), the rich table, heatmaps.

Every row comes from a cell file that certify.scheduling.scan.trust accepts
(``check_cell``); a file it rejects is a failed row saying why. Percentages
shown are rounded down: a "beats by at least" figure is never overstated.
Heatmap layout, axis names and text contrast are certify.scheduling.plots'.
"""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from ..errors import BadInput
from ..scheduling.scan.grid import canonical_json, load_folder
from ..scheduling.scan.trust import check_cell
from .results import write_text

if TYPE_CHECKING:
    from ..scheduling.scan.grid import Scan

def summary_row(document: dict) -> dict:
    """The cell's frontier summary as flat numbers (certify.scheduling.scan.grid's docstring says what each is)."""
    summary, points = document["summary"], document["points"]
    model = document["model"]
    # A frontier with several noise settings has one headline per setting (the noise columns)
    # and none of its own: its single-headline columns stay empty.
    several = len(summary.get("noise", [])) > 1
    nothing = {"value": None, "split": None}
    waiting = summary.get("waiting_reduction", nothing)
    absolute = summary.get("absolute_waiting_reduction")
    if absolute is None and several:
        absolute = nothing
    elif absolute is None:  # a frontier summary without it: the best certified grid point
        best = max((p for p in points if p["advantage_certified"]), key=lambda p: p["advantage"], default=None)
        absolute = {"value": best["advantage"] if best else 0.0, "split": best["split"] if best else None}
    gain = summary.get("throughput_gain", nothing)
    low_high = summary.get("certified_range") or [None, None]
    return {
        "arrival_rate": model["arrival_rate"],
        "load": model["load"],
        "throughput_function": model["throughput"]["text"],
        "sizes": model["sizes"]["kind"],
        "classes": len(model["class_probabilities"]),
        "waiting_reduction": waiting["value"],
        "waiting_reduction_split": waiting["split"],
        "waiting_reduction_upper": waiting.get("upper"),
        "waiting_reduction_absolute": absolute["value"],
        "waiting_reduction_absolute_split": absolute["split"],
        "throughput_gain": gain["value"],
        "throughput_gain_split": gain["split"],
        "throughput_gain_classical_split": gain.get("classical_split"),
        "advantage_certified": bool(document["advantage_certified"]),
        "certified": bool(document["certified"]),
        "certified_from": low_high[0],
        "certified_to": low_high[1],
        "points": len(points),
        **_noise_columns(summary),
    }


def _noise_columns(summary: dict) -> dict:
    """With Werner pairs: the waiting reduction per visibility; the least critical visibility, if asked."""
    columns = {}
    for entry in summary.get("noise", []):
        suffix = "" if len(summary["noise"]) == 1 else f"_v{entry['visibility_exact']}"
        columns[f"werner_visibility{suffix}"] = entry["visibility"]
        columns[f"supply{suffix}"] = entry.get("supply", 1.0)
        columns[f"waiting_reduction_noisy{suffix}"] = entry["waiting_reduction"]["value"]
        columns[f"waiting_reduction_noisy_split{suffix}"] = entry["waiting_reduction"]["split"]
    critical = summary.get("critical_visibility")
    if critical is not None:
        low, high = critical["least"] if critical["least"] else (None, None)
        columns.update({"critical_visibility_from": low, "critical_visibility_to": high,
                        "critical_visibility_split": critical["split"]})
    return columns


def read_rows(directory: str | Path, scan: Scan | None = None) -> list[dict]:
    """One row per recorded cell (done or failed), in grid order.

    ``scan``: the Scan (default: the folder's scan.json, ``load_folder``). A
    cell counts as done only when its file passes ``check_cell``; a file
    that does not is a failed row saying why.
    """
    directory = Path(directory)
    scan = load_folder(directory) if scan is None else scan
    rows = []
    for cell in scan.cells:
        row = {"cell": cell.id, **cell.parameters}
        check = check_cell(directory, cell)
        if check.status == "missing":
            continue
        values = {"status": "failed", "error": check.message}
        if check.status == "done":
            try:
                values = {"status": "done", **summary_row(check.document), "error": ""}
            except (KeyError, TypeError, ValueError, IndexError) as error:
                values = {"status": "failed", "error": f"cell file rejected: no frontier summary ({error!r})"}
        row.update({key: value for key, value in values.items() if key not in row})  # axis columns win
        rows.append(row)
    return rows


def _columns(rows: list[dict]) -> list[str]:
    """The table's columns: every key of the rows, in the order they first appear."""
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    return columns


def write_table(directory: str | Path, scan: Scan | None) -> list[dict]:
    """DIR/results.csv: every recorded cell, atomically."""
    directory = Path(directory)
    rows = read_rows(directory, scan)
    columns = _columns(rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    write_text(directory / "results.csv", buffer.getvalue())
    return rows


# ---------------------------------------------------------------------------
# results.parquet: the CSV's columns, typed, with the exact rationals beside the floats

PARQUET_EXTRA = "parquet"


def parquet_available() -> None:
    """Refuse (BadInput, exit status 2) --format parquet when pyarrow is not installed, before
    anything is computed or written; the line names the extra that installs it."""
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise BadInput(None, "--format", f"parquet needs pyarrow, which is not installed: "
                                         f"python3 -m pip install 'certify[{PARQUET_EXTRA}]'") from None


_SPLIT_COLUMNS = ("certified_from", "certified_to")


def exact_columns(document: dict, row: dict) -> dict[str, str]:
    """The exact rational ("p/q") behind a float column of a done row, where the document states it.

    A cell document carries exact values only for what was given exactly:
    the arrival rate (``model.arrival_rate_exact``), the grid's splits
    (``points[].split_exact``) and the Werner visibility and supply of each
    noise setting (``summary.noise[].visibility_exact`` and
    ``supply_exact``). The waiting and throughput figures are floats of the
    frontier summary and get no exact column. An exact value is given only
    when the float beside it is its nearest double, so the two always agree.
    """
    exact: dict[str, str] = {}

    def put(column: str, text: object) -> None:
        value = row.get(column)
        if not isinstance(text, str) or isinstance(value, bool) or not isinstance(value, (int, float)):
            return
        try:
            rational = Fraction(text)
        except (ValueError, ZeroDivisionError):
            return
        if float(rational) == float(value):
            exact[column] = f"{rational.numerator}/{rational.denominator}" if rational.denominator != 1 \
                else str(rational.numerator)

    put("arrival_rate", (document.get("model") or {}).get("arrival_rate_exact"))
    splits: dict[float, str] = {}
    for point in document.get("points", []):
        if isinstance(point, dict) and isinstance(point.get("split"), float):
            splits.setdefault(point["split"], point.get("split_exact"))
    for column, value in row.items():
        if (column.endswith("_split") or "_split_v" in column or column in _SPLIT_COLUMNS) \
                and isinstance(value, float) and value in splits:
            put(column, splits[value])
    noise = (document.get("summary") or {}).get("noise", [])
    for entry in noise:
        suffix = "" if len(noise) == 1 else f"_v{entry['visibility_exact']}"  # as the row's noise columns
        put(f"werner_visibility{suffix}", entry.get("visibility_exact"))
        put(f"supply{suffix}", entry.get("supply_exact"))
    if len(noise) == 1:  # a visibility axis (its label, the one visibility of the cell)
        put("visibility", noise[0].get("visibility_exact"))
    return exact


def _arrow_column(values: list) -> tuple[Any, list]:
    """(pyarrow type, values) of one column: booleans, integers or floats when every value given is
    one (None is a null), else text as the CSV writes it (an axis of labels and numbers)."""
    import pyarrow as pa

    given = [value for value in values if value is not None]
    if given and all(isinstance(value, bool) for value in given):
        return pa.bool_(), values
    if all(isinstance(value, int) and not isinstance(value, bool) for value in given):
        return (pa.int64(), values) if given else (pa.string(), values)
    if all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in given):
        return pa.float64(), [None if value is None else float(value) for value in values]
    return pa.string(), [None if value is None else str(value) for value in values]


def write_parquet(directory: str | Path, scan: Scan | None = None) -> Path:
    """DIR/results.parquet, atomically: the rows of results.csv, one per recorded cell.

    The same columns in the same order, each typed (floats as doubles), and
    beside a column whose exact rational a cell document states, a column
    ``NAME_exact`` holding it as a "p/q" string (``exact_columns``); a cell
    without it has a null there. A value missing from a row (a failed cell's
    figures) is null, where the CSV leaves the field empty.
    """
    parquet_available()
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory = Path(directory)
    scan = load_folder(directory) if scan is None else scan
    rows = read_rows(directory, scan)
    cells = {cell.id: cell for cell in scan.cells}
    exact = []
    for row in rows:
        check = check_cell(directory, cells[row["cell"]]) if row["status"] == "done" else None
        exact.append(exact_columns(check.document, row) if check is not None and check.status == "done" else {})
    names, arrays = [], []
    for column in _columns(rows):
        kind, values = _arrow_column([row.get(column) for row in rows])
        names.append(column)
        arrays.append(pa.array(values, type=kind))
        if any(column in found for found in exact):
            names.append(f"{column}_exact")
            arrays.append(pa.array([found.get(column) for found in exact], type=pa.string()))
    table = pa.Table.from_arrays(arrays, names=names)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    path = directory / "results.parquet"
    _write_bytes(path, sink.getvalue().to_pybytes())
    return path


def _write_bytes(path: Path, content: bytes) -> None:
    """Write a binary file atomically (a temporary file in the same folder, then a rename), as
    certify.report.results.write_text writes text: a reader never sees half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _down(value: float | str | None, decimals: int) -> float | None:
    """value rounded down to decimals places: a "beats by at least" figure is never overstated."""
    if value is None or value == "":
        return None
    scale = 10**decimals
    return math.floor(float(value) * scale) / scale


def _number(value: Any) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def ranked(rows: list[dict]) -> list[dict]:
    """Done cells by certified throughput gain, then waiting reduction (largest first); failed ones last."""
    done = [row for row in rows if row["status"] == "done"]
    done.sort(key=lambda row: (-(_number(row["throughput_gain"]) or 0.0), -(_number(row["waiting_reduction"]) or 0.0)))
    return done + [row for row in rows if row["status"] != "done"]


def best_cells(rows: list[dict]) -> tuple[dict | None, dict | None]:
    """The cells with the largest certified throughput gain and the largest waiting reduction (relative)."""
    done = [row for row in rows if row["status"] == "done" and row["advantage_certified"]]
    gain = max(done, key=lambda row: _number(row["throughput_gain"]) or 0.0, default=None)
    waiting = max(done, key=lambda row: _number(row["waiting_reduction"]) or 0.0, default=None)
    return gain, waiting


def describe(row: dict, axes: Iterable[str]) -> str:
    return ", ".join(f"{key} = {row[key]}" for key in axes)


def report_table(directory: str | Path, top: int = 30) -> Any:
    """A rich table of a scan's cells, sorted by advantage (percentages rounded down)."""
    from rich.table import Table

    scan = load_folder(directory)
    axes = [axis.key for axis in scan.axes]
    rows = ranked(read_rows(directory, scan))
    shown = rows[:top] if top else rows
    from .tables import plain

    table = Table(title=f"Scan {plain(scan.name)}: {len(rows)} of {len(scan.cells)} cells recorded, "
                        "by certified throughput gain")
    table.caption = ("gain: throughput gain at equal waiting; W cut: waiting reduction at equal throughput "
                     "(relative, absolute); rounded down")
    for key in axes:
        table.add_column(key)
    for title in ("gain %", "at p", "W cut %", "at p", "W cut", "certified", "cell"):
        table.add_column(title, justify="left" if title in ("certified", "cell") else "right")
    for row in shown:
        values = [plain(str(row[key])) for key in axes]  # axis labels come from the scan file
        if row["status"] == "done":
            values += [
                f"{_down(_number(row['throughput_gain']) * 100, 2):.2f}",
                _format_split(row["throughput_gain_split"]),
                f"{_down(_number(row['waiting_reduction']) * 100, 2):.2f}",
                _format_split(row["waiting_reduction_split"]),
                f"{_down(_number(row['waiting_reduction_absolute']), 6):.6f}",
                "yes" if row["certified"] else "NO",
                row["cell"][:8],
            ]
        else:
            values += ["-", "-", "-", "-", "-", f"failed: {plain(row['error'])}", row["cell"][:8]]
        table.add_row(*values)
    if top and len(rows) > top:
        table.caption += f"; {len(rows) - top} more rows in {Path(directory) / 'results.csv'}"
    return table


def _format_split(value: Any) -> str:
    number = _number(value)
    return "-" if number is None else f"{number:.4g}"


METRICS = {
    "throughput_gain": "certified throughput gain at equal waiting (%)",
    "waiting_reduction": "certified waiting reduction at equal throughput (%)",
}


def heatmap(directory: str | Path, x_axis: str, y_axis: str | None, path: str | Path) -> str | Path:
    """Both certified advantages over two axes (largest over the other axes), one panel each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from ..scheduling.plots import finish_heatmap, heatmap_panels, title_text

    scan = load_folder(directory)
    axes = {axis.key: [label for label, _ in axis.values] for axis in scan.axes}
    for key, option in ((x_axis, "--heatmap"), (y_axis, "--heatmap")):
        if key is not None and key not in axes:
            raise BadInput(None, option, f"'{key}' is not an axis of scan {scan.name} (axes: {', '.join(axes)})")
    xs = [canonical_json(v) for v in axes[x_axis]]
    ys = [canonical_json(v) for v in axes[y_axis]] if y_axis else [canonical_json(None)]
    rows = [row for row in read_rows(directory, scan) if row["status"] == "done"]
    parameters = {cell.id: cell.parameters for cell in scan.cells}
    metrics = dict(METRICS)
    if any(row.get("waiting_reduction_noisy") is not None for row in rows):
        metrics["waiting_reduction_noisy"] = "certified waiting reduction, Werner pairs at the visibility (%)"
    figure, panels = heatmap_panels(len(metrics), len(ys))
    for panel, (metric, title) in zip(panels[0], metrics.items()):
        grid = np.full((len(ys), len(xs)), np.nan)
        for row in rows:
            cell = parameters[row["cell"]]
            i = ys.index(canonical_json(cell[y_axis])) if y_axis else 0
            j = xs.index(canonical_json(cell[x_axis]))
            value = 100 * (_number(row[metric]) or 0.0)
            grid[i, j] = value if np.isnan(grid[i, j]) else max(grid[i, j], value)
        image = panel.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        for i in range(len(ys)):
            for j in range(len(xs)):
                if not np.isnan(grid[i, j]):
                    panel.text(j, i, f"{_down(grid[i, j], 1):.1f}", ha="center", va="center", fontsize=7, color="white")
        panel.set_xticks(range(len(xs)), [str(v) for v in axes[x_axis]], rotation=45, ha="right", fontsize=7)
        panel.set_yticks(range(len(ys)), [str(v) for v in axes[y_axis]] if y_axis else [""], fontsize=7)
        panel.set_xlabel(x_axis)
        if y_axis:
            panel.set_ylabel(y_axis)
        panel.set_title(title, fontsize=9)
        figure.colorbar(image, ax=panel)
    others = [key for key in axes if key not in (x_axis, y_axis)]
    note = f"; largest over {', '.join(others)}" if others else ""
    figure.suptitle(f"Scan {title_text(scan.name)}{note} (blank: not computed or failed)", fontsize=9)
    finish_heatmap(figure, path)
    plt.close(figure)
    return path


def report(directory: str | Path, heatmaps: Iterable[tuple[str, str | None]] = (), fmt: str | list[str] | tuple[str, ...] = "png") -> list[Path]:
    """Heatmaps over the named axis pairs (default: the first two axes) -> the files written.

    ``fmt``: an image format (png, pdf) or several, each pair drawn in each.
    """
    directory = Path(directory)
    formats = [fmt] if isinstance(fmt, str) else list(dict.fromkeys(fmt))
    keys = [axis.key for axis in load_folder(directory).axes]
    pairs = list(heatmaps) or [(keys[0], keys[1] if len(keys) > 1 else None)]
    written = []
    for x_axis, y_axis in pairs:
        stem = "-".join("".join(c if c.isalnum() else "_" for c in key) for key in (x_axis, y_axis) if key)
        for suffix in formats:
            written.append(heatmap(directory, x_axis, y_axis, directory / f"heatmap-{stem}.{suffix}"))
    return written


class progress_bar:
    """A rich progress bar on stderr (done, failed, running, time left); a
    context manager giving the run_scan progress callback. Off when stderr
    is not a terminal."""

    def __enter__(self) -> Callable[[int, int, int | None, int], None]:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        from .tables import console

        stream = console(stderr=True)
        self.bar = Progress(
            TextColumn("cells"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed, {task.fields[running]} running"),
            TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
            console=stream, transient=True, disable=not stream.is_terminal,
        )
        self.bar.__enter__()
        self.task = None
        return self.update

    def update(self, done: int, failed: int, running: int | None, total: int) -> None:
        if self.task is None:
            self.task = self.bar.add_task("cells", total=total, failed=0, running="?")
        fields = {"failed": failed}
        if running is not None:
            fields["running"] = running
        self.bar.update(self.task, completed=done, **fields)

    def __exit__(self, *exc: Any) -> bool | None:
        return self.bar.__exit__(*exc)


def outcome_text(outcome: Any, directory: str | Path, scan: Scan) -> str:
    """Closing lines of a run (``outcome``: the ScanOutcome of certify.scheduling.scan.run, which imports
    this module): counts, where the files are, the best cells so far."""
    where = f" on {outcome.workers} workers" if outcome.workers else ""
    lines = [
        f"Scan {scan.name}: {outcome.total} cells; {outcome.done} computed now{where}, "
        f"{outcome.skipped} finished before, {len(outcome.failed)} failed; {outcome.seconds:.1f} s",
        f"Cells in {Path(directory) / 'cells'}, table in {Path(directory) / 'results.csv'}",
    ]
    rows = read_rows(directory, scan)
    axes = [axis.key for axis in scan.axes]
    gain, waiting = best_cells(rows)
    if gain is not None:
        lines.append(f"Largest certified throughput gain at equal waiting: {_down(gain['throughput_gain'] * 100, 2):.2f}% "
                     f"at p = {_format_split(gain['throughput_gain_split'])} ({describe(gain, axes)})")
    if waiting is not None:
        lines.append(f"Largest certified waiting reduction at equal throughput: "
                     f"{_down(waiting['waiting_reduction'] * 100, 2):.2f}% at p = "
                     f"{_format_split(waiting['waiting_reduction_split'])} ({describe(waiting, axes)})")
    noisy = [row for row in rows if row["status"] == "done" and row.get("waiting_reduction_noisy_split") is not None]
    if noisy:
        best = max(noisy, key=lambda row: row["waiting_reduction_noisy"])
        lines.append(f"Largest certified waiting reduction with Werner pairs: "
                     f"{_down(best['waiting_reduction_noisy'] * 100, 2):.2f}% at p = "
                     f"{_format_split(best['waiting_reduction_noisy_split'])} ({describe(best, axes)})")
    if gain is None and waiting is None:
        lines.append("No certified quantum advantage in the cells recorded.")
    if outcome.uncertified:
        lines.append(f"{len(outcome.uncertified)} cells have certificates that did not pass their exact checks")
    return "\n".join(lines)
