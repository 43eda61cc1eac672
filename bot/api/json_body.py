"""Bounded JSON: the one loader every request body goes through (`loads`, and Flask's
`request.get_json` through `BoundedJSONProvider`), refusing nesting too deep, numbers too
long and NaN or Infinity with a `JsonRefused` instead of a traceback."""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from flask.json.provider import DefaultJSONProvider

# Python's `json` recurses once per level of nesting and converts numbers of any length, so
# `[[[[…` 100 000 deep ends in a RecursionError and a 5 001-digit number in a ValueError
# (the 4 300-digit limit of `int()`): tracebacks, not answers. `loads` refuses both first.
# The depth is measured by a pre-scan that runs in the regular-expression engine and skips
# strings (bench/json_body.py: 3 ms for a body 100 000 levels deep, about a quarter of a
# second for the costliest 1 MiB body found); the digits are counted by the parser's own
# number hooks, before any conversion.
MAX_DEPTH = 32
MAX_NUMBER_DIGITS = 20  # 64-bit integers have 19 digits; nothing in the API needs more

# One pass drops everything but the brackets that structure the document: whole
# strings (an unterminated one runs to the end, so no start is scanned twice),
# and every run of other characters.
_NOT_STRUCTURE = re.compile(r'"(?:[^"\\]++|\\.)*+"|"[\s\S]*|[^"\[\]{}]+')
_INNERMOST_PAIRS = re.compile(r"\[\]|\{\}")
_STEPS = {"[": 1, "{": 1, "]": -1, "}": -1}
_DIGIT = re.compile(r"\d")


# A ValueError, so `request.get_json(silent=True)` stays silent.
class JsonRefused(ValueError):
    """A JSON document refused for its shape rather than its syntax; `problem` says why."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


def loads(text: str | bytes, **kwargs: Any) -> Any:
    """`json.loads` within `MAX_DEPTH` and `MAX_NUMBER_DIGITS`, without NaN or Infinity
    (not JSON at all); raises JsonRefused, or json's own JSONDecodeError for malformed
    text."""
    if isinstance(text, bytes | bytearray):
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    check_depth(text)
    return json.loads(
        text,
        parse_int=_parse_int,
        parse_float=_parse_float,
        parse_constant=_parse_constant,
        **kwargs,
    )


def check_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """Raise JsonRefused when `text` nests arrays and objects deeper than `limit`."""
    brackets = _NOT_STRUCTURE.sub("", text)
    if re.search(rf"[\[{{]{{{limit + 1}}}", brackets):
        raise JsonRefused(f"nested deeper than {limit} levels")  # the usual attack, found at once
    remaining = brackets
    # Each pass removes the innermost level of a well-formed document, so at
    # most `limit` passes empty one that is shallow enough.
    for _ in range(limit):
        if not remaining:
            return
        reduced = _INNERMOST_PAIRS.sub("", remaining)
        if reduced == remaining:
            break  # mismatched brackets: let the parser say where, if it is shallow enough
        remaining = reduced
    if not remaining:
        return
    if max(accumulate(map(_STEPS.__getitem__, brackets))) > limit:
        raise JsonRefused(f"nested deeper than {limit} levels")


def _parse_int(literal: str) -> int:
    _check_digits(literal)
    return int(literal)


def _parse_float(literal: str) -> float:
    _check_digits(literal)
    value = float(literal)
    if not math.isfinite(value):
        raise JsonRefused(f"a number too large for a float ({literal})")
    return value


def _parse_constant(name: str) -> float:
    raise JsonRefused(f"{name}, which is not a JSON number")


def _check_digits(literal: str) -> None:
    # Besides digits a literal holds at most a sign, a point, an "e" and its sign;
    # the length decides first, as the literal may be a megabyte of digits.
    if len(literal) > MAX_NUMBER_DIGITS and (
        len(literal) > MAX_NUMBER_DIGITS + 4 or len(_DIGIT.findall(literal)) > MAX_NUMBER_DIGITS
    ):
        raise JsonRefused(f"a number longer than {MAX_NUMBER_DIGITS} digits")


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider reading with `loads` above (writing is unchanged)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s, **kwargs)
