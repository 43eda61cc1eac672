"""Known jinja2 sandbox escapes and denial-of-service payloads, by group.

Each one must be refused by `outbound.policy.rendering.render` and by the save check
(`bot.services.texts.check_source`) with a clear sentence, quickly. Shared by
tests/outbound/test_sandbox.py and bench/template_limits.py. Payloads that
run the unbounded renderer out of memory or time are marked so the bench does
not feed them to it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Payload:
    group: str
    source: str
    # True when jinja2's own sandbox (the renderer before the bounded one) would
    # hang or run out of memory on it: the bench must not run it there.
    unsafe_for_baseline: bool = False


class _Hangs(str):
    """A payload the renderer before the bounded sandbox hangs or runs out of memory on."""


def _group(name: str, sources: list[str]) -> list[Payload]:
    return [Payload(name, str(source), isinstance(source, _Hangs)) for source in sources]


ESCAPES = _group(
    "escape",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ ''.__class__.__base__.__subclasses__() }}",
        "{{ [].__class__.__base__.__subclasses__() }}",
        "{{ ().__class__.__bases__[0].__subclasses__() }}",
        "{{ customer.__class__.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ joiner.__init__.__globals__.os.popen('id').read() }}",
        "{{ namespace.__init__.__globals__.os.popen('id').read() }}",
        "{{ lipsum.__globals__['os'].popen('id').read() }}",
        "{{ lipsum.__globals__.__builtins__.__import__('os').popen('id').read() }}",
        "{{ range.__globals__ }}",
        "{{ range.__init__.__globals__['__builtins__'] }}",
        "{{ self.__init__.__globals__.__builtins__ }}",
        "{{ self._TemplateReference__context }}",
        "{{ self._TemplateReference__context.cycler.__init__.__globals__.os }}",
        "{{ request.application.__globals__.__builtins__.__import__('os') }}",
        "{{ config.__class__.__init__.__globals__['os'] }}",
        "{{ config.items() }}",
        "{{ get_flashed_messages.__globals__['current_app'].config }}",
        "{{ url_for.__globals__['__builtins__'] }}",
        "{{ customer['__class__'] }}",
        "{{ ''['\\x5f\\x5fclass\\x5f\\x5f'] }}",
        "{{ ''['\\u005f\\u005fclass\\u005f\\u005f'] }}",
        "{{ ''|attr('__class__') }}",
        "{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f')|attr('\\x5f\\x5fmro\\x5f\\x5f') }}",
        "{{ slots|map(attribute='__class__')|list }}",
        "{{ slots|map(attribute='__class__')|first }}",
        "{{ slots|selectattr('__class__')|list }}",
        "{{ slots|join(attribute='__class__') }}",
        "{{ slots|join(attribute='\\x5f\\x5fclass\\x5f\\x5f') }}",
        "{{ customer|attr('__dict__') }}",
        "{{ '{0.__class__}'.format(customer) }}",
        "{{ '{0.__class__.__mro__}'.format('') }}",
        "{{ '{.__globals__}'.format(range) }}",
        "{{ '%s'|format(self) }}",
        "{{ '%s' % self }}",
        "{{ '%s' % range }}",
        "{{ '{}'.format(self) }}",
        "{{ ''.format_map(customer) }}",
        "{{ customer.name.format(1) }}",
        "{{ (''|string).__class__ }}",
        "{{ __builtins__ }}",
        "{% for slot in slots %}{{ loop.__class__ }}{% endfor %}",
        "{% for slot in slots %}{{ loop.cycle.__globals__ }}{% endfor %}",
        "{% set x = customer.__class__ %}{{ x }}",
        "{% with c = ''.__class__ %}{{ c }}{% endwith %}",
        "{{ customer.get.__self__ }}",
        "{{ customer.items() }}",
        "{{ customer.keys() }}",
        "{{ customer.update({'name': 'x'}) }}",
        "{{ slots.append(1) }}",
        "{{ slots.pop() }}",
        "{{ slots.clear() }}",
        "{{ customer.name.encode() }}",
        "{{ customer.name.__len__() }}",
        "{{ dict(a=1) }}",
        "{{ (1).__class__ }}",
        "{{ 1.5.hex() }}",
        "{% set key = '_' * 2 ~ 'class' ~ '_' * 2 %}{{ customer.name[key] }}",
    ],
)

REPRESENTATIONS = _group(
    "repr",
    [
        "{{ self }}",
        "{{ lipsum }}",
        "{{ cycler }}",
        "{{ joiner }}",
        "{{ namespace }}",
        "{{ range }}",
        "{% for slot in slots %}{{ loop }}{% endfor %}",
        "{{ loop }}",
        "{{ customer }}",
        "{{ slots }}",
        "{{ range(3) }}",
        "{{ customer.name.upper }}",
        "{{ customer.name.split }}",
        "{{ cycler ~ '' }}",
        "{{ [lipsum]|join }}",
        "{{ 'x'|replace('x', range) }}",
        "{{ customer ~ '' }}",
        "{{ slots|join(', ') }}",
        "{{ [customer]|first }}",
        "{{ [range]|last }}",
        "{{ 'a' ~ range ~ 'b' }}",
        "{% set f = range %}{{ f }}",
        "{{ range|string }}",
        "{{ range|pprint }}",
        "{{ range|tojson }}",
        "{{ customer|tojson }}",
        "{{ slots|list }}",
        "{% macro m() %}x{% endmacro %}{{ m }}",
        "{% filter upper %}{{ range }}{% endfilter %}",
        "{{ (range, range) }}",
        "{{ {'a': range} }}",
        "{{ 'abc'.startswith(range) }}",
        "{{ customer.name|truncate(10, end=range) }}",
        "{{ customer.nickname|default(range) }}",
        "{{ [1, 2]|join(range) }}",
        "{% set x %}{{ cycler }}{% endset %}{{ x }}",
        "{{ '{}'.format }}",
        "{% for slot in slots %}{% filter upper %}{{ loop }}{% endfilter %}{% endfor %}",
    ],
)

STATEMENTS = _group(
    "statement",
    [
        "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
        "{% include 'x' %}",
        "{% extends 'base' %}",
        "{% import 'x' as y %}",
        "{% from 'x' import y %}",
        "{% block b %}x{% endblock %}",
        "{% call m() %}x{% endcall %}",
        "{% set ns = namespace(a=1) %}{% set ns.a = 2 %}",
        "{% autoescape false %}x{% endautoescape %}",
        "{% for x in slots recursive %}{{ loop(slots) }}{% endfor %}",
        "{% do slots.append(1) %}",
        "{% debug %}",
        "{% trans %}x{% endtrans %}",
    ],
)

SIZES = _group(
    "size",
    [
        "{{ 'a' * 10**9 }}",
        _Hangs("{{ [1] * 10**9 }}"),
        _Hangs("{{ ([1] * 10**9)|length }}"),
        "{{ 'a' * 999999999999999 }}",
        "{{ ('a' * 20000) ~ 'b' }}",
        "{% set s = 'x' * 20000 %}{{ s + s }}",
        "{% set s = 'x' * 10000 %}{% for i in range(1000) %}{{ s }}{% endfor %}",
        "{{ 'x' * 20000 }}{{ 'x' * 20000 }}{{ 'x' * 20000 }}",
        _Hangs(
            "{% set a = [1] * 1000 %}{% set b = [a] * 1000 %}{% set c = [b] * 1000 %}"
            "{{ c == [[[1] * 1000] * 1000] * 1000 }}"
        ),
        "{% set a = [1] * 1000 %}{% set b = [a] * 1000 %}{{ b|join }}",
        "{{ 'ab'|replace('', 'x' * 20000) }}",
        "{{ ('x' * 20000)|replace('x', 'yy') }}",
        "{{ ('x' * 5000).replace('x', 'abcd' * 5) }}",
        _Hangs("{{ 'a'|center(10**9) }}"),
        _Hangs("{{ 'a'|indent(10**9) }}"),
        "{{ ('a ' * 5000)|wordwrap(1) }}",
        _Hangs("{{ 'a'.center(10**9) }}"),
        _Hangs("{{ 'a'.ljust(10**9) }}"),
        _Hangs("{{ 'a'.zfill(10**9) }}"),
        _Hangs("{{ '\\t'.expandtabs(10**9) }}"),
        "{{ range(1000)|join(',' * 20000) }}",
        "{{ ([1] * 1000 + [2] * 1000)|length }}",
        _Hangs("{{ '%999999999d' % 1 }}"),
        _Hangs("{{ '%.999999999f' % 1.0 }}"),
        _Hangs("{{ '{:>999999999}'.format(1) }}"),
        _Hangs("{{ '%999999999d'|format(1) }}"),
        _Hangs("{% if '%999999999d' is even %}x{% endif %}"),
        "{{ ('x' * 20000).split('') }}",
        "{{ ('x ' * 5000).split()|length }}",
        "{{ customer.name|replace('', customer.name * 1000) }}",
        "{{ ('\u0101' * 20000).strip('\u0113' * 19999 ~ '\u0101')|length }}",
        "{{ ('\u0101' * 20000).lstrip('\u0113' * 19999 ~ '\u0101')|length }}",
        "{{ ('\u0101' * 20000)|trim('\u0113' * 19999 ~ '\u0101')|length }}",
        "{{ ['a']|join(attribute='0' * 5000) }}",
    ],
)

NUMBERS = _group(
    "number",
    [
        "{{ 9**10000 }}",
        "{{ 9**9**9 }}",
        "{{ 10**10**10**10 }}",
        "{{ 10**15 * 10**15 }}",
        "{{ 99999999999999999999999 }}",
        "{{ " + "9" * 5000 + " }}",
        "{{ 0x" + "f" * 20 + " }}",
        "{{ 1_000_000_000_000_000_000 }}",
        "{{ 1." + "0" * 20 + " }}",
        "{{ 1e999 }}",
        "{{ 1e308 * 10 }}",
        "{{ 2.0 ** 10000 }}",
        "{{ (-8) ** 0.5 }}",
        "{{ 1 / 0 }}",
        "{{ -(10**15) * 10 }}",
        "{{ 0.5 ** -10000 }}",
        _Hangs("{{ 123|round(-10**9) }}"),
        "{{ 7 is divisibleby 0 }}",
    ],
)

LOOPS = _group(
    "loop",
    [
        _Hangs(
            "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
            "{% endfor %}{% endfor %}{% endfor %}"
        ),
        "{% for a in range(10**8) %}x{% endfor %}",
        _Hangs(
            "{% for a in range(1000) %}{% for b in range(1000) %}{{ a }}{% endfor %}{% endfor %}"
        ),
        "{% for a in range(9) %}{% for b in range(9) %}{% for c in range(9) %}"
        "{% for d in range(9) %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}",
        _Hangs("{{ lipsum(10**6) }}"),
        _Hangs("{{ lipsum(n=100000, html=False, min=1000, max=10000) }}"),
        "{% for a in range(1000) %}{% set s = 'x' * 20000 %}{% set t = s.upper() %}{% endfor %}",
        _Hangs(
            "{% for a in range(1000) %}{% for b in range(1000) %}"
            "{% if 'x' * 20000 == 'x' * 20000 %}{% endif %}{% endfor %}{% endfor %}"
        ),
        _Hangs("{% for i in 'x' * 20000 %}{% for j in 'x' * 20000 %}{% endfor %}{% endfor %}"),
        _Hangs(
            "{% filter upper %}{% for a in range(1000) %}{% for b in range(1000) %}"
            "{{ 'x' * 1000 }}{% endfor %}{% endfor %}{% endfilter %}"
        ),
        "{% set x %}{% for a in range(1000) %}{{ 'x' * 20000 }}{% endfor %}{% endset %}",
        _Hangs(
            "{% for a in range(1000) %}{{ loop.length }}{% for b in range(1000) %}"
            "{{ loop.revindex }}{% endfor %}{% endfor %}"
        ),
        "{% for slot in slots %}{{ loop.cycle(1, 2) }}{% endfor %}",
        "{% for slot in slots %}{{ loop.changed(slot) }}{% endfor %}",
        "{{ cycler(1, 2).next() }}",
        _Hangs(
            "{% for a in range(1000) %}{% for b in range(1000) %}{{ a ~ b }}{% endfor %}"
            "{% endfor %}"
        ),
        _Hangs(
            "{% for a in range(1000) %}{% for b in range(1000) %}{% set x = b|string %}"
            "{% endfor %}{% endfor %}"
        ),
        _Hangs(
            "{% for a in range(1000) %}{% for b in range(1000) %}"
            "{% set s = (customer.name * 100).upper() %}{% endfor %}{% endfor %}"
        ),
    ],
)

NESTING = _group(
    "nesting",
    [
        "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}",
        "{{ " + "[" * 5000 + "]" * 5000 + " }}",
        "{{ " + "{'a': " * 50 + "1" + "}" * 50 + " }}",
        "{{ 1" + " + 1" * 3000 + " }}",
        "{{ customer.name" + "|upper" * 3000 + " }}",
        "{{ " + "not " * 3000 + "1 }}",
        "{{ " + "-" * 5000 + "1 }}",
        "{% if 1 %}" * 500 + "{% endif %}" * 500,
        _Hangs("{% for a in slots %}" * 20 + "{% endfor %}" * 20),
        "{{ customer.name }}" * 900,
        "{{ 'a'" + " ~ 'b'" * 3000 + " }}",
        "{{ [" + "1, " * 5000 + "1] }}",
        "{{ " + "1 if 1 else " * 1000 + "1 }}",
        "{{ slots" + "[0]" * 2000 + " }}",
        "{{ customer" + ".name" * 2000 + " }}",
        "{% set a = 1 %}" * 1000,
        "{{ " + " and ".join(["1"] * 3000) + " }}",
        "{{ " + " < ".join(["1"] * 3000) + " }}",
        '{{ "' + "a" * 30000 + '" }}',
        "{% with a = 1 %}" * 30 + "{% endwith %}" * 30,
        "{% filter upper %}" * 30 + "{% endfilter %}" * 30,
        "{{ " + "+" * 5000 + "1 }}",
        "{{ customer.name" + "|default('x')" * 1000 + " }}",
        "{{ " + "(" * 60 + "1" + ")" * 60 + " }}",
    ],
)

PAYLOADS: list[Payload] = ESCAPES + REPRESENTATIONS + STATEMENTS + SIZES + NUMBERS + LOOPS + NESTING
