"""The commands' work limits, applied by the checker to what a document would make it build.

A document is untrusted input: before any exact arithmetic, the moment matrix its NPA level
implies, the size of its see-saw witness, the patterns of a Werner-pair bound, the
no-signalling table and the strategies best response lists are bounded by the same limits
(certify.games.limits) the commands apply, so `certify verify` refuses in one line (exit 2)
what the command would have refused to make. One idea: the cost of a check, counted from the
document's sizes alone.
"""

from __future__ import annotations

import math

from ..errors import BadInput
from ..games.limits import check, check_strategies, limit, too_large
from .document import Malformed
from .npa import parse_level


def npa_rows(inputs, outputs, level, cap):
    """The side of the NPA moment matrix of ``level`` for a game's shape, counted in closed
    form without building it (more than ``cap`` is reported as cap + 1).

    The rows are the words (A-part, B-part) of the level (certify.proofs.npa): a player
    with q = i (o - 1) projectors has n(0) = 1 and n(L) = q ((i - 1)(o - 1))^(L - 1)
    reduced words of length L (no two neighbours ask the same question), so the size is
    the sum of n_A(i) n_B(j) over i + j <= length plus the extra families; the count
    stops as soon as it passes ``cap``, so that even a level of a million costs nothing.
    """
    (iA, iB), (oA, oB) = inputs, outputs

    def words(questions, answers, length):
        q, r = questions * (answers - 1), (questions - 1) * (answers - 1)
        if length == 0:
            return 1
        if q == 0 or (r == 0 and length > 1):
            return 0
        if r > 1 and (length - 1) * math.log2(r) > 64:
            return cap + 1
        return min(q * r ** (length - 1), cap + 1)

    longest_a = level.length if (iA - 1) * (oA - 1) else min(level.length, 1)
    longest_b = level.length if (iB - 1) * (oB - 1) else min(level.length, 1)
    size = 0
    for total in range(min(level.length, longest_a + longest_b) + 1):
        for i in range(max(0, total - longest_b), min(total, longest_a) + 1):
            size += words(iA, oA, i) * words(iB, oB, total - i)
        if size > cap:
            return cap + 1
    for i, j in level.extras:
        size += words(iA, oA, i) * words(iB, oB, j)
    return min(size, cap + 1)


def check_work(node, game, kind, certificate, source=None):
    """The work limits of the commands (certify.games.limits), applied to what a certificate
    would make the checker build, before any exact arithmetic: the NPA moment matrix
    (CERTIFY_MAX_MOMENT_MATRIX, counted in closed form from the stated level), the local
    dimension of see-saw witnesses (CERTIFY_MAX_DIM, from the stored operators' sizes), the
    measurement patterns of a Werner-pair bound (CERTIFY_MAX_PATTERNS), the no-signalling
    table (CERTIFY_MAX_LP_ENTRIES, as the command counts it) and the strategies best
    response lists (CERTIFY_MAX_STRATEGIES). A document
    beyond them is refused as bad input (LimitExceeded, exit status 2) naming the key, as
    the command would have refused to make it."""
    where = node.key("certificate")
    if kind in ("classical", "noisy-witness", "werner-dual", "werner-strategy") or (kind == "seesaw" and not game.constraints):
        check_strategies(game.inputs, game.outputs, source)
    if kind == "nosignalling":  # the dual's residual r = s c - lambda N - mu d spans every row and entry
        oA, oB, iA, iB = game.shape
        rows, columns = iA * iB + iA * oA * iB + iB * oB * iA + len(game.constraints), oA * oB * iA * iB
        check("CERTIFY_MAX_LP_ENTRIES", rows * columns, source, where,
              f"the no-signalling rows and behaviour entries make a {rows} x {columns} table")
    if kind == "werner-dual":  # one block per pair of subsets of questions answered projectively
        check("CERTIFY_MAX_PATTERNS", 2 ** min(sum(game.inputs), 64), source, where,
              f"a Werner-pair bound on {game.inputs[0]}x{game.inputs[1]} questions has 2^{sum(game.inputs)} "
              "measurement patterns to check")
    if kind == "npa":
        try:
            level = parse_level(certificate.get("level"), key=f"{where}.level")
        except BadInput as error:
            raise Malformed(f"{where}.level", error.message) from None
        cap = limit("CERTIFY_MAX_MOMENT_MATRIX")
        rows = npa_rows(game.inputs, game.outputs, level, cap)
        shown = f"more than {cap}" if rows > cap else str(rows)
        name = level.name if len(level.name) <= 20 else level.name[:20] + "..."
        check("CERTIFY_MAX_MOMENT_MATRIX", rows, source, f"{where}.level",
              f"NPA level {name} on {game.inputs[0]}x{game.inputs[1]} questions and {game.outputs[0]}x{game.outputs[1]} "
              f"answers needs a moment matrix of {shown} rows")
        factor = certificate.get("factor")
        bits = factor.get("bits") if isinstance(factor, dict) else None
        if isinstance(bits, int) and not isinstance(bits, bool):  # 2^bits scales every entry of the factor
            check("CERTIFY_MAX_DIGITS", bits * math.log10(2), source, f"{where}.factor.bits", f"a factor over 2^{bits}")
    witness = certificate.get("witness") if kind == "noisy-witness" else certificate
    if kind in ("seesaw", "noisy-witness") and isinstance(witness, dict):
        _witness_dimensions(witness, where, source)


def _witness_dimensions(witness: dict, where: str, source) -> None:
    """Refuse a see-saw witness of more than CERTIFY_MAX_COMPONENTS parts, or whose stored
    operators or state exceed CERTIFY_MAX_DIM, from the sizes of the lists alone: the check repairs d x d rational operators and forms
    (dA dB)-entry states, so a dimension-200 witness would take most of a minute."""
    largest = limit("CERTIFY_MAX_DIM")
    components = witness.get("components")
    if isinstance(components, list):  # about 3 ms each for qubits, far more in higher dimensions
        check("CERTIFY_MAX_COMPONENTS", len(components), source, f"{where}.components",
              f"a mixture of {len(components)} strategies")
    for index, component in enumerate(components if isinstance(components, list) else []):
        if not isinstance(component, dict):
            continue
        here = f"{where}.components[{index}]"
        state = component.get("state")
        entries = state.get("re") if isinstance(state, dict) else None
        if isinstance(entries, list) and len(entries) > largest**2:  # dA dB entries: one side is above the limit
            raise too_large("CERTIFY_MAX_DIM", source, f"{here}.state",
                            f"a state of {len(entries)} entries needs a local dimension above {largest}")
        for player in ("A", "B"):
            rows = component.get(player)
            operators = [op for row in rows if isinstance(row, list) for op in row] if isinstance(rows, list) else []
            for operator in operators:
                real = operator.get("re") if isinstance(operator, dict) else None
                if isinstance(real, list):
                    check("CERTIFY_MAX_DIM", len(real), source, f"{here}.{player}",
                          f"operators of local dimension {len(real)}")
