"""Rich tables for results; the same data the JSON carries, never recomputed here."""

from __future__ import annotations

import math
import os
import sys
from fractions import Fraction
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..errors import printable
from ..games.limits import shorten
from ..proofs.exact import DOWN, NEAREST, UP, safe_decimal


def plain(text: object, length: int = 1000) -> str:
    """``text`` for a rich markup string: printable, and with its markup escaped, so a
    name such as ``[bold red]x[/]`` or ``[/]`` prints literally instead of styling the
    output (or raising rich's MarkupError). Beyond ``length`` characters only the start
    is shown, with the full length: rich took over a minute to wrap a 10 MB name into a
    table's title (the JSON keeps the full text)."""
    return escape(printable(shorten(text, length)))


TITLES = {
    "classical": "Classical value",
    "nosignal": "No-signalling value",
    "quantum": "Quantum bound (NPA)",
    "seesaw": "Quantum strategy (see-saw)",
}


def meaning(result, json_path=None):
    """One sentence: what the value proves about the game, in its own sense.

    True where it is printed: nothing is claimed when the exact check failed,
    and the see-saw witness is said to be in a file only when one was written
    (``json_path``, a path; None or "-" when no file was written).
    """
    if not result.certified:
        return "nothing is proven: the exact check failed (see the problems)"
    most, least = ("at most", "at least") if result.game.sense == "max" else ("at least", "at most")
    best = "maximum" if result.game.sense == "max" else "minimum"
    if result.command in ("classical", "nosignal"):
        kind = "classical" if result.command == "classical" else "no-signalling"
        if result.exact is not None:
            return f"the {kind} {best}, exactly"
        return f"every {kind} behaviour scores {most} this"
    if result.command == "quantum":
        return f"every quantum strategy scores {most} this"
    if result.command == "seesaw":
        dimension = result.details.get("dimension")
        where = f" in local dimension {dimension}" if dimension else ""
        parts = len(result.certificate.get("components", [])) if isinstance(result.certificate, dict) else 0
        what = f"mixture of {parts} quantum strategies{where}" if parts > 1 else f"quantum strategy{where}"
        if json_path and json_path != "-":
            return f"the {what} written to {json_path} scores {least} this"
        return f"a {what} scores {least} this (--json writes it out)"
    return ""


# Width for output that goes to a file or a pipe: wide enough that no table is ever narrowed.
UNBOUNDED_WIDTH = 10_000


class WholeNumbersConsole(Console):
    """A console that never cuts a number: every table it prints folds a cell that does not
    fit onto more lines (rich would otherwise end it with an ellipsis, and a no-wrap column
    would lose digits: `certify pareto > log` showed 33.15... and 11/...). A cell's text is
    always shown in full; only the line breaks depend on the width."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        for item in objects:
            if isinstance(item, Table):
                for column in item.columns:
                    column.no_wrap = False
                    column.overflow = "fold"
        super().print(*objects, **kwargs)


def console(stderr: bool = False) -> Console:
    """The console for tables and messages. On a terminal (or with COLUMNS set) tables fit
    its width, folding what does not fit; to a file or a pipe they are printed at full width,
    since nothing there wraps them again."""
    stream = sys.stderr if stderr else sys.stdout
    piped = not (hasattr(stream, "isatty") and stream.isatty()) and not os.environ.get("COLUMNS")
    return WholeNumbersConsole(stderr=stderr, highlight=False, soft_wrap=False,
                               width=UNBOUNDED_WIDTH if piped else None)


def format_number(value, digits=10):
    if value is None:
        return "-"
    return f"{float(value):.{digits}g}"


def safe_number(value, digits=10, direction=NEAREST):
    """A proven number (Fraction, or a float already on its safe side) printed with
    ``digits`` significant digits, rounded on the safe side (certify.proofs.exact.safe_decimal)."""
    if value is None:
        return "-"
    return safe_decimal(Fraction(value), digits, direction)


def result_number(result, digits=12):
    """A result's value as text, rounded on the side on which its claim stays true."""
    number, direction = result.proven
    if number is None:
        return format_number(result.value, digits)
    return safe_number(number, digits, direction)


def certified_text(flag):
    return "[bold green]yes[/]" if flag else "[bold red]NO[/]"


