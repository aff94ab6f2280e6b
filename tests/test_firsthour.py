"""What a new user trips over in the first hour: see-saw dimensions chosen from the game, the
number of processes, regress and verify paths and --json, help pages, table rows true where
they are printed, benchmarks that write a new file unless --update."""

import importlib.util
import json
import math
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from certify import __version__
from certify.bounds.regress import load_bounds
from certify.bounds.seesaw import default_dimensions
from certify.cli import main
from certify.errors import BadInput
from certify.games.game import load_game
from certify.report.results import Result
from certify.report.tables import console, meaning, result_table
from certify.scheduling.workers import choose_jobs

ROOT = Path(__file__).resolve().parent.parent
CGLMP3_QUANTUM = 1 + math.sqrt(11 / 3)  # Acin, Durt, Gisin, Latorre, PRA 65, 052325 (2002), Bell form


def run(*args):
    return CliRunner(env={"COLUMNS": "200"}).invoke(main, list(args), catch_exceptions=False)


def rendered(table):
    terminal = console()
    with terminal.capture() as capture:
        terminal.print(table)
    return capture.get()


# --- 1. see-saw dimension defaults from the game ------------------------------


def test_default_dimensions_run_up_to_the_largest_number_of_outputs():
    assert default_dimensions(load_game("chsh")) == [2]
    assert default_dimensions(load_game("cglmp3")) == [2, 3]
    assert default_dimensions(load_game("cglmp4")) == [2, 3, 4]


def test_gap_cglmp3_without_options_reaches_the_qutrit_optimum():
    """`certify gap cglmp3` alone certifies 1 + sqrt(11/3) to 1e-6 (qubits reach only 2.62)."""
    result = run("gap", "cglmp3", "--json", "-")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    lower = data["quantum_lower"]
    assert data["certified"] and lower["certified"]
    assert lower["value"] <= CGLMP3_QUANTUM + 1e-12  # a lower bound: never above the quantum optimum
    assert CGLMP3_QUANTUM - lower["value"] < 1e-6
    assert lower["dimension"] == 3
    tried = lower["dimensions_tried"]
    assert set(tried) == {"2", "3"} and tried["2"] < tried["3"] == lower["value"]
    assert "dimension 3" in lower["method"] and "best of dimensions 2 to 3" in lower["method"]
    assert data["options"]["dim"] == "auto"


def test_explicit_dim_runs_only_that_dimension():
    result = run("seesaw", "chsh", "--dim", "3", "--restarts", "2", "--json", "-")
    data = json.loads(result.stdout)
    assert data["dimension"] == 3 and "dimensions_tried" not in data and data["options"]["dim"] == 3


# --- 2. --jobs chosen by measured benefit ---------------------------------------


def test_jobs_default_is_one_process_for_a_small_grid():
    jobs, reason = choose_jobs(21, cores=2)
    assert jobs == 1 and "21 points" in reason


def test_jobs_default_uses_processes_for_a_large_grid_whatever_the_load(monkeypatch):
    """The choice is recorded in the JSON, so it depends on the work and the cores only:
    the same command makes the same document on a busy machine and an idle one."""
    jobs, reason = choose_jobs(401, cores=2)
    assert jobs == 2 and "processes" in reason
    monkeypatch.setattr("os.getloadavg", lambda: (99.0, 99.0, 99.0))
    assert choose_jobs(401, cores=2) == (jobs, reason)
    assert choose_jobs(401, cores=1)[0] == 1
    assert choose_jobs(60, seesaw=True, cores=2)[0] == 2  # see-saw points are 5x dearer
    assert choose_jobs(5, requested=3) == (3, "--jobs 3")


def test_pareto_json_says_the_jobs_choice():
    result = run("pareto", "--points", "3", "--level", "none", "--json", "-")
    options = json.loads(result.stdout)["options"]
    assert options["jobs"] == 1 and "one process" in options["jobs_reason"]
    result = run("pareto", "--points", "3", "--level", "none", "--jobs", "1", "--json", "-")
    assert json.loads(result.stdout)["options"]["jobs_reason"] == "--jobs 1"


# --- 6. regress: paths, errors, --json; verify --json ----------------------------

CHSH_FILE = """name = "mine"
inputs = [2, 2]
outputs = [2, 2]
[objective]
distribution = "uniform"
payoff = "(a ^ b) == (x & y)"
"""


def _bounds(folder, body):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mine.toml").write_text(CHSH_FILE)
    path = folder / "bounds.toml"
    path.write_text(body)
    return path


