"""One rounding rule for every output of a frontier: a lower bound down, an upper bound up, an
exact value to the nearest, in the terminal table, TeX, Markdown and (from its exact rationals)
CSV. TeX used to round the exact classical W down (0.45138889 became 0.45138888) and a max
game's classical optimum up (5/6 became 0.83333334) while the terminal rounded to the nearest."""

from __future__ import annotations

import csv
import re
from fractions import Fraction

from click.testing import CliRunner

from certify.cli import main
from certify.report.exports import decimal_down, decimal_nearest, decimal_up

OPTIONS = ["pareto", "--points", "5", "--level", "1", "--jobs", "1"]


def _numbers(line):
    return re.findall(r"-?\d+\.\d{8}\b", line)


def test_terminal_tex_markdown_and_csv_round_alike(tmp_path):
    runner = CliRunner(env={"COLUMNS": "200"})
    tables = {}
    for suffix in ("tex", "md", "csv"):
        path = tmp_path / f"frontier.{suffix}"
        result = runner.invoke(main, OPTIONS + ["--table", str(path)])
        assert result.exit_code == 0, result.output
        tables[suffix] = path.read_text()
        terminal = result.stdout
    # W classical, W quantum >=, W quantum <=: the three 8-decimal columns, row by row
    shown = [_numbers(line)[:3] for line in terminal.splitlines() if len(_numbers(line)) >= 3]
    tex = [_numbers(line)[:3] for line in tables["tex"].splitlines() if line.rstrip().endswith(r"\\")
           and len(_numbers(line)) >= 3]
    md = [_numbers(line)[:3] for line in tables["md"].splitlines() if line.startswith("| 1/10")]
    rows = list(csv.DictReader(tables["csv"].splitlines()))
    exact = [[decimal_nearest(Fraction(row["W classical (exact min)"])),
              decimal_down(Fraction(row["W quantum >="])), decimal_up(Fraction(row["W quantum <= (explicit)"]))]
             for row in rows]
    assert len(exact) == 5
    assert shown == tex == md == exact
    assert "0.45138889" in terminal and "0.45138889" in tables["tex"]  # 65/144, exact, to the nearest


def test_a_max_game_classical_optimum_is_rounded_to_the_nearest_in_every_table(tmp_path):
    """An exact classical optimum of 5/6 (a max game) prints 0.83333333, never 0.83333334."""
    path = tmp_path / "five-sixths.toml"
    path.write_text('name = "five sixths"\ninputs = [2, 2]\noutputs = [2, 2]\nsense = "max"\n'
                    '[objective]\ndistribution = [["1/3", "1/6"], ["1/6", "1/3"]]\npayoff = "a == b"\n'
                    '[[constraints]]\nname = "split"\nexpression = "a != b"\nrelation = "=="\nvalue = "1/6"\n')
    for suffix in ("tex", "md"):
        table = tmp_path / f"gap.{suffix}"
        result = CliRunner().invoke(main, ["gap", str(path), "--level", "1", "--restarts", "1", "--table", str(table)])
        assert result.exit_code == 0, result.output
        classical = next(line for line in table.read_text().splitlines() if "classical optimum" in line)
        assert "0.83333333" in classical and "0.83333334" not in classical, classical
