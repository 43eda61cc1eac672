"""The bounded jinja2 environment every message text compiles and renders in.

Staff write message texts, so a text is untrusted code that runs in the server
(at save, at preview, at every send). This module owns what such a text may do:
it checks the source before jinja2 parses it (literal sizes, nesting, tokens),
walks the parsed tree with a whitelist (no macros, includes, imports, only the
filters, tests and calls listed here), rewrites it so loops, `~`, comparisons
and every printed value pass a guard, and compiles it without constant folding
of anything that could grow. At render time every operation the sandbox sees
counts against a budget of steps and of CPU time, results are size-checked
before they are built, and only texts and numbers reach the output. Whatever it
refuses raises `TemplateRefused` (a jinja2 `SecurityError`) with a sentence for
staff; jinja2's own syntax errors stay `TemplateSyntaxError`. Pure: no
database, no network.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gc
import math
import operator
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, Undefined, meta, nodes, pass_context
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.filters import do_default, do_title, do_truncate, make_attrgetter
from jinja2.runtime import Context, LoopContext
from jinja2.sandbox import SandboxedEnvironment
from jinja2.visitor import NodeTransformer

# --- limits ---------------------------------------------------------------------

# A rendered text larger than this is a template running away, not a message.
MAX_RENDERED_CHARACTERS = 20_000
MAX_SOURCE_CHARACTERS = 20_000
MAX_RANGE = 1_000
MAX_ITEMS = 1_000  # items in a list a text builds (`*`, `+`, split)
MAX_NUMBER = 10**15  # |int| a text may compute; 15 digits, like the literals
# Before parsing: bounds on what the parser and code generator recurse over.
MAX_LITERAL_CHARACTERS = 15
MAX_BRACKET_DEPTH = 20
MAX_TAG_TOKENS = 100  # in one {{ }} or {% %}; bounds operator, filter and `not` chains
MAX_TOKENS = 1_000  # in all tags of a text; the largest default text has 79
MAX_BLOCK_DEPTH = 10
MAX_LOOP_DEPTH = 3
# While rendering: every guarded operation and loop turn is a step.
MAX_STEPS = 10_000
MAX_CPU_SECONDS = 0.05
CHARACTERS_PER_STEP = 256  # building a long text costs steps in proportion
MAX_COMPARED_PARTS = 2_000  # parts of the values one comparison may look at

FILTER_NAMES = (
    "upper",
    "lower",
    "title",
    "capitalize",
    "trim",
    "default",
    "d",
    "length",
    "count",
    "first",
    "last",
    "join",
    "replace",
    "truncate",
    "round",
    "int",
    "abs",
)
STR_METHODS = frozenset(
    {
        "upper",
        "lower",
        "title",
        "capitalize",
        "strip",
        "lstrip",
        "rstrip",
        "startswith",
        "endswith",
        "replace",
        "split",
    }
)
LOOP_ATTRIBUTES = frozenset(
    {
        "index",
        "index0",
        "revindex",
        "revindex0",
        "first",
        "last",
        "length",
        "depth",
        "depth0",
        "previtem",
        "nextitem",
    }
)
# The statements jinja2 knows that a message text has no use for, by node type.
REFUSED_STATEMENTS = {
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.Block: "{% block %}",
    nodes.Extends: "{% extends %}",
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from … import %}",
    nodes.ScopedEvalContextModifier: "{% autoescape %}",
    nodes.EvalContextModifier: "{% autoescape %}",
    nodes.ExprStmt: "{% do %}",
    nodes.Continue: "{% continue %}",
    nodes.Break: "{% break %}",
    nodes.NSRef: "setting a part of a value ({% set x.y = … %})",
    nodes.Scope: "{% autoescape %}",
    nodes.OverlayScope: "{% autoescape %}",
}
ALLOWED_NODES = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Getattr,
    nodes.Getitem,
    nodes.Slice,
    nodes.Const,
    nodes.List,
    nodes.Tuple,
    nodes.Dict,
    nodes.Pair,
    nodes.Keyword,
    nodes.CondExpr,
    nodes.If,
    nodes.For,
    nodes.Assign,
    nodes.AssignBlock,
    nodes.With,
    nodes.FilterBlock,
    nodes.Filter,
    nodes.Test,
    nodes.Call,
    nodes.Add,
    nodes.Sub,
    nodes.Mul,
    nodes.Div,
    nodes.FloorDiv,
    nodes.Mod,
    nodes.Pow,
    nodes.Neg,
    nodes.Pos,
    nodes.Not,
    nodes.And,
    nodes.Or,
    nodes.Compare,
    nodes.Operand,
    nodes.Concat,
)
# Tags that open a block closed by an {% end… %} tag (a `set` without `=` too).
BLOCK_TAGS = frozenset(
    {"if", "for", "with", "filter", "macro", "call", "block", "autoescape", "trans"}
)
SKIPPED_TOKENS = frozenset(
    {"whitespace", "data", "comment_begin", "comment", "comment_end", "raw_begin", "raw_end"}
)


class TemplateRefused(SecurityError):
    """A message text asks for something message texts cannot do; the message
    says what, for staff."""


# --- the budget of one render ------------------------------------------------------


@dataclass
class _Budget:
    started: float  # this thread's CPU clock when the render began
    collected: float  # this thread's CPU time in garbage collection by then
    steps: int = 0
    emitted: int = 0
    next_clock_check: int = 0


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "message_text_budget", default=None
)
# CPU seconds each thread spent in garbage collection, by thread id. A
# collection that happens to run during a render is the process's work, not the
# text's, so it does not count against the text's time. (Kept apart from the
# context variable: a gc callback runs in the middle of arbitrary allocations.)
_collecting_since: dict[int, float] = {}
_collected: dict[int, float] = {}


def _collecting(phase: str, info: dict[str, Any]) -> None:
    thread, now = threading.get_ident(), time.thread_time()
    if phase == "start":
        _collecting_since[thread] = now
    else:
        since = _collecting_since.pop(thread, None)
        if since is not None:
            _collected[thread] = _collected.get(thread, 0.0) + now - since


gc.callbacks.append(_collecting)


@contextlib.contextmanager
def budget() -> Iterator[None]:
    """Render inside this: the steps and CPU time all texts rendered in it may use.

    CPU time of this thread, not the wall clock: a busy server must not fail a
    customer's confirmation because the worker waited for a core."""
    spending = _Budget(
        started=time.thread_time(), collected=_collected.get(threading.get_ident(), 0.0)
    )
    token = _budget.set(spending)
    try:
        yield
    finally:
        _budget.reset(token)


