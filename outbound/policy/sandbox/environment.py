"""`MessageSandbox`, jinja2's SandboxedEnvironment narrowed to message texts,
and ENVIRONMENT, the one instance every text compiles and renders in. Its hooks
are where jinja2 hands over every operator, attribute, item and call: each
spends the render's budget and lets through only the values, text methods and
loop attributes a message text needs. It carries the filters, the tests,
`range` and the guards the rewritten tree calls.
"""

from __future__ import annotations

from typing import Any

from jinja2 import StrictUndefined, Undefined
from jinja2.runtime import Context, LoopContext
from jinja2.sandbox import SandboxedEnvironment

from outbound.policy.sandbox.filters import FILTERS, TESTS, replaced
from outbound.policy.sandbox.limits import LOOP_ATTRIBUTES, STR_METHODS, TemplateRefused
from outbound.policy.sandbox.spending import method_work, spend, spend_characters
from outbound.policy.sandbox.values import (
    BINARY,
    GUARD_IDS,
    GUARDS,
    UNARY,
    as_number,
    as_text,
    as_whole,
    bounded_range,
    checked,
    kind_of,
    plain_operand,
    refuse_private,
)


class MessageSandbox(SandboxedEnvironment):
    """jinja2's sandbox narrowed to message texts: every operator, attribute,
    item and call goes through the hooks below, which spend the render's budget
    and let through only the values and functions a message text needs."""

    # All of them: an intercepted operator is never folded at compile time.
    intercepted_binops = frozenset(BINARY)
    intercepted_unops = frozenset(UNARY)

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=False, optimized=False)
        self.filters = dict(FILTERS)
        self.tests = dict(TESTS)
        self.globals = {"range": bounded_range}
        self.finalize = as_text
        for name, guard in GUARDS.items():
            setattr(self, name, guard)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        spend()
        plain_operand(left, operator)
        plain_operand(right, operator)
        try:
            return checked(BINARY[operator](left, right))
        except OverflowError as error:
            raise TemplateRefused("the number is too large for a message text") from error

    def call_unop(self, context: Context, operator: str, arg: Any) -> Any:
        spend()
        return checked(UNARY[operator](as_number(arg, f"unary {operator}")))

    def getattr(self, obj: Any, attribute: str) -> Any:
        spend()
        refuse_private(attribute)
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
        raise TemplateRefused(f"'.{attribute}' is not available on {kind_of(obj)}")

    def getitem(self, obj: Any, argument: Any) -> Any:
        spend()
        refuse_private(argument)
        if isinstance(obj, Undefined):
            obj._fail_with_undefined_error()
        if isinstance(argument, slice):
            for bound in (argument.start, argument.stop, argument.step):
                if bound is not None:
                    as_whole(bound, "a slice [a:b]")
            if not isinstance(obj, str | list | tuple | range):
                raise TemplateRefused(f"a slice [a:b] takes a text or a list, not {kind_of(obj)}")
            spend_characters(len(obj))
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
            raise TemplateRefused(f"items cannot be picked from {kind_of(obj)}")
        return self.undefined(obj=obj, name=argument)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        # jinja2 adds its own bookkeeping to calls made inside loops and blocks.
        kwargs.pop("_loop_vars", None)
        kwargs.pop("_block_vars", None)
        if id(__obj) in GUARD_IDS:
            return __obj(*args, **kwargs)
        spend()
        if __obj is bounded_range:
            return bounded_range(*args, **kwargs)
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
                return replaced(owner, args[0], args[1], args[2] if len(args) == 3 else None)
            spend_characters(method_work(name, owner, (*args, *kwargs.values())))
            return checked(__obj(*args, **kwargs))
        raise TemplateRefused(f"calling {kind_of(__obj)} is not available in message texts")


ENVIRONMENT = MessageSandbox()
