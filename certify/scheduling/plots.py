"""Figures of the frontiers, for papers (certify pareto --plot FILE.pdf|.png|.svg).

Two panels, one colour per load:

* (a) baseline throughput Theta against mean waiting W, the exact
  classical frontier (dashed) and the quantum one (solid: the explicit
  strategies, whose certified lower bounds meet them to about 1e-9), with
  the region where the quantum advantage is certified shaded; one small
  panel per load, on linear axes of its own (Theta and W change by orders
  of magnitude with load, the advantage by a few per cent);
* (b) the certified relative waiting reduction (C - Q_upper)/C against
  the split p, with the grid-independent supremum marked.

The title names the throughput function (typeset) and the waiting model.
"""

from __future__ import annotations

import numpy as np

from ..errors import BadInput

FORMATS = ("pdf", "png", "svg")


def check_plot_path(path):
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


def throughput_tex(throughput):
    """T(t) in mathtext: t^{1.8}, e^{0.02 t} - 1, t; a general expression verbatim."""
    if throughput.family == "power":
        return rf"$T(t) = t^{{{1 + throughput.parameter:g}}}$"
    if throughput.family == "exponential":
        return rf"$T(t) = e^{{{throughput.parameter:g}\,t}} - 1$"
    if throughput.family == "linear":
        return r"$T(t) = t$"
    return f"T(t) = {title_text(throughput.text)}"  # a '#' comment may hold anything


def waiting_label(model):
    if model.waiting == "light-traffic":
        return r"light-traffic limit of $W$ ($\lambda \to 0$)"
    return r"exact $W$ (M$^X$/G/1, batch Pollaczek-Khinchine)"


def plot_frontiers(results, path):
    """Draw the frontiers of one or more loads (a list of Frontier) to ``path``."""
    check_plot_path(path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    rows = len(results)
    figure = plt.figure(figsize=(10.0, max(4.2, 2.3 * rows + 0.8)), dpi=150)
    grid = figure.add_gridspec(rows, 2, width_ratios=(1.0, 1.15))
    right = figure.add_subplot(grid[:, 1])
    for index, result in enumerate(results):
        colour = colours[index % len(colours)]
        left = figure.add_subplot(grid[index, 0])
        lam = result.model.arrival_rate
        points = result.points
        theta = np.array([p["throughput"] for p in points])
        classical = np.array([p["classical"] for p in points])
        quantum = np.array([p["quantum_upper"] for p in points])
        certified = np.array([p["advantage_certified"] for p in points])
        split = np.array([p["split"] for p in points])
        label = rf"$\lambda$ = {lam:g} ($\rho$ = {result.model.load:g})"
        left.plot(classical, theta, "--", color="0.35", linewidth=1.2, label="classical (exact)")
        left.plot(quantum, theta, "-", color=colour, linewidth=1.6, label="quantum (certified)")
        left.fill_betweenx(theta, quantum, classical, where=certified, color=colour, alpha=0.3, linewidth=0,
                           label="certified advantage")
        left.set_ylabel(r"$\Theta$")
        left.text(0.98, 0.06, label, transform=left.transAxes, ha="right", va="bottom", fontsize=9)
        left.grid(alpha=0.3)
        if index == 0:
            left.set_title(r"(a) baseline throughput $\Theta$ against mean waiting $W$", fontsize=9)
            left.legend(fontsize=7, loc="upper left")
        if index == rows - 1:
            left.set_xlabel(r"mean waiting per customer $W$")
        relative = np.array([p["relative_advantage"] if p["advantage_certified"] else 0.0 for p in points])
        right.plot(split, 100 * relative, "o-", color=colour, markersize=3, label=label)
        best = result.summary["waiting_reduction"]
        if best.get("split") is not None and best.get("kind") != "limit":
            right.plot([best["split"]], [100 * best["value"]], "*", color=colour, markersize=11)
    right.set_xlabel(r"split probability $p$")
    right.set_ylabel(r"certified waiting reduction at equal $\Theta$ (%)")
    right.set_title(r"(b) $(W_{\rm classical} - W_{\rm quantum}) / W_{\rm classical}$; $\star$ supremum over $p$",
                    fontsize=9)
    right.set_xlim(0, 1)
    right.set_ylim(bottom=0)
    right.grid(alpha=0.3)
    right.legend(fontsize=8)
    model = results[0].model
    figure.suptitle(f"{title_text(results[0].game.name)}: {throughput_tex(model.throughput)}, {waiting_label(model)}", fontsize=11)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def plot_frontier(result, path):
    """One load's frontier (kept for the Python API)."""
    plot_frontiers([result], path)
