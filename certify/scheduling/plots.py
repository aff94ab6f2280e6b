"""Figures of the frontiers, for papers (certify pareto --plot FILE.pdf|.png|.svg).

Every figure is drawn for one journal column (3.4 in wide, 6-7 pt text, so it
is printed at its own size) and saved under ``paper_style``: fonts embedded as
TrueType (Type 42), never Type 3, which journal checkers reject. Each plotted
line has its own (colour, line style, marker): curves stay apart in greyscale
and for readers who do not tell the colours apart.

The frontier figure (``plot_frontiers``) stacks

* (a) one small panel per load: baseline throughput Theta against mean
  waiting W, the exact classical frontier (dashed) and the quantum one
  (solid: the explicit strategies, whose certified lower bounds meet them to
  about 1e-9), with the region where the quantum advantage is certified
  shaded; each panel has linear axes of its own (Theta and W change by
  orders of magnitude with load, the advantage by a few per cent);
* (b) the certified relative waiting reduction (C - Q_upper)/C against the
  split p, one curve per load, with the grid-independent supremum marked.

The noisy figure (``plot_noisy_frontier``) shows the certified reduction
against p per Werner visibility, and with three or more visibilities the
reduction against v at one split. Scan heatmaps (certify.scheduling.scan)
take their layout, axis names and cell-text colours from here.

Units (docs/model.md): time is measured in the unit of the arrival rate
(lambda pairs per unit time) and of the request sizes (mean E[S], 1 unless
the model says otherwise, so the unit is then the mean service time); W is a
time, Theta is baseline output T per unit time.
"""

from __future__ import annotations

import contextlib
import math
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import numpy as np

from ..errors import BadInput

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

FORMATS = ("pdf", "png", "svg")
COLUMN_WIDTH = 3.4  # inches: one column of a two-column journal page

# Saved with these rc settings (locally, never for the user's whole process):
# Type 42 fonts in PDF and PostScript, text sizes that read at 100% on a column.
PAPER_RC: dict[RcKeyType, Any] = {
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "font.size": 7,
    "axes.titlesize": 7,
    "axes.labelsize": 7,
    "xtick.labelsize": 6,
    "ytick.labelsize": 6,
    "legend.fontsize": 6,
    "figure.titlesize": 7,
    "lines.linewidth": 1.0,
    "lines.markersize": 3,
    "axes.linewidth": 0.6,
}

# Okabe-Ito colours (distinct for the common colour-vision deficiencies), black
# left out: it is the classical frontier's. Line styles and markers are what
# keep curves apart in greyscale; the cycle lengths are pairwise not all equal,
# so (line style, marker) repeats only after lcm(4, 10) = 20 curves and the
# whole triple after lcm(7, 4, 10) = 140.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C6D1F")
LINESTYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "v", "D", "x", "+", "<", ">", "P")

# Readable names of scan axes (the keys of problem and scan files).
AXIS_NAMES = {
    "arrival_rate": "arrival rate λ (pairs per unit time)",
    "thresholds": "size thresholds w (time units)",
    "mean_size": "mean request size E[S] (time units)",
    "sigma": "σ of log S (lognormal sizes)",
    "sizes": "request-size distribution",
    "probabilities": "hyperexponential branch probabilities",
    "means": "hyperexponential branch means (time units)",
    "throughput": "baseline value T(t)",
    "throughput.alpha": "convexity α of T(t) = t^(1+α)",
    "throughput.beta": "β of T(t) = exp(β t) - 1",
    "law": "request-size law",
    "split": "split probability p",
    "waiting": "waiting model",
    "visibility": "Werner visibility v",
    "visibilities": "Werner visibilities v",
    "supply": "pair supply (share of request pairs)",
    "points": "split grid points",
    "level": "NPA level",
    "critical": "critical visibility computed",
    "link.rate": "link rate μ (pairs per unit time)",
    "link.t2": "memory time T2 (time units)",
    "link.cutoff": "cutoff age (time units)",
    "link.memories": "memories per node pair",
    "link.policy": "memory policy",
    "link.visibility": "fresh-pair visibility v0",
}


@contextlib.contextmanager
def paper_style() -> Iterator[None]:
    """matplotlib's rc settings for paper figures (PAPER_RC) inside the block only.

    A context, not ``rcParams.update``: a notebook that calls the API keeps its
    own settings. The font type is read when the file is written, so saving
    must happen inside the block too.
    """
    import matplotlib

    with matplotlib.rc_context(PAPER_RC):
        yield


