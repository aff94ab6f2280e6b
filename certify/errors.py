"""The failure families of certify, one class each.

The CLI maps them to exit codes (README, JSON section): BadInput -> 2,
CertificateFailed -> 1, SolverFailed -> 1.
"""


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


class SolverFailed(CertifyError):
    """A numerical solver did not return a usable answer; the message says what to try."""

    def __init__(self, solver, status, advice):
        self.solver = solver
        self.status = status
        self.advice = advice
        super().__init__(f"solver {solver} returned status '{status}': {advice}")


class CertificateFailed(CertifyError):
    """An exact re-check of a certificate did not hold."""
