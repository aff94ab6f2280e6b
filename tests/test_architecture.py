"""The package's shape is part of its contract (docs/architecture.md): the import
graph read from the code has no circles, the trusted checker (certify/proofs)
imports only certify.errors, certify.games and exact-arithmetic or numeric
libraries, no module imports another's private names, and the Python API and
`python -m certify` work."""

import ast
import functools
import subprocess
import sys
from pathlib import Path

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