def _spend(steps: int = 1) -> None:
    spending = _budget.get()
    if spending is None:
        # Outside a render: jinja2 folding constants at compile time lands here,
        # and an operation it cannot fold is left to run, guarded, at render time.
        raise TemplateRefused("message texts are evaluated only while rendering")
    spending.steps += steps
    if spending.steps > MAX_STEPS:
        raise TemplateRefused(
            f"the text does too much work to render (more than {MAX_STEPS} steps); "
            "keep loops and repetitions small"
        )
    if spending.steps >= spending.next_clock_check:
        # Reading the thread's clock costs more than a step; look every 32.
        spending.next_clock_check = spending.steps + 32
        collected = _collected.get(threading.get_ident(), 0.0) - spending.collected
        if time.thread_time() - spending.started - collected > MAX_CPU_SECONDS:
            raise TemplateRefused(
                f"the text takes too long to render (more than {MAX_CPU_SECONDS * 1000:.0f} ms)"
            )


def _spend_characters(size: int) -> None:
    _spend(1 + size // CHARACTERS_PER_STEP)


# --- values ------------------------------------------------------------------------


def _kind(value: Any) -> str:
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


def _text(value: Any, shown: str | None = None, where: str = "a value in the text") -> str:
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


def _checked(value: Any) -> Any:
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
            raise _too_long()
    elif isinstance(value, list | tuple):
        if len(value) > MAX_ITEMS:
            raise TemplateRefused(f"lists in a message text have at most {MAX_ITEMS} items")
    elif isinstance(value, complex):
        raise TemplateRefused("the result is not a number a message text can show")
    return value


def _too_long() -> TemplateRefused:
    return TemplateRefused(f"the text renders to more than {MAX_RENDERED_CHARACTERS} characters")


def _number(value: Any, what: str) -> int | float:
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if not isinstance(value, int | float):
        raise TemplateRefused(f"{what} works on numbers, not on {_kind_or_text(value)}")
    return value


def _kind_or_text(value: Any) -> str:
    return "texts" if isinstance(value, str) else _kind(value)


def _whole(value: Any, what: str) -> int:
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
    _spend(parts)


def _refuse_private(name: Any) -> None:
    if isinstance(name, str) and name.startswith("_"):
        raise TemplateRefused(
            f"{name!r} is unsafe: names starting with _ are not available in message texts"
        )


def _bounded_range(*args: Any) -> range:
    for argument in args:
        _whole(argument, "range()")
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateRefused(f"range too large for a message text (at most {MAX_RANGE})")
    return numbers


# --- binary and unary operators ----------------------------------------------------


def _plain_operand(value: Any, symbol: str) -> None:
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if value is not None and not isinstance(value, bool | int | float | str | list | tuple):
        raise TemplateRefused(f"{symbol} works on texts and numbers, not on {_kind(value)}")


def _add(left: Any, right: Any) -> Any:
    if isinstance(left, str) and isinstance(right, str):
        if len(left) + len(right) > MAX_RENDERED_CHARACTERS:
            raise _too_long()
        _spend_characters(len(left) + len(right))
    elif isinstance(left, list | tuple) and isinstance(right, list | tuple):
        if len(left) + len(right) > MAX_ITEMS:
            raise TemplateRefused(f"lists in a message text have at most {MAX_ITEMS} items")
        _spend_characters(len(left) + len(right))
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
            _spend_characters(size)
    return left * right


def _modulo(left: Any, right: Any) -> Any:
    if isinstance(left, str):
        raise TemplateRefused(
            "formatting with % is not available in message texts; join texts with ~"
        )
    return _number(left, "%") % _number(right, "%")


def _power(left: Any, right: Any) -> Any:
    base, exponent = _number(left, "**"), _number(right, "**")
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        # Refused before computing: 9**10000 is cheap to write and dear to build.
        if exponent > 64 or (abs(base).bit_length() - 1) * exponent > 64:
            raise TemplateRefused("exponent too large for a message text")
    return base**exponent


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": _add,
    "-": operator.sub,
    "*": _multiply,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": _modulo,
    "**": _power,
}
_UNARY: dict[str, Callable[[Any], Any]] = {"+": operator.pos, "-": operator.neg}
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


