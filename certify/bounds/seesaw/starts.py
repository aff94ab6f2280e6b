"""Where the see-saw starts, and the nested restarts that make more restarts never worse.

Restarts run in batches (numpy broadcasting over restarts, the sweeps of
certify.bounds.seesaw.steps), from the best deterministic strategy, so the
result is never below the classical value, from maximally entangled states
with Fourier-basis measurements (the CGLMP measurements: Collins, Gisin,
Linden, Massar, Popescu, PRL 88, 040404 (2002)) and from seeded random
states and measurements. Restart k's start depends on (seed, k) alone and
its batch never changes, so more restarts never give a lower value
(``optimise_tensor``). ``check_work`` refuses a search too large before it
starts (certify.games.limits).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ...proofs.deterministic import best_deterministic_float
from ...errors import BadInput
from .steps import sweeps
from .strategy import QuantumStrategy, batch_behaviour

_BATCH = 4  # restarts swept together (numpy broadcasting); a restart's batch never changes
# a later search replaces the best so far only when better by this much (relative): values
# are computed with errors near 1e-15, and the exact repair moves them by as little
_BETTER = 1e-10


def _random_measurements(rng: np.random.Generator, R: int, inputs: int, outputs: int, d: int) -> np.ndarray:
    """Random projective measurements: Haar unitary bases, each vector to a random answer."""
    G = rng.normal(size=(R, inputs, d, d)) + 1j * rng.normal(size=(R, inputs, d, d))
    Q, _ = np.linalg.qr(G)
    labels = rng.integers(0, outputs, size=(R, inputs, d))
    ops = np.zeros((R, inputs, outputs, d, d), dtype=complex)
    for b in range(outputs):
        mask = (labels == b).astype(float)
        ops[:, :, b] = np.einsum("rxik,rxk,rxjk->rxij", Q, mask, Q.conj())
    return ops


def _restart_start(seed: int, index: int, inputs: tuple[int, int], outputs: tuple[int, int],
                   d: int) -> tuple[np.ndarray, np.ndarray]:
    """Restart ``index``'s random start (state M, measurements B), drawn from its own
    generator, numpy's SeedSequence(seed, spawn_key=(index,)) (the index-th child of
    SeedSequence(seed).spawn): it depends on (seed, index) alone, never on how many
    restarts run, so n + 1 restarts repeat the first n searches and add one."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))
    M = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    M /= np.linalg.norm(M)
    B = _random_measurements(rng, 1, inputs[1], outputs[1], d)[0]
    return M, B


