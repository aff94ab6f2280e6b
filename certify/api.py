"""The Python API: the functions the command line wraps, for notebooks and scripts.

    >>> import certify
    >>> chsh = certify.load("chsh")
    >>> certify.classical(chsh).exact
    Fraction(3, 4)

Every bound returns a Result (certify.report.results.Result) with ``value``,
``exact``, ``certified``, ``certificate`` and ``to_json()``; ``gap`` returns a
Gap with the three results and the advantage they prove; ``verify`` re-checks
a JSON document (a path or the parsed dictionary) without any solver.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .games.game import Game, game_from_mapping, load_game


def load(game, fixed=None):
    """A Game from a path, a bundled problem's name, a problem mapping, or a Game.

    ``fixed`` sets constraint values, e.g. {"split": "3/10"}.
    """
    if isinstance(game, Game):
        return game.with_fixed(fixed or {})
    if isinstance(game, dict):
        return game_from_mapping(game, "mapping").with_fixed(fixed or {})
    return load_game(str(game), fixed)


def game_from_arrays(coefficients=None, collins_gisin=None, inputs=None, outputs=None, sense="max", name="game"):
    """A Game from numbers: dense c[a, b, x, y] on p(a,b|x,y), or a Collins-Gisin table
    (then give ``inputs`` and ``outputs``). Entries may be ints, floats (taken as the
    exact binary rationals they are) or "p/q" strings."""
    def plain(array):
        return np.vectorize(lambda v: v if isinstance(v, str) else v.item() if hasattr(v, "item") else v,
                            otypes=[object])(np.asarray(array, dtype=object)).tolist()

    if (coefficients is None) == (collins_gisin is None):
        raise ValueError("give exactly one of coefficients and collins_gisin")
    if coefficients is not None:
        shape = np.shape(coefficients)
        if len(shape) != 4:
            raise ValueError("coefficients must have shape (oA, oB, iA, iB)")
        outputs, inputs = [shape[0], shape[1]], [shape[2], shape[3]]
        objective = {"coefficients": plain(coefficients)}
    else:
        if inputs is None or outputs is None:
            raise ValueError("a Collins-Gisin table needs inputs and outputs")
        objective = {"collins_gisin": plain(collins_gisin)}
    mapping = {"name": name, "inputs": list(inputs), "outputs": list(outputs), "sense": sense, "objective": objective}
    return game_from_mapping(mapping, name)


def classical(game, fixed=None):
    """Exact classical value with a rational certificate (certify.bounds.classical)."""
    from .bounds.classical import classical_value

    return classical_value(load(game, fixed))


def nosignal(game, fixed=None):
    """Exact no-signalling value with a rational certificate."""
    from .bounds.classical import nosignalling_value

    return nosignalling_value(load(game, fixed))


def quantum(game, level="2", solver=None, fixed=None):
    """Certified NPA bound at ``level`` (1, 2, "1+AB", ...) (certify.bounds.npa)."""
    from .bounds.npa import npa_bound

    return npa_bound(load(game, fixed), level=level, solver=solver)


def seesaw(game, dim=None, restarts=20, seed=0, projective=False, solver=None, fixed=None):
    """A quantum strategy found by see-saw, exactly checked (certify.bounds.seesaw);
    ``dim`` None tries each local dimension 2, ..., max(outputs) and keeps the best."""
    from .bounds.seesaw import seesaw_best

    return seesaw_best(load(game, fixed), dim=dim, restarts=restarts, seed=seed, projective=projective,
                       solver=solver)


def gap(game, level="2", dim=None, restarts=20, seed=0, solver=None, fixed=None):
    """Classical, see-saw and NPA bounds and the quantum advantage they prove."""
    from .bounds.gap import certified_gap

    return certified_gap(load(game, fixed), level=level, dim=dim, restarts=restarts, seed=seed, solver=solver)


def frontier(problem="dual_work", **options):
    """The dual-work Pareto frontiers (certify.scheduling.frontier.frontier)."""
    from .scheduling.frontier import frontier as run

    return run(str(problem), **options)


def simulate(problem="dual_work", **options):
    """Event simulation of the two queues (certify.scheduling.simulate.simulate)."""
    from .scheduling.simulate import simulate as run

    return run(str(problem), **options)


def verify(document):
    """Re-check a result document (path or dict); returns the list of checked items."""
    from .proofs.document import read_document
    from .proofs.verify import verify_document

    if isinstance(document, (str, Path)):
        return verify_document(read_document(document), str(document))
    return verify_document(document, "document")


def convert(game: str | Path | dict | Game, to: str = "collins-gisin", fmt: str = "toml",
            fixed: dict | None = None) -> str:
    """The game as a problem file in another notation (certify.games.notations): TOML or JSON
    text with exact rationals as "p/q" strings. ``to`` is "collins-gisin", "correlators"
    (two-outcome games only) or "coefficients". Loaded back, the text gives the same game on
    every no-signalling behaviour, and the same canonical SHA-256 whenever the notation can
    hold the game's tensor exactly (always for coefficients)."""
    from .games.notations import convert as run

    loaded = load(game, fixed)
    return run(loaded, to, fmt, source=str(game) if isinstance(game, (str, Path)) else loaded.name)[0]


# BibTeX of certify and of the paper its dual-work model comes from (certify cite).
# The paper's metadata (title, authors, date 2026-02-04, quant-ph with cs.DC) as its
# arXiv listing gives them.
PAPER_BIBTEX = """@misc{ferreiradasilva2026entanglement,
  title         = {Entanglement improves coordination in distributed systems},
  author        = {Ferreira da Silva, Francisco and Wehner, Stephanie},
  year          = {2026},
  eprint        = {2602.04588},
  archivePrefix = {arXiv},
  primaryClass  = {quant-ph},
  url           = {https://arxiv.org/abs/2602.04588},
}
"""


def cite() -> str:
    """BibTeX entries for certify (this version) and for the source of its dual-work model,
    Ferreira da Silva and Wehner, arXiv:2602.04588."""
    from . import __version__

    # @misc, not biblatex's @software: plain BibTeX styles know it
    software = (
        "@misc{certify,\n"
        "  title        = {certify: certified bounds for two-player non-local games},\n"
        "  author       = {{The certify developers}},\n"
        f"  howpublished = {{Python package, version {__version__}}},\n"
        "  year         = {2026},\n"
        "  note         = {Exact classical values, rigorous NPA bounds, see-saw strategies and the\n"
        "                  dual-work frontier of arXiv:2602.04588, each re-checked by certify verify},\n"
        "}\n"
    )
    return software + "\n" + PAPER_BIBTEX
