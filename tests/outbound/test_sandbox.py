"""The bounded sandbox message texts run in: known escapes and denial-of-service
payloads refused at once with a sentence for staff, compiling folds nothing,
legitimate texts keep working, and random templates never get past it."""

from __future__ import annotations

import contextlib
import gc
import time
import tomllib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from bot.errors import DomainError
from bot.services.texts import check_source
from outbound.policy import sandbox
from outbound.policy.rendering import (
    MESSAGES_DIR,
    SUPPORTED_LOCALES,
    RenderError,
    TextTemplate,
    message_context,
    render,
)
from tests.support.message_contexts import START, full_context
from tests.support.sandbox_payloads import PAYLOADS

# The bound: every payload is refused within 100 ms. Measured as this
# thread's CPU time with the garbage collector paused (`cpu_seconds`), so
# neither a busy test machine nor a collection of pytest's own heap counts
# against it; bench/template_limits.py measures the real figures (a few ms).
GUARD_SECONDS = 0.1


@contextlib.contextmanager
def cpu_seconds():
    """Yield a list that holds, afterwards, the CPU seconds the block took."""
    spent: list[float] = []
    gc.disable()
    started = time.thread_time()
    try:
        yield spent
    finally:
        spent.append(time.thread_time() - started)
        gc.enable()


# What an object's repr or a leaked internal looks like in a text or a message.
LEAKS = ("<function", "<class", "<built-in", "<bound", " at 0x", "0x", "jinja2.", "object at")


def sparse_context(locale: str = "de") -> dict:
    """No staff, service, location or links: the parts a record may lack. (The
    cancellation window stays: the one text printing it goes out only with one.)"""
    return message_context(
        business={"name": "Salon Sonnenschein"},
        customer={"name": "Ursula Hoffmann", "phone": "+4915112345678", "email": None},
        starts_at=START,
        timezone="Europe/Berlin",
        locale=locale,
        window_hours=24,
    )


def assert_clear(message: str) -> None:
    assert message.strip(), "an empty refusal"
    for leak in LEAKS:
        assert leak not in message, message
    assert "Traceback" not in message and len(message) < 600, message


# --- the payload list -------------------------------------------------------------


def test_the_payload_list_covers_escapes_and_denial_of_service():
    groups = {payload.group for payload in PAYLOADS}

    assert len(PAYLOADS) >= 100
    assert len({payload.source for payload in PAYLOADS}) == len(PAYLOADS)
    assert {"escape", "repr", "statement", "size", "number", "loop", "nesting"} <= groups


@pytest.mark.parametrize(
    "payload", PAYLOADS, ids=[f"{p.group}-{i}" for i, p in enumerate(PAYLOADS)]
)
def test_every_payload_is_refused_at_once_with_a_sentence(payload):
    with cpu_seconds() as rendering, pytest.raises(RenderError) as refused:
        render(TextTemplate(payload.source), full_context())

    assert_clear(str(refused.value))
    assert rendering[0] < GUARD_SECONDS


@pytest.mark.parametrize(
    "payload", PAYLOADS, ids=[f"{p.group}-{i}" for i, p in enumerate(PAYLOADS)]
)
def test_every_payload_is_refused_by_the_save_check(payload):
    with cpu_seconds() as checking, pytest.raises(DomainError) as refused:
        check_source(payload.source, "body", full_context())

    assert refused.value.code in ("template_error", "template_syntax", "unknown_variable")
    assert refused.value.field == "body"
    assert_clear(refused.value.message)
    assert checking[0] < GUARD_SECONDS


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("{{ self }}", "self is not available"),
        ("{{ range }}", "{{ range }} is a function, not a text"),
        ("{{ customer }}", "{{ customer }} is a group of values; name one of them, e.g. "),
        ("{{ slots }}", "{{ slots }} is a list; show its items with {% for item in slots %}"),
        ("{% for s in slots %}{{ loop }}{% endfor %}", "{{ loop }} is the loop itself"),
        ("{{ range ~ '' }}", "a value joined with ~ is a function"),
        ("{{ 'x'|replace('x', range) }}", "|replace's second argument is a function"),
        ("{{ [range]|join }}", "an item given to |join is a function"),
        ("{% macro m() %}{% endmacro %}", "{% macro %} is not available in message texts"),
        ("{% include 'x' %}", "{% include %} is not available in message texts"),
        ("{{ ''|attr('x') }}", "the filter |attr is not available in message texts"),
        ("{{ ''.format(1) }}", "calling .format() is not available in message texts"),
        ("{{ ''['\\x5f\\x5fclass\\x5f\\x5f'] }}", "'__class__' is unsafe"),
        ("{{ 'a' * 10**9 }}", "repetition too large for a message text"),
        ("{{ 9**10000 }}", "exponent too large for a message text"),
        ("{{ '%s' % 1 }}", "formatting with % is not available"),
        ("{{ " + "(" * 30 + "1" + ")" * 30 + " }}", "brackets nest at most 20 deep"),
        ("{{ 1" + " + 1" * 60 + " }}", "tag is too long"),
        ("{{ 12345678901234567 }}", "at most 15 digits"),
        ("{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}", "steps"),
        ("{{ 'x' * 15000 }}{{ 'x' * 15000 }}", "more than 20000 characters"),
    ],
)
def test_refusals_say_what_and_where(source, words):
    with pytest.raises(RenderError) as refused:
        render(TextTemplate(source), full_context())

    assert words in str(refused.value)


