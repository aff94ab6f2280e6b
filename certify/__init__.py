"""certify: certified bounds for two-player non-local games.

Pipeline: problem file -> :class:`certify.game.Game` -> method (classical,
npa, seesaw) -> :class:`certify.results.Result` with a certificate that
:mod:`certify.certificates` re-checks exactly -> rich table or JSON.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("certify")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"