def fourier_starts(inputs: tuple[int, int], outputs: tuple[int, int], d: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Maximally entangled starts with Bob measuring in shifted Fourier bases.

    psi = sum_j |jj>/sqrt d; Bob's question y measures the basis
    |l>_y = sum_j exp(2 pi i j (l + s y / iB) / d) |j>/sqrt d, vector l giving
    answer l mod oB, for s = +1 and s = -1 (the two relative orientations of
    his bases; Alice is fitted by the first step of the see-saw). For two
    questions these are the measurements that maximise the CGLMP expressions
    on the maximally entangled state (Collins, Gisin, Linden, Massar, Popescu,
    PRL 88, 040404 (2002), after Durt, Kaszlikowski and Zukowski, PRA 64,
    024101 (2001)); for more questions the chained Bell inequalities'
    (Barrett, Kent, Pironio, PRL 97, 170409 (2006)). The optimum of CGLMP for
    d > 2 uses a non-maximally entangled state (Acin, Durt, Gisin, Latorre,
    PRA 65, 052325 (2002)), which the see-saw's state step climbs to from
    here, where random starts in dimension 5 or 6 end below it. Returns a
    list of (M, B) like _restart_start.
    """
    if d < 2:
        return []
    iB, oB = inputs[1], outputs[1]
    j = np.arange(d)
    M = np.eye(d, dtype=complex) / np.sqrt(d)
    starts = []
    for orientation in (1, -1):
        B = np.zeros((iB, oB, d, d), dtype=complex)
        for y in range(iB):
            for l in range(d):
                v = np.exp(2j * np.pi * j * (l + orientation * y / iB) / d) / np.sqrt(d)
                B[y, l % oB] += np.outer(v, v.conj())
        starts.append((M.copy(), B))
    return starts


def optimise_tensor(tensor: np.ndarray, inputs: tuple[int, int], outputs: tuple[int, int], dim: int = 2,
                    restarts: int = 20, seed: int = 0, projective: bool = False,
                    initial: Sequence[QuantumStrategy] = (),
                    solver: str | None = None) -> tuple[float, QuantumStrategy]:
    """Maximise sum c[a,b,x,y] p(a,b|x,y) over quantum strategies in local dimension ``dim``.

    See-saw from the best deterministic strategy, from any strategies in
    ``initial`` (warm starts), from the maximally entangled Fourier starts
    (``fourier_starts``) and from ``restarts`` seeded random starts. Returns
    (value, QuantumStrategy); the value is recomputed from the returned
    strategy, so it is never above what the strategy reaches, and never below
    the deterministic optimum of the tensor (up to rounding).

    Restarts are nested: restart k starts from _restart_start(seed, k) and
    runs in batch k // _BATCH, whose members are fixed (a last, partial batch
    is filled up with the restarts after it, whose results are not used), so
    restart k is the same computation whatever the number of restarts. The
    best is chosen in a fixed order (deterministic, warm, Fourier, then
    restarts 0, 1, ...), a later one only when it beats the best so far by
    more than _BETTER (relative): far above the float error of a value, so a
    later choice is better in exact arithmetic too, and more restarts never
    give a lower value.
    """
    c = np.asarray(tensor, dtype=float)
    iA, iB = inputs
    oA, oB = outputs
    if c.shape != (oA, oB, iA, iB):
        raise ValueError(f"tensor has shape {c.shape}, expected {(oA, oB, iA, iB)}")
    check_work(inputs, outputs, dim, restarts)
    d = dim
    _, classical = best_deterministic_float(c)
    deterministic = QuantumStrategy.deterministic(classical, outputs, d)
    starts = [deterministic] + list(initial)
    fourier = fourier_starts(inputs, outputs, d)
    batches = [(
        np.array([s.state.reshape(d, d) / np.linalg.norm(s.state) for s in starts] + [M for M, _ in fourier]),
        np.array([s.A for s in starts] + [np.zeros((iA, oA, d, d), dtype=complex)] * len(fourier)),
        np.array([s.B for s in starts] + [B for _, B in fourier]),
    )]
    for first in range(0, restarts, _BATCH):
        drawn = [_restart_start(seed, k, inputs, outputs, d) for k in range(first, first + _BATCH)]
        batches.append((np.array([M for M, _ in drawn]), np.zeros((_BATCH, iA, oA, d, d), dtype=complex),
                        np.array([B for _, B in drawn])))
    # candidates in the order of the rule: the deterministic strategy as it is (a fixed
    # point of the sweeps, so compared explicitly), then every search's end point
    candidates = [(deterministic.value(c), deterministic)]
    floor, stops = -np.inf, []
    for index, (M, A, B) in enumerate(batches):
        _, M, A, B, stopped = sweeps(c, M, A, B, projective, solver, floor)
        stops.append(stopped)
        values = np.einsum("abxy,rabxy->r", c, batch_behaviour(M, A, B))
        count = len(values) if index == 0 else min(_BATCH, restarts - (index - 1) * _BATCH)
        for r in range(count):
            strategy = QuantumStrategy(M[r].reshape(-1), A[r], B[r], projective or (oA <= 2 and oB <= 2))
            candidates.append((float(values[r]), strategy))
        floor = max(floor, float(values.max()))
    best_value, strategy = candidates[0]
    for value, candidate in candidates[1:]:
        if value > best_value + _BETTER * (1 + abs(best_value)):
            best_value, strategy = value, candidate
    # what ended the sweeps (the see-saw's status says it)
    strategy.stopped = "sweep limit" if "sweep limit" in stops else "converged"
    return strategy.value(c), strategy


def check_work(inputs: tuple[int, ...], outputs: tuple[int, ...], dim: int, restarts: int,
               source: str | None = None) -> None:
    """Refuse see-saw work too large before starting it (certify.games.limits).

    The local dimension d is at most CERTIFY_MAX_DIM (each sweep holds
    d^4-entry matrices per restart, and the exact check repairs d x d
    rational operators), restarts at most CERTIFY_MAX_RESTARTS, and the
    deterministic start lists strategies (certify.bounds.classical).
    """
    from ...games.limits import check, check_strategies

    if dim < 1:
        raise BadInput(None, "--dim", f"the local dimension must be at least 1, got {dim}")
    if restarts < 0:
        raise BadInput(None, "--restarts", f"must be non-negative, got {restarts}")
    check("CERTIFY_MAX_DIM", dim, None, "--dim", f"local dimension {dim}", "choose a smaller --dim")
    check("CERTIFY_MAX_RESTARTS", restarts, None, "--restarts", f"{restarts} restarts", "choose fewer --restarts")
    check_strategies(inputs, outputs, source)