def result_table(result, json_path=None):
    """A two-column table of one Result (``json_path``: where its JSON was written, if anywhere)."""
    table = Table(title=f"{TITLES.get(result.command, result.command)}: {plain(result.game.name)}", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    table.add_row("game", f"{plain(result.game.name)}  (sha256 {result.game.sha256[:12]}…, {result.game.sense})")
    if result.game.fixed:
        table.add_row("fixed", plain(", ".join(f"{k} = {v}" for k, v in result.game.fixed.items())))
    table.add_row("method", plain(result.method))
    table.add_row("value", result_number(result, 12))
    if meaning(result, json_path):
        table.add_row("meaning", meaning(result, json_path))
    if result.exact is not None:
        table.add_row("exact", str(result.exact))
    for key in ("achieved", "bound", "solver_value"):
        if key in result.details and result.exact is None:
            table.add_row(key.replace("_", " "), str(result.details[key]))
    table.add_row("certified", certified_text(result.certified))
    solver = result.solver or {}
    name = " ".join(str(v) for v in (solver.get("name"), solver.get("version")) if v)
    text = f"{name} ({solver['status']})" if solver.get("status") else name
    first = solver.get("polished_from")
    if isinstance(first, dict):
        text += f", polishing {first.get('name')} ({first.get('status')})"
    table.add_row("solver", text)
    tried = solver.get("tried") or []
    if len(tried) > 1:
        table.add_row("solvers tried", "; ".join(
            f"{t['name']} {t['status']}" + (f" {t['certified_bound']:.10g}" if t.get("certified_bound") is not None else "")
            for t in tried))
    for row in result.details.get("levels", []):
        side = UP if result.game.sense == "max" else DOWN  # each level's certified bound, on its safe side
        table.add_row(f"level {row['level']}", f"{safe_number(Fraction(row['bound']), 12, side)} ({row['solver']} {row['status']})")
    for note in result.details.get("looser_levels", []):
        table.add_row("[yellow]note[/]", note)
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
        table.add_row("[red]problem[/]", plain(line))
    return table


def progress():
    """A progress bar on stderr, so stdout stays clean for JSON; off when stderr
    is not a terminal, where it would only leave a blank line behind."""
    stream = console(stderr=True)
    return Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=stream, transient=True, disable=not stream.is_terminal,
    )


# what the value of a composite certificate is (the kind alone does not say)
VALUE_NAMES = {
    "frontier": "frontier: largest W reduction",
    "simulation": "simulation: model W",
}


def verify_header(game, note=None):
    """The game (name and full SHA-256) a verified document's claims are about."""
    if game is None:
        return "game: could not be read"
    text = f"game {plain(game.name)}\nsha256 {game.sha256}"
    return text + (f"\n[yellow]note: {plain(note)}[/]" if note else "")


def verify_table(source, items):
    table = Table(title=f"Certificates in {plain(source)}")
    for column in ("result", "kind", "value", "check"):
        table.add_column(column)
    for item in items:
        verdict = "[bold green]holds[/]" if item.ok else "[bold red]FAILS[/]: " + plain("; ".join(item.problems))
        table.add_row(plain(item.path or "(top)"), plain(VALUE_NAMES.get(item.kind, item.kind)), safe_number(item.value, 12, item.direction or NEAREST), verdict)
    return table


