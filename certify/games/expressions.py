"""The safe expression language of problem files (README, Games section).

An expression is parsed by :mod:`ast` and evaluated by walking a whitelist of
node types; nothing is ever passed to ``eval``. Payoff and constraint
expressions use the variables a, b, x, y; throughput functions use t and may
also call exp, log and sqrt. Integer and rational literals evaluate exactly
(:class:`fractions.Fraction`), so a payoff such as ``(a ^ b) == (x & y)`` gives
exact 0/1 coefficients; booleans count as 0 and 1. A decimal literal is the
rational it spells, read from the text as written (``0.1000000000000000000001``
and ``9e-400`` are not rounded to a double first). In a game expression a power
with a fractional exponent must be exact (``4 ** 0.5`` is 2; ``2 ** 0.5`` is
refused): the game is the one written, not a double's approximation of it.

Untrusted text is bounded before it is parsed or evaluated (limits in
certify.games.limits, docs/limits.md): at most CERTIFY_MAX_EXPRESSION
characters, syntax trees at most CERTIFY_MAX_DEPTH deep (measured without
recursion, before the recursive walks), and every exact number an
expression computes at most CERTIFY_MAX_DIGITS digits above and below the
line; a power is refused before it is computed when its result would be
larger (|p/q| ** n has about n * max(digits p, digits q) digits).
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any, cast

import numpy as np

from ..errors import BadInput
from .limits import limit, limit_message
from .numbers import bounded_fraction

GAME_VARIABLES = ("a", "b", "x", "y")
THROUGHPUT_VARIABLES = ("t",)

# A value of an expression: int, Fraction, float or a numpy array of them (an array of t for a
# throughput). Any, since the operators of the whitelist mix these freely.
Value = Any


class ExpressionError(ValueError):
    """An expression outside the whitelist, or one that cannot be evaluated."""


def _as_int(value: Value, symbol: str) -> Value:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.integer):
        return value
    raise ExpressionError(f"'{symbol}' needs whole numbers, got {value}")


def _bitwise(op: Callable[[Value, Value], Value], symbol: str) -> Callable[[Value, Value], Value]:
    def apply(left: Value, right: Value) -> Value:
        return op(_as_int(left, symbol), _as_int(right, symbol))

    return apply


_LARGEST_EXPONENT = 1000  # keeps "2**10**10" from hanging the parser's caller


def _largest_bits() -> int:
    return math.ceil(limit("CERTIFY_MAX_DIGITS") * math.log2(10))


def _bounded(value: Value, what: str = "a number computed") -> Value:
    """An exact number whose numerator and denominator fit CERTIFY_MAX_DIGITS; else ExpressionError."""
    if isinstance(value, (int, Fraction)) and not isinstance(value, bool):
        bits = max(Fraction(value).numerator.bit_length(), Fraction(value).denominator.bit_length())
        if bits > _largest_bits():
            raise ExpressionError(limit_message("CERTIFY_MAX_DIGITS", f"{what} has about {int(bits * math.log10(2))} digits"))
    return value


def _power(left: Value, right: Value) -> Value:
    if isinstance(right, Fraction) and right.denominator == 1:
        right = int(right)
    if isinstance(right, (int, Fraction)) and abs(right) > _LARGEST_EXPONENT:  # type: ignore[operator]  # abs(int | Fraction): mypy joins to object
        raise ExpressionError(f"exponent {right} is too large (at most {_LARGEST_EXPONENT})")
    if isinstance(left, (int, Fraction)) and isinstance(right, int):
        if left == 0 and right < 0:
            raise ExpressionError("division by zero")
        base = Fraction(left)
        bits = abs(right) * max(base.numerator.bit_length(), base.denominator.bit_length())
        if bits > _largest_bits():
            raise ExpressionError(limit_message("CERTIFY_MAX_DIGITS", f"a power would have about {int(bits * math.log10(2))} digits"))
        return base**right  # exact, also for negative exponents
    result = left**right
    if isinstance(result, complex):
        raise ExpressionError(f"({left}) ** ({right}) is not a real number")
    return result


def _integer_root(number: int, degree: int) -> int | None:
    """The exact ``degree``-th root of a non-negative integer, or None when there is none
    (Newton's iteration on integers: floats overflow on the long numbers allowed here)."""
    if number < 2:
        return number
    root = 1 << -(-number.bit_length() // degree)  # at least the root
    while True:
        better = ((degree - 1) * root + number // root ** (degree - 1)) // degree
        if better >= root:
            break
        root = better
    return root if root**degree == number else None


def _exact_power(left: int | Fraction, right: int | Fraction) -> Fraction:
    """left ** right for exact numbers, exactly, or ExpressionError.

    right = p/q in lowest terms: (left ** p) ** (1/q) is rational exactly when the
    numerator and denominator of left ** p are q-th powers (a negative base needs q odd);
    otherwise the power is irrational and a game written with it has no exact form.
    """
    right = Fraction(right)
    if right.denominator == 1:
        return _power(left, int(right))
    if abs(right) > _LARGEST_EXPONENT:
        raise ExpressionError(f"exponent {right} is too large (at most {_LARGEST_EXPONENT})")
    base = Fraction(_power(left, right.numerator))
    degree = right.denominator
    negative = base < 0
    if negative and degree % 2 == 0:
        raise ExpressionError(f"({left}) ** ({right}) is not a real number")
    top, bottom = _integer_root(abs(base.numerator), degree), _integer_root(base.denominator, degree)
    if top is None or bottom is None:
        raise ExpressionError(f"({left}) ** ({right}) is irrational; a game's numbers must be exact "
                              "(write the number as a decimal or p/q)")
    return Fraction(-top if negative else top, bottom)


def _divide(left: Value, right: Value) -> Value:
    if isinstance(left, (int, Fraction)) and isinstance(right, (int, Fraction)):
        if right == 0:
            raise ExpressionError("division by zero")
        return Fraction(left) / Fraction(right)
    return left / right


_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: _divide,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: _power,
    ast.BitXor: _bitwise(operator.xor, "^"),
    ast.BitAnd: _bitwise(operator.and_, "&"),
    ast.BitOr: _bitwise(operator.or_, "|"),
}
_BINARY_SYMBOL = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
    ast.Mod: "%", ast.Pow: "**", ast.BitXor: "^", ast.BitAnd: "&", ast.BitOr: "|",
}
_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}