def line_styles(count: int) -> list[tuple[str, Any, str]]:
    """``count`` (colour, line style, marker) triples, in cycle order.

    Curve i takes COLOURS[i % 7], LINESTYLES[i % 4] and MARKERS[i % 10]. The map
    i -> (i mod 7, i mod 4, i mod 10) is one-to-one below lcm(7, 4, 10) = 140, so the
    first 140 triples are distinct (more curves than any legend can show; past that the
    cycle repeats), and the pairs (line style, marker), all that greyscale keeps, are
    distinct for the first lcm(4, 10) = 20 curves.
    """
    return [(COLOURS[i % len(COLOURS)], LINESTYLES[i % len(LINESTYLES)], MARKERS[i % len(MARKERS)])
            for i in range(count)]


def axis_name(key: str | None) -> str:
    """The readable name of a scan axis (AXIS_NAMES), else the key with spaces."""
    if key is None:
        return ""
    return AXIS_NAMES.get(key, key.replace("_", " "))


def relative_luminance(rgba: Sequence[float]) -> float:
    """WCAG 2 relative luminance of an sRGB colour: 0.2126 R + 0.7152 G + 0.0722 B
    on the linearised channels."""
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(float(c)) for c in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_colour(rgba: Sequence[float]) -> str:
    """Black or white text, whichever contrasts more with a cell of colour ``rgba``.

    The contrast ratios (L + 0.05)/0.05 against black and 1.05/(L + 0.05)
    against white are equal at L = sqrt(1.05 * 0.05) - 0.05 = 0.179.
    """
    return "black" if relative_luminance(rgba) > math.sqrt(1.05 * 0.05) - 0.05 else "white"


def check_plot_path(path: Any) -> None:
    """BadInput unless the file name ends in .pdf, .png or .svg (checked before any work)."""
    if path is None:
        return
    suffix = str(path).rsplit(".", 1)[-1].lower() if "." in str(path) else ""
    if suffix not in FORMATS:
        raise BadInput(None, "--plot", f"expected a .pdf, .png or .svg file, got '{path}'")


def title_text(text: str) -> str:
    """A name from a file as literal text in a figure: printable, at most 200 characters,
    and with its dollar signs escaped (matplotlib reads $...$ as mathtext, and a name such
    as '$x^$' made savefig raise)."""
    from ..errors import printable
    from ..games.limits import shorten

    return printable(shorten(text, 200)).replace("$", r"\$")


def throughput_tex(throughput: Any) -> str:
    """T(t) in mathtext: t^{1.8}, e^{0.02 t} - 1, t; a general expression verbatim."""
    if throughput.family == "power":
        return rf"$T(t) = t^{{{1 + throughput.parameter:g}}}$"
    if throughput.family == "exponential":
        return rf"$T(t) = e^{{{throughput.parameter:g}\,t}} - 1$"
    if throughput.family == "linear":
        return r"$T(t) = t$"
    return f"T(t) = {title_text(throughput.text)}"  # a '#' comment may hold anything


def waiting_label(model: Any) -> str:
    """Which W the figure shows: the exact waiting at the load or its light-traffic limit."""
    if model.waiting == "light-traffic":
        return r"light-traffic limit of $W$ ($\lambda \to 0$)"
    return r"exact $W$ (M$^X$/G/1)"


def time_unit(model: Any) -> str:
    """The time unit of W, in words: the mean service time when E[S] = 1 (the default)."""
    mean = float(model.mean_size)
    return "mean service times" if mean == 1 else f"time units, E[S] = {mean:g}"


def waiting_axis(model: Any) -> str:
    """The W axis label with its unit."""
    return rf"mean waiting per customer $W$ (in {time_unit(model)})"


def throughput_axis(model: Any) -> str:
    """The Theta axis label with its unit (baseline output T per unit of time)."""
    return r"baseline throughput $\Theta$ (T per unit time)"


REDUCTION_AXIS = r"certified reduction of $W$ at equal $\Theta$ (% of classical $W$)"


def _new_figure(height: float) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # constrained layout: it makes room for the suptitle and for legends outside the axes
    return plt.figure(figsize=(COLUMN_WIDTH, height), dpi=200, layout="constrained")


def _save(figure: Any, path: Any) -> Any:
    """Lay out and write ``figure`` (inside paper_style), close it, and return it for tests."""
    import matplotlib.pyplot as plt

    figure.savefig(path)
    plt.close(figure)
    return figure


