"""Every command writes the same document before and after a change of its code.

A refactor moves code and changes nothing a user sees: each command below is run again and
its JSON document compared, key by key and float by float (``==`` on the parsed JSON, so a
solver's last bit counts), with the document committed in tests/documents/ when the
behaviour was last meant to change. Only what legitimately differs from run to run is left
out of the comparison (``_comparable``): every key named ``seconds`` or ending in
``_seconds``, the ``timings`` tables, and the installed versions (``tool.version`` and a
``solver``'s ``version``), which change with the environment, not with this code. Iteration
counts stay in: three runs of every command on the same machine gave the same counts, and the
same floats to the last bit.

The commands use small options (every one under about two seconds) and run in this process
(click's test runner), as ``certify ... --json -`` would print them.

When behaviour is meant to change, rewrite the committed documents deliberately and review
the diff before committing it::

    .venv/bin/python tests/documents/regenerate.py            # every document
    .venv/bin/python tests/documents/regenerate.py gap_chsh   # only the named ones
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

DOCUMENTS = Path(__file__).parent / "documents"

# name of the committed document -> the command line that writes it (with --json - added).
COMMANDS: dict[str, list[str]] = {
    "classical_chsh": ["classical", "chsh"],
    "nosignal_chsh": ["nosignal", "chsh"],
    "quantum_chsh_level1": ["quantum", "chsh", "--level", "1"],
    "quantum_i3322_level1AB": ["quantum", "i3322", "--level", "1+AB"],
    "seesaw_chsh": ["seesaw", "chsh", "--restarts", "2"],
    "seesaw_hardy": ["seesaw", "hardy", "--restarts", "1"],
    "gap_chsh": ["gap", "chsh", "--level", "1", "--restarts", "2"],
    "gap_dual_work": ["gap", "dual_work", "--fix", "split=4/5", "--level", "1", "--restarts", "2"],
    "pareto": ["pareto", "--points", "3", "--level", "1", "--jobs", "1"],
    "pareto_visibility": ["pareto", "--points", "3", "--level", "1", "--jobs", "1", "--visibility", "0.9"],
    "pareto_supply": ["pareto", "--points", "3", "--level", "1", "--jobs", "1", "--supply", "1/2"],
    "pareto_two_loads": ["pareto", "--points", "3", "--level", "1", "--jobs", "1", "--arrival-rate", "0.5,0.8"],
    "simulate": ["simulate", "--split", "1/2", "--pairs", "2000", "--seed", "1"],
    "convert_chsh": ["convert", "chsh", "--to", "coefficients"],
}


def _comparable(node: Any, parent: str | None = None) -> Any:
    """The document without what differs between identical runs: wall-clock times (keys
    ``seconds``, ``*_seconds``, ``timings``) and installed versions (``version`` inside
    ``tool`` or ``solver``). Everything else, floats included, must be reproduced exactly."""
    if isinstance(node, dict):
        return {
            key: _comparable(value, key)
            for key, value in node.items()
            if not (key == "seconds" or key.endswith("_seconds") or key == "timings"
                    or (key == "version" and parent in ("tool", "solver")))
        }
    if isinstance(node, list):
        return [_comparable(value, parent) for value in node]
    return node


def _differences(old: Any, new: Any, path: str = "$") -> list[str]:
    """Paths where two JSON values differ (type, keys, length or value), each with both sides,
    so a failure names what changed instead of printing two whole documents."""
    if type(old) is not type(new):
        return [f"{path}: {old!r} -> {new!r}"]
    if isinstance(old, dict):
        found = [f"{path}.{key}: only in the committed document" for key in old.keys() - new.keys()]
        found += [f"{path}.{key}: only in the new document" for key in new.keys() - old.keys()]
        if list(old) != list(new) and not found:
            found.append(f"{path}: key order {list(old)} -> {list(new)}")
        for key in old.keys() & new.keys():
            found += _differences(old[key], new[key], f"{path}.{key}")
        return sorted(found)
    if isinstance(old, list):
        if len(old) != len(new):
            return [f"{path}: {len(old)} items -> {len(new)}"]
        return [line for i, (a, b) in enumerate(zip(old, new)) for line in _differences(a, b, f"{path}[{i}]")]
    return [] if old == new else [f"{path}: {old!r} -> {new!r}"]


def run_command(arguments: list[str]) -> dict[str, Any]:
    """The document ``certify ARGUMENTS --json -`` prints, run in this process."""
    # One BLAS thread, as tests/conftest.py sets for the suite: the thread count is part of
    # the numerical path (tests/test_determinism.py), so the script that rewrites the
    # documents and the test must agree on it.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    from click.testing import CliRunner

    from certify.cli import main

    result = CliRunner().invoke(main, [*arguments, "--json", "-"], catch_exceptions=False)
    if result.exit_code != 0:
        raise RuntimeError(f"certify {' '.join(arguments)} exited {result.exit_code}: {result.output}")
    document: dict[str, Any] = json.loads(result.stdout)
    return document


@pytest.mark.parametrize("name", list(COMMANDS))
def test_document_unchanged(name: str) -> None:
    """The command's document equals the committed one, timings and versions aside."""
    committed = json.loads((DOCUMENTS / f"{name}.json").read_text(encoding="utf-8"))
    regenerated = run_command(COMMANDS[name])
    changes = _differences(_comparable(committed), _comparable(regenerated))
    assert not changes, (
        f"certify {' '.join(COMMANDS[name])} --json - changed ({len(changes)} differences; if meant, "
        f"run tests/documents/regenerate.py {name}):\n" + "\n".join(changes[:40])
    )


def test_every_committed_document_has_its_command() -> None:
    """No stale document lies in tests/documents/ without a command that checks it."""
    assert {path.stem for path in DOCUMENTS.glob("*.json")} == set(COMMANDS)


def test_comparison_sees_a_changed_float() -> None:
    """A float that moves in its last bit, or a key that goes, is a difference; only timings
    and versions are ignored."""
    document = {"tool": {"name": "certify", "version": "1"}, "value": 0.1 + 0.2, "seconds": 1.0,
                "solver": {"version": "2", "iterations": 7, "solve_seconds": 3.0}, "timings": {"solve": 1}}
    same = {"tool": {"name": "certify", "version": "9"}, "value": 0.30000000000000004, "seconds": 5.0,
            "solver": {"version": "8", "iterations": 7, "solve_seconds": 0.5}, "timings": {"solve": 2}}
    assert _differences(_comparable(document), _comparable(same)) == []
    moved = dict(same, value=0.3)
    assert _differences(_comparable(document), _comparable(moved)) == ["$.value: 0.30000000000000004 -> 0.3"]
    fewer = dict(same, solver={"version": "8", "iterations": 8})
    assert _differences(_comparable(document), _comparable(fewer)) == ["$.solver.iterations: 7 -> 8"]
