"""The budget of one render: the steps and the CPU time all texts rendered
inside one `budget()` may use. Every guard, filter and environment hook calls
`spend` (or `spend_characters` for work that grows with a text's length); past
MAX_STEPS or MAX_CPU_SECONDS it raises `TemplateRefused`. CPU time of the
rendering thread, not the wall clock, and without the time garbage collection
took meanwhile: a gc callback measures that per thread, registered the first
time a budget opens rather than on import.
"""

from __future__ import annotations

import contextlib
import contextvars
import gc
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from outbound.policy.sandbox.limits import (
    CHARACTERS_PER_STEP,
    MAX_CPU_SECONDS,
    MAX_STEPS,
    TemplateRefused,
)


@dataclass
class Spending:
    """What the texts rendered inside one `budget()` have used so far."""

    started: float  # this thread's CPU clock when the render began
    collected: float  # this thread's CPU time in garbage collection by then
    steps: int = 0
    emitted: int = 0
    next_clock_check: int = 0


_budget: contextvars.ContextVar[Spending | None] = contextvars.ContextVar(
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


_registering = threading.Lock()


def _watch_collections() -> None:
    """Register `_collecting` with the garbage collector, once per process. On
    first use, not on import: importing the sandbox leaves the process as it was."""
    if _collecting in gc.callbacks:
        return
    with _registering:
        if _collecting not in gc.callbacks:
            gc.callbacks.append(_collecting)


@contextlib.contextmanager
def budget() -> Iterator[None]:
    """Render inside this: the steps and CPU time all texts rendered in it may use.

    CPU time of this thread, not the wall clock: a busy server must not fail a
    customer's confirmation because the worker waited for a core."""
    _watch_collections()
    spending = Spending(
        started=time.thread_time(), collected=_collected.get(threading.get_ident(), 0.0)
    )
    token = _budget.set(spending)
    try:
        yield
    finally:
        _budget.reset(token)


def current() -> Spending | None:
    """What the render in progress has spent; None outside `budget()`."""
    return _budget.get()


def spend(steps: int = 1) -> None:
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


def method_work(name: str, text: str, arguments: tuple) -> int:
    """The characters a text method looks at, charged before it runs: stripping
    compares every character with every one of the set (`'a'*20000`.strip of a
    20 000-character set is 4 * 10**8 comparisons); the others read each once."""
    texts = [argument for argument in arguments if isinstance(argument, str)]
    if name in ("strip", "lstrip", "rstrip") and texts:
        return len(text) * max(1, len(texts[0]))
    return len(text) + sum(map(len, texts))


def spend_characters(size: int) -> None:
    spend(1 + size // CHARACTERS_PER_STEP)
