"""The see-saw's public entry points: a certified quantum lower bound as a Result.

``seesaw_bound`` runs the search in one local dimension (certify.bounds.seesaw.starts,
or certify.bounds.seesaw.zeros when constraints force probabilities to 0), mixes
strategies to meet the other constraints (certify.bounds.seesaw.mixtures), and
checks the witness with certify.proofs.seesaw.check_seesaw (exact rational
arithmetic, no solver); ``seesaw_best`` tries each of ``default_dimensions`` and
keeps the best certified witness. See-saw: Werner and Wolf, Quantum Inf.
Comput. 1, 1 (2001), arXiv:quant-ph/0102024; Liang and Doherty, Phys. Rev. A 75,
042103 (2007), arXiv:quant-ph/0608128.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import TYPE_CHECKING, Sequence

import numpy as np

from ...proofs.exact import sense_sign
from ...proofs.result import SEESAW_DIMENSIONS_SUFFIX, seesaw_method_text
from ...proofs.seesaw import SEESAW_DIGITS, check_seesaw, decimal_rounded, forced_zeros, seesaw_value_string
from ...errors import SolverFailed
from ..result import Result
from ..solvers import choose_solver
from .mixtures import Search, column_generation, exact_mixture
from .starts import check_work, optimise_tensor
from .strategy import QuantumStrategy
from .zeros import optimise_zero

if TYPE_CHECKING:
    from ...games.game import Game
    from ...proofs.deterministic import DeterministicStrategy
    from ...proofs.seesaw import SeesawCheck


def seesaw_bound(game: Game, dim: int = 2, restarts: int = 20, seed: int = 0, projective: bool = False,
                 solver: str | None = None) -> Result:
    """A certified quantum lower bound (upper bound for "min" games) by see-saw.

    Maximises s*c (s = sense_sign(game)) over mixtures of strategies in local
    dimension ``dim`` subject to the game's constraints (column generation,
    see certify.bounds.seesaw.mixtures), then checks the witness exactly with
    certify.proofs.seesaw.check_seesaw: it meets every constraint exactly, in rationals. When no
    mixture found meets the requested levels exactly (possible only when no
    classical strategy meets them), the witness is certified for the levels
    it does meet: the Result's game carries those levels, and ``method`` and
    ``details["requested"]`` say so. Never worse than the classical value.
    """
    from ..classical import InfeasibleConstraints, check_feasible, classical_value

    start = time.perf_counter()
    check_work(game.inputs, game.outputs, dim, restarts, game.source or None)
    sign = sense_sign(game)
    objective = game.objective * sign
    try:
        classical = classical_value(game)
    except (SolverFailed, InfeasibleConstraints):
        classical = None  # no classical strategy meets the constraints; a quantum one may
        check_feasible(game, "nosignalling")  # unless no no-signalling one does
    anchor = []
    if classical is not None and classical.certified:
        anchor = [
            (Fraction(entry["weight"]), QuantumStrategy.deterministic(_det(entry), game.outputs, dim))
            for entry in classical.certificate["mixture"]
        ]
    rounds, met = 0, None
    zeros, zero_constraints = forced_zeros(game)
    search = _search(zeros, game.inputs, game.outputs, dim, projective, solver)
    _, best = search(objective, restarts, seed)
    status = getattr(best, "stopped", "converged")
    kept = [k for k in range(len(game.constraints)) if k not in zero_constraints]
    if not kept:
        candidates = [[(Fraction(1), best)] if best is not None else [], anchor]
    else:
        pool, solutions, rounds = column_generation(
            game, objective, [s for _, s in anchor] + ([best] if best is not None else []), dim, restarts, seed,
            search, kept, bool(anchor))
        mixture, met = exact_mixture(game, pool, solutions, [w for w, _ in anchor])
        status = f"column generation: {column_generation.stopped}"
        candidates = [mixture, anchor]
    requested = game.fixed
    method = seesaw_method_text(
        dim, restarts, seed, rounds=rounds if kept else None, pool=len(pool) if kept else None,
        zero_names=[game.constraints[k].name for k in zero_constraints],
        missed={name: requested[name] for name in met} if met else None,
    )
    if met:
        game = game.with_fixed(met)
        candidates = [candidates[0]]  # the classical mixture is for the requested levels
    candidates = [c for c in candidates if c]
    if not candidates:  # no classical mixture, and no quantum strategy found meets the forced zeros
        raise SolverFailed(
            "see-saw", "infeasible",
            f"no strategy found in dimension {dim} meets the constraints that force probabilities to 0; "
            "check the constraints, or try a larger --dim or more --restarts",
        )
    certificate, check, details = _best_certificate(game, candidates, projective)
    details.update({
        "achieved": None if check.achieved is None else decimal_rounded(check.achieved, SEESAW_DIGITS),
        # the classical optimum is stated only where verify can prove it without an LP (no constraints)
        "classical": None if classical is None or classical.exact is None or game.constraints else str(classical.exact),
        "rounds": rounds,
    })
    if met:
        details["requested"] = requested
    return Result(
        command="seesaw",
        game=game,
        value=float(check.achieved) if check.achieved is not None else float(certificate.get("value", 0)),
        exact=None,
        certified=check.ok,
        certificate=certificate,
        solver={"name": f"see-saw (closed-form two-outcome steps; {choose_solver(solver, 0)} for more outcomes)",
                "status": status},  # what ended the search: converged, sweep limit, round limit
        seconds=time.perf_counter() - start,
        method=method,
        details=details,
        problems=check.problems,
    )


def default_dimensions(game: Game) -> list[int]:
    """The local dimensions see-saw tries when none is given: 2, ..., max(outputs).

    A projective measurement with m distinct non-zero answers needs dimension
    at least m, and the known optima of the m-output CGLMP games use two
    qudits of dimension m (Acin, Durt, Gisin and Latorre, Phys. Rev. A 65,
    052325 (2002), arXiv:quant-ph/0111143: 1 + sqrt(11/3) = 2.9148542 for
    m = 3, which qubits do not reach). Dimension 1 holds only the
    deterministic strategies, from which every run starts anyway. The
    largest is capped by CERTIFY_MAX_DIM (certify.games.limits).
    """
    from ...games.limits import limit

    return list(range(2, min(limit("CERTIFY_MAX_DIM"), max(2, *game.outputs)) + 1))


def seesaw_best(game: Game, dim: int | None = None, restarts: int = 20, seed: int = 0, projective: bool = False,
                solver: str | None = None) -> Result:
    """seesaw_bound in one dimension ``dim``, or (``dim`` None) in each of
    default_dimensions(game), keeping the best certified witness.

    A strategy in dimension d embeds in every larger dimension, but see-saw
    is a local search, so a smaller space can reach a better value; the runs
    are independent and the best (ties to the smaller dimension) is kept.
    details["dimension"] names the dimension of the witness, and with more
    than one tried details["dimensions_tried"] gives each one's value. A
    witness at the requested constraint levels beats one certified only at
    the levels it meets (see seesaw_bound), whatever their values.
    """
    dims = default_dimensions(game) if dim is None else [dim]
    start = time.perf_counter()
    sign = sense_sign(game)
    best, best_key, tried, failure = None, None, {}, None
    for d in dims:
        try:
            result = seesaw_bound(game, dim=d, restarts=restarts, seed=seed, projective=projective, solver=solver)
        except SolverFailed as error:
            if len(dims) == 1:
                raise
            failure, tried[str(d)] = error, None
            continue
        result.details["dimension"] = d
        tried[str(d)] = result.value if result.certified else None
        key = (result.certified, result.game.sha256 == game.sha256, sign * result.value)
        if best_key is None or key > best_key:
            best, best_key = result, key
    if best is None:
        raise failure
    if len(dims) > 1:
        best.details["dimensions_tried"] = tried
        best.method += SEESAW_DIMENSIONS_SUFFIX.format(first=dims[0], last=dims[-1])
        best.seconds = time.perf_counter() - start
    return best


def _det(entry: dict) -> DeterministicStrategy:
    """A deterministic strategy of the classical certificate's mixture, from its JSON."""
    from ...proofs.deterministic import DeterministicStrategy

    return DeterministicStrategy.from_json(entry)


