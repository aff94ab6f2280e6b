"""Rewrite the committed documents of tests/test_documents_unchanged.py.

Run this only when a command's output is meant to change, then read ``git diff
tests/documents`` before committing: every line of it is a change a user will see.

    .venv/bin/python tests/documents/regenerate.py            # every document
    .venv/bin/python tests/documents/regenerate.py NAME ...   # only these
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from test_documents_unchanged import COMMANDS, DOCUMENTS, run_command  # noqa: E402


def main(names: list[str]) -> int:
    """Regenerate the named documents (all when none is named); exit 2 on an unknown name."""
    unknown = [name for name in names if name not in COMMANDS]
    if unknown:
        print(f"regenerate.py: unknown document {', '.join(unknown)}; known: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    for name in names or list(COMMANDS):
        document = run_command(COMMANDS[name])
        path = DOCUMENTS / f"{name}.json"
        path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
