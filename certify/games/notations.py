"""A game in another notation, as a problem file (certify convert GAME --to NOTATION).

Three notations of the objective, all exact (Fractions, written "p/q"):

* ``coefficients``: the dense tensor c[a][b][x][y] on p(a,b|x,y), exactly the
  game as certify holds it; loaded back it has the same canonical SHA-256
  always.
* ``collins-gisin``: the table of Collins and Gisin (J. Phys. A 37, 1775
  (2004)) on p_A(a|x), p_B(b|y), p(a,b|x,y) for all but the last answer
  (certify.games.game.dense_to_collins_gisin).
* ``correlators`` (two answers per question only): F with F[0][0] the
  constant, F[i][0] the weight of <A_(i-1)>, F[0][j] of <B_(j-1)> and F[i][j]
  of <A_(i-1) B_(j-1)>, where A_x = P(a = 0 | x) - P(a = 1 | x) is the +-1
  observable of question x (B_y likewise): the value is sum_ij F[i][j] <O_i P_j>
  with O_0 = P_0 = 1 (index 0 the identity), O_i = A_(i-1), P_j = B_(j-1). CHSH
  with uniform questions, P(win) = 1/2 + (1/8) <A_0 B_0 + A_0 B_1 + A_1 B_0 - A_1 B_1>,
  is F = [[1/2, 0, 0], [0, 1/8, 1/8], [0, 1/8, -1/8]]: the familiar
  [[0, 0, 0], [0, 1, 1], [0, 1, -1]] up to the distribution's factor 1/8 and
  the constant 1/2.

The Collins-Gisin and correlator tables are coordinates of the no-signalling
behaviours: they fix the game's value on every no-signalling behaviour (so
every classical, quantum and no-signalling value), not every entry of c. A
tensor c has one part that no no-signalling behaviour sees (it changes
p(a,b|x,y)'s weights between questions in ways marginals cancel); loading
such a table back spreads the marginals and the constant evenly
(certify.games.game.collins_gisin_to_dense) and drops that part. So a game
that is already in that spread form (I3322 as written in Collins-Gisin form)
comes back with the same canonical SHA-256, and any other (CHSH written as a
payoff) comes back as the equivalent game of its spread form: the same values
on every behaviour a strategy can produce, a different SHA-256, which
``convert`` reports. Converting the loaded table again gives the same file.

Constraints stay dense coefficients (problem files take no other notation
for them), so they come back exactly.
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import BadInput
from .game import Game, collins_gisin_to_dense, correlators_to_collins_gisin, dense_to_collins_gisin

NOTATIONS = ("collins-gisin", "correlators", "coefficients")
FORMATS = ("toml", "json")


def collins_gisin_to_correlators(cg: np.ndarray) -> np.ndarray:
    """The correlator table F of a two-outcome Collins-Gisin table (the inverse of
    certify.games.game.correlators_to_collins_gisin): F_xy = cg_xy / 4,
    F_x0 = cg_x0 / 2 + sum_y F_xy, F_0y = cg_0y / 2 + sum_x F_xy,
    F00 = cg00 + sum_x F_x0 + sum_y F_0y - sum_xy F_xy. Exact on Fraction arrays."""
    f = np.empty(cg.shape, dtype=object)
    f[1:, 1:] = np.vectorize(lambda v: Fraction(v) / 4, otypes=[object])(cg[1:, 1:]) if cg[1:, 1:].size else cg[1:, 1:]
    for x in range(1, cg.shape[0]):
        f[x, 0] = Fraction(cg[x, 0]) / 2 + sum(f[x, 1:], Fraction(0))
    for y in range(1, cg.shape[1]):
        f[0, y] = Fraction(cg[0, y]) / 2 + sum(f[1:, y], Fraction(0))
    f[0, 0] = (Fraction(cg[0, 0]) + sum(f[1:, 0], Fraction(0)) + sum(f[0, 1:], Fraction(0))
               - sum(f[1:, 1:].flat, Fraction(0)))
    return f


def dense_to_correlators(dense: np.ndarray) -> np.ndarray:
    """The correlator table of c[a,b,x,y] with two answers per question, through the
    Collins-Gisin table (both are exact linear coordinates of the no-signalling
    behaviours, so the route does not change the result)."""
    if dense.shape[:2] != (2, 2):
        raise ValueError("correlators need two answers per question")
    return collins_gisin_to_correlators(dense_to_collins_gisin(dense))


def objective_table(game: Game, notation: str) -> tuple[str, np.ndarray]:
    """(problem-file key, exact table) of the game's objective in ``notation``.

    BadInput for correlators of a game with more than two answers to a question
    (the +-1 observable A_x is defined for two outcomes only)."""
    if notation == "coefficients":
        return "coefficients", game.objective_exact
    if notation == "collins-gisin":
        return "collins_gisin", dense_to_collins_gisin(game.objective_exact)
    if notation == "correlators":
        if tuple(game.outputs) != (2, 2):
            raise BadInput(None, "--to", f"correlators are for two-outcome games; {game.name} has "
                                         f"{game.outputs[0]} and {game.outputs[1]} answers (use collins-gisin)")
        return "correlators", dense_to_correlators(game.objective_exact)
    raise BadInput(None, "--to", f"expected one of {', '.join(NOTATIONS)}, got '{notation}'")


def reloaded_objective(game: Game, notation: str) -> np.ndarray:
    """The dense objective a loader makes of the ``notation`` table: the game's own for
    coefficients, the even spread of the table's marginals and constant otherwise."""
    key, table = objective_table(game, notation)
    if key == "coefficients":
        return game.objective_exact
    if key == "correlators":
        table = correlators_to_collins_gisin(table)
    return collins_gisin_to_dense(table, game.inputs, game.outputs)


