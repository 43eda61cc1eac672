"""The values a message text computes and shows. Only texts and numbers reach
the output (`as_text`: anything else is refused with a sentence that names it,
never its repr); results larger than a message can use are refused, and where
the size is known beforehand, before they are built (`checked`, the bounded
operators in BINARY and UNARY, `compare`, `bounded_range`). Also the guards
the rewritten tree calls for every printed value, loop, `~` and comparison
chain (GUARDS). The operators and guards spend the render's budget.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterator
from typing import Any

from jinja2 import Undefined
from jinja2.runtime import LoopContext

from outbound.policy.sandbox.limits import (
    CHARACTERS_PER_STEP,
    MAX_COMPARED_PARTS,
    MAX_ITEMS,
    MAX_NUMBER,
    MAX_RANGE,
    MAX_RENDERED_CHARACTERS,
    TemplateRefused,
)
from outbound.policy.sandbox.spending import current, spend, spend_characters


def kind_of(value: Any) -> str:
    """What a value is, in words staff know; never its repr."""
    if isinstance(value, dict):
        return "a group of values"
    if isinstance(value, list | tuple | range):
        return "a list"
    if isinstance(value, LoopContext):
        return "the loop itself"
    if callable(value):
        return "a function"
    return "not a text or a number"


def _not_text(value: Any, shown: str | None, where: str) -> TemplateRefused:
    subject = f"{{{{ {shown} }}}}" if shown else where
    if isinstance(value, dict):
        example = next((key for key in value if isinstance(key, str) and key.isidentifier()), None)
        hint = f", e.g. {shown}.{example}" if example and shown else ""
        return TemplateRefused(f"{subject} is a group of values; name one of them{hint}")
    if isinstance(value, list | tuple | range):
        if shown:
            hint = f"{{% for item in {shown} %}}…{{% endfor %}} or {shown}|join(', ')"
        else:
            hint = "a {% for %} loop or |join(', ')"
        return TemplateRefused(f"{subject} is a list; show its items with {hint}")
    if isinstance(value, LoopContext):
        return TemplateRefused(f"{subject} is the loop itself; show loop.index or loop.length")
    if callable(value):
        return TemplateRefused(f"{subject} is a function, not a text")
    return TemplateRefused(f"{subject} is not a text or a number")


def as_text(value: Any, shown: str | None = None, where: str = "a value in the text") -> str:
    """`value` as the text a message shows: texts and numbers as they are, absent
    values (None) as nothing; anything else is refused, never its repr. `shown`
    is the expression as written (customer.name), `where` says where it was
    used when there is none."""
    if value is None:
        return ""
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, bool | int | float):
        return str(value)
    raise _not_text(value, shown, where)


def checked(value: Any) -> Any:
    """Refuse a result larger than a message text can use."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        if abs(value) > MAX_NUMBER:
            raise TemplateRefused(f"numbers in a message text stay below {MAX_NUMBER:,}")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise TemplateRefused("the number is too large for a message text")
    elif isinstance(value, str):
        if len(value) > MAX_RENDERED_CHARACTERS:
            raise too_long()
    elif isinstance(value, list | tuple):
        if len(value) > MAX_ITEMS:
            raise TemplateRefused(f"lists in a message text have at most {MAX_ITEMS} items")
    elif isinstance(value, complex):
        raise TemplateRefused("the result is not a number a message text can show")
    return value


def too_long() -> TemplateRefused:
    return TemplateRefused(f"the text renders to more than {MAX_RENDERED_CHARACTERS} characters")


def as_number(value: Any, what: str) -> int | float:
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if not isinstance(value, int | float):
        raise TemplateRefused(f"{what} works on numbers, not on {_kind_or_text(value)}")
    return value


def _kind_or_text(value: Any) -> str:
    return "texts" if isinstance(value, str) else kind_of(value)


def as_whole(value: Any, what: str) -> int:
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if not isinstance(value, int):
        raise TemplateRefused(f"{what} takes a whole number")
    return value


def _weigh(value: Any) -> None:
    """Refuse comparing values that are too large to compare at once: nested
    lists that share their parts can stand for more items than memory holds."""
    stack = [value]
    parts = 0
    while stack:
        item = stack.pop()
        parts += 1
        if parts > MAX_COMPARED_PARTS:
            raise TemplateRefused(
                f"the values compared are too large (more than {MAX_COMPARED_PARTS} parts)"
            )
        if isinstance(item, str):
            parts += len(item) // CHARACTERS_PER_STEP
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
    spend(parts)


def refuse_private(name: Any) -> None:
    if isinstance(name, str) and name.startswith("_"):
        raise TemplateRefused(
            f"{name!r} is unsafe: names starting with _ are not available in message texts"
        )


