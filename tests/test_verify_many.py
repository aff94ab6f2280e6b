"""`certify verify` on several files and folders: every *.json below a folder, checked in
parallel processes, one summary line and a table of the failures, exit 1 if any failed;
files that are no result document (a scan manifest) skipped with a note."""

import json
import os
import subprocess
import sys

from click.testing import CliRunner

from certify.cli import main
from certify.cli.verify_many import check_all, documents


def _write(runner, arguments, path):
    done = runner.invoke(main, [*arguments, "--json", str(path)])
    assert done.exit_code == 0, done.output
    return path


def _folder(tmp_path):
    """Three genuine documents (CHSH classical 3/4 and NPA level 1 cos^2(pi/8), Tsirelson
    1980; a 3-point frontier), one forged (the classical value raised to 4/5, which no
    deterministic strategy of CHSH reaches) and a scan manifest, in a folder and a subfolder."""
    runner = CliRunner()
    folder = tmp_path / "documents"
    (folder / "sub").mkdir(parents=True)
    classical = _write(runner, ["classical", "chsh"], folder / "classical.json")
    _write(runner, ["quantum", "chsh", "--level", "1"], folder / "quantum.json")
    _write(runner, ["pareto", "--points", "3", "--level", "none", "--jobs", "1"], folder / "sub" / "frontier.json")
    forged = json.loads(classical.read_text())
    assert forged["exact"] == "3/4"
    forged["exact"] = "4/5"
    (folder / "sub" / "forged.json").write_text(json.dumps(forged))
    manifest = {"name": "grid", "axes": [{"key": "arrival_rate", "values": [0.1]}], "cells": []}
    (folder / "sub" / "scan.json").write_text(json.dumps(manifest))
    return folder


def test_verify_folder_summarises_and_fails_on_the_forgery(tmp_path):
    folder = _folder(tmp_path)
    done = subprocess.run([sys.executable, "-m", "certify", "verify", str(folder)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "COLUMNS": "300"})  # a row on one line (cells fold, never cut)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "3 documents verified, 1 failed, 1 not result documents"
    table = "\n".join(lines[1:])
    assert "forged.json" in table and "'4/5' is not the checked '3/4'" in table
    assert "classical.json" not in table  # the table lists failures only
    assert "Traceback" not in done.stderr
    assert f"certify: note: skipped {folder / 'sub' / 'scan.json'}: a scan manifest" in done.stderr
    assert done.stderr.splitlines()[-1].startswith("certify: 1 of 5 documents failed")


def test_verify_several_genuine_files_exits_0(tmp_path):
    folder = _folder(tmp_path)
    runner = CliRunner()
    report = tmp_path / "report.json"
    done = runner.invoke(main, ["verify", str(folder / "classical.json"), str(folder / "sub"), "--json", str(report)])
    assert done.exit_code == 1  # the subfolder holds the forgery
    data = json.loads(report.read_text())
    assert data["summary"] == "2 documents verified, 1 failed, 1 not result documents" and not data["certified"]
    ok = runner.invoke(main, ["verify", str(folder / "classical.json"), str(folder / "quantum.json")])
    assert ok.exit_code == 0, ok.output
    assert ok.output.splitlines()[0] == "2 documents verified, 0 failed, 0 not result documents"


def test_parallel_and_serial_verdicts_agree(tmp_path):
    """The process pool changes nothing but the time: the same verdict per file, in order."""
    from certify.cli.verify_many import check_file

    files = documents((str(_folder(tmp_path)),))
    assert [v.status for v in check_all(files)] == [check_file(path).status for path in files]
    assert sorted(v.status for v in check_all(files)) == ["failed", "other", "verified", "verified", "verified"]


def test_one_manifest_alone_still_says_what_it_is(tmp_path):
    folder = _folder(tmp_path)
    done = CliRunner().invoke(main, ["verify", str(folder / "sub" / "scan.json")])
    assert done.exit_code == 2
    assert "not a result document: a scan manifest" in done.output


def test_missing_path_and_empty_folder_are_bad_input(tmp_path):
    runner = CliRunner()
    (tmp_path / "empty").mkdir()
    assert runner.invoke(main, ["verify", str(tmp_path / "empty")]).exit_code == 2
    done = runner.invoke(main, ["verify", str(tmp_path / "nothere.json"), str(tmp_path / "empty")])
    assert done.exit_code == 2 and "no such file or folder" in done.output


def test_parallel_verify_loads_no_search_code(tmp_path):
    """As the one-file command (tests/test_architecture.py): after verifying a folder, the
    process that handed the files out has loaded no search code and no solver; the workers
    are forked from it and import only what check_file needs (certify.proofs)."""
    from test_architecture import _solver_or_search

    folder = _folder(tmp_path)
    script = ("import json, sys\nfrom certify.cli import main\n"
              "try:\n    main(['verify', sys.argv[1]], prog_name='certify')\nexcept SystemExit as done:\n"
              "    code = done.code\n"
              "print(json.dumps({'code': code, 'modules': sorted(sys.modules)}))\n")
    done = subprocess.run([sys.executable, "-c", script, str(folder)], capture_output=True, text=True, timeout=300)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 1  # the forgery
    allowed = ("certify.report", "certify.cli")
    assert [m for m in _solver_or_search(report["modules"]) if not m.startswith(allowed)] == []
