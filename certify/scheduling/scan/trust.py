"""Whether a cell file of a scan folder is trusted, and the cell it must belong to.

A cell file is trusted, by the resume logic, the table and ``scan --report``
alike, only when the checker of ``certify verify`` accepts it and it is the
frontier of the cell it is filed under (``check_cell``): the grid is generated
again from the definition that scan.json carries (``scan_from_json``), and the
document's game, model, options and noise settings must be the ones that
cell's parameters generate. Any other file is reported as a failed cell,
moved to ``DIR/rejected/`` by the next run and computed again.

The resume logic (certify.scheduling.scan.run) and the report
(certify.report.scan_report) read every cell file through ``check_cell``.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ...errors import BadInput, CertifyError
from ...games.game import read_mapping
from .cell import problem_file, resolved_options
from .grid import Cell, canonical_json, frontier_functions

def cell_path(directory: str | Path, identifier: str, failed: bool = False) -> Path:
    return Path(directory) / "cells" / (f"{identifier}.failed.json" if failed else f"{identifier}.json")


@dataclass(frozen=True)
class CellCheck:
    """What a scan folder holds for one cell, after the trusted checker has read it.

    status "done": a document that ``certify verify`` accepts and that is the
    frontier of this very cell (its game, model, options and noise settings
    are the ones the cell's parameters generate); "failed": a failure record,
    or a document that is not that (``rejected``, with the reason); "missing".
    """

    status: str
    document: dict | None = None
    message: str = ""
    rejected: bool = False


_CHECKED = {}  # (cell id, SHA-256 of the cell file's bytes) -> CellCheck: a run and its table read each file once
_EXPECTED = {}  # cell id -> what its document must hold (the id is a hash of the cell's parameters)


def check_cell(directory: str | Path, cell: Cell) -> CellCheck:
    """The CellCheck of one cell of a scan folder (see CellCheck).

    A cell file is trusted only after two checks: the checker of ``certify
    verify`` (certify.proofs.verify.verify_document, with the dual-work model
    figures) accepts every claim in it, and the frontier it certifies is the
    one filed under this cell: same game (SHA-256 of the exact definition the
    cell's problem mapping generates), same model block (throughput, sizes,
    load), same frontier options, same visibilities and supply. A genuine
    document of another cell (two files swapped) passes the first check and
    fails the second; an edited number fails the first.
    """
    path = cell_path(directory, cell.id)
    if path.exists():
        try:
            from ...games.limits import limit

            if path.stat().st_size > limit("CERTIFY_MAX_FILE_MB") * 2**20:
                return _rejected(f"{path.name} is larger than CERTIFY_MAX_FILE_MB")
            content = path.read_bytes()
        except OSError as error:
            return _rejected(f"{path.name} cannot be read ({error.strerror})")
        key = (cell.id, hashlib.sha256(content).hexdigest())
        if key not in _CHECKED:
            if len(_CHECKED) > 4096:
                _CHECKED.clear()
            _CHECKED[key] = _check_document(path, content, cell)
        return _CHECKED[key]
    failed = cell_path(directory, cell.id, failed=True)
    if failed.exists():
        try:
            record = read_mapping(failed)
            message = f"{record['error']}: {record['message']}"
        except (BadInput, KeyError) as error:
            message = f"{failed.name} is not a failure record ({error})"
        return CellCheck("failed", message=message)
    return CellCheck("missing")


def _rejected(reason: str) -> CellCheck:
    from ...games.limits import shorten

    return CellCheck("failed", message=f"cell file rejected: {shorten(reason, 200)}", rejected=True)


def _check_document(path: Path, content: bytes, cell: Cell) -> CellCheck:
    """The CellCheck of a cell file's bytes (see check_cell)."""
    from ...proofs.document import parse_document
    from ...proofs.verify import checked_game, first_problem, verify_document
    try:
        data = parse_document(content.decode("utf-8"), str(path))
    except UnicodeDecodeError:
        return _rejected(f"{path.name} is not UTF-8 text")
    except BadInput as error:
        return _rejected(f"{path.name} is not a result document ({error.message})")
    try:
        items = verify_document(data, str(path))
    except CertifyError as error:  # a work limit met while checking: not trusted
        return _rejected(f"{path.name} cannot be verified ({error})")
    problem = first_problem(items)
    if problem is not None:
        return _rejected(f"{path.name} does not verify: {problem}")
    expected = _expected(cell)
    if isinstance(expected, str):
        return _rejected(f"this cell's parameters do not make a frontier ({expected})")
    game = checked_game(items)
    summary = data.get("summary")
    noise = [(entry.get("visibility_exact"), entry.get("supply", 1.0)) for entry in summary.get("noise", [])
             if isinstance(entry, dict)] if isinstance(summary, dict) else None
    if game is None or game.sha256 != expected["sha256"]:
        return _rejected(f"{path.name} certifies another game than this cell's parameters generate")
    if canonical_json(data.get("model")) != expected["model"]:
        return _rejected(f"{path.name} has another model (throughput, sizes or load) than this cell")
    options = data.get("options")
    # the axis labels a document carries are descriptive (the report shows the scan's own); the
    # frontier options, and the cell id they hash to with the problem, are what it computed
    options = {k: v for k, v in options.items() if k != "parameters"} if isinstance(options, dict) else options
    if canonical_json(options) != expected["options"]:
        return _rejected(f"{path.name} has other frontier options than this cell")
    if noise != expected["noise"]:
        return _rejected(f"{path.name} has other visibilities or supply than this cell")
    if "critical_visibility" in summary and not data["options"].get("critical"):
        return _rejected(f"{path.name} reports a critical visibility this cell did not ask for")
    return CellCheck("done", document=data)


def _expected(cell: Cell) -> dict | str:
    """What the document of a cell must hold, from its parameters alone (a message if they are bad).

    Built by the code that runs the cell: the game and model the problem
    mapping generates (certify.games.game_from_mapping, model_from_table),
    the options run_cell records, and the (visibility, supply) settings
    ``resolved_options`` gives the noisy frontier (none for the plain one).
    """
    if cell.id in _EXPECTED:
        return _EXPECTED[cell.id]
    from ...games.game import game_from_mapping
    from ...games.dualwork import model_from_table

    label = f"cell {cell.id}"
    try:
        game = game_from_mapping(copy.deepcopy(cell.problem), label)
        model = model_from_table(copy.deepcopy(cell.problem), label).to_json()
        with problem_file(cell.problem) as path:
            function, options = resolved_options(path, cell.options)
        noise = []
        if function is not frontier_functions()[0]:
            supply = options.get("supply", 1)
            noise = [(str(v), float(supply)) for v in options.get("visibilities", ())]
        expected = {
            "sha256": game.sha256,
            "model": canonical_json(json.loads(json.dumps(model))),
            "options": canonical_json({"cell": cell.id, **cell.options}),
            "noise": noise,
        }
    except CertifyError as error:
        expected = str(error)
    if len(_EXPECTED) > 4096:
        _EXPECTED.clear()
    _EXPECTED[cell.id] = expected
    return expected