def bounded_range(*args: Any) -> range:
    for argument in args:
        as_whole(argument, "range()")
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateRefused(f"range too large for a message text (at most {MAX_RANGE})")
    return numbers


# --- binary and unary operators ----------------------------------------------------


def plain_operand(value: Any, symbol: str) -> None:
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if value is not None and not isinstance(value, bool | int | float | str | list | tuple):
        raise TemplateRefused(f"{symbol} works on texts and numbers, not on {kind_of(value)}")


def _add(left: Any, right: Any) -> Any:
    if isinstance(left, str) and isinstance(right, str):
        if len(left) + len(right) > MAX_RENDERED_CHARACTERS:
            raise too_long()
        spend_characters(len(left) + len(right))
    elif isinstance(left, list | tuple) and isinstance(right, list | tuple):
        if len(left) + len(right) > MAX_ITEMS:
            raise TemplateRefused(f"lists in a message text have at most {MAX_ITEMS} items")
        spend_characters(len(left) + len(right))
    return left + right


def _multiply(left: Any, right: Any) -> Any:
    for sequence, times in ((left, right), (right, left)):
        if isinstance(sequence, str | list | tuple) and isinstance(times, int):
            limit = MAX_RENDERED_CHARACTERS if isinstance(sequence, str) else MAX_ITEMS
            size = len(sequence) * max(times, 0)
            if size > limit:
                raise TemplateRefused(
                    f"repetition too large for a message text (at most {limit} "
                    f"{'characters' if isinstance(sequence, str) else 'items'})"
                )
            spend_characters(size)
    return left * right


def _modulo(left: Any, right: Any) -> Any:
    if isinstance(left, str):
        raise TemplateRefused(
            "formatting with % is not available in message texts; join texts with ~"
        )
    return as_number(left, "%") % as_number(right, "%")


def _power(left: Any, right: Any) -> Any:
    base, exponent = as_number(left, "**"), as_number(right, "**")
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        # Refused before computing: 9**10000 is cheap to write and dear to build.
        if exponent > 64 or (abs(base).bit_length() - 1) * exponent > 64:
            raise TemplateRefused("exponent too large for a message text")
    return base**exponent


BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": _add,
    "-": operator.sub,
    "*": _multiply,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": _modulo,
    "**": _power,
}
UNARY: dict[str, Callable[[Any], Any]] = {"+": operator.pos, "-": operator.neg}
_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "lteq": operator.le,
    "gt": operator.gt,
    "gteq": operator.ge,
    "in": lambda left, right: left in right,
    "notin": lambda left, right: left not in right,
}


def compare(operator_name: str, left: Any, right: Any) -> bool:
    for value in (left, right):
        if isinstance(value, Undefined):
            value._fail_with_undefined_error()
        _weigh(value)
    return bool(_COMPARISONS[operator_name](left, right))


# --- guards the rewritten tree calls -----------------------------------------------


def _emit(value: Any, shown: str | None) -> str:
    """Every piece of output: only texts and numbers, counted, even inside
    {% set %}…{% endset %} and {% filter %} blocks that buffer it."""
    text = as_text(value, shown)
    spending = current()
    if spending is not None:
        spending.emitted += len(text)
        if spending.emitted > 4 * MAX_RENDERED_CHARACTERS:
            raise too_long()
    spend_characters(len(text))
    return text


def _loop(iterable: Any) -> Iterator[Any]:
    """What a {% for %} iterates over, one step per turn."""
    if isinstance(iterable, Undefined):
        iterable._fail_with_undefined_error()
    if not isinstance(iterable, list | tuple | range | str | dict):
        raise TemplateRefused(
            f"{{% for %}} goes through a list (like slots), not through {kind_of(iterable)}"
        )

    def turns() -> Iterator[Any]:
        for item in iterable:
            spend()
            yield item

    return turns()


def _concat(*values: Any) -> str:
    texts = [as_text(value, where="a value joined with ~") for value in values]
    size = sum(len(text) for text in texts)
    if size > MAX_RENDERED_CHARACTERS:
        raise too_long()
    spend_characters(size)
    return "".join(texts)


def _compare_chain(left: Any, *operands: Any) -> bool:
    # operands alternate: operator name, value, operator name, value, …
    for operator_name, right in zip(operands[::2], operands[1::2], strict=True):
        if not compare(operator_name, left, right):
            return False
        left = right
    return True


GUARDS = {
    "message_emit": _emit,
    "message_loop": _loop,
    "message_concat": _concat,
    "message_compare": _compare_chain,
}
GUARD_IDS = frozenset(id(guard) for guard in GUARDS.values())
