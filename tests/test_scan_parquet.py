"""results.parquet of a scan (certify scan --format parquet): the CSV's rows, typed, with exact rationals.

The cells are computed in this process (run_cell, no cluster), the report
writes results.csv and results.parquet, and the Parquet file is read back
with pyarrow and compared with the CSV row for row. The exact columns must
be the rationals the scan file wrote in decimal (0.05 is 1/20, 0.9 is 9/10)
and the splits of a 3-point grid on [0, 1] (0, 1/2, 1).
"""

import csv
import sys
from fractions import Fraction

import pyarrow.parquet as pq
from click.testing import CliRunner

from certify.cli import main
from certify.report.results import write_json
from certify.scheduling import scan as scans


def computed_scan(tmp_path):
    """A 2-cell scan with Werner pairs at visibility 0.9, its cells and results.csv written."""
    source = tmp_path / "werner.toml"
    source.write_text('name = "werner"\nproblem = "dual_work"\n[options]\npoints = 3\nlevel = "none"\n'
                      'visibility = 0.9\n[axes]\narrival_rate = [0.05, 0.4]\n', encoding="utf-8")
    scan = scans.load_scan(source)
    out = tmp_path / "out"
    (out / "cells").mkdir(parents=True)
    write_json(scan.to_json(), out / "scan.json")
    for cell in scan.cells:
        outcome = scans.run_cell(cell.to_json())
        assert outcome["status"] == "done", outcome
        write_json(outcome["document"], scans.cell_path(out, cell.id))
    scans.write_table(out, scan)
    return out


def test_parquet_holds_the_csv_rows_and_exact_rationals(tmp_path):
    out = computed_scan(tmp_path)
    result = CliRunner().invoke(main, ["scan", "--report", str(out), "--format", "parquet"])
    assert result.exit_code == 0, result.output
    assert f"table: {out / 'results.parquet'}" in result.output
    with open(out / "results.csv", newline="", encoding="utf-8") as stream:
        reader = csv.DictReader(stream)
        header, csv_rows = reader.fieldnames, list(reader)
    table = pq.read_table(out / "results.parquet")
    assert [name for name in table.column_names if not name.endswith("_exact")] == header
    rows = table.to_pylist()
    assert len(rows) == len(csv_rows) == 2
    for row, text in zip(rows, csv_rows):
        for column in header:
            value = row[column]
            if value is None:
                assert text[column] == "", column
            elif isinstance(value, bool):
                assert text[column] == str(value), column
            elif isinstance(value, (int, float)):
                assert float(text[column]) == value, column  # the same double as the CSV's digits
            else:
                assert text[column] == value, column
        exact = {name[:-len("_exact")]: row[name] for name in table.column_names if name.endswith("_exact")}
        for column, rational in exact.items():
            if rational is not None:
                assert float(Fraction(rational)) == row[column], column  # the exact value behind the float
        assert exact["werner_visibility"] == "9/10" and exact["supply"] == "1"
        for column in ("waiting_reduction_split", "throughput_gain_split", "certified_from", "certified_to"):
            assert exact[column] in ("0", "1/2", "1"), column
    assert [row["arrival_rate_exact"] for row in rows] == ["1/20", "2/5"]
    schema = table.schema
    assert str(schema.field("waiting_reduction").type) == "double"
    assert str(schema.field("certified").type) == "bool"
    assert str(schema.field("arrival_rate_exact").type) == "string"


def test_parquet_without_pyarrow_is_one_line_naming_the_extra(tmp_path, monkeypatch):
    out = computed_scan(tmp_path)
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow raises ImportError
    result = CliRunner().invoke(main, ["scan", "--report", str(out), "--format", "parquet"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "certify[parquet]" in lines[0] and "--format" in lines[0], lines
    assert not (out / "results.parquet").exists()
    assert not list(out.glob("heatmap-*"))  # refused before anything is drawn
