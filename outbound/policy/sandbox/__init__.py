"""The bounded jinja2 environment every message text compiles and renders in.

Staff write message texts, so a text is untrusted code that runs in the server
(at save, at preview, at every send). This package owns what such a text may
do: it checks the source before jinja2 parses it (literal sizes, nesting,
tokens), walks the parsed tree with a whitelist (no macros, includes, imports,
only the filters, tests and calls listed), rewrites it so loops, `~`,
comparisons and every printed value pass a guard, and compiles it without
constant folding of anything that could grow. At render time every operation
the sandbox sees counts against a budget of steps and of CPU time, results are
size-checked before they are built, and only texts and numbers reach the
output. Whatever it refuses raises `TemplateRefused` (a jinja2
`SecurityError`) with a sentence for staff; jinja2's own syntax errors stay
`TemplateSyntaxError`. Pure: no database, no network. The modules, each using
only those before it: `limits`, `spending`, `values`, `filters`,
`environment`, `checking`; the names below are the package's interface.
"""

from __future__ import annotations

from outbound.policy.sandbox.checking import (
    compile_text,
    python_source,
    render_text,
    variables_used,
)
from outbound.policy.sandbox.environment import ENVIRONMENT, MessageSandbox
from outbound.policy.sandbox.filters import FILTERS, TESTS
from outbound.policy.sandbox.limits import (
    ALLOWED_NODES,
    BLOCK_TAGS,
    CHARACTERS_PER_STEP,
    FILTER_NAMES,
    LOOP_ATTRIBUTES,
    MAX_BLOCK_DEPTH,
    MAX_BRACKET_DEPTH,
    MAX_COMPARED_PARTS,
    MAX_CPU_SECONDS,
    MAX_ITEMS,
    MAX_LITERAL_CHARACTERS,
    MAX_LOOP_DEPTH,
    MAX_NUMBER,
    MAX_RANGE,
    MAX_RENDERED_CHARACTERS,
    MAX_SOURCE_CHARACTERS,
    MAX_STEPS,
    MAX_TAG_TOKENS,
    MAX_TOKENS,
    REFUSED_STATEMENTS,
    SKIPPED_TOKENS,
    STR_METHODS,
    TemplateRefused,
)
from outbound.policy.sandbox.spending import budget

__all__ = [
    "ALLOWED_NODES",
    "BLOCK_TAGS",
    "CHARACTERS_PER_STEP",
    "ENVIRONMENT",
    "FILTERS",
    "FILTER_NAMES",
    "LOOP_ATTRIBUTES",
    "MAX_BLOCK_DEPTH",
    "MAX_BRACKET_DEPTH",
    "MAX_COMPARED_PARTS",
    "MAX_CPU_SECONDS",
    "MAX_ITEMS",
    "MAX_LITERAL_CHARACTERS",
    "MAX_LOOP_DEPTH",
    "MAX_NUMBER",
    "MAX_RANGE",
    "MAX_RENDERED_CHARACTERS",
    "MAX_SOURCE_CHARACTERS",
    "MAX_STEPS",
    "MAX_TAG_TOKENS",
    "MAX_TOKENS",
    "REFUSED_STATEMENTS",
    "SKIPPED_TOKENS",
    "STR_METHODS",
    "TESTS",
    "MessageSandbox",
    "TemplateRefused",
    "budget",
    "compile_text",
    "python_source",
    "render_text",
    "variables_used",
]
