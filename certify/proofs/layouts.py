"""The one description of the certificate format: for each certificate kind (and for the
top-level keys of a single result document) its keys, whether each is required, the JSON
shape of its value and a one-line meaning, held as data.

Three things are generated from it, so they cannot disagree:

- the checker's layout checks (``certificate_keys`` and ``checker_layout``, read by
  certify.proofs.result: unknown keys at any depth and objects where numbers belong are
  rejected, required top-level keys must be present);
- the published JSON Schema, one definition per certificate kind (``json_schema`` of a
  shape; the document is assembled by certify.report.schema, which may import this module
  while the checker never imports the report);
- the key table of docs/certificates.md (``key_table``).

The shapes are the JSON the producers write. The checker's layout check only
distinguishes scalars from objects and lists (the exact checks of each kind read the
numbers themselves and report what is wrong with them); the schema states the scalar
types as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The checker's layout vocabulary (certify.proofs.result.layout_problems): a dict maps keys
# to layouts, [layout] is a list of them, LEAF a number or a string, NAMES an object of
# constraint names to numbers, ANY is left to the kind's own check.
LEAF, NAMES, ANY = "leaf", "names", "any"

RATIONAL_PATTERN = "^-?[0-9]+(/[0-9]+)?$"


@dataclass(frozen=True)
class Scalar:
    """A number or a string: ``name`` as the docs call it, ``schema`` its JSON Schema."""

    name: str
    schema: dict


@dataclass(frozen=True)
class Names:
    """An object whose keys are the game's constraint names and whose values are rationals
    (dual multipliers, one per constraint)."""

    name: str = "object of constraint names to rationals"


@dataclass(frozen=True)
class Free:
    """A value the kind's own check reads whole (its shape depends on the game)."""

    name: str


@dataclass(frozen=True)
class ListOf:
    """A JSON list whose items all have the shape ``item``."""

    item: "Shape"


@dataclass(frozen=True)
class Key:
    """One key of an object: its shape, whether it must be present, and what it means."""

    shape: "Shape"
    required: bool
    meaning: str


@dataclass(frozen=True)
class Obj:
    """A JSON object with exactly the keys ``keys`` (no others)."""

    keys: dict = field(default_factory=dict)


Shape = Scalar | Names | Free | ListOf | Obj

RATIONAL = Scalar("rational string p/q", {"type": "string", "pattern": RATIONAL_PATTERN})
DECIMAL = Scalar("decimal string", {"type": "string"})
INTEGER = Scalar("integer", {"type": "integer"})
BOOLEAN = Scalar("boolean", {"type": "boolean"})
TEXT = Scalar("string", {"type": "string"})
NUMBER = Scalar("number", {"type": "number"})


def req(shape: Shape, meaning: str) -> Key:
    """A required key."""
    return Key(shape, True, meaning)


def opt(shape: Shape, meaning: str) -> Key:
    """An optional key."""
    return Key(shape, False, meaning)


KIND = req(TEXT, "the certificate kind")
_OPERATOR = Obj({"re": req(ListOf(ListOf(DECIMAL)), "real parts of the matrix entries"),
                 "im": req(ListOf(ListOf(DECIMAL)), "imaginary parts of the matrix entries")})
_SEESAW = Obj({
    "kind": KIND,
    "value": req(DECIMAL, "the claimed value, the exact value rounded down to 40 decimals"),
    "projective": opt(BOOLEAN, "whether the measurements are claimed to be projective"),
    "components": req(ListOf(Obj({
        "weight": req(RATIONAL, "the part's weight in the mixture"),
        "state": req(Obj({"re": req(ListOf(DECIMAL), "real parts of psi, index i dB + j"),
                          "im": req(ListOf(DECIMAL), "imaginary parts of psi")}), "the state psi"),
        "A": req(ListOf(ListOf(_OPERATOR)), "A[x][a]: A's measurement operators"),
        "B": req(ListOf(ListOf(_OPERATOR)), "B[y][b]: B's measurement operators"),
    })), "the parts of a mixture of quantum strategies"),
})

