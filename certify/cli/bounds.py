"""Commands of the bounds on one game: classical, nosignal (exact LPs), quantum (NPA),
seesaw (explicit strategies) and gap (all of them together)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import click

from ..errors import BadInput
from ..games.game import load_game
from .exits import Failed
from .options import (LevelsType, LevelType, fix_option, fixed, game_argument, json_option, solver_option,
                      visibility_option, witness_visibility, writable_path)
from .output import SolveStatus, emit, finish, print_after


@click.command()
@game_argument
@fix_option
@json_option
def classical(game: str, fix: tuple, json_path: str | None) -> None:
    """Exact classical value, with a rational mixture and dual certificate."""
    from ..bounds.classical import classical_value

    loaded = load_game(game, fixed(fix))
    result = classical_value(loaded)
    finish(result, {"game": game, "fix": loaded.fixed}, json_path)


@click.command()
@game_argument
@fix_option
@json_option
def nosignal(game: str, fix: tuple, json_path: str | None) -> None:
    """Exact no-signalling value, with a rational behaviour and dual certificate."""
    from ..bounds.classical import nosignalling_value

    loaded = load_game(game, fixed(fix))
    result = nosignalling_value(loaded)
    finish(result, {"game": game, "fix": loaded.fixed}, json_path)

def has_moments(loaded: Any, game: str) -> Any:
    """``loaded``, unless both players have a single answer: then p(0,0|x,y) = 1 is the
    only behaviour, the NPA moment matrix is the 1 x 1 identity with no moment to bound,
    and some SDP solvers fail on the empty problem. The value is the constant sum of the
    coefficients, which `certify classical` proves; refused in one line here."""
    if tuple(loaded.outputs) != (1, 1):
        return loaded
    value = sum(loaded.objective_exact.flat, Fraction(0))
    raise BadInput(game, "outputs", f"each player has a single answer, so every strategy scores exactly {value} "
                                    "and there is no quantum bound to compute (certify classical proves the value)")


@click.command()
@game_argument
@click.option("--level", type=LevelsType(), default="2", show_default=True,
              help="NPA level: 1, 2, 3, ..., or with word families: 1+AB, 2+AAB+ABB; several as 1,2,3 "
                   "(the best certified bound is reported).")
@solver_option("SDP solver: {names} (default: by size, with fallbacks).")
@fix_option
@json_option
def quantum(game: str, level: tuple, solver: str | None, fix: tuple, json_path: str | None) -> None:
    """Certified quantum bound from the NPA hierarchy (exact dual certificate)."""
    from ..bounds.npa import npa_bound, npa_levels

    loaded = has_moments(load_game(game, fixed(fix)), game)
    status = SolveStatus()
    try:  # on Ctrl-C too: the live line goes before the one line of exits.py
        if len(level) == 1:
            result = npa_bound(loaded, level=level[0], solver=solver, progress=status)
        else:
            result = npa_levels(loaded, level, solver=solver, progress=status)
    finally:
        status.close()
    names = ",".join(item.name for item in level)
    options = {"game": game, "level": names, "solver": result.solver.get("name"), "fix": loaded.fixed}
    finish(result, options, json_path)


@click.command()
@game_argument
@click.option("--level", type=LevelType(), default="2", show_default=True, help="NPA level of the upper bound.")
@solver_option("SDP solver of the NPA bound: {names} (default: by size, with fallbacks).")
@click.option("--dim", type=click.IntRange(min=1), default=None, help="Local dimension of the see-saw (default: try 2 up to the largest number of outputs and keep the best).")
@click.option("--restarts", type=click.IntRange(min=0), default=20, show_default=True, help="See-saw random starts.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="See-saw seed.")
@visibility_option
@click.option("--table", "table_path", metavar="FILE", default=None, callback=writable_path, help="Write the table for a paper: .csv (exact rationals), .tex or .md.")
@fix_option
@json_option
def gap(game: str, level: Any, solver: str | None, dim: int | None, restarts: int, seed: int, visibility: str | None,
        table_path: str | None, fix: tuple, json_path: str | None) -> None:
    """Classical exact, see-saw and NPA bounds, and the quantum advantage they prove."""
    from ..bounds.gap import certified_gap
    from ..report.exports import check_table_path, write_gap_table
    from ..report.tables import gap_table

    check_table_path(table_path)
    loaded = has_moments(load_game(game, fixed(fix)), game)
    v = witness_visibility(visibility)
    result = certified_gap(loaded, level=level, dim=dim, restarts=restarts, seed=seed, solver=solver)
    options = {"game": game, "level": level.name, "dim": dim or "auto", "restarts": restarts, "seed": seed, "fix": loaded.fixed}
    data = result.to_json(options)
    noisy = None
    if v is not None:
        from ..bounds.noise import noisy_witness

        noisy = noisy_witness(result.game, result.seesaw.certificate, v, result.classical.exact)
        data["witness_white_noise"] = noisy.to_json({"visibility": str(v)})
        data["options"]["visibility"] = str(v)
    print_after(noisy, json_path)(lambda: emit(data, gap_table(result), json_path))
    if table_path:
        write_gap_table(result, table_path)
    if not result.certified:
        raise Failed("certify: not certified: " + "; ".join(result.problems or ["a certificate failed"]))


@click.command()
@game_argument
@click.option("--dim", type=click.IntRange(min=1), default=None, help="Local dimension of each player (default: try 2 up to the largest number of outputs and keep the best).")
@click.option("--restarts", type=click.IntRange(min=0), default=20, show_default=True, help="Seeded random starts (the best deterministic start is always added).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the random starts.")
@click.option("--projective", is_flag=True, help="Projective measurements only (two-outcome steps are projective anyway).")
@solver_option("SDP solver of the measurement steps with more than two outcomes: {names} (default: the registry's choice).",
               npa_only=False)
@visibility_option
@fix_option
@json_option
def seesaw(game: str, dim: int | None, restarts: int, seed: int, projective: bool, solver: str | None,
           visibility: str | None, fix: tuple, json_path: str | None) -> None:
    """Quantum lower bound (upper for min games) by see-saw, with the strategy as witness."""
    from ..bounds.seesaw import seesaw_best

    loaded = load_game(game, fixed(fix))
    v = witness_visibility(visibility)
    result = seesaw_best(loaded, dim=dim, restarts=restarts, seed=seed, projective=projective, solver=solver)
    options = {"game": game, "dim": dim or "auto", "restarts": restarts, "seed": seed, "projective": projective, "fix": loaded.fixed}
    noisy = None
    if v is not None:
        from ..bounds.classical import classical_value
        from ..bounds.noise import noisy_witness

        noisy = noisy_witness(result.game, result.certificate, v, classical_value(result.game).exact)
        result.details["white_noise"] = noisy.to_json({"visibility": str(v)})
        options["visibility"] = str(v)
    print_after(noisy, json_path)(lambda: finish(result, options, json_path))


