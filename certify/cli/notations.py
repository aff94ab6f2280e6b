"""Commands about how a game is written and cited: convert (another notation of the
objective) and cite (BibTeX)."""

from __future__ import annotations

import click

from ..games.game import load_game
from .options import fix_option, fixed, game_argument, json_option
from .output import warn


@click.command()
@game_argument
@click.option("--to", "notation", type=click.Choice(["collins-gisin", "correlators", "coefficients"]), required=True,
              help="Notation of the objective: the Collins-Gisin table, the correlator table F (two-outcome games; "
                   "F[x+1][y+1] weighs <A_x B_y>, row and column 0 the identity, A_x = P(a=0|x) - P(a=1|x)), "
                   "or the dense c[a][b][x][y].")
@fix_option
@json_option
def convert(game: str, notation: str, fix: tuple, json_path: str | None) -> None:
    """Print the game as a problem file in another notation (TOML; JSON with --json), exact rationals as "p/q"."""
    from ..games.notations import convert as run, converted_mapping

    loaded = load_game(game, fixed(fix))
    text, digest = run(loaded, notation, "toml", source=game)
    if json_path:
        from ..report.exports import write_json_output

        write_json_output(converted_mapping(loaded, notation), json_path)
    else:
        click.echo(text, nl=False)
    if digest != loaded.sha256:
        warn(f"certify: note: the {notation} table fixes {loaded.name} on no-signalling behaviours only; "
             f"loaded back it is the game with the same classical, quantum and no-signalling values and "
             f"sha256 {digest[:12]}... (the source's: {loaded.sha256[:12]}...)")


@click.command()
def cite() -> None:
    """Print BibTeX for certify and for the paper of its dual-work model (arXiv:2602.04588)."""
    from ..api import cite as entries

    click.echo(entries(), nl=False)

