"""`certify verify` on many documents: the command line finds the files and hands them
to worker processes; each worker runs the trusted checker (certify.proofs) on one file.

A folder stands for every *.json below it. A file that is a JSON document certify writes
but no result (a scan manifest, a failed cell's record, verify's own report) is counted
apart and named in a note; a file that cannot be read or parsed fails. The workers
import certify.proofs and certify.games only, like the one-file command."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import BadInput, CertifyError
from .exits import Failed
from .output import warn

VERIFIED, FAILED, OTHER = "verified", "failed", "other"


class Verdict(NamedTuple):
    """One file's outcome: status VERIFIED, FAILED or OTHER (no result document), the
    number of certificates checked and failed, and the first problem or what the file is."""

    path: str
    status: str
    checked: int
    failed: int
    text: str


def documents(paths: tuple[str, ...]) -> list[str]:
    """The files to check: each file as given, each folder's *.json (sorted, recursively);
    a file given twice is checked once. A path that does not exist, or a folder without
    any JSON, is bad input."""
    found: dict[str, None] = {}
    for text in paths:
        path = Path(text)
        if path.is_dir():
            below = sorted(str(p) for p in path.rglob("*.json") if p.is_file())
            if not below:
                raise BadInput(text, None, "the folder holds no *.json file")
            found.update(dict.fromkeys(below))
        elif path.exists():
            found[text] = None
        else:
            raise BadInput(text, None, "no such file or folder")
    return list(found)


def check_file(path: str) -> Verdict:
    """The trusted checker on one file (in a worker process): never raises for a bad file."""
    from ..proofs.document import read_document
    from ..proofs.verify import first_problem, other_document, verify_document

    try:
        data = read_document(path)
        what = other_document(data)
        if what is not None:
            return Verdict(path, OTHER, 0, 0, what)
        items = verify_document(data, path)
    except (CertifyError, OSError, RecursionError, ValueError) as error:  # unreadable or not JSON: it fails
        return Verdict(path, FAILED, 0, 0, str(error))
    bad = [item for item in items if not item.ok]
    if not items:
        return Verdict(path, FAILED, 0, 0, "nothing to check")
    return Verdict(path, FAILED if bad else VERIFIED, len(items), len(bad), first_problem(items) if bad else "")


def usable_cores() -> int:
    """The cores this process may run on (its affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_all(files: list[str]) -> list[Verdict]:
    """Every file checked, in parallel processes when there are several files and cores;
    verdicts in the order of ``files``."""
    workers = min(usable_cores(), len(files))
    if workers <= 1:
        return [check_file(path) for path in files]
    from ..processes import worker_pool

    # chunks of several files: one document takes milliseconds to a second, a task's
    # round trip about a millisecond
    chunk = max(1, len(files) // (workers * 4))
    with worker_pool(workers, lambda pool: pool.map(check_file, files, chunksize=chunk)) as verdicts:
        return list(verdicts)


def summary_line(verdicts: list[Verdict]) -> str:
    """N documents verified, M failed, K not result documents."""
    count = {status: sum(1 for v in verdicts if v.status == status) for status in (VERIFIED, FAILED, OTHER)}
    return (f"{count[VERIFIED]} documents verified, {count[FAILED]} failed, "
            f"{count[OTHER]} not result documents")


def failure_table(verdicts: list[Verdict]) -> Any:
    """A table of the files that failed: the file, its failed certificates, the first problem."""
    from rich.markup import escape
    from rich.table import Table

    from ..errors import printable

    table = Table(title="Documents that failed")
    for column in ("file", "failed", "first problem"):
        table.add_column(column, overflow="fold")
    for verdict in verdicts:
        if verdict.status == FAILED:
            counts = f"{verdict.failed} of {verdict.checked}" if verdict.checked else "-"
            table.add_row(escape(printable(verdict.path)), counts, escape(printable(verdict.text)))
    return table


def verify_many(paths: tuple[str, ...], json_path: str | None) -> None:
    """Verify several files and folders: notes for skipped files on stderr, the summary
    line and the table of failures on stdout (JSON with --json), exit 1 if any failed."""
    from ..report.tables import console

    verdicts = check_all(documents(paths))
    for verdict in verdicts:
        if verdict.status == OTHER:
            warn(f"certify: note: skipped {verdict.path}: {verdict.text}")
    failed = [verdict for verdict in verdicts if verdict.status == FAILED]
    if json_path != "-":
        console().print(summary_line(verdicts), markup=False, highlight=False)
        if failed:
            console().print(failure_table(verdicts))
    if json_path:
        from ..report.exports import write_json_output

        write_json_output({"command": "verify", "summary": summary_line(verdicts),
                           "certified": not failed, "checks": [v._asdict() for v in verdicts]}, json_path)
    if failed:
        raise Failed(f"certify: {len(failed)} of {len(verdicts)} documents failed, the first {failed[0].path}: "
                     f"{failed[0].text}")