_EXACT_FUNCTIONS: dict[str, Callable[..., Value]] = {"abs": abs, "min": min, "max": max}


def _numeric(name: str) -> Callable[[Value], Value]:
    """exp/log/sqrt on floats and numpy arrays (a Fraction is taken as its float)."""

    np_function = getattr(np, name)

    def apply(value: Value) -> Value:
        if isinstance(value, Fraction):
            value = float(value)
        elif isinstance(value, np.ndarray) and value.dtype == object:
            value = value.astype(float)  # a decimal times t: Fraction * float array is an object array
        return np_function(value)

    return apply


_THROUGHPUT_FUNCTIONS: dict[str, Callable[..., Value]] = {
    "abs": abs,
    "min": np.minimum,
    "max": np.maximum,
    "exp": _numeric("exp"),
    "log": _numeric("log"),
    "sqrt": _numeric("sqrt"),
}


class Expression:
    """A parsed, whitelisted expression that can be evaluated many times."""

    def __init__(self, text: object, variables: Iterable[str] = GAME_VARIABLES,
                 functions: Mapping[str, Callable[..., Value]] | None = None, exact: bool = False) -> None:
        self.exact = exact  # powers of exact numbers stay exact, or are refused
        self._literals: dict[int, Fraction] = {}  # decimal literal nodes -> the rationals they spell
        if not isinstance(text, str):
            raise ExpressionError(f"expected an expression as a string, got {_short(repr(text))}")
        self.text = text
        self.variables = tuple(variables)
        self.functions: dict[str, Callable[..., Value]] = dict(_EXACT_FUNCTIONS if functions is None else functions)
        if len(text) > limit("CERTIFY_MAX_EXPRESSION"):
            raise ExpressionError(limit_message("CERTIFY_MAX_EXPRESSION", f"the expression is {len(text)} characters long"))
        self._source = text.strip()
        try:
            tree = ast.parse(self._source, mode="eval")
        except SyntaxError as error:
            if "digits" in str(error.msg):  # Python's own int/str conversion limit
                raise ExpressionError(limit_message("CERTIFY_MAX_DIGITS", "a number in the expression is too long")) from None
            raise ExpressionError(f"cannot parse '{_short(text)}': {error.msg}") from None
        except (RecursionError, MemoryError):  # CPython's parser on a deeply nested text
            raise ExpressionError(limit_message("CERTIFY_MAX_DEPTH", "the expression nests too deeply to parse")) from None
        depth = _depth(tree.body)
        if depth > limit("CERTIFY_MAX_DEPTH"):
            raise ExpressionError(limit_message("CERTIFY_MAX_DEPTH", f"the expression nests {depth} deep"))
        self._check(tree.body)
        self._tree = tree.body

    def _check(self, node: ast.expr) -> None:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, float):
                self._literals[id(node)] = self._decimal(node)
                return
            if isinstance(node.value, bool) or isinstance(node.value, int):
                _bounded(node.value, "a number in the expression")
                return
            raise ExpressionError(f"'{node.value!r}' is not a number")
        if isinstance(node, ast.Name):
            if node.id in self.variables:
                return
            allowed = ", ".join(self.variables)
            raise ExpressionError(f"'{node.id}' is not allowed (variables are {allowed})")
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise ExpressionError(f"operator '{type(node.op).__name__}' is not allowed")
            self._check(node.left)
            self._check(node.right)
            return
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd, ast.Not, ast.Invert)):
                raise ExpressionError(f"operator '{type(node.op).__name__}' is not allowed")
            self._check(node.operand)
            return
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                self._check(value)
            return
        if isinstance(node, ast.Compare):
            for op in node.ops:
                if type(op) not in _COMPARE:
                    raise ExpressionError(f"comparison '{type(op).__name__}' is not allowed")
            self._check(node.left)
            for comparator in node.comparators:
                self._check(comparator)
            return
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in self.functions:
                name = getattr(node.func, "id", ast.unparse(node.func))
                allowed = ", ".join(sorted(self.functions))
                raise ExpressionError(f"function '{name}' is not allowed (functions are {allowed})")
            if node.keywords or not node.args:
                raise ExpressionError(f"'{node.func.id}' takes positional arguments only")
            for argument in node.args:
                self._check(argument)
            return
        if isinstance(node, ast.IfExp):
            raise ExpressionError("'if ... else' is not allowed; use comparisons, which count as 0 and 1")
        raise ExpressionError(f"'{ast.unparse(node)}' is not allowed")

    def _decimal(self, node: ast.Constant) -> Fraction:
        """The rational a decimal literal spells, from its text (ast has made it a double)."""
        written = (ast.get_source_segment(self._source, node) or repr(node.value)).replace("_", "")
        try:
            return bounded_fraction(written)
        except BadInput as error:
            raise ExpressionError(error.message) from None

    def __call__(self, **values: Value) -> Value:
        missing = [name for name in self.variables if name not in values]
        if missing:
            raise ExpressionError(f"no value for {', '.join(missing)}")
        try:
            return self._evaluate(self._tree, values)
        except ExpressionError:
            raise
        except (ArithmeticError, TypeError, ValueError, OverflowError) as error:
            raise ExpressionError(f"cannot evaluate '{_short(self.text)}': {error}") from None

    def _evaluate(self, node: ast.expr, values: dict[str, Value]) -> Value:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                return int(node.value)
            if isinstance(node.value, int):
                return node.value
            return self._literals[id(node)]  # a decimal literal, taken as written
        if isinstance(node, ast.Name):
            return values[node.id]
        if isinstance(node, ast.BinOp):
            left, right = self._evaluate(node.left, values), self._evaluate(node.right, values)
            operation = _BINARY[type(node.op)]
            if self.exact and operation is _power and all(_is_exact(v) for v in (left, right)):
                operation = _exact_power
            return _bounded(operation(left, right))
        if isinstance(node, ast.UnaryOp):
            operand = self._evaluate(node.operand, values)
            if isinstance(node.op, ast.USub):
                return -operand
            if isinstance(node.op, ast.UAdd):
                return operand
            if isinstance(node.op, ast.Not):
                return _truth(operand, negate=True)
            return ~_as_int(operand, "~")
        if isinstance(node, ast.BoolOp):
            results = [_truth(self._evaluate(value, values)) for value in node.values]
            if isinstance(node.op, ast.And):
                return _combine(results, np.logical_and, all)
            return _combine(results, np.logical_or, any)
        if isinstance(node, ast.Compare):
            left = self._evaluate(node.left, values)
            outcome: Value = 1
            for op, comparator in zip(node.ops, node.comparators):
                right = self._evaluate(comparator, values)
                step = _COMPARE[type(op)](left, right)
                outcome = outcome * (step.astype(int) if isinstance(step, np.ndarray) else int(step))
                left = right
            return outcome
        if isinstance(node, ast.Call):
            arguments = [self._evaluate(argument, values) for argument in node.args]
            return self.functions[cast(ast.Name, node.func).id](*arguments)  # a Name: _check allows no other call
        raise ExpressionError(f"'{ast.unparse(node)}' is not allowed")  # pragma: no cover