CERTIFICATES: dict[str, Obj] = {
    "classical": Obj({
        "kind": KIND,
        "value": opt(RATIONAL, "the exact classical optimum"),
        "mixture": req(ListOf(Obj({
            "weight": req(RATIONAL, "the strategy's weight"),
            "A": req(ListOf(INTEGER), "A[x]: A's answer to question x"),
            "B": req(ListOf(INTEGER), "B[y]: B's answer to question y"),
        })), "a mixture of deterministic strategies meeting every constraint: the primal"),
        "dual": req(Obj({
            "constant": req(RATIONAL, "t: bounds every deterministic strategy's value of s c - mu d"),
            "multipliers": req(Names(), "mu: one multiplier per constraint, signed by its relation"),
        }), "the LP dual proving the bound"),
    }),
    "nosignalling": Obj({
        "kind": KIND,
        "value": opt(RATIONAL, "the exact no-signalling optimum"),
        "behaviour": req(Free("nested lists p[a][b][x][y] of rationals"),
                         "a no-signalling behaviour meeting the constraints: the primal"),
        "dual": req(Obj({
            "nosignalling": req(ListOf(RATIONAL), "lambda: one multiplier per no-signalling equality"),
            "multipliers": req(Names(), "mu: one multiplier per constraint"),
        }), "the LP dual proving the bound"),
    }),
    "npa": Obj({
        "kind": KIND,
        "level": req(TEXT, "the NPA level (\"1\", \"1+AB\", ...)"),
        "size": req(INTEGER, "the side of the moment matrix"),
        "moments": req(INTEGER, "the number of free moments"),
        "dual": req(Obj({
            "slack_upper": req(ListOf(ListOf(RATIONAL)), "the upper triangle of the symmetric dual matrix Z"),
            "multipliers": req(Names(), "mu: one multiplier per constraint"),
        }), "the SDP dual"),
        "shift": req(RATIONAL, "e: Z + e I is proved positive semidefinite"),
        "factor": req(Obj({
            "bits": req(INTEGER, "the factor's scale 2^bits"),
            "rows": req(ListOf(ListOf(INTEGER)), "L: lower-triangular integers over 2^bits"),
        }), "the factor L of Z + e I - L L^T, diagonally dominant"),
        "bound": req(RATIONAL, "the bound the dual proves"),
        "trace_bound": opt(INTEGER, "n: the bound on the moment matrix's trace"),
        "solver_value": opt(NUMBER, "the solver's own optimum: shown, never used"),
    }),
    "seesaw": _SEESAW,
    "correlation-strategy": Obj({
        "kind": KIND,
        "value": opt(RATIONAL, "the exact value the strategy reaches"),
        "rank": opt(INTEGER, "the length of the vectors"),
        "realisation": opt(TEXT, "how the correlations are realised (rebuilt text)"),
        "mixture": req(ListOf(Obj({
            "weight": req(RATIONAL, "the part's weight"),
            "A": req(ListOf(ListOf(RATIONAL)), "u_x: A's exact unit vectors"),
            "B": req(ListOf(ListOf(RATIONAL)), "v_y: B's exact unit vectors"),
        })), "a mixture of Tsirelson vector strategies"),
    }),
    "correlation-dual": Obj({
        "kind": KIND,
        "value": opt(RATIONAL, "the bound the dual proves"),
        "z": req(ListOf(RATIONAL), "the diagonal of the Gram-SDP dual"),
        "shift": req(RATIONAL, "the constant of the dual"),
        "multipliers": req(Names(), "mu: one multiplier per constraint"),
    }),
    "werner-strategy": Obj({
        "kind": KIND,
        "value": opt(RATIONAL, "the exact value the strategy reaches"),
        "visibility": req(RATIONAL, "v of the Werner pair"),
        "realisation": opt(TEXT, "how the correlations are realised (rebuilt text)"),
        "supply": opt(RATIONAL, "share of requests that find a pair (absent: 1)"),
        "same_split": opt(BOOLEAN, "the split rule: the same split with and without a pair"),
        "mixture": req(ListOf(Obj({
            "weight": req(RATIONAL, "the part's weight"),
            "A": req(ListOf(Free("a Bloch vector of rationals, or '+1' / '-1'")), "A's measurement per question"),
            "B": req(ListOf(Free("a Bloch vector of rationals, or '+1' / '-1'")), "B's measurement per question"),
            "pair": opt(BOOLEAN, "the part is played when a pair is there (supply below 1)"),
        })), "a mixture of strategies on the Werner pair"),
    }),
    "werner-dual": Obj({
        "kind": KIND,
        "value": opt(RATIONAL, "the bound the dual proves"),
        "visibility": req(RATIONAL, "v of the Werner pair"),
        "multipliers": req(Names(), "mu: one multiplier per constraint"),
        "supply": opt(RATIONAL, "share of requests that find a pair (absent: 1)"),
        "same_split": opt(BOOLEAN, "the split rule: the same split with and without a pair"),
        "classical_multipliers": opt(Names(), "the classical side's multipliers (same split rule)"),
        "blocks": req(ListOf(Obj({
            "A": req(ListOf(INTEGER), "A's questions answered projectively"),
            "B": req(ListOf(INTEGER), "B's questions answered projectively"),
            "z": req(ListOf(RATIONAL), "the block's dual diagonal"),
            "shift": req(RATIONAL, "the block's constant"),
        })), "one dual block per pattern of projectively answered questions"),
    }),
    "noisy-witness": Obj({
        "kind": KIND,
        "visibility": req(RATIONAL, "v of the white noise mixed into the witness's state"),
        "classical": opt(RATIONAL, "the classical optimum the critical visibility is measured against"),
        "critical_visibility": opt(RATIONAL, "the least visibility at which the witness beats it"),
        "value": opt(RATIONAL, "the exact value at the visibility"),
        "witness": req(_SEESAW, "a see-saw certificate"),
    }),
}