def test_compiling_computes_nothing_of_the_text():
    """jinja2 folds constant expressions while compiling, before any render
    bound applies: here nothing is folded, every operation waits for the render."""
    code = sandbox.python_source(
        "{{ 2 ** 10 }}{{ 'ab'|upper }}{{ 'c' ~ 'd' }}{{ 'e' * 3 }}{{ -7 }}"
        "{{ 'ab'.upper() }}{{ [1, 2][0] }}{% if 3 < 4 %}x{% endif %}"
    )

    for folded in ("1024", "'AB'", "'cd'", "'eee'", "-7", "True"):
        assert folded not in code


@pytest.mark.parametrize(
    "source",
    ["{{ 'a' * 10**9 }}", "{{ [1] * 10**9 }}", "{{ 9**9**9 }}", "{{ ('a' * 10**9)|upper }}"],
)
def test_compiling_a_runaway_expression_is_instant_and_leaves_it_to_the_render(source):
    with cpu_seconds() as compiling:
        sandbox.compile_text(source)

    assert compiling[0] < GUARD_SECONDS
    with pytest.raises(RenderError):
        render(TextTemplate(source), full_context())


def test_a_text_renders_only_inside_a_budget():
    with pytest.raises(sandbox.TemplateRefused):
        sandbox.render_text("{{ 1 + 1 }}", {})
    with sandbox.budget():
        assert sandbox.render_text("{{ 1 + 1 }}", {}) == "2"


# --- legitimate texts --------------------------------------------------------------


def _default_sources(locale: str) -> list[str]:
    with open(MESSAGES_DIR / f"{locale}.toml", "rb") as handle:
        texts = tomllib.load(handle)
    return [source for table in texts.values() for source in table.values()]


@pytest.mark.parametrize("context", [full_context, sparse_context])
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_default_texts_render_as_jinja2_s_own_sandbox_renders_them(locale, context):
    """The shipped texts are trusted, so jinja2's stock sandbox is the reference."""
    reference = SandboxedEnvironment(undefined=StrictUndefined)
    variables = context(locale)

    sources = _default_sources(locale)
    for source in sources:
        expected = reference.from_string(source).render(variables).strip()
        assert render(TextTemplate(source), variables).body == expected, source
    assert len(sources) > 40


@pytest.mark.parametrize(
    ("source", "text"),
    [
        (
            "{% for slot in slots %}{{ loop.index }}) {{ slot.time }} {% endfor %}",
            "1) 14:00 2) 15:00 3) 17:00",
        ),
        ("{% if slots|length == 3 %}drei{% endif %}", "drei"),
        ("{{ slots|join(', ', attribute='time') }}", "14:00, 15:00, 17:00"),
        ("{{ customer.name|upper }}", "URSULA HOFFMANN"),
        ("{{ customer.nickname|default('du') }} {{ customer.first_name|lower }}", "du ursula"),
        ("{% set g = 'Hi' %}{% with n = staff.name %}{{ g }} {{ n }}{% endwith %}", "Hi Jane"),
        ("{% filter upper %}hallo {{ staff.name }}{% endfilter %}", "HALLO JANE"),
        ("{% set x %}Hi {{ staff.name }}{% endset %}{{ x|lower }}", "hi jane"),
        ("{{ customer.first_name ~ '!' }} {{ 'Ursula' in customer.name }}", "Ursula! True"),
        ("{{ customer.name.split(' ')[0] }} {{ customer.name[:3] }}", "Ursula Urs"),
        ("{{ customer.name.replace('Ursula', 'U.') }}", "U. Hoffmann"),
        ("{{ '-' * 3 }} {{ window_hours * 60 }} {{ 7 // 2 }} {{ 2 ** 10 }}", "--- 1440 3 1024"),
        ("{{ '42'|int + 1 }} {{ 2.5|round }} {{ (0 - 3)|abs }} {{ 10 / 4 }}", "43 2.0 3 2.5"),
        ("{{ service.name|truncate(8) }} {{ ' x '|trim }}", "Haarschnitt x"),
        ("{% for x in range(10) if x is even %}{{ x }}{% endfor %}", "02468"),
        ("{% for a, b in [(1, 2), (3, 4)] %}{{ a }}{{ b }}{% endfor %}", "1234"),
        ("{% for x in [] %}x{% else %}keine{% endfor %}", "keine"),
        ("{{ customer['name'] }} {{ {'a': 1}.a }} {{ [1, 2][1] }}", "Ursula Hoffmann 1 2"),
    ],
)
def test_what_message_texts_use_still_works(source, text):
    rendered = render(TextTemplate(source), full_context()).body

    assert rendered == text


