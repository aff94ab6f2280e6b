"""The package's shape is part of its contract (docs/architecture.md): the import
graph read from the code has no circles, the trusted checker (certify/proofs)
imports only certify.errors, certify.games and exact-arithmetic or numeric
libraries, no module imports another's private names, and the Python API and
`python -m certify` work."""

import ast
import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest

import certify

PACKAGE = Path(certify.__file__).resolve().parent


def _module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache  # three tests read every module's imports: each file is parsed once
def _imports(path):
    """(target module, imported names, line) for every import in a file, nested ones too."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [alias.name for alias in node.names]
            if node.module is None:  # from . import x: x is a module
                for alias in names:
                    found.append((f"{target}.{alias}", [], node.lineno))
            else:
                found.append((target, names, node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, [], node.lineno) for alias in node.names)
    return found


def _graph():
    modules = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        targets = set()
        for target, _, _ in _imports(path):
            while target and target not in modules:
                target = target.rsplit(".", 1)[0] if "." in target else ""
            if target and target != name and target != "certify":
                targets.add(target)
        graph[name] = targets
    return modules, graph


def test_import_graph_has_no_circles():
    _, graph = _graph()
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for child in graph.get(node, ()):
            if state.get(child) == "open":
                raise AssertionError("import circle: " + " -> ".join(trail + [node, child]))
            if child not in state:
                visit(child, trail + [node])
        state[node] = "done"

    for node in graph:
        if node not in state:
            visit(node, [])


def test_trusted_checker_imports_only_games_and_exact_libraries():
    allowed_inside = ("certify.errors", "certify.games", "certify.proofs")
    allowed_outside = {"__future__", "dataclasses", "fractions", "math", "numpy", "flint", "functools", "re",
                       "itertools", "json", "hashlib", "decimal", "collections", "typing"}
    for path in (PACKAGE / "proofs").rglob("*.py"):
        for target, _, line in _imports(path):
            if target.startswith("certify"):
                assert target.startswith(allowed_inside), f"{path.name}:{line} imports {target}"
            else:
                assert target.split(".")[0] in allowed_outside, f"{path.name}:{line} imports {target}"


def test_no_private_names_cross_modules():
    for path in PACKAGE.rglob("*.py"):
        for target, names, line in _imports(path):
            if target.startswith("certify"):
                private = [n for n in names if n.startswith("_") and n != "__version__"]
                assert not private, f"{path.relative_to(PACKAGE)}:{line} imports {private} from {target}"


def _resolved(target, modules):
    """The module of certify an import names: the longest prefix of ``target`` that is one
    (``from .. import __version__`` names the package root, certify)."""
    while target and target not in modules:
        target = target.rsplit(".", 1)[0] if "." in target else ""
    return target


def test_bounds_never_imports_report():
    """The pipeline runs one way: certify.report renders what certify.bounds finds, so no module
    of bounds/ imports report/ (the Result record lives in certify.bounds.result)."""
    for path in (PACKAGE / "bounds").rglob("*.py"):
        for target, _, line in _imports(path):
            assert not (target == "certify.report" or target.startswith("certify.report.")), \
                f"{path.relative_to(PACKAGE)}:{line} imports {target}"


def test_subpackages_never_import_the_package_root():
    """Importing the root (certify/__init__.py) from inside the package runs upward: the version
    is certify.version's, the API certify.api's. Neither games/, bounds/, proofs/, report/ nor
    scheduling/ imports the root or the API."""
    modules, _ = _graph()
    for folder in ("games", "bounds", "proofs", "report", "scheduling"):
        for path in (PACKAGE / folder).rglob("*.py"):
            for target, _, line in _imports(path):
                if target.startswith("certify"):
                    assert _resolved(target, modules) not in ("certify", "certify.api"), \
                        f"{path.relative_to(PACKAGE)}:{line} imports {target}"


def test_report_results_loads_neither_the_api_nor_search_code():
    """In a fresh interpreter, importing certify.report.results (what `certify verify --json`
    writes with) loads no certify.api and no module of certify.bounds: the root imports the API
    only when one of its functions is first named, and the Result record is re-exported lazily;
    the version still comes through (from the package metadata, certify.version)."""
    script = ("import json, sys\n"
              "import certify.report.results as results\n"
              "print(json.dumps({'modules': sorted(sys.modules), 'version': results.__version__}))\n")
    report = _fresh(script, [])
    loaded = [m for m in report["modules"] if m == "certify.api" or m == "certify.bounds" or m.startswith("certify.bounds.")]
    assert loaded == []
    assert report["version"] == certify.__version__ != "0.0.0+unknown"


def test_the_result_record_keeps_its_old_name():
    """``from certify.report.results import Result`` (and envelope) names the record of certify.bounds.result."""
    from certify.bounds import result
    from certify.report.results import Result, envelope

    assert Result is result.Result and envelope is result.envelope


def test_no_module_is_known_by_a_second_name():
    """Every module has the one name its file gives it: no module of certify assigns into
    sys.modules (an alias there hides where code lives from readers and from the import graph)."""
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Subscript) and ast.unparse(target.value) == "sys.modules":
                        raise AssertionError(f"{path.relative_to(PACKAGE)}:{node.lineno} aliases a module")


def test_version_of_a_source_checkout_is_pyproject_s():
    """Without installed metadata the version is read from the checkout's pyproject.toml, the
    file the metadata is built from: both give the same number here."""
    from certify import version

    assert version._source_version() == version.__version__ == certify.__version__


def test_python_api_runs_a_notebook_example():
    """CHSH through the API: classical 3/4 exactly, NPA level 1 cos^2(pi/8) (Tsirelson 1980)."""
    import numpy as np

    chsh = certify.load("chsh")
    result = certify.classical(chsh)
    assert result.certified and str(result.exact) == "3/4"
    assert result.to_json()["exact"] == "3/4"
    # the same game from a dense array V[a,b,x,y] / 4
    V = np.zeros((2, 2, 2, 2))
    for a, b, x, y in np.ndindex(2, 2, 2, 2):
        V[a, b, x, y] = ((a ^ b) == (x & y)) / 4
    same = certify.game_from_arrays(coefficients=V, name="CHSH")
    upper = certify.quantum(same, level=1)
    assert upper.certified and np.cos(np.pi / 8) ** 2 <= upper.value < np.cos(np.pi / 8) ** 2 + 1e-7
    items = certify.verify(result.to_json())
    assert items and all(item.ok for item in items)


def test_python_dash_m_certify_works():
    completed = subprocess.run([sys.executable, "-m", "certify", "classical", "chsh", "--json", "-"],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert '"exact": "3/4"' in completed.stdout


def test_solver_option_reaches_seesaw_and_correlator_bounds(tmp_path):
    """Every SDP goes through certify.bounds.solvers: --solver is honoured (or refused) everywhere."""
    import json

    from click.testing import CliRunner

    from certify.cli import main

    runner = CliRunner()
    refused = runner.invoke(main, ["seesaw", "cglmp3", "--dim", "2", "--restarts", "1", "--solver", "nonsense"])
    assert refused.exit_code == 2 and "unknown solver 'nonsense'" in refused.output
    out = tmp_path / "p.json"
    done = runner.invoke(main, ["pareto", "--points", "2", "--level", "none", "--jobs", "1", "--solver", "cvxopt",
                                "--json", str(out)])
    assert done.exit_code == 0, done.output
    point = json.loads(out.read_text())["certificate"]["points"][0]
    assert point["quantum_upper"]["solver"]["name"].startswith("cvxopt")
    assert point["quantum_lower"]["solver"]["name"].startswith("cvxopt")


# ---------------------------------------------------------------------------
# The checker stands alone at run time, not only in its import statements

# Search code, solvers and the application: none may be loaded by verifying a document.
# certify.games (the dual-work model included: verify regenerates a frontier's game from its
# model block) and exact or numeric libraries may.
NOT_IN_THE_CHECKER = ("certify.bounds", "certify.scheduling", "certify.report", "certify.cli", "highspy",
                      "scipy.optimize", "scipy.integrate", "cvxpy", "clarabel", "scs", "_scs_direct", "cvxopt",
                      "sdpap", "mosek", "ecos", "osqp", "threadpoolctl", "dask", "distributed", "matplotlib")

# In a fresh interpreter: import the checker, verify every document named on the command line,
# and report what was loaded.
CHECKER_ALONE = (
    "import json, sys\n"
    "import certify.games, certify.proofs\n"
    "from certify.proofs.document import read_document\n"
    "from certify.proofs.verify import verify_document\n"
    "verdicts = {}\n"
    "for path in sys.argv[1:]:\n"
    "    items = verify_document(read_document(path), path)\n"
    "    verdicts[path] = [item.path for item in items if not item.ok] if items else ['nothing checked']\n"
    "print(json.dumps({'failed': verdicts, 'modules': sorted(sys.modules)}))\n"
)

# The `certify verify` command line, document by document, then the modules it had loaded.
CLI_VERIFY = (
    "import json, sys\n"
    "from certify.cli import main\n"
    "codes = {}\n"
    "for path in sys.argv[1:]:\n"
    "    try:\n"
    "        main(['verify', path], prog_name='certify')\n"
    "    except SystemExit as done:\n"
    "        codes[path] = done.code\n"
    "print(json.dumps({'codes': codes, 'modules': sorted(sys.modules)}))\n"
)


def _solver_or_search(modules):
    return sorted(m for m in modules if any(m == name or m.startswith(name + ".") for name in NOT_IN_THE_CHECKER))


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """One document of every kind, written by the command line with small options (and a scan
    cell as a scan writes it)."""
    from click.testing import CliRunner

    from certify.cli import main
    from certify.report.results import write_json
    from certify.scheduling import scan as scans

    folder = tmp_path_factory.mktemp("documents")
    dual_work = (PACKAGE.parent / "problems" / "dual_work.toml").read_text(encoding="utf-8").split("[expected]")[0]
    link = folder / "link.toml"
    link.write_text(dual_work + '[link]\nrate = 0.5\nt2 = 20.0\ncutoff = 10.0\npolicy = "freshest"\n', encoding="utf-8")
    frontier = ["--points", "3", "--level", "1", "--jobs", "1"]
    commands = {
        "classical": ["classical", "chsh"],
        "quantum": ["quantum", "chsh", "--level", "1"],
        "seesaw": ["seesaw", "chsh", "--restarts", "2"],
        "gap": ["gap", "chsh", "--level", "1", "--restarts", "2"],
        "frontier": ["pareto", *frontier],
        "visibility": ["pareto", *frontier, "--visibility", "0.9"],
        "supply": ["pareto", *frontier, "--supply", "1/2"],
        "link": ["pareto", str(link), "--points", "3", "--level", "none", "--jobs", "1", "--link"],
        "loads": ["pareto", *frontier, "--arrival-rate", "0.1,0.3"],
        "simulate": ["simulate", "--split", "1/2", "--pairs", "2000"],
    }
    paths = []
    runner = CliRunner()
    for name, command in commands.items():
        path = folder / f"{name}.json"
        done = runner.invoke(main, [*command, "--json", str(path)])
        assert done.exit_code == 0, (name, done.output)
        paths.append(str(path))
    grid = folder / "grid.toml"
    grid.write_text('name = "grid"\nproblem = "dual_work"\n[model]\nthroughput = {family = "power", alpha = 0.8}\n'
                    '[options]\npoints = 3\nlevel = "none"\n[axes]\narrival_rate = [0.05, 0.4]\n', encoding="utf-8")
    cell = scans.load_scan(grid).cells[0]
    outcome = scans.run_cell(cell.to_json())
    assert outcome["status"] == "done", outcome
    write_json(outcome["document"], folder / "cell.json")
    paths.append(str(folder / "cell.json"))
    return paths


def _fresh(script, arguments):
    done = subprocess.run([sys.executable, "-c", script, *arguments], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_checker_verifies_every_kind_of_document_without_search_code_or_solvers(documents):
    """verify imports certify.proofs and certify.games only: after checking a classical, NPA, see-saw
    and gap result, plain, noisy (visibility), rationed (supply) and link frontiers, a several-load
    document, a simulation and a scan cell, no module of certify.bounds, certify.scheduling or
    certify.report, no LP or SDP solver and no scipy.optimize (scipy.integrate loads it) is loaded."""
    report = _fresh(CHECKER_ALONE, documents)
    assert report["failed"] == {path: [] for path in documents}
    assert _solver_or_search(report["modules"]) == []
    assert "certify.games.dualwork" in report["modules"]  # the frontiers' model figures were recomputed


def test_certify_verify_command_loads_no_search_code_or_solver(documents):
    """The `certify verify` command (certify.cli, which imports every command lazily) accepts every
    document with exit 0 and has loaded only the checker and the report renderer."""
    report = _fresh(CLI_VERIFY, documents)
    assert report["codes"] == {path: 0 for path in documents}
    allowed = ("certify.report", "certify.cli")  # the command renders the verdict
    assert [m for m in _solver_or_search(report["modules"]) if not m.startswith(allowed)] == []


def test_model_quadrature_without_scipy_integrate_is_exact_to_1e_13():
    """E[T(R)], R ~ Exp(r), is integrated by certify.games.throughput.adaptive_quadrature (numpy),
    since importing scipy.integrate loads scipy.optimize into the checker. Against closed forms:
    E[R^k] = Gamma(k + 1) / r^k, E[2 (R - 3)^+] = 2 e^{-3r} / r, and for min(R^2, 10 R)
    2/r^2 - e^{-10r} (100 + 20/r + 2/r^2) + 10 e^{-10r} (10 + 1/r); and against scipy's quad
    (epsrel 1e-11, as the figures of earlier documents were made) to the checker's 1e-12."""
    import math
    import warnings

    import numpy as np
    from scipy import integrate

    from certify.games.throughput import _TAIL, expected_run_value, parse_throughput

    closed = {  # E[T(R)] for R ~ Exp(r), written as general expressions (no family, no closed form in certify)
        "t*t**0.5": lambda r: math.gamma(2.5) / r**1.5,
        "t*t**1.5": lambda r: math.gamma(3.5) / r**2.5,
        "abs(t - 3) + t - 3": lambda r: 2 * math.exp(-3 * r) / r,
        "min(t**2, 10*t)": lambda r: (2 / r**2 - math.exp(-10 * r) * (100 + 20 / r + 2 / r**2)
                                      + 10 * math.exp(-10 * r) * (10 + 1 / r)),
    }
    for text, exact_at in closed.items():
        throughput = parse_throughput(text, None, "throughput")
        assert throughput.family is None  # a general expression: the quadrature's value is the one used
        for rate in (0.05, 0.55, 3.0):
            value = expected_run_value(throughput, rate)
            exact = exact_at(rate)
            assert abs(value - exact) <= 1e-13 * exact, (text, rate, value, exact)

            def integrand(u, throughput=throughput, rate=rate):
                return float(throughput(np.array([u / rate]))[0]) * math.exp(-u)

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", integrate.IntegrationWarning)
                quad, _ = integrate.quad(integrand, 0.0, _TAIL, points=[1.0, 5.0, 20.0], limit=400, epsabs=0.0,
                                         epsrel=1e-11)
            assert abs(value - quad) <= 1e-12 * abs(quad), (text, rate, value, quad)


def test_every_package_folder_is_installed():
    """pyproject.toml lists the packages `pip install .` copies (the problems folder is mapped in
    by package-dir): a folder left out installs a certify without it, which only a non-editable
    install shows (the suite runs on an editable one)."""
    import tomllib

    root = Path(__file__).resolve().parent.parent
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {".".join(path.parent.relative_to(root).parts) for path in (root / "certify").rglob("__init__.py")}
    assert folders | {"certify.problems"} == listed
