"""Model kinds: problem files with a [model] table generate their game.

The games layer does not know any application; an application registers the
generator of its model kind here (certify.scheduling registers "dual-work"
when the package is imported), so loading a model file never imports the
application from below and the import graph keeps its direction.
"""

from __future__ import annotations

from ..errors import BadInput

GENERATORS = {}  # model kind -> function(mapping, source) -> Game


def register_model(kind, generator):
    """Make ``[model] kind = KIND`` files generate their game with ``generator``."""
    GENERATORS[kind] = generator


def game_from_model_table(data, source):
    """The game a model file generates, by the kind its [model] table names."""
    model = data.get("model")
    kind = model.get("kind", "dual-work") if isinstance(model, dict) else None
    if kind not in GENERATORS:
        known = ", ".join(sorted(GENERATORS)) or "none registered"
        raise BadInput(source, "model.kind", f"unknown model kind {kind!r} (known: {known})")
    return GENERATORS[kind](data, source)
