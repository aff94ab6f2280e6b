"""The published JSON Schemas (draft 2020-12), versioned and shipped in the package.

problem-v1: problem files (TOML files as the mapping they parse to);
result-v1: every command's --json document (the contract of the README's
"JSON" section). `certify schema problem|result` prints them.

result-v1 is generated (``result_schema``): the document shapes below, and one
definition per certificate kind and the single result's keys from the checker's own
description of the format (certify.proofs.layouts), so the schema, the checker's layout
checks and the key table of docs/certificates.md (``certificate_docs``) cannot disagree.
``python -m certify.report.schema`` rewrites the committed schema file and that table;
tests/test_schemas.py fails when either differs from what this module generates.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from ..proofs.layouts import CERTIFICATES, RESULT_KEYS, json_schema, key_table

SCHEMAS = {"problem": "problem-v1.schema.json", "result": "result-v1.schema.json"}

# The parts of result-v1 that are not certificates: the document of each command.
_DOCUMENTS = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://certify.invalid/schemas/result-v1.schema.json",
    "title": "certify result document, version 1",
    "description": ("What every command writes with --json. The keys below are a contract that scripts "
                    "and CI rely on: keys may be added, never renamed. The schema states the shape; "
                    "`certify verify` re-derives every claim from the certificates (docs/certificates.md)."),
    "type": "object",
    "required": ["tool", "command"],
    "properties": {
        "tool": {
            "type": "object",
            "required": ["name", "version"],
            "properties": {"name": {"const": "certify"}, "version": {"type": "string"}}
        },
        "command": {"type": "string"},
        "options": {"type": "object"},
        "game": {"$ref": "#/$defs/game"},
        "fixed": {"$ref": "#/$defs/fixed"}
    },
    "allOf": [
        {
            "if": {
                "properties": {"command": {"not": {"enum": ["verify", "regress"]}}},
                "not": {"required": ["loads"]}
            },
            "then": {"required": ["game", "fixed"]}
        },
        {
            "if": {"properties": {"command": {"const": "verify"}}, "required": ["command"]},
            "then": {
                "required": ["ok", "checks"],
                "properties": {
                    "ok": {"type": "boolean"},
                    "checks": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["result", "kind", "ok", "value", "exact", "problems"],
                            "properties": {
                                "ok": {"type": "boolean"},
                                "value": {"type": ["number", "null"]},
                                "exact": {"type": ["string", "null"]},
                                "problems": {"type": "array", "items": {"type": "string"}}
                            }
                        }
                    }
                }
            }
        },
        {
            "if": {"properties": {"command": {"const": "regress"}}, "required": ["command"]},
            "then": {
                "required": ["ok", "drifted", "bounds"],
                "properties": {
                    "ok": {"type": "boolean"},
                    "drifted": {"type": "array", "items": {"type": "string"}},
                    "bounds": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": [
                                "name",
                                "problem",
                                "command",
                                "expected",
                                "tolerance",
                                "value",
                                "drift",
                                "certified",
                                "ok"
                            ],
                            "properties": {
                                "ok": {"type": "boolean"},
                                "certified": {"type": "boolean"},
                                "value": {"type": ["number", "null"]},
                                "drift": {"type": ["number", "null"]}
                            }
                        }
                    }
                }
            }
        },
        {
            "if": {
                "properties": {"command": {"enum": ["classical", "nosignal", "quantum", "seesaw"]}}
            },
            "then": {"$ref": "#/$defs/result"}
        },
        {
            "if": {"properties": {"command": {"const": "gap"}}},
            "then": {
                "required": ["classical", "quantum_lower", "quantum_upper", "gap", "certified"],
                "properties": {
                    "classical": {"$ref": "#/$defs/result"},
                    "quantum_lower": {"$ref": "#/$defs/result"},
                    "quantum_upper": {"$ref": "#/$defs/result"},
                    "gap": {"type": ["number", "null"]},
                    "certified": {"type": "boolean"}
                }
            }
        },
        {
            "if": {"properties": {"command": {"const": "pareto"}}, "not": {"required": ["loads"]}},
            "then": {"$ref": "#/$defs/frontier"}
        },
        {
            "if": {"properties": {"command": {"const": "pareto"}}, "required": ["loads"]},
            "then": {
                "required": ["certified", "loads"],
                "properties": {
                    "certified": {"type": "boolean"},
                    "loads": {"type": "array", "items": {"$ref": "#/$defs/frontier"}}
                }
            }
        },
        {
            "if": {"properties": {"command": {"const": "simulate"}}},
            "then": {
                "required": ["waiting", "throughput"],
                "properties": {
                    "waiting": {"$ref": "#/$defs/estimate"},
                    "throughput": {"$ref": "#/$defs/estimate"}
                }
            }
        }
    ],
    "$defs": {
        "fixed": {"type": "object", "additionalProperties": {"type": "string"}},
        "game": {
            "type": "object",
            "required": ["name", "sha256", "sense"],
            "properties": {
                "name": {"type": "string"},
                "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "sense": {"enum": ["max", "min"]},
                "inputs": {"type": "array", "items": {"type": "integer"}},
                "outputs": {"type": "array", "items": {"type": "integer"}},
                "definition": {"type": "object"}
            }
        },
        "estimate": {
            "type": "object",
            "required": ["mean", "ci95", "model"],
            "properties": {
                "mean": {"type": "number"},
                "ci95": {
                    "type": "number",
                    "minimum": 0,
                    "description": "half-width of the 95% confidence interval"
                },
                "model": {"type": ["number", "null"]}
            }
        },
        "frontier": {
            "type": "object",
            "required": ["game", "fixed", "certified", "certificate", "points"],
            "properties": {
                "certified": {"type": "boolean"},
                "points": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": [
                            "split",
                            "throughput",
                            "classical",
                            "quantum_lower",
                            "quantum_upper",
                            "advantage_certified"
                        ],
                        "properties": {
                            "split": {"type": "number"},
                            "throughput": {"type": "number"},
                            "classical": {"type": ["number", "null"]},
                            "quantum_lower": {"type": ["number", "null"]},
                            "quantum_upper": {"type": ["number", "null"]},
                            "advantage_certified": {"type": "boolean"}
                        }
                    }
                }
            }
        }
    }
}


# The single result's keys whose shape is another definition of the schema.
_RESULT_REFS = {
    "tool": {"type": "object"},
    "game": {"$ref": "#/$defs/game"},
    "fixed": {"$ref": "#/$defs/fixed"},
    "certificate": {"$ref": "#/$defs/certificate"},
    "solver": {"type": "object"},
}

DOCS_START = "<!-- generated: certificate keys -->"
DOCS_END = "<!-- end generated -->"


def result_schema() -> dict:
    """result-v1 as a dictionary: the command documents above, a single result's keys
    (certify.proofs.layouts.RESULT_KEYS; other keys are claims of its kind, allowed here and
    checked by verify) and a certificate that is exactly one of the kinds
    (certify.proofs.layouts.CERTIFICATES), told apart by its constant ``kind``."""
    document = json.loads(json.dumps(_DOCUMENTS))  # a deep copy: the constant stays as written
    result = {"type": "object", "required": [name for name, key in RESULT_KEYS.items() if key.required],
              "properties": {name: _RESULT_REFS.get(name, json_schema(key.shape)) | {"description": key.meaning}
                             for name, key in RESULT_KEYS.items()}}
    kinds = {f"certificate-{kind}": json_schema(shape, kind) for kind, shape in CERTIFICATES.items()}
    document["$defs"]["result"] = result
    document["$defs"]["certificate"] = {"oneOf": [{"$ref": f"#/$defs/{name}"} for name in kinds]}
    document["$defs"].update(kinds)
    return document


def generated_text(kind: str) -> str:
    """The text of the committed schema file of ``kind`` that this module generates
    (result only: the problem schema is written by hand)."""
    if kind != "result":
        raise ValueError(f"the {kind} schema is not generated")
    return json.dumps(result_schema(), indent=2, ensure_ascii=False) + "\n"


def certificate_docs(text: str) -> str:
    """``text`` (docs/certificates.md) with the part between DOCS_START and DOCS_END
    replaced by the generated key table (certify.proofs.layouts.key_table)."""
    start, end = text.index(DOCS_START) + len(DOCS_START), text.index(DOCS_END)
    return text[:start] + "\n" + key_table() + "\n" + text[end:]


def schema_text(kind: str) -> str:
    """The schema of ``kind`` ("problem" or "result") as JSON text."""
    return resources.files("certify.report").joinpath("schemas", SCHEMAS[kind]).read_text(encoding="utf-8")


def schema(kind: str) -> dict:
    """The schema of ``kind`` as a dictionary."""
    return json.loads(schema_text(kind))


def regenerate(root: Path) -> None:
    """Rewrite the generated files of a source tree at ``root``: the result schema and the
    key table of docs/certificates.md (run after changing certify.proofs.layouts)."""
    target = root / "certify" / "report" / "schemas" / SCHEMAS["result"]
    target.write_text(generated_text("result"), encoding="utf-8")
    docs = root / "docs" / "certificates.md"
    docs.write_text(certificate_docs(docs.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    regenerate(Path(__file__).resolve().parents[2])
