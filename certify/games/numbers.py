"""Numbers and documents from untrusted text, bounded before exact arithmetic.

``Fraction("1e999999999")`` builds a billion-digit integer and hangs;
``json.loads`` of a 10^5-deep array and ``tomllib`` of a deeply nested
inline table overflow Python's stack; a 5000-digit integer trips Python's
own int/str conversion limit. Everything read from a problem file, an
option or a result file therefore goes through this module, which checks
sizes first against the limits of certify.games.limits (each names the
environment variable that raises it):

* a numeric string is an optionally signed decimal ``d.ddd[e[+-]ddd]`` or a
  rational ``p/q`` (ASCII digits, as ``fractions.Fraction`` reads them); its
  digits plus the size of its exponent are at most CERTIFY_MAX_DIGITS, so the
  exact rational it denotes has at most that many digits above and below;
* a JSON or TOML text is at most CERTIFY_MAX_FILE_MB; its brackets (outside
  strings and comments) nest at most CERTIFY_MAX_DEPTH deep, checked by a
  linear scan before the parser recurses, and the parsed tables (TOML dotted
  keys nest without brackets) likewise; its integers have at most
  CERTIFY_MAX_DIGITS digits and its floats are finite.

Decimals are taken as written, never through a double: a problem file's
bare decimal (TOML ``value = 0.2500000000000000001``, JSON ``0.25e-3``) is
read as a ``WrittenFloat``, a float that keeps the text it was written as,
so that ``written_fraction`` gives the exact rational of that text (the float
is only for the application's floating-point model figures). A decimal whose
exact value needs more than CERTIFY_MAX_DIGITS digits (``2.5e-99999``), or
whose double is infinite (``1e400``) or zero although the text is not
(``1e-400``), is refused in one line, in problem files and in result
documents alike.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import os
import re
import stat
import tomllib
from collections.abc import Callable
from fractions import Fraction
from typing import Any, NoReturn, Optional, Union

from ..errors import BadInput
from .limits import LimitExceeded, limit, shorten, too_large

_DECIMAL = re.compile(r"\s*([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?\s*", re.ASCII)
_RATIONAL = re.compile(r"\s*([-+]?)(\d+)/(\d+)\s*", re.ASCII)

# A key chain, built only for messages: (parent chain, key), None at the top.
_Chain = Optional[tuple["_Chain", Union[str, int]]]


def _digits(text: str) -> int:
    """Significant length of a digit string (leading zeros cost nothing)."""
    return len(text.lstrip("0"))


def bounded_fraction(text: object, source: object = None, key: object = None) -> Fraction:
    """The exact rational a numeric string denotes, after checking its size.

    Raises BadInput naming ``source`` and ``key`` when the text is not a
    decimal or a rational p/q, or when it would need more than
    CERTIFY_MAX_DIGITS digits; ZeroDivisionError is reported as bad input too.
    """
    if not isinstance(text, str):
        raise BadInput(source, key, f"expected a number as a string, got {type(text).__name__}")
    largest = limit("CERTIFY_MAX_DIGITS")
    if len(text) <= 48:
        try:
            return _short_fraction(text, largest)
        except BadInput:
            pass  # said below, naming the source and key
    return _read_fraction(text, largest, source, key)


@functools.lru_cache(maxsize=1 << 16)
def _short_fraction(text: str, largest: int) -> Fraction:
    """_read_fraction of a number of at most 48 characters, remembered (a Fraction is
    immutable, so shared): a document repeats a few numbers ("0", "1", "1/2") thousands
    of times."""
    return _read_fraction(text, largest, None, None)


def _read_fraction(text: str, largest: int, source: object, key: object) -> Fraction:
    """bounded_fraction's reading of a string, under a limit of ``largest`` digits."""
    if len(text) > 2 * largest + 20:
        raise too_large("CERTIFY_MAX_DIGITS", source, key, f"'{shorten(text)}' is {len(text)} characters long")
    rational = _RATIONAL.fullmatch(text)
    if rational:
        sign, numerator, denominator = rational.groups()
        size = max(_digits(numerator), _digits(denominator))
        if size > largest:
            raise too_large("CERTIFY_MAX_DIGITS", source, key, f"'{shorten(text)}' has {size} digits")
        if _digits(denominator) == 0:
            raise BadInput(source, key, f"'{shorten(text)}' divides by zero")
        return Fraction(int(sign + numerator), int(denominator))
    decimal = _DECIMAL.fullmatch(text)
    if not decimal or not (decimal.group(2) or decimal.group(3)):
        raise BadInput(source, key, f"'{shorten(text)}' is not a number or a rational 'p/q'")
    sign, whole, fractional, exponent = decimal.groups()
    fractional = fractional or ""
    mantissa = whole + fractional
    if exponent is not None and len(exponent.lstrip("+-").lstrip("0")) > 18:
        raise too_large("CERTIFY_MAX_DIGITS", source, key, f"'{shorten(text)}' has a {len(exponent)}-digit exponent")
    power = int(exponent or 0) - len(fractional)
    size = _digits(mantissa) + abs(power)
    if size > largest:
        raise too_large("CERTIFY_MAX_DIGITS", source, key, f"'{shorten(text)}' would need {size} digits")
    value = Fraction(int(sign + (mantissa or "0")))
    return value * 10**power if power >= 0 else value / 10**-power


