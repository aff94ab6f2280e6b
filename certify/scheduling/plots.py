"""Figures of the frontiers."""

from __future__ import annotations

import numpy as np

from ..errors import BadInput


def plot_frontier(result, path):
    """Both frontiers, Theta against W, certified region shaded (PNG or SVG by extension)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    suffix = str(path).rsplit(".", 1)[-1].lower()
    if suffix not in ("png", "svg"):
        raise BadInput(None, "--plot", f"expected a .png or .svg file, got '{path}'")
    theta = np.array([p["throughput"] for p in result.points])
    classical = np.array([p["classical"] for p in result.points])
    quantum = np.array([p["quantum_upper"] for p in result.points])
    certified = np.array([p["advantage_certified"] for p in result.points])
    figure, axis = plt.subplots(figsize=(6.4, 4.4), dpi=150)
    axis.plot(classical, theta, "o-", color="tab:blue", label="classical (exact)", markersize=3)
    axis.plot(quantum, theta, "s-", color="tab:red", label="quantum (explicit strategy; bounds meet to 1e-9)", markersize=3)
    axis.fill_betweenx(theta, quantum, classical, where=certified, color="tab:red", alpha=0.2,
                       label="certified quantum advantage")
    axis.set_xlabel("mean waiting per customer W")
    axis.set_ylabel(r"baseline throughput $\Theta$")
    axis.set_title(f"{result.game.name}: T(t) = {result.model.throughput.text}, "
                   f"$\\lambda$ = {result.model.arrival_rate:g}")
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
