"""Rendering for the command line: lines on stderr, tables on stdout, JSON where asked,
and the quantum command's status line (rich's own live display)."""

from __future__ import annotations

import sys
import time
from typing import Any, Callable

import click

from ..errors import printable


def warn(text: str) -> None:
    """One line on stderr, with every unprintable character escaped: messages quote text
    from files and documents, whose newlines or terminal escapes must not fake or restyle
    the output, and whose lone surrogates could not be written at all."""
    click.echo(printable(text), err=True)


def emit(result_json: dict, table: Any, json_path: str | None) -> None:
    """Print the table (unless stdout is reserved for JSON), then write JSON."""
    from ..report.tables import console

    if json_path != "-":
        console().print(table)
    if json_path:
        from ..report.exports import write_json_output

        write_json_output(result_json, json_path)


def finish(result: Any, options: dict, json_path: str | None) -> None:
    """Render a single Result; a result that is not certified fails (exit 1)."""
    from ..report.tables import result_table
    from .exits import Failed

    emit(result.to_json(options), result_table(result, json_path), json_path)
    if not result.certified:
        raise Failed("certify: the certificate did not pass its exact check: " + "; ".join(result.problems))


def print_after(noisy: Any, json_path: str | None) -> Callable[[Callable[[], None]], None]:
    """Run the render step, then (tables only) the white-noise lines of a noisy-witness Result."""
    from ..report.tables import console, noisy_witness_lines

    def run(render: Callable[[], None]) -> None:
        render()
        if noisy is not None and json_path != "-":
            console().print(noisy_witness_lines(noisy))

    return run


class SolveStatus:
    """The quantum command's feedback on stderr: the relaxation's size and memory before
    solving, a live status line (elapsed, iterations where the solver exposes them) during a
    solve longer than a second when stderr is a terminal, and one line per solver that ran
    longer than a second or did not end optimal.

    The live line is rich's Live display, refreshed on rich's own thread from ``__rich__``;
    the solver's callbacks only update the fields it reads, and the permanent lines go
    through the same console so they print above the live line instead of tearing it."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(file=sys.stderr, highlight=False, soft_wrap=True, markup=False, emoji=False)
        self.live = sys.stderr.isatty()
        self.status: Any = None  # the rich Live display while a solver runs
        self.solver: str | None = None
        self.iteration: int | None = None
        self.started = 0.0

    def __rich__(self) -> str:
        """The live line, rendered by rich at each refresh: empty for the first second (no
        flicker for a fast solve), then the solver, the elapsed time and its iteration."""
        elapsed = time.perf_counter() - self.started
        if self.solver is None or elapsed < 1:
            return ""
        steps = f", iteration {self.iteration}" if self.iteration else ""
        return f"  solving with {self.solver}: {elapsed:.0f} s{steps}"

    def __call__(self, event: dict) -> None:
        kind = event["event"]
        if kind == "size":
            need = event["memory"].get(event["fits"][0]) if event["fits"] else None
            memory = f"about {need / 2**20:.0f} MB with {event['fits'][0]}" if need else "too large"
            moments = ("" if event["moments_exact"] else "up to ") + str(event["moments"])
            self._line(f"certify: NPA level {event['level']}: moment matrix {event['size']}x{event['size']}, "
                       f"{moments} moments, {event['constraints']} constraints; memory {memory} "
                       f"({event['available'] / 2**30:.0f} GB available)")
        elif kind == "start":
            self.solver, self.iteration, self.started = event["solver"], None, time.perf_counter()
            if self.live and self.status is None:
                from rich.live import Live

                self.status = Live(self, console=self.console, refresh_per_second=4, transient=True)
                self.status.start()
        elif kind == "iteration":
            self.iteration = event["iteration"]
        elif kind == "done":
            self.solver = None
            self._stop()
            if event["seconds"] > 1 or event["status"] != "optimal":
                bound = event.get("certified_bound")
                bound = f", certified {bound:.10g}" if bound is not None else ", no certificate"
                steps = f" after {event['iterations']} iterations" if event.get("iterations") else ""
                self._line(f"certify: {event['name']} {event['status']}{steps}, {event['seconds']:.1f} s{bound}")

    def _line(self, text: str) -> None:
        if self.status is not None:
            self.console.print(printable(text))  # above the live line
        else:
            warn(text)

    def _stop(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None

    def close(self) -> None:
        """Remove the live line (rich's Live clears it, leaving the cursor where it was)."""
        self._stop()
