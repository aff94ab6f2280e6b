"""The exact classical frontier and the envelope maths of its waiting reduction: the lower
convex hull of (split, W) over the classical behaviours that meet a game's other constraints
(the deterministic strategies' polytope, cut exactly by each row), and the rigorous bounds on
the largest reduction between that hull and the upper envelope of certified dual lines. Used
by the frontier check (certify.proofs.frontier) and by the producer, on the same certificates.
"""

from __future__ import annotations

import functools
from fractions import Fraction

import flint
import numpy as np

from .deterministic import all_strategies
from .exact import DOWN, UP, as_fmpq, as_fraction, safe_float


def hull_value(hull, p):
    """The exact classical frontier's W at split p (linear between the hull's vertices)."""
    for (x1, y1), (x2, y2) in zip(hull, hull[1:]):
        if x1 <= p <= x2:
            return y1 + (y2 - y1) * (p - x1) / (x2 - x1)
    raise ValueError(f"split {p} outside [0, 1]")


def upper_envelope(lines):
    """The lines that attain max_i (c_i + s_i p) somewhere, by slope (exact convex-hull trick)."""
    best = {}
    for c, s in lines:
        best[s] = max(best.get(s, c), c)
    envelope = []
    for s, c in sorted(best.items()):
        while len(envelope) >= 2:
            (c1, s1), (c2, s2) = envelope[-2], envelope[-1]
            # line 2 is never on top if line 3 overtakes line 1 no later than line 2 does
            if (c1 - c) * (s2 - s1) <= (c1 - c2) * (s - s1):
                envelope.pop()
            else:
                break
        envelope.append((c, s))
    return envelope


def reduction_bounds(hull, lines, certified, low=Fraction(0), high=Fraction(1)):
    """Rigorous bounds on sup over p in [low, high] of the relative and absolute waiting reduction.

    ``certified`` lists (p, W_q) with W_q the exact W of an explicit quantum
    strategy at split p: each gives a certified value (lower bounds on the
    suprema). ``lines`` are certified dual lines, so the quantum optimum
    Q(p) >= L(p) = max_i (c_i + s_i p), and C(p) is exact. On every interval
    between consecutive breakpoints of C and L both are linear, so C - L is
    linear and (C - L)/C monotone: the maxima over the breakpoints bound
    sup (C - Q) and sup (C - Q)/C from above, exactly. Needs C > 0 on
    [low, high]. Computed in python-flint's exact rationals (the envelope is
    evaluated at every breakpoint: thousands of products), answered in Fractions.
    """
    hull = [(as_fmpq(x), as_fmpq(y)) for x, y in hull]
    lines = [(as_fmpq(c), as_fmpq(s)) for c, s in lines]
    certified = [(as_fmpq(p), as_fmpq(w)) for p, w in certified]
    low, high = as_fmpq(low), as_fmpq(high)
    envelope = upper_envelope(lines)
    points = {low, high} | {x for x, _ in hull if low <= x <= high}
    for (c1, s1), (c2, s2) in zip(envelope, envelope[1:]):
        x = (c1 - c2) / (s2 - s1)
        if low <= x <= high:
            points.add(x)
    relative_up = absolute_up = flint.fmpq(0)
    for x in points:
        c = hull_value(hull, x)
        bound = max(ci + si * x for ci, si in envelope)
        absolute_up = max(absolute_up, c - bound)
        if c > 0:
            relative_up = max(relative_up, (c - bound) / c)
    relative, absolute = (flint.fmpq(0), None), (flint.fmpq(0), None)
    for p, w in certified:
        if not low <= p <= high:
            continue
        c = hull_value(hull, p)
        if c - w > absolute[0]:
            absolute = (c - w, p)
        if c > 0 and (c - w) / c > relative[0]:
            relative = ((c - w) / c, p)

    def pair(value, split):
        return as_fraction(value), None if split is None else as_fraction(split)

    return pair(*relative), as_fraction(relative_up), pair(*absolute), as_fraction(absolute_up)


def reduction_summary(hull, certified, lines):
    """The largest waiting reduction at equal split, from certified points and dual lines.

    ``certified`` lists (p, W) reached by explicit strategies (grid points, then the
    producer's extra splits, in that order), ``lines`` certified dual lines. Relative
    and absolute reductions: the best certified value (rounded down) and the rigorous
    upper bound of ``reduction_bounds`` (rounded up). When C(1) = 0 (light traffic)
    the relative supremum is the limit p -> 1, reported with the certified value
    nearest to 1. The producer (certify.scheduling.frontier.waiting_reduction) and
    verify both call this, on the same certificates.
    """
    limit = hull[-1][1] == 0 and hull[-1][0] == 1
    high = hull[-2][0] if limit else Fraction(1)
    relative, relative_up, _, _ = reduction_bounds(hull, lines, certified, high=high)
    _, _, absolute, absolute_up = reduction_bounds(hull, lines, certified)
    result = {
        "relative": {"value": safe_float(relative[0], DOWN),
                     "split": float(relative[1]) if relative[1] is not None else None,
                     "split_exact": str(relative[1]) if relative[1] is not None else None,
                     "upper": safe_float(relative_up, UP), "kind": "maximum"},
        "absolute": {"value": safe_float(absolute[0], DOWN),
                     "split": float(absolute[1]) if absolute[1] is not None else None,
                     "split_exact": str(absolute[1]) if absolute[1] is not None else None,
                     "upper": safe_float(absolute_up, UP)},
        "certified_points": len(certified),
    }
    if limit:
        tail = [(p, w) for p, w in certified if high < p < 1]
        p, w = max(tail, key=lambda item: item[0])
        c = hull_value(hull, p)
        r = (c - w) / c
        if r >= relative[0]:
            result["relative"] = {
                "value": safe_float(r, DOWN), "split": float(p), "split_exact": str(p), "upper": None,
                "kind": "limit", "note": "supremum as p -> 1, where both W vanish; not attained",
            }
    # the value at the best relative split, absolute (what a table quotes beside it)
    p = Fraction(result["relative"]["split_exact"]) if result["relative"]["split_exact"] is not None else None
    if p is not None:
        w = dict(certified)[p]
        result["relative"]["absolute_there"] = safe_float(hull_value(hull, p) - w, DOWN)
    return result


