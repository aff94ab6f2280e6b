"""Model kinds: problem files with a [model] table generate their game.

A model kind registers the generator of its game here, so that this module (which
certify.games.game asks for every model file) imports none of them and the import graph
keeps its direction. "dual-work" (certify.games.dualwork) is registered when the package
certify.games is imported: it is part of the problem, since ``certify verify`` regenerates a
frontier's or a simulation's game from the model block the document stores, and the checker
imports games/ only. Another application registers its own kind when it is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import BadInput

# A generator: (the file's mapping, its source for messages) -> the Game it generates. The
# Game is typed Any: naming the class would import certify.games.game, which imports this module.
ModelGenerator = Callable[[dict[str, Any], object], Any]

GENERATORS: dict[str, ModelGenerator] = {}  # model kind -> its generator


def register_model(kind: str, generator: ModelGenerator) -> None:
    """Make ``[model] kind = KIND`` files generate their game with ``generator``."""
    GENERATORS[kind] = generator


def game_from_model_table(data: dict[str, Any], source: object) -> Any:
    """The game a model file generates, by the kind its [model] table names."""
    model = data.get("model")
    kind = model.get("kind", "dual-work") if isinstance(model, dict) else None
    if kind not in GENERATORS:
        known = ", ".join(sorted(GENERATORS)) or "none registered"
        raise BadInput(source, "model.kind", f"unknown model kind {kind!r} (known: {known})")
    return GENERATORS[kind](data, source)
