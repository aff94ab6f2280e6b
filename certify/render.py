"""Rich tables for results; the same data the JSON carries, never recomputed here."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

TITLES = {
    "classical": "Classical value",
    "nosignal": "No-signalling value",
    "quantum": "Quantum upper bound (NPA)",
    "seesaw": "Quantum lower bound (see-saw)",
}


def console(stderr=False):
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def format_number(value, digits=10):
    if value is None:
        return "-"
    return f"{float(value):.{digits}g}"


def certified_text(flag):
    return "[bold green]yes[/]" if flag else "[bold red]NO[/]"


def result_table(result):
    """A two-column table of one Result."""
    table = Table(title=f"{TITLES.get(result.command, result.command)}: {result.game.name}", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    table.add_row("game", f"{result.game.name}  (sha256 {result.game.sha256[:12]}…, {result.game.sense})")
    if result.game.fixed:
        table.add_row("fixed", ", ".join(f"{k} = {v}" for k, v in result.game.fixed.items()))
    table.add_row("method", result.method)
    table.add_row("value", format_number(result.value, 12))
    table.add_row("exact", "-" if result.exact is None else str(result.exact))
    for key in ("achieved", "bound", "solver_value"):
        if key in result.details and result.exact is None:
            table.add_row(key.replace("_", " "), str(result.details[key]))
    table.add_row("certified", certified_text(result.certified))
    solver = result.solver or {}
    name = " ".join(str(v) for v in (solver.get("name"), solver.get("version")) if v)
    table.add_row("solver", f"{name} ({solver['status']})" if solver.get("status") else name)
    table.add_row("seconds", f"{result.seconds:.3f}")
    mixture = result.certificate.get("mixture") if isinstance(result.certificate, dict) else None
    if mixture:
        shown = "; ".join(f"{m['weight']} x (A {m['A']}, B {m['B']})" for m in mixture[:4])
        if len(mixture) > 4:
            shown += f"; … {len(mixture) - 4} more"
        table.add_row("optimal mixture", shown)
    dual = result.certificate.get("dual") if isinstance(result.certificate, dict) else None
    if dual and "constant" in dual:
        parts = [f"constant {dual['constant']}"] + [f"{k} multiplier {v}" for k, v in dual.get("multipliers", {}).items()]
        table.add_row("dual certificate", "; ".join(parts))
    for line in result.problems:
        table.add_row("[red]problem[/]", line)
    return table


def progress():
    """A progress bar on stderr, so stdout stays clean for JSON."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=console(stderr=True), transient=True,
    )


def verify_table(source, items):
    table = Table(title=f"Certificates in {source}")
    for column in ("result", "kind", "value", "check"):
        table.add_column(column)
    for item in items:
        verdict = "[bold green]holds[/]" if item.ok else "[bold red]FAILS[/]: " + "; ".join(item.problems)
        table.add_row(item.path or "(top)", item.kind, format_number(item.value, 12), verdict)
    return table


def regress_table(source, drifts):
    table = Table(title=f"Regression of {source}")
    for column in ("bound", "expected", "value", "drift", "tolerance", "seconds", "status"):
        table.add_column(column, justify="right" if column not in ("bound", "status") else "left")
    for d in drifts:
        status = "[bold green]ok[/]" if d.ok else "[bold red]DRIFT[/]" + (f": {d.message}" if d.message else "")
        table.add_row(
            d.entry.label, format_number(d.entry.expected, 12), format_number(d.value, 12),
            "-" if d.drift is None else f"{d.drift:+.2e}", f"{d.entry.tolerance:.0e}", f"{d.seconds:.2f}", status,
        )
    return table