def classical_hull(game, constraint="split"):
    """The exact classical frontier: lower convex hull of (constraint level, value) over the
    classical behaviours that meet the game's other constraints, as [(level, value)] Fractions,
    level increasing.

    Mixing strategies with shared randomness reaches every point of the polytope P spanned by the
    deterministic strategies' (level, value, other levels), and nothing else, so at a fixed level
    the classical optimum of a "min" game is the hull's height there once P is cut by the other
    constraints (``hull_constraints`` says which must be cut; each cut is ``_cut``, exact).
    Remembered per exact content of the tables (verify asks at several places of a document,
    the producer at every summary; each answer lists every deterministic strategy).
    """
    cuts = hull_constraints(game, constraint)
    tensor = game.constraint(constraint).exact
    rows = tuple((c.relation, c.value, tuple(c.exact.flat)) for c in cuts)
    return list(_lower_hull(tensor.shape, tuple(tensor.flat), tuple(game.objective_exact.flat), rows))


def hull_constraints(game, constraint: str = "split") -> list:
    """The constraints (besides ``constraint``) that the classical hull must cut P with; ValueError
    naming a constraint it cannot take.

    A constraint that is odd under flipping both answers and met at level 0 costs nothing when the
    objective, ``constraint`` and every other constraint are invariant under the flip: a mixture
    meeting the rest, mixed half and half with its flipped copy, keeps its level, value and other
    levels and has level 0 in every odd row (the dual-work model's balance row). Such rows are left
    out; every other row is cut exactly (``_cut``) when the flip argument holds, and a game where it
    does not (two answers each, invariant objective and ``constraint``) must have no odd rows.
    """
    others = [c for c in game.constraints if c.name != constraint]
    if not others:
        return []
    two = tuple(game.outputs) == (2, 2)

    def flipped(tensor: np.ndarray) -> np.ndarray:
        return tensor[::-1, ::-1]

    def invariant(tensor: np.ndarray) -> bool:
        return two and bool(np.all(tensor == flipped(tensor)))

    def free_odd(other) -> bool:
        at_zero = (other.relation == "==" and other.value == 0 or other.relation == "<=" and other.value >= 0
                   or other.relation == ">=" and other.value <= 0)
        return two and at_zero and bool(np.all(other.exact == -flipped(other.exact)))

    odd = [c for c in others if free_odd(c)]
    cuts = [c for c in others if not any(c is o for o in odd)]
    if odd and not (invariant(game.objective_exact) and invariant(game.constraint(constraint).exact)
                    and all(invariant(c.exact) for c in cuts)):
        raise ValueError(f"constraint '{odd[0].name}': the classical hull leaves out a row that flipping both "
                         f"answers meets at no cost only when the objective, '{constraint}' and the other rows "
                         "do not change under the flip")
    return cuts


HULL_POINTS = 20000  # points of a cut polytope the hull keeps (each cut can square their number)


def _cut(points: set, index: int, relation: str, value: Fraction) -> set:
    """conv(points) cut by the row ``index`` of their third coordinate (relation, value), as the
    finite point set whose convex hull is the cut polytope: the points that meet the row, and on
    every segment between a point below and a point above the level, the point at the level
    (conv(S) intersected with a half-space or a hyperplane is the hull of exactly these)."""
    below = [p for p in points if p[2][index] < value]
    above = [p for p in points if p[2][index] > value]
    keep = [p for p in points if p[2][index] == value]
    keep += below if relation == "<=" else above if relation == ">=" else []
    if len(below) * len(above) > HULL_POINTS:
        raise ValueError(f"the classical hull under the constraints would need {len(below) * len(above)} points "
                         f"(limit {HULL_POINTS})")
    for a in below:
        for b in above:
            t = (value - a[2][index]) / (b[2][index] - a[2][index])
            keep.append((a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]),
                         tuple(u + t * (w - u) for u, w in zip(a[2], b[2]))))
    return set(keep)


@functools.lru_cache(maxsize=64)
def _lower_hull(shape: tuple, levels: tuple, values: tuple, rows: tuple = ()) -> tuple:
    """The lower hull of (level, value) over the deterministic strategies' points cut by ``rows``
    ((relation, value, coefficients) each): hashable arguments, so the answer is cached by content."""
    tensor = np.array(levels, dtype=object).reshape(shape)
    objective = np.array(values, dtype=object).reshape(shape)
    others = [np.array(row[2], dtype=object).reshape(shape) for row in rows]
    points = {(s.value(tensor), s.value(objective), tuple(s.value(o) for o in others))
              for s in all_strategies(shape[2:], shape[:2])}
    for index, (relation, value, _) in enumerate(rows):
        points = _cut(points, index, relation, value)
    if not points:
        raise ValueError("no classical behaviour meets the constraints")
    points = sorted({(x, y) for x, y, _ in points})
    hull = []
    for point in points:
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            if (x2 - x1) * (point[1] - y1) - (y2 - y1) * (point[0] - x1) <= 0:
                hull.pop()
            else:
                break
        if hull and hull[-1][0] == point[0]:
            continue
        hull.append(point)
    return tuple(hull)
