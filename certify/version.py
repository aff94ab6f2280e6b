"""The package's version, one source for it: the installed distribution's metadata.

A leaf module (it imports no part of certify), so the package root, the report renderers
and the result record can all name the version without importing the Python API.
"""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def _source_version() -> str:
    """The version pyproject.toml declares, for a source checkout that is not installed.

    Read from the checkout's own pyproject.toml (the file the distribution's metadata is
    built from), so an uninstalled tree reports the number it would install as; a tree
    without one, or with an unreadable one, reports "0.0.0+unknown".
    """
    try:
        with open(Path(__file__).resolve().parent.parent / "pyproject.toml", "rb") as stream:
            project = tomllib.load(stream)["project"]
        if project.get("name") == "certify" and isinstance(project.get("version"), str):
            return project["version"]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError):
        pass
    return "0.0.0+unknown"


try:
    __version__: str = version("certify")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = _source_version()

__all__ = ["__version__"]