def test_regress_resolves_problem_paths_against_the_bounds_file(tmp_path, monkeypatch):
    path = _bounds(tmp_path / "deep" / "dir", '[[bound]]\nproblem = "mine.toml"\ncommand = "classical"\nexpected = "3/4"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = run("regress", str(path), "--json", "-")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["command"] == "regress" and data["ok"] is True
    assert data["bounds"][0]["problem"] == "mine.toml" and data["bounds"][0]["value"] == 0.75


@pytest.mark.parametrize("entry, where, message", [
    ('problem = "missing.toml"\ncommand = "classical"\nexpected = 1', "bound[1].problem", "relative to the bounds file"),
    ('problem = "mine.toml"\ncommand = "classical"\nfix = { nothere = "1/2" }\nexpected = 1', "bound[1] (mine.toml classical nothere=1/2)", "nothere"),
    ('problem = "chsh"\ncommand = "quantum"\noptions = { level = "x7" }\nexpected = 1', "bound[1].options.level", ""),
    ('problem = "chsh"\ncommand = "seesaw"\noptions = { dim = 0 }\nexpected = 1', "bound[1].options.dim", "integer >= 1"),
    ('problem = "chsh"\ncommand = "quantum"\noptions = { solver = "nope" }\nexpected = 1', "bound[1].options.solver", "unknown solver"),
])
def test_regress_errors_name_the_entry_before_any_work(tmp_path, entry, where, message):
    good = '[[bound]]\nproblem = "chsh"\ncommand = "classical"\nexpected = "3/4"\n'
    path = _bounds(tmp_path, good + "\n[[bound]]\n" + entry + "\n")
    with pytest.raises(BadInput) as error:
        load_bounds(str(path))
    assert str(error.value).startswith(f"{path}: {where}") and message in str(error.value)
    result = run("regress", str(path))
    assert result.exit_code == 2 and result.stdout == "" and where in result.stderr


def test_regress_json_reports_drift_and_exits_1(tmp_path):
    path = _bounds(tmp_path, '[[bound]]\nproblem = "chsh"\ncommand = "classical"\nexpected = "1/2"\nname = "wrong"\n')
    result = run("regress", str(path), "--json", "-")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["drifted"] == ["wrong"]
    assert data["bounds"][0]["drift"] == pytest.approx(0.25) and data["bounds"][0]["expected_exact"] == "1/2"


def test_verify_json(tmp_path):
    out = tmp_path / "chsh.json"
    assert run("classical", "chsh", "--json", str(out)).exit_code == 0
    result = run("verify", str(out), "--json", "-")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["command"] == "verify" and data["ok"] is True
    assert data["checks"] == [{"result": "(top)", "kind": "classical", "ok": True, "value": 0.75, "exact": "3/4", "problems": []}]


def test_readme_documents_the_bounds_file_and_every_option():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("#### Bounds files"):]
    section = section[: section.index("\n## ")]
    for word in ("problem", "command", "options", "fix", "expected", "tolerance", "source", "name",
                 "level", "solver", "dim", "restarts", "seed", "projective", "relative to the bounds file"):
        assert word in section, word


# --- 7. help pages and -V -----------------------------------------------------


def test_help_points_to_the_formats():
    top = " ".join(run("--help").stdout.split())
    assert 'section "Games"' in top and 'section "Bounds files"' in top
    for command in ("classical", "nosignal", "quantum", "seesaw", "gap"):
        assert 'README.md, section "Games"' in " ".join(run(command, "--help").stdout.split()), command
    assert 'section "Bounds files"' in " ".join(run("regress", "--help").stdout.split())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "\n## Games\n" in readme and "\n#### Bounds files\n" in readme


def test_short_version_flag():
    for flag in ("-V", "--version"):
        result = run(flag)
        assert result.exit_code == 0 and __version__ in result.stdout


# --- 8. every table row true where it is printed --------------------------------


def test_no_exact_dash_and_no_one_rounds():
    text = run("quantum", "chsh", "--level", "1").stdout
    assert "exact" not in text.split("meaning")[1].split("certified")[0]  # no "exact -" row
    method = json.loads(run("seesaw", "chsh_split", "--fix", "split=0", "--restarts", "1", "--json", "-").stdout)["method"]
    # split = 0 forces P(a != b) to 0: met by each strategy exactly, no mixture to solve for
    assert method == ("see-saw, dimension 2, 1 restart + deterministic start, seed 0; constraint split forces "
                      "probabilities to 0, met exactly by exact projectors and a state orthogonal to the forbidden outcomes")
    method = json.loads(run("seesaw", "chsh", "--restarts", "1", "--json", "-").stdout)["method"]
    assert method == "see-saw, dimension 2, 1 restart + deterministic start, seed 0"


def test_seesaw_meaning_speaks_of_a_json_only_when_one_was_written(tmp_path):
    plain = " ".join(run("seesaw", "chsh").stdout.split())
    assert "in the JSON" not in plain and "a quantum strategy in local dimension 2 scores at least this" in plain
    out = tmp_path / "w.json"
    written = " ".join(run("seesaw", "chsh", "--json", str(out)).stdout.replace("│", " ").split())
    assert f"written to {out} scores at least this" in written and out.exists()
    mixed = " ".join(run("seesaw", "chsh_split").stdout.replace("│", " ").split())
    assert "a mixture of 2 quantum strategies in local dimension 2 scores at least this" in mixed


