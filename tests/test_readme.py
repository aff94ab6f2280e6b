"""The README's worked examples are real: each ```console block is run and compared.

Every line starting with "$ certify" is run through the CLI (in-process, 100
columns wide, as the README's output was made); the lines after it are its
expected output. Words must match exactly, numbers to six significant digits
(solver releases move the last digits of SDP values), numbers under 1e-6 only
as such (drifts and residuals are solver noise); timings and the long
rationals of rigorous SDP bounds are masked, and table borders ignored.
"""

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from certify.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"
VOLATILE = re.compile(r"second|elapsed|\d s$|took", re.IGNORECASE)


def blocks():
    """Each ```console block as a list of (command, expected output lines)."""
    text = README.read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.DOTALL):
        steps, command, expected = [], None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command:
                    steps.append((command, expected))
                command, expected = line[2:], []
            else:
                expected.append(line)
        if command:
            steps.append((command, expected))
        found.append(steps)
    return found


BOX = re.compile(r"[\u2500-\u257f]")  # table borders: their widths follow the numbers
LONG_RATIONAL = re.compile(r"-?\d{12,}/\d{12,}")
NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?|-?\d+e[-+]?\d+")


NOISE = 1e-6  # below this, a printed number is a drift or residual: solver noise, compared as 0


def _six_digits(match):
    """Numbers compared to six significant digits (solver versions move the last ones);
    magnitudes under NOISE (drifts, residuals) only as "below NOISE"."""
    value = float(match.group(0))
    return "~0" if abs(value) < NOISE else f"{value:.6g}"


def normalise(lines):
    """Lines as words: borders and spacing dropped, long rationals and timings masked."""
    cleaned = []
    for line in lines:
        line = BOX.sub(" ", line)
        if VOLATILE.search(line):
            line = re.sub(r"\d+(\.\d+)?", "#", line)
        line = LONG_RATIONAL.sub("#/#", line)
        line = NUMBER.sub(_six_digits, line)
        words = " ".join(line.split())
        if words:
            cleaned.append(words)
    return cleaned


def test_readme_shows_every_command():
    commands = {shlex.split(command)[1] for steps in blocks() for command, _ in steps}
    assert {"classical", "nosignal", "verify", "regress"} <= commands


@pytest.mark.parametrize("steps", blocks(), ids=[steps[0][0] for steps in blocks()])
def test_readme_example_output(steps, tmp_path, monkeypatch):
    """Run one block's commands in order in a fresh folder (later ones may read earlier files)."""
    monkeypatch.chdir(tmp_path)
    for name in ("tests", "problems"):
        (tmp_path / name).symlink_to(README.parent / name)
    runner = CliRunner(env={"COLUMNS": "100"})
    for command, expected in steps:
        words = shlex.split(command)
        assert words[0] == "certify"
        result = runner.invoke(main, words[1:], catch_exceptions=False)
        expected_status = 1 if any("exit status 1" in line for line in expected) else 0
        assert result.exit_code == expected_status, result.output
        shown = [line for line in expected if "exit status" not in line]
        assert normalise(result.stdout.splitlines()) == normalise(shown), command


def test_readme_python_examples_run():
    """Every ```python block of the README runs as written (the API section)."""
    text = README.read_text(encoding="utf-8")
    examples = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert examples
    for example in examples:
        exec(compile(example, "README.md", "exec"), {})


# ---------------------------------------------------------------------------
# Every genuine document verifies

PRODUCING = {"classical", "nosignal", "quantum", "seesaw", "gap", "pareto", "simulate"}
FILE_OPTIONS = {"--json", "--plot", "--table"}  # outputs beside the JSON: written elsewhere or not at all
# named in the README's prose rather than in a console block
PROSE_COMMANDS = ["certify seesaw cglmp3"]
BUNDLED_COMMANDS = (["classical"], ["nosignal"], ["quantum", "--level", "1"], ["seesaw", "--restarts", "2"])


def _json_command(command):
    """A README command's words with its output files dropped (the document is the same)."""
    words = shlex.split(command)[1:]
    kept, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in FILE_OPTIONS:
            skip = True
        elif word.split("=")[0] not in FILE_OPTIONS:
            kept.append(word)
    return kept


def _documents_commands():
    from certify.games.game import bundled_problems

    readme = [command for steps in blocks() for command, _ in steps] + PROSE_COMMANDS
    commands = [_json_command(c) for c in readme if shlex.split(c)[1] in PRODUCING]
    for name in bundled_problems():
        commands += [[words[0], name, *words[1:]] for words in BUNDLED_COMMANDS]
    return commands


def test_every_readme_example_and_bundled_problem_writes_a_document_that_verifies(tmp_path, monkeypatch):
    """The JSON of every README example command (its --json, --plot and --table outputs aside)
    and of every bundled problem under classical, nosignal, quantum (level 1) and seesaw
    (2 restarts) verifies: exit status 0, no failed certificate. A genuine document that
    verify rejects (the README's own `seesaw cglmp3`, whose dimensions_tried was once an
    unknown key) is a checker that cannot be trusted either way."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "problems").symlink_to(README.parent / "problems")
    runner = CliRunner()
    commands = _documents_commands()
    assert ["seesaw", "cglmp3"] in commands and any(c[0] == "pareto" for c in commands)
    rejected = []
    for index, words in enumerate(commands):
        path = tmp_path / f"document-{index}.json"
        made = runner.invoke(main, words + ["--json", str(path)])
        assert made.exit_code == 0, (words, made.output)
        checked = runner.invoke(main, ["verify", str(path)])
        if checked.exit_code != 0:
            rejected.append((" ".join(words), checked.stderr.strip()))
    assert not rejected, rejected
