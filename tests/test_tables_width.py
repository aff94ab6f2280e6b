"""Tables never cut a number: at any width a cell that does not fit folds onto more lines, and
output to a file or a pipe is printed at full width (`certify pareto > log` used to show 33.15...,
11/... and 0.8... instead of values; `certify regress` at 80 columns dropped a column).

The check: the characters a command prints (borders and white space aside) are the same at 60
or 80 columns as at full width; only the line breaks may differ.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from click.testing import CliRunner

from certify.cli import main

LAYOUT = re.compile(r"[\s\u2500-\u257f]")  # white space and box-drawing characters
COMMANDS = [
    ["pareto", "--points", "3", "--level", "1", "--jobs", "1"],
    ["regress", "tests/bounds.toml", "--only", "chsh"],
    ["classical", "chsh"],
    ["gap", "chsh", "--level", "1", "--restarts", "2"],
]


def _printed(words, columns):
    result = CliRunner(env={"COLUMNS": columns}).invoke(main, words, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


TIMES = re.compile(r"\d+(\.\d+)? s\b|(?<=seconds)[\s\u2502]*[\d.]+")  # run times differ between runs


def _characters(text):
    return Counter(LAYOUT.sub("", TIMES.sub("", text)))


@pytest.mark.parametrize("words", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
@pytest.mark.parametrize("columns", ["60", "80"])
def test_no_character_is_lost_at_a_narrow_width(words, columns, monkeypatch):
    monkeypatch.chdir(__file__.rsplit("/tests/", 1)[0])
    if words[0] == "regress":
        words = words[:2]  # every recorded bound of the bundled problems: a wide table
    wide = _printed(words, None)  # not a terminal, no COLUMNS: full width
    narrow = _printed(words, columns)
    assert _characters(narrow) == _characters(wide)
    assert "\u2026" not in re.sub(r"sha256 [0-9a-f]{12}\u2026", "", wide)  # no ellipsis but the short hash
