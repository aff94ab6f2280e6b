"""The failure families of certify, one class each.

The CLI maps them to exit codes (README, JSON section): BadInput -> 2,
CertificateFailed -> 1, SolverFailed -> 1.
"""

import re


class CertifyError(Exception):
    """Base of every error certify reports to the user in one line."""


class BadInput(CertifyError):
    """The problem file, an option or a result file is malformed or meaningless."""

    def __init__(self, source, key, message):
        self.source = source
        self.key = key
        self.message = message
        where = [str(part) for part in (source, key) if part]
        super().__init__(": ".join(where + [message]))


class CannotWrite(BadInput):
    """An output file (--json, --table, --plot) could not be written: a full disk, a
    read-only device, a folder in the way. Reported as ``certify: cannot write PATH:
    REASON``, exit status 2."""

    def __init__(self, path, reason):
        self.path = path
        self.reason = reason
        super().__init__(None, None, f"cannot write {path}: {reason}")


class SolverFailed(CertifyError):
    """A numerical solver did not return a usable answer; the message says what to try."""

    def __init__(self, solver, status, advice):
        self.solver = solver
        self.status = status
        self.advice = advice
        super().__init__(f"solver {solver} returned status '{status}': {advice}")


class CertificateFailed(CertifyError):
    """An exact re-check of a certificate did not hold."""


# Characters that move the cursor, recolour the terminal, reorder text or cannot be
# encoded at all: C0 and C1 controls (newline, carriage return, escape), the bidirectional
# overrides and isolates, line and paragraph separators, and lone surrogates (JSON "\ud800").
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                          "\ud800-\udfff]")


def printable(text: object) -> str:
    """``text`` with every unprintable character shown as its Python escape (newline as
    ``\\n``, ESC as ``\\x1b``, a lone surrogate as ``\\ud800``).

    Text from a file or a document is data: a name with a newline or an ANSI colour code
    could otherwise start a fake line of output or restyle the terminal, and a lone
    surrogate cannot be written to a UTF-8 stream at all.
    """
    return _UNPRINTABLE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), str(text))