class WrittenFloat(float):
    """A decimal read from a file: the nearest double, and the ``text`` it was written as.

    It is a float for every floating-point use (model parameters, JSON output),
    and ``written_fraction`` reads its exact value from ``text``, so a bare
    decimal in a problem file means the rational its digits denote (0.1 is
    1/10, 0.2500000000000000001 is not 1/4) and never the double it rounds to.
    """

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> "WrittenFloat":
        value = super().__new__(cls, text)
        value.text = text
        return value

    def __getnewargs__(self) -> tuple[str]:  # type: ignore[override]  # __new__ takes the text; pickling (scan cells travel to workers) keeps the text
        return (self.text,)

    def __getstate__(self) -> None:
        return None

    def __setstate__(self, state: object) -> None:
        pass


def written_fraction(value: float, source: object = None, key: object = None) -> Fraction:
    """The exact rational a float read from a file denotes: its written text for a
    ``WrittenFloat`` (bounded as any numeric string), else the shortest decimal that
    rounds to it (a float built in Python, e.g. ``--arrival-rate`` or the API)."""
    if isinstance(value, WrittenFloat):
        return bounded_fraction(value.text, source, key)
    if not math.isfinite(value):
        raise BadInput(source, key, f"{value} is not a finite number")
    return Fraction(repr(float(value)))


def _decimal_text(text: str, source: object, exact: bool) -> float:
    """A decimal literal of a file, read after its size is checked: a ``WrittenFloat``
    keeping ``text`` when ``exact`` (problem files), else the plain float (result
    documents, whose floats are summaries of exact numbers stored beside them).

    Refused in one line: more than CERTIFY_MAX_DIGITS digits for its exact value (mantissa
    plus exponent, as bounded_fraction counts them), a double that is infinite (1e400) or
    zero though the text is not (1e-400), and the words inf and nan; in a result document,
    more than 17 significant digits, which no double needs (0.75000000000000000001 would
    be read as the double 0.75, not as written).
    """
    if len(text) > 2 * limit("CERTIFY_MAX_DIGITS") + 20:
        raise too_large("CERTIFY_MAX_DIGITS", source, None, f"the number {shorten(text)} is too long")
    plain = text.replace("_", "")  # TOML allows 1_000.5; the digits are what count
    if plain.lstrip("+-").lower() in ("inf", "nan"):
        raise BadInput(source, None, f"'{shorten(text)}' is not a finite number")
    value = float(plain)
    if not math.isfinite(value):
        raise BadInput(source, None, f"{shorten(text)} is not a finite number: it is beyond the largest double "
                                     f"(write it as a string \"p/q\" where an exact number is meant)")
    try:
        written = bounded_fraction(plain, source)
    except LimitExceeded:
        raise
    except BadInput as error:
        raise BadInput(source, None, error.message) from None
    if value == 0 and written != 0:
        raise BadInput(source, None, f"{shorten(text)} is below the smallest double and would read as 0 (write it "
                                     f"as a string \"p/q\" where an exact number is meant)")
    if not exact and _significant_digits(plain) > DOUBLE_DIGITS:
        raise BadInput(source, None, f"{shorten(text)} has more significant digits than a double holds "
                                     f"({DOUBLE_DIGITS}): a float of a result document is a double, and an exact "
                                     "number is written as a string")
    return WrittenFloat(plain) if exact else value