def regress_table(source, drifts):
    table = Table(title=f"Regression of {plain(source)}")
    table.add_column("bound", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("drift (tolerance)", justify="right", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("expected", justify="right")
    for d in drifts:
        status = "[bold green]ok[/]" if d.ok else "[bold red]DRIFT[/]"
        drift = "-" if d.drift is None else f"{d.drift:+.1e} ({d.entry.tolerance:.0e})"
        table.add_row(
            plain(d.entry.label), status, drift, format_number(d.value, 10), format_number(d.entry.expected, 10),
        )
        if d.message:
            table.add_row("", "", "", "", f"[red]{plain(d.message)}[/]")
    return table


# ---------------------------------------------------------------------------
# Dual-work frontier and simulation (certify pareto, certify simulate)


def _fixed_point(value, decimals, direction=NEAREST):
    """Fixed-point text of a float on its safe side, rounded further in ``direction``
    (so a rounded-down lower bound stays below), without a minus sign on zero."""
    scaled = Fraction(value) * 10**decimals  # exact: a float's own value, or a Fraction
    whole = {UP: math.ceil, DOWN: math.floor, NEAREST: round}[direction](scaled)
    digits = str(abs(whole)).rjust(decimals + 1, "0")
    text = f"{'-' if whole < 0 else ''}{digits[:-decimals]}.{digits[-decimals:]}" if decimals else str(whole)
    return text


def _percent_down(value, digits=2):
    """A lower bound as a percentage, rounded down (never overstates an advantage)."""
    scale = 10 ** (digits + 2)
    return f"{math.floor(float(value) * scale) / 10 ** digits:.{digits}f}%"


def _percent_up(value, digits=2):
    scale = 10 ** (digits + 2)
    return f"{math.ceil(float(value) * scale) / 10 ** digits:.{digits}f}%"


def waiting_model_text(model):
    if model.waiting == "light-traffic":
        return "light-traffic limit lambda -> 0 (not the waiting at this load)"
    return "exact M^X/G/1 waiting"


def pareto_table(frontier):
    """One row per split: Theta, exact classical W, quantum bounds on W, certified reduction."""
    model = frontier.model
    table = Table(
        title=(f"Pareto frontiers: {plain(frontier.game.name)}  (T(t) = {plain(model.throughput.text)}, "
               f"lambda = {model.arrival_rate:g}, rho = {model.load:g}, {waiting_model_text(model)}, "
               f"{model.classes} size classes)"),
    )
    for column in ("p", "Theta", "W classical", "W quant. >=", "W quant. <=", "W cut", "ΔW", "cert."):
        table.add_column(column, justify="right" if column != "cert." else "center", no_wrap=True)
    from .exports import frontier_rows, rounded

    # the exact numbers and rounding rule of the paper tables (certify.report.exports), so the
    # terminal, TeX, Markdown and CSV cannot disagree
    for point, row in zip(frontier.points, frontier_rows([frontier])):
        certified = point["advantage_certified"]
        reduction = _percent_down(point["relative_advantage"]) if certified else "-"
        absolute = f"{math.floor(point['advantage'] * 1e5) / 1e5:.5f}" if certified else "-"
        lower = "-" if row["quantum_lower"] is None else rounded(row["quantum_lower"], "down")
        table.add_row(
            point["split_exact"], f"{point['throughput']:.4f}", rounded(row["classical"], "exact-nearest"),
            lower, rounded(row["quantum_upper"], "up"), reduction, absolute, certified_text(certified),
        )
    return table


def reduction_text(summary):
    """The largest relative waiting reduction: a maximum with its rigorous bracket, or a limit."""
    w = summary["waiting_reduction"]
    if w.get("split") is None:
        return None
    if w.get("kind") == "limit":
        return (f"Largest waiting reduction at equal throughput: {_percent_down(w['value'])}, the limit as "
                f"p -> 1 where both W vanish (not attained; certified at p = {w['split_exact']})")
    return (f"Largest waiting reduction at equal throughput: {_percent_down(w['value'])} at p = {w['split']:.3f} "
            f"(ΔW {math.floor(w['absolute_there'] * 1e4) / 1e4:.4f}); the supremum over all p lies in "
            f"[{_percent_down(w['value'], 4)}, {_percent_up(w['upper'], 4)}], whatever the grid")


def pareto_summary(frontier):
    """The closing lines: best waiting reductions and best throughput gain, with their splits."""
    summary = frontier.summary
    lines = []
    text = reduction_text(summary)
    if text:
        lines.append(text)
    a = summary["absolute_waiting_reduction"]
    if a.get("split") is not None:
        lines.append(f"Largest absolute waiting reduction: {math.floor(a['value'] * 1e5) / 1e5:.5f} at "
                     f"p = {a['split']:.3f} (supremum at most {math.ceil(a['upper'] * 1e5) / 1e5:.5f})")
    t = summary["throughput_gain"]
    if not summary.get("trade_off", True):
        lines.append(f"No throughput trade-off: T is linear, so Theta = {frontier.points[0]['throughput']:.4g} at "
                     "every p and only W differs.")
    elif t["split"] is not None:
        lines.append(
            f"Largest throughput gain at equal waiting: {_percent_down(t['value'])} at p = {t['split']:.4g} "
            f"(classical needs p = {t['classical_split']:.4g})"
        )
    if summary["certified_range"]:
        low, high = summary["certified_range"]
        lines.append(f"Certified quantum advantage at {len(summary['certified_splits'])} of {len(frontier.points)} "
                     f"splits, p in [{low:.4g}, {high:.4g}]; largest gap between quantum bounds "
                     f"{safe_number(summary['largest_gap_npa'], 3, UP)}; {frontier.seconds:.1f} s")
    else:
        lines.append("No certified quantum advantage on this grid.")
    return "\n".join(lines)


def loads_table(results, comparison):
    """One row per load: the certified advantage at equal throughput and at equal waiting."""
    model = results[0].model
    table = Table(title=f"Advantage by load: {plain(results[0].game.name)}  (T(t) = {plain(model.throughput.text)}, "
                        f"{waiting_model_text(model)})")
    for column in ("lambda", "rho", "W cut (sup)", "at p", "ΔW there", "ΔW (sup)", "at p ", "Theta gain", "at p  "):
        table.add_column(column, justify="right", no_wrap=True)
    for row in comparison["loads"]:
        w, a, t = row["relative_reduction"], row["absolute_reduction"], row["throughput_gain"]
        limit = w.get("kind") == "limit"
        table.add_row(
            f"{row['arrival_rate']:g}", f"{row['load']:g}",
            ("-> " if limit else "") + _percent_down(w["value"]) if w.get("split") is not None else "-",
            ("-> 1" if limit else f"{w['split']:.3f}") if w.get("split") is not None else "-",
            f"{math.floor(w['absolute_there'] * 1e4) / 1e4:.4f}" if w.get("split") is not None and not limit else "-",
            f"{math.floor(a['value'] * 1e5) / 1e5:.5f}" if a.get("split") is not None else "-",
            f"{a['split']:.3f}" if a.get("split") is not None else "-",
            _percent_down(t["value"]) if t.get("split") is not None else ("none" if t.get("note") else "-"),
            f"{t['split']:.4g}" if t.get("split") is not None else "-",
        )
    return table


def simulation_table(sim):
    """Simulated W and Theta with 95% batch-means intervals beside the model's values."""
    table = Table(title=(f"Simulation: {plain(sim.game.name)}, {sim.strategy} strategy at split p = {sim.split}, "
                         f"{sim.pairs} pairs, seed {sim.seed}, lambda = {sim.model.arrival_rate:g}"))
    for column in ("quantity", "simulated", "95% CI", "model", "in CI", "deviation"):
        table.add_column(column, justify="right" if column != "quantity" else "left", no_wrap=True)
    label = "waiting W" if sim.model.waiting == "exact" else "W (light traffic)"
    for name, estimate in ((label, sim.waiting), ("Theta", sim.throughput)):
        inside = abs(estimate.mean - estimate.model) <= estimate.ci95
        deviation = f"{100 * (estimate.mean - estimate.model) / estimate.model:+.2f}%" if estimate.model else "-"
        table.add_row(name, f"{estimate.mean:.6g}", f"± {estimate.ci95:.2g}", f"{estimate.model:.6g}",
                      "[green]yes[/]" if inside else "[yellow]no[/]", deviation)
    return table


def gap_table(gap):
    """Classical, quantum lower and upper bounds, the advantage and what it proves."""
    game = gap.game
    table = Table(title=f"Certified gap: {plain(game.name)} ({game.sense})")
    for column in ("bound", "value", "exact / certified", "method"):
        table.add_column(column)
    rows = [
        ("classical optimum", gap.classical),
        ("quantum lower bound", gap.lower),
        ("quantum upper bound", gap.upper),
    ]
    for label, result in rows:
        if result.exact is not None:
            proof = str(result.exact) if len(str(result.exact)) <= 20 else "exact rational: use --json"
        else:
            proof = "certified" if result.certified else "[red]NOT certified[/]"
        table.add_row(label, result_number(result, 12), proof, plain(result.method))
    advantage = "-" if gap.advantage is None else safe_number(gap.advantage, 12, DOWN)
    table.add_row("[bold]quantum advantage[/]", advantage, certified_text(gap.certified), "see-saw witness against the classical dual")
    table.add_row("NPA slack", safe_number(gap.slack, 6, UP), "", "upper - lower")
    table.caption = plain(gap.statement())
    return table


def noise_table(frontier):
    """One row per split and visibility: exact classical W, certified bound and explicit strategy's W."""
    model = frontier.model
    table = Table(
        title=(f"Werner pairs: {plain(frontier.game.name)}  (T(t) = {plain(model.throughput.text)}, "
               f"lambda = {model.arrival_rate:g}, {model.classes} size classes"
               + (f", pairs for {100 * float(Fraction(frontier.options['supply'])):.4g}% of requests"
                  if frontier.options.get("supply", "1") != "1" else "")
               + ")"),
    )
    for column in ("p", "v", "W classical", "W noisy >=", "W noisy <=", "W cut", "cert."):
        table.add_column(column, justify="right" if column != "cert." else "center", no_wrap=True)
    for point in frontier.points:
        for index, entry in enumerate(point["noise"]):
            reduction = f"{100 * entry['relative_advantage']:.2f}%" if entry["advantage_certified"] else "-"
            table.add_row(
                point["split_exact"] if index == 0 else "", f"{entry['visibility']:g}",
                _fixed_point(point["classical"], 8) if index == 0 else "",
                _fixed_point(entry["lower"], 8, DOWN), _fixed_point(entry["upper"], 8, UP), reduction,
                certified_text(entry["advantage_certified"]),
                end_section=index == len(point["noise"]) - 1,
            )
    return table


def critical_table(frontier):
    """One row per split: the certified interval [V_lo, V_hi] of the critical visibility."""
    table = Table(title=f"Critical visibility of Werner pairs: {plain(frontier.game.name)}")
    for column in ("p", "no advantage for v <=", "advantage for v >=", "fidelity >="):
        table.add_column(column, justify="right", no_wrap=True)
    for point in frontier.points:
        interval = point.get("critical_visibility", {})
        low, high = interval.get("lower"), interval.get("upper")
        table.add_row(point["split_exact"], "-" if low is None else f"{low:.12f}",
                      "none up to 1" if high is None else f"{high:.12f}",
                      "-" if high is None else f"{(1 + 3 * high) / 4:.12f}")
    return table


def noise_summary(frontier):
    """Closing lines: per visibility, the best certified W reduction; the least critical visibility."""
    lines = []
    for entry in frontier.summary["noise"]:
        w = entry["waiting_reduction"]
        text = (f"largest waiting reduction {_percent_down(w['value'])} at p = {w['split']:.4g}, certified at "
                f"{len(entry['certified_splits'])} splits" if w["split"] is not None else "no certified advantage")
        share = f", pairs for {100 * entry['supply']:g}% of requests" if entry.get("supply", 1) != 1 else ""
        lines.append(f"v = {entry['visibility']:g} (F = {entry['fidelity']:.4g}{share}): {text}; "
                     f"bounds within {float(safe_number(entry['largest_gap'], 2, UP)):.1e}")  # 2 digits, rounded up
    critical = frontier.summary.get("critical_visibility")
    if critical is not None:
        if critical["least"] is None:
            lines.append("Critical visibility: no advantage at any visibility on this grid.")
        else:
            low, high = critical["least"]
            lines.append(f"Least critical visibility on the grid: in [{_fixed_point(low, 12, DOWN)}, "
                         f"{_fixed_point(high, 12, UP)}] at p = {critical['split']:.4g} "
                         f"(fidelity {_fixed_point((1 + 3 * Fraction(high)) / 4, 12, UP)})")
    lines.append(f"{frontier.seconds:.1f} s")
    return "\n".join(lines)


def noisy_witness_lines(result):
    """The see-saw witness under white noise: its value at v and its exact critical visibility."""
    v = result.certificate["visibility"]
    state = "certified" if result.certified else "NOT certified: " + plain("; ".join(result.problems))
    lines = [f"Witness under white noise at visibility {v}: value {result_number(result, 12)} ({state})"]
    critical = result.details.get("critical_visibility")
    if "critical_note" in result.details:
        lines.append(f"No critical visibility: {result.details['critical_note']}")
    elif "critical_visibility" in result.details:
        if critical is None:
            lines.append("The witness does not beat the classical value, even without noise.")
        else:
            text = critical if len(critical) <= 24 else "exact rational: use --json"
            lines.append(f"It beats the classical value exactly for visibility > "
                         f"{result.details['critical_visibility_float']:.12f} ({text})")
    return "\n".join(lines)
