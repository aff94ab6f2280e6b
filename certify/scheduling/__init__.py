"""The application: dual-work scheduling with paired requests (model, throughput,
frontiers, plots, simulation)."""

from ..games.models import register_model
from .model import game_from_model


def register_dual_work():
    """Let problem files with ``[model] kind = "dual-work"`` generate their game."""
    register_model("dual-work", game_from_model)
    # certify verify recomputes the model figures (throughput, light-traffic W)
    # of frontier and simulation documents with this package's formulas.
    from ..proofs.document import register_model_figures
    from .figures import model_figures

    register_model_figures("frontier", model_figures)
    register_model_figures("simulation", model_figures)
