"""Option types and shared options of the command line: how text on the command line
becomes values (games, --fix pairs, levels, output paths, noise options); no maths."""

from __future__ import annotations

import inspect
from fractions import Fraction
from typing import Any, Callable

import click

from ..errors import BadInput
from ..games.game import parse_fix

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

def solver_names(npa_only: bool = True) -> str:
    """The solvers of the one registry (certify.bounds.solvers.SOLVERS), in its order: the
    --solver help texts are made from it, so a solver added there is listed everywhere.
    With ``npa_only=False`` only those that take any SDP (a cvxpy name): the NPA-only ones
    (ssnal) cannot solve a see-saw step or a correlator bound."""
    from ..bounds.solvers import SOLVERS

    return ", ".join(name for name, (cvxpy_name, _, _) in SOLVERS.items() if npa_only or cvxpy_name is not None)


class RegistryHelp(click.Option):
    """An option whose help text is made from the solver registry only when help is shown:
    importing certify.bounds for it would load the search code into every command, `certify
    verify` included, whose checker must run without it."""

    def __init__(self, *args: Any, help_from: Callable[[], str] | None = None, **kwargs: Any) -> None:
        self.help_from = help_from
        super().__init__(*args, **kwargs)

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        if self.help_from is not None:
            self.help = self.help_from()
        return super().get_help_record(ctx)


def solver_option(text: str, npa_only: bool = True) -> Decorator:
    """The --solver option, its help ``text`` with "{names}" filled from the registry when shown."""
    return click.option("--solver", default=None, metavar="NAME", cls=RegistryHelp,
                        help_from=lambda: text.format(names=solver_names(npa_only)))



class FixType(click.ParamType):
    """NAME=VALUE with VALUE a number or a rational p/q."""

    name = "NAME=VALUE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return parse_fix(value)
        except BadInput as error:
            self.fail(error.message, param, ctx)


def fixed(pairs: tuple[tuple[str, Fraction], ...]) -> dict[str, Fraction]:
    """--fix NAME=VALUE pairs as a dictionary; a name given twice is refused (the last
    would silently win)."""
    fixed = {}
    for name, value in pairs:
        if name in fixed:
            raise BadInput(None, "--fix", f"'{name}' is given twice ({fixed[name]} and {value})")
        fixed[name] = value
    return fixed


GAME_FORMAT = ('GAME is a problem file, TOML or JSON (its format: README.md, section "Games"), '
               "or the name of a bundled problem (listed by certify --help).")
BOUNDS_FORMAT = ('BOUNDS.toml lists [[bound]] entries: problem, command, options, fix, expected, tolerance, '
                 'source (the format and each command\'s options: README.md, section "Bounds files"). '
                 "Problem paths are relative to the bounds file's folder.")


def game_argument(command: Callable[..., Any]) -> Callable[..., Any]:
    """The GAME argument, and a line in the command's help saying where its format is described."""
    command.__doc__ = inspect.cleandoc(command.__doc__ or "") + "\n\n" + GAME_FORMAT
    return click.argument("game", metavar="GAME")(command)


def fix_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--fix NAME=VALUE, repeatable."""
    return click.option(
        "--fix", "fix", type=FixType(), multiple=True,
        help="Set a constraint's value, e.g. --fix split=3/10 (repeatable).",
    )(command)


def writable_path(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An output path (--json, --plot, --table), checked before any computation: its
    folder exists and can be written into, and the path is not a folder ('-' is stdout).
    A path that exists and is not a regular file (a symlink, /dev/null, /dev/stdout, a
    FIFO) is written through, so only it need be writable (certify.report.exports)."""
    import os
    import stat
    from pathlib import Path

    if value is None or value == "-":
        return value
    path = Path(value)
    folder = path.parent
    if path.is_dir():
        raise click.BadParameter(f"'{value}' is a folder, not a file")
    if os.path.lexists(path) and not stat.S_ISREG(os.lstat(path).st_mode):
        if path.exists() and not os.access(path, os.W_OK):
            raise click.BadParameter(f"'{value}' cannot be written (permission denied)")
        return value
    if not folder.is_dir():
        raise click.BadParameter(f"the folder '{folder}' does not exist")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise click.BadParameter(f"'{value}' cannot be written (permission denied)")
    return value


def json_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--json PATH|-, checked before any work."""
    return click.option(
        "--json", "json_path", metavar="PATH|-", default=None, callback=writable_path,
        help="Write the result as JSON to PATH, or only JSON to stdout with '-'.",
    )(command)



def visibility_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--visibility V of a witness under white noise."""
    return click.option("--visibility", "visibility", metavar="V", default=None,
                        help="Also evaluate the witness with its state under white noise, v rho + (1 - v) I/d, "
                             "and give the exact visibility at which it stops beating the classical value.")(command)



class LevelType(click.ParamType):
    """An NPA level: 1, 2, 3, ..., plus word families such as '1+AB' or '2+AAB' (case and spaces ignored)."""

    name = "LEVEL"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from ..proofs.npa import parse_level

        try:
            return parse_level(value)
        except BadInput as error:
            self.fail(error.message, param, ctx)


class LevelsType(click.ParamType):
    """One NPA level or several separated by commas: '3', '1,2,3', '2,2+AAB+ABB'."""

    name = "LEVEL[,LEVEL...]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from ..proofs.npa import parse_level

        if isinstance(value, tuple):
            return value
        try:
            levels = tuple(parse_level(part) for part in str(value).split(","))
        except BadInput as error:
            self.fail(error.message, param, ctx)
        return tuple(dict.fromkeys(levels))  # repeated levels once, in the order given


def witness_visibility(text: str | None) -> Fraction | None:
    """--visibility of a see-saw or gap witness: one exact visibility in [0, 1], or None."""
    from ..bounds.noise import visibility_value

    return None if text is None else visibility_value(text)


def noise_visibilities(visibility: str | None, fidelity: str | None) -> list[Fraction]:
    """The exact visibilities of pareto's --visibility V[,V...] and --fidelity F[,F...]
    (F = (1 + 3v)/4), in the order given; an option given with no value is refused."""
    from ..bounds.noise import fidelity_to_visibility, visibility_value

    values = [visibility_value(t.strip()) for t in (visibility or "").split(",") if t.strip()]
    values += [fidelity_to_visibility(t.strip()) for t in (fidelity or "").split(",") if t.strip()]
    if (visibility is not None or fidelity is not None) and not values:
        raise BadInput(None, "--visibility" if visibility is not None else "--fidelity",
                       "expected one value or a comma list")
    return values


def supply_share(text: str | None) -> Fraction | int:
    """pareto's --supply F: the exact share of request pairs with a fresh pair (1 without it)."""
    from ..bounds.noise import supply_value

    return supply_value(text) if text is not None else 1


def one_arrival_rate(text: str | None) -> Any:
    """--arrival-rate with the noise options: a single load (None: the file's)."""
    if text is None:
        return None
    from ..scheduling.frontier import parse_arrival_rates

    rates = parse_arrival_rates(text)
    if len(rates) != 1:
        raise BadInput(None, "--arrival-rate", "one load at a time with the noise options")
    return rates[0]
