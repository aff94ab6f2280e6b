"""The command line: the ``certify`` group and its commands, one module per group.

Parsing and rendering only, no mathematics (docs/architecture.md). bounds.py: classical,
nosignal, quantum, seesaw, gap; frontier.py: pareto, simulate; scan.py: scan; checks.py:
verify, regress, schema; notations.py: convert, cite. Shared option types live in
options.py, rendering in output.py, and exits.py is the one place where an error becomes
an exit status: 0 done, 1 a certificate failed or a regression drifted, 2 bad input or
usage, 130 interrupted. Every command imports its computation lazily, so `certify verify`
loads no search code.
"""

from __future__ import annotations

import inspect

import click

from .. import __version__
from ..games.game import bundled_problems
from . import bounds, checks, frontier, notations, scan
from .exits import CertifyGroup
from .options import BOUNDS_FORMAT, GAME_FORMAT


@click.group(cls=CertifyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="certify")
def main() -> None:
    """Certified bounds for two-player non-local games."""


main.help = "\n\n".join([
    inspect.cleandoc(main.help or ""), GAME_FORMAT, "Bundled problems: " + ", ".join(bundled_problems()) + ".",
    BOUNDS_FORMAT,
])

# in the order of the help listing before the split (click sorts them by name anyway)
for command in (bounds.classical, bounds.nosignal, checks.verify, checks.regress, checks.schema, bounds.seesaw,
                frontier.pareto, frontier.simulate, bounds.quantum, bounds.gap, scan.scan, notations.convert,
                notations.cite):
    main.add_command(command)

__all__ = ["main"]