class _Refused:
    """A decimal the parser met and refused; the refusal is raised by _check_tree, which
    knows the key it stands under (the parser's hook sees only the text)."""

    __slots__ = ("error",)

    def __init__(self, error: BadInput) -> None:
        self.error = error


def _deferred(text: str, source: object, exact: bool) -> float | _Refused:
    """_decimal_text for a parser's hook: a refusal is kept, to be raised naming the key."""
    try:
        return _decimal_text(text, None, exact)
    except BadInput as error:
        return _Refused(error)


DOUBLE_DIGITS = 17  # significant digits that name any double exactly (repr never writes more)


def _significant_digits(text: str) -> int:
    """Significant digits of a decimal literal's mantissa (leading and trailing zeros aside)."""
    mantissa = re.split(r"[eE]", text.lstrip("+-"))[0].replace(".", "")
    return len(mantissa.strip("0"))


def checked_fraction(text: object) -> Fraction:
    """``Fraction(str(text))`` for numbers stored in result documents, bounded first.

    As Fraction: ValueError when the text is not a number, ZeroDivisionError
    for p/0 (checks report those as malformed certificates); a number too
    large to read safely is BadInput (see ``bounded_fraction``).
    """
    text = str(text)
    try:
        return bounded_fraction(text)
    except LimitExceeded:
        raise
    except BadInput as error:
        if "divides by zero" in error.message:
            raise ZeroDivisionError(error.message) from None
        raise ValueError(error.message) from None


# ---------------------------------------------------------------------------
# Documents


