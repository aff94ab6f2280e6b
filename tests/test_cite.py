"""certify cite: BibTeX for certify and for the source of the dual-work model,
Ferreira da Silva and Wehner, "Entanglement improves coordination in
distributed systems", arXiv:2602.04588 (2026)."""

import re
from pathlib import Path

from click.testing import CliRunner

from certify import __version__
from certify.cli import main

ROOT = Path(__file__).resolve().parent.parent
ENTRY = re.compile(r"@(\w+)\{([\w:-]+),\n(.*?)\n\}\n", flags=re.DOTALL)
FIELD = re.compile(r"^  (\w+)\s*= \{", flags=re.MULTILINE)


def balanced(text):
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def test_cite_prints_two_bibtex_entries():
    result = CliRunner().invoke(main, ["cite"])
    assert result.exit_code == 0 and result.stderr == ""
    entries = ENTRY.findall(result.stdout)
    assert [kind for kind, _, _ in entries] == ["misc", "misc"]
    keys = [key for _, key, _ in entries]
    assert len(set(keys)) == 2
    for _, _, body in entries:
        assert balanced(body)
        assert {"title", "author", "year"} <= set(FIELD.findall(body))
    software, paper = entries[0][2], entries[1][2]
    assert __version__ in software
    assert "eprint        = {2602.04588}" in paper and "archivePrefix = {arXiv}" in paper
    assert "Entanglement improves coordination in distributed systems" in paper
    assert "Ferreira da Silva, Francisco and Wehner, Stephanie" in paper
    # everything printed is inside an entry
    assert ENTRY.sub("", result.stdout).strip() == ""


def test_readme_and_model_cite_the_paper():
    for name in ("README.md", "docs/model.md"):
        assert "arXiv:2602.04588" in (ROOT / name).read_text(encoding="utf-8"), name