# The top-level keys of a single result document (classical, nosignal, quantum, seesaw and
# the parts of gaps and frontiers): the contract keys scripts rely on. Other keys are the
# kind's claims, each rebuilt by verify (docs/certificates.md, key by key).
RESULT_KEYS: dict[str, Key] = {
    "tool": opt(Free("object: name and version"), "the program that wrote the document"),
    "command": req(TEXT, "the command that wrote it (fixed by the certificate kind)"),
    "game": req(Free("object"), "the game: name, sha256, sense, shape and definition"),
    "fixed": req(Free("object of constraint names to rational strings"), "the constraint values"),
    "value": req(Scalar("number or null", {"type": ["number", "null"]}),
                 "the proven number as a float, on the safe side"),
    "exact": req(Scalar("rational string or null", {"type": ["string", "null"], "pattern": RATIONAL_PATTERN}),
                 "the exact value when the certificate proves one"),
    "certified": req(BOOLEAN, "every check passed"),
    "certificate": req(Free("one of the certificate kinds below"), "what verify re-checks"),
    "solver": req(Free("object"), "how the number was found (descriptive)"),
    "seconds": req(Scalar("non-negative number", {"type": "number", "minimum": 0}), "run time (descriptive)"),
}


def certificate_keys(kind: str) -> tuple[set, set]:
    """(required, optional) top-level keys of a certificate of ``kind``."""
    keys = CERTIFICATES[kind].keys
    return {k for k, v in keys.items() if v.required}, {k for k, v in keys.items() if not v.required}


def checker_layout(shape: Shape):
    """The layout certify.proofs.result.layout_problems walks, from a shape: objects to
    dicts of their keys' layouts, lists to a one-item list, constraint-name objects to
    NAMES, free values to ANY and every scalar to LEAF (the kind's own check reads it)."""
    if isinstance(shape, Obj):
        return {key: checker_layout(entry.shape) for key, entry in shape.keys.items()}
    if isinstance(shape, ListOf):
        return [checker_layout(shape.item)]
    if isinstance(shape, Names):
        return NAMES
    if isinstance(shape, Free):
        return ANY
    return LEAF


CHECKER_LAYOUTS = {kind: checker_layout(shape) for kind, shape in CERTIFICATES.items()}


def json_schema(shape: Shape, kind: str | None = None) -> dict:
    """The JSON Schema (draft 2020-12) of ``shape``; with ``kind``, the certificate's own
    ``kind`` key is that constant (one definition per kind, told apart by it)."""
    if isinstance(shape, Obj):
        properties = {key: json_schema(entry.shape) | {"description": entry.meaning}
                      for key, entry in shape.keys.items()}
        if kind is not None:
            properties["kind"] = {"const": kind, "description": "the certificate kind"}
        return {"type": "object", "required": [k for k, v in shape.keys.items() if v.required],
                "properties": properties, "additionalProperties": False}
    if isinstance(shape, ListOf):
        return {"type": "array", "items": json_schema(shape.item)}
    if isinstance(shape, Names):
        return {"type": "object", "additionalProperties": json_schema(RATIONAL)}
    if isinstance(shape, Free):
        return {}
    return dict(shape.schema)


def shape_text(shape: Shape) -> str:
    """A shape in words, for the docs: "list of rational string p/q", ...."""
    if isinstance(shape, ListOf):
        return f"list of {shape_text(shape.item)}"
    if isinstance(shape, Obj):
        return "object"
    return shape.name


def key_rows(shape: Obj, prefix: str = "") -> list[tuple[str, Key]]:
    """Every key of ``shape`` at any depth, as (dotted path, key): a list's items are
    written ``name[]``, so ``mixture[].weight`` is the weight of each mixture entry."""
    rows = []
    for name, entry in shape.keys.items():
        path = f"{prefix}{name}"
        rows.append((path, entry))
        inner, suffix = entry.shape, ""
        while isinstance(inner, ListOf):
            inner, suffix = inner.item, suffix + "[]"
        # a whole certificate inside another (noisy-witness.witness) is listed under its own kind
        if isinstance(inner, Obj) and not any(inner is whole for whole in CERTIFICATES.values()):
            rows += key_rows(inner, f"{path}{suffix}.")
    return rows


def key_table() -> str:
    """The Markdown key table of docs/certificates.md: one row per key of every certificate
    kind (nested keys by their dotted path) and of a single result document."""
    lines = ["| kind | key | required | shape | meaning |", "|---|---|---|---|---|"]
    for kind, shape in CERTIFICATES.items():
        for path, entry in key_rows(shape):
            lines.append(f"| `{kind}` | `{path}` | {'yes' if entry.required else 'no'} | "
                         f"{shape_text(entry.shape)} | {entry.meaning} |")
    lines += ["", "The top-level keys of a single result document (every other key is a claim of its kind, "
                  "rebuilt by verify as listed below):", "",
              "| key | required | shape | meaning |", "|---|---|---|---|"]
    for name, entry in RESULT_KEYS.items():
        lines.append(f"| `{name}` | {'yes' if entry.required else 'no'} | {shape_text(entry.shape)} | {entry.meaning} |")
    return "\n".join(lines)
