"""The solver registry's shape (certify/bounds/solvers/, docs/architecture.md): every backend maps
every status its solver can return onto certify's few, the preference orders are the measured
ones documented in npa_order's docstring and benchmarks/results/npa.md, and `installed` asks
without importing any solver.

The statuses a solver can return are read from the solver's own package (its documentation
string, its enum, its status table), not from certify, so a status a new release adds fails here.
"""

import ast
import importlib.util
import inspect
import json
import re
import subprocess
import sys
import warnings

import pytest

from certify.bounds import solvers
from certify.bounds.solvers import clarabel, cvxopt, mosek, scs, sdpa, ssnal
from certify.bounds.solvers.status import CVXPY_STATUS, STATUSES, collapse

BACKEND_MODULES = (mosek, clarabel, scs, cvxopt, sdpa, ssnal)


def test_every_backend_maps_onto_certifys_statuses():
    for backend in BACKEND_MODULES:
        assert backend.STATUS, backend.NAME
        assert set(backend.STATUS.values()) <= set(STATUSES), backend.NAME
        assert solvers.BACKENDS[backend.NAME] is backend


def test_cvxopt_map_covers_conelps_documented_statuses():
    """conelp's docstring: "The 'status' field has values 'optimal', 'primal infeasible',
    'dual infeasible', or 'unknown'" (CVXOPT 1.3, cvxopt/coneprog.py)."""
    from cvxopt import solvers as cvxopt_solvers

    found = re.search(r"The 'status' field has values(.*?)\.", cvxopt_solvers.conelp.__doc__, re.S)
    documented = set(re.findall(r"'([a-z ]+)'", found.group(1)))
    assert documented == {"optimal", "primal infeasible", "dual infeasible", "unknown"}
    assert documented <= set(cvxopt.STATUS)


def test_sdpa_map_covers_sdpas_phase_values():
    """SDPA's phase values, as sdpa-python's sdpap.py lists them (GET_PRIMAL_STATUS_FROM_DUAL)."""
    source = open(importlib.util.find_spec("sdpap.sdpap").origin, encoding="utf-8").read()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)  # sdpap.py's own docstrings
        warnings.simplefilter("ignore", DeprecationWarning)
        tree = ast.parse(source)
    phases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "GET_PRIMAL_STATUS_FROM_DUAL"
                                                for t in node.targets):
            phases = {key.value for key in node.value.keys} | {value.value for value in node.value.values}
    assert len(phases) == 10, phases
    assert phases <= set(sdpa.STATUS)


def test_clarabel_map_covers_every_solver_status():
    """Clarabel's SolverStatus enum, every member (its direct interface returns them)."""
    import clarabel as clarabel_package

    members = {name for name in dir(clarabel_package.SolverStatus) if not name.startswith("_")}
    assert {"Solved", "AlmostSolved", "PrimalInfeasible", "MaxIterations"} <= members
    assert members <= set(clarabel.STATUS)


def test_cvxpy_map_covers_every_cvxpy_status():
    """What Clarabel, SCS, MOSEK and CVXOPT return through cvxpy: cvxpy's statuses
    (cvxpy/settings.py: a solution present, infeasible or unbounded, an error)."""
    import cvxpy.settings as settings

    statuses = set(settings.SOLUTION_PRESENT) | set(settings.INF_OR_UNB) | set(settings.ERROR)
    assert statuses <= set(CVXPY_STATUS)
    assert scs.STATUS is CVXPY_STATUS and mosek.STATUS is CVXPY_STATUS
    assert collapse(settings.OPTIMAL) == "optimal" and collapse(settings.OPTIMAL_INACCURATE) == "inaccurate"
    assert collapse(settings.SOLVER_ERROR) == "failed" and collapse(None) == "failed"


def test_ssnal_map_covers_the_statuses_solve_ssnal_sets():
    """Every string solve_ssnal assigns to its ``status`` is in ssnal.STATUS."""
    tree = ast.parse(inspect.getsource(ssnal.solve_ssnal))
    assigned = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets = [t for target in node.targets for t in (target.elts if isinstance(target, ast.Tuple)
                                                                  else [target])]
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            for target, value in zip(targets, values if len(values) == len(targets) else []):
                if getattr(target, "id", "") == "status" and isinstance(value, ast.Constant):
                    assigned.add(value.value)
    assert assigned == {"optimal", "inaccurate"}
    assert assigned <= set(ssnal.STATUS)