def _compare(operator_name: str, left: Any, right: Any) -> bool:
    for value in (left, right):
        if isinstance(value, Undefined):
            value._fail_with_undefined_error()
        _weigh(value)
    return bool(_COMPARISONS[operator_name](left, right))


# --- guards the rewritten tree calls -----------------------------------------------


def _emit(value: Any, shown: str | None) -> str:
    """Every piece of output: only texts and numbers, counted, even inside
    {% set %}…{% endset %} and {% filter %} blocks that buffer it."""
    text = _text(value, shown)
    spending = _budget.get()
    if spending is not None:
        spending.emitted += len(text)
        if spending.emitted > 4 * MAX_RENDERED_CHARACTERS:
            raise _too_long()
    _spend_characters(len(text))
    return text


def _loop(iterable: Any) -> Iterator[Any]:
    """What a {% for %} iterates over, one step per turn."""
    if isinstance(iterable, Undefined):
        iterable._fail_with_undefined_error()
    if not isinstance(iterable, list | tuple | range | str | dict):
        raise TemplateRefused(
            f"{{% for %}} goes through a list (like slots), not through {_kind(iterable)}"
        )

    def turns() -> Iterator[Any]:
        for item in iterable:
            _spend()
            yield item

    return turns()


def _concat(*values: Any) -> str:
    texts = [_text(value, where="a value joined with ~") for value in values]
    size = sum(len(text) for text in texts)
    if size > MAX_RENDERED_CHARACTERS:
        raise _too_long()
    _spend_characters(size)
    return "".join(texts)


def _compare_chain(left: Any, *operands: Any) -> bool:
    # operands alternate: operator name, value, operator name, value, …
    for operator_name, right in zip(operands[::2], operands[1::2], strict=True):
        if not _compare(operator_name, left, right):
            return False
        left = right
    return True