def read_regular_text(path: str | os.PathLike[str], source: object = None) -> str:
    """The UTF-8 text of a regular file of at most CERTIFY_MAX_FILE_MB, or BadInput.

    Anything but a regular file is refused before it is opened for reading
    (opening a FIFO waits for a writer, forever; a device never ends), and
    again on the descriptor, which is opened without blocking, so that a file
    swapped in between is refused as well; the size is checked before reading.
    """
    source = source or str(path)
    largest = limit("CERTIFY_MAX_FILE_MB") * 2**20
    try:
        _regular(source, os.stat(path).st_mode)
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as stream:
            status = os.fstat(stream.fileno())
            _regular(source, status.st_mode)
            if status.st_size > largest:
                raise too_large("CERTIFY_MAX_FILE_MB", source, None, f"the file is {status.st_size / 2**20:.0f} MB")
            raw = stream.read(largest + 1)
        if len(raw) > largest:
            raise too_large("CERTIFY_MAX_FILE_MB", source, None, "the file is too large")
        return raw.decode("utf-8")
    except OSError as error:
        raise BadInput(source, None, f"cannot read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise BadInput(source, None, "not a UTF-8 text file") from None


def _regular(source: object, mode: int) -> None:
    """Refuse anything but a regular file, naming what it is."""
    if stat.S_ISREG(mode):
        return
    kinds = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    what = next((label for test, label in kinds if test(mode)), "not a regular file")
    raise BadInput(source, None, f"{what}, not a regular file: only files saved on disk are read")

# Strings and comments, whose brackets nest nothing; then every character but a bracket.
_JSON_OPAQUE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_TOML_OPAQUE = re.compile(
    r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"|\'[^\'\n]*\'|#[^\n]*', re.S
)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_NESTING = {"[": 1, "{": 1, "]": -1, "}": -1}


def _bracket_depth(text: str, opaque: re.Pattern[str]) -> int:
    """The deepest nesting of brackets outside strings and comments: the largest running sum
    of +1 per opening and -1 per closing bracket, left to right (linear, in C loops: the
    regular expressions drop strings, comments and other text, accumulate sums)."""
    brackets = _NOT_BRACKET.sub("", opaque.sub("", text))
    return max(itertools.accumulate(map(_NESTING.__getitem__, brackets), initial=0))


def _check_tree(data: object, source: object) -> None:
    """Depth of parsed tables and lists, the size of their integers, the characters of their
    strings, and the common denominator of the rationals of each table (no recursion).

    Rationals "p/q" of one table (a nested list of numbers such as
    ``objective.coefficients[][][][]``, or one field of the objects of a list such as
    ``mixture[].weight``; other list positions stay, so the points of a frontier are
    separate tables) are the terms that exact sums and products combine, so their least
    common multiple bounds the size of those sums: 400 entries with distinct 4000-digit
    denominators add up to a 1.6-million-digit one (minutes and gigabytes). It is grown
    one distinct denominator at a time and refused as soon as it passes
    CERTIFY_MAX_TABLE_DIGITS. Key paths are built only for messages (``_render``).
    """
    deepest = limit("CERTIFY_MAX_DEPTH")
    digits = limit("CERTIFY_MAX_DIGITS")
    bits = math.ceil(digits * math.log2(10))
    common_bits = math.ceil(limit("CERTIFY_MAX_TABLE_DIGITS") * math.log2(10))
    longest = 2 * digits + 20
    common: dict[str, list[Any]] = {}  # table -> (lcm of its denominators, denominators seen)

    def scalar(value: Any, chain: _Chain, table: str) -> None:  # a parsed scalar: str, int, float, bool, None or _Refused
        kind = type(value)
        if kind is str:
            if not value.isascii():
                _check_characters(value, _render(chain), source)
            elif "/" in value and len(value) <= longest:
                # the denominator's digits (a text that is no rational p/q is refused where it is read)
                denominator = value.rpartition("/")[2].strip()
                if denominator.isdigit() and (len(denominator) <= digits or _digits(denominator) <= digits):
                    _grow_common(common, table, denominator, common_bits, source)
        elif kind is int and value.bit_length() > bits:
            raise too_large("CERTIFY_MAX_DIGITS", source, _render(chain) or None, "an integer has too many digits")
        elif kind is float and not math.isfinite(value):
            raise BadInput(source, _render(chain) or None, f"{value} is not a finite number")
        elif kind is _Refused:
            raise type(value.error)(source, _render(chain) or None, value.error.message)

    # (container, depth, key chain, table of its scalars, prefix of its containers)
    stack: list[tuple[object, int, _Chain, str, str]] = [(data, 1, None, "", "")]
    while stack:
        node, depth, chain, table, deep = stack.pop()
        if depth > deepest:
            raise too_large("CERTIFY_MAX_DEPTH", source, None, f"tables and lists nest more than {deepest} deep")
        if isinstance(node, dict):
            for key, child in node.items():
                if not key.isascii():
                    _check_characters(key, _render((chain, key)), source)
                if isinstance(child, (dict, list)):
                    inner = f"{deep}.{key}" if deep else str(key)
                    stack.append((child, depth + 1, (chain, key), inner, inner))
                else:
                    scalar(child, (chain, key), f"{table}.{key}" if table else str(key))
        elif isinstance(node, list):
            inner = table + "[]"  # every position of the list: one table
            for index, child in enumerate(node):
                if isinstance(child, dict):  # its fields are a column of the list; deeper, it is itself
                    stack.append((child, depth + 1, (chain, index), inner, f"{deep}[{index}]"))
                elif isinstance(child, list):
                    stack.append((child, depth + 1, (chain, index), inner, inner))
                else:
                    scalar(child, (chain, index), inner)
        else:
            scalar(node, chain, table)


def _render(chain: _Chain) -> str:
    """A key chain (parent chain, key) as a path: constraints[0].value."""
    parts = []
    while chain is not None:
        chain, key = chain
        parts.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    return "".join(reversed(parts)).lstrip(".")


def _check_characters(text: str, path: str, source: object) -> None:
    """Refuse a lone surrogate (a JSON escape such as \\ud800 with no partner): it is no
    character, cannot be printed or written as UTF-8, and no file certify writes holds one."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        point = ord(text[error.start])
        raise BadInput(source, path.encode("ascii", "backslashreplace").decode() or None,
                       f"holds a lone surrogate U+{point:04X}, which is not a character") from None


def _grow_common(common: dict[str, list[Any]], table: str, denominator: str, common_bits: int,
                 source: object) -> None:
    """Fold one denominator (its digits) into the common denominator of ``table``'s rationals,
    each distinct one once, refusing when it passes ``common_bits`` bits
    (CERTIFY_MAX_TABLE_DIGITS)."""
    entry = common.get(table)
    if entry is None:
        entry = common[table] = [1, set()]
    seen = entry[1]
    if denominator in seen:
        return
    seen.add(denominator)
    value = int(denominator)
    lcm = entry[0]
    if value > 1 and lcm % value:
        lcm = lcm * value // math.gcd(lcm, value)
        if lcm.bit_length() > common_bits:
            raise too_large("CERTIFY_MAX_TABLE_DIGITS", source, table or None,
                            f"its rationals have a common denominator of more than {limit('CERTIFY_MAX_TABLE_DIGITS')} "
                            f"digits ({len(seen)} distinct denominators)")
        entry[0] = lcm


def _count_values(text: str, opaque: re.Pattern[str]) -> int:
    """An upper bound on the values (numbers, strings, lists, objects) of a JSON text, from
    its separators and brackets outside strings: each value but the first follows a comma or
    opens a bracket (linear, in C loops)."""
    bare = opaque.sub('""', text)
    return bare.count(",") + bare.count("[") + bare.count("{") + bare.count("=") + 1  # "=": TOML key = value


def _check_text(text: str, tokens: re.Pattern[str], source: object) -> None:
    """Size, bracket nesting and value count of a file's text, before any parser sees it: a
    60 MB list of numbers would cost the parser over 30 s and gigabytes."""
    megabytes = len(text.encode("utf-8", "surrogatepass")) / 2**20
    if megabytes > limit("CERTIFY_MAX_FILE_MB"):
        raise too_large("CERTIFY_MAX_FILE_MB", source, None, f"the file is {megabytes:.0f} MB")
    depth = _bracket_depth(text, tokens)
    if depth > limit("CERTIFY_MAX_DEPTH"):
        raise too_large("CERTIFY_MAX_DEPTH", source, None, f"brackets nest {depth} deep")
    values = _count_values(text, tokens)
    if values > limit("CERTIFY_MAX_VALUES"):
        raise too_large("CERTIFY_MAX_VALUES", source, None, f"the file holds about {values} values")


def _json_int(source: object) -> Callable[[str], int]:
    largest = limit("CERTIFY_MAX_DIGITS")

    def parse(text: str) -> int:
        if _digits(text.lstrip("-")) > largest:
            raise too_large("CERTIFY_MAX_DIGITS", source, None, f"the integer {shorten(text)} is too long")
        return int(text)

    return parse


def _json_float(source: object, exact: bool = False) -> Callable[[str], float | _Refused]:
    def parse(text: str) -> float | _Refused:
        return _deferred(text, source, exact)

    return parse


def _json_constant(source: object) -> Callable[[str], NoReturn]:
    def reject(name: str) -> NoReturn:
        raise BadInput(source, None, f"'{name}' is not a finite number")

    return reject


def load_json(text: str, source: object, exact_decimals: bool = True, **hooks: Any) -> Any:
    """json.loads with every size checked (see the module docstring).

    ``exact_decimals``: decimals become ``WrittenFloat`` (problem files: taken as
    written); False gives plain floats (result documents, where a float is the
    summary of an exact number and is compared as a double). ``hooks`` pass on
    to json.loads (e.g. object_pairs_hook). Raises BadInput, also for invalid JSON.
    """
    _check_text(text, _JSON_OPAQUE, source)
    try:
        data = json.loads(text, parse_int=_json_int(source), parse_float=_json_float(source, exact_decimals),
                          parse_constant=_json_constant(source), **hooks)
    except json.JSONDecodeError as error:
        raise BadInput(source, None, f"invalid JSON at line {error.lineno}: {error.msg}") from None
    except RecursionError:
        raise too_large("CERTIFY_MAX_DEPTH", source, None, "the JSON nests too deeply for Python's parser") from None
    _check_tree(data, source)
    return data


def load_toml(text: str, source: object) -> dict[str, Any]:
    """tomllib.loads with every size checked (see the module docstring); raises BadInput."""
    _check_text(text, _TOML_OPAQUE, source)
    try:
        data = tomllib.loads(text, parse_float=lambda literal: _deferred(literal, source, True))
    except tomllib.TOMLDecodeError as error:
        raise BadInput(source, None, f"invalid TOML: {error}") from None
    except RecursionError:
        raise too_large("CERTIFY_MAX_DEPTH", source, None, "the TOML nests too deeply for Python's parser") from None
    except ValueError as error:  # Python's own int/str conversion limit
        if "digits" not in str(error):
            raise
        raise too_large("CERTIFY_MAX_DIGITS", source, None, "an integer has too many digits") from None
    _check_tree(data, source)
    return data