def test_registry_order_is_the_documented_one(monkeypatch):
    """The table's order, and npa_order's measured order (its docstring, benchmarks/results/npa.md):
    below SSNAL_FROM moments cvxopt, sdpa, clarabel, ssnal, scs; up to SCHUR_LIMIT ssnal first;
    above it ssnal, scs, sdpa, cvxopt, clarabel; mosek first whenever installed; ssnal only without
    game constraints. The SDPs built in cvxpy: clarabel below LARGE, scs from LARGE up."""
    assert list(solvers.SOLVERS) == ["mosek", "clarabel", "scs", "cvxopt", "sdpa", "ssnal"]
    monkeypatch.setattr(solvers, "installed", lambda: list(solvers.SOLVERS))
    monkeypatch.setattr(solvers, "available_memory", lambda: 1 << 60)
    small, medium, large = solvers.SSNAL_FROM - 1, solvers.SCHUR_LIMIT, solvers.SCHUR_LIMIT + 1
    assert solvers.npa_order(20, small) == ["mosek", "cvxopt", "sdpa", "clarabel", "ssnal", "scs"]
    assert solvers.npa_order(60, medium) == ["mosek", "ssnal", "cvxopt", "sdpa", "clarabel", "scs"]
    assert solvers.npa_order(90, large) == ["mosek", "ssnal", "scs", "sdpa", "cvxopt", "clarabel"]
    assert solvers.npa_order(20, small, constrained=True) == ["mosek", "cvxopt", "sdpa", "clarabel", "scs"]
    monkeypatch.setattr(solvers, "installed", lambda: [n for n in solvers.SOLVERS if n != "mosek"])
    assert solvers.choose_solver(None, solvers.LARGE - 1) == "clarabel"
    assert solvers.choose_solver(None, solvers.LARGE) == "scs"
    assert (solvers.SSNAL_FROM, solvers.SCHUR_LIMIT, solvers.LARGE, solvers.POLISH) == (2000, 4000, 100, "cvxopt")


# In a fresh interpreter: the registry imported and asked what is installed, then the modules loaded.
INSTALLED_ALONE = (
    "import json, sys\n"
    "from certify.bounds import solvers\n"
    "print(json.dumps({'installed': solvers.installed(), 'modules': sorted(sys.modules)}))\n"
)
SOLVER_PACKAGES = ("cvxpy", "cvxopt", "clarabel", "scs", "_scs_direct", "sdpap", "mosek", "threadpoolctl")


def test_installed_imports_no_solver():
    completed = subprocess.run([sys.executable, "-c", INSTALLED_ALONE], capture_output=True, text=True,
                               timeout=120)
    assert completed.returncode == 0, completed.stderr
    answer = json.loads(completed.stdout)
    # the declared dependencies (pyproject.toml) are found ...
    assert {"clarabel", "scs", "cvxopt", "sdpa", "ssnal"} <= set(answer["installed"])
    # ... and none of them was imported to find it
    loaded = [m for m in answer["modules"] if m.split(".")[0] in SOLVER_PACKAGES]
    assert not loaded, loaded


# MOSEK is commercial and no dependency: it may or may not be found.
@pytest.mark.parametrize("backend", [b for b in BACKEND_MODULES if b is not mosek], ids=lambda b: b.NAME)
def test_each_backend_names_a_findable_module(backend):
    """MODULE is what `installed` looks for: for the declared dependencies it must be found."""
    assert importlib.util.find_spec(backend.MODULE) is not None, backend.MODULE
    assert backend.NAME in solvers.installed()


def test_cvxopt_prints_nothing_and_stops_by_its_own_tolerances(monkeypatch):
    """conelp runs with its progress off and the documented tolerances of CVXOPT_NPA, and what it
    returns is all that is read: CHSH at level 1 reaches Tsirelson's cos^2(pi/8) (Tsirelson 1980)
    within those tolerances, with the iteration count conelp reported."""
    import math

    from cvxopt import solvers as cvxopt_solvers

    from certify.games.game import load_game
    from certify.proofs.npa import parse_level, relaxation

    real, seen, before = cvxopt_solvers.conelp, [], dict(cvxopt_solvers.options)

    def conelp(*args, **kwargs):
        seen.append(dict(cvxopt_solvers.options))
        answer = real(*args, **kwargs)
        seen.append(answer)
        return answer

    monkeypatch.setattr(cvxopt_solvers, "conelp", conelp)
    solution = solvers.solve(relaxation(load_game("chsh"), parse_level("1")), "cvxopt")
    options, answer = seen
    assert options["show_progress"] is False
    assert {key: options[key] for key in ("abstol", "reltol", "feastol", "maxiters")} == {
        key: cvxopt.CVXOPT_NPA[key] for key in ("abstol", "reltol", "feastol", "maxiters")}
    assert answer["status"] == "optimal" and solution.solver["iterations"] == answer["iterations"]
    # 2.5e-8 on the gap and the residuals: the value within a few times that
    assert abs(solution.value - math.cos(math.pi / 8) ** 2) < 1e-7
    assert dict(cvxopt_solvers.options) == before  # CVXOPT's global options restored


def test_backends_import_only_the_shared_pieces():
    """docs/architecture.md: a backend imports status.py, moment.py and certify.errors, never the
    registry (which imports every backend) nor another backend."""
    allowed = {"certify.errors", "certify.bounds.solvers.status", "certify.bounds.solvers.moment"}
    for backend in BACKEND_MODULES:
        tree = ast.parse(inspect.getsource(backend))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = "certify.bounds.solvers".split(".")[: 3 - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                assert target in allowed, f"{backend.NAME} imports {target}"