_GUARDS = {
    "message_emit": _emit,
    "message_loop": _loop,
    "message_concat": _concat,
    "message_compare": _compare_chain,
}
_GUARD_IDS = frozenset(id(guard) for guard in _GUARDS.values())


# --- filters and tests ------------------------------------------------------------


def _text_filter(method: Callable[[str], str], name: str) -> Callable[..., str]:
    @pass_context
    def text_filter(context: Context, value: Any) -> str:
        text = _text(value, where=f"the value given to |{name}")
        _spend_characters(len(text))
        return _checked(method(text))

    return text_filter


@pass_context
def _trim(context: Context, value: Any, chars: Any = None) -> str:
    text = _text(value, where="the value given to |trim")
    _spend_characters(len(text))
    return text.strip(None if chars is None else _text(chars, where="|trim's characters"))


@pass_context
def _default(context: Context, value: Any, default_value: Any = "", boolean: bool = False) -> Any:
    _spend()
    return do_default(value, default_value, boolean)


@pass_context
def _length(context: Context, value: Any) -> int:
    _spend()
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if not isinstance(value, str | list | tuple | dict | range):
        raise TemplateRefused(f"|length counts texts and lists, not {_kind(value)}")
    return len(value)


def _end_filter(index: int, name: str) -> Callable[..., Any]:
    @pass_context
    def end(context: Context, value: Any) -> Any:
        _spend()
        if isinstance(value, Undefined):
            value._fail_with_undefined_error()
        if not isinstance(value, str | list | tuple | range):
            raise TemplateRefused(f"|{name} takes a text or a list, not {_kind(value)}")
        if not value:
            return context.environment.undefined(f"|{name} of an empty list has no value")
        return value[index]

    return end


@pass_context
def _join(context: Context, value: Any, separator: Any = "", attribute: Any = None) -> str:
    _spend()
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if not isinstance(value, str | list | tuple | range):
        raise TemplateRefused(f"|join takes a list, not {_kind(value)}")
    if len(value) > MAX_ITEMS and not isinstance(value, str):
        raise TemplateRefused(f"lists in a message text have at most {MAX_ITEMS} items")
    items: Any = value
    if attribute is not None:
        if not isinstance(attribute, str | int) or isinstance(attribute, bool):
            raise TemplateRefused("|join(attribute=…) names a part, e.g. attribute='short'")
        part_of = make_attrgetter(context.environment, attribute)
        items = [part_of(item) for item in value]
    between = _text(separator, where="|join's separator")
    texts = [_text(item, where="an item given to |join") for item in items]
    size = sum(len(text) for text in texts) + len(between) * max(len(texts) - 1, 0)
    if size > MAX_RENDERED_CHARACTERS:
        raise _too_long()
    _spend_characters(size)
    return between.join(texts)


def _replaced(text: str, old: str, new: str, count: Any) -> str:
    """`text.replace(old, new, count)`, refused before building a result too long."""
    if count is not None:
        count = _whole(count, "replace()'s count")
    occurrences = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        occurrences = min(occurrences, count)
    if len(text) + occurrences * (len(new) - len(old)) > MAX_RENDERED_CHARACTERS:
        raise _too_long()
    _spend_characters(len(text) + occurrences * len(new))
    return text.replace(old, new) if count is None else text.replace(old, new, count)