def _search(zeros: np.ndarray, inputs: tuple[int, int], outputs: tuple[int, int], dim: int, projective: bool,
            solver: str | None) -> Search:
    """The see-saw search for a game: search(tensor, restarts, seed, initial=()) -> (value,
    strategy), by optimise_tensor, or by optimise_zero when constraints force zeros (the
    strategy is then None when none found meets them)."""
    if zeros.any():
        def search(tensor: np.ndarray, restarts: int, seed: int,
                   initial: Sequence[QuantumStrategy] = ()) -> tuple[float, QuantumStrategy | None]:
            """Strategies meeting the forced zeros exactly (certify.bounds.seesaw.zeros)."""
            return optimise_zero(tensor, zeros, inputs, outputs, dim, restarts, seed, projective, initial, solver)
    else:
        def search(tensor: np.ndarray, restarts: int, seed: int,
                   initial: Sequence[QuantumStrategy] = ()) -> tuple[float, QuantumStrategy | None]:
            """The unconstrained see-saw (certify.bounds.seesaw.starts)."""
            return optimise_tensor(tensor, inputs, outputs, dim, restarts, seed, projective, initial, solver)
    return search


def _best_certificate(game: Game, candidates: list[list[tuple[Fraction, QuantumStrategy]]],
                      projective: bool) -> tuple[dict, SeesawCheck, dict]:
    """Build and check each candidate mixture; keep the best that passes."""
    best = None
    for components in candidates:
        certificate = witness_certificate(game, components, projective)
        check = check_seesaw(game, certificate)
        key = (check.ok, -np.inf if check.achieved is None else float(check.achieved * sense_sign(game)))
        if best is None or key > best[0]:
            best = (key, certificate, check)
    _, certificate, check = best
    return certificate, check, dict(check.details)


def witness_certificate(game: Game, components: list[tuple[Fraction, QuantumStrategy]],
                        projective: bool = False) -> dict:
    """The JSON witness of a mixture [(Fraction weight, QuantumStrategy)], with its claimed value."""
    certificate = {
        "kind": "seesaw",
        "projective": bool(projective) or all(s.projective for _, s in components),
        "components": [{"weight": str(w), **s.to_json()} for w, s in components],
    }
    certificate["value"] = seesaw_value_string(game, certificate)
    return certificate