def plot_frontiers(results: Sequence[Any], path: Any) -> Any:
    """Draw the frontiers of one or more loads (a list of Frontier) to ``path``; returns the
    (closed) matplotlib Figure."""
    check_plot_path(path)
    with paper_style():
        rows = len(results)
        figure = _new_figure(1.45 * rows + 2.3)
        grid = figure.add_gridspec(rows + 1, 1, height_ratios=[1.0] * rows + [1.35])
        right = figure.add_subplot(grid[rows, 0])
        styles = line_styles(rows)
        for index, result in enumerate(results):
            colour, _, marker = styles[index]
            # (b) curves never use the solid line of the (a) panels' quantum curves (the
            # classical ones are black), so no two lines of the figure share a (colour, line
            # style, marker) triple: (COLOURS[i % 7], RIGHT[i % 3], MARKERS[i % 10]) repeats
            # only after 210 loads.
            right_style = ("--", "-.", ":")[index % 3]
            left = figure.add_subplot(grid[index, 0])
            lam = result.model.arrival_rate
            points = result.points
            theta = np.array([p["throughput"] for p in points])
            classical = np.array([p["classical"] for p in points])
            quantum = np.array([p["quantum_upper"] for p in points])
            certified = np.array([p["advantage_certified"] for p in points])
            split = np.array([p["split"] for p in points])
            label = rf"$\lambda$ = {lam:g} ($\rho$ = {result.model.load:g})"
            left.plot(classical, theta, linestyle="--", marker=marker, markerfacecolor="white", color="black",
                      linewidth=0.9, label="classical (exact)")
            left.plot(quantum, theta, linestyle="-", marker=marker, color=colour, linewidth=1.1,
                      label="quantum (certified)")
            left.fill_betweenx(theta, quantum, classical, where=certified, color=colour, alpha=0.3, linewidth=0,
                               label="certified advantage")
            left.set_ylabel(r"$\Theta$ (T per unit time)")
            left.text(0.98, 0.06, label, transform=left.transAxes, ha="right", va="bottom")
            left.grid(alpha=0.3)
            if index == 0:
                left.set_title(r"(a) baseline throughput $\Theta$ against mean waiting $W$")
                left.legend(loc="upper left", frameon=False)
            left.set_xlabel(waiting_axis(result.model) if index == rows - 1 else "")
            relative = np.array([p["relative_advantage"] if p["advantage_certified"] else 0.0 for p in points])
            right.plot(split, 100 * relative, linestyle=right_style, marker=marker, color=colour, label=label)
            best = result.summary["waiting_reduction"]
            if best.get("split") is not None and best.get("kind") != "limit":
                right.plot([best["split"]], [100 * best["value"]], linestyle="none", marker="*", color=colour,
                           markeredgecolor="black", markeredgewidth=0.4, markersize=8)
        right.set_xlabel(r"split probability $p$ (fixes $\Theta$)")
        right.set_ylabel("certified reduction of $W$\n" r"at equal $\Theta$ (% of classical)")
        right.set_title(r"(b) $(W_{\rm classical} - W_{\rm quantum}) / W_{\rm classical}$; $\star$ supremum over $p$")
        right.set_xlim(0, 1)
        right.set_ylim(bottom=0)
        right.grid(alpha=0.3)
        right.legend(frameon=False)
        model = results[0].model
        figure.suptitle(f"{title_text(results[0].game.name)}: {throughput_tex(model.throughput)}, {waiting_label(model)}")
        return _save(figure, path)


def plot_frontier(result: Any, path: Any) -> Any:
    """One load's frontier (kept for the Python API)."""
    return plot_frontiers([result], path)