def test_absent_parts_print_as_nothing_not_none():
    rendered = render(
        TextTemplate("[{{ staff }}][{{ customer.email }}][{{ cancel_url }}][{{ none }}]"),
        sparse_context(),
    )

    assert rendered.body == "[][][][]"


# --- random templates ----------------------------------------------------------------

_ATOMS = st.sampled_from(
    [
        "customer.name",
        "customer",
        "slots",
        "staff",
        "staff.name",
        "window_hours",
        "range",
        "loop",
        "self",
        "cycler",
        "lipsum",
        "''",
        "'%s'",
        "'{}'",
        "'x'",
        "1",
        "0",
        "-1",
        "10**9",
        "9**99",
        "2.5",
        "1e308",
        "none",
        "true",
        "[1, 2]",
        "{'a': 1}",
        "range(3)",
        "'\\x5f\\x5fclass\\x5f\\x5f'",
    ]
)


def _expressions(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    operators = st.sampled_from(["+", "-", "*", "/", "//", "%", "**", "~", "==", "<", "in", "and"])
    filters = st.sampled_from(
        [
            "upper",
            "length",
            "join",
            "join(', ')",
            "first",
            "default('x')",
            "replace('', 'xx')",
            "int",
            "round(2)",
            "truncate(5)",
            "attr('__class__')",
            "format(1)",
            "center(99999)",
            "list",
            "string",
            "tojson",
        ]
    )
    attributes = st.sampled_from(
        ["name", "upper()", "split()", "format(self)", "__class__", "items()", "replace('', 'y')"]
    )
    return st.one_of(
        st.tuples(inner, operators, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, filters).map(lambda t: f"{t[0]}|{t[1]}"),
        st.tuples(inner, attributes).map(lambda t: f"{t[0]}.{t[1]}"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
        inner.map(lambda e: f"not {e}"),
        inner.map(lambda e: f"range({e})"),
    )


_EXPRESSIONS = st.recursive(_ATOMS, _expressions, max_leaves=6)


def _statements(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(_EXPRESSIONS, inner).map(lambda t: f"{{% if {t[0]} %}}{t[1]}{{% endif %}}"),
        st.tuples(_EXPRESSIONS, inner).map(
            lambda t: f"{{% for item in {t[0]} %}}{t[1]}{{{{ loop.index }}}}{{% endfor %}}"
        ),
        st.tuples(_EXPRESSIONS, inner).map(lambda t: f"{{% set v = {t[0]} %}}{t[1]}{{{{ v }}}}"),
        inner.map(lambda body: f"{{% filter upper %}}{body}{{% endfilter %}}"),
        st.lists(inner, min_size=2, max_size=3).map("".join),
    )


_FRAGMENTS = st.one_of(
    _EXPRESSIONS.map(lambda e: f"{{{{ {e} }}}}"),
    st.text(alphabet="ab {}%#'\"()|~.-_\n", max_size=12),
    st.sampled_from(["{% macro m() %}{% endmacro %}", "{% include 'x' %}", "{{", "{%", "}}"]),
)
_TEMPLATES = st.recursive(_FRAGMENTS, _statements, max_leaves=8)


@settings(
    max_examples=200,
    deadline=2000,  # ms per example: compiling a new text included, on a busy machine
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(source=_TEMPLATES)
def test_random_templates_render_text_or_are_refused(source):
    text, error = None, None
    with cpu_seconds() as rendering:
        try:
            text = render(TextTemplate(source), full_context()).body
        except RenderError as refused:
            error = refused
    if error is not None:
        assert_clear(str(error))
    else:
        for leak in LEAKS:
            assert leak not in text, (source, text)
    assert rendering[0] < GUARD_SECONDS
