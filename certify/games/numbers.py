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
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
import tomllib
from fractions import Fraction

from ..errors import BadInput
from .limits import LimitExceeded, limit, shorten, too_large

_DECIMAL = re.compile(r"\s*([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?\s*", re.ASCII)
_RATIONAL = re.compile(r"\s*([-+]?)(\d+)/(\d+)\s*", re.ASCII)


def _digits(text):
    """Significant length of a digit string (leading zeros cost nothing)."""
    return len(text.lstrip("0"))


def bounded_fraction(text, source=None, key=None):
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
def _short_fraction(text, largest):
    """_read_fraction of a number of at most 48 characters, remembered (a Fraction is
    immutable, so shared): a document repeats a few numbers ("0", "1", "1/2") thousands
    of times."""
    return _read_fraction(text, largest, None, None)


def _read_fraction(text, largest, source, key):
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


def checked_fraction(text):
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

# Strings and comments, whose brackets nest nothing; then every character but a bracket.
_JSON_OPAQUE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_TOML_OPAQUE = re.compile(
    r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"|\'[^\'\n]*\'|#[^\n]*', re.S
)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_NESTING = {"[": 1, "{": 1, "]": -1, "}": -1}


def _bracket_depth(text, opaque):
    """The deepest nesting of brackets outside strings and comments: the largest running sum
    of +1 per opening and -1 per closing bracket, left to right (linear, in C loops: the
    regular expressions drop strings, comments and other text, accumulate sums)."""
    brackets = _NOT_BRACKET.sub("", opaque.sub("", text))
    return max(itertools.accumulate(map(_NESTING.__getitem__, brackets), initial=0))


def _check_tree(data, source):
    """Depth of parsed tables and lists, and the size of their integers (no recursion)."""
    deepest = limit("CERTIFY_MAX_DEPTH")
    bits = math.ceil(limit("CERTIFY_MAX_DIGITS") * math.log2(10))
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > deepest:
                raise too_large("CERTIFY_MAX_DEPTH", source, None, f"tables and lists nest more than {deepest} deep")
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(node, int) and not isinstance(node, bool) and node.bit_length() > bits:
            raise too_large("CERTIFY_MAX_DIGITS", source, None, "an integer has too many digits")
        elif isinstance(node, float) and not math.isfinite(node):
            raise BadInput(source, None, f"{node} is not a finite number")


def _check_text(text, tokens, source):
    megabytes = len(text.encode("utf-8", "surrogatepass")) / 2**20
    if megabytes > limit("CERTIFY_MAX_FILE_MB"):
        raise too_large("CERTIFY_MAX_FILE_MB", source, None, f"the file is {megabytes:.0f} MB")
    depth = _bracket_depth(text, tokens)
    if depth > limit("CERTIFY_MAX_DEPTH"):
        raise too_large("CERTIFY_MAX_DEPTH", source, None, f"brackets nest {depth} deep")


def _json_int(source):
    largest = limit("CERTIFY_MAX_DIGITS")

    def parse(text):
        if _digits(text.lstrip("-")) > largest:
            raise too_large("CERTIFY_MAX_DIGITS", source, None, f"the integer {shorten(text)} is too long")
        return int(text)

    return parse


def _json_float(source):
    def parse(text):
        if len(text) > 2 * limit("CERTIFY_MAX_DIGITS") + 20:
            raise too_large("CERTIFY_MAX_DIGITS", source, None, f"the number {shorten(text)} is too long")
        value = float(text)
        if not math.isfinite(value):
            raise BadInput(source, None, f"{shorten(text)} is not a finite number")
        return value

    return parse


def _json_constant(source):
    def reject(name):
        raise BadInput(source, None, f"'{name}' is not a finite number")

    return reject


def load_json(text, source, **hooks):
    """json.loads with every size checked (see the module docstring).

    ``hooks`` pass on to json.loads (e.g. object_pairs_hook). Raises
    BadInput, also for invalid JSON.
    """
    _check_text(text, _JSON_OPAQUE, source)
    try:
        data = json.loads(text, parse_int=_json_int(source), parse_float=_json_float(source),
                          parse_constant=_json_constant(source), **hooks)
    except json.JSONDecodeError as error:
        raise BadInput(source, None, f"invalid JSON at line {error.lineno}: {error.msg}") from None
    except RecursionError:
        raise too_large("CERTIFY_MAX_DEPTH", source, None, "the JSON nests too deeply for Python's parser") from None
    _check_tree(data, source)
    return data


def load_toml(text, source):
    """tomllib.loads with every size checked (see the module docstring); raises BadInput."""
    _check_text(text, _TOML_OPAQUE, source)
    try:
        data = tomllib.loads(text)
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
