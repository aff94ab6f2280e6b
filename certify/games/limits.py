"""Limits on untrusted input and on work, each raised by one environment variable.

Untrusted input is bounded before exact arithmetic
touches it, and work is estimated before it starts, so that a hostile or
mistaken file or option is refused in one line instead of hanging, crashing
or eating memory. Every limit here is a whole number read from the
environment variable named beside it (docs/limits.md lists them):

=========================  ==========  ==============================================
variable                   default     bounds
=========================  ==========  ==============================================
CERTIFY_MAX_DIGITS         4000        digits of any number read (numerator,
                                       denominator, or mantissa plus exponent), and of
                                       any exact number an expression computes
CERTIFY_MAX_DEPTH          100         nesting of JSON/TOML files and of expressions
CERTIFY_MAX_FILE_MB        64          size of a problem or result file
CERTIFY_MAX_VALUES         2000000     values (numbers, strings, lists, tables) in one
                                       problem or result file, counted before parsing
CERTIFY_MAX_TABLE_DIGITS   4000        digits of the common denominator of the rationals
                                       of one table of a file (a nested list of numbers,
                                       or one field of a list's objects such as a
                                       mixture's weights): what exact sums over it cost
                                       (a result must stay within CERTIFY_MAX_DIGITS)
CERTIFY_MAX_EXPRESSION     10000       characters of one expression
CERTIFY_MAX_GAME_SIZE      40000       entries oA*oB*iA*iB of a game's tensor (each
                                       payoff entry is an exact expression evaluation)
CERTIFY_MAX_GAME_DIGITS    300         digits of a game's numbers over one common
                                       denominator: the denominator and every numerator
CERTIFY_MAX_CONSTRAINTS    200         constraints of a game
CERTIFY_MAX_STRATEGIES     10000000    deterministic strategies listed (best response
                                       lists one player's, a frontier hull every pair)
CERTIFY_MAX_LP_ENTRIES     20000000    entries of the no-signalling LP's dense matrix
CERTIFY_MAX_MOMENT_MATRIX  1000        side of an NPA moment matrix
CERTIFY_MAX_DIM            16          see-saw local dimension
CERTIFY_MAX_COMPONENTS     1000        parts of a see-saw witness's mixture (each is
                                       checked exactly; certify's own have a few)
CERTIFY_MAX_PATTERNS       4096        measurement patterns 2^(iA + iB) of a Werner-pair
                                       bound (one exact PSD block each)
CERTIFY_MAX_RESTARTS       10000       see-saw restarts
CERTIFY_MAX_PAIRS          4000000     simulated request pairs (about 300 bytes each)
CERTIFY_MAX_POINTS         1001        points of a frontier (each solves LPs and SDPs)
CERTIFY_MAX_NOISE_WORK     150000      work units of a frontier with Werner pairs,
                                       splits x 2^(iA + iB) x iA x iB (about 0.4 ms a
                                       unit; certify.scheduling.workers.noise_work)
=========================  ==========  ==============================================

The defaults keep every command within a few seconds of setup and well
under 2 GB; raising a limit is the user's informed choice.
"""

from __future__ import annotations

import functools
import os
import sys

from ..errors import BadInput

DEFAULTS = {
    "CERTIFY_MAX_DIGITS": 4000,
    "CERTIFY_MAX_DEPTH": 100,
    "CERTIFY_MAX_FILE_MB": 64,
    "CERTIFY_MAX_VALUES": 2 * 10**6,
    "CERTIFY_MAX_TABLE_DIGITS": 4000,
    "CERTIFY_MAX_EXPRESSION": 10000,
    "CERTIFY_MAX_GAME_SIZE": 40000,
    "CERTIFY_MAX_GAME_DIGITS": 300,
    "CERTIFY_MAX_CONSTRAINTS": 200,
    "CERTIFY_MAX_STRATEGIES": 10**7,
    "CERTIFY_MAX_LP_ENTRIES": 2 * 10**7,
    "CERTIFY_MAX_MOMENT_MATRIX": 1000,
    "CERTIFY_MAX_DIM": 16,
    "CERTIFY_MAX_COMPONENTS": 1000,
    "CERTIFY_MAX_PATTERNS": 4096,
    "CERTIFY_MAX_RESTARTS": 10000,
    "CERTIFY_MAX_PAIRS": 4 * 10**6,
    "CERTIFY_MAX_POINTS": 1001,
    "CERTIFY_MAX_NOISE_WORK": 150_000,  # about a minute; the default model's 1001 points are 64064 units
}


