"""A two-player non-local game as a frozen record, and its loading from files.

A game (README) is a linear functional on a behaviour
p(a,b|x,y): value(p) = sum_{a,b,x,y} c[a,b,x,y] p(a,b|x,y), to be maximised
or minimised, optionally under named linear constraints
sum d[a,b,x,y] p(a,b|x,y) (==, <=, >=) v. Every coefficient is kept both as an
exact Fraction (the game "as written") and as a float (for solvers).

Problem files (TOML, or JSON with the same keys) give the objective in one of
four notations, all reduced here to the dense tensor c[a,b,x,y]:

* ``payoff`` + ``distribution``: c[a,b,x,y] = pi(x,y) * payoff(a,b,x,y);
* ``coefficients``: c itself, nested as c[a][b][x][y];
* ``collins_gisin``: the table of Collins and Gisin (J. Phys. A 37, 1775
  (2004), arXiv:quant-ph/0306129) on p_A(a|x), p_B(b|y), p(a,b|x,y) for all
  but the last answer of each question. Marginals and the constant term are
  spread over the full behaviour (p_A(a|x) = (1/iB) sum_{b,y} p(a,b|x,y), the
  constant as c0/(iA iB) on every entry), which is exact on every
  no-signalling behaviour, so every bound below is a bound on the table;
* ``correlators`` (two answers per question): F[x+1][y+1] on <A_x B_y>, row
  and column 0 the identity, A_x = P(a = 0|x) - P(a = 1|x); read through its Collins-Gisin
  table (certify.games.notations, which also converts between all of them).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from dataclasses import dataclass, field, replace
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from fractions import Fraction
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import BadInput
from .models import game_from_model_table
from .expressions import ExpressionError, game_expression, tabulate
from .limits import check, limit, shorten, too_large
from .numbers import bounded_fraction, load_json, load_toml, read_regular_text, written_fraction

RELATIONS = ("==", "<=", ">=")
SENSES = ("max", "min")


def frozen_array(array: np.ndarray) -> np.ndarray:
    """``array`` as a table nobody can write into: a read-only view of a private read-only copy.

    A Game is plain frozen data, and the checker remembers answers per table
    (certify.proofs.exact.remembered_per_object), so a table must not change
    under it. The copy makes the caller's array irrelevant afterwards; the view
    of a read-only owner makes ``flags.writeable = True`` on the table itself an
    error (numpy refuses it when the owner is read-only). A table that is
    already such a view is returned as it is, so the games ``with_fixed`` makes
    share their tables.
    """
    if is_frozen(array):
        return array
    owner = np.array(array, copy=True)
    owner.flags.writeable = False
    view = owner.view()
    view.flags.writeable = False
    return view


def is_frozen(array: object) -> bool:
    """True for a table made by ``frozen_array``: a read-only view of a read-only array that owns its data."""
    return (isinstance(array, np.ndarray) and not array.flags.writeable and isinstance(array.base, np.ndarray)
            and array.base.base is None and not array.base.flags.writeable and array.base.flags.owndata)


@dataclass(frozen=True)
class Constraint:
    """sum_{a,b,x,y} coefficients[a,b,x,y] p(a,b|x,y)  relation  value."""

    name: str
    exact: np.ndarray  # object array of Fraction, shape (oA, oB, iA, iB); read-only (frozen_array)
    relation: str
    value: Fraction
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "exact", frozen_array(self.exact))

    def __setstate__(self, state: dict) -> None:
        """Unpickled (process workers, copy.deepcopy): pickle gives writeable arrays back, so freeze again."""
        self.__dict__.update(state)
        self.__post_init__()

    @property
    def coefficients(self) -> np.ndarray:
        return _as_float(self.exact)


@dataclass(frozen=True)
class Game:
    """The plain data of a game; every method is a free function elsewhere."""

    name: str
    inputs: tuple[int, int]
    outputs: tuple[int, int]
    sense: str
    objective_exact: np.ndarray  # object array of Fraction, shape (oA, oB, iA, iB); read-only (frozen_array)
    constraints: tuple[Constraint, ...] = ()
    description: str = ""
    expected: dict = field(default_factory=dict)
    model: dict | None = None  # the [model] table this game was generated from
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "objective_exact", frozen_array(self.objective_exact))
        object.__setattr__(self, "constraints", tuple(self.constraints))

    def __setstate__(self, state: dict) -> None:
        """Unpickled (process workers, copy.deepcopy): pickle gives writeable arrays back, so freeze again."""
        self.__dict__.update(state)
        self.__post_init__()

    @property
    def objective(self) -> np.ndarray:
        return _as_float(self.objective_exact)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return (self.outputs[0], self.outputs[1], self.inputs[0], self.inputs[1])

    def constraint(self, name: str) -> Constraint:
        for constraint in self.constraints:
            if constraint.name == name:
                return constraint
        raise KeyError(name)

    @property
    def fixed(self) -> dict[str, str]:
        """The constraint values in force, as rational strings."""
        return {constraint.name: str(constraint.value) for constraint in self.constraints}

    def with_fixed(self, values: Mapping[str, Any], source: object = "--fix") -> Game:
        """The same game with some constraint values replaced."""
        if not values:
            return self
        names = {constraint.name for constraint in self.constraints}
        for name in values:
            if name not in names:
                known = ", ".join(sorted(names)) or "none"
                raise BadInput(source, name, f"the game has no constraint of that name (constraints: {known})")
        constraints = tuple(
            replace(constraint, value=Fraction(values[constraint.name]))
            if constraint.name in values
            else constraint
            for constraint in self.constraints
        )
        return replace(self, constraints=constraints)

    def canonical(self) -> dict[str, Any]:
        """The game as a problem file in dense notation: exact, ordered, hashable.

        Loading this dictionary (``game_from_mapping``) gives back the same game.
        """
        return {
            "name": self.name,
            "inputs": list(self.inputs),
            "outputs": list(self.outputs),
            "sense": self.sense,
            "objective": {"coefficients": _rational_strings(self.objective_exact)},
            "constraints": [
                {
                    "name": constraint.name,
                    "coefficients": _rational_strings(constraint.exact),
                    "relation": constraint.relation,
                    "value": str(constraint.value),
                }
                for constraint in self.constraints
            ],
        }

    @functools.cached_property
    def sha256(self) -> str:
        """SHA-256 of the canonical definition as compact key-sorted JSON. Remembered on the
        game, which is immutable: its tables are read-only and its fields frozen."""
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def summary(self) -> dict[str, Any]:
        """The "game" block of every JSON result (README, JSON section)."""
        return {
            "name": self.name,
            "sha256": self.sha256,
            "sense": self.sense,
            "inputs": list(self.inputs),
            "outputs": list(self.outputs),
            "definition": self.canonical(),
        }


def _as_float(exact: np.ndarray) -> np.ndarray:
    return np.vectorize(float, otypes=[float])(exact) if exact.size else exact.astype(float)


def _rational_strings(array: np.ndarray) -> Any:  # nested lists of str
    return np.vectorize(str, otypes=[object])(array).tolist()


# ---------------------------------------------------------------------------
# Numbers


def parse_number(value: object, source: object, key: str | None) -> Fraction:
    """A TOML/JSON number or a string "p/q" (or decimal) as an exact Fraction.

    A float is taken as the decimal literal it was written as (0.1 -> 1/10; a
    problem file's 0.2500000000000000001 is not 1/4: certify.games.numbers).
    Strings and integers are bounded first (certify.games.numbers): a number
    of more than CERTIFY_MAX_DIGITS digits, or an exponent such as 1e999999999,
    is refused before any exact arithmetic.
    """
    if isinstance(value, bool):
        raise BadInput(source, key, f"expected a number, got {value!r}")
    if isinstance(value, int):
        if value.bit_length() > math.ceil(limit("CERTIFY_MAX_DIGITS") * math.log2(10)):
            raise too_large("CERTIFY_MAX_DIGITS", source, key, "the integer has too many digits")
        return Fraction(value)
    if isinstance(value, float):  # a file's decimal as written (numbers.WrittenFloat), never its double
        return written_fraction(value, source, key)
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in {"nan", "inf", "-inf", "+inf", "infinity", "-infinity"}:
            raise BadInput(source, key, f"'{value}' is not a finite number")
        return bounded_fraction(text, source, key)  # sizes checked before Fraction sees it
    raise BadInput(source, key, f"expected a number, got {type(value).__name__} {shorten(repr(value))}")


def _number_array(value: object, shape: Sequence[int], source: object, key: str) -> np.ndarray:
    """A nested list of numbers with exactly the given shape, as Fractions."""
    array = np.empty(shape, dtype=object)

    def fill(node: object, prefix: tuple[int, ...], depth: int) -> None:
        if depth == len(shape):
            array[prefix] = parse_number(node, source, key + "".join(f"[{i}]" for i in prefix))
            return
        where = key + "".join(f"[{i}]" for i in prefix)
        if not isinstance(node, list):
            raise BadInput(source, where, f"expected a list of length {shape[depth]}, got {shorten(repr(node))}")
        if len(node) != shape[depth]:
            raise BadInput(source, where, f"expected length {shape[depth]}, got {len(node)} (shape should be {list(shape)})")
        for index, child in enumerate(node):
            fill(child, prefix + (index,), depth + 1)

    fill(value, (), 0)
    check_game_digits(array.flat, source, key)  # before anything sums them (a distribution's total)
    return array


def check_game_digits(values: Iterable[Fraction], source: object, key: str | None) -> None:
    """Refuse numbers that need more than CERTIFY_MAX_GAME_DIGITS digits written over one
    common denominator D: D itself, or a numerator c * D.

    The solvers work in floating point and the certificates over D: a 4000-digit
    integer overflows a float (OverflowError), and 400 distinct 4000-digit denominators
    make D (and every exact sum, such as a distribution's total) 1.6 million digits
    long, tens of seconds of arithmetic. D is built one distinct denominator at a time
    and the check stops at the first that takes it over the limit, so refusing costs
    no more than the limit itself. With the default of 300 digits every number and D
    stay inside a float's range (about 1e308).
    """
    largest = limit("CERTIFY_MAX_GAME_DIGITS")
    ceiling = 10**largest
    distinct = set(values)
    common = 1
    for denominator in {value.denominator for value in distinct}:
        common = math.lcm(common, denominator)
        if common >= ceiling:
            raise too_large("CERTIFY_MAX_GAME_DIGITS", source, key,
                            f"the numbers' common denominator has {_digit_count(common)} digits or more")
    for value in distinct:
        numerator = abs(value.numerator) * (common // value.denominator)
        if numerator >= ceiling:
            raise too_large("CERTIFY_MAX_GAME_DIGITS", source, key,
                            f"{shorten(value)} has {_digit_count(numerator)} digits over the numbers' common "
                            f"denominator")


def _digit_count(number: int) -> int:
    """Decimal digits of a positive integer, from its bit length (str() of a long integer
    is quadratic and capped by Python's own conversion limit)."""
    digits = int(number.bit_length() * math.log10(2)) + 1
    return digits - 1 if 10 ** (digits - 1) > number else digits


def _all_numbers(game: Game) -> Iterator[Fraction]:
    """Every number of a game: objective and constraint coefficients, constraint values."""
    yield from game.objective_exact.flat
    for constraint in game.constraints:
        yield from constraint.exact.flat
        yield constraint.value


# ---------------------------------------------------------------------------
# Loading

_GAME_KEYS = {"name", "description", "inputs", "outputs", "sense", "objective", "constraints", "expected", "source"}
_MODEL_FILE_KEYS = {"name", "description", "model", "expected", "source", "constraints", "link"}
_OBJECTIVE_KEYS = {"distribution", "payoff", "coefficients", "collins_gisin", "correlators"}
_CONSTRAINT_KEYS = {"name", "description", "expression", "distribution", "coefficients", "relation", "value"}


def problems_folder() -> Traversable | Path:
    """The folder of the bundled problem files.

    Installed, they are the package certify.problems; in a source tree that
    shadows the installed package (``python -m certify`` run from the
    repository's root after ``pip install .``) they are the top-level problems/.
    """
    try:
        return resources.files("certify.problems")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent.parent / "problems"


def bundled_path(name: object) -> Path | None:
    """The bundled problem file called ``name`` (``chsh``, ``dual-work``), or None."""
    folder = problems_folder()
    for stem in (str(name), str(name).replace("-", "_")):
        for suffix in (".toml", ".json"):
            candidate = folder / (stem + suffix)
            if candidate.is_file():
                return Path(str(candidate))
    return None


def bundled_problems() -> list[str]:
    """Names of the problem files shipped with certify."""
    folder = problems_folder()
    return sorted(
        entry.name.rsplit(".", 1)[0]
        for entry in folder.iterdir()
        if entry.name.endswith((".toml", ".json"))
    )


def resolve(game: str | Path, key: str = "GAME") -> Path:
    """A path, or the name of a bundled problem (``chsh``, ``dual-work``)."""
    path = Path(game)
    if path.is_file():
        return path
    bundled = bundled_path(game)
    if bundled is not None:
        return bundled
    names = ", ".join(bundled_problems())
    raise BadInput(None, key, f"'{game}' is neither a file nor a bundled problem (bundled: {names})")


def read_mapping(path: str | Path) -> dict[str, Any]:
    """Parse a TOML or JSON file into a dictionary, with errors naming the file.

    Sizes (file, nesting, numbers) are checked before and while parsing
    (certify.games.numbers).
    """
    path = Path(path)
    text = read_regular_text(path, path)  # a regular file of at most CERTIFY_MAX_FILE_MB (a FIFO would hang)
    if path.suffix.lower() == ".json":
        data = load_json(text, path, object_pairs_hook=_unique_keys(path))
    else:
        data = load_toml(text, path)
    if not isinstance(data, dict):
        raise BadInput(path, None, "expected a table of keys at the top level")
    return data


def _unique_keys(path: Path) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """A json object_pairs_hook refusing a key given twice in one object: JSON keeps the last
    silently, so a file could show one objective and be read with another (TOML refuses
    repeated keys itself)."""

    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        table: dict[str, Any] = {}
        for key, value in pairs:
            if key in table:
                raise BadInput(path, key, "given twice in the same table")
            table[key] = value
        return table

    return build


def load_game(game: str | Path, fixed: Mapping[str, Any] | None = None, source: str | None = None) -> Game:
    """File or bundled name -> Game, with ``fixed`` constraint values applied."""
    path = resolve(game)
    data = read_mapping(path)
    result = game_from_mapping(data, source or str(game))
    if not fixed:
        return result
    result = result.with_fixed(fixed)
    check_game_digits(_all_numbers(result), "--fix", ", ".join(fixed))
    return result


def game_from_mapping(data: dict[str, Any], source: object) -> Game:
    """Validate a problem mapping (structure first, meaning second) -> Game."""
    count = len(data.get("constraints", [])) if isinstance(data.get("constraints"), list) else 0
    check("CERTIFY_MAX_CONSTRAINTS", count, source, "constraints", f"the game has {count} constraints")
    if "model" in data:
        _check_keys(data, _MODEL_FILE_KEYS, source, None)
        game = game_from_model_table(data, source)
        check_game_digits(_all_numbers(game), source, "model")
        return game
    _check_keys(data, _GAME_KEYS, source, None)
    for required in ("inputs", "outputs", "objective"):
        if required not in data:
            raise BadInput(source, required, "missing")
    inputs = _pair_of_counts(data["inputs"], source, "inputs")
    outputs = _pair_of_counts(data["outputs"], source, "outputs")
    entries = outputs[0] * outputs[1] * inputs[0] * inputs[1]
    check("CERTIFY_MAX_GAME_SIZE", entries, source, "inputs",
          f"the game has {entries} coefficients c[a,b,x,y] ({outputs[0]}x{outputs[1]} answers, {inputs[0]}x{inputs[1]} questions)")
    sense = data.get("sense", "max")
    if sense not in SENSES:
        raise BadInput(source, "sense", f"expected 'max' or 'min', got {sense!r}")
    name = data.get("name", Path(str(source)).stem)
    if not isinstance(name, str) or not name:
        raise BadInput(source, "name", "expected a non-empty string")
    objective, distribution = _objective(data["objective"], inputs, outputs, source)
    constraints_data = data.get("constraints", [])
    if not isinstance(constraints_data, list):
        raise BadInput(source, "constraints", "expected a list of tables ([[constraints]])")
    constraints, names = [], set()
    for index, entry in enumerate(constraints_data):
        constraint = constraint_from_table(entry, index, distribution, inputs, outputs, source)
        if constraint.name in names:
            raise BadInput(source, f"constraints[{index}].name", f"'{constraint.name}' is used twice")
        constraints.append(constraint)
        names.add(constraint.name)
    expected = data.get("expected", {})
    if not isinstance(expected, dict):
        raise BadInput(source, "expected", "expected a table")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise BadInput(source, "description", "expected a string")
    game = Game(
        name=name,
        inputs=inputs,
        outputs=outputs,
        sense=sense,
        objective_exact=objective,
        constraints=tuple(constraints),
        description=description,
        expected=expected,
        source=str(source),
    )
    check_game_digits(_all_numbers(game), source, "objective and constraints")
    return game


def _check_keys(table: object, allowed: Iterable[str], source: object, prefix: str | None) -> None:
    if not isinstance(table, dict):
        raise BadInput(source, prefix, f"expected a table, got {table!r}")
    for key in table:
        if key not in allowed:
            where = f"{prefix}.{key}" if prefix else key
            raise BadInput(source, where, f"unknown key (allowed: {', '.join(sorted(allowed))})")


def _pair_of_counts(value: object, source: object, key: str) -> tuple[int, int]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise BadInput(source, key, f"expected two whole numbers [for A, for B], got {shorten(repr(value))}")
    if min(value) < 1:
        raise BadInput(source, key, f"counts must be at least 1, got {value}")
    return (value[0], value[1])


def parse_distribution(value: object, inputs: tuple[int, int], source: object, key: str) -> np.ndarray:
    """pi(x, y): "uniform" or a nested array; non-negative, summing to 1."""
    if isinstance(value, str):
        if value != "uniform":
            raise BadInput(source, key, f"expected 'uniform' or a nested array pi[x][y], got '{shorten(value)}'")
        return np.full(inputs, Fraction(1, inputs[0] * inputs[1]), dtype=object)
    pi = _number_array(value, inputs, source, key)
    for index in np.ndindex(pi.shape):
        if pi[index] < 0:
            raise BadInput(source, f"{key}[{index[0]}][{index[1]}]", f"negative probability {pi[index]}")
    total = sum(pi.flat, Fraction(0))
    if abs(total - 1) > Fraction(1, 10**9):
        raise BadInput(source, key, f"sums to {float(total):.12g}, not 1")
    return pi


def _objective(table: dict[str, Any], inputs: tuple[int, int], outputs: tuple[int, int],
               source: object) -> tuple[np.ndarray, np.ndarray | None]:
    _check_keys(table, _OBJECTIVE_KEYS, source, "objective")
    notations = [key for key in ("payoff", "coefficients", "collins_gisin", "correlators") if key in table]
    if len(notations) != 1:
        raise BadInput(source, "objective", "give exactly one of payoff, coefficients, collins_gisin, correlators")
    notation = notations[0]
    distribution = None
    if "distribution" in table:
        distribution = parse_distribution(table["distribution"], inputs, source, "objective.distribution")
    shape = (outputs[0], outputs[1], inputs[0], inputs[1])
    if notation == "payoff":
        if distribution is None:
            raise BadInput(source, "objective.distribution", "missing (a payoff needs a distribution over questions)")
        payoff = _tabulate(table["payoff"], inputs, outputs, source, "objective.payoff")
        return payoff * distribution[None, None, :, :], distribution
    if notation == "coefficients":
        return _number_array(table["coefficients"], shape, source, "objective.coefficients"), distribution
    if notation == "correlators":
        if tuple(outputs) != (2, 2):
            raise BadInput(source, "objective.correlators",
                           f"correlators need two answers per question (outputs = [2, 2]), got {list(outputs)}")
        table_f = _number_array(table["correlators"], (1 + inputs[0], 1 + inputs[1]), source, "objective.correlators")
        return collins_gisin_to_dense(correlators_to_collins_gisin(table_f), inputs, outputs), distribution
    cg_shape = (1 + inputs[0] * (outputs[0] - 1), 1 + inputs[1] * (outputs[1] - 1))
    cg = _number_array(table["collins_gisin"], cg_shape, source, "objective.collins_gisin")
    return collins_gisin_to_dense(cg, inputs, outputs), distribution


def correlators_to_collins_gisin(table: np.ndarray) -> np.ndarray:
    """The Collins-Gisin table of a two-outcome game in correlator form.

    F[0][0] is the constant, F[i][0] the weight of <A_(i-1)>, F[0][j] of <B_(j-1)>,
    F[i][j] of <A_(i-1) B_(j-1)>, with A_x = P(a = 0) - P(a = 1) (certify.games.notations).
    Substituting <A_x> = 2 p_A(0|x) - 1, <B_y> = 2 p_B(0|y) - 1 and
    <A_x B_y> = 4 p(00|xy) - 2 p_A(0|x) - 2 p_B(0|y) + 1 and collecting terms:
    cg[0][0] = F00 - sum_x F_x0 - sum_y F_0y + sum_xy F_xy, cg[x][0] = 2 F_x0 - 2 sum_y F_xy,
    cg[0][y] = 2 F_0y - 2 sum_x F_xy, cg[x][y] = 4 F_xy. Exact on Fraction arrays.
    """
    f = table
    cg = np.empty(f.shape, dtype=object)
    cg[0, 0] = f[0, 0] - sum(f[1:, 0], Fraction(0)) - sum(f[0, 1:], Fraction(0)) + sum(f[1:, 1:].flat, Fraction(0))
    for x in range(1, f.shape[0]):
        cg[x, 0] = 2 * f[x, 0] - 2 * sum(f[x, 1:], Fraction(0))
    for y in range(1, f.shape[1]):
        cg[0, y] = 2 * f[0, y] - 2 * sum(f[1:, y], Fraction(0))
    cg[1:, 1:] = 4 * f[1:, 1:]
    return cg


def collins_gisin_to_dense(cg: np.ndarray, inputs: tuple[int, int], outputs: tuple[int, int]) -> np.ndarray:
    """Spread a Collins-Gisin table over c[a,b,x,y] (see the module docstring)."""
    (iA, iB), (oA, oB) = inputs, outputs
    dense = np.full((oA, oB, iA, iB), Fraction(0), dtype=object)
    dense += cg[0, 0] / (iA * iB)
    for x in range(iA):
        for a in range(oA - 1):
            row = 1 + x * (oA - 1) + a
            dense[a, :, x, :] += cg[row, 0] / iB
            for y in range(iB):
                for b in range(oB - 1):
                    column = 1 + y * (oB - 1) + b
                    dense[a, b, x, y] += cg[row, column]
    for y in range(iB):
        for b in range(oB - 1):
            column = 1 + y * (oB - 1) + b
            dense[:, b, :, y] += cg[0, column] / iA
    return dense


def dense_to_collins_gisin(dense: np.ndarray) -> np.ndarray:
    """The Collins-Gisin table of a dense tensor c[a,b,x,y] (inverse of the above on
    no-signalling behaviours).

    With the last answer's projector written as 1 - sum of the others,
    p(a,b|x,y) is a linear function of the Collins-Gisin moments; collecting
    terms gives, with L = the last answer,

        [0][0]       = sum_{x,y} c[L,L,x,y]
        [(x,a)][0]   = sum_y (c[a,L,x,y] - c[L,L,x,y])
        [0][(y,b)]   = sum_x (c[L,b,x,y] - c[L,L,x,y])
        [(x,a)][(y,b)] = c[a,b,x,y] - c[a,L,x,y] - c[L,b,x,y] + c[L,L,x,y].

    Works on object arrays of Fractions (exact) and on float arrays.
    """
    oA, oB, iA, iB = dense.shape
    la, lb = oA - 1, oB - 1
    table = np.zeros((1 + iA * la, 1 + iB * lb), dtype=dense.dtype)
    if dense.dtype == object:
        table[...] = Fraction(0)
    table[0, 0] = dense[la, lb].sum()
    for x in range(iA):
        for a in range(la):
            row = 1 + x * la + a
            table[row, 0] = (dense[a, lb, x, :] - dense[la, lb, x, :]).sum()
            for y in range(iB):
                for b in range(lb):
                    column = 1 + y * lb + b
                    table[row, column] = dense[a, b, x, y] - dense[a, lb, x, y] - dense[la, b, x, y] + dense[la, lb, x, y]
    for y in range(iB):
        for b in range(lb):
            column = 1 + y * lb + b
            table[0, column] = (dense[la, b, :, y] - dense[la, lb, :, y]).sum()
    return table


def _tabulate(text: object, inputs: tuple[int, int], outputs: tuple[int, int], source: object, key: str) -> np.ndarray:
    try:
        return tabulate(game_expression(text), outputs, inputs)
    except ExpressionError as error:
        raise BadInput(source, key, str(error)) from None


def constraint_from_table(entry: dict[str, Any], index: int, distribution: np.ndarray | None, inputs: tuple[int, int],
                          outputs: tuple[int, int], source: object) -> Constraint:
    key = f"constraints[{index}]"
    _check_keys(entry, _CONSTRAINT_KEYS, source, key)
    name = entry.get("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise BadInput(source, f"{key}.name", f"expected a name made of letters, digits and _, got {name!r}")
    if ("expression" in entry) == ("coefficients" in entry):
        raise BadInput(source, key, "give exactly one of expression, coefficients")
    shape = (outputs[0], outputs[1], inputs[0], inputs[1])
    if "coefficients" in entry:
        exact = _number_array(entry["coefficients"], shape, source, f"{key}.coefficients")
    else:
        weights = distribution
        if "distribution" in entry:
            weights = parse_distribution(entry["distribution"], inputs, source, f"{key}.distribution")
        if weights is None:
            raise BadInput(source, f"{key}.distribution", "missing (the objective has no distribution to weight the expression by)")
        exact = _tabulate(entry["expression"], inputs, outputs, source, f"{key}.expression") * weights[None, None]
    relation = entry.get("relation", "==")
    if relation not in RELATIONS:
        raise BadInput(source, f"{key}.relation", f"expected one of {', '.join(RELATIONS)}, got {relation!r}")
    if "value" not in entry:
        raise BadInput(source, f"{key}.value", "missing (set it here or with --fix NAME=VALUE)")
    value = parse_number(entry["value"], source, f"{key}.value")
    description = entry.get("description", "")
    return Constraint(name=name, exact=exact, relation=relation, value=value, description=str(description))


def parse_fix(text: str, key: str = "--fix") -> tuple[str, Fraction]:
    """'NAME=VALUE' -> (name, Fraction)."""
    if "=" not in text:
        raise BadInput(None, key, f"expected NAME=VALUE, got '{shorten(text)}'")
    name, value = text.split("=", 1)
    return name.strip(), parse_number(value.strip(), None, f"{key} {name.strip()}")