@pass_context
def _replace(context: Context, value: Any, old: Any, new: Any, count: Any = None) -> str:
    return _replaced(
        _text(value, where="the value given to |replace"),
        _text(old, where="|replace's first argument"),
        _text(new, where="|replace's second argument"),
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
    text = _text(value, where="the value given to |truncate")
    ending = _text(end, where="|truncate's end")
    length = _whole(length, "|truncate")
    if length < len(ending):
        raise TemplateRefused(f"|truncate needs a length of at least {len(ending)}")
    if leeway is not None and _whole(leeway, "|truncate's leeway") < 0:
        raise TemplateRefused("|truncate's leeway cannot be negative")
    _spend_characters(len(text))
    return do_truncate(context.environment, text, length, bool(killwords), ending, leeway)


@pass_context
def _round(context: Context, value: Any, precision: Any = 0, method: Any = "common") -> Any:
    _spend()
    number = _number(value, "|round")
    digits = _whole(precision, "|round")
    if not -15 <= digits <= 15:
        raise TemplateRefused("|round keeps between -15 and 15 digits")
    if method == "common":
        return _checked(round(number, digits))
    if method not in ("ceil", "floor"):
        raise TemplateRefused("|round's method is common, ceil or floor")
    scale = 10**digits
    rounded = getattr(math, method)(number * scale) / scale
    return _checked(rounded)


@pass_context
def _int(context: Context, value: Any, default: Any = 0, base: Any = 10) -> Any:
    _spend()
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    base = _whole(base, "|int's base")
    if base != 0 and not 2 <= base <= 36:
        raise TemplateRefused("|int's base is between 2 and 36")
    if isinstance(value, bool | int):
        return _checked(int(value))
    if isinstance(value, float):
        return _checked(int(value)) if math.isfinite(value) else default
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
    return _checked(number)


@pass_context
def _abs(context: Context, value: Any) -> Any:
    _spend()
    return _checked(abs(_number(value, "|abs")))


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
        _spend()
        return check(value)

    return test


def _comparison_test(operator_name: str) -> Callable[..., bool]:
    @pass_context
    def test(context: Context, value: Any, other: Any) -> bool:
        _spend()
        return _compare(operator_name, value, other)

    return test


def _parity_test(remainder: int) -> Callable[..., bool]:
    @pass_context
    def test(context: Context, value: Any) -> bool:
        _spend()
        # A whole number only: "%999999999d" % 2 would be string formatting.
        return _whole(value, "is even / is odd") % 2 == remainder

    return test


@pass_context
def _divisible_by(context: Context, value: Any, number: Any) -> bool:
    _spend()
    return _whole(value, "is divisibleby") % _whole(number, "is divisibleby") == 0


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


# --- the environment --------------------------------------------------------------


class MessageSandbox(SandboxedEnvironment):
    """jinja2's sandbox narrowed to message texts: every operator, attribute,
    item and call goes through the hooks below, which spend the render's budget
    and let through only the values and functions a message text needs."""

    # All of them: an intercepted operator is never folded at compile time.
    intercepted_binops = frozenset(_BINARY)
    intercepted_unops = frozenset(_UNARY)

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=False, optimized=False)
        self.filters = dict(FILTERS)
        self.tests = dict(TESTS)
        self.globals = {"range": _bounded_range}
        self.finalize = _text
        for name, guard in _GUARDS.items():
            setattr(self, name, guard)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _spend()
        _plain_operand(left, operator)
        _plain_operand(right, operator)
        try:
            return _checked(_BINARY[operator](left, right))
        except OverflowError as error:
            raise TemplateRefused("the number is too large for a message text") from error

    def call_unop(self, context: Context, operator: str, arg: Any) -> Any:
        _spend()
        return _checked(_UNARY[operator](_number(arg, f"unary {operator}")))

    def getattr(self, obj: Any, attribute: str) -> Any:
        _spend()
        _refuse_private(attribute)
        if isinstance(obj, Undefined):
            obj._fail_with_undefined_error()
        if isinstance(obj, dict):
            if attribute in obj:
                return obj[attribute]
            return self.undefined(obj=obj, name=attribute)
        if isinstance(obj, str):
            if attribute in STR_METHODS:
                return getattr(obj, attribute)
            raise TemplateRefused(
                f"'.{attribute}' is not available on texts in message texts; they have "
                f"{', '.join(sorted(STR_METHODS))}"
            )
        if isinstance(obj, LoopContext):
            if attribute in LOOP_ATTRIBUTES:
                return getattr(obj, attribute)
            raise TemplateRefused(
                f"loop.{attribute} is not available in message texts; loops have "
                f"{', '.join(sorted(LOOP_ATTRIBUTES))}"
            )
        if obj is None or isinstance(obj, bool | int | float | list | tuple | range):
            return self.undefined(obj=obj, name=attribute)
        raise TemplateRefused(f"'.{attribute}' is not available on {_kind(obj)}")

    def getitem(self, obj: Any, argument: Any) -> Any:
        _spend()
        _refuse_private(argument)
        if isinstance(obj, Undefined):
            obj._fail_with_undefined_error()
        if isinstance(argument, slice):
            for bound in (argument.start, argument.stop, argument.step):
                if bound is not None:
                    _whole(bound, "a slice [a:b]")
            if not isinstance(obj, str | list | tuple | range):
                raise TemplateRefused(f"a slice [a:b] takes a text or a list, not {_kind(obj)}")
            _spend_characters(len(obj))
            return obj[argument]
        if not isinstance(argument, str | int):
            raise TemplateRefused("items are picked by a name or a number, e.g. slots[0]")
        if isinstance(obj, dict):
            if argument in obj:
                return obj[argument]
        elif isinstance(obj, list | tuple | str | range):
            if isinstance(argument, int) and -len(obj) <= argument < len(obj):
                return obj[argument]
        elif isinstance(obj, LoopContext) and isinstance(argument, str):
            return self.getattr(obj, argument)
        elif obj is not None and not isinstance(obj, bool | int | float):
            raise TemplateRefused(f"items cannot be picked from {_kind(obj)}")
        return self.undefined(obj=obj, name=argument)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        # jinja2 adds its own bookkeeping to calls made inside loops and blocks.
        kwargs.pop("_loop_vars", None)
        kwargs.pop("_block_vars", None)
        if id(__obj) in _GUARD_IDS:
            return __obj(*args, **kwargs)
        _spend()
        if __obj is _bounded_range:
            return _bounded_range(*args, **kwargs)
        if isinstance(__obj, Undefined):
            __obj._fail_with_undefined_error()
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", None)
        if isinstance(owner, str) and name in STR_METHODS:
            for argument in (*args, *kwargs.values()):
                if argument is not None and not isinstance(argument, str | int):
                    raise TemplateRefused(f".{name}() takes texts and numbers")
            if name == "replace":
                if (
                    kwargs
                    or not 2 <= len(args) <= 3
                    or not all(isinstance(a, str) for a in args[:2])
                ):
                    raise TemplateRefused(
                        ".replace() takes the text to replace, its replacement and a count"
                    )
                return _replaced(owner, args[0], args[1], args[2] if len(args) == 3 else None)
            _spend_characters(len(owner))
            return _checked(__obj(*args, **kwargs))
        raise TemplateRefused(f"calling {_kind(__obj)} is not available in message texts")