def _exact(value: Any) -> Any:
    """A Fraction as a problem file writes it: an integer, or the string "p/q"."""
    value = Fraction(value)
    return value.numerator if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _nested(array: np.ndarray) -> Any:
    """A nested list of exact entries (``_exact``) from an object array of any rank."""
    return np.vectorize(_exact, otypes=[object])(array).tolist() if array.size else array.tolist()


def converted_mapping(game: Game, notation: str) -> dict:
    """The game as a problem mapping with its objective in ``notation`` (exact numbers);
    name, sense, description and constraints (dense, exact) kept, and the scalar
    entries of its [expected] table."""
    key, table = objective_table(game, notation)
    mapping: dict = {"name": game.name}
    if game.description:
        mapping["description"] = game.description
    mapping.update({"inputs": list(game.inputs), "outputs": list(game.outputs), "sense": game.sense,
                    "objective": {key: _nested(np.asarray(table, dtype=object))}})
    if game.constraints:
        mapping["constraints"] = [
            {"name": c.name, **({"description": c.description} if c.description else {}),
             "coefficients": _nested(np.asarray(c.exact, dtype=object)), "relation": c.relation,
             "value": str(c.value)}
            for c in game.constraints
        ]
    expected = {k: v for k, v in (game.expected or {}).items()
                if isinstance(v, (str, int, float, bool)) and not (isinstance(v, float) and not np.isfinite(v))}
    if expected:
        mapping["expected"] = expected
    return mapping


def _toml_value(value: Any, indent: int = 0) -> str:
    """A TOML value: strings as JSON strings (whose escapes TOML's basic strings share),
    arrays of scalars on one line, deeper arrays one element a line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if all(not isinstance(v, list) for v in value):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    pad = "  " * (indent + 1)
    return "[\n" + "".join(f"{pad}{_toml_value(v, indent + 1)},\n" for v in value) + "  " * indent + "]"


def _toml_table(table: dict) -> str:
    return "".join(f"{key} = {_toml_value(value)}\n" for key, value in table.items())


def to_toml(mapping: dict, header: str = "") -> str:
    """A converted problem mapping as TOML text (the keys of converted_mapping only)."""
    top = {k: v for k, v in mapping.items() if k not in ("objective", "constraints", "expected")}
    parts = [header, _toml_table(top), "\n[objective]\n", _toml_table(mapping["objective"])]
    for constraint in mapping.get("constraints", []):
        parts += ["\n[[constraints]]\n", _toml_table(constraint)]
    if "expected" in mapping:
        parts += ["\n[expected]\n", _toml_table(mapping["expected"])]
    return "".join(parts)


def convention(notation: str) -> str:
    """One comment line saying how the objective table is read."""
    return {
        "coefficients": "objective.coefficients[a][b][x][y] weighs p(a,b|x,y)",
        "collins-gisin": ("objective.collins_gisin: [0][0] constant, [i][0] p_A(a|x), [0][j] p_B(b|y), "
                          "[i][j] p(a,b|x,y), all but the last answer, ordered by question then answer"),
        "correlators": ("objective.correlators: F[0][0] constant, F[x+1][0] on <A_x>, F[0][y+1] on <B_y>, "
                        "F[x+1][y+1] on <A_x B_y>, with A_x = P(a=0|x) - P(a=1|x), B_y = P(b=0|y) - P(b=1|y)"),
    }[notation]


def convert(game: Game, notation: str, fmt: str = "toml", source: str = "") -> tuple[str, str]:
    """(text, sha256 the text loads as): the game in ``notation`` as TOML or JSON.

    The loaded-back SHA-256 equals ``game.sha256`` for coefficients always and for
    the tables when the game is in their spread form (the module docstring).
    """
    if fmt not in FORMATS:
        raise BadInput(None, "--format", f"expected toml or json, got '{fmt}'")
    mapping = converted_mapping(game, notation)
    reloaded = Game(name=game.name, inputs=game.inputs, outputs=game.outputs, sense=game.sense,
                    objective_exact=reloaded_objective(game, notation), constraints=game.constraints)
    digest = reloaded.sha256
    if fmt == "json":
        return json.dumps(mapping, indent=1) + "\n", digest
    header = (f"# {game.name} in {notation} notation: certify convert {source or game.name} --to {notation}\n"
              f"# {convention(notation)}\n# exact rationals as strings \"p/q\"; loaded back, canonical sha256 {digest}\n")
    if digest != game.sha256:
        header += (f"# (the source's is {game.sha256}: this table fixes the game on no-signalling\n"
                   "# behaviours, hence every classical, quantum and no-signalling value, not every c[a][b][x][y])\n")
    header += "\n"
    return to_toml(mapping, header), digest
