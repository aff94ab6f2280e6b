"""The problem: Game, problem files and notations, the safe expression language, model kinds
and the dual-work model (certify.games.dualwork), bundled names."""

from . import dualwork  # noqa: F401 - registers the "dual-work" model kind (certify.games.models)