ENVIRONMENT = MessageSandbox()


# --- checking the source and the tree ------------------------------------------------


def _check_tokens(source: str) -> None:
    """Refuse, before jinja2 parses it, a text whose parsing or compiling would
    recurse deeply or convert huge literals."""
    if len(source) > MAX_SOURCE_CHARACTERS:
        raise TemplateRefused(f"a message text has at most {MAX_SOURCE_CHARACTERS} characters")
    brackets = blocks = total = in_tag = 0
    first_name: str | None = None
    assigns = False
    for lineno, kind, value in ENVIRONMENT.lex(source):
        if kind in SKIPPED_TOKENS:
            continue
        if kind in ("variable_begin", "block_begin"):
            in_tag, first_name, assigns = 0, None, False
            continue
        if kind in ("variable_end", "block_end"):
            if first_name in BLOCK_TAGS or (first_name == "set" and not assigns):
                blocks += 1
                if blocks > MAX_BLOCK_DEPTH:
                    raise _refused_at(
                        lineno, f"blocks nest at most {MAX_BLOCK_DEPTH} deep in a message text"
                    )
            elif first_name is not None and first_name.startswith("end"):
                blocks = max(blocks - 1, 0)
            continue
        in_tag += 1
        total += 1
        if in_tag > MAX_TAG_TOKENS:
            raise _refused_at(
                lineno, f"a {{{{ }}}} or {{% %}} tag is too long (more than {MAX_TAG_TOKENS} parts)"
            )
        if total > MAX_TOKENS:
            raise _refused_at(
                lineno, f"the text has too many parts in its tags (more than {MAX_TOKENS})"
            )
        if kind == "name" and first_name is None:
            first_name = value
        elif kind in ("integer", "float") and len(value) > MAX_LITERAL_CHARACTERS:
            raise _refused_at(
                lineno, f"numbers in a message text have at most {MAX_LITERAL_CHARACTERS} digits"
            )
        elif kind == "operator":
            if value in "([{":
                brackets += 1
                if brackets > MAX_BRACKET_DEPTH:
                    raise _refused_at(
                        lineno, f"brackets nest at most {MAX_BRACKET_DEPTH} deep in a message text"
                    )
            elif value in ")]}":
                brackets -= 1
            elif value == "=":
                assigns = True


