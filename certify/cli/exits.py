"""The one place where an error becomes an exit status and a line on stderr.

0 done, 1 a certificate failed or a regression drifted (or a solver gave up),
2 bad input or usage, 130 interrupted (128 + SIGINT, the shells' convention).
Commands raise; ``CertifyGroup.main`` catches every error family here and
nowhere else, so no traceback reaches the user and each status means one thing.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

from ..errors import BadInput, CannotWrite, CertificateFailed, CertifyError, SolverFailed, printable

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class Failed(Exception):
    """A command ran to its end and found a failure (a certificate that did not pass, a
    drift, a failed scan cell): its message, already worded, is the line on stderr (None:
    the command has printed its lines) and the status is 1."""

    def __init__(self, message: str | None) -> None:
        super().__init__(message)
        self.message = message


class Interrupted(Exception):
    """Ctrl-C, caught inside the command before click turns it into Abort (which would
    print a blank line first); ``message`` may say what was kept (a scan's finished cells)."""

    def __init__(self, message: str = "certify: interrupted") -> None:
        super().__init__(message)
        self.message = message


def _usage_line(error: click.UsageError) -> str:
    command = ""
    if error.ctx and " " in error.ctx.command_path:
        command = f" {error.ctx.command_path.split(' ', 1)[1]}"
    return f"certify: usage error: {error.format_message()} (see certify{command} --help)"


def exit_for(error: BaseException) -> tuple[int, str | None] | None:
    """(exit status, line for stderr) for an error a user can meet, or None for a bug
    (re-raised with its traceback). OSError, RecursionError, MemoryError, Python's own
    int/str digit limit and overflowing floats are the input's fault (2); an arithmetic
    error inside a numerical solver is solver trouble, as SolverFailed reports it (1)."""
    if isinstance(error, (KeyboardInterrupt, click.Abort)):
        return EXIT_INTERRUPTED, "certify: interrupted"
    if isinstance(error, Interrupted):
        return EXIT_INTERRUPTED, error.message
    if isinstance(error, Failed):
        return EXIT_FAILED, error.message
    if isinstance(error, CannotWrite):
        return EXIT_BAD_INPUT, f"certify: {error}"
    if isinstance(error, BadInput):
        return EXIT_BAD_INPUT, f"certify: error: {error}"
    if isinstance(error, SolverFailed):
        return EXIT_FAILED, f"certify: solver trouble: {error}"
    if isinstance(error, CertificateFailed):
        return EXIT_FAILED, f"certify: certificate failed: {error}"
    if isinstance(error, CertifyError):  # pragma: no cover - every family is listed above
        return EXIT_FAILED, f"certify: error: {error}"
    if isinstance(error, click.UsageError):
        return EXIT_BAD_INPUT, _usage_line(error)
    if isinstance(error, click.ClickException):
        return EXIT_BAD_INPUT, f"certify: error: {error.format_message()}"
    if isinstance(error, OSError):
        where = f" '{error.filename}'" if error.filename else ""
        return EXIT_BAD_INPUT, f"certify: error: cannot use{where}: {error.strerror or error}"
    if isinstance(error, RecursionError):
        return EXIT_BAD_INPUT, ("certify: error: the input nests too deeply for Python "
                                "(see CERTIFY_MAX_DEPTH in docs/limits.md)")
    if isinstance(error, MemoryError):
        return EXIT_BAD_INPUT, ("certify: error: out of memory; ask for less work (smaller --level, --dim, --pairs, "
                                "--points; docs/limits.md lists the limits)")
    if isinstance(error, OverflowError):
        return EXIT_BAD_INPUT, ("certify: error: a number is beyond floating point's range (about 1e308); give "
                                "smaller numbers or rescale the game")
    if isinstance(error, ArithmeticError):
        # raised inside a numerical library (cvxopt's "ArithmeticError: 11" on a singular system)
        return EXIT_FAILED, (f"certify: solver trouble: a numerical solver failed ({type(error).__name__}: "
                             f"{error}); badly scaled coefficients are the usual cause: rescale the game, "
                             "or try another --solver")
    if isinstance(error, ValueError) and "integer string conversion" in str(error):
        return EXIT_BAD_INPUT, ("certify: error: a number has more digits than Python converts "
                                "(see CERTIFY_MAX_DIGITS in docs/limits.md)")
    return None


def leave(error: BaseException) -> NoReturn:
    """Print the error's one line and exit with its status (re-raise a bug)."""
    mapped = exit_for(error)
    if mapped is None:
        raise error
    status, line = mapped
    if status == EXIT_INTERRUPTED and sys.stderr.isatty():
        click.echo(err=True)  # close the terminal's "^C" echo, so the message has its own line
    if line is not None:  # escaped as output.warn does (messages quote files' text)
        click.echo(printable(line), err=True)
    sys.exit(status)


class CertifyGroup(click.Group):
    """A click group whose every error is one line on stderr with its status (``exit_for``)."""

    def invoke(self, ctx: click.Context) -> Any:
        # Ctrl-C inside a command: taken here, before click's own handler prints a blank
        # line and turns it into Abort
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted() from None

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            outcome = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except (Exception, KeyboardInterrupt) as error:  # noqa: BLE001 - exit_for re-raises what it does not know
            leave(error)
        if not standalone_mode:
            return outcome
        sys.exit(outcome if isinstance(outcome, int) else EXIT_OK)
