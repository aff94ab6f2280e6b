"""Hostile problem files and output paths on the command line, one test per class.

The companion of tests/test_hostile.py (numbers, nesting, work limits), with its helpers:
every refusal is one line on stderr, exit status 2, no traceback and nothing written;
inputs that used to take tens of seconds or gigabytes run in a forked child with a 10 s
timeout and 2 GB of address space (run_limited). Text from a file is data: it is printed
literally, never as rich markup, and its control characters are shown escaped. Output
paths that exist and are not regular files (a symlink, /dev/full, a FIFO) are written
through, never replaced by a regular file.
"""

import json
import os
import stat
import threading

import pytest
from click.testing import CliRunner

from certify.cli import main
from test_hostile import CHSH_SPLIT, assert_refused, problem, run, run_limited


def named(tmp_path, name):
    """CHSH with a split constraint under the game name ``name``, as a JSON problem file."""
    path = tmp_path / "game.json"
    path.write_text(json.dumps({**CHSH_SPLIT, "name": name}))  # a lone surrogate as "\ud800"
    return path


def invoke(*args):
    """The command line in-process; an exception other than SystemExit fails the test with
    its traceback (as a user would see it)."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


# ---------------------------------------------------------------------------
# Names from files print as text: rich markup, newlines, ANSI escapes, lone surrogates

NAMES = [
    ("[bold red]x[/]", "[bold red]x[/]"),  # markup would be applied (and vanish)
    ("[/]", "[/]"),  # rich raises MarkupError: closing tag has nothing to close
    ("CHSH\ncertified yes", "CHSH\\ncertified yes"),  # a fake line of output
    ("\x1b[31mred", "\\x1b[31mred"),  # restyles the terminal
    ("\ud800", "\\ud800"),  # JSON "\ud800": cannot be encoded to UTF-8 at all
]


@pytest.mark.parametrize("name, shown", NAMES)
def test_a_name_prints_literally_in_classical_and_verify(tmp_path, name, shown):
    path = named(tmp_path, name)
    document = tmp_path / "result.json"
    done = invoke("classical", path, "--json", document)
    assert done.exit_code == 0, done.stderr
    assert shown in done.stdout
    assert "\x1b" not in done.stdout and "certified yes\n" not in done.stdout
    checked = invoke("verify", document)
    assert checked.exit_code == 0, checked.stderr
    assert f"game {shown}\n" in checked.stdout  # one line: the name cannot fake the sha256 line after it
    assert checked.stdout.count("\nsha256 ") == 1 and "\x1b" not in checked.stdout


def test_a_name_prints_literally_in_a_failed_verify(tmp_path):
    """A forged document carrying a hostile name: the failure is reported (exit 1), the name
    still printed as text in the table and on stderr."""
    document = tmp_path / "result.json"
    assert invoke("classical", named(tmp_path, "[/]\x1b[2J"), "--json", document).exit_code == 0
    data = json.loads(document.read_text())
    data["exact"] = "1"
    document.write_text(json.dumps(data))
    checked = invoke("verify", document)
    assert checked.exit_code == 1, checked.stderr
    assert "game [/]\\x1b[2J\n" in checked.stdout
    assert "\x1b" not in checked.stdout + checked.stderr
    assert checked.stderr.count("\n") == 1 and "Traceback" not in checked.stderr


def test_text_quoted_in_an_error_is_escaped(tmp_path):
    """An unknown key is quoted in the error line: its newline and escape code stay on it."""
    path = problem(tmp_path)
    data = json.loads(path.read_text())
    data["x\n\x1b[31mcertify: ok"] = 1
    path.write_text(json.dumps(data))
    code, stderr = run("classical", path)
    assert_refused(code, stderr, "x\\n\\x1b[31mcertify: ok: unknown key")


# ---------------------------------------------------------------------------
# Output paths: symlinks, devices and FIFOs are written through, never replaced


def _restore_dev_full():
    """Put /dev/full back (character device 1, 7) if a failing run replaced it by a regular
    file, which it can as root: the machine keeps its device whatever the test finds."""
    if not stat.S_ISCHR(os.lstat("/dev/full").st_mode) and os.geteuid() == 0:
        os.remove("/dev/full")
        os.mknod("/dev/full", 0o666 | stat.S_IFCHR, os.makedev(1, 7))
        os.chmod("/dev/full", 0o666)


def test_json_onto_dev_full_is_one_line_and_keeps_the_device(tmp_path):
    try:
        code, stderr = run("classical", "chsh", "--json", "/dev/full")
        assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)
    finally:
        _restore_dev_full()
    assert_refused(code, stderr, "certify: cannot write /dev/full: No space left on device")


@pytest.mark.parametrize("option, name", [("--plot", "full.png"), ("--table", "full.csv"), ("--json", "full.json")])
def test_every_pareto_output_writes_through_a_symlink_to_dev_full(tmp_path, option, name):
    link = tmp_path / name
    link.symlink_to("/dev/full")
    try:
        code, stderr = run("pareto", "--points", "2", "--level", "none", option, link)
    finally:
        _restore_dev_full()
    assert_refused(code, stderr, f"cannot write {link}: No space left on device")
    assert link.is_symlink() and os.readlink(link) == "/dev/full"
    assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temporary file left behind


def test_gap_table_writes_through_a_symlink(tmp_path):
    target = tmp_path / "target.md"
    target.write_text("old\n")
    link = tmp_path / "link.md"
    link.symlink_to(target.name)
    code, stderr = run("gap", "chsh", "--restarts", "1", "--table", link)
    assert code == 0, stderr
    assert link.is_symlink() and "| quantum advantage |" in target.read_text()


def test_json_through_a_symlink_keeps_the_link(tmp_path):
    target = tmp_path / "target.json"
    target.write_text("old\n")
    link = tmp_path / "link.json"
    link.symlink_to(target.name)
    code, stderr = run("classical", "chsh", "--json", link)
    assert code == 0, stderr
    assert link.is_symlink() and json.loads(target.read_text())["exact"] == "3/4"
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to("new.json")  # followed: the file it names is created
    assert run("classical", "chsh", "--json", dangling)[0] == 0
    assert dangling.is_symlink() and json.loads((tmp_path / "new.json").read_text())["exact"] == "3/4"


def test_json_into_a_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    code, stderr = run("classical", "chsh", "--json", fifo)
    reader.join(10)
    assert code == 0, stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(received[0])["exact"] == "3/4"


def test_regular_files_are_still_replaced_atomically(tmp_path):
    """A regular file is replaced by a rename: a reader holding the old file keeps it whole."""
    out = tmp_path / "out.json"
    out.write_text("old\n")
    with open(out) as held:
        assert run("classical", "chsh", "--json", out)[0] == 0
        assert held.read() == "old\n"
    assert json.loads(out.read_text())["exact"] == "3/4"