def test_failed_check_claims_nothing():
    game = load_game("chsh")
    failed = Result("seesaw", game, 0.9, None, False, {}, {}, 0.0, problems=["value differs"])
    assert meaning(failed).startswith("nothing is proven")
    exact = Result("classical", game, 0.75, Fraction(3, 4), True, {}, {}, 0.0)
    assert "│ exact     │ 3/4" in rendered(result_table(exact)) and meaning(exact) == "the classical maximum, exactly"
    assert "│ exact " not in rendered(result_table(failed)) and "nothing is proven" in rendered(result_table(failed))


# --- 9. benchmarks write a new file unless --update --------------------------------


def _results_file():
    spec = importlib.util.spec_from_file_location("results_file", ROOT / "benchmarks" / "results_file.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_results_go_to_a_new_file_unless_update(tmp_path):
    results_file = _results_file()
    committed = tmp_path / "results" / "seesaw.md"
    committed.parent.mkdir()
    committed.write_text("committed\n")
    runs = tmp_path / "runs"
    first = results_file.write("run 1\n", committed, runs=runs)
    second = results_file.write("run 2\n", committed, runs=runs)
    assert committed.read_text() == "committed\n"
    assert first != second and first.parent == runs and first.read_text() == "run 1\n"
    assert results_file.write("new\n", committed, update=True) == committed and committed.read_text() == "new\n"
    with pytest.raises(SystemExit):
        results_file.output_path(committed, output=str(committed))


@pytest.mark.parametrize("script", ["bench_classical.py", "bench_seesaw.py"])
def test_benchmark_scripts_offer_update(script):
    text = (ROOT / "benchmarks" / script).read_text()
    assert "results_file.add_arguments(parser, RESULTS)" in text
    assert "results_file.write(" in text and "RESULTS.write_text" not in text


def test_readme_bounds_example_is_a_valid_bounds_file(tmp_path):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("#### Bounds files"):]
    example = section[section.index("```toml\n") + 8: section.index("```", section.index("```toml\n") + 8)]
    path = tmp_path / "bounds.toml"
    path.write_text(example)
    entries = load_bounds(str(path))
    assert [e.label for e in entries] == ["CHSH, NPA 1+AB", "chsh_split classical split=9/10"]
    assert entries[1].fix == {"split": Fraction(9, 10)} and entries[0].options == {"level": "1+AB"}


def test_a_failed_polish_keeps_the_first_solvers_inaccurate_answer():
    """Item 1 needs it: Clarabel stops short on some see-saw steps of cglmp3 in dimension 3, and
    CVXOPT's polish then raised a SolverError, which lost the usable answer (main failed there)."""
    import cvxpy as cp

    from certify.bounds import solvers

    if solvers.POLISH not in solvers.installed():
        pytest.fail(f"{solvers.POLISH} is a declared dependency")

    class Problem:
        def __init__(self):
            self.calls, self.status = [], None

        def solve(self, solver, **options):
            self.calls.append(solver)
            if solver == solvers.SOLVERS[solvers.POLISH][0]:
                raise cp.error.SolverError("polish failed")
            self.status = "optimal_inaccurate"

    problem = Problem()
    assert solvers.solve_problem(problem) == (solvers.INACCURATE, "clarabel")
    assert len(problem.calls) == 3  # clarabel, the polish, clarabel again
    problem = Problem()
    assert solvers.solve_problem(problem, polish=False) == (solvers.INACCURATE, "clarabel")
    assert len(problem.calls) == 1


def test_no_row_points_to_a_json_that_was_not_written():
    text = " ".join(run("seesaw", "chsh", "--restarts", "3", "--visibility", "0.9").stdout.split())
    assert "in the JSON" not in text and "(exact rational: use --json)" in text


def test_verify_and_regress_json_follow_the_result_schema(tmp_path):
    import jsonschema

    from certify.report.schema import schema

    validator = jsonschema.Draft202012Validator(schema("result"))
    out = tmp_path / "chsh.json"
    run("classical", "chsh", "--json", str(out))
    verified = json.loads(run("verify", str(out), "--json", "-").stdout)
    validator.validate(verified)
    path = _bounds(tmp_path, '[[bound]]\nproblem = "mine.toml"\ncommand = "classical"\nexpected = "3/4"\n')
    validator.validate(json.loads(run("regress", str(path), "--json", "-").stdout))
    assert not validator.is_valid({k: v for k, v in verified.items() if k != "checks"})
    document = json.loads(out.read_text())
    assert not validator.is_valid({k: v for k, v in document.items() if k != "game"})  # results still need a game
