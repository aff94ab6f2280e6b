"""The published JSON Schemas (draft 2020-12), versioned and shipped in the package.

problem-v1: problem files (TOML files as the mapping they parse to);
result-v1: every command's --json document (the contract of the README's
"JSON" section). `certify schema problem|result` prints them.
"""

from __future__ import annotations

import json
from importlib import resources

SCHEMAS = {"problem": "problem-v1.schema.json", "result": "result-v1.schema.json"}


def schema_text(kind):
    """The schema of ``kind`` ("problem" or "result") as JSON text."""
    return resources.files("certify.report").joinpath("schemas", SCHEMAS[kind]).read_text(encoding="utf-8")


def schema(kind):
    """The schema of ``kind`` as a dictionary."""
    return json.loads(schema_text(kind))
