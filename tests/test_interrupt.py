"""Ctrl-C ends every command with exit status 130 (128 + SIGINT, the shells' convention)
and one line on stderr, no traceback; an interrupted scan says how many cells are done
and that running it again resumes.

Each command runs in its own process group and gets SIGINT on the whole group, as a
terminal's Ctrl-C reaches the command and every worker process it started (Dask's,
the frontier's pool). The signal is sent once the command is running: the child
prints a line after importing certify.cli (an interrupt inside the interpreter's own
imports is Python's, before any certify code runs), and for a scan once the scan has
written its manifest (its cluster is up), then a second later."""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

RUN = (
    "import sys\n"
    "from certify.cli import main\n"
    "print('ready', flush=True)\n"
    "main(sys.argv[1:], prog_name='certify')\n"
)


def _interrupt(arguments, cwd, started=None):
    """Run ``certify ARGUMENTS``, send SIGINT to its process group once it runs (and
    ``started()`` holds, if given), and return (status, stderr)."""
    child = subprocess.Popen([sys.executable, "-c", RUN, *arguments], cwd=cwd, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 300  # a guard against a hang, not a measurement
        while started is not None and not started() and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.1)
        time.sleep(1)  # well inside the work: each command below runs far longer
        assert child.poll() is None, "the command ended before it could be interrupted"
        os.killpg(child.pid, signal.SIGINT)
        _, stderr = child.communicate(timeout=300)
        # the command's workers end with it: on a busy machine the last may still be exiting
        # when the command has, so wait for them (a guard against a leak, not a measurement)
        deadline = time.monotonic() + 60
        while _group(child.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _group(child.pid) == [], ("worker processes outlived the command", _commands(_group(child.pid)))
    finally:
        if child.poll() is None or _group(child.pid):
            with contextlib.suppress(ProcessLookupError):  # the group may have just emptied
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    return child.returncode, stderr


def _group(pgid):
    """The live processes of process group ``pgid`` (Linux /proc; field 5 of stat)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(stat.parent.name)
    return members


def _commands(pids):
    """The command lines of ``pids``, for the failure message."""
    lines = []
    for pid in pids:
        try:
            lines.append((Path("/proc") / pid / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:200])
        except OSError:
            pass
    return lines


@pytest.mark.parametrize("arguments", [
    ["pareto", "--points", "201"],
    ["quantum", "i3322", "--level", "3"],
    ["seesaw", "cglmp6", "--restarts", "500"],
], ids=["pareto", "quantum", "seesaw"])
def test_ctrl_c_exits_130_with_one_line(arguments, tmp_path):
    status, stderr = _interrupt(arguments, tmp_path)
    assert status == 130, stderr
    *before, last = stderr.splitlines()
    assert last == "certify: interrupted" and "Traceback" not in stderr, stderr
    # the quantum command's size line comes before the solve; the interrupt adds one line
    assert all(line.startswith("certify: NPA level ") for line in before), stderr
    assert not list(tmp_path.iterdir())  # nothing written half-way


def test_ctrl_c_on_a_scan_is_one_line_and_says_it_resumes(tmp_path):
    """Before, the scan printed about 100 lines of Dask tracebacks and exited 1."""
    grid = tmp_path / "grid.toml"
    grid.write_text('name = "grid"\nproblem = "dual_work"\n[model]\nthroughput = {family = "power", alpha = 0.8}\n'
                    '[options]\npoints = 101\nlevel = "2"\n[axes]\narrival_rate = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5]\n',
                    encoding="utf-8")
    out = tmp_path / "out"
    status, stderr = _interrupt(["scan", str(grid), "--out", str(out), "--workers", "1"], tmp_path,
                                started=(out / "scan.json").is_file)
    assert status == 130, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert re.fullmatch(r"certify: interrupted; \d of 6 cells done; run the same command again to resume",
                        lines[0]), lines
    assert (out / "scan.json").is_file()  # the manifest a re-run resumes from

