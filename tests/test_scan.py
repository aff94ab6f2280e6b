"""Scans on Dask (certify.scheduling.scan).

Real clusters, tiny cells (3 to 5 splits, no NPA cross-check): one module
cluster started from the `dask scheduler` / `dask worker --nworkers 2` command
lines on 127.0.0.1 (as the README starts one), which every test here shares.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from certify.cli import main
from certify.errors import BadInput
from certify.scheduling import scan as scans
from certify.scheduling.frontier import frontier

ROOT = Path(__file__).resolve().parent.parent


def scan_file(folder, axes, points=3, name="tiny"):
    text = (
        f'name = "{name}"\nproblem = "dual_work"\n'
        '[model]\nthroughput = {family = "power", alpha = 0.8}\n'
        f'[options]\npoints = {points}\nlevel = "none"\n'
        f"[axes]\n{axes}\n"
    )
    path = Path(folder) / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def without_timings(node):
    if isinstance(node, dict):
        return {k: without_timings(v) for k, v in node.items() if k != "seconds"}
    if isinstance(node, list):
        return [without_timings(v) for v in node]
    return node


def cell_files(directory):
    return sorted(p for p in (Path(directory) / "cells").glob("*.json") if not p.name.endswith(".failed.json"))


# what a cell imports (certify.scheduling.scan.run_cell), for the nannies to import before they fork
PRELOAD = ("certify.scheduling.noise", "scipy.optimize", "clarabel")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """`dask scheduler` and `dask worker --nworkers 2 --nthreads 1` on a free port of 127.0.0.1,
    started by hand as the README does: the address. Workers stop first, then the scheduler
    (workers whose scheduler is gone spend seconds in reconnect timeouts before they exit).
    Their temporary files go to a pytest folder: a worker killed mid-cell leaves its cell's.
    The nannies fork their workers instead of spawning fresh interpreters (Dask's default), which
    import distributed again, and import what a cell needs (PRELOAD) once, before forking, instead of
    in each worker and in the worker a test's kill makes the nanny start: 3-4 s less CPU for the
    suite; a cell runs the same either way."""
    address = f"tcp://127.0.0.1:{free_port()}"
    dask = str(Path(sys.executable).parent / "dask")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               TMPDIR=str(tmp_path_factory.mktemp("dask-tmp")), DASK_DISTRIBUTED__WORKER__MULTIPROCESSING_METHOD="fork")
    quiet = {"env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    processes = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                                   "--no-dashboard"], **quiet)]
    try:
        processes.append(subprocess.Popen(
            [dask, "worker", address, "--host", "127.0.0.1", "--nworkers", "2", "--nthreads", "1", "--no-dashboard",
             *(word for module in PRELOAD for word in ("--preload-nanny", module))],
            **quiet))
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def client(cluster):
    from distributed import Client  # here: a worker whose files need no cluster is spared its 0.8 s import

    with Client(cluster, timeout="60s") as dask_client:
        yield dask_client


@pytest.fixture
def workers(client):
    """The client, once both workers are up (a worker killed by a test is restarted by its nanny)."""
    client.wait_for_workers(2, timeout=60)
    return client


def test_grid_matches_cells_run_one_by_one(workers, tmp_path):
    """A 2x2 scan on 2 workers gives, cell by cell, the frontier of the same problem run directly."""
    client = workers
    path = scan_file(tmp_path, 'arrival_rate = [0.05, 0.4]\n"throughput.alpha" = [0.5, 2.0]')
    scan = scans.load_scan(path)
    assert len(scan.cells) == 4
    outcome = scans.run_scan(scan, tmp_path / "out", client=client)
    assert (outcome.done, outcome.skipped, outcome.failed) == (4, 0, [])
    for cell in scan.cells:
        written = json.loads(scans.cell_path(tmp_path / "out", cell.id).read_text())
        assert written["options"]["parameters"] == cell.parameters
        assert written["model"]["arrival_rate"] == cell.parameters["arrival_rate"]
        assert written["model"]["throughput"]["parameter"] == cell.parameters["throughput.alpha"]
        # the same cell by hand: its problem as a file, the public frontier
        problem = tmp_path / f"{cell.id}.json"
        problem.write_text(json.dumps(cell.problem))
        direct = frontier(str(problem), None, points=3, level=None)
        points = [{k: v for k, v in point.items() if k != "results"} for point in direct.points]
        assert without_timings(written["points"]) == without_timings(json.loads(json.dumps(points)))
        assert written["summary"] == json.loads(json.dumps(direct.summary))
    rows = scans.read_rows(tmp_path / "out")
    assert [row["status"] for row in rows] == ["done"] * 4
    table = (tmp_path / "out" / "results.csv").read_text().splitlines()
    assert len(table) == 5 and table[0].startswith("cell,arrival_rate,throughput.alpha,status")
    # every cell document passes certify verify
    result = CliRunner().invoke(main, ["verify", str(cell_files(tmp_path / "out")[0])])
    assert result.exit_code == 0, result.output


def test_bad_cell_is_recorded_and_reported(cluster, workers, tmp_path):
    """An unstable load in one cell: recorded with its error, the other cells done, exit 1."""
    path = scan_file(tmp_path, "arrival_rate = [0.1, 1.5]", name="bad-cell")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["scan", str(path), "--out", str(out), "--scheduler", cluster])
    assert result.exit_code == 1, result.output
    assert "model.arrival_rate: load lambda E[S] = 1.5 must be below 1" in result.stderr
    assert len(cell_files(out)) == 1
    failed = list((out / "cells").glob("*.failed.json"))
    assert len(failed) == 1
    record = json.loads(failed[0].read_text())
    assert record["error"] == "BadInput" and record["parameters"] == {"arrival_rate": 1.5}
    table = (out / "results.csv").read_text()
    assert ",failed," in table and "must be below 1" in table
    report = CliRunner(env={"COLUMNS": "200"}).invoke(main, ["scan", "--report", str(out)])
    assert report.exit_code == 0, report.output
    assert "failed: BadInput" in report.output
    assert (out / "heatmap-arrival_rate.png").stat().st_size > 0


@pytest.mark.parametrize("text, key", [
    ('name = "x"\nbogus = 1\n[axes]\narrival_rate = [0.1]', "bogus"),
    ('name = "x"\n[axes]', "axes"),
    ('name = "x"\n[axes]\narrival_rate = 0.1', "axes.arrival_rate"),
    ('name = "x"\n[axes]\narrival_rate = {from = 0.1, to = 0.5, count = 0}', "axes.arrival_rate.count"),
    ('name = "x"\n[axes]\nlaw = [{sizes = "lognormal", sigmaa = 2}]', "axes.law[0].sigmaa"),
    ('name = "x"\n[options]\npoints = 1\n[axes]\narrival_rate = [0.1]', "options.points"),
    ('name = "x"\n[options]\nlevel = "7x"\n[axes]\narrival_rate = [0.1]', "options.level"),
    ('name = "x"\n[model]\nrate = 1\n[axes]\narrival_rate = [0.1]', "model.rate"),
    ('name = "x"\nproblem = "nowhere"\n[axes]\narrival_rate = [0.1]', "problem"),
    ('name = "x"\nproblem = "chsh"\n[axes]\narrival_rate = [0.1]', "problem"),
])
def test_bad_scan_file_is_one_line_exit_2_nothing_written(tmp_path, text, key):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["scan", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"certify: error: {path}: {key}:"), lines
    assert not (tmp_path / "out").exists()


def test_ranges_and_bundles_expand_to_cells(tmp_path):
    path = scan_file(tmp_path, 'arrival_rate = {from = 0.01, to = 0.8, count = 3, spacing = "log"}\n'
                               'law = [{label = "exp"}, {label = "logn", sizes = "lognormal", sigma = 2.0}]')
    scan = scans.load_scan(path)
    assert scan.name == "tiny" and [axis.key for axis in scan.axes] == ["arrival_rate", "law"]
    assert [label for label, _ in scan.axes[0].values] == [0.01, 0.0894427191, 0.8]
    logn = [cell for cell in scan.cells if cell.parameters["law"] == "logn"]
    assert len(scan.cells) == 6 and len(logn) == 3
    assert all(cell.problem["model"]["sizes"] == "lognormal" and cell.problem["model"]["sigma"] == 2.0 for cell in logn)
    assert len({cell.id for cell in scan.cells}) == 6


def test_scan_on_dask_scheduler_and_workers_started_by_hand_survives_a_killed_client(cluster, workers, tmp_path):
    """On the cluster started by hand (`dask scheduler`, `dask worker --nworkers 2`, 127.0.0.1):
    `certify scan --scheduler` is killed (-9) after two cells, and the re-run computes only the others."""
    address = cluster
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    quiet = {"env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    path = scan_file(tmp_path, 'arrival_rate = [0.01, 0.03, 0.1, 0.2]\n"throughput.alpha" = [0.4, 1.2]',
                     name="by-hand")
    out = tmp_path / "out"
    client = subprocess.Popen([sys.executable, "-m", "certify.cli", "scan", str(path), "--out", str(out),
                               "--scheduler", address], **quiet)
    try:
        deadline = time.monotonic() + 120
        while len(cell_files(out)) < 2 and client.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(client.pid, signal.SIGKILL)
    finally:
        client.wait()
    finished = {p.name: p.stat().st_mtime_ns for p in cell_files(out)}
    assert 2 <= len(finished) < 8, f"{len(finished)} cells finished before the kill"
    from distributed import Client

    with Client(address, timeout="60s") as dask_client:
        names = dask_client.scheduler_info()["workers"]
        assert len(names) == 2 and all(name.startswith("tcp://127.0.0.1:") for name in names)
    result = CliRunner().invoke(main, ["scan", str(path), "--out", str(out), "--scheduler", address])
    assert result.exit_code == 0, result.output + result.stderr
    words = " ".join(result.output.split())
    assert f"{8 - len(finished)} computed now on 2 workers, {len(finished)} finished before, 0 failed" in words
    assert len(cell_files(out)) == 8
    assert all(p.stat().st_mtime_ns == finished[p.name] for p in cell_files(out) if p.name in finished)


def test_scan_files_in_docs_load():
    """The wide grid of the README and the reduced grid that was run stay valid scan files."""
    wide = scans.load_scan(ROOT / "docs" / "scans" / "advantage.toml")
    reduced = scans.load_scan(ROOT / "docs" / "scans" / "advantage-reduced.toml")
    assert (len(wide.cells), len(reduced.cells)) == (8 * 6 * 6 * 5, 4 * 3 * 5 * 5)


def test_noise_supply_and_link_options(workers, tmp_path):
    """visibility = V runs the Werner-pair frontier (V exact as written); supply = F rations perfect pairs;
    link = true takes supply and visibility from [link], whose keys are axes (link.rate)."""
    path = scan_file(tmp_path, "\n".join([
        "pairs = [",
        '  {label = "v 9/10", visibility = "9/10"}, {label = "v 1", visibility = 1},',
        '  {label = "supply 1/2", supply = "1/2"},',
        '  {label = "link 0.5", link = true, "link.rate" = 0.5}, {label = "link 5", link = true, "link.rate" = 5.0},',
        "]",
    ]), name="noise")
    path.write_text(path.read_text().replace("[options]", "[link]\nrate = 1.0\nt2 = 20.0\ncutoff = 10.0\n[options]"))
    scan = scans.load_scan(path)
    outcome = scans.run_scan(scan, tmp_path / "out", client=workers)
    assert (outcome.done, outcome.failed) == (5, [])
    rows = {row["pairs"]: row for row in scans.read_rows(tmp_path / "out")}
    assert [rows[k]["werner_visibility"] for k in ("v 9/10", "v 1", "supply 1/2")] == [0.9, 1.0, 1.0]
    assert [rows[k]["supply"] for k in ("v 9/10", "v 1", "supply 1/2")] == [1.0, 1.0, 0.5]
    # noise and rationing only remove advantage: V = 9/10 is above the critical 0.8017 at p = 1/2, lambda = 0.1
    assert 0 < rows["v 9/10"]["waiting_reduction_noisy"] < rows["v 1"]["waiting_reduction_noisy"]
    assert 0 < rows["supply 1/2"]["waiting_reduction_noisy"] < rows["v 1"]["waiting_reduction_noisy"]
    # a faster link delivers more and fresher pairs
    slow, fast = rows["link 0.5"], rows["link 5"]
    assert slow["supply"] < fast["supply"] and slow["werner_visibility"] < fast["werner_visibility"]
    with pytest.raises(BadInput, match=r"axes.visibility\[0\]: a visibility is in \[0, 1\]"):
        scans.load_scan(scan_file(tmp_path, "visibility = [1.5]", name="too-visible"))
    path.write_text(path.read_text().replace('"link.rate" = 0.5', '"link.speed" = 0.5'))
    with pytest.raises(BadInput, match=r"axes.pairs\[3\].link.speed: not a \[link\] key"):
        scans.load_scan(path)


def _report(directory):
    """`certify scan --report DIR`: (exit code, {cell id prefix: its table row's text})."""
    result = CliRunner(env={"COLUMNS": "400"}).invoke(main, ["scan", "--report", str(directory)])
    rows = {}
    for line in result.output.splitlines():
        cells = [cell.strip() for cell in line.split("│")]
        if len(cells) > 2 and len(cells[-2]) == 8:
            rows[cells[-2]] = line
    return result.exit_code, rows


def test_swapped_cells_are_rejected_by_the_report_and_run_again(cluster, workers, tmp_path):
    """Two genuine cell documents swapped between their files: each verifies on its own, but certifies
    another cell's frontier (another load), so the report lists both as rejected, credits neither
    load with the other's reduction, and the next run computes both again (none skipped)."""
    path = scan_file(tmp_path, "arrival_rate = [0.05, 0.4]", name="swap")
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["scan", str(path), "--out", str(out), "--scheduler", cluster]).exit_code == 0
    scan = scans.load_scan(path)
    first, second = (scans.cell_path(out, cell.id) for cell in scan.cells)
    honest = {row["cell"]: row["waiting_reduction"] for row in scans.read_rows(out)}
    assert len(set(honest.values())) == 2
    for name in (first, second):
        assert CliRunner().invoke(main, ["verify", str(name)]).exit_code == 0
    texts = first.read_text(), second.read_text()
    first.write_text(texts[1])
    second.write_text(texts[0])
    code, rows = _report(out)
    assert code == 0 and len(rows) == 2
    for line in rows.values():
        assert "certifies another game" in line and "yes" not in line
    assert [row["status"] for row in scans.read_rows(out)] == ["failed", "failed"]
    result = CliRunner().invoke(main, ["scan", str(path), "--out", str(out), "--scheduler", cluster])
    assert result.exit_code == 0, result.output
    assert "2 computed now on 2 workers, 0 finished before, 0 failed" in " ".join(result.output.split())
    assert {row["cell"]: row["waiting_reduction"] for row in scans.read_rows(out)} == honest
    assert sorted(p.name for p in (out / "rejected").iterdir()) == sorted([first.name, second.name])


def test_edited_cell_is_rejected_by_the_report_and_run_again(cluster, workers, tmp_path):
    """A cell file whose certified waiting reduction is edited to 50%: `certify verify` rejects it, so
    the report shows that cell failed (not "certified yes", no 50.00), and the next run computes it again
    while the untouched cell is skipped."""
    path = scan_file(tmp_path, "arrival_rate = [0.05, 0.4]", name="edit")
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["scan", str(path), "--out", str(out), "--scheduler", cluster]).exit_code == 0
    cell = scans.load_scan(path).cells[1]
    target = scans.cell_path(out, cell.id)
    document = json.loads(target.read_text())
    honest = document["summary"]["waiting_reduction"]["value"]
    document["summary"]["waiting_reduction"]["value"] = 0.5
    target.write_text(json.dumps(document))
    assert CliRunner().invoke(main, ["verify", str(target)]).exit_code == 1
    code, rows = _report(out)
    assert code == 0
    edited = rows[cell.id[:8]]
    assert "does not verify" in edited and "yes" not in edited and "50.00" not in edited
    others = [line for key, line in rows.items() if key != cell.id[:8]]
    assert len(others) == 1 and "yes" in others[0]
    result = CliRunner().invoke(main, ["scan", str(path), "--out", str(out), "--scheduler", cluster])
    assert result.exit_code == 0, result.output
    assert "1 computed now on 2 workers, 1 finished before, 0 failed" in " ".join(result.output.split())
    rows = {row["cell"]: row for row in scans.read_rows(out)}
    assert rows[cell.id]["status"] == "done" and rows[cell.id]["waiting_reduction"] == honest


def _folder(tmp_path, scan_json):
    folder = tmp_path / f"folder-{len(list(tmp_path.glob('folder-*')))}"
    folder.mkdir()
    (folder / "scan.json").write_text(scan_json if isinstance(scan_json, str) else json.dumps(scan_json))
    return folder


def test_report_on_garbage_is_one_line_exit_2(tmp_path):
    """`scan --report` on what is not a scan folder: one line naming the file and key, exit 2."""
    genuine = scans.load_scan(scan_file(tmp_path, "arrival_rate = [0.05, 0.4]")).to_json()
    swapped = json.loads(json.dumps(genuine))
    first, second = swapped["cells"]
    first["parameters"], second["parameters"] = second["parameters"], first["parameters"]
    older = {key: value for key, value in genuine.items() if key != "definition"}
    result_document = tmp_path / "classical.json"
    assert CliRunner().invoke(main, ["classical", "chsh", "--json", str(result_document)]).exit_code == 0
    cases = [
        (tmp_path / "nowhere", "--report"),
        (result_document, "--report"),  # a file, not a folder
        (_folder(tmp_path, result_document.read_text()), "scan.json: name"),
        (_folder(tmp_path, "[1, 2, 3]"), "scan.json"),
        (_folder(tmp_path, "not json at all"), "scan.json"),
        (_folder(tmp_path, older), "scan.json: definition"),
        (_folder(tmp_path, swapped), "scan.json: cells"),
        (_folder(tmp_path, dict(genuine, definition={"base": 1, "options": {}, "axes": []})), "scan.json: definition.base"),
    ]
    for folder, where in cases:
        result = CliRunner().invoke(main, ["scan", "--report", str(folder)])
        lines = result.stderr.strip().splitlines()
        assert result.exit_code == 2 and len(lines) == 1, (folder, result.output, result.stderr)
        assert lines[0].startswith("certify: error:") and where in lines[0], lines
        assert "Traceback" not in result.output
    assert CliRunner().invoke(main, ["scan", "--report", str(_folder(tmp_path, genuine))]).exit_code == 0


@pytest.mark.parametrize("axes, key, limit", [
    ("arrival_rate = {from = 1e308, to = -1e308, count = 3}", "axes.arrival_rate.from", "MAX_RANGE_END"),
    ("arrival_rate = {from = 1, to = " + "9" * 400 + ", count = 3}", "axes.arrival_rate.to", "MAX_RANGE_END"),
    ('arrival_rate = {from = 1e-300, to = 1e300, count = 3, spacing = "log"}', "axes.arrival_rate.to", "MAX_RANGE_END"),
    ("arrival_rate = {from = 0.1, to = 0.2, count = " + "9" * 40 + "}", "axes.arrival_rate.count", "MAX_AXIS_VALUES"),
    ('arrival_rate = {from = 0.1, to = 0.2, count = 10000}\n"throughput.alpha" = {from = 0.1, to = 2, count = 10000}',
     "axes", "MAX_CELLS"),
    # refused as the file is read (certify.games.numbers), before any key is looked at
    ("arrival_rate = [0.1, inf]", None, "finite"),
    ("arrival_rate = [0.1, 1e400]", None, "finite"),
])
def test_overflowing_ranges_are_one_line_exit_2(tmp_path, axes, key, limit):
    """Ranges whose ends or sizes overflow a float, or a grid too large to expand: one line naming the
    key and the limit, exit 2, nothing written (they were tracebacks: OverflowError, ValueError)."""
    path = scan_file(tmp_path, axes, name="overflow")
    result = CliRunner().invoke(main, ["scan", str(path), "--out", str(tmp_path / "out")])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.output + result.stderr
    assert lines[0].startswith(f"certify: error: {path}: {key}:" if key else f"certify: error: {path}:"), lines
    assert limit in lines[0], lines
    assert not (tmp_path / "out").exists()


def test_relabelled_bundle_keeps_its_trusted_cells(tmp_path):
    """Cells written by run_cell (no cluster) are trusted; renaming a bundle's label in the scan file
    keeps the cell's parameters and id, so the same files stay trusted under the new label, while a
    file filed under the other cell's id is not."""
    from certify.report.results import write_json

    axes = 'law = [{label = "exp", sizes = "exponential"}, {label = "det", sizes = "deterministic"}]'
    scan = scans.load_scan(scan_file(tmp_path, axes, name="labels"))
    out = tmp_path / "out"
    (out / "cells").mkdir(parents=True)
    write_json(scan.to_json(), out / "scan.json")
    for cell in scan.cells:
        write_json(scans.run_cell(cell.to_json())["document"], scans.cell_path(out, cell.id))
    assert [(row["law"], row["status"]) for row in scans.read_rows(out)] == [("exp", "done"), ("det", "done")]
    renamed = scans.load_scan(scan_file(tmp_path, axes.replace('"exp"', '"exponential"'), name="labels"))
    assert [cell.id for cell in renamed.cells] == [cell.id for cell in scan.cells]
    write_json(renamed.to_json(), out / "scan.json")
    scans._CHECKED.clear()  # as a new process would read the folder: no verdict remembered
    scans._EXPECTED.clear()
    assert [(row["law"], row["status"]) for row in scans.read_rows(out)] == [("exponential", "done"), ("det", "done")]
    first, second = (scans.cell_path(out, cell.id) for cell in scan.cells)
    second.write_text(first.read_text())
    assert [row["status"] for row in scans.read_rows(out)] == ["done", "failed"]


def test_wide_log_range_is_computed_without_overflow(tmp_path):
    """Ends 1e-12 and 1e12 (the limit) on a log scale: high / low would be 1e24, harmless, but the
    values come from the logarithms' convex combination, which cannot overflow whatever the ends."""
    path = scan_file(tmp_path, 'arrival_rate = {from = 1e-12, to = 1e12, count = 5, spacing = "log"}', name="wide")
    assert [label for label, _ in scans.load_scan(path).axes[0].values] == [1e-12, 1e-06, 1.0, 1e6, 1e12]


# Last in the module: the killed worker's nanny starts a new one, which the tests above need not wait for.
def test_killed_worker_mid_scan_still_completes_every_cell(workers, tmp_path):
    """SIGKILL to a worker process while it runs a cell: Dask reschedules the cell, none is lost
    (the worker's nanny starts a new one)."""
    client = workers
    path = scan_file(tmp_path, "arrival_rate = [0.02, 0.2, 0.3, 0.6]", points=5, name="kill-worker")
    scan = scans.load_scan(path)
    pids = client.run(os.getpid)
    killed = []

    def kill_a_busy_worker(done, failed, running, total):
        if killed or done == 0:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            busy = {worker: keys for worker, keys in client.processing().items() if keys}
            if busy:
                worker, keys = next(iter(busy.items()))
                os.kill(pids[worker], signal.SIGKILL)
                killed.append(keys[0])
                return
            time.sleep(0.01)

    outcome = scans.run_scan(scan, tmp_path / "out", client=client, progress=kill_a_busy_worker)
    assert killed, "no worker was busy with a cell when one finished"
    assert outcome.failed == [] and outcome.done == 4
    assert len(cell_files(tmp_path / "out")) == 4


def test_summary_row_of_a_frontier_with_several_visibilities(tmp_path):
    """A frontier with several Werner visibilities has one headline per visibility and none of its
    own: its row carries each visibility's certified reduction and leaves the single-headline
    columns empty (it ended in a KeyError)."""
    path = tmp_path / "two.json"
    made = CliRunner().invoke(main, ["pareto", "--points", "3", "--level", "1", "--jobs", "1",
                                     "--visibility", "0.9,1", "--json", str(path)])
    assert made.exit_code == 0, made.output
    document = json.loads(path.read_text())
    row = scans.summary_row(document)
    assert row["waiting_reduction"] is None and row["throughput_gain"] is None
    for entry in document["summary"]["noise"]:
        key = f"waiting_reduction_noisy_v{entry['visibility_exact']}"
        assert row[key] == entry["waiting_reduction"]["value"]
