"""Commands that check rather than compute: verify (the trusted checker on documents),
regress (recorded bounds recomputed) and schema (the published JSON Schemas)."""

from __future__ import annotations

import click

from .exits import Failed
from .verify_many import verify_many
from .options import BOUNDS_FORMAT, json_option
from .output import emit, warn


@click.command()
@click.argument("paths", metavar="RESULT.json|DIR...", nargs=-1, required=True)
@json_option
def verify(paths: tuple[str, ...], json_path: str | None) -> None:
    """Re-check every certificate in JSON results, without any solver.

    One file: its certificates in a table. Several files or folders (every *.json below a
    folder): checked in parallel processes, one summary line and a table of the failures;
    files that are no result document (a scan's scan.json) are skipped with a note."""
    from pathlib import Path

    if len(paths) == 1 and not Path(paths[0]).is_dir():
        verify_one(paths[0], json_path)
    else:
        verify_many(paths, json_path)


def verify_one(result_file: str, json_path: str | None) -> None:
    """One document: the header, a table of its certificates, exit 1 if any fails."""
    from ..proofs.document import read_document
    from ..proofs.verify import bundled_name_problem, checked_game, first_problem, verify_document
    from ..report.results import verification_json
    from ..report.tables import console, verify_header, verify_table

    items = verify_document(read_document(result_file), result_file)
    game = checked_game(items)
    note = bundled_name_problem(game) if game is not None else None
    if json_path != "-":
        console().print(verify_header(game, note))
    emit(verification_json(result_file, items, game, note), verify_table(result_file, items), json_path)
    if note:
        warn(f"certify: note: {note}")
    failed = [item for item in items if not item.ok]
    if failed:
        more = sum(len(item.problems) for item in failed) - 1
        raise Failed(f"certify: {len(failed)} of {len(items)} certificates failed: {first_problem(items)}"
                     + (f" (and {more} more)" if more > 0 else ""))


@click.command(epilog=BOUNDS_FORMAT)
@click.argument("bounds_file", metavar="BOUNDS.toml")
@json_option
def regress(bounds_file: str, json_path: str | None) -> None:
    """Recompute every recorded bound; exit 1 on any drift beyond its tolerance."""
    import time

    from ..bounds.regress import load_bounds, recompute, regress_json
    from ..report.tables import progress, regress_table

    start = time.perf_counter()
    entries = load_bounds(bounds_file)
    drifts = []
    with progress() as bar:
        task = bar.add_task("recomputing bounds", total=len(entries))
        for entry in entries:
            drifts.append(recompute(entry))
            bar.advance(task)
    data = regress_json(bounds_file, drifts, time.perf_counter() - start)
    emit(data, regress_table(bounds_file, drifts), json_path)
    failed = [d for d in drifts if not d.ok]
    if failed:
        raise Failed(f"certify: {len(failed)} of {len(drifts)} bounds drifted: "
                     + ", ".join(d.entry.label for d in failed))


@click.command()
@click.argument("kind", type=click.Choice(["problem", "result"]))
def schema(kind: str) -> None:
    """Print the JSON Schema (draft 2020-12) of problem files or of result documents."""
    from ..report.schema import schema_text

    click.echo(schema_text(kind), nl=False)


