"""JSON out: the document of ``certify verify --json``, and writing any document atomically.

The result record itself (Result, and envelope for composite results) lives in
certify.bounds.result, beside the methods that build it; it is still found here under its
old name, loaded only when asked for, so that ``certify verify`` (which imports this
module for its JSON) loads nothing of certify.bounds. The version comes from
certify.version, so importing this module never imports the Python API (certify.api).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from typing import Any

from ..proofs.exact import NEAREST, safe_float
from ..version import __version__

__all__ = ["Result", "dumps", "envelope", "verification_json", "write_json", "write_text"]

_RECORD = ("Result", "envelope")  # the names certify.bounds.result now holds


def __getattr__(name: str) -> Any:
    """Result and envelope under their old module, imported on first use (PEP 562): an eager
    import would load certify.bounds into every ``certify verify``."""
    if name in _RECORD:
        from ..bounds import result

        return getattr(result, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def verification_json(source, items, game=None, note=None):
    """The JSON of ``certify verify --json``: the game checked, each re-checked result and
    whether all hold (values rounded on their safe sides)."""
    return {
        "tool": {"name": "certify", "version": __version__},
        "command": "verify",
        "options": {"result": str(source)},
        "game": None if game is None else {"name": game.name, "sha256": game.sha256, "sense": game.sense},
        "note": note,
        "ok": all(item.ok for item in items),
        "checks": [
            {
                "result": item.path or "(top)", "kind": item.kind, "ok": bool(item.ok),
                "value": None if item.value is None else safe_float(item.value, item.direction or NEAREST),
                "exact": None if item.value is None else str(item.value),
                "problems": list(item.problems),
            }
            for item in items
        ],
    }


def dumps(data):
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def write_json(data, path):
    """Write JSON to a path atomically (never half a file), or to stdout for '-'."""
    text = dumps(data)
    if str(path) == "-":
        import sys

        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_text(path, text)


def replacement_mode(path: Path) -> int:
    """The permissions a file written to replace ``path`` gets: those of the file it
    replaces, or those of any other new file (0666 less the umask); mkstemp alone
    would leave 0600."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_text(path, text, newline=None):
    """Write a text file atomically: a temporary file in the same folder, then a rename.

    The file gets the permissions of any other new file (0666 less the umask),
    or keeps those of the file it replaces; mkstemp alone would leave 0600.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    mode = replacement_mode(path)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline=newline) as stream:
            stream.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