def _refused_at(lineno: int | None, message: str) -> TemplateRefused:
    return TemplateRefused(f"{message} (line {lineno})" if lineno else message)


def _shown(node: nodes.Node) -> str | None:
    """The expression as staff wrote it, for messages: customer.name, slots[0]."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        inner = _shown(node.node)
        return f"{inner}.{node.attr}" if inner else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        inner = _shown(node.node)
        return f"{inner}[{node.arg.value!r}]" if inner else None
    return None


def _check_tree(node: nodes.Node, loops: int = 0, blocks: int = 0) -> None:
    """Refuse what message texts cannot use, naming it, with its line: statements
    before what they hold, expressions after their parts (so `x.__class__.y()`
    is refused for `__class__`, not for the call)."""
    refused = REFUSED_STATEMENTS.get(type(node))
    if refused is not None:
        raise _refused_at(node.lineno, f"{refused} is not available in message texts")
    if not isinstance(node, ALLOWED_NODES):
        raise _refused_at(node.lineno, "this part of the text is not available in message texts")
    if isinstance(node, nodes.For):
        if node.recursive:
            raise _refused_at(node.lineno, "{% for … recursive %} is not available")
        loops += 1
        if loops > MAX_LOOP_DEPTH:
            raise _refused_at(node.lineno, f"loops nest at most {MAX_LOOP_DEPTH} deep")
    if isinstance(node, nodes.Stmt) and not isinstance(node, nodes.Output | nodes.Assign):
        blocks += 1
        if blocks > MAX_BLOCK_DEPTH:
            raise _refused_at(node.lineno, f"blocks nest at most {MAX_BLOCK_DEPTH} deep")
    for child in node.iter_child_nodes():
        _check_tree(child, loops, blocks)
    _check_expression(node)


def _check_expression(node: nodes.Node) -> None:
    if isinstance(node, nodes.Name):
        _refuse_private(node.name)
        if node.name == "self":
            raise _refused_at(node.lineno, "self is not available in message texts")
    elif isinstance(node, nodes.Getattr):
        _refuse_private(node.attr)
    elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        _refuse_private(node.arg.value)
    elif isinstance(node, nodes.Const):
        if isinstance(node.value, float) and not math.isfinite(node.value):
            raise _refused_at(node.lineno, "the number is too large for a message text")
    elif isinstance(node, nodes.Pair):
        if not isinstance(node.key, nodes.Const) or not isinstance(node.key.value, str | int):
            raise _refused_at(node.lineno, "the names in a {…} group are plain texts or numbers")
    elif isinstance(node, nodes.Filter) and node.name not in FILTERS:
        raise _refused_at(
            node.lineno,
            f"the filter |{node.name} is not available in message texts; the filters are "
            f"{', '.join(FILTER_NAMES)}",
        )
    elif isinstance(node, nodes.Test) and node.name not in TESTS:
        raise _refused_at(node.lineno, f"the test 'is {node.name}' is not available")
    if isinstance(node, nodes.Call | nodes.Filter | nodes.Test) and (
        node.dyn_args is not None or node.dyn_kwargs is not None
    ):
        raise _refused_at(node.lineno, "* and ** in calls are not available in message texts")
    if isinstance(node, nodes.Call):
        _check_call(node)


def _check_call(node: nodes.Call) -> None:
    callee = node.node
    if isinstance(callee, nodes.Name) and callee.name == "range":
        return
    if isinstance(callee, nodes.Getattr) and callee.attr in STR_METHODS:
        return
    if isinstance(callee, nodes.Name):
        called = f"{callee.name}()"
    elif isinstance(callee, nodes.Getattr):
        called = f"{_shown(callee) or '.' + callee.attr}()"
    else:
        called = "this value"
    raise _refused_at(
        node.lineno,
        f"calling {called} is not available in message texts; only range() and the text "
        f"methods {', '.join(sorted(STR_METHODS))}",
    )


def _guard(name: str, args: list[nodes.Expr], lineno: int) -> nodes.Call:
    return nodes.Call(nodes.EnvironmentAttribute(name), args, [], None, None, lineno=lineno)


class _Guarded(NodeTransformer):
    """Routes what jinja2 would run unguarded through the guards: output,
    loops, `~` and comparisons."""

    def visit_Output(self, node: nodes.Output) -> nodes.Output:
        self.generic_visit(node)
        node.nodes = [
            _guard(
                "message_emit",
                [
                    nodes.Const(child.data) if isinstance(child, nodes.TemplateData) else child,
                    nodes.Const(_shown(child)),
                ],
                child.lineno,
            )
            for child in node.nodes
        ]
        return node

    def visit_For(self, node: nodes.For) -> nodes.For:
        self.generic_visit(node)
        node.iter = _guard("message_loop", [node.iter], node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Call:
        self.generic_visit(node)
        return _guard("message_concat", list(node.nodes), node.lineno)

    def visit_Compare(self, node: nodes.Compare) -> nodes.Call:
        self.generic_visit(node)
        args: list[nodes.Expr] = [node.expr]
        for operand in node.ops:
            args += [nodes.Const(operand.op), operand.expr]
        return _guard("message_compare", args, node.lineno)


@functools.lru_cache(maxsize=256)
def _tree(source: str) -> nodes.Template:
    _check_tokens(source)
    tree = ENVIRONMENT.parse(source)
    _check_tree(tree)
    tree = _Guarded().visit(tree)
    tree.set_environment(ENVIRONMENT)
    return tree


def _safely(step: Callable[[], Any]) -> Any:
    try:
        return step()
    except (TemplateRefused, TemplateSyntaxError):
        raise
    except (RecursionError, MemoryError, SyntaxError) as error:
        # Defence behind the token limits: the parser, code generator and
        # Python's compiler all recurse over the nesting of a text.
        raise TemplateRefused("the text is nested too deeply to compile") from error


def compile_text(source: str) -> Any:
    """The compiled jinja2 template of `source`. Raises TemplateSyntaxError for
    jinja2 syntax errors and TemplateRefused for what message texts cannot do."""
    return _compiled(source)


@functools.lru_cache(maxsize=512)
def _compiled(source: str) -> Any:
    tree = _safely(lambda: _tree(source))
    code = _safely(lambda: ENVIRONMENT.compile(tree))
    return ENVIRONMENT.template_class.from_code(
        ENVIRONMENT, code, ENVIRONMENT.make_globals(None), None
    )


def python_source(source: str) -> str:
    """The Python code jinja2 generates for `source`: where to look to see that
    compiling computed nothing of the text (no folded constants)."""
    tree = _safely(lambda: _tree(source))
    return _safely(lambda: ENVIRONMENT.compile(tree, raw=True))


def variables_used(source: str) -> frozenset[str]:
    """The variables `source` reads from its context (not those it sets itself).
    Raises like `compile_text`."""
    tree = _safely(lambda: _tree(source))
    return frozenset(_safely(lambda: meta.find_undeclared_variables(tree)))


def render_text(source: str, context: dict[str, Any]) -> str:
    """`source` rendered with `context`, inside the current `budget()`. Stops as
    soon as the output outgrows a message text instead of building it whole."""
    if _budget.get() is None:
        raise TemplateRefused("message texts render only inside a budget")
    template = compile_text(source)
    pieces: list[str] = []
    size = 0
    stream = template.generate(context)
    try:
        for piece in stream:
            # A {% filter %} block's result comes out unguarded; check it here.
            text = piece if isinstance(piece, str) else _text(piece, where="a {% filter %} result")
            size += len(text)
            if size > 2 * MAX_RENDERED_CHARACTERS:
                raise _too_long()
            pieces.append(text)
    finally:
        stream.close()
    return "".join(pieces)
