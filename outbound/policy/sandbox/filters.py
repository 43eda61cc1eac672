"""The filters and tests a message text may use (FILTERS, TESTS): jinja2's
own, narrowed to texts, numbers and lists, each spending the render's budget
and refusing a result too large for a message before building it. Also
`replaced`, the bounded `str.replace` that both |replace and the text method
`.replace()` use.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from jinja2 import Undefined, pass_context
from jinja2.filters import do_default, do_title, do_truncate, make_attrgetter
from jinja2.runtime import Context

from outbound.policy.sandbox.limits import (
    FILTER_NAMES,
    MAX_ITEMS,
    MAX_LITERAL_CHARACTERS,
    MAX_RENDERED_CHARACTERS,
    TemplateRefused,
)
from outbound.policy.sandbox.spending import method_work, spend, spend_characters
from outbound.policy.sandbox.values import (
    as_number,
    as_text,
    as_whole,
    checked,
    compare,
    kind_of,
    too_long,
)


def _text_filter(method: Callable[[str], str], name: str) -> Callable[..., str]:
    @pass_context
    def text_filter(context: Context, value: Any) -> str:
        text = as_text(value, where=f"the value given to |{name}")
        spend_characters(len(text))
        return checked(method(text))

    return text_filter


@pass_context
def _trim(context: Context, value: Any, chars: Any = None) -> str:
    text = as_text(value, where="the value given to |trim")
    chars = None if chars is None else as_text(chars, where="|trim's characters")
    spend_characters(method_work("strip", text, (chars,)))
    return text.strip(chars)


@pass_context
def _default(context: Context, value: Any, default_value: Any = "", boolean: bool = False) -> Any:
    spend()
    return do_default(value, default_value, boolean)


@pass_context
def _length(context: Context, value: Any) -> int:
    spend()
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if not isinstance(value, str | list | tuple | dict | range):
        raise TemplateRefused(f"|length counts texts and lists, not {kind_of(value)}")
    return len(value)


def _end_filter(index: int, name: str) -> Callable[..., Any]:
    @pass_context
    def end(context: Context, value: Any) -> Any:
        spend()
        if isinstance(value, Undefined):
            value._fail_with_undefined_error()
        if not isinstance(value, str | list | tuple | range):
            raise TemplateRefused(f"|{name} takes a text or a list, not {kind_of(value)}")
        if not value:
            return context.environment.undefined(f"|{name} of an empty list has no value")
        return value[index]

    return end


# What |join(attribute=…) may name: a field ("short") or a small position.
_PART_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}|[0-9]{1,3}")


@pass_context
def _join(context: Context, value: Any, separator: Any = "", attribute: Any = None) -> str:
    spend()
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if not isinstance(value, str | list | tuple | range):
        raise TemplateRefused(f"|join takes a list, not {kind_of(value)}")
    if len(value) > MAX_ITEMS and not isinstance(value, str):
        raise TemplateRefused(f"lists in a message text have at most {MAX_ITEMS} items")
    items: Any = value
    if attribute is not None:
        if not _PART_NAME.fullmatch(str(attribute)) or isinstance(attribute, bool):
            raise TemplateRefused("|join(attribute=…) names a part, e.g. attribute='short'")
        part_of = make_attrgetter(context.environment, attribute)
        items = [part_of(item) for item in value]
    between = as_text(separator, where="|join's separator")
    texts = [as_text(item, where="an item given to |join") for item in items]
    size = sum(len(text) for text in texts) + len(between) * max(len(texts) - 1, 0)
    if size > MAX_RENDERED_CHARACTERS:
        raise too_long()
    spend_characters(size)
    return between.join(texts)


def replaced(text: str, old: str, new: str, count: Any) -> str:
    """`text.replace(old, new, count)`, refused before building a result too long."""
    if count is not None:
        count = as_whole(count, "replace()'s count")
    occurrences = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        occurrences = min(occurrences, count)
    if len(text) + occurrences * (len(new) - len(old)) > MAX_RENDERED_CHARACTERS:
        raise too_long()
    spend_characters(len(text) + occurrences * len(new))
    return text.replace(old, new) if count is None else text.replace(old, new, count)


@pass_context
def _replace(context: Context, value: Any, old: Any, new: Any, count: Any = None) -> str:
    return replaced(
        as_text(value, where="the value given to |replace"),
        as_text(old, where="|replace's first argument"),
        as_text(new, where="|replace's second argument"),
        count,
    )


@pass_context
def _truncate(
    context: Context,
    value: Any,
    length: Any = 255,
    killwords: Any = False,
    end: Any = "...",
    leeway: Any = None,
) -> str:
    text = as_text(value, where="the value given to |truncate")
    ending = as_text(end, where="|truncate's end")
    length = as_whole(length, "|truncate")
    if length < len(ending):
        raise TemplateRefused(f"|truncate needs a length of at least {len(ending)}")
    if leeway is not None and as_whole(leeway, "|truncate's leeway") < 0:
        raise TemplateRefused("|truncate's leeway cannot be negative")
    spend_characters(len(text))
    return do_truncate(context.environment, text, length, bool(killwords), ending, leeway)


@pass_context
def _round(context: Context, value: Any, precision: Any = 0, method: Any = "common") -> Any:
    spend()
    number = as_number(value, "|round")
    digits = as_whole(precision, "|round")
    if not -15 <= digits <= 15:
        raise TemplateRefused("|round keeps between -15 and 15 digits")
    if method == "common":
        return checked(round(number, digits))
    if method not in ("ceil", "floor"):
        raise TemplateRefused("|round's method is common, ceil or floor")
    scale = 10**digits
    rounded = getattr(math, method)(number * scale) / scale
    return checked(rounded)


@pass_context
def _int(context: Context, value: Any, default: Any = 0, base: Any = 10) -> Any:
    spend()
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    base = as_whole(base, "|int's base")
    if base != 0 and not 2 <= base <= 36:
        raise TemplateRefused("|int's base is between 2 and 36")
    if isinstance(value, bool | int):
        return checked(int(value))
    if isinstance(value, float):
        return checked(int(value)) if math.isfinite(value) else default
    if not isinstance(value, str) or len(value.strip()) > 2 * MAX_LITERAL_CHARACTERS:
        return default
    try:
        number = int(value, base)
    except ValueError:
        try:
            fraction = float(value)
        except ValueError:
            return default
        if not math.isfinite(fraction):
            return default
        number = int(fraction)
    return checked(number)


@pass_context
def _abs(context: Context, value: Any) -> Any:
    spend()
    return checked(abs(as_number(value, "|abs")))


FILTERS: dict[str, Callable[..., Any]] = {
    "upper": _text_filter(str.upper, "upper"),
    "lower": _text_filter(str.lower, "lower"),
    "title": _text_filter(do_title, "title"),
    "capitalize": _text_filter(str.capitalize, "capitalize"),
    "trim": _trim,
    "default": _default,
    "d": _default,
    "length": _length,
    "count": _length,
    "first": _end_filter(0, "first"),
    "last": _end_filter(-1, "last"),
    "join": _join,
    "replace": _replace,
    "truncate": _truncate,
    "round": _round,
    "int": _int,
    "abs": _abs,
}
assert set(FILTERS) == set(FILTER_NAMES)


def _type_test(check: Callable[[Any], bool]) -> Callable[..., bool]:
    @pass_context
    def test(context: Context, value: Any) -> bool:
        spend()
        return check(value)

    return test


def _comparison_test(operator_name: str) -> Callable[..., bool]:
    @pass_context
    def test(context: Context, value: Any, other: Any) -> bool:
        spend()
        return compare(operator_name, value, other)

    return test


def _parity_test(remainder: int) -> Callable[..., bool]:
    @pass_context
    def test(context: Context, value: Any) -> bool:
        spend()
        # A whole number only: "%999999999d" % 2 would be string formatting.
        return as_whole(value, "is even / is odd") % 2 == remainder

    return test


@pass_context
def _divisible_by(context: Context, value: Any, number: Any) -> bool:
    spend()
    return as_whole(value, "is divisibleby") % as_whole(number, "is divisibleby") == 0


TESTS: dict[str, Callable[..., bool]] = {
    "defined": _type_test(lambda value: not isinstance(value, Undefined)),
    "undefined": _type_test(lambda value: isinstance(value, Undefined)),
    "none": _type_test(lambda value: value is None),
    "number": _type_test(lambda value: isinstance(value, int | float)),
    "integer": _type_test(lambda value: isinstance(value, int) and not isinstance(value, bool)),
    "float": _type_test(lambda value: isinstance(value, float)),
    "string": _type_test(lambda value: isinstance(value, str)),
    "boolean": _type_test(lambda value: value is True or value is False),
    "true": _type_test(lambda value: value is True),
    "false": _type_test(lambda value: value is False),
    "even": _parity_test(0),
    "odd": _parity_test(1),
    "divisibleby": _divisible_by,
    **{
        name: _comparison_test(operator_name)
        for operator_name, names in (
            ("eq", ("eq", "equalto", "==")),
            ("ne", ("ne", "!=")),
            ("lt", ("lt", "lessthan", "<")),
            ("lteq", ("le", "<=")),
            ("gt", ("gt", "greaterthan", ">")),
            ("gteq", ("ge", ">=")),
            ("in", ("in",)),
        )
        for name in names
    },
}