def _is_exact(value: Value) -> bool:
    return isinstance(value, (int, Fraction))


def _depth(tree: ast.AST) -> int:
    """The depth of a syntax tree, without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _short(text: str, length: int = 60) -> str:
    return text if len(text) <= length else f"{text[:length]}..."


def _truth(value: Value, negate: bool = False) -> Value:
    if isinstance(value, np.ndarray):
        truth = value != 0
        return (~truth if negate else truth).astype(int)
    return int((value == 0) if negate else (value != 0))


def _combine(results: list[Value], numpy_op: Callable[[Value, Value], Value],
             python_op: Callable[[Iterable[Value]], bool]) -> Value:
    if any(isinstance(result, np.ndarray) for result in results):
        combined = results[0] != 0
        for result in results[1:]:
            combined = numpy_op(combined, result != 0)
        return combined.astype(int)
    return int(python_op(results))


def game_expression(text: object) -> Expression:
    """An expression in a, b, x, y with exact arithmetic."""
    return Expression(text, GAME_VARIABLES, exact=True)


def throughput_expression(text: object) -> Expression:
    """An expression in t, allowed to call exp, log and sqrt."""
    return Expression(text, THROUGHPUT_VARIABLES, _THROUGHPUT_FUNCTIONS)


def tabulate(expression: Expression, outputs: Sequence[int], inputs: Sequence[int]) -> np.ndarray:
    """Evaluate a game expression exactly at every (a, b, x, y).

    Returns an object array of Fractions with shape (oA, oB, iA, iB).
    """
    table = np.empty((outputs[0], outputs[1], inputs[0], inputs[1]), dtype=object)
    for index in np.ndindex(table.shape):
        a, b, x, y = index
        value = expression(a=a, b=b, x=x, y=y)
        if isinstance(value, float):
            if not math.isfinite(value):
                raise ExpressionError(f"'{_short(expression.text)}' is not finite at a={a}, b={b}, x={x}, y={y}")
            value = Fraction(value)
        elif not isinstance(value, (int, Fraction)):
            raise ExpressionError(f"'{_short(expression.text)}' is not a real number at a={a}, b={b}, x={x}, y={y}")
        table[index] = Fraction(value)
    return table