def plot_noisy_frontier(result: Any, path: Any) -> Any:
    """Certified W reduction against classical (in %) over p, one curve per visibility; with three or
    more visibilities also the reduction against v at p = 0.8 (or the split of the largest ideal
    reduction), with the certified critical visibility there when computed. Returns the Figure."""
    check_plot_path(path)
    with paper_style():
        splits = [p["split"] for p in result.points]
        entries = list(enumerate(result.summary["noise"]))
        second = len(entries) >= 3
        curves = []
        if not any(entry["visibility_exact"] == "1" for _, entry in entries):
            curves.append(("ideal pairs (v = 1)", [100 * p["relative_advantage"] for p in result.points]))
        for index, entry in sorted(entries, key=lambda item: -item[1]["visibility"]):
            curves.append((f"v = {entry['visibility']:g} (F = {entry['fidelity']:.4g})"
                           + (f", supply {entry['supply']:g}" if entry["supply"] != 1 else ""),
                           [100 * p["noise"][index]["relative_advantage"] for p in result.points]))
        legend_rows = math.ceil(len(curves) / 2) if len(curves) > 3 else len(curves)
        figure = _new_figure((5.2 if second else 2.5) + 0.1 * legend_rows)
        axis = figure.add_subplot(2 if second else 1, 1, 1)
        for (label, values), (colour, linestyle, marker) in zip(curves, line_styles(len(curves))):
            axis.plot(splits, values, linestyle=linestyle, marker=marker, color=colour, label=label)
        axis.set_xlabel(r"split probability $p$ (fixes $\Theta$)")
        axis.set_ylabel("certified reduction of $W$\n" r"at equal $\Theta$ (% of classical)")
        axis.set_title(f"{title_text(result.game.name)}: Werner pairs, $\\lambda$ = {result.model.arrival_rate:g} "
                       "pairs per unit time")
        axis.grid(alpha=0.3)
        # below the axes: inside, eleven entries would hide the curves
        axis.legend(fontsize=5.5, ncol=2 if len(curves) > 3 else 1, frameon=False, loc="upper center",
                    bbox_to_anchor=(0.5, -0.22))
        if second:
            point = next((p for p in result.points if p["split_exact"] == "4/5"),
                         max(result.points, key=lambda p: p["relative_advantage"]))
            order = sorted(range(len(entries)), key=lambda i: point["noise"][i]["visibility"])
            right = figure.add_subplot(2, 1, 2)
            right.plot([point["noise"][i]["visibility"] for i in order],
                       [100 * point["noise"][i]["relative_advantage"] for i in order],
                       linestyle="-", marker="o", color="black", markerfacecolor="white")
            interval = point.get("critical_visibility") or {}
            if interval.get("upper") is not None:
                right.axvline(interval["upper"], color="0.4", linestyle=(0, (1, 1)),
                              label=f"critical visibility {interval['upper']:.6f} (certified)")
                right.legend(frameon=False)
            right.set_xlabel(r"visibility $v$ of the Werner pairs (fidelity $(1 + 3v)/4$)")
            right.set_ylabel("certified reduction of $W$\n(% of classical)")
            right.set_title(f"at p = {point['split_exact']}")
            right.grid(alpha=0.3)
        return _save(figure, path)


# ---------------------------------------------------------------------------
# Scan heatmaps: certify.scheduling.scan draws the cells; the layout, the axis
# names and the cell-text colours are these.


def heatmap_panels(count: int, rows: int) -> tuple[Any, Any]:
    """A column-wide figure with ``count`` heatmap panels stacked vertically, each ``rows``
    cells high (the width is the column's: cells narrow as an axis gets more values); returns
    (figure, panels) with panels shaped (1, count), as ``plt.subplots(1, count,
    squeeze=False)`` gives them, so a caller written for a row of panels draws unchanged."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    height = count * (0.22 * rows + 1.25) + 0.3
    figure, panels = plt.subplots(count, 1, figsize=(COLUMN_WIDTH, height), dpi=200, squeeze=False,
                                  layout="constrained")
    return figure, panels.T


def finish_heatmap(figure: Any, path: Any) -> Any:
    """Give a drawn heatmap figure its paper look and write it to ``path``.

    Axis labels that are raw keys (arrival_rate) get their readable names
    (AXIS_NAMES); each cell's text is black or white by the luminance of the
    colour under it (text_colour: dark text on light cells); text sizes are
    those of PAPER_RC; the file is saved with Type 42 fonts.
    """
    with paper_style():
        for axes in figure.axes:
            # every axes, colour bars included: their ticks were made before this style applied
            axes.tick_params(labelsize=PAPER_RC["xtick.labelsize"])
            images = axes.get_images()
            if not images:
                continue
            image = images[0]
            data = np.ma.masked_invalid(np.asarray(image.get_array(), dtype=float))
            for text in axes.texts:
                j, i = (int(round(c)) for c in text.get_position())
                if 0 <= i < data.shape[0] and 0 <= j < data.shape[1] and not np.ma.is_masked(data[i, j]):
                    text.set_color(text_colour(image.cmap(image.norm(data[i, j]))))
                text.set_fontsize(5.5)
            axes.set_xlabel(axis_name(axes.get_xlabel()) if axes.get_xlabel() else "")
            axes.set_ylabel(axis_name(axes.get_ylabel()) if axes.get_ylabel() else "")
            axes.title.set_fontsize(PAPER_RC["axes.titlesize"])
            axes.xaxis.label.set_fontsize(PAPER_RC["axes.labelsize"])
            axes.yaxis.label.set_fontsize(PAPER_RC["axes.labelsize"])
        for text in figure.texts:  # the suptitle
            text.set_fontsize(PAPER_RC["figure.titlesize"])
        figure.savefig(path)
    return figure