def limit(variable):
    """The limit named ``variable``: the environment's value if set, else the default."""
    value = _limit_of(variable, os.environ.get(variable, ""))
    if variable == "CERTIFY_MAX_DIGITS" and value + 100 > sys.get_int_max_str_digits() > 0:
        # Python refuses int <-> str conversions above its own limit (4300 digits by
        # default); a user who raised ours wants numbers that long printed too
        sys.set_int_max_str_digits(value + 100)
    return value


@functools.lru_cache(maxsize=256)  # asked for at every number read
def _limit_of(variable, setting):
    """The limit a setting of ``variable`` in the environment gives (its default when empty)."""
    text = setting.strip()
    if not text:
        return DEFAULTS[variable]
    if not (text.isdigit() and len(text) <= 18) or int(text) < 1:
        raise BadInput(None, variable, f"expected a whole number of at least 1, got '{text[:40]}'")
    return int(text)


UNITS = {
    "CERTIFY_MAX_DIGITS": "digits",
    "CERTIFY_MAX_DEPTH": "levels",
    "CERTIFY_MAX_FILE_MB": "MB",
    "CERTIFY_MAX_VALUES": "values",
    "CERTIFY_MAX_TABLE_DIGITS": "digits",
    "CERTIFY_MAX_EXPRESSION": "characters",
    "CERTIFY_MAX_GAME_SIZE": "entries",
    "CERTIFY_MAX_GAME_DIGITS": "digits",
    "CERTIFY_MAX_CONSTRAINTS": "constraints",
    "CERTIFY_MAX_STRATEGIES": "strategies",
    "CERTIFY_MAX_LP_ENTRIES": "entries",
    "CERTIFY_MAX_MOMENT_MATRIX": "rows",
    "CERTIFY_MAX_DIM": "",
    "CERTIFY_MAX_COMPONENTS": "components",
    "CERTIFY_MAX_PATTERNS": "patterns",
    "CERTIFY_MAX_RESTARTS": "restarts",
    "CERTIFY_MAX_PAIRS": "pairs",
    "CERTIFY_MAX_POINTS": "points",
    "CERTIFY_MAX_NOISE_WORK": "units",
}


def limit_message(variable, what, advice=None):
    """One line: what was asked, the limit, and how to go ahead.

    ``what`` says what was asked ("the moment matrix would have 12345 rows");
    ``advice`` the option to change instead (e.g. "choose a lower --level").
    """
    unit = f" {UNITS[variable]}" if UNITS[variable] else ""
    how = f"{advice}, or raise {variable}" if advice else f"raise {variable} to allow it"
    return f"{what}, above the limit of {limit(variable)}{unit} ({how})"


class LimitExceeded(BadInput):
    """Input or work beyond a limit: bad input (exit status 2) wherever it is met,
    also inside a document being verified."""


def too_large(variable, source, key, what, advice=None):
    """The refusal as bad input naming the file or option (``source``, ``key``)."""
    return LimitExceeded(source, key, limit_message(variable, what, advice))


def check(variable, value, source, key, what, advice=None):
    """Raise the refusal when ``value`` exceeds the limit ``variable``."""
    if value > limit(variable):
        raise too_large(variable, source, key, what, advice)


def check_strategies(inputs, outputs, source=None, pairs=False):
    """Refuse listing too many deterministic strategies (CERTIFY_MAX_STRATEGIES).

    Best response (the classical value, its check, the see-saw's start)
    lists the strategies of the player with fewer, min(oA^iA, oB^iB);
    listing every pair (``pairs``) costs oA^iA * oB^iB. Counted through
    logarithms, so a 50 x 50-question, 5-answer game costs nothing to refuse.
    """
    import math

    (iA, iB), (oA, oB) = inputs, outputs
    sides = sorted([(iA * math.log10(oA), f"{oA}^{iA}"), (iB * math.log10(oB), f"{oB}^{iB}")])
    if pairs:
        digits, power = sides[0][0] + sides[1][0], f"{sides[0][1]} x {sides[1][1]}"
        what = "pairs of deterministic strategies to list"
    else:
        (digits, power), what = sides[0], "deterministic strategies to enumerate for the player with fewer"
    if digits > 18:
        count = f"{power} = {10 ** (digits % 1):.1f}e{int(digits)}"
    else:
        count = f"{power} = {round(10**digits)}"
    check("CERTIFY_MAX_STRATEGIES", 10**digits, source, "GAME", f"the game has {count} {what}")


def shorten(text, length=40):
    """A long input quoted in an error message: its start and its length."""
    text = str(text)
    return text if len(text) <= length else f"{text[:length]}... ({len(text)} characters)"
